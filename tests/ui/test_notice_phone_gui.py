"""Printing the notice of a unit's imported batch from the batch window: the 异议联系电话 dialog, driven by hand."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from aiddesk.db.audit import Actor
from aiddesk.db.units import all_units
from aiddesk.reports.notice_list import BLANK_PHONE
from aiddesk.services.batches import BatchService
from aiddesk.services.exchange_import import ExchangeImportService
from aiddesk.ui.batches.batch_dialog import BatchDialog
from aiddesk.ui.batches.notice_phone_dialog import EMPTY, NoticePhoneDialog

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "reports"))
from test_notice_imported_batch import NOTICING, PAID, unit_workbook  # noqa: E402  (the unit's workbook)

CLERK = Actor("jingban", "界面", ("经办人",))
REVIEWER = Actor("shenhe", "界面", ("审核人",))
PHONE = "0898-65301234"


@pytest.fixture
def imported(db, actor, tmp_path):
    """The unit's workbook taken in: its paid batch and its batch on notice, neither with a phone."""
    report = ExchangeImportService(db, actor).import_file(unit_workbook(tmp_path / "省财贸工会2015.xlsx"))
    assert report.errors == [], [e.as_dict() for e in report.errors]
    service = BatchService(db, actor)
    return {code: service.find(code).id for code in (PAID, NOTICING)}


def batch_window(qtbot, db, actor: Actor, batch_id: int) -> BatchDialog:
    window = BatchDialog(service=BatchService(db, actor), units=all_units(db.conn), batch_id=batch_id)
    qtbot.addWidget(window)
    window.previews = []
    window.preview = lambda pdf, title: window.previews.append(pdf)
    return window


def when_asked(qtbot, *steps):
    """Act in the 异议联系电话 dialog once it is open: each step is ("type", text), ("click", button name) or
    ("read", list) to keep what it says. Whatever goes wrong, the dialog is closed so the test cannot hang."""
    def act():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, NoticePhoneDialog):
            QTimer.singleShot(20, act)
            return
        try:
            for kind, what in steps:
                if kind == "type":
                    dialog.number.clear()
                    if what.isascii():
                        qtbot.keyClicks(dialog.number, what)
                    else:  # QTest types only what a keyboard has keys for: Chinese arrives as an input method's
                        dialog.number.insert(what)
                elif kind == "click":
                    getattr(dialog, f"{what}_button").click()
                else:
                    what.append((dialog.where.text(), dialog.error.text() if dialog.error.isVisible() else ""))
        finally:
            if dialog.isVisible():
                dialog.reject()

    QTimer.singleShot(0, act)


def printed(qtbot, window: BatchDialog, said) -> str:
    qtbot.waitUntil(lambda: bool(window.previews) or any(kind == "error" for kind, _ in said), timeout=10000)
    assert window.previews, said
    return re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(window.previews[-1]).pages))


def test_a_number_typed_for_a_paid_imported_batch_is_printed_once_not_saved(qtbot, db, imported, said):
    window = batch_window(qtbot, db, CLERK, imported[PAID])
    seen = []
    when_asked(qtbot, ("read", seen), ("type", f" {PHONE} "), ("click", "print"))
    window.print_form("notice", "公示名单")
    text = printed(qtbot, window, said)
    assert f"联系电话：{PHONE}。" in text and "2015年春节送温暖公示名单" in text
    assert seen == [("号码只用于这次打印，不保存到批次（批次已是“已发放”，记录不再修改）。", "")]
    assert BatchService(db, CLERK).get(imported[PAID]).notice_phone == "" and window.notice_phone.text() == ""


def test_leave_blank_prints_a_line_to_write_the_number_in(qtbot, db, imported, said):
    window = batch_window(qtbot, db, CLERK, imported[PAID])
    when_asked(qtbot, ("click", "blank"))
    window.print_form("notice", "公示名单")
    assert f"联系电话：{BLANK_PHONE}。" in printed(qtbot, window, said)


def test_a_clerk_fills_in_the_number_of_a_batch_still_on_notice_and_it_is_kept(qtbot, db, imported, said):
    window = batch_window(qtbot, db, CLERK, imported[NOTICING])
    seen = []
    when_asked(qtbot, ("read", seen), ("type", PHONE), ("click", "print"))
    window.print_form("notice", "公示名单")
    assert f"联系电话：{PHONE}。" in printed(qtbot, window, said)
    assert seen == [("号码将保存到本批次，以后打印不再询问。", "")]
    assert BatchService(db, CLERK).get(imported[NOTICING]).notice_phone == PHONE
    assert window.notice_phone.text() == PHONE  # the batch's details show it
    entry = db.conn.execute("SELECT user, new_values FROM audit_log WHERE table_name = 'batches' AND row_key = ?",
                            (NOTICING,)).fetchall()
    assert [tuple(e) for e in entry] == [("jingban", '{"notice_phone": "0898-65301234"}')]
    # The next print does not ask again: no dialog is answered, and the preview comes.
    window.print_form("notice", "公示名单")
    qtbot.waitUntil(lambda: len(window.previews) == 2, timeout=10000)


def test_a_reviewer_is_told_the_number_is_for_this_print_only(qtbot, db, imported, said):
    window = batch_window(qtbot, db, REVIEWER, imported[NOTICING])
    seen = []
    when_asked(qtbot, ("read", seen), ("type", PHONE), ("click", "print"))
    window.print_form("notice", "公示名单")
    assert f"联系电话：{PHONE}。" in printed(qtbot, window, said)
    assert seen == [("号码只用于这次打印，不保存到批次（您的账号不能修改批次信息）。", "")]
    assert BatchService(db, CLERK).get(imported[NOTICING]).notice_phone == ""


def test_print_with_nothing_or_no_digits_says_what_to_do_and_stays_open(qtbot, db, imported, said):
    window = batch_window(qtbot, db, CLERK, imported[PAID])
    seen = []
    when_asked(qtbot, ("click", "print"), ("read", seen), ("type", "办公室"), ("click", "print"), ("read", seen),
               ("click", "blank"))
    window.print_form("notice", "公示名单")
    assert f"联系电话：{BLANK_PHONE}。" in printed(qtbot, window, said)
    assert [error for _, error in seen] == [
        EMPTY, "异议联系电话“办公室”中没有数字，请填写号码，如 0898-66123456；不知道号码可以留空，打印后手写"]


def test_cancel_prints_nothing(qtbot, db, imported, said):
    window = batch_window(qtbot, db, CLERK, imported[PAID])
    when_asked(qtbot, ("type", PHONE), ("click", "cancel"))
    window.print_form("notice", "公示名单")
    qtbot.wait(300)
    assert window.previews == [] and said == []
    assert BatchService(db, CLERK).get(imported[PAID]).notice_phone == ""


def test_other_forms_of_a_batch_without_a_phone_are_not_asked(qtbot, db, imported, said):
    window = batch_window(qtbot, db, CLERK, imported[PAID])
    opened = []

    def close_if_asked():  # were the dialog to open, the test would otherwise wait for ever
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, NoticePhoneDialog):
            opened.append(dialog)
            dialog.reject()

    QTimer.singleShot(500, close_if_asked)
    window.print_form("summary", "审批汇总表")
    qtbot.waitUntil(lambda: bool(window.previews or said), timeout=10000)
    assert window.previews and said == [] and opened == []
