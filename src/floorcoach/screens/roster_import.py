"""Import a roster CSV from the TUI: type the path; every problem shows in the dialog, a
successful import closes it and says what it did."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from floorcoach.widgets.palette_entry import PaletteEntry
from floorcoach.widgets.records_changed import Records


class RosterImportScreen(ModalScreen[None]):
    PALETTE = (
        PaletteEntry(
            "Import roster CSV",
            "Add or update employees from an HR file",
            rank=60,
            action="import_roster",
        ),
    )

    BINDINGS = [Binding("escape", "close", "Close", id="close-import")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Import roster CSV", classes="panel-title")
            yield Label("File (columns employee_ref, name, team)")
            yield Input(placeholder="/path/to/roster.csv", id="path")
            yield Static(
                "Enter imports · Escape closes. Nothing is imported if any line is bad.",
                classes="hint",
            )
            yield Static("", id="result")

    @on(Input.Submitted, "#path")
    def _import(self, event: Input.Submitted) -> None:
        from floorcoach.roster import RosterError, import_roster

        path = Path(event.value.strip()).expanduser()
        if not event.value.strip():
            return
        by = self.app.supervisor
        result_box = self.query_one("#result", Static)
        result_box.update(Text("Importing…"))

        def job(store):
            try:
                return import_roster(store, path, by=by)
            except RosterError as exc:
                return exc

        def done(outcome) -> None:
            if isinstance(outcome, RosterError):
                result_box.update(Text(str(outcome), style="bold red"))
            elif not (outcome.added or outcome.updated or outcome.unchanged):
                # A header and no people is almost always the wrong file, not "0 added".
                result_box.update(
                    Text(
                        f"{path.name} has no employees under its header: nothing imported. "
                        "Is it the right file?",
                        style="bold yellow",
                    )
                )
            else:
                self.app.records_changed({Records.EMPLOYEES})  # the list behind reloads
                self.app.notify(
                    f"{path.name}: {outcome.summary()}", title="Roster imported", markup=False
                )
                self.dismiss(None)  # done: back to the list, which shows who came in

        self.app.run_db(job, done=done)

    def action_close(self) -> None:
        self.dismiss(None)
