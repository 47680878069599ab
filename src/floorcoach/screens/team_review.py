"""The team lead's week: one row per person — observations, met-rate, change, coverage.

A team lead sits down once a week with this screen. Every rate shows the count behind it
and is marked `~` when it rests on fewer than five counted observations. People not
observed for 14 days are flagged, so attention is spread fairly. `[`/`]` (or ←/→) move
between weeks, `s` changes the sort, Enter opens the person.

Coaching adds two columns (`EXTRA_COLUMNS`): open and overdue follow-ups (as of today) and
recognition vs correction in the chosen week.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from floorcoach import clock
from floorcoach.metrics import Counts
from floorcoach.safe_text import safe_text
from floorcoach.widgets.palette_entry import PaletteEntry
from floorcoach.widgets.records_changed import ShowsRecords
from floorcoach.widgets.table_fill import Column, FittedTable
from floorcoach.widgets.team_select import TeamSelect
from floorcoach.widgets.trend_grid import Palette, change_text, rate_text

if TYPE_CHECKING:
    from floorcoach.store import Store
    from floorcoach.trends import TeamWeekRow

EVERYONE_UP_TO = 100  # with more people than this, the screen starts on the first team


@dataclass(frozen=True)
class ReviewColumn:
    """A column another feature adds to the review.

    `load(store, employee_ids, week)` runs in the worker and returns, per employee id, a
    (sort value, cell) pair; people missing from the mapping get an empty cell.
    """

    column: Column  # its header (short) and its place when the table is narrow
    load: Callable[[Store, Sequence[str], str], Mapping[str, tuple[Any, Text | str]]]
    sort_label: str  # in words, for "by … ↓" above the table

    @property
    def key(self) -> str:
        return self.column.key


def _follow_up_cells(store: Store, employee_ids: Sequence[str], week: str):
    from floorcoach.followups import followup_counts_by_employee

    counts = followup_counts_by_employee(store, clock.today(), list(employee_ids))
    cells = {}
    for employee_id, (open_count, overdue) in counts.items():
        text = Text(f"{open_count}" if open_count else "–", style="" if open_count else "dim")
        if overdue:
            text.append(f" ({overdue} overdue)", style="bold")
        cells[employee_id] = ((overdue, open_count), text)
    return cells


def _recognition_cells(store: Store, employee_ids: Sequence[str], week: str):
    from floorcoach.coaching_progress import recognition_by_employee

    monday = clock.week_monday(week)
    counts = recognition_by_employee(
        store, list(employee_ids), date_from=monday, date_to=monday + timedelta(days=6)
    )
    return {
        employee_id: ((rec - cor), Text(f"{rec} : {cor}", style="" if rec or cor else "dim"))
        for employee_id, (rec, cor) in counts.items()
    }


EXTRA_COLUMNS: list[ReviewColumn] = [
    ReviewColumn(
        Column("follow_ups", "Follow-ups", priority=6, min_width=13),
        _follow_up_cells,
        "follow-ups",
    ),
    ReviewColumn(
        Column("recognition", "Rec. : corr.", priority=8, min_width=12),
        _recognition_cells,
        "recognition vs correction",
    ),
]

# Who, how it went and how it moved stay at any width; the team gives way first (a team
# lead usually looks at one team).
REVIEW_COLUMNS = (
    Column("name", "Employee", priority=1, min_width=10, wants=20, max_width=28),
    Column("team", "Team", priority=9, min_width=8, max_width=20),
    Column("observations", "Obs", priority=5, min_width=3),
    Column("met_rate", "Met-rate", priority=2, min_width=10),
    Column("previous", "Prev. 4 wk", priority=7, min_width=10),
    Column("change", "Change", priority=3, min_width=10),
    Column("last_observed", "Last observed", priority=4, min_width=14),
    *(extra.column for extra in EXTRA_COLUMNS),
)

# Said under the table, and in docs/trends.md: what the two counts of "Rec. : corr." are.
RECOGNITION_DEFINED = (
    "Rec. : corr.: exceeded observations + recognition talks : misses they own + "
    "corrective talks (development talks count as neither)"
)

# (key, label, sort key over a row, descending first?)
_SORTS: list[tuple[str, str, Callable[[TeamWeekRow], Any], bool]] = [
    ("name", "name", lambda r: r.name.casefold(), False),
    ("observations", "observations", lambda r: r.observations, False),
    ("met_rate", "met-rate", lambda r: (r.met_rate is None, r.met_rate or 0.0), False),
    # Biggest well-founded drops first; changes resting on a provisional rate after them.
    (
        "change",
        "change",
        lambda r: (r.change is None, r.change_provisional, r.change or 0.0),
        False,
    ),
    (
        "last_observed",
        "last observed",
        lambda r: (r.last_observed is not None, r.last_observed or date.min),
        False,
    ),
]


class TeamReviewScreen(ShowsRecords, Screen):
    PALETTE = (
        PaletteEntry(
            "Team review",
            "A team's week: met-rate, change, who was not observed (r on the home screen)",
            rank=90,
            action="jump('team_review:TeamReviewScreen')",  # from the palette: replaces, not stacks
        ),
    )

    BINDINGS = [
        # The footer fits 80 columns (with Enter, from the table); `?` lists the rest.
        Binding("escape", "app.pop_screen", "Back", id="back", show=False),
        Binding(
            "left_square_bracket,left",
            "week(-1)",
            "Earlier",
            id="previous-week",
            priority=True,
            tooltip="the week before",
        ),
        Binding(
            "right_square_bracket,right",
            "week(1)",
            "Later",
            id="next-week",
            priority=True,
            tooltip="the week after",
        ),
        Binding("s", "sort", "Sort", id="sort-review", tooltip="sort by the next column"),
        Binding("r", "reverse", "Reverse", id="reverse-sort", tooltip="reverse the sort"),
        Binding("w", "this_week", "This week", id="this-week", show=False),
        Binding("o", "log", "Log observation", id="log-from-review", show=False),
        Binding(
            "b",
            "app.push('behaviour_view:BehaviourViewScreen')",
            "Behaviour trends",
            id="behaviour-view",
            show=False,
        ),
        Binding(
            "p",
            "app.push('process_issues:ProcessIssuesScreen')",
            "Process issues",
            id="process-issues",
            show=False,
        ),
    ]

    _last_team: str | None = None  # the team chosen last time, kept while the app runs
    _team_chosen = False

    def __init__(self, week: str | None = None, team: str | None = None) -> None:
        super().__init__()
        self.week = (week or clock.iso_week(clock.today())).upper()
        clock.week_monday(self.week)  # a bad week is refused here, not in a worker
        if team is not None:
            self._initial_team: str | None = team
        elif TeamReviewScreen._team_chosen:
            self._initial_team = TeamReviewScreen._last_team
        else:
            self._initial_team = None
        self._decide_team = team is None and not TeamReviewScreen._team_chosen
        self._rows: list[TeamWeekRow] = []
        self._extra: dict[str, Mapping[str, tuple[Any, Text | str]]] = {}
        self.sort_index = 0
        self.sort_reverse = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="review-filters"):
            yield TeamSelect(self._initial_team, id="review-team")
            yield Static("", id="review-week", classes="panel-title")
        yield Static("", id="review-summary", classes="hint")
        yield FittedTable(
            REVIEW_COLUMNS,
            enter="Open",
            id="review",
            cursor_type="row",
            zebra_stripes=True,
        )
        yield Static(
            Text(
                "~ provisional: fewer than 5 counted observations · ⚑ not observed in 14 days · "
                "change: the week's met-rate against the 4 weeks before, in points · "
                + RECOGNITION_DEFINED
            ),
            id="review-legend",
            classes="hint",
        )
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Team review"
        self.query_one("#review", DataTable).focus()
        team_select = self.query_one(TeamSelect)
        team_select.load_teams()

    def _choose_starting_team(self) -> None:
        """Everyone when the roster fits one screen, else the first team."""
        from floorcoach.employees import list_employees, list_teams

        def job(store):
            many = len(list_employees(store, limit=EVERYONE_UP_TO + 1)) > EVERYONE_UP_TO
            teams = list_teams(store)
            return teams[0] if many and teams else None

        def chosen(team: str | None) -> None:
            if team is not None:
                select = self.query_one(TeamSelect)
                with select.prevent(TeamSelect.Changed):
                    select.set_options([(team or "(no team)", team)])
                    select.value = team
                select.load_teams()
            self.refresh_data()

        self.app.run_db(job, done=chosen, group="review-team", exclusive=True)

    def on_screen_resume(self) -> None:
        """Load when shown (first time included) and again on coming back."""
        if self._decide_team:
            self._decide_team = False
            self._choose_starting_team()
        else:
            self.refresh_data()

    @property
    def team(self) -> str | None:
        return self.query_one(TeamSelect).team

    def refresh_data(self) -> None:
        from floorcoach.trends import team_week

        team, week = self.team, self.week
        columns = list(EXTRA_COLUMNS)

        def job(store):
            rows = team_week(store, team, week)
            ids = [r.employee_id for r in rows]
            extra = {c.key: c.load(store, ids, week) for c in columns}
            return week, rows, extra

        self._show_week_title()
        self._loaded_team = self.query_one(TeamSelect).team
        self.app.run_db(job, done=self._show, group="team-review", exclusive=True)

    def _show_week_title(self) -> None:
        monday = clock.week_monday(self.week)
        sunday = date.fromordinal(monday.toordinal() + 6)
        current = clock.iso_week(clock.today())
        text = Text(f"Week {self.week}  ({monday:%a %d %b} – {sunday:%a %d %b %Y})")
        if self.week == current:
            text.append("  this week", style="dim")
        self.query_one("#review-week", Static).update(text)

    def _show(self, result) -> None:
        week, rows, extra = result
        if week != self.week:
            return  # an older answer arriving after the person moved on
        self._rows = list(rows)
        self._extra = extra
        self._draw()

    def _draw(self) -> None:
        palette = Palette(self.app.get_css_variables())
        key, label, sort_key, _ = self._sorts()[self.sort_index]
        rows = sorted(self._rows, key=sort_key, reverse=self.sort_reverse)
        self._rows = rows
        table_rows = []
        for row in rows:
            if row.needs_observing:
                last = Text(
                    "⚑ never"
                    if row.last_observed is None
                    else f"⚑ {row.last_observed:%d %b} ({row.days_since_observed} d)",
                    style=palette.down,
                )
            else:
                last = Text(f"{row.last_observed:%d %b} ({row.days_since_observed} d)")
            cells = [
                Text(safe_text(row.name)),
                Text(safe_text(row.team, limit=20)),
                str(row.observations) if row.observations else Text("0", style="dim"),
                rate_text(row.counts, palette=palette),
                rate_text(row.previous, palette=palette),
                change_text(
                    row.change,
                    provisional=row.change_provisional,
                    palette=palette,
                ),
                last,
            ]
            for column in EXTRA_COLUMNS:
                cells.append(self._extra.get(column.key, {}).get(row.employee_id, (None, ""))[1])
            table_rows.append((cells, row.employee_id))
        self.query_one("#review", FittedTable).show(table_rows)  # the cursor stays on its person
        self._show_summary(key, label)

    def _show_summary(self, sort_key: str, sort_label: str) -> None:
        palette = Palette(self.app.get_css_variables())
        rows = self._rows
        total = sum((r.counts for r in rows), Counts())
        flagged = sum(r.needs_observing for r in rows)
        unobserved = sum(r.observations == 0 for r in rows)
        team = self.team
        text = Text(safe_text("Everyone" if team is None else (team or "(no team)")), style="bold")
        text.append(f" · {len(rows)} people · {total.observations} obs. · met-rate ")
        text.append_text(rate_text(total, palette=palette))
        this_week = self.week == clock.iso_week(clock.today())
        text.append(f" · {unobserved} unobserved {'this' if this_week else 'that'} week · ")
        text.append(f"⚑ {flagged} not in 14 days", style=palette.down if flagged else "")
        arrow = "↓" if self.sort_reverse else "↑"
        text.append(f" · by {sort_label} {arrow}", style="dim")
        if sort_key == "change":
            text.append(
                " (none – first, then provisional ~)"
                if self.sort_reverse
                else " (provisional ~ after the others, none – at the end)",
                style="dim",
            )
        if not rows:
            text = Text("No active employees in this team — choose another team above.")
        self.query_one("#review-summary", Static).update(text)

    @on(TeamSelect.Changed, "#review-team")
    def _team_changed(self) -> None:
        if self.query_one(TeamSelect).team == getattr(self, "_loaded_team", ...):
            return  # the choice it already shows (the select announces its first value)
        TeamReviewScreen._last_team = self.team
        TeamReviewScreen._team_chosen = True
        self.refresh_data()

    def action_week(self, delta: int) -> None:
        from floorcoach.trends import shift_week

        target = shift_week(self.week, delta)
        if delta > 0 and target > clock.iso_week(clock.today()):
            self.notify("This is the current week; there is nothing after it yet.", timeout=3)
            return
        self.week = target
        self.refresh_data()

    def action_this_week(self) -> None:
        self.week = clock.iso_week(clock.today())
        self.refresh_data()

    def _sorts(self) -> list[tuple[str, str, Callable[[TeamWeekRow], Any], bool]]:
        """The built-in sorts, then one per extra column (by its sort value, most first)."""
        extra = [
            (
                column.key,
                column.sort_label,
                lambda r, key=column.key: self._extra.get(key, {}).get(r.employee_id, (0,))[0],
                True,
            )
            for column in EXTRA_COLUMNS
        ]
        return _SORTS + extra

    def action_sort(self) -> None:
        sorts = self._sorts()
        self.sort_index = (self.sort_index + 1) % len(sorts)
        self.sort_reverse = sorts[self.sort_index][3]
        self._draw()

    def action_reverse(self) -> None:
        self.sort_reverse = not self.sort_reverse
        self._draw()

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        sorts = self._sorts()
        keys = [s[0] for s in sorts]
        if event.column_key.value in keys:
            index = keys.index(event.column_key.value)
            if index == self.sort_index:
                self.sort_reverse = not self.sort_reverse
            else:
                self.sort_index, self.sort_reverse = index, sorts[index][3]
            self._draw()

    def _selected(self) -> TeamWeekRow | None:
        table = self.query_one("#review", DataTable)
        if not self._rows or table.cursor_row is None or table.cursor_row >= len(self._rows):
            return None
        return self._rows[table.cursor_row]

    def _as_employee(self, row: TeamWeekRow):
        from floorcoach.models import Employee

        return Employee(
            id=row.employee_id, employee_ref=row.employee_ref, name=row.name, team=row.team
        )

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        row = self._selected()
        if row is not None:
            self.app.open_employee(self._as_employee(row))

    def action_log(self) -> None:
        row = self._selected()
        if row is not None:
            self.app.action_log_observation(self._as_employee(row))
