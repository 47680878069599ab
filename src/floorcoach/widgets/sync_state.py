"""The background sync of a joined device, and its state in every screen's header.

Started by the app once the database is open, and only on a device that joined an
organisation (`BackgroundSync.start` returns None otherwise: no worker, no timer, no
connection). It syncs in a thread worker when the app starts, after each save (the app's
`records_changed`), every `every` seconds, and when asked (`sync_now`, the Organisation
screen's key); one sync at a time, and a change made while one runs starts the next.

The header shows the app's title and the state: "floorcoach · synced 2 min ago",
"floorcoach · offline · 12 waiting", "… · 1 conflict". An unreachable server is a normal
state and only shows there; a refused login or another failure is also told once in a
notification, as are new conflicts. What the pull brought down reaches the screens as a
`RecordsChanged`, like a save; each sync also posts `SyncFinished` to the open screens.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, ClassVar

from textual.message import Message

from floorcoach.widgets.records_changed import Records

if TYPE_CHECKING:
    from textual.app import App
    from textual.timer import Timer

    from floorcoach.org.background import ChangeMark, SyncState

SYNC_EVERY_SECONDS = 60.0
SYNC_GROUP = "org-sync"  # the workers' group, so tests and screens can tell them apart


class SyncFinished(Message, bubble=False):
    """A background sync ended (done, offline or refused): `state` says how."""

    def __init__(self, state: SyncState) -> None:
        super().__init__()
        self.state = state


class BackgroundSync:
    """One per app, on a joined device; `stop()` when the app ends."""

    every: ClassVar[float] = SYNC_EVERY_SECONDS  # tests shorten it

    def __init__(self, app: App, every: float) -> None:
        self._app = app
        self._title = app.title
        self.state: SyncState | None = None
        self._mark: ChangeMark | None = None  # the device as the last sync found it
        self._running = False
        self._again: bool | None = None  # asked again while running: forced or not
        self._told = ""  # the failure last told in a notification
        self._timer: Timer = app.set_interval(every, self._tick, name=SYNC_GROUP)
        self._app.title = f"{self._title} · syncing…"
        self.sync_now()

    @classmethod
    def start(cls, app: App) -> BackgroundSync | None:
        """Sync in the background if the app's device joined an organisation, else None."""
        from floorcoach.org.background import joined
        from floorcoach.store import StoreError

        try:
            if not joined(app.db_path):  # type: ignore[attr-defined]
                return None
        except (StoreError, OSError):  # the app reports problems with its file itself
            return None
        return cls(app, cls.every)

    @property
    def running(self) -> bool:
        return self._running

    def sync_now(self) -> None:
        """Push and pull now, whatever changed (the Organisation screen's `s`, the timer)."""
        self._request(force=True)

    def records_changed(self) -> None:
        """Something was saved (here or by another process): sync if it waits to go up."""
        self._request(force=False)

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        self._show()  # "synced 2 min ago" moves on even while a sync is slow
        self.sync_now()  # every minute: a pull, even with nothing to push

    def _request(self, *, force: bool) -> None:
        if self._running:
            self._again = bool(self._again) or force
            return
        self._running = True
        unless = None if force else self._mark
        self._app.run_worker(
            lambda: self._sync(unless),
            name="background sync",
            group=SYNC_GROUP,
            thread=True,
            exit_on_error=False,
        )

    def _sync(self, unless: ChangeMark | None) -> None:
        """In the worker's thread: its own connection to the file, never a widget."""
        from floorcoach.org.background import FAILED, SyncState, background_sync
        from floorcoach.store import StoreError

        try:
            self._mark, state = background_sync(self._app.db_path, unless=unless)  # type: ignore[attr-defined]
        except StoreError as exc:  # the device's own file is busy or gone for a moment
            state = SyncState(FAILED, str(exc), None, 0, 0)
        except Exception as exc:  # never a traceback, and never a sync that stops for good
            state = SyncState(FAILED, f"the sync stopped: {exc}", None, 0, 0)
        # Even when cancelled (the app closing): the next sync must not wait for this one.
        with contextlib.suppress(RuntimeError):  # the app closed meanwhile
            self._app.call_from_thread(self._done, state)

    def _done(self, state: SyncState | None) -> None:
        self._running = False
        if state is not None:
            before, self.state = self.state, state
            self._show()
            self._tell(before, state)
            if state.came_down:  # what the pull brought shows on the open screens
                self._app.records_changed({Records(kind) for kind in state.came_down})  # type: ignore[attr-defined]
            for screen in self._app.screen_stack:
                screen.post_message(SyncFinished(state))
        again, self._again = self._again, None
        if again is not None:
            self._request(force=again)

    def _show(self) -> None:
        if self.state is not None:
            self._app.title = f"{self._title} · {self.state.header()}"

    def _tell(self, before: SyncState | None, state: SyncState) -> None:
        from floorcoach.org.background import OFFLINE, SYNCED

        if state.outcome in (SYNCED, OFFLINE):
            self._told = ""  # offline is normal: the header says it
        elif state.message != self._told:
            self._told = state.message
            self._app.notify(
                state.message, title="Not synced", severity="warning", timeout=12, markup=False
            )
        if state.conflicts > (before.conflicts if before else 0):
            n = state.conflicts
            self._app.notify(
                f"{n} record{'s' * (n != 1)} changed on another of your devices too; nothing "
                "is lost: choose which version to keep in Organisation (ctrl+p)",
                title=f"{n} conflict{'s' * (n != 1)}",
                severity="warning",
                timeout=12,
                markup=False,
            )
