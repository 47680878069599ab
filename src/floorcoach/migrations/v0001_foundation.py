"""Schema 1: catalogue snapshot, employees, observations, append-only history, settings.

Never edit a migration that has shipped: databases in the field already ran it. Add a
new `vNNNN_*.py` module instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from floorcoach.migrations import run_script

if TYPE_CHECKING:
    import sqlite_utils

VERSION = 1

SQL = """
CREATE TABLE catalogue (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    version TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    loaded_at TEXT NOT NULL
);
CREATE TABLE behaviour (
    id TEXT PRIMARY KEY,
    catalogue_id TEXT NOT NULL REFERENCES catalogue(id),
    catalogue_version TEXT NOT NULL,
    touch_point_id TEXT NOT NULL,
    touch_point TEXT NOT NULL,
    title TEXT NOT NULL,
    standard TEXT NOT NULL,
    look_fors TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0,
    retired INTEGER NOT NULL DEFAULT 0
);
-- Every wording of a behaviour ever used, so old observations keep their meaning.
CREATE TABLE behaviour_version (
    behaviour_id TEXT NOT NULL REFERENCES behaviour(id),
    catalogue_version TEXT NOT NULL,
    touch_point TEXT NOT NULL,
    title TEXT NOT NULL,
    standard TEXT NOT NULL,
    look_fors TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (behaviour_id, catalogue_version)
);
CREATE TABLE employee (
    id TEXT PRIMARY KEY,
    employee_ref TEXT UNIQUE,
    name TEXT NOT NULL,
    team TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX employee_by_team_name ON employee(team, name);
CREATE INDEX employee_by_name ON employee(name COLLATE NOCASE);
CREATE TABLE observation (
    id TEXT PRIMARY KEY,
    employee_id TEXT NOT NULL REFERENCES employee(id),
    behaviour_id TEXT NOT NULL REFERENCES behaviour(id),
    observed_at TEXT NOT NULL,
    local_date TEXT NOT NULL,
    iso_week TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('met', 'missed', 'exceeded')),
    cause TEXT CHECK (cause IS NULL OR (outcome = 'missed'
                      AND cause IN ('skill', 'will', 'system'))),
    note TEXT NOT NULL DEFAULT '',
    story INTEGER NOT NULL DEFAULT 0 CHECK (story IN (0, 1)),
    supervisor TEXT NOT NULL,
    catalogue_version TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX observation_by_employee_time ON observation(employee_id, observed_at);
CREATE INDEX observation_by_date ON observation(local_date);
CREATE INDEX observation_by_behaviour_week ON observation(behaviour_id, iso_week);
-- Append-only: every create, edit and delete of a record about a person.
CREATE TABLE record_history (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    record_type TEXT NOT NULL,
    record_id TEXT NOT NULL,
    employee_id TEXT,
    action TEXT NOT NULL CHECK (action IN ('create', 'edit', 'delete')),
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    before TEXT,
    after TEXT
);
CREATE INDEX record_history_by_record ON record_history(record_type, record_id);
CREATE INDEX record_history_by_employee ON record_history(employee_id);
CREATE TRIGGER record_history_is_append_only BEFORE UPDATE ON record_history
BEGIN
    SELECT RAISE(ABORT, 'record history cannot be changed');
END;
CREATE TABLE setting (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


def upgrade(db: sqlite_utils.Database) -> None:
    run_script(db, SQL)
