"""A record's history: every create, edit and delete, with who and when."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from floorcoach import clock
from floorcoach.models import HistoryEntry
from floorcoach.safe_text import safe_text

SHOWN_FIELDS = ("behaviour_id", "outcome", "cause", "note", "story", "observed_at")


def describe(entry: HistoryEntry, fields: tuple[str, ...] = SHOWN_FIELDS) -> Text:
    when = f"{clock.to_local(entry.changed_at):%Y-%m-%d %H:%M}"
    text = Text(f"{when}  {entry.action} by {safe_text(entry.changed_by)}\n", style="bold")
    if entry.action == "edit" and entry.before and entry.after:
        for field in fields:
            old, new = entry.before.get(field), entry.after.get(field)
            if old != new:
                text.append(f"  {field}: {safe_text(str(old))} → {safe_text(str(new))}\n")
    else:
        record = entry.after or entry.before or {}
        for field in fields:
            if field in record:
                text.append(f"  {field}: {safe_text(str(record[field]))}\n")
    return text


class HistoryScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q", "close", "Close", id="close-history")]

    def __init__(
        self, entries: list[HistoryEntry], *, fields: tuple[str, ...] = SHOWN_FIELDS
    ) -> None:
        super().__init__()
        self.entries = entries
        self.fields = fields

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Static("History (oldest first)", classes="panel-title")
            for entry in self.entries:
                yield Static(describe(entry, self.fields))

    def action_close(self) -> None:
        self.dismiss(None)
