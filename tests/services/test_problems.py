"""Verification problems stay open until someone resolves them with a written reason."""

from __future__ import annotations

from datetime import date

import pytest

from aiddesk.core.errors import UserError, ValidationError
from aiddesk.db.audit import Actor
from aiddesk.db.problems import insert_problem
from aiddesk.services.archive import ArchiveService
from aiddesk.services.problems import ProblemService


@pytest.fixture
def problem(db, actor, make_household) -> int:
    household = ArchiveService(db, actor).save(make_household(1, name="张三")).household_id
    db.clock.set(date(2026, 12, 5))  # the problem is followed up in December
    with db.transaction() as conn:
        return insert_problem(conn, source="入户走访", kind="情况变化", description="已再就业，月收入3000元",
                              opened_on=date(2026, 12, 1), opened_by="jingban", household_id=household)


def test_a_problem_is_closed_only_with_a_reason_and_only_once(db, actor, problem):
    service = ProblemService(db, actor)
    (p,) = service.problems(open_only=True)
    assert (p.name, p.archive_no[:2], p.is_open) == ("张三", "46", True)
    with pytest.raises(ValidationError) as short:
        service.resolve(problem, "已办")
    assert "resolution" in short.value.problems
    with pytest.raises(ValidationError, match="不能早于"):
        service.resolve(problem, "已核实并调整档案类别", on=date(2026, 11, 30))
    service.resolve(problem, "已核实并调整档案类别", on=date(2026, 12, 3))
    assert service.problems(open_only=True) == []
    closed = service.get(problem)
    assert (closed.resolved_on, closed.resolved_by, closed.resolution) == (date(2026, 12, 3), "测试员",
                                                                          "已核实并调整档案类别")
    with pytest.raises(UserError, match="已于2026-12-03由测试员处理完毕"):
        service.resolve(problem, "再处理一次看看")
    logged = db.conn.execute("SELECT new_values FROM audit_log WHERE table_name = 'problems'").fetchone()[0]
    assert "已核实并调整档案类别" in logged


def test_an_approver_does_not_follow_problems_up(db, problem):
    with pytest.raises(UserError, match="没有此权限"):
        ProblemService(db, Actor("shenpi", "界面", ("审批人",))).resolve(problem, "已核实并调整档案类别",
                                                                    on=date(2026, 12, 2))
    reviewer = ProblemService(db, Actor("shenhe", "界面", ("审核人",)))
    reviewer.resolve(problem, "已核实并调整档案类别", on=date(2026, 12, 2))
