"""`floorcoach export` as HR and scripts run it: real processes, real files, exit codes."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from floorcoach import export
from floorcoach.models import ObservationInput
from floorcoach.observations import log_observation

from .conftest import SUPERVISOR

NOW = "2026-11-25T10:00:00+00:00"


@pytest.fixture
def logged(store, team, monkeypatch):
    """Three observations in November 2026 for the `team` fixture's people."""
    from datetime import datetime

    from floorcoach.catalogue_store import list_behaviours

    monkeypatch.setenv("FLOORCOACH_NOW", NOW)
    behaviour = list_behaviours(store)[0]
    for person, day, note in [
        (team[0], "2026-11-02", "=1+1"),
        (team[1], "2026-11-09", 'Helped, "kindly"'),
        (team[2], "2026-11-20", "Zoë 😀"),
    ]:
        data = ObservationInput(
            employee_id=person.id,
            behaviour_id=behaviour.id,
            outcome="met",
            note=note,
            observed_at=datetime.fromisoformat(f"{day}T10:00:00+00:00"),
        )
        log_observation(store, data, supervisor=SUPERVISOR)
    return team


def run(db_path: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "FLOORCOACH_NOW": NOW}
    return subprocess.run(
        [sys.executable, "-m", "floorcoach", "--db", str(db_path), "export", *args],
        capture_output=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )


def rows_of(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def test_export_without_out_writes_a_file_named_after_the_export_and_range(
    db_path, logged, tmp_path
):
    result = run(
        db_path, "observations", "--from", "2026-11-01", "--to", "2026-11-30", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    target = tmp_path / "observations_2026-11-01_to_2026-11-30.csv"
    assert result.stdout.decode().strip() == f"observations: 3 rows written to {target.name}"
    assert len(rows_of(target.read_bytes())) == 3

    result = run(db_path, "weekly", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "weekly_all_to_2026-11-25.csv").exists()


def test_export_to_standard_output_keeps_the_summary_on_stderr(db_path, logged):
    result = run(db_path, "observations", "--out", "-", "--team", "Fashion")
    assert result.returncode == 0, result.stderr
    rows = rows_of(result.stdout)
    assert [r["employee_name"] for r in rows] == ["Amira Okafor", "Ben Nowak"]
    assert rows[0]["note"] == "'=1+1"
    assert rows[0]["employee_ref"] == "000123"
    assert b"2 rows" in result.stderr


def test_employee_filter_takes_a_ref_or_a_name(db_path, logged, tmp_path):
    for who in ("000125", "Ben Carter", "carter"):
        out = tmp_path / "one.csv"
        result = run(db_path, "observations", "--employee", who, "--out", str(out))
        assert result.returncode == 0, result.stderr
        assert [r["employee_name"] for r in rows_of(out.read_bytes())] == ["Ben Carter"]


def test_excel_option_adds_the_byte_order_mark(db_path, logged, tmp_path):
    out = tmp_path / "excel.csv"
    assert run(db_path, "observations", "--excel", "--out", str(out)).returncode == 0
    assert out.read_bytes().startswith(export.BOM)


def test_no_matching_rows_says_zero_rows_and_writes_the_header(db_path, logged, tmp_path):
    out = tmp_path / "none.csv"
    result = run(db_path, "observations", "--to", "2020-01-01", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "0 rows" in result.stdout.decode()
    assert out.read_bytes() == export.header("observations")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["observations", "--from", "2026-02-30"], "--from '2026-02-30' is not a valid date"),
        (["observations", "--to", "yesterday"], "--to 'yesterday' is not a valid date"),
        (["weekly", "--from", "2026-11-10", "--to", "2026-11-01"], "is after --to"),
        (["observations", "--team", "Nowhere"], "no team named 'Nowhere'"),
        (["observations", "--employee", "Nobody"], "no employee matches 'Nobody'"),
        (["observations", "--employee", "Ben"], "matches 2 employees"),
        (["observations", "--out", "{tmp}/missing/o.csv"], "does not exist"),
        (["observations", "--out", "{tmp}/a-file/o.csv"], "a-file is not a folder"),
        (["observations", "--out", "{tmp}"], "is a folder"),
        (["coaching", "--from", "2026-13-01"], "--from '2026-13-01' is not a valid date"),
        (["weekly", "--story"], "apply to the observations export only, not to weekly"),
        (["coaching", "--cause", "skill"], "apply to the observations export only"),
        (["observations", "--cause", "laziness"], "no cause 'laziness'; choose one of skill"),
        (["observations", "--format", "xlsx", "--out", "{tmp}/missing/o.xlsx"], "does not exist"),
    ],
)
def test_every_refusal_is_one_line_and_exit_code_1(db_path, logged, tmp_path, args, message):
    (tmp_path / "a-file").write_text("not a folder")
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    before = sorted(p.name for p in tmp_path.iterdir())
    result = run(db_path, *args, cwd=tmp_path)
    stderr = result.stderr.decode()
    assert result.returncode == 1, stderr
    assert message in stderr
    assert stderr.count("\n") == 1 and stderr.startswith("floorcoach: ")
    assert "Traceback" not in stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written


def test_an_unknown_export_is_a_usage_error(db_path, logged):
    result = run(db_path, "everything")
    assert result.returncode == 2
    assert b"invalid choice" in result.stderr


def test_story_and_cause_pick_stories_and_process_issues(db_path, store, team, tmp_path):
    from datetime import datetime

    from floorcoach.catalogue_store import list_behaviours

    behaviour = list_behaviours(store)[0].id
    saved = {}
    for name, outcome, cause, story in [
        ("story", "exceeded", None, True),
        ("system", "missed", "system", False),
        ("unsure", "missed", None, False),
        ("plain", "met", None, False),
    ]:
        data = ObservationInput(
            employee_id=team[0].id,
            behaviour_id=behaviour,
            outcome=outcome,
            cause=cause,
            story=story,
            observed_at=datetime.fromisoformat("2026-11-20T10:00:00+00:00"),
        )
        saved[name] = log_observation(store, data, supervisor=SUPERVISOR).id
    for args, expected in [
        (["--story"], ["story"]),
        (["--cause", "system"], ["system"]),
        (["--cause", "unsure"], ["unsure"]),
        (["--story", "--cause", "system"], []),
    ]:
        result = run(db_path, "observations", *args, "--out", "-")
        assert result.returncode == 0, result.stderr
        ids = [row["observation_id"] for row in rows_of(result.stdout)]
        assert ids == [saved[name] for name in expected], args
