"""One person: who they are and their timeline, newest first — observations and coaching
sessions interleaved, with the coaching summary (follow-ups, recognition : correction,
did the last coaching stick) on top."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from floorcoach import clock
from floorcoach.models import Employee, Observation
from floorcoach.safe_text import safe_text
from floorcoach.widgets.read_only import unless_read_only
from floorcoach.widgets.record_text import outcome_text
from floorcoach.widgets.records_changed import Records, ShowsRecords
from floorcoach.widgets.table_fill import Column, FittedTable
from floorcoach.widgets.trend_grid import TrendGrid

TIMELINE_PAGE = 100
# What was seen and how it went stay at any width; the note comes next (on view at 120).
TIMELINE_COLUMNS = (
    Column("when", "When", priority=1, min_width=16),
    Column("behaviour", "Behaviour", priority=2, min_width=16, wants=34),
    Column("outcome", "Outcome", priority=3, min_width=12, wants=15),
    Column("note", "Note", priority=4, min_width=16, wants=30, max_width=80),
    Column("touch_point", "Touch point", priority=6, min_width=12, max_width=28),
    Column("by", "By", priority=5, min_width=8, max_width=20),
)


class EmployeePage(ShowsRecords, Screen):
    BINDINGS = [
        # The footer fits 80 columns; `?` lists the rest.
        Binding("escape", "app.pop_screen", "Back", id="back"),
        Binding("o", "log", "Log", id="log-for-employee", tooltip="log an observation"),
        Binding(
            "k",
            "coach",
            "Coach",
            id="coach-employee",
            tooltip="coach (prefilled from the selected observation)",
        ),
        Binding("t", "toggle_trend", "Trend", id="toggle-trend", tooltip="trend or timeline"),
        Binding(
            "c", "correct", "Correct", id="correct-observation", tooltip="correct the observation"
        ),
        Binding("h", "history", "History", id="observation-history", show=False),
        Binding("delete,ctrl+d", "delete", "Delete", id="delete-observation", show=False),
        Binding("m", "more", "Older entries", id="more-observations", show=False),
        Binding("w", "widen_trend", "12 / 52 weeks", id="widen-trend", show=False),
        Binding("ctrl+x", "erase", "Erase (data request)", id="erase-employee", show=False),
    ]

    def __init__(self, employee: Employee) -> None:
        super().__init__()
        self.employee = employee
        self._observations: list[Observation] = []
        self._entries: list = []  # coaching_progress.TimelineEntry rows, in table order
        self._rows: list = []  # their cells, every column (the table shows those that fit)
        self.erased = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="employee-header")
        yield Static("", id="coaching-summary")
        yield Static("", id="timeline-title", classes="panel-title")
        yield FittedTable(TIMELINE_COLUMNS, id="timeline", cursor_type="row", zebra_stripes=True)
        trend = TrendGrid(self.employee.id, id="trend")
        trend.display = False  # `t` switches between the timeline and the trend
        yield trend
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = safe_text(self.employee.name)
        table = self.query_one("#timeline", DataTable)
        self._show_header()
        self.refresh_data()
        table.focus()

    def on_screen_resume(self) -> None:
        if not self.erased:  # nothing left to load once the person is erased (ctrl+x)
            self.refresh_data()

    @property
    def records_about(self) -> str:
        return self.employee.id

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
        from floorcoach.coaching import count_coaching
        from floorcoach.coaching_progress import employee_timeline_entries
        from floorcoach.employees import get_employee
        from floorcoach.observations import count_observations

        employee_id = self.employee.id

        def job(store):
            return (
                get_employee(store, employee_id),
                employee_timeline_entries(store, employee_id, limit=TIMELINE_PAGE),
                (count_observations(store, employee_id), count_coaching(store, employee_id)),
            )

        self.app.run_db(job, done=self._show, group=f"timeline-{employee_id}", exclusive=True)
        self._refresh_trend()
        self._refresh_coaching_summary()

    def _refresh_coaching_summary(self) -> None:
        from floorcoach.coaching_progress import employee_coaching_summary

        employee_id = self.employee.id
        self.app.run_db(
            lambda store: employee_coaching_summary(store, employee_id),
            done=lambda summary: self.query_one("#coaching-summary", Static).update(
                Text(safe_text("\n".join(summary.lines()), keep_newlines=True))
            ),
            group=f"coaching-summary-{employee_id}",
            exclusive=True,
        )

    def _show(self, result) -> None:
        self.employee, entries, totals = result
        self._show_header()
        self._observations = []
        self._entries = []
        self._rows = []
        self._append(entries, totals)

    def _append(self, entries: list, totals: tuple[int, int]) -> None:
        rows = self._rows
        for entry in entries:
            obs = entry.observation
            if obs is None:
                rows.append((_coaching_cells(entry), entry.coaching.id))
                continue
            cells = (
                f"{clock.to_local(obs.observed_at):%Y-%m-%d %H:%M}",
                Text(safe_text(obs.behaviour_title)),
                outcome_text(obs.outcome.value, obs.cause.value if obs.cause else None),
                Text(("★ " if obs.story else "") + safe_text(obs.note, limit=200)),
                Text(safe_text(obs.touch_point, limit=24)),
                Text(safe_text(obs.supervisor, limit=20)),
            )
            rows.append((cells, obs.id))
        self.query_one("#timeline", FittedTable).show(rows)
        self._entries += entries
        self._observations += [e.observation for e in entries if e.observation is not None]
        observations, sessions = totals
        shown = len(self._entries)
        title = f"Observations: {observations} · coaching sessions: {sessions}"
        if shown < observations + sessions:
            title += f" (showing the latest {shown}; m for older)"
        title += " — k coaches on the selected observation"
        self.query_one("#timeline-title", Static).update(Text(title))

    def action_more(self) -> None:
        from floorcoach.coaching import count_coaching
        from floorcoach.coaching_progress import employee_timeline_entries
        from floorcoach.observations import count_observations

        if not self._entries:
            return
        before = clock.utc_text(self._entries[-1].at)
        employee_id = self.employee.id
        self.app.run_db(
            lambda store: (
                employee_timeline_entries(store, employee_id, before=before, limit=TIMELINE_PAGE),
                (count_observations(store, employee_id), count_coaching(store, employee_id)),
            ),
            done=lambda result: self._append(*result),
        )

    def _selected_entry(self):
        table = self.query_one("#timeline", DataTable)
        if not self._entries or table.cursor_row is None:
            return None
        return self._entries[min(table.cursor_row, len(self._entries) - 1)]

    def _selected(self) -> Observation | None:
        entry = self._selected_entry()
        return entry.observation if entry is not None else None

    def action_coach(self) -> None:
        """Coach this person; on an observation row, about that observation (prefilled)."""
        from floorcoach.screens.coaching_form import CoachingForm

        if not self.employee.active:
            self.notify(f"{safe_text(self.employee.name)} is inactive", markup=False)
            return
        self.app.push_screen(CoachingForm(employee=self.employee, observation=self._selected()))

    def action_log(self) -> None:
        if not self.employee.active:
            self.notify(f"{safe_text(self.employee.name)} is inactive", markup=False)
            return
        self.app.action_log_observation(self.employee)

    def action_correct(self) -> None:
        from floorcoach.screens.observation_form import ObservationForm

        observation = self._selected()
        if observation is not None:  # another supervisor's (pulled) says so, not a form
            unless_read_only(
                self.app,
                "observation",
                observation.id,
                lambda: self.app.push_screen(ObservationForm(editing=observation)),
            )

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        entry = self._selected_entry()
        if entry is not None and entry.coaching is not None:
            from floorcoach.screens.coaching_record import CoachingRecordScreen

            self.app.push_screen(CoachingRecordScreen(entry.coaching.id))
            return
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
        observation = self._selected()
        if observation is not None:  # another supervisor's (pulled) says so first
            unless_read_only(self.app, "observation", observation.id, self._delete)

    def _delete(self) -> None:
        from floorcoach.observations import delete_observation

        observation = self._selected()
        if observation is None:
            return
        by = self.app.supervisor
        self.app.confirm_then(
            f"Delete this observation of {observation.behaviour_title} "
            f"({observation.outcome.value})? The history keeps what it said.",
            lambda store: delete_observation(
                store, observation.id, by=by, expected_version=observation.version
            ),
            yes="Delete",
            done=lambda _: (
                self.notify("Deleted; the history keeps a record of it"),
                self.app.records_changed(
                    {Records.OBSERVATIONS, Records.FOLLOW_UPS}, employee_id=observation.employee_id
                ),
            ),
        )

    def action_erase(self) -> None:
        """Erase this person on a data-protection request; the page closes once they are gone."""
        from floorcoach.widgets.erase_dialog import EraseDialog

        employee_id = self.employee.id

        def after(result) -> None:
            if result is None:
                return
            self.erased = True
            # Told before the page closes, so the screen it uncovers loads once, on resume.
            self.app.records_changed(employee_id=employee_id, erased=True)
            if self.app.screen is self:
                self.dismiss()

        self.app.push_screen(EraseDialog(self.employee), after)

    # --- trend (weeks × behaviours) ---------------------------------------------------

    def _refresh_trend(self) -> None:
        trend = self.query_one("#trend", TrendGrid)
        if trend.display:
            trend.load(self.employee.id)

    def action_toggle_trend(self) -> None:
        """Switch between the timeline and the weeks × behaviours trend."""
        trend = self.query_one("#trend", TrendGrid)
        showing = not trend.display
        trend.display = showing
        self.query_one("#timeline").display = not showing
        self.query_one("#timeline-title").display = not showing
        if showing:
            trend.load(self.employee.id)
            trend.focus_table()
        else:
            self.query_one("#timeline").focus()

    def action_widen_trend(self) -> None:
        trend = self.query_one("#trend", TrendGrid)
        if not trend.display:
            self.action_toggle_trend()
        weeks = trend.toggle_width()
        self.notify(f"Trend: last {weeks} weeks", timeout=2)


def _coaching_cells(entry) -> tuple:
    """A coaching session as a timeline row: kind, behaviours, follow-up, did it stick."""
    session = entry.coaching
    statuses = {f.status.value.replace("_", " ") for f in session.follow_ups}
    follow_up = "follow-up " + "/".join(sorted(statuses)) if statuses else ""
    stick = entry.stick.short() if entry.stick is not None else ""
    behaviours = Text.assemble(
        ("Coaching: ", "bold magenta"),
        safe_text(", ".join(session.behaviour_titles)),
    )
    return (
        f"{clock.to_local(session.held_at):%Y-%m-%d %H:%M}",
        behaviours,
        Text(follow_up, style="yellow" if "open" in statuses else ""),
        Text(safe_text(stick, limit=200)),
        Text(f"Coaching · {session.kind.value}", style="magenta"),
        Text(safe_text(session.supervisor, limit=20)),
    )
