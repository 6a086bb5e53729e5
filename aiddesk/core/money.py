"""Money: integer 分 in storage, ``Decimal`` 元 in Python, never float."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from .errors import UserError

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


def parse_yuan(text: str) -> Decimal:
    """Parse user text such as ``1000``, ``1000.5`` or ``1,000.00`` into 元."""
    cleaned = text.strip().replace(",", "").replace("，", "").replace("元", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise UserError(f"“{text}”不是金额，请输入数字，例如 1000 或 1000.50") from None
    if not value.is_finite():
        raise UserError(f"“{text}”不是金额，请输入数字，例如 1000 或 1000.50")
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
