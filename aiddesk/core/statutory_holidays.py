"""法定节假日 computed from the lunar calendar and solar terms for years the bundled holiday data does not know."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from types import MappingProxyType
from typing import Mapping

from lunar_python import Lunar

from .errors import UserError
from .rule_files import read_rules

RULES_FILE = "statutory_holidays.json"
RULES_KIND = "statutory_holidays"
CALENDARS = ("公历", "农历", "节气")
# The 24 solar terms by their Chinese names, in lunar-python's spelling.
SOLAR_TERMS = ("小寒", "大寒", "立春", "雨水", "惊蛰", "春分", "清明", "谷雨", "立夏", "小满", "芒种", "夏至",
               "小暑", "大暑", "立秋", "处暑", "白露", "秋分", "寒露", "霜降", "立冬", "小雪", "大雪", "冬至")


@dataclass(frozen=True)
class StatutoryHoliday:
    """One festival of the rule: where its first day falls and how many days off it brings."""

    name: str
    calendar: str  # 公历, 农历 or 节气
    month: int = 0  # 公历 or 农历 month
    day: int = 0
    term: str = ""  # 节气 name
    offset: int = 0  # days from the anchor day to the first day off (除夕: -1 from 正月初一)
    days: int = 1

    def first_day(self, year: int) -> date:
        """The first day off in ``year`` (for 农历: the lunar year that begins in ``year``)."""
        if self.calendar == "公历":
            anchor = date(year, self.month, self.day)
        elif self.calendar == "农历":
            # Lunar.fromYmd takes the ordinary (not leap) month; 端午 and 中秋 are never in a leap month.
            solar = Lunar.fromYmd(year, self.month, self.day).getSolar()
            anchor = date(solar.getYear(), solar.getMonth(), solar.getDay())
        else:
            anchor = solar_term_day(year, self.term)
        return anchor + timedelta(days=self.offset)

    def dates(self, year: int) -> list[date]:
        first = self.first_day(year)
        return [first + timedelta(days=i) for i in range(self.days)]


@dataclass(frozen=True)
class StatutoryRules:
    """``resources/rules/statutory_holidays.json``: the festivals every year has off without an announcement."""

    rule: str  # the regulation's name, shown to the user
    from_year: int  # years before it followed other rules (and are in the bundled data anyway)
    holidays: tuple[StatutoryHoliday, ...]

    def names(self) -> str:
        return "、".join(h.name for h in self.holidays)

    def covers(self, year: int) -> bool:
        return year >= self.from_year


def solar_term_day(year: int, term: str) -> date:
    """The day (Beijing time) of the solar term ``term`` in the Gregorian ``year``."""
    # A lunar year's table runs from the 冬至 before it to the 大雪 in it, so the term of ``year`` is in the table
    # of lunar year ``year`` or, for 冬至, of the next one; lunar-python computes them astronomically.
    for lunar_year in (year, year + 1):
        table = Lunar.fromYmd(lunar_year, 1, 1).getJieQiTable()
        solar = table.get(term)
        if solar is not None and solar.getYear() == year:
            return date(solar.getYear(), solar.getMonth(), solar.getDay())
    raise UserError(f"无法计算{year}年的节气“{term}”")  # unreachable for the 24 names the rules file allows


def _bad(what: str) -> UserError:
    return UserError(f"法定节假日规则文件 resources/rules/{RULES_FILE} 有误：{what}，请改正后重启程序，"
                     "或重新安装程序")


def _whole(entry: dict, key: str, label: str, low: int, high: int, default: int | None = None) -> int:
    value = entry.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _bad(f"{label}应为{low}至{high}之间的整数")
    return value


def _holiday(entry: object, number: int) -> StatutoryHoliday:
    if not isinstance(entry, dict):
        raise _bad(f"第{number}个节日应为一个对象")
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise _bad(f"第{number}个节日没有名称（name）")
    where = f"“{name}”"
    calendar = entry.get("calendar")
    if calendar not in CALENDARS:
        raise _bad(f"{where}的历法（calendar）应为{'、'.join(CALENDARS)}之一")
    month = day = 0
    term = ""
    if calendar == "节气":
        term = entry.get("term")
        if term not in SOLAR_TERMS:
            raise _bad(f"{where}的节气（term）应为二十四节气之一，如“清明”")
    else:
        month = _whole(entry, "month", f"{where}的月份（month）", 1, 12)
        # 农历 months have 29 or 30 days: a 30th does not exist every year, so 除夕 is written as an offset.
        last = 31 if calendar == "公历" else 29
        day = _whole(entry, "day", f"{where}的日（day）", 1, last)
        if calendar == "公历":
            try:
                date(2001, month, day)  # a common year: 2月29日 would be missing three years in four
            except ValueError:
                raise _bad(f"{where}的日期{month}月{day}日不是每年都有") from None
    return StatutoryHoliday(
        name=name.strip(), calendar=calendar, month=month, day=day, term=term,
        offset=_whole(entry, "offset", f"{where}的前后移动天数（offset）", -30, 30, 0),
        days=_whole(entry, "days", f"{where}的放假天数（days）", 1, 15),
    )


@cache  # read once per run, like the other rule files
def load_statutory_rules() -> StatutoryRules:
    """The festivals shipped in ``resources/rules/statutory_holidays.json``."""
    data = read_rules(RULES_FILE, "法定节假日规则")
    if data.get("kind") != RULES_KIND:
        raise _bad(f"“kind”应为“{RULES_KIND}”")
    rule = data.get("rule")
    if not isinstance(rule, str) or not rule.strip():
        raise _bad("没有写明所依据的规定（rule）")
    from_year = _whole(data, "from_year", "起算年份（from_year）", 1900, 2200)
    entries = data.get("holidays")
    if not isinstance(entries, list) or not entries:
        raise _bad("节日列表（holidays）应为非空的列表")
    return StatutoryRules(rule.strip(), from_year, tuple(_holiday(e, i) for i, e in enumerate(entries, 1)))


@cache  # lunar-python's astronomy takes a few milliseconds a year; a notice asks for the same year many times
def statutory_holidays(year: int) -> Mapping[date, str]:
    """The statutory days off in ``year`` with their festival's name; empty for a year the rules do not cover.

    Weekends are not listed (they are off anyway), and neither are 调休 and 补休: the State Council announces
    those each year.
    """
    rules = load_statutory_rules()
    days: dict[date, str] = {}
    # A festival near the turn of the year may spill into the next or begin in the one before.
    for anchor_year in (year - 1, year, year + 1):
        if not rules.covers(anchor_year):
            continue
        for holiday in rules.holidays:
            for d in holiday.dates(anchor_year):
                if d.year == year:
                    # 中秋 can fall in 国庆 (2028年10月3日): one day off, both names.
                    days[d] = f"{days[d]}、{holiday.name}" if d in days else holiday.name
    return MappingProxyType(dict(sorted(days.items())))
