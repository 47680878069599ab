"""Trends and the weekly review: the numbers a supervisor and a team lead look at.

Weeks are ISO weeks (Monday start) in local time, read from the `local_date` and `iso_week`
each observation stored when it was saved. Every figure comes from SQL aggregates built on
`metrics.SQL_COUNTS`, so a met-rate here is the same met-rate in every screen, command and
export; misses caused by the system never count against a person. The two hot queries (an
employee's trend, a team's week) are answered from the covering index
`observation_by_employee_day`, so they stay fast at a million observations; Python only
arranges the few rows SQL returns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

from floorcoach import clock
from floorcoach.metrics import SQL_COUNTS, Counts, system_miss_sql
from floorcoach.store import Store

if TYPE_CHECKING:
    from floorcoach.focus import FocusPeriod

COVERAGE_DAYS = 14  # someone not observed for this many days is flagged
PREVIOUS_WEEKS = 4  # a week is compared with the four before it
RECENT_WEEKS = 4  # the behaviour view compares the last four weeks with the ones before
MAX_WEEKS = 520

EMPTY = Counts()

# Outcome counts of a slice in the order SQL_COUNTS returns them.
_COUNT_COLUMNS = ("observations", "met", "exceeded", "missed", "missed_system")


# --- weeks -------------------------------------------------------------------------------


def week_of(day: date) -> str:
    return clock.iso_week(day)


def shift_week(week: str, delta: int) -> str:
    """The ISO week `delta` weeks after `week` (before, when negative)."""
    return clock.iso_week(clock.week_monday(week) + timedelta(weeks=delta))


def week_days(week: str) -> tuple[date, date]:
    """Monday and Sunday of an ISO week."""
    monday = clock.week_monday(week)
    return monday, monday + timedelta(days=6)


def weeks_ending(day: date, count: int) -> tuple[str, ...]:
    """The `count` ISO weeks ending with the week of `day`, oldest first."""
    return _weeks_ending(clock.monday_of(day), count)


@lru_cache(maxsize=64)
def _weeks_ending(monday: date, count: int) -> tuple[str, ...]:
    return tuple(clock.iso_week(monday - timedelta(weeks=i)) for i in range(count - 1, -1, -1))


def rate_change(now: Counts, before: Counts) -> float | None:
    """Difference of met-rates (now − before), or None when either rate is empty."""
    a, b = now.met_rate, before.met_rate
    if a is None or b is None:
        return None
    return a - b


def _check_weeks(weeks: int) -> None:
    if not 1 <= weeks <= MAX_WEEKS:
        raise ValueError(f"weeks must be between 1 and {MAX_WEEKS}, not {weeks}")


def _counts(sums: Sequence[int | None]) -> Counts:
    """Counts from SQL_COUNTS columns; a sum over only NULLs (a miss without a cause) is 0."""
    return Counts(*(n or 0 for n in sums))


# --- an employee's trend ------------------------------------------------------------------

EMPLOYEE_TREND_SQL = f"""
SELECT o.iso_week, o.behaviour_id, {SQL_COUNTS}
FROM observation o
WHERE o.employee_id = ? AND o.local_date >= ? AND o.local_date <= ?
GROUP BY o.iso_week, o.behaviour_id
"""


@dataclass(frozen=True)
class EmployeeTrend:
    """One person's weeks × behaviours: Counts per (iso_week, behaviour_id) that has
    observations, and totals per week (an empty Counts for a week without any)."""

    employee_id: str
    weeks: tuple[str, ...]  # oldest first, the last one is today's week
    cells: dict[tuple[str, str], Counts]
    week_totals: dict[str, Counts]

    @cached_property
    def behaviour_totals(self) -> dict[str, Counts]:
        """Counts per behaviour over the whole range, for behaviours with observations."""
        totals: dict[str, Counts] = {}
        for (_, behaviour_id), counts in self.cells.items():
            totals[behaviour_id] = totals.get(behaviour_id, EMPTY) + counts
        return totals

    @cached_property
    def total(self) -> Counts:
        return sum(self.week_totals.values(), EMPTY)

    @property
    def first_day(self) -> date:
        return clock.week_monday(self.weeks[0])

    @property
    def last_day(self) -> date:
        return clock.week_monday(self.weeks[-1]) + timedelta(days=6)

    @property
    def behaviour_ids(self) -> list[str]:
        return list(self.behaviour_totals)

    def cell(self, week: str, behaviour_id: str) -> Counts | None:
        """The Counts of one cell, or None when that week has no observation of it."""
        return self.cells.get((week, behaviour_id))


def employee_trend(
    store: Store, employee_id: str, *, weeks: int = 12, today: date | None = None
) -> EmployeeTrend:
    """The last `weeks` ISO weeks of one employee, ending with today's week.

    One indexed aggregate query; per-week totals are added up from its rows, which is
    cheaper than asking SQL a second time.
    """
    _check_weeks(weeks)
    week_list = weeks_ending(today or clock.today(), weeks)
    first = clock.week_monday(week_list[0])
    rows = store.conn.execute(
        EMPLOYEE_TREND_SQL,
        (employee_id, first.isoformat(), (first + timedelta(weeks=weeks, days=-1)).isoformat()),
    ).fetchall()
    cells: dict[tuple[str, str], Counts] = {}
    sums: dict[str, list[int]] = {}
    for week, behaviour_id, n, met, exceeded, missed, system in rows:
        system = system or 0  # sum() is NULL when every miss of the group has no cause
        cells[(week, behaviour_id)] = Counts(n, met, exceeded, missed, system)
        total = sums.get(week)
        if total is None:
            sums[week] = [n, met, exceeded, missed, system]
        else:
            total[0] += n
            total[1] += met
            total[2] += exceeded
            total[3] += missed
            total[4] += system
    return EmployeeTrend(
        employee_id=employee_id,
        weeks=week_list,
        cells=cells,
        week_totals={w: Counts(*sums[w]) if w in sums else EMPTY for w in week_list},
    )


@dataclass(frozen=True)
class EmployeeTrendDetails:
    """An employee's trend with what the screen needs around it: behaviour titles and
    touch points (catalogue order) and the focus periods that overlap the weeks shown."""

    trend: EmployeeTrend
    behaviours: dict[str, tuple[str, str, int]]  # id -> (title, touch point, order)
    focus_periods: list[FocusPeriod]

    @cached_property
    def focus_behaviours(self) -> set[str]:
        return {b for period in self.focus_periods for b in period.behaviour_ids}

    @cached_property
    def behaviour_order(self) -> list[str]:
        """Behaviours observed in the range, plus focus behaviours, in catalogue order."""
        ids = set(self.trend.behaviour_totals) | self.focus_behaviours
        return sorted(ids, key=lambda b: (self.behaviours.get(b, ("", "", 1 << 30))[2], b))

    def title(self, behaviour_id: str) -> str:
        return self.behaviours.get(behaviour_id, (behaviour_id, "", 0))[0]

    def touch_point(self, behaviour_id: str) -> str:
        return self.behaviours.get(behaviour_id, ("", "", 0))[1]

    def focus_weeks_of(self, behaviour_id: str, weeks: Sequence[str]) -> set[str]:
        """The weeks in which `behaviour_id` was a focus behaviour."""
        periods = [p for p in self.focus_periods if behaviour_id in p.behaviour_ids]
        return {w for w in weeks for p in periods if p.overlaps(*week_days(w))}


def employee_trend_details(
    store: Store, employee_id: str, *, weeks: int = 12, today: date | None = None
) -> EmployeeTrendDetails:
    from floorcoach.focus import list_focus_periods

    trend = employee_trend(store, employee_id, weeks=weeks, today=today)
    row = store.conn.execute("SELECT team FROM employee WHERE id = ?", (employee_id,)).fetchone()
    team = row[0] if row else ""
    periods = list_focus_periods(store, team=team, first=trend.first_day, last=trend.last_day)
    ids = set(trend.behaviour_totals) | {b for p in periods for b in p.behaviour_ids}
    return EmployeeTrendDetails(
        trend=trend, behaviours=behaviour_info(store, sorted(ids)), focus_periods=periods
    )


# --- a team's week ------------------------------------------------------------------------


def _team_week_sql(team: str | None) -> str:
    team_clause = "" if team is None else " AND team = :team"
    counts = ", ".join(f"{{p}}.{c}" for c in _COUNT_COLUMNS)
    return f"""
WITH staff AS MATERIALIZED (
    SELECT id, employee_ref, name, team FROM employee WHERE active = 1{team_clause}
),
weekly AS MATERIALIZED (
    SELECT o.employee_id, o.local_date >= :monday AS this_week, {SQL_COUNTS}
    FROM observation o
    WHERE o.employee_id IN (SELECT id FROM staff)
      AND o.local_date >= :from_day AND o.local_date <= :sunday
    GROUP BY o.employee_id, this_week
)
SELECT s.id, s.employee_ref, s.name, s.team,
       {counts.format(p="c")},
       {counts.format(p="p")},
       (SELECT max(l.local_date) FROM observation l
        WHERE l.employee_id = s.id AND l.local_date <= :reference) AS last_observed
FROM staff s
LEFT JOIN weekly c ON c.employee_id = s.id AND c.this_week = 1
LEFT JOIN weekly p ON p.employee_id = s.id AND p.this_week = 0
ORDER BY s.name COLLATE NOCASE, s.id
"""


@dataclass(frozen=True)
class TeamWeekRow:
    """One employee in a team's week: this week, the four weeks before, and coverage."""

    employee_id: str
    employee_ref: str | None
    name: str
    team: str
    counts: Counts  # this week
    previous: Counts  # the PREVIOUS_WEEKS weeks before it, together
    last_observed: date | None  # on or before the reference day
    reference_day: date  # the week's Sunday, or today while the week is running

    @property
    def observations(self) -> int:
        return self.counts.observations

    @property
    def met_rate(self) -> float | None:
        return self.counts.met_rate

    @property
    def change(self) -> float | None:
        """This week's met-rate minus the previous four weeks' (None if either is empty)."""
        return rate_change(self.counts, self.previous)

    @property
    def change_provisional(self) -> bool:
        """The change rests on a provisional rate on one side or both."""
        return self.counts.provisional or self.previous.provisional

    @property
    def days_since_observed(self) -> int | None:
        if self.last_observed is None:
            return None
        return (self.reference_day - self.last_observed).days

    @property
    def needs_observing(self) -> bool:
        """Not observed in the last COVERAGE_DAYS days (or never): attention is due."""
        days = self.days_since_observed
        return days is None or days >= COVERAGE_DAYS


def team_week(
    store: Store, team: str | None, week: str, *, today: date | None = None
) -> list[TeamWeekRow]:
    """One row per active employee of `team` (None: everyone) for ISO week `week`.

    Observed that week or not, everyone is listed (by name). "Last observed" and the
    coverage flag are as of the week's Sunday, or today while the week is running.
    """
    monday, sunday = week_days(week)
    reference = min(sunday, today or clock.today())
    params = {
        "team": team,
        "monday": monday.isoformat(),
        "sunday": sunday.isoformat(),
        "from_day": (monday - timedelta(weeks=PREVIOUS_WEEKS)).isoformat(),
        "reference": reference.isoformat(),
    }
    rows = store.conn.execute(_team_week_sql(team), params).fetchall()
    parse = date.fromisoformat
    return [
        TeamWeekRow(
            employee_id=row[0],
            employee_ref=row[1],
            name=row[2],
            team=row[3],
            counts=_counts(row[4:9]) if row[4] else EMPTY,
            previous=_counts(row[9:14]) if row[9] else EMPTY,
            last_observed=parse(row[14]) if row[14] else None,
            reference_day=reference,
        )
        for row in rows
    ]


# --- who's next -------------------------------------------------------------------------

# Open follow-ups per employee: `f(store, employee_ids, today)` -> {employee_id: open count}.
OpenFollowUps = Callable[[Store, Sequence[str], date], Mapping[str, int]]


def count_open_follow_ups(store: Store, employee_ids: Sequence[str], today: date) -> dict[str, int]:
    from floorcoach.followups import followup_counts_by_employee

    counts = followup_counts_by_employee(store, today, list(employee_ids))
    return {employee_id: open_count for employee_id, (open_count, _) in counts.items()}


@dataclass(frozen=True)
class Suggestion:
    """Someone to observe next, and why."""

    employee_id: str
    employee_ref: str | None
    name: str
    team: str
    last_observed: date | None
    days_since_observed: int | None
    period_observations: int  # in the last `period_days` days
    open_follow_ups: int = 0

    @property
    def reason(self) -> str:
        parts = []
        if self.open_follow_ups:
            parts.append(f"{self.open_follow_ups} open follow-up{'s' * (self.open_follow_ups > 1)}")
        if self.days_since_observed is None:
            parts.append("never observed")
        else:
            parts.append(f"last seen {self.days_since_observed} d ago")
        parts.append(f"{self.period_observations} in 4 wk")
        return " · ".join(parts)


def whos_next(
    store: Store,
    *,
    team: str | None = None,
    today: date | None = None,
    period_days: int = 28,
    limit: int = 8,
    open_follow_ups: OpenFollowUps | None = None,
) -> list[Suggestion]:
    """Whom to observe this shift, fairest first: open follow-ups, then the least recently
    observed (never observed first), then the fewest observations in the period."""
    today = today or clock.today()
    team_clause = "" if team is None else " AND e.team = :team"
    rows = store.conn.execute(
        f"""
        SELECT e.id, e.employee_ref, e.name, e.team,
               (SELECT max(l.local_date) FROM observation l
                WHERE l.employee_id = e.id AND l.local_date <= :today) AS last_observed,
               (SELECT count(*) FROM observation p
                WHERE p.employee_id = e.id AND p.local_date > :since
                  AND p.local_date <= :today) AS period_observations
        FROM employee e
        WHERE e.active = 1{team_clause}
        """,
        {
            "team": team,
            "today": today.isoformat(),
            "since": (today - timedelta(days=period_days)).isoformat(),
        },
    ).fetchall()
    source = open_follow_ups or count_open_follow_ups
    follow_ups = source(store, [r[0] for r in rows], today) if rows else {}
    suggestions = [
        Suggestion(
            employee_id=r[0],
            employee_ref=r[1],
            name=r[2],
            team=r[3],
            last_observed=date.fromisoformat(r[4]) if r[4] else None,
            days_since_observed=(today - date.fromisoformat(r[4])).days if r[4] else None,
            period_observations=r[5],
            open_follow_ups=int(follow_ups.get(r[0], 0)),
        )
        for r in rows
    ]
    suggestions.sort(
        key=lambda s: (
            -s.open_follow_ups,
            s.last_observed or date.min,
            s.period_observations,
            s.name.casefold(),
        )
    )
    return suggestions[:limit]


# --- behaviours across a team --------------------------------------------------------------


@dataclass(frozen=True)
class BehaviourTrend:
    behaviour_id: str
    title: str
    touch_point: str
    weeks: dict[str, Counts]  # only weeks with observations
    total: Counts
    recent: Counts  # the last RECENT_WEEKS weeks
    earlier: Counts  # the weeks before those

    @property
    def change(self) -> float | None:
        return rate_change(self.recent, self.earlier)

    @property
    def change_provisional(self) -> bool:
        """The change rests on a provisional rate on one side or both."""
        return self.recent.provisional or self.earlier.provisional


@dataclass(frozen=True)
class BehaviourView:
    weeks: tuple[str, ...]
    rows: list[BehaviourTrend] = field(default_factory=list)  # slipping first


def _team_filter(team: str | None, alias: str = "o") -> tuple[str, tuple]:
    if team is None:
        return "", ()
    return f" AND {alias}.employee_id IN (SELECT id FROM employee WHERE team = ?)", (team,)


def behaviour_view(
    store: Store, *, team: str | None = None, weeks: int = 12, today: date | None = None
) -> BehaviourView:
    """Team-wide met-rate per behaviour over weeks, slipping behaviours first.

    Slipping means the last four weeks' met-rate is below the weeks before. Changes that
    rest on a provisional rate come after the well-founded ones, and behaviours without
    both rates come last.
    """
    _check_weeks(weeks)
    week_list = weeks_ending(today or clock.today(), weeks)
    first, _ = week_days(week_list[0])
    _, last = week_days(week_list[-1])
    recent_from = week_list[max(0, len(week_list) - RECENT_WEEKS)]
    where, params = _team_filter(team)
    rows = store.conn.execute(
        f"""
        SELECT o.behaviour_id, o.iso_week, {SQL_COUNTS}
        FROM observation o
        WHERE o.local_date >= ? AND o.local_date <= ?{where}
        GROUP BY o.behaviour_id, o.iso_week
        """,
        (first.isoformat(), last.isoformat(), *params),
    ).fetchall()
    by_behaviour: dict[str, dict[str, Counts]] = {}
    for behaviour_id, week, *sums in rows:
        by_behaviour.setdefault(behaviour_id, {})[week] = _counts(sums)
    info = behaviour_info(store, list(by_behaviour))
    result = []
    for behaviour_id, per_week in by_behaviour.items():
        recent = sum((c for w, c in per_week.items() if w >= recent_from), EMPTY)
        earlier = sum((c for w, c in per_week.items() if w < recent_from), EMPTY)
        title, touch_point, _ = info.get(behaviour_id, (behaviour_id, "", 0))
        result.append(
            BehaviourTrend(
                behaviour_id=behaviour_id,
                title=title,
                touch_point=touch_point,
                weeks=per_week,
                total=recent + earlier,
                recent=recent,
                earlier=earlier,
            )
        )
    result.sort(
        key=lambda r: (
            r.change is None,
            r.change_provisional,  # a slip seen in 3 observations is an anecdote: after
            r.change if r.change is not None else 0.0,
            info.get(r.behaviour_id, ("", "", 1 << 30))[2],
        )
    )
    return BehaviourView(weeks=tuple(week_list), rows=result)


def behaviour_info(store: Store, ids: Sequence[str]) -> dict[str, tuple[str, str, int]]:
    """Title, touch point and catalogue order of the given behaviours (retired ones too)."""
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    rows = store.conn.execute(
        f"SELECT b.id, b.title, b.touch_point, b.retired, c.rowid, b.position "
        f"FROM behaviour b JOIN catalogue c ON c.id = b.catalogue_id WHERE b.id IN ({marks})",
        tuple(ids),
    ).fetchall()
    ordered = sorted(rows, key=lambda r: (r[3], r[4], r[5]))
    return {r[0]: (r[1], r[2], index) for index, r in enumerate(ordered)}


# --- process issues -----------------------------------------------------------------------


@dataclass(frozen=True)
class SystemMiss:
    observation_id: str
    local_date: date
    employee_name: str
    team: str
    note: str
    supervisor: str


@dataclass(frozen=True)
class ProcessIssue:
    """The misses caused by the process, tools or policy for one behaviour in one week."""

    behaviour_id: str
    title: str
    touch_point: str
    iso_week: str
    misses: list[SystemMiss]

    @property
    def count(self) -> int:
        return len(self.misses)


def process_issues(
    store: Store,
    *,
    team: str | None = None,
    first: date,
    last: date,
    limit: int = 2000,
) -> list[ProcessIssue]:
    """Misses with cause `system` between two local dates, by behaviour and week, with
    their notes: behaviours with the most such misses first, then newest week first."""
    where, params = _team_filter(team)
    rows = store.conn.execute(
        f"""
        SELECT o.behaviour_id, o.iso_week, o.id, o.local_date, e.name, e.team, o.note,
               o.supervisor
        FROM observation o JOIN employee e ON e.id = o.employee_id
        WHERE {system_miss_sql()}
          AND o.local_date >= ? AND o.local_date <= ?{where}
        ORDER BY o.local_date DESC, o.observed_at DESC
        LIMIT ?
        """,
        (first.isoformat(), last.isoformat(), *params, limit),
    ).fetchall()
    groups: dict[tuple[str, str], list[SystemMiss]] = {}
    per_behaviour: dict[str, int] = {}
    for behaviour_id, week, obs_id, day, name, team_name, note, supervisor in rows:
        groups.setdefault((behaviour_id, week), []).append(
            SystemMiss(obs_id, date.fromisoformat(day), name, team_name, note, supervisor)
        )
        per_behaviour[behaviour_id] = per_behaviour.get(behaviour_id, 0) + 1
    info = behaviour_info(store, list(per_behaviour))
    issues = [
        ProcessIssue(
            behaviour_id=behaviour_id,
            title=info.get(behaviour_id, (behaviour_id, "", 0))[0],
            touch_point=info.get(behaviour_id, (behaviour_id, "", 0))[1],
            iso_week=week,
            misses=misses,
        )
        for (behaviour_id, week), misses in groups.items()
    ]
    issues.sort(key=lambda i: i.iso_week, reverse=True)
    issues.sort(key=lambda i: (-per_behaviour[i.behaviour_id], i.title))
    return issues


# --- stories ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Story:
    observation_id: str
    local_date: date
    iso_week: str
    employee_id: str
    employee_name: str
    team: str
    behaviour_id: str
    behaviour_title: str
    outcome: str
    note: str
    supervisor: str


def stories(
    store: Store,
    *,
    team: str | None = None,
    first: date | None = None,
    last: date | None = None,
    limit: int = 500,
) -> list[Story]:
    """Observations flagged as stories worth sharing, newest first."""
    where, params = _team_filter(team)
    rows = store.conn.execute(
        f"""
        SELECT o.id, o.local_date, o.iso_week, o.employee_id, e.name, e.team, o.behaviour_id,
               b.title, o.outcome, o.note, o.supervisor
        FROM observation o
        JOIN employee e ON e.id = o.employee_id
        JOIN behaviour b ON b.id = o.behaviour_id
        WHERE o.story = 1 AND o.local_date >= ? AND o.local_date <= ?{where}
        ORDER BY o.local_date DESC, o.observed_at DESC
        LIMIT ?
        """,
        (
            (first or date.min).isoformat(),
            (last or date.max).isoformat(),
            *params,
            limit,
        ),
    ).fetchall()
    return [
        Story(r[0], date.fromisoformat(r[1]), *r[2:])
        for r in rows  # type: ignore[arg-type]
    ]


def iter_weeks(first: str, last: str) -> Iterator[str]:
    """Every ISO week from `first` to `last`, both included."""
    week = first
    while week <= last:
        yield week
        week = shift_week(week, 1)
