"""Working days for 公示 across 春节 and 国庆 2025/2026, computed 2027 holidays, unknown years and the office's entries."""

import json
from datetime import date as D
from datetime import timedelta

import pytest

import aiddesk.core.workdays as workdays
from aiddesk.core.errors import UserError
from aiddesk.core.income import available_rule_sets
from aiddesk.core.workdays import (
    KNOWN_YEARS,
    Calendar,
    MaskPattern,
    entry_overridden,
    NoticeRules,
    load_notice_rules,
    notice_end,
    notice_over,
    notice_warnings,
    working_days_between,
)

PLAIN = Calendar()
# 2027 as the office might enter it (dates made up for the tests, not an official arrangement): a day off
# and a 调休 Saturday, the year not (yet) marked complete.
USER_2027 = Calendar(
    extra_holidays=frozenset({D(2027, 1, 1)}),
    extra_workdays=frozenset({D(2027, 1, 9)}),  # a Saturday
)
COMPLETE_2027 = Calendar(extra_holidays=USER_2027.extra_holidays, extra_workdays=USER_2027.extra_workdays,
                         complete_years={2027})
FESTIVALS = "元旦、春节、清明节、劳动节、端午节、中秋节、国庆节"
HINT = "请管理员在“管理 → 节假日”中按国务院办公厅通知录入{y}年的放假和调休上班日期，并勾选“已按国务院办公厅通知录入全年”"
WARN_2027 = (f"2027年的放假安排尚未录入：已扣除法定节假日（{FESTIVALS}）和周末，但每年由国务院办公厅通知的调休上班日"
             f"和补休日还没有计入，公示结束日期可能有变。通知公布后，{HINT.format(y=2027)}")
WARN_2003 = f"2003年的节假日程序中没有，尚未录入：暂按周一至周五计算工作日。{HINT.format(y=2003)}"


def test_the_installed_package_knows_at_least_2004_to_2026():
    # The tests see 2004–2026 whatever is installed (tests/conftest.py): a newer chinese-calendar that knows 2027
    # leaves the cases of an unknown 2027 meaningful, and the program itself uses the newer data.
    from chinese_calendar.constants import holidays

    assert KNOWN_YEARS == range(2004, 2027)
    assert min(holidays).year == 2004 and max(holidays).year >= 2026


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
        # 2027, unknown to the package: the statutory holidays (《全国年节及纪念日放假办法》) and weekends
        (D(2026, 12, 31), True),
        (D(2027, 1, 1), False),  # 元旦, a Friday
        (D(2027, 1, 2), False),
        (D(2027, 1, 4), True),
        (D(2027, 2, 4), True),
        (D(2027, 2, 5), False),  # 除夕 (腊月廿九 is the last day of 2026's 12th month), a Friday
        (D(2027, 2, 8), False),  # 正月初三, a Monday
        (D(2027, 2, 9), True),  # 调休 and 补休 are not known until announced
        (D(2027, 4, 5), False),  # 清明, a Monday
        (D(2027, 4, 6), True),
        (D(2027, 4, 30), True),
        (D(2027, 5, 1), False),  # 劳动节 1–2 May (a weekend in 2027)
        (D(2027, 5, 3), True),
        (D(2027, 6, 9), False),  # 端午, a Wednesday
        (D(2027, 9, 15), False),  # 中秋, a Wednesday
        (D(2027, 9, 16), True),
        (D(2027, 10, 1), False),  # 国庆 1–3 October
        (D(2027, 10, 4), True),
        # before the package's first year and the rule's: Monday–Friday
        (D(2003, 1, 1), True),
        (D(2003, 1, 4), False),
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
        # into 2027: 12月28日–31日, then 元旦 (Friday) and the weekend, 1月4日
        (D(2026, 12, 28), 5, PLAIN, D(2027, 1, 4)),
        (D(2027, 1, 1), 5, PLAIN, D(2027, 1, 8)),
        (D(2027, 1, 7), 5, PLAIN, D(2027, 1, 13)),
        # across 春节 2027: 2月5日–8日 off
        (D(2027, 2, 3), 5, PLAIN, D(2027, 2, 11)),
        # 2027 with the office's 调休 Saturday (1月9日)
        (D(2027, 1, 7), 5, USER_2027, D(2027, 1, 12)),
        # in a known year the office's entries count on the days the package does not list …
        (D(2025, 3, 10), 1, Calendar(extra_holidays=frozenset({D(2025, 3, 10)})), D(2025, 3, 11)),
        (D(2025, 3, 8), 1, Calendar(extra_workdays=frozenset({D(2025, 3, 8)})), D(2025, 3, 8)),
        # … but not against it: 10月8日 2025 is in the package's 国庆 holiday
        (D(2025, 10, 8), 1, Calendar(extra_workdays=frozenset({D(2025, 10, 8)})), D(2025, 10, 9)),
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
        (D(2026, 12, 28), D(2027, 1, 8), 9),  # 元旦 2027 off
        (D(2027, 9, 27), D(2027, 10, 8), 9),  # 10 weekdays − 国庆 10月1日 (a Friday; 2日、3日 are a weekend)
        # 2027: 261 weekdays − the 7 statutory days off that fall on one (1/1, 2/5, 2/8, 4/5, 6/9, 9/15, 10/1)
        (D(2027, 1, 1), D(2027, 12, 31), 254),
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
        (D(2026, 12, 28), D(2027, 1, 4), PLAIN, [WARN_2027]),
        (D(2027, 1, 1), D(2027, 1, 7), PLAIN, [WARN_2027]),
        # entering some days does not make 2027 known: the rest of its 调休 may still be missing
        (D(2027, 1, 1), D(2027, 1, 8), USER_2027, [WARN_2027.replace("尚未录入", "尚未录全（已录入2天）")]),
        (D(2027, 1, 1), D(2027, 1, 8), Calendar(extra_workdays=frozenset({D(2027, 2, 20)})),
         [WARN_2027.replace("尚未录入", "尚未录全（已录入1天）")]),
        # marked complete (已按国务院办公厅通知录入全年): known, even with no day entered
        (D(2027, 1, 1), D(2027, 1, 8), COMPLETE_2027, []),
        (D(2027, 1, 1), D(2027, 1, 8), Calendar(complete_years=frozenset({2027})), []),
        (D(2026, 12, 28), D(2028, 1, 5), COMPLETE_2027, [WARN_2027.replace("2027", "2028")]),
        (D(2003, 12, 30), D(2004, 1, 5), PLAIN, [WARN_2003]),
    ],
)
def test_notice_warnings(start, end, cal, warnings):
    assert notice_warnings(start, end, cal) == warnings


def test_the_2027_warning_says_what_is_counted_and_what_to_do():
    (warning,) = notice_warnings(D(2026, 12, 28), D(2027, 1, 4), PLAIN)
    for words in ("法定节假日", "调休上班日", "补休", "管理 → 节假日", "已按国务院办公厅通知录入全年"):
        assert words in warning


@pytest.mark.parametrize(
    ("day", "known"),
    [
        (D(2004, 1, 1), True),
        (D(2003, 12, 31), False),
        (D(2026, 12, 31), True),
        (D(2027, 1, 1), False),
        (D(2027, 12, 31), False),
    ],
)
def test_known(day, known):
    assert PLAIN.known(day) is known
    assert USER_2027.known(day) is known  # days entered, year not marked complete
    assert COMPLETE_2027.known(day) is (known or day.year == 2027)


def test_no_entry_makes_a_statutory_holiday_a_working_day():
    cal = Calendar(extra_workdays={D(2027, 1, 1), D(2027, 2, 6), D(2027, 1, 9)}, complete_years={2027})
    assert not cal.is_workday(D(2027, 1, 1))  # 元旦
    assert not cal.is_workday(D(2027, 2, 6))  # 正月初一
    assert cal.is_workday(D(2027, 1, 9))  # an entered 调休 Saturday counts
    assert entry_overridden(D(2027, 1, 1), "工作日") == "这天是法定节假日（元旦），不能调为工作日"
    assert entry_overridden(D(2027, 1, 1), "休息日") == ""
    assert entry_overridden(D(2027, 1, 9), "工作日") == ""


PACKAGE_SAYS = "程序收录的国务院安排中这天{}，以收录的安排为准"


@pytest.mark.parametrize(
    ("day", "kind", "workday", "overridden"),
    [
        # days the package lists: its arrangement wins over a contradicting entry
        (D(2026, 10, 1), "工作日", False, PACKAGE_SAYS.format("放假")),  # 国庆
        (D(2026, 10, 10), "休息日", True, PACKAGE_SAYS.format("调休上班")),  # 国庆调休 Saturday
        (D(2026, 10, 1), "休息日", False, ""),  # the same as the package: counts, changes nothing
        # days the package does not list: a local arrangement counts
        (D(2026, 3, 10), "休息日", False, ""),  # a Tuesday off locally
        (D(2026, 3, 14), "工作日", True, ""),  # a local 调休 Saturday
    ],
)
def test_in_a_package_year_the_package_wins_on_the_days_it_lists(day, kind, workday, overridden):
    entered = {day}
    cal = Calendar(extra_holidays=entered if kind == "休息日" else (), extra_workdays=entered if kind == "工作日" else ())
    assert cal.is_workday(day) is workday
    assert entry_overridden(day, kind) == overridden


@pytest.fixture
def newer_package(monkeypatch):
    """chinese_calendar as a version that knows 2027 would be: its own 2027 arrangement (made up for the test)."""
    holidays = dict(workdays._PACKAGE_HOLIDAYS)
    holidays.update({D(2027, 1, 1): "New Year's Day"})
    holidays.update({D(2027, 2, 5) + timedelta(days=i): "Spring Festival" for i in range(8)})  # 2月5日–12日
    holidays.update({D(2027, 10, 1) + timedelta(days=i): "National Day" for i in range(7)})
    package_workdays = dict(workdays._PACKAGE_WORKDAYS)
    package_workdays.update({D(2027, 2, 20): "Spring Festival", D(2027, 9, 26): "National Day"})  # Sat, Sun
    monkeypatch.setattr(workdays, "_PACKAGE_HOLIDAYS", holidays)
    monkeypatch.setattr(workdays, "_PACKAGE_WORKDAYS", package_workdays)
    monkeypatch.setattr(workdays, "KNOWN_YEARS", range(2004, 2028))


def test_a_newer_package_wins_over_the_computation_and_the_entries(newer_package):
    # The package's 调休 Sunday before 国庆 is worked; the computation would have it off as a weekend.
    assert PLAIN.is_workday(D(2027, 9, 26))
    assert not PLAIN.is_workday(D(2027, 2, 11))  # in the package's 春节, not among the computed days
    assert PLAIN.is_workday(D(2027, 2, 20))
    # The office entered 2027 by hand (and marked it complete) before upgrading: a contradicting entry is
    # overridden, an entry on a day the package does not list (a local day off) still counts.
    cal = Calendar(extra_holidays={D(2027, 2, 20), D(2027, 3, 3)}, extra_workdays={D(2027, 2, 11)},
                   complete_years={2027})
    assert cal.is_workday(D(2027, 2, 20)) and not cal.is_workday(D(2027, 2, 11))
    assert not cal.is_workday(D(2027, 3, 3))
    assert entry_overridden(D(2027, 2, 20), "休息日") == PACKAGE_SAYS.format("调休上班")
    assert entry_overridden(D(2027, 3, 3), "休息日") == ""
    # known without any mark, and no warning
    assert PLAIN.known(D(2027, 6, 1))
    assert notice_warnings(D(2027, 9, 20), D(2027, 10, 12), PLAIN) == []
    assert notice_end(D(2027, 9, 24), 3, PLAIN) == D(2027, 9, 27)  # 24日 (Friday), 26日 (调休 Sunday), 27日


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
