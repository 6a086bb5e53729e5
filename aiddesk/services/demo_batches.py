"""The demo office's aid batches: each planned batch drafted, filled and taken step by step on its own days.

``demo_year`` says when; this module says what: who is on each list (every 在档 低保户 for the 春节送温暖,
patients with their bills for 医疗救助, students for 金秋助学 …) and which of the demo's three people takes
each step. The lists are drawn from the archive as it stands on the draft day.
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from ..core.batch import AidRecord, Batch
from ..core.errors import UserError
from ..db import Database
from ..db.audit import Actor
from ..db.household_list import HouseholdFilter
from .batches import BatchService
from .demo_households import scan_png
from .demo_timeline import BATCH, Agenda, OfficeClock, Workdays
from .demo_verification import DemoChecks
from .demo_year import STEPS, BatchPlan
from .payments import PaymentService

CLERK = Actor("jingban", "界面", ("经办人",))
REVIEWER = Actor("shenhe", "界面", ("审核人",))
APPROVER = Actor("shenpi", "界面", ("审批人",))

HOSPITALS = ("海南省人民医院", "海南医学院第一附属医院", "海口市人民医院", "三亚市人民医院", "琼海市人民医院")
DIAGNOSES = ("肺癌", "尿毒症", "白血病", "脑梗死", "乳腺癌", "冠心病（支架术后）")
SCHOOLS = (("海南大学", "本科"), ("海南师范大学", "本科"), ("海南医学院", "本科"), ("海南职业技术学院", "专科"),
           ("海南经贸职业技术学院", "专科"), ("华中科技大学", "本科"))
MAJORS = ("计算机科学与技术", "临床医学", "会计学", "汉语言文学", "旅游管理", "机械设计制造及其自动化")
STUDENT_AMOUNTS = {("本科", "新生"): 3000, ("本科", "在校生"): 2000, ("专科", "新生"): 2000, ("专科", "在校生"): 1500}

# What each kind of batch pays from, and how much a household gets where there is one standard.
SOURCES = {"spring": ["中央财政", "省总工会经费"], "living": ["省财政"], "jobless": ["省财政"],
           "medical": ["省总工会经费"], "temporary": ["本级工会经费"], "applications": ["本级工会经费"],
           "jinqiu": ["省总工会经费", "中央财政"]}
STANDARDS = {"spring": "1000.00", "living": "1000.00", "jobless": "800.00", "temporary": "800.00",
             "applications": "800.00"}
# Lines of these need bills, certificates or admission notices before review: without proof files the
# batch stays a draft.
NEEDS_LINE_PROOFS = ("medical", "jinqiu")
PATIENTS, STUDENTS, APPLICANTS = 8, 12, 5
SUDDEN = ("遭受意外事故", "遭受自然灾害")  # the causes 临时救助 applications come with first
APPLICATION_DAYS = 25  # an application reaches the office up to this many days before its line is added


class DemoBatches:
    """Plans the batches on the demo's agenda and carries out each step when its day comes."""

    def __init__(self, db: Database, agenda: Agenda, office: OfficeClock, workdays: Workdays, rng: random.Random,
                 *, unit_code: str, proofs: bool, checks: DemoChecks):
        self.db = db
        self.agenda = agenda
        self.office = office
        self.wd = workdays
        self.rng = rng
        self.unit_code = unit_code
        self.proofs = proofs
        self.checks = checks
        self.clerk, self.reviewer, self.approver = (BatchService(db, a) for a in (CLERK, REVIEWER, APPROVER))
        self.scans = _Scans(db, proofs)
        self._ids: dict[int, int] = {}  # id(plan) → its batch, once drafted
        self._applying: dict[int, list[int]] = {}  # id(plan) → households whose applications come in one a day

    def batch_id(self, plan: BatchPlan) -> int | None:
        return self._ids.get(id(plan))

    def schedule(self, plans: list[BatchPlan]) -> None:
        add = self.agenda.add
        for plan in plans:
            if plan.line_days:  # applications come in one a day: the first one opens the batch
                for i, day in enumerate(plan.line_days):
                    add(day, lambda p=plan, i=i: self._application(p, i), BATCH)
            else:
                add(plan.draft, lambda p=plan: self._draft(p), BATCH)
            if plan.voided_on:
                add(plan.voided_on, lambda p=plan: self._void(p), BATCH)
            if plan.kind in NEEDS_LINE_PROOFS and not self.proofs:
                continue
            for status, day in plan.steps.items():
                add(day, lambda p=plan, s=status: self._step(p, s), BATCH)
            if plan.checks is not None:
                self.checks.schedule(plan, lambda p=plan: self.batch_id(p))

    def close(self) -> None:
        self.scans.close()

    # ---- drafting and filling -----------------------------------------------------------------

    def _draft(self, plan: BatchPlan) -> None:
        kind = plan.original.kind if plan.original else plan.kind
        b = Batch(name=plan.name, activity=plan.activity, year=plan.year, unit_code=self.unit_code,
                  fund_sources=SOURCES[kind], notice_phone="0898-66123456",
                  standard=Decimal(STANDARDS[kind]) if kind in STANDARDS else None)
        if plan.activity == "送温暖":  # collective aid needs its approved 活动方案 first
            b.plan_text, b.plan_approval_kind = "春节前对在档低保户每户慰问1000元", "主席办公会"
            b.plan_approved_by, b.plan_approved_on = "中心主任办公会", plan.plan_approved_on
        if kind == "jinqiu":
            b.student_standards = {k: Decimal(v) for k, v in STUDENT_AMOUNTS.items()}
        self._ids[id(plan)] = batch_id = self.clerk.save_draft(b)
        fill = {"spring": self._by_filter, "living": self._by_filter, "jobless": self._by_filter,
                "medical": self._patients, "temporary": self._applicants, "jinqiu": self._students}.get(kind)
        if fill is not None and plan.original is None:  # (applications fill theirs as they come in)
            fill(batch_id, kind)

    def _by_filter(self, batch_id: int, kind: str) -> None:
        """Everyone the filter finds in the archive today (a 送温暖 list: every 在档 低保户)."""
        flt = {"spring": HouseholdFilter(category="低保户"), "living": HouseholdFilter(category="低保边缘户"),
               "jobless": HouseholdFilter(cause="下岗失业")}[kind]
        self.office.step()
        self.clerk.add_from_filter(batch_id, flt)

    def _patients(self, batch_id: int, kind: str) -> None:
        """Medical aid on individual applications, each with its hospital bills."""
        rng = self.rng
        for household_id in _households(self.db, rng, PATIENTS, ("患重特大疾病",)):
            total = Decimal(rng.randrange(30_000, 150_000, 100))
            reimbursed = (total * Decimal(rng.choice(("0.55", "0.6", "0.7")))).quantize(Decimal(1))
            self_paid = total - reimbursed
            self.office.step()
            line_id = self.clerk.add_line(batch_id, AidRecord(
                household_id=household_id, amount=min(self_paid, Decimal(rng.choice((3000, 5000, 8000)))),
                hospital=rng.choice(HOSPITALS), diagnosis=rng.choice(DIAGNOSES), total_cost=total,
                reimbursed=reimbursed, self_paid=self_paid, application_date=self._applied(household_id)))
            self.scans.attach(line_id, self.office, "医疗证明", "医疗费用单据")

    def _applicants(self, batch_id: int, kind: str) -> None:
        """Temporary aid for workers hit by an accident or a disaster, each on the worker's own application."""
        for household_id in _households(self.db, self.rng, APPLICANTS, SUDDEN, others=True):
            self._application_line(batch_id, household_id)

    def _application(self, plan: BatchPlan, i: int) -> None:
        """A batch still collecting applications: drafted with the first, one more each day."""
        if i == 0:
            self._draft(plan)
            self._applying[id(plan)] = _households(self.db, self.rng, len(plan.line_days), SUDDEN, others=True)
        waiting = self._applying.get(id(plan), [])
        if i < len(waiting):
            self._application_line(self.batch_id(plan), waiting[i])

    def _application_line(self, batch_id: int, household_id: int) -> None:
        self.office.step()
        try:
            self.clerk.add_line(batch_id, AidRecord(household_id=household_id, amount=Decimal("800.00"),
                                                    application_date=self._applied(household_id)))
        except UserError:
            pass  # over the year's 生活救助 cap where the 低保 line is low: refused, as it would be at the desk

    def _students(self, batch_id: int, kind: str) -> None:
        """金秋助学: students of 在档 families, by level and whether they are just starting."""
        rng, today = self.rng, self.db.clock.today()
        for household_id, student in _students(self.db, rng, STUDENTS, today):
            school, level = rng.choice(SCHOOLS)
            student_kind = rng.choice(("新生", "在校生"))
            self.office.step()
            line_id = self.clerk.add_line(batch_id, AidRecord(
                household_id=household_id, amount=Decimal(STUDENT_AMOUNTS[(level, student_kind)]),
                student_name=student["name"], student_id_number=student["id_number"], school=school,
                major=rng.choice(MAJORS), education_level=level, student_kind=student_kind,
                enrollment_year=today.year if student_kind == "新生" else today.year - rng.randrange(1, 4)))
            self.scans.attach(line_id, self.office, "录取通知书" if student_kind == "新生" else "学生证")

    def _applied(self, household_id: int) -> date:
        """The working day an application came in: in the weeks before today, not before the archive was filed."""
        today = self.db.clock.today()
        created = _created(self.db, household_id)
        return self.wd.between(self.rng, max(created, today - timedelta(days=APPLICATION_DAYS)), today)

    # ---- the steps ------------------------------------------------------------------------------

    def _step(self, plan: BatchPlan, status: str) -> None:
        """Take the batch one step, by the person whose step it is — if it got this far (a list nobody was
        found for stays a draft)."""
        batch_id = self.batch_id(plan)
        if batch_id is None:
            return
        before = "草稿" if status == STEPS[0] else STEPS[STEPS.index(status) - 1]
        if self.clerk.get(batch_id).status != before or not self.clerk.records(batch_id):
            return
        if status == "已发放":  # the payment, dated today, moves the batch to 已发放 with it
            PaymentService(self.db, CLERK).mark_paid(batch_id, paid_on=self.db.clock.today())
            return
        actor: Callable = {"公示中": self.reviewer, "已审批": self.approver}.get(status, self.clerk).transition
        actor(batch_id, status)

    def _void(self, plan: BatchPlan) -> None:
        batch_id = self.batch_id(plan)
        if batch_id is not None:
            self.clerk.transition(batch_id, "已作废", reason=f"与“{plan.original.name}”批次重复，误建作废")


class _Scans:
    """Small stand-in scans for the proofs a line needs (bills, certificates, admission notices)."""

    def __init__(self, db: Database, enabled: bool):
        self._payments = PaymentService(db, CLERK)
        self._folder = tempfile.TemporaryDirectory(prefix="aiddesk-demo-scans-")
        self._serial = 0
        self._enabled = enabled

    def attach(self, line_id: int, office: OfficeClock, *kinds: str) -> None:
        for kind in kinds if self._enabled else ():
            self._serial += 1
            path = Path(self._folder.name) / f"{kind}.png"
            path.write_bytes(scan_png(100_000 + self._serial))
            office.step()
            self._payments.attach_to_line(line_id, kind, path)

    def close(self) -> None:
        self._folder.cleanup()


def _created(db: Database, household_id: int) -> date:
    return date.fromisoformat(db.conn.execute("SELECT created_date FROM households WHERE id = ?",
                                              (household_id,)).fetchone()[0])


def _households(db: Database, rng: random.Random, count: int, causes: tuple[str, ...], *,
                others: bool = False) -> list[int]:
    """``count`` 在档 households with one of ``causes`` (main or secondary) — and, with ``others``, any other 在档
    household where there are too few of those (anyone may meet with sudden hardship)."""
    rows = db.conn.execute("SELECT id, main_cause, secondary_causes FROM households WHERE archive_status = '在档'"
                           " ORDER BY id").fetchall()
    first = [r[0] for r in rows if r[1] in causes or any(f"、{c}、" in r[2] for c in causes)]
    chosen = rng.sample(first, min(count, len(first)))
    if others and len(chosen) < count:
        taken = set(first)
        rest = [r[0] for r in rows if r[0] not in taken]
        chosen += rng.sample(rest, min(count - len(chosen), len(rest)))
    return chosen


def _students(db: Database, rng: random.Random, count: int, today: date) -> list[tuple[int, dict]]:
    rows = db.conn.execute(
        "SELECT m.household_id, m.name, m.id_number FROM members m JOIN households h ON h.id = m.household_id"
        " WHERE h.archive_status = '在档' AND m.identity = '学生' AND m.id_number IS NOT NULL"
        " AND m.birth_date BETWEEN ? AND ? ORDER BY m.id",
        ((today - timedelta(days=365 * 24)).isoformat(), (today - timedelta(days=365 * 17)).isoformat())
    ).fetchall()
    chosen, seen = [], set()
    for r in rng.sample(rows, len(rows)):
        if r["household_id"] not in seen:
            seen.add(r["household_id"])
            chosen.append((r["household_id"], {"name": r["name"], "id_number": r["id_number"]}))
        if len(chosen) == count:
            break
    return chosen
