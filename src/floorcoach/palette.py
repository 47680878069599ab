"""The command palette (ctrl+p): every screen and action, and any employee by name or ref."""

from __future__ import annotations

import asyncio
import functools
import importlib
from typing import TYPE_CHECKING

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider

from floorcoach.safe_text import safe_text

if TYPE_CHECKING:
    from floorcoach.app import FloorcoachApp
    from floorcoach.widgets.palette_entry import PaletteEntry


def screen_modules() -> list[str]:
    """The modules of floorcoach.screens (one per screen), in name order."""
    import pkgutil

    from floorcoach import screens

    return sorted(found.name for found in pkgutil.iter_modules(screens.__path__))


@functools.cache
def palette_entries() -> tuple[tuple[str, str, str], ...]:
    """(title, action on the app, help) of every entry the screens declare, in rank order.

    Each screen class names its own entries in `PALETTE` (widgets/palette_entry.py); an
    entry without an action opens its screen with `push('module:Class')`. This imports
    every screen module, so it runs off the event loop (the provider's `startup`).
    """
    found: list[tuple[int, str, str, str]] = []
    for name in screen_modules():
        module = importlib.import_module(f"floorcoach.screens.{name}")
        for value in vars(module).values():
            if not isinstance(value, type) or value.__module__ != module.__name__:
                continue  # imported from elsewhere: its own module declares it
            entries: tuple[PaletteEntry, ...] = vars(value).get("PALETTE", ())
            for entry in entries:
                action = entry.action or f"push('{name}:{value.__name__}')"
                found.append((entry.rank, entry.title, action, entry.help))
    return tuple((title, action, help_text) for _, title, action, help_text in sorted(found))


class FloorcoachCommands(Provider):
    _entries: tuple[tuple[str, str, str], ...] = ()  # palette_entries(), once started up

    @property
    def _app(self) -> FloorcoachApp:
        return self.app  # type: ignore[return-value]

    async def startup(self) -> None:
        # Collecting the entries imports every screen: in a thread, never on the event loop.
        self._entries = await asyncio.to_thread(palette_entries)

    def _command(self, action: str):
        async def run() -> None:
            await self._app.run_action(action)

        return run

    async def discover(self) -> Hits:
        for title, action, help_text in self._entries:
            yield DiscoveryHit(title, self._command(action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, action, help_text in self._entries:
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), self._command(action), help=help_text)
        if len(query.strip()) >= 2 and self._app.ready:
            for employee in await asyncio.to_thread(self._find_employees, query.strip()):
                label = Text(f"Employee: {safe_text(employee.name)}")
                detail = f"ref {employee.employee_ref or '–'} · team {employee.team or '–'}"
                yield Hit(
                    0.9, label, self._opener(employee), text=label.plain, help=safe_text(detail)
                )

    def _find_employees(self, query: str) -> list:
        """Runs in a thread with its own connection: the palette never waits on the UI."""
        from floorcoach.employees import list_employees
        from floorcoach.store import Store, StoreError

        try:
            with Store.open(self._app.db_path, create=False) as store:
                return list_employees(store, search=query, limit=8)
        except StoreError:
            return []

    def _opener(self, employee):
        def open_page() -> None:
            self._app.open_employee(employee)

        return open_page
