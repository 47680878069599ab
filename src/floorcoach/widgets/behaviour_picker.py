"""Choose a behaviour from the catalogue: grouped by touch point, type to filter, a number
to pick (`12` picks the twelfth)."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from floorcoach.models import Behaviour
from floorcoach.safe_text import safe_text
from floorcoach.search_text import ELSEWHERE, behaviour_matches, fold
from floorcoach.widgets.picker_input import PickerInput, move_highlight


def behaviour_label(number: int, width: int, behaviour: Behaviour, typed: str = "") -> Text:
    """`12 Gives a clear handover`, the words that `typed` found underlined."""
    text = Text()
    text.append(f"{number:>{width}} ", style="bold")
    words = fold(typed).split()
    title = safe_text(behaviour.title)
    for piece in re.split(r"(\w+)", title):
        found = words and piece.strip() and any(w in fold(piece) for w in words)
        text.append(piece, style="bold underline" if found else "")
    return text


class BehaviourPicker(Vertical):
    """A filter box over the catalogue; posts `Chosen` for a number, Enter or a click.

    Unfiltered, focus behaviours (a team lead's current focus) come first under their own
    heading, then each touch point; typed words rank the matches (`search_text.
    behaviour_matches`): titles first, then behaviours found only in their look-fors or
    standard, each showing where. Behaviours already chosen (a coaching session covers
    several) are marked. Enter with nothing matching posts `Finished`, so a form can move
    on; a number not listed, or Enter on a highlight that is not on screen, posts
    `NotPicked` saying why, and nothing is chosen.
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
        """`then`: a key typed right after the number, for the form's next field."""

        def __init__(
            self, picker: BehaviourPicker, behaviour: Behaviour, then: events.Key | None = None
        ) -> None:
            super().__init__()
            self.picker = picker
            self.behaviour = behaviour
            self.then = then

        @property
        def control(self) -> BehaviourPicker:
            return self.picker

        def pass_on_key(self) -> None:
            """Send `then` on to whatever has focus once the form has moved on: `7 m` means
            behaviour 7, then met. Sent as the app, as a terminal's key is, so it reaches
            the app's and the screen's bindings too."""
            if self.then is None:
                return
            app = self.picker.app
            key = events.Key(self.then.key, self.then.character)
            key.set_sender(app)
            app.call_later(app.post_message, key)

    class NotPicked(Message):
        def __init__(self, picker: BehaviourPicker, reason: str) -> None:
            super().__init__()
            self.picker = picker
            self.reason = reason

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
        focus = set(self.focus_ids)
        if text.split():
            found = behaviour_matches(self._ordered(), text)
            self.matches = [match.behaviour for match in found]
            heading = ["Best matches" if m.rank < ELSEWHERE else "Found elsewhere" for m in found]
            where = [match.where for match in found]
        else:
            self.matches = self._ordered()
            heading = ["Focus behaviours" if b.id in focus else b.touch_point for b in self.matches]
            where = [""] * len(self.matches)
        options = self.query_one("#behaviour-options", OptionList)
        options.clear_options()
        self.query_one("#behaviour-filter", PickerInput).pick_limit = len(self.matches)
        width = len(str(len(self.matches)))
        group = None
        first_choice = None
        for number, behaviour in enumerate(self.matches, 1):
            if heading[number - 1] != group:
                group = heading[number - 1]
                options.add_option(
                    Option(Text(safe_text(group), style="bold underline"), disabled=True)
                )
            label = behaviour_label(number, width, behaviour, text)
            if behaviour.id in self.chosen_ids:
                label.append("  ✓ chosen", style="bold")
            if where[number - 1]:
                label.append(f"\n{' ' * (width + 1)}↳ {safe_text(where[number - 1])}", style="dim")
            if first_choice is None:
                first_choice = options.option_count
            options.add_option(Option(label, id=behaviour.id))
        if first_choice is None:
            options.add_option(Option(Text("no behaviour matches"), disabled=True))
        else:
            options.highlighted = first_choice
            self.call_after_refresh(options.scroll_to_highlight)

    def _highlight_on_screen(self) -> bool:
        """Whether the highlighted behaviour can be seen whole in the list as it is drawn."""
        options = self.query_one("#behaviour-options", OptionList)
        index = options.highlighted
        if index is None or not options.region.height:
            return False
        top = options._index_to_line.get(index)
        if top is None:
            return False
        bottom = top + options._heights[index]
        shown = options.scroll_offset.y
        return shown <= top and bottom <= shown + options.scrollable_content_region.height

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
        if event.number > len(self.matches):
            self.post_message(
                self.NotPicked(self, f"There is no behaviour {event.number} in the list")
            )
            return
        behaviour = self.matches[event.number - 1]
        if not event.final:  # waiting for a second digit: show which one the first means
            options = self.query_one("#behaviour-options", OptionList)
            options.highlighted = options.get_option_index(behaviour.id)
            return
        self.post_message(self.Chosen(self, behaviour, event.then))

    @on(Input.Submitted, "#behaviour-filter")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        behaviour = self.highlighted
        if behaviour is None:
            self.post_message(self.Finished(self))
        elif not self._highlight_on_screen():
            self.query_one("#behaviour-options", OptionList).scroll_to_highlight()
            self.post_message(
                self.NotPicked(
                    self,
                    "The highlighted behaviour was not on screen; check it, then press Enter",
                )
            )
        else:
            self.post_message(self.Chosen(self, behaviour))

    @on(OptionList.OptionSelected, "#behaviour-options")
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        behaviour = next((b for b in self.matches if b.id == event.option.id), None)
        if behaviour is not None:
            self.post_message(self.Chosen(self, behaviour))
