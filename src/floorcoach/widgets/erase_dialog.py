"""Erase a person on request (data protection), from the TUI, the way the CLI does it.

The dialog names the person, lists exactly what would go (a rehearsal of the erasure,
rolled back), and erases only after the person's ref — or their full name when they
have none — is typed: an erasure cannot be undone, so one key press must never do it.
Dismisses with the `ErasureResult`, or None when cancelled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from floorcoach.safe_text import safe_text

if TYPE_CHECKING:
    from floorcoach.erasure import ErasureResult
    from floorcoach.models import Employee


def confirmation_for(employee: Employee) -> tuple[str, str]:
    """(what to type, what it is called): the ref, or the full name when there is no ref."""
    ref = (employee.employee_ref or "").strip()
    return (ref, "ref") if ref else (employee.name.strip(), "full name")


def confirms(employee: Employee, typed: str) -> bool:
    """Typed text matches the ref (or full name); case and outer spaces do not matter."""
    expected, _ = confirmation_for(employee)
    typed = typed.strip()
    return bool(typed) and typed.casefold() == expected.casefold()


class EraseDialog(ModalScreen["ErasureResult | None"]):
    """Confirm and run `erase_employee` for one person; Escape cancels."""

    DEFAULT_CSS = """
    EraseDialog .dialog {
        border: thick $error;
    }
    EraseDialog #erase-title {
        text-style: bold;
        color: $text-error;
    }
    EraseDialog #erase-who {
        text-style: bold;
        padding-top: 1;
    }
    EraseDialog #erase-plan {
        padding: 0 0 1 2;
    }
    EraseDialog #erase-prompt {
        padding-top: 1;
    }
    EraseDialog #erase-message {
        height: auto;
        color: $text-error;
    }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="erase-cancel")]

    def __init__(self, employee: Employee) -> None:
        super().__init__()
        self.employee = employee
        self.counts: dict[str, int] | None = None  # the plan, once counted
        self.erasing = False

    def compose(self) -> ComposeResult:
        e = self.employee
        expected, called = confirmation_for(e)
        who = Text(safe_text(e.name))
        who.append(
            f"   ref {safe_text(e.employee_ref or '–')}   team {safe_text(e.team or '–')}",
            style="not bold",
        )
        prompt = Text(f"Type their {called} to confirm: ")
        prompt.append(safe_text(expected), style="bold")
        with Vertical(classes="dialog"):
            yield Static(Text("Erase a person (data-protection request)"), id="erase-title")
            yield Static(who, id="erase-who")
            yield Static(Text("This permanently erases them and every record about them:"))
            yield Static(Text("counting their records…"), id="erase-plan")
            yield Static(
                Text(
                    "It cannot be undone. The erasure log keeps only that it happened "
                    "(when, by whom, how many rows) — no name, no ref, no content."
                )
            )
            yield Static(prompt, id="erase-prompt")
            yield Input(id="erase-confirm", placeholder=f"their {called}")
            yield Static("", id="erase-message")
            with Horizontal(classes="dialog-buttons"):
                yield Button(Text("Cancel [esc]"), id="erase-cancel")
                yield Button(Text("Erase [enter]"), id="erase-do", variant="error", disabled=True)

    def on_mount(self) -> None:
        from floorcoach.erasure import plan_erasure

        self.query_one("#erase-confirm", Input).focus()
        employee_id = self.employee.id
        self.app.run_db(
            lambda store: plan_erasure(store, employee_id),
            done=self._show_plan,
            failed=self._plan_failed,
            group=f"erase-plan-{employee_id}",
            exclusive=True,
        )

    def _show_plan(self, counts: dict[str, int]) -> None:
        from floorcoach.erasure import describe_counts

        self.counts = counts
        self.query_one("#erase-plan", Static).update(Text(describe_counts(counts)))
        self.query_one("#erase-do", Button).disabled = False

    def _plan_failed(self, exc: Exception) -> None:
        self.query_one("#erase-plan", Static).update(Text("could not be counted"))
        self._say(f"Nothing was erased: {exc}")

    def _say(self, message: str) -> None:
        self.query_one("#erase-message", Static).update(Text(safe_text(message)))

    @on(Input.Submitted, "#erase-confirm")
    @on(Button.Pressed, "#erase-do")
    def _erase(self, event: Input.Submitted | Button.Pressed) -> None:
        event.stop()
        if self.erasing:
            return
        if self.counts is None:
            self._say("Still counting their records — nothing can be erased yet.")
            return
        typed = self.query_one("#erase-confirm", Input).value
        if not confirms(self.employee, typed):
            _, called = confirmation_for(self.employee)
            self._say(f"That is not their {called}; nothing was erased.")
            self.query_one("#erase-confirm", Input).focus()
            return
        self._run_erasure()

    def _run_erasure(self) -> None:
        import sqlite3

        from floorcoach.erasure import erase_employee
        from floorcoach.store import StoreError

        employee_id = self.employee.id
        by = self.app.supervisor

        def job(store):
            try:
                return erase_employee(store, employee_id, by=by)
            except sqlite3.Error as exc:  # shown in the dialog, never as a traceback
                raise StoreError(f"the database refused the erasure: {exc}") from exc

        self.erasing = True
        self.query_one("#erase-do", Button).disabled = True
        self._say("Erasing…")
        self.app.run_db(job, done=self._erased, failed=self._erase_failed, group="erase")

    def _erase_failed(self, exc: Exception) -> None:
        self.erasing = False
        self.query_one("#erase-do", Button).disabled = False
        self._say(f"Nothing was erased: {exc}")

    def _erased(self, result: ErasureResult) -> None:
        from floorcoach.erasure import still_readable_message

        app = self.app
        name = safe_text(result.employee.name)
        app.notify(f"Erased: {result.total} records about {name}", title="Erased", markup=False)
        if result.drafts_removed:
            app.notify(
                f"Also removed {result.drafts_removed} unsaved draft(s) about them.",
                markup=False,
            )
        if result.still_readable_in:
            message = still_readable_message(result.still_readable_in)
            app.notify(
                f"{message[0].upper()}{message[1:]}.",
                title="Not yet overwritten",
                severity="warning",
                timeout=30,
                markup=False,
            )
        for partial in result.partials_left:
            app.notify(
                f"The partly written file {partial} may hold their records and was not "
                "removed (a floorcoach still running is writing it, or it cannot be "
                "deleted): delete it once no floorcoach is running.",
                title="A partial file may hold them",
                severity="warning",
                timeout=30,
                markup=False,
            )
        for copy in result.backups_with_person:
            app.notify(
                f"The earlier backup {copy} still holds their records: delete it, or run "
                f"`floorcoach --db {copy} employee forget {result.employee.id} --yes`.",
                title="A backup still holds them",
                severity="warning",
                timeout=30,
                markup=False,
            )
        last = getattr(app, "last_employee", None)
        if last is not None and last.id == result.employee.id:
            app.last_employee = None  # "log again" must not reach for someone erased
        self.dismiss(result)

    @on(Button.Pressed, "#erase-cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()

    def action_cancel(self) -> None:
        if not self.erasing:  # once started, the result must reach the screen below
            self.dismiss(None)
