"""Pushing what a device recorded to the org store, and noting what the server confirmed.

What goes up: the owner's observations and coaching sessions (never a private note: the
column is not read), the follow-ups and observation links of those sessions, the owner's
history entries about them, tombstones of the ones the owner deleted, and erasures asked
for on the device. Only records about people the org roster knows (`org_employee`) go;
records another supervisor made (`org_foreign`) never do.

Every record kind goes the same way: its rows are COPYed into a temporary table, then
one statement updates the server's rows that are still at the version the device last
had in common with the server (`org_pushed`, the *base*), and one inserts the records the
server has never seen, about people it still knows (an erased person's records never get
in). A row that is neither is either already there in exactly this version (a sync killed
after the server committed and before the device noted it: confirmed now), or was changed
on another of the owner's devices first: a conflict, kept on the device with both versions
(floorcoach.org.conflicts). The whole push is one server transaction, so a broken
connection leaves the server as it was, and the device notes nothing.

Follow-ups and links have no version of their own: a session's set of them is pushed
whole (replacing the server's) when its checksum differs from the one noted.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
import zlib
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from floorcoach import clock
from floorcoach.records import COACHING_SESSION, OBSERVATION

if TYPE_CHECKING:
    import psycopg

    from floorcoach.store import Store


@dataclass(frozen=True)
class Kind:
    """A kind of versioned record that belongs to one supervisor."""

    table: str
    columns: tuple[str, ...]  # the pushed columns, the same names locally and in the org
    booleans: tuple[str, ...]
    one: str
    many: str

    def words(self, n: int) -> str:
        return f"{n} {self.one if n == 1 else self.many}"


OBSERVATIONS = Kind(
    "observation",
    tuple(c for c in OBSERVATION.columns if c not in OBSERVATION.private),
    ("story",),
    "observation",
    "observations",
)
SESSIONS = Kind(
    "coaching_session",
    tuple(c for c in COACHING_SESSION.columns if c not in COACHING_SESSION.private),
    ("acknowledged",),
    "coaching session",
    "coaching sessions",
)
KINDS = (OBSERVATIONS, SESSIONS)
BY_TABLE = {kind.table: kind for kind in KINDS}
CHILDREN = "coaching_children"  # org_pushed's record type for a session's follow-ups + links
HISTORY = "record_history"
HISTORY_TYPES = ("observation", "coaching_session", "coaching_followup")
FOLLOWUP_COLUMNS = (
    "uuid",
    "coaching_id",
    "behaviour_id",
    "employee_id",
    "due",
    "status",
    "result_observation_id",
    "checked_at",
    "closed_by",
    "closed_note",
    "position",
)
HISTORY_COLUMNS = (
    "uuid",
    "record_type",
    "record_id",
    "employee_id",
    "action",
    "changed_at",
    "changed_by",
    "before",
    "after",
)
BIG_WRITE_CACHE_KIB = 64 * 1024  # SQLite's page cache during a sync's big local writes
_TOMBSTONES = uuid.UUID("5b0f3c1e-6a57-4d0e-9d51-3c2f1f6a0b8e")  # uuid5 namespace


@dataclass
class Pushed:
    """What the server now holds, for the device to note in one local write."""

    written: Counter = field(default_factory=Counter)  # rows the server wrote, by what
    confirmed: list[tuple[str, str, str, int]] = field(default_factory=list)
    conflicts: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    children: list[tuple[str, str, int]] = field(default_factory=list)
    history: list[tuple[str, str]] = field(default_factory=list)
    tombstones: list[tuple[str, str]] = field(default_factory=list)
    erasures_refused: list[str] = field(default_factory=list)


def server_value(value: object) -> object:
    """A value read from PostgreSQL as the device stores it (text times, 0/1 booleans)."""
    if isinstance(value, datetime):
        return clock.utc_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def _owned(kind: Kind) -> str:
    """The owner's records of this kind about people in the org roster, made here."""
    return (
        f"FROM {kind.table} t "
        "JOIN supervisor s ON s.display_name = t.supervisor AND s.id = :me "
        "JOIN org_employee oe ON oe.employee_id = t.employee_id "
        f"LEFT JOIN org_pushed p ON p.record_type = '{kind.table}' AND p.record_id = t.id "
        "WHERE NOT EXISTS (SELECT 1 FROM org_foreign f "
        f"WHERE f.record_type = '{kind.table}' AND f.record_id = t.id) "
    )


def waiting_sql(kind: Kind) -> str:
    """The owner's records the server lacks in their current version (not in conflict)."""
    return (
        _owned(kind) + "AND p.version IS NOT t.version AND NOT EXISTS (SELECT 1 FROM "
        f"org_conflict c WHERE c.record_type = '{kind.table}' AND c.record_id = t.id)"
    )


def _rows_to_push(store: Store, kind: Kind, me: str) -> list[dict]:
    select = ", ".join(f"t.{c}" for c in kind.columns)
    return store.query(
        f"SELECT {select}, oe.org_id AS org_employee_id, p.version AS base " + waiting_sql(kind),
        {"me": me},
    )


def tombstones_sql(kind: Kind) -> str:
    """Records the server has from this device that are gone from it: deleted here."""
    return (
        "FROM org_pushed p LEFT JOIN org_employee oe ON oe.employee_id = p.employee_id "
        f"WHERE p.record_type = '{kind.table}' AND NOT EXISTS "
        f"(SELECT 1 FROM {kind.table} t WHERE t.id = p.record_id)"
    )


def history_sql(select: str) -> str:
    """The owner's history entries about records the org holds, not pushed yet."""
    types = ", ".join(f"'{t}'" for t in HISTORY_TYPES)
    # `+h.record_type`: read the history in its own order (one pass over the table) rather
    # than through the (record_type, record_id) index, whose order sends every row to a
    # random page of the table: about 2x faster with 100,000 entries.
    return (
        f"SELECT {select} FROM record_history h "
        "JOIN supervisor s ON s.display_name = h.changed_by AND s.id = :me "
        "JOIN org_employee oe ON oe.employee_id = h.employee_id "
        f"WHERE +h.record_type IN ({types}) AND NOT EXISTS (SELECT 1 FROM org_pushed p "
        f"WHERE p.record_type = '{HISTORY}' AND p.record_id = h.uuid)"
    )


def children_of(store: Store, session_ids: list[str]) -> dict[str, tuple[list, list]]:
    """Each session's follow-ups and observation links, in a stable order."""
    found: dict[str, tuple[list, list]] = {sid: ([], []) for sid in session_ids}
    for start in range(0, len(session_ids), 500):  # within SQLite's limit on parameters
        chunk = session_ids[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        for row in store.conn.execute(
            f"SELECT {', '.join(FOLLOWUP_COLUMNS)} FROM coaching_followup "
            f"WHERE coaching_id IN ({marks}) ORDER BY coaching_id, uuid",
            chunk,
        ):
            found[row[1]][0].append(list(row))
        for coaching_id, observation_id in store.conn.execute(
            "SELECT coaching_id, observation_id FROM coaching_observation "
            f"WHERE coaching_id IN ({marks}) ORDER BY coaching_id, observation_id",
            chunk,
        ):
            found[coaching_id][1].append(observation_id)
    return found


def checksum(children: tuple[list, list]) -> int:
    text = json.dumps(children, ensure_ascii=False, sort_keys=True)
    return zlib.crc32(text.encode()) & 0x7FFFFFFF


def _sessions_with_new_children(store: Store, me: str) -> dict[str, tuple[str, tuple, int, str]]:
    """Own sessions whose follow-ups or links differ from what was last pushed:
    id -> (org employee id, children, checksum, the device's employee id)."""
    rows = store.query(
        "SELECT t.id, t.employee_id, oe.org_id, c.version AS noted "
        + _owned(SESSIONS).replace(
            "WHERE NOT EXISTS",
            f"LEFT JOIN org_pushed c ON c.record_type = '{CHILDREN}' AND c.record_id = t.id "
            "WHERE NOT EXISTS",
        )
        + "AND NOT EXISTS (SELECT 1 FROM org_conflict k "
        "WHERE k.record_type = 'coaching_session' AND k.record_id = t.id)",
        {"me": me},
    )
    children = children_of(store, [row["id"] for row in rows])
    changed = {}
    for row in rows:
        mine = children[row["id"]]
        total = checksum(mine)
        if total != row["noted"]:
            changed[row["id"]] = (row["org_id"], mine, total, row["employee_id"])
    return changed


# --- the server's side ----------------------------------------------------------------------


def _copy_in(
    conn: psycopg.Connection, name: str, like: str, columns: list[str], rows: list[tuple]
) -> None:
    """A temporary table shaped like `floorcoach.<like>` (plus `base`), holding `rows`."""
    conn.execute(
        f"CREATE TEMP TABLE {name} (LIKE floorcoach.{like} INCLUDING DEFAULTS, base integer) "
        "ON COMMIT DROP"
    )
    with (
        conn.cursor() as cursor,
        cursor.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _push_kind(
    conn: psycopg.Connection, kind: Kind, rows: list[dict], me: str, device: str, out: Pushed
) -> set[str]:
    """Upsert one kind; returns the ids the server now holds in the device's version."""
    if not rows:
        return set()
    columns = [*kind.columns, "supervisor_id", "device_id", "base"]
    values = []
    for row in rows:
        value = {**row, "employee_id": row["org_employee_id"]}
        for name in kind.booleans:
            value[name] = bool(value[name])
        value |= {"supervisor_id": me, "device_id": device}
        values.append(tuple(value[c] for c in columns))
    incoming = f"incoming_{kind.table}"
    _copy_in(conn, incoming, kind.table, columns, values)
    written_columns = [c for c in columns if c not in ("id", "base")]
    updated = conn.execute(
        f"UPDATE floorcoach.{kind.table} AS t SET ({', '.join(written_columns)}) = "
        f"ROW({', '.join('i.' + c for c in written_columns)}) FROM {incoming} i "
        "WHERE t.id = i.id AND t.version = i.base AND i.version > t.version RETURNING t.id::text"
    ).fetchall()
    inserted = conn.execute(
        f"INSERT INTO floorcoach.{kind.table} ({', '.join(columns[:-1])}) "
        f"SELECT {', '.join('i.' + c for c in columns[:-1])} FROM {incoming} i "
        "WHERE i.base IS NULL "  # a record the server had is never created again
        "AND EXISTS (SELECT 1 FROM floorcoach.employee e WHERE e.id = i.employee_id) "
        "AND NOT EXISTS (SELECT 1 FROM floorcoach.deletion d WHERE d.record_id = i.id) "
        "ON CONFLICT DO NOTHING RETURNING id::text"
    ).fetchall()
    written = {r[0] for r in updated} | {r[0] for r in inserted}
    out.written[kind.table] += len(written)
    others = [row["id"] for row in rows if row["id"] not in written]
    held = {}
    if others:
        from psycopg.rows import dict_row

        with conn.cursor(row_factory=dict_row) as cursor:
            cursor.execute(
                f"SELECT {', '.join(kind.columns)} FROM floorcoach.{kind.table} "
                "WHERE id = ANY(%s::uuid[])",
                (others,),
            )
            held = {str(r["id"]): {k: server_value(v) for k, v in r.items()} for r in cursor}
    holds = set(written)
    for row in rows:
        theirs = held.get(row["id"])
        if row["id"] in written:
            out.confirmed.append((kind.table, row["id"], row["employee_id"], row["version"]))
        elif theirs is None:
            continue  # the person was erased, or the record deleted: the pull says which
        elif (theirs["version"], theirs["updated_at"]) == (row["version"], row["updated_at"]):
            out.confirmed.append((kind.table, row["id"], row["employee_id"], row["version"]))
            holds.add(row["id"])  # pushed before; the device never noted it
        else:
            mine = {c: row[c] for c in kind.columns}
            theirs["employee_id"] = row["employee_id"]  # the device's id for the person
            out.conflicts.append(
                (
                    kind.table,
                    row["id"],
                    row["employee_id"],
                    json.dumps(mine, ensure_ascii=False),
                    json.dumps(theirs, ensure_ascii=False),
                )
            )
    return holds


def _push_tombstones(
    conn: psycopg.Connection, store: Store, me: str, device: str, out: Pushed
) -> None:
    now = clock.utc_text(clock.now())
    for kind in KINDS:
        rows = store.query(
            "SELECT p.record_id, oe.org_id, (SELECT max(h.changed_at) FROM record_history h "
            "WHERE h.record_type = p.record_type AND h.record_id = p.record_id "
            "AND h.action = 'delete') AS deleted_at " + tombstones_sql(kind)
        )
        if not rows:
            continue
        with conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO floorcoach.deletion(id, record_type, record_id, employee_id, "
                "deleted_at, supervisor_id, device_id) VALUES (%s, %s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (id) DO NOTHING",
                [
                    (
                        uuid.uuid5(_TOMBSTONES, f"{kind.table}:{row['record_id']}"),
                        kind.table,
                        row["record_id"],
                        row["org_id"],
                        row["deleted_at"] or now,
                        me,
                        device,
                    )
                    for row in rows
                ],
            )
            cursor.execute(
                f"DELETE FROM floorcoach.{kind.table} WHERE id = ANY(%s::uuid[])",
                ([row["record_id"] for row in rows],),
            )
            out.written["deletion"] += cursor.rowcount
        out.tombstones += [(kind.table, row["record_id"]) for row in rows]


def _push_children(
    conn: psycopg.Connection,
    changed: dict[str, tuple[str, tuple, int, str]],
    me: str,
    out: Pushed,
) -> None:
    if not changed:
        return
    held = _children_on_server(conn, list(changed))
    same = [
        sid
        for sid, (org_employee, (rows, observations), _, _) in changed.items()
        if held.get(sid, (set(), set())) == _comparable(org_employee, rows, observations)
    ]
    out.children += [(sid, changed[sid][3], changed[sid][2]) for sid in same]
    changed = {sid: value for sid, value in changed.items() if sid not in same}
    if not changed:
        return  # the server has them already (pushed before, never noted)
    ids = list(changed)
    conn.execute(
        "DELETE FROM floorcoach.coaching_followup WHERE coaching_id = ANY(%s::uuid[])", (ids,)
    )
    conn.execute(
        "DELETE FROM floorcoach.coaching_observation WHERE coaching_id = ANY(%s::uuid[])", (ids,)
    )
    followups, links = [], []
    for session_id, (org_employee, (rows, observations), _, _) in changed.items():
        for row in rows:
            value = dict(zip(FOLLOWUP_COLUMNS, row, strict=True))
            value["employee_id"] = org_employee
            followups.append((*(value[c] for c in FOLLOWUP_COLUMNS), me))
        links += [(session_id, observation_id, me) for observation_id in observations]
    session_exists = (
        "EXISTS (SELECT 1 FROM floorcoach.coaching_session s WHERE s.id = i.coaching_id)"
    )
    if followups:
        columns = [*FOLLOWUP_COLUMNS, "supervisor_id"]
        _copy_in(conn, "incoming_followup", "coaching_followup", columns, followups)
        cursor = conn.execute(
            f"INSERT INTO floorcoach.coaching_followup ({', '.join(columns)}) "
            f"SELECT {', '.join('i.' + c for c in columns)} FROM incoming_followup i "
            f"WHERE {session_exists} ON CONFLICT DO NOTHING"
        )
        out.written["coaching_followup"] += cursor.rowcount
    if links:
        columns = ["coaching_id", "observation_id", "supervisor_id"]
        _copy_in(conn, "incoming_link", "coaching_observation", columns, links)
        conn.execute(
            f"INSERT INTO floorcoach.coaching_observation ({', '.join(columns)}) "
            f"SELECT {', '.join('i.' + c for c in columns)} FROM incoming_link i "
            f"WHERE {session_exists} AND EXISTS (SELECT 1 FROM floorcoach.observation o "
            "WHERE o.id = i.observation_id) ON CONFLICT DO NOTHING"
        )
    out.children += [(sid, local, total) for sid, (_, _, total, local) in changed.items()]


def _comparable(org_employee: str, rows: list, observations: list) -> tuple[set, set]:
    followups = {
        tuple(
            org_employee if c == "employee_id" else value
            for c, value in zip(FOLLOWUP_COLUMNS, row, strict=True)
        )
        for row in rows
    }
    return followups, set(observations)


def _children_on_server(conn: psycopg.Connection, ids: list[str]) -> dict[str, tuple[set, set]]:
    held: dict[str, tuple[set, set]] = {}
    for row in conn.execute(
        f"SELECT {', '.join(FOLLOWUP_COLUMNS)} FROM floorcoach.coaching_followup "
        "WHERE coaching_id = ANY(%s::uuid[])",
        (ids,),
    ):
        values = tuple(server_value(v) for v in row)
        held.setdefault(values[1], (set(), set()))[0].add(values)
    for coaching_id, observation_id in conn.execute(
        "SELECT coaching_id::text, observation_id::text FROM floorcoach.coaching_observation "
        "WHERE coaching_id = ANY(%s::uuid[])",
        (ids,),
    ):
        held.setdefault(coaching_id, (set(), set()))[1].add(observation_id)
    return held


def _push_history(
    conn: psycopg.Connection, store: Store, me: str, device: str, out: Pushed
) -> None:
    rows = store.query(
        history_sql(
            "h.uuid, h.record_type, h.record_id, oe.org_id AS employee_id, h.action, "
            "h.changed_at, h.changed_by, h.before, h.after, h.employee_id AS local_employee"
        ),
        {"me": me},
    )
    if not rows:
        return
    columns = [*HISTORY_COLUMNS, "supervisor_id", "device_id"]
    _copy_in(
        conn,
        "incoming_history",
        "record_history",
        columns,
        [(*(row[c] for c in HISTORY_COLUMNS), me, device) for row in rows],
    )
    cursor = conn.execute(
        f"INSERT INTO floorcoach.record_history ({', '.join(columns)}) "
        f"SELECT {', '.join('i.' + c for c in columns)} FROM incoming_history i "
        "WHERE EXISTS (SELECT 1 FROM floorcoach.employee e WHERE e.id = i.employee_id) "
        "ON CONFLICT DO NOTHING"
    )
    out.written[HISTORY] += cursor.rowcount
    out.history += [(row["uuid"], row["local_employee"]) for row in rows]


def push_erasures(conn: psycopg.Connection, store: Store) -> tuple[int, list[str]]:
    """Ask the org store to erase the people erased on this device; each in its own
    transaction. Returns how many it erased and the refusals (the device keeps its
    erasure either way; the outbox entry goes once the server answered)."""
    import psycopg

    from floorcoach.org.connection import first_line

    erased, refused = 0, []
    for org_id, erasure_id, erased_at in store.conn.execute(
        "SELECT org_id, erasure_id, erased_at FROM org_erasure_outbox ORDER BY erased_at"
    ).fetchall():
        try:
            with conn.transaction():
                counts = conn.execute(
                    "SELECT floorcoach.erase_employee(%s, %s, %s)", (org_id, erasure_id, erased_at)
                ).fetchone()[0]
            erased += counts is not None
        except psycopg.errors.InsufficientPrivilege as exc:
            refused.append(first_line(exc))
        with store.write() as local:
            local.execute("DELETE FROM org_erasure_outbox WHERE org_id = ?", (org_id,))
    return erased, refused


def changes_to_look_at(store: Store) -> int | None:
    """The device's change count if a push has to look for what the server lacks; None
    while nothing changed since the last push (schema 9's `org_change`): then a sync with
    nothing to do skips the pass over every record."""
    seq, pushed = store.conn.execute("SELECT seq, pushed FROM org_change").fetchone()
    return None if seq == pushed else seq


def push(conn: psycopg.Connection, store: Store, me: str) -> Pushed:
    """Everything the server lacks, in ONE server transaction; nothing noted locally yet.

    Read `changes_to_look_at` before calling: what changes while this reads is counted
    after that, so it is looked at again by the next push."""
    device = store.setting("database_id")
    out = Pushed()
    plans = {kind: _rows_to_push(store, kind, me) for kind in KINDS}
    in_sync = {
        row["id"]
        for row in store.query(
            "SELECT t.id " + _owned(SESSIONS) + "AND p.version = t.version", {"me": me}
        )
    }
    changed_children = _sessions_with_new_children(store, me)
    with conn.transaction():
        _push_tombstones(conn, store, me, device, out)
        held = {kind.table: _push_kind(conn, kind, plans[kind], me, device, out) for kind in KINDS}
        on_server = in_sync | held[SESSIONS.table]
        _push_children(conn, {k: v for k, v in changed_children.items() if k in on_server}, me, out)
        _push_history(conn, store, me, device, out)
    return out


@contextmanager
def larger_page_cache(conn: sqlite3.Connection) -> Iterator[None]:
    """For a write of many rows at random ids (a first sync notes every record; a pull
    inserts every record): their index pages are all over the file, and SQLite's default
    2 MB cache re-reads them again and again. 64 MB while it lasts (about 2x faster at
    100,000 rows); the connection's own setting comes back after."""
    before = conn.execute("PRAGMA cache_size").fetchone()[0]
    conn.execute(f"PRAGMA cache_size = {-BIG_WRITE_CACHE_KIB}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA cache_size = {before}")


def note_pushed(store: Store, out: Pushed, looked_at: int) -> None:
    """What the server confirmed, in one local write (a crash before it: pushed again,
    harmlessly), and the change count the push started from (`changes_to_look_at`)."""
    found = clock.utc_text(clock.now())
    noted = (
        out.confirmed
        + [(CHILDREN, sid, employee, total) for sid, employee, total in out.children]
        + [(HISTORY, entry, employee, 1) for entry, employee in out.history]
    )
    noted.sort(key=lambda row: row[:2])  # in key order: each index page written once
    with store.write() as local, larger_page_cache(local):
        local.executemany(
            "INSERT INTO org_pushed(record_type, record_id, employee_id, version) "
            "VALUES (?, ?, ?, ?) ON CONFLICT(record_type, record_id) "
            "DO UPDATE SET version = excluded.version, employee_id = excluded.employee_id",
            noted,
        )
        local.executemany(
            "INSERT INTO org_conflict(record_type, record_id, employee_id, mine, theirs, "
            "found_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(record_type, record_id) DO UPDATE "
            "SET mine = excluded.mine, theirs = excluded.theirs",
            [(*conflict, found) for conflict in out.conflicts],
        )
        for table, record_id in out.tombstones:
            local.execute(
                "DELETE FROM org_pushed WHERE record_id = ? AND record_type IN (?, ?)",
                (record_id, table, CHILDREN),
            )
        local.execute("UPDATE org_change SET pushed = ?", (looked_at,))


def push_words(written: Counter) -> list[str]:
    """`up …` parts: what the server wrote."""
    names = {
        "observation": ("observation", "observations"),
        "coaching_session": ("coaching session", "coaching sessions"),
        "coaching_followup": ("follow-up", "follow-ups"),
        HISTORY: ("history entry", "history entries"),
        "deletion": ("deletion", "deletions"),
        "erasure": ("erasure", "erasures"),
    }
    return [
        f"{written[key]} {one if written[key] == 1 else many}"
        for key, (one, many) in names.items()
        if written[key]
    ]
