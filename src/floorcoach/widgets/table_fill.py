"""Put a page of rows in a DataTable, each row keyed by its record's id, sized at once.

DataTable measures every cell as a row is added (about 0.4 s per 1,000 rows of six
columns here), so screens pass a page, never everything. Measured here, adding a page
in one go stalls input less than spreading it over several frames (docs/performance.md).

A table loaded again (a save, a write from another process) keeps its cursor on the same
record and its scroll position: the rows are replaced within one frame, so nothing blinks.

`FittedTable` fits its columns to the room it has: at 80 columns the ones a supervisor
reads first stay and the others give way; at 160 the long ones (behaviour titles, notes)
get the room instead of being cut at a fixed length.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.widgets import DataTable

Row = tuple[Sequence[Any], str | None]  # (cells, row key)


def fill_table(table: DataTable, rows: Sequence[Row], *, clear: bool = True) -> None:
    """Replace (or, with `clear=False`, extend) the table's rows, keeping the cursor's record."""
    kept = _cursor_key(table) if clear else None
    scroll_y = table.scroll_y
    if clear:
        table.clear()
    for cells, key in rows:
        table.add_row(*cells, key=key)
    measure_now(table)
    if kept is not None and kept in table.rows:
        table.move_cursor(row=table.get_row_index(kept), scroll=False)
        table.scroll_to(y=scroll_y, animate=False, immediate=True)


def _cursor_key(table: DataTable) -> Any:
    if not table.row_count or not table.is_valid_row_index(table.cursor_row):
        return None
    return table.coordinate_to_cell_key((table.cursor_row, 0)).row_key


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


@dataclass(frozen=True)
class Column:
    """A column of a `FittedTable`.

    `priority` 1 is the last to give way when the table is narrow. `min_width` is the
    least it is shown at (cut with "…"); `wants` the width it gets before any less
    important column is shown; `max_width` the most it takes (None: its widest cell).
    `when_filled`: shown only while some row has something in it (who recorded a row,
    on a device that holds others' records too).
    """

    key: str
    label: str
    priority: int
    min_width: int
    wants: int = 0
    max_width: int | None = None
    when_filled: bool = False


class FittedTable(DataTable):
    """A DataTable that shows the columns that fit, most important first, cut to fit.

    Screens give every cell of every row (`show`); the table decides, whenever its rows
    or its width change, which columns it shows and how wide each is.
    """

    def __init__(
        self,
        columns: Sequence[Column],
        *,
        enter: str | None = None,
        enter_in_footer: bool = True,
        **kwargs,
    ) -> None:
        """`enter` names what Enter does on a row, for the footer and the `?` list (the
        DataTable's own Enter binding has no name, and hides any screen binding for it)."""
        super().__init__(**kwargs)
        if enter is not None:
            self._bindings.key_to_bindings["enter"] = [
                Binding("enter", "select_cursor", enter, id="open-row", show=enter_in_footer)
            ]
        self.fitted_columns = tuple(columns)
        self._all_rows: list[Row] = []
        self._layout: tuple[tuple[str, int], ...] = ()

    @property
    def shown_columns(self) -> tuple[str, ...]:
        """The keys of the columns on view, in table order."""
        return tuple(key for key, _ in self._layout)

    def show(self, rows: Sequence[Row]) -> None:
        """Show these rows (cells in the order of the columns given), cursor kept."""
        self._all_rows = list(rows)
        self._draw()

    def on_mount(self) -> None:
        self._draw()

    def on_resize(self, event: events.Resize) -> None:
        if self._fit() != self._layout:
            self._draw()

    def _draw(self) -> None:
        layout = self._fit()
        if layout != self._layout:
            kept, scroll_y = _cursor_key(self), self.scroll_y
            self.clear(columns=True)
            for key, width in layout:
                column = self._column(key)
                self.add_column(Text(column.label), key=key, width=width)
            self._layout = layout
            self._fill(kept, scroll_y)
            return
        self._fill(_cursor_key(self), self.scroll_y)

    def _fill(self, kept: Any, scroll_y: float) -> None:
        index = {column.key: i for i, column in enumerate(self.fitted_columns)}
        cut = [(index[key], width) for key, width in self._layout]
        self.clear()
        for cells, key in self._all_rows:
            self.add_row(*(_cut(cells[i], width) for i, width in cut), key=key)
        measure_now(self)
        if kept is not None and kept in self.rows:
            self.move_cursor(row=self.get_row_index(kept), scroll=False)
            self.scroll_to(y=scroll_y, animate=False, immediate=True)

    def _column(self, key: str) -> Column:
        return next(column for column in self.fitted_columns if column.key == key)

    def _room(self) -> int:
        width = self.size.width
        if len(self._all_rows) + self.header_height > self.size.height:
            width -= self.styles.scrollbar_size_vertical
        return width

    def _fit(self) -> tuple[tuple[str, int], ...]:
        """(key, width) of the columns that fit, in table order.

        In priority order, a column is shown if it fits at its least beside the room the
        more important ones want; then each gets what it wants, then its widest, most
        important first, while room is left.
        """
        pad = 2 * self.cell_padding
        widest = {}
        empty = set()
        for i, column in enumerate(self.fitted_columns):
            cells = [_width(cells[i]) for cells, _ in self._all_rows]
            if column.when_filled and not any(cells):
                empty.add(column.key)
            widest[column.key] = min(
                max([Text(column.label).cell_len, *cells]), column.max_width or 1_000
            )
        columns = [c for c in self.fitted_columns if c.key not in empty]
        room = self._room()
        if room <= 0:  # not laid out yet: everything, as wide as it needs
            return tuple((c.key, widest[c.key]) for c in columns)
        by_priority = sorted(columns, key=lambda c: c.priority)
        widths: dict[str, int] = {}
        reserved = 0
        for column in by_priority:
            least = min(column.min_width, widest[column.key])
            if reserved + least + pad <= room:
                widths[column.key] = least
                reserved += max(least, min(column.wants, widest[column.key])) + pad
        left = room - sum(widths.values()) - pad * len(widths)
        for target in (lambda c: min(c.wants, widest[c.key]), lambda c: widest[c.key]):
            for column in by_priority:
                if column.key in widths and left > 0:
                    extra = min(max(0, target(column) - widths[column.key]), left)
                    widths[column.key] += extra
                    left -= extra
        return tuple((c.key, widths[c.key]) for c in columns if c.key in widths)


def _width(cell: Any) -> int:
    return cell.cell_len if isinstance(cell, Text) else Text(str(cell)).cell_len


def _cut(cell: Any, width: int) -> Any:
    """The cell, ending in "…" if it is wider than its column."""
    if _width(cell) <= width:
        return cell
    text = cell.copy() if isinstance(cell, Text) else Text(str(cell))
    text.truncate(width, overflow="ellipsis")
    return text
