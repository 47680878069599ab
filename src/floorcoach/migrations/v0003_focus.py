"""Schema 3: focus periods, and the indexes that keep trends fast at a million observations.

A focus period is 1–3 behaviours a team lead asks a team (or everyone) to work on between
two dates. The behaviours sit in their own table so each one is checked against the
catalogue. The covering index on (employee, local date, week, behaviour, outcome, cause)
answers an employee's trend, a team's week and "last observed" without touching the
table; the two partial indexes keep the stories list and the process-issues view cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from floorcoach.migrations import run_script

if TYPE_CHECKING:
    import sqlite_utils

VERSION = 3

SQL = """
CREATE TABLE focus_period (
    id TEXT PRIMARY KEY,
    team TEXT,                      -- NULL: everyone
    starts_on TEXT NOT NULL,        -- local dates, both days included
    ends_on TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    set_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    CHECK (starts_on <= ends_on)
);
CREATE INDEX focus_period_by_team_end ON focus_period(team, ends_on);
CREATE TABLE focus_behaviour (
    focus_id TEXT NOT NULL REFERENCES focus_period(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    behaviour_id TEXT NOT NULL REFERENCES behaviour(id),
    PRIMARY KEY (focus_id, position),
    UNIQUE (focus_id, behaviour_id)
);
CREATE INDEX observation_by_employee_day
    ON observation(employee_id, local_date, iso_week, behaviour_id, outcome, cause);
CREATE INDEX observation_stories ON observation(local_date) WHERE story = 1;
CREATE INDEX observation_system_misses ON observation(local_date)
    WHERE outcome = 'missed' AND cause = 'system';
"""


def upgrade(db: sqlite_utils.Database) -> None:
    run_script(db, SQL)
