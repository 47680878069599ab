"""`floorcoach catalogue check|list`: validate the catalogue files, list the behaviours."""

from __future__ import annotations

import argparse
from pathlib import Path

from floorcoach.cli.shared import (
    EXIT_OK,
    write_rows,
)


def cmd_catalogue_check(args: argparse.Namespace) -> int:
    from floorcoach.catalogue_files import load_catalogues

    paths = [Path(p) for p in args.paths] or None
    catalogues = load_catalogues(paths)
    for catalogue in catalogues:
        print(
            f"ok  {catalogue.source}: {catalogue.title} (version {catalogue.version}), "
            f"{len(catalogue.behaviours)} behaviours"
        )
    return EXIT_OK


def cmd_catalogue_list(args: argparse.Namespace) -> int:
    from floorcoach.catalogue_files import load_catalogues

    rows = [
        (b.id, b.touch_point, b.title, b.catalogue_id, b.catalogue_version, b.standard)
        for catalogue in load_catalogues()
        for b in catalogue.behaviours
    ]
    header = ("behaviour_id", "touch_point", "title", "catalogue", "catalogue_version", "standard")
    if args.format == "table":
        header, rows = header[:3], [row[:3] for row in rows]
    write_rows(args.format, header, rows)
    return EXIT_OK


def register(commands: argparse._SubParsersAction) -> None:
    catalogue = commands.add_parser("catalogue", help="check and list behaviour catalogues")
    catalogue_commands = catalogue.add_subparsers(dest="subcommand", metavar="SUBCOMMAND")
    catalogue_commands.required = True
    check = catalogue_commands.add_parser("check", help="validate catalogue files")
    check.add_argument("paths", nargs="*", metavar="PATH", help="files (default: those in use)")
    check.set_defaults(handler=cmd_catalogue_check)
    listing = catalogue_commands.add_parser("list", help="list the behaviours in use")
    listing.add_argument("--format", choices=("table", "csv"), default="table")
    listing.set_defaults(handler=cmd_catalogue_list)
