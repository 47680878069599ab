"""Lists and searches that say what they found (issue 11): the employee list searches as
you type, counts right, says when nothing matched; and every search ignores case and
accents with one rule, in the app and on the command line."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Input

from floorcoach.app import FloorcoachApp
from floorcoach.cli import main as cli_main
from floorcoach.employees import add_employee, find_employee, find_team, list_employees
from floorcoach.models import EmployeeInput
from floorcoach.screens.employees import EmployeesScreen
from floorcoach.screens.observation_form import ObservationForm
from floorcoach.search_text import fold

from .conftest import SUPERVISOR
from .pilot import choose_in_palette, press_all, settle, wait_for_screen, wait_ready

SIZE = (120, 40)


@pytest.fixture
def zoe(store, team):
    return add_employee(
        store,
        EmployeeInput(name="Zoë Ångström", team="Fashion", employee_ref="000200"),
        by=SUPERVISOR,
    )


def test_folding_drops_case_and_accents():
    assert fold("Zoë Ångström") == "zoe angstrom"
    assert fold("STRASSE") == fold("Straße")
    assert fold("Øyvind") == "oyvind"


def test_the_core_finds_people_and_teams_ignoring_case_and_accents(store, zoe):
    assert [e.id for e in list_employees(store, search="zoe")] == [zoe.id]
    assert [e.id for e in list_employees(store, search="ANG")] == [zoe.id]
    assert find_employee(store, "zoe angstrom").id == zoe.id
    assert find_team(store, "fashion") == "Fashion"


def test_the_command_line_matches_employee_and_team_the_same_way(db_path, zoe, capsys):
    args = ["--db", str(db_path)]
    assert (
        cli_main(
            [
                *args,
                "log",
                "--employee",
                "zoe",
                "--behaviour",
                "greeting.eye-contact",
                "--outcome",
                "met",
            ]
        )
        == 0
    )
    assert "Zoë Ångström" in capsys.readouterr().out
    assert cli_main([*args, "team", "--team", "fashion"]) == 0
    out = capsys.readouterr().out
    assert "Team Fashion" in out and "Zoë Ångström" in out
    assert cli_main([*args, "team", "--team", "nowhere"]) == 1
    assert "no active employee is in team 'nowhere'" in capsys.readouterr().err


async def test_the_observation_picker_finds_zoe_without_the_accent(db_path, zoe):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        await press_all(app, pilot, "o", *"zoe", "enter")
        form = await wait_for_screen(app, pilot, ObservationForm)
        assert form.employee is not None and form.employee.id == zoe.id


async def test_the_palette_finds_zoe_by_ang(db_path, zoe):
    from floorcoach.screens.employee_page import EmployeePage

    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        await choose_in_palette(app, pilot, "ang", "Zoë Ångström")
        page = await wait_for_screen(app, pilot, EmployeePage)
        assert page.employee.id == zoe.id


def _rows(screen) -> list[str]:
    table = screen.query_one("#employees", DataTable)
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


async def _employee_list(app, pilot) -> EmployeesScreen:
    await wait_ready(app, pilot)
    await press_all(app, pilot, "e")
    screen = await wait_for_screen(app, pilot, EmployeesScreen)
    await settle(app, pilot)
    return screen


async def test_typing_on_the_employee_list_searches_and_runs_no_command(db_path, zoe):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _employee_list(app, pilot)
        await press_all(app, pilot, *"zoe")  # not o (log), not e (edit)
        assert app.screen is screen
        assert screen.query_one("#search", Input).value == "zoe"
        assert _rows(screen) == ["Zoë Ångström"]
        assert str(screen.query_one("#count").render()) == "1 employee"
        await press_all(app, pilot, "down", "o")  # in the list, o logs for the person
        form = await wait_for_screen(app, pilot, ObservationForm)
        assert form.employee.id == zoe.id


async def test_no_match_says_so_while_people_exist(db_path, team):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _employee_list(app, pilot)
        await press_all(app, pilot, *"qqq")
        count = str(screen.query_one("#count").render())
        assert count.startswith("No match for “qqq”")
        assert "No employees yet" not in count


async def _import(app, pilot, path):
    from floorcoach.screens.roster_import import RosterImportScreen

    screen = await _employee_list(app, pilot)
    await press_all(app, pilot, "down", "i")
    dialog = await wait_for_screen(app, pilot, RosterImportScreen)
    await pilot.press(*str(path))
    await press_all(app, pilot, "enter")
    return screen, dialog


async def test_a_successful_roster_import_closes_the_dialog_and_says_what_it_did(
    db_path, team, tmp_path
):
    roster = tmp_path / "roster.csv"
    roster.write_text("employee_ref,name,team\n000900,Dana Ruiz,Home\n", encoding="utf-8")
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen, _ = await _import(app, pilot, roster)
        assert app.screen is screen
        assert any("roster.csv: 1 added" in n.message for n in app._notifications)
        await settle(app, pilot)
        assert "Dana Ruiz" in _rows(screen)


async def test_a_header_only_roster_warns_and_keeps_the_dialog(db_path, team, tmp_path):
    roster = tmp_path / "empty.csv"
    roster.write_text("employee_ref,name,team\n", encoding="utf-8")
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=SIZE) as pilot:
        _, dialog = await _import(app, pilot, roster)
        assert app.screen is dialog
        result = str(dialog.query_one("#result").render())
        assert "no employees under its header" in result and "0 added" not in result


@pytest.fixture
def menage(store, team):
    """A team whose name has an accent, besides Fashion and Home."""
    return add_employee(
        store,
        EmployeeInput(name="Léa Martin", team="Électroménager", employee_ref="000300"),
        by=SUPERVISOR,
    )


def test_roster_list_matches_the_team_ignoring_case_and_accents(db_path, menage, capsys):
    args = ["--db", str(db_path), "roster", "list", "--format", "csv"]
    assert cli_main([*args, "--team", "electromenager"]) == 0
    out = capsys.readouterr().out
    assert "Léa Martin" in out and "Électroménager" in out and "Amira" not in out
    assert cli_main([*args, "--team", "FASHION"]) == 0
    out = capsys.readouterr().out
    assert "Amira Okafor" in out and "Ben Nowak" in out and "Léa" not in out
    assert cli_main([*args, "--team", "nowhere"]) == 1
    assert "no active employee is in team 'nowhere'" in capsys.readouterr().err


def test_export_matches_the_team_ignoring_case_and_accents(db_path, store, menage, tmp_path):
    from floorcoach.models import ObservationInput
    from floorcoach.observations import log_observation

    for person in (menage, find_employee(store, "Amira Okafor")):
        data = ObservationInput(
            employee_id=person.id, behaviour_id="greeting.eye-contact", outcome="met"
        )
        log_observation(store, data, supervisor=SUPERVISOR)
    for typed, wanted, unwanted in (
        ("electromenager", "Léa Martin", "Amira"),
        ("fashion", "Amira Okafor", "Léa"),
    ):
        out = tmp_path / f"{typed}.csv"
        args = ["--db", str(db_path), "export", "observations", "--team", typed, "--out", str(out)]
        assert cli_main(args) == 0
        written = out.read_text(encoding="utf-8")
        assert wanted in written and unwanted not in written
    args = ["--db", str(db_path), "export", "observations", "--team", "Nowhere", "--out", "-"]
    assert cli_main(args) == 1  # still refused, naming the teams
