"""`python -m bench` (or `make bench`): run the benchmark suite and write docs/performance.md.

    python -m bench                       # store and large sizes, 5 runs, writes the report
    python -m bench --sizes store --runs 3 --no-write
    python -m bench --cases startup,ui    # only some cases

Generated databases are cached in bench/.data/ (keyed by size, generator and schema), so
only the first run at the large size pays the minute it takes to build a million rows.
"""

from __future__ import annotations

import argparse
import gc
import shutil
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from bench.generate import DEFAULT_DATA_DIR, SIZES, Dataset, database_for, pin_environment
from bench.harness import Context, Figure

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "docs" / "performance.md"


def working_copy(dataset: Dataset, data_dir: Path) -> Path:
    """A private copy of the cached database for the benchmarks that write to it."""
    target = data_dir / f"work-{dataset.size}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    shutil.copyfile(dataset.path, target)
    return target


def run_suite(
    sizes: Sequence[str],
    *,
    runs: int = 5,
    cases: Sequence[str] | None = None,
    data_dir: Path | None = None,
    quick: bool = False,
    log: Callable[[str], None] = print,
) -> tuple[list[Figure], list[Dataset]]:
    """Run the chosen cases at each size; a case that fails becomes a figure saying so."""
    from bench.cases import CASES

    pin_environment()
    data_dir = Path(data_dir or DEFAULT_DATA_DIR)
    figures: list[Figure] = []
    datasets: list[Dataset] = []
    for size in sizes:
        dataset = database_for(size, data_dir, log=log)
        datasets.append(dataset)
        ctx = Context(
            dataset=dataset,
            work_db=working_copy(dataset, data_dir),
            runs=runs,
            quick=quick,
            scratch=data_dir,
            log=log,
        )
        for name, case in CASES.items():
            if cases and name not in cases:
                continue
            log(f"[{size}] {name} …")
            gc.collect()  # each case starts from a clean heap, not the last case's garbage
            started = time.perf_counter()
            try:
                found = case(ctx)
            except Exception as exc:  # reported in the table, and in full on stderr
                traceback.print_exc()
                found = [
                    Figure(case=name, size=size, what=name, baseline="", skipped=f"error: {exc}")
                ]
            for figure in found:
                log("    " + describe(figure))
            log(f"    ({time.perf_counter() - started:.1f} s)")
            figures.extend(found)
        for suffix in ("", "-wal", "-shm"):
            Path(str(ctx.work_db) + suffix).unlink(missing_ok=True)
    return figures, datasets


def describe(figure: Figure) -> str:
    from bench.report import fmt

    if figure.skipped:
        return f"{figure.case}: skipped — {figure.skipped}"
    text = f"{figure.case}: {fmt(figure.value, figure.unit)}"
    if figure.base is not None:
        text += f" vs {fmt(figure.base, figure.unit)}"
    if figure.ratio is not None and figure.unit == "s":
        text += f" = {figure.ratio:.2f}x"
    if figure.same_result is not None:
        text += " (same result)" if figure.same_result else " (RESULTS DIFFER)"
    verdict = {True: "met", False: "NOT MET", None: ""}[figure.met]
    return f"{text} {verdict}".rstrip()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="store,large", help="comma-separated: tiny,store,large")
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (medians)")
    parser.add_argument("--cases", default="", help="comma-separated subset of the cases")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--out", type=Path, default=REPORT, help="the report to write")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    sizes = [s for s in args.sizes.split(",") if s]
    unknown = [s for s in sizes if s not in SIZES]
    if unknown:
        parser.error(f"unknown size {unknown[0]!r}; choose from {', '.join(SIZES)}")
    cases = [c for c in args.cases.split(",") if c] or None
    from bench.cases import CASES

    unknown = [c for c in cases or () if c not in CASES]
    if unknown:  # a misspelt case would otherwise run nothing and exit 0
        parser.error(f"unknown case {unknown[0]!r}; choose from {', '.join(CASES)}")
    started = time.time()
    figures, datasets = run_suite(sizes, runs=args.runs, cases=cases, data_dir=args.data_dir)
    command = "python -m bench" + (" " + " ".join(argv) if argv else "")
    if argv is None and len(sys.argv) > 1:
        command = "python -m bench " + " ".join(sys.argv[1:])
    if not args.no_write:
        from bench.report import write_report

        write_report(args.out, figures, datasets, command=command, seconds=time.time() - started)
        print(f"wrote {args.out}")
    errors = [f for f in figures if f.skipped.startswith("error")]
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
