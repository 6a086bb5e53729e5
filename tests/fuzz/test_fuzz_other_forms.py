"""Fuzzing the other form checks of the services and core (batches, SMS templates): a value or a Chinese
UserError, never another exception.

Example counts are small so tests/fuzz/ runs in well under a minute; ``AIDDESK_FUZZ_EXAMPLES=50`` (a multiplier)
runs fifty times as many.
"""

from __future__ import annotations

import os
import re
from decimal import Decimal

import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from aiddesk.core.batch import Batch
from aiddesk.core.errors import UserError, ValidationError
from aiddesk.core.sms import check_template
from aiddesk.services.batches import _validate_batch

SCALE = max(1, int(os.environ.get("AIDDESK_FUZZ_EXAMPLES", "1")))
CHINESE = re.compile(r"[\u4e00-\u9fff]")
TEXT = st.one_of(st.text(max_size=30), st.sampled_from(["", "送温暖", "金秋助学", "省总工会经费", "本科", "新生",
                                                        "{姓名}", "｛姓名｝", "{", "}}", "𠮷"]))
# NaN, infinities and absurd sizes too: the CLI and later callers are not limited to the form's spin boxes.
MONEY = st.one_of(st.none(), st.decimals(min_value=-10 ** 9, max_value=10 ** 9, places=2),
                  st.decimals(allow_nan=True, allow_infinity=True))

STANDARDS = st.dictionaries(st.tuples(TEXT, TEXT), MONEY.filter(lambda m: m is not None), max_size=3)


@settings(max_examples=200 * SCALE, deadline=None)
@given(st.builds(Batch, name=TEXT, activity=TEXT, year=st.integers(-10 ** 6, 10 ** 6),
                 fund_sources=st.lists(TEXT, max_size=3), standard=MONEY, student_standards=STANDARDS,
                 plan_approval_kind=TEXT))
def test_validate_batch_never_crashes(batch):
    try:
        _validate_batch(batch, sources=["省总工会经费", "市总工会经费"])
    except UserError as err:
        assert CHINESE.search(err.message), err.message


@settings(max_examples=300 * SCALE, deadline=None)
@given(st.one_of(st.text(), st.lists(TEXT, max_size=8).map("".join)))
def test_sms_template_check_never_crashes(text):
    try:
        clean = check_template(text)
    except UserError as err:
        assert CHINESE.search(err.message), err.message
        return
    assert check_template(clean) == clean


def test_a_nan_standard_is_a_problem_not_a_decimal_crash():
    """Regression: ``Decimal('NaN') <= 0`` raised InvalidOperation out of the batch form check."""
    batch = Batch(name="送温暖", activity="送温暖", year=2026, fund_sources=["省总工会经费"],
                  standard=Decimal("NaN"), student_standards={("本科", "新生"): Decimal("sNaN")})
    with pytest.raises(ValidationError) as err:
        _validate_batch(batch, sources=["省总工会经费"])
    assert set(err.value.problems) == {"standard", "student_standards"}
    assert "不是金额" in err.value.problems["standard"]
