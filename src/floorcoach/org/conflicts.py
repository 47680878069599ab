"""Conflicts: one of the owner's records changed on two of their devices since they synced.

The org store keeps the version that reached it first; the device that came second keeps
its own row as it is and both versions in `org_conflict` (schema 8), and pushes nothing
of that record until its owner chooses, as the local conflict dialog offers:

- `take_theirs`: reload the org's version (this device's change is dropped; the history
  keeps what it said);
- `keep_mine`: save this device's version over it, as a new version the next sync pushes;
- neither: keep editing later; the conflict stays listed and nothing is lost.

A later pull refreshes `theirs` when the org's version moves on, so taking theirs always
takes the newest the device has seen. Works offline; nothing here talks to the server.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from floorcoach import clock
from floorcoach.org.push import BY_TABLE
from floorcoach.store import RecordNotFound, Store


@dataclass(frozen=True)
class Conflict:
    record_type: str  # observation, coaching_session
    record_id: str
    employee_id: str
    mine: dict  # this device's version when the conflict was found
    theirs: dict  # the version the org store kept
    found_at: str

    def changed_fields(self) -> list[str]:
        """The fields whose values differ, for a dialog to show side by side."""
        return [
            name
            for name in self.theirs
            if name not in ("version", "updated_at") and self.mine.get(name) != self.theirs[name]
        ]


def list_conflicts(store: Store) -> list[Conflict]:
    rows = store.query(
        "SELECT record_type, record_id, employee_id, mine, theirs, found_at FROM org_conflict "
        "ORDER BY found_at, record_type, record_id"
    )
    return [
        Conflict(**{**row, "mine": json.loads(row["mine"]), "theirs": json.loads(row["theirs"])})
        for row in rows
    ]


def count_conflicts(store: Store) -> int:
    return store.conn.execute("SELECT count(*) FROM org_conflict").fetchone()[0]


def _get(store: Store, record_type: str, record_id: str) -> Conflict:
    for conflict in list_conflicts(store):
        if (conflict.record_type, conflict.record_id) == (record_type, record_id):
            return conflict
    raise RecordNotFound(f"no conflict about {record_type} {record_id} on this device")


def take_theirs(store: Store, record_type: str, record_id: str, *, by: str) -> Conflict:
    """Reload the org's version into this device; the history keeps what this device had."""
    conflict = _get(store, record_type, record_id)
    kind = BY_TABLE[record_type]
    theirs = conflict.theirs
    with store.write() as conn:
        before = store.query(
            f"SELECT {', '.join(kind.columns)} FROM {kind.table} WHERE id = ?", (record_id,)
        )
        sets = ", ".join(f"{c} = ?" for c in kind.columns if c != "id")
        values = [theirs[c] for c in kind.columns if c != "id"]
        if before:
            conn.execute(f"UPDATE {kind.table} SET {sets} WHERE id = ?", (*values, record_id))
        else:  # deleted here meanwhile: theirs comes back
            conn.execute(
                f"INSERT INTO {kind.table} ({', '.join(kind.columns)}) "
                f"VALUES ({', '.join('?' * len(kind.columns))})",
                tuple(theirs[c] for c in kind.columns),
            )
        _note(conn, conflict, theirs["version"])
        store.record_history(
            record_type,
            record_id,
            "edit",
            by,
            employee_id=conflict.employee_id,
            before=before[0] if before else None,
            after={**theirs, "resolved": "took the organisation's version"},
        )
    return conflict


def keep_mine(store: Store, record_type: str, record_id: str, *, by: str) -> Conflict:
    """Keep this device's version, as the version after theirs: the next sync pushes it."""
    conflict = _get(store, record_type, record_id)
    kind = BY_TABLE[record_type]
    theirs_version = conflict.theirs["version"]
    with store.write() as conn:
        updated = conn.execute(
            f"UPDATE {kind.table} SET version = ?, updated_at = ? WHERE id = ?",
            (theirs_version + 1, clock.utc_text(clock.now()), record_id),
        ).rowcount
        if not updated:
            raise RecordNotFound(
                f"this {kind.one} is no longer on this device; take the organisation's version"
            )
        _note(conn, conflict, theirs_version)  # the base: the push updates the org's row
        store.record_history(
            record_type,
            record_id,
            "edit",
            by,
            employee_id=conflict.employee_id,
            before={**conflict.theirs, "resolved": "the organisation's version"},
            after={"resolved": "kept this device's version", "version": theirs_version + 1},
        )
    return conflict


def _note(conn, conflict: Conflict, version: int) -> None:
    conn.execute(
        "INSERT INTO org_pushed(record_type, record_id, employee_id, version) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(record_type, record_id) DO UPDATE SET version = excluded.version",
        (conflict.record_type, conflict.record_id, conflict.employee_id, version),
    )
    conn.execute(
        "DELETE FROM org_conflict WHERE record_type = ? AND record_id = ?",
        (conflict.record_type, conflict.record_id),
    )
