"""The demo office's verification (核查) of its year: SMS results, a phone spot check, home visits, feedback.

Everything goes through the real services, so the demo shows what an office's records look like:
most notices delivered and a few failed, a spot check with a discrepancy still open and one put
right, home visits of a tenth of the archive with a few changed circumstances, and feedback forms.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from ..db import Database
from ..db.audit import Actor
from .archive import ArchiveService
from .batches import BatchService
from .feedback import FeedbackService
from .home_visits import HomeVisitService
from .problems import ProblemService
from .sms import SendResult, SmsMessage, SmsService
from .spot_checks import SpotCheckService

CLERK = Actor("jingban", "界面", ("经办人",))
REVIEWER = Actor("shenhe", "界面", ("审核人",))
VISITORS = ("符晓梅、陈建国", "符晓梅、王海平", "陈建国、吴小燕")
FAILURES = ("空号", "关机", "停机", "用户拒收")


class _DemoGateway:
    """Stands in for an SMS gateway: delivers most messages, fails a few as real numbers do."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def send(self, messages: list[SmsMessage]) -> list[SendResult]:
        return [SendResult(m.record_id, True) if self.rng.random() > 0.03 else
                SendResult(m.record_id, False, self.rng.choice(FAILURES)) for m in messages]


def build_demo_verification(db: Database, *, today: date, rng: random.Random) -> None:
    """Verify the year's paid batches as far as an office would have got by ``today``."""
    paid = [r[0] for r in db.conn.execute(
        "SELECT id FROM batches WHERE year = ? AND status IN ('已发放', '已核查') ORDER BY id", (today.year,))]
    for batch_id in paid:
        SmsService(db, CLERK).send(batch_id, _DemoGateway(rng))
        _spot_check(db, batch_id, rng, today)
    _home_visits(db, rng, today)
    _feedback(db, paid, rng, today)


def _spot_check(db: Database, batch_id: int, rng: random.Random, today: date) -> None:
    checks = SpotCheckService(db, CLERK)
    drawn = checks.draw(batch_id, share=Decimal("0.10"), seed="DEMO2026", today=today)
    first_problem = None
    items = checks.items(drawn.draw.id)
    # Two discrepancies wherever the sample is large enough to hold them: one put right, one open.
    findings = {max(1, len(items) // 2): ("金额不符", "本人称只收到800元，需向银行核实到账明细"),
                len(items) - 1: ("本人未收到", "本人称会员服务卡已挂失换卡，款项可能退回")}
    for i, item in enumerate(items):
        called = min(item.paid_on + timedelta(days=7 + i // 10), today)
        if i == 0:
            checks.record_call(item.record_id, result="未接通", note="无人接听，次日再拨", called_on=called)
            called = min(called + timedelta(days=1), today)
        result, note = findings.get(i, ("核实一致", ""))
        outcome = checks.record_call(item.record_id, result=result, note=note, called_on=called)
        if outcome.problem_id and first_problem is None:
            first_problem = (outcome.problem_id, called)
    if first_problem is not None:  # one put right, the other still open for the demo's to-do list
        problem_id, found = first_problem
        ProblemService(db, CLERK).resolve(problem_id, "经银行核实，1000元已全额到账，本人记错；已电话告知本人",
                                          on=min(found + timedelta(days=3), today))


def _home_visits(db: Database, rng: random.Random, today: date) -> None:
    visits = HomeVisitService(db, CLERK)
    archive = ArchiveService(db, CLERK)
    drawn = visits.draw(today.year, share=Decimal("0.10"), seed="ZF2026", today=today)
    planned = visits.planned(drawn.id)
    done = planned[:int(len(planned) * 0.7)]  # the rest are still to be visited this year
    for i, h in enumerate(done):
        outcome, note = "情况属实", ""
        if i % 17 == 1:
            outcome, note = "情况变化", "配偶已再就业，家庭月收入增加约1500元，需重新核算人均收入"
        elif i % 29 == 2:
            outcome, note = "建议脱困", "子女已大学毕业就业，家庭收入稳定高于低保标准"
        earliest = max(date(today.year, 3, 1), archive.get(h.household_id).created_date)
        day = min(earliest + timedelta(days=rng.randrange(0, 240)), today)
        visits.record_visit(h.household_id, visited_on=day, visitors=rng.choice(VISITORS), outcome=outcome,
                            note=note, draw_id=drawn.id, today=today)


def _feedback(db: Database, paid: list[int], rng: random.Random, today: date) -> None:
    feedback = FeedbackService(db, REVIEWER)
    for batch_id in paid:
        paid_on = BatchService(db, REVIEWER).get(batch_id).paid_on
        recipients = feedback.recipients(batch_id)
        for r in rng.sample(recipients, min(len(recipients), 40)):
            answer = rng.choices(("满意", "基本满意", "不满意"), weights=(80, 17, 3))[0]
            comment = "希望慰问金能早点发放" if answer != "满意" and rng.random() < 0.5 else ""
            answered = min(paid_on + timedelta(days=rng.randrange(10, 40)), today)
            feedback.record(r.household_id, answered_on=answered, answer=answer, comment=comment,
                            batch_id=batch_id, today=today)
