"""The shared column-mapping dialog: many fields scroll, so the dialog fits a laptop screen."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QScrollArea

from aiddesk.db.column_mappings import MappingField
from aiddesk.ui.verification.column_mapping_dialog import SCROLL_AFTER, ColumnMappingDialog


def dialog(qtbot, fields: int) -> ColumnMappingDialog:
    d = ColumnMappingDialog(headers=["编号", "户主"], fields=[MappingField(f"f{i}", f"第{i}项", i == 0)
                                                           for i in range(fields)], mapping={"f0": "户主"})
    qtbot.addWidget(d)
    d.show()
    return d


def test_an_archive_sheet_of_38_fields_scrolls_and_fits_the_screen(qtbot):
    d = dialog(qtbot, 38)
    scroll = d.findChild(QScrollArea)
    assert scroll is not None and len(scroll.widget().findChildren(QComboBox)) == 38
    assert d.height() <= 700
    assert d.mapping() == {"f0": "户主"}


def test_a_few_fields_need_no_scrolling(qtbot):
    d = dialog(qtbot, SCROLL_AFTER)
    assert d.findChild(QScrollArea) is None
    assert len(d.findChildren(QComboBox)) == SCROLL_AFTER
