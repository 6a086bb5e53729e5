"""The unit tree (本单位 and its sub-units): view, add, edit and delete units."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QDialog, QFormLayout, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
                               QPushButton, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

from ...core.codes import code_list
from ...core.errors import UserError
from ...db import Database
from ...db import units as unit_repo
from ...db.audit import Actor
from ...db.units import Unit
from ...services import units as unit_service
from ..forms import error_label, ok_cancel, show_error
from ..messages import ask

CODE_ROLE = Qt.UserRole


def _next_level(level: str | None) -> str:
    """The level one step below ``level`` (基层 stays 基层); the top level when there is no parent."""
    levels = code_list("unit_level")
    if level not in levels:
        return levels[0]
    return levels[min(levels.index(level) + 1, len(levels) - 1)]


class UnitEditDialog(QDialog):
    """Add or edit one unit; ``try_accept`` saves through the units service and reports success."""

    def __init__(self, *, db: Database, actor: Actor, unit: Unit | None = None, parent_code: str | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.db, self.actor, self.unit = db, actor, unit
        self.is_new = unit is None
        units = unit_repo.all_units(db.conn)
        self.first_unit = self.is_new and not units
        own_edit = unit is not None and unit.is_own
        if self.first_unit:
            self.setWindowTitle("新增本单位")
        else:
            self.setWindowTitle("新增下级单位" if self.is_new else f"修改单位 — {unit.name}")
        self.setMinimumWidth(420)

        self.code = QLineEdit(unit.code if unit else "")
        self.code.setReadOnly(not self.is_new)
        self.code.setPlaceholderText("例如 460001")
        self.name = QLineEdit(unit.name if unit else "")
        self.level = QComboBox()
        self.level.addItems(code_list("unit_level"))
        self.parent_unit = QComboBox()
        self.parent_unit.setSizeAdjustPolicy(QComboBox.AdjustToContents)
        if self.first_unit or own_edit:
            self.parent_unit.addItem("（无，本单位是最上级）", None)
            self.parent_unit.setEnabled(False)
        else:
            excluded = set(unit_repo.subtree_codes(db.conn, unit.code)) if unit else set()
            for u in units:
                if u.code not in excluded:
                    self.parent_unit.addItem(f"{u.name}（{u.code}）", u.code)
            wanted = unit.parent_code if unit else parent_code
            index = self.parent_unit.findData(wanted)
            self.parent_unit.setCurrentIndex(max(index, 0))
        if unit:
            self.level.setCurrentText(unit.level)
        else:
            parent_unit = next((u for u in units if u.code == self.parent_unit.currentData()), None)
            self.level.setCurrentText(_next_level(parent_unit.level if parent_unit else None))

        layout = QVBoxLayout(self)
        form = QFormLayout()
        form.addRow("代码", self.code)
        form.addRow("名称", self.name)
        form.addRow("层级", self.level)
        form.addRow("上级单位", self.parent_unit)
        layout.addLayout(form)
        self.error = error_label()
        layout.addWidget(self.error)
        layout.addWidget(ok_cancel(self, "保存"))
        self.fields = {"code": self.code, "name": self.name, "level": self.level, "parent_code": self.parent_unit}
        (self.code if self.is_new else self.name).setFocus()

    def result_unit(self) -> Unit:
        """The unit as filled in on the form (not yet checked or saved)."""
        return Unit(code=self.code.text(), name=self.name.text(), level=self.level.currentText(),
                    parent_code=self.parent_unit.currentData())

    def try_accept(self) -> bool:
        """Save; on a problem show it under the form and stay open."""
        unit = self.result_unit()
        try:
            unit_service.save_unit(self.db, self.actor, unit, new=self.is_new)
        except UserError as err:
            show_error(self.error, err, self.fields)
            return False
        self.unit = unit
        show_error(self.error, None)
        self.accept()
        return True


class UnitsDialog(QDialog):
    """The office's unit tree with buttons to add a sub-unit, edit and delete."""

    def __init__(self, *, db: Database, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.setWindowTitle("单位管理")
        self.resize(640, 460)

        self.tree = QTreeWidget()
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["代码", "名称", "层级"])
        self.tree.setSelectionMode(QTreeWidget.SingleSelection)
        self.tree.setUniformRowHeights(True)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(72)
        header.setSectionResizeMode(0, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeToContents)
        self.tree.itemSelectionChanged.connect(self._update_buttons)
        self.tree.itemDoubleClicked.connect(lambda *_: self.edit_unit())

        self.add_button = QPushButton("新增下级单位")
        self.edit_button = QPushButton("修改")
        self.delete_button = QPushButton("删除")
        self.close_button = QPushButton("关闭")
        self.add_button.clicked.connect(self.add_unit)
        self.edit_button.clicked.connect(self.edit_unit)
        self.delete_button.clicked.connect(self.delete_unit)
        self.close_button.clicked.connect(self.reject)
        self.close_button.setAutoDefault(False)

        buttons = QHBoxLayout()
        for button in (self.add_button, self.edit_button, self.delete_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tree)
        self.hint = QLabel("还没有登记任何单位。请先点“新增本单位”，登记本工会（本单位）。")
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        self.error = error_label()
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.reload()

    # -- showing -------------------------------------------------------------

    def reload(self, select_code: str | None = None) -> None:
        """Rebuild the tree from the database, keeping (or moving) the selection."""
        select_code = select_code or self.selected_code()
        units = unit_repo.all_units(self.db.conn)
        children: dict[str | None, list[Unit]] = {}
        for u in units:
            children.setdefault(u.parent_code, []).append(u)
        self.tree.clear()
        items: dict[str, QTreeWidgetItem] = {}

        def add(unit: Unit, parent_item: QTreeWidgetItem | None) -> None:
            text = [unit.code, unit.name + ("（本单位）" if unit.is_own else ""), unit.level]
            item = QTreeWidgetItem(text)
            item.setData(0, CODE_ROLE, unit.code)
            if parent_item is None:
                self.tree.addTopLevelItem(item)
            else:
                parent_item.addChild(item)
            items[unit.code] = item
            for child in children.get(unit.code, []):
                if child.code not in items:
                    add(child, item)

        for u in units:  # own unit first, then anything not reachable from it
            if u.code not in items and (u.is_own or u.parent_code not in {x.code for x in units}):
                add(u, None)
        self.tree.expandAll()
        if select_code in items:
            self.tree.setCurrentItem(items[select_code])
        self.add_button.setText("新增下级单位" if units else "新增本单位")
        self.hint.setVisible(not units)
        self._update_buttons()

    def selected_code(self) -> str | None:
        item = self.tree.currentItem()
        return item.data(0, CODE_ROLE) if item is not None and item.isSelected() else None

    def _selected_unit(self) -> Unit | None:
        code = self.selected_code()
        return unit_repo.get_unit(self.db.conn, code) if code else None

    def _update_buttons(self) -> None:
        unit = self._selected_unit()
        self.edit_button.setEnabled(unit is not None)
        self.delete_button.setEnabled(unit is not None and not unit.is_own)

    # -- actions -------------------------------------------------------------

    def run_dialog(self, dialog: QDialog) -> bool:
        """Show a sub-dialog modally (freed once control returns to Qt); tests replace this to fill the form."""
        accepted = dialog.exec() == QDialog.Accepted
        dialog.deleteLater()  # the caller still reads its fields before control returns to Qt
        return accepted

    def confirm(self, text: str) -> bool:
        """Ask before deleting; tests replace this."""
        return ask(self, text, title="删除单位", yes_text="删除")

    def make_add_dialog(self) -> UnitEditDialog:
        """The form for a new unit below the selected one (or below 本单位; or 本单位 itself on an empty database)."""
        parent_code = self.selected_code()
        if parent_code is None:
            own = unit_repo.own_unit(self.db.conn)
            parent_code = own.code if own else None
        return UnitEditDialog(db=self.db, actor=self.actor, parent_code=parent_code, parent=self)

    def add_unit(self) -> None:
        show_error(self.error, None)
        dialog = self.make_add_dialog()
        if self.run_dialog(dialog):
            self.reload(dialog.unit.code)

    def edit_unit(self) -> None:
        show_error(self.error, None)
        unit = self._selected_unit()
        if unit is None:
            return
        dialog = UnitEditDialog(db=self.db, actor=self.actor, unit=unit, parent=self)
        if self.run_dialog(dialog):
            self.reload(unit.code)

    def delete_unit(self) -> None:
        show_error(self.error, None)
        unit = self._selected_unit()
        if unit is None:
            return
        if not self.confirm(f"确定要删除单位“{unit.name}”（{unit.code}）吗？删除后不能恢复。"):
            return
        try:
            unit_service.delete_unit(self.db, self.actor, unit.code)
        except UserError as err:
            show_error(self.error, err)
            return
        self.reload(unit.parent_code)
