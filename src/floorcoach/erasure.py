"""Erase everything about one person (a data-protection request), and log only that it happened.

Which tables hold records about a person is found at run time, not listed here: every
table with an `employee_id` column (so tables added by later features are covered
without editing this module), the `employee` row itself, and rows in other tables that
point at those rows through a foreign key. `ON DELETE CASCADE` / `SET NULL` keys are
left to SQLite; rows behind plain (`NO ACTION`) keys are removed first.

The log (`erasure_log`) keeps when, by whom, the person's random internal id and how
many rows of each table went — never a name, a ref or any content.

Deleted content must not stay readable in the file: the deletion runs with
`PRAGMA secure_delete = ON` (freed space is overwritten with zeros, in the pages the
deletion writes) and is followed by a `wal_checkpoint(TRUNCATE)`, which copies those
pages over the old ones in the database file and empties the write-ahead log, which may
hold older copies of them. Another program in the middle of a read (sqlite3, a backup
tool) keeps SQLite from overwriting the pages it may still read: then the old copies stay
in the database file — and in the log, if it held any — until the last program that has
the database open closes it, and `ErasureResult.still_readable_in` says which files.
The checkpoint waits only a moment for such a reader, so `forget` never hangs on one.

Drafts and partly written files can hold the person too: drafts about them (picked, or
their name or ref typed), and floorcoach's leftover `.partial` files, are removed;
earlier backup copies and partials still being written are listed, not touched.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from floorcoach import clock
from floorcoach.models import Employee
from floorcoach.store import Store, StoreError, new_id

LOG_TABLE = "erasure_log"
PERSON_COLUMN = "employee_id"
_CASCADING = ("CASCADE", "SET NULL", "SET DEFAULT")
# How long the checkpoints wait for other programs' reads and writes. The first, before
# the erasure, only empties the log when nobody is busy; the second, after it, gets a
# reader that is just finishing a query (a floorcoach window) out of the way.
EMPTY_LOG_WAIT_MS = 250
SCRUB_WAIT_MS = 2000


class _DryRun(Exception):
    """Raised inside the write to roll back a rehearsal of the erasure."""


@dataclass(frozen=True)
class ErasureResult:
    """What was erased, and where the person may still be found.

    `wal_cleared`: the write-ahead log was emptied after the erasure. When another
    program was reading, `still_readable_in` names the files (the database file, its
    `-wal`) that still hold old copies of the erased pages until the last program that
    has the database open closes it. `partials_left`: partly written floorcoach files
    that may hold them and could not be removed, or belong to a floorcoach still running.
    """

    employee: Employee
    counts: dict[str, int]
    drafts_removed: int = 0
    wal_cleared: bool = True
    backups_with_person: list[Path] = field(default_factory=list)
    still_readable_in: list[Path] = field(default_factory=list)
    partials_left: list[Path] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name"
    ).fetchall()
    return [row[0] for row in rows]


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f"PRAGMA table_info({_q(table)})")]


def _primary_key(conn: sqlite3.Connection, table: str) -> list[str]:
    rows = conn.execute(f"PRAGMA table_info({_q(table)})").fetchall()
    keys = sorted((row[5], row[1]) for row in rows if row[5])
    return [name for _, name in keys] or ["rowid"]


def person_tables(conn: sqlite3.Connection) -> list[str]:
    """Tables holding rows about a person: those with an `employee_id` column."""
    return [
        table
        for table in _tables(conn)
        if table != LOG_TABLE and PERSON_COLUMN in _columns(conn, table)
    ]


def _foreign_keys(conn: sqlite3.Connection) -> list[tuple[str, str, list[str], list[str], str]]:
    """(child, parent, child columns, parent columns, on_delete) for every foreign key."""
    keys = []
    for child in _tables(conn):
        grouped: dict[int, dict] = {}
        for row in conn.execute(f"PRAGMA foreign_key_list({_q(child)})"):
            key_id, _seq, parent, from_col, to_col, _on_update, on_delete = row[:7]
            entry = grouped.setdefault(
                key_id, {"parent": parent, "from": [], "to": [], "on_delete": on_delete}
            )
            entry["from"].append(from_col)
            entry["to"].append(to_col)
        for entry in grouped.values():
            to = entry["to"]
            if any(col is None for col in to):
                to = _primary_key(conn, entry["parent"])
            keys.append((child, entry["parent"], entry["from"], to, entry["on_delete"].upper()))
    return keys


def _delete(
    conn: sqlite3.Connection,
    keys: list,
    table: str,
    where: str,
    params: tuple,
    depth: int = 0,
) -> None:
    """Delete rows of `table` matching `where`, first removing rows that block it."""
    if depth > 12:
        raise StoreError(f"erasure: foreign keys around {table} go too deep (a cycle?)")
    for child, parent, from_cols, to_cols, on_delete in keys:
        if parent != table or on_delete in _CASCADING:
            continue
        child_where = (
            f"({', '.join(_q(c) for c in from_cols)}) IN "
            f"(SELECT {', '.join(_q(c) for c in to_cols)} FROM {_q(table)} WHERE {where})"
        )
        _delete(conn, keys, child, child_where, params, depth + 1)
    conn.execute(f"DELETE FROM {_q(table)} WHERE {where}", params)


def _affected_tables(conn: sqlite3.Connection, keys: list) -> list[str]:
    """Person tables, `employee`, and every table pointing at them (transitively)."""
    tables = set(person_tables(conn)) | {"employee"}
    grew = True
    while grew:
        grew = False
        for child, parent, *_ in keys:
            if parent in tables and child not in tables and child != LOG_TABLE:
                tables.add(child)
                grew = True
    return sorted(tables)


def _count(conn: sqlite3.Connection, tables: list[str]) -> dict[str, int]:
    return {t: conn.execute(f"SELECT count(*) FROM {_q(t)}").fetchone()[0] for t in tables}


def _erase_rows(store: Store, employee_id: str) -> dict[str, int]:
    """Inside a write: remove every row about the person; returns rows removed per table."""
    conn = store.conn
    conn.execute("PRAGMA defer_foreign_keys = ON")
    keys = _foreign_keys(conn)
    tables = _affected_tables(conn, keys)
    before = _count(conn, tables)
    for table in person_tables(conn):
        _delete(conn, keys, table, f"{_q(PERSON_COLUMN)} = ?", (employee_id,))
    _delete(conn, keys, "employee", "id = ?", (employee_id,))
    after = _count(conn, tables)
    return {t: before[t] - after[t] for t in tables if before[t] != after[t]}


# What each table's rows are, in the words of the person who asked for the erasure.
_RECORD_NAMES = {
    "employee": ("employee record", "employee records"),
    "observation": ("observation", "observations"),
    "coaching_session": ("coaching session", "coaching sessions"),
    "coaching_followup": ("follow-up", "follow-ups"),
    "coaching_observation": ("coaching-to-observation link", "coaching-to-observation links"),
    "record_history": ("history entry", "history entries"),
    # A joined device's bookkeeping of its organisation (floorcoach.org).
    "org_employee": ("link to the organisation's roster", "links to the organisation's roster"),
    "org_pushed": ("sync mark", "sync marks"),
    "org_foreign": (
        "mark of a record from the organisation",
        "marks of records from the organisation",
    ),
    "org_conflict": ("sync conflict", "sync conflicts"),
}


def describe_counts(counts: dict[str, int]) -> str:
    """What an erasure removes, in one line: "1 employee record, 3 observations, …"."""
    order = list(_RECORD_NAMES)
    parts = []
    for table, n in sorted(counts.items(), key=lambda item: _rank(order, item[0])):
        if table in _RECORD_NAMES:
            one, many = _RECORD_NAMES[table]
            parts.append(f"{n} {one if n == 1 else many}")
        else:  # a table added later: still counted, by its name
            parts.append(f"{n} from {table}")
    return ", ".join(parts) or "no rows"


def _rank(order: list[str], table: str) -> tuple[int, str]:
    return (order.index(table) if table in order else len(order), table)


def still_readable_message(paths: list[Path]) -> str:
    """Where old copies of the erased records remain, and until when, in one sentence."""
    named = " and ".join(
        f"{path} ({'its write-ahead log' if path.name.endswith('-wal') else 'the database file'})"
        for path in paths
    )
    return (
        "another program was reading or writing the database, so SQLite could not "
        f"overwrite the old copies of their records yet: they are still readable in {named} "
        "until the last program that has the database open (floorcoach, sqlite3, a backup "
        "tool) closes it"
    )


def plan_erasure(store: Store, employee_id: str) -> dict[str, int]:
    """How many rows of each table erasing this person would remove; nothing is changed.

    The erasure is rehearsed inside a transaction that is then rolled back, so the
    numbers are exactly what `erase_employee` will remove.
    """
    from floorcoach.employees import get_employee

    get_employee(store, employee_id)  # RecordNotFound when there is no such person
    counts: dict[str, int] = {}
    try:
        with store.write():
            counts = _erase_rows(store, employee_id)
            raise _DryRun
    except _DryRun:
        pass
    return counts


def erase_employee(store: Store, employee_id: str, *, by: str) -> ErasureResult:
    """Erase the person and every record about them; log the fact; scrub the file."""
    from floorcoach.backup import backup_copies
    from floorcoach.drafts import discard_drafts_about, discard_drafts_typed_for
    from floorcoach.employees import get_employee

    employee = get_employee(store, employee_id)
    conn = store.conn
    wal = store.path.with_name(f"{store.path.name}-wal")
    secure_delete = conn.execute("PRAGMA secure_delete").fetchone()[0]
    conn.execute("PRAGMA secure_delete = ON")
    try:
        # Empty the log first, so that if a reader later keeps the erased pages, the old
        # copies are only in the database file: the log then holds nothing of the person.
        _checkpoint(conn, EMPTY_LOG_WAIT_MS)
        with store.write():
            # Under the write lock nobody can add to the log: an empty one stays ours.
            log_held_pages = _size(wal) > 0
            counts = _erase_rows(store, employee_id)
            conn.execute(
                f"INSERT INTO {LOG_TABLE}(id, erased_at, erased_by, subject_id, counts) "
                "VALUES (?, ?, ?, ?, ?)",
                (
                    new_id(),
                    clock.utc_text(clock.now()),
                    by,
                    employee_id,
                    json.dumps(counts, sort_keys=True),
                ),
            )
        wal_cleared, all_copied = _checkpoint(conn, SCRUB_WAIT_MS)
    finally:
        conn.execute(f"PRAGMA secure_delete = {_SECURE_DELETE.get(secure_delete, 'OFF')}")
    still_readable_in = []
    if not all_copied:  # the file still has the pages as they were before the erasure
        still_readable_in.append(store.path)
    if not wal_cleared and log_held_pages:  # and the log its older copies of them
        still_readable_in.append(wal)
    others = conn.execute("SELECT name, employee_ref FROM employee").fetchall()
    drafts_removed = discard_drafts_about(store.path, employee_id) + discard_drafts_typed_for(
        store.path, employee.name, employee.employee_ref, others=others
    )
    holding = [p for p in backup_copies(store.path) if _copy_holds(p, employee_id)]
    return ErasureResult(
        employee,
        counts,
        drafts_removed,
        wal_cleared,
        holding,
        still_readable_in,
        _remove_partials(store.path),
    )


_SECURE_DELETE = {0: "OFF", 1: "ON", 2: "FAST"}


def _checkpoint(conn: sqlite3.Connection, wait_ms: int) -> tuple[bool, bool]:
    """`wal_checkpoint(TRUNCATE)`, waiting at most `wait_ms` for other programs.

    Returns (the log was emptied, every page in it was copied into the database file).
    A reader in the middle of a read blocks both: SQLite keeps the pages it may read.
    The connection's own, longer busy timeout (for writes) is put back afterwards.
    """
    previous = conn.execute("PRAGMA busy_timeout").fetchone()[0]
    conn.execute(f"PRAGMA busy_timeout = {int(wait_ms)}")
    try:
        busy, in_log, copied = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    except sqlite3.OperationalError:
        return False, False
    finally:
        conn.execute(f"PRAGMA busy_timeout = {int(previous)}")
    return not busy, in_log == copied


def _size(path: Path) -> int:
    # stat, never open: closing a file SQLite has open would drop its locks (POSIX).
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return 0


def _remove_partials(db_path: Path) -> list[Path]:
    """Remove floorcoach's stale partly written files next to the database and in its
    drafts folder; returns those left: could not be removed, or still being written."""
    from floorcoach.drafts import drafts_dir
    from floorcoach.safefiles import find_partials, remove_stale_partials

    left: list[Path] = []
    for folder in (db_path.parent, drafts_dir(db_path)):
        remove_stale_partials(folder)
        left += [partial.path for partial in find_partials(folder)]
    return left


def _copy_holds(path: Path, employee_id: str) -> bool:
    try:
        copy = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        row = copy.execute("SELECT 1 FROM employee WHERE id = ?", (employee_id,)).fetchone()
        return row is not None
    except sqlite3.Error:
        return False
    finally:
        copy.close()


def erasure_log(store: Store) -> list[dict]:
    """Every erasure, oldest first: when, by whom, internal id, rows removed per table."""
    rows = store.query(
        f"SELECT erased_at, erased_by, subject_id, counts FROM {LOG_TABLE} ORDER BY erased_at"
    )
    return [{**row, "counts": json.loads(row["counts"])} for row in rows]
