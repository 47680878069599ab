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
from floorcoach.screens.coaching_record import CoachingRecordScreen
from floorcoach.screens.employee_page import EmployeePage
from floorcoach.screens.export import ExportScreen
from floorcoach.screens.focus import FocusForm, FocusScreen
from floorcoach.screens.observation_form import ObservationForm
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
    "/": "slash",
    "F1": "f1",
    "F2": "f2",
    "↑": "up",
    "↓": "down",
    "Home": "home",
    "End": "end",
    "Tab": "tab",
}


def readme_tokens(where: str, *, everywhere: bool = True) -> set[str]:
    """The keys README's key table lists for a screen (rows naming it, and `everywhere`),
    as the README writes them (`Enter`, `1`, `ctrl+s`)."""
    keys: set[str] = set()
    for line in README.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 3 or cells[0] in ("where", "---"):
            continue
        places = {place.strip() for place in cells[0].split(",")}
        if where in places or (everywhere and "everywhere" in places):
            keys |= set(re.findall(r"`([^`]+)`", cells[1]))
    return keys


def readme_keys(where: str) -> set[str]:
    """`readme_tokens` as Textual names its keys (`enter`, `left_square_bracket`)."""
    return {_KEY_NAMES.get(k, k) for k in readme_tokens(where)}


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
    elif where.startswith("observation form"):
        await press_all(app, pilot, "o", *demo[0].name.split()[0].lower(), "enter")
        await wait_for_screen(app, pilot, ObservationForm)
        if where == "observation form, outcome":  # a behaviour picked: the outcome's keys
            await press_all(app, pilot, "1", "enter")
        elif where == "observation form, note":
            await press_all(app, pilot, "1", "enter", "m")
    elif where.startswith("coaching form"):
        await app.run_action("push('coaching_form:CoachingForm')")
        await wait_for_screen(app, pilot, CoachingForm)
        if where == "coaching form, kind":  # a person and a behaviour: the kind's keys
            await press_all(app, pilot, *demo[0].name.lower(), "enter", "1", "enter")
    elif where == "coaching record":
        await press_all(app, pilot, "f")
        await wait_for_rows(app, pilot, "#follow-ups")
        await press_all(app, pilot, "enter")
        await wait_for_screen(app, pilot, CoachingRecordScreen)
    elif where == "employees":
        await press_all(app, pilot, "e")
        await wait_for_rows(app, pilot, "#employees")
    elif where in ("focus", "focus form"):
        await app.run_action("push('focus:FocusScreen')")
        await wait_for_screen(app, pilot, FocusScreen)
        if where == "focus form":
            await settle(app, pilot)
            app.screen.action_new()
            await wait_for_screen(app, pilot, FocusForm)
    elif where == "export":
        await app.run_action("push('export:ExportScreen')")
        await wait_for_screen(app, pilot, ExportScreen)
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


def _whole_footer(screen, size) -> list[FooterKey]:
    """The footer's keys, none cut off or pushed under the palette key."""
    footer = screen.query_one(Footer)
    keys = list(footer.query(FooterKey))
    palette = [k for k in keys if k.has_class("-command-palette")]
    shown = [k for k in keys if not k.has_class("-command-palette")]
    right = palette[0].region.x if palette else footer.region.right
    cut = [f"{k.key} {k.description}" for k in shown if k.region.right > right]
    assert not cut, f"cut off or hidden at {size}: {cut}"
    assert footer.max_scroll_x == 0
    return shown


def _assert_whole_footer_with_question_mark(screen, size) -> None:
    assert "question_mark" in [k.key for k in _whole_footer(screen, size)]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("where", SCREENS)
async def test_the_footer_shows_whole_keys_and_the_question_mark_at_every_size(
    db_path, demo, where, size
):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=size) as pilot:
        screen = await _open(app, pilot, where, demo)
        _assert_whole_footer_with_question_mark(screen, size)


# The other full screens: forms and records. 80 columns is the narrowest; wider fits more.
OTHER_SCREENS = [
    "observation form",
    "observation form, outcome",
    "observation form, note",
    "coaching form",
    "coaching form, kind",
    "coaching record",
    "employees",
    "focus",
    "focus form",
    "export",
]


@pytest.mark.parametrize("where", OTHER_SCREENS)
async def test_every_other_screen_shows_question_mark_in_its_footer_at_80_columns(
    db_path, demo, where
):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(app, pilot, where, demo)
        await settle(app, pilot)
        shown = _whole_footer(screen, (80, 24))
        # `?` where it is a key; F2 where the field in focus would take `?` as a character.
        [help_key] = [k.key for k in shown if k.action.endswith("show_keys")]
        await press_all(app, pilot, help_key)
        await wait_for_screen(app, pilot, KeysHelp)
        await press_all(app, pilot, help_key)
        assert app.screen is screen


async def test_the_employee_lists_keys_key_stays_in_its_footer_at_80_columns(db_path, demo):
    """Found walking a shift: with the list focused, its eleven keys pushed `?` off the
    footer at 80 columns. It comes right after Back now; what is cut is listed by `?`."""
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(app, pilot, "employees", demo)
        await press_all(app, pilot, "down")
        await settle(app, pilot)
        footer = screen.query_one(Footer)
        palette = [k for k in footer.query(FooterKey) if k.has_class("-command-palette")]
        [help_key] = [
            k
            for k in footer.query(FooterKey)
            if k.action.endswith("show_keys") and k.region.right <= palette[0].region.x
        ]
        await press_all(app, pilot, help_key.key)
        await wait_for_screen(app, pilot, KeysHelp)


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


def test_recognition_to_correction_reads_as_words_not_as_to_one():
    from floorcoach.coaching_progress import describe_ratio

    assert describe_ratio(6, 2) == (
        "Recognition 6 : correction 2 (3 recognitions for every correction)"
    )
    assert describe_ratio(1, 4) == (
        "Recognition 1 : correction 4 (1 recognition for every 4 corrections)"
    )
    assert describe_ratio(3, 2).endswith("(1.5 recognitions for every correction)")
    assert describe_ratio(2, 2).endswith("(1 recognition for every correction)")
    assert describe_ratio(0, 0).endswith("(nothing yet)")
    for counts in ((6, 2), (1, 4), (3, 2), (7, 3)):
        assert " to 1" not in describe_ratio(*counts)
    docs = " ".join((README.parent / "docs" / "coaching.md").read_text(encoding="utf-8").split())
    assert describe_ratio(6, 2) in docs and describe_ratio(1, 4) in docs  # said the same way


async def test_the_employee_page_says_the_ratio_in_words(db_path, store, demo):
    from floorcoach.coaching_progress import describe_ratio, employee_coaching_summary

    summaries = [(e, employee_coaching_summary(store, e.id)) for e in demo]
    person, summary = next(
        (e, s) for e, s in summaries if s.recognition and s.correction
    )  # the demo has someone with both
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        app.open_employee(person)
        page = await wait_for_screen(app, pilot, EmployeePage)
        await settle(app, pilot)
        shown = " ".join(str(page.query_one("#coaching-summary").content).split())
        assert describe_ratio(summary.recognition, summary.correction) in shown
        assert "for every" in shown and " to 1)" not in shown


@pytest.mark.parametrize("no_color", [False, True], ids=["colour", "NO_COLOR"])
async def test_the_export_screen_is_for_hr_and_its_excel_box_reads_unticked_until_ticked(
    db_path, team, monkeypatch, no_color
):
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await app.run_action("push('export:ExportScreen')")
        screen = await wait_for_screen(app, pilot, ExportScreen)
        await settle(app, pilot)
        assert screen.sub_title == "Export for HR"
        assert "CSV for HR" not in str(screen.query_one(".panel-title").content)
        box = screen.query_one("#export-excel")
        assert box.render().plain.startswith("[ ] For Excel")
        box.value = True
        await settle(app, pilot)
        assert box.render().plain.startswith("[x] For Excel")


# Textual's own keys on a focused table or list (no id, so `?` does not list them): the
# README may name them for the screen where they act.
_OWN_KEYS = {"left", "right", "up", "down", "home", "end", "enter", "tab"}

README_SCREENS = [
    "home",
    "employees",
    "employee page",
    "trend",
    "team review",
    "follow-ups",
    "coaching record",
    "behaviour trends",
    "stories",
    "process issues",
    "observation form",
    "coaching form",
    "focus",
    "focus form",
    "export",
]


@pytest.mark.parametrize("where", README_SCREENS)
async def test_the_readme_key_table_matches_each_screen_both_ways(db_path, demo, where):
    """Each key in the screen's README rows is a key there, listed by `?` (a binding, or a
    key its fields read as typed); each key in its footer is in its README rows."""
    assert readme_tokens(where, everywhere=False), f"README has no row for {where}"
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await _open(app, pilot, where, demo)
        if where == "employees":  # the list's keys act on the list: ↓ from the search
            await press_all(app, pilot, "down")
        await settle(app, pilot)
        bindings = screen.active_bindings
        typed = {
            token
            for keys, _ in getattr(screen, "TYPED_KEYS", ())
            for token in re.split(r"[\s,/–]+", keys)
            if token
        }
        footer = [k for k in screen.query_one(Footer).query(FooterKey)]
        [help_key] = [k.key for k in footer if k.action.endswith("show_keys")]
        await press_all(app, pilot, help_key)
        help_screen = await wait_for_screen(app, pilot, KeysHelp)
        listed = str(help_screen.query_one("#keys-text").content)
        for token in readme_tokens(where) - {"ctrl+p"}:  # the palette: Textual's, by name
            key = _KEY_NAMES.get(token, token)
            if key == "question_mark" and help_key == "f2":
                continue  # a field in focus takes `?` as a character: `? / F2` says so
            if key in bindings and bindings[key].binding.id:
                binding = bindings[key].binding
                assert (binding.tooltip or binding.description) in listed, (where, token)
                assert app.get_key_display(binding.with_key(key)) in listed, (where, token)
            elif key in _OWN_KEYS and key in bindings:
                continue  # the focused table's or list's own key
            else:
                assert token in typed, f"{where}: README lists {token!r}, not a key here"
        # Escape goes back on every screen but home (the README says so where it asks first).
        wanted = readme_keys(where) | {"escape"}
        if where == "trend":  # the employee page, showing its trend: its keys stay
            wanted |= readme_keys("employee page")
        shown = [k.key for k in footer if not k.has_class("-command-palette")]
        missing = [key for key in shown if key not in wanted]
        assert not missing, f"{where}: in the footer, not in README: {missing}"
