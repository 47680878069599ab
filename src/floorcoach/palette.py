"""The command palette (ctrl+p): every screen and action, and any employee by name or ref."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider

from floorcoach.safe_text import safe_text

if TYPE_CHECKING:
    from floorcoach.app import FloorcoachApp

# (title, action on the app, help) — one line per screen or action users can reach.
PALETTE_ENTRIES: list[tuple[str, str, str]] = [
    ("Log observation", "log_observation", "Record what you just saw (ctrl+o from anywhere)"),
    ("Log another for the same employee", "log_again", "Repeat for the last person observed"),
    ("Home: today's shift", "show_home", "Today's observations and quick keys"),
    ("Employees", "show_employees", "The roster: search, add, edit, deactivate"),
    ("Add employee", "add_employee", "Add one person to the roster"),
    ("Import roster CSV", "import_roster", "Add or update employees from an HR file"),
    (
        "Coach someone",
        "push('coaching_form:CoachingForm')",
        "Log a coaching talk: what was said, the agreed action, when to follow up",
    ),
    (
        "Follow-ups",
        "push('followups:FollowUpsScreen')",
        "Coaching follow-ups: overdue, due today, upcoming (f on the home screen)",
    ),
    (
        "Team review",
        "push('team_review:TeamReviewScreen')",
        "A team's week: met-rate, change, who was not observed (r on the home screen)",
    ),
    (
        "Behaviour trends",
        "push('behaviour_view:BehaviourViewScreen')",
        "Team-wide met-rate per behaviour over weeks, slipping behaviours first",
    ),
    (
        "Process issues",
        "push('process_issues:ProcessIssuesScreen')",
        "Misses caused by the system, by behaviour and week, with their notes",
    ),
    ("Stories", "push('stories:StoriesScreen')", "Observations flagged as stories worth sharing"),
    (
        "Focus behaviours",
        "push('focus:FocusScreen')",
        "Set 1-3 behaviours for a team (or everyone) to work on, with start and end dates",
    ),
    (
        "Export CSV for HR",
        "push('export:ExportScreen')",
        "Observations or the weekly summary as CSV, by dates, team or employee",
    ),
]


class FloorcoachCommands(Provider):
    @property
    def _app(self) -> FloorcoachApp:
        return self.app  # type: ignore[return-value]

    def _command(self, action: str):
        async def run() -> None:
            await self._app.run_action(action)

        return run

    async def discover(self) -> Hits:
        for title, action, help_text in PALETTE_ENTRIES:
            yield DiscoveryHit(title, self._command(action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, action, help_text in PALETTE_ENTRIES:
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), self._command(action), help=help_text)
        if len(query.strip()) >= 2 and self._app.ready:
            for employee in await asyncio.to_thread(self._find_employees, query.strip()):
                label = Text(f"Employee: {safe_text(employee.name)}")
                detail = f"ref {employee.employee_ref or '–'} · team {employee.team or '–'}"
                yield Hit(
                    0.9, label, self._opener(employee), text=label.plain, help=safe_text(detail)
                )

    def _find_employees(self, query: str) -> list:
        """Runs in a thread with its own connection: the palette never waits on the UI."""
        from floorcoach.employees import list_employees
        from floorcoach.store import Store, StoreError

        try:
            with Store.open(self._app.db_path, create=False) as store:
                return list_employees(store, search=query, limit=8)
        except StoreError:
            return []

    def _opener(self, employee):
        def open_page() -> None:
            self._app.open_employee(employee)

        return open_page
