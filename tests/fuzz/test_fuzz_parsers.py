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


# ---- the writing of an amount (issue 16, item 7): forms and imports read text alike -------------------------

# Where a comma may stand in an accepted amount: between a first group of one to three digits (not starting
# with 0) and further groups of exactly three, up to the decimal point.
_GROUPED = re.compile(r"[1-9][0-9]{0,2}(,[0-9]{3})+")
_MONEY_TEXT = st.lists(st.sampled_from(list("0123456789,.，．-+¥￥元 _eE") + ["１", "０", "\u3000", "\x00", "٣"]),
                       max_size=16).map("".join)


def _digits_part(text: str) -> str:
    from aiddesk.core.text import half_width

    return half_width(text).strip().strip("元 ").lstrip("-+¥￥ ").split(".")[0]


@fuzz(400)
@given(st.one_of(_MONEY_TEXT, TEXT))
def test_an_accepted_amount_has_commas_only_between_groups_of_three(text):
    try:
        value = parse_yuan(text)
    except UserError as err:
        _chinese_message(err)
        assert f"“{text}”" in err.message  # the message shows what was typed
        return
    written = text.replace("，", ",")
    if "," in written:
        assert _GROUPED.fullmatch(_digits_part(written)), text
        assert "," not in written.partition(".")[2] and "," not in written.partition("．")[2]
    assert not set(text) & set("_eE٣\x00"), text  # no underscores, exponents, other scripts' digits
    assert value == value.quantize(Decimal("0.01"))


@fuzz(300)
@given(st.one_of(_MONEY_TEXT, TEXT))
def test_the_import_reads_a_text_amount_as_the_forms_do(text):
    try:
        form = to_fen(parse_yuan(text))
    except UserError:
        form = None
    try:
        cell = parse_money(text, negative=True)
    except CellError as err:
        _chinese_message(err)
        cell = None
    assert form == cell, text


@fuzz(300)
@given(st.integers(-(10 ** 12) + 1, 10 ** 12 - 1), st.booleans(), st.sampled_from(["", "¥", "￥"]),
       st.sampled_from(["", "元", " 元"]))
def test_an_amount_as_the_program_writes_it_reads_back(fen, full_width, symbol, unit):
    from aiddesk.exchange.validate import parse_money as read_cell

    value = from_fen(fen)
    text = format_yuan(value)  # 1,234.50
    if full_width:
        text = text.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789,.-"})
    text = (f"-{symbol}{text[1:]}" if text.startswith(("-", "－")) else f"{symbol}{text}") + unit
    assert parse_yuan(text) == value
    assert read_cell(text, negative=True) == fen


@fuzz(300)
@given(st.integers(1000, 10 ** 12 - 1), st.data())
def test_a_comma_out_of_place_is_refused(fen, data):
    text = f"{from_fen(fen):.2f}"  # 12345.67: no commas yet
    whole = text.split(".")[0]
    at = data.draw(st.integers(1, len(whole) - 1))
    if (len(whole) - at) % 3 == 0 and len(whole) - at == 3 and len(whole) <= 6:
        return  # the one place a single comma is right (12,345.67)
    moved = whole[:at] + data.draw(st.sampled_from([",", "，"])) + whole[at:] + "." + text.split(".")[1]
    try:
        parse_yuan(moved)
    except UserError as err:
        assert "千分位" in err.message, moved
    else:
        raise AssertionError(moved)


# ---- 档案编号 and 批次编号 (issue 16, items 11 and 14): a code accepted is one that can never act as a path ------

_CODE_TEXT = st.lists(st.sampled_from(list("HN0123-_./\\:*?<>|\"' aZ") + [
    "..", "//", "CON", "nul", "ＨＮ", "０", "琼", "〔", "（", "\u3000", "\x00", "\x1f", "\u200b", "𠮷", "é", "\n"]),
    max_size=20).map("".join)


@fuzz(400)
@given(st.one_of(_CODE_TEXT, TEXT))
def test_an_accepted_code_is_a_safe_folder_name_inside_the_attachments(raw):
    from pathlib import Path, PurePosixPath, PureWindowsPath

    from aiddesk.core.record_codes import check_archive_no, check_batch_code
    from aiddesk.services.stored_files import safe_folder_name, stored_path

    for check in (check_archive_no, check_batch_code):
        try:
            code = check(raw)
        except UserError as err:
            _chinese_message(err)
            continue
        assert check(code) == code  # normalised once and for all
        assert 1 <= len(code) <= 40 and safe_folder_name(code)
        assert not set(code) & set("/\\:.*?<>|\" \x00") and code.isprintable()
        assert not PurePosixPath(code).is_absolute() and not PureWindowsPath(code).drive
        root = Path("/srv/附件")
        assert stored_path(root, f"{code}/0123456789abcdef.jpg").parent.name == code
        if check is check_archive_no:
            assert not re.search("[a-z]", code)  # ASCII letters upper-case, as the office searches for them


# ---- regressions: each crash the fuzzers found, as a plain test -------------------------------------------

def test_an_amount_of_more_than_28_digits_is_refused_not_a_decimal_crash():
    for value in (1e30, 1e308, "123456789012345678901234567890", "9" * 6000):
        try:
            parse_money(value)
        except CellError as err:
            assert "太大" in err.message
        else:
            raise AssertionError(value)
    for text in ("1e30", "1e999999999999"):  # exponents are no way of writing an amount (issue 16, item 7)
        try:
            parse_money(text)
        except CellError as err:
            assert "不是金额" in err.message
        else:
            raise AssertionError(text)
    for text in ("123456789012345678901234567890", "12345678901"):
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
