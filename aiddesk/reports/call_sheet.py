"""The 电话抽查记录表: the lines a spot check drew, with full phone numbers and blank columns to fill while calling."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer

from ..core.errors import UserError
from ..core.money import format_yuan
from .common import (CONTENT_W, LongTable, ReportDocument, Title, cn_date, draw_footer, field_section, height_of,
                     para, styles, table, write_atomically)
from .fonts import register_fonts

TITLE = "电话抽查记录表"

# 序号, 单位, 姓名, 手机号码, 金额, 发放日期, 发放方式, 核实结果, 备注 (the rest), 抽查人, 日期
_COLS = [7 * mm, 19 * mm, 14 * mm, 23 * mm, 17 * mm, 18 * mm, 17.5 * mm, 17 * mm, 0, 12 * mm, 12 * mm]
_COLS[8] = CONTENT_W - sum(_COLS)
HEADER = ("序号", "单位", "姓名", "手机号码", "金额（元）", "发放日期", "发放方式", "核实结果", "备注", "抽查人", "日期")
_ALIGNS = ("CENTRE", "LEFT", "CENTRE", "CENTRE", "RIGHT", "CENTRE", "CENTRE", "CENTRE", "LEFT", "CENTRE", "CENTRE")
ROW_H = 9 * mm   # room to write a result and a short note by hand

PRIVACY = "本表为内部工作用表，载有完整手机号码，请妥善保管，不得张贴或外传。"


@dataclass(frozen=True)
class CallSheetRow:
    unit_name: str
    name: str
    phone: str                  # in full: the caller dials it
    amount: Decimal
    paid_on: date | None
    payment_method: str


@dataclass(frozen=True)
class CallSheet:
    """One draw's sheet: the batch, how the sample was drawn (so it can be repeated), and the lines."""

    office_name: str
    batch_code: str
    batch_name: str
    round_no: int
    seed: str
    drawn_on: date
    drawn_by: str
    method: str                 # 按比例 10% / 按人数 30 人
    population: int
    strata: str                 # 省财贸工会 3/30、省旅游工会 2/20
    results: tuple[str, ...]    # what may be written under 核实结果
    rows: tuple[CallSheetRow, ...]
    printed_on: date

    @property
    def title(self) -> str:
        return f"{self.batch_name}{TITLE}"

    def how_to(self) -> str:
        """The instruction printed above the list (and at the top of the workbook)."""
        return (f"核实结果填写：{'、'.join(self.results)}。请核实本人是否收到、金额与发放方式是否一致；"
                "金额不符或本人未收到的，在备注中写明对方所述情况，并及时在系统中登记，立为问题跟踪处理。"
                "未接通的，请另择时间再拨。" + PRIVACY)

    def reproduce(self) -> str:
        return (f"按所属单位分层随机抽取；以随机种子 {self.seed} 对同一批次重新抽取，可得到相同的名单，"
                "供检查核对。")


def _cells(i: int, r: CallSheetRow) -> list[str]:
    return [str(i), r.unit_name, r.name, r.phone or "（无号码）", format_yuan(r.amount),
            r.paid_on.isoformat() if r.paid_on else "", r.payment_method, "", "", "", ""]


def _sign_off(st: dict, results: tuple[str, ...]):
    """The tally to fill in and the 抽查人 / 复核人 signatures under the list."""
    gap = "<u>" + "&nbsp;" * 8 + "</u>"
    tally = "本次共抽查" + gap + "人，其中" + "，".join(f"{r}{gap}人" for r in results) + "。"
    line = "&nbsp;" * 20
    cells = [Paragraph(f"抽查人（签字）：<u>{line}</u>", st["sign"]),
             Paragraph(f"复核人（签字）：<u>{line}</u>", st["sign"]),
             Paragraph("日期：" + "&nbsp;" * 8 + "年" + "&nbsp;" * 5 + "月" + "&nbsp;" * 5 + "日", st["sign"])]
    signatures = table([cells], [CONTENT_W * 0.33, CONTENT_W * 0.33, CONTENT_W * 0.34], [
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 10),
    ])
    return [Paragraph(tally, st["sign"]), signatures]


def write_call_sheet(path: str | os.PathLike, sheet: CallSheet,
                     progress: Callable[[int], bool] | None = None) -> int:
    """Write ``sheet`` as an A4 PDF; return the number of lines on it.

    ``progress(n)`` is called as pages fill; returning ``False`` cancels
    (:class:`~aiddesk.reports.common.Cancelled`, no file written).
    """
    if not sheet.rows:
        raise UserError("这次抽查没有抽到任何人，无需打印")
    font = register_fonts()
    st = styles(font)
    facts = field_section("抽查情况", [
        [("批次编号", sheet.batch_code), ("批次名称", sheet.batch_name)],
        [("抽取轮次", f"第 {sheet.round_no} 轮"), ("抽取方式", sheet.method),
         ("抽取人数", f"{len(sheet.rows)} 人（共 {sheet.population} 人）")],
        [("随机种子", sheet.seed), ("抽取日期", cn_date(sheet.drawn_on)), ("抽取人", sheet.drawn_by)],
        [("各单位抽取", sheet.strata)],
    ], st)
    sign_off = _sign_off(st, sheet.results)
    closing = [Spacer(1, 3 * mm), *sign_off]
    body = LongTable(_COLS, HEADER, [_cells(i, r) for i, r in enumerate(sheet.rows, start=1)],
                     aligns=_ALIGNS, font=font, size=8.5, min_row_height=ROW_H, room_after=height_of(closing))
    story = [
        Title(sheet.title, font=font, size=17),
        Spacer(1, 3 * mm),
        facts,
        Spacer(1, 2 * mm),
        para(sheet.reproduce(), st["small"]),
        para(sheet.how_to(), st["small"]),
        Spacer(1, 2 * mm),
        body,
        Spacer(1, 3 * mm),
        KeepTogether(sign_off),
    ]
    centre = f"批次编号 {sheet.batch_code}　随机种子 {sheet.seed}"

    def footer(canvas, page, pages):
        draw_footer(canvas, font, left=sheet.office_name, centre=centre, page=page, pages=pages)

    write_atomically(path, lambda tmp: ReportDocument(tmp, title=sheet.title, author=sheet.office_name,
                                                      footer=footer, progress=progress).build(story))
    return len(sheet.rows)
