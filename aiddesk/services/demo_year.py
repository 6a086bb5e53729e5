"""When the demo office does its batch work: which batches, and on which working days, in the year of ``today``.

A plan is dates only (no database): the year's batches at their season (春节送温暖 paid before the Spring
Festival, 金秋助学 in August …) as far as ``today`` allows, the batches the office is working on now (one in
公示, one waiting for approval …), counted back from ``today``, and for each paid batch when it was checked.
Early in the year, before anything of the new year is paid, last year's autumn and December batches are
planned too, so the office still has paid batches to check. Every date is a working day; a step on or after
``today`` has not happened yet (left out of the plan, or dropped by the agenda).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from .demo_timeline import Workdays, draw, month_day, timeline_data

STEPS = ("审核中", "公示中", "待审批", "已审批", "已发放")
APPLICATIONS = 5  # at most this many applications in the batch still being drawn up
_NUMERALS = "一二三四五六七八九十"


@dataclass
class CheckPlan:
    """The verification (核查) of a paid batch: the day of each part (the agenda drops those from today on)."""

    sms: date
    sms_resend: date
    spot_draw: date
    call_days: tuple[date, ...]     # the spot check's calls are spread over these days
    resolve_amount: int             # working days from a finding to its putting right …
    resolve_missing: int | None     # … (None: still open, the bank has not answered yet)
    national: date                  # 录入全国系统
    complete: date | None           # 核查完成; None: not while a finding is open


@dataclass
class BatchPlan:
    """One batch of the demo: what fills it (``kind``), when it was drafted and when each later step was taken."""

    kind: str                   # spring, living, jobless, medical, temporary, applications, jinqiu, duplicate
    activity: str
    year: int                   # the aid year (a 春节送温暖 may be drafted in the December before)
    draft: date
    steps: dict[str, date] = field(default_factory=dict)  # status → business day, only steps before today
    plan_approved_on: date | None = None                  # 送温暖: its 活动方案 was approved that day
    number: int = 0                                       # 第N批 of its activity in its year; 0: not numbered
    original: BatchPlan | None = None                     # a duplicate made by mistake: of which batch
    voided_on: date | None = None
    line_days: tuple[date, ...] = ()                      # applications still coming in: one a day
    checks: CheckPlan | None = None
    included: bool = True                                 # False: only counted when numbering the year

    @property
    def name(self) -> str:
        if self.original is not None:
            return f"{self.original.name}（重复建立）"
        label = {"spring": "春节送温暖", "jinqiu": "金秋助学"}.get(self.kind)
        if label is None:
            label = f"{self.activity}（第{_NUMERALS[self.number - 1]}批）"
        return f"{self.year}年{label}"

    @property
    def approved_on(self) -> date | None:
        return self.steps.get("已审批")

    @property
    def paid_on(self) -> date | None:
        return self.steps.get("已发放")


class YearPlanner:
    """Plans the batches of the demo office for ``today``; the same ``rng`` state gives the same plan."""

    def __init__(self, today: date, workdays: Workdays, rng: random.Random):
        self.today = today
        self.wd = workdays
        self.rng = rng
        self.data = timeline_data()
        self.gaps = self.data["batch_steps"]

    def plan(self) -> list[BatchPlan]:
        """Every batch to build, in the order they were drafted."""
        year = self.today.year
        this_year = self._seasonal(year)
        spring = next(p for p in this_year if p.kind == "spring")
        # Early in the year nothing new is paid yet: last year's late batches (paid around December) show
        # the office's checking work. Later in the year the office's own year is enough.
        early = spring.paid_on is None
        last_year = self._seasonal(year - 1)
        cut = month_day(self.data["last_year_from"], year - 1)
        for p in last_year:
            p.included = early and p.draft >= cut
        plans = [p for p in last_year + this_year if p.draft < self.today]
        plans += [self._current(entry) for entry in self.data["current_batches"]]
        self._number(plans)
        plans = [p for p in plans if p.included]
        duplicate = self._duplicate(plans)
        if duplicate is not None:
            plans.append(duplicate)
        plans.sort(key=lambda p: p.draft)
        self._plan_checks(plans)
        return plans

    # ---- the steps of one batch ----------------------------------------------------------

    def _seasonal(self, year: int) -> list[BatchPlan]:
        plans = []
        for entry in self.data["seasonal_batches"]:
            if entry["kind"] == "spring":
                # Paid some days before the festival; everything before counted back from there.
                festival = self.wd.spring_festival(year)
                paid = self.wd.before(festival, draw(self.rng, self.gaps["paid_before_spring_festival"]))
                p = self._backward(entry, year, "已发放", paid)
            else:
                p = self._forward(entry, year, self.wd.on_or_after(month_day(entry["draft"], year)))
            plans.append(p)
        return plans

    def _current(self, entry: dict) -> BatchPlan:
        """A batch the office is working on today: its last step a few working days ago."""
        day = self.wd.before(self.today, draw(self.rng, entry["days_ago"]))
        if entry["stage"] != "草稿":
            return self._backward(entry, None, entry["stage"], day)
        # Still collecting applications: one has come in on each working day since it was opened.
        days = [day]
        while len(days) < APPLICATIONS and self.wd.after(days[-1]) < self.today:
            days.append(self.wd.after(days[-1]))
        return BatchPlan(entry["kind"], entry["activity"], day.year, day, line_days=tuple(days))

    def _forward(self, entry: dict, year: int, draft: date) -> BatchPlan:
        """From the draft, each step some working days after the one before (the 公示 as long as it lasts)."""
        g, wd = self.gaps, self.wd
        submit = wd.after(draft, draw(self.rng, g["submit"]))
        notice = wd.after(submit, draw(self.rng, g["review"]))
        pending = wd.after(wd.notice_end(notice), draw(self.rng, g["pending"]))
        approve = wd.after(pending, draw(self.rng, g["approve"]))
        paid = wd.after(approve, draw(self.rng, g["pay"]))
        return self._made(entry, year, draft, (submit, notice, pending, approve, paid))

    def _backward(self, entry: dict, year: int | None, stage: str, day: date) -> BatchPlan:
        """Counted back from the day ``stage`` was reached; the steps after it are not planned. ``year``:
        the aid year, or None for the year the batch was drafted in."""
        g, wd = self.gaps, self.wd
        days = {stage: day}
        if "已发放" in days:
            days["已审批"] = wd.before(days["已发放"], draw(self.rng, g["pay"]))
        if "已审批" in days:
            days["待审批"] = wd.before(days["已审批"], draw(self.rng, g["approve"]))
        if "待审批" in days:
            # Submitted for approval once the 公示 was over: it ran its working days up to the day before.
            end = wd.before(days["待审批"], draw(self.rng, g["pending"]))
            days["公示中"] = wd.before(end, wd.notice_days - 1)
        days["审核中"] = wd.before(days["公示中"], draw(self.rng, g["review"]))
        draft = wd.before(days["审核中"], draw(self.rng, g["submit"]))
        return self._made(entry, year or draft.year, draft, tuple(days.get(s) for s in STEPS))

    def _made(self, entry: dict, year: int, draft: date, days: tuple[date | None, ...]) -> BatchPlan:
        steps = {status: day for status, day in zip(STEPS, days) if day is not None and day < self.today}
        p = BatchPlan(entry["kind"], entry["activity"], year, draft, steps)
        if entry["activity"] == "送温暖":
            p.plan_approved_on = self.wd.before(draft, draw(self.rng, self.gaps["plan_approved_before_draft"]))
        return p

    # ---- names and the batch made twice ------------------------------------------------------

    @staticmethod
    def _number(plans: list[BatchPlan]) -> None:
        """第N批 in draft order within a year and activity — counting last year's batches built or not."""
        seen: dict[tuple[int, str], int] = {}
        for p in sorted(plans, key=lambda p: p.draft):
            if p.kind not in ("spring", "jinqiu"):
                key = (p.year, p.activity)
                seen[key] = p.number = seen.get(key, 0) + 1

    def _duplicate(self, plans: list[BatchPlan]) -> BatchPlan | None:
        """The latest seasonal batch made a second time by mistake, and voided a day or two later."""
        seasonal = [p for p in plans if p.kind in ("spring", "living", "medical", "temporary", "jinqiu")]
        for original in sorted(seasonal, key=lambda p: p.draft, reverse=True):
            voided = self.wd.after(original.draft, draw(self.rng, self.data["duplicate_voided_after"]))
            if voided < self.today:
                return BatchPlan("duplicate", original.activity, original.year, original.draft, original=original,
                                 voided_on=voided, plan_approved_on=original.plan_approved_on)
        return None

    # ---- the checks of paid batches -----------------------------------------------------------

    def _plan_checks(self, plans: list[BatchPlan]) -> None:
        """Each paid batch: notices, a spot check, 录入全国系统, then — all found put right — 核查完成."""
        c, wd = self.data["checks"], self.wd
        paid = [p for p in plans if p.paid_on is not None]
        for p in paid:
            spot = wd.after(p.paid_on, draw(self.rng, c["spot_draw"]))
            calls = tuple(wd.after(spot, i) for i in range(1, c["call_days"] + 1))
            resolve_missing = draw(self.rng, c["resolve_missing"])
            done = wd.after(calls[-1], c["resolve_missing"][1] + draw(self.rng, c["complete"]))
            sms = wd.after(p.paid_on, draw(self.rng, c["sms"]))
            p.checks = CheckPlan(
                sms=sms, sms_resend=wd.after(sms, draw(self.rng, c["sms_resend"])), spot_draw=spot,
                call_days=calls, resolve_amount=draw(self.rng, c["resolve_amount"]), resolve_missing=resolve_missing,
                national=wd.after(p.approved_on, draw(self.rng, c["national"])), complete=done)
        # The last batch whose calls are all made still waits for the bank about one of its findings:
        # the demo's to-do list has a problem to follow up, and that batch cannot be 已核查 yet.
        called = [p for p in paid if p.checks.call_days[-1] < self.today]
        if called:
            waiting = max(called, key=lambda p: p.paid_on).checks
            waiting.resolve_missing = waiting.complete = None
