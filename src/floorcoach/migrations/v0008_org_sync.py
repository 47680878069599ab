"""Schema 8: the device's side of syncing with an organisation (floorcoach.org.sync).

- `org_foreign`: records another supervisor made, pulled from the org store. They are
  read-only here: triggers refuse to change them (the core refuses first, with a
  message naming who recorded them). The sync lifts the mark, rewrites the row and puts
  the mark back, inside one write.
- `org_conflict`: the device's own records that were changed on another of the owner's
  devices too. The org store kept the version that reached it first (`theirs`); the
  device keeps its own row as it is, and both versions as JSON here, until the owner
  chooses: nothing is lost and nothing is merged by guesswork.
- `org_erasure_outbox`: people erased on this device whom the org roster knows. A trigger
  fills it whenever a link in `org_employee` goes (only an erasure removes those), so
  `employee forget` needs no change to reach the organisation: the next sync asks the org
  store to erase them there. It keeps only the org's random id of the person.

Tables that hold something about a person have an `employee_id`, so an erasure removes
their rows too. Never edit this module once shipped; add a new `vNNNN_*.py` instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from floorcoach.migrations import run_script
from floorcoach.migrations.v0007_org_identities import UUID_SQL

if TYPE_CHECKING:
    import sqlite_utils

VERSION = 8

_READ_ONLY = (
    "read-only: this {what} was recorded by another supervisor and came from the "
    "organisation; only they can change it"
)


def _refusal(table: str, what: str) -> str:
    return f"""
CREATE TRIGGER {table}_from_the_org_is_read_only BEFORE UPDATE ON {table}
WHEN EXISTS (SELECT 1 FROM org_foreign f WHERE f.record_type = '{table}' AND f.record_id = OLD.id)
BEGIN
    SELECT RAISE(ABORT, '{_READ_ONLY.format(what=what)}');
END;
"""


SQL = f"""
CREATE TABLE org_foreign (
    record_type TEXT NOT NULL,      -- observation, coaching_session, focus_period
    record_id TEXT NOT NULL,
    employee_id TEXT,               -- NULL for a focus period
    supervisor_id TEXT NOT NULL,    -- who recorded it, in the org store
    PRIMARY KEY (record_type, record_id)
);
CREATE INDEX org_foreign_by_employee ON org_foreign(employee_id);
CREATE TABLE org_conflict (
    record_type TEXT NOT NULL,
    record_id TEXT NOT NULL,
    employee_id TEXT NOT NULL,
    mine TEXT NOT NULL,             -- JSON: this device's version when the conflict was found
    theirs TEXT NOT NULL,           -- JSON: the version the org store kept
    found_at TEXT NOT NULL,
    PRIMARY KEY (record_type, record_id)
);
CREATE INDEX org_conflict_by_employee ON org_conflict(employee_id);
CREATE TABLE org_erasure_outbox (
    org_id TEXT PRIMARY KEY,        -- the person's random id in the org roster
    erasure_id TEXT NOT NULL,
    erased_at TEXT NOT NULL
);
CREATE TRIGGER org_employee_erased_goes_to_the_org AFTER DELETE ON org_employee
BEGIN
    INSERT OR IGNORE INTO org_erasure_outbox(org_id, erasure_id, erased_at)
    VALUES (OLD.org_id, {UUID_SQL}, strftime('%Y-%m-%dT%H:%M:%f000+00:00', 'now'));
END;
{_refusal("observation", "observation")}
{_refusal("coaching_session", "coaching session")}
{_refusal("focus_period", "focus period")}
"""


def upgrade(db: sqlite_utils.Database) -> None:
    run_script(db, SQL)
