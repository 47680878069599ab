"""Observations in the core: saved exactly, edits and deletes keep the history."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from floorcoach.models import ObservationInput
from floorcoach.observations import (
    delete_observation,
    edit_observation,
    employee_timeline,
    get_observation,
    history,
    log_observation,
)
from floorcoach.store import ConflictError, StoreError

SUPERVISOR = "Test Supervisor"


def observe(employee, **changes) -> ObservationInput:
    values = {"employee_id": employee.id, "behaviour_id": "greeting.eye-contact", "outcome": "met"}
    return ObservationInput(**{**values, **changes})


def test_a_cause_is_only_accepted_for_a_miss():
    with pytest.raises(ValidationError, match="only be given for a missed"):
        ObservationInput(employee_id="x", behaviour_id="b", outcome="met", cause="skill")


def test_an_observation_stores_local_date_iso_week_and_catalogue_version(store, team, monkeypatch):
    monkeypatch.setenv("FLOORCOACH_NOW", "2027-01-02T12:00:00+00:00")
    at = datetime(2027, 1, 1, 9, 30, tzinfo=UTC)  # a Friday in ISO week 2026-W53
    saved = log_observation(store, observe(team[0], observed_at=at), supervisor=SUPERVISOR)
    assert saved.local_date.isoformat() == "2027-01-01"
    assert saved.iso_week == "2026-W53"
    assert saved.catalogue_version == "2026.1"
    assert saved.supervisor == SUPERVISOR


def test_an_edit_keeps_the_old_version_in_the_history(store, team):
    saved = log_observation(store, observe(team[0], note="first"), supervisor=SUPERVISOR)
    changed = edit_observation(
        store,
        saved.id,
        observe(team[0], outcome="missed", cause="skill", note="second"),
        by="Another Lead",
        expected_version=saved.version,
    )
    assert changed.version == 2 and changed.note == "second"
    entries = history(store, "observation", saved.id)
    assert [e.action for e in entries] == ["create", "edit"]
    assert entries[1].before["note"] == "first" and entries[1].after["note"] == "second"
    assert entries[1].changed_by == "Another Lead"


def test_an_edit_based_on_a_stale_copy_is_refused(store, team):
    saved = log_observation(store, observe(team[0]), supervisor=SUPERVISOR)
    edit_observation(
        store, saved.id, observe(team[0], note="theirs"), by="A", expected_version=saved.version
    )
    with pytest.raises(ConflictError):
        edit_observation(
            store, saved.id, observe(team[0], note="mine"), by="B", expected_version=saved.version
        )
    assert get_observation(store, saved.id).note == "theirs"


def test_a_delete_is_explicit_and_logged(store, team):
    saved = log_observation(store, observe(team[0], note="gone"), supervisor=SUPERVISOR)
    delete_observation(store, saved.id, by=SUPERVISOR)
    assert employee_timeline(store, team[0].id) == []
    entries = history(store, "observation", saved.id)
    assert entries[-1].action == "delete" and entries[-1].before["note"] == "gone"


def test_history_cannot_be_rewritten(store, team):
    saved = log_observation(store, observe(team[0]), supervisor=SUPERVISOR)
    with pytest.raises(Exception, match="record history cannot be changed"):
        store.conn.execute(
            "UPDATE record_history SET changed_by = 'x' WHERE record_id = ?", (saved.id,)
        )


def test_an_observation_in_the_future_or_for_an_unknown_behaviour_is_refused(store, team):
    with pytest.raises(StoreError, match="future"):
        log_observation(
            store,
            observe(team[0], observed_at=datetime(2099, 1, 1, tzinfo=UTC)),
            supervisor=SUPERVISOR,
        )
    with pytest.raises(StoreError, match="unknown behaviour"):
        log_observation(store, observe(team[0], behaviour_id="no.such"), supervisor=SUPERVISOR)
    with pytest.raises(StoreError, match="dated 1926-11-25: check the year"):
        log_observation(
            store,
            observe(team[0], observed_at=datetime(1926, 11, 25, 10, tzinfo=UTC)),
            supervisor=SUPERVISOR,
        )
    assert employee_timeline(store, team[0].id) == []


def test_an_edit_cannot_move_an_observation_into_the_future(store, team):
    saved = log_observation(store, observe(team[0], note="today"), supervisor=SUPERVISOR)
    with pytest.raises(StoreError, match="future"):
        edit_observation(
            store,
            saved.id,
            observe(team[0], observed_at=datetime(2099, 1, 1, tzinfo=UTC)),
            by=SUPERVISOR,
            expected_version=saved.version,
        )
    assert get_observation(store, saved.id) == saved


def test_timeline_pages_newest_first(store, team):
    for hour in range(5):
        at = datetime(2026, 11, 2, 8 + hour, tzinfo=UTC)
        log_observation(store, observe(team[0], observed_at=at), supervisor=SUPERVISOR)
    first = employee_timeline(store, team[0].id, limit=3)
    assert [o.observed_at.hour for o in first] == [12, 11, 10]
    rest = employee_timeline(store, team[0].id, before=first[-1].observed_at.isoformat(), limit=3)
    assert [o.observed_at.hour for o in rest] == [9, 8]
