"""Files floorcoach writes beside the database: private, complete, and durable.

Every file is written under a unique hidden `.partial` name (0600), synced, then renamed
over the final name, and the folder is synced so the rename itself survives a power cut.
A reader therefore sees the old file or the new one, never half of one.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def private_folder(folder: Path) -> None:
    """Create `folder` (and parents) readable by its owner only, if it is missing."""
    if not folder.exists():
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)


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


@contextmanager
def replacing(target: Path) -> Iterator[Path]:
    """Yield a new empty 0600 file next to `target`; when the block succeeds it is synced
    and renamed over `target`, and when it fails it is removed.

    The temporary name is unique, so two processes writing one target never share a file.
    """
    private_folder(target.parent)
    partial = target.with_name(f".{target.name}.{os.getpid()}-{os.urandom(4).hex()}.partial")
    os.close(os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    try:
        yield partial
        with partial.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    sync_folder(target.parent)


def write_atomically(target: Path, data: bytes) -> Path:
    """Replace `target` with `data`: private, synced, all or nothing."""
    with replacing(target) as partial:
        partial.write_bytes(data)
    return target
