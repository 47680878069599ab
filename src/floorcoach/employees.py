"""The roster: add, change, deactivate and find the people a supervisor observes."""

from __future__ import annotations

import sqlite3

from floorcoach import clock
from floorcoach.models import Employee, EmployeeInput
from floorcoach.search_text import add_fold_function, fold
from floorcoach.store import ConflictError, RecordNotFound, Store, StoreError, new_id

_COLUMNS = "id, employee_ref, name, team, active, version"


class AmbiguousEmployee(StoreError):
    """A name matched several people; `candidates` lists them so the user can choose."""

    def __init__(self, query: str, candidates: list[Employee]):
        self.candidates = candidates
        listed = "; ".join(
            f"{e.name} (ref {e.employee_ref or '-'}, team {e.team or '-'})" for e in candidates
        )
        super().__init__(f"'{query}' matches {len(candidates)} employees: {listed}")


def _to_employee(row: dict) -> Employee:
    return Employee(
        id=row["id"],
        employee_ref=row["employee_ref"],
        name=row["name"],
        team=row["team"],
        active=bool(row["active"]),
        version=row["version"],
    )


def _snapshot(employee: Employee) -> dict:
    return employee.model_dump(exclude={"version"})


def get_employee(store: Store, employee_id: str) -> Employee:
    rows = store.query(f"SELECT {_COLUMNS} FROM employee WHERE id = ?", (employee_id,))
    if not rows:
        raise RecordNotFound(f"no employee with id {employee_id}")
    return _to_employee(rows[0])


def add_employee(store: Store, data: EmployeeInput, *, by: str) -> Employee:
    now = clock.utc_text(clock.now())
    employee = Employee(id=new_id(), employee_ref=data.employee_ref, name=data.name, team=data.team)
    with store.write() as conn:
        try:
            conn.execute(
                "INSERT INTO employee(id, employee_ref, name, team, active, created_at, "
                "updated_at, version) VALUES (?, ?, ?, ?, 1, ?, ?, 1)",
                (employee.id, employee.employee_ref, employee.name, employee.team, now, now),
            )
        except sqlite3.IntegrityError as exc:
            raise StoreError(
                f"employee ref {data.employee_ref!r} is already used by someone else"
            ) from exc
        store.record_history(
            "employee",
            employee.id,
            "create",
            by,
            employee_id=employee.id,
            after=_snapshot(employee),
        )
    return employee


def update_employee(
    store: Store,
    employee_id: str,
    data: EmployeeInput,
    *,
    by: str,
    expected_version: int | None = None,
    active: bool | None = None,
) -> Employee:
    """Change an employee; `expected_version` guards against overwriting someone else's edit."""
    with store.write() as conn:
        before = get_employee(store, employee_id)
        if expected_version is not None and before.version != expected_version:
            raise ConflictError(
                f"{before.name} was changed elsewhere while you were editing; "
                "reopen the record to see the current details"
            )
        after = before.model_copy(
            update={
                "name": data.name,
                "team": data.team,
                "employee_ref": data.employee_ref,
                "active": before.active if active is None else active,
                "version": before.version + 1,
            }
        )
        if _snapshot(after) == _snapshot(before):
            return before
        try:
            conn.execute(
                "UPDATE employee SET employee_ref = ?, name = ?, team = ?, active = ?, "
                "updated_at = ?, version = version + 1 WHERE id = ?",
                (
                    after.employee_ref,
                    after.name,
                    after.team,
                    int(after.active),
                    clock.utc_text(clock.now()),
                    employee_id,
                ),
            )
        except sqlite3.IntegrityError as exc:
            raise StoreError(
                f"employee ref {data.employee_ref!r} is already used by someone else"
            ) from exc
        store.record_history(
            "employee",
            employee_id,
            "edit",
            by,
            employee_id=employee_id,
            before=_snapshot(before),
            after=_snapshot(after),
        )
    return after


def set_active(store: Store, employee_id: str, active: bool, *, by: str) -> Employee:
    current = get_employee(store, employee_id)
    data = EmployeeInput(name=current.name, team=current.team, employee_ref=current.employee_ref)
    return update_employee(store, employee_id, data, by=by, active=active)


def list_employees(
    store: Store,
    *,
    team: str | None = None,
    search: str = "",
    include_inactive: bool = False,
    limit: int | None = None,
    offset: int = 0,
) -> list[Employee]:
    """Employees by team then name; `search` matches name or ref anywhere, ignoring case
    and accents (`search_text.fold`)."""
    clauses, params = [], []
    if not include_inactive:
        clauses.append("active = 1")
    if team:
        clauses.append("team = ?")
        params.append(team)
    if search.strip():
        add_fold_function(store.conn)
        clauses.append("(instr(fold(name), ?) > 0 OR instr(fold(employee_ref), ?) > 0)")
        folded = fold(search.strip())
        params += [folded, folded]
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    page = f" LIMIT {int(limit)} OFFSET {int(offset)}" if limit is not None else ""
    rows = store.query(
        f"SELECT {_COLUMNS} FROM employee {where} ORDER BY team, name COLLATE NOCASE{page}",
        tuple(params),
    )
    return [_to_employee(row) for row in rows]


def list_teams(store: Store) -> list[str]:
    rows = store.query("SELECT DISTINCT team FROM employee WHERE active = 1 ORDER BY team")
    return [row["team"] for row in rows]


def find_team(store: Store, query: str) -> str:
    """The team someone typed, as the roster spells it (`fashion` → "Fashion").

    Teams of active people match ignoring case and accents; a name that folds to two
    spellings ("Café", "Cafe") is refused rather than guessed.
    """
    wanted = fold(query.strip())
    found = [team for team in list_teams(store) if fold(team) == wanted]
    if len(found) == 1:
        return found[0]
    if found:
        raise StoreError(f"'{query}' matches {len(found)} teams: {'; '.join(found)}")
    raise RecordNotFound(f"no active employee is in team '{query}'")


def find_employee(store: Store, query: str) -> Employee:
    """Resolve what a person typed (a ref, a full name, or part of a name) to one employee.

    An exact ref wins, then a whole name, then a unique partial match, names compared
    ignoring case and accents (`search_text.fold`); several matches raise
    AmbiguousEmployee with the candidates.
    """
    text = query.strip()
    if not text:
        raise RecordNotFound("no employee given")
    rows = store.query(f"SELECT {_COLUMNS} FROM employee WHERE employee_ref = ?", (text,))
    if rows:
        return _to_employee(rows[0])
    add_fold_function(store.conn)
    for sql in ("fold(name) = ?", "instr(fold(name), ?) > 0"):
        rows = store.query(
            f"SELECT {_COLUMNS} FROM employee WHERE {sql} ORDER BY active DESC, name",
            (fold(text),),
        )
        active = [row for row in rows if row["active"]] or rows
        if len(active) == 1:
            return _to_employee(active[0])
        if len(active) > 1:
            raise AmbiguousEmployee(text, [_to_employee(row) for row in active])
    raise RecordNotFound(f"no employee matches '{text}'")
