"""The conclusions a centre records on a cross-unit duplicate, and their rules, from resources/codes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

from ..paths import resource
from . import field_rules
from .errors import UserError, ValidationError
from .text import clean_text

FILE = "duplicate_conclusions.json"
UNIT, SIDE = "unit", "side"   # what a kind asks to choose: the unit whose archive is kept, the side that is wrong


@dataclass(frozen=True)
class ConclusionKind:
    """One kind of conclusion (同一人，保留某单位档案 …) as the code list describes it."""

    kind: str
    applies_to: tuple[str, ...]   # 在档重复, 重复救助
    choose: str                   # "", UNIT or SIDE
    choose_label: str             # the words before the choice (保留哪个单位的档案)
    text: str                     # how it reads, with {unit}, {side} and {note}
    note_required: bool


@cache
def _kinds() -> tuple[ConclusionKind, ...]:
    try:
        with open(resource("codes", FILE), encoding="utf-8") as f:
            data = json.load(f)
        return tuple(ConclusionKind(k["kind"], tuple(k["for"]), k.get("choose") or "", k.get("choose_label") or "",
                                    k.get("text") or k["kind"], bool(k.get("note_required")))
                     for k in data["conclusions"])
    except FileNotFoundError:
        raise UserError(f"找不到代码表 resources/codes/{FILE}（跨单位重复的处理结论），请重新安装程序") from None
    except (OSError, ValueError, KeyError, TypeError):
        raise UserError(f"代码表 resources/codes/{FILE}（跨单位重复的处理结论）无法读取，"
                        "请修正该文件或重新安装程序") from None


def conclusion_kinds(case_kind: str | None = None) -> list[ConclusionKind]:
    """The kinds in the code list's order; those that apply to ``case_kind`` (在档重复 / 重复救助) when given."""
    return [k for k in _kinds() if case_kind is None or case_kind in k.applies_to]


def conclusion_kind(kind: str) -> ConclusionKind | None:
    return next((k for k in _kinds() if k.kind == kind), None)


def checked(case_kind: str, units: tuple[str, ...], kind: str, *, unit: str = "", side: str = "",
            note: str = "") -> tuple[str, str, str, str]:
    """(kind, unit, side, note) as stored, or a ValidationError naming each field that is wrong.

    ``unit`` and ``side`` must be one of the case's ``units`` where the kind asks for them, and are dropped where
    it does not (a choice left over from another kind picked first in the dialog)."""
    problems: dict[str, str] = {}
    found = conclusion_kind(kind)
    note = clean_text(note)
    if found is None or case_kind not in found.applies_to:
        allowed = "、".join(k.kind for k in conclusion_kinds(case_kind))
        problems["kind"] = f"请选择处理结论，可选：{allowed}" if not kind else \
            f"“{kind}”不是{case_kind}可选的处理结论，可选：{allowed}"
        found = None
    if found is not None:
        unit = unit if found.choose == UNIT else ""
        side = side if found.choose == SIDE else ""
        chosen = unit or side
        if found.choose and chosen not in units:
            problems[found.choose] = (f"请选择{found.choose_label}（{'、'.join(units)}之一）" if not chosen else
                                      f"单位{chosen}不在这一重复涉及的单位（{'、'.join(units)}）中")
        if found.note_required and not note:
            problems["note"] = f"处理结论为“{found.kind}”时请写明说明"
    problem = field_rules.NOTE.problem("说明", note)
    if problem:
        problems["note"] = problem
    if problems:
        raise ValidationError(problems)
    return kind, unit, side, note


def describe(kind: str, *, unit: str = "", side: str = "", note: str = "",
             names: dict[str, str] | None = None) -> str:
    """How a conclusion reads (同一人，保留省财贸工会（460001）的档案); ``names``: unit code → name."""
    found = conclusion_kind(kind)
    names = names or {}

    def named(code: str) -> str:
        return f"{names[code]}（{code}）" if names.get(code) else code

    if found is None:  # a kind since taken out of the code list: still shown as recorded
        return "：".join(x for x in (kind, note) if x)
    text = found.text.replace("{unit}", named(unit)).replace("{side}", named(side)).replace("{note}", note)
    return text.rstrip("：")
