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
