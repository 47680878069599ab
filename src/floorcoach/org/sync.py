"""Joining an organisation and syncing with it: push what this device recorded, pull what
it needs.

The server first, then the device: a sync talks to the server in its own transactions,
then applies what it pulled to the SQLite file in one write. Whatever breaks in between
(the network, the server, the process), running it again finishes the job.

**Push** (floorcoach.org.push): erasures asked for on the device first, then, in one
server transaction, the owner's records (a name the `supervisor` table maps to the
owner's org id) about people the org roster knows, in a version the org store has not
confirmed yet (`org_pushed`): observations, coaching sessions without their private
notes, their follow-ups and links, history entries and tombstones. Pushing a row again
changes nothing: a sync killed after the server committed and before the device noted it
sends the same rows again, harmlessly. A record the server holds in another version (the
same record edited on two of the owner's devices) is neither overwritten nor lost: it
goes to the conflict list (floorcoach.org.conflicts).

**Pull** (the roster, the catalogue, and floorcoach.org.pull: focus periods, records
about the owner's teams, tombstones, erasures): the rows written since the device's cursor.
The cursor is the oldest transaction still running when the previous pull took its
snapshot (`pg_snapshot_xmin`), not the newest row seen: a row stamped by a transaction
that started earlier but committed later (a slow pusher) carries an older transaction
id, and a "newest seen" cursor would skip it for ever. Rows at or after the cursor may
come again; applying them again changes nothing.

A person in the org roster takes their org identity on the device: a local employee
with the same `employee_ref` is linked to the org's id (`org_employee`), so their records
and history stay as they are; a person new to the device is added under the org's id.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pydantic import ValidationError

from floorcoach import clock
from floorcoach.employees import get_employee, update_employee
from floorcoach.models import Employee, EmployeeInput
from floorcoach.org import OrgError, OrgLoginRefused
from floorcoach.org import link as keys
from floorcoach.org.connection import connect, translated, without_password
from floorcoach.org.pull import PulledRecords, apply_erasures, apply_records, fetch_records
from floorcoach.org.push import (
    KINDS,
    changes_to_look_at,
    history_sql,
    note_pushed,
    push,
    push_erasures,
    push_words,
    tombstones_sql,
    waiting_sql,
)
from floorcoach.org.schema import require_current
from floorcoach.store import Store

if TYPE_CHECKING:
    import psycopg

ROSTER_BY = "organisation roster"  # who changed a person, in the device's history


@dataclass
class RosterChanges:
    added: int = 0  # people new on this device
    matched: int = 0  # people already on the device, linked to the org by employee_ref
    updated: int = 0  # linked people whose roster details changed

    @property
    def total(self) -> int:
        return self.added + self.matched + self.updated

    def summary(self) -> str:
        parts = [
            f"{n} {what}"
            for n, what in (
                (self.added, "new"),
                (self.matched, "matched by employee_ref"),
                (self.updated, "changed"),
            )
            if n
        ]
        return ", ".join(parts) or "no changes"


@dataclass(frozen=True)
class Waiting:
    """What the device holds for the org but cannot push yet, and why."""

    not_in_roster: int  # observations about people with a ref the org roster lacks
    people_not_in_roster: int
    no_ref: int  # observations about people with no employee_ref: they stay on the device
    people_no_ref: int
    conflicts: int  # the device's records in the conflict list (floorcoach.org.conflicts)

    def lines(self) -> list[str]:
        lines = []
        if self.not_in_roster:
            lines.append(
                f"{self.not_in_roster} observations about {self.people_not_in_roster} people "
                "not in the organisation's roster wait until HR adds them (same employee_ref)"
            )
        if self.no_ref:
            lines.append(
                f"{self.no_ref} observations about {self.people_no_ref} people without an "
                "employee_ref stay on this device: the org matches people by employee_ref"
            )
        if self.conflicts:
            lines.append(
                f"{self.conflicts} conflict{'s' * (self.conflicts != 1)}: changed on another "
                "of your devices too; the org kept the version that reached it first, this "
                "device keeps yours; both wait here until you choose (nothing is lost)"
            )
        return lines


_DOWN_WORDS = {
    "observation": ("observation by others", "observations by others"),
    "coaching_session": ("coaching session by others", "coaching sessions by others"),
    "own": ("of your records from another device", "of your records from other devices"),
    "deleted": ("deletion", "deletions"),
    "erased": ("person erased", "people erased"),
    "focus": ("focus period", "focus periods"),
    "conflict": ("new conflict", "new conflicts"),
}


@dataclass
class SyncResult:
    url: str
    up: Counter = field(default_factory=Counter)  # rows the server wrote, by kind
    roster: RosterChanges = field(default_factory=RosterChanges)
    catalogue: int = 0  # behaviours and wordings new on this device
    down: Counter = field(default_factory=Counter)  # records changed on this device
    waiting: Waiting | None = None
    refused: list[str] = field(default_factory=list)  # erasures the org refused

    @property
    def moved(self) -> int:
        return sum(self.up.values()) + self.roster.total + self.catalogue + sum(self.down.values())

    def lines(self) -> list[str]:
        down = [f"roster {self.roster.summary()}", f"catalogue {self.catalogue} new"] + [
            f"{self.down[key]} {one if self.down[key] == 1 else many}"
            for key, (one, many) in _DOWN_WORDS.items()
            if self.down[key]
        ]
        head = f"synced with {self.url}: " + (
            f"up {', '.join(push_words(self.up)) or 'nothing'}; down: {', '.join(down)}"
            if self.moved
            else "nothing moved"
        )
        refusals = [
            f"not erased in the organisation (only on this device): {reason}"
            for reason in self.refused
        ]
        return [head, *refusals, *(self.waiting.lines() if self.waiting else [])]


@dataclass(frozen=True)
class JoinResult:
    url: str
    login: str
    display_name: str
    roster: RosterChanges
    catalogue: int
    waiting: Waiting
    records: Counter = field(default_factory=Counter)  # records that came down, by what

    def lines(self) -> list[str]:
        records = [
            f"{self.records[key]} {one if self.records[key] == 1 else many}"
            for key, (one, many) in _DOWN_WORDS.items()
            if self.records[key]
        ]
        return [
            f"joined {self.url} as {self.login} ({self.display_name}); records made on this "
            f"device from now on are {self.display_name}'s",
            f"roster: {self.roster.summary()}; catalogue: {self.catalogue} new"
            + "".join(f"; {part}" for part in records),
            *self.waiting.lines(),
        ]


@dataclass(frozen=True)
class _Pulled:
    cursor: str
    roster: list[tuple]
    catalogues: list[tuple]
    behaviours: list[tuple]
    wordings: list[tuple]
    records: PulledRecords


# --- joining -----------------------------------------------------------------------------


def join(store: Store, url: str, *, local_name: str) -> JoinResult:
    """Link this device to the org as the URL's login; pull the roster and the catalogue.

    `local_name` is the supervisor name this device has been writing on its records: they
    are the login's from now on, as are records under the login's display name.
    """
    shown = without_password(url)
    joined = store.setting(keys.URL)
    already = OrgError(
        f"{store.path} already joined {joined} as {store.setting(keys.LOGIN)}; a device "
        "belongs to one organisation and one login (nothing was changed)"
    )
    if joined and joined != shown:
        raise already
    conn = connect(url)
    try:
        with translated(url):
            require_current(conn)
            me = _me(conn)
            if joined and store.setting(keys.LOGIN) != me[1]:
                raise already
            pulled = _fetch(conn, "0", store.setting("database_id"))
    finally:
        conn.close()
    supervisor_id, login, display_name = me
    now = clock.utc_text(clock.now())
    apply_erasures(store, pulled.records.erasures)  # none of them is on this device yet
    with store.write() as local:
        for name in dict.fromkeys((local_name, display_name)):
            local.execute(
                "INSERT INTO supervisor(display_name, id, login, created_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(display_name) DO UPDATE SET id = excluded.id, login = excluded.login",
                (name, supervisor_id, login, now),
            )
        roster, catalogue, records = _apply(
            store,
            pulled,
            supervisor_id,
            {
                keys.URL: shown,
                keys.LOGIN: login,
                keys.SUPERVISOR_ID: supervisor_id,
                keys.DISPLAY_NAME: display_name,
                keys.LAST_SYNC: now,
            },
        )
    return JoinResult(
        url=shown,
        login=login,
        display_name=display_name,
        roster=roster,
        catalogue=catalogue,
        waiting=waiting(store, supervisor_id),
        records=records,
    )


def _me(conn: psycopg.Connection) -> tuple[str, str, str]:
    row = conn.execute(
        "SELECT id::text, login, display_name FROM floorcoach.supervisor WHERE login = current_user"
    ).fetchone()
    if row is None:
        raise OrgLoginRefused(
            f"the login {conn.info.user} is not a supervisor of this organisation; an "
            "administrator adds it with `floorcoach org add-supervisor`"
        )
    return row


# --- syncing -------------------------------------------------------------------------------


def sync(store: Store) -> SyncResult:
    """Push, then pull; see the module's docstring for what moves and why it is safe."""
    link = keys.current_link(store)
    result = SyncResult(url=link.url)
    device = store.setting("database_id")
    conn = connect(link.url)
    try:
        with translated(link.url):
            require_current(conn)
            if _me(conn)[0] != link.supervisor_id:
                raise OrgLoginRefused(
                    f"the login {conn.info.user} is not the supervisor this device joined as "
                    f"({link.login}); nothing was sent"
                )
            result.up["erasure"], result.refused = push_erasures(conn, store)
            looked_at = changes_to_look_at(store)
            if looked_at is not None:
                pushed = push(conn, store, link.supervisor_id)
                note_pushed(store, pushed, looked_at)
                result.up.update(pushed.written)
            pulled = _fetch(conn, store.setting(keys.PULL_CURSOR) or "0", device)
    finally:
        conn.close()
    result.down["erased"] = apply_erasures(store, pulled.records.erasures)
    result.roster, result.catalogue, moved = _apply(
        store, pulled, link.supervisor_id, {keys.LAST_SYNC: clock.utc_text(clock.now())}
    )
    result.down.update(moved)
    result.waiting = waiting(store, link.supervisor_id)
    return result


def waiting(store: Store, supervisor_id: str) -> Waiting:
    """The owner's observations that cannot be pushed yet, by reason, and the conflicts."""
    # From the people the org roster lacks (few) to their observations, through the index
    # on observation(employee_id): CROSS JOIN keeps SQLite from starting at the
    # observations, a pass over all of them on every sync.
    counts = store.query(
        "SELECT e.employee_ref IS NULL AS no_ref, count(*) AS n, count(DISTINCT e.id) AS people "
        "FROM employee e CROSS JOIN observation o ON o.employee_id = e.id "
        "JOIN supervisor s ON s.display_name = o.supervisor AND s.id = ? "
        "WHERE NOT EXISTS (SELECT 1 FROM org_employee oe WHERE oe.employee_id = e.id) "
        "GROUP BY 1",
        (supervisor_id,),
    )
    by_reason = {bool(row["no_ref"]): (row["n"], row["people"]) for row in counts}
    not_in_roster, people = by_reason.get(False, (0, 0))
    no_ref, people_no_ref = by_reason.get(True, (0, 0))
    conflicts = store.conn.execute("SELECT count(*) FROM org_conflict").fetchone()[0]
    return Waiting(not_in_roster, people, no_ref, people_no_ref, conflicts)


@dataclass(frozen=True)
class Status:
    """What `floorcoach org status` (and an Organisation screen) shows, from the device
    alone: it works offline."""

    url: str
    login: str
    display_name: str
    last_sync: str | None
    to_push: dict[tuple[str, str], int]  # what waits to go up: (one, many) -> how many
    conflicts: int
    waiting: Waiting

    @property
    def waiting_total(self) -> int:
        """Everything that waits to go up (for a header: "offline · 12 waiting")."""
        return sum(self.to_push.values())

    def lines(self) -> list[str]:
        parts = [f"{n} {one if n == 1 else many}" for (one, many), n in self.to_push.items() if n]
        return [
            f"organisation: {self.url}, as {self.login} ({self.display_name})",
            f"last sync: {self.last_sync or 'never'}",
            f"waiting to go up: {', '.join(parts) or 'nothing'}",
            f"conflicts: {self.conflicts}",
            *[line for line in self.waiting.lines() if "conflict" not in line],
        ]


def status(store: Store) -> Status:
    link = keys.current_link(store)
    me = {"me": link.supervisor_id}

    def count(sql: str, params: dict | tuple = ()) -> int:
        return store.conn.execute("SELECT count(*) " + sql, params).fetchone()[0]

    looked_at = changes_to_look_at(store)  # None: nothing changed since the last push

    def waiting_up(sql: str, params: dict | tuple = ()) -> int:
        return 0 if looked_at is None else count(sql, params)

    to_push = {(kind.one, kind.many): waiting_up(waiting_sql(kind), me) for kind in KINDS}
    to_push["history entry", "history entries"] = waiting_up(
        "FROM (" + history_sql("h.uuid") + ")", me
    )
    to_push["deletion", "deletions"] = sum(waiting_up(tombstones_sql(kind)) for kind in KINDS)
    to_push["erasure", "erasures"] = count("FROM org_erasure_outbox")
    found = waiting(store, link.supervisor_id)
    return Status(
        url=link.url,
        login=link.login,
        display_name=link.display_name,
        last_sync=store.setting(keys.LAST_SYNC),
        to_push=to_push,
        conflicts=found.conflicts,
        waiting=found,
    )


# --- pulling ---------------------------------------------------------------------------------


def _fetch(conn: psycopg.Connection, since: str, device: str) -> _Pulled:
    """Every roster and catalogue row written at or after `since`, and the next cursor,
    from one snapshot (REPEATABLE READ: every statement sees the same committed rows)."""
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor = conn.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text").fetchone()[0]

        def changed(sql: str) -> list[tuple]:
            return conn.execute(sql + " WHERE changed_xid >= %s::xid8", (since,)).fetchall()

        return _Pulled(
            cursor=cursor,
            roster=changed(
                "SELECT id::text, employee_ref, name, team, active, version FROM floorcoach.employee"
            ),
            catalogues=changed(
                "SELECT id, title, version, description, source, loaded_at "
                "FROM floorcoach.catalogue"
            ),
            behaviours=changed(
                "SELECT id, catalogue_id, catalogue_version, touch_point_id, touch_point, title, "
                "standard, look_fors, position, retired FROM floorcoach.behaviour"
            ),
            wordings=changed(
                "SELECT behaviour_id, catalogue_version, touch_point, title, standard, look_fors, "
                "recorded_at FROM floorcoach.behaviour_version"
            ),
            records=fetch_records(conn, since, device),
        )


def _apply(
    store: Store, pulled: _Pulled, me: str, settings: dict[str, str]
) -> tuple[RosterChanges, int, Counter]:
    """What was pulled, and the settings that go with it, in ONE local write."""
    with store.write() as local:
        in_step = changes_to_look_at(store) is None
        roster = _apply_roster(store, pulled.roster)
        catalogue = _apply_catalogue(store, pulled)
        moved = apply_records(store, pulled.records, me)
        if in_step and not (roster.added or roster.matched):
            # What came down are others' records and roster details: nothing of the
            # owner's became pushable (a person newly linked would), so the device is
            # still in step, and the next sync need not look.
            local.execute("UPDATE org_change SET pushed = seq")
        for key, value in {**settings, keys.PULL_CURSOR: pulled.cursor}.items():
            local.execute(
                "INSERT INTO setting(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
    return roster, catalogue, moved


def _apply_roster(store: Store, rows: list[tuple]) -> RosterChanges:
    changes = RosterChanges()
    conn = store.conn
    for org_id, ref, name, team, active, version in rows:
        linked = conn.execute(
            "SELECT employee_id, version FROM org_employee WHERE org_id = ?", (org_id,)
        ).fetchone()
        if linked is not None and linked[1] >= version:
            continue  # pulled again from behind the cursor: the device has it
        try:  # the same rules as a roster line typed or imported on the device
            person = EmployeeInput(name=name, team=team, employee_ref=ref)
        except ValidationError as exc:
            problem = exc.errors()[0]
            raise OrgError(
                f"the organisation's roster entry {ref or org_id} cannot be used here "
                f"({'.'.join(map(str, problem['loc']))}: {problem['msg']}); HR corrects it "
                "in the org store; nothing was changed on this device"
            ) from None
        local_id = linked[0] if linked else _local_match(store, org_id, person.employee_ref)
        if local_id is None:
            _add_from_roster(store, org_id, person, bool(active))
            changes.added += 1
            local_id = org_id
        else:
            before = get_employee(store, local_id)
            after = update_employee(store, local_id, person, by=ROSTER_BY, active=bool(active))
            if linked is None:
                changes.matched += 1
            elif after.version != before.version:
                changes.updated += 1
        conn.execute(
            "INSERT INTO org_employee(employee_id, org_id, version) VALUES (?, ?, ?) "
            "ON CONFLICT(employee_id) DO UPDATE SET version = excluded.version",
            (local_id, org_id, version),
        )
    return changes


def _local_match(store: Store, org_id: str, ref: str | None) -> str | None:
    """The device's employee who is this org person: same employee_ref, else same id."""
    if ref is not None:
        row = store.conn.execute(
            "SELECT id FROM employee WHERE employee_ref = ?", (ref,)
        ).fetchone()
        if row:
            return row[0]
    row = store.conn.execute("SELECT id FROM employee WHERE id = ?", (org_id,)).fetchone()
    return row[0] if row else None


def _add_from_roster(store: Store, org_id: str, person: EmployeeInput, active: bool) -> None:
    employee = Employee(id=org_id, **person.model_dump(), active=active)
    now = clock.utc_text(clock.now())
    store.conn.execute(
        "INSERT INTO employee(id, employee_ref, name, team, active, created_at, updated_at, "
        "version) VALUES (?, ?, ?, ?, ?, ?, ?, 1)",
        (org_id, employee.employee_ref, employee.name, employee.team, int(active), now, now),
    )
    store.record_history(
        "employee",
        org_id,
        "create",
        ROSTER_BY,
        employee_id=org_id,
        after=employee.model_dump(exclude={"version"}),
    )


def _apply_catalogue(store: Store, pulled: _Pulled) -> int:
    """Catalogues, behaviours and wordings the device lacks; the device's own catalogue
    files still decide the wording of the behaviours it has (docs/organisation.md)."""
    conn = store.conn
    added = 0
    for row in pulled.catalogues:
        conn.execute(
            "INSERT OR IGNORE INTO catalogue(id, title, version, description, source, loaded_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (*row[:5], clock.utc_text(row[5])),
        )
    for row in pulled.behaviours:
        look_fors = json.dumps(row[7], ensure_ascii=False)
        added += conn.execute(
            "INSERT OR IGNORE INTO behaviour(id, catalogue_id, catalogue_version, touch_point_id, "
            "touch_point, title, standard, look_fors, position, retired) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*row[:7], look_fors, row[8], int(row[9])),
        ).rowcount
    for row in pulled.wordings:
        added += conn.execute(
            "INSERT OR IGNORE INTO behaviour_version(behaviour_id, catalogue_version, "
            "touch_point, title, standard, look_fors, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (*row[:5], json.dumps(row[5], ensure_ascii=False), clock.utc_text(row[6])),
        ).rowcount
    return added
