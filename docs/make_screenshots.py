"""Regenerate the README screenshots: `.venv/bin/python docs/make_screenshots.py`.

Runs the real app on fixed demo data (pinned clock, seed) and saves SVG screenshots
next to this file.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

os.environ["FLOORCOACH_NOW"] = "2026-11-25T15:30:00+00:00"
os.environ.setdefault("FLOORCOACH_SUPERVISOR", "Sam Reid")

from floorcoach.app import FloorcoachApp  # noqa: E402
from floorcoach.demo import generate_demo  # noqa: E402
from floorcoach.workspace import open_workspace  # noqa: E402

HERE = Path(__file__).parent
SHOTS = {
    "screenshot-home.svg": (),
    "screenshot-observation.svg": ("o", "p", "r", "i", "enter", "7"),
    "screenshot-team-review.svg": ("r",),
    "screenshot-trend.svg": ("e", "down", "enter", "t"),
}


async def settle(app, pilot) -> None:
    for _ in range(50):
        await pilot.pause(0.05)
        if all(w.is_finished for w in app.workers):
            break


async def shoot(db: Path, name: str, keys: tuple[str, ...]) -> None:
    app = FloorcoachApp(db_path=db)
    async with app.run_test(size=(120, 36)) as pilot:
        while not app.ready:
            await pilot.pause(0.05)
        await settle(app, pilot)
        for key in keys:
            await pilot.press(key)
            await settle(app, pilot)
        app.save_screenshot(filename=name, path=str(HERE))


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "demo.db"
        with open_workspace(db) as store:
            generate_demo(store, employees=24, weeks=12, seed=7)
        for name, keys in SHOTS.items():
            asyncio.run(shoot(db, name, keys))
            print(HERE / name)


if __name__ == "__main__":
    main()
