"""The start-up baseline: the smallest Textual app that paints one table.

With FLOORCOACH_EXIT_AFTER_FIRST_PAINT=1 it quits once its first frame is on screen,
exactly as floorcoach does, so the two start-ups are timed the same way.
"""

from __future__ import annotations

import os

from textual.app import App, ComposeResult
from textual.widgets import DataTable


class MinimalTable(App[None]):
    def compose(self) -> ComposeResult:
        yield DataTable()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("Time", "Employee", "Behaviour", "Outcome", "Note")

    def on_ready(self) -> None:
        if os.environ.get("FLOORCOACH_EXIT_AFTER_FIRST_PAINT") == "1":
            self.call_after_refresh(self.exit)


if __name__ == "__main__":
    MinimalTable().run()
