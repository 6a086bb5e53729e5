"""处理跨单位重复: both sides of one duplicate, and the conclusion the centre records on it (or withdraws)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QPlainTextEdit, QPushButton,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from ...core.duplicate_conclusions import conclusion_kind, conclusion_kinds
from ...core.errors import UserError, ValidationError
from ...services.duplicates import IN_ARCHIVES, Duplicate, DuplicateService
from .. import messages
from ..forms import error_label, pick_table, show_error

SIDE_COLUMNS = ("单位", "档案编号", "明细编号", "姓名", "关系 / 救助类别", "金额（元）", "日期", "档案状态 / 批次")
HINT_STYLE = "color: gray"


class ConclusionDialog(QDialog):
    """One case: its sides in a table; a kind of conclusion, the unit it names where it needs one, and a note."""

    def __init__(self, *, service: DuplicateService, case: Duplicate, parent: QWidget | None = None):
        super().__init__(parent)
        self.service, self.case = service, case
        self.withdrawn = False
        self.setWindowTitle("处理跨单位重复")
        self.resize(880, 460)
        names = case.unit_names
        person = case.entries[0].name if case.entries else ""
        what = f"{case.year}年{case.category}，" if case.category else ""
        facts = QLabel(f"<b>{case.kind}</b>　身份证号 {case.id_number}（{person}）　{what}涉及 {len(case.units)} 个单位")
        facts.setTextFormat(Qt.TextFormat.RichText)
        self.sides = pick_table(SIDE_COLUMNS, stretch=len(SIDE_COLUMNS) - 1, min_width=60)
        self.sides.setRowCount(len(case.entries))
        for r, e in enumerate(case.entries):
            values = (f"{e.unit_name}（{e.unit}）", e.archive_no, e.record_no, e.name,
                      e.relation if case.kind == IN_ARCHIVES else e.category,
                      f"{e.amount:.2f}" if e.amount is not None else "", e.day,
                      e.archive_status if case.kind == IN_ARCHIVES else e.batch_name or e.batch_code)
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                if c == 5:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.sides.setItem(r, c, item)
        self.sides.setMaximumHeight(60 + 30 * len(case.entries))

        self.kind = QComboBox()
        self.kind.addItem("（请选择）", "")
        for k in conclusion_kinds(case.kind):
            self.kind.addItem(k.kind, k.kind)
        self.unit_label = QLabel()
        self.unit = QComboBox()
        for code in case.units:
            self.unit.addItem(f"{names.get(code, '')}（{code}）", code)
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText("核实情况，例如：经与两单位核实，系同一人，2015年7月由省旅游工会调入省财贸工会")
        self.note.setMaximumHeight(90)
        self.note_label = QLabel("说明")
        form = QFormLayout()
        form.addRow("处理结论", self.kind)
        form.addRow(self.unit_label, self.unit)
        form.addRow(self.note_label, self.note)
        self._form = form
        current = QLabel()
        current.setStyleSheet(HINT_STYLE)
        current.setWordWrap(True)
        if case.conclusion:
            c = case.conclusion
            current.setText(f"现有结论：{case.conclusion_text()}（{c.by}，{c.at.replace('T', ' ')}）。"
                            "保存即改为下面的结论，撤销后该重复回到“未处理”")
            self.kind.setCurrentIndex(max(self.kind.findData(c.kind), 0))
            chosen = c.unit or c.side
            if chosen:
                self.unit.setCurrentIndex(max(self.unit.findData(chosen), 0))
            self.note.setPlainText(c.note)
        else:
            current.setText("尚未处理。处理结论连同处理人、处理时间记入修改记录，之后仍可修改或撤销")
        self.error = error_label()

        self.buttons = QDialogButtonBox()
        self.save_button = self.buttons.addButton("保存结论", QDialogButtonBox.ButtonRole.AcceptRole)
        self.withdraw_button: QPushButton = self.buttons.addButton("撤销结论", QDialogButtonBox.ButtonRole.ResetRole)
        self.withdraw_button.setVisible(case.conclusion is not None)
        cancel = self.buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
        self.save_button.clicked.connect(self.try_accept)
        self.withdraw_button.clicked.connect(self.try_withdraw)
        cancel.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(facts)
        layout.addWidget(self.sides)
        layout.addLayout(form)
        layout.addWidget(current)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self._kind_changed()

    def _kind_changed(self) -> None:
        """The unit choice only where the kind asks for one, labelled as it asks; the note marked where required."""
        found = conclusion_kind(self.kind.currentData() or "")
        asks = bool(found and found.choose)
        self.unit_label.setText(found.choose_label if asks else "")
        self._form.setRowVisible(self.unit, asks)
        self.note_label.setText("说明（必填）" if found and found.note_required else "说明")

    def try_accept(self) -> bool:
        found = conclusion_kind(self.kind.currentData() or "")
        chosen = self.unit.currentData() or ""
        try:
            self.service.conclude(self.case, self.kind.currentData() or "",
                                  unit=chosen if found and found.choose == "unit" else "",
                                  side=chosen if found and found.choose == "side" else "",
                                  note=self.note.toPlainText())
        except ValidationError as err:
            field = {"unit": "unit", "side": "unit"}.get(err.field or "", err.field)
            show_error(self.error, err, {"kind": self.kind, "unit": self.unit, "note": self.note})
            if field == "unit":
                self.unit.setFocus()
            return False
        except UserError as err:
            show_error(self.error, err)
            return False
        self.accept()
        return True

    def try_withdraw(self) -> bool:
        if not messages.ask(self, f"撤销这一重复的处理结论“{self.case.conclusion_text()}”？撤销后它回到“未处理”，"
                                  "修改记录中仍保留原结论。", yes_text="撤销结论"):
            return False
        try:
            self.service.withdraw(self.case)
        except UserError as err:
            show_error(self.error, err)
            return False
        self.withdrawn = True
        self.accept()
        return True
