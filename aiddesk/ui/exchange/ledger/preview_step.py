"""预览 step of 导入旧台账: per book the households new and already in the archive, members, the batches with their
lines and amounts, each sheet's 合计 against what is imported, what a corrected book removes, and the issue list."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QSplitter, QTableWidgetItem,
                               QTabWidget, QVBoxLayout, QWidget)

from ....exchange import format as fmt
from ....exchange.ledger import columns as cols
from ...forms import pick_table
from ..import_wizard import removal_counts, removal_text
from ..issues_table import IssuesTable
from .books import LedgerFile, batches_of, differing, reconciliation, skipped_rows, yuan

SHEET_COLUMNS = ("工作表", "类型", "数据行", "跳过的行", "合计核对")
BATCH_COLUMNS = ("批次名称", "救助类别", "发放月份", "人次", "金额（元）")
_COLOURS = {True: QColor("#1e7b34"), False: QColor("#c0392b"), None: QColor("#333333")}
_HINT_STYLE = "color: #666666;"
_RIGHT = Qt.AlignRight | Qt.AlignVCenter


def _item(text: object, *, right: bool = False, colour: QColor | None = None) -> QTableWidgetItem:
    item = QTableWidgetItem(str(text))
    item.setToolTip(str(text))
    if right:
        item.setTextAlignment(_RIGHT)
    if colour is not None:
        item.setForeground(colour)
    return item


def households_text(f: LedgerFile) -> str:
    """新建 10 户，已在档案中 2 户（其中 1 户台账与档案不同 …）."""
    counts = f.report.checked.ledger_counts
    text = f"新建 {counts.get('new', 0)} 户，已在档案中 {counts.get('matched', 0)} 户（按身份证号对应，明细记入原档案）"
    changed = differing(f.report)
    if changed:
        text += f"；其中 {changed} 户台账与档案写得不同，档案不改动，见下方提醒"
    return text


class BookPreview(QWidget):
    """One book's preview; ``export_requested`` asks the wizard to write its issue list."""

    export_requested = Signal(object)  # the LedgerFile

    def __init__(self, f: LedgerFile, parent: QWidget | None = None):
        super().__init__(parent)
        self.file = f
        report = f.report
        checked = report.checked
        counts = checked.counts()
        self.batches = batches_of(report)
        lines = sum(b.lines for b in self.batches)
        amount = sum((b.amount for b in self.batches), Decimal(0))
        self.summary = QLabel(
            f"档案：{households_text(f)}<br>家庭成员：{counts.get(fmt.MEMBERS.name, 0)} 人<br>"
            f"帮扶批次：{len(self.batches)} 个，帮扶明细 {lines} 人次，共 {yuan(amount)} 元（已发放的历史记录）")
        self.summary.setTextFormat(Qt.RichText)
        self.summary.setWordWrap(True)

        # What a corrected book takes away: the earlier import's lines it no longer has.
        removal = checked.removal if report.ok else None
        self.removal_label = QLabel()
        self.removal_label.setWordWrap(True)
        self.removal_label.setStyleSheet("color: #c0392b;")
        self.removal_list = QPlainTextEdit()
        self.removal_list.setReadOnly(True)
        self.removal_list.setMaximumHeight(70)
        if removal:
            self.removal_label.setText(f"这本台账以前导入过。以前导入、而这次已没有（或已改动）的记录将被删除，由这次的代替："
                                       f"{removal_counts(removal)}")
            self.removal_list.setPlainText(removal_text(removal))
        self.removal_label.setVisible(bool(removal))
        self.removal_list.setVisible(bool(removal))

        layouts = {layout.name: layout for layout, _colmap in checked.ledger_sheets}
        self.sheets = pick_table(SHEET_COLUMNS, stretch=4)
        self.sheets.setRowCount(len(checked.ledger))
        for r, summary in enumerate(checked.ledger):
            text, agrees = reconciliation(summary)
            skipped = skipped_rows(layouts[summary.sheet]) if summary.sheet in layouts else summary.skipped
            for c, value in enumerate((summary.sheet, cols.KIND_LABELS.get(summary.kind, summary.kind), summary.read,
                                       len(skipped))):
                self.sheets.setItem(r, c, _item(value, right=c in (2, 3)))
            self.sheets.item(r, 3).setToolTip("\n".join(f"第{n}行：{why}" for n, why in skipped[:40])
                                              + ("\n……" if len(skipped) > 40 else ""))
            self.sheets.setItem(r, 4, _item(text, colour=_COLOURS[agrees]))

        self.batch_table = pick_table(BATCH_COLUMNS, stretch=0)
        self.batch_table.setRowCount(len(self.batches))
        for r, b in enumerate(self.batches):
            for c, value in enumerate((b.name, b.category, b.month, b.lines, yuan(b.amount))):
                self.batch_table.setItem(r, c, _item(value, right=c in (3, 4)))

        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        if report.errors:
            self.verdict.setText(f"有 {len(report.errors)} 处错误，不能导入：请按清单改正台账（行号即台账中的行）后重新选择，"
                                 "或在“工作表”一步中改正表头和列")
            self.verdict.setStyleSheet("color: #c0392b; font-weight: bold;")
        elif report.warnings:
            self.verdict.setText(f"没有错误，有 {len(report.warnings)} 条提醒，可以导入；请看过提醒再导入")
            self.verdict.setStyleSheet("color: #8a5300;")
        else:
            self.verdict.setText("检查通过，没有错误和提醒，可以导入")
            self.verdict.setStyleSheet("color: #1e7b34;")
        self.export_button = QPushButton("导出问题清单…")
        self.export_button.setAutoDefault(False)
        self.export_button.setToolTip("把全部错误和提醒存为 Excel 表（带台账中的工作表、行号和列），交给填表的人逐条改正")
        self.export_button.setEnabled(bool(report.errors or report.warnings))
        self.export_button.clicked.connect(lambda: self.export_requested.emit(self.file))
        self.export_status = QLabel()
        self.export_status.setStyleSheet(_HINT_STYLE)
        self.issues = IssuesTable()
        self.issues.set_issues(report.errors, report.warnings)

        def titled(caption: str, widget: QWidget) -> QWidget:
            box = QWidget()
            layout = QVBoxLayout(box)
            layout.setContentsMargins(0, 0, 0, 0)
            label = QLabel(caption)
            label.setStyleSheet("font-weight: bold;")
            layout.addWidget(label)
            layout.addWidget(widget, 1)
            return box

        issues = QWidget()
        issues_box = QVBoxLayout(issues)
        issues_box.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        bar.addWidget(self.verdict, 1)
        bar.addWidget(self.export_status)
        bar.addWidget(self.export_button)
        issues_box.addLayout(bar)
        issues_box.addWidget(self.issues, 1)
        split = QSplitter(Qt.Vertical)
        split.addWidget(titled("各表核对", self.sheets))
        split.addWidget(titled("帮扶批次（每张表的每个救助类别、每个发放月份一个批次）", self.batch_table))
        split.addWidget(issues)
        split.setChildrenCollapsible(False)
        split.setSizes([130, 170, 230])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.summary)
        layout.addWidget(self.removal_label)
        layout.addWidget(self.removal_list)
        layout.addWidget(split, 1)

    def sheet_rows(self) -> list[tuple[str, ...]]:
        """The 各表核对 table as the user sees it."""
        t = self.sheets
        return [tuple(t.item(r, c).text() for c in range(t.columnCount())) for r in range(t.rowCount())]

    def batch_rows(self) -> list[tuple[str, ...]]:
        t = self.batch_table
        return [tuple(t.item(r, c).text() for c in range(t.columnCount())) for r in range(t.rowCount())]


class PreviewStep(QWidget):
    """A tab per book (its name; marked when it has errors)."""

    export_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.intro.setStyleSheet(_HINT_STYLE)
        self.tabs = QTabWidget()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.intro)
        layout.addWidget(self.tabs, 1)
        self.books: list[BookPreview] = []

    def show_books(self, files: list[LedgerFile]) -> None:
        self.tabs.clear()
        for preview in self.books:
            preview.deleteLater()
        self.books = []
        for f in files:
            preview = BookPreview(f)
            preview.export_requested.connect(self.export_requested)
            self.books.append(preview)
            self.tabs.addTab(preview, f.name + ("（有错误）" if f.report.errors else ""))
            if f.report.errors:
                self.tabs.tabBar().setTabTextColor(self.tabs.count() - 1, QColor("#c0392b"))
        several = "几本台账中有同一人的，先导入的一本为其建档，后面的按身份证号记入该档案。" if len(files) > 1 else ""
        self.intro.setText("这是导入后将有的内容，还没有写入。核对各表的合计、批次和人数，有错误的请改正后再导入。" + several)

    def book(self, f: LedgerFile) -> BookPreview:
        return next(p for p in self.books if p.file is f)
