"""No command can destroy data: where exports and backups may write, damaged and odd files.

Each test runs the real `floorcoach` command in its own process on real files, as the
adversarial round did, and checks that the database is whole afterwards.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

TIMEOUT = 120


def floorcoach(*args: str, db: Path | None = None, **kwargs) -> subprocess.CompletedProcess:
    prefix = ["--db", str(db)] if db is not None else []
    return subprocess.run(
        [sys.executable, "-m", "floorcoach", *prefix, *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        **kwargs,
    )


def facts(path: Path) -> tuple[str, int, int]:
    """(integrity, employees, observations) read by a separate process (POSIX locks)."""
    script = (
        "import sqlite3, sys\n"
        "c = sqlite3.connect(sys.argv[1])\n"
        "print(c.execute('PRAGMA integrity_check').fetchone()[0],"
        " c.execute('SELECT count(*) FROM employee').fetchone()[0],"
        " c.execute('SELECT count(*) FROM observation').fetchone()[0])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=True
    ).stdout.split()
    return out[0], int(out[1]), int(out[2])


@pytest.fixture
def live(tmp_path: Path) -> Path:
    """A database with a few demo people and observations, closed."""
    db = tmp_path / "live.db"
    done = floorcoach("demo", "--employees", "5", "--weeks", "2", db=db)
    assert done.returncode == 0, done.stderr
    return db


@pytest.fixture
def other(tmp_path: Path) -> Path:
    db = tmp_path / "other.db"
    done = floorcoach("demo", "--employees", "4", "--weeks", "1", "--seed", "3", db=db)
    assert done.returncode == 0, done.stderr
    return db


# --- export --out ----------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm"])
def test_an_export_never_writes_onto_the_database_or_its_wal(live, suffix):
    before = facts(live)
    target = Path(f"{live}{suffix}")
    done = floorcoach("export", "observations", "--out", str(target), db=live)
    assert done.returncode == 1
    assert "live database" in done.stderr and "Traceback" not in done.stderr
    assert facts(live) == before
    if suffix:  # the companion files are SQLite's, and were not created or replaced
        assert not target.exists() or not target.read_bytes().startswith(b"date")


def test_an_export_to_the_wal_while_another_connection_is_open_loses_nothing(live):
    holder = sqlite3.connect(live)
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("INSERT INTO setting(key, value) VALUES ('held', 'open')")
    holder.commit()  # now in the -wal, not yet in the main file
    try:
        wal_before = Path(f"{live}-wal").read_bytes()
        done = floorcoach("export", "observations", "--out", f"{live}-wal", db=live)
        assert done.returncode == 1 and "live database" in done.stderr
        assert Path(f"{live}-wal").read_bytes()[:32] == wal_before[:32]
    finally:
        holder.close()
    conn = sqlite3.connect(live)
    assert conn.execute("SELECT value FROM setting WHERE key='held'").fetchone() == ("open",)
    conn.close()


def test_an_export_never_replaces_another_sqlite_file_whatever_its_name(live, other, tmp_path):
    disguised = tmp_path / "november.csv"
    shutil.copy(other, disguised)
    done = floorcoach("export", "observations", "--out", str(disguised), db=live)
    assert done.returncode == 1 and "SQLite database" in done.stderr
    assert facts(disguised) == facts(other)


def test_an_export_through_a_symlink_to_the_database_is_refused(live, tmp_path):
    link = tmp_path / "export.csv"
    link.symlink_to(live)
    before = facts(live)
    done = floorcoach("export", "observations", "--out", str(link), db=live)
    assert done.returncode == 1 and "live database" in done.stderr
    assert link.is_symlink() and facts(live) == before


def test_an_export_through_a_symlink_to_a_csv_replaces_the_file_and_keeps_the_link(live, tmp_path):
    real = tmp_path / "exports" / "obs.csv"
    real.parent.mkdir()
    real.write_text("old\r\n")
    link = tmp_path / "latest.csv"
    link.symlink_to(real)
    done = floorcoach("export", "observations", "--out", str(link), db=live)
    assert done.returncode == 0, done.stderr
    assert link.is_symlink() and real.read_text(encoding="utf-8").startswith("observation_id")


def test_an_export_never_replaces_a_fifo_or_a_device(live, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    done = floorcoach("export", "observations", "--out", str(fifo), db=live)
    assert done.returncode == 1 and "not a regular file" in done.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    done = floorcoach("export", "observations", "--out", "/dev/null", db=live)
    assert done.returncode == 1 and "not a regular file" in done.stderr
    assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)


# --- backup --to -----------------------------------------------------------------------------


def test_a_backup_never_overwrites_another_database(live, other):
    before = facts(other)
    done = floorcoach("backup", "--to", str(other), db=live)
    assert done.returncode == 1
    assert "not an earlier backup" in done.stderr and "Traceback" not in done.stderr
    assert facts(other) == before


def test_a_backup_never_overwrites_another_database_open_elsewhere(live, other):
    holder = sqlite3.connect(other)
    holder.execute("BEGIN")
    holder.execute("SELECT count(*) FROM observation").fetchone()
    try:
        done = floorcoach("backup", "--to", str(other), db=live)
    finally:
        holder.close()
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert facts(other)[0] == "ok"


def test_a_backup_replaces_an_earlier_backup_of_the_same_database(live, tmp_path):
    copy = tmp_path / "weekly.db"
    assert floorcoach("backup", "--to", str(copy), db=live).returncode == 0
    roster = tmp_path / "new.csv"
    roster.write_text("employee_ref,name,team\n900001,New Person,Fashion\n")
    more = floorcoach("roster", "import", str(roster), db=live)
    assert more.returncode == 0, more.stderr
    assert facts(copy) != facts(live)
    again = floorcoach("backup", "--to", str(copy), db=live)
    assert again.returncode == 0, again.stderr
    assert facts(copy) == facts(live)


def test_a_backup_opened_as_a_database_is_no_longer_replaced(live, tmp_path):
    copy = tmp_path / "restored.db"
    assert floorcoach("backup", "--to", str(copy), db=live).returncode == 0
    assert floorcoach("roster", "list", db=copy).returncode == 0  # someone works in it now
    done = floorcoach("backup", "--to", str(copy), db=live)
    assert done.returncode == 1 and "not an earlier backup" in done.stderr


def test_a_backup_of_one_database_never_replaces_a_backup_of_another(live, other, tmp_path):
    copy = tmp_path / "others-backup.db"
    assert floorcoach("backup", "--to", str(copy), db=other).returncode == 0
    done = floorcoach("backup", "--to", str(copy), db=live)
    assert done.returncode == 1
    assert facts(copy) == facts(other)


def test_a_backup_leaves_no_wal_or_shm_beside_a_database_nobody_has_open(live, tmp_path):
    assert not Path(f"{live}-wal").exists() and not Path(f"{live}-shm").exists()
    assert floorcoach("backup", "--to", str(tmp_path / "b.db"), db=live).returncode == 0
    assert not Path(f"{live}-wal").exists() and not Path(f"{live}-shm").exists()


def test_a_backup_of_a_newer_schema_leaves_it_untouched(live, tmp_path):
    conn = sqlite3.connect(live)
    conn.execute("PRAGMA user_version = 999")
    conn.commit()
    conn.close()
    before = live.read_bytes()
    done = floorcoach("backup", "--to", str(tmp_path / "newer-copy.db"), db=live)
    assert done.returncode == 0, done.stderr
    assert live.read_bytes() == before
    assert not Path(f"{live}-wal").exists() and not Path(f"{live}-shm").exists()


# --- damaged databases -----------------------------------------------------------------------


def damage(path: Path, pages: int) -> None:
    """Overwrite `pages` pages in the second half of the file with random bytes."""
    import random

    size = path.stat().st_size
    page = 4096
    total = size // page
    rng = random.Random(pages)
    with path.open("r+b") as handle:
        for number in rng.sample(range(total // 2, total), min(pages, total // 2)):
            handle.seek(number * page)
            handle.write(rng.randbytes(page))


@pytest.fixture
def damaged(tmp_path: Path) -> Path:
    db = tmp_path / "damaged.db"
    assert floorcoach("demo", "--employees", "40", "--weeks", "8", db=db).returncode == 0
    damage(db, 20)
    return db


def test_check_finds_damage_and_says_what_to_do(damaged, live):
    done = floorcoach("check", db=damaged)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "damaged" in done.stdout and "restore the newest backup" in done.stderr
    whole = floorcoach("check", db=live)
    assert whole.returncode == 0 and "ok" in whole.stdout


def test_a_backup_of_a_damaged_database_is_refused_and_leaves_no_file(damaged, tmp_path):
    target = tmp_path / "copy.db"
    done = floorcoach("backup", "--to", str(target), db=damaged)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "damaged" in done.stderr
    assert not target.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith((".partial", "-journal"))]


@pytest.mark.parametrize(
    "command",
    [
        ["roster", "list"],
        ["export", "observations", "--out", "-"],
        ["team"],
        ["followups"],
        ["demo", "--force", "--employees", "2", "--weeks", "1"],
    ],
)
def test_every_command_on_a_damaged_database_gives_advice_not_a_traceback(damaged, command):
    done = floorcoach(*command, db=damaged)
    assert "Traceback" not in done.stderr
    if done.returncode != 0:  # the damage may lie where this command does not read
        assert done.returncode == 1
        assert "damaged" in done.stderr and "floorcoach" in done.stderr


# --- partial files ---------------------------------------------------------------------------


def dead_pid() -> int:
    pid = 4_000_000
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        except PermissionError:
            pass
        pid += 1


def test_the_next_export_removes_partials_a_killed_floorcoach_left(live, tmp_path):
    stale = tmp_path / f".obs.csv.floorcoach-{dead_pid()}-0123abcd.partial"
    stale.write_text("Amira Okafor, a private note")
    theirs = tmp_path / ".obs.csv.other-program.partial"  # not floorcoach's naming
    theirs.write_text("keep me")
    done = floorcoach("export", "observations", "--out", str(tmp_path / "obs.csv"), db=live)
    assert done.returncode == 0, done.stderr
    assert not stale.exists() and theirs.exists()


def test_a_partial_of_a_running_floorcoach_is_left_alone(tmp_path):
    from floorcoach.safefiles import partial_name

    running = partial_name(tmp_path / "x.csv")  # this test process's own pid
    running.write_text("in progress")
    from floorcoach.safefiles import remove_stale_partials

    assert remove_stale_partials(tmp_path) == [] and running.exists()


# --- full disks --------------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path):
    """A tmpfs of 1 MB: a real disk that fills up (the project's machines run as root)."""
    mount_point = tmp_path / "small"
    mount_point.mkdir()
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", str(mount_point)],
        check=True,
    )
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=True)


def fill(folder: Path) -> None:
    fd = os.open(folder / "filler", os.O_CREAT | os.O_WRONLY, 0o600)
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)


def test_an_export_onto_a_full_disk_says_so_and_leaves_no_file(tmp_path, small_disk):
    db = tmp_path / "big.db"
    assert floorcoach("demo", "--employees", "60", "--weeks", "26", db=db).returncode == 0
    for _ in range(3):  # retries must not pile up partial files
        done = floorcoach("export", "observations", "--out", str(small_disk / "o.csv"), db=db)
        assert done.returncode == 1 and "Traceback" not in done.stderr
        assert "the disk is full" in done.stderr
        assert sorted(p.name for p in small_disk.iterdir()) == []


def test_a_backup_onto_a_full_disk_says_so_and_leaves_no_file(tmp_path, small_disk):
    db = tmp_path / "big.db"
    assert floorcoach("demo", "--employees", "60", "--weeks", "26", db=db).returncode == 0
    done = floorcoach("backup", "--to", str(small_disk / "b.db"), db=db)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "the disk is full" in done.stderr
    assert list(small_disk.iterdir()) == []


def test_reading_on_a_full_disk_says_the_disk_is_full_not_nothing_was_saved(small_disk):
    db = small_disk / "f.db"
    made = floorcoach("roster", "list", db=db)
    assert made.returncode == 0, made.stderr
    fill(small_disk)
    done = floorcoach("roster", "list", db=db)
    if done.returncode != 0:  # SQLite needs room for its -shm to open a WAL database
        assert "the disk is full" in done.stderr and "nothing was saved" not in done.stderr
    saved = floorcoach(
        "log", "--employee", "1", "--behaviour", "greeting.eye-contact", "--outcome", "met", db=db
    )
    assert saved.returncode == 1 and "the disk is full" in saved.stderr
    assert "Traceback" not in saved.stderr


# --- files that are not floorcoach databases ---------------------------------------------------


def test_an_empty_file_is_not_turned_into_a_database(tmp_path):
    empty = tmp_path / "notes.txt"
    empty.touch()
    done = floorcoach("roster", "list", db=empty)
    assert done.returncode == 1 and "empty file" in done.stderr
    assert empty.stat().st_size == 0
    assert not Path(f"{empty}-wal").exists()


def test_another_programs_empty_sqlite_file_is_refused(tmp_path):
    theirs = tmp_path / "theirs.sqlite"
    conn = sqlite3.connect(theirs)
    conn.execute("PRAGMA user_version = 0")
    conn.execute("VACUUM")  # writes the header: an SQLite file with no tables
    conn.close()
    before = theirs.read_bytes()
    done = floorcoach("roster", "list", db=theirs)
    assert done.returncode == 1 and "not a floorcoach one" in done.stderr
    assert theirs.read_bytes() == before


def test_a_missing_wal_beside_its_shm_is_warned_about(live):
    holder = sqlite3.connect(live)  # keeps -wal and -shm while we copy them
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("INSERT INTO setting(key, value) VALUES ('x', 'y')")
    holder.commit()
    shm = Path(f"{live}-shm").read_bytes()
    holder.close()
    Path(f"{live}-shm").write_bytes(shm)  # as after a crash, with the -wal deleted by hand
    Path(f"{live}-wal").unlink(missing_ok=True)
    done = floorcoach("roster", "list", db=live)
    assert "-wal is missing" in done.stderr


def test_a_new_database_in_new_folders_is_private_at_every_level(tmp_path):
    db = tmp_path / "a" / "b" / "c" / "floorcoach.db"
    done = floorcoach("roster", "list", db=db, preexec_fn=lambda: os.umask(0))
    assert done.returncode == 0, done.stderr
    for folder in (tmp_path / "a", tmp_path / "a" / "b", tmp_path / "a" / "b" / "c"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    assert stat.S_IMODE(db.stat().st_mode) == 0o600


# --- the same in the app -------------------------------------------------------------------------


async def test_the_app_warns_about_a_missing_wal(live):
    from floorcoach.app import FloorcoachApp

    from .pilot import wait_ready

    holder = sqlite3.connect(live)
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("INSERT INTO setting(key, value) VALUES ('x', 'y')")
    holder.commit()
    shm = Path(f"{live}-shm").read_bytes()
    holder.close()
    Path(f"{live}-shm").write_bytes(shm)
    app = FloorcoachApp(db_path=live)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_ready(app, pilot)
        messages = [n.message for n in app._notifications]
    assert any("-wal is missing" in m for m in messages)


async def test_a_damaged_page_met_by_a_screen_is_reported_not_swallowed(damaged):
    from floorcoach.app import FloorcoachApp
    from floorcoach.screens.problem import ProblemScreen

    from .pilot import settle

    app = FloorcoachApp(db_path=damaged)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(app, pilot)
        await pilot.press("e")  # the employee list reads every person
        await settle(app, pilot)
        shown = [n.message for n in app._notifications]
        if isinstance(app.screen, ProblemScreen):
            shown.append(str(app.screen.problem))
    assert any("damaged" in m and "backup" in m for m in shown), shown


def test_fewer_saved_changes_than_last_time_is_warned_about(live, tmp_path):
    # What a deleted -wal leaves when no -shm is left to tell: the main file as it was
    # before the latest saves. Restoring an older copy looks the same, and says so.
    older = tmp_path / "older.db"
    shutil.copy(live, older)
    roster = tmp_path / "new.csv"
    roster.write_text("employee_ref,name,team\n900001,New Person,Fashion\n")
    assert floorcoach("roster", "import", str(roster), db=live).returncode == 0
    shutil.copy(older, live)
    done = floorcoach("roster", "list", db=live)
    assert done.returncode == 0
    assert "fewer saved changes" in done.stderr and "restored a backup" in done.stderr
    again = floorcoach("roster", "list", db=live)
    assert "fewer saved changes" not in again.stderr  # said once
