"""Checks before an aid line joins a batch: status, amount, standard, yearly cap, repeats, overrides."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from ..paths import resource
from .codes import code_list
from .errors import UserError
from .money import CENT, format_yuan

KIND = "aid_caps"  # marks resources/rules/aid_caps.json among the other rule files
CAP_PER = ("household",)
OVERRIDE_ROLES = ("审批人",)
MIN_REASON_CHARS = 4
DIBAO_WHERE = "请管理员在“管理 → 低保标准”中录入该地区该年度的标准"


# --------------------------------------------------------------------------- caps (data)


@dataclass(frozen=True)
class YearlyCap:
    """A household's yearly limit for one aid category: n months of the 低保 line, or fixed 元."""

    per: str = "household"
    months_of_dibao_line: int | None = None
    amount: Decimal | None = None


@dataclass(frozen=True)
class AidCaps:
    yearly: Mapping[str, YearlyCap] = field(default_factory=dict)  # aid_category → cap
    default_category: Mapping[str, str] = field(default_factory=dict)  # activity → aid_category


def _bad_caps(problem: str) -> UserError:
    return UserError(f"规则文件 aid_caps.json 有误：{problem}。请修正 resources/rules 中的该文件")


def _cap_from_dict(category: str, raw: Any) -> YearlyCap:
    if not isinstance(raw, dict):
        raise _bad_caps(f"“{category}”的上限应写成 {{\"per\": \"household\", …}}")
    per = raw.get("per", "household")
    if per not in CAP_PER:
        raise _bad_caps(f"“{category}”的 per 只能是 {'、'.join(CAP_PER)}，而不是“{per}”")
    months, amount = raw.get("months_of_dibao_line"), raw.get("amount")
    if (months is None) == (amount is None):
        raise _bad_caps(f"“{category}”的上限须在 months_of_dibao_line 与 amount 中填且只填一个")
    if months is not None:
        if isinstance(months, bool) or not isinstance(months, int) or months <= 0:
            raise _bad_caps(f"“{category}”的 months_of_dibao_line 应为正整数，而不是“{months}”")
        return YearlyCap(per=per, months_of_dibao_line=months)
    try:
        value = Decimal(str(amount))  # a string in the file, so no float ever touches money
    except InvalidOperation:
        raise _bad_caps(f"“{category}”的 amount“{amount}”不是金额") from None
    if not value.is_finite() or value <= 0 or value != value.quantize(CENT):
        raise _bad_caps(f"“{category}”的 amount“{amount}”应为大于 0、最多两位小数的金额")
    return YearlyCap(per=per, amount=value)


def aid_caps_from_dict(data: dict[str, Any]) -> AidCaps:
    """Build ``AidCaps`` from the parsed JSON of ``aid_caps.json`` (checks its shape and codes)."""
    if not isinstance(data, dict) or data.get("kind") != KIND:
        raise _bad_caps(f"缺少 \"kind\": \"{KIND}\"")
    categories, activities = code_list("aid_category"), code_list("activity")
    yearly = {}
    for category, raw in dict(data.get("yearly_caps", {})).items():
        if category.startswith("_"):
            continue  # "_comment" keys
        if category not in categories:
            raise _bad_caps(f"救助类别“{category}”不在代码表中，可选：{'、'.join(categories)}")
        yearly[category] = _cap_from_dict(category, raw)
    defaults = {}
    for activity, category in dict(data.get("activity_default_category", {})).items():
        if activity.startswith("_"):
            continue
        if activity not in activities:
            raise _bad_caps(f"活动类型“{activity}”不在代码表中，可选：{'、'.join(activities)}")
        if category not in categories:
            raise _bad_caps(f"“{activity}”的默认救助类别“{category}”不在代码表中，可选：{'、'.join(categories)}")
        defaults[activity] = category
    return AidCaps(yearly=yearly, default_category=defaults)


@cache  # read once per run; checking a 500-line batch must not re-read the file
def load_aid_caps() -> AidCaps:
    """The caps and activity defaults in ``resources/rules/aid_caps.json``."""
    try:
        with open(resource("rules", "aid_caps.json"), encoding="utf-8") as f:
            data = json.load(f, parse_float=Decimal)
    except FileNotFoundError:
        raise UserError("找不到规则文件 resources/rules/aid_caps.json（帮扶金额上限），请重新安装程序") from None
    except json.JSONDecodeError as err:
        raise _bad_caps(f"第 {err.lineno} 行格式错误") from None
    return aid_caps_from_dict(data)


def default_aid_category(activity: str, caps: AidCaps) -> str | None:
    """The aid category a new batch of this activity starts with (the clerk may change it)."""
    return caps.default_category.get(activity)


def yearly_limit(cap: YearlyCap, dibao_line: Decimal | None) -> Decimal | None:
    """The cap in 元; None when it depends on a 低保 line that has not been set."""
    if cap.amount is not None:
        return cap.amount
    if dibao_line is None or dibao_line <= 0:
        return None
    return dibao_line * cap.months_of_dibao_line


# --------------------------------------------------------------------------- checks


@dataclass(frozen=True)
class AidFacts:
    """What the caller found in the database about one proposed aid line."""

    archive_status: str
    activity: str
    aid_category: str
    amount: Decimal
    standard: Decimal | None  # the batch's 发放标准
    yearly_total_before: Decimal  # this household's aid of this category already this year
    dibao_line: Decimal | None  # local 低保标准, 元/月
    already_in_batch: bool
    song_nuan_this_year: bool  # 送温暖 already received this year in another batch
    student_aided_this_year: bool  # this student already aided this year
    self_paid: Decimal | None  # 医疗救助: the patient's own share of the medical bills
    is_individual_application: bool  # the worker applied in person (vs. listed by a campaign plan)

    def __post_init__(self) -> None:
        for name in ("amount", "standard", "yearly_total_before", "dibao_line", "self_paid"):
            value = getattr(self, name)
            if isinstance(value, float) or not (value is None or isinstance(value, (Decimal, int))):
                raise TypeError(f"{name} must be Decimal 元, not {type(value).__name__}")
        if self.amount is None or self.yearly_total_before is None:
            raise TypeError("amount and yearly_total_before are required")


@dataclass(frozen=True)
class Problem:
    code: str  # English identifier, stable for callers and the audit log
    message: str  # Chinese, with the figures
    overridable: bool  # an approver may let it through with a written reason


def check_aid(facts: AidFacts, caps: AidCaps) -> list[Problem]:
    """Every reason this line should not be added as it stands; empty means it may be added."""
    f = facts
    problems: list[Problem] = []

    def add(code: str, message: str, overridable: bool) -> None:
        problems.append(Problem(code, message, overridable))

    if f.archive_status == "临时":
        if f.activity != "临时救助":
            add("archive_not_active", f"档案状态为“临时”，只能参加临时救助，不能参加{f.activity}。"
                "请先核实并将档案转为在档", False)
    elif f.archive_status != "在档":
        add("archive_not_active", f"档案状态为“{f.archive_status}”，不能发放帮扶。"
            "如家庭重新陷入困难，请先在档案中恢复为在档", False)

    if f.already_in_batch:
        add("duplicate_in_batch", "本户已在本批次名单中，同一批次不能重复发放", False)

    if f.activity == "临时救助" and not f.is_individual_application:
        add("application_missing", "临时救助须由职工本人申请：请先登记本人的申请，再加入名单", False)

    amount = Decimal(f.amount)
    if amount <= 0:
        add("amount_not_positive", f"金额应大于 0（现为 {format_yuan(amount)} 元）", False)
        return problems  # standard and cap checks mean nothing for such an amount

    if f.aid_category == "医疗救助":
        if f.self_paid is None:
            add("self_paid_missing", "医疗救助须填写个人自付医疗费用（以医疗费用单据为准），"
                "才能核对救助金额", False)
        elif amount > f.self_paid:
            add("above_self_paid", f"医疗救助金额 {format_yuan(amount)} 元超过个人自付医疗费用 "
                f"{format_yuan(Decimal(f.self_paid))} 元，救助不能超过自付部分", False)

    if f.standard is not None and amount > f.standard:
        add("above_standard", f"金额 {format_yuan(amount)} 元高于本批次发放标准 "
            f"{format_yuan(Decimal(f.standard))} 元", True)

    cap = caps.yearly.get(f.aid_category)
    if cap is not None:
        _check_cap(f, cap, amount, add)

    if f.activity == "送温暖" and f.song_nuan_this_year:
        add("song_nuan_repeat", "本户今年已在其他批次领过送温暖，一年内重复送温暖须审批人特批", True)
    if f.aid_category == "助学救助" and f.student_aided_this_year:
        add("student_repeat", "该学生今年已获助学救助，一年内重复资助须审批人特批", True)
    return problems


def _check_cap(f: AidFacts, cap: YearlyCap, amount: Decimal, add) -> None:
    limit = yearly_limit(cap, f.dibao_line)
    if limit is None:
        add("dibao_line_missing", f"未设置当地低保标准，无法核对{f.aid_category}的年度上限"
            f"（低保标准 × {cap.months_of_dibao_line} 个月）。{DIBAO_WHERE}", False)
        return
    before = Decimal(f.yearly_total_before)
    total = before + amount
    if total <= limit:
        return
    basis = (f"（当地低保标准 {format_yuan(Decimal(f.dibao_line))} 元/月 × {cap.months_of_dibao_line} 个月）"
             if cap.amount is None else "")
    add("above_yearly_cap", f"本户今年已获{f.aid_category} {format_yuan(before)} 元，加上本次 "
        f"{format_yuan(amount)} 元共 {format_yuan(total)} 元，超过每户年度上限 "
        f"{format_yuan(limit)} 元{basis}", True)


# --------------------------------------------------------------------------- outcome


@dataclass(frozen=True)
class Override:
    """An approver's written permission for the overridable problems of one line (for the audit log)."""

    reason: str
    codes: tuple[str, ...]
    messages: tuple[str, ...]


def problems_text(problems: Sequence[Problem]) -> str:
    """The problems as one Chinese message, numbered when there are several."""
    if len(problems) == 1:
        return problems[0].message
    return "；".join(f"{i}. {p.message}" for i, p in enumerate(problems, 1))


def ensure_no_problems(problems: Sequence[Problem]) -> None:
    """Refuse the line while problems remain, saying whether an approver could let it through."""
    if not problems:
        return
    text = problems_text(problems)
    if all(p.overridable for p in problems):
        raise UserError(f"{text}。如确需发放，请审批人填写理由特批")
    raise UserError(text)


def apply_override(problems: Sequence[Problem], reason: str, approver_roles: tuple[str, ...] | None,
                   *, actor: str | None = None, clerk: str | None = None) -> Override:
    """An approver lets the overridable problems through with a written reason.

    Non-overridable problems stay refused. ``approver_roles`` None is the command line (no
    login, roles not checked); ``actor``/``clerk``, when given, must be different people.
    """
    if approver_roles is not None and not set(OVERRIDE_ROLES) & set(approver_roles):
        raise UserError(f"只有{'、'.join(OVERRIDE_ROLES)}可以特批超标或重复发放，请联系审批人")
    blocking = [p for p in problems if not p.overridable]
    if blocking:
        raise UserError(f"以下问题不能特批，须先改正：{problems_text(blocking)}")
    if actor is not None and clerk is not None and actor == clerk:
        raise UserError(f"特批人不能是本批次的经办人（{clerk}），请由其他审批人特批")
    text = reason.strip()
    if len(text) < MIN_REASON_CHARS:
        raise UserError(f"请填写特批理由（至少{MIN_REASON_CHARS}个字），说明为什么可以超出规定发放",
                        field="override_reason")
    return Override(text, tuple(p.code for p in problems), tuple(p.message for p in problems))


@cache
def _line_proof_rules() -> dict:
    with open(resource("rules", "line_proofs.json"), encoding="utf-8") as f:
        return {k: v for k, v in json.load(f).items() if not k.startswith("_") and k != "kind"}


def required_line_proofs(aid_category: str, student_kind: str = "") -> list[str]:
    """The attachments a line needs before its batch goes to review (resources/rules/line_proofs.json)."""
    rule = _line_proof_rules().get(aid_category, [])
    if isinstance(rule, dict):
        return list(rule.get(student_kind, []))
    return list(rule)
