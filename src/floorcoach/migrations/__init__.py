"""Schema migrations: one module per step, `vNNNN_name.py`, each with VERSION and upgrade().

The store runs every step above the database's `user_version`, in order, all in ONE
transaction with foreign keys off (see `foreign_keys_off`), and refuses the lot if they
left more rows pointing at missing rows than there were before. Modules are found by
name, so adding a step never edits a shared file. To change a table's columns or
constraints, use `floorcoach.migrations.reshape`, never sqlite-utils' `transform()`.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # sqlite-utils costs ~50 ms to import: only a migration needs it
    import sqlite_utils

_MODULE_NAME = re.compile(r"^v(\d{4})_\w+$")


@cache
def latest_version() -> int:
    """The newest schema this code can write, from the step modules' names (none imported)."""
    numbers = [
        int(match.group(1))
        for info in pkgutil.iter_modules(__path__)
        if (match := _MODULE_NAME.match(info.name))
    ]
    return max(numbers)


@cache
def load_migrations() -> dict[int, Callable[[sqlite_utils.Database], None]]:
    steps: dict[int, Callable[[sqlite_utils.Database], None]] = {}
    for info in pkgutil.iter_modules(__path__):
        match = _MODULE_NAME.match(info.name)
        if not match:
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if int(match.group(1)) != module.VERSION or module.VERSION in steps:
            raise RuntimeError(f"migration module {info.name} has a wrong or duplicate VERSION")
        steps[module.VERSION] = module.upgrade
    return steps


def run_script(db: sqlite_utils.Database, script: str) -> None:
    """Run several statements inside the current transaction.

    `executescript` would commit first, breaking the runner's one transaction for all steps.
    """
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            db.conn.execute(pending)
            pending = ""
    if pending.strip():
        raise ValueError(f"incomplete SQL statement in migration: {pending.strip()[:60]}")


# --- the runner's guard -------------------------------------------------------------------


class UpgradeRefused(Exception):
    """The steps ran but left the file worse than they found it; the runner rolls back."""


@contextmanager
def foreign_keys_off(conn: sqlite3.Connection) -> Iterator[None]:
    """Foreign keys off for the block, back on afterwards, both checked.

    A table rebuild drops the old table; with foreign keys on, that DROP deletes every row
    first and fires ON DELETE CASCADE / SET NULL in the tables that point at it (measured:
    every `coaching_observation` link gone, every follow-up result cleared, and
    `foreign_key_check` found nothing wrong since the children were "repaired" by the
    cascade). SQLite ignores `PRAGMA foreign_keys` inside a transaction, without an error,
    so this must wrap the transaction, and it reads the setting back rather than trust it.
    """
    if conn.in_transaction or _set_foreign_keys(conn, False):
        raise RuntimeError("foreign keys can only be switched off outside a transaction")
    try:
        yield
    finally:
        if not _set_foreign_keys(conn, True):  # never hand back a connection without them
            raise RuntimeError("foreign keys could not be switched back on")


def _set_foreign_keys(conn: sqlite3.Connection, on: bool) -> bool:
    conn.execute(f"PRAGMA foreign_keys = {'ON' if on else 'OFF'}")
    return bool(conn.execute("PRAGMA foreign_keys").fetchone()[0])


def broken_references(conn: sqlite3.Connection) -> Counter[tuple[str, str]]:
    """Rows that point at a missing row, counted per (table, table it points at)."""
    return Counter((row[0], row[2]) for row in conn.execute("PRAGMA foreign_key_check"))


def refuse_new_broken_references(
    conn: sqlite3.Connection, before: Counter[tuple[str, str]]
) -> None:
    """Raise UpgradeRefused if any table has more dangling references than `before`.

    Counted per pair of tables, not per row: a rebuild may renumber rowids, and a file that
    was already damaged must still be able to upgrade, as long as no step made it worse.
    """
    after = broken_references(conn)
    worse = [
        f"{count - before[pair]} more rows of {pair[0]} point to a missing {pair[1]} row"
        for pair, count in sorted(after.items())
        if count > before[pair]
    ]
    if worse:
        raise UpgradeRefused("after the upgrade, " + "; ".join(worse))
