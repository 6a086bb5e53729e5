"""The printed 帮扶批次核查清单: the batch, each checklist item with its verdict and evidence, and signatures."""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer

from ..core.batch import Batch
from ..core.checklist import FAILED, PASSED, Checklist, Item, person
from .common import (CONTENT_W, GRID_COLOR, LABEL_BG, ReportDocument, Signer, Title, cn_date, draw_footer,
                     field_section, para, signature_boxes, styles, table, write_atomically, yuan)
from .fonts import register_fonts

TITLE = "帮扶批次核查清单"
MAX_NAMES = 10  # offending people named per item; the rest are counted

# ✓ is in WenQuanYi Micro Hei, ✗ (U+2717) is not: the heavy ✘ (U+2718) is, and the word says it anyway.
RESULT_TEXT = {PASSED: "✓ 符合", FAILED: "✘ 不符合"}
RESULT_COLOUR = {PASSED: colors.HexColor("#1e7b34"), FAILED: colors.HexColor("#c0392b")}
WAIVED_TEXT, WAIVED_COLOUR = "豁免", colors.HexColor("#b9770e")

_ITEM_COLS = [10 * mm, 47 * mm, 19 * mm, 0]
_ITEM_COLS[3] = CONTENT_W - sum(_ITEM_COLS)


def _person(username: str | None, names: dict[str, str]) -> str:
    return person(username, names) if username else ""


def _offenders(item: Item, limit: int) -> str:
    if not item.offenders:
        return ""
    named = "、".join(f"{o.name}（{o.detail}）" for o in item.offenders[:limit])
    more = f"等 {len(item.offenders)} 人/项" if len(item.offenders) > limit else ""
    return f"涉及：{named}{more}"


def _items_table(checklist: Checklist, st: dict, limit: int, names: dict[str, str]):
    result = {k: ParagraphStyle(f"result_{k}", parent=st["label"], textColor=c) for k, c in RESULT_COLOUR.items()}
    waived = ParagraphStyle("result_waived", parent=st["label"], textColor=WAIVED_COLOUR)
    data = [[para(t, st["label"]) for t in ("序号", "核查项目", "结果", "核查情况")]]
    for n, item in enumerate(checklist.items, start=1):
        if item.waived:
            verdict = para(WAIVED_TEXT, waived)
        else:
            verdict = para(RESULT_TEXT[item.status], result[item.status])
        details = [para(item.evidence, st["value"])]
        if not item.passed and item.offenders:
            details.append(para(_offenders(item, limit), st["small"]))
        if item.waived:
            w = item.waiver
            details.append(para(f"豁免：审批人{_person(w.by, names)}于{cn_date(w.on)}豁免。理由：{w.note}",
                                st["small"]))
        data.append([para(str(n), st["label"]), para(item.title, st["value"]), verdict, details])
    return table(data, _ITEM_COLS, [
        ("GRID", (0, 0), (-1, -1), 0.5, GRID_COLOR),
        ("BOX", (0, 0), (-1, -1), 1.0, GRID_COLOR),
        ("BACKGROUND", (0, 0), (-1, 0), LABEL_BG),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
    ], repeatRows=1)


def _conclusion(checklist: Checklist) -> str:
    total = len(checklist.items)
    waived = sum(1 for i in checklist.items if i.waived)
    if checklist.complete:
        extra = f"（其中 {waived} 项经审批人豁免）" if waived else ""
        return f"核查结论：{total} 项全部符合{extra}，可以完成核查。"
    failing = checklist.failing
    return (f"核查结论：{total} 项中有 {len(failing)} 项不符合（{'、'.join(i.title for i in failing)}），"
            "整改或经审批人豁免后方可完成核查。")


def write_checklist_pdf(path: str | os.PathLike, *, batch: Batch, checklist: Checklist, office_name: str,
                        people: int, amount: Decimal, printed_on: date, display_names: dict[str, str] | None = None,
                        max_names: int = MAX_NAMES) -> None:
    """Write the checklist of ``batch`` as one PDF (usually one page) at ``path``."""
    font = register_fonts()
    st = styles(font)
    names = checklist.display_names if display_names is None else display_names
    notice = f"{cn_date(batch.notice_start)}至{cn_date(batch.notice_end)}" if batch.notice_start else ""
    if batch.second_notice_start:
        notice += f"；再公示{cn_date(batch.second_notice_start)}至{cn_date(batch.second_notice_end)}"
    header = field_section("一、批次信息", [
        [("批次编号", batch.code), ("批次名称", batch.name, 3)],
        [("活动类型", batch.activity), ("人数", f"{people} 人"), ("金额", yuan(amount))],
        [("经办人", _person(batch.clerk, names)), ("审核人", _person(batch.reviewer, names)),
         ("审批人", _person(batch.approver, names))],
        [("公示期", notice, 3), ("审批日期", cn_date(batch.approved_on))],
        [("发放日期", cn_date(batch.paid_on)), ("批次状态", batch.status, 3)],
    ], st)
    conclusion = ParagraphStyle("conclusion", parent=st["section"], fontSize=10.5, leading=15)
    story = [
        Title(TITLE, font=font),
        Spacer(1, 2 * mm),
        para(f"填报单位：{office_name}　　打印日期：{cn_date(printed_on)}", st["center"]),
        Spacer(1, 4 * mm),
        header,
        Spacer(1, 4 * mm),
        para("二、核查项目", st["section"]),
        Spacer(1, 1.5 * mm),
        _items_table(checklist, st, max_names, names),
        Spacer(1, 3 * mm),
        para(_conclusion(checklist), conclusion),
        Spacer(1, 5 * mm),
        KeepTogether(signature_boxes([Signer("核查人"), Signer("负责人")], st, opinion_h=16 * mm)),
    ]

    def footer(canvas, page, pages):
        draw_footer(canvas, font, left=office_name, centre=f"批次编号 {batch.code}", page=page, pages=pages)

    write_atomically(path, lambda tmp: ReportDocument(tmp, title=f"{batch.name}{TITLE}", author=office_name,
                                                      footer=footer).build(story))
