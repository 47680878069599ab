"""Erase everything about one person (a data-protection request), and log only that it happened.

Which tables hold records about a person is found at run time, not listed here: every
table with an `employee_id` column (so tables added by later features are covered
without editing this module), the `employee` row itself, and rows in other tables that
point at those rows through a foreign key. `ON DELETE CASCADE` / `SET NULL` keys are
left to SQLite; rows behind plain (`NO ACTION`) keys are removed first.

The log (`erasure_log`) keeps when, by whom, the person's random internal id and how
many rows of each table went — never a name, a ref or any content.

Deleted content must not stay readable in the file: the deletion runs with
`PRAGMA secure_delete = ON` (freed space is overwritten with zeros) and is followed by a
`wal_checkpoint(TRUNCATE)`, which writes the zeroed pages into the database file and
empties the write-ahead log that still held the old pages. Earlier backup copies are
separate files and still contain the person; `erase_employee` lists those it finds.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from floorcoach import clock
from floorcoach.models import Employee
from floorcoach.store import Store, StoreError, new_id

LOG_TABLE = "erasure_log"
PERSON_COLUMN = "employee_id"
_CASCADING = ("CASCADE", "SET NULL", "SET DEFAULT")


class _DryRun(Exception):
    """Raised inside the write to roll back a rehearsal of the erasure."""


@dataclass(frozen=True)
class ErasureResult:
    employee: Employee
    counts: dict[str, int]
    drafts_removed: int = 0
    wal_cleared: bool = True
    backups_with_person: list[Path] = field(default_factory=list)

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
    from floorcoach.drafts import discard_drafts_about
    from floorcoach.employees import get_employee

    employee = get_employee(store, employee_id)
    conn = store.conn
    conn.execute("PRAGMA secure_delete = ON")
    try:
        with store.write():
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
        wal_cleared = _scrub_write_ahead_log(conn)
    finally:
        conn.execute("PRAGMA secure_delete = OFF")
    drafts_removed = discard_drafts_about(store.path, employee_id)
    holding = [p for p in backup_copies(store.path) if _copy_holds(p, employee_id)]
    return ErasureResult(employee, counts, drafts_removed, wal_cleared, holding)


def _scrub_write_ahead_log(conn: sqlite3.Connection, attempts: int = 20) -> bool:
    """Copy the zeroed pages into the file and empty the WAL; False if others kept it busy."""
    for _ in range(attempts):
        busy, _log, _done = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if not busy:
            return True
        time.sleep(0.1)
    return False


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
