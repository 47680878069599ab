"""What the team lead sees, pinned: the trend grid and the team review on fixed demo data."""

from __future__ import annotations

import time

import pytest

from floorcoach.app import FloorcoachApp
from floorcoach.demo import generate_demo
from floorcoach.employees import list_employees

from .conftest import pinned_now
from .pilot import press_all, settle, wait_for_rows, wait_ready


async def _still(pilot, table: str) -> None:
    """Wait for the table's rows, and for it to size its columns to them."""
    await wait_for_rows(pilot.app, pilot, table)


NOW = "2026-11-25T10:00:00+00:00"
SIZE = (130, 40)


@pytest.fixture
def demo(store, monkeypatch):
    pinned_now(monkeypatch, NOW)
    generate_demo(store, employees=12, weeks=8, seed=1)
    return list_employees(store)


def test_an_employees_trend_grid(snap_compare, db_path, demo):
    employee = demo[0]

    async def open_trend(pilot) -> None:
        app = pilot.app
        await wait_ready(app, pilot)
        app.open_employee(employee)
        await settle(app, pilot)
        await press_all(app, pilot, "t")
        table = await wait_for_rows(app, pilot, "#trend-table")
        deadline = time.monotonic() + 15.0
        while table.max_scroll_x and table.scroll_x != table.max_scroll_x:  # newest weeks in view
            assert time.monotonic() < deadline, "the trend never scrolled to the newest weeks"
            await pilot.pause(0.02)
        await settle(app, pilot)

    assert snap_compare(FloorcoachApp(db_path=db_path), terminal_size=SIZE, run_before=open_trend)


def test_the_team_review_of_this_week(snap_compare, db_path, demo):
    async def open_review(pilot) -> None:
        app = pilot.app
        await wait_ready(app, pilot)
        await press_all(app, pilot, "r")
        await _still(pilot, "#review")

    assert snap_compare(FloorcoachApp(db_path=db_path), terminal_size=SIZE, run_before=open_review)


def test_the_team_review_of_an_earlier_week_sorted_by_met_rate(snap_compare, db_path, demo):
    async def open_review(pilot) -> None:
        app = pilot.app
        await wait_ready(app, pilot)
        await press_all(app, pilot, "r", "left_square_bracket", "left_square_bracket", "s", "s")
        await _still(pilot, "#review")

    assert snap_compare(FloorcoachApp(db_path=db_path), terminal_size=SIZE, run_before=open_review)
