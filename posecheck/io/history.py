"""Every session, live or analysed, kept in one SQLite file so progress can be shown over days.

The file lives in the user's data folder (``default_history_path``) unless the
``POSECHECK_HISTORY`` environment variable or ``--history PATH`` names another.

Design points:

* The schema carries its version in ``PRAGMA user_version``; ``MIGRATIONS``
  (``posecheck.io.history_schema``, with the tables and rows) maps each
  version to the function that upgrades the one before it, so a later release
  adds ``MIGRATIONS[2]`` and old files upgrade themselves on open.
* WAL journal, ``synchronous=FULL``: every write is one explicit
  ``BEGIN IMMEDIATE ... COMMIT``; a process killed at any point loses at most
  the write it was in, never an earlier session, and readers are never blocked
  by a writer.
* A file locked by another process is waited for ``timeout_s`` (SQLite's
  busy timeout), then a one-line ``PosecheckError`` says so.
* A file that is not a posecheck history (random bytes, another program's
  database, a newer schema) is refused with a ``PosecheckError`` naming it; it
  is never written, moved or deleted.
* ``readonly=True`` (what listing uses) opens with SQLite's ``mode=ro`` and never
  creates a file: a missing database simply has no sessions.

No OpenCV, MediaPipe or matplotlib here: the tables and the plot of ``posecheck
history`` are drawn by ``posecheck.draw.history_table`` and
``posecheck.draw.history_plot``, and the command is ``posecheck.apps.history``.
"""

from __future__ import annotations

import contextlib
import math
import os
import sqlite3
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timezone, tzinfo
from pathlib import Path
from urllib.parse import quote

from posecheck import __version__
from posecheck.errors import PosecheckError
from posecheck.io.history_schema import (
    APPLICATION_ID,
    ENDINGS,
    MIGRATIONS,
    MODES,
    RESULT_FIELDS,
    SCHEMA_VERSION,
    SOURCES,
    ProgressRow,
    ResultRow,
    SessionRow,
    figures_of_results,
    format_timestamp,
    parse_timestamp,
)
from posecheck.judge.summary import ExerciseFigures, Summary

DEFAULT_TIMEOUT_S = 2.5
FILE_NAME = "history.sqlite3"
_SQLITE_MAGIC = b"SQLite format 3\x00"


# --------------------------------------------------------------------------- location

def data_dir(env: Mapping[str, str] | None = None, platform: str | None = None,
             home: str | os.PathLike | None = None) -> Path:
    """The per-user data folder for posecheck (not created here).

    Linux and other Unix: ``$XDG_DATA_HOME/posecheck`` or ``~/.local/share/posecheck``;
    macOS: ``~/Library/Application Support/posecheck``; Windows:
    ``%LOCALAPPDATA%\\posecheck``. Arguments exist for tests.
    """
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    home_dir = Path(home) if home is not None else Path(os.path.expanduser("~"))
    if platform.startswith("win"):
        base = env.get("LOCALAPPDATA") or str(home_dir / "AppData" / "Local")
        return Path(base) / "posecheck"
    if platform == "darwin":
        return home_dir / "Library" / "Application Support" / "posecheck"
    xdg = env.get("XDG_DATA_HOME", "")
    # The XDG spec says a relative path is invalid and must be ignored.
    base = Path(xdg) if xdg and os.path.isabs(xdg) else home_dir / ".local" / "share"
    return base / "posecheck"


def default_history_path(env: Mapping[str, str] | None = None, platform: str | None = None,
                         home: str | os.PathLike | None = None) -> Path:
    """``$POSECHECK_HISTORY`` if set, else ``data_dir()/history.sqlite3``."""
    env = os.environ if env is None else env
    override = env.get("POSECHECK_HISTORY", "")
    if override:
        return Path(os.path.expanduser(override))
    return data_dir(env, platform, home) / FILE_NAME


# --------------------------------------------------------------------------- helpers

def _finite(value) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _int_or_none(value) -> int | None:
    number = _finite(value)
    return None if number is None else int(round(number))


def _clean_result(result: Mapping) -> dict:
    unknown = set(result) - set(RESULT_FIELDS)
    if unknown:
        raise ValueError(f"unknown result field(s): {', '.join(sorted(unknown))}")
    if not result.get("exercise"):
        raise ValueError("a result needs an exercise")
    share = _finite(result.get("correct_share"))
    if share is not None:
        share = min(1.0, max(0.0, share))
    return {
        "exercise": str(result["exercise"]),
        "side": None if result.get("side") in (None, "") else str(result["side"]),
        "hold_s": _finite(result.get("hold_s")) or 0.0,
        "target_s": _finite(result.get("target_s")),
        "reps": _int_or_none(result.get("reps")),
        "target_reps": _int_or_none(result.get("target_reps")),
        "correct_share": share,
        "top_fault": result.get("top_fault") or None,
        "duration_s": _finite(result.get("duration_s")),
    }


def _check_choice(name: str, value, choices: Sequence[str], allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}, not {value!r}")


def result_rows(figures: ExerciseFigures, duration_s: float | None, correct_share: float | None) -> list[dict]:
    """Result rows (dicts for ``record_session`` or ``add_result``) of one judged exercise.

    One row per side for sided exercises, else one row. ``correct_share`` is
    the share of the judged time that was correct (``Summary.correct_share``);
    a sided recording's duration is split evenly over its side rows so that
    day totals weigh it once. ``top_fault`` is the rule of the first (longest)
    fault. Reps are counted over the whole recording, so they are recorded
    once, on the first row.
    """
    if not figures.exercise:
        raise ValueError("summary has no exercise")
    duration = _finite(duration_s) or 0.0
    top = figures.faults[0] if figures.faults else None
    base = {
        "exercise": str(figures.exercise),
        "target_s": _finite(figures.target_s),
        "target_reps": _int_or_none(figures.target_reps),
        "correct_share": correct_share,
        "top_fault": (top.rule or top.cue) if top is not None else None,
    }
    sides = figures.sides or {}
    if not sides:
        return [dict(base, side=None, hold_s=_finite(figures.hold_s) or 0.0,
                     reps=_int_or_none(figures.reps), duration_s=duration)]
    rows = []
    for i, (side, seconds) in enumerate(sides.items()):
        rows.append(dict(base, side=str(side), hold_s=_finite(seconds) or 0.0,
                         reps=_int_or_none(figures.reps) if i == 0 else None,
                         duration_s=duration / len(sides)))
    return rows


def results_from_summary(summary: Summary) -> list[dict]:
    """Result rows of one ``posecheck analyze`` summary: its judged exercise over the recording, or for
    a routine each exercise over the time spent on it."""
    if summary.is_routine:
        return [row for e in summary.exercises
                for row in result_rows(e.figures, e.duration_s, e.figures.correct_share)]
    return result_rows(summary.figures, summary.duration_s, summary.correct_share)


# --------------------------------------------------------------------------- the store

class History:
    """The session history in one SQLite file.

    ``History(path=None)`` opens (creating if needed) the default file;
    ``readonly=True`` never creates or changes anything. Use as a context
    manager or call ``close()``. Safe to share between threads of one process.
    """

    def __init__(self, path: str | os.PathLike | None = None, *, readonly: bool = False,
                 timeout_s: float = DEFAULT_TIMEOUT_S):
        explicit = path is not None or bool(os.environ.get("POSECHECK_HISTORY"))
        self.path = Path(os.path.expanduser(str(path))) if path is not None else default_history_path()
        self.readonly = readonly
        self.timeout_s = float(timeout_s)
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        if readonly and not self.path.exists():
            return  # nothing recorded yet; create nothing
        if not readonly:
            parent = self.path.parent
            if not parent.is_dir():
                if explicit:
                    raise PosecheckError(f"{self.path}: folder {parent} does not exist")
                try:
                    parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise PosecheckError(f"{parent}: cannot create the data folder ({exc.strerror})") from None
        self._check_header()
        self._conn = self._connect(readonly)
        try:
            self._prepare()
        except BaseException:
            self.close()
            raise

    # -- opening

    def _check_header(self) -> None:
        """Refuse a non-SQLite file before SQLite ever opens it."""
        if self.path.is_dir():
            raise PosecheckError(f"{self.path}: is a folder, not a history database")
        try:
            with open(self.path, "rb") as fh:
                head = fh.read(len(_SQLITE_MAGIC))
        except FileNotFoundError:
            return
        except OSError as exc:
            raise PosecheckError(f"{self.path}: cannot read the history database ({exc.strerror})") from None
        if head and head != _SQLITE_MAGIC:
            raise PosecheckError(
                f"{self.path}: not a posecheck history database (not SQLite, perhaps corrupt); "
                "left untouched - move it aside or pass --history PATH")

    def _connect(self, readonly: bool) -> sqlite3.Connection:
        if not readonly:
            mode = "rwc"
        else:
            # Read-only use still opens a writable file read-write (without
            # creating it) so that, closing last, SQLite folds back and removes
            # the -wal/-shm files it needs for reading; nothing is written.
            mode = "rw" if os.access(self.path, os.W_OK) else "ro"
        uri = f"file:{quote(str(self.path.resolve()))}?mode={mode}"
        with self._errors("open"):
            conn = sqlite3.connect(uri, uri=True, timeout=self.timeout_s, isolation_level=None,
                                   check_same_thread=False)
        try:
            with self._errors("open"):
                conn.execute(f"PRAGMA busy_timeout = {int(self.timeout_s * 1000)}")
                conn.execute("PRAGMA foreign_keys = ON")
                if not readonly:
                    conn.execute("PRAGMA synchronous = FULL")
        except BaseException:
            conn.close()
            raise
        return conn

    def _prepare(self) -> None:
        conn = self._conn
        assert conn is not None
        with self._errors("open"):
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = [r[0] for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        if app_id not in (0, APPLICATION_ID) or (version == 0 and tables):
            raise PosecheckError(
                f"{self.path}: is another program's SQLite database, not a posecheck history; left untouched")
        if version > SCHEMA_VERSION:
            raise PosecheckError(
                f"{self.path}: history schema version {version} is from a newer posecheck "
                f"(this one reads up to {SCHEMA_VERSION}); upgrade posecheck")
        if version == SCHEMA_VERSION:
            if not self.readonly:
                self._enable_wal()
            return
        if self.readonly:
            if version == 0:
                conn.close()
                self._conn = None  # an empty file: no sessions, and nothing to write
                return
            # An older schema: upgrade it with a writable connection, then read.
            with History(self.path, timeout_s=self.timeout_s):
                pass
            return
        self._enable_wal()
        self._migrate(version)

    def _enable_wal(self) -> None:
        assert self._conn is not None
        with self._errors("open"):
            mode = self._conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            # e.g. a file system without shared memory; still correct, only less concurrent
            pass

    def _migrate(self, version: int) -> None:
        for target in range(version + 1, SCHEMA_VERSION + 1):
            with self._write() as conn:
                # Another process may have upgraded it while we waited for the lock.
                if conn.execute("PRAGMA user_version").fetchone()[0] >= target:
                    continue
                MIGRATIONS[target](conn)
                conn.execute(f"PRAGMA user_version = {target}")

    # -- error translation and transactions

    @contextlib.contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        try:
            yield
        except sqlite3.DatabaseError as exc:
            raise self._translate(exc, action) from None

    def _translate(self, exc: sqlite3.DatabaseError, action: str) -> PosecheckError:
        text = str(exc)
        name = getattr(exc, "sqlite_errorname", "") or ""
        low = text.lower()
        if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in low or "busy" in low:
            return PosecheckError(
                f"{self.path}: history database is locked by another process "
                f"(waited {self.timeout_s:g} s); try again when it has finished")
        if name.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")) or "not a database" in low or "malformed" in low:
            return PosecheckError(
                f"{self.path}: history database is corrupt or not a database ({text}); "
                "left untouched - move it aside or pass --history PATH")
        if name.startswith("SQLITE_READONLY") or "readonly" in low or "read-only" in low:
            return PosecheckError(f"{self.path}: history database is read-only; cannot {action}")
        if name.startswith("SQLITE_CANTOPEN") or "unable to open" in low:
            return PosecheckError(f"{self.path}: cannot open the history database ({text})")
        if name.startswith("SQLITE_FULL") or "disk is full" in low:
            return PosecheckError(f"{self.path}: disk full while trying to {action} the history")
        return PosecheckError(f"{self.path}: history database error while trying to {action} ({text})")

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One committed transaction, or nothing at all."""
        if self.readonly:
            raise PosecheckError(f"{self.path}: history opened read-only")
        if self._conn is None:
            raise PosecheckError(f"{self.path}: history is closed")
        conn = self._conn
        with self._lock, self._errors("write"):
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise
            try:
                conn.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise

    @contextlib.contextmanager
    def _read(self) -> Iterator[sqlite3.Connection | None]:
        with self._lock, self._errors("read"):
            yield self._conn

    # -- life cycle

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                with contextlib.suppress(sqlite3.Error):
                    self._conn.close()
                self._conn = None

    def __enter__(self) -> "History":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        with self._read() as conn:
            return 0 if conn is None else conn.execute("PRAGMA user_version").fetchone()[0]

    # -- writing

    def record_session(self, source: str, input: str | None, kind: str | None, duration_s: float | None,
                       results: Sequence[Mapping], mode: str = "exercise", ended: str = "complete",
                       started_at: datetime | str | None = None, client: str | None = None) -> int:
        """Store a finished session with its results in one transaction; returns its id."""
        _check_choice("source", source, SOURCES)
        _check_choice("mode", mode, MODES)
        _check_choice("ended", ended, ENDINGS, allow_none=True)
        rows = [_clean_result(r) for r in results]
        with self._write() as conn:
            session_id = self._insert_session(conn, source, input, kind, duration_s, mode, ended, started_at,
                                              client)
            for row in rows:
                self._insert_result(conn, session_id, row)
        return session_id

    def record_summary(self, summary: Summary, source: str = "analyze", mode: str = "exercise",
                       started_at: datetime | str | None = None, client: str | None = None) -> int:
        """Store one ``posecheck analyze`` summary as a complete session (a routine: in routine mode)."""
        return self.record_session(source, summary.input, summary.kind,
                                   _finite(summary.duration_s), results_from_summary(summary),
                                   mode="routine" if summary.is_routine else mode, ended="complete",
                                   started_at=started_at, client=client)

    def begin_session(self, source: str = "live", input: str | None = None, kind: str | None = None,
                      mode: str = "exercise", started_at: datetime | str | None = None) -> int:
        """Start a session whose results arrive one by one; committed at once.

        Until ``end_session`` its ``ended`` is NULL; if the process dies first
        the session stays so, with every result added so far.
        """
        _check_choice("source", source, SOURCES)
        _check_choice("mode", mode, MODES)
        with self._write() as conn:
            return self._insert_session(conn, source, input, kind, None, mode, None, started_at)

    def add_result(self, session_id: int, result: Mapping | None = None, /, **fields) -> None:
        """Append one result row (a dict and/or keyword fields) in its own transaction."""
        row = _clean_result({**(result or {}), **fields})
        with self._write() as conn:
            self._require_session(conn, session_id)
            self._insert_result(conn, session_id, row)

    def end_session(self, session_id: int, ended: str = "complete", duration_s: float | None = None) -> None:
        """Mark a session finished. Without ``duration_s`` it is the time since it began."""
        _check_choice("ended", ended, ENDINGS)
        with self._write() as conn:
            started_at = self._require_session(conn, session_id)
            if duration_s is None:
                elapsed = datetime.now(timezone.utc) - parse_timestamp(started_at)
                duration_s = max(0.0, elapsed.total_seconds())
            conn.execute("UPDATE sessions SET ended = ?, duration_s = ? WHERE id = ?",
                         (ended, _finite(duration_s), session_id))

    @staticmethod
    def _require_session(conn: sqlite3.Connection, session_id: int) -> str:
        row = conn.execute("SELECT started_at FROM sessions WHERE id = ?", (int(session_id),)).fetchone()
        if row is None:
            raise ValueError(f"no session {session_id} in the history")
        return row[0]

    @staticmethod
    def _insert_session(conn, source, input, kind, duration_s, mode, ended, started_at, client=None) -> int:
        cur = conn.execute(
            "INSERT INTO sessions (started_at, source, input, kind, duration_s, mode, ended, app_version, client) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (format_timestamp(started_at), source, None if input is None else str(input),
             None if kind is None else str(kind), _finite(duration_s), mode, ended, __version__,
             client or None))
        return int(cur.lastrowid)

    @staticmethod
    def _insert_result(conn, session_id: int, row: dict) -> None:
        conn.execute(
            "INSERT INTO results (session_id, exercise, side, hold_s, target_s, reps, target_reps, "
            "correct_share, top_fault, duration_s) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (int(session_id), row["exercise"], row["side"], row["hold_s"], row["target_s"], row["reps"],
             row["target_reps"], row["correct_share"], row["top_fault"], row["duration_s"]))

    # -- reading

    def count_sessions(self, exercise: str | None = None) -> int:
        with self._read() as conn:
            if conn is None:
                return 0
            if exercise is None:
                return conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0]
            return conn.execute(
                "SELECT COUNT(DISTINCT session_id) FROM results WHERE exercise = ?", (exercise,)).fetchone()[0]

    def sessions(self, limit: int | None = 20, exercise: str | None = None, client: str | None = None,
                 before: datetime | str | None = None) -> list[SessionRow]:
        """The latest sessions first, each with its results.

        ``exercise`` keeps those that did it, ``client`` those of that client,
        ``before`` those that started earlier than it.
        """
        with self._read() as conn:
            if conn is None:
                return []
            conditions, params = [], []
            if exercise is not None:
                conditions.append("id IN (SELECT session_id FROM results WHERE exercise = ?)")
                params.append(exercise)
            if client is not None:
                conditions.append("client = ?")
                params.append(client)
            if before is not None:
                conditions.append("started_at < ?")
                params.append(format_timestamp(before))
            where = ("WHERE " + " AND ".join(conditions)) if conditions else ""
            sql = (f"SELECT id, started_at, source, input, kind, duration_s, mode, ended, app_version, client "
                   f"FROM sessions {where} ORDER BY started_at DESC, id DESC")
            if limit is not None:
                sql += " LIMIT ?"
                params.append(max(0, int(limit)))
            heads = conn.execute(sql, params).fetchall()
            if not heads:
                return []
            ids = [h[0] for h in heads]
            by_session: dict[int, list[ResultRow]] = {i: [] for i in ids}
            marks = ",".join("?" * len(ids))
            for r in conn.execute(
                    f"SELECT session_id, exercise, side, hold_s, target_s, reps, target_reps, correct_share, "
                    f"top_fault, duration_s FROM results WHERE session_id IN ({marks}) ORDER BY id", ids):
                by_session[r[0]].append(ResultRow(*r[1:]))
        return [SessionRow(*h[:9], results=tuple(by_session[h[0]]), client=h[9]) for h in heads]

    def progress(self, exercise: str | None = None, tz: tzinfo | None = None) -> list[ProgressRow]:
        """Per day (in ``tz``, default local time) and exercise: correct hold seconds and share correct.

        The share is weighted by each row's judged time; rows without one count
        equally when no row of that day has one. Oldest day first.
        """
        with self._read() as conn:
            if conn is None:
                return []
            sql = ("SELECT s.id, s.started_at, r.exercise, r.hold_s, r.correct_share, r.duration_s, r.side, "
                   "r.target_s, r.reps, r.target_reps FROM results r JOIN sessions s ON s.id = r.session_id")
            params: list = []
            if exercise is not None:
                sql += " WHERE r.exercise = ?"
                params.append(exercise)
            rows = conn.execute(sql, params).fetchall()
        groups: dict[tuple[str, str], dict] = {}
        for session_id, started_at, ex, hold, share, duration, side, target_s, reps, target_reps in rows:
            stamp = parse_timestamp(started_at)
            day = (stamp.astimezone(tz) if tz is not None else stamp.astimezone()).date().isoformat()
            g = groups.setdefault((day, ex), {"hold": 0.0, "wsum": 0.0, "w": 0.0, "shares": [], "ids": set(),
                                              "by_session": {}})
            g["hold"] += hold or 0.0
            g["ids"].add(session_id)
            g["by_session"].setdefault(session_id, []).append(
                ResultRow(ex, side, hold or 0.0, target_s, reps, target_reps))
            if share is not None:
                g["shares"].append(share)
                if duration:
                    g["wsum"] += share * duration
                    g["w"] += duration
        out = []
        for (day, ex), g in sorted(groups.items()):
            if g["w"] > 0:
                share = g["wsum"] / g["w"]
            elif g["shares"]:
                share = sum(g["shares"]) / len(g["shares"])
            else:
                share = None
            goals = [figures_of_results(r) for r in g["by_session"].values()]
            goals = [f.goal_fraction for f in goals if f.target_s or f.target_reps]
            goal = round(sum(goals) / len(goals), 4) if goals else None
            out.append(ProgressRow(day, ex, round(g["hold"], 3), None if share is None else round(share, 4),
                                   len(g["ids"]), goal))
        return out
