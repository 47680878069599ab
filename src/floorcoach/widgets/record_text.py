"""How records read on every screen: an outcome with its cause, when a follow-up is due,
and how many are overdue or due today. One wording, so the screens never disagree."""

from __future__ import annotations

from datetime import date

from rich.text import Text


def outcome_text(outcome: str, cause: str | None) -> Text:
    """`missed (system)` in the outcome's colour."""
    style = {"met": "green", "exceeded": "bold cyan", "missed": "red"}.get(outcome, "")
    label = outcome + (f" ({cause})" if cause else "")
    return Text(label, style=style)


def due_label(due: date, today: date) -> Text:
    """`overdue 3 days` (red), `today` (bold), `in 4 days` — as a supervisor says it."""
    days = (due - today).days
    if days < 0:
        return Text(f"overdue {-days} day{'s' * (days != -1)}", style="bold red")
    if days == 0:
        return Text("due today", style="bold yellow")
    return Text(f"in {days} day{'s' * (days != 1)}")


def due_counts(summary, *, with_upcoming: bool = False) -> str:
    """`3 overdue · 1 due today` (and `· 5 upcoming`) for a `FollowUpSummary`."""
    text = f"{summary.overdue} overdue · {summary.due_today} due today"
    return f"{text} · {summary.upcoming} upcoming" if with_upcoming else text
