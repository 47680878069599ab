"""The domain records, as pydantic models: the vocabulary shared by store, screens and CLI."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"
BEHAVIOUR_ID = r"^[a-z0-9]+(-[a-z0-9]+)*\.[a-z0-9]+(-[a-z0-9]+)*$"

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


# --- the vocabulary ----------------------------------------------------------------------
# The one definition of each coded value. The CLI's choices, the forms' keys, the SQL, the
# demo data and the docs are derived from these or checked against them, and so are the
# database's CHECK constraints (tests/test_vocabulary.py). A value is one line here, with
# the letter that picks it in a form and, for a cause, the kind of coaching a miss of that
# cause suggests; what it still needs is a migration (`migrations.reshape.rewrite_check`)
# and the docs (data-dictionary.md, README.md), and tests/test_vocabulary.py names those.


class Term(StrEnum):
    """A coded value, stored and exported as its value, declared with what a form needs:
    `NAME = "value", "key letter", "gloss"`. The letter picks it in a form's key row (and
    nothing else does: widgets/vocabulary_keys.py), the gloss is shown beside its word."""

    key: str
    gloss: str

    def __new__(cls, value: str, key: str, gloss: str = "", *_more: object) -> Term:
        member = str.__new__(cls, value)
        member._value_ = value
        member.key = key
        member.gloss = gloss
        return member

    @property
    def label(self) -> str:
        """`skill — can't yet`: the word, and its gloss when it has one."""
        return f"{self.value} — {self.gloss}" if self.gloss else self.value


class Outcome(Term):
    """What was seen, against the behaviour's standard."""

    MET = "met", "m"
    MISSED = "missed", "x"
    EXCEEDED = "exceeded", "e"


class Kind(Term):
    """The kind of coaching conversation."""

    RECOGNITION = "recognition", "r"
    CORRECTIVE = "corrective", "c"
    DEVELOPMENT = "development", "d"


class Cause(Term):
    """Why a behaviour was missed: only `system` misses are not held against the person.
    Each cause names the kind of coaching the form suggests after such a miss."""

    suggested_kind: Kind

    SKILL = "skill", "k", "can't yet", Kind.DEVELOPMENT
    WILL = "will", "w", "won't", Kind.CORRECTIVE
    SYSTEM = "system", "s", "process, tools or policy", Kind.DEVELOPMENT

    def __init__(self, _value: str, _key: str, _gloss: str, suggested_kind: Kind) -> None:
        self.suggested_kind = suggested_kind


class FollowUpStatus(StrEnum):
    """A coached behaviour's follow-up: open until a later observation checks it (held,
    not_yet) or the supervisor closes it by hand (closed)."""

    OPEN = "open"
    HELD = "held"
    NOT_YET = "not_yet"
    CLOSED = "closed"


# Outcomes that meet the standard: they make the met-rate, and a follow-up they check held.
COUNTS_AS_MET = (Outcome.MET, Outcome.EXCEEDED)
# The cause of a miss that is never held against the person (the met-rate leaves it out,
# and it leaves a follow-up open). `metrics.system_miss_sql` says it in SQL.
NOT_HELD_AGAINST = Cause.SYSTEM
# What a later observation can make of an open follow-up (see `followups.verdict_for`).
CHECK_RESULTS = (FollowUpStatus.HELD, FollowUpStatus.NOT_YET)


def values_of(vocabulary: type[StrEnum]) -> tuple[str, ...]:
    """The values of a vocabulary in their order, as plain strings (CLI choices, docs)."""
    return tuple(member.value for member in vocabulary)


def sql_value(value: str) -> str:
    """A vocabulary value (`Outcome.MET` …) as an SQL string literal, for the core's SQL.

    A literal, not a parameter: the planner must see it to use the partial indexes
    (`WHERE status = 'open'`).
    """
    return "'" + str(value).replace("'", "''") + "'"


# --- catalogue files -------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BehaviourSpec(_Strict):
    id: Annotated[str, StringConstraints(pattern=BEHAVIOUR_ID)]
    title: Text
    standard: Text
    look_fors: Annotated[list[Text], Field(min_length=1, max_length=8)]


class TouchPointSpec(_Strict):
    id: Annotated[str, StringConstraints(pattern=SLUG)]
    title: Text
    description: str = ""
    behaviour: Annotated[list[BehaviourSpec], Field(min_length=1)]


class CatalogueHeader(_Strict):
    id: Annotated[str, StringConstraints(pattern=SLUG)]
    title: Text
    version: Text
    description: str = ""


class CatalogueFile(_Strict):
    catalogue: CatalogueHeader
    touch_point: Annotated[list[TouchPointSpec], Field(min_length=1)]


# --- records -----------------------------------------------------------------------------


class Behaviour(BaseModel):
    """A behaviour as snapshotted in the database (it outlives edits to the files)."""

    id: str
    touch_point_id: str
    touch_point: str
    title: str
    standard: str
    look_fors: list[str]
    catalogue_id: str
    catalogue_version: str
    position: int = 0
    retired: bool = False


class Employee(BaseModel):
    id: str
    employee_ref: str | None = None
    name: str
    team: str = ""
    active: bool = True
    version: int = 1


class EmployeeInput(BaseModel):
    """What a person types (or a roster line holds) to create or change an employee."""

    model_config = ConfigDict(str_strip_whitespace=True)

    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    team: Annotated[str, StringConstraints(max_length=100)] = ""
    employee_ref: Annotated[str, StringConstraints(max_length=64)] | None = None

    @model_validator(mode="after")
    def _blank_ref_is_none(self) -> EmployeeInput:
        if self.employee_ref == "":
            self.employee_ref = None
        return self


class ObservationInput(BaseModel):
    """One observation as entered; the rules a form or the CLI must respect live here."""

    employee_id: str
    behaviour_id: str
    outcome: Outcome
    cause: Cause | None = None
    note: Annotated[str, StringConstraints(max_length=20_000)] = ""
    story: bool = False
    observed_at: datetime | None = None  # None means "now"

    @model_validator(mode="after")
    def _cause_only_for_a_miss(self) -> ObservationInput:
        if self.cause is not None and self.outcome is not Outcome.MISSED:
            raise ValueError("a cause can only be given for a missed behaviour")
        if self.observed_at is not None and self.observed_at.tzinfo is None:
            raise ValueError("observed_at must carry a time zone")
        return self


class Observation(BaseModel):
    id: str
    employee_id: str
    employee_name: str = ""
    employee_ref: str | None = None
    team: str = ""
    behaviour_id: str
    behaviour_title: str = ""
    touch_point: str = ""
    observed_at: datetime
    local_date: date
    iso_week: str
    outcome: Outcome
    cause: Cause | None = None
    note: str = ""
    story: bool = False
    supervisor: str
    catalogue_version: str = ""
    created_at: datetime
    updated_at: datetime
    version: int = 1


class HistoryEntry(BaseModel):
    """One line of a record's append-only history: who changed what, and when."""

    record_type: str
    record_id: str
    action: str
    changed_at: datetime
    changed_by: str
    before: dict | None = None
    after: dict | None = None


def first_validation_message(exc: Exception) -> str:
    """The first problem a model's validation found, as `field: message` for a person."""
    errors = getattr(exc, "errors", lambda: [])()
    if not errors:
        return str(exc)
    error = errors[0]
    field = ".".join(str(p) for p in error.get("loc", ()))
    message = error.get("msg", "invalid value").removeprefix("Value error, ")
    return f"{field}: {message}" if field else message
