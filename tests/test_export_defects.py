"""The defects HR's checks found (issue #12 item 4, and the `unsure` cause of issue #11),
each driven the way it was found: real files, real `floorcoach` processes."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from floorcoach import export
from floorcoach.catalogue_store import list_behaviours
from floorcoach.coaching import CoachingInput, create_coaching
from floorcoach.employees import list_employees
from floorcoach.models import ObservationInput
from floorcoach.observations import log_observation
from floorcoach.roster import RosterError, import_roster, parse_roster

from .conftest import SUPERVISOR

NOW = "2026-11-25T10:00:00+00:00"


def floorcoach(db: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "floorcoach", "--db", str(db), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "FLOORCOACH_NOW": NOW},
        timeout=120,
    )


def exported(store, kind: str, **filters) -> list[dict[str, str]]:
    out = io.BytesIO()
    export.write_export(store, kind, out, **filters)
    return list(csv.DictReader(io.StringIO(out.getvalue().decode("utf-8"), newline="")))


def _observe(store, person, outcome: str, cause: str | None = None, *, day: str = "2026-11-20"):
    data = ObservationInput(
        employee_id=person.id,
        behaviour_id=list_behaviours(store)[0].id,
        outcome=outcome,
        cause=cause,
        observed_at=datetime.fromisoformat(f"{day}T10:00:00+00:00"),
    )
    return log_observation(store, data, supervisor=SUPERVISOR)


# --- observation_ids keep the order the supervisor gave ----------------------------------


def test_linked_observations_are_exported_in_the_order_they_were_given(store, team, monkeypatch):
    monkeypatch.setenv("FLOORCOACH_NOW", NOW)
    linked = [_observe(store, team[0], "missed", "skill") for _ in range(4)]
    given = sorted((o.id for o in linked), reverse=True)  # not the order of the ids
    create_coaching(
        store,
        CoachingInput(
            employee_id=team[0].id,
            kind="corrective",
            behaviour_ids=[linked[0].behaviour_id],
            said="Talked it through",
            agreed_action="Greet first",
            observation_ids=given,
        ),
        supervisor=SUPERVISOR,
    )
    (row,) = exported(store, "coaching")
    assert row["observation_ids"].split(";") == given


# --- recognition needs no agreed action --------------------------------------------------


def test_recognition_is_logged_without_an_action_and_exports_it_empty(db_path, team):
    result = floorcoach(
        db_path, "coach", "--employee", "000123", "--kind", "recognition",
        "--behaviour", "greeting.eye-contact", "--said", "Lovely welcome at the door",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = list(
        csv.DictReader(io.StringIO(floorcoach(db_path, "export", "coaching", "--out", "-").stdout))
    )
    assert [(r["kind"], r["agreed_action"]) for r in rows] == [("recognition", "")]


@pytest.mark.parametrize("kind", ["corrective", "development"])
def test_a_talk_that_asks_for_change_still_needs_its_action(db_path, team, kind):
    result = floorcoach(
        db_path, "coach", "--employee", "000123", "--kind", kind,
        "--behaviour", "greeting.eye-contact", "--said", "We talked",
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"floorcoach: --action is required for a {kind} talk: write the action you agreed "
        "on (only recognition may leave it out)"
    ]


def test_the_data_dictionary_says_recognition_may_leave_the_action_empty():
    column = next(c for c in export.COACHING.columns if c.name == "agreed_action")
    assert not column.required
    assert "recognition" in column.description


# --- roster: an unclosed quote, a leading tab ---------------------------------------------

BROKEN = b'employee_ref,name,team\n000999,"Broken quote,Fashion\n001000,Ok Name,Fashion\n'


def test_an_unclosed_quote_is_refused_naming_the_line_it_opened_on(store, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(BROKEN)
    with pytest.raises(RosterError) as caught:
        import_roster(store, path, by=SUPERVISOR)
    assert caught.value.problems == [
        "line 2: a quote opens a field on this line and is never closed, so the rest of the "
        "file (1 more line) would be read into that one field; close the quote or remove it"
    ]
    assert list_employees(store) == []


def test_an_unclosed_quote_in_a_long_file_is_refused_for_the_quote_not_the_length():
    lines = [
        f"{n:06d},Person number {n} with a name long enough to add up,Fashion" for n in range(40)
    ]
    raw = BROKEN.splitlines(keepends=True)
    data = b"".join([raw[0], *(f"{line}\n".encode() for line in lines[:3]), raw[1]])
    data += b"".join(f"{line}\n".encode() for line in lines[3:])
    with pytest.raises(RosterError) as caught:
        parse_roster(data, "roster.csv")
    (problem,) = caught.value.problems
    assert problem.startswith("line 5: a quote opens a field on this line and is never closed")
    assert "(37 more lines)" in problem
    assert "200" not in problem


def test_the_cli_refuses_the_broken_roster_with_exit_code_1(db_path, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(BROKEN)
    result = floorcoach(db_path, "roster", "import", str(path))
    assert result.returncode == 1
    assert "line 2: a quote opens a field on this line and is never closed" in result.stderr
    assert "added" not in result.stdout


def test_a_legitimate_quoted_name_across_lines_still_imports(store, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(b'employee_ref,name,team\n1,"Ada ""the count""\nLovelace",Home\n2,Alan,Home\n')
    result = import_roster(store, path, by=SUPERVISOR)
    assert result.added == 2 and result.notes == []


def test_a_leading_tab_in_a_name_is_removed_and_said(db_path, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(b"employee_ref,name,team\n1,\tTabbed Name,Home\n2,  Spaced  ,Home\n")
    result = floorcoach(db_path, "roster", "import", str(path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"{path}: 2 added, 0 updated, 0 unchanged",
        "note: line 2, column 'name': removed a tab at the start",
    ]
    listed = floorcoach(db_path, "roster", "list", "--format", "csv").stdout
    assert {r["name"] for r in csv.DictReader(io.StringIO(listed))} == {"Tabbed Name", "Spaced"}


# --- values that start with '-' ------------------------------------------------------------


def test_a_note_and_an_employee_ref_may_start_with_a_minus(db_path, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("employee_ref,name,team\n-123,Minus Ref,Home\n")
    assert floorcoach(db_path, "roster", "import", str(roster)).returncode == 0
    result = floorcoach(
        db_path, "log", "--employee", "-123", "--behaviour", "greeting.eye-contact",
        "--outcome", "met", "--note", "-2+3",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (row,) = csv.DictReader(
        io.StringIO(floorcoach(db_path, "export", "observations", "--out", "-").stdout)
    )
    assert (row["employee_ref"], row["note"]) == ("-123", "'-2+3")  # the formula rule still holds


def test_an_option_given_where_a_value_belongs_is_still_a_usage_error(db_path, team):
    result = floorcoach(
        db_path, "log", "--employee", "000123", "--behaviour", "greeting.eye-contact",
        "--outcome", "met", "--note", "--story",
    )  # fmt: skip
    assert result.returncode == 2
    assert "argument --note: expected one argument" in result.stderr


# --- a "not sure" miss exports as unsure ---------------------------------------------------


def test_a_miss_of_unsure_cause_exports_as_unsure_and_a_met_one_stays_empty(store, team):
    unsure = _observe(store, team[0], "missed")
    system = _observe(store, team[0], "missed", "system")
    met = _observe(store, team[0], "met")
    causes = {r["observation_id"]: r["cause"] for r in exported(store, "observations")}
    assert causes == {unsure.id: "unsure", system.id: "system", met.id: ""}
    only = exported(store, "observations", cause="unsure")
    assert [r["observation_id"] for r in only] == [unsure.id]


def test_the_data_dictionary_lists_unsure_among_the_causes():
    text = (Path(__file__).resolve().parent.parent / "docs" / "data-dictionary.md").read_text()
    cause_row = next(line for line in text.splitlines() if line.startswith("| `cause` |"))
    assert "**unsure**" in cause_row  # in bold: backticks there list the Cause vocabulary


async def test_the_coaching_form_saves_recognition_without_an_action(db_path, team, monkeypatch):
    """The form says the action is optional for recognition, and means it."""
    from textual.widgets import Input

    from floorcoach.app import FloorcoachApp
    from floorcoach.coaching import coaching_for_employee
    from floorcoach.screens.coaching_form import CoachingForm
    from floorcoach.screens.employee_page import EmployeePage
    from floorcoach.store import Store

    from .pilot import press_all, wait_ready

    monkeypatch.setenv("FLOORCOACH_NOW", NOW)
    with Store.open(db_path) as store:
        _observe(store, team[0], "exceeded", day="2026-11-25")
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await press_all(app, pilot, "enter")  # today's observation → Amira's page
        assert isinstance(app.screen, EmployeePage)
        await press_all(app, pilot, "k")
        form = app.screen
        assert isinstance(form, CoachingForm)
        assert "optional for recognition" in form.query_one("#action", Input).placeholder
        await press_all(app, pilot, *"Lovely save", "enter", "ctrl+s")
        assert isinstance(app.screen, EmployeePage)
    with Store.open(db_path) as store:
        [session] = coaching_for_employee(store, team[0].id)
    assert (session.kind.value, session.said, session.agreed_action) == (
        "recognition",
        "Lovely save",
        "",
    )
