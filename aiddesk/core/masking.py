"""Masks for public notice lists (公示名单): ID and phone numbers with the middle hidden."""

from __future__ import annotations

from math import ceil

from .phone import MOBILE, area_code_length, normalise_phone
from .text import normalise
from .workdays import MaskPattern, NoticeRules, load_notice_rules

# With fewer hidden characters than this a number is found by trying them all
# (4 is what a mobile shown as 138****5678 hides).
MIN_HIDDEN = 4


def mask_middle(text: str, pattern: MaskPattern, mask_char: str = "*") -> str:
    """Keep ``pattern``'s ends of ``text`` and hide the rest.

    Everything is hidden when the pattern would leave fewer than ``MIN_HIDDEN``
    or under a third of the characters hidden: a 6+4 pattern meant for an
    18-character ID would otherwise show 10 of a mistyped 11.
    """
    hidden = len(text) - pattern.keep_start - pattern.keep_end
    if hidden < max(MIN_HIDDEN, ceil(len(text) / 3)):
        return mask_char * len(text)
    # Slicing by index, not text[-keep_end:], which is the whole text when keep_end is 0.
    return text[: pattern.keep_start] + mask_char * hidden + text[len(text) - pattern.keep_end :]


def mask_id_number(number: str, rules: NoticeRules | None = None) -> str:
    """ID number for a notice list: ``460100********1234`` with the default rules."""
    rules = rules or load_notice_rules()
    return mask_middle(normalise(number or "").upper(), rules.id_mask, rules.mask_char)


def mask_phone_number(number: str, rules: NoticeRules | None = None) -> str:
    """Phone number for a notice list: ``138****5678``, ``0898-****3456`` with the default rules.

    Landlines keep their area code (a city, not a person) and the last digits
    of the local number.  Anything neither mobile nor landline is masked like
    a local number without area code.
    """
    rules = rules or load_notice_rules()
    digits = normalise_phone(number)
    if MOBILE.fullmatch(digits):
        return mask_middle(digits, rules.phone_mask, rules.mask_char)
    local_pattern = MaskPattern(0, rules.landline_keep_end)
    if digits.startswith("0") and len(digits) > 6:
        area_len = area_code_length(digits)
        local = mask_middle(digits[area_len:], local_pattern, rules.mask_char)
        return f"{digits[:area_len]}-{local}"
    return mask_middle(digits, local_pattern, rules.mask_char)
