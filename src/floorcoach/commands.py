"""The command palette (ctrl+p): every screen and action, found by typing a few letters."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from floorcoach.app import FloorcoachApp

# (title, action on the app, help) — one line per screen or action users can reach.
PALETTE_ENTRIES: list[tuple[str, str, str]] = [
    ("Log observation", "log_observation", "Record what you just saw (ctrl+o from anywhere)"),
    ("Log another for the same employee", "log_again", "Repeat for the last person observed"),
    ("Home: today's shift", "show_home", "Today's observations and quick keys"),
    ("Employees", "show_employees", "The roster: search, add, edit, deactivate"),
    ("Add employee", "add_employee", "Add one person to the roster"),
    ("Import roster CSV", "import_roster", "Add or update employees from an HR file"),
]


class FloorcoachCommands(Provider):
    @property
    def _app(self) -> FloorcoachApp:
        return self.app  # type: ignore[return-value]

    def _command(self, action: str):
        async def run() -> None:
            await self._app.run_action(action)

        return run

    async def discover(self) -> Hits:
        for title, action, help_text in PALETTE_ENTRIES:
            yield DiscoveryHit(title, self._command(action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, action, help_text in PALETTE_ENTRIES:
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), self._command(action), help=help_text)
