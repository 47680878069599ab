"""The team lead's screens, driven with keys on a real database (Pilot)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from textual.widgets import DataTable, SelectionList

from floorcoach.app import FloorcoachApp
from floorcoach.focus import list_focus_periods
from floorcoach.models import ObservationInput
from floorcoach.observations import log_observation
from floorcoach.store import Store
from floorcoach.widgets.behaviour_picker import BehaviourPicker
from floorcoach.widgets.team_select import TeamSelect

from .conftest import SUPERVISOR, pinned_now
from .pilot import press_all, settle, wait_ready

NOW = "2026-11-25T10:00:00+00:00"  # a Wednesday in 2026-W48


@pytest.fixture
def observed(store, team, monkeypatch):
    """Amira seen this week and last; Ben Nowak only three weeks ago; Ben Carter never."""
    pinned_now(monkeypatch, NOW)
    amira, nowak, _ = team
    for employee, day, behaviour, outcome, cause, story, note in (
        (amira, 24, "needs.listens", "met", None, False, ""),
        (amira, 23, "needs.listens", "missed", "system", False, "Till froze twice"),
        (amira, 17, "greeting.eye-contact", "exceeded", None, True, "Found the last one"),
        (nowak, 4, "checkout.farewell", "missed", "skill", False, ""),
    ):
        log_observation(
            store,
            ObservationInput(
                employee_id=employee.id,
                behaviour_id=behaviour,
                outcome=outcome,
                cause=cause,
                story=story,
                note=note,
                observed_at=datetime(2026, 11, day, 10, tzinfo=UTC),
            ),
            supervisor=SUPERVISOR,
        )
    return team


def _names(screen) -> list[str]:
    return [row.name for row in screen._rows]


async def test_the_team_review_moves_between_weeks_and_opens_an_employee(db_path, observed):
    from floorcoach.screens.employee_page import EmployeePage
    from floorcoach.screens.team_review import TeamReviewScreen

    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await press_all(app, pilot, "r")
        screen = app.screen
        assert isinstance(screen, TeamReviewScreen)
        assert screen.week == "2026-W48"
        assert _names(screen) == ["Amira Okafor", "Ben Carter", "Ben Nowak"]
        amira = screen._rows[0]
        assert amira.observations == 2 and amira.met_rate == 1.0
        assert [r.needs_observing for r in screen._rows] == [False, True, True]

        await press_all(app, pilot, "left_square_bracket")
        assert screen.week == "2026-W47"
        assert screen._rows[0].observations == 1
        await press_all(app, pilot, "left")
        assert screen.week == "2026-W46"
        await press_all(app, pilot, "right", "right")
        assert screen.week == "2026-W48"
        await press_all(app, pilot, "right")  # nothing after this week
        assert screen.week == "2026-W48"

        await press_all(app, pilot, "s")  # by observations, fewest first
        assert [r.observations for r in screen._rows] == [0, 0, 2]
        await press_all(app, pilot, "r")  # reversed: most first
        assert _names(screen)[0] == "Amira Okafor"
        table = screen.query_one("#review", DataTable)
        assert table.cursor_row == 0
        await press_all(app, pilot, "enter")
        assert isinstance(app.screen, EmployeePage)
        assert app.screen.employee.name == "Amira Okafor"

        await press_all(app, pilot, "t")
        trend = app.screen.query_one("#trend")
        assert trend.display and not app.screen.query_one("#timeline").display
        assert trend.details.trend.weeks[-1] == "2026-W48"
        assert len(trend.details.trend.weeks) == 12
        assert trend.details.trend.week_totals["2026-W48"].observations == 2
        await press_all(app, pilot, "w")
        assert len(trend.details.trend.weeks) == 52
        await press_all(app, pilot, "t")
        assert app.screen.query_one("#timeline").display


async def test_the_team_review_filters_by_team(db_path, observed):
    from floorcoach.screens.team_review import TeamReviewScreen

    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await app.push_screen(TeamReviewScreen(week="2026-W47", team="Fashion"))
        await settle(app, pilot)
        screen = app.screen
        assert _names(screen) == ["Amira Okafor", "Ben Nowak"]
        assert screen._rows[0].observations == 1


async def test_a_focus_behaviour_set_by_the_team_lead_is_listed_first_when_logging(
    db_path, observed
):
    from floorcoach.screens.focus import FocusForm, FocusScreen
    from floorcoach.screens.observation_form import ObservationForm

    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        app.action_push("focus:FocusScreen")
        await settle(app, pilot)
        assert isinstance(app.screen, FocusScreen)
        await press_all(app, pilot, "n")
        form = app.screen
        assert isinstance(form, FocusForm)
        await pilot.press(*"rings")
        await settle(app, pilot)
        options = form.query_one(SelectionList)
        # Ranked as in the observation form: the title match first, highlighted.
        assert options.get_option_at_index(0).value == "floor.phone"
        await press_all(app, pilot, "enter", "space")
        assert form._chosen == ["floor.phone"]
        await press_all(app, pilot, "ctrl+s")
        assert isinstance(app.screen, FocusScreen)
        assert len(app.screen._periods) == 1

        await press_all(app, pilot, "escape", "o", *"amira", "enter")
        form = app.screen
        assert isinstance(form, ObservationForm)
        assert form.employee.name == "Amira Okafor"
        assert form.query_one(BehaviourPicker).matches[0].id == "floor.phone"
        heading = form.query_one("#behaviour-options").get_option_at_index(0)
        assert "Focus behaviours" in str(heading.prompt)
        await press_all(app, pilot, "1", "enter")  # the first number picks the focus behaviour
        assert form.behaviour.id == "floor.phone"

    with Store.open(db_path) as store:
        [period] = list_focus_periods(store)
    assert period.team is None  # the form starts on "Everyone"
    assert period.behaviour_ids == ["floor.phone"]
    assert period.starts_on == date(2026, 11, 25)
    assert period.set_by == SUPERVISOR


async def test_home_suggests_whom_to_observe_next_and_n_starts_the_observation(db_path, observed):
    from floorcoach.screens.observation_form import ObservationForm

    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        panel = str(app.screen.query_one("#whos-next").render())
        assert panel.index("Ben Carter") < panel.index("Ben Nowak") < panel.index("Amira")
        assert "never observed" in panel
        await press_all(app, pilot, "n")
        assert isinstance(app.screen, ObservationForm)
        assert app.screen.employee.name == "Ben Carter"


async def test_process_issues_and_stories_show_their_notes(db_path, observed):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        app.action_push("process_issues:ProcessIssuesScreen")
        await settle(app, pilot)
        assert [(i.behaviour_id, i.iso_week, i.count) for i in app.screen._issues] == [
            ("needs.listens", "2026-W48", 1)
        ]
        assert "Till froze twice" in str(app.screen.query_one("#issue-notes-text").render())
        await press_all(app, pilot, "escape")

        app.action_push("stories:StoriesScreen")
        await settle(app, pilot)
        assert [s.note for s in app.screen._stories] == ["Found the last one"]
        await press_all(app, pilot, "enter")
        assert app.screen.employee.name == "Amira Okafor"
        await press_all(app, pilot, "escape")
        stories_screen = app.screen
        stories_screen.query_one(TeamSelect).value = "Home"  # Amira is in Fashion
        await settle(app, pilot)
        assert stories_screen._stories == []
        weeks = stories_screen.weeks
        await press_all(app, pilot, "w")
        assert stories_screen.weeks != weeks
        await press_all(app, pilot, "escape")

        app.action_push("behaviour_view:BehaviourViewScreen")
        await settle(app, pilot)
        table = app.screen.query_one("#behaviours", DataTable)
        assert table.row_count == 3
