"""The printed 金秋助学对象登记表 (新生) and 金秋助学回访登记表 (在校生): one A4 page per student line."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (BaseDocTemplate, Flowable, Frame, PageBreak, PageTemplate, Paragraph, Spacer, Table,
                                TableStyle)

from ..core.batch import AidRecord, Batch
from ..core.errors import UserError
from ..core.household import Household
from ..core.money import format_yuan
from .fonts import register_fonts

# 新生 are registered as aid recipients; 在校生 already aided are visited again.
TITLES = {"新生": "金秋助学对象登记表", "在校生": "金秋助学回访登记表"}
VISIT_BOX_H = 24 * mm    # room to write a few lines by hand

# The page and the ruled grid of the 困难职工档案登记表, so the office's forms look alike.
PAGE_W, PAGE_H = A4
MARGIN = 15 * mm
FOOTER_H = 8 * mm
CONTENT_W = PAGE_W - 2 * MARGIN
GRID_COLOR = colors.black
LABEL_BG = colors.HexColor("#EFEFEF")
SECTION_BG = colors.HexColor("#D9D9D9")
# Three label/value pairs a row; a value cell holds an 18-digit ID number on one line.
GRID_COLS = (25 * mm, 35 * mm) * 3


class Cancelled(Exception):
    """The user cancelled printing; no output file was left behind."""


@dataclass(frozen=True)
class JinqiuItem:
    """One student line to print, with its household and the names of its attached proofs."""

    record: AidRecord
    household: Household
    attachments: tuple[str, ...] = ()


def _yuan(value) -> str:
    return f"{format_yuan(value)} 元" if value is not None else ""


# ---- cells and grids ---------------------------------------------------------------

def _styles(font: str) -> dict[str, ParagraphStyle]:
    # wordWrap="CJK" breaks lines between any two characters: Chinese has no spaces.
    base = ParagraphStyle("cell", fontName=font, fontSize=9, leading=11.5, wordWrap="CJK")
    return {
        "meta": ParagraphStyle("meta", parent=base, fontSize=9.5, leading=12),
        "section": ParagraphStyle("section", parent=base, fontSize=10, leading=13),
        "label": ParagraphStyle("label", parent=base, alignment=TA_CENTER),
        "value": base,
        "seal": ParagraphStyle("seal", parent=base, fontSize=10, leading=13, alignment=TA_RIGHT,
                               rightIndent=12 * mm),
        "sign": ParagraphStyle("sign", parent=base, fontSize=10, leading=13, alignment=TA_LEFT),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text: user data may contain & or <, which Paragraph reads as markup."""
    return Paragraph(escape(text or "").replace("\n", "<br/>"), style)


def _table(data: list, col_widths: Sequence[float], style: list[tuple], **kwargs) -> Table:
    # FONTNAME even for empty cells, or each table pulls a non-embedded Helvetica into the PDF.
    table = Table(data, colWidths=list(col_widths), **kwargs)
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), register_fonts()), *style]))
    return table


def _base_style(n_cols: int) -> list[tuple]:
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


def _section_heading(title: str, n_cols: int, st: dict) -> list:
    return [_p(title, st["section"])] + [""] * (n_cols - 1)


def _field_section(title: str, rows: Sequence[Sequence[tuple]], st: dict) -> Table:
    """A ruled label/value grid; ``(label, value)`` or ``(label, value, value_cols)`` pairs, the last widens."""
    n_cols = len(GRID_COLS)
    data = [_section_heading(title, n_cols, st)]
    style = _base_style(n_cols)
    for r, pairs in enumerate(rows, start=1):
        cells: list = []
        for i, pair in enumerate(pairs):
            label, value = pair[0], pair[1]
            last = i == len(pairs) - 1
            width = n_cols - len(cells) - 1 if last else (pair[2] if len(pair) > 2 else 1)
            start = len(cells)
            style.append(("BACKGROUND", (start, r), (start, r), LABEL_BG))
            cells += [_p(label, st["label"]), _p(value, st["value"])] + [""] * (width - 1)
            if width > 1:
                style.append(("SPAN", (start + 1, r), (start + width, r)))
        data.append(cells)
    return _table(data, GRID_COLS, style)


class _Title(Flowable):
    """The centred form title, filled and stroked: the font has no bold face."""

    SIZE = 20

    def __init__(self, text: str, *, font: str):
        super().__init__()
        self.text = text
        self.font = font

    def wrap(self, avail_w, avail_h):
        self.width = avail_w
        return avail_w, self.SIZE * 1.3

    def draw(self):
        c = self.canv
        c.saveState()
        c.setLineWidth(0.6)
        text = c.beginText()
        text.setFont(self.font, self.SIZE)
        text.setTextRenderMode(2)
        text.setTextOrigin((self.width - c.stringWidth(self.text, self.font, self.SIZE)) / 2, self.SIZE * 0.3)
        text.textOut(self.text)
        c.drawText(text)
        c.restoreState()


def _relation(h: Household, id_number: str) -> str:
    """How the student belongs to the household: 本人 (the worker) or the member's relation."""
    if id_number and id_number == h.id_number:
        return "本人"
    return next((m.relation for m in h.members if id_number and m.id_number == id_number), "")


# ---- sections -------------------------------------------------------------------

def _student_section(r: AidRecord, h: Household, st: dict) -> Flowable:
    return _field_section("一、学生情况", [
        [("学生姓名", r.student_name), ("身份证号", r.student_id_number), ("与户主关系", _relation(h, r.student_id_number))],
        [("就读学校", r.school, 3), ("学历层次", r.education_level)],
        [("专业", r.major, 3), ("入学年份", f"{r.enrollment_year} 年" if r.enrollment_year else "")],
    ], st)


def _family_section(h: Household, st: dict) -> Flowable:
    causes = "、".join(c for c in (h.main_cause, *h.secondary_causes) if c)
    return _field_section("二、家庭情况", [
        [("户主姓名", h.name), ("档案编号", h.archive_no), ("困难类别", h.hardship_category)],
        [("家庭人口", f"{h.household_size} 人"), ("家庭月人均\n收入", _yuan(h.per_capita_income)), ("联系电话", h.phone)],
        [("致困原因", causes)],
        [("家庭住址", h.address)],
    ], st)


def _aid_section(r: AidRecord, b: Batch, st: dict) -> Flowable:
    return _field_section("三、资助情况", [
        [("资助金额", _yuan(r.amount)), ("资金来源", r.fund_source), ("发放方式", r.payment_method)],
        [("领取人", r.recipient_name), ("批次编号", b.code), ("资助年度", f"{b.year} 年")],
        [("批次名称", b.name)],
    ], st)


def _attachments_section(attachments: Sequence[str], st: dict) -> Flowable:
    text = "；".join(f"{i}. {a}" for i, a in enumerate(attachments, 1)) if attachments else "（未登记附件）"
    return _field_section("四、附件材料", [[("已附材料", text)]], st)


_BOX_COLS = [25 * mm, CONTENT_W - 25 * mm]


def _visit_section(st: dict) -> Flowable:
    """学习情况 / 生活情况 / 回访意见, left blank to fill in by hand on the visit."""
    data = [_section_heading("五、回访情况（手工填写）", 2, st)]
    heights: list[float | None] = [None]
    for label in ("学习情况", "生活情况", "回访意见"):
        data.append([_p(label, st["label"]), ""])
        heights.append(VISIT_BOX_H)
    data.append([_p("回访人（签字）" + "_" * 12 + "　回访日期 ______年____月____日", st["sign"]), ""])
    heights.append(None)
    last = len(data) - 1
    style = _base_style(2) + [
        ("BACKGROUND", (0, 1), (0, last - 1), LABEL_BG),
        ("SPAN", (0, last), (1, last)),
        ("TOPPADDING", (0, last), (-1, last), 8),
        ("BOTTOMPADDING", (0, last), (-1, last), 6),
    ]
    return _table(data, _BOX_COLS, style, rowHeights=heights)


_REVIEW_COLS = [25 * mm, CONTENT_W / 2 - 25 * mm, CONTENT_W / 2]


def _review_section(number: str, opinion_h: float, st: dict) -> Flowable:
    blank = "_" * 12
    date_blank = "______年____月____日"
    opinion = [
        Spacer(1, opinion_h),
        Paragraph("（盖章）", st["seal"]),
        Spacer(1, 2 * mm),
        # Paragraph folds runs of spaces, so the date gaps are non-breaking spaces.
        Paragraph("年" + "&nbsp;" * 8 + "月" + "&nbsp;" * 8 + "日", st["seal"]),
    ]
    data = [
        _section_heading(f"{number}、审核意见", 3, st),
        [_p(f"经办人（签字）{blank}　日期 {date_blank}", st["sign"]), "",
         _p(f"审核人（签字）{blank}　日期 {date_blank}", st["sign"])],
        [_p("工会意见\n（盖章）", st["label"]), opinion, ""],
    ]
    style = _base_style(3) + [
        ("SPAN", (0, 1), (1, 1)),
        ("SPAN", (1, 2), (2, 2)),
        ("BACKGROUND", (0, 2), (0, 2), LABEL_BG),
        ("TOPPADDING", (0, 1), (-1, 1), 9),
        ("BOTTOMPADDING", (0, 1), (-1, 1), 7),
        ("VALIGN", (1, 2), (1, 2), "TOP"),
        ("TOPPADDING", (1, 2), (1, 2), 5),
    ]
    return _table(data, _REVIEW_COLS, style)


def _meta_line(r: AidRecord, b: Batch, st: dict) -> Flowable:
    cells = [_p(f"明细编号：{r.record_no}", st["meta"]), _p(f"批次：{b.name}", st["meta"])]
    return _table([cells], [72 * mm, CONTENT_W - 72 * mm], [
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ])


# ---- the document ------------------------------------------------------------------

class _Marker(Flowable):
    """Takes no room; tells the document where a form starts or ends."""

    def __init__(self, r: AidRecord, *, end: bool):
        super().__init__()
        self.record_no = r.record_no
        self.student = r.student_name
        self.end = end

    def wrap(self, avail_w, avail_h):
        return 0, 0

    def draw(self):
        pass


def _form(item: JinqiuItem, b: Batch, st: dict) -> list[Flowable]:
    r = item.record
    visit = r.student_kind == "在校生"
    story: list[Flowable] = [
        _Marker(r, end=False),
        _Title(TITLES[r.student_kind], font=st["value"].fontName),
        Spacer(1, 3 * mm),
        _meta_line(r, b, st),
        _student_section(r, item.household, st),
        _family_section(item.household, st),
        _aid_section(r, b, st),
        _attachments_section(item.attachments, st),
    ]
    if visit:
        story += [_visit_section(st), _review_section("六", 16 * mm, st)]
    else:
        # No visit boxes on a first registration: the union's opinion gets their room.
        story.append(_review_section("五", 40 * mm, st))
    story.append(_Marker(r, end=True))
    return story


class _FormDocument(BaseDocTemplate):
    """Counts forms as they are laid out (for progress) and numbers pages within each form."""

    def __init__(self, filename: str, *, title: str, font: str, office_name: str, printed_on: date,
                 progress: Callable[[int], bool] | None):
        super().__init__(filename, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN,
                         topMargin=MARGIN, bottomMargin=MARGIN, title=title, author=office_name,
                         creator="AidDesk", initialFontName=font)
        frame = Frame(MARGIN, MARGIN + FOOTER_H, CONTENT_W, PAGE_H - 2 * MARGIN - FOOTER_H,
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id="body")
        self.addPageTemplates([PageTemplate(id="form", frames=[frame], onPageEnd=self._footer)])
        self.font = font
        self.office_name = office_name
        self.printed_on = printed_on
        self.progress = progress
        self.forms_done = 0
        self._first_page = 1
        self._record_no = ""
        self._student = ""

    def afterFlowable(self, flowable):
        if not isinstance(flowable, _Marker):
            return
        if not flowable.end:
            self._first_page = self.page
            self._record_no, self._student = flowable.record_no, flowable.student
            return
        self.forms_done += 1
        if self.progress is not None and self.progress(self.forms_done) is False:
            raise Cancelled()

    def _footer(self, canvas, doc):
        y = MARGIN + 1 * mm
        page = self.page - self._first_page + 1
        canvas.saveState()
        if page > 1:
            canvas.setFont(self.font, 9)
            canvas.drawString(MARGIN, PAGE_H - MARGIN + 3 * mm,
                              f"（续页）学生：{self._student}　明细编号：{self._record_no}")
        canvas.setStrokeColor(colors.grey)
        canvas.setLineWidth(0.4)
        canvas.line(MARGIN, y + 4.5 * mm, PAGE_W - MARGIN, y + 4.5 * mm)
        canvas.setFont(self.font, 8.5)
        canvas.drawString(MARGIN, y, self.office_name)
        canvas.drawCentredString(PAGE_W / 2, y, f"打印日期：{self.printed_on.isoformat()}")
        canvas.drawRightString(PAGE_W - MARGIN, y, f"明细编号 {self._record_no}　第 {page} 页")
        canvas.restoreState()


def write_jinqiu_forms(path: str | os.PathLike, *, batch: Batch, office_name: str, items: Sequence[JinqiuItem],
                       progress: Callable[[int], bool] | None = None, printed_on: date | None = None) -> int:
    """Write one PDF with a form per student line; return how many forms.

    The title follows ``record.student_kind``: 新生 → 对象登记表, 在校生 → 回访登记表.
    ``progress(n)`` is called after the n-th form; returning ``False`` cancels
    (:class:`Cancelled`, no file written). The PDF is built beside ``path`` and moved
    into place only when complete.
    """
    path = Path(path)
    if not items:
        raise UserError("没有选中任何学生，无法打印金秋助学登记表")
    for item in items:
        r = item.record
        if r.student_kind not in TITLES:
            who = r.student_name or r.recipient_name or r.record_no
            raise UserError(f"{who}的明细没有填写“新生/在校生”，不是金秋助学学生明细，无法打印登记表")
    font = register_fonts()
    st = _styles(font)
    story: list[Flowable] = []
    for i, item in enumerate(items):
        if i:
            story.append(PageBreak())
        story += _form(item, batch, st)
    kinds = {item.record.student_kind for item in items}
    title = TITLES[kinds.pop()] if len(kinds) == 1 else "金秋助学登记表"

    # mkstemp's owner-only permissions are kept on purpose: the form carries full ID numbers.
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        doc = _FormDocument(tmp_name, title=title, font=font, office_name=office_name,
                            printed_on=printed_on or date.today(), progress=progress)
        doc.build(story)
        try:
            os.replace(tmp, path)
        except PermissionError:
            raise UserError(f"无法写入“{path}”，该文件可能正在其他程序中打开。请关闭后重试，或换一个文件名") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return len(items)
