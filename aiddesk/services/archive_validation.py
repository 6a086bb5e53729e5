"""Checking and normalising a household as entered, field by field, before it is saved."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from decimal import Decimal

from ..core import field_rules
from ..core.codes import code_list
from ..core.errors import UserError, ValidationError
from ..core.household import Household, Member
from ..core.idcard import cross_check, parse_id
from ..core.money import to_fen
from ..core.phone import check_phone
from ..core.relations import kept
from ..core.text import clean_text, normalise

_CARD = re.compile(r"^\d{12,19}$")

# Optional code-list fields of the head: attribute → (code list, label).
_HEAD_CODES = {
    "gender": ("gender", "性别"), "ethnicity": ("ethnicity", "民族"),
    "political_status": ("political_status", "政治面貌"), "health": ("health", "健康状况"),
    "disability": ("disability", "残疾类别"), "work_status": ("work_status", "工作状态"),
    "employer_type": ("employer_type", "单位性质"), "hukou_type": ("hukou_type", "户口类型"),
    "marital_status": ("marital_status", "婚姻状况"), "housing_type": ("housing_type", "住房类型"),
}
_MONEY_FIELDS = {
    "monthly_income": "本人月收入", "other_annual_income": "家庭其他年收入",
    "rigid_expenses": "刚性支出", "hardship_costs": "当年致困支出",
}
# Free text trimmed as the exchange import trims it (str.strip: also the ideographic space U+3000) and without
# the control characters an .xlsx cannot hold, so a household reads back the same after an export and import.
_FREE_TEXT = ("address", "employer", "bank_name", "note", "exit_note", "exit_reason", "union_opinion")
# The labels of the fields with a length limit (core/field_rules.py: the same limits hold for imports).
_LABELS = {"name": "姓名", "employer": "工作单位", "address": "家庭住址", "bank_name": "开户银行",
           "exit_reason": "退出原因", "exit_note": "退出说明", "created_by": "建档人", "reviewed_by": "审核人",
           "union_opinion": "工会意见", "note": "备注"}
_MEMBER_LABELS = {"name": "姓名", "employer_or_school": "工作单位或学校"}


def _code(value: str, list_name: str, label: str) -> str | None:
    if value and value not in code_list(list_name):
        return f"{label}“{value}”不在代码表中，可选：{'、'.join(code_list(list_name))}"
    return None


def validate_household(h: Household, *, today: date) -> tuple[Household, list[str]]:
    """Return a normalised copy and its warnings, or raise ValidationError listing every problem.

    Problems are keyed by field (``members.2.id_number`` for the second member),
    so the form can show each next to its field.
    """
    problems: dict[str, str] = {}
    warnings: list[str] = []
    h = replace(h, members=[replace(m) for m in h.members], secondary_causes=list(h.secondary_causes))

    h.name = clean_text(h.name)
    for attr in _FREE_TEXT:
        setattr(h, attr, clean_text(getattr(h, attr)))
    for attr, rule in field_rules.HOUSEHOLD.items():
        problem = rule.problem(_LABELS[attr], getattr(h, attr) or "")
        if problem:
            problems[attr] = problem
    if not h.name:
        problems["name"] = "请填写户主姓名"

    try:
        info = parse_id(h.id_number, today=today)
        h.id_number = info.number
        if info.upgraded_from_15:
            warnings.append(f"15位身份证号已升级为18位：{info.number}")
        mismatch = cross_check(info, gender=h.gender or None, birth_date=h.birth_date)
        if mismatch:
            problems["gender" if "性别" in mismatch[0] else "birth_date"] = "；".join(mismatch)
        h.gender = h.gender or info.gender
        h.birth_date = h.birth_date or info.birth_date
        h.hukou_area_code = h.hukou_area_code or info.area_code
    except UserError as err:
        problems["id_number"] = err.message

    try:
        h.phone = check_phone(h.phone or "")
    except UserError as err:
        problems["phone"] = err.message

    if not h.unit_code:
        problems["unit_code"] = "请选择所属单位"
    for attr, (list_name, label) in _HEAD_CODES.items():
        msg = _code(getattr(h, attr), list_name, label)
        if msg:
            problems[attr] = msg

    h.hukou_area_code = normalise(h.hukou_area_code or "")
    if h.hukou_area_code:
        problem = field_rules.AREA_CODE.problem("户口所在地区划代码", h.hukou_area_code)
        if problem:
            problems["hukou_area_code"] = problem

    for attr, label in _MONEY_FIELDS.items():
        value = getattr(h, attr)
        if value is None:
            setattr(h, attr, Decimal("0.00"))
            continue
        try:
            to_fen(value)  # finite, at most 2 decimals, not absurdly large; before ``< 0``, which NaN cannot answer
        except UserError as err:
            problems[attr] = f"{label}：{err.message}"
            continue
        if value < 0:
            problems[attr] = f"{label}不能为负数"

    for attr, list_name, label, missing in (
            ("hardship_category", "hardship_category", "困难类别", "请选择困难类别（可参考“建议类别”）"),
            ("main_cause", "hardship_cause", "主要致困原因", "请选择主要致困原因")):
        msg = _code(getattr(h, attr), list_name, label) if getattr(h, attr) else missing
        if msg:
            problems[attr] = msg
    secondary = [c for c in dict.fromkeys(h.secondary_causes) if c and c != h.main_cause]
    if len(secondary) > 3:
        problems["secondary_causes"] = "次要致困原因最多选3项"
    for c in secondary:
        msg = _code(c, "hardship_cause", "次要致困原因")
        if msg:
            problems["secondary_causes"] = msg
    h.secondary_causes = secondary

    h.bank_card = normalise(h.bank_card or "")
    if h.bank_card and not _CARD.match(h.bank_card):
        problems["bank_card"] = "银行卡号应为12–19位数字，请核对"
    if h.bank_card and not h.bank_name:
        problems["bank_name"] = "填写了银行卡号，请同时填写开户银行"

    h.created_date = h.created_date or today
    if h.created_date > today:
        problems["created_date"] = "建档日期不能晚于今天"
    if h.id is None and h.archive_status not in ("临时", "在档"):
        problems["archive_status"] = "新建档案的状态只能是“临时”或“在档”；脱困、注销请在建档后办理"

    seen = {h.id_number: "户主"} if h.id_number else {}
    for i, m in enumerate(h.members, start=1):
        _validate_member(m, i, today=today, seen=seen, problems=problems)

    size_problem = field_rules.HOUSEHOLD_SIZE.problem("家庭人口", h.household_size)
    if size_problem and h.household_size > field_rules.HOUSEHOLD_SIZE.high:
        problems["household_size"] = size_problem
    elif h.household_size < 1 + len(h.members):
        if h.household_size in (0, 1) or h.id is None:
            h.household_size = 1 + len(h.members)
        else:
            problems["household_size"] = (
                f"家庭人口 {h.household_size} 人少于户主加已登记成员的 {1 + len(h.members)} 人，请核对")

    if problems:
        raise ValidationError(problems)
    return h, warnings


def _validate_member(m: Member, index: int, *, today: date, seen: dict[str, str], problems: dict[str, str]) -> None:
    where = f"第{index}位家庭成员"
    key = f"members.{index}."
    m.name = clean_text(m.name)
    m.employer_or_school = clean_text(m.employer_or_school)
    for attr, rule in field_rules.MEMBER.items():
        problem = rule.problem(_MEMBER_LABELS[attr], getattr(m, attr) or "")
        if problem:
            problems[key + attr] = f"{where}：{problem}"
    if not m.name:
        problems[key + "name"] = f"{where}：请填写姓名"
    if m.identity:
        msg = _code(m.identity, "member_identity", "身份")
        if msg:
            problems[key + "identity"] = f"{where}：{msg}"
    m.employer_or_school = clean_text(m.employer_or_school)
    if m.monthly_income is None:
        m.monthly_income = Decimal("0.00")
    else:
        try:
            to_fen(m.monthly_income)  # as for the head's amounts: NaN cannot be compared with 0
        except UserError as err:
            problems[key + "monthly_income"] = f"{where}：月收入{err.message}"
        else:
            if m.monthly_income < 0:
                problems[key + "monthly_income"] = f"{where}：月收入不能为负数"
    if m.id_number:
        try:
            info = parse_id(m.id_number, today=today)
        except UserError as err:
            problems[key + "id_number"] = f"{where}（{m.name}）：{err.message}"
            info = None
        if info is not None:
            m.id_number = info.number
            if info.number in seen:
                problems[key + "id_number"] = f"{where}（{m.name}）的身份证号与{seen[info.number]}重复"
            seen[info.number] = f"{where}（{m.name}）"
            mismatch = cross_check(info, gender=m.gender or None, birth_date=m.birth_date)
            if mismatch:
                problems[key + "id_number"] = f"{where}（{m.name}）：{'；'.join(mismatch)}"
            m.gender = m.gender or info.gender
            m.birth_date = m.birth_date or info.birth_date
    # After the ID number, which may tell the sex a word such as 子女 needs (子 or 女).
    try:
        relation = kept(m.relation, m.relation_as_written, gender=m.gender)
    except UserError as err:
        problems[key + "relation"] = f"{where}：{err.message}"
    else:
        m.relation, m.relation_as_written = relation.name, relation.as_written or ""
