"""The centre's 跨单位重复 view: grouped by ID number, filtered by kind, double-click opens, export to Excel."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt

from aiddesk.core.pinyin import pinyin_keys
from aiddesk.db import households as household_repo
from aiddesk.services.archive import ArchiveService
from aiddesk.ui.exchange.duplicates_view import DuplicatesView

STAMP = "2015-12-31 10:00:00"


def batch_with(db, unit: str, code: str, household_id: int, name: str, number: str, amount: str) -> int:
    with db.transaction() as conn:
        batch_id = conn.execute(
            "INSERT INTO batches (code, name, activity, year, unit_code, status, clerk, created_at, updated_at)"
            " VALUES (?, ?, '生活救助', 2015, ?, '已发放', '经办人', ?, ?)",
            (code, f"{unit}送温暖", unit, STAMP, STAMP)).lastrowid
        conn.execute(
            "INSERT INTO aid_records (record_no, batch_id, household_id, recipient_name, recipient_id_number,"
            " aid_category, fund_source, amount_fen, paid_on, created_by, created_at)"
            " VALUES (?, ?, ?, ?, ?, '生活救助', '省财政', ?, '2015-12-18', '经办人', ?)",
            (f"{code}-0001", batch_id, household_id, name, number, int(Decimal(amount) * 100), STAMP))
    return batch_id


@pytest.fixture
def centre(db, actor, make_household):
    """张三 (no members) open in 460001 and 460002; 李梅 aided 生活救助 in 2015 by both."""
    archive = ArchiveService(db, actor)
    zhang = archive.get(archive.save(make_household(1, name="张三", members=0)).household_id)
    copy = replace(zhang, id=None, unit_code="460002", archive_no="460002-2015-0001", members=[])
    initials, full = pinyin_keys(copy.name)
    with db.transaction() as conn:
        copy_id = household_repo.insert_household(conn, copy, initials=initials, pinyin=full, updated_at=STAMP)
    li = archive.get(archive.save(make_household(5, name="李梅", members=0)).household_id)
    a = batch_with(db, "460001", "460001-2015-SH01", li.id, "李梅", li.id_number, "800.00")
    b = batch_with(db, "460002", "460002-2015-SH01", li.id, "李梅", li.id_number, "500.00")
    return {"zhang": zhang, "copy": copy_id, "li": li, "batches": (a, b)}


@pytest.fixture
def view(qtbot, db, actor, centre):
    v = DuplicatesView(db=db, actor=actor)
    qtbot.addWidget(v)
    v.year.setValue(2015)
    return v


def texts(item) -> list[str]:
    return [item.text(c) for c in range(item.columnCount())]


def test_shows_both_kinds_grouped_by_id(view, centre):
    tree = view.tree
    assert tree.topLevelItemCount() == 2
    first, second = tree.topLevelItem(0), tree.topLevelItem(1)
    assert (first.text(0), first.text(1), first.childCount()) == (centre["zhang"].id_number, "在档重复", 2)
    assert (second.text(0), second.text(1), second.text(5)) == (centre["li"].id_number, "重复救助", "生活救助")
    assert texts(first.child(1))[:3] == ["省旅游工会（460002）", "", "460002-2015-0001"]
    assert texts(second.child(0))[3:8] == ["460001-2015-SH01-0001", "李梅", "生活救助", "800.00", "2015-12-18"]
    assert texts(second.child(1))[6] == "500.00"
    assert view.status.text() == "2015年：在档重复 1 人（未处理 1），重复救助 1 项（未处理 1）"


def test_filter_by_kind_and_year(view, centre):
    view.kind.setCurrentText("重复救助")
    assert view.tree.topLevelItemCount() == 1 and view.tree.topLevelItem(0).text(1) == "重复救助"
    view.kind.setCurrentText("全部")
    view.year.setValue(2016)  # no aid in 2016: only the archives' duplicate remains
    assert [view.tree.topLevelItem(i).text(1) for i in range(view.tree.topLevelItemCount())] == ["在档重复"]


def test_double_click_emits_the_household_or_the_batch(view, qtbot, centre):
    archive_entry = view.tree.topLevelItem(0).child(1)
    with qtbot.waitSignal(view.household_requested) as opened:
        view.tree.itemDoubleClicked.emit(archive_entry, 0)
    assert opened.args == [centre["copy"]]
    aid_entry = view.tree.topLevelItem(1).child(1)
    with qtbot.waitSignal(view.batch_requested) as opened:
        view.tree.itemDoubleClicked.emit(aid_entry, 0)
    assert opened.args == [centre["batches"][1]]
    # A group's own row opens nothing.
    with qtbot.assertNotEmitted(view.batch_requested), qtbot.assertNotEmitted(view.household_requested):
        view.tree.itemDoubleClicked.emit(view.tree.topLevelItem(1), 0)


def test_double_click_with_the_mouse(view, qtbot, centre):
    view.show()
    qtbot.waitExposed(view)
    tree = view.tree
    entry = tree.topLevelItem(1).child(0)
    tree.scrollToItem(entry)
    at = tree.visualItemRect(entry).center()
    with qtbot.waitSignal(view.batch_requested, timeout=2000) as opened:
        qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=at)  # a real double-click starts so
        qtbot.mouseDClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=at)
    assert opened.args == [centre["batches"][0]]


def test_export_writes_the_rows_shown(view, tmp_path, centre):
    out = tmp_path / "重复.xlsx"
    assert view.export_xlsx(out) == 4
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert [r[:3] for r in rows[1:]] == [(centre["zhang"].id_number, "在档重复", "460001"),
                                         (centre["zhang"].id_number, "在档重复", "460002"),
                                         (centre["li"].id_number, "重复救助", "460001"),
                                         (centre["li"].id_number, "重复救助", "460002")]
    view.kind.setCurrentText("在档重复")
    assert view.export_xlsx(out) == 2


def test_an_office_without_duplicates(qtbot, db, actor):
    v = DuplicatesView(db=db, actor=actor)
    qtbot.addWidget(v)
    v.year.setValue(2015)
    assert v.tree.topLevelItemCount() == 0 and v.status.text() == "2015年未发现跨单位重复"
    assert not v.export_button.isEnabled()
