"""预算与计划 of one year: the budget per fund source and the planned 人次 and amount per 救助类别."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QDialog, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QScrollArea,
                               QSpinBox, QVBoxLayout, QWidget)

from ...core.codes import code_list
from ...core.errors import UserError, ValidationError
from ...core.money import format_wan, format_yuan
from ...db.funds import Plan
from ...services.funds import FundService
from ..forms import error_label, ok_cancel, show_error
from .entry_dialog import HINT_STYLE, amount_of, hint_label, wan_text

ZERO = Decimal("0.00")


def _amount_edit(value: Decimal | None) -> QLineEdit:
    edit = QLineEdit(format_yuan(value))
    edit.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
    edit.setPlaceholderText("不填表示无")
    edit.setMinimumWidth(130)
    return edit


def _total_text(edits) -> str:
    """The sum of the amount fields, in 元 and 万元."""
    try:
        total = sum((amount_of(e, "", required=False) or ZERO for e in edits), ZERO)
    except UserError:
        return "（有金额无法识别）"
    return f"{format_yuan(total)} 元（{format_wan(total)} 万元）"


def _header(grid: QGridLayout, *titles: str) -> None:
    for col, title in enumerate(titles):
        label = QLabel(f"<b>{title}</b>")
        grid.addWidget(label, 0, col)


class BudgetDialog(QDialog):
    """确定 saves the budgets and the plans together (``set_year_plan``); empty fields remove them."""

    def __init__(self, *, service: FundService, year: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.service, self.year = service, year
        self.setWindowTitle(f"{year}年预算与计划")
        self.resize(900, 520)
        self.categories = code_list("aid_category")
        self.budget_edits: dict[str, QLineEdit] = {}
        self.plan_counts: dict[str, QSpinBox] = {}
        self.plan_amounts: dict[str, QLineEdit] = {}
        self.fields: dict[str, QWidget] = {}

        sides = QHBoxLayout()
        sides.addWidget(self._budget_box(service.budgets(year)), 1)
        sides.addWidget(self._plan_box(service.plans(year)), 1)
        note = QLabel("预算用于计算资金到位率（本年到账与直拨下级之和 ÷ 预算）；计划用于对照实际帮扶人次和金额。"
                      "金额以元为单位，最多两位小数；清空一栏即删除该项。")
        note.setWordWrap(True)
        note.setStyleSheet(HINT_STYLE)
        self.error = error_label()
        layout = QVBoxLayout(self)
        layout.addLayout(sides, 1)
        layout.addWidget(note)
        layout.addWidget(self.error)
        layout.addWidget(ok_cancel(self, "保存"))
        self._update_totals()

    # ---- building ---------------------------------------------------------------------

    def _budget_box(self, budgets: dict[str, Decimal]) -> QGroupBox:
        box = QGroupBox("预算（按资金来源）")
        inner = QWidget()
        grid = QGridLayout(inner)
        _header(grid, "资金来源", "预算金额（元）", "")
        sources = self.service.sources()
        # A budget kept for a source no longer in the list is still shown, so saving keeps it visible.
        sources += [s for s in sorted(budgets) if s not in sources]
        for row, source in enumerate(sources, start=1):
            edit = _amount_edit(budgets.get(source))
            wan = hint_label()
            wan.setMinimumWidth(110)
            edit.textChanged.connect(lambda text, label=wan: label.setText(wan_text(text)))
            edit.textChanged.connect(self._update_totals)
            wan.setText(wan_text(edit.text()))
            grid.addWidget(QLabel(source), row, 0)
            grid.addWidget(edit, row, 1)
            grid.addWidget(wan, row, 2)
            self.budget_edits[source] = edit
            self.fields[f"budget.{source}"] = edit
        self.budget_total = QLabel()
        grid.addWidget(self.budget_total, len(sources) + 1, 0, 1, 3)
        grid.setRowStretch(len(sources) + 2, 1)
        grid.setColumnStretch(1, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.NoFrame)
        scroll.setWidget(inner)
        QVBoxLayout(box).addWidget(scroll)
        return box

    def _plan_box(self, plans: dict[str, Plan]) -> QGroupBox:
        box = QGroupBox("计划（按救助类别）")
        grid = QGridLayout(box)
        _header(grid, "救助类别", "计划人次", "计划金额（元）", "")
        for row, category in enumerate(self.categories, start=1):
            plan = plans.get(category)
            count = QSpinBox()
            count.setRange(0, 10_000_000)
            count.setGroupSeparatorShown(True)
            count.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
            count.setValue(plan.planned_count if plan else 0)
            count.setMinimumWidth(100)
            amount = _amount_edit(plan.planned_amount if plan else None)
            amount.setPlaceholderText("可不填")
            wan = hint_label()
            wan.setMinimumWidth(100)
            amount.textChanged.connect(lambda text, label=wan: label.setText(wan_text(text)))
            amount.textChanged.connect(self._update_totals)
            count.valueChanged.connect(self._update_totals)
            wan.setText(wan_text(amount.text()))
            grid.addWidget(QLabel(category), row, 0)
            grid.addWidget(count, row, 1)
            grid.addWidget(amount, row, 2)
            grid.addWidget(wan, row, 3)
            self.plan_counts[category], self.plan_amounts[category] = count, amount
            self.fields[f"plan.{category}"] = count
        self.plan_total = QLabel()
        grid.addWidget(self.plan_total, len(self.categories) + 1, 0, 1, 4)
        grid.setRowStretch(len(self.categories) + 2, 1)
        grid.setColumnStretch(2, 1)
        return box

    # ---- reading the fields --------------------------------------------------------------

    def budgets(self) -> dict[str, Decimal | None]:
        """Source → budget as typed (None where empty); ValidationError names every field that is wrong."""
        problems: dict[str, str] = {}
        out: dict[str, Decimal | None] = {}
        for source, edit in self.budget_edits.items():
            key = f"budget.{source}"
            try:
                out[source] = amount_of(edit, key, required=False)
            except UserError as err:
                problems[key] = f"{source}的预算：{err.message}"
                continue
            if out[source] is not None and out[source] < 0:
                problems[key] = f"{source}的预算不能为负数"
        if problems:
            raise ValidationError(problems)
        return out

    def plans(self) -> list[Plan]:
        problems: dict[str, str] = {}
        out: list[Plan] = []
        for category in self.categories:
            key = f"plan.{category}"
            try:
                amount = amount_of(self.plan_amounts[category], key, required=False)
            except UserError as err:
                problems[key] = f"{category}的计划金额：{err.message}"
                continue
            if amount is not None and amount < 0:
                problems[key] = f"{category}的计划金额不能为负数"
            out.append(Plan(category, self.plan_counts[category].value(), amount))
        if problems:
            raise ValidationError(problems)
        return out

    def _update_totals(self) -> None:
        self.budget_total.setText(f"预算合计：{_total_text(self.budget_edits.values())}")
        people = sum(c.value() for c in self.plan_counts.values())
        self.plan_total.setText(f"计划合计：{people:,} 人次，{_total_text(self.plan_amounts.values())}")

    # ---- saving -------------------------------------------------------------------------------

    def entered(self) -> tuple[dict[str, Decimal | None], list[Plan]]:
        """Budgets and plans as typed, both checked before either is saved so a typo never saves half."""
        problems: dict[str, str] = {}
        budgets: dict[str, Decimal | None] = {}
        plans: list[Plan] = []
        try:
            budgets = self.budgets()
        except ValidationError as err:
            problems.update(err.problems)
        try:
            plans = self.plans()
        except ValidationError as err:
            problems.update(err.problems)
        if problems:
            raise ValidationError(problems)
        return budgets, plans

    def try_accept(self) -> bool:
        show_error(self.error, None)
        try:
            budgets, plans = self.entered()
            self.service.set_year_plan(self.year, budgets, plans)
        except UserError as err:
            show_error(self.error, err, self.fields)
            return False
        self.accept()
        return True
