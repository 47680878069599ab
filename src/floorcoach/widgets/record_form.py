"""What every record form shares: nothing typed is lost, and nothing is thrown away unasked.

A form that mixes in `RecordForm` writes its fields to a draft file every half second
while they differ from what it opened with (in a thread, synced), offers the draft back
the next time it opens, and drops it when the record is saved or discarded on purpose.
Escape leaves at once when nothing was typed, and asks first when something was. The
form supplies the few hooks below; floorcoach.drafts does the file work.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.widgets import Input, Static

from floorcoach import clock
from floorcoach.widgets.confirm import ConfirmDialog
from floorcoach.widgets.records_changed import Records

if TYPE_CHECKING:
    from floorcoach.drafts import Draft, DraftWriter

DRAFT_EVERY_S = 0.5  # how often a changed form is written to its draft file


class RecordForm:
    """Mixin for a form Screen with `_state()`, `_initial`, `_saving`, `_opened_at`, `#status`
    and `#when`.

    Hooks: `DISCARD_QUESTION`, `_draft_form` (the draft's name), `_draft_fields()`,
    `_draft_label()` and `_apply_draft(draft)`; the form has `employee` and `editing`.
    Saving: `_start_save(job)` runs the job, tells every screen that records of the kinds
    in `RECORDS` changed, then calls the form's `_saved(record)`; for a save
    that meets a change someone else made meanwhile: `RECORD_NAME`,
    `_fetch_current(store, record_id)` (runs in a worker), `_describe_current(record)` and
    `_reload_from(record)`.
    """

    RECORD_NAME = "record"
    RECORDS: frozenset[Records]  # what saving this form changes

    DISCARD_QUESTION = "Discard this record? What you typed will be lost."
    _drafts: DraftWriter | None = None
    _draft_state: tuple | None = None

    @property
    def is_dirty(self) -> bool:
        return self._initial is not None and self._state() != self._initial

    def _status(self, message: str) -> None:
        self.query_one("#status", Static).update(Text(message))

    def _start_save(self, job) -> None:
        """Save in a worker; the form's `_saved` or `_save_failed` gets the answer."""
        self._saving = True
        self._status("Saving…")
        self.app.run_db(
            job,
            done=self._announce_saved,
            failed=self._save_failed,
            asks_on_conflict=self.editing is not None,
        )

    def _announce_saved(self, result: Any) -> None:
        """Tell every screen what changed, then let the form finish: told before the form
        closes, the screen it uncovers loads once, on resume."""
        self.app.records_changed(self.RECORDS, employee_id=self.employee.id)
        self._saved(result)

    def _save_failed(self, exc: Exception) -> None:
        """Say why a save failed; when someone else changed the record meanwhile, ask."""
        from floorcoach.store import ConflictError

        self._saving = False
        if isinstance(exc, ConflictError) and self.editing is not None:
            self._status(f"Not saved: someone else changed this {self.RECORD_NAME} meanwhile")
            record_id, fetch = self.editing.id, self._fetch_current
            self.app.run_db(lambda store: fetch(store, record_id), done=self._ask_about_conflict)
            return
        self._status(f"Not saved: {exc}")

    def _ask_about_conflict(self, current: Any) -> None:
        """Show theirs; reload it, save mine over it (theirs stays in the history) or keep."""
        from floorcoach.widgets.choice_dialog import conflict_dialog

        def answered(choice: str | None) -> None:
            if choice == "reload":
                self.editing = current
                self._reload_from(current)
                self._initial = self._state()
                self._discard_draft()
                self._status("Showing the current version; your changes were dropped")
            elif choice == "mine":
                self.editing = current
                self.action_save()
            else:
                self._status(
                    "Not saved: your changes are still here; ctrl+s asks again, "
                    "Escape discards them"
                )

        dialog = conflict_dialog(
            f"this {self.RECORD_NAME}", self._describe_current(current), current.updated_at
        )
        self.app.push_screen(dialog, answered)

    def _parse_when(self) -> datetime | None:
        """The `When` field: empty or "now", "14:30" (today), or a date and time."""
        text = self.query_one("#when", Input).value.strip()
        if not text or text.lower() == "now":
            return None
        if len(text) <= 5 and ":" in text:
            text = f"{clock.today().isoformat()}T{text}"
        return clock.parse_instant(text.replace(" ", "T", 1))

    @staticmethod
    def _when_problem(exc: ValueError) -> str:
        """What to say about a `When` that `_parse_when` refused: the core's reason for a
        time that cannot be (the clocks skipped it, an offset no zone has), else the forms."""
        if isinstance(exc, clock.ImplausibleTime):
            return f"When: {exc}"
        return "When: write 'now', a time like 14:30, or a date and time 2026-11-24 14:30"

    def action_cancel(self) -> None:
        if not self.is_dirty:
            self._close_draft()
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self._close_draft()
                self.dismiss(None)

        self.app.push_screen(
            ConfirmDialog(self.DISCARD_QUESTION, yes="Discard", no="Keep editing"), answered
        )

    def _start_drafts(self) -> None:
        from floorcoach.drafts import DraftWriter, load_draft

        self._drafts = DraftWriter(self.app.db_path, self._draft_form)
        self._draft_state = self._initial
        draft = load_draft(self.app.db_path, self._draft_form)
        if draft is not None:
            self._offer_draft(draft)
        self.set_interval(DRAFT_EVERY_S, self._autosave_draft, name="draft")

    def _autosave_draft(self) -> None:
        """Every half second: if the form changed, write the draft in a thread (fsync'd)."""
        if self._drafts is None or self._saving:
            return
        state = self._state()
        if state == self._draft_state:
            return
        self._draft_state = state
        writer, ticket = self._drafts, self._drafts.ticket()
        if state == self._initial:
            self.run_worker(
                lambda: writer.discard(ticket), thread=True, group="draft", exit_on_error=False
            )
            return
        fields = self._draft_payload()
        employee_id, label = self._draft_employee_id(), self._draft_label()
        self.run_worker(
            lambda: writer.save(ticket, fields, employee_id=employee_id, label=label),
            thread=True,
            group="draft",
            exit_on_error=False,
        )

    def _draft_payload(self) -> dict[str, Any]:
        return {
            "employee": self.employee.model_dump() if self.employee else None,
            "when": self.query_one("#when", Input).value,
            "opened_at": clock.utc_text(self._opened_at),
            "editing_version": self.editing.version if self.editing else None,
            **self._draft_fields(),
        }

    def keep_draft(self) -> str | None:
        """The app is quitting: write the draft now, not half a second from now, so what
        was typed last is kept too; returns what was kept (the draft's label), or None
        when nothing was typed. Runs on the UI thread: one small file, synced."""
        if self._drafts is None or self._saving or not self.is_dirty:
            return None
        label = self._draft_label()
        try:
            self._drafts.save(
                self._drafts.ticket(),
                self._draft_payload(),
                employee_id=self._draft_employee_id(),
                label=label,
            )
        except OSError:
            return None  # not kept: say nothing rather than promise it
        self._draft_state = self._state()
        return label

    def _discard_draft(self) -> None:
        """Drop the draft but keep writing new ones (e.g. after reloading a record)."""
        self._draft_state = self._state()
        if self._drafts is not None:
            self._drafts.discard()

    def _close_draft(self) -> None:
        """Saved or discarded on purpose: the draft goes, and no late write brings it back."""
        if self._drafts is not None:
            self._drafts.discard()
            self._drafts = None

    # hooks ---------------------------------------------------------------------------

    @property
    def _draft_form(self) -> str:
        raise NotImplementedError

    def _draft_fields(self) -> dict[str, Any]:
        """The form's own fields; the employee, `When` and the version are added here."""
        raise NotImplementedError

    def _draft_label(self) -> str:
        raise NotImplementedError

    def _apply_draft(self, draft: Draft) -> None:
        """Fill the form's own fields from a draft; `When` is restored here."""
        raise NotImplementedError

    def _restore(self, draft: Draft) -> None:
        """Put a draft back: the form's fields, then `When`, then say so."""
        self._apply_draft(draft)
        fields = draft.fields
        when = str(fields.get("when") or "now").strip()
        if when.lower() == "now" and self.editing is None:
            # It happened when the form was first opened, not when the draft comes back.
            with suppress(ValueError):
                opened = clock.parse_instant(str(fields.get("opened_at")))
                when = f"{clock.to_local(opened):%Y-%m-%d %H:%M}"
        self.query_one("#when", Input).value = when
        saved = f"{clock.to_local(draft.saved_at):%Y-%m-%d %H:%M}"
        self._status(
            f"Restored what you had not saved ({saved}). Ctrl+s saves it; Escape discards it."
        )

    def _draft_employee_id(self) -> str | None:
        return self.employee.id if self.employee else None

    def _offer_draft(self, draft: Draft) -> None:
        """Restore a draft: dropped if the record changed since, asked about if it is about
        someone other than the person this form was opened for."""
        fields = draft.fields
        if self.editing is not None and fields.get("editing_version") != self.editing.version:
            self._discard_draft()
            self.notify(
                "An unsaved correction was dropped: the record has changed since.",
                markup=False,
                timeout=8,
            )
            return
        drafted = (fields.get("employee") or {}).get("id")
        if self.employee is None or drafted in (None, self.employee.id):
            self._restore(draft)
            return

        def answered(finish: bool | None) -> None:
            if finish:
                self._restore(draft)
            else:
                self._discard_draft()

        self.app.push_screen(
            ConfirmDialog(
                f"You have an unsaved {draft.label or 'record'} from "
                f"{clock.to_local(draft.saved_at):%H:%M}. Finish that one first?",
                yes="Finish it",
                no="Discard it",
            ),
            answered,
        )
