"""CSV exports for HR: documented columns, safe cells, streamed, never a half-written file.

The rules (DESIGN.md section 7; every column is described in docs/data-dictionary.md):
UTF-8 (a byte-order mark on request, for Excel), RFC 4180 with CRLF line ends, text cells
quoted, missing values as empty cells, booleans `true`/`false`, timestamps ISO 8601 with
offset. Text a spreadsheet would run as a formula is neutralised the OWASP way. The rule
for a cell is `floorcoach.csv_cells`', which every CSV floorcoach writes follows.

Speed comes from letting SQLite do the work: every cell is quoted and neutralised inside
one printf() per row, and each chunk of a few thousand rows comes back as a single block
of finished CSV lines, so Python only moves bytes. A reader thread fetches the next chunk
while the calling thread writes (sqlite releases the GIL while it works), and the file is
synced as it grows so the final fsync is short.

To add an export of records (one row per record, like `coaching`):
describe its columns with `text_column`/`code_column`/`bool_column`, build a
`RecordExport` over the record's declaration (`floorcoach.records`), listing the stored
fields it leaves out on purpose in `not_exported`, and add it, with a label for people,
to `EXPORTS`: KINDS, COLUMNS, the CLI's choices and help, the export screen, the data
dictionary check and the query-plan test follow. A field added to a record must be
exported or listed there, or this module refuses to load.
"""

from __future__ import annotations

import io
import os
import queue
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import IO, Any

from floorcoach import clock
from floorcoach.csv_cells import apostrophe_sql
from floorcoach.csv_cells import neutralise as neutralise  # the rule, for callers
from floorcoach.metrics import SQL_COUNTS, Counts
from floorcoach.models import NOT_HELD_AGAINST, Cause, Kind, Outcome, Term, sql_value, values_of
from floorcoach.records import COACHING_SESSION, OBSERVATION, Record
from floorcoach.safefiles import (
    UnsafeTarget,
    is_disk_full,
    output_target,
    partial_file,
    sync_folder,
)
from floorcoach.store import BUSY_TIMEOUT_MS, Store, StoreError

BOM = b"\xef\xbb\xbf"
CRLF = b"\r\n"
RATE_DECIMALS = 4

CHUNK_ROWS = 4000  # rows per block SQLite hands back: about 1.5 MB of CSV
_QUEUE_DEPTH = 4  # blocks the reader may get ahead of the writer: memory stays flat
_SYNC_EVERY = 32 << 20  # bytes written between data syncs, so the last fsync is short

Progress = Callable[[int], Any]
Rows = Iterator[list[tuple]]  # each row's values, in column order, a batch at a time
SqlOf = Callable[["Column"], str]  # the SQL a reader of values selects for a column


class ExportError(StoreError):
    """The export cannot run as asked (bad filter, unwritable path); the message says why.

    A StoreError, so the CLI and the TUI show it like every other refusal.
    """


class ExportNotAvailable(ExportError):
    """This database has no such records to export (it lacks the export's table)."""


class ExportCancelled(ExportError):
    """Raise it from a progress callback to stop an export; no file is left behind."""


# --- cells ------------------------------------------------------------------------------
# The rule for a cell is floorcoach.csv_cells', shared with every `--format csv` of the
# CLI: here SQLite applies it (`apostrophe_sql`); `neutralise` is the same rule in Python.


@dataclass(frozen=True)
class ColumnType:
    """What kind of value a column holds, as each reader of an export is told it.

    `label` is the data dictionary's type; `schema` the Table Schema field properties
    (`floorcoach.table_schema`); `cell` the XLSX cell it becomes (`floorcoach.xlsx_export`):
    text, number, date, datetime or boolean.
    """

    label: str
    schema: Mapping[str, object]
    cell: str


UUID = ColumnType("UUID", {"type": "string", "format": "uuid"}, "text")
UUID_LIST = ColumnType("UUID list", {"type": "string"}, "text")
TIMESTAMP = ColumnType("timestamp (UTC)", {"type": "datetime"}, "text")
LOCAL_DATETIME = ColumnType(
    "local date-time", {"type": "datetime", "format": "%Y-%m-%d %H:%M:%S"}, "datetime"
)
DATE = ColumnType("date", {"type": "date"}, "date")
ISO_WEEK = ColumnType(
    "ISO week", {"type": "string", "constraints": {"pattern": r"[0-9]{4}-W[0-9]{2}"}}, "text"
)
TEXT = ColumnType("text", {"type": "string"}, "text")
CODE = ColumnType("code", {"type": "string"}, "text")
CODE_LIST = ColumnType("code list", {"type": "string"}, "text")
BOOLEAN = ColumnType(
    "boolean", {"type": "boolean", "trueValues": ["true"], "falseValues": ["false"]}, "boolean"
)
INTEGER = ColumnType("integer", {"type": "integer", "constraints": {"minimum": 0}}, "number")
RATE = ColumnType(
    "decimal 0–1", {"type": "number", "constraints": {"minimum": 0, "maximum": 1}}, "number"
)


@dataclass(frozen=True)
class Column:
    """One exported column: its public name, what it holds, and how SQLite renders it.

    `template` is a piece of an SQLite printf() format and `args` the SQL expressions it
    consumes; a whole line is one printf() call, which is what keeps CSV exports fast.
    `value` is the SQL of the value itself, unquoted and unneutralised, for a typed
    workbook (NULL: an empty cell). `description` is the data dictionary's meaning (the
    docs are checked against it); `required` and `enum` become the Table Schema's
    constraints. A column computed in Python (the weekly rates) has no SQL at all.
    """

    name: str
    template: str
    args: tuple[str, ...]
    value: str
    type: ColumnType
    description: str = ""
    required: bool = False
    enum: tuple[str, ...] = ()


def text_column(
    name: str, expr: str, *, nullable: bool = False, description: str = "", required: bool = False
) -> Column:
    """Text that people typed or files supplied: always quoted, neutralised when risky.

    The value goes in double quotes with inner quotes doubled (RFC 4180; printf's %w).
    If it starts with = + - @ tab CR or an apostrophe, one apostrophe goes in front so no
    spreadsheet runs it (OWASP); a sign followed only by digits and dots (`-123`, `+4.5`)
    is a number, not a formula, and stays as it is. An empty text is `""`; a missing value
    (NULL, in a `nullable` column) is an empty unquoted cell.
    """
    if not nullable:
        return Column(
            name, '"%s%w"', (apostrophe_sql(expr), expr), expr, TEXT, description, required
        )
    opener = f"CASE WHEN {expr} IS NULL THEN '' ELSE '\"' || {apostrophe_sql(expr)} END"
    closer = f"CASE WHEN {expr} IS NULL THEN '' ELSE '\"' END"
    return Column(
        name,
        "%s%w%s",
        (opener, f"coalesce({expr}, '')", closer),
        expr,
        TEXT,
        description,
        required,
    )


def code_column(
    name: str,
    expr: str,
    kind: ColumnType = CODE,
    *,
    description: str = "",
    required: bool = False,
    enum: tuple[str, ...] = (),
) -> Column:
    """A value floorcoach itself controls (ids, dates, enums, counts): written as it is.

    printf's %s writes NULL as nothing, so a missing value is an empty cell.
    """
    return Column(name, "%s", (expr,), expr, kind, description, required, enum)


def bool_column(name: str, expr: str, *, description: str = "") -> Column:
    flag = f"CASE WHEN {expr} THEN 1 ELSE 0 END"
    return Column(
        name,
        "%s",
        (f"CASE WHEN {expr} THEN 'true' ELSE 'false' END",),
        flag,
        BOOLEAN,
        description,
        True,
    )


def computed_column(
    name: str, kind: ColumnType, *, description: str, required: bool = False
) -> Column:
    """A column floorcoach computes in Python (`floorcoach.metrics`), not in SQL."""
    return Column(name, "", (), "", kind, description, required)


def _line_sql(columns: tuple[Column, ...]) -> str:
    """SQL for one finished CSV line (without its line end) of the current row."""
    template = ",".join(c.template for c in columns).replace("'", "''")
    return f"printf('{template}', {', '.join(a for c in columns for a in c.args)})"


# --- exports of records (one row per record) --------------------------------------------


@dataclass(frozen=True)
class RecordExport:
    """One row per record of `table` (aliased `alias`): by local date, then in save order.

    `joins` must join `employee e` (team filter), with CROSS JOIN for inner joins so SQLite
    keeps the records table as the outer loop, walked along the index on `date_column`:
    the record's local date (`YYYY-MM-DD`), which orders the rows and drives the date
    filter. `{alias}.employee_id` serves the employee filter.
    """

    kind: str
    record: Record
    alias: str
    joins: str
    date_column: str
    columns: tuple[Column, ...]
    not_exported: tuple[str, ...] = ()  # stored fields of the record left out on purpose

    def __post_init__(self) -> None:
        _check_covers(self)

    @property
    def table(self) -> str:
        return self.record.table

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def _check_covers(spec: RecordExport) -> None:
    """Every stored field of the record is exported or deliberately not; private never.

    Run once when this module loads, so a field declared in `floorcoach.records` and
    forgotten here (or a column read here that the record does not declare) fails every
    test that touches exports, not a reader of the CSV months later.
    """
    sql = [arg for column in spec.columns for arg in column.args]
    read = {name for arg in sql for name in re.findall(rf"\b{re.escape(spec.alias)}\.(\w+)", arg)}
    stored = set(spec.record.columns)
    skipped = set(spec.not_exported)
    problems = []
    # A private field may not be named at all: by no alias, subquery or join.
    everything = " ".join([*sql, spec.joins])
    if leaked := {p for p in spec.record.private if re.search(rf"\b{p}\b", everything)}:
        problems.append(f"private fields are exported: {sorted(leaked)}")
    if unknown := read - stored:
        problems.append(f"columns read but not declared: {sorted(unknown)}")
    if forgotten := stored - read - skipped:
        problems.append(f"stored fields neither exported nor in not_exported: {sorted(forgotten)}")
    if stale := skipped - stored:
        problems.append(f"not_exported names fields the record does not store: {sorted(stale)}")
    if both := skipped & read:
        problems.append(f"fields both exported and in not_exported: {sorted(both)}")
    if problems:
        raise ValueError(f"the {spec.kind} export: " + "; ".join(problems))


_UNSURE = "unsure"  # the cause column of a miss whose cause the supervisor was not sure of


def _one_of(values: list[str]) -> str:
    """`` `met`, `missed` or `exceeded` ``: a column's values, for its description."""
    return values[0] if len(values) == 1 else f"{', '.join(values[:-1])} or {values[-1]}"


def _codes(vocabulary: type[Term]) -> str:
    return _one_of([f"`{value}`" for value in vocabulary])


_CAUSE_WORDS = _one_of([f"`{cause}` ({cause.gloss})" for cause in Cause])
CAUSES = (*values_of(Cause), _UNSURE)  # what the cause column (and --cause) can hold
_MISSED = sql_value(Outcome.MISSED)

_REF = "The employee's HR id exactly as imported; empty if they have none."
_NAME = "The employee's name."
_TEAM_NOW = "The employee's team now; empty if none."
_ACTIVE = "Whether the employee is still active (`false`: left, or made inactive)."


def _supervisor_id(alias: str) -> Column:
    """The id of the record's supervisor (`supervisor` table, schema 7), by the name."""
    return code_column(
        "supervisor_id",
        f"(SELECT s.id FROM supervisor s WHERE s.display_name = {alias}.supervisor)",
        UUID, required=True,
        description="The supervisor's permanent id. Once the device has joined an "
        "organisation it is the same on every device (docs/organisation.md); before that "
        "it is this database's own id for the name in `supervisor`.",
    )  # fmt: skip


_EMPLOYEE_ID = "The employee's permanent floorcoach id (stable even if the ref changes)."

OBSERVATIONS = RecordExport(
    kind="observations",
    record=OBSERVATION,
    alias="o",
    joins=(
        "CROSS JOIN employee e ON e.id = o.employee_id "
        "CROSS JOIN behaviour b ON b.id = o.behaviour_id "
        "LEFT JOIN behaviour_version bv "
        "ON bv.behaviour_id = o.behaviour_id AND bv.catalogue_version = o.catalogue_version"
    ),
    date_column="o.local_date",
    columns=(
        code_column(
            "observation_id", "o.id", UUID, required=True,
            description="The observation's permanent id.",
        ),
        code_column(
            "observed_at", "o.observed_at", TIMESTAMP, required=True,
            description="When it happened.",
        ),
        code_column(
            "local_date", "o.local_date", DATE, required=True,
            description="The day it happened, in local time (the date filters use this).",
        ),
        code_column(
            "iso_week", "o.iso_week", ISO_WEEK, required=True,
            description="The ISO week of `local_date`.",
        ),
        text_column("employee_ref", "e.employee_ref", nullable=True, description=_REF),
        text_column("employee_name", "e.name", description=_NAME, required=True),
        text_column("team", "e.team", description=_TEAM_NOW),
        text_column(
            "touch_point", "coalesce(bv.touch_point, b.touch_point)", required=True,
            description="The moment of truth the behaviour belongs to, as worded in the "
            "catalogue version the observation was logged under.",
        ),
        code_column(
            "behaviour_id", "o.behaviour_id", required=True,
            description="The behaviour's stable id in the catalogue.",
        ),
        text_column(
            "behaviour", "coalesce(bv.title, b.title)", required=True,
            description="The behaviour's title as worded in that catalogue version (the "
            "current wording if that version was never recorded).",
        ),
        code_column(
            "outcome", "o.outcome", required=True, enum=values_of(Outcome),
            description=f"{_codes(Outcome)}.",
        ),
        code_column(
            "cause", f"CASE WHEN o.outcome = {_MISSED} THEN coalesce(o.cause, '{_UNSURE}') END",
            enum=CAUSES,
            description=f"For a miss, why: {_CAUSE_WORDS}; **unsure** when the supervisor "
            f"was not sure (\"not sure\" in the app); empty when nothing was missed. A "
            f"`{NOT_HELD_AGAINST}` miss is never held against the person.",
        ),
        bool_column("story", "o.story", description="Flagged as a story worth sharing."),
        text_column(
            "note", "o.note",
            description="What the supervisor wrote about what happened; may contain line "
            "breaks.",
        ),
        text_column("supervisor", "o.supervisor", description="Who logged it.", required=True),
        code_column("employee_id", "o.employee_id", UUID, required=True, description=_EMPLOYEE_ID),
        text_column(
            "catalogue_version", "o.catalogue_version", required=True,
            description="The catalogue version the behaviour came from when it was logged.",
        ),
        code_column(
            "created_at", "o.created_at", TIMESTAMP, required=True,
            description="When the observation was first saved.",
        ),
        code_column(
            "updated_at", "o.updated_at", TIMESTAMP, required=True,
            description="When it was last corrected (equals `created_at` if never).",
        ),
        text_column(
            "team_when_observed", "o.team_when_observed",
            description="The employee's team when the observation was saved (observations "
            "saved before floorcoach kept it: their team when the database was upgraded); "
            "empty if none.",
        ),
        bool_column("employee_active", "e.active", description=_ACTIVE),
        code_column(
            "catalogue_id", "b.catalogue_id", required=True,
            description="The id of the catalogue the behaviour belongs to.",
        ),
        code_column(
            "touch_point_id", "b.touch_point_id", required=True,
            description="The touch point's stable id in the catalogue.",
        ),
        code_column(
            "observed_at_local", "datetime(o.observed_at, 'localtime')", LOCAL_DATETIME,
            required=True,
            description="`observed_at` in the local time of the computer that made the "
            "export, `YYYY-MM-DD HH:MM:SS`, a form spreadsheets read as a date-time.",
        ),
        _supervisor_id("o"),
    ),
    not_exported=("version",),
)  # fmt: skip


def _listed(select: str) -> str:
    """`;`-joined values of a per-session list, in the order the supervisor gave them."""
    return f"(SELECT group_concat(value, ';') FROM ({select}))"


# The supervisor's private note is never selected: it stays in the coaching record
# (`_check_covers` refuses an export that reads a private field).
COACHING = RecordExport(
    kind="coaching",
    record=COACHING_SESSION,
    alias="c",
    joins="CROSS JOIN employee e ON e.id = c.employee_id",
    date_column="c.local_date",
    columns=(
        code_column(
            "coaching_id", "c.id", UUID, required=True,
            description="The coaching session's permanent id.",
        ),
        code_column(
            "held_at", "c.held_at", TIMESTAMP, required=True,
            description="When the conversation was held.",
        ),
        code_column(
            "local_date", "c.local_date", DATE, required=True,
            description="The day it was held, in local time (the date filters use this).",
        ),
        text_column("employee_ref", "e.employee_ref", nullable=True, description=_REF),
        text_column("employee_name", "e.name", description=_NAME, required=True),
        text_column("team", "e.team", description=_TEAM_NOW),
        text_column(
            "supervisor", "c.supervisor", required=True,
            description="Who held the conversation.",
        ),
        code_column(
            "kind", "c.kind", required=True, enum=values_of(Kind),
            description=f"{_codes(Kind)}.",
        ),
        code_column(
            "behaviour_ids",
            _listed(
                "SELECT f.behaviour_id AS value FROM coaching_followup f "
                "WHERE f.coaching_id = c.id ORDER BY f.position"
            ),
            CODE_LIST,
            required=True,
            description="The behaviours discussed, `;`-separated.",
        ),
        text_column(
            "behaviours",
            "coalesce("
            + _listed(
                "SELECT b2.title AS value FROM coaching_followup f "
                "JOIN behaviour b2 ON b2.id = f.behaviour_id "
                "WHERE f.coaching_id = c.id ORDER BY f.position"
            )
            + ", '')",
            description="Their titles as worded now, `;`-separated.",
        ),
        text_column("said", "c.said", description="What was said.", required=True),
        text_column(
            "agreed_action", "c.agreed_action",
            description="The action the employee agreed to; required for `corrective` and "
            "`development`, may be empty for `recognition` (praise needs no action).",
        ),
        code_column(
            "follow_up_due", "c.follow_up_due", DATE, required=True,
            description="When to look again.",
        ),
        code_column(
            "follow_up_results",
            _listed(
                "SELECT f.behaviour_id || '=' || f.status AS value FROM coaching_followup f "
                "WHERE f.coaching_id = c.id ORDER BY f.position"
            ),
            CODE_LIST,
            required=True,
            description="Each coached behaviour's follow-up: `behaviour_id=status`, where "
            "status is `open`, `held` (a later observation met or exceeded it), `not_yet` (a "
            "later miss the person owns) or `closed` (closed by hand).",
        ),
        bool_column(
            "acknowledged", "c.acknowledged",
            description="The employee acknowledged the conversation.",
        ),
        text_column(
            "employee_comment", "c.employee_comment",
            description="The employee's response, in their words.",
        ),
        # rowid order is the order given: the links are written in that order, and an
        # edit deletes and rewrites them all.
        code_column(
            "observation_ids",
            _listed(
                "SELECT l.observation_id AS value FROM coaching_observation l "
                "WHERE l.coaching_id = c.id ORDER BY l.rowid"
            ),
            UUID_LIST,
            description="Observations linked to the session, `;`-separated, in the order "
            "they were given.",
        ),
        code_column("employee_id", "c.employee_id", UUID, required=True, description=_EMPLOYEE_ID),
        code_column(
            "created_at", "c.created_at", TIMESTAMP, required=True,
            description="When the session was first saved.",
        ),
        code_column(
            "updated_at", "c.updated_at", TIMESTAMP, required=True,
            description="When it was last changed (equals `created_at` if never).",
        ),
        bool_column("employee_active", "e.active", description=_ACTIVE),
        code_column(
            "held_at_local", "datetime(c.held_at, 'localtime')", LOCAL_DATETIME, required=True,
            description="`held_at` in the local time of the computer that made the export, "
            "`YYYY-MM-DD HH:MM:SS`, a form spreadsheets read as a date-time.",
        ),
        _supervisor_id("c"),
    ),
    not_exported=("private_note", "version"),
)  # fmt: skip

# The weekly summary: these cells come from SQL, the rest is computed by floorcoach.metrics.
_WEEKLY_SQL_COLUMNS = (
    code_column("iso_week", "w.iso_week", ISO_WEEK, required=True, description="The week."),
    code_column(
        "week_start", "date(w.first_day, '-6 days', 'weekday 1')", DATE, required=True,
        description="The Monday of that week.",
    ),
    text_column("employee_ref", "e.employee_ref", nullable=True, description=_REF),
    text_column("employee_name", "e.name", description=_NAME, required=True),
    text_column("team", "e.team", description=_TEAM_NOW),
    text_column(
        "touch_point", "b.touch_point", required=True,
        description="The behaviour's moment of truth (current catalogue wording).",
    ),
    code_column(
        "behaviour_id", "w.behaviour_id", required=True,
        description="The behaviour's stable id.",
    ),
    text_column(
        "behaviour", "b.title", required=True,
        description="The behaviour's title (current catalogue wording).",
    ),
    code_column(
        "observations", "coalesce(w.observations, 0)", INTEGER, required=True,
        description="Observations of this behaviour for this person in this week.",
    ),
    code_column(
        "met", "coalesce(w.met, 0)", INTEGER, required=True, description="Of those, `met`."
    ),
    code_column(
        "exceeded", "coalesce(w.exceeded, 0)", INTEGER, required=True,
        description="Of those, `exceeded`.",
    ),
    code_column(
        "missed", "coalesce(w.missed, 0)", INTEGER, required=True,
        description="Of those, `missed` (whatever the cause).",
    ),
    code_column(
        "missed_system", "coalesce(w.missed_system, 0)", INTEGER, required=True,
        description="Of the misses, those caused by the system.",
    ),
)  # fmt: skip
_WEEKLY_COMPUTED = (
    computed_column(
        "counted",
        INTEGER,
        required=True,
        description="What the met-rate rests on: `observations − missed_system`.",
    ),
    computed_column(
        "met_rate",
        RATE,
        description="`(met + exceeded) / counted`, four decimals, `.` as the decimal point; "
        "**empty** when `counted` is 0 (nothing to judge).",
    ),
    computed_column(
        "provisional",
        BOOLEAN,
        required=True,
        description="`true` when `counted` is under 5: an anecdote, not yet a trend.",
    ),
    computed_column(
        "employee_id", UUID, required=True, description="The employee's permanent floorcoach id."
    ),
)
_WEEKLY_DATE = "o.local_date"  # the observations' local date: filters widen to whole weeks

# --- filters ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    date_from: date | None = None
    date_to: date | None = None
    team: str | None = None
    employee_id: str | None = None
    story: bool = False  # only observations flagged as stories (observations export)
    cause: str | None = None  # only misses with this cause, or `unsure` (observations export)

    def described(self) -> list[str]:
        """Each filter given, in words (`team Fashion`), as the workbook's About sheet says."""
        given = [
            ("from", self.date_from.isoformat() if self.date_from else None),
            ("to", self.date_to.isoformat() if self.date_to else None),
            ("team", self.team),
            ("employee_id", self.employee_id),
            ("cause", self.cause),
        ]
        words = [f"{name} {value}" for name, value in given if value is not None]
        return [*words, "stories only"] if self.story else words


_DATE_FORM = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_date(value: str | date | None, label: str) -> date | None:
    """A `YYYY-MM-DD` date, or None when empty; ExportError names `label` when it is not."""
    if value is None or isinstance(value, date):
        return value
    text = value.strip()
    if not text:
        return None
    if _DATE_FORM.match(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            pass
        else:
            if clock.FIRST_YEAR <= day.year <= clock.LAST_YEAR:
                return day
            raise ExportError(
                f"{label} {value!r} is out of range: dates run from {clock.FIRST_YEAR} "
                f"to {clock.LAST_YEAR}"
            )
    raise ExportError(f"{label} {value!r} is not a valid date; write it as YYYY-MM-DD")


def check_filters(
    store: Store,
    date_from: str | date | None = None,
    date_to: str | date | None = None,
    team: str | None = None,
    employee_id: str | None = None,
    story: bool = False,
    cause: str | None = None,
) -> Filters:
    """Check every filter before a byte is written; ExportError says what is wrong."""
    if cause is not None and cause not in CAUSES:
        raise ExportError(f"no cause {cause!r}; choose one of {', '.join(CAUSES)}")
    start = parse_date(date_from, "from date")
    end = parse_date(date_to, "to date")
    if start and end and start > end:
        raise ExportError(f"the from date {start} is after the to date {end}")
    if team is not None:
        known = store.conn.execute("SELECT 1 FROM employee WHERE team = ? LIMIT 1", (team,))
        if known.fetchone() is None:
            teams = [row[0] for row in store.conn.execute("SELECT DISTINCT team FROM employee")]
            listed = ", ".join(sorted(t for t in teams if t)) or "none yet"
            raise ExportError(f"no team named {team!r} (teams: {listed})")
    if employee_id is not None:
        found = store.conn.execute("SELECT 1 FROM employee WHERE id = ?", (employee_id,))
        if found.fetchone() is None:
            raise ExportError(f"no employee with id {employee_id}")
    return Filters(start, end, team, employee_id, story, cause)


def _where(
    filters: Filters, date_column: str, alias: str, *, no_index: bool = False
) -> tuple[list[str], list[object]]:
    """WHERE clauses and their parameters; `no_index` keeps SQLite on the rowid order."""
    plus = "+" if no_index else ""  # a unary + stops SQLite from using an index for a term
    clauses: list[str] = []
    params: list[object] = []
    if filters.date_from:
        clauses.append(f"{plus}{date_column} >= ?")
        params.append(filters.date_from.isoformat())
    if filters.date_to:
        clauses.append(f"{plus}{date_column} <= ?")
        params.append(filters.date_to.isoformat())
    if filters.team is not None:
        clauses.append(f"{plus}e.team = ?")
        params.append(filters.team)
    if filters.employee_id is not None:
        clauses.append(f"{plus}{alias}.employee_id = ?")
        params.append(filters.employee_id)
    if filters.story:
        clauses.append(f"{plus}{alias}.story = 1")
    if filters.cause == _UNSURE:
        clauses.append(f"{plus}{alias}.outcome = {_MISSED} AND {alias}.cause IS NULL")
    elif filters.cause is not None:
        clauses.append(f"{plus}{alias}.cause = ?")
        params.append(filters.cause)
    return clauses, params


def _where_sql(clauses: list[str]) -> str:
    return f"WHERE {' AND '.join(clauses)}" if clauses else ""


def _whole_weeks(filters: Filters) -> Filters:
    """The weekly export counts whole ISO weeks: the range grows to Monday–Sunday."""
    start = clock.monday_of(filters.date_from) if filters.date_from else None
    end = clock.monday_of(filters.date_to) + timedelta(days=6) if filters.date_to else None
    return Filters(start, end, filters.team, filters.employee_id, filters.story, filters.cause)


# --- where the bytes go -----------------------------------------------------------------


class _FileWriter:
    """Buffered writes to a file descriptor, synced every _SYNC_EVERY bytes."""

    def __init__(self, fd: int):
        self.handle = os.fdopen(fd, "wb", buffering=1 << 20)
        self.unsynced = 0

    def write(self, data: bytes) -> None:
        self.handle.write(data)
        self.unsynced += len(data)
        if self.unsynced >= _SYNC_EVERY:
            self.handle.flush()
            os.fdatasync(self.handle.fileno())
            self.unsynced = 0

    def finish(self) -> None:
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.handle.close()

    def discard(self) -> None:
        """Close after a failure, whatever the last flush says (a full disk refuses it)."""
        # A buffered file's close() closes the descriptor even when its flush fails.
        with suppress(OSError, ValueError):
            self.handle.close()


@contextmanager
def _sink(
    out: str | os.PathLike[str] | IO, excel: bool, database: Path
) -> Iterator[Callable[[bytes], Any]]:
    """Write to a stream as it comes, or to a file via a temporary name renamed at the end.

    The temporary file sits in the target's folder (so the rename is atomic) and is
    removed on any failure, so the final name only ever holds a complete export. The
    target is checked first (`safefiles.output_target`): never the database, another
    SQLite file, a folder or a special file.
    """
    if hasattr(out, "write"):
        stream: Any = out
        write = (
            (lambda data: stream.write(data.decode("utf-8")))
            if isinstance(stream, io.TextIOBase)
            else stream.write
        )
        if excel:
            write(BOM)
        yield write
        stream.flush()
        return
    final = checked_target(out, database)
    try:
        with partial_file(final) as (fd, temp):
            writer = _FileWriter(fd)
            try:
                if excel:
                    writer.write(BOM)
                yield writer.write
                writer.finish()
                os.replace(temp, final)
            finally:
                writer.discard()
        sync_folder(final.parent)
    except OSError as exc:
        raise write_failed(final, exc) from None


def checked_target(out: str | os.PathLike[str], database: Path) -> Path:
    """Where an export to `out` may go (`safefiles.output_target`: never the database,
    another SQLite file, a folder or a special file), in a folder that exists."""
    try:
        final = output_target(Path(out), database=database)
    except UnsafeTarget as exc:
        raise ExportError(str(exc)) from None
    if not final.parent.is_dir():
        problem = "is not a folder" if final.parent.exists() else "does not exist"
        raise ExportError(f"cannot write {out}: {final.parent} {problem}")
    return final


def write_failed(final: Path, exc: OSError) -> ExportError:
    """What to say when writing `final` failed: a full disk, or the system's reason."""
    if is_disk_full(exc):
        return ExportError(
            f"the disk is full: {final} was not written and nothing was left behind. "
            "Free some space, or write the export to another disk with --out."
        )
    return ExportError(f"cannot write {final}: {exc.strerror or exc}")


# --- reading record exports in chunks ---------------------------------------------------


def _chunk_sql(spec: RecordExport, filters: Filters) -> tuple[str, list[object]]:
    """One query returning the next chunk as a single block of CSV lines, and its last key.

    Rows go by (date, rowid): the date index gives that order without sorting. The key
    after which the chunk starts is (d, r): first the rest of day d after rowid r, then the
    days after d, CHUNK_ROWS rows at most, each part walking the index so only the rows
    written are joined and formatted. Team and employee terms carry a unary + so no other
    index lures SQLite into sorting. The compound runs as a co-routine under the
    aggregate, so group_concat receives the lines in order (the tests check the order).
    Rowids are assumed positive (SQLite assigns them so), for the zero-padded key.
    """
    a, day = spec.alias, spec.date_column
    date_clauses, date_params = _where(Filters(filters.date_from, filters.date_to), day, a)
    other = Filters(
        team=filters.team,
        employee_id=filters.employee_id,
        story=filters.story,
        cause=filters.cause,
    )
    other_clauses, other_params = _where(other, day, a, no_index=True)
    clauses = [*date_clauses, *other_clauses]
    params = [*date_params, *other_params]
    line = _line_sql(spec.columns)
    key = f"printf('%s %019d', {day}, {a}.rowid)"

    def part(where: str, order: str) -> str:
        return (
            f"SELECT * FROM (SELECT {line} AS line, {key} AS k FROM {spec.table} {a} {spec.joins} "
            f"{_where_sql([where, *clauses])} ORDER BY {order} LIMIT {CHUNK_ROWS})"
        )

    sql = (
        "SELECT CAST(group_concat(line, char(13, 10)) AS BLOB), count(*), max(k) FROM ("
        f"{part(f'{day} = ? AND {a}.rowid > ?', f'{a}.rowid')} UNION ALL "
        f"{part(f'{day} > ?', f'{day}, {a}.rowid')} LIMIT {CHUNK_ROWS})"
    )
    return sql, [*params, *params]


def _reader_connection(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA query_only = ON")
    return conn


def _record_blocks(path: Path, spec: RecordExport, filters: Filters) -> Iterator[tuple[bytes, int]]:
    """Every matching record as blocks of CSV lines, read in one transaction (one snapshot)."""
    conn = _reader_connection(path)
    try:
        conn.execute("BEGIN")
        sql, params = _chunk_sql(spec, filters)
        half = len(params) // 2
        day, rowid = "", 0
        while True:
            block, count, last = conn.execute(
                sql, [day, rowid, *params[:half], day, *params[half:]]
            ).fetchone()
            if count:
                yield block + CRLF, count
            if count < CHUNK_ROWS:
                return
            day, rowid_text = last.split(" ")
            rowid = int(rowid_text)
    finally:
        conn.close()


_DONE = object()


@contextmanager
def _read_ahead(blocks: Callable[[], Iterator[tuple[bytes, int]]]) -> Iterator[Iterator]:
    """Run `blocks()` in a reader thread, a few blocks ahead of the caller.

    Leaving the with-block early (an error, a cancel) stops the reader and waits for it.
    """
    stop = threading.Event()
    handoff: queue.Queue = queue.Queue(maxsize=_QUEUE_DEPTH)

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for item in blocks():
                if not put(item):
                    return
        except BaseException as exc:  # handed over; the writer raises it
            put(exc)
            return
        put(_DONE)

    def received() -> Iterator[tuple[bytes, int]]:
        while (item := handoff.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item

    reader = threading.Thread(target=read, name="export-reader", daemon=True)
    reader.start()
    try:
        yield received()
    finally:
        stop.set()
        reader.join()


def _write_blocks(
    blocks: Iterator[tuple[bytes, int]], write: Callable[[bytes], Any], progress: Progress | None
) -> int:
    total = 0
    for block, count in blocks:
        write(block)
        total += count
        if progress is not None:
            progress(total)
    return total


def record_values_sql(
    spec: RecordExport, filters: Filters, sql_of: SqlOf
) -> tuple[str, list[object]]:
    """The query of every matching record's values (each column's SQL from `sql_of`).

    The date terms walk the date index, which yields (date, rowid) order without a sort;
    the other terms carry a unary + so no other index lures SQLite into sorting, as in
    the CSV's chunks (tests/test_export_xlsx.py checks the plan).
    """
    a, day = spec.alias, spec.date_column
    date_clauses, date_params = _where(Filters(filters.date_from, filters.date_to), day, a)
    other = Filters(
        team=filters.team, employee_id=filters.employee_id, story=filters.story, cause=filters.cause
    )
    other_clauses, other_params = _where(other, day, a, no_index=True)
    values = ", ".join(sql_of(column) for column in spec.columns)
    sql = (
        f"SELECT {values} FROM {spec.table} {a} {spec.joins} "
        f"{_where_sql([*date_clauses, *other_clauses])} ORDER BY {day}, {a}.rowid"
    )
    return sql, [*date_params, *other_params]


def _record_rows(path: Path, spec: RecordExport, filters: Filters, sql_of: SqlOf) -> Rows:
    """Every matching record's values, in export order, from one statement (one snapshot)."""
    sql, params = record_values_sql(spec, filters, sql_of)
    conn = _reader_connection(path)
    try:
        cursor = conn.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK_ROWS):
            yield rows
    finally:
        conn.close()


def _record_count_sql(spec: RecordExport, filters: Filters) -> tuple[str, list[object]]:
    clauses, params = _where(filters, spec.date_column, spec.alias)
    sql = (
        f"SELECT count(*) FROM {spec.table} {spec.alias} "
        f"JOIN employee e ON e.id = {spec.alias}.employee_id {_where_sql(clauses)}"
    )
    return sql, params


# --- the weekly summary -------------------------------------------------------------------


def _weekly_sql(filters: Filters, cells: str) -> tuple[str, list[object]]:
    """The weekly rows: `cells` (the SQL-made columns), then the counts metrics needs."""
    clauses, params = _where(_whole_weeks(filters), _WEEKLY_DATE, "o")
    team_join = "JOIN employee e ON e.id = o.employee_id" if filters.team is not None else ""
    sql = (
        f"SELECT {cells}, w.observations, w.met, w.exceeded, "
        "w.missed, w.missed_system, w.employee_id FROM ("
        "SELECT o.employee_id, o.iso_week, o.behaviour_id, min(o.local_date) AS first_day, "
        f"{SQL_COUNTS} FROM observation o {team_join} {_where_sql(clauses)} "
        "GROUP BY o.employee_id, o.iso_week, o.behaviour_id) w "
        "JOIN employee e ON e.id = w.employee_id JOIN behaviour b ON b.id = w.behaviour_id "
        "ORDER BY e.team, e.name, e.id, w.iso_week, b.touch_point_id, b.position, w.behaviour_id"
    )
    return sql, params


def _weekly_computed(counts_and_id: tuple) -> tuple[int, float | None, bool, str]:
    """counted, met_rate (RATE_DECIMALS), provisional and employee_id, by floorcoach.metrics."""
    observations, met, exceeded, missed, missed_system, employee_id = counts_and_id
    counts = Counts(observations, met or 0, exceeded or 0, missed or 0, missed_system or 0)
    rate = counts.met_rate
    rounded = None if rate is None else round(rate, RATE_DECIMALS)
    return counts.counted, rounded, counts.provisional, employee_id


def _weekly_line(row: tuple) -> bytes:
    """The SQL-made cells, then counted, met_rate, provisional from floorcoach.metrics."""
    counted, rate, provisional, employee_id = _weekly_computed(row[1:])
    rate_text = "" if rate is None else f"{rate:.{RATE_DECIMALS}f}"
    flag = "true" if provisional else "false"
    return f"{row[0]},{counted},{rate_text},{flag},{employee_id}".encode()


def _weekly_rows(path: Path, filters: Filters, sql_of: SqlOf) -> Rows:
    conn = _reader_connection(path)
    cells = len(_WEEKLY_SQL_COLUMNS)
    try:
        sql, params = _weekly_sql(filters, ", ".join(sql_of(c) for c in _WEEKLY_SQL_COLUMNS))
        cursor = conn.execute(sql, params)  # one statement: one snapshot
        while rows := cursor.fetchmany(CHUNK_ROWS):
            yield [(*row[:cells], *_weekly_computed(row[cells:])) for row in rows]
    finally:
        conn.close()


def _weekly_blocks(path: Path, filters: Filters) -> Iterator[tuple[bytes, int]]:
    conn = _reader_connection(path)
    try:
        sql, params = _weekly_sql(filters, _line_sql(_WEEKLY_SQL_COLUMNS))
        cursor = conn.execute(sql, params)  # one statement: one snapshot
        while rows := cursor.fetchmany(CHUNK_ROWS):
            yield CRLF.join([_weekly_line(row) for row in rows]) + CRLF, len(rows)
    finally:
        conn.close()


def _weekly_count_sql(filters: Filters) -> tuple[str, list[object]]:
    clauses, params = _where(_whole_weeks(filters), _WEEKLY_DATE, "o")
    sql = (
        "SELECT count(*) FROM (SELECT 1 FROM observation o "
        f"JOIN employee e ON e.id = o.employee_id {_where_sql(clauses)} "
        "GROUP BY o.employee_id, o.iso_week, o.behaviour_id)"
    )
    return sql, params


# --- the registry: every export, declared once ----------------------------------------------

Blocks = Iterator[tuple[bytes, int]]  # finished CSV lines, a chunk at a time, with their count


@dataclass(frozen=True)
class ExportKind:
    """One export HR can ask for, and everything said about it anywhere.

    The CLI's choices and help, the export screen's choices, the data dictionary check
    and the query-plan test all read `EXPORTS`; adding an export here adds it everywhere.
    """

    kind: str  # its name on the command line and in file names
    label: str  # what people see: the export screen's choice, the CLI's help
    described: tuple[Column, ...]  # every column, in order (docs/data-dictionary.md)
    table: str  # the records it reads; a database without this table cannot export it
    date_column: str  # the local date (`YYYY-MM-DD`) the from/to filters apply to
    blocks: Callable[[Path, Filters], Blocks]  # the rows, in order, from one snapshot
    rows: Callable[[Path, Filters, SqlOf], Rows]  # the same rows as values (workbooks)
    count_sql: Callable[[Filters], tuple[str, list[object]]]  # how many rows (the preview)
    records: RecordExport | None = None  # what a one-row-per-record export is made from
    story_and_cause: bool = False  # whether the --story and --cause filters apply

    @property
    def columns(self) -> tuple[str, ...]:
        """The header, in order."""
        return tuple(c.name for c in self.described)


def _of_records(spec: RecordExport, label: str, *, story_and_cause: bool = False) -> ExportKind:
    return ExportKind(
        kind=spec.kind,
        label=label,
        described=spec.columns,
        table=spec.table,
        date_column=spec.date_column,
        blocks=lambda path, filters: _record_blocks(path, spec, filters),
        rows=lambda path, filters, sql_of: _record_rows(path, spec, filters, sql_of),
        count_sql=lambda filters: _record_count_sql(spec, filters),
        records=spec,
        story_and_cause=story_and_cause,
    )


EXPORTS: dict[str, ExportKind] = {
    spec.kind: spec
    for spec in (
        _of_records(OBSERVATIONS, "Observations (one row per observation)", story_and_cause=True),
        _of_records(COACHING, "Coaching sessions"),
        ExportKind(
            kind="weekly",
            label="Weekly summary (employee × ISO week × behaviour)",
            described=_WEEKLY_SQL_COLUMNS + _WEEKLY_COMPUTED,
            table="observation",
            date_column=_WEEKLY_DATE,
            blocks=_weekly_blocks,
            rows=_weekly_rows,
            count_sql=_weekly_count_sql,
        ),
    )
}
KINDS = tuple(EXPORTS)
COLUMNS: dict[str, tuple[str, ...]] = {kind: spec.columns for kind, spec in EXPORTS.items()}
_RECORD_EXPORTS: dict[str, RecordExport] = {
    kind: spec.records for kind, spec in EXPORTS.items() if spec.records is not None
}


# --- the public API -----------------------------------------------------------------------


def available(kind: str) -> bool:
    """Whether this floorcoach can export `kind`: whether `EXPORTS` declares it."""
    return kind in EXPORTS


def check_available(kind: str) -> None:
    """Refuse, with the reason, an export this floorcoach cannot make."""
    if not available(kind):
        raise ExportError(f"unknown export {kind!r}; choose one of {', '.join(KINDS)}")


def _check_kind(store: Store, kind: str) -> None:
    check_available(kind)
    table = EXPORTS[kind].table
    exists = store.conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).fetchone()
    if exists is None:
        raise ExportNotAvailable(
            f"{kind} records are not available in this database (it has no {table})"
        )


def checked_filters(
    store: Store,
    kind: str,
    date_from: str | date | None = None,
    date_to: str | date | None = None,
    team: str | None = None,
    employee_id: str | None = None,
    story: bool = False,
    cause: str | None = None,
) -> Filters:
    """The export `kind` can be made here with these filters (`check_filters`), or why not."""
    _check_kind(store, kind)
    if (story or cause is not None) and not EXPORTS[kind].story_and_cause:
        with_story = [k for k, spec in EXPORTS.items() if spec.story_and_cause]
        raise ExportError(
            f"the story and cause filters apply to the {', '.join(with_story)} export only, "
            f"not to {kind}"
        )
    return check_filters(store, date_from, date_to, team, employee_id, story, cause)


FOLDER_SETTING = "export_folder"  # the folder the last export from the app went to


def suggested_folder(store: Store) -> Path:
    """Where the export screen proposes to write: the folder of the last export made from
    it if that still exists, else the user's documents folder (platformdirs), else home."""
    import platformdirs

    last = store.setting(FOLDER_SETTING)
    if last and Path(last).is_dir():
        return Path(last)
    documents = platformdirs.user_documents_path()
    return documents if documents.is_dir() else Path.home()


def remember_folder(store: Store, folder: Path) -> None:
    """The next export from the app starts in `folder`."""
    store.set_setting(FOLDER_SETTING, str(folder))


def header(kind: str) -> bytes:
    return (",".join(COLUMNS[kind]) + "\r\n").encode()


def write_export(
    store: Store,
    kind: str,
    out: str | os.PathLike[str] | IO,
    *,
    date_from: str | date | None = None,
    date_to: str | date | None = None,
    team: str | None = None,
    employee_id: str | None = None,
    story: bool = False,
    cause: str | None = None,
    excel: bool = False,
    progress: Progress | None = None,
) -> int:
    """Write one export as CSV and return the number of data rows.

    `out` is a path (written via a temporary file in the same folder, synced, then renamed,
    so the final name only ever holds a complete export) or a binary stream (a text stream
    gets str). `progress(rows_done)` is called after each chunk; an exception it raises
    (e.g. ExportCancelled) stops the export and leaves no file. Dates filter on the local
    date, both ends included; the weekly export widens them to whole ISO weeks. `story`
    and `cause` filter the observations export only.
    """
    filters = checked_filters(store, kind, date_from, date_to, team, employee_id, story, cause)
    blocks_of = EXPORTS[kind].blocks
    path = store.path
    try:
        with _sink(out, excel, store.path) as write:
            write(header(kind))
            with _read_ahead(lambda: blocks_of(path, filters)) as blocks:
                return _write_blocks(blocks, write, progress)
    except sqlite3.Error as exc:
        raise ExportError(f"{store.path}: cannot read the records: {exc}") from exc


def count_rows(
    store: Store,
    kind: str,
    *,
    date_from: str | date | None = None,
    date_to: str | date | None = None,
    team: str | None = None,
    employee_id: str | None = None,
    story: bool = False,
    cause: str | None = None,
    **_ignored: object,
) -> int:
    """How many data rows `write_export` writes with the same filters (the preview)."""
    filters = checked_filters(store, kind, date_from, date_to, team, employee_id, story, cause)
    return count_matching(store, kind, filters)


def count_matching(store: Store, kind: str, filters: Filters) -> int:
    """How many data rows an export of `kind` with checked `filters` has."""
    sql, params = EXPORTS[kind].count_sql(filters)
    return store.conn.execute(sql, params).fetchone()[0]


def default_filename(
    kind: str, date_from: date | None, date_to: date | None, suffix: str = "csv"
) -> str:
    """`observations_2026-01-01_to_2026-03-31.csv`; no from date: `all`; no to date: today."""
    start = date_from.isoformat() if date_from else "all"
    end = (date_to or clock.today()).isoformat()
    return f"{kind}_{start}_to_{end}.{suffix}"
