"""Notices of a unit's imported batch, which has no 异议联系电话: printed with a line to write it in, or a number
given for the print, kept on the batch only where the user may edit it and the batch is not yet approved."""

from __future__ import annotations

import json
import re
import sys
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "exchange"))
from test_import_validation import BASE, HEAD, OTHER, book, sheets  # noqa: E402  (the import tests' workbook builder)

from aiddesk.cli import main  # noqa: E402
from aiddesk.core.errors import UserError  # noqa: E402
from aiddesk.db.audit import Actor  # noqa: E402
from aiddesk.reports.notice_list import BLANK_PHONE  # noqa: E402
from aiddesk.services.batches import BatchService  # noqa: E402
from aiddesk.services.exchange_import import ExchangeImportService  # noqa: E402
from aiddesk.services.printing import (asks_notice_phone, keeps_notice_phone, print_batch_form,  # noqa: E402
                                       save_notice_phone)

CLERK = Actor("jingban", "界面", ("经办人",))
REVIEWER = Actor("shenhe", "界面", ("审核人",))
PAID, NOTICING = "P2015-01", "P2015-03"  # the unit's paid 送温暖, and a batch it exported while on notice


def unit_workbook(path: Path) -> Path:
    """省财贸工会's 2015 workbook: its paid batch with its notice period, and a 生活救助 batch still on notice."""
    batches = [["批次编号", "批次名称", "活动类型", "年度", "发放标准", "公示开始日期", "公示结束日期", "发放日期", "状态"],
               [PAID, "2015年春节送温暖", "送温暖", 2015, 1000, date(2015, 1, 12), date(2015, 1, 16),
                date(2015, 2, 1), "已发放"],
               ["P2015-02", "2015年金秋助学", "金秋助学", 2015, 2000, None, None, date(2015, 9, 1), "已发放"],
               [NOTICING, "2015年生活救助", "生活救助", 2015, 800, date(2015, 12, 21), date(2015, 12, 25), None,
                "公示中"]]
    header, *lines = BASE["帮扶明细"]
    noticed = [["M2015-0004", NOTICING, "CM2015002", "赵强", OTHER, "生活救助", "省总工会经费", 800, "会员服务卡",
                None, None, None, None, None, None, None]]
    return book(path, sheets(帮扶批次=batches, 帮扶明细=[header, *lines, *noticed]))


@pytest.fixture
def imported(db, actor, tmp_path):
    """The centre's database with the unit's workbook taken in; batch code → id."""
    report = ExchangeImportService(db, actor).import_file(unit_workbook(tmp_path / "省财贸工会2015.xlsx"))
    assert report.errors == [] and report.written, [e.as_dict() for e in report.errors]
    service = BatchService(db, actor)
    ids = {code: service.find(code).id for code in (PAID, NOTICING)}
    assert all(service.get(i).notice_phone == "" for i in ids.values())
    return ids


def text_of(pdf: Path) -> str:
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(pdf).pages))


def audit_of(db, code: str) -> list[tuple]:
    return [(r["user"], r["action"], json.loads(r["old_values"] or "null"), json.loads(r["new_values"] or "null"))
            for r in db.conn.execute("SELECT * FROM audit_log WHERE table_name = 'batches' AND row_key = ?"
                                     " ORDER BY id", (code,))]


def test_the_command_line_prints_an_imported_batch_notice_with_a_line_for_the_phone(db, imported, tmp_path, capsys):
    out = tmp_path / "公示名单.pdf"
    assert main(["--db", str(db.path), "print", "notice", "--batch", PAID, "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "已生成2015年春节送温暖的公示名单（2）" in said and "留了横线" in said
    text = text_of(out)
    assert f"联系电话：{BLANK_PHONE}。" in text
    assert "2015年春节送温暖公示名单" in text and "王芳" in text and "赵强" in text
    assert "公示期为2015年1月12日至2015年1月16日" in text
    assert HEAD not in text and OTHER not in text  # masked, as on every notice


def test_a_phone_given_on_the_command_line_is_printed_and_not_saved(db, imported, tmp_path, capsys):
    out = tmp_path / "公示名单.pdf"
    assert main(["--db", str(db.path), "print", "notice", "--batch", PAID, "--out", str(out),
                 "--phone", " 0898-65301234 "]) == 0
    assert "本次按 0898-65301234 打印，未保存到批次" in capsys.readouterr().out
    text = text_of(out)
    assert "联系电话：0898-65301234。" in text and BLANK_PHONE not in text
    assert BatchService(db, CLERK).get(imported[PAID]).notice_phone == ""
    assert audit_of(db, PAID) == []


def test_only_a_notice_due_of_a_batch_without_a_phone_asks_for_one(db, imported, tmp_path):
    service = BatchService(db, CLERK)
    assert asks_notice_phone(service.get(imported[PAID]), "notice")
    assert not asks_notice_phone(service.get(imported[PAID]), "second-notice")  # no second notice: refused anyway
    assert not asks_notice_phone(service.get(imported[PAID]), "approval")
    assert save_notice_phone(db, CLERK, imported[NOTICING], "0898-65301234")
    assert not asks_notice_phone(service.get(imported[NOTICING]), "notice")
    out = tmp_path / "公示名单.pdf"
    # A number given for the print does not replace the batch's own.
    assert print_batch_form(db, imported[NOTICING], "notice", out, notice_phone="13800000000") == 1
    assert "联系电话：0898-65301234。" in text_of(out)


def test_the_number_is_kept_on_a_batch_not_yet_approved_by_a_clerk_and_audited(db, imported):
    noticing = BatchService(db, CLERK).get(imported[NOTICING])
    assert noticing.status == "公示中" and keeps_notice_phone(CLERK, noticing)
    assert save_notice_phone(db, CLERK, imported[NOTICING], "  0898-65301234 ")
    assert BatchService(db, CLERK).get(imported[NOTICING]).notice_phone == "0898-65301234"
    assert audit_of(db, NOTICING) == [("jingban", "update", {"notice_phone": ""}, {"notice_phone": "0898-65301234"})]
    # Filled in once, never replaced from here: changing it is the batch form's business.
    assert not save_notice_phone(db, CLERK, imported[NOTICING], "13800000000")
    assert BatchService(db, CLERK).get(imported[NOTICING]).notice_phone == "0898-65301234"
    assert len(audit_of(db, NOTICING)) == 1


def test_the_number_is_not_kept_on_an_approved_batch_nor_by_a_reviewer(db, imported):
    paid = BatchService(db, CLERK).get(imported[PAID])
    assert paid.status == "已发放" and not keeps_notice_phone(CLERK, paid)
    assert not save_notice_phone(db, CLERK, imported[PAID], "0898-65301234")
    noticing = BatchService(db, CLERK).get(imported[NOTICING])
    assert not keeps_notice_phone(REVIEWER, noticing)
    assert not save_notice_phone(db, REVIEWER, imported[NOTICING], "0898-65301234")
    assert [BatchService(db, CLERK).get(i).notice_phone for i in imported.values()] == ["", ""]
    assert audit_of(db, PAID) == [] and audit_of(db, NOTICING) == []


def test_the_saved_number_keeps_the_batch_record_intact_for_the_integrity_check(db, imported):
    from aiddesk.db.row_digests import findings

    assert save_notice_phone(db, CLERK, imported[NOTICING], "0898-65301234")
    assert findings(db.conn) == []


def test_a_number_without_digits_or_too_long_is_refused_in_chinese(db, imported, tmp_path):
    with pytest.raises(UserError, match="没有数字"):
        save_notice_phone(db, CLERK, imported[NOTICING], "工会办公室")
    with pytest.raises(UserError, match="太长"):
        print_batch_form(db, imported[PAID], "notice", tmp_path / "a.pdf", notice_phone="0898-65301234" * 3)
    assert not (tmp_path / "a.pdf").exists()
    assert BatchService(db, CLERK).get(imported[NOTICING]).notice_phone == ""


def test_a_second_notice_without_a_phone_also_gets_the_line(tmp_path):
    from decimal import Decimal

    from aiddesk.core.batch import Batch
    from aiddesk.reports.notice_list import NoticeRow, write_notice_list

    out = tmp_path / "再公示名单.pdf"
    row = NoticeRow(name="王芳", unit_name="省财贸工会", category="深度困难", amount=Decimal("800.00"), id_number=HEAD,
                    phone="13812345678")
    assert write_notice_list(out, batch=Batch(name="2015年生活救助"), office_name="海南省职工服务中心", rows=[row],
                             notice_phone="  ", period=(date(2016, 1, 4), date(2016, 1, 8)), second_notice=True) == 1
    text = text_of(out)
    assert "2015年生活救助再公示名单" in text and f"联系电话：{BLANK_PHONE}。" in text
