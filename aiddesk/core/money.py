"""Money: integer 分 in storage, ``Decimal`` 元 in Python, never float."""

from __future__ import annotations

import re
from decimal import Decimal

from .errors import UserError
from .text import half_width

CENT = Decimal("0.01")
# Not a business rule but a storage bound: a million amounts of up to 100亿元 still sum (in 分) inside
# SQLite's 64-bit integers, and quantize() stays within Decimal's 28 digits.
MAX_YUAN = Decimal(10) ** 10
TOO_BIG = "金额“{}”太大（不能超过100亿元），请核对"


def to_fen(yuan: Decimal | int | str | None) -> int | None:
    """元 (Decimal, int or numeric text) → integer 分; refuses more than 2 decimals."""
    if yuan is None or yuan == "":
        return None
    value = parse_yuan(yuan) if isinstance(yuan, str) else Decimal(yuan)
    if not value.is_finite():
        raise UserError(f"“{yuan}”不是金额，请输入数字，例如 1000 或 1000.50")
    if value.copy_abs() >= MAX_YUAN:
        raise UserError(TOO_BIG.format(yuan))
    if value != value.quantize(CENT):
        raise UserError(f"金额 {value} 超过两位小数，请改为精确到分的金额")
    return int(value * 100)


def from_fen(fen: int | None) -> Decimal | None:
    """Integer 分 → ``Decimal`` 元 with two decimals."""
    if fen is None:
        return None
    return (Decimal(fen) / 100).quantize(CENT)


# An amount as people type or paste it (after full-width → half-width): a sign, ¥ or ￥, the digits — with a
# comma only between groups of exactly three (1,234.56; 12,345) — and 元. Written with [0-9], not \d, which
# would also take the digits of other scripts; no underscores, exponents, NaN or Infinity as Decimal() would.
_AMOUNT = re.compile(
    r"(?P<sign>[-+]?)[ \u00a0]*(?P<symbol>[¥￥]?)[ \u00a0]*(?P<sign2>[-+]?)"
    r"(?P<number>[0-9]+(?:\.[0-9]*)?|\.[0-9]+|[1-9][0-9]{0,2}(?:,[0-9]{3})+(?:\.[0-9]*)?)"
    r"[ \u00a0]*(?:元)?")
NOT_AN_AMOUNT = "“{}”不是金额，请输入数字，例如 1000 或 1000.50"
BAD_GROUPING = "金额“{}”的写法不对：千分位逗号应每三位一个，如 1,234.56"


class BadGrouping(UserError):
    """An amount written with commas where no thousands separator can be ("12,34", "1.000,00", "100，50")."""


def yuan_from_text(text: str) -> Decimal:
    """The 元 amount a text writes (``1000``, ``1,000.50``, ``¥1,000``, ``1000元``, full-width digits), exactly.

    Only the writing is checked here (the shared rule of forms and imports); decimals and size are the callers'.
    A comma anywhere but between groups of three digits is refused: "12,34" is not 1234, "1.000,00" not 1.
    """
    written = half_width(text).strip()
    m = _AMOUNT.fullmatch(written)
    if m is None or (m["sign"] and m["sign2"]):
        # Commas in the wrong places, and otherwise an amount: say what is wrong with the commas.
        commas_only = "," in written and _AMOUNT.fullmatch(written.replace(",", "")) is not None
        raise (BadGrouping(BAD_GROUPING.format(text)) if commas_only else UserError(NOT_AN_AMOUNT.format(text)))
    return Decimal(m["sign"] + m["sign2"] + m["number"].replace(",", ""))


def parse_yuan(text: str) -> Decimal:
    """Parse user text such as ``1000``, ``1000.5`` or ``1,000.00`` into 元."""
    value = yuan_from_text(text)
    if value.copy_abs() >= MAX_YUAN:  # copy_abs, not abs(): no rounding, no Overflow; before quantize()
        raise UserError(TOO_BIG.format(text))
    if value != value.quantize(CENT):
        raise UserError(f"金额“{text}”超过两位小数，请精确到分")
    return value


def format_yuan(value: Decimal | None) -> str:
    """``Decimal`` 元 → ``1,234.50``-style text for screens and forms ("" for None)."""
    if value is None:
        return ""
    return f"{value.quantize(CENT):,.2f}"


def format_wan(value: Decimal) -> str:
    """元 → exact 万元 text without trailing zeros: 4087729.45 → ``408.772945``, 240000 → ``24``.

    Never rounded: 1 分 is 0.000001 万元, so six decimals always hold it exactly.
    """
    wan = (value.quantize(CENT) / 10000).quantize(Decimal("0.000001"))
    text = f"{wan:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
