"""Hostile arguments to the real CLI: each is refused in one line, or shown literally.

Names with terminal escapes never steer the terminal (CSV data keeps them exactly);
argv bytes that are not UTF-8, dates no calendar can hold, offsets no time zone has and
local times the clocks skipped are refused naming the option, with exit code 1 and no
traceback; SIGTERM and SIGHUP clean up as Ctrl+C does.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from floorcoach import clock
from floorcoach.catalogue_files import shipped_catalogue_dir
from floorcoach.cli import main as cli_main
from floorcoach.employees import add_employee, find_employee
from floorcoach.models import EmployeeInput, ObservationInput
from floorcoach.observations import employee_timeline, log_observation
from floorcoach.safe_text import safe_text

from .conftest import SUPERVISOR

NOW = "2026-11-25T10:00:00+00:00"
EVIL_NAME = "Eve \x1b]0;pwned\x07 \x1b[2J Mallory"
EVIL_REF = "66\x1b[2J6"
EVIL_TEAM = "Home\x1b]0;owned\x07"
EVIL_NOTE = "\x1b[31mred\x1b[0m \x1b]52;c;cGFzdGU=\x07"
NOT_UTF8 = b"\xff\xfe"


@pytest.fixture
def evil(store, team, monkeypatch):
    """One person whose name, ref, team and note hold escape sequences, next to `team`."""
    monkeypatch.setenv("FLOORCOACH_NOW", NOW)
    person = EmployeeInput(name=EVIL_NAME, employee_ref=EVIL_REF, team=EVIL_TEAM)
    added = add_employee(store, person, by=SUPERVISOR)
    data = ObservationInput(
        employee_id=added.id, behaviour_id="greeting.eye-contact", outcome="met", note=EVIL_NOTE
    )
    log_observation(store, data, supervisor=SUPERVISOR)
    return added


def fc(db_path: Path, *args: str | bytes, env: dict | None = None, **kwargs):
    """The real `floorcoach` process, argv passed as bytes where a test needs them."""
    argv = [os.fsencode(a) for a in (sys.executable, "-m", "floorcoach", "--db", str(db_path))]
    argv += [a if isinstance(a, bytes) else os.fsencode(a) for a in args]
    return subprocess.run(
        argv,
        capture_output=True,
        env={**os.environ, "FLOORCOACH_NOW": NOW, **(env or {})},
        timeout=120,
        **kwargs,
    )


def one_line_refusal(result: subprocess.CompletedProcess) -> str:
    stderr = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 1, (result.returncode, stderr)
    assert "Traceback" not in stderr, stderr
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("floorcoach: "), stderr
    return lines[0]


# --- item 5: terminal escapes never reach the terminal ---------------------------------------


def test_trend_heading_shows_a_hostile_name_ref_and_team_literally(db_path, evil, capsys):
    assert cli_main(["--db", str(db_path), "trend", "--employee", EVIL_REF]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    heading = out.splitlines()[0]
    assert heading.startswith(f"{safe_text(EVIL_NAME)} ({safe_text(EVIL_REF)}, ")
    assert f"team {safe_text(EVIL_TEAM)})" in heading


def test_team_heading_shows_a_hostile_team_name_literally(db_path, evil, capsys):
    assert cli_main(["--db", str(db_path), "team", "--team", EVIL_TEAM]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert out.splitlines()[0] == f"Team {safe_text(EVIL_TEAM)}, week 2026-W48"


def test_every_line_printed_goes_through_the_safe_text_rule(tmp_path, capsys):
    """Not only the headings someone remembered: a catalogue title printed by `check`."""
    shipped = next(shipped_catalogue_dir().glob("*.toml"))
    text = shipped.read_text(encoding="utf-8")
    evil_catalogue = tmp_path / "evil.toml"
    first_title = text.index('title = "') + len('title = "')
    evil_catalogue.write_text(
        text[:first_title] + r"Evil\u001b]0;pwned\u0007\u001b[2J " + text[first_title:],
        encoding="utf-8",
    )
    assert cli_main(["catalogue", "check", str(evil_catalogue)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "Evil␛]0;pwned␇␛[2J " in out


def test_csv_output_keeps_hostile_names_byte_for_byte(db_path, evil):
    team_csv = fc(db_path, "team", "--team", EVIL_TEAM, "--format", "csv")
    assert team_csv.returncode == 0, team_csv.stderr
    assert EVIL_NAME.encode() in team_csv.stdout and EVIL_TEAM.encode() in team_csv.stdout
    roster_csv = fc(db_path, "roster", "list", "--format", "csv")
    assert roster_csv.returncode == 0, roster_csv.stderr
    assert f"{EVIL_REF},{EVIL_NAME},{EVIL_TEAM},true".encode() in roster_csv.stdout
    exported = fc(db_path, "export", "observations", "--out", "-")
    assert exported.returncode == 0, exported.stderr
    assert EVIL_NAME.encode() in exported.stdout and EVIL_NOTE.encode() in exported.stdout


# --- item 7: argv bytes that are not UTF-8 -------------------------------------------------

NOT_UTF8_CASES = [
    ("--employee", ["log", "--employee", NOT_UTF8, "--behaviour", "greeting.eye-contact",
                    "--outcome", "met"]),
    ("--behaviour", ["log", "--employee", "000123", "--behaviour", NOT_UTF8, "--outcome", "met"]),
    ("--note", ["log", "--employee", "000123", "--behaviour", "greeting.eye-contact",
                "--outcome", "met", "--note", b"caf\xe9"]),
    ("--at", ["log", "--employee", "000123", "--behaviour", "greeting.eye-contact",
              "--outcome", "met", "--at", b"2026-11-24T10:00\xff"]),
    ("--team", ["roster", "list", "--team", NOT_UTF8]),
    ("--employee", ["trend", "--employee", NOT_UTF8]),
    ("--team", ["export", "observations", "--team", NOT_UTF8, "--out", "-"]),
    ("--employee", ["export", "observations", "--employee", NOT_UTF8, "--out", "-"]),
    ("REF", ["employee", "forget", NOT_UTF8, "--yes"]),
    ("--said", ["coach", "--employee", "000123", "--kind", "recognition", "--behaviour",
                "greeting.eye-contact", "--said", b"Bien jou\xe9", "--action", "Keep it up"]),
]  # fmt: skip


@pytest.mark.parametrize(("option", "args"), NOT_UTF8_CASES)
def test_an_argument_that_is_not_utf8_is_refused_naming_the_option(
    db_path, store, team, option, args
):
    result = fc(db_path, *args)
    line = one_line_refusal(result)
    assert line == f"floorcoach: {option} is not valid UTF-8 text; nothing was changed"
    assert result.stdout == b""
    assert employee_timeline(store, team[0].id) == []
    assert find_employee(store, "000123").id == team[0].id  # not erased


def test_a_file_name_that_is_not_utf8_is_still_a_file_name(tmp_path):
    folder = tmp_path / os.fsdecode(b"caf\xe9")
    result = fc(folder / "fc.db", "demo", "--employees", "2", "--weeks", "1")
    assert result.returncode == 0, result.stderr
    assert (folder / "fc.db").is_file()
    target = folder / os.fsdecode(b"obs\xff.csv")
    exported = fc(folder / "fc.db", "export", "observations", "--out", target)
    assert exported.returncode == 0, exported.stderr
    assert target.is_file()


# --- item 9: values no calendar can hold -----------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["team", "--week", "9999-W52"], "--week: week '9999-W52' is outside the years 2000"),
        (["team", "--week", "0001-W01"], "--week: week '0001-W01' is outside the years 2000"),
        (["export", "weekly", "--to", "9999-12-31", "--out", "-"], "2000 to 9998"),
        (["demo", "--weeks", "200000", "--force"], "--weeks must be at most 520"),
    ],
)
def test_dates_and_weeks_out_of_range_are_one_line_not_an_overflow(db_path, team, args, expected):
    line = one_line_refusal(fc(db_path, *args))
    assert expected in line


def test_an_overflow_anywhere_is_one_line_not_a_traceback(db_path, team, monkeypatch, capsys):
    def overflowing(*args, **kwargs):
        raise OverflowError("date value out of range")

    monkeypatch.setattr("floorcoach.trends.team_week", overflowing)
    assert cli_main(["--db", str(db_path), "team"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("floorcoach: a date or number is out")


# --- item 13: dates that cannot be meant ---------------------------------------------------


def log_at(db_path: Path, at: str, **env: str) -> subprocess.CompletedProcess:
    return fc(
        db_path, "log", "--employee", "000123", "--behaviour", "greeting.eye-contact",
        "--outcome", "met", "--at", at, env=env,
    )  # fmt: skip


def test_an_offset_no_time_zone_has_is_refused(db_path, store, team):
    line = one_line_refusal(log_at(db_path, "2026-11-24T10:00+23:59"))
    assert line == (
        "floorcoach: --at '2026-11-24T10:00+23:59' has the offset +23:59: no time zone is "
        "more than 14 hours from UTC"
    )
    assert employee_timeline(store, team[0].id) == []
    assert log_at(db_path, "2026-11-24T10:00+14:00").returncode == 0  # Kiribati is real


@pytest.mark.parametrize("command", ["log", "coach"])
def test_an_empty_at_is_refused_not_taken_as_now(db_path, store, team, command):
    if command == "log":
        result = log_at(db_path, "")
    else:
        result = fc(
            db_path, "coach", "--employee", "000123", "--kind", "recognition", "--behaviour",
            "greeting.eye-contact", "--said", "Well done", "--action", "Keep it up", "--at", "",
        )  # fmt: skip
    assert one_line_refusal(result).startswith("floorcoach: --at is empty")
    assert employee_timeline(store, team[0].id) == []


@pytest.mark.parametrize("due", ["9999-12-31", "2027-11-26"])
def test_a_follow_up_more_than_a_year_ahead_is_refused(db_path, team, due):
    result = fc(
        db_path, "coach", "--employee", "000123", "--kind", "recognition", "--behaviour",
        "greeting.eye-contact", "--said", "Well done", "--action", "Keep it up",
        "--follow-up", due,
    )  # fmt: skip
    assert one_line_refusal(result) == (
        f"floorcoach: --follow-up {due} cannot be more than a year after the "
        "conversation (2026-11-25): check the year"
    )
    listing = fc(db_path, "followups", "--format", "csv")
    assert listing.stdout.count(b"\r\n") == 1  # the header only: nothing was saved


def test_a_local_time_the_clocks_skipped_is_refused(db_path, store, team):
    line = one_line_refusal(log_at(db_path, "2026-03-29T02:30", TZ="Europe/Berlin"))
    assert line == (
        "floorcoach: --at '2026-03-29T02:30' does not exist in your time zone: the clocks "
        "went forward; give 03:30 or an offset"
    )
    assert employee_timeline(store, team[0].id) == []


def test_a_local_time_that_happened_twice_is_the_first_and_says_so(db_path, store, team):
    result = log_at(db_path, "2026-10-25T02:30", TZ="Europe/Berlin")
    assert result.returncode == 0, result.stderr
    assert b"02:30 happened twice on 2026-10-25" in result.stderr
    assert b"taken as the first, 02:30+02:00" in result.stderr
    [saved] = employee_timeline(store, team[0].id)
    assert saved.observed_at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


@pytest.fixture
def berlin(monkeypatch):
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


def test_the_core_date_rules_are_the_ones_the_app_forms_use(berlin):
    """The observation and coaching forms read `When` with clock.parse_instant."""
    with pytest.raises(clock.ImplausibleTime, match="clocks went forward; give 03:30"):
        clock.parse_instant("2026-03-29T02:30")
    with pytest.raises(clock.ImplausibleTime, match="offset -14:01"):
        clock.parse_instant("2026-11-30T10:00-14:01")
    with pytest.raises(clock.ImplausibleTime, match="outside the years 2000 to 9998"):
        clock.parse_instant("0001-01-01T00:00+01:00")
    with pytest.raises(ValueError, match="empty"):
        clock.parse_instant("  ")
    assert clock.parse_instant("2026-10-25T02:30") == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert clock.parse_instant("2026-03-29T03:30") == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert clock.week_monday("1999-W52").isoformat() == "1999-12-27"  # holds 2000-01-01
    held_on = date(2026, 11, 25)
    assert clock.implausible_follow_up(date(2027, 11, 25), held_on) is None
    assert "a year after" in clock.implausible_follow_up(date(2027, 11, 26), held_on)
    assert "before" in clock.implausible_follow_up(date(2026, 11, 24), held_on)
    assert clock.implausible_follow_up(date(2029, 2, 28), date(2028, 2, 29)) is None


# --- signals and database errors -------------------------------------------------------------


@pytest.fixture(scope="module")
def big_db(tmp_path_factory) -> Path:
    """300 people, a year of observations: an export that takes long enough to interrupt."""
    folder = tmp_path_factory.mktemp("big")
    db = folder / "data" / "fc.db"
    env = {"FLOORCOACH_CONFIG_DIR": str(folder / "config"), "FLOORCOACH_SUPERVISOR": SUPERVISOR}
    result = fc(db, "demo", "--employees", "300", "--weeks", "52", env=env)
    assert result.returncode == 0, result.stderr
    return db


def start_export(db: Path, out: Path, *, ignore: int | None = None) -> subprocess.Popen:
    """`export observations` to a file in `out`, once its first rows are written there.

    The child starts with SIGTERM and SIGHUP at their defaults (as from a terminal), or
    with `ignore` ignored (as under `nohup`), whatever this test run inherited.
    """

    def signals() -> None:
        for each in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(each, signal.SIG_IGN if each == ignore else signal.SIG_DFL)

    process = subprocess.Popen(
        [sys.executable, "-m", "floorcoach", "--db", str(db), "export", "observations",
         "--out", str(out / "observations.csv")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "FLOORCOACH_NOW": NOW},
        preexec_fn=signals,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not _written(out) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.001)
    assert _written(out), "the export never started writing"
    return process


def _written(folder: Path) -> int:
    """Bytes written so far to the files in `folder` (0 while there are none)."""
    total = 0
    for name in os.listdir(folder):
        with contextlib.suppress(FileNotFoundError):  # renamed or removed meanwhile
            total += (folder / name).stat().st_size
    return total


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_sigterm_or_sighup_during_an_export_leaves_no_partial_file(big_db, tmp_path, signum, code):
    (out := tmp_path / "out").mkdir()
    process = start_export(big_db, out)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == code, stderr
    assert stderr.decode().splitlines() == ["floorcoach: interrupted"]
    assert os.listdir(out) == []  # neither a .partial nor half an export


def test_an_export_under_nohup_survives_a_hangup(big_db, tmp_path):
    (out := tmp_path / "out").mkdir()
    process = start_export(big_db, out, ignore=signal.SIGHUP)
    process.send_signal(signal.SIGHUP)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    assert os.listdir(out) == ["observations.csv"]


def test_a_database_error_is_one_line_never_a_traceback(db_path, team, monkeypatch, capsys):
    def damaged(*args, **kwargs):
        raise sqlite3.DatabaseError("database disk image is malformed")

    monkeypatch.setattr("floorcoach.trends.team_week", damaged)
    assert cli_main(["--db", str(db_path), "team"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith(f"floorcoach: {db_path}") and "malformed" in err
