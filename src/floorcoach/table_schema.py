"""A Frictionless Table Schema beside a CSV export (`--schema`): the dictionary, for machines.

`floorcoach export KIND --schema` writes `FILE.schema.json` next to `FILE.csv`, so
`frictionless validate FILE.csv --schema FILE.schema.json` checks the export: each
column's type and format, its constraints (the vocabularies of outcome, cause and kind as
enums; required where a value is always there) and its description. Everything comes from
the columns' declaration in `floorcoach.export`, the same one the data dictionary is
checked against, so the schema, the docs and the file cannot drift apart.
(https://specs.frictionlessdata.io/table-schema/)
"""

from __future__ import annotations

import json
from pathlib import Path

from floorcoach.export import EXPORTS, Column, check_available
from floorcoach.safefiles import write_atomically

SUFFIX = ".schema.json"
# The columns that tell one row from another, per export.
_PRIMARY_KEYS = {
    "observations": ["observation_id"],
    "coaching": ["coaching_id"],
    "weekly": ["iso_week", "employee_id", "behaviour_id"],
}


def schema_path(csv_path: Path) -> Path:
    """`observations_all_to_2026-11-25.csv` -> `observations_all_to_2026-11-25.schema.json`."""
    stem = csv_path.name[: -len(csv_path.suffix)] if csv_path.suffix else csv_path.name
    return csv_path.with_name(stem + SUFFIX)


def field_of(column: Column) -> dict[str, object]:
    """One column as a Table Schema field descriptor."""
    described = dict(column.type.schema)
    constraints = dict(described.pop("constraints", {}))  # type: ignore[call-overload]
    if column.required:
        constraints["required"] = True
    if column.enum:
        constraints["enum"] = list(column.enum)
    field: dict[str, object] = {"name": column.name, **described}
    field["description"] = column.description
    if constraints:
        field["constraints"] = constraints
    return field


def table_schema(kind: str) -> dict[str, object]:
    """The Table Schema of the `kind` export's CSV (an empty cell is a missing value)."""
    check_available(kind)
    return {
        "$schema": "https://specs.frictionlessdata.io/schemas/table-schema.json",
        "title": f"floorcoach {kind} export",
        "description": f"{EXPORTS[kind].label}; see docs/data-dictionary.md",
        "fields": [field_of(column) for column in EXPORTS[kind].described],
        "missingValues": [""],
        "primaryKey": _PRIMARY_KEYS[kind],
    }


def write_schema(kind: str, csv_path: Path) -> Path:
    """Write the schema beside `csv_path` (atomically, synced); return where it went."""
    target = schema_path(csv_path)
    text = json.dumps(table_schema(kind), indent=2, ensure_ascii=False) + "\n"
    write_atomically(target, text.encode("utf-8"))
    return target
