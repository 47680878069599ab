"""Coaching sessions and their follow-ups: the loop that makes coaching stick.

A coaching session records a conversation with one person about one or more behaviours:
what was said, what was agreed, and when to look again. Each coached behaviour gets a
follow-up. The next observation of that person on that behaviour checks it: met or
exceeded means the change *held*; a miss the person owns (skill, will, or unknown) means
*not yet*; a miss the system caused leaves it open, since it says nothing about the
person. A supervisor can also close a follow-up by hand with a note.

"Did it stick" compares the met-rate on the coached behaviours in the four weeks before
the conversation with the four weeks after (or until now), using the one met-rate
definition in `floorcoach.metrics`.

The private note is the supervisor's own: it is read only by `get_coaching(...,
include_private=True)` for the coaching record and the edit form, never by lists,
timelines or exports, and it is kept out of the shared history table (the history only
says that it changed).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints, field_validator, model_validator

from floorcoach import clock
from floorcoach.models import Observation
from floorcoach.records import COACHING_SESSION
from floorcoach.store import ConflictError, RecordNotFound, Store, StoreError, new_id

STICK_WINDOW = timedelta(weeks=4)
DEFAULT_FOLLOW_UP = timedelta(weeks=1)
FOLLOW_UP_PICKS = (("3 days", 3), ("1 week", 7), ("2 weeks", 14), ("4 weeks", 28))
MAX_BEHAVIOURS = 10


class Kind(StrEnum):
    RECOGNITION = "recognition"
    CORRECTIVE = "corrective"
    DEVELOPMENT = "development"


class FollowUpStatus(StrEnum):
    OPEN = "open"
    HELD = "held"
    NOT_YET = "not_yet"
    CLOSED = "closed"


STATUS_WORDS = {"open": "open", "held": "held", "not_yet": "not yet", "closed": "closed"}


# --- records -----------------------------------------------------------------------------


class CoachingInput(BaseModel):
    """One coaching conversation as entered in the form or on the command line."""

    model_config = ConfigDict(str_strip_whitespace=True)

    employee_id: str
    kind: Kind
    behaviour_ids: list[str]
    said: Annotated[str, StringConstraints(max_length=20_000)] = ""
    agreed_action: Annotated[str, StringConstraints(max_length=5_000)] = ""
    follow_up_due: date | None = None  # None means one week after it was held
    held_at: datetime | None = None  # None means now
    acknowledged: bool = False
    employee_comment: Annotated[str, StringConstraints(max_length=5_000)] = ""
    private_note: Annotated[str, StringConstraints(max_length=20_000)] = ""
    observation_ids: list[str] = []

    @field_validator("behaviour_ids", "observation_ids")
    @classmethod
    def _unique(cls, values: list[str]) -> list[str]:
        return list(dict.fromkeys(v.strip() for v in values if v.strip()))

    @model_validator(mode="after")
    def _rules(self) -> CoachingInput:
        if not self.behaviour_ids:
            raise ValueError("name at least one behaviour you talked about")
        if len(self.behaviour_ids) > MAX_BEHAVIOURS:
            raise ValueError(f"keep a conversation to at most {MAX_BEHAVIOURS} behaviours")
        if not self.said:
            raise ValueError("write what was said (a sentence is enough)")
        if not self.agreed_action and self.kind is not Kind.RECOGNITION:
            raise ValueError("write the action you agreed on")
        if self.held_at is not None and self.held_at.tzinfo is None:
            raise ValueError("held_at must carry a time zone")
        return self


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


class CoachingSession(BaseModel):
    id: str
    employee_id: str
    employee_name: str = ""
    employee_ref: str | None = None
    team: str = ""
    supervisor: str
    held_at: datetime
    local_date: date
    kind: Kind
    said: str = ""
    agreed_action: str = ""
    follow_up_due: date
    acknowledged: bool = False
    employee_comment: str = ""
    private_note: str | None = None  # None unless read for the coaching record itself
    created_at: datetime
    updated_at: datetime
    version: int = 1
    follow_ups: list[FollowUp] = []
    observation_ids: list[str] = []

    @property
    def behaviour_ids(self) -> list[str]:
        return [f.behaviour_id for f in self.follow_ups]

    @property
    def behaviour_titles(self) -> list[str]:
        return [f.behaviour_title or f.behaviour_id for f in self.follow_ups]

    @property
    def status(self) -> str:
        """`open` while any coached behaviour still waits to be seen again, else `closed`."""
        if any(f.status is FollowUpStatus.OPEN for f in self.follow_ups):
            return "open"
        return "closed"


@dataclass(frozen=True)
class FollowUpResult:
    """What a logged observation did to an open follow-up (for telling the supervisor)."""

    coaching_id: str
    behaviour_id: str
    behaviour_title: str
    held_on: date
    status: FollowUpStatus

    def describe(self) -> str:
        word = {"held": "held", "not_yet": "not yet"}.get(self.status.value, self.status.value)
        return f"Follow-up from coaching on {day_text(self.held_on)}: {word}"


# --- helpers -----------------------------------------------------------------------------


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


_SESSION_SELECT = """
SELECT s.id, s.employee_id, e.name AS employee_name, e.employee_ref, e.team, s.supervisor,
       s.held_at, s.local_date, s.kind, s.said, s.agreed_action, s.follow_up_due,
       s.acknowledged, s.employee_comment, s.created_at, s.updated_at, s.version
       {private}
FROM coaching_session s
JOIN employee e ON e.id = s.employee_id
"""


_HISTORY = set(COACHING_SESSION.history)


def _session_sql(include_private: bool) -> str:
    return _SESSION_SELECT.format(private=", s.private_note" if include_private else "")


def _attach(store: Store, rows: list[dict]) -> list[CoachingSession]:
    """Turn session rows into records with their follow-ups and linked observations."""
    if not rows:
        return []
    ids = [row["id"] for row in rows]
    marks = ",".join("?" * len(ids))
    follow_ups: dict[str, list[FollowUp]] = {i: [] for i in ids}
    for row in store.query(
        follow_up_select(f"WHERE f.coaching_id IN ({marks})")
        + " ORDER BY f.coaching_id, f.position",
        tuple(ids),
    ):
        follow_ups[row["coaching_id"]].append(to_follow_up(row))
    links: dict[str, list[str]] = {i: [] for i in ids}
    for row in store.query(
        f"SELECT co.coaching_id, co.observation_id FROM coaching_observation co "
        f"JOIN observation o ON o.id = co.observation_id "
        f"WHERE co.coaching_id IN ({marks}) ORDER BY o.observed_at",
        tuple(ids),
    ):
        links[row["coaching_id"]].append(row["observation_id"])
    return [
        CoachingSession(
            **{**row, "acknowledged": bool(row["acknowledged"])},
            follow_ups=follow_ups[row["id"]],
            observation_ids=links[row["id"]],
        )
        for row in rows
    ]


def _snapshot_values(session: CoachingSession, private_note: str) -> dict:
    """The session as the history sees it (`records.COACHING_SESSION` picks and orders)."""
    return {
        **session.model_dump(mode="json", include=_HISTORY),
        "behaviour_ids": session.behaviour_ids,
        "private_note": private_note,
    }


def _snapshot(session: CoachingSession, private_note: str) -> dict:
    """What the history keeps: everything but the private note's text."""
    return COACHING_SESSION.snapshot(_snapshot_values(session, private_note))


def _check_follow_up(due: date, held_at: datetime) -> None:
    """One rule for the CLI, the form and corrections (`clock.implausible_follow_up`)."""
    problem = clock.implausible_follow_up(due, clock.local_date(held_at))
    if problem:
        raise StoreError(f"the follow-up ({due.isoformat()}) {problem}")


def _check_input(store: Store, data: CoachingInput, held_at: datetime) -> None:
    from floorcoach.behaviours import get_behaviour
    from floorcoach.employees import get_employee

    problem = clock.implausible(held_at, clock.now())
    if problem:
        raise StoreError(f"a coaching session cannot be {problem}")
    employee = get_employee(store, data.employee_id)
    if not employee.active:
        raise StoreError(f"{employee.name} is inactive; reactivate them to log coaching")
    for behaviour_id in data.behaviour_ids:
        if get_behaviour(store, behaviour_id) is None:
            raise StoreError(
                f"unknown behaviour '{behaviour_id}' (see `floorcoach catalogue list`)"
            )
    if data.follow_up_due is not None:
        _check_follow_up(data.follow_up_due, held_at)
    for observation_id in data.observation_ids:
        row = store.conn.execute(
            "SELECT employee_id FROM observation WHERE id = ?", (observation_id,)
        ).fetchone()
        if row is None:
            raise StoreError(f"no observation with id {observation_id}")
        if row[0] != data.employee_id:
            raise StoreError("a linked observation must be of the same employee")


def _edited_row(data: CoachingInput, held_at: datetime, due: date) -> dict[str, object]:
    """The columns an edit may change, as stored (updated_at aside)."""
    return {
        "held_at": clock.utc_text(held_at),
        "local_date": clock.local_date(held_at).isoformat(),
        "kind": data.kind.value,
        "said": data.said,
        "agreed_action": data.agreed_action,
        "follow_up_due": due.isoformat(),
        "acknowledged": int(data.acknowledged),
        "employee_comment": data.employee_comment,
        "private_note": data.private_note,
    }


def default_due(held_at: datetime | None = None) -> date:
    return clock.local_date(held_at or clock.now()) + DEFAULT_FOLLOW_UP


def verdict_for(outcome: str, cause: str | None) -> FollowUpStatus | None:
    """What one observation says about a follow-up; None when it says nothing (system)."""
    if outcome in ("met", "exceeded"):
        return FollowUpStatus.HELD
    if cause == "system":
        return None
    return FollowUpStatus.NOT_YET


# --- create, edit, delete -----------------------------------------------------------------


def create_coaching(store: Store, data: CoachingInput, *, supervisor: str) -> CoachingSession:
    """Save one coaching session with a follow-up per behaviour. On disk when it returns.

    A session recorded after the fact (`held_at` in the past) is checked at once against
    the observations logged since, exactly as a new observation would check it.
    """
    held_at = data.held_at or clock.now()
    held_day = clock.local_date(held_at)
    due = data.follow_up_due or held_day + DEFAULT_FOLLOW_UP
    now = clock.utc_text(clock.now())
    coaching_id = new_id()
    with store.write() as conn:
        _check_input(store, data, held_at)
        row = {
            **_edited_row(data, held_at, due),
            "id": coaching_id,
            "employee_id": data.employee_id,
            "supervisor": supervisor,
            "created_at": now,
            "updated_at": now,
        }
        conn.execute(COACHING_SESSION.insert_sql, COACHING_SESSION.insert_values(row))
        for position, behaviour_id in enumerate(data.behaviour_ids):
            conn.execute(
                "INSERT INTO coaching_followup(coaching_id, behaviour_id, employee_id, due, "
                "status, position) VALUES (?, ?, ?, ?, 'open', ?)",
                (coaching_id, behaviour_id, data.employee_id, due.isoformat(), position),
            )
            _check_against_later_observations(store, coaching_id, behaviour_id, by=supervisor)
        conn.executemany(
            "INSERT INTO coaching_observation(coaching_id, observation_id) VALUES (?, ?)",
            [(coaching_id, oid) for oid in data.observation_ids],
        )
        saved = get_coaching(store, coaching_id)
        store.record_history(
            "coaching_session",
            coaching_id,
            "create",
            supervisor,
            employee_id=data.employee_id,
            after=_snapshot(saved, data.private_note),
        )
    return get_coaching(store, coaching_id, include_private=True)


def _check_against_later_observations(
    store: Store, coaching_id: str, behaviour_id: str, *, by: str
) -> None:
    """Apply the first telling observation after the session (for back-dated sessions)."""
    rows = store.query(
        "SELECT o.id, o.outcome, o.cause FROM observation o "
        "JOIN coaching_session s ON s.id = ? "
        "WHERE o.employee_id = s.employee_id AND o.behaviour_id = ? AND o.observed_at > s.held_at "
        "AND NOT (o.outcome = 'missed' AND o.cause IS 'system') "
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
        "WHERE coaching_id = ? AND behaviour_id = ? AND status = 'open'",
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
        before={"status": "open"},
        after={"status": verdict.value, "result_observation_id": observation_id},
        at=now,
    )


def edit_coaching(
    store: Store,
    coaching_id: str,
    data: CoachingInput,
    *,
    by: str,
    expected_version: int,
) -> CoachingSession:
    """Correct a session; refuses when someone else changed it since it was read.

    Follow-ups of behaviours kept keep their result; new behaviours get an open
    follow-up; removed ones go (the history keeps what the session said before).
    """
    with store.write() as conn:
        before = get_coaching(store, coaching_id, include_private=True)
        if before.version != expected_version:
            raise ConflictError(
                "this coaching session was changed elsewhere while you were editing; "
                "nothing was overwritten — reopen it to see the current version"
            )
        if data.employee_id != before.employee_id:
            raise StoreError("a coaching session cannot be moved to another employee")
        held_at = data.held_at or before.held_at
        _check_input(store, data, held_at)
        due = data.follow_up_due or before.follow_up_due
        _check_follow_up(due, held_at)
        row = {**_edited_row(data, held_at, due), "updated_at": clock.utc_text(clock.now())}
        conn.execute(COACHING_SESSION.update_sql, COACHING_SESSION.update_values(row, coaching_id))
        kept = set(data.behaviour_ids)
        for behaviour_id in before.behaviour_ids:
            if behaviour_id not in kept:
                conn.execute(
                    "DELETE FROM coaching_followup WHERE coaching_id = ? AND behaviour_id = ?",
                    (coaching_id, behaviour_id),
                )
        existing = set(before.behaviour_ids)
        for position, behaviour_id in enumerate(data.behaviour_ids):
            if behaviour_id in existing:
                conn.execute(
                    "UPDATE coaching_followup SET position = ?, due = ? "
                    "WHERE coaching_id = ? AND behaviour_id = ?",
                    (position, due.isoformat(), coaching_id, behaviour_id),
                )
            else:
                conn.execute(
                    "INSERT INTO coaching_followup(coaching_id, behaviour_id, employee_id, due, "
                    "status, position) VALUES (?, ?, ?, ?, 'open', ?)",
                    (coaching_id, behaviour_id, data.employee_id, due.isoformat(), position),
                )
                _check_against_later_observations(store, coaching_id, behaviour_id, by=by)
        conn.execute("DELETE FROM coaching_observation WHERE coaching_id = ?", (coaching_id,))
        conn.executemany(
            "INSERT INTO coaching_observation(coaching_id, observation_id) VALUES (?, ?)",
            [(coaching_id, oid) for oid in data.observation_ids],
        )
        after = get_coaching(store, coaching_id, include_private=True)
        # A changed private note is "(changed)" in the after: that it changed, never what.
        before_snapshot, after_snapshot = COACHING_SESSION.edit_snapshots(
            _snapshot_values(before, before.private_note or ""),
            _snapshot_values(after, after.private_note or ""),
        )
        store.record_history(
            "coaching_session",
            coaching_id,
            "edit",
            by,
            employee_id=before.employee_id,
            before=before_snapshot,
            after=after_snapshot,
        )
    return after


def delete_coaching(
    store: Store, coaching_id: str, *, by: str, expected_version: int | None = None
) -> None:
    """Delete on purpose: the session and its follow-ups go, the history keeps what it said."""
    with store.write() as conn:
        before = get_coaching(store, coaching_id, include_private=True)
        if expected_version is not None and before.version != expected_version:
            raise ConflictError("this coaching session was changed elsewhere; nothing was deleted")
        conn.execute("DELETE FROM coaching_session WHERE id = ?", (coaching_id,))
        store.record_history(
            "coaching_session",
            coaching_id,
            "delete",
            by,
            employee_id=before.employee_id,
            before=_snapshot(before, before.private_note or ""),
        )


# --- reading -------------------------------------------------------------------------------


def get_coaching(
    store: Store, coaching_id: str, *, include_private: bool = False
) -> CoachingSession:
    rows = store.query(_session_sql(include_private) + " WHERE s.id = ?", (coaching_id,))
    if not rows:
        raise RecordNotFound(f"no coaching session with id {coaching_id}")
    return _attach(store, rows)[0]


def coaching_for_employee(
    store: Store, employee_id: str, *, before: str | None = None, limit: int = 100
) -> list[CoachingSession]:
    """One page of a person's coaching sessions, newest first (keyset paging on held_at)."""
    if before:
        rows = store.query(
            _session_sql(False) + " WHERE s.employee_id = ? AND s.held_at < ? "
            "ORDER BY s.held_at DESC LIMIT ?",
            (employee_id, before, limit),
        )
    else:
        rows = store.query(
            _session_sql(False) + " WHERE s.employee_id = ? ORDER BY s.held_at DESC LIMIT ?",
            (employee_id, limit),
        )
    return _attach(store, rows)


def count_coaching(store: Store, employee_id: str | None = None) -> int:
    if employee_id:
        row = store.conn.execute(
            "SELECT count(*) FROM coaching_session WHERE employee_id = ?", (employee_id,)
        ).fetchone()
    else:
        row = store.conn.execute("SELECT count(*) FROM coaching_session").fetchone()
    return row[0]


def linked_observations(store: Store, coaching_id: str) -> list[Observation]:
    from floorcoach.observations import get_observation

    session = get_coaching(store, coaching_id)
    return [get_observation(store, oid) for oid in session.observation_ids]


def coaching_history(store: Store, coaching_id: str):
    """The session's history and its follow-ups' checks, oldest first."""
    from floorcoach.observations import history

    entries = history(store, "coaching_session", coaching_id)
    rows = store.query(
        "SELECT record_id FROM record_history WHERE record_type = 'coaching_followup' "
        "AND record_id LIKE ? ESCAPE '\\' GROUP BY record_id",
        (coaching_id.replace("%", "\\%").replace("_", "\\_") + "/%",),
    )
    for row in rows:
        entries += history(store, "coaching_followup", row["record_id"])
    return sorted(entries, key=lambda e: e.changed_at)


# --- the automatic check ----------------------------------------------------------------------


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
        "WHERE f.employee_id = ? AND f.behaviour_id = ? AND f.status = 'open' "
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


# The order of a generated session tuple (demo.py, bench/generate.py): fixed, so a new
# column of coaching_session does not change what they pass.
GENERATED_SESSION_COLUMNS = (
    "id",
    "employee_id",
    "supervisor",
    "held_at",
    "local_date",
    "kind",
    "said",
    "agreed_action",
    "follow_up_due",
    "acknowledged",
    "employee_comment",
    "private_note",
    "created_at",
    "updated_at",
)
_GENERATED_SESSION_SQL = COACHING_SESSION.insert_sql_for(GENERATED_SESSION_COLUMNS)


def insert_coaching_rows(
    conn: sqlite3.Connection,
    sessions: list[tuple],
    follow_ups: list[tuple],
    links: list[tuple[str, str]],
) -> None:
    """Bulk-insert generated coaching (demo data, benchmarks), inside the caller's write.

    Session tuples follow GENERATED_SESSION_COLUMNS, the others the column order of the
    INSERTs below; a column added later takes its default. Records people type go
    through `create_coaching`, which checks them and keeps their history.
    """
    conn.executemany(_GENERATED_SESSION_SQL, sessions)
    conn.executemany(
        "INSERT INTO coaching_followup(coaching_id, behaviour_id, employee_id, due, status, "
        "result_observation_id, checked_at, closed_by, closed_note, position) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
        follow_ups,
    )
    conn.executemany(
        "INSERT INTO coaching_observation(coaching_id, observation_id) VALUES (?, ?)", links
    )


def recheck_followups(store: Store, observation: Observation, *, by: str) -> list[FollowUpResult]:
    """After an observation is corrected: undo the results it gave, then check again.

    A corrected outcome (met → missed), cause (skill → system) or behaviour must not leave
    behind a follow-up result that the evidence no longer supports. Called inside the
    correction's write, so both are saved together.
    """
    reopened = store.query(
        "SELECT f.coaching_id, f.behaviour_id, f.status, s.employee_id "
        "FROM coaching_followup f JOIN coaching_session s ON s.id = f.coaching_id "
        "WHERE f.result_observation_id = ? AND f.status IN ('held', 'not_yet')",
        (observation.id,),
    )
    for row in reopened:
        store.conn.execute(
            "UPDATE coaching_followup SET status = 'open', result_observation_id = NULL, "
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
            after={"status": "open"},
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
        "WHERE f.employee_id = ? AND f.behaviour_id = ? AND f.status = 'open' "
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
            "UPDATE coaching_followup SET status = 'closed', checked_at = ?, closed_by = ?, "
            "closed_note = ? WHERE coaching_id = ? AND behaviour_id = ?",
            (clock.utc_text(now), by, note, coaching_id, behaviour_id),
        )
        store.record_history(
            "coaching_followup",
            f"{coaching_id}/{behaviour_id}",
            "edit",
            by,
            employee_id=before.employee_id,
            before={"status": "open"},
            after={"status": "closed", "closed_note": note},
            at=now,
        )
        rows = store.query(
            follow_up_select("WHERE f.coaching_id = ? AND f.behaviour_id = ?"),
            (coaching_id, behaviour_id),
        )
    return to_follow_up(rows[0])


# --- follow-up lists and counts ---------------------------------------------------------------


def list_followups(
    store: Store,
    today: date,
    *,
    overdue_only: bool = False,
    employee_id: str | None = None,
    limit: int | None = None,
) -> list[FollowUp]:
    """Open follow-ups, the most overdue first (one per coached behaviour)."""
    clauses, params = ["f.status = 'open'"], []
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
        "FROM coaching_followup WHERE status = 'open'",
        (day, day, day),
    ).fetchone()
    items = [
        to_follow_up(r)
        for r in store.query(
            follow_up_select("WHERE f.status = 'open' AND f.due <= ?")
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
    where = "status = 'open'"
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
