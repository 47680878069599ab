"""Devices joining an organisation and syncing with it: separate `floorcoach` processes,
separate SQLite files, one real PostgreSQL server."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest

from floorcoach.models import ObservationInput
from floorcoach.observations import edit_observation
from floorcoach.org.supervisors import add_supervisor
from floorcoach.org.sync import ROSTER_BY, sync
from floorcoach.store import Store

from . import pg_server
from .pg_server import OrgDatabase, floorcoach

org_store, org_template = pg_server.org_store, pg_server.org_template  # fixtures

EYE = "greeting.eye-contact"
MARKER = "PRIVATE-7f3a-never-on-the-server"


class Device:
    """One supervisor's laptop: its own database file and its own login's password."""

    def __init__(self, folder: Path, login: str, org: OrgDatabase, name: str):
        self.db = folder / login / "floorcoach.db"
        self.login = login
        self.org = org
        self.name = name  # the supervisor name it wrote before joining (and still writes)
        self.env = {"FLOORCOACH_SUPERVISOR": name}

    def run(self, *args: str, expect: int = 0):
        done = floorcoach(*args, db=self.db, password=f"{self.login}-secret", env=self.env)
        assert done.returncode == expect, done.stdout + done.stderr
        return done

    def join(self):
        return self.run("org", "join", self.org.url(self.login))

    def sync(self, expect: int = 0):
        return self.run("sync", expect=expect)

    def log(self, employee: str, note: str, outcome: str = "met"):
        self.run(
            "log", "--employee", employee, "--behaviour", EYE, "--outcome", outcome, "--note", note
        )

    def rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        conn = sqlite3.connect(f"{self.db.resolve().as_uri()}?mode=ro", uri=True)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    def contents(self) -> dict[str, list]:
        """Every row the device keeps, but the time of the last sync."""
        tables = [r[0] for r in self.rows("SELECT name FROM sqlite_master WHERE type = 'table'")]
        rows = {t: self.rows(f'SELECT * FROM "{t}"') for t in tables}
        rows["setting"] = [r for r in rows["setting"] if r[0] != "org_last_sync"]
        return {t: sorted(map(repr, found)) for t, found in rows.items()}


def org_rows(org: OrgDatabase, sql: str, params: tuple = ()) -> list[tuple]:
    with org.connect() as conn:
        return conn.execute(sql, params).fetchall()


def add_login(org: OrgDatabase, login: str, name: str, **rights) -> None:
    """What `org add-supervisor` does (its own tests run the command), and a password."""
    with org.connect() as conn:
        add_supervisor(conn, login, name=name, **rights)
    org.set_password(login, f"{login}-secret")


@pytest.fixture
def organisation(org_store, tmp_path):
    """An org with a two-person Fashion roster and two supervisors who observe Fashion."""
    org = org_store
    for login, name in (("ana", "Ana Lima"), ("bob", "Bob Stone")):
        add_login(org, login, name, teams=["Fashion"])
    with org.connect() as conn:
        conn.execute(
            "INSERT INTO floorcoach.employee(employee_ref, name, team) VALUES "
            "('F1', 'Amira Okafor', 'Fashion'), ('F2', 'Ben Nowak', 'Fashion')"
        )
    ana = Device(tmp_path, "ana", org, "Ana on her laptop")
    bob = Device(tmp_path, "bob", org, "Bob Stone")
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "employee_ref,name,team\nF1,Amira Okafor,Fashion\nX9,Only Local,Fashion\n",
        encoding="utf-8",
    )
    ana.run("roster", "import", str(roster))
    return org, ana, bob


def observations_on_server(org: OrgDatabase) -> set[tuple]:
    return set(
        org_rows(
            org,
            "SELECT o.id::text, e.employee_ref, o.note, o.supervisor FROM floorcoach.observation o "
            "JOIN floorcoach.employee e ON e.id = o.employee_id",
        )
    )


def observations_on_device(device: Device, name: str) -> set[tuple]:
    """The device's own observations about people in the org roster (not pulled ones)."""
    return {
        (i, ref, note, name)
        for i, ref, note in device.rows(
            "SELECT o.id, e.employee_ref, o.note FROM observation o "
            "JOIN employee e ON e.id = o.employee_id WHERE e.employee_ref IN ('F1', 'F2') "
            "AND o.id NOT IN (SELECT record_id FROM org_foreign)"
        )
    }


def all_observations_on_device(device: Device) -> set[tuple]:
    """Every observation about people in the org roster, with who recorded it."""
    return set(
        device.rows(
            "SELECT o.id, e.employee_ref, o.note, o.supervisor FROM observation o "
            "JOIN employee e ON e.id = o.employee_id WHERE e.employee_ref IN ('F1', 'F2')"
        )
    )


def test_joining_links_people_by_employee_ref_and_adds_the_rest_of_the_roster(organisation):
    org, ana, bob = organisation
    ana.log("F1", "before joining")  # a record made before the device joined
    local_id = ana.rows("SELECT id FROM employee WHERE employee_ref = 'F1'")[0][0]
    joined = ana.join().stdout
    assert "joined" in joined and "as ana (Ana Lima)" in joined
    assert "1 new, 1 matched by employee_ref" in joined
    assert "1 observations about 1 people not in the organisation's roster" not in joined
    org_ids = dict(org_rows(org, "SELECT employee_ref, id::text FROM floorcoach.employee"))
    links = dict(
        ana.rows(
            "SELECT e.employee_ref, l.org_id FROM org_employee l JOIN employee e "
            "ON e.id = l.employee_id"
        )
    )
    assert links == org_ids
    assert ana.rows("SELECT id FROM employee WHERE employee_ref = 'F1'")[0][0] == local_id
    assert ana.rows("SELECT id FROM employee WHERE employee_ref = 'F2'")[0][0] == org_ids["F2"]
    added = ana.rows(
        "SELECT changed_by FROM record_history WHERE record_id = ? AND action = 'create'",
        (org_ids["F2"],),
    )
    assert added == [(ROSTER_BY,)]
    owners = dict(ana.rows("SELECT display_name, login FROM supervisor"))
    assert owners["Ana on her laptop"] == "ana" and owners["Ana Lima"] == "ana"

    assert "2 new" in bob.join().stdout
    listed = bob.run("roster", "list", "--format", "csv").stdout
    assert "Amira Okafor" in listed and "Ben Nowak" in listed


def test_two_devices_log_offline_then_sync_and_the_org_holds_the_union(organisation, pg_server):
    org, ana, bob = organisation
    ana.join()
    bob.join()
    pg_server.stop()
    try:
        ana.log("F1", "ana greeted well")
        ana.log("F1", "ana again", outcome="missed")
        ana.log("X9", "about someone the org does not know")
        bob.log("F2", "bob saw Ben")
        bob.log("F1", "bob saw Amira")
        for device in (ana, bob):
            offline = device.sync(expect=1)
            assert offline.stderr.startswith("floorcoach: cannot reach the organisation's server")
            assert len(offline.stderr.strip().splitlines()) == 1
    finally:
        pg_server.start()
    first = ana.sync().stdout
    assert "up 2 observations" in first
    assert "1 observations about 1 people not in the organisation's roster wait" in first
    assert "up 2 observations" in bob.sync().stdout

    union = observations_on_device(ana, "Ana Lima") | observations_on_device(bob, "Bob Stone")
    assert len(union) == 4
    assert observations_on_server(org) == union
    assert org_rows(org, "SELECT count(*) FROM floorcoach.observation") == [(4,)]
    assert "2 observations by others" in ana.sync().stdout  # Bob's, pushed after Ana's sync
    for device in (ana, bob):  # both observe Fashion: each now holds the union too
        assert {r[:3] for r in all_observations_on_device(device)} == {r[:3] for r in union}
    shown = dict((r[0], r[3]) for r in all_observations_on_device(ana))
    assert {shown[r[0]] for r in union if r[3] == "Bob Stone"} == {"Bob Stone"}


def test_a_second_sync_moves_nothing(organisation):
    org, ana, bob = organisation
    ana.join()
    ana.log("F1", "once")
    ana.sync()
    server_before = org_rows(
        org, "SELECT id, version, changed_xid::text FROM floorcoach.observation ORDER BY id"
    )
    device_before = ana.contents()
    again = ana.sync().stdout
    assert "nothing moved" in again
    assert (
        org_rows(
            org, "SELECT id, version, changed_xid::text FROM floorcoach.observation ORDER BY id"
        )
        == server_before
    )
    assert ana.contents() == device_before


def test_a_sync_in_step_with_the_org_reads_no_record_but_every_later_change_goes_up(
    organisation, monkeypatch
):
    """Schema 9's change count: while nothing changed since the last push, the push does
    not look for what the server lacks (a pass over every record: 0.7 s at 100,000
    observations). A change, or a person the org roster gains, makes it look again."""
    org, ana, bob = organisation
    ana.join()
    ana.log("F1", "pushed at once")
    ana.log("X9", "waits until HR adds X9")
    assert "up 1 observation" in ana.sync().stdout
    monkeypatch.setenv("PGPASSWORD", "ana-secret")
    with Store.open(ana.db, create=False) as store:
        statements: list[str] = []
        store.conn.set_trace_callback(statements.append)
        assert sync(store).moved == 0
        store.conn.set_trace_callback(None)
    looked = [s for s in statements if "org_pushed" in s or "FROM record_history" in s]
    assert looked == []

    with org.connect() as admin:
        admin.execute(
            "INSERT INTO floorcoach.employee(employee_ref, name, team) "
            "VALUES ('X9', 'Only Local', 'Fashion')"
        )
    assert "1 matched by employee_ref" in ana.sync().stdout  # linked by the pull …
    assert "up 1 observation" in ana.sync().stdout  # … so the next push sends their record
    assert ("waits until HR adds X9",) in org_rows(org, "SELECT note FROM floorcoach.observation")
    with Store.open(ana.db, create=False) as store:
        mine = store.query("SELECT id, version FROM observation WHERE note = 'pushed at once'")[0]
        edit_observation(
            store,
            mine["id"],
            ObservationInput(
                employee_id=store.query(
                    "SELECT employee_id FROM observation WHERE id = ?", (mine["id"],)
                )[0]["employee_id"],
                behaviour_id=EYE,
                outcome="missed",
                cause="skill",
                note="edited",
            ),
            by=ana.name,
            expected_version=mine["version"],
        )
    assert "up 1 observation, 1 history entry" in ana.sync().stdout
    assert "nothing moved" in ana.sync().stdout


def test_a_push_the_device_never_noted_is_sent_again_and_changes_nothing(organisation):
    """A sync killed after the server committed: the device still thinks it must push.
    (It notes what the server confirmed and the change count it pushed from in one write,
    so neither is there.)"""
    org, ana, bob = organisation
    ana.join()
    ana.log("F1", "pushed, but the device never heard back")
    ana.sync()
    stamp = org_rows(org, "SELECT changed_xid::text FROM floorcoach.observation")
    with Store.open(ana.db, create=False) as store, store.write() as conn:
        conn.execute("DELETE FROM org_pushed")
        conn.execute("UPDATE org_change SET pushed = NULL")
    assert "nothing moved" in ana.sync().stdout
    assert org_rows(org, "SELECT changed_xid::text FROM floorcoach.observation") == stamp
    assert ana.rows("SELECT count(*) FROM org_pushed WHERE record_type = 'observation'") == [(1,)]


def test_an_edit_is_pushed_as_the_next_version(organisation):
    org, ana, bob = organisation
    ana.join()
    ana.log("F1", "first words")
    ana.sync()
    with Store.open(ana.db, create=False) as store, store.write() as conn:
        conn.execute("UPDATE observation SET note = 'better words', version = version + 1")
    assert "up 1 observation;" in ana.sync().stdout
    assert org_rows(org, "SELECT note, version FROM floorcoach.observation") == [
        ("better words", 2)
    ]


def test_the_same_record_changed_on_the_server_is_a_conflict_and_is_not_overwritten(
    organisation,
):
    org, ana, bob = organisation
    ana.join()
    ana.log("F1", "as the device has it")
    ana.sync()
    with org.connect() as admin:  # Ana's tablet pushed its edit of the same version first
        admin.execute(
            "UPDATE floorcoach.observation SET note = 'from her tablet', version = 2, "
            "updated_at = now()"
        )
    with Store.open(ana.db, create=False) as store, store.write() as conn:
        conn.execute(
            "UPDATE observation SET note = 'from her laptop', version = 2, "
            "updated_at = '2026-11-30T09:00:00.000000+00:00'"
        )
    out = ana.sync().stdout
    assert "1 conflict: changed on another of your devices too" in out
    assert org_rows(org, "SELECT note FROM floorcoach.observation") == [("from her tablet",)]
    assert ana.rows("SELECT note FROM observation") == [("from her laptop",)]
    assert ana.rows("SELECT version FROM org_pushed WHERE record_type = 'observation'") == [(1,)]
    assert ana.rows("SELECT count(*) FROM org_conflict") == [(1,)]


def test_private_coaching_notes_never_reach_the_server(organisation):
    org, ana, bob = organisation
    ana.join()
    ana.log("F1", "NOTE-MARKER seen on the floor")
    ana.run(
        "coach",
        "--employee",
        "F1",
        "--kind",
        "corrective",
        "--behaviour",
        EYE,
        "--said",
        "we talked",
        "--action",
        "greet sooner",
        "--private-note",
        MARKER,
    )
    ana.sync()
    bob.join()
    bob.sync()

    def rows_holding(text: str) -> list[str]:
        with org.connect() as conn:
            tables = conn.execute(
                "SELECT schemaname, tablename FROM pg_tables "
                "WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
            ).fetchall()
            return [
                f"{schema}.{table}"
                for schema, table in tables
                if conn.execute(
                    psycopg.sql.SQL("SELECT count(*) FROM {}.{} t WHERE t::text LIKE %s").format(
                        psycopg.sql.Identifier(schema), psycopg.sql.Identifier(table)
                    ),
                    (f"%{text}%",),
                ).fetchone()[0]
            ]

    assert set(rows_holding("NOTE-MARKER")) == {  # the search works
        "floorcoach.observation",
        "floorcoach.record_history",
    }
    assert set(rows_holding("greet sooner")) == {  # the session went up, and its history
        "floorcoach.coaching_session",
        "floorcoach.record_history",
    }
    assert rows_holding(MARKER) == []
    assert MARKER in repr(ana.rows("SELECT private_note FROM coaching_session"))


def test_roster_changes_reach_a_joined_device_with_their_history(organisation):
    org, ana, bob = organisation
    bob.join()
    with org.connect() as admin:
        admin.execute(
            "UPDATE floorcoach.employee SET team = 'Home', version = version + 1 "
            "WHERE employee_ref = 'F2'"
        )
    out = bob.sync().stdout
    assert "roster 1 changed" in out
    assert bob.rows("SELECT team FROM employee WHERE employee_ref = 'F2'") == [("Home",)]
    assert bob.rows(
        "SELECT changed_by FROM record_history WHERE action = 'edit' AND record_type = 'employee'"
    ) == [(ROSTER_BY,)]
    assert "nothing moved" in bob.sync().stdout


def test_a_pull_never_misses_a_row_committed_late_by_an_earlier_transaction(organisation):
    org, ana, bob = organisation
    bob.join()
    slow = org.connect()
    slow.autocommit = False
    try:
        slow.execute(  # takes its transaction id now, commits last
            "INSERT INTO floorcoach.employee(employee_ref, name, team) VALUES ('L1', 'Late', 'Fashion')"
        )
        with org.connect() as quick:
            quick.execute(
                "INSERT INTO floorcoach.employee(employee_ref, name, team) "
                "VALUES ('Q1', 'Quick', 'Fashion')"
            )
        assert "1 new" in bob.sync().stdout  # Quick: Late is not committed yet
        slow.commit()
    finally:
        slow.close()
    assert "1 new" in bob.sync().stdout
    refs = {r[0] for r in bob.rows("SELECT employee_ref FROM employee")}
    assert refs == {"F1", "F2", "Q1", "L1"}


def test_sync_on_a_device_that_never_joined_says_so(tmp_path):
    done = floorcoach("sync", db=tmp_path / "alone.db")
    assert done.returncode == 1
    assert "has not joined an organisation" in done.stderr
    assert "org join URL" in done.stderr


def test_a_device_joins_one_organisation_as_one_login(organisation):
    org, ana, bob = organisation
    ana.join()
    other = ana.run("org", "join", org.url("bob"), expect=1)
    assert "already joined" in other.stderr
    with org.connect() as admin:
        admin.execute("CREATE ROLE eve LOGIN PASSWORD 'eve-secret' IN ROLE floorcoach_member")
    eve = Device(ana.db.parent.parent, "eve", org, "Eve")
    refused = eve.run("org", "join", org.url("eve"), expect=1)
    assert "is not a supervisor of this organisation" in refused.stderr
    assert eve.rows("SELECT count(*) FROM setting WHERE key LIKE 'org_%'") == [(0,)]


def test_a_password_in_the_join_url_is_used_once_and_never_kept(organisation):
    org, ana, bob = organisation
    url = org.url("ana").replace("ana@", "ana:ana-secret@")
    joined = floorcoach("org", "join", url, db=ana.db, env=ana.env)  # no PGPASSWORD
    assert joined.returncode == 0, joined.stderr
    assert "ana-secret" not in joined.stdout + joined.stderr
    kept = ana.rows("SELECT value FROM setting WHERE key = 'org_url'")[0][0]
    assert "ana-secret" not in kept and "user=ana" in kept
    files = [p for p in ana.db.parent.rglob("*") if p.is_file()]
    assert files and not any(b"ana-secret" in p.read_bytes() for p in files)
    assert ana.sync().returncode == 0  # later syncs get the password from libpq
    assert floorcoach("sync", db=ana.db, env=ana.env).returncode == 1  # and only from there


def test_org_commands_on_a_joined_device_default_to_its_org(organisation):
    org, ana, bob = organisation
    ana.join()
    done = ana.run("org", "add-supervisor", "eve", "--name", "Eve", expect=1)
    assert "permission denied" in done.stderr  # it reached the org, as Ana


def test_org_status_tells_the_org_the_last_sync_and_what_waits(organisation, pg_server):
    org, ana, bob = organisation
    ana.join()
    ana.sync()
    pg_server.stop()
    try:
        ana.log("F1", "offline one")
        ana.log("X9", "about someone the org does not know")
        out = ana.run("org", "status").stdout  # offline: the device alone answers
    finally:
        pg_server.start()
    assert "as ana (Ana Lima)" in out and "last sync: 20" in out
    assert "waiting to go up: 1 observation, 1 history entry" in out
    assert "1 observations about 1 people not in the organisation's roster" in out
    ana.sync()
    assert "waiting to go up: nothing" in ana.run("org", "status").stdout
    never = floorcoach("org", "status", db=ana.db.parent / "other.db")
    assert never.returncode == 1 and "has not joined" in never.stderr


def test_a_roster_entry_the_device_cannot_use_is_one_line_and_changes_nothing(organisation):
    org, ana, bob = organisation
    bob.join()
    bob.sync()  # in step with the org: the next push has nothing to look for or note
    before = bob.contents()
    with org.connect() as admin:
        admin.execute(
            "INSERT INTO floorcoach.employee(employee_ref, name, team) VALUES ('L9', %s, 'Fashion')",
            ("x" * 300,),
        )
    refused = bob.sync(expect=1)
    assert "roster entry L9 cannot be used here (name:" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert bob.contents() == before


def test_after_joining_new_records_carry_the_logins_display_name(organisation):
    """Issue 13: from joining on, the device's supervisor name is the login's display
    name (`add-supervisor --name`), whatever the device's configured name was."""
    _, ana, _ = organisation
    ana.log("F1", "before joining")
    ana.join()
    ana.log("F1", "after joining")
    names = dict(ana.rows("SELECT note, supervisor FROM observation"))
    assert names == {"before joining": "Ana on her laptop", "after joining": "Ana Lima"}
    ids = dict(ana.rows("SELECT display_name, id FROM supervisor"))
    assert ids["Ana Lima"] == ids["Ana on her laptop"]  # both names are the one login
