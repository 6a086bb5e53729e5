"""The annual fund report (帮扶资金使用情况报告) as an A4 PDF for the file and the inspector."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Paragraph, Spacer

from ..core.fund_report import FundReport
from . import fund_report_sections as fs
from .common import (CONTENT_W, LABEL_BG, PAGE_H, SECTION_BG, ReportDocument, Title, cn_date, draw_footer,
                     height_of, para, styles, table, write_atomically)
from .fonts import register_fonts

SIZE = 9             # table text
MIN_SIZE = 6.5       # the smallest a figure may shrink to so that it fits its column
PAD = 3              # left and right cell padding, points
# A table of up to this many rows moves to the next page whole rather than splitting.
_WHOLE_ROWS = 14


def write_fund_report_pdf(report: FundReport, out: Path, *, today: date, log_head: str | None = None) -> None:
    """Write ``report`` as an A4 PDF at ``out`` (atomically: an old file survives a failure).

    ``log_head`` (:func:`aiddesk.db.audit.head_text`): the audit log's last entry when the report was made,
    printed under the sign-off, so the signed paper copy anchors the log outside the database file.
    """
    font = register_fonts()
    st = _styles(font)
    name = fs.title(report)
    story: list[Flowable] = [
        Title(name, font=font, size=17),
        Spacer(1, 2 * mm),
        para(f"单位：{report.unit_name}（{report.unit_code}）　　年度：{report.year}年　　"
             f"编制日期：{cn_date(today)}　　金额单位：元（另列万元）", st["meta_c"]),
        Spacer(1, 4 * mm),
        *_summary(report, st),
    ]
    sections, sign_off = fs.sections(report), _sign_off(st, log_head)
    for i, section in enumerate(sections):
        # The sign-off never stands alone on a last page: it goes with the last section.
        story += _section(section, font, st, after=sign_off if i == len(sections) - 1 else [])
    story += [sign_off[0], KeepTogether(sign_off[1:])]

    def footer(canvas, page, pages):
        draw_footer(canvas, font, left=report.unit_name, centre=f"{report.year}年帮扶资金使用情况报告",
                    page=page, pages=pages)

    write_atomically(out, lambda tmp: ReportDocument(tmp, title=name, author=report.unit_name,
                                                     footer=footer).build(story))


def _styles(font: str) -> dict[str, ParagraphStyle]:
    st = styles(font)
    st["meta_c"] = ParagraphStyle("meta_c", parent=st["meta"], alignment=TA_CENTER)
    st["h1"] = ParagraphStyle("h1", parent=st["value"], fontSize=12.5, leading=16, spaceBefore=5 * mm,
                              spaceAfter=2 * mm)
    st["h2"] = ParagraphStyle("h2", parent=st["value"], fontSize=10.5, leading=14, spaceBefore=2 * mm,
                              spaceAfter=1.5 * mm)
    st["note"] = ParagraphStyle("note", parent=st["small"], leading=12, textColor="#333333", spaceBefore=1 * mm)
    st["head"] = ParagraphStyle("head", parent=st["value"], fontSize=SIZE, leading=SIZE * 1.25,
                                alignment=TA_CENTER)
    st["text"] = ParagraphStyle("text", parent=st["value"], fontSize=SIZE, leading=SIZE * 1.25, alignment=TA_LEFT)
    return st


def _summary(report: FundReport, st: dict) -> list[Flowable]:
    """The report in words: the part an office copies into its written report (it may run over a page)."""
    paragraphs = [para(p, st["body"]) for p in fs.summary_paragraphs(report)]
    return [Paragraph("情况概述", st["h1"]), *paragraphs] if paragraphs else []


def _section(section: fs.Section, font: str, st: dict, *, after: list[Flowable] = ()) -> list[Flowable]:
    """The section's title, its tables with their captions, and its notes.

    Before each table a conditional page break makes sure that its title and caption
    never stand alone at the foot of a page: a short table goes to the next page
    whole (with its notes and ``after``, what follows the section), a long one at
    least with its header and first group.
    """
    out: list[Flowable] = []
    notes = [para(n, st["note"]) for n in section.notes]
    for i, grid in enumerate(section.grids):
        lead = [Paragraph(section.title, st["h1"])] if i == 0 else []
        lead += [Paragraph(grid.caption, st["h2"])] if grid.caption else []
        body = _grid(grid, font, st) if grid.rows else para(grid.empty, st["note"])
        tail = [*notes, *after] if i == len(section.grids) - 1 else []
        out += [CondPageBreak(_room_needed(lead, body, grid, tail)), *lead, body]
    return out + notes


def _room_needed(lead: list[Flowable], body: Flowable, grid: fs.Grid, tail: list[Flowable]) -> float:
    """The height that must be left on a page to start ``lead`` + ``body`` there."""
    if len(grid.rows) <= _WHOLE_ROWS:
        return height_of([*lead, body, *tail])
    body.wrap(CONTENT_W, PAGE_H)
    rows = len(grid.header) + fs.spans(grid.header + grid.rows).get((len(grid.header), 0), (1, 1))[0]
    return height_of(lead) + sum(body._rowHeights[:rows])


def _grid(grid: fs.Grid, font: str, st: dict):
    """A ruled table; the header rows repeat on every page it runs onto, and groups never split."""
    widths = [w * CONTENT_W / sum(grid.widths) for w in grid.widths]
    size = _fitting_size(grid, widths, font)
    cells = grid.header + grid.rows
    head_style = ParagraphStyle("h", parent=st["head"], fontSize=size, leading=size * 1.25)
    text_style = ParagraphStyle("t", parent=st["text"], fontSize=size, leading=size * 1.25)
    n_head = len(grid.header)
    data = [[_cell(c, head_style if r < n_head else text_style) for c in row] for r, row in enumerate(cells)]
    style = [
        ("GRID", (0, 0), (-1, -1), 0.5, "#000000"),
        ("BOX", (0, 0), (-1, -1), 1.0, "#000000"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("FONTSIZE", (0, 0), (-1, -1), size),
        ("LEFTPADDING", (0, 0), (-1, -1), PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
        ("BACKGROUND", (0, 0), (-1, n_head - 1), LABEL_BG),
    ]
    for (r, c), (h, w) in fs.spans(cells).items():
        style.append(("SPAN", (c, r), (c + w - 1, r + h - 1)))
    for r, row in enumerate(grid.rows, start=n_head):
        for c, cell in enumerate(row):
            align = fs.alignment(grid, c, cell)
            if align != "left":
                style.append(("ALIGN", (c, r), (c, r), align.upper()))
    for r, (row, kind) in enumerate(zip(grid.rows, grid.kinds), start=n_head):
        if kind == fs.TOTAL:
            style.append(("BACKGROUND", (0, r), (-1, r), SECTION_BG))
        elif kind == fs.SUBTOTAL:
            # Only the 小计 line's own cells: the group's spanning cells (source, unit) stay white.
            own = [c for c, cell in enumerate(row) if cell is not fs.UP]
            style.append(("BACKGROUND", (own[0], r), (own[-1], r), "#F6F6F6"))
    return table(data, widths, style, repeatRows=n_head)


def _cell(cell: fs.Cell, style: ParagraphStyle):
    """Figures are plain strings (one line, right-aligned); text is a paragraph that wraps in its cell."""
    if fs.is_number(cell) or fs.cell_text(cell) == fs.NONE:
        return fs.cell_text(cell)
    text = fs.cell_text(cell)
    return para(text, style) if text else ""


def _fitting_size(grid: fs.Grid, widths: list[float], font: str) -> float:
    """The largest size up to SIZE at which every figure fits its column on one line.

    Figures never wrap (a broken amount misreads), so a column of very large amounts
    makes the whole table a little smaller instead.
    """
    needed = 0.0
    for row in grid.rows:
        for c, cell in enumerate(row):
            if fs.is_number(cell):
                room = widths[c] - 2 * PAD - 1
                needed = max(needed, stringWidth(fs.cell_text(cell), font, SIZE) / room)
    if needed <= 1:
        return SIZE
    return max(MIN_SIZE, SIZE / needed)


def _sign_off(st: dict, log_head: str | None = None) -> list[Flowable]:
    """The lines an office signs and seals before the report leaves it: a space, then its lines (and the log's
    head, small, under them)."""
    blank = "&nbsp;" * 16
    line = ParagraphStyle("sign_line", parent=st["sign"], fontSize=10.5, leading=20)
    rows = [f"单位负责人：{blank}财务负责人：{blank}填报人：{blank}",
            f"填报单位（盖章）：{'&nbsp;' * 40}日期：{'&nbsp;' * 8}年{'&nbsp;' * 5}月{'&nbsp;' * 5}日"]
    head = [Paragraph(f"编制时{log_head}（留存备查：据此可核对数据库中的操作日志此后未被改写）", st["note"])] \
        if log_head else []
    return [Spacer(1, 8 * mm), *(Paragraph(r, line) for r in rows), *head]
