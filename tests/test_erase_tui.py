"""Erasing a person on a data-protection request from the app, as HR or a manager would."""

from __future__ import annotations

from textual.widgets import DataTable, Static

from floorcoach.app import FloorcoachApp
from floorcoach.coaching import CoachingInput, create_coaching
from floorcoach.employees import add_employee, get_employee
from floorcoach.erasure import describe_counts, erasure_log, person_tables, plan_erasure
from floorcoach.models import EmployeeInput, ObservationInput
from floorcoach.observations import count_observations, log_observation
from floorcoach.screens.employee_page import EmployeePage
from floorcoach.screens.employees import EmployeesScreen
from floorcoach.store import RecordNotFound, Store
from floorcoach.widgets.erase_dialog import EraseDialog

from .pilot import press_all, settle, wait_for_screen, wait_ready

SUPERVISOR = "Test Supervisor"
NOW = "2026-11-25T10:00:00+00:00"


def _records_about(db_path, person):
    """Give a person two observations and a coaching session (with its follow-up)."""
    with Store.open(db_path) as store:
        seen = [
            log_observation(
                store,
                ObservationInput(
                    employee_id=person.id,
                    behaviour_id="greeting.eye-contact",
                    outcome=outcome,
                    cause="skill" if outcome == "missed" else None,
                    note=f"about {person.name}",
                ),
                supervisor=SUPERVISOR,
            )
            for outcome in ("missed", "met")
        ]
        create_coaching(
            store,
            CoachingInput(
                employee_id=person.id,
                kind="development",
                behaviour_ids=["greeting.eye-contact"],
                said=f"talked with {person.name}",
                agreed_action="eye contact first",
                observation_ids=[seen[0].id],
            ),
            supervisor=SUPERVISOR,
        )


def _rows_per_table(db_path, person) -> dict[str, int]:
    """Rows about the person in every table with an employee_id column (as erasure tests do)."""
    with Store.open(db_path) as store:
        return {
            table: store.conn.execute(
                f'SELECT count(*) FROM "{table}" WHERE employee_id = ?', (person.id,)
            ).fetchone()[0]
            for table in person_tables(store.conn)
        }


def _log_entries(db_path) -> list[dict]:
    with Store.open(db_path) as store:
        return erasure_log(store)


def _shown(dialog: EraseDialog) -> str:
    """The dialog as painted on the terminal (markup would have been applied by now)."""
    strips = dialog._compositor.render_strips()
    return "\n".join(strip.text for strip in strips)


def _message(dialog: EraseDialog) -> str:
    return str(dialog.query_one("#erase-message", Static).content)


async def _open_dialog_on(app, pilot, person) -> EraseDialog:
    """From home: the employee list, the cursor on `person`, then ctrl+x."""
    await press_all(app, pilot, "e")
    screen = await wait_for_screen(app, pilot, EmployeesScreen)
    await settle(app, pilot)
    table = screen.query_one("#employees", DataTable)
    table.move_cursor(row=table.get_row_index(person.id))
    await settle(app, pilot)
    assert screen._selected().id == person.id
    await press_all(app, pilot, "ctrl+x")
    dialog = await wait_for_screen(app, pilot, EraseDialog)
    await settle(app, pilot)
    return dialog


async def test_erasing_from_the_list_needs_the_exact_ref_and_takes_only_that_person(
    db_path, team, monkeypatch
):
    monkeypatch.setenv("FLOORCOACH_NOW", NOW)
    amira, ben = team[0], team[1]
    for person in (amira, ben):
        _records_about(db_path, person)
    ben_before = _rows_per_table(db_path, ben)
    with Store.open(db_path) as store:
        planned = plan_erasure(store, amira.id)
    assert planned["observation"] == 2 and planned["coaching_session"] == 1

    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_ready(app, pilot)
        dialog = await _open_dialog_on(app, pilot, amira)
        shown = _shown(dialog)
        assert "Amira Okafor" in shown and "ref 000123" in shown and "team Fashion" in shown
        plan = dialog.query_one("#erase-plan", Static)
        assert str(plan.content) == describe_counts(planned)  # the CLI's wording, rehearsed
        assert "2 observations" in shown and "1 employee record" in shown
        assert "cannot be undone" in shown and "keeps only that it happened" in shown

        # Ben's ref, then a part of Amira's: refused, and nothing is erased.
        await press_all(app, pilot, *"000124", "enter")
        assert app.screen is dialog
        assert "not their ref" in _message(dialog) and "nothing was erased" in _message(dialog)
        await press_all(app, pilot, "ctrl+u", *"00012", "enter")
        assert app.screen is dialog
        assert "not their ref" in _message(dialog)
        with Store.open(db_path) as store:
            assert get_employee(store, amira.id).name == "Amira Okafor"
            assert count_observations(store, amira.id) == 2
        assert _rows_per_table(db_path, amira)["coaching_session"] == 1
        assert _log_entries(db_path) == []

        await press_all(app, pilot, "ctrl+u", *"000123", "enter")
        employees = app.screen
        assert isinstance(employees, EmployeesScreen)

        with Store.open(db_path) as store:
            try:
                get_employee(store, amira.id)
            except RecordNotFound:
                pass
            else:
                raise AssertionError("Amira is still in the database")
        assert _rows_per_table(db_path, amira) == {t: 0 for t in ben_before}
        assert _rows_per_table(db_path, ben) == ben_before  # nobody else lost anything
        [entry] = _log_entries(db_path)
        assert entry["subject_id"] == amira.id and entry["erased_by"] == SUPERVISOR
        assert entry["counts"] == planned

        table = employees.query_one("#employees", DataTable)
        keys = [row.value for row in table.rows]
        assert amira.id not in keys and ben.id in keys
        assert all(e.id != amira.id for e in employees._employees)
        messages = [n.message for n in app._notifications]
        assert f"Erased: {sum(planned.values())} records about Amira Okafor" in messages


async def test_escape_cancels_and_erases_nothing(db_path, team, monkeypatch):
    monkeypatch.setenv("FLOORCOACH_NOW", NOW)
    amira = team[0]
    _records_about(db_path, amira)
    before = _rows_per_table(db_path, amira)

    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await _open_dialog_on(app, pilot, amira)
        await press_all(app, pilot, *"000123", "escape")  # typed, but never confirmed
        assert isinstance(app.screen, EmployeesScreen)
        table = app.screen.query_one("#employees", DataTable)
        assert amira.id in [row.value for row in table.rows]
    assert _rows_per_table(db_path, amira) == before
    assert _log_entries(db_path) == []


async def test_every_key_of_the_employee_list_fits_its_footer_erase_included(db_path, team):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:  # seen at the usual width, not cut off
        await wait_ready(app, pilot)
        await press_all(app, pilot, "e")
        screen = await wait_for_screen(app, pilot, EmployeesScreen)
        shown = [b.binding for b in screen.active_bindings.values() if b.binding.show]
        assert "erase-employee" in {binding.id for binding in shown}
        footer = screen._compositor.render_strips()[-1].text
        for binding in shown:
            assert f"{app.get_key_display(binding)} {binding.description}" in footer


async def test_a_name_with_markup_is_shown_literally_in_the_dialog(db_path, store, monkeypatch):
    monkeypatch.setenv("FLOORCOACH_NOW", NOW)
    person = add_employee(
        store, EmployeeInput(name="[bold]x[/bold] Zed", team="[i]Shop[/i]"), by=SUPERVISOR
    )
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        dialog = await _open_dialog_on(app, pilot, person)
        shown = _shown(dialog)
        assert "[bold]x[/bold] Zed   ref –   team [i]Shop[/i]" in shown
        # No ref: the full name is what must be typed, and it is shown literally too.
        assert "Type their full name to confirm: [bold]x[/bold] Zed" in shown
        await press_all(app, pilot, "escape")
    assert get_employee(store, person.id).name == "[bold]x[/bold] Zed"


async def test_erasing_from_the_employee_page_closes_the_page(db_path, store, monkeypatch):
    monkeypatch.setenv("FLOORCOACH_NOW", NOW)
    person = add_employee(store, EmployeeInput(name="Chris Doe", team="Home"), by=SUPERVISOR)
    _records_about(db_path, person)
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_ready(app, pilot)
        app.open_employee(person)
        page = await wait_for_screen(app, pilot, EmployeePage)
        await settle(app, pilot)
        await press_all(app, pilot, "ctrl+x")
        dialog = await wait_for_screen(app, pilot, EraseDialog)
        await settle(app, pilot)
        await press_all(app, pilot, *"Chris", "enter")  # part of the name is not enough
        assert app.screen is dialog and "not their full name" in _message(dialog)
        assert count_observations(store, person.id) == 2

        await press_all(app, pilot, "ctrl+u", *"chris doe", "enter")  # case does not matter
        assert page not in app.screen_stack
        assert not isinstance(app.screen, EraseDialog)
        messages = [n.message for n in app._notifications]
        assert any(m.startswith("Erased: ") and "Chris Doe" in m for m in messages)
        errors = [n.message for n in app._notifications if n.severity == "error"]
        assert errors == []
    assert _rows_per_table(db_path, person) == {t: 0 for t in person_tables(store.conn)}
    assert len(_log_entries(db_path)) == 1


async def test_a_busy_database_is_reported_in_the_dialog_and_nothing_is_erased(
    db_path, team, monkeypatch
):
    monkeypatch.setenv("FLOORCOACH_NOW", NOW)
    amira = team[0]
    _records_about(db_path, amira)
    before = _rows_per_table(db_path, amira)
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_ready(app, pilot)
        dialog = await _open_dialog_on(app, pilot, amira)
        other = Store.open(db_path)  # another floorcoach holding the write lock
        other.conn.execute("BEGIN IMMEDIATE")
        try:
            await press_all(app, pilot, *"000123", "enter")
            assert app.screen is dialog
            assert "Nothing was erased" in _message(dialog) and "busy" in _message(dialog)
            assert not dialog.query_one("#erase-do").disabled  # they can try again
        finally:
            other.conn.rollback()
            other.close()
        assert _rows_per_table(db_path, amira) == before

        await press_all(app, pilot, "enter")  # the lock is gone: try again
        assert isinstance(app.screen, EmployeesScreen)
    assert _rows_per_table(db_path, amira) == {t: 0 for t in before}
