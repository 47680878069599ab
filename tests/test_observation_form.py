"""The observation form, driven as a supervisor would: keys only, on a real database."""

from __future__ import annotations

from floorcoach.app import FloorcoachApp
from floorcoach.observations import employee_timeline
from floorcoach.store import Store


async def wait_ready(app: FloorcoachApp, pilot) -> None:
    for _ in range(100):
        if app.ready:
            break
        await pilot.pause(0.02)
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_logging_met_takes_eight_keys_from_home(db_path, team):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        keys = ["o", "a", "m", "i", "enter", "1", "m", "enter"]
        for key in keys:
            await pilot.press(key)
            await app.workers.wait_for_complete()
            await pilot.pause()
        assert len(keys) == 8
        await app.workers.wait_for_complete()
        await pilot.pause()
    with Store.open(db_path) as store:
        observations = employee_timeline(store, team[0].id)
    assert len(observations) == 1
    assert observations[0].outcome.value == "met"
    assert observations[0].behaviour_id == "greeting.eye-contact"
    assert observations[0].supervisor == "Test Supervisor"
