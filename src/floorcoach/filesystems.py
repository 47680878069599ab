"""Is the database on a network file system? WAL needs shared memory that they cannot share.

SQLite's WAL mode coordinates processes through a memory-mapped `-shm` file; over NFS,
SMB/CIFS or sshfs two machines do not see each other's changes to it, and the database
can be corrupted. floorcoach does not refuse (a single user on a home share may be
fine), but it warns clearly. Detection reads `/proc/mounts` (Linux); elsewhere it is
silent.
"""

from __future__ import annotations

import re
from pathlib import Path

MOUNTS_FILE = Path("/proc/mounts")

# File system types that are network or user-space remote mounts.
NETWORK_TYPES = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smb",
        "smb2",
        "smb3",
        "smbfs",
        "sshfs",
        "9p",
        "afs",
        "ncpfs",
        "ceph",
        "glusterfs",
        "lustre",
        "gpfs",
        "davfs",
        "fuse.sshfs",
        "fuse.rclone",
        "fuse.s3fs",
        "fuse.gvfsd-fuse",
        "fuse.glusterfs",
        "fuse.davfs",
        "fuse.smbnetfs",
        "fuse.cephfs",
    }
)


def _unescape(field: str) -> str:
    """/proc/mounts writes a space as \\040, a tab as \\011 and so on."""
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def _mounts(text: str) -> list[tuple[str, str]]:
    mounts = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 3:
            mounts.append((_unescape(fields[1]), fields[2]))
    return mounts


def _existing_folder(path: Path) -> Path:
    folder = Path(path).expanduser().absolute().parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder.resolve()


def mount_of(path: Path, mounts_text: str | None = None) -> tuple[str, str] | None:
    """(mount point, file system type) of the folder that holds `path`, or None if unknown."""
    if mounts_text is None:
        try:
            mounts_text = MOUNTS_FILE.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
    folder = str(_existing_folder(path))
    best: tuple[str, str] | None = None
    for point, fstype in _mounts(mounts_text):
        inside = folder == point or folder.startswith(point.rstrip("/") + "/")
        if inside and (best is None or len(point) >= len(best[0])):
            best = (point, fstype)  # later lines win on equal length: the mount on top
    return best


def is_network_type(fstype: str) -> bool:
    kind = fstype.lower()
    return kind in NETWORK_TYPES or kind.startswith(("nfs", "smb", "cifs"))


def network_filesystem_warning(path: Path, mounts_text: str | None = None) -> str | None:
    """A warning to show when `path` is on a network file system; None when it is local."""
    mount = mount_of(path, mounts_text)
    if mount is None or not is_network_type(mount[1]):
        return None
    point, fstype = mount
    return (
        f"{path} is on a network file system ({fstype} at {point}). SQLite's WAL mode, "
        "which floorcoach uses, does not work reliably there: two computers using the file "
        "at once can damage it. Keep the database on a local disk and share exports or "
        "backups instead."
    )
