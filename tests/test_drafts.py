"""Work in progress survives: a half-filled observation comes back after a kill or a quit."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading

from floorcoach.app import FloorcoachApp
from floorcoach.drafts import (
    DraftWriter,
    discard_draft,
    drafts_dir,
    list_drafts,
    load_draft,
    save_draft,
)
from floorcoach.observations import employee_timeline
from floorcoach.screens.observation_form import ObservationForm
from floorcoach.store import Store
from floorcoach.widgets.confirm import ConfirmDialog

from .pilot import press_all, settle, wait_ready
from .test_durability import DRIVER

HALF_NOTE = "Left the till to chat"


async def _wait_for_draft(app, pilot, db_path, form="observation", **expected):
    for _ in range(100):
        draft = load_draft(db_path, form)
        if draft is not None and all(draft.fields.get(k) == v for k, v in expected.items()):
            return draft
        await pilot.pause(0.05)
        await app.workers.wait_for_complete()
    raise AssertionError("no draft was written")


async def _type(pilot, text: str) -> None:
    await pilot.press(*["space" if ch == " " else ch for ch in text])


# --- the core: drafts.py ---------------------------------------------------------------------


def test_a_draft_round_trips_exactly_and_damaged_files_are_set_aside(db_path, monkeypatch):
    monkeypatch.setenv("FLOORCOACH_NOW", "2026-11-25T10:00:00+00:00")
    fields = {"note": "[b]x[/b] \x1b[2J ✨ مرحبا " + "n" * 10_000, "story": True}
    save_draft(db_path, "coaching", fields, employee_id="e-1", label="coaching of X")
    draft = load_draft(db_path, "coaching")
    assert draft.fields == fields and draft.employee_id == "e-1"
    assert draft.label == "coaching of X" and draft.saved_at.isoformat().startswith("2026-11-25")
    assert [d.form for d in list_drafts(db_path)] == ["coaching"]
    (drafts_dir(db_path) / "observation.json").write_text("{half a fi")
    assert load_draft(db_path, "observation") is None
    assert (drafts_dir(db_path) / "observation.json.damaged").exists()
    assert discard_draft(db_path, "coaching") and not discard_draft(db_path, "coaching")


def test_a_late_write_never_overwrites_a_newer_draft_or_revives_a_discarded_one(db_path):
    writer = DraftWriter(db_path, "observation")
    old, new = writer.ticket(), writer.ticket()
    assert writer.save(new, {"note": "newer"}, employee_id=None)
    assert not writer.save(old, {"note": "older"}, employee_id=None)  # finished late
    assert load_draft(db_path, "observation").fields["note"] == "newer"
    pending = writer.ticket()
    writer.discard()  # saved: the draft goes
    assert not writer.save(pending, {"note": "stale"}, employee_id=None)
    assert load_draft(db_path, "observation") is None


def test_concurrent_draft_writes_always_leave_a_whole_file(db_path):
    writer = DraftWriter(db_path, "observation")
    tickets = [writer.ticket() for _ in range(40)]

    def save(ticket: int) -> None:
        writer.save(ticket, {"note": f"version {ticket}" * 200}, employee_id=None)

    threads = [threading.Thread(target=save, args=(t,)) for t in tickets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    raw = json.loads((drafts_dir(db_path) / "observation.json").read_text())
    assert raw["fields"]["note"].startswith("version ")
    assert not list(drafts_dir(db_path).glob("*.partial"))


# --- the observation form ----------------------------------------------------------------------


async def test_a_half_filled_observation_survives_the_app_being_killed(db_path, team):
    process = subprocess.Popen(
        [sys.executable, str(DRIVER), "tui-draft", str(db_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert line.strip() == "drafted", line or process.stderr.read()
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL
    with Store.open(db_path) as store:
        assert employee_timeline(store, team[0].id) == []  # nothing was saved before the kill

    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_ready(app, pilot)
        reminders = [n.message for n in app._notifications]
        assert any("unsaved observation of Amira Okafor" in m for m in reminders)
        await press_all(app, pilot, "o")
        form = app.screen
        assert isinstance(form, ObservationForm)
        assert form.employee.id == team[0].id
        assert form.behaviour.id == "greeting.eye-contact"
        assert form.query_one("#outcome").selected == "missed"
        assert form.query_one("#cause").selected == "will"
        assert form.query_one("#note").value == HALF_NOTE
        assert form.query_one("#when").value != "now"  # when it happened, not when restored
        assert "Restored" in str(form.query_one("#status").render())
        await press_all(app, pilot, "ctrl+s")
        assert not isinstance(app.screen, ObservationForm)
        await settle(app, pilot)
    assert load_draft(db_path, "observation") is None  # saved: the draft is gone
    with Store.open(db_path) as store:
        [saved] = employee_timeline(store, team[0].id)
    assert (saved.note, saved.outcome.value, saved.cause.value) == (HALF_NOTE, "missed", "will")


async def test_quitting_with_a_half_filled_form_keeps_it_for_next_time(db_path, team):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await press_all(app, pilot, "o", "b", "e", "n", "space", "n", "enter")
        await press_all(app, pilot, "2", "enter")  # Enter: no second digit is coming
        chosen = app.screen.behaviour.id
        await _wait_for_draft(app, pilot, db_path, behaviour_id=chosen)
        await press_all(app, pilot, "ctrl+q")
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await press_all(app, pilot, "o")
        assert app.screen.employee.id == team[1].id
        assert app.screen.behaviour.id == chosen
        assert app.screen.query_one("#outcome").has_choice is False


async def test_discarding_the_form_discards_its_draft(db_path, team):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await press_all(app, pilot, "o", "a", "m", "i", "enter", "1", "m")
        await _type(pilot, "never mind")
        await _wait_for_draft(app, pilot, db_path, note="never mind")
        await press_all(app, pilot, "escape")
        assert isinstance(app.screen, ConfirmDialog)
        await press_all(app, pilot, "y")
        assert not isinstance(app.screen, ObservationForm)
        await pilot.pause(0.7)  # longer than a draft interval: nothing writes it back
        await settle(app, pilot)
    assert load_draft(db_path, "observation") is None


async def test_opening_the_form_for_someone_else_asks_about_the_unsaved_one(db_path, team):
    save_draft(
        db_path,
        "observation",
        {"employee": team[0].model_dump(), "note": "about Amira"},
        employee_id=team[0].id,
        label="observation of Amira Okafor",
    )
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        app.action_log_observation(team[1])
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert "Amira Okafor" in app.screen.question
        await press_all(app, pilot, "y")  # finish that one first
        assert app.screen.employee.id == team[0].id
        assert app.screen.query_one("#note").value == "about Amira"


async def test_a_correction_in_progress_comes_back_for_the_same_observation(db_path, store, team):
    from floorcoach.models import ObservationInput
    from floorcoach.observations import log_observation

    observation = log_observation(
        store,
        ObservationInput(
            employee_id=team[0].id, behaviour_id="greeting.eye-contact", outcome="met"
        ),
        supervisor="Test Supervisor",
    )
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        app.push_screen(ObservationForm(editing=observation))
        await settle(app, pilot)
        app.screen.query_one("#note").value = "corrected, not yet saved"
        form = f"observation-{observation.id}"
        await _wait_for_draft(app, pilot, db_path, form=form, note="corrected, not yet saved")
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        app.push_screen(ObservationForm(editing=observation))
        await settle(app, pilot)
        assert app.screen.query_one("#note").value == "corrected, not yet saved"
        assert app.screen.is_dirty
