"""Schema 9: a count of the changes that may give the next push something to send.

A sync with nothing to do should cost a connection and a few indexed lookups, not a
pass over every record on the device: finding what the org store lacks means joining
every observation, session, history entry and tombstone against `org_pushed`, about
0.6 s with 100,000 observations. `org_change` has one row: `seq`, which the triggers
below raise on every change that can make a record pushable (a record written, deleted
or linked to a person in the org roster, a supervisor name mapped, a conflict settled),
and `pushed`, the `seq` the last push started from (floorcoach.org.push). While the two
are equal, the device is in step with the org store and the push has nothing to look
for. A change during a push raises `seq` past what the push noted, so it goes next time;
a crash before the device noted the push leaves `pushed` behind, so it looks again.

`org_pushed` itself is not watched: the push writes it after it has looked.
Never edit this module once shipped; add a new `vNNNN_*.py` instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from floorcoach.migrations import run_script

if TYPE_CHECKING:
    import sqlite_utils

VERSION = 9

# Each table whose changes can give a push something to send, and which changes do.
WATCHED = {
    "observation": ("INSERT", "UPDATE", "DELETE"),
    "coaching_session": ("INSERT", "UPDATE", "DELETE"),
    "coaching_followup": ("INSERT", "UPDATE", "DELETE"),
    "coaching_observation": ("INSERT", "UPDATE", "DELETE"),
    "record_history": ("INSERT", "UPDATE"),
    "org_employee": ("INSERT", "UPDATE"),  # a person linked: their records may go now
    "supervisor": ("INSERT", "UPDATE"),  # a name mapped to the owner: its records may go
    "org_conflict": ("DELETE",),  # a conflict settled: the record may go again
    "org_foreign": ("DELETE",),
}


def _trigger(table: str, event: str) -> str:
    return f"""
CREATE TRIGGER {table}_{event.lower()}_counts_for_the_org AFTER {event} ON {table}
BEGIN
    UPDATE org_change SET seq = seq + 1;
END;
"""


SQL = """
CREATE TABLE org_change (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,           -- raised by every change a push may have to send
    pushed INTEGER                  -- the seq the last finished push started from
);
INSERT INTO org_change(id, seq, pushed) VALUES (1, 1, NULL);
""" + "".join(_trigger(table, event) for table, events in WATCHED.items() for event in events)


def upgrade(db: sqlite_utils.Database) -> None:
    run_script(db, SQL)
