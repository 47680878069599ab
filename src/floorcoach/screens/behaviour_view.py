"""Which behaviours are slipping: team-wide met-rate per behaviour over the weeks.

Slipping behaviours come first: those whose met-rate over the last four weeks is below
the weeks before. Every rate shows its count; `~` marks a provisional one.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from floorcoach.safe_text import safe_text
from floorcoach.trends import week_days
from floorcoach.widgets.palette_entry import PaletteEntry
from floorcoach.widgets.team_period import TeamPeriodScreen
from floorcoach.widgets.team_select import TeamSelect
from floorcoach.widgets.trend_grid import (
    LEGEND,
    Palette,
    WeeksTable,
    change_text,
    rate_cell,
    rate_text,
)

SPANS = (12, 26, 52)


class BehaviourViewScreen(TeamPeriodScreen, Screen):
    PALETTE = (
        PaletteEntry(
            "Behaviour trends",
            "Team-wide met-rate per behaviour over weeks, slipping behaviours first",
            rank=100,
            action="jump('behaviour_view:BehaviourViewScreen')",  # from the palette: replaces, not stacks
        ),
    )

    SPANS = SPANS

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="back"),
        Binding("w", "widen", "Weeks", id="widen-behaviours", tooltip="12 / 26 / 52 weeks"),
        Binding(
            "p",
            "app.push('process_issues:ProcessIssuesScreen')",
            "Process issues",
            id="process-issues-from-behaviours",
        ),
    ]

    def __init__(self, team: str | None = None) -> None:
        super().__init__()
        self._team = team
        self.weeks = SPANS[0]

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="behaviour-filters"):
            yield TeamSelect(self._team, id="behaviour-team")
            yield Static("", id="behaviour-period", classes="panel-title")
        # Like the employee trend: the newest weeks in view, every column on view whole.
        yield WeeksTable(id="behaviours", cursor_type="row", header_height=2)
        yield Static(
            Text("change: last 4 weeks against the weeks before · " + LEGEND), classes="hint"
        )
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Behaviour trends"
        self.query_one(TeamSelect).load_teams()
        self.query_one("#behaviours").focus()

    def refresh_data(self) -> None:
        from floorcoach.trends import behaviour_view

        team, weeks = self.query_one(TeamSelect).team, self.weeks
        self.query_one("#behaviour-period", Static).update(
            Text(f"Last {weeks} weeks, slipping behaviours first")
        )
        self._loaded_team = self.query_one(TeamSelect).team

        def job(store):
            from floorcoach.focus import list_focus_periods

            view = behaviour_view(store, team=team, weeks=weeks)
            first, last = week_days(view.weeks[0])[0], week_days(view.weeks[-1])[1]
            return view, list_focus_periods(store, team=team, first=first, last=last)

        self.app.run_db(
            job,
            done=self._show,
            group="behaviour-view",
            exclusive=True,
        )

    def _show(self, result) -> None:
        from floorcoach.widgets.trend_grid import week_label

        view, periods = result
        focus = {b for p in periods for b in p.behaviour_ids}

        def focus_week(week: str) -> bool:
            return any(p.overlaps(*week_days(week)) for p in periods)

        palette = Palette(self.app.get_css_variables())
        table = self.query_one("#behaviours", WeeksTable)
        kept = table.cursor_row  # a reload keeps the cursor's row
        table.clear(columns=True)
        table.fixed_columns = 4  # the behaviour and its change stay while the weeks scroll
        table.add_column(Text("Behaviour"), key="behaviour")
        table.add_column(Text("Change"), key="change")
        table.add_column(Text("Last 4 wk"), key="recent")
        table.add_column(Text("Before"), key="earlier")
        for week in view.weeks:
            table.add_column(week_label(week, focus=focus_week(week)), key=week)
        for row in view.rows:
            cells = []
            previous = None
            for week in view.weeks:
                counts = row.weeks.get(week)
                cells.append(rate_cell(counts, previous, palette=palette))
                if counts is not None and counts.met_rate is not None:
                    previous = counts.met_rate
            table.add_row(
                Text(
                    ("★ " if row.behaviour_id in focus else "") + safe_text(row.title),
                    no_wrap=True,
                    overflow="ellipsis",
                ),
                change_text(
                    row.change,
                    provisional=row.change_provisional,
                    palette=palette,
                ),
                rate_text(row.recent, palette=palette),
                rate_text(row.earlier, palette=palette),
                *cells,
                key=row.behaviour_id,
            )
        table.align_weeks()
        if kept and kept < table.row_count:
            table.move_cursor(row=kept, scroll=False)
        if not view.rows:
            self.query_one("#behaviour-period", Static).update(
                Text(f"No observations in the last {self.weeks} weeks for this team")
            )
