"""SVG snapshots of the main screens at 80×24, the smallest terminal a supervisor has: what a
supervisor reads first is on view, nothing of the footer is cut, fixed demo data."""

from __future__ import annotations

import time

from floorcoach.app import FloorcoachApp

from .pilot import settle, wait_for_rows
from .snapshots import before_snapshot, demo_database

SMALL = (80, 24)


def test_home_screen_at_80x24(snap_compare, db_path, monkeypatch):
    app = FloorcoachApp(db_path=demo_database(db_path, monkeypatch))
    assert snap_compare(app, terminal_size=SMALL, run_before=before_snapshot(table="#today"))


def test_observation_form_at_80x24(snap_compare, db_path, monkeypatch):
    app = FloorcoachApp(db_path=demo_database(db_path, monkeypatch))
    keys = ("o", "a", "m", "i", "enter")
    assert snap_compare(app, terminal_size=SMALL, run_before=before_snapshot(*keys))


def test_employee_page_at_80x24(snap_compare, db_path, monkeypatch):
    app = FloorcoachApp(db_path=demo_database(db_path, monkeypatch))
    run_before = before_snapshot("e", "down", "enter", table="#timeline")
    assert snap_compare(app, terminal_size=SMALL, run_before=run_before)


def test_team_review_at_80x24(snap_compare, db_path, monkeypatch):
    app = FloorcoachApp(db_path=demo_database(db_path, monkeypatch))
    assert snap_compare(app, terminal_size=SMALL, run_before=before_snapshot("r", table="#review"))


def test_trend_grid_at_80x24(snap_compare, db_path, monkeypatch):
    app = FloorcoachApp(db_path=demo_database(db_path, monkeypatch))
    trend = before_snapshot("e", "down", "enter", "t", table="#trend-table")

    async def run_before(pilot) -> None:
        await trend(pilot)
        table = await wait_for_rows(pilot.app, pilot, "#trend-table")
        deadline = time.monotonic() + 15.0
        while table.scroll_x != table.max_scroll_x:  # the newest weeks in view
            assert time.monotonic() < deadline, "the trend never scrolled to the newest weeks"
            await pilot.pause(0.02)
        await settle(pilot.app, pilot)

    assert snap_compare(app, terminal_size=SMALL, run_before=run_before)
