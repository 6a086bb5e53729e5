"""An archive's status: its history, a change (脱困 / 注销 / 转为在档 / 重新启用) from a date, or undoing a mistaken one."""

from __future__ import annotations

from PySide6.QtWidgets import (QComboBox, QDialog, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from ...core.codes import code_groups
from ...core.errors import UserError
from ...core.household import Household
from ...core.lifecycle import CLOSED, allowed_targets
from ...db.status_history import Period
from ...services.archive import ArchiveService
from .. import messages
from ..forms import error_label, ok_cancel, pick_table, show_error
from ..funds.entry_dialog import date_edit, date_of


# The order changes are offered in: the usual step first (转为在档 / 重新启用), 重新建档（临时） last.
OFFERED = ("在档", "脱困", "注销", "临时")


def action_name(current: str, target: str) -> str:
    """What the clerk does, in the office's words: 转为在档 confirms a 临时 archive, 重新启用 opens a closed one."""
    if target in CLOSED:
        return target
    if current in CLOSED:
        return "重新启用（恢复在档）" if target == "在档" else "重新建档（临时）"
    return "转为在档（审批通过）"


def period_text(p: Period) -> str:
    return f"“{p.status}”（自 {p.valid_from.isoformat()} 起）"


class StatusDialog(QDialog):
    """Changes a household's 档案状态 through ArchiveService.change_status, or undoes the last change (audited)."""

    def __init__(self, *, service: ArchiveService, household: Household, target: str | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.service = service
        self.household = household
        self.periods = service.status_periods(household.id)
        self.setWindowTitle(f"档案状态 — {household.name}（{household.archive_no}）")
        self.setMinimumWidth(560)
        present = self.periods[-1] if self.periods else None
        since = f"（自 {present.valid_from.isoformat()} 起）" if present else ""

        self.history = pick_table(("状态", "起", "止", "原因、说明", "录入"), stretch=3)
        self._fill_history()

        self.target = QComboBox()
        for status in sorted(allowed_targets(household.archive_status), key=OFFERED.index):
            self.target.addItem(action_name(household.archive_status, status), status)
        if target is not None:
            self.target.setCurrentIndex(max(self.target.findData(target), 0))
        self.reason = QComboBox()
        self.reason_label = QLabel("原因")
        self.on = date_edit(service.db.clock.today())
        self.on_label = QLabel("日期")
        self.note = QLineEdit()
        self.note.setPlaceholderText("如：家庭收入已超过低保边缘线；已办理退休手续")
        self.error_label = error_label()
        form = QFormLayout()
        form.addRow("当前状态", QLabel(f"{household.archive_status}{since}"))
        form.addRow("办理", self.target)
        form.addRow(self.reason_label, self.reason)
        form.addRow(self.on_label, self.on)
        form.addRow("说明", self.note)
        change = QGroupBox("办理状态变更")
        change_layout = QVBoxLayout(change)
        change_layout.addLayout(form)

        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("状态记录（档案不会被删除：脱困、注销的档案保留在脱困库、注销库中，可随时重新启用）："))
        layout.addWidget(self.history)
        layout.addWidget(change)
        self.undo_box = self._undo_box()
        layout.addWidget(self.undo_box)
        layout.addWidget(self.error_label)
        layout.addWidget(ok_cancel(self, "办理"))
        self.target.currentIndexChanged.connect(self._target_changed)
        self._target_changed()

    # ---- the history -------------------------------------------------------------------------

    def _fill_history(self) -> None:
        self.history.setRowCount(len(self.periods))
        for i, p in enumerate(self.periods):
            entered = " ".join(t for t in (p.recorded_by, (p.recorded_at or "")[:10]) if t) or "（升级前的记录）"
            values = (p.status, p.valid_from.isoformat(), p.valid_to.isoformat() if p.valid_to else "至今",
                      "；".join(t for t in (p.reason, p.note) if t), entered)
            for column, value in enumerate(values):
                self.history.setItem(i, column, QTableWidgetItem(value))
        self.history.setMaximumHeight(60 + 26 * min(len(self.periods), 5))

    # ---- a change ----------------------------------------------------------------------------

    def _target_changed(self) -> None:
        status = self.target.currentData()
        closing = status in CLOSED
        self.reason.clear()
        if closing:
            self.reason.addItems(code_groups("exit_kind")[status])
        self.reason.setEnabled(closing)
        self.reason_label.setText(f"{status}原因" if closing else "原因")
        self.on_label.setText(f"{status}日期" if closing else "生效日期")
        self.on.setToolTip("退出之日：此后的帮扶批次不再把该户算作在档" if closing
                           else "从这一天起档案算作该状态（不能早于当前状态开始的日期）")
        self.note.setPlaceholderText("如：家庭收入已超过低保边缘线；已办理退休手续" if closing
                                     else "如：重新认定为困难职工，见2026年第3次审核会议")

    def try_accept(self) -> bool:
        status = self.target.currentData()
        closing = status in CLOSED
        try:
            warnings = self.service.change_status(self.household.id, status, on=date_of(self.on),
                                                  reason=self.reason.currentText() if closing else "",
                                                  note=self.note.text().strip())
        except UserError as err:
            show_error(self.error_label, err)
            return False
        if warnings:
            messages.info(self, f"已改为{status}。请注意：\n" + "\n".join(warnings))
        self.accept()
        return True

    # ---- undoing a mistake ---------------------------------------------------------------------

    def _undo_box(self) -> QGroupBox:
        box = QGroupBox("撤销误操作")
        layout = QVBoxLayout(box)
        if len(self.periods) < 2:
            layout.addWidget(QLabel("自建档以来没有办理过状态变更，没有可以撤销的操作。"))
            self.undo_reason = QLineEdit()
            self.undo_button = QPushButton("撤销上次变更")
            self.undo_button.setEnabled(False)
            return box
        last, before = self.periods[-1], self.periods[-2]
        entered = f"，{last.recorded_by}于{(last.recorded_at or '')[:10]}录入" if last.recorded_by else ""
        explain = QLabel(
            f"上次变更：改为{period_text(last)}{entered}。\n"
            f"如果这次变更本不该办理（办错了），撤销后它从状态记录中删除，档案恢复为{period_text(before)}，"
            "就像从未办理过一样；撤销本身会记入修改记录。\n"
            "如果情况确实变了（例如脱困后又陷入困难），请不要撤销，而是在上面办理“重新启用”，"
            "从新的日期开始新的记录，原来的记录保留。")
        explain.setWordWrap(True)
        self.undo_reason = QLineEdit()
        self.undo_reason.setPlaceholderText("撤销原因，如：误点了脱困，该户仍然困难")
        self.undo_button = QPushButton("撤销上次变更")
        self.undo_button.setAutoDefault(False)
        self.undo_button.clicked.connect(self.undo)
        row = QHBoxLayout()
        row.addWidget(self.undo_reason, 1)
        row.addWidget(self.undo_button)
        layout.addWidget(explain)
        layout.addLayout(row)
        return box

    def undo(self) -> bool:
        try:
            self.service.undo_status_change(self.household.id, self.undo_reason.text())
        except UserError as err:
            show_error(self.error_label, err)
            return False
        self.accept()
        return True
