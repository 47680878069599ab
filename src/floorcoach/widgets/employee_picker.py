"""Find an employee by typing part of a name or ref: the first field of every form."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from floorcoach.models import Employee
from floorcoach.safe_text import safe_text
from floorcoach.search_text import fold
from floorcoach.widgets.picker_input import PickerInput, move_highlight

MATCHES = 8


def describe_employee(employee: Employee) -> Text:
    ref = f" ({employee.employee_ref})" if employee.employee_ref else ""
    team = f" · {employee.team}" if employee.team else ""
    return Text(f"✓ {safe_text(employee.name)}{safe_text(ref)}{safe_text(team)}")


class EmployeePicker(Vertical):
    """Type to search (in a worker), arrows to move, Enter to pick; posts `Chosen`.

    When what was typed matches several people and the highlight was not moved, Enter
    does not guess: it says who matched (as the command line does) and waits for arrows
    and Enter again. A whole name or ref that fits exactly one of them is that one.
    Once someone is chosen the search collapses to one line naming them; `reopen()`
    brings it back (the forms bind ctrl+e to that).
    """

    DEFAULT_CSS = """
    EmployeePicker {
        height: auto;
    }
    EmployeePicker #employee-options {
        height: auto;
        max-height: 8;
        border: none;
    }
    EmployeePicker #employee-ambiguous {
        color: $text-warning;
        padding: 0 1;
        height: auto;
    }
    EmployeePicker #employee-chosen {
        color: $text-success;
        text-style: bold;
        padding: 0 1;
        height: auto;
    }
    """

    class Chosen(Message):
        def __init__(self, picker: EmployeePicker, employee: Employee) -> None:
            super().__init__()
            self.picker = picker
            self.employee = employee

        @property
        def control(self) -> EmployeePicker:
            return self.picker

    def __init__(self, *, no_match_hint: str = "no match", **kwargs) -> None:
        super().__init__(**kwargs)
        self.no_match_hint = no_match_hint
        self._matches: list[Employee] = []
        self._confirmed = False  # the highlight was moved, or the ambiguity was shown

    def compose(self) -> ComposeResult:
        yield Static("", id="employee-chosen")
        yield PickerInput(
            placeholder="type a name or employee ref, Enter to pick", id="employee-filter"
        )
        yield OptionList(id="employee-options")
        yield Static("", id="employee-ambiguous")

    def on_mount(self) -> None:
        self.query_one("#employee-options", OptionList).can_focus = False
        self.query_one("#employee-ambiguous").display = False

    @property
    def search_text(self) -> str:
        return self.query_one("#employee-filter", Input).value

    @search_text.setter
    def search_text(self, value: str) -> None:
        self.query_one("#employee-filter", Input).value = value

    def focus_search(self) -> None:
        self.query_one("#employee-filter").focus()

    def show_chosen(self, employee: Employee) -> None:
        self.query_one("#employee-chosen", Static).update(describe_employee(employee))
        self.query_one("#employee-filter").display = False
        self.query_one("#employee-options").display = False
        self.query_one("#employee-ambiguous").display = False

    def reopen(self) -> None:
        self.query_one("#employee-filter").display = True
        self.query_one("#employee-options").display = True
        self.focus_search()

    def keep_choice(self) -> None:
        """The record's employee cannot change (a correction)."""
        self.query_one("#employee-filter").disabled = True

    @on(Input.Changed, "#employee-filter")
    def _typed(self, event: Input.Changed) -> None:
        from floorcoach.employees import list_employees

        event.stop()
        text = event.value
        self._confirmed = False
        self.query_one("#employee-ambiguous").display = False
        if not text.strip():
            self._show_matches([])
            return
        self.app.run_db(
            lambda store: list_employees(store, search=text, limit=MATCHES),
            done=self._show_matches,
            group=f"employee-search-{id(self)}",
            exclusive=True,
        )

    def _show_matches(self, employees: list[Employee]) -> None:
        self._matches = employees
        options = self.query_one("#employee-options", OptionList)
        options.clear_options()
        for employee in employees:
            label = Text(safe_text(employee.name), style="bold")
            label.append(
                f"  {safe_text(employee.employee_ref or '')}  {safe_text(employee.team)}",
                style="dim",
            )
            options.add_option(Option(label, id=employee.id))
        if employees:
            options.highlighted = 0
        elif self.search_text.strip():
            options.add_option(Option(Text(self.no_match_hint), disabled=True))

    @on(PickerInput.Move, "#employee-filter")
    def _moved(self, event: PickerInput.Move) -> None:
        event.stop()
        move_highlight(self.query_one("#employee-options", OptionList), event.delta)
        self._confirmed = True

    @on(Input.Submitted, "#employee-filter")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        index = self.query_one("#employee-options", OptionList).highlighted
        if index is None or index >= len(self._matches):
            return
        exact = self._exact_match()
        if exact is not None:
            self.post_message(self.Chosen(self, exact))
        elif len(self._matches) > 1 and not self._confirmed:
            self._say_ambiguous()
        else:
            self.post_message(self.Chosen(self, self._matches[index]))

    def _exact_match(self) -> Employee | None:
        """The one match whose ref or whole name is what was typed (as the CLI resolves)."""
        typed = self.search_text.strip()
        by_ref = [e for e in self._matches if e.employee_ref == typed]
        by_name = [e for e in self._matches if fold(e.name) == fold(typed)]
        for exact in (by_ref, by_name):
            if len(exact) == 1:
                return exact[0]
        return None

    def _say_ambiguous(self) -> None:
        from floorcoach.employees import AmbiguousEmployee

        message = str(AmbiguousEmployee(self.search_text.strip(), self._matches))
        notice = self.query_one("#employee-ambiguous", Static)
        notice.update(Text(f"{safe_text(message)}. Pick one with ↑ ↓ and Enter."))
        notice.display = True
        self._confirmed = True

    @on(OptionList.OptionSelected, "#employee-options")
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_index < len(self._matches):
            self.post_message(self.Chosen(self, self._matches[event.option_index]))
