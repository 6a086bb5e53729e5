"""The automatic indicators of the self-evaluation table (绩效自评表), computed from the year's records.

Each indicator is a :class:`~aiddesk.core.evaluation.Figure`: its value (a fraction with four places,
1.0000 = 100%) and, in Chinese, the numbers it came from, so the table can show which records a
score rests on. A value of None means there is nothing to compute it from (no budget, no plan, no
paid line, no answer …); the office then scores the row by hand or marks it not applicable.

The figures reuse what the other pages count, so they always agree with them:

- money and 人次 from the annual fund report (one :func:`fund_report` per call);
- SMS, spot checks and satisfaction from :func:`verification_figures`;
- 公示 from the batch checklist's rule, 按期发放 from the 工作台's deadline rule (notice.json);
- archives from the archive list's filters (资料不全, 一年未更新), as the 工作台's to-dos count them.

The lines counted are, as in the fund report and the verification figures, the valid lines paid in the
year by the office's own batches.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from ..core.checklist import CARDS, NOTICE, BatchFacts, payment_deadline
from ..core.checklist import evaluate as check_batch
from ..core.codes import code_list
from ..core.evaluation import Figure
from ..core.money import format_wan
from ..core.verification_rules import load_verification_rules
from ..core.workdays import Calendar, load_notice_rules, notice_end
from ..db import Database
from ..db import batches as batch_repo
from ..db import status_history
from ..db.household_list import HouseholdFilter, count_by_status
from ..db.settings import office_calendar
from ..db.units import own_unit
from .dashboard import load_deadline_rules
from .fund_report import fund_report
from .verification_figures import Ratio, verification_figures

_PLACES = Decimal("0.0001")

# The keys, in the order an editor offers them, with what each one measures.
INDICATORS = {
    "arrival_rate": "资金到位率（到位资金 ÷ 预算）",
    "plan_achievement": "计划完成率（实际救助人次 ÷ 计划人次）",
    "plan_achievement_生活救助": "生活救助计划完成率",
    "plan_achievement_医疗救助": "医疗救助计划完成率",
    "plan_achievement_助学救助": "助学救助计划完成率",
    "card_payment_share": "发放到卡率（会员服务卡、银行卡发放人次 ÷ 发放人次）",
    "paid_on_time_share": "按期发放率（按期发放人次 ÷ 发放人次）",
    "notice_before_approval_share": "公示期满后审批的批次比例",
    "archive_completeness": "档案资料齐全率（资料齐全的档案 ÷ 在档、临时档案）",
    "archives_updated_share": "档案动态管理率（一年内更新过的在档档案 ÷ 在档档案）",
    "sms_coverage": "短信通知覆盖率（已发送短信人次 ÷ 发放人次）",
    "spot_check_discrepancy_rate": "电话抽查问题率（金额不符、本人未收到 ÷ 接通核实人次）",
    "satisfaction_rate": "满意率（满意、基本满意 ÷ 收回的意见反馈表）",
    "balance_share": "结余率（年末结余 ÷ 年度收入）",
    "budget_execution": "预算执行率（支出 ÷ 年度收入）",
}


def indicator_keys() -> list[str]:
    """Every indicator key, the per-category plan keys following the 救助类别 code list."""
    keys = [k for k in INDICATORS if not k.startswith("plan_achievement_")]
    at = keys.index("plan_achievement") + 1
    categories = [f"plan_achievement_{c}" for c in code_list("aid_category")]
    return keys[:at] + categories + keys[at:]


def indicator_title(key: str) -> str:
    if key in INDICATORS:
        return INDICATORS[key]
    if key.startswith("plan_achievement_"):
        return f"{key.removeprefix('plan_achievement_')}计划完成率"
    return key


def evaluation_figures(db: Database, year: int) -> dict[str, Figure]:
    """Every automatic indicator of ``year``; reads only."""
    today = db.clock.today()
    report = fund_report(db, year)
    checks = verification_figures(db, year)
    out: dict[str, Figure] = {}
    out.update(_money(report))
    out.update(_plan(report))
    out.update(_lines(db, year))
    out.update(_archives(db, year, today))
    out["sms_coverage"] = _ratio(checks.sms, "已发送短信{n}人次 ÷ 发放{d}人次", "当年没有已发放的帮扶明细")
    out["spot_check_discrepancy_rate"] = _ratio(
        checks.discrepancy, "电话抽查发现金额不符或本人未收到{n}人次 ÷ 接通核实{d}人次",
        "当年没有接通的电话抽查记录")
    out["satisfaction_rate"] = _ratio(checks.satisfaction, "满意、基本满意{n}份 ÷ 收回意见反馈表{d}份",
                                      "当年没有收回的意见反馈表")
    return out


# ---- money ---------------------------------------------------------------------------------

def _money(report) -> dict[str, Figure]:
    out = {}
    if report.arrival_rate is None:
        out["arrival_rate"] = Figure(None, f"{report.year}年没有录入预算")
    else:
        out["arrival_rate"] = Figure(report.arrival_rate, f"到位资金{format_wan(report.arrived)}万元 ÷ "
                                                          f"预算{format_wan(report.budget)}万元 = {_pct(report.arrival_rate)}")
    income = report.income
    if income <= 0:
        none = f"{report.year}年没有资金收入（上年结转、到账）"
        out["balance_share"] = Figure(None, none)
        out["budget_execution"] = Figure(None, none)
        return out
    balance = report.balance
    share = _rate(balance, income)
    out["balance_share"] = Figure(share, f"年末结余{format_wan(balance)}万元 ÷ 年度收入{format_wan(income)}万元"
                                         f" = {_pct(share)}")
    spent = report.spending.total.amount
    passed = sum(report.passed_by_source().values(), Decimal(0))
    used = spent + passed
    rate = _rate(used, income)
    what = (f"支出{format_wan(spent)}万元 + 下拨下级{format_wan(passed)}万元" if passed
            else f"支出{format_wan(spent)}万元")
    out["budget_execution"] = Figure(rate, f"{what} ÷ 年度收入{format_wan(income)}万元 = {_pct(rate)}")
    return out


def _plan(report) -> dict[str, Figure]:
    """Actual 人次 (the unit's and its sub-units', as the fund report compares them) against the plan."""
    out = {}
    planned = actual = 0
    for line in report.plan:
        key = f"plan_achievement_{line.category}"
        if line.planned_count > 0:
            planned += line.planned_count
            actual += line.overall.count
            rate = _rate(line.overall.count, line.planned_count)
            out[key] = Figure(rate, f"{line.category}实际救助{line.overall.count}人次 ÷ "
                                    f"计划{line.planned_count}人次 = {_pct(rate)}")
        else:
            out[key] = Figure(None, f"没有录入{report.year}年{line.category}计划人次")
    for category in code_list("aid_category"):
        out.setdefault(f"plan_achievement_{category}",
                       Figure(None, f"没有录入{report.year}年{category}计划人次"))
    if planned:
        rate = _rate(actual, planned)
        out["plan_achievement"] = Figure(rate, f"实际救助{actual}人次 ÷ 计划{planned}人次 = {_pct(rate)}"
                                               "（仅计录入了计划的救助类别，含下级单位）")
    else:
        out["plan_achievement"] = Figure(None, f"没有录入{report.year}年计划人次")
    return out


# ---- paid lines and their batches ------------------------------------------------------------------

def _lines(db: Database, year: int) -> dict[str, Figure]:
    """发放方式, 按期发放 per line and 公示 per batch, over the valid lines the office paid in ``year``."""
    conn = db.conn
    office = own_unit(conn)
    rows = conn.execute(
        "SELECT r.batch_id, r.paid_on, r.payment_method, count(*) FROM aid_records r"
        " JOIN batches b ON b.id = r.batch_id"
        " WHERE r.state = '有效' AND r.paid_on IS NOT NULL AND substr(r.paid_on, 1, 4) = ? AND b.unit_code = ?"
        " GROUP BY r.batch_id, r.paid_on, r.payment_method",
        (f"{year:04d}", office.code if office else "")).fetchall()
    if not rows:
        none = f"{year}年没有已发放的帮扶明细"
        return {"card_payment_share": Figure(None, none), "paid_on_time_share": Figure(None, none),
                "notice_before_approval_share": Figure(None, f"{year}年没有已发放的帮扶批次")}
    due_days = load_deadline_rules().payment_due_days
    batches = {i: batch_repo.get_batch(conn, i) for i in sorted({r[0] for r in rows})}
    lines = card = on_time = 0
    for batch_id, paid_on, method, n in rows:
        b = batches[batch_id]
        lines += n
        card += n if method in CARDS else 0
        if b.approved_on is not None:
            due = payment_deadline(b.approved_on, b.second_notice_end, due_days)
            on_time += n if date.fromisoformat(paid_on) <= due else 0
    card_rate, on_time_rate = _rate(card, lines), _rate(on_time, lines)
    cal = office_calendar(conn)
    noticed = sum(1 for b in batches.values() if _notice_ran_full(b, cal))
    notice_rate = _rate(noticed, len(batches))
    return {
        "card_payment_share": Figure(card_rate, f"会员服务卡、银行卡发放{card}人次 ÷ 发放{lines}人次"
                                                f" = {_pct(card_rate)}"),
        "paid_on_time_share": Figure(on_time_rate, f"审批（或再公示结束）后{due_days}天内发放{on_time}人次 ÷ "
                                                   f"发放{lines}人次 = {_pct(on_time_rate)}"),
        "notice_before_approval_share": Figure(notice_rate, f"公示期满后审批的批次{noticed}个 ÷ 当年发放的批次"
                                                            f"{len(batches)}个 = {_pct(notice_rate)}"),
    }


def _notice_ran_full(b, cal: Calendar) -> bool:
    """The checklist's 公示期满后审批 verdict on the batch (its notice only; the lines do not matter to it).

    As the checklist decides it: the notice's own days counted again with today's calendar.
    """
    required_days = load_notice_rules().notice_working_days
    required_end = None
    if b.notice_start is not None:
        required_end = notice_end(b.notice_start, b.notice_days or required_days, cal)
    facts = BatchFacts(
        activity=b.activity, approved_on=b.approved_on, notice_start=b.notice_start, notice_days=b.notice_days,
        notice_end=b.notice_end, required_end=required_end, required_notice_days=required_days,
        second_notice_end=b.second_notice_end, clerks=(), reviewers=(), approvers=(),
        payment_due_days=load_deadline_rules().payment_due_days,
        spot_check_share=load_verification_rules().checklist_spot_check_share, lines=())
    return check_batch(b.id, facts).item(NOTICE).passed


# ---- archives ---------------------------------------------------------------------------------

def _archives(db: Database, year: int, today: date) -> dict[str, Figure]:
    """Archives as they stand now (whether a proof was missing earlier is not kept), and 一年内更新 of the archives
    在档 at the year's end (from their status history and the change log)."""
    conn = db.conn
    open_statuses = ("在档", "临时")
    counts = count_by_status(conn, HouseholdFilter(statuses=open_statuses))
    on_file = sum(counts.get(s, 0) for s in open_statuses)
    out = {}
    if on_file:
        missing = count_by_status(conn, HouseholdFilter(statuses=open_statuses, incomplete=True))
        incomplete = sum(missing.get(s, 0) for s in open_statuses)
        rate = _rate(on_file - incomplete, on_file)
        out["archive_completeness"] = Figure(rate, f"资料齐全的档案{on_file - incomplete}户 ÷ 在档、临时档案"
                                                   f"{on_file}户 = {_pct(rate)}（按当前档案）")
    else:
        out["archive_completeness"] = Figure(None, "没有在档或临时档案")
    day = min(date(year, 12, 31), today)
    active, updated = status_history.kept_up(conn, day, since=day - timedelta(days=365))
    if active:
        rate = _rate(updated, active)
        out["archives_updated_share"] = Figure(
            rate, f"截至{day.isoformat()}一年内更新过的在档档案{updated}户 ÷ 当日在档档案{active}户"
                  f" = {_pct(rate)}")
    else:
        out["archives_updated_share"] = Figure(None, "没有在档档案")
    return out


# ---- helpers ----------------------------------------------------------------------------------

def _ratio(r: Ratio, words: str, none: str) -> Figure:
    if r.rate is None:
        return Figure(None, none)
    return Figure(r.rate, f"{words.format(n=r.numerator, d=r.denominator)} = {_pct(r.rate)}")


def _rate(numerator, denominator) -> Decimal:
    return (Decimal(numerator) / Decimal(denominator)).quantize(_PLACES, ROUND_HALF_UP)


def _pct(value: Decimal) -> str:
    return f"{(value * 100).quantize(Decimal('0.01'), ROUND_HALF_UP)}%"
