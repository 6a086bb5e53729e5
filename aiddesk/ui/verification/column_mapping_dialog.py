"""对应列: which column of another program's file holds which of our fields, chosen by the user per field."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDialog, QFrame, QGridLayout, QGroupBox,
                               QHeaderView, QLabel, QScrollArea, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from ...db.column_mappings import MappingField
from ..forms import error_label, ok_cancel, show_error

HINT_STYLE = "color: #666666;"
NONE = "（不导入）"
SAMPLE_ROWS = 5
SCROLL_AFTER = 12  # fields; more go into a scroll area


class ColumnMappingDialog(QDialog):
    """One drop-down per field, offering the file's headers; a few rows of the file show what each column holds.

    ``mapping`` (field → header) is what was remembered or guessed; ``mapping()`` is what the user confirmed.
    """

    def __init__(self, *, headers: Sequence[str], fields: Sequence[MappingField], mapping: dict[str, str],
                 sample_rows: Sequence[Sequence[str]] = (), title: str = "选择对应的列", intro: str = "",
                 ok_text: str = "确定", parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(760, 460)
        self.headers, self.fields = list(headers), list(fields)

        text = QLabel(intro or "请为下面每一项选择文件中对应的列（带 * 的必须选择）。下方是文件的前几行，供对照。")
        text.setWordWrap(True)
        text.setStyleSheet(HINT_STYLE)

        self.choices: dict[str, QComboBox] = {}
        grid = QGridLayout()
        for row, f in enumerate(self.fields):
            combo = QComboBox()
            combo.addItem(NONE, "")
            for header in self.headers:
                combo.addItem(header, header)
            index = combo.findData(mapping.get(f.key, ""))
            combo.setCurrentIndex(max(index, 0))
            combo.setMinimumContentsLength(14)
            combo.currentIndexChanged.connect(lambda _i: show_error(self.error, None))
            self.choices[f.key] = combo
            grid.addWidget(QLabel(f"{f.label}{'*' if f.required else ''}"), row, 0)
            grid.addWidget(combo, row, 1)
        grid.setColumnStretch(2, 1)
        box = QGroupBox("对应关系")
        box.setLayout(grid)

        self.sample = QTableWidget(0, len(self.headers))
        self.sample.setHorizontalHeaderLabels(self.headers)
        self.sample.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.sample.setSelectionMode(QAbstractItemView.NoSelection)
        self.sample.verticalHeader().setVisible(False)
        self.sample.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.sample.horizontalHeader().setStretchLastSection(True)
        rows = list(sample_rows)[:SAMPLE_ROWS]
        self.sample.setRowCount(len(rows))
        for r, values in enumerate(rows):
            for c, value in enumerate(list(values)[:len(self.headers)]):
                self.sample.setItem(r, c, QTableWidgetItem(str(value)))
        sample_box = QGroupBox("文件内容（前几行）")
        QVBoxLayout(sample_box).addWidget(self.sample)

        self.remember_box = QCheckBox("记住这个对应关系，下次导入同样的文件时自动选好")
        self.remember_box.setChecked(True)
        self.error = error_label()
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        if len(self.fields) > SCROLL_AFTER:  # an archive sheet has 38 columns: keep the dialog on a laptop screen
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QFrame.NoFrame)
            scroll.setWidget(box)
            layout.addWidget(scroll, 2)
            self.resize(760, 640)
        else:
            layout.addWidget(box)
        layout.addWidget(sample_box, 1)
        layout.addWidget(self.remember_box)
        layout.addWidget(self.error)
        layout.addWidget(ok_cancel(self, ok_text))

    def choose(self, field: str, header: str) -> None:
        """Pick ``header`` (or "" for none) for ``field``."""
        combo = self.choices[field]
        combo.setCurrentIndex(max(combo.findData(header), 0))

    def mapping(self) -> dict[str, str]:
        """field → header of the fields given a column."""
        return {key: combo.currentData() for key, combo in self.choices.items() if combo.currentData()}

    @property
    def remember(self) -> bool:
        return self.remember_box.isChecked()

    def problem(self) -> str | None:
        chosen = self.mapping()
        missing = [f.label for f in self.fields if f.required and f.key not in chosen]
        if missing:
            return f"请为“{'”“'.join(missing)}”选择文件中对应的列"
        labels = {f.key: f.label for f in self.fields}
        for header in dict.fromkeys(chosen.values()):
            keys = [k for k, h in chosen.items() if h == header]
            if len(keys) > 1:
                return f"“{header}”这一列同时选给了“{'”“'.join(labels[k] for k in keys)}”，每列只能对应一项"
        return None

    def try_accept(self) -> bool:
        problem = self.problem()
        if problem:
            show_error(self.error, problem)
            return False
        self.accept()
        return True
