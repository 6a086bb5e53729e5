"""The printed 金秋助学对象登记表 (新生) and 金秋助学回访登记表 (在校生): one A4 page per student line."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from ..core.batch import AidRecord, Batch
from ..core.errors import UserError
from ..core.household import Household
# Cancelled is re-exported: callers of this module catch it from here.
from .common import (one_per_page, CONTENT_W, LABEL_BG, MARGIN, PAGE_H, Cancelled, Mark, ReportDocument, Title,  # noqa: F401
                     base_style, form_footer, field_section, para, review_section, section_heading, styles, table,
                     write_atomically, yuan)
from .fonts import register_fonts

# 新生 are registered as aid recipients; 在校生 already aided are visited again.
TITLES = {"新生": "金秋助学对象登记表", "在校生": "金秋助学回访登记表"}
VISIT_BOX_H = 24 * mm    # room to write a few lines by hand


@dataclass(frozen=True)
class JinqiuItem:
    """One student line to print, with its household and the names of its attached proofs."""

    record: AidRecord
    household: Household
    attachments: tuple[str, ...] = ()


def _relation(h: Household, id_number: str) -> str:
    """How the student belongs to the household: 本人 (the worker) or the member's relation."""
    if id_number and id_number == h.id_number:
        return "本人"
    return next((m.relation for m in h.members if id_number and m.id_number == id_number), "")


# ---- sections -------------------------------------------------------------------

def _student_section(r: AidRecord, h: Household, st: dict) -> Flowable:
    return field_section("一、学生情况", [
        [("学生姓名", r.student_name), ("身份证号", r.student_id_number), ("与户主关系", _relation(h, r.student_id_number))],
        [("就读学校", r.school, 3), ("学历层次", r.education_level)],
        [("专业", r.major, 3), ("入学年份", f"{r.enrollment_year} 年" if r.enrollment_year else "")],
    ], st)


def _family_section(h: Household, st: dict) -> Flowable:
    causes = "、".join(c for c in (h.main_cause, *h.secondary_causes) if c)
    return field_section("二、家庭情况", [
        [("户主姓名", h.name), ("档案编号", h.archive_no), ("困难类别", h.hardship_category)],
        [("家庭人口", f"{h.household_size} 人"), ("家庭月人均\n收入", yuan(h.per_capita_income)), ("联系电话", h.phone)],
        [("致困原因", causes)],
        [("家庭住址", h.address)],
    ], st)


def _aid_section(r: AidRecord, b: Batch, st: dict) -> Flowable:
    return field_section("三、资助情况", [
        [("资助金额", yuan(r.amount)), ("资金来源", r.fund_source), ("发放方式", r.payment_method)],
        [("领取人", r.recipient_name), ("批次编号", b.code), ("资助年度", f"{b.year} 年")],
        [("批次名称", b.name)],
    ], st)


def _attachments_section(attachments: Sequence[str], st: dict) -> Flowable:
    text = "；".join(f"{i}. {a}" for i, a in enumerate(attachments, 1)) if attachments else "（未登记附件）"
    return field_section("四、附件材料", [[("已附材料", text)]], st)


_BOX_COLS = [25 * mm, CONTENT_W - 25 * mm]


def _visit_section(st: dict) -> Flowable:
    """学习情况 / 生活情况 / 回访意见, left blank to fill in by hand on the visit."""
    data = [section_heading("五、回访情况（手工填写）", 2, st)]
    heights: list[float | None] = [None]
    for label in ("学习情况", "生活情况", "回访意见"):
        data.append([para(label, st["label"]), ""])
        heights.append(VISIT_BOX_H)
    data.append([para("回访人（签字）" + "_" * 12 + "　回访日期 ______年____月____日", st["sign"]), ""])
    heights.append(None)
    last = len(data) - 1
    style = base_style(2) + [
        ("BACKGROUND", (0, 1), (0, last - 1), LABEL_BG),
        ("SPAN", (0, last), (1, last)),
        ("TOPPADDING", (0, last), (-1, last), 8),
        ("BOTTOMPADDING", (0, last), (-1, last), 6),
    ]
    return table(data, _BOX_COLS, style, rowHeights=heights)


def _review_section(number: str, opinion_h: float, st: dict) -> Flowable:
    return review_section(f"{number}、审核意见", ("经办人", "审核人"), "工会意见\n（盖章）", None, opinion_h, st)


def _meta_line(r: AidRecord, b: Batch, st: dict) -> Flowable:
    cells = [para(f"明细编号：{r.record_no}", st["meta"]), para(f"批次：{b.name}", st["meta"])]
    return table([cells], [72 * mm, CONTENT_W - 72 * mm], [
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ])


# ---- the document ------------------------------------------------------------------

def _form(item: JinqiuItem, b: Batch, count: int, st: dict) -> list[Flowable]:
    r = item.record
    visit = r.student_kind == "在校生"
    story: list[Flowable] = [
        # Pages are numbered within each form: a filed form's pages belong together,
        # and the note heads a continuation page, so a loose page finds its first.
        Mark(None, note=f"学生：{r.student_name}　明细编号：{r.record_no}", new_form=True),
        Title(TITLES[r.student_kind], font=st["value"].fontName),
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
    story.append(Mark(count))
    return story


def write_jinqiu_forms(path: str | os.PathLike, *, batch: Batch, office_name: str, items: Sequence[JinqiuItem],
                       progress: Callable[[int], bool] | None = None, printed_on: date) -> int:
    """Write one PDF with a form per student line; return how many forms.

    The title follows ``record.student_kind``: 新生 → 对象登记表, 在校生 → 回访登记表.
    ``progress(n)`` is called after the n-th form; returning ``False`` cancels
    (:class:`Cancelled`, no file written). The PDF is built beside ``path`` and moved
    into place only when complete.
    """
    if not items:
        raise UserError("没有选中任何学生，无法打印金秋助学登记表")
    for item in items:
        r = item.record
        if r.student_kind not in TITLES:
            who = r.student_name or r.recipient_name or r.record_no
            raise UserError(f"{who}的明细没有填写“新生/在校生”，不是金秋助学学生明细，无法打印登记表")
    font = register_fonts()
    st = styles(font)
    story, _count = one_per_page(_form(item, batch, i, st) for i, item in enumerate(items, start=1))
    kinds = {item.record.student_kind for item in items}
    title = TITLES[kinds.pop()] if len(kinds) == 1 else "金秋助学登记表"
    printed = f"打印日期：{printed_on.isoformat()}"

    footer = form_footer(font, left=office_name, centre=printed)

    write_atomically(path, lambda tmp: ReportDocument(tmp, title=title, author=office_name, footer=footer,
                                                      progress=progress).build(story))
    return len(items)
