"""Consistent, private copies of the database, safe to take while floorcoach is writing.

A copy is made with SQLite's online backup API in one step, so it is a single moment of
the database even when the app or a CLI command is saving at the same time (WAL readers
never block writers). The copy is written to a private temporary name (0600), synced to
disk, then renamed into place, so a half-written copy never carries the final name.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from floorcoach import clock
from floorcoach.safefiles import replacing
from floorcoach.store import (
    APPLICATION_ID,
    BUSY_TIMEOUT_MS,
    NotFloorcoachDatabase,
    StoreError,
    _translate,
    file_in_use,
)

BACKUP_INFIX = "-backup-"
MIGRATION_INFIX = ".before-schema-"


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    schema_version: int
    employees: int
    observations: int


def copy_connection(conn: sqlite3.Connection, target: Path) -> Path:
    """Copy the database behind `conn` to `target`: consistent, 0600, synced, atomic rename."""
    target = Path(target)
    with replacing(target) as partial:
        dest = sqlite3.connect(str(partial))
        try:
            conn.backup(dest)  # pages=-1: the whole database in one step, one snapshot
            # A standalone file: no -wal needed next to the copy to read it.
            dest.execute("PRAGMA journal_mode = DELETE")
        finally:
            dest.close()
    return target


def default_backup_path(db_path: Path) -> Path:
    """`floorcoach-backup-20261125-143000.db` next to `floorcoach.db`, never an existing file."""
    stamp = f"{clock.to_local(clock.now()):%Y%m%d-%H%M%S}"
    suffix = db_path.suffix or ".db"
    candidate = db_path.with_name(f"{db_path.stem}{BACKUP_INFIX}{stamp}{suffix}")
    number = 2
    while candidate.exists():
        candidate = db_path.with_name(f"{db_path.stem}{BACKUP_INFIX}{stamp}-{number}{suffix}")
        number += 1
    return candidate


def backup_copies(db_path: Path) -> list[Path]:
    """Earlier copies found next to the database: `floorcoach backup` and pre-upgrade ones."""
    folder = db_path.parent
    if not folder.is_dir():
        return []
    found = set(folder.glob(f"{db_path.stem}{BACKUP_INFIX}*"))
    found |= set(folder.glob(f"{db_path.name}{MIGRATION_INFIX}*"))
    return sorted(p for p in found if p.is_file() and not p.name.endswith(".partial"))


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
    except OSError:
        return False


def _is_floorcoach_file(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            header = handle.read(100)
    except OSError:
        return False
    return (
        len(header) == 100
        and header.startswith(b"SQLite format 3\x00")
        and int.from_bytes(header[68:72], "big") == APPLICATION_ID
    )


def resolve_target(db_path: Path, target: Path | None) -> Path:
    """Where the copy goes; refuses the database itself and files that are not backups."""
    if target is None:
        return default_backup_path(db_path)
    target = Path(target).expanduser()
    if target.is_dir():
        target = target / default_backup_path(db_path).name
    for live in (db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm")):
        if _same_file(target, live):
            raise StoreError(f"{target} is the live database; choose another file for the backup")
    if target.exists() and not _is_floorcoach_file(target):
        raise StoreError(
            f"{target} already exists and is not a floorcoach backup; it was not overwritten. "
            "Choose a new file name."
        )
    return target


def backup_database(db_path: Path, target: Path | None = None) -> BackupResult:
    """Copy the database at `db_path` without changing it (no migration, no catalogue sync)."""
    db_path = Path(db_path)
    if not db_path.is_file():
        raise StoreError(f"{db_path}: no such database")
    target = resolve_target(db_path, target)
    # Copying a newer floorcoach's file is harmless, and may be exactly what is needed.
    with file_in_use(db_path, allow_newer=True):
        try:
            conn = sqlite3.connect(
                f"{db_path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000
            )
        except sqlite3.DatabaseError as exc:
            raise _translate(exc, db_path) from exc
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            if app_id != APPLICATION_ID:
                raise NotFloorcoachDatabase(
                    f"{db_path} is not a floorcoach database; nothing was copied"
                )
            copy_connection(conn, target)
        except sqlite3.DatabaseError as exc:
            raise _translate(exc, db_path) from exc
        finally:
            conn.close()
    return describe_copy(target)


def describe_copy(path: Path) -> BackupResult:
    """Open a copy read-only and say what it holds (also proves it opens)."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        employees = conn.execute("SELECT count(*) FROM employee").fetchone()[0]
        observations = conn.execute("SELECT count(*) FROM observation").fetchone()[0]
    finally:
        conn.close()
    return BackupResult(path, path.stat().st_size, version, employees, observations)
