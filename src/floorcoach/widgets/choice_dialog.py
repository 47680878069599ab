"""A question with several answers, each picked with one key (`r` reload, `s` save mine …).

Used when a save meets a record someone else changed meanwhile: the person decides,
nothing is overwritten silently. Escape picks the last (safest) choice.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from floorcoach import clock


class ChoiceDialog(ModalScreen[str]):
    """`choices` are (key, value, label); dismisses with the chosen value."""

    BINDINGS = [Binding("escape", "choose_last", "Cancel", id="choice-cancel")]

    def __init__(self, title: str, body: Text | str, choices: list[tuple[str, str, str]]):
        super().__init__()
        self.title_text = title
        self.body = body if isinstance(body, Text) else Text(body)
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.title_text), classes="panel-title")
            yield Static(self.body, id="choice-body")
            with Horizontal(classes="dialog-buttons"):
                for key, value, label in self.choices:
                    yield Button(Text(f"{label} [{key}]"), id=f"choice-{value}")

    def on_key(self, event: events.Key) -> None:
        for key, value, _ in self.choices:
            if event.key == key:
                event.stop()
                self.dismiss(value)
                return

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss((event.button.id or "").removeprefix("choice-"))

    def action_choose_last(self) -> None:
        self.dismiss(self.choices[-1][1])


def conflict_dialog(what: str, now: Text, changed_at: datetime | None = None) -> ChoiceDialog:
    """Someone else saved `what` ("this observation") while it was being edited.

    Shows what it says now; dismisses with "reload", "mine" or "keep" (Escape: keep).
    """
    body = Text(f"Someone else saved a change to {what} while you were editing.\n")
    body.append("Now it says: ", style="bold")
    body.append_text(now)
    if changed_at is not None:
        body.append(f"\nChanged {clock.to_local(changed_at):%Y-%m-%d %H:%M}.")
    body.append(" Saving yours keeps theirs in the history.", style="dim")
    return ChoiceDialog(
        "Changed elsewhere",
        body,
        [
            ("r", "reload", "Reload theirs"),
            ("s", "mine", "Save mine over it"),
            ("k", "keep", "Keep editing"),
        ],
    )
