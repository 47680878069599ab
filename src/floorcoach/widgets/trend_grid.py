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
    """A change of met-rate in points, with an arrow and colour: `▲ +12 pts`.

    A change worked out from a provisional rate is marked like one: `▼ ~-80 pts`, italic.
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
    return Text(f"{arrow}{mark}{change * 100:+.0f} pts", style=style)


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


class _WeeksTable(DataTable):
    """A DataTable that keeps its right-hand end (the newest weeks) in view when it grows."""

    stick_right = True

    def watch_virtual_size(self, size) -> None:
        if self.stick_right:
            self.call_after_refresh(self._to_the_right)

    def _to_the_right(self) -> None:
        self.scroll_to(x=self.max_scroll_x, animate=False, immediate=True)


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
        yield _WeeksTable(id="trend-table", cursor_type="row", zebra_stripes=False, header_height=2)
        yield Static(Text(LEGEND), id="trend-legend")

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._redraw())

    def _palette(self) -> Palette:
        return Palette(self.app.get_css_variables())

    def show(self, details) -> None:
        self.details = details
        self.query_one("#trend-table", DataTable).loading = False
        self._redraw()

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

        table = self.query_one("#trend-table", DataTable)
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
                    Text(safe_text(touch_point or "Other", limit=32), style=palette.accent),
                    *[Text("") for _ in trend.weeks],
                    Text(""),
                    key=f"tp:{behaviour_id}",
                )
            focus = behaviour_id in details.focus_behaviours
            label = Text()
            label.append("★ " if focus else "  ", style=palette.accent)
            label.append(safe_text(details.title(behaviour_id), limit=32))
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
        measure_now(table)

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


def _week_days(week: str) -> tuple[date, date]:
    monday = clock.week_monday(week)
    return monday, monday + timedelta(days=6)
