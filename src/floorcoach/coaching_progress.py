"""How coaching is going: did it stick, recognition vs correction, the agenda, the timeline.

These read the coaching records (floorcoach.coaching) together with observations to
answer a supervisor's questions before and after a conversation, always with the one
met-rate definition in `floorcoach.metrics`: misses the system caused never count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from floorcoach import clock
from floorcoach.coaching import STICK_WINDOW, CoachingSession, coaching_for_employee, get_coaching
from floorcoach.followups import (
    STATUS_WORDS,
    FollowUp,
    day_text,
    follow_up_select,
    followup_counts_by_employee,
    to_follow_up,
)
from floorcoach.metrics import SQL_COUNTS, Counts, owned_miss_sql, percent
from floorcoach.models import FollowUpStatus, Kind, Observation, Outcome, sql_value
from floorcoach.store import Store

AGENDA_LOOKBACK = timedelta(weeks=12)
AGENDA_BEHAVIOURS = 8
# A change of at least this many points between before and after is called a change.
TREND_THRESHOLD = 0.10


# --- the timeline (observations and coaching on one line) -----------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    """One row of a person's timeline: an observation or a coaching session."""

    at: datetime
    observation: Observation | None = None
    coaching: CoachingSession | None = None
    stick: DidItStick | None = None

    @property
    def id(self) -> str:
        return self.observation.id if self.observation else self.coaching.id  # type: ignore[union-attr]


def employee_timeline_entries(
    store: Store,
    employee_id: str,
    *,
    before: str | None = None,
    limit: int = 100,
    with_stick: bool = True,
) -> list[TimelineEntry]:
    """One page of observations and coaching sessions, newest first.

    Keyset paging like `observations.employee_timeline`: pass the last entry's instant
    (`clock.utc_text(entry.at)`) as `before` for the next page. Coaching rows carry their
    "did it stick" figures when `with_stick`.
    """
    from floorcoach.observations import employee_timeline

    observations = employee_timeline(store, employee_id, before=before, limit=limit)
    sessions = coaching_for_employee(store, employee_id, before=before, limit=limit)
    entries = [TimelineEntry(at=o.observed_at, observation=o) for o in observations]
    now = clock.now()
    for session in sessions:
        stick = did_it_stick(store, session, now=now) if with_stick else None
        entries.append(TimelineEntry(at=session.held_at, coaching=session, stick=stick))
    # Coaching sorts after observations at the same instant (newest first, then coaching
    # last), so a conversation appears above the observation that prompted it.
    entries.sort(key=lambda e: (e.at, e.coaching is not None), reverse=True)
    return entries[:limit]


# --- did it stick ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DidItStick:
    """Met-rate on the coached behaviours in the 4 weeks before vs after (or until now)."""

    before: Counts
    after: Counts
    complete: bool  # the four weeks after have passed

    @property
    def change(self) -> float | None:
        if self.before.met_rate is None or self.after.met_rate is None:
            return None
        return self.after.met_rate - self.before.met_rate

    @property
    def provisional(self) -> bool:
        return self.before.provisional or self.after.provisional

    @property
    def verdict(self) -> str:
        if self.after.counted == 0:
            return "nothing counted since" if self.after.observations else "not seen since"
        if self.before.counted == 0:
            return "nothing to compare with"
        change = self.change or 0.0
        if change >= TREND_THRESHOLD:
            return "improving"
        if change <= -TREND_THRESHOLD:
            return "slipping"
        return "about the same"

    def describe(self) -> str:
        """`Before: 2 of 6 met (33%) · Since: 5 of 6 (83%) — improving`."""
        since = "4 weeks after" if self.complete else "Since"
        before = (
            f"{_fraction(self.before)} met ({percent(self.before.met_rate)})"
            if self.before.counted
            else "no observations"
        )
        if self.after.counted:
            after = f"{_fraction(self.after)} ({percent(self.after.met_rate)}) — {self.verdict}"
        elif self.after.observations:  # observed, but every miss was the system's
            seen = self.after.observations
            after = (
                f"observed {seen} time{'s' * (seen != 1)}, only misses the system caused "
                "(not counted)"
            )
        else:
            after = "not observed yet"
        text = f"Before: {before} · {since}: {after}"
        if self.provisional and self.after.counted and self.before.counted:
            text += " (provisional: fewer than 5 observations)"
        return text

    def short(self) -> str:
        """For a table cell: `33% → 83% improving`."""
        text = f"{percent(self.before.met_rate)} → {percent(self.after.met_rate)} {self.verdict}"
        return text + ("?" if self.provisional and self.after.counted else "")


def _fraction(counts: Counts) -> str:
    return f"{counts.met + counts.exceeded} of {counts.counted}"


def _counts(
    store: Store,
    employee_id: str,
    behaviour_ids: list[str],
    start: str,
    end: str,
    *,
    include_start: bool,
) -> Counts:
    if not behaviour_ids:
        return Counts()
    marks = ",".join("?" * len(behaviour_ids))
    low = ">=" if include_start else ">"
    high = "<" if include_start else "<="
    row = store.query(
        f"SELECT {SQL_COUNTS} FROM observation o WHERE o.employee_id = ? "
        f"AND o.behaviour_id IN ({marks}) AND o.observed_at {low} ? AND o.observed_at {high} ?",
        (employee_id, *behaviour_ids, start, end),
    )[0]
    return Counts.from_row(row)


def did_it_stick(
    store: Store, session: CoachingSession | str, *, now: datetime | None = None
) -> DidItStick:
    """Before = [held_at − 4 weeks, held_at); after = (held_at, held_at + 4 weeks]."""
    if isinstance(session, str):
        session = get_coaching(store, session)
    now = now or clock.now()
    held = session.held_at
    before = _counts(
        store,
        session.employee_id,
        session.behaviour_ids,
        clock.utc_text(held - STICK_WINDOW),
        clock.utc_text(held),
        include_start=True,
    )
    after = _counts(
        store,
        session.employee_id,
        session.behaviour_ids,
        clock.utc_text(held),
        clock.utc_text(held + STICK_WINDOW),
        include_start=False,
    )
    return DidItStick(before=before, after=after, complete=now >= held + STICK_WINDOW)


# --- recognition and correction ------------------------------------------------------------

# Per table, what counts as recognition and what as correction: exceeded outcomes and
# recognition talks; misses the person owns and corrective talks (development is neither).
_RECOGNITION_SQL = (
    ("observation", f"outcome = {sql_value(Outcome.EXCEEDED)}", owned_miss_sql("")),
    (
        "coaching_session",
        f"kind = {sql_value(Kind.RECOGNITION)}",
        f"kind = {sql_value(Kind.CORRECTIVE)}",
    ),
)


def recognition_counts(
    store: Store,
    *,
    date_from: date,
    date_to: date,
    employee_id: str | None = None,
    supervisor: str | None = None,
) -> tuple[int, int]:
    """(recognition, correction) between two local dates, both included.

    Recognition = exceeded outcomes + recognition sessions; correction = missed outcomes
    the person owns (system-caused misses are left out) + corrective sessions.
    Development sessions are neither.
    """
    where, params = (
        ["local_date >= ?", "local_date <= ?"],
        [
            date_from.isoformat(),
            date_to.isoformat(),
        ],
    )
    if employee_id:
        where.append("employee_id = ?")
        params.append(employee_id)
    if supervisor:
        where.append("supervisor = ?")
        params.append(supervisor)
    clause = " AND ".join(where)
    recognition = correction = 0
    for table, recognised, corrected in _RECOGNITION_SQL:
        rec, cor = store.conn.execute(
            f"SELECT coalesce(sum({recognised}), 0), coalesce(sum({corrected}), 0) "
            f"FROM {table} WHERE {clause}",
            params,
        ).fetchone()
        recognition, correction = recognition + rec, correction + cor
    return recognition, correction


def recognition_by_employee(
    store: Store, employee_ids: list[str], *, date_from: date, date_to: date
) -> dict[str, tuple[int, int]]:
    """employee_id -> (recognition, correction), as `recognition_counts`, for many at once."""
    if not employee_ids:
        return {}
    marks = ",".join("?" * len(employee_ids))
    params = [date_from.isoformat(), date_to.isoformat(), *employee_ids]
    where = f"local_date >= ? AND local_date <= ? AND employee_id IN ({marks})"
    counts = dict.fromkeys(employee_ids, (0, 0))
    for table, recognised, corrected in _RECOGNITION_SQL:
        for employee_id, rec, cor in store.conn.execute(
            f"SELECT employee_id, coalesce(sum({recognised}), 0), coalesce(sum({corrected}), 0) "
            f"FROM {table} WHERE {where} GROUP BY employee_id",
            params,
        ):
            before = counts[employee_id]
            counts[employee_id] = (before[0] + rec, before[1] + cor)
    return counts


def describe_ratio(recognition: int, correction: int) -> str:
    """`Recognition 6 : correction 2 (3 recognitions for every correction)`: the two counts
    (defined in `recognition_counts` and docs/coaching.md), then what they mean in words,
    never a bare "3.0 to 1"."""
    text = f"Recognition {recognition} : correction {correction}"
    if recognition == 0 and correction == 0:
        return text + " (nothing yet)"
    if correction == 0:
        return text + " (all recognition)"
    if recognition == 0:
        return text + " (no recognition yet)"
    return text + f" ({ratio_in_words(recognition, correction)})"


def ratio_in_words(recognition: int, correction: int) -> str:
    """`3 recognitions for every correction`, `1 recognition for every 2.5 corrections`:
    the larger count per one of the smaller, to one decimal, said the way round it is."""
    if recognition >= correction:
        times = _one_decimal(recognition / correction)
        return f"{times} recognition{'s' * (times != '1')} for every correction"
    times = _one_decimal(correction / recognition)
    return f"1 recognition for every {times} corrections"


def _one_decimal(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


# --- the carry-forward agenda --------------------------------------------------------------


@dataclass(frozen=True)
class AgendaBehaviour:
    behaviour_id: str
    behaviour_title: str
    last_coached: date
    kind: Kind
    follow_up: FollowUp
    since: Counts

    def describe(self) -> str:
        status = STATUS_WORDS[self.follow_up.status.value]
        if self.since.counted:
            seen = (
                f"since then {self.since.met + self.since.exceeded} of {self.since.counted} "
                f"met ({percent(self.since.met_rate)})"
            )
        else:
            seen = "not seen since"
        return f"{self.behaviour_title}: coached {day_text(self.last_coached)}, follow-up {status}; {seen}"


@dataclass(frozen=True)
class Agenda:
    """What to start a new conversation from: open actions and how coaching has gone."""

    open_actions: list[CoachingSession] = field(default_factory=list)
    behaviours: list[AgendaBehaviour] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.open_actions and not self.behaviours

    def lines(self, today: date) -> list[str]:
        if self.empty:
            return ["No earlier coaching in the last 12 weeks: a fresh start."]
        out = []
        for session in self.open_actions:
            due = session.follow_up_due
            when = (
                f"overdue since {day_text(due)}"
                if due < today
                else "due today"
                if due == today
                else f"due {day_text(due)}"
            )
            action = session.agreed_action or f"no action agreed ({session.kind.value})"
            out.append(f"Agreed {day_text(session.local_date)} (follow-up {when}): {action}")
        for item in self.behaviours:
            out.append(item.describe())
        return out


def carry_forward_agenda(store: Store, employee_id: str, *, now: datetime | None = None) -> Agenda:
    """Open agreed actions, and each behaviour coached in the last 12 weeks (latest
    session) with how it has gone since."""
    now = now or clock.now()
    open_ids = [
        row["coaching_id"]
        for row in store.query(
            "SELECT DISTINCT f.coaching_id, s.held_at FROM coaching_followup f "
            "JOIN coaching_session s ON s.id = f.coaching_id "
            f"WHERE f.employee_id = ? AND f.status = {sql_value(FollowUpStatus.OPEN)} "
            "ORDER BY s.held_at DESC LIMIT 10",
            (employee_id,),
        )
    ]
    open_sessions = [get_coaching(store, cid) for cid in open_ids]
    recent = store.query(
        follow_up_select(
            "WHERE f.employee_id = ? AND s.held_at >= ? "
            "AND s.held_at = (SELECT max(s2.held_at) FROM coaching_followup f2 "
            "JOIN coaching_session s2 ON s2.id = f2.coaching_id "
            "WHERE f2.employee_id = f.employee_id AND f2.behaviour_id = f.behaviour_id)"
        )
        + " ORDER BY s.held_at DESC LIMIT ?",
        (employee_id, clock.utc_text(now - AGENDA_LOOKBACK), AGENDA_BEHAVIOURS),
    )
    behaviours = []
    for row in recent:
        follow_up = to_follow_up(row)
        since = _counts(
            store,
            employee_id,
            [follow_up.behaviour_id],
            clock.utc_text(follow_up.held_at),
            clock.utc_text(now),
            include_start=False,
        )
        behaviours.append(
            AgendaBehaviour(
                behaviour_id=follow_up.behaviour_id,
                behaviour_title=follow_up.behaviour_title,
                last_coached=clock.local_date(follow_up.held_at),
                kind=follow_up.kind,
                follow_up=follow_up,
                since=since,
            )
        )
    return Agenda(open_actions=open_sessions, behaviours=behaviours)


# --- the employee page summary ---------------------------------------------------------------


@dataclass(frozen=True)
class CoachingSummary:
    open_follow_ups: int
    overdue_follow_ups: int
    recognition: int
    correction: int
    period_days: int
    latest: CoachingSession | None
    latest_stick: DidItStick | None

    def lines(self) -> list[str]:
        follow = f"Open follow-ups: {self.open_follow_ups}"
        if self.overdue_follow_ups:
            follow += f" ({self.overdue_follow_ups} overdue)"
        ratio = describe_ratio(self.recognition, self.correction)
        out = [f"{follow} · {ratio}, last {self.period_days} days"]
        if self.latest is not None and self.latest_stick is not None:
            titles = ", ".join(self.latest.behaviour_titles)
            out.append(
                f"Last coaching {day_text(self.latest.local_date)} on {titles}: "
                f"{self.latest_stick.describe()}"
            )
        return out


def employee_coaching_summary(
    store: Store, employee_id: str, *, today: date | None = None, period_days: int = 30
) -> CoachingSummary:
    today = today or clock.today()
    open_, overdue = followup_counts_by_employee(store, today, [employee_id])[employee_id]
    recognition, correction = recognition_counts(
        store,
        date_from=today - timedelta(days=period_days - 1),
        date_to=today,
        employee_id=employee_id,
    )
    latest_list = coaching_for_employee(store, employee_id, limit=1)
    latest = latest_list[0] if latest_list else None
    stick = did_it_stick(store, latest) if latest else None
    return CoachingSummary(open_, overdue, recognition, correction, period_days, latest, stick)
