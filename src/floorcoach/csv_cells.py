"""The one rule for a CSV cell, in every CSV floorcoach writes (DESIGN.md section 7).

The HR exports render their cells inside SQLite (`apostrophe_sql`, used by
`floorcoach.export`); every `--format csv` listing of the CLI writes through `write_csv`.
Both follow `neutralise`, so a name or a note reads the same in every file
(docs/data-dictionary.md describes the rule for HR).

The rule: UTF-8, RFC 4180 quoting, CRLF line ends, an empty cell for a missing value,
booleans `true`/`false`. A text cell a spreadsheet would run as a formula, one starting
with = + - @ tab or carriage return (OWASP's CSV-injection list), gets one leading
apostrophe; so does text already starting with an apostrophe, so the rule can be undone
exactly: remove one leading apostrophe from any text cell that has one. A sign followed
only by digits and dots (`-123`, `+4.5`) is a number, not a formula, and stays as it is.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import date
from typing import IO, Any

FORMULA_STARTS = "=+-@\t\r"  # OWASP: what a spreadsheet may run as a formula
MARK = "'"  # put in front of a risky text; text starting with it gets one too
_SIGNS = "+-"  # harmless when the rest is a plain number
_PLAIN_NUMBER = re.compile(r"[0-9.]*[0-9][0-9.]*")  # what may follow a sign: digits and dots

_MARKED_STARTS = FORMULA_STARTS + MARK
_ROWS_PER_WRITE = 1000  # rows formatted before they go to the stream: memory stays flat


def neutralise(text: str) -> str:
    """`text` as a CSV cell holds it (before quoting): one apostrophe in front when risky."""
    if not text:
        return text
    first = text[0]
    if first in _SIGNS and _PLAIN_NUMBER.fullmatch(text, 1):
        return text
    if first in _MARKED_STARTS:
        return MARK + text
    return text


def apostrophe_sql(expr: str) -> str:
    """SQL giving the apostrophe `neutralise` puts in front of the text in `expr`, else ''.

    The export's text cells are made inside SQLite; this is the same rule, built from the
    same characters. Most text starts with a letter, above every risky first character,
    which settles it in one test.
    """
    first = f"unicode({expr})"
    rest = f"substr({expr}, 2)"
    plain_number = f"({rest} NOT GLOB '*[^0-9.]*' AND {rest} GLOB '*[0-9]*')"
    marked = ", ".join(str(ord(ch)) for ch in sorted(set(_MARKED_STARTS) - set(_SIGNS)))
    signs = ", ".join(str(ord(ch)) for ch in _SIGNS)
    above = max(map(ord, _MARKED_STARTS)) + 1
    mark = "'" + MARK.replace("'", "''") + "'"
    return (
        f"CASE WHEN {first} >= {above} THEN '' "
        f"WHEN {first} IN ({marked}) "
        f"OR ({first} IN ({signs}) AND NOT {plain_number}) "
        f"THEN {mark} ELSE '' END"
    )


def cell(value: object) -> str:
    """What one CSV cell holds for `value` (before quoting).

    Text follows `neutralise`; None is an empty cell; booleans are `true`/`false`; dates
    and timestamps are ISO 8601; numbers are written as they are.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def write_csv(stream: IO[Any], header: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """Write `header` and `rows` as CSV (every cell by `cell`); return the number of rows.

    A binary stream gets UTF-8 bytes; a text stream gets str, so give a binary one where
    the line ends must stay CRLF (a text stream may translate them). Rows are formatted a
    thousand at a time, so memory does not grow with their number.
    """
    binary = not isinstance(stream, io.TextIOBase)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    count = 0

    def flush() -> None:
        text = buffer.getvalue()
        stream.write(text.encode("utf-8") if binary else text)
        buffer.seek(0)
        buffer.truncate()

    for row in rows:
        writer.writerow([cell(value) for value in row])
        count += 1
        if count % _ROWS_PER_WRITE == 0:
            flush()
    flush()
    return count
