"""Log (or correct) one observation, built for a supervisor standing on the floor.

The happy path is a handful of keys: `o`, three letters of a name, Enter, a digit for the
behaviour, `m` for met, Enter to save. The cause is asked only for a miss. Nothing typed
is thrown away without asking.
"""

from __future__ import annotations

from contextlib import suppress

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, OptionList, Static

from floorcoach import clock
from floorcoach.models import Behaviour, Cause, Employee, Observation, Outcome
from floorcoach.safe_text import safe_text
from floorcoach.widgets.behaviour_picker import BehaviourPicker
from floorcoach.widgets.checkbox import TickBox
from floorcoach.widgets.employee_picker import EmployeePicker
from floorcoach.widgets.key_choice import KeyChoice
from floorcoach.widgets.keys_help import choice_keys
from floorcoach.widgets.palette_entry import PaletteEntry
from floorcoach.widgets.record_form import RecordForm
from floorcoach.widgets.records_changed import Records
from floorcoach.widgets.vocabulary_keys import (
    CAUSE_KEYS,
    CAUSE_NOT_SURE,
    OUTCOME_KEYS,
    key_choices,
    key_hint,
)

OUTCOMES = key_choices(OUTCOME_KEYS)
CAUSES = key_choices(CAUSE_KEYS, not_sure=CAUSE_NOT_SURE)

# What the fields read as they are typed (not bindings): listed by `?` (widgets/keys_help.py).
_OUTCOME_KEYS, _OUTCOME_LABELS = choice_keys(OUTCOMES)
_CAUSE_KEYS, _CAUSE_LABELS = choice_keys(CAUSES)
TYPED_KEYS = (
    ("type, Enter", "find the employee (name or ref), then filter the behaviours; Enter picks"),
    ("1–9", "pick the behaviour with that number (two digits too: 1 2 is 12)"),
    (_OUTCOME_KEYS, f"outcome: {_OUTCOME_LABELS}"),
    (_CAUSE_KEYS, f"cause of a miss: {_CAUSE_LABELS}"),
    ("Enter", "save, from the outcome, the cause, the note or When"),
)


class ObservationForm(RecordForm, Screen):
    """Full-screen form; `editing` switches it to correcting an existing observation."""

    PALETTE = (
        PaletteEntry(
            "Log observation",
            "Record what you just saw (ctrl+o from anywhere)",
            rank=10,
            action="log_observation",
        ),
        PaletteEntry(
            "Log another for the same employee",
            "Repeat for the last person observed",
            rank=20,
            action="log_again",
        ),
    )

    TYPED_KEYS = TYPED_KEYS
    DISCARD_QUESTION = "Discard this observation? What you typed will be lost."
    # A new or corrected observation can check (or uncheck) a coaching follow-up.
    RECORDS = frozenset({Records.OBSERVATIONS, Records.FOLLOW_UPS})
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="save", priority=True),
        Binding("escape", "cancel", "Back", id="cancel"),
        # Not in the footer: the box itself says "(ctrl+t)", and `?` lists it.
        Binding("ctrl+t", "toggle_story", "Story", id="story", show=False),
        # Short labels, so the footer keeps `?` at 80 columns (the tooltip is what `?` says);
        # priority: ctrl+e changes the employee from the note too, not only off the fields.
        Binding(
            "ctrl+e",
            "change_employee",
            "Employee",
            id="change-employee",
            tooltip="change the employee",
            priority=True,
        ),
        Binding(
            "ctrl+b",
            "change_behaviour",
            "Behaviour",
            id="change-behaviour",
            tooltip="change the behaviour",
        ),
    ]

    def __init__(
        self, *, employee: Employee | None = None, editing: Observation | None = None
    ) -> None:
        super().__init__()
        self.employee: Employee | None = employee
        self.editing = editing
        self.behaviour: Behaviour | None = None
        self._saving = False
        self._twice_on_purpose = False  # checked for a duplicate, or asked and answered yes
        self._initial: tuple | None = None
        self._opened_at = clock.now()

    # --- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="form-body"):
            with Vertical(id="pick-column"):
                yield Static("Employee", classes="field-label")
                yield EmployeePicker(no_match_hint="no match — add people under Employees (e)")
                yield Static("Behaviour", classes="field-label")
                yield Static("", id="behaviour-chosen", classes="chosen")
                yield BehaviourPicker(placeholder="type to filter; a number or Enter picks")
            # Scrolls: at 80×24 Story and When sit below the fold, and a focused field
            # scrolls into view, so nothing is typed unseen.
            with VerticalScroll(id="detail-column"):
                yield Static("What should happen", classes="field-label")
                yield Static("", id="standard")
                yield Static("", id="followup-notice")
                yield Static("Outcome", classes="field-label")
                yield KeyChoice(OUTCOMES, id="outcome")
                yield Static("Cause of the miss", classes="field-label", id="cause-label")
                yield KeyChoice(CAUSES, id="cause", types_on=True)
                yield Static("Note (what happened) — Enter saves", classes="field-label")
                # Not selected on focus: the next letter typed adds to the note, never replaces it.
                yield Input(
                    placeholder="optional", id="note", max_length=20_000, select_on_focus=False
                )
                yield TickBox("Story worth sharing (ctrl+t)", id="story")
                yield Static("When", classes="field-label")
                yield Input(value="now", placeholder="now, 14:30 or 2026-11-24 14:30", id="when")
                yield Static("", id="status")
        yield Footer()

    def on_mount(self) -> None:
        self._show_cause(False)
        if self.editing is not None:
            self._load_for_editing(self.editing)
        elif self.employee is not None:
            self._set_employee(self.employee)
        else:
            self.query_one(EmployeePicker).focus_search()
            self._load_focus(None)  # everyone's focus until the employee (and team) is known
        self._list_behaviours()
        self._initial = self._state()
        self.sub_title = "Correct observation" if self.editing else "Log observation"
        self._start_drafts()

    def _load_for_editing(self, obs: Observation) -> None:
        self._set_employee(
            Employee(
                id=obs.employee_id,
                employee_ref=obs.employee_ref,
                name=obs.employee_name,
                team=obs.team,
            )
        )
        self.query_one(EmployeePicker).keep_choice()
        behaviour = next((b for b in self.app.behaviours if b.id == obs.behaviour_id), None)
        if behaviour is not None:
            self._set_behaviour(behaviour)
        outcome = self.query_one("#outcome", KeyChoice)
        outcome._chosen_once, outcome.selected = True, obs.outcome.value
        if obs.outcome.value == "missed":
            self._show_cause(True)
            cause = self.query_one("#cause", KeyChoice)
            cause._chosen_once, cause.selected = True, obs.cause.value if obs.cause else None
        self.query_one("#note", Input).value = obs.note
        self.query_one("#story", TickBox).value = obs.story
        local = clock.to_local(obs.observed_at)
        self.query_one("#when", Input).value = f"{local:%Y-%m-%d %H:%M}"
        self.query_one("#outcome").focus()

    # --- employee ----------------------------------------------------------------------------

    @on(EmployeePicker.Chosen)
    def _employee_chosen(self, event: EmployeePicker.Chosen) -> None:
        self._set_employee(event.employee)

    def _set_employee(self, employee: Employee) -> None:
        self.employee = employee
        self.query_one(EmployeePicker).show_chosen(employee)
        self._status("")
        self._check_open_follow_up()
        self._load_focus(employee.team)
        self._after_employee()

    def _after_employee(self) -> None:
        if self.behaviour is None:
            self.query_one(BehaviourPicker).focus_filter()
        else:
            self.query_one("#outcome").focus()

    def action_change_employee(self) -> None:
        if self.editing is not None:
            self._status("An observation stays with its employee; delete it and log a new one")
            return
        self.query_one(EmployeePicker).reopen()

    # --- behaviour ---------------------------------------------------------------------------

    def _focus_ids(self) -> list[str]:
        """Focus behaviours running today for the chosen employee's team (or everyone)."""
        loaded = getattr(self, "_focus_behaviour_ids", None)
        if loaded is not None:
            return list(loaded)
        return list(getattr(self.app, "focus_behaviour_ids", []) or [])

    def _load_focus(self, team: str | None) -> None:
        from floorcoach.focus import focus_behaviour_ids

        self.app.run_db(
            lambda store: focus_behaviour_ids(store, team=team),
            done=self._focus_loaded,
            group="observation-focus",
            exclusive=True,
        )

    def _focus_loaded(self, ids: list[str]) -> None:
        if ids == self._focus_ids():
            return
        self._focus_behaviour_ids = ids
        self._list_behaviours()

    def _list_behaviours(self) -> None:
        self.query_one(BehaviourPicker).show(self.app.behaviours, focus_ids=self._focus_ids())
        self._show_standard()

    @on(OptionList.OptionHighlighted, "#behaviour-options")
    def _show_standard(self) -> None:
        """The standard of the behaviour chosen, or, while choosing, of the highlighted one."""
        picker = self.query_one(BehaviourPicker)
        behaviour = (picker.highlighted if picker.is_open else None) or self.behaviour
        text = Text()
        if behaviour is not None:
            text.append(f"{behaviour.id}\n", style="dim")
            text.append(safe_text(behaviour.standard))
            for look_for in behaviour.look_fors:
                text.append(f"\n • {safe_text(look_for)}")
        self.query_one("#standard", Static).update(text)

    @on(BehaviourPicker.Chosen)
    def _behaviour_chosen(self, event: BehaviourPicker.Chosen) -> None:
        self._set_behaviour(event.behaviour)
        event.pass_on_key()  # `7 m`: the m is for the outcome, which has focus now

    @on(BehaviourPicker.NotPicked)
    def _behaviour_not_picked(self, event: BehaviourPicker.NotPicked) -> None:
        self._status(event.reason)

    @on(BehaviourPicker.Finished)
    def _no_behaviour_matches(self) -> None:
        self._status("No behaviour matches; clear the filter to see them all")

    def _set_behaviour(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.query_one("#behaviour-chosen", Static).update(
            Text(f"✓ {safe_text(behaviour.title)}  ({behaviour.touch_point})")
        )
        self.query_one(BehaviourPicker).close()
        self._show_standard()
        self._status("")
        self._check_open_follow_up()
        self.query_one("#outcome").focus()

    def _check_open_follow_up(self) -> None:
        """Tell the supervisor when this observation will check a coaching follow-up."""
        from floorcoach.followups import open_followup_notice

        notice = self.query_one("#followup-notice", Static)
        notice.display = False
        if self.employee is None or self.behaviour is None or self.editing is not None:
            return
        employee_id, behaviour_id = self.employee.id, self.behaviour.id

        def show(text: str | None) -> None:
            notice.update(Text(safe_text(text or "")))
            notice.display = bool(text)

        self.app.run_db(
            lambda store: open_followup_notice(store, employee_id, behaviour_id),
            done=show,
            group="followup-notice",
            exclusive=True,
        )

    def action_change_behaviour(self) -> None:
        self.query_one(BehaviourPicker).open()

    # --- outcome, cause, note ---------------------------------------------------------------

    @on(KeyChoice.Chosen, "#outcome")
    def _outcome_chosen(self, event: KeyChoice.Chosen) -> None:
        missed = event.value == "missed"
        self._show_cause(missed)
        if missed:
            self.query_one("#cause").focus()
        else:
            self.query_one("#cause", KeyChoice).clear()
            self.query_one("#note").focus()

    @on(KeyChoice.Chosen, "#cause")
    def _cause_chosen(self) -> None:
        # Focus stays on the causes, so another cause letter changes the cause rather than
        # landing in the note; the note starts with any other letter (or Tab).
        self._status("Enter saves; type a note, or another cause letter to change it")

    @on(KeyChoice.TypedOn, "#cause")
    def _note_started(self, event: KeyChoice.TypedOn) -> None:
        note = self.query_one("#note", Input)
        note.cursor_position = len(note.value)
        note.insert_text_at_cursor(event.character)
        note.focus()
        self._status("")

    @on(KeyChoice.Submitted)
    def _choice_submitted(self) -> None:
        self.action_save()

    def _show_cause(self, show: bool) -> None:
        self.query_one("#cause").display = show
        self.query_one("#cause-label").display = show

    @on(Input.Submitted, "#note")
    @on(Input.Submitted, "#when")
    def _submit(self) -> None:
        self.action_save()

    def action_toggle_story(self) -> None:
        story = self.query_one("#story", TickBox)
        story.value = not story.value

    # --- save / cancel ---------------------------------------------------------------------

    def _state(self) -> tuple:
        outcome = self.query_one("#outcome", KeyChoice)
        cause = self.query_one("#cause", KeyChoice)
        return (
            self.employee.id if self.employee else None,
            self.behaviour.id if self.behaviour else None,
            outcome.selected if outcome.has_choice else "",
            cause.selected if cause.has_choice else "",
            self.query_one("#note", Input).value,
            self.query_one("#story", TickBox).value,
            self.query_one("#when", Input).value.strip(),
            self.query_one(EmployeePicker).search_text if self.employee is None else "",
        )

    def action_save(self) -> None:
        from pydantic import ValidationError

        from floorcoach.models import ObservationInput

        if self._saving:
            return
        outcome = self.query_one("#outcome", KeyChoice)
        cause = self.query_one("#cause", KeyChoice)
        if self.employee is None:
            self._status("Choose the employee first")
            self.query_one(EmployeePicker).focus_search()
            return
        if self.behaviour is None:
            self._status("Choose the behaviour you observed")
            self.action_change_behaviour()
            return
        if not outcome.has_choice:
            self._status(f"Choose the outcome: {key_hint(OUTCOME_KEYS)}")
            outcome.focus()
            return
        try:
            when = self._parse_when()
        except ValueError as exc:
            self._status(self._when_problem(exc))
            self.query_one("#when").focus()
            return
        try:
            data = ObservationInput(
                employee_id=self.employee.id,
                behaviour_id=self.behaviour.id,
                outcome=outcome.selected,
                cause=cause.selected if outcome.selected == "missed" else None,
                note=self.query_one("#note", Input).value,
                story=self.query_one("#story", TickBox).value,
                observed_at=when,
            )
        except ValidationError as exc:
            self._status(str(exc.errors()[0]["msg"]))
            return
        if self.editing is None and not self._twice_on_purpose:
            self._save_unless_duplicate(data)
            return
        self._twice_on_purpose = False
        self._start_save(self._save_job(data))

    def _save_unless_duplicate(self, data) -> None:
        """Ask before saving what was saved a minute ago (same person, behaviour, outcome)."""
        from floorcoach.observations import recent_duplicate

        def checked(earlier: Observation | None) -> None:
            self._saving = False
            if earlier is None:
                self._twice_on_purpose = True
                self.action_save()
                return
            self._status("")
            self._ask_twice(earlier)

        self._saving = True
        self.app.run_db(
            lambda store: recent_duplicate(
                store, data.employee_id, data.behaviour_id, data.outcome.value
            ),
            done=checked,
            failed=lambda _: setattr(self, "_saving", False),
        )

    def _ask_twice(self, earlier: Observation) -> None:
        from floorcoach.widgets.choice_dialog import ChoiceDialog

        at = clock.to_local(earlier.created_at)
        body = Text(
            f"You saved {safe_text(earlier.employee_name)} · {safe_text(earlier.behaviour_title)}"
            f" · {earlier.outcome.value} at {at:%H:%M:%S}. Save the same observation again?"
        )
        dialog = ChoiceDialog(
            "Saved a minute ago",
            body,
            [("y", "again", "Save it again"), ("n", "keep", "Don't save twice")],
        )
        dialog.AUTO_FOCUS = "#choice-keep"  # Enter, like Escape, saves nothing twice

        def answered(choice: str | None) -> None:
            if choice == "again":
                self._twice_on_purpose = True
                self.action_save()
            else:
                self._status("Not saved twice; change something, or Escape to leave")

        self.app.push_screen(dialog, answered)

    def _save_job(self, data):
        from floorcoach.observations import edit_observation, log_observation

        supervisor = self.app.supervisor
        editing = self.editing
        if editing is None:

            def log_and_tell(store):
                from floorcoach.followups import followups_checked_by

                saved = log_observation(store, data, supervisor=supervisor)
                return saved, [r.describe() for r in followups_checked_by(store, saved.id)]

            return log_and_tell
        return lambda store: edit_observation(
            store, editing.id, data, by=supervisor, expected_version=editing.version
        )

    def _saved(self, observation: Observation | tuple) -> None:
        # A new observation comes with what it did to coaching follow-ups (may be none).
        observation, follow_ups = (
            observation if isinstance(observation, tuple) else (observation, [])
        )
        self._saving = False
        self._initial = self._state()
        self._close_draft()
        self.app.last_employee = self.employee
        verb = "Corrected" if self.editing else "Saved"
        # A new observation can be undone while its notice shows (a correction has `h`).
        shown = {} if self.editing else {"timeout": self.app.offer_undo(observation)}
        undo = "" if self.editing else " ctrl+z undoes it."
        self.app.notify(
            f"{verb}: {safe_text(observation.employee_name)} · {observation.behaviour_title} · "
            f"{observation.outcome.value}.{undo} Press a for another for the same person."
            + "".join(f"\n{line}" for line in follow_ups),
            title=verb,
            markup=False,
            **shown,
        )
        self.dismiss(observation)

    # --- drafts: what was typed survives the app being closed or killed ------------------

    @property
    def _draft_form(self) -> str:
        return "observation" if self.editing is None else f"observation-{self.editing.id}"

    def _draft_fields(self) -> dict:
        outcome = self.query_one("#outcome", KeyChoice)
        cause = self.query_one("#cause", KeyChoice)
        return {
            "behaviour_id": self.behaviour.id if self.behaviour else None,
            "outcome": outcome.selected if outcome.has_choice else None,
            "cause_chosen": cause.has_choice,
            "cause": cause.selected if cause.has_choice else None,
            "note": self.query_one("#note", Input).value,
            "story": self.query_one("#story", TickBox).value,
            "employee_filter": self.query_one(EmployeePicker).search_text,
        }

    def _draft_label(self) -> str:
        name = safe_text(self.employee.name) if self.employee else "someone not chosen yet"
        return f"{'correction' if self.editing else 'observation'} of {name}"

    def _apply_draft(self, draft) -> None:
        """Fill the form from a draft, the same way `_load_for_editing` fills it from a record."""
        from floorcoach.drafts import drafted_value

        fields = draft.fields
        drafted = fields.get("employee")
        if drafted and self.editing is None:
            with suppress(ValueError):
                self._set_employee(Employee.model_validate(drafted))
        elif fields.get("employee_filter") and self.employee is None:
            self.query_one(EmployeePicker).search_text = str(fields["employee_filter"])
        behaviour = next(
            (b for b in self.app.behaviours if b.id == fields.get("behaviour_id")), None
        )
        if behaviour is not None:
            self._set_behaviour(behaviour)
        outcome = self.query_one("#outcome", KeyChoice)
        drafted_outcome = drafted_value(fields.get("outcome"), Outcome)
        if drafted_outcome is not None:
            outcome._chosen_once, outcome.selected = True, drafted_outcome.value
            outcome.refresh()
        self._show_cause(outcome.has_choice and outcome.selected == "missed")
        cause = self.query_one("#cause", KeyChoice)
        drafted_cause = drafted_value(fields.get("cause"), Cause)
        not_sure = fields.get("cause") is None
        if fields.get("cause_chosen") and (drafted_cause is not None or not_sure):
            cause._chosen_once = True
            cause.selected = drafted_cause.value if drafted_cause is not None else None
            cause.refresh()
        self.query_one("#note", Input).value = str(fields.get("note") or "")
        self.query_one("#story", TickBox).value = bool(fields.get("story"))
        if self.employee is None:
            self.query_one(EmployeePicker).focus_search()
        elif self.behaviour is None:
            self.query_one(BehaviourPicker).focus_filter()
        elif not outcome.has_choice:
            outcome.focus()
        else:
            self.query_one("#note").focus()

    # --- a record changed elsewhere: RecordForm asks; these say what it is --------------

    RECORD_NAME = "observation"

    @staticmethod
    def _fetch_current(store, observation_id: str) -> Observation:
        from floorcoach.observations import get_observation

        return get_observation(store, observation_id)

    def _describe_current(self, current: Observation) -> Text:
        cause = f" ({current.cause.value})" if current.cause else ""
        now = Text(f"{safe_text(current.behaviour_title)} · {current.outcome.value}{cause}")
        if current.note:
            now.append(f" · {safe_text(current.note, limit=200)}")
        return now

    def _reload_from(self, current: Observation) -> None:
        self.query_one("#cause", KeyChoice).clear()
        self._show_cause(False)
        self._load_for_editing(current)
