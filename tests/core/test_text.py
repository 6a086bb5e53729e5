"""Tests for aiddesk.core.text.normalise."""

import pytest

from aiddesk.core.text import normalise


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", ""),
        ("   ", ""),
        ("abc", "abc"),
        ("１２３ＡＢＣａｂｃ", "123ABCabc"),
        ("！～", "!~"),  # both ends of U+FF01–U+FF5E
        ("（０８９８）－６６", "(0898)-66"),
        ("１１０１０５１９４９１２３１００２ｘ", "11010519491231002x"),
        ("  1101 0519\t4912\u00a03100\u30002X \n", "11010519491231002X"),
        # Invisible characters that come along when pasting from web pages.
        ("\ufeff138\u200b1234\u20605678", "13812345678"),
        ("张三", "张三"),  # CJK untouched
        ("①²", "①²"),  # not NFKC: only full-width ASCII is converted
    ],
)
def test_normalise(raw, expected):
    assert normalise(raw) == expected


def test_half_width_converts_and_keeps_spaces():
    from aiddesk.core.text import half_width

    assert half_width("１，２３４．５０\u3000元") == "1,234.50 元"
    assert half_width("a b") == "a b" and half_width("\ufeff1\u200b2") == "12"
    assert half_width("张三①") == "张三①"


def test_ascii_upper_leaves_everything_but_a_to_z():
    from aiddesk.core.text import ascii_upper

    assert ascii_upper("hn0100-2026-ß-é-琼") == "HN0100-2026-ß-é-琼"  # as SQLite's upper(): ß is not SS


@pytest.mark.parametrize(("raw", "expected"), [
    ("０２６７", "0267"), ("ＨＮ0100", "HN0100"), (" 张 三 ", "张三"), ("\x00", ""), ("\x00\x01 \t\x7f", ""),
    ("\x00zzz", "zzz"), ("无\x00此人", "无此人"), ("\ud800x", "x"), ("", ""), (None, ""),
])
def test_search_text_is_half_width_without_controls_or_spaces(raw, expected):
    from aiddesk.core.text import search_text

    assert search_text(raw) == expected
