"""Stories worth sharing: observations a supervisor flagged, newest first.

Real stories in the organisation's own words are what training material and team
huddles are made of. Filter by team and period; Enter opens the person.
"""

from __future__ import annotations

from datetime import timedelta

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from floorcoach import clock
from floorcoach.safe_text import safe_text
from floorcoach.widgets.palette_entry import PaletteEntry
from floorcoach.widgets.table_fill import Column, FittedTable
from floorcoach.widgets.team_period import TeamPeriodScreen
from floorcoach.widgets.team_select import TeamSelect

SPANS = (4, 12, 52, None)  # weeks back; None: every story
PAGE = 60  # the newest stories; DataTable measures every cell, so never all of them

# The story itself right after who: it is what a team lead came here to read.
STORY_COLUMNS = (
    Column("date", "Date", priority=3, min_width=10),
    Column("employee", "Employee", priority=1, min_width=10, wants=20, max_width=28),
    Column("story", "Story", priority=2, min_width=20, wants=40, max_width=90),
    Column("behaviour", "Behaviour", priority=4, min_width=16, wants=30),
    Column("team", "Team", priority=6, min_width=8, max_width=20),
    Column("outcome", "Outcome", priority=5, min_width=8),
)


class StoriesScreen(TeamPeriodScreen, Screen):
    PALETTE = (
        PaletteEntry(
            "Stories",
            "Observations flagged as stories worth sharing",
            rank=120,
            action="jump('stories:StoriesScreen')",  # from the palette: replaces, not stacks
        ),
    )

    SPANS = SPANS

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="back"),
        Binding("w", "widen", "Weeks", id="widen-stories", tooltip="4 / 12 / 52 weeks / all"),
    ]

    def __init__(self, team: str | None = None) -> None:
        super().__init__()
        self._team = team
        self.weeks: int | None = SPANS[1]
        self._stories: list = []

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="story-filters"):
            yield TeamSelect(self._team, id="story-team")
            yield Static("", id="story-period", classes="panel-title")
        yield FittedTable(
            STORY_COLUMNS,
            enter="Open",
            id="stories",
            cursor_type="row",
            zebra_stripes=True,
        )
        with VerticalScroll(id="story-note"):
            yield Static("", id="story-note-text")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Stories"
        table = self.query_one("#stories", DataTable)
        self.query_one(TeamSelect).load_teams()
        table.focus()

    def _first_day(self):
        if self.weeks is None:
            return None
        return clock.monday_of(clock.today()) - timedelta(weeks=self.weeks - 1)

    def refresh_data(self) -> None:
        from floorcoach.trends import stories

        team, first = self.query_one(TeamSelect).team, self._first_day()
        self._loaded_team = self.query_one(TeamSelect).team
        self.app.run_db(
            lambda store: stories(store, team=team, first=first, last=clock.today(), limit=PAGE),
            done=self._show,
            group="stories",
            exclusive=True,
        )

    def _show(self, found: list) -> None:
        self._stories = found
        span = "every story" if self.weeks is None else f"last {self.weeks} weeks"
        self.query_one("#story-period", Static).update(
            Text(
                f"{len(found)}{'+ (the newest)' if len(found) >= PAGE else ''} "
                f"stor{'y' if len(found) == 1 else 'ies'} · {span} (w to change)"
            )
        )
        table = self.query_one("#stories", FittedTable)
        rows = [
            (
                (
                    f"{story.local_date:%Y-%m-%d}",
                    Text(safe_text(story.employee_name)),
                    Text(safe_text(story.note, limit=200)),
                    Text(safe_text(story.behaviour_title)),
                    Text(safe_text(story.team)),
                    story.outcome,
                ),
                story.observation_id,
            )
            for story in found
        ]
        table.show(rows)
        self._show_note()

    @on(DataTable.RowHighlighted, "#stories")
    def _show_note(self) -> None:
        table = self.query_one("#stories", DataTable)
        text = Text()
        if not self._stories:
            text.append(
                "No stories in this period. Flag one with ctrl+t when logging an observation.",
                style="dim",
            )
        elif table.cursor_row is not None and table.cursor_row < len(self._stories):
            story = self._stories[table.cursor_row]
            text.append(safe_text(f"{story.employee_name} · {story.behaviour_title}"), style="bold")
            text.append(f"  {story.local_date:%a %d %b %Y} · {safe_text(story.supervisor)}\n")
            text.append(safe_text(story.note, keep_newlines=True) or "(no note)")
        self.query_one("#story-note-text", Static).update(text)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        from floorcoach.employees import get_employee

        table = self.query_one("#stories", DataTable)
        if table.cursor_row is None or table.cursor_row >= len(self._stories):
            return
        employee_id = self._stories[table.cursor_row].employee_id
        self.app.run_db(lambda store: get_employee(store, employee_id), done=self.app.open_employee)
