"""Settings edited by an administrator: the 低保 lines per area and year and the category rules, audited."""

from __future__ import annotations

import re
from decimal import Decimal

from ..core.errors import UserError
from ..core.money import CENT, parse_yuan
from ..core.text import normalise
from ..db import Database
from ..db import settings as repo
from ..db.audit import Actor, record

YEAR_MIN, YEAR_MAX = 2000, 2100


def normalised_area(area_code: str) -> str:
    """The 6-digit area code as stored (full-width digits and spaces cleaned up), or a UserError."""
    area = normalise(area_code or "")
    if not re.fullmatch(r"[0-9]{6}", area):
        raise UserError("地区代码应为6位数字的行政区划代码，例如 460100（海口市）", field="area_code")
    return area


def _year(year: int) -> int:
    if isinstance(year, bool) or not isinstance(year, int) or not YEAR_MIN <= year <= YEAR_MAX:
        raise UserError(f"年度应在{YEAR_MIN}至{YEAR_MAX}之间", field="year")
    return year


def _line(line: Decimal | str) -> Decimal:
    if line is None or (isinstance(line, str) and not line.strip()):
        raise UserError("请填写低保标准（元/月）", field="line")
    try:
        value = parse_yuan(line if isinstance(line, str) else str(line))
    except UserError as err:
        raise UserError(err.message, field="line") from None
    if value <= 0:
        raise UserError("低保标准应大于0", field="line")
    return value.quantize(CENT)


def _key(area: str, year: int) -> str:
    return f"{area}/{year}"


def save_dibao_line(db: Database, actor: Actor, area_code: str, year: int, line: Decimal | str) -> None:
    """Set the monthly 低保 line of an area for a year; an existing line for the same area and year is replaced."""
    actor.require("管理员")
    area, year, value = normalised_area(area_code), _year(year), _line(line)
    with db.transaction() as conn:
        old = repo.get_dibao_line(conn, area, year)
        repo.set_dibao_line(conn, area, year, value)
        record(conn, actor, table="dibao_lines", key=_key(area, year),
               action="insert" if old is None else "update",
               old=None if old is None else {"line": str(old)}, new={"line": str(value)})


def delete_dibao_line(db: Database, actor: Actor, area_code: str, year: int) -> None:
    """Remove the line of an area and year; nothing happens if there is none."""
    actor.require("管理员")
    area, year = normalised_area(area_code), _year(year)
    with db.transaction() as conn:
        old = repo.get_dibao_line(conn, area, year)
        if old is None:
            return
        repo.delete_dibao_line(conn, area, year)
        record(conn, actor, table="dibao_lines", key=_key(area, year), action="delete", old={"line": str(old)})


def set_rule_set(db: Database, actor: Actor, rule_id: str) -> None:
    """Choose the rule set that suggests hardship categories (旧标准 / 新标准), audited."""
    from ..core.income import load_rule_set
    from .archive import DEFAULT_RULE_SET

    actor.require("管理员")
    rules = load_rule_set(rule_id)  # refuses an unknown id with the list of known ones
    with db.transaction() as conn:
        old = repo.get_setting(conn, "rule_set", DEFAULT_RULE_SET)
        repo.set_setting(conn, "rule_set", rules.id)
        record(conn, actor, table="settings", key="rule_set", action="update",
               old={"rule_set": old}, new={"rule_set": rules.id})


CALENDAR_KINDS = ("休息日", "工作日")


def save_calendar_day(db: Database, actor: Actor, day, kind: str, note: str = "") -> None:
    """Enter a day off (放假) or a working day (调休上班): the 调休 of a year the bundled calendar does not know,
    or a local arrangement (on a day the bundled calendar lists, its arrangement wins: workdays.entry_overridden)."""
    from datetime import date

    actor.require("管理员")
    if not isinstance(day, date):
        raise UserError("请填写日期，如 2027-02-06", field="day")
    if kind not in CALENDAR_KINDS:
        raise UserError("请选择“休息日”（放假）或“工作日”（调休上班）", field="kind")
    with db.transaction() as conn:
        old = {r["day"]: r for r in repo.list_calendar_days(conn)}.get(day.isoformat())
        repo.set_calendar_day(conn, day.isoformat(), kind, note.strip())
        record(conn, actor, table="calendar_days", key=day.isoformat(), action="update" if old else "insert",
               old={"kind": old["kind"], "note": old["note"]} if old else None, new={"kind": kind, "note": note.strip()})


def delete_calendar_day(db: Database, actor: Actor, day) -> None:
    actor.require("管理员")
    with db.transaction() as conn:
        old = {r["day"]: r for r in repo.list_calendar_days(conn)}.get(day.isoformat())
        if old is None:
            return
        repo.delete_calendar_day(conn, day.isoformat())
        record(conn, actor, table="calendar_days", key=day.isoformat(), action="delete",
               old={"kind": old["kind"], "note": old["note"]})


def set_calendar_year_complete(db: Database, actor: Actor, year: int, complete: bool) -> None:
    """Mark ``year`` as entered whole from the State Council's notice (已按国务院办公厅通知录入全年), or take the mark off.

    Only a marked year counts as known: until then every notice touching it warns that its 调休 may be missing.
    """
    from ..core.workdays import KNOWN_YEARS

    actor.require("管理员")
    year = _year(year)
    with db.transaction() as conn:
        old = repo.get_calendar_year(conn, year)
        if complete:
            if old is not None:
                return  # already marked: keep who marked it first
            if year in KNOWN_YEARS:
                raise UserError(f"程序已收录{year}年国务院公布的放假安排，不需要标记", field="year")
            stamp = {"confirmed_by": actor.username, "confirmed_at": db.clock.stamp()}
            repo.set_calendar_year(conn, year, **stamp)
            record(conn, actor, table="calendar_years", key=str(year), action="insert", new=stamp)
        elif old is not None:
            repo.delete_calendar_year(conn, year)
            record(conn, actor, table="calendar_years", key=str(year), action="delete",
                   old={"confirmed_by": old["confirmed_by"], "confirmed_at": old["confirmed_at"]})
