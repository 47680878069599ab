"""Changing a table's columns or CHECK constraints in a migration without losing a row.

SQLite's ALTER TABLE can add, rename and drop columns but not change a type, a NOT NULL,
a CHECK or a foreign key: the table has to be rebuilt. Rebuilt carelessly, the rows that
point at it go. Measured on a copy: rebuilding `observation` with foreign keys on deleted
every `coaching_observation` link and cleared every follow-up result (the DROP of the old
table fired ON DELETE CASCADE / SET NULL), and `foreign_key_check` found nothing wrong.
sqlite-utils' `table.transform()` is no better here: under the runner (foreign keys off) it
keeps the links, but it drops the table's triggers without a word (it lost
`followup_reopens_when_its_evidence_goes`), so no migration uses it.

Two helpers, both for use inside a step (`upgrade(db)`), which the runner calls inside one
transaction with foreign keys off and checks with `foreign_key_check` before COMMIT:

- `rebuild_table` — SQLite's documented 12-step procedure
  (https://www.sqlite.org/lang_altertable.html#otheralter), for any change of shape or
  constraints. It copies every row and rebuilds every index, so its time grows with the
  table: 0.6 s for 49,000 observations, 18–23 s (and ~5 s more to commit) for 1,000,000
  on the 2-core test machine.
- `rewrite_check` — the documented "simpler procedure", for a change to a CHECK
  constraint only: edit the CREATE TABLE text in `sqlite_schema` (`PRAGMA
  writable_schema`), then prove every row obeys it (`PRAGMA quick_check(table)`). No row
  is copied, so none can be lost: 0.1 s for 49,000 observations, 3–3.6 s for 1,000,000,
  nearly all of it the check. Where SQLite refuses to edit its schema (a build in
  defensive mode) it falls back to `rebuild_table` with the same new text.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils

_CREATE_TABLE = re.compile(
    r'\A\s*CREATE\s+TABLE\s+(?:"((?:[^"]|"")+)"|\[([^\]]+)\]|`([^`]+)`|([A-Za-z_]\w*))',
    re.IGNORECASE,
)


def rebuild_table(
    db: sqlite_utils.Database,
    table: str,
    create_sql: str,
    *,
    fill: Mapping[str, str] | None = None,
    drop: Iterable[str] = (),
    leave_out: Iterable[str] = (),
) -> int:
    """Replace `table` by `create_sql` (its full CREATE TABLE, under the same name), keeping
    every row, its rowid, the rows that point at it, its indexes and its triggers.

    Columns with the same name are copied. `fill` gives a new column its value as an SQL
    expression over the old row (`{"comment": '"note"'}` for a rename). An old column
    that the new table lacks is only given up when `drop` names it, so a typo in
    `create_sql` cannot throw a column's data away. The old table's indexes and triggers
    are created again from their stored SQL, except those named in `leave_out` (the step
    creates its own). Returns the number of rows copied.
    """
    conn = db.conn
    _require_runner(conn)
    if conn.execute("PRAGMA foreign_keys").fetchone()[0]:
        raise RuntimeError(
            f"rebuild_table({table!r}) with foreign keys on would delete or clear the rows "
            "that point at it: run it inside a migration (the runner switches them off)"
        )
    old_columns = _columns(conn, table)
    if not old_columns:
        raise ValueError(f"there is no table {table!r} to rebuild")
    match = _CREATE_TABLE.match(create_sql)
    named = match and next(name for name in match.groups() if name is not None)
    if not named or named.replace('""', '"').lower() != table.lower():
        raise ValueError(f"create_sql must start with CREATE TABLE {table}")
    attached = conn.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = ? COLLATE NOCASE "
        "AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY type, rowid",
        (table,),
    ).fetchall()
    leave_out = {name.lower() for name in leave_out}
    unknown = leave_out - {name.lower() for _, name, _ in attached}
    if unknown:
        raise ValueError(f"{table} has no index or trigger called {', '.join(sorted(unknown))}")
    sequence = _sequence(conn, table)

    temporary = f"{table}__rebuilt"
    conn.execute(f"CREATE TABLE {_quoted(temporary)}{create_sql[match.end() :]}")
    new_columns = _columns(conn, temporary)
    fill = {column.lower(): expression for column, expression in (fill or {}).items()}
    old_by_name = {c.lower(): c for c in old_columns}
    new_by_name = {c.lower(): c for c in new_columns}
    problems = [
        f"fill names {c!r}, which the new {table} lacks"
        for c in fill
        if c.lower() not in new_by_name
    ]
    kept = set(new_by_name) | {c.lower() for c in drop}
    problems += [
        f"the new {table} has no column {c!r}: name it in drop= if its data should go"
        for c in old_columns
        if c.lower() not in kept
    ]
    if problems:
        raise ValueError("; ".join(problems))
    targets = [c for c in new_columns if c.lower() in fill or c.lower() in old_by_name]
    sources = [fill.get(c.lower()) or _quoted(old_by_name[c.lower()]) for c in targets]
    if _has_rowid(conn, table) and _has_rowid(conn, temporary):
        targets, sources = ["rowid", *targets], ["rowid", *sources]
    copied = conn.execute(
        f"INSERT INTO {_quoted(temporary)} ({', '.join(map(_quoted, targets))}) "
        f"SELECT {', '.join(sources)} FROM {_quoted(table)}"
    ).rowcount

    conn.execute(f"DROP TABLE {_quoted(table)}")  # foreign keys off: nothing else is touched
    # Legacy mode: the rename rewrites nothing else in the schema. Every trigger, view and
    # foreign key that names `table` still does, and now means the new one; in the default
    # mode the rename would first fail on any view or trigger that names the dropped table.
    legacy = conn.execute("PRAGMA legacy_alter_table").fetchone()[0]
    conn.execute("PRAGMA legacy_alter_table = ON")
    try:
        conn.execute(f"ALTER TABLE {_quoted(temporary)} RENAME TO {_quoted(table)}")
    finally:
        conn.execute(f"PRAGMA legacy_alter_table = {int(legacy)}")
    for _, name, sql in attached:
        if name.lower() not in leave_out:
            conn.execute(sql)
    if sequence is not None and re.search(r"\bAUTOINCREMENT\b", create_sql, re.IGNORECASE):
        # AUTOINCREMENT never hands out a number twice, not even one whose row was deleted.
        top = conn.execute(f"SELECT coalesce(max(rowid), 0) FROM {_quoted(table)}").fetchone()[0]
        conn.execute("DELETE FROM sqlite_sequence WHERE name = ?", (table,))
        conn.execute(
            "INSERT INTO sqlite_sequence(name, seq) VALUES (?, ?)", (table, max(sequence, top))
        )
    for (view,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'view'").fetchall():
        conn.execute(f"SELECT * FROM {_quoted(view)} LIMIT 0")  # fails now if the view broke
    return copied


def rewrite_check(db: sqlite_utils.Database, table: str, old: str, new: str) -> None:
    """Replace the text `old` by `new` in `table`'s CREATE TABLE: for CHECK constraints only.

    `old` must occur exactly once. The columns, keys and indexes must come out the same
    (otherwise use `rebuild_table`), and every row must satisfy the new constraints
    (`PRAGMA quick_check(table)`); if not, this raises and the runner rolls back.
    """
    conn = db.conn
    _require_runner(conn)
    row = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE",
        (table,),
    ).fetchone()
    if row is None:
        raise ValueError(f"there is no table {table!r} to change")
    if row[0].count(old) != 1:
        raise ValueError(f"{old!r} occurs {row[0].count(old)} times in {table}, not once")
    new_sql = row[0].replace(old, new)
    shape = _shape(conn, table)
    try:
        _edit_schema(conn, table, new_sql)
    except sqlite3.OperationalError as exc:
        if "may not be modified" not in str(exc):  # SQLITE_DBCONFIG_DEFENSIVE: no editing
            raise
        rebuild_table(db, table, new_sql)
        return
    if _shape(conn, table) != shape:
        raise ValueError(f"the new text changes more than {table}'s constraints: use rebuild_table")
    problems = [r[0] for r in conn.execute(f"PRAGMA quick_check({_quoted(table)})")]
    if problems != ["ok"]:
        raise ValueError(f"rows of {table} break the new constraints: {problems[0]}")


def _edit_schema(conn: sqlite3.Connection, table: str, sql: str) -> None:
    """Steps 2–8 of the simpler procedure; the schema version bump makes SQLite reread it."""
    version = conn.execute("PRAGMA schema_version").fetchone()[0]
    conn.execute("PRAGMA writable_schema = ON")
    try:
        conn.execute(
            "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ? COLLATE NOCASE",
            (sql, table),
        )
        conn.execute(f"PRAGMA schema_version = {version + 1}")
    finally:
        conn.execute("PRAGMA writable_schema = OFF")


def _require_runner(conn: sqlite3.Connection) -> None:
    if not conn.in_transaction:
        raise RuntimeError("reshape a table only inside a migration (the runner's transaction)")


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    """Stored columns (generated ones are computed, never copied)."""
    return [r[1] for r in conn.execute(f"PRAGMA table_xinfo({_quoted(table)})") if r[6] == 0]


def _has_rowid(conn: sqlite3.Connection, table: str) -> bool:
    if "rowid" in (c.lower() for c in _columns(conn, table)):
        return False  # a column called rowid hides the real one; it is copied by name
    try:
        conn.execute(f"SELECT rowid FROM {_quoted(table)} LIMIT 0")
    except sqlite3.OperationalError:  # WITHOUT ROWID
        return False
    return True


def _sequence(conn: sqlite3.Connection, table: str) -> int | None:
    try:
        row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = ?", (table,)).fetchone()
    except sqlite3.OperationalError:  # no AUTOINCREMENT table in this file
        return None
    return row[0] if row else None


def _shape(conn: sqlite3.Connection, table: str) -> tuple[list, ...]:
    quoted = _quoted(table)
    return tuple(
        conn.execute(f"PRAGMA {pragma}({quoted})").fetchall()
        for pragma in ("table_xinfo", "foreign_key_list", "index_list")
    )
