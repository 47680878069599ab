"""Follow-ups: what coaching is waiting to be seen again — overdue, due today, upcoming.

A follow-up closes itself when the next observation of that behaviour is logged; here a
supervisor can also close one by hand with a note (moved team, talked again, no longer
relevant), open the coaching record, or go and log the observation.
"""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Header, Input, Static

from floorcoach import clock
from floorcoach.safe_text import safe_text
from floorcoach.widgets.records_changed import Records, ShowsRecords
from floorcoach.widgets.table_fill import fill_table

PAGE = 300  # DataTable measures every cell: a page, never everything


def due_label(due: date, today: date) -> Text:
    """`overdue 3 days` (red), `today` (bold), `in 4 days` — as a supervisor says it."""
    days = (due - today).days
    if days < 0:
        return Text(f"overdue {-days} day{'s' * (days != -1)}", style="bold red")
    if days == 0:
        return Text("due today", style="bold yellow")
    return Text(f"in {days} day{'s' * (days != 1)}")


class CloseFollowUpDialog(ModalScreen[str | None]):
    """Ask for the note that closes a follow-up by hand; Enter closes, Escape keeps it open."""

    BINDINGS = [Binding("escape", "cancel", "Keep open", id="keep-follow-up-open")]

    def __init__(self, what: str) -> None:
        super().__init__()
        self.what = what

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(f"Close the follow-up on {self.what} by hand?"))
            yield Static("Why (for the record) — Enter closes it, Escape keeps it open")
            yield Input(placeholder="e.g. talked again on the 14th; moved to the tills", id="note")
            yield Static("", id="close-status", classes="error-text")

    def on_mount(self) -> None:
        self.query_one("#note").focus()

    @on(Input.Submitted, "#note")
    def _submitted(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            self.query_one("#close-status", Static).update("Write a short note first")
            return
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)


def close_by_hand(screen: Screen, follow_up) -> None:
    """Ask for a note, close the follow-up, then tell every screen (shared by two screens)."""
    from floorcoach.coaching import close_followup

    app = screen.app
    by = app.supervisor
    what = f"{follow_up.behaviour_title} for {follow_up.employee_name}"

    def answered(note: str | None) -> None:
        if not note:
            return
        app.run_db(
            lambda store: close_followup(
                store, follow_up.coaching_id, follow_up.behaviour_id, note, by=by
            ),
            done=lambda _: (
                app.notify("Follow-up closed with your note", timeout=4),
                app.records_changed(
                    {Records.FOLLOW_UPS, Records.COACHING}, employee_id=follow_up.employee_id
                ),
            ),
        )

    app.push_screen(CloseFollowUpDialog(what), answered)


class FollowUpsScreen(ShowsRecords, Screen):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="back-from-follow-ups"),
        Binding("enter", "open_record", "Open coaching", id="open-coaching-record"),
        Binding("x", "close_follow_up", "Close by hand", id="close-follow-up"),
        Binding("o", "log", "Log observation", id="log-for-follow-up"),
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
        yield DataTable(id="follow-ups", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Follow-ups"
        table = self.query_one("#follow-ups", DataTable)
        table.add_columns("Due", "", "Employee", "Behaviour", "Kind", "Agreed action", "By")
        table.loading = True
        self.refresh_data()
        table.focus()

    def on_screen_resume(self) -> None:
        self.refresh_data()

    def refresh_data(self) -> None:
        from floorcoach.coaching import followup_summary, list_followups

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
        table = self.query_one("#follow-ups", DataTable)
        table.loading = False
        rows = [
            (
                (
                    f"{f.due:%a %d %b}",
                    due_label(f.due, today),
                    Text(safe_text(f.employee_name, limit=28)),
                    Text(safe_text(f.behaviour_title, limit=36)),
                    f.kind.value,
                    Text(safe_text(f.agreed_action, limit=30)),
                    Text(safe_text(f.supervisor, limit=18)),
                ),
                f"{f.coaching_id}/{f.behaviour_id}",
            )
            for f in follow_ups
        ]
        fill_table(table, rows)
        title = (
            f"Follow-ups — overdue {summary.overdue} · due today {summary.due_today} · "
            f"upcoming {summary.upcoming}"
        )
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
