"""Helpers for stable SVG snapshots: pinned clock, fixed demo data, no blinking cursor."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from floorcoach.demo import generate_demo
from floorcoach.workspace import open_workspace

from .pilot import settle, wait_for_rows, wait_ready

SNAPSHOT_NOW = "2026-11-25T15:30:00+00:00"
SNAPSHOT_SIZE = (120, 40)


def demo_database(path: Path, monkeypatch, *, employees: int = 12, weeks: int = 8) -> Path:
    monkeypatch.setenv("FLOORCOACH_NOW", SNAPSHOT_NOW)
    with open_workspace(path) as store:
        generate_demo(store, employees=employees, weeks=weeks, seed=1)
    return path


def before_snapshot(*keys: str, table: str | None = None):
    """A `run_before` for snap_compare: wait for data, press keys, stop cursors blinking.

    With `table`, also wait until that table on the final screen holds its rows.
    """

    async def run_before(pilot) -> None:
        app = pilot.app
        await wait_ready(app, pilot)
        for key in keys:
            await pilot.press(key)
            await settle(app, pilot)
        if table is not None:
            await wait_for_rows(app, pilot, table)
        for widget in app.screen.query(Input):
            widget.cursor_blink = False
        await settle(app, pilot)

    return run_before
