"""The one place floorcoach asks what time it is, so tests and demos can fix "now".

`FLOORCOACH_NOW` (ISO 8601 with offset) pins the clock for a whole process, which is how
tests drive the CLI and the TUI on a chosen date. Local dates follow the machine's time
zone rules for each instant, so daylight-saving changes land on the right day.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta

NOW_ENV_VAR = "FLOORCOACH_NOW"
EARLIEST_RECORD = datetime(2000, 1, 1, tzinfo=UTC)  # anything older is a mistyped year
FUTURE_SLACK = timedelta(minutes=5)  # clocks on two machines never agree exactly
# Dates people type: outside these years it is a typo, and date arithmetic near year 1 or
# 9999 (a week before, the Sunday after) would overflow Python's calendar.
FIRST_YEAR, LAST_YEAR = 2000, 9998
MAX_OFFSET = timedelta(hours=14)  # no time zone is further from UTC (Kiribati, +14:00)


class ImplausibleTime(ValueError):
    """A date or time that parses but cannot be what was meant; the message says why, to
    follow the value as typed (`'2026-03-29T02:30' does not exist in your time zone: …`)."""


def now() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    pinned = os.environ.get(NOW_ENV_VAR)
    if pinned:
        return parse_instant(pinned)
    return datetime.now(UTC)


def today() -> date:
    return local_date(now())


def parse_instant(text: str) -> datetime:
    """Parse ISO 8601; a value without an offset is read as local time. Returns UTC.

    ValueError when it is not ISO 8601; ImplausibleTime (a ValueError) for an offset no
    time zone has, and for a local time the clocks skipped (the hour lost when summer time
    starts). A local time that happened twice (the hour repeated when it ends) is read as
    the first of the two; `repeated_local_time` says so, for a caller that can tell people.
    """
    stripped = text.strip()
    if not stripped:
        raise ValueError("the date-time is empty")
    value = datetime.fromisoformat(stripped)
    try:
        if value.tzinfo is None:
            value = _from_local(value)  # naive means "local wall-clock time"
        offset = value.utcoffset()
        if offset is not None and abs(offset) > MAX_OFFSET:
            raise ImplausibleTime(
                f"has the offset {_offset_text(offset)}: no time zone is more than "
                "14 hours from UTC"
            )
        return value.astimezone(UTC)
    except ImplausibleTime:
        raise
    except (OverflowError, ValueError):  # year 1 or 9999 moved across a day boundary
        raise ImplausibleTime(
            f"is outside the years {FIRST_YEAR} to {LAST_YEAR}: check the year"
        ) from None


def _from_local(wall: datetime) -> datetime:
    """The instant of a local wall-clock time, refusing one the clocks skipped."""
    first = wall.replace(fold=0).astimezone()
    if first.replace(tzinfo=None) != wall:
        after = max(wall.replace(fold=fold).astimezone().replace(tzinfo=None) for fold in (0, 1))
        raise ImplausibleTime(
            "does not exist in your time zone: the clocks went forward; "
            f"give {after:%H:%M} or an offset"
        )
    return first


def repeated_local_time(text: str) -> str | None:
    """For a local time given without an offset that happened twice (the clocks went back),
    which of the two `parse_instant` chose, in words; None for every other value."""
    try:
        wall = datetime.fromisoformat(text.strip())
        if wall.tzinfo is not None:
            return None
        first, second = (wall.replace(fold=fold).astimezone() for fold in (0, 1))
    except (ValueError, OverflowError):
        return None
    if first.utcoffset() == second.utcoffset() or second.replace(tzinfo=None) != wall:
        return None
    return (
        f"{wall:%H:%M} happened twice on {wall:%Y-%m-%d} (the clocks went back); taken as "
        f"the first, {wall:%H:%M}{_offset_text(first.utcoffset())}; add "
        f"{_offset_text(second.utcoffset())} for the second"
    )


def _offset_text(offset: timedelta | None) -> str:
    minutes = round((offset or timedelta()).total_seconds() / 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def to_local(instant: datetime) -> datetime:
    return instant.astimezone()


def local_date(instant: datetime) -> date:
    return instant.astimezone().date()


def iso_week(day: date) -> str:
    """`2026-W48`: ISO year and week, Monday start (the year may differ from the date's)."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_monday(week: str) -> date:
    """Monday of an ISO week written `YYYY-Www`; ValueError names the expected form.

    The week must hold a day of the years FIRST_YEAR to LAST_YEAR (so 1999-W52, which
    ends on 2 January 2000, is one): the weeks before and after it can then be computed.
    """
    try:
        year_text, week_text = week.upper().split("-W")
        monday = date.fromisocalendar(int(year_text), int(week_text), 1)
    except ValueError as exc:
        raise ValueError(f"week {week!r} is not a valid ISO week like 2026-W07") from exc
    if monday.year > LAST_YEAR or monday < date(FIRST_YEAR, 1, 1) - timedelta(days=6):
        raise ImplausibleTime(
            f"week {week!r} is outside the years {FIRST_YEAR} to {LAST_YEAR}: check the year"
        )
    return monday


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def utc_text(instant: datetime) -> str:
    """Stored form of an instant: UTC, ISO 8601 with offset, sortable as text."""
    return instant.astimezone(UTC).isoformat(timespec="microseconds")


def implausible_follow_up(due: date, held_on: date) -> str | None:
    """Why a follow-up due on `due`, for a conversation on `held_on`, cannot be meant (to
    follow the due date), or None: never before the conversation, nor more than a year
    after it (a later date is a mistyped year, and would never come up as overdue)."""
    if due < held_on:
        return f"cannot be before the conversation ({held_on.isoformat()})"
    try:
        a_year_on = held_on.replace(year=held_on.year + 1)
    except ValueError:  # 29 February
        a_year_on = held_on.replace(year=held_on.year + 1, day=28)
    if due > a_year_on:
        return (
            f"cannot be more than a year after the conversation ({held_on.isoformat()}): "
            "check the year"
        )
    return None


def implausible(instant: datetime, now: datetime) -> str | None:
    """Why a record cannot have happened at this instant (to follow "… cannot be"), or None."""
    if instant > now + FUTURE_SLACK:
        return "in the future"
    if instant < EARLIEST_RECORD:
        return f"dated {instant.date().isoformat()}: check the year (the earliest is 2000-01-01)"
    return None
