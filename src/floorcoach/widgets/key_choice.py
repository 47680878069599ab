"""A row of single-key choices (`m` met, `x` missed …) that can be picked with one key."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget


@dataclass(frozen=True)
class Choice:
    keys: tuple[str, ...]
    value: str | None
    label: str


class KeyChoice(Widget, can_focus=True):
    """Shows `[m] met  [x] missed  [e] exceeded`; a key press chooses and posts `Chosen`.

    Only the letters shown choose. Once something is chosen, Enter posts `Submitted` and
    any other character posts `TypedOn`, so a form can save, or start the next field with
    that character, while the row's own letters keep changing the choice.
    """

    DEFAULT_CSS = """
    KeyChoice {
        height: auto;
        padding: 0 1;
    }
    KeyChoice:focus {
        background: $boost;
    }
    """

    selected: reactive[str | None] = reactive(None)

    class Chosen(Message):
        def __init__(self, widget: KeyChoice, value: str | None) -> None:
            super().__init__()
            self.widget = widget
            self.value = value

        @property
        def control(self) -> KeyChoice:
            return self.widget

    class Submitted(Message):
        def __init__(self, widget: KeyChoice) -> None:
            super().__init__()
            self.widget = widget

        @property
        def control(self) -> KeyChoice:
            return self.widget

    class TypedOn(Message):
        def __init__(self, widget: KeyChoice, character: str) -> None:
            super().__init__()
            self.widget = widget
            self.character = character

        @property
        def control(self) -> KeyChoice:
            return self.widget

    def __init__(self, choices: list[Choice], *, types_on: bool = False, **kwargs) -> None:
        """`types_on`: the form moves the focus to the next field on `TypedOn` (the cause
        row starts the note), so the rest of a burst of typing belongs there too."""
        super().__init__(**kwargs)
        self.choices = choices
        self._chosen_once = False
        self._types_on = types_on
        # Set once a character has gone on to the next field: the keys typed in the same
        # burst, before the focus gets there, go on too (a note starting "rus…" must not
        # choose `u` and `s`). Cleared when the row is focused again.
        self._typing_on = False

    def render(self) -> Text:
        text = Text()
        for index, choice in enumerate(self.choices):
            if index:
                text.append("   ")
            chosen = self._chosen_once and choice.value == self.selected
            style = "bold reverse" if chosen else ""
            text.append(f"[{choice.keys[0]}]", style="bold" if not chosen else style)
            text.append(f" {choice.label}", style=style)
        return text

    def choose(self, value: str | None) -> None:
        self._chosen_once = True
        self.selected = value
        self.refresh()
        self.post_message(self.Chosen(self, value))

    def clear(self) -> None:
        self._chosen_once = False
        self.selected = None
        self.refresh()

    @property
    def has_choice(self) -> bool:
        return self._chosen_once

    def on_focus(self) -> None:
        self._typing_on = False

    def on_key(self, event: events.Key) -> None:
        if self._typing_on and event.is_printable and event.character:
            event.stop()
            event.prevent_default()
            self.post_message(self.TypedOn(self, event.character))
            return
        for choice in self.choices:
            if event.key in choice.keys or (event.character and event.character in choice.keys):
                event.stop()
                event.prevent_default()
                self.choose(choice.value)
                return
        if not self._chosen_once:
            return
        if event.key == "enter":
            event.stop()
            self.post_message(self.Submitted(self))
        elif event.is_printable and event.character:
            event.stop()
            event.prevent_default()
            self._typing_on = self._types_on
            self.post_message(self.TypedOn(self, event.character))
