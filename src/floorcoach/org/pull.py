"""Pulling records down: focus periods, the records made about the owner's teams by others
(read-only here), the owner's own records from their other devices, tombstones and
erasures.

Row-level security decides what a login may read, so the pull asks for everything changed
since the cursor that it can see, but rows this device wrote itself (`device_id`). It runs
inside the sync's one REPEATABLE READ snapshot (floorcoach.org.sync), and what it brings
is applied in the sync's one local write, so a pull is all or nothing on the device too.

On the device: another supervisor's record is stored with its `supervisor` (the name shown
with it) and marked in `org_foreign`, which makes it read-only; a newer version replaces
it. An own record from another device replaces the device's copy only when the device has
no change of its own waiting; when it has, both versions go to the conflict list.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from floorcoach import clock
from floorcoach.org.push import (
    BY_TABLE,
    CHILDREN,
    FOLLOWUP_COLUMNS,
    KINDS,
    SESSIONS,
    Kind,
    checksum,
    children_of,
    larger_page_cache,
    server_value,
)

if TYPE_CHECKING:
    import psycopg

    from floorcoach.store import Store

FOCUS_COLUMNS = (
    "id",
    "team",
    "starts_on",
    "ends_on",
    "note",
    "set_by",
    "created_at",
    "updated_at",
    "version",
)


@dataclass
class PulledRecords:
    records: dict[str, list[dict]] = field(default_factory=dict)  # table -> rows
    followups: dict[str, list[dict]] = field(default_factory=dict)  # session id -> rows
    links: dict[str, list[str]] = field(default_factory=dict)  # session id -> observations
    deletions: list[tuple[str, str]] = field(default_factory=list)
    erasures: list[tuple[str, str]] = field(default_factory=list)  # (subject, erased by)
    focus: list[dict] = field(default_factory=list)
    focus_behaviours: dict[str, list[str]] = field(default_factory=dict)


def _identity(value: object) -> object:
    return value


# How each column type reaches the device (the same as `server_value`, chosen once per
# column rather than tried on every value): PostgreSQL's type oids.
_CONVERTERS = {
    25: _identity,  # text
    1043: _identity,  # varchar
    21: _identity,  # int2
    23: _identity,  # int4
    20: _identity,  # int8
    2950: _identity,  # uuid, read as its text (below)
    16: int,  # bool
    1082: date.isoformat,
    1184: clock.utc_text,  # timestamptz
}


def _rows(conn: psycopg.Connection, sql: str, params: tuple) -> list[dict]:
    from psycopg.types.string import TextLoader

    with conn.cursor() as cursor:
        cursor.adapters.register_loader("uuid", TextLoader)  # its text, as the device keeps it
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        converters = [_CONVERTERS.get(c.type_code, server_value) for c in cursor.description]
        return [
            {
                name: value if value is None else convert(value)
                for name, convert, value in zip(names, converters, row, strict=True)
            }
            for row in cursor
        ]


def fetch_records(conn: psycopg.Connection, since: str, device: str) -> PulledRecords:
    """Inside the pull's snapshot: every record row changed at or after `since`."""
    pulled = PulledRecords()
    pulled.records[KINDS[0].table] = _rows(
        conn,
        f"SELECT {', '.join(KINDS[0].columns)}, supervisor_id FROM floorcoach.observation "
        "WHERE changed_xid >= %s::xid8 AND device_id <> %s::uuid",
        (since, device),
    )
    # A session comes down when it changed on another device, or one of its follow-ups or
    # links changed (on any device: the owner's other device may have given a result).
    pulled.records[SESSIONS.table] = sessions = _rows(
        conn,
        f"SELECT {', '.join(SESSIONS.columns)}, supervisor_id FROM floorcoach.coaching_session s "
        "WHERE (device_id <> %s::uuid AND changed_xid >= %s::xid8) "
        "OR EXISTS (SELECT 1 FROM floorcoach.coaching_followup f WHERE f.coaching_id = s.id "
        "AND f.changed_xid >= %s::xid8) OR EXISTS (SELECT 1 FROM floorcoach.coaching_observation "
        "l WHERE l.coaching_id = s.id AND l.changed_xid >= %s::xid8)",
        (device, since, since, since),
    )
    ids = [row["id"] for row in sessions]
    if ids:
        for row in _rows(
            conn,
            f"SELECT {', '.join(FOLLOWUP_COLUMNS)} FROM floorcoach.coaching_followup "
            "WHERE coaching_id = ANY(%s::uuid[]) ORDER BY position",
            (ids,),
        ):
            pulled.followups.setdefault(row["coaching_id"], []).append(row)
        for row in _rows(
            conn,
            "SELECT coaching_id, observation_id FROM floorcoach.coaching_observation "
            "WHERE coaching_id = ANY(%s::uuid[])",
            (ids,),
        ):
            pulled.links.setdefault(row["coaching_id"], []).append(row["observation_id"])
    pulled.deletions = [
        (row["record_type"], row["record_id"])
        for row in _rows(
            conn,
            "SELECT record_type, record_id FROM floorcoach.deletion "
            "WHERE changed_xid >= %s::xid8 AND device_id <> %s::uuid",
            (since, device),
        )
    ]
    pulled.erasures = [
        (row["subject_id"], row["erased_by"])
        for row in _rows(
            conn,
            "SELECT subject_id, erased_by FROM floorcoach.erasure_log WHERE changed_xid >= %s::xid8",
            (since,),
        )
    ]
    pulled.focus = _rows(
        conn,
        f"SELECT {', '.join(FOCUS_COLUMNS)}, supervisor_id FROM floorcoach.focus_period "
        "WHERE changed_xid >= %s::xid8",
        (since,),
    )
    if pulled.focus:
        for row in _rows(
            conn,
            "SELECT focus_id, behaviour_id FROM floorcoach.focus_behaviour "
            "WHERE focus_id = ANY(%s::uuid[]) ORDER BY focus_id, position",
            ([row["id"] for row in pulled.focus],),
        ):
            pulled.focus_behaviours.setdefault(row["focus_id"], []).append(row["behaviour_id"])
    return pulled


# --- on the device ------------------------------------------------------------------------


def _mark(conn, table: str, record_id: str, employee_id: str | None, who: str | None) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO org_foreign(record_type, record_id, employee_id, supervisor_id) "
        "VALUES (?, ?, ?, ?)",
        (table, record_id, employee_id, who or ""),
    )


def _unmark(conn, table: str, record_id: str) -> None:
    conn.execute(
        "DELETE FROM org_foreign WHERE record_type = ? AND record_id = ?", (table, record_id)
    )


def _write(conn, table: str, columns: tuple[str, ...], values: dict, exists: bool) -> None:
    if exists:
        sets = ", ".join(f"{c} = ?" for c in columns if c != "id")
        conn.execute(
            f"UPDATE {table} SET {sets} WHERE id = ?",
            (*(values[c] for c in columns if c != "id"), values["id"]),
        )
    else:
        conn.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            tuple(values[c] for c in columns),
        )


def _apply_record(store: Store, kind: Kind, values: dict, who: str, me: str) -> str | None:
    """One pulled record; returns "added", "updated", "conflict" or None (nothing to do)."""
    conn = store.conn
    record_id = values["id"]
    local = conn.execute(f"SELECT version FROM {kind.table} WHERE id = ?", (record_id,)).fetchone()
    foreign = conn.execute(
        "SELECT 1 FROM org_foreign WHERE record_type = ? AND record_id = ?",
        (kind.table, record_id),
    ).fetchone()
    pushed = conn.execute(
        "SELECT version FROM org_pushed WHERE record_type = ? AND record_id = ?",
        (kind.table, record_id),
    ).fetchone()
    own = who == me
    if local is None:
        if pushed is not None:
            return None  # deleted here: its tombstone goes up with the next push
        _write(conn, kind.table, kind.columns, values, exists=False)
        if own:
            _note(conn, kind.table, record_id, values["employee_id"], values["version"])
        else:
            _mark(conn, kind.table, record_id, values["employee_id"], who)
        return "added"
    if foreign:
        if values["version"] <= local[0]:
            return None
        _unmark(conn, kind.table, record_id)
        _write(conn, kind.table, kind.columns, values, exists=True)
        _mark(conn, kind.table, record_id, values["employee_id"], who)
        return "updated"
    if not own:
        return None  # an id the device holds as its owner's: never overwritten by another
    if pushed is not None and pushed[0] == local[0]:  # no change of its own waiting
        if values["version"] <= local[0]:
            return None
        _write(conn, kind.table, kind.columns, values, exists=True)
        _note(conn, kind.table, record_id, values["employee_id"], values["version"])
        return "updated"
    if pushed is not None and values["version"] == pushed[0]:
        return None  # the server still has the base: the device's change goes up next push
    mine = store.query(
        f"SELECT {', '.join(kind.columns)} FROM {kind.table} WHERE id = ?", (record_id,)
    )[0]
    conn.execute(
        "INSERT INTO org_conflict(record_type, record_id, employee_id, mine, theirs, found_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(record_type, record_id) DO UPDATE SET "
        "theirs = excluded.theirs",
        (
            kind.table,
            record_id,
            values["employee_id"],
            json.dumps(mine, ensure_ascii=False),
            json.dumps(values, ensure_ascii=False),
            clock.utc_text(clock.now()),
        ),
    )
    return "conflict"


def _note(conn, table: str, record_id: str, employee_id: str, version: int) -> None:
    conn.execute(
        "INSERT INTO org_pushed(record_type, record_id, employee_id, version) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(record_type, record_id) DO UPDATE SET version = excluded.version",
        (table, record_id, employee_id, version),
    )


def _replace_children(store: Store, pulled: PulledRecords, session_id: str, links: dict) -> None:
    conn = store.conn
    conn.execute("DELETE FROM coaching_followup WHERE coaching_id = ?", (session_id,))
    conn.execute("DELETE FROM coaching_observation WHERE coaching_id = ?", (session_id,))
    for row in pulled.followups.get(session_id, []):
        employee = links.get(row["employee_id"])
        behaviour = conn.execute("SELECT 1 FROM behaviour WHERE id = ?", (row["behaviour_id"],))
        if employee is None or behaviour.fetchone() is None:
            continue
        value = {**row, "employee_id": employee}
        evidence = value["result_observation_id"]
        if (
            evidence
            and not conn.execute("SELECT 1 FROM observation WHERE id = ?", (evidence,)).fetchone()
        ):
            value["result_observation_id"] = None  # not on this device
        conn.execute(
            f"INSERT INTO coaching_followup ({', '.join(FOLLOWUP_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(FOLLOWUP_COLUMNS))})",
            tuple(value[c] for c in FOLLOWUP_COLUMNS),
        )
    for observation_id in pulled.links.get(session_id, []):
        conn.execute(
            "INSERT OR IGNORE INTO coaching_observation(coaching_id, observation_id) "
            "SELECT ?, id FROM observation WHERE id = ?",
            (session_id, observation_id),
        )


def apply_records(store: Store, pulled: PulledRecords, me: str) -> Counter:
    """Inside the sync's local write. Returns what changed on the device, by what."""
    conn = store.conn
    moved: Counter = Counter()
    links = dict(conn.execute("SELECT org_id, employee_id FROM org_employee").fetchall())
    now = clock.utc_text(clock.now())
    for table, record_id in pulled.deletions:
        if table not in BY_TABLE:
            continue
        gone = conn.execute(f"DELETE FROM {table} WHERE id = ?", (record_id,)).rowcount
        for meta in ("org_foreign", "org_pushed", "org_conflict"):
            conn.execute(
                f"DELETE FROM {meta} WHERE record_id = ? AND record_type IN (?, ?)",
                (record_id, table, CHILDREN),
            )
        moved["deleted"] += gone
    for kind in KINDS:
        rows = pulled.records.get(kind.table, [])
        if kind is not SESSIONS:  # no children: new records go in as one batch
            rows = _add_new_records(store, kind, rows, links, me, now, moved)
        for row in rows:
            employee = links.get(row["employee_id"])
            if employee is None:
                continue  # not in this device's roster (yet)
            conn.execute(
                "INSERT OR IGNORE INTO supervisor(display_name, id, created_at) VALUES (?, ?, ?)",
                (row["supervisor"], row["supervisor_id"], now),
            )
            values = {c: row[c] for c in kind.columns} | {"employee_id": employee}
            done = _apply_record(store, kind, values, row["supervisor_id"], me)
            if done in ("added", "updated"):
                moved[kind.table if row["supervisor_id"] != me else "own"] += 1
            elif done == "conflict":
                moved["conflict"] += 1
            own = row["supervisor_id"] == me
            # The owner's follow-ups change on the device that sees the evidence: the
            # server's set replaces this device's unless it has changes of its own.
            theirs = kind is SESSIONS and (
                not own or done in ("added", "updated") or _children_in_sync(conn, row["id"])
            )
            if theirs and _held(conn, row["id"]):
                _replace_children(store, pulled, row["id"], links)
                if own:  # what the server has now: nothing to push
                    total = checksum(children_of(store, [row["id"]])[row["id"]])
                    _note(conn, CHILDREN, row["id"], employee, total)
    for row in pulled.focus:
        moved["focus"] += _apply_focus(store, row, pulled.focus_behaviours.get(row["id"], []))
    return moved


def _add_new_records(
    store: Store,
    kind: Kind,
    rows: list[dict],
    links: dict[str, str],
    me: str,
    now: str,
    moved: Counter,
) -> list[dict]:
    """The pulled records the device has never held (the first pull of a team's records:
    nearly all of them), added with one statement per table, as `_apply_record` adds
    each one. Returns the others, which `_apply_record` decides one by one."""
    conn = store.conn
    held: set[str] = set()
    ids = [row["id"] for row in rows]
    for start in range(0, len(ids), 500):  # within SQLite's limit on parameters
        chunk = ids[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        held.update(
            r[0] for r in conn.execute(f"SELECT id FROM {kind.table} WHERE id IN ({marks})", chunk)
        )
        held.update(  # deleted here: its tombstone goes up with the next push
            r[0]
            for r in conn.execute(
                f"SELECT record_id FROM org_pushed WHERE record_type = ? AND record_id IN ({marks})",
                [kind.table, *chunk],
            )
        )
    others, new, supervisors = [], [], {}
    for row in rows:
        employee = links.get(row["employee_id"])
        if employee is None:
            continue  # not in this device's roster (yet)
        if row["id"] in held:
            others.append(row)
            continue
        supervisors[row["supervisor"], row["supervisor_id"]] = None
        new.append((row, employee))
    if not new:
        return others
    new.sort(key=lambda pair: pair[0]["id"])  # in key order: each index page written once
    conn.executemany(
        "INSERT OR IGNORE INTO supervisor(display_name, id, created_at) VALUES (?, ?, ?)",
        [(name, supervisor_id, now) for name, supervisor_id in supervisors],
    )
    with larger_page_cache(conn):
        conn.executemany(
            f"INSERT INTO {kind.table} ({', '.join(kind.columns)}) "
            f"VALUES ({', '.join('?' * len(kind.columns))})",
            [
                tuple(employee if c == "employee_id" else row[c] for c in kind.columns)
                for row, employee in new
            ],
        )
        conn.executemany(
            "INSERT INTO org_pushed(record_type, record_id, employee_id, version) "
            "VALUES (?, ?, ?, ?) ON CONFLICT(record_type, record_id) "
            "DO UPDATE SET version = excluded.version",
            [
                (kind.table, row["id"], employee, row["version"])
                for row, employee in new
                if row["supervisor_id"] == me
            ],
        )
        conn.executemany(
            "INSERT OR REPLACE INTO org_foreign(record_type, record_id, employee_id, "
            "supervisor_id) VALUES (?, ?, ?, ?)",
            [
                (kind.table, row["id"], employee, row["supervisor_id"] or "")
                for row, employee in new
                if row["supervisor_id"] != me
            ],
        )
    for row, _ in new:
        moved[kind.table if row["supervisor_id"] != me else "own"] += 1
    return others


def _children_in_sync(conn, session_id: str) -> bool:
    """The device has no change of its own waiting in this session's follow-ups/links."""
    noted = conn.execute(
        "SELECT version FROM org_pushed WHERE record_type = ? AND record_id = ?",
        (CHILDREN, session_id),
    ).fetchone()
    if noted is None:
        return False
    rows = conn.execute(
        f"SELECT {', '.join(FOLLOWUP_COLUMNS)} FROM coaching_followup WHERE coaching_id = ? "
        "ORDER BY coaching_id, uuid",
        (session_id,),
    ).fetchall()
    links = conn.execute(
        "SELECT observation_id FROM coaching_observation WHERE coaching_id = ? "
        "ORDER BY coaching_id, observation_id",
        (session_id,),
    ).fetchall()
    return noted[0] == checksum(([list(r) for r in rows], [r[0] for r in links]))


def _held(conn, session_id: str) -> bool:
    found = conn.execute("SELECT 1 FROM coaching_session WHERE id = ?", (session_id,))
    return found.fetchone() is not None


def _apply_focus(store: Store, row: dict, behaviours: list[str]) -> int:
    conn = store.conn
    local = conn.execute("SELECT version FROM focus_period WHERE id = ?", (row["id"],)).fetchone()
    if local is not None and local[0] >= row["version"]:
        return 0
    _unmark(conn, "focus_period", row["id"])
    _write(conn, "focus_period", FOCUS_COLUMNS, row, exists=local is not None)
    _mark(conn, "focus_period", row["id"], None, row["supervisor_id"])
    conn.execute("DELETE FROM focus_behaviour WHERE focus_id = ?", (row["id"],))
    position = 0
    for behaviour_id in behaviours:
        if conn.execute("SELECT 1 FROM behaviour WHERE id = ?", (behaviour_id,)).fetchone():
            conn.execute(
                "INSERT INTO focus_behaviour(focus_id, position, behaviour_id) VALUES (?, ?, ?)",
                (row["id"], position, behaviour_id),
            )
            position += 1
    return 1


def apply_erasures(store: Store, erasures: list[tuple[str, str]]) -> int:
    """Erase on the device every person the org erased; each erasure is its own write
    (floorcoach.erasure scrubs the file after it), so this runs before the pull's write.
    Running it again finds nobody left to erase."""
    from floorcoach.erasure import erase_employee

    erased = 0
    for subject, by in erasures:
        row = store.conn.execute(
            "SELECT employee_id FROM org_employee WHERE org_id = ?", (subject,)
        ).fetchone()
        if row is not None:
            erase_employee(store, row[0], by=f"{by} (organisation)")
            erased += 1
        with store.write() as local:  # erased from the org: nothing to ask it
            local.execute("DELETE FROM org_erasure_outbox WHERE org_id = ?", (subject,))
    return erased
