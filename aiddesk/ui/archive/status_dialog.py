"""Closing (脱困 / 注销), confirming (转为在档) or reopening an archive, with date and reason."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (QComboBox, QDateEdit, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit,
                               QVBoxLayout, QWidget)

from ...core.codes import code_groups
from ...core.errors import UserError
from ...core.household import Household
from ...core.lifecycle import ACTION_NAMES, CLOSED, allowed_targets
from ...services.archive import ArchiveService
from ..forms import error_label, show_error


class StatusDialog(QDialog):
    """Changes a household's 档案状态 through ArchiveService.change_status (audited)."""

    def __init__(self, *, service: ArchiveService, household: Household, target: str | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.service = service
        self.household = household
        self.setWindowTitle(f"档案状态变更 — {household.name}（{household.archive_no}）")
        self.setMinimumWidth(420)
        self.target = QComboBox()
        for status in allowed_targets(household.archive_status):
            self.target.addItem(ACTION_NAMES[status], status)
        if target is not None:
            self.target.setCurrentIndex(max(self.target.findData(target), 0))
        self.reason = QComboBox()
        self.exit_date = QDateEdit(QDate.currentDate())
        self.exit_date.setCalendarPopup(True)
        self.exit_date.setDisplayFormat("yyyy-MM-dd")
        self.note = QLineEdit()
        self.note.setPlaceholderText("如：家庭收入已超过低保边缘线；已办理退休手续")
        self.error_label = error_label()
        form = QFormLayout()
        form.addRow("当前状态", QLabel(household.archive_status))
        form.addRow("办理", self.target)
        form.addRow("原因", self.reason)
        form.addRow("日期", self.exit_date)
        form.addRow("说明", self.note)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.try_accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("档案不会被删除：脱困、注销的档案保留在脱困库、注销库中，可随时重新启用。"))
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.target.currentIndexChanged.connect(self._target_changed)
        self._target_changed()

    def _target_changed(self) -> None:
        status = self.target.currentData()
        closing = status in CLOSED
        self.reason.clear()
        if closing:
            self.reason.addItems(code_groups("exit_kind")[status])
        self.reason.setEnabled(closing)
        self.exit_date.setEnabled(closing)

    def try_accept(self) -> bool:
        status = self.target.currentData()
        qd = self.exit_date.date()
        closing = status in CLOSED
        try:
            self.service.change_status(
                self.household.id, status, exit_date=date(qd.year(), qd.month(), qd.day()) if closing else None,
                reason=self.reason.currentText() if closing else "", note=self.note.text().strip())
        except UserError as err:
            show_error(self.error_label, err)
            return False
        self.accept()
        return True
