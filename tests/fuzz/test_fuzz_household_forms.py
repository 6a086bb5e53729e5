"""Fuzzing the household form's checks with random households and members: a normalised copy or a
ValidationError of Chinese messages, never another exception.

Example counts are small so tests/fuzz/ runs in well under a minute; ``AIDDESK_FUZZ_EXAMPLES=50`` (a multiplier)
runs fifty times as many.
"""

from __future__ import annotations

import os
import re
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiddesk.core.errors import ValidationError
from aiddesk.core.household import Household, Member
from aiddesk.core.idcard import make_id
from aiddesk.services.archive_validation import validate_household

SCALE = max(1, int(os.environ.get("AIDDESK_FUZZ_EXAMPLES", "1")))
CHINESE = re.compile(r"[\u4e00-\u9fff]")
TODAY = date(2026, 11, 26)

TEXT = st.one_of(st.text(max_size=40), st.text(st.characters(codec=None, categories=["Cs", "Cc", "Lo"]), max_size=8),
                 st.sampled_from(["", " ", "\u3000", "𠮷𡘙𪚥", "王\x01芳", "王\ud800", "王芳", "男", "女", "汉族",
                                  "低保户", "下岗失业", "配偶", "子", "学生", "在档", "临时", "注销"]))
ID = st.one_of(TEXT, st.builds(lambda d, s: make_id("460100", d, s), st.dates(date(1900, 1, 1), date(2030, 1, 1)),
                               st.integers(0, 999)),
               st.sampled_from(["46010019750302003", "４６０１００１９７５０３０２００３１"]))
MONEY = st.one_of(st.none(), st.decimals(allow_nan=True, allow_infinity=True),
                  st.decimals(min_value=-10 ** 12, max_value=10 ** 12, places=2))
DATE = st.one_of(st.none(), st.dates(date(1800, 1, 1), date(2100, 1, 1)))
MEMBER = st.builds(Member, name=TEXT, relation=TEXT, id_number=ID, gender=TEXT, birth_date=DATE, health=TEXT,
                   identity=TEXT, monthly_income=MONEY, employer_or_school=TEXT)
HOUSEHOLD = st.builds(
    Household, name=TEXT, id_number=ID, gender=TEXT, birth_date=DATE, ethnicity=TEXT, phone=TEXT, address=TEXT,
    unit_code=st.sampled_from(["", "460001", "𠮷"]), hukou_area_code=TEXT, monthly_income=MONEY,
    other_annual_income=MONEY, rigid_expenses=MONEY, hardship_costs=MONEY, hardship_category=TEXT, main_cause=TEXT,
    secondary_causes=st.lists(TEXT, max_size=5), bank_name=TEXT, bank_card=TEXT, created_date=DATE,
    archive_status=TEXT, household_size=st.integers(-5, 50), note=TEXT, members=st.lists(MEMBER, max_size=4))


@settings(max_examples=300 * SCALE, deadline=None)
@given(HOUSEHOLD)
def test_validate_household_never_crashes(h):
    try:
        clean, warnings = validate_household(h, today=TODAY)
    except ValidationError as err:
        assert err.problems
        for message in err.problems.values():
            assert CHINESE.search(message), message
        return
    assert clean.name and clean.name == clean.name.strip()
    for text in (clean.name, clean.address, clean.note, *(m.name for m in clean.members)):
        text.encode("utf-8")  # storable: no lone surrogate left
        assert not any(c < " " and c not in "\t\n\r" for c in text)
    assert all(isinstance(w, str) for w in warnings)


@pytest.mark.parametrize("amount", [Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity"), Decimal("1e40")])
def test_a_nan_or_infinite_income_is_a_problem_not_a_decimal_crash(make_household, amount):
    """Regression: ``Decimal('NaN') < 0`` raised InvalidOperation out of the form check."""
    h = make_household(1, monthly_income=amount)
    h.members[0].monthly_income = amount
    with pytest.raises(ValidationError) as err:
        validate_household(h, today=TODAY)
    assert set(err.value.problems) >= {"monthly_income", "members.1.monthly_income"}


def test_free_text_is_trimmed_as_the_import_trims_it(make_household):
    """Regression: an address ending in an ideographic space came back without it after export and import."""
    h = make_household(1, address="海口市𠮷路\u3000", note=" 备注 ")
    h.members[0].employer_or_school = "\u3000海南大学"
    clean, _ = validate_household(h, today=TODAY)
    assert (clean.address, clean.note, clean.members[0].employer_or_school) == ("海口市𠮷路", "备注", "海南大学")


def test_control_characters_and_lone_surrogates_are_dropped_from_free_text(make_household):
    """Regression: a lone surrogate (a broken paste) made saving fail with UnicodeEncodeError in SQLite, and a
    control character was silently dropped by the export, so the record did not read back the same."""
    h = make_household(1, name="王\ud800芳", address="海口\x01市", note="甲\x0b乙\n丙")
    h.members[0].name = "李\x1f四"
    clean, _ = validate_household(h, today=TODAY)
    assert (clean.name, clean.address, clean.note, clean.members[0].name) == ("王芳", "海口市", "甲乙\n丙", "李四")
