"""One person: who they are and their observation timeline, newest first."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from floorcoach import clock
from floorcoach.display import safe_text
from floorcoach.models import Employee, Observation
from floorcoach.screens.home import _outcome_text
from floorcoach.widgets.confirm import ConfirmDialog

TIMELINE_PAGE = 100


class EmployeePage(Screen):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="back"),
        Binding("o", "log", "Log observation", id="log-for-employee"),
        Binding("c", "correct", "Correct", id="correct-observation"),
        Binding("h", "history", "History", id="observation-history"),
        Binding("delete,ctrl+d", "delete", "Delete", id="delete-observation"),
        Binding("m", "more", "Older", id="more-observations"),
    ]

    def __init__(self, employee: Employee) -> None:
        super().__init__()
        self.employee = employee
        self._observations: list[Observation] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="employee-header")
        yield Static("", id="timeline-title", classes="panel-title")
        yield DataTable(id="timeline", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = safe_text(self.employee.name)
        table = self.query_one("#timeline", DataTable)
        table.add_columns("When", "Touch point", "Behaviour", "Outcome", "Note", "By")
        self._show_header()
        self.refresh_data()
        table.focus()

    def on_screen_resume(self) -> None:
        self.refresh_data()

    def _show_header(self) -> None:
        e = self.employee
        text = Text(safe_text(e.name), style="bold")
        text.append(
            f"   ref {safe_text(e.employee_ref or '–')}   team {safe_text(e.team or '–')}", style=""
        )
        if not e.active:
            text.append("   inactive", style="dim")
        self.query_one("#employee-header", Static).update(text)

    def refresh_data(self) -> None:
        from floorcoach.employees import get_employee
        from floorcoach.observations import count_observations, employee_timeline

        employee_id = self.employee.id

        def job(store):
            return (
                get_employee(store, employee_id),
                employee_timeline(store, employee_id, limit=TIMELINE_PAGE),
                count_observations(store, employee_id),
            )

        self.app.run_db(job, done=self._show, group=f"timeline-{employee_id}", exclusive=True)

    def _show(self, result) -> None:
        self.employee, observations, total = result
        self._show_header()
        self._observations = []
        self.query_one("#timeline", DataTable).clear()
        self._append(observations, total)

    def _append(self, observations: list[Observation], total: int) -> None:
        table = self.query_one("#timeline", DataTable)
        for obs in observations:
            table.add_row(
                f"{clock.to_local(obs.observed_at):%Y-%m-%d %H:%M}",
                Text(safe_text(obs.touch_point, limit=24)),
                Text(safe_text(obs.behaviour_title, limit=48)),
                _outcome_text(obs.outcome.value, obs.cause.value if obs.cause else None),
                Text(("★ " if obs.story else "") + safe_text(obs.note, limit=60)),
                Text(safe_text(obs.supervisor, limit=20)),
                key=obs.id,
            )
        self._observations += observations
        shown = len(self._observations)
        title = f"Observations: {total}"
        if shown < total:
            title += f" (showing the latest {shown}; m for older)"
        self.query_one("#timeline-title", Static).update(Text(title))

    def action_more(self) -> None:
        from floorcoach.observations import count_observations, employee_timeline

        if not self._observations:
            return
        before = clock.utc_text(self._observations[-1].observed_at)
        employee_id = self.employee.id
        self.app.run_db(
            lambda store: (
                employee_timeline(store, employee_id, before=before, limit=TIMELINE_PAGE),
                count_observations(store, employee_id),
            ),
            done=lambda result: self._append(*result),
        )

    def _selected(self) -> Observation | None:
        table = self.query_one("#timeline", DataTable)
        if not self._observations or table.cursor_row is None:
            return None
        return self._observations[min(table.cursor_row, len(self._observations) - 1)]

    def action_log(self) -> None:
        if not self.employee.active:
            self.notify(f"{safe_text(self.employee.name)} is inactive", markup=False)
            return
        self.app.action_log_observation(self.employee)

    def action_correct(self) -> None:
        from floorcoach.screens.observation_form import ObservationForm

        observation = self._selected()
        if observation is not None:
            self.app.push_screen(ObservationForm(editing=observation))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_correct()

    def action_history(self) -> None:
        from floorcoach.observations import history
        from floorcoach.screens.history import HistoryScreen

        observation = self._selected()
        if observation is None:
            return
        self.app.run_db(
            lambda store: history(store, "observation", observation.id),
            done=lambda entries: self.app.push_screen(HistoryScreen(entries)),
        )

    def action_delete(self) -> None:
        from floorcoach.observations import delete_observation

        observation = self._selected()
        if observation is None:
            return
        by = self.app.supervisor

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            self.app.run_db(
                lambda store: delete_observation(
                    store, observation.id, by=by, expected_version=observation.version
                ),
                done=lambda _: (
                    self.notify("Deleted; the history keeps a record of it"),
                    self.refresh_data(),
                ),
            )

        self.app.push_screen(
            ConfirmDialog(
                f"Delete this observation of {observation.behaviour_title} "
                f"({observation.outcome.value})? The history keeps what it said.",
                yes="Delete",
            ),
            answered,
        )
