"""Tests for aiddesk.core.phone."""

import pytest

from aiddesk.core.errors import UserError
from aiddesk.core.phone import check_phone, normalise_phone

GENERIC = "手机号码应为11位，以13–19开头；座机请带区号，如 0898-66123456"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", ""),
        ("  ", ""),
        ("13812345678", "13812345678"),
        ("19912345678", "19912345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("１３８　１２３４　５６７８", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("＋８６１３８１２３４５６７８", "13812345678"),
        ("008613812345678", "13812345678"),
        ("0898-66123456", "0898-66123456"),
        ("089866123456", "0898-66123456"),
        ("0898 6612 3456", "0898-66123456"),
        ("０８９８－６６１２３４５６", "0898-66123456"),
        ("0898-6612345６", "0898-66123456"),  # mixed widths
        ("(0898)66123456", "0898-66123456"),
        ("0898—66123456", "0898-66123456"),
        ("010-12345678", "010-12345678"),
        ("01012345678", "010-12345678"),
        ("021-1234567", "021-1234567"),
        ("02912345678", "029-12345678"),
        ("07551234567", "0755-1234567"),
        ("08-9866123456", "0898-66123456"),  # a misplaced hyphen is re-split by the area-code rule
    ],
)
def test_check_phone_valid(raw, expected):
    assert check_phone(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("1381234567", "手机号码应为11位，现在是10位，请核对"),
        ("138123456789", "手机号码应为11位，现在是12位，请核对"),
        ("12812345678", "手机号码应以13–19开头，现在是12开头，请核对"),
        ("10012345678", "手机号码应以13–19开头，现在是10开头，请核对"),
        ("66123456", GENERIC),
        ("8613812345678", GENERIC),
        ("0898-661234", "座机号码除区号0898外应为7–8位，现在是6位；请按“区号-号码”填写，如 0898-66123456"),
        ("0898-661234567", "座机号码除区号0898外应为7–8位，现在是9位；请按“区号-号码”填写，如 0898-66123456"),
        ("010-123456789", "座机号码除区号010外应为7–8位，现在是9位；请按“区号-号码”填写，如 0898-66123456"),
        ("138abcd5678", f"电话号码只能包含数字和“-”；{GENERIC}"),
    ],
)
def test_check_phone_errors(raw, message):
    with pytest.raises(UserError) as err:
        check_phone(raw)
    assert str(err.value) == message
    assert err.value.field == "phone"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", ""),
        ("138 1234-5678", "13812345678"),
        ("０８９８－６６１２３４５６", "089866123456"),
        ("+86 13812345678", "13812345678"),
        ("+8666123456", "+8666123456"),  # no mobile after +86: left for check_phone to reject
        ("abc", "abc"),
    ],
)
def test_normalise_phone(raw, expected):
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("", ""),
        ("13812345678", "138****5678"),
        ("138-1234-5678", "138****5678"),
        ("0898-66123456", "0898-******56"),
        ("010-12345678", "010-******78"),
        ("021-1234567", "021-*****67"),
        ("0755-1234567", "0755-*****67"),
        ("66123456", "******56"),
        ("1234", "****"),
    ],
)
def test_mask_phone_keeping_two_landline_digits(number, masked):
    """Masking follows the configured pattern; here an office that keeps only 2 landline digits."""
    from dataclasses import replace

    from aiddesk.core.masking import mask_phone_number
    from aiddesk.core.workdays import load_notice_rules

    assert mask_phone_number(number, replace(load_notice_rules(), landline_keep_end=2)) == masked
