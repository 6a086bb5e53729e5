"""The printed 困难职工档案登记表: content, one form per household, cancel, embedded font."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from aiddesk.core.errors import UserError
from aiddesk.reports.archive_form import ArchiveFormItem, Cancelled, write_archive_forms
from aiddesk.services.archive import ArchiveService

TODAY = date(2026, 11, 26)
LONG_ADDRESS = ("海南省海口市龙华区金贸街道国贸路与玉沙路交叉口往东二百米南侧金海岸罗马花园"
                "三期十八栋二单元一千八百零八室（近海口市第一人民医院新院区东门公交站）")
LONG_EMPLOYER = "海南省某某国际旅游发展集团有限公司海口分公司第三物业管理服务中心后勤保障部"


def _text(path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def _flat(text: str) -> str:
    # Text extraction splits wrapped cells over lines; compare without whitespace.
    return re.sub(r"\s+", "", text)


@pytest.fixture
def service(db, actor):
    return ArchiveService(db, actor)


def _item(service, household_id: int) -> ArchiveFormItem:
    return ArchiveFormItem(service.get(household_id), "省财贸工会", tuple(service.attachments(household_id)))


def _save(service, make_household, seq: int, **overrides) -> int:
    return service.save(make_household(seq, **overrides)).household_id


def test_form_shows_the_household(service, make_household, tmp_path):
    hid = _save(service, make_household, 1, address=LONG_ADDRESS, employer=LONG_EMPLOYER,
                union_opinion="情况属实，同意建档。")
    scan = tmp_path / "身份证扫描.jpg"
    scan.write_bytes(b"fake jpeg")
    service.add_attachment(hid, "身份证/户口本", scan)
    item = _item(service, hid)
    h = item.household
    out = tmp_path / "form.pdf"

    assert write_archive_forms(out, [item], office_name="海南省职工服务中心", printed_on=TODAY) == 1

    text = _text(out)
    flat = _flat(text)
    assert "困难职工档案登记表" in text
    assert h.name in text
    assert h.id_number in flat                     # the full number, not masked
    for m in h.members:
        assert m.name in text
        assert m.id_number in flat
    # (900×12 + 300×12 + 1200) ÷ 3 人 ÷ 12 月
    assert h.per_capita_income == Decimal("433.33")
    assert "433.33元" in flat
    assert "身份证/户口本" in text and "身份证扫描.jpg" in flat
    assert h.missing_docs and all(doc in flat for doc in h.missing_docs)
    assert "低保证" in h.missing_docs and "身份证/户口本" not in h.missing_docs
    for label in ("建档人（签字）", "审核人（签字）", "工会意见", "（盖章）"):
        assert label in flat
    assert "情况属实，同意建档。" in flat
    assert h.archive_no in text and "省财贸工会" in text
    assert "海南省职工服务中心" in text and "2026-11-26" in text
    # Long values wrap inside their cells but every character is still printed.
    assert LONG_ADDRESS in flat
    assert LONG_EMPLOYER in flat


def test_long_address_wraps_inside_its_cell(service, make_household, tmp_path):
    hid = _save(service, make_household, 1, address=LONG_ADDRESS)
    out = tmp_path / "form.pdf"
    write_archive_forms(out, [_item(service, hid)], office_name="海南省职工服务中心", printed_on=TODAY)

    text = _text(out)
    lines = [line for line in text.splitlines() if "海南省海口市龙华区" in line]
    assert lines and LONG_ADDRESS not in lines[0]   # broken over more than one line


def test_markup_characters_in_values_print_as_typed(service, make_household, tmp_path):
    hid = _save(service, make_household, 1, employer="<海南>A&B合作社")
    out = tmp_path / "form.pdf"
    write_archive_forms(out, [_item(service, hid)], office_name="海南省职工服务中心", printed_on=TODAY)

    assert "<海南>A&B合作社" in _flat(_text(out))


def test_several_households_make_one_pdf_with_a_form_each(service, make_household, tmp_path):
    ids = [_save(service, make_household, seq, name=name) for seq, name in ((1, "张三"), (2, "王五"), (3, "赵六"))]
    many = _save(service, make_household, 4, name="钱七", members=3)
    ids.append(many)
    calls = []
    out = tmp_path / "batch.pdf"

    count = write_archive_forms(out, (_item(service, i) for i in ids), office_name="海南省职工服务中心",
                                printed_on=TODAY, progress=lambda n: calls.append(n) or True)

    assert count == 4
    assert calls == [1, 2, 3, 4]
    text = _text(out)
    assert text.count("困难职工档案登记表") == 4
    for name in ("张三", "王五", "赵六", "钱七"):
        assert name in text
    # Each form starts on a new page: every form's first page carries the title.
    reader = PdfReader(out)
    first_pages = [p for p in reader.pages if "困难职工档案登记表" in p.extract_text()]
    assert len(first_pages) == 4


def test_many_members_run_over_to_a_second_page(service, make_household, tmp_path):
    from aiddesk.core.household import Member
    from aiddesk.core.idcard import make_id

    h = make_household(1, members=0)
    for i in range(16):
        h.members.append(Member(name=f"成员{i + 1}", relation="其他",
                                id_number=make_id("460100", date(1990, 1, 1 + i), 100 + i)))
    h.household_size = 17
    hid = service.save(h).household_id
    out = tmp_path / "long.pdf"
    write_archive_forms(out, [_item(service, hid)], office_name="海南省职工服务中心", printed_on=TODAY)

    reader = PdfReader(out)
    assert len(reader.pages) == 2
    second = reader.pages[1].extract_text()
    assert "第 2 页" in second and "续页" in second and "张三" in second
    assert "困难职工档案登记表" not in second   # titles still count forms
    assert "成员16" in _text(out)


def test_cancel_leaves_no_file(service, make_household, tmp_path):
    ids = [_save(service, make_household, seq) for seq in (1, 2)]
    out = tmp_path / "cancelled.pdf"

    with pytest.raises(Cancelled):
        write_archive_forms(out, [_item(service, i) for i in ids], office_name="海南省职工服务中心",
                            printed_on=TODAY, progress=lambda n: n < 1)

    assert not out.exists()
    assert list(tmp_path.glob("*.part")) == [] and list(tmp_path.glob(".*.part")) == []


def test_cancel_keeps_an_older_file_untouched(service, make_household, tmp_path):
    hid = _save(service, make_household, 1)
    out = tmp_path / "form.pdf"
    out.write_bytes(b"old")

    with pytest.raises(Cancelled):
        write_archive_forms(out, [_item(service, hid)], office_name="x", printed_on=TODAY,
                            progress=lambda n: False)

    assert out.read_bytes() == b"old"


def test_nothing_to_print_is_refused(tmp_path):
    with pytest.raises(UserError):
        write_archive_forms(tmp_path / "none.pdf", [], office_name="x", printed_on=TODAY)
    assert list(tmp_path.iterdir()) == []


def test_font_is_embedded(service, make_household, tmp_path):
    hid = _save(service, make_household, 1)
    out = tmp_path / "form.pdf"
    write_archive_forms(out, [_item(service, hid)], office_name="海南省职工服务中心", printed_on=TODAY)

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
        assert re.search(r"WQY|WenQuanYi", name, re.I), name
        assert embedded, name


def test_register_fonts_is_idempotent():
    from aiddesk.reports.fonts import FONT_PATH, register_fonts

    assert FONT_PATH.is_file()
    assert register_fonts() == register_fonts() == "WQYMicroHei"


# ---- text too long for its cell ---------------------------------------------------------------------------------
# The forms refuse such text now, but a record kept from before (or written by another program) may hold it.

HUGE_ADDRESS = ("海南省海口市龙华区金贸街道国贸路" * 400)[:5000]
OFFICE = "海南省职工服务中心"


def _bodies(path) -> list[str]:
    """Each page's text without its continuation note and footer (drawn last, so they end the page's text)."""
    return [re.split(r"（续页）户主：|" + OFFICE + "打印日期：", _flat(page.extract_text()))[0]
            for page in PdfReader(path).pages]


def test_a_5000_character_address_is_cut_on_the_form_and_printed_whole_on_its_appendix(service, make_household,
                                                                                         tmp_path):
    from aiddesk.reports.archive_form import CELL_CHARS

    hid = _save(service, make_household, 1, name="符海燕")
    item = _item(service, hid)
    item.household.address = HUGE_ADDRESS
    out = tmp_path / "form.pdf"

    assert write_archive_forms(out, [item], office_name=OFFICE, printed_on=TODAY) == 1

    reader = PdfReader(out)
    bodies = _bodies(out)
    # The form itself is still its one ruled page, signature block included; the address starts in its cell.
    assert "困难职工档案登记表" in bodies[0] and "工会意见" in bodies[0] and "审核人（签字）" in bodies[0]
    assert HUGE_ADDRESS[:CELL_CHARS] + "…（见附页）" in bodies[0]
    # Its 附页 follows on pages of the same form (numbered on, saying whose form they continue) with every character.
    assert bodies[1].startswith("附页：登记表中未印完的内容家庭住址：")
    assert "".join(bodies[1:]) == "附页：登记表中未印完的内容家庭住址：" + HUGE_ADDRESS
    for n, page in enumerate(reader.pages[1:], start=2):
        assert f"第 {n} 页" in page.extract_text() and "（续页）户主：符海燕" in page.extract_text()


def test_every_long_free_text_goes_to_the_appendix_under_its_own_label(service, make_household, tmp_path):
    hid = _save(service, make_household, 1)
    item = _item(service, hid)
    h = item.household
    h.employer = "夔" * 3000
    h.union_opinion = "同意。\n" * 400   # short lines, but far too many of them
    h.members[0].employer_or_school = "甬" * 2000
    out = tmp_path / "form.pdf"

    write_archive_forms(out, [item], office_name=OFFICE, printed_on=TODAY)

    text = "".join(_bodies(out))
    assert text.count("…（见附页）") == 3
    for label in ("工作单位：", "家庭成员第1行“单位或学校”：", "工会意见："):
        assert label in text
    # Whole on the 附页, begun in the cell: 150, 60 characters and 12 lines shown on the form.
    assert text.count("夔") == 3000 + 150 and text.count("甬") == 2000 + 60 and text.count("同意。") == 400 + 12


def test_values_the_forms_accept_print_in_their_cells(service, make_household, tmp_path):
    hid = _save(service, make_household, 1, address="海" * 100, employer="工" * 60, union_opinion="意" * 500)
    out = tmp_path / "form.pdf"
    write_archive_forms(out, [_item(service, hid)], office_name=OFFICE, printed_on=TODAY)

    text = "".join(_bodies(out))
    assert "见附页" not in text and "附页：" not in text
    assert "海" * 100 in text and "工" * 60 in text and "意" * 500 in text
