"""A half-written coaching note survives quitting, and goes once it is saved or discarded."""

from __future__ import annotations

from floorcoach.app import FloorcoachApp
from floorcoach.coaching import coaching_for_employee
from floorcoach.drafts import load_draft
from floorcoach.screens.coaching_form import CoachingForm
from floorcoach.store import Store

from .pilot import press_all, settle, wait_ready


async def _wait_for_draft(app, pilot, db_path, said: str) -> None:
    for _ in range(100):
        draft = load_draft(db_path, "coaching")
        if draft is not None and draft.fields.get("said") == said:
            return
        await pilot.pause(0.05)
    raise AssertionError("the coaching draft was not written")


async def test_a_half_written_coaching_note_comes_back_after_quitting(db_path, team):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await app.run_action("push('coaching_form:CoachingForm')")
        await settle(app, pilot)
        await press_all(app, pilot, *"amira", "enter", "1", "c")
        await pilot.press(*"Talked about the greeting")
        await _wait_for_draft(app, pilot, db_path, "Talked about the greeting")
        await press_all(app, pilot, "ctrl+q")

    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await app.run_action("push('coaching_form:CoachingForm')")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, CoachingForm)
        assert form.employee.id == team[0].id
        assert [b.id for b in form.behaviours] == ["greeting.eye-contact"]
        assert form.query_one("#kind").selected == "corrective"
        assert form.query_one("#said").value == "Talked about the greeting"
        assert "Restored" in str(form.query_one("#status").render())
        await press_all(app, pilot, "tab")
        await pilot.press(*"Greet within ten seconds")
        await press_all(app, pilot, "ctrl+s")
        assert not isinstance(app.screen, CoachingForm)
    assert load_draft(db_path, "coaching") is None
    with Store.open(db_path) as store:
        (saved,) = coaching_for_employee(store, team[0].id)
    assert saved.said == "Talked about the greeting"
    assert saved.agreed_action == "Greet within ten seconds"


async def test_discarding_a_coaching_note_discards_its_draft(db_path, team):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await app.run_action("push('coaching_form:CoachingForm')")
        await settle(app, pilot)
        await press_all(app, pilot, *"ben c", "enter", "1", "r")
        await pilot.press(*"Well done")
        await _wait_for_draft(app, pilot, db_path, "Well done")
        await press_all(app, pilot, "escape", "y")
        assert not isinstance(app.screen, CoachingForm)
        await settle(app, pilot)
    assert load_draft(db_path, "coaching") is None
