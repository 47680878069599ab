"""The one definition of the numbers every screen, command and export shows.

met-rate = (met + exceeded) / (observations − misses caused by the system).
A miss whose cause is `system` (the process, tools or policy prevented it) never counts
against the person. The rate is empty (None), not 0, when nothing is left to count.
Rates from fewer than PROVISIONAL_BELOW observations are marked provisional: a judgement
on three observations is an anecdote, not a trend.
"""

from __future__ import annotations

from dataclasses import dataclass

PROVISIONAL_BELOW = 5

# The same arithmetic for SQL aggregates over `observation o` (one place to change it).
SQL_COUNTS = """
    count(*) AS observations,
    sum(o.outcome = 'met') AS met,
    sum(o.outcome = 'exceeded') AS exceeded,
    sum(o.outcome = 'missed') AS missed,
    sum(o.outcome = 'missed' AND o.cause = 'system') AS missed_system
"""


def met_rate(met: int, exceeded: int, observations: int, missed_system: int) -> float | None:
    denominator = observations - missed_system
    if denominator <= 0:
        return None
    return (met + exceeded) / denominator


@dataclass(frozen=True)
class Counts:
    """Outcome counts for any slice (a week, a behaviour, a person, a team)."""

    observations: int = 0
    met: int = 0
    exceeded: int = 0
    missed: int = 0
    missed_system: int = 0

    @property
    def met_rate(self) -> float | None:
        return met_rate(self.met, self.exceeded, self.observations, self.missed_system)

    @property
    def counted(self) -> int:
        """How many observations the rate rests on (system-caused misses left out)."""
        return self.observations - self.missed_system

    @property
    def provisional(self) -> bool:
        return self.counted < PROVISIONAL_BELOW

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.observations + other.observations,
            self.met + other.met,
            self.exceeded + other.exceeded,
            self.missed + other.missed,
            self.missed_system + other.missed_system,
        )

    @classmethod
    def from_row(cls, row: dict) -> Counts:
        return cls(
            observations=row["observations"] or 0,
            met=row["met"] or 0,
            exceeded=row["exceeded"] or 0,
            missed=row["missed"] or 0,
            missed_system=row["missed_system"] or 0,
        )


def percent(rate: float | None) -> str:
    """A met-rate as a whole percentage; an empty rate (nothing countable) shows as '–'."""
    return "–" if rate is None else f"{rate * 100:.0f}%"
