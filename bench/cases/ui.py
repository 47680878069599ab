"""The screens a supervisor opens all day, timed in-process with Textual's Pilot.

Each action is timed from the keypress (or action call) until its table holds its rows and
every database worker it started has finished. The baseline is a minimal Textual app that
pushes a screen filling a DataTable with the same rows (same count, same columns, the same
texts), with no database at all.

While the actions run, a task on the same event loop wakes every 5 ms and records how late
it woke: the longest lateness is the longest time a keypress would have waited (the
"stall"). Target: no action at any size stalls input for more than 100 ms.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable

from bench.harness import Context, Figure, StallMeter, median, wait_until

STALL_LIMIT_MS = 100
SEARCH = "tanak"
# (figure key, screen as the palette names it, its table)
LISTS = (
    ("stories", "stories:StoriesScreen", "#stories"),
    ("issues", "process_issues:ProcessIssuesScreen", "#issues"),
)


def _screen_class(target: str):
    """The screen class `module:Class` under floorcoach.screens, or None if not written yet."""
    import importlib

    module, _, name = target.partition(":")
    try:
        return getattr(importlib.import_module(f"floorcoach.screens.{module}"), name, None)
    except ImportError:
        return None


def run(ctx: Context) -> list[Figure]:
    return asyncio.run(_run(ctx))


async def _run(ctx: Context) -> list[Figure]:
    plain = sqlite3.connect(f"file:{ctx.work_db}?mode=ro", uri=True)
    try:
        expected = _expected(plain, ctx)
    finally:
        plain.close()
    ours = await _floorcoach(ctx, expected)
    base = await _baseline(ctx, expected)
    runs = ours.pop("runs")
    figures = []
    for key, what, baseline in (
        ("list", "open the employee list (first page)", "a DataTable filled with the same rows"),
        ("page", "open an employee page (3 years of history)", "a DataTable, same rows"),
    ):
        times, stalls, same = ours[key]
        figures.append(
            Figure(
                case=f"ui-{key}",
                size=ctx.size,
                what=what,
                baseline=f"minimal Textual app: {baseline}",
                value=median(times),
                base=median(base[key]),
                runs=runs,
                same_result=same,
                note=f"{len(expected[key])} rows; action to table filled and workers done",
            )
        )
    stall_labels = {
        "list": "open the employee list",
        "page": "open an employee page",
        "search": f"type “{SEARCH}” in the employee search",
        "older": "page to older observations (m) and scroll",
        "home": "back to the home screen (reloads today)",
        "stories": "open the stories list (everyone)",
        "issues": "open the process issues (everyone)",
    }
    for key, label in stall_labels.items():
        if key not in ours:
            continue
        times, stalls, same = ours[key]
        base_stall = base.get(f"{key}-stall")
        figures.append(
            Figure(
                case=f"stall-{key}",
                size=ctx.size,
                what=label,
                baseline="minimal app showing the same table" if base_stall else "",
                value=max(stalls) * 1000,
                base=base_stall * 1000 if base_stall else None,
                unit="ms",
                limit=STALL_LIMIT_MS,
                limit_text=f"≤ {STALL_LIMIT_MS} ms",
                runs=runs,
                same_result=same,
                note=f"action took {median(times) * 1000:.0f} ms (median)"
                + (f"; {ours[key + '-rows']} rows" if key + "-rows" in ours else ""),
            )
        )
    return figures


def _expected(plain: sqlite3.Connection, ctx: Context) -> dict[str, list[tuple]]:
    """What each screen must show, asked of the database with plain SQL."""
    from floorcoach.screens.employees import PAGE

    employees = plain.execute(
        "SELECT id, name, coalesce(employee_ref, ''), team, 'active' FROM employee "
        "WHERE active = 1 ORDER BY team, name COLLATE NOCASE LIMIT ?",
        (PAGE,),
    ).fetchall()
    pattern = f"%{SEARCH}%"
    search = plain.execute(
        "SELECT id, name, coalesce(employee_ref, ''), team, 'active' FROM employee "
        "WHERE active = 1 AND (name LIKE ? OR employee_ref LIKE ?) "
        "ORDER BY team, name COLLATE NOCASE LIMIT ?",
        (pattern, pattern, PAGE),
    ).fetchall()
    timeline = plain.execute(
        "SELECT o.id, o.observed_at, b.title, o.outcome, o.note, b.touch_point, o.supervisor "
        "FROM observation o JOIN behaviour b ON b.id = o.behaviour_id "
        "WHERE o.employee_id = ? ORDER BY o.observed_at DESC LIMIT 100",
        (ctx.dataset.sample_employee_id,),
    ).fetchall()
    return {"list": employees, "search": search, "page": timeline}


def _idle(app) -> bool:
    return all(worker.is_finished for worker in app.workers)


async def _measure(
    meter: StallMeter, start: Callable[[], object], done: Callable[[], bool]
) -> tuple[float, float]:
    meter.window()
    started = time.perf_counter()
    result = start()
    if asyncio.iscoroutine(result):
        await result
    await wait_until(done)
    elapsed = time.perf_counter() - started
    await asyncio.sleep(0.02)  # let anything the fill scheduled run inside the window
    return elapsed, meter.longest


async def _floorcoach(ctx: Context, expected: dict[str, list[tuple]]) -> dict:
    from textual.css.query import NoMatches
    from textual.widgets import DataTable

    from floorcoach.app import FloorcoachApp
    from floorcoach.employees import get_employee
    from floorcoach.screens.employee_page import EmployeePage
    from floorcoach.screens.employees import EmployeesScreen
    from floorcoach.screens.home import HomeScreen
    from floorcoach.store import Store

    with Store.open(ctx.work_db, create=False) as store:
        person = get_employee(store, ctx.dataset.sample_employee_id)
    runs = max(3, ctx.runs)
    results: dict = {"runs": runs}
    app = FloorcoachApp(db_path=ctx.work_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(lambda: app.ready, timeout=120)
        await app.workers.wait_for_complete()
        await pilot.pause()
        meter = StallMeter()
        meter.start()

        def keys(table: DataTable) -> list[str]:
            return [row.value for row in table.rows]

        def table_of(screen_type, table_id: str) -> DataTable | None:
            screen = app.screen
            if not isinstance(screen, screen_type):
                return None
            try:
                return screen.query_one(table_id, DataTable)
            except NoMatches:  # still composing
                return None

        # The employee list: the first page of the roster.
        want = [row[0] for row in expected["list"]]
        times, stalls, same = [], [], True
        for _ in range(runs):

            def filled() -> bool:
                table = table_of(EmployeesScreen, "#employees")
                return table is not None and table.row_count == len(want) and _idle(app)

            elapsed, stall = await _measure(meter, app.action_show_employees, filled)
            times.append(elapsed)
            stalls.append(stall)
            same = same and keys(table_of(EmployeesScreen, "#employees")) == want
            # Type to search, on the same screen (measured on the first run only).
            if "search" not in results:
                results["search"] = await _search(app, pilot, meter, expected, keys, table_of)
            await pilot.pause()
            app.pop_screen()
            await wait_until(lambda: _idle(app))
        results["list"] = (times, stalls, same)

        # An employee page with years of history: the newest page of the timeline.
        want = [row[0] for row in expected["page"]]
        times, stalls, same = [], [], True
        older = None
        for _ in range(runs):

            def page_filled() -> bool:
                table = table_of(EmployeePage, "#timeline")
                return table is not None and table.row_count > 0 and _idle(app)

            elapsed, stall = await _measure(meter, lambda: app.open_employee(person), page_filled)
            times.append(elapsed)
            stalls.append(stall)
            shown = [k for k in keys(table_of(EmployeePage, "#timeline")) if k in set(want)]
            same = same and bool(shown) and shown == want[: len(shown)]
            if older is None:
                older = await _older(app, pilot, meter, table_of)
            await pilot.pause()
            app.pop_screen()
            await wait_until(lambda: _idle(app))
        results["page"] = (times, stalls, same)
        results["older"] = older

        # Back to the home screen, which reloads today's observations and its panels.
        times, stalls = [], []
        for _ in range(runs):
            app.action_show_employees()
            await wait_until(
                lambda: (
                    (t := table_of(EmployeesScreen, "#employees")) is not None
                    and t.row_count > 0
                    and _idle(app)
                )
            )
            await pilot.pause()

            def home_filled() -> bool:
                table = table_of(HomeScreen, "#today")
                return table is not None and table.row_count > 0 and _idle(app)

            async def back_home() -> None:
                app.pop_screen()
                await pilot.pause()  # the home screen resumes and starts its workers

            elapsed, stall = await _measure(meter, back_home, home_filled)
            times.append(elapsed)
            stalls.append(stall)
        results["home"] = (times, stalls, None)

        # The lists of another kind: stories and process issues, for everyone.
        for key, target, table_id in LISTS:
            screen_type = _screen_class(target)
            if screen_type is None:
                continue
            times, stalls, rows = [], [], 0
            for _ in range(runs):

                def list_filled(screen_type=screen_type, table_id=table_id) -> bool:
                    table = table_of(screen_type, table_id)
                    return table is not None and table.row_count > 0 and _idle(app)

                elapsed, stall = await _measure(
                    meter, lambda target=target: app.action_push(target), list_filled
                )
                times.append(elapsed)
                stalls.append(stall)
                rows = table_of(screen_type, table_id).row_count
                await pilot.pause()
                app.pop_screen()
                await wait_until(lambda: _idle(app))
            results[key] = (times, stalls, None)
            results[f"{key}-rows"] = rows
        meter.stop()
    return results


async def _search(app, pilot, meter, expected, keys, table_of) -> tuple:
    from textual.widgets import Input

    from floorcoach.screens.employees import EmployeesScreen

    want = [row[0] for row in expected["search"]]
    screen = app.screen
    screen.query_one("#search", Input).focus()
    await pilot.pause()

    async def type_it() -> None:
        for char in SEARCH:
            await pilot.press(char)

    def filtered() -> bool:
        table = table_of(EmployeesScreen, "#employees")
        return table is not None and keys(table) == want and _idle(app)

    elapsed, stall = await _measure(meter, type_it, filtered)
    screen.query_one("#search", Input).value = ""
    await wait_until(lambda: _idle(app))
    table = table_of(EmployeesScreen, "#employees")
    await wait_until(lambda: table.row_count == len(expected["list"]) and _idle(app))
    return [elapsed], [stall], True


async def _older(app, pilot, meter, table_of) -> tuple:
    from floorcoach.screens.employee_page import EmployeePage

    table = table_of(EmployeePage, "#timeline")
    table.focus()
    rows_before = table.row_count

    async def page_and_scroll() -> None:
        await pilot.press("m")
        await wait_until(lambda: table.row_count > rows_before and _idle(app))
        for _ in range(8):
            await pilot.press("pagedown")
        await pilot.press("end")
        await pilot.press("home")

    elapsed, stall = await _measure(meter, page_and_scroll, lambda: _idle(app))
    return [elapsed], [stall], table.row_count > rows_before


# --- the baseline ----------------------------------------------------------------------------


async def _baseline(ctx: Context, expected: dict[str, list[tuple]]) -> dict:
    from textual.app import App, ComposeResult
    from textual.screen import Screen
    from textual.widgets import DataTable

    class TableScreen(Screen):
        def __init__(self, columns: tuple[str, ...], rows: list[tuple]) -> None:
            super().__init__()
            self.columns, self.rows = columns, rows

        def compose(self) -> ComposeResult:
            yield DataTable(cursor_type="row", zebra_stripes=True)

        def on_mount(self) -> None:
            table = self.query_one(DataTable)
            table.add_columns(*self.columns)
            for row in self.rows:
                table.add_row(*row[1:], key=row[0])

    class Minimal(App[None]):
        pass

    shapes = {
        "list": (("Name", "Ref", "Team", "Status"), expected["list"]),
        "page": (
            ("When", "Behaviour", "Outcome", "Note", "Touch point", "By"),
            [(r[0], r[1][:16].replace("T", " "), *r[2:]) for r in expected["page"]],
        ),
    }
    results: dict = {}
    app = Minimal()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        meter = StallMeter()
        meter.start()
        for key, (columns, rows) in shapes.items():
            results[key] = []
            for _ in range(max(3, ctx.runs)):
                filled = _filled_check(app, TableScreen, DataTable, len(rows))

                elapsed, stall = await _measure(
                    meter, lambda c=columns, r=rows: app.push_screen(TableScreen(c, r)), filled
                )
                results[key].append(elapsed)
                results[f"{key}-stall"] = max(results.get(f"{key}-stall", 0.0), stall)
                app.pop_screen()
                await pilot.pause()
        meter.stop()
    return results


def _filled_check(app, screen_type, table_type, rows: int) -> Callable[[], bool]:
    def filled() -> bool:
        screen = app.screen
        if not isinstance(screen, screen_type) or not screen.children:
            return False
        return screen.query_one(table_type).row_count == rows

    return filled
