"""Focus periods: a team lead sets 1–3 behaviours for a team or everyone, with dates."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from floorcoach import focus
from floorcoach.focus import FocusInput
from floorcoach.observations import history
from floorcoach.store import ConflictError, StoreError

from .conftest import SUPERVISOR

NOV = date(2026, 11, 1)
DEC = date(2026, 12, 31)


def _set(store, team, behaviours, first=NOV, last=DEC):
    return focus.set_focus(
        store,
        FocusInput(team=team, behaviour_ids=behaviours, starts_on=first, ends_on=last),
        by=SUPERVISOR,
    )


def test_a_focus_for_a_team_lists_its_behaviours_in_order_while_it_runs(store):
    _set(store, "Fashion", ["needs.listens", "greeting.eye-contact"])
    ids = focus.focus_behaviour_ids(store, team="Fashion", day=date(2026, 11, 25))
    assert ids == ["needs.listens", "greeting.eye-contact"]
    assert focus.focus_behaviour_ids(store, team="Home", day=date(2026, 11, 25)) == []
    assert focus.focus_behaviour_ids(store, team="Fashion", day=date(2027, 1, 1)) == []
    assert focus.focus_behaviour_ids(store, team="Fashion", day=date(2026, 10, 31)) == []


def test_the_focus_for_everyone_applies_to_every_team_after_the_teams_own(store):
    _set(store, None, ["checkout.farewell"])
    _set(store, "Fashion", ["needs.listens"])
    day = date(2026, 11, 25)
    assert focus.focus_behaviour_ids(store, team="Fashion", day=day) == [
        "needs.listens",
        "checkout.farewell",
    ]
    assert focus.focus_behaviour_ids(store, team="Home", day=day) == ["checkout.farewell"]
    assert focus.focus_behaviour_ids(store, team="", day=day) == ["checkout.farewell"]


@pytest.mark.parametrize(
    "behaviours",
    [[], ["a.b", "c.d", "e.f", "g.h"], ["needs.listens", "needs.listens"]],
    ids=["none", "four", "twice"],
)
def test_a_focus_has_one_to_three_different_behaviours(behaviours):
    with pytest.raises(ValidationError):
        FocusInput(behaviour_ids=behaviours, starts_on=NOV, ends_on=DEC)


def test_a_focus_cannot_end_before_it_starts():
    with pytest.raises(ValidationError, match="end on or after"):
        FocusInput(behaviour_ids=["needs.listens"], starts_on=DEC, ends_on=NOV)


def test_an_unknown_behaviour_is_refused(store):
    with pytest.raises(StoreError, match="unknown or retired behaviour 'no.such'"):
        _set(store, "Fashion", ["no.such"])


def test_a_team_has_one_focus_at_a_time(store):
    _set(store, "Fashion", ["needs.listens"])
    with pytest.raises(StoreError, match="Fashion already has a focus"):
        _set(store, "Fashion", ["checkout.farewell"], date(2026, 12, 1), date(2027, 1, 31))
    # Another team, or the same team after the first one ends, is fine.
    _set(store, "Home", ["checkout.farewell"])
    _set(store, "Fashion", ["checkout.farewell"], date(2027, 1, 1), date(2027, 1, 31))


def test_ending_a_focus_keeps_its_past_and_history(store):
    period = _set(store, "Fashion", ["needs.listens"])
    ended = focus.end_focus(
        store, period.id, by=SUPERVISOR, expected_version=period.version, day=date(2026, 11, 20)
    )
    assert ended.ends_on == date(2026, 11, 20)
    assert focus.focus_behaviour_ids(store, team="Fashion", day=date(2026, 11, 25)) == []
    assert focus.focus_behaviour_ids(store, team="Fashion", day=date(2026, 11, 20)) == [
        "needs.listens"
    ]
    entries = history(store, "focus_period", period.id)
    assert [e.action for e in entries] == ["create", "edit"]
    assert entries[1].before["ends_on"] == "2026-12-31"
    assert entries[1].after["ends_on"] == "2026-11-20"
    assert entries[0].changed_by == SUPERVISOR


def test_a_focus_changed_elsewhere_is_not_overwritten(store):
    period = _set(store, "Fashion", ["needs.listens"])
    data = FocusInput(
        team="Fashion", behaviour_ids=["checkout.farewell"], starts_on=NOV, ends_on=DEC
    )
    focus.edit_focus(store, period.id, data, by=SUPERVISOR, expected_version=period.version)
    with pytest.raises(ConflictError):
        focus.edit_focus(store, period.id, data, by=SUPERVISOR, expected_version=period.version)


def test_deleting_a_focus_is_logged(store):
    period = _set(store, None, ["needs.listens"])
    focus.delete_focus(store, period.id, by=SUPERVISOR, expected_version=1)
    assert focus.list_focus_periods(store) == []
    assert [e.action for e in history(store, "focus_period", period.id)] == ["create", "delete"]


def test_trend_details_mark_the_focus_weeks_of_a_focus_behaviour(store, team):
    from floorcoach.trends import employee_trend_details

    _set(store, "Fashion", ["needs.listens"], date(2026, 11, 16), date(2026, 11, 18))
    _set(store, "Home", ["checkout.farewell"], date(2026, 11, 16), date(2026, 11, 18))
    details = employee_trend_details(store, team[0].id, weeks=4, today=date(2026, 11, 25))
    assert details.focus_behaviours == {"needs.listens"}
    assert details.behaviour_order == ["needs.listens"]  # shown even before it is observed
    assert details.focus_weeks_of("needs.listens", details.trend.weeks) == {"2026-W47"}
