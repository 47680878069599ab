"""The numbers a team lead reads: an employee's 52-week trend and a team's week.

floorcoach's functions (`trends.employee_trend`, `trends.team_week`) are compared with the
best SQL we could write by hand for the same numbers, run on a plain sqlite3 connection
that returns bare tuples. Both sides must agree on every count.
"""

from __future__ import annotations

import importlib
import sqlite3
import time
from datetime import date, timedelta

from bench.generate import NOW_DATE
from bench.harness import Context, Figure, interleaved, median, skipped

HAND_TREND_SQL = """
SELECT iso_week, behaviour_id, count(*), sum(outcome = 'met'), sum(outcome = 'exceeded'),
       sum(outcome = 'missed'), sum(outcome = 'missed' AND cause = 'system')
FROM observation
WHERE employee_id = ? AND local_date BETWEEN ? AND ?
GROUP BY iso_week, behaviour_id
"""

HAND_TEAM_WEEK_SQL = """
SELECT e.id,
       sum(o.local_date >= :monday), sum(o.local_date >= :monday AND o.outcome = 'met'),
       sum(o.local_date >= :monday AND o.outcome = 'exceeded'),
       sum(o.local_date >= :monday AND o.outcome = 'missed'),
       sum(o.local_date >= :monday AND o.outcome = 'missed' AND o.cause = 'system'),
       sum(o.local_date < :monday), sum(o.local_date < :monday AND o.outcome = 'met'),
       sum(o.local_date < :monday AND o.outcome = 'exceeded'),
       sum(o.local_date < :monday AND o.outcome = 'missed'),
       sum(o.local_date < :monday AND o.outcome = 'missed' AND o.cause = 'system'),
       (SELECT max(l.local_date) FROM observation l
        WHERE l.employee_id = e.id AND l.local_date <= :reference)
FROM employee e
LEFT JOIN observation o
       ON o.employee_id = e.id AND o.local_date BETWEEN :from_day AND :sunday
WHERE e.active = 1 AND e.team = :team
GROUP BY e.id
"""


def available(module: str, name: str):
    """The function `module.name`, or None while another helper has not written it yet."""
    try:
        return getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None


def run(ctx: Context) -> list[Figure]:
    from floorcoach.store import Store

    figures = []
    employee_trend = available("floorcoach.trends", "employee_trend")
    team_week = available("floorcoach.trends", "team_week")
    store = Store.open(ctx.dataset.path, create=False)
    plain = sqlite3.connect(f"file:{ctx.dataset.path}?mode=ro", uri=True)
    try:
        if employee_trend is None:
            figures.append(
                skipped(
                    "trend",
                    ctx.size,
                    "employee trend, 52 weeks",
                    "hand-written SQL",
                    "not available yet (floorcoach.trends.employee_trend)",
                )
            )
        else:
            figures.append(_trend(ctx, store, plain, employee_trend))
        if team_week is None:
            figures.append(
                skipped(
                    "team-week",
                    ctx.size,
                    "team review, one week",
                    "hand-written SQL",
                    "not available yet (floorcoach.trends.team_week)",
                )
            )
        else:
            figures.append(_team_week(ctx, store, plain, team_week))
    finally:
        store.close()
        plain.close()
    return figures


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def hand_trend(plain: sqlite3.Connection, employee_id: str, weeks: int, today: date) -> dict:
    """{(iso_week, behaviour_id): (n, met, exceeded, missed, missed_system)}."""
    first = _monday(today) - timedelta(weeks=weeks - 1)
    last = first + timedelta(weeks=weeks, days=-1)
    rows = plain.execute(HAND_TREND_SQL, (employee_id, first.isoformat(), last.isoformat()))
    return {(w, b): (n, met, ex, mi, sy or 0) for w, b, n, met, ex, mi, sy in rows}


def _trend(ctx: Context, store, plain, employee_trend) -> Figure:
    employee_id = ctx.dataset.sample_employee_id
    runs = max(5, ctx.runs * 4)

    def ours() -> float:
        started = time.perf_counter()
        employee_trend(store, employee_id, weeks=52, today=NOW_DATE)
        return time.perf_counter() - started

    def base() -> float:
        started = time.perf_counter()
        hand_trend(plain, employee_id, 52, NOW_DATE)
        return time.perf_counter() - started

    ours_t, base_t = interleaved(runs, ours, base)
    trend = employee_trend(store, employee_id, weeks=52, today=NOW_DATE)
    ours_cells = {
        key: (c.observations, c.met, c.exceeded, c.missed, c.missed_system)
        for key, c in trend.cells.items()
    }
    expected = hand_trend(plain, employee_id, 52, NOW_DATE)
    observations = sum(v[0] for v in expected.values())
    return Figure(
        case="trend",
        size=ctx.size,
        what="employee trend, 52 weeks × behaviours (trends.employee_trend)",
        baseline="hand-written GROUP BY on a plain connection",
        value=median(ours_t),
        base=median(base_t),
        target=2.0,
        runs=runs,
        same_result=ours_cells == expected and len(trend.weeks) == 52,
        note=f"{len(expected)} cells from {observations} observations",
    )


def hand_team_week(plain: sqlite3.Connection, team: str, week: str, today: date) -> dict:
    """{employee_id: (this week's 5 counts, the previous weeks' 5 counts, last observed)}."""
    from floorcoach.trends import PREVIOUS_WEEKS

    year, number = week.split("-W")
    monday = date.fromisocalendar(int(year), int(number), 1)
    sunday = monday + timedelta(days=6)
    params = {
        "team": team,
        "monday": monday.isoformat(),
        "sunday": sunday.isoformat(),
        "from_day": (monday - timedelta(weeks=PREVIOUS_WEEKS)).isoformat(),
        "reference": min(sunday, today).isoformat(),
    }
    return {
        row[0]: (tuple(v or 0 for v in row[1:6]), tuple(v or 0 for v in row[6:11]), row[11])
        for row in plain.execute(HAND_TEAM_WEEK_SQL, params)
    }


def _team_week(ctx: Context, store, plain, team_week) -> Figure:
    team, week = ctx.dataset.sample_team, ctx.dataset.sample_week
    runs = max(5, ctx.runs * 4)

    def ours() -> float:
        started = time.perf_counter()
        team_week(store, team, week)
        return time.perf_counter() - started

    def base() -> float:
        started = time.perf_counter()
        hand_team_week(plain, team, week, NOW_DATE)
        return time.perf_counter() - started

    ours_t, base_t = interleaved(runs, ours, base)

    def counts(c) -> tuple:
        return (c.observations, c.met, c.exceeded, c.missed, c.missed_system)

    rows = team_week(store, team, week)
    ours_rows = {
        r.employee_id: (
            counts(r.counts),
            counts(r.previous),
            r.last_observed.isoformat() if r.last_observed else None,
        )
        for r in rows
    }
    expected = hand_team_week(plain, team, week, NOW_DATE)
    note = f"team {team}, {week}, {len(expected)} people"
    differ = [k for k in expected.keys() | ours_rows.keys() if expected.get(k) != ours_rows.get(k)]
    if differ:
        note += (
            f"; differs for {differ[0]}: {ours_rows.get(differ[0])} vs {expected.get(differ[0])}"
        )
    return Figure(
        case="team-week",
        size=ctx.size,
        what="team review, one week (trends.team_week)",
        baseline="hand-written GROUP BY on a plain connection",
        value=median(ours_t),
        base=median(base_t),
        target=2.0,
        runs=runs,
        same_result=bool(expected) and ours_rows == expected,
        note=note,
    )
