"""Masks for 公示名单: defaults from notice.json, configured patterns, short and full-width input."""

from dataclasses import replace

import pytest

from aiddesk.core.masking import mask_id_number, mask_middle, mask_phone_number
from aiddesk.core.workdays import MaskPattern, load_notice_rules

DEFAULT = load_notice_rules()


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("460100199001011234", "460100********1234"),
        ("11010519491231002x", "110105********002X"),
        ("４６０１００１９９００１０１１２３４", "460100********1234"),  # full-width
        ("１１０１０５１９４９１２３１００２ｘ", "110105********002X"),
        (" 4601 0019 9001 0112 34 ", "460100********1234"),
        ("110105491231002", "110105*****1002"),  # legacy 15 digits
        ("46010019900101123", "460100*******1123"),  # one digit missing: still hides 7
        # too short for 6 + 4 to hide enough: everything hidden
        ("46010019900101", "**************"),
        ("46010019900", "***********"),
        ("1234567890", "**********"),
        ("1234", "****"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_id_number_default(number, masked):
    assert mask_id_number(number) == masked


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("13812345678", "138****5678"),
        ("138-1234-5678", "138****5678"),
        ("+86 138 1234 5678", "138****5678"),
        ("１３８１２３４５６７８", "138****5678"),  # full-width
        ("＋８６　１３８１２３４５６７８", "138****5678"),
        # landlines keep the area code and the last 4 of the local number
        ("0898-66123456", "0898-****3456"),
        ("０８９８－６６１２３４５６", "0898-****3456"),
        ("010-12345678", "010-****5678"),
        # a 7-digit local number would keep 4 and hide only 3: all hidden
        ("021-1234567", "021-*******"),
        ("0898123", "0898-***"),
        # neither mobile nor landline with area code: like a local number
        ("66123456", "****3456"),
        ("1381234567", "******4567"),  # mobile missing a digit
        ("1234567", "*******"),
        ("1234", "****"),
        ("", ""),
    ],
)
def test_mask_phone_number_default(number, masked):
    assert mask_phone_number(number) == masked


@pytest.mark.parametrize(
    ("change", "number", "masked"),
    [
        ({"id_mask": MaskPattern(4, 2)}, "460100199001011234", "4601************34"),
        ({"id_mask": MaskPattern(8, 4)}, "460100199001011234", "46010019******1234"),
        ({"id_mask": MaskPattern(0, 0)}, "460100199001011234", "*" * 18),
        # keeps so much that under a third would be hidden: all hidden instead
        ({"id_mask": MaskPattern(10, 4)}, "460100199001011234", "*" * 18),
        ({"mask_char": "●"}, "460100199001011234", "460100●●●●●●●●1234"),
        ({"id_mask": MaskPattern(3, 3), "mask_char": "×"}, "１１０１０５１９４９１２３１００２ｘ", "110××××××××××××02X"),
    ],
)
def test_mask_id_number_configured(change, number, masked):
    assert mask_id_number(number, replace(DEFAULT, **change)) == masked


@pytest.mark.parametrize(
    ("change", "number", "masked"),
    [
        ({"phone_mask": MaskPattern(3, 2)}, "13812345678", "138******78"),
        ({"phone_mask": MaskPattern(0, 4)}, "13812345678", "*******5678"),
        # would hide only 3 digits of a mobile: all hidden
        ({"phone_mask": MaskPattern(4, 4)}, "13812345678", "***********"),
        ({"landline_keep_end": 2}, "0898-66123456", "0898-******56"),
        ({"landline_keep_end": 3}, "021-1234567", "021-****567"),
        ({"landline_keep_end": 0}, "010-12345678", "010-********"),
        ({"landline_keep_end": 6}, "010-12345678", "010-********"),
        ({"mask_char": "#"}, "１３８１２３４５６７８", "138####5678"),
    ],
)
def test_mask_phone_number_configured(change, number, masked):
    assert mask_phone_number(number, replace(DEFAULT, **change)) == masked


@pytest.mark.parametrize(
    ("text", "pattern", "masked"),
    [
        ("abcdefghijkl", MaskPattern(2, 2), "ab********kl"),
        ("abcdefghijkl", MaskPattern(0, 0), "************"),
        ("abcdefghijkl", MaskPattern(8, 0), "abcdefgh****"),
        ("abcdefghijkl", MaskPattern(0, 9), "************"),  # would hide 3
        ("abcdefghijkl", MaskPattern(7, 7), "************"),  # keeps more than there is
        ("abcde", MaskPattern(1, 0), "a****"),
        ("abcdefghijklmno", MaskPattern(6, 4), "abcdef*****lmno"),
        ("abcdefghijklmno", MaskPattern(6, 5), "***************"),  # 4 hidden, under a third
        ("", MaskPattern(6, 4), ""),
    ],
)
def test_mask_middle(text, pattern, masked):
    assert mask_middle(text, pattern) == masked
