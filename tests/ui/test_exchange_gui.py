"""Exporting the exchange workbook from the window: off the GUI thread, with the personal-data notice."""

from __future__ import annotations

from openpyxl import load_workbook

from aiddesk.ui.exchange.export_dialog import PRIVACY, ExportDialog


def test_the_export_dialog_writes_the_years_workbook(qtbot, db, admin, said, tmp_path, receive):
    receive(db, 2026, "省总工会经费", "1000.00")
    dialog = ExportDialog(db=db, actor=admin[1])
    qtbot.addWidget(dialog)
    assert "海南省职工服务中心2026年帮扶数据交换表.xlsx" in dialog.path.text()
    assert any(PRIVACY == label.text() for label in dialog.findChildren(type(dialog.error)))
    out = tmp_path / "交换表.xlsx"
    dialog.path.setText(str(out))
    dialog.year.setValue(2026)
    dialog.try_accept()
    qtbot.waitUntil(lambda: any(kind == "info" for kind, _ in said), timeout=20000)
    assert out.is_file() and dialog.result is not None
    book = load_workbook(out, read_only=True)
    assert book.sheetnames[0] == "说明" and "资金收支" in book.sheetnames
    assert "资金收支1行" in said[-1][1]
    logged = db.conn.execute("SELECT user FROM audit_log WHERE action = 'export' ORDER BY id DESC").fetchone()
    assert logged[0] == "admin"


def test_a_missing_folder_is_said_next_to_the_form(qtbot, db, admin, tmp_path):
    dialog = ExportDialog(db=db, actor=admin[1])
    qtbot.addWidget(dialog)
    dialog.path.setText(str(tmp_path / "没有这个文件夹" / "x.xlsx"))
    dialog.try_accept()
    assert "不存在" in dialog.error.text() and dialog.result is None
