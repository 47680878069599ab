"""Records another supervisor made reach a device read-only: the core asks here first.

A pulled record is marked in `org_foreign` (schema 8); triggers refuse any change to it
in the database too, but with a fixed message: this check comes first and names who
recorded it. Only their owner changes a record, on their own device, and the change
reaches everyone else with the next sync.
"""

from __future__ import annotations

from floorcoach.store import Store, StoreError

_WHAT = {
    "observation": ("observation", "SELECT supervisor FROM observation WHERE id = ?"),
    "coaching_session": (
        "coaching session",
        "SELECT supervisor FROM coaching_session WHERE id = ?",
    ),
    "focus_period": ("focus period", "SELECT set_by FROM focus_period WHERE id = ?"),
}


class ReadOnlyRecord(StoreError):
    """The record came from the organisation and belongs to another supervisor."""


def recorded_by_another(store: Store, record_type: str, record_id: str) -> str | None:
    """Who recorded it, when the record came from the org and is not the owner's."""
    marked = store.conn.execute(
        "SELECT 1 FROM org_foreign WHERE record_type = ? AND record_id = ?",
        (record_type, record_id),
    ).fetchone()
    if marked is None:
        return None
    row = store.conn.execute(_WHAT[record_type][1], (record_id,)).fetchone()
    return row[0] if row and row[0] else "another supervisor"


def refuse_if_from_org(store: Store, record_type: str, record_id: str) -> None:
    """Raise ReadOnlyRecord, naming who recorded it, for another supervisor's record."""
    who = recorded_by_another(store, record_type, record_id)
    if who is not None:
        what = _WHAT[record_type][0]
        raise ReadOnlyRecord(
            f"this {what} was recorded by {who} and came from the organisation: it is "
            f"read-only here, only {who} can change or delete it; nothing was changed"
        )
