"""SMS notices: templates with placeholders, the carriers' character and segment count, delivery-report words."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache

from ..paths import resource
from .errors import UserError
from .money import CENT
from .text import normalise
from .verification_rules import VerificationRules, load_verification_rules

PLACEHOLDERS = ("姓名", "金额", "发放日期", "发放方式", "单位", "咨询电话")
FIELD = "template"

SENT, UNSENT, FAILED = "已发送", "未发送", "发送失败"

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
# An IME left in Chinese mode types ｛｝; such a template would go out with the braces in it.
_BRACES = str.maketrans({"｛": "{", "｝": "}"})


def placeholder_hint() -> str:
    return " ".join("{" + p + "}" for p in PLACEHOLDERS)


def clean_template(text: str) -> str:
    """The template as it will be stored: full-width braces half-width, Windows line ends plain, ends trimmed."""
    return (text or "").translate(_BRACES).replace("\r\n", "\n").replace("\r", "\n").strip()


def check_template(text: str) -> str:
    """The cleaned template, or a ``UserError`` naming what is wrong with it (empty, unknown placeholders, stray braces)."""
    text = clean_template(text)
    if not text:
        raise UserError("短信模板不能为空，请填写短信内容", field=FIELD)
    unknown = list(dict.fromkeys(name for name in _PLACEHOLDER.findall(text) if name.strip() not in PLACEHOLDERS))
    if unknown:
        names = "、".join("{" + name + "}" for name in unknown)
        raise UserError(f"模板中有不认识的占位符：{names}。可用的占位符只有：{placeholder_hint()}，"
                        "请改正或删除", field=FIELD)
    rest = _PLACEHOLDER.sub("", text)
    if "{" in rest or "}" in rest:
        raise UserError("模板中有不成对的花括号“{”或“}”：占位符应写成 {姓名} 这样，前后括号都要有，"
                        "请检查", field=FIELD)
    return text


def render(template: str, values: dict[str, str]) -> str:
    """The message for one person: every placeholder of ``template`` replaced by its value."""
    text = check_template(template)
    missing = [p for p in PLACEHOLDERS if p not in values]
    if missing:  # a programming error, not the user's: every placeholder always has a value
        raise KeyError(f"no value for placeholders {missing}")
    return _PLACEHOLDER.sub(lambda m: str(values[m.group(1).strip()]), text)


def amount_text(amount: Decimal) -> str:
    """{金额}: two decimals, no thousands separator (1000.00), as people read an amount in a text."""
    return f"{Decimal(amount).quantize(CENT):f}"


def date_text(day: date) -> str:
    """{发放日期}: 2026年12月8日."""
    return f"{day.year}年{day.month}月{day.day}日"


def sms_chars(text: str) -> int:
    """Characters as the carriers bill them: every character is one, Chinese or ASCII, a line break too.

    Messages travel as UCS-2, so a character outside the basic plane (an emoji) is two.
    """
    return len(text.encode("utf-16-le")) // 2


def sms_segments(chars: int, rules: VerificationRules | None = None) -> int:
    """How many SMS a message of ``chars`` characters is billed as: one up to 70, else parts of 67."""
    rules = rules or load_verification_rules()
    if chars <= 0:
        return 0
    if chars <= rules.sms_segment_chars:
        return 1
    return math.ceil(chars / rules.sms_long_segment_chars)


@dataclass(frozen=True)
class Measured:
    text: str
    chars: int
    segments: int


def measure(text: str, rules: VerificationRules | None = None) -> Measured:
    chars = sms_chars(text)
    return Measured(text, chars, sms_segments(chars, rules))


def segment_rule_text(rules: VerificationRules | None = None) -> str:
    rules = rules or load_verification_rules()
    return f"{rules.sms_segment_chars}字以内计1条，超过后每{rules.sms_long_segment_chars}字计1条"


# ---- delivery reports ---------------------------------------------------------------------------

@dataclass(frozen=True)
class DeliveryWords:
    success: frozenset[str]
    pending: frozenset[str]
    failure: frozenset[str]
    failure_prefixes: tuple[str, ...]
    headers: dict[str, tuple[str, ...]]  # our field → headers other programs give it

    def classify(self, status: str) -> tuple[str | None, bool]:
        """(已发送 / 发送失败 / None for no receipt yet or empty, whether the word is a known one).

        An unknown word counts as a failure, and the caller says so: guessing "delivered" would hide
        people who never got the notice.
        """
        word = _word(status)
        if not word:
            return None, True
        if word in self.success:
            return SENT, True
        if word in self.pending:
            return None, True
        if word in self.failure or word.startswith(self.failure_prefixes):
            return FAILED, True
        return FAILED, False

    def guess(self, headers: list[str], taken: dict[str, str] | None = None) -> dict[str, str]:
        """field → header for the fields not in ``taken``, by the usual names; a header is used once.

        An exact name wins over one that only contains a usual name (接收手机号 holds 手机号).
        """
        mapping = dict(taken or {})
        used = set(mapping.values())
        for exact in (True, False):
            for field, names in self.headers.items():
                if field in mapping:
                    continue
                wanted = [_word(n) for n in names]
                for header in headers:
                    h = _word(header)
                    if header in used or not h:
                        continue
                    if (h in wanted) if exact else any(len(w) >= 2 and w in h for w in wanted):
                        mapping[field] = header
                        used.add(header)
                        break
        return mapping

    def known_header(self, header: str) -> bool:
        h = _word(header)
        return any(h == _word(n) for names in self.headers.values() for n in names)


def _word(text: object) -> str:
    return normalise(str(text or "")).upper()


@cache
def load_delivery_words() -> DeliveryWords:
    def bad(what: str) -> UserError:
        return UserError(f"短信回执词表 resources/verification/delivery_words.json 有误：{what}，请改正后重启程序")

    try:
        with open(resource("verification", "delivery_words.json"), encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        raise bad("文件缺失或不是有效的 JSON") from None
    try:
        words = {k: frozenset(_word(w) for w in data[k]) for k in ("success", "pending", "failure")}
        prefixes = tuple(_word(w) for w in data["failure_prefixes"])
        headers = {str(k): tuple(str(v) for v in names) for k, names in data["headers"].items()}
    except (KeyError, TypeError, AttributeError) as err:
        raise bad(f"缺少或无法读取设置项 {err}") from None
    clash = (words["success"] & (words["failure"] | words["pending"])) | (words["pending"] & words["failure"])
    if clash:
        raise bad(f"这些状态同时出现在两个词表中：{'、'.join(sorted(clash))}")
    return DeliveryWords(**words, failure_prefixes=prefixes, headers=headers)
