"""选择台账 step of 导入旧台账: the books chosen and what the check of each said."""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from ...forms import error_label
from ..import_wizard import IMPORT_PRIVACY
from .books import LedgerFile

INTRO = ("把本单位以前用 Excel 记的台账（帮扶台账、发放表、花名册）照原样导入，不用重新录入：标题行、填报单位行、"
         "两行合并表头、合计行和签字行都可以，程序自动找出表头和各列，下一步可以逐表核对、改正。\n"
         "每张表的合计行都会核对：导入的金额与台账合计不一致的不能导入。同一人按身份证号只建一份档案；"
         "已在档案中的人，明细记入原档案，档案不改动。再次导入同一本台账不会重复；改正后的台账再导入，"
         "以改正后的为准。每本台账或者全部导入，或者一行也不导入，导入前自动备份数据库。")
_NOTICE_STYLE = "color: #8a5300; background: #fff6e0; padding: 6px;"
_RED = QColor("#c0392b")


class ChooseStep(QWidget):
    """The list of books (文件, 检查结果) with 添加台账… and 移除; the wizard connects the buttons."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        intro = QLabel(INTRO)
        intro.setWordWrap(True)
        self.add_button = QPushButton("添加台账…")
        self.remove_button = QPushButton("移除")
        self.remove_button.setToolTip("从列表中去掉选中的台账（不删除文件本身）")
        tools = QHBoxLayout()
        for button in (self.add_button, self.remove_button):
            button.setAutoDefault(False)
            tools.addWidget(button)
        tools.addStretch(1)
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["台账文件", "检查结果"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.Interactive)
        self.table.horizontalHeader().resizeSection(0, 380)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.error = error_label()
        notice = QLabel(IMPORT_PRIVACY)
        notice.setWordWrap(True)
        notice.setStyleSheet(_NOTICE_STYLE)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(intro)
        layout.addLayout(tools)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.error)
        layout.addWidget(notice)

    def show_files(self, files: list[LedgerFile]) -> None:
        self.table.setRowCount(len(files))
        for r, f in enumerate(files):
            name = QTableWidgetItem(f.name)
            name.setToolTip(str(f.path))
            state = QTableWidgetItem(f.state_text())
            state.setToolTip(state.text())
            if f.problem or f.locked or (f.report is not None and f.report.errors):
                state.setForeground(_RED)
            self.table.setItem(r, 0, name)
            self.table.setItem(r, 1, state)

    def selected_rows(self) -> set[int]:
        return {index.row() for index in self.table.selectionModel().selectedRows()}
