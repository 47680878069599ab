"""The collector is tuned while the app runs and put back exactly as it was when it closes."""

from __future__ import annotations

import gc

from floorcoach.app import FloorcoachApp
from floorcoach.gc_tuning import YOUNG_THRESHOLD, QuietCollector

from .pilot import settle, wait_ready


def test_settling_freezes_survivors_and_stopping_restores_the_collector():
    before = gc.get_threshold()
    collector = QuietCollector()
    collector.start()
    assert gc.get_threshold() == (YOUNG_THRESHOLD, *before[1:])
    collector.settle()
    assert gc.get_freeze_count() > 0
    collector.stop()
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before
    collector.settle()  # a warm-up finishing after the app closed leaves nothing frozen
    assert gc.get_freeze_count() == 0


async def test_the_app_freezes_after_warm_up_and_unfreezes_when_it_quits(db_path, team):
    before = gc.get_threshold()
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await settle(app, pilot)  # the warm-up worker has imported the screens and settled
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] == YOUNG_THRESHOLD
        await pilot.press("ctrl+q")
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before
