"""The export screen, driven as an HR-minded team lead would: choose, preview, write."""

from __future__ import annotations

import csv
import time
from datetime import datetime

import pytest
from textual.widgets import Checkbox, Input, Select, Static

from floorcoach import export
from floorcoach.app import FloorcoachApp
from floorcoach.catalogue_store import list_behaviours
from floorcoach.models import ObservationInput
from floorcoach.observations import log_observation
from floorcoach.screens.export import ExportScreen
from floorcoach.store import Store

from .conftest import SUPERVISOR
from .pilot import settle, wait_for_screen, wait_ready

NOW = "2026-11-25T10:00:00+00:00"


@pytest.fixture
def logged(store, team, monkeypatch):
    monkeypatch.setenv("FLOORCOACH_NOW", NOW)
    behaviours = list_behaviours(store)
    for i in range(12):
        data = ObservationInput(
            employee_id=team[i % 3].id,
            behaviour_id=behaviours[i % 4].id,
            outcome=("met", "exceeded", "missed")[i % 3],
            note=f"=note {i}, with a comma",
            observed_at=datetime.fromisoformat(f"2026-11-{2 + i:02d}T10:00:00+00:00"),
        )
        log_observation(store, data, supervisor=SUPERVISOR)
    return team


async def open_export(app, pilot) -> ExportScreen:
    await wait_ready(app, pilot)
    app.action_push("export:ExportScreen")
    screen = await wait_for_screen(app, pilot, ExportScreen)
    await preview_shows(app, pilot, "rows will be exported")
    return screen


def preview_text(screen) -> str:
    return str(screen.query_one("#export-preview", Static).content)


async def preview_shows(app, pilot, text: str, *, exact: bool = False) -> None:
    """The preview waits for a moment of quiet after a change, then counts in a worker."""
    deadline = time.monotonic() + 15.0

    def shown() -> bool:
        preview = preview_text(app.screen)
        return preview == text if exact else text in preview

    while not shown():
        assert time.monotonic() < deadline, f"the preview never said {text!r}"
        await pilot.pause(0.05)
    await settle(app, pilot)


@pytest.fixture
def documents(tmp_path, monkeypatch):
    """A home of the test's own, with a documents folder: exports never land in a checkout."""
    home = tmp_path / "home"
    (home / "Documents").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    return home / "Documents"


async def test_the_export_screen_previews_the_count_and_writes_the_file(
    db_path, logged, tmp_path, monkeypatch, documents
):
    monkeypatch.chdir(tmp_path)
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_export(app, pilot)
        assert preview_text(screen) == "12 rows will be exported"
        path_input = screen.query_one("#export-path", Input)
        assert path_input.value == str(documents / "observations_all_to_2026-11-25.csv")

        screen.query_one("#export-from", Input).value = "2026-11-05"
        screen.query_one("#export-to", Input).value = "2026-11-10"
        await preview_shows(app, pilot, "6 rows will be exported", exact=True)
        target = documents / "observations_2026-11-05_to_2026-11-10.csv"
        assert path_input.value == str(target)  # the name follows the choices

        screen.query_one("#export-excel", Checkbox).value = True
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        status = str(screen.query_one("#export-status", Static).content)
        assert status == f"6 rows written to {target}"

    raw = target.read_bytes()
    assert raw.startswith(export.BOM)
    rows = list(csv.DictReader(raw[len(export.BOM) :].decode("utf-8").splitlines(True)))
    assert len(rows) == 6
    assert {r["local_date"] for r in rows} == {f"2026-11-{d:02d}" for d in range(5, 11)}
    assert all(r["note"].startswith("'=note") for r in rows)


async def test_weekly_for_one_team_to_a_chosen_file(db_path, logged, tmp_path):
    target = tmp_path / "fashion weekly.csv"
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_export(app, pilot)
        screen.query_one("#export-kind", Select).value = "weekly"
        screen.query_one("#export-team", Select).value = "Fashion"
        with Store.open(db_path) as store:
            expected = export.count_rows(store, "weekly", team="Fashion")
        await preview_shows(app, pilot, f"{expected} rows will be exported", exact=True)
        screen.query_one("#export-path", Input).value = str(target)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
    rows = list(csv.DictReader(target.read_text(encoding="utf-8").splitlines(True)))
    assert len(rows) == expected > 0
    assert {r["team"] for r in rows} == {"Fashion"}


async def test_mistakes_show_on_the_screen_and_write_nothing(db_path, logged, tmp_path):
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_export(app, pilot)
        screen.query_one("#export-from", Input).value = "2026-13-01"
        await preview_shows(app, pilot, "From '2026-13-01' is not a valid date")

        screen.query_one("#export-from", Input).value = ""
        screen.query_one("#export-employee", Input).value = "Nobody at all"
        await preview_shows(app, pilot, "no employee matches")

        screen.query_one("#export-path", Input).value = str(tmp_path / "missing" / "o.csv")
        screen.query_one("#export-employee", Input).value = ""
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        status = str(screen.query_one("#export-status", Static).content)
        assert "does not exist" in status
        assert not screen.writing
        await pilot.press("escape")
        await settle(app, pilot)
        assert not isinstance(app.screen, ExportScreen)
    assert not (tmp_path / "missing").exists()


async def test_the_next_export_starts_in_the_last_folder_and_shows_and_copies_the_full_path(
    db_path, logged, tmp_path, monkeypatch, documents
):
    """Issue #11 item 13: never the current directory, never an unexpanded `~/..` path."""
    chosen = documents.parent / "hr"
    chosen.mkdir()
    monkeypatch.chdir(tmp_path)
    app = FloorcoachApp(db_path=db_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_export(app, pilot)
        screen.query_one("#export-path", Input).value = "~/../home/hr/obs_nov.csv"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        written = chosen / "obs_nov.csv"
        status = str(screen.query_one("#export-status", Static).content)
        assert status == f"12 rows written to {written}"
        await pilot.press("ctrl+y")
        await settle(app, pilot)
        assert app.clipboard == str(written)
        await pilot.press("escape")
        await settle(app, pilot)
        screen = await open_export(app, pilot)
        screen.query_one("#export-format", Select).value = "xlsx"
        await settle(app, pilot)
        proposed = screen.query_one("#export-path", Input).value
        assert proposed == str(chosen / "observations_all_to_2026-11-25.xlsx")
        assert not screen.query_one("#export-excel", Checkbox).display
        await pilot.press("ctrl+s")
        await settle(app, pilot)
    import openpyxl

    sheet = openpyxl.load_workbook(proposed).worksheets[0]
    assert sheet.max_row == 13
    assert {c.value for c in sheet["N"][1:]} == {f"=note {i}, with a comma" for i in range(12)}
    assert list(tmp_path.glob("*.csv")) == [] and list(tmp_path.glob("*.xlsx")) == []
