"""What the session history file holds: its tables, the migrations that make them, the rows read back.

The schema carries its version in ``PRAGMA user_version``; ``MIGRATIONS`` maps
each version to the function that upgrades the one before it, so a later
release adds ``MIGRATIONS[n]`` here and old files upgrade themselves on open
(``posecheck.io.history.History`` runs them). Times are stored as ISO-8601 UTC
with a Z, to the second.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

from posecheck.judge.summary import ExerciseFigures

SOURCES = ("live", "analyze", "report")
MODES = ("exercise", "routine")
# How a session ended; "skipped": ``n`` on a single exercise (its one exercise left undone, on purpose).
ENDINGS = ("complete", "interrupted", "camera_lost", "skipped")
RESULT_FIELDS = ("exercise", "side", "hold_s", "target_s", "reps", "target_reps",
                 "correct_share", "top_fault", "duration_s")

APPLICATION_ID = 0x50534348  # "PSCH" in the database header: marks the file as ours


def _migrate_to_1(conn: sqlite3.Connection) -> None:
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("""
        CREATE TABLE sessions (
            id          INTEGER PRIMARY KEY,
            started_at  TEXT NOT NULL,              -- ISO-8601 UTC, e.g. 2026-05-09T07:35:25Z
            source      TEXT NOT NULL CHECK (source IN ('live', 'analyze', 'report')),
            input       TEXT,                       -- file analysed, camera name, ...
            kind        TEXT,                       -- 'video', 'image', 'camera', ...
            duration_s  REAL,
            mode        TEXT NOT NULL DEFAULT 'exercise' CHECK (mode IN ('exercise', 'routine')),
            ended       TEXT CHECK (ended IN ('complete', 'interrupted', 'camera_lost')),
                                                    -- NULL: still running, or its process died
            app_version TEXT NOT NULL
        )""")
    conn.execute("""
        CREATE TABLE results (
            id            INTEGER PRIMARY KEY,
            session_id    INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            exercise      TEXT NOT NULL,
            side          TEXT,                     -- NULL for exercises without sides
            hold_s        REAL NOT NULL DEFAULT 0,  -- correct hold time
            target_s      REAL,
            reps          INTEGER,
            target_reps   INTEGER,
            correct_share REAL,                     -- share of judged time that was correct, 0..1
            top_fault     TEXT,                     -- rule that failed longest
            duration_s    REAL                      -- judged time this row covers (weights the share)
        )""")
    conn.execute("CREATE INDEX results_by_session ON results(session_id)")
    conn.execute("CREATE INDEX results_by_exercise ON results(exercise)")
    conn.execute("CREATE INDEX sessions_by_start ON sessions(started_at)")


def _migrate_to_2(conn: sqlite3.Connection) -> None:
    # Reports are about a client (``posecheck report --client``): earlier sessions have none.
    conn.execute("ALTER TABLE sessions ADD COLUMN client TEXT")
    conn.execute("CREATE INDEX sessions_by_client ON sessions(client, started_at)")


def _migrate_to_3(conn: sqlite3.Connection) -> None:
    # ``ended`` gains "skipped". SQLite cannot change a CHECK in place, so both tables are made
    # anew and their rows copied (ids kept). Foreign keys cannot be switched off inside the
    # migration's transaction, and dropping a parent table deletes its rows first, cascading to
    # their results; so the old results go first, the new ones pointing at the new sessions
    # (renaming a table renames the references to it).
    # Version 3's endings, frozen here: a later ending is a later migration, not an edit of this one.
    endings = ", ".join(f"'{e}'" for e in ("complete", "interrupted", "camera_lost", "skipped"))
    conn.execute(f"""
        CREATE TABLE sessions_v3 (
            id          INTEGER PRIMARY KEY,
            started_at  TEXT NOT NULL,              -- ISO-8601 UTC, e.g. 2026-05-09T07:35:25Z
            source      TEXT NOT NULL CHECK (source IN ('live', 'analyze', 'report')),
            input       TEXT,                       -- file analysed, camera name, ...
            kind        TEXT,                       -- 'video', 'image', 'camera', ...
            duration_s  REAL,
            mode        TEXT NOT NULL DEFAULT 'exercise' CHECK (mode IN ('exercise', 'routine')),
            ended       TEXT CHECK (ended IN ({endings})),
                                                    -- NULL: still running, or its process died
            app_version TEXT NOT NULL,
            client      TEXT
        )""")
    conn.execute("""
        CREATE TABLE results_v3 (
            id            INTEGER PRIMARY KEY,
            session_id    INTEGER NOT NULL REFERENCES sessions_v3(id) ON DELETE CASCADE,
            exercise      TEXT NOT NULL,
            side          TEXT,                     -- NULL for exercises without sides
            hold_s        REAL NOT NULL DEFAULT 0,  -- correct hold time
            target_s      REAL,
            reps          INTEGER,
            target_reps   INTEGER,
            correct_share REAL,                     -- share of judged time that was correct, 0..1
            top_fault     TEXT,                     -- rule that failed longest
            duration_s    REAL                      -- judged time this row covers (weights the share)
        )""")
    session_cols = "id, started_at, source, input, kind, duration_s, mode, ended, app_version, client"
    result_cols = ("id, session_id, exercise, side, hold_s, target_s, reps, target_reps, correct_share, "
                   "top_fault, duration_s")
    conn.execute(f"INSERT INTO sessions_v3 ({session_cols}) SELECT {session_cols} FROM sessions")
    conn.execute(f"INSERT INTO results_v3 ({result_cols}) SELECT {result_cols} FROM results")
    conn.execute("DROP TABLE results")
    conn.execute("DROP TABLE sessions")
    conn.execute("ALTER TABLE sessions_v3 RENAME TO sessions")
    conn.execute("ALTER TABLE results_v3 RENAME TO results")
    conn.execute("CREATE INDEX results_by_session ON results(session_id)")
    conn.execute("CREATE INDEX results_by_exercise ON results(exercise)")
    conn.execute("CREATE INDEX sessions_by_start ON sessions(started_at)")
    conn.execute("CREATE INDEX sessions_by_client ON sessions(client, started_at)")


# MIGRATIONS[n] upgrades a version n-1 file to version n, inside one transaction.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: _migrate_to_1,
    2: _migrate_to_2,
    3: _migrate_to_3,
}
SCHEMA_VERSION = max(MIGRATIONS)


@dataclass(frozen=True)
class ResultRow:
    exercise: str
    side: str | None = None
    hold_s: float = 0.0
    target_s: float | None = None
    reps: int | None = None
    target_reps: int | None = None
    correct_share: float | None = None
    top_fault: str | None = None
    duration_s: float | None = None

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class SessionRow:
    id: int
    started_at: str
    source: str
    input: str | None
    kind: str | None
    duration_s: float | None
    mode: str
    ended: str | None
    app_version: str
    results: tuple[ResultRow, ...] = field(default=())
    client: str | None = None

    @property
    def started(self) -> datetime:
        return parse_timestamp(self.started_at)

    @property
    def hold_s(self) -> float:
        return sum(r.hold_s or 0.0 for r in self.results)

    def as_dict(self) -> dict:
        out = asdict(self)
        out["results"] = [r.as_dict() for r in self.results]
        return out


@dataclass(frozen=True)
class ProgressRow:
    date: str  # YYYY-MM-DD in the requested time zone (local by default)
    exercise: str
    hold_s: float  # correct hold seconds that day, all sessions and sides
    correct_share: float | None  # share of judged time that was correct, None if unknown
    sessions: int
    goal_fraction: float | None = None  # mean share of the goal reached by that day's sessions


def figures_of_results(rows: Sequence[ResultRow]) -> ExerciseFigures:
    """One exercise's result rows of a session (one per side, or one) as figures.

    So a stored session's goal is judged by the same formula and thresholds as
    a summary's (``ExerciseFigures.goal_fraction`` and ``goal_verdict``).
    """
    first = rows[0]
    sides = {r.side: r.hold_s or 0.0 for r in rows if r.side} or None
    reps = next((r.reps for r in rows if r.reps is not None), None)
    return ExerciseFigures(exercise=first.exercise, hold_s=sum(r.hold_s or 0.0 for r in rows),
                           target_s=first.target_s, reps=reps, target_reps=first.target_reps, sides=sides)


def parse_timestamp(value: str) -> datetime:
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    dt = datetime.fromisoformat(text)
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=timezone.utc)


def format_timestamp(value: datetime | str | None = None) -> str:
    """ISO-8601 UTC with a Z, to the second. A naive datetime is taken as UTC."""
    if value is None:
        dt = datetime.now(timezone.utc)
    elif isinstance(value, str):
        dt = parse_timestamp(value)
    else:
        dt = value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
