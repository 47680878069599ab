"""Schema 4: the erasure log — that a person's records were erased, never what they said.

`floorcoach employee forget` removes every row about a person; this table keeps only
when, by whom, the person's random internal id (no name, no ref, no content) and how
many rows of each kind went, so an organisation can show a data-protection request was
carried out. The id column is deliberately not called `employee_id`: erasure removes
every table row with that column, and the log must outlive the person's records.
Never edit this module once shipped; add a new `vNNNN_*.py` instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from floorcoach.migrations import run_script

if TYPE_CHECKING:
    import sqlite_utils

VERSION = 4

SQL = """
CREATE TABLE erasure_log (
    id TEXT PRIMARY KEY,
    erased_at TEXT NOT NULL,
    erased_by TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    counts TEXT NOT NULL
);
CREATE TRIGGER erasure_log_is_append_only BEFORE UPDATE ON erasure_log
BEGIN
    SELECT RAISE(ABORT, 'the erasure log cannot be changed');
END;
"""


def upgrade(db: sqlite_utils.Database) -> None:
    run_script(db, SQL)
