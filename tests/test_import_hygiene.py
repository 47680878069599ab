"""The core never imports Textual: it must serve the CLI and plain scripts without the UI."""

from __future__ import annotations

import pkgutil
import re
import subprocess
import sys

import floorcoach

UI_MODULES = {"app", "palette", "screens", "widgets", "__main__"}


def core_modules() -> list[str]:
    names = [
        f"floorcoach.{info.name}"
        for info in pkgutil.iter_modules(floorcoach.__path__)
        if info.name not in UI_MODULES
    ]
    for package in ("migrations", "cli"):
        folder = [f"{floorcoach.__path__[0]}/{package}"]
        names += [f"floorcoach.{package}.{info.name}" for info in pkgutil.iter_modules(folder)]
    return sorted(names)


def test_core_modules_never_import_textual():
    modules = core_modules()
    assert "floorcoach.store" in modules and "floorcoach.cli" in modules
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_screens_never_write_sql():
    from pathlib import Path

    ui_files = list(Path(floorcoach.__path__[0], "screens").glob("*.py"))
    ui_files += list(Path(floorcoach.__path__[0], "widgets").glob("*.py"))
    ui_files += [Path(floorcoach.__path__[0], "app.py")]
    sql = re.compile(r"\bSELECT\s+[\w*]|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|\.execute\(")
    for path in ui_files:
        match = sql.search(path.read_text(encoding="utf-8"))
        assert match is None, f"{path.name} contains SQL: {match.group(0)!r}"


def test_opening_an_up_to_date_database_does_not_import_sqlite_utils(store):
    """sqlite-utils costs about 50 ms to import: only a migration may pay that."""
    from floorcoach.migrations import latest_version, load_migrations

    assert latest_version() == max(load_migrations())  # names and modules agree
    script = (
        "import sys\n"
        "from floorcoach.store import Store\n"
        f"with Store.open({str(store.path)!r}, create=False) as store:\n"
        "    store.query('SELECT count(*) FROM employee')\n"
        "print('sqlite_utils' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_every_module_is_core_ui_or_cli_in_the_import_contracts():
    """A new module must be placed in a layer, or import-linter would not check it."""
    import tomllib
    from pathlib import Path

    pyproject = Path(floorcoach.__path__[0]).parents[1] / "pyproject.toml"
    contracts = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["importlinter"]
    core = set(contracts["contracts"][0]["source_modules"])
    top_level = {f"floorcoach.{info.name}" for info in pkgutil.iter_modules(floorcoach.__path__)}
    outside = {f"floorcoach.{name}" for name in UI_MODULES | {"cli"}}
    assert core.isdisjoint(outside)
    assert top_level - outside == core, "list each new core module in pyproject.toml"
