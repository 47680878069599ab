"""Schema 2: coaching sessions, their follow-ups (one per coached behaviour) and linked
observations.

A follow-up row copies the employee and the due date from its session so that "what is
open or overdue for whom" is one indexed lookup, also inside the observation write that
checks it. Never edit this module once shipped; add a new `vNNNN_*.py` instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from floorcoach.migrations import run_script

if TYPE_CHECKING:
    import sqlite_utils

VERSION = 2

SQL = """
CREATE TABLE coaching_session (
    id TEXT PRIMARY KEY,
    employee_id TEXT NOT NULL REFERENCES employee(id),
    supervisor TEXT NOT NULL,
    held_at TEXT NOT NULL,
    local_date TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('recognition', 'corrective', 'development')),
    said TEXT NOT NULL DEFAULT '',
    agreed_action TEXT NOT NULL DEFAULT '',
    follow_up_due TEXT NOT NULL,
    acknowledged INTEGER NOT NULL DEFAULT 0 CHECK (acknowledged IN (0, 1)),
    employee_comment TEXT NOT NULL DEFAULT '',
    -- The supervisor's own notes: never exported, never shown outside the coaching record.
    private_note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    CHECK (follow_up_due >= local_date)
);
CREATE INDEX coaching_by_employee_time ON coaching_session(employee_id, held_at);
CREATE INDEX coaching_by_date ON coaching_session(local_date);
CREATE INDEX coaching_by_supervisor_date ON coaching_session(supervisor, local_date);

-- One follow-up per coached behaviour: open until a later observation checks it
-- (held / not_yet) or the supervisor closes it by hand with a note (closed).
CREATE TABLE coaching_followup (
    coaching_id TEXT NOT NULL REFERENCES coaching_session(id) ON DELETE CASCADE,
    behaviour_id TEXT NOT NULL REFERENCES behaviour(id),
    employee_id TEXT NOT NULL REFERENCES employee(id),
    due TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open'
        CHECK (status IN ('open', 'held', 'not_yet', 'closed')),
    result_observation_id TEXT REFERENCES observation(id) ON DELETE SET NULL,
    checked_at TEXT,
    closed_by TEXT,
    closed_note TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (coaching_id, behaviour_id)
);
CREATE INDEX followup_open_by_employee ON coaching_followup(employee_id, behaviour_id)
    WHERE status = 'open';
CREATE INDEX followup_open_by_due ON coaching_followup(due) WHERE status = 'open';
CREATE INDEX followup_by_result ON coaching_followup(result_observation_id)
    WHERE result_observation_id IS NOT NULL;

CREATE TABLE coaching_observation (
    coaching_id TEXT NOT NULL REFERENCES coaching_session(id) ON DELETE CASCADE,
    observation_id TEXT NOT NULL REFERENCES observation(id) ON DELETE CASCADE,
    PRIMARY KEY (coaching_id, observation_id)
);
CREATE INDEX coaching_observation_by_observation ON coaching_observation(observation_id);

-- When the observation that checked a follow-up is deleted, the check is undone:
-- a result with no evidence behind it would be a claim about a person nobody can show.
CREATE TRIGGER followup_reopens_when_its_evidence_goes BEFORE DELETE ON observation
BEGIN
    UPDATE coaching_followup
    SET status = 'open', result_observation_id = NULL, checked_at = NULL
    WHERE result_observation_id = OLD.id AND status IN ('held', 'not_yet');
END;
"""


def upgrade(db: sqlite_utils.Database) -> None:
    run_script(db, SQL)
