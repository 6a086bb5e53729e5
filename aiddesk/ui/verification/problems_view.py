"""问题跟踪: what verification found (金额不符, 本人未收到, …), open until someone writes down how it was resolved."""

from __future__ import annotations


from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QComboBox, QDialog, QFormLayout, QHBoxLayout, QHeaderView, QLabel, QPlainTextEdit,
                               QPushButton, QTableWidgetItem, QVBoxLayout, QWidget)

from ...core.errors import UserError
from ...db.problems import Problem
from ...services.problems import STAFF, ProblemService
from .. import messages
from ..forms import error_label, ok_cancel, pick_table, show_error
from ..funds.entry_dialog import HINT_STYLE, date_edit, date_of

COLUMNS = ("发现日期", "来源", "批次", "姓名", "问题", "说明", "状态/处理结果")
BATCH_COLUMN, NOTE_COLUMN, STATUS_COLUMN = 2, 5, 6
OPEN_ONLY, EVERYTHING = "未处理", "全部"
ALL_YEARS = "全部年度"
OPEN_COLOR = QColor("#c0392b")
DONE_COLOR = QColor("#5a5a5a")
READ_ONLY = "您的账号只能查看问题；处理由经办人、审核人或管理员办理"


def status_text(p: Problem) -> str:
    if p.is_open:
        return "未处理"
    return f"已处理：{p.resolution}（{p.resolved_by}，{p.resolved_on.isoformat()}）"


class ResolveDialog(QDialog):
    """处理一个问题: what was done about it, and when; the service refuses an empty or token answer."""

    def __init__(self, *, service: ProblemService, problem: Problem, parent: QWidget | None = None):
        super().__init__(parent)
        self.service, self.problem = service, problem
        self.setWindowTitle("处理问题")
        self.resize(520, 360)
        who = "，".join(x for x in (problem.name, problem.batch_name) if x)
        facts = QLabel(f"<b>{problem.kind}</b>（{problem.source}，{problem.opened_on.isoformat()}发现"
                       f"{'，' + who if who else ''}）")
        facts.setWordWrap(True)
        description = QLabel(problem.description)
        description.setWordWrap(True)
        description.setStyleSheet(HINT_STYLE)
        self.resolution = QPlainTextEdit()
        self.resolution.setPlaceholderText("写明核实情况和处理结果，例如：经核实系银行扣除年费，已协调退回，"
                                           "本人确认收到全额")
        self.resolved_on = date_edit(service.db.clock.today())
        self.error = error_label()
        form = QFormLayout()
        form.addRow("处理结果", self.resolution)
        form.addRow("处理日期", self.resolved_on)
        layout = QVBoxLayout(self)
        layout.addWidget(facts)
        layout.addWidget(description)
        layout.addLayout(form, 1)
        layout.addWidget(self.error)
        layout.addWidget(ok_cancel(self, "处理完毕"))

    def try_accept(self) -> bool:
        try:
            self.service.resolve(self.problem.id, self.resolution.toPlainText(), on=date_of(self.resolved_on))
        except UserError as err:
            show_error(self.error, err, {"resolution": self.resolution, "resolved_on": self.resolved_on})
            return False
        self.accept()
        return True


class ProblemsView(QWidget):
    """Problems of one batch (``batch_id``) or of all batches; double-click opens the batch or the archive."""

    batch_requested = Signal(int)
    household_requested = Signal(int)
    changed = Signal()   # a problem was resolved

    def __init__(self, service: ProblemService, batch_id: int | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.service, self.batch_id = service, batch_id
        self._problems: list[Problem] = []

        self.state_filter = QComboBox()
        self.state_filter.addItems([OPEN_ONLY, EVERYTHING])
        self.year_filter = QComboBox()
        self.year_filter.addItem(ALL_YEARS, None)
        self.year_filter.setVisible(batch_id is None)   # a batch's problems all belong to it
        self.resolve_button = QPushButton("处理…")
        self.resolve_button.clicked.connect(self.resolve_selected)
        self.summary = QLabel()
        self.summary.setStyleSheet(HINT_STYLE)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("显示"))
        bar.addWidget(self.state_filter)
        bar.addWidget(self.year_filter)
        bar.addSpacing(8)
        bar.addWidget(self.summary, 1)
        bar.addWidget(self.resolve_button)

        self.table = pick_table(COLUMNS, stretch=NOTE_COLUMN, min_width=60)
        self.table.horizontalHeader().setSectionResizeMode(STATUS_COLUMN, QHeaderView.Stretch)
        self.table.setToolTip("双击“批次”一栏打开该批次，双击其他栏打开该户档案")
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.cellDoubleClicked.connect(self._double_clicked)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        self.state_filter.currentIndexChanged.connect(self.reload)
        self.year_filter.currentIndexChanged.connect(self.reload)
        self.reload()

    # ---- showing ------------------------------------------------------------------------------

    @property
    def may_resolve(self) -> bool:
        roles = self.service.actor.roles
        return roles is None or bool(set(STAFF) & set(roles))

    def open_only(self) -> bool:
        return self.state_filter.currentText() == OPEN_ONLY

    def show_all(self) -> None:
        self.state_filter.setCurrentText(EVERYTHING)

    def reload(self) -> None:
        """Read the problems again, keeping the selected one selected."""
        chosen = self.selected_problem()
        try:
            if self.batch_id is None:
                self._fill_years()
            problems = self.service.problems(open_only=self.open_only(), batch_id=self.batch_id,
                                             year=self.year_filter.currentData())
        except UserError as err:  # e.g. a database another PC holds locked: say so instead of failing
            problems = []
            self.summary.setText(err.message)
        else:
            open_count = sum(1 for p in problems if p.is_open)
            self.summary.setText(("没有未处理的问题" if self.open_only() else "没有发现问题") if not problems
                                 else f"未处理 {open_count} 个" if self.open_only()
                                 else f"共 {len(problems)} 个，其中未处理 {open_count} 个")
        self._problems = problems
        self.table.blockSignals(True)
        self.table.clearSelection()
        self.table.setRowCount(len(problems))
        for r, p in enumerate(problems):
            values = (p.opened_on.isoformat(), p.source, p.batch_name or p.batch_code, p.name, p.kind,
                      p.description, status_text(p))
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                if c in (BATCH_COLUMN, NOTE_COLUMN, STATUS_COLUMN) and value:
                    item.setToolTip(value if c != BATCH_COLUMN else f"{p.batch_code} {p.batch_name}")
                if c == STATUS_COLUMN:
                    item.setForeground(OPEN_COLOR if p.is_open else DONE_COLOR)
                self.table.setItem(r, c, item)
            if chosen is not None and p.id == chosen.id:
                self.table.selectRow(r)
        self.table.blockSignals(False)
        self._update_buttons()

    def _fill_years(self) -> None:
        years = sorted({p.opened_on.year for p in self.service.problems()}, reverse=True)
        chosen = self.year_filter.currentData()
        self.year_filter.blockSignals(True)
        self.year_filter.clear()
        self.year_filter.addItem(ALL_YEARS, None)
        for y in years:
            self.year_filter.addItem(f"{y}年", y)
        index = self.year_filter.findData(chosen)
        self.year_filter.setCurrentIndex(max(index, 0))
        self.year_filter.blockSignals(False)

    def rows(self) -> list[tuple[str, ...]]:
        """The table's text, row by row."""
        return [tuple(self.table.item(r, c).text() for c in range(len(COLUMNS))) for r in range(self.table.rowCount())]

    def selected_problem(self) -> Problem | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self._problems[rows[0].row()] if rows and rows[0].row() < len(self._problems) else None

    def select_problem(self, problem_id: int) -> bool:
        for r, p in enumerate(self._problems):
            if p.id == problem_id:
                self.table.selectRow(r)
                return True
        return False

    def _update_buttons(self) -> None:
        p = self.selected_problem()
        self.resolve_button.setEnabled(self.may_resolve and p is not None and p.is_open)
        self.resolve_button.setToolTip(READ_ONLY if not self.may_resolve else
                                       "请先选中一个未处理的问题" if p is None or not p.is_open else "")

    def _double_clicked(self, row: int, column: int) -> None:
        if row >= len(self._problems):
            return
        p = self._problems[row]
        if column == BATCH_COLUMN and p.batch_id is not None:
            self.batch_requested.emit(p.batch_id)
            return
        if p.household_id is not None:
            self.household_requested.emit(p.household_id)
        elif p.batch_id is not None:
            self.batch_requested.emit(p.batch_id)

    # ---- actions -------------------------------------------------------------------------------

    def run_dialog(self, dialog: QDialog) -> bool:
        """Show a dialog modally; tests replace this to fill the form."""
        accepted = dialog.exec() == QDialog.Accepted
        dialog.deleteLater()
        return accepted

    def resolve_selected(self) -> bool:
        """处理 the selected open problem; True when it was closed."""
        p = self.selected_problem()
        if p is None:
            messages.info(self, "请先在列表中选中要处理的问题。")
            return False
        if not p.is_open:
            messages.info(self, f"该问题已于{p.resolved_on.isoformat()}处理：{p.resolution}")
            return False
        if not self.run_dialog(ResolveDialog(service=self.service, problem=p, parent=self)):
            return False
        self.reload()
        self.changed.emit()
        return True
