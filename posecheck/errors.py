"""The one exception type the command line turns into a one-line message and exit code 2."""


class PosecheckError(Exception):
    """A problem with the user's input or environment, stated in one line."""

    exit_code = 2
