"""The org store's schema: versioned, forward-only, with row-level security in the database.

Each kind of record has its own table in the schema `floorcoach`, with the local schema's
column names (`observation.outcome`, `behaviour_id`, …), so HR and BI tools query it with
plain SQL. Private coaching notes have no column here: they never leave a device.

Who may do what is decided by PostgreSQL itself (row-level security), so a supervisor's
login cannot read another team's records even with `psql`:

- every registered login (a row in `supervisor`) reads the roster, the catalogue and the
  focus periods;
- a supervisor reads the records they made and the records about the teams they observe
  or lead (`supervisor_team`), and writes only rows with their own `supervisor_id`;
- an HR login (`supervisor.hr`) reads everything and writes only the roster.

Logins get their table privileges through one group role, `floorcoach_member`; the rows
they see come from the policies, which all require a registered login, so a role that is
not a supervisor of this organisation sees nothing.

Every table that devices pull from has `changed_xid`, the id of the transaction that last
wrote the row: a pull asks for rows at or after the oldest transaction that was still
running when the previous pull took its snapshot (see `floorcoach.org.sync`), so a row
committed late by a slow transaction is never skipped.

Steps are numbered like the local migrations; `init_org` applies the missing ones in one
transaction and refuses a store whose schema is newer than this code. Never edit a step
that has shipped: add the next one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from floorcoach.org import OrgSchemaError

if TYPE_CHECKING:
    import psycopg

    from floorcoach.catalogue_files import LoadedCatalogue

SCHEMA = "floorcoach"
MEMBER_ROLE = "floorcoach_member"
_LOCK_KEY = 0x46434F41  # pg_advisory_xact_lock: one `org init` at a time ("FCOA")

# Tables of records that belong to one supervisor (their `supervisor_id`).
OWNED_TABLES = (
    "observation",
    "coaching_session",
    "coaching_followup",
    "record_history",
    "deletion",
)

_STEP_1 = r"""
CREATE TABLE floorcoach.supervisor (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    login text NOT NULL UNIQUE,          -- the PostgreSQL login role
    display_name text NOT NULL CHECK (display_name <> ''),
    hr boolean NOT NULL DEFAULT false,   -- reads everything, writes only the roster
    created_at timestamptz NOT NULL DEFAULT now()
);
-- The teams a supervisor observes (leads = false) or leads (leads = true). Team names are
-- text, as in the roster; they need not exist in the roster yet.
CREATE TABLE floorcoach.supervisor_team (
    supervisor_id uuid NOT NULL REFERENCES floorcoach.supervisor(id) ON DELETE CASCADE,
    team text NOT NULL CHECK (team <> ''),
    leads boolean NOT NULL,
    PRIMARY KEY (supervisor_id, team, leads)
);

CREATE FUNCTION floorcoach.stamp_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.changed_xid := pg_current_xact_id();
    RETURN NEW;
END
$$;

CREATE TABLE floorcoach.employee (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    employee_ref text UNIQUE,
    name text NOT NULL,
    team text NOT NULL DEFAULT '',
    active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1,
    changed_xid xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX employee_by_team ON floorcoach.employee(team);

CREATE TABLE floorcoach.catalogue (
    id text PRIMARY KEY,
    title text NOT NULL,
    version text NOT NULL,
    description text NOT NULL DEFAULT '',
    source text NOT NULL DEFAULT '',
    loaded_at timestamptz NOT NULL,
    changed_xid xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE TABLE floorcoach.behaviour (
    id text PRIMARY KEY,
    catalogue_id text NOT NULL REFERENCES floorcoach.catalogue(id),
    catalogue_version text NOT NULL,
    touch_point_id text NOT NULL,
    touch_point text NOT NULL,
    title text NOT NULL,
    standard text NOT NULL,
    look_fors jsonb NOT NULL,
    position integer NOT NULL DEFAULT 0,
    retired boolean NOT NULL DEFAULT false,
    changed_xid xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE TABLE floorcoach.behaviour_version (
    behaviour_id text NOT NULL REFERENCES floorcoach.behaviour(id),
    catalogue_version text NOT NULL,
    touch_point text NOT NULL,
    title text NOT NULL,
    standard text NOT NULL,
    look_fors jsonb NOT NULL,
    recorded_at timestamptz NOT NULL,
    changed_xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    PRIMARY KEY (behaviour_id, catalogue_version)
);

CREATE TABLE floorcoach.focus_period (
    id uuid PRIMARY KEY,
    team text,                              -- NULL: everyone
    starts_on date NOT NULL,
    ends_on date NOT NULL,
    note text NOT NULL DEFAULT '',
    set_by text NOT NULL,
    supervisor_id uuid REFERENCES floorcoach.supervisor(id),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    version integer NOT NULL DEFAULT 1,
    changed_xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    CHECK (starts_on <= ends_on)
);
CREATE TABLE floorcoach.focus_behaviour (
    focus_id uuid NOT NULL REFERENCES floorcoach.focus_period(id) ON DELETE CASCADE,
    position integer NOT NULL,
    behaviour_id text NOT NULL,
    PRIMARY KEY (focus_id, position),
    UNIQUE (focus_id, behaviour_id)
);

-- Records about people. `supervisor_id` says whose they are; `device_id` which device
-- pushed them (the local database's id); `supervisor` is the display name, set here from
-- `supervisor` so nobody can push a record under someone else's name.
CREATE TABLE floorcoach.observation (
    id uuid PRIMARY KEY,
    employee_id uuid NOT NULL REFERENCES floorcoach.employee(id),
    behaviour_id text NOT NULL,
    observed_at timestamptz NOT NULL,
    local_date date NOT NULL,
    iso_week text NOT NULL,
    outcome text NOT NULL CHECK (outcome IN ('met', 'missed', 'exceeded')),
    cause text CHECK (cause IS NULL OR (outcome = 'missed'
                      AND cause IN ('skill', 'will', 'system'))),
    note text NOT NULL DEFAULT '',
    story boolean NOT NULL DEFAULT false,
    supervisor text NOT NULL,
    supervisor_id uuid NOT NULL REFERENCES floorcoach.supervisor(id),
    catalogue_version text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    version integer NOT NULL,
    team_when_observed text NOT NULL DEFAULT '',
    device_id uuid NOT NULL,
    changed_xid xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX observation_by_employee_time ON floorcoach.observation(employee_id, observed_at);
CREATE INDEX observation_by_supervisor ON floorcoach.observation(supervisor_id);

-- No private_note: a supervisor's private notes never leave their device.
CREATE TABLE floorcoach.coaching_session (
    id uuid PRIMARY KEY,
    employee_id uuid NOT NULL REFERENCES floorcoach.employee(id),
    supervisor text NOT NULL,
    supervisor_id uuid NOT NULL REFERENCES floorcoach.supervisor(id),
    held_at timestamptz NOT NULL,
    local_date date NOT NULL,
    kind text NOT NULL CHECK (kind IN ('recognition', 'corrective', 'development')),
    said text NOT NULL DEFAULT '',
    agreed_action text NOT NULL DEFAULT '',
    follow_up_due date NOT NULL,
    acknowledged boolean NOT NULL DEFAULT false,
    employee_comment text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    version integer NOT NULL,
    device_id uuid NOT NULL,
    changed_xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    CHECK (follow_up_due >= local_date)
);
CREATE INDEX coaching_by_employee_time ON floorcoach.coaching_session(employee_id, held_at);
CREATE TABLE floorcoach.coaching_followup (
    uuid uuid NOT NULL UNIQUE,
    coaching_id uuid NOT NULL REFERENCES floorcoach.coaching_session(id) ON DELETE CASCADE,
    behaviour_id text NOT NULL,
    employee_id uuid NOT NULL REFERENCES floorcoach.employee(id),
    due date NOT NULL,
    status text NOT NULL DEFAULT 'open'
        CHECK (status IN ('open', 'held', 'not_yet', 'closed')),
    result_observation_id uuid,
    checked_at timestamptz,
    closed_by text,
    closed_note text NOT NULL DEFAULT '',
    position integer NOT NULL DEFAULT 0,
    supervisor_id uuid NOT NULL REFERENCES floorcoach.supervisor(id),
    changed_xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    PRIMARY KEY (coaching_id, behaviour_id)
);
CREATE TABLE floorcoach.coaching_observation (
    coaching_id uuid NOT NULL REFERENCES floorcoach.coaching_session(id) ON DELETE CASCADE,
    observation_id uuid NOT NULL REFERENCES floorcoach.observation(id) ON DELETE CASCADE,
    supervisor_id uuid NOT NULL REFERENCES floorcoach.supervisor(id),
    changed_xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    PRIMARY KEY (coaching_id, observation_id)
);

-- Every create, edit and delete of a record, from every device: ids unique across devices.
CREATE TABLE floorcoach.record_history (
    uuid uuid PRIMARY KEY,
    record_type text NOT NULL,
    record_id text NOT NULL,
    employee_id uuid,
    action text NOT NULL CHECK (action IN ('create', 'edit', 'delete')),
    changed_at timestamptz NOT NULL,
    changed_by text NOT NULL,
    before jsonb,
    after jsonb,
    supervisor_id uuid NOT NULL REFERENCES floorcoach.supervisor(id),
    device_id uuid NOT NULL,
    changed_xid xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX record_history_by_record ON floorcoach.record_history(record_type, record_id);
-- Tombstones: a deleted record, so every device that holds a copy removes it.
CREATE TABLE floorcoach.deletion (
    id uuid PRIMARY KEY,
    record_type text NOT NULL,
    record_id uuid NOT NULL,
    employee_id uuid,
    deleted_at timestamptz NOT NULL,
    supervisor_id uuid NOT NULL REFERENCES floorcoach.supervisor(id),
    device_id uuid NOT NULL,
    changed_xid xid8 NOT NULL DEFAULT pg_current_xact_id()
);
-- That a person was erased (when, by whom, their random id, how many rows), never what.
CREATE TABLE floorcoach.erasure_log (
    id uuid PRIMARY KEY,
    erased_at timestamptz NOT NULL,
    erased_by text NOT NULL,
    subject_id uuid NOT NULL,
    counts jsonb NOT NULL,
    supervisor_id uuid REFERENCES floorcoach.supervisor(id),
    changed_xid xid8 NOT NULL DEFAULT pg_current_xact_id()
);

DO $$
DECLARE
    name text;
BEGIN
    FOREACH name IN ARRAY ARRAY['employee', 'catalogue', 'behaviour', 'behaviour_version',
            'focus_period', 'observation', 'coaching_session', 'coaching_followup',
            'coaching_observation', 'record_history', 'deletion', 'erasure_log'] LOOP
        EXECUTE format('CREATE TRIGGER stamp_change BEFORE INSERT OR UPDATE ON floorcoach.%I '
                       'FOR EACH ROW EXECUTE FUNCTION floorcoach.stamp_change()', name);
        EXECUTE format('CREATE INDEX %I ON floorcoach.%I(changed_xid)', name || '_changes', name);
    END LOOP;
END
$$;

CREATE FUNCTION floorcoach.name_the_supervisor() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.supervisor := (SELECT s.display_name FROM floorcoach.supervisor s
                       WHERE s.id = NEW.supervisor_id);
    RETURN NEW;
END
$$;
CREATE TRIGGER name_the_supervisor BEFORE INSERT OR UPDATE ON floorcoach.observation
    FOR EACH ROW EXECUTE FUNCTION floorcoach.name_the_supervisor();
CREATE TRIGGER name_the_supervisor BEFORE INSERT OR UPDATE ON floorcoach.coaching_session
    FOR EACH ROW EXECUTE FUNCTION floorcoach.name_the_supervisor();

-- Who is asking: the policies' building blocks. They read `supervisor`, which every member
-- may read and which has no policies of its own (no recursion).
CREATE FUNCTION floorcoach.me() RETURNS uuid LANGUAGE sql STABLE AS $$
    SELECT s.id FROM floorcoach.supervisor s WHERE s.login = current_user
$$;
CREATE FUNCTION floorcoach.is_hr() RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT s.hr FROM floorcoach.supervisor s WHERE s.login = current_user),
                    false)
$$;
CREATE FUNCTION floorcoach.sees_employee(person uuid) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT 1 FROM floorcoach.employee e
        JOIN floorcoach.supervisor_team t ON t.team = e.team
        JOIN floorcoach.supervisor s ON s.id = t.supervisor_id
        WHERE e.id = person AND s.login = current_user)
$$;

DO $$
DECLARE
    name text;
BEGIN
    FOREACH name IN ARRAY ARRAY['employee', 'catalogue', 'behaviour', 'behaviour_version',
            'focus_period', 'focus_behaviour', 'erasure_log'] LOOP
        EXECUTE format('ALTER TABLE floorcoach.%I ENABLE ROW LEVEL SECURITY', name);
        EXECUTE format('CREATE POLICY members_read ON floorcoach.%I FOR SELECT '
                       'USING (floorcoach.me() IS NOT NULL)', name);
    END LOOP;
    FOREACH name IN ARRAY ARRAY['observation', 'coaching_session', 'coaching_followup',
            'record_history', 'deletion'] LOOP
        EXECUTE format('ALTER TABLE floorcoach.%I ENABLE ROW LEVEL SECURITY', name);
        EXECUTE format('CREATE POLICY team_read ON floorcoach.%I FOR SELECT USING ('
                       'supervisor_id = floorcoach.me() OR floorcoach.is_hr() '
                       'OR floorcoach.sees_employee(employee_id))', name);
        EXECUTE format('CREATE POLICY own_insert ON floorcoach.%I FOR INSERT WITH CHECK ('
                       'supervisor_id = floorcoach.me() AND NOT floorcoach.is_hr())', name);
        EXECUTE format('CREATE POLICY own_update ON floorcoach.%I FOR UPDATE '
                       'USING (supervisor_id = floorcoach.me()) WITH CHECK ('
                       'supervisor_id = floorcoach.me() AND NOT floorcoach.is_hr())', name);
    END LOOP;
END
$$;
-- A link is seen with its coaching session (whose policy applies inside the EXISTS).
ALTER TABLE floorcoach.coaching_observation ENABLE ROW LEVEL SECURITY;
CREATE POLICY team_read ON floorcoach.coaching_observation FOR SELECT USING (
    EXISTS (SELECT 1 FROM floorcoach.coaching_session s WHERE s.id = coaching_id));
CREATE POLICY own_insert ON floorcoach.coaching_observation FOR INSERT WITH CHECK (
    supervisor_id = floorcoach.me() AND NOT floorcoach.is_hr());
CREATE POLICY own_update ON floorcoach.coaching_observation FOR UPDATE
    USING (supervisor_id = floorcoach.me())
    WITH CHECK (supervisor_id = floorcoach.me() AND NOT floorcoach.is_hr());
CREATE POLICY hr_insert ON floorcoach.employee FOR INSERT WITH CHECK (floorcoach.is_hr());
CREATE POLICY hr_update ON floorcoach.employee FOR UPDATE
    USING (floorcoach.is_hr()) WITH CHECK (floorcoach.is_hr());

GRANT USAGE ON SCHEMA floorcoach TO floorcoach_member;
GRANT SELECT ON ALL TABLES IN SCHEMA floorcoach TO floorcoach_member;
GRANT INSERT, UPDATE ON floorcoach.employee, floorcoach.observation,
    floorcoach.coaching_session, floorcoach.coaching_followup, floorcoach.coaching_observation,
    floorcoach.record_history, floorcoach.deletion TO floorcoach_member;
"""

# Step 2: deletions by their owners, erasure by HR or a team lead, and what a pull reads.
_STEP_2 = r"""
DO $$
DECLARE
    name text;
BEGIN
    FOREACH name IN ARRAY ARRAY['observation', 'coaching_session', 'coaching_followup',
            'coaching_observation'] LOOP
        EXECUTE format('CREATE POLICY own_delete ON floorcoach.%I FOR DELETE '
                       'USING (supervisor_id = floorcoach.me())', name);
    END LOOP;
END
$$;
GRANT DELETE ON floorcoach.observation, floorcoach.coaching_session,
    floorcoach.coaching_followup, floorcoach.coaching_observation TO floorcoach_member;
CREATE INDEX coaching_followup_by_employee ON floorcoach.coaching_followup(employee_id);
CREATE INDEX record_history_by_employee ON floorcoach.record_history(employee_id);
CREATE INDEX deletion_by_employee ON floorcoach.deletion(employee_id);

-- Erase a person from every supervisor's records, and log only that it happened. Runs
-- with the owner's rights (row-level security would hide other supervisors' rows), so it
-- checks the caller itself: HR, or a lead of the person's team. Erasing someone already
-- erased (a device that asks again after a broken sync) changes nothing.
CREATE FUNCTION floorcoach.erase_employee(person uuid, erasure uuid, erased timestamptz)
RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE
    caller floorcoach.supervisor%ROWTYPE;
    person_team text;
    counts jsonb := '{}'::jsonb;
    n bigint;
BEGIN
    SELECT * INTO caller FROM floorcoach.supervisor WHERE login = session_user;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'the login % is not a supervisor of this organisation', session_user
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT team INTO person_team FROM floorcoach.employee WHERE id = person FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;  -- erased already (or never in the roster): nothing to do
    END IF;
    IF NOT (caller.hr OR EXISTS (SELECT 1 FROM floorcoach.supervisor_team t
            WHERE t.supervisor_id = caller.id AND t.leads AND t.team = person_team)) THEN
        RAISE EXCEPTION 'only HR or a lead of the team % may erase a person in the organisation',
            person_team USING ERRCODE = 'insufficient_privilege';
    END IF;
    DELETE FROM floorcoach.coaching_observation l USING floorcoach.observation o
        WHERE o.id = l.observation_id AND o.employee_id = person;
    GET DIAGNOSTICS n = ROW_COUNT;
    counts := counts || jsonb_build_object('coaching_observation', n);
    DELETE FROM floorcoach.coaching_followup WHERE employee_id = person;
    GET DIAGNOSTICS n = ROW_COUNT;
    counts := counts || jsonb_build_object('coaching_followup', n);
    DELETE FROM floorcoach.coaching_session WHERE employee_id = person;
    GET DIAGNOSTICS n = ROW_COUNT;
    counts := counts || jsonb_build_object('coaching_session', n);
    DELETE FROM floorcoach.observation WHERE employee_id = person;
    GET DIAGNOSTICS n = ROW_COUNT;
    counts := counts || jsonb_build_object('observation', n);
    DELETE FROM floorcoach.record_history WHERE employee_id = person;
    GET DIAGNOSTICS n = ROW_COUNT;
    counts := counts || jsonb_build_object('record_history', n);
    DELETE FROM floorcoach.deletion WHERE employee_id = person;
    GET DIAGNOSTICS n = ROW_COUNT;
    counts := counts || jsonb_build_object('deletion', n);
    DELETE FROM floorcoach.employee WHERE id = person;
    counts := counts || jsonb_build_object('employee', 1);
    INSERT INTO floorcoach.erasure_log(id, erased_at, erased_by, subject_id, counts,
                                       supervisor_id)
    VALUES (erasure, erased, caller.display_name, person, counts, caller.id)
    ON CONFLICT (id) DO NOTHING;
    RETURN counts;
END
$$;
REVOKE ALL ON FUNCTION floorcoach.erase_employee(uuid, uuid, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION floorcoach.erase_employee(uuid, uuid, timestamptz)
    TO floorcoach_member;
"""

# Step 3: the same policies, asked once per statement instead of once per row. A policy that
# calls `me()` or `is_hr()` directly runs its query for every row a push writes or a pull
# reads (measured: most of a first sync's server time); as a scalar subquery it becomes an
# InitPlan, and "the people of my teams" one hashed set. Who may do what does not change.
_STEP_3 = r"""
CREATE FUNCTION floorcoach.my_team_employees() RETURNS SETOF uuid LANGUAGE sql STABLE AS $$
    SELECT e.id FROM floorcoach.employee e
    JOIN floorcoach.supervisor_team t ON t.team = e.team
    JOIN floorcoach.supervisor s ON s.id = t.supervisor_id
    WHERE s.login = current_user
$$;
DO $$
DECLARE
    name text;
BEGIN
    FOREACH name IN ARRAY ARRAY['employee', 'catalogue', 'behaviour', 'behaviour_version',
            'focus_period', 'focus_behaviour', 'erasure_log'] LOOP
        EXECUTE format('ALTER POLICY members_read ON floorcoach.%I '
                       'USING ((SELECT floorcoach.me()) IS NOT NULL)', name);
    END LOOP;
    FOREACH name IN ARRAY ARRAY['observation', 'coaching_session', 'coaching_followup',
            'record_history', 'deletion'] LOOP
        EXECUTE format('ALTER POLICY team_read ON floorcoach.%I USING ('
                       'supervisor_id = (SELECT floorcoach.me()) '
                       'OR (SELECT floorcoach.is_hr()) '
                       'OR employee_id IN (SELECT floorcoach.my_team_employees()))', name);
    END LOOP;
    FOREACH name IN ARRAY ARRAY['observation', 'coaching_session', 'coaching_followup',
            'coaching_observation', 'record_history', 'deletion'] LOOP
        EXECUTE format('ALTER POLICY own_insert ON floorcoach.%I WITH CHECK ('
                       'supervisor_id = (SELECT floorcoach.me()) '
                       'AND NOT (SELECT floorcoach.is_hr()))', name);
        EXECUTE format('ALTER POLICY own_update ON floorcoach.%I '
                       'USING (supervisor_id = (SELECT floorcoach.me())) WITH CHECK ('
                       'supervisor_id = (SELECT floorcoach.me()) '
                       'AND NOT (SELECT floorcoach.is_hr()))', name);
    END LOOP;
    FOREACH name IN ARRAY ARRAY['observation', 'coaching_session', 'coaching_followup',
            'coaching_observation'] LOOP
        EXECUTE format('ALTER POLICY own_delete ON floorcoach.%I '
                       'USING (supervisor_id = (SELECT floorcoach.me()))', name);
    END LOOP;
END
$$;
ALTER POLICY hr_insert ON floorcoach.employee WITH CHECK ((SELECT floorcoach.is_hr()));
ALTER POLICY hr_update ON floorcoach.employee
    USING ((SELECT floorcoach.is_hr())) WITH CHECK ((SELECT floorcoach.is_hr()));
"""

STEPS: dict[int, str] = {1: _STEP_1, 2: _STEP_2, 3: _STEP_3}


def known_version() -> int:
    return max(STEPS)


@dataclass(frozen=True)
class InitResult:
    before: int  # the schema found (0: a new store)
    after: int
    behaviours_changed: int

    def summary(self) -> str:
        schema = (
            f"schema {self.after} (already up to date)"
            if self.before == self.after
            else f"schema {self.after} (created)"
            if self.before == 0
            else f"schema {self.before} -> {self.after}"
        )
        return f"{schema}; catalogue: {self.behaviours_changed} behaviours added or changed"


def _found_version(conn: psycopg.Connection) -> int | None:
    """The store's schema version; None when there is no org schema in this database."""
    exists = conn.execute("SELECT to_regclass('floorcoach.schema_version') IS NOT NULL").fetchone()[
        0
    ]
    if not exists:
        return None
    return conn.execute(
        "SELECT coalesce(max(version), 0) FROM floorcoach.schema_version"
    ).fetchone()[0]


def _newer(found: int) -> OrgSchemaError:
    return OrgSchemaError(
        f"the org store has schema {found}, written by a newer floorcoach (this version "
        f"understands up to {known_version()}); upgrade floorcoach. Nothing was changed."
    )


def require_current(conn: psycopg.Connection) -> None:
    """For join and sync: the store exists at exactly the schema this code writes."""
    found = _found_version(conn)
    if found is None or found == 0:
        raise OrgSchemaError(
            "this database has no floorcoach org store yet; an administrator runs "
            "`floorcoach org init --url URL` first"
        )
    if found > known_version():
        raise _newer(found)
    if found < known_version():
        raise OrgSchemaError(
            f"the org store has schema {found}; this floorcoach needs {known_version()}. "
            "An administrator runs `floorcoach org init --url URL` to upgrade it."
        )


def init_org(conn: psycopg.Connection, catalogues: Sequence[LoadedCatalogue]) -> InitResult:
    """Create or upgrade the org schema and load the catalogue, all in one transaction.

    Run by an administrator (a role that may create roles and schemas). Running it again
    changes nothing; a store from a newer floorcoach is refused before anything is written.
    """
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
        found = _found_version(conn) or 0
        if found > known_version():
            raise _newer(found)
        if found < known_version():
            _create_member_role(conn)
            conn.execute("CREATE SCHEMA IF NOT EXISTS floorcoach")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS floorcoach.schema_version ("
                "version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            conn.execute("GRANT USAGE ON SCHEMA floorcoach TO floorcoach_member")
            conn.execute("GRANT SELECT ON floorcoach.schema_version TO floorcoach_member")
            for step in sorted(v for v in STEPS if v > found):
                conn.execute(STEPS[step])
                conn.execute("INSERT INTO floorcoach.schema_version(version) VALUES (%s)", (step,))
        changed = _load_catalogues(conn, catalogues)
    return InitResult(before=found, after=known_version(), behaviours_changed=changed)


def _create_member_role(conn: psycopg.Connection) -> None:
    """The group role all logins share; roles belong to the server, so it may exist."""
    conn.execute(
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'floorcoach_member') "
        "THEN CREATE ROLE floorcoach_member NOLOGIN; END IF; END $$"
    )


def _load_catalogues(conn: psycopg.Connection, catalogues: Sequence[LoadedCatalogue]) -> int:
    """Upsert the administrator's catalogue files; returns how many behaviours changed.

    Rows are rewritten only when their content differs, so their `changed_xid` (what
    devices pull) moves only on a real change.
    """
    from psycopg.types.json import Jsonb

    changed = 0
    for catalogue in catalogues:
        conn.execute(
            "INSERT INTO floorcoach.catalogue AS c (id, title, version, description, source, "
            "loaded_at) VALUES (%s, %s, %s, %s, %s, now()) ON CONFLICT (id) DO UPDATE SET "
            "title = excluded.title, version = excluded.version, "
            "description = excluded.description, source = excluded.source, "
            "loaded_at = excluded.loaded_at WHERE (c.title, c.version, c.description) "
            "IS DISTINCT FROM (excluded.title, excluded.version, excluded.description)",
            (
                catalogue.id,
                catalogue.title,
                catalogue.version,
                catalogue.description,
                catalogue.source.name,
            ),
        )
        for b in catalogue.behaviours:
            values = (
                b.id,
                b.catalogue_id,
                b.catalogue_version,
                b.touch_point_id,
                b.touch_point,
                b.title,
                b.standard,
                Jsonb(b.look_fors),
                b.position,
            )
            cursor = conn.execute(
                "INSERT INTO floorcoach.behaviour AS b (id, catalogue_id, catalogue_version, "
                "touch_point_id, touch_point, title, standard, look_fors, position, retired) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, false) ON CONFLICT (id) DO UPDATE "
                "SET catalogue_id = excluded.catalogue_id, "
                "catalogue_version = excluded.catalogue_version, "
                "touch_point_id = excluded.touch_point_id, touch_point = excluded.touch_point, "
                "title = excluded.title, standard = excluded.standard, "
                "look_fors = excluded.look_fors, position = excluded.position, retired = false "
                "WHERE (b.catalogue_id, b.catalogue_version, b.touch_point_id, b.touch_point, "
                "b.title, b.standard, b.look_fors, b.position, b.retired) IS DISTINCT FROM "
                "(excluded.catalogue_id, excluded.catalogue_version, excluded.touch_point_id, "
                "excluded.touch_point, excluded.title, excluded.standard, excluded.look_fors, "
                "excluded.position, false)",
                values,
            )
            changed += cursor.rowcount
            conn.execute(
                "INSERT INTO floorcoach.behaviour_version AS v (behaviour_id, catalogue_version, "
                "touch_point, title, standard, look_fors, recorded_at) "
                "VALUES (%s, %s, %s, %s, %s, %s, now()) ON CONFLICT DO NOTHING",
                (b.id, b.catalogue_version, b.touch_point, b.title, b.standard, Jsonb(b.look_fors)),
            )
    return changed
