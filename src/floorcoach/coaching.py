"""Coaching sessions: the conversation, what was agreed, and when to look again.

A coaching session records a conversation with one person about one or more behaviours:
what was said, what was agreed, and when to look again. Each coached behaviour gets a
follow-up (`floorcoach.followups`), which the next observation checks; "did it stick"
(`floorcoach.coaching_progress`) compares the met-rate before and after.

The private note is the supervisor's own: it is read only by `get_coaching(...,
include_private=True)` for the coaching record and the edit form, never by lists,
timelines or exports, and it is kept out of the shared history table (the history only
says that it changed).
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints, field_validator, model_validator

from floorcoach import clock
from floorcoach.followups import (
    FollowUp,
    check_against_later_observations,
    follow_up_select,
    to_follow_up,
)
from floorcoach.models import FollowUpStatus, Kind, Observation, sql_value
from floorcoach.org.readonly import refuse_if_from_org
from floorcoach.records import COACHING_SESSION
from floorcoach.store import ConflictError, RecordNotFound, Store, StoreError, new_id

STICK_WINDOW = timedelta(weeks=4)


DEFAULT_FOLLOW_UP = timedelta(weeks=1)


FOLLOW_UP_PICKS = (("3 days", 3), ("1 week", 7), ("2 weeks", 14), ("4 weeks", 28))


MAX_BEHAVIOURS = 10
# Praise asks nothing of the employee: only these kinds may leave the agreed action empty
# (the form, `floorcoach coach --action` and the data dictionary say so).
ACTION_OPTIONAL = frozenset({Kind.RECOGNITION})


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
        if not self.agreed_action and self.kind not in ACTION_OPTIONAL:
            raise ValueError(
                f"write the action you agreed on (a {self.kind.value} talk needs one; "
                "recognition does not)"
            )
        if self.held_at is not None and self.held_at.tzinfo is None:
            raise ValueError("held_at must carry a time zone")
        return self


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
            return FollowUpStatus.OPEN.value
        return FollowUpStatus.CLOSED.value


# Each coached behaviour starts with an open follow-up.
_NEW_FOLLOW_UP_SQL = (
    "INSERT INTO coaching_followup(coaching_id, behaviour_id, employee_id, due, "
    f"status, position) VALUES (?, ?, ?, ?, {sql_value(FollowUpStatus.OPEN)}, ?)"
)


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
    from floorcoach.catalogue_store import get_behaviour
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
                _NEW_FOLLOW_UP_SQL,
                (coaching_id, behaviour_id, data.employee_id, due.isoformat(), position),
            )
            check_against_later_observations(store, coaching_id, behaviour_id, by=supervisor)
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
        refuse_if_from_org(store, "coaching_session", coaching_id)
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
                    _NEW_FOLLOW_UP_SQL,
                    (coaching_id, behaviour_id, data.employee_id, due.isoformat(), position),
                )
                check_against_later_observations(store, coaching_id, behaviour_id, by=by)
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
        refuse_if_from_org(store, "coaching_session", coaching_id)
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
