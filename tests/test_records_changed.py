"""Screens learn of changed records by a message (RecordsChanged), not by the app calling
into them: a screen you can see reloads at once, a covered one when it is shown again."""

from __future__ import annotations

import inspect

from textual.screen import Screen
from textual.widgets import DataTable

from floorcoach.app import FloorcoachApp
from floorcoach.employees import add_employee
from floorcoach.models import EmployeeInput
from floorcoach.screens.employee_page import EmployeePage
from floorcoach.screens.employees import EmployeesScreen
from floorcoach.screens.home import HomeScreen
from floorcoach.screens.observation_form import ObservationForm
from floorcoach.widgets.confirm import ConfirmDialog
from floorcoach.widgets.records_changed import Records, RecordsChanged, ShowsRecords

from .pilot import press_all, settle, wait_for_screen, wait_ready

SUPERVISOR = "Test Supervisor"


def _count_loads(monkeypatch, screen) -> list[None]:
    """Every call of this screen's `refresh_data`, from wherever it comes."""
    loads: list[None] = []
    load = screen.refresh_data

    def counted() -> None:
        loads.append(None)
        load()

    monkeypatch.setattr(screen, "refresh_data", counted)
    return loads


def _record_messages(monkeypatch) -> list[tuple[Screen, RecordsChanged]]:
    """Every RecordsChanged a records screen handles, with the screen that got it."""
    seen: list[tuple[Screen, RecordsChanged]] = []
    handle = ShowsRecords.on_records_changed

    def recorded(screen, message: RecordsChanged) -> None:
        seen.append((screen, message))
        handle(screen, message)

    monkeypatch.setattr(ShowsRecords, "on_records_changed", recorded)
    return seen


def _keys(table: DataTable) -> list[str]:
    return [row.value for row in table.rows]


async def test_an_observation_saved_over_the_employee_page_reaches_the_page_and_home(
    db_path, team, monkeypatch
):
    amira = team[0]
    messages = _record_messages(monkeypatch)
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        home = app.screen
        assert isinstance(home, HomeScreen)
        app.open_employee(amira)
        page = await wait_for_screen(app, pilot, EmployeePage)
        await settle(app, pilot)
        assert page.query_one("#timeline", DataTable).row_count == 0
        page_loads, home_loads = _count_loads(monkeypatch, page), _count_loads(monkeypatch, home)
        messages.clear()

        await press_all(app, pilot, "o")  # the form, on top of the page, on top of home
        await wait_for_screen(app, pilot, ObservationForm)
        await press_all(app, pilot, "1", "m", "enter")  # first behaviour, met, save

        assert app.screen is page
        told = {type(screen): message for screen, message in messages}
        assert set(told) == {HomeScreen, EmployeePage} and len(messages) == 2
        for message in told.values():
            assert Records.OBSERVATIONS in message.kinds and message.employee_id == amira.id
        # The page shows the new observation, loaded once: the message and its return
        # to the top (resume) did not load it twice.
        [observation_id] = _keys(page.query_one("#timeline", DataTable))
        assert len(page_loads) == 1
        # Home is covered: it waits until it is shown again, then loads once.
        assert home_loads == [] and home._reload_due
        assert _keys(home.query_one("#today", DataTable)) == []

        await press_all(app, pilot, "escape")
        assert app.screen is home
        assert _keys(home.query_one("#today", DataTable)) == [observation_id]
        assert len(home_loads) == 1 and not home._reload_due


async def test_a_screen_behind_a_dialog_reloads_at_once(db_path, store, team):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await press_all(app, pilot, "e")
        employees = await wait_for_screen(app, pilot, EmployeesScreen)
        await settle(app, pilot)
        dialog = ConfirmDialog("Anything", yes="Yes")
        app.push_screen(dialog)
        await settle(app, pilot)

        dana = add_employee(store, EmployeeInput(name="Dana Ruiz", team="Home"), by=SUPERVISOR)
        app.records_changed({Records.EMPLOYEES}, employee_id=dana.id)
        await settle(app, pilot)
        assert app.screen is dialog  # still open, and the list behind it shows Dana
        assert dana.id in _keys(employees.query_one("#employees", DataTable))


async def test_the_app_calls_no_screen_method_only_posts_the_message(db_path, team):
    class OldStyleScreen(Screen):
        """A screen with a `refresh_data` but no RecordsChanged handler."""

        def __init__(self) -> None:
            super().__init__()
            self.calls = 0

        def refresh_data(self) -> None:
            self.calls += 1

    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        old = OldStyleScreen()
        app.push_screen(old)
        await settle(app, pilot)
        app.records_changed()
        await settle(app, pilot)
        assert old.calls == 0  # nothing reaches for refresh_data by name any more
    assert not hasattr(FloorcoachApp, "refresh_screens")
    source = inspect.getsource(FloorcoachApp)
    assert "refresh_data" not in source and 'getattr(screen, "' not in source


def test_a_change_concerns_the_kinds_a_screen_shows_and_the_person_it_is_about():
    shows = frozenset({Records.EMPLOYEES})
    assert RecordsChanged({Records.EMPLOYEES}).concerns(shows)
    assert not RecordsChanged({Records.OBSERVATIONS, Records.FOCUS}).concerns(shows)
    assert RecordsChanged().concerns(shows)  # no kinds named: everything changed

    everything = frozenset(Records)
    assert RecordsChanged(employee_id="amira").concerns(everything, about="amira")
    assert RecordsChanged(employee_id="amira").concerns(everything)  # a screen about anyone
    assert RecordsChanged().concerns(everything, about="amira")  # a change about anyone
    assert not RecordsChanged(employee_id="ben").concerns(everything, about="amira")
    # Erased: a screen about them has nothing left to load; every other screen reloads.
    erased = RecordsChanged(employee_id="amira", erased=True)
    assert not erased.concerns(everything, about="amira")
    assert erased.concerns(everything)


async def test_an_answer_for_a_screen_on_its_way_out_is_dropped(db_path, team):
    """Going home pops the screen at once but removes its widgets over later frames: an
    answer arriving between the two must not reach the half-removed screen (it used to, as
    "No nodes match '#team'")."""
    from floorcoach.app import _alive

    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await wait_ready(app, pilot)
        app.action_show_employees()
        screen = await wait_for_screen(app, pilot, EmployeesScreen)
        await settle(app, pilot)
        assert _alive(screen._show_teams)
        leaving = app.pop_screen()
        assert screen.is_attached  # still in the DOM while its widgets go
        assert not _alive(screen._show_teams)
        await leaving
        assert not _alive(screen._show_teams)
        assert isinstance(app.screen, HomeScreen) and _alive(app.screen.refresh_data)
        assert not [n for n in app._notifications if n.severity == "error"]
