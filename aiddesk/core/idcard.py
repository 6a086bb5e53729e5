"""ID numbers (GB 11643-1999, and the permits numbered alike): parse, check, tell the kind, build and mask."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache

from ..paths import resource
from .errors import UserError
from .text import normalise

FIELD = "id_number"
RESIDENT = "居民身份证"  # the kind of every number that is not one of the documents in id_documents.json

# ISO 7064 MOD 11-2 as specified by GB 11643-1999: weight of position i is 2**(17-i) mod 11 (see _weighted).
_CHECK_CHARS = "10X98765432"  # indexed by the weighted sum mod 11

_EARLIEST_BIRTH = date(1900, 1, 1)
_SHAPE = re.compile(r"[0-9]*X?")  # digits, optionally ending in X


@dataclass(frozen=True)
class IdInfo:
    """What an ID number says about its holder."""

    number: str  # normalised 18-character form (upgraded if entered as 15 digits)
    birth_date: date
    gender: str  # "男" or "女"
    area_code: str  # first 6 digits ("" for a foreigner's permanent residence card: they name no 户口所在地)
    upgraded_from_15: bool
    kind: str = RESIDENT  # 居民身份证, 港澳居民居住证, 台湾居民居住证 or 外国人永久居留身份证 (kind_of)


@cache
def provinces() -> dict[str, str]:
    """Province-level codes (first two ID digits) → Chinese name."""
    with open(resource("codes", "id_provinces.json"), encoding="utf-8") as f:
        data = json.load(f)
    return {k: v for k, v in data.items() if not k.startswith("_")}


@dataclass(frozen=True)
class _Documents:
    permits: dict[str, str]  # 810000/820000/830000 → 港澳居民居住证 / 台湾居民居住证
    lead: str                # the first digit of a foreigner's permanent residence card (9)
    foreigner: str           # its name


@cache
def _documents() -> _Documents:
    with open(resource("codes", "id_documents.json"), encoding="utf-8") as f:
        data = json.load(f)
    return _Documents(dict(data["residence_permits"]), data["foreigner_lead"], data["foreigner"])


def kind_of(number: str) -> str:
    """What document an 18-character number belongs to, by its first digits (居民身份证 for every other number)."""
    docs = _documents()
    if len(number) == 18:
        permit = docs.permits.get(number[:6])
        if permit:
            return permit
        if number[:1] == docs.lead:
            return docs.foreigner
    return RESIDENT


def _known_start(number: str) -> bool:
    """Whether an 18-character number starts as one of the documents does: a province, a permit's prefix, or a
    foreigner's card (9, then the province where it was applied for)."""
    if number[:2] in provinces():  # nearly every number: no 9 begins a province's code
        return True
    docs = _documents()
    return number[1:3] in provinces() if number[:1] == docs.lead else number[:6] in docs.permits


def check_digit(first17: str) -> str:
    """The 18th character for the given first 17 digits ('0'–'9' or 'X')."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError(f"check_digit needs 17 ASCII digits, got {first17!r}")
    return _CHECK_CHARS[_weighted(first17)]


def _weighted(first17: str) -> int:
    """The weighted sum of 17 ASCII digits mod 11, in one C call (an import checks 100 000 of these).

    The weight of digit i is 2**(17-i) mod 11. Read in base 13, the digits give sum(d_i * 13**(16-i)),
    and 13 ≡ 2 (mod 11), so twice that number ≡ sum(d_i * 2**(17-i)): the weighted sum, mod 11.
    """
    return 2 * int(first17, 13) % 11


def is_valid(number: str, today: str) -> bool:
    """Whether ``number`` is already a clean, valid 18-character ID number for someone born by ``today``
    (YYYYMMDD): the quick test for the many numbers an import reads. Anything else (spaces, 15 digits, any
    mistake) goes through :func:`parse_id`, which says what is wrong."""
    return (len(number) == 18 and number.isascii() and number[:17].isdigit()
            and _CHECK_CHARS[_weighted(number[:17])] == number[17]
            and _known_start(number) and _birth_ok(number[6:14]) and number[6:14] <= today)


@lru_cache(maxsize=65536)
def _birth_ok(digits: str) -> bool:
    """An existing date, YYYYMMDD, not before 1900 (whether it is in the future is the caller's test)."""
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:])) >= _EARLIEST_BIRTH
    except ValueError:
        return False


def birth_and_gender(number: str) -> tuple[date, str]:
    """The birth date and gender a valid 18-character number carries (see :func:`is_valid`)."""
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14])), "男" if int(number[16]) % 2 else "女"


def _fail(message: str) -> UserError:
    return UserError(message, field=FIELD)


def parse_id(raw: str, *, today: date) -> IdInfo:
    """Check an ID number as typed or pasted and return what it says.

    Accepts 18 characters or a legacy 15-digit number (upgraded to 18): a resident ID, a 港澳台居民居住证 or a
    外国人永久居留身份证 (:func:`kind_of`), all with the same date, sex and check digit rules.
    Raises ``UserError`` (field ``id_number``) with a message saying what to fix.
    """
    number = normalise(raw or "").upper()
    if not number:
        raise _fail("请填写身份证号")
    # Shape before length: a pasted "1101-05…" is better explained as a bad
    # character than as a wrong length.
    if not _SHAPE.fullmatch(number):
        raise _fail("身份证号只能包含数字，最后一位可以是X")
    if len(number) not in (15, 18):
        raise _fail(f"身份证号应为18位（或旧版15位），现在是{len(number)}位")
    legacy = len(number) == 15
    if legacy and number.endswith("X"):
        raise _fail("旧版15位身份证号全部是数字，最后一位不能是X；请核对号码或改填18位新号码")

    kind = RESIDENT if legacy else kind_of(number)  # the permits were never numbered with 15 digits
    what = "身份证号" if kind == RESIDENT else f"{kind}号码"
    province = number[:2]
    if kind == _documents().foreigner:
        if number[1:3] not in provinces():
            raise _fail(f"{what}第2–3位“{number[1:3]}”应为受理地的省级行政区划代码，请核对号码")
    elif kind == RESIDENT and province not in provinces():
        # Only the permits' exact prefixes pass without a province: 830000 is 台湾居民居住证, 831234 no number.
        raise _fail(f"身份证号前两位“{province}”不是有效的省级行政区划代码")

    # Legacy numbers carry a 2-digit year; all were issued to people born 19YY.
    birth_text = "19" + number[6:12] if legacy else number[6:14]
    positions = "第7–12位" if legacy else "第7–14位"
    try:
        birth = date(int(birth_text[:4]), int(birth_text[4:6]), int(birth_text[6:]))
    except ValueError:
        raise _fail(f"{what}中的出生日期{birth_text}不存在，请核对{positions}") from None
    if birth > today:
        raise _fail(f"{what}中的出生日期在今天之后")
    if birth < _EARLIEST_BIRTH:
        raise _fail(f"{what}中的出生日期{birth_text}早于1900年，请核对{positions}")

    # Date before check digit: a typo in the date trips both, and the date
    # message points at the exact digits to look at.
    if legacy:
        first17 = number[:6] + "19" + number[6:]
        number = first17 + check_digit(first17)
    else:
        expected = check_digit(number[:17])
        if number[17] != expected:
            raise _fail(
                f"{what}校验位错误：最后一位应为{expected}，现在是{number[17]}，请核对号码"
            )

    return IdInfo(
        number=number,
        birth_date=birth,
        gender="男" if int(number[16]) % 2 else "女",
        area_code="" if kind == _documents().foreigner else number[:6],
        upgraded_from_15=legacy,
        kind=kind,
    )


def make_id(area_code: str, birth: date, seq: int) -> str:
    """A valid 18-digit number (demo data and tests); ``seq`` 0–999, odd = 男."""
    if len(area_code) != 6 or not area_code.isascii() or not area_code.isdigit():
        raise ValueError(f"area_code must be 6 digits, got {area_code!r}")
    if area_code[:2] not in provinces():
        raise ValueError(f"area_code {area_code!r} has no valid province prefix")
    if not 0 <= seq <= 999:
        raise ValueError(f"seq must be 0–999, got {seq}")
    if birth < _EARLIEST_BIRTH:
        raise ValueError(f"birth {birth} is before 1900 and would not parse")
    first17 = f"{area_code}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_digit(first17)


def cross_check(info: IdInfo, *, gender: str | None, birth_date: date | None) -> list[str]:
    """Warnings where separately entered gender / birth date disagree with the ID."""
    warnings: list[str] = []
    if gender and gender != info.gender:
        warnings.append(f"性别填的是“{gender}”，但身份证号显示为{info.gender}")
    if birth_date is not None and birth_date != info.birth_date:
        warnings.append(
            f"出生日期填的是{birth_date.isoformat()}，"
            f"但身份证号显示为{info.birth_date.isoformat()}"
        )
    return warnings
