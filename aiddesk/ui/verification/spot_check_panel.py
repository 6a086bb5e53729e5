"""电话抽查 of one paid batch: draw lines to call, work down the list logging each call, follow up what was found."""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QButtonGroup, QComboBox, QFileDialog, QGroupBox, QHBoxLayout, QHeaderView, QLabel,
                               QLineEdit, QPushButton, QRadioButton, QSpinBox, QSplitter, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from ...core.batch_workflow import PAID
from ...core.errors import UserError
from ...core.money import format_yuan
from ...core.verification_rules import load_verification_rules
from ...db.draws import StoredDraw
from ...services.problems import ProblemService
from ...services.spot_checks import SpotCheckItem, SpotCheckService, method_text, results, strata_text
from .. import messages
from ..forms import error_label, pick_table, show_error
from ..funds.entry_dialog import HINT_STYLE, date_edit, date_of
from .problems_view import ProblemsView

DRAW_COLUMNS = ("轮次", "抽取时间", "抽取人", "随机种子", "抽取方式", "抽取人数", "各单位抽取（抽取/人数）")
ITEM_COLUMNS = ("序号", "单位", "姓名", "手机号码", "金额（元）", "发放日期", "发放方式", "核实结果", "通话", "最近一次通话")
RESULT_COLUMN, LAST_COLUMN = 7, 9
MAX_DRAW_ROWS = 4
GOOD, BAD, UNANSWERED = QColor("#1e7b34"), QColor("#c0392b"), QColor("#b9770e")
READ_ONLY = "您的账号只能查看电话抽查；抽取和登记通话由经办人、审核人或管理员办理"


class _EnterRecords(QObject):
    """Enter in the result list or the note records the call, so a phone session needs no mouse."""

    def __init__(self, panel: SpotCheckPanel):
        super().__init__(panel)
        self.panel = panel

    def eventFilter(self, watched, event):  # noqa: N802 - Qt's name
        if event.type() == QEvent.KeyPress and event.key() in (Qt.Key_Return, Qt.Key_Enter):
            if not (isinstance(watched, QComboBox) and watched.view().isVisible()):
                self.panel.record_current()
                return True
        return False


def _cell(text: str, *, right: bool = False, color: QColor | None = None) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    if right:
        item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
    if color is not None:
        item.setForeground(color)
    return item


class SpotCheckPanel(QWidget):
    """One batch's spot checks; ``changed`` is emitted after a draw, a call or a resolved problem."""

    changed = Signal()

    def __init__(self, service: SpotCheckService, problems: ProblemService, batch_id: int,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.service, self.batch_id = service, batch_id
        self.rules = load_verification_rules()
        self._draws: list[StoredDraw] = []
        self._items: list[SpotCheckItem] = []
        self._unit_names: dict[str, str] = {}
        self._paid = False

        # -- drawing
        self.by_share = QRadioButton("按比例")
        self.by_count = QRadioButton("按人数")
        self.by_share.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.by_share)
        group.addButton(self.by_count)
        self.share = QSpinBox()
        self.share.setRange(1, 100)
        self.share.setSuffix(" %")
        self.share.setValue(int(self.rules.spot_check_share * 100))
        self.share.setToolTip(f"按比例抽取时至少抽 {self.rules.spot_check_minimum} 人（不足的全部抽取）")
        self.count = QSpinBox()
        self.count.setRange(1, 100_000)
        self.count.setSuffix(" 人")
        self.count.setValue(self.rules.spot_check_minimum)
        self.seed = QLineEdit()
        self.seed.setPlaceholderText("留空则随机抽取")
        self.seed.setToolTip("填入以前某次抽取的随机种子，可重现当次的抽查名单，供检查核对")
        self.seed.setMaxLength(40)
        self.seed.setMinimumWidth(120)
        self.draw_button = QPushButton("抽取")
        self.draw_button.clicked.connect(self.draw_sample)
        self.seed.returnPressed.connect(self.draw_sample)
        self.coverage = QLabel()
        self.coverage.setStyleSheet(HINT_STYLE)
        self.coverage.setWordWrap(True)   # on a small screen the figures take two lines rather than widen the window
        draw_bar = QHBoxLayout()
        for widget in (self.by_share, self.share, self.by_count, self.count):
            draw_bar.addWidget(widget)
        draw_bar.addSpacing(10)
        draw_bar.addWidget(QLabel("用种子重抽"))
        draw_bar.addWidget(self.seed)
        draw_bar.addWidget(self.draw_button)
        draw_bar.addSpacing(10)
        draw_bar.addWidget(self.coverage, 1)
        self.draw_error = error_label()

        self.draws_table = pick_table(DRAW_COLUMNS, stretch=6, min_width=60)
        self.draws_table.itemSelectionChanged.connect(self._draw_chosen)
        self.draws_table.setToolTip("选中一轮抽取，下面列出该轮抽到的人员")
        self.draws_table.verticalHeader().setDefaultSectionSize(self.draws_table.fontMetrics().height() + 8)

        # -- the lines of the chosen draw
        self.draw_facts = QLabel()
        self.draw_facts.setWordWrap(True)
        self.items_table = pick_table(ITEM_COLUMNS, stretch=LAST_COLUMN, min_width=44)
        self.items_table.itemSelectionChanged.connect(self._line_chosen)
        self.items_table.verticalHeader().setDefaultSectionSize(self.items_table.fontMetrics().height() + 10)
        self.print_button = QPushButton("打印抽查记录表…")
        self.export_button = QPushButton("导出Excel…")
        self.print_button.clicked.connect(self.print_call_sheet)
        self.export_button.clicked.connect(self.choose_export)
        facts_bar = QHBoxLayout()
        facts_bar.addWidget(self.draw_facts, 1)
        facts_bar.addWidget(self.print_button)
        facts_bar.addWidget(self.export_button)

        # -- logging a call
        self.current = QLabel("请选中要核实的人员")
        self.current.setMinimumWidth(200)
        self.result = QComboBox()
        self.result.addItems(results())
        self.note = QLineEdit()
        self.note.setPlaceholderText("备注：对方所述情况（金额不符、未收到时请写明）")
        self.note.setMaxLength(500)
        self.called_on = date_edit(service.db.clock.today())
        self.record_button = QPushButton("登记结果")
        self.record_button.clicked.connect(self.record_current)
        enter = _EnterRecords(self)
        self.result.installEventFilter(enter)
        self.note.installEventFilter(enter)
        entry = QHBoxLayout()
        entry.addWidget(self.current)
        entry.addWidget(QLabel("核实结果"))
        entry.addWidget(self.result)
        entry.addWidget(self.note, 1)
        entry.addWidget(QLabel("通话日期"))
        entry.addWidget(self.called_on)
        entry.addWidget(self.record_button)
        self.call_log = QLabel()
        self.call_log.setWordWrap(True)
        self.call_log.setStyleSheet(HINT_STYLE)
        self.record_error = error_label()

        lines_box = QWidget()
        lines_layout = QVBoxLayout(lines_box)
        lines_layout.setContentsMargins(0, 0, 0, 0)
        lines_layout.addLayout(facts_bar)
        lines_layout.addWidget(self.items_table, 1)
        lines_layout.addLayout(entry)
        lines_layout.addWidget(self.record_error)
        lines_layout.addWidget(self.call_log)

        # -- what the calls found
        self.problems = ProblemsView(service=problems, batch_id=batch_id)
        self.problems.changed.connect(self.changed)
        problems_box = QGroupBox("本批次发现的问题（金额不符、本人未收到须处理完毕并写明结果）")
        QVBoxLayout(problems_box).addWidget(self.problems)

        split = QSplitter(Qt.Vertical)
        split.setChildrenCollapsible(False)
        split.addWidget(lines_box)
        split.addWidget(problems_box)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 1)
        self.splitter = split

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(draw_bar)
        layout.addWidget(self.draw_error)
        layout.addWidget(self.draws_table)
        layout.addWidget(split, 1)
        self.reload()

    # ---- showing ----------------------------------------------------------------------------

    def reload(self, select_draw: int | None = None, select_row: int | None = None) -> None:
        """Read the draws, the chosen draw's lines and the problems again (keeping the choice unless given)."""
        if select_draw is None and self.selected_draw() is not None:
            select_draw = self.selected_draw().id
        try:
            batch = self.service.batch(self.batch_id)
            self._unit_names = self.service.unit_names()
            self._draws = self.service.draws(self.batch_id)
            cov = self.service.coverage(self.batch_id)
            found = self.service.discrepancies(self.batch_id)
        except UserError as err:
            show_error(self.draw_error, err)
            return
        self._paid = batch.status in PAID
        self.coverage.setText(f"已发放 {cov.lines} 人；已抽查 {cov.called} 人（{_percent(cov.share)}），"
                              f"接通核实 {cov.reached} 人，发现不一致 {found} 人" if self._paid
                              else f"批次处于“{batch.status}”状态，全部发放后才能电话抽查")
        self.draws_table.blockSignals(True)
        self.draws_table.clearSelection()
        self.draws_table.setRowCount(len(self._draws))
        for r, d in enumerate(self._draws):
            strata = strata_text(d.strata, self._unit_names)
            values = (f"第 {d.round_no} 轮", d.drawn_at.replace("T", " ")[:16], d.drawn_by, d.seed, method_text(d),
                      f"{d.size}/{d.population}", strata)
            for c, value in enumerate(values):
                item = _cell(value)
                if c == 6:
                    item.setToolTip(strata)
                self.draws_table.setItem(r, c, item)
        # As tall as its rows (a few rounds at most, then it scrolls): the lines get the rest of the height.
        shown = min(max(len(self._draws), 1), MAX_DRAW_ROWS)
        self.draws_table.setFixedHeight(self.draws_table.horizontalHeader().sizeHint().height() + 2
                                        + shown * self.draws_table.verticalHeader().defaultSectionSize()
                                        + 2 * self.draws_table.frameWidth())
        if self._draws:
            ids = [d.id for d in self._draws]
            self.draws_table.selectRow(ids.index(select_draw) if select_draw in ids else len(ids) - 1)  # latest round
        self.draws_table.blockSignals(False)
        self._show_items(select_row)
        self.problems.reload()
        self._update_controls()

    def _draw_chosen(self) -> None:
        self._show_items(select_row=0)

    def _show_items(self, select_row: int | None = None) -> None:
        """Show the chosen draw's lines, selecting ``select_row`` (else the row selected before)."""
        d = self.selected_draw()
        if d is None:
            self._items = []
            self.draw_facts.setText("还没有抽取。选择比例或人数后点“抽取”，系统按所属单位分层随机抽取，并记下随机种子。"
                                    if self._paid else "")
        else:
            try:
                self._items = self.service.items(d.id)
            except UserError as err:
                show_error(self.record_error, err)
                self._items = []
            done = sum(1 for i in self._items if i.result != "未抽查")
            self.draw_facts.setText(f"<b>第 {d.round_no} 轮</b>　随机种子 <b>{d.seed}</b>　{method_text(d)}，"
                                    f"抽取 {d.size}/{d.population} 人　已核实 {done}/{len(self._items)} 人")
        keep = select_row if select_row is not None else self.items_table.currentRow()
        self.items_table.blockSignals(True)
        self.items_table.clearSelection()
        self.items_table.setRowCount(len(self._items))
        for r, i in enumerate(self._items):
            last = i.last_call
            last_text = (f"{last.called_on.isoformat()} {last.result}（{last.called_by}）{last.note}"
                         if last else "")
            values = (str(i.position), i.unit_name, i.name, i.phone or "（无号码）", format_yuan(i.amount),
                      i.paid_on.isoformat() if i.paid_on else "", i.payment_method,
                      i.result if i.callable else f"{i.result}（已移出名单）", str(i.calls) if i.calls else "",
                      last_text)
            for c, value in enumerate(values):
                item = _cell(value, right=c == 4, color=self._color(i.result) if c == RESULT_COLUMN else None)
                if c == LAST_COLUMN and value:
                    item.setToolTip(value)
                self.items_table.setItem(r, c, item)
        self.items_table.blockSignals(False)
        if self._items:
            self.select_line(min(max(keep, 0), len(self._items) - 1))
        else:
            self._line_chosen()

    def _color(self, result: str) -> QColor | None:
        if result in self.rules.problem_results:
            return BAD
        if result in self.rules.unreachable_results:
            return UNANSWERED
        return GOOD if result != "未抽查" else None

    def _line_chosen(self) -> None:
        i = self.current_item()
        show_error(self.record_error, None)
        if i is None:
            self.current.setText("请选中要核实的人员" if self._items else "")
            self.call_log.clear()
        else:
            self.current.setText(f"<b>{i.name}</b>　{i.phone or '（无号码）'}　{format_yuan(i.amount)} 元")
            try:
                calls = self.service.calls(i.record_id)
            except UserError:
                calls = []
            self.call_log.setText("通话记录：" + "；".join(
                f"{c.called_on.isoformat()} {c.result}（{c.called_by}）{c.note}" for c in calls) if calls
                else f"{i.name}还没有通话记录。核实本人是否收到、金额和发放方式是否一致，然后登记结果。")
        self._update_controls()

    def _update_controls(self) -> None:
        may = self.service.may_check
        for widget in (self.by_share, self.by_count, self.share, self.count, self.seed, self.draw_button):
            widget.setEnabled(may and self._paid)
            widget.setToolTip(READ_ONLY if not may else "" if self._paid else "批次全部发放后才能抽查")
        i = self.current_item()
        can_record = may and i is not None and i.callable
        for widget in (self.result, self.note, self.called_on, self.record_button):
            widget.setEnabled(can_record)
        self.record_button.setToolTip(READ_ONLY if not may else "")
        has_draw = self.selected_draw() is not None
        self.print_button.setEnabled(has_draw)
        self.export_button.setEnabled(has_draw)

    # ---- reading the panel (tests, and the window around it) --------------------------------------

    def selected_draw(self) -> StoredDraw | None:
        rows = self.draws_table.selectionModel().selectedRows()
        return self._draws[rows[0].row()] if rows and rows[0].row() < len(self._draws) else None

    def select_draw(self, draw_id: int) -> bool:
        for r, d in enumerate(self._draws):
            if d.id == draw_id:
                self.draws_table.selectRow(r)
                return True
        return False

    def current_item(self) -> SpotCheckItem | None:
        selected = self.items_table.selectionModel().selectedRows()
        if not selected:
            return None
        row = selected[0].row()
        return self._items[row] if row < len(self._items) else None

    def select_line(self, row: int) -> None:
        self.items_table.setCurrentCell(row, 0)
        self.items_table.selectRow(row)

    def draw_rows(self) -> list[tuple[str, ...]]:
        return [tuple(self.draws_table.item(r, c).text() for c in range(len(DRAW_COLUMNS)))
                for r in range(self.draws_table.rowCount())]

    def item_rows(self) -> list[tuple[str, ...]]:
        return [tuple(self.items_table.item(r, c).text() for c in range(len(ITEM_COLUMNS)))
                for r in range(self.items_table.rowCount())]

    # ---- actions -------------------------------------------------------------------------------------

    def draw_sample(self) -> bool:
        """Draw by the share or count chosen (or repeat a seed); the new round is shown. True when drawn."""
        seed = self.seed.text().strip()
        share = Decimal(self.share.value()) / 100 if self.by_share.isChecked() else None
        count = self.count.value() if self.by_count.isChecked() else None
        try:
            result = self.service.draw(self.batch_id, share=share, count=count, seed=seed or None)
        except UserError as err:
            show_error(self.draw_error, err, {"share": self.share, "count": self.count, "seed": self.seed})
            return False
        show_error(self.draw_error, None)
        self.seed.clear()
        self.reload(select_draw=result.draw.id, select_row=0)
        self.result.setFocus()
        if result.repeats is not None:
            messages.info(self, f"用随机种子 {result.draw.seed} 重新抽取了 {result.draw.size} 人，"
                          + (f"与第 {result.repeats.round_no} 轮抽到的人员完全一致。" if result.identical else
                             f"与第 {result.repeats.round_no} 轮不完全一致：抽取方式不同，或批次的有效明细在此期间有变化。"))
        self.changed.emit()
        return True

    def record_current(self) -> bool:
        """Log the call about the selected line, then move to the next line. True when recorded."""
        i = self.current_item()
        if i is None:
            show_error(self.record_error, "请先在上面的名单中选中要登记的人员")
            return False
        d = self.selected_draw()
        row = self._items.index(i)
        try:
            done = self.service.record_call(i.record_id, result=self.result.currentText(), note=self.note.text(),
                                            called_on=date_of(self.called_on), draw_id=d.id if d else None)
        except UserError as err:
            show_error(self.record_error, err, {"result": self.result, "note": self.note,
                                                "called_on": self.called_on})
            return False
        self.note.clear()
        self.result.setCurrentIndex(0)
        last = row >= len(self._items) - 1
        self.reload(select_draw=d.id if d else None, select_row=row if last else row + 1)
        self.result.setFocus()
        if done.problem_opened:
            self.call_log.setText(f"已登记。{i.name}：{done.phone_check}，已列入下方“本批次发现的问题”，"
                                  "请跟进处理并写明处理结果。")
        elif last:
            self.call_log.setText("已登记。本轮名单已到最后一人。")
        self.changed.emit()
        return True

    # ---- the call sheet --------------------------------------------------------------------------------

    def write_call_sheet(self, path: str | Path) -> int:
        """Write the chosen draw's 电话抽查记录表 as a PDF at ``path`` (on this thread); returns its lines."""
        d = self.selected_draw()
        if d is None:
            raise UserError("请先抽取或选中一轮抽查")
        return self.service.write_call_sheet(d.id, path)

    def print_call_sheet(self) -> None:
        """Build the sheet off the GUI thread (its own connection), then show the print preview."""
        from ..worker import describe_error, run_with_progress

        d = self.selected_draw()
        if d is None:
            messages.info(self, "请先抽取或选中一轮抽查。")
            return
        title = f"电话抽查记录表（第{d.round_no}轮）"
        out = Path(tempfile.mkdtemp(prefix="aiddesk-print-")) / f"{title}.pdf"
        db, actor, draw_id = self.service.db, self.service.actor, d.id

        def job(report):
            worker_db = db.connect_for_thread()
            try:
                return SpotCheckService(worker_db, actor).write_call_sheet(
                    draw_id, out, progress=lambda n: report(n, d.size))
            finally:
                worker_db.close()

        run_with_progress(self, title=f"打印{title}", label=f"正在生成{title} …", job=job,
                          on_done=lambda _n: self.preview(out, title),
                          on_error=lambda err: messages.error(self, describe_error(err)))

    def preview(self, pdf: Path, title: str) -> None:
        from ..pdf_preview import PdfPreviewDialog  # QtPdf loads on first preview

        PdfPreviewDialog(pdf_path=pdf, title=title, parent=self).exec()

    def choose_export(self) -> None:
        d = self.selected_draw()
        if d is None:
            return
        suggested = str(Path.home() / f"电话抽查记录表_第{d.round_no}轮_{d.seed}.xlsx")
        path, _ = QFileDialog.getSaveFileName(self, "导出Excel", suggested, "Excel 工作簿 (*.xlsx)")
        if path:
            self.export_xlsx(Path(path))

    def export_xlsx(self, path: str | Path) -> bool:
        """Write the chosen draw's sheet as a workbook at ``path``; says what happened. True when written."""
        from ..worker import describe_error

        d = self.selected_draw()
        if d is None:
            messages.info(self, "请先抽取或选中一轮抽查。")
            return False
        path = Path(path)
        if path.suffix.lower() != ".xlsx":
            path = path.with_name(path.name + ".xlsx")
        try:
            count = self.service.export_call_sheet(d.id, path)
        except (UserError, OSError) as err:
            messages.error(self, describe_error(err))
            return False
        messages.info(self, f"已导出 {count} 人的电话抽查记录表：{path}")
        return True


def _percent(share: Decimal) -> str:
    return f"{(share * 100).quantize(Decimal('0.1'))}%"
