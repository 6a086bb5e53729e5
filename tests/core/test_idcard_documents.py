"""The other documents a 身份证号 column holds: 港澳台居民居住证 and the 2023 外国人永久居留身份证, each known as its kind."""

from datetime import date

import pytest

from aiddesk.core.errors import UserError
from aiddesk.core.idcard import RESIDENT, check_digit, is_valid, kind_of, make_id, parse_id

TODAY = date(2026, 11, 26)


def numbered(first17: str) -> str:
    return first17 + check_digit(first17)


# Published sample numbers: the residence permits' from 北京市公安局's specimen (as quoted by id-validator), the
# permanent residence cards' from 国家移民管理局's 新版外国人永久居留身份证适配性改造要点, 表1 (a Saudi man who
# applied in Jiangsu, a Canadian woman who applied in Beijing).
@pytest.mark.parametrize(("number", "kind", "birth", "gender", "area"), [
    ("810000199408230021", "港澳居民居住证", date(1994, 8, 23), "女", "810000"),
    ("830000199201300022", "台湾居民居住证", date(1992, 1, 30), "女", "830000"),
    ("932682198501010017", "外国人永久居留身份证", date(1985, 1, 1), "男", ""),
    ("911124198108030024", "外国人永久居留身份证", date(1981, 8, 3), "女", ""),
])
def test_each_published_sample_is_accepted_as_its_kind_with_birth_date_and_sex(number, kind, birth, gender, area):
    info = parse_id(number, today=TODAY)
    assert (info.number, info.kind, info.birth_date, info.gender, info.area_code) == (number, kind, birth, gender, area)
    assert kind_of(number) == kind
    assert is_valid(number, "20261126")  # the import's quick test takes them as they are


def test_a_macau_permit_is_a_hong_kong_and_macau_permit_and_typed_loosely_it_is_normalised():
    number = numbered("82000020010203004")
    assert parse_id(number, today=TODAY).kind == "港澳居民居住证"
    assert parse_id(f" {number[:6]} {number[6:].lower()}\u3000", today=TODAY).number == number


def test_ordinary_numbers_are_resident_ids():
    number = make_id("460100", date(1990, 1, 1), 123)
    assert parse_id(number, today=TODAY).kind == RESIDENT == "居民身份证"
    assert kind_of(number) == RESIDENT
    assert kind_of("") == RESIDENT and kind_of("830000") == RESIDENT  # not a whole number: no permit either


def test_only_830000_opens_the_83_prefix_so_other_83_numbers_are_still_refused():
    # 83 is no province (台湾省 is 71): only a permit's exact prefix stands in for one.
    for first6 in ("831234", "830001", "830100"):
        with pytest.raises(UserError) as err:
            parse_id(numbered(first6 + "19920130002"), today=TODAY)
        assert err.value.message == "身份证号前两位“83”不是有效的省级行政区划代码"
        assert not is_valid(numbered(first6 + "19920130002"), "20261126")
    with pytest.raises(UserError, match="前两位“83”"):
        parse_id("830000920130002", today=TODAY)  # the permits were never numbered with 15 digits


@pytest.mark.parametrize(("number", "message"), [
    ("830000199201300023", "台湾居民居住证号码校验位错误：最后一位应为2，现在是3，请核对号码"),
    ("810000199402300021", "港澳居民居住证号码中的出生日期19940230不存在，请核对第7–14位"),
    ("932682198501010018", "外国人永久居留身份证号码校验位错误：最后一位应为7，现在是8，请核对号码"),
    ("932682202701010017", "外国人永久居留身份证号码中的出生日期在今天之后"),
    ("900682198501010017", "外国人永久居留身份证号码第2–3位“00”应为受理地的省级行政区划代码，请核对号码"),
])
def test_a_wrong_permit_number_is_explained_in_the_documents_own_name(number, message):
    with pytest.raises(UserError) as err:
        parse_id(number, today=TODAY)
    assert err.value.message == message and err.value.field == "id_number"
    assert not is_valid(number, "20261126")


def test_a_foreign_card_applied_for_in_any_province_is_accepted():
    for province in ("11", "32", "46", "65"):
        number = numbered(f"9{province}" "840" "19991231" "035")  # nationality 840, sequence 035 (odd: 男)
        info = parse_id(number, today=TODAY)
        assert info.kind == "外国人永久居留身份证" and info.birth_date == date(1999, 12, 31) and info.gender == "男"
