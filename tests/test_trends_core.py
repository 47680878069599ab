"""Trend arithmetic against a brute-force count, on a real SQLite file.

Observation histories are random; the times cluster around the awkward places — the
nights the clocks change in Europe/London and the turn of 2026 into 2027, where ISO week
2026-W53 runs from Monday 28 December to Sunday 3 January. Every figure the employee trend
and the team week show is recomputed here the slow, obvious way and must agree exactly.
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from floorcoach import clock, trends
from floorcoach.models import EmployeeInput, ObservationInput
from floorcoach.observations import log_observation
from floorcoach.store import new_id

from .conftest import SUPERVISOR

LONDON = ZoneInfo("Europe/London")
BEHAVIOURS = ("greeting.eye-contact", "needs.listens", "complaint.solves", "checkout.farewell")
# Employees: (name, team, active)
PEOPLE = (("Ann", "A", True), ("Bob", "A", True), ("Cy", "B", True), ("Dee", "A", False))


@pytest.fixture
def london(monkeypatch: pytest.MonkeyPatch):
    """Run the test in Europe/London (clocks change on 29 March and 25 October 2026)."""
    monkeypatch.setenv("TZ", "Europe/London")
    time.tzset()
    yield LONDON
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def people(store):
    with store.write() as conn:
        ids = []
        for name, team, active in PEOPLE:
            employee_id = new_id()
            ids.append(employee_id)
            conn.execute(
                "INSERT INTO employee(id, employee_ref, name, team, active, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, 'x', 'x')",
                (employee_id, f"ref-{name}", name, team, int(active)),
            )
    return ids


def _edges() -> list[datetime]:
    """UTC instants either side of local midnights that matter: DST nights, week 53."""
    days = [
        date(2026, 3, 28),
        date(2026, 3, 29),
        date(2026, 3, 30),
        date(2026, 10, 24),
        date(2026, 10, 25),
        date(2026, 10, 26),
        date(2026, 12, 27),
        date(2026, 12, 28),
        date(2027, 1, 3),
        date(2027, 1, 4),
    ]
    out = []
    for day in days:
        midnight = datetime(day.year, day.month, day.day, tzinfo=LONDON).astimezone(UTC)
        for minutes in (-61, -59, -1, 0, 1, 59, 61):
            out.append(midnight + timedelta(minutes=minutes))
    return out


outcomes = st.sampled_from(
    [("met", None), ("exceeded", None), ("missed", None)]
    + [("missed", cause) for cause in ("skill", "will", "system")]
)
todays = st.one_of(
    st.sampled_from(
        [
            date(2026, 3, 29),
            date(2026, 3, 30),
            date(2026, 10, 25),
            date(2026, 10, 26),
            date(2026, 12, 31),
            date(2027, 1, 3),
            date(2027, 1, 4),
            date(2027, 1, 10),
        ]
    ),
    st.dates(min_value=date(2026, 2, 1), max_value=date(2027, 2, 7)),
)


@st.composite
def scenarios(draw):
    """A day to look from, and a history crowded into the weeks a view around it shows."""
    today = draw(todays)
    start = datetime.combine(today - timedelta(days=75), datetime.min.time())
    near = st.datetimes(
        min_value=start, max_value=start + timedelta(days=80), timezones=st.just(UTC)
    )
    anywhere = st.datetimes(
        min_value=datetime(2026, 2, 1), max_value=datetime(2027, 2, 7), timezones=st.just(UTC)
    )
    # Local week boundaries around `today`: a minute either side of each Monday midnight.
    monday = today - timedelta(days=today.weekday())
    boundaries = []
    for k in range(-1, 14):
        day = monday - timedelta(weeks=k)
        midnight = datetime(day.year, day.month, day.day, tzinfo=LONDON).astimezone(UTC)
        boundaries += [midnight - timedelta(minutes=1), midnight]
    instants = st.one_of(
        st.sampled_from(_edges()), st.sampled_from(boundaries), near, near, anywhere
    )
    observation = st.tuples(
        st.integers(0, len(PEOPLE) - 1), st.sampled_from(BEHAVIOURS), instants, outcomes
    )
    return today, draw(st.lists(observation, max_size=60))


def _store_history(store, people, history) -> list[dict]:
    """Save like log_observation does (local date and week from the machine's zone)."""
    rows = []
    with store.write() as conn:
        conn.execute("DELETE FROM observation")
        for person, behaviour_id, instant, (outcome, cause) in history:
            local_day = clock.local_date(instant)
            conn.execute(
                "INSERT INTO observation(id, employee_id, behaviour_id, observed_at, local_date, "
                "iso_week, outcome, cause, note, story, supervisor, catalogue_version, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', 0, 's', '1', 'x', "
                "'x')",
                (
                    new_id(),
                    people[person],
                    behaviour_id,
                    clock.utc_text(instant),
                    local_day.isoformat(),
                    clock.iso_week(local_day),
                    outcome,
                    cause,
                ),
            )
            rows.append(
                {
                    "employee_id": people[person],
                    "behaviour_id": behaviour_id,
                    # The brute force asks zoneinfo, not the code under test.
                    "day": instant.astimezone(LONDON).date(),
                    "outcome": outcome,
                    "cause": cause,
                }
            )
    return rows


def _week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _brute_counts(rows: list[dict]) -> tuple[int, int, int, int, int]:
    return (
        len(rows),
        sum(r["outcome"] == "met" for r in rows),
        sum(r["outcome"] == "exceeded" for r in rows),
        sum(r["outcome"] == "missed" for r in rows),
        sum(r["outcome"] == "missed" and r["cause"] == "system" for r in rows),
    )


def _brute_rate(counts: tuple[int, int, int, int, int]) -> float | None:
    n, met, exceeded, _, system = counts
    return None if n - system == 0 else (met + exceeded) / (n - system)


def _as_tuple(counts) -> tuple[int, int, int, int, int]:
    return (counts.observations, counts.met, counts.exceeded, counts.missed, counts.missed_system)


SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@SETTINGS
@given(
    scenario=scenarios(),
    weeks=st.one_of(st.integers(1, 13), st.integers(1, 60)),
    person=st.integers(0, 3),
)
def test_every_figure_of_an_employee_trend_matches_a_brute_force_count(
    london, store, people, scenario, weeks, person
):
    today, history = scenario
    rows = _store_history(store, people, history)
    trend = trends.employee_trend(store, people[person], weeks=weeks, today=today)

    # The weeks: `weeks` consecutive ISO weeks (Monday start) ending with today's week.
    expected_weeks = [_week_of(today - timedelta(weeks=i)) for i in range(weeks - 1, -1, -1)]
    assert list(trend.weeks) == expected_weeks
    mine = [r for r in rows if r["employee_id"] == people[person]]
    in_range = [r for r in mine if _week_of(r["day"]) in set(expected_weeks)]

    cells = defaultdict(list)
    for r in in_range:
        cells[(_week_of(r["day"]), r["behaviour_id"])].append(r)
    assert set(trend.cells) == set(cells)
    for key, group in cells.items():
        counts = trend.cells[key]
        assert _as_tuple(counts) == _brute_counts(group)
        assert counts.met_rate == _brute_rate(_brute_counts(group))
        assert counts.provisional == (len(group) - _brute_counts(group)[4] < 5)

    for week in expected_weeks:
        group = [r for r in in_range if _week_of(r["day"]) == week]
        assert _as_tuple(trend.week_totals[week]) == _brute_counts(group)
        assert trend.week_totals[week].met_rate == _brute_rate(_brute_counts(group))
    assert _as_tuple(trend.total) == _brute_counts(in_range)
    for behaviour_id in {r["behaviour_id"] for r in in_range}:
        group = [r for r in in_range if r["behaviour_id"] == behaviour_id]
        assert _as_tuple(trend.behaviour_totals[behaviour_id]) == _brute_counts(group)


@SETTINGS
@given(scenario=scenarios(), week_back=st.integers(0, 6), team=st.sampled_from([None, "A", "B"]))
def test_every_figure_of_a_team_week_matches_a_brute_force_count(
    london, store, people, scenario, week_back, team
):
    today, history = scenario
    rows = _store_history(store, people, history)
    week = _week_of(today - timedelta(weeks=week_back))
    result = trends.team_week(store, team, week, today=today)

    monday = date.fromisocalendar(int(week[:4]), int(week[-2:]), 1)
    sunday = monday + timedelta(days=6)
    reference = min(sunday, today)
    expected_people = sorted(
        (name, people[i])
        for i, (name, person_team, active) in enumerate(PEOPLE)
        if active and (team is None or person_team == team)
    )
    assert [(r.name, r.employee_id) for r in result] == expected_people
    for row in result:
        mine = [r for r in rows if r["employee_id"] == row.employee_id]
        this_week = [r for r in mine if _week_of(r["day"]) == week]
        before = [r for r in mine if monday - timedelta(days=28) <= r["day"] < monday]
        assert _as_tuple(row.counts) == _brute_counts(this_week)
        assert row.observations == len(this_week)
        assert row.met_rate == _brute_rate(_brute_counts(this_week))
        assert _as_tuple(row.previous) == _brute_counts(before)
        now_rate, before_rate = (
            _brute_rate(_brute_counts(this_week)),
            _brute_rate(_brute_counts(before)),
        )
        expected_change = (
            None if now_rate is None or before_rate is None else now_rate - before_rate
        )
        assert row.change == expected_change
        seen = [r["day"] for r in mine if r["day"] <= reference]
        last = max(seen) if seen else None
        assert row.last_observed == last
        assert row.needs_observing == (last is None or (reference - last).days >= 14)


def test_week_53_and_the_new_year_are_separate_weeks_in_an_employee_trend(london, store, people):
    at = [
        datetime(2026, 12, 27, 23, 30, tzinfo=UTC),  # Sunday 27 Dec: 2026-W52
        datetime(2026, 12, 28, 0, 30, tzinfo=UTC),  # Monday 28 Dec: 2026-W53
        datetime(2027, 1, 3, 23, 59, tzinfo=UTC),  # Sunday 3 Jan 2027: still 2026-W53
        datetime(2027, 1, 4, 0, 0, tzinfo=UTC),  # Monday 4 Jan: 2027-W01
    ]
    _store_history(store, people, [(0, "needs.listens", instant, ("met", None)) for instant in at])
    trend = trends.employee_trend(store, people[0], weeks=3, today=date(2027, 1, 4))
    assert trend.weeks == ("2026-W52", "2026-W53", "2027-W01")
    assert [trend.week_totals[w].observations for w in trend.weeks] == [1, 2, 1]


def test_an_observation_at_half_past_midnight_after_the_clocks_go_forward_is_on_monday(
    london, store, people
):
    """00:30 local on Monday 30 March 2026 is 23:30 UTC on Sunday: it belongs to W14."""
    instant = datetime(2026, 3, 29, 23, 30, tzinfo=UTC)
    employee_id = people[0]
    saved = log_observation(
        store,
        ObservationInput(
            employee_id=employee_id,
            behaviour_id="needs.listens",
            outcome="met",
            observed_at=instant,
        ),
        supervisor=SUPERVISOR,
    )
    assert saved.local_date == date(2026, 3, 30)
    trend = trends.employee_trend(store, employee_id, weeks=2, today=date(2026, 3, 30))
    assert trend.weeks == ("2026-W13", "2026-W14")
    assert trend.week_totals["2026-W14"].observations == 1
    assert trend.week_totals["2026-W13"].observations == 0


def test_a_week_without_observations_has_no_rate_rather_than_zero(store, people):
    trend = trends.employee_trend(store, people[0], weeks=4, today=date(2026, 11, 25))
    assert all(trend.week_totals[w].met_rate is None for w in trend.weeks)
    assert trend.cells == {}


def test_misses_caused_by_the_system_never_count_against_the_person(store, people):
    day = datetime(2026, 11, 24, 10, tzinfo=UTC)
    _store_history(
        store,
        people,
        [
            (0, "needs.listens", day, ("met", None)),
            (0, "needs.listens", day, ("missed", "system")),
            (0, "needs.listens", day, ("missed", "system")),
        ],
    )
    [row] = [r for r in trends.team_week(store, "A", "2026-W48") if r.name == "Ann"]
    assert row.met_rate == 1.0
    assert row.counts.counted == 1
    assert row.counts.provisional


def test_the_trend_queries_use_the_covering_index_and_never_scan_observations(store):
    plan = " | ".join(
        row[3]
        for row in store.conn.execute(
            "EXPLAIN QUERY PLAN " + trends.EMPLOYEE_TREND_SQL, ("e", "2026-01-01", "2026-12-31")
        )
    )
    assert "COVERING INDEX observation_by_employee_day" in plan
    assert "SCAN o" not in plan
    for team in ("A", None):
        params = {
            "team": team,
            "monday": "2026-11-23",
            "sunday": "2026-11-29",
            "from_day": "2026-10-26",
            "reference": "2026-11-25",
        }
        steps = [
            row[3]
            for row in store.conn.execute(
                "EXPLAIN QUERY PLAN " + trends._team_week_sql(team), params
            )
        ]
        observation_steps = [s for s in steps if s.startswith(("SEARCH o ", "SEARCH l ", "SCAN o"))]
        assert len(observation_steps) == 2, steps
        assert all("COVERING INDEX observation_by_employee_day" in s for s in observation_steps)


def test_an_employee_trend_is_one_query(store, people):
    statements = []
    store.conn.set_trace_callback(statements.append)
    try:
        trends.employee_trend(store, people[0], weeks=52, today=date(2026, 11, 25))
        trends.team_week(store, "A", "2026-W48", today=date(2026, 11, 25))
    finally:
        store.conn.set_trace_callback(None)
    assert len(statements) == 2


def test_whos_next_puts_the_never_observed_then_the_least_recently_observed_first(store, people):
    _store_history(
        store,
        people,
        [
            (0, "needs.listens", datetime(2026, 11, 24, 10, tzinfo=UTC), ("met", None)),
            (1, "needs.listens", datetime(2026, 11, 10, 10, tzinfo=UTC), ("met", None)),
        ],
    )
    suggestions = trends.whos_next(store, today=date(2026, 11, 25))
    assert [s.name for s in suggestions] == ["Cy", "Bob", "Ann"]  # Dee is inactive
    assert suggestions[0].days_since_observed is None
    assert suggestions[1].days_since_observed == 15
    assert [s.name for s in trends.whos_next(store, team="A", today=date(2026, 11, 25))] == [
        "Bob",
        "Ann",
    ]


def test_whos_next_puts_open_follow_ups_first_when_coaching_provides_them(store, people):
    ann = people[0]
    suggestions = trends.whos_next(
        store,
        today=date(2026, 11, 25),
        open_follow_ups=lambda store, ids, today: {ann: 2},
    )
    assert suggestions[0].name == "Ann"
    assert suggestions[0].open_follow_ups == 2
    assert "2 open follow-ups" in suggestions[0].reason


def test_slipping_behaviours_come_first_in_the_behaviour_view(store, people):
    old = datetime(2026, 10, 5, 10, tzinfo=UTC)
    recent = datetime(2026, 11, 24, 10, tzinfo=UTC)
    _store_history(
        store,
        people,
        [
            (0, "needs.listens", old, ("met", None)),
            (0, "needs.listens", recent, ("missed", "skill")),  # slipping
            (0, "checkout.farewell", old, ("missed", "will")),
            (0, "checkout.farewell", recent, ("met", None)),  # improving
            (2, "greeting.eye-contact", recent, ("met", None)),  # team B only
        ],
    )
    view = trends.behaviour_view(store, team="A", weeks=12, today=date(2026, 11, 25))
    assert [r.behaviour_id for r in view.rows] == ["needs.listens", "checkout.farewell"]
    assert view.rows[0].change == -1.0
    assert view.rows[1].change == 1.0
    assert view.rows[0].weeks["2026-W48"].missed == 1


def test_a_slip_seen_in_a_few_observations_comes_after_a_well_founded_one(store, people):
    old = datetime(2026, 10, 5, 10, tzinfo=UTC)
    recent = datetime(2026, 11, 24, 10, tzinfo=UTC)
    history = []
    for n in range(6):  # 6 met before, then 4 met and 2 missed: -33 points, well founded
        history.append((0, "needs.listens", old + timedelta(hours=n), ("met", None)))
        outcome = ("missed", "skill") if n < 2 else ("met", None)
        history.append((0, "needs.listens", recent - timedelta(hours=n), outcome))
    history += [  # one met before, one missed since: -100 points on one observation each
        (0, "checkout.farewell", old, ("met", None)),
        (0, "checkout.farewell", recent, ("missed", "will")),
    ]
    _store_history(store, people, history)
    view = trends.behaviour_view(store, team="A", weeks=12, today=date(2026, 11, 25))
    assert [r.behaviour_id for r in view.rows] == ["needs.listens", "checkout.farewell"]
    assert not view.rows[0].change_provisional and view.rows[1].change_provisional
    assert view.rows[1].change < view.rows[0].change < 0


def test_process_issues_list_system_misses_by_behaviour_and_week_with_their_notes(store, team):
    def miss(employee, note, when, cause="system"):
        log_observation(
            store,
            ObservationInput(
                employee_id=employee.id,
                behaviour_id="checkout.queue-backup",
                outcome="missed",
                cause=cause,
                note=note,
                observed_at=when,
            ),
            supervisor=SUPERVISOR,
        )

    miss(team[0], "Till froze", datetime(2026, 11, 24, 10, tzinfo=UTC))
    miss(team[1], "Card reader offline", datetime(2026, 11, 23, 10, tzinfo=UTC))
    miss(team[1], "Rushed", datetime(2026, 11, 23, 11, tzinfo=UTC), cause="skill")
    miss(team[2], "Till froze again", datetime(2026, 11, 17, 10, tzinfo=UTC))
    issues = trends.process_issues(store, first=date(2026, 11, 1), last=date(2026, 11, 30))
    assert [(i.iso_week, i.count) for i in issues] == [("2026-W48", 2), ("2026-W47", 1)]
    assert [m.note for m in issues[0].misses] == ["Till froze", "Card reader offline"]
    fashion = trends.process_issues(
        store, team="Fashion", first=date(2026, 11, 1), last=date(2026, 11, 30)
    )
    assert [(i.iso_week, i.count) for i in fashion] == [("2026-W48", 2)]


def test_stories_are_listed_newest_first_and_filter_by_team_and_period(store, team):
    for employee, day, story in (
        (team[0], 20, True),
        (team[1], 24, True),
        (team[2], 22, True),
        (team[0], 23, False),
    ):
        log_observation(
            store,
            ObservationInput(
                employee_id=employee.id,
                behaviour_id="needs.listens",
                outcome="exceeded",
                story=story,
                note=f"story of the {day}th",
                observed_at=datetime(2026, 11, day, 10, tzinfo=UTC),
            ),
            supervisor=SUPERVISOR,
        )
    assert [s.note for s in trends.stories(store)] == [
        "story of the 24th",
        "story of the 22th",
        "story of the 20th",
    ]
    assert [s.employee_name for s in trends.stories(store, team="Fashion")] == [
        "Ben Nowak",
        "Amira Okafor",
    ]
    assert [
        s.note for s in trends.stories(store, first=date(2026, 11, 21), last=date(2026, 11, 23))
    ] == ["story of the 22th"]


def test_an_inactive_employee_is_left_out_of_the_team_week(store):
    from floorcoach.employees import add_employee, set_active

    kept = add_employee(store, EmployeeInput(name="Kept", team="T"), by=SUPERVISOR)
    gone = add_employee(store, EmployeeInput(name="Gone", team="T"), by=SUPERVISOR)
    set_active(store, gone.id, False, by=SUPERVISOR)
    rows = trends.team_week(store, "T", "2026-W48")
    assert [r.employee_id for r in rows] == [kept.id]
    assert rows[0].needs_observing and rows[0].last_observed is None


def test_weeks_outside_the_allowed_span_are_refused(store, people):
    with pytest.raises(ValueError):
        trends.employee_trend(store, people[0], weeks=0)
    with pytest.raises(ValueError):
        trends.team_week(store, None, "2026-W54")
