"""Put a page of rows in a DataTable, each row keyed by its record's id.

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
