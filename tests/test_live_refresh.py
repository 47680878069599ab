"""What another terminal writes shows in the open app within about two seconds, in place:
the rows change, the cursor stays on the record it was on, nothing blanks meanwhile."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import time

from floorcoach.app import FloorcoachApp
from floorcoach.models import ObservationInput
from floorcoach.observations import log_observation
from floorcoach.screens.employee_page import EmployeePage
from floorcoach.store import ChangeWatch

from .conftest import SUPERVISOR
from .pilot import press_all, settle, wait_for_screen, wait_ready

SHOWN_WITHIN = 2.5  # seconds after the other process has exited


def _log(store, employee, behaviour="greeting.eye-contact", note=""):
    data = ObservationInput(
        employee_id=employee.id, behaviour_id=behaviour, outcome="met", note=note
    )
    return log_observation(store, data, supervisor=SUPERVISOR)


async def _log_in_another_process(db_path, employee_ref: str, note: str) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "floorcoach",
        "--db",
        str(db_path),
        "log",
        "--employee",
        employee_ref,
        "--behaviour",
        "greeting.eye-contact",
        "--outcome",
        "met",
        "--note",
        note,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()


async def _until(pilot, table, rows: int, seen_counts: list[int]) -> float:
    """Seconds until `table` holds `rows` rows; records every row count seen meanwhile."""
    started = time.monotonic()
    while table.row_count != rows:
        seen_counts.append(table.row_count)
        assert time.monotonic() - started < SHOWN_WITHIN, "the other process's write never showed"
        await pilot.pause(0.05)
    return time.monotonic() - started


def _cursor_key(table) -> str:
    return table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value


async def test_a_log_from_another_terminal_appears_on_home_with_the_cursor_kept(
    db_path, store, team
):
    amira, ben, _ = team
    _log(store, amira, note="first")
    _log(store, ben, note="second")
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        table = app.screen.query_one("#today")
        assert table.row_count == 2
        await press_all(app, pilot, "down")  # the older of the two
        selected = _cursor_key(table)

        await _log_in_another_process(db_path, "000125", "from the other terminal")
        seen: list[int] = []
        took = await _until(pilot, table, 3, seen)
        await settle(app, pilot)

        assert took < SHOWN_WITHIN
        assert 0 not in seen, "the table blanked while it loaded again"
        assert not table.loading
        assert _cursor_key(table) == selected  # still on the same observation, now row 3
        assert table.cursor_row == 2
        assert "from the other terminal" in str(table.get_row_at(0))


async def test_the_employee_page_shows_what_another_terminal_logged_about_them(
    db_path, store, team
):
    amira = team[0]
    for note in ("one", "two", "three"):
        _log(store, amira, note=note)
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        app.open_employee(amira)
        page = await wait_for_screen(app, pilot, EmployeePage)
        await settle(app, pilot)
        table = page.query_one("#timeline")
        await press_all(app, pilot, "down", "down")
        selected = _cursor_key(table)

        await _log_in_another_process(db_path, amira.employee_ref, "seen from the till")
        seen: list[int] = []
        await _until(pilot, table, 4, seen)
        await settle(app, pilot)

        assert 0 not in seen
        assert _cursor_key(table) == selected
        assert "Observations: 4" in str(page.query_one("#timeline-title").content)


async def test_the_apps_own_save_is_announced_once_not_again_by_the_watch(
    db_path, store, team, monkeypatch
):
    """The app tells its screens about its own saves; the watch must not repeat it."""
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        announced: list[None] = []
        tell = app.records_changed

        def counted(*args, **kwargs):
            announced.append(None)
            tell(*args, **kwargs)

        monkeypatch.setattr(app, "records_changed", counted)
        amira = team[0]
        app.run_db(
            lambda s: _log(s, amira, note="saved here"), done=lambda _: app.records_changed()
        )
        await settle(app, pilot)
        await pilot.pause(2.2)  # two looks of the watch
        await settle(app, pilot)
        assert len(announced) == 1


def test_the_watch_sees_commits_by_other_connections_only(db_path, store, team):
    watch = ChangeWatch(db_path)
    try:
        assert not watch.changed()  # nothing since it started looking
        _log(store, team[0])
        assert watch.changed()
        assert not watch.changed()  # once per change
        other = sqlite3.connect(db_path)
        try:
            other.execute("BEGIN IMMEDIATE")  # a writer holding the file: the look never waits
            assert not watch.changed()
            other.rollback()
        finally:
            other.close()
    finally:
        watch.close()
