"""Observations: log, correct and delete them, always keeping the history.

An observation is evidence in a conversation about a person's work, so an edit never
rewrites the past silently: every create, edit and delete appends to `record_history`.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from floorcoach import clock
from floorcoach.catalogue_store import get_behaviour
from floorcoach.employees import get_employee
from floorcoach.models import Behaviour, Employee, HistoryEntry, Observation, ObservationInput
from floorcoach.org.readonly import refuse_if_from_org
from floorcoach.records import OBSERVATION
from floorcoach.store import ConflictError, RecordNotFound, Store, StoreError, new_id

_SELECT = """
SELECT o.*, e.name AS employee_name, e.employee_ref, e.team,
       b.title AS behaviour_title, b.touch_point
FROM observation o
JOIN employee e ON e.id = o.employee_id
JOIN behaviour b ON b.id = o.behaviour_id
"""


_HISTORY = set(OBSERVATION.history)
_TYPED_AND_EDITED = (set(OBSERVATION.edited) & set(ObservationInput.model_fields)) - {"observed_at"}


def _to_observation(row: dict) -> Observation:
    return Observation(**{**row, "story": bool(row["story"])})


def _snapshot(observation: Observation) -> dict:
    """What the history keeps (`records.OBSERVATION` says which fields, in which order)."""
    return OBSERVATION.snapshot(observation.model_dump(mode="json", include=_HISTORY))


def _edited_row(
    data: ObservationInput, observed_at: datetime, catalogue_version: str
) -> dict[str, object]:
    """The columns an edit may change, as stored (updated_at aside).

    A field typed in (`ObservationInput`) and declared edited in `records.OBSERVATION` is
    stored as typed, so a new optional field needs no line here; the rest is derived.
    """
    local_day = clock.local_date(observed_at)
    typed = data.model_dump(mode="json", include=_TYPED_AND_EDITED)
    return {
        **typed,
        "observed_at": clock.utc_text(observed_at),
        "local_date": local_day.isoformat(),
        "iso_week": clock.iso_week(local_day),
        "catalogue_version": catalogue_version,
    }


def _when(data: ObservationInput, now: datetime) -> datetime:
    """When it was observed (default now); refused in the future or with a mistyped year."""
    observed_at = data.observed_at or now
    problem = clock.implausible(observed_at, now)
    if problem:
        raise StoreError(f"an observation cannot be {problem}")
    return observed_at


def _check_references(store: Store, data: ObservationInput) -> tuple[Behaviour, Employee]:
    """The behaviour and the employee; refuse unknown behaviours and inactive people."""
    behaviour = get_behaviour(store, data.behaviour_id)
    if behaviour is None:
        raise StoreError(
            f"unknown behaviour '{data.behaviour_id}' (see `floorcoach catalogue list`)"
        )
    employee = get_employee(store, data.employee_id)
    if not employee.active:
        raise StoreError(f"{employee.name} is inactive; reactivate them to log observations")
    return behaviour, employee


def log_observation(store: Store, data: ObservationInput, *, supervisor: str) -> Observation:
    """Save one observation. When this returns, the record is on disk."""
    now = clock.now()
    observed_at = _when(data, now)
    stamp = clock.utc_text(now)
    local_day = clock.local_date(observed_at)
    with store.write() as conn:
        behaviour, employee = _check_references(store, data)
        # Built from what is written rather than read back: saving stays one round trip.
        # Every typed field is carried over, so a new one reaches the history unasked.
        saved = Observation(
            **{
                **data.model_dump(),
                "id": new_id(),
                "employee_id": employee.id,
                "employee_name": employee.name,
                "employee_ref": employee.employee_ref,
                "team": employee.team,
                "behaviour_id": behaviour.id,
                "behaviour_title": behaviour.title,
                "touch_point": behaviour.touch_point,
                "observed_at": observed_at,
                "local_date": local_day,
                "iso_week": clock.iso_week(local_day),
                "supervisor": supervisor,
                "catalogue_version": behaviour.catalogue_version,
                "created_at": now,
                "updated_at": now,
            }
        )
        row = {
            **_edited_row(data, observed_at, behaviour.catalogue_version),
            "id": saved.id,
            "employee_id": saved.employee_id,
            "supervisor": supervisor,
            "created_at": stamp,
            "updated_at": stamp,
            "team_when_observed": employee.team,  # kept: a later team change is not this
        }
        conn.execute(OBSERVATION.insert_sql, OBSERVATION.insert_values(row))
        store.record_history(
            "observation",
            saved.id,
            "create",
            supervisor,
            employee_id=data.employee_id,
            after=_snapshot(saved),
        )
        # Same transaction: a later observation checks the person's open coaching
        # follow-ups on this behaviour (`coaching.followups_checked_by` tells the caller).
        from floorcoach.followups import check_followups

        check_followups(store, saved, by=supervisor)
    return saved


def get_observation(store: Store, observation_id: str) -> Observation:
    rows = store.query(_SELECT + " WHERE o.id = ?", (observation_id,))
    if not rows:
        raise RecordNotFound(f"no observation with id {observation_id}")
    return _to_observation(rows[0])


def edit_observation(
    store: Store,
    observation_id: str,
    data: ObservationInput,
    *,
    by: str,
    expected_version: int,
) -> Observation:
    """Correct an observation; refuses when someone else changed it since it was read."""
    now = clock.now()
    observed_at = _when(data, now)
    with store.write() as conn:
        refuse_if_from_org(store, "observation", observation_id)
        before = get_observation(store, observation_id)
        if before.version != expected_version:
            raise ConflictError(
                "this observation was changed elsewhere while you were editing; "
                "nothing was overwritten — reopen it to see the current version"
            )
        if data.employee_id != before.employee_id:
            raise StoreError("an observation cannot be moved to another employee")
        catalogue_version = _check_references(store, data)[0].catalogue_version
        row = {
            **_edited_row(data, observed_at, catalogue_version),
            "updated_at": clock.utc_text(now),
        }
        conn.execute(OBSERVATION.update_sql, OBSERVATION.update_values(row, observation_id))
        after = get_observation(store, observation_id)
        store.record_history(
            "observation",
            observation_id,
            "edit",
            by,
            employee_id=before.employee_id,
            before=_snapshot(before),
            after=_snapshot(after),
        )
        # Follow-up results this observation gave must follow the corrected evidence.
        from floorcoach.followups import recheck_followups

        recheck_followups(store, after, by=by)
    return after


def delete_observation(
    store: Store, observation_id: str, *, by: str, expected_version: int | None = None
) -> None:
    """Delete on purpose: the record goes, its last content stays in the history."""
    with store.write() as conn:
        refuse_if_from_org(store, "observation", observation_id)
        before = get_observation(store, observation_id)
        if expected_version is not None and before.version != expected_version:
            raise ConflictError("this observation was changed elsewhere; nothing was deleted")
        conn.execute("DELETE FROM observation WHERE id = ?", (observation_id,))
        store.record_history(
            "observation",
            observation_id,
            "delete",
            by,
            employee_id=before.employee_id,
            before=_snapshot(before),
        )


def history(store: Store, record_type: str, record_id: str) -> list[HistoryEntry]:
    rows = store.query(
        "SELECT * FROM record_history WHERE record_type = ? AND record_id = ? ORDER BY seq",
        (record_type, record_id),
    )
    return [
        HistoryEntry(
            record_type=row["record_type"],
            record_id=row["record_id"],
            action=row["action"],
            changed_at=row["changed_at"],
            changed_by=row["changed_by"],
            before=json.loads(row["before"]) if row["before"] else None,
            after=json.loads(row["after"]) if row["after"] else None,
        )
        for row in rows
    ]


def observations_on(store: Store, day: date, *, limit: int = 200) -> list[Observation]:
    """The shift's log: observations with a local date of `day`, newest first."""
    rows = store.query(
        _SELECT + " WHERE o.local_date = ? ORDER BY o.observed_at DESC LIMIT ?",
        (day.isoformat(), limit),
    )
    return [_to_observation(row) for row in rows]


def count_on(store: Store, day: date) -> int:
    row = store.conn.execute(
        "SELECT count(*) FROM observation WHERE local_date = ?", (day.isoformat(),)
    ).fetchone()
    return row[0]


def employee_timeline(
    store: Store, employee_id: str, *, before: str | None = None, limit: int = 100
) -> list[Observation]:
    """One page of an employee's observations, newest first; pass the last `observed_at`
    as `before` for the next page (keyset paging stays fast at any size)."""
    if before:
        rows = store.query(
            _SELECT + " WHERE o.employee_id = ? AND o.observed_at < ? "
            "ORDER BY o.observed_at DESC LIMIT ?",
            (employee_id, before, limit),
        )
    else:
        rows = store.query(
            _SELECT + " WHERE o.employee_id = ? ORDER BY o.observed_at DESC LIMIT ?",
            (employee_id, limit),
        )
    return [_to_observation(row) for row in rows]


def count_observations(store: Store, employee_id: str | None = None) -> int:
    if employee_id:
        row = store.conn.execute(
            "SELECT count(*) FROM observation WHERE employee_id = ?", (employee_id,)
        ).fetchone()
    else:
        row = store.conn.execute("SELECT count(*) FROM observation").fetchone()
    return row[0]


DUPLICATE_WITHIN = timedelta(minutes=1)


def recent_duplicate(
    store: Store, employee_id: str, behaviour_id: str, outcome: str
) -> Observation | None:
    """The observation of this person, behaviour and outcome saved in the last minute, if
    any: a second one is more often a double Enter than a second sighting, so the form asks."""
    since = clock.utc_text(clock.now() - DUPLICATE_WITHIN)
    rows = store.query(
        _SELECT + " WHERE o.employee_id = ? AND o.behaviour_id = ? AND o.outcome = ? "
        "AND o.created_at >= ? ORDER BY o.created_at DESC LIMIT 1",
        (employee_id, behaviour_id, outcome, since),
    )
    return _to_observation(rows[0]) if rows else None
