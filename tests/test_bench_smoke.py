"""The benchmark suite, run small: every benchmark runs and agrees with its baseline.

Nothing here is about time (a test machine's timings mean nothing); it checks that each
case still works against the current code, and that floorcoach and the baseline it is
measured against compute the same thing: the same trend cells, the same team rows, the
same exported cells, the same rows in the same tables (SQLite and the org's PostgreSQL).
"""

from __future__ import annotations

import pytest

from bench.__main__ import run_suite
from bench.generate import NOW
from bench.harness import sqlite3_cli

EXPECTED_CASES = {
    "startup",
    "save",
    "trend",
    "team-week",
    "export",
    "export-memory",
    "export-xlsx",
    "export-xlsx-memory",
    "ui-list",
    "ui-page",
    "stall-list",
    "stall-page",
    "stall-search",
    "stall-older",
    "stall-home",
    "stall-stories",
    "stall-issues",
    "sync-first",
    "sync-noop",
    "sync-pull",
}


@pytest.fixture(scope="module")
def figures(tmp_path_factory):
    monkeypatch = pytest.MonkeyPatch()
    config = tmp_path_factory.mktemp("bench-config")
    monkeypatch.setenv("FLOORCOACH_CONFIG_DIR", str(config))
    monkeypatch.setenv("FLOORCOACH_SUPERVISOR", "Bench Supervisor")
    monkeypatch.setenv("FLOORCOACH_NOW", NOW)
    monkeypatch.setenv("TZ", "UTC")
    try:
        found, datasets = run_suite(
            ["tiny"], runs=1, data_dir=tmp_path_factory.mktemp("bench"), log=lambda _: None
        )
    finally:
        monkeypatch.undo()
    assert [d.size for d in datasets] == ["tiny"]
    return {figure.case: figure for figure in found}


def test_every_benchmark_runs(figures):
    assert set(figures) == EXPECTED_CASES
    for figure in figures.values():
        if figure.case in ("export", "export-memory") and sqlite3_cli() is None:
            assert "sqlite3 command" in figure.skipped
            continue
        assert not figure.skipped, f"{figure.case}: {figure.skipped}"
        assert figure.value is not None and figure.value > 0, figure.case


@pytest.mark.parametrize(
    "case",
    [
        "save",
        "trend",
        "team-week",
        "export",
        "export-xlsx",
        "ui-list",
        "ui-page",
        "stall-search",
        "sync-first",
        "sync-noop",
        "sync-pull",
    ],
)
def test_floorcoach_and_its_baseline_compute_the_same_thing(figures, case):
    figure = figures[case]
    if case == "export" and sqlite3_cli() is None:  # its baseline is `sqlite3 -csv`
        assert "sqlite3 command" in figure.skipped
        return
    assert not figure.skipped, f"{case}: {figure.skipped}"
    assert figure.same_result is True, f"{case}: {figure.note}"


def test_every_comparison_has_a_baseline_measured_in_the_same_run(figures):
    for case in (
        "startup",
        "save",
        "trend",
        "team-week",
        "export",
        "export-xlsx",
        "ui-list",
        "ui-page",
        "sync-first",
        "sync-noop",
        "sync-pull",
    ):
        figure = figures[case]
        if case == "export" and sqlite3_cli() is None:
            continue  # test_every_benchmark_runs checks it says why
        assert figure.base is not None and figure.base > 0, case
        assert figure.ratio is not None, case


def test_the_report_shows_every_figure_beside_its_target(figures, tmp_path):
    from bench.report import render

    text = render(list(figures.values()), [], command="python -m bench --sizes tiny", seconds=1)
    assert "≤ 1.5x" in text and "≤ 2x" in text and "≤ 3x" in text and "≤ 100 ms" in text
    assert "≤ 50 ms" in text  # the sync with nothing to do
    assert "start-up to the first painted home screen" in text
    assert "python -m bench --sizes tiny" in text
