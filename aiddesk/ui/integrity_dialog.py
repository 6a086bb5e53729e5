"""管理 → 完整性检查: the checks of ``aiddesk check`` on a worker thread, and what they found."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from ..services.integrity import Cancelled, Check, all_checks
from . import messages
from .worker import describe_error, run_with_progress, with_own_connection
from .forms import close_buttons


class IntegrityReport(QDialog):
    """Each check, 通过 or its problems, in text that can be copied into a report to the centre."""

    def __init__(self, checks: list[Check], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("完整性检查结果")
        failed = [c for c in checks if not c.passed]
        if failed:
            summary = (f"{len(failed)} 项检查发现问题。数据没有被修改；"
                       "请按下面的说明处理，或从备份恢复前先与技术支持人员联系。")
        else:
            summary = "全部检查通过：操作日志未被改动，数据库文件、附件和资金余额都正常。"
        self.summary = QLabel(summary)
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet("font-weight: bold;" + ("color: #b00020;" if failed else "color: #1b5e20;"))
        lines = []
        for check in checks:
            lines.append(f"{check.name}：{'通过' if check.passed else '问题'}")
            lines += [f"    {problem}" for problem in check.problems]
        self.text = QPlainTextEdit("\n".join(lines))
        self.text.setReadOnly(True)
        buttons = close_buttons(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        self.resize(720, 360)


def run_integrity_check(window) -> None:
    """Run every check off the GUI thread (hashing the attachments takes a while), then show the report."""
    job = with_own_connection(window.db, lambda db, report: all_checks(db, progress=report))

    def done(checks: list[Check]) -> None:
        window.integrity_report = IntegrityReport(checks, window)
        window.integrity_report.open()

    def failed(err: BaseException) -> None:
        if not isinstance(err, Cancelled):  # stopped by the user: nothing to say
            messages.error(window, describe_error(err), "完整性检查")

    run_with_progress(window, title="完整性检查", label="正在检查操作日志、数据库文件、附件和资金余额…",
                      job=job, on_done=done, on_error=failed)
