"""Reading sheets ahead on a worker thread: the same rows as calamine gives, in any order, and clear failures."""

from __future__ import annotations

import threading
import zipfile
from dataclasses import replace

import pytest
from openpyxl import Workbook as OpenpyxlWorkbook
from python_calamine import CalamineWorkbook

from aiddesk.exchange.sheet_reader import TooLarge, Unreadable, _ReadAhead, read_limits, read_workbook

NAMES = ["说明", "单位", "困难职工档案", " 家庭成员 ", "帮扶明细"]


@pytest.fixture
def book(tmp_path):
    path = tmp_path / "book.xlsx"
    wb = OpenpyxlWorkbook()
    wb.remove(wb.active)
    for k, name in enumerate(NAMES):
        ws = wb.create_sheet(name)
        ws.append(["编号", "姓名", "金额"])
        for i in range(50 * (k + 1)):
            ws.append([f"{name.strip()}-{i}", f"某{i}", i * 1.5])
    wb.save(path)
    return path


def expected(path, name):
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python(skip_empty_area=False)


def loaders(workbook):
    return {name: load for name, _start, load in workbook.sheets}


@pytest.mark.parametrize("ahead_cells", [0, 100, 10_000_000])
def test_sheets_loaded_in_the_planned_order_are_calamines_rows(book, monkeypatch, ahead_cells):
    monkeypatch.setattr("aiddesk.exchange.sheet_reader.AHEAD_CELLS", ahead_cells)
    with read_workbook(book) as workbook:
        assert [name for name, _s, _l in workbook.sheets] == [n.strip() for n in NAMES]  # names trimmed
        load = loaders(workbook)
        workbook.plan([n.strip() for n in NAMES])
        for name in NAMES:
            assert load[name.strip()]() == expected(book, name)


def test_sheets_asked_for_out_of_turn_or_twice_are_read_all_the_same(book):
    with read_workbook(book) as workbook:
        load = loaders(workbook)
        workbook.plan(["说明", "单位", "困难职工档案"])  # then asked for in another order, and for unplanned ones
        got = {}

        def read_all():
            for name in ["帮扶明细", "单位", "家庭成员", "说明", "困难职工档案", "单位"]:
                got[name] = load[name]()

        reader = threading.Thread(target=read_all)
        reader.start()
        reader.join(timeout=30)
        assert not reader.is_alive(), "a load waited forever"
        for name in NAMES:
            assert got[name.strip()] == expected(book, name)


def test_the_worker_stops_reading_ahead_at_its_limit(book):
    wb = CalamineWorkbook.from_path(str(book))
    ahead = _ReadAhead(wb, book, ahead_cells=1)
    try:
        ahead.plan(["说明", "单位", "困难职工档案"])
        with ahead._cond:
            assert ahead._cond.wait_for(lambda: ahead._ready and ahead._busy is None, timeout=30)
        threading.Event().wait(0.3)  # time to read on, were it allowed to
        with ahead._cond:
            assert list(ahead._ready) == ["说明"], "read past its limit"
        assert ahead.load("说明") == expected(book, "说明")
        assert ahead.load("单位") == expected(book, "单位")
    finally:
        ahead.close()
    ahead._thread.join(timeout=30)
    assert not ahead._thread.is_alive(), "close() left the worker running"
    with pytest.raises(Exception):  # noqa: B017 - calamine's own kind: the file was let go
        wb.get_sheet_by_name("单位")


def test_a_workbook_never_read_is_let_go_on_close(book):
    wb = CalamineWorkbook.from_path(str(book))
    _ReadAhead(wb, book).close()
    with pytest.raises(Exception):  # noqa: B017 - as above
        wb.get_sheet_by_name("单位")


def test_a_damaged_sheet_is_unreadable_when_loaded(book, tmp_path):
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(book) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet3.xml":
                data = data[: len(data) // 2]  # cut off mid-element
            dst.writestr(item, data)
    with read_workbook(broken) as workbook:
        load = loaders(workbook)
        workbook.plan([n.strip() for n in NAMES])
        assert load["单位"]() == expected(book, "单位")
        with pytest.raises(Unreadable, match="文件已损坏"):
            load["困难职工档案"]()


def test_not_a_workbook_and_no_file(tmp_path):
    bad = tmp_path / "note.xlsx"
    bad.write_text("这不是工作簿", encoding="utf-8")
    with pytest.raises(Unreadable, match="无法打开“note.xlsx”"):
        read_workbook(bad)
    with pytest.raises(Unreadable, match="找不到文件"):
        read_workbook(tmp_path / "gone.xlsx")


def test_a_sheet_past_the_limits_never_becomes_python_objects(book):
    """The last guard: whatever got a sheet this far, one over the limits is refused before to_python."""
    wb = CalamineWorkbook.from_path(str(book))
    ahead = _ReadAhead(wb, book, lim=replace(read_limits(), max_cells_per_sheet=100))
    try:
        with pytest.raises(TooLarge, match="51行×3列，超过100个单元格"):
            ahead.load("说明")  # a header and 50 rows of 3 columns
    finally:
        ahead.close()
