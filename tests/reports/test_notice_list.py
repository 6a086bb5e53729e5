"""The 公示名单: masked numbers only, a header on every page, page numbers, totals, cancel."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from aiddesk.core.batch import Batch
from aiddesk.core.errors import UserError
from aiddesk.core.idcard import make_id
from aiddesk.core.masking import mask_id_number, mask_phone_number
from aiddesk.core.workdays import MaskPattern, NoticeRules
from aiddesk.db.audit import Actor
from aiddesk.db.household_list import HouseholdFilter
from aiddesk.db.units import get_unit
from aiddesk.reports.common import Cancelled
from aiddesk.reports.notice_list import NoticeRow, write_notice_list
from aiddesk.services.archive import ArchiveService
from aiddesk.services.batches import BatchService

CLERK = Actor("jingban", "界面", ("经办人",))
REVIEWER = Actor("shenhe", "界面", ("审核人",))
OFFICE = "海南省职工服务中心"
OFFICE_PHONE = "0898-65301234"
PERIOD = (date(2026, 11, 26), date(2026, 12, 2))
HEADER = ("序号", "姓名", "身份证号", "所属单位", "困难类别", "金额（元）")


def _pages(path) -> list[str]:
    # Text extraction splits wrapped cells over lines; compare without whitespace.
    return [re.sub(r"\s+", "", page.extract_text()) for page in PdfReader(path).pages]


def _song_nuan() -> Batch:
    return Batch(notice_phone="0898-66123456", name="2026年两节送温暖", activity="送温暖", year=2026, unit_code="460000",
                 fund_sources=["省总工会经费"], standard=Decimal("1000.00"),
                 plan_text="两节前对在档困难职工每户慰问1000元", plan_approval_kind="主席办公会",
                 plan_approved_by="主席办公会（2026年第12次）", plan_approved_on=date(2026, 11, 20))


@pytest.fixture
def noticed(db, actor, make_household):
    """A 送温暖 batch of three households, reviewed and on notice; its rows as the notice list needs them."""
    archive = ArchiveService(db, actor)
    for i, name in enumerate(["张三", "李梅", "王五"], start=1):
        archive.save(make_household(i, name=name, phone=f"1391234567{i}",
                                    unit_code="460001" if i < 3 else "460002"))
    clerk = BatchService(db, CLERK)
    batch_id = clerk.save_draft(_song_nuan())
    clerk.add_from_filter(batch_id, HouseholdFilter(statuses=()))
    db.clock.set(PERIOD[0])
    clerk.transition(batch_id, "审核中")
    BatchService(db, REVIEWER).transition(batch_id, "公示中")
    batch = clerk.get(batch_id)
    rows, households = [], []
    for r in clerk.records(batch_id):
        h = archive.get(r.household_id)
        households.append(h)
        rows.append(NoticeRow(name=r.recipient_name, unit_name=get_unit(db.conn, h.unit_code).name,
                              category=h.hardship_category, amount=r.amount, id_number=r.recipient_id_number,
                              phone=h.phone))
    return batch, rows, households


def _synthetic(n: int) -> list[NoticeRow]:
    return [NoticeRow(name=f"职工{i}", unit_name="省财贸工会" if i % 2 else "省旅游工会", category="低保户",
                      amount=Decimal("600.00") + i, id_number=make_id("460100", date(1970, 1, 1 + i % 28), i),
                      phone=f"1380000{i:04d}") for i in range(1, n + 1)]


def _write(path, batch, rows, **kw) -> int:
    values = dict(batch=batch, office_name=OFFICE, rows=rows, notice_phone=OFFICE_PHONE, period=PERIOD)
    values.update(kw)
    return write_notice_list(path, **values)


def test_the_list_shows_masked_numbers_and_never_a_full_one(noticed, tmp_path):
    batch, rows, households = noticed
    out = tmp_path / "公示名单.pdf"

    assert _write(out, batch, rows, period=(batch.notice_start, batch.notice_end)) == 3

    text = "".join(_pages(out))
    assert "2026年两节送温暖公示名单" in text
    for row in rows:
        assert row.name in text
        assert mask_id_number(row.id_number) in text
        assert row.id_number[:6] + "********" + row.id_number[-4:] in text
    private = [h.id_number for h in households] + [m.id_number for h in households for m in h.members]
    private += [h.phone for h in households] + [h.bank_card for h in households]
    for number in private:
        assert number not in text, number
    # Nor the middle part alone, which is what the mask is for.
    assert not any(row.id_number[6:14] in text for row in rows)
    assert "省财贸工会" in text and "省旅游工会" in text and "低保户" in text
    # The notice: its period, where to object, and the office's own phone.
    assert "公示期为2026年11月26日至2026年12月2日" in text
    assert f"请于公示期内向{OFFICE}反映" in text and f"联系电话：{OFFICE_PHONE}" in text
    assert "合计共3人3,000.00" in text and "金额合计3,000.00元" in text


def test_a_long_list_repeats_the_header_and_numbers_its_pages(tmp_path):
    rows = _synthetic(120)
    out = tmp_path / "long.pdf"
    batch = Batch(code="460000-PC2026-001", name="2026年两节送温暖", activity="送温暖", year=2026)

    _write(out, batch, rows)

    pages = _pages(out)
    assert len(pages) >= 3
    for n, page in enumerate(pages, start=1):
        assert "".join(HEADER) in page, n
        assert f"第{n}页共{len(pages)}页" in page
        assert OFFICE in page
    assert pages[0].count("公示名单") == 1 and "公示名单" not in pages[1]
    text = "".join(pages)
    for i, row in enumerate(rows, start=1):
        assert f"{i}{row.name}{mask_id_number(row.id_number)}" in text
        assert row.id_number not in text and row.phone not in text
    total = sum(r.amount for r in rows)
    assert total == Decimal("79260.00")
    assert "合计共120人79,260.00" in pages[-1]
    # The total never stands alone on the last page.
    assert "120职工120" in pages[-1]


def test_the_second_notice(noticed, tmp_path):
    batch, rows, _ = noticed
    out = tmp_path / "再公示.pdf"

    _write(out, batch, rows, second_notice=True, period=(date(2026, 12, 7), date(2026, 12, 11)))

    text = "".join(_pages(out))
    assert "2026年两节送温暖再公示名单" in text and "经审批" in text
    assert "公示期为2026年12月7日至2026年12月11日" in text


def test_a_number_typed_into_another_field_is_masked_there_too(tmp_path):
    row = NoticeRow(name="张三", unit_name="省财贸工会（电话13912345678）", category="低保户",
                    amount=Decimal("1000.00"), id_number=make_id("460100", date(1975, 3, 2), 3),
                    phone="13912345678")
    out = tmp_path / "list.pdf"

    _write(out, Batch(notice_phone="0898-66123456", name="送温暖"), [row])

    text = "".join(_pages(out))
    assert "13912345678" not in text and mask_phone_number("13912345678") in text


def test_the_masks_follow_the_rules_given(tmp_path):
    rules = NoticeRules(notice_working_days=5, id_mask=MaskPattern(4, 2), phone_mask=MaskPattern(3, 4),
                        landline_keep_end=4, mask_char="#")
    row = _synthetic(1)[0]
    out = tmp_path / "list.pdf"

    _write(out, Batch(notice_phone="0898-66123456", name="送温暖"), [row], rules=rules)

    assert row.id_number[:4] + "#" * 12 + row.id_number[-2:] in "".join(_pages(out))


def test_progress_counts_rows_and_cancel_leaves_the_old_file(tmp_path):
    rows = _synthetic(120)
    out = tmp_path / "list.pdf"
    calls: list[int] = []
    _write(out, Batch(notice_phone="0898-66123456", name="送温暖"), rows, progress=lambda n: calls.append(n) or True)
    assert calls == sorted(calls) and calls[-1] == 120 and len(calls) >= 3

    out.write_bytes(b"old")
    with pytest.raises(Cancelled):
        _write(out, Batch(notice_phone="0898-66123456", name="送温暖"), rows, progress=lambda n: n < 40)
    assert out.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["list.pdf"]


def test_nothing_to_post_or_a_backwards_period_is_refused(tmp_path):
    # (No phone is not refused: the notice leaves a line to write it in — tests/reports/test_notice_imported_batch.py.)
    with pytest.raises(UserError):
        _write(tmp_path / "a.pdf", Batch(notice_phone="0898-66123456", name="送温暖"), [])
    with pytest.raises(UserError, match="公示期"):
        _write(tmp_path / "a.pdf", Batch(notice_phone="0898-66123456", name="送温暖"), _synthetic(1), period=(PERIOD[1], PERIOD[0]))
    assert list(tmp_path.iterdir()) == []


def test_only_the_bundled_font_is_used_and_embedded(tmp_path):
    out = tmp_path / "list.pdf"
    _write(out, Batch(notice_phone="0898-66123456", name="送温暖"), _synthetic(40))

    for page in PdfReader(out).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            descriptor = (descendants[0].get_object() if descendants else font).get("/FontDescriptor")
            assert re.search(r"WQY|WenQuanYi", str(font["/BaseFont"]), re.I), font["/BaseFont"]
            assert "/FontFile2" in descriptor.get_object()
