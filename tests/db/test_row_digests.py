"""A record's digest stays what version 9 defined: every office's stored digests are compared with it."""

from __future__ import annotations

import hashlib
import json

import pytest

from aiddesk.db.row_digests import digest


def _as_defined(data: list) -> bytes:
    """SHA-256 of the compact JSON (UTF-8, non-ASCII kept), cut to 16 bytes: the definition in row_digests."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).digest()[:16]


FIELDS = [
    (7, "BC0100-2025-000001", "王小红", " wxh", " wang xiao hong", "46010019800101123X", None, 0, -150000),
    (8, 'a "quoted" \\ back\\slash', "line\nbreak\ttab\x01control", "𠀀 rare", "", 10 ** 20, 1.5, -0.0),
    (9, float("inf"), float("-inf"), True, False, "¥1,000.00", "\u2028\u2029"),
]


@pytest.mark.parametrize("values", FIELDS)
def test_an_aid_record_is_digested_as_the_compact_json_of_its_table_and_fields(values):
    assert digest("aid_records", values) == _as_defined(["aid_records", list(values)])


def test_a_household_is_digested_with_its_members_as_a_third_item():
    members = [(1, "李娜", "配偶", "460100198502021234", "女"), (2, "王强", "子", None, "男")]
    assert digest("households", FIELDS[0], members) == _as_defined(
        ["households", list(FIELDS[0]), [list(m) for m in members]])
    assert digest("households", FIELDS[0]) == _as_defined(["households", list(FIELDS[0]), []])
