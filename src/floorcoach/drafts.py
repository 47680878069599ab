"""Drafts of half-filled forms, so nothing typed is lost when the app is closed or killed.

One small JSON file per form, in a private folder next to the database
(`floorcoach.db.drafts/observation.json`), written atomically (temporary file, fsync,
rename): a draft on disk is always a whole one, the old or the new. Forms are keyed by
name (`observation`, `observation-<id>` for a correction, `coaching` …) so any form can
use this. Drafts never go into the database: saving one must not wait for a write lock,
and a draft is not a record until the person saves it.

A draft names the employee it is about, so `employee forget` can erase drafts too; a
draft where a name was typed but nobody picked yet is found by what was typed.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from floorcoach import clock
from floorcoach.safefiles import PARTIAL_PATTERN, write_atomically

_FORM_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,120}$")
FORMAT = 1

V = TypeVar("V", bound=StrEnum)


@dataclass(frozen=True)
class Draft:
    form: str
    saved_at: datetime
    employee_id: str | None
    fields: dict[str, Any]
    label: str = ""


def drafted_value(value: Any, vocabulary: type[V]) -> V | None:
    """A value read back from a draft as a member of `vocabulary` (`models.Outcome` …), or
    None when it is not one of its values: a draft written by another version, or edited
    by hand, must not put in a form a value the form could not offer."""
    try:
        return vocabulary(value)
    except (ValueError, TypeError):
        return None


def drafts_dir(db_path: Path) -> Path:
    db_path = Path(db_path)
    return db_path.with_name(f"{db_path.name}.drafts")


def _draft_path(db_path: Path, form: str) -> Path:
    if not _FORM_NAME.match(form):
        raise ValueError(f"draft form name {form!r} must be lowercase letters, digits, . _ -")
    return drafts_dir(db_path) / f"{form}.json"


def save_draft(
    db_path: Path,
    form: str,
    fields: dict[str, Any],
    *,
    employee_id: str | None = None,
    label: str = "",
) -> Path:
    """Write the draft of `form` atomically; readable by its owner only.

    `label` says in a few words what the draft is ("observation of Amira Okafor"), for
    a reminder on the next start.
    """
    path = _draft_path(db_path, form)
    payload = {
        "format": FORMAT,
        "form": form,
        "saved_at": clock.utc_text(clock.now()),
        "employee_id": employee_id,
        "label": label,
        "fields": fields,
    }
    write_atomically(path, json.dumps(payload, ensure_ascii=False).encode("utf-8"))
    return path


def load_draft(db_path: Path, form: str) -> Draft | None:
    """The saved draft of `form`, or None. A damaged file is set aside, never fatal."""
    path = _draft_path(db_path, form)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError:
        return None
    try:
        payload = json.loads(raw.decode("utf-8"))
        fields = payload["fields"]
        if not isinstance(fields, dict):
            raise ValueError("fields is not an object")
        employee_id = payload.get("employee_id")
        return Draft(
            form=form,
            saved_at=clock.parse_instant(payload["saved_at"]),
            employee_id=employee_id if isinstance(employee_id, str) else None,
            fields=fields,
            label=str(payload.get("label") or ""),
        )
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        with contextlib.suppress(OSError):
            os.replace(path, path.with_name(path.name + ".damaged"))
        return None


class DraftWriter:
    """Saves and discards one form's draft from worker threads in order: the newest wins.

    The form takes a `ticket()` on the UI thread for each change; a write that arrives
    after a newer one (threads finish in any order) is dropped, so a stale draft can
    never overwrite a newer one or bring back a draft that was discarded.
    """

    def __init__(self, db_path: Path, form: str) -> None:
        _draft_path(db_path, form)  # validate the name now, not in a worker
        self.db_path = Path(db_path)
        self.form = form
        self._lock = threading.Lock()
        self._issued = 0
        self._applied = 0

    def ticket(self) -> int:
        with self._lock:
            self._issued += 1
            return self._issued

    def save(
        self, ticket: int, fields: dict[str, Any], *, employee_id: str | None, label: str = ""
    ) -> bool:
        with self._lock:
            if ticket <= self._applied:
                return False
            save_draft(self.db_path, self.form, fields, employee_id=employee_id, label=label)
            self._applied = ticket
            return True

    def discard(self, ticket: int | None = None) -> None:
        with self._lock:
            if ticket is None:
                self._issued += 1
                ticket = self._issued
            if ticket <= self._applied:
                return
            discard_draft(self.db_path, self.form)
            self._applied = ticket


def discard_draft(db_path: Path, form: str) -> bool:
    """Remove the draft of `form`; True if there was one."""
    try:
        _draft_path(db_path, form).unlink()
    except FileNotFoundError:
        return False
    return True


def list_drafts(db_path: Path) -> list[Draft]:
    folder = drafts_dir(db_path)
    if not folder.is_dir():
        return []
    drafts = []
    for path in sorted(folder.glob("*.json")):
        form = path.stem
        if _FORM_NAME.match(form):
            draft = load_draft(db_path, form)
            if draft is not None:
                drafts.append(draft)
    return drafts


def discard_drafts_about(db_path: Path, employee_id: str) -> int:
    """Remove every draft (damaged ones too) that mentions `employee_id`; returns how many."""
    folder = drafts_dir(db_path)
    if not folder.is_dir():
        return 0
    removed = 0
    for path in folder.iterdir():
        if not path.is_file():
            continue
        try:
            mentions = employee_id.encode() in path.read_bytes()
        except OSError:
            continue
        if mentions:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


# The shortest start of a name or ref that counts as typing it ("Yo" says no one).
MIN_TYPED = 3


def _words(text: str | None) -> str:
    return " ".join((text or "").split()).casefold()


def _fits(typed: str, name: str, ref: str) -> bool:
    """`typed` (already `_words`) is this name or ref, holds the whole name, or starts it."""
    if not typed:
        return False
    if typed in (name, ref):
        return True
    if name and re.search(rf"(?<!\w){re.escape(name)}(?!\w)", typed):
        return True
    return len(typed) >= MIN_TYPED and (name.startswith(typed) or ref.startswith(typed))


def typed_for(
    typed: str, name: str, ref: str | None, others: Iterable[tuple[str, str | None]] = ()
) -> bool:
    """Whether text typed in an employee search, not yet picked, meant this person.

    It does when it is their whole ref; or their whole name, a text holding their whole
    name, or a start of their name or ref at least MIN_TYPED characters long — as long
    as it fits none of `others` (everyone else, as (name, ref)) the same way. A draft
    that may be about someone else is kept: removing it would lose their work.
    """
    text, ref_text = _words(typed), _words(ref)
    if ref_text and text == ref_text:
        return True  # refs are unique
    if not _fits(text, _words(name), ref_text):
        return False
    return not any(_fits(text, _words(n), _words(r)) for n, r in others)


def discard_drafts_typed_for(
    db_path: Path,
    name: str,
    ref: str | None,
    *,
    others: Iterable[tuple[str, str | None]] = (),
) -> int:
    """Remove drafts where no one was picked yet but the search text meant this person
    (`typed_for`); returns how many. Drafts about a picked person are left to their id."""
    folder = drafts_dir(db_path)
    if not folder.is_dir():
        return 0
    others = list(others)
    removed = 0
    for path in sorted(folder.iterdir()):
        if PARTIAL_PATTERN.match(path.name) or not path.is_file():
            continue
        try:
            payload = json.loads(path.read_bytes().decode("utf-8"))
            fields = payload["fields"]
            typed = fields.get("employee_filter")
            picked = payload.get("employee_id") or fields.get("employee")
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue
        if picked or not isinstance(typed, str):
            continue
        if typed_for(typed, name, ref, others):
            path.unlink(missing_ok=True)
            removed += 1
    return removed
