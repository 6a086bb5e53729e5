"""Verification figures of a small real year: SMS and spot-check coverage, discrepancies, visits, satisfaction."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from aiddesk.core.batch import Batch
from aiddesk.core.errors import UserError
from aiddesk.db.audit import Actor
from aiddesk.db.household_list import HouseholdFilter
from aiddesk.db.problems import insert_problem, resolve_problem
from aiddesk.services.archive import ArchiveService
from aiddesk.services.batches import BatchService
from aiddesk.services.payments import PaymentService
from aiddesk.services.verification_figures import (Ratio, archives_on_file, batch_figures, verification_figures,
                                                   year_batch_figures)
from workflow_steps import approve_batch

CLERK = Actor("jingban", "界面", ("经办人",))
REVIEWER = Actor("shenhe", "界面", ("审核人",))
APPROVER = Actor("shenpi", "界面", ("审批人",))


@pytest.fixture
def year(db, actor, make_household, receive):
    """2026: 送温暖 paid to four 在档 households, 生活救助 to one of them; a draft; calls, visits, answers, problems."""
    receive(db, 2026, "省总工会经费")
    archive = ArchiveService(db, actor)
    ids = {n: archive.save(make_household(i, name=n, **kw)).household_id for i, (n, kw) in enumerate([
        ("张三", {}), ("李梅", {}), ("王五", {}), ("赵六", {"hardship_category": "低保边缘户"}),
        ("钱七", {"archive_status": "临时"})], 1)}
    a = paid_batch(db, "2026年两节送温暖", "送温暖", HouseholdFilter(statuses=()), date(2026, 12, 8))
    b = paid_batch(db, "2026年生活救助（第一批）", "生活救助", HouseholdFilter(statuses=(), category="低保边缘户"),
                   date(2026, 12, 9))
    draft = BatchService(db, CLERK).save_draft(Batch(name="2026年金秋助学", activity="金秋助学", year=2026, unit_code="460000",
                                             fund_sources=["省总工会经费"], standard=Decimal("2000.00")))
    line = {(batch, r.recipient_name): r.id for batch in (a, b) for r in BatchService(db, CLERK).records(batch)}
    with db.transaction() as conn:
        for key, status in {(a, "张三"): "已发送", (a, "李梅"): "已发送", (a, "王五"): "已发送", (a, "赵六"): "发送失败",
                            (b, "赵六"): "已发送"}.items():
            conn.execute("UPDATE aid_records SET sms_status = ? WHERE id = ?", (status, line[key]))
        for key, result in [((a, "张三"), "核实一致"), ((a, "李梅"), "未接通"), ((a, "李梅"), "核实一致"),
                            ((a, "王五"), "金额不符"), ((b, "赵六"), "号码错误")]:
            conn.execute("INSERT INTO phone_calls (aid_record_id, called_on, result, called_by, recorded_at)"
                         " VALUES (?, '2026-12-10', ?, 'jingban', '2026-12-10T15:00:00')", (line[key], result))
        for name, on in [("张三", "2026-05-12"), ("张三", "2026-11-03"), ("钱七", "2026-06-01"), ("李梅", "2025-09-09")]:
            conn.execute("INSERT INTO home_visits (household_id, visited_on, visitors, outcome, recorded_by,"
                         " recorded_at)"
                         " VALUES (?, ?, '李经办、王审核', '情况属实', 'jingban', ?)", (ids[name], on, on + "T17:00:00"))
        for name, batch, on, answer in [("张三", a, "2026-12-15", "满意"), ("李梅", a, "2026-12-15", "不满意"),
                                        ("王五", None, "2026-06-01", "基本满意"), ("钱七", None, "2026-06-01", "满意"),
                                        ("赵六", None, "2025-12-01", "不满意")]:
            conn.execute("INSERT INTO feedback (household_id, batch_id, answered_on, answer, recorded_by, recorded_at)"
                         " VALUES (?, ?, ?, ?, 'jingban', ?)", (ids[name], batch, on, answer, on + "T10:00:00"))
        insert_problem(conn, source="电话抽查", kind="金额不符", description="本人称只收到800元",
                       opened_on=date(2026, 12, 10), opened_by="jingban", batch_id=a, aid_record_id=line[(a, "王五")])
        done = insert_problem(conn, source="入户走访", kind="情况变化", description="已再就业", opened_on=date(2026, 5, 12),
                              opened_by="jingban", household_id=ids["张三"], batch_id=a)
        resolve_problem(conn, done, resolved_on=date(2026, 5, 20), resolved_by="jingban", resolution="已更新档案收入")
        insert_problem(conn, source="电话抽查", kind="本人未收到", description="旧问题", opened_on=date(2025, 12, 1),
                       opened_by="jingban")
    return {"a": a, "b": b, "draft": draft, **ids}


def paid_batch(db, name: str, activity: str, flt: HouseholdFilter, paid_on: date) -> int:
    clerk = BatchService(db, CLERK)
    batch_id = clerk.save_draft(Batch(
        notice_phone="0898-66123456", name=name, activity=activity, year=2026, unit_code="460000",
        fund_sources=["省总工会经费"], standard=Decimal("500.00"), plan_text="两节前慰问",
        plan_approval_kind="主席办公会", plan_approved_by="主席办公会（2026年第12次）",
        plan_approved_on=date(2026, 11, 20)))
    clerk.add_from_filter(batch_id, flt)
    approve_batch(db, batch_id, clerk=clerk.actor, reviewer=REVIEWER, approver=APPROVER,
                  noticed=date(2026, 11, 26), ended=date(2026, 12, 3), approved=date(2026, 12, 4))
    db.clock.set(paid_on)
    PaymentService(db, CLERK).mark_paid(batch_id, paid_on=paid_on)
    return batch_id


def test_ratio_keeps_its_parts_and_rounds_the_rate():
    assert Ratio.of(1, 3) == (1, 3, Decimal("0.3333"))
    assert Ratio.of(2, 3).rate == Decimal("0.6667") and Ratio.of(2, 3).percent() == "66.7%"
    assert Ratio.of(0, 0) == (0, 0, None) and Ratio.of(0, 0).percent() == "—"
    assert Ratio.of(191, 200).text() == "95.5%（191/200）"


def test_year_figures(db, year):
    db.clock.set(date(2027, 1, 5))
    f = verification_figures(db, 2026)
    assert f.paid_lines == 5
    assert f.sms == (4, 5, Decimal("0.8000"))
    assert f.spot_check == (4, 5, Decimal("0.8000"))         # 张三, 李梅, 王五 and 赵六 were called
    assert f.reached == 3                                     # 赵六's number was wrong
    assert f.discrepancy == (1, 3, Decimal("0.3333"))        # 王五: 金额不符
    assert f.home_visits == (2, 4, Decimal("0.5000"))        # 张三 (twice) and 钱七, of four 在档 (钱七 is 临时)
    assert f.satisfaction == (3, 4, Decimal("0.7500"))       # 2025's answer left out
    assert (f.problems, f.open_problems) == (2, 1)
    empty = verification_figures(db, 2025)
    assert (empty.paid_lines, empty.sms, empty.discrepancy) == (0, (0, 0, None), (0, 0, None))
    assert empty.satisfaction == (0, 1, Decimal("0.0000")) and empty.problems == 1


def test_home_visit_coverage_counts_archives_on_file_at_the_years_end(db, actor, year):
    db.clock.set(date(2026, 12, 21))
    ArchiveService(db, actor).change_status(year["王五"], "脱困", on=date(2026, 12, 20), reason="脱困")
    assert archives_on_file(db, date(2026, 12, 19)) == 4
    assert archives_on_file(db, date(2026, 12, 31)) == 3
    assert archives_on_file(db, date(2026, 2, 28)) == 0       # before any archive was opened
    db.clock.set(date(2027, 1, 5))
    assert verification_figures(db, 2026).home_visits == (2, 3, Decimal("0.6667"))
    # this year's figure is counted up to today
    db.clock.set(date(2026, 12, 19))
    assert verification_figures(db, 2026).home_visits == (2, 4, Decimal("0.5000"))


def test_batch_figures(db, year):
    rows = {r.name: r for r in year_batch_figures(db, 2026)}
    assert list(rows) == ["2026年两节送温暖", "2026年生活救助（第一批）"]   # the unpaid draft is not listed
    a = rows["2026年两节送温暖"]
    assert (a.batch_id, a.status, a.paid_lines) == (year["a"], "已发放", 4)
    assert (a.sms, a.spot_check, a.reached, a.discrepancy) == ((3, 4, Decimal("0.7500")), (3, 4, Decimal("0.7500")),
                                                               3, (1, 3, Decimal("0.3333")))
    assert a.home_visits == (1, 4, Decimal("0.2500")) and a.satisfaction == (1, 2, Decimal("0.5000"))
    assert (a.problems, a.open_problems) == (2, 1)
    b = batch_figures(db, year["b"])
    everyone = (1, 1, Decimal("1.0000"))
    assert (b.paid_lines, b.sms, b.spot_check, b.reached) == (1, everyone, everyone, 0)
    assert (b.discrepancy, b.satisfaction, b.problems) == ((0, 0, None), (0, 0, None), 0)
    nothing = batch_figures(db, year["draft"])
    assert (nothing.status, nothing.paid_lines, nothing.sms) == ("草稿", 0, (0, 0, None))
    assert year_batch_figures(db, 2025) == []
    with pytest.raises(UserError, match="找不到"):
        batch_figures(db, 999)
