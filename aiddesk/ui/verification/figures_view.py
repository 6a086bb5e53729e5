"""年度核查指标 (read-only): a year's SMS and call coverage, discrepancies, visits, satisfaction; per batch too."""

from __future__ import annotations


from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHBoxLayout, QLabel, QSpinBox, QTableWidgetItem, QVBoxLayout, QWidget

from ...core.errors import UserError
from ...db import Database
from ...services.verification_figures import BatchFigures, Ratio, YearFigures, verification_figures, year_batch_figures
from ..forms import pick_table

YEAR_COLUMNS = ("指标", "结果", "计算")
BATCH_COLUMNS = ("批次编号", "批次名称", "状态", "发放人次", "短信通知", "电话抽查", "核实问题率", "入户走访", "满意率",
                 "未处理问题")
HINT_STYLE = "color: #666666;"


def year_rows(f: YearFigures) -> list[tuple[str, str, str]]:
    """(指标, 结果, 计算) of a year, as shown and as the evaluation table will quote them."""
    def row(title: str, r: Ratio, how: str) -> tuple[str, str, str]:
        return title, r.percent(), f"{how}：{r.numerator} / {r.denominator}"

    return [
        row("短信通知覆盖率", f.sms, "已发送短信的人次 / 发放人次"),
        row("电话抽查覆盖率", f.spot_check, "已电话抽查的人次 / 发放人次"),
        row("电话核实问题率", f.discrepancy, "金额不符、本人未收到的人次 / 电话接通的人次"),
        row("入户走访覆盖率", f.home_visits, "当年走访的户数 / 在档户数"),
        row("满意率", f.satisfaction, "满意和基本满意的份数 / 收回的意见反馈表"),
        ("核查发现问题", f"{f.problems} 个", f"其中未处理 {f.open_problems} 个"),
    ]


def batch_row(b: BatchFigures) -> tuple[str, ...]:
    return (b.code, b.name, b.status, str(b.paid_lines), b.sms.text(), b.spot_check.text(), b.discrepancy.text(),
            b.home_visits.text(), b.satisfaction.text(), str(b.open_problems))


class FiguresView(QWidget):
    """Read-only; ``batch_requested`` when a batch's row is double-clicked."""

    batch_requested = Signal(int)

    def __init__(self, *, db: Database, parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self._batch_ids: list[int] = []
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(self.db.clock.today().year)
        self.year.setSuffix(" 年")
        bar = QHBoxLayout()
        bar.addWidget(QLabel("年度"))
        bar.addWidget(self.year)
        bar.addStretch(1)

        self.figures = pick_table(YEAR_COLUMNS, stretch=2, min_width=90)
        self.figures.setSelectionMode(QAbstractItemView.NoSelection)
        self.figures.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.note = QLabel("发放人次为当年发放的本单位有效帮扶明细；电话接通指结果不是“未接通”“号码错误”的抽查；"
                           "在档户数为年末（本年为今天）在档的档案数。")
        self.note.setWordWrap(True)
        self.note.setStyleSheet(HINT_STYLE)
        self.batches = pick_table(BATCH_COLUMNS, stretch=1, min_width=70)
        self.batches.setToolTip("双击打开该批次")
        self.batches.doubleClicked.connect(self._batch_clicked)
        self.batches_title = QLabel()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addLayout(bar)
        layout.addWidget(self.figures)
        layout.addWidget(self.note)
        layout.addWidget(self.batches_title)
        layout.addWidget(self.batches, 1)
        self.year.valueChanged.connect(self.reload)
        self.reload()

    def reload(self) -> None:
        year = self.year.value()
        try:
            figures = verification_figures(self.db, year)
            batches = year_batch_figures(self.db, year)
        except UserError as err:
            self.figures.setRowCount(0)
            self.batches.setRowCount(0)
            self.batches_title.setText(err.message)
            return
        rows = year_rows(figures)
        self.figures.setRowCount(len(rows))
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                cell = QTableWidgetItem(value)
                if c == 1:
                    cell.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.figures.setItem(r, c, cell)
        # Six rows, all shown: the batches below take the rest of the height.
        self.figures.setFixedHeight(self.figures.horizontalHeader().sizeHint().height()
                                    + self.figures.verticalHeader().length() + 2 * self.figures.frameWidth())
        paid = sum(b.paid_lines for b in batches)
        self.batches_title.setText(f"{year}年各批次（{len(batches)} 个已发放的批次，发放人次共 {paid}）" if batches
                                   else f"{year}年没有已发放的批次")
        self._batch_ids = [b.batch_id for b in batches]
        self.batches.setRowCount(len(batches))
        for r, b in enumerate(batches):
            for c, value in enumerate(batch_row(b)):
                cell = QTableWidgetItem(value)
                if c >= 3:
                    cell.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.batches.setItem(r, c, cell)

    def year_rows(self) -> list[tuple[str, ...]]:
        return [tuple(self.figures.item(r, c).text() for c in range(self.figures.columnCount()))
                for r in range(self.figures.rowCount())]

    def batch_rows(self) -> list[tuple[str, ...]]:
        return [tuple(self.batches.item(r, c).text() for c in range(self.batches.columnCount()))
                for r in range(self.batches.rowCount())]

    def _batch_clicked(self, index) -> None:
        if 0 <= index.row() < len(self._batch_ids):
            self.batch_requested.emit(self._batch_ids[index.row()])
