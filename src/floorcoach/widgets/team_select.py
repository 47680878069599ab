"""A team picker for the review screens: "Everyone" or one team, loaded from the roster."""

from __future__ import annotations

from textual.widgets import Select

EVERYONE = "Everyone"


class TeamSelect(Select[str]):
    """`team` is the chosen team, or None for everyone (the blank choice)."""

    DEFAULT_CSS = """
    TeamSelect {
        width: 32;
    }
    """

    def __init__(self, team: str | None = None, **kwargs) -> None:
        options = [(team or "(no team)", team)] if team is not None else []
        super().__init__(
            options,
            prompt=EVERYONE,
            allow_blank=True,
            value=team if team is not None else Select.NULL,
            **kwargs,
        )

    @property
    def team(self) -> str | None:
        value = self.value
        return value if isinstance(value, str) else None

    def load_teams(self) -> None:
        """Fill the choices from the active roster, keeping the current choice."""
        from floorcoach.employees import list_teams

        self.app.run_db(list_teams, done=self._show_teams, group="team-select", exclusive=True)

    def _show_teams(self, teams: list[str]) -> None:
        current = self.team
        if current is not None and current not in teams:
            teams = [*teams, current]  # keep showing what is chosen, even if now empty
        with self.prevent(Select.Changed):
            self.set_options([(team or "(no team)", team) for team in teams])
            if current is not None:
                self.value = current
