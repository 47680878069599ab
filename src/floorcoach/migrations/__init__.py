"""Schema migrations: one module per step, `vNNNN_name.py`, each with VERSION and upgrade().

The store runs every step above the database's `user_version`, in order, each in its own
transaction. Modules are found by name, so adding a step never edits a shared file.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import sqlite3
from collections.abc import Callable
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

    `executescript` would commit first, breaking the one-transaction-per-migration rule.
    """
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            db.conn.execute(pending)
            pending = ""
    if pending.strip():
        raise ValueError(f"incomplete SQL statement in migration: {pending.strip()[:60]}")
