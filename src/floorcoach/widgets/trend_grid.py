"""The trend grid: weeks across, behaviours down (grouped by touch point), one cell per week.

Each cell shows the met-rate and the count behind it. An arrow and a colour say whether it
rose or fell against the last week that had observations, so a slide is visible without
reading numbers. A week without observations is an empty dot, never 0 %. Rates resting on
fewer than PROVISIONAL_BELOW counted observations carry a `~` and are set in italics.
Focus behaviours carry a ★ and their cells are underlined during the focus weeks; the
week headers mark the focus period with ◆. Colours come from the running theme.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.color import Color
from textual.containers import Vertical
from textual.geometry import Size
from textual.widgets import DataTable, Static

from floorcoach import clock
from floorcoach.metrics import PROVISIONAL_BELOW, Counts
from floorcoach.safe_text import safe_text
from floorcoach.widgets.table_fill import measure_now

SPARK_BARS = "▁▂▃▄▅▆▇█"
STEADY = 0.005  # rate changes smaller than this are "no change"

LEGEND = (
    f"cell: met-rate and how many observations · ▲▼ up or down on the last observed week · "
    f"~ provisional (fewer than {PROVISIONAL_BELOW} counted) · · not observed · "
    f"– only system-caused misses · ★ focus behaviour · ◆ focus week"
)


class Palette:
    """Rich styles resolved from the theme's variables (DataTable cells take Rich text)."""

    def __init__(self, variables: dict[str, str] | None = None) -> None:
        variables = variables or {}

        def colour(name: str, fallback: str) -> Style:
            try:
                return Style(color=Color.parse(variables.get(name, fallback)).rich_color)
            except Exception:  # a theme without the variable: keep the terminal's colour
                return Style(color=fallback)

        self.up = colour("text-success", "green") + Style(bold=True)
        self.down = colour("text-error", "red") + Style(bold=True)
        self.accent = colour("text-accent", "yellow") + Style(bold=True)
        self.primary = colour("text-primary", "blue")
        self.muted = Style(dim=True)
        self.provisional = Style(italic=True)
        self.focus = Style(underline=True)


def direction(rate: float | None, previous: float | None) -> int:
    """+1 up, -1 down, 0 steady or not comparable."""
    if rate is None or previous is None or abs(rate - previous) < STEADY:
        return 0
    return 1 if rate > previous else -1


def rate_cell(
    counts: Counts | None,
    previous: float | None = None,
    *,
    palette: Palette | None = None,
    focus: bool = False,
) -> Text:
    """One grid cell: `▲~67% 3`; an empty dot when nothing was observed."""
    palette = palette or Palette()
    if counts is None or counts.observations == 0:
        return Text("·", style=palette.muted, justify="center")
    rate = counts.met_rate
    if rate is None:
        text = Text(f"– {counts.observations}", style=palette.muted, justify="right")
    else:
        move = direction(rate, previous)
        arrow = {1: "▲", -1: "▼", 0: ""}[move]
        mark = "~" if counts.provisional else ""
        style = {1: palette.up, -1: palette.down, 0: Style()}[move]
        if counts.provisional:
            style += palette.provisional
        text = Text(f"{arrow}{mark}{rate * 100:.0f}% {counts.observations}", style=style)
        text.justify = "right"
    if focus:
        text.stylize(palette.focus)
    return text


def rate_text(counts: Counts, *, palette: Palette | None = None) -> Text:
    """A rate with the count behind it, for tables: `82% of 11`, `~67% of 3`, `– of 0`."""
    palette = palette or Palette()
    rate = counts.met_rate
    if rate is None:
        return Text(f"– of {counts.counted}", style=palette.muted)
    mark = "~" if counts.provisional else ""
    style = palette.provisional if counts.provisional else Style()
    return Text(f"{mark}{rate * 100:.0f}% of {counts.counted}", style=style)


def change_text(
    change: float | None, *, provisional: bool = False, palette: Palette | None = None
) -> Text:
    """A change of met-rate in points, with an arrow and colour: `▲ 12 pts`, `▼ 5 pts`.

    The arrow says which way, so the number carries no sign of its own. A change worked
    out from a provisional rate is marked like one, `▼ ~80 pts` ("down about 80"), italic.
    """
    palette = palette or Palette()
    if change is None:
        return Text("–", style=palette.muted)
    move = direction(change, 0.0)
    arrow = {1: "▲ ", -1: "▼ ", 0: "  "}[move]
    style = {1: palette.up, -1: palette.down, 0: Style()}[move]
    mark = "~" if provisional else ""
    if provisional:
        style += palette.provisional
    return Text(f"{arrow}{mark}{abs(change) * 100:.0f} pts", style=style)


def sparkline(rates: Sequence[float | None], *, palette: Palette | None = None) -> Text:
    """One bar per week on a fixed 0–100 % scale; a dot for a week with no rate."""
    palette = palette or Palette()
    text = Text()
    for rate in rates:
        if rate is None:
            text.append("·", style=palette.muted)
        else:
            index = min(len(SPARK_BARS) - 1, int(rate * len(SPARK_BARS)))
            text.append(SPARK_BARS[index], style=palette.primary)
    return text


def week_label(week: str, *, focus: bool = False) -> Text:
    monday = clock.week_monday(week)
    label = Text(f"{monday:%d %b}\n{'◆' if focus else ''}W{week[-2:]}", justify="right")
    return label


class WeeksTable(DataTable):
    """Weeks across, fixed columns on the left (a label, then any summary columns): the
    newest weeks in view, and every week on view whole.

    The label column takes the room the week columns leave, so the columns from the newest
    week back fill the rest exactly and the first one on view is never cut ("Sep", "% 4").
    ← → move a week at a time, from one column's edge to the next; Home and End go to the
    oldest and the newest.
    """

    LABEL_AT_LEAST = 24  # the label column gives room to weeks down to this width…
    LABEL_SHARE = 4  # …or to a quarter of the table's width, if that is more

    def align_weeks(self) -> None:
        """Size the label column for the rows just drawn, then show the newest weeks."""
        measure_now(self)
        columns = list(self.columns.values())
        room = self.size.width
        if self.row_count + self.header_height > self.size.height:
            room -= self.styles.scrollbar_size_vertical
        if len(columns) < 2 or room <= 0:
            return
        fixed = max(1, self.fixed_columns)
        label, weeks = columns[0], columns[fixed:]
        room -= sum(column.get_render_width(self) for column in columns[1:fixed])
        pad = 2 * self.cell_padding
        least = max(self.LABEL_AT_LEAST, self.size.width // self.LABEL_SHARE)
        widths = [column.get_render_width(self) for column in weeks]
        label.auto_width = True
        if label.content_width + pad + sum(widths) > room:
            shown = 0
            for width in reversed(widths):
                if pad + least + shown + width > room:
                    break
                shown += width
            label.auto_width = False
            label.width = max(least, room - shown - pad)
        self._clear_caches()
        self.virtual_size = Size(
            sum(column.get_render_width(self) for column in columns), self.virtual_size.height
        )
        self.refresh()
        self.call_after_refresh(self.action_scroll_end)

    def on_resize(self) -> None:
        self.align_weeks()

    def _week_edges(self) -> list[int]:
        """The scroll positions at which a week column starts right after the labels."""
        edges, x = [0], 0
        for column in list(self.columns.values())[max(1, self.fixed_columns) :]:
            x += column.get_render_width(self)
            edges.append(x)
        return [edge for edge in edges if edge < self.max_scroll_x] + [self.max_scroll_x]

    def action_cursor_left(self) -> None:
        if self.cursor_type != "row":
            return super().action_cursor_left()
        x = round(self.scroll_x)
        self.scroll_to(x=max([e for e in self._week_edges() if e < x], default=0), animate=False)

    def action_cursor_right(self) -> None:
        if self.cursor_type != "row":
            return super().action_cursor_right()
        x = round(self.scroll_x)
        edges = [e for e in self._week_edges() if e > x]
        self.scroll_to(x=min(edges, default=self.max_scroll_x), animate=False)


class TrendGrid(Vertical):
    """An employee's trend; `show(details)` draws a `trends.EmployeeTrendDetails`."""

    DEFAULT_CSS = """
    TrendGrid {
        height: 1fr;
    }
    TrendGrid #trend-summary {
        height: auto;
        padding: 0 1;
    }
    TrendGrid #trend-table {
        height: 1fr;
    }
    TrendGrid #trend-legend {
        height: auto;
        color: $text-muted;
        padding: 0 1;
    }
    """

    def __init__(self, employee_id: str | None = None, *, weeks: int = 12, **kwargs) -> None:
        super().__init__(**kwargs)
        self.employee_id = employee_id
        self.weeks = weeks
        self.details = None
        self._focus_when_shown = False

    def load(self, employee_id: str | None = None, *, weeks: int | None = None) -> None:
        """Fetch the trend in a worker and draw it when it arrives."""
        from floorcoach.trends import employee_trend_details

        self.employee_id = employee_id or self.employee_id
        self.weeks = weeks or self.weeks
        target, span = self.employee_id, self.weeks
        if target is None:
            return
        self.query_one("#trend-table", DataTable).loading = self.details is None
        self.app.run_db(
            lambda store: employee_trend_details(store, target, weeks=span),
            done=self.show,
            group=f"trend-{target}",
            exclusive=True,
        )

    def toggle_width(self) -> int:
        """Switch between 12 and 52 weeks; returns the new width."""
        self.load(weeks=52 if self.weeks < 52 else 12)
        return self.weeks

    def compose(self) -> ComposeResult:
        yield Static("", id="trend-summary")
        yield WeeksTable(id="trend-table", cursor_type="row", zebra_stripes=False, header_height=2)
        yield Static(Text(LEGEND), id="trend-legend")

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._redraw())

    def _palette(self) -> Palette:
        return Palette(self.app.get_css_variables())

    def focus_table(self) -> None:
        """Focus the grid, so ← → Home End work at once; while it is loading it cannot
        take focus, so it takes it when the weeks arrive."""
        table = self.query_one("#trend-table", DataTable)
        if table.loading:
            self._focus_when_shown = True
        else:
            table.focus()

    def show(self, details) -> None:
        self.details = details
        table = self.query_one("#trend-table", DataTable)
        table.loading = False
        self._redraw()
        if self._focus_when_shown:
            self._focus_when_shown = False
            table.focus()

    def _redraw(self) -> None:
        details = self.details
        if details is None:
            return
        palette = self._palette()
        trend = details.trend
        focus_weeks = {
            week
            for week in trend.weeks
            for period in details.focus_periods
            if period.overlaps(*_week_days(week))
        }
        summary = Text()
        summary.append(
            f"Trend, {len(trend.weeks)} weeks ({trend.weeks[0]} to {trend.weeks[-1]}): ",
            style="bold",
        )
        summary.append_text(rate_text(trend.total, palette=palette))
        summary.append(f", {trend.total.observations} observations\nOverall by week  ")
        summary.append_text(
            sparkline([trend.week_totals[w].met_rate for w in trend.weeks], palette=palette)
        )
        summary.append(" (oldest → newest, one bar a week)", style=palette.muted)
        for period in details.focus_periods:
            titles = ", ".join(details.title(b) for b in period.behaviour_ids)
            summary.append(f"\n◆ focus {period.starts_on} to {period.ends_on} ", style="bold")
            summary.append(safe_text(f"({period.scope}): {titles}"))
        self.query_one("#trend-summary", Static).update(summary)

        table = self.query_one("#trend-table", WeeksTable)
        kept = table.cursor_row  # a reload (a save, a write elsewhere) keeps the cursor's row
        table.clear(columns=True)
        table.fixed_columns = 1
        table.add_column(Text("Behaviour"), key="behaviour")
        for week in trend.weeks:
            table.add_column(week_label(week, focus=week in focus_weeks), key=week)
        table.add_column(Text("All\nweeks", justify="right"), key="all")

        table.add_row(
            Text("All behaviours", style="bold"),
            *self._cells(trend.weeks, trend.week_totals.get, palette, set()),
            rate_cell(trend.total, palette=palette),
            key="all",
        )
        group = None
        for behaviour_id in details.behaviour_order:
            touch_point = details.touch_point(behaviour_id)
            if touch_point != group:
                group = touch_point
                table.add_row(
                    _label(safe_text(touch_point or "Other"), style=palette.accent),
                    *[Text("") for _ in trend.weeks],
                    Text(""),
                    key=f"tp:{behaviour_id}",
                )
            focus = behaviour_id in details.focus_behaviours
            label = _label("")
            label.append("★ " if focus else "  ", style=palette.accent)
            label.append(safe_text(details.title(behaviour_id)))
            weeks_in_focus = details.focus_weeks_of(behaviour_id, trend.weeks)
            table.add_row(
                label,
                *self._cells(
                    trend.weeks,
                    lambda w, b=behaviour_id: trend.cells.get((w, b)),
                    palette,
                    weeks_in_focus,
                ),
                rate_cell(trend.behaviour_totals.get(behaviour_id), palette=palette),
                key=behaviour_id,
            )
        table.align_weeks()
        if kept and kept < table.row_count:
            table.move_cursor(row=kept, scroll=False)

    @staticmethod
    def _cells(weeks, get, palette: Palette, focus_weeks: set[str]) -> list[Text]:
        cells = []
        previous = None
        for week in weeks:
            counts = get(week)
            cells.append(rate_cell(counts, previous, palette=palette, focus=week in focus_weeks))
            if counts is not None and counts.met_rate is not None:
                previous = counts.met_rate
        return cells


def _label(text: str, *, style: Style | str = "") -> Text:
    """A row label: one line, ending in "…" when the label column is narrower."""
    return Text(text, style=style, no_wrap=True, overflow="ellipsis")


def _week_days(week: str) -> tuple[date, date]:
    monday = clock.week_monday(week)
    return monday, monday + timedelta(days=6)
