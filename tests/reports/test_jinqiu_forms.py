"""The printed 金秋助学 forms: 对象登记表 for 新生, 回访登记表 for 在校生, one page per student."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from aiddesk.core.batch import AidRecord, Batch
from aiddesk.core.errors import UserError
from aiddesk.db.audit import Actor
from aiddesk.reports.jinqiu_forms import Cancelled, JinqiuItem, write_jinqiu_forms
from aiddesk.services.archive import ArchiveService
from aiddesk.services.batches import BatchService
from aiddesk.services.payments import PaymentService

CLERK = Actor("jingban", "界面", ("经办人",))
TODAY = date(2026, 11, 26)


def _pages(path) -> list[str]:
    # Text extraction splits wrapped cells over lines; compare without whitespace.
    return [re.sub(r"\s+", "", page.extract_text()) for page in PdfReader(path).pages]


@pytest.fixture
def jinqiu(db, actor, make_household, tmp_path):
    """A 金秋助学 batch with a 新生 (本科) and an 在校生 (专科) from two households."""
    archive = ArchiveService(db, actor)
    first = make_household(1, name="张三", address="海口市龙华区金贸路1号")
    second = make_household(2, name="李梅")
    second.members[1].name = "李小龙"
    households = [archive.get(archive.save(h).household_id) for h in (first, second)]

    batches = BatchService(db, CLERK)
    batch_id = batches.save_draft(Batch(
        notice_phone="0898-66123456", name="2026年金秋助学（第一批）", activity="金秋助学", year=2026, unit_code="460000",
        fund_sources=["省总工会经费"],
        student_standards={("本科", "新生"): Decimal(3000), ("专科", "在校生"): Decimal(1500)}))
    students = [
        AidRecord(household_id=households[0].id, amount=Decimal("3000.00"), student_name="张小明",
                  student_id_number=households[0].members[1].id_number, school="海南大学", major="计算机科学与技术",
                  education_level="本科", enrollment_year=2026, student_kind="新生"),
        AidRecord(household_id=households[1].id, amount=Decimal("1500.00"), student_name="李小龙",
                  student_id_number=households[1].members[1].id_number, school="海南职业技术学院",
                  major="旅游管理", education_level="专科", enrollment_year=2025, student_kind="在校生"),
    ]
    ids = [batches.add_line(batch_id, s) for s in students]
    notice = tmp_path / "录取通知书.jpg"
    notice.write_bytes(b"admission notice")
    PaymentService(db, CLERK).attach_to_line(ids[0], "录取通知书", notice)

    pay = PaymentService(db, CLERK)
    by_id = {r.id: r for r in batches.records(batch_id)}
    items = [JinqiuItem(by_id[i], h, tuple(a.kind for a in pay.attachments(batch_id, record_id=i)))
             for i, h in zip(ids, households)]
    return batches.get(batch_id), items


def test_one_page_per_student_titled_by_kind(jinqiu, tmp_path):
    batch, items = jinqiu
    out = tmp_path / "金秋助学.pdf"
    assert write_jinqiu_forms(out, batch=batch, office_name="海南省职工服务中心", items=items,
                              printed_on=TODAY) == 2
    first, second = _pages(out)
    new = items[0]

    assert "金秋助学对象登记表" in first and "回访登记表" not in first
    assert "张小明" in first and "海南大学" in first and "计算机科学与技术" in first
    assert new.record.student_id_number in first            # the full number: the form is filed, not posted
    assert "张三" in first and new.household.archive_no in first and "海口市龙华区金贸路1号" in first
    assert "3,000.00" in first and "省总工会经费" in first and batch.code in first
    assert "录取通知书" in first and "子" in first
    assert "经办人（签字）" in first and "审核人（签字）" in first and "工会意见" in first
    assert "学习情况" not in first

    assert "金秋助学回访登记表" in second and "对象登记表" not in second
    assert "李小龙" in second and "海南职业技术学院" in second and "李梅" in second
    assert "1,500.00" in second and "（未登记附件）" in second
    for box in ("学习情况", "生活情况", "回访意见", "回访人（签字）"):
        assert box in second
    assert "第1页" in first and "第1页" in second               # each form fits on its own page


def test_font_is_embedded(jinqiu, tmp_path):
    batch, items = jinqiu
    out = tmp_path / "金秋助学.pdf"
    write_jinqiu_forms(out, batch=batch, office_name="海南省职工服务中心", items=items, printed_on=TODAY)
    fonts = []
    for page in PdfReader(out).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            descriptor = (descendants[0].get_object() if descendants else font).get("/FontDescriptor")
            fonts.append((str(font["/BaseFont"]), descriptor is not None and (
                "/FontFile2" in descriptor.get_object() or "/FontFile3" in descriptor.get_object())))
    assert fonts
    for name, embedded in fonts:
        assert re.search(r"WQY|WenQuanYi", name, re.IGNORECASE), name
        assert embedded, name


def test_cancel_leaves_no_file(jinqiu, tmp_path):
    batch, items = jinqiu
    out = tmp_path / "金秋助学.pdf"
    with pytest.raises(Cancelled):
        write_jinqiu_forms(out, batch=batch, office_name="中心", items=items, progress=lambda n: n < 1,
                           printed_on=TODAY)
    assert list(tmp_path.glob("*.pdf*")) == []


def test_refuses_lines_that_are_not_students(jinqiu, tmp_path):
    batch, items = jinqiu
    with pytest.raises(UserError, match="没有选中"):
        write_jinqiu_forms(tmp_path / "a.pdf", batch=batch, office_name="中心", items=[], printed_on=TODAY)
    plain = JinqiuItem(AidRecord(recipient_name="王五", amount=Decimal("1000.00")), items[0].household)
    with pytest.raises(UserError, match="王五.*新生/在校生"):
        write_jinqiu_forms(tmp_path / "a.pdf", batch=batch, office_name="中心", items=[plain], printed_on=TODAY)
    assert not (tmp_path / "a.pdf").exists()
