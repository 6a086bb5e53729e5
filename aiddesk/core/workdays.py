"""Working days for public notices (公示): chinese_calendar's data, computed 法定节假日, and the office's own entries."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from chinese_calendar.constants import holidays as _PACKAGE_HOLIDAYS
from chinese_calendar.constants import workdays as _PACKAGE_WORKDAYS

from ..paths import resource
from .errors import UserError
from .statutory_holidays import load_statutory_rules, statutory_holidays

# chinese_calendar answers for whole years: it refuses a date by its year alone,
# so a year counts as known to the end of December even though its last entry
# (2026: 国庆 ends 10月7日) is earlier.  Same test as chinese_calendar's own.
KNOWN_YEARS = range(min(_PACKAGE_HOLIDAYS).year, max(_PACKAGE_HOLIDAYS).year + 1)

_ONE_DAY = timedelta(days=1)


def _cn(d: date) -> str:
    # Not strftime: a format with Chinese characters has failed under some Windows locales.
    return f"{d.year}年{d.month}月{d.day}日"


def computed_year(year: int) -> bool:
    """True when ``year``'s 法定节假日 are computed (chinese_calendar does not know it, the rules file covers it)."""
    return year not in KNOWN_YEARS and load_statutory_rules().covers(year)


def package_day(d: date) -> str | None:
    """What chinese_calendar lists for ``d``: 休息日 (a holiday), 工作日 (a 调休 working day), or None."""
    if d.year not in KNOWN_YEARS:
        return None
    if d in _PACKAGE_HOLIDAYS:
        return "休息日"
    if d in _PACKAGE_WORKDAYS:
        return "工作日"
    return None


def entry_overridden(d: date, kind: str) -> str:
    """Why the office's entry (``kind``: 休息日 or 工作日) for ``d`` does not count; "" when it counts.

    In a year chinese_calendar knows, the State Council's arrangement as the package lists it wins on the days
    it lists; on the other days an entry still counts (a local day off such as 广西“三月三”, or its 调休). In a
    computed year, a statutory holiday is off by law: an entry cannot make it a working day.
    """
    listed = package_day(d)
    if listed is not None and listed != kind:
        what = "放假" if listed == "休息日" else "调休上班"
        return f"程序收录的国务院安排中这天{what}，以收录的安排为准"
    if kind == "工作日" and computed_year(d.year) and d in statutory_holidays(d.year):
        return f"这天是法定节假日（{statutory_holidays(d.year)[d]}），不能调为工作日"
    return ""


@dataclass(frozen=True)
class Calendar:
    """Which days are working days: chinese_calendar's data, else the 法定节假日, the office's entries, Monday–Friday."""

    extra_holidays: frozenset[date] = frozenset()  # 放假 days the office entered
    extra_workdays: frozenset[date] = frozenset()  # 调休上班 days the office entered
    complete_years: frozenset[int] = frozenset()  # years the office marked 已按国务院办公厅通知录入全年

    def __post_init__(self) -> None:
        # Accept any iterable (rows read from the database); keep frozensets so a
        # Calendar stays hashable and nobody changes it behind a running count.
        holidays = frozenset(self.extra_holidays)
        workdays = frozenset(self.extra_workdays)
        both = holidays & workdays
        if both:
            raise UserError(
                f"{_cn(min(both))}既录入为节假日，又录入为调休上班日，请删去其中一个",
                field="holidays",
            )
        object.__setattr__(self, "extra_holidays", holidays)
        object.__setattr__(self, "extra_workdays", workdays)
        object.__setattr__(self, "complete_years", frozenset(self.complete_years))

    def is_workday(self, d: date) -> bool:
        """True when people work on ``d``."""
        # Same order as entry_overridden: the package's listed days, then the statutory holidays of a computed
        # year, then the office's entries (local arrangements, and 调休 of years the package does not know).
        listed = package_day(d)
        if listed is not None:
            return listed == "工作日"
        if computed_year(d.year) and d in statutory_holidays(d.year):
            return False
        if d in self.extra_workdays:
            return True
        if d in self.extra_holidays:
            return False
        return d.weekday() < 5

    def known(self, d: date) -> bool:
        """True when the whole of ``d``'s year is known: packaged data, or the office marked the year complete.

        One entered day does not make a year known: the rest of its 调休 may still be missing.
        """
        return d.year in KNOWN_YEARS or d.year in self.complete_years

    def entered_days(self, year: int) -> int:
        """How many days the office entered for ``year``."""
        return sum(d.year == year for d in self.extra_holidays | self.extra_workdays)


def _check_days(days: int) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise UserError("公示天数至少为1个工作日", field="notice_days")
    return days


def notice_end(start: date, days: int, cal: Calendar) -> date:
    """Last day of a notice of ``days`` working days from ``start``.

    A ``start`` that is not a working day counts from the next working day.
    """
    _check_days(days)
    d = start - _ONE_DAY
    counted = 0
    while counted < days:
        d += _ONE_DAY
        if cal.is_workday(d):
            counted += 1
    return d


def working_days_between(start: date, end: date, cal: Calendar) -> int:
    """Working days from ``start`` to ``end``, both included; 0 when ``end`` is before ``start``."""
    count = 0
    d = start
    while d <= end:
        count += cal.is_workday(d)
        d += _ONE_DAY
    return count


def unknown_year_warning(year: int, cal: Calendar) -> str:
    """The Chinese warning for a year whose arrangement is not known whole (see ``Calendar.known``)."""
    entered = cal.entered_days(year)
    state = f"尚未录全（已录入{entered}天）" if entered else "尚未录入"
    hint = (f"请管理员在“管理 → 节假日”中按国务院办公厅通知录入{year}年的放假和调休上班日期，"
            "并勾选“已按国务院办公厅通知录入全年”")
    if computed_year(year):
        return (f"{year}年的放假安排{state}：已扣除法定节假日（{load_statutory_rules().names()}）和周末，"
                f"但每年由国务院办公厅通知的调休上班日和补休日还没有计入，公示结束日期可能有变。通知公布后，{hint}")
    return f"{year}年的节假日程序中没有，{state}：暂按周一至周五计算工作日。{hint}"


def notice_warnings(start: date, end: date, cal: Calendar) -> list[str]:
    """One Chinese warning per year in the period whose arrangement is not known whole."""
    first, last = min(start, end), max(start, end)
    return [unknown_year_warning(year, cal)
            for year in range(first.year, last.year + 1)
            if not cal.known(date(year, 1, 1))]


def notice_over(start: date, days: int, cal: Calendar, today: date) -> bool:
    """True once ``today`` is after the notice's last day (only then may a batch go to 待审批)."""
    return today > notice_end(start, days, cal)


# --------------------------------------------------------------------------- rules file


@dataclass(frozen=True)
class MaskPattern:
    """How many characters a mask keeps at each end."""

    keep_start: int
    keep_end: int


@dataclass(frozen=True)
class NoticeRules:
    """``resources/rules/notice.json``: notice length and how 公示名单 hide numbers."""

    notice_working_days: int
    id_mask: MaskPattern
    phone_mask: MaskPattern  # mobiles
    landline_keep_end: int  # landlines always keep the area code; digits kept at the end
    mask_char: str


NOTICE_KIND = "notice_rules"  # not "category_rules": income.py must not read this file as a rule set


def _bad(what: str) -> UserError:
    return UserError(f"公示规则文件 resources/rules/notice.json 有误：{what}，请改正后重启程序")


def _count(data: dict, key: str, label: str) -> int:
    value = data.get(key) if isinstance(data, dict) else None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _bad(f"{label}应为0或正整数")
    return value


def _pattern(data: dict, key: str, label: str) -> MaskPattern:
    part = data.get(key)
    return MaskPattern(
        _count(part, "keep_start", f"{label}开头保留位数"),
        _count(part, "keep_end", f"{label}结尾保留位数"),
    )


@cache  # read once per run, like the category rules
def load_notice_rules() -> NoticeRules:
    """The notice rules shipped in ``resources/rules/notice.json``."""
    try:
        with open(resource("rules", "notice.json"), encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        raise _bad("文件缺失或不是有效的 JSON") from None
    if not isinstance(data, dict) or data.get("kind") != NOTICE_KIND:
        raise _bad(f"“kind”应为“{NOTICE_KIND}”")
    days = data.get("notice_working_days")
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise _bad("公示天数（notice_working_days）至少为1个工作日")
    mask_char = data.get("mask_char")
    # A letter or digit as mask would read as part of the number.
    if not isinstance(mask_char, str) or len(mask_char) != 1 or mask_char.isspace() or mask_char.isalnum():
        raise _bad("遮盖符号（mask_char）应为一个符号，如 *")
    return NoticeRules(
        notice_working_days=days,
        id_mask=_pattern(data, "id_mask", "身份证号"),
        phone_mask=_pattern(data, "phone_mask", "手机号"),
        landline_keep_end=_count(data.get("landline_mask"), "keep_end", "座机号码结尾保留位数"),
        mask_char=mask_char,
    )
