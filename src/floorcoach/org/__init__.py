"""The organisation's PostgreSQL store: one place where every device's records meet.

A device keeps its own SQLite file and works offline; when it can reach the org store it
pushes what it recorded and pulls what it needs (docs/organisation.md). Everything here is
optional: psycopg is imported only by the modules that talk to the server, and only when
they do, so a device that never joins an organisation never needs it.

Modules: `connection` (libpq URLs, connecting, one-line errors), `schema` (the org schema
and its forward-only versions, row-level security), `supervisors` (login roles),
`device` (joining: the device's side of the link), `sync` (push and pull).
"""

from __future__ import annotations


class OrgError(Exception):
    """Something the user must read about the org store; the message says what and where."""


class OrgUnreachable(OrgError):
    """The server cannot be reached, or the connection broke; nothing was lost."""


class OrgLoginRefused(OrgError):
    """The server refused the login (wrong password, unknown role, not allowed)."""


class OrgSchemaError(OrgError):
    """The org store's schema is missing, older or newer than this floorcoach knows."""


class NotJoined(OrgError):
    """This device has not joined an organisation."""
