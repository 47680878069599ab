"""Floor-ready at any terminal size (issue 11): every key a screen's README row lists is
reachable from its footer or from `?`; footers are never cut; tables keep what a
supervisor reads first at 80 columns and use the room at 160; the week grids show whole
columns, newest weeks in view, and answer the arrow keys at once; the team review says
what it sorts and counts; checkboxes read right without colour."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.widgets import DataTable, Footer
from textual.widgets._footer import FooterKey

from floorcoach.app import FloorcoachApp
from floorcoach.catalogue_store import list_behaviours
from floorcoach.demo import generate_demo
from floorcoach.employees import list_employees
from floorcoach.models import ObservationInput
from floorcoach.observations import log_observation
from floorcoach.screens.behaviour_view import BehaviourViewScreen
from floorcoach.screens.coaching_form import CoachingForm
from floorcoach.screens.employee_page import EmployeePage
from floorcoach.screens.process_issues import ProcessIssuesScreen
from floorcoach.screens.stories import StoriesScreen
from floorcoach.screens.team_review import RECOGNITION_DEFINED
from floorcoach.widgets.keys_help import KeysHelp
from floorcoach.widgets.trend_grid import change_text

from .conftest import SUPERVISOR, pinned_now
from .pilot import press_all, settle, wait_for_rows, wait_for_screen, wait_ready

README = Path(__file__).resolve().parents[1] / "README.md"
SIZES = [(80, 24), (120, 40), (160, 50)]
NOW = "2026-11-25T15:30:00+00:00"

# README key names -> Textual key names
_KEY_NAMES = {
    "Enter": "enter",
    "Escape": "escape",
    "Delete": "delete",
    "←": "left",
    "→": "right",
    "[": "left_square_bracket",
    "]": "right_square_bracket",
    "?": "question_mark",
}


def readme_keys(where: str) -> set[str]:
    """The keys README's key table lists for a screen (rows naming it, and `everywhere`)."""
    keys: set[str] = set()
    for line in README.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 3 or cells[0] in ("where", "---"):
            continue
        places = {place.strip() for place in cells[0].split(",")}
        if where in places or "everywhere" in places:
            keys |= {_KEY_NAMES.get(k, k) for k in re.findall(r"`([^`]+)`", cells[1])}
    return keys


@pytest.fixture
def demo(store, monkeypatch):
    pinned_now(monkeypatch, NOW)
    generate_demo(store, employees=12, weeks=20, seed=1)
    return list_employees(store)


async def _open(app, pilot, where: str, demo) -> object:
    """Go to a screen the way a supervisor does; returns it, loaded."""
    await wait_ready(app, pilot)
    if where == "home":
        await wait_for_rows(app, pilot, "#today")
    elif where == "employee page":
        app.open_employee(demo[0])
        await wait_for_screen(app, pilot, EmployeePage)
        await wait_for_rows(app, pilot, "#timeline")
    elif where == "trend":
        app.open_employee(demo[0])
        await wait_for_screen(app, pilot, EmployeePage)
        await press_all(app, pilot, "t")
        await wait_for_rows(app, pilot, "#trend-table")
    elif where == "team review":
        await press_all(app, pilot, "r")
        await wait_for_rows(app, pilot, "#review")
    elif where == "follow-ups":
        await press_all(app, pilot, "f")
        await wait_for_rows(app, pilot, "#follow-ups")
    else:
        screen = {
            "behaviour trends": BehaviourViewScreen,
            "stories": StoriesScreen,
            "process issues": ProcessIssuesScreen,
        }[where]
        app.push_screen(screen())
        await wait_for_screen(app, pilot, screen)
    await settle(app, pilot)
    return app.screen


SCREENS = [
    "home",
    "employee page",
    "trend",
    "team review",
    "follow-ups",
    "behaviour trends",
    "stories",
    "process issues",
]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("where", SCREENS)
async def test_the_footer_shows_whole_keys_and_the_question_mark_at_every_size(
    db_path, demo, where, size
):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=size) as pilot:
        screen = await _open(app, pilot, where, demo)
        footer = screen.query_one(Footer)
        keys = list(footer.query(FooterKey))
        palette = [k for k in keys if k.has_class("-command-palette")]
        shown = [k for k in keys if not k.has_class("-command-palette")]
        right = palette[0].region.x if palette else footer.region.right
        cut = [f"{k.key} {k.description}" for k in shown if k.region.right > right]
        assert not cut, f"cut off or hidden at {size}: {cut}"
        assert footer.max_scroll_x == 0
        assert "question_mark" in [k.key for k in shown]


@pytest.mark.parametrize(
    "where", ["home", "employee page", "team review", "follow-ups"], ids=lambda w: w
)
async def test_every_key_in_the_readme_row_is_listed_by_question_mark(db_path, demo, where):
    wanted = readme_keys(where)
    assert wanted, f"README lists no keys for {where}"
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(app, pilot, where, demo)
        bindings = screen.active_bindings
        palette = app.COMMAND_PALETTE_BINDING  # Textual's own binding: listed by name
        missing = sorted(
            k for k in wanted - {palette} if k not in bindings or not bindings[k].binding.id
        )
        assert not missing, f"README keys with no binding on {where}: {missing}"
        await press_all(app, pilot, "question_mark")
        help_screen = await wait_for_screen(app, pilot, KeysHelp)
        listed = str(help_screen.query_one("#keys-text").content)
        assert "command palette" in listed
        for key in wanted - {palette}:
            binding = bindings[key].binding
            assert (binding.tooltip or binding.description) in listed, key
            assert app.get_key_display(binding.with_key(key)) in listed, key
        await press_all(app, pilot, "question_mark")  # ? closes it again
        assert app.screen is screen


def _visible(table: DataTable) -> list[str]:
    """The headers of the columns that are whole on view (the table scrolled to its left)."""
    width, x, shown = table.scrollable_content_region.width, 0, []
    for column in table.ordered_columns:
        x += column.get_render_width(table)
        if x <= width:
            shown.append(str(column.label))
    return shown


@pytest.fixture
def todays_long_title(store, team, monkeypatch):
    """Today's observations, one of them of the behaviour with the longest title."""
    pinned_now(monkeypatch, NOW)
    longest = max(list_behaviours(store), key=lambda b: len(b.title))
    assert len(longest.title) > 40
    for employee, behaviour, outcome, cause in (
        (team[0], longest.id, "missed", "system"),
        (team[1], "greeting.eye-contact", "met", None),
    ):
        data = ObservationInput(
            employee_id=employee.id,
            behaviour_id=behaviour,
            outcome=outcome,
            cause=cause,
            note="The card reader was offline for most of the afternoon, so a queue formed",
        )
        log_observation(store, data, supervisor=SUPERVISOR)
    return longest.title


@pytest.mark.parametrize(
    ("size", "wanted"),
    [
        ((80, 24), {"Employee", "Behaviour", "Outcome"}),
        ((120, 40), {"Time", "Employee", "Behaviour", "Outcome", "Note"}),
        ((160, 50), {"Time", "Employee", "Behaviour", "Outcome", "Note"}),
    ],
    ids=["80x24", "120x40", "160x50"],
)
async def test_the_home_table_keeps_what_matters_at_every_size(
    db_path, todays_long_title, size, wanted
):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=size) as pilot:
        await wait_ready(app, pilot)
        table = await wait_for_rows(app, pilot, "#today")
        assert wanted <= set(_visible(table))
        if size[0] >= 120:  # room enough: the longest behaviour title is not cut
            behaviour = [str(c.label) for c in table.ordered_columns].index("Behaviour")
            cells = [table.get_row_at(i)[behaviour] for i in range(table.row_count)]
            assert todays_long_title in [str(cell) for cell in cells]


@pytest.mark.parametrize(
    ("size", "wanted"),
    [
        ((80, 24), {"When", "Behaviour", "Outcome"}),
        ((120, 40), {"When", "Behaviour", "Outcome", "Note"}),
    ],
    ids=["80x24", "120x40"],
)
async def test_the_employee_timeline_keeps_what_matters(db_path, demo, size, wanted):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=size) as pilot:
        screen = await _open(app, pilot, "employee page", demo)
        assert wanted <= set(_visible(screen.query_one("#timeline", DataTable)))


async def test_the_team_review_at_80_columns_keeps_name_rate_and_change(db_path, demo):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(app, pilot, "team review", demo)
        shown = set(_visible(screen.query_one("#review", DataTable)))
        assert {"Employee", "Met-rate", "Change", "Last observed"} <= shown


def _week_edges(table: DataTable) -> list[int]:
    """Scroll positions at which a whole week column starts right after the fixed ones."""
    edges, x = [0], 0
    for column in table.ordered_columns[table.fixed_columns :]:
        x += column.get_render_width(table)
        edges.append(x)
    return edges


def _newest_in_view(table: DataTable) -> bool:
    width = table.scrollable_content_region.width
    total = sum(column.get_render_width(table) for column in table.ordered_columns)
    return total - round(table.scroll_x) <= width


async def test_the_52_week_trend_shows_whole_weeks_and_answers_the_arrows_at_once(db_path, demo):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_ready(app, pilot)
        app.open_employee(demo[0])
        page = await wait_for_screen(app, pilot, EmployeePage)
        await settle(app, pilot)
        await press_all(app, pilot, "w")  # straight to 52 weeks, no Tab
        table = page.query_one("#trend-table", DataTable)
        await wait_for_rows(app, pilot, "#trend-table")
        assert len(table.columns) == 54  # label, 52 weeks, all weeks
        assert table.max_scroll_x > 0
        assert round(table.scroll_x) == table.max_scroll_x  # the newest weeks
        assert _newest_in_view(table)
        edges = _week_edges(table)
        assert round(table.scroll_x) in edges  # the first week on view is whole

        await press_all(app, pilot, "left")
        before = [e for e in edges if e < table.max_scroll_x][-1]
        assert round(table.scroll_x) == before  # one week back, still whole
        await press_all(app, pilot, "home")
        assert table.scroll_x == 0
        await press_all(app, pilot, "end")
        assert round(table.scroll_x) == table.max_scroll_x
        header = str(table.ordered_columns[-2].label)  # the newest week: "23 Nov\nW48"
        assert re.match(r"\d\d \w{3}\n", header)


async def test_team_wide_behaviour_trends_at_160_show_the_newest_weeks(db_path, demo):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await _open(app, pilot, "behaviour trends", demo)
        table = await wait_for_rows(app, pilot, "#behaviours")
        await settle(app, pilot)
        assert table.max_scroll_x > 0  # twelve weeks do not fit 160 columns
        assert _newest_in_view(table)
        assert round(table.scroll_x) in _week_edges(table)
        assert [str(c.label) for c in table.ordered_columns[:2]] == ["Behaviour", "Change"]
        assert screen.query_one("#behaviours").has_focus


async def test_the_team_review_says_where_sorting_puts_provisional_rows(db_path, demo):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(app, pilot, "team review", demo)
        await press_all(app, pilot, "s", "s", "s")  # name -> observations -> met-rate -> change
        summary = str(screen.query_one("#review-summary").content)
        assert "by change" in summary
        assert "provisional ~ after the others" in summary
        await press_all(app, pilot, "r")
        summary = str(screen.query_one("#review-summary").content)
        assert "then provisional ~" in summary


async def test_a_past_week_does_not_say_this_week(db_path, demo):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(app, pilot, "team review", demo)
        assert "unobserved this week" in str(screen.query_one("#review-summary").content)
        await press_all(app, pilot, "left_square_bracket")
        await wait_for_rows(app, pilot, "#review")
        summary = str(screen.query_one("#review-summary").content)
        assert "this week" not in summary
        assert "unobserved that week" in summary


async def test_changes_read_as_an_arrow_and_points_and_rec_corr_is_defined(db_path, demo):
    assert change_text(-0.8, provisional=True).plain == "▼ ~80 pts"
    assert change_text(0.12).plain == "▲ 12 pts"
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await _open(app, pilot, "team review", demo)
        table = screen.query_one("#review", DataTable)
        change = [str(c.label) for c in table.ordered_columns].index("Change")
        cells = [str(table.get_row_at(i)[change]) for i in range(table.row_count)]
        assert cells and not [cell for cell in cells if "~-" in cell or "~+" in cell]
        legend = str(screen.query_one("#review-legend").content)
        assert RECOGNITION_DEFINED in legend
        assert "development" in legend
    docs = (README.parent / "docs" / "trends.md").read_text(encoding="utf-8")
    assert RECOGNITION_DEFINED in docs.replace("\n", " ")


@pytest.mark.parametrize("no_color", [False, True], ids=["colour", "NO_COLOR"])
async def test_the_acknowledged_checkbox_reads_unticked_until_ticked(
    db_path, demo, monkeypatch, no_color
):
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await _open(app, pilot, "employee page", demo)
        await press_all(app, pilot, "k")
        form = await wait_for_screen(app, pilot, CoachingForm)
        await settle(app, pilot)
        box = form.query_one("#acknowledged")
        assert box.render().plain.startswith("[ ] Acknowledged")
        box.value = True
        await settle(app, pilot)
        assert box.render().plain.startswith("[x] Acknowledged")
