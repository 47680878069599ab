"""The command palette: each screen declares its own entry, and every entry opens."""

from __future__ import annotations

from pathlib import Path

from textual.command import CommandList, CommandPalette

import floorcoach.screens
from floorcoach.app import FloorcoachApp, warm_up_modules
from floorcoach.palette import palette_entries
from floorcoach.screens.behaviour_view import BehaviourViewScreen
from floorcoach.screens.coaching_form import CoachingForm
from floorcoach.screens.employee_form import EmployeeForm
from floorcoach.screens.employees import EmployeesScreen
from floorcoach.screens.export import ExportScreen
from floorcoach.screens.focus import FocusScreen
from floorcoach.screens.followups import FollowUpsScreen
from floorcoach.screens.home import HomeScreen
from floorcoach.screens.observation_form import ObservationForm
from floorcoach.screens.organisation import OrganisationScreen
from floorcoach.screens.process_issues import ProcessIssuesScreen
from floorcoach.screens.roster_import import RosterImportScreen
from floorcoach.screens.stories import StoriesScreen
from floorcoach.screens.team_review import TeamReviewScreen

from .pilot import choose_in_palette, press_all, settle, wait_for_screen, wait_ready

# What users see in the palette, in this order: (title, help).
EXPECTED_ENTRIES = [
    ("Log observation", "Record what you just saw (ctrl+o from anywhere)"),
    ("Log another for the same employee", "Repeat for the last person observed"),
    ("Home: today's shift", "Today's observations and quick keys"),
    ("Employees", "The roster: search, add, edit, deactivate"),
    ("Add employee", "Add one person to the roster"),
    ("Import roster CSV", "Add or update employees from an HR file"),
    (
        "Coach someone",
        "Log a coaching talk: what was said, the agreed action, when to follow up",
    ),
    (
        "Follow-ups",
        "Coaching follow-ups: overdue, due today, upcoming (f on the home screen)",
    ),
    (
        "Team review",
        "A team's week: met-rate, change, who was not observed (r on the home screen)",
    ),
    (
        "Behaviour trends",
        "Team-wide met-rate per behaviour over weeks, slipping behaviours first",
    ),
    (
        "Process issues",
        "Misses caused by the system, by behaviour and week, with their notes",
    ),
    ("Stories", "Observations flagged as stories worth sharing"),
    (
        "Focus behaviours",
        "Set 1-3 behaviours for a team (or everyone) to work on, with start and end dates",
    ),
    (
        "Export for HR",
        "Observations, coaching or the weekly summary as CSV or an Excel workbook",
    ),
    (
        "Organisation",
        "This device's organisation: server, last sync, what waits, conflicts (s syncs now)",
    ),
]

# The screen each entry opens; None: it needs an employee observed before, and says so.
OPENS = {
    "Log observation": ObservationForm,
    "Log another for the same employee": None,
    "Home: today's shift": HomeScreen,
    "Employees": EmployeesScreen,
    "Add employee": EmployeeForm,
    "Import roster CSV": RosterImportScreen,
    "Coach someone": CoachingForm,
    "Follow-ups": FollowUpsScreen,
    "Team review": TeamReviewScreen,
    "Behaviour trends": BehaviourViewScreen,
    "Process issues": ProcessIssuesScreen,
    "Stories": StoriesScreen,
    "Focus behaviours": FocusScreen,
    "Export for HR": ExportScreen,
    "Organisation": OrganisationScreen,
}


def test_the_palette_lists_the_same_entries_in_the_same_order():
    assert [(title, help_text) for title, _, help_text in palette_entries()] == EXPECTED_ENTRIES


def test_every_screen_module_is_warmed_up_after_start():
    on_disk = {
        path.stem
        for path in Path(floorcoach.screens.__file__).parent.glob("*.py")
        if path.stem != "__init__"
    }
    assert set(warm_up_modules()) == on_disk
    assert {"problem", "welcome", "observation_form"} <= on_disk


async def test_the_open_palette_shows_the_entries_in_order(db_path, team):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("ctrl+p")
        palette = await wait_for_screen(app, pilot, CommandPalette)
        await settle(app, pilot)
        hits = palette.query_one(CommandList)
        shown = [str(hits.get_option_at_index(i).prompt) for i in range(hits.option_count)]
        titles = [title for title, _ in EXPECTED_ENTRIES]
        ours = [title for prompt in shown for title in titles if prompt.startswith(title)]
        assert ours == titles


async def test_every_palette_entry_opens_its_screen_and_goes_back_home(db_path, team):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_ready(app, pilot)
        for title, _, _ in palette_entries():
            opens = OPENS[title]
            if opens is HomeScreen:  # from somewhere else, so that going home shows
                app.action_show_employees()
                await wait_for_screen(app, pilot, EmployeesScreen)
            app.clear_notifications()
            await choose_in_palette(app, pilot, title, title)
            errors = [n.message for n in app._notifications if n.severity == "error"]
            assert not errors, f"{title}: {errors}"
            if opens is None:
                messages = [n.message for n in app._notifications]
                assert any("Log an observation first" in m for m in messages), title
            else:
                screen = await wait_for_screen(app, pilot, opens)
                await settle(app, pilot)
                assert not isinstance(screen, CommandPalette), title
                if opens is not HomeScreen:
                    await press_all(app, pilot, "escape")
            assert isinstance(app.screen, HomeScreen), f"{title}: not back home"
            assert len(app.screen_stack) == 2, title
            assert not [n for n in app._notifications if n.severity == "error"], title
