"""Processes the reliability tests start, kill and race against each other.

python tests/reliability_driver.py log-loop DB EMPLOYEE_ID COUNT
    log observations one after another; print each id once log_observation returned
python tests/reliability_driver.py cli-loop DB REF STOP_FILE
    run `floorcoach log` (the real CLI entry point) again and again until STOP_FILE
    exists (at most a minute); print "<exit code> <unix time>" after each
python tests/reliability_driver.py tui-draft DB
    run the real app headless, type half an observation, print "drafted" once the
    draft is on disk, then wait to be killed
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import sys
import time
from pathlib import Path


def log_loop(db: str, employee_id: str, count: int) -> int:
    from floorcoach.models import ObservationInput
    from floorcoach.observations import log_observation
    from floorcoach.workspace import open_workspace

    with open_workspace(Path(db)) as store:
        print("ready", flush=True)
        for number in range(count):
            data = ObservationInput(
                employee_id=employee_id,
                behaviour_id="greeting.eye-contact",
                outcome="met" if number % 3 else "missed",
                cause=None if number % 3 else "skill",
                note=f"loop note {number} " + "x" * (number % 50),
            )
            saved = log_observation(store, data, supervisor="Driver")
            print(saved.id, flush=True)
    return 0


def cli_loop(db: str, ref: str, stop_file: str) -> int:
    from floorcoach.cli import main

    deadline = time.monotonic() + 60
    worst = 0
    while time.monotonic() < deadline and not Path(stop_file).exists():
        err = io.StringIO()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            code = main(
                [
                    "--db",
                    db,
                    "log",
                    "--employee",
                    ref,
                    "--behaviour",
                    "greeting.eye-contact",
                    "--outcome",
                    "met",
                    "--note",
                    "from the CLI",
                ]
            )
        print(f"{code} {time.time()}", flush=True)
        time.sleep(0.03)  # a busy script, but leave the test machine's CPU to the app too
        if code:
            print(err.getvalue().replace("\n", " "), flush=True)
            worst = code
    return worst


async def _tui_draft(db: str) -> None:
    from floorcoach.app import FloorcoachApp
    from floorcoach.drafts import load_draft

    app = FloorcoachApp(db_path=Path(db))
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(300):
            if app.ready:
                break
            await pilot.pause(0.02)
        await app.workers.wait_for_complete()
        for key in ["o", "a", "m", "i", "enter", "1", "x", "w"]:
            await pilot.press(key)
            await app.workers.wait_for_complete()
            await pilot.pause()
        await pilot.press(*["space" if ch == " " else ch for ch in "Left the till to chat"])
        for _ in range(300):
            draft = load_draft(Path(db), "observation")
            if draft is not None and draft.fields.get("note") == "Left the till to chat":
                break
            await pilot.pause(0.05)
        print("drafted", flush=True)
        await asyncio.sleep(120)  # the test kills us here, before anything is saved


def main() -> int:
    command, *args = sys.argv[1:]
    if command == "log-loop":
        return log_loop(args[0], args[1], int(args[2]))
    if command == "cli-loop":
        return cli_loop(args[0], args[1], args[2])
    if command == "tui-draft":
        asyncio.run(_tui_draft(args[0]))
        return 0
    raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    sys.exit(main())
