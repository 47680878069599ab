"""Focus behaviours: a team lead picks 1–3 behaviours for a team (or everyone) and dates.

While a focus runs, the observation form lists its behaviours first and the trend views
mark its weeks. The list shows running, upcoming and past focus periods; `n` sets a new
one, `e` changes one, `x` ends a running one today, `h` shows its history.
"""

from __future__ import annotations

from datetime import date, timedelta

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, SelectionList, Static
from textual.widgets.selection_list import Selection

from floorcoach import clock
from floorcoach.safe_text import safe_text
from floorcoach.widgets.confirm import ConfirmDialog
from floorcoach.widgets.palette_entry import PaletteEntry
from floorcoach.widgets.picker_input import PickerInput, move_highlight
from floorcoach.widgets.read_only import unless_read_only
from floorcoach.widgets.records_changed import Records, ShowsRecords
from floorcoach.widgets.table_fill import measure_now
from floorcoach.widgets.team_select import TeamSelect

DEFAULT_DAYS = 28


def _status(period, today: date) -> Text:
    if period.ends_on < today:
        return Text("ended", style="dim")
    if period.starts_on > today:
        return Text("upcoming")
    return Text("running", style="bold")


class FocusScreen(ShowsRecords, Screen):
    PALETTE = (
        PaletteEntry(
            "Focus behaviours",
            "Set 1-3 behaviours for a team (or everyone) to work on, with start and end dates",
            rank=130,
            action="jump('focus:FocusScreen')",  # from the palette: replaces, not stacks
        ),
    )

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="back"),
        # Short labels: the footer fits 80 columns with `?` (the tooltip is what `?` says).
        Binding("n", "new", "New", id="new-focus", tooltip="a new focus"),
        Binding("e", "edit", "Change", id="edit-focus", tooltip="change the selected focus"),
        Binding("x", "end", "End", id="end-focus", tooltip="end the selected focus today"),
        Binding("delete,ctrl+d", "delete", "Delete", id="delete-focus", show=False),
        Binding("h", "history", "History", id="focus-history"),
    ]

    SHOWS = frozenset({Records.FOCUS})

    def __init__(self) -> None:
        super().__init__()
        self._periods: list = []
        self._titles: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(
            Text(
                "Focus behaviours are listed first when logging an observation while the "
                "focus runs, and marked ◆ in the trends. One focus per team at a time."
            ),
            classes="hint",
        )
        yield DataTable(id="focus-list", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Focus behaviours"
        self._titles = {b.id: b.title for b in self.app.behaviours}
        table = self.query_one("#focus-list", DataTable)
        table.add_columns("For", "Behaviours", "From", "To", "Status", "Set by", "Note")
        table.focus()

    def on_screen_resume(self) -> None:
        """Load when shown (first time included) and again on coming back."""
        self.refresh_data()

    def refresh_data(self) -> None:
        from floorcoach.focus import list_focus_periods

        self.app.run_db(list_focus_periods, done=self._show, group="focus-list", exclusive=True)

    def _show(self, periods: list) -> None:
        self._periods = periods
        today = clock.today()
        table = self.query_one("#focus-list", DataTable)
        table.clear()
        for period in periods:
            titles = "; ".join(self._titles.get(b, b) for b in period.behaviour_ids)
            table.add_row(
                Text(safe_text(period.scope)),
                Text(safe_text(titles, limit=70)),
                f"{period.starts_on}",
                f"{period.ends_on}",
                _status(period, today),
                Text(safe_text(period.set_by, limit=20)),
                Text(safe_text(period.note, limit=40)),
                key=period.id,
            )
        if not periods:
            table.add_row(Text("No focus yet — press n to set one", style="dim"), *[""] * 6)
        measure_now(table)

    def _selected(self):
        table = self.query_one("#focus-list", DataTable)
        if not self._periods or table.cursor_row is None or table.cursor_row >= len(self._periods):
            return None
        return self._periods[table.cursor_row]

    def action_new(self) -> None:
        self.app.push_screen(FocusForm())

    def action_edit(self) -> None:
        period = self._selected()
        if period is not None:  # one set by someone else (pulled) is read-only: says so
            unless_read_only(
                self.app,
                "focus_period",
                period.id,
                lambda: self.app.push_screen(FocusForm(editing=period)),
            )

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_edit()

    def action_end(self) -> None:
        from floorcoach.focus import end_focus

        period = self._selected()
        today = clock.today()
        if period is None or period.ends_on < today:
            self.notify("Choose a running or upcoming focus to end", timeout=3)
            return
        by = self.app.supervisor

        what = "end today" if period.starts_on <= today else "be removed (it has not started)"
        self.app.confirm_then(
            f"The focus for {period.scope} will {what}. Go ahead?",
            lambda store: end_focus(store, period.id, by=by, expected_version=period.version),
            yes="End it",
            done=lambda _: (
                self.notify("Focus ended"),
                self.app.records_changed({Records.FOCUS}),
            ),
            failed=lambda _: self.refresh_data(),
        )

    def action_delete(self) -> None:
        from floorcoach.focus import delete_focus

        period = self._selected()
        if period is None:
            return
        by = self.app.supervisor

        self.app.confirm_then(
            f"Delete the focus for {period.scope} ({period.starts_on} to {period.ends_on})? "
            "Trends will no longer mark it. The history keeps a record.",
            lambda store: delete_focus(store, period.id, by=by, expected_version=period.version),
            yes="Delete",
            done=lambda _: (
                self.notify("Deleted; the history keeps it"),
                self.app.records_changed({Records.FOCUS}),
            ),
            failed=lambda _: self.refresh_data(),
        )

    def action_history(self) -> None:
        from floorcoach.observations import history
        from floorcoach.screens.history import HistoryScreen

        period = self._selected()
        if period is None:
            return
        self.app.run_db(
            lambda store: history(store, "focus_period", period.id),
            done=lambda entries: self.app.push_screen(HistoryScreen(entries)),
        )


class FocusForm(Screen):
    """Set (or change) a focus: for whom, which 1–3 behaviours, from when until when.

    It opens in the behaviour filter and stays there while choosing: typing filters,
    ↑ ↓ move through the list, Enter chooses (or unchooses) the highlighted one. The list
    itself takes no focus, so no key meant for it lands in a date field, and each key is
    handled in the order typed.
    """

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="save-focus", priority=True),
        Binding("escape", "cancel", "Back", id="cancel-focus"),
    ]
    # What the behaviour filter reads as it is typed (not bindings): listed by `?`.
    TYPED_KEYS = (
        ("type, ↑ ↓, Enter", "filter the behaviours, move, choose or unchoose one (1–3)"),
        ("Tab", "on to the dates and the note"),
    )

    def __init__(self, editing=None) -> None:
        super().__init__()
        self.editing = editing
        self._chosen: list[str] = list(editing.behaviour_ids) if editing else []
        self._saving = False

    def compose(self) -> ComposeResult:
        today = clock.today()
        editing = self.editing
        starts = editing.starts_on if editing else today
        ends = editing.ends_on if editing else today + timedelta(days=DEFAULT_DAYS - 1)
        yield Header()
        with Vertical(id="focus-body"):
            yield Static("For", classes="field-label")
            yield TeamSelect(editing.team if editing else None, id="focus-team")
            yield Static(
                "Behaviours (1–3): type to filter, ↑ ↓ to move, Enter to choose or unchoose",
                classes="field-label",
            )
            yield Static("", id="focus-chosen", classes="chosen")
            yield PickerInput(placeholder="type to filter behaviours", id="focus-filter")
            yield SelectionList[str](id="focus-behaviours")
            with Horizontal(id="focus-dates"):
                yield Static("From", classes="field-label")
                yield Input(starts.isoformat(), placeholder="YYYY-MM-DD", id="focus-start")
                yield Static("To", classes="field-label")
                yield Input(ends.isoformat(), placeholder="YYYY-MM-DD", id="focus-end")
            yield Static("Note (why this focus)", classes="field-label")
            yield Input(editing.note if editing else "", placeholder="optional", id="focus-note")
            yield Static("", id="focus-status")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Change focus" if self.editing else "New focus"
        self.query_one(TeamSelect).load_teams()
        self.query_one("#focus-behaviours", SelectionList).can_focus = False
        self._fill("")
        self._show_chosen()
        self.query_one("#focus-filter").focus()

    def _fill(self, text: str) -> None:
        """The behaviours the filter finds, ranked as in the observation form, then the
        chosen ones it does not find (a choice never disappears from view)."""
        from floorcoach.search_text import behaviour_matches

        found = [match.behaviour for match in behaviour_matches(self.app.behaviours, text)]
        found += [b for b in self.app.behaviours if b.id in self._chosen and b not in found]
        options = self.query_one("#focus-behaviours", SelectionList)
        options.clear_options()
        for behaviour in found:
            label = Text(safe_text(behaviour.title))
            label.append(f"  {safe_text(behaviour.touch_point)}", style="dim")
            options.add_option(Selection(label, behaviour.id, behaviour.id in self._chosen))
        if found:
            options.highlighted = 0

    def _show_chosen(self) -> None:
        titles = {b.id: b.title for b in self.app.behaviours}
        chosen = ", ".join(titles.get(b, b) for b in self._chosen)
        self.query_one("#focus-chosen", Static).update(
            Text(f"✓ {safe_text(chosen)}" if chosen else "none chosen yet")
        )

    @on(Input.Changed, "#focus-filter")
    def _filter(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(PickerInput.Move, "#focus-filter")
    def _moved(self, event: PickerInput.Move) -> None:
        event.stop()
        move_highlight(self.query_one("#focus-behaviours", SelectionList), event.delta)

    @on(Input.Submitted, "#focus-filter")
    def _choose_highlighted(self) -> None:
        options = self.query_one("#focus-behaviours", SelectionList)
        if options.highlighted is not None:
            options.action_select()

    @on(SelectionList.SelectionToggled, "#focus-behaviours")
    def _toggled(self, event: SelectionList.SelectionToggled) -> None:
        value = event.selection.value
        options = self.query_one("#focus-behaviours", SelectionList)
        if value in self._chosen:
            self._chosen.remove(value)
        elif len(self._chosen) >= 3:
            options.deselect(value)
            self._set_status("A focus has at most 3 behaviours; unselect one first")
            return
        else:
            self._chosen.append(value)
        self._set_status("")
        self._show_chosen()

    def _set_status(self, message: str) -> None:
        self.query_one("#focus-status", Static).update(Text(message))

    def _dates(self) -> tuple[date, date]:
        values = []
        for field, name in (("#focus-start", "From"), ("#focus-end", "To")):
            text = self.query_one(field, Input).value.strip()
            try:
                values.append(date.fromisoformat(text))
            except ValueError:
                self.query_one(field).focus()
                raise ValueError(f"{name}: write a date like {clock.today().isoformat()}") from None
        return values[0], values[1]

    def action_save(self) -> None:
        from pydantic import ValidationError

        from floorcoach.focus import FocusInput, edit_focus, set_focus

        if self._saving:
            return
        if not self._chosen:
            self._set_status("Choose 1 to 3 behaviours (Enter on a behaviour)")
            self.query_one("#focus-filter").focus()
            return
        try:
            starts, ends = self._dates()
            data = FocusInput(
                team=self.query_one(TeamSelect).team,
                behaviour_ids=self._chosen,
                starts_on=starts,
                ends_on=ends,
                note=self.query_one("#focus-note", Input).value,
            )
        except ValidationError as exc:
            self._set_status(str(exc.errors()[0]["msg"]).removeprefix("Value error, "))
            return
        except ValueError as exc:
            self._set_status(str(exc))
            return
        by, editing = self.app.supervisor, self.editing
        self._saving = True
        self._set_status("Saving…")

        def job(store):
            if editing is None:
                return set_focus(store, data, by=by)
            return edit_focus(store, editing.id, data, by=by, expected_version=editing.version)

        self.app.run_db(job, done=self._saved, failed=self._failed)

    def _saved(self, period) -> None:
        self._saving = False
        self.app.notify(
            f"Focus for {period.scope} from {period.starts_on} to {period.ends_on} saved",
            title="Saved",
            markup=False,
        )
        self.app.records_changed({Records.FOCUS})  # before closing: the list loads once
        self.dismiss(period)

    def _failed(self, exc: Exception) -> None:
        self._saving = False
        self._set_status(f"Not saved: {exc}")

    def action_cancel(self) -> None:
        changed = self._chosen != (list(self.editing.behaviour_ids) if self.editing else [])
        if not changed:
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(
            ConfirmDialog(
                "Discard this focus? Nothing is saved.", yes="Discard", no="Keep editing"
            ),
            answered,
        )
