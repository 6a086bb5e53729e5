"""Whether this PC's clock is clearly wrong, judged against the newest record in the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .errors import UserError
from .rule_files import read_rules

KIND = "clock_check_rules"  # marks resources/rules/clock_check.json among the other rule files
WEEKDAYS = "一二三四五六日"
FIX_WINDOWS_CLOCK = ("请把本机的日期和时间改正确（Windows：右键单击任务栏右下角的时间，选“调整日期和时间”，"
                     "打开“自动设置时间”，或按实际日期手动更改）。")


@dataclass(frozen=True)
class ClockRules:
    max_days_ahead: int  # more days after the newest record than this: the clock is taken to be wrong


def clock_rules() -> ClockRules:
    """The threshold in ``resources/rules/clock_check.json``."""
    raw = read_rules("clock_check.json", "时钟检查规则")
    try:
        days = int(raw["max_days_ahead"])
    except (ValueError, KeyError, TypeError):
        raise UserError("时钟检查规则文件 resources/rules/clock_check.json 缺少 max_days_ahead（天数），"
                        "请改正后重启程序") from None
    if raw.get("kind") != KIND or days < 1:
        raise UserError("时钟检查规则文件 resources/rules/clock_check.json 有误：max_days_ahead 应为正整数，"
                        "请改正后重启程序")
    return ClockRules(days)


def day_text(day: date) -> str:
    """2026年11月26日（星期四）"""
    return f"{day.year}年{day.month}月{day.day}日（星期{WEEKDAYS[day.weekday()]}）"


def clock_problem(pc_day: date, newest_record: date | None, rules: ClockRules) -> str | None:
    """None when ``pc_day`` is plausible; otherwise what is wrong and what to do, in Chinese.

    Clearly wrong: before the day the newest record was written (no record can come from the future), or more
    than ``rules.max_days_ahead`` days after it (a clock years ahead). An empty database says nothing.
    """
    if newest_record is None:
        return None
    if pc_day < newest_record:
        behind = (newest_record - pc_day).days
        return (f"本机日期是{day_text(pc_day)}，比数据库中最新一条记录的日期{day_text(newest_record)}还早{behind}天："
                "本机的时钟很可能慢了或被改过（也可能是上次使用的电脑时钟快了）。" + FIX_WINDOWS_CLOCK)
    ahead = (pc_day - newest_record).days
    if ahead > rules.max_days_ahead:
        return (f"本机日期是{day_text(pc_day)}，比数据库中最新一条记录的日期{day_text(newest_record)}晚了{ahead}天"
                f"（超过{rules.max_days_ahead}天）：本机的时钟很可能快了。" + FIX_WINDOWS_CLOCK)
    return None
