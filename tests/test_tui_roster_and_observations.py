"""The foundation in the real TUI: roster, observation form, employee page, palette."""

from __future__ import annotations

from textual.widgets import DataTable

from floorcoach.app import FloorcoachApp
from floorcoach.employees import list_employees
from floorcoach.models import ObservationInput
from floorcoach.observations import employee_timeline, history, log_observation
from floorcoach.screens.employee_page import EmployeePage
from floorcoach.screens.employees import EmployeesScreen
from floorcoach.screens.home import HomeScreen
from floorcoach.screens.observation_form import ObservationForm
from floorcoach.screens.problem import ProblemScreen
from floorcoach.screens.welcome import WelcomeScreen
from floorcoach.store import Store
from floorcoach.widgets.confirm import ConfirmDialog

from .pilot import choose_in_palette, press_all, settle, wait_for_screen, wait_ready

SIZE = (120, 40)


def table_text(screen, selector: str) -> str:
    table = screen.query_one(selector, DataTable)
    return "\n".join(
        " | ".join(str(cell) for cell in table.get_row_at(index))
        for index in range(table.row_count)
    )


async def test_adding_an_employee_through_the_roster_screen(db_path, team):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        await press_all(app, pilot, "e")
        assert isinstance(app.screen, EmployeesScreen)
        await press_all(app, pilot, "down", "a")  # the list's keys act once it has focus
        await pilot.press(*"Zoë Adeyemi")
        await pilot.press("tab", *"000777", "tab", *"Beauty", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, EmployeesScreen)
        assert "Zoë Adeyemi" in table_text(app.screen, "#employees")
    with Store.open(db_path) as store:
        added = [e for e in list_employees(store) if e.employee_ref == "000777"]
    assert [(e.name, e.team) for e in added] == [("Zoë Adeyemi", "Beauty")]


async def test_a_logged_observation_shows_on_the_employee_page_and_a_correction_keeps_history(
    db_path, team
):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        await press_all(app, pilot, "o", *"nowak", "enter", *"apolog", "enter", "x", "k")
        await pilot.press(*"Talked over the customer")
        await press_all(app, pilot, "enter")
        assert isinstance(app.screen, HomeScreen)
        assert "Ben Nowak" in table_text(app.screen, "#today")
        await press_all(app, pilot, "enter")  # open the employee from today's list
        assert isinstance(app.screen, EmployeePage)
        page_text = table_text(app.screen, "#timeline")
        assert "Talked over the customer" in page_text and "missed (skill)" in page_text
        await press_all(app, pilot, "c")  # correct it: it was a system problem after all
        assert isinstance(app.screen, ObservationForm)
        await press_all(app, pilot, "x", "s", "ctrl+s")
        assert isinstance(app.screen, EmployeePage)
        assert "missed (system)" in table_text(app.screen, "#timeline")
    with Store.open(db_path) as store:
        (saved,) = employee_timeline(store, team[1].id)
        entries = history(store, "observation", saved.id)
    assert saved.behaviour_id == "complaint.apologises"
    assert (saved.outcome.value, saved.cause.value) == ("missed", "system")
    assert [e.action for e in entries] == ["create", "edit"]
    assert entries[1].before["cause"] == "skill" and entries[1].after["cause"] == "system"


async def test_logging_a_miss_asks_for_the_cause_and_a_met_does_not(db_path, team):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        await press_all(app, pilot, "o", *"amira", "enter", "1")
        form = app.screen
        assert not form.query_one("#cause").display
        await press_all(app, pilot, "x")
        assert form.query_one("#cause").display and form.query_one("#cause").has_focus
        await press_all(app, pilot, "shift+tab", "m")
        assert not form.query_one("#cause").display


async def test_escape_with_unsaved_input_asks_before_discarding(db_path, team):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        await press_all(app, pilot, "o", *"amira", "enter", "1", "escape")
        assert isinstance(app.screen, ConfirmDialog)
        await press_all(app, pilot, "n")  # keep editing
        assert isinstance(app.screen, ObservationForm)
        await press_all(app, pilot, "escape", "y")
        assert isinstance(app.screen, HomeScreen)
        await press_all(app, pilot, "o", "escape")  # nothing typed: leaves at once
        assert isinstance(app.screen, HomeScreen)
    with Store.open(db_path) as store:
        assert employee_timeline(store, team[0].id) == []


async def test_another_for_the_same_person_starts_at_the_behaviour(db_path, team):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        await press_all(app, pilot, "o", *"amira", "enter", "1", "m", "enter")
        await press_all(app, pilot, "a", "2", "e", "enter")
    with Store.open(db_path) as store:
        outcomes = sorted(o.outcome.value for o in employee_timeline(store, team[0].id))
    assert outcomes == ["exceeded", "met"]


async def test_notes_with_markup_are_shown_literally(db_path, store, team):
    note = "[bold]great[/bold] save [link=x]here[/link] \x1b[31mred"
    log_observation(
        store,
        ObservationInput(
            employee_id=team[0].id,
            behaviour_id="greeting.eye-contact",
            outcome="exceeded",
            note=note,
        ),
        supervisor="[i]lead[/i]",
    )
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(200, 50)) as pilot:  # room for the whole note, uncut
        await wait_ready(app, pilot)
        shown = table_text(app.screen, "#today")
        assert "[bold]great[/bold] save [link=x]here[/link] ␛[31mred" in shown
        await press_all(app, pilot, "enter")
        assert "[i]lead[/i]" in table_text(app.screen, "#timeline")


async def test_the_command_palette_reaches_the_roster(db_path, team):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        await choose_in_palette(app, pilot, "employees", "Employees")
        assert isinstance(app.screen, EmployeesScreen)


async def test_deactivating_keeps_the_person_but_hides_them_from_logging(db_path, team):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        await press_all(app, pilot, "e", "down", "d")  # first row: Fashion team, by name
    with Store.open(db_path) as store:
        active = {e.name for e in list_employees(store)}
        everyone = {e.name for e in list_employees(store, include_inactive=True)}
    assert everyone - active == {"Amira Okafor"}


async def test_a_broken_catalogue_stops_the_app_with_the_file_and_field(db_path, tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text('[catalogue]\nid = "x"\ntitle = "X"\nversion = "1"\n', encoding="utf-8")
    app = FloorcoachApp(db_path=db_path, catalogue_paths=[broken])
    async with app.run_test(size=SIZE) as pilot:
        screen = await wait_for_screen(app, pilot, ProblemScreen)
        text = str(screen.query_one("#problem-text").content)
        assert "broken.toml" in text and "touch_point" in text
        assert "catalogue check" in str(screen.query_one("#problem-hint").content)
    assert not db_path.exists()  # nothing was created on half a catalogue


async def test_first_run_offers_demo_data(db_path):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        assert isinstance(app.screen, WelcomeScreen)
        await press_all(app, pilot, "d")
        assert isinstance(app.screen, HomeScreen)
    with Store.open(db_path) as store:
        assert len(list_employees(store)) == 24
        by = dict(store.conn.execute("SELECT supervisor, count(*) FROM observation GROUP BY 1"))
    assert set(by) == {"Test Supervisor", "Alex Morgan", "Jo Bennett"}
    assert by["Test Supervisor"] > sum(by.values()) / 5  # about a third are "yours"


async def test_the_command_palette_opens_an_employee_by_name(db_path, team):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        await choose_in_palette(app, pilot, "carter", "Ben Carter")
        assert isinstance(app.screen, EmployeePage)
        assert app.screen.employee.name == "Ben Carter"


async def test_the_standard_shown_is_the_one_of_the_behaviour_chosen(db_path, team):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        await press_all(app, pilot, "o", *"amira", "enter", "down")
        form = app.screen
        highlighted = str(form.query_one("#standard").content)
        assert "greeting.acknowledge-waiting" in highlighted  # follows the highlight
        await press_all(app, pilot, "7")
        chosen = form.behaviour
        assert chosen.id in str(form.query_one("#standard").content)
        assert chosen.id != "greeting.eye-contact"


async def test_deleting_an_observation_asks_first_and_keeps_the_history(db_path, store, team):
    saved = log_observation(
        store,
        ObservationInput(
            employee_id=team[0].id, behaviour_id="greeting.eye-contact", outcome="met"
        ),
        supervisor="Lead",
    )
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_ready(app, pilot)
        await press_all(app, pilot, "enter")  # today's only row: Amira's page
        assert isinstance(app.screen, EmployeePage)
        await press_all(app, pilot, "delete")
        assert isinstance(app.screen, ConfirmDialog)
        await press_all(app, pilot, "n")  # changed their mind: nothing happens
        assert app.screen.query_one("#timeline", DataTable).row_count == 1
        await press_all(app, pilot, "delete", "y")
        assert isinstance(app.screen, EmployeePage)
        assert app.screen.query_one("#timeline", DataTable).row_count == 0
    with Store.open(db_path) as check:
        assert employee_timeline(check, team[0].id) == []
        assert [e.action for e in history(check, "observation", saved.id)] == [
            "create",
            "delete",
        ]
