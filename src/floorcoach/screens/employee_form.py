"""Add or edit one employee in a small dialog."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from floorcoach.models import Employee
from floorcoach.safe_text import safe_text
from floorcoach.widgets.palette_entry import PaletteEntry
from floorcoach.widgets.records_changed import Records


class EmployeeForm(ModalScreen[Employee | None]):
    PALETTE = (
        PaletteEntry(
            "Add employee",
            "Add one person to the roster",
            rank=50,
            action="add_employee",
        ),
    )

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="save-employee", priority=True),
        Binding("escape", "cancel", "Cancel", id="cancel-employee"),
    ]

    def __init__(self, employee: Employee | None = None) -> None:
        super().__init__()
        self.employee = employee

    def compose(self) -> ComposeResult:
        title = f"Edit {safe_text(self.employee.name)}" if self.employee else "Add employee"
        with Vertical(classes="dialog"):
            yield Static(Text(title), classes="panel-title")
            yield Label("Name")
            yield Input(self.employee.name if self.employee else "", id="name")
            yield Label("Employee ref (the HR id, optional)")
            yield Input(self.employee.employee_ref or "" if self.employee else "", id="ref")
            yield Label("Team")
            yield Input(self.employee.team if self.employee else "", id="team")
            yield Static("Enter or ctrl+s saves · Escape cancels", classes="hint")
            yield Static("", id="error", classes="error-text")

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        from pydantic import ValidationError

        from floorcoach.employees import add_employee, update_employee
        from floorcoach.models import EmployeeInput

        try:
            data = EmployeeInput(
                name=self.query_one("#name", Input).value,
                employee_ref=self.query_one("#ref", Input).value,
                team=self.query_one("#team", Input).value,
            )
        except ValidationError as exc:
            error = exc.errors()[0]
            field = str(error["loc"][0]) if error["loc"] else ""
            self.query_one("#error", Static).update(Text(f"{field}: {error['msg']}"))
            return
        by = self.app.supervisor
        employee = self.employee
        if employee is None:
            job = lambda store: add_employee(store, data, by=by)  # noqa: E731
        else:
            job = lambda store: update_employee(  # noqa: E731
                store, employee.id, data, by=by, expected_version=employee.version
            )
        self.app.run_db(job, done=self._saved, failed=self._failed, asks_on_conflict=True)

    def _saved(self, employee: Employee) -> None:
        self.notify(f"Saved {safe_text(employee.name)}", markup=False)
        # Told before the dialog closes, so the screen behind loads once, on resume.
        self.app.records_changed({Records.EMPLOYEES}, employee_id=employee.id)
        self.dismiss(employee)

    def _failed(self, exc: Exception) -> None:
        from floorcoach.employees import get_employee
        from floorcoach.store import ConflictError

        if isinstance(exc, ConflictError) and self.employee is not None:
            employee_id = self.employee.id
            self.query_one("#error", Static).update(Text("Someone else changed this person"))
            self.app.run_db(lambda store: get_employee(store, employee_id), done=self._conflict)
            return
        self.query_one("#error", Static).update(Text(str(exc)))

    def _conflict(self, current: Employee) -> None:
        """Changed elsewhere while this dialog was open: show theirs and let the person decide."""
        from floorcoach.widgets.choice_dialog import conflict_dialog

        now = Text(
            f"{safe_text(current.name)} · ref {safe_text(current.employee_ref or '–')} · "
            f"team {safe_text(current.team or '–')}" + ("" if current.active else " · inactive")
        )

        def answered(choice: str | None) -> None:
            if choice == "reload":
                self.employee = current
                self.query_one("#name", Input).value = current.name
                self.query_one("#ref", Input).value = current.employee_ref or ""
                self.query_one("#team", Input).value = current.team
                self.query_one("#error", Static).update(
                    Text("Showing the current details; your changes were dropped")
                )
            elif choice == "mine":
                self.employee = current
                self.action_save()
            else:
                self.query_one("#error", Static).update(
                    Text("Not saved: your changes are still here; save again to decide")
                )

        self.app.push_screen(conflict_dialog("this person", now), answered)

    def action_cancel(self) -> None:
        self.dismiss(None)
