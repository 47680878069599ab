"""CSV exports read back with Python's csv module and compared, cell by cell, with the database."""

from __future__ import annotations

import csv
import io
import os
import re
import signal
import subprocess
import sys
from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from floorcoach import clock, export
from floorcoach.catalogue_store import list_behaviours
from floorcoach.employees import add_employee
from floorcoach.metrics import PROVISIONAL_BELOW
from floorcoach.models import EmployeeInput, ObservationInput
from floorcoach.observations import log_observation

from .conftest import SUPERVISOR

DANGEROUS = ["=", "+", "-", "@", "\t", "\r"]
TEXT_COLUMNS = {
    "observations": [
        "employee_ref",
        "employee_name",
        "team",
        "touch_point",
        "behaviour",
        "note",
        "supervisor",
        "catalogue_version",
    ],
    "weekly": ["employee_ref", "employee_name", "team", "touch_point", "behaviour"],
}
SIGNED_NUMBER = re.compile(r"[+-][0-9.]*[0-9][0-9.]*")
NOW = "2026-11-25T10:00:00+00:00"

TRICKY_NAMES = [
    ("Amira Okafor", "Fashion", "000123"),
    ('Jean "JJ" Dupont, Jr.', "Home, Garden", "000124"),
    ("Line\nBreak", 'Team "Q"', None),
    ("Zoë 😀 Émile", "Beauty", "-123"),
    ("مريم الحسن", "עברית", "=1+1"),
    ('=HYPERLINK("http://x")', "@team", "+44"),
    ("-Minus Sign", "+Plus", "'quoted"),
]
TRICKY_NOTES = [
    "",
    "plain note",
    'commas, "quotes" and\nnew lines\r\nand CRLF',
    "emoji 😀👍🏽 and right-to-left: مرحبا بالعالم",
    *[f"{ch}SUM(A1:A9)" for ch in DANGEROUS],
    "-5 items were missing",
    "-42",
    "+3.5",
    "'already quoted",
    "  =leading spaces",
]


def _at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00+00:00").astimezone(UTC)


@pytest.fixture
def tricky(store, monkeypatch):
    """People and observations with every awkward character HR files have to survive."""
    monkeypatch.setenv("FLOORCOACH_NOW", NOW)
    behaviours = list_behaviours(store)
    people = [
        add_employee(store, EmployeeInput(name=n, team=t, employee_ref=r), by=SUPERVISOR)
        for n, t, r in TRICKY_NAMES
    ]
    days = ["2026-11-02", "2026-11-03", "2026-11-03", "2026-11-10", "2026-11-17", "2026-11-24"]
    count = 0
    for i, person in enumerate(people):
        for j, note in enumerate(TRICKY_NOTES):
            outcome = ("met", "missed", "exceeded")[(i + j) % 3]
            cause = ("skill", "will", "system", None)[j % 4] if outcome == "missed" else None
            data = ObservationInput(
                employee_id=person.id,
                behaviour_id=behaviours[(i * 3 + j) % len(behaviours)].id,
                outcome=outcome,
                cause=cause,
                note=note,
                story=(j % 5 == 0),
                observed_at=_at(days[(i + j) % len(days)], 8 + j % 10),
            )
            supervisor = "=cmd|' /C calc'!A0" if j == 3 else SUPERVISOR
            log_observation(store, data, supervisor=supervisor)
            count += 1
    return people, count


def _read(source: Path | bytes) -> tuple[list[str], list[dict[str, str]]]:
    data = source.read_bytes() if isinstance(source, Path) else source
    text = data.decode("utf-8")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header = next(reader)
    return header, [dict(zip(header, row, strict=True)) for row in reader]


def _db_observations(store, where: str = "", params: tuple = ()) -> list[dict]:
    return store.query(
        "SELECT o.*, e.employee_ref, e.name AS employee_name, e.team, e.active, "
        "b.catalogue_id, b.touch_point_id, s.id AS supervisor_id, "
        "coalesce(bv.title, b.title) AS behaviour, "
        "coalesce(bv.touch_point, b.touch_point) AS touch_point "
        "FROM observation o JOIN employee e ON e.id = o.employee_id "
        "JOIN supervisor s ON s.display_name = o.supervisor "
        "JOIN behaviour b ON b.id = o.behaviour_id LEFT JOIN behaviour_version bv "
        "ON bv.behaviour_id = o.behaviour_id AND bv.catalogue_version = o.catalogue_version "
        f"{where} ORDER BY o.local_date, o.rowid",
        params,
    )


def _restore(cell: str) -> str:
    """The documented way back: a text cell starting with an apostrophe lost one to us."""
    return cell[1:] if cell.startswith("'") else cell


def _check_text_cell(cell: str, value: str | None) -> None:
    value = value or ""
    assert _restore(cell) == value
    if value and value[0] in "=+-@\t\r'" and not SIGNED_NUMBER.fullmatch(value):
        assert cell == "'" + value, f"{value!r} was not neutralised"
    if value and SIGNED_NUMBER.fullmatch(value):
        assert cell == value, "a plain signed number must stay as it is"
    if cell:
        assert cell[0] not in "=+-@\t\r" or SIGNED_NUMBER.fullmatch(cell)


def _compare_observations(rows: list[dict], expected: list[dict]) -> None:
    assert [r["observation_id"] for r in rows] == [e["id"] for e in expected]
    for row, db in zip(rows, expected, strict=True):
        assert row["observed_at"] == db["observed_at"]
        assert datetime.fromisoformat(row["observed_at"]).utcoffset() is not None
        assert row["local_date"] == db["local_date"]
        assert row["iso_week"] == db["iso_week"]
        assert row["behaviour_id"] == db["behaviour_id"]
        assert row["outcome"] == db["outcome"]
        unsure = "unsure" if db["outcome"] == "missed" else ""
        assert row["cause"] == (db["cause"] or unsure)
        assert row["story"] == ("true" if db["story"] else "false")
        assert row["employee_id"] == db["employee_id"]
        assert row["created_at"] == db["created_at"]
        assert row["updated_at"] == db["updated_at"]
        assert row["employee_active"] == ("true" if db["active"] else "false")
        assert (row["catalogue_id"], row["touch_point_id"]) == (
            db["catalogue_id"],
            db["touch_point_id"],
        )
        local = datetime.fromisoformat(db["observed_at"]).astimezone()
        assert row["observed_at_local"] == local.strftime("%Y-%m-%d %H:%M:%S")
        _check_text_cell(row["team_when_observed"], db["team_when_observed"])
        for column in TEXT_COLUMNS["observations"]:
            source = {"employee_name": "employee_name", "behaviour": "behaviour"}.get(
                column, column
            )
            _check_text_cell(row[column], db[source])


# --- observations ---------------------------------------------------------------------


def test_every_observation_comes_back_cell_for_cell(store, tricky, tmp_path):
    _, count = tricky
    out = tmp_path / "observations.csv"
    written = export.write_export(store, "observations", out)
    header, rows = _read(out)
    assert written == count == len(rows)
    assert tuple(header) == export.COLUMNS["observations"]
    _compare_observations(rows, _db_observations(store))


def test_observations_start_with_the_columns_hr_joins_on():
    assert export.COLUMNS["observations"][:15] == (
        "observation_id",
        "observed_at",
        "local_date",
        "iso_week",
        "employee_ref",
        "employee_name",
        "team",
        "touch_point",
        "behaviour_id",
        "behaviour",
        "outcome",
        "cause",
        "story",
        "note",
        "supervisor",
    )


def test_each_supervisor_has_one_id_in_every_export(store, tricky, tmp_path):
    """`supervisor_id` (issue 12): one id per supervisor, the same in both record exports,
    and the one the database keeps for that name."""
    export.write_export(store, "observations", tmp_path / "o.csv")
    _, observations = _read(tmp_path / "o.csv")
    ids = {_restore(row["supervisor"]): row["supervisor_id"] for row in observations}
    assert len(set(ids.values())) == len(ids) == 2  # SUPERVISOR and the hostile name
    assert all(row["supervisor_id"] == ids[_restore(row["supervisor"])] for row in observations)
    kept = {row["display_name"]: row["id"] for row in store.query("SELECT * FROM supervisor")}
    assert ids == {name: kept[name] for name in ids}
    from floorcoach.coaching import CoachingInput, create_coaching

    seen = store.query("SELECT employee_id, behaviour_id FROM observation LIMIT 1")[0]
    said = CoachingInput(
        employee_id=seen["employee_id"],
        kind="recognition",
        behaviour_ids=[seen["behaviour_id"]],
        said="well done",
        held_at=_at("2026-11-18", 9),
    )
    create_coaching(store, said, supervisor=SUPERVISOR)
    export.write_export(store, "coaching", tmp_path / "c.csv")
    _, coaching = _read(tmp_path / "c.csv")
    assert [row["supervisor_id"] for row in coaching] == [ids[SUPERVISOR]]


def test_notes_starting_with_each_dangerous_character_are_neutralised(store, tricky, tmp_path):
    out = tmp_path / "o.csv"
    export.write_export(store, "observations", out)
    _, rows = _read(out)
    notes = {row["note"] for row in rows}
    for ch in DANGEROUS:
        assert f"'{ch}SUM(A1:A9)" in notes
        assert f"{ch}SUM(A1:A9)" not in notes
    assert "'-5 items were missing" in notes
    assert "-42" in notes and "+3.5" in notes  # numbers, not formulas
    assert "''already quoted" in notes  # so one leading apostrophe can always be removed
    assert "  =leading spaces" in notes
    assert "'=cmd|' /C calc'!A0" in {row["supervisor"] for row in rows}


def test_employee_ref_stays_text_exactly_as_imported(store, tricky, tmp_path):
    out = tmp_path / "o.csv"
    export.write_export(store, "observations", out)
    raw = out.read_bytes()
    _, rows = _read(out)
    refs = {row["employee_name"]: row["employee_ref"] for row in rows}
    assert refs["Amira Okafor"] == "000123"
    assert b'"000123"' in raw  # quoted: text, not a number
    assert refs["Line\nBreak"] == ""  # no ref: an empty cell
    assert refs["Zoë 😀 Émile"] == "-123"  # a signed number is not a formula
    assert refs["مريم الحسن"] == "'=1+1"
    assert refs['\'=HYPERLINK("http://x")'] == "+44"
    assert refs["'-Minus Sign"] == "''quoted"


def test_files_are_rfc4180_with_crlf_and_utf8(store, tricky, tmp_path):
    out = tmp_path / "o.csv"
    export.write_export(store, "observations", out)
    raw = out.read_bytes()
    assert not raw.startswith(export.BOM)
    raw.decode("utf-8")  # valid UTF-8 throughout
    outside_quotes = re.sub(rb'"(?:[^"]|"")*"', b"", raw)
    assert outside_quotes.count(b"\n") == outside_quotes.count(b"\r\n") == len(_read(out)[1]) + 1
    assert b"\r" not in outside_quotes.replace(b"\r\n", b"")
    assert raw.endswith(b"\r\n")
    assert b'"Jean ""JJ"" Dupont, Jr."' in raw


def test_excel_flag_adds_a_byte_order_mark(store, tricky, tmp_path):
    out = tmp_path / "o.csv"
    export.write_export(store, "observations", out, excel=True)
    raw = out.read_bytes()
    assert raw.startswith(export.BOM)
    header, rows = _read(raw[len(export.BOM) :])
    assert header[0] == "observation_id" and rows


def test_row_order_holds_across_chunks_and_busy_days(store, tricky, tmp_path, monkeypatch):
    monkeypatch.setattr(export, "CHUNK_ROWS", 3)  # many chunks; days bigger than a chunk
    out = tmp_path / "o.csv"
    export.write_export(store, "observations", out)
    _, rows = _read(out)
    _compare_observations(rows, _db_observations(store))


def test_behaviour_wording_is_the_one_the_observation_was_logged_under(store, tricky, tmp_path):
    old = store.query("SELECT id, behaviour_id FROM observation LIMIT 1")[0]
    with store.write() as conn:
        conn.execute(
            "INSERT INTO behaviour_version(behaviour_id, catalogue_version, touch_point, title, "
            "standard, look_fors, recorded_at) VALUES (?, '2025.0', 'Old touch point', "
            "'=Old wording, \"quoted\"', 's', '[]', ?)",
            (old["behaviour_id"], NOW),
        )
        conn.execute(
            "UPDATE observation SET catalogue_version = '2025.0' WHERE id = ?", (old["id"],)
        )
    out = tmp_path / "o.csv"
    export.write_export(store, "observations", out)
    _, rows = _read(out)
    row = next(r for r in rows if r["observation_id"] == old["id"])
    assert row["behaviour"] == '\'=Old wording, "quoted"'
    assert row["touch_point"] == "Old touch point"
    assert row["catalogue_version"] == "2025.0"
    _compare_observations(rows, _db_observations(store))


def test_filters_by_dates_team_and_employee(store, tricky, tmp_path):
    people, _ = tricky
    cases = [
        (
            dict(date_from="2026-11-03", date_to="2026-11-10"),
            "WHERE o.local_date BETWEEN '2026-11-03' AND '2026-11-10'",
            (),
        ),
        (dict(date_from=date(2026, 11, 17)), "WHERE o.local_date >= '2026-11-17'", ()),
        (dict(team="Home, Garden"), "WHERE e.team = ?", ("Home, Garden",)),
        (dict(employee_id=people[4].id), "WHERE o.employee_id = ?", (people[4].id,)),
        (
            dict(team="Beauty", date_to="2026-11-03"),
            "WHERE e.team = 'Beauty' AND o.local_date <= '2026-11-03'",
            (),
        ),
    ]
    for filters, where, params in cases:
        out = tmp_path / "filtered.csv"
        written = export.write_export(store, "observations", out, **filters)
        expected = _db_observations(store, where, params)
        assert expected, f"the fixture should have rows for {filters}"
        assert written == len(expected) == export.count_rows(store, "observations", **filters)
        _compare_observations(_read(out)[1], expected)


def test_no_matching_rows_still_writes_the_header(store, tricky, tmp_path):
    out = tmp_path / "empty.csv"
    assert export.write_export(store, "observations", out, date_to="2001-01-01") == 0
    assert out.read_bytes() == (",".join(export.COLUMNS["observations"]) + "\r\n").encode()
    assert export.count_rows(store, "observations", date_to="2001-01-01") == 0


def test_streams_take_bytes_or_text(store, tricky):
    binary = io.BytesIO()
    count = export.write_export(store, "observations", binary)
    text = io.StringIO(newline="")
    export.write_export(store, "observations", text)
    assert text.getvalue().encode("utf-8") == binary.getvalue()
    assert len(_read(binary.getvalue())[1]) == count


def test_bad_filters_are_refused_before_anything_is_written(store, tricky, tmp_path):
    out = tmp_path / "never.csv"
    bad = [
        dict(date_from="2026-02-30"),
        dict(date_from="25/11/2026"),
        dict(date_from="2026-11-10", date_to="2026-11-01"),
        dict(team="No such team"),
        dict(employee_id="no-such-id"),
    ]
    for filters in bad:
        with pytest.raises(export.ExportError):
            export.write_export(store, "observations", out, **filters)
        with pytest.raises(export.ExportError):
            export.count_rows(store, "observations", **filters)
    assert not out.exists()
    assert list(tmp_path.glob("*.partial")) == []


def test_unwritable_paths_are_one_clear_error(store, tricky, tmp_path):
    with pytest.raises(export.ExportError, match="does not exist"):
        export.write_export(store, "observations", tmp_path / "missing" / "o.csv")
    with pytest.raises(export.ExportError, match="folder"):
        export.write_export(store, "observations", tmp_path)


def test_coaching_sessions_come_back_cell_for_cell_without_private_notes(store, tricky, tmp_path):
    from floorcoach.coaching import CoachingInput, create_coaching

    people, _ = tricky
    behaviours = [b.id for b in list_behaviours(store)][:3]
    sessions = []
    for index, (person, said) in enumerate(zip(people, TRICKY_NOTES, strict=False)):
        sessions.append(
            create_coaching(
                store,
                CoachingInput(
                    employee_id=person.id,
                    kind=("corrective", "recognition", "development")[index % 3],
                    behaviour_ids=behaviours[: 1 + index % 3],
                    said=said or "talked it through",
                    agreed_action=f"=try again {index}",
                    held_at=_at("2026-11-18", 9 + index % 8),
                    acknowledged=index % 2 == 0,
                    employee_comment='fair, "I was rushing"' if index % 2 else "",
                    private_note=f"PRIVATE-{index} do not export",
                ),
                supervisor=SUPERVISOR,
            )
        )
    out = tmp_path / "coaching.csv"
    assert export.write_export(store, "coaching", out) == len(sessions)
    assert export.count_rows(store, "coaching") == len(sessions)
    assert b"PRIVATE-" not in out.read_bytes()
    header, rows = _read(out)
    assert tuple(header) == export.COLUMNS["coaching"]
    by_id = {row["coaching_id"]: row for row in rows}
    for session in sessions:
        row = by_id[session.id]
        db = store.query("SELECT * FROM coaching_session WHERE id = ?", (session.id,))[0]
        coached = [
            r["behaviour_id"]
            for r in store.query(
                "SELECT behaviour_id FROM coaching_followup WHERE coaching_id = ? ORDER BY position",
                (session.id,),
            )
        ]
        assert row["held_at"] == db["held_at"] and row["local_date"] == db["local_date"]
        assert row["kind"] == db["kind"] and row["follow_up_due"] == db["follow_up_due"]
        assert row["behaviour_ids"].split(";") == coached
        assert row["follow_up_results"].split(";") == [f"{b}=open" for b in coached]
        assert row["acknowledged"] == ("true" if db["acknowledged"] else "false")
        for column in ("said", "agreed_action", "employee_comment", "supervisor"):
            _check_text_cell(row[column], db[column])
        person = next(p for p in people if p.id == db["employee_id"])
        _check_text_cell(row["employee_name"], person.name)
        _check_text_cell(row["employee_ref"], person.employee_ref)


# --- interrupted exports ------------------------------------------------------------------


def test_an_interrupted_export_leaves_no_file_under_the_final_name(
    store, tricky, tmp_path, monkeypatch
):
    monkeypatch.setattr(export, "CHUNK_ROWS", 5)
    out = tmp_path / "o.csv"
    calls = []

    def stop_after_the_first_chunk(rows: int) -> None:
        calls.append(rows)
        raise export.ExportCancelled("stopped")

    with pytest.raises(export.ExportCancelled):
        export.write_export(store, "observations", out, progress=stop_after_the_first_chunk)
    assert calls == [5]
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [tmp_path / "data"]  # no temporary file left either


def test_a_failed_export_keeps_the_previous_file_intact(store, tricky, tmp_path, monkeypatch):
    monkeypatch.setattr(export, "CHUNK_ROWS", 5)
    out = tmp_path / "o.csv"
    out.write_bytes(b"the previous export\r\n")

    def fail(rows: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        export.write_export(store, "weekly", out, progress=fail)
    assert out.read_bytes() == b"the previous export\r\n"


KILLED_CHILD = """
import os, signal, sys
from floorcoach import export
from floorcoach.store import Store
export.CHUNK_ROWS = 5
def die(rows):
    os.kill(os.getpid(), signal.SIGKILL)
with Store.open(sys.argv[1], create=False) as store:
    export.write_export(store, "observations", sys.argv[2], progress=die)
"""


def test_a_killed_export_process_leaves_no_file_under_the_final_name(
    store, tricky, db_path, tmp_path
):
    out = tmp_path / "exports" / "o.csv"
    out.parent.mkdir()
    result = subprocess.run(
        [sys.executable, "-c", KILLED_CHILD, str(db_path), str(out)],
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == -signal.SIGKILL, result.stderr.decode()
    assert not out.exists()
    leftovers = list(out.parent.iterdir())
    assert all(p.name.startswith(".o.csv.") and p.suffix == ".partial" for p in leftovers)


# --- weekly -----------------------------------------------------------------------------


def _expected_weekly(store, where: str = "", params: tuple = ()) -> dict[tuple, dict]:
    """The weekly rows computed here, from the observations, independently of the export."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for obs in store.query(f"SELECT * FROM observation o {where}", params):
        groups[(obs["employee_id"], obs["iso_week"], obs["behaviour_id"])].append(obs)
    expected = {}
    for key, items in groups.items():
        met = sum(o["outcome"] == "met" for o in items)
        exceeded = sum(o["outcome"] == "exceeded" for o in items)
        missed = sum(o["outcome"] == "missed" for o in items)
        system = sum(o["outcome"] == "missed" and o["cause"] == "system" for o in items)
        counted = len(items) - system
        expected[key] = {
            "observations": str(len(items)),
            "met": str(met),
            "exceeded": str(exceeded),
            "missed": str(missed),
            "missed_system": str(system),
            "counted": str(counted),
            "met_rate": f"{(met + exceeded) / counted:.4f}" if counted else "",
            "provisional": "true" if counted < PROVISIONAL_BELOW else "false",
            "week_start": clock.week_monday(key[1]).isoformat(),
        }
    return expected


def test_weekly_summary_matches_the_observations(store, tricky, tmp_path):
    people, _ = tricky
    out = tmp_path / "weekly.csv"
    written = export.write_export(store, "weekly", out)
    header, rows = _read(out)
    assert tuple(header) == export.COLUMNS["weekly"]
    expected = _expected_weekly(store)
    assert written == len(rows) == len(expected) == export.count_rows(store, "weekly")
    employees = {e["id"]: e for e in store.query("SELECT * FROM employee")}
    titles = {b["id"]: b for b in store.query("SELECT * FROM behaviour")}
    for row in rows:
        want = expected[(row["employee_id"], row["iso_week"], row["behaviour_id"])]
        assert {k: row[k] for k in want} == want
        person = employees[row["employee_id"]]
        _check_text_cell(row["employee_name"], person["name"])
        _check_text_cell(row["employee_ref"], person["employee_ref"])
        _check_text_cell(row["team"], person["team"])
        _check_text_cell(row["behaviour"], titles[row["behaviour_id"]]["title"])
        _check_text_cell(row["touch_point"], titles[row["behaviour_id"]]["touch_point"])
        if row["met_rate"]:
            assert re.fullmatch(r"[01]\.\d{4}", row["met_rate"])


def test_weekly_met_rate_is_empty_when_only_system_misses(store, tricky, tmp_path, monkeypatch):
    people, _ = tricky
    behaviour = list_behaviours(store)[-1]
    for hour in (9, 10):
        data = ObservationInput(
            employee_id=people[0].id,
            behaviour_id=behaviour.id,
            outcome="missed",
            cause="system",
            observed_at=_at("2026-10-05", hour),
        )
        log_observation(store, data, supervisor=SUPERVISOR)
    out = tmp_path / "w.csv"
    export.write_export(store, "weekly", out, employee_id=people[0].id, date_to="2026-10-05")
    _, rows = _read(out)
    assert len(rows) == 1
    assert rows[0]["missed_system"] == "2" and rows[0]["counted"] == "0"
    assert rows[0]["met_rate"] == ""


def test_weekly_dates_cover_whole_iso_weeks(store, tricky, tmp_path):
    # 2026-11-04 is a Wednesday: the export still counts that whole week from Monday 2 Nov.
    out = tmp_path / "w.csv"
    export.write_export(store, "weekly", out, date_from="2026-11-04", date_to="2026-11-04")
    _, rows = _read(out)
    expected = _expected_weekly(store, "WHERE o.iso_week = '2026-W45'")
    assert len(rows) == len(expected) > 0
    assert {r["iso_week"] for r in rows} == {"2026-W45"}
    assert {r["week_start"] for r in rows} == {"2026-11-02"}


# --- properties ---------------------------------------------------------------------------


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    note=st.text(
        alphabet=st.one_of(
            st.sampled_from(list("=+-@'\t\r\n\",; 0123456789.")),
            st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
        ),
        max_size=40,
    )
)
def test_any_note_survives_the_round_trip(store, team, note):
    data = ObservationInput(
        employee_id=team[0].id, behaviour_id=list_behaviours(store)[0].id, outcome="met", note=note
    )
    saved = log_observation(store, data, supervisor=SUPERVISOR)
    out = io.BytesIO()
    export.write_export(store, "observations", out, employee_id=team[0].id)
    _, rows = _read(out.getvalue())
    row = next(r for r in rows if r["observation_id"] == saved.id)
    _check_text_cell(row["note"], note)
    assert row["note"] == export.neutralise(note)


# --- the data dictionary ------------------------------------------------------------------


def _documented_rows() -> dict[str, list[tuple[str, str, str]]]:
    """Each `## <kind>` section's table in docs/data-dictionary.md: (column, type, meaning)."""
    path = Path(__file__).resolve().parent.parent / "docs" / "data-dictionary.md"
    sections: dict[str, list[tuple[str, str, str]]] = {}
    current = None
    for line in path.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^## `?(\w+)`? export", line)
        if heading:
            current = heading.group(1)
            continue
        if line.startswith("## "):
            current = None
            continue
        cell = re.match(r"^\|\s*`([a-z_]+)`\s*\|([^|]*)\|(.*)\|[^|]*\|\s*$", line)
        if current and cell:
            row = (cell.group(1), cell.group(2).strip(), cell.group(3).strip())
            sections.setdefault(current, []).append(row)
    return sections


def _documented_columns() -> dict[str, list[str]]:
    """Each `## <kind>` section's columns in docs/data-dictionary.md, in order."""
    return {kind: [row[0] for row in rows] for kind, rows in _documented_rows().items()}


def test_the_data_dictionary_describes_each_column_as_declared():
    """The docs, the workbook's About sheet and the Table Schema say the same thing."""
    documented = _documented_rows()
    for kind, spec in export.EXPORTS.items():
        declared = [(c.name, c.type.label, c.description) for c in spec.described]
        assert documented[kind] == declared, f"docs/data-dictionary.md: {kind}"
        assert all(c.description for c in spec.described), kind


def test_the_data_dictionary_lists_exactly_the_exported_columns():
    documented = _documented_columns()
    assert set(documented) == set(export.EXPORTS)
    for kind, spec in export.EXPORTS.items():
        assert documented[kind] == list(spec.columns), f"docs/data-dictionary.md: {kind}"


def test_the_exported_header_is_the_documented_one(store, tricky, tmp_path):
    documented = _documented_columns()
    for kind in export.EXPORTS:
        out = tmp_path / f"{kind}.csv"
        export.write_export(store, kind, out)
        assert _read(out)[0] == documented[kind]


def test_export_module_does_not_import_textual():
    code = "import sys, floorcoach.export, floorcoach.cli.export; print('textual' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=os.environ.copy()
    )
    assert result.stdout.strip() == "False", result.stderr
