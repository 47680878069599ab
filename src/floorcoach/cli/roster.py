"""`floorcoach roster import|list`: the employees, from HR's CSV file."""

from __future__ import annotations

import argparse
from pathlib import Path

from floorcoach.cli.shared import (
    EXIT_OK,
    CliError,
    open_store,
    supervisor_name,
    team_named,
    write_rows,
)


def cmd_roster_import(args: argparse.Namespace) -> int:
    from floorcoach.roster import import_roster

    with open_store(args) as store:
        result = import_roster(store, Path(args.file), by=supervisor_name(store))
    print(f"{args.file}: {result.summary()}")
    return EXIT_OK


def cmd_roster_list(args: argparse.Namespace) -> int:
    from floorcoach.employees import list_employees

    with open_store(args) as store:
        team = args.team
        try:  # `fashion` is the roster's "Fashion", as for every other command
            team = team_named(store, team)
        except CliError:
            if not args.all:
                raise
            # --all: a team whose people have all left is no active team, but is listed
            # by its exact name
        employees = list_employees(store, team=team, include_inactive=args.all)
    header = ("employee_ref", "name", "team", "active", "employee_id")
    rows = [
        (e.employee_ref, e.name, e.team, "true" if e.active else "false", e.id) for e in employees
    ]
    write_rows(args.format, header, rows)
    return EXIT_OK


def register(commands: argparse._SubParsersAction) -> None:
    roster = commands.add_parser("roster", help="import and list employees")
    roster_commands = roster.add_subparsers(dest="subcommand", metavar="SUBCOMMAND")
    roster_commands.required = True
    importing = roster_commands.add_parser("import", help="import or update from a CSV file")
    importing.add_argument("file", metavar="FILE.csv")
    importing.set_defaults(handler=cmd_roster_import)
    roster_list = roster_commands.add_parser("list", help="list employees")
    roster_list.add_argument("--team", metavar="T")
    roster_list.add_argument("--all", action="store_true", help="include inactive employees")
    roster_list.add_argument("--format", choices=("table", "csv"), default="table")
    roster_list.set_defaults(handler=cmd_roster_list)
