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


async def test_home_names_who_recorded_a_row_only_when_someone_else_recorded_some(
    db_path, store, team
):
    """A lead's device holds other supervisors' records: home's today list says whose
    they are (blank: yours); with only your own records the column is not there."""
    from floorcoach.models import ObservationInput
    from floorcoach.observations import log_observation
    from floorcoach.screens.home import HomeScreen
    from floorcoach.widgets.table_fill import FittedTable

    from .conftest import SUPERVISOR

    def log(supervisor: str) -> None:
        log_observation(
            store,
            ObservationInput(
                employee_id=team[0].id, behaviour_id="greeting.eye-contact", outcome="met"
            ),
            supervisor=supervisor,
        )

    async def shown() -> tuple[tuple[str, ...], list[str]]:
        app = FloorcoachApp(db_path=db_path)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_ready(app, pilot)
            screen = await wait_for_screen(app, pilot, HomeScreen)
            table = screen.query_one("#today", FittedTable)
            columns = table.shown_columns
            by = (
                [str(table.get_cell_at((r, columns.index("by")))) for r in range(table.row_count)]
                if "by" in columns
                else []
            )
            return columns, by

    log(SUPERVISOR)
    columns, _ = await shown()
    assert "by" not in columns and "time" in columns
    log("Bob Stone")
    columns, by = await shown()
    assert columns[:5] == ("time", "employee", "behaviour", "outcome", "by")  # at 80 wide
    assert sorted(by) == ["", "Bob Stone"]
