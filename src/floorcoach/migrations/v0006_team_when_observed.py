"""Schema 6: each observation keeps the team the employee was in when it was observed.

HR asked for it: an export made after someone changed team showed their new team on their
older observations. `team_when_observed` is written when the observation is saved. Rows
saved before this schema cannot know it: they are filled with the employee's team at the
moment of the upgrade (their current team), which is what every export showed until now;
docs/data-dictionary.md says so. A trigger fills it for any insert that leaves it out (bulk
loads of demo or benchmark data), so no observation is ever without one. Adding a column
copies no row: this step takes well under a second even at a million observations, nearly
all of it the backfill.
Never edit this module once shipped; add a new `vNNNN_*.py` instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from floorcoach.migrations import run_script

if TYPE_CHECKING:
    import sqlite_utils

VERSION = 6

SQL = """
ALTER TABLE observation ADD COLUMN team_when_observed TEXT;
UPDATE observation SET team_when_observed = (
    SELECT e.team FROM employee e WHERE e.id = observation.employee_id
);
CREATE TRIGGER observation_keeps_the_team_it_was_observed_in
AFTER INSERT ON observation WHEN NEW.team_when_observed IS NULL
BEGIN
    UPDATE observation
    SET team_when_observed = coalesce(
        (SELECT e.team FROM employee e WHERE e.id = NEW.employee_id), ''
    )
    WHERE rowid = NEW.rowid;
END;
"""


def upgrade(db: sqlite_utils.Database) -> None:
    run_script(db, SQL)
