"""家庭月人均收入 and the suggested 困难类别 under a rule set read from ``resources/rules``.

The thresholds are data (``resources/rules/*.json``); this module only knows the
three kinds of test a rule set may list, checked in order, first match wins:

* ``income_below_line``: 家庭月人均收入 < 低保标准 × ``ratio`` (equal is *not* below);
* ``cause_in``: one of the household's 致困原因 is in ``causes``;
* ``hardship_costs_over_income``: 当年致困支出 > 家庭年总收入 × ``ratio``.

Rule-set files are the ``*.json`` files in ``resources/rules`` whose
``"kind"`` is ``"category_rules"`` (that folder also holds other rule files).

Arithmetic is Decimal throughout.  Every intermediate shown to the user is
rounded HALF_UP to 0.01 元 before it is used, so the explanation can be
re-done by hand with a calculator and gives the same figures.

The result is only a suggestion; callers show it next to the category the
user chose and never overwrite that choice.
"""

from __future__ import annotations

import json
from functools import cache
from dataclasses import dataclass
from pathlib import Path
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from ..paths import resource
from .errors import UserError
from .money import CENT, format_yuan

MONTHS = Decimal(12)
ZERO = Decimal(0)
TEST_KINDS = ("income_below_line", "cause_in", "hardship_costs_over_income")


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _ratio_text(ratio: Decimal) -> str:
    """``Decimal("2.0")`` → ``2``, ``Decimal("1.50")`` → ``1.5``."""
    return format(ratio.normalize(), "f")


# --------------------------------------------------------------------------- input / income


@dataclass(frozen=True)
class IncomeInput:
    head_monthly: Decimal  # 户主本人月收入
    members_monthly: tuple[Decimal, ...]  # 每位家庭成员的月收入
    other_annual: Decimal  # 家庭其他年收入
    rigid_expenses_annual: Decimal  # 刚性支出（年），如医疗、学费
    hardship_costs_annual: Decimal  # 当年致困支出（用于“意外致困”）
    household_size: int  # 家庭人口（含户主）
    causes: tuple[str, ...] = ()  # 致困原因：主要原因在前，其次为次要原因


@dataclass(frozen=True)
class IncomeResult:
    annual_total: Decimal  # 家庭年总收入
    monthly_total: Decimal  # 家庭月收入（扣除刚性支出前）
    per_capita: Decimal  # 家庭月人均收入（按规则扣除刚性支出后，不低于 0）
    steps: tuple[str, ...]  # 中文计算过程


def _amount(value: Any, label: str, field: str) -> Decimal:
    if isinstance(value, float) or not isinstance(value, (Decimal, int)):
        raise TypeError(f"{field} must be Decimal 元, not {type(value).__name__}")
    value = Decimal(value)
    if value < 0:
        raise UserError(f"{label}不能为负数（现为 {format_yuan(value)} 元），请改为 0 或正数", field=field)
    return value


def _check_size(size: int) -> int:
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise UserError("家庭人口至少为1人（含户主本人），请填写家庭人口", field="household_size")
    return size


def compute_income(inp: IncomeInput, rules: RuleSet) -> IncomeResult:
    """家庭年总收入、月收入与月人均收入, with the arithmetic as Chinese lines."""
    size = _check_size(inp.household_size)
    head = _amount(inp.head_monthly, "户主月收入", "head_monthly")
    members = [_amount(m, "家庭成员月收入", "members_monthly") for m in inp.members_monthly]
    other = _amount(inp.other_annual, "家庭其他年收入", "other_annual")
    rigid = _amount(inp.rigid_expenses_annual, "刚性支出", "rigid_expenses_annual")

    wages = head + sum(members, ZERO)
    annual_total = wages * MONTHS + other
    other_monthly = _cents(other / MONTHS)
    monthly_total = _cents(wages) + other_monthly

    parts = [f"户主 {format_yuan(head)}"]
    if members:
        parts.append("成员 " + " + ".join(format_yuan(m) for m in members))
    parts.append(f"其他年收入 {format_yuan(other)} ÷ 12")
    steps = [
        f"家庭年总收入 = 户主及成员月收入 {format_yuan(wages)} × 12 + 其他年收入 "
        f"{format_yuan(other)} = {format_yuan(annual_total)} 元",
        f"家庭月收入 = {' + '.join(parts)} = {format_yuan(monthly_total)} 元",
    ]

    net = monthly_total
    if rules.deduct_rigid_expenses:
        rigid_monthly = _cents(rigid / MONTHS)
        net = monthly_total - rigid_monthly
        steps.append(f"扣除刚性支出 {format_yuan(rigid)} ÷ 12 = {format_yuan(rigid_monthly)} 元")
        line = f"扣除后家庭月收入 = {format_yuan(monthly_total)} − {format_yuan(rigid_monthly)} = {format_yuan(net)} 元"
        if net < 0:
            line += "，低于 0，按 0.00 元计"
            net = ZERO
        steps.append(line)
    elif rigid > 0:
        steps.append(f"本规则不扣除刚性支出（已填 {format_yuan(rigid)} 元/年，不计入）")

    per_capita = _cents(net / size)
    steps.append(f"家庭月人均收入 = {format_yuan(net)} ÷ {size} 人 = {format_yuan(per_capita)} 元")
    return IncomeResult(annual_total, monthly_total, per_capita, tuple(steps))


# --------------------------------------------------------------------------- rule sets


@dataclass(frozen=True)
class CategoryTest:
    category: str
    test: str  # one of TEST_KINDS
    ratio: Decimal | None = None  # income_below_line, hardship_costs_over_income
    causes: tuple[str, ...] = ()  # cause_in
    threshold_name: str = ""  # income_below_line: e.g. 低保边缘线


@dataclass(frozen=True)
class RuleSet:
    id: str
    title: str
    deduct_rigid_expenses: bool
    tests: tuple[CategoryTest, ...]
    note: str = ""


def _bad_rules(rule_id: str, problem: str) -> UserError:
    return UserError(f"规则文件 {rule_id}.json 有误：{problem}。请修正 resources/rules 中的该文件")


def _ratio(raw: Any, rule_id: str) -> Decimal:
    try:
        value = Decimal(str(raw))  # strings in the file; JSON numbers are parsed as Decimal, not float
    except InvalidOperation:
        raise _bad_rules(rule_id, f"比例“{raw}”不是数字") from None
    if not value.is_finite() or value <= 0:
        raise _bad_rules(rule_id, f"比例“{raw}”必须大于 0")
    return value


def _flag(raw: Any, rule_id: str) -> bool:
    if not isinstance(raw, bool):
        raise _bad_rules(rule_id, f"deduct_rigid_expenses 应为 true 或 false，而不是“{raw}”")
    return raw


def rule_set_from_dict(data: dict[str, Any]) -> RuleSet:
    """Build a ``RuleSet`` from the parsed JSON of one rule file (checks its shape)."""
    rule_id = str(data.get("id", "?"))
    try:
        tests = []
        for raw in data["tests"]:
            kind = raw["test"]
            if kind not in TEST_KINDS:
                raise _bad_rules(rule_id, f"未知的检验“{kind}”，可选：{'、'.join(TEST_KINDS)}")
            needs_ratio = kind != "cause_in"
            tests.append(
                CategoryTest(
                    category=raw["category"],
                    test=kind,
                    ratio=_ratio(raw["ratio"], rule_id) if needs_ratio else None,
                    causes=tuple(raw["causes"]) if kind == "cause_in" else (),
                    threshold_name=raw.get("threshold_name", "")
                    or (f"低保标准×{raw['ratio']}" if kind == "income_below_line" else ""),
                )
            )
        if not any(t.test == "income_below_line" for t in tests):
            raise _bad_rules(rule_id, "至少需要一条 income_below_line 检验")
        return RuleSet(
            id=data["id"],
            title=data["title"],
            deduct_rigid_expenses=_flag(data["deduct_rigid_expenses"], rule_id),
            tests=tuple(tests),
            note=data.get("note", ""),
        )
    except (KeyError, TypeError) as err:
        raise _bad_rules(rule_id, f"缺少或格式错误的项 {err}") from None


KIND = "category_rules"  # marks a rule-set file; resources/rules also holds other rule files


def _read_json(path: Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as f:
        return json.load(f, parse_float=Decimal)


def available_rule_sets() -> list[RuleSet]:
    """All category rule sets in ``resources/rules`` (files with ``"kind": "category_rules"``), by id."""
    found = (_read_json(p) for p in sorted(resource("rules").glob("*.json")))
    return [rule_set_from_dict(d) for d in found if isinstance(d, dict) and d.get("kind") == KIND]


@cache  # a rule set is read once per run; saving thousands of households must not re-read JSON
def load_rule_set(rule_id: str) -> RuleSet:
    """The rule set whose file is ``resources/rules/<rule_id>.json``."""
    path = resource("rules", f"{rule_id}.json")
    data = _read_json(path) if path.is_file() and Path(rule_id).name == rule_id else None
    if not isinstance(data, dict) or data.get("kind") != KIND:
        known = "、".join(r.id for r in available_rule_sets())
        raise UserError(f"找不到类别规则“{rule_id}”，可选：{known}", field="rule_set")
    return rule_set_from_dict(data)


# --------------------------------------------------------------------------- suggestion


@dataclass(frozen=True)
class Suggestion:
    category: str | None  # None = 按收入/意外情形不符合建档条件
    income: IncomeResult
    line: Decimal  # 当地低保标准（元/月）
    explanation: tuple[str, ...]


def suggest_category(inp: IncomeInput, *, line: Decimal | None, rules: RuleSet) -> Suggestion:
    """The first category whose test the household meets, with the reasoning in Chinese.

    ``line`` is the local 低保标准 in 元/月; ``None`` or ≤ 0 means it has not been set.
    """
    if line is not None and (isinstance(line, float) or not isinstance(line, (Decimal, int))):
        raise TypeError(f"line must be Decimal 元, not {type(line).__name__}")
    if line is None or line <= 0:
        raise UserError("未设置当地低保标准，请在“设置 → 低保标准”中录入该地区该年度的标准", field="line")
    _amount(inp.hardship_costs_annual, "当年致困支出", "hardship_costs_annual")
    line = Decimal(line)
    income = compute_income(inp, rules)
    pc = income.per_capita

    thresholds = {t: _cents(line * t.ratio) for t in rules.tests if t.test == "income_below_line"}
    header = [f"当地低保标准 {format_yuan(line)} 元/月"]
    header += [
        f"{t.threshold_name} = {format_yuan(line)} × {_ratio_text(t.ratio)} = {format_yuan(thr)} 元"
        for t, thr in thresholds.items()
        if t.ratio != 1
    ]
    lines = [
        *income.steps,
        f"适用规则：{rules.title}",
        "；".join(header),
        "比较方法：人均收入低于（<）某线才算符合，等于该线不算低于",
    ]

    for test in rules.tests:
        met, text = _check(test, inp, income, thresholds.get(test))
        if met:
            lines.append(f"{text}，建议类别：{test.category}")
            return Suggestion(test.category, income, line, tuple(lines))
        lines.append(f"{text}，不属于{test.category}")

    top = max(thresholds.items(), key=lambda item: item[1])
    lines.append(
        f"{format_yuan(pc)} 不低于{top[0].threshold_name} {format_yuan(top[1])} 元，且无意外致困情形："
        "按收入不符合建档条件（可由经办人根据实际情况决定）"
    )
    return Suggestion(None, income, line, tuple(lines))


def _check(
    test: CategoryTest, inp: IncomeInput, income: IncomeResult, threshold: Decimal | None
) -> tuple[bool, str]:
    """(met?, Chinese reason without the conclusion) for one test."""
    if test.test == "income_below_line":
        pc = income.per_capita
        if pc < threshold:
            return True, f"{format_yuan(pc)} < {test.threshold_name} {format_yuan(threshold)}"
        return False, f"{format_yuan(pc)} ≥ {test.threshold_name} {format_yuan(threshold)}"

    if test.test == "cause_in":
        hit = [c for c in inp.causes if c in test.causes]
        if hit:
            return True, f"致困原因含“{hit[0]}”"
        given = "、".join(inp.causes) if inp.causes else "未填写"
        return False, f"致困原因（{given}）不含{'、'.join(test.causes)}"

    # hardship_costs_over_income
    costs = inp.hardship_costs_annual
    limit = _cents(income.annual_total * test.ratio)
    met = costs > limit
    return met, (
        f"当年致困支出 {format_yuan(costs)} {'>' if met else '≤'} 家庭年总收入 "
        f"{format_yuan(income.annual_total)} × {_ratio_text(test.ratio)} = {format_yuan(limit)}"
    )
