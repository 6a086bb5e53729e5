"""The demo office's verification (核查): SMS results, phone spot checks, home visits and feedback, each on its day.

Everything goes through the real services, so the demo shows what an office's records look like: most
notices delivered and a few failed (sent again, the rest waived with a reason), a spot check per paid batch
with a discrepancy put right and — in the latest — one still open, home visits of a tenth of the archive
through the year, feedback forms coming back in the weeks after a payment, and last year's batches 已核查.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from ..core.checklist import SMS
from ..db import Database
from ..db.audit import Actor
from .batches import BatchService
from .checklist import ChecklistService, build_checklist
from .demo_timeline import (
    CHECK,
    Agenda,
    OfficeClock,
    Workdays,
    month_day,
    timeline_data,
)
from .demo_year import BatchPlan
from .feedback import FeedbackService
from .home_visits import HomeVisitService
from .problems import ProblemService
from .sms import SendResult, SmsMessage, SmsService
from .spot_checks import SpotCheckService

CLERK = Actor("jingban", "界面", ("经办人",))
REVIEWER = Actor("shenhe", "界面", ("审核人",))
APPROVER = Actor("shenpi", "界面", ("审批人",))
VISITORS = ("符晓梅、陈建国", "符晓梅、王海平", "陈建国、吴小燕")
FAILURES = ("空号", "关机", "停机", "用户拒收")
PAID = ("已发放", "已核查")
# The two findings of a spot check: one soon put right, one waiting for the bank.
AMOUNT_WRONG = ("金额不符", "本人称到账金额与通知不符，需向银行核实到账明细")
NOT_RECEIVED = ("本人未收到", "本人称会员服务卡已挂失换卡，款项可能退回")


class _DemoGateway:
    """Stands in for an SMS gateway: delivers most messages, fails a few as real numbers do."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def send(self, messages: list[SmsMessage]) -> list[SendResult]:
        return [SendResult(m.record_id, True) if self.rng.random() > 0.03 else
                SendResult(m.record_id, False, self.rng.choice(FAILURES)) for m in messages]


class DemoChecks:
    """Plans the checks of paid batches, and the year's home visits, on the demo's agenda."""

    def __init__(self, db: Database, agenda: Agenda, office: OfficeClock, workdays: Workdays, rng: random.Random):
        self.db = db
        self.agenda = agenda
        self.office = office
        self.wd = workdays
        self.rng = rng
        self.data = timeline_data()

    def today(self) -> date:
        return self.db.clock.today()

    # ---- the checks of one paid batch ---------------------------------------------------------

    def schedule(self, plan: BatchPlan, batch_id: Callable[[], int | None]) -> None:
        """The checks ``plan.checks`` dates; each does nothing if the batch was not paid after all."""
        ch, add = plan.checks, self.agenda.add

        def when(statuses: tuple[str, ...], action: Callable[[int], object]) -> Callable[[], None]:
            def run() -> None:
                found = batch_id()
                if found is not None and BatchService(self.db, CLERK).get(found).status in statuses:
                    action(found)
            return run

        for day, statuses, action in (
                (ch.sms, PAID, lambda b: self._sms(b, plan)), (ch.sms_resend, PAID, self._resend),
                # 录入全国系统 may come as soon as the list is approved, before or after the payment.
                (ch.national, ("已审批", "已发放"), self._national),
                (ch.spot_draw, PAID, lambda b: self._spot_check(b, plan)), (ch.complete, PAID, self._complete)):
            if day is not None:
                add(day, when(statuses, action), CHECK)

    def _sms(self, batch_id: int, plan: BatchPlan) -> None:
        """The notices go out; the feedback forms handed out with the aid come back over the next weeks."""
        SmsService(self.db, CLERK).send(batch_id, _DemoGateway(self.rng))
        feedback = FeedbackService(self.db, REVIEWER)
        recipients = feedback.recipients(batch_id)
        low, high = self.data["checks"]["feedback_days"]
        # Counted from the payment, but after today (a holiday may lie between the payment and the notices).
        first = max(plan.paid_on + timedelta(days=low), self.wd.after(self.today()))
        for r in self.rng.sample(recipients, min(len(recipients), self.data["checks"]["feedback_forms"])):
            day = self.wd.between(self.rng, first, plan.paid_on + timedelta(days=high))
            answer = self.rng.choices(("满意", "基本满意", "不满意"), weights=(80, 17, 3))[0]
            comment = "希望慰问金能早点发放" if answer != "满意" and self.rng.random() < 0.5 else ""
            self.agenda.add(day, lambda r=r, answer=answer, comment=comment: feedback.record(
                r.household_id, answered_on=self.today(), answer=answer, comment=comment, batch_id=batch_id), CHECK)

    def _resend(self, batch_id: int) -> None:
        failed = self.db.conn.execute("SELECT count(*) FROM aid_records WHERE batch_id = ? AND state = '有效'"
                                      " AND sms_status = '发送失败'", (batch_id,)).fetchone()[0]
        if failed:
            SmsService(self.db, CLERK).send(batch_id, _DemoGateway(self.rng), failed_only=True)

    def _national(self, batch_id: int) -> None:
        ChecklistService(self.db, CLERK).tick_national(batch_id, self.today())

    def _spot_check(self, batch_id: int, plan: BatchPlan) -> None:
        """Draw a tenth of the lines and call them over the next days; two calls find something."""
        checks = SpotCheckService(self.db, CLERK)
        drawn = checks.draw(batch_id, share=Decimal("0.10"), seed=f"{self.rng.randrange(16 ** 8):08X}")
        items = checks.items(drawn.draw.id)
        days = plan.checks.call_days
        findings = {max(1, len(items) // 2): AMOUNT_WRONG, len(items) - 1: NOT_RECEIVED}
        for i, item in enumerate(items):
            k = i * len(days) // len(items)
            if i == 0:  # nobody answered the first time: called again the next day
                self.agenda.add(days[k], lambda item=item: checks.record_call(
                    item.record_id, result="未接通", note="无人接听，次日再拨", called_on=self.today(),
                    draw_id=drawn.draw.id), CHECK)
                k = min(k + 1, len(days) - 1)
            result, note = findings.get(i, ("核实一致", ""))
            self.agenda.add(days[k], lambda item=item, result=result, note=note: self._call(
                checks, item.record_id, drawn.draw.id, result, note, plan), CHECK)

    def _call(self, checks: SpotCheckService, record_id: int, draw_id: int, result: str, note: str,
              plan: BatchPlan) -> None:
        outcome = checks.record_call(record_id, result=result, note=note, called_on=self.today(), draw_id=draw_id)
        if not outcome.problem_opened:
            return
        if result == AMOUNT_WRONG[0]:
            after, text = plan.checks.resolve_amount, "经银行核实，款项已全额到账，本人记错；已电话告知本人"
        elif plan.checks.resolve_missing is not None:
            after, text = plan.checks.resolve_missing, "经银行核实，款项因换卡被退回，已补发到新卡并电话告知本人"
        else:
            return  # still waiting for the bank: the demo's open problem
        day = self.wd.after(self.today(), after)
        self.agenda.add(day, lambda: ProblemService(self.db, CLERK).resolve(outcome.problem_id, text,
                                                                           on=self.today()), CHECK)

    def _complete(self, batch_id: int) -> None:
        """核查完成: the approver waives notices that could not be delivered, then the checklist is complete."""
        checklist = build_checklist(self.db, batch_id)
        sms = checklist.item(SMS)
        if not sms.ok and all("发送失败" in o.detail for o in sms.offenders):
            ChecklistService(self.db, APPROVER).waive(batch_id, SMS, "短信发送失败的，已由经办人电话逐一通知本人")
            self.office.step()
            checklist = build_checklist(self.db, batch_id)
        if checklist.complete:
            ChecklistService(self.db, CLERK).complete(batch_id)

    # ---- home visits ---------------------------------------------------------------------------------

    def schedule_visits(self, year: int) -> None:
        """The year's draw of 在档 households to visit (in March), each visited on some day up to December."""
        day = self.wd.on_or_after(month_day(self.data["home_visits"]["draw"], year))
        self.agenda.add(day, lambda: self._draw_visits(year), CHECK)

    def _draw_visits(self, year: int) -> None:
        settings = self.data["home_visits"]
        if not self.db.conn.execute("SELECT 1 FROM households WHERE archive_status = '在档' LIMIT 1").fetchone():
            return  # a demo (almost) without archives has nobody to visit
        visits = HomeVisitService(self.db, CLERK)
        drawn = visits.draw(year, share=Decimal(settings["share"]), seed=f"ZF{year}{self.rng.randrange(10 ** 4):04d}")
        planned = visits.planned(drawn.id)
        first = self.wd.after(self.today(), 3)
        last = self.wd.on_or_before(month_day(settings["last"], year))
        for i, h in enumerate(planned[:int(len(planned) * settings["visited_share"])]):
            outcome, note = "情况属实", ""
            if i % 17 == 1:
                outcome, note = "情况变化", "配偶已再就业，家庭月收入增加约1500元，需重新核算人均收入"
            elif i % 29 == 2:
                outcome, note = "建议脱困", "子女已大学毕业就业，家庭收入稳定高于低保标准"
            self.agenda.add(self.wd.between(self.rng, first, last), lambda h=h, outcome=outcome, note=note: (
                visits.record_visit(h.household_id, visited_on=self.today(), visitors=self.rng.choice(VISITORS),
                                    outcome=outcome, note=note, draw_id=drawn.id)), CHECK)
