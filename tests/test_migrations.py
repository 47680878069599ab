"""Opening old, new and foreign files: upgrade safely, refuse clearly, touch nothing refused."""

from __future__ import annotations

import hashlib
import re
import sqlite3
import stat
import uuid
from pathlib import Path

import pytest

from floorcoach import store as store_module
from floorcoach.cli import main as cli_main
from floorcoach.migrations import load_migrations
from floorcoach.models import ObservationInput
from floorcoach.observations import log_observation
from floorcoach.store import (
    APPLICATION_ID,
    NewerSchemaError,
    NotFloorcoachDatabase,
    Store,
    StoreError,
)
from floorcoach.workspace import open_workspace

from .schema_fixtures import database_at_version, insert_row

CURRENT = max(load_migrations())
HOSTILE_NOTE = "[bold]not markup[/] \x1b[31m red? 🧾 עברית " + "long " * 400
NOW = "2026-11-20T10:00:00.000000+00:00"


def _checksum(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _folder_listing(folder: Path) -> dict[str, str]:
    return {p.name: _checksum(p) for p in sorted(folder.iterdir()) if p.is_file()}


# --- a populated database as an older floorcoach left it ------------------------------------


def _populate_foundation(conn: sqlite3.Connection) -> None:
    """Rows in every table schema 1 has, as floorcoach 1 wrote them (columns named, so a
    column a later schema adds takes its default)."""
    insert_row(
        conn,
        "catalogue",
        {
            "id": "retail",
            "title": "Retail floor",
            "version": "2026.1",
            "description": "",
            "source": "x.toml",
            "loaded_at": NOW,
        },
    )
    for position, behaviour_id in enumerate(["greeting.eye-contact", "checkout.thanks"]):
        insert_row(
            conn,
            "behaviour",
            {
                "id": behaviour_id,
                "catalogue_id": "retail",
                "catalogue_version": "2026.1",
                "touch_point_id": behaviour_id.split(".")[0],
                "touch_point": "Touch point",
                "title": f"Title {position}",
                "standard": "The standard",
                "look_fors": '["look for"]',
                "position": position,
                "retired": 0,
            },
        )
        insert_row(
            conn,
            "behaviour_version",
            {
                "behaviour_id": behaviour_id,
                "catalogue_version": "2026.1",
                "touch_point": "Touch point",
                "title": "T",
                "standard": "S",
                "look_fors": "[]",
                "recorded_at": NOW,
            },
        )
    employees = [str(uuid.uuid4()) for _ in range(3)]
    for number, employee_id in enumerate(employees):
        insert_row(
            conn,
            "employee",
            {
                "id": employee_id,
                "employee_ref": f"00012{number}",
                "name": f"Person {number} [i]x[/i]",
                "team": "Fashion",
                "active": 1,
                "created_at": NOW,
                "updated_at": NOW,
                "version": 1,
            },
        )
    for number in range(12):
        observation_id = str(uuid.uuid4())
        outcome = ("met", "missed", "exceeded")[number % 3]
        insert_row(
            conn,
            "observation",
            {
                "id": observation_id,
                "employee_id": employees[number % 3],
                "behaviour_id": "greeting.eye-contact" if number % 2 else "checkout.thanks",
                "observed_at": NOW,
                "local_date": "2026-11-20",
                "iso_week": "2026-W47",
                "outcome": outcome,
                "cause": "system" if outcome == "missed" else None,
                "note": HOSTILE_NOTE if number == 0 else f"note {number}",
                "story": number % 2,
                "supervisor": "Old Supervisor",
                "catalogue_version": "2026.1",
                "created_at": NOW,
                "updated_at": NOW,
                "version": 1,
            },
        )
        insert_row(
            conn,
            "record_history",
            {
                "record_type": "observation",
                "record_id": observation_id,
                "employee_id": employees[number % 3],
                "action": "create",
                "changed_at": NOW,
                "changed_by": "Old Supervisor",
                "before": None,
                "after": "{}",
            },
        )
    insert_row(conn, "setting", {"key": "catalogue_fingerprint", "value": "old"})


def _check_values(sql: str, column: str) -> list[str]:
    match = re.search(rf"\b{re.escape(column)}\b[^,]*?\bIN\s*\(([^)]*)\)", sql, re.IGNORECASE)
    if not match:
        return []
    return [v.strip().strip("'") for v in match.group(1).split(",")]


def _value_for(conn, table: str, sql: str, column: tuple, foreign: dict, number: int):
    _, name, kind, _, _, pk = column
    if name in foreign:
        parent, parent_column = foreign[name]
        row = (
            conn.execute(
                f'SELECT "{parent_column}" FROM "{parent}" LIMIT 1 OFFSET ?', (number,)
            ).fetchone()
            or conn.execute(f'SELECT "{parent_column}" FROM "{parent}" LIMIT 1').fetchone()
        )
        return row[0] if row else None
    allowed = _check_values(sql, name)
    if allowed:
        value = allowed[number % len(allowed)]
        return int(value) if value.lstrip("-").isdigit() else value
    lowered = name.lower()
    if lowered.endswith("_at"):
        return NOW
    if "week" in lowered:
        return "2026-W47"
    if "date" in lowered or lowered.endswith(("_on", "due")):
        return "2026-11-20"
    if "INT" in kind.upper():
        return 1 if lowered == "version" else 0
    if pk or lowered == "id":
        return str(uuid.uuid4())
    return f"{table} {name} {number}"


def _populate_other_tables(conn: sqlite3.Connection, skip: set[str]) -> set[str]:
    """Two rows in each later table, whatever its columns: found from the schema itself."""
    filled: set[str] = set()
    tables = [
        row
        for row in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
        if row[0] not in skip and not row[0].startswith("sqlite_")
    ]
    for _ in range(3):  # parents before children, whatever order they come in
        for table, sql in tables:
            if table in filled:
                continue
            if conn.execute(f'SELECT 1 FROM "{table}"').fetchone():
                filled.add(table)  # its migration fills it (org_change's one row)
                continue
            columns = conn.execute(f'PRAGMA table_info("{table}")').fetchall()
            foreign = {
                row[3]: (row[2], row[4] or "id")
                for row in conn.execute(f'PRAGMA foreign_key_list("{table}")')
            }
            if any(
                conn.execute(f'SELECT 1 FROM "{p}"').fetchone() is None for p, _ in foreign.values()
            ):
                continue
            for number in range(2):
                row = {c[1]: _value_for(conn, table, sql, c, foreign, number) for c in columns}
                try:
                    insert_row(conn, table, row)
                    filled.add(table)
                except sqlite3.IntegrityError:
                    pass
    return filled


def _old_database(path: Path, version: int) -> set[str]:
    conn = database_at_version(path, version)
    with conn:
        _populate_foundation(conn)
        foundation = {
            "catalogue",
            "behaviour",
            "behaviour_version",
            "employee",
            "observation",
            "record_history",
            "setting",
        }
        filled = _populate_other_tables(conn, foundation | {"sqlite_sequence"})
    conn.close()
    return filled


def _contents(path: Path, like: dict | None = None) -> dict[str, list[tuple]]:
    """Every row of every table (sorted: a table rebuild may reorder them).

    With `like`, only the tables and columns that `like` has: a later schema may add some.
    """
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        result = {}
        for table in tables if like is None else like:
            columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
            if like is not None:
                columns = [c for c in columns if c in like[table][0]]
            rows = conn.execute(f'SELECT {", ".join(f"[{c}]" for c in columns)} FROM "{table}"')
            result[table] = (columns, sorted(tuple(map(repr, row)) for row in rows))
        return result
    finally:
        conn.close()


def _user_version(path: Path) -> int:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()


# --- upgrades ---------------------------------------------------------------------------------


@pytest.mark.parametrize("version", sorted(load_migrations()))
def test_a_populated_database_from_every_earlier_version_upgrades_with_every_row(tmp_path, version):
    path = tmp_path / "data" / "floorcoach.db"
    filled = _old_database(path, version)
    before = _contents(path)
    later_tables = set(before) - {
        "catalogue",
        "behaviour",
        "behaviour_version",
        "employee",
        "observation",
        "record_history",
        "setting",
    }
    assert filled == later_tables, "extend _value_for so every table of this schema gets rows"
    assert sum(len(rows) for _, rows in before.values()) > 30

    with open_workspace(path) as store:
        assert store.schema_version == CURRENT
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        employee_id = store.query("SELECT id FROM employee LIMIT 1")[0]["id"]
        saved = log_observation(  # and the upgraded file takes new records
            store,
            ObservationInput(
                employee_id=employee_id, behaviour_id="greeting.eye-contact", outcome="met"
            ),
            supervisor="Test Supervisor",
        )

    after = _contents(path, like=before)
    synced = {"setting", "catalogue", "behaviour", "behaviour_version"}  # catalogue files win
    counters = {"org_change"}  # one row whose count every new record raises
    for table, (columns, rows) in before.items():
        assert after[table][0] == columns, f"{table} lost a column"
        if table in counters:
            assert len(after[table][1]) == len(rows) == 1, table
        elif table in synced:
            assert len(after[table][1]) >= len(rows), table
        else:
            assert set(rows) <= set(after[table][1]), f"rows of {table} were lost or changed"
    assert any(saved.id in row[0] for row in after["observation"][1])
    backup = path.with_name(f"{path.name}.before-schema-{CURRENT}.bak")
    if version == CURRENT:
        assert not backup.exists()  # nothing to upgrade, nothing copied
    else:
        assert _user_version(backup) == version
        assert _contents(backup) == before
        assert stat.S_IMODE(backup.stat().st_mode) == 0o600


def test_a_failing_migration_leaves_the_file_at_its_old_version_with_all_rows(
    tmp_path, monkeypatch
):
    path = tmp_path / "data" / "floorcoach.db"
    _old_database(path, 1)
    before = _contents(path)
    real = load_migrations()

    def broken(db) -> None:
        db.execute("CREATE TABLE half_done (x TEXT)")
        db.execute("DELETE FROM observation")
        raise RuntimeError("the disk caught fire")

    monkeypatch.setattr(store_module, "_migrations", lambda: {**real, CURRENT + 1: broken})
    monkeypatch.setattr(store_module, "schema_version_known", lambda: CURRENT + 1)
    with pytest.raises(StoreError) as refused:
        Store.open(path)
    message = str(refused.value)
    assert f"from schema 1 to {CURRENT + 1}" in message
    assert "the disk caught fire" in message and "Nothing was changed" in message
    assert _user_version(path) == 1
    assert _contents(path) == before  # not even the steps before the broken one stayed
    assert path.with_name(f"{path.name}.before-schema-{CURRENT + 1}.bak").exists()


def test_an_earlier_upgrade_copy_is_never_overwritten(tmp_path):
    path = tmp_path / "data" / "floorcoach.db"
    _old_database(path, 1)
    first = path.with_name(f"{path.name}.before-schema-{CURRENT}.bak")
    first.write_bytes(b"an older copy the user kept")
    Store.open(path).close()
    assert first.read_bytes() == b"an older copy the user kept"
    assert _user_version(path.with_name(f"{first.name}-2")) == 1


# --- refusals, without changing a byte ----------------------------------------------------


def _newer_database(path: Path) -> None:
    conn = database_at_version(path, CURRENT)
    with conn:
        _populate_foundation(conn)
    conn.execute(f"PRAGMA user_version = {CURRENT + 1}")
    conn.close()


def test_a_database_from_a_newer_floorcoach_is_refused_untouched(tmp_path, capsys):
    path = tmp_path / "data" / "floorcoach.db"
    _newer_database(path)
    before = _folder_listing(path.parent)
    with pytest.raises(NewerSchemaError) as refused:
        Store.open(path)
    assert f"schema {CURRENT + 1}" in str(refused.value)
    assert f"up to {CURRENT}" in str(refused.value)
    assert "Upgrade floorcoach" in str(refused.value)
    assert cli_main(["--db", str(path), "roster", "list"]) == 1
    assert "newer floorcoach" in capsys.readouterr().err
    assert _folder_listing(path.parent) == before  # same bytes, no -wal/-shm, no backup


async def test_the_app_shows_a_newer_database_refused_and_leaves_it_untouched(tmp_path):
    from floorcoach.app import FloorcoachApp
    from floorcoach.screens.problem import ProblemScreen

    from .pilot import wait_for_screen

    path = tmp_path / "data" / "floorcoach.db"
    _newer_database(path)
    before = _folder_listing(path.parent)
    app = FloorcoachApp(db_path=path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await wait_for_screen(app, pilot, ProblemScreen)
        assert "Upgrade floorcoach" in str(screen.query_one("#problem-text").content)
        assert "left exactly as it was" in str(screen.query_one("#problem-hint").content)
        await pilot.press("q")
    assert _folder_listing(path.parent) == before


def _foreign_sqlite(path: Path, *, wal: bool, app_id: int = 0) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path))
    if wal:
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE recipes (name TEXT)")
    conn.execute("INSERT INTO recipes VALUES ('soup')")
    conn.execute(f"PRAGMA application_id = {app_id}")
    conn.commit()
    conn.close()


@pytest.mark.parametrize(
    ("wal", "app_id"), [(False, 0), (True, 0), (False, 0x12345678)], ids=["plain", "wal", "marked"]
)
def test_an_sqlite_file_of_another_program_is_refused_untouched(tmp_path, wal, app_id):
    path = tmp_path / "other" / "recipes.db"
    _foreign_sqlite(path, wal=wal, app_id=app_id)
    before = _folder_listing(path.parent)
    with pytest.raises(NotFloorcoachDatabase) as refused:
        Store.open(path)
    assert "not a floorcoach one" in str(refused.value)
    assert "left untouched" in str(refused.value)
    assert _folder_listing(path.parent) == before


@pytest.mark.parametrize(
    "content",
    [b"name,team\nAmira,Fashion\n", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, b"SQLite"],
    ids=["csv", "binary", "short"],
)
def test_a_file_that_is_not_sqlite_is_refused_untouched(tmp_path, content, capsys):
    path = tmp_path / "docs" / "team.csv"
    path.parent.mkdir()
    path.write_bytes(content)
    before = _folder_listing(path.parent)
    with pytest.raises(NotFloorcoachDatabase) as refused:
        Store.open(path)
    assert "not an SQLite file" in str(refused.value)
    assert (
        cli_main(
            ["--db", str(path), "log", "--employee", "x", "--behaviour", "a.b", "--outcome", "met"]
        )
        == 1
    )
    assert "not a floorcoach database" in capsys.readouterr().err
    assert _folder_listing(path.parent) == before


def test_a_new_database_is_marked_as_floorcoach(db_path):
    Store.open(db_path).close()
    header = db_path.read_bytes()[:100]
    assert int.from_bytes(header[68:72], "big") == APPLICATION_ID
    assert int.from_bytes(header[60:64], "big") == CURRENT


def test_observations_saved_before_schema_6_get_the_team_of_their_employee(tmp_path):
    """Schema 6 keeps the team an observation was made in; older rows get the team the
    employee is in at the upgrade, the best that is known (docs/data-dictionary.md)."""
    path = tmp_path / "old.db"
    _old_database(path, 5)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE employee SET team = 'Home' WHERE employee_ref = '000121'")
    conn.close()
    with open_workspace(path) as store:
        rows = store.query(
            "SELECT o.team_when_observed, e.team FROM observation o "
            "JOIN employee e ON e.id = o.employee_id"
        )
        assert len(rows) == 12
        assert all(r["team_when_observed"] == r["team"] for r in rows)
        assert {r["team_when_observed"] for r in rows} == {"Fashion", "Home"}
        employee = store.query("SELECT id FROM employee WHERE employee_ref = '000121'")[0]["id"]
        behaviour = store.query("SELECT id FROM behaviour LIMIT 1")[0]["id"]
        saved = log_observation(
            store,
            ObservationInput(employee_id=employee, behaviour_id=behaviour, outcome="met"),
            supervisor="New Supervisor",
        )
        store.conn.execute("UPDATE employee SET team = 'Beauty' WHERE id = ?", (employee,))
        kept = store.query("SELECT team_when_observed FROM observation WHERE id = ?", (saved.id,))
        assert kept == [{"team_when_observed": "Home"}]


def test_a_bulk_insert_that_leaves_the_team_out_still_keeps_it(store, team):
    """Demo and benchmark loads name their columns; the trigger fills the team for them."""
    from floorcoach.records import OBSERVATION

    behaviour = store.query("SELECT id FROM behaviour LIMIT 1")[0]["id"]
    row = {
        "id": str(uuid.uuid4()), "employee_id": team[2].id, "behaviour_id": behaviour,
        "observed_at": NOW, "local_date": "2026-11-20", "iso_week": "2026-W47",
        "outcome": "met", "cause": None, "note": "", "story": 0, "supervisor": "Bulk",
        "catalogue_version": "2026.1", "created_at": NOW, "updated_at": NOW,
    }  # fmt: skip
    columns = tuple(row)  # the columns it names: a column added later keeps its default
    with store.write() as conn:
        conn.execute(OBSERVATION.insert_sql_for(columns), [row[c] for c in columns])
    kept = store.query("SELECT team_when_observed FROM observation WHERE id = ?", (row["id"],))
    assert kept == [{"team_when_observed": "Home"}]
