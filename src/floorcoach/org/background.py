"""A joined device's sync as the app runs it in the background, and the words its header shows.

The app asks `joined` once when it starts: a device that never joined starts no sync, opens
no connection and never imports psycopg. A joined one calls `background_sync` in a thread
after each save and every minute. It never raises for a dead network or a refused login:
offline is a normal state (DESIGN.md section 9), so it comes back as a `SyncState` the
header shows ("offline · 12 waiting"), and the next sync finishes the job.

A save on the device always adds a history entry, and an erasure asked for here waits in
the outbox; the sync's own writes (the last sync's time, the pull cursor) add neither. The
`ChangeMark` of both tells "something new to push" from "the sync wrote its bookkeeping",
so a save starts a sync, and a sync does not start another one for ever.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from floorcoach import clock
from floorcoach.org import OrgError, OrgLoginRefused, OrgUnreachable
from floorcoach.org.conflicts import Conflict, list_conflicts
from floorcoach.org.link import joined_url
from floorcoach.store import RecordNotFound, Store, StoreError

SYNCED, OFFLINE, REFUSED, FAILED = "synced", "offline", "refused", "failed"
_NOT_SYNCED_WORDS = {OFFLINE: "offline", REFUSED: "login refused", FAILED: "sync failed"}

# What a pull changed on the device, in the words of the screens' record kinds
# (widgets/records_changed.Records has the same values).
_EVERY_KIND = frozenset({"observations", "coaching", "follow-ups", "employees", "focus"})
_CAME_DOWN = {
    "observation": frozenset({"observations", "follow-ups"}),
    "coaching_session": frozenset({"coaching", "follow-ups"}),
    "focus": frozenset({"focus"}),
}  # anything else (own records from another device, deletions, erasures): every kind

ChangeMark = tuple[int, int]  # (history entries ever written, erasures waiting to go up)


def joined(path: Path) -> bool:
    """Has this device joined an organisation? Reads the device's file only."""
    with Store.open(path, create=False) as store:
        return joined_url(store) is not None


def change_mark(store: Store) -> ChangeMark:
    """Grows with every save on the device, not with the sync's own bookkeeping."""
    history = store.conn.execute(
        "SELECT seq FROM sqlite_sequence WHERE name = 'record_history'"
    ).fetchone()
    erasures = store.conn.execute("SELECT count(*) FROM org_erasure_outbox").fetchone()[0]
    return (history[0] if history else 0, erasures)


def ago(then: datetime | None, now: datetime | None = None) -> str:
    """ "just now", "2 min ago", "3 h ago", "4 days ago"; "never" for None."""
    if then is None:
        return "never"
    minutes = int(((now or clock.now()) - then).total_seconds() // 60)
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} min ago"
    if minutes < 48 * 60:
        return f"{minutes // 60} h ago"
    return f"{minutes // (24 * 60)} days ago"


@dataclass(frozen=True)
class SyncState:
    """How the device's last sync went, and what waits: enough for the header."""

    outcome: str  # SYNCED, OFFLINE, REFUSED, FAILED
    message: str  # the one line saying why it did not finish; "" when it did
    last_sync: datetime | None  # the last sync that finished, now or before
    waiting: int  # records, history entries, deletions and erasures waiting to go up
    conflicts: int
    came_down: frozenset[str] = frozenset()  # the kinds of record the pull changed here

    def header(self, now: datetime | None = None) -> str:
        """ "synced 2 min ago", "offline · 12 waiting", "synced just now · 1 conflict"."""
        if self.outcome == SYNCED:
            parts = [f"synced {ago(self.last_sync, now)}"]
        else:
            parts = [_NOT_SYNCED_WORDS[self.outcome]]
        if self.waiting:
            parts.append(f"{self.waiting} waiting")
        if self.conflicts:
            parts.append(f"{self.conflicts} conflict{'s' * (self.conflicts != 1)}")
        return " · ".join(parts)


def _state(store: Store, outcome: str, message: str, came_down: frozenset[str]) -> SyncState:
    from floorcoach.org.sync import status

    found = status(store)
    last = clock.parse_instant(found.last_sync) if found.last_sync else None
    return SyncState(outcome, message, last, found.waiting_total, found.conflicts, came_down)


def _came_down(result) -> frozenset[str]:
    kinds: set[str] = set()
    for key, n in result.down.items():
        if n:
            kinds |= _CAME_DOWN.get(key, _EVERY_KIND)
    if result.roster.total:
        kinds.add("employees")
    return frozenset(kinds)


def background_sync(
    path: Path, *, unless: ChangeMark | None = None
) -> tuple[ChangeMark, SyncState | None]:
    """Sync the device's file (push, then pull) and say how it went, never raising for the
    server. With `unless`, only when the device changed since that mark (else None).

    The mark is taken before the sync: a save made while it runs shows as a change the
    next time, and is pushed then.
    """
    from floorcoach.org.sync import sync

    with Store.open(path, create=False) as store:
        mark = change_mark(store)
        if unless is not None and mark == unless:
            return mark, None
        outcome, message, came_down = SYNCED, "", frozenset()
        try:
            came_down = _came_down(sync(store))
        except OrgUnreachable as exc:
            outcome, message = OFFLINE, str(exc)
        except OrgLoginRefused as exc:
            outcome, message = REFUSED, str(exc)
        except (OrgError, StoreError) as exc:
            outcome, message = FAILED, str(exc)
        return mark, _state(store, outcome, message, came_down)


# --- what the Organisation screen shows ------------------------------------------------------


@dataclass(frozen=True)
class ConflictView:
    conflict: Conflict
    what: str  # "observation", "coaching session"
    employee_name: str
    changed: list[str]  # the fields whose values differ

    def describe(self) -> str:
        """Both versions of what differs, one field a line (for the choice dialog)."""
        lines = []
        for name in self.changed:
            theirs = _shown(self.conflict.theirs.get(name))
            mine = _shown(self.conflict.mine.get(name))
            lines.append(f"{name.replace('_', ' ')}: organisation's {theirs} · yours {mine}")
        return "\n".join(lines) or "no field differs (only the version)"


def _shown(value: object) -> str:
    text = "–" if value in (None, "") else str(value)
    return repr(text) if len(text) <= 60 else repr(text[:57] + "…")


@dataclass(frozen=True)
class Overview:
    """The device's organisation (None: never joined), what waits, and the conflicts."""

    status: object | None  # floorcoach.org.sync.Status
    conflicts: list[ConflictView]


def overview(store: Store) -> Overview:
    """Read from the device alone: it works offline."""
    from floorcoach.employees import get_employee
    from floorcoach.org.push import BY_TABLE
    from floorcoach.org.sync import status

    if joined_url(store) is None:
        return Overview(None, [])
    views = []
    for conflict in list_conflicts(store):
        try:
            name = get_employee(store, conflict.employee_id).name
        except RecordNotFound:
            name = "someone no longer on this device"
        kind = BY_TABLE.get(conflict.record_type)
        what = kind.one if kind else conflict.record_type.replace("_", " ")
        views.append(ConflictView(conflict, what, name, conflict.changed_fields()))
    return Overview(status(store), views)
