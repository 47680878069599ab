"""Upgrading a foundation-era database (schema 1) to coaching keeps every row."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from floorcoach.coaching import CoachingInput, create_coaching
from floorcoach.followups import list_followups
from floorcoach.models import ObservationInput
from floorcoach.observations import get_observation, log_observation
from floorcoach.store import Store, schema_version_known
from floorcoach.workspace import open_workspace

from .schema_fixtures import database_at_version

TABLES = ("catalogue", "behaviour", "behaviour_version", "employee", "observation")


def _fill_schema_1(conn) -> None:
    """Rows written exactly as floorcoach 0.1 (schema 1) wrote them."""
    at = "2026-11-02T09:15:00.000000+00:00"
    conn.execute(
        "INSERT INTO catalogue VALUES ('retail-floor', 'Retail floor', '2026.1', '', "
        "'retail-floor.toml', ?)",
        (at,),
    )
    look_fors = json.dumps(["Looks up", "Smiles"])
    conn.execute(
        "INSERT INTO behaviour VALUES ('greeting.eye-contact', 'retail-floor', '2026.1', "
        "'greeting', 'Approach and greeting', 'Greets within 10 seconds', 'Standard', ?, 0, 0)",
        (look_fors,),
    )
    conn.execute(
        "INSERT INTO behaviour_version VALUES ('greeting.eye-contact', '2026.1', "
        "'Approach and greeting', 'Greets within 10 seconds', 'Standard', ?, ?)",
        (look_fors, at),
    )
    for index, name in enumerate(("Amira Okafor", "Ben Nowak")):
        conn.execute(
            "INSERT INTO employee VALUES (?, ?, ?, 'Fashion', 1, ?, ?, 1)",
            (f"emp-{index}", f"00012{index}", name, at, at),
        )
    for index in range(30):
        conn.execute(
            "INSERT INTO observation VALUES (?, ?, 'greeting.eye-contact', ?, '2026-11-02', "
            "'2026-W45', ?, ?, ?, ?, 'Sam Reid', '2026.1', ?, ?, 1)",
            (
                f"obs-{index}",
                f"emp-{index % 2}",
                f"2026-11-02T09:{index:02d}:00.000000+00:00",
                "missed" if index % 3 == 0 else "met",
                "skill" if index % 3 == 0 else None,
                f"note {index} — «quoted»",
                int(index % 5 == 0),
                at,
                at,
            ),
        )
        conn.execute(
            "INSERT INTO record_history(record_type, record_id, employee_id, action, "
            "changed_at, changed_by, before, after) VALUES ('observation', ?, ?, 'create', ?, "
            "'Sam Reid', NULL, '{}')",
            (f"obs-{index}", f"emp-{index % 2}", at),
        )
    conn.execute("INSERT INTO setting VALUES ('demo_data', 'false')")
    conn.commit()


def _columns(conn, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]


def _snapshot(conn, table: str, columns: list[str] | None = None) -> list[tuple]:
    """The table's rows, sorted; with `columns`, only those (a later schema may add some)."""
    names = ", ".join(f'"{c}"' for c in columns or _columns(conn, table))
    return sorted(conn.execute(f"SELECT {names} FROM {table}").fetchall())


def test_a_schema_1_database_upgrades_without_losing_a_row(tmp_path, monkeypatch):
    monkeypatch.setenv("FLOORCOACH_NOW", "2026-11-25T10:00:00+00:00")
    path = tmp_path / "old" / "floorcoach.db"
    conn = database_at_version(path, 1)
    _fill_schema_1(conn)
    tables = (*TABLES, "record_history", "setting")
    columns = {table: _columns(conn, table) for table in tables}
    before = {table: _snapshot(conn, table) for table in tables}
    conn.close()

    with Store.open(path) as store:
        assert store.schema_version == schema_version_known() >= 2
        for table in tables:
            after = _snapshot(store.conn, table, columns[table])
            if table == "setting":  # schema 5 gives every database an identity of its own
                assert store.setting("database_id")
                after = [row for row in after if row[0] != "database_id"]
            assert after == before[table], table
        assert store.conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert store.conn.execute("SELECT count(*) FROM coaching_session").fetchone()[0] == 0

    # The old records take part in the coaching loop like new ones.
    with open_workspace(path) as store:
        old = get_observation(store, "obs-0")
        session = create_coaching(
            store,
            CoachingInput(
                employee_id="emp-0",
                kind="corrective",
                behaviour_ids=["greeting.eye-contact"],
                said="About the greeting on the 2nd.",
                agreed_action="Look up within ten seconds.",
                observation_ids=[old.id],
                held_at=datetime(2026, 11, 20, 10, tzinfo=UTC),
            ),
            supervisor="Sam Reid",
        )
        assert session.observation_ids == ["obs-0"]
        log_observation(
            store,
            ObservationInput(
                employee_id="emp-0", behaviour_id="greeting.eye-contact", outcome="met"
            ),
            supervisor="Sam Reid",
        )
        assert list_followups(store, datetime(2026, 11, 25).date()) == []
        assert store.conn.execute("SELECT count(*) FROM observation").fetchone()[0] == 31
    assert list(path.parent.glob("floorcoach.db.before-schema-*")), "no backup copy was kept"
