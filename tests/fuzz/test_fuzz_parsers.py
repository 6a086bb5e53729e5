"""Fuzzing the parsers of typed and pasted values: any input gives a value or a Chinese UserError/CellError.

Example counts are kept small so tests/fuzz/ runs in well under a minute; set AIDDESK_FUZZ_EXAMPLES to a
multiplier (e.g. ``AIDDESK_FUZZ_EXAMPLES=50``) for a long run on demand. ``pytest --hypothesis-show-statistics``
prints how many cases each fuzzer tried.
"""

from __future__ import annotations

import os
import re
from datetime import date, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from aiddesk.core.errors import UserError
from aiddesk.core.idcard import is_valid, make_id, parse_id
from aiddesk.core.money import format_yuan, from_fen, parse_yuan, to_fen
from aiddesk.core.phone import check_phone, normalise_phone
from aiddesk.exchange.validate import CellError, parse_card, parse_date, parse_id_number, parse_int, parse_money

SCALE = max(1, int(os.environ.get("AIDDESK_FUZZ_EXAMPLES", "1")))
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def read_id(value: object) -> str:
    """The ID number cell reader on a fixed day (a birth date after it is an error)."""
    return parse_id_number(value, today=date(2026, 11, 26))


def fuzz(n: int):
    return settings(max_examples=n * SCALE, deadline=None)


# Text a cell or a form field may hold: full-width forms, ideographic space, zero-width characters, control
# characters, digits of other scripts, characters outside the BMP, and long runs of digits.
_ALPHABET = st.sampled_from(list("0123456789Xx-/.,，年月日元¥+eE ") + [
    "\u3000", "\u200b", "\ufeff", "\x00", "\t", "\n", "\x1f", "１", "２", "Ｘ", "－", "٣", "𠮷", "𪚥", "é",
    "nan", "inf", "NaN", "Infinity", "sNaN"])
TEXT = st.one_of(st.text(), st.lists(_ALPHABET, max_size=40).map("".join),
                 st.integers(min_value=0, max_value=10 ** 60).map(str),
                 st.from_regex(r"-?\d{1,30}(\.\d{1,5})?[eE][-+]?\d{1,14}", fullmatch=True),
                 st.integers(1, 6000).map(lambda n: "9" * n))
NUMBER = st.one_of(st.integers(min_value=-10 ** 30, max_value=10 ** 30), st.floats(allow_nan=True, allow_infinity=True),
                   st.sampled_from([1e308, -1e308, 5e-324, 0.1, 1e15, 1e16, 9999999999.99, 1e10, 1e18, 2 ** 63]))
CELL = st.one_of(TEXT, NUMBER, st.booleans(), st.datetimes(), st.dates(), st.none())


def _chinese_message(err: Exception) -> None:
    message = err.message if isinstance(err, (UserError, CellError)) else str(err)
    assert message and CHINESE.search(message), message


@fuzz(300)
@given(CELL)
def test_cell_readers_return_a_value_or_a_cell_error(value):
    for reader in (parse_money, lambda v: parse_money(v, negative=True), parse_date, parse_int, read_id,
                   parse_card):
        try:
            reader(value if value is not None else "")
        except CellError as err:
            _chinese_message(err)


@fuzz(200)
@given(CELL)
def test_a_money_cell_read_is_exact_and_fits_sqlite(value):
    try:
        fen = parse_money(value, negative=True)
    except CellError:
        return
    assert isinstance(fen, int) and abs(fen) < 2 ** 63


@fuzz(300)
@given(TEXT)
def test_parse_id_returns_an_id_or_a_user_error(raw):
    try:
        info = parse_id(raw, today=date(2026, 11, 26))
    except UserError as err:
        _chinese_message(err)
        assert err.field == "id_number"
        return
    assert len(info.number) == 18 and is_valid(info.number, "20261126")


@fuzz(300)
@given(st.one_of(TEXT, st.builds(lambda d, s, a: make_id(a, d, s), st.dates(date(1900, 1, 1), date(2030, 12, 31)),
                                 st.integers(0, 999), st.sampled_from(["110105", "460100", "650102"]))),
       st.dates(date(1990, 1, 1), date(2040, 1, 1)))
def test_is_valid_agrees_with_parse_id(raw, today):
    """is_valid is parse_id's quick test: true exactly where parse_id accepts the text unchanged."""
    try:
        accepted = parse_id(raw, today=today).number == raw
    except UserError:
        accepted = False
    assert is_valid(raw, today.strftime("%Y%m%d")) == accepted


@fuzz(300)
@given(TEXT)
def test_phone_is_canonical_or_a_user_error(raw):
    try:
        phone = check_phone(raw)
    except UserError as err:
        _chinese_message(err)
        return
    assert phone == "" or check_phone(phone) == phone
    normalise_phone(raw)


@fuzz(300)
@given(st.one_of(TEXT, NUMBER.map(str)))
def test_parse_yuan_and_to_fen_give_exact_money_or_a_user_error(text):
    try:
        value = parse_yuan(text)
    except UserError as err:
        _chinese_message(err)
        return
    fen = to_fen(value)
    assert from_fen(fen) == value and format_yuan(value)


@fuzz(200)
@given(st.one_of(st.integers(-10 ** 40, 10 ** 40), st.decimals(allow_nan=True, allow_infinity=True)))
def test_to_fen_of_numbers_is_exact_or_a_user_error(value):
    try:
        fen = to_fen(value)
    except UserError as err:
        _chinese_message(err)
        return
    assert Decimal(fen) / 100 == value


# ---- regressions: each crash the fuzzers found, as a plain test -------------------------------------------

def test_an_amount_of_more_than_28_digits_is_refused_not_a_decimal_crash():
    for value in ("1e30", 1e308, "1e999999999999", "123456789012345678901234567890"):
        try:
            parse_money(value)
        except CellError as err:
            assert "太大" in err.message
        else:
            raise AssertionError(value)
    for text in ("1e30", "12345678901"):
        try:
            parse_yuan(text)
        except UserError as err:
            assert "太大" in err.message
        else:
            raise AssertionError(text)
    try:
        to_fen(10 ** 40)
    except UserError as err:
        assert "太大" in err.message
    else:
        raise AssertionError


def test_to_fen_of_an_infinite_decimal_is_a_user_error():
    for value in (Decimal("inf"), Decimal("nan")):
        try:
            to_fen(value)
        except UserError as err:
            assert "不是金额" in err.message
        else:
            raise AssertionError(value)


def test_a_whole_number_cell_of_100_yi_or_more_is_refused_on_the_quick_path_too():
    assert parse_money(9999999999.99) == 999999999999
    try:
        parse_money(10 ** 18)
    except CellError as err:
        assert "太大" in err.message
    else:
        raise AssertionError


def test_an_integer_cell_of_thousands_of_digits_is_an_error_not_a_value_error():
    for value in ("9" * 5000, 1e308, 10 ** 19):
        try:
            parse_int(value)
        except CellError as err:
            assert "太大" in err.message
        else:
            raise AssertionError(value)
    assert parse_int("２０１５") == 2015 and parse_int(2015.0) == 2015


def test_a_card_or_id_cell_holding_a_huge_integer_is_an_error_not_a_value_error():
    for reader in (parse_card, read_id):
        try:
            reader(10 ** 5000)
        except CellError as err:
            assert "超过15位" in err.message
        else:
            raise AssertionError(reader)


def test_datetimes_and_bools_in_text_columns_are_cell_errors():
    for reader in (read_id, parse_card, parse_int):
        for value in (datetime(2015, 3, 2), True):
            try:
                reader(value)
            except CellError:
                pass
            else:
                raise AssertionError((reader, value))
