"""完成 step of 导入旧台账: what each book made, with buttons that open it — the new archives, the batches."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QGroupBox, QHBoxLayout, QLabel, QPushButton, QScrollArea, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from ...forms import pick_table
from .books import CANCELLED, FAILED, IMPORTED, REFUSED, SKIPPED, LedgerFile, Outcome, archive_filter, yuan
from .preview_step import BATCH_COLUMNS

NOT_WRITTEN = {CANCELLED: "已取消，这本台账没有导入任何内容", SKIPPED: "因取消没有导入"}


def outcome_text(outcome: Outcome) -> str:
    """What one book came to, in a sentence or two."""
    if outcome.state == IMPORTED:
        numbers = sorted(outcome.new_archives)
        made = (f"新建档案 {len(numbers)} 户（{numbers[0]}" + (f" 至 {numbers[-1]}" if len(numbers) > 1 else "") + "）"
                if numbers else "没有新建档案")
        matched = f"，已有档案 {outcome.matched} 户记入明细" if outcome.matched else ""
        text = (f"已导入：{made}{matched}，家庭成员 {outcome.members} 人；"
                f"帮扶批次 {len(outcome.batches)} 个，帮扶明细 {outcome.lines} 人次，共 {yuan(outcome.amount)} 元。")
        if outcome.removed:
            text += f"以前导入、这次已没有的记录已删除：{outcome.removed}。"
        if outcome.late:
            text += "点“取消”时这本已经写完，无法取消。"
        return text
    if outcome.state == REFUSED:
        first = outcome.errors[0] if outcome.errors else None
        where = "".join(p for p in (first.sheet, f"第{first.row}行" if first.row else "") if p) if first else ""
        return (f"没有导入：导入前再次检查发现 {len(outcome.errors)} 处错误" +
                (f"（{where}：{first.message}）" if first else "") + "。请改正后重新导入")
    if outcome.state == FAILED:
        return f"没有导入：{outcome.reason}"
    return NOT_WRITTEN.get(outcome.state, "")


class BookResult(QGroupBox):
    """One book's outcome; an imported one lists its batches (double-click opens one) and has the buttons."""

    def __init__(self, f: LedgerFile, step: DoneStep):
        super().__init__(f.name)
        outcome = f.outcome
        self.label = QLabel(outcome_text(outcome))
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        if outcome.state != IMPORTED:
            self.label.setStyleSheet("color: #c0392b;" if outcome.state in (REFUSED, FAILED) else "color: #777777;")
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        self.archive_button = self.batches_button = None
        self.batch_table = None
        if outcome.state != IMPORTED:
            return
        self.batch_table = pick_table(BATCH_COLUMNS, stretch=0)
        self.batch_table.setRowCount(len(outcome.batches))
        for r, b in enumerate(outcome.batches):
            for c, value in enumerate((b.name, b.category, b.month, b.lines, yuan(b.amount))):
                item = QTableWidgetItem(str(value))
                if c in (3, 4):
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.batch_table.setItem(r, c, item)
        self.batch_table.setToolTip("双击一行打开这个批次")
        self.batch_table.verticalHeader().setDefaultSectionSize(24)
        self.batch_table.setMaximumHeight(self.batch_table.horizontalHeader().sizeHint().height() + 4
                                          + 24 * min(max(len(outcome.batches), 1), 6))
        self.batch_table.doubleClicked.connect(
            lambda index: step.batch_requested.emit(outcome.batches[index.row()].code))
        caption = QLabel("这本台账导入的帮扶批次（已发放），双击一行打开：")
        caption.setStyleSheet("color: #666666;")
        layout.addWidget(caption)
        layout.addWidget(self.batch_table)
        numbers = outcome.new_archives
        self.archive_button = QPushButton(f"在档案中查看新建的 {len(numbers)} 户")
        self.archive_button.setEnabled(bool(numbers))
        self.archive_button.clicked.connect(lambda: step.archive_requested.emit(archive_filter(numbers)))
        years = sorted({b.year for b in outcome.batches if b.year})
        self.batches_button = QPushButton(f"查看{years[-1]}年的帮扶批次" if years else "查看帮扶批次")
        self.batches_button.setEnabled(bool(years))
        self.batches_button.clicked.connect(lambda: step.batches_requested.emit(years[-1]))
        buttons = QHBoxLayout()
        buttons.addWidget(self.archive_button)
        buttons.addWidget(self.batches_button)
        buttons.addStretch(1)
        for button in (self.archive_button, self.batches_button):
            button.setAutoDefault(False)
        layout.addLayout(buttons)


class DoneStep(QWidget):
    """Every book of the run; the buttons' signals go to the main window (the wizard closes)."""

    archive_requested = Signal(object)   # a HouseholdFilter showing the new households
    batch_requested = Signal(str)        # a batch's code (double-click in a book's list)
    batches_requested = Signal(int)      # the batch list of a year

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.heading.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.inner = QWidget()
        self.inner_layout = QVBoxLayout(self.inner)
        self.inner_layout.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.inner)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(scroll, 1)
        self.books: list[BookResult] = []

    def show_outcomes(self, files: list[LedgerFile]) -> None:
        for box in self.books:
            box.deleteLater()
        self.books = [BookResult(f, self) for f in files if f.outcome is not None]
        for box in self.books:
            self.inner_layout.addWidget(box)
        self.inner_layout.addStretch(1)
        written = sum(f.outcome.state == IMPORTED for f in files if f.outcome is not None)
        others = len(self.books) - written
        self.heading.setText(
            f"导入完成：{written} 本台账已导入" + (f"，{others} 本没有导入（原因见下）" if others else "") +
            "。导入前已自动备份数据库，导入已记入操作日志。台账含有个人信息，请从U盘等介质上删除这些文件。")
