"""Process issues: misses caused by the system, by behaviour and week, with their notes.

This is the list a team lead takes to whoever owns the process, the tools or the policy:
none of these misses counts against the people who were observed.
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

SPANS = (4, 12, 52)

ISSUE_COLUMNS = (
    Column("behaviour", "Behaviour", priority=1, min_width=20, wants=44),
    Column("touch_point", "Touch point", priority=4, min_width=12, max_width=32),
    Column("week", "Week", priority=3, min_width=8),
    Column("misses", "Misses (system)", priority=2, min_width=6),
)


class ProcessIssuesScreen(TeamPeriodScreen, Screen):
    PALETTE = (
        PaletteEntry(
            "Process issues",
            "Misses caused by the system, by behaviour and week, with their notes",
            rank=110,
            action="jump('process_issues:ProcessIssuesScreen')",  # from the palette: replaces, not stacks
        ),
    )

    SPANS = SPANS

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="back"),
        Binding("w", "widen", "Weeks", id="widen-issues", tooltip="4 / 12 / 52 weeks"),
    ]

    def __init__(self, team: str | None = None) -> None:
        super().__init__()
        self._team = team
        self.weeks = SPANS[0]
        self._issues: list = []

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="issue-filters"):
            yield TeamSelect(self._team, id="issue-team")
            yield Static("", id="issue-period", classes="panel-title")
        yield FittedTable(ISSUE_COLUMNS, id="issues", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="issue-notes"):
            yield Static("", id="issue-notes-text")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Process issues"
        table = self.query_one("#issues", DataTable)
        self.query_one(TeamSelect).load_teams()
        table.focus()

    def _period(self):
        today = clock.today()
        first = clock.monday_of(today) - timedelta(weeks=self.weeks - 1)
        return first, today

    def refresh_data(self) -> None:
        from floorcoach.trends import process_issues

        team = self.query_one(TeamSelect).team
        first, last = self._period()
        self._loaded_team = self.query_one(TeamSelect).team
        self.app.run_db(
            lambda store: process_issues(store, team=team, first=first, last=last),
            done=self._show,
            group="process-issues",
            exclusive=True,
        )

    def _show(self, issues: list) -> None:
        self._issues = issues
        first, last = self._period()
        total = sum(issue.count for issue in issues)
        behaviours = len({issue.behaviour_id for issue in issues})
        self.query_one("#issue-period", Static).update(
            Text(
                f"{first:%d %b} – {last:%d %b %Y} (last {self.weeks} weeks): {total} misses "
                f"caused by the system across {behaviours} behaviours"
            )
        )
        table = self.query_one("#issues", FittedTable)
        rows = [
            (
                (
                    Text(safe_text(issue.title)),
                    Text(safe_text(issue.touch_point)),
                    issue.iso_week,
                    str(issue.count),
                ),
                str(index),
            )
            for index, issue in enumerate(issues)
        ]
        table.show(rows)
        self._show_notes()

    @on(DataTable.RowHighlighted, "#issues")
    def _show_notes(self) -> None:
        table = self.query_one("#issues", DataTable)
        text = Text()
        if not self._issues:
            text.append("No misses caused by the system in this period.", style="dim")
        elif table.cursor_row is not None and table.cursor_row < len(self._issues):
            issue = self._issues[table.cursor_row]
            text.append(safe_text(f"{issue.title} · {issue.iso_week}"), style="bold")
            for miss in issue.misses:
                text.append(f"\n{miss.local_date:%a %d %b}  ", style="bold")
                text.append(safe_text(f"{miss.employee_name} ({miss.team or 'no team'})"))
                text.append(" — ")
                text.append(safe_text(miss.note) or "(no note)")
                text.append(safe_text(f"  · {miss.supervisor}"), style="dim")
        self.query_one("#issue-notes-text", Static).update(text)
