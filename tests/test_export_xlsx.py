"""`--format xlsx`: typed workbooks read back with openpyxl (and LibreOffice where installed),
every cell's type and value compared with the database."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils.escape import unescape

from floorcoach import export, xlsx_export
from floorcoach.export import ExportCancelled, ExportError

from .test_export import NOW, _db_observations, _restore, tricky  # noqa: F401  (a fixture)

TEXT_TYPES = {"text", "code", "code list", "UUID", "UUID list", "ISO week", "timestamp (UTC)"}


def _load(path: Path):
    workbook = openpyxl.load_workbook(path)
    return workbook, workbook.worksheets[0]


def _value(cell) -> object:
    """A cell's value as Excel shows it: text undoes OOXML's `_xHHHH_` escapes of control
    characters (a carriage return is stored as `_x000D_`), which openpyxl leaves in."""
    return unescape(cell.value) if isinstance(cell.value, str) else cell.value


def _cells(sheet) -> tuple[list[str], list[list]]:
    rows = list(sheet.iter_rows())
    header = [c.value for c in rows[0]]
    return header, rows[1:]


def _expected_observation(db: dict, column: str) -> object:
    """What the workbook's cell holds for the stored observation `db`, by the declared type."""
    local = datetime.fromisoformat(db["observed_at"]).astimezone().replace(tzinfo=None)
    unsure = "unsure" if db["outcome"] == "missed" else None
    values = {
        "observation_id": db["id"],
        "employee_name": db["employee_name"],
        "behaviour": db["behaviour"],
        "touch_point": db["touch_point"],
        "local_date": datetime.combine(date.fromisoformat(db["local_date"]), datetime.min.time()),
        "observed_at_local": local,
        "cause": db["cause"] or unsure,
        "story": bool(db["story"]),
        "employee_active": bool(db["active"]),
    }
    value = values[column] if column in values else db[column]
    return None if value == "" else value


def test_every_observation_comes_back_typed_cell_for_cell(store, tricky, tmp_path):  # noqa: F811
    _, count = tricky
    out = tmp_path / "observations.xlsx"
    assert xlsx_export.write_workbook(store, "observations", out) == count
    _, sheet = _load(out)
    header, rows = _cells(sheet)
    assert tuple(header) == export.COLUMNS["observations"]
    expected = _db_observations(store)
    assert len(rows) == len(expected) == count
    types = {c.name: c.type.label for c in export.EXPORTS["observations"].described}
    for row, db in zip(rows, expected, strict=True):
        for column, cell in zip(header, row, strict=True):
            want = _expected_observation(db, column)
            assert _value(cell) == want, (column, db["id"])
            if want is None:
                continue
            assert cell.data_type != "f", column  # never a formula
            if types[column] in TEXT_TYPES or types[column] == "text":
                assert cell.data_type == "s", column
            elif types[column] == "boolean":
                assert cell.data_type == "b", column
            elif types[column] == "date":
                assert cell.is_date and cell.number_format == "yyyy-mm-dd", column
            elif types[column] == "local date-time":
                assert cell.is_date and cell.number_format == "yyyy-mm-dd hh:mm:ss", column


def test_refs_and_formula_like_text_stay_text_without_an_apostrophe(store, tricky, tmp_path):  # noqa: F811
    out = tmp_path / "observations.xlsx"
    xlsx_export.write_workbook(store, "observations", out)
    _, sheet = _load(out)
    header, rows = _cells(sheet)
    ref = header.index("employee_ref")
    refs = {row[ref].value for row in rows}
    assert {"000123", "000124", "-123", "=1+1", "+44", "'quoted", None} == refs
    assert all(row[ref].data_type == "s" for row in rows if row[ref].value is not None)
    notes = {_value(row[header.index("note")]) for row in rows}
    assert "=SUM(A1:A9)" in notes and "-42" in notes  # as typed: no apostrophe in a workbook


def test_the_sheet_is_ready_to_read_and_says_what_it_holds(store, tricky, tmp_path):  # noqa: F811
    _, count = tricky
    out = tmp_path / "observations.xlsx"
    xlsx_export.write_workbook(store, "observations", out, team="Beauty", story=True)
    workbook, sheet = _load(out)
    assert workbook.sheetnames == ["observations", xlsx_export.ABOUT_SHEET]
    assert sheet.freeze_panes == "A2"
    rows = sheet.max_row - 1
    assert (
        sheet.auto_filter.ref
        == f"A1:{openpyxl.utils.get_column_letter(sheet.max_column)}{rows + 1}"
    )
    assert all(sheet.column_dimensions[letter].width >= 10 for letter in ("A", "B", "N"))
    about = [tuple(c.value for c in row) for row in workbook[xlsx_export.ABOUT_SHEET].iter_rows()]
    facts = {row[0]: row[1] for row in about if row[1] is not None and row[2] is None}
    assert facts["export"].startswith("observations: ")
    assert facts["filters"] == "team Beauty; stories only"
    assert facts["made by"].startswith("floorcoach ")
    assert facts["catalogues"].startswith("retail-floor ")
    assert facts["rows"] == rows
    described = [row for row in about if row[2] is not None]
    assert described[0] == ("column", "type", "meaning")
    assert described[1:] == [
        (c.name, c.type.label, c.description) for c in export.EXPORTS["observations"].described
    ]


def test_weekly_and_coaching_cells_are_numbers_booleans_and_dates(store, tricky, tmp_path):  # noqa: F811
    out = tmp_path / "weekly.xlsx"
    xlsx_export.write_workbook(store, "weekly", out)
    csv_out = io.BytesIO()
    export.write_export(store, "weekly", csv_out)
    csv_rows = list(csv.DictReader(io.StringIO(csv_out.getvalue().decode(), newline="")))
    _, sheet = _load(out)
    header, rows = _cells(sheet)
    assert len(rows) == len(csv_rows) > 0
    for row, text in zip(rows, csv_rows, strict=True):
        cells = dict(zip(header, (c.value for c in row), strict=True))
        assert cells["week_start"] == datetime.fromisoformat(text["week_start"])
        for column in ("observations", "met", "exceeded", "missed", "missed_system", "counted"):
            assert type(cells[column]) is int and cells[column] == int(text[column])
        if text["met_rate"]:
            assert f"{cells['met_rate']:.4f}" == text["met_rate"]
        else:
            assert cells["met_rate"] is None
        assert cells["provisional"] is (text["provisional"] == "true")
        assert cells["employee_ref"] == (_restore(text["employee_ref"]) or None)
    coaching = tmp_path / "coaching.xlsx"
    assert xlsx_export.write_workbook(store, "coaching", coaching) == 0
    _, sheet = _load(coaching)
    assert [c.value for c in next(sheet.iter_rows())] == list(export.COLUMNS["coaching"])


def test_more_rows_than_a_sheet_holds_are_refused_before_writing(
    store,
    tricky,  # noqa: F811
    tmp_path,
    monkeypatch,
):
    _, count = tricky
    monkeypatch.setattr(xlsx_export, "MAX_ROWS", count - 1)
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "observations.xlsx"
    with pytest.raises(ExportError) as caught:
        xlsx_export.write_workbook(store, "observations", out)
    assert f"has {count:,} rows, more than a sheet holds" in str(caught.value)
    assert "export CSV instead (--format csv)" in str(caught.value)
    assert list(folder.iterdir()) == []
    assert xlsx_export.write_workbook(store, "observations", out, team="Beauty") < count


def test_a_cancelled_workbook_leaves_nothing_behind(store, tricky, tmp_path):  # noqa: F811
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "observations.xlsx"

    def cancel(rows: int) -> None:
        raise ExportCancelled("cancelled")

    with pytest.raises(ExportCancelled):
        xlsx_export.write_workbook(store, "observations", out, progress=cancel)
    assert list(folder.iterdir()) == []


def _run(db: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "floorcoach", "--db", str(db), "export", *args],
        capture_output=True,
        cwd=cwd,
        env={**os.environ, "FLOORCOACH_NOW": NOW},
        timeout=120,
    )


def test_the_cli_writes_a_workbook_named_after_the_export(store, tricky, db_path, tmp_path):  # noqa: F811
    folder = tmp_path / "out"
    folder.mkdir()
    result = _run(db_path, "observations", "--format", "xlsx", "--to", "2026-11-30", cwd=folder)
    assert result.returncode == 0, result.stderr
    written = folder / "observations_all_to_2026-11-30.xlsx"
    assert (
        result.stdout.decode().strip()
        == f"observations: {tricky[1]} rows written to {written.name}"
    )
    assert _load(written)[1].max_row == tricky[1] + 1
    piped = _run(db_path, "coaching", "--format", "xlsx", "--out", "-", cwd=folder)
    assert piped.returncode == 0, piped.stderr
    assert "xl/worksheets/sheet1.xml" in zipfile.ZipFile(io.BytesIO(piped.stdout)).namelist()
    refused = _run(db_path, "weekly", "--format", "xlsx", "--excel", cwd=folder)
    assert refused.returncode == 1
    assert refused.stderr.decode().strip() == "floorcoach: --excel is for CSV, not --format xlsx"


def _refs_by_openpyxl(path: Path, tmp_path: Path) -> list[object]:
    workbook = openpyxl.load_workbook(path, read_only=True)
    sheet = workbook.worksheets[0]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    column = header.index("employee_ref")
    return [row[column] for row in sheet.iter_rows(min_row=2, values_only=True)]


def _refs_by_libreoffice(path: Path, tmp_path: Path) -> list[object]:
    """Calc's own reading: convert the first sheet to CSV headless and read it back."""
    converted = tmp_path / "calc"
    subprocess.run(
        [shutil.which("soffice"), "--headless", "--convert-to", "csv", "--outdir",
         str(converted), str(path)],
        check=True, capture_output=True, timeout=180,
        env={**os.environ, "HOME": str(tmp_path / "lo-home")},
    )  # fmt: skip
    text = (converted / f"{path.stem}.csv").read_text(encoding="utf-8", errors="replace")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    return [row["employee_ref"] or None for row in rows]


# LibreOffice is a Debian package, not a test dependency: where it is installed, Calc reads
# the workbook too; everywhere, openpyxl does.
READERS = {"openpyxl": _refs_by_openpyxl}
if shutil.which("soffice"):
    READERS["libreoffice"] = _refs_by_libreoffice


@pytest.mark.parametrize("reader", sorted(READERS))
def test_a_spreadsheet_reads_000123_as_text(store, tricky, tmp_path, reader):  # noqa: F811
    out = tmp_path / "observations.xlsx"
    xlsx_export.write_workbook(store, "observations", out)
    refs = READERS[reader](out, tmp_path)
    assert "000123" in refs and "000124" in refs
    assert 123 not in refs and "123" not in refs


@pytest.mark.parametrize(
    "filters",
    [{}, {"date_from": "2026-11-03"}, {"team": "Beauty"}, {"employee_id": "x", "story": True}],
)
@pytest.mark.parametrize("kind", ["observations", "coaching"])
def test_a_workbook_reads_its_rows_in_order_without_sorting_them(store, kind, filters):
    """A million rows sorted in a temporary b-tree would cost time and memory."""
    spec = export.EXPORTS[kind].records
    checked = export.Filters(
        export.parse_date(filters.get("date_from"), "from"),
        None,
        filters.get("team"),
        filters.get("employee_id"),
        filters.get("story", False) and export.EXPORTS[kind].story_and_cause,
    )
    sql, params = export.record_values_sql(spec, checked, xlsx_export.sql_of)
    plan = store.conn.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
    # Only the outer query's order counts: a coaching row's lists sort a few links each.
    outer = [detail for _, parent, _, detail in plan if parent == 0]
    assert not any("TEMP B-TREE" in step for step in outer), outer
