"""The 实名制签领表: cash paid out only against each recipient's own signature beside their ID number."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from decimal import Decimal

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer

from ..core.batch import AidRecord, Batch
from ..core.errors import UserError
from ..core.money import format_yuan
from .common import (CONTENT_W, LongTable, ReportDocument, Title, draw_footer, height_of, para, styles, table,
                     write_atomically, yuan_in_words)
from .fonts import register_fonts

# 序号, 姓名, 所属单位, 身份证号, 金额, 领取人签名 (the rest), 领取日期
_COLS = [10 * mm, 18 * mm, 28 * mm, 38 * mm, 22 * mm, 0, 24 * mm]
_COLS[5] = CONTENT_W - sum(_COLS)
_HEADER = ("序号", "姓名", "所属单位", "身份证号", "金额（元）", "领取人签名", "领取日期")
_ALIGNS = ("CENTRE", "CENTRE", "LEFT", "CENTRE", "RIGHT", "CENTRE", "CENTRE")
ROW_H = 12 * mm   # room for a handwritten name (and a thumbprint beside it)

NOTE = ("说明：领取人须核对本人身份证后亲笔签名；代领的，须在签名栏注明代领人姓名、身份证号及与领取人关系，"
        "并附领取人委托书。签名须与领取人一致，不得由经办人代签。")


def _sign_off(st: dict):
    """经办人 / 审核人 / 发放日期 lines under the list, signed by hand."""
    # Paragraph folds runs of spaces, so the gaps to write in are non-breaking spaces.
    line = "&nbsp;" * 20
    cells = [Paragraph(f"经办人（签字）：<u>{line}</u>", st["sign"]),
             Paragraph(f"审核人（签字）：<u>{line}</u>", st["sign"]),
             Paragraph("发放日期：" + "&nbsp;" * 8 + "年" + "&nbsp;" * 5 + "月" + "&nbsp;" * 5 + "日", st["sign"])]
    return table([cells], [CONTENT_W * 0.33, CONTENT_W * 0.33, CONTENT_W * 0.34], [
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 8),
    ])


def write_signature_list(path: str | os.PathLike, *, batch: Batch, office_name: str,
                         rows: Sequence[tuple[AidRecord, str]], progress: Callable[[int], bool] | None = None) -> int:
    """Write the 实名制签领表 for ``rows`` (``(line, unit name)``, the lines paid in cash); return how many.

    Full ID numbers are printed: the recipient signs against their own.
    ``progress(n)`` is called as pages fill; returning ``False`` cancels
    (:class:`~aiddesk.reports.common.Cancelled`, no file written).
    """
    if not rows:
        raise UserError("没有现金发放的明细，无需打印实名制签领表")
    font = register_fonts()
    st = styles(font)
    total = sum((r.amount for r, _unit in rows), Decimal("0.00"))
    sign_off = [para(NOTE, st["small"]), _sign_off(st)]
    closing = [Spacer(1, 2 * mm), *sign_off]
    body = LongTable(
        _COLS, _HEADER,
        [[str(i), r.recipient_name, unit, r.recipient_id_number, format_yuan(r.amount), "", ""]
         for i, (r, unit) in enumerate(rows, start=1)],
        aligns=_ALIGNS, font=font, size=9.5, min_row_height=ROW_H, room_after=height_of(closing),
        tail=[["合计", None, f"共 {len(rows)} 人", None, format_yuan(total),
               f"大写：人民币{yuan_in_words(total)}", None]])
    title = f"{batch.name}实名制签领表"
    sources = "、".join(dict.fromkeys(r.fund_source for r, _unit in rows))
    meta = table([[para(f"批次编号：{batch.code}", st["meta"]), para(f"发放单位：{office_name}", st["meta"]),
                   para(f"资金来源：{sources}", st["meta"])]],
                 [55 * mm, 65 * mm, CONTENT_W - 120 * mm],
                 [("LEFTPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                  ("VALIGN", (0, 0), (-1, -1), "BOTTOM")])
    story = [
        Title(title, font=font, size=18),
        Spacer(1, 3 * mm),
        meta,
        body,
        Spacer(1, 2 * mm),
        KeepTogether(sign_off),
    ]

    def footer(canvas, page, pages):
        draw_footer(canvas, font, left=office_name, centre=f"批次编号 {batch.code}", page=page, pages=pages)

    write_atomically(path, lambda tmp: ReportDocument(tmp, title=title, author=office_name, footer=footer,
                                                      progress=progress).build(story))
    return len(rows)
