"""The shift's home screen: today's observations and the keys that matter on the floor."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from floorcoach import clock
from floorcoach.safe_text import safe_text
from floorcoach.widgets.palette_entry import PaletteEntry
from floorcoach.widgets.record_text import due_counts, due_label, outcome_text
from floorcoach.widgets.records_changed import Records, ShowsRecords
from floorcoach.widgets.table_fill import Column, FittedTable

TODAY_ROWS = 60  # a shift's worth; the title gives the full count

# Who and how it went stay at any width; then what was seen, who recorded it (only when
# someone else recorded some: on a joined device, others' records about my teams), when,
# and the note.
TODAY_COLUMNS = (
    Column("time", "Time", priority=5, min_width=5),
    Column("employee", "Employee", priority=1, min_width=10, wants=20, max_width=28),
    Column("behaviour", "Behaviour", priority=3, min_width=16, wants=24),
    Column("outcome", "Outcome", priority=2, min_width=15),
    Column("by", "By", priority=4, min_width=8, wants=14, max_width=20, when_filled=True),
    Column("note", "Note", priority=6, min_width=16, max_width=80),
)

QUICK_KEYS = """\
o / ctrl+o  log an observation
a           another for the same person
e           employees
f           follow-ups
k           coach on this row
n           observe who's next
r           team review
?           every key here
ctrl+p      every screen and action
ctrl+q      quit"""


class HomeScreen(ShowsRecords, Screen):
    PALETTE = (
        PaletteEntry(
            "Home: today's shift",
            "Today's observations and quick keys",
            rank=30,
            action="show_home",
        ),
    )

    BINDINGS = [
        Binding("o", "app.log_observation", "Log", id="log", tooltip="log an observation"),
        Binding(
            "a", "app.log_again", "Again", id="log-again", tooltip="another for the same person"
        ),
        Binding("e", "app.show_employees", "Employees", id="employees"),
        Binding("f", "app.push('followups:FollowUpsScreen')", "Follow-ups", id="follow-ups"),
        Binding(
            "r",
            "app.push('team_review:TeamReviewScreen')",
            "Team review",
            id="team-review",
            show=False,  # the footer fits 80 columns; `?` lists the rest
        ),
        Binding(
            "k",
            "coach",
            "Coach",
            id="coach-from-today",
            show=False,
            tooltip="coach the person of the selected observation",
        ),
        Binding(
            "n",
            "observe_next",
            "Who's next",
            id="observe-next",
            show=False,
            tooltip="log an observation of the first person in Who's next",
        ),
    ]

    # Side by side when there is room for both; below 140 columns the today table takes
    # the whole width (its note stays on view at 120) and the panels sit under it.
    HORIZONTAL_BREAKPOINTS = [(0, "-stacked"), (140, "-side-by-side")]

    # Today's observations, follow-ups due, recognition : correction, who's next.
    SHOWS = frozenset(
        {Records.OBSERVATIONS, Records.COACHING, Records.FOLLOW_UPS, Records.EMPLOYEES}
    )

    def __init__(self) -> None:
        super().__init__()
        self._rows: list = []

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="home-body"):
            with Vertical(id="today-panel"):
                yield Static("Today", id="today-title", classes="panel-title")
                yield FittedTable(
                    TODAY_COLUMNS,
                    enter="Open the employee",
                    enter_in_footer=False,  # the footer fits 80 columns; `?` lists it
                    id="today",
                    cursor_type="row",
                    zebra_stripes=True,
                )
            with Vertical(id="side-panel"):
                with Vertical(id="coaching-side", classes="side-part"):
                    yield Static("Follow-ups", classes="panel-title", id="follow-ups-title")
                    yield Static("", id="follow-ups-panel")
                    yield Static("", id="recognition-ratio")
                with Vertical(id="next-side", classes="side-part"):
                    yield Static("Who's next", classes="panel-title", id="whos-next-title")
                    yield Static("", id="whos-next")
                with Vertical(id="keys-side", classes="side-part"):
                    yield Static("Quick keys (? lists them all)", classes="panel-title")
                    yield Static(Text(QUICK_KEYS), id="quick-keys")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#today", FittedTable)
        table.loading = True
        self.refresh_data()

    def on_screen_resume(self) -> None:
        self.refresh_data()

    def refresh_data(self) -> None:
        if not getattr(self.app, "ready", False):
            return
        from floorcoach.observations import count_on, observations_on

        day = clock.today()
        self.app.run_db(
            lambda store: (observations_on(store, day, limit=TODAY_ROWS), count_on(store, day)),
            done=self._show_today,
            group="home",
            exclusive=True,
        )
        self._refresh_coaching_panel()
        self._refresh_whos_next()

    def _refresh_coaching_panel(self) -> None:
        """Overdue and due-today follow-ups, and this supervisor's recognition : correction."""
        from datetime import timedelta

        from floorcoach.coaching_progress import recognition_counts
        from floorcoach.followups import followup_summary

        today = clock.today()
        supervisor = self.app.supervisor
        self.app.run_db(
            lambda store: (
                followup_summary(store, today, limit=6),
                recognition_counts(
                    store,
                    date_from=today - timedelta(days=29),
                    date_to=today,
                    supervisor=supervisor,
                ),
            ),
            done=self._show_coaching_panel,
            group="home-coaching",
            exclusive=True,
        )

    def _show_coaching_panel(self, result) -> None:
        from floorcoach.coaching_progress import describe_ratio

        summary, (recognition, correction) = result
        today = clock.today()
        self.query_one("#follow-ups-title", Static).update(
            Text(f"Follow-ups: {due_counts(summary)}")
        )
        text = Text()
        for item in summary.items:
            text.append_text(due_label(item.due, today))
            text.append(f"  {safe_text(item.employee_name, limit=22)}\n")
            text.append(f"   {safe_text(item.behaviour_title, limit=34)}\n", style="dim")
        more = summary.overdue + summary.due_today - len(summary.items)
        if more > 0:
            text.append(f"… and {more} more (f)\n")
        if not summary.items:
            text.append(f"Nothing due; {summary.upcoming} upcoming (f)\n", style="dim")
        text.rstrip()
        self.query_one("#follow-ups-panel", Static).update(text)
        self.query_one("#recognition-ratio", Static).update(
            Text(f"Yours, last 30 days:\n{describe_ratio(recognition, correction)}")
        )

    def action_coach(self) -> None:
        from floorcoach.employees import get_employee
        from floorcoach.screens.coaching_form import CoachingForm

        table = self.query_one("#today", DataTable)
        if not self._rows or table.cursor_row is None:
            self.notify("Select an observation first, or press k on an employee's page")
            return
        observation = self._rows[min(table.cursor_row, len(self._rows) - 1)]
        self.app.run_db(
            lambda store: get_employee(store, observation.employee_id),
            done=lambda employee: self.app.push_screen(
                CoachingForm(employee=employee, observation=observation)
            ),
        )

    def _show_today(self, result: tuple[list, int]) -> None:
        observations, count = result
        self._rows = observations
        table = self.query_one("#today", FittedTable)
        table.loading = False
        me = self.app.supervisor
        rows = [
            (
                (
                    f"{clock.to_local(obs.observed_at):%H:%M}",
                    Text(safe_text(obs.employee_name)),
                    Text(safe_text(obs.behaviour_title)),
                    outcome_text(obs.outcome.value, obs.cause.value if obs.cause else None),
                    Text(safe_text(obs.supervisor) if obs.supervisor != me else ""),
                    Text(safe_text(obs.note, limit=200)),
                ),
                obs.id,
            )
            for obs in observations
        ]
        table.show(rows)
        title = f"Today, {clock.today():%A %d %B}: {count} observation{'s' * (count != 1)}"
        if count > len(observations):
            title += f" (the latest {len(observations)} shown)"
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

    # --- who's next (trends) ------------------------------------------------------------

    def _refresh_whos_next(self) -> None:
        """Whom to observe this shift: least recently observed, fewest lately."""
        from floorcoach.trends import whos_next

        self.app.run_db(
            lambda store: whos_next(store, limit=5),
            done=self._show_whos_next,
            group="home-whos-next",
            exclusive=True,
        )

    def _show_whos_next(self, suggestions: list) -> None:
        self._next = suggestions
        text = Text()
        for suggestion in suggestions:
            text.append(safe_text(suggestion.name, limit=24), style="bold")
            text.append(f"  {suggestion.reason}\n", style="dim")
        if not suggestions:
            text.append("No one on the roster yet\n", style="dim")
        else:
            text.append("n observes the first one\n", style="dim")
        self.query_one("#whos-next", Static).update(text)

    def action_observe_next(self) -> None:
        from floorcoach.employees import get_employee

        suggestions = getattr(self, "_next", [])
        if not suggestions:
            self.notify("No one to suggest yet; add people under Employees (e)", timeout=3)
            return
        self.app.run_db(
            lambda store: get_employee(store, suggestions[0].employee_id),
            done=self.app.action_log_observation,
        )
