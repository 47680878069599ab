"""Exporting every observation to CSV vs the `sqlite3` command line on the same rows.

floorcoach's export runs in its own process (`bench/apps/export_observations.py`, which
calls `floorcoach.export.write_export(store, "observations", path)`); the baseline is
`sqlite3 -csv -header` with the same columns, joins and row order. Both are timed from
process start to exit, and the peak memory of each process comes from `wait4`.
"""

from __future__ import annotations

import csv
import itertools
import subprocess
from pathlib import Path

from bench.cases.queries import available
from bench.harness import (
    Context,
    Figure,
    bench_env,
    interleaved,
    median,
    python,
    run_measured,
    skipped,
    sqlite3_cli,
)

CHILD = Path(__file__).resolve().parent.parent / "apps" / "export_observations.py"

# The same rows, columns and order as floorcoach's export, with plain values. The columns
# are the export's own list (its public contract, docs/data-dictionary.md); a column not
# named here is the observation's field of that name, so a new exported field needs no
# change here.
BASELINE_VALUES = {
    "observation_id": "o.id",
    "employee_ref": "e.employee_ref",
    "employee_name": "e.name",
    "team": "e.team",
    "touch_point": "coalesce(bv.touch_point, b.touch_point)",
    "behaviour": "coalesce(bv.title, b.title)",
    "story": "CASE WHEN o.story THEN 'true' ELSE 'false' END",
    "cause": "CASE WHEN o.outcome = 'missed' THEN coalesce(o.cause, 'unsure') END",
    "employee_active": "CASE WHEN e.active THEN 'true' ELSE 'false' END",
    "catalogue_id": "b.catalogue_id",
    "touch_point_id": "b.touch_point_id",
    "observed_at_local": "datetime(o.observed_at, 'localtime')",
    "supervisor_id": "s.id",
}


def baseline_sql(columns: tuple[str, ...]) -> str:
    select = ",\n       ".join(
        f"{BASELINE_VALUES.get(name, f'o.{name}')} AS {name}" for name in columns
    )
    return f"""
SELECT {select}
FROM observation o
JOIN employee e ON e.id = o.employee_id
JOIN behaviour b ON b.id = o.behaviour_id
JOIN supervisor s ON s.display_name = o.supervisor
LEFT JOIN behaviour_version bv
       ON bv.behaviour_id = o.behaviour_id AND bv.catalogue_version = o.catalogue_version
ORDER BY o.local_date, o.rowid;
"""


MEMORY_LIMIT_MB = 150


def run(ctx: Context) -> list[Figure]:
    what = "export all observations to CSV (export.write_export)"
    baseline = "`sqlite3 -csv` on the same rows and joins"
    if available("floorcoach.export", "write_export") is None:
        return [
            skipped(
                "export",
                ctx.size,
                what,
                baseline,
                "not available yet (floorcoach.export.write_export)",
            )
        ]
    cli = sqlite3_cli()
    if cli is None:
        return [skipped("export", ctx.size, what, baseline, "the sqlite3 command is not installed")]
    from floorcoach.export import COLUMNS

    sql = baseline_sql(COLUMNS["observations"])
    env = bench_env()
    ours_csv = ctx.scratch / f"export-{ctx.size}.csv"
    base_csv = ctx.scratch / f"sqlite3-{ctx.size}.csv"
    memory: dict[str, list[float]] = {"ours": [], "base": []}

    def ours() -> float:
        argv = [python(), str(CHILD), str(ctx.dataset.path), str(ours_csv)]
        seconds, peak = run_measured(argv, env, stdout=subprocess.DEVNULL)
        memory["ours"].append(peak)
        return seconds

    def base() -> float:
        with base_csv.open("wb") as out:
            seconds, peak = run_measured(
                [cli, "-readonly", "-csv", "-header", str(ctx.dataset.path), sql],
                env,
                stdout=out,
            )
        memory["base"].append(peak)
        return seconds

    runs = max(3, ctx.runs - 2) if ctx.size == "large" else max(3, ctx.runs)
    ours_t, base_t = interleaved(runs, ours, base)
    rows, same = compare_csv(ours_csv, base_csv, every=1 if ctx.size != "large" else 997)
    peak = max(memory["ours"])
    for path in (ours_csv, base_csv):
        path.unlink(missing_ok=True)
    return [
        Figure(
            case="export",
            size=ctx.size,
            what=what,
            baseline=baseline,
            value=median(ours_t),
            base=median(base_t),
            target=3.0,
            runs=runs,
            same_result=same and rows == ctx.dataset.observations,
            note=f"{rows:,} rows, each process timed from start to exit",
        ),
        Figure(
            case="export-memory",
            size=ctx.size,
            what="peak memory of the export process",
            baseline="peak memory of `sqlite3 -csv`",
            value=peak,
            base=max(memory["base"]),
            unit="MB",
            limit=MEMORY_LIMIT_MB,
            limit_text=f"< {MEMORY_LIMIT_MB} MB",
            runs=runs,
            note="ru_maxrss of each process (os.wait4)",
        ),
    ]


def compare_csv(ours: Path, base: Path, *, every: int = 1) -> tuple[int, bool]:
    """(data rows in ours, whether header, row count and every `every`-th row agree)."""
    with (
        ours.open(newline="", encoding="utf-8") as a,
        base.open(newline="", encoding="utf-8") as b,
    ):
        rows_a, rows_b = csv.reader(a), csv.reader(b)
        same = next(rows_a) == next(rows_b)
        count = 0
        for row_a, row_b in itertools.zip_longest(rows_a, rows_b):
            if row_a is None or row_b is None:
                return count + (row_a is not None), False
            if count % every == 0 and row_a != row_b:
                same = False
            count += 1
    return count, same
