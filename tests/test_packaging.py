"""An installed floorcoach (a built wheel, not this checkout) finds its shipped catalogue."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_a_built_wheel_ships_the_catalogue_and_lists_it(tmp_path):
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr
    (wheel,) = tmp_path.glob("floorcoach-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "floorcoach/behaviours/retail-floor.toml" in names
    assert "floorcoach/app.tcss" in names

    target = tmp_path / "installed"
    install = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stderr
    env = {**os.environ, "PYTHONPATH": str(target), "FLOORCOACH_DB": str(tmp_path / "fc.db")}
    where = subprocess.run(
        [sys.executable, "-c", "import floorcoach; print(floorcoach.__file__)"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert where.stdout.startswith(str(target)), where.stdout
    listed = subprocess.run(
        [sys.executable, "-m", "floorcoach", "catalogue", "list", "--format", "csv"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert listed.returncode == 0, listed.stderr
    assert "greeting.eye-contact" in listed.stdout
