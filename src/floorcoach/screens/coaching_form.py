"""Log (or correct) a coaching conversation, as fast as logging an observation.

From an observation on the employee page (`k`) the person, the behaviour, the linked
observation and a likely kind are filled in: type what was said, Enter, the agreed
action, ctrl+s. The follow-up defaults to one week; 3 / w / 2 / 4 pick another. Choosing
the person shows the carry-forward agenda: their open agreed actions and how each
behaviour coached lately has gone since.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import date, timedelta

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static

from floorcoach import clock
from floorcoach.models import (
    CHECK_RESULTS,
    COUNTS_AS_MET,
    Behaviour,
    Cause,
    Employee,
    Kind,
    Observation,
)
from floorcoach.safe_text import safe_text
from floorcoach.widgets.behaviour_picker import BehaviourPicker
from floorcoach.widgets.checkbox import TickBox
from floorcoach.widgets.employee_picker import EmployeePicker
from floorcoach.widgets.key_choice import Choice, KeyChoice
from floorcoach.widgets.keys_help import choice_keys
from floorcoach.widgets.palette_entry import PaletteEntry
from floorcoach.widgets.record_form import RecordForm
from floorcoach.widgets.records_changed import Records
from floorcoach.widgets.vocabulary_keys import KIND_KEYS, key_choices, key_hint

KINDS = key_choices(KIND_KEYS)
FOLLOW_UP_PICKS = [
    Choice(("3",), "3", "3 days"),
    Choice(("w", "1"), "7", "1 week"),
    Choice(("2",), "14", "2 weeks"),
    Choice(("4",), "28", "4 weeks"),
]

# What the fields read as they are typed (not bindings): listed by `?` (widgets/keys_help.py).
_KIND_KEYS, _KIND_LABELS = choice_keys(KINDS)
_FOLLOW_UP_KEYS, _FOLLOW_UP_LABELS = choice_keys(FOLLOW_UP_PICKS)
TYPED_KEYS = (
    ("type, Enter", "find the employee (name or ref), then filter the behaviours"),
    ("1–9", "add or remove the behaviour with that number (two digits too)"),
    (_KIND_KEYS, f"kind: {_KIND_LABELS}"),
    (_FOLLOW_UP_KEYS, f"follow up in {_FOLLOW_UP_LABELS}"),
    ("Enter", "on to the next field; in the private note or When it saves"),
)


def suggested_kind(observation: Observation) -> str:
    """A first guess from what was seen: recognition for a standard met, and after a miss
    the kind its cause suggests (`models.Cause`), corrective when the cause was not given.
    The supervisor can change it with one key."""
    if observation.outcome in COUNTS_AS_MET:
        return Kind.RECOGNITION.value
    if observation.cause is None:
        return Kind.CORRECTIVE.value
    return Cause(observation.cause).suggested_kind.value


class CoachingForm(RecordForm, Screen):
    """Full-screen form; `editing` (a session read with its private note) corrects one."""

    PALETTE = (
        PaletteEntry(
            "Coach someone",
            "Log a coaching talk: what was said, the agreed action, when to follow up",
            rank=70,
        ),
    )

    TYPED_KEYS = TYPED_KEYS
    DISCARD_QUESTION = "Discard this coaching note? What you typed will be lost."
    RECORDS = frozenset({Records.COACHING, Records.FOLLOW_UPS})
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="save-coaching", priority=True),
        Binding("escape", "cancel", "Back", id="cancel-coaching"),
        # Short labels, so the footer keeps `?` at 80 columns (the tooltip is what `?` says);
        # priority: ctrl+e changes the employee from a text field too.
        Binding(
            "ctrl+e",
            "change_employee",
            "Employee",
            id="coaching-change-employee",
            tooltip="change the employee",
            priority=True,
        ),
        Binding(
            "ctrl+b",
            "change_behaviours",
            "Behaviours",
            id="coaching-behaviours",
            tooltip="add or remove a behaviour",
        ),
    ]

    def __init__(
        self,
        *,
        employee: Employee | None = None,
        observation: Observation | None = None,
        editing=None,
    ) -> None:
        super().__init__()
        self.employee = employee
        self.observation = observation
        self.editing = editing
        self.behaviours: list[Behaviour] = []
        self.observation_ids: list[str] = [observation.id] if observation else []
        self._saving = False
        self._initial: tuple | None = None

    # --- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="form-body"):
            with Vertical(id="pick-column"):
                yield Static("Employee", classes="field-label")
                yield EmployeePicker()
                yield Static("Carry forward", classes="field-label", id="agenda-label")
                yield Static("", id="agenda")
                yield Static("Behaviours you talked about", classes="field-label")
                yield Static("", id="behaviours-chosen", classes="chosen")
                yield BehaviourPicker(
                    placeholder="type to filter; a number or Enter adds (again to remove)"
                )
            with VerticalScroll(id="detail-column"):
                yield Static("Kind of conversation", classes="field-label")
                yield KeyChoice(KINDS, id="kind")
                yield Static("What was said", classes="field-label")
                yield Input(placeholder="a sentence is enough", id="said", max_length=20_000)
                yield Static("Agreed action", classes="field-label")
                yield Input(
                    placeholder="what they will do (optional for recognition)",
                    id="action",
                    max_length=5_000,
                )
                yield Static("Follow up", classes="field-label")
                yield KeyChoice(FOLLOW_UP_PICKS, id="due-pick")
                yield Input(placeholder="YYYY-MM-DD", id="due")
                yield Static("Their response", classes="field-label")
                yield TickBox("Acknowledged", id="acknowledged")
                yield Input(placeholder="optional: their words", id="comment", max_length=5_000)
                yield Static(
                    "Private note (yours only: never exported or listed) — Enter saves",
                    classes="field-label",
                )
                yield Input(placeholder="optional", id="private-note", max_length=20_000)
                yield Static("When", classes="field-label")
                yield Input(value="now", placeholder="now, 14:30 or 2026-11-24 14:30", id="when")
                yield Static("", id="status")
        yield Footer()

    def on_mount(self) -> None:
        self._list_behaviours()
        due_pick = self.query_one("#due-pick", KeyChoice)
        due_pick._chosen_once, due_pick.selected = True, "7"
        self.query_one("#due", Input).value = (clock.today() + timedelta(days=7)).isoformat()
        if self.editing is not None:
            self._load_for_editing(self.editing)
        else:
            if self.observation is not None:
                behaviour = self._behaviour(self.observation.behaviour_id)
                if behaviour is not None:
                    self._add_behaviour(behaviour, move_on=False)
                kind = self.query_one("#kind", KeyChoice)
                kind._chosen_once, kind.selected = True, suggested_kind(self.observation)
            if self.employee is not None:
                self._set_employee(self.employee)
            else:
                self.query_one(EmployeePicker).focus_search()
        self._initial = self._state()
        self._opened_at = clock.now()
        self.sub_title = "Correct coaching" if self.editing else "Log coaching"
        self._start_drafts()

    def _behaviour(self, behaviour_id: str) -> Behaviour | None:
        return next((b for b in self.app.behaviours if b.id == behaviour_id), None)

    def _load_for_editing(self, session) -> None:
        self.observation_ids = list(session.observation_ids)
        for behaviour_id in session.behaviour_ids:
            behaviour = self._behaviour(behaviour_id)
            if behaviour is not None:
                self._add_behaviour(behaviour, move_on=False)
        kind = self.query_one("#kind", KeyChoice)
        kind._chosen_once, kind.selected = True, session.kind.value
        self.query_one("#said", Input).value = session.said
        self.query_one("#action", Input).value = session.agreed_action
        self.query_one("#due-pick", KeyChoice).clear()
        self.query_one("#due", Input).value = session.follow_up_due.isoformat()
        self.query_one("#acknowledged", TickBox).value = session.acknowledged
        self.query_one("#comment", Input).value = session.employee_comment
        self.query_one("#private-note", Input).value = session.private_note or ""
        local = clock.to_local(session.held_at)
        self.query_one("#when", Input).value = f"{local:%Y-%m-%d %H:%M}"
        self._set_employee(
            Employee(
                id=session.employee_id,
                employee_ref=session.employee_ref,
                name=session.employee_name,
                team=session.team,
            ),
            load_agenda=False,
        )
        self.query_one(EmployeePicker).keep_choice()
        self.query_one("#said").focus()

    # --- employee ----------------------------------------------------------------------------

    @on(EmployeePicker.Chosen)
    def _employee_chosen(self, event: EmployeePicker.Chosen) -> None:
        self._set_employee(event.employee)

    def _set_employee(self, employee: Employee, *, load_agenda: bool = True) -> None:
        self.employee = employee
        self.query_one(EmployeePicker).show_chosen(employee)
        self._status("")
        if load_agenda:
            self._load_agenda(employee.id)
        else:
            self.query_one("#agenda-label").display = False
            self.query_one("#agenda").display = False
        if self.editing is not None:
            return
        if not self.behaviours:
            self.query_one(BehaviourPicker).focus_filter()
        elif not self.query_one("#kind", KeyChoice).has_choice:
            self.query_one("#kind").focus()
        else:
            self.query_one("#said").focus()

    def _load_agenda(self, employee_id: str) -> None:
        from floorcoach.coaching_progress import carry_forward_agenda

        self.query_one("#agenda", Static).update(Text("…", style="dim"))
        self.app.run_db(
            lambda store: carry_forward_agenda(store, employee_id),
            done=self._show_agenda,
            group="coaching-agenda",
            exclusive=True,
        )

    def _show_agenda(self, agenda) -> None:
        text = Text()
        for index, line in enumerate(agenda.lines(clock.today())):
            if index:
                text.append("\n")
            text.append("• " + safe_text(line, limit=160))
        self.query_one("#agenda", Static).update(text)

    def action_change_employee(self) -> None:
        if self.editing is not None:
            self._status("A coaching session stays with its employee")
            return
        if self.observation_ids:
            self._status("This session is about a linked observation of this person")
            return
        self.query_one(EmployeePicker).reopen()

    # --- behaviours --------------------------------------------------------------------------

    def _list_behaviours(self) -> None:
        chosen = [b.id for b in self.behaviours]
        self.query_one(BehaviourPicker).show(self.app.behaviours, chosen_ids=chosen)

    @on(BehaviourPicker.Chosen)
    def _behaviour_chosen(self, event: BehaviourPicker.Chosen) -> None:
        self._toggle_behaviour(event.behaviour)
        event.pass_on_key()  # `1 c`: the c is for the kind, which has focus now

    @on(BehaviourPicker.NotPicked)
    def _behaviour_not_picked(self, event: BehaviourPicker.NotPicked) -> None:
        self._status(event.reason)

    @on(BehaviourPicker.Finished)
    def _behaviours_done(self) -> None:
        if self.behaviours:
            self._hide_behaviour_picker()
        else:
            self._status("No behaviour matches; clear the filter to see them all")

    def _toggle_behaviour(self, behaviour: Behaviour) -> None:
        if any(b.id == behaviour.id for b in self.behaviours):
            self.behaviours = [b for b in self.behaviours if b.id != behaviour.id]
            self._show_behaviours()
            self._list_behaviours()
            return
        self._add_behaviour(behaviour, move_on=True)

    def _add_behaviour(self, behaviour: Behaviour, *, move_on: bool) -> None:
        self.behaviours.append(behaviour)
        self._show_behaviours()
        self._status("")
        if move_on:
            self.query_one(BehaviourPicker).close(clear_filter=True)
            self._hide_behaviour_picker()
        else:
            self.query_one(BehaviourPicker).close()

    def _hide_behaviour_picker(self) -> None:
        self.query_one(BehaviourPicker).close()
        if not self.query_one("#kind", KeyChoice).has_choice:
            self.query_one("#kind").focus()
        else:
            self.query_one("#said").focus()

    def _show_behaviours(self) -> None:
        text = Text()
        for index, behaviour in enumerate(self.behaviours):
            if index:
                text.append("\n")
            text.append(f"✓ {safe_text(behaviour.title)}  ({safe_text(behaviour.touch_point)})")
        self.query_one("#behaviours-chosen", Static).update(text)

    def action_change_behaviours(self) -> None:
        self._list_behaviours()
        self.query_one(BehaviourPicker).open()

    # --- the rest ------------------------------------------------------------------------------

    @on(KeyChoice.Chosen, "#kind")
    def _kind_chosen(self) -> None:
        self.query_one("#said").focus()

    @on(KeyChoice.Chosen, "#due-pick")
    def _due_picked(self, event: KeyChoice.Chosen) -> None:
        try:
            held = self._parse_when()
        except ValueError:
            held = None
        start = clock.local_date(held) if held else clock.today()
        self.query_one("#due", Input).value = (start + timedelta(days=int(event.value))).isoformat()
        self.query_one("#acknowledged").focus()

    @on(Input.Submitted, "#said")
    def _said_done(self) -> None:
        self.query_one("#action").focus()

    @on(Input.Submitted, "#action")
    def _action_done(self) -> None:
        self.query_one("#due-pick").focus()

    @on(Input.Submitted, "#due")
    def _due_done(self) -> None:
        self.query_one("#acknowledged").focus()

    @on(Input.Submitted, "#comment")
    def _comment_done(self) -> None:
        self.query_one("#private-note").focus()

    @on(Input.Submitted, "#private-note")
    @on(Input.Submitted, "#when")
    def _submit(self) -> None:
        self.action_save()

    # --- save / cancel ---------------------------------------------------------------------

    def _state(self) -> tuple:
        kind = self.query_one("#kind", KeyChoice)
        return (
            self.employee.id if self.employee else None,
            tuple(b.id for b in self.behaviours),
            kind.selected if kind.has_choice else "",
            self.query_one("#said", Input).value,
            self.query_one("#action", Input).value,
            self.query_one("#due", Input).value.strip(),
            self.query_one("#acknowledged", TickBox).value,
            self.query_one("#comment", Input).value,
            self.query_one("#private-note", Input).value,
            self.query_one("#when", Input).value.strip(),
        )

    def action_save(self) -> None:
        from pydantic import ValidationError

        from floorcoach.coaching import CoachingInput

        if self._saving:
            return
        kind = self.query_one("#kind", KeyChoice)
        if self.employee is None:
            self._status("Choose the employee first")
            self.query_one(EmployeePicker).focus_search()
            return
        if not self.behaviours:
            self._status("Choose at least one behaviour you talked about")
            self.action_change_behaviours()
            return
        if not kind.has_choice:
            self._status(f"Choose the kind: {key_hint(KIND_KEYS)}")
            kind.focus()
            return
        try:
            when = self._parse_when()
        except ValueError as exc:
            self._status(self._when_problem(exc))
            self.query_one("#when").focus()
            return
        try:
            due = date.fromisoformat(self.query_one("#due", Input).value.strip())
        except ValueError:
            self._status("Follow up: pick 3, w, 2 or 4, or write a date like 2026-12-02")
            self.query_one("#due").focus()
            return
        try:
            data = CoachingInput(
                employee_id=self.employee.id,
                kind=kind.selected,
                behaviour_ids=[b.id for b in self.behaviours],
                said=self.query_one("#said", Input).value,
                agreed_action=self.query_one("#action", Input).value,
                follow_up_due=due,
                held_at=when,
                acknowledged=self.query_one("#acknowledged", TickBox).value,
                employee_comment=self.query_one("#comment", Input).value,
                private_note=self.query_one("#private-note", Input).value,
                observation_ids=self.observation_ids,
            )
        except ValidationError as exc:
            self._status(str(exc.errors()[0]["msg"]).removeprefix("Value error, "))
            return
        self._start_save(self._save_job(data))

    def _save_job(self, data):
        from floorcoach.coaching import create_coaching, edit_coaching

        supervisor = self.app.supervisor
        editing = self.editing
        if editing is None:
            return lambda store: create_coaching(store, data, supervisor=supervisor)
        return lambda store: edit_coaching(
            store, editing.id, data, by=supervisor, expected_version=editing.version
        )

    def _saved(self, session) -> None:
        self._saving = False
        self._initial = self._state()
        verb = "Corrected" if self.editing else "Coaching saved"
        message = (
            f"{verb}: {safe_text(session.employee_name)} · {session.kind.value} · "
            f"follow-up due {session.follow_up_due:%a %d %b}"
        )
        checked = [f for f in session.follow_ups if f.status in CHECK_RESULTS]
        if checked and self.editing is None:
            message += f". Already seen since: {len(checked)} checked"
        self.app.notify(message, title=verb, markup=False)
        self._close_draft()
        self.dismiss(session)

    # --- a record changed elsewhere: RecordForm asks; these say what it is --------------

    RECORD_NAME = "coaching session"

    @staticmethod
    def _fetch_current(store, coaching_id: str):
        from floorcoach.coaching import get_coaching

        return get_coaching(store, coaching_id, include_private=True)

    def _describe_current(self, current) -> Text:
        now = Text(f"{current.kind.value} · {safe_text(', '.join(current.behaviour_titles))}")
        if current.said:
            now.append(f" · {safe_text(current.said, limit=200)}")
        return now

    def _reload_from(self, current) -> None:
        self.behaviours = []
        self._load_for_editing(current)

    # --- drafts: what was typed survives the app being closed or killed ------------------

    @property
    def _draft_form(self) -> str:
        return "coaching" if self.editing is None else f"coaching-{self.editing.id}"

    def _draft_fields(self) -> dict:
        kind = self.query_one("#kind", KeyChoice)
        return {
            "behaviour_ids": [b.id for b in self.behaviours],
            "kind": kind.selected if kind.has_choice else None,
            "said": self.query_one("#said", Input).value,
            "action": self.query_one("#action", Input).value,
            "due": self.query_one("#due", Input).value,
            "acknowledged": self.query_one("#acknowledged", TickBox).value,
            "comment": self.query_one("#comment", Input).value,
            "private_note": self.query_one("#private-note", Input).value,
            "observation_ids": list(self.observation_ids),
        }

    def _draft_label(self) -> str:
        name = safe_text(self.employee.name) if self.employee else "someone not chosen yet"
        return f"coaching note for {name}"

    def _apply_draft(self, draft) -> None:
        """Fill the form from a draft, as `_load_for_editing` fills it from a record."""
        from floorcoach.drafts import drafted_value

        fields = draft.fields
        drafted = fields.get("employee")
        if drafted and self.editing is None:
            # A new note is about what is still open with them: the carry-forward comes
            # back with the draft (only a correction of a past session goes without it).
            with suppress(ValueError):
                self._set_employee(Employee.model_validate(drafted))
        self.behaviours = []
        for behaviour_id in fields.get("behaviour_ids") or []:
            behaviour = self._behaviour(str(behaviour_id))
            if behaviour is not None:
                self._add_behaviour(behaviour, move_on=False)
        kind = self.query_one("#kind", KeyChoice)
        drafted_kind = drafted_value(fields.get("kind"), Kind)
        if drafted_kind is not None:
            kind._chosen_once, kind.selected = True, drafted_kind.value
            kind.refresh()
        for field, selector in (
            ("said", "#said"),
            ("action", "#action"),
            ("due", "#due"),
            ("comment", "#comment"),
            ("private_note", "#private-note"),
        ):
            self.query_one(selector, Input).value = str(fields.get(field) or "")
        self.query_one("#acknowledged", TickBox).value = bool(fields.get("acknowledged"))
        self.observation_ids = [str(i) for i in fields.get("observation_ids") or []]
        self.query_one("#said").focus()
