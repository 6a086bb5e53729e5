"""The performance self-evaluation table (绩效自评表): templates as data, their checks, and scoring.

A template is a tree of indicators (一级 / 二级 / 三级) whose leaves carry a weight, a scoring
standard (评分标准) and a rule: ``manual`` (the office enters the score with its evidence) or
``auto`` (an indicator computed from the records, compared with a target). Weights of the leaves
add up to their parents' declared weights and to 100. Scoring:

- positive indicators: actual ÷ target × weight, capped at the weight;
- reverse indicators (lower is better): target ÷ actual × weight, capped (an actual of 0 scores full);
- rows marked not applicable are dropped and the total is rescaled to 100.

Scores are exact decimals, rounded to 2 places only when shown.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from .errors import UserError

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
MANUAL, AUTO = "manual", "auto"
POSITIVE, REVERSE = "positive", "reverse"
# 优 90–100, 良 80–89, 中 60–79, 差 below 60.
GRADES = ((Decimal(90), "优"), (Decimal(80), "良"), (Decimal(60), "中"), (Decimal(0), "差"))


@dataclass(frozen=True)
class Rule:
    kind: str = MANUAL                 # manual / auto
    indicator: str = ""                # auto: the figure's key (see services/evaluation_figures.py)
    direction: str = POSITIVE          # auto: positive / reverse
    target: Decimal | None = None      # auto: the value that earns the full weight


@dataclass(frozen=True)
class Row:
    """One scored line of the table (a leaf of the indicator tree)."""

    path: tuple[str, ...]              # (一级指标, 二级指标, 三级指标)
    weight: Decimal
    standard: str                      # 评分标准
    rule: Rule = field(default_factory=Rule)
    reconstructed: bool = False        # not legible in the source: completed from the visible structure

    @property
    def key(self) -> str:
        return " / ".join(self.path)


@dataclass(frozen=True)
class Template:
    name: str
    rows: tuple[Row, ...]
    groups: dict[str, Decimal]         # declared weight of each 一级 and 二级 indicator: "一级" or "一级 / 二级"
    note: str = ""

    def group_sums(self) -> dict[str, Decimal]:
        sums: dict[str, Decimal] = {}
        for row in self.rows:
            for depth in range(1, len(row.path)):
                key = " / ".join(row.path[:depth])
                sums[key] = sums.get(key, Decimal(0)) + row.weight
        return sums


def template_problems(t: Template) -> list[str]:
    """Everything that keeps a template from being saved, in Chinese (empty: it may be saved)."""
    problems = []
    if not t.name.strip():
        problems.append("请填写模板名称")
    if not t.rows:
        problems.append("模板中没有任何评分行")
    total = sum((r.weight for r in t.rows), Decimal(0))
    if total != HUNDRED:
        problems.append(f"各行分值合计为{_num(total)}分，应为100分")
    sums = t.group_sums()
    for key, declared in t.groups.items():
        actual = sums.get(key, Decimal(0))
        if actual != declared:
            problems.append(f"“{key}”的分值为{_num(declared)}分，但其下各行合计{_num(actual)}分")
    seen = set()
    for row in t.rows:
        if not all(part.strip() for part in row.path):
            problems.append(f"“{row.key}”的指标名称不能为空")
        if row.key in seen:
            problems.append(f"指标“{row.key}”重复")
        seen.add(row.key)
        if row.weight <= 0:
            problems.append(f"“{row.key}”的分值应大于0")
        if row.rule.kind == AUTO:
            if not row.rule.indicator:
                problems.append(f"“{row.key}”是自动评分，请选择计算指标")
            if row.rule.target is None or row.rule.target <= 0:
                problems.append(f"“{row.key}”是自动评分，请填写大于0的目标值")
            if row.rule.direction not in (POSITIVE, REVERSE):
                problems.append(f"“{row.key}”的指标方向应为正向或反向")
        elif row.rule.kind != MANUAL:
            problems.append(f"“{row.key}”的评分方式应为手工或自动")
    return problems


def check_template(t: Template) -> None:
    problems = template_problems(t)
    if problems:
        raise UserError("模板不能保存：" + "；".join(problems))


# ---- reading and writing templates ---------------------------------------------------------------

def template_from_data(data: dict) -> Template:
    """A template from its JSON form (resources/evaluation/*.json, or a copy kept in the database)."""
    try:
        rows = tuple(
            Row(path=tuple(r["path"]), weight=Decimal(str(r["weight"])), standard=r.get("standard", ""),
                rule=_rule(r.get("rule") or {}), reconstructed=bool(r.get("reconstructed", False)))
            for r in data["rows"])
        groups = {k: Decimal(str(v)) for k, v in (data.get("groups") or {}).items()}
        return Template(name=data["name"], rows=rows, groups=groups, note=data.get("note", ""))
    except (KeyError, TypeError, InvalidOperation) as err:
        raise UserError(f"评价模板格式有误（{err}），请检查模板文件") from None


def _rule(data: dict) -> Rule:
    target = data.get("target")
    return Rule(kind=data.get("kind", MANUAL), indicator=data.get("indicator", ""),
                direction=data.get("direction", POSITIVE), target=Decimal(str(target)) if target is not None else None)


def template_to_data(t: Template) -> dict:
    rows = []
    for r in t.rows:
        rule = {"kind": r.rule.kind}
        if r.rule.kind == AUTO:
            rule.update(indicator=r.rule.indicator, direction=r.rule.direction, target=str(r.rule.target))
        row = {"path": list(r.path), "weight": _num(r.weight), "standard": r.standard, "rule": rule}
        if r.reconstructed:
            row["reconstructed"] = True
        rows.append(row)
    return {"kind": "evaluation_template", "name": t.name, "note": t.note,
            "groups": {k: _num(v) for k, v in t.groups.items()}, "rows": rows}


def load_template_file(path: Path) -> Template:
    with open(path, encoding="utf-8") as f:
        return template_from_data(json.load(f))


# ---- scoring ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Figure:
    """An indicator computed from the records: its value and how it was computed, in words."""

    value: Decimal | None              # None: no data (e.g. no plan entered)
    basis: str                         # e.g. "实际到位447.0716万元 ÷ 预算447.0716万元 = 100.00%"


@dataclass(frozen=True)
class ManualScore:
    score: Decimal
    evidence: str = ""


@dataclass(frozen=True)
class ItemResult:
    row: Row
    score: Decimal | None              # None: not applicable, or no score entered yet
    basis: str
    applicable: bool = True


@dataclass(frozen=True)
class EvaluationResult:
    template: str
    year: int
    items: tuple[ItemResult, ...]
    raw_total: Decimal                 # sum of scores of applicable rows
    applicable_weight: Decimal
    total: Decimal                     # rescaled to 100 when rows are not applicable
    grade: str
    missing: tuple[str, ...]           # rows without a score yet (manual, not entered)


def auto_score(rule: Rule, weight: Decimal, figure: Figure | None) -> tuple[Decimal | None, str]:
    """The score of an automatic row and the words that explain it."""
    if figure is None or figure.value is None:
        return None, (figure.basis if figure else "没有可用的记录") + "；无法自动计分，请手工评分或标记不适用"
    actual, target = figure.value, rule.target
    if rule.direction == POSITIVE:
        ratio = actual / target if target else Decimal(0)
        formula = f"得分 = 实际{_pct(actual)} ÷ 目标{_pct(target)} × {_num(weight)}分"
    else:
        ratio = Decimal(1) if actual == 0 else target / actual
        formula = f"得分 = 目标{_pct(target)} ÷ 实际{_pct(actual)} × {_num(weight)}分（反向指标）"
    score = min(ratio, Decimal(1)) * weight
    capped = "，以满分为限" if ratio > 1 else ""
    return score, f"{figure.basis}；{formula}{capped}"


def evaluate(t: Template, year: int, *, figures: dict[str, Figure], manual: dict[str, ManualScore],
             not_applicable: set[str]) -> EvaluationResult:
    """Score every row; ``manual`` and ``not_applicable`` are keyed by ``Row.key``."""
    items, missing = [], []
    for row in t.rows:
        if row.key in not_applicable:
            items.append(ItemResult(row, None, "不适用，不计分，总分按其余分值折算为100分", applicable=False))
            continue
        if row.rule.kind == AUTO:
            score, basis = auto_score(row.rule, row.weight, figures.get(row.rule.indicator))
            if score is None and row.key in manual:  # no data: the office scored it by hand
                m = manual[row.key]
                score, basis = m.score, f"{basis}（已手工评分：{m.evidence or '无说明'}）"
        else:
            m = manual.get(row.key)
            score, basis = (m.score, m.evidence) if m else (None, "尚未评分")
        if score is None:
            missing.append(row.key)
        items.append(ItemResult(row, score, basis))
    applicable = sum((i.row.weight for i in items if i.applicable), Decimal(0))
    raw = sum((i.score for i in items if i.applicable and i.score is not None), Decimal(0))
    total = (raw * HUNDRED / applicable) if applicable else Decimal(0)
    total = total.quantize(CENT, rounding=ROUND_HALF_UP)
    return EvaluationResult(template=t.name, year=year, items=tuple(items), raw_total=raw,
                            applicable_weight=applicable, total=total, grade=grade_of(total),
                            missing=tuple(missing))


def grade_of(total: Decimal) -> str:
    return next(name for floor, name in GRADES if total >= floor)


def check_manual_score(row: Row, score: Decimal) -> None:
    if score < 0 or score > row.weight:
        raise UserError(f"“{row.key}”的得分应在0到{_num(row.weight)}分之间", field="score")


def _num(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return text


def _pct(value: Decimal | None) -> str:
    return "—" if value is None else f"{(value * 100).quantize(CENT, rounding=ROUND_HALF_UP)}%"
