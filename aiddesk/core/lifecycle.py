"""The archive lifecycle: 临时 → 在档 → 脱困 / 注销, and reopening."""

from __future__ import annotations

from datetime import date

from .codes import code_groups
from .errors import UserError

# (from, to) pairs allowed; a closed archive may be reopened, keeping its history.
TRANSITIONS = {
    ("临时", "在档"), ("临时", "注销"),
    ("在档", "脱困"), ("在档", "注销"),
    ("脱困", "在档"), ("注销", "在档"), ("脱困", "临时"), ("注销", "临时"),
}
CLOSED = ("脱困", "注销")

ACTION_NAMES = {"在档": "转为在档", "临时": "重新建档（临时）", "脱困": "脱困", "注销": "注销"}


def allowed_targets(status: str) -> list[str]:
    return [to for (frm, to) in sorted(TRANSITIONS) if frm == status]


def check_transition(current: str, target: str, *, on: date | None, reason: str, since: date, first: bool,
                     today: date) -> None:
    """Refuse an illegal status change with the reason, in Chinese.

    ``on`` is the day the change takes effect (the 退出日期 of a closure); ``since`` the day the present status
    began (``first``: that is the 建档日期), before which no change can take effect.
    """
    if current == target:
        raise UserError(f"档案已经是“{current}”状态")
    if (current, target) not in TRANSITIONS:
        choices = "、".join(ACTION_NAMES[t] for t in allowed_targets(current)) or "无"
        raise UserError(f"“{current}”的档案不能直接改为“{target}”。可以进行的操作：{choices}")
    what = f"{target}日期" if target in CLOSED else "生效日期"
    if target in CLOSED:
        reasons = code_groups("exit_kind")[target]
        if reason not in reasons:
            raise UserError(f"请选择{target}原因：{'、'.join(reasons)}", field="exit_reason")
    if on is None:
        raise UserError(f"请填写{what}", field="exit_date")
    if on > today:
        raise UserError(f"{what}不能晚于今天（{today.isoformat()}）", field="exit_date")
    if on < since:
        began = f"建档日期 {since.isoformat()}" if first else f"档案本次转为“{current}”的日期 {since.isoformat()}"
        raise UserError(f"{what}不能早于{began}", field="exit_date")
