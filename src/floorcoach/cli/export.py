"""`floorcoach export KIND`: the files HR imports (the kinds: `export.EXPORTS`), as CSV
(with a Table Schema beside it on request) or as a typed XLSX workbook.

Every refusal (a bad date, --from after --to, an unknown team or employee, a path that
cannot be written, an export this version cannot make, too many rows for a sheet) is one
line on stderr and exit code 1. The summary goes to stdout, or to stderr when the export
itself goes to stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path


def register(commands: argparse._SubParsersAction) -> None:
    from floorcoach.export import CAUSES, EXPORTS, KINDS

    export = commands.add_parser(
        "export",
        help=f"write a CSV or XLSX file for HR: {', '.join(KINDS)}",
        description="Write an export (columns: docs/data-dictionary.md). Without --out "
        "the file is named after the export and the date range, in the current folder.",
    )
    export.add_argument(
        "kind",
        choices=KINDS,
        metavar="{" + "|".join(KINDS) + "}",
        help="; ".join(f"{kind}: {spec.label}" for kind, spec in EXPORTS.items()),
    )
    export.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help="first day")
    export.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="last day")
    export.add_argument("--team", metavar="T", help="only this team")
    export.add_argument("--employee", metavar="REF_OR_NAME", help="only this employee")
    export.add_argument("--story", action="store_true", help="only observations flagged as stories")
    export.add_argument(
        "--cause",
        metavar="CAUSE",  # checked by the export (a cause, or `unsure`: not a vocabulary)
        help=f"only misses with this cause ({', '.join(CAUSES)}; observations only)",
    )
    export.add_argument("--out", metavar="FILE", help="where to write; - for standard output")
    export.add_argument(
        "--format",
        choices=FORMATS,
        default="csv",
        help="csv (default) or xlsx: a workbook of typed cells that opens as recorded",
    )
    export.add_argument(
        "--schema",
        action="store_true",
        help="also write FILE.schema.json, a Table Schema to validate the CSV against",
    )
    export.add_argument(
        "--excel", action="store_true", help="add a byte-order mark so Excel reads UTF-8 (CSV)"
    )
    export.set_defaults(handler=cmd_export)


FORMATS = ("csv", "xlsx")


def _rows(count: int) -> str:
    return f"{count} row{'s' * (count != 1)}"


def cmd_export(args: argparse.Namespace) -> int:
    from floorcoach import export
    from floorcoach.cli.shared import EXIT_OK, CliError, open_store, team_named
    from floorcoach.employees import find_employee

    try:
        export.check_available(args.kind)
        date_from = export.parse_date(args.date_from, "--from")
        date_to = export.parse_date(args.date_to, "--to")
    except export.ExportError as exc:
        raise CliError(str(exc)) from None
    if date_from and date_to and date_from > date_to:
        raise CliError(f"--from {date_from} is after --to {date_to}")
    to_stdout = args.out == "-"
    if args.format == "xlsx" and (args.excel or args.schema):
        raise CliError(f"{'--excel' if args.excel else '--schema'} is for CSV, not --format xlsx")
    if args.schema and to_stdout:
        raise CliError("--schema needs a file to sit beside: give --out FILE, not --out -")
    progress = None if to_stdout else _Progress.on_terminal()
    out: Path | object = (
        sys.stdout.buffer
        if to_stdout
        else Path(args.out or export.default_filename(args.kind, date_from, date_to, args.format))
    )
    with open_store(args) as store:
        # `fashion` is the roster's "Fashion", as for every other command. No active team
        # by that name: the export's own check (people who have left count too) exports
        # that team as typed or refuses, naming the teams.
        team = args.team
        with contextlib.suppress(CliError):
            team = team_named(store, team)
        employee_id = None
        if args.employee is not None:
            employee_id = find_employee(store, args.employee).id
        if to_stdout:
            sys.stdout.flush()
        filters = {
            "date_from": date_from,
            "date_to": date_to,
            "team": team,
            "employee_id": employee_id,
            "story": args.story,
            "cause": args.cause,
            "progress": progress,
        }
        if args.format == "xlsx":
            from floorcoach.xlsx_export import write_workbook

            count = write_workbook(store, args.kind, out, **filters)
        else:
            count = export.write_export(store, args.kind, out, excel=args.excel, **filters)
    schema = None
    if args.schema:
        from floorcoach.table_schema import write_schema

        schema = write_schema(args.kind, Path(out))  # type: ignore[arg-type]
    if to_stdout:
        print(f"floorcoach: {args.kind}: {_rows(count)}", file=sys.stderr)
    else:
        if progress is not None:
            progress.clear()
        print(f"{args.kind}: {_rows(count)} written to {out}")
        if schema is not None:
            print(f"schema written to {schema}")
    return EXIT_OK


class _Progress:
    """A running row count on stderr, for exports that take a while at a terminal."""

    def __init__(self) -> None:
        self.shown = False

    @classmethod
    def on_terminal(cls) -> _Progress | None:
        return cls() if sys.stderr.isatty() else None

    def __call__(self, rows: int) -> None:
        self.shown = True
        print(f"\r{rows:,} rows…", end="", file=sys.stderr, flush=True)

    def clear(self) -> None:
        if self.shown:
            print("\r\033[K", end="", file=sys.stderr, flush=True)
