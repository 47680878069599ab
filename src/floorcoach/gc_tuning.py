"""Keep Python's garbage collector from stalling input.

A full collection scans every object the collector tracks. With Textual, the screens and
the catalogue loaded, each one held the event loop for 60–100 ms, and closing a few
screens set one off: on top of a screen's own work that broke the 100 ms input budget
(bench/cases/ui.py, docs/performance.md). Freezing what exists once start-up is done takes
those long-lived objects out of every later scan, and a larger young-generation threshold
makes collections rarer. Textual pauses the collector while scrolling for the same reason.
"""

from __future__ import annotations

import gc
import threading

YOUNG_THRESHOLD = 10_000  # Python's default is 700 allocations


class QuietCollector:
    """Tune the collector for one app run; `stop` puts everything back as it was."""

    def __init__(self) -> None:
        self._saved: tuple[int, int, int] | None = None
        self._lock = threading.Lock()  # settle runs in a worker thread; stop on the UI's

    def start(self) -> None:
        """Make collections rarer; call before the heavy imports of start-up."""
        with self._lock:
            if self._saved is None:
                self._saved = gc.get_threshold()
                gc.set_threshold(YOUNG_THRESHOLD, *self._saved[1:])

    def settle(self) -> None:
        """Start-up is done: collect its garbage once, then leave the survivors out of scans.

        Does nothing once stopped: an app closed during start-up must not leave a freeze.
        """
        with self._lock:
            if self._saved is not None:
                gc.collect()
                gc.freeze()

    def stop(self) -> None:
        """The app is closing: frozen objects become collectable again, thresholds restored."""
        with self._lock:
            if self._saved is not None:
                gc.unfreeze()
                gc.set_threshold(*self._saved)
                self._saved = None
