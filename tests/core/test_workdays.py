"""Working days for 公示 across 春节 and 国庆 2025/2026, unknown years and the user's own entries."""

import json
from datetime import date as D

import pytest

import aiddesk.core.workdays as workdays
from aiddesk.core.errors import UserError
from aiddesk.core.income import available_rule_sets
from aiddesk.core.workdays import (
    KNOWN_YEARS,
    Calendar,
    MaskPattern,
    NoticeRules,
    load_notice_rules,
    notice_end,
    notice_over,
    notice_warnings,
    working_days_between,
)

PLAIN = Calendar()
# 2027 as the user would enter it (dates made up for the tests, not an official arrangement).
USER_2027 = Calendar(
    extra_holidays=frozenset({D(2027, 1, 1)}),
    extra_workdays=frozenset({D(2027, 1, 9)}),  # a Saturday
)
WARN_2027 = "2027年的法定节假日安排尚未收录，请在“设置 → 节假日”中录入，否则按周一至周五计算工作日"


def test_package_data_ends_in_2026():
    # Several cases below rely on 2027 being unknown to chinese_calendar; when an
    # upgrade brings 2027, move those cases to the next unknown year.
    assert KNOWN_YEARS == range(2004, 2027)


# Literals checked against the 国务院办公厅 arrangements for 2025 and 2026
# (国办发明电〔2024〕12号, 〔2025〕7号) as chinese_calendar 1.11 has them.
@pytest.mark.parametrize(
    ("day", "workday"),
    [
        # 春节 2025: 1月28日–2月4日 off; 1月26日 (Sunday) and 2月8日 (Saturday) worked
        (D(2025, 1, 25), False),
        (D(2025, 1, 26), True),
        (D(2025, 1, 27), True),
        (D(2025, 1, 28), False),
        (D(2025, 2, 4), False),
        (D(2025, 2, 5), True),
        (D(2025, 2, 8), True),
        (D(2025, 2, 9), False),
        # 国庆 2025 (with 中秋): 10月1日–8日 off; 9月28日 (Sunday) and 10月11日 (Saturday) worked
        (D(2025, 9, 28), True),
        (D(2025, 10, 1), False),
        (D(2025, 10, 8), False),
        (D(2025, 10, 9), True),
        (D(2025, 10, 11), True),
        (D(2025, 10, 12), False),
        # 元旦 2026: 1月1日–3日 off; 1月4日 (Sunday) worked
        (D(2026, 1, 3), False),
        (D(2026, 1, 4), True),
        # 春节 2026: 2月15日–23日 off (9 days); 2月14日 and 2月28日 (Saturdays) worked
        (D(2026, 2, 14), True),
        (D(2026, 2, 15), False),
        (D(2026, 2, 16), False),
        (D(2026, 2, 23), False),  # a Monday
        (D(2026, 2, 24), True),
        (D(2026, 2, 28), True),
        (D(2026, 3, 1), False),
        # 中秋 2026: 9月25日–27日 off; 国庆 2026: 10月1日–7日 off; 9月20日 (Sunday) and 10月10日 (Saturday) worked
        (D(2026, 9, 20), True),
        (D(2026, 9, 25), False),
        (D(2026, 9, 28), True),
        (D(2026, 10, 1), False),
        (D(2026, 10, 7), False),
        (D(2026, 10, 8), True),
        (D(2026, 10, 10), True),
        (D(2026, 10, 11), False),
        # after the package's last entry (10月10日) 2026 is still known: an ordinary week
        (D(2026, 12, 31), True),
        (D(2026, 12, 26), False),
        # unknown year: Monday–Friday
        (D(2027, 1, 1), True),
        (D(2027, 1, 2), False),
    ],
)
def test_is_workday(day, workday):
    assert PLAIN.is_workday(day) is workday


@pytest.mark.parametrize(
    ("start", "days", "cal", "end"),
    [
        # across 春节 2025, including the 调休 Sunday 1月26日
        (D(2025, 1, 24), 5, PLAIN, D(2025, 2, 6)),
        # start on a holiday: counting begins 2月5日, takes in the 调休 Saturday 2月8日
        (D(2025, 1, 28), 5, PLAIN, D(2025, 2, 10)),
        # across 国庆 2025, including 9月28日
        (D(2025, 9, 26), 5, PLAIN, D(2025, 10, 9)),
        (D(2025, 10, 4), 5, PLAIN, D(2025, 10, 14)),
        # ordinary weekend start
        (D(2025, 3, 8), 5, PLAIN, D(2025, 3, 14)),
        (D(2025, 3, 10), 1, PLAIN, D(2025, 3, 10)),
        (D(2025, 3, 8), 1, PLAIN, D(2025, 3, 10)),
        # across 元旦 2026 and the year end
        (D(2025, 12, 31), 5, PLAIN, D(2026, 1, 7)),
        # across 春节 2026 (2月14日 worked, 15日–23日 off) and its second 调休 Saturday
        (D(2026, 2, 12), 5, PLAIN, D(2026, 2, 25)),
        (D(2026, 2, 25), 5, PLAIN, D(2026, 3, 2)),
        # across 中秋 and 国庆 2026
        (D(2026, 9, 18), 5, PLAIN, D(2026, 9, 23)),
        (D(2026, 9, 24), 5, PLAIN, D(2026, 10, 8)),
        (D(2026, 10, 8), 5, PLAIN, D(2026, 10, 13)),
        # 2027 unknown: Monday–Friday only
        (D(2027, 1, 1), 5, PLAIN, D(2027, 1, 7)),
        (D(2027, 1, 7), 5, PLAIN, D(2027, 1, 13)),
        # 2027 with the user's holiday (1月1日) and 调休 Saturday (1月9日)
        (D(2027, 1, 1), 5, USER_2027, D(2027, 1, 8)),
        (D(2027, 1, 7), 5, USER_2027, D(2027, 1, 12)),
        # the user's entries win in a known year too
        (D(2025, 10, 8), 1, Calendar(extra_workdays=frozenset({D(2025, 10, 8)})), D(2025, 10, 8)),
        (D(2025, 3, 10), 1, Calendar(extra_holidays=frozenset({D(2025, 3, 10)})), D(2025, 3, 11)),
    ],
)
def test_notice_end(start, days, cal, end):
    assert notice_end(start, days, cal) == end


@pytest.mark.parametrize("days", [0, -1, True, 1.5, "5", None])
def test_notice_end_needs_at_least_one_working_day(days):
    with pytest.raises(UserError, match="^公示天数至少为1个工作日$"):
        notice_end(D(2025, 3, 10), days, PLAIN)


@pytest.mark.parametrize(
    ("start", "end", "count"),
    [
        (D(2025, 1, 27), D(2025, 2, 7), 4),  # 1月27日 + 2月5–7日
        (D(2025, 10, 1), D(2025, 10, 31), 18),  # 23 weekdays − 6 off + 10月11日
        (D(2026, 2, 1), D(2026, 2, 28), 16),  # 20 weekdays − 6 off + 2月14日, 28日
        (D(2025, 3, 10), D(2025, 3, 10), 1),
        (D(2025, 3, 8), D(2025, 3, 9), 0),
        (D(2025, 3, 14), D(2025, 3, 10), 0),  # end before start
        (D(2026, 12, 28), D(2027, 1, 8), 10),  # 2027 by Monday–Friday
    ],
)
def test_working_days_between(start, end, count):
    assert working_days_between(start, end, PLAIN) == count


def test_working_days_between_agrees_with_notice_end():
    for start in (D(2025, 1, 20), D(2026, 2, 10), D(2026, 9, 17)):
        for days in range(1, 12):
            end = notice_end(start, days, PLAIN)
            assert working_days_between(start, end, PLAIN) == days


@pytest.mark.parametrize(
    ("start", "end", "cal", "warnings"),
    [
        (D(2025, 1, 24), D(2025, 2, 6), PLAIN, []),
        (D(2026, 12, 24), D(2026, 12, 31), PLAIN, []),
        (D(2026, 12, 28), D(2027, 1, 7), PLAIN, [WARN_2027]),
        (D(2027, 1, 1), D(2027, 1, 7), PLAIN, [WARN_2027]),
        # any entry for 2027 counts as the user having entered that year
        (D(2027, 1, 1), D(2027, 1, 8), USER_2027, []),
        (D(2027, 1, 1), D(2027, 1, 8), Calendar(extra_workdays=frozenset({D(2027, 2, 20)})), []),
        (D(2026, 12, 28), D(2028, 1, 5), USER_2027, [WARN_2027.replace("2027", "2028")]),
        (D(2003, 12, 30), D(2004, 1, 5), PLAIN, [WARN_2027.replace("2027", "2003")]),
    ],
)
def test_notice_warnings(start, end, cal, warnings):
    assert notice_warnings(start, end, cal) == warnings


@pytest.mark.parametrize(
    ("day", "known"),
    [
        (D(2004, 1, 1), True),
        (D(2003, 12, 31), False),
        (D(2026, 12, 31), True),
        (D(2027, 1, 1), False),
    ],
)
def test_known(day, known):
    assert PLAIN.known(day) is known
    assert USER_2027.known(day) is (known or day.year == 2027)


@pytest.mark.parametrize(
    ("today", "over"),
    [
        (D(2025, 9, 26), False),  # first day
        (D(2025, 10, 8), False),  # holiday inside the period
        (D(2025, 10, 9), False),  # last day: still running
        (D(2025, 10, 10), True),  # the day after
        (D(2025, 12, 1), True),
    ],
)
def test_notice_over(today, over):
    # 5 working days from 2025-09-26 end on 10月9日
    assert notice_over(D(2025, 9, 26), 5, PLAIN, today) is over


def test_calendar_takes_any_iterable_and_stays_hashable():
    cal = Calendar(extra_holidays=[D(2027, 1, 1)], extra_workdays=(D(2027, 1, 9),))
    assert cal == USER_2027
    assert hash(cal) == hash(USER_2027)
    assert isinstance(cal.extra_holidays, frozenset)


def test_calendar_refuses_a_day_entered_both_ways():
    with pytest.raises(UserError, match="2027年1月1日既录入为节假日，又录入为调休上班日"):
        Calendar(extra_holidays=frozenset({D(2027, 1, 1)}), extra_workdays=frozenset({D(2027, 1, 1)}))


# --------------------------------------------------------------------------- rules file


def test_load_notice_rules():
    assert load_notice_rules() == NoticeRules(
        notice_working_days=5,
        id_mask=MaskPattern(6, 4),
        phone_mask=MaskPattern(3, 4),
        landline_keep_end=4,
        mask_char="*",
    )


def test_notice_rules_file_is_not_a_category_rule_set():
    assert sorted(r.id for r in available_rule_sets()) == ["national_2010", "national_2021"]


GOOD = {
    "kind": "notice_rules",
    "notice_working_days": 7,
    "id_mask": {"keep_start": 4, "keep_end": 2},
    "phone_mask": {"keep_start": 3, "keep_end": 2},
    "landline_mask": {"keep_end": 2},
    "mask_char": "●",
}


@pytest.fixture
def rules_file(tmp_path, monkeypatch):
    """Write a notice.json of the test's own and load it instead of the shipped one."""

    def write(data):
        (tmp_path / "rules").mkdir(exist_ok=True)
        text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
        (tmp_path / "rules" / "notice.json").write_text(text, encoding="utf-8")
        load_notice_rules.cache_clear()
        return load_notice_rules()

    monkeypatch.setattr(workdays, "resource", lambda *parts: tmp_path.joinpath(*parts))
    load_notice_rules.cache_clear()
    yield write
    load_notice_rules.cache_clear()


def test_notice_rules_are_read_from_the_file(rules_file):
    assert rules_file(GOOD) == NoticeRules(7, MaskPattern(4, 2), MaskPattern(3, 2), 2, "●")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "category_rules"}, "“kind”应为“notice_rules”"),
        ({"notice_working_days": 0}, "公示天数（notice_working_days）至少为1个工作日"),
        ({"notice_working_days": "5"}, "公示天数"),
        ({"id_mask": {"keep_start": -1, "keep_end": 4}}, "身份证号开头保留位数应为0或正整数"),
        ({"phone_mask": {"keep_start": 3}}, "手机号结尾保留位数应为0或正整数"),
        ({"landline_mask": None}, "座机号码结尾保留位数应为0或正整数"),
        ({"mask_char": "x"}, "遮盖符号"),
        ({"mask_char": "**"}, "遮盖符号"),
        ({"mask_char": " "}, "遮盖符号"),
    ],
)
def test_bad_notice_rules_file(rules_file, change, message):
    with pytest.raises(UserError, match=message) as err:
        rules_file({**GOOD, **change})
    assert str(err.value).startswith("公示规则文件 resources/rules/notice.json 有误：")


def test_notice_rules_file_not_json(rules_file):
    with pytest.raises(UserError, match="不是有效的 JSON"):
        rules_file("{kind: notice_rules")
