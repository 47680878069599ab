"""The key that picks each value of the vocabulary in a form, and the words shown beside it.

One line per value of `models.Outcome`, `Cause` and `Kind`. The forms' `KeyChoice` rows
and their "Choose the …" hints are built from these tables; tests/test_vocabulary.py
checks that every value of each enum has a line here and that no two keys of a row clash,
so a value added to an enum fails a test until it has a key.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import NamedTuple

from floorcoach.models import Cause, Kind, Outcome
from floorcoach.widgets.key_choice import Choice


class Key(NamedTuple):
    key: str  # the letter that picks the value (and only it: see key_choices)
    label: str


OUTCOME_KEYS: dict[Outcome, Key] = {
    Outcome.MET: Key("m", "met"),
    Outcome.MISSED: Key("x", "missed"),
    Outcome.EXCEEDED: Key("e", "exceeded"),
}
CAUSE_KEYS: dict[Cause, Key] = {
    Cause.SKILL: Key("k", "skill — can't yet"),
    Cause.WILL: Key("w", "will — won't"),
    Cause.SYSTEM: Key("s", "system — process, tools or policy"),
}
# A miss whose cause the supervisor does not know: it is saved without a cause.
CAUSE_NOT_SURE = Key("u", "not sure")
KIND_KEYS: dict[Kind, Key] = {
    Kind.RECOGNITION: Key("r", "recognition"),
    Kind.CORRECTIVE: Key("c", "corrective"),
    Kind.DEVELOPMENT: Key("d", "development"),
}


def key_choices(keys: Mapping[StrEnum, Key], *, not_sure: Key | None = None) -> list[Choice]:
    """A `KeyChoice` row: each value is picked by its letter, and by nothing else (a digit
    meant for a behaviour number must never choose an outcome); `not_sure` (the value
    None) comes last."""
    row = [Choice((key.key,), value.value, key.label) for value, key in keys.items()]
    if not_sure is not None:
        row.append(Choice((not_sure.key,), None, not_sure.label))
    return row


def key_hint(keys: Mapping[StrEnum, Key]) -> str:
    """`m met, x missed, e exceeded`: a row's letters, for a "Choose the …" message."""
    return ", ".join(f"{key.key} {value.value}" for value, key in keys.items())
