"""Saved means saved: killed writers, several processes at once, a busy file, conflicting edits."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from floorcoach import store as store_module
from floorcoach.app import FloorcoachApp
from floorcoach.cli import main as cli_main
from floorcoach.employees import get_employee, update_employee
from floorcoach.models import EmployeeInput, ObservationInput
from floorcoach.observations import edit_observation, get_observation, history, log_observation
from floorcoach.store import Store
from floorcoach.widgets.choice_dialog import ChoiceDialog

from .pilot import press_all, settle, wait_ready

DRIVER = Path(__file__).with_name("reliability_driver.py")


def _driver(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(DRIVER), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def _integrity(db_path: Path) -> str:
    conn = sqlite3.connect(str(db_path))
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def _observation_ids(db_path: Path) -> set[str]:
    conn = sqlite3.connect(str(db_path))
    try:
        return {row[0] for row in conn.execute("SELECT id FROM observation")}
    finally:
        conn.close()


# --- durable saves ---------------------------------------------------------------------


def test_every_confirmed_observation_survives_sigkill_at_random_moments(db_path, team):
    """Kill a logging process (SIGKILL) again and again; nothing it confirmed may be lost."""
    rng = random.Random(20261125)
    confirmed: list[str] = []
    kills = 0
    deadline = time.monotonic() + 25
    while kills < 20 and time.monotonic() < deadline:
        process = _driver("log-loop", str(db_path), team[0].id, "100000")
        lines: list[str] = []
        reader = threading.Thread(
            target=lambda p=process, out=lines: out.extend(p.stdout), daemon=True
        )
        reader.start()
        # From the start: some kills land while the process is still opening the file.
        time.sleep(rng.uniform(0.05, 0.9))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        reader.join(timeout=10)
        assert process.returncode == -signal.SIGKILL
        # A line is a confirmation only when complete: the id was printed after the save.
        confirmed += [
            line.strip() for line in lines if line.endswith("\n") and line.strip() != "ready"
        ]
        kills += 1
    assert kills >= 12
    assert len(confirmed) > 50, "the writer never got going; the test proved nothing"
    assert _integrity(db_path) == "ok"
    present = _observation_ids(db_path)
    missing = [i for i in confirmed if i not in present]
    assert not missing, f"{len(missing)} confirmed observations were lost"
    with Store.open(db_path) as store:  # still opens, and every save kept its history
        for observation_id in confirmed[-20:]:
            assert [h.action for h in history(store, "observation", observation_id)] == ["create"]


def test_database_runs_in_wal_with_full_sync_and_foreign_keys(store):
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] == store_module.BUSY_TIMEOUT_MS


# --- several processes at once -----------------------------------------------------------


async def test_tui_and_cli_log_into_the_same_file_at_the_same_time(db_path, team, tmp_path):
    stop = tmp_path / "stop"
    cli = _driver("cli-loop", str(db_path), "000124", str(stop))
    assert cli.stdout.readline().startswith("0 ")  # the CLI is writing before the app starts
    app = FloorcoachApp(db_path=db_path)
    app_saves: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        for again in range(4):
            await press_all(app, pilot, "o", "a", "m", "i", "enter", "1", "m", "enter")
            if again:  # the same observation within a minute: asked, and saved on purpose
                await press_all(app, pilot, "y")
            app_saves.append(time.time())
        await settle(app, pilot)
    stop.touch()
    out, err = cli.communicate(timeout=30)
    results = [line.split() for line in out.splitlines()]
    assert cli.returncode == 0, out + err
    assert all(code == "0" for code, *_ in results), out
    during = [float(t) for _, t in results if app_saves[0] <= float(t) <= app_saves[-1]]
    assert during, "the CLI did not write while the app was saving; the test proved nothing"
    with Store.open(db_path) as store:
        rows = store.query("SELECT employee_id, count(*) AS n FROM observation GROUP BY 1")
    counts = {row["employee_id"]: row["n"] for row in rows}
    assert counts[team[0].id] == 4
    assert counts[team[1].id] == len(results) + 1
    assert _integrity(db_path) == "ok"


def test_two_writers_at_once_lose_nothing(db_path, team):
    writers = [_driver("log-loop", str(db_path), person.id, "150") for person in team[:2]]
    outputs = [w.communicate(timeout=60) for w in writers]
    for writer, (_out, err) in zip(writers, outputs, strict=True):
        assert writer.returncode == 0, err
        assert "locked" not in err
    ids = [line for out, _ in outputs for line in out.split() if line != "ready"]
    assert len(ids) == 300
    assert set(ids) <= _observation_ids(db_path)
    assert _integrity(db_path) == "ok"


def _hold_write_lock(db_path: Path) -> sqlite3.Connection:
    blocker = sqlite3.connect(str(db_path), isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    return blocker


def test_cli_waits_for_a_busy_file_then_says_so_clearly(db_path, team, monkeypatch, capsys):
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 400)
    args = ["--db", str(db_path), "log", "--employee", "000123"]
    args += ["--behaviour", "greeting.eye-contact", "--outcome", "met"]
    blocker = _hold_write_lock(db_path)
    started = time.monotonic()
    code = cli_main(args)
    waited = time.monotonic() - started
    err = capsys.readouterr().err
    blocker.rollback()
    blocker.close()
    assert code == 1
    assert waited >= 0.35  # it waited before giving up
    assert "is busy" in err and "try again" in err and "Traceback" not in err
    assert cli_main(args) == 0  # once the other writer is done, the same command works


async def test_app_save_on_a_busy_file_keeps_the_form_and_saves_on_retry(
    db_path, team, monkeypatch
):
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 300)
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await press_all(app, pilot, "o", "a", "m", "i", "enter", "1", "m")
        await pilot.press(*"busy")
        blocker = _hold_write_lock(db_path)
        await press_all(app, pilot, "enter")
        form = app.screen
        assert type(form).__name__ == "ObservationForm"  # still open, nothing lost
        status = str(form.query_one("#status").render())
        assert "Not saved" in status and "busy" in status
        assert form.query_one("#note").value == "busy"
        blocker.rollback()
        blocker.close()
        await press_all(app, pilot, "ctrl+s")
        assert type(app.screen).__name__ != "ObservationForm"
    with Store.open(db_path) as store:
        notes = [r["note"] for r in store.query("SELECT note FROM observation")]
    assert notes == ["busy"]


# --- conflicting edits ---------------------------------------------------------------------


def _observation(store, employee, note: str):
    data = ObservationInput(
        employee_id=employee.id, behaviour_id="greeting.eye-contact", outcome="met", note=note
    )
    return log_observation(store, data, supervisor="Test Supervisor")


async def _open_correction(app, pilot, employee):
    app.open_employee(employee)
    await settle(app, pilot)
    await press_all(app, pilot, "c")
    assert type(app.screen).__name__ == "ObservationForm"
    return app.screen


def _someone_else_edits(db_path, observation, note):
    with Store.open(db_path) as other:
        data = ObservationInput(
            employee_id=observation.employee_id,
            behaviour_id=observation.behaviour_id,
            outcome="missed",
            cause="system",
            note=note,
        )
        edit_observation(other, observation.id, data, by="Other Supervisor", expected_version=1)


async def test_correcting_an_observation_changed_elsewhere_asks_instead_of_overwriting(
    db_path, store, team
):
    observation = _observation(store, team[0], "original")
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        form = await _open_correction(app, pilot, team[0])
        _someone_else_edits(db_path, observation, "theirs")
        form.query_one("#note").value = "mine"
        await press_all(app, pilot, "ctrl+s")
        assert isinstance(app.screen, ChoiceDialog)
        assert "theirs" in str(app.screen.query_one("#choice-body").render())
        assert get_observation(store, observation.id).note == "theirs"  # not overwritten
        await press_all(app, pilot, "r")  # reload theirs
        assert app.screen is form
        assert form.query_one("#note").value == "theirs"
        assert form.editing.version == 2
        assert "current version" in str(form.query_one("#status").render())
    assert get_observation(store, observation.id).note == "theirs"


async def test_choosing_to_save_mine_over_a_change_keeps_theirs_in_the_history(
    db_path, store, team
):
    observation = _observation(store, team[0], "original")
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        form = await _open_correction(app, pilot, team[0])
        _someone_else_edits(db_path, observation, "theirs")
        form.query_one("#note").value = "mine"
        await press_all(app, pilot, "ctrl+s")
        await press_all(app, pilot, "k")  # keep editing: still not saved
        assert app.screen is form
        assert get_observation(store, observation.id).note == "theirs"
        await press_all(app, pilot, "ctrl+s", "s")  # asked again; this time: save mine
        await settle(app, pilot)
    saved = get_observation(store, observation.id)
    assert (saved.note, saved.version) == ("mine", 3)
    notes = [h.after["note"] for h in history(store, "observation", observation.id)]
    assert notes == ["original", "theirs", "mine"]


async def test_editing_an_employee_changed_elsewhere_asks_instead_of_overwriting(
    db_path, store, team
):
    from floorcoach.screens.employee_form import EmployeeForm

    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        form = EmployeeForm(get_employee(store, team[0].id))
        app.push_screen(form)
        await settle(app, pilot)
        with Store.open(db_path) as other:
            update_employee(
                other,
                team[0].id,
                EmployeeInput(name="Amira Okafor", team="Home", employee_ref="000123"),
                by="HR",
                expected_version=1,
            )
        form.query_one("#team").value = "Beauty"
        await press_all(app, pilot, "ctrl+s")
        assert isinstance(app.screen, ChoiceDialog)
        assert get_employee(store, team[0].id).team == "Home"
        await press_all(app, pilot, "r")
        assert form.query_one("#team").value == "Home"
        form.query_one("#team").value = "Beauty"
        await press_all(app, pilot, "ctrl+s")  # now based on the current version: saves
        await settle(app, pilot)
    assert get_employee(store, team[0].id).team == "Beauty"
    assert os.path.exists(db_path)


def test_opening_another_connection_keeps_this_process_locks(db_path, store, team):
    """Regression: reading the file header with plain I/O while this process had the
    database open dropped its POSIX locks; a CLI closing its connection then believed it
    was the last user and deleted the WAL under the app's feet (a corrupt database)."""
    store.set_setting("probe", "1")  # the -wal exists and this process has it open
    wal = Path(f"{db_path}-wal")
    second = Store.open(db_path)  # another worker of the same app opens the file
    closing_cli = "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('SELECT 1 FROM employee'); c.close()"
    subprocess.run([sys.executable, "-c", closing_cli, str(db_path)], check=True)
    assert wal.exists(), "another process thought it was alone and removed the WAL"
    second.close()
    assert store.query("SELECT count(*) AS n FROM employee")[0]["n"] == 3
