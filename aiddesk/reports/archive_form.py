"""The printed 困难职工档案登记表: one A4 form per household, many households in one PDF."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import (BaseDocTemplate, Flowable, Frame, KeepTogether, PageBreak, PageTemplate, Spacer,
                                Table)

from ..core.errors import UserError
from ..core.household import Household
from ..core.money import format_yuan
from ..db.attachments import Attachment
# Cancelled is re-exported: callers of this module catch it from here.
from .common import (one_per_page, CONTENT_W, FOOTER_H, LABEL_BG, MARGIN, PAGE_H, PAGE_W, Cancelled, Title,  # noqa: F401
                     base_style, field_section, para, review_section, section_heading, styles, table,
                     write_atomically)
from .fonts import register_fonts

TITLE = "困难职工档案登记表"

MIN_MEMBER_ROWS = 4      # the paper form always has room to add members by hand
BLANK_ROW_H = 7 * mm   # tall enough to write in

# Free text a cell prints, above the longest each field's form accepts (家庭住址 100, 工作单位 60, 工会意见 500
# characters). A longer value — kept from before those limits, or typed into the database some other way — is cut
# there with MORE and printed whole on the form's 附页: the form stays the one ruled sheet an office files and
# signs, and nothing on record is lost on paper.
CELL_CHARS, CELL_LINES = 150, 4
MEMBER_CHARS, MEMBER_LINES = 60, 3      # the narrow columns of the member table
OPINION_CHARS, OPINION_LINES = 500, 12  # the whole width of the 审核 block
MORE = "…（见附页）"
APPENDIX = "附页：登记表中未印完的内容"


@dataclass(frozen=True)
class ArchiveFormItem:
    """One household to print, with what the form needs that the household does not hold."""

    household: Household
    unit_name: str
    attachments: tuple[Attachment, ...] = ()


# ---- value formatting ----------------------------------------------------------

class _Overflow:
    """The values of one form too long for their cells: each is cut in its cell and printed whole on the 附页."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def fit(self, label: str, value: str | None, chars: int = CELL_CHARS, lines: int = CELL_LINES) -> str:
        text = value or ""
        shown = "\n".join(text.split("\n")[:lines])[:chars]
        if shown == text:
            return text
        self.items.append((label.replace("\n", ""), text))
        return shown.rstrip() + MORE

    def pairs(self, rows: list[list[tuple]]) -> list[list[tuple]]:
        """Label/value rows of a field section, each value fitted to its cell."""
        return [[(pair[0], self.fit(pair[0], pair[1]), *pair[2:]) for pair in row] for row in rows]


def _date(d: date | None) -> str:
    return d.isoformat() if d else ""


def _yuan(value: Decimal | None) -> str:
    return f"{format_yuan(value)} 元" if value is not None else ""


# ---- tables --------------------------------------------------------------------

def _head_section(h: Household, st: dict, over: _Overflow) -> Table:
    return field_section("一、户主信息", over.pairs([
        [("姓名", h.name), ("性别", h.gender), ("民族", h.ethnicity)],
        [("出生日期", _date(h.birth_date)), ("身份证号", h.id_number), ("政治面貌", h.political_status)],
        [("健康状况", h.health), ("残疾类别", h.disability), ("工作状态", h.work_status)],
        [("是否农民工", "是" if h.is_migrant_worker else "否"), ("手机号码", h.phone),
         ("婚姻状况", h.marital_status)],
        [("户口类型", h.hukou_type), ("住房类型", h.housing_type), ("户口所在地\n区划代码", h.hukou_area_code)],
        [("工作单位", h.employer, 3), ("单位性质", h.employer_type)],
        [("家庭住址", h.address)],
    ]), st)


def _income_section(h: Household, st: dict) -> Table:
    return field_section("二、家庭收入", [
        [("本人月收入", _yuan(h.monthly_income)), ("家庭其他年收入", _yuan(h.other_annual_income)),
         ("刚性支出（年）", _yuan(h.rigid_expenses))],
        [("家庭年总收入", _yuan(h.annual_income)), ("家庭人口", f"{h.household_size} 人"),
         ("家庭月人均收入", _yuan(h.per_capita_income))],
        [("当地低保标准\n（元/月）", _yuan(h.dibao_line)), ("困难类别", h.hardship_category)],
    ], st)


# 序号, 姓名, 关系, 身份证号, 性别, 出生日期, 健康状况, 身份, 月收入, 单位或学校 (fills the rest)
_MEMBER_COLS = [9 * mm, 17 * mm, 10 * mm, 33 * mm, 9 * mm, 19.5 * mm, 14.5 * mm, 11 * mm, 19 * mm]
_MEMBER_COLS.append(CONTENT_W - sum(_MEMBER_COLS))
_MEMBER_HEADERS = ("序号", "姓名", "关系", "身份证号", "性别", "出生日期", "健康状况", "身份", "月收入", "单位或学校")


def _member_cells(over: _Overflow, row: int) -> Callable[[str, str | None], str]:
    """Fits a value of the member table's ``row`` to its narrow column, naming it for the 附页."""
    return lambda header, value: over.fit(f"家庭成员第{row}行“{header}”", value, MEMBER_CHARS, MEMBER_LINES)


def _members_section(h: Household, st: dict, over: _Overflow) -> Table:
    n_cols = len(_MEMBER_COLS)
    data = [section_heading("三、家庭成员（不含户主）", n_cols, st),
            [para(t, st["small_c"]) for t in _MEMBER_HEADERS]]
    heights: list[float | None] = [None, None]
    for i, m in enumerate(h.members, start=1):
        fit = _member_cells(over, i)
        data.append([
            para(str(i), st["small_c"]), para(fit("姓名", m.name), st["small"]),
            para(fit("关系", m.relation), st["small_c"]), para(fit("身份证号", m.id_number), st["small"]),
            para(fit("性别", m.gender), st["small_c"]), para(_date(m.birth_date), st["small_c"]),
            para(fit("健康状况", m.health), st["small_c"]), para(fit("身份", m.identity), st["small_c"]),
            para(_yuan(m.monthly_income), st["small_r"]), para(fit("单位或学校", m.employer_or_school), st["small"]),
        ])
        heights.append(None)  # filled rows grow with their text
    for i in range(len(h.members) + 1, MIN_MEMBER_ROWS + 1):
        data.append([para(str(i), st["small_c"])] + [""] * (n_cols - 1))
        heights.append(BLANK_ROW_H)
    style = base_style(n_cols) + [("BACKGROUND", (0, 1), (-1, 1), LABEL_BG)]
    # A long member list may break across pages: repeat the headings on the next page.
    return table(data, _MEMBER_COLS, style, rowHeights=heights, repeatRows=2)


def _causes_and_bank_section(h: Household, st: dict, over: _Overflow) -> list[Table]:
    causes = field_section("四、致困原因", over.pairs([
        [("主要致困原因", h.main_cause), ("次要致困原因", "、".join(h.secondary_causes))],
    ]), st)
    bank = field_section("五、银行卡", over.pairs([[("开户银行", h.bank_name), ("银行卡号", h.bank_card)]]), st)
    return [causes, bank]


_ATTACH_COLS = [12 * mm, 38 * mm, 95 * mm]
_ATTACH_COLS.append(CONTENT_W - sum(_ATTACH_COLS))


def _attachments_section(h: Household, attachments: Sequence[Attachment], st: dict, over: _Overflow) -> Table:
    n_cols = len(_ATTACH_COLS)
    data = [section_heading("六、附件材料", n_cols, st),
            [para(t, st["small_c"]) for t in ("序号", "材料类型", "文件名", "登记日期")]]
    for i, a in enumerate(attachments, start=1):
        data.append([para(str(i), st["small_c"]), para(a.kind, st["small"]),
                     para(over.fit(f"附件第{i}项文件名", a.original_name), st["small"]),
                     para(a.added_at[:10], st["small_c"])])
    if not attachments:
        data.append([para("（未登记附件）", st["small_c"]), "", "", ""])
    missing = "、".join(h.missing_docs) if h.missing_docs else "无"
    # The "缺少材料" label is wider than the 序号 column, so it takes 序号 and 材料类型 both.
    data.append([para("缺少材料", st["label"]), "", para(missing, st["value"]), ""])
    last = len(data) - 1
    style = base_style(n_cols) + [
        ("BACKGROUND", (0, 1), (-1, 1), LABEL_BG),
        ("SPAN", (0, last), (1, last)),
        ("SPAN", (2, last), (-1, last)),
        ("BACKGROUND", (0, last), (1, last), LABEL_BG),
    ]
    if not attachments:
        style.append(("SPAN", (0, 2), (-1, 2)))
    return table(data, _ATTACH_COLS, style, repeatRows=2)


def _review_section(h: Household, st: dict, over: _Overflow) -> Table:
    # Room for a handwritten opinion and the union's seal above the date line.
    opinion = (over.fit("工会意见", h.union_opinion, OPINION_CHARS, OPINION_LINES)
               if h.union_opinion is not None else None)
    return review_section("七、审核", ("建档人", "审核人"), "工会意见", opinion,
                          12 * mm if h.union_opinion else 18 * mm, st)


def _appendix(over: _Overflow, st: dict) -> list[Flowable]:
    """The 附页: each value cut short on the form, whole, under its label; it runs onto as many pages as it needs."""
    if not over.items:
        return []
    story: list[Flowable] = [PageBreak(), para(APPENDIX, st["section"]), Spacer(1, 2 * mm)]
    for label, text in over.items:
        story += [para(f"{label}：", st["sign"]), para(text, st["value"]), Spacer(1, 3 * mm)]
    return story


def _meta_line(h: Household, unit_name: str, st: dict) -> Table:
    """档案编号 / 所属单位 / 建档日期 / 档案状态 under the title, without borders."""
    cells = [
        para(f"档案编号：{h.archive_no}", st["meta"]),
        para(f"所属单位：{unit_name or h.unit_code}", st["meta"]),
        para(f"建档日期：{_date(h.created_date)}", st["meta"]),
        para(f"档案状态：{h.archive_status}", st["meta"]),
    ]
    return table([cells], [52 * mm, 64 * mm, 36 * mm, CONTENT_W - 152 * mm], [
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ])


# ---- the document ------------------------------------------------------------

class _Marker(Flowable):
    """Takes no room; tells the document where a form starts or ends."""

    def __init__(self, household: Household, *, end: bool):
        super().__init__()
        self.archive_no = household.archive_no
        self.head_name = household.name
        self.end = end

    def wrap(self, avail_w, avail_h):
        return 0, 0

    def draw(self):
        pass


def _form(item: ArchiveFormItem, st: dict) -> list[Flowable]:
    h = item.household
    over = _Overflow()
    # Sections sit edge to edge, sharing borders, so the form reads as one ruled sheet
    # like the paper original; the small ones are kept whole, the member table may break.
    return [
        _Marker(h, end=False),
        Title(TITLE, font=st["value"].fontName),
        Spacer(1, 3 * mm),
        _meta_line(h, item.unit_name, st),
        _head_section(h, st, over),
        KeepTogether(_income_section(h, st)),
        _members_section(h, st, over),
        KeepTogether(_causes_and_bank_section(h, st, over)),
        KeepTogether(_attachments_section(h, item.attachments, st, over)),
        KeepTogether(_review_section(h, st, over)),
        *_appendix(over, st),
        _Marker(h, end=True),
    ]


class _FormDocument(BaseDocTemplate):
    """Counts forms as they are laid out (for progress) and numbers pages within each form."""

    def __init__(self, filename: str, *, font: str, office_name: str, printed_on: date,
                 progress: Callable[[int], bool] | None):
        super().__init__(filename, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN,
                         topMargin=MARGIN, bottomMargin=MARGIN, title=TITLE, author=office_name,
                         creator="AidDesk", initialFontName=font)
        frame = Frame(MARGIN, MARGIN + FOOTER_H, CONTENT_W, PAGE_H - 2 * MARGIN - FOOTER_H,
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id="body")
        self.addPageTemplates([PageTemplate(id="form", frames=[frame], onPageEnd=self._footer)])
        self.font = font
        self.office_name = office_name
        self.printed_on = printed_on
        self.progress = progress
        self.forms_done = 0
        self._form_first_page = 1
        self._archive_no = ""
        self._head_name = ""

    def afterFlowable(self, flowable):
        if not isinstance(flowable, _Marker):
            return
        if not flowable.end:
            self._form_first_page = self.page
            self._archive_no = flowable.archive_no
            self._head_name = flowable.head_name
            return
        self.forms_done += 1
        if self.progress is not None and self.progress(self.forms_done) is False:
            raise Cancelled()

    def _footer(self, canvas, doc):
        # Pages are numbered within each form: a filed form's pages belong together,
        # and the 档案编号 lets a loose second page find its first.
        y = MARGIN + 1 * mm
        page = self.page - self._form_first_page + 1
        canvas.saveState()
        if page > 1:
            # A continuation page starts mid-form: say whose form it continues.
            canvas.setFont(self.font, 9)
            canvas.drawString(MARGIN, PAGE_H - MARGIN + 3 * mm,
                              f"（续页）户主：{self._head_name}　档案编号：{self._archive_no}")
        canvas.setStrokeColor(colors.grey)
        canvas.setLineWidth(0.4)
        canvas.line(MARGIN, y + 4.5 * mm, PAGE_W - MARGIN, y + 4.5 * mm)
        canvas.setFont(self.font, 8.5)
        canvas.drawString(MARGIN, y, self.office_name)
        canvas.drawCentredString(PAGE_W / 2, y, f"打印日期：{self.printed_on.isoformat()}")
        canvas.drawRightString(PAGE_W - MARGIN, y, f"档案编号 {self._archive_no}　第 {page} 页")
        canvas.restoreState()


def write_archive_forms(path: str | os.PathLike, items: Iterable[ArchiveFormItem], *, office_name: str,
                        printed_on: date, progress: Callable[[int], bool] | None = None) -> int:
    """Write one PDF with a 困难职工档案登记表 per household; return how many forms.

    ``progress(n)`` is called after the n-th form is laid out; returning ``False``
    (not merely a falsy value) cancels: :class:`Cancelled` is raised and no file
    is written. The PDF is built in a temporary file beside ``path`` and moved
    into place only when complete, so an existing file there survives a failure.
    """
    path = Path(path)
    font = register_fonts()
    st = styles(font)
    story, count = one_per_page(_form(item, st) for item in items)
    if not count:
        raise UserError("没有选中任何档案，无法打印登记表")

    write_atomically(path, lambda tmp: _FormDocument(tmp, font=font, office_name=office_name, printed_on=printed_on,
                                                     progress=progress).build(story))
    return count
