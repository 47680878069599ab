"""One list of fields per record: what its table stores, what an edit changes, what the
history keeps.

An observation's and a coaching session's INSERT, UPDATE and history snapshot (the
before/after JSON in `record_history`) are built from the declarations below, so a new
field is declared once. The CSV exports name the same fields, and `floorcoach.export`
refuses to load when a stored field is neither exported nor listed as deliberately not
exported (a private note is never exported).

Fields are declared in table order; a field that is not a column (a list kept in a link
table) sits where the history shows it, since the history keeps the declared order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Field:
    """One field of a record.

    `stored`: a column of the record's table (False: the history shows it, but it lives
    elsewhere, e.g. in a link table). `edited`: an edit may change it, so the UPDATE
    writes it. `history`: the history snapshot keeps it. `private`: the supervisor's own
    words — the history says only whether it is written or changed, and no export reads it.
    """

    name: str
    stored: bool = True
    edited: bool = False
    history: bool = False
    private: bool = False


@dataclass(frozen=True)
class Record:
    """A record's fields, and the SQL and snapshot built from them once, at import.

    `version` is the optimistic-lock counter: 1 on insert, one more on every update, so
    no caller passes it. The UPDATE is keyed on `key`.
    """

    table: str
    fields: tuple[Field, ...]
    key: str = "id"
    version: str = "version"
    columns: tuple[str, ...] = field(init=False)  # every stored field, in declared order
    written: tuple[str, ...] = field(init=False)  # the values an INSERT takes: all but version
    edited: tuple[str, ...] = field(init=False)  # the values an UPDATE takes, then the key
    history: tuple[str, ...] = field(init=False)  # the snapshot's keys, in its order
    private: frozenset[str] = field(init=False)
    insert_sql: str = field(init=False)
    update_sql: str = field(init=False)

    def __post_init__(self) -> None:
        names = [f.name for f in self.fields]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.table}: a field is declared twice")
        columns = tuple(f.name for f in self.fields if f.stored)
        if self.key not in columns or self.version not in columns:
            raise ValueError(f"{self.table}: {self.key} and {self.version} must be stored")
        for f in self.fields:
            if f.edited and (not f.stored or f.name in (self.key, self.version)):
                raise ValueError(f"{self.table}.{f.name}: only a stored field can be edited")
        edited = tuple(f.name for f in self.fields if f.edited)
        sets = ", ".join(f"{name} = ?" for name in edited)
        fill = object.__setattr__
        fill(self, "columns", columns)
        fill(self, "written", tuple(c for c in columns if c != self.version))
        fill(self, "edited", edited)
        fill(self, "history", tuple(f.name for f in self.fields if f.history))
        fill(self, "private", frozenset(f.name for f in self.fields if f.private))
        fill(self, "insert_sql", self.insert_sql_for(self.written))
        fill(
            self,
            "update_sql",
            f"UPDATE {self.table} SET {sets}, {self.version} = {self.version} + 1 "
            f"WHERE {self.key} = ?",
        )

    def insert_sql_for(self, columns: tuple[str, ...]) -> str:
        """An INSERT of these columns (in this order) with version 1; the rest take defaults.

        For bulk loads whose tuples have a fixed order (demo data, benchmarks): a column
        added later does not change their shape.
        """
        unknown = [c for c in columns if c not in self.columns or c == self.version]
        if unknown:
            raise ValueError(f"{self.table}: not a written column: {', '.join(unknown)}")
        names = ", ".join((*columns, self.version))
        marks = ", ".join(["?"] * len(columns) + ["1"])
        return f"INSERT INTO {self.table}({names}) VALUES ({marks})"

    def insert_values(self, row: Mapping[str, object]) -> tuple:
        """`row` (column -> SQL value, every written column, no other) in INSERT order."""
        self._exactly(row, self.written, "an insert")
        return tuple(row[name] for name in self.written)

    def update_values(self, row: Mapping[str, object], key: object) -> tuple:
        """`row` (every edited column, no other) in UPDATE order, then the key."""
        self._exactly(row, self.edited, "an edit")
        return (*(row[name] for name in self.edited), key)

    def snapshot(self, values: Mapping[str, object]) -> dict:
        """What the history keeps of a record, from its JSON-ready `values`, in order.

        A private field shows only whether it is written: `(written)` or `(empty)`.
        """
        return {
            name: ("(written)" if values[name] else "(empty)")
            if name in self.private
            else values[name]
            for name in self.history
        }

    def edit_snapshots(
        self, before: Mapping[str, object], after: Mapping[str, object]
    ) -> tuple[dict, dict]:
        """The history's before and after of an edit; a private field that changed is
        `(changed)` in the after, so the history tells that it did, never what it said."""
        after_snapshot = self.snapshot(after)
        for name in self.private & set(self.history):
            if before[name] != after[name]:
                after_snapshot[name] = "(changed)"
        return self.snapshot(before), after_snapshot

    def _exactly(self, row: Mapping[str, object], expected: tuple[str, ...], what: str) -> None:
        if row.keys() != set(expected):
            missing = sorted(set(expected) - row.keys())
            extra = sorted(row.keys() - set(expected))
            raise ValueError(
                f"{what} of {self.table} needs exactly its declared columns "
                f"(missing: {missing or 'none'}; not declared: {extra or 'none'}); "
                "declare new fields in floorcoach.records"
            )


OBSERVATION = Record(
    "observation",
    (
        Field("id"),
        Field("employee_id", history=True),
        Field("behaviour_id", edited=True, history=True),
        Field("observed_at", edited=True, history=True),
        Field("local_date", edited=True),
        Field("iso_week", edited=True),
        Field("outcome", edited=True, history=True),
        Field("cause", edited=True, history=True),
        Field("note", edited=True, history=True),
        Field("story", edited=True, history=True),
        Field("supervisor", history=True),
        Field("catalogue_version", edited=True, history=True),
        Field("created_at"),
        Field("updated_at", edited=True),
        Field("version"),
        Field("team_when_observed"),  # schema 6: the employee's team when it was saved
    ),
)

COACHING_SESSION = Record(
    "coaching_session",
    (
        Field("id"),
        Field("employee_id", history=True),
        Field("supervisor", history=True),
        Field("held_at", edited=True, history=True),
        Field("local_date", edited=True),
        Field("kind", edited=True, history=True),
        Field("said", edited=True, history=True),
        Field("agreed_action", edited=True, history=True),
        Field("follow_up_due", edited=True, history=True),
        Field("acknowledged", edited=True, history=True),
        Field("employee_comment", edited=True, history=True),
        Field("observation_ids", stored=False, history=True),  # coaching_observation
        Field("behaviour_ids", stored=False, history=True),  # coaching_followup
        Field("private_note", edited=True, history=True, private=True),
        Field("created_at"),
        Field("updated_at", edited=True),
        Field("version"),
    ),
)
