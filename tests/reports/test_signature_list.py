"""The 实名制签领表 for cash: full ID numbers to sign against, a header on every page, totals, sign-off."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from aiddesk.core.batch import AidRecord, Batch
from aiddesk.core.errors import UserError
from aiddesk.core.idcard import make_id
from aiddesk.db.audit import Actor
from aiddesk.reports.common import Cancelled
from aiddesk.reports.signature_list import write_signature_list
from aiddesk.services.archive import ArchiveService
from aiddesk.services.batches import BatchService

CLERK = Actor("jingban", "界面", ("经办人",))
OFFICE = "海南省职工服务中心"
HEADER = "序号姓名所属单位身份证号金额（元）领取人签名领取日期"


def _pages(path) -> list[str]:
    # Text extraction splits wrapped cells over lines; compare without whitespace.
    return [re.sub(r"\s+", "", page.extract_text()) for page in PdfReader(path).pages]


@pytest.fixture
def cash(db, actor, make_household):
    """A 临时救助 batch paid in cash to two households (one with a member as recipient)."""
    archive = ArchiveService(db, actor)
    ids = [archive.save(make_household(i, name=n)).household_id for i, n in enumerate(["张三", "李梅"], 1)]
    clerk = BatchService(db, CLERK)
    batch_id = clerk.save_draft(Batch(name="2026年台风“摩羯”临时救助", activity="临时救助", year=2026,
                                      unit_code="460000", fund_sources=["省总工会经费"], standard=Decimal("2000.00")))
    spouse = archive.get(ids[1]).members[0]
    for hid, who in ((ids[0], ""), (ids[1], spouse.id_number)):
        clerk.add_line(batch_id, AidRecord(household_id=hid, amount=Decimal("2000.00"), payment_method="现金",
                                           recipient_id_number=who, application_date=date(2026, 9, 8)))
    return clerk.get(batch_id), [(r, "省财贸工会") for r in clerk.records(batch_id)]


def test_the_list_has_full_numbers_to_sign_against(cash, tmp_path):
    batch, rows = cash
    out = tmp_path / "签领表.pdf"

    assert write_signature_list(out, batch=batch, office_name=OFFICE, rows=rows) == 2

    pages = _pages(out)
    assert len(pages) == 1
    text = pages[0]
    assert "2026年台风“摩羯”临时救助实名制签领表" in text
    assert HEADER in text
    for r, unit in rows:
        assert f"{r.recipient_name}{unit}{r.recipient_id_number}2,000.00" in text
    assert rows[1][0].recipient_name == "李四"     # the member who receives it signs, not the head
    assert "合计共2人4,000.00大写：人民币肆仟元整" in text
    assert "经办人（签字）" in text and "审核人（签字）" in text and "发放日期" in text
    assert batch.code in text and "资金来源：省总工会经费" in text
    assert "第1页共1页" in text


def test_a_long_list_repeats_the_header_on_every_page(tmp_path):
    rows = [(AidRecord(recipient_name=f"职工{i}", recipient_id_number=make_id("460100", date(1970, 1, 1 + i % 28), i),
                       amount=Decimal("500.00"), fund_source="省财政", payment_method="现金"), "省旅游工会")
            for i in range(1, 61)]
    out = tmp_path / "签领表.pdf"
    calls: list[int] = []

    write_signature_list(out, batch=Batch(code="460000-PC2026-009", name="临时救助"), office_name=OFFICE,
                         rows=rows, progress=lambda n: calls.append(n) or True)

    pages = _pages(out)
    assert len(pages) >= 3
    for n, page in enumerate(pages, start=1):
        assert HEADER in page and f"第{n}页共{len(pages)}页" in page
    text = "".join(pages)
    assert all(r.recipient_id_number in text for r, _ in rows)
    assert "合计共60人30,000.00大写：人民币叁万元整" in pages[-1]
    assert calls[-1] == 60 and calls == sorted(calls)


def test_cancel_and_empty(cash, tmp_path):
    batch, rows = cash
    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(Cancelled):
        write_signature_list(folder / "a.pdf", batch=batch, office_name=OFFICE, rows=rows, progress=lambda n: False)
    with pytest.raises(UserError):
        write_signature_list(folder / "a.pdf", batch=batch, office_name=OFFICE, rows=[])
    assert list(folder.iterdir()) == []
