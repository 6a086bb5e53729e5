"""Editing a copy of an evaluation template: its rows (indicators, weight, standard, rule) and group weights.

Saving is refused, with every problem listed, while the weights do not add up to each group's
declared weight and to 100 (see :func:`aiddesk.core.evaluation.template_problems`).
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal, InvalidOperation

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QPushButton, QSplitter, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from ...core.errors import UserError
from ...core.evaluation import AUTO, MANUAL, POSITIVE, REVERSE, Row, Rule, Template, template_problems
from ...services.evaluation import EvaluationService
from ...services.evaluation_figures import indicator_keys, indicator_title
from ..forms import error_label, show_error

ROW_COLUMNS = ("一级指标", "二级指标", "三级指标", "分值", "评分标准", "评分方式", "计算指标", "方向", "目标值(%)")
C_FIRST, C_SECOND, C_THIRD, C_WEIGHT, C_STANDARD, C_KIND, C_INDICATOR, C_DIRECTION, C_TARGET = range(9)
KINDS = ((MANUAL, "手工"), (AUTO, "自动"))
DIRECTIONS = ((POSITIVE, "正向（越高越好）"), (REVERSE, "反向（越低越好）"))
_BAD = "#c0392b"


def _num(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = f"{value.normalize():f}"
    return text


def _decimal(text: str) -> Decimal | None:
    text = (text or "").strip().rstrip("%").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


class TemplateEditor(QDialog):
    """Edit ``template`` (an office's copy) and save it through ``service``; ``saved_name`` after saving."""

    def __init__(self, template: Template, *, service: EvaluationService, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"编辑评价模板 — {template.name}")
        self.resize(1180, 720)
        self.service = service
        self.original = template
        self.saved_name: str | None = None
        self._filling = False
        self._reconstructed: dict[int, bool] = {}

        self.name_edit = QLineEdit(template.name)
        self.note_edit = QLineEdit(template.note)
        self.note_edit.setToolTip(template.note)
        self.rows = QTableWidget(0, len(ROW_COLUMNS))
        self.rows.setHorizontalHeaderLabels(list(ROW_COLUMNS))
        self.rows.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.rows.setSelectionMode(QAbstractItemView.SingleSelection)
        self.rows.verticalHeader().setVisible(False)
        header = self.rows.horizontalHeader()
        for column, width in ((C_FIRST, 100), (C_SECOND, 110), (C_THIRD, 230), (C_WEIGHT, 50), (C_STANDARD, 260),
                              (C_KIND, 64), (C_INDICATOR, 170), (C_DIRECTION, 130), (C_TARGET, 70)):
            header.setSectionResizeMode(column, QHeaderView.Interactive)
            self.rows.setColumnWidth(column, width)
        header.setStretchLastSection(True)
        self.rows.itemChanged.connect(self._changed)

        self.groups = QTableWidget(0, 3)
        self.groups.setHorizontalHeaderLabels(["指标组（一级 / 二级）", "分值", "其下各行合计"])
        self.groups.verticalHeader().setVisible(False)
        self.groups.horizontalHeader().setSectionResizeMode(0, QHeaderView.Stretch)
        self.groups.itemChanged.connect(self._group_changed)
        self._declared: dict[str, Decimal | None] = dict(template.groups)

        add = QPushButton("添加行")
        add.clicked.connect(lambda: self.add_row())
        remove = QPushButton("删除行")
        remove.clicked.connect(self.remove_selected_row)
        up = QPushButton("上移")
        up.clicked.connect(lambda: self._move(-1))
        down = QPushButton("下移")
        down.clicked.connect(lambda: self._move(1))
        self.sum_label = QLabel()
        row_bar = QHBoxLayout()
        for button in (add, remove, up, down):
            row_bar.addWidget(button)
        row_bar.addStretch(1)
        row_bar.addWidget(self.sum_label)

        self.problems = QLabel()
        self.problems.setObjectName("templateProblems")
        self.problems.setStyleSheet(f"color: {_BAD};")
        self.problems.setWordWrap(True)
        self.error = error_label()
        buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        self.save_button = buttons.button(QDialogButtonBox.Save)
        self.save_button.setText("保存")
        buttons.button(QDialogButtonBox.Cancel).setText("取消")
        buttons.accepted.connect(self.try_accept)
        buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow("模板名称", self.name_edit)
        form.addRow("说明", self.note_edit)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(QLabel("评分行（“计算指标”“方向”“目标值”只用于自动评分的行；目标值按百分数填写，如 100 表示 100%）"))
        top_layout.addWidget(self.rows, 1)
        top_layout.addLayout(row_bar)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(QLabel("各指标组的分值（其下各行的分值之和应等于此分值，各行合计应为100分）"))
        bottom_layout.addWidget(self.groups, 1)
        splitter = QSplitter(Qt.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(bottom)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.problems)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

        for row in template.rows:
            self.add_row(row)
        self._refresh_checks()

    # ---- rows -----------------------------------------------------------------------------

    def add_row(self, row: Row | None = None, at: int | None = None) -> int:
        """Add a row (a blank one under the selected row's groups when ``row`` is None); its index."""
        if row is None:
            current = self.rows.currentRow()
            path = tuple(self._text(current, c) for c in (C_FIRST, C_SECOND)) if current >= 0 else ("", "")
            row = Row(path=(*path, ""), weight=Decimal(0), standard="")
            at = current + 1 if current >= 0 else None
        r = self.rows.rowCount() if at is None else at
        self._filling = True
        try:
            self.rows.insertRow(r)
            path = list(row.path) + [""] * (3 - len(row.path))
            third = " / ".join(path[2:])
            for column, text in ((C_FIRST, path[0]), (C_SECOND, path[1]), (C_THIRD, third),
                                 (C_WEIGHT, _num(row.weight) if row.weight else ""), (C_STANDARD, row.standard)):
                item = QTableWidgetItem(text)
                if column == C_THIRD:
                    item.setData(Qt.UserRole, row.reconstructed)
                self.rows.setItem(r, column, item)
            kind = QComboBox()
            for key, label in KINDS:
                kind.addItem(label, key)
            kind.setCurrentIndex(max(0, kind.findData(row.rule.kind)))
            indicator = QComboBox()
            indicator.addItem("", "")
            for key in indicator_keys():
                indicator.addItem(indicator_title(key), key)
            if row.rule.indicator and indicator.findData(row.rule.indicator) < 0:
                indicator.addItem(row.rule.indicator, row.rule.indicator)
            indicator.setCurrentIndex(max(0, indicator.findData(row.rule.indicator)))
            direction = QComboBox()
            for key, label in DIRECTIONS:
                direction.addItem(label, key)
            direction.setCurrentIndex(max(0, direction.findData(row.rule.direction)))
            target = QLineEdit(_num(row.rule.target * 100) if row.rule.target is not None else "")
            target.setPlaceholderText("如 100")
            self.rows.setCellWidget(r, C_KIND, kind)
            self.rows.setCellWidget(r, C_INDICATOR, indicator)
            self.rows.setCellWidget(r, C_DIRECTION, direction)
            self.rows.setCellWidget(r, C_TARGET, target)
            for widget in (kind, indicator, direction):
                widget.currentIndexChanged.connect(self._refresh_checks)
            target.textChanged.connect(self._refresh_checks)
        finally:
            self._filling = False
        self._refresh_checks()
        return r

    def remove_selected_row(self) -> None:
        r = self.rows.currentRow()
        if r >= 0:
            self.rows.removeRow(r)
            self._refresh_checks()

    def _move(self, step: int) -> None:
        r = self.rows.currentRow()
        target = r + step
        if r < 0 or not 0 <= target < self.rows.rowCount():
            return
        row = self._row(r)
        self.rows.removeRow(r)
        self.add_row(row, at=target)
        self.rows.setCurrentCell(target, C_THIRD)

    def set_cell(self, r: int, column: int, text: str) -> None:
        """Type ``text`` into a text cell (the tests and the row's own editing)."""
        self.rows.item(r, column).setText(text)

    def set_rule(self, r: int, kind: str, indicator: str = "", direction: str = POSITIVE, target: str = "") -> None:
        widgets = [self.rows.cellWidget(r, c) for c in (C_KIND, C_INDICATOR, C_DIRECTION)]
        for widget, value in zip(widgets, (kind, indicator, direction)):
            widget.setCurrentIndex(max(0, widget.findData(value)))
        self.rows.cellWidget(r, C_TARGET).setText(target)

    def set_group_weight(self, key: str, weight: str) -> None:
        for r in range(self.groups.rowCount()):
            if self.groups.item(r, 0).text() == key:
                self.groups.item(r, 1).setText(weight)
                return
        raise KeyError(key)

    def _text(self, r: int, column: int) -> str:
        item = self.rows.item(r, column)
        return item.text().strip() if item else ""

    def _row(self, r: int) -> Row:
        path = tuple(self._text(r, c) for c in (C_FIRST, C_SECOND, C_THIRD))
        kind = self.rows.cellWidget(r, C_KIND).currentData()
        if kind == AUTO:
            target = _decimal(self.rows.cellWidget(r, C_TARGET).text())
            rule = Rule(AUTO, self.rows.cellWidget(r, C_INDICATOR).currentData() or "",
                        self.rows.cellWidget(r, C_DIRECTION).currentData(),
                        target / 100 if target is not None else None)
        else:
            rule = Rule(MANUAL)
        weight = _decimal(self._text(r, C_WEIGHT))
        reconstructed = bool(self.rows.item(r, C_THIRD).data(Qt.UserRole)) if self.rows.item(r, C_THIRD) else False
        return Row(path=path, weight=weight if weight is not None else Decimal(0),
                   standard=self.rows.item(r, C_STANDARD).text().strip() if self.rows.item(r, C_STANDARD) else "",
                   rule=rule, reconstructed=reconstructed)

    def template(self) -> Template:
        """The template as the dialog shows it now."""
        rows = tuple(self._row(r) for r in range(self.rows.rowCount()))
        keys = self._group_keys(rows)
        groups = {}
        for key in keys:
            declared = self._declared.get(key)
            if declared is not None:
                groups[key] = declared
        return replace(self.original, name=self.name_edit.text().strip(), note=self.note_edit.text().strip(),
                       rows=rows, groups=groups)

    @staticmethod
    def _group_keys(rows: tuple[Row, ...]) -> list[str]:
        keys: list[str] = []
        for row in rows:
            for depth in range(1, len(row.path)):
                key = " / ".join(row.path[:depth])
                if key.strip(" /") and key not in keys:
                    keys.append(key)
        return keys

    # ---- checks ------------------------------------------------------------------------------

    def _changed(self, item: QTableWidgetItem) -> None:
        if not self._filling:
            self._refresh_checks()

    def _group_changed(self, item: QTableWidgetItem) -> None:
        if self._filling or item.column() != 1:
            return
        key = self.groups.item(item.row(), 0).text()
        text = item.text().strip()
        self._declared[key] = _decimal(text) if text else None
        self._refresh_checks()

    def _refresh_checks(self) -> None:
        if self._filling:
            return
        t = self.template()
        sums = t.group_sums()
        total = sum((r.weight for r in t.rows), Decimal(0))
        self.sum_label.setText(f"共{len(t.rows)}行，分值合计 {_num(total)} 分")
        self.sum_label.setStyleSheet("" if total == 100 else f"color: {_BAD};")
        self._filling = True
        try:
            keys = self._group_keys(t.rows)
            self.groups.setRowCount(len(keys))
            for r, key in enumerate(keys):
                declared = self._declared.get(key)
                actual = sums.get(key, Decimal(0))
                name = QTableWidgetItem(key)
                name.setFlags(name.flags() & ~Qt.ItemIsEditable)
                weight = QTableWidgetItem(_num(declared) if declared is not None else "")
                weight.setToolTip("留空：不单独核对此组的分值")
                actual_item = QTableWidgetItem(_num(actual))
                actual_item.setFlags(actual_item.flags() & ~Qt.ItemIsEditable)
                if declared is not None and declared != actual:
                    actual_item.setForeground(Qt.red)
                for c, cell in enumerate((name, weight, actual_item)):
                    self.groups.setItem(r, c, cell)
        finally:
            self._filling = False
        problems = template_problems(t)
        for r in range(self.rows.rowCount()):
            kind = self.rows.cellWidget(r, C_KIND)
            auto = kind is not None and kind.currentData() == AUTO
            for c in (C_INDICATOR, C_DIRECTION, C_TARGET):
                widget = self.rows.cellWidget(r, c)
                if widget is not None:
                    widget.setEnabled(auto)
        self.problems.setText("尚不能保存：" + "；".join(problems) if problems else "")
        self.problems.setVisible(bool(problems))

    def problems_now(self) -> list[str]:
        return template_problems(self.template())

    # ---- saving --------------------------------------------------------------------------------

    def try_accept(self) -> bool:
        """Save through the service; refused (the dialog stays open) while the template has problems."""
        t = self.template()
        problems = template_problems(t)
        for r in range(self.rows.rowCount()):
            if _decimal(self._text(r, C_WEIGHT)) is None:
                problems.insert(0, f"第{r + 1}行的分值不是数字")
        if problems:
            show_error(self.error, "模板不能保存，请先改正：" + "；".join(problems))
            return False
        try:
            self.service.save_template(t, replaces=self.original.name)
        except UserError as err:
            show_error(self.error, err, {"name": self.name_edit})
            return False
        self.saved_name = t.name
        self.accept()
        return True
