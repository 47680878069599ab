"""Coaching sessions and follow-ups in the core: saved exactly, checked by later
observations, closed by hand, and never leaking the private note."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from floorcoach.coaching import (
    CoachingInput,
    coaching_for_employee,
    coaching_history,
    create_coaching,
    delete_coaching,
    edit_coaching,
    get_coaching,
)
from floorcoach.coaching_progress import (
    carry_forward_agenda,
    did_it_stick,
    employee_timeline_entries,
    recognition_counts,
)
from floorcoach.demo import generate_demo
from floorcoach.followups import (
    close_followup,
    followup_counts_by_employee,
    followup_summary,
    followups_checked_by,
    list_followups,
    open_followup_notice,
)
from floorcoach.models import FollowUpStatus, ObservationInput
from floorcoach.observations import delete_observation, log_observation
from floorcoach.store import ConflictError, StoreError

SUPERVISOR = "Test Supervisor"
EYE = "greeting.eye-contact"
LISTENS = "needs.listens"
NOW = "2026-11-25T10:00:00+00:00"


def at(day: int, hour: int = 9, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


@pytest.fixture(autouse=True)
def pinned(monkeypatch):
    monkeypatch.setenv("FLOORCOACH_NOW", NOW)


def observe(store, employee, when, outcome="met", cause=None, behaviour=EYE, by=SUPERVISOR):
    data = ObservationInput(
        employee_id=employee.id,
        behaviour_id=behaviour,
        outcome=outcome,
        cause=cause,
        observed_at=when,
    )
    return log_observation(store, data, supervisor=by)


def coach(store, employee, when=None, behaviours=(EYE,), kind="corrective", **extra):
    data = CoachingInput(
        employee_id=employee.id,
        kind=kind,
        behaviour_ids=list(behaviours),
        said=extra.pop("said", "We talked about greeting people as they come in."),
        agreed_action=extra.pop("agreed_action", "Look up within ten seconds."),
        held_at=when,
        **extra,
    )
    return create_coaching(store, data, supervisor=extra.pop("by", SUPERVISOR))


# --- the record ---------------------------------------------------------------------------


def test_a_session_saves_everything_with_a_follow_up_a_week_later(store, team):
    seen = observe(store, team[0], at(20), "missed", "skill")
    session = coach(
        store,
        team[0],
        at(20, 10),
        behaviours=(EYE, LISTENS),
        acknowledged=True,
        employee_comment="Fair, I was on the phone.",
        private_note="Check the rota.",
        observation_ids=[seen.id],
    )
    assert session.follow_up_due == date(2026, 11, 27)
    assert session.behaviour_ids == [EYE, LISTENS]
    assert [f.status for f in session.follow_ups] == [FollowUpStatus.OPEN] * 2
    assert session.observation_ids == [seen.id]
    assert session.acknowledged and session.employee_comment == "Fair, I was on the phone."
    assert session.private_note == "Check the rota."
    assert session.status == "open"
    assert session.local_date == date(2026, 11, 20)


def test_the_private_note_stays_in_the_coaching_record(store, team):
    session = coach(store, team[0], at(20, 10), private_note="Seemed tired; check the rota.")
    assert get_coaching(store, session.id).private_note is None
    assert coaching_for_employee(store, team[0].id)[0].private_note is None
    timeline = employee_timeline_entries(store, team[0].id)
    assert timeline[0].coaching.private_note is None
    history_text = json.dumps(
        [e.model_dump(mode="json") for e in coaching_history(store, session.id)]
    )
    assert "Seemed tired" not in history_text
    assert get_coaching(store, session.id, include_private=True).private_note.startswith("Seemed")


def test_a_follow_up_before_the_conversation_is_refused(store, team):
    with pytest.raises(StoreError, match="cannot be before the conversation"):
        coach(store, team[0], at(20, 10), follow_up_due=date(2026, 11, 19))
    assert coaching_for_employee(store, team[0].id) == []
    same_day = coach(store, team[0], at(20, 10), follow_up_due=date(2026, 11, 20))
    assert same_day.follow_up_due == date(2026, 11, 20)


def test_a_follow_up_more_than_a_year_ahead_is_refused_for_the_cli_and_the_form(store, team):
    # The one core rule behind `coach --follow-up` and the coaching form's Due field.
    with pytest.raises(StoreError, match="more than a year after the conversation"):
        coach(store, team[0], at(20, 10), follow_up_due=date(9999, 12, 31))
    assert coaching_for_employee(store, team[0].id) == []
    a_year_on = coach(store, team[0], at(20, 10), follow_up_due=date(2027, 11, 20))
    assert a_year_on.follow_up_due == date(2027, 11, 20)


def test_a_session_needs_a_behaviour_what_was_said_and_an_action(team):
    base = {"employee_id": team[0].id, "kind": "corrective", "said": "x", "agreed_action": "y"}
    with pytest.raises(ValidationError, match="at least one behaviour"):
        CoachingInput(**base, behaviour_ids=[])
    with pytest.raises(ValidationError, match="agreed on"):
        CoachingInput(**{**base, "agreed_action": " "}, behaviour_ids=[EYE])
    recognition = CoachingInput(
        **{**base, "kind": "recognition", "agreed_action": ""}, behaviour_ids=[EYE, EYE]
    )
    assert recognition.behaviour_ids == [EYE]


def test_coaching_in_the_future_or_on_an_unknown_behaviour_is_refused(store, team):
    with pytest.raises(StoreError, match="future"):
        coach(store, team[0], at(26, 10))
    with pytest.raises(StoreError, match="dated 1999-12-31: check the year"):
        coach(store, team[0], datetime(1999, 12, 31, 23, tzinfo=UTC))
    with pytest.raises(StoreError, match="unknown behaviour"):
        coach(store, team[0], at(20), behaviours=("greeting.no-such-thing",))


def test_an_edit_keeps_results_and_the_history_and_refuses_stale_copies(store, team):
    session = coach(store, team[0], at(20, 10), behaviours=(EYE, LISTENS))
    observe(store, team[0], at(21), "met")
    data = CoachingInput(
        employee_id=team[0].id,
        kind="development",
        behaviour_ids=[EYE, "complaint.listens"],
        said="Talked again.",
        agreed_action="Practise at the quiet till.",
        follow_up_due=date(2026, 12, 1),
        private_note="new note",
    )
    edited = edit_coaching(store, session.id, data, by="Lead", expected_version=session.version)
    assert edited.version == 2 and edited.kind.value == "development"
    statuses = {f.behaviour_id: f.status.value for f in edited.follow_ups}
    assert statuses == {EYE: "held", "complaint.listens": "open"}
    assert all(f.due == date(2026, 12, 1) for f in edited.follow_ups)
    entries = coaching_history(store, session.id)
    edit = next(e for e in entries if e.record_type == "coaching_session" and e.action == "edit")
    assert edit.before["kind"] == "corrective" and edit.after["kind"] == "development"
    assert edit.after["private_note"] == "(changed)"
    with pytest.raises(ConflictError):
        edit_coaching(store, session.id, data, by="Lead", expected_version=session.version)


def test_deleting_a_session_removes_its_follow_ups_and_keeps_the_history(store, team):
    session = coach(store, team[0], at(20, 10))
    delete_coaching(store, session.id, by=SUPERVISOR, expected_version=1)
    assert list_followups(store, date(2026, 11, 25)) == []
    assert [e.action for e in coaching_history(store, session.id)][-1] == "delete"


# --- the automatic check --------------------------------------------------------------------


def test_a_later_met_observation_marks_the_follow_up_held(store, team):
    session = coach(store, team[0], at(20, 10))
    assert "Open follow-up from coaching on 20 Nov" in open_followup_notice(store, team[0].id, EYE)
    later = observe(store, team[0], at(22), "exceeded")
    results = followups_checked_by(store, later.id)
    assert [r.describe() for r in results] == ["Follow-up from coaching on 20 Nov: held"]
    follow_up = get_coaching(store, session.id).follow_ups[0]
    assert follow_up.status is FollowUpStatus.HELD
    assert follow_up.result_observation_id == later.id and follow_up.result_outcome == "exceeded"
    assert open_followup_notice(store, team[0].id, EYE) is None


def test_a_miss_they_own_is_not_yet_and_a_system_miss_leaves_it_open(store, team):
    session = coach(store, team[0], at(20, 10))
    system = observe(store, team[0], at(21), "missed", "system")
    assert followups_checked_by(store, system.id) == []
    assert get_coaching(store, session.id).follow_ups[0].status is FollowUpStatus.OPEN
    unsure = observe(store, team[0], at(22), "missed", None)
    assert followups_checked_by(store, unsure.id)[0].status is FollowUpStatus.NOT_YET


def test_only_sessions_held_before_the_observation_and_of_that_person_are_checked(store, team):
    session = coach(store, team[0], at(20, 10))
    observe(store, team[0], at(19), "met")  # logged late, but seen before the talk
    observe(store, team[1], at(21), "met")  # someone else
    observe(store, team[0], at(21), "met", behaviour=LISTENS)  # another behaviour
    assert get_coaching(store, session.id).follow_ups[0].status is FollowUpStatus.OPEN


def test_a_session_logged_after_the_fact_is_checked_against_what_came_since(store, team):
    observe(store, team[0], at(21), "missed", "system")
    observe(store, team[0], at(22), "missed", "will")
    observe(store, team[0], at(23), "met")
    session = coach(store, team[0], at(20, 10))
    follow_up = session.follow_ups[0]
    assert follow_up.status is FollowUpStatus.NOT_YET  # the first telling observation


def test_deleting_the_observation_that_checked_a_follow_up_reopens_it(store, team):
    session = coach(store, team[0], at(20, 10))
    later = observe(store, team[0], at(22), "met")
    delete_observation(store, later.id, by=SUPERVISOR)
    assert get_coaching(store, session.id).follow_ups[0].status is FollowUpStatus.OPEN


def test_closing_by_hand_needs_a_note_and_happens_once(store, team):
    session = coach(store, team[0], at(20, 10))
    with pytest.raises(StoreError, match="note"):
        close_followup(store, session.id, EYE, "  ", by=SUPERVISOR)
    closed = close_followup(store, session.id, EYE, "Moved to the tills.", by="Lead")
    assert closed.status is FollowUpStatus.CLOSED and closed.closed_note == "Moved to the tills."
    assert closed.closed_by == "Lead"
    with pytest.raises(ConflictError, match="already closed"):
        close_followup(store, session.id, EYE, "again", by=SUPERVISOR)
    observe(store, team[0], at(22), "met")
    assert get_coaching(store, session.id).follow_ups[0].status is FollowUpStatus.CLOSED


# --- lists and counts ----------------------------------------------------------------------


def test_follow_ups_are_overdue_due_today_or_upcoming(store, team):
    coach(store, team[0], at(10), follow_up_due=date(2026, 11, 17))
    coach(store, team[1], at(20), follow_up_due=date(2026, 11, 25), behaviours=(EYE, LISTENS))
    coach(store, team[2], at(24), follow_up_due=date(2026, 12, 1))
    today = date(2026, 11, 25)
    follow_ups = list_followups(store, today)
    assert [f.due_state(today) for f in follow_ups] == [
        "overdue",
        "due_today",
        "due_today",
        "upcoming",
    ]
    assert [f.employee_name for f in list_followups(store, today, overdue_only=True)] == [
        "Amira Okafor"
    ]
    summary = followup_summary(store, today)
    assert (summary.overdue, summary.due_today, summary.upcoming) == (1, 2, 1)
    assert len(summary.items) == 3
    counts = followup_counts_by_employee(store, today)
    assert counts == {team[0].id: (1, 1), team[1].id: (2, 0), team[2].id: (1, 0)}
    assert followup_counts_by_employee(store, today, [team[2].id, "nobody"]) == {
        team[2].id: (1, 0),
        "nobody": (0, 0),
    }


def test_recognition_counts_exceeded_and_recognition_against_misses_and_corrective(store, team):
    observe(store, team[0], at(20), "exceeded")
    observe(store, team[0], at(20, 10), "missed", "skill")
    observe(store, team[0], at(20, 11), "missed", "system")  # not the person's doing
    observe(store, team[0], at(20, 12), "met")
    coach(store, team[0], at(21), kind="recognition", agreed_action="")
    coach(store, team[0], at(21, 10), kind="corrective", behaviours=(LISTENS,))
    coach(store, team[0], at(21, 11), kind="development", behaviours=("complaint.listens",))
    observe(store, team[1], at(21), "exceeded", by="Someone Else")
    period = {"date_from": date(2026, 11, 20), "date_to": date(2026, 11, 21)}
    assert recognition_counts(store, **period, employee_id=team[0].id) == (2, 2)
    assert recognition_counts(store, **period, supervisor=SUPERVISOR) == (2, 2)
    assert recognition_counts(store, **period) == (3, 2)
    assert recognition_counts(store, date_from=date(2026, 11, 21), date_to=date(2026, 11, 21)) == (
        2,
        1,
    )


# --- did it stick, the agenda, the timeline ---------------------------------------------------


def test_did_it_stick_compares_four_weeks_before_with_since(store, team):
    for day, outcome in ((1, "missed"), (5, "met"), (9, "missed")):
        observe(store, team[0], at(day), outcome, "skill" if outcome == "missed" else None)
    observe(store, team[0], at(10, 8), "missed", "system")
    session = coach(store, team[0], at(10, 10))
    for day in (12, 14, 16):
        observe(store, team[0], at(day), "met")
    stick = did_it_stick(store, session.id)
    assert (stick.before.counted, stick.before.met, stick.after.counted) == (3, 1, 3)
    assert stick.verdict == "improving" and not stick.complete
    assert stick.describe() == (
        "Before: 1 of 3 met (33%) · Since: 3 of 3 (100%) — improving "
        "(provisional: fewer than 5 observations)"
    )


def test_the_agenda_carries_open_actions_and_how_each_behaviour_went_since(store, team):
    first = coach(store, team[0], at(10, 10), agreed_action="Greet within ten seconds.")
    observe(store, team[0], at(12), "met")
    coach(store, team[0], at(15, 10), behaviours=(LISTENS,), agreed_action="Let them finish.")
    agenda = carry_forward_agenda(store, team[0].id)
    assert [s.agreed_action for s in agenda.open_actions] == ["Let them finish."]
    lines = agenda.lines(date(2026, 11, 25))
    assert lines[0] == "Agreed 15 Nov (follow-up overdue since 22 Nov): Let them finish."
    assert any(
        line.startswith("Greets within 10 seconds")
        and "follow-up held" in line
        and "since then 1 of 1 met (100%)" in line
        for line in lines
    )
    assert first.id not in {s.id for s in agenda.open_actions}
    fresh = carry_forward_agenda(store, team[1].id)
    assert fresh.empty and "fresh start" in fresh.lines(date(2026, 11, 25))[0]


def test_the_timeline_interleaves_coaching_and_pages_without_gaps(store, team):
    for day in range(1, 13):
        observe(store, team[0], at(day), "met")
    for day in (3, 7, 11):
        coach(store, team[0], at(day, 10))
    first = employee_timeline_entries(store, team[0].id, limit=5)
    assert [e.coaching is not None for e in first] == [False, True, False, False, False]
    seen = list(first)
    while True:
        from floorcoach import clock

        page = employee_timeline_entries(
            store, team[0].id, before=clock.utc_text(seen[-1].at), limit=5
        )
        if not page:
            break
        seen += page
    assert len(seen) == 15 and len({e.id for e in seen}) == 15
    assert [e.at for e in seen] == sorted((e.at for e in seen), reverse=True)


def test_demo_data_has_coaching_that_held_and_coaching_that_did_not(store):
    result = generate_demo(store, employees=12, weeks=8, seed=1)
    assert result.coaching_sessions > 0
    rows = store.query("SELECT status, count(*) AS n FROM coaching_followup GROUP BY status")
    statuses = {row["status"]: row["n"] for row in rows}
    assert statuses.get("held", 0) > 0 and statuses.get("not_yet", 0) > 0
    assert statuses.get("open", 0) > 0
    # Every checked follow-up points at a later observation of that person and behaviour.
    wrong = store.query(
        "SELECT count(*) AS n FROM coaching_followup f JOIN coaching_session s "
        "ON s.id = f.coaching_id JOIN observation o ON o.id = f.result_observation_id "
        "WHERE o.employee_id != s.employee_id OR o.behaviour_id != f.behaviour_id "
        "OR o.observed_at <= s.held_at"
    )
    assert wrong[0]["n"] == 0
    assert store.conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_follow_up_due_defaults_use_the_local_day_of_the_conversation(store, team):
    session = coach(store, team[0], at(20, 23) - timedelta(minutes=1))
    assert session.follow_up_due == date(2026, 11, 27)


def test_correcting_the_observation_that_checked_a_follow_up_checks_it_again(
    store, team, monkeypatch
):
    from datetime import UTC, datetime

    from floorcoach.coaching import CoachingInput, create_coaching, get_coaching
    from floorcoach.models import ObservationInput
    from floorcoach.observations import edit_observation, log_observation

    monkeypatch.setenv("FLOORCOACH_NOW", "2026-11-25T12:00:00+00:00")
    session = create_coaching(
        store,
        CoachingInput(
            employee_id=team[0].id,
            kind="corrective",
            behaviour_ids=["greeting.eye-contact"],
            said="Greet sooner",
            agreed_action="Look up within ten seconds",
            held_at=datetime(2026, 11, 20, 9, tzinfo=UTC),
        ),
        supervisor="Lead",
    )
    observed = ObservationInput(
        employee_id=team[0].id,
        behaviour_id="greeting.eye-contact",
        outcome="met",
        observed_at=datetime(2026, 11, 24, 9, tzinfo=UTC),
    )
    saved = log_observation(store, observed, supervisor="Lead")

    def status() -> str:
        return get_coaching(store, session.id).follow_ups[0].status.value

    assert status() == "held"

    def corrected(**changes) -> ObservationInput:
        return ObservationInput(**{**observed.model_dump(), **changes})

    missed = corrected(outcome="missed", cause="skill")
    saved = edit_observation(store, saved.id, missed, by="Lead", expected_version=saved.version)
    assert status() == "not_yet"
    system = corrected(outcome="missed", cause="system")
    saved = edit_observation(store, saved.id, system, by="Lead", expected_version=saved.version)
    assert status() == "open"  # the process was at fault: it says nothing about the person
    elsewhere = corrected(behaviour_id="needs.open-questions")
    edit_observation(store, saved.id, elsewhere, by="Lead", expected_version=saved.version)
    assert status() == "open"
