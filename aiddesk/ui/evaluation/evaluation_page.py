"""The year's 绩效自评表 on screen: every row's weight, standard, rule, score and where the score came from.

Manual rows are scored here (score, evidence note, evidence files) and any row may be marked 不适用
with its reason; automatic rows show their formula and the figures from the records. The total and
the grade follow every change. 打印预览 and 导出Excel give the table as the paper form.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, QUrl
from PySide6.QtGui import QColor, QDesktopServices
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QFileDialog, QFormLayout, QGroupBox,
                               QHBoxLayout, QHeaderView, QInputDialog, QLabel, QLineEdit, QListWidget, QListWidgetItem,
                               QPlainTextEdit, QPushButton, QSpinBox, QSplitter, QTableView, QVBoxLayout, QWidget)

from ...core.errors import UserError
from ...core.evaluation import AUTO, CENT, REVERSE, EvaluationResult, Figure, ItemResult, Template
from ...db import Database
from ...db.audit import Actor
from ...db.units import own_unit
from ...services.evaluation import EvaluationService
from .. import messages
from ..forms import error_label, show_error
from ..worker import describe_error, run_with_progress

# reportlab and openpyxl are loaded when a PDF or workbook is written, never here: this page may be
# built with the main window, which must open quickly.

COLUMNS = ("一级指标", "分值", "二级指标", "分值", "三级指标", "分值", "评分标准", "方式", "得分", "计分依据")
C_FIRST, C_W1, C_SECOND, C_W2, C_THIRD, C_WEIGHT, C_STANDARD, C_RULE, C_SCORE, C_BASIS = range(len(COLUMNS))
_NA_COLOUR = QColor("#888888")
_MISSING_COLOUR = QColor("#FFF4D6")
_AUTO_COLOUR = QColor("#EEF5FF")
_ROOT = QModelIndex()


def score_text(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = f"{value.quantize(CENT):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def rule_text(item: ItemResult) -> str:
    rule = item.row.rule
    if rule.kind != AUTO:
        return "手工"
    return "自动（反向）" if rule.direction == REVERSE else "自动"


class EvaluationModel(QAbstractTableModel):
    """The evaluated rows as table lines; group names and weights only on the first line of their group."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.items: tuple[ItemResult, ...] = ()
        self.lines: list[dict[int, str]] = []
        self.spans: list[tuple[int, int, int]] = []   # (row, column, rows) of each merged group cell

    def set_result(self, result: EvaluationResult | None, template: Template | None) -> None:
        self.beginResetModel()
        self.items = result.items if result is not None else ()
        self.lines, self.spans = _lines(self.items, template) if template is not None else ([], [])
        self.endResetModel()

    def rowCount(self, parent=_ROOT):
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent=_ROOT):
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        item, column = self.items[index.row()], index.column()
        if role in (Qt.DisplayRole, Qt.ToolTipRole):
            text = self.lines[index.row()][column]
            return text if role == Qt.DisplayRole or column in (C_THIRD, C_STANDARD, C_BASIS) else None
        if role == Qt.TextAlignmentRole:
            if column in (C_THIRD, C_STANDARD, C_BASIS):
                return int(Qt.AlignLeft | Qt.AlignVCenter)
            return int(Qt.AlignCenter)
        if role == Qt.ForegroundRole and column >= C_THIRD and not item.applicable:
            return _NA_COLOUR
        if role == Qt.BackgroundRole and item.applicable:
            if column == C_SCORE and item.score is None:
                return _MISSING_COLOUR
            if column in (C_RULE, C_SCORE) and item.row.rule.kind == AUTO:
                return _AUTO_COLOUR
        if role == Qt.UserRole:
            return item.row.key
        return None

    def text(self, row: int, column: int) -> str:
        return self.lines[row][column]


Spans = list[tuple[int, int, int]]


def _lines(items: tuple[ItemResult, ...], template: Template) -> tuple[list[dict[int, str]], Spans]:
    """Each row's texts by column, and the merged cells of the 一级 / 二级 groups."""
    weights = {**template.group_sums(), **template.groups}
    lines: list[dict[int, str]] = []
    spans: list[tuple[int, int, int]] = []
    starts: dict[int, int] = {}

    def close(column: int, end: int) -> None:
        start = starts.get(column)
        if start is not None and end > start:
            spans.extend(((start, column, end - start + 1), (start, column + 1, end - start + 1)))

    previous: tuple[str, str] | None = None
    for r, item in enumerate(items):
        path = item.row.path
        first, second = path[0], (path[1] if len(path) > 2 else "")
        third = " / ".join(path[2:]) if len(path) > 2 else (path[-1] if len(path) > 1 else "")
        new_first = previous is None or previous[0] != first
        new_second = new_first or previous != (first, second)
        if new_first:
            close(C_FIRST, r - 1)
            starts[C_FIRST] = r
        if new_second:
            close(C_SECOND, r - 1)
            starts[C_SECOND] = r
        w1 = weights.get(first) if len(path) > 1 else item.row.weight
        w2 = weights.get(f"{first} / {second}") if len(path) > 2 else None
        lines.append({C_FIRST: first if new_first else "", C_W1: score_text(w1) if new_first else "",
                      C_SECOND: second if new_second else "", C_W2: score_text(w2) if new_second else "",
                      C_THIRD: third + ("※" if item.row.reconstructed else ""),
                      C_WEIGHT: score_text(item.row.weight), C_STANDARD: item.row.standard,
                      C_RULE: rule_text(item), C_SCORE: score_text(item.score) if item.applicable else "不适用",
                      C_BASIS: item.basis})
        previous = (first, second)
    close(C_FIRST, len(items) - 1)
    close(C_SECOND, len(items) - 1)
    return lines, spans


class EvaluationPage(QWidget):
    """One year's self-evaluation under one template."""

    def __init__(self, *, db: Database, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self._db = db
        self._actor = actor
        self.service = EvaluationService(db, actor)
        self.result: EvaluationResult | None = None
        self.template: Template | None = None
        self._figures: dict[str, Figure] | None = None
        self._figures_year: int | None = None
        self._tmp: Path | None = None
        self._loading = False

        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setSuffix(" 年")
        self.year.setValue(self._db.clock.today().year)
        self.year.valueChanged.connect(self._year_changed)
        self.template_box = QComboBox()
        self.template_box.setMinimumContentsLength(24)
        self.template_box.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.template_box.currentIndexChanged.connect(self._template_changed)
        self.copy_button = QPushButton("复制模板…")
        self.copy_button.setToolTip("复制所选模板，复制后可修改指标、分值和评分标准")
        self.copy_button.clicked.connect(self._ask_copy)
        self.edit_button = QPushButton("编辑模板…")
        self.edit_button.clicked.connect(self.edit_template)
        self.total_label = QLabel()
        self.total_label.setObjectName("evaluationTotal")
        self.total_label.setStyleSheet("font-size: 13pt;")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.refresh_button = QPushButton("重新计算")
        self.refresh_button.setToolTip("按最新的记录重新计算自动评分的指标")
        self.refresh_button.clicked.connect(self.reload)
        self.export_button = QPushButton("导出Excel…")
        self.export_button.clicked.connect(self._ask_export)
        self.preview_button = QPushButton("打印预览…")
        self.preview_button.clicked.connect(self.print_preview)
        self.report_button = QPushButton("起草自检报告…")
        self.report_button.setToolTip("按本年记录起草自检报告（Word 文档和 PDF）：数字自动填入，文字部分留待填写")
        self.report_button.clicked.connect(self._ask_report)

        self.model = EvaluationModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        for column, width in ((C_FIRST, 90), (C_W1, 42), (C_SECOND, 100), (C_W2, 42), (C_THIRD, 220),
                              (C_WEIGHT, 42), (C_STANDARD, 260), (C_RULE, 70), (C_SCORE, 56)):
            header.setSectionResizeMode(column, QHeaderView.Interactive)
            self.table.setColumnWidth(column, width)
        header.setSectionResizeMode(C_BASIS, QHeaderView.Stretch)
        self.table.selectionModel().selectionChanged.connect(self._show_selected)

        # -- the selected row
        self.row_title = QLabel()
        self.row_title.setWordWrap(True)
        self.row_title.setStyleSheet("font-weight: bold;")
        self.standard_label = QLabel()
        self.standard_label.setWordWrap(True)
        self.basis_label = QLabel()
        self.basis_label.setWordWrap(True)
        self.basis_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.score_edit = QLineEdit()
        self.score_edit.setPlaceholderText("得分")
        self.score_edit.setMaximumWidth(90)
        self.score_edit.returnPressed.connect(self.save_score)
        self.weight_hint = QLabel()
        self.evidence_edit = QPlainTextEdit()
        self.evidence_edit.setPlaceholderText("评分依据：查阅了哪些记录、材料，发现了什么")
        self.evidence_edit.setFixedHeight(54)
        self.save_button = QPushButton("保存得分")
        self.save_button.clicked.connect(self.save_score)
        self.na_check = QCheckBox("不适用（本年度无此项工作，不计分，总分折算为100分）")
        self.na_check.toggled.connect(self._na_toggled)
        self.na_reason = QLineEdit()
        self.na_reason.setPlaceholderText("不适用的理由，例如：本年度未开展金秋助学活动")
        self.na_button = QPushButton("保存")
        self.na_button.clicked.connect(self.save_not_applicable)
        self.files = QListWidget()
        self.files.setFixedHeight(54)
        self.files.itemDoubleClicked.connect(self._open_file)
        self.attach_button = QPushButton("添加证明材料…")
        self.attach_button.clicked.connect(self._ask_attach)
        self.remove_file_button = QPushButton("移除")
        self.remove_file_button.clicked.connect(self.remove_selected_file)
        self.error = error_label()

        score_row = QHBoxLayout()
        score_row.addWidget(self.score_edit)
        score_row.addWidget(self.weight_hint, 1)
        score_row.addWidget(self.save_button)
        na_row = QHBoxLayout()
        na_row.addWidget(self.na_reason, 1)
        na_row.addWidget(self.na_button)
        file_buttons = QVBoxLayout()
        file_buttons.addWidget(self.attach_button)
        file_buttons.addWidget(self.remove_file_button)
        file_buttons.addStretch(1)
        file_row = QHBoxLayout()
        file_row.addWidget(self.files, 1)
        file_row.addLayout(file_buttons)
        form = QFormLayout()
        form.addRow("评分标准", self.standard_label)
        form.addRow("计分依据", self.basis_label)
        form.addRow("手工得分", score_row)
        form.addRow("依据说明", self.evidence_edit)
        form.addRow("证明材料", file_row)
        form.addRow(self.na_check)
        form.addRow("理由", na_row)
        self.detail = QGroupBox("所选指标")
        detail_layout = QVBoxLayout(self.detail)
        detail_layout.addWidget(self.row_title)
        detail_layout.addLayout(form)
        detail_layout.addWidget(self.error)

        bar = QHBoxLayout()
        bar.addWidget(QLabel("年度"))
        bar.addWidget(self.year)
        bar.addSpacing(8)
        bar.addWidget(QLabel("评价模板"))
        bar.addWidget(self.template_box, 1)
        bar.addWidget(self.copy_button)
        bar.addWidget(self.edit_button)
        bar2 = QHBoxLayout()
        bar2.addWidget(self.total_label)
        bar2.addSpacing(12)
        bar2.addWidget(self.status, 1)
        for button in (self.refresh_button, self.export_button, self.preview_button, self.report_button):
            bar2.addWidget(button)
        splitter = QSplitter(Qt.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(bar)
        layout.addLayout(bar2)
        layout.addWidget(splitter, 1)
        self._fill_templates()
        self.reload()

    # ---- templates ----------------------------------------------------------------------

    def _fill_templates(self, select: str | None = None) -> None:
        current = select or self.template_box.currentData()
        self._loading = True
        try:
            self.template_box.clear()
            try:
                infos = self.service.template_infos()
                default = self.service.default_template_name()
            except UserError as err:
                self.status.setText(err.message)
                return
            for info in infos:
                label = f"{info.name}（程序自带）" if info.bundled else info.name
                self.template_box.addItem(label, info.name)
            index = self.template_box.findData(current) if current else -1
            self.template_box.setCurrentIndex(index if index >= 0 else self.template_box.findData(default))
        finally:
            self._loading = False

    def template_name(self) -> str | None:
        return self.template_box.currentData()

    def select_template(self, name: str) -> None:
        index = self.template_box.findData(name)
        if index < 0:
            raise UserError(f"找不到评价模板“{name}”")
        self.template_box.setCurrentIndex(index)

    def _template_changed(self) -> None:
        if not self._loading:
            self.refresh()

    def _year_changed(self) -> None:
        if not self._loading:
            self.reload()

    def _ask_copy(self) -> None:
        name = self.template_name()
        if not name:
            return
        new_name, ok = QInputDialog.getText(self, "复制模板", "新模板的名称：", text=f"{name}（{self.year.value()}年修订）")
        if ok:
            self.copy_template(new_name)

    def copy_template(self, new_name: str) -> bool:
        """Copy the chosen template under ``new_name`` and choose the copy. True when copied."""
        try:
            copy = self.service.copy_template(self.template_name(), new_name)
        except UserError as err:
            messages.error(self, err.message)
            return False
        self._fill_templates(select=copy.name)
        self.refresh()
        self.status.setText(f"已复制为“{copy.name}”，可点“编辑模板…”修改")
        return True

    def editor(self):
        """The editor of the chosen template (a copy: bundled templates are copied first)."""
        from .template_editor import TemplateEditor

        return TemplateEditor(self.service.template(self.template_name()), service=self.service, parent=self)

    def edit_template(self) -> None:
        name = self.template_name()
        if not name:
            return
        if self.service.is_bundled(name):
            messages.info(self, "程序自带的模板不能修改。请先点“复制模板…”复制一份，再编辑复制出的模板。")
            return
        dialog = self.editor()
        if dialog.exec():
            self._fill_templates(select=dialog.saved_name)
            self.refresh()

    # ---- showing --------------------------------------------------------------------------

    def show_year(self, year: int) -> None:
        if self.year.value() == year:
            self.reload()
        else:
            self.year.setValue(year)

    def reload(self) -> None:
        """Read the figures from the records again, then the table."""
        self._figures = None
        self.refresh()

    def refresh(self) -> None:
        """The table again from the stored scores (the figures are kept while the year stays)."""
        name = self.template_name()
        year = self.year.value()
        selected = self.selected_key()
        try:
            if name is None:
                raise UserError("没有可用的评价模板")
            if self._figures is None or self._figures_year != year:
                self._figures, self._figures_year = self.service.figures(year), year
            self.template = self.service.template(name)
            self.result = self.service.evaluate(year, name, figures=self._figures)
        except UserError as err:
            self.result = None
            self._fill_table(None)
            self.total_label.setText("")
            self.status.setText(err.message)
        else:
            self._fill_table(self.result)
            self._show_total(self.result)
        bundled = name is not None and self._is_bundled(name)
        self.copy_button.setEnabled(name is not None and self.service.may_edit_templates())
        self.edit_button.setEnabled(name is not None and self.service.may_edit_templates() and not bundled)
        self.edit_button.setToolTip("程序自带的模板不能修改，请先复制" if bundled else "修改指标、分值和评分标准")
        for button in (self.export_button, self.preview_button):
            button.setEnabled(self.result is not None)
        self.select_row(selected)

    def _is_bundled(self, name: str) -> bool:
        try:
            return self.service.is_bundled(name)
        except UserError:
            return False

    def _show_total(self, result: EvaluationResult) -> None:
        text = f"总分 {score_text(result.total)} 分　等级：{result.grade}"
        notes = []
        if result.applicable_weight != sum((i.row.weight for i in result.items), Decimal(0)):
            notes.append(f"不适用项已剔除，按适用分值{score_text(result.applicable_weight)}分折算")
        if result.missing:
            notes.append(f"尚有{len(result.missing)}项未评分")
        self.total_label.setText(text)
        self.total_label.setToolTip("；".join(notes))
        self.status.setText("；".join(notes))

    def _fill_table(self, result: EvaluationResult | None) -> None:
        """One line a row; the 一级 and 二级 names and weights shown once, over their rows (merged)."""
        self.table.clearSpans()
        self.model.set_result(result, self.template)
        for row, column, rows in self.model.spans:
            self.table.setSpan(row, column, rows, 1)
        self.table.resizeRowsToContents()

    # ---- the selected row ------------------------------------------------------------------

    def selected_key(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.model.data(self.model.index(rows[0].row(), C_THIRD), Qt.UserRole)

    def selected_item(self) -> ItemResult | None:
        key = self.selected_key()
        if key is None or self.result is None:
            return None
        return next((i for i in self.result.items if i.row.key == key), None)

    def select_row(self, key: str | None) -> None:
        """Select the row of ``key`` (a Row.key); None clears the selection."""
        if key is None or self.result is None:
            self.table.clearSelection()
            self._show_selected()
            return
        for r, item in enumerate(self.result.items):
            if item.row.key == key:
                self.table.selectRow(r)
                break
        self._show_selected()

    def _show_selected(self) -> None:
        item = self.selected_item()
        show_error(self.error, None)
        editable = item is not None and self.service.may_score()
        for widget in (self.score_edit, self.evidence_edit, self.save_button, self.na_check, self.na_reason,
                       self.na_button, self.attach_button, self.remove_file_button, self.files):
            widget.setEnabled(editable)
        self.files.clear()
        if item is None:
            self.row_title.setText("请在上表中选择一行进行评分")
            for label in (self.standard_label, self.basis_label, self.weight_hint):
                label.setText("")
            self.score_edit.clear()
            self.evidence_edit.clear()
            self.na_reason.clear()
            self._set_na(False)
            return
        row = item.row
        self.row_title.setText(f"{row.key}（{score_text(row.weight)}分，{rule_text(item)}评分）")
        self.standard_label.setText(row.standard or "（未写评分标准）")
        self.basis_label.setText(item.basis)
        entry = self._entries().get(row.key)
        self._set_na(not item.applicable)
        self.na_reason.setText(entry.evidence if entry is not None and entry.not_applicable else "")
        manual = entry is not None and not entry.not_applicable and entry.score is not None
        self.score_edit.setText(score_text(entry.score) if manual else "")
        self.evidence_edit.setPlainText(entry.evidence if manual else "")
        if row.rule.kind == AUTO:
            self.weight_hint.setText(f"0–{score_text(row.weight)}分；自动评分行，仅在记录中无数据时按手工得分计")
        else:
            self.weight_hint.setText(f"0–{score_text(row.weight)}分")
        self.score_edit.setEnabled(editable and item.applicable)
        self.evidence_edit.setEnabled(editable and item.applicable)
        self.save_button.setEnabled(editable and item.applicable)
        for att in self.service.attachments(self.year.value(), self.template_name(), row.key):
            entry_item = QListWidgetItem(att.original_name)
            entry_item.setData(Qt.UserRole, att)
            entry_item.setToolTip(f"{att.added_by} 于 {att.added_at} 添加；双击打开")
            self.files.addItem(entry_item)

    def _set_na(self, flag: bool) -> None:
        self.na_check.blockSignals(True)
        self.na_check.setChecked(flag)
        self.na_check.blockSignals(False)

    def _entries(self):
        try:
            return self.service.scores(self.year.value(), self.template_name())
        except UserError:
            return {}

    def _na_toggled(self, flag: bool) -> None:
        if flag:
            self.na_reason.setFocus()
            self.error.setVisible(False)
        else:
            self.save_not_applicable()

    # ---- scoring ------------------------------------------------------------------------------

    def save_score(self) -> bool:
        """Store the selected row's manual score and evidence; the total follows. True when stored."""
        item = self.selected_item()
        if item is None:
            return False
        try:
            self.service.set_score(self.year.value(), self.template_name(), item.row.key,
                                   self.score_edit.text(), self.evidence_edit.toPlainText())
        except UserError as err:
            show_error(self.error, err, {"score": self.score_edit})
            return False
        self.refresh()
        return True

    def save_not_applicable(self) -> bool:
        """Store the selected row's 不适用 mark (with its reason) as the check box shows it."""
        item = self.selected_item()
        if item is None:
            return False
        flag = self.na_check.isChecked()
        try:
            self.service.set_not_applicable(self.year.value(), self.template_name(), item.row.key, flag,
                                            self.na_reason.text())
        except UserError as err:
            show_error(self.error, err, {"reason": self.na_reason})
            return False
        self.refresh()
        return True

    def mark_not_applicable(self, reason: str, flag: bool = True) -> bool:
        """Mark (or unmark) the selected row 不适用, as ticking the box and writing the reason does."""
        self.na_reason.setText(reason)
        self._set_na(flag)
        return self.save_not_applicable()

    def _ask_attach(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "添加证明材料", str(Path.home()),
                                              "证明材料 (*.pdf *.jpg *.jpeg *.png *.doc *.docx *.xls *.xlsx);;所有文件 (*)")
        if path:
            self.attach(Path(path))

    def attach(self, path: Path) -> bool:
        item = self.selected_item()
        if item is None:
            return False
        try:
            self.service.attach_evidence(self.year.value(), self.template_name(), item.row.key, path)
        except UserError as err:
            show_error(self.error, err)
            return False
        self.refresh()
        return True

    def remove_selected_file(self) -> None:
        current = self.files.currentItem()
        if current is None:
            return
        att = current.data(Qt.UserRole)
        if not messages.ask(self, f"从本行移除证明材料“{att.original_name}”？", yes_text="移除"):
            return
        try:
            self.service.remove_attachment(att.id)
        except UserError as err:
            show_error(self.error, err)
            return
        self.refresh()

    def _open_file(self, entry: QListWidgetItem) -> None:
        att = entry.data(Qt.UserRole)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.service.attachment_path(att))))

    # ---- output -----------------------------------------------------------------------------

    def unit_name(self) -> str:
        unit = own_unit(self._db.conn)
        return unit.name if unit else ""

    def title(self) -> str:
        return f"{self.year.value()}年度绩效自评表"

    def _ask_export(self) -> None:
        if self.result is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "导出Excel", str(Path.home() / f"{self.title()}.xlsx"),
                                              "Excel 工作簿 (*.xlsx)")
        if path:
            self.export_xlsx(Path(path))

    def _ask_report(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "起草自检报告",
                                              str(Path.home() / f"{self.year.value()}年度帮扶专项资金自检报告.docx"),
                                              "Word 文档 (*.docx)")
        if path:
            self.draft_report(Path(path))

    def draft_report(self, path: Path) -> None:
        """Write the drafted 自检报告 as ``path`` (.docx) and a PDF beside it, off the GUI thread."""
        from ...services.self_assessment import draft_report

        docx = path if path.suffix.lower() == ".docx" else path.with_name(path.name + ".docx")
        pdf = docx.with_suffix(".pdf")
        db, year, template = self._db, self.year.value(), self.template_name()

        def job(report):
            worker_db = db.connect_for_thread()
            try:
                return draft_report(worker_db, year, docx, pdf, template=template)
            finally:
                worker_db.close()

        def done(draft) -> None:
            left = len(draft.placeholders())
            self.status.setText(f"已起草：{docx}（另存 PDF：{pdf.name}）")
            messages.info(self, f"自检报告已起草：\n{docx}\n{pdf}\n\n数字取自本年记录；"
                                f"文中有 {left} 处【请填写】或【缺少数据】，请在 Word 或 WPS 中补充后再上报。")

        run_with_progress(self, title="起草自检报告", label="正在起草自检报告 …", job=job, on_done=done,
                          on_error=lambda err: messages.error(self, describe_error(err)))

    def export_xlsx(self, path: Path) -> bool:
        """Write the shown table as a workbook at ``path``; says what happened. True when written."""
        from ...reports.evaluation_xlsx import write_evaluation_xlsx

        path = Path(path)
        if path.suffix.lower() != ".xlsx":
            path = path.with_name(path.name + ".xlsx")
        if self.result is None or self.template is None:
            return False
        try:
            write_evaluation_xlsx(self.result, self.template, path, unit_name=self.unit_name())
        except (UserError, OSError) as err:
            messages.error(self, describe_error(err))
            return False
        self.status.setText(f"已导出：{path}")
        return True

    def write_pdf(self, path: Path) -> EvaluationResult:
        """The shown year's table as a PDF at ``path``, evaluated afresh on this thread's connection."""
        return _write_pdf(self._db, self._actor, self.year.value(), self.template_name(), Path(path))

    def print_preview(self) -> None:
        """Build the PDF off the GUI thread, then show it in the print preview."""
        if self.result is None:
            return
        out = self.pdf_path()
        title = self.title()
        run_with_progress(self, title="打印预览", label=f"正在生成{title} …",
                          job=self.pdf_job(self.year.value(), self.template_name(), out),
                          on_done=lambda result: self.preview(out, title),
                          on_error=lambda err: messages.error(self, describe_error(err)))

    def pdf_path(self) -> Path:
        if self._tmp is None:
            self._tmp = Path(tempfile.mkdtemp(prefix="aiddesk-print-"))
        return self._tmp / f"{self.title()}.pdf"

    def pdf_job(self, year: int, template: str, out: Path) -> Callable[[Callable[[int, int], bool]], Any]:
        """The worker's job: its own connection (SQLite connections stay on their thread), then the PDF."""
        db, actor = self._db, self._actor

        def job(report: Callable[[int, int], bool]) -> EvaluationResult:
            worker_db = db.connect_for_thread()
            try:
                return _write_pdf(worker_db, actor, year, template, out)
            finally:
                worker_db.close()

        return job

    def preview(self, pdf: Path, title: str) -> None:
        from ..pdf_preview import PdfPreviewDialog  # QtPdf loads on first preview

        PdfPreviewDialog(pdf_path=pdf, title=title, parent=self).exec()


def _write_pdf(db: Database, actor: Actor, year: int, template: str, out: Path) -> EvaluationResult:
    from ...reports.evaluation_pdf import write_evaluation_pdf

    service = EvaluationService(db, actor)
    result = service.evaluate(year, template)
    unit = own_unit(db.conn)
    write_evaluation_pdf(result, service.template(template), out, unit_name=unit.name if unit else "",
                         printed_on=db.clock.today())
    return result
