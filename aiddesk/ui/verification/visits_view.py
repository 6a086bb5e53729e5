"""入户走访: draw the year's households to visit, record each visit's outcome, print the 走访登记表."""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QFormLayout, QHBoxLayout, QHeaderView, QLabel,
                               QLineEdit, QPlainTextEdit, QPushButton, QSpinBox, QSplitter, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from ...core.codes import code_list
from ...core.errors import UserError
from ...core.money import format_yuan
from ...services.feedback import percent
from ...services.home_visits import (CONFIRMED, HomeVisitService, PlannedHousehold, VisitDraw, needs_archive,
                                     share_text)
from .. import messages
from ..forms import error_label, ok_cancel, pick_table, show_error
from ..funds.entry_dialog import HINT_STYLE, date_edit, date_of, default_day

READ_ONLY = "您的账号只能查看走访情况；抽取和登记走访由经办人、审核人办理"
DRAW_COLUMNS = ("抽取时间", "抽取方式", "种子", "在档户数", "抽取户数", "已走访", "各单位（抽取/在档）", "抽取人")
HOUSEHOLD_COLUMNS = ("序号", "档案编号", "户主", "单位", "住址", "电话", "困难类别", "人口", "月人均收入（元）",
                     "上次走访", "本次走访", "核实结论")
ADDRESS_COLUMN, OUTCOME_COLUMN = 4, 11
CHANGED = QColor("#b9770e")   # an outcome that sends someone to the archive
CLOSED = QColor("#8a8a8a")    # a drawn household no longer 在档
BY_SHARE, BY_COUNT = "按比例", "按户数"
# What the archive is opened for after each outcome other than 情况属实.
ARCHIVE_ACTIONS = {"情况变化": "更新档案中的家庭情况", "建议脱困": "办理脱困", "建议注销": "办理注销"}
NOTE_HINT = ("核实结论为“情况属实”以外的，请写明家庭情况的变化（收入、就业、健康、住房），"
             "例如“配偶已再就业，月收入约3000元”。")


def _cell(text: str, *, right: bool = False, centre: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    if right:
        item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
    elif centre:
        item.setTextAlignment(Qt.AlignCenter)
    return item


def _percent(share: Decimal) -> int:
    return int((share * 100).to_integral_value())


class VisitDialog(QDialog):
    """登记走访 of one household: date, who went, the outcome and what changed; 保存 calls the service."""

    def __init__(self, *, service: HomeVisitService, household: PlannedHousehold, draw_id: int | None, year: int,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.service, self.household, self.draw_id = service, household, draw_id
        self.visit_id: int | None = None
        self.setWindowTitle(f"登记走访 — {household.name}")
        self.setMinimumWidth(520)

        who = QLabel(f"{household.name}（档案编号 {household.archive_no}，{household.unit_name}）")
        who.setWordWrap(True)
        self.visited_on = date_edit(default_day(year, service.db.clock.today()))
        self.visitors = QLineEdit()
        self.visitors.setPlaceholderText("多人用顿号分隔，如：王芳、李强")
        self.outcome = QComboBox()
        self.outcome.addItems(code_list("visit_outcome"))
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText("走访所见的家庭现状：收入、就业、健康、住房有无变化")
        self.note.setFixedHeight(self.note.fontMetrics().lineSpacing() * 5 + 12)
        self.note_hint = QLabel(NOTE_HINT)
        self.note_hint.setWordWrap(True)
        self.note_hint.setStyleSheet(HINT_STYLE)
        self.form = form = QFormLayout()
        form.addRow("走访对象", who)
        form.addRow("走访日期", self.visited_on)
        form.addRow("走访人 *", self.visitors)
        form.addRow("核实结论 *", self.outcome)
        form.addRow("情况说明", self.note)
        form.addRow("", self.note_hint)
        self.fields = {"visited_on": self.visited_on, "visitors": self.visitors, "outcome": self.outcome,
                       "note": self.note}
        self.error = error_label()
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(ok_cancel(self, "保存"))
        self.outcome.currentTextChanged.connect(self._outcome_changed)
        self._outcome_changed()

    def _outcome_changed(self) -> None:
        # Any outcome but 情况属实 must say what changed: the label and the hint say so as it is chosen.
        changed = needs_archive(self.outcome.currentText())
        self.form.labelForField(self.note).setText("情况说明 *" if changed else "情况说明")
        self.note_hint.setStyleSheet("" if changed else HINT_STYLE)

    def try_accept(self) -> bool:
        show_error(self.error, None)
        try:
            self.visit_id = self.service.record_visit(
                self.household.household_id, visited_on=date_of(self.visited_on), visitors=self.visitors.text(),
                outcome=self.outcome.currentText(), note=self.note.toPlainText(), draw_id=self.draw_id)
        except UserError as err:
            show_error(self.error, err, self.fields)
            return False
        self.accept()
        return True


class VisitsView(QWidget):
    """The year's draws and the households drawn; ``household_requested`` asks the window to open an archive."""

    household_requested = Signal(int)

    def __init__(self, *, service: HomeVisitService, parent: QWidget | None = None):
        super().__init__(parent)
        self.service = service
        self._draws: list[VisitDraw] = []
        self._planned: list[PlannedHousehold] = []
        self._tmp = tempfile.TemporaryDirectory(prefix="aiddesk-visits-")

        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(service.db.clock.today().year)
        self.year.setSuffix(" 年")
        self.method = QComboBox()
        self.method.addItems([BY_SHARE, BY_COUNT])
        self.amount = QSpinBox()
        self.seed = QLineEdit()
        self.seed.setMaxLength(32)
        self.seed.setPlaceholderText("留空则随机；填以前的种子可重现")
        self.seed.setMinimumWidth(self.seed.fontMetrics().horizontalAdvance("留空则随机；填以前的种子可重现") + 16)
        self.draw_button = QPushButton("抽取走访户")
        self.draw_button.clicked.connect(self.draw)
        self.coverage = QLabel()
        self.coverage.setTextInteractionFlags(Qt.TextSelectableByMouse)

        bar = QHBoxLayout()
        for label, widget in (("年度", self.year), ("抽取", self.method), ("", self.amount), ("种子", self.seed)):
            if label:
                bar.addWidget(QLabel(label))
            bar.addWidget(widget)
        bar.addWidget(self.draw_button)
        bar.addStretch(1)
        bar.addWidget(self.coverage)
        hint = QLabel("从本单位及下级单位的“在档”档案中按单位分层随机抽取；每次抽取都会保存。"
                      "档案未变时，用同一种子再抽可得到同样的名单，便于检查人员复核。")
        hint.setWordWrap(True)
        hint.setStyleSheet(HINT_STYLE)

        self.draws = pick_table(DRAW_COLUMNS, stretch=6, min_width=64)
        self.draws.itemSelectionChanged.connect(self._show_planned)
        self.households = pick_table(HOUSEHOLD_COLUMNS, stretch=ADDRESS_COLUMN, min_width=48)
        self.households.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.households.horizontalHeader().setSectionResizeMode(ADDRESS_COLUMN, QHeaderView.Interactive)
        self.households.horizontalHeader().setStretchLastSection(True)
        self.households.itemSelectionChanged.connect(self._update_buttons)
        self.households.doubleClicked.connect(lambda _index: self.open_archive())

        self.record_button = QPushButton("登记走访…")
        self.archive_button = QPushButton("打开档案")
        self.print_button = QPushButton("打印走访登记表")
        self.print_button.setToolTip("打印选中的走访户；未选中时打印本次抽取的全部走访户")
        self.record_button.clicked.connect(self.record_selected)
        self.archive_button.clicked.connect(self.open_archive)
        self.print_button.clicked.connect(self.print_selected)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.summary, 1)
        for button in (self.record_button, self.archive_button, self.print_button):
            buttons.addWidget(button)

        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.households, 1)
        lower_layout.addLayout(buttons)
        splitter = QSplitter(Qt.Vertical)
        splitter.addWidget(self.draws)
        splitter.addWidget(lower)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 3)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([120, 480])  # a year has a few draws; the households get the room

        self.error = error_label()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addLayout(bar)
        layout.addWidget(hint)
        layout.addWidget(self.error)
        layout.addWidget(splitter, 1)

        self.method.currentTextChanged.connect(self._method_changed)
        self.year.valueChanged.connect(lambda _y: self.reload())
        self._method_changed()
        self.reload()

    # ---- the draw controls ------------------------------------------------------------------------

    def _method_changed(self) -> None:
        if self.method.currentText() == BY_SHARE:
            self.amount.setRange(1, 100)
            self.amount.setSuffix(" %")
            self.amount.setValue(_percent(self.service.default_share()))
        else:
            self.amount.setRange(1, 100_000)
            self.amount.setSuffix(" 户")
            self.amount.setValue(20)

    def set_share(self, percent: int) -> None:
        self.method.setCurrentText(BY_SHARE)
        self.amount.setValue(percent)

    def set_count(self, count: int) -> None:
        self.method.setCurrentText(BY_COUNT)
        self.amount.setValue(count)

    def draw(self) -> bool:
        """Draw with the controls' share or count and seed; the new draw is selected. True on success."""
        show_error(self.error, None)
        by_share = self.method.currentText() == BY_SHARE
        try:
            d = self.service.draw(self.year.value(),
                                  share=Decimal(self.amount.value()) / 100 if by_share else None,
                                  count=None if by_share else self.amount.value(), seed=self.seed.text())
        except UserError as err:
            show_error(self.error, err, {"seed": self.seed, "share": self.amount, "count": self.amount,
                                         "year": self.year})
            return False
        self.reload(select=d.id)
        return True

    # ---- showing ---------------------------------------------------------------------------------------

    def reload(self, select: int | None = None) -> None:
        """Read the year's draws and coverage again, keeping (or moving to) the selected draw."""
        year = self.year.value()
        keep = select if select is not None else self.selected_draw_id()
        try:
            self._draws = self.service.draws(year)
            visited, in_archive = self.service.coverage(year)
        except UserError as err:
            show_error(self.error, err)
            return
        share = f"，覆盖率 {percent(Decimal(visited) / in_archive)}" if in_archive else ""
        self.coverage.setText(f"{year}年已走访 {visited} 户 / 在档 {in_archive} 户{share}")
        self.draws.blockSignals(True)
        self.draws.clearSelection()
        self.draws.setRowCount(len(self._draws))
        for r, d in enumerate(self._draws):
            asked = share_text(Decimal(d.amount)) if d.method == "比例" else f"{d.amount} 户"
            values = (d.drawn_at.replace("T", " ")[:16], f"{d.method} {asked}", d.seed, str(d.population), str(d.size),
                      str(d.visited), self.service.strata_text(d), d.drawn_by)
            for c, value in enumerate(values):
                item = _cell(value, right=c in (3, 4, 5))
                if c == 6:
                    item.setToolTip(value)
                self.draws.setItem(r, c, item)
        row = next((r for r, d in enumerate(self._draws) if d.id == keep), 0 if self._draws else -1)
        if row >= 0:
            self.draws.selectRow(row)
        self.draws.blockSignals(False)
        self._show_planned()

    def _show_planned(self) -> None:
        draw_id = self.selected_draw_id()
        self._planned = self.service.planned(draw_id) if draw_id is not None else []
        self.households.clearSelection()
        self.households.setRowCount(len(self._planned))
        for r, p in enumerate(self._planned):
            visit = p.visit
            values = (str(p.position), p.archive_no, p.name, p.unit_name, p.address, p.phone, p.category,
                      str(p.household_size), format_yuan(p.per_capita_income),
                      p.last_visit.isoformat() if p.last_visit else "", visit.visited_on.isoformat() if visit else "",
                      visit.outcome if visit else "")
            for c, value in enumerate(values):
                item = _cell(value, right=c in (7, 8), centre=c == 0)
                if c == ADDRESS_COLUMN:
                    item.setToolTip(value)
                if c == OUTCOME_COLUMN and visit:
                    item.setToolTip(f"走访人：{visit.visitors}" + (f"\n{visit.note}" if visit.note else ""))
                    if visit.outcome != CONFIRMED:
                        item.setForeground(CHANGED)
                if p.archive_status != "在档":
                    item.setForeground(CLOSED)
                    item.setToolTip(f"档案现为“{p.archive_status}”")
                self.households.setItem(r, c, item)
        if self._planned:
            self.households.resizeColumnsToContents()
            self.households.setColumnWidth(ADDRESS_COLUMN, min(self.households.columnWidth(ADDRESS_COLUMN), 260))
        visited = sum(1 for p in self._planned if p.visit)
        self.summary.setText(f"本次抽取 {len(self._planned)} 户，已登记走访 {visited} 户。双击一户打开其档案。"
                             if self._planned else "本年度还没有抽取走访户：选好比例或户数后点“抽取走访户”。")
        self._update_buttons()

    def _update_buttons(self) -> None:
        may = self.service.may_record
        for button in (self.draw_button, self.record_button):
            button.setEnabled(may)
            button.setToolTip("" if may else READ_ONLY)
        chosen = len(self.selected_household_ids())
        self.record_button.setEnabled(may and chosen == 1)
        self.archive_button.setEnabled(chosen == 1)
        self.print_button.setEnabled(bool(self._planned))

    def draw_rows(self) -> list[tuple[str, ...]]:
        return [tuple(self.draws.item(r, c).text() for c in range(len(DRAW_COLUMNS)))
                for r in range(self.draws.rowCount())]

    def household_rows(self) -> list[tuple[str, ...]]:
        return [tuple(self.households.item(r, c).text() for c in range(len(HOUSEHOLD_COLUMNS)))
                for r in range(self.households.rowCount())]

    def selected_draw_id(self) -> int | None:
        rows = self.draws.selectionModel().selectedRows()
        return self._draws[rows[0].row()].id if rows and rows[0].row() < len(self._draws) else None

    def selected_households(self) -> list[PlannedHousehold]:
        rows = sorted(index.row() for index in self.households.selectionModel().selectedRows())
        return [self._planned[r] for r in rows if r < len(self._planned)]

    def selected_household_ids(self) -> list[int]:
        return [p.household_id for p in self.selected_households()]

    def select_households(self, household_ids: list[int]) -> None:
        self.households.clearSelection()
        mode = self.households.selectionMode()
        self.households.setSelectionMode(QAbstractItemView.MultiSelection)
        for r, p in enumerate(self._planned):
            if p.household_id in household_ids:
                self.households.selectRow(r)
        self.households.setSelectionMode(mode)

    # ---- actions ------------------------------------------------------------------------------------

    def run_dialog(self, dialog: QDialog) -> bool:
        """Show a dialog modally (freed once control returns to Qt); tests replace this to fill the form."""
        accepted = dialog.exec() == QDialog.Accepted
        dialog.deleteLater()
        return accepted

    def record_selected(self) -> bool:
        """登记走访 for the selected household; then offer its archive if the situation changed."""
        chosen = self.selected_households()
        if len(chosen) != 1:
            messages.info(self, "请先在名单中选中一户（只选一户）再登记走访。")
            return False
        p = chosen[0]
        dialog = VisitDialog(service=self.service, household=p, draw_id=self.selected_draw_id(),
                             year=self.year.value(), parent=self)
        if not self.run_dialog(dialog):
            return False
        outcome = dialog.outcome.currentText()
        self.reload()
        self.select_households([p.household_id])
        if needs_archive(outcome):
            action = ARCHIVE_ACTIONS.get(outcome, "核对档案")
            if messages.ask(self, f"{p.name}（{p.archive_no}）的核实结论为“{outcome}”。\n"
                                  f"是否现在打开档案{action}？档案的修改、脱困或注销按档案的规定办理。",
                            title="打开档案", yes_text="打开档案"):
                self.household_requested.emit(p.household_id)
        return True

    def open_archive(self) -> None:
        chosen = self.selected_households()
        if len(chosen) == 1:
            self.household_requested.emit(chosen[0].household_id)

    def write_forms(self, path: Path, household_ids: list[int]) -> int:
        """Write the 走访登记表 of ``household_ids`` to ``path`` here and now (the GUI does it off-thread)."""
        from ...services.home_visits import print_visit_forms

        return print_visit_forms(self.service.db, household_ids, Path(path))

    def print_selected(self) -> None:
        """Print the selected households' forms (all drawn ones if none is selected), then preview."""
        from ...services.home_visits import print_visit_forms
        from ..worker import describe_error, run_with_progress

        ids = self.selected_household_ids() or [p.household_id for p in self._planned]
        if not ids:
            messages.info(self, "还没有走访户：请先抽取走访户。")
            return
        out = Path(self._tmp.name) / f"入户走访登记表-{len(ids)}户.pdf"
        db = self.service.db

        def job(report):
            worker_db = db.connect_for_thread()
            try:
                return print_visit_forms(worker_db, ids, out, progress=lambda i: report(i, len(ids)))
            finally:
                worker_db.close()

        run_with_progress(self, title="打印走访登记表", label=f"正在生成 {len(ids)} 户的走访登记表 …", job=job,
                          on_done=lambda count: self.open_preview(out, f"入户走访登记表（{count}户）"),
                          on_error=lambda err: messages.error(self, describe_error(err)))

    def open_preview(self, pdf: Path, title: str) -> None:
        from ..pdf_preview import PdfPreviewDialog  # QtPdf loads on first preview

        PdfPreviewDialog(pdf_path=pdf, title=title, parent=self).exec()
