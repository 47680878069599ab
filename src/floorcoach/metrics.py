"""The one definition of the numbers every screen, command and export shows.

met-rate = (met + exceeded) / (observations − misses caused by the system).
A miss whose cause is `system` (the process, tools or policy prevented it) never counts
against the person. The rate is empty (None), not 0, when nothing is left to count.
Rates from fewer than PROVISIONAL_BELOW observations are marked provisional: a judgement
on three observations is an anecdote, not a trend.
"""

from __future__ import annotations

from dataclasses import dataclass

from floorcoach.models import NOT_HELD_AGAINST, Outcome, sql_value

PROVISIONAL_BELOW = 5

_MISSED = sql_value(Outcome.MISSED)
_NOT_HELD_AGAINST = sql_value(NOT_HELD_AGAINST)


# Three ways to say it in SQL, over the observation `alias` ("" for none). They differ
# for a miss without a cause (NULL), which the person owns.


def system_miss_sql(alias: str = "o") -> str:
    """SQL true for a miss the system caused. Written as the partial index
    `observation_system_misses` is, so a WHERE with it can use the index; NULL for a miss
    without a cause (a sum of it can be NULL: read that as 0), so never negate it."""
    p = f"{alias}." if alias else ""
    return f"{p}outcome = {_MISSED} AND {p}cause = {_NOT_HELD_AGAINST}"


def about_the_person_sql(alias: str = "o") -> str:
    """SQL true (1) for an observation that says something about the person: all but a
    miss the system caused. A miss without a cause says something."""
    p = f"{alias}." if alias else ""
    return f"NOT ({p}outcome = {_MISSED} AND {p}cause IS {_NOT_HELD_AGAINST})"


def owned_miss_sql(alias: str = "o") -> str:
    """SQL 1 for a miss the person owns (skill, will, or no cause given), else 0."""
    p = f"{alias}." if alias else ""
    return f"{p}outcome = {_MISSED} AND {p}cause IS NOT {_NOT_HELD_AGAINST}"


# The same arithmetic for SQL aggregates over `observation o` (one place to change it).
SQL_COUNTS = f"""
    count(*) AS observations,
    sum(o.outcome = {sql_value(Outcome.MET)}) AS met,
    sum(o.outcome = {sql_value(Outcome.EXCEEDED)}) AS exceeded,
    sum(o.outcome = {_MISSED}) AS missed,
    sum({system_miss_sql()}) AS missed_system
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
