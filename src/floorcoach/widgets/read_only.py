"""Another supervisor's record, pulled from the organisation, is read-only on this device.

Screens ask here before opening a record's form or asking "Delete?", so the person reads
at once who recorded it and why it cannot change here, in the core's own words
(floorcoach.org.readonly.ReadOnlyRecord), instead of a refusal after typing. The core
refuses the change anyway; this only says so first. On a device that never joined no
record is read-only, and `then` runs straight after the look.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import App


def unless_read_only(app: App, record_type: str, record_id: str, then: Callable[[], Any]) -> None:
    """Run `then()` on the UI thread, unless the record is another supervisor's: then say so."""

    def look(store) -> str | None:
        from floorcoach.org.readonly import ReadOnlyRecord, refuse_if_from_org

        try:
            refuse_if_from_org(store, record_type, record_id)
        except ReadOnlyRecord as exc:
            return str(exc)
        return None

    def answered(refusal: str | None) -> None:
        if refusal is None:
            then()
            return
        app.notify(refusal, title="Read-only", severity="warning", timeout=10, markup=False)

    app.run_db(look, done=answered)  # type: ignore[attr-defined]
