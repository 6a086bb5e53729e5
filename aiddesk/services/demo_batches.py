"""The demo office's year of aid batches, one in each state, run by the demo's three people."""

from __future__ import annotations

import random
import tempfile
from datetime import date, timedelta
from pathlib import Path
from decimal import Decimal

from ..core.batch import AidRecord, Batch
from ..db import Database
from ..db.audit import Actor
from ..db.household_list import HouseholdFilter
from .batches import BatchService
from .payments import PaymentService


def demo_png(serial: int) -> bytes:
    from .demo import _png  # the demo's tiny distinct PNGs; imported late: demo imports this module

    return _png(serial)

CLERK = Actor("jingban", "界面", ("经办人",))
REVIEWER = Actor("shenhe", "界面", ("审核人",))
APPROVER = Actor("shenpi", "界面", ("审批人",))

HOSPITALS = ("海南省人民医院", "海南医学院第一附属医院", "海口市人民医院", "三亚市人民医院", "琼海市人民医院")
DIAGNOSES = ("肺癌", "尿毒症", "白血病", "脑梗死", "乳腺癌", "冠心病（支架术后）")
SCHOOLS = (("海南大学", "本科"), ("海南师范大学", "本科"), ("海南医学院", "本科"), ("海南职业技术学院", "专科"),
           ("海南经贸职业技术学院", "专科"), ("华中科技大学", "本科"))
MAJORS = ("计算机科学与技术", "临床医学", "会计学", "汉语言文学", "旅游管理", "机械设计制造及其自动化")


def build_demo_batches(db: Database, *, unit_code: str, today: date, rng: random.Random, proofs: bool = True) -> int:
    """Batches of this year in every state (paid, in notice, awaiting approval, draft, voided); returns how many.

    Without ``proofs`` (no files written) the medical and 金秋助学 batches stay drafts: their
    lines need bills, certificates and admission notices before review.
    """
    clerk, reviewer, approver = (BatchService(db, a) for a in (CLERK, REVIEWER, APPROVER))
    year = today.year
    plan = dict(plan_approval_kind="主席办公会", plan_approved_by="中心主任办公会",
                plan_approved_on=today - timedelta(days=60))

    def batch(name: str, activity: str, sources: list[str], **kw) -> int:
        return clerk.save_draft(Batch(name=name, activity=activity, year=year, unit_code=unit_code,
                                      fund_sources=sources, notice_phone="0898-66123456", **kw))

    def through(batch_id: int, last: str, start: date) -> None:
        """Take a batch from 草稿 up to ``last``, each step by the right person, on plausible dates."""
        if not clerk.records(batch_id):
            return  # a very small demo may find nobody for it: the batch stays a draft
        clerk.transition(batch_id, "审核中", today=start)
        if last == "审核中":
            return
        reviewer.transition(batch_id, "公示中", today=start + timedelta(days=1), notice_start=start + timedelta(days=1))
        end = clerk.get(batch_id).notice_end  # holidays decide when the notice is over
        for target, service, after_notice in (("待审批", clerk, 1), ("已审批", approver, 2)):
            if last == "公示中":
                return
            service.transition(batch_id, target, today=end + timedelta(days=after_notice))
            if target == last:
                return
        PaymentService(db, CLERK).mark_paid(batch_id, paid_on=end + timedelta(days=5))  # → 已发放

    # 送温暖 before the Spring Festival: every 低保户 in the archive, paid.
    spring = batch(f"{year}年春节送温暖", "送温暖", ["中央财政", "省总工会经费"], standard=Decimal("1000.00"),
                   plan_text="春节前对在档低保户每户慰问1000元", **plan)
    clerk.add_from_filter(spring, HouseholdFilter(category="低保户"))
    # The list was drawn up at new year: archives filed since then were not on it.
    for line in clerk.records(spring):
        if _created(db, line.household_id) > date(year, 1, 1):
            clerk.remove_record(line.id, "建档晚于本批次名单确定日期")
    through(spring, "已发放", date(year, 1, 5))

    # Living aid for the edge households, approved and waiting to be paid.
    living = batch(f"{year}年生活救助（第二批）", "生活救助", ["省财政"], standard=Decimal("1000.00"))
    clerk.add_from_filter(living, HouseholdFilter(category="低保边缘户"))
    through(living, "已审批", today - timedelta(days=40))

    # Medical aid on individual applications, awaiting approval.
    medical = batch(f"{year}年医疗救助（第三批）", "医疗救助", ["省总工会经费"])
    patients = _households(db, rng, "患重特大疾病", 8)
    scans = _Scans(db, proofs)
    for household_id in patients:
        total = Decimal(rng.randrange(30_000, 150_000, 100))
        reimbursed = (total * Decimal(rng.choice(("0.55", "0.6", "0.7")))).quantize(Decimal("1"))
        self_paid = total - reimbursed
        line_id = clerk.add_line(medical, AidRecord(
            household_id=household_id, amount=min(self_paid, Decimal(rng.choice((3000, 5000, 8000)))),
            hospital=rng.choice(HOSPITALS), diagnosis=rng.choice(DIAGNOSES), total_cost=total, reimbursed=reimbursed,
            self_paid=self_paid, application_date=today - timedelta(days=rng.randrange(20, 40))))
        scans.attach(line_id, "医疗证明", "医疗费用单据")
    if proofs:
        through(medical, "待审批", today - timedelta(days=16))

    # 金秋助学: the first round in public notice now.
    jinqiu = batch(f"{year}年金秋助学（第一批）", "金秋助学", ["省总工会经费", "中央财政"],
                   student_standards={("本科", "新生"): Decimal("3000.00"), ("本科", "在校生"): Decimal("2000.00"),
                                      ("专科", "新生"): Decimal("2000.00"), ("专科", "在校生"): Decimal("1500.00")})
    for household_id, student in _students(db, rng, 12, today):
        school, level = rng.choice(SCHOOLS)
        kind = rng.choice(("新生", "在校生"))
        amount = {("本科", "新生"): 3000, ("本科", "在校生"): 2000, ("专科", "新生"): 2000, ("专科", "在校生"): 1500}
        line_id = clerk.add_line(jinqiu, AidRecord(
            household_id=household_id, amount=Decimal(amount[(level, kind)]), student_name=student["name"],
            student_id_number=student["id_number"], school=school, major=rng.choice(MAJORS), education_level=level,
            enrollment_year=year if kind == "新生" else year - rng.randrange(1, 4), student_kind=kind))
        scans.attach(line_id, "录取通知书" if kind == "新生" else "学生证")
    if proofs:
        through(jinqiu, "公示中", today - timedelta(days=2))
    scans.close()

    # Temporary aid on the workers' own applications, just drafted.
    temporary = batch(f"{year}年临时救助（第四批）", "临时救助", ["本级工会经费"], standard=Decimal("800.00"))
    for household_id in _households(db, rng, "遭受意外事故", 5):
        clerk.add_line(temporary, AidRecord(household_id=household_id, amount=Decimal("800.00"),
                                            application_date=today - timedelta(days=rng.randrange(1, 10))))
    # A batch voided after it was found to duplicate another.
    voided = batch(f"{year}年两节送温暖（重复建立）", "送温暖", ["省总工会经费"], standard=Decimal("500.00"),
                   plan_text="（误建）", **plan)
    clerk.transition(voided, "已作废", reason="与春节送温暖批次重复，误建作废", today=today - timedelta(days=30))
    return 6


class _Scans:
    """Small stand-in scans for the proofs a line needs (bills, certificates, admission notices)."""

    def __init__(self, db: Database, enabled: bool):
        self._payments = PaymentService(db, CLERK)
        self._folder = tempfile.TemporaryDirectory(prefix="aiddesk-demo-scans-")
        self._serial = 0
        self._enabled = enabled

    def attach(self, line_id: int, *kinds: str) -> None:
        for kind in kinds if self._enabled else ():
            self._serial += 1
            path = Path(self._folder.name) / f"{kind}.png"
            path.write_bytes(demo_png(100_000 + self._serial))
            self._payments.attach_to_line(line_id, kind, path)

    def close(self) -> None:
        self._folder.cleanup()


def _created(db: Database, household_id: int) -> date:
    return date.fromisoformat(db.conn.execute("SELECT created_date FROM households WHERE id = ?",
                                              (household_id,)).fetchone()[0])


def _households(db: Database, rng: random.Random, cause: str, count: int) -> list[int]:
    rows = [r[0] for r in db.conn.execute(
        "SELECT id FROM households WHERE archive_status = '在档' AND main_cause = ? ORDER BY id", (cause,))]
    return rng.sample(rows, min(count, len(rows)))


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
