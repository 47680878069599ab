"""Show what other processes write: a `floorcoach log` in another terminal, a second window.

Once a second the app asks the core's `ChangeWatch` whether anyone committed to the
database; if so it tells every open screen, as after its own saves (`RecordsChanged`), and
the screens on view load again in place: the same rows keep the cursor (`fill_table`), and
nothing blanks while the new rows are fetched. The look costs microseconds, so it runs on
the UI thread and never shows up as a worker.

The app's own saves change the database too; the app has already told its screens about
those (`absorb`), so they are not announced a second time a second later.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.app import App
    from textual.timer import Timer

    from floorcoach.store import ChangeWatch

LOOK_EVERY_SECONDS = 1.0  # a change shows within about two looks' time


class LiveRefresh:
    """Polls `ChangeWatch` on the app's timer; `stop()` when the app ends."""

    def __init__(self, app: App, watch: ChangeWatch) -> None:
        self._app = app
        self._watch = watch
        self._timer: Timer = app.set_interval(LOOK_EVERY_SECONDS, self._look, name="live-refresh")

    @classmethod
    def start(cls, app: App) -> LiveRefresh | None:
        """Watch the app's database; None (and no live refresh) if it cannot be watched."""
        from floorcoach.store import ChangeWatch, StoreError

        try:
            return cls(app, ChangeWatch(app.db_path))
        except (StoreError, OSError):
            return None

    def _look(self) -> None:
        if self._watch.changed():
            self._app.records_changed()  # every kind: what changed elsewhere is not known

    def absorb(self) -> None:
        """The app has just announced its own change: take the database as seen as of now.

        A write from elsewhere in the same instant is absorbed with it; the screens that
        reload for the app's change read it then anyway.
        """
        self._watch.changed()

    def stop(self) -> None:
        self._timer.stop()
        self._watch.close()
