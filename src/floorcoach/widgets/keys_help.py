"""`?` (or F2): every key of the screen you are on, and the keys that work everywhere.

Footers fit 80 columns, so they show the keys a supervisor needs most; this list shows
all of them, read from the screen's own bindings so it can never fall behind them, and
the keys its fields read as they are typed (a form's digits and letters), which the
screen names in `TYPED_KEYS` from the same lists its fields use.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static


def choice_keys(choices, *, between: str = " / ") -> tuple[str, str]:
    """(`m / x / e`, `met / missed / exceeded`): a KeyChoice's keys as one `TYPED_KEYS`
    line, from the very choices the field offers."""
    return (
        between.join(choice.keys[0] for choice in choices),
        " / ".join(choice.label for choice in choices),
    )


def screen_keys(screen: Screen) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(this screen's keys, the keys that work everywhere) as (keys, what it does).

    A binding on several keys is one line (`[ / ←`). Only floorcoach's bindings are
    listed (they all have an id); Textual's own (Tab, a table's cursor keys) are not.
    """
    from textual.app import App

    app = screen.app
    here: dict[int, tuple[list[str], Binding]] = {}
    everywhere: dict[int, tuple[list[str], Binding]] = {}
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if not (binding.description and binding.id):
            continue  # Textual's own (Tab, copy) and a widget's unnamed cursor keys
        target = everywhere if isinstance(active.node, App) else here
        display = app.get_key_display(binding.with_key(key))
        keys, _ = target.setdefault(id(binding), ([], binding))
        if display not in keys:
            keys.append(display)

    def lines(found: dict[int, tuple[list[str], Binding]]) -> list[tuple[str, str]]:
        return [
            (" / ".join(keys), binding.tooltip or binding.description)
            for keys, binding in found.values()
        ]

    # Textual's own binding, so it has no id: named here, with the key the app uses.
    palette_key = app.get_key_display(Binding(app.COMMAND_PALETTE_BINDING, "command_palette"))
    palette = [(palette_key, "command palette: every screen and action, and people by name")]
    return lines(here), lines(everywhere) + palette


class KeysHelp(ModalScreen[None]):
    """The keys of `screen`; Escape, `?`, `q` or F2 closes it."""

    BINDINGS = [Binding("escape,question_mark,q,f2", "close", "Close", id="close-keys")]

    DEFAULT_CSS = """
    KeysHelp #keys-list {
        width: 72;
        max-width: 95%;
        height: auto;
        max-height: 90%;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    """

    def __init__(self, screen: Screen) -> None:
        super().__init__()
        self.here, self.everywhere = screen_keys(screen)
        self.typed: list[tuple[str, str]] = list(getattr(screen, "TYPED_KEYS", ()))
        palette = getattr(screen, "PALETTE", ())
        self.title_text = palette[0].title if palette else screen.sub_title

    def compose(self) -> ComposeResult:
        text = Text()
        text.append(f"Keys: {self.title_text}\n", style="bold")
        for heading, keys in (
            ("Here", self.here),
            ("While filling in", self.typed),
            ("Everywhere", self.everywhere),
        ):
            if not keys:
                continue
            text.append(f"\n{heading}\n", style="bold")
            width = max((len(k) for k, _ in keys), default=0)
            for key, does in keys:
                text.append(f"  {key.ljust(width)}  ", style="bold")
                text.append(f"{does}\n")
        text.append("\nEscape, ? or F2 closes this list", style="dim")
        with VerticalScroll(id="keys-list"):
            yield Static(text, id="keys-text")

    def action_close(self) -> None:
        self.dismiss(None)
