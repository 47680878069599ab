"""Closing a follow-up by hand: the dialog that asks why, and the save (two screens use it)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Static

from floorcoach.widgets.records_changed import Records


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
    from floorcoach.followups import close_followup

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
