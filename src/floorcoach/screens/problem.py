"""Shown instead of the app when it must not start: a broken catalogue, a refused database."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from floorcoach.catalogue_files import CatalogueError
from floorcoach.paths import ConfigError
from floorcoach.store import DamagedDatabase, DatabaseBusy


class ProblemScreen(Screen):
    BINDINGS = [Binding("q,escape", "app.quit", "Quit", id="quit-problem")]

    def __init__(self, problem: Exception) -> None:
        super().__init__()
        self.problem = problem

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="problem-box"):
            yield Static("floorcoach cannot start", classes="panel-title")
            yield Static(Text(str(self.problem)), id="problem-text")
            yield Static(_what_to_do(self.problem), id="problem-hint", classes="hint")
        yield Footer()


def _what_to_do(problem: Exception) -> str:
    """The next step for this kind of problem; the message above already names the file."""
    if isinstance(problem, CatalogueError):
        return (
            "Nothing was changed. Fix the catalogue file named above (or run "
            "`floorcoach catalogue check`), then start floorcoach again."
        )
    if isinstance(problem, ConfigError):
        return "Nothing was changed. Fix the config file named above, then start floorcoach again."
    if isinstance(problem, DatabaseBusy):
        return "Nothing was changed. Wait for the other program to finish, then start again."
    if isinstance(problem, DamagedDatabase):
        return (
            "floorcoach did not change the file. The message above says how to restore a "
            "backup; `floorcoach check` tells whether a file is whole."
        )
    return (
        "Nothing was changed: the database file was left exactly as it was. "
        "Start floorcoach with another file (--db PATH), or as the message above says."
    )
