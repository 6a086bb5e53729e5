"""Money helpers: 万元 are exact (never rounded), 元 text parses without float."""

from __future__ import annotations

from decimal import Decimal

import pytest

from aiddesk.core.money import format_wan, parse_yuan, to_fen


@pytest.mark.parametrize("yuan, wan", [
    ("4087729.45", "408.772945"), ("4230716.00", "423.0716"), ("240000", "24"), ("13200.00", "1.32"),
    ("0.01", "0.000001"), ("0", "0"), ("-485013.45", "-48.501345"), ("123456789012.34", "12345678.901234"),
])
def test_wan_is_exact_up_to_six_decimals(yuan, wan):
    assert format_wan(Decimal(yuan)) == wan


def test_yuan_text_to_fen_exactly():
    assert to_fen(parse_yuan("1,000.50")) == 100050
    assert to_fen(Decimal("0.1") + Decimal("0.2")) == 30  # what float would get wrong
