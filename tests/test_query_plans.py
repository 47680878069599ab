"""Every screen's query and every export finds its rows through an index, never by reading
all observations.

The statements are the real ones: each core function runs on a real database while a
trace callback records what it sends to SQLite, and each recorded SELECT is then asked
for its `EXPLAIN QUERY PLAN`. Without ANALYZE statistics (floorcoach never runs ANALYZE)
SQLite's plan does not depend on how many rows there are, so a plan checked on a small
database is the plan used at a million observations.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import timedelta

import pytest

from bench.generate import NOW_DATE, SIZES, generate
from floorcoach import export
from floorcoach.store import Store

SQL_WORDS = {"where", "join", "left", "inner", "cross", "group", "order", "on", "limit", "as"}


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """A small generated database (12 people, 13 weeks, coaching included)."""
    path = tmp_path_factory.mktemp("plans") / "plans.db"
    return generate(SIZES["tiny"], path)


@pytest.fixture
def opened(data):
    with Store.open(data.path, create=False) as store:
        yield store


def statements_run_by(store: Store, action: Callable[[Store], object]) -> list[str]:
    """The SELECT statements (parameters filled in) that `action` runs on observations."""
    seen: list[str] = []
    store.conn.set_trace_callback(seen.append)
    try:
        action(store)
    finally:
        store.conn.set_trace_callback(None)
    selects = [s for s in seen if s.lstrip().upper().startswith(("SELECT", "WITH"))]
    return [s for s in selects if re.search(r"\bobservation\b", s)]


def plan(store: Store, sql: str) -> list[str]:
    return [row[3] for row in store.conn.execute("EXPLAIN QUERY PLAN " + sql)]


def full_scans_of_observation(sql: str, details: list[str]) -> list[str]:
    """Plan lines that read the whole observation table (or all of one of its indexes)."""
    return full_scans(sql, details, "observation")


def full_scans(sql: str, details: list[str], table: str) -> list[str]:
    """Plan lines that read the whole of `table` (or all of one of its indexes)."""
    aliases = {table}
    for alias in re.findall(rf"\b{table}\s+(?:AS\s+)?([A-Za-z_]\w*)", sql):
        if alias.lower() not in SQL_WORDS:
            aliases.add(alias)
    pattern = re.compile(rf"^SCAN ({'|'.join(map(re.escape, aliases))})\b")
    return [line for line in details if pattern.match(line)]


def _cases(data):
    from floorcoach import coaching_progress, observations, trends

    person, team, week = data.sample_employee_id, data.sample_team, data.sample_week
    first, last = NOW_DATE - timedelta(days=90), NOW_DATE
    return {
        "employee timeline, newest page": lambda s: observations.employee_timeline(s, person),
        "employee timeline, older page": lambda s: observations.employee_timeline(
            s, person, before=f"{NOW_DATE - timedelta(days=30)}T00:00:00.000000+00:00"
        ),
        "employee timeline with coaching": lambda s: coaching_progress.employee_timeline_entries(
            s, person
        ),
        "observation count of one person": lambda s: observations.count_observations(s, person),
        "today's observations": lambda s: observations.observations_on(s, NOW_DATE),
        "employee trend, 52 weeks": lambda s: trends.employee_trend(
            s, person, weeks=52, today=NOW_DATE
        ),
        "team week": lambda s: trends.team_week(s, team, week, today=NOW_DATE),
        "who's next": lambda s: trends.whos_next(s, team=team, today=NOW_DATE),
        "behaviours of a team": lambda s: trends.behaviour_view(s, team=team, today=NOW_DATE),
        "stories": lambda s: trends.stories(s, first=first, last=last),
        "process issues": lambda s: trends.process_issues(s, first=first, last=last),
    }


CASE_NAMES = [
    "employee timeline, newest page",
    "employee timeline, older page",
    "employee timeline with coaching",
    "observation count of one person",
    "today's observations",
    "employee trend, 52 weeks",
    "team week",
    "who's next",
    "behaviours of a team",
    "stories",
    "process issues",
]


@pytest.mark.parametrize("name", CASE_NAMES)
def test_the_query_never_reads_every_observation(name, data, opened):
    statements = statements_run_by(opened, _cases(data)[name])
    assert statements, f"{name}: no query on observations was run"
    for sql in statements:
        details = plan(opened, sql)
        assert not full_scans_of_observation(sql, details), (
            f"{name} scans all observations:\n{sql}\n" + "\n".join(details)
        )


def test_the_timeline_pages_through_the_employee_time_index(data, opened):
    from floorcoach.observations import employee_timeline

    (sql,) = statements_run_by(opened, lambda s: employee_timeline(s, data.sample_employee_id))
    details = " / ".join(plan(opened, sql))
    assert "observation_by_employee_time" in details
    assert "TEMP B-TREE" not in details  # newest first straight from the index, no sort


def test_todays_log_reads_only_today_from_the_date_index(opened):
    from floorcoach.observations import observations_on

    (sql,) = statements_run_by(opened, lambda s: observations_on(s, NOW_DATE))
    details = " / ".join(plan(opened, sql))
    assert re.search(r"SEARCH o USING INDEX \w+ \(local_date=\?\)", details), details


@pytest.mark.parametrize("name", ["employee trend, 52 weeks", "team week"])
def test_trends_are_answered_from_a_covering_index(name, data, opened):
    """The counts come from the index alone: no table row is read for a trend cell."""
    statements = statements_run_by(opened, _cases(data)[name])
    lines = [line for sql in statements for line in plan(opened, sql)]
    on_observations = [line for line in lines if re.match(r"^SEARCH (o|observation)\b", line)]
    assert on_observations, lines
    assert all("COVERING INDEX" in line for line in on_observations), lines


def test_the_full_scan_check_itself_catches_a_full_scan(opened):
    sql = "SELECT count(*) FROM observation o WHERE o.note LIKE '%till%'"
    assert full_scans_of_observation(sql, plan(opened, sql))


# --- the exports: every one in the registry, so a new export is checked without asking ------

EXPORT_FILTERS = {
    "a month": lambda data: {},
    "a month of one team": lambda data: {"team": data.sample_team},
    "a month of one employee": lambda data: {"employee_id": data.sample_employee_id},
}


def statements_of_export(store: Store, kind: str, monkeypatch, **filters) -> list[str]:
    """The SELECTs one export runs (its rows and its count), on every connection it opens."""
    seen: list[str] = []
    opened_reader = export._reader_connection

    def traced(path):
        conn = opened_reader(path)
        conn.set_trace_callback(seen.append)
        return conn

    monkeypatch.setattr(export, "_reader_connection", traced)
    store.conn.set_trace_callback(seen.append)
    try:
        export.count_rows(store, kind, **filters)
        export.write_export(store, kind, io.BytesIO(), **filters)
    finally:
        store.conn.set_trace_callback(None)
    return [s for s in seen if s.lstrip().upper().startswith(("SELECT", "WITH"))]


@pytest.mark.parametrize("filters", list(EXPORT_FILTERS))
@pytest.mark.parametrize("kind", list(export.EXPORTS))
def test_an_export_of_a_month_reads_only_that_month(kind, filters, data, opened, monkeypatch):
    spec = export.EXPORTS[kind]
    month = {"date_from": NOW_DATE - timedelta(days=30), "date_to": NOW_DATE}
    chosen = {**month, **EXPORT_FILTERS[filters](data)}
    assert export.count_rows(opened, kind, **month) > 0, f"{kind}: no rows to check"
    statements = statements_of_export(opened, kind, monkeypatch, **chosen)
    on_table = [sql for sql in statements if re.search(rf"\b(?:FROM|JOIN) {spec.table}\b", sql)]
    assert len(on_table) >= 2, f"{kind}: the rows and the count were not both seen"
    alias, column = spec.date_column.split(".")
    by_date = re.compile(rf"^SEARCH {alias} USING (?:COVERING )?INDEX \w+ \({column}[<>=]")
    for sql in on_table:
        details = plan(opened, sql)
        assert not full_scans(sql, details, spec.table), (
            f"{kind} ({filters}) reads all of {spec.table}:\n{sql}\n" + "\n".join(details)
        )
        if filters == "a month":
            assert any(by_date.match(line) for line in details), (
                f"{kind} does not find its dates through the index on {spec.date_column}:\n"
                + "\n".join(details)
            )
