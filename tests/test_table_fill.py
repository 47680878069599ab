"""Tables are sized for their rows the moment the rows go in, not on a later idle."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from floorcoach.app import FloorcoachApp
from floorcoach.screens.employees import EmployeesScreen
from floorcoach.widgets.table_fill import fill_table

from .pilot import press_all, wait_for_screen, wait_ready

LONG_NAME = "Maximiliane Oyelaran-Fitzgerald"


async def test_a_filled_table_is_sized_before_anything_is_painted(db_path, team):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await press_all(app, pilot, "e")
        screen = await wait_for_screen(app, pilot, EmployeesScreen)
        table = screen.query_one("#employees", DataTable)
        # No await between filling and looking: no idle, no frame has run in between.
        fill_table(table, [((Text(LONG_NAME), "000123", "Fashion", "active"), "someone")])
        name_column = table.ordered_columns[0]
        assert name_column.content_width == len(LONG_NAME)
        assert table.virtual_size.width >= len(LONG_NAME) + len("000123") + len("Fashion")
