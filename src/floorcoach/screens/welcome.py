"""First run: the database is empty; offer demo data or an empty start."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

WELCOME = (
    "Welcome to floorcoach.\n\n"
    "Your database is empty. Start with your own team (press e, then a to add people, "
    "or i to import a roster CSV), or look around first with demo data: six teams, "
    "24 people and twelve weeks of observations and coaching, a third of it in your "
    "name so your own figures show too.\n\n"
    "  d      load demo data\n"
    "  Enter  start empty"
)


class WelcomeScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("d", "demo", "Load demo data", id="load-demo"),
        Binding("enter,escape", "close", "Start empty", id="start-empty"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(WELCOME)

    def action_demo(self) -> None:
        from floorcoach.demo import generate_demo

        def done(result) -> None:
            self.app.notify(
                f"Loaded {result.employees} employees and {result.observations} observations"
            )
            self.app.records_changed()  # before closing: home then loads once, on resume
            self.dismiss(None)

        you = self.app.supervisor
        self.app.run_db(lambda store: generate_demo(store, you=you), done=done)

    def action_close(self) -> None:
        self.dismiss(None)
