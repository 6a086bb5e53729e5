"""The batch checklist (核查清单): its eight items in order, their Chinese titles, and each verdict from facts."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

# Item keys, as stored in batch_check_marks.item; the order is the order printed and shown.
ARCHIVE_VALID = "archive_valid"
NOTICE = "notice"
SEPARATE_PEOPLE = "separate_people"
PAYMENT_METHOD = "payment_method"
PAID_ON_TIME = "paid_on_time"
SMS = "sms"
SPOT_CHECK = "spot_check"
NATIONAL_SYSTEM = "national_system"

ITEMS = (ARCHIVE_VALID, NOTICE, SEPARATE_PEOPLE, PAYMENT_METHOD, PAID_ON_TIME, SMS, SPOT_CHECK, NATIONAL_SYSTEM)
TITLES = {
    ARCHIVE_VALID: "帮扶对象审批时档案有效",
    NOTICE: "公示期满后审批",
    SEPARATE_PEOPLE: "经办、审核、审批三人分设",
    PAYMENT_METHOD: "发放方式合规",
    PAID_ON_TIME: "按期发放",
    SMS: "短信通知全覆盖",
    SPOT_CHECK: "电话抽查",
    NATIONAL_SYSTEM: "已录入全国工会帮扶管理系统",
}

PASSED, FAILED, WAIVED = "✓", "✗", "豁免"
DONE, WAIVER = "已完成", "豁免"      # batch_check_marks.mark
CLOSED = ("脱困", "注销")
CARDS = ("会员服务卡", "银行卡")
CASH = "现金"
SENT = "已发送"


# ---- facts -------------------------------------------------------------------------------

@dataclass(frozen=True)
class LineFacts:
    """What the checklist needs to know about one valid line of the batch."""

    id: int
    record_no: str
    name: str
    payment_method: str = "会员服务卡"
    bank_card: str = ""
    signed: bool = False                 # a signed 实名制签领表 covers it (on the line or the whole batch)
    paid_on: date | None = None
    sms_status: str = "未发送"
    sms_error: str = ""
    archive_status: str | None = "在档"  # the archive's status on the approval date (None: not yet created)
    reached: bool = False                # a 电话抽查 call got through to the person


@dataclass(frozen=True)
class OpenProblem:
    """A 电话抽查 problem of the batch not yet resolved."""

    id: int
    record_id: int | None
    name: str
    kind: str
    opened_on: date


@dataclass(frozen=True)
class Mark:
    """A manual mark: the 已录入全国系统 tick or an approver's waiver (with its reason)."""

    by: str
    on: date
    note: str = ""


@dataclass(frozen=True)
class BatchFacts:
    activity: str
    approved_on: date | None
    notice_start: date | None
    notice_days: int | None
    notice_end: date | None
    required_end: date | None       # the end of the batch's notice days from notice_start, by today's calendar
    required_notice_days: int
    second_notice_end: date | None
    clerks: tuple[str, ...]         # everyone who acted as 经办人 (the batch's clerk, who submitted it)
    reviewers: tuple[str, ...]      # … as 审核人
    approvers: tuple[str, ...]      # … as 审批人
    payment_due_days: int
    spot_check_share: Decimal
    lines: tuple[LineFacts, ...]
    open_spot_problems: tuple[OpenProblem, ...] = ()
    national: Mark | None = None
    waivers: dict[str, Mark] = field(default_factory=dict)
    display_names: dict[str, str] = field(default_factory=dict)  # username → 姓名, where known


# ---- verdicts ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Offender:
    """A line (or a problem about one) that makes an item ✗, and why."""

    record_id: int | None
    name: str
    detail: str


@dataclass(frozen=True)
class Item:
    key: str
    passed: bool
    evidence: str
    offenders: tuple[Offender, ...] = ()
    waiver: Mark | None = None      # kept even when the item passes later; shown only while it fails

    @property
    def title(self) -> str:
        return TITLES[self.key]

    @property
    def waived(self) -> bool:
        return not self.passed and self.waiver is not None

    @property
    def ok(self) -> bool:
        return self.passed or self.waiver is not None

    @property
    def status(self) -> str:
        """✓, ✗ or 豁免."""
        return PASSED if self.passed else WAIVED if self.waiver is not None else FAILED

    @property
    def record_ids(self) -> list[int]:
        return list(dict.fromkeys(o.record_id for o in self.offenders if o.record_id is not None))

    def waiver_text(self, names: dict[str, str] | None = None) -> str:
        """Who waived it, when and why; ``names`` maps user names to display names."""
        w = self.waiver
        return f"审批人{person(w.by, names or {})}于{w.on.isoformat()}豁免，理由：{w.note}" if w else ""


@dataclass(frozen=True)
class Checklist:
    batch_id: int
    items: tuple[Item, ...]
    national: Mark | None = None
    display_names: dict[str, str] = field(default_factory=dict)  # username → 姓名, for showing who

    @property
    def complete(self) -> bool:
        return all(i.ok for i in self.items)

    @property
    def failing(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if not i.ok)

    def item(self, key: str) -> Item:
        return next(i for i in self.items if i.key == key)

    def refusal(self) -> str:
        """Why the batch cannot be 已核查 yet, in Chinese ("" when it can)."""
        failing = self.failing
        if not failing:
            return ""
        listed = "；".join(f"{TITLES[i.key]}（{i.evidence}）" for i in failing)
        return (f"核查清单还有 {len(failing)} 项不符合，不能完成核查：{listed}。"
                "请逐项处理；确有正当理由的，可由审批人写明理由后豁免")


def evaluate(batch_id: int, f: BatchFacts) -> Checklist:
    """Every item's verdict, in order, with the waivers applied."""
    checks = {ARCHIVE_VALID: _archive_valid, NOTICE: _notice, SEPARATE_PEOPLE: _separate_people,
              PAYMENT_METHOD: _payment_method, PAID_ON_TIME: _paid_on_time, SMS: _sms, SPOT_CHECK: _spot_check,
              NATIONAL_SYSTEM: _national}
    items = tuple(replace(checks[key](f), waiver=f.waivers.get(key)) for key in ITEMS)
    return Checklist(batch_id, items, f.national, f.display_names)


def payment_deadline(approved_on: date, second_notice_end: date | None, due_days: int) -> date:
    """Paid by: ``due_days`` after approval, or after a 再公示 (payment waits for it), as the 工作台 counts."""
    start = max(approved_on, second_notice_end) if second_notice_end else approved_on
    return start + timedelta(days=due_days)


def _eligible(activity: str) -> tuple[str, ...]:
    # 临时救助 also reaches households whose archive is still 临时; everything else needs 在档.
    return ("在档", "临时") if activity == "临时救助" else ("在档",)


def _archive_valid(f: BatchFacts) -> Item:
    if f.approved_on is None:
        return Item(ARCHIVE_VALID, False, "批次尚未审批，无法核对审批时的档案状态")
    allowed = _eligible(f.activity)
    bad = [Offender(r.id, r.name, "审批时尚未建档" if r.archive_status is None else f"审批时档案为“{r.archive_status}”")
           for r in f.lines if r.archive_status not in allowed]
    need = "、".join(allowed)
    if bad:
        return Item(ARCHIVE_VALID, False, f"{len(bad)} 人审批日（{f.approved_on.isoformat()}）档案不是{need}状态",
                    tuple(bad))
    return Item(ARCHIVE_VALID, True, f"{len(f.lines)} 人审批日（{f.approved_on.isoformat()}）档案均为{need}")


def _notice(f: BatchFacts) -> Item:
    if f.notice_start is None or f.notice_end is None:
        return Item(NOTICE, False, "没有公示记录")
    days = f.notice_days or 0
    period = (f"公示 {f.notice_start.isoformat()} 至 {f.notice_end.isoformat()}"
              f"（{days}个工作日，规定至少{f.required_notice_days}个）")
    problems = []
    if days < f.required_notice_days:
        problems.append("公示天数不足")
    # The notice ran its days by today's calendar too (a holiday entered later would lengthen it).
    end = max(d for d in (f.notice_end, f.required_end) if d is not None)
    if f.required_end is not None and f.required_end > f.notice_end:
        problems.append(f"按节假日安排应公示至 {f.required_end.isoformat()}")
    if f.approved_on is None:
        return Item(NOTICE, False, f"{period}；批次尚未审批")
    approved = f"{f.approved_on.isoformat()} 审批"
    if f.approved_on <= end:
        problems.append("审批早于公示期满" if f.approved_on < end else "公示最后一天即审批")
    if problems:
        return Item(NOTICE, False, f"{period}，{approved}：{'；'.join(problems)}")
    return Item(NOTICE, True, f"{period}，{approved}")


def person(username: str, names: dict[str, str]) -> str:
    """``李晓红（jingban）`` where the user's name is known, else the user name."""
    shown = names.get(username, username)
    return f"{shown}（{username}）" if shown != username else username


def _who(f: BatchFacts, names: Sequence[str]) -> str:
    return "、".join(person(n, f.display_names) for n in names) or "（无）"


def _separate_people(f: BatchFacts) -> Item:
    roles = (("经办人", f.clerks), ("审核人", f.reviewers), ("审批人", f.approvers))
    evidence = "，".join(f"{role} {_who(f, names)}" for role, names in roles)
    missing = [role for role, names in roles if not names]
    if missing:
        return Item(SEPARATE_PEOPLE, False, f"{evidence}：尚无{'、'.join(missing)}")
    clashes = []
    for i, (role_a, a) in enumerate(roles):
        for role_b, b in roles[i + 1:]:
            for same in sorted(set(a) & set(b)):
                clashes.append(f"{_who(f, [same])}既是{role_a}又是{role_b}")
    if clashes:
        return Item(SEPARATE_PEOPLE, False, f"{evidence}：{'；'.join(clashes)}")
    return Item(SEPARATE_PEOPLE, True, f"{evidence}，三人各不相同")


def _payment_method(f: BatchFacts) -> Item:
    bad = []
    counts = {"会员服务卡": 0, "银行卡": 0, CASH: 0}
    for r in f.lines:
        counts[r.payment_method] = counts.get(r.payment_method, 0) + 1
        if r.payment_method in CARDS and not r.bank_card.strip():
            bad.append(Offender(r.id, r.name, f"{r.payment_method}发放但没有卡号"))
        elif r.payment_method == CASH and not r.signed:
            bad.append(Offender(r.id, r.name, "现金发放但没有已签字的实名制签领表"))
        elif r.payment_method not in (*CARDS, CASH):
            bad.append(Offender(r.id, r.name, f"发放方式“{r.payment_method}”不在规定之列"))
    split = "、".join(f"{m} {n} 人" for m, n in counts.items() if n)
    if bad:
        return Item(PAYMENT_METHOD, False, f"{split}；{len(bad)} 人不合规", tuple(bad))
    cash = "现金发放均有签字的实名制签领表" if counts[CASH] else "无现金发放，不需实名制签领表"
    return Item(PAYMENT_METHOD, True, f"{split}；到卡的均有卡号，{cash}")


def _paid_on_time(f: BatchFacts) -> Item:
    if f.approved_on is None:
        return Item(PAID_ON_TIME, False, "批次尚未审批")
    due = payment_deadline(f.approved_on, f.second_notice_end, f.payment_due_days)
    second = f.second_notice_end
    since = f"再公示结束（{second.isoformat()}）" if second and second > f.approved_on \
        else f"审批（{f.approved_on.isoformat()}）"
    rule = f"{since}后{f.payment_due_days}天内、即 {due.isoformat()} 前应发放"
    bad = []
    for r in f.lines:
        if r.paid_on is None:
            bad.append(Offender(r.id, r.name, "尚未发放"))
        elif r.paid_on > due:
            bad.append(Offender(r.id, r.name, f"{r.paid_on.isoformat()} 发放，逾期{(r.paid_on - due).days}天"))
    if bad:
        return Item(PAID_ON_TIME, False, f"{rule}；{len(bad)} 人未按期发放", tuple(bad))
    last = max((r.paid_on for r in f.lines if r.paid_on), default=None)
    return Item(PAID_ON_TIME, True, f"{rule}；{len(f.lines)} 人均按期发放"
                + (f"（最晚 {last.isoformat()}）" if last else ""))


def _sms(f: BatchFacts) -> Item:
    failed = [Offender(r.id, r.name, f"发送失败：{r.sms_error}" if r.sms_error else "发送失败")
              for r in f.lines if r.sms_status == "发送失败"]
    unsent = [Offender(r.id, r.name, r.sms_status) for r in f.lines if r.sms_status not in (SENT, "发送失败")]
    sent = len(f.lines) - len(failed) - len(unsent)
    evidence = f"已发送 {sent}/{len(f.lines)} 人"
    if failed or unsent:
        parts = [f"发送失败 {len(failed)} 人" if failed else "", f"未发送 {len(unsent)} 人" if unsent else ""]
        return Item(SMS, False, f"{evidence}，{'，'.join(p for p in parts if p)}", (*failed, *unsent))
    return Item(SMS, True, evidence)


def spot_check_needed(lines: int, share: Decimal) -> int:
    """How many lines the checklist wants reached: ``share`` of them, rounded up."""
    return math.ceil(share * lines)


def _spot_check(f: BatchFacts) -> Item:
    n = len(f.lines)
    reached = sum(1 for r in f.lines if r.reached)
    needed = spot_check_needed(n, f.spot_check_share)
    share = f"{(f.spot_check_share * 100).normalize():f}%"
    rate = f"（{(Decimal(reached) * 100 / n).quantize(Decimal('0.1'))}%）" if n else ""
    # Only calls that got through prove anything: 未接通 and 号码错误 are not counted.
    evidence = f"已接通核实 {reached}/{n} 人{rate}，要求至少{share}（{needed} 人），未接通、号码错误的不计"
    problems = [Offender(p.record_id, p.name, f"{p.kind}（{p.opened_on.isoformat()}发现，未处理）")
                for p in f.open_spot_problems]
    wrong = []
    if reached < needed:
        wrong.append(f"还差 {needed - reached} 人")
    if problems:
        wrong.append(f"电话抽查发现的问题 {len(problems)} 个未处理")
    if wrong:
        return Item(SPOT_CHECK, False, f"{evidence}；{'；'.join(wrong)}", tuple(problems))
    return Item(SPOT_CHECK, True, f"{evidence}；没有未处理的问题")


def _national(f: BatchFacts) -> Item:
    m = f.national
    if m is None:
        return Item(NATIONAL_SYSTEM, False, "尚未确认录入全国工会帮扶管理系统")
    return Item(NATIONAL_SYSTEM, True, f"{_who(f, [m.by])}确认已于 {m.on.isoformat()} 录入")
