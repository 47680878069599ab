"""Is the database whole? `PRAGMA integrity_check` and `foreign_key_check`, in plain words.

A disk that fails, a copy interrupted by hand or a tool that writes into the file can
damage single pages. SQLite then answers some queries and fails others; this module
finds out before floorcoach trusts a file (`floorcoach check`, and every backup checks
its copy before giving it the final name).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from floorcoach.store import connect_for_reading

MAX_PROBLEMS = 20  # integrity_check stops listing after this many; the first few tell enough


@dataclass(frozen=True)
class Checkup:
    path: Path
    problems: list[str] = field(default_factory=list)
    broken_links: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems and not self.broken_links

    def summary(self) -> str:
        if self.ok:
            return f"{self.path}: ok (integrity and links checked)"
        parts = []
        if self.problems:
            parts.append(f"{len(self.problems)} damaged place(s), first: {self.problems[0]}")
        if self.broken_links:
            parts.append(f"{self.broken_links} record(s) point to missing records")
        return f"{self.path}: damaged: " + "; ".join(parts)


def check_connection(conn: sqlite3.Connection, path: Path) -> Checkup:
    """Run both checks on an open connection (a damaged file may fail the check itself)."""
    try:
        rows = conn.execute(f"PRAGMA integrity_check({MAX_PROBLEMS})").fetchall()
        problems = [row[0] for row in rows if row[0] != "ok"]
        broken = len(conn.execute("PRAGMA foreign_key_check").fetchall())
    except sqlite3.DatabaseError as exc:
        return Checkup(path, [str(exc)], 0)
    return Checkup(path, problems, broken)


def check_file(path: Path) -> Checkup:
    """Check a database file without changing it or leaving -wal/-shm beside it."""
    try:
        conn = connect_for_reading(Path(path))
    except sqlite3.DatabaseError as exc:
        return Checkup(Path(path), [str(exc)], 0)
    try:
        return check_connection(conn, Path(path))
    finally:
        conn.close()


ADVICE = (
    "Do not keep working in this file. Quit floorcoach everywhere, keep the damaged file "
    "aside (do not delete it), and restore the newest backup (`floorcoach backup` copies, "
    "or the `.before-schema-N.bak` copies next to it): see 'Backups and restore' in the "
    "README. `floorcoach --db BACKUP check` tells whether a backup is whole."
)
