"""A checkbox that reads right without colour: `[x]` ticked, `[ ]` not.

Textual's Checkbox draws `▐X▌` either way and tells ticked from unticked by colour
alone, so in plain text, on a monochrome terminal or with NO_COLOR an unticked box
reads as ticked ("Acknowledged" looked ticked when it was not).
"""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Checkbox


class TickBox(Checkbox):
    """A Checkbox whose mark is a character, not a colour."""

    DEFAULT_CSS = """
    TickBox > .toggle--button {
        background: transparent;
        color: $text;
    }
    TickBox.-on > .toggle--button {
        color: $text-success;
    }
    """

    @property
    def _button(self) -> Content:
        style = self.get_visual_style("toggle--button")
        return Content.assemble("[", ("x" if self.value else " ", style), "]")
