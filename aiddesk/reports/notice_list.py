"""The 公示名单 posted on the notice board: who is to get how much, with ID numbers masked."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer

from ..core.batch import Batch
from ..core.errors import UserError
from ..core.masking import mask_id_number, mask_phone_number
from ..core.money import format_yuan
from ..core.workdays import NoticeRules, load_notice_rules
from .common import (CONTENT_W, LongTable, ReportDocument, Title, cn_date, draw_footer, height_of, para, styles,
                     write_atomically)
from .fonts import register_fonts

# 序号, 姓名, 身份证号, 所属单位 (the rest), 困难类别, 金额（元）
_COLS = [12 * mm, 22 * mm, 40 * mm, 0, 26 * mm, 26 * mm]
_COLS[3] = CONTENT_W - sum(_COLS)
_HEADER = ("序号", "姓名", "身份证号", "所属单位", "困难类别", "金额（元）")
_ALIGNS = ("CENTRE", "CENTRE", "CENTRE", "LEFT", "CENTRE", "RIGHT")
# Where a batch has no 异议联系电话 (a unit's batch taken in from its exchange workbook has none), the notice
# leaves a line for the number to be written in by hand: room for "0898-66123456" in a pen's hand.
BLANK_PHONE = "_" * 20


@dataclass(frozen=True)
class NoticeRow:
    """One person on the list. ``id_number`` and ``phone`` are never printed as they are."""

    name: str
    unit_name: str
    category: str          # 困难类别
    amount: Decimal
    id_number: str
    phone: str


def _public(text: str, row: NoticeRow, rules: NoticeRules) -> str:
    """``text`` with the person's own ID or phone number masked wherever it was typed into it.

    A number keyed into the wrong field (a phone as a unit name) would otherwise go
    up on the wall in full.
    """
    if row.id_number and row.id_number in text:
        text = text.replace(row.id_number, mask_id_number(row.id_number, rules))
    if row.phone and row.phone in text:
        text = text.replace(row.phone, mask_phone_number(row.phone, rules))
    return text


def _cells(i: int, row: NoticeRow, rules: NoticeRules) -> list[str]:
    return [str(i), _public(row.name, row, rules), mask_id_number(row.id_number, rules),
            _public(row.unit_name, row, rules), _public(row.category, row, rules), format_yuan(row.amount)]


def _notice_text(batch: Batch, office_name: str, count: int, total: Decimal, notice_phone: str,
                 period: tuple[date, date], second_notice: bool) -> str:
    start, end = period
    if second_notice:
        opening = f"经审批，现将{batch.name}帮扶对象名单予以再公示"
    else:
        opening = f"根据困难职工帮扶救助工作有关规定，经本人申请、工会审核，现将{batch.name}拟帮扶对象名单予以公示"
    return (f"{opening}（共 {count} 人，金额合计 {format_yuan(total)} 元）。"
            f"公示期为{cn_date(start)}至{cn_date(end)}。"
            f"如有异议，请于公示期内向{office_name}反映，联系电话：{notice_phone or BLANK_PHONE}。"
            "反映情况应实事求是，对反映人的信息予以保密。")


def write_notice_list(path: str | os.PathLike, *, batch: Batch, office_name: str, rows: Sequence[NoticeRow],
                      notice_phone: str, period: tuple[date, date], second_notice: bool = False,
                      rules: NoticeRules | None = None, progress: Callable[[int], bool] | None = None) -> int:
    """Write the 公示名单 (or 再公示名单) of ``batch`` as an A4 PDF; return the number of people on it.

    ID numbers are masked with the notice rules; phone numbers are not printed. A blank ``notice_phone``
    prints as a line (:data:`BLANK_PHONE`) where the office writes its number in by hand.
    ``progress(n)`` is called as pages fill, with the rows laid out so far;
    returning ``False`` cancels (:class:`~aiddesk.reports.common.Cancelled`, no file).
    """
    if not rows:
        raise UserError("名单中没有任何人，无法打印公示名单")
    start, end = period
    if end < start:
        raise UserError("公示结束日期早于开始日期，请检查公示期")
    rules = rules or load_notice_rules()
    font = register_fonts()
    st = styles(font)
    total = sum((r.amount for r in rows), Decimal("0.00"))
    title = f"{batch.name}{'再公示名单' if second_notice else '公示名单'}"

    # The sender's name and date close the notice, as on any official notice; never alone on a page.
    signed = [para(office_name, st["body_r"]), para(cn_date(start), st["body_r"])]
    closing = [Spacer(1, 8 * mm), *signed]
    body = LongTable(
        _COLS, _HEADER, [_cells(i, r, rules) for i, r in enumerate(rows, start=1)],
        aligns=_ALIGNS, font=font, size=9.5, room_after=height_of(closing),
        tail=[["合计", None, f"共 {len(rows)} 人", None, None, format_yuan(total)]])
    story = [
        Title(title, font=font, size=18),
        Spacer(1, 4 * mm),
        para(_notice_text(batch, office_name, len(rows), total, notice_phone.strip(), period, second_notice),
             st["body"]),
        Spacer(1, 4 * mm),
        body,
        Spacer(1, 8 * mm),
        KeepTogether(signed),
    ]
    centre = f"公示期：{cn_date(start)}至{cn_date(end)}"

    def footer(canvas, page, pages):
        draw_footer(canvas, font, left=office_name, centre=centre, page=page, pages=pages)

    write_atomically(path, lambda tmp: ReportDocument(tmp, title=title, author=office_name, footer=footer,
                                                      progress=progress).build(story))
    return len(rows)
