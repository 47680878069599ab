"""Start-up: from process start to the first painted home screen, in a real pseudo-terminal.

Both programs run as fresh processes with the same environment; the time is taken when a
text the first frame shows ("Today", the home screen's first panel title; a column title
of the minimal app's table) reaches the terminal. FLOORCOACH_EXIT_AFTER_FIRST_PAINT=1 makes
both quit right after, so each run is a real, complete start.
"""

from __future__ import annotations

from pathlib import Path

from bench.harness import Context, Figure, bench_env, interleaved, median, python, run_in_pty

MINIMAL_APP = Path(__file__).resolve().parent.parent / "apps" / "minimal_table.py"
HOME_MARKER = b"Today"  # the home screen's first panel title, in its very first frame


def run(ctx: Context) -> list[Figure]:
    env = bench_env(FLOORCOACH_EXIT_AFTER_FIRST_PAINT="1")
    floorcoach = [python(), "-m", "floorcoach", "--db", str(ctx.work_db)]
    minimal = [python(), str(MINIMAL_APP)]
    runs = max(3, ctx.runs * 2 + 1)
    # One untimed start of each warms the file cache and writes the .pyc files.
    run_in_pty(floorcoach, env, marker=HOME_MARKER)
    run_in_pty(minimal, env, marker=b"Employee")
    ours, base = interleaved(
        runs,
        lambda: run_in_pty(floorcoach, env, marker=HOME_MARKER),
        lambda: run_in_pty(minimal, env, marker=b"Employee"),
    )
    return [
        Figure(
            case="startup",
            size=ctx.size,
            what="start-up to the first painted home screen",
            baseline="minimal Textual app painting one table",
            value=median(ours),
            base=median(base),
            target=1.5,
            runs=runs,
            note="`python -m floorcoach --db …` in a pseudo-terminal, 120×40",
        )
    ]
