"""Put a page of rows in a DataTable, each row keyed by its record's id, sized at once.

DataTable measures every cell as a row is added (about 0.4 s per 1,000 rows of six
columns here), so screens pass a page, never everything. Measured here, adding a page
in one go stalls input less than spreading it over several frames (docs/performance.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual.widgets import DataTable

Row = tuple[Sequence[Any], str | None]  # (cells, row key)


def fill_table(table: DataTable, rows: Sequence[Row], *, clear: bool = True) -> None:
    """Replace (or, with `clear=False`, extend) the table's rows."""
    if clear:
        table.clear()
    for cells, key in rows:
        table.add_row(*cells, key=key)
    measure_now(table)


def measure_now(table: DataTable) -> None:
    """Size the columns for the rows just added now, not on the table's next idle.

    Textual 8.2 widens the columns for new rows only when the table's message queue next
    runs empty. A frame painted before that caches every cell cut to its header's width,
    and the cache keeps them so until something else changes: on a busy machine a list
    could show "Amir", "010", "Elec" until the cursor moved. This does the idle step's
    work (the same private calls, for the pinned Textual) right after the rows go in.
    """
    if table._require_update_dimensions:
        table._require_update_dimensions = False
        new_rows = table._new_rows.copy()
        table._new_rows.clear()
        table._update_dimensions(new_rows)
