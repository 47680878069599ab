"""A text box that filters a list beside it: arrows move the highlight, numbers pick."""

from __future__ import annotations

from textual import events
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, OptionList

# How long a first digit waits for a second one when the list has 10 or more entries:
# long enough for "1 2" typed at a walking pace, short enough that "1" alone feels prompt.
SECOND_DIGIT_S = 0.8


class PickerInput(Input):
    """Type to filter; up/down move through the matches; a number picks a numbered match.

    With `digits_pick`, digits never reach the filter: they make a number up to
    `pick_limit` (the matches shown), picked as soon as no second digit could follow,
    after `SECOND_DIGIT_S`, on Enter, or when another key is pressed; that key is then
    carried by the `Pick` message (`then`) so the form can pass it to the next field,
    and `7 m` still means behaviour 7, met. The list itself stays unfocused, so the
    supervisor never has to leave the keyboard row they are typing on.
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
        """A number typed; `final` is False while it waits for a possible second digit."""

        def __init__(
            self,
            picker: PickerInput,
            number: int,
            *,
            final: bool = True,
            then: events.Key | None = None,
        ) -> None:
            super().__init__()
            self.picker = picker
            self.number = number
            self.final = final
            self.then = then

        @property
        def control(self) -> PickerInput:
            return self.picker

    def __init__(self, *args, digits_pick: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.digits_pick = digits_pick
        self.pick_limit = 0
        self._pending = 0  # the digits typed so far, 0 for none
        self._wait: Timer | None = None

    async def _on_key(self, event: events.Key) -> None:
        if self.digits_pick and event.character and event.character.isdigit():
            event.stop()
            event.prevent_default()
            self._digit(int(event.character))
            return
        if self._pending:
            event.stop()
            event.prevent_default()
            if event.key == "backspace":
                self._cancel_pending()
                return
            # Enter only confirms the number; any other key goes on to the next field.
            self._pick_pending(then=None if event.key == "enter" else event)
            return
        if event.key in ("down", "up", "pagedown", "pageup"):
            step = {"down": 1, "up": -1, "pagedown": 5, "pageup": -5}[event.key]
            event.stop()
            event.prevent_default()
            self.post_message(self.Move(self, step))
            return
        await super()._on_key(event)

    def _digit(self, digit: int) -> None:
        number = self._pending * 10 + digit
        if not number:
            return  # a leading 0 means nothing
        self._cancel_pending()
        if number * 10 > self.pick_limit:  # no second digit can make a listed number
            self.post_message(self.Pick(self, number))
            return
        self._pending = number
        self.post_message(self.Pick(self, number, final=False))
        self._wait = self.set_timer(SECOND_DIGIT_S, self._pick_pending)

    def _pick_pending(self, then: events.Key | None = None) -> None:
        number = self._pending
        self._cancel_pending()
        if number:
            self.post_message(self.Pick(self, number, then=then))

    def _cancel_pending(self) -> None:
        self._pending = 0
        if self._wait is not None:
            self._wait.stop()
            self._wait = None

    def on_blur(self) -> None:
        self._cancel_pending()


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
