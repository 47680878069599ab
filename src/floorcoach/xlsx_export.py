"""The exports as typed Excel workbooks (`--format xlsx`): what a CSV cannot promise.

A spreadsheet that opens a CSV guesses each cell's type: `000123` becomes 123, a 20-digit
ref 1.23E+19, timestamps stay unrecognised text, and the apostrophe that neutralises a
formula shows. A workbook says each cell's type, so none of that happens: refs, names,
notes and codes are text cells (a text cell is never a formula, so no apostrophe is
needed), dates are dates, the `*_local` columns date-times in local time (the ISO text
with its offset keeps its own column), booleans are booleans, counts and rates numbers,
and an empty value is an empty cell. The columns and their order are the CSV's
(`floorcoach.export`), typed by their declaration; a second sheet, "About this export",
says what the file holds and describes each column as the data dictionary does.

XlsxWriter writes it, in `constant_memory` mode: each row goes to a temporary file as it
is written, so memory stays flat whatever the size. Measured against openpyxl's write-only
mode on 100,000 rows of the observations export's shape (docs/performance.md): 21 s and
21 MB against 32 s and 24 MB, and XlsxWriter escapes control characters the way Excel
does and reports a text too long for a cell. Dates and date-times come out of SQLite as
Excel serial numbers (`julianday() - 2415018.5`), so Python parses no dates.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import IO, Any

from floorcoach import __version__, clock
from floorcoach.export import (
    EXPORTS,
    Column,
    ExportError,
    Filters,
    Progress,
    checked_filters,
    checked_target,
    count_matching,
    write_failed,
)
from floorcoach.safefiles import replacing
from floorcoach.store import Store

SHEET_ROWS = 1_048_576  # rows an Excel (or Calc) sheet holds, the header included
MAX_ROWS = SHEET_ROWS - 1
TEXT_LIMIT = 32_767  # characters (UTF-16 units) an Excel cell holds
ABOUT_SHEET = "About this export"
_EXCEL_DAY_ZERO = 2415018.5  # the julianday of 1899-12-30, day 0 of Excel's serial dates
_DATE_FORMAT = "yyyy-mm-dd"
_DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
_WIDTHS = {  # readable widths by what a column holds (a stream cannot measure its cells)
    "UUID": 38,
    "UUID list": 40,
    "timestamp (UTC)": 34,
    "local date-time": 20,
    "date": 12,
    "ISO week": 10,
    "boolean": 10,
    "integer": 10,
    "decimal 0–1": 10,
}
_WIDE_TEXT = {"note", "said", "agreed_action", "employee_comment", "behaviour", "behaviours"}


def sql_of(column: Column) -> str:
    """The SQL of a column's value as the workbook stores it: dates as serial numbers."""
    if column.type.cell in ("date", "datetime"):
        return f"(julianday({column.value}) - {_EXCEL_DAY_ZERO})"
    return column.value


def write_workbook(
    store: Store,
    kind: str,
    out: str | os.PathLike[str] | IO[bytes],
    *,
    date_from: str | date | None = None,
    date_to: str | date | None = None,
    team: str | None = None,
    employee_id: str | None = None,
    story: bool = False,
    cause: str | None = None,
    progress: Progress | None = None,
) -> int:
    """Write one export as an XLSX workbook and return the number of data rows.

    The filters are `floorcoach.export.write_export`'s, and so is the care for the file:
    a path is written under a temporary name in its folder, synced and renamed, so the
    final name only ever holds a complete workbook; a failure or an exception raised by
    `progress(rows_done)` leaves nothing behind. A binary stream receives the finished
    workbook. More rows than a sheet holds are refused before anything is written.
    """
    filters = checked_filters(store, kind, date_from, date_to, team, employee_id, story, cause)
    expected = count_matching(store, kind, filters)
    if expected > MAX_ROWS:
        raise ExportError(
            f"the {kind} export has {expected:,} rows, more than a sheet holds "
            f"({MAX_ROWS:,} below its header); export CSV instead (--format csv), or "
            "narrow it with --from/--to, --team or --employee"
        )
    about = _about(store, kind, filters)
    try:
        if hasattr(out, "write"):
            with tempfile.TemporaryFile() as scratch:
                count = _write(store.path, kind, filters, scratch, about, progress)
                scratch.seek(0)
                shutil.copyfileobj(scratch, out)  # type: ignore[arg-type]
                out.flush()  # type: ignore[union-attr]
            return count
        final = checked_target(out, store.path)
        try:
            with replacing(final) as partial:
                return _write(store.path, kind, filters, str(partial), about, progress)
        except OSError as exc:
            raise write_failed(final, exc) from None
    except sqlite3.Error as exc:
        raise ExportError(f"{store.path}: cannot read the records: {exc}") from exc


def _about(store: Store, kind: str, filters: Filters) -> list[tuple[str, str]]:
    """The About sheet's facts: what, which filters, when, by which floorcoach, catalogues."""
    catalogues = store.conn.execute("SELECT id, version FROM catalogue ORDER BY id").fetchall()
    return [
        ("export", f"{kind}: {EXPORTS[kind].label}"),
        ("filters", "; ".join(filters.described()) or "none (every row)"),
        ("made at", clock.utc_text(clock.now())),
        ("made by", f"floorcoach {__version__}"),
        ("catalogues", "; ".join(f"{cid} {version}" for cid, version in catalogues) or "none"),
    ]


def _write(
    database: Path,
    kind: str,
    filters: Filters,
    target: Any,
    about: list[tuple[str, str]],
    progress: Progress | None,
) -> int:
    import xlsxwriter

    spec = EXPORTS[kind]
    columns = spec.described
    # XlsxWriter keeps each sheet's rows in a temporary file until it zips the workbook;
    # they hold the notes, so they live in a private folder removed whatever happens.
    with tempfile.TemporaryDirectory(prefix="floorcoach-xlsx-") as scratch:
        workbook = xlsxwriter.Workbook(
            target,
            {"constant_memory": True, "tmpdir": scratch},
        )
        batches = spec.rows(database, filters, sql_of)
        try:
            count = _fill(workbook, kind, columns, batches, about, progress)
        except BaseException:
            _discard(workbook)
            raise
        finally:
            batches.close()  # the reader's connection goes now, not when collected
        workbook.close()
    return count


def _fill(
    workbook: Any,
    kind: str,
    columns: Sequence[Column],
    batches: Any,
    about: list[tuple[str, str]],
    progress: Progress | None,
) -> int:
    """The data sheet (header frozen, autofilter, widths by type), then the About sheet."""
    sheet = workbook.add_worksheet(kind)
    bold = workbook.add_format({"bold": True})
    formats = {
        "date": workbook.add_format({"num_format": _DATE_FORMAT}),
        "datetime": workbook.add_format({"num_format": _DATETIME_FORMAT}),
    }
    for index, column in enumerate(columns):
        sheet.set_column(index, index, _width(column))
    sheet.freeze_panes(1, 0)
    for index, column in enumerate(columns):
        sheet.write_string(0, index, column.name, bold)
    count = _write_rows(sheet, columns, batches, formats, progress)
    sheet.autofilter(0, 0, count, len(columns) - 1)
    _write_about(workbook.add_worksheet(ABOUT_SHEET), bold, about, count, columns)
    return count


def _discard(workbook: Any) -> None:
    """Close the sheets' temporary files without writing the workbook (the caller removes
    the partial file; the temporary folder goes with its files)."""
    for sheet in workbook.worksheets():
        handle = getattr(sheet, "row_data_fh", None)
        if handle is not None:
            handle.close()


def _write_rows(
    sheet: Any,
    columns: Sequence[Column],
    batches: Any,
    formats: dict[str, Any],
    progress: Progress | None,
) -> int:
    """Every row as typed cells; an empty value leaves its cell empty.

    The columns are grouped by cell type once, so the loop per row calls XlsxWriter's typed
    writers directly (no type sniffing per cell, which is what keeps it near the baseline).
    """
    by_type: dict[str, list[int]] = {}
    for index, column in enumerate(columns):
        by_type.setdefault(column.type.cell, []).append(index)
    text = by_type.get("text", [])
    numbers = by_type.get("number", [])
    dates = by_type.get("date", [])
    times = by_type.get("datetime", [])
    flags = by_type.get("boolean", [])
    write_string, write_number = sheet.write_string, sheet.write_number
    write_boolean = sheet.write_boolean
    date_format, datetime_format = formats["date"], formats["datetime"]
    row_number = 0
    for batch in batches:
        for row in batch:
            row_number += 1
            if row_number > MAX_ROWS:  # more rows arrived since they were counted
                raise ExportError(
                    f"more rows than a sheet holds ({MAX_ROWS:,}); export CSV instead"
                )
            for c in text:
                value = row[c]
                if value and write_string(row_number, c, value) == -2:
                    raise ExportError(
                        f"row {row_number}, column {columns[c].name}: the text is longer than "
                        f"an Excel cell holds ({TEXT_LIMIT:,} characters); export CSV instead"
                    )
            for c in numbers:
                value = row[c]
                if value is not None:
                    write_number(row_number, c, value)
            for c in dates:
                value = row[c]
                if value is not None:
                    write_number(row_number, c, value, date_format)
            for c in times:
                value = row[c]
                if value is not None:
                    write_number(row_number, c, value, datetime_format)
            for c in flags:
                write_boolean(row_number, c, bool(row[c]))
        if progress is not None:
            progress(row_number)
    return row_number


def _write_about(
    sheet: Any,
    bold: Any,
    facts: list[tuple[str, str]],
    count: int,
    columns: Sequence[Column],
) -> None:
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, 1, 18)
    sheet.set_column(2, 2, 100)
    for row, (name, value) in enumerate(facts):
        sheet.write_string(row, 0, name, bold)
        sheet.write_string(row, 1, value)
    row = len(facts)
    sheet.write_string(row, 0, "rows", bold)
    sheet.write_number(row, 1, count)
    row += 2
    for index, heading in enumerate(("column", "type", "meaning")):
        sheet.write_string(row, index, heading, bold)
    for column in columns:
        row += 1
        sheet.write_string(row, 0, column.name)
        sheet.write_string(row, 1, column.type.label)
        sheet.write_string(row, 2, column.description)


def _width(column: Column) -> int:
    if column.type.label in _WIDTHS:
        return max(_WIDTHS[column.type.label], len(column.name) + 2)
    if column.name in _WIDE_TEXT:
        return 50
    return max(18, len(column.name) + 2)
