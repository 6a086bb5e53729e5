"""The 工作台 (home page) figures: balances, this year's spending, batches in progress, archive counts, to-dos."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cache

from ..core.codes import code_list
from ..core.errors import UserError
from ..core.fund_report import ZERO
from ..core.money import format_yuan, from_fen
from ..core.workdays import Calendar, working_days_between
from ..db import Database
from ..db import aid_record_list as lists
from ..db import funds as fund_repo
from ..db import problems as problem_repo
from ..db.household_list import HouseholdFilter, count_by_status
from ..db.settings import office_calendar
from ..db.units import own_unit
from ..paths import resource
from .fund_report import fund_report
from .funds import SourceBalance

# Batches someone still has to act on; 已发放 waits only for the 核查, which the verification area tracks.
IN_PROGRESS = ("草稿", "审核中", "公示中", "待审批", "已审批")
# What a batch waits for, by status (已审批 is told apart below: 再公示 or payment).
NEXT_STEP = {"草稿": "待提交审核", "审核中": "待审核", "公示中": "公示中", "待审批": "待审批", "已审批": "待发放"}

NOTICE_END, SECOND_NOTICE_END, PAYMENT_DUE = "公示结束", "再公示结束", "应发放"
OVERDUE, SOON, NORMAL = "overdue", "soon", "normal"  # how urgent a to-do is, most urgent first
_URGENCY = {OVERDUE: 0, SOON: 1, NORMAL: 2}


# ---- rules ------------------------------------------------------------------------------

@dataclass(frozen=True)
class DeadlineRules:
    """The 工作台's reminders, from ``resources/rules/notice.json``."""

    payment_due_days: int                    # calendar days from approval (or the end of 再公示) to payment
    payment_due_warning_days: int            # a payment due within this many days is a to-do
    notice_ending_warning_working_days: int  # a notice ending within this many working days is a to-do


@cache  # read once per run, like the notice rules in the same file
def load_deadline_rules() -> DeadlineRules:
    def bad(what: str) -> UserError:
        return UserError(f"公示规则文件 resources/rules/notice.json 有误：{what}，请改正后重启程序")

    try:
        with open(resource("rules", "notice.json"), encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        raise bad("文件缺失或不是有效的 JSON") from None
    values = {}
    for key, label, least in (("payment_due_days", "应发放天数", 1), ("payment_due_warning_days", "发放提醒天数", 0),
                              ("notice_ending_warning_working_days", "公示结束提醒工作日数", 0)):
        value = data.get(key) if isinstance(data, dict) else None
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise bad(f"{label}（{key}）应为{'正整数' if least else '0或正整数'}")
        values[key] = value
    return DeadlineRules(**values)


# ---- what the page shows ---------------------------------------------------------------------

@dataclass(frozen=True)
class Deadline:
    """A batch's next date: the end of its 公示 or 再公示, or the day it should be paid by."""

    what: str               # NOTICE_END, SECOND_NOTICE_END or PAYMENT_DUE
    on: date
    days_left: int          # calendar days from today (negative: past)
    working_days_left: int  # working days after today up to ``on`` (0 when ``on`` is today or past)

    @property
    def past(self) -> bool:
        return self.days_left < 0

    @property
    def remaining(self) -> str:
        """How long is left, the way the office counts it: notices in working days, payment in days."""
        if self.what == PAYMENT_DUE:
            if self.days_left < 0:
                return f"已逾期{-self.days_left}天"
            return "今天到期" if self.days_left == 0 else f"还有{self.days_left}天"
        if self.days_left < 0:
            return f"已于{-self.days_left}天前结束"
        return "今天结束" if self.days_left == 0 else f"还有{self.working_days_left}个工作日"


@dataclass(frozen=True)
class BatchProgress:
    """A batch still being worked on."""

    id: int
    code: str
    name: str
    year: int
    status: str
    stage: str               # what it waits for: 待提交审核, 待审核, 公示中, 待审批, 待发放, 再公示中
    people: int              # valid lines (人次)
    amount: Decimal
    paid_people: int
    open_objections: int
    deadline: Deadline | None
    urgency: str = NORMAL    # OVERDUE: its date is past; SOON: within the rules' warning; else NORMAL


@dataclass(frozen=True)
class CategorySpending:
    """This year's paid aid of one 救助类别 by the office's own batches, beside its plan."""

    category: str
    amount: Decimal
    count: int
    planned_amount: Decimal | None = None
    planned_count: int = 0


UNSET = "未定类别"  # households whose 困难类别 is not in the code list (none, or an old value)


@dataclass(frozen=True)
class ArchiveCounts:
    """Households by 困难类别 × 档案状态."""

    statuses: tuple[str, ...]
    categories: tuple[str, ...]       # those with any household, in code order; "" (未定) last if any
    cells: dict[tuple[str, str], int] = field(default_factory=dict)  # (category, status) → households

    def count(self, category: str, status: str) -> int:
        return self.cells.get((category, status), 0)

    def row_total(self, category: str) -> int:
        return sum(self.count(category, s) for s in self.statuses)

    def column_total(self, status: str) -> int:
        return sum(self.count(c, status) for c in self.categories)

    @property
    def total(self) -> int:
        return sum(self.cells.values())

    @staticmethod
    def filter_for(category: str, status: str) -> HouseholdFilter | None:
        """The archive list behind a count ("" for either: all of them); None for 未定类别, which it cannot show."""
        if category == UNSET:
            return None
        return HouseholdFilter(statuses=(status,) if status else (), category=category or "")


@dataclass(frozen=True)
class Todo:
    """Something to do, and where it is done: a batch, or an archive list."""

    kind: str                 # 公示即将结束, 公示已结束, 应发放, 待审核, 待审批, 异议待处理, 一年未更新, 资料不全, 核查问题, 短信发送失败
    text: str
    urgency: str = NORMAL     # OVERDUE, SOON or NORMAL
    due: date | None = None
    batch_id: int | None = None
    archive_filter: HouseholdFilter | None = None
    count: int = 0


@dataclass(frozen=True)
class Dashboard:
    today: date
    unit_code: str                        # "" until the office's own unit is set
    unit_name: str
    balances: tuple[SourceBalance, ...]   # this year's, per source in display order
    spending: tuple[CategorySpending, ...]
    batches: tuple[BatchProgress, ...]
    archives: ArchiveCounts
    todos: tuple[Todo, ...]

    @property
    def year(self) -> int:
        return self.today.year

    @property
    def balance_total(self) -> SourceBalance:
        return SourceBalance("合计", sum((b.income for b in self.balances), ZERO),
                             sum((b.passed for b in self.balances), ZERO),
                             sum((b.spent for b in self.balances), ZERO), sum(b.count for b in self.balances))

    @property
    def spending_total(self) -> CategorySpending:
        planned = [s.planned_amount for s in self.spending if s.planned_amount is not None]
        return CategorySpending("合计", sum((s.amount for s in self.spending), ZERO),
                                sum(s.count for s in self.spending),
                                sum(planned, ZERO) if planned else None, sum(s.planned_count for s in self.spending))


# ---- building it ----------------------------------------------------------------------------

def dashboard(db: Database, *, today: date) -> Dashboard:
    """Everything the 工作台 shows on ``today``; reads only."""
    conn = db.conn
    unit = own_unit(conn)
    cal = office_calendar(conn)
    rules = load_deadline_rules()
    batches = _batches(db, today, cal, rules)
    archives = _archives(db)
    todos = (_batch_todos(batches, today) + _archive_todos(db, today) + spot_check_problems(db, today=today))
    todos.sort(key=lambda t: (_URGENCY[t.urgency], t.due or date.max))
    balances, spending = _money(db, today.year) if unit else ([], [])
    return Dashboard(
        today=today, unit_code=unit.code if unit else "", unit_name=unit.name if unit else "",
        balances=tuple(balances), spending=tuple(spending),
        batches=tuple(batches), archives=archives, todos=tuple(todos))


def spot_check_problems(db: Database, *, today: date) -> list[Todo]:
    """Verification findings not yet put right, and SMS that did not arrive: one to-do per batch (or household).

    A problem stays on the list until it is resolved with a reason (services/problems.py).
    """
    todos: list[Todo] = []
    by_batch: dict[int | None, list] = {}
    for p in problem_repo.list_problems(db.conn, open_only=True):
        by_batch.setdefault(p.batch_id, []).append(p)
    for batch_id, found in by_batch.items():
        first = found[0]
        example = f"{first.name}：{first.kind}" if first.name else first.kind
        if batch_id is not None:
            todos.append(Todo("核查问题", f"{first.batch_name}：{len(found)}个核查问题待处理（{example}）",
                              SOON, batch_id=batch_id, count=len(found)))
        else:
            for p in found:
                todos.append(Todo("核查问题", f"{p.name or p.archive_no}：{p.kind}（{p.source}发现，待处理）", SOON,
                                  archive_filter=HouseholdFilter(statuses=(), text=p.archive_no), count=1))
    for batch_id, name, failed in db.conn.execute(
            "SELECT b.id, b.name, count(*) FROM aid_records r JOIN batches b ON b.id = r.batch_id"
            " WHERE r.state = '有效' AND r.sms_status = '发送失败' AND b.status IN ('已发放', '已核查')"
            " GROUP BY b.id ORDER BY b.id"):
        todos.append(Todo("短信发送失败", f"{name}：{failed}人短信发送失败，请核对手机号后重发", NORMAL,
                          batch_id=batch_id, count=failed))
    return todos


def _money(db: Database, year: int) -> tuple[list[SourceBalance], list[CategorySpending]]:
    """Balances by source and spending by 救助类别, both from one fund report.

    One report, not :func:`aiddesk.services.funds.available` beside it: each sums the year's paid
    lines (about a second at a million), and for the office's own unit both give the same figures.
    """
    report = fund_report(db, year)
    income, passed = report.income_by_source(), report.passed_by_source()
    spent = report.spending.by_source()
    present = set(income) | set(passed) | set(spent)
    order = [s for s in report.sources if s in present] + sorted(present - set(report.sources))
    balances = [SourceBalance(s, income.get(s, ZERO), passed.get(s, ZERO), spent[s].amount if s in spent else ZERO,
                              spent[s].count if s in spent else 0) for s in order]
    paid = report.spending.by_category()
    plans = fund_repo.plans(db.conn, report.unit_code, year)
    categories = [c for c in report.categories if c in paid or c in plans]
    categories += sorted(c for c in paid if c not in categories)
    spending = []
    for category in categories:
        figure, plan = paid.get(category), plans.get(category)
        spending.append(CategorySpending(category, figure.amount if figure else ZERO, figure.count if figure else 0,
                                         plan.planned_amount if plan else None, plan.planned_count if plan else 0))
    return balances, spending


def _batches(db: Database, today: date, cal: Calendar, rules: DeadlineRules) -> list[BatchProgress]:
    objections = lists.open_objections(db.conn)
    out = []
    for r in lists.batches_in_progress(db.conn, IN_PROGRESS):
        status, stage, deadline = r["status"], NEXT_STEP[r["status"]], None
        notice_end, second_end = _date(r["notice_end"]), _date(r["second_notice_end"])
        if status == "公示中" and notice_end:
            deadline = _deadline(NOTICE_END, notice_end, today, cal)
        elif status == "已审批":
            approved = _date(r["approved_on"]) or today
            if second_end and today <= second_end:
                stage, deadline = "再公示中", _deadline(SECOND_NOTICE_END, second_end, today, cal)
            else:
                # Payment can only start once a 再公示 is over: the days are counted from then.
                start = max(approved, second_end) if second_end else approved
                deadline = _deadline(PAYMENT_DUE, start + timedelta(days=rules.payment_due_days), today, cal)
        out.append(BatchProgress(
            id=r["id"], code=r["code"], name=r["name"], year=r["year"], status=status, stage=stage,
            people=r["recipients"], amount=from_fen(r["total_fen"]), paid_people=r["paid"],
            open_objections=objections.get(r["id"], 0), deadline=deadline, urgency=_urgency(deadline, rules)))
    # Dated steps first, soonest first; then the rest, furthest along first.
    out.sort(key=lambda b: (b.deadline is None, b.deadline.on if b.deadline else date.min,
                            -IN_PROGRESS.index(b.status), b.id))
    return out


def _urgency(d: Deadline | None, rules: DeadlineRules) -> str:
    if d is None:
        return NORMAL
    if d.past:
        return OVERDUE
    if d.what == PAYMENT_DUE:
        return SOON if d.days_left <= rules.payment_due_warning_days else NORMAL
    return SOON if d.working_days_left <= rules.notice_ending_warning_working_days else NORMAL


def _deadline(what: str, on: date, today: date, cal: Calendar) -> Deadline:
    return Deadline(what, on, (on - today).days, working_days_between(today + timedelta(days=1), on, cal))


def _batch_todos(batches: list[BatchProgress], today: date) -> list[Todo]:
    out = []
    for b in batches:
        d = b.deadline
        if d is not None and b.urgency != NORMAL and d.what in (NOTICE_END, SECOND_NOTICE_END):
            notice = "公示" if d.what == NOTICE_END else "再公示"
            if d.past:  # only a 公示 can be past here: a batch after its 再公示 waits for payment
                out.append(Todo("公示已结束", f"{b.name}：公示已于{_cn(d.on, today)}结束，请提交审批", OVERDUE, d.on,
                                b.id))
            else:
                out.append(Todo(f"{notice}即将结束", f"{b.name}：{notice}{_cn(d.on, today)}结束（{d.remaining}）",
                                SOON, d.on, b.id))
        elif d is not None and b.urgency != NORMAL and d.what == PAYMENT_DUE:
            paid = f"，已发放{b.paid_people}/{b.people}人" if b.paid_people else ""
            out.append(Todo(PAYMENT_DUE, f"{b.name}：应于{_cn(d.on, today)}前发放（{d.remaining}{paid}）",
                            b.urgency, d.on, b.id))
        elif b.status in ("审核中", "待审批"):
            out.append(Todo(b.stage, f"{b.name}：{b.stage}（{b.people}人，{format_yuan(b.amount)}元）", NORMAL, None, b.id))
        if b.open_objections:
            out.append(Todo("异议待处理", f"{b.name}：{b.open_objections}条异议尚未处理", SOON, None, b.id,
                            count=b.open_objections))
    return out


def _archive_todos(db: Database, today: date) -> list[Todo]:
    out = []
    stale = HouseholdFilter(statuses=("在档",), stale=True, today=today)
    n = _count(db, stale)
    if n:
        out.append(Todo("一年未更新", f"{n}户在档档案超过一年未更新，请核实家庭情况", NORMAL, archive_filter=stale, count=n))
    incomplete = HouseholdFilter(statuses=("在档", "临时"), incomplete=True, today=today)
    n = _count(db, incomplete)
    if n:
        out.append(Todo("资料不全", f"{n}户档案缺少证明材料，请补齐", NORMAL, archive_filter=incomplete, count=n))
    return out


def _count(db: Database, flt: HouseholdFilter) -> int:
    # Counted per status over the covering index, as the archive list does: a plain count(*)
    # reads every row and takes half a second at 100 000 households.
    return sum(n for status, n in count_by_status(db.conn, flt).items() if status in flt.statuses)


def _archives(db: Database) -> ArchiveCounts:
    statuses = tuple(code_list("archive_status"))
    cells: dict[tuple[str, str], int] = {}
    # One grouped count per category over the covering index: stays fast at 100 000 households.
    for category in code_list("hardship_category"):
        for status, n in count_by_status(db.conn, HouseholdFilter(statuses=(), category=category)).items():
            if n:
                cells[(category, status)] = n
    for status, n in count_by_status(db.conn, HouseholdFilter(statuses=())).items():
        rest = n - sum(v for (c, s), v in cells.items() if s == status)
        if rest:
            cells[(UNSET, status)] = rest
    categories = [c for c in code_list("hardship_category") if any(c == k[0] for k in cells)]
    if any(k[0] == UNSET for k in cells):
        categories.append(UNSET)
    return ArchiveCounts(statuses, tuple(categories), cells)


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _cn(d: date, today: date) -> str:
    return f"{d.month}月{d.day}日" if d.year == today.year else f"{d.year}年{d.month}月{d.day}日"
