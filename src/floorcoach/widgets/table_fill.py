"""Fill a DataTable a batch at a time, so a page of rows never blocks typing.

DataTable measures every cell as a row is added (about 0.4 s per 1,000 rows of six
columns here). Adding a page in one go freezes input for that long; adding it a batch
per frame keeps every stall short while the first screenful appears at once.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any

from textual.widgets import DataTable

BATCH = 25

Row = tuple[Sequence[Any], str | None]  # (cells, row key)

_filling: weakref.WeakKeyDictionary[DataTable, object] = weakref.WeakKeyDictionary()


def fill_table(table: DataTable, rows: Sequence[Row], *, clear: bool = True) -> None:
    """Replace (or, with `clear=False`, extend) the rows; a newer fill cancels an older one."""
    token = object()
    _filling[table] = token
    if clear:
        table.clear()

    def add_from(start: int) -> None:
        if _filling.get(table) is not token:
            return  # a newer fill took over
        for cells, key in rows[start : start + BATCH]:
            table.add_row(*cells, key=key)
        if start + BATCH < len(rows):
            table.call_after_refresh(add_from, start + BATCH)
        else:
            _filling.pop(table, None)

    add_from(0)


def filling() -> bool:
    """True while any table is still being filled (tests wait for this)."""
    return bool(_filling)
