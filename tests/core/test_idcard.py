"""Tests for aiddesk.core.idcard (GB 11643-1999 ID numbers)."""

import json
from datetime import date

import pytest

from aiddesk.core.errors import UserError
from aiddesk.core.idcard import (
    IdInfo,
    birth_and_gender,
    check_digit,
    cross_check,
    is_valid,
    make_id,
    parse_id,
    provinces,
)
from aiddesk.paths import resource

TODAY = date(2024, 6, 1)

# Check digits computed by hand: sum(digit * weight) mod 11 → "10X98765432".
#   11010519491231002: 167 mod 11 = 2 → X  (the standard's own example)
#   13050319670401001: 182 mod 11 = 6 → 6
#   46010019900101123: 188 mod 11 = 1 → 0
#   44052418800101001: valid check digit 4, but born 1880


@pytest.mark.parametrize(
    ("first17", "expected"),
    [
        ("11010519491231002", "X"),
        ("13050319670401001", "6"),
        ("46010019900101123", "0"),
        ("44052418800101001", "4"),
    ],
)
def test_check_digit(first17, expected):
    assert check_digit(first17) == expected


@pytest.mark.parametrize(
    "bad", ["1101051949123100", "110105194912310021", "1101051949123100X", "１１０１０５１９４９１２３１００２"]
)
def test_check_digit_rejects_non_17_digits(bad):
    with pytest.raises(ValueError):
        check_digit(bad)


@pytest.mark.parametrize(
    ("raw", "number", "birth", "gender", "area", "upgraded"),
    [
        ("11010519491231002X", "11010519491231002X", date(1949, 12, 31), "女", "110105", False),
        ("11010519491231002x", "11010519491231002X", date(1949, 12, 31), "女", "110105", False),
        ("１１０１０５１９４９１２３１００２ｘ", "11010519491231002X", date(1949, 12, 31), "女", "110105", False),
        (" 110105 19491231 002X ", "11010519491231002X", date(1949, 12, 31), "女", "110105", False),
        ("110105\t1949\u00a01231\u3000002x", "11010519491231002X", date(1949, 12, 31), "女", "110105", False),
        ("130503196704010016", "130503196704010016", date(1967, 4, 1), "男", "130503", False),
        ("460100199001011230", "460100199001011230", date(1990, 1, 1), "男", "460100", False),
        # Legacy 15-digit numbers: "19" inserted after the area code, check digit appended.
        ("110105491231002", "11010519491231002X", date(1949, 12, 31), "女", "110105", True),
        ("130503670401001", "130503196704010016", date(1967, 4, 1), "男", "130503", True),
        ("１３０５０３ ６７０４０１ ００１", "130503196704010016", date(1967, 4, 1), "男", "130503", True),
    ],
)
def test_parse_valid(raw, number, birth, gender, area, upgraded):
    info = parse_id(raw, today=TODAY)
    assert info == IdInfo(
        number=number, birth_date=birth, gender=gender, area_code=area, upgraded_from_15=upgraded
    )


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "请填写身份证号"),
        ("  \u3000 ", "请填写身份证号"),
        ("11010519491231002", "身份证号应为18位（或旧版15位），现在是17位"),
        ("1101051949123100211", "身份证号应为18位（或旧版15位），现在是19位"),
        ("1101051949", "身份证号应为18位（或旧版15位），现在是10位"),
        ("11010519491231002Y", "身份证号只能包含数字，最后一位可以是X"),
        ("110105-19491231-002X", "身份证号只能包含数字，最后一位可以是X"),
        ("1101051949X231002X", "身份证号只能包含数字，最后一位可以是X"),
        ("11010549123100X", "旧版15位身份证号全部是数字，最后一位不能是X；请核对号码或改填18位新号码"),
        ("110105194912310025", "身份证号校验位错误：最后一位应为X，现在是5，请核对号码"),
        ("46010019900101123X", "身份证号校验位错误：最后一位应为0，现在是X，请核对号码"),
        ("130503196704010017", "身份证号校验位错误：最后一位应为6，现在是7，请核对号码"),
        ("460100199002301230", "身份证号中的出生日期19900230不存在，请核对第7–14位"),
        ("460100199013011230", "身份证号中的出生日期19901301不存在，请核对第7–14位"),
        ("460100190002291230", "身份证号中的出生日期19000229不存在，请核对第7–14位"),  # 1900 was no leap year
        ("460100900230123", "身份证号中的出生日期19900230不存在，请核对第7–12位"),
        ("460100202406021230", "身份证号中的出生日期在今天之后"),
        ("440524188001010014", "身份证号中的出生日期18800101早于1900年，请核对第7–14位"),
        ("101234199001011234", "身份证号前两位“10”不是有效的省级行政区划代码"),
        # 9 leads a foreigner's permanent residence card, whose 2nd–3rd digits name the province it was applied in
        ("991234199001011234", "外国人永久居留身份证号码第2–3位“91”应为受理地的省级行政区划代码，请核对号码"),
        ("991234900101123", "身份证号前两位“99”不是有效的省级行政区划代码"),
    ],
)
def test_parse_errors(raw, message):
    with pytest.raises(UserError) as err:
        parse_id(raw, today=TODAY)
    assert str(err.value) == message
    assert err.value.field == "id_number"


def test_birth_today_is_accepted():
    number = make_id("460100", TODAY, 1)
    assert parse_id(number, today=TODAY).birth_date == TODAY


def test_earliest_birth_is_accepted():
    number = make_id("110105", date(1900, 1, 1), 2)
    assert parse_id(number, today=TODAY).birth_date == date(1900, 1, 1)


def test_a_birth_date_after_the_day_given_is_refused():
    with pytest.raises(UserError, match="在今天之后"):
        parse_id(make_id("110105", date(2024, 6, 2), 1), today=TODAY)
    assert parse_id(make_id("110105", date(2024, 6, 1), 1), today=TODAY).birth_date == TODAY


def test_province_list():
    expected = {
        *map(str, range(11, 16)), *map(str, range(21, 24)), *map(str, range(31, 38)),
        *map(str, range(41, 47)), *map(str, range(50, 55)), *map(str, range(61, 66)),
        "71", "81", "82",
    }
    assert set(provinces()) == expected
    assert len(expected) == 34
    assert provinces()["11"] == "北京市"
    assert provinces()["46"] == "海南省"
    assert all(provinces().values())
    # The data file is what the code reads.
    with open(resource("codes", "id_provinces.json"), encoding="utf-8") as f:
        assert set(json.load(f)) - {"_comment"} == expected


@pytest.mark.parametrize("code", sorted(provinces()))
def test_every_province_parses(code):
    number = make_id(code + "0000", date(1980, 5, 6), 7)
    assert parse_id(number, today=TODAY).area_code == code + "0000"


@pytest.mark.parametrize(
    ("area", "birth", "seq", "gender"),
    [
        ("110105", date(1949, 12, 31), 2, "女"),
        ("460100", date(1990, 1, 1), 123, "男"),
        ("820100", date(2000, 2, 29), 0, "女"),  # 820000 itself is a 港澳居民居住证 (tests/core/test_idcard_documents.py)
        ("650102", date(1900, 1, 1), 999, "男"),
        ("330106", date(2024, 6, 1), 10, "女"),
    ],
)
def test_make_id_round_trip(area, birth, seq, gender):
    number = make_id(area, birth, seq)
    assert len(number) == 18
    assert number[14:17] == f"{seq:03d}"
    info = parse_id(number, today=TODAY)
    assert info == IdInfo(number, birth, gender, area, False)


def test_make_id_matches_known_numbers():
    assert make_id("110105", date(1949, 12, 31), 2) == "11010519491231002X"
    assert make_id("130503", date(1967, 4, 1), 1) == "130503196704010016"


@pytest.mark.parametrize(
    ("area", "birth", "seq"),
    [
        ("11010", date(1990, 1, 1), 1),
        ("11010A", date(1990, 1, 1), 1),
        ("990000", date(1990, 1, 1), 1),
        ("110105", date(1990, 1, 1), -1),
        ("110105", date(1990, 1, 1), 1000),
        ("110105", date(1899, 12, 31), 1),
    ],
)
def test_make_id_rejects_bad_arguments(area, birth, seq):
    with pytest.raises(ValueError):
        make_id(area, birth, seq)


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("460100199001011234", "460100********1234"),
        ("11010519491231002X", "110105********002X"),
        ("11010519491231002x", "110105********002X"),
        ("110105491231002", "110105*****1002"),
        ("1234567890", "**********"),
        ("", ""),
    ],
)
def test_mask_id(number, masked):
    from aiddesk.core.masking import mask_id_number

    assert mask_id_number(number) == masked


MALE_1967 = parse_id("130503196704010016", today=TODAY)


@pytest.mark.parametrize(
    ("gender", "birth", "warnings"),
    [
        (None, None, []),
        ("", None, []),
        ("男", date(1967, 4, 1), []),
        ("女", None, ["性别填的是“女”，但身份证号显示为男"]),
        (None, date(1967, 4, 2), ["出生日期填的是1967-04-02，但身份证号显示为1967-04-01"]),
        (
            "女",
            date(1976, 4, 1),
            ["性别填的是“女”，但身份证号显示为男", "出生日期填的是1976-04-01，但身份证号显示为1967-04-01"],
        ),
    ],
)
def test_cross_check(gender, birth, warnings):
    assert cross_check(MALE_1967, gender=gender, birth_date=birth) == warnings


GB_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # as printed in GB 11643-1999


def test_check_digit_agrees_with_the_standards_weights_on_random_numbers():
    import random

    rng = random.Random(11643)
    for _ in range(20_000):
        first17 = "".join(rng.choice("0123456789") for _ in range(17))
        total = sum(int(d) * w for d, w in zip(first17, GB_WEIGHTS))
        assert check_digit(first17) == "10X98765432"[total % 11], first17


@pytest.mark.parametrize("number", [
    "11010519491231002X",                    # the standard's own example
    make_id("460100", date(1990, 1, 1), 123),
    make_id("130503", date(2024, 6, 1), 7),  # born today
])
def test_is_valid_accepts_clean_numbers_parse_id_accepts(number):
    assert is_valid(number, TODAY.strftime("%Y%m%d"))
    assert parse_id(number, today=TODAY).number == number


@pytest.mark.parametrize("number", [
    "11010519491231002x",                    # lower-case x: parse_id normalises it, the quick test does not
    " 11010519491231002X",                   # a space
    "110105194912310021",                    # wrong check digit
    "110105491231002",                       # 15 digits
    "99010019900101001" + check_digit("99010019900101001"),  # no such province
    "44052418800101001" + check_digit("44052418800101001"),  # born 1880
    "46010019900230123" + check_digit("46010019900230123"),  # 30 February
    "46010020240602001" + check_digit("46010020240602001"),  # born tomorrow
    "１１０１０５１９４９１２３１００２Ｘ",  # full-width digits
    "",
])
def test_is_valid_sends_everything_else_to_parse_id(number):
    assert not is_valid(number, TODAY.strftime("%Y%m%d"))


def test_is_valid_agrees_with_parse_id_on_random_numbers():
    import random

    rng = random.Random(7)
    codes = list(provinces())
    today = TODAY.strftime("%Y%m%d")
    for _ in range(5_000):
        first17 = (rng.choice(codes + ["99", "00"]) + "0100" + str(rng.randint(1890, 2030))
                   + f"{rng.randint(0, 13):02d}{rng.randint(0, 32):02d}" + f"{rng.randint(0, 999):03d}")
        number = first17 + rng.choice([check_digit(first17), rng.choice("0123456789X")])
        try:
            parse_id(number, today=TODAY)
            expected = True
        except UserError:
            expected = False
        assert is_valid(number, today) is expected, number


def test_birth_and_gender():
    assert birth_and_gender("11010519491231002X") == (date(1949, 12, 31), "女")
    assert birth_and_gender(make_id("460100", date(1990, 1, 1), 123)) == (date(1990, 1, 1), "男")
