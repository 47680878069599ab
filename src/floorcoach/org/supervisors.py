"""Supervisors, team leads and HR: PostgreSQL login roles registered in the org store.

`add_supervisor` creates the login role (or takes an existing one), makes it a member of
`floorcoach_member` (its table privileges) and registers it in `supervisor` with the teams
it observes and leads (its rows, through row-level security). It sets no password: the
administrator gives one with psql's `\\password LOGIN`, or the server authenticates the
login another way (certificates, peer, LDAP), so no password passes through floorcoach.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from floorcoach.org import OrgError
from floorcoach.org.schema import MEMBER_ROLE, require_current

if TYPE_CHECKING:
    import psycopg


@dataclass(frozen=True)
class SupervisorAdded:
    login: str
    display_name: str
    teams: tuple[str, ...]
    leads: tuple[str, ...]
    hr: bool
    new_role: bool  # False: the login role existed already
    updated: bool  # True: the login was already registered; its name and teams were replaced

    def summary(self) -> str:
        what = "updated" if self.updated else "added"
        parts = []
        if self.teams:
            parts.append("observes " + ", ".join(self.teams))
        if self.leads:
            parts.append("leads " + ", ".join(self.leads))
        if self.hr:
            parts.append("HR: reads everything, writes only the roster")
        rights = "; ".join(parts) or "no teams yet: reads only their own records"
        return f"{what} {self.login} ({self.display_name}): {rights}"


def _clean(values: Sequence[str], what: str) -> tuple[str, ...]:
    cleaned = []
    for value in values:
        text = value.strip()
        if not text:
            raise OrgError(f"{what} cannot be empty")
        if text not in cleaned:
            cleaned.append(text)
    return tuple(cleaned)


def add_supervisor(
    conn: psycopg.Connection,
    login: str,
    *,
    name: str,
    teams: Sequence[str] = (),
    leads: Sequence[str] = (),
    hr: bool = False,
) -> SupervisorAdded:
    """Create or update one login, all in one transaction (role, membership, teams)."""
    from psycopg import sql

    login = login.strip()
    if not login:
        raise OrgError("the login cannot be empty")
    if login.startswith("pg_") or login == MEMBER_ROLE:
        raise OrgError(f"{login!r} is reserved; choose another login name")
    if len(login.encode()) > 63:
        raise OrgError(f"the login {login!r} is longer than PostgreSQL allows (63 bytes)")
    display_name = name.strip()
    if not display_name:
        raise OrgError("--name cannot be empty: it is how the records show who made them")
    teams, leads = _clean(teams, "a --team name"), _clean(leads, "a --lead name")
    role = sql.Identifier(login)
    with conn.transaction():
        require_current(conn)
        row = conn.execute(
            "SELECT rolsuper, rolcanlogin FROM pg_roles WHERE rolname = %s", (login,)
        ).fetchone()
        if row is None:
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(role))
        elif row[0]:
            raise OrgError(
                f"{login} is a superuser; a supervisor's login must be an ordinary role, or "
                "row-level security would not apply to it"
            )
        elif not row[1]:
            conn.execute(sql.SQL("ALTER ROLE {} LOGIN").format(role))
        conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(MEMBER_ROLE), role))
        existing = conn.execute(
            "SELECT id FROM floorcoach.supervisor WHERE login = %s", (login,)
        ).fetchone()
        supervisor_id = conn.execute(
            "INSERT INTO floorcoach.supervisor(login, display_name, hr) VALUES (%s, %s, %s) "
            "ON CONFLICT (login) DO UPDATE SET display_name = excluded.display_name, "
            "hr = excluded.hr RETURNING id",
            (login, display_name, hr),
        ).fetchone()[0]
        conn.execute(
            "DELETE FROM floorcoach.supervisor_team WHERE supervisor_id = %s", (supervisor_id,)
        )
        for team_names, leading in ((teams, False), (leads, True)):
            for team in team_names:
                conn.execute(
                    "INSERT INTO floorcoach.supervisor_team(supervisor_id, team, leads) "
                    "VALUES (%s, %s, %s)",
                    (supervisor_id, team, leading),
                )
    return SupervisorAdded(
        login=login,
        display_name=display_name,
        teams=teams,
        leads=leads,
        hr=hr,
        new_role=row is None,
        updated=existing is not None,
    )
