"""What a joined device keeps about its organisation, in its own `setting` table.

The org's connection string without any password, the login the device joined as, the
owner's org supervisor id and display name, the pull cursor and the last sync time.
Nothing here is secret: the password stays with libpq (PGPASSWORD, ~/.pgpass, a service
file).
"""

from __future__ import annotations

from dataclasses import dataclass

from floorcoach.org import NotJoined
from floorcoach.store import Store

URL = "org_url"
LOGIN = "org_login"
SUPERVISOR_ID = "org_supervisor_id"
DISPLAY_NAME = "org_display_name"
LAST_SYNC = "org_last_sync"
PULL_CURSOR = "org_pull_cursor"  # the oldest server transaction the next pull must see


@dataclass(frozen=True)
class Link:
    url: str
    login: str
    supervisor_id: str
    display_name: str


def joined_url(store: Store) -> str | None:
    return store.setting(URL)


def name_on_records(store: Store, configured: str) -> str:
    """The supervisor name new records carry: on a joined device the login's display name
    (`org add-supervisor --name`), so every device of the owner writes the same name;
    otherwise the configured one (config.toml, FLOORCOACH_SUPERVISOR, the OS user)."""
    return store.setting(DISPLAY_NAME) or configured


def current_link(store: Store) -> Link:
    """The device's link to its org, or NotJoined saying how to join."""
    values = {key: store.setting(key) for key in (URL, LOGIN, SUPERVISOR_ID, DISPLAY_NAME)}
    if not all(values.values()):
        raise NotJoined(
            f"{store.path} has not joined an organisation; run "
            "`floorcoach org join URL` first (nothing was sent anywhere)"
        )
    return Link(
        url=values[URL],
        login=values[LOGIN],
        supervisor_id=values[SUPERVISOR_ID],
        display_name=values[DISPLAY_NAME],
    )
