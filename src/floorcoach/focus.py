"""Focus periods: the 1–3 behaviours a team lead asks a team (or everyone) to work on.

Training sticks when management keeps the organisation focused on a few behaviours for a
while. A focus period names its team (or everyone), its behaviours, and the first and last
day it runs (local dates, both included). While it runs, the observation form lists its
behaviours first and the trend views mark it. A team has at most one focus at a time, so
"1–3 behaviours" stays true; the focus for everyone can run alongside a team's own.
Every change is kept in the record history.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from pydantic import BaseModel, ConfigDict, Field, model_validator

from floorcoach import clock
from floorcoach.org.readonly import refuse_if_from_org
from floorcoach.store import ConflictError, RecordNotFound, Store, StoreError, new_id

MAX_BEHAVIOURS = 3
RECORD_TYPE = "focus_period"


class FocusInput(BaseModel):
    """What a team lead sets: whom it is for, which behaviours, from when until when."""

    model_config = ConfigDict(str_strip_whitespace=True)

    team: str | None = None  # None (or blank): everyone
    behaviour_ids: list[str] = Field(min_length=1, max_length=MAX_BEHAVIOURS)
    starts_on: date
    ends_on: date
    note: str = Field(default="", max_length=2_000)

    @model_validator(mode="after")
    def _check(self) -> FocusInput:
        if self.team == "":
            self.team = None
        if len(set(self.behaviour_ids)) != len(self.behaviour_ids):
            raise ValueError("a behaviour is listed twice in the focus")
        if self.ends_on < self.starts_on:
            raise ValueError("the focus must end on or after the day it starts")
        return self


class FocusPeriod(BaseModel):
    id: str
    team: str | None = None
    behaviour_ids: list[str]
    starts_on: date
    ends_on: date
    note: str = ""
    set_by: str
    version: int = 1

    @property
    def scope(self) -> str:
        """Whom the focus is for, in words: the team's name or 'everyone'."""
        return "everyone" if self.team is None else (self.team or "(no team)")

    def covers(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on

    def overlaps(self, first: date, last: date) -> bool:
        return self.starts_on <= last and first <= self.ends_on


_SELECT = """
SELECT f.id, f.team, f.starts_on, f.ends_on, f.note, f.set_by, f.version,
       (SELECT json_group_array(fb.behaviour_id) FROM
            (SELECT behaviour_id FROM focus_behaviour WHERE focus_id = f.id ORDER BY position) fb
       ) AS behaviour_ids
FROM focus_period f
"""


def _to_focus(row: dict) -> FocusPeriod:
    import json

    return FocusPeriod(**{**row, "behaviour_ids": json.loads(row["behaviour_ids"] or "[]")})


def _snapshot(focus: FocusPeriod) -> dict:
    return focus.model_dump(mode="json", exclude={"version", "id"})


def get_focus(store: Store, focus_id: str) -> FocusPeriod:
    rows = store.query(_SELECT + " WHERE f.id = ?", (focus_id,))
    if not rows:
        raise RecordNotFound(f"no focus period with id {focus_id}")
    return _to_focus(rows[0])


def _check_behaviours(store: Store, behaviour_ids: Sequence[str]) -> None:
    marks = ",".join("?" * len(behaviour_ids))
    known = {
        row["id"]
        for row in store.query(
            f"SELECT id FROM behaviour WHERE id IN ({marks}) AND retired = 0",
            tuple(behaviour_ids),
        )
    }
    unknown = [b for b in behaviour_ids if b not in known]
    if unknown:
        raise StoreError(
            f"unknown or retired behaviour '{unknown[0]}' (see `floorcoach catalogue list`)"
        )


def _check_overlap(store: Store, data: FocusInput, *, ignore_id: str | None = None) -> None:
    """One focus per team at a time: refuse a period that overlaps another for the same team."""
    rows = store.query(
        _SELECT + " WHERE f.team IS ? AND f.starts_on <= ? AND f.ends_on >= ? AND f.id IS NOT ?",
        (data.team, data.ends_on.isoformat(), data.starts_on.isoformat(), ignore_id),
    )
    if rows:
        other = _to_focus(rows[0])
        raise StoreError(
            f"{other.scope.capitalize()} already has a focus from {other.starts_on} to "
            f"{other.ends_on}; end or change that one first"
        )


def _write_behaviours(store: Store, focus_id: str, behaviour_ids: Sequence[str]) -> None:
    store.conn.execute("DELETE FROM focus_behaviour WHERE focus_id = ?", (focus_id,))
    store.conn.executemany(
        "INSERT INTO focus_behaviour(focus_id, position, behaviour_id) VALUES (?, ?, ?)",
        [(focus_id, position, b) for position, b in enumerate(behaviour_ids)],
    )


def set_focus(store: Store, data: FocusInput, *, by: str) -> FocusPeriod:
    """Start a focus period; refused if the team already has one over any of those days."""
    now = clock.utc_text(clock.now())
    focus_id = new_id()
    with store.write() as conn:
        _check_behaviours(store, data.behaviour_ids)
        _check_overlap(store, data)
        conn.execute(
            "INSERT INTO focus_period(id, team, starts_on, ends_on, note, set_by, created_at, "
            "updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)",
            (
                focus_id,
                data.team,
                data.starts_on.isoformat(),
                data.ends_on.isoformat(),
                data.note,
                by,
                now,
                now,
            ),
        )
        _write_behaviours(store, focus_id, data.behaviour_ids)
        saved = get_focus(store, focus_id)
        store.record_history(
            RECORD_TYPE, focus_id, "create", by, employee_id=None, after=_snapshot(saved)
        )
    return saved


def edit_focus(
    store: Store, focus_id: str, data: FocusInput, *, by: str, expected_version: int
) -> FocusPeriod:
    """Change a focus period (for example end it early); refuses if changed elsewhere."""
    with store.write() as conn:
        refuse_if_from_org(store, "focus_period", focus_id)
        before = get_focus(store, focus_id)
        if before.version != expected_version:
            raise ConflictError(
                "this focus was changed elsewhere while you were editing; nothing was "
                "overwritten — reopen it to see the current version"
            )
        _check_behaviours(store, data.behaviour_ids)
        _check_overlap(store, data, ignore_id=focus_id)
        conn.execute(
            "UPDATE focus_period SET team = ?, starts_on = ?, ends_on = ?, note = ?, "
            "updated_at = ?, version = version + 1 WHERE id = ?",
            (
                data.team,
                data.starts_on.isoformat(),
                data.ends_on.isoformat(),
                data.note,
                clock.utc_text(clock.now()),
                focus_id,
            ),
        )
        _write_behaviours(store, focus_id, data.behaviour_ids)
        after = get_focus(store, focus_id)
        store.record_history(
            RECORD_TYPE,
            focus_id,
            "edit",
            by,
            employee_id=None,
            before=_snapshot(before),
            after=_snapshot(after),
        )
    return after


def end_focus(
    store: Store, focus_id: str, *, by: str, expected_version: int, day: date | None = None
) -> FocusPeriod:
    """End a running focus on `day` (default today): its past stays marked in the trends."""
    current = get_focus(store, focus_id)
    last = day or clock.today()
    if last < current.starts_on:
        return delete_focus(store, focus_id, by=by, expected_version=expected_version)
    data = FocusInput(
        team=current.team,
        behaviour_ids=current.behaviour_ids,
        starts_on=current.starts_on,
        ends_on=min(current.ends_on, last),
        note=current.note,
    )
    return edit_focus(store, focus_id, data, by=by, expected_version=expected_version)


def delete_focus(
    store: Store, focus_id: str, *, by: str, expected_version: int | None = None
) -> FocusPeriod:
    """Remove a focus period on purpose; the history keeps what it was."""
    with store.write() as conn:
        refuse_if_from_org(store, "focus_period", focus_id)
        before = get_focus(store, focus_id)
        if expected_version is not None and before.version != expected_version:
            raise ConflictError("this focus was changed elsewhere; nothing was deleted")
        conn.execute("DELETE FROM focus_behaviour WHERE focus_id = ?", (focus_id,))
        conn.execute("DELETE FROM focus_period WHERE id = ?", (focus_id,))
        store.record_history(
            RECORD_TYPE, focus_id, "delete", by, employee_id=None, before=_snapshot(before)
        )
    return before


def list_focus_periods(
    store: Store,
    *,
    team: str | None = None,
    everyone_too: bool = True,
    first: date | None = None,
    last: date | None = None,
) -> list[FocusPeriod]:
    """Focus periods, latest start first; filtered to a team (plus everyone's) and to
    those overlapping [first, last] when given. With no team, every period is listed."""
    clauses, params = [], []
    if team is not None:
        clauses.append("(f.team = ?" + (" OR f.team IS NULL)" if everyone_too else ")"))
        params.append(team)
    if first is not None:
        clauses.append("f.ends_on >= ?")
        params.append(first.isoformat())
    if last is not None:
        clauses.append("f.starts_on <= ?")
        params.append(last.isoformat())
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    rows = store.query(_SELECT + where + " ORDER BY f.starts_on DESC, f.team", tuple(params))
    return [_to_focus(row) for row in rows]


def active_focus(store: Store, *, team: str | None, day: date | None = None) -> list[FocusPeriod]:
    """The focus periods running on `day` (default today) for `team` and for everyone;
    the team's own first. `team=None` means someone with no team: everyone's focus only."""
    day = day or clock.today()
    rows = store.query(
        _SELECT + " WHERE (f.team IS NULL OR f.team = ?) AND f.starts_on <= ? AND f.ends_on >= ?"
        " ORDER BY f.team IS NULL, f.starts_on",
        (team, day.isoformat(), day.isoformat()),
    )
    return [_to_focus(row) for row in rows]


def focus_behaviour_ids(store: Store, *, team: str | None, day: date | None = None) -> list[str]:
    """The behaviours to list first when observing someone of `team` on `day`."""
    ids: list[str] = []
    for focus in active_focus(store, team=team, day=day):
        ids += [b for b in focus.behaviour_ids if b not in ids]
    return ids
