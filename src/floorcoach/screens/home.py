"""The shift's home screen: today's observations and the keys that matter on the floor."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from floorcoach import clock
from floorcoach.display import safe_text

QUICK_KEYS = """\
o / ctrl+o  log an observation
a           another for the same person
e           employees
ctrl+p      every screen and action
ctrl+q      quit"""


class HomeScreen(Screen):
    BINDINGS = [
        Binding("o", "app.log_observation", "Log observation", id="log"),
        Binding("a", "app.log_again", "Again, same person", id="log-again"),
        Binding("e", "app.show_employees", "Employees", id="employees"),
        Binding("enter", "open_employee", "Open employee", id="open-employee", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._rows: list = []

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="home-body"):
            with Vertical(id="today-panel"):
                yield Static("Today", id="today-title", classes="panel-title")
                yield DataTable(id="today", cursor_type="row", zebra_stripes=True)
            with Vertical(id="side-panel"):
                yield Static("Quick keys", classes="panel-title")
                yield Static(Text(QUICK_KEYS), id="quick-keys")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#today", DataTable)
        table.add_columns("Time", "Employee", "Behaviour", "Outcome", "Note")
        table.loading = True
        self.refresh_data()

    def on_screen_resume(self) -> None:
        self.refresh_data()

    def refresh_data(self) -> None:
        if not getattr(self.app, "ready", False):
            return
        from floorcoach.observations import observations_on

        day = clock.today()
        self.app.run_db(
            lambda store: observations_on(store, day),
            done=self._show_today,
            group="home",
            exclusive=True,
        )

    def _show_today(self, observations: list) -> None:
        self._rows = observations
        table = self.query_one("#today", DataTable)
        table.loading = False
        table.clear()
        for obs in observations:
            table.add_row(
                f"{clock.to_local(obs.observed_at):%H:%M}",
                Text(safe_text(obs.employee_name)),
                Text(safe_text(obs.behaviour_title, limit=50)),
                _outcome_text(obs.outcome.value, obs.cause.value if obs.cause else None),
                Text(safe_text(obs.note, limit=60)),
                key=obs.id,
            )
        count = len(observations)
        title = f"Today, {clock.today():%A %d %B}: {count} observation{'s' * (count != 1)}"
        if not count:
            title += " — press o to log the first one"
        self.query_one("#today-title", Static).update(Text(title))

    def action_open_employee(self) -> None:
        table = self.query_one("#today", DataTable)
        if not self._rows or table.cursor_row is None:
            return
        observation = self._rows[table.cursor_row]
        from floorcoach.employees import get_employee

        self.app.run_db(
            lambda store: get_employee(store, observation.employee_id), done=self.app.open_employee
        )

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open_employee()


def _outcome_text(outcome: str, cause: str | None) -> Text:
    style = {"met": "green", "exceeded": "bold cyan", "missed": "red"}.get(outcome, "")
    label = outcome + (f" ({cause})" if cause else "")
    return Text(label, style=style)
