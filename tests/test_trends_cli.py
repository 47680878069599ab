"""`floorcoach trend` and `floorcoach team`, run as HR and scripts run them: a subprocess."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from floorcoach.models import ObservationInput
from floorcoach.observations import log_observation

from .conftest import SUPERVISOR

NOW = "2026-11-25T10:00:00+00:00"
TREND_COLUMNS = [
    "iso_week",
    "behaviour_id",
    "observations",
    "met",
    "exceeded",
    "missed",
    "missed_system",
    "met_rate",
]
TEAM_COLUMNS = ["employee_ref", "employee_name", "observations", "met_rate"]


def run(db_path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "FLOORCOACH_NOW": NOW, "FLOORCOACH_DB": str(db_path)}
    return subprocess.run(
        [sys.executable, "-m", "floorcoach", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def read_csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.fixture
def observed(store, team):
    """Amira: two weeks of observations; Ben Nowak (same team): none; Ben Carter: one."""

    def log(employee, behaviour, outcome, day, cause=None):
        log_observation(
            store,
            ObservationInput(
                employee_id=employee.id,
                behaviour_id=behaviour,
                outcome=outcome,
                cause=cause,
                observed_at=datetime(2026, 11, day, 10, tzinfo=UTC),
            ),
            supervisor=SUPERVISOR,
        )

    amira, _, carter = team
    log(amira, "needs.listens", "met", 24)
    log(amira, "needs.listens", "missed", 24, "skill")
    log(amira, "needs.listens", "missed", 23, "system")
    log(amira, "greeting.eye-contact", "exceeded", 23)
    log(amira, "greeting.eye-contact", "missed", 17, "system")
    log(carter, "checkout.farewell", "met", 20)
    return team


def test_trend_csv_has_one_row_per_week_and_behaviour_observed(db_path, observed):
    result = run(db_path, "trend", "--employee", "000123", "--format", "csv")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].split(",")[: len(TREND_COLUMNS)] == TREND_COLUMNS
    rows = {(r["iso_week"], r["behaviour_id"]): r for r in read_csv(result.stdout)}
    assert set(rows) == {
        ("2026-W48", "needs.listens"),
        ("2026-W48", "greeting.eye-contact"),
        ("2026-W47", "greeting.eye-contact"),
    }
    listens = rows[("2026-W48", "needs.listens")]
    assert [listens[c] for c in TREND_COLUMNS[2:7]] == ["3", "1", "0", "2", "1"]
    assert float(listens["met_rate"]) == pytest.approx(0.5)
    # Only a system-caused miss: nothing to count, so the rate is empty, not 0.
    assert rows[("2026-W47", "greeting.eye-contact")]["met_rate"] == ""
    assert float(rows[("2026-W48", "greeting.eye-contact")]["met_rate"]) == 1.0


def test_trend_finds_the_employee_by_name_and_limits_the_weeks(db_path, observed):
    result = run(db_path, "trend", "--employee", "amira", "--weeks", "1", "--format", "csv")
    assert result.returncode == 0, result.stderr
    assert {r["iso_week"] for r in read_csv(result.stdout)} == {"2026-W48"}


def test_trend_as_a_table_names_the_employee(db_path, observed):
    result = run(db_path, "trend", "--employee", "Amira Okafor")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Amira Okafor (000123, team Fashion)")
    assert "needs.listens" in result.stdout


def test_trend_refuses_an_ambiguous_name_and_bad_weeks(db_path, observed):
    ambiguous = run(db_path, "trend", "--employee", "Ben")
    assert ambiguous.returncode == 1
    assert "matches 2 employees" in ambiguous.stderr
    assert run(db_path, "trend", "--employee", "000123", "--weeks", "0").returncode == 1
    assert run(db_path, "trend", "--employee", "000123", "--weeks", "x").returncode == 2
    assert run(db_path, "trend").returncode == 2


def test_team_csv_lists_every_active_employee_observed_that_week_or_not(db_path, observed):
    result = run(db_path, "team", "--team", "Fashion", "--week", "2026-W48", "--format", "csv")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].split(",")[:4] == TEAM_COLUMNS
    rows = read_csv(result.stdout)
    assert [(r["employee_ref"], r["employee_name"], r["observations"]) for r in rows] == [
        ("000123", "Amira Okafor", "4"),
        ("000124", "Ben Nowak", "0"),
    ]
    assert float(rows[0]["met_rate"]) == pytest.approx(2 / 3, abs=1e-4)
    assert rows[1]["met_rate"] == ""
    assert rows[1]["needs_observing"] == "true"


def test_team_defaults_to_everyone_and_this_week(db_path, observed):
    result = run(db_path, "team", "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = read_csv(result.stdout)
    assert {r["iso_week"] for r in rows} == {"2026-W48"}
    assert len(rows) == 3
    carter = next(r for r in rows if r["employee_ref"] == "000125")
    assert carter["observations"] == "0"
    assert carter["last_observed"] == "2026-11-20"
    assert carter["previous_observations"] == "1"


def test_team_refuses_a_bad_week_or_an_unknown_team(db_path, observed):
    bad_week = run(db_path, "team", "--week", "2026-W60")
    assert bad_week.returncode == 1
    assert "not a valid ISO week" in bad_week.stderr
    unknown = run(db_path, "team", "--team", "Nope")
    assert unknown.returncode == 1
    assert "Nope" in unknown.stderr


def test_week_53_is_a_week_like_any_other_on_the_command_line(db_path, observed):
    result = run(db_path, "team", "--week", "2026-W53", "--format", "csv")
    assert result.returncode == 0, result.stderr
    assert {r["iso_week"] for r in read_csv(result.stdout)} == {"2026-W53"}
