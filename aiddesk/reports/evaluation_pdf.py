"""The performance self-evaluation table (绩效自评表) as a landscape A4 PDF, laid out like the paper form.

Columns: 一级指标 | 分值 | 二级指标 | 分值 | 三级指标 | 分值 | 评分标准 | 自评得分 | 计分依据. The 一级 and
二级 cells (name and weight) are merged down over their rows. The table is cut into pages here,
not by reportlab: a 二级 group stays on one page when it fits, and where a group must run on, its
merged cells end at the foot of the page and start again (marked 续) on the next, under the
repeated header. The total, the grade and the signature line close the last page.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageBreak, PageTemplate, Paragraph, Spacer

from ..core.evaluation import AUTO, CENT, EvaluationResult, ItemResult, Template
from .common import LABEL_BG, SECTION_BG, Title, cn_date, numbered_canvas, para, styles, table, write_atomically
from .fonts import register_fonts

PAGE_W, PAGE_H = landscape(A4)
MARGIN = 12 * mm
FOOTER_H = 8 * mm
CONTENT_W = PAGE_W - 2 * MARGIN
FRAME_H = PAGE_H - 2 * MARGIN - FOOTER_H

HEADER = ("一级指标", "分值", "二级指标", "分值", "三级指标", "分值", "评分标准", "自评得分", "计分依据")
# Widths in parts of the content width (the paper form's proportions, plus the 计分依据 column).
_PARTS = (21, 10, 28, 10, 52, 10, 62, 15, 65)
COLS = [p * CONTENT_W / sum(_PARTS) for p in _PARTS]
RECONSTRUCTED_MARK = "※"
CONTINUED = "（续）"
# A group that does not fit the rest of a page is split there when at least this share of a page is left.
SPLIT_ROOM = 0.4


def write_evaluation_pdf(result: EvaluationResult, template: Template, out: Path, *, unit_name: str,
                         printed_on: date) -> None:
    """Write the scored table as a landscape A4 PDF at ``out`` (atomically: an old file survives a failure)."""
    font = register_fonts()
    st = _styles(font)
    title = f"{result.year}年度绩效自评表"
    head = [
        Title(title, font=font, size=17),
        Spacer(1, 2 * mm),
        # Paragraph folds runs of spaces (even U+3000): the gaps are non-breaking spaces.
        Paragraph(("&nbsp;" * 6).join(escape(part) for part in (
            f"填报单位：{unit_name}", f"评价年度：{result.year}年", f"评价模板：{template.name}",
            f"打印日期：{cn_date(printed_on)}")), st["meta_c"]),
        Spacer(1, 3 * mm),
    ]
    lines = _lines(result, template)
    tail = _tail_rows(result, template, st)
    after = _after(result, st)
    pages = _paginate(lines, st, first_room=FRAME_H - _height(head), tail=tail, after=after)
    story: list[Flowable] = list(head)
    for i, page in enumerate(pages):
        last = i == len(pages) - 1
        if i:
            story.append(PageBreak())
        story.append(_table(page, st, tail if last else []))
    story += after

    def footer(canvas, page, pages_total):
        canvas.saveState()
        y = MARGIN + 1 * mm
        canvas.setStrokeColor(colors.grey)
        canvas.setLineWidth(0.4)
        canvas.line(MARGIN, y + 4.5 * mm, PAGE_W - MARGIN, y + 4.5 * mm)
        canvas.setFont(font, 8.5)
        canvas.drawString(MARGIN, y, unit_name)
        canvas.drawCentredString(PAGE_W / 2, y, title)
        canvas.drawRightString(PAGE_W - MARGIN, y, f"第 {page} 页 共 {pages_total} 页")
        canvas.restoreState()

    def build(tmp: str) -> None:
        doc = BaseDocTemplate(tmp, pagesize=(PAGE_W, PAGE_H), leftMargin=MARGIN, rightMargin=MARGIN,
                              topMargin=MARGIN, bottomMargin=MARGIN, title=title, author=unit_name,
                              creator="AidDesk", initialFontName=font)
        frame = Frame(MARGIN, MARGIN + FOOTER_H, CONTENT_W, FRAME_H, leftPadding=0, rightPadding=0,
                      topPadding=0, bottomPadding=0, id="body")
        doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
        doc.build(story, canvasmaker=numbered_canvas(footer))

    write_atomically(out, build)


def score_text(value: Decimal | None) -> str:
    """A score as the form shows it: 4, 2.5, 2.67 (rounded to 2 places, no trailing zeros)."""
    if value is None:
        return ""
    text = f"{value.quantize(CENT, rounding=ROUND_HALF_UP):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def group_weights(template: Template) -> dict[str, Decimal]:
    """The weight of every 一级 and 二级 group: as declared, else the sum of its rows."""
    return {**template.group_sums(), **template.groups}


def levels(path: tuple[str, ...]) -> tuple[str, str, str]:
    """一级, 二级, 三级 of a row; a shorter path leaves the lower levels empty, a longer one joins the rest."""
    parts = list(path[:2]) + [" / ".join(path[2:])]
    while len(parts) < 3:
        parts.insert(len(parts) - 1, "")
    return parts[0], parts[1], parts[2]


def basis_text(item: ItemResult) -> str:
    """The 计分依据 cell: how the score came about (the formula and figures of an automatic row)."""
    if not item.applicable:
        return item.basis
    if item.row.rule.kind == AUTO:
        return f"自动计分：{item.basis}"
    if item.score is None:
        return "手工评分：尚未评分"
    return f"手工评分：{item.basis}" if item.basis else "手工评分"


# ---- layout ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Line:
    item: ItemResult
    first: str         # 一级 name
    second: str        # 二级 name
    third: str
    first_weight: str
    second_weight: str
    cont: tuple[bool, bool] = (False, False)  # the 一级 / 二级 group began on the page before

    @property
    def unit(self) -> tuple[str, str]:
        return self.first, self.second


def _lines(result: EvaluationResult, template: Template) -> list[_Line]:
    weights = group_weights(template)
    out = []
    for item in result.items:
        first, second, third = levels(item.row.path)
        if item.row.reconstructed:
            third += RECONSTRUCTED_MARK
        w1 = weights.get(first) if len(item.row.path) > 1 else item.row.weight
        w2 = weights.get(f"{first} / {second}") if len(item.row.path) > 2 else None
        out.append(_Line(item, first, second, third, score_text(w1), score_text(w2)))
    return out


def _styles(font: str) -> dict[str, ParagraphStyle]:
    st = styles(font)
    st["meta_c"] = ParagraphStyle("meta_c", parent=st["meta"], alignment=TA_CENTER)
    st["head"] = ParagraphStyle("e_head", parent=st["value"], fontSize=9, leading=11, alignment=TA_CENTER)
    st["name"] = ParagraphStyle("e_name", parent=st["value"], fontSize=9, leading=11, alignment=TA_CENTER)
    st["text"] = ParagraphStyle("e_text", parent=st["value"], fontSize=8.5, leading=10.5)
    st["num"] = ParagraphStyle("e_num", parent=st["value"], fontSize=9, leading=11, alignment=TA_CENTER)
    st["basis"] = ParagraphStyle("e_basis", parent=st["value"], fontSize=7.5, leading=9.2,
                                 textColor=colors.HexColor("#333333"))
    st["total"] = ParagraphStyle("e_total", parent=st["value"], fontSize=10, leading=12.5, alignment=TA_CENTER)
    st["note"] = ParagraphStyle("e_note", parent=st["small"], fontSize=8, leading=10.5,
                                textColor=colors.HexColor("#333333"))
    st["sign"] = ParagraphStyle("e_sign", parent=st["sign"], fontSize=10.5, leading=20)
    st["right"] = ParagraphStyle("e_right", parent=st["sign"], alignment=TA_RIGHT)
    return st


def _table(page: list[_Line], st: dict, tail: list[list]):
    """One page's part of the table: header, its lines with merged group cells, then ``tail`` rows."""
    data: list[list] = [[para(h, st["head"]) for h in HEADER]]
    style: list[tuple] = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("BOX", (0, 0), (-1, -1), 1.0, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
        ("BACKGROUND", (0, 0), (-1, 0), LABEL_BG),
    ]
    first_run = second_run = 0  # the row where the current 一级 / 二级 group's merged cells begin
    for r, line in enumerate(page, start=1):
        new_first = r == 1 or page[r - 2].first != line.first
        new_second = new_first or page[r - 2].unit != line.unit
        if new_first:
            first_run = r
        if new_second:
            second_run = r
        item = line.item
        score = score_text(item.score) if item.applicable else "不适用"
        cells = [
            para(_continued(line.first, line, 0), st["name"]) if new_first else "",
            para(line.first_weight, st["num"]) if new_first else "",
            para(_continued(line.second, line, 1), st["name"]) if new_second else "",
            para(line.second_weight, st["num"]) if new_second else "",
            para(line.third, st["text"]),
            para(score_text(item.row.weight), st["num"]),
            para(item.row.standard, st["text"]),
            para(score, st["num"]),
            para(basis_text(item), st["basis"]),
        ]
        data.append(cells)
        if not item.applicable:
            style.append(("TEXTCOLOR", (4, r), (-1, r), colors.HexColor("#777777")))
        last_of_first = r == len(page) or page[r].first != line.first
        last_of_second = last_of_first or page[r].unit != line.unit
        if last_of_first and r > first_run:
            style += [("SPAN", (0, first_run), (0, r)), ("SPAN", (1, first_run), (1, r))]
        if last_of_second and r > second_run:
            style += [("SPAN", (2, second_run), (2, r)), ("SPAN", (3, second_run), (3, r))]
    top = len(data)
    for i, row in enumerate(tail):
        data.append(row)
        first, last = _TAIL_SPANS[min(i, len(_TAIL_SPANS) - 1)]
        style += [("SPAN", (first, top + i), (last, top + i)), ("BACKGROUND", (0, top + i), (-1, top + i), SECTION_BG)]
    return table(data, COLS, style, repeatRows=1)


def _continued(name: str, line: _Line, level: int) -> str:
    """The group's name, marked 续 when the group began on an earlier page."""
    return name + CONTINUED if line.cont[level] else name


def _tail_rows(result: EvaluationResult, template: Template, st: dict) -> list[list]:
    weight = sum((r.weight for r in template.rows), Decimal(0))
    notes = []
    if result.applicable_weight != weight:
        notes.append(f"不适用项不计分：适用分值{score_text(result.applicable_weight)}分，"
                     f"实得{score_text(result.raw_total)}分，折算为100分制得{score_text(result.total)}分")
    if result.missing:
        notes.append(f"尚有{len(result.missing)}项未评分，按0分计")
    total = [para("合　　计", st["total"]), "", "", "", "", para(score_text(weight), st["num"]), "",
             para(score_text(result.total), st["total"]), para("；".join(notes), st["basis"])]
    grade = [para("评价等级（优：90–100分；良：80–89分；中：60–79分；差：60分以下）", st["total"]), "", "", "", "",
             "", "", para(result.grade, st["total"]), ""]
    return [total, grade]


_TAIL_SPANS = ((0, 4), (0, 6))  # 合计 spans the indicator columns; the grade's words reach the score


def _after(result: EvaluationResult, st: dict) -> list[Flowable]:
    notes = []
    if any(i.row.reconstructed for i in result.items):
        notes.append(para(f"注：标有“{RECONSTRUCTED_MARK}”的行在原表中不清，按表格结构补齐。", st["note"]))
    blank = "&nbsp;" * 18
    sign = [
        Spacer(1, 5 * mm),
        Paragraph(f"单位负责人：{blank}　　评价人：{blank}　　填报单位（盖章）：{blank}"
                  f"　　日期：{'&nbsp;' * 8}年{'&nbsp;' * 5}月{'&nbsp;' * 5}日", st["sign"]),
    ]
    return notes + sign


def _height(flowables: list[Flowable]) -> float:
    return sum(f.wrap(CONTENT_W, FRAME_H)[1] + f.getSpaceBefore() + f.getSpaceAfter() for f in flowables)


def _table_height(page: list[_Line], st: dict, tail: list[list]) -> float:
    return _table(page, st, tail).wrap(CONTENT_W, FRAME_H * 10)[1]


def _paginate(lines: list[_Line], st: dict, *, first_room: float, tail: list[list],
              after: list[Flowable]) -> list[list[_Line]]:
    """Cut the lines into pages: whole 二级 groups where they fit, others row by row (see SPLIT_ROOM).

    The last page must also hold the total rows and what follows the table (the signature line);
    when it cannot, its last lines move on to a new page with them. Every page has at least one line.
    """
    units: list[list[_Line]] = []
    for line in lines:
        if units and units[-1][-1].unit == line.unit:
            units[-1].append(line)
        else:
            units.append([line])
    pages: list[list[_Line]] = [[]]
    rooms = [first_room]

    def fits(rows: list[_Line], extra: list[list] = (), extra_h: float = 0) -> bool:
        previous = pages[-2][-1] if len(pages) > 1 else None
        return _table_height(_mark(rows, previous), st, list(extra)) + extra_h <= rooms[-1]

    def new_page(rows: list[_Line] | None = None) -> None:
        pages.append(rows or [])
        rooms.append(FRAME_H)

    for unit in units:
        if fits(pages[-1] + unit):
            pages[-1] += unit
            continue
        # A group that does not fit below moves to the next page whole, unless that would leave much of
        # this page blank: then it fills this page and runs on (续).
        if pages[-1] and _table_height(pages[-1], st, []) > rooms[-1] - FRAME_H * SPLIT_ROOM:
            new_page()
            if fits(unit):
                pages[-1] += unit
                continue
        for line in unit:  # row by row
            if pages[-1] and not fits(pages[-1] + [line]):
                new_page()
            pages[-1].append(line)
    after_h = _height(after)
    if not fits(pages[-1], tail, after_h):
        moved: list[_Line] = []
        while len(pages[-1]) > 1 and not fits(pages[-1], tail, after_h):
            moved.insert(0, pages[-1].pop())
        if moved:
            new_page(moved)
    out, previous = [], None
    for page in pages:
        out.append(_mark(page, previous))
        previous = page[-1] if page else previous
    return out


def _mark(page: list[_Line], previous: _Line | None) -> list[_Line]:
    """``page`` with its first line marked where its 一级 / 二级 group runs on from ``previous`` (the page before)."""
    if not page or previous is None:
        return page
    first = page[0]
    cont = (previous.first == first.first, previous.unit == first.unit)
    return [replace(first, cont=cont), *page[1:]] if any(cont) else page
