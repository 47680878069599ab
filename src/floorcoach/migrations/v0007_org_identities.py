"""Schema 7: identities that hold across devices, for the organisation's store.

- `supervisor`: who made a record. A record carries its supervisor's name (`supervisor`,
  kept for display and exports); this table gives each name a supervisor id (a UUID),
  and, once the device joined an organisation, the org's id and login for the names that
  are the device owner's. Several names may share one id (the name a device used before
  joining and the display name the org gives the login). Filled here from every name on
  the device's records, and by triggers for each new name, so every record's supervisor
  has an id without any caller passing one.
- `uuid` for follow-ups and history entries (deletions are history entries too, so they
  are the tombstones): ids unique across devices, next to the integer and composite keys
  the app keeps using, so histories from several devices merge without clashes. Existing
  rows get one here; new rows get one from the column's default. Observations, coaching
  sessions, employees, focus periods and erasures already have UUIDs as their ids, and
  the device's own id is `setting.database_id` (schema 5).
- `org_employee` and `org_pushed`: the device's side of the link (floorcoach.org.sync):
  which local employee is which person in the org roster, and which version of each of
  its records the org store already has. Both carry `employee_id`, so erasing a person
  removes their rows here too.

SQLite's ALTER TABLE cannot add a column whose default is an expression, so the `uuid`
columns are added plain, filled, and then given their default by editing the table's
stored CREATE TABLE text (the documented "simpler procedure", which SQLite allows for
default values; no row is copied). The rows all hold a value by then: SQLite uses a
column's default only for rows stored before the column existed, and there are none left.
Never edit this module once shipped; add a new `vNNNN_*.py` instead.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from floorcoach.migrations import reshape, run_script

if TYPE_CHECKING:
    import sqlite_utils

VERSION = 7

# A random (version 4) UUID in SQL, the same form as `store.new_id()` writes.
UUID_SQL = (
    "lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || "
    "substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || "
    "substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))"
)

SQL = f"""
CREATE TABLE supervisor (
    display_name TEXT PRIMARY KEY,  -- the name as this device's records carry it
    id TEXT NOT NULL,               -- a UUID; the org store's id for the device owner
    login TEXT,                     -- the org login, for the device owner once joined
    created_at TEXT NOT NULL
);
CREATE INDEX supervisor_by_id ON supervisor(id);
INSERT INTO supervisor(display_name, id, created_at)
SELECT name, {UUID_SQL}, min(created_at) FROM (
    SELECT supervisor AS name, created_at FROM observation
    UNION ALL SELECT supervisor, created_at FROM coaching_session
) GROUP BY name;
CREATE TRIGGER observation_names_a_new_supervisor AFTER INSERT ON observation
WHEN NOT EXISTS (SELECT 1 FROM supervisor WHERE display_name = NEW.supervisor)
BEGIN
    INSERT INTO supervisor(display_name, id, created_at)
    VALUES (NEW.supervisor, {UUID_SQL}, NEW.created_at);
END;
CREATE TRIGGER coaching_session_names_a_new_supervisor AFTER INSERT ON coaching_session
WHEN NOT EXISTS (SELECT 1 FROM supervisor WHERE display_name = NEW.supervisor)
BEGIN
    INSERT INTO supervisor(display_name, id, created_at)
    VALUES (NEW.supervisor, {UUID_SQL}, NEW.created_at);
END;

ALTER TABLE coaching_followup ADD COLUMN uuid TEXT;
UPDATE coaching_followup SET uuid = {UUID_SQL};
CREATE UNIQUE INDEX coaching_followup_by_uuid ON coaching_followup(uuid);

ALTER TABLE record_history ADD COLUMN uuid TEXT;
DROP TRIGGER record_history_is_append_only;
UPDATE record_history SET uuid = {UUID_SQL};
CREATE UNIQUE INDEX record_history_by_uuid ON record_history(uuid);

CREATE TABLE org_employee (
    employee_id TEXT PRIMARY KEY REFERENCES employee(id) ON DELETE CASCADE,
    org_id TEXT NOT NULL UNIQUE,    -- the person's id in the org roster
    version INTEGER NOT NULL        -- the org roster row's version last pulled
);
CREATE TABLE org_pushed (
    record_type TEXT NOT NULL,
    record_id TEXT NOT NULL,
    employee_id TEXT NOT NULL,
    version INTEGER NOT NULL,       -- the version the org store confirmed
    PRIMARY KEY (record_type, record_id)
);
CREATE INDEX org_pushed_by_employee ON org_pushed(employee_id);
"""

APPEND_ONLY = """
CREATE TRIGGER record_history_is_append_only BEFORE UPDATE ON record_history
BEGIN
    SELECT RAISE(ABORT, 'record history cannot be changed');
END;
"""


def upgrade(db: sqlite_utils.Database) -> None:
    run_script(db, SQL)
    run_script(db, APPEND_ONLY)  # as schema 1 made it, now that every entry has its id
    for table in ("coaching_followup", "record_history"):
        _default_uuid(db, table)


def _default_uuid(db: sqlite_utils.Database, table: str) -> None:
    """Give `table.uuid` (added last, by ALTER TABLE) a fresh UUID as its default."""
    conn = db.conn
    sql = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).fetchone()[0]
    plain = ", uuid TEXT"  # as ALTER TABLE wrote it, after the last column
    if sql.count(plain) != 1:
        raise ValueError(f"{table}: expected one {plain!r} in its definition")
    new_sql = sql.replace(plain, f", uuid TEXT NOT NULL DEFAULT ({UUID_SQL})")
    try:
        reshape._edit_schema(conn, table, new_sql)
    except sqlite3.OperationalError as exc:
        if "may not be modified" not in str(exc):  # SQLITE_DBCONFIG_DEFENSIVE: no editing
            raise
        reshape.rebuild_table(db, table, new_sql)
    problems = [r[0] for r in conn.execute(f"PRAGMA quick_check({table})")]
    if problems != ["ok"]:
        raise ValueError(f"rows of {table} break the new definition: {problems[0]}")
