"""文件 → 导入多个交换表…: the centre takes in its units' real workbooks in one run, each all or nothing."""

from __future__ import annotations

import gc
import shutil
import threading
import weakref
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QPushButton

from aiddesk.core.clock import FixedClock
from aiddesk.db import open_database
from aiddesk.db.audit import Actor
from aiddesk.db.backup import backups_in
from aiddesk.db.settings import set_dibao_line
from aiddesk.db.units import Unit
from aiddesk.db.users import find_user
from aiddesk.exchange.export import export_workbook
from aiddesk.services import accounts, backups, units
from aiddesk.services.archive import ArchiveService
from aiddesk.services.exchange_import import ImportRun
from aiddesk.ui.exchange import batch_import_dialog
from aiddesk.ui.exchange.batch_import_dialog import BatchImportDialog
from aiddesk.ui.exchange.import_wizard import READ_ONLY
from aiddesk.ui.main_window import CENTRE, MainWindow

ENCRYPTED_XLS = Path(__file__).parents[1] / "data" / "encrypted" / "rc4cryptoapi_password.xls"
TODAY = date(2026, 11, 26)


@pytest.fixture
def unit_book(tmp_path, actor, make_household):
    """``unit_book(code, name, people, prefix)``: a unit's 2026 exchange workbook, exported from its own database.

    ``people`` are (seq, name): the same seq in two units is the same person (ID numbers come from it)."""
    def export(code: str, name: str, people: tuple[tuple[int, str], ...], prefix: str) -> Path:
        folder = tmp_path / f"unit-{code}"
        folder.mkdir()
        sub = open_database(folder / "sub.sqlite", clock=FixedClock(TODAY))
        try:
            units.save_unit(sub, actor, Unit(code, name, "基层"), new=True)
            with sub.transaction() as conn:
                set_dibao_line(conn, "460100", 2026, Decimal("700"))
            service = ArchiveService(sub, actor)
            for seq, person in people:
                service.save(make_household(seq, name=person, unit_code=code, archive_no=f"{prefix}{seq:03d}"))
            out = tmp_path / "报送" / f"{name}2026年帮扶数据交换表.xlsx"
            out.parent.mkdir(exist_ok=True)
            export_workbook(sub, out, year=2026, actor=actor)
        finally:
            sub.close()
        return out

    return export


@pytest.fixture
def centre(db, actor):
    """The test office (海南省职工服务中心) with a third unit below it."""
    units.save_unit(db, actor, Unit("460003", "省教育工会", "基层", "460000"), new=True)
    return db


@pytest.fixture
def books(centre, unit_book):
    """Two good workbooks (省旅游工会's with 张三 of 省财贸工会 on its books too) and one with a mistyped ID."""
    good = unit_book("460001", "省财贸工会", ((1, "张三"), (2, "李梅")), "CM2026")
    shared = unit_book("460002", "省旅游工会", ((11, "王五"), (1, "张三")), "LY2026")
    broken = unit_book("460003", "省教育工会", ((21, "周七"), (22, "吴八")), "JY2026")
    wb = load_workbook(broken)
    ws = wb["困难职工档案"]
    column = [c.value for c in ws[1]].index("身份证号") + 1
    ws.cell(2, column).value = ws.cell(2, column).value[:-1] + ("0" if ws.cell(2, column).value[-1] != "0" else "1")
    wb.save(broken)
    return good, shared, broken


def dialog_for(qtbot, db, actor) -> BatchImportDialog:
    dialog = BatchImportDialog(db=db, actor=actor)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def run(qtbot, dialog: BatchImportDialog) -> None:
    assert dialog.start_button.isEnabled()
    dialog.start_button.click()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=60000)


def archive_nos(db) -> list[str]:
    return [r[0] for r in db.conn.execute("SELECT archive_no FROM households ORDER BY archive_no")]


def import_backups(db) -> list[Path]:
    return [p for p in backups_in(backups.default_folder(db), db.path.stem) if p.name.endswith("-导入前.zip")]


def row_of(dialog: BatchImportDialog, path: Path) -> int:
    return [r[0] for r in dialog.rows()].index(path.name)


def test_two_good_books_are_imported_and_one_with_an_error_is_not_after_one_backup(qtbot, window, centre, books,
                                                                                   said, monkeypatch):
    good, shared, broken = books
    assert window.import_several_action.text() == "导入多个交换表…" and window.import_several_action.isEnabled()
    dialog = window.batch_import_dialog()
    qtbot.addWidget(dialog)
    dialog.show()
    written = []
    dialog.import_written.connect(written.append)
    checked = []   # each book's checked rows, weakly: the dialog must not keep them (a centre's 44 books)
    real = ImportRun.import_file

    def recording(self, path, **kwargs):
        report = real(self, path, **kwargs)
        checked.append(weakref.ref(report.checked))
        return report

    monkeypatch.setattr(ImportRun, "import_file", recording)
    monkeypatch.setattr(batch_import_dialog.QFileDialog, "getOpenFileNames",
                        lambda *a, **k: ([str(good), str(broken), str(shared)], ""))
    dialog.add_button.click()
    assert [r[0] for r in dialog.rows()] == [good.name, broken.name, shared.name]
    assert import_backups(centre) == []

    run(qtbot, dialog)
    asked = [text for kind, text in said if kind == "ask"]
    assert len(asked) == 1 and "这 3 个文件" in asked[0]
    for words in ("全部导入，或者一行也不导入", "有错误的文件不导入", "改正后再导入", "以这次导入的交换表为准替换",
                  "导入第一个文件前先备份一次数据库"):
        assert words in asked[0]

    rows = dialog.rows()
    by_file = {r[0]: r for r in rows}
    assert by_file[good.name] == (good.name, "省财贸工会（460001）", "2026", "已导入 7 行", "")
    assert by_file[broken.name] == (broken.name, "省教育工会（460003）", "2026", "有 1 处错误，没有导入", "1")
    warned = dialog.outcomes[batch_import_dialog._key(shared)].warnings
    assert by_file[shared.name][:4] == (shared.name, "省旅游工会（460002）", "2026", "已导入 7 行")
    assert by_file[shared.name][4] == str(len(warned)) and all("跨单位重复" in w.message for w in warned) and warned
    assert dialog.summary.text().startswith("共 3 个文件：2 个已导入，1 个有错误没有导入。")
    assert archive_nos(centre) == ["CM2026001", "CM2026002", "LY2026001", "LY2026011"]
    assert centre.conn.execute("SELECT count(*) FROM exchange_imports").fetchone()[0] == 2
    assert len(import_backups(centre)) == 1                       # one 导入前 backup for the whole run
    assert written == [2] and window.list_view.model.total == 4   # the window re-read what was written
    # The refused row is marked as such; the imported ones say what went in.
    result = dialog.table.item(row_of(dialog, broken), batch_import_dialog.RESULT)
    assert result.foreground().color().name() == "#c0392b" and result.font().bold()
    assert "困难职工档案 2 行" in dialog.table.item(row_of(dialog, good), batch_import_dialog.RESULT).toolTip()

    gc.collect()
    assert len(checked) == 3 and all(ref() is None for ref in checked)

    # 开始导入 again takes only the refused book (once corrected), not the ones imported.
    assert dialog.to_import() == [broken]


def test_a_books_issues_show_on_double_click_and_export_to_a_real_workbook(qtbot, centre, admin, books, tmp_path,
                                                                            monkeypatch, said):
    good, _shared, broken = books
    dialog = dialog_for(qtbot, centre, admin[1])
    dialog.add_files([good, broken])
    run(qtbot, dialog)

    row = row_of(dialog, broken)
    item = dialog.table.item(row, batch_import_dialog.FILE)
    where = dialog.table.visualItemRect(item).center()
    qtbot.mouseClick(dialog.table.viewport(), Qt.LeftButton, pos=where)   # a double-click starts with a click
    qtbot.mouseDClick(dialog.table.viewport(), Qt.LeftButton, pos=where)
    issues = dialog.issues_dialog
    assert issues is not None and issues.isVisible() and issues.windowTitle() == f"“{broken.name}”的问题"
    shown = issues.issues.shown_rows()
    errors = [r for r in shown if r[0] == "错误"]
    assert len(errors) == 1 and errors[0][1:4] == ("困难职工档案", "2", "身份证号") and "校验" in errors[0][5]
    assert ("提醒", "说明", "", "校验码") in [r[:4] for r in shown]     # the book was edited after its export
    issues.reject()

    dialog.table.selectRow(row_of(dialog, good))
    assert not dialog.export_button.isEnabled()                    # nothing to list for a clean book
    dialog.table.selectRow(row)
    assert dialog.export_button.isEnabled()
    out = tmp_path / "教育工会问题清单.xlsx"
    offered = []
    monkeypatch.setattr(batch_import_dialog.QFileDialog, "getSaveFileName",
                        lambda _parent, _title, suggested, _filter: offered.append(suggested) or (str(out), ""))
    dialog.export_button.click()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=20000)
    assert offered == [str(broken.with_name("省教育工会2026年帮扶数据交换表-问题清单.xlsx"))]
    assert said[-1][0] == "info" and "问题清单已导出" in said[-1][1]
    ws = load_workbook(out).active
    assert [c.value for c in ws[1]] == ["类别", "工作表", "行", "列", "内容", "说明"]
    assert [c.value for c in ws[2]][:4] == ["错误", "困难职工档案", 2, "身份证号"]
    assert ws.max_row == len(shown) + 1


def test_an_unreadable_file_and_a_password_protected_one_are_marked_and_the_others_imported(
        qtbot, centre, admin, books, tmp_path):
    good, shared, _broken = books
    bad = tmp_path / "报送" / "坏文件.xlsx"
    bad.write_bytes(b"not a workbook")
    locked = shutil.copy(ENCRYPTED_XLS, tmp_path / "报送" / "加密的台账.xls")
    dialog = dialog_for(qtbot, centre, admin[1])
    dialog.add_files([bad, locked, good, shared])
    run(qtbot, dialog)

    by_file = {r[0]: r for r in dialog.rows()}
    assert by_file[bad.name][3].startswith("无法读取：") and "无法打开“坏文件.xlsx”" in by_file[bad.name][3]
    assert by_file[locked.name][3] == "需要密码，没有导入"
    tip = dialog.table.item(row_of(dialog, locked), batch_import_dialog.RESULT).toolTip()
    assert "设置了打开密码" in tip and "导入交换表或旧台账…" in tip
    assert by_file[good.name][3] == by_file[shared.name][3] == "已导入 7 行"
    assert dialog.summary.text().startswith("共 4 个文件：2 个已导入，1 个无法读取，1 个需要密码没有导入。")
    assert "需要密码的文件请用“文件 → 导入交换表或旧台账…”逐个导入" in dialog.summary.text()
    assert archive_nos(centre) == ["CM2026001", "CM2026002", "LY2026001", "LY2026011"]
    assert len(import_backups(centre)) == 1


def test_cancelling_keeps_the_finished_book_and_writes_nothing_of_the_current_one(qtbot, centre, admin, books,
                                                                                  monkeypatch):
    """The run waits at the second book's first progress question until the test has clicked 取消."""
    good, shared, broken = books
    reached, gate = threading.Event(), threading.Event()
    real = ImportRun.import_file

    def held(self, path, **kwargs):
        if Path(path) == shared:
            progress = kwargs["progress"]

            def waiting(done, total):
                reached.set()
                gate.wait(20)
                return progress(done, total)

            kwargs["progress"] = waiting
        return real(self, path, **kwargs)

    monkeypatch.setattr(ImportRun, "import_file", held)
    dialog = dialog_for(qtbot, centre, admin[1])
    written = []
    dialog.import_written.connect(written.append)
    dialog.add_files([good, shared, broken])
    dialog.start_button.click()
    qtbot.waitUntil(reached.is_set, timeout=30000)
    qtbot.waitUntil(lambda: dialog.progress.labelText() == f"第 2/3 个文件：{shared.name}", timeout=5000)
    assert dialog.busy and not dialog.close_button.isEnabled()
    dialog.reject()                                       # closing while it writes is refused
    assert dialog.isVisible()
    next(b for b in dialog.progress.findChildren(QPushButton) if b.text() == "取消").click()
    gate.set()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=30000)

    assert [r[3] for r in dialog.rows()] == ["已导入 7 行", "已取消，没有导入", "未导入（已取消）"]
    assert dialog.summary.text().startswith("共 3 个文件：1 个已导入，2 个因取消没有导入。")
    assert archive_nos(centre) == ["CM2026001", "CM2026002"]
    assert centre.conn.execute("SELECT count(*) FROM exchange_imports").fetchone()[0] == 1
    assert written == [1] and len(import_backups(centre)) == 1
    assert dialog.to_import() == [shared, broken]         # the next 开始导入 takes the two left


def test_a_reader_cannot_start_an_import(qtbot, db, admin, books, said):
    accounts.add_user(db, admin[1], username="shenhe", display_name="审核员", password="shenhe123", roles=("审核人",))
    reader = find_user(db.conn, "shenhe")
    window = MainWindow(db=db, user=reader, actor=Actor(reader.username, "界面", tuple(reader.roles)))
    qtbot.addWidget(window)
    assert not window.import_several_action.isEnabled() and "只能查看" in window.import_several_action.toolTip()
    centre_area = window.area(CENTRE)
    assert not centre_area.import_button.isEnabled() and centre_area.import_button.toolTip() == READ_ONLY

    dialog = dialog_for(qtbot, db, window.actor)             # even if opened, 开始导入 stays grey
    dialog.add_files(books)
    assert not dialog.start_button.isEnabled() and dialog.start_button.toolTip() == READ_ONLY
    dialog.start()
    assert dialog.error.text() == READ_ONLY and not dialog.busy
    assert said == [] and archive_nos(db) == [] and import_backups(db) == []


def test_files_and_folders_are_listed_once_and_can_be_removed_before_starting(qtbot, db, admin, tmp_path,
                                                                              monkeypatch):
    folder = tmp_path / "各单位报送"
    (folder / "下一层").mkdir(parents=True)
    for name in ("b.xlsx", "a.csv", "c.XLS", "~$b.xlsx", "说明.txt", "下一层/d.xlsx"):
        (folder / name).write_bytes(b"x")
    dialog = dialog_for(qtbot, db, admin[1])
    assert not dialog.start_button.isEnabled()               # nothing to import yet
    dialog.start()
    assert dialog.error.text() == batch_import_dialog.NOTHING

    monkeypatch.setattr(batch_import_dialog.QFileDialog, "getExistingDirectory", lambda *a, **k: str(folder))
    dialog.add_folder_button.click()
    assert [r[0] for r in dialog.rows()] == ["a.csv", "b.xlsx", "c.XLS"]   # by name; no lock file, not below
    monkeypatch.setattr(batch_import_dialog.QFileDialog, "getOpenFileNames",
                        lambda *a, **k: ([str(folder / "b.xlsx"), str(folder / "下一层" / "d.xlsx"),
                                          str(folder / "下一层" / ".." / "a.csv")], ""))
    dialog.add_button.click()
    assert [r[0] for r in dialog.rows()] == ["a.csv", "b.xlsx", "c.XLS", "d.xlsx"]
    assert all(r[1:] == ("", "", "", "") for r in dialog.rows())

    assert not dialog.remove_button.isEnabled()
    dialog.table.selectRow(1)
    assert dialog.remove_button.isEnabled()
    dialog.remove_button.click()
    assert [p.name for p in dialog.paths] == ["a.csv", "c.XLS", "d.xlsx"]
    assert dialog.start_button.isEnabled()


def test_the_menu_action_and_the_centre_areas_button_open_the_dialog(qtbot, window):
    seen = []

    def close_it():
        dialog = QApplication.activeModalWidget()
        seen.append(dialog.windowTitle())
        dialog.reject()

    QTimer.singleShot(0, close_it)
    window.import_several_action.trigger()
    centre_area = window.area(CENTRE)
    assert centre_area.import_button.text() == "导入多个交换表…" and centre_area.import_button.isEnabled()
    QTimer.singleShot(0, close_it)
    centre_area.import_button.click()
    assert seen == ["导入多个交换表", "导入多个交换表"]
