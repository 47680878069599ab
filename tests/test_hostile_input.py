"""Odd and hostile text: stored exactly, shown literally, never steering the terminal.

Names and notes may hold Rich/Textual markup, terminal escape sequences, control
characters, 10,000 characters, emoji or right-to-left text. Catalogue and roster files
may hold anything at all; their parsers either succeed or say which file and line is wrong.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from floorcoach.app import FloorcoachApp
from floorcoach.catalogue_files import CatalogueError, load_catalogues, shipped_catalogue_dir
from floorcoach.cli import main as cli_main
from floorcoach.employees import add_employee, get_employee
from floorcoach.models import EmployeeInput, ObservationInput
from floorcoach.observations import employee_timeline, get_observation, log_observation
from floorcoach.roster import RosterError, parse_roster
from floorcoach.safe_text import safe_text

from .pilot import settle, wait_ready

HOSTILE_NAME = "[bold red]Eve[/] \x1b[2J\x1b]0;pwned\x07 مريم 🧾\u202eevil"
HOSTILE_NOTES = [
    "[link=https://evil.example]click[/link] [@click=app.quit]quit[/] $variable",
    "\x1b[31mred\x1b[0m \x1b]52;c;cGFzdGU=\x07 \x9b31m C1 CSI",
    "nul \x00 bell \x07 backspace \x08 del \x7f tab\tline\nbreak\r\nwindows",
    "emoji 👩🏽‍🍳🇳🇱 and RTL שלום עולם / مرحبا بالعالم mixed",
    "long " + "x" * 9_995,
]
FORBIDDEN_ON_SCREEN = {chr(c) for c in range(0x20)} | {"\x7f"} | {chr(c) for c in range(0x80, 0xA0)}
FORBIDDEN_ON_SCREEN |= {"\u202a", "\u202b", "\u202c", "\u202d", "\u202e"}


def _log(store, employee_id: str, note: str):
    data = ObservationInput(
        employee_id=employee_id, behaviour_id="greeting.eye-contact", outcome="met", note=note
    )
    return log_observation(store, data, supervisor="Test Supervisor")


# --- stored exactly ------------------------------------------------------------------------


def test_hostile_names_and_notes_are_stored_exactly(store):
    person = add_employee(store, EmployeeInput(name=HOSTILE_NAME, team="⚠ [team]"), by="t")
    assert get_employee(store, person.id).name == HOSTILE_NAME
    for note in HOSTILE_NOTES:
        assert get_observation(store, _log(store, person.id, note).id).note == note
    assert len(HOSTILE_NOTES[-1]) == 10_000


def test_the_cli_stores_a_hostile_note_exactly_and_prints_nothing_raw(db_path, store):
    person = add_employee(store, EmployeeInput(name=HOSTILE_NAME, employee_ref="666"), by="t")
    note = HOSTILE_NOTES[1]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        args = ["--db", str(db_path), "log", "--employee", "666", "--behaviour"]
        args += ["greeting.eye-contact", "--outcome", "met", "--note", note]
        assert cli_main(args) == 0
        assert cli_main(["--db", str(db_path), "roster", "list"]) == 0
    [saved] = employee_timeline(store, person.id)
    assert saved.note == note
    printed = out.getvalue()
    assert "\x1b" not in printed and "\x07" not in printed
    assert safe_text(HOSTILE_NAME) in printed


# --- shown literally -------------------------------------------------------------------------


def _screen_segments(app) -> tuple[str, list[str]]:
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text for strip in strips), [s.text for strip in strips for s in strip]


def _assert_safe(texts: list[str]) -> None:
    leaked = {repr(ch) for text in texts for ch in text if ch in FORBIDDEN_ON_SCREEN}
    assert not leaked, f"control characters reached the terminal: {leaked}"


async def test_hostile_text_is_shown_literally_on_home_and_the_employee_page(db_path, store):
    person = add_employee(store, EmployeeInput(name=HOSTILE_NAME, team="[b]Fashion[/b]"), by="t")
    for note in HOSTILE_NOTES:
        _log(store, person.id, note)
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(260, 50)) as pilot:  # wide: the note column shows
        await wait_ready(app, pilot)
        home, segments = _screen_segments(app)
        _assert_safe(segments)
        # the name column is fitted to the room, so a long name may end in "…"
        assert home.count("[bold red]Eve[/] ␛[2J␛]0;pw") == len(HOSTILE_NOTES)
        assert "[link=https://evil.example]click[/link] [@click=app.quit]" in home
        assert "␛[31mred␛[0m" in home
        assert "nul ␀ bell ␇ backspace ␈ del ␡" in home
        assert "👩🏽‍🍳" in home and "שלום עולם" in home
        assert "long xxxxxxxx" in home and "x" * 200 not in home  # cut, not spilled

        app.open_employee(get_employee(store, person.id))
        await settle(app, pilot)
        page, segments = _screen_segments(app)
        _assert_safe(segments)
        assert "[bold red]Eve[/] ␛[2J␛]0;pwned␇ مريم 🧾�evil" in page
        assert "team [b]Fashion[/b]" in page
        assert "click[/link] [@click=app.quit]qu" in page
        assert "␛]52;c;cGFzdGU=␇" in page
        assert app.is_running  # no markup action ran (it would have quit)


async def test_saving_an_observation_of_a_hostile_name_notifies_literally(db_path, store):
    add_employee(store, EmployeeInput(name=HOSTILE_NAME, employee_ref="666"), by="t")
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_ready(app, pilot)
        for key in ["o", "6", "6", "6", "enter", "1", "m", "enter"]:
            await pilot.press(key)
            await settle(app, pilot)
        messages = [n.message for n in app._notifications]
    assert any(safe_text(HOSTILE_NAME) in m for m in messages)
    assert not any("\x1b" in m for m in messages)


# --- parsers on arbitrary bytes ----------------------------------------------------------------

SHIPPED = next(shipped_catalogue_dir().glob("*.toml")).read_bytes()
FUZZ = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _mutate(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    for position, length, replacement in edits:
        at = position % (len(data) + 1)
        data = data[:at] + replacement + data[at + length :]
    return data


def _check_catalogue(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzzed catalogue.toml"
        path.write_bytes(raw)
        try:
            load_catalogues([path])
        except CatalogueError as exc:
            assert exc.problems, "an error without a problem says nothing"
            for problem in exc.problems:
                assert str(problem).startswith(str(path)), str(problem)
                assert problem.message.strip()


@FUZZ
@given(st.binary(max_size=3000))
def test_the_catalogue_parser_survives_arbitrary_bytes(raw):
    _check_catalogue(raw)


TOML_BITS = st.sampled_from(
    [b"", b"\n", b"=", b'"', b"'''", b"[", b"]", b"[[touch_point]]\n", b"[[touch_point.behaviour]]\n",
     b"id = ", b'"x.y"', b"look_fors = []", b"look_fors = [1, 2]", b"title = 3\n", b"\x00",
     b"\xff", b"{ a = 1 }", b"version = 2026.1\n", b"[catalogue]\n", b"unknown = true\n"]
)  # fmt: skip


@FUZZ
@given(
    st.lists(st.tuples(st.integers(0, len(SHIPPED)), st.integers(0, 200), TOML_BITS), max_size=8)
)
def test_the_catalogue_parser_reports_damage_to_a_real_file_by_line(edits):
    _check_catalogue(_mutate(SHIPPED, edits))


def _check_roster(raw: bytes) -> None:
    try:
        rows = parse_roster(raw, "team roster.csv")
    except RosterError as exc:
        assert exc.problems
        assert str(exc).startswith("team roster.csv: ")
        for problem in exc.problems:
            assert problem.startswith("line "), problem
        return
    for row in rows:
        assert row.line >= 2 and row.data.name and row.data.employee_ref


@FUZZ
@given(st.binary(max_size=3000))
def test_the_roster_parser_survives_arbitrary_bytes(raw):
    _check_roster(raw)


CSV_BITS = st.sampled_from(
    ["employee_ref", "name", "team", "Employee ID", "Department", ",", ";", '"', '""', "\n",
     "\r\n", "\r", "000123", "Amira", " ", "\ufeff", "\x00", "é", "x" * 300, "=cmd()"]
)  # fmt: skip


@FUZZ
@given(st.lists(CSV_BITS, max_size=60))
def test_the_roster_parser_survives_csv_shaped_nonsense(parts):
    _check_roster("".join(parts).encode("utf-8"))


@FUZZ
@given(st.lists(st.text(max_size=30), min_size=1, max_size=6))
def test_a_roster_with_any_names_either_imports_or_says_which_line(names):
    body = "employee_ref,name,team\n" + "".join(
        f'{n},"{name.replace(chr(34), chr(34) * 2)}",T\n' for n, name in enumerate(names)
    )
    _check_roster(body.encode("utf-8"))
