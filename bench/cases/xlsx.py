"""Exporting every observation as an XLSX workbook vs XlsxWriter writing the same typed cells
straight from a cursor (issue #12: at most 1.3x, under 150 MB).

floorcoach runs in its own process (`bench/apps/export_xlsx.py`, which calls
`floorcoach.xlsx_export.write_workbook(store, "observations", path)`); the baseline is
`bench/apps/xlsx_baseline.py`: one cursor over the same rows (the CSV baseline's columns,
with dates as Excel serial numbers), XlsxWriter in constant_memory mode, the same cell
types. Both are timed from process start to exit; peak memory comes from `wait4`. The two
workbooks are read back with openpyxl and compared cell by cell (every 997th row at the
large size, where reading a million rows back would take longer than writing them).
"""

from __future__ import annotations

import itertools
import subprocess
from pathlib import Path

from bench.cases.export import BASELINE_VALUES, MEMORY_LIMIT_MB
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
)

APPS = Path(__file__).resolve().parent.parent / "apps"
TARGET = 1.3
_DAY_ZERO = 2415018.5  # julianday of 1899-12-30, Excel's day 0


def baseline_sql() -> tuple[str, str]:
    """(the SELECT, each column's cell type) for the observations export's header."""
    from floorcoach.export import EXPORTS

    columns = EXPORTS["observations"].described
    values = []
    for column in columns:
        value = BASELINE_VALUES.get(column.name, f"o.{column.name}")
        if column.type.cell == "boolean":
            value = value.replace("'true'", "1").replace("'false'", "0")
        elif column.type.cell in ("date", "datetime"):
            value = f"julianday({value}) - {_DAY_ZERO}"
        values.append(f"{value} AS {column.name}")
    sql = (
        f"SELECT {', '.join(values)} FROM observation o "
        "JOIN employee e ON e.id = o.employee_id JOIN behaviour b ON b.id = o.behaviour_id "
        "JOIN supervisor s ON s.display_name = o.supervisor "
        "LEFT JOIN behaviour_version bv ON bv.behaviour_id = o.behaviour_id "
        "AND bv.catalogue_version = o.catalogue_version ORDER BY o.local_date, o.rowid"
    )
    return sql, ",".join(column.type.cell for column in columns)


def run(ctx: Context) -> list[Figure]:
    what = "export all observations as XLSX (xlsx_export.write_workbook)"
    baseline = "XlsxWriter writing the same typed cells straight from a cursor"
    if available("floorcoach.xlsx_export", "write_workbook") is None:
        reason = "not available yet (floorcoach.xlsx_export.write_workbook)"
        return [skipped("export-xlsx", ctx.size, what, baseline, reason)]
    sql, kinds = baseline_sql()
    env = bench_env()
    ours_out = ctx.scratch / f"export-{ctx.size}.xlsx"
    base_out = ctx.scratch / f"baseline-{ctx.size}.xlsx"
    memory: dict[str, list[float]] = {"ours": [], "base": []}

    def ours() -> float:
        argv = [python(), str(APPS / "export_xlsx.py"), str(ctx.dataset.path), str(ours_out)]
        seconds, peak = run_measured(argv, env, stdout=subprocess.DEVNULL)
        memory["ours"].append(peak)
        return seconds

    def base() -> float:
        argv = [python(), str(APPS / "xlsx_baseline.py"), str(ctx.dataset.path), str(base_out),
                sql, kinds]  # fmt: skip
        seconds, peak = run_measured(argv, env, stdout=subprocess.DEVNULL)
        memory["base"].append(peak)
        return seconds

    runs = 3 if ctx.size == "large" else max(3, ctx.runs)
    ours_t, base_t = interleaved(runs, ours, base)
    rows, same = compare_workbooks(ours_out, base_out, every=997 if ctx.size == "large" else 1)
    for path in (ours_out, base_out):
        path.unlink(missing_ok=True)
    return [
        Figure(
            case="export-xlsx",
            size=ctx.size,
            what=what,
            baseline=baseline,
            value=median(ours_t),
            base=median(base_t),
            target=TARGET,
            runs=runs,
            same_result=same and rows == ctx.dataset.observations,
            note=f"{rows:,} rows, each process timed from start to exit",
        ),
        Figure(
            case="export-xlsx-memory",
            size=ctx.size,
            what="peak memory of the XLSX export process",
            baseline="peak memory of the XlsxWriter baseline",
            value=max(memory["ours"]),
            base=max(memory["base"]),
            unit="MB",
            limit=MEMORY_LIMIT_MB,
            limit_text=f"< {MEMORY_LIMIT_MB} MB",
            runs=runs,
            note="ru_maxrss of each process (os.wait4)",
        ),
    ]


def compare_workbooks(ours: Path, base: Path, *, every: int = 1) -> tuple[int, bool]:
    """(data rows in ours, whether the first sheets agree: header, row count, every
    `every`-th row's values and types)."""
    import openpyxl

    sheets = [openpyxl.load_workbook(p, read_only=True).worksheets[0] for p in (ours, base)]
    rows_a, rows_b = (s.iter_rows(values_only=True) for s in sheets)
    same = next(rows_a) == next(rows_b)
    count = 0
    for row_a, row_b in itertools.zip_longest(rows_a, rows_b):
        if row_a is None or row_b is None:
            return count + (row_a is not None), False
        if count % every == 0 and [(type(v), v) for v in row_a] != [(type(v), v) for v in row_b]:
            same = False
        count += 1
    return count, same
