"""The `floorcoach` command: the TUI by default, headless subcommands for HR and scripts.

Exit codes are public interface: 0 success, 1 bad input or a refused operation (the
message on stderr says what and where), 2 usage errors (argparse's convention).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from floorcoach import __version__

EXIT_OK, EXIT_BAD_INPUT, EXIT_USAGE = 0, 1, 2


class CliError(Exception):
    """Bad input: printed as one message on stderr, exit code 1."""


Handler = Callable[[argparse.Namespace], int]


def _db_path(args: argparse.Namespace) -> Path:
    from floorcoach.paths import resolve_db_path

    return resolve_db_path(args.db)


def _open(args: argparse.Namespace):
    from floorcoach.filesystems import network_filesystem_warning
    from floorcoach.workspace import open_workspace

    path = _db_path(args)
    warning = network_filesystem_warning(path)
    if warning:
        print(f"floorcoach: warning: {warning}", file=sys.stderr)
    store = open_workspace(path)
    for warning in store.warnings:
        print(f"floorcoach: warning: {warning}", file=sys.stderr)
    return store


def _supervisor() -> str:
    from floorcoach.paths import load_config

    return load_config().supervisor


def _write_rows(fmt: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Print rows as CSV (RFC 4180, CRLF) or as an aligned plain-text table."""
    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(["" if v is None else v for v in row] for row in rows)
        return
    text_rows = [[_plain(v) for v in row] for row in rows]
    widths = [len(h) for h in header]
    for row in text_rows:
        widths = [max(w, len(v)) for w, v in zip(widths, row, strict=True)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    print("  ".join("-" * w for w in widths))
    for row in text_rows:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


def _plain(value: object) -> str:
    from floorcoach.display import safe_text

    return safe_text("" if value is None else str(value))


# --- catalogue --------------------------------------------------------------------------


def cmd_catalogue_check(args: argparse.Namespace) -> int:
    from floorcoach.catalogue import load_catalogues

    paths = [Path(p) for p in args.paths] or None
    catalogues = load_catalogues(paths)
    for catalogue in catalogues:
        print(
            f"ok  {catalogue.source}: {catalogue.title} (version {catalogue.version}), "
            f"{len(catalogue.behaviours)} behaviours"
        )
    return EXIT_OK


def cmd_catalogue_list(args: argparse.Namespace) -> int:
    from floorcoach.catalogue import load_catalogues

    rows = [
        (b.id, b.touch_point, b.title, b.catalogue_id, b.catalogue_version, b.standard)
        for catalogue in load_catalogues()
        for b in catalogue.behaviours
    ]
    header = ("behaviour_id", "touch_point", "title", "catalogue", "catalogue_version", "standard")
    if args.format == "table":
        header, rows = header[:3], [row[:3] for row in rows]
    _write_rows(args.format, header, rows)
    return EXIT_OK


# --- roster -----------------------------------------------------------------------------


def cmd_roster_import(args: argparse.Namespace) -> int:
    from floorcoach.roster import import_roster

    with _open(args) as store:
        result = import_roster(store, Path(args.file), by=_supervisor())
    print(f"{args.file}: {result.summary()}")
    return EXIT_OK


def cmd_roster_list(args: argparse.Namespace) -> int:
    from floorcoach.employees import list_employees

    with _open(args) as store:
        employees = list_employees(store, team=args.team, include_inactive=args.all)
    header = ("employee_ref", "name", "team", "active", "employee_id")
    rows = [
        (e.employee_ref, e.name, e.team, "true" if e.active else "false", e.id) for e in employees
    ]
    _write_rows(args.format, header, rows)
    return EXIT_OK


# --- log ----------------------------------------------------------------------------------


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


def cmd_log(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from floorcoach import clock
    from floorcoach.employees import find_employee
    from floorcoach.models import ObservationInput
    from floorcoach.observations import log_observation

    observed_at = parse_at(args.at)
    with _open(args) as store:
        employee = find_employee(store, args.employee)
        try:
            data = ObservationInput(
                employee_id=employee.id,
                behaviour_id=args.behaviour,
                outcome=args.outcome,
                cause=args.cause,
                note=args.note or "",
                story=args.story,
                observed_at=observed_at,
            )
        except ValidationError as exc:
            raise CliError(_first_validation_message(exc)) from None
        saved = log_observation(store, data, supervisor=_supervisor())
    print(
        f"saved {saved.id}: {_plain(saved.employee_name)} · {saved.behaviour_id} · "
        f"{saved.outcome.value}"
        f" · {clock.to_local(saved.observed_at):%Y-%m-%d %H:%M}"
    )
    return EXIT_OK


def _first_validation_message(exc: Exception) -> str:
    errors = getattr(exc, "errors", lambda: [])()
    if not errors:
        return str(exc)
    error = errors[0]
    field = ".".join(str(p) for p in error.get("loc", ()))
    message = error.get("msg", "invalid value").removeprefix("Value error, ")
    return f"{field}: {message}" if field else message


# --- demo ---------------------------------------------------------------------------------


def cmd_demo(args: argparse.Namespace) -> int:
    from floorcoach.demo import generate_demo

    with _open(args) as store:
        result = generate_demo(
            store,
            employees=args.employees,
            weeks=args.weeks,
            seed=args.seed,
            force=args.force,
            you=_supervisor(),
        )
    print(
        f"{store.path}: added {result.employees} demo employees, "
        f"{result.observations} observations and "
        f"{result.coaching_sessions} coaching sessions"
    )
    return EXIT_OK


# --- parser -------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="floorcoach",
        description="Log on-the-floor observations, coach, and follow trends. "
        "With no command, opens the app.",
    )
    parser.add_argument("--version", action="version", version=f"floorcoach {__version__}")
    parser.add_argument(
        "--db",
        metavar="PATH",
        help="database file (default: $FLOORCOACH_DB, then your data folder)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    catalogue = commands.add_parser("catalogue", help="check and list behaviour catalogues")
    catalogue_commands = catalogue.add_subparsers(dest="subcommand", metavar="SUBCOMMAND")
    catalogue_commands.required = True
    check = catalogue_commands.add_parser("check", help="validate catalogue files")
    check.add_argument("paths", nargs="*", metavar="PATH", help="files (default: those in use)")
    check.set_defaults(handler=cmd_catalogue_check)
    listing = catalogue_commands.add_parser("list", help="list the behaviours in use")
    listing.add_argument("--format", choices=("table", "csv"), default="table")
    listing.set_defaults(handler=cmd_catalogue_list)

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

    log = commands.add_parser("log", help="log one observation")
    log.add_argument("--employee", required=True, metavar="REF_OR_NAME")
    log.add_argument("--behaviour", required=True, metavar="ID")
    log.add_argument("--outcome", required=True, choices=("met", "missed", "exceeded"))
    log.add_argument("--cause", choices=("skill", "will", "system"))
    log.add_argument("--note", metavar="TEXT")
    log.add_argument("--story", action="store_true", help="flag as a story worth sharing")
    log.add_argument("--at", metavar="ISO-8601", help="when it happened (default: now)")
    log.set_defaults(handler=cmd_log)

    demo = commands.add_parser("demo", help="fill the database with realistic demo data")
    demo.add_argument("--employees", type=int, default=24, metavar="N")
    demo.add_argument("--weeks", type=int, default=12, metavar="W")
    demo.add_argument("--seed", type=int, default=7, metavar="S")
    demo.add_argument("--force", action="store_true", help="add even if records exist")
    demo.set_defaults(handler=cmd_demo)

    for register in _feature_commands():
        register(commands)
    return parser


def _feature_commands() -> list[Callable[[argparse._SubParsersAction], None]]:
    """Each feature's `floorcoach/cli_<feature>.py` adds its subcommands via `register()`.

    Found by name, so a new feature never edits this file; sorted, so --help is stable.
    """
    import importlib
    import pkgutil

    import floorcoach

    names = sorted(
        info.name
        for info in pkgutil.iter_modules(floorcoach.__path__)
        if info.name.startswith("cli_")
    )
    return [importlib.import_module(f"floorcoach.{name}").register for name in names]


def _user_error_types() -> tuple[type[BaseException], ...]:
    from floorcoach.catalogue import CatalogueError
    from floorcoach.paths import ConfigError
    from floorcoach.roster import RosterError
    from floorcoach.store import StoreError

    return (CliError, CatalogueError, ConfigError, RosterError, StoreError)


def _tui_only(argv: Sequence[str]) -> argparse.Namespace | None:
    """`floorcoach` or `floorcoach --db PATH`: the app, without building every subcommand.

    Building the full parser imports each feature's CLI module and costs argparse ~20 ms;
    the supervisor opening the app many times a shift should not pay that (docs/performance.md).
    Keep in step with the top-level options of `build_parser` (only --db opens the app).
    """
    if not argv:
        return argparse.Namespace(db=None, command=None)
    if len(argv) == 1 and argv[0].startswith("--db=") and len(argv[0]) > 5:
        return argparse.Namespace(db=argv[0][5:], command=None)
    if len(argv) == 2 and argv[0] == "--db" and argv[1] and not argv[1].startswith("-"):
        return argparse.Namespace(db=argv[1], command=None)
    return None


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = _tui_only(argv)
    parser = None
    if args is None:
        parser = build_parser()
        args = parser.parse_args(argv)
    if args.command is None:
        return _run(run_tui, args, headless=False)
    undecodable = _first_undecodable(parser, args)
    if undecodable is not None:
        return _refuse(f"{undecodable} is not valid UTF-8 text; nothing was changed")
    return _run(args.handler, args, headless=True)


def _run(handler: Handler, args: argparse.Namespace, *, headless: bool) -> int:
    """Run the app or one headless command; every failure ends as one line on stderr.

    A headless command is interrupted by SIGTERM and SIGHUP as by Ctrl+C, and what it
    prints goes through the safe-text rule unless it is CSV data. The app (Textual) owns
    the terminal and its signals itself.
    """
    import sqlite3

    try:
        with _signals_interrupt(headless), _safe_stdout(headless and not _prints_data(args)):
            return handler(args)
    except _user_error_types() as exc:
        return _refuse(exc)
    except sqlite3.DatabaseError as exc:
        from floorcoach.store import _translate

        try:
            where = _db_path(args)
        except Exception:  # the message matters more than the path
            where = Path(args.db or "the database")
        return _refuse(_translate(exc, where))
    except OverflowError as exc:  # a last resort: values are checked where they are parsed
        return _refuse(
            f"a date or number is out of range ({exc}); dates must fall in the years "
            "2000 to 9998; nothing was changed"
        )
    except KeyboardInterrupt as exc:
        print("floorcoach: interrupted", file=sys.stderr)
        return 128 + getattr(exc, "signum", 2)
    except BrokenPipeError:
        return EXIT_OK


def _refuse(problem: object) -> int:
    from floorcoach.display import safe_text  # messages may quote names people typed

    print(f"floorcoach: {safe_text(str(problem), keep_newlines=True)}", file=sys.stderr)
    return EXIT_BAD_INPUT


# Arguments that name files: on POSIX a file name may be any bytes, so these are passed on
# as Python decoded them (with surrogate escapes); every other argument is text.
PATH_DESTS = frozenset({"db", "file", "paths", "out", "to"})


def _first_undecodable(parser: argparse.ArgumentParser | None, args: argparse.Namespace):
    """The option (or argument) of the command that was run whose text is not valid UTF-8.

    Python turns argv bytes that are not UTF-8 into lone surrogates; SQLite, CSV and the
    terminal would each fail on them later, half-way. Refused here, before anything runs.
    """
    if parser is None:
        return None
    for name, dest in _arguments_used(parser, args):
        if dest in PATH_DESTS:
            continue
        value = getattr(args, dest, None)
        values = value if isinstance(value, list) else [value]
        if any(isinstance(v, str) and _has_surrogates(v) for v in values):
            return name
    return None


def _has_surrogates(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def _arguments_used(parser: argparse.ArgumentParser, args: argparse.Namespace):
    """(name as on the command line, dest) of each argument of the command that was run."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            chosen = action.choices.get(getattr(args, action.dest, None) or "")
            if chosen is not None:
                yield from _arguments_used(chosen, args)
        elif action.dest not in (argparse.SUPPRESS, "help"):
            name = max(action.option_strings, key=len, default=None)
            yield name or str(action.metavar or action.dest), action.dest


def _prints_data(args: argparse.Namespace) -> bool:
    """Does the command write data (CSV) to stdout, to be kept byte for byte?"""
    return getattr(args, "format", None) == "csv" or getattr(args, "out", None) == "-"


class _SafeText:
    """A text stream that writes everything as `safe_text` shows it: control characters and
    escape sequences in names, teams or file names never reach the terminal as such."""

    def __init__(self, stream) -> None:
        from floorcoach.display import safe_text

        self._stream = stream
        self._safe = safe_text

    def write(self, text: str) -> int:
        self._stream.write(self._safe(text, keep_newlines=True))
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


@contextlib.contextmanager
def _safe_stdout(enabled: bool):
    """Everything printed while the command runs goes through `_SafeText` (unless it is
    CSV data, kept exactly as data should be)."""
    if not enabled:
        yield
        return
    original = sys.stdout
    sys.stdout = _SafeText(original)
    try:
        yield
    finally:
        sys.stdout = original


class _Signalled(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised like Ctrl+C so `finally` blocks remove temporary files."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def _signals_interrupt(enabled: bool):
    """While a headless command runs, SIGTERM and SIGHUP interrupt it as SIGINT does.

    Only signals left at their default (so `nohup` keeps working); only from the main
    thread (the only one Python lets set handlers). The first signal raises; a second
    one during the clean-up is ignored, so the clean-up finishes.
    """
    import signal
    import threading

    names = ("SIGTERM", "SIGHUP")
    signums = [getattr(signal, n) for n in names if hasattr(signal, n)]
    if not enabled or threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, _frame) -> None:
        for each in signums:
            signal.signal(each, signal.SIG_IGN)
        raise _Signalled(signum)

    previous = {}
    for signum in signums:
        if signal.getsignal(signum) is signal.SIG_DFL:
            previous[signum] = signal.signal(signum, interrupt)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def run_tui(args: argparse.Namespace) -> int:
    from floorcoach.app import FloorcoachApp

    app = FloorcoachApp(db_path=_db_path(args))
    app.run()
    return app.return_code or 0
