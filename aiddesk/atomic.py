"""Writing an output file so that it is either complete or not there at all (PDFs, workbooks)."""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from .core.errors import UserError


def write_atomically(path: str | os.PathLike, build: Callable[[str], None], *, opened_in: str = "其他程序") -> None:
    """Run ``build(tmp_name)`` on a temporary file beside ``path``; move it into place only when complete.

    An existing file at ``path`` survives a failure or a cancel, and no partial file is left behind.
    ``opened_in`` names what may be holding the old file open (on Windows a replace then fails).
    """
    path = Path(path)
    # mkstemp's owner-only permissions are kept on purpose: forms and workbooks carry full ID numbers.
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        build(tmp_name)
        try:
            os.replace(tmp, path)
        except PermissionError:
            raise UserError(f"无法写入“{path}”，该文件可能正在{opened_in}中打开。"
                            "请关闭后重试，或换一个文件名") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextmanager
def private_folder(prefix: str = "aiddesk-") -> Iterator[Path]:
    """A new folder in this PC's own temporary directory that only the current user may open (mode 0700).

    For a plaintext that must never reach the target's folder (a USB stick, a share): e.g. a workbook
    before it is encrypted. Removed with everything in it when the block ends, normally or by an error;
    only a killed process leaves it, and then on the local disk, in the user's own temporary folder.
    """
    folder = Path(tempfile.mkdtemp(prefix=prefix))  # mkdtemp: owner-only permissions
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
