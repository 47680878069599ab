"""Files floorcoach writes beside the database: private, complete, and durable.

Every file is written under a unique hidden `.partial` name (0600), synced, then renamed
over the final name, and the folder is synced so the rename itself survives a power cut.
A reader therefore sees the old file or the new one, never half of one.

A partial can hold personal data (an export, a copy of the database), so its name says
who made it: `.NAME.floorcoach-PID-RANDOM.partial`. A process killed with SIGKILL cannot
remove its own; the next floorcoach that writes in that folder removes those whose
process is gone (`remove_stale_partials`), and `employee forget` lists any it cannot.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

# SQLite may add its own -journal/-wal/-shm to a partial that is a database copy.
PARTIAL_PATTERN = re.compile(
    r"^\..+\.floorcoach-(?P<pid>\d+)-[0-9a-f]{8}\.partial(-journal|-wal|-shm)?$"
)
# A partial whose process still runs is left alone, unless it is this old: a pid can be
# reused by an unrelated process, and no floorcoach write takes a day.
STALE_AFTER_SECONDS = 24 * 3600


class DiskFull(OSError):
    """The disk (or the user's quota) has no room left for the file being written."""


def is_disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


def private_folder(folder: Path) -> None:
    """Create `folder` and every missing parent readable by its owner only (0700).

    `mkdir(parents=True)` gives the parents the default mode (0777 less the umask, so
    0777 at umask 0); each one is made here with 0700 and its mode set explicitly.
    """
    folder = Path(folder)
    missing = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for each in reversed(missing):
        try:
            each.mkdir(mode=0o700)
        except FileExistsError:
            continue  # another process made it a moment ago
        os.chmod(each, 0o700)  # mkdir's mode is masked by the umask


def sync_folder(folder: Path) -> None:
    """Make a rename durable (POSIX); skipped where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def partial_name(target: Path) -> Path:
    """A new, unique partial name next to `target`, in floorcoach's own naming."""
    return target.with_name(
        f".{target.name}.floorcoach-{os.getpid()}-{os.urandom(4).hex()}.partial"
    )


@contextmanager
def partial_file(target: Path) -> Iterator[tuple[int, Path]]:
    """A new empty 0600 partial next to `target`: its open descriptor and its path.

    When the block fails — a signal included, even one that lands while the file is
    being created — the partial and any -journal/-wal/-shm SQLite added beside it are
    removed; when it succeeds the block has renamed it (or removed it) itself. Stale
    partials in the folder are removed first, so retries never pile up copies.
    """
    private_folder(target.parent)
    remove_stale_partials(target.parent)
    partial = partial_name(target)  # named before it exists, so a failure can remove it
    try:
        fd = os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        yield fd, partial
    except BaseException:
        for leftover in (partial, *(Path(f"{partial}{s}") for s in DATABASE_COMPANIONS)):
            with suppress(OSError):
                leftover.unlink()
        raise


@contextmanager
def replacing(target: Path, *, durable: bool = True) -> Iterator[Path]:
    """Yield a new empty 0600 file next to `target`; when the block succeeds it is synced
    and renamed over `target`, and when it fails it is removed.

    The temporary name is unique, so two processes writing one target never share a file.
    A full disk raises DiskFull, with nothing left behind. `durable=False` skips the
    syncs, for hints that may be lost in a power cut but must never be half written.
    """
    try:
        with partial_file(target) as (fd, partial):
            os.close(fd)
            yield partial
            if durable:
                with partial.open("rb") as handle:
                    os.fsync(handle.fileno())
            os.replace(partial, target)
    except OSError as exc:
        if is_disk_full(exc) and not isinstance(exc, DiskFull):
            raise DiskFull(exc.errno, f"the disk is full: {target} was not written") from exc
        raise
    if durable:
        sync_folder(target.parent)


def write_atomically(target: Path, data: bytes, *, durable: bool = True) -> Path:
    """Replace `target` with `data`: private, synced (unless not `durable`), all or nothing."""
    with replacing(target, durable=durable) as partial:
        partial.write_bytes(data)
    return target


@dataclass(frozen=True)
class Partial:
    path: Path
    pid: int

    @property
    def stale(self) -> bool:
        if self.pid == os.getpid():
            return False
        try:
            age = _age_seconds(self.path)
        except OSError:
            return False  # gone already
        return age > STALE_AFTER_SECONDS or not _process_alive(self.pid)


def find_partials(folder: Path) -> list[Partial]:
    """The partials of floorcoach's own naming in `folder` (never anyone else's files)."""
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    found = []
    for name in sorted(names):
        match = PARTIAL_PATTERN.match(name)
        if match and (Path(folder) / name).is_file():
            found.append(Partial(Path(folder) / name, int(match["pid"])))
    return found


def remove_stale_partials(folder: Path) -> list[Path]:
    """Remove the partials left by floorcoach processes that are gone; returns those that
    could not be removed (they may hold personal data: say so)."""
    stuck = []
    for partial in find_partials(folder):
        if not partial.stale:
            continue
        try:
            partial.path.unlink()
        except FileNotFoundError:
            pass
        except OSError:
            stuck.append(partial.path)
    return stuck


def _age_seconds(path: Path) -> float:
    import time

    return time.time() - path.stat().st_mtime


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


# --- where an output may go ---------------------------------------------------------------

SQLITE_MAGIC = b"SQLite format 3\x00"
WAL_MAGICS = (b"\x37\x7f\x06\x82", b"\x37\x7f\x06\x83")
DATABASE_COMPANIONS = ("-wal", "-shm", "-journal")


class UnsafeTarget(ValueError):
    """An output path floorcoach must not write to; the message says why and what to do."""


class DatabaseTarget(UnsafeTarget):
    """The output path holds another SQLite database (or part of one)."""


def starts_like_a_database(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            start = handle.read(len(SQLITE_MAGIC))
    except OSError:
        return False
    return start == SQLITE_MAGIC or start[:4] in WAL_MAGICS


def _is_companion_of_a_database(path: Path) -> bool:
    """`X-wal`, `X-shm` or `X-journal` next to an SQLite file X (its live state)."""
    for suffix in DATABASE_COMPANIONS:
        if path.name.endswith(suffix) and len(path.name) > len(suffix):
            main = path.with_name(path.name[: -len(suffix)])
            if main.is_file() and starts_like_a_database(main):
                return True
    return False


def _same_place(a: Path, b: Path) -> bool:
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return a.exists() and b.exists() and a.samefile(b)
    except OSError:
        return False


def output_target(target: Path, *, database: Path | None, what: str = "an export") -> Path:
    """Where a file meant for people may be written: the real path behind `target`.

    Symlinks are resolved first, so what is checked is what would be replaced. Refused:
    the database and its -wal/-shm/-journal; any SQLite file or write-ahead log, whatever
    its name (a backup among them); anything that exists and is not a regular file (a
    folder, a pipe, a device, a socket). Only a regular file or a new name is replaced.
    """
    requested = Path(target).expanduser()
    real = Path(os.path.realpath(requested))
    if database is not None:
        for live in (database, *(Path(f"{database}{s}") for s in DATABASE_COMPANIONS)):
            if _same_place(real, live):
                raise UnsafeTarget(
                    f"{requested} is the live database ({live.name}); {what} never "
                    "overwrites it. Choose another file name."
                )
    if real.exists() or real.is_symlink():
        if real.is_dir():
            raise UnsafeTarget(f"{requested} is a folder; give a file name to write {what} to")
        if not real.is_file():
            raise UnsafeTarget(
                f"{requested} is not a regular file (a device, pipe or socket); "
                f"floorcoach writes {what} only to a regular file or a new name"
            )
        if starts_like_a_database(real) or _is_companion_of_a_database(real):
            raise DatabaseTarget(
                f"{requested} is an SQLite database or part of one; {what} never "
                "replaces a database. Choose another file name."
            )
    elif _is_companion_of_a_database(real):
        raise UnsafeTarget(
            f"{requested} would be part of the SQLite database next to it; choose another file name"
        )
    return real
