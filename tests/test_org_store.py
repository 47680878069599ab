"""The org store on a real PostgreSQL: its schema, its logins, and who may see what.

Row-level security is proven with direct SQL under each login, as someone with `psql`
and their own password would try it, not through floorcoach.
"""

from __future__ import annotations

import re
import uuid

import psycopg
import pytest

from floorcoach.models import Cause, FollowUpStatus, Kind, Outcome, values_of
from floorcoach.org.schema import known_version
from floorcoach.org.supervisors import add_supervisor
from floorcoach.records import COACHING_SESSION, OBSERVATION

from . import pg_server
from .pg_server import OrgDatabase, floorcoach

org_store, org_template = pg_server.org_store, pg_server.org_template  # fixtures

NOW = "2026-11-20T10:00:00+00:00"


def init(org: OrgDatabase) -> str:
    done = floorcoach("org", "init", "--url", org.url())
    assert done.returncode == 0, done.stderr
    return done.stdout


def add(org: OrgDatabase, login: str, name: str, *options: str) -> str:
    """A login with a password, as an administrator sets one up."""
    done = floorcoach("org", "add-supervisor", "--url", org.url(), login, "--name", name, *options)
    assert done.returncode == 0, done.stderr
    org.set_password(login, f"{login}-secret")
    return done.stdout


def as_login(org: OrgDatabase, login: str) -> psycopg.Connection:
    return org.connect(login, f"{login}-secret")


def schema_snapshot(org: OrgDatabase) -> dict:
    """Everything `org init` could have changed: objects, policies, grants, rows."""
    with org.connect() as conn:
        objects = conn.execute(
            "SELECT c.relname, c.relkind, c.relrowsecurity, c.relacl::text FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'floorcoach' "
            "ORDER BY 1"
        ).fetchall()
        policies = conn.execute(
            "SELECT tablename, policyname, cmd, qual, with_check FROM pg_policies "
            "WHERE schemaname = 'floorcoach' ORDER BY 1, 2"
        ).fetchall()
        rows = {
            table: conn.execute(
                f"SELECT count(*), coalesce(max(changed_xid::text), '') FROM floorcoach.{table}"
            ).fetchone()
            for table in ("catalogue", "behaviour", "behaviour_version")
        }
        versions = conn.execute("SELECT version FROM floorcoach.schema_version").fetchall()
    return {"objects": objects, "policies": policies, "rows": rows, "versions": versions}


# --- org init --------------------------------------------------------------------------------


def test_org_init_creates_the_store_and_running_it_again_changes_nothing(org_database):
    first = init(org_database)
    assert f"schema {known_version()} (created)" in first
    created = schema_snapshot(org_database)
    assert created["rows"]["behaviour"][0] >= 30  # the shipped catalogue is in
    assert all(rls for name, kind, rls, _ in created["objects"] if name == "observation")

    again = init(org_database)
    assert "already up to date" in again and "0 behaviours added or changed" in again
    assert schema_snapshot(org_database) == created


def test_the_org_tables_use_the_local_column_names_and_have_no_private_note(org_database, store):
    init(org_database)
    with org_database.connect() as conn:
        org_columns = {
            table: {
                r[0]
                for r in conn.execute(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_schema = 'floorcoach' AND table_name = %s",
                    (table,),
                )
            }
            for table in (
                "employee",
                "observation",
                "coaching_session",
                "coaching_followup",
                "coaching_observation",
                "catalogue",
                "behaviour",
                "behaviour_version",
                "focus_period",
                "focus_behaviour",
                "record_history",
                "erasure_log",
            )
        }
    device_only = {"seq", "private_note"}  # a device's own counter; private notes stay home
    for table, columns in org_columns.items():
        local = {r[1] for r in store.conn.execute(f"PRAGMA table_info({table})")}
        assert local - device_only <= columns, table
    assert set(OBSERVATION.columns) <= org_columns["observation"]
    assert (
        set(COACHING_SESSION.columns) - COACHING_SESSION.private <= org_columns["coaching_session"]
    )
    assert not any("private" in c for columns in org_columns.values() for c in columns)


def test_org_init_upgrades_a_store_of_the_first_schema_and_keeps_its_rows(
    org_database, monkeypatch
):
    from floorcoach.catalogue_files import load_catalogues
    from floorcoach.org import schema

    with monkeypatch.context() as older:  # the store as the first org schema made it
        older.setattr(schema, "STEPS", {1: schema.STEPS[1]})
        with org_database.connect() as conn:
            schema.init_org(conn, load_catalogues())
            conn.execute("INSERT INTO floorcoach.employee(employee_ref, name) VALUES ('K1', 'Kai')")
            assert conn.execute("SELECT to_regproc('floorcoach.erase_employee')").fetchone() == (
                None,
            )
    upgraded = init(org_database)
    assert f"schema 1 -> {known_version()}" in upgraded
    with org_database.connect() as conn:
        assert conn.execute("SELECT name FROM floorcoach.employee").fetchall() == [("Kai",)]
        assert conn.execute("SELECT to_regproc('floorcoach.erase_employee')").fetchone()[0]
        versions = conn.execute("SELECT version FROM floorcoach.schema_version ORDER BY 1")
        assert [v for (v,) in versions] == list(range(1, known_version() + 1))


def test_an_org_store_from_a_newer_floorcoach_is_refused_untouched(org_database, tmp_path):
    init(org_database)
    with org_database.connect() as conn:
        conn.execute(
            "INSERT INTO floorcoach.schema_version(version) VALUES (%s)", (known_version() + 1,)
        )
    before = schema_snapshot(org_database)
    refused = floorcoach("org", "init", "--url", org_database.url())
    assert refused.returncode == 1
    assert f"schema {known_version() + 1}" in refused.stderr
    assert "newer floorcoach" in refused.stderr and "Nothing was changed" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    joining = floorcoach("org", "join", org_database.url(), db=tmp_path / "device.db")
    assert joining.returncode == 1 and "newer floorcoach" in joining.stderr
    assert schema_snapshot(org_database) == before


def test_the_url_can_come_from_the_environment(org_database):
    done = floorcoach("org", "init", env={"FLOORCOACH_ORG_URL": org_database.url()})
    assert done.returncode == 0, done.stderr
    assert "(created)" in done.stdout


def test_without_a_url_the_command_says_where_to_give_one(tmp_path):
    done = floorcoach("org", "init", db=tmp_path / "device.db")
    assert done.returncode == 1
    assert "--url URL or FLOORCOACH_ORG_URL" in done.stderr
    assert not (tmp_path / "device.db").exists()


# --- add-supervisor ---------------------------------------------------------------------------


def test_add_supervisor_creates_a_login_role_with_its_teams(org_database):
    init(org_database)
    out = add(org_database, "ana", "Ana Lima", "--team", "Fashion", "--lead", "Home")
    assert "added ana (Ana Lima): observes Fashion; leads Home" in out
    assert "\\password ana" in out
    with org_database.connect() as conn:
        role = conn.execute(
            "SELECT rolcanlogin, rolsuper, pg_has_role('ana', 'floorcoach_member', 'member') "
            "FROM pg_roles WHERE rolname = 'ana'"
        ).fetchone()
        teams = conn.execute(
            "SELECT s.display_name, s.hr, t.team, t.leads FROM floorcoach.supervisor s "
            "JOIN floorcoach.supervisor_team t ON t.supervisor_id = s.id ORDER BY t.team"
        ).fetchall()
    assert role == (True, False, True)
    assert teams == [("Ana Lima", False, "Fashion", False), ("Ana Lima", False, "Home", True)]

    again = add(org_database, "ana", "Ana Lima-Reid", "--team", "Toys")
    assert "updated ana (Ana Lima-Reid): observes Toys" in again
    with org_database.connect() as conn:
        teams = conn.execute(
            "SELECT s.display_name, t.team, t.leads FROM floorcoach.supervisor s "
            "JOIN floorcoach.supervisor_team t ON t.supervisor_id = s.id"
        ).fetchall()
    assert teams == [("Ana Lima-Reid", "Toys", False)]


def test_add_supervisor_before_org_init_says_to_run_it(org_database):
    done = floorcoach("org", "add-supervisor", "--url", org_database.url(), "ana", "--name", "A")
    assert done.returncode == 1
    assert "floorcoach org init" in done.stderr
    with org_database.connect() as conn:
        assert (
            conn.execute("SELECT count(*) FROM pg_roles WHERE rolname = 'ana'").fetchone()[0] == 0
        )


def test_a_supervisor_cannot_run_administrator_commands(org_database):
    init(org_database)
    add(org_database, "ana", "Ana Lima", "--team", "Fashion")
    done = floorcoach(
        "org",
        "add-supervisor",
        "--url",
        org_database.url("ana"),
        "eve",
        "--name",
        "Eve",
        password="ana-secret",
    )
    assert done.returncode == 1
    assert "permission denied" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


# --- row-level security, with direct SQL under each login ---------------------------------------


@pytest.fixture
def organisation(org_store):
    """Two teams, a supervisor for each, a lead of Fashion, HR, and one observation each.

    Set up in this process, as `org init` and `org add-supervisor` would (their own tests
    above run the commands): four processes less per test."""
    org_database = org_store
    with org_database.connect() as conn:
        add_supervisor(conn, "ana", name="Ana Lima", teams=["Fashion"])
        add_supervisor(conn, "bob", name="Bob Stone", teams=["Home"])
        add_supervisor(conn, "lee", name="Lee Park", leads=["Fashion"])
        add_supervisor(conn, "hana", name="Hana HR", hr=True)
    for login in ("ana", "bob", "lee", "hana"):
        org_database.set_password(login, f"{login}-secret")
    with org_database.connect() as conn:
        ids = dict(conn.execute("SELECT login, id FROM floorcoach.supervisor").fetchall())
        people = {}
        for ref, team in (("F1", "Fashion"), ("H1", "Home")):
            people[team] = conn.execute(
                "INSERT INTO floorcoach.employee(employee_ref, name, team) VALUES (%s, %s, %s) "
                "RETURNING id",
                (ref, f"Person {ref}", team),
            ).fetchone()[0]
        records = {
            "ana": observation(conn, people["Fashion"], ids["ana"]),
            "bob": observation(conn, people["Home"], ids["bob"]),
        }
    return org_database, ids, people, records


def observation(conn, employee_id, supervisor_id, note: str = "seen") -> uuid.UUID:
    record_id = uuid.uuid4()
    conn.execute(
        "INSERT INTO floorcoach.observation(id, employee_id, behaviour_id, observed_at, "
        "local_date, iso_week, outcome, note, supervisor, supervisor_id, catalogue_version, "
        "created_at, updated_at, version, device_id) VALUES (%s, %s, 'greeting.eye-contact', "
        "%s, '2026-11-20', '2026-W47', 'met', %s, 'typed by hand', %s, '2026.1', %s, %s, 1, %s)",
        (record_id, employee_id, NOW, note, supervisor_id, NOW, NOW, uuid.uuid4()),
    )
    return record_id


def visible(conn) -> set:
    return {r[0] for r in conn.execute("SELECT id FROM floorcoach.observation")}


def test_a_supervisor_reads_their_teams_records_only_even_with_direct_sql(organisation):
    org, ids, people, records = organisation
    with as_login(org, "ana") as ana:
        assert visible(ana) == {records["ana"]}
        assert ana.execute("SELECT count(*) FROM floorcoach.employee").fetchone()[0] == 2
        assert ana.execute("SELECT count(*) FROM floorcoach.behaviour").fetchone()[0] >= 30
    with as_login(org, "bob") as bob:
        assert visible(bob) == {records["bob"]}


def test_a_supervisor_cannot_write_or_change_another_supervisors_records(organisation):
    org, ids, people, records = organisation
    with as_login(org, "ana") as ana:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            observation(ana, people["Fashion"], ids["bob"])  # in Bob's name
        changed = ana.execute(
            "UPDATE floorcoach.observation SET note = 'changed by ana' WHERE id = %s",
            (records["bob"],),
        )
        assert changed.rowcount == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            ana.execute(
                "UPDATE floorcoach.observation SET supervisor_id = %s WHERE id = %s",
                (ids["bob"], records["ana"]),
            )
        gone = ana.execute("DELETE FROM floorcoach.observation WHERE id = %s", (records["bob"],))
        assert gone.rowcount == 0  # she deletes only her own (as her device does)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            ana.execute("DELETE FROM floorcoach.record_history")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            ana.execute("INSERT INTO floorcoach.employee(name, team) VALUES ('X', 'Fashion')")
        own = observation(ana, people["Home"], ids["ana"])  # her own, about anyone
        assert visible(ana) == {records["ana"], own}
    with org.connect() as admin:
        notes = dict(admin.execute("SELECT id, note FROM floorcoach.observation").fetchall())
        shown = admin.execute(
            "SELECT supervisor FROM floorcoach.observation WHERE id = %s", (own,)
        ).fetchone()[0]
    assert notes[records["bob"]] == "seen"
    assert shown == "Ana Lima"  # the server names the supervisor, not what was sent


def test_a_team_lead_reads_every_record_of_the_teams_they_lead(organisation):
    org, ids, people, records = organisation
    with org.connect() as admin:
        third = observation(admin, people["Fashion"], ids["bob"])  # Bob helped out in Fashion
    with as_login(org, "lee") as lee:
        assert visible(lee) == {records["ana"], third}


def test_hr_reads_everything_and_writes_only_the_roster(organisation):
    org, ids, people, records = organisation
    with as_login(org, "hana") as hana:
        assert visible(hana) == set(records.values())
        hana.execute(
            "INSERT INTO floorcoach.employee(employee_ref, name, team) VALUES ('T1', 'New', 'Toys')"
        )
        hana.execute("UPDATE floorcoach.employee SET team = 'Toys' WHERE employee_ref = 'H1'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            observation(hana, people["Fashion"], ids["hana"])
        assert (
            hana.execute(
                "UPDATE floorcoach.observation SET note = 'x' WHERE id = %s", (records["ana"],)
            ).rowcount
            == 0
        )


def test_a_login_that_is_not_a_supervisor_of_the_org_sees_nothing(organisation):
    org, ids, people, records = organisation
    with org.connect() as admin:
        admin.execute("CREATE ROLE eve LOGIN PASSWORD 'eve-secret' IN ROLE floorcoach_member")
        admin.execute("CREATE ROLE mallory LOGIN PASSWORD 'mallory-secret'")
    with as_login(org, "eve") as eve:
        assert visible(eve) == set()
        assert eve.execute("SELECT count(*) FROM floorcoach.employee").fetchone()[0] == 0
    with as_login(org, "mallory") as mallory, pytest.raises(psycopg.errors.InsufficientPrivilege):
        mallory.execute("SELECT * FROM floorcoach.observation")


# --- offline is normal: one line, exit 1 ----------------------------------------------------------


def test_an_unreachable_server_is_one_line_and_exit_1(tmp_path):
    url = f"postgresql://ana@/floorcoach?host={tmp_path}/nowhere"
    for command in (("org", "init", "--url", url), ("org", "join", url)):
        done = floorcoach(*command, db=tmp_path / "device.db")
        assert done.returncode == 1, command
        assert done.stderr.startswith("floorcoach: cannot reach the organisation's server")
        assert len(done.stderr.strip().splitlines()) == 1
        assert "Traceback" not in done.stderr


def test_a_refused_login_is_one_line_and_exit_1_and_never_shows_the_password(
    organisation, tmp_path
):
    org = organisation[0]
    url = org.url("ana").replace("ana@", "ana:wrong-password@")
    for command, password in (
        (("org", "init", "--url", org.url("ana")), "wrong"),
        (("org", "join", url), None),
        (("org", "join", org.url("nobody_here")), "x"),
    ):
        done = floorcoach(*command, db=tmp_path / "device.db", password=password)
        assert done.returncode == 1, command
        assert done.stderr.startswith("floorcoach: the organisation's server refused the login")
        assert len(done.stderr.strip().splitlines()) == 1
        assert "wrong-password" not in done.stderr + done.stdout


@pytest.mark.parametrize(
    "table, column, vocabulary",
    [
        ("observation", "outcome", Outcome),
        ("observation", "cause", Cause),
        ("coaching_session", "kind", Kind),
        ("coaching_followup", "status", FollowUpStatus),
    ],
)
def test_the_org_store_accepts_exactly_the_values_of_each_enum(
    org_store, table, column, vocabulary
):
    """Like the device's CHECKs (tests/test_vocabulary.py): a value added to the vocabulary
    fails here until an org schema step lets the org store hold it, so a device never
    saves what its sync cannot push."""
    with org_store.connect() as conn:
        checks = [
            row[0]
            for row in conn.execute(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'c'",
                (f"floorcoach.{table}",),
            )
        ]
    (listed,) = [
        re.search(rf"\b{column} = ANY \(ARRAY\[(.*?)\]", check).group(1)
        for check in checks
        if re.search(rf"\b{column} = ANY", check)
    ]
    assert re.findall(r"'(\w+)'::text", listed) == list(values_of(vocabulary))
