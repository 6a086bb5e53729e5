"""Whether this PC's clock is clearly wrong against the newest record: the pure decision and its rule file."""

from __future__ import annotations

import json
from datetime import date

from aiddesk.core.clock_check import ClockRules, clock_problem, clock_rules, day_text
from aiddesk.paths import resource

RULES = ClockRules(max_days_ahead=400)
NEWEST = date(2026, 11, 26)


def test_the_threshold_comes_from_the_rules_file():
    raw = json.loads(resource("rules", "clock_check.json").read_text(encoding="utf-8"))
    assert clock_rules() == ClockRules(raw["max_days_ahead"]) and 300 <= raw["max_days_ahead"] <= 800


def test_plausible_dates_say_nothing():
    assert clock_problem(NEWEST, NEWEST, RULES) is None
    assert clock_problem(date(2027, 12, 31), NEWEST, RULES) is None  # 400 days: an office back after a long pause
    assert clock_problem(date(2016, 1, 1), None, RULES) is None  # a new database tells nothing


def test_a_clock_behind_the_newest_record_is_explained_with_both_dates():
    text = clock_problem(date(2026, 11, 25), NEWEST, RULES)
    assert text.startswith("本机日期是2026年11月25日（星期三），比数据库中最新一条记录的日期2026年11月26日（星期四）还早1天")
    assert "慢了" in text and "Windows" in text and "自动设置时间" in text


def test_a_clock_years_ahead_is_explained():
    text = clock_problem(date(2036, 11, 26), NEWEST, RULES)
    assert "晚了3653天（超过400天）" in text and "快了" in text and "请把本机的日期和时间改正确" in text
    assert clock_problem(date(2028, 1, 1), NEWEST, RULES) is not None  # 401 days


def test_day_text_names_the_weekday():
    assert day_text(date(2026, 11, 29)) == "2026年11月29日（星期日）"
