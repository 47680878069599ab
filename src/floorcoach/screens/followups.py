"""Follow-ups: what coaching is waiting to be seen again — overdue, due today, upcoming.

A follow-up closes itself when the next observation of that behaviour is logged; here a
supervisor can also close one by hand with a note (moved team, talked again, no longer
relevant), open the coaching record, or go and log the observation.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from floorcoach import clock
from floorcoach.safe_text import safe_text
from floorcoach.widgets.close_follow_up import close_by_hand
from floorcoach.widgets.palette_entry import PaletteEntry
from floorcoach.widgets.record_text import due_counts, due_label
from floorcoach.widgets.records_changed import Records, ShowsRecords
from floorcoach.widgets.table_fill import Column, FittedTable

PAGE = 300  # DataTable measures every cell: a page, never everything

# Who and how late stay at any width; then what about, the agreed action, the date.
FOLLOW_UP_COLUMNS = (
    Column("due", "Due", priority=5, min_width=10),
    Column("when", "", priority=2, min_width=15),
    Column("employee", "Employee", priority=1, min_width=10, wants=20, max_width=28),
    Column("behaviour", "Behaviour", priority=3, min_width=16, wants=30),
    Column("kind", "Kind", priority=6, min_width=11),  # "recognition" whole
    Column("action", "Agreed action", priority=4, min_width=14, wants=24, max_width=80),
    Column("by", "By", priority=7, min_width=8, wants=14, max_width=18),
)


class FollowUpsScreen(ShowsRecords, Screen):
    PALETTE = (
        PaletteEntry(
            "Follow-ups",
            "Coaching follow-ups: overdue, due today, upcoming (f on the home screen)",
            rank=80,
            action="jump('followups:FollowUpsScreen')",  # from the palette: replaces, not stacks
        ),
    )

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="back-from-follow-ups", show=False),
        Binding(
            "x",
            "close_follow_up",
            "Close",
            id="close-follow-up",
            tooltip="close by hand, with a note",
        ),
        Binding("o", "log", "Log", id="log-for-follow-up", tooltip="log an observation of them"),
    ]

    # Open follow-ups (an observation checks them), their sessions, the names.
    SHOWS = frozenset(
        {Records.FOLLOW_UPS, Records.COACHING, Records.OBSERVATIONS, Records.EMPLOYEES}
    )

    def __init__(self) -> None:
        super().__init__()
        self._rows: list = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="follow-ups-title", classes="panel-title")
        yield Static(
            "The next observation of a behaviour checks its follow-up: met or exceeded = held, "
            "a miss they own = not yet; a system-caused miss leaves it open.",
            classes="hint",
        )
        yield FittedTable(
            FOLLOW_UP_COLUMNS,
            enter="Open",
            id="follow-ups",
            cursor_type="row",
            zebra_stripes=True,
        )
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Follow-ups"
        table = self.query_one("#follow-ups", DataTable)
        table.loading = True
        self.refresh_data()
        table.focus()

    def on_screen_resume(self) -> None:
        self.refresh_data()

    def refresh_data(self) -> None:
        from floorcoach.followups import followup_summary, list_followups

        today = clock.today()
        self.app.run_db(
            lambda store: (
                followup_summary(store, today, limit=0),
                list_followups(store, today, limit=PAGE),
            ),
            done=self._show,
            group="follow-ups",
            exclusive=True,
        )

    def _show(self, result) -> None:
        summary, follow_ups = result
        today = clock.today()
        self._rows = follow_ups
        table = self.query_one("#follow-ups", FittedTable)
        table.loading = False
        rows = [
            (
                (
                    f"{f.due:%a %d %b}",
                    due_label(f.due, today),
                    Text(safe_text(f.employee_name)),
                    Text(safe_text(f.behaviour_title)),
                    f.kind.value,
                    Text(safe_text(f.agreed_action, limit=200)),
                    Text(safe_text(f.supervisor)),
                ),
                f"{f.coaching_id}/{f.behaviour_id}",
            )
            for f in follow_ups
        ]
        table.show(rows)
        title = f"Follow-ups — {due_counts(summary, with_upcoming=True)}"
        total = summary.overdue + summary.due_today + summary.upcoming
        if total > len(follow_ups):
            title += f" (showing the first {len(follow_ups)})"
        if not total:
            title = "Follow-ups — nothing open. Coach someone (k on their page) to start one."
        self.query_one("#follow-ups-title", Static).update(Text(title))

    def _selected(self):
        table = self.query_one("#follow-ups", DataTable)
        if not self._rows or table.cursor_row is None or table.cursor_row >= len(self._rows):
            return None
        return self._rows[table.cursor_row]

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open_record()

    def action_open_record(self) -> None:
        from floorcoach.screens.coaching_record import CoachingRecordScreen

        follow_up = self._selected()
        if follow_up is not None:
            self.app.push_screen(CoachingRecordScreen(follow_up.coaching_id))

    def action_close_follow_up(self) -> None:
        follow_up = self._selected()
        if follow_up is not None:
            close_by_hand(self, follow_up)

    def action_log(self) -> None:
        from floorcoach.employees import get_employee

        follow_up = self._selected()
        if follow_up is None:
            return
        self.app.run_db(
            lambda store: get_employee(store, follow_up.employee_id),
            done=self.app.action_log_observation,
        )
