"""Phone numbers: mainland mobiles and landlines with area code; check, format, mask."""

from __future__ import annotations

import re

from .errors import UserError
from .text import normalise

FIELD = "phone"

_GENERIC = "手机号码应为11位，以13–19开头；座机请带区号，如 0898-66123456"
MOBILE = re.compile(r"1[3-9]\d{9}")
# Separators people type between parts; full-width ones are already half-width
# after normalise(), and the dashes cover what Word/WPS autocorrect produces.
_SEPARATORS = str.maketrans("", "", "-–—()")


def normalise_phone(raw: str) -> str:
    """Digits only (and any stray characters), for comparing and searching.

    Full-width digits become half-width; spaces, hyphens, dashes and
    parentheses go; a leading +86 / 0086 country code is dropped.  Does not
    check anything — use ``check_phone`` for that.
    """
    text = normalise(raw or "").translate(_SEPARATORS)
    for prefix in ("+86", "0086"):
        # Only strip the country code where a mobile follows; "0086…" could
        # otherwise be read as a landline starting with area code 008.
        if text.startswith(prefix) and MOBILE.fullmatch(text[len(prefix):]):
            return text[len(prefix):]
    return text


def area_code_length(digits: str) -> int:
    """Area-code length including the leading 0: 3 for 010 and 02X, else 4."""
    return 3 if digits.startswith(("010", "02")) else 4


def check_phone(raw: str) -> str:
    """Canonical form of a phone number, or "" when empty (phone is optional).

    Mobile → 11 digits; landline → ``AREA-NUMBER`` (``010-12345678``,
    ``0898-66123456``).  Raises ``UserError`` (field ``phone``) otherwise.
    """
    digits = normalise_phone(raw)
    if not digits:
        return ""
    if not (digits.isascii() and digits.isdigit()):
        raise UserError(f"电话号码只能包含数字和“-”；{_GENERIC}", field=FIELD)

    if digits.startswith("1"):
        if MOBILE.fullmatch(digits):
            return digits
        if len(digits) != 11:
            raise UserError(f"手机号码应为11位，现在是{len(digits)}位，请核对", field=FIELD)
        raise UserError(
            f"手机号码应以13–19开头，现在是{digits[:2]}开头，请核对", field=FIELD
        )

    if digits.startswith("0"):
        area_len = area_code_length(digits)
        area, local = digits[:area_len], digits[area_len:]
        if 7 <= len(local) <= 8:
            return f"{area}-{local}"
        raise UserError(
            f"座机号码除区号{area}外应为7–8位，现在是{len(local)}位；"
            "请按“区号-号码”填写，如 0898-66123456",
            field=FIELD,
        )

    # Starts with 2–9: almost always a landline typed without its area code.
    raise UserError(_GENERIC, field=FIELD)
