"""Screens that show one team (or everyone) over a span of weeks: stories, process issues,
behaviour trends. `w` widens the span; choosing another team reloads."""

from __future__ import annotations

from textual.widgets import Select

from floorcoach.widgets.records_changed import ShowsRecords
from floorcoach.widgets.team_select import TeamSelect


class TeamPeriodScreen(ShowsRecords):
    """Mixin for a Screen with one TeamSelect, a `weeks` span and `refresh_data()`.

    `refresh_data` records the team it loaded in `_loaded_team`, so the select announcing
    the value it already shows does not load everything twice. Changed records reach it
    as `RecordsChanged` (ShowsRecords).
    """

    SPANS: tuple[int | None, ...] = (4, 12, 52)
    weeks: int | None
    _loaded_team: str | None | type[Ellipsis] = ...

    def on_screen_resume(self) -> None:
        """Load when shown (first time included) and again on coming back."""
        self.refresh_data()

    def on_select_changed(self, event: Select.Changed) -> None:
        if self.query_one(TeamSelect).team == self._loaded_team:
            return
        self.refresh_data()

    def action_widen(self) -> None:
        self.weeks = self.SPANS[(self.SPANS.index(self.weeks) + 1) % len(self.SPANS)]
        self.refresh_data()
