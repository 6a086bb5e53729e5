"""The printed 困难职工入户走访登记表: one A4 form per household, pre-filled from the archive, the rest by hand."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer

from ..core.codes import code_list
from ..core.errors import UserError
from ..core.household import Household
# Cancelled is re-exported: callers of this module catch it from here.
from .common import (one_per_page, CONTENT_W, GRID_COLOR, LABEL_BG, MARGIN, PAGE_H, SECTION_BG, Cancelled,  # noqa: F401
                     Mark, ReportDocument, Title, base_style, form_footer, field_section, para, section_heading,
                     styles, table, write_atomically, yuan)
from .fonts import register_fonts

TITLE = "困难职工入户走访登记表"
BOX = "□"
BOX_SIZE = 17
MIN_MEMBER_ROWS = 3          # room to add a member the archive does not know yet
BLANK_ROW_H = 7 * mm
SITUATION_H = 16 * mm        # a few handwritten lines per topic
NOTE_H = 18 * mm
# What the visitors look at: the change in each since the archive was last updated.
SITUATION_TOPICS = ("收入变化", "就业变化", "健康变化", "住房变化", "其他情况")
# Paragraph folds runs of spaces, so the gaps to write the date in are non-breaking spaces.
DATE_BLANK = "&nbsp;" * 10 + "年" + "&nbsp;" * 6 + "月" + "&nbsp;" * 6 + "日"


@dataclass(frozen=True)
class VisitFormItem:
    """One household to print, with the name of its unit."""

    household: Household
    unit_name: str


def tick_boxes(options: Iterable[str], gap: int = 6) -> str:
    """``□情况属实　□情况变化 …`` as Paragraph markup: one box per option, to tick by hand."""
    # Paragraph folds runs of spaces (even U+3000), so the gaps are non-breaking spaces.
    # The font's □ is half the height of a character: drawn larger, it is a box a pen can tick.
    return ("&nbsp;" * gap).join(f'<sub rise="1" size="{BOX_SIZE}">{BOX}</sub>{escape(o)}' for o in options)


# Cell padding under a row of boxes: their line sits low in a middle-aligned cell, this lifts it to the middle.
TICK_BOTTOM_PAD = 9


def tick_style(st: dict) -> ParagraphStyle:
    """A size up from the cells: the font's □ is small, and it is ticked with a pen."""
    return ParagraphStyle("tick", parent=st["value"], fontSize=12, leading=14, autoLeading="max")


# ---- sections ---------------------------------------------------------------------

def _family_section(item: VisitFormItem, st: dict) -> Flowable:
    h = item.household
    causes = "、".join(c for c in (h.main_cause, *h.secondary_causes) if c)
    return field_section("一、家庭基本情况（据档案预填，如有变化请在旁更正）", [
        [("户主", h.name), ("身份证号", h.id_number), ("联系电话", h.phone)],
        [("所属单位", item.unit_name), ("工作单位", h.employer)],
        [("家庭住址", h.address)],
        [("困难类别", h.hardship_category), ("家庭人口", f"{h.household_size} 人"),
         ("月人均收入", yuan(h.per_capita_income))],
        [("致困原因", causes)],
    ], st)


# 序号, 姓名, 关系, 身份证号, 健康状况, 身份, 月收入, 单位或学校 (the rest)
_MEMBER_COLS = [10 * mm, 19 * mm, 12 * mm, 35 * mm, 16 * mm, 13 * mm, 21 * mm]
_MEMBER_COLS.append(CONTENT_W - sum(_MEMBER_COLS))
_MEMBER_HEADERS = ("序号", "姓名", "关系", "身份证号", "健康状况", "身份", "月收入", "单位或学校")


def _members_section(h: Household, st: dict) -> Flowable:
    n_cols = len(_MEMBER_COLS)
    data = [section_heading("二、家庭成员（不含户主）", n_cols, st), [para(t, st["small_c"]) for t in _MEMBER_HEADERS]]
    heights: list[float | None] = [None, None]
    for i, m in enumerate(h.members, start=1):
        data.append([para(str(i), st["small_c"]), para(m.name, st["small"]), para(m.relation, st["small_c"]),
                     para(m.id_number, st["small"]), para(m.health, st["small_c"]), para(m.identity, st["small_c"]),
                     para(yuan(m.monthly_income), st["small_r"]), para(m.employer_or_school, st["small"])])
        heights.append(None)
    for i in range(len(h.members) + 1, max(len(h.members) + 1, MIN_MEMBER_ROWS) + 1):
        data.append([para(str(i), st["small_c"])] + [""] * (n_cols - 1))
        heights.append(BLANK_ROW_H)
    style = base_style(n_cols) + [("BACKGROUND", (0, 1), (-1, 1), LABEL_BG)]
    return table(data, _MEMBER_COLS, style, rowHeights=heights, repeatRows=2)


_VISIT_COLS = [25 * mm, 65 * mm, 25 * mm]
_VISIT_COLS.append(CONTENT_W - sum(_VISIT_COLS))


def _visit_section(st: dict) -> Flowable:
    """走访时间, 走访人 and the household's situation now, topic by topic: all by hand."""
    data = [section_heading("三、走访情况（手工填写）", 4, st),
            [para("走访时间", st["label"]), Paragraph(DATE_BLANK, st["value"]), para("走访人", st["label"]), ""]]
    heights: list[float | None] = [None, 9 * mm]
    style = base_style(4) + [("BACKGROUND", (0, 1), (0, 1), LABEL_BG), ("BACKGROUND", (2, 1), (2, 1), LABEL_BG)]
    data.append([para("家庭现状（收入、就业、健康、住房变化）", st["label"]), "", "", ""])
    heights.append(None)
    style += [("SPAN", (0, 2), (-1, 2)), ("BACKGROUND", (0, 2), (-1, 2), LABEL_BG)]
    for topic in SITUATION_TOPICS:
        r = len(data)
        data.append([para(topic, st["label"]), "", "", ""])
        heights.append(SITUATION_H)
        style += [("SPAN", (1, r), (-1, r)), ("BACKGROUND", (0, r), (0, r), LABEL_BG)]
    return table(data, _VISIT_COLS, style, rowHeights=heights, repeatRows=1)


_CONCLUSION_COLS = [25 * mm, CONTENT_W - 25 * mm]


def _conclusion_section(st: dict) -> Flowable:
    data = [section_heading("四、核实结论（在□内打“√”）", 2, st),
            [para("核实结论", st["label"]), Paragraph(tick_boxes(code_list("visit_outcome")), tick_style(st))],
            [para("情况说明", st["label"]), ""]]
    style = base_style(2) + [("BACKGROUND", (0, 1), (0, -1), LABEL_BG), ("VALIGN", (1, 2), (1, 2), "TOP"),
                             ("BOTTOMPADDING", (1, 1), (1, 1), TICK_BOTTOM_PAD)]
    return table(data, _CONCLUSION_COLS, style, rowHeights=[None, 10 * mm, NOTE_H])


def signature_section(title: str, roles: tuple[str, str], st: dict) -> Flowable:
    """A headed box with a 签字 line and a date line for each of ``roles`` (shared by the hand-filled forms)."""
    line = "_" * 16
    rows = [[Paragraph(f"{role}（签字）：{line}", st["sign"]), Paragraph(f"日期：{DATE_BLANK}", st["sign"])]
            for role in roles]
    style = [
        ("BOX", (0, 0), (-1, -1), 1.0, GRID_COLOR),
        ("LINEBELOW", (0, 0), (-1, 0), 0.5, GRID_COLOR),
        ("SPAN", (0, 0), (1, 0)),
        ("BACKGROUND", (0, 0), (-1, 0), SECTION_BG),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, 0), 2),
        ("BOTTOMPADDING", (0, 0), (-1, 0), 3),
        ("TOPPADDING", (0, 1), (-1, -1), 9),
        ("BOTTOMPADDING", (0, 1), (-1, -1), 7),
    ]
    return table([section_heading(title, 2, st), *rows], [CONTENT_W * 0.55, CONTENT_W * 0.45], style)


def _meta_line(item: VisitFormItem, st: dict) -> Flowable:
    h = item.household
    cells = [para(f"档案编号：{h.archive_no}", st["meta"]), para(f"所属单位：{item.unit_name}", st["meta"]),
             para(f"档案状态：{h.archive_status}", st["meta"])]
    return table([cells], [60 * mm, 80 * mm, CONTENT_W - 140 * mm], [
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ])


def _form(item: VisitFormItem, count: int, st: dict) -> list[Flowable]:
    h = item.household
    return [
        # Pages are numbered within each form; the note heads a continuation page.
        Mark(None, note=f"户主：{h.name}　档案编号：{h.archive_no}", new_form=True),
        Title(TITLE, font=st["value"].fontName),
        Spacer(1, 3 * mm),
        _meta_line(item, st),
        _family_section(item, st),
        _members_section(h, st),
        _visit_section(st),
        # The conclusion is signed where it is written: a long member list moves both to the next page.
        KeepTogether([_conclusion_section(st), signature_section("五、签字确认", ("被走访人", "走访人"), st)]),
        Mark(count),
    ]


def write_visit_forms(path: str | os.PathLike, items: Iterable[VisitFormItem], *, office_name: str,
                      printed_on: date, progress: Callable[[int], bool] | None = None) -> int:
    """Write one PDF with a 入户走访登记表 per household; return how many forms.

    The form goes in the file, not on a wall: it carries full ID numbers. ``progress(n)`` is
    called after the n-th form; returning ``False`` cancels (:class:`Cancelled`, no file written).
    """
    font = register_fonts()
    st = styles(font)
    story, count = one_per_page(_form(item, n, st) for n, item in enumerate(items, start=1))
    if not count:
        raise UserError("没有选中任何走访户，无法打印走访登记表")
    printed = f"打印日期：{printed_on.isoformat()}"

    footer = form_footer(font, left=office_name, centre=printed)

    write_atomically(path, lambda tmp: ReportDocument(tmp, title=TITLE, author=office_name, footer=footer,
                                                      progress=progress).build(story))
    return count
