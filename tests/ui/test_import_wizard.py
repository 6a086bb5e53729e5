"""文件 → 导入交换表或旧台账…: a real workbook through every step of the wizard into a real database."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from openpyxl import Workbook, load_workbook
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QPushButton

from aiddesk.core.idcard import make_id
from aiddesk.db.audit import Actor
from aiddesk.db.users import find_user
from aiddesk.exchange.validate import CHANGED_WARNING
from aiddesk.services import accounts
from aiddesk.services.exchange_import import ExchangeImportService
from aiddesk.ui.exchange import import_wizard
from aiddesk.ui.exchange.import_wizard import CANCELLED, CHOOSE, DONE, MAPPING, READ_ONLY, RESULT, ImportWizard
from aiddesk.ui.main_window import MainWindow

ODD_HEADERS = ("编号", "户主", "证件", "类别", "状态", "登记日期", "联系方式")
ODD_MAPPING = {"档案编号": "编号", "姓名": "户主", "身份证号": "证件", "困难类别": "类别", "档案状态": "状态",
               "建档日期": "登记日期", "手机号码": "联系方式"}


def count(db, table: str) -> int:
    return db.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


@pytest.fixture
def sub_unit_workbook(export_sub_unit):
    """The 2026 exchange workbook of 省财贸工会 (460001, a sub-unit of the test office), from its own database."""
    return export_sub_unit()


def legacy_ledger(path, headers=ODD_HEADERS, *, rows: int = 2):
    """An office's own Excel ledger: no 说明 sheet, its own header words."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("2014年困难职工台账")
    ws.append(list(headers))
    for i in range(rows):
        id_number = make_id("460100", date(1960, 1, 1) + timedelta(days=i), i % 1000)
        ws.append([f"JZ2014{i + 1:04d}", f"职工{i + 1}", id_number, "低保户", "在档", "2014年5月6日", "13812345678"])
    wb.save(path)
    return path


def wizard_for(qtbot, db, actor) -> ImportWizard:
    wizard = ImportWizard(db=db, actor=actor)
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard


def check(qtbot, wizard: ImportWizard, path) -> None:
    wizard.path.setText(str(path))
    wizard.next_button.click()
    qtbot.waitUntil(lambda: not wizard.busy, timeout=30000)


def import_and_wait(qtbot, wizard: ImportWizard) -> None:
    assert wizard.import_button.isEnabled()
    wizard.import_button.click()
    qtbot.waitUntil(lambda: not wizard.busy, timeout=30000)


def test_a_good_exchange_workbook_imports_and_the_window_shows_it(qtbot, window, db, said, sub_unit_workbook):
    assert window.import_action.isEnabled() and window.import_action.text() == "导入交换表或旧台账…"
    wizard = window.import_wizard()
    qtbot.addWidget(wizard)
    wizard.show()
    assert [b.text() for b in (wizard.back_button, wizard.next_button, wizard.import_button, wizard.finish_button,
                               wizard.cancel_button)] == ["上一步", "下一步", "导入", "完成", "取消"]
    check(qtbot, wizard, sub_unit_workbook)

    assert wizard.pages.currentIndex() == RESULT          # an exchange workbook needs no column step
    assert wizard.kind_label.text().startswith("交换表")
    assert wizard.unit_label.text() == "省财贸工会（460001），下级单位"
    assert wizard.year_label.text() == "2026年"
    assert "困难职工档案 2 行" in wizard.rows_label.text() and "家庭成员 4 行" in wizard.rows_label.text()
    assert wizard.verdict.text() == "检查通过，没有错误和提醒，可以导入"
    assert wizard.changed_label.isHidden()
    assert count(db, "households") == 0                   # checking writes nothing

    import_and_wait(qtbot, wizard)
    assert said[0][0] == "ask" and said[0][1].startswith("这是单位省财贸工会（460001） 2026年的第一次导入。\n\n"
                                                         "将替换单位省财贸工会（460001） 2026年的数据")
    assert wizard.pages.currentIndex() == DONE and wizard.finish_button.isVisible()
    assert wizard.imported["困难职工档案"] == 2
    assert "困难职工档案：2 行" in wizard.done_label.text()
    assert [tuple(r) for r in db.conn.execute("SELECT archive_no, unit_code, name FROM households ORDER BY 1")] == [
        ("CM2026001", "460001", "张三"), ("CM2026002", "460001", "李梅")]
    assert db.conn.execute("SELECT user FROM audit_log WHERE table_name = 'exchange_imports'").fetchone()[0] == "admin"
    assert window.list_view.model.total == 2               # the window re-read its archive list
    wizard.finish_button.click()
    assert wizard.result() == ImportWizard.Accepted


def break_workbook(path) -> None:
    """Two errors an office makes in Excel: a mistyped ID number and a category word not in the list."""
    wb = load_workbook(path)
    ws = wb["困难职工档案"]
    headers = [c.value for c in ws[1]]
    ws.cell(2, headers.index("身份证号") + 1).value = "460100197503020030"
    ws.cell(3, headers.index("困难类别") + 1).value = "特困户"
    wb.save(path)


def test_errors_are_listed_import_is_refused_and_the_list_exports(qtbot, db, admin, sub_unit_workbook, tmp_path,
                                                                  monkeypatch, said):
    break_workbook(sub_unit_workbook)
    wizard = wizard_for(qtbot, db, admin[1])
    check(qtbot, wizard, sub_unit_workbook)

    assert wizard.pages.currentIndex() == RESULT
    assert wizard.verdict.text() == "有2处错误，不能导入；请按清单改正后重新导入"
    assert not wizard.import_button.isEnabled()
    assert not wizard.changed_label.isHidden() and CHANGED_WARNING in wizard.changed_label.text()
    rows = wizard.issues.shown_rows()
    errors = [r for r in rows if r[0] == "错误"]
    assert [r[1:4] for r in errors] == [("困难职工档案", "2", "身份证号"), ("困难职工档案", "3", "困难类别")]
    assert errors[0][4] == "460100197503020030" and "校验" in errors[0][5]
    assert errors[1][4] == "特困户" and "低保户" in errors[1][5]
    assert ("提醒", "说明", "", "校验码") in [r[:4] for r in rows]

    wizard.issues.errors_only.setChecked(True)
    assert [r[0] for r in wizard.issues.shown_rows()] == ["错误", "错误"]
    assert wizard.issues.count.text() == f"显示 2 条（共 {len(rows)} 条）"
    wizard.issues.view.sortByColumn(2, Qt.DescendingOrder)   # 行, as numbers
    assert [r[2] for r in wizard.issues.shown_rows()] == ["3", "2"]

    out = tmp_path / "问题清单.xlsx"
    monkeypatch.setattr(import_wizard.QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    wizard.export_button.click()
    qtbot.waitUntil(lambda: not wizard.busy, timeout=20000)
    assert said[-1][0] == "info" and "问题清单已导出" in said[-1][1]
    ws = load_workbook(out).active
    assert [c.value for c in ws[1]] == ["类别", "工作表", "行", "列", "内容", "说明"]
    assert ws.freeze_panes == "A2" and ws["A1"].font.b
    assert [c.value for c in ws[2]][:5] == ["错误", "困难职工档案", 2, "身份证号", "460100197503020030"]
    assert [c.value for c in ws[3]][:5] == ["错误", "困难职工档案", 3, "困难类别", "特困户"]
    assert ws.max_row == len(rows) + 1
    assert count(db, "households") == 0


def test_a_legacy_ledger_is_mapped_imported_and_the_mapping_remembered(qtbot, db, admin, tmp_path):
    wizard = wizard_for(qtbot, db, admin[1])
    check(qtbot, wizard, legacy_ledger(tmp_path / "2014年台账.xlsx"))

    assert wizard.pages.currentIndex() == MAPPING
    # Read as offices keep their books (exchange/ledger/): 户主 is a known word for 姓名, 证件 is not; only a
    # person's 姓名 and 身份证号 must be found (档案编号, 困难类别 … are numbered or defaulted when absent).
    assert "缺少身份证号" in wizard.mapping_step.problem()
    assert not wizard.next_button.isEnabled()
    assert wizard.mapping_step.tabs.tabText(0) == "困难职工档案（缺1列）"
    wizard.mapping_step.tabs.currentWidget().findChild(QPushButton).click()
    dialog = wizard.mapping_step.dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.sample.item(0, 1).text() == "职工1"     # the file's own rows, to see what each column holds
    for field, header in ODD_MAPPING.items():
        dialog.choose(field, header)
    assert dialog.try_accept()
    qtbot.waitUntil(lambda: not wizard.busy, timeout=20000)

    assert wizard.mapping_step.problem() is None and wizard.next_button.isEnabled()
    assert wizard.mapping_step.tabs.tabText(0) == "困难职工档案"
    wizard.next_button.click()
    assert wizard.pages.currentIndex() == RESULT
    assert wizard.kind_label.text().startswith("旧台账")
    assert wizard.unit_label.text() == "海南省职工服务中心（460000）"
    assert wizard.year_label.text() == "2014年（按表中日期推断）"
    assert wizard.report.errors == [] and wizard.report.warnings == []
    import_and_wait(qtbot, wizard)
    assert wizard.pages.currentIndex() == DONE
    assert [tuple(r) for r in db.conn.execute(
        "SELECT archive_no, unit_code, name, hardship_category, created_date, phone FROM households ORDER BY 1")] == [
        ("JZ20140001", "460000", "职工1", "低保户", "2014-05-06", "13812345678"),
        ("JZ20140002", "460000", "职工2", "低保户", "2014-05-06", "13812345678")]

    # The next ledger with the same headers: every column already chosen, nothing to map.
    again = wizard_for(qtbot, db, admin[1])
    check(qtbot, again, legacy_ledger(tmp_path / "2015年台账.xlsx", rows=3))
    assert again.pages.currentIndex() == MAPPING
    assert again.mapping_step.problem() is None and again.next_button.isEnabled()
    assert again.report.checked.layouts[0].columns == ODD_MAPPING
    again.next_button.click()
    assert again.report.ok and again.report.warnings == []
    import_and_wait(qtbot, again)
    assert count(db, "households") == 3


def test_cancelling_the_import_writes_nothing(qtbot, db, admin, tmp_path, monkeypatch, said):
    """The importer asks every 2000 archives whether to go on: the job waits there until the test has cancelled."""
    gate = threading.Event()
    dialogs = []
    real = import_wizard.run_with_progress

    def held(parent, *, title, label, job, on_done, on_error):
        def waiting_job(progress):
            def report(done, total):
                gate.wait(20)
                return progress(done, total)
            return job(report)

        dialog = real(parent, title=title, label=label, job=waiting_job if title == "导入" else job,
                      on_done=on_done, on_error=on_error)
        dialogs.append(dialog)
        return dialog

    monkeypatch.setattr(import_wizard, "run_with_progress", held)
    wizard = wizard_for(qtbot, db, admin[1])
    headers = ("档案编号", "姓名", "身份证号", "困难类别", "档案状态", "建档日期", "手机号码")
    check(qtbot, wizard, legacy_ledger(tmp_path / "大台账.xlsx", headers, rows=2100))
    wizard.next_button.click()
    assert wizard.report.ok
    wizard.import_button.click()
    assert wizard.busy and not wizard.cancel_button.isEnabled()
    wizard.reject()                                     # closing while it writes is refused
    assert wizard.isVisible()
    cancel = next(b for b in dialogs[-1].findChildren(QPushButton) if b.text() == "取消")
    cancel.click()                                      # the progress dialog's own button
    gate.set()
    qtbot.waitUntil(lambda: not wizard.busy, timeout=30000)

    assert ("info", CANCELLED) in said
    assert wizard.error.text() == CANCELLED and wizard.pages.currentIndex() == RESULT
    assert wizard.imported is None and wizard.import_button.isEnabled()
    assert count(db, "households") == 0 and count(db, "exchange_imports") == 0


def test_the_menu_action_opens_the_wizard(qtbot, window):
    seen = []

    def close_it():
        wizard = QApplication.activeModalWidget()
        seen.append(wizard.windowTitle())
        wizard.reject()

    QTimer.singleShot(0, close_it)
    window.import_action.trigger()
    assert seen == ["导入交换表或旧台账"]


def test_a_reader_cannot_import(qtbot, db, admin, actor, sub_unit_workbook):
    accounts.add_user(db, admin[1], username="shenhe", display_name="审核员", password="shenhe123", roles=("审核人",))
    reader = find_user(db.conn, "shenhe")
    window = MainWindow(db=db, user=reader, actor=Actor(reader.username, "界面", tuple(reader.roles)))
    qtbot.addWidget(window)
    assert not window.import_action.isEnabled()
    assert "只能查看" in window.import_action.toolTip()
    wizard = wizard_for(qtbot, db, window.actor)            # even if opened, its 导入 stays grey
    check(qtbot, wizard, sub_unit_workbook)
    assert wizard.report.ok and not wizard.import_button.isEnabled()
    assert wizard.import_button.toolTip() == READ_ONLY


def test_an_unreadable_file_is_said_next_to_the_file_field(qtbot, db, admin, tmp_path):
    wizard = wizard_for(qtbot, db, admin[1])
    wizard.next_button.click()
    assert wizard.file_error.text() == "请选择要导入的文件"
    bad = tmp_path / "坏文件.xlsx"
    bad.write_bytes(b"not a workbook")
    check(qtbot, wizard, bad)
    assert wizard.pages.currentIndex() == CHOOSE
    assert wizard.file_error.isVisible() and "无法打开“坏文件.xlsx”" in wizard.file_error.text()
    assert wizard.report is None and wizard.next_button.isEnabled()



def test_the_confirmation_says_what_an_import_would_replace(qtbot, db, admin, sub_unit_workbook, tmp_path):
    _user, actor = admin
    wizard = wizard_for(qtbot, db, actor)
    check(qtbot, wizard, sub_unit_workbook)
    ExchangeImportService(db, actor).apply(wizard.report)          # imported once already
    assert wizard.confirmation().startswith("这份交换表已于") and "内容相同：再次导入不会改变任何数据" in \
        wizard.confirmation()
    # An older export of the same unit and year than the one imported: said plainly before it replaces it.
    with db.transaction() as conn:
        conn.execute("UPDATE exchange_imports SET checksum = 'x', exported_at = '2099-01-01T00:00:00'")
    text = wizard.confirmation()
    assert "从“省财贸工会2026年帮扶数据交换表.xlsx”导入" in text
    assert "比上次导入的那份（导出于2099-01-01 00:00）更旧" in text


def test_cancelling_the_check_stops_it_and_says_so(qtbot, db, admin, sub_unit_workbook, monkeypatch):
    """The check asks between columns whether to go on: the job waits at its first question until cancelled."""
    gate = threading.Event()
    dialogs, asked = [], []
    real = import_wizard.run_with_progress

    def held(parent, *, title, label, job, on_done, on_error):
        def waiting_job(progress):
            def report(done, total):
                gate.wait(20)
                asked.append(done)
                return progress(done, total)
            return job(report)

        dialog = real(parent, title=title, label=label, job=waiting_job, on_done=on_done, on_error=on_error)
        dialogs.append(dialog)
        return dialog

    monkeypatch.setattr(import_wizard, "run_with_progress", held)
    wizard = wizard_for(qtbot, db, admin[1])
    wizard.path.setText(str(sub_unit_workbook))
    wizard.next_button.click()
    assert wizard.busy
    next(b for b in dialogs[-1].findChildren(QPushButton) if b.text() == "取消").click()
    gate.set()
    qtbot.waitUntil(lambda: not wizard.busy, timeout=30000)
    assert wizard.file_error.text() == "已取消检查" and wizard.report is None
    assert asked == [0] and wizard.pages.currentIndex() == CHOOSE   # stopped at its first question, at the start


def with_budget(path) -> None:
    """The export with a budget added to its 预算 sheet (its 校验码 no longer matches: a warning only)."""
    wb = load_workbook(path)
    ws = wb["预算"]
    assert [c.value for c in ws[1]] == ["年度", "资金来源", "预算金额"] and ws.max_row == 1
    ws.append([2026, "省总工会经费", 1000])
    wb.save(path)


def test_the_check_step_shows_every_row_a_replacement_removes(qtbot, db, admin, export_sub_unit, said):
    _user, actor = admin
    first = export_sub_unit("first.xlsx")
    with_budget(first)
    assert ExchangeImportService(db, actor).import_file(first).written
    wizard = wizard_for(qtbot, db, actor)
    check(qtbot, wizard, export_sub_unit("newer.xlsx"))      # the newer export has no 预算

    assert wizard.pages.currentIndex() == RESULT and wizard.report.ok
    assert wizard.removal_label.isVisible() and wizard.removal_list.isVisible()
    assert "以前导入、而这份表中已没有的记录将被删除：预算 1 行" in wizard.removal_label.text()
    assert wizard.removal_list.toPlainText() == "预算（1 行）：2026·省总工会经费"
    import_and_wait(qtbot, wizard)
    asked = [text for kind, text in said if kind == "ask"]
    assert "将删除（以前导入、而这份表中已没有的）：预算 1 行，明细见“检查结果”。" in asked[-1]
    assert count(db, "fund_budgets") == 0

    # A workbook that removes nothing shows no such list.
    again = wizard_for(qtbot, db, actor)
    check(qtbot, again, export_sub_unit("same.xlsx"))
    assert again.report.ok and again.removal_label.isHidden() and again.removal_list.isHidden()


def test_what_changed_after_the_check_refuses_the_import_and_is_listed(qtbot, db, admin, export_sub_unit, said):
    """一户一档 is checked again as the rows are written: a person filed meanwhile in another archive refuses it."""
    _user, actor = admin
    wizard = wizard_for(qtbot, db, actor)
    check(qtbot, wizard, export_sub_unit("first.xlsx"))
    assert wizard.report.ok and wizard.import_button.isEnabled()
    # Meanwhile another import files 张三 under another archive number of the same unit.
    meanwhile = export_sub_unit("meanwhile.xlsx", people=("张三",))
    wb = load_workbook(meanwhile)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value == "CM2026001":
                    cell.value = "CM2026099"
    wb.save(meanwhile)
    got = ExchangeImportService(db, actor).import_file(meanwhile)
    assert got.written, [e.as_dict() for e in got.errors]

    import_and_wait(qtbot, wizard)
    assert wizard.pages.currentIndex() == RESULT and not wizard.import_button.isEnabled()
    assert wizard.verdict.text().startswith("有3处错误")     # 张三, and his wife and child, each in two archives
    shown = wizard.issues.shown_rows()
    assert shown[0][:4] == ("错误", "困难职工档案", "2", "身份证号") and "CM2026099" in shown[0][5]
    assert said[-1][0] == "error" and "数据库在检查之后有了变化" in said[-1][1]
    assert [r[0] for r in db.conn.execute("SELECT archive_no FROM households ORDER BY 1")] == ["CM2026099"]
