"""What a screen offers in the command palette (ctrl+p), declared beside the screen itself.

A screen class sets `PALETTE = (PaletteEntry(...), ...)`; floorcoach.palette collects the
entries of every screen module in rank order, so a new screen never means editing a list.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PaletteEntry:
    """One line of the palette: `title` and `help` as users read them, `rank` its place
    (lower first). `action` names an app action (`log_again`); None opens the screen
    whose `PALETTE` holds the entry."""

    title: str
    help: str
    rank: int
    action: str | None = None
