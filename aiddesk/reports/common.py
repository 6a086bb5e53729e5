"""What every AidDesk form shares: page geometry, styles, ruled grids, long tables, page numbers, safe writing."""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import accumulate
from xml.sax.saxutils import escape

from reportlab import rl_config
import reportlab.lib.textsplit as _textsplit
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import paragraph as _paragraph_module
from reportlab.platypus import (BaseDocTemplate, Flowable, Frame, PageBreak, PageTemplate, Paragraph, Spacer,
                                Table, TableStyle)

from ..atomic import write_atomically  # noqa: F401 - every form module writes through it
from ..core.money import CENT, format_yuan
from .fonts import register_fonts

# Application-wide: ASCII85 only makes page streams a quarter bigger (PDF allows binary
# streams), and without reportlab's C accelerator it took a third of a long list's time.
rl_config.useA85 = 0

# Chinese punctuation that may not start a line (避头). reportlab's list is made for
# Japanese and lacks the full-width comma, colon and others, so a paragraph would
# put "，" at the start of a line; its CJK wrapping reads this module global.
NO_LINE_START = "，；：！？”’》〉」』）】〕、。…·"
_paragraph_module.ALL_CANNOT_START += "".join(c for c in NO_LINE_START if c not in _paragraph_module.ALL_CANNOT_START)
# A plain-text paragraph is wrapped by reportlab.lib.textsplit, which keeps its own copy of the list.
_textsplit.ALL_CANNOT_START += "".join(c for c in NO_LINE_START if c not in _textsplit.ALL_CANNOT_START)

PAGE_W, PAGE_H = A4
MARGIN = 15 * mm
FOOTER_H = 8 * mm
CONTENT_W = PAGE_W - 2 * MARGIN

GRID_COLOR = colors.black
LABEL_BG = colors.HexColor("#EFEFEF")
SECTION_BG = colors.HexColor("#D9D9D9")

# The label/value grid: three label/value pairs a row. A label cell holds 7 CJK
# characters a line; a value cell must hold an 18-digit ID number on one line.
GRID_COLS = (25 * mm, 35 * mm) * 3


class Cancelled(Exception):
    """The user cancelled printing; no output file was left behind."""


# ---- text --------------------------------------------------------------------------

def styles(font: str) -> dict[str, ParagraphStyle]:
    """The paragraph styles of the ruled forms."""
    # wordWrap="CJK" lets lines break between any two characters: Chinese has no spaces,
    # and without it a long address would run straight out of its cell.
    base = ParagraphStyle("cell", fontName=font, fontSize=9, leading=11.5, wordWrap="CJK")
    return {
        "meta": ParagraphStyle("meta", parent=base, fontSize=9.5, leading=12),
        "section": ParagraphStyle("section", parent=base, fontSize=10, leading=13),
        "label": ParagraphStyle("label", parent=base, alignment=TA_CENTER),
        "value": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8.5, leading=10.5),
        "small_c": ParagraphStyle("small_c", parent=base, fontSize=8.5, leading=10.5, alignment=TA_CENTER),
        "small_r": ParagraphStyle("small_r", parent=base, fontSize=8.5, leading=10.5, alignment=TA_RIGHT),
        "seal": ParagraphStyle("seal", parent=base, fontSize=10, leading=13, alignment=TA_RIGHT,
                               rightIndent=12 * mm),
        "sign": ParagraphStyle("sign", parent=base, fontSize=10, leading=13, alignment=TA_LEFT),
        # Running text of a notice: first-line indent of two characters, as Chinese documents have.
        "body": ParagraphStyle("body", parent=base, fontSize=11, leading=17, firstLineIndent=22),
        "body_r": ParagraphStyle("body_r", parent=base, fontSize=11, leading=17, alignment=TA_RIGHT),
        "center": ParagraphStyle("center", parent=base, fontSize=10, leading=13, alignment=TA_CENTER),
    }


def para(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text: user data may contain & or <, which Paragraph reads as markup."""
    return Paragraph(escape(text or "").replace("\n", "<br/>"), style)


def cn_date(d: date | None) -> str:
    """``2026年11月26日``, as dates are written on signed documents ("" for None)."""
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


def yuan(value: Decimal | None) -> str:
    """``1,000.00 元`` ("" for None)."""
    return f"{format_yuan(value)} 元" if value is not None else ""


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_GROUPS = ("", "万", "亿", "万亿")


def _four_digits(n: int) -> str:
    """1–9999 in capital numerals; inner zeros read as one 零, trailing zeros are dropped."""
    out, zero = "", False
    for place, unit in ((1000, "仟"), (100, "佰"), (10, "拾"), (1, "")):
        digit = n // place % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out, zero = out + "零", False
        out += _DIGITS[digit] + unit
    return out


def yuan_in_words(value: Decimal) -> str:
    """Money in capital numerals (金额大写), ``壹仟零伍元伍角整``: forms state it so a figure cannot be altered."""
    fen = int(value.quantize(CENT) * 100)
    if fen < 0:
        return "负" + yuan_in_words(-value)
    if fen == 0:
        return "零元整"
    whole, jiao, cents = fen // 100, fen // 10 % 10, fen % 10
    groups = []
    while whole:
        whole, group = divmod(whole, 10000)
        groups.append(group)
    out, gap = "", False
    for i in reversed(range(len(groups))):
        if groups[i] == 0:
            gap = bool(out)
            continue
        # 壹拾万零伍佰: a skipped group, or a group under a thousand after a higher one, reads 零.
        if out and (gap or groups[i] < 1000):
            out += "零"
        out += _four_digits(groups[i]) + _GROUPS[i]
        gap = False
    out = out + "元" if out else ""
    if jiao:
        out += _DIGITS[jiao] + "角"
    elif out and cents:
        out += "零"
    return out + (_DIGITS[cents] + "分" if cents else "整")


# ---- ruled grids (platypus tables) ----------------------------------------------------

def table(data: list, col_widths: Sequence[float], style: list[tuple], **kwargs) -> Table:
    """A platypus Table in the form font."""
    # Tables set their font even for empty string cells: without FONTNAME every table
    # would pull a non-embedded Helvetica into the PDF.
    t = Table(data, colWidths=list(col_widths), **kwargs)
    t.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), register_fonts()), *style]))
    return t


def base_style(n_cols: int) -> list[tuple]:
    """Borders and padding shared by every section; row 0 is the section heading."""
    return [
        ("GRID", (0, 0), (-1, -1), 0.5, GRID_COLOR),
        ("BOX", (0, 0), (-1, -1), 1.0, GRID_COLOR),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("SPAN", (0, 0), (n_cols - 1, 0)),
        ("BACKGROUND", (0, 0), (-1, 0), SECTION_BG),
    ]


def section_heading(title: str, n_cols: int, st: dict) -> list:
    return [para(title, st["section"])] + [""] * (n_cols - 1)


def field_section(title: str, rows: Sequence[Sequence[tuple]], st: dict,
                  cols: Sequence[float] = GRID_COLS) -> Table:
    """A bordered label/value grid; the last pair of a row widens to fill the row.

    Each row is a list of ``(label, value)`` or ``(label, value, value_cols)`` pairs.
    A long label carries its own newline, placed where the words part, rather than
    breaking wherever the cell happens to end.
    """
    n_cols = len(cols)
    data = [section_heading(title, n_cols, st)]
    style = base_style(n_cols)
    for r, pairs in enumerate(rows, start=1):
        cells: list = []
        for i, pair in enumerate(pairs):
            label, value = pair[0], pair[1]
            last = i == len(pairs) - 1
            width = n_cols - len(cells) - 1 if last else (pair[2] if len(pair) > 2 else 1)
            start = len(cells)
            style.append(("BACKGROUND", (start, r), (start, r), LABEL_BG))
            cells.append(para(label, st["label"]))
            cells.append(para(value, st["value"]))
            cells.extend([""] * (width - 1))
            if width > 1:
                style.append(("SPAN", (start + 1, r), (start + width, r)))
        data.append(cells)
    return table(data, cols, style)


@dataclass(frozen=True)
class Signer:
    """One box of the signature row: who (role), the name to print, the date to print."""

    role: str
    name: str = ""
    on: str = ""


def signature_boxes(signers: Sequence[Signer], st: dict, *, opinion_h: float = 20 * mm) -> Table:
    """The 经办人 / 审核人 / 审批人 boxes: room for an opinion and a seal, then name and date.

    A name or date not yet known prints as a blank line to be filled in by hand.
    """
    n = len(signers)
    width = CONTENT_W / n
    blank = "&nbsp;" * 14
    seal = ParagraphStyle("seal_box", parent=st["seal"], rightIndent=4 * mm)
    data = [
        [para(f"{s.role}意见", st["label"]) for s in signers],
        [[Spacer(1, opinion_h), Paragraph("（盖章）", seal)] for _ in signers],
        [Paragraph(f"{s.role}（签字）：" + (escape(s.name) if s.name else blank), st["sign"]) for s in signers],
        [Paragraph("日期：" + (escape(s.on) if s.on else "&nbsp;" * 8 + "年" + "&nbsp;" * 5 + "月"
                                 + "&nbsp;" * 5 + "日"), st["sign"]) for s in signers],
    ]
    style = [
        ("BOX", (0, 0), (-1, -1), 1.0, GRID_COLOR),
        ("INNERGRID", (0, 0), (-1, 0), 0.5, GRID_COLOR),
        ("LINEBELOW", (0, 0), (-1, 0), 0.5, GRID_COLOR),
        # Each signer's column is one box: vertical rules only, no lines between its rows.
        *(("LINEAFTER", (c, 0), (c, -1), 0.5, GRID_COLOR) for c in range(n - 1)),
        ("BACKGROUND", (0, 0), (-1, 0), LABEL_BG),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("VALIGN", (0, 1), (-1, 1), "BOTTOM"),
        ("LEFTPADDING", (0, 0), (-1, -1), 5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 5),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, -1), (-1, -1), 7),
    ]
    return table(data, [width] * n, style)


# ---- the title -----------------------------------------------------------------------

class Title(Flowable):
    """The centred form title, drawn stroked as well as filled (the font has no bold face).

    A title wider than the page (a long batch name) breaks onto further centred lines.
    """

    def __init__(self, text: str, *, font: str, size: float = 20):
        super().__init__()
        self.text = text
        self.font = font
        self.size = size
        self.lines: list[str] = [text]

    def wrap(self, avail_w, avail_h):
        self.width = avail_w
        self.lines = wrap_text(self.text, self.font, self.size, avail_w)
        return avail_w, self.size * 1.3 * len(self.lines)

    def draw(self):
        c = self.canv
        c.saveState()
        c.setLineWidth(0.6)
        text = c.beginText()
        text.setFont(self.font, self.size)
        text.setTextRenderMode(2)  # fill, then stroke the outline: a faux bold
        for i, line in enumerate(reversed(self.lines)):
            x = (self.width - stringWidth(line, self.font, self.size)) / 2
            text.setTextOrigin(x, self.size * (0.3 + 1.3 * i))
            text.textOut(line)
        c.drawText(text)
        c.restoreState()


def wrap_text(text: str, font: str, size: float, width: float) -> list[str]:
    """Break ``text`` into lines no wider than ``width``; Chinese breaks between any two characters."""
    lines: list[str] = []
    for part in (text or "").split("\n"):
        if stringWidth(part, font, size) <= width:
            lines.append(part)
            continue
        line = ""
        for ch in part:
            if line and stringWidth(line + ch, font, size) > width:
                carry = ""
                if ch in NO_LINE_START and len(line) > 1:
                    # The character before goes down with the punctuation mark (避头).
                    line, carry = line[:-1], line[-1]
                lines.append(line)
                line = carry
            line += ch
        lines.append(line)
    return lines


# ---- long tables ---------------------------------------------------------------------

LINE = 1.25  # line height of a long-table cell, in font sizes


@dataclass
class _Row:
    # Each text line placed relative to the row's top-left corner: (text, x, baseline below the top).
    lines: list[tuple[str, float, float]]
    edges: tuple[float, ...]   # x of the rules between cells
    height: float
    size: float
    counts: bool               # a data row (counted for progress), not the header or a total


class LongTable(Flowable):
    """A ruled table of thousands of rows, drawn straight on the canvas.

    A platypus Table of 5 000 rows takes seconds: every split re-measures what
    is left, and every cell is a separate text object. Here each cell is
    measured once, a page split is a bisect over the running row heights, and
    a page's text goes out as one text object. Each page's part starts with the
    header row; rows never split; the trailing rows (a total) never stand alone
    on a page. Cells wrap by character like the CJK paragraphs of the other forms.
    ``room_after`` is the height of what must follow the table on its last page
    (a sign-off): when it does not fit there, the last row and the total move on
    to the next page with it.

    A row is a sequence of texts, one per column; ``None`` joins a cell to the one
    on its left (for a total row spanning several columns). ``aligns`` holds
    ``"LEFT"``, ``"CENTRE"`` or ``"RIGHT"`` per column.
    """

    PAD_X = 3
    PAD_Y = 3

    def __init__(self, col_widths: Sequence[float], header: Sequence[str], rows: Sequence[Sequence[str | None]],
                 *, aligns: Sequence[str], font: str, size: float = 9, tail: Sequence[Sequence[str | None]] = (),
                 min_row_height: float = 0, header_size: float | None = None, room_after: float = 0):
        super().__init__()
        self.font, self.size = font, size
        self.room_after = room_after
        self.col_x = [0.0, *accumulate(col_widths)]
        self.width = self.col_x[-1]
        # Unit names, categories and amounts repeat thousands of times: wrap each once.
        self._wrapped: dict[tuple[str, float, float], list[tuple[str, float]]] = {}
        self.header = self._row(header, header_size or size, ["CENTRE"] * len(col_widths), 0, counts=False)
        self.rows = ([self._row(r, size, aligns, min_row_height, counts=True) for r in rows]
                     + [self._row(r, size, aligns, 0, counts=False) for r in tail])
        del self._wrapped
        self.tail = len(tail)
        self.tops = [0.0, *accumulate(r.height for r in self.rows)]  # running heights, for splitting
        self.counted = [0, *accumulate(int(r.counts) for r in self.rows)]
        self.start, self.end = 0, len(self.rows)

    def _lines(self, text: str, size: float, room: float) -> list[tuple[str, float]]:
        key = (text, size, room)
        lines = self._wrapped.get(key)
        if lines is None:
            lines = self._wrapped[key] = [(line, stringWidth(line, self.font, size))
                                          for line in wrap_text(text, self.font, size, room)]
        return lines

    def _row(self, texts: Sequence[str | None], size: float, aligns: Sequence[str], min_h: float,
             *, counts: bool) -> _Row:
        cells, edges = [], []
        for col, text in enumerate(texts):
            if text is None:
                continue
            stop = col + 1
            while stop < len(texts) and texts[stop] is None:
                stop += 1
            x0, x1 = self.col_x[col], self.col_x[stop]
            if col:
                edges.append(x0)
            cells.append((x0, x1, aligns[col], self._lines(text, size, x1 - x0 - 2 * self.PAD_X)))
        height = max(min_h, max((len(c[3]) for c in cells), default=1) * size * LINE + 2 * self.PAD_Y)
        placed = []
        for x0, x1, align, lines in cells:
            first = (height - len(lines) * size * LINE) / 2   # the text block is centred in the row
            for i, (line, w) in enumerate(lines):
                x = (x0 + self.PAD_X if align == "LEFT" else x1 - self.PAD_X - w if align == "RIGHT"
                     else (x0 + x1 - w) / 2)
                # Baseline a little below the middle of the line: CJK glyphs sit between -0.12 and 0.88 em.
                placed.append((line, x, first + size * LINE * (i + 0.5) + size * 0.36))
        return _Row(placed, tuple(edges), height, size, counts)

    # -- layout

    @property
    def rows_done(self) -> int:
        """Data rows laid out up to the end of this part (for progress)."""
        return self.counted[self.end]

    def _part(self, start: int, end: int) -> LongTable:
        # Only the measured layout is shared: platypus marks flowables with state of its
        # own (_postponed, …) that must not pass from one part to the next.
        part = object.__new__(LongTable)
        Flowable.__init__(part)
        for name in self._SHARED:
            setattr(part, name, getattr(self, name))
        part.start, part.end = start, end
        return part

    _SHARED = ("font", "size", "room_after", "col_x", "width", "header", "rows", "tail", "tops", "counted")

    def wrap(self, avail_w, avail_h):
        self.height = self.header.height + self.tops[self.end] - self.tops[self.start]
        if (self.end == len(self.rows) and self.height <= avail_h < self.height + self.room_after
                and self.start < self._last_data() - 1):
            # Claim the room the sign-off needs: the document then asks us to split (see split).
            return self.width, self.height + self.room_after
        return self.width, self.height

    def split(self, avail_w, avail_h):
        room = avail_h - self.header.height
        # The last row that ends within the room.
        end = bisect_right(self.tops, self.tops[self.start] + room + 0.001, lo=self.start) - 1
        height = self.header.height + self.tops[self.end] - self.tops[self.start]
        if end >= self.end and height + self.room_after <= avail_h:
            return [self]
        # Keep the total (and what follows the table) with at least one row above it.
        last_data = self._last_data()
        moved = end >= last_data
        if moved:
            end = last_data - 1
        if end <= self.start:
            return []  # not even one row fits: the document moves us to the next page
        if moved:
            # The rows held back would fit below, without the sign-off: start them on a new page.
            return [self._part(self.start, end), PageBreak(), self._part(end, self.end)]
        return [self._part(self.start, end), self._part(end, self.end)]

    def _last_data(self) -> int:
        """Index just after the last data row; the total rows follow it."""
        return len(self.rows) - self.tail

    # -- drawing

    def draw(self):
        c = self.canv
        rows = [self.header, *self.rows[self.start:self.end]]
        c.saveState()
        c.setFillColor(LABEL_BG)
        c.rect(0, self.height - self.header.height, self.width, self.header.height, stroke=0, fill=1)
        c.setFillColor(colors.black)
        text = c.beginText()
        path = c.beginPath()
        y = self.height
        size = None
        run_top, edges = y, rows[0].edges   # rows with the same rules share one line per rule
        for row in rows:
            if row.size != size:
                size = row.size
                text.setFont(self.font, size)
            for line, x, down in row.lines:
                text.setTextOrigin(x, y - down)
                text.textOut(line)
            if row.edges != edges:
                self._rules(path, edges, run_top, y)
                run_top, edges = y, row.edges
            y -= row.height
            path.moveTo(0, y)
            path.lineTo(self.width, y)
        self._rules(path, edges, run_top, y)
        c.drawText(text)
        c.setStrokeColor(GRID_COLOR)
        c.setLineWidth(0.5)
        c.drawPath(path, stroke=1, fill=0)
        c.setLineWidth(1.0)
        c.rect(0, 0, self.width, self.height, stroke=1, fill=0)
        c.restoreState()

    @staticmethod
    def _rules(path, edges: tuple[float, ...], top: float, bottom: float) -> None:
        for x in edges:
            path.moveTo(x, top)
            path.lineTo(x, bottom)


def height_of(flowables: Sequence[Flowable], width: float = CONTENT_W) -> float:
    """The height ``flowables`` take stacked in a frame ``width`` wide (for LongTable's ``room_after``)."""
    return sum(f.wrap(width, PAGE_H)[1] + f.getSpaceBefore() + f.getSpaceAfter() for f in flowables)


# ---- page numbers ----------------------------------------------------------------------

FooterFn = Callable[[Canvas, int, int], None]


def numbered_canvas(footer: FooterFn) -> type[Canvas]:
    """A canvas class that holds every page back until the end, so each footer can say ``共 y 页``.

    ``footer(canvas, page, pages)`` draws one page's footer. Anything the document
    stores on the canvas while laying out a page (``canvas.page_note``) is kept with
    that page and is there again when its footer is drawn.

    Where a document holds several forms (see :class:`Mark`'s ``new_form``), the footer
    also finds the page within the current form and that form's page count in
    ``canvas.form_page`` and ``canvas.form_pages``; without forms they equal ``page`` and ``pages``.
    """

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.page_note = ""
            self.form_start = 1   # the page the current form began on
            self._held: list[dict] = []

        def showPage(self):  # noqa: N802 - reportlab's name
            self._held.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            pages = len(self._held)
            form_sizes = Counter(state["form_start"] for state in self._held)
            for state in self._held:
                self.__dict__.update(state)
                self.form_page = self._pageNumber - self.form_start + 1
                self.form_pages = form_sizes[self.form_start]
                footer(self, self._pageNumber, pages)
                Canvas.showPage(self)
            Canvas.save(self)

    return NumberedCanvas


def one_per_page(forms: Iterable[list[Flowable]]) -> tuple[list[Flowable], int]:
    """Forms one after another, each from a new page: the story and how many forms there were."""
    story: list[Flowable] = []
    count = 0
    for form in forms:
        if count:
            story.append(PageBreak())
        story += form
        count += 1
    return story, count


def form_footer(font: str, *, left: str, centre: str) -> FooterFn:
    """The footer of a file of forms: pages numbered within each form, and on a continuation page
    a note at the top saying whose form it continues (``canvas.page_note``)."""

    def footer(canvas, page, pages):
        if canvas.form_page > 1:
            canvas.saveState()
            canvas.setFont(font, 9)
            canvas.drawString(MARGIN, PAGE_H - MARGIN + 3 * mm, f"（续页）{canvas.page_note}")
            canvas.restoreState()
        draw_footer(canvas, font, left=left, centre=centre, page=canvas.form_page, pages=canvas.form_pages)

    return footer


def draw_footer(canvas: Canvas, font: str, *, left: str, centre: str, page: int, pages: int) -> None:
    """The standard footer: a rule, then ``left`` / ``centre`` / ``第 x 页 共 y 页``."""
    y = MARGIN + 1 * mm
    canvas.saveState()
    canvas.setStrokeColor(colors.grey)
    canvas.setLineWidth(0.4)
    canvas.line(MARGIN, y + 4.5 * mm, PAGE_W - MARGIN, y + 4.5 * mm)
    canvas.setFont(font, 8.5)
    canvas.drawString(MARGIN, y, left)
    canvas.drawCentredString(PAGE_W / 2, y, centre)
    canvas.drawRightString(PAGE_W - MARGIN, y, f"第 {page} 页 共 {pages} 页")
    canvas.restoreState()


class Mark(Flowable):
    """Takes no room; tells the document that ``count`` items are now laid out (for progress).

    A ``note`` is kept for the footers of this page and the pages after it.
    ``new_form`` starts a form numbered on its own, from 第 1 页 (see :func:`numbered_canvas`).
    """

    def __init__(self, count: int | None, note: str = "", *, new_form: bool = False):
        super().__init__()
        self.count = count
        self.note = note
        self.new_form = new_form

    def wrap(self, avail_w, avail_h):
        return 0, 0

    def draw(self):
        pass


class ReportDocument(BaseDocTemplate):
    """An A4 document with one frame above a footer, reporting progress and honouring cancel.

    Progress comes from :class:`Mark` flowables and from each page's part of a
    :class:`LongTable`; ``progress(n)`` returning ``False`` raises :class:`Cancelled`.
    """

    def __init__(self, filename: str, *, title: str, author: str, footer: FooterFn,
                 progress: Callable[[int], bool] | None = None):
        font = register_fonts()
        super().__init__(filename, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN,
                         topMargin=MARGIN, bottomMargin=MARGIN, title=title, author=author,
                         creator="AidDesk", initialFontName=font)
        frame = Frame(MARGIN, MARGIN + FOOTER_H, CONTENT_W, PAGE_H - 2 * MARGIN - FOOTER_H,
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id="body")
        self.addPageTemplates([PageTemplate(id="page", frames=[frame])])
        self.footer = footer
        self.progress = progress
        self._reported = 0

    def afterFlowable(self, flowable):  # noqa: N802 - reportlab's name
        if isinstance(flowable, Mark):
            if flowable.note:
                self.canv.page_note = flowable.note
            if flowable.new_form:
                self.canv.form_start = self.canv.getPageNumber()
            if flowable.count is None:
                return
            count = flowable.count
        elif isinstance(flowable, LongTable):
            count = flowable.rows_done
        else:
            return
        if self.progress is not None and count > self._reported:
            self._reported = count
            if self.progress(count) is False:
                raise Cancelled()

    def build(self, story):  # noqa: D102 - same as BaseDocTemplate.build, numbered pages
        super().build(story, canvasmaker=numbered_canvas(self.footer))


# ---- writing ---------------------------------------------------------------------------

REVIEW_COLS = [25 * mm, CONTENT_W / 2 - 25 * mm, CONTENT_W / 2]


def review_section(title: str, signers: tuple[str, str], opinion_label: str, opinion_text: str | None,
                   opinion_space: float, st: dict) -> Table:
    """The closing 审核 block of a filed form: two signature lines, then the union's opinion with its seal.

    ``opinion_text`` is an opinion already on record (None: the box is for handwriting only);
    ``opinion_space`` is the room left for a handwritten opinion above the seal line.
    """
    blank = "_" * 12
    date_blank = "______年____月____日"
    opinion = [
        *([para(opinion_text, st["value"])] if opinion_text is not None else []),
        Spacer(1, opinion_space),
        Paragraph("（盖章）", st["seal"]),
        Spacer(1, 2 * mm),
        # Paragraph folds runs of spaces (even U+3000), so the date gaps are non-breaking spaces.
        Paragraph("年" + "&nbsp;" * 8 + "月" + "&nbsp;" * 8 + "日", st["seal"]),
    ]
    data = [
        section_heading(title, 3, st),
        [para(f"{signers[0]}（签字）{blank}　日期 {date_blank}", st["sign"]), "",
         para(f"{signers[1]}（签字）{blank}　日期 {date_blank}", st["sign"])],
        [para(opinion_label, st["label"]), opinion, ""],
    ]
    style = base_style(3) + [
        ("SPAN", (0, 1), (1, 1)),
        ("SPAN", (1, 2), (2, 2)),
        ("BACKGROUND", (0, 2), (0, 2), LABEL_BG),
        ("TOPPADDING", (0, 1), (-1, 1), 9),
        ("BOTTOMPADDING", (0, 1), (-1, 1), 7),
        ("VALIGN", (1, 2), (1, 2), "TOP"),
        ("TOPPADDING", (1, 2), (1, 2), 5),
    ]
    return table(data, REVIEW_COLS, style)
