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


def now() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    pinned = os.environ.get(NOW_ENV_VAR)
    if pinned:
        return parse_instant(pinned)
    return datetime.now(UTC)


def today() -> date:
    return local_date(now())


def parse_instant(text: str) -> datetime:
    """Parse ISO 8601; a value without an offset is read as local time. Returns UTC."""
    value = datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        value = value.astimezone()  # naive means "local wall-clock time"
    return value.astimezone(UTC)


def to_local(instant: datetime) -> datetime:
    return instant.astimezone()


def local_date(instant: datetime) -> date:
    return instant.astimezone().date()


def iso_week(day: date) -> str:
    """`2026-W48`: ISO year and week, Monday start (the year may differ from the date's)."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_monday(week: str) -> date:
    """Monday of an ISO week written `YYYY-Www`; ValueError names the expected form."""
    try:
        year_text, week_text = week.upper().split("-W")
        return date.fromisocalendar(int(year_text), int(week_text), 1)
    except ValueError as exc:
        raise ValueError(f"week {week!r} is not a valid ISO week like 2026-W07") from exc


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def utc_text(instant: datetime) -> str:
    """Stored form of an instant: UTC, ISO 8601 with offset, sortable as text."""
    return instant.astimezone(UTC).isoformat(timespec="microseconds")


def implausible(instant: datetime, now: datetime) -> str | None:
    """Why a record cannot have happened at this instant (to follow "… cannot be"), or None."""
    if instant > now + FUTURE_SLACK:
        return "in the future"
    if instant < EARLIEST_RECORD:
        return f"dated {instant.date().isoformat()}: check the year (the earliest is 2000-01-01)"
    return None
