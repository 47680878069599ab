"""The app on a device of an organisation: it syncs in the background and says how in the
header, its Organisation screen settles conflicts, and others' records are read-only.

Real SQLite files and a real PostgreSQL server (tests/pg_server.py). The devices join and
the other supervisors write with the core, in this process (quicker than a `floorcoach`
process each); the device under test is driven through the app with Pilot only.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from floorcoach.app import FloorcoachApp
from floorcoach.coaching import CoachingInput, create_coaching
from floorcoach.models import ObservationInput, Outcome
from floorcoach.observations import edit_observation, get_observation, log_observation
from floorcoach.org.link import URL
from floorcoach.org.supervisors import add_supervisor
from floorcoach.org.sync import join, status, sync
from floorcoach.screens.coaching_record import CoachingRecordScreen
from floorcoach.screens.employee_page import EmployeePage
from floorcoach.screens.focus import FocusScreen
from floorcoach.screens.observation_form import ObservationForm
from floorcoach.screens.organisation import OrganisationScreen
from floorcoach.store import Store
from floorcoach.widgets.choice_dialog import ChoiceDialog
from floorcoach.widgets.sync_state import SYNC_GROUP, BackgroundSync
from floorcoach.workspace import open_workspace

from . import pg_server
from .conftest import SUPERVISOR
from .pg_server import OrgDatabase
from .pilot import choose_in_palette, press_all, settle, wait_for_screen, wait_ready

org_store, org_template = pg_server.org_store, pg_server.org_template  # fixtures

EYE = "greeting.eye-contact"
PASSWORD = "floor-secret-42"  # every login's here; libpq takes it from PGPASSWORD


@pytest.fixture
def org(org_store: OrgDatabase, monkeypatch) -> OrgDatabase:
    """An org with a two-person Fashion roster; Ana and Bob observe Fashion."""
    with org_store.connect() as conn:
        for login, name in (("ana", "Ana Lima"), ("bob", "Bob Stone")):
            add_supervisor(conn, login, name=name, teams=["Fashion"], leads=[], hr=False)
        conn.execute(
            "INSERT INTO floorcoach.employee(employee_ref, name, team) VALUES "
            "('F1', 'Amira Okafor', 'Fashion'), ('F2', 'Ben Nowak', 'Fashion')"
        )
    for login in ("ana", "bob"):
        org_store.set_password(login, PASSWORD)
    monkeypatch.setenv("PGPASSFILE", "/nonexistent/floorcoach-test-pgpass")
    monkeypatch.setenv("PGPASSWORD", PASSWORD)
    monkeypatch.setattr(BackgroundSync, "every", 600.0)  # a test that wants ticks says so
    return org_store


def device(folder: Path, org: OrgDatabase, login: str) -> Path:
    """A device file, joined to the org as `login`."""
    db = folder / "floorcoach.db"
    with open_workspace(db) as store:
        join(store, org.url(login), local_name=SUPERVISOR)  # the app's name, as `org join`
    return db


def employee_id(db: Path, ref: str) -> str:
    with Store.open(db, create=False) as store:
        return store.query("SELECT id FROM employee WHERE employee_ref = ?", (ref,))[0]["id"]


def log(db: Path, ref: str, note: str, by: str) -> str:
    with Store.open(db, create=False) as store:
        data = ObservationInput(
            employee_id=employee_id(db, ref), behaviour_id=EYE, outcome=Outcome.MET, note=note
        )
        return log_observation(store, data, supervisor=by).id


def notes_on_server(org: OrgDatabase) -> set[str]:
    with org.connect() as conn:
        return {row[0] for row in conn.execute("SELECT note FROM floorcoach.observation")}


async def wait_until(pilot, condition, what: str, timeout: float = 20.0) -> None:
    """Poll the app (its background sync runs in a thread) until `condition()` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        await pilot.pause(0.05)


def header(app: FloorcoachApp) -> str:
    from textual.widgets._header import HeaderTitle

    return str(app.screen.query_one(HeaderTitle).render())


def sync_workers(app: FloorcoachApp) -> list:
    return [worker for worker in app.workers if worker.group == SYNC_GROUP]


async def test_a_device_that_never_joined_shows_nothing_about_sync_and_starts_none(
    db_path, team, monkeypatch
):
    monkeypatch.setenv("FLOORCOACH_ORG_URL", "host=/nonexistent-socket-dir dbname=org")
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(app, pilot)
        assert app.org_sync is None and not sync_workers(app)
        assert app.title == "floorcoach" and "sync" not in header(app)
        await choose_in_palette(app, pilot, "organisation", "Organisation")
        screen = await wait_for_screen(app, pilot, OrganisationScreen)
        await settle(app, pilot)
        shown = str(screen.query_one("#org-summary").render())
        assert "has not joined an organisation" in shown and "floorcoach org join URL" in shown
        assert not screen.query_one("#org-conflicts").display
        await press_all(app, pilot, "s")
        assert app.org_sync is None and not sync_workers(app)


async def test_a_save_syncs_in_the_background_and_the_header_says_when(org, tmp_path):
    ana = device(tmp_path / "ana", org, "ana")
    app = FloorcoachApp(db_path=ana)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(app, pilot)
        await wait_until(pilot, lambda: "synced just now" in header(app), "the first sync")
        await press_all(app, pilot, "o", "a", "m", "i", "enter", "1", "m")
        await pilot.press("enter")  # saved: the sync starts in a worker; input goes on
        await wait_until(pilot, lambda: len(notes_on_server(org)) == 1, "the save went up")
        await wait_until(pilot, lambda: app.org_sync.state.waiting == 0, "nothing waits")
        assert header(app).startswith("floorcoach · synced just now")
        assert "waiting" not in header(app)
    with Store.open(ana, create=False) as store:  # the login's display name, not the app's
        assert [row["supervisor"] for row in store.query("SELECT supervisor FROM observation")] == [
            "Ana Lima"
        ]


async def test_offline_and_a_refused_login_are_header_states_told_once(org, tmp_path, monkeypatch):
    ana = device(tmp_path / "ana", org, "ana")
    log(ana, "F1", "logged on the floor, offline", by="Ana Lima")
    with Store.open(ana, create=False) as store:
        joined = store.setting(URL)
        waiting = status(store).waiting_total  # the observation and its history entry
        store.set_setting(URL, "host=/nonexistent-socket-dir dbname=org user=ana")
    assert waiting == 2
    app = FloorcoachApp(db_path=ana)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_ready(app, pilot)
        await wait_until(pilot, lambda: app.org_sync.state is not None, "the first sync")
        assert "offline · 2 waiting" in header(app)
        assert not app._notifications  # offline is normal: the header says it

        with Store.open(ana, create=False) as store:
            store.set_setting(URL, joined)
        monkeypatch.setenv("PGPASSWORD", "not-the-password")
        for _ in range(2):  # refused twice: told once
            app.org_sync.sync_now()
            await settle(app, pilot)
            assert "login refused · 2 waiting" in header(app)
        told = [n.message for n in app._notifications]
        assert len(told) == 1 and "refused the login" in told[0]
        assert "Traceback" not in told[0] and PASSWORD not in told[0]

        monkeypatch.setenv("PGPASSWORD", PASSWORD)
        app.org_sync.sync_now()
        await settle(app, pilot)
        assert "synced just now" in header(app) and "waiting" not in header(app)
    assert notes_on_server(org) == {"logged on the floor, offline"}


async def test_the_minute_sync_brings_others_records_read_only_with_who_recorded_them(
    org, tmp_path, monkeypatch
):
    ana, bob = device(tmp_path / "ana", org, "ana"), device(tmp_path / "bob", org, "bob")
    monkeypatch.setattr(BackgroundSync, "every", 0.3)  # the app's "every minute"
    app = FloorcoachApp(db_path=ana)
    async with app.run_test(size=(160, 30), notifications=True) as pilot:
        await wait_ready(app, pilot)
        await wait_until(pilot, lambda: app.org_sync.state is not None, "the first sync")
        app.open_employee(_employee(ana, "F2"))
        page = await wait_for_screen(app, pilot, EmployeePage)
        await settle(app, pilot)
        timeline = page.query_one("#timeline")
        assert timeline.row_count == 0

        log(bob, "F2", "Bob saw Ben greet", by="Bob Stone")  # on Bob's device, then his sync
        with Store.open(bob, create=False) as store:
            data = CoachingInput(
                employee_id=employee_id(bob, "F2"),
                kind="corrective",
                behaviour_ids=[EYE],
                said="about eye contact",
                agreed_action="greet sooner",
            )
            coaching = create_coaching(store, data, supervisor="Bob Stone").id
            sync(store)
        with org.connect() as admin:  # and a lead's focus period, written in the org store
            admin.execute(
                "INSERT INTO floorcoach.focus_period(id, team, starts_on, ends_on, note, set_by, "
                "created_at, updated_at) VALUES (gen_random_uuid(), 'Fashion', current_date, "
                "current_date + 30, 'greetings first', 'Lea Park', now(), now())"
            )
            admin.execute(
                "INSERT INTO floorcoach.focus_behaviour(focus_id, position, behaviour_id) "
                "SELECT id, 0, %s FROM floorcoach.focus_period",
                (EYE,),
            )
        await wait_until(pilot, lambda: timeline.row_count == 2, "Bob's records show")
        rows = [" ".join(str(cell) for cell in timeline.get_row_at(i)) for i in range(2)]
        assert any("Bob saw Ben greet" in row and "Bob Stone" in row for row in rows)

        app.org_sync.stop()  # no more ticks: what follows is about the record alone
        await settle(app, pilot)
        timeline.move_cursor(row=next(i for i, r in enumerate(rows) if "Bob saw" in r))
        for key in ("c", "delete"):  # correct, delete: refused before any form or question
            app.clear_notifications()
            await press_all(app, pilot, key)
            assert app.screen is page and not isinstance(app.screen, ObservationForm)
            told = [n.message for n in app._notifications]
            assert any("recorded by Bob Stone and came from the organisation" in m for m in told)

        app.push_screen(CoachingRecordScreen(coaching))
        record = await wait_for_screen(app, pilot, CoachingRecordScreen)
        await settle(app, pilot)
        assert "by Bob Stone" in str(record.query_one("#record-header").render())
        for key in ("e", "delete"):  # edit, delete
            app.clear_notifications()
            await press_all(app, pilot, key)
            assert app.screen is record
            told = [n.message for n in app._notifications]
            assert any("coaching session was recorded by Bob Stone" in m for m in told)

        app.push_screen(FocusScreen())
        focus = await wait_for_screen(app, pilot, FocusScreen)
        await wait_until(pilot, lambda: focus.query_one("#focus-list").row_count == 1, "focus")
        app.clear_notifications()
        await press_all(app, pilot, "e")
        assert app.screen is focus
        told = [n.message for n in app._notifications]
        assert any("focus period was recorded by Lea Park" in m for m in told)
        with Store.open(ana, create=False) as store:
            notes = [r["note"] for r in store.query("SELECT note FROM observation")]
            assert notes == ["Bob saw Ben greet"]
            assert len(store.query("SELECT id FROM coaching_session")) == 1


def _employee(db: Path, ref: str):
    from floorcoach.employees import get_employee

    with Store.open(db, create=False) as store:
        return get_employee(store, employee_id(db, ref))


def _edit(db: Path, observation_id: str, note: str, by: str) -> None:
    with Store.open(db, create=False) as store:
        before = get_observation(store, observation_id)
        data = ObservationInput(
            employee_id=before.employee_id,
            behaviour_id=before.behaviour_id,
            outcome=before.outcome,
            note=note,
            observed_at=before.observed_at,
        )
        edit_observation(store, observation_id, data, by=by, expected_version=before.version)


def _synced(db: Path) -> None:
    with Store.open(db, create=False) as store:
        sync(store)


async def test_the_organisation_screen_shows_what_waits_and_settles_a_conflict_at_80x24(
    org, tmp_path
):
    laptop = device(tmp_path / "laptop", org, "ana")
    record = log(laptop, "F1", "first words", by="Ana Lima")
    _synced(laptop)
    tablet = device(tmp_path / "tablet", org, "ana")  # her own record comes down, editable
    _edit(laptop, record, "laptop words", by="Ana Lima")  # both offline, both edit it
    _edit(tablet, record, "tablet words", by="Ana Lima")
    _synced(tablet)  # the first to reach the server
    _synced(laptop)  # the second: a conflict on the laptop
    log(laptop, "F1", "one more, waiting", by="Ana Lima")
    with Store.open(laptop, create=False) as store:
        joined = store.setting(URL)
        store.set_setting(URL, joined + " connect_timeout=1 host=/nonexistent-dir")

    app = FloorcoachApp(db_path=laptop)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_ready(app, pilot)
        await wait_until(pilot, lambda: app.org_sync.state is not None, "the first sync")
        assert "offline · 2 waiting · 1 conflict" in header(app)
        await choose_in_palette(app, pilot, "organisation", "Organisation")
        screen = await wait_for_screen(app, pilot, OrganisationScreen)
        await settle(app, pilot)
        summary = str(screen.query_one("#org-summary").render())
        assert "Server: " in summary and "user=ana" in summary and PASSWORD not in summary
        assert "Signed in as: ana (Ana Lima)" in summary and "Last sync: 20" in summary
        assert "Waiting to go up: 1 observation, 1 history entry" in summary
        assert "Not synced: cannot reach the organisation's server" in summary
        table = screen.query_one("#org-conflicts")
        assert table.row_count == 1
        assert "Amira Okafor" in " ".join(map(str, table.get_row_at(0)))
        for widget in (screen.query_one("#org-summary-box"), table):  # all of it at 80x24
            assert widget.region.height and widget.region.bottom <= 23
        footer = " ".join(str(b) for b in screen.active_bindings.values())
        assert "Sync now" in footer

        await press_all(app, pilot, "enter")
        dialog = app.screen
        assert isinstance(dialog, ChoiceDialog)
        body = str(dialog.query_one("#choice-body").render())
        assert "'tablet words'" in body and "'laptop words'" in body
        await press_all(app, pilot, "k")  # keep editing: it stays listed
        assert app.screen is screen and table.row_count == 1

        with Store.open(laptop, create=False) as store:  # back online
            store.set_setting(URL, joined)
        await press_all(app, pilot, "enter", "s")  # save mine over it
        await wait_until(pilot, lambda: table.row_count == 0, "the conflict is settled")
        await press_all(app, pilot, "s")  # sync now
        await wait_until(
            pilot, lambda: "laptop words" in notes_on_server(org), "mine reached the org"
        )
        await settle(app, pilot)
        assert "synced just now" in header(app) and "conflict" not in header(app)
        assert "Waiting to go up: nothing" in str(screen.query_one("#org-summary").render())


def test_the_header_says_how_long_ago_what_waits_and_the_conflicts():
    from datetime import UTC, datetime, timedelta

    from floorcoach.org.background import FAILED, OFFLINE, REFUSED, SYNCED, SyncState

    now = datetime(2026, 12, 2, 15, 30, tzinfo=UTC)
    synced = SyncState(SYNCED, "", now - timedelta(minutes=2, seconds=5), 0, 0)
    assert synced.header(now) == "synced 2 min ago"
    assert (
        SyncState(SYNCED, "", now, 3, 1).header(now) == "synced just now · 3 waiting · 1 conflict"
    )
    assert SyncState(SYNCED, "", now - timedelta(hours=5), 0, 0).header(now) == "synced 5 h ago"
    assert SyncState(OFFLINE, "…", now, 12, 0).header(now) == "offline · 12 waiting"
    assert SyncState(REFUSED, "…", None, 0, 2).header(now) == "login refused · 2 conflicts"
    assert SyncState(FAILED, "…", None, 1, 0).header(now) == "sync failed · 1 waiting"
