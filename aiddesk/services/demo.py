"""A demo office — units, 低保 lines, accounts, a hardship archive and its year of aid — built into an empty database.

Modelled on the Hainan provincial centre's 2015 report (``shared/seed``): 44
industry/system unions and directly affiliated grassroots unions, 1431
households, about 3.7 people each.  All names, numbers and lists come from
``resources/demo`` (data, not code); everything is drawn from
``random.Random(seed)``, so the same seed and the same ``today`` give the same
office.

The office's years are replayed on a simulated clock (``demo_timeline``): the
database gets a ``FixedClock`` for the build, and every action — the office
set up in 2012, each archive filed on its 建档日期, approved, reviewed or
closed, each batch step, each check — is done through the services on its
working day at an office-hours time, in the order it happened, up to the day
before ``today``. So every time the program records is the one the services
wrote at the simulated moment: the audit chain is whole without resealing,
and ``today``'s year reads like an office's year (``demo_year``).

Everything goes through the services (units, accounts, ArchiveService,
batches, funds, checks), so the demo has the same validation, computed
incomes, archive numbers and audit trail as real work; the whole build is one
outer transaction (the services join it through savepoints), which makes it
fast and all-or-nothing.

Demo accounts (username / password / roles), also returned in the summary::

    admin   / admin123   管理员、经办人
    jingban / jingban123 经办人        (the clerk who files the demo archives)
    shenhe  / shenhe123  审核人
    shenpi  / shenpi123  审批人
"""

from __future__ import annotations

import random
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from ..core.clock import FixedClock
from ..core.errors import UserError
from ..core.household import Household
from ..core.proofs import required_proofs
from ..db import Database
from ..db.audit import Actor
from ..db.settings import office_calendar, set_setting
from ..db.units import Unit
from . import accounts
from .archive import DEFAULT_RULE_SET, ArchiveService
from .demo_batches import DemoBatches
from .demo_funds import DemoLedger
from .demo_households import (
    FIRST_YEAR,
    MISSING_DOCS,
    REVIEWER,
    HouseholdGenerator,
    Slot,
    demo_data,
    scan_png,
)
from .demo_timeline import SETUP, Agenda, OfficeClock, OfficeHours, Workdays
from .demo_verification import DemoChecks
from .demo_year import BatchPlan, YearPlanner
from .settings import save_dibao_line
from .units import save_unit

# username, password, roles, display name
DEMO_ACCOUNTS: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("admin", "admin123", ("管理员", "经办人"), "系统管理员"),
    ("jingban", "jingban123", ("经办人",), "符晓梅"),
    ("shenhe", "shenhe123", ("审核人",), "陈建国"),
    ("shenpi", "shenpi123", ("审批人",), "王海平"),
)
CLERK = "jingban"
# No archive of a batch's list leaves the archive from this long before the list is drawn up until its
# approval: a closure is recorded some days after its 退出日期, and the list is drawn from the archive.
LIST_QUIET_DAYS = 14


@dataclass
class DemoSummary:
    """What ``build_demo`` made; ``accounts`` are (username, password, roles)."""

    units: int
    households: int
    people: int
    accounts: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)
    attachments: int = 0


def _refuse_if_not_empty(db: Database) -> None:
    conn = db.conn
    counts = [conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("units", "households", "users")]
    if any(counts):
        raise UserError("这个数据库里已经有单位、档案或账号，不能再生成演示数据（会和真实数据混在一起）。"
                        "请新建一个空的数据库文件，再生成演示数据。")


def build_demo(db: Database, *, households: int = 1431, seed: int = 2015, today: date | None = None,
               progress: Callable[[int, int], None] | None = None, attachments: bool = True,
               batches: bool = True) -> DemoSummary:
    """Build the demo office into an empty database; refused (``UserError``) if it has any data.

    ``today`` (default: the database clock's date) is the day the office has got to: everything is done
    before it. ``progress(done, total)`` is called after each household. With ``attachments=False`` no
    proof files are attached (faster for benchmarks), so every archive lists its proofs as missing.
    """
    if households < 0:
        raise UserError("演示档案户数不能为负数")
    _refuse_if_not_empty(db)
    today = today or db.clock.today()
    if today.year < FIRST_YEAR + 2:  # room for archives filed, and closed a year or more later
        raise UserError(f"演示数据从{FIRST_YEAR}年建档开始，今天的日期应在{FIRST_YEAR + 2}年或以后")
    original_clock = db.clock
    attachment_dir_existed = db.attachment_dir.exists()
    try:
        with tempfile.TemporaryDirectory(prefix="aiddesk-demo-") as tmp, db.transaction():
            return _DemoOffice(db, households=households, seed=seed, today=today, folder=Path(tmp),
                               progress=progress, attachments=attachments, batches=batches).build()
    except BaseException:
        if not attachment_dir_existed:
            shutil.rmtree(db.attachment_dir, ignore_errors=True)
        raise
    finally:
        db.clock = original_clock  # the build's simulated clock was lent, never kept


class _DemoOffice:
    """One build: plans the office's years on the agenda, then runs them on the simulated clock."""

    def __init__(self, db: Database, *, households: int, seed: int, today: date, folder: Path,
                 progress: Callable[[int, int], None] | None, attachments: bool, batches: bool):
        self.db, self.households, self.today, self.folder = db, households, today, folder
        self.progress, self.attachments, self.batches = progress, attachments, batches
        self.seed = seed
        self.data = demo_data()
        self.wd = Workdays(office_calendar(db.conn))
        self.first_day = self.wd.on_or_after(date(FIRST_YEAR, 1, 1))  # the office starts using the program
        clock = FixedClock(datetime.combine(self.first_day - timedelta(days=1), time(18, 0)))
        db.clock = clock
        self.office = OfficeClock(clock, OfficeHours.load(), random.Random(f"{seed}/clock"))
        self.agenda = Agenda(self.office, self.wd, until=today)
        self.gen = HouseholdGenerator(random.Random(seed), self.data, today,
                              {(a, y): v for a, y, v in self.data.dibao_lines},
                              files_rng=random.Random(f"{seed}/attachments"), workdays=self.wd,
                              first_day=self.first_day)
        self.archive = ArchiveService(db, Actor(CLERK, "界面"))
        self.admin = Actor(DEMO_ACCOUNTS[0][0], "界面")
        self.people = self.attached = self.filed = 0

    def build(self) -> DemoSummary:
        plans = YearPlanner(self.today, self.wd, random.Random(f"{self.seed}/batches")).plan() if self.batches \
            else []
        slots = self.gen.plan(self.households, busy=self._busy(plans))
        self.agenda.add(self.first_day, self._set_up, SETUP, weight=len(self.data.units["units"]))
        for year in range(FIRST_YEAR, self.today.year + 1):
            self.agenda.add(self.wd.on_or_after(date(year, 1, 1)), lambda year=year: self._dibao_lines(year), SETUP)
        for slot in slots:
            self._schedule_household(slot)
        batches = self._schedule_batches(plans) if self.batches else None
        try:
            self.agenda.run()
        finally:
            if batches is not None:
                batches.close()
        return DemoSummary(
            units=1 + len(self.data.units["units"]), households=self.households, people=self.people,
            accounts=[(u, p, r) for u, p, r, _ in DEMO_ACCOUNTS], attachments=self.attached,
        )

    def _busy(self, plans: list[BatchPlan]) -> list[tuple[date, date]]:
        """From a little before each batch's list is drawn up until it is approved (or today)."""
        return [(p.draft - timedelta(days=LIST_QUIET_DAYS), p.approved_on or self.today)
                for p in plans if p.original is None]

    # ---- the office's set-up ------------------------------------------------------------------

    def _set_up(self) -> None:
        """The first day: accounts, then units and the rule set — the admin sets them up."""
        db, step = self.db, self.office.step
        username, password, _roles, display = DEMO_ACCOUNTS[0]
        accounts.create_first_admin(db, username=username, display_name=display, password=password)
        for username, password, roles, display in DEMO_ACCOUNTS[1:]:
            step()
            accounts.add_user(db, self.admin, username=username, display_name=display, password=password,
                              roles=roles)
        own = self.data.units["own"]
        step()
        save_unit(db, self.admin, Unit(own["code"], own["name"], own["level"]), new=True)
        for u in self.data.units["units"]:
            step()
            save_unit(db, self.admin, Unit(u["code"], u["name"], u["level"], u["parent"]), new=True)
        set_setting(db.conn, "rule_set", DEFAULT_RULE_SET)

    def _dibao_lines(self, year: int) -> None:
        """A year's 低保 lines, entered on its first working day, before any archive of the year is filed."""
        for area, line_year, line in self.data.dibao_lines:
            if line_year == year:
                self.office.step()
                save_dibao_line(self.db, self.admin, area, year, line)

    # ---- the archive ----------------------------------------------------------------------------

    def _schedule_household(self, slot: Slot) -> None:
        add = self.agenda.add
        add(slot.created, lambda: self._file(slot))
        if slot.approved_on:
            add(slot.approved_on, lambda: self._approve(slot))
        if slot.closed_on:
            add(slot.closed_on, lambda: self._close(slot))
        if slot.reviewed_on:
            add(slot.reviewed_on, lambda: self._review(slot))

    def _file(self, slot: Slot) -> None:
        """建档: the household as it was that day, filed in the category the clerk chose, with its scans."""
        gen = self.gen
        h = gen.household(slot)
        h.hardship_category = gen.category(self.archive.suggest(h).category, slot.category)
        gen.later_texts(slot)
        slot.household_id = self.archive.save(h).household_id
        self.people += h.household_size
        if self.attachments:
            self.attached += self._attach(slot.household_id, h, slot)
        self.filed += 1
        if self.progress:
            self.progress(self.filed, self.households)

    def _approve(self, slot: Slot) -> None:
        """A 临时 archive approved into 在档 about a week after filing, with the reviewer's opinion."""
        h = self.archive.get(slot.household_id)
        h.reviewed_by, h.union_opinion = REVIEWER, slot.texts["union_opinion"]
        self.archive.save(h)
        self.office.step()
        self.archive.change_status(slot.household_id, "在档", on=self.db.clock.today())

    def _close(self, slot: Slot) -> None:
        """脱困 or 注销, recorded a few days after the 退出日期 it takes effect on."""
        self.archive.change_status(slot.household_id, slot.status, on=slot.exit_date, reason=slot.reason,
                                   note=slot.texts["exit_note"])

    def _review(self, slot: Slot) -> None:
        """The yearly review (复核): the clerk notes it in the archive, which counts as updated."""
        h = self.archive.get(slot.household_id)
        h.note = f"{h.note}；{slot.texts['review']}" if h.note else slot.texts["review"]
        self.archive.save(h)

    def _attach(self, household_id: int, h: Household, slot: Slot) -> int:
        """Scan-like files for the required proofs; some households are left 资料不全."""
        gen = self.gen
        rng = gen.files_rng
        kinds = required_proofs(h.hardship_category, h.causes())
        if rng.random() < MISSING_DOCS["临时" if slot.status == "临时" else "other"]:
            drop = rng.sample(kinds, min(len(kinds), rng.choice([1, 1, 2])))
            kinds = [k for k in kinds if k not in drop]
        if rng.random() < (0.5 if h.hardship_category == "意外致困户" else 0.15):
            kinds.append("其他")
        for kind in kinds:
            gen.serial += 1
            path = self.folder / f"{kind.replace('/', '')}.png"
            path.write_bytes(scan_png(gen.serial))
            self.office.step()
            self.archive.add_attachment(household_id, kind, path)
        return len(kinds)

    # ---- the year's aid ---------------------------------------------------------------------------

    def _schedule_batches(self, plans: list[BatchPlan]) -> DemoBatches:
        """The ledgers of the years money is paid in, the batches, their checks and the years' home visits."""
        unit_code = self.data.units["own"]["code"]
        years = sorted({p.paid_on.year for p in plans if p.paid_on} | {self.today.year})
        ledger = DemoLedger(self.db, self.agenda, self.office, self.wd, unit_code=unit_code)
        for year in years:
            ledger.schedule(year, carry_from_demo=year - 1 in years)
        checks = DemoChecks(self.db, self.agenda, self.office, self.wd, random.Random(f"{self.seed}/verification"))
        for year in years:
            checks.schedule_visits(year)
        batches = DemoBatches(self.db, self.agenda, self.office, self.wd, random.Random(f"{self.seed}/lists"),
                              unit_code=unit_code, proofs=self.attachments, checks=checks)
        batches.schedule(plans)
        return batches
