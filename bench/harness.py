"""What every benchmark shares: figures, medians, a pseudo-terminal, an event-loop stall meter.

A case is a function `run(ctx) -> list[Figure]`. A figure holds the floorcoach median and
the baseline median from the same run, the ratio, the target, and whether floorcoach and
its baseline computed the same thing (`same_result`); the smoke test checks the last.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import shutil
import statistics
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.generate import Dataset


@dataclass
class Figure:
    case: str
    size: str
    what: str  # what floorcoach did
    baseline: str  # what it is compared with
    value: float | None = None  # floorcoach median (seconds unless unit says otherwise)
    base: float | None = None  # baseline median
    unit: str = "s"
    target: float | None = None  # the ratio must be at most this
    limit: float | None = None  # an absolute limit on `value` (same unit)
    limit_text: str = ""
    runs: int = 0
    same_result: bool | None = None  # None: nothing to compare (e.g. start-up)
    note: str = ""
    skipped: str = ""  # why the case did not run (e.g. "not available yet")
    extra: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.base:
            return None
        return self.value / self.base

    @property
    def met(self) -> bool | None:
        if self.skipped or self.value is None:
            return None
        verdicts = []
        if self.target is not None and self.ratio is not None:
            verdicts.append(self.ratio <= self.target)
        if self.limit is not None:
            verdicts.append(self.value <= self.limit)
        if self.same_result is False:
            verdicts.append(False)
        return all(verdicts) if verdicts else None


@dataclass
class Context:
    """One size's run: the database to read, a private copy to write, how hard to try."""

    dataset: Dataset
    work_db: Path  # a copy of the cached database; benchmarks that write use this one
    runs: int
    quick: bool
    scratch: Path
    log: Callable[[str], None] = print

    @property
    def size(self) -> str:
        return self.dataset.size


def median(values: list[float]) -> float:
    return statistics.median(values)


def skipped(case: str, size: str, what: str, baseline: str, why: str) -> Figure:
    return Figure(case=case, size=size, what=what, baseline=baseline, skipped=why)


def interleaved(runs: int, *jobs: Callable[[], float]) -> list[list[float]]:
    """Run the jobs alternately `runs` times (so drift hits both alike); times per job."""
    times: list[list[float]] = [[] for _ in jobs]
    for _ in range(runs):
        for index, job in enumerate(jobs):
            times[index].append(job())
    return times


def clock(fn: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


# --- subprocesses --------------------------------------------------------------------------


def bench_env(**extra: str) -> dict[str, str]:
    """The environment for child processes: the pinned one, plus `extra`."""
    env = dict(os.environ)
    env.update(extra)
    src = str(Path(__file__).resolve().parent.parent / "src")
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def run_in_pty(
    argv: list[str],
    env: dict[str, str],
    *,
    marker: bytes,
    columns: int = 120,
    lines: int = 40,
    timeout: float = 60.0,
) -> float:
    """Run a TUI in a real pseudo-terminal; seconds from spawn until `marker` is painted.

    The output is read as a terminal would read it; the first frame is on screen when the
    text `marker` (something only that frame shows) has been written. The app is expected to
    exit by itself after its first frame (FLOORCOACH_EXIT_AFTER_FIRST_PAINT=1).
    """
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
    env = {**env, "TERM": "xterm-256color", "COLUMNS": str(columns), "LINES": str(lines)}
    output = bytearray()
    painted: list[float] = []

    def drain() -> None:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                return
            if not chunk:
                return
            output.extend(chunk)
            if not painted and marker in output:
                painted.append(time.perf_counter())

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    started = time.perf_counter()
    process = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
    )
    try:
        code = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        code = "killed after a timeout"
    finally:
        os.close(slave)
        reader.join(timeout=5)
        os.close(master)
    if code != 0 or not painted:
        tail = output[-3000:].decode("utf-8", "replace")
        raise RuntimeError(f"{argv} exited with {code} (painted: {bool(painted)}): {tail}")
    return painted[0] - started


def run_measured(argv: list[str], env: dict[str, str], *, stdout=None) -> tuple[float, float]:
    """Run a command to completion; (seconds, peak memory of that command in MB).

    Both come from `bench/apps/peak_rss.py`, which forks a fresh child for the command:
    the seconds are the command's own (not the launcher's start-up), and the peak memory
    is not inflated by this process's (see the launcher's docstring).
    """
    launcher = [sys.executable, str(Path(__file__).resolve().parent / "apps" / "peak_rss.py")]
    process = subprocess.run(launcher + argv, env=env, stdout=stdout, stderr=subprocess.PIPE)
    error = process.stderr.decode("utf-8", "replace")
    last = error.rstrip().rsplit("\n", 1)[-1]
    if process.returncode != 0 or not last.startswith("peak_rss_kb="):
        raise RuntimeError(f"{argv[:4]} exited with {process.returncode}: {error[-2000:]}")
    fields = dict(part.split("=") for part in last.split())
    return float(fields["seconds"]), int(fields["peak_rss_kb"]) / 1024  # Linux: kilobytes


def sqlite3_cli() -> str | None:
    return shutil.which("sqlite3")


def python() -> str:
    return sys.executable


# --- the event loop ------------------------------------------------------------------------


class StallMeter:
    """Measures the longest time the asyncio loop could not run (input would wait that long).

    A task sleeps `interval` again and again; how late it wakes is how long something
    else held the loop (or the GIL). `window()` starts a new measurement.
    """

    def __init__(self, interval: float = 0.005):
        self.interval = interval
        self.longest = 0.0
        self._task: asyncio.Task | None = None

    async def _tick(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(self.interval)
            late = time.perf_counter() - before - self.interval
            self.longest = max(self.longest, late)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._tick())

    def window(self) -> None:
        self.longest = 0.0

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()


async def wait_until(condition: Callable[[], bool], *, timeout: float = 30.0) -> float:
    """Poll every millisecond until `condition()`; seconds waited (error on timeout)."""
    started = time.perf_counter()
    while not condition():
        if time.perf_counter() - started > timeout:
            raise TimeoutError("the screen did not fill in time")
        await asyncio.sleep(0.001)
    return time.perf_counter() - started
