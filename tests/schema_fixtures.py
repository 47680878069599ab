"""Build databases as older floorcoach versions left them, to test migrations for real.

`database_at_version(path, n)` applies only the schema steps up to `n`, exactly as a
floorcoach of that era would have, so `Store.open` must carry it forward. Fill it with
`insert_row`, which names every column it writes: a column added by a later step takes
its default instead of breaking the fixture.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from pathlib import Path

import sqlite_utils

from floorcoach.migrations import load_migrations
from floorcoach.store import APPLICATION_ID


def database_at_version(path: Path, version: int) -> sqlite3.Connection:
    """Create `path` at schema `version` and return an open connection to fill it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path))
    conn.execute("PRAGMA journal_mode = WAL")
    db = sqlite_utils.Database(conn, execute_plugins=False)
    for step, upgrade in sorted(load_migrations().items()):
        if step > version:
            break
        with db.atomic():
            upgrade(db)
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {step}")
    return conn


def insert_row(conn: sqlite3.Connection, table: str, row: Mapping[str, object]) -> None:
    """INSERT one row, naming its columns (never `INSERT INTO t VALUES (...)`)."""
    columns = ", ".join(f'"{name}"' for name in row)
    marks = ", ".join("?" for _ in row)
    conn.execute(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', tuple(row.values()))
