"""Follow-ups: each coached behaviour waits to be seen again, and the next observation
checks it — the loop that makes coaching stick.

The next observation of that person on that behaviour checks it: met or exceeded means
the change *held*; a miss the person owns (skill, will, or unknown) means *not yet*; a
miss the system caused leaves it open, since it says nothing about the person. A
supervisor can also close a follow-up by hand with a note. Sessions live in
`floorcoach.coaching`; this module imports neither it nor `floorcoach.observations`, so
logging an observation can check follow-ups without an import cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from pydantic import BaseModel

from floorcoach import clock
from floorcoach.metrics import about_the_person_sql
from floorcoach.models import (
    CHECK_RESULTS,
    COUNTS_AS_MET,
    NOT_HELD_AGAINST,
    FollowUpStatus,
    Kind,
    Observation,
    sql_value,
)
from floorcoach.store import ConflictError, RecordNotFound, Store, StoreError

# A status as a person reads it: `not_yet` is "not yet".
STATUS_WORDS = {status.value: status.value.replace("_", " ") for status in FollowUpStatus}

# The statuses as SQL literals (the partial indexes are `WHERE status = 'open'`).
_OPEN = sql_value(FollowUpStatus.OPEN)
_CLOSED = sql_value(FollowUpStatus.CLOSED)
_CHECKED = ", ".join(sql_value(status) for status in CHECK_RESULTS)


class FollowUp(BaseModel):
    """One coached behaviour waiting to be seen again (or already seen)."""

    coaching_id: str
    behaviour_id: str
    behaviour_title: str = ""
    employee_id: str
    employee_name: str = ""
    employee_ref: str | None = None
    team: str = ""
    due: date
    status: FollowUpStatus
    result_observation_id: str | None = None
    result_outcome: str | None = None
    checked_at: datetime | None = None
    closed_by: str | None = None
    closed_note: str = ""
    held_at: datetime
    kind: Kind
    supervisor: str
    agreed_action: str = ""

    def due_state(self, today: date) -> str:
        """`overdue`, `due_today` or `upcoming` for an open follow-up; else its status."""
        if self.status is not FollowUpStatus.OPEN:
            return self.status.value
        if self.due < today:
            return "overdue"
        return "due_today" if self.due == today else "upcoming"


@dataclass(frozen=True)
class FollowUpResult:
    """What a logged observation did to an open follow-up (for telling the supervisor)."""

    coaching_id: str
    behaviour_id: str
    behaviour_title: str
    held_on: date
    status: FollowUpStatus

    def describe(self) -> str:
        word = STATUS_WORDS[self.status.value]
        return f"Follow-up from coaching on {day_text(self.held_on)}: {word}"


def day_text(day: date) -> str:
    return f"{day.day} {day:%b}"


def follow_up_select(where: str) -> str:
    return f"""
SELECT f.coaching_id, f.behaviour_id, b.title AS behaviour_title, f.employee_id,
       e.name AS employee_name, e.employee_ref, e.team, f.due, f.status,
       f.result_observation_id, ro.outcome AS result_outcome, f.checked_at, f.closed_by,
       f.closed_note, s.held_at, s.kind, s.supervisor, s.agreed_action
FROM coaching_followup f
JOIN coaching_session s ON s.id = f.coaching_id
JOIN employee e ON e.id = f.employee_id
JOIN behaviour b ON b.id = f.behaviour_id
LEFT JOIN observation ro ON ro.id = f.result_observation_id
{where}
"""


def to_follow_up(row: dict) -> FollowUp:
    return FollowUp(**row)


def verdict_for(outcome: str, cause: str | None) -> FollowUpStatus | None:
    """What one observation says about a follow-up; None when it says nothing (system)."""
    if outcome in COUNTS_AS_MET:
        return FollowUpStatus.HELD
    if cause == NOT_HELD_AGAINST:
        return None
    return FollowUpStatus.NOT_YET


def check_against_later_observations(
    store: Store, coaching_id: str, behaviour_id: str, *, by: str
) -> None:
    """Apply the first telling observation after the session (for back-dated sessions)."""
    rows = store.query(
        "SELECT o.id, o.outcome, o.cause FROM observation o "
        "JOIN coaching_session s ON s.id = ? "
        "WHERE o.employee_id = s.employee_id AND o.behaviour_id = ? AND o.observed_at > s.held_at "
        f"AND {about_the_person_sql()} "
        "ORDER BY o.observed_at LIMIT 1",
        (coaching_id, behaviour_id),
    )
    if rows:
        verdict = verdict_for(rows[0]["outcome"], rows[0]["cause"])
        if verdict is not None:
            _record_result(store, coaching_id, behaviour_id, rows[0]["id"], verdict, by=by)


def _record_result(
    store: Store,
    coaching_id: str,
    behaviour_id: str,
    observation_id: str,
    verdict: FollowUpStatus,
    *,
    by: str,
) -> None:
    now = clock.now()
    store.conn.execute(
        "UPDATE coaching_followup SET status = ?, result_observation_id = ?, checked_at = ? "
        f"WHERE coaching_id = ? AND behaviour_id = ? AND status = {_OPEN}",
        (verdict.value, observation_id, clock.utc_text(now), coaching_id, behaviour_id),
    )
    employee_id = store.conn.execute(
        "SELECT employee_id FROM coaching_session WHERE id = ?", (coaching_id,)
    ).fetchone()[0]
    store.record_history(
        "coaching_followup",
        f"{coaching_id}/{behaviour_id}",
        "edit",
        by,
        employee_id=employee_id,
        before={"status": FollowUpStatus.OPEN.value},
        after={"status": verdict.value, "result_observation_id": observation_id},
        at=now,
    )


def check_followups(store: Store, observation: Observation, *, by: str) -> list[FollowUpResult]:
    """Check the person's open follow-ups on this behaviour against a new observation.

    Called by `observations.log_observation` inside its write, so the observation and
    the follow-up result are saved together. Only sessions held before the observation
    count. A miss the system caused leaves the follow-up open.
    """
    verdict = verdict_for(
        observation.outcome.value, observation.cause.value if observation.cause else None
    )
    if verdict is None:
        return []
    rows = store.query(
        "SELECT f.coaching_id, f.behaviour_id, s.local_date, b.title "
        "FROM coaching_followup f JOIN coaching_session s ON s.id = f.coaching_id "
        "JOIN behaviour b ON b.id = f.behaviour_id "
        f"WHERE f.employee_id = ? AND f.behaviour_id = ? AND f.status = {_OPEN} "
        "AND s.held_at < ? ORDER BY s.held_at",
        (
            observation.employee_id,
            observation.behaviour_id,
            clock.utc_text(observation.observed_at),
        ),
    )
    results = []
    for row in rows:
        _record_result(
            store, row["coaching_id"], row["behaviour_id"], observation.id, verdict, by=by
        )
        results.append(
            FollowUpResult(
                coaching_id=row["coaching_id"],
                behaviour_id=row["behaviour_id"],
                behaviour_title=row["title"],
                held_on=date.fromisoformat(row["local_date"]),
                status=verdict,
            )
        )
    return results


def recheck_followups(store: Store, observation: Observation, *, by: str) -> list[FollowUpResult]:
    """After an observation is corrected: undo the results it gave, then check again.

    A corrected outcome (met → missed), cause (skill → system) or behaviour must not leave
    behind a follow-up result that the evidence no longer supports. Called inside the
    correction's write, so both are saved together.
    """
    reopened = store.query(
        "SELECT f.coaching_id, f.behaviour_id, f.status, s.employee_id "
        "FROM coaching_followup f JOIN coaching_session s ON s.id = f.coaching_id "
        f"WHERE f.result_observation_id = ? AND f.status IN ({_CHECKED})",
        (observation.id,),
    )
    for row in reopened:
        store.conn.execute(
            f"UPDATE coaching_followup SET status = {_OPEN}, result_observation_id = NULL, "
            "checked_at = NULL WHERE coaching_id = ? AND behaviour_id = ?",
            (row["coaching_id"], row["behaviour_id"]),
        )
        store.record_history(
            "coaching_followup",
            f"{row['coaching_id']}/{row['behaviour_id']}",
            "edit",
            by,
            employee_id=row["employee_id"],
            before={"status": row["status"], "result_observation_id": observation.id},
            after={"status": FollowUpStatus.OPEN.value},
        )
    return check_followups(store, observation, by=by)


def followups_checked_by(store: Store, observation_id: str) -> list[FollowUpResult]:
    """The follow-ups an observation checked (for the "Saved" message after logging)."""
    rows = store.query(
        "SELECT f.coaching_id, f.behaviour_id, f.status, s.local_date, b.title "
        "FROM coaching_followup f JOIN coaching_session s ON s.id = f.coaching_id "
        "JOIN behaviour b ON b.id = f.behaviour_id "
        "WHERE f.result_observation_id = ? ORDER BY s.held_at",
        (observation_id,),
    )
    return [
        FollowUpResult(
            coaching_id=row["coaching_id"],
            behaviour_id=row["behaviour_id"],
            behaviour_title=row["title"],
            held_on=date.fromisoformat(row["local_date"]),
            status=FollowUpStatus(row["status"]),
        )
        for row in rows
    ]


def open_followup_notice(store: Store, employee_id: str, behaviour_id: str) -> str | None:
    """A line for the observation form when this behaviour has an open follow-up."""
    rows = store.query(
        "SELECT s.local_date, s.agreed_action, f.due FROM coaching_followup f "
        "JOIN coaching_session s ON s.id = f.coaching_id "
        f"WHERE f.employee_id = ? AND f.behaviour_id = ? AND f.status = {_OPEN} "
        "ORDER BY s.held_at DESC",
        (employee_id, behaviour_id),
    )
    if not rows:
        return None
    row = rows[0]
    held = day_text(date.fromisoformat(row["local_date"]))
    due = date.fromisoformat(row["due"])
    today = clock.today()
    when = (
        f"overdue since {day_text(due)}"
        if due < today
        else "due today"
        if due == today
        else f"due {day_text(due)}"
    )
    text = f"Open follow-up from coaching on {held} ({when}); this observation will check it."
    if row["agreed_action"]:
        text += f" Agreed: {row['agreed_action']}"
    return text


def close_followup(
    store: Store, coaching_id: str, behaviour_id: str, note: str, *, by: str
) -> FollowUp:
    """Close a follow-up by hand, with a note saying why (it no longer waits for a check)."""
    note = note.strip()
    if not note:
        raise StoreError("write a short note saying why you close this follow-up")
    with store.write() as conn:
        rows = store.query(
            follow_up_select("WHERE f.coaching_id = ? AND f.behaviour_id = ?"),
            (coaching_id, behaviour_id),
        )
        if not rows:
            raise RecordNotFound("no such follow-up")
        before = to_follow_up(rows[0])
        if before.status is not FollowUpStatus.OPEN:
            raise ConflictError(
                f"this follow-up is already {STATUS_WORDS[before.status.value]}; nothing changed"
            )
        now = clock.now()
        conn.execute(
            f"UPDATE coaching_followup SET status = {_CLOSED}, checked_at = ?, closed_by = ?, "
            "closed_note = ? WHERE coaching_id = ? AND behaviour_id = ?",
            (clock.utc_text(now), by, note, coaching_id, behaviour_id),
        )
        store.record_history(
            "coaching_followup",
            f"{coaching_id}/{behaviour_id}",
            "edit",
            by,
            employee_id=before.employee_id,
            before={"status": FollowUpStatus.OPEN.value},
            after={"status": FollowUpStatus.CLOSED.value, "closed_note": note},
            at=now,
        )
        rows = store.query(
            follow_up_select("WHERE f.coaching_id = ? AND f.behaviour_id = ?"),
            (coaching_id, behaviour_id),
        )
    return to_follow_up(rows[0])


def list_followups(
    store: Store,
    today: date,
    *,
    overdue_only: bool = False,
    employee_id: str | None = None,
    limit: int | None = None,
) -> list[FollowUp]:
    """Open follow-ups, the most overdue first (one per coached behaviour)."""
    clauses, params = [f"f.status = {_OPEN}"], []
    if overdue_only:
        clauses.append("f.due < ?")
        params.append(today.isoformat())
    if employee_id:
        clauses.append("f.employee_id = ?")
        params.append(employee_id)
    sql = follow_up_select("WHERE " + " AND ".join(clauses))
    sql += " ORDER BY f.due, e.name COLLATE NOCASE, s.held_at, f.position"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return [to_follow_up(row) for row in store.query(sql, tuple(params))]


@dataclass(frozen=True)
class FollowUpSummary:
    overdue: int
    due_today: int
    upcoming: int
    items: list[FollowUp]  # the overdue and due-today ones, most overdue first (capped)


def followup_summary(store: Store, today: date, *, limit: int = 8) -> FollowUpSummary:
    """Counts for the home screen panel, plus the first overdue / due-today items."""
    day = today.isoformat()
    row = store.conn.execute(
        "SELECT coalesce(sum(due < ?), 0), coalesce(sum(due = ?), 0), coalesce(sum(due > ?), 0) "
        f"FROM coaching_followup WHERE status = {_OPEN}",
        (day, day, day),
    ).fetchone()
    items = [
        to_follow_up(r)
        for r in store.query(
            follow_up_select(f"WHERE f.status = {_OPEN} AND f.due <= ?")
            + " ORDER BY f.due, e.name COLLATE NOCASE LIMIT ?",
            (day, limit),
        )
    ]
    return FollowUpSummary(overdue=row[0], due_today=row[1], upcoming=row[2], items=items)


def followup_counts_by_employee(
    store: Store, today: date, employee_ids: list[str] | None = None
) -> dict[str, tuple[int, int]]:
    """employee_id -> (open, overdue) follow-ups, counted per coached behaviour.

    With `employee_ids`, every one of them is in the answer ((0, 0) when nothing is
    open); without, only people with something open are.
    """
    params: list = [today.isoformat()]
    where = f"status = {_OPEN}"
    if employee_ids is not None:
        if not employee_ids:
            return {}
        where += f" AND employee_id IN ({','.join('?' * len(employee_ids))})"
        params += list(employee_ids)
    rows = store.conn.execute(
        f"SELECT employee_id, count(*), sum(due < ?) FROM coaching_followup WHERE {where} "
        "GROUP BY employee_id",
        (params[0], *params[1:]),
    ).fetchall()
    counts = dict.fromkeys(employee_ids or [], (0, 0))
    counts.update({row[0]: (row[1], row[2] or 0) for row in rows})
    return counts
