"""Choose a behaviour from the catalogue: grouped by touch point, type to filter, 1–9 to pick."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from floorcoach.models import Behaviour
from floorcoach.safe_text import safe_text
from floorcoach.widgets.picker_input import PickerInput, move_highlight


def behaviour_label(number: int | None, behaviour: Behaviour) -> Text:
    text = Text()
    text.append(f"{number} " if number is not None and number <= 9 else "  ", style="bold")
    text.append(safe_text(behaviour.title))
    return text


class BehaviourPicker(Vertical):
    """A filter box over the catalogue; posts `Chosen` for a digit, Enter or a click.

    Focus behaviours (a team lead's current focus) come first under their own heading;
    behaviours already chosen (a coaching session covers several) are marked. Enter with
    nothing matching posts `Finished`, so a form can move on.
    """

    DEFAULT_CSS = """
    BehaviourPicker {
        height: 1fr;
    }
    BehaviourPicker #behaviour-options {
        height: 1fr;
        min-height: 6;
        border: none;
    }
    """

    class Chosen(Message):
        def __init__(self, picker: BehaviourPicker, behaviour: Behaviour) -> None:
            super().__init__()
            self.picker = picker
            self.behaviour = behaviour

        @property
        def control(self) -> BehaviourPicker:
            return self.picker

    class Finished(Message):
        def __init__(self, picker: BehaviourPicker) -> None:
            super().__init__()
            self.picker = picker

        @property
        def control(self) -> BehaviourPicker:
            return self.picker

    def __init__(self, *, placeholder: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.placeholder = placeholder
        self.behaviours: list[Behaviour] = []
        self.focus_ids: list[str] = []
        self.chosen_ids: set[str] = set()
        self.matches: list[Behaviour] = []  # what the filter shows, in order

    def compose(self) -> ComposeResult:
        yield PickerInput(placeholder=self.placeholder, id="behaviour-filter", digits_pick=True)
        yield OptionList(id="behaviour-options")

    def on_mount(self) -> None:
        self.query_one("#behaviour-options", OptionList).can_focus = False

    def show(
        self,
        behaviours: Sequence[Behaviour],
        *,
        focus_ids: Sequence[str] = (),
        chosen_ids: Collection[str] = (),
    ) -> None:
        """(Re)list `behaviours`, focus ones first, keeping what is typed in the filter."""
        self.behaviours = list(behaviours)
        self.focus_ids = list(focus_ids)
        self.chosen_ids = set(chosen_ids)
        self._filter(self.query_one("#behaviour-filter", Input).value)

    @property
    def highlighted(self) -> Behaviour | None:
        options = self.query_one("#behaviour-options", OptionList)
        if options.highlighted is None:
            return None
        option_id = options.get_option_at_index(options.highlighted).id
        return next((b for b in self.matches if b.id == option_id), None)

    @property
    def is_open(self) -> bool:
        return bool(self.display)

    def open(self) -> None:
        self.display = True
        self.query_one("#behaviour-filter").focus()

    def close(self, *, clear_filter: bool = False) -> None:
        if clear_filter:
            self.query_one("#behaviour-filter", Input).value = ""
        self.display = False

    def focus_filter(self) -> None:
        self.query_one("#behaviour-filter").focus()

    def _ordered(self) -> list[Behaviour]:
        first = [b for fid in self.focus_ids for b in self.behaviours if b.id == fid]
        return first + [b for b in self.behaviours if b.id not in self.focus_ids]

    def _filter(self, text: str) -> None:
        words = text.lower().split()
        focus = set(self.focus_ids)
        self.matches = [
            b
            for b in self._ordered()
            if all(w in f"{b.title} {b.id} {b.touch_point}".lower() for w in words)
        ]
        options = self.query_one("#behaviour-options", OptionList)
        options.clear_options()
        group = None
        first_choice = None
        for number, behaviour in enumerate(self.matches, 1):
            heading = "Focus behaviours" if behaviour.id in focus else behaviour.touch_point
            if heading != group:
                group = heading
                options.add_option(
                    Option(Text(safe_text(heading), style="bold underline"), disabled=True)
                )
            label = behaviour_label(number, behaviour)
            if behaviour.id in self.chosen_ids:
                label.append("  ✓ chosen", style="bold")
            if first_choice is None:
                first_choice = options.option_count
            options.add_option(Option(label, id=behaviour.id))
        if first_choice is None:
            options.add_option(Option(Text("no behaviour matches"), disabled=True))
        else:
            options.highlighted = first_choice

    @on(Input.Changed, "#behaviour-filter")
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        self._filter(event.value)

    @on(PickerInput.Move, "#behaviour-filter")
    def _moved(self, event: PickerInput.Move) -> None:
        event.stop()
        move_highlight(self.query_one("#behaviour-options", OptionList), event.delta)

    @on(PickerInput.Pick, "#behaviour-filter")
    def _numbered(self, event: PickerInput.Pick) -> None:
        event.stop()
        if event.number <= len(self.matches):
            self.post_message(self.Chosen(self, self.matches[event.number - 1]))

    @on(Input.Submitted, "#behaviour-filter")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        behaviour = self.highlighted
        if behaviour is None:
            self.post_message(self.Finished(self))
        else:
            self.post_message(self.Chosen(self, behaviour))

    @on(OptionList.OptionSelected, "#behaviour-options")
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        behaviour = next((b for b in self.matches if b.id == event.option.id), None)
        if behaviour is not None:
            self.post_message(self.Chosen(self, behaviour))
