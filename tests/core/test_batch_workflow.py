"""The aid-batch state machine: legal moves, roles, three different people, notice period, voiding."""

import pytest

from aiddesk.core.batch_workflow import ACTIONS, STATUSES, allowed_actions, check_transition, locked
from aiddesk.core.codes import code_list
from aiddesk.core.errors import UserError

CLERK, REVIEWER, APPROVER = "张三", "李四", "王五"
ROLES = {CLERK: ("经办人",), REVIEWER: ("审核人",), APPROVER: ("审批人",), "admin": ("管理员",)}


def move(current, target, *, actor, roles="default", clerk=CLERK, reviewer=None, approver=None,
         notice_over=True, reason=""):
    check_transition(current, target, actor=actor,
                     actor_roles=ROLES.get(actor, ()) if roles == "default" else roles,
                     clerk=clerk, reviewer=reviewer, approver=approver,
                     notice_over=notice_over, reason=reason)


def refused(**kw) -> str:
    with pytest.raises(UserError) as err:
        move(**kw)
    return str(err.value)


# --------------------------------------------------------------------------- legal moves

LEGAL = [
    # current, target, actor, reviewer on record, reason
    ("草稿", "审核中", CLERK, None, ""),
    ("草稿", "审核中", "admin", None, ""),
    ("审核中", "公示中", REVIEWER, None, ""),
    ("审核中", "草稿", REVIEWER, None, "名单中有两户已脱困"),
    ("公示中", "待审批", CLERK, REVIEWER, ""),
    ("公示中", "待审批", REVIEWER, REVIEWER, ""),
    ("待审批", "已审批", APPROVER, REVIEWER, ""),
    ("待审批", "审核中", APPROVER, REVIEWER, "发放标准与方案不符"),
    ("已审批", "已发放", CLERK, REVIEWER, ""),
    ("已发放", "已核查", CLERK, REVIEWER, ""),
    ("已发放", "已核查", REVIEWER, REVIEWER, ""),
    ("草稿", "已作废", CLERK, None, "活动取消"),
    ("审核中", "已作废", APPROVER, None, "活动取消"),
    ("公示中", "已作废", APPROVER, REVIEWER, "活动取消"),
    ("待审批", "已作废", "admin", REVIEWER, "活动取消"),
    ("已审批", "已作废", APPROVER, REVIEWER, "资金未到账"),
]


@pytest.mark.parametrize(("current", "target", "actor", "reviewer", "reason"), LEGAL)
def test_legal_transition_with_roles(current, target, actor, reviewer, reason):
    move(current, target, actor=actor, reviewer=reviewer, reason=reason)


@pytest.mark.parametrize(("current", "target", "actor", "reviewer", "reason"), LEGAL)
def test_legal_transition_on_command_line(current, target, actor, reviewer, reason):
    move(current, target, actor=actor, roles=None, reviewer=reviewer, reason=reason)


def test_every_transition_is_tested_and_named():
    assert {(c, t) for c, t, *_ in LEGAL} == set(ACTIONS)
    assert set(ACTIONS.values()) == {"提交审核", "审核通过并公示", "退回修改", "公示结束提交审批", "审批通过",
                                     "退回审核", "确认发放", "核查完成", "作废"}


def test_statuses_are_the_code_list():
    assert list(STATUSES) == code_list("batch_status")
    assert {s for pair in ACTIONS for s in pair} == set(STATUSES)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("草稿", [("审核中", "提交审核"), ("已作废", "作废")]),
        ("审核中", [("公示中", "审核通过并公示"), ("草稿", "退回修改"), ("已作废", "作废")]),
        ("公示中", [("待审批", "公示结束提交审批"), ("已作废", "作废")]),
        ("待审批", [("已审批", "审批通过"), ("审核中", "退回审核"), ("已作废", "作废")]),
        ("已审批", [("已发放", "确认发放"), ("已作废", "作废")]),
        ("已发放", [("已核查", "核查完成")]),
        ("已核查", []),
        ("已作废", []),
        ("不存在", []),
    ],
)
def test_allowed_actions(status, expected):
    assert allowed_actions(status) == expected


@pytest.mark.parametrize(
    ("status", "is_locked"),
    [("草稿", False), ("审核中", False), ("公示中", False), ("待审批", False),
     ("已审批", True), ("已发放", True), ("已核查", True), ("已作废", True)],
)
def test_locked_from_approval_on(status, is_locked):
    assert locked(status) is is_locked


# --------------------------------------------------------------------------- illegal moves


@pytest.mark.parametrize(
    ("current", "target", "actor", "message"),
    [
        ("草稿", "公示中", REVIEWER, "“草稿”的批次不能直接改为“公示中”。可以进行的操作：提交审核、作废"),
        ("草稿", "已审批", APPROVER, "“草稿”的批次不能直接改为“已审批”。可以进行的操作：提交审核、作废"),
        ("审核中", "待审批", REVIEWER,
         "“审核中”的批次不能直接改为“待审批”。可以进行的操作：审核通过并公示、退回修改、作废"),
        ("公示中", "已审批", APPROVER, "“公示中”的批次不能直接改为“已审批”。可以进行的操作：公示结束提交审批、作废"),
        ("公示中", "草稿", REVIEWER, "“公示中”的批次不能直接改为“草稿”"),
        ("已审批", "待审批", APPROVER, "“已审批”的批次不能直接改为“待审批”。可以进行的操作：确认发放、作废"),
        ("已发放", "已审批", APPROVER, "“已发放”的批次不能直接改为“已审批”。可以进行的操作：核查完成"),
        ("已核查", "已发放", CLERK, "“已核查”的批次不能直接改为“已发放”。可以进行的操作：无"),
        ("已作废", "草稿", CLERK, "“已作废”的批次不能直接改为“草稿”。可以进行的操作：无"),
        ("审核中", "审核中", REVIEWER, "批次已经是“审核中”状态"),
    ],
)
def test_illegal_transition_lists_allowed_actions(current, target, actor, message):
    assert message in refused(current=current, target=target, actor=actor, reviewer=REVIEWER, reason="原因说明")


@pytest.mark.parametrize("current", ["已发放", "已核查"])
@pytest.mark.parametrize("roles", ["default", None])
def test_void_after_payment_refused(current, roles):
    message = refused(current=current, target="已作废", actor=APPROVER, roles=roles, reason="发错了人")
    assert f"“{current}”的批次不能作废：款项已经发出" in message
    assert "更正明细" in message


# --------------------------------------------------------------------------- roles


@pytest.mark.parametrize(
    ("current", "target", "actor", "roles", "needed"),
    [
        ("草稿", "审核中", REVIEWER, ("审核人",), "“提交审核”需要以下角色之一：经办人、管理员"),
        ("草稿", "审核中", APPROVER, ("审批人",), "经办人、管理员"),
        ("审核中", "公示中", "赵六", ("经办人",), "“审核通过并公示”需要以下角色之一：审核人"),
        ("审核中", "公示中", "admin", ("管理员",), "需要以下角色之一：审核人"),
        ("审核中", "草稿", "赵六", ("经办人", "审批人"), "“退回修改”需要以下角色之一：审核人"),
        ("公示中", "待审批", APPROVER, ("审批人",), "经办人、审核人、管理员"),
        ("待审批", "已审批", "赵六", ("审核人",), "“审批通过”需要以下角色之一：审批人"),
        ("待审批", "已审批", "admin", ("管理员",), "需要以下角色之一：审批人"),
        ("待审批", "审核中", "赵六", ("审核人",), "“退回审核”需要以下角色之一：审批人"),
        ("已审批", "已发放", "赵六", ("审核人",), "“确认发放”需要以下角色之一：经办人、管理员"),
        ("已发放", "已核查", APPROVER, ("审批人",), "“核查完成”需要以下角色之一：经办人、审核人、管理员"),
        ("草稿", "已作废", "赵六", ("审核人",), "“作废”需要以下角色之一：经办人、管理员"),
        ("公示中", "已作废", CLERK, ("经办人",), "“作废”需要以下角色之一：审批人、管理员"),
        ("草稿", "审核中", CLERK, (), "您的账号没有此权限"),
    ],
)
def test_role_refused(current, target, actor, roles, needed):
    message = refused(current=current, target=target, actor=actor, roles=roles, reason="原因说明")
    assert message.startswith("您的账号没有此权限")
    assert needed in message


def test_command_line_skips_roles():
    move("草稿", "审核中", actor="root", roles=None)
    move("审核中", "公示中", actor="root", roles=None)
    move("待审批", "已审批", actor="root", roles=None, reviewer=REVIEWER)


# --------------------------------------------------------------------------- three different people


@pytest.mark.parametrize("roles", [("经办人", "审核人", "审批人"), None], ids=["gui", "cli"])
@pytest.mark.parametrize(
    ("current", "target", "actor", "reviewer", "approver", "message"),
    [
        ("审核中", "公示中", CLERK, None, None, f"审核人不能是本批次的经办人（{CLERK}）"),
        ("审核中", "草稿", CLERK, None, None, f"审核人不能是本批次的经办人（{CLERK}）"),
        ("审核中", "公示中", APPROVER, None, APPROVER, f"审核人不能与审批人是同一人（{APPROVER}）"),
        ("待审批", "已审批", CLERK, REVIEWER, None, "审批人不能与经办人或审核人是同一人（张三是本批次的经办人）"),
        ("待审批", "已审批", REVIEWER, REVIEWER, None, "审批人不能与经办人或审核人是同一人（李四是本批次的审核人）"),
        ("待审批", "审核中", CLERK, REVIEWER, None, "审批人不能与经办人或审核人是同一人"),
        ("待审批", "审核中", REVIEWER, REVIEWER, None, "审批人不能与经办人或审核人是同一人"),
        ("草稿", "审核中", REVIEWER, REVIEWER, None, f"提交人不能是本批次的审核人（{REVIEWER}）"),
        ("草稿", "审核中", APPROVER, None, APPROVER, f"提交人不能是本批次的审批人（{APPROVER}）"),
    ],
)
def test_same_person_refused(roles, current, target, actor, reviewer, approver, message):
    # The actor holds every role, so only the three-people rule can refuse (also on the command line).
    assert message in refused(current=current, target=target, actor=actor, roles=roles,
                              reviewer=reviewer, approver=approver, reason="原因说明")


def test_clerk_may_submit_and_pay():
    move("草稿", "审核中", actor=CLERK)
    move("已审批", "已发放", actor=CLERK, reviewer=REVIEWER, approver=APPROVER)


# --------------------------------------------------------------------------- notice period and reasons


@pytest.mark.parametrize("roles", ["default", None])
def test_notice_not_over_refused(roles):
    with pytest.raises(UserError) as err:
        move("公示中", "待审批", actor=CLERK, roles=roles, reviewer=REVIEWER, notice_over=False)
    assert "公示期还没有结束，不能提交审批" in str(err.value)
    assert err.value.field == "notice_end"


def test_notice_over_only_matters_for_leaving_notice():
    move("审核中", "公示中", actor=REVIEWER, notice_over=False)
    move("公示中", "已作废", actor=APPROVER, notice_over=False, reason="活动取消")


@pytest.mark.parametrize(
    ("current", "target", "actor", "message"),
    [
        ("审核中", "草稿", REVIEWER, "请填写退回修改的原因"),
        ("待审批", "审核中", APPROVER, "请填写退回审核的原因"),
        ("草稿", "已作废", CLERK, "请填写作废的原因"),
        ("已审批", "已作废", APPROVER, "请填写作废的原因"),
    ],
)
@pytest.mark.parametrize("reason", ["", "   "])
def test_reason_required(current, target, actor, message, reason):
    with pytest.raises(UserError) as err:
        move(current, target, actor=actor, reviewer=REVIEWER, reason=reason)
    assert str(err.value) == message
    assert err.value.field == "reason"


@pytest.mark.parametrize("roles, target, expected", [
    (("经办人",), "审核中", True), (("审核人",), "审核中", False), (("审核人",), "公示中", False),
    (None, "审核中", True), (("管理员",), "审核中", True),
])
def test_may_take_follows_the_roles(roles, target, expected):
    from aiddesk.core.batch_workflow import may_take

    assert may_take("草稿", target, roles) is expected
