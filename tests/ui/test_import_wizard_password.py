"""The import wizard and a workbook with an opening password: asked for in our own dialog, asked again when wrong."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialogButtonBox
from test_import_wizard import ODD_MAPPING, check, count, import_and_wait, legacy_ledger, wizard_for

from aiddesk.exchange.export import encrypt_in_place
from aiddesk.ui.exchange.import_wizard import CHOOSE, DONE, MAPPING, RESULT
from aiddesk.ui.exchange.password_dialog import EMPTY

PASSWORD = "Baosong-2026"


@pytest.fixture
def locked_workbook(export_sub_unit):
    """The sub-unit's exchange workbook, exported with an opening password as the export dialog sets it."""
    return export_sub_unit(password=PASSWORD)


def answer(qtbot, wizard, password: str) -> None:
    """Type into the password dialog and press 打开, as a user would; then wait for the check it starts."""
    dialog = wizard.password_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.password.setText(password)
    ok = dialog.buttons.button(QDialogButtonBox.Ok)
    assert ok.text() == "打开"
    ok.click()
    qtbot.waitUntil(lambda: not wizard.busy, timeout=30000)


def test_an_encrypted_workbook_asks_for_the_password_retries_and_imports(qtbot, db, admin, locked_workbook, said):
    wizard = wizard_for(qtbot, db, admin[1])
    check(qtbot, wizard, locked_workbook)
    dialog = wizard.password_dialog
    assert dialog is not None and dialog.isVisible() and dialog.windowTitle() == "输入打开密码"
    assert dialog.password.echoMode() == dialog.password.EchoMode.Password
    assert dialog.error.isHidden() and wizard.pages.currentIndex() == CHOOSE

    dialog.buttons.button(QDialogButtonBox.Ok).click()  # nothing typed: said in the dialog, which stays open
    assert dialog.error.text() == EMPTY and dialog.isVisible()

    answer(qtbot, wizard, "baosong-2026")  # wrong case
    again = wizard.password_dialog
    assert again is not None and again is not dialog and again.isVisible()
    assert again.error.text().startswith("密码不对：用这个密码打不开") and "请向发送单位核对密码" in again.error.text()
    assert again.password.text() == "" and wizard.report is None and count(db, "households") == 0

    answer(qtbot, wizard, PASSWORD)
    assert wizard.password_dialog is None
    assert wizard.pages.currentIndex() == RESULT
    assert wizard.unit_label.text() == "省财贸工会（460001），下级单位"
    assert wizard.verdict.text() == "检查通过，没有错误和提醒，可以导入"
    import_and_wait(qtbot, wizard)
    assert wizard.pages.currentIndex() == DONE and wizard.imported["困难职工档案"] == 2
    assert count(db, "households") == 2
    assert wizard._password is None  # the import is written: the password is not kept
    logged = " ".join(r[0] or "" for r in db.conn.execute("SELECT new_values FROM audit_log"))
    assert PASSWORD not in logged
    assert not [text for _kind, text in said if PASSWORD in text]


def test_cancelling_the_password_leaves_the_wizard_as_it_was(qtbot, db, admin, locked_workbook):
    wizard = wizard_for(qtbot, db, admin[1])
    check(qtbot, wizard, locked_workbook)
    wizard.password_dialog.password.setText("typed but cancelled")
    wizard.password_dialog.reject()
    assert wizard.password_dialog is None
    assert wizard.pages.currentIndex() == CHOOSE and wizard.report is None and not wizard.busy
    assert wizard.path.text() == str(locked_workbook) and wizard.next_button.isEnabled()
    assert wizard.file_error.text().startswith("没有输入密码，未读取“省财贸工会2026年帮扶数据交换表.xlsx”")
    assert wizard._password is None and count(db, "households") == 0 and count(db, "exchange_imports") == 0
    wizard.next_button.click()  # asked again, as the message says
    qtbot.waitUntil(lambda: not wizard.busy, timeout=30000)
    assert wizard.password_dialog is not None and wizard.password_dialog.error.isHidden()


def test_an_encrypted_ledger_is_read_again_after_mapping_without_asking_again(qtbot, db, admin, tmp_path):
    ledger = legacy_ledger(tmp_path / "2014年台账.xlsx")
    encrypt_in_place(str(ledger), PASSWORD)
    wizard = wizard_for(qtbot, db, admin[1])
    check(qtbot, wizard, ledger)
    answer(qtbot, wizard, PASSWORD)
    assert wizard.pages.currentIndex() == MAPPING
    wizard.mapping_step.edit("困难职工档案")
    dialog = wizard.mapping_step.dialog
    for field, header in ODD_MAPPING.items():
        dialog.choose(field, header)
    assert dialog.try_accept()
    qtbot.waitUntil(lambda: not wizard.busy, timeout=30000)
    assert wizard.password_dialog is None  # the password given for this file opened it again
    assert wizard.mapping_step.problem() is None
    wizard.next_button.click()
    assert wizard.pages.currentIndex() == RESULT and wizard.report.ok
    import_and_wait(qtbot, wizard)
    assert count(db, "households") == 2


def test_another_file_does_not_get_the_password(qtbot, db, admin, locked_workbook, tmp_path):
    wizard = wizard_for(qtbot, db, admin[1])
    check(qtbot, wizard, locked_workbook)
    answer(qtbot, wizard, PASSWORD)
    assert wizard.pages.currentIndex() == RESULT
    other = tmp_path / "另一份.xlsx"
    other.write_bytes(locked_workbook.read_bytes())
    wizard.back_button.click()
    check(qtbot, wizard, other)
    assert wizard.password_dialog is not None  # a different file: its password is asked for
    wizard.password_dialog.reject()
    assert wizard.report.checked.path == locked_workbook  # the earlier check stands
