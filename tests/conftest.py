"""Shared fixtures: every test gets its own real SQLite file in a temporary folder."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from floorcoach.models import EmployeeInput
from floorcoach.workspace import open_workspace

from .pg_server import org_database, pg_server  # noqa: F401 (fixtures for the org tests)

SUPERVISOR = "Test Supervisor"


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep tests away from the user's real config, data and clock settings."""
    monkeypatch.setenv("FLOORCOACH_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("FLOORCOACH_SUPERVISOR", SUPERVISOR)
    monkeypatch.delenv("FLOORCOACH_DB", raising=False)
    monkeypatch.delenv("FLOORCOACH_NOW", raising=False)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "floorcoach.db"


@pytest.fixture
def store(db_path: Path):
    with open_workspace(db_path) as opened:
        yield opened


@pytest.fixture
def team(store):
    """Three people, two of whom share a first name (for ambiguity tests)."""
    from floorcoach.employees import add_employee

    people = [
        EmployeeInput(name="Amira Okafor", team="Fashion", employee_ref="000123"),
        EmployeeInput(name="Ben Nowak", team="Fashion", employee_ref="000124"),
        EmployeeInput(name="Ben Carter", team="Home", employee_ref="000125"),
    ]
    return [add_employee(store, person, by=SUPERVISOR) for person in people]


def pinned_now(monkeypatch: pytest.MonkeyPatch, iso: str) -> None:
    monkeypatch.setenv("FLOORCOACH_NOW", iso)


# Deterministic surroundings for every test: no animations, UTC unless a test says otherwise.
os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
os.environ["TZ"] = "UTC"
time.tzset()
