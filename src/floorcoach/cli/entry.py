"""Parse the command line and run it: the app, or one headless command.

Every command runs behind the same guards: text arguments must be UTF-8, what it prints
goes through the safe-text rule unless it is CSV data, SIGTERM and SIGHUP interrupt it
as Ctrl+C does, and every failure ends as one line on stderr with exit code 1.
Exit codes are public interface: 0 success, 1 bad input or a refused operation (the
message on stderr says what and where), 2 usage errors (argparse's convention).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from floorcoach import __version__
from floorcoach.cli.shared import EXIT_BAD_INPUT, EXIT_OK, CliError, Handler, database_path

# The everyday commands lead `floorcoach --help`; the other modules follow by name.
FIRST_COMMANDS = ("catalogue", "roster", "observations", "demo")
NOT_COMMANDS = frozenset({"entry", "shared"})


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
    for register in _command_modules():
        register(commands)
    return parser


def _command_modules() -> list[Callable[[argparse._SubParsersAction], None]]:
    """Each module of `floorcoach.cli` (but `entry` and `shared`) adds its commands via
    `register()`. Found by name, so a new feature never edits this file."""
    import importlib
    import pkgutil

    import floorcoach.cli

    names = {info.name for info in pkgutil.iter_modules(floorcoach.cli.__path__)} - NOT_COMMANDS
    ordered = [n for n in FIRST_COMMANDS if n in names] + sorted(names - set(FIRST_COMMANDS))
    return [importlib.import_module(f"floorcoach.cli.{name}").register for name in ordered]


def _user_error_types() -> tuple[type[BaseException], ...]:
    from floorcoach.catalogue_files import CatalogueError
    from floorcoach.org import OrgError
    from floorcoach.paths import ConfigError
    from floorcoach.roster import RosterError
    from floorcoach.store import StoreError

    return (CliError, CatalogueError, ConfigError, OrgError, RosterError, StoreError)


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
        args = parser.parse_args(_attach_dash_values(parser, argv))
    if args.command is None:
        return _run(run_tui, args, headless=False)
    undecodable = _first_undecodable(parser, args)
    if undecodable is not None:
        return _refuse(f"{undecodable} is not valid UTF-8 text; nothing was changed")
    return _run(args.handler, args, headless=True)


def _attach_dash_values(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """`--note -2+3` as `--note=-2+3`: a value may start with `-` (a note, a ref `-123`).

    argparse takes a word starting with `-` for an option and fails with "expected one
    argument". After an option that takes one value, the next word is its value unless it
    is one of floorcoach's own options (so a forgotten value still reads as a mistake).
    Nothing after `--` is touched.
    """
    takes_value, options = _option_strings(parser)
    result: list[str] = []
    index = 0
    while index < len(argv):
        word = argv[index]
        if word == "--":
            return result + argv[index:]
        following = argv[index + 1] if index + 1 < len(argv) else None
        if (
            word in takes_value
            and following is not None
            and following.startswith("-")
            and following.split("=", 1)[0] not in options
        ):
            result.append(f"{word}={following}")
            index += 2
            continue
        result.append(word)
        index += 1
    return result


def _option_strings(parser: argparse.ArgumentParser) -> tuple[set[str], set[str]]:
    """(options that take exactly one value, every option) of the parser and its commands."""
    takes_value: set[str] = set()
    options: set[str] = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                sub_takes, sub_options = _option_strings(sub)
                takes_value |= sub_takes
                options |= sub_options
            continue
        options.update(action.option_strings)
        one_value = isinstance(action, argparse._StoreAction | argparse._AppendAction)
        if one_value and action.nargs is None:
            takes_value.update(action.option_strings)
    return takes_value, options


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
            where = database_path(args)
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
    from floorcoach.safe_text import safe_text  # messages may quote names people typed

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
        from floorcoach.safe_text import safe_text

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

    app = FloorcoachApp(db_path=database_path(args))
    app.run()
    return app.return_code or 0
