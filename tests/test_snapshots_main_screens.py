"""SVG snapshots of the foundation's main screens on fixed demo data."""

from __future__ import annotations

from floorcoach.app import FloorcoachApp

from .snapshots import SNAPSHOT_SIZE, before_snapshot, demo_database


def test_home_screen(snap_compare, db_path, monkeypatch):
    app = FloorcoachApp(db_path=demo_database(db_path, monkeypatch))
    assert snap_compare(
        app, terminal_size=SNAPSHOT_SIZE, run_before=before_snapshot(table="#today")
    )


def test_observation_form_with_employee_chosen(snap_compare, db_path, monkeypatch):
    app = FloorcoachApp(db_path=demo_database(db_path, monkeypatch))
    keys = ("o", "a", "m", "i", "enter")
    assert snap_compare(app, terminal_size=SNAPSHOT_SIZE, run_before=before_snapshot(*keys))


def test_employee_list(snap_compare, db_path, monkeypatch):
    app = FloorcoachApp(db_path=demo_database(db_path, monkeypatch))
    assert snap_compare(
        app, terminal_size=SNAPSHOT_SIZE, run_before=before_snapshot("e", table="#employees")
    )


def test_employee_page(snap_compare, db_path, monkeypatch):
    app = FloorcoachApp(db_path=demo_database(db_path, monkeypatch))
    keys = ("e", "down", "enter")
    run_before = before_snapshot(*keys, table="#timeline")
    assert snap_compare(app, terminal_size=SNAPSHOT_SIZE, run_before=run_before)
