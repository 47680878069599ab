"""Roster CSV import: HR's headers, refs kept as text, all lines or none."""

from __future__ import annotations

import pytest

from floorcoach.employees import list_employees
from floorcoach.roster import RosterError, import_roster, parse_roster

SUPERVISOR = "Test Supervisor"


def test_headers_match_ignoring_case_spaces_hyphens_and_underscores(store, tmp_path):
    path = tmp_path / "hr.csv"
    path.write_bytes(
        "\ufeffEmployee ID;Full-Name;DEPARTMENT;Start date\r\n"
        "000123;Amira Okafor;Fashion;2024-01-01\r\n"
        '000124;"Nowak; Ben";Home;2024-02-01\r\n'.encode()
    )
    result = import_roster(store, path, by=SUPERVISOR)
    assert (result.added, result.updated) == (2, 0)
    people = {e.employee_ref: e for e in list_employees(store)}
    assert people["000123"].name == "Amira Okafor"  # leading zeros kept
    assert people["000124"].name == "Nowak; Ben" and people["000124"].team == "Home"


def test_importing_again_updates_by_employee_ref(store, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("employee_ref,name,team\n7,Ada Lovelace,Home\n8,Alan Turing,Home\n")
    import_roster(store, path, by=SUPERVISOR)
    path.write_text(
        "employee_ref,name,team\n7,Ada King,Home\n8,Alan Turing,Home\n9,Grace Hopper,Tech\n"
    )
    result = import_roster(store, path, by=SUPERVISOR)
    assert (result.added, result.updated, result.unchanged) == (1, 1, 1)
    assert sorted(e.name for e in list_employees(store)) == [
        "Ada King",
        "Alan Turing",
        "Grace Hopper",
    ]


def test_a_bad_line_imports_nothing_and_names_line_and_column(store, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(
        "Employee ID,Name,Team\n1,Ada,Home\n2,,Home\n1,Ada again,Home\n3,Grace,Tech,extra\n"
    )
    with pytest.raises(RosterError) as caught:
        import_roster(store, path, by=SUPERVISOR)
    message = str(caught.value)
    assert "nothing was imported" in message
    assert "line 3, column 'Name': empty" in message
    assert "line 4, column 'Employee ID': ref '1' already appears on line 2" in message
    assert "line 5: 4 fields but the header has 3" in message
    assert list_employees(store) == []


def test_an_active_column_deactivates_and_reactivates_people_and_empty_leaves_them(store, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("employee_ref,name,Active\n7,Ada,yes\n8,Alan,\n9,Grace,left\n")
    assert import_roster(store, path, by=SUPERVISOR).added == 3
    active = {e.employee_ref: e.active for e in list_employees(store, include_inactive=True)}
    assert active == {"7": True, "8": True, "9": False}
    path.write_text("employee_ref,name,Active\n7,Ada,No\n8,Alan,\n9,Grace,1\n")
    result = import_roster(store, path, by=SUPERVISOR)
    assert (result.added, result.updated, result.unchanged) == (0, 2, 1)
    active = {e.employee_ref: e.active for e in list_employees(store, include_inactive=True)}
    assert active == {"7": False, "8": True, "9": True}


def test_an_active_value_that_is_neither_yes_nor_no_is_named_and_imports_nothing(store, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("employee_ref,name,active\n7,Ada,yes\n8,Alan,maybe\n")
    with pytest.raises(RosterError) as caught:
        import_roster(store, path, by=SUPERVISOR)
    assert "line 3, column 'active': 'maybe' is neither yes nor no" in str(caught.value)
    assert list_employees(store, include_inactive=True) == []


def test_a_missing_required_column_is_named():
    with pytest.raises(RosterError, match="missing column employee_ref"):
        parse_roster(b"name,team\nAda,Home\n", "roster.csv")


def test_a_file_that_is_not_utf8_is_refused_with_its_line():
    with pytest.raises(RosterError, match=r"line 3: the file is not UTF-8"):
        parse_roster(b"employee_ref,name\n1,Ada\n2,Jos\xe9\n", "roster.csv")


def test_a_multiline_quoted_name_keeps_line_numbers_right():
    with pytest.raises(RosterError, match=r"line 4, column 'name': empty"):
        parse_roster(b'employee_ref,name\n1,"Ada\nLovelace"\n2,\n', "roster.csv")
