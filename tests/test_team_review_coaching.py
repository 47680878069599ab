"""The team review shows each person's follow-ups and recognition vs correction."""

from __future__ import annotations

from datetime import UTC, date, datetime

from textual.widgets import DataTable

from floorcoach.app import FloorcoachApp
from floorcoach.coaching import CoachingInput, create_coaching
from floorcoach.coaching_progress import recognition_by_employee, recognition_counts
from floorcoach.models import ObservationInput
from floorcoach.observations import log_observation
from floorcoach.screens.team_review import TeamReviewScreen

from .pilot import settle, wait_ready

NOW = "2026-11-25T15:00:00+00:00"
LEAD = "Test Supervisor"


def _coached_week(store, team, monkeypatch):
    """Amira: two exceeded, a system miss, a corrective talk a fortnight ago (now overdue)."""
    monkeypatch.setenv("FLOORCOACH_NOW", NOW)
    amira, ben, _ = team
    for day, outcome, cause in (
        (23, "exceeded", None),
        (24, "exceeded", None),
        (24, "missed", "system"),
        (25, "missed", "skill"),
    ):
        log_observation(
            store,
            ObservationInput(
                employee_id=amira.id,
                behaviour_id="greeting.eye-contact",
                outcome=outcome,
                cause=cause,
                observed_at=datetime(2026, 11, day, 9, tzinfo=UTC),
            ),
            supervisor=LEAD,
        )
    create_coaching(
        store,
        CoachingInput(
            employee_id=amira.id,
            kind="corrective",
            behaviour_ids=["complaint.listens"],
            said="Talked about letting the customer finish",
            agreed_action="Let them finish first",
            held_at=datetime(2026, 11, 10, 9, tzinfo=UTC),
            follow_up_due=date(2026, 11, 17),
        ),
        supervisor=LEAD,
    )
    create_coaching(
        store,
        CoachingInput(
            employee_id=ben.id,
            kind="recognition",
            behaviour_ids=["greeting.eye-contact"],
            said="Great welcome for the school group",
            held_at=datetime(2026, 11, 24, 9, tzinfo=UTC),
        ),
        supervisor=LEAD,
    )
    return amira, ben


def test_recognition_for_many_people_matches_one_at_a_time(store, team, monkeypatch):
    _coached_week(store, team, monkeypatch)
    ids = [person.id for person in team]
    for date_from in (date(2026, 11, 1), date(2026, 11, 23)):
        many = recognition_by_employee(store, ids, date_from=date_from, date_to=date(2026, 11, 29))
        for person in team:
            one = recognition_counts(
                store, date_from=date_from, date_to=date(2026, 11, 29), employee_id=person.id
            )
            assert many[person.id] == one
    week = recognition_by_employee(
        store, ids, date_from=date(2026, 11, 23), date_to=date(2026, 11, 29)
    )
    assert week[team[0].id] == (2, 1)  # the system miss is not held against her
    assert week[team[1].id] == (1, 0)


async def test_the_team_review_shows_follow_ups_and_recognition(db_path, store, team, monkeypatch):
    amira, ben = _coached_week(store, team, monkeypatch)
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_ready(app, pilot)
        await app.push_screen(TeamReviewScreen(week="2026-W48", team="Fashion"))
        await settle(app, pilot)
        table = app.screen.query_one("#review", DataTable)
        amira_row = [str(c) for c in table.get_row(amira.id)]
        ben_row = [str(c) for c in table.get_row(ben.id)]
    assert "1 (1 overdue)" in amira_row and "2 : 1" in amira_row
    assert "1" in ben_row and "1 : 0" in ben_row


async def test_the_team_review_sorts_by_follow_ups_and_recognition(
    db_path, store, team, monkeypatch
):
    amira, ben = _coached_week(store, team, monkeypatch)
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_ready(app, pilot)
        await app.push_screen(TeamReviewScreen(week="2026-W48", team=None))
        await settle(app, pilot)
        screen = app.screen
        sorts = [key for key, *_ in screen._sorts()]
        for _ in range(sorts.index("follow_ups")):
            await pilot.press("s")
        await settle(app, pilot)
        assert [row.employee_id for row in screen._rows][0] == amira.id  # 1 overdue first
        await pilot.press("s")  # recognition minus correction, most first
        await settle(app, pilot)
        order = [row.employee_id for row in screen._rows]
        carter = team[2]  # 0 : 0 this week, so after Amira (2 : 1) and Ben Nowak (1 : 0)
        assert order.index(carter.id) > max(order.index(amira.id), order.index(ben.id))
        assert "recog" in str(screen.query_one("#review-summary").content)
