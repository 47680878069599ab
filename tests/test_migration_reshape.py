"""Changing a table's shape in a migration keeps every row that points at it.

Rebuilding `observation` with foreign keys on deleted every coaching link and cleared every
follow-up result (the DROP TABLE of the old table fired ON DELETE CASCADE / SET NULL), and
the runner's `foreign_key_check` had nothing to report. These tests populate a file with
the real core functions, register a test-only migration that widens the CHECK on
`observation.cause`, and check that links, results and history all come through.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from floorcoach import clock
from floorcoach import store as store_module
from floorcoach.coaching import CoachingInput, create_coaching
from floorcoach.demo import generate_demo
from floorcoach.employees import add_employee
from floorcoach.migrations import load_migrations, run_script
from floorcoach.models import Cause, EmployeeInput, Kind, ObservationInput, Outcome, values_of
from floorcoach.observations import delete_observation, log_observation
from floorcoach.store import Store, StoreError
from floorcoach.workspace import open_workspace

from .conftest import SUPERVISOR

CURRENT = max(load_migrations())
NEXT = CURRENT + 1


def _causes_check(values) -> str:
    """The observation table's CHECK on `cause`, as the migrations write it."""
    return "cause IN (" + ", ".join(f"'{value}'" for value in values) + ")"


# Today's constraint, from the vocabulary; a test migration adds 'process' or forbids 'skill'.
OLD_CAUSES = _causes_check(values_of(Cause))
NEW_CAUSES = _causes_check([*values_of(Cause), "process"])


# --- a populated file, made the way floorcoach makes one --------------------------------------


def _populate(path: Path) -> None:
    with open_workspace(path) as store:
        generate_demo(store, employees=16, weeks=10, seed=3)
        person = add_employee(
            store, EmployeeInput(name="Amira Okafor", team="Fashion"), by=SUPERVISOR
        )
        behaviour = "greeting.eye-contact"
        an_hour_ago = clock.now() - timedelta(hours=1)
        missed = log_observation(
            store,
            ObservationInput(
                employee_id=person.id,
                behaviour_id=behaviour,
                outcome=Outcome.MISSED,
                cause="skill",
                observed_at=an_hour_ago - timedelta(minutes=5),
            ),
            supervisor=SUPERVISOR,
        )
        create_coaching(
            store,
            CoachingInput(
                employee_id=person.id,
                kind=Kind.CORRECTIVE,
                behaviour_ids=[behaviour],
                said="Walked through the greeting standard together.",
                agreed_action="Look up and greet within ten seconds.",
                held_at=an_hour_ago,
                observation_ids=[missed.id],
            ),
            supervisor=SUPERVISOR,
        )
        log_observation(  # checks the follow-up: a result that points at this observation
            store,
            ObservationInput(employee_id=person.id, behaviour_id=behaviour, outcome=Outcome.MET),
            supervisor=SUPERVISOR,
        )


def _facts(path: Path) -> dict[str, object]:
    """What a rebuild of `observation` must not lose, read straight from the file."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:

        def rows(sql: str) -> list[tuple]:
            return sorted(conn.execute(sql).fetchall())

        return {
            "observations": rows("SELECT * FROM observation"),
            "links": rows("SELECT coaching_id, observation_id FROM coaching_observation"),
            "follow_ups": rows(
                "SELECT coaching_id, behaviour_id, status, result_observation_id, checked_at "
                "FROM coaching_followup"
            ),
            "history": rows("SELECT * FROM record_history"),
            "sessions": rows("SELECT id FROM coaching_session"),
            "attached": rows(
                "SELECT type, name, sql FROM sqlite_master "
                "WHERE tbl_name = 'observation' AND type IN ('index', 'trigger')"
            ),
            "user_version": conn.execute("PRAGMA user_version").fetchone()[0],
        }
    finally:
        conn.close()


@pytest.fixture
def populated(tmp_path) -> Path:
    path = tmp_path / "data" / "floorcoach.db"
    _populate(path)
    facts = _facts(path)
    assert len(facts["observations"]) > 100
    assert len(facts["links"]) > 5, "the demo should link observations to coaching"
    assert sum(1 for f in facts["follow_ups"] if f[3] is not None) > 2, "and check follow-ups"
    assert len(facts["history"]) >= 4  # the records made through the core functions
    return path


def _register(monkeypatch, step) -> None:
    """Make `step` the next migration, for this test only."""
    real = load_migrations()
    monkeypatch.setattr(store_module, "_migrations", lambda: {**real, NEXT: step})
    monkeypatch.setattr(store_module, "schema_version_known", lambda: NEXT)


# --- the constraint change, three ways ------------------------------------------------------


def _observation_sql(db) -> str:
    sql = db.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'observation'"
    ).fetchone()[0]
    assert sql.count(OLD_CAUSES) == 1
    return sql.replace(OLD_CAUSES, NEW_CAUSES)


def widen_causes_by_hand(db) -> None:
    """SQLite's 12 steps written out in a migration: create, copy, drop, rename, re-attach."""
    attached = [
        row[0]
        for row in db.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'observation' "
            "AND type IN ('index', 'trigger') AND sql IS NOT NULL"
        )
    ]
    new_sql = re.sub(
        r"^CREATE TABLE observation", "CREATE TABLE observation_new", _observation_sql(db)
    )
    run_script(
        db,
        f"""{new_sql};
        INSERT INTO observation_new SELECT * FROM observation;
        DROP TABLE observation;
        ALTER TABLE observation_new RENAME TO observation;
        """,
    )
    for sql in attached:
        db.execute(sql)


def widen_causes_with_rebuild_table(db) -> None:
    from floorcoach.migrations.reshape import rebuild_table

    rebuild_table(db, "observation", _observation_sql(db))


def widen_causes_with_rewrite_check(db) -> None:
    from floorcoach.migrations.reshape import rewrite_check

    rewrite_check(db, "observation", OLD_CAUSES, NEW_CAUSES)


@pytest.mark.parametrize(
    "step",
    [widen_causes_by_hand, widen_causes_with_rebuild_table, widen_causes_with_rewrite_check],
    ids=["by-hand", "rebuild_table", "rewrite_check"],
)
def test_widening_a_check_on_observation_keeps_every_link_result_and_history_line(
    populated, monkeypatch, step
):
    before = _facts(populated)
    _register(monkeypatch, step)

    with Store.open(populated) as store:
        assert store.schema_version == NEXT
        assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1  # on again
        assert store.conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert store.conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]

    after = _facts(populated)
    for fact in ("observations", "links", "follow_ups", "history", "sessions", "attached"):
        assert after[fact] == before[fact], f"{fact} changed in the rebuild"


@pytest.mark.parametrize(
    "step",
    [widen_causes_with_rebuild_table, widen_causes_with_rewrite_check],
    ids=["rebuild_table", "rewrite_check"],
)
def test_after_the_change_the_new_value_is_allowed_and_deleting_still_cascades(
    populated, monkeypatch, step
):
    _register(monkeypatch, step)
    with Store.open(populated) as store:
        missed = store.query(
            "SELECT id FROM observation WHERE outcome = 'missed' AND id IN "
            "(SELECT observation_id FROM coaching_observation) LIMIT 1"
        )[0]["id"]
        with store.write() as conn:
            conn.execute("UPDATE observation SET cause = 'process' WHERE id = ?", (missed,))
            conn.execute("UPDATE observation SET cause = 'skill' WHERE id = ?", (missed,))
        with pytest.raises(sqlite3.IntegrityError), store.write() as conn:
            conn.execute("UPDATE observation SET cause = 'weather' WHERE id = ?", (missed,))

        # Links, results and the trigger still belong to the new table: deleting works as before.
        delete_observation(store, missed, by=SUPERVISOR)
        assert not store.query(
            "SELECT 1 FROM coaching_observation WHERE observation_id = ?", (missed,)
        )
        checked = store.query(
            "SELECT coaching_id, behaviour_id, result_observation_id FROM coaching_followup "
            "WHERE result_observation_id IS NOT NULL AND result_observation_id != ? LIMIT 1",
            (missed,),
        )[0]
        delete_observation(store, checked["result_observation_id"], by=SUPERVISOR)
        assert store.query(
            "SELECT status, result_observation_id, checked_at FROM coaching_followup "
            "WHERE coaching_id = ? AND behaviour_id = ?",
            (checked["coaching_id"], checked["behaviour_id"]),
        ) == [{"status": "open", "result_observation_id": None, "checked_at": None}]
        assert store.conn.execute("PRAGMA foreign_key_check").fetchall() == []


# --- refusals: the file stays exactly as it was ---------------------------------------------


def test_a_migration_that_orphans_links_is_refused_and_the_file_is_unchanged(
    populated, monkeypatch
):
    before = _facts(populated)

    def drop_the_misses(db) -> None:  # a "rebuild" that forgot some rows
        db.execute("DELETE FROM observation WHERE outcome = 'missed'")

    _register(monkeypatch, drop_the_misses)
    with pytest.raises(StoreError) as refused:
        Store.open(populated)
    message = str(refused.value)
    assert "coaching_observation" in message and "observation" in message
    assert "Nothing was changed" in message
    assert _facts(populated) == before

    monkeypatch.undo()  # the real migrations open the same file as if nothing happened
    with Store.open(populated) as store:
        assert store.schema_version == CURRENT
        assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_a_check_that_existing_rows_break_is_refused_and_the_file_is_unchanged(
    populated, monkeypatch
):
    before = _facts(populated)

    def forbid_skill(db) -> None:
        from floorcoach.migrations.reshape import rewrite_check

        without_skill = [value for value in values_of(Cause) if value != Cause.SKILL]
        rewrite_check(db, "observation", OLD_CAUSES, _causes_check(without_skill))

    _register(monkeypatch, forbid_skill)
    with pytest.raises(StoreError) as refused:
        Store.open(populated)
    assert "break the new constraints" in str(refused.value)
    assert _facts(populated) == before
    with sqlite3.connect(populated) as conn:
        assert (
            OLD_CAUSES
            in conn.execute("SELECT sql FROM sqlite_master WHERE name = 'observation'").fetchone()[
                0
            ]
        )


def test_a_rebuild_that_would_lose_a_column_is_refused_unless_the_step_says_drop(
    populated, monkeypatch
):
    before = _facts(populated)

    def forget_the_note(db) -> None:
        from floorcoach.migrations.reshape import rebuild_table

        sql = _observation_sql(db).replace("note TEXT NOT NULL DEFAULT '',", "")
        rebuild_table(db, "observation", sql)

    _register(monkeypatch, forget_the_note)
    with pytest.raises(StoreError) as refused:
        Store.open(populated)
    assert "no column 'note'" in str(refused.value) and "drop=" in str(refused.value)
    assert _facts(populated) == before


def test_a_new_column_is_filled_from_an_expression_over_the_old_row(populated, monkeypatch):
    def stamp_settings(db) -> None:
        from floorcoach.migrations.reshape import rebuild_table

        rebuild_table(
            db,
            "setting",
            "CREATE TABLE setting (key TEXT PRIMARY KEY, value TEXT NOT NULL, "
            "set_at TEXT NOT NULL)",
            fill={"set_at": "'before ' || upper(key)"},
        )

    with sqlite3.connect(populated) as conn:
        settings = sorted(conn.execute("SELECT key, value FROM setting").fetchall())
    _register(monkeypatch, stamp_settings)
    Store.open(populated).close()
    with sqlite3.connect(populated) as conn:
        assert sorted(conn.execute("SELECT key, value, set_at FROM setting").fetchall()) == [
            (key, value, f"before {key.upper()}") for key, value in settings
        ]


def test_rebuilding_an_autoincrement_table_never_reuses_a_number(populated, monkeypatch):
    with sqlite3.connect(populated) as conn:
        top = conn.execute("SELECT max(seq) FROM record_history").fetchone()[0]
        conn.execute("DELETE FROM record_history WHERE seq = ?", (top,))  # as erasure would

    def rebuild_history(db) -> None:
        from floorcoach.migrations.reshape import rebuild_table

        sql = db.execute("SELECT sql FROM sqlite_master WHERE name = 'record_history'")
        rebuild_table(db, "record_history", sql.fetchone()[0])

    _register(monkeypatch, rebuild_history)
    with Store.open(populated) as store:
        with store.write():
            store.record_history(
                "observation", "x", "create", SUPERVISOR, employee_id=None, after={}
            )
        assert store.query("SELECT max(seq) AS seq FROM record_history")[0]["seq"] == top + 1
        with pytest.raises(sqlite3.IntegrityError, match="cannot be changed"):
            store.conn.execute("UPDATE record_history SET changed_by = 'someone else'")


def test_where_sqlite_will_not_edit_its_schema_rewrite_check_rebuilds_instead(
    populated, monkeypatch
):
    from floorcoach.migrations import reshape

    def defensive(conn, table, sql) -> None:  # SQLITE_DBCONFIG_DEFENSIVE builds say this
        raise sqlite3.OperationalError("table sqlite_master may not be modified")

    monkeypatch.setattr(reshape, "_edit_schema", defensive)
    before = _facts(populated)
    _register(monkeypatch, widen_causes_with_rewrite_check)
    Store.open(populated).close()
    after = _facts(populated)
    for fact in ("observations", "links", "follow_ups", "history", "attached"):
        assert after[fact] == before[fact], fact
    with sqlite3.connect(populated) as conn:
        assert (
            NEW_CAUSES
            in conn.execute("SELECT sql FROM sqlite_master WHERE name = 'observation'").fetchone()[
                0
            ]
        )


def test_a_rebuild_outside_the_runner_with_foreign_keys_on_is_refused(populated):
    from floorcoach.migrations.reshape import rebuild_table

    with (
        Store.open(populated) as store,
        store.write(),
        pytest.raises(RuntimeError, match="keys on"),
    ):
        rebuild_table(store.db, "observation", _observation_sql(store.db))


def test_no_migration_step_uses_sqlite_utils_transform():
    """transform() recreates indexes but not triggers: it lost the follow-up reopen trigger."""
    from floorcoach import migrations

    folder = Path(migrations.__file__).parent
    users = [p.name for p in folder.glob("v*.py") if ".transform(" in p.read_text()]
    assert users == [], "use floorcoach.migrations.reshape.rebuild_table instead"
