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
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from floorcoach import clock

if TYPE_CHECKING:
    import sqlite_utils

APPLICATION_ID = 0x46434F41  # "FCOA": marks a file as a floorcoach database
BUSY_TIMEOUT_MS = 5000
SQLITE_HEADER = b"SQLite format 3\x00"
FULL_DISK_BYTES = 1 << 20  # less free room than this and SQLite's "I/O error" means "full"


class StoreError(Exception):
    """A problem with the database file that the user must read; the message says what."""


class NotFloorcoachDatabase(StoreError):
    pass


class NewerSchemaError(StoreError):
    pass


class DatabaseBusy(StoreError):
    pass


class DamagedDatabase(StoreError):
    """SQLite found damaged pages ("database disk image is malformed")."""


class RecordNotFound(StoreError):
    pass


class ConflictError(StoreError):
    """Someone else changed the record since it was read; nothing was overwritten."""


def new_id() -> str:
    import uuid  # here, not at the top: read-only commands never pay for it

    return str(uuid.uuid4())


# --- schema -----------------------------------------------------------------------------


def _migrations() -> dict[int, Callable[[sqlite_utils.Database], None]]:
    from floorcoach.migrations import load_migrations

    return load_migrations()


def schema_version_known() -> int:
    """The newest schema this code can write (the highest migration number)."""
    from floorcoach.migrations import latest_version

    return latest_version()


# --- opening ------------------------------------------------------------------------------


def _check_existing_file(path: Path) -> None:
    """Refuse, before SQLite touches it, a file that is not an SQLite database.

    The 100-byte header also carries the application id (offset 68) and the schema
    version (offset 60): a file another program marked as its own, or one from a newer
    floorcoach, is refused here without even opening a connection (which could create
    `-wal`/`-shm` files next to it). `_prepare` checks again through SQLite.
    """
    try:
        with path.open("rb") as handle:
            header = handle.read(100)
    except PermissionError as exc:
        raise StoreError(f"{path}: cannot open the database: permission denied") from exc
    except OSError as exc:
        raise StoreError(f"{path}: cannot open the database: {exc.strerror or exc}") from exc
    if not header:
        raise NotFloorcoachDatabase(
            f"{path} is an empty file, not a floorcoach database; it was left untouched "
            "(floorcoach does not turn other files into databases). Delete it or pass --db "
            "with a new file name, and floorcoach creates the database itself."
        )
    if header[: len(SQLITE_HEADER)] != SQLITE_HEADER:
        raise NotFloorcoachDatabase(
            f"{path} is not a floorcoach database (it is not an SQLite file); "
            "it was left untouched. Pass --db with the right file."
        )
    if len(header) < 100:
        return
    app_id = int.from_bytes(header[68:72], "big")
    version = int.from_bytes(header[60:64], "big")
    if app_id != APPLICATION_ID:
        raise _not_ours(path)
    if app_id == APPLICATION_ID and version > schema_version_known():
        raise _newer(path, version)


def _companion_warnings(path: Path) -> list[str]:
    """A `-shm` without its `-wal`: someone deleted the write-ahead log, and with it every
    change not yet copied into the main file. SQLite cannot tell; floorcoach says so."""
    wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
    if not shm.exists() or wal.exists():
        return []
    import time

    time.sleep(0.05)  # another floorcoach closing removes the -wal a moment before the -shm
    if not shm.exists() or wal.exists():
        return []
    return [
        f"{shm.name} is there but {wal.name} is missing: it was deleted or moved, and the "
        "most recent saves in it may be lost. If you moved it, quit floorcoach and put it "
        "back; otherwise run `floorcoach check` and compare with your latest backup."
    ]


def _not_ours(path: Path) -> NotFloorcoachDatabase:
    return NotFloorcoachDatabase(
        f"{path} is an SQLite database but not a floorcoach one; it was left "
        "untouched. Pass --db with a floorcoach database or a new file name."
    )


def _newer(path: Path, version: int) -> NewerSchemaError:
    return NewerSchemaError(
        f"{path} was written by a newer floorcoach (schema {version}; this "
        f"version understands up to {schema_version_known()}). Upgrade floorcoach to open "
        "it; the file was left untouched."
    )


# How many connections this process has open (or is opening) on each database file.
# POSIX file locks belong to the process: closing ANY file descriptor on the database
# drops every lock this process holds on it, including those of its open SQLite
# connections. Another process may then believe it is the last user, checkpoint and
# delete the WAL under our feet: a corrupt database (seen here with the TUI and a CLI
# `log` running together). So the header is read with plain file I/O only while this
# process has no connection to the file; later opens rely on the first check.
_IN_USE: dict[str, int] = {}
_IN_USE_LOCK = threading.Lock()


def _claim(
    path: Path, *, create: bool, allow_newer: bool = False, warnings: list[str] | None = None
) -> Callable[[], None]:
    """Check (or create) the file and count a connection to it; returns the release."""
    key = os.path.realpath(path)
    with _IN_USE_LOCK:
        if path.exists():
            if not _IN_USE.get(key):
                try:
                    _check_existing_file(path)
                except NewerSchemaError:
                    if not allow_newer:
                        raise
                if warnings is not None:
                    warnings.extend(_companion_warnings(path))
        elif create:
            try:
                _create_private_file(path)
            except FileExistsError:
                pass  # another process created it a moment ago: SQLite checks it next
            except OSError as exc:
                raise StoreError(
                    f"{path}: cannot create the database: {exc.strerror or exc}"
                ) from exc
        else:
            raise StoreError(f"{path}: no such database")
        _IN_USE[key] = _IN_USE.get(key, 0) + 1
    released = False

    def release() -> None:
        nonlocal released
        with _IN_USE_LOCK:
            if released:
                return
            released = True
            _IN_USE[key] -= 1
            if not _IN_USE[key]:
                del _IN_USE[key]

    return release


@contextmanager
def file_in_use(path: Path, *, allow_newer: bool = False) -> Iterator[None]:
    """For connections opened outside `Store.open` (backups): check the file, count the use."""
    release = _claim(Path(path), create=False, allow_newer=allow_newer)
    try:
        yield
    finally:
        release()


def _create_private_file(path: Path) -> None:
    """Create a new, empty floorcoach database readable by its owner only (0600 in 0700).

    The file is made complete under a partial name and linked into place, so the path
    never holds an empty file that floorcoach made: an empty file found there is someone
    else's, and is refused. If another floorcoach created it first, FileExistsError.
    """
    from floorcoach.safefiles import partial_file, sync_folder

    with partial_file(path) as (fd, partial):
        os.close(fd)
        _link_new_database(partial, path)
    sync_folder(path.parent)


def _link_new_database(partial: Path, path: Path) -> None:
    """Make `partial` a floorcoach database (application id, WAL) and give it the name."""
    try:
        conn = sqlite3.connect(str(partial))
        try:
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute("PRAGMA journal_mode = WAL")  # written into the header
        finally:
            conn.close()
        with partial.open("rb") as handle:
            os.fsync(handle.fileno())
        try:
            os.link(partial, path)  # fails if the name exists: never replaces a file
        except FileExistsError:
            raise
        except OSError:  # a file system without hard links: exclusive create, then copy
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(partial.read_bytes())
                handle.flush()
                os.fsync(handle.fileno())
    finally:
        partial.unlink(missing_ok=True)


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
        self.warnings: list[str] = []  # for the user, found on opening (see _claim)

    @cached_property
    def db(self) -> sqlite_utils.Database:
        """sqlite-utils over the same connection, for migrations (imported only when needed:
        it costs more start-up time than the rest of the core together)."""
        import sqlite_utils

        return sqlite_utils.Database(self.conn, execute_plugins=False)

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, create: bool = True) -> Store:
        path = Path(path)
        warnings: list[str] = []
        release = _claim(path, create=create, warnings=warnings)
        conn = None
        try:
            conn = _connect(path)
            store = cls(path, conn)
            store.warnings = warnings
            store._release = release
            store._prepare()
            store._check_history_mark()
        except sqlite3.DatabaseError as exc:
            if conn is not None:
                conn.close()
            release()
            raise _translate(exc, path) from exc
        except BaseException:
            if conn is not None:
                conn.close()
            release()
            raise
        return store

    def _prepare(self) -> None:
        conn = self.conn
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if app_id != APPLICATION_ID:
            raise _not_ours(self.path)
        known = schema_version_known()
        if version > known:
            raise _newer(self.path, version)
        if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        if version < known:
            backup = None
            if version > 0:  # an empty new file has nothing worth a copy
                backup = self._copy_before_upgrade(known)
            try:
                self._migrate(version)
            except Exception as exc:
                kept = f"; a copy from before was kept at {backup}" if backup else ""
                raise StoreError(
                    f"{self.path}: could not upgrade the database from schema {version} to "
                    f"{known}: {exc}. Nothing was changed{kept}."
                ) from exc

        self._forget_backup_mark()

    def _copy_before_upgrade(self, known: int) -> Path:
        from floorcoach.safefiles import DiskFull
        from floorcoach.sqlite_files import DAMAGED_ADVICE, DamagedCopy

        try:
            return backup_copy(self, _free_name(self.path, f".before-schema-{known}.bak"))
        except DamagedCopy as exc:
            raise DamagedDatabase(
                f"{self.path} is damaged, so floorcoach did not upgrade it ({exc}). "
                f"{DAMAGED_ADVICE}"
            ) from exc
        except DiskFull as exc:
            raise StoreError(
                f"{self.path}: the disk is full, so floorcoach cannot keep the copy it makes "
                "before an upgrade; nothing was changed. Free some space and start again."
            ) from exc

    def _forget_backup_mark(self) -> None:
        """A backup opened as a database is a live database from now on: `floorcoach backup`
        must no longer treat it as a copy it may replace (see `backup.resolve_target`)."""
        if self.setting("backup_of") is None:
            return
        try:
            with self.write() as conn:
                conn.execute("DELETE FROM setting WHERE key = 'backup_of'")
        except StoreError:
            pass  # read-only or busy: it stays a backup, which only makes backups refuse it

    def _migrate(self, current: int) -> None:
        """Every pending step in ONE transaction: a failure leaves the file as it was.

        Foreign keys are off while the steps run, so rebuilding a table never fires the
        ON DELETE actions of the rows that point at it (`migrations.reshape`). SQLite
        ignores that pragma inside a transaction, so it is switched around BEGIN/COMMIT;
        before COMMIT, `foreign_key_check` must find no more dangling rows than before.
        """
        from floorcoach.migrations import (
            broken_references,
            foreign_keys_off,
            refuse_new_broken_references,
        )

        migrations = _migrations()
        with foreign_keys_off(self.conn), self.write():
            # Re-read inside the write lock: another process may have migrated first.
            now_at = self.conn.execute("PRAGMA user_version").fetchone()[0]
            pending = sorted(v for v in migrations if v > max(current, now_at))
            if not pending:
                return
            broken_before = broken_references(self.conn)
            for target in pending:
                migrations[target](self.db)
                self.conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                self.conn.execute(f"PRAGMA user_version = {target}")
            refuse_new_broken_references(self.conn, broken_before)

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
            raise _translate(exc, self.path, writing=True) from exc
        try:
            yield conn
        except sqlite3.OperationalError as exc:
            if conn.in_transaction:
                conn.rollback()
            if _is_environmental(exc):  # busy, full disk, read-only: the user can act on it
                raise _translate(exc, self.path, writing=True) from exc
            raise
        except BaseException:
            if conn.in_transaction:
                conn.rollback()
            raise
        else:
            try:
                conn.commit()
            except sqlite3.OperationalError as exc:
                conn.rollback()
                raise _translate(exc, self.path, writing=True) from exc

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

    def _check_history_mark(self) -> None:
        """Warn when the database holds fewer saved changes than it did when floorcoach
        last closed it: a deleted `-wal` (with no `-shm` left to tell) or a restored copy.

        Every saved change adds a line to the append-only history, whose AUTOINCREMENT
        number never goes down, not even when an erasure removes lines; the number seen at
        the last close is kept beside the drafts (`history-mark`).
        """
        number = _history_number(self.conn)
        if number is None:
            return
        key = os.path.realpath(self.path)
        mark = _MARKS.get(key)
        if mark is None:
            mark = _read_history_mark(self.path)
        if mark is not None and number < mark:
            self.warnings.append(
                f"{self.path.name} holds fewer saved changes than when floorcoach last closed "
                f"it (history line {number}, was {mark}). If you restored a backup, that is "
                "expected. Otherwise its -wal was deleted or moved and the latest saves are "
                "missing: quit floorcoach and put the -wal back if you have it."
            )
            _MARKS.pop(key, None)  # said once: the close keeps this as the database's state
            return
        if mark is not None:
            _MARKS[key] = mark

    def _keep_history_mark(self) -> None:
        try:
            number = _history_number(self.conn)
        except sqlite3.Error:
            return
        key = os.path.realpath(self.path)
        if number is None or _MARKS.get(key) == number:
            return
        _MARKS[key] = number
        from floorcoach.drafts import drafts_dir
        from floorcoach.safefiles import write_atomically

        with suppress(OSError):  # a hint, not a record: a full disk must not stop a close
            write_atomically(
                drafts_dir(self.path) / HISTORY_MARK, str(number).encode(), durable=False
            )

    def close(self) -> None:
        self._keep_history_mark()
        self.conn.close()
        self._release()  # after the close: only then may this process read the file again

    def _release(self) -> None:
        pass

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ChangeWatch:
    """Notices commits made by any other connection: another floorcoach window, a
    `floorcoach log` in another terminal, this app's own workers.

    It keeps one connection for this only and asks `PRAGMA data_version`, which changes
    whenever someone else committed since the last look. The answer comes from the WAL
    index in shared memory, so the UI can ask every second without a worker. The
    connection never writes and never waits: a busy file is simply asked again next time.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        path = Path(path)
        release = _claim(path, create=False)
        try:
            self._conn = sqlite3.connect(str(path), timeout=0)
        except BaseException:
            release()
            raise
        self._release = release
        self._version = self._read()

    def _read(self) -> int | None:
        try:
            return self._conn.execute("PRAGMA data_version").fetchone()[0]
        except sqlite3.Error:  # busy or gone for a moment: no news is not a change
            return None

    def changed(self) -> bool:
        """True once for each look that finds commits made elsewhere since the last one."""
        version = self._read()
        if version is None or version == self._version:
            return False
        self._version = version
        return True

    def close(self) -> None:
        self._conn.close()
        self._release()


HISTORY_MARK = "history-mark"
_MARKS: dict[str, int] = {}  # the history number this process last saw or kept, per file


def _history_number(conn: sqlite3.Connection) -> int | None:
    try:
        row = conn.execute(
            "SELECT seq FROM sqlite_sequence WHERE name = 'record_history'"
        ).fetchone()
    except sqlite3.OperationalError:  # a new file, before its first migration
        return None
    return row[0] if row else 0


def _read_history_mark(path: Path) -> int | None:
    from floorcoach.drafts import drafts_dir

    try:
        return int((drafts_dir(path) / HISTORY_MARK).read_text(encoding="ascii"))
    except (OSError, ValueError):
        return None


def backup_copy(store: Store, target: Path) -> Path:
    """A consistent copy of the live database (SQLite backup API), private and synced.

    The copy logic lives in `floorcoach.sqlite_files` (also used by `floorcoach backup`).
    """
    from floorcoach.sqlite_files import copy_connection

    return copy_connection(store.conn, Path(target))


def _free_name(path: Path, suffix: str) -> Path:
    """`path` + `suffix`, or with `-2`, `-3` … added so an earlier copy is never overwritten."""
    candidate = path.with_name(path.name + suffix)
    number = 2
    while candidate.exists():
        candidate = path.with_name(f"{path.name}{suffix}-{number}")
        number += 1
    return candidate


def _is_environmental(exc: sqlite3.DatabaseError) -> bool:
    text = str(exc)
    return any(
        word in text for word in ("locked", "busy", "readonly", "read-only", "full", "I/O error")
    )


def _translate(exc: sqlite3.DatabaseError, path: Path, *, writing: bool = False) -> StoreError:
    """The user's version of an SQLite error: what is wrong, with which file, what to do.

    "Nothing was saved" is said only of a write; a read that fails changed nothing.
    """
    from floorcoach.sqlite_files import DAMAGED_ADVICE

    text = str(exc)
    outcome = "nothing was saved" if writing else "your records were not changed"
    if "disk is full" in text or ("I/O error" in text and disk_is_full(path)):
        return StoreError(f"{path}: the disk is full; {outcome}. Free some space and try again.")
    if "I/O error" in text:
        return StoreError(f"{path}: the disk reported an error ({text}); {outcome}.")
    if "locked" in text or "busy" in text:
        return DatabaseBusy(
            f"{path} is busy: another floorcoach is writing to it. Nothing was lost; "
            "try again in a moment."
        )
    if "malformed" in text or "corrupt" in text:
        return DamagedDatabase(f"{path} is damaged ({text}). {DAMAGED_ADVICE}")
    if "file is not a database" in text:
        return NotFloorcoachDatabase(f"{path} is not a usable database: {text}")
    if "readonly" in text or "read-only" in text:
        return StoreError(f"{path} is read-only: floorcoach cannot save to it")
    return StoreError(f"{path}: {text}")


def disk_is_full(path: Path) -> bool:
    """Does the disk holding `path` have (almost) no room left? SQLite often reports a full
    disk as a plain "disk I/O error" (when it cannot grow the -shm or the -wal)."""
    folder = Path(path).parent
    try:
        stats = os.statvfs(folder)
    except (OSError, AttributeError):
        return False
    return stats.f_bavail * stats.f_frsize < FULL_DISK_BYTES
