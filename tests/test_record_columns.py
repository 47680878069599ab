"""One list of columns per record: the declarations in `floorcoach.records` match the
live schema, write what they say, shape the history, and the exports are checked
against them; a column nobody declared yet breaks nothing that does not use it."""

from __future__ import annotations

import io
import json
import sqlite3
from datetime import UTC, datetime

import pytest

from floorcoach import export
from floorcoach.coaching import CoachingInput, create_coaching, delete_coaching, edit_coaching
from floorcoach.demo import generate_demo
from floorcoach.models import ObservationInput
from floorcoach.observations import delete_observation, edit_observation, log_observation
from floorcoach.records import COACHING_SESSION, OBSERVATION, Field, Record

from .schema_fixtures import insert_row

SUPERVISOR = "Test Supervisor"
EYE = "greeting.eye-contact"
LISTENS = "needs.listens"
RECORDS = [OBSERVATION, COACHING_SESSION]


@pytest.fixture(autouse=True)
def pinned(monkeypatch):
    monkeypatch.setenv("FLOORCOACH_NOW", "2026-11-25T10:00:00+00:00")


def at(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


def table_columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]


def history_json(store, record_type: str, record_id: str) -> list[tuple[str | None, str | None]]:
    return [
        (row["before"], row["after"])
        for row in store.query(
            "SELECT before, after FROM record_history WHERE record_type = ? AND record_id = ? "
            "ORDER BY seq",
            (record_type, record_id),
        )
    ]


def observe(store, employee, **changes):
    data = {"employee_id": employee.id, "behaviour_id": EYE, "outcome": "met"} | changes
    return log_observation(store, ObservationInput(**data), supervisor=SUPERVISOR)


def coaching_input(employee, **changes) -> CoachingInput:
    data = {
        "employee_id": employee.id,
        "kind": "corrective",
        "behaviour_ids": [EYE],
        "said": "Talked it through",
        "agreed_action": "Greet within 10 seconds",
        "held_at": at(20),
    } | changes
    return CoachingInput(**data)


# --- the declaration and the schema ----------------------------------------------------------


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.table)
def test_every_column_of_the_live_schema_is_declared_and_every_declared_one_exists(store, record):
    assert set(table_columns(store.conn, record.table)) == set(record.columns)


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.table)
def test_an_insert_and_an_update_built_from_the_declaration_write_what_they_say(
    store, team, record
):
    """Every written column round-trips; an edit changes the edited ones only, version + 1."""
    row = _valid_row(store, team[0].id, record, "first")
    with store.write() as conn:
        conn.execute(record.insert_sql, record.insert_values(row))
    names = ", ".join(record.columns)
    stored = store.conn.execute(
        f"SELECT {names} FROM {record.table} WHERE id = ?", (row["id"],)
    ).fetchone()
    assert dict(zip(record.columns, stored, strict=True)) == {**row, "version": 1}

    changed = _valid_row(store, team[0].id, record, "second")
    edit = {name: changed[name] for name in record.edited}
    with store.write() as conn:
        conn.execute(record.update_sql, record.update_values(edit, row["id"]))
    stored = store.conn.execute(
        f"SELECT {names} FROM {record.table} WHERE id = ?", (row["id"],)
    ).fetchone()
    assert dict(zip(record.columns, stored, strict=True)) == {**row, **edit, "version": 2}


def _valid_row(store, employee_id: str, record: Record, word: str) -> dict[str, object]:
    """A value for every written column that the table's constraints accept."""
    behaviour_id, version = store.conn.execute(
        "SELECT id, catalogue_version FROM behaviour ORDER BY id LIMIT 1"
    ).fetchone()
    second = word == "second"
    known = {
        "id": "row-1",
        "employee_id": employee_id,
        "behaviour_id": behaviour_id,
        "catalogue_version": version,
        "outcome": "missed",
        "cause": "system" if second else "skill",
        "story": int(second),
        "kind": "development" if second else "corrective",
        "acknowledged": int(second),
        "local_date": "2026-11-21" if second else "2026-11-20",
        "follow_up_due": "2026-11-28" if second else "2026-11-27",
        "iso_week": "2026-W47",
    }
    row = {}
    for name in record.written:
        if name in known:
            row[name] = known[name]
        elif name.endswith("_at"):
            row[name] = f"2026-11-{21 if second else 20}T09:00:00.000000+00:00"
        else:
            row[name] = f"{name} {word}"
    return row


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.table)
def test_a_row_that_misses_a_declared_column_or_has_an_undeclared_one_is_refused(record):
    row = dict.fromkeys(record.written, "x")
    missing = {k: v for k, v in row.items() if k != "supervisor"}
    with pytest.raises(ValueError, match=r"missing: \['supervisor'\]"):
        record.insert_values(missing)
    with pytest.raises(ValueError, match=r"not declared: \['no_such'\].*floorcoach.records"):
        record.insert_values({**row, "no_such": "A"})
    with pytest.raises(ValueError, match="an edit"):
        record.update_values(row, "row-1")  # more than the edited columns


def test_a_declaration_refuses_fields_an_update_could_not_write():
    with pytest.raises(ValueError, match="declared twice"):
        Record("t", (Field("id"), Field("id"), Field("version")))
    with pytest.raises(ValueError, match="only a stored field can be edited"):
        Record("t", (Field("id"), Field("links", stored=False, edited=True), Field("version")))
    with pytest.raises(ValueError, match="only a stored field can be edited"):
        Record("t", (Field("id"), Field("version", edited=True)))


def test_a_bulk_insert_names_its_columns_and_leaves_the_rest_to_their_defaults():
    sql = COACHING_SESSION.insert_sql_for(("id", "employee_id"))
    assert sql == "INSERT INTO coaching_session(id, employee_id, version) VALUES (?, ?, 1)"
    with pytest.raises(ValueError, match="not a written column: no_such"):
        COACHING_SESSION.insert_sql_for(("id", "no_such"))


# --- the history -------------------------------------------------------------------------------


def test_an_observations_history_keeps_the_declared_fields_in_the_declared_order(store, team):
    saved = observe(store, team[0], outcome="missed", cause="skill", note="first")
    edit_observation(
        store,
        saved.id,
        ObservationInput(employee_id=team[0].id, behaviour_id=LISTENS, outcome="met", note="2"),
        by=SUPERVISOR,
        expected_version=1,
    )
    delete_observation(store, saved.id, by=SUPERVISOR)
    (_, created), (before, after), (deleted, _) = history_json(store, "observation", saved.id)
    expected = list(OBSERVATION.history)
    for text in (created, before, after, deleted):
        assert list(json.loads(text)) == expected
    assert json.loads(before)["note"] == "first" and json.loads(after)["note"] == "2"
    assert (
        json.loads(created).items()
        >= {
            "employee_id": team[0].id,
            "behaviour_id": EYE,
            "observed_at": "2026-11-25T10:00:00Z",
            "outcome": "missed",
            "cause": "skill",
            "note": "first",
            "story": False,
            "supervisor": SUPERVISOR,
            "catalogue_version": saved.catalogue_version,
        }.items()
    )


def test_a_coaching_history_says_only_whether_the_private_note_is_written_or_changed(store, team):
    session = create_coaching(
        store, coaching_input(team[0], private_note="Seemed tired"), supervisor=SUPERVISOR
    )
    edit_coaching(
        store,
        session.id,
        coaching_input(team[0], kind="development", private_note="Better now"),
        by=SUPERVISOR,
        expected_version=1,
    )
    same_note = coaching_input(team[0], said="Again", private_note="Better now")
    edit_coaching(store, session.id, same_note, by=SUPERVISOR, expected_version=2)
    delete_coaching(store, session.id, by=SUPERVISOR)
    lines = history_json(store, "coaching_session", session.id)
    expected = list(COACHING_SESSION.history)
    assert expected[-3:] == ["observation_ids", "behaviour_ids", "private_note"]
    snapshots = [json.loads(text) for pair in lines for text in pair if text is not None]
    assert all(list(snapshot) == expected for snapshot in snapshots)
    notes = [[json.loads(t)["private_note"] if t else None for t in pair] for pair in lines]
    assert notes == [
        [None, "(written)"],
        ["(written)", "(changed)"],
        ["(written)", "(written)"],
        ["(written)", None],
    ]
    everything = json.dumps(lines)
    assert "Seemed tired" not in everything and "Better now" not in everything


# --- the exports against the declarations -------------------------------------------------------


@pytest.mark.parametrize("spec", export._RECORD_EXPORTS.values(), ids=lambda s: s.kind)
def test_every_stored_field_is_exported_or_left_out_on_purpose(spec):
    assert spec.record.table == spec.table
    left_out = set(spec.not_exported)
    assert left_out <= set(spec.record.columns)
    assert spec.record.private <= left_out
    for name in spec.record.private:
        assert name not in export.COLUMNS[spec.kind]


def test_private_coaching_notes_are_never_in_the_coaching_export(store, team):
    assert COACHING_SESSION.private == {"private_note"}
    assert export.COACHING.not_exported == ("private_note", "version")
    create_coaching(store, coaching_input(team[0], private_note="Seemed tired"), supervisor="S")
    out = io.BytesIO()
    assert export.write_export(store, "coaching", out) == 1
    assert b"Seemed tired" not in out.getvalue()


def _coaching_export_with(*columns, not_exported=("private_note", "version")):
    return export.RecordExport(
        kind="coaching",
        record=COACHING_SESSION,
        alias="c",
        joins=export.COACHING.joins,
        date_column="c.local_date",
        columns=export.COACHING.columns + columns,
        not_exported=not_exported,
    )


def test_an_export_that_reads_a_private_field_is_refused_when_it_is_declared():
    with pytest.raises(ValueError, match=r"private fields are exported: \['private_note'\]"):
        _coaching_export_with(export.text_column("note", "c.private_note"))
    sneaky = export.text_column(
        "note", "(SELECT s.private_note FROM coaching_session s WHERE s.id = c.id)"
    )
    with pytest.raises(ValueError, match="private fields are exported"):
        _coaching_export_with(sneaky)


def test_an_export_that_forgets_a_stored_field_or_reads_an_undeclared_one_is_refused():
    with pytest.raises(ValueError, match=r"neither exported nor in not_exported: \['version'\]"):
        _coaching_export_with(not_exported=("private_note",))
    with pytest.raises(ValueError, match=r"read but not declared: \['no_such'\]"):
        _coaching_export_with(export.text_column("no_such", "c.no_such"))
    with pytest.raises(ValueError, match=r"does not store: \['no_such'\]"):
        _coaching_export_with(not_exported=("private_note", "version", "no_such"))


# --- a column nobody declared yet -------------------------------------------------------------


def test_a_new_optional_column_breaks_nothing_that_does_not_use_it(store, team):
    """What the declarations, the bulk loads and the fixtures write names its columns."""
    with store.write() as conn:
        for table in ("observation", "coaching_session", "employee", "behaviour"):
            conn.execute(f"ALTER TABLE {table} ADD COLUMN added_later TEXT")
    headers = {kind: export.header(kind) for kind in export.KINDS}

    saved = observe(store, team[0], outcome="missed", cause="skill")
    edit_observation(
        store,
        saved.id,
        ObservationInput(employee_id=team[0].id, behaviour_id=EYE, outcome="met"),
        by=SUPERVISOR,
        expected_version=1,
    )
    session = create_coaching(store, coaching_input(team[0]), supervisor=SUPERVISOR)
    edit_coaching(
        store, session.id, coaching_input(team[0], said="Again"), by=SUPERVISOR, expected_version=1
    )
    delete_coaching(store, session.id, by=SUPERVISOR)
    delete_observation(store, saved.id, by=SUPERVISOR)
    assert generate_demo(store, employees=6, weeks=4, seed=2, force=True).coaching_sessions
    with store.write() as conn:
        insert_row(conn, "setting", {"key": "fixture", "value": "named columns"})

    for kind in export.KINDS:
        out = io.BytesIO()
        export.write_export(store, kind, out)
        assert out.getvalue().startswith(headers[kind])
    unused = store.conn.execute("SELECT count(*) FROM observation WHERE added_later IS NOT NULL")
    assert unused.fetchone()[0] == 0
