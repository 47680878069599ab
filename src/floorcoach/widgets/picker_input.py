"""A text box that filters a list beside it: arrows move the highlight, digits pick."""

from __future__ import annotations

from textual import events
from textual.message import Message
from textual.widgets import Input, OptionList


class PickerInput(Input):
    """Type to filter; up/down move through the matches; 1–9 pick a numbered match.

    The list itself stays unfocused, so the supervisor never has to leave the keyboard
    row they are typing on.
    """

    class Move(Message):
        def __init__(self, picker: PickerInput, delta: int) -> None:
            super().__init__()
            self.picker = picker
            self.delta = delta

        @property
        def control(self) -> PickerInput:
            return self.picker

    class Pick(Message):
        def __init__(self, picker: PickerInput, number: int) -> None:
            super().__init__()
            self.picker = picker
            self.number = number

        @property
        def control(self) -> PickerInput:
            return self.picker

    def __init__(self, *args, digits_pick: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.digits_pick = digits_pick

    async def _on_key(self, event: events.Key) -> None:
        if event.key in ("down", "up", "pagedown", "pageup"):
            step = {"down": 1, "up": -1, "pagedown": 5, "pageup": -5}[event.key]
            event.stop()
            event.prevent_default()
            self.post_message(self.Move(self, step))
            return
        if self.digits_pick and event.character and event.character in "123456789":
            event.stop()
            event.prevent_default()
            self.post_message(self.Pick(self, int(event.character)))
            return
        await super()._on_key(event)


def move_highlight(options: OptionList, delta: int) -> None:
    """Move the highlight by `delta`, skipping the disabled group headings."""
    count = options.option_count
    if not count:
        return
    index = options.highlighted if options.highlighted is not None else -1
    step = 1 if delta > 0 else -1
    remaining = abs(delta)
    while remaining:
        candidate = index + step
        while 0 <= candidate < count and options.get_option_at_index(candidate).disabled:
            candidate += step
        if not 0 <= candidate < count:
            break
        index = candidate
        remaining -= 1
    if index >= 0:
        options.highlighted = index
