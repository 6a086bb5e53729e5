"""核查清单 of one batch: each item ✓/✗/豁免 with its evidence and lines, the national tick, waivers, 核查完成."""

from __future__ import annotations

import tempfile
from datetime import date
from html import escape
from pathlib import Path

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QDateEdit, QDialog, QHBoxLayout, QHeaderView, QLabel,
                               QPlainTextEdit, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from ...core.checklist import FAILED, NATIONAL_SYSTEM, PASSED, WAIVED, Checklist, Item
from ...core.errors import UserError
from ...core.money import format_yuan
from ...services.checklist import ChecklistService
from .. import messages
from ..forms import error_label, ok_cancel, pick_table, show_error

COLUMNS = ("核查项目", "结果", "核查情况", "明细")
TITLE_COLUMN, RESULT_COLUMN, EVIDENCE_COLUMN, LINES_COLUMN = range(4)
COLOURS = {PASSED: QColor("#1e7b34"), FAILED: QColor("#c0392b"), WAIVED: QColor("#b9770e")}
RESULT_TEXT = {PASSED: "✓ 符合", FAILED: "✗ 不符合", WAIVED: "豁免"}
LINK = QColor("#1a5fb4")
HINT_STYLE = "color: #666666;"


class ChecklistPanel(QWidget):
    """The checklist of ``batch_id``; ``changed`` after anything was written, ``lines_requested`` with line ids."""

    changed = Signal()
    lines_requested = Signal(list)

    def __init__(self, *, service: ChecklistService, batch_id: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.service = service
        self.batch_id = batch_id
        self.checklist: Checklist | None = None
        self.status = ""
        self.lines_dialog: LinesDialog | None = None
        self._tmp: Path | None = None

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(TITLE_COLUMN, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(RESULT_COLUMN, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(EVIDENCE_COLUMN, QHeaderView.Stretch)
        header.setSectionResizeMode(LINES_COLUMN, QHeaderView.ResizeToContents)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.setStyleSheet("QTableWidget::item { padding: 4px 4px; }")
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.cellClicked.connect(self._cell_clicked)

        self.national = QCheckBox("已录入全国工会帮扶管理系统")
        today = service.db.clock.today()
        self.national_date = QDateEdit(QDate(today.year, today.month, today.day))
        self.national_date.setCalendarPopup(True)
        self.national_date.setDisplayFormat("yyyy-MM-dd")
        self.national_date.setToolTip("在全国工会帮扶管理系统中录入本批次的日期")
        self.national_note = QLabel()
        self.national_note.setStyleSheet(HINT_STYLE)
        self.national.clicked.connect(self.set_national)
        tick_row = QHBoxLayout()
        tick_row.addWidget(self.national)
        tick_row.addWidget(QLabel("录入日期"))
        tick_row.addWidget(self.national_date)
        tick_row.addWidget(self.national_note, 1)

        self.waive_button = QPushButton("豁免…")
        self.waive_button.setToolTip("审批人可对不符合的项目写明理由后豁免")
        self.unwaive_button = QPushButton("撤销豁免")
        self.print_button = QPushButton("打印核查清单")
        self.complete_button = QPushButton("核查完成")
        self.waive_button.clicked.connect(self.waive_selected)
        self.unwaive_button.clicked.connect(self.unwaive_selected)
        self.print_button.clicked.connect(self.print_checklist)
        self.complete_button.clicked.connect(self.complete)
        buttons = QHBoxLayout()
        for button in (self.waive_button, self.unwaive_button, self.print_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.complete_button)

        self.error = error_label()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(tick_row)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.reload()

    # ---- showing ---------------------------------------------------------------------------

    def reload(self) -> None:
        """Compute the checklist again from the records."""
        chosen = self.selected_item()
        try:
            self.status = self.service.batch(self.batch_id).status
            self.checklist = self.service.checklist(self.batch_id)
        except UserError as err:
            self.checklist = None
            self.table.setRowCount(0)
            self.summary.setText(err.message)
            self._update_buttons()
            return
        self._show(self.checklist)
        if chosen is not None:
            self.select_item(chosen.key)
        self._update_buttons()

    def _show(self, c: Checklist) -> None:
        self.table.setRowCount(len(c.items))
        bold = QFont(self.table.font())
        bold.setBold(True)
        for row, item in enumerate(c.items):
            title = QTableWidgetItem(f"{row + 1}. {item.title}")
            title.setData(Qt.UserRole, item.key)
            result = QTableWidgetItem(RESULT_TEXT[item.status])
            result.setTextAlignment(Qt.AlignCenter)
            result.setForeground(COLOURS[item.status])
            result.setFont(bold)
            evidence = QTableWidgetItem(_evidence(item, c.display_names))
            evidence.setToolTip(evidence.text())
            for column, cell in ((TITLE_COLUMN, title), (RESULT_COLUMN, result), (EVIDENCE_COLUMN, evidence),
                                 (LINES_COLUMN, self._lines_link(item))):
                self.table.setItem(row, column, cell)
        self.table.resizeRowsToContents()
        passed = sum(1 for i in c.items if i.passed)
        waived = sum(1 for i in c.items if i.waived)
        failing = len(c.failing)
        counts = f"共 {len(c.items)} 项：{passed} 项符合" + (f"，{waived} 项豁免" if waived else "") + \
                 (f"，{failing} 项不符合" if failing else "")
        if self.status == "已核查":
            self.summary.setText(f"本批次已完成核查。{counts}。")
        elif c.complete:
            self.summary.setText(f"{counts}。可以点“核查完成”。")
        else:
            self.summary.setText(f"{counts}。全部符合或经审批人豁免后，才能完成核查。")
        self._show_national(c)

    def _lines_link(self, item: Item) -> QTableWidgetItem:
        """查看（n） in the 明细 column, drawn as a link: a click lists the people behind the item."""
        if item.passed or not item.offenders:
            return QTableWidgetItem("")
        link = QTableWidgetItem(f"查看（{len(item.offenders)}）")
        link.setTextAlignment(Qt.AlignCenter)
        link.setForeground(LINK)
        font = QFont(self.table.font())
        font.setUnderline(True)
        link.setFont(font)
        link.setToolTip("列出涉及的人员")
        return link

    def _cell_clicked(self, row: int, column: int) -> None:
        if column == LINES_COLUMN and self.checklist is not None and row < len(self.checklist.items):
            item = self.checklist.items[row]
            if item.offenders and not item.passed:
                self.show_lines(item.key)

    def _show_national(self, c: Checklist) -> None:
        mark = c.national
        self.national.setChecked(mark is not None)
        if mark is not None:
            self.national_date.setDate(QDate(mark.on.year, mark.on.month, mark.on.day))
            self.national_note.setText(c.item(NATIONAL_SYSTEM).evidence)
        else:
            self.national_note.setText("录入后请勾选，记录录入日期和确认人")

    def _update_buttons(self) -> None:
        item = self.selected_item()
        open_ = self.checklist is not None and self.status != "已核查"
        paid = self.status == "已发放"
        self.waive_button.setEnabled(bool(paid and self.service.may_waive() and item is not None
                                          and item.status == FAILED))
        self.unwaive_button.setEnabled(bool(open_ and self.service.may_waive() and item is not None
                                            and item.waiver is not None))
        tick = self.checklist is not None and self.status in ("已审批", "已发放") and self.service.may_tick()
        self.national.setEnabled(tick)
        self.national_date.setEnabled(tick and not self.national.isChecked())
        self.print_button.setEnabled(self.checklist is not None)
        self.complete_button.setEnabled(bool(paid and self.checklist is not None and self.checklist.complete
                                             and self.service.may_complete()))
        if not self.service.may_waive():
            self.waive_button.setToolTip("只有审批人可以豁免")
        elif not paid:
            self.waive_button.setToolTip("批次发放完成后、核查完成前才能豁免")
        else:
            self.waive_button.setToolTip("选中不符合的项目，写明理由后豁免")

    # ---- choosing ----------------------------------------------------------------------------

    def selected_item(self) -> Item | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows or self.checklist is None:
            return None
        return self.checklist.items[rows[0].row()]

    def select_item(self, key: str) -> None:
        if self.checklist is None:
            return
        for row, item in enumerate(self.checklist.items):
            if item.key == key:
                self.table.selectRow(row)
                return

    def item_rows(self) -> list[tuple[str, str, str]]:
        """(title, result, evidence) as shown, for tests and screenshots."""
        return [tuple(self.table.item(r, c).text() for c in (TITLE_COLUMN, RESULT_COLUMN, EVIDENCE_COLUMN))
                for r in range(self.table.rowCount())]

    def show_lines(self, key: str) -> None:
        """The lines behind a ✗ item: ``lines_requested`` for whoever shows lines, and a list here."""
        if self.checklist is None:
            return
        item = self.checklist.item(key)
        self.lines_requested.emit(item.record_ids)
        records = {r.id: r for r in self.service.records(self.batch_id, item.record_ids)}
        if self.lines_dialog is None:
            self.lines_dialog = LinesDialog(self)
        self.lines_dialog.show_item(item, records)
        if self.lines_dialog.isVisible():
            self.lines_dialog.raise_()  # already open behind the window: bring it forward with the new list
        else:
            self.lines_dialog.show()

    # ---- acting ---------------------------------------------------------------------------------

    def set_national(self, checked: bool) -> bool:
        """Tick (with the date chosen) or, after asking, untick 已录入全国系统."""
        show_error(self.error, None)
        try:
            if checked:
                self.service.tick_national(self.batch_id, _date(self.national_date))
            else:
                if not messages.ask(self, "撤销“已录入全国工会帮扶管理系统”的确认？撤销会记入操作日志。",
                                    yes_text="撤销"):
                    self.reload()
                    return False
                self.service.untick_national(self.batch_id)
        except UserError as err:
            self.reload()  # the box shows what is on record again
            show_error(self.error, err)
            return False
        self._after_change()
        return True

    def waive_selected(self) -> bool:
        item = self.selected_item()
        if item is None:
            messages.info(self, "请先在清单中选中要豁免的项目")
            return False
        dialog = WaiveDialog(service=self.service, batch_id=self.batch_id, item=item, parent=self)
        if not self.run_dialog(dialog):
            return False
        self._after_change()
        return True

    def waive(self, key: str, reason: str) -> bool:
        """Waive item ``key`` with ``reason`` (the dialog's work, without the dialog)."""
        show_error(self.error, None)
        try:
            self.service.waive(self.batch_id, key, reason)
        except UserError as err:
            show_error(self.error, err)
            return False
        self._after_change()
        return True

    def unwaive_selected(self) -> bool:
        item = self.selected_item()
        if item is None or item.waiver is None:
            return False
        if not messages.ask(self, f"撤销对“{item.title}”的豁免？撤销后该项按实际记录判断。", yes_text="撤销豁免"):
            return False
        show_error(self.error, None)
        try:
            self.service.unwaive(self.batch_id, item.key)
        except UserError as err:
            show_error(self.error, err)
            return False
        self._after_change()
        return True

    def complete(self) -> bool:
        """核查完成: the batch becomes 已核查 (the service refuses unless every item is ✓ or 豁免)."""
        if not messages.ask(self, "确认本批次核查完成？完成后核查清单不能再修改。", yes_text="核查完成"):
            return False
        show_error(self.error, None)
        try:
            self.service.complete(self.batch_id)
        except UserError as err:
            self.reload()
            show_error(self.error, err)
            return False
        self._after_change()
        messages.info(self, "本批次已完成核查（已核查）。")
        return True

    def _after_change(self) -> None:
        self.reload()
        self.changed.emit()

    # ---- printing --------------------------------------------------------------------------------

    def write_pdf(self, path: str | Path) -> Path:
        return self.service.write_pdf(self.batch_id, path)

    def print_checklist(self) -> None:
        if self._tmp is None:
            self._tmp = Path(tempfile.mkdtemp(prefix="aiddesk-print-"))
        out = self._tmp / "核查清单.pdf"
        try:
            self.write_pdf(out)
        except UserError as err:
            messages.error(self, err.message)
            return
        except OSError as err:
            messages.error(self, f"无法生成核查清单：{err.strerror or err}")
            return
        self.preview(out)

    def preview(self, pdf: Path) -> None:
        from ..pdf_preview import PdfPreviewDialog  # QtPdf loads on first preview

        PdfPreviewDialog(pdf_path=pdf, title="核查清单", parent=self).exec()

    def run_dialog(self, dialog: QDialog) -> bool:
        """Show a dialog modally; tests replace this to fill the form."""
        accepted = dialog.exec() == QDialog.Accepted
        dialog.deleteLater()
        return accepted


class WaiveDialog(QDialog):
    """豁免 one ✗ item: shows what is wrong; the approver writes why it may pass all the same."""

    def __init__(self, *, service: ChecklistService, batch_id: int, item: Item, parent: QWidget | None = None):
        super().__init__(parent)
        self.service, self.batch_id, self.item = service, batch_id, item
        self.setWindowTitle(f"豁免核查项目 — {item.title}")
        self.setMinimumWidth(520)
        what = QLabel(f"<b>{escape(item.title)}</b>：{escape(item.evidence)}")
        what.setWordWrap(True)
        self.reason = QPlainTextEdit()
        self.reason.setPlaceholderText("写明为什么可以不整改，例如：该户号码已停机，已于12月11日上门告知本人，有走访记录")
        self.reason.setFixedHeight(90)
        note = QLabel("豁免记入核查清单和操作日志（豁免人、日期、理由），并打印在核查清单上。")
        note.setWordWrap(True)
        note.setStyleSheet(HINT_STYLE)
        self.error = error_label()
        layout = QVBoxLayout(self)
        layout.addWidget(what)
        layout.addWidget(QLabel("豁免理由*"))
        layout.addWidget(self.reason)
        layout.addWidget(note)
        layout.addWidget(self.error)
        layout.addWidget(ok_cancel(self, "豁免"))

    def try_accept(self) -> bool:
        show_error(self.error, None)
        try:
            self.service.waive(self.batch_id, self.item.key, self.reason.toPlainText())
        except UserError as err:
            show_error(self.error, err)
            return False
        self.accept()
        return True


class LinesDialog(QDialog):
    """The people behind one ✗ item, with why each one is listed."""

    HEADERS = ("明细编号", "姓名", "金额（元）", "发放日期", "短信", "电话核实", "问题")

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.resize(820, 360)
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.table = pick_table(self.HEADERS, stretch=len(self.HEADERS) - 1)
        close = QPushButton("关闭")
        close.clicked.connect(self.close)
        bar = QHBoxLayout()
        bar.addStretch(1)
        bar.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.table, 1)
        layout.addLayout(bar)

    def show_item(self, item: Item, records: dict) -> None:
        self.setWindowTitle(f"涉及人员 — {item.title}")
        self.heading.setText(f"<b>{escape(item.title)}</b>：{escape(item.evidence)}")
        self.table.setRowCount(len(item.offenders))
        for row, o in enumerate(item.offenders):
            r = records.get(o.record_id)
            values = (r.record_no if r else "", o.name, format_yuan(r.amount) if r else "",
                      r.paid_on.isoformat() if r and r.paid_on else "", r.sms_status if r else "",
                      r.phone_check if r else "", o.detail)
            for column, value in enumerate(values):
                cell = QTableWidgetItem(value)
                if column == 2:
                    cell.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.table.setItem(row, column, cell)

    def rows(self) -> list[tuple[str, ...]]:
        return [tuple(self.table.item(r, c).text() for c in range(self.table.columnCount()))
                for r in range(self.table.rowCount())]


def _evidence(item: Item, names: dict[str, str]) -> str:
    text = item.evidence
    if item.waived:
        text += f"\n{item.waiver_text(names)}"
    return text


def _date(edit: QDateEdit) -> date:
    d = edit.date()
    return date(d.year(), d.month(), d.day())

