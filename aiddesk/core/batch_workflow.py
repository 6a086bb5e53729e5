"""The aid-batch workflow: 草稿 → 审核中 → 公示中 → 待审批 → 已审批 → 已发放 → 已核查, returns and voiding."""

from __future__ import annotations

from .errors import UserError

CLERK_ROLES = ("经办人", "管理员")
REVIEWER_ROLES = ("审核人",)
APPROVER_ROLES = ("审批人",)
# Once a list has left the clerk's hands, cancelling it is a decision for the approver, not an edit.
VOID_LATE_ROLES = ("审批人", "管理员")
STAFF_ROLES = ("经办人", "审核人", "管理员")

VOID = "已作废"
# From 已审批 on, the approved list is the evidence: recipients and amounts no longer change;
# a correction is a new line. A voided batch is closed for good.
LOCKED = ("已审批", "已发放", "已核查", VOID)
# Money has left the account: voiding would make the records lie about what was paid.
PAID = ("已发放", "已核查")

# (from, to) → (action name, who acts: clerk / reviewer / approver / staff, roles allowed).
# Order is the order actions are offered: forward first, then returns, then voiding.
TRANSITIONS: dict[tuple[str, str], tuple[str, str, tuple[str, ...]]] = {
    ("草稿", "审核中"): ("提交审核", "clerk", CLERK_ROLES),
    ("审核中", "公示中"): ("审核通过并公示", "reviewer", REVIEWER_ROLES),
    ("公示中", "待审批"): ("公示结束提交审批", "staff", STAFF_ROLES),
    ("待审批", "已审批"): ("审批通过", "approver", APPROVER_ROLES),
    ("已审批", "已发放"): ("确认发放", "staff", CLERK_ROLES),
    ("已发放", "已核查"): ("核查完成", "staff", STAFF_ROLES),
    ("审核中", "草稿"): ("退回修改", "reviewer", REVIEWER_ROLES),
    ("待审批", "审核中"): ("退回审核", "approver", APPROVER_ROLES),
    ("草稿", VOID): ("作废", "staff", CLERK_ROLES),
    ("审核中", VOID): ("作废", "staff", VOID_LATE_ROLES),
    ("公示中", VOID): ("作废", "staff", VOID_LATE_ROLES),
    ("待审批", VOID): ("作废", "staff", VOID_LATE_ROLES),
    ("已审批", VOID): ("作废", "staff", VOID_LATE_ROLES),
}
STATUSES = ("草稿", "审核中", "公示中", "待审批", "已审批", "已发放", "已核查", VOID)

ACTIONS: dict[tuple[str, str], str] = {pair: spec[0] for pair, spec in TRANSITIONS.items()}
NEEDS_REASON = ("退回修改", "退回审核", "作废")


def allowed_actions(status: str) -> list[tuple[str, str]]:
    """(target status, Chinese action name) pairs possible from ``status``, in display order."""
    return [(to, name) for (frm, to), name in ACTIONS.items() if frm == status]


def may_take(current: str, target: str, roles: tuple[str, ...] | None) -> bool:
    """Whether someone with ``roles`` may take this step at all (None: the command line, always)."""
    spec = TRANSITIONS.get((current, target))
    return spec is not None and (roles is None or bool(set(spec[2]) & set(roles)))


def locked(status: str) -> bool:
    """True when the batch's recipients and amounts may no longer be changed (from 已审批 on)."""
    return status in LOCKED


def check_transition(current: str, target: str, *, actor: str, actor_roles: tuple[str, ...] | None,
                     clerk: str, reviewer: str | None, approver: str | None,
                     notice_over: bool, reason: str) -> None:
    """Refuse an illegal batch status change with the reason, in Chinese.

    ``clerk``/``reviewer``/``approver`` are the users already recorded on the batch (None: not
    yet). ``actor_roles`` None means the command line: it has no login, so roles are not checked,
    but the three-different-people rule is still checked by user name.
    """
    if current == target:
        raise UserError(f"批次已经是“{current}”状态")
    if (current, target) not in TRANSITIONS:
        if target == VOID and current in PAID:
            raise UserError(f"“{current}”的批次不能作废：款项已经发出。"
                            "如有错发、多发，请新增更正明细（冲减或补发）并在核查中登记")
        choices = "、".join(name for _, name in allowed_actions(current)) or "无"
        raise UserError(f"“{current}”的批次不能直接改为“{target}”。可以进行的操作：{choices}")

    action, acting_as, roles = TRANSITIONS[(current, target)]
    if actor_roles is not None and not set(roles) & set(actor_roles):
        raise UserError(f"您的账号没有此权限：“{action}”需要以下角色之一：{'、'.join(roles)}")

    _check_people(action, acting_as, actor=actor, clerk=clerk, reviewer=reviewer, approver=approver)

    if (current, target) == ("公示中", "待审批") and not notice_over:
        raise UserError("公示期还没有结束，不能提交审批。请在公示结束日期之后再提交", field="notice_end")
    if action in NEEDS_REASON and not reason.strip():
        raise UserError(f"请填写{action}的原因", field="reason")


def _check_people(action: str, acting_as: str, *, actor: str, clerk: str,
                  reviewer: str | None, approver: str | None) -> None:
    """Maker-checker: the clerk, the reviewer and the approver are three different people."""
    if acting_as == "reviewer":
        if actor == clerk:
            raise UserError(f"审核人不能是本批次的经办人（{clerk}），请由其他审核人{action}")
        if approver and actor == approver:
            raise UserError(f"审核人不能与审批人是同一人（{approver}），请由其他审核人{action}")
    elif acting_as == "approver":
        if actor == clerk or (reviewer and actor == reviewer):
            who = "经办人" if actor == clerk else "审核人"
            raise UserError(f"审批人不能与经办人或审核人是同一人（{actor}是本批次的{who}），"
                            f"请由其他审批人{action}")
    elif acting_as == "clerk":
        # A list sent back and resubmitted by its own checker would have no second pair of eyes.
        if reviewer and actor == reviewer:
            raise UserError(f"提交人不能是本批次的审核人（{reviewer}），请由经办人{action}")
        if approver and actor == approver:
            raise UserError(f"提交人不能是本批次的审批人（{approver}），请由经办人{action}")
