"""`floorcoach org init|add-supervisor|roster import|join|status` and `floorcoach sync`.

floorcoach org init --url URL                   create or upgrade the org schema
floorcoach org add-supervisor --url URL LOGIN --name NAME [--team T ...] [--lead T ...] [--hr]
floorcoach org roster import --url URL FILE.csv the roster into the org store (HR)
floorcoach org join URL                         join this device (--db) as the URL's login
floorcoach org status                           the org, last sync, what waits, conflicts
floorcoach sync                                 push, then pull; prints what moved

URL is a libpq URI or conninfo (`postgresql://sam@/floorcoach?host=/run/pg`); without
--url, `FLOORCOACH_ORG_URL`, then the org of a joined device. The login in the URL is who
acts; its password comes from libpq (PGPASSWORD, ~/.pgpass, a service file), never from
floorcoach. An unreachable server or a refused login is one line on stderr and exit 1.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager

from floorcoach.cli.shared import (
    EXIT_OK,
    database_path,
    open_store,
    subcommand_group,
    supervisor_name,
)


def _joined_url(args: argparse.Namespace) -> str | None:
    """The org URL kept by a joined device, if `--db` is one (never creates a database)."""
    from floorcoach.org.link import joined_url
    from floorcoach.store import Store

    path = database_path(args)
    if not path.exists():
        return None
    with Store.open(path, create=False) as store:
        return joined_url(store)


def _url(args: argparse.Namespace) -> str:
    import os

    from floorcoach.org.connection import URL_ENV_VAR, resolve_url

    given = getattr(args, "url", None)
    if given or os.environ.get(URL_ENV_VAR):
        return resolve_url(given)
    return resolve_url(None, _joined_url(args))


@contextmanager
def _connected(url: str) -> Iterator[object]:
    from floorcoach.org.connection import connect, translated

    conn = connect(url)
    try:
        with translated(url):
            yield conn
    finally:
        conn.close()


def cmd_org_init(args: argparse.Namespace) -> int:
    from floorcoach.catalogue_files import load_catalogues
    from floorcoach.org.connection import without_password
    from floorcoach.org.schema import init_org

    url = _url(args)
    catalogues = load_catalogues()
    with _connected(url) as conn:
        result = init_org(conn, catalogues)
    print(f"org store {without_password(url)}: {result.summary()}")
    return EXIT_OK


def cmd_org_add_supervisor(args: argparse.Namespace) -> int:
    from floorcoach.org.supervisors import add_supervisor

    url = _url(args)
    with _connected(url) as conn:
        added = add_supervisor(
            conn, args.login, name=args.name, teams=args.team, leads=args.lead, hr=args.hr
        )
    print(added.summary())
    if added.new_role:
        print(
            f"set a password for the new login (psql: \\password {added.login}) or let the "
            "server authenticate it by certificate; floorcoach never handles passwords"
        )
    return EXIT_OK


def cmd_org_join(args: argparse.Namespace) -> int:
    from floorcoach.org.sync import join

    with open_store(args) as store:
        result = join(store, args.url, local_name=supervisor_name())
    for line in result.lines():
        print(line)
    return EXIT_OK


def cmd_org_status(args: argparse.Namespace) -> int:
    from floorcoach.org.sync import status

    with open_store(args) as store:
        lines = status(store).lines()
    for line in lines:
        print(line)
    return EXIT_OK


def cmd_org_roster_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from floorcoach.org.connection import without_password
    from floorcoach.org.roster_import import import_org_roster

    url = _url(args)
    with _connected(url) as conn:
        result = import_org_roster(conn, Path(args.file))
    print(f"{args.file} into {without_password(url)}: {result.summary()}")
    return EXIT_OK


def cmd_sync(args: argparse.Namespace) -> int:
    from floorcoach.org.sync import sync

    with open_store(args) as store:
        result = sync(store)
    for line in result.lines():
        print(line)
    return EXIT_OK


def register(commands: argparse._SubParsersAction) -> None:
    org = subcommand_group(commands, "org", "the organisation's PostgreSQL store")
    url_help = (
        "libpq URI or conninfo of the org store (default: $FLOORCOACH_ORG_URL, then the joined org)"
    )

    init = org.add_parser(
        "init",
        help="create or upgrade the org schema (run by an administrator)",
        description="Create the org store's tables, row-level security and the "
        "floorcoach_member role, or bring them to this version; load the catalogue files. "
        "Running it again changes nothing.",
    )
    init.add_argument("--url", metavar="URL", help=url_help)
    init.set_defaults(handler=cmd_org_init)

    add = org.add_parser(
        "add-supervisor",
        help="create a login for a supervisor, team lead or HR",
        description="Create (or update) a PostgreSQL login role and register it: --team "
        "the teams they observe, --lead the teams they lead, --hr reads everything. "
        "Team names need not be in the roster yet. No password is set here.",
    )
    add.add_argument("--url", metavar="URL", help=url_help)
    add.add_argument("login", metavar="LOGIN")
    add.add_argument("--name", required=True, metavar="NAME", help="display name on records")
    add.add_argument("--team", action="append", default=[], metavar="T", help="a team they observe")
    add.add_argument("--lead", action="append", default=[], metavar="T", help="a team they lead")
    add.add_argument("--hr", action="store_true", help="HR: read everything, write the roster")
    add.set_defaults(handler=cmd_org_add_supervisor)

    roster = org.add_parser("roster", help="the organisation's roster (HR)")
    roster_commands = roster.add_subparsers(dest="roster_command", metavar="SUBCOMMAND")
    roster_commands.required = True
    importing = roster_commands.add_parser(
        "import",
        help="import or update the org roster from a CSV file",
        description="The same CSV rules and errors as `floorcoach roster import`: every "
        "line is checked first, then all are added or updated by employee_ref in one "
        "transaction, or none. Only HR (or the administrator) may write the roster.",
    )
    importing.add_argument("--url", metavar="URL", help=url_help)
    importing.add_argument("file", metavar="FILE.csv")
    importing.set_defaults(handler=cmd_org_roster_import)

    join = org.add_parser(
        "join",
        help="join this device to the organisation as the URL's login",
        description="Check the login, pull the roster and the catalogue, and link people "
        "by employee_ref. From then on, `floorcoach sync` pushes this device's records.",
    )
    join.add_argument("url", metavar="URL", help="libpq URI or conninfo; its login is you")
    join.set_defaults(handler=cmd_org_join)

    status = org.add_parser(
        "status",
        help="this device's organisation, last sync, what waits to go up, conflicts",
        description="Read from the device alone, so it works offline.",
    )
    status.set_defaults(handler=cmd_org_status)

    sync = commands.add_parser(
        "sync",
        help="push this device's records to its organisation, then pull",
        description="Push what this device recorded (observations, coaching sessions "
        "without private notes, follow-ups, history, deletions, erasures), then pull the "
        "roster, the catalogue, focus periods and the records about your teams; prints "
        "what moved. Exit 0 done, 1 unreachable or refused (nothing "
        "lost: sync again later) or not joined.",
    )
    sync.set_defaults(handler=cmd_sync)
