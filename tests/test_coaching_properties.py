"""Property tests: did-it-stick and recognition : correction against a brute-force count
over random histories stored in a real database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from floorcoach import clock
from floorcoach.coaching import CoachingInput, create_coaching
from floorcoach.coaching_progress import did_it_stick, recognition_counts
from floorcoach.store import new_id

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
START = NOW - timedelta(days=90)
BEHAVIOURS = ("greeting.eye-contact", "needs.listens", "complaint.listens")
SUPERVISORS = ("Sam Reid", "Jo Bennett")
# Each kind of miss is as likely as met or exceeded, so system misses come up often.
OUTCOMES = st.sampled_from(
    [("met", None), ("exceeded", None), ("met", None), ("exceeded", None)]
    + [("missed", cause) for cause in (None, "skill", "will", "system")]
)

observations = st.lists(
    st.tuples(
        st.integers(0, 1),  # which employee
        st.sampled_from(BEHAVIOURS),
        st.integers(0, 90 * 24 * 60),  # minutes after START
        OUTCOMES,
        st.sampled_from(SUPERVISORS),
    ),
    max_size=50,
)
sessions = st.lists(
    st.tuples(
        st.integers(0, 1),
        st.sampled_from(("recognition", "corrective", "development")),
        st.integers(0, 90 * 24 * 60),
        st.sampled_from(SUPERVISORS),
    ),
    max_size=6,
)
PROPERTY_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@pytest.fixture
def history_store(store, team, monkeypatch):
    monkeypatch.setenv("FLOORCOACH_NOW", clock.utc_text(NOW))
    return store, [team[0].id, team[1].id]


def _reset(store) -> None:
    with store.write() as conn:
        conn.execute("DELETE FROM coaching_session")
        conn.execute("DELETE FROM observation")


def _insert_observations(store, employee_ids, rows) -> list[dict]:
    """Store random observations as the app stores them; return them as plain dicts."""
    stored = []
    for who, behaviour, minutes, (outcome, cause), supervisor in rows:
        when = START + timedelta(minutes=minutes)
        stored.append(
            {
                "employee_id": employee_ids[who],
                "behaviour_id": behaviour,
                "at": when,
                "outcome": outcome,
                "cause": cause,
                "supervisor": supervisor,
            }
        )
    now = clock.utc_text(NOW)
    with store.write() as conn:
        conn.executemany(
            "INSERT INTO observation(id, employee_id, behaviour_id, observed_at, local_date, "
            "iso_week, outcome, cause, note, story, supervisor, catalogue_version, created_at, "
            "updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', 0, ?, '2026.1', ?, ?, 1)",
            [
                (
                    new_id(),
                    o["employee_id"],
                    o["behaviour_id"],
                    clock.utc_text(o["at"]),
                    clock.local_date(o["at"]).isoformat(),
                    clock.iso_week(clock.local_date(o["at"])),
                    o["outcome"],
                    o["cause"],
                    o["supervisor"],
                    now,
                    now,
                )
                for o in stored
            ],
        )
    return stored


def _brute_counts(rows: list[dict]) -> tuple[int, int, int]:
    """(observations, met or exceeded, counted) by plain counting."""
    good = sum(1 for o in rows if o["outcome"] in ("met", "exceeded"))
    system = sum(1 for o in rows if o["outcome"] == "missed" and o["cause"] == "system")
    return len(rows), good, len(rows) - system


@PROPERTY_SETTINGS
@given(
    rows=observations,
    held_minutes=st.integers(0, 90 * 24 * 60),
    coached=st.sets(st.sampled_from(BEHAVIOURS), min_size=1),
)
def test_did_it_stick_matches_a_brute_force_count(history_store, rows, held_minutes, coached):
    store, employee_ids = history_store
    _reset(store)
    stored = _insert_observations(store, employee_ids, rows)
    held = START + timedelta(minutes=held_minutes)
    session = create_coaching(
        store,
        CoachingInput(
            employee_id=employee_ids[0],
            kind="development",
            behaviour_ids=sorted(coached),
            said="talked",
            agreed_action="try it",
            held_at=held,
        ),
        supervisor="Sam Reid",
    )
    stick = did_it_stick(store, session.id)
    mine = [
        o for o in stored if o["employee_id"] == employee_ids[0] and o["behaviour_id"] in coached
    ]
    before = [o for o in mine if held - timedelta(weeks=4) <= o["at"] < held]
    after = [o for o in mine if held < o["at"] <= held + timedelta(weeks=4)]
    for counts, expected in ((stick.before, before), (stick.after, after)):
        total, good, counted = _brute_counts(expected)
        assert (counts.observations, counts.met + counts.exceeded, counts.counted) == (
            total,
            good,
            counted,
        )
        if counted:
            assert counts.met_rate == pytest.approx(good / counted)
        else:
            assert counts.met_rate is None
    assert stick.complete == (held + timedelta(weeks=4) <= NOW)
    # The automatic check agrees with the first telling observation after the talk.
    telling = sorted(
        (
            o
            for o in mine
            if o["at"] > held and not (o["outcome"] == "missed" and o["cause"] == "system")
        ),
        key=lambda o: o["at"],
    )
    firsts = {}
    for o in telling:
        firsts.setdefault(o["behaviour_id"], o)
    for follow_up in session.follow_ups:
        first = firsts.get(follow_up.behaviour_id)
        expected = (
            "open"
            if first is None
            else "held"
            if first["outcome"] in ("met", "exceeded")
            else "not_yet"
        )
        assert follow_up.status.value == expected


@PROPERTY_SETTINGS
@given(
    rows=observations,
    talks=sessions,
    start_day=st.integers(0, 90),
    length=st.integers(0, 120),
    who=st.sampled_from([None, 0, 1]),
    supervisor=st.sampled_from([None, *SUPERVISORS]),
)
def test_recognition_and_correction_match_a_brute_force_count(
    history_store, rows, talks, start_day, length, who, supervisor
):
    store, employee_ids = history_store
    _reset(store)
    stored = _insert_observations(store, employee_ids, rows)
    held = []
    for person, kind, minutes, by in talks:
        when = START + timedelta(minutes=minutes)
        create_coaching(
            store,
            CoachingInput(
                employee_id=employee_ids[person],
                kind=kind,
                behaviour_ids=[BEHAVIOURS[0]],
                said="talked",
                agreed_action="keep going",
                held_at=when,
            ),
            supervisor=by,
        )
        held.append({"employee_id": employee_ids[person], "kind": kind, "at": when, "by": by})
    date_from = START.date() + timedelta(days=start_day)
    date_to = date_from + timedelta(days=length)
    employee_id = employee_ids[who] if who is not None else None

    def wanted(employee: str, by: str, when: datetime) -> bool:
        day: date = clock.local_date(when)
        return (
            date_from <= day <= date_to
            and (employee_id is None or employee == employee_id)
            and (supervisor is None or by == supervisor)
        )

    recognition = sum(
        1
        for o in stored
        if o["outcome"] == "exceeded" and wanted(o["employee_id"], o["supervisor"], o["at"])
    ) + sum(
        1 for s in held if s["kind"] == "recognition" and wanted(s["employee_id"], s["by"], s["at"])
    )
    correction = sum(
        1
        for o in stored
        if o["outcome"] == "missed"
        and o["cause"] != "system"
        and wanted(o["employee_id"], o["supervisor"], o["at"])
    ) + sum(
        1 for s in held if s["kind"] == "corrective" and wanted(s["employee_id"], s["by"], s["at"])
    )
    assert recognition_counts(
        store,
        date_from=date_from,
        date_to=date_to,
        employee_id=employee_id,
        supervisor=supervisor,
    ) == (recognition, correction)
