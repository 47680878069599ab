"""Import a roster CSV from HR: check the whole file first, then upsert by `employee_ref`.

HR exports vary: `Employee ID` or `employee_id`, `Department` for team, a BOM from Excel,
semicolons from a European locale. Headers match ignoring case, spaces, hyphens and
underscores. Refs stay text (`000123` keeps its zeros). Any bad line means nothing is
imported, and every problem is reported with its line and column. A quote that opens a
field and never closes would swallow the rest of the file into one name: it is refused,
naming the line where it opened. Spaces around a value are trimmed silently; any other
whitespace trimmed (a tab, a no-break space) is reported as a note, since a leading tab is
also how a formula hides in a CSV.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from floorcoach.employees import add_employee, update_employee
from floorcoach.models import EmployeeInput
from floorcoach.store import Store

HEADER_ALIASES = {
    "employeeref": "employee_ref",
    "employeeid": "employee_ref",
    "id": "employee_ref",
    "name": "name",
    "fullname": "name",
    "employeename": "name",
    "team": "team",
    "department": "team",
    "active": "active",
}
REQUIRED = ("employee_ref", "name")
# The optional `active` column: how HR files say someone works here or has left. An
# empty cell leaves the person as they are (someone new is active).
ACTIVE_WORDS = {
    **dict.fromkeys(("yes", "y", "true", "1", "active"), True),
    **dict.fromkeys(("no", "n", "false", "0", "inactive", "left"), False),
}


class RosterError(ValueError):
    """The file cannot be imported; `problems` lists every line and column at fault."""

    def __init__(self, path: Path | str, problems: list[str]):
        self.problems = problems
        shown = problems[:20]
        more = f"\n… and {len(problems) - 20} more problems" if len(problems) > 20 else ""
        super().__init__(
            f"{path}: nothing was imported; fix these and try again:\n"
            + "\n".join(f"  {p}" for p in shown)
            + more
        )


@dataclass
class RosterRow:
    line: int
    data: EmployeeInput
    notes: list[str] = field(default_factory=list)
    active: bool | None = None  # from the `active` column; None: not given, left as it is


_WHITESPACE_NAMES = {"\t": "a tab", "\r": "a carriage return", "\xa0": "a no-break space"}


def _trim_note(value: str, line: int, column: str) -> str | None:
    """What trimming `value` removes besides plain spaces, as a note, or None."""
    removed = {"start": value[: len(value) - len(value.lstrip())]}
    removed["end"] = value[len(value.rstrip()) :] if value.strip() else ""
    said = []
    for where, chars in removed.items():
        unusual = sorted({ch for ch in chars if ch != " "})
        if unusual:
            names = " and ".join(_WHITESPACE_NAMES.get(ch, f"U+{ord(ch):04X}") for ch in unusual)
            said.append(f"{names} at the {where}")
    if not said:
        return None
    return f"line {line}, column '{column}': removed {' and '.join(said)}"


@dataclass
class ImportResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    names: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was changed on the way in

    def summary(self) -> str:
        counts = f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged"
        if not self.notes:
            return counts
        return counts + "".join(f"\nnote: {note}" for note in self.notes)


def _normalise(header: str) -> str:
    return "".join(ch for ch in header.strip().lower() if ch not in " -_")


def parse_roster(raw: bytes, path: Path | str = "roster.csv") -> list[RosterRow]:
    """Check every line of a roster file; raise RosterError naming each problem."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise RosterError(
            path, [f"line {line}: the file is not UTF-8 text (save it as 'CSV UTF-8')"]
        ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise RosterError(path, [f"line {line}: the file contains binary data, not CSV"])
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    # strict: a quote left open is an error at the end of the file, not one long field.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise RosterError(path, ["line 1: the file is empty; expected a header row"]) from None
    except csv.Error as exc:
        raise RosterError(path, [f"line 1: cannot read the header: {exc}"]) from None
    columns: dict[str, int] = {}
    problems: list[str] = []
    for index, name in enumerate(header):
        key = HEADER_ALIASES.get(_normalise(name))
        if key is None:
            continue  # extra columns from HR systems are fine; we ignore them
        if key in columns:
            problems.append(f"line 1, column '{name}': a second column for {key}")
        columns[key] = index
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        found = ", ".join(repr(h) for h in header) or "nothing"
        raise RosterError(
            path,
            [
                f"line 1: missing column {', '.join(missing)} (found {found}; "
                "expected employee_ref, name and team)"
            ],
        )
    rows: list[RosterRow] = []
    seen_refs: dict[str, int] = {}
    line = reader.line_num
    while True:
        start = line + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(f"line {start}: {_csv_problem(exc, reader.line_num - start)}")
            break
        line = reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        if len(record) > len(header):
            problems.append(
                f"line {start}: {len(record)} fields but the header has {len(header)} "
                "(a missing quote or an extra separator?)"
            )
            continue

        notes: list[str] = []

        def cell(
            key: str, record: list[str] = record, notes: list[str] = notes, line: int = start
        ) -> str:
            index = columns.get(key)
            if index is None or index >= len(record):
                return ""
            note = _trim_note(record[index], line, header[index])
            if note:
                notes.append(note)
            return record[index].strip()

        ref, name, team = cell("employee_ref"), cell("name"), cell("team")
        active_cell = cell("active")
        line_problems = []
        active = ACTIVE_WORDS.get(active_cell.lower()) if active_cell else None
        if active_cell and active is None:
            line_problems.append(
                f"line {start}, column '{header[columns['active']]}': {active_cell!r} is "
                "neither yes nor no (yes, no, true, false, 1, 0, active, inactive, left; "
                "empty leaves the person as they are)"
            )
        if not ref:
            line_problems.append(f"line {start}, column '{header[columns['employee_ref']]}': empty")
        if not name:
            line_problems.append(f"line {start}, column '{header[columns['name']]}': empty")
        if ref in seen_refs:
            line_problems.append(
                f"line {start}, column '{header[columns['employee_ref']]}': ref {ref!r} "
                f"already appears on line {seen_refs[ref]}"
            )
        if line_problems:
            problems += line_problems
            continue
        seen_refs[ref] = start
        try:
            data = EmployeeInput(name=name, team=team, employee_ref=ref)
        except ValidationError as exc:
            for error in exc.errors():
                key = str(error["loc"][0]) if error["loc"] else "?"
                column = header[columns[key]] if key in columns else key
                problems.append(f"line {start}, column '{column}': {error['msg']}")
            continue
        rows.append(RosterRow(start, data, notes, active))
    if problems:
        raise RosterError(path, problems)
    return rows


def _csv_problem(exc: csv.Error, more_lines: int) -> str:
    """The csv module's complaint, in words that say where to look."""
    if "unexpected end of data" in str(exc):
        rest = f" ({more_lines} more line{'s' * (more_lines != 1)})" if more_lines else ""
        return (
            "a quote opens a field on this line and is never closed, so the rest of the "
            f"file{rest} would be read into that one field; close the quote or remove it"
        )
    return f"cannot read this line: {exc} (a stray quote?)"


def read_roster(path: Path) -> tuple[list[RosterRow], ImportResult]:
    """The file's rows, every one checked (RosterError lists what is wrong), and the
    result to fill in, already holding the notes about trimmed values. The device's
    import and the org store's (`org.roster_import`) both start here."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise RosterError(path, [f"cannot read the file: {exc.strerror or exc}"]) from None
    rows = parse_roster(raw, path)
    return rows, ImportResult(notes=[note for row in rows for note in row.notes])


def changes(row: RosterRow, name: str, team: str | None, active: bool) -> bool:
    """Whether the line changes the person it names (the device's import and the org's)."""
    given = row.active if row.active is not None else active
    return (name, team, active) != (row.data.name, row.data.team, given)


def import_roster(store: Store, path: Path, *, by: str) -> ImportResult:
    """Import a whole roster file in one transaction: all lines, or none."""
    rows, result = read_roster(path)
    with store.write():
        existing = {
            row["employee_ref"]: row
            for row in store.query("SELECT id, employee_ref, name, team, active FROM employee")
            if row["employee_ref"] is not None
        }
        for row in rows:
            current = existing.get(row.data.employee_ref)
            if current is None:
                added = add_employee(store, row.data, by=by)
                if row.active is False:  # on the roster as someone who has left
                    update_employee(store, added.id, row.data, by=by, active=False)
                result.added += 1
            elif not changes(row, current["name"], current["team"], bool(current["active"])):
                result.unchanged += 1
            else:
                update_employee(store, current["id"], row.data, by=by, active=row.active)
                result.updated += 1
            result.names.append(row.data.name)
    return result
