"""Every CSV floorcoach writes follows one cell rule: the HR export's (floorcoach.csv_cells).

The `--format csv` listings are run as HR and scripts run them, in a subprocess, and their
bytes are read back twice: with the csv module (what a spreadsheet sees in each cell) and
raw (the line ends and the encoding).
"""

from __future__ import annotations

import csv
import io
import os
import re
import sqlite3
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from floorcoach import csv_cells, export
from floorcoach.catalogue_files import load_catalogues
from floorcoach.coaching import CoachingInput, create_coaching
from floorcoach.employees import add_employee, list_employees
from floorcoach.followups import list_followups
from floorcoach.models import EmployeeInput, ObservationInput
from floorcoach.observations import log_observation
from floorcoach.trends import behaviour_info, team_week
from floorcoach.workspace import open_workspace

NOW = "2026-11-25T10:00:00+00:00"
TODAY = date(2026, 11, 25)
WEEK = "2026-W48"
FORMULA = '=HYPERLINK("http://x","click")'
SUPERVISOR = "=Sam"

# A catalogue someone wrote themselves: its wording reaches `catalogue list` and `trend`.
HOSTILE_CATALOGUE = f"""\
[catalogue]
id = "till"
title = "At the till"
version = "1"

[[touch_point]]
id = "till"
title = "@At the till"

[[touch_point.behaviour]]
id = "till.thanks"
title = '{FORMULA}'
standard = "-Says thank you, every time."
look_fors = ["Says thank you"]

[[touch_point.behaviour]]
id = "till.receipt"
title = "+Offers a receipt"
standard = "'Receipt' offered"
look_fors = ["Offers a receipt"]
"""
PEOPLE = [  # name, team, employee_ref
    (FORMULA, "Fashion", "-123"),
    ("-Minus Sign", "@team", "+44"),
    ("'quoted", "+Plus", "'007"),
    ('Jean "JJ", Jr.', "Home, Garden", None),
    ("Line\nBreak", "Fashion", "=1+1"),
    ("Zoë 😀 Émile", "Beauty", "000123"),
]
COMMANDS = {
    "roster list": ["roster", "list", "--all", "--format", "csv"],
    "team": ["team", "--week", WEEK, "--format", "csv"],
    "trend": ["trend", "--employee=-123", "--weeks", "2", "--format", "csv"],
    "followups": ["followups", "--format", "csv"],
    "catalogue list": ["catalogue", "list", "--format", "csv"],
}


def floorcoach(db: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "floorcoach", "--db", str(db), *args],
        capture_output=True,
        env={**os.environ, "FLOORCOACH_NOW": NOW, **env},
        timeout=60,
    )


def csv_of(db: Path, command: str, **env: str) -> bytes:
    result = floorcoach(db, *COMMANDS[command], **env)
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout


def rows_of(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def undo(cell: str) -> str:
    """The rule undone: one leading apostrophe off."""
    return cell[1:] if cell.startswith("'") else cell


def stored(value: object) -> str:
    return "" if value is None else str(value)


@pytest.fixture
def hostile(tmp_path, db_path):
    """A database whose people, teams, coaching and catalogue all look like formulas."""
    user_catalogues = tmp_path / "config" / "behaviours"
    user_catalogues.mkdir(parents=True)
    (user_catalogues / "till.toml").write_text(HOSTILE_CATALOGUE, encoding="utf-8")
    with open_workspace(db_path) as store:
        for name, team, ref in PEOPLE:
            person = add_employee(
                store, EmployeeInput(name=name, team=team, employee_ref=ref), by=SUPERVISOR
            )
            for behaviour, outcome, cause in (
                ("till.thanks", "met", None),
                ("till.receipt", "missed", "skill"),
            ):
                data = ObservationInput(
                    employee_id=person.id,
                    behaviour_id=behaviour,
                    outcome=outcome,
                    cause=cause,
                    observed_at=datetime(2026, 11, 24, 9, tzinfo=UTC),
                )
                log_observation(store, data, supervisor=SUPERVISOR)
            for action in ("=cmd|' /C calc'!A0", "-1"):
                data = CoachingInput(
                    employee_id=person.id,
                    kind="corrective",
                    behaviour_ids=["till.thanks"],
                    said="@said",
                    agreed_action=action,
                    held_at=datetime(2026, 11, 24, 10, tzinfo=UTC),
                )
                create_coaching(store, data, supervisor=SUPERVISOR)
    return db_path


@pytest.fixture
def opened(hostile):
    with open_workspace(hostile) as store:
        yield store


# --- the defects found -------------------------------------------------------------------


@pytest.mark.parametrize("command", ["roster list", "team"])
def test_a_name_that_is_a_formula_is_not_run_by_the_spreadsheet(hostile, command):
    name_column = "name" if command == "roster list" else "employee_name"
    rows = rows_of(csv_of(hostile, command))
    row = next(r for r in rows if r["employee_ref"] == "-123")
    assert row[name_column] == "'" + FORMULA
    assert b'"=HYPERLINK' not in csv_of(hostile, command)


def test_catalogue_wording_that_is_a_formula_is_not_run_either(hostile):
    listed = {r["behaviour_id"]: r for r in rows_of(csv_of(hostile, "catalogue list"))}
    assert listed["till.thanks"]["title"] == "'" + FORMULA
    assert listed["till.thanks"]["touch_point"] == "'@At the till"
    assert listed["till.thanks"]["standard"] == "'-Says thank you, every time."
    trend = {r["behaviour_id"]: r for r in rows_of(csv_of(hostile, "trend"))}
    assert trend["till.thanks"]["behaviour_title"] == "'" + FORMULA
    assert trend["till.receipt"]["behaviour_title"] == "'+Offers a receipt"


def test_followups_keep_a_signed_number_ref_as_the_export_does(hostile):
    exported = floorcoach(hostile, "export", "coaching", "--out", "-")
    assert exported.returncode == 0, exported.stderr.decode()
    sessions = {r["coaching_id"] for r in rows_of(exported.stdout) if r["employee_ref"] == "-123"}
    assert len(sessions) == 2
    listed = [r for r in rows_of(csv_of(hostile, "followups")) if r["coaching_id"] in sessions]
    assert [r["employee_ref"] for r in listed] == ["-123", "-123"]
    assert {r["agreed_action"] for r in listed} == {"'=cmd|' /C calc'!A0", "-1"}


@pytest.mark.parametrize("command", COMMANDS)
def test_every_line_ends_with_crlf(hostile, command):
    """CRLF ends every record; a line break inside a quoted name is data, left as it is."""
    data = csv_of(hostile, command)
    outside_quotes = re.sub(rb'"(?:[^"]|"")*"', b'""', data)
    assert outside_quotes.endswith(b"\r\n")
    assert b"\n" not in outside_quotes.replace(b"\r\n", b"")
    assert b"\r" not in outside_quotes.replace(b"\r\n", b"")
    assert outside_quotes.count(b"\r\n") == len(rows_of(data)) + 1


@pytest.mark.parametrize("command", COMMANDS)
def test_a_stdout_that_translates_line_ends_does_not_double_the_cr(hostile, command):
    """Windows' text stdout turns each \\n into \\r\\n: CSV must not go through it."""
    script = (
        "import sys\n"
        "sys.stdout.reconfigure(newline='\\r\\n')\n"
        "from floorcoach.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, "--db", str(hostile), *COMMANDS[command]],
        capture_output=True,
        env={**os.environ, "FLOORCOACH_NOW": NOW},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert b"\r\r\n" not in result.stdout
    assert result.stdout == csv_of(hostile, command)


@pytest.mark.parametrize("command", COMMANDS)
def test_csv_is_utf8_whatever_the_terminal_encoding(hostile, command):
    latin = csv_of(hostile, command, PYTHONIOENCODING="latin-1")
    assert latin == csv_of(hostile, command)
    latin.decode("utf-8")


# --- one rule, both sides ----------------------------------------------------------------


def exported_cell(conn: sqlite3.Connection, text: str) -> str:
    """The cell the HR export writes for `text`, made by SQLite and read back as CSV."""
    line = export._line_sql((export.text_column("x", "v"),))
    (rendered,) = conn.execute(f"SELECT {line} FROM (SELECT ? AS v)", (text,)).fetchone()
    return next(csv.reader(io.StringIO(rendered, newline="")))[0]


def listed_cell(text: str) -> str:
    """The cell a `--format csv` listing writes for `text`, read back as CSV."""
    out = io.BytesIO()
    csv_cells.write_csv(out, ["x"], [[text]])
    rows = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8"), newline="")))
    return rows[1][0] if len(rows) > 1 and rows[1] else ""


TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("=+-@'\t\r\n\",; 0123456789.")),
        # NUL is left out: SQLite's printf() ends the export's cell there (a known gap).
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    ),
    max_size=30,
)


@settings(max_examples=500, deadline=None)
@given(text=TEXT)
def test_the_listing_cell_and_the_export_cell_agree_for_any_text(text):
    conn = sqlite3.connect(":memory:")
    try:
        cell = exported_cell(conn, text)
    finally:
        conn.close()
    assert listed_cell(text) == cell == export.neutralise(text) == csv_cells.cell(text)
    assert undo(cell) == text
    if cell != text:
        assert cell == "'" + text


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-A1", "'-A1"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("'x", "''x"),
        ("-123", "-123"),
        ("+4.5", "+4.5"),
        ("-", "'-"),
        ("-.", "'-."),
        ("", ""),
        ("Amira", "Amira"),
    ],
)
def test_the_rule_on_the_owasp_list(text, cell):
    assert csv_cells.cell(text) == cell


def test_cells_that_are_not_text():
    assert [csv_cells.cell(v) for v in (None, True, False, 3, 0.25, date(2026, 11, 25))] == [
        "",
        "true",
        "false",
        "3",
        "0.25",
        "2026-11-25",
    ]
    assert csv_cells.cell(datetime(2026, 11, 25, 10, tzinfo=UTC)) == "2026-11-25T10:00:00+00:00"


@pytest.mark.xfail(strict=True, reason="SQLite's printf() stops at NUL: the export cuts there")
def test_a_nul_character_survives_the_export():
    conn = sqlite3.connect(":memory:")
    try:
        assert exported_cell(conn, "a\x00b") == listed_cell("a\x00b")
    finally:
        conn.close()


# --- back to what is stored --------------------------------------------------------------


def _expected(store, command: str) -> dict[str, list[str]]:
    """The stored values each command lists, keyed like its rows, in its column order."""
    if command == "roster list":
        return {
            e.id: [stored(e.employee_ref), e.name, e.team, "true" if e.active else "false", e.id]
            for e in list_employees(store, include_inactive=True)
        }
    if command == "team":
        return {
            r.employee_id: [stored(r.employee_ref), r.name, r.team, r.employee_id]
            for r in team_week(store, None, WEEK, today=TODAY)
        }
    if command == "trend":
        info = behaviour_info(store, ["till.thanks", "till.receipt"])
        return {b: [b, info[b][1], info[b][0]] for b in info}
    if command == "followups":
        return {
            f"{f.coaching_id} {f.behaviour_id}": [
                f.coaching_id,
                stored(f.employee_ref),
                f.employee_name,
                f.behaviour_id,
                f.due.isoformat(),
                f.behaviour_title,
                f.team,
                f.kind.value,
                f.supervisor,
                f.agreed_action,
            ]
            for f in list_followups(store, TODAY)
        }
    return {
        b.id: [b.id, b.touch_point, b.title, b.catalogue_id, b.catalogue_version, b.standard]
        for c in load_catalogues()
        for b in c.behaviours
    }


_LISTED = {  # the key of a row, and the columns compared with what is stored
    "roster list": (
        ("employee_id",),
        ("employee_ref", "name", "team", "active", "employee_id"),
    ),
    "team": (("employee_id",), ("employee_ref", "employee_name", "team", "employee_id")),
    "trend": (("behaviour_id",), ("behaviour_id", "touch_point", "behaviour_title")),
    "followups": (
        ("coaching_id", "behaviour_id"),
        (
            "coaching_id",
            "employee_ref",
            "employee_name",
            "behaviour_id",
            "due",
            "behaviour_title",
            "team",
            "kind",
            "supervisor",
            "agreed_action",
        ),
    ),
    "catalogue list": (
        ("behaviour_id",),
        ("behaviour_id", "touch_point", "title", "catalogue", "catalogue_version", "standard"),
    ),
}


@pytest.mark.parametrize("command", COMMANDS)
def test_every_listing_reads_back_to_the_stored_values(hostile, opened, command):
    key_columns, compared = _LISTED[command]
    expected = _expected(opened, command)
    listed = {
        " ".join(row[k] for k in key_columns): [undo(row[c]) for c in compared]
        for row in rows_of(csv_of(hostile, command))
    }
    assert listed == expected
    assert len(listed) >= 2
