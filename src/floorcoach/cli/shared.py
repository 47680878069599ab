"""What every `floorcoach` command module shares: its errors, the database, output.

The public toolkit of `floorcoach.cli`: each feature's module imports from here, never
from another command module nor from `entry`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

EXIT_OK, EXIT_BAD_INPUT, EXIT_USAGE = 0, 1, 2


class CliError(Exception):
    """Bad input: printed as one message on stderr, exit code 1."""


Handler = Callable[[argparse.Namespace], int]


def database_path(args: argparse.Namespace) -> Path:
    from floorcoach.paths import resolve_db_path

    return resolve_db_path(args.db)


def open_store(args: argparse.Namespace):
    """The workspace of `--db` (schema current, catalogue in), with its warnings on stderr."""
    from floorcoach.filesystems import network_filesystem_warning
    from floorcoach.workspace import open_workspace

    path = database_path(args)
    warning = network_filesystem_warning(path)
    if warning:
        print(f"floorcoach: warning: {warning}", file=sys.stderr)
    store = open_workspace(path)
    for warning in store.warnings:
        print(f"floorcoach: warning: {warning}", file=sys.stderr)
    return store


def team_named(store, text: str | None) -> str | None:
    """The roster's spelling of the team given with `--team` (None when not given), matched
    ignoring case and accents (`employees.find_team`), or a CliError naming the choices."""
    from floorcoach.employees import find_team
    from floorcoach.store import RecordNotFound

    if text is None:
        return None
    try:
        return find_team(store, text)
    except RecordNotFound as exc:
        raise CliError(f"{exc} (see `floorcoach roster list` for the teams)") from None


def supervisor_name(store=None) -> str:
    """Who is acting: the configured name, or with `store` the name its records carry
    (the org login's display name once the device joined: `org.link.name_on_records`)."""
    from floorcoach.paths import load_config

    configured = load_config().supervisor
    if store is None:
        return configured
    from floorcoach.org.link import name_on_records

    return name_on_records(store, configured)


def write_rows(fmt: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Print rows as CSV or as an aligned plain-text table.

    CSV follows the exports' rule for every cell (`floorcoach.csv_cells`: neutralised
    formulas, UTF-8, CRLF), written as bytes so no text layer re-encodes the data or
    translates its line ends.
    """
    if fmt == "csv":
        from floorcoach.csv_cells import write_csv

        binary = getattr(sys.stdout, "buffer", None)
        if binary is None:  # a stream without bytes underneath (a test's StringIO)
            write_csv(sys.stdout, header, rows)
            return
        sys.stdout.flush()  # whatever was printed before stays before
        write_csv(binary, header, rows)
        binary.flush()
        return
    text_rows = [[plain(v) for v in row] for row in rows]
    widths = [len(h) for h in header]
    for row in text_rows:
        widths = [max(w, len(v)) for w, v in zip(widths, row, strict=True)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    print("  ".join("-" * w for w in widths))
    for row in text_rows:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


def plain(value: object) -> str:
    from floorcoach.safe_text import safe_text

    return safe_text("" if value is None else str(value))


def parse_at(value: str | None, option: str = "--at"):
    """The instant given with `--at` (None when not given), or a CliError saying the form.

    The rules are the core's (`clock.parse_instant`), so the app's forms refuse the same
    values; a local time that happened twice is taken as the first, and stderr says so.
    """
    from floorcoach import clock

    if value is None:
        return None
    if not value.strip():
        raise CliError(
            f"{option} is empty; give a date-time like 2026-11-25T14:30, "
            f"or leave {option} out for now"
        )
    try:
        instant = clock.parse_instant(value)
    except clock.ImplausibleTime as exc:
        raise CliError(f"{option} {value!r} {exc}") from None
    except ValueError:
        raise CliError(
            f"{option} {value!r} is not a valid ISO 8601 date-time "
            "(for example 2026-11-25T14:30 or 2026-11-25T14:30+01:00)"
        ) from None
    note = clock.repeated_local_time(value)
    if note:
        print(f"floorcoach: note: {option}: {note}", file=sys.stderr)
    return instant


def subcommand_group(commands: argparse._SubParsersAction, name: str, help_text: str):
    """The sub-command group `name`, reusing it if another feature already added it."""
    existing = commands.choices.get(name)
    if existing is not None:
        for action in existing._actions:
            if isinstance(action, argparse._SubParsersAction):
                return action
    group = commands.add_parser(name, help=help_text)
    sub = group.add_subparsers(dest="subcommand", metavar="SUBCOMMAND")
    sub.required = True
    return sub
