"""The roster: type to search, filter by team, add, edit, deactivate, open a person's page.

The screen opens in the search box, so typing searches; the list's one-letter keys (`a`
add, `e` edit, `o` log …) act once the list has focus (↓ or Enter from the search, `/`
back), and the footer shows them dimmed until then.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Select, Static

from floorcoach.models import Employee
from floorcoach.safe_text import safe_text
from floorcoach.widgets.palette_entry import PaletteEntry
from floorcoach.widgets.records_changed import Records, ShowsRecords
from floorcoach.widgets.table_fill import fill_table

PAGE = 200  # a page of rows: DataTable measures every cell, so never load the whole roster


class EmployeesScreen(ShowsRecords, Screen):
    PALETTE = (
        PaletteEntry(
            "Employees",
            "The roster: search, add, edit, deactivate",
            rank=40,
            action="jump('employees:EmployeesScreen')",  # from the palette: replaces
        ),
    )

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="back"),
        # First, so that at 80 columns the list's many keys never push it out of the footer.
        Binding("question_mark,f2", "app.show_keys", "Keys", id="keys-help-list"),
        Binding("a", "add", "Add", id="add-employee"),
        Binding("e", "edit", "Edit", id="edit-employee"),
        # Short labels: every key of this screen must fit a 120-column footer.
        Binding("d", "toggle_active", "(De)activate", id="toggle-active"),
        Binding("i", "app.import_roster", "Import CSV", id="import-roster"),
        Binding("o", "log", "Log", id="log-for-employee"),
        Binding("slash", "search", "Search", id="search"),
        Binding(
            "down",
            "to_list",
            "List",
            id="to-list",
            show=False,
            tooltip="from the search to the list, where its keys act",
        ),
        Binding("ctrl+r", "toggle_inactive", "Inactive", id="show-inactive"),
        # Before the search box's own ctrl+x (cut): erasing must work from where typing is.
        Binding("ctrl+x", "erase", "Erase", id="erase-employee", priority=True),
    ]

    # What the search box reads as it is typed (not a binding): listed by `?`.
    TYPED_KEYS = (
        ("type", "search name or ref (the screen opens in the search box)"),
        ("Enter", "from the search to the list, as ↓ does"),
    )

    SHOWS = frozenset({Records.EMPLOYEES})
    # The one-letter keys: typed into the search box they are a search, never a command.
    LIST_ACTIONS = frozenset({"add", "edit", "toggle_active", "app.import_roster", "log"})

    def __init__(self) -> None:
        super().__init__()
        self._employees: list[Employee] = []
        self.include_inactive = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="filters"):
            yield Input(
                placeholder="type to search name or ref; ↓ to the list and its keys", id="search"
            )
            yield Select([], prompt="All teams", id="team", allow_blank=True)
        yield Static("", id="count", classes="hint")
        yield DataTable(id="employees", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Employees"
        table = self.query_one("#employees", DataTable)
        table.add_columns("Name", "Ref", "Team", "Status")
        self.refresh_data()
        self._load_teams()
        self.query_one("#search").focus()

    def on_screen_resume(self) -> None:
        self.refresh_data()
        self._load_teams()

    def _load_teams(self) -> None:
        from floorcoach.employees import list_teams

        self.app.run_db(list_teams, done=self._show_teams, group="teams", exclusive=True)

    def _show_teams(self, teams: list[str]) -> None:
        select = self.query_one("#team", Select)
        current = select.value
        select.set_options([(team or "(no team)", team) for team in teams])
        if current in teams:
            select.value = current

    def refresh_data(self) -> None:
        from floorcoach.employees import list_employees

        search = self.query_one("#search", Input).value
        team_value = self.query_one("#team", Select).value
        team = team_value if isinstance(team_value, str) else None
        include_inactive = self.include_inactive
        self.app.run_db(
            lambda store: list_employees(
                store, team=team, search=search, include_inactive=include_inactive, limit=PAGE + 1
            ),
            done=self._show,
            group="employee-list",
            exclusive=True,
        )

    def _show(self, employees: list[Employee]) -> None:
        more = len(employees) > PAGE
        self._employees = employees[:PAGE]
        rows = [
            (
                (
                    Text(safe_text(employee.name)),
                    Text(safe_text(employee.employee_ref or "")),
                    Text(safe_text(employee.team)),
                    "active" if employee.active else Text("inactive", style="dim"),
                ),
                employee.id,
            )
            for employee in self._employees
        ]
        fill_table(self.query_one("#employees", DataTable), rows)
        shown = len(self._employees)
        count = f"{shown}{'+' if more else ''} employee{'' if shown == 1 and not more else 's'}"
        if more:
            count += f" — showing the first {PAGE}; type to narrow"
        if not self._employees:
            count = self._nobody()
        self.query_one("#count", Static).update(Text(count))

    def _nobody(self) -> str:
        """Why the list is empty: the search or the team, or nobody on the roster yet."""
        search = self.query_one("#search", Input).value.strip()
        team = self.query_one("#team", Select).value
        if search or isinstance(team, str):
            where = f" in team {team or '(no team)'}" if isinstance(team, str) else ""
            what = f"for “{search}”" if search else "at all"
            return f"No match {what}{where} — change the search or pick another team"
        return "No employees yet — press a to add one or i to import a roster CSV"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The list's letter keys are shown dimmed, and do nothing, while typing searches."""
        if action in self.LIST_ACTIONS and isinstance(self.focused, Input):
            return None
        return True

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    def action_to_list(self) -> None:
        self.query_one("#employees").focus()

    @on(Input.Changed, "#search")
    @on(Select.Changed, "#team")
    def _filters_changed(self) -> None:
        self.refresh_data()

    @on(Input.Submitted, "#search")
    def _search_done(self) -> None:
        self.query_one("#employees").focus()

    def _selected(self) -> Employee | None:
        table = self.query_one("#employees", DataTable)
        if not self._employees or table.cursor_row is None:
            return None
        if table.cursor_row >= len(self._employees):
            return None
        return self._employees[table.cursor_row]

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        employee = self._selected()
        if employee is not None:
            self.app.open_employee(employee)

    def action_search(self) -> None:
        self.query_one("#search").focus()

    def action_add(self) -> None:
        self.app.action_add_employee()

    def action_edit(self) -> None:
        from floorcoach.screens.employee_form import EmployeeForm

        employee = self._selected()
        if employee is not None:
            self.app.push_screen(EmployeeForm(employee))

    def action_log(self) -> None:
        employee = self._selected()
        if employee is not None and employee.active:
            self.app.action_log_observation(employee)

    def action_toggle_inactive(self) -> None:
        self.include_inactive = not self.include_inactive
        self.notify(
            "Showing inactive employees too"
            if self.include_inactive
            else "Showing active employees only",
            timeout=3,
        )
        self.refresh_data()

    def action_toggle_active(self) -> None:
        from floorcoach.employees import set_active

        employee = self._selected()
        if employee is None:
            return
        active = not employee.active
        by = self.app.supervisor

        def done(updated: Employee) -> None:
            state = "reactivated" if updated.active else "deactivated (records kept)"
            self.notify(f"{safe_text(updated.name)} {state}", markup=False)
            self.app.records_changed({Records.EMPLOYEES}, employee_id=updated.id)

        self.app.run_db(lambda store: set_active(store, employee.id, active, by=by), done=done)

    def action_erase(self) -> None:
        """Erase the selected person on a data-protection request (asks to type their ref)."""
        from floorcoach.widgets.erase_dialog import EraseDialog

        employee = self._selected()
        if employee is None:
            return

        def after(result) -> None:
            if result is not None:
                self.app.records_changed(employee_id=employee.id, erased=True)

        self.app.push_screen(EraseDialog(employee), after)
