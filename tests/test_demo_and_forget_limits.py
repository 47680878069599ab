"""Limits found by adversarial testing: demos bigger than the name list or run twice, and
what `employee forget` must also reach — drafts where the name was only typed, a file
another program is reading, and partly written files left behind."""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from floorcoach.cli import main as cli_main
from floorcoach.drafts import drafts_dir, load_draft, save_draft
from floorcoach.employees import add_employee, find_employee
from floorcoach.erasure import erase_employee
from floorcoach.models import EmployeeInput, ObservationInput
from floorcoach.observations import log_observation
from floorcoach.safefiles import private_folder
from floorcoach.store import BUSY_TIMEOUT_MS, Store
from floorcoach.workspace import open_workspace

from .test_backup_and_privacy import _marker_counts

SUPERVISOR = "Test Supervisor"


def _floorcoach(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "floorcoach", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _people(db: Path) -> list[list[str]]:
    """[name, ref, team] of everyone, in ref order (the order the demo made them in)."""
    with Store.open(db) as store:
        rows = store.conn.execute(
            "SELECT name, employee_ref, team FROM employee ORDER BY employee_ref"
        ).fetchall()
    return [list(row) for row in rows]


# --- demo ------------------------------------------------------------------------------------

# sha256 of the 750 [name, ref, team] the default seed gave before names could run out;
# the snapshot tests and every screen test built on demo data depend on them.
FIRST_750_DEFAULT_SEED = "56985e9d118291979465bb00558c40f72d056c76e60514b37d9347611030200f"


def test_a_demo_bigger_than_the_name_list_finishes_with_distinct_names(tmp_path):
    db = tmp_path / "big.db"
    run = _floorcoach("--db", str(db), "demo", "--employees", "751", "--weeks", "1", timeout=60)
    assert run.returncode == 0, run.stderr
    people = _people(db)
    assert len(people) == 751
    assert len({name.casefold() for name, _, _ in people}) == 751
    assert len({ref for _, ref, _ in people}) == 751
    # The first 750 are exactly the people the default seed always gave.
    digest = hashlib.sha256(json.dumps(people[:750]).encode()).hexdigest()
    assert digest == FIRST_750_DEFAULT_SEED
    # The 751st: a first and last name from the list, told apart by a middle initial.
    assert re.fullmatch(r"\S+ [A-Z]\. \S+", people[750][0]), people[750]


def test_demo_with_force_twice_adds_a_second_set_of_people_with_new_refs(db_path, capsys):
    args = ["--db", str(db_path), "demo", "--employees", "300", "--weeks", "1", "--force"]
    assert cli_main(args) == 0
    first = _people(db_path)
    assert cli_main(args) == 0
    assert "added 300 demo employees" in capsys.readouterr().out
    everyone = _people(db_path)
    assert len(everyone) == 600
    refs = [ref for _, ref, _ in everyone]
    assert len(set(refs)) == 600
    second = [ref for ref in refs if ref not in {r for _, r, _ in first}]
    assert min(int(r) for r in second) > max(int(r) for _, r, _ in first)
    assert len({name.casefold() for name, _, _ in everyone}) == 600  # no one twice


# --- forget: drafts where the name was typed, not picked ---------------------------------------


def test_forget_removes_drafts_where_their_name_or_ref_was_typed_but_not_picked(
    db_path, store, capsys
):
    yolanda, smith, ben = (
        add_employee(store, EmployeeInput(name=name, team="Home", employee_ref=ref), by=SUPERVISOR)
        for name, ref in (
            ("Yolanda Draftonl", "900001"),
            ("Yolanda Smith", "900002"),
            ("Ben Nowak", "000124"),
        )
    )

    def typed(form: str, text: str, employee_id: str | None = None) -> None:
        fields = {"employee": None, "employee_filter": text, "note": f"typed {text!r}"}
        save_draft(db_path, form, fields, employee_id=employee_id)

    about_her = {
        "observation": "Yolanda Draftonl",  # the whole name
        "observation-b": "  yolanda   DRAFT",  # a start of it, any case and spacing
        "observation-c": "900001",  # the whole ref
        "observation-d": "saw Yolanda Draftonl at till 3",  # contains the full name
    }
    someone_else = {
        "observation-e": "Yolanda",  # Yolanda Smith too: it may be about her
        "observation-f": "Yo",  # too short to say anyone
        "observation-g": "9000",  # the start of both refs
        "observation-h": "Yolanda Draftonly",  # not her name: a longer one
        "observation-i": "Ben Nowak",
    }
    for form, text in {**about_her, **someone_else}.items():
        typed(form, text)
    typed("observation-j", "Yolanda Draft", employee_id=smith.id)  # typed, then picked Smith

    assert cli_main(["--db", str(db_path), "employee", "forget", "900001", "--yes"]) == 0
    out = capsys.readouterr().out
    assert "also removed 4 unsaved draft(s)" in out
    for form in about_her:
        assert load_draft(db_path, form) is None, form
    for form in (*someone_else, "observation-j"):
        assert load_draft(db_path, form) is not None, form
    assert yolanda.id not in json.dumps([p.name for p in drafts_dir(db_path).iterdir()])
    assert ben.id  # Ben and Smith keep everything


# --- forget: another program is reading the database -------------------------------------------

MARK = "QX-FORGET-7Z"


def _fill(store) -> str:
    """Two people with notes; the one to forget has MARK in her name and notes. Her ref."""
    her = add_employee(
        store, EmployeeInput(name=f"Yolanda {MARK}", team="Home", employee_ref="900001"), by="x"
    )
    him = add_employee(store, EmployeeInput(name="Ben Nowak", team="Home"), by="x")
    for number in range(3):
        for person, note in ((her, f"{MARK} {number} "), (him, f"kept {number} ")):
            log_observation(
                store,
                ObservationInput(
                    employee_id=person.id,
                    behaviour_id="greeting.eye-contact",
                    outcome="met",
                    note=note + "long " * 300,
                ),
                supervisor=SUPERVISOR,
            )
    return her.employee_ref


def _named(path: Path, message: str) -> bool:
    """Whether `message` names exactly this file (the database's name is in its -wal's)."""
    return re.search(re.escape(str(path)) + r"(?![\w-])", message) is not None


@pytest.mark.parametrize("reader", ["none", "records in the file", "records in the log"])
def test_forget_while_another_program_reads_is_quick_and_says_where_they_remain(db_path, reader):
    store = open_workspace(db_path)  # another window, open and idle throughout
    ref = _fill(store)
    wal = db_path.with_name(db_path.name + "-wal")
    if reader == "records in the file":
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = _marker_counts(db_path.parent, MARK)
    assert sum(before.values()) > 0  # she is in the files before: the check can fail
    if reader == "records in the file":
        assert before.get(wal.name, 0) == 0 and before[db_path.name] > 0
    elif reader == "records in the log":
        assert before[wal.name] > 0 and before[db_path.name] == 0
    other = None
    if reader != "none":  # e.g. sqlite3 or a backup tool, in the middle of a read
        other = sqlite3.connect(db_path)
        other.execute("BEGIN")
        other.execute("SELECT count(*) FROM observation").fetchone()

    started = time.monotonic()
    run = _floorcoach("--db", str(db_path), "employee", "forget", ref, "--yes", timeout=30)
    took = time.monotonic() - started
    assert run.returncode == 0, run.stderr
    assert took < 6, f"forget took {took:.1f} s"

    after = _marker_counts(db_path.parent, MARK)
    holding = [db_path.parent / name for name, n in after.items() if n]
    if reader == "none":
        assert holding == [] and "still readable" not in run.stderr
    else:
        assert holding  # the reader keeps old pages: the message must say where they are
        assert "still readable" in run.stderr
        for path in holding:
            assert _named(path, run.stderr), (path, run.stderr)
        if reader == "records in the file":  # the log was empty: nothing of her is in it
            assert after.get(wal.name, 0) == 0
            assert not _named(wal, run.stderr), run.stderr

    # When the last program that has the database open closes it, the old pages are gone.
    if other is not None:
        other.rollback()
        other.close()
    store.close()
    assert _marker_counts(db_path.parent, MARK) == {db_path.name: 0}
    with Store.open(db_path) as reopened:
        assert reopened.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_forget_with_a_reader_gives_the_connection_back_as_it_was(db_path, store):
    ref = _fill(store)
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    her = find_employee(store, ref)
    secure_delete = store.conn.execute("PRAGMA secure_delete").fetchone()[0]
    with sqlite3.connect(db_path) as other:
        other.execute("BEGIN")
        other.execute("SELECT count(*) FROM observation").fetchone()
        started = time.monotonic()
        result = erase_employee(store, her.id, by=SUPERVISOR)
        assert time.monotonic() - started < 4
        other.rollback()
    assert not result.wal_cleared and result.still_readable_in == [db_path]
    # Later writes wait as long as before, and delete as before (this SQLite: zeroing).
    assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] == BUSY_TIMEOUT_MS
    assert store.conn.execute("PRAGMA secure_delete").fetchone()[0] == secure_delete


# --- forget: partly written files --------------------------------------------------------------

GONE_PID = 2**22 + 1  # above Linux's largest pid: no process can have it


def test_forget_removes_stale_partials_and_lists_those_of_a_running_floorcoach(
    db_path, store, capsys
):
    with pytest.raises(ProcessLookupError):
        os.kill(GONE_PID, 0)
    ref = _fill(store)
    private_folder(drafts_dir(db_path))
    stale = db_path.parent / f".export.csv.floorcoach-{GONE_PID}-0123abcd.partial"
    stale_draft = drafts_dir(db_path) / f".observation.json.floorcoach-{GONE_PID}-89abcdef.partial"
    running = db_path.parent / f".export.csv.floorcoach-{os.getppid()}-deadbeef.partial"
    for path in (stale, stale_draft, running):
        path.write_text(f"name,note\nYolanda {MARK},half an export\n", encoding="utf-8")
    not_ours = db_path.parent / ".export.csv.partial"  # another program's: never touched
    not_ours.write_text("keep", encoding="utf-8")

    assert cli_main(["--db", str(db_path), "employee", "forget", ref, "--yes"]) == 0
    err = capsys.readouterr().err
    assert not stale.exists() and not stale_draft.exists()
    assert running.exists() and str(running) in err
    assert str(stale) not in err and str(stale_draft) not in err
    assert not_ours.exists()
