"""The key that picks each value of the vocabulary in a form, and the words shown beside it.

The letters and glosses are declared with the values themselves (`models.Term`); these
tables are the forms' view of them. The forms' `KeyChoice` rows and their "Choose the …"
hints are built from them, and tests/test_vocabulary.py checks that no two keys of a row
clash, so a value added with a letter already taken fails a test.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import NamedTuple, TypeVar

from floorcoach.models import Cause, Kind, Outcome, Term
from floorcoach.widgets.key_choice import Choice


class Key(NamedTuple):
    key: str  # the letter that picks the value (and only it: see key_choices)
    label: str


T = TypeVar("T", bound=Term)


def _keys(vocabulary: type[T]) -> dict[T, Key]:
    return {value: Key(value.key, value.label) for value in vocabulary}


OUTCOME_KEYS = _keys(Outcome)
CAUSE_KEYS = _keys(Cause)
# A miss whose cause the supervisor does not know: it is saved without a cause.
CAUSE_NOT_SURE = Key("u", "not sure")
KIND_KEYS = _keys(Kind)


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
