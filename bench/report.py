"""Write docs/performance.md: the machine, the command, and every figure beside its target."""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from bench.generate import NOW, Dataset
from bench.harness import Figure, sqlite3_cli

INTRO = """\
# Performance

A supervisor opens floorcoach many times a shift, often for ten seconds; a team that has
used it for three years has a million observations. This page shows, with numbers measured
next to baselines in the same run, that floorcoach stays fast at that size.

**This file is written by the benchmark suite** (`make bench`, i.e. `python -m bench`);
edit `bench/report.py` to change the text, not this file.

## How to read the tables

- Every time is the **median** of several runs (the *runs* column). The baseline is
  measured in the same run, interleaved with floorcoach, so both meet the same machine
  load; the **ratio** is floorcoach ÷ baseline and is what the targets are about.
- *Same result* says that floorcoach and its baseline computed the same thing (the same
  trend cells, the same team rows, the same exported cells, the same table rows). The
  smoke test (`tests/test_bench_smoke.py`) checks this at a small size on every test run.
- Two sizes: **store** (50 employees in 6 teams, one year, 10,000 observations) and
  **large** (2,000 employees in 100 teams, 1,000,000 observations and 100,000 coaching
  sessions over three years). The data is generated deterministically (seeded) by
  `bench/generate.py` into a database created by floorcoach's own schema and catalogue.
"""

METHOD = """\
## What each figure measures

| figure | floorcoach side | baseline | target |
|---|---|---|---|
| start-up | `python -m floorcoach --db …` in a real pseudo-terminal (120×40); from process start until the home screen's first frame reaches the terminal | `bench/apps/minimal_table.py`: a Textual app that paints one DataTable, timed the same way | ≤ 1.5x |
| save | `observations.log_observation` (checks, insert, history line, follow-up check, commit with `synchronous=FULL`) | plain `sqlite3` `BEGIN IMMEDIATE; INSERT; COMMIT` of the same row, same file, WAL + `synchronous=FULL` | ≤ 2x |
| trend | `trends.employee_trend(store, id, weeks=52)` for one person with three years of history | one hand-written `GROUP BY iso_week, behaviour_id` on a plain connection | ≤ 2x |
| team week | `trends.team_week(store, team, week)` (20 people at the large size) | one hand-written `LEFT JOIN … GROUP BY` with the same numbers | ≤ 2x |
| export | `export.write_export(store, "observations", path)` in its own process | `sqlite3 -readonly -csv -header` with the same columns, joins and order | ≤ 3x, peak memory < 150 MB |
| export xlsx | `xlsx_export.write_workbook(store, "observations", path)` in its own process (filters checked, rows counted, About sheet, temporary name, fsync, rename) | `bench/apps/xlsx_baseline.py`: XlsxWriter (`constant_memory`) writing the same typed cells straight from one cursor | ≤ 1.3x, peak memory < 150 MB |
| UI | Pilot, in-process: from the action until the table holds its rows and every worker it started has finished | a minimal Textual app pushing a screen that fills a DataTable with the same rows | (reported) |
| stall | the longest time the event loop could not run during each action (a 5 ms ticker's lateness): how long a keypress would wait | — | ≤ 100 ms |
| first sync | `sync.sync(store)`, in-process, on a device holding a tenth of the size's observations (100,000 at the large size) and their history lines, joined as a supervisor, into a fresh org store (a copy of one made by `org init`, on a PostgreSQL server the case starts in a temporary folder); from connecting until the last local write | psycopg `cursor.copy()` of the same rows (in memory) into the same org tables of another fresh copy, in one transaction, as the administrator (PostgreSQL refuses `COPY FROM` into a table under row-level security); same result: both stores hold the same rows | ≤ 2x |
| sync, nothing to do | the same device syncing again right after (push finds nothing, pull brings nothing) | a connection as the same login and one `SELECT 1` (for scale) | ≤ 50 ms |
| pull | `sync.sync(store)` on a team lead's device that joined before those observations reached the org: it pulls them (stored read-only, as another supervisor's) | one plain `SELECT` of the same rows as the lead, each value in the device's stored form, then an SQLite `executemany` insert into the device's `observation` table and a commit; same result: the same rows in the device's table | ≤ 2x |

Start-up is timed to the first frame, not to the data: floorcoach paints its home screen
first and then opens the database in a worker (`FloorcoachApp.on_ready`). The benchmark
starts the app with `FLOORCOACH_EXIT_AFTER_FIRST_PAINT=1`, which only makes it quit right
after that first frame (both apps do the same), so each run is a complete, fresh start.

The benchmark runs with `TZ=UTC` and `FLOORCOACH_NOW={now}` so every run and every cached
database agree on "today". Generated observations have no history lines (a real database
has one per record); everything else is as floorcoach writes it.
"""

NOTES = """\
## What keeps it fast

- **Nothing at start-up grows with the records.** The first frame is painted before the
  database is touched; the workspace (catalogue check, schema check, "is it empty?" as an
  `EXISTS`, not a count) opens in a worker after it. `floorcoach` and
  `floorcoach --db PATH` start the app without building the argparse tree of every
  subcommand (about 20 ms, growing with each feature's CLI module); pydantic, sqlite-utils
  and the screens other than home are imported only when first needed. sqlite-utils
  (about 50 ms) is needed only to migrate: the newest schema number is read from the
  migration modules' file names, so opening an up-to-date database never imports it
  (`tests/test_import_hygiene.py` checks this).
- **Workbooks stream in constant memory.** `--format xlsx` uses XlsxWriter in
  `constant_memory` mode: each row goes to a temporary file as it is written and the
  workbook is zipped at the end, so memory does not grow with the rows. Chosen by
  measurement: 100,000 rows of the observations export's shape (24 columns: text, dates,
  date-times, booleans) took **21.2 s and 21 MB peak RSS with XlsxWriter
  (`constant_memory`) against 32.0 s and 24 MB with openpyxl's write-only mode** (no lxml
  installed; 2-core machine shared with other work, same run). XlsxWriter also escapes
  control characters as Excel does (`_x000D_`) and reports a text too long for a cell,
  which floorcoach turns into a refusal rather than a cut note. Dates and date-times come
  out of SQLite as Excel serial numbers (`julianday() - 2415018.5`), so Python parses no
  date, and the row loop calls XlsxWriter's typed writers directly, the columns grouped by
  type once (no type sniffing per cell): the export costs what the baseline costs plus
  start-up, the row count and the About sheet (1.08x at the store size, 10,000 rows).
- **Tables stay small.** Textual's DataTable measures every cell on the event loop, so
  screens load a page: the employee list 200 rows (type to narrow), a timeline 100 rows
  with keyset paging (`m` for older), today's log the latest 60 (the title gives the
  full count), stories the newest 60. Aggregates (trends, team weeks) are computed in SQL.
  Once the home screen is up, the other screens are imported in a thread, so the first
  open of each costs no more than the next.
- **Indexes.** Every screen's query is checked with `EXPLAIN QUERY PLAN` in
  `tests/test_query_plans.py`: the timeline, today's log, the trend, the team week, who's
  next, stories and process issues use an index, never a full scan of `observation`.
  The covering index `observation(employee_id, local_date, iso_week, behaviour_id,
  outcome, cause)` answers trends and team weeks from the index alone.
- **The garbage collector is kept out of the way (`floorcoach/gc_tuning.py`).** Most of the
  input stalls once measured here were not our code nor Textual's rendering but Python's
  full collections: every few screens closed, one scanned the 150,000 objects that
  Textual, the screens and the catalogue keep alive, and held the loop for 60–100 ms.
  Once start-up is done the app collects once and freezes the survivors (`gc.freeze`),
  so later scans skip them, and it raises the young-generation threshold from 700 to
  10,000 so collections come less often. The longest stall fell from 104–138 ms to
  about 40–60 ms at the large size. The minimal app in the baseline column runs with
  Python's defaults (the app puts them back when it closes), which is why its stalls are
  longer than ours for the same table. Filling tables a batch per frame was tried as
  well and measured worse (more stalls and 2x the time to a full table).
- **A sync with nothing to do reads no record (device schema 9).** Finding what the org
  store lacks means joining every observation, session, history entry and tombstone
  against `org_pushed`, `org_foreign` and `org_conflict`: about 0.7 s with 100,000
  observations. Triggers now raise a change count (`org_change.seq`) on every change
  that can give a push something to send, and the push notes the count it started from;
  while the two are equal the push skips the search, and the waiting-for-the-roster
  count starts from the people the roster lacks. 685–704 ms became about 22 ms at the
  large size, of which the connection and its login are about 8 ms. The triggers cost
  the generator of the 1,000,000-row database about 10 % (47 → 53 s).

## Where the targets are not met yet, and why

- **Saving (≤ 2x).** `log_observation` spends about 0.25 ms of Python per save (the
  reference checks, the history JSON, the follow-up check; the saved record is built from
  the values written, not read back) on top of the one `fsync` the baseline also pays
  (0.3–0.6 ms here), so the ratio sits around 1.7–2.1x depending on the disk's mood.
- **Start-up (≤ 1.5x).** It sits at about 1.5x. Most of what is left is parsing
  `app.tcss` (about 25 ms for ~300 lines, every screen's rules, before the first frame)
  and the header and footer; moving screen-specific rules into per-screen CSS would
  take it below.
- **Small exports (≤ 3x), not met now.** At 10,000 rows the export process takes about
  250 ms against about 50 ms for the whole `sqlite3` run. About 110 ms of it is importing
  pydantic and the models, which opening the workspace now pulls in through the catalogue
  check (`workspace` → `catalogue_files` → `models`); the rows themselves take about
  55 ms (the file is fsynced, then renamed into place). Opening an up-to-date database
  without the models, as the export did before, is the way back (issue #16). At a
  million rows, which is what the target is about, it is met with room to spare.
- **First sync (≤ 2x), store size.** The target is about 100,000 observations (the large
  size), where it is met. Most of the server's time is PostgreSQL checking row-level
  security for each row pushed; the baseline is a `COPY` as the administrator, which
  PostgreSQL exempts from the policies. Org schema step 3 made the policies ask who is
  asking once per statement (13.3 s → 9.3 s for 100,000 observations, 2.15x → 1.89x in
  single-case runs), which is what brought it under 2x at the large size. At the store
  size (1,000 observations) it is still about 2.5x: there the fixed costs (the login, the
  schema check, the temporary tables) weigh against a 50 ms `COPY`.

## Running it

    make bench                                   # both sizes, writes this file
    .venv/bin/python -m bench --sizes store --runs 3 --no-write   # a quick look
    .venv/bin/python -m bench --cases startup,ui  # only some cases

The first run at the large size generates the database (about half a minute here) and
caches it in `bench/.data/` (git-ignored); later runs reuse it until the generator, a
migration or the catalogue changes. Do not run the large benchmark while the test suite
runs: both want the two cores.
"""


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "s":
        if value < 0.001:
            return f"{value * 1_000_000:.0f} µs"
        if value < 1:
            return f"{value * 1000:.1f} ms" if value < 0.1 else f"{value * 1000:.0f} ms"
        return f"{value:.2f} s"
    if unit == "ms":
        return f"{value:.0f} ms"
    return f"{value:.0f} {unit}"


def _verdict(figure: Figure) -> str:
    if figure.skipped:
        return "skipped"
    return {True: "✅ met", False: "❌ not met", None: "–"}[figure.met]


def _target(figure: Figure) -> str:
    parts = []
    if figure.target is not None:
        parts.append(f"≤ {figure.target:g}x")
    if figure.limit_text:
        parts.append(figure.limit_text)
    return ", ".join(parts) or "–"


def _same(figure: Figure) -> str:
    return {True: "yes", False: "**no**", None: "–"}[figure.same_result]


def _machine() -> list[tuple[str, str]]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f"{pages / 2**30:.0f} GB"
    except (ValueError, OSError):
        pass
    cli = sqlite3_cli()
    cli_version = ""
    if cli:
        out = subprocess.run([cli, "--version"], capture_output=True, text=True).stdout
        cli_version = out.split()[0] if out else ""
    return [
        ("CPU", f"{cpu}, {os.cpu_count()} cores (`nproc`)"),
        ("memory", memory),
        ("system", f"{platform.system()} {platform.release()}"),
        ("Python", platform.python_version()),
        ("SQLite (Python module)", sqlite3.sqlite_version),
        ("sqlite3 command", cli_version or "not installed"),
        ("Textual", metadata.version("textual")),
        ("floorcoach", metadata.version("floorcoach")),
    ]


def render(figures: list[Figure], datasets: list[Dataset], *, command: str, seconds: float) -> str:
    lines = [INTRO, "## Latest results", ""]
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines += [f"Measured {when} with `{command}` (took {seconds / 60:.1f} min).", ""]
    lines += ["| machine | |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in _machine()]
    lines += ["", "### Against baselines", ""]
    lines += [
        "| size | what | floorcoach | baseline | ratio | target | met | same result | runs | notes |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for f in figures:
        if f.case.startswith("stall-"):
            continue
        if f.skipped:
            lines.append(
                f"| {f.size} | {f.what} | – | – | – | {_target(f)} | skipped | – | – | "
                f"{f.skipped} |"
            )
            continue
        ratio = f"{f.ratio:.2f}x" if f.ratio is not None and f.unit == "s" else "–"
        base = f"{fmt(f.base, f.unit)} ({f.baseline})" if f.base is not None else "–"
        lines.append(
            f"| {f.size} | {f.what} | {fmt(f.value, f.unit)} | {base} | {ratio} | "
            f"{_target(f)} | {_verdict(f)} | {_same(f)} | {f.runs} | {f.note} |"
        )
    stalls = [f for f in figures if f.case.startswith("stall-")]
    if stalls:
        lines += ["", "### Responsiveness: the longest time input waited", ""]
        lines += [
            "| size | action | longest stall | minimal app, same table | target | met | notes |",
            "|---|---|---|---|---|---|---|",
        ]
        for f in stalls:
            if f.skipped:
                lines.append(
                    f"| {f.size} | {f.what} | – | – | {_target(f)} | skipped | {f.skipped} |"
                )
                continue
            lines.append(
                f"| {f.size} | {f.what} | {fmt(f.value, f.unit)} | {fmt(f.base, f.unit)} | "
                f"{_target(f)} | {_verdict(f)} | {f.note} |"
            )
    lines += ["", "### The generated data", ""]
    lines += [
        "| size | employees | teams | observations | coaching sessions | generated in |",
        "|---|---|---|---|---|---|",
    ]
    for d in datasets:
        lines.append(
            f"| {d.size} | {d.employees:,} | {d.teams} | {d.observations:,} | "
            f"{d.coaching_sessions:,} | {d.generated_in_s:.0f} s (cached after) |"
        )
    lines += ["", METHOD.format(now=NOW), NOTES]
    return "\n".join(lines).rstrip() + "\n"


def write_report(
    path: Path, figures: list[Figure], datasets: list[Dataset], *, command: str, seconds: float
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(figures, datasets, command=command, seconds=seconds), encoding="utf-8")
