"""短信通知 of one paid batch: its template, the list for the SMS platform, and the platform's delivery report."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QDialog, QFileDialog, QGroupBox, QHBoxLayout, QHeaderView, QLabel, QPushButton,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from ...core.errors import UserError
from ...core.sms import FAILED, SENT
from ...services.sms import ImportResult, SmsLine, SmsService, SmsSummary
from .. import messages
from ..forms import pick_table
from ..worker import describe_error
from .column_mapping_dialog import ColumnMappingDialog
from .template_dialog import TemplateDialog

HINT_STYLE = "color: #666666;"
COLUMNS = ("序号", "姓名", "档案编号", "手机号码", "发送状态", "状态时间", "失败原因 / 说明")
REASON_COLUMN = 6
FAILED_BACKGROUND = QColor("#fdecea")
FAILED_TEXT = QColor("#c0392b")
SENT_TEXT = QColor("#1e7b34")
MUTED_TEXT = QColor("#8a8a8a")
READ_ONLY = "您的账号只能查看；编辑模板、导出名单和导入回执由经办人、审核人办理"
SHOWN_WARNINGS = 10
NO_MOBILE_NOTE = "无有效手机号，请电话或当面告知"


class SmsPanel(QWidget):
    """The 短信通知 tab of a batch's 核查; ``changed`` is emitted after statuses or the template were written."""

    changed = Signal()

    def __init__(self, service: SmsService, batch_id: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.service, self.batch_id = service, batch_id
        self.lines: list[SmsLine] = []

        self.template_label = QLabel()
        self.template_label.setWordWrap(True)
        self.template_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.example_label = QLabel()
        self.example_label.setWordWrap(True)
        self.example_label.setStyleSheet(HINT_STYLE)
        self.edit_button = QPushButton("编辑模板")
        self.edit_button.clicked.connect(self.edit_template)
        template_text = QVBoxLayout()
        template_text.addWidget(self.template_label)
        template_text.addWidget(self.example_label)
        template_row = QHBoxLayout()
        template_row.addLayout(template_text, 1)
        template_row.addWidget(self.edit_button, 0, Qt.AlignTop)
        self.template_box = QGroupBox("短信模板")
        self.template_box.setLayout(template_row)

        self.counts_label = QLabel()
        self.counts_label.setWordWrap(True)
        self.note_label = QLabel()
        self.note_label.setWordWrap(True)
        self.note_label.setStyleSheet(HINT_STYLE)

        self.export_button = QPushButton("导出短信名单")
        self.export_button.setToolTip("导出 Excel 或 CSV 文件，上传到短信平台发送；导出不等于已发送")
        self.retry_button = QPushButton("导出重发名单")
        self.retry_button.setToolTip("只导出发送失败的人员（按档案中现在的号码），供重新发送")
        self.import_button = QPushButton("导入发送回执")
        self.import_button.setToolTip("导入短信平台下载的发送回执（Excel 或 CSV），登记已发送、发送失败")
        self.export_button.clicked.connect(lambda: self._ask_export(failed_only=False))
        self.retry_button.clicked.connect(lambda: self._ask_export(failed_only=True))
        self.import_button.clicked.connect(self._ask_import)
        actions = QHBoxLayout()
        for button in (self.export_button, self.retry_button, self.import_button):
            actions.addWidget(button)
        actions.addStretch(1)

        self.table = pick_table(COLUMNS, stretch=REASON_COLUMN, min_width=56)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.template_box)
        layout.addWidget(self.counts_label)
        layout.addLayout(actions)
        layout.addWidget(self.note_label)
        layout.addWidget(self.table, 1)
        self.reload()

    # ---- showing ------------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the batch, its template and its lines again."""
        try:
            self.batch = self.service.batch(self.batch_id)
            self.lines = self.service.lines(self.batch_id)
            template = self.service.template(self.batch.activity)
            custom = self.service.is_custom(self.batch.activity)
        except UserError as err:
            self.counts_label.setText(err.message)
            self.table.setRowCount(0)
            for button in (self.edit_button, self.export_button, self.retry_button, self.import_button):
                button.setEnabled(False)
            return
        self.template_box.setTitle(f"短信模板（{self.batch.activity}，{'本单位修改过' if custom else '默认'}）")
        self.template_label.setText(template)
        self._show_example(template)
        self._show_counts()
        self._fill_table()
        self._update_buttons()

    def _show_example(self, template: str) -> None:
        try:
            p = self.service.preview(self.batch_id, template)
        except UserError as err:
            self.example_label.setText(err.message)
            return
        size = f"{p.chars}字，{p.segments}条短信"
        self.example_label.setText(f"示例：{p.message}（{size}）")

    def _show_counts(self) -> None:
        if not self.lines:
            self.counts_label.setText("本批次没有有效的帮扶明细。")
            return
        s = SmsSummary.of(self.lines)
        self.counts_label.setText(f"有效手机号 {s.with_mobile} 人，无手机号 {s.no_mobile} 人；"
                                  f"已发送 {s.sent}，发送失败 {s.failed}，未发送 {s.unsent}")
        if not self.service.is_paid(self.batch):
            self.note_label.setText(f"批次处于“{self.batch.status}”状态：资金发放（已发放）后才能导出短信名单、导入发送回执。")
        else:
            self.note_label.setText("发送步骤：导出短信名单 → 上传到短信平台发送 → 从平台下载发送回执 → 导入发送回执。"
                                    "无有效手机号的人员请电话或当面告知。")

    def _fill_table(self) -> None:
        self.table.setRowCount(len(self.lines))
        for r, line in enumerate(self.lines):
            reason = line.error if line.status == FAILED else ("" if line.mobile else NO_MOBILE_NOTE)
            phone = line.mobile or line.on_file or "（未登记）"
            values = (str(r + 1), line.name, line.archive_no, phone, line.status, (line.at or "").replace("T", " "),
                      reason)
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                if c == 0:
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                if value:
                    item.setToolTip(value)
                self.table.setItem(r, c, item)
            if line.status == FAILED:
                for c in range(len(COLUMNS)):
                    self.table.item(r, c).setBackground(QBrush(FAILED_BACKGROUND))
                self.table.item(r, 4).setForeground(QBrush(FAILED_TEXT))
            elif line.status == SENT:
                self.table.item(r, 4).setForeground(QBrush(SENT_TEXT))
            if not line.mobile:
                for c in (3, REASON_COLUMN):
                    self.table.item(r, c).setForeground(QBrush(MUTED_TEXT))
        self.table.horizontalHeader().setSectionResizeMode(REASON_COLUMN, QHeaderView.Stretch)

    def _update_buttons(self) -> None:
        may_write, paid = self.service.may_write, self.service.is_paid(self.batch)
        failed = any(line.status == FAILED for line in self.lines)
        reachable = any(line.mobile for line in self.lines)
        self.edit_button.setEnabled(may_write)
        self.export_button.setEnabled(may_write and paid and reachable)
        self.retry_button.setEnabled(may_write and paid and failed)
        self.import_button.setEnabled(may_write and paid and reachable)
        for button in (self.edit_button, self.export_button, self.retry_button, self.import_button):
            button.setToolTip(button.toolTip() if may_write else READ_ONLY)

    def table_rows(self) -> list[tuple[str, ...]]:
        return [tuple(self.table.item(r, c).text() for c in range(len(COLUMNS))) for r in range(self.table.rowCount())]

    # ---- actions -------------------------------------------------------------------------------

    def run_dialog(self, dialog: QDialog) -> bool:
        """Show a dialog modally (freed once control returns to Qt); tests replace this to fill it in."""
        accepted = dialog.exec() == QDialog.Accepted
        dialog.deleteLater()  # the caller still reads its fields before control returns to Qt
        return accepted

    def edit_template(self) -> bool:
        """Open the template of the batch's activity; True when a new one was saved."""
        dialog = TemplateDialog(service=self.service, activity=self.batch.activity, batch_id=self.batch_id, parent=self)
        if not self.run_dialog(dialog):
            return False
        self.reload()
        self.changed.emit()
        return True

    def _ask_export(self, *, failed_only: bool) -> None:
        what = "短信重发名单" if failed_only else "短信名单"
        suggested = str(Path.home() / f"{self.batch.name}-{what}.xlsx")
        path, chosen = QFileDialog.getSaveFileName(self, f"导出{what}", suggested,
                                                   "Excel 工作簿 (*.xlsx);;CSV 文件（UTF-8）(*.csv)")
        if not path:
            return
        path = Path(path)
        if path.suffix.lower() not in (".xlsx", ".csv"):
            path = path.with_name(path.name + (".csv" if "csv" in chosen else ".xlsx"))
        self.export_to(path, failed_only=failed_only)

    def export_to(self, path: str | Path, *, failed_only: bool = False) -> bool:
        """Write the list for the SMS platform at ``path`` (.xlsx or .csv); says what happened. True when written."""
        try:
            result = self.service.export(self.batch_id, Path(path), failed_only=failed_only)
        except (UserError, OSError) as err:
            messages.error(self, describe_error(err))
            return False
        text = (f"已导出{'短信重发名单' if failed_only else '短信名单'} {result.rows} 人（按字数共计 {result.segments} 条短信）："
                f"\n{result.files[0]}")
        if result.no_mobile:
            where = (f"名单另存为：\n{result.files[1]}" if len(result.files) > 1
                     else "名单在同一文件的“无有效手机号”工作表中")
            text += f"\n\n另有 {result.no_mobile} 人没有有效手机号码，{where}，请电话或当面告知。"
        text += "\n\n导出不等于已发送：请将文件上传到短信平台发送，发送后下载发送回执，再点“导入发送回执”。"
        messages.info(self, text, "导出完成")
        return True

    def _ask_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "选择短信平台的发送回执", str(Path.home()),
                                              "发送回执 (*.xlsx *.csv *.txt *.xls);;所有文件 (*)")
        if path:
            self.import_report(Path(path))

    def import_report(self, path: str | Path, mapping: dict[str, str] | None = None) -> ImportResult | None:
        """Read a delivery report, let the user confirm its columns (unless ``mapping`` is given), record it."""
        remember = True
        try:
            report = self.service.read_report(Path(path))
            if mapping is None:
                dialog = ColumnMappingDialog(
                    headers=report.headers, fields=self.service.report_fields(),
                    mapping=self.service.guess_mapping(report.headers), sample_rows=[r.values for r in report.rows],
                    title="导入发送回执 — 选择对应的列", ok_text="导入", parent=self,
                    intro=f"“{report.name}”的表头在第 {report.header_row} 行，共 {len(report.rows)} 行数据。"
                          "请为下面每一项选择回执中对应的列（带 * 的必须选择）；按手机号码与本批次名单对应。")
                if not self.run_dialog(dialog):
                    return None
                mapping, remember = dialog.mapping(), dialog.remember
            result = self.service.apply_report(self.batch_id, report, mapping, remember=remember)
        except (UserError, OSError) as err:
            messages.error(self, describe_error(err))
            return None
        self.reload()
        self.changed.emit()
        text = result.summary()
        if result.warnings:
            shown = result.warnings[:SHOWN_WARNINGS]
            text += "\n\n请注意：\n" + "\n".join(f"· {w}" for w in shown)
            if len(result.warnings) > len(shown):
                text += f"\n……另有 {len(result.warnings) - len(shown)} 条提示"
        messages.info(self, text, "导入完成")
        return result
