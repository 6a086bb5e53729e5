"""档案编号 and 批次编号: one alphabet and length, normalised on the way in (issue 16, items 11 and 14)."""

from __future__ import annotations

import pytest

from aiddesk.core.errors import UserError
from aiddesk.core.record_codes import check_archive_no, check_batch_code, normalise_archive_no


@pytest.mark.parametrize("typed, stored", [
    ("HN0100-2026-0001", "HN0100-2026-0001"),
    ("hn0100-2026-0001", "HN0100-2026-0001"),             # case: as the office searches for it
    ("ＨＮ０１００－２０２６－０００１", "HN0100-2026-0001"),  # full-width, from a Chinese input method
    ("  HN0100-2026-0001\u3000", "HN0100-2026-0001"),     # stray spaces
    ("460001-2026-0001", "460001-2026-0001"),
    ("CM2015001", "CM2015001"),
    ("琼工困2015-001", "琼工困2015-001"),                  # an office's own numbering in its old books
    ("困字〔2015〕第3号", "困字〔2015〕第3号"),
    ("琼工困（2015）001", "琼工困(2015)001"),
    ("二〇一五-𠮷-01", "二〇一五-𠮷-01"),
    ("A_1", "A_1"),
    ("X" * 40, "X" * 40),
])
def test_archive_numbers_as_typed_and_as_stored(typed, stored):
    assert check_archive_no(typed) == stored
    assert normalise_archive_no(typed) == stored


@pytest.mark.parametrize("hostile, shown", [
    ("../../../../ESCAPED", "./"),
    ("..", "."),
    ("//host/share", "/"),
    ("\\\\host\\share", "\\"),
    ("C:evil", ":"),
    ("a/b", "/"),
    ("HN0100.", "."),
    ("NUL\x00", "U+0000"),
    ("line\x01break", "U+0001"),
    ("a*b?c", "*?"),
    ("a<b>|c\"", "<>|\""),
    ("€100", "€"),
])
def test_path_characters_are_refused_showing_them(hostile, shown):
    with pytest.raises(UserError) as err:
        check_archive_no(hostile)
    assert f"中不能有“{shown}”" in err.value.message
    assert "只能用字母、数字、汉字" in err.value.message and err.value.field == "archive_no"


@pytest.mark.parametrize("name", ["CON", "nul", "Aux", "PRN", "COM1", "lpt9"])
def test_device_names_windows_reserves_are_refused(name):
    with pytest.raises(UserError, match="Windows 保留"):
        check_archive_no(name)
    with pytest.raises(UserError, match="Windows 保留"):
        check_batch_code(name)


def test_length_and_emptiness():
    with pytest.raises(UserError, match="太长（41个字），最多40个字"):
        check_archive_no("X" * 41)
    for blank in ("", "   ", "\u3000", None):
        with pytest.raises(UserError, match="请填写档案编号"):
            check_archive_no(blank)
        with pytest.raises(UserError, match="请填写批次编号"):
            check_batch_code(blank)


def test_batch_codes_share_the_alphabet_and_keep_their_case():
    assert check_batch_code("HN0100-PC2026-001") == "HN0100-PC2026-001"
    assert check_batch_code("P2015-01") == "P2015-01"
    assert check_batch_code("ｐ２０１５－０１ ") == "p2015-01"
    assert check_batch_code("2015年送温暖第1批") == "2015年送温暖第1批"
    for hostile in ("../x", "批次/1", "a.b", "a b\x00"):
        with pytest.raises(UserError, match="批次编号“.*”中不能有") as err:
            check_batch_code(hostile)
        assert err.value.field == "code"
