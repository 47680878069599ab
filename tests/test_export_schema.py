"""`--schema`: every CSV export validates with Frictionless against the schema written beside it,
and a file that breaks the schema's promises does not."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from floorcoach import export, table_schema
from floorcoach.coaching import CoachingInput, create_coaching
from floorcoach.models import Cause, Kind, Outcome, values_of

from .conftest import SUPERVISOR
from .test_export import NOW, tricky  # noqa: F401  (a fixture)


@pytest.fixture
def coached(store, tricky):  # noqa: F811
    """Two coaching sessions on the tricky people: one recognition without an action."""
    people, _ = tricky
    behaviour = store.query("SELECT id FROM behaviour LIMIT 1")[0]["id"]
    for kind, action in [("recognition", ""), ("corrective", "=Greet first")]:
        create_coaching(
            store,
            CoachingInput(
                employee_id=people[0].id,
                kind=kind,
                behaviour_ids=[behaviour],
                said="Talked it through",
                agreed_action=action,
            ),
            supervisor=SUPERVISOR,
        )
    return tricky


def _validate(csv_path: Path, schema_path: Path) -> dict:
    """`frictionless validate FILE.csv --schema FILE.schema.json`, as HR would run it."""
    result = subprocess.run(
        [sys.executable, "-m", "frictionless", "validate", csv_path.name, "--schema",
         schema_path.name, "--json"],
        capture_output=True, text=True, cwd=csv_path.parent, timeout=300,
    )  # fmt: skip
    return json.loads(result.stdout)


def _errors(report: dict) -> list[tuple]:
    return [
        (error.get("rowNumber"), error.get("fieldName"), error["type"])
        for task in report["tasks"]
        for error in task["errors"]
    ]


@pytest.mark.parametrize("kind", export.KINDS)
def test_every_export_validates_against_its_schema(db_path, store, coached, tmp_path, kind):
    folder = tmp_path / "out"
    folder.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "floorcoach", "--db", str(db_path), "export", kind, "--schema",
         "--out", str(folder / f"{kind}.csv")],
        capture_output=True, text=True, env={**os.environ, "FLOORCOACH_NOW": NOW}, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    schema_path = folder / f"{kind}.schema.json"
    assert result.stdout.splitlines()[-1] == f"schema written to {schema_path}"
    report = _validate(folder / f"{kind}.csv", schema_path)
    assert report["valid"], _errors(report)
    assert report["tasks"][0]["stats"]["rows"] > 0


def test_the_schema_carries_types_enums_required_and_descriptions():
    fields = {f["name"]: f for f in table_schema.table_schema("observations")["fields"]}
    assert fields["outcome"]["constraints"] == {"required": True, "enum": list(values_of(Outcome))}
    assert fields["cause"]["constraints"] == {"enum": [*values_of(Cause), "unsure"]}
    assert fields["observed_at_local"]["type"] == "datetime"
    assert fields["local_date"]["type"] == "date"
    assert fields["story"] == {
        "name": "story",
        "type": "boolean",
        "trueValues": ["true"],
        "falseValues": ["false"],
        "description": "Flagged as a story worth sharing.",
        "constraints": {"required": True},
    }
    coaching = {f["name"]: f for f in table_schema.table_schema("coaching")["fields"]}
    assert coaching["kind"]["constraints"]["enum"] == list(values_of(Kind))
    assert "required" not in coaching["agreed_action"].get("constraints", {})
    for kind, spec in export.EXPORTS.items():
        described = [
            (f["name"], f["description"]) for f in table_schema.table_schema(kind)["fields"]
        ]
        assert described == [(c.name, c.description) for c in spec.described]


def test_a_file_that_breaks_the_schema_fails_validation(store, tricky, tmp_path):  # noqa: F811
    out = tmp_path / "observations.csv"
    export.write_export(store, "observations", out)
    schema = table_schema.write_schema("observations", out)
    lines = out.read_bytes().split(b"\r\n")
    lines[1] = (
        lines[1]
        .replace(b",met,", b",maybe,")
        .replace(b",missed,", b",maybe,")
        .replace(b",exceeded,", b",maybe,")
    )
    out.write_bytes(b"\r\n".join(lines))
    report = _validate(out, schema)
    assert not report["valid"]
    assert _errors(report) == [(2, "outcome", "constraint-error")]
    assert json.loads(schema.read_text())["primaryKey"] == ["observation_id"]


def test_schema_is_refused_where_there_is_no_csv_file_to_sit_beside(db_path, store, tmp_path):
    for args, message in [
        (["--schema", "--out", "-"], "--schema needs a file to sit beside"),
        (["--schema", "--format", "xlsx"], "--schema is for CSV, not --format xlsx"),
    ]:
        result = subprocess.run(
            [sys.executable, "-m", "floorcoach", "--db", str(db_path), "export", "observations",
             *args],
            capture_output=True, text=True, cwd=tmp_path, timeout=120,
        )  # fmt: skip
        assert result.returncode == 1
        assert message in result.stderr
