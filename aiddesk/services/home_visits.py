"""入户走访: draw a share of the 在档 households by unit, record each visit's outcome, print the 走访登记表."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

from ..core import sampling
from ..core.codes import code_list
from ..core.errors import UserError, ValidationError
from ..core.verification_rules import load_verification_rules
from ..db import Database
from ..db import draws as draw_repo
from ..db import home_visits as repo
from ..db import households as household_repo
from ..db.audit import Actor, record
from ..db.units import get_unit, own_unit

# Who draws, visits and records visits.
STAFF = ("经办人", "审核人", "管理员")
# The one outcome that leaves the archive as it is; every other one says what changed, and the
# archive is then looked at (its own status change, under its own rules, does the rest).
CONFIRMED = "情况属实"
MIN_NOTE = 4  # characters: "见附件" says nothing about what changed
MAX_SEED = 32

VisitDraw = repo.VisitDraw
Visit = repo.Visit
PlannedHousehold = repo.PlannedHousehold


def needs_archive(outcome: str) -> bool:
    """Whether a visit with this outcome should lead to the household's archive (情况变化, 建议脱困, 建议注销)."""
    return outcome != CONFIRMED


def share_text(share: Decimal) -> str:
    """0.10 → ``10%``, 0.125 → ``12.5%``."""
    return f"{(share * 100).normalize():f}%"


class HomeVisitService:
    def __init__(self, db: Database, actor: Actor):
        self.db = db
        self.actor = actor

    @property
    def may_record(self) -> bool:
        """Whether this user may write here (else the view shows its lists with the write buttons greyed out)."""
        return self.actor.may(*STAFF)

    # ---- drawing -------------------------------------------------------------------------

    def default_share(self) -> Decimal:
        return load_verification_rules().home_visit_share

    def draw(self, year: int, *, share: Decimal | None = None, count: int | None = None, seed: str | None = None) -> VisitDraw:
        """Draw households to visit from the office's 在档 archives, stratified by unit, and keep the draw.

        ``share`` (default: the rules' home_visit_share) or ``count``; the same ``seed`` over the
        same archive picks the same households. Earlier draws of the year are kept.
        """
        self.actor.require(*STAFF)
        today = self.db.clock.today()
        if not 2000 <= year <= today.year + 1:
            raise UserError(f"年度 {year} 不对：只能为 {today.year + 1} 年及以前的年度抽取走访户", field="year")
        if share is not None and count is not None:
            raise UserError("请按比例或按户数二选一抽取", field="share")
        if share is None and count is None:
            share = self.default_share()
        seed = (seed or "").strip().upper() or sampling.new_seed()
        if len(seed) > MAX_SEED:
            raise UserError(f"种子最多 {MAX_SEED} 个字符", field="seed")
        conn = self.db.conn
        with self.db.transaction():
            households = repo.in_archive_households(conn)
            if not households:
                raise UserError("本单位及下级单位没有“在档”的档案，无法抽取走访户")
            members = [sampling.Member(key=r["archive_no"], stratum=r["unit_code"], ref=r["id"]) for r in households]
            size = sampling.size_for(len(members), share=share, count=count)
            result = sampling.draw(members, size, seed)
            method, amount = ("比例", str(share)) if share is not None else ("人数", str(count))
            draw_id = draw_repo.insert_draw(
                conn, kind=draw_repo.VISIT, year=year, seed=seed, method=method, amount=amount,
                population=result.population, strata=result.strata, drawn_by=self.actor.username,
                drawn_at=self.db.clock.stamp(), items=[(m.ref, None, m.stratum) for m in result.picked])
            record(conn, self.actor, table="draws", key=str(draw_id), action="insert",
                   new={"kind": repo.KIND, "year": year, "seed": seed, "method": method, "amount": amount,
                        "population": result.population, "size": result.size,
                        "strata": {k: list(v) for k, v in result.strata.items()}})
            return repo.get_visit_draw(conn, draw_id)

    def draws(self, year: int) -> list[VisitDraw]:
        return repo.list_visit_draws(self.db.conn, year)

    def get_draw(self, draw_id: int) -> VisitDraw:
        d = repo.get_visit_draw(self.db.conn, draw_id)
        if d is None:
            raise UserError("找不到该次走访抽取，请刷新")
        return d

    def planned(self, draw_id: int) -> list[PlannedHousehold]:
        """The drawn households with what the visitors need and their visit, if recorded."""
        self.get_draw(draw_id)
        return repo.planned_households(self.db.conn, draw_id)

    def describe(self, d: VisitDraw) -> str:
        """One line for lists and the audit: 按10%抽取 23/221 户，种子 3FA2C1D0."""
        asked = f"按{share_text(Decimal(d.amount))}" if d.method == "比例" else f"按{d.amount}户"
        return f"{asked}抽取 {d.size}/{d.population} 户，种子 {d.seed}"

    def strata_text(self, d: VisitDraw) -> str:
        """省财贸工会 3/25、省旅游工会 2/18 (drawn/在档 per unit); units none was drawn from are summed up."""
        names = {}
        for code in d.strata:
            unit = get_unit(self.db.conn, code)
            names[code] = unit.name if unit else code
        drawn = [f"{names[c]} {k}/{n}" for c, (n, k) in sorted(d.strata.items()) if k]
        missed = [n for n, k in d.strata.values() if not k]
        if missed:
            # A small unit's share rounds to nobody: say so rather than list every such unit.
            drawn.append(f"另 {len(missed)} 个单位（共 {sum(missed)} 户）未抽到")
        return "、".join(drawn)

    # ---- visits --------------------------------------------------------------------------

    def record_visit(self, household_id: int, *, visited_on: date, visitors: str, outcome: str, note: str = "",
                     draw_id: int | None = None) -> int:
        """Record one visit and its outcome; returns its id. The archive itself is not changed here."""
        self.actor.require(*STAFF)
        today = self.db.clock.today()
        visitors, note = (visitors or "").strip(), (note or "").strip()
        problems = {}
        if visited_on is None:
            problems["visited_on"] = "请填写走访日期"
        elif visited_on > today:
            problems["visited_on"] = "走访日期不能晚于今天"
        if not visitors:
            problems["visitors"] = "请填写走访人（多人用顿号分隔，如“王芳、李强”）"
        outcomes = code_list("visit_outcome")
        if outcome not in outcomes:
            problems["outcome"] = f"请选择核实结论：{'、'.join(outcomes)}"
        elif needs_archive(outcome) and len(note) < MIN_NOTE:
            problems["note"] = (f"核实结论为“{outcome}”时，请在说明中写明家庭情况有何变化"
                                "（如收入、就业、健康、住房），例如“配偶已再就业，月收入约3000元”")
        if problems:
            raise ValidationError(problems)
        conn = self.db.conn
        with self.db.transaction():
            h = household_repo.get_household(conn, household_id)
            if h is None:
                raise UserError("找不到该档案，可能已被删除，请刷新")
            if h.created_date and visited_on < h.created_date:
                raise UserError(f"走访日期早于建档日期 {h.created_date.isoformat()}，请核对", field="visited_on")
            if draw_id is not None:
                d = self.get_draw(draw_id)
                if not repo.visit_draw_has(conn, draw_id, household_id):
                    raise UserError(f"{h.name}（{h.archive_no}）不在{d.year}年这次抽取的走访名单中")
            twice = repo.visit_on(conn, household_id, visited_on)
            if twice is not None:
                raise UserError(f"{h.name}（{h.archive_no}）{visited_on.isoformat()}的走访已经登记过"
                                f"（{twice.outcome}，{twice.recorded_by}登记），不要重复登记", field="visited_on")
            visit_id = repo.insert_visit(conn, household_id=household_id, draw_id=draw_id, visited_on=visited_on,
                                         visitors=visitors, outcome=outcome, note=note,
                                         recorded_by=self.actor.username, recorded_at=self.db.clock.stamp())
            record(conn, self.actor, table="home_visits", key=f"{h.archive_no}/{visit_id}", action="insert",
                   new={"visited_on": visited_on.isoformat(), "visitors": visitors, "outcome": outcome, "note": note,
                        "draw_id": draw_id}, household_id=household_id, effective=visited_on)
        return visit_id

    def get_visit(self, visit_id: int) -> Visit:
        v = repo.get_visit(self.db.conn, visit_id)
        if v is None:
            raise UserError("找不到该走访记录，请刷新")
        return v

    def visits(self, year: int) -> list[Visit]:
        return repo.list_visits(self.db.conn, year)

    def coverage(self, year: int) -> tuple[int, int]:
        """(households visited in ``year``, households 在档 at that year's end — or today, for this year).

        在档 on a day is read from the archives' status history, as the checklist and the year figures read it,
        so this tab and the figures agree.
        """
        from .verification_figures import archives_on_file

        day = min(date(year, 12, 31), self.db.clock.today())
        return repo.visited_households(self.db.conn, year), archives_on_file(self.db, day)


def print_visit_forms(db: Database, household_ids: list[int], out: Path, *,
                      progress: Callable[[int], bool] | None = None) -> int:
    """Write a 困难职工入户走访登记表 per household into one PDF, pre-filled from the archive; returns the count."""
    # reportlab is imported when printing, not when the window opens.
    from ..reports.visit_form import VisitFormItem, write_visit_forms

    from .printing import households_with_units

    conn = db.conn
    office = own_unit(conn)

    def items():
        for h, unit_name in households_with_units(conn, household_ids):
            yield VisitFormItem(h, unit_name)

    return write_visit_forms(out, items(), office_name=office.name if office else "",
                             printed_on=db.clock.today(), progress=progress)
