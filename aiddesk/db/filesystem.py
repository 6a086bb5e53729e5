"""Is a database file on a network drive? SQLite's WAL mode is unsafe there, so we must know."""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Linux mount types of network and user-space file systems that can be shared between PCs.
NETWORK_FS_TYPES = {"cifs", "smb3", "smbfs", "nfs", "nfs4", "ncpfs", "afs", "9p", "davfs", "fuse.sshfs",
                    "fuse.gvfsd-fuse", "fuse.rclone", "glusterfs", "ceph"}


def _linux_fs_type(path: Path, mounts_file: str = "/proc/mounts") -> str | None:
    """The type of the file system holding ``path``: the longest mount point that contains it."""
    try:
        with open(mounts_file, encoding="utf-8") as f:
            mounts = [line.split()[:3] for line in f if len(line.split()) >= 3]
    except OSError:
        return None
    target = str(path.resolve())
    best, best_type = "", None
    for _device, mount_point, fs_type in mounts:
        mount_point = mount_point.replace("\\040", " ")
        inside = target == mount_point or target.startswith(mount_point.rstrip("/") + "/")
        if inside and len(mount_point) >= len(best):
            best, best_type = mount_point, fs_type
    return best_type


def _windows_is_remote(path: Path) -> bool:
    text = str(path.resolve())
    if text.startswith("\\\\"):
        return True  # a UNC path: \\server\share\…
    import ctypes

    drive = os.path.splitdrive(text)[0] + "\\"
    DRIVE_REMOTE = 4
    return ctypes.windll.kernel32.GetDriveTypeW(drive) == DRIVE_REMOTE


def is_network_path(path: Path, *, mounts_file: str = "/proc/mounts") -> bool:
    """True when ``path`` lies on a shared network drive (SMB, NFS, …)."""
    if sys.platform == "win32":
        return _windows_is_remote(path)
    fs_type = _linux_fs_type(path, mounts_file)
    return fs_type in NETWORK_FS_TYPES if fs_type else False
