"""How screens learn that records changed: the app posts `RecordsChanged` to every open
screen after a save, an import or an erasure, and each screen that shows records decides
for itself whether to load again.

A screen you can see (on top, or behind a dialog) reloads at once. A screen covered by
another full screen only notes that it is out of date: every records screen loads again
whenever it is shown (`on_screen_resume`, which also picks up what another floorcoach
window or the CLI wrote meanwhile), so loading it now would be work thrown away and done
twice. For the same reason a change announced just before a form closes reloads the
screen below once, through its resume, not once more through the message.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import ClassVar

from textual.message import Message


class Records(StrEnum):
    """The kinds of record a change can touch, in the supervisor's words."""

    OBSERVATIONS = "observations"
    COACHING = "coaching"
    FOLLOW_UPS = "follow-ups"
    EMPLOYEES = "employees"
    FOCUS = "focus"


EVERY_RECORD: frozenset[Records] = frozenset(Records)


class RecordsChanged(Message, bubble=False):
    """Records of these kinds changed, about one employee or (None) about anyone.

    `erased` says the employee was erased: screens about them have nothing left to load.
    Each screen gets its own copy, so it does not bubble up to the app.
    """

    def __init__(
        self,
        kinds: Iterable[Records] = EVERY_RECORD,
        *,
        employee_id: str | None = None,
        erased: bool = False,
    ) -> None:
        super().__init__()
        self.kinds = frozenset(kinds)
        self.employee_id = employee_id
        self.erased = erased

    def concerns(self, shows: frozenset[Records], about: str | None = None) -> bool:
        """Does this change touch a screen showing `shows`, about employee `about` (or all)?"""
        if not self.kinds & shows:
            return False
        if about is None or self.employee_id is None:
            return True
        return self.employee_id == about and not self.erased


class ShowsRecords:
    """Mixin for a Screen that shows records and loads them in `refresh_data()`.

    `SHOWS` names the kinds of record the screen shows; `records_about` the employee it
    is about (None: anyone). The screen must load again in its own `on_screen_resume`, as
    every records screen does: that is how a covered screen catches up.
    """

    SHOWS: ClassVar[frozenset[Records]] = EVERY_RECORD
    _reload_due = False

    @property
    def records_about(self) -> str | None:
        return None

    def refresh_data(self) -> None:
        raise NotImplementedError

    def on_records_changed(self, message: RecordsChanged) -> None:
        if not message.concerns(self.SHOWS, self.records_about):
            return
        self._reload_due = True
        # After whatever is already queued: a resume posted by a form that has just closed
        # reloads this screen itself and clears `_reload_due`.
        self.call_later(self._reload_if_due)

    def on_screen_resume(self) -> None:
        self._reload_due = False  # the screen's own resume handler loads it again

    def _reload_if_due(self) -> None:
        if self._reload_due and self._is_shown():
            self._reload_due = False
            self.refresh_data()

    def _is_shown(self) -> bool:
        """On top, or with only dialogs over it (a dialog shows the screen behind it)."""
        stack = self.app.screen_stack
        if self not in stack:
            return False
        return all(screen.is_modal for screen in stack[stack.index(self) + 1 :])
