"""The SQLite file: opening it safely, its schema and migrations, and transactions.

Everything floorcoach knows lives in one SQLite file. This module decides how that file
is opened (WAL, `synchronous=FULL`, foreign keys, a busy timeout), refuses files it must
not touch (not SQLite, not floorcoach, from a newer floorcoach) before writing a byte,
and moves older schemas forward in one transaction after a backup copy.
"""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import sqlite_utils

from floorcoach import clock

APPLICATION_ID = 0x46434F41  # "FCOA": marks a file as a floorcoach database
BUSY_TIMEOUT_MS = 5000
SQLITE_HEADER = b"SQLite format 3\x00"


class StoreError(Exception):
    """A problem with the database file that the user must read; the message says what."""


class NotFloorcoachDatabase(StoreError):
    pass


class NewerSchemaError(StoreError):
    pass


class DatabaseBusy(StoreError):
    pass


class RecordNotFound(StoreError):
    pass


class ConflictError(StoreError):
    """Someone else changed the record since it was read; nothing was overwritten."""


def new_id() -> str:
    return str(uuid.uuid4())


# --- schema -----------------------------------------------------------------------------


def _migrations() -> dict[int, Callable[[sqlite_utils.Database], None]]:
    from floorcoach.migrations import load_migrations

    return load_migrations()


def schema_version_known() -> int:
    """The newest schema this code can write (the highest migration number)."""
    return max(_migrations())


# --- opening ------------------------------------------------------------------------------


def _check_existing_file(path: Path) -> None:
    """Refuse, before SQLite touches it, a file that is not an SQLite database."""
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except PermissionError as exc:
        raise StoreError(f"{path}: cannot open the database: permission denied") from exc
    except OSError as exc:
        raise StoreError(f"{path}: cannot open the database: {exc.strerror or exc}") from exc
    if header and header != SQLITE_HEADER:
        raise NotFloorcoachDatabase(
            f"{path} is not a floorcoach database (it is not an SQLite file); "
            "it was left untouched. Pass --db with the right file."
        )


def _create_private_file(path: Path) -> None:
    """Create the folder (0700) and an empty file (0600) so no one else can read it."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


class Store:
    """An open floorcoach database; one per thread (sqlite connections cannot cross threads)."""

    def __init__(self, path: Path, conn: sqlite3.Connection):
        self.path = path
        self.conn = conn
        self.db = sqlite_utils.Database(conn, execute_plugins=False)

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, create: bool = True) -> Store:
        path = Path(path)
        fresh = not path.exists() or path.stat().st_size == 0
        if path.exists():
            _check_existing_file(path)
        elif create:
            try:
                _create_private_file(path)
            except OSError as exc:
                raise StoreError(
                    f"{path}: cannot create the database: {exc.strerror or exc}"
                ) from exc
        else:
            raise StoreError(f"{path}: no such database")
        try:
            conn = _connect(path)
            store = cls(path, conn)
            store._prepare(fresh)
        except sqlite3.DatabaseError as exc:
            raise _translate(exc, path) from exc
        return store

    def _prepare(self, fresh: bool) -> None:
        conn = self.conn
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        has_tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0
        if app_id != APPLICATION_ID and (has_tables or version):
            self.close()
            raise NotFloorcoachDatabase(
                f"{self.path} is an SQLite database but not a floorcoach one; it was left "
                "untouched. Pass --db with a floorcoach database or a new file name."
            )
        known = schema_version_known()
        if version > known:
            self.close()
            raise NewerSchemaError(
                f"{self.path} was written by a newer floorcoach (schema {version}; this "
                f"version understands up to {known}). Upgrade floorcoach to open it; "
                "the file was left untouched."
            )
        if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        if version < known:
            if version > 0 and not fresh:
                backup_copy(
                    self, self.path.with_name(f"{self.path.name}.before-schema-{known}.bak")
                )
            self._migrate(version)

    def _migrate(self, current: int) -> None:
        migrations = _migrations()
        for target in sorted(v for v in migrations if v > current):
            with self.write():
                # Re-read inside the write lock: another process may have migrated first.
                now_at = self.conn.execute("PRAGMA user_version").fetchone()[0]
                if now_at >= target:
                    continue
                migrations[target](self.db)
                self.conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                self.conn.execute(f"PRAGMA user_version = {target}")

    @property
    def schema_version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken with BEGIN IMMEDIATE so read-then-write never deadlocks.

        When the block ends without error the commit has reached the disk
        (`synchronous=FULL`), so the caller may tell the user "saved".
        """
        conn = self.conn
        if conn.in_transaction:  # nested: a savepoint inside the outer transaction
            with self.db.atomic():
                yield conn
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise _translate(exc, self.path) from exc
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:
                conn.rollback()
            raise
        else:
            try:
                conn.commit()
            except sqlite3.OperationalError as exc:
                conn.rollback()
                raise _translate(exc, self.path) from exc

    def query(self, sql: str, params: tuple | dict = ()) -> list[sqlite3.Row]:
        cursor = self.conn.execute(sql, params)
        columns = [d[0] for d in cursor.description or ()]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]

    def setting(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM setting WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_setting(self, key: str, value: str) -> None:
        with self.write() as conn:
            conn.execute(
                "INSERT INTO setting(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def record_history(
        self,
        record_type: str,
        record_id: str,
        action: str,
        changed_by: str,
        *,
        employee_id: str | None,
        before: dict | None = None,
        after: dict | None = None,
        at: datetime | None = None,
    ) -> None:
        """Append one history line; call inside the write that makes the change."""
        self.conn.execute(
            "INSERT INTO record_history(record_type, record_id, employee_id, action, "
            "changed_at, changed_by, before, after) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                record_type,
                record_id,
                employee_id,
                action,
                clock.utc_text(at or clock.now()),
                changed_by,
                json.dumps(before, ensure_ascii=False) if before is not None else None,
                json.dumps(after, ensure_ascii=False) if after is not None else None,
            ),
        )

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def backup_copy(store: Store, target: Path) -> Path:
    """A consistent copy of the live database (SQLite backup API), private and synced."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = target.with_name(target.name + ".partial")
    if partial.exists():
        partial.unlink()
    fd = os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    dest = sqlite3.connect(str(partial))
    try:
        store.conn.backup(dest)
        dest.execute("PRAGMA journal_mode = DELETE")
    finally:
        dest.close()
    with partial.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(partial, target)
    return target


def _translate(exc: sqlite3.DatabaseError, path: Path) -> StoreError:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return DatabaseBusy(
            f"{path} is busy: another floorcoach is writing to it. Nothing was lost; "
            "try again in a moment."
        )
    if "file is not a database" in text or "malformed" in text:
        return NotFloorcoachDatabase(f"{path} is not a usable database: {text}")
    if "readonly" in text or "read-only" in text:
        return StoreError(f"{path} is read-only: floorcoach cannot save to it")
    return StoreError(f"{path}: {text}")
