"""The command-line contract of the foundation: names, options, CSV columns, exit codes."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest


def floorcoach(db: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "floorcoach", "--db", str(db), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def read_csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def roster_db(tmp_path: Path) -> Path:
    db = tmp_path / "fc.db"
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "employee_id,name,department\n000123,Amira Okafor,Fashion\n"
        "000124,Ben Nowak,Fashion\n000125,Ben Carter,Home\n",
        encoding="utf-8",
    )
    result = floorcoach(db, "roster", "import", str(roster))
    assert result.returncode == 0, result.stderr
    assert "3 added" in result.stdout
    return db


def test_version_and_help():
    result = subprocess.run(
        [sys.executable, "-m", "floorcoach", "--version"], capture_output=True, text=True
    )
    assert result.returncode == 0 and result.stdout.startswith("floorcoach ")


def test_catalogue_list_csv_starts_with_the_promised_columns(tmp_path):
    result = floorcoach(tmp_path / "fc.db", "catalogue", "list", "--format", "csv")
    assert result.returncode == 0
    rows = read_csv(result.stdout)
    assert list(rows[0])[:3] == ["behaviour_id", "touch_point", "title"]
    assert "greeting.eye-contact" in {row["behaviour_id"] for row in rows}


def test_catalogue_check_reports_a_broken_file_with_exit_1(tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text('[catalogue]\nid = "x"\n', encoding="utf-8")
    result = floorcoach(tmp_path / "fc.db", "catalogue", "check", str(broken))
    assert result.returncode == 1
    assert "broken.toml" in result.stderr and "title" in result.stderr
    assert "Traceback" not in result.stderr


def test_roster_list_csv_keeps_refs_as_text_and_filters_by_team(roster_db):
    result = floorcoach(roster_db, "roster", "list", "--team", "Fashion", "--format", "csv")
    rows = read_csv(result.stdout)
    assert [(r["employee_ref"], r["name"]) for r in rows] == [
        ("000123", "Amira Okafor"),
        ("000124", "Ben Nowak"),
    ]


def test_log_by_ref_and_by_name_then_an_ambiguous_name_lists_candidates(roster_db):
    ok = floorcoach(
        roster_db,
        "log",
        "--employee",
        "000123",
        "--behaviour",
        "greeting.eye-contact",
        "--outcome",
        "met",
        "--note",
        "[bold]x[/bold]",
    )
    assert ok.returncode == 0, ok.stderr
    ok = floorcoach(
        roster_db,
        "log",
        "--employee",
        "ben carter",
        "--behaviour",
        "complaint.listens",
        "--outcome",
        "missed",
        "--cause",
        "system",
        "--at",
        "2026-11-20T10:15:00+01:00",
        "--story",
    )
    assert ok.returncode == 0, ok.stderr
    ambiguous = floorcoach(
        roster_db,
        "log",
        "--employee",
        "Ben",
        "--behaviour",
        "greeting.eye-contact",
        "--outcome",
        "met",
    )
    assert ambiguous.returncode == 1
    assert "Ben Nowak" in ambiguous.stderr and "Ben Carter" in ambiguous.stderr

    import sqlite3

    conn = sqlite3.connect(roster_db)
    rows = conn.execute(
        "SELECT e.employee_ref, o.behaviour_id, o.outcome, o.cause, o.note, o.story, "
        "o.observed_at, o.local_date FROM observation o JOIN employee e ON e.id = o.employee_id "
        "ORDER BY e.employee_ref"
    ).fetchall()
    assert rows[0][:6] == ("000123", "greeting.eye-contact", "met", None, "[bold]x[/bold]", 0)
    assert rows[1][:6] == ("000125", "complaint.listens", "missed", "system", "", 1)
    assert rows[1][6] == "2026-11-20T09:15:00.000000+00:00"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--behaviour", "no.such", "--outcome", "met"], 1, "unknown behaviour"),
        (
            ["--behaviour", "greeting.eye-contact", "--outcome", "met", "--cause", "skill"],
            1,
            "cause can only be given for a missed",
        ),
        (
            ["--behaviour", "greeting.eye-contact", "--outcome", "met", "--at", "2026-02-30"],
            1,
            "not a valid ISO 8601",
        ),
        (["--behaviour", "greeting.eye-contact", "--outcome", "great"], 2, "invalid choice"),
    ],
)
def test_log_refuses_bad_input_with_a_clear_message(roster_db, args, code, message):
    result = floorcoach(roster_db, "log", "--employee", "000123", *args)
    assert result.returncode == code
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_roster_import_of_a_bad_file_exits_1_and_imports_nothing(tmp_path):
    db = tmp_path / "fc.db"
    bad = tmp_path / "bad.csv"
    bad.write_text("employee_ref,name\n1,Ada\n2,\n", encoding="utf-8")
    result = floorcoach(db, "roster", "import", str(bad))
    assert result.returncode == 1
    assert "line 3, column 'name': empty" in result.stderr
    listed = floorcoach(db, "roster", "list", "--format", "csv")
    assert read_csv(listed.stdout) == []


def test_demo_fills_an_empty_database_and_refuses_one_with_records(tmp_path):
    db = tmp_path / "fc.db"
    first = floorcoach(db, "demo", "--employees", "6", "--weeks", "3", "--seed", "3")
    assert first.returncode == 0, first.stderr
    again = floorcoach(db, "demo")
    assert again.returncode == 1 and "--force" in again.stderr
    forced = floorcoach(db, "demo", "--employees", "2", "--weeks", "1", "--force")
    assert forced.returncode == 0, forced.stderr


def test_demo_is_deterministic_for_a_seed(tmp_path):
    env = {"FLOORCOACH_NOW": "2026-11-25T12:00:00+00:00"}
    outputs = []
    for name in ("a.db", "b.db"):
        db = tmp_path / name
        floorcoach(db, "demo", "--employees", "5", "--weeks", "4", "--seed", "11", env=env)
        listed = floorcoach(db, "roster", "list", "--format", "csv", env=env)
        outputs.append([(r["employee_ref"], r["name"], r["team"]) for r in read_csv(listed.stdout)])
    assert outputs[0] == outputs[1] and len(outputs[0]) == 5


def test_the_database_can_come_from_the_environment(tmp_path):
    db = tmp_path / "env.db"
    result = subprocess.run(
        [sys.executable, "-m", "floorcoach", "roster", "list"],
        capture_output=True,
        text=True,
        env={**os.environ, "FLOORCOACH_DB": str(db)},
    )
    assert result.returncode == 0, result.stderr
    assert db.exists()
