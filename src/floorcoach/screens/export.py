"""Export for HR: choose what and which rows, CSV or a workbook, see how many, write the
file with progress.

The same choices as `floorcoach export`. The row count previews as the choices change;
writing runs in a worker, so a million rows never freeze the screen, and Escape during
writing cancels without leaving a file behind. The file is proposed in the folder of the
last export (or the documents folder), never wherever the app happened to start; the
message after writing shows its full path, and ctrl+y copies it.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import (
    Button,
    Footer,
    Header,
    Input,
    Label,
    ProgressBar,
    Select,
    Static,
)

from floorcoach import export
from floorcoach.safe_text import safe_text
from floorcoach.store import StoreError
from floorcoach.widgets.checkbox import TickBox
from floorcoach.widgets.palette_entry import PaletteEntry
from floorcoach.widgets.records_changed import ShowsRecords

PREVIEW_DELAY = 0.3  # seconds of quiet typing before the row count is asked again
FORMATS = [("CSV (.csv)", "csv"), ("Excel workbook, typed cells (.xlsx)", "xlsx")]


class ExportScreen(ShowsRecords, Screen):
    PALETTE = (
        PaletteEntry(
            "Export for HR",
            "Observations, coaching or the weekly summary as CSV or an Excel workbook",
            rank=140,
            action="jump('export:ExportScreen')",  # from the palette: replaces, not stacks
        ),
    )

    BINDINGS = [
        Binding("ctrl+s", "export", "Export", id="export-write", priority=True),
        Binding("escape", "back_or_cancel", "Back / cancel", id="export-back"),
        Binding("ctrl+y", "copy_path", "Copy path", id="export-copy-path", priority=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.writing = False
        self._cancel = False
        self._rows_done = 0
        self._auto_name = ""
        self._preview_timer = None
        self._progress_timer = None
        self._folder: Path | None = None  # where names are proposed (from the database)
        self.written: Path | None = None  # the last file written, for ctrl+y

    def compose(self) -> ComposeResult:
        kinds = [(spec.label, kind) for kind, spec in export.EXPORTS.items()]
        yield Header()
        with Vertical(id="export-form"):
            yield Static("Export for HR: CSV or Excel workbook", classes="panel-title")
            with Horizontal(classes="export-row"):
                yield Label("Export", classes="export-label")
                yield Select(kinds, value=kinds[0][1], allow_blank=False, id="export-kind")
            with Horizontal(classes="export-row"):
                yield Label("From", classes="export-label")
                yield Input(placeholder="YYYY-MM-DD", id="export-from")
                yield Label("To", classes="export-label")
                yield Input(placeholder="YYYY-MM-DD", id="export-to")
            with Horizontal(classes="export-row"):
                yield Label("Team", classes="export-label")
                yield Select([], prompt="All teams", allow_blank=True, id="export-team")
                yield Label("Employee", classes="export-label")
                yield Input(placeholder="ref or name (optional)", id="export-employee")
            with Horizontal(classes="export-row"):
                yield Label("Format", classes="export-label")
                yield Select(FORMATS, value="csv", allow_blank=False, id="export-format")
            with Horizontal(classes="export-row"):
                yield Label("File", classes="export-label")
                yield Input(id="export-path")
            yield TickBox("For Excel (adds a byte-order mark)", id="export-excel")
            yield Static("", id="export-preview")
            yield ProgressBar(id="export-progress", show_eta=False)
            yield Static("", id="export-status")
            yield Button("Copy path (ctrl+y)", id="export-copy")
            yield Static(
                "ctrl+s writes the file · Escape goes back (or cancels while writing) · "
                "columns: docs/data-dictionary.md",
                classes="hint",
            )
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Export for HR"
        self.query_one("#export-progress", ProgressBar).display = False
        self.query_one("#export-copy", Button).display = False
        self.app.run_db(export.suggested_folder, done=self._in_folder, group="export-folder")
        self._load_teams()
        self._schedule_preview()
        self.query_one("#export-kind", Select).focus()

    def on_screen_resume(self) -> None:
        self.refresh_data()

    def refresh_data(self) -> None:
        self._load_teams()
        self._schedule_preview()

    # --- reading the choices --------------------------------------------------------

    def _kind(self) -> str:
        value = self.query_one("#export-kind", Select).value
        return value if isinstance(value, str) else "observations"

    def _format(self) -> str:
        value = self.query_one("#export-format", Select).value
        return value if isinstance(value, str) else "csv"

    def _in_folder(self, folder: Path) -> None:
        self._folder = folder
        self._suggest_name()

    def _team(self) -> str | None:
        value = self.query_one("#export-team", Select).value
        return value if isinstance(value, str) else None

    def _dates(self):
        """(from, to) as dates; ExportError names the field at fault."""
        date_from = export.parse_date(self.query_one("#export-from", Input).value, "From")
        date_to = export.parse_date(self.query_one("#export-to", Input).value, "To")
        if date_from and date_to and date_from > date_to:
            raise export.ExportError(f"From {date_from} is after To {date_to}")
        return date_from, date_to

    def _suggest_name(self) -> None:
        """Keep the file name in step with the choices until the user types their own."""
        path_input = self.query_one("#export-path", Input)
        self.query_one("#export-excel", TickBox).display = self._format() == "csv"
        if self._folder is None:  # the folder is still being read
            return
        try:
            date_from, date_to = self._dates()
        except export.ExportError:
            return
        name = str(
            self._folder / export.default_filename(self._kind(), date_from, date_to, self._format())
        )
        if path_input.value in ("", self._auto_name):
            path_input.value = name
        self._auto_name = name

    def _load_teams(self) -> None:
        from floorcoach.employees import list_teams

        self.app.run_db(list_teams, done=self._show_teams, group="export-teams", exclusive=True)

    def _show_teams(self, teams: list[str]) -> None:
        select = self.query_one("#export-team", Select)
        current = self._team()
        with self.prevent(Select.Changed):
            select.set_options([(team or "(no team)", team) for team in teams])
            if current in teams:
                select.value = current

    # --- the preview -------------------------------------------------------------------

    @on(Select.Changed)
    @on(Input.Changed)
    @on(TickBox.Changed)
    def _choices_changed(self, event) -> None:
        if getattr(event, "input", None) is not None and event.input.id == "export-path":
            return
        self._suggest_name()
        self._schedule_preview()

    def _schedule_preview(self) -> None:
        if self._preview_timer is not None:
            self._preview_timer.stop()
        self._preview_timer = self.set_timer(PREVIEW_DELAY, self._preview)

    def _preview(self) -> None:
        preview = self.query_one("#export-preview", Static)
        try:
            date_from, date_to = self._dates()
        except export.ExportError as exc:
            preview.update(Text(str(exc), style="bold red"))
            return
        kind, team = self._kind(), self._team()
        who = self.query_one("#export-employee", Input).value.strip()

        def job(store):
            try:
                employee_id = _employee_id(store, who)
                return export.count_rows(
                    store,
                    kind,
                    date_from=date_from,
                    date_to=date_to,
                    team=team,
                    employee_id=employee_id,
                )
            except StoreError as exc:  # shown in the preview line, not as a popup
                return exc

        def done(result) -> None:
            if isinstance(result, Exception):
                preview.update(Text(safe_text(str(result)), style="bold red"))
            else:
                rows = f"{result:,} row{'s' * (result != 1)}"
                preview.update(Text(f"{rows} will be exported", style="bold"))

        self.app.run_db(job, done=done, group="export-preview", exclusive=True)

    # --- writing ---------------------------------------------------------------------

    def action_export(self) -> None:
        if self.writing:
            return
        status = self.query_one("#export-status", Static)
        try:
            date_from, date_to = self._dates()
        except export.ExportError as exc:
            status.update(Text(str(exc), style="bold red"))
            return
        path_text = self.query_one("#export-path", Input).value.strip()
        if not path_text:
            status.update(Text("Give a file name to write to", style="bold red"))
            return
        path = Path(path_text).expanduser().resolve()
        kind, team, fmt = self._kind(), self._team(), self._format()
        who = self.query_one("#export-employee", Input).value.strip()
        excel = self.query_one("#export-excel", TickBox).value and fmt == "csv"
        self.query_one("#export-copy", Button).display = False
        bar = self.query_one("#export-progress", ProgressBar)
        self.writing, self._cancel, self._rows_done = True, False, 0
        bar.update(total=None, progress=0)
        bar.display = True
        status.update(Text(f"Writing {safe_text(path.name)}…"))
        self._progress_timer = self.set_interval(0.1, self._show_progress)

        def progress(rows: int) -> None:  # in the worker thread: no widgets here
            self._rows_done = rows
            if self._cancel:
                raise export.ExportCancelled("export cancelled; no file was written")

        def job(store):
            employee_id = _employee_id(store, who)
            filters = dict(date_from=date_from, date_to=date_to, team=team)
            total = export.count_rows(store, kind, employee_id=employee_id, **filters)
            self.app.call_from_thread(bar.update, total=max(total, 1))
            if fmt == "xlsx":
                from floorcoach.xlsx_export import write_workbook

                rows = write_workbook(
                    store, kind, path, employee_id=employee_id, progress=progress, **filters
                )
            else:
                rows = export.write_export(
                    store,
                    kind,
                    path,
                    employee_id=employee_id,
                    excel=excel,
                    progress=progress,
                    **filters,
                )
            export.remember_folder(store, path.parent)
            return rows, path

        self.app.run_db(job, done=self._written, failed=self._failed, group="export-write")

    def _show_progress(self) -> None:
        self.query_one("#export-progress", ProgressBar).update(progress=self._rows_done)

    def _finish(self) -> None:
        self.writing = False
        if self._progress_timer is not None:
            self._progress_timer.stop()
            self._progress_timer = None

    def _written(self, result: tuple[int, Path]) -> None:
        rows, path = result
        self._finish()
        self._folder = path.parent
        self.written = path
        bar = self.query_one("#export-progress", ProgressBar)
        bar.update(total=max(rows, 1), progress=max(rows, 1))
        message = safe_text(f"{rows:,} row{'s' * (rows != 1)} written to {path}")
        self.query_one("#export-status", Static).update(Text(message, style="bold green"))
        self.query_one("#export-copy", Button).display = True
        self.notify(f"{message} · ctrl+y copies the path", title="Export done", markup=False)

    @on(Button.Pressed, "#export-copy")
    def action_copy_path(self) -> None:
        """Put the written file's full path on the clipboard (the terminal's, via OSC 52)."""
        if self.written is None:
            return
        self.app.copy_to_clipboard(str(self.written))
        self.notify(f"Copied {safe_text(str(self.written))}", markup=False)

    def _failed(self, exc: Exception) -> None:
        self._finish()
        self.query_one("#export-progress", ProgressBar).display = False
        self.query_one("#export-status", Static).update(Text(safe_text(str(exc)), style="bold red"))

    def action_back_or_cancel(self) -> None:
        if self.writing:
            self._cancel = True
            self.query_one("#export-status", Static).update(Text("Cancelling…"))
            return
        self.app.pop_screen()


def _employee_id(store, who: str) -> str | None:
    """Resolve what was typed (ref or name) to one employee, inactive people included."""
    if not who:
        return None
    from floorcoach.employees import find_employee

    return find_employee(store, who).id
