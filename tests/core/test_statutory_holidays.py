"""法定节假日 computed from the lunar calendar and solar terms: 2027–2100, checked against chinese_calendar's years."""

import json
from collections import defaultdict
from datetime import date as D
from datetime import timedelta

import pytest
from chinese_calendar.constants import Holiday
from chinese_calendar.constants import holidays as PACKAGE_HOLIDAYS
from lunar_python import Solar

import aiddesk.core.rule_files as rule_files
from aiddesk.core.errors import UserError
from aiddesk.core.statutory_holidays import (
    SOLAR_TERMS,
    StatutoryHoliday,
    load_statutory_rules,
    solar_term_day,
    statutory_holidays,
)


def _days(first: D, count: int, name: str) -> dict:
    return {first + timedelta(days=i): name for i in range(count)}


def test_2027():
    # Checked by hand: 除夕 2月5日 (腊月廿九, the last day of 2026's 12th lunar month), 正月初一 2月6日;
    # 清明 4月5日; 端午 (五月初五) 6月9日; 中秋 (八月十五) 9月15日.
    assert dict(statutory_holidays(2027)) == {
        D(2027, 1, 1): "元旦",
        **_days(D(2027, 2, 5), 4, "春节"),
        D(2027, 4, 5): "清明节",
        **_days(D(2027, 5, 1), 2, "劳动节"),
        D(2027, 6, 9): "端午节",
        D(2027, 9, 15): "中秋节",
        **_days(D(2027, 10, 1), 3, "国庆节"),
    }


def test_mid_autumn_inside_national_day_is_one_day_with_both_names():
    days = statutory_holidays(2028)
    assert days[D(2028, 10, 3)] == "中秋节、国庆节"
    assert len(days) == 12


@pytest.mark.parametrize(
    ("year", "new_year", "qingming", "duanwu", "zhongqiu"),
    [
        # the published dates of 春节, 清明, 端午 and 中秋
        (2027, D(2027, 2, 6), D(2027, 4, 5), D(2027, 6, 9), D(2027, 9, 15)),
        (2028, D(2028, 1, 26), D(2028, 4, 4), D(2028, 5, 28), D(2028, 10, 3)),
        (2029, D(2029, 2, 13), D(2029, 4, 4), D(2029, 6, 16), D(2029, 9, 22)),
        (2030, D(2030, 2, 3), D(2030, 4, 5), D(2030, 6, 5), D(2030, 9, 12)),
        # the end of the program's years: 清明 at 0:40 Beijing time on 4月5日 (the 寿星 formula says 4月4日)
        (2100, D(2100, 2, 9), D(2100, 4, 5), D(2100, 6, 12), D(2100, 9, 18)),
    ],
)
def test_festival_days(year, new_year, qingming, duanwu, zhongqiu):
    days = statutory_holidays(year)
    chunjie = sorted(d for d, name in days.items() if name == "春节")
    assert chunjie == [new_year + timedelta(days=i) for i in range(-1, 3)]  # 除夕, 初一–初三
    assert [d for d, name in days.items() if name == "清明节"] == [qingming]
    assert [d for d, name in days.items() if "端午节" in name] == [duanwu]
    assert [d for d, name in days.items() if "中秋节" in name] == [zhongqiu]


@pytest.mark.parametrize(
    ("year", "new_year", "qingming", "duanwu", "zhongqiu"),
    [
        # past years, as they were kept (the days themselves, not the State Council's holiday around them)
        (2020, D(2020, 1, 25), D(2020, 4, 4), D(2020, 6, 25), D(2020, 10, 1)),
        (2021, D(2021, 2, 12), D(2021, 4, 4), D(2021, 6, 14), D(2021, 9, 21)),
        (2022, D(2022, 2, 1), D(2022, 4, 5), D(2022, 6, 3), D(2022, 9, 10)),
        (2023, D(2023, 1, 22), D(2023, 4, 5), D(2023, 6, 22), D(2023, 9, 29)),
        (2024, D(2024, 2, 10), D(2024, 4, 4), D(2024, 6, 10), D(2024, 9, 17)),
        (2025, D(2025, 1, 29), D(2025, 4, 4), D(2025, 5, 31), D(2025, 10, 6)),
        (2026, D(2026, 2, 17), D(2026, 4, 5), D(2026, 6, 19), D(2026, 9, 25)),
    ],
)
def test_festival_days_of_past_years(year, new_year, qingming, duanwu, zhongqiu):
    rules = {h.name: h for h in load_statutory_rules().holidays}
    assert rules["春节"].dates(year) == [new_year + timedelta(days=i) for i in range(-1, 3)]
    assert rules["清明节"].dates(year) == [qingming]
    assert rules["端午节"].dates(year) == [duanwu]
    assert rules["中秋节"].dates(year) == [zhongqiu]


@pytest.mark.parametrize(("year", "lunar_day"), [(2027, 29), (2030, 30)])
def test_new_years_eve_is_the_last_day_of_the_twelfth_month_29th_or_30th(year, lunar_day):
    eve = min(d for d, name in statutory_holidays(year).items() if name == "春节")
    lunar = Solar.fromYmd(eve.year, eve.month, eve.day).getLunar()
    assert (lunar.getMonth(), lunar.getDay()) == (12, lunar_day)
    assert Solar.fromYmd(eve.year, eve.month, eve.day + 1).getLunar().getDay() == 1


def _package_blocks() -> dict:
    blocks = defaultdict(set)
    for d, name in PACKAGE_HOLIDAYS.items():
        blocks[(d.year, name)].add(d)
    return blocks


@pytest.mark.parametrize("year", range(2008, 2027))  # 清明, 端午 and 中秋 are holidays from 2008
def test_the_lunar_days_fall_in_chinese_calendars_holidays(year):
    """Each festival day lies in the package's holiday of that name (its span: the package leaves out some
    weekend days, e.g. 2012年6月23日); 中秋 may be in 国庆's holiday (2020, 2023, 2025)."""
    blocks = _package_blocks()
    rules = {h.name: h for h in load_statutory_rules().holidays}

    def span(name):
        block = blocks[(year, name)]
        return min(block), max(block)

    eve = rules["春节"].first_day(year)
    low, high = span(Holiday.spring_festival.value)
    # 初一–初三 are in the package's 春节 holiday, which starts on 除夕 (2008–2013, 2015–2023, 2025), 初一
    # (2014, 2024) or earlier (2026)
    assert low <= eve + timedelta(days=1) and eve + timedelta(days=3) <= high
    low, high = span(Holiday.tomb_sweeping_day.value)
    assert low <= rules["清明节"].first_day(year) <= high
    low, high = span(Holiday.dragon_boat_festival.value)
    assert low <= rules["端午节"].first_day(year) <= high
    zhongqiu = rules["中秋节"].first_day(year)
    in_own = (year, Holiday.mid_autumn_festival.value) in blocks and \
        span(Holiday.mid_autumn_festival.value)[0] <= zhongqiu <= span(Holiday.mid_autumn_festival.value)[1]
    low, high = span(Holiday.national_day.value)
    assert in_own or low <= zhongqiu <= high


@pytest.mark.parametrize("year", [2025, 2026])
def test_under_the_2024_rule_every_computed_day_is_a_package_holiday(year):
    # 2025 and 2026 follow the revised rule (除夕 off, 劳动节 two days) and the package knows them.
    days = statutory_holidays(year)
    assert len(days) in (12, 13)
    assert all(d in PACKAGE_HOLIDAYS for d in days)


def test_every_year_to_2100():
    for year in range(2025, 2101):
        days = statutory_holidays(year)
        assert len(days) in (12, 13), year  # 13, or 12 when 中秋 is in 国庆
        assert all(d.year == year for d in days)
        eve = min(d for d, name in days.items() if name == "春节")
        assert D(year, 1, 20) <= eve <= D(year, 2, 19), year
        assert [d.day for d, name in days.items() if name == "清明节"][0] in (4, 5, 6)
        zhongqiu = next(d for d, name in days.items() if "中秋节" in name)
        assert D(year, 9, 7) <= zhongqiu <= D(year, 10, 8), year


def test_no_holidays_before_the_rule():
    assert statutory_holidays(2024) == {}
    assert statutory_holidays(2003) == {}
    assert D(2025, 1, 1) in statutory_holidays(2025)


def test_solar_terms_fall_in_their_year_and_order():
    for year in (2027, 2050, 2100):
        days = [solar_term_day(year, term) for term in SOLAR_TERMS]
        assert days == sorted(days) and all(d.year == year for d in days)
        assert days[0].month == 1 and days[-1].month == 12  # 小寒 … 冬至


def test_the_rules_name_the_regulation():
    rules = load_statutory_rules()
    assert "全国年节及纪念日放假办法" in rules.rule and rules.from_year == 2025
    assert rules.names() == "元旦、春节、清明节、劳动节、端午节、中秋节、国庆节"
    assert sum(h.days for h in rules.holidays) == 13


# --------------------------------------------------------------------------- rules file

GOOD = {
    "kind": "statutory_holidays",
    "rule": "测试规定",
    "from_year": 2027,
    "holidays": [
        {"name": "劳动节", "calendar": "公历", "month": 5, "day": 1, "days": 3},
        {"name": "春节", "calendar": "农历", "month": 1, "day": 1, "offset": -1, "days": 2},
        {"name": "冬至", "calendar": "节气", "term": "冬至", "days": 1},
    ],
}


@pytest.fixture
def rules_file(tmp_path, monkeypatch):
    """Write a statutory_holidays.json of the test's own and read it instead of the shipped one."""

    def clear():
        load_statutory_rules.cache_clear()
        statutory_holidays.cache_clear()

    def write(data):
        (tmp_path / "rules").mkdir(exist_ok=True)
        if data is not None:
            text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
            (tmp_path / "rules" / "statutory_holidays.json").write_text(text, encoding="utf-8")
        clear()
        return load_statutory_rules()

    monkeypatch.setattr(rule_files, "resource", lambda *parts: tmp_path.joinpath(*parts))
    clear()
    yield write
    clear()


def test_the_holidays_come_from_the_file(rules_file):
    rules = rules_file(GOOD)
    assert rules.holidays[1] == StatutoryHoliday("春节", "农历", month=1, day=1, offset=-1, days=2)
    assert statutory_holidays(2026) == {}  # before from_year
    assert dict(statutory_holidays(2027)) == {
        D(2027, 2, 5): "春节", D(2027, 2, 6): "春节",
        D(2027, 5, 1): "劳动节", D(2027, 5, 2): "劳动节", D(2027, 5, 3): "劳动节",
        D(2027, 12, 22): "冬至",
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "notice_rules"}, "“kind”应为“statutory_holidays”"),
        ({"rule": ""}, "没有写明所依据的规定"),
        ({"from_year": "2025"}, "起算年份（from_year）应为1900至2200之间的整数"),
        ({"holidays": []}, "节日列表（holidays）应为非空的列表"),
        ({"holidays": ["元旦"]}, "第1个节日应为一个对象"),
        ({"holidays": [{"calendar": "公历", "month": 1, "day": 1}]}, "第1个节日没有名称"),
        ({"holidays": [{"name": "元旦", "calendar": "阳历", "month": 1, "day": 1}]}, "“元旦”的历法（calendar）应为公历、农历、节气之一"),
        ({"holidays": [{"name": "除夕", "calendar": "农历", "month": 12, "day": 30}]}, "“除夕”的日（day）应为1至29之间的整数"),
        ({"holidays": [{"name": "闰日", "calendar": "公历", "month": 2, "day": 29}]}, "“闰日”的日期2月29日不是每年都有"),
        ({"holidays": [{"name": "清明节", "calendar": "节气", "term": "清明节"}]}, "节气（term）应为二十四节气之一"),
        ({"holidays": [{"name": "元旦", "calendar": "公历", "month": 1, "day": 1, "days": 0}]}, "放假天数（days）应为1至15"),
        ({"holidays": [{"name": "元旦", "calendar": "公历", "month": 13, "day": 1}]}, "月份（month）应为1至12"),
    ],
)
def test_a_broken_rules_file_is_refused_in_chinese(rules_file, change, message):
    with pytest.raises(UserError, match=message) as err:
        rules_file({**GOOD, **change})
    assert str(err.value).startswith("法定节假日规则文件 resources/rules/statutory_holidays.json 有误：")


def test_a_missing_or_unreadable_rules_file(rules_file):
    with pytest.raises(UserError, match="找不到规则文件 resources/rules/statutory_holidays.json（法定节假日规则）"):
        rules_file(None)
    with pytest.raises(UserError, match="法定节假日规则.*无法读取"):
        rules_file('{"kind": "statutory_holidays",')
