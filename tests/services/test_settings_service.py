"""The settings service: 低保 lines and the holiday calendar are checked, saved, replaced, deleted and audited."""

import json
from decimal import Decimal

import pytest

from aiddesk.core.errors import UserError
from aiddesk.db.settings import dibao_lines, get_dibao_line
from aiddesk.services.settings import delete_dibao_line, save_dibao_line


def audit_rows(db, key):
    return db.conn.execute(
        "SELECT user, via, action, old_values, new_values FROM audit_log"
        " WHERE table_name = 'dibao_lines' AND row_key = ? ORDER BY id", (key,)
    ).fetchall()


@pytest.mark.parametrize("area, year, line, field, message", [
    ("", 2026, "700", "area_code", "地区代码应为6位数字"),
    ("4601", 2026, "700", "area_code", "地区代码应为6位数字"),
    ("46010A", 2026, "700", "area_code", "地区代码应为6位数字"),
    ("4601000", 2026, "700", "area_code", "地区代码应为6位数字"),
    ("460100", 1999, "700", "year", "年度应在2000至2100之间"),
    ("460100", 2101, "700", "year", "年度应在2000至2100之间"),
    ("460100", 2026, "", "line", "请填写低保标准"),
    ("460100", 2026, "七百", "line", "不是金额"),
    ("460100", 2026, "700.123", "line", "超过两位小数"),
    ("460100", 2026, Decimal("700.005"), "line", "超过两位小数"),
    ("460100", 2026, "0", "line", "低保标准应大于0"),
    ("460100", 2026, "-5", "line", "低保标准应大于0"),
])
def test_invalid_input_is_refused_with_a_chinese_message_and_nothing_written(db, actor, area, year, line,
                                                                              field, message):
    before = dibao_lines(db.conn)
    with pytest.raises(UserError) as caught:
        save_dibao_line(db, actor, area, year, line)
    assert caught.value.field == field
    assert message in caught.value.message
    assert dibao_lines(db.conn) == before
    assert db.conn.execute("SELECT count(*) FROM audit_log WHERE table_name = 'dibao_lines'").fetchone()[0] == 0


def test_a_new_line_is_saved_and_audited(db, actor):
    save_dibao_line(db, actor, "460200", 2026, Decimal("680.5"))
    assert get_dibao_line(db.conn, "460200", 2026) == Decimal("680.50")
    [(user, via, action, old, new)] = audit_rows(db, "460200/2026")
    assert (user, via, action, old) == ("测试员", "命令行", "insert", None)
    assert json.loads(new) == {"line": "680.50"}


def test_full_width_digits_and_grouped_amounts_are_accepted(db, actor):
    save_dibao_line(db, actor, "４６０２００", 2027, "1,050.00")
    assert get_dibao_line(db.conn, "460200", 2027) == Decimal("1050.00")


def test_saving_again_replaces_the_line_and_logs_old_and_new(db, actor):
    save_dibao_line(db, actor, "460100", 2026, Decimal("720"))
    assert get_dibao_line(db.conn, "460100", 2026) == Decimal("720.00")
    assert [row for row in dibao_lines(db.conn) if row[:2] == ("460100", 2026)] == [("460100", 2026, Decimal("720.00"))]
    [(_, _, action, old, new)] = audit_rows(db, "460100/2026")
    assert action == "update"
    assert json.loads(old) == {"line": "700.00"}
    assert json.loads(new) == {"line": "720.00"}


def test_saving_the_same_value_logs_nothing(db, actor):
    save_dibao_line(db, actor, "460100", 2026, Decimal("700.00"))
    assert audit_rows(db, "460100/2026") == []


def test_delete_removes_the_line_and_logs_it(db, actor):
    delete_dibao_line(db, actor, "460100", 2015)
    assert get_dibao_line(db.conn, "460100", 2015) is None
    assert get_dibao_line(db.conn, "460100", 2026) == Decimal("700.00")
    [(_, _, action, old, new)] = audit_rows(db, "460100/2015")
    assert (action, json.loads(old), new) == ("delete", {"line": "460.00"}, None)


def test_deleting_a_missing_line_does_nothing(db, actor):
    delete_dibao_line(db, actor, "469000", 2026)
    assert audit_rows(db, "469000/2026") == []


def test_rule_set_choice_changes_the_suggestion_and_is_audited(db, actor, make_household):
    from aiddesk.core.errors import UserError
    from aiddesk.services.archive import ArchiveService
    from aiddesk.services.settings import set_rule_set

    service = ArchiveService(db, actor)
    h = make_household(1)
    assert service.suggest(h).category == "低保户"          # older national rules by default
    set_rule_set(db, actor, "national_2021")
    assert service.suggest(h).category == "深度困难"        # the newer ones, from the same figures
    row = db.conn.execute("SELECT old_values, new_values FROM audit_log WHERE table_name = 'settings'").fetchone()
    assert "national_2010" in row[0] and "national_2021" in row[1]
    with pytest.raises(UserError, match="找不到类别规则"):
        set_rule_set(db, actor, "no_such_rules")


def test_entered_holidays_move_a_2027_notice(db, actor):
    from datetime import date

    from aiddesk.core.workdays import notice_end
    from aiddesk.services.batches import BatchService
    from aiddesk.services.settings import delete_calendar_day, save_calendar_day

    cal = BatchService(db, actor).calendar()
    # 2027 unknown to the package: 春节 2月5日–8日 (除夕 to 初三) computed, no 调休 yet
    assert notice_end(date(2027, 2, 8), 5, cal) == date(2027, 2, 15)
    for day in range(9, 12):
        save_calendar_day(db, actor, date(2027, 2, day), "休息日", "春节")
    save_calendar_day(db, actor, date(2027, 2, 13), "工作日", "春节调休")
    cal = BatchService(db, actor).calendar()
    assert notice_end(date(2027, 2, 8), 5, cal) == date(2027, 2, 17)  # 12, 13 (调休), 15, 16, 17
    delete_calendar_day(db, actor, date(2027, 2, 13))
    assert notice_end(date(2027, 2, 8), 5, BatchService(db, actor).calendar()) == date(2027, 2, 18)
    rows = db.conn.execute("SELECT count(*) FROM audit_log WHERE table_name = 'calendar_days'").fetchone()[0]
    assert rows == 5
    with pytest.raises(UserError, match="休息日"):
        save_calendar_day(db, actor, date(2027, 2, 1), "节日")


# -- years entered whole (已按国务院办公厅通知录入全年) ---------------------------------------------------


def calendar_year_audit(db):
    return [(r["user"], r["row_key"], r["action"], r["old_values"], r["new_values"]) for r in db.conn.execute(
        "SELECT user, row_key, action, old_values, new_values FROM audit_log WHERE table_name = 'calendar_years'"
        " ORDER BY id")]


def test_only_a_marked_year_is_known(db, actor):
    from datetime import date, datetime, timedelta

    from aiddesk.core.clock import FixedClock
    from aiddesk.core.workdays import notice_warnings
    from aiddesk.db.settings import list_calendar_years, office_calendar
    from aiddesk.services.settings import save_calendar_day, set_calendar_year_complete

    db.clock = FixedClock(datetime(2027, 1, 5, 9, 30))
    save_calendar_day(db, actor, date(2027, 2, 13), "工作日", "春节调休")
    cal = office_calendar(db.conn)
    assert cal.is_workday(date(2027, 2, 13)) and not cal.is_workday(date(2027, 2, 6))
    # one entered day does not silence the year: the rest of its 调休 may be missing
    (warning,) = notice_warnings(date(2027, 2, 1), date(2027, 2, 16), cal)
    assert "2027年的放假安排尚未录全（已录入1天）" in warning and "调休" in warning

    set_calendar_year_complete(db, actor, 2027, True)
    cal = office_calendar(db.conn)
    assert cal.complete_years == {2027} and cal.is_workday(date(2027, 2, 13))
    assert notice_warnings(date(2027, 2, 1), date(2027, 2, 16), cal) == []
    assert [tuple(r) for r in list_calendar_years(db.conn)] == [(2027, "测试员", "2027-01-05T09:30:00")]
    # marking again changes nothing: the first confirmation stays
    db.clock.advance(timedelta(days=1))
    set_calendar_year_complete(db, actor, 2027, True)
    assert [tuple(r) for r in list_calendar_years(db.conn)] == [(2027, "测试员", "2027-01-05T09:30:00")]

    set_calendar_year_complete(db, actor, 2027, False)
    assert office_calendar(db.conn).complete_years == frozenset()
    assert len(notice_warnings(date(2027, 2, 1), date(2027, 2, 16), office_calendar(db.conn))) == 1
    set_calendar_year_complete(db, actor, 2027, False)  # nothing to take off: no entry
    stamp = {"confirmed_by": "测试员", "confirmed_at": "2027-01-05T09:30:00"}
    assert calendar_year_audit(db) == [
        ("测试员", "2027", "insert", None, json.dumps(stamp, ensure_ascii=False)),
        ("测试员", "2027", "delete", json.dumps(stamp, ensure_ascii=False), None),
    ]


@pytest.mark.parametrize("year, message", [
    (2026, "程序已收录2026年国务院公布的放假安排，不需要标记"),
    (2101, "年度应在2000至2100之间"),
    ("2027", "年度应在2000至2100之间"),
])
def test_marking_a_year_refused(db, actor, year, message):
    from aiddesk.services.settings import set_calendar_year_complete

    with pytest.raises(UserError, match=message):
        set_calendar_year_complete(db, actor, year, True)
    assert db.conn.execute("SELECT count(*) FROM calendar_years").fetchone()[0] == 0
    assert calendar_year_audit(db) == []


def test_only_an_administrator_marks_a_year(db, actor):
    from aiddesk.db.audit import Actor
    from aiddesk.services.settings import set_calendar_year_complete

    clerk = Actor("经办员", "界面", roles=("经办人", "审核人"))
    with pytest.raises(UserError, match="需要以下角色之一：管理员"):
        set_calendar_year_complete(db, clerk, 2027, True)
    assert db.conn.execute("SELECT count(*) FROM calendar_years").fetchone()[0] == 0
    set_calendar_year_complete(db, Actor("管理员甲", "界面", roles=("管理员",)), 2027, True)
    with pytest.raises(UserError, match="需要以下角色之一：管理员"):
        set_calendar_year_complete(db, clerk, 2027, False)
    assert [r[:3] for r in calendar_year_audit(db)] == [("管理员甲", "2027", "insert")]


def test_every_service_counts_with_the_office_calendar(db, actor):
    """BatchService.calendar() is the office calendar: the entered days and the complete years."""
    from datetime import date

    from aiddesk.db.settings import office_calendar
    from aiddesk.services.batches import BatchService
    from aiddesk.services.settings import save_calendar_day, set_calendar_year_complete

    save_calendar_day(db, actor, date(2027, 1, 9), "工作日", "调休")
    set_calendar_year_complete(db, actor, 2028, True)
    cal = BatchService(db, actor).calendar()
    assert cal == office_calendar(db.conn)
    assert cal.extra_workdays == {date(2027, 1, 9)} and cal.complete_years == {2028}
