"""Consistent, private copies of the database, safe to take while floorcoach is writing.

A copy is made with SQLite's online backup API in one step, so it is a single moment of
the database even when the app or a CLI command is saving at the same time (WAL readers
never block writers). The copy is written to a private temporary name (0600), synced to
disk, then renamed into place, so a half-written copy never carries the final name.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from floorcoach import clock
from floorcoach.safefiles import (
    DatabaseTarget,
    DiskFull,
    UnsafeTarget,
    output_target,
)
from floorcoach.sqlite_files import (
    DAMAGED_ADVICE,
    DamagedCopy,
    connect_for_reading,
    copy_connection,
)
from floorcoach.store import (
    APPLICATION_ID,
    DamagedDatabase,
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


def _setting(path: Path, key: str) -> str | None:
    """One setting of another database file, read without locks or companion files."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error:
        return None
    try:
        return _own_setting(conn, key)
    except sqlite3.Error:  # not a database floorcoach can read: no setting
        return None
    finally:
        conn.close()


def _replaceable_backup(target: Path, database_id: str | None) -> bool:
    """Is `target` a backup, made by `floorcoach backup`, of the database `database_id`?

    Only such a file may be replaced: its `backup_of` setting names this database, it was
    never opened as a live database since (opening one clears the mark), and nothing has
    it open (no -wal or -shm beside it).
    """
    if database_id is None:
        return False
    if any(Path(f"{target}{s}").exists() for s in ("-wal", "-shm", "-journal")):
        return False
    return _setting(target, "backup_of") == database_id


def resolve_target(db_path: Path, target: Path | None, database_id: str | None = None) -> Path:
    """Where the copy goes: a new name, or an earlier backup of this same database.

    Refused: the database itself and its -wal/-shm; folders' special files; and any
    existing file that is not an earlier backup of this database — another floorcoach
    database above all, which `--to` must never overwrite.
    """
    if target is None:
        return default_backup_path(db_path)
    target = Path(target).expanduser()
    if target.is_dir():
        target = target / default_backup_path(db_path).name
    try:
        real = output_target(target, database=db_path, what="a backup")
    except DatabaseTarget:
        if _replaceable_backup(target, database_id):
            return Path(os.path.realpath(target))
        raise StoreError(
            f"{target} already exists and is not an earlier backup of {db_path.name}; "
            "it was not overwritten (a backup replaces only a file that `floorcoach "
            "backup` made from this same database). Choose a new file name."
        ) from None
    except UnsafeTarget as exc:
        raise StoreError(str(exc)) from None
    if real.exists():
        raise StoreError(
            f"{target} already exists and is not a floorcoach backup; it was not overwritten. "
            "Choose a new file name."
        )
    return real


def backup_database(db_path: Path, target: Path | None = None) -> BackupResult:
    """Copy the database at `db_path` without changing it (no migration, no catalogue sync)."""
    db_path = Path(db_path)
    if not db_path.is_file():
        raise StoreError(f"{db_path}: no such database")
    # Copying a newer floorcoach's file is harmless, and may be exactly what is needed.
    with file_in_use(db_path, allow_newer=True):
        try:
            conn = connect_for_reading(db_path)
        except sqlite3.DatabaseError as exc:
            raise _translate(exc, db_path) from exc
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            if app_id != APPLICATION_ID:
                raise NotFloorcoachDatabase(
                    f"{db_path} is not a floorcoach database; nothing was copied"
                )
            database_id = _own_setting(conn, "database_id")
            target = resolve_target(db_path, target, database_id)
            copy_connection(conn, target, mark_backup_of=database_id)
        except DamagedCopy as exc:
            raise DamagedDatabase(
                f"{db_path} is damaged, so no backup was made (the copy would not restore): "
                f"{exc.checkup.summary().split(': ', 1)[1]}. {DAMAGED_ADVICE}"
            ) from exc
        except DiskFull as exc:
            raise StoreError(
                f"the disk is full: no backup was written to {target} and nothing was left "
                "behind. Free some space, or back up to another disk with --to."
            ) from exc
        except sqlite3.DatabaseError as exc:
            raise _translate(exc, db_path) from exc
        finally:
            conn.close()
    return describe_copy(target)


def _own_setting(conn: sqlite3.Connection, key: str) -> str | None:
    """A setting read through `conn`; None where the schema has no settings yet."""
    try:
        row = conn.execute("SELECT value FROM setting WHERE key = ?", (key,)).fetchone()
    except sqlite3.OperationalError:  # a schema from before settings existed
        return None
    return row[0] if row else None


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
