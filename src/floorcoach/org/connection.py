"""Connecting to the org store: libpq URLs, no password kept anywhere, one-line errors.

Connection strings are libpq's (a `postgresql://` URI or `key=value` conninfo), so every
libpq convention works as the user's IT set it up: `PGPASSWORD`, `~/.pgpass`, service
files (`service=org`), `sslmode=verify-full` and client certificates. floorcoach never asks
for a password and never writes one: a URL kept on a joined device has it removed, and
messages show the URL without it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from floorcoach.org import OrgError, OrgLoginRefused, OrgUnreachable

if TYPE_CHECKING:
    import psycopg

URL_ENV_VAR = "FLOORCOACH_ORG_URL"
CONNECT_TIMEOUT_S = 10  # libpq waits forever by default; offline must be quick to say so
# libpq's words for a login the server turned away (as opposed to a server not reached).
_REFUSALS = (
    "authentication failed",
    "no password supplied",
    "role ",
    "not permitted to log in",
    "pg_hba.conf",
    "permission denied for database",
    "certificate",
)


def _psycopg():
    try:
        import psycopg
    except ImportError:
        raise OrgError(
            "the organisation features need psycopg; install them with "
            "pip install 'floorcoach[org]'"
        ) from None
    return psycopg


def _parameters(url: str) -> dict[str, str]:
    _psycopg()
    from psycopg import ProgrammingError
    from psycopg.conninfo import conninfo_to_dict

    try:
        return {k: str(v) for k, v in conninfo_to_dict(url).items()}
    except ProgrammingError as exc:
        raise OrgError(f"not a valid PostgreSQL connection string: {first_line(exc)}") from None


def without_password(url: str) -> str:
    """The same connection as a conninfo string, minus any password: safe to show or keep."""
    from psycopg.conninfo import make_conninfo

    parameters = _parameters(url)
    parameters.pop("password", None)
    return make_conninfo(**parameters)


def resolve_url(given: str | None, joined: str | None = None) -> str:
    """`--url`, else `FLOORCOACH_ORG_URL`, else the org of a joined device."""
    url = given or os.environ.get(URL_ENV_VAR) or joined
    if not url or not url.strip():
        raise OrgError(
            f"which organisation? give its server with --url URL or {URL_ENV_VAR} "
            "(for example postgresql://sam@org.example.com/floorcoach)"
        )
    return url


def first_line(exc: BaseException) -> str:
    """libpq's message without its prefix and hints: the line that says what happened."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    text = lines[0] if lines else type(exc).__name__
    return text.removeprefix("connection failed: ").replace("FATAL:  ", "")


def connect(url: str) -> psycopg.Connection:
    """An open connection, or OrgUnreachable / OrgLoginRefused.

    In autocommit mode: work that must be atomic says so with `conn.transaction()`, which
    is then a real transaction (not a savepoint inside one a lone query opened).
    """
    psycopg = _psycopg()
    parameters = _parameters(url)
    extra = {
        key: value
        for key, value in (
            ("connect_timeout", str(CONNECT_TIMEOUT_S)),
            ("application_name", "floorcoach"),
        )
        if key not in parameters
    }
    try:
        return psycopg.connect(url, autocommit=True, **extra)
    except psycopg.OperationalError as exc:
        raise _not_connected(exc, url) from None


def _not_connected(exc: Exception, url: str) -> OrgError:
    detail = first_line(exc)
    shown = without_password(url)
    if any(word in detail for word in _REFUSALS):
        return OrgLoginRefused(
            f"the organisation's server refused the login ({detail}); check the login in "
            f"{shown} and its password (PGPASSWORD, ~/.pgpass or a service file)"
        )
    return OrgUnreachable(
        f"cannot reach the organisation's server ({shown}): {detail}; nothing was lost, "
        "try again when it is reachable"
    )


@contextmanager
def translated(url: str) -> Iterator[None]:
    """Every server error inside the block becomes one OrgError line (no traceback)."""
    psycopg = _psycopg()
    try:
        yield
    except psycopg.OperationalError as exc:
        raise OrgUnreachable(
            f"lost the connection to the organisation's server ({without_password(url)}): "
            f"{first_line(exc)}; nothing was lost, try again"
        ) from None
    except psycopg.errors.InsufficientPrivilege as exc:
        raise OrgError(f"the organisation's server refused this: {first_line(exc)}") from None
    except psycopg.Error as exc:
        raise OrgError(f"the organisation's server said: {first_line(exc)}") from None
