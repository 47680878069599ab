"""`floorcoach coach` and `floorcoach followups`: the public command-line contract."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

FOLLOWUP_HEAD = ["coaching_id", "employee_ref", "employee_name", "behaviour_id", "due", "status"]


def floorcoach(db: Path, *args: str, now: str = "2026-11-25T10:00:00+00:00"):
    return subprocess.run(
        [sys.executable, "-m", "floorcoach", "--db", str(db), *args],
        capture_output=True,
        text=True,
        env={**os.environ, "FLOORCOACH_NOW": now},
        timeout=60,
    )


def read_csv(text: str) -> tuple[list[str], list[dict]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


@pytest.fixture
def db(db_path: Path, team) -> Path:
    return db_path


def coach(db: Path, *extra: str, now: str = "2026-11-25T10:00:00+00:00"):
    return floorcoach(
        db,
        "coach",
        "--employee",
        "000123",
        "--kind",
        "corrective",
        "--said",
        "We talked about greeting people as they come in.",
        "--action",
        "=Look up within ten seconds",
        *extra,
        now=now,
    )


def test_coaching_on_two_behaviours_lists_one_follow_up_row_each(db):
    result = coach(
        db, "--behaviour", "greeting.eye-contact", "--behaviour", "needs.listens", "--at",
        "2026-11-20T10:00+00:00",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "follow-up due 2026-11-27" in result.stdout
    listing = floorcoach(db, "followups", "--format", "csv")
    assert listing.returncode == 0, listing.stderr
    header, rows = read_csv(listing.stdout)
    assert header[:6] == FOLLOWUP_HEAD
    assert [(r["employee_ref"], r["behaviour_id"], r["due"], r["status"]) for r in rows] == [
        ("000123", "greeting.eye-contact", "2026-11-27", "open"),
        ("000123", "needs.listens", "2026-11-27", "open"),
    ]
    assert rows[0]["coaching_id"] == rows[1]["coaching_id"]
    assert rows[0]["employee_name"] == "Amira Okafor" and rows[0]["kind"] == "corrective"
    assert rows[0]["agreed_action"] == "'=Look up within ten seconds"  # no formula for Excel
    assert "private" not in ",".join(header)


def test_a_follow_up_before_the_conversation_is_refused_with_exit_1(db):
    result = coach(
        db, "--behaviour", "greeting.eye-contact", "--at", "2026-11-20T10:00+00:00",
        "--follow-up", "2026-11-19",
    )  # fmt: skip
    assert result.returncode == 1
    assert "cannot be before the conversation" in result.stderr
    _, rows = read_csv(floorcoach(db, "followups", "--format", "csv").stdout)
    assert rows == []


def test_bad_kind_or_missing_options_are_usage_errors(db):
    result = floorcoach(
        db, "coach", "--employee", "000123", "--kind", "telling-off", "--behaviour",
        "greeting.eye-contact", "--said", "x", "--action", "y",
    )  # fmt: skip
    assert result.returncode == 2
    result = floorcoach(db, "coach", "--employee", "000123", "--kind", "corrective")
    assert result.returncode == 2
    result = coach(db, "--behaviour", "greeting.no-such-thing")
    assert result.returncode == 1 and "unknown behaviour" in result.stderr
    result = coach(db, "--behaviour", "greeting.eye-contact", "--follow-up", "next week")
    assert result.returncode == 1 and "--follow-up" in result.stderr


def test_overdue_lists_only_follow_ups_past_their_date(db):
    assert coach(db, "--behaviour", "greeting.eye-contact", "--at", "2026-11-10T10:00+00:00",
                 "--follow-up", "2026-11-17").returncode == 0  # fmt: skip
    assert coach(db, "--behaviour", "needs.listens", "--at", "2026-11-24T10:00+00:00",
                 "--follow-up", "2026-11-25").returncode == 0  # fmt: skip
    _, on_the_17th = read_csv(
        floorcoach(db, "followups", "--overdue", "--format", "csv", now="2026-11-17T12:00:00+00:00").stdout
    )  # fmt: skip
    assert on_the_17th == []
    _, overdue = read_csv(floorcoach(db, "followups", "--overdue", "--format", "csv").stdout)
    assert [(r["behaviour_id"], r["due_state"], r["days_overdue"]) for r in overdue] == [
        ("greeting.eye-contact", "overdue", "8")
    ]
    table = floorcoach(db, "followups")
    assert table.returncode == 0 and "due_today" in table.stdout and "overdue" in table.stdout


def test_logging_a_later_observation_closes_the_follow_up(db):
    assert coach(db, "--behaviour", "greeting.eye-contact", "--at", "2026-11-20T10:00+00:00").returncode == 0  # fmt: skip
    logged = floorcoach(
        db, "log", "--employee", "000123", "--behaviour", "greeting.eye-contact", "--outcome",
        "met",
    )  # fmt: skip
    assert logged.returncode == 0, logged.stderr
    _, rows = read_csv(floorcoach(db, "followups", "--format", "csv").stdout)
    assert rows == []
