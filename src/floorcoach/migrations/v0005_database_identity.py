"""Schema 5: every database gets a random identity of its own (`setting` `database_id`).

A backup carries the identity of the database it copies and says so (`backup_of`), so
`floorcoach backup --to FILE` can tell an earlier backup of this database, which it may
replace, from another live database, which it must never overwrite. The org sync uses
the same identity for the device's file.
Never edit this module once shipped; add a new `vNNNN_*.py` instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from floorcoach.migrations import run_script

if TYPE_CHECKING:
    import sqlite_utils

VERSION = 5

SQL = """
INSERT OR IGNORE INTO setting(key, value) VALUES (
    'database_id',
    lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2)
        || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2)
        || '-' || hex(randomblob(6)))
);
"""


def upgrade(db: sqlite_utils.Database) -> None:
    run_script(db, SQL)
