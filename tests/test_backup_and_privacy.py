"""Backups you can restore, private files, erasure on request, and a warning for network drives."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from floorcoach.app import FloorcoachApp
from floorcoach.backup import backup_database
from floorcoach.cli import main as cli_main
from floorcoach.drafts import load_draft, save_draft
from floorcoach.erasure import erase_employee, erasure_log, person_tables, plan_erasure
from floorcoach.filesystems import network_filesystem_warning
from floorcoach.migrations import load_migrations
from floorcoach.models import ObservationInput
from floorcoach.observations import count_observations, log_observation
from floorcoach.store import APPLICATION_ID, Store, StoreError

from .pilot import wait_ready
from .test_durability import DRIVER, _integrity

CURRENT = max(load_migrations())


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _floorcoach(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "floorcoach", *args], capture_output=True, text=True, timeout=60
    )


def _log(store, employee, note="", behaviour="greeting.eye-contact"):
    data = ObservationInput(
        employee_id=employee.id, behaviour_id=behaviour, outcome="met", note=note
    )
    return log_observation(store, data, supervisor="Test Supervisor")


# --- backups -------------------------------------------------------------------------------


def _copy_facts(path: Path) -> dict:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return {
            "integrity": conn.execute("PRAGMA integrity_check").fetchone()[0],
            "app_id": conn.execute("PRAGMA application_id").fetchone()[0],
            "version": conn.execute("PRAGMA user_version").fetchone()[0],
            "journal": conn.execute("PRAGMA journal_mode").fetchone()[0],
            "ids": {r[0] for r in conn.execute("SELECT id FROM observation")},
        }
    finally:
        conn.close()


def test_backup_while_another_process_is_writing_is_a_consistent_copy(db_path, team, tmp_path):
    writer = subprocess.Popen(
        [sys.executable, str(DRIVER), "log-loop", str(db_path), team[0].id, "100000"],
        stdout=subprocess.PIPE,
        text=True,
    )
    confirmed: list[str] = []
    try:
        assert writer.stdout.readline().strip() == "ready"
        for number in range(4):
            confirmed += [writer.stdout.readline().strip() for _ in range(20)]
            seen_before = list(confirmed)
            target = tmp_path / "copies" / f"copy-{number}.db"
            result = _floorcoach("--db", str(db_path), "backup", "--to", str(target))
            assert result.returncode == 0, result.stderr
            assert str(target) in result.stdout and "observations" in result.stdout
            facts = _copy_facts(target)
            assert facts["integrity"] == "ok"
            assert (facts["app_id"], facts["version"]) == (APPLICATION_ID, CURRENT)
            assert facts["journal"] == "delete"  # a standalone file: no -wal needed
            assert set(seen_before) <= facts["ids"]  # everything saved before the copy began
            assert _mode(target) == 0o600
    finally:
        writer.kill()
        writer.wait()
    assert writer.returncode == -9  # it was still writing when the last copy was made
    assert _integrity(db_path) == "ok"


def test_backup_without_a_path_goes_next_to_the_database_with_a_timestamp(
    db_path, store, team, monkeypatch
):
    monkeypatch.setenv("FLOORCOACH_NOW", "2026-11-25T14:30:05+00:00")
    first = backup_database(db_path)
    second = backup_database(db_path)
    assert first.path.parent == db_path.parent
    assert first.path.name == "floorcoach-backup-20261125-143005.db"
    assert second.path.name == "floorcoach-backup-20261125-143005-2.db"  # never overwritten
    assert (first.employees, first.schema_version) == (3, CURRENT)
    assert not [p for p in db_path.parent.iterdir() if p.name.endswith(".partial")]


def test_backup_refuses_the_live_database_and_files_that_are_not_backups(db_path, store, tmp_path):
    with pytest.raises(StoreError, match="live database"):
        backup_database(db_path, db_path)
    precious = tmp_path / "notes.txt"
    precious.write_text("do not overwrite me")
    with pytest.raises(StoreError, match="not overwritten"):
        backup_database(db_path, precious)
    assert precious.read_text() == "do not overwrite me"
    folder = tmp_path / "usb"
    folder.mkdir()
    assert backup_database(db_path, folder).path.parent == folder


def test_restoring_a_backup_as_the_docs_say_brings_back_its_records(db_path, team, tmp_path):
    with Store.open(db_path) as store:
        kept = _log(store, team[0], "before the backup")
    backup = backup_database(db_path, tmp_path / "backup.db").path
    with Store.open(db_path) as store:
        _log(store, team[0], "after the backup")
    # The documented steps: quit floorcoach, move the database and its -wal/-shm aside,
    # copy the backup to the database path, start floorcoach.
    aside = tmp_path / "aside"
    aside.mkdir()
    for suffix in ("", "-wal", "-shm"):
        live = Path(f"{db_path}{suffix}")
        if live.exists():
            shutil.move(live, aside / live.name)
    shutil.copy2(backup, db_path)
    result = _floorcoach("--db", str(db_path), "roster", "list", "--format", "csv")
    assert result.returncode == 0, result.stderr
    with Store.open(db_path) as store:
        notes = [r["note"] for r in store.query("SELECT note FROM observation")]
    assert notes == [kept.note]


# --- private files ---------------------------------------------------------------------------


def test_a_new_database_its_wal_its_backups_and_drafts_are_private(tmp_path, team_free_umask):
    db_path = tmp_path / "fresh" / "floorcoach.db"
    with Store.open(db_path) as store:
        store.set_setting("probe", "1")  # a write, so the -wal and -shm exist
        assert _mode(db_path.parent) == 0o700
        assert _mode(db_path) == 0o600
        for suffix in ("-wal", "-shm"):
            assert _mode(Path(f"{db_path}{suffix}")) == 0o600
    assert _mode(backup_database(db_path).path) == 0o600
    draft = save_draft(db_path, "observation", {"note": "half"}, employee_id=None)
    assert _mode(draft.parent) == 0o700
    assert _mode(draft) == 0o600


@pytest.fixture
def team_free_umask():
    """A careless umask (0): floorcoach must not rely on the user's umask for privacy."""
    previous = os.umask(0)
    yield
    os.umask(previous)


# --- employee forget -------------------------------------------------------------------------

MARKER = "ERASE-ME-7f3a"


def _marker_counts(folder: Path, *needles: str) -> dict[str, int]:
    """Count needles in the raw bytes of every file, read by ANOTHER process.

    Reading the live database with plain file I/O in this process would drop this
    process's SQLite locks (POSIX semantics), so a subprocess does it.
    """
    code = (
        "import json, sys, pathlib\n"
        "folder = pathlib.Path(sys.argv[1]); needles = sys.argv[2:]\n"
        "print(json.dumps({p.name: sum(p.read_bytes().count(n.encode()) for n in needles)"
        " for p in folder.iterdir() if p.is_file()}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(folder), *needles],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out)


def _later_feature_tables(store) -> None:
    """Tables another feature might add: one with employee_id, one only pointing at it."""
    with store.write() as conn:
        conn.execute(
            "CREATE TABLE later_feature (id TEXT PRIMARY KEY, "
            "employee_id TEXT REFERENCES employee(id), said TEXT)"
        )
        conn.execute(
            "CREATE TABLE later_detail (feature_id TEXT NOT NULL REFERENCES later_feature(id), "
            "text TEXT)"
        )


def test_forgetting_an_employee_erases_every_record_about_them_and_only_them(db_path, store, team):
    amira, ben = team[0], team[1]
    _later_feature_tables(store)
    for person in (amira, ben):
        for number in range(3):
            _log(store, person, f"{MARKER} {person.name} {number} " + "long " * 500)
        with store.write() as conn:
            conn.execute(
                "INSERT INTO later_feature VALUES (?, ?, ?)",
                (f"f-{person.id}", person.id, f"{MARKER} said to {person.name}"),
            )
            conn.execute(
                "INSERT INTO later_detail VALUES (?, ?)", (f"f-{person.id}", f"{MARKER} detail")
            )
    save_draft(db_path, "observation", {"note": "half"}, employee_id=amira.id)
    save_draft(db_path, "observation-other", {"note": "keep"}, employee_id=ben.id)
    other_reader = Store.open(db_path)  # another window that has the file open
    before = _marker_counts(db_path.parent, "Amira Okafor")
    assert sum(before.values()) > 0  # the name is in the file before: the check can fail

    planned = plan_erasure(store, amira.id)
    assert count_observations(store, amira.id) == 3  # planning changed nothing
    result = erase_employee(store, amira.id, by="Data Protection Officer")

    assert result.counts == planned
    assert result.counts["observation"] == 3
    assert result.counts["later_feature"] == 1 and result.counts["later_detail"] == 1
    assert result.counts["employee"] == 1 and result.counts["record_history"] >= 4
    assert result.wal_cleared
    assert result.drafts_removed == 1
    for table in person_tables(store.conn):
        left = store.conn.execute(
            f'SELECT count(*) FROM "{table}" WHERE employee_id = ?', (amira.id,)
        ).fetchone()[0]
        assert left == 0, table
    assert count_observations(store, ben.id) == 3  # nobody else lost anything
    assert store.conn.execute("SELECT count(*) FROM later_detail").fetchone()[0] == 1
    assert load_draft(db_path, "observation") is None
    assert load_draft(db_path, "observation-other") is not None

    log = erasure_log(store)
    assert len(log) == 1
    assert log[0]["erased_by"] == "Data Protection Officer"
    assert log[0]["subject_id"] == amira.id
    assert log[0]["counts"] == result.counts
    assert "Amira" not in json.dumps(log) and "000123" not in json.dumps(log)

    # Not recoverable from the file: not in the database pages, not in the WAL.
    after = _marker_counts(db_path.parent, "Amira Okafor", f"{MARKER} Amira")
    assert after == {name: 0 for name in after}, after
    assert _marker_counts(db_path.parent, f"{MARKER} Ben")["floorcoach.db"] > 0
    other_reader.close()
    assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert store.conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_forget_in_a_script_needs_yes_and_the_exact_ref(db_path, store, team, capsys):
    _log(store, team[0])
    assert cli_main(["--db", str(db_path), "employee", "forget", "000123"]) == 1
    assert "confirmation is needed" in capsys.readouterr().err
    assert cli_main(["--db", str(db_path), "employee", "forget", "Amira", "--yes"]) == 1
    assert "exact ref or full name" in capsys.readouterr().err
    assert count_observations(store, team[0].id) == 1  # nothing erased so far
    backup = backup_database(db_path).path
    assert cli_main(["--db", str(db_path), "employee", "forget", "000123", "--yes"]) == 0
    captured = capsys.readouterr()
    assert "erased Amira Okafor" in captured.out
    assert str(backup) in captured.err  # the earlier copy still holds them: said plainly
    assert count_observations(store, team[0].id) == 0


def _forget_on_a_terminal(db_path: Path, answer: str) -> tuple[int, str]:
    """Run `floorcoach employee forget` with a real terminal as its input."""
    import pty

    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "floorcoach", "--db", str(db_path), "employee", "forget", "000123"],
        stdin=follower,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    os.close(follower)
    time.sleep(0.2)
    os.write(leader, (answer + "\n").encode())
    out, _ = process.communicate(timeout=60)
    os.close(leader)
    return process.returncode, out


def test_forget_on_a_terminal_asks_to_type_the_name(db_path, store, team):
    _log(store, team[0])
    code, out = _forget_on_a_terminal(db_path, "Ben Nowak")
    assert code == 1 and "did not match" in out and re.search(r"\b1 observation\b", out)
    assert count_observations(store, team[0].id) == 1
    code, out = _forget_on_a_terminal(db_path, "amira okafor")
    assert code == 0, out
    assert count_observations(store, team[0].id) == 0


# --- network file systems -------------------------------------------------------------------

MOUNTS = """\
/dev/vda / ext4 rw,relatime 0 0
server:/export {root}/share nfs4 rw,relatime 0 0
/dev/vdb {root}/share/local ext4 rw 0 0
//nas/team {root}/team\\040drive cifs rw 0 0
me@host:/home {root}/ssh fuse.sshfs rw 0 0
"""


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("share/floorcoach.db", "nfs4"),
        ("share/not/yet/created/new.db", "nfs4"),
        ("team drive/fc.db", "cifs"),
        ("ssh/fc.db", "fuse.sshfs"),
        ("share/local/fc.db", None),
        ("home/fc.db", None),
    ],
)
def test_a_database_on_a_network_file_system_is_recognised(tmp_path, path, kind):
    for folder in ("share/local", "team drive", "ssh", "home"):
        (tmp_path / folder).mkdir(parents=True)
    warning = network_filesystem_warning(tmp_path / path, MOUNTS.format(root=tmp_path))
    if kind is None:
        assert warning is None
    else:
        assert warning is not None and f"({kind} at" in warning and "WAL" in warning


@pytest.fixture
def on_a_network_drive(tmp_path, monkeypatch):
    mounts = tmp_path / "mounts"
    mounts.write_text(f"/dev/vda / ext4 rw 0 0\nserver:/x {tmp_path} nfs rw 0 0\n")
    monkeypatch.setattr("floorcoach.filesystems.MOUNTS_FILE", mounts)


def test_the_cli_warns_but_works_on_a_network_drive(db_path, on_a_network_drive, capsys):
    assert cli_main(["--db", str(db_path), "roster", "list"]) == 0
    err = capsys.readouterr().err
    assert "warning" in err and "network file system (nfs" in err


async def test_the_app_warns_but_works_on_a_network_drive(db_path, on_a_network_drive):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_ready(app, pilot)
        messages = [n.message for n in app._notifications]
    assert any("network file system (nfs" in m for m in messages)
    assert app.ready


def test_every_table_an_erasure_can_touch_is_named_in_words(store):
    """The erasure dialog and `employee forget` list what goes in record names, never as
    "3 from org_pushed": every table of today's schema that holds rows about a person has
    a name (a table added later without one is still counted, by its table name)."""
    from floorcoach.erasure import _affected_tables, _foreign_keys, describe_counts

    conn = store.conn
    tables = _affected_tables(conn, _foreign_keys(conn))
    assert "observation" in tables and "org_employee" in tables
    described = describe_counts(dict.fromkeys(tables, 2))
    assert not any(f"2 from {table}" in described for table in tables), described
