"""`floorcoach backup` and `floorcoach employee forget`: copies you can restore, erasure on request.

floorcoach backup [--to PATH]       a consistent copy, safe while the app is running
floorcoach check                    is the database whole? (integrity and links)
floorcoach employee forget REF      erase a person's records (asks you to type the name)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from floorcoach.cli.shared import (
    EXIT_OK,
    CliError,
    database_path,
    open_store,
    subcommand_group,
    supervisor_name,
)


def _size(size: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} bytes"  # pragma: no cover


def cmd_backup(args: argparse.Namespace) -> int:
    from floorcoach.backup import backup_database

    db_path = database_path(args)
    result = backup_database(db_path, Path(args.to) if args.to else None)
    print(
        f"backed up {db_path} to {result.path} ({_size(result.size)}: "
        f"{result.employees} employees, {result.observations} observations)"
    )
    print(
        "to restore: quit floorcoach everywhere, move the database (and any -wal/-shm "
        "next to it) aside, then copy this file to the database path"
    )
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from floorcoach.sqlite_files import DAMAGED_ADVICE, check_file
    from floorcoach.store import file_in_use

    db_path = database_path(args)
    with file_in_use(db_path, allow_newer=True):
        checkup = check_file(db_path)
    print(checkup.summary())
    if checkup.ok:
        return EXIT_OK
    for problem in checkup.problems[1:]:
        print(f"  {problem}")
    raise CliError(f"{db_path} is damaged. {DAMAGED_ADVICE}")


def _matches_exactly(employee, text: str) -> bool:
    typed = text.strip().casefold()
    return bool(typed) and typed in {
        employee.name.strip().casefold(),
        (employee.employee_ref or "").strip().casefold(),
        employee.id,
    }


def cmd_employee_forget(args: argparse.Namespace) -> int:
    from floorcoach.employees import find_employee, get_employee
    from floorcoach.erasure import (
        describe_counts,
        erase_employee,
        plan_erasure,
        still_readable_message,
    )
    from floorcoach.safe_text import safe_text
    from floorcoach.store import RecordNotFound

    with open_store(args) as store:
        try:
            employee = get_employee(store, args.ref.strip())  # the internal id, from a log
        except RecordNotFound:
            employee = find_employee(store, args.ref)
        counts = plan_erasure(store, employee.id)
        who = (
            f"{safe_text(employee.name)} (ref {safe_text(employee.employee_ref or '-')}, "
            f"team {safe_text(employee.team or '-')})"
        )
        print(f"This permanently erases {who} and every record about them:")
        print(f"  {describe_counts(counts)}")
        print("It cannot be undone. The erasure log keeps only that it happened.")
        if args.yes:
            if not _matches_exactly(employee, args.ref):
                raise CliError(
                    f"with --yes, give the exact ref or full name ({args.ref!r} only matched "
                    "partly); nothing was erased"
                )
        elif not sys.stdin.isatty():
            raise CliError(
                "not erased: confirmation is needed; run this in a terminal, or add --yes "
                "in scripts"
            )
        else:
            try:
                typed = input("Type the person's full name or ref to confirm: ")
            except EOFError:
                typed = ""
            if not _matches_exactly(employee, typed):
                raise CliError("that did not match; nothing was erased")
        result = erase_employee(store, employee.id, by=supervisor_name(store))
    print(f"erased {who}: {result.total} rows ({describe_counts(result.counts)})")
    if result.drafts_removed:
        print(f"also removed {result.drafts_removed} unsaved draft(s) about them")
    if result.still_readable_in:
        print(f"floorcoach: {still_readable_message(result.still_readable_in)}", file=sys.stderr)
    for copy in result.backups_with_person:
        print(
            f"floorcoach: the earlier backup {copy} still holds their records; delete it or "
            f"run `floorcoach --db {copy} employee forget {employee.id} --yes`",
            file=sys.stderr,
        )
    for partial in result.partials_left:
        print(
            f"floorcoach: the partly written file {partial} may hold their records and was "
            "not removed (a floorcoach still running is writing it, or it cannot be "
            "deleted); delete it once no floorcoach is running",
            file=sys.stderr,
        )
    return EXIT_OK


def register(commands: argparse._SubParsersAction) -> None:
    backup = commands.add_parser(
        "backup",
        help="make a consistent copy of the database (safe while the app runs)",
        description="Copy the database with SQLite's backup API. Safe while floorcoach is "
        "open and saving. The copy is private (0600) and synced to disk.",
    )
    backup.add_argument(
        "--to",
        metavar="PATH",
        help="file or folder for the copy (default: a timestamped file next to the database)",
    )
    backup.set_defaults(handler=cmd_backup)

    check = commands.add_parser(
        "check",
        help="check that the database is whole (integrity and links)",
        description="Run SQLite's integrity_check and foreign_key_check on the database "
        "without changing it. Exit 0 when whole, 1 when damaged (with what to do).",
    )
    check.set_defaults(handler=cmd_check)

    employee = subcommand_group(commands, "employee", "manage one employee's records")
    forget = employee.add_parser(
        "forget",
        help="erase a person and every record about them (data protection requests)",
        description="Erase an employee and all their observations, coaching and history. "
        "Asks you to type their name or ref; --yes skips that in scripts.",
    )
    forget.add_argument(
        "ref", metavar="REF", help="employee ref, their full name, or their internal id"
    )
    forget.add_argument(
        "--yes", action="store_true", help="do not ask (needs the exact ref or full name)"
    )
    forget.set_defaults(handler=cmd_employee_forget)
