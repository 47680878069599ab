"""The device's organisation: its server, the last sync, what waits to go up, and the
conflicts to settle — each one with the local conflict dialog's three answers.

Read from the device alone (floorcoach.org.background.overview), so it works offline;
`s` syncs now in the background and the screen loads again when that sync ends. A device
that never joined says how to join, and nothing else changes for it.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from floorcoach import clock
from floorcoach.safe_text import safe_text
from floorcoach.widgets.palette_entry import PaletteEntry
from floorcoach.widgets.records_changed import Records, ShowsRecords
from floorcoach.widgets.sync_state import SyncFinished
from floorcoach.widgets.table_fill import Column, FittedTable

CONFLICT_COLUMNS = (
    Column("what", "Record", priority=1, min_width=12, max_width=18),
    Column("employee", "Employee", priority=2, min_width=12, wants=20, max_width=28),
    Column("changed", "Differs in", priority=3, min_width=12, wants=30, max_width=60),
    Column("found", "Found", priority=4, min_width=16),
)
NOT_JOINED = (
    "This device has not joined an organisation: everything stays on this device, as "
    "always. To share records with your organisation, run `floorcoach org join URL` "
    "(docs/organisation.md)."
)
_KINDS = {
    "observation": {Records.OBSERVATIONS, Records.FOLLOW_UPS},
    "coaching_session": {Records.COACHING, Records.FOLLOW_UPS},
}


class OrganisationScreen(ShowsRecords, Screen):
    PALETTE = (
        PaletteEntry(
            "Organisation",
            "This device's organisation: server, last sync, what waits, conflicts (s syncs now)",
            rank=150,
            action="jump('organisation:OrganisationScreen')",
        ),
    )

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="back-from-organisation"),
        Binding("s", "sync_now", "Sync now", id="sync-now", tooltip="push and pull now"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._conflicts: list = []  # floorcoach.org.background.ConflictView, in table order
        self._joined = False

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="org-summary-box"):
            yield Static("", id="org-summary")
        yield Static("", id="org-conflicts-title", classes="panel-title")
        yield FittedTable(
            CONFLICT_COLUMNS,
            enter="Choose",
            id="org-conflicts",
            cursor_type="row",
            zebra_stripes=True,
        )
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Organisation"
        self.query_one("#org-conflicts", DataTable).focus()
        self.refresh_data()

    def on_screen_resume(self) -> None:
        self.refresh_data()

    def on_sync_finished(self, message: SyncFinished) -> None:
        self.refresh_data()

    def refresh_data(self) -> None:
        from floorcoach.org.background import overview

        self.app.run_db(overview, done=self._show, group="organisation", exclusive=True)

    def _show(self, found) -> None:
        summary = self.query_one("#org-summary", Static)
        title = self.query_one("#org-conflicts-title", Static)
        table = self.query_one("#org-conflicts", FittedTable)
        self._joined = found.status is not None
        if found.status is None:
            summary.update(Text(NOT_JOINED))
            title.display = table.display = False
            return
        summary.update(self._summary(found.status))
        self._conflicts = found.conflicts
        n = len(found.conflicts)
        title.display = table.display = True
        title.update(
            Text(
                f"Conflicts: {n}"
                + (" — Enter: reload theirs / save mine / keep editing" if n else " — none")
            )
        )
        table.show(
            [
                (
                    (
                        view.what,
                        Text(safe_text(view.employee_name)),
                        Text(", ".join(name.replace("_", " ") for name in view.changed) or "–"),
                        _local(view.conflict.found_at),
                    ),
                    f"{view.conflict.record_type}:{view.conflict.record_id}",
                )
                for view in found.conflicts
            ]
        )

    def _summary(self, status) -> Text:
        sync = getattr(self.app, "org_sync", None)
        state = sync.state if sync is not None else None
        text = Text()
        for label, value in (
            ("Server", status.url),  # kept without any password (floorcoach.org.connection)
            ("Signed in as", f"{status.login} ({status.display_name})"),
            ("Last sync", self._last_sync(status.last_sync)),
        ):
            text.append(f"{label}: ", style="bold")
            text.append(safe_text(value) + "\n")
        if state is not None and state.message:
            text.append("Not synced: ", style="bold")
            text.append(safe_text(state.message) + "\n")
        waiting = [
            f"{n} {one if n == 1 else many}" for (one, many), n in status.to_push.items() if n
        ]
        text.append("Waiting to go up: ", style="bold")
        text.append((", ".join(waiting) or "nothing") + "\n")
        for line in status.waiting.lines():
            if "conflict" not in line:
                text.append(safe_text(line) + "\n", style="dim")
        text.rstrip()
        return text

    def _last_sync(self, last: str | None) -> str:
        from floorcoach.org.background import ago

        if last is None:
            return "never"
        when = clock.parse_instant(last)
        return f"{clock.to_local(when):%Y-%m-%d %H:%M} ({ago(when)})"

    def action_sync_now(self) -> None:
        sync = getattr(self.app, "org_sync", None)
        if sync is None:
            self.notify(NOT_JOINED, title="Not joined", markup=False)
            return
        if sync.running:
            self.notify("A sync is running; this screen shows what it did when it ends")
        else:
            self.notify("Syncing…", timeout=3)
        sync.sync_now()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        table = self.query_one("#org-conflicts", DataTable)
        if not self._conflicts or table.cursor_row is None:
            return
        self._choose(self._conflicts[min(table.cursor_row, len(self._conflicts) - 1)])

    def _choose(self, view) -> None:
        """The local conflict dialog's answers: reload theirs, save mine, keep editing."""
        from floorcoach.widgets.choice_dialog import ChoiceDialog

        body = Text(
            f"This {view.what} of {safe_text(view.employee_name)} was changed on another of "
            "your devices too. The organisation kept the version that reached it first; "
            "this device keeps yours. Nothing is lost either way: the history keeps both.\n"
        )
        body.append(safe_text(view.describe(), keep_newlines=True))
        dialog = ChoiceDialog(
            f"Conflict: {view.what}",
            body,
            [
                ("r", "reload", "Reload theirs"),
                ("s", "mine", "Save mine over it"),
                ("k", "keep", "Keep editing"),
            ],
        )
        self.app.push_screen(dialog, lambda answer: self._settle(view, answer))

    def _settle(self, view, answer: str | None) -> None:
        from floorcoach.org.conflicts import keep_mine, take_theirs

        if answer not in ("reload", "mine"):
            self.notify("The conflict stays listed here until you choose; nothing is lost")
            return
        conflict, by = view.conflict, self.app.supervisor
        resolve = take_theirs if answer == "reload" else keep_mine
        said = (
            "Reloaded the organisation's version"
            if answer == "reload"
            else "Kept yours: the next sync sends it to the organisation"
        )

        def done(_) -> None:
            self.notify(said, title="Conflict settled")
            # A save like any other: the screens reload, and the sync pushes it.
            self.app.records_changed(
                _KINDS.get(conflict.record_type, set(Records)), employee_id=conflict.employee_id
            )
            self.refresh_data()

        self.app.run_db(
            lambda store: resolve(store, conflict.record_type, conflict.record_id, by=by),
            done=done,
        )


def _local(stamp: str) -> str:
    try:
        return f"{clock.to_local(clock.parse_instant(stamp)):%Y-%m-%d %H:%M}"
    except ValueError:
        return stamp
