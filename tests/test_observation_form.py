"""The observation form, driven as a supervisor would: keys only, on a real database."""

from __future__ import annotations

from floorcoach.app import FloorcoachApp
from floorcoach.observations import employee_timeline
from floorcoach.store import Store

from .pilot import press_all, settle, wait_ready


async def test_logging_met_takes_eight_keys_from_home(db_path, team):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        keys = ["o", "a", "m", "i", "enter", "1", "m", "enter"]
        await press_all(app, pilot, *keys)
        assert len(keys) == 8
        await settle(app, pilot)
    with Store.open(db_path) as store:
        observations = employee_timeline(store, team[0].id)
    assert len(observations) == 1
    assert observations[0].outcome.value == "met"
    assert observations[0].behaviour_id == "greeting.eye-contact"
    assert observations[0].supervisor == "Test Supervisor"


async def test_a_mistyped_year_is_refused_in_the_form_and_nothing_is_saved(db_path, team):
    from textual.widgets import Input

    from floorcoach.screens.observation_form import ObservationForm

    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await press_all(app, pilot, "o", "a", "m", "i", "enter", "1", "m")
        form = app.screen
        assert isinstance(form, ObservationForm)
        form.query_one("#when", Input).focus()
        await pilot.press(*"1926-11-25 10:00".replace(" ", "T"))
        await press_all(app, pilot, "ctrl+s")
        assert app.screen is form  # still open, with what was typed
        status = str(form.query_one("#status").render())
        assert "Not saved" in status and "check the year" in status
    with Store.open(db_path) as store:
        assert employee_timeline(store, team[0].id) == []


async def test_a_time_the_clocks_skipped_is_refused_in_the_form_saying_why(
    db_path, team, monkeypatch
):
    import time

    from textual.widgets import Input

    from floorcoach.screens.observation_form import ObservationForm

    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    monkeypatch.setenv("FLOORCOACH_NOW", "2026-11-25T12:00:00+01:00")
    try:
        app = FloorcoachApp(db_path=db_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_ready(app, pilot)
            await press_all(app, pilot, "o", "a", "m", "i", "enter", "1", "m")
            form = app.screen
            assert isinstance(form, ObservationForm)
            form.query_one("#when", Input).focus()
            await pilot.press(*"2026-03-29T02:30")
            await press_all(app, pilot, "ctrl+s")
            assert app.screen is form
            status = str(form.query_one("#status").render())
            assert "does not exist in your time zone" in status
    finally:
        monkeypatch.setenv("TZ", "UTC")
        time.tzset()
    with Store.open(db_path) as store:
        assert employee_timeline(store, team[0].id) == []
