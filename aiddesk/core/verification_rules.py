"""Verification thresholds (resources/rules/verification.json): SMS length, sampling shares, what is a problem."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache

from ..paths import resource
from .errors import UserError


@dataclass(frozen=True)
class VerificationRules:
    sms_segment_chars: int           # characters in one SMS
    sms_long_segment_chars: int      # characters per part once a message is split
    spot_check_share: Decimal        # default share of a batch's lines to call
    spot_check_minimum: int          # … but at least this many
    checklist_spot_check_share: Decimal  # the checklist's ✓ needs at least this share called
    home_visit_share: Decimal        # default share of 在档 households to visit
    problem_results: tuple[str, ...]     # call results that open a problem
    unreachable_results: tuple[str, ...]  # call results that are no answer at all
    satisfied_answers: tuple[str, ...]   # answers counted as satisfied


@cache
def load_verification_rules() -> VerificationRules:
    def bad(what: str) -> UserError:
        return UserError(f"核查规则文件 resources/rules/verification.json 有误：{what}，请改正后重启程序")

    try:
        with open(resource("rules", "verification.json"), encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        raise bad("文件缺失或不是有效的 JSON") from None
    try:
        shares = {k: Decimal(str(data[k])) for k in ("spot_check_share", "checklist_spot_check_share",
                                                      "home_visit_share")}
        ints = {k: int(data[k]) for k in ("sms_segment_chars", "sms_long_segment_chars", "spot_check_minimum")}
        lists = {k: tuple(str(v) for v in data[k]) for k in ("problem_results", "unreachable_results",
                                                             "satisfied_answers")}
    except (KeyError, TypeError, ValueError, InvalidOperation) as err:
        raise bad(f"缺少或无法读取设置项 {err}") from None
    if not all(0 < v <= 1 for v in shares.values()):
        raise bad("比例应在0到1之间（0.10 即 10%）")
    return VerificationRules(**shares, **ints, **lists)
