"""Shown instead of the app when it must not start: a broken catalogue, a refused database."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static


class ProblemScreen(Screen):
    BINDINGS = [Binding("q,escape", "app.quit", "Quit", id="quit-problem")]

    def __init__(self, problem: Exception) -> None:
        super().__init__()
        self.problem = problem

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="problem-box"):
            yield Static("floorcoach cannot start", classes="panel-title")
            yield Static(Text(str(self.problem)), id="problem-text")
            yield Static(
                "Nothing was changed. Fix the file named above (or run "
                "`floorcoach catalogue check`), then start floorcoach again.",
                classes="hint",
            )
        yield Footer()
