"""The printed 工会困难职工帮扶资金管理使用意见反馈表: blank, or pre-filled with a household and the aid it got."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer

from ..core.codes import code_list
from ..core.errors import UserError
# Cancelled is re-exported: callers of this module catch it from here.
from .common import (one_per_page, CONTENT_W, GRID_COLOR, LABEL_BG, MARGIN, PAGE_H, SECTION_BG, Cancelled,  # noqa: F401
                     Mark, ReportDocument, Title, base_style, cn_date, form_footer, field_section, para,
                     section_heading, styles, table, write_atomically, yuan)
from .fonts import register_fonts
from .visit_form import TICK_BOTTOM_PAD, signature_section, tick_boxes, tick_style

TITLE = "工会困难职工帮扶资金管理使用意见反馈表"
INTRO = ("为了解帮扶资金的发放和使用情况，改进帮扶工作，请您如实填写本表，在相应的□内打“√”。"
         "本表由工会留存，不对外公开。")
COMMENT_H = 76 * mm
ROW_H = 8 * mm


@dataclass(frozen=True)
class FeedbackFormItem:
    """One form to print; empty fields print blank, to fill in by hand."""

    name: str = ""
    archive_no: str = ""
    unit_name: str = ""
    phone: str = ""
    address: str = ""
    aid: str = ""                       # the batch's name: what the aid was
    amount: Decimal | None = None       # what the household received in that batch
    paid_on: date | None = None
    payment_method: str = ""


def _person_section(item: FeedbackFormItem, st: dict) -> Flowable:
    rows = [
        [("姓名", item.name), ("档案编号", item.archive_no), ("联系电话", item.phone)],
        [("所属单位", item.unit_name)],
        [("家庭住址", item.address)],
        [("帮扶项目", item.aid)],
        [("帮扶金额", yuan(item.amount)), ("发放日期", cn_date(item.paid_on)), ("发放方式", item.payment_method)],
    ]
    section = field_section("一、基本情况", rows, st)
    # A row left blank is filled in by hand: make it tall enough to write in. field_section takes no
    # row heights, so they are set before the table is laid out (reportlab keeps them in _argH);
    # a row with text keeps its natural height, so a long address still wraps inside its cell.
    section._argH = [None] + [None if any(pair[1] for pair in row) else ROW_H for row in rows]
    return section


_QUESTION_COLS = [12 * mm, 52 * mm]
_QUESTION_COLS.append(CONTENT_W - sum(_QUESTION_COLS))


def _questions_section(st: dict) -> Flowable:
    answer = tick_style(st)
    rows = [
        ("1", "是否收到帮扶资金", Paragraph(tick_boxes(("是", "否")), answer)),
        ("2", "金额是否相符",
         Paragraph(tick_boxes(("相符", "不相符")) + "（实际收到" + "&nbsp;" * 16 + "元）", answer)),
        ("3", "对帮扶工作是否满意", Paragraph(tick_boxes(code_list("satisfaction")), answer)),
        ("4", "意见和建议", ""),
    ]
    data = [section_heading("二、意见调查（在□内打“√”）", 3, st)]
    data += [[para(n, st["label"]), para(q, st["value"]), a] for n, q, a in rows]
    style = base_style(3) + [("BACKGROUND", (0, 1), (1, -1), LABEL_BG), ("VALIGN", (2, 4), (2, 4), "TOP"),
                             ("BOTTOMPADDING", (2, 1), (2, 3), TICK_BOTTOM_PAD)]
    return table(data, _QUESTION_COLS, style, rowHeights=[None, 12 * mm, 12 * mm, 12 * mm, COMMENT_H])


def _form(item: FeedbackFormItem, count: int, year: int, st: dict) -> list[Flowable]:
    note = f"{item.name}　档案编号：{item.archive_no}" if item.name else ""
    return [
        Mark(None, note=note, new_form=True),
        Title(TITLE, font=st["value"].fontName, size=18),
        Spacer(1, 2 * mm),
        para(f"（{year}年度）", st["center"]),
        Spacer(1, 3 * mm),
        para(INTRO, st["body"]),
        Spacer(1, 3 * mm),
        _person_section(item, st),
        _questions_section(st),
        signature_section("三、签字", ("反馈人", "调查人"), st),
        Mark(count),
    ]


def write_feedback_forms(path: str | os.PathLike, items: Iterable[FeedbackFormItem], *, office_name: str, year: int,
                         printed_on: date, progress: Callable[[int], bool] | None = None) -> int:
    """Write one PDF with an 意见反馈表 per item; return how many forms.

    ``progress(n)`` is called after the n-th form; returning ``False`` cancels
    (:class:`Cancelled`, no file written).
    """
    font = register_fonts()
    st = styles(font)
    story, count = one_per_page(_form(item, n, year, st) for n, item in enumerate(items, start=1))
    if not count:
        raise UserError("没有要打印的反馈表")
    printed = f"打印日期：{printed_on.isoformat()}"

    footer = form_footer(font, left=office_name, centre=printed)

    write_atomically(path, lambda tmp: ReportDocument(tmp, title=TITLE, author=office_name, footer=footer,
                                                      progress=progress).build(story))
    return count
