"""Everything a supervisor records travels: coaching, follow-ups, history, deletions up;
others' records, focus periods and tombstones down, read-only; conflicts kept, never lost.

Devices are separate SQLite files written by separate `floorcoach` processes; edits the
CLI has no command for (correcting or deleting a record) are made with the core, on the
device's file, as the TUI makes them.
"""

from __future__ import annotations

import sqlite3
import time

import psycopg
import pytest

from floorcoach.models import ObservationInput
from floorcoach.observations import delete_observation, edit_observation, get_observation
from floorcoach.org.conflicts import keep_mine, list_conflicts, take_theirs
from floorcoach.org.readonly import ReadOnlyRecord
from floorcoach.store import Store

from . import pg_server, test_org_sync
from .pg_server import OrgDatabase, floorcoach, floorcoach_started
from .test_org_sync import EYE, MARKER, Device, add_login, org_rows

org_store, org_template = pg_server.org_store, pg_server.org_template  # fixtures
organisation = test_org_sync.organisation


def server_state(org: OrgDatabase) -> dict[str, list[str]]:
    """Every row of every org table, with its change stamp: what a sync may change."""
    with org.connect() as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'floorcoach' ORDER BY 1"
            )
        ]
        return {
            table: sorted(
                repr(row)
                for row in conn.execute(
                    psycopg.sql.SQL("SELECT t::text FROM floorcoach.{} t").format(
                        psycopg.sql.Identifier(table)
                    )
                )
            )
            for table in tables
        }


def tables_holding(org: OrgDatabase, text: str) -> set[str]:
    """The org tables with a row whose text holds `text` (every column, every table)."""
    with org.connect() as conn:
        tables = conn.execute(
            "SELECT schemaname, tablename FROM pg_tables "
            "WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
        ).fetchall()
        return {
            table
            for schema, table in tables
            if conn.execute(
                psycopg.sql.SQL("SELECT count(*) FROM {}.{} t WHERE t::text LIKE %s").format(
                    psycopg.sql.Identifier(schema), psycopg.sql.Identifier(table)
                ),
                (f"%{text}%",),
            ).fetchone()[0]
        }


def coach(device: Device, employee: str, private_note: str = "") -> None:
    device.run(
        "coach",
        "--employee",
        employee,
        "--kind",
        "corrective",
        "--behaviour",
        EYE,
        "--said",
        "we talked about eye contact",
        "--action",
        "greet sooner",
        "--private-note",
        private_note,
    )


def note_of(device: Device, note: str) -> str:
    return device.rows("SELECT id FROM observation WHERE note = ?", (note,))[0][0]


def edit_note(device: Device, observation_id: str, note: str) -> None:
    """Correct an observation's note on the device, as its edit form does."""
    with Store.open(device.db, create=False) as store:
        before = get_observation(store, observation_id)
        edit_observation(
            store,
            observation_id,
            ObservationInput(
                employee_id=before.employee_id,
                behaviour_id=before.behaviour_id,
                outcome=before.outcome,
                note=note,
                observed_at=before.observed_at,
            ),
            by=device.name,
            expected_version=before.version,
        )


# --- up ---------------------------------------------------------------------------------------


def test_coaching_follow_ups_history_and_deletions_go_up_once(organisation):
    org, ana, bob = organisation
    ana.join()
    ana.log("F1", "seen before the talk")
    coach(ana, "F1", private_note=MARKER)
    ana.log("F1", "seen after the talk")  # gives the follow-up its result
    first = ana.sync().stdout
    assert "up 2 observations, 1 coaching session, 1 follow-up, 4 history entries" in first
    assert org_rows(org, "SELECT kind, agreed_action FROM floorcoach.coaching_session") == [
        ("corrective", "greet sooner")
    ]
    assert org_rows(
        org,
        "SELECT f.status, o.note FROM floorcoach.coaching_followup f "
        "JOIN floorcoach.observation o ON o.id = f.result_observation_id",
    ) == [("held", "seen after the talk")]
    assert org_rows(org, "SELECT count(*) FROM floorcoach.record_history") == [(4,)]
    assert tables_holding(org, MARKER) == set()  # never read for a push
    assert "private_note" not in repr(server_state(org)["coaching_session"])

    with Store.open(ana.db, create=False) as store:
        delete_observation(store, note_of(ana, "seen before the talk"), by=ana.name)
    assert "up 1 history entry, 1 deletion" in ana.sync().stdout
    assert org_rows(org, "SELECT note FROM floorcoach.observation") == [("seen after the talk",)]
    assert org_rows(org, "SELECT record_type FROM floorcoach.deletion") == [("observation",)]

    server, device = server_state(org), ana.contents()
    assert "nothing moved" in ana.sync().stdout
    assert server_state(org) == server  # not one row rewritten: the same change stamps
    assert ana.contents() == device


def test_pushing_only_what_the_org_has_not_confirmed_survives_a_repeat_after_a_lost_reply(
    organisation,
):
    """The server committed, the device never heard: the same rows again change nothing."""
    org, ana, bob = organisation
    ana.join()
    ana.log("F1", "one")
    coach(ana, "F1")
    ana.sync()
    server = server_state(org)
    with Store.open(ana.db, create=False) as store, store.write() as conn:
        conn.execute("DELETE FROM org_pushed")  # as if the device never noted the push
        conn.execute("UPDATE org_change SET pushed = NULL")  # (noted in the same write)
    again = ana.sync().stdout
    assert "nothing moved" in again and "conflict" not in again
    assert server_state(org) == server
    assert ana.rows("SELECT count(*) FROM org_conflict") == [(0,)]
    assert ana.rows("SELECT count(*) FROM org_pushed") == [(5,)]  # 1 record, 1 session, its
    # follow-ups and links, 2 history entries: noted again


# --- down -------------------------------------------------------------------------------------


def test_others_records_about_my_team_come_down_read_only_with_who_recorded_them(organisation):
    org, ana, bob = organisation
    ana.join()
    bob.join()
    ana.log("F2", "Ana saw Ben greet")
    coach(ana, "F2", private_note=MARKER)
    ana.sync()
    with org.connect() as admin:  # the team's focus, as a lead set it in the org store
        admin.execute(
            "INSERT INTO floorcoach.focus_period(id, team, starts_on, ends_on, note, set_by, "
            "created_at, updated_at) VALUES (gen_random_uuid(), 'Fashion', '2026-11-01', "
            "'2026-12-31', 'greetings first', 'Lea Park', now(), now())"
        )
        focus_id = admin.execute("SELECT id::text FROM floorcoach.focus_period").fetchone()[0]
        admin.execute(
            "INSERT INTO floorcoach.focus_behaviour(focus_id, position, behaviour_id) "
            "VALUES (%s, 0, %s)",
            (focus_id, EYE),
        )
    down = bob.sync().stdout
    assert "1 observation by others, 1 coaching session by others, 1 focus period" in down
    assert bob.rows("SELECT note, supervisor FROM observation") == [
        ("Ana saw Ben greet", "Ana Lima")
    ]
    assert bob.rows("SELECT said, supervisor, private_note FROM coaching_session") == [
        ("we talked about eye contact", "Ana Lima", "")
    ]
    assert bob.rows("SELECT behaviour_id, status FROM coaching_followup") == [(EYE, "open")]
    assert bob.rows("SELECT note, set_by FROM focus_period") == [("greetings first", "Lea Park")]
    assert bob.rows("SELECT behaviour_id FROM focus_behaviour") == [(EYE,)]

    observation_id = note_of(bob, "Ana saw Ben greet")
    with Store.open(bob.db, create=False) as store:
        with pytest.raises(ReadOnlyRecord, match="recorded by Ana Lima and came from the org"):
            delete_observation(store, observation_id, by=bob.name)
        with pytest.raises(ReadOnlyRecord, match="only Ana Lima can change"):
            edit_note(bob, observation_id, "Bob's words")
    raw = sqlite3.connect(bob.db)
    with pytest.raises(sqlite3.IntegrityError, match="read-only"):  # even without floorcoach
        raw.execute("UPDATE observation SET note = 'changed behind its back'")
    raw.close()
    assert bob.rows("SELECT note FROM observation") == [("Ana saw Ben greet",)]

    with Store.open(ana.db, create=False) as store:
        delete_observation(store, note_of(ana, "Ana saw Ben greet"), by=ana.name)
    ana.sync()
    assert "1 deletion" in bob.sync().stdout
    assert bob.rows("SELECT count(*) FROM observation") == [(0,)]
    assert "nothing moved" in bob.sync().stdout


def test_two_devices_pushing_concurrently_while_a_lead_pulls_miss_nothing(organisation, tmp_path):
    """Ana's push takes its transaction id first and commits last; Bob's commits in
    between and Lea pulls in between too: her next pull must still bring Ana's rows."""
    org, ana, bob = organisation
    add_login(org, "lea", "Lea Park", leads=["Fashion"])
    lea = Device(tmp_path, "lea", org, "Lea Park")
    for device in (ana, bob, lea):
        device.join()
    ana.log("F1", "ana's, committed last")
    coach(ana, "F1")
    bob.log("F2", "bob's, committed first")

    gate = org.connect()  # holds Ana's push after its observations, before her session
    gate.autocommit = False
    gate.execute("LOCK TABLE floorcoach.coaching_session IN SHARE MODE")
    try:
        slow = floorcoach_started("sync", db=ana.db, password="ana-secret", env=ana.env)
        deadline = time.monotonic() + 30
        while not org_rows(
            org,
            "SELECT 1 FROM pg_stat_activity WHERE usename = 'ana' AND wait_event_type = 'Lock'",
        ):
            assert slow.poll() is None and time.monotonic() < deadline, slow.communicate()
            time.sleep(0.05)
        bob.sync()
        between = lea.sync().stdout
        assert "1 observation by others" in between  # Bob's; Ana's is not committed yet
    finally:
        gate.rollback()
        gate.close()
    assert slow.wait(timeout=60) == 0, slow.communicate()
    assert "1 observation by others, 1 coaching session by others" in lea.sync().stdout
    notes = {r[0] for r in lea.rows("SELECT note FROM observation")}
    assert notes == {"ana's, committed last", "bob's, committed first"}
    assert lea.rows("SELECT count(*) FROM coaching_session") == [(1,)]


# --- conflicts --------------------------------------------------------------------------------


def test_a_record_changed_on_two_devices_is_one_conflict_and_nothing_is_lost(
    organisation, tmp_path
):
    org, laptop, bob = organisation
    tablet = Device(tmp_path / "tablet", "ana", org, "Ana on her tablet")
    laptop.join()
    laptop.log("F1", "first words")
    laptop.sync()
    joined = tablet.join().stdout  # Ana's own record comes to her other device, editable there
    assert "1 of your records from another device" in joined
    observation_id = note_of(tablet, "first words")
    assert tablet.rows("SELECT count(*) FROM org_foreign") == [(0,)]

    edit_note(laptop, observation_id, "laptop words")  # both offline, both edit it
    edit_note(tablet, observation_id, "tablet words")
    assert "up 1 observation" in tablet.sync().stdout  # the first to reach the server
    assert "1 conflict: changed on another of your devices too" in laptop.sync().stdout
    assert "conflicts: 1" in laptop.run("org", "status").stdout
    with Store.open(laptop.db, create=False) as store:
        conflicts = list_conflicts(store)
    assert len(conflicts) == 1
    assert (conflicts[0].mine["note"], conflicts[0].theirs["note"]) == (
        "laptop words",
        "tablet words",
    )
    assert "note" in conflicts[0].changed_fields()
    assert org_rows(org, "SELECT note, version FROM floorcoach.observation") == [
        ("tablet words", 2)
    ]
    assert laptop.rows("SELECT note FROM observation") == [("laptop words",)]
    assert "nothing moved" in laptop.sync().stdout  # a conflict waits for its owner

    with Store.open(laptop.db, create=False) as store:  # "save mine"
        keep_mine(store, "observation", observation_id, by=laptop.name)
    assert "up 1 observation" in laptop.sync().stdout
    assert org_rows(org, "SELECT note, version FROM floorcoach.observation") == [
        ("laptop words", 3)
    ]
    assert "1 of your records from another device" in tablet.sync().stdout
    assert tablet.rows("SELECT note FROM observation") == [("laptop words",)]

    edit_note(laptop, observation_id, "laptop again")  # once more, and this time "reload theirs"
    edit_note(tablet, observation_id, "tablet again")
    tablet.sync()
    laptop.sync()
    with Store.open(laptop.db, create=False) as store:
        [conflict] = list_conflicts(store)
        take_theirs(store, "observation", observation_id, by=laptop.name)
        assert list_conflicts(store) == []
    assert laptop.rows("SELECT note FROM observation") == [("tablet again",)]
    assert "laptop again" in repr(laptop.rows("SELECT after FROM record_history"))  # kept
    assert "conflicts: 0" in laptop.run("org", "status").stdout


# --- the roster -------------------------------------------------------------------------------


def test_hr_imports_the_org_roster_with_the_same_rules_and_errors_as_a_device(
    organisation, tmp_path
):
    org, ana, bob = organisation
    add_login(org, "hana", "Hana Reyes", hr=True)
    bob.join()
    good = tmp_path / "org-roster.csv"
    good.write_text(
        "Employee ID;Full Name;Department\nF1;Amira Okafor;Fashion\nF2;Ben Nowak;Home\n"
        "F3;Cleo Hart;Fashion\n",
        encoding="utf-8-sig",
    )
    url = org.url("hana")
    done = floorcoach("org", "roster", "import", "--url", url, str(good), password="hana-secret")
    assert done.returncode == 0, done.stderr
    assert "1 added, 1 updated, 1 unchanged" in done.stdout
    assert "roster 1 new, 1 changed" in bob.sync().stdout

    left = tmp_path / "left.csv"  # a deactivation reaches the devices with the next sync
    left.write_text("employee_ref,name,team,active\nF2,Ben Nowak,Home,left\n", encoding="utf-8")
    done = floorcoach("org", "roster", "import", "--url", url, str(left), password="hana-secret")
    assert "0 added, 1 updated, 0 unchanged" in done.stdout, done.stderr
    assert "roster 1 changed" in bob.sync().stdout
    assert bob.rows("SELECT active FROM employee WHERE employee_ref = 'F2'") == [(0,)]
    assert bob.rows("SELECT team FROM employee WHERE employee_ref = 'F2'") == [("Home",)]

    bad = tmp_path / "bad-roster.csv"
    bad.write_text('employee_ref,name\nF4,"Dee Quote\nF5,\n', encoding="utf-8")
    on_org = floorcoach("org", "roster", "import", "--url", url, str(bad), password="hana-secret")
    on_device = floorcoach("roster", "import", str(bad), db=tmp_path / "plain.db")
    assert on_org.returncode == on_device.returncode == 1
    assert on_org.stderr == on_device.stderr and "nothing was imported" in on_org.stderr
    assert org_rows(org, "SELECT count(*) FROM floorcoach.employee") == [(3,)]

    more = tmp_path / "more.csv"
    more.write_text("employee_ref,name,team\nF9,Finn Moss,Fashion\n", encoding="utf-8")
    not_hr = floorcoach(
        "org", "roster", "import", "--url", org.url("ana"), str(more), password="ana-secret"
    )
    assert not_hr.returncode == 1 and "row-level security" in not_hr.stderr
    assert len(not_hr.stderr.strip().splitlines()) == 1


def test_a_follow_up_result_given_on_my_other_device_reaches_this_one(organisation, tmp_path):
    org, laptop, bob = organisation
    tablet = Device(tmp_path / "tablet", "ana", org, "Ana on her tablet")
    laptop.join()
    coach(laptop, "F1")
    laptop.sync()
    tablet.join()
    tablet.log("F1", "greeted with eye contact")  # the evidence, seen on the tablet
    assert "1 follow-up" in tablet.sync().stdout
    assert "1 of your records from another device" in laptop.sync().stdout
    assert laptop.rows(
        "SELECT f.status, o.note FROM coaching_followup f "
        "JOIN observation o ON o.id = f.result_observation_id"
    ) == [("held", "greeted with eye contact")]
    for device in (laptop, tablet):
        assert "nothing moved" in device.sync().stdout


def test_a_record_deleted_on_one_device_and_edited_on_another_stays_deleted(organisation, tmp_path):
    org, laptop, bob = organisation
    tablet = Device(tmp_path / "tablet", "ana", org, "Ana on her tablet")
    laptop.join()
    laptop.log("F1", "logged twice by mistake")
    laptop.sync()
    tablet.join()
    observation_id = note_of(tablet, "logged twice by mistake")
    with Store.open(tablet.db, create=False) as store:
        delete_observation(store, observation_id, by=tablet.name)
    edit_note(laptop, observation_id, "corrected meanwhile")
    assert "1 deletion" in tablet.sync().stdout
    assert "1 deletion" in laptop.sync().stdout  # the edit does not bring it back
    assert org_rows(org, "SELECT count(*) FROM floorcoach.observation") == [(0,)]
    assert laptop.rows("SELECT count(*) FROM observation") == [(0,)]
    assert "corrected meanwhile" in repr(laptop.rows("SELECT after FROM record_history"))
