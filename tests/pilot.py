"""Helpers for driving the real app with Pilot: wait for the database work to land."""

from __future__ import annotations

import time

from textual.app import ScreenStackError
from textual.widgets import DataTable

from floorcoach.app import FloorcoachApp


async def settle(app: FloorcoachApp, pilot, timeout: float = 15.0) -> None:
    """Wait until every worker is done and the screen has processed their results.

    Polls rather than awaiting the workers, so a worker cancelled by a newer exclusive
    one (a search typed on) is simply finished, not an error.
    """
    deadline = time.monotonic() + timeout
    quiet = 0
    while quiet < 3:  # three quiet looks in a row: work started by work has shown up too
        if _busy(app):
            quiet = 0
            assert time.monotonic() < deadline, "database work did not finish in time"
            await pilot.pause(0.01)
        else:
            quiet += 1
            await pilot.pause()


def _busy(app: FloorcoachApp) -> bool:
    """Workers still running, or a table that has not yet measured the rows just added.

    DataTable sizes its columns for new rows on its next idle (a private flag says it is
    due); on a loaded machine a snapshot taken before that shows every column cut short.
    """
    if any(not worker.is_finished for worker in app.workers):
        return True
    try:
        screen = app.screen
    except ScreenStackError:  # the app is closing
        return False
    if not screen.is_mounted:  # still composing: its own work has not started yet
        return True
    return any(table._require_update_dimensions for table in screen.query(DataTable))


async def wait_ready(app: FloorcoachApp, pilot) -> None:
    """Wait until the app has opened the database and loaded the catalogue."""
    for _ in range(200):
        if app.ready:
            break
        await pilot.pause(0.02)
    assert app.ready, "the app did not finish opening the database"
    await settle(app, pilot)


async def wait_for_rows(app: FloorcoachApp, pilot, selector: str, timeout: float = 15.0):
    """Wait until the top screen's table `selector` holds rows, then settle (for snapshots)."""
    deadline = time.monotonic() + timeout
    while True:
        tables = list(app.screen.query(selector).results(DataTable))
        if tables and tables[0].row_count:
            break
        assert time.monotonic() < deadline, f"the table {selector} got no rows"
        await pilot.pause(0.02)
    await settle(app, pilot)
    return tables[0]


async def wait_for_screen(app: FloorcoachApp, pilot, screen_type: type, timeout: float = 10.0):
    """Wait until a screen of this type is on top and mounted (its widgets can be queried)."""
    deadline = time.monotonic() + timeout
    while not (isinstance(app.screen, screen_type) and app.screen.is_mounted):
        assert time.monotonic() < deadline, f"{screen_type.__name__} was not shown"
        await pilot.pause(0.02)
    await pilot.pause()
    return app.screen


async def press_all(app: FloorcoachApp, pilot, *keys: str) -> None:
    """Press keys one by one, letting database work finish between them (as a person would)."""
    for key in keys:
        await pilot.press(key)
        await settle(app, pilot)


async def choose_in_palette(app: FloorcoachApp, pilot, query: str, expect: str) -> None:
    """Open the command palette, type `query`, and once its top hit mentions `expect`
    (the search has finished: it runs in a worker), press Enter on it."""
    from textual.command import CommandList, CommandPalette

    await pilot.press("ctrl+p")
    palette = await wait_for_screen(app, pilot, CommandPalette)
    await pilot.press(*query)
    deadline = time.monotonic() + 15.0
    while True:
        await settle(app, pilot)
        hits = palette.query_one(CommandList)
        if hits.option_count and expect in str(hits.get_option_at_index(0).prompt):
            break
        assert time.monotonic() < deadline, f"the palette did not offer {expect!r}"
        await pilot.pause(0.05)
    await press_all(app, pilot, "enter")
