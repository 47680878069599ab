"""Schema 7 on a device: ids that hold across devices, without the app passing any."""

from __future__ import annotations

import sqlite3
import uuid

import pytest

from floorcoach.coaching import CoachingInput, create_coaching
from floorcoach.models import ObservationInput
from floorcoach.observations import delete_observation, log_observation
from floorcoach.workspace import open_workspace

from .schema_fixtures import database_at_version, insert_row

NOW = "2026-11-20T10:00:00.000000+00:00"
EYE = "greeting.eye-contact"


def is_uuid4(text: str) -> bool:
    return uuid.UUID(text).version == 4 and str(uuid.UUID(text)) == text


def _schema_6_device(path) -> None:
    """A device as floorcoach with schema 6 left it: two supervisors' observations, a third's
    coaching session with follow-ups, and history for all of it."""
    conn = database_at_version(path, 6)
    with conn:
        insert_row(
            conn,
            "catalogue",
            {"id": "retail", "title": "R", "version": "1", "loaded_at": NOW},
        )
        for behaviour_id in (EYE, "checkout.thanks"):
            insert_row(
                conn,
                "behaviour",
                {
                    "id": behaviour_id,
                    "catalogue_id": "retail",
                    "catalogue_version": "1",
                    "touch_point_id": "t",
                    "touch_point": "T",
                    "title": "x",
                    "standard": "s",
                    "look_fors": "[]",
                },
            )
        insert_row(
            conn,
            "employee",
            {
                "id": "e-1",
                "employee_ref": "001",
                "name": "Amira",
                "team": "Fashion",
                "created_at": NOW,
                "updated_at": NOW,
            },
        )
        for number, name in enumerate(["Sam Reid", "Sam Reid", "Jo Bloggs"]):
            insert_row(
                conn,
                "observation",
                {
                    "id": f"o-{number}",
                    "employee_id": "e-1",
                    "behaviour_id": EYE,
                    "observed_at": NOW,
                    "local_date": "2026-11-20",
                    "iso_week": "2026-W47",
                    "outcome": "met",
                    "supervisor": name,
                    "catalogue_version": "1",
                    "created_at": NOW,
                    "updated_at": NOW,
                },
            )
            insert_row(
                conn,
                "record_history",
                {
                    "record_type": "observation",
                    "record_id": f"o-{number}",
                    "employee_id": "e-1",
                    "action": "create",
                    "changed_at": NOW,
                    "changed_by": name,
                    "after": "{}",
                },
            )
        insert_row(
            conn,
            "coaching_session",
            {
                "id": "c-1",
                "employee_id": "e-1",
                "supervisor": "Kim Lead",
                "held_at": NOW,
                "local_date": "2026-11-20",
                "kind": "corrective",
                "follow_up_due": "2026-11-27",
                "created_at": NOW,
                "updated_at": NOW,
            },
        )
        for behaviour_id in (EYE, "checkout.thanks"):
            insert_row(
                conn,
                "coaching_followup",
                {
                    "coaching_id": "c-1",
                    "behaviour_id": behaviour_id,
                    "employee_id": "e-1",
                    "due": "2026-11-27",
                },
            )
    conn.close()


@pytest.fixture
def upgraded(db_path):
    _schema_6_device(db_path)
    with open_workspace(db_path) as store:
        yield store


def test_every_supervisor_name_on_a_device_gets_a_supervisor_id(upgraded):
    rows = upgraded.query("SELECT display_name, id, login FROM supervisor ORDER BY display_name")
    assert [r["display_name"] for r in rows] == ["Jo Bloggs", "Kim Lead", "Sam Reid"]
    assert all(is_uuid4(r["id"]) and r["login"] is None for r in rows)
    assert len({r["id"] for r in rows}) == 3
    unnamed = upgraded.query(
        "SELECT count(*) AS n FROM observation o "
        "WHERE NOT EXISTS (SELECT 1 FROM supervisor s WHERE s.display_name = o.supervisor)"
    )
    assert unnamed[0]["n"] == 0


def test_a_new_supervisor_name_gets_an_id_when_its_first_record_is_saved(upgraded):
    log_observation(
        upgraded,
        ObservationInput(employee_id="e-1", behaviour_id=EYE, outcome="met"),
        supervisor="New Person",
    )
    create_coaching(
        upgraded,
        CoachingInput(
            employee_id="e-1",
            kind="recognition",
            behaviour_ids=[EYE],
            said="Well done",
            agreed_action="Keep it up",
        ),
        supervisor="Coach Only",
    )
    log_observation(  # an existing name keeps its id
        upgraded,
        ObservationInput(employee_id="e-1", behaviour_id=EYE, outcome="met"),
        supervisor="Sam Reid",
    )
    ids = {r["display_name"]: r["id"] for r in upgraded.query("SELECT * FROM supervisor")}
    assert set(ids) == {"Jo Bloggs", "Kim Lead", "Sam Reid", "New Person", "Coach Only"}
    assert is_uuid4(ids["New Person"]) and is_uuid4(ids["Coach Only"])


def test_history_entries_and_follow_ups_get_ids_unique_across_devices(upgraded):
    old = upgraded.query("SELECT uuid FROM record_history")
    followups = upgraded.query("SELECT uuid FROM coaching_followup")
    assert len(old) == 3 and len(followups) == 2
    saved = log_observation(
        upgraded,
        ObservationInput(employee_id="e-1", behaviour_id=EYE, outcome="missed", cause="skill"),
        supervisor="Sam Reid",
    )
    delete_observation(upgraded, saved.id, by="Sam Reid")  # a deletion: the tombstone
    create_coaching(
        upgraded,
        CoachingInput(
            employee_id="e-1",
            kind="development",
            behaviour_ids=[EYE, "checkout.thanks"],
            said="s",
            agreed_action="a",
        ),
        supervisor="Sam Reid",
    )
    history = [r["uuid"] for r in upgraded.query("SELECT uuid FROM record_history")]
    followups = [r["uuid"] for r in upgraded.query("SELECT uuid FROM coaching_followup")]
    assert len(history) >= 6 and len(followups) == 4
    for ids in (history, followups):
        assert all(is_uuid4(i) for i in ids)
        assert len(set(ids)) == len(ids)
    deleted = upgraded.query(
        "SELECT uuid FROM record_history WHERE record_id = ? AND action = 'delete'", (saved.id,)
    )
    assert is_uuid4(deleted[0]["uuid"])


def test_the_history_stays_append_only_and_its_ids_cannot_be_changed(upgraded):
    with pytest.raises(sqlite3.IntegrityError, match="record history cannot be changed"):
        upgraded.conn.execute("UPDATE record_history SET uuid = 'mine'")
    with pytest.raises(sqlite3.IntegrityError, match="NOT NULL"):
        upgraded.conn.execute(
            "INSERT INTO record_history(record_type, record_id, action, changed_at, changed_by, "
            "uuid) VALUES ('x', 'y', 'create', ?, 'z', NULL)",
            (NOW,),
        )
    upgraded.conn.rollback()


def test_the_device_id_is_the_database_id_and_differs_between_files(tmp_path):
    ids = set()
    for name in ("one.db", "two.db"):
        with open_workspace(tmp_path / name) as store:
            ids.add(store.setting("database_id"))
    assert len(ids) == 2 and all(is_uuid4(i) for i in ids)
