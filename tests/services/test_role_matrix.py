"""Who may do the protected actions: each (action, role) through the real services; a refusal changes nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from aiddesk.core.batch import AidRecord, Batch
from aiddesk.core.errors import UserError
from aiddesk.db.audit import Actor
from aiddesk.db.household_list import HouseholdFilter
from aiddesk.services import accounts, backups, settings
from aiddesk.services.archive import ArchiveService
from aiddesk.services.batches import BatchService

# The batch's own clerk and reviewer; the people acting in the matrix are others, so the
# "not the same person" rules of the workflow do not hide the role check.
CLERK = Actor("jingban", "界面", ("经办人",))
REVIEWER = Actor("shenhe", "界面", ("审核人",))
ROLES = ("管理员", "经办人", "审核人", "审批人")
ALL = HouseholdFilter(statuses=())


def acting(role: str) -> Actor:
    return Actor(f"user-{role}", "界面", (role,))


def batch(**kw) -> Batch:
    values = dict(name="2026年生活救助", activity="生活救助", year=2026, unit_code="460000",
                  fund_sources=["省总工会经费"], standard=Decimal("1000.00"), notice_phone="0898-66123456")
    values.update(kw)
    return Batch(**values)


@pytest.fixture
def office(db, actor, make_household, receive):
    """Money received, three archives, and a batch with them in it as a draft."""
    receive(db, 2026, "省总工会经费")
    service = ArchiveService(db, actor)
    ids = [service.save(make_household(i)).household_id for i in (1, 2, 3)]
    clerk = BatchService(db, CLERK)
    batch_id = clerk.save_draft(batch())
    clerk.add_from_filter(batch_id, ALL)
    return ids, batch_id


def to_awaiting_approval(db, batch_id: int) -> None:
    clerk = BatchService(db, CLERK)
    db.clock.set(date(2026, 11, 2))
    clerk.transition(batch_id, "审核中")
    BatchService(db, REVIEWER).transition(batch_id, "公示中")
    db.clock.set(date(2026, 11, 9))
    clerk.transition(batch_id, "待审批")


def to_approved(db, batch_id: int) -> None:
    to_awaiting_approval(db, batch_id)
    db.clock.set(date(2026, 11, 10))
    BatchService(db, Actor("shenpi", "界面", ("审批人",))).transition(batch_id, "已审批")


# ---- the actions: (set-up on the office, the action done as ``who``) ----------------------------

def approve(db, office, who):
    to_awaiting_approval(db, office[1])
    db.clock.set(date(2026, 11, 10))
    return lambda: BatchService(db, who).transition(office[1], "已审批")


def override_a_check(db, office, who):
    ids, _ = office
    draft = BatchService(db, CLERK).save_draft(batch(name="2026年大病救助", standard=Decimal("9000.00")))
    big = AidRecord(household_id=ids[0], amount=Decimal("9000.00"))  # above the yearly cap: needs 特批
    return lambda: BatchService(db, who).add_line(draft, big, override_reason="家中突发重病，确需救助")


def correct_an_approved_line(db, office, who):
    to_approved(db, office[1])
    line = BatchService(db, CLERK).records(office[1])[0]
    return lambda: BatchService(db, who).correct_line(line.id, amount=Decimal("800.00"), reason="按家庭人口调整为800元")


def add_to_an_approved_batch(db, office, who):
    to_approved(db, office[1])
    return lambda: BatchService(db, who).add_from_filter(office[1], ALL)


def manage_users(db, office, who):
    return lambda: accounts.add_user(db, who, username="wangfang", display_name="王芳", password="gh2026-pass",
                                     roles=("经办人",))


def change_settings(db, office, who):
    return lambda: settings.save_dibao_line(db, who, "460100", 2026, "720")


def restore_a_backup(db, office, who):
    # A real backup, so only the role check can refuse; the admin's restore is tests/services/test_backups.py's.
    archive = backups.backup_now(db, Actor("操作员", "命令行")).archive
    return lambda: backups.restore(db.path, archive, who, db.clock)


MATRIX = {
    approve: ("审批人",),
    override_a_check: ("审批人",),
    correct_an_approved_line: ("审批人",),
    add_to_an_approved_batch: (),  # locked once approved: nobody, whatever the role
    manage_users: ("管理员",),
    change_settings: ("管理员",),
    restore_a_backup: ("管理员",),
}
CASES = [(a, role) for a in MATRIX for role in ROLES if not (a is restore_a_backup and role == "管理员")]


def everything(db) -> list[str]:
    return list(db.conn.iterdump())


@pytest.mark.parametrize("action, role", CASES, ids=[f"{a.__name__}-{r}" for a, r in CASES])
def test_role_matrix(db, office, action, role):
    run = action(db, office, acting(role))
    before = everything(db)
    if role in MATRIX[action]:
        run()
        assert everything(db) != before
    else:
        with pytest.raises(UserError) as info:
            run()
        assert info.value.message and "Traceback" not in info.value.message
        assert everything(db) == before


def test_a_refused_role_hears_which_roles_may(db, office):
    with pytest.raises(UserError, match="审批人"):
        approve(db, office, acting("审核人"))()
    with pytest.raises(UserError, match="管理员"):
        manage_users(db, office, acting("审批人"))()
