"""The coaching loop driven as a supervisor would: keys only, on a real database."""

from __future__ import annotations

from datetime import UTC, date, datetime

from textual.widgets import DataTable, Static

from floorcoach.app import FloorcoachApp
from floorcoach.coaching import CoachingInput, coaching_for_employee, create_coaching
from floorcoach.models import FollowUpStatus, ObservationInput
from floorcoach.observations import employee_timeline, log_observation
from floorcoach.screens.coaching_form import CoachingForm
from floorcoach.screens.coaching_record import CoachingRecordScreen
from floorcoach.screens.employee_page import EmployeePage
from floorcoach.screens.followups import FollowUpsScreen
from floorcoach.screens.observation_form import ObservationForm
from floorcoach.store import Store

from .pilot import choose_in_palette, press_all, settle, wait_ready
from .snapshots import SNAPSHOT_SIZE, before_snapshot, demo_database

SUPERVISOR = "Test Supervisor"


def shown(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).content)


def coach(db_path, employee, **fields):
    """A corrective session on greeting, saved in the database; `fields` change it."""
    values = {
        "employee_id": employee.id,
        "kind": "corrective",
        "behaviour_ids": ["greeting.eye-contact"],
        "said": "We talked.",
        "agreed_action": "Greet sooner.",
    }
    with Store.open(db_path) as store:
        return create_coaching(store, CoachingInput(**{**values, **fields}), supervisor=SUPERVISOR)


async def test_coaching_from_an_observation_is_checked_by_the_next_one(db_path, team, monkeypatch):
    monkeypatch.setenv("FLOORCOACH_NOW", "2026-11-25T10:00:00+00:00")
    with Store.open(db_path) as store:
        missed = log_observation(
            store,
            ObservationInput(
                employee_id=team[0].id,
                behaviour_id="greeting.eye-contact",
                outcome="missed",
                cause="skill",
                observed_at=datetime(2026, 11, 25, 9, tzinfo=UTC),
            ),
            supervisor=SUPERVISOR,
        )
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_ready(app, pilot)
        await press_all(app, pilot, "enter")  # today's observation → Amira's page
        assert isinstance(app.screen, EmployeePage)
        await press_all(app, pilot, "k")  # coach on the selected observation
        form = app.screen
        assert isinstance(form, CoachingForm)
        assert "Amira Okafor" in shown(form, "#employee-chosen")
        assert "Greets within 10 seconds" in shown(form, "#behaviours-chosen")
        assert "fresh start" in shown(form, "#agenda")
        await press_all(app, pilot, *"talked", "enter", *"look", "ctrl+s")
        assert isinstance(app.screen, EmployeePage)

        with Store.open(db_path) as store:
            [session] = coaching_for_employee(store, team[0].id)
        assert session.kind.value == "development"  # a skill miss suggests development
        assert session.said == "talked" and session.agreed_action == "look"
        assert session.observation_ids == [missed.id]
        assert session.follow_up_due == date(2026, 12, 2)

        monkeypatch.setenv("FLOORCOACH_NOW", "2026-11-25T10:30:00+00:00")
        await press_all(app, pilot, "o", "1", "enter")  # Enter: no second digit
        assert isinstance(app.screen, ObservationForm)
        assert "Open follow-up from coaching on 25 Nov" in shown(app.screen, "#followup-notice")
        await press_all(app, pilot, "m", "enter")
        assert isinstance(app.screen, EmployeePage)
        messages = [n.message for n in app._notifications]
        assert any("Follow-up from coaching on 25 Nov: held" in m for m in messages)

        table = app.screen.query_one("#timeline", DataTable)
        outcome = [str(column.label) for column in table.ordered_columns].index("Outcome")
        assert "held" in str(table.get_row(session.id)[outcome])
        table.move_cursor(row=table.get_row_index(session.id))  # the coaching row
        await press_all(app, pilot, "enter")  # → its record
        record = app.screen
        assert isinstance(record, CoachingRecordScreen)
        follow_ups = record.query_one("#record-follow-ups", DataTable)
        status, result = follow_ups.get_row_at(0)[2:4]
        assert str(status) == "held" and "met" in str(result)
        assert "Since: 1 of 1 (100%) — improving" in shown(record, "#record-stick")

    with Store.open(db_path) as store:
        [session] = coaching_for_employee(store, team[0].id)
        latest = employee_timeline(store, team[0].id)[0]
    assert session.follow_ups[0].status is FollowUpStatus.HELD
    assert session.follow_ups[0].result_observation_id == latest.id


async def _home_follow_ups(db_path, monkeypatch, now: str) -> tuple[str, str]:
    monkeypatch.setenv("FLOORCOACH_NOW", now)
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await settle(app, pilot)
        return shown(app.screen, "#follow-ups-title"), shown(app.screen, "#follow-ups-panel")


async def test_an_overdue_follow_up_appears_on_the_home_screen_on_the_right_date(
    db_path, team, monkeypatch
):
    monkeypatch.setenv("FLOORCOACH_NOW", "2026-11-10T12:00:00+00:00")
    coach(
        db_path,
        team[1],
        behaviour_ids=["needs.listens"],
        said="Let the customer finish.",
        agreed_action="Count to two before answering.",
        follow_up_due=date(2026, 11, 17),
    )
    title, panel = await _home_follow_ups(db_path, monkeypatch, "2026-11-16T12:00:00+00:00")
    assert title == "Follow-ups: 0 overdue · 0 due today" and "1 upcoming" in panel
    title, panel = await _home_follow_ups(db_path, monkeypatch, "2026-11-17T12:00:00+00:00")
    assert title == "Follow-ups: 0 overdue · 1 due today"
    assert "due today" in panel and "Ben Nowak" in panel
    title, panel = await _home_follow_ups(db_path, monkeypatch, "2026-11-18T08:00:00+00:00")
    assert title == "Follow-ups: 1 overdue · 0 due today"
    assert "overdue 1 day" in panel and "Ben Nowak" in panel


async def test_closing_a_follow_up_by_hand_from_the_follow_ups_screen(db_path, team, monkeypatch):
    monkeypatch.setenv("FLOORCOACH_NOW", "2026-11-20T12:00:00+00:00")
    session = coach(
        db_path,
        team[2],
        kind="development",
        said="Showed how.",
        agreed_action="Try it on three customers.",
    )
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await press_all(app, pilot, "f")
        assert isinstance(app.screen, FollowUpsScreen)
        assert app.screen.query_one("#follow-ups", DataTable).row_count == 1
        await press_all(app, pilot, "x", *"moved", "enter")
        assert isinstance(app.screen, FollowUpsScreen)
        assert app.screen.query_one("#follow-ups", DataTable).row_count == 0
    with Store.open(db_path) as store:
        [after] = coaching_for_employee(store, team[2].id)
    assert after.id == session.id
    assert after.follow_ups[0].status is FollowUpStatus.CLOSED
    assert after.follow_ups[0].closed_note == "moved"


def test_follow_ups_screen_snapshot(snap_compare, db_path, monkeypatch):
    app = FloorcoachApp(db_path=demo_database(db_path, monkeypatch))
    assert snap_compare(
        app, terminal_size=SNAPSHOT_SIZE, run_before=before_snapshot("f", table="#follow-ups")
    )


def test_coaching_form_snapshot_from_an_employee_page(snap_compare, db_path, monkeypatch):
    app = FloorcoachApp(db_path=demo_database(db_path, monkeypatch))
    keys = ("e", "down", "down", "enter", "k")  # search box → list → its second row
    assert snap_compare(app, terminal_size=SNAPSHOT_SIZE, run_before=before_snapshot(*keys))


async def test_correcting_a_session_from_its_record_keeps_the_private_note(
    db_path, team, monkeypatch
):
    monkeypatch.setenv("FLOORCOACH_NOW", "2026-11-20T12:00:00+00:00")
    session = coach(db_path, team[0], said="First words.", private_note="Only for me.")
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        app.push_screen(CoachingRecordScreen(session.id))
        await settle(app, pilot)
        assert "Only for me." in shown(app.screen, "#record-private")
        await press_all(app, pilot, "e")
        form = app.screen
        assert isinstance(form, CoachingForm) and form.editing is not None
        assert form.query_one("#said").value == "First words."
        await press_all(app, pilot, "end", *"!", "ctrl+s")
        assert isinstance(app.screen, CoachingRecordScreen)
        assert "First words.!" in shown(app.screen, "#record-conversation")
    with Store.open(db_path) as store:
        from floorcoach.coaching import get_coaching

        after = get_coaching(store, session.id, include_private=True)
    assert after.version == 2 and after.said == "First words.!"
    assert after.private_note == "Only for me."


async def test_the_palette_reaches_the_follow_ups_screen(db_path, team):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await choose_in_palette(app, pilot, "follow-ups", "Follow-ups")
        assert isinstance(app.screen, FollowUpsScreen)


async def test_correcting_a_session_changed_elsewhere_asks_and_can_reload_or_save_mine(
    db_path, team, monkeypatch
):
    from floorcoach.coaching import coaching_history, edit_coaching, get_coaching
    from floorcoach.widgets.choice_dialog import ChoiceDialog

    monkeypatch.setenv("FLOORCOACH_NOW", "2026-11-20T12:00:00+00:00")
    session = coach(db_path, team[0], said="First words.")
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        app.push_screen(CoachingRecordScreen(session.id))
        await settle(app, pilot)
        await press_all(app, pilot, "e")
        form = app.screen
        assert isinstance(form, CoachingForm)
        with Store.open(db_path) as other:  # another supervisor corrects it meanwhile
            edit_coaching(
                other,
                session.id,
                CoachingInput(
                    employee_id=team[0].id,
                    kind="corrective",
                    behaviour_ids=session.behaviour_ids,
                    said="Their words.",
                    agreed_action=session.agreed_action,
                ),
                by="Other Supervisor",
                expected_version=1,
            )
        await press_all(app, pilot, "end", *"!", "ctrl+s")
        assert isinstance(app.screen, ChoiceDialog)
        assert "Their words." in str(app.screen.query_one("#choice-body").render())
        await press_all(app, pilot, "r")  # reload theirs
        assert app.screen is form and form.query_one("#said").value == "Their words."
        assert [b.id for b in form.behaviours] == ["greeting.eye-contact"]  # not doubled
        await press_all(app, pilot, "end", *"?", "ctrl+s")  # now based on theirs: saves
        assert isinstance(app.screen, CoachingRecordScreen)
    with Store.open(db_path) as store:
        after = get_coaching(store, session.id)
        said_in_history = [h.after["said"] for h in coaching_history(store, session.id)]
    assert (after.said, after.version) == ("Their words.?", 3)
    assert said_in_history == ["First words.", "Their words.", "Their words.?"]
