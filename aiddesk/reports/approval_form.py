"""The 困难职工帮扶救助审批表 (one page per recipient) and a batch's 审批汇总表, for the file."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer

from ..core.batch import AidRecord, Batch
from ..core.batch_workflow import ACTIONS
from ..core.errors import UserError
from ..core.household import Household
from ..core.money import format_yuan
from .common import (one_per_page, CONTENT_W, LongTable, Mark, ReportDocument, Signer, Title, cn_date, draw_footer,
                     field_section, para, signature_boxes, styles, table, write_atomically, yuan, yuan_in_words)
from .fonts import register_fonts

TITLE = "困难职工帮扶救助审批表"
SUMMARY_TITLE = "审批汇总表"

# (from, to) of the step each signer's date comes from: submitting, passing review, approving.
_SIGNED_STEPS = {"经办人": ("草稿", "审核中"), "审核人": ("审核中", "公示中"), "审批人": ("待审批", "已审批")}

Transition = tuple[str, str, str, str]   # (from_status, to_status, user, at)


@dataclass(frozen=True)
class ApprovalItem:
    """One aid line to print, with the household it belongs to and the name of its unit."""

    record: AidRecord
    household: Household
    unit_name: str


# ---- shared pieces ----------------------------------------------------------------

def _day(at: str) -> str:
    """``2026-11-26T10:31:00`` → ``2026年11月26日``; anything else as it is."""
    try:
        return cn_date(date.fromisoformat(at[:10]))
    except ValueError:
        return at


def _signers(batch: Batch, transitions: Sequence[Transition]) -> list[Signer]:
    """经办人 / 审核人 / 审批人 with the date each last did their step; blanks for steps not yet taken."""
    names = {"经办人": batch.clerk, "审核人": batch.reviewer or "", "审批人": batch.approver or ""}
    signers = []
    for role, step in _SIGNED_STEPS.items():
        # A batch returned for changes passes a step twice: the last time is the one that stands.
        done = [t for t in transitions if (t[0], t[1]) == step]
        signers.append(Signer(role, done[-1][2] if done else names[role], _day(done[-1][3]) if done else ""))
    return signers


def _notice_period(batch: Batch) -> str:
    if not batch.notice_start:
        return ""
    return f"{cn_date(batch.notice_start)}至{cn_date(batch.notice_end)}"


def _plan(batch: Batch) -> str:
    if not batch.plan_approved_by:
        return ""
    return "，".join(p for p in (batch.plan_approval_kind, batch.plan_approved_by, cn_date(batch.plan_approved_on))
                    if p)


def _standard(batch: Batch, r: AidRecord) -> str:
    """The standard that applied to this line: per student for 助学, else per household."""
    if r.education_level and r.student_kind and (r.education_level, r.student_kind) in batch.student_standards:
        amount = batch.student_standards[(r.education_level, r.student_kind)]
        return f"{r.education_level}{r.student_kind} {yuan(amount)}"
    return yuan(batch.standard) if batch.standard is not None else "按申请核定"


def _meta(cells: Sequence[str], widths: Sequence[float], st: dict):
    return table([[para(c, st["meta"]) for c in cells]], widths, [
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ])


# ---- one recipient --------------------------------------------------------------------

def _batch_section(batch: Batch, r: AidRecord, st: dict):
    rows = [
        [("批次名称", batch.name, 3), ("批次编号", batch.code)],
        [("活动类型", batch.activity), ("资金来源", "、".join(batch.fund_sources), 3)],
        [("发放标准", _standard(batch, r)), ("公示期", _notice_period(batch))],
    ]
    if _plan(batch):
        rows.append([("活动方案\n审批", _plan(batch))])
    return field_section("一、批次信息", rows, st)


def _recipient_section(item: ApprovalItem, st: dict):
    r, h = item.record, item.household
    causes = "、".join(c for c in (h.main_cause, *h.secondary_causes) if c)
    rows = [
        [("姓名", r.recipient_name), ("身份证号", r.recipient_id_number), ("所属单位", item.unit_name)],
    ]
    if r.recipient_id_number != h.id_number:
        # A member may receive the aid (a student's parent, a patient's spouse): name the head too.
        rows.append([("户主姓名", h.name), ("户主身份证号", h.id_number, 3)])
    rows += [
        [("档案编号", h.archive_no), ("困难类别", h.hardship_category), ("家庭人口", f"{h.household_size} 人")],
        [("月人均收入", yuan(h.per_capita_income)), ("联系电话", h.phone), ("当地低保标准", yuan(h.dibao_line))],
        [("致困原因", causes)],
    ]
    return field_section("二、救助对象", rows, st)


def _aid_section(item: ApprovalItem, st: dict):
    r, h = item.record, item.household
    card = "现金发放（实名制签领）" if r.payment_method == "现金" else r.bank_card
    rows = [
        [("救助类别", r.aid_category), ("资金来源", r.fund_source), ("发放方式", r.payment_method)],
        [("救助金额", yuan(r.amount)), ("金额大写", f"人民币{yuan_in_words(r.amount)}", 3)],
        [("银行卡号", card, 3), ("开户银行", h.bank_name if r.payment_method != "现金" else "")],
    ]
    if r.aid_category == "医疗救助" or r.hospital or r.diagnosis:
        rows += [
            [("就诊医院", r.hospital, 3), ("诊断", r.diagnosis)],
            [("医疗总费用", yuan(r.total_cost)), ("已报销", yuan(r.reimbursed)), ("个人自付", yuan(r.self_paid))],
        ]
    if r.aid_category == "助学救助" or r.student_name:
        rows += [
            [("学生姓名", r.student_name), ("学生身份证号", r.student_id_number, 3)],
            [("学校", r.school, 3), ("专业", r.major)],
            [("学历层次", r.education_level), ("入学年份", str(r.enrollment_year or "")),
             ("新生/在校生", r.student_kind)],
        ]
    if r.application_date or r.note:
        rows.append([("申请日期", cn_date(r.application_date)), ("备注", r.note)])
    return field_section("三、救助内容", rows, st)


def _override_section(r: AidRecord, st: dict):
    return field_section("四、特批", [
        [("未通过的\n审核规则", r.override_problems)],
        [("特批理由", r.override_reason)],
        [("特批人", r.override_by)],
    ], st)


def _form(item: ApprovalItem, batch: Batch, signers: Sequence[Signer], count: int, font: str, st: dict) -> list:
    r = item.record
    sections: list[Flowable] = [
        _batch_section(batch, r, st),
        _recipient_section(item, st),
        _aid_section(item, st),
    ]
    signed_title = "四、审批"
    if r.override_problems or r.override_reason:
        sections.append(_override_section(r, st))
        signed_title = "五、审批"
    return [
        Mark(None, note=f"明细编号 {r.record_no}　{r.recipient_name}"),
        Title(TITLE, font=font),
        Spacer(1, 3 * mm),
        _meta([f"明细编号：{r.record_no}", f"批次编号：{batch.code}", f"年度：{batch.year}"],
              [70 * mm, 70 * mm, CONTENT_W - 140 * mm], st),
        *sections,
        KeepTogether([field_section(signed_title, [], st), signature_boxes(signers, st, opinion_h=28 * mm)]),
        Mark(count),
    ]


def write_approval_forms(path: str | os.PathLike, *, batch: Batch, office_name: str, items: Sequence[ApprovalItem],
                         transitions: Sequence[Transition], progress: Callable[[int], bool] | None = None) -> int:
    """Write one 困难职工帮扶救助审批表 per aid line into one PDF; return how many forms.

    The forms are filed, not posted: they carry full ID and card numbers.
    ``progress(n)`` is called after the n-th form; returning ``False`` cancels
    (:class:`~aiddesk.reports.common.Cancelled`, no file written).
    """
    if not items:
        raise UserError("名单中没有任何人，无法打印审批表")
    font = register_fonts()
    st = styles(font)
    signers = _signers(batch, transitions)
    story, _count = one_per_page(_form(item, batch, signers, i, font, st) for i, item in enumerate(items, start=1))

    def footer(canvas, page, pages):
        draw_footer(canvas, font, left=office_name, centre=canvas.page_note, page=page, pages=pages)

    write_atomically(path, lambda tmp: ReportDocument(tmp, title=TITLE, author=office_name, footer=footer,
                                                      progress=progress).build(story))
    return len(items)


# ---- the batch summary -----------------------------------------------------------------

# 序号, 姓名, 单位 (the rest), 类别, 救助类别, 资金来源, 金额, 特批
_SUMMARY_COLS = [11 * mm, 18 * mm, 0, 22 * mm, 18 * mm, 26 * mm, 24 * mm, 12 * mm]
_SUMMARY_COLS[2] = CONTENT_W - sum(_SUMMARY_COLS)
_SUMMARY_HEADER = ("序号", "姓名", "单位", "类别", "救助类别", "资金来源", "金额（元）", "特批")
_SUMMARY_ALIGNS = ("CENTRE", "CENTRE", "LEFT", "CENTRE", "CENTRE", "CENTRE", "RIGHT", "CENTRE")


def _fund_totals(records: Sequence[tuple[AidRecord, str, str]], st: dict):
    """人次 and 金额 per 资金来源 in the batch's order of first appearance, then overall."""
    totals: dict[str, tuple[int, Decimal]] = {}
    for r, _unit, _category in records:
        n, amount = totals.get(r.fund_source, (0, Decimal("0.00")))
        totals[r.fund_source] = (n + 1, amount + r.amount)
    overall = sum((a for _, a in totals.values()), Decimal("0.00"))
    data = [[para(t, st["label"]) for t in ("资金来源", "人次", "金额（元）", "金额大写")]]
    for source, (n, amount) in totals.items():
        data.append([para(source, st["label"]), para(str(n), st["label"]), para(format_yuan(amount), st["small_r"]),
                     para(yuan_in_words(amount), st["value"])])
    data.append([para("合计", st["label"]), para(str(len(records)), st["label"]),
                 para(format_yuan(overall), st["small_r"]), para(yuan_in_words(overall), st["value"])])
    return table(data, [40 * mm, 20 * mm, 35 * mm, CONTENT_W - 95 * mm], [
        ("GRID", (0, 0), (-1, -1), 0.5, "black"),
        ("BOX", (0, 0), (-1, -1), 1.0, "black"),
        ("BACKGROUND", (0, 0), (-1, 0), "#EFEFEF"),
        ("BACKGROUND", (0, -1), (-1, -1), "#EFEFEF"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ])


def _steps(transitions: Sequence[Transition], st: dict):
    data = [[para(t, st["label"]) for t in ("环节", "状态变化", "操作人", "时间")]]
    for frm, to, user, at in transitions:
        data.append([para(ACTIONS.get((frm, to), to), st["label"]), para(f"{frm} → {to}", st["label"]),
                     para(user, st["label"]), para(at.replace("T", " "), st["label"])])
    if not transitions:
        data.append([para("（尚未提交）", st["label"]), "", "", ""])
    style = [
        ("GRID", (0, 0), (-1, -1), 0.5, "black"),
        ("BOX", (0, 0), (-1, -1), 1.0, "black"),
        ("BACKGROUND", (0, 0), (-1, 0), "#EFEFEF"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if not transitions:
        style.append(("SPAN", (0, 1), (-1, 1)))
    return table(data, [40 * mm, 45 * mm, 40 * mm, CONTENT_W - 125 * mm], style, repeatRows=1)


def _overrides(records: Sequence[tuple[AidRecord, str, str]], st: dict) -> list[Flowable]:
    lines = [r for r, _unit, _category in records if r.override_problems or r.override_reason]
    if not lines:
        return []
    out: list[Flowable] = [para("特批说明", st["section"]), Spacer(1, 1 * mm)]
    for i, r in enumerate(lines, start=1):
        out.append(para(f"{i}. {r.recipient_name}（{r.record_no}）：{r.override_problems}。"
                        f"特批理由：{r.override_reason}。特批人：{r.override_by}", st["value"]))
    return out


def write_batch_summary(path: str | os.PathLike, *, batch: Batch, office_name: str,
                        records: Sequence[tuple[AidRecord, str, str]], transitions: Sequence[Transition],
                        progress: Callable[[int], bool] | None = None) -> int:
    """Write the 审批汇总表 of ``batch``: every line, totals per 资金来源, the workflow and signatures.

    ``records`` are ``(line, unit name, 困难类别)``. Returns the number of lines.
    """
    if not records:
        raise UserError("名单中没有任何人，无法打印审批汇总表")
    font = register_fonts()
    st = styles(font)
    total = sum((r.amount for r, _u, _c in records), Decimal("0.00"))
    rows = [[str(i), r.recipient_name, unit, category, r.aid_category, r.fund_source, format_yuan(r.amount),
             "是" if (r.override_problems or r.override_reason) else ""]
            for i, (r, unit, category) in enumerate(records, start=1)]
    lines = LongTable(_SUMMARY_COLS, _SUMMARY_HEADER, rows, aligns=_SUMMARY_ALIGNS, font=font, size=9,
                      tail=[["合计", None, f"共 {len(records)} 人次", None, None, None, format_yuan(total), ""]])
    title = f"{batch.name}{SUMMARY_TITLE}"
    story: list[Flowable] = [
        Title(title, font=font, size=18),
        Spacer(1, 3 * mm),
        _meta([f"批次编号：{batch.code}", f"活动类型：{batch.activity}", f"公示期：{_notice_period(batch)}"],
              [62 * mm, 45 * mm, CONTENT_W - 107 * mm], st),
        lines,
        Spacer(1, 5 * mm),
        KeepTogether([para("资金来源汇总", st["section"]), Spacer(1, 1 * mm), _fund_totals(records, st)]),
        Spacer(1, 5 * mm),
        *_overrides(records, st),
        Spacer(1, 5 * mm),
        KeepTogether([para("审批流程", st["section"]), Spacer(1, 1 * mm), _steps(transitions, st)]),
        Spacer(1, 5 * mm),
        KeepTogether(signature_boxes(_signers(batch, transitions), st)),
    ]

    def footer(canvas, page, pages):
        draw_footer(canvas, font, left=office_name, centre=f"批次编号 {batch.code}", page=page, pages=pages)

    write_atomically(path, lambda tmp: ReportDocument(tmp, title=title, author=office_name, footer=footer,
                                                      progress=progress).build(story))
    return len(records)
