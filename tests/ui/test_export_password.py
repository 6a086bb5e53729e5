"""The export dialog's opening password: both entries must agree; the written workbook is encrypted."""

from __future__ import annotations

import io

import msoffcrypto
from openpyxl import load_workbook

from aiddesk.ui.exchange.export_dialog import ExportDialog


def test_a_password_set_in_the_dialog_encrypts_the_workbook(qtbot, db, admin, said, tmp_path):
    dialog = ExportDialog(db=db, actor=admin[1])
    qtbot.addWidget(dialog)
    assert not dialog.password.isEnabled()
    dialog.encrypt.setChecked(True)
    assert dialog.password.isEnabled() and dialog.repeat.isEnabled()
    out = tmp_path / "加密.xlsx"
    dialog.path.setText(str(out))
    dialog.year.setValue(2026)
    dialog.try_accept()
    assert "请输入打开密码" in dialog.error.text() and not out.exists()
    dialog.password.setText("mima-2026")
    dialog.repeat.setText("mima-2027")
    dialog.try_accept()
    assert dialog.error.text() == "两次输入的密码不一致，请重新输入" and not out.exists()
    dialog.password.setText("mima-2026")
    dialog.repeat.setText("mima-2026")
    dialog.try_accept()
    qtbot.waitUntil(lambda: any(kind == "info" for kind, _ in said), timeout=20000)
    assert "已设置打开密码" in said[-1][1]
    office = msoffcrypto.OfficeFile(open(out, "rb"))
    assert office.is_encrypted()
    office.load_key(password="mima-2026")
    plain = io.BytesIO()
    office.decrypt(plain)
    assert load_workbook(plain, read_only=True).sheetnames[0] == "说明"
