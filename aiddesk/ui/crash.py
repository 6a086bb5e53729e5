"""The last line of defence: an unexpected error becomes a Chinese message and a log entry, not a traceback."""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

import platformdirs
from PySide6.QtWidgets import QApplication

from ..core.clock import SystemClock
from ..core.errors import UserError
from ..paths import APP_NAME
from . import messages


def log_path() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)) / "错误日志.txt"


def _write_log(exc_type, exc, tb) -> Path | None:
    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as f:
            f.write(f"==== {SystemClock().stamp()}\n")  # when it happened, by this PC's clock
            f.write("".join(traceback.format_exception(exc_type, exc, tb)))
    except OSError:
        return None
    return path


def handle_exception(exc_type, exc, tb) -> None:
    """sys.excepthook for the GUI: Qt calls slots without a caller to catch what they raise."""
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    parent = QApplication.activeWindow()
    if isinstance(exc, UserError):
        messages.error(parent, exc.message)
        return
    path = _write_log(exc_type, exc, tb)
    where = f"\n\n详细信息已记入：{path}" if path else ""
    messages.error(parent, "发生了意外错误，刚才的操作没有完成，已保存的数据不受影响。"
                           f"请把这个情况告诉技术支持人员。{where}", "意外错误")


def install() -> None:
    sys.excepthook = handle_exception
