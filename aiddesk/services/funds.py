"""The fund ledger: entries and their reversals, budgets, plans, sub-units' use, balances and carry-over."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from ..core.codes import check_code, code_list
from ..core.errors import UserError, ValidationError
from ..core.fund_ledger import OUTGOING, TO_SUBUNIT, FundEntry, entry_problems
from ..core.fund_report import CARRIED, OUT, PASSED, RECEIVED, ZERO
from ..core.money import CENT, format_wan, format_yuan
from ..core.text import normalise
from ..db import Database
from ..db import funds as repo
from ..db.audit import Actor, record
from ..db.units import Unit, get_unit, own_unit, subtree_codes

# Who keeps the ledger: the people who also pay.
CLERKS = ("经办人", "管理员")
ADMINS = ("管理员",)


@dataclass(frozen=True)
class SourceBalance:
    """One source's year for one unit: what came in, went out, was paid, and what is left."""

    fund_source: str
    income: Decimal      # 上年结转 + 到账 − 调出 (for a unit without its own ledger: what was allocated to it)
    passed: Decimal      # 下拨下级
    spent: Decimal       # paid aid
    count: int           # 人次 paid

    @property
    def balance(self) -> Decimal:
        return self.income - self.passed - self.spent


def available(conn: sqlite3.Connection, unit_code: str, year: int) -> dict[str, SourceBalance]:
    """Each source's balance for ``unit_code`` in ``year``.

    A unit that keeps a ledger here (the office's own unit, or one whose ledger was imported) is
    measured by it; a sub-unit without one by what was passed or allocated to it.
    """
    own = own_unit(conn)
    out: dict[str, list] = {}

    def cell(source: str) -> list:
        return out.setdefault(source, [ZERO, ZERO, ZERO, 0])

    if (own is not None and own.code == unit_code) or repo.has_ledger(conn, unit_code):
        for (kind, source), amount in repo.ledger_sums(conn, unit_code, year).items():
            if kind in (CARRIED, RECEIVED):
                cell(source)[0] += amount
            elif kind == OUT:
                cell(source)[0] -= amount
            elif kind == PASSED:
                cell(source)[1] += amount
    else:
        for (unit, source), amount in repo.allocations_to(conn, year).items():
            if unit == unit_code:
                cell(source)[0] += amount
    for (unit, source, _category), (amount, count) in repo.paid_sums(conn, year).items():
        if unit == unit_code:
            cell(source)[2] += amount
            cell(source)[3] += count
    return {s: SourceBalance(s, *v) for s, v in out.items()}


def check_affordable(conn: sqlite3.Connection, unit_code: str, year: int, needs: dict[str, Decimal], *,
                     what: str) -> None:
    """Refuse, with the shortfall in 万元, when ``needs`` exceeds any source's balance in ``year``.

    ``what`` says what is being done (登记发放, 下拨, …) so the message can say what to do next.
    """
    balances = available(conn, unit_code, year)
    own = own_unit(conn)
    holder = "" if own is not None and own.code == unit_code else _unit_name(conn, unit_code)
    for source, need in needs.items():
        if need <= 0:
            continue
        left = balances[source].balance if source in balances else ZERO
        if need > left:
            short = need - left
            where = f"{holder}的" if holder else ""
            fix = ("请先在“资金台账”中登记这笔资金的到账（或把其他经费调整为帮扶资金），再" if not holder
                   else "请先在“资金台账”中登记给该单位的下拨或直拨，再")
            raise UserError(f"{where}{source}可用余额不足，缺口{format_wan(short)}万元"
                            f"（{year}年可用{format_yuan(left)}元，本次{what}{format_yuan(need)}元）。{fix}{what}")


class CarryOverDiffers(UserError):
    """Next year already has carry-over entries that no longer match: 重新结转 (``redo``) is the way out."""


class FundService:
    """Everything done to the ledger; each method is one audited transaction."""

    def __init__(self, db: Database, actor: Actor):
        self.db = db
        self.actor = actor

    # ---- reading ---------------------------------------------------------------------

    @property
    def may_keep_ledger(self) -> bool:
        """Whether this user may write to the ledger (others may only read it)."""
        return self.actor.may(*CLERKS)

    def sources(self) -> list[str]:
        return repo.fund_sources(self.db.conn)

    def own_unit(self) -> Unit:
        unit = own_unit(self.db.conn)
        if unit is None:
            raise UserError("还没有设置本单位，请先在“单位”中设置本单位")
        return unit

    def subunits(self) -> list[Unit]:
        """The units below the office's own, in code order."""
        own = self.own_unit()
        codes = set(subtree_codes(self.db.conn, own.code)) - {own.code}
        return [get_unit(self.db.conn, c) for c in sorted(codes)]

    def entries(self, year: int, *, fund_source: str | None = None, kind: str | None = None) -> list[FundEntry]:
        return repo.list_entries(self.db.conn, self.own_unit().code, year, fund_source=fund_source, kind=kind)

    def entry(self, entry_id: int) -> FundEntry:
        e = repo.get_entry(self.db.conn, entry_id)
        if e is None:
            raise UserError("找不到该分录，请刷新列表")
        return e

    def balances(self, year: int, *, unit_code: str | None = None) -> list[SourceBalance]:
        """Per source, in display order, for the office's own unit unless another is named."""
        values = available(self.db.conn, unit_code or self.own_unit().code, year)
        order = self.sources()
        return [values[s] for s in order if s in values] + [values[s] for s in sorted(values) if s not in order]

    def budgets(self, year: int) -> dict[str, Decimal]:
        return repo.budgets(self.db.conn, self.own_unit().code, year)

    def plans(self, year: int) -> dict[str, repo.Plan]:
        return repo.plans(self.db.conn, self.own_unit().code, year)

    def usage(self, year: int) -> list[repo.Usage]:
        """What the office's sub-units reported for ``year`` (not units elsewhere in a centre's tree)."""
        below = {u.code for u in self.subunits()}
        return [u for u in repo.usage(self.db.conn, year) if u.unit_code in below]

    # ---- ledger entries ------------------------------------------------------------------

    def add_entry(self, e: FundEntry) -> int:
        """Save a new entry in the office's own ledger; returns its id. Entries are never edited afterwards."""
        self.actor.require(*CLERKS)
        own = self.own_unit()
        e = replace(e, unit_code=own.code, doc_no=(e.doc_no or "").strip(), memo=(e.memo or "").strip(),
                    counterpart_code=(e.counterpart_code or None) if e.kind in TO_SUBUNIT else None,
                    reverses_id=None, reason="")
        problems = entry_problems(e, sources=self.sources())
        conn = self.db.conn
        if e.counterpart_code and "counterpart_code" not in problems:
            if e.counterpart_code == own.code or e.counterpart_code not in subtree_codes(conn, own.code):
                problems["counterpart_code"] = f"对方单位应是{own.name}的下级单位"
        if problems:
            raise ValidationError(problems)
        e = replace(e, amount=e.amount.quantize(CENT))
        with self.db.transaction():
            if e.kind in OUTGOING:
                check_affordable(conn, own.code, e.year, {e.fund_source: e.amount}, what=e.kind)
            e = replace(e, entry_no=repo.next_entry_no(conn, own.code, e.year), created_by=self.actor.username,
                        created_at=self.db.clock.stamp())
            entry_id = repo.insert_entry(conn, e)
            record(conn, self.actor, table="fund_entries", key=e.entry_no, action="insert", new=_audit(e),
                   effective=e.entry_date)
        return entry_id

    def reverse_entry(self, entry_id: int, reason: str, *, on: date | None = None) -> int:
        """冲销: a new entry with the negated amount, dated ``on`` (default: the original's date)."""
        self.actor.require(*CLERKS)
        reason = (reason or "").strip()
        if len(reason) < 2:
            raise ValidationError({"reason": "请写明冲销原因，例如“金额登记错误，应为…”"})
        conn = self.db.conn
        with self.db.transaction():
            original = self.entry(entry_id)
            if original.is_reversal:
                raise UserError(f"{original.entry_no}本身是冲销分录，不能再冲销；如需更正请重新登记一笔")
            if original.reversed_by:
                raise UserError(f"{original.entry_no}已被{original.reversed_by}冲销，不能重复冲销")
            on = on or original.entry_date
            if on.year != original.year:
                raise ValidationError({"entry_date": f"冲销分录应记在原分录的年度（{original.year}年）内"})
            if original.kind in (CARRIED, RECEIVED):
                # Taking money back out of the account: what was paid from it must still be covered.
                check_affordable(conn, original.unit_code, original.year, {original.fund_source: original.amount},
                                 what="冲销")
            e = replace(original, id=None, entry_date=on, amount=-original.amount, reverses_id=original.id,
                        reason=reason, reversed_by="", memo=f"冲销{original.entry_no}",
                        entry_no=repo.next_entry_no(conn, original.unit_code, original.year),
                        created_by=self.actor.username, created_at=self.db.clock.stamp())
            new_id = repo.insert_entry(conn, e)
            record(conn, self.actor, table="fund_entries", key=e.entry_no, action="insert",
                   new={**_audit(e), "reverses": original.entry_no, "reason": reason}, effective=on)
        return new_id

    # ---- budgets, plans, sub-units' use ------------------------------------------------------

    def set_budgets(self, year: int, amounts: dict[str, Decimal | None]) -> None:
        """Set the year's 预算 by source (None or 0 removes a source's budget)."""
        self.actor.require(*CLERKS)
        own = self.own_unit()
        sources = self.sources()
        problems = {f"budget.{s}": f"资金来源“{s}”不在列表中" for s in amounts if s not in sources}
        problems.update({f"budget.{s}": f"{s}的预算不能为负数" for s, a in amounts.items() if a is not None and a < 0})
        if problems:
            raise ValidationError(problems)
        with self.db.transaction() as conn:
            old = repo.budgets(conn, own.code, year)
            for source, amount in amounts.items():
                repo.set_budget(conn, own.code, year, source, amount or None)
            new = repo.budgets(conn, own.code, year)
            record(conn, self.actor, table="fund_budgets", key=f"{own.code}/{year}", action="update",
                   old={s: str(a) for s, a in old.items()}, new={s: str(a) for s, a in new.items()})

    def set_plans(self, year: int, plans: list[repo.Plan]) -> None:
        """Set the year's 计划 by 救助类别 (a count of 0 with no amount removes it)."""
        self.actor.require(*CLERKS)
        own = self.own_unit()
        problems = {}
        for p in plans:
            if p.aid_category not in code_list("aid_category"):
                problems[f"plan.{p.aid_category}"] = f"救助类别“{p.aid_category}”不在代码表中"
            elif p.planned_count < 0 or (p.planned_amount is not None and p.planned_amount < 0):
                problems[f"plan.{p.aid_category}"] = f"{p.aid_category}的计划人次和金额不能为负数"
        if problems:
            raise ValidationError(problems)
        with self.db.transaction() as conn:
            old = repo.plans(conn, own.code, year)
            for p in plans:
                empty = p.planned_count == 0 and not p.planned_amount
                repo.set_plan(conn, own.code, year, None if empty else p, category=p.aid_category)
            new = repo.plans(conn, own.code, year)
            record(conn, self.actor, table="aid_plans", key=f"{own.code}/{year}", action="update",
                   old={c: _plan_text(p) for c, p in old.items()}, new={c: _plan_text(p) for c, p in new.items()})

    def set_year_plan(self, year: int, budgets: dict[str, Decimal | None], plans: list[repo.Plan]) -> None:
        """预算 and 计划 of a year saved together: both or neither."""
        with self.db.transaction():
            self.set_budgets(year, budgets)
            self.set_plans(year, plans)

    def set_usage(self, u: repo.Usage) -> None:
        """Record (or replace) what a sub-unit reports it spent from one source on one category."""
        self.actor.require(*CLERKS)
        own = self.own_unit()
        conn = self.db.conn
        problems = {}
        if u.unit_code == own.code or u.unit_code not in subtree_codes(conn, own.code):
            problems["unit_code"] = f"请选择{own.name}的下级单位"
        if u.fund_source not in self.sources():
            problems["fund_source"] = f"资金来源“{u.fund_source}”不在列表中"
        try:
            check_code("aid_category", u.aid_category, "救助类别")
        except UserError as err:
            problems["aid_category"] = err.message
        if u.amount < 0 or u.amount != u.amount.quantize(Decimal("0.01")):
            problems["amount"] = "金额应为不小于0、最多两位小数的数"
        if u.count < 0:
            problems["count"] = "人次不能为负数"
        elif u.amount > 0 and u.count == 0:
            problems["count"] = "有支出金额时请填写帮扶人次"
        if problems:
            raise ValidationError(problems)
        with self.db.transaction():
            old = repo.get_usage(conn, u.unit_code, u.year, u.fund_source, u.aid_category)
            repo.set_usage(conn, replace(u, note=(u.note or "").strip()))
            record(conn, self.actor, table="subunit_usage",
                   key=f"{u.unit_code}/{u.year}/{u.fund_source}/{u.aid_category}",
                   action="update" if old else "insert",
                   old=_usage_audit(old) if old else None, new=_usage_audit(u))

    def delete_usage(self, unit_code: str, year: int, source: str, category: str) -> None:
        self.actor.require(*CLERKS)
        with self.db.transaction() as conn:
            old = repo.get_usage(conn, unit_code, year, source, category)
            if old is None:
                raise UserError("该条下级单位使用记录已不存在，请刷新")
            repo.delete_usage(conn, unit_code, year, source, category)
            record(conn, self.actor, table="subunit_usage", key=f"{unit_code}/{year}/{source}/{category}",
                   action="delete", old=_usage_audit(old))

    # ---- fund sources -------------------------------------------------------------------------

    def add_source(self, name: str) -> None:
        """Add a 资金来源 to the office's list (the defaults cannot be removed)."""
        self.actor.require(*ADMINS)
        name = normalise(name or "").strip()
        if not 2 <= len(name) <= 20:
            raise ValidationError({"name": "资金来源名称应为2–20个字"})
        with self.db.transaction() as conn:
            if name in repo.fund_sources(conn):
                raise ValidationError({"name": f"资金来源“{name}”已在列表中"})
            repo.insert_fund_source(conn, name, by=self.actor.username, at=self.db.clock.stamp())
            record(conn, self.actor, table="fund_sources", key=name, action="insert", new={"name": name})

    def remove_source(self, name: str) -> None:
        """Remove an added source that nothing uses yet."""
        self.actor.require(*ADMINS)
        with self.db.transaction() as conn:
            if name not in repo.added_fund_sources(conn):
                raise UserError(f"“{name}”是默认资金来源，不能删除" if name in code_list("fund_source")
                                else f"资金来源“{name}”不存在")
            if repo.fund_source_in_use(conn, name):
                raise UserError(f"资金来源“{name}”已在台账、预算、批次或帮扶明细中使用，不能删除")
            repo.delete_fund_source(conn, name)
            record(conn, self.actor, table="fund_sources", key=name, action="delete", old={"name": name})

    # ---- year end ---------------------------------------------------------------------------------

    def carry_over(self, year: int, *, redo: bool = False) -> list[int]:
        """年终结转: write next year's 上年结转 entries from this year's balances; returns their ids.

        When next year already has carry-over entries that no longer match (an entry or payment
        came late), ``redo`` reverses them and writes the new ones, in one transaction.
        """
        self.actor.require(*CLERKS)
        own = self.own_unit()
        conn = self.db.conn
        with self.db.transaction():
            balances = {b.fund_source: b.balance for b in self.balances(year)}
            negative = {s: a for s, a in balances.items() if a < 0}
            if negative:
                raise UserError("以下资金来源的结余为负数，不能结转，请先核对台账和发放记录："
                                + "；".join(f"{s} {format_yuan(a)}元" for s, a in negative.items()))
            wanted = {s: a for s, a in balances.items() if a > 0}
            existing = [e for e in repo.list_entries(conn, own.code, year + 1, kind=CARRIED)
                        if not e.is_reversal and not e.reversed_by]
            have = {}
            for e in existing:
                have[e.fund_source] = have.get(e.fund_source, ZERO) + e.amount
            if existing and have == wanted:
                raise UserError(f"{year}年结余已结转到{year + 1}年，金额一致，无需重复结转")
            if existing and not redo:
                raise CarryOverDiffers(f"{year + 1}年已有上年结转分录，但与{year}年当前结余不一致"
                                "（结转后又登记了收支或发放）。请选择“重新结转”：原结转分录将被冲销并按当前结余重新结转")
            if not wanted:
                raise UserError(f"{year}年没有结余，无需结转")
            ids = [self.add_entry(FundEntry(unit_code=own.code, entry_date=date(year + 1, 1, 1), fund_source=source,
                                            kind=CARRIED, amount=amount, memo=f"{year}年结余结转"))
                   for source, amount in wanted.items()]
            # The new entries go in first, so that next year's payments stay covered throughout.
            for e in existing:
                self.reverse_entry(e.id, f"重新结转{year}年结余")
            return ids


# ---- helpers ------------------------------------------------------------------------------------

def _unit_name(conn: sqlite3.Connection, code: str) -> str:
    unit = get_unit(conn, code)
    return unit.name if unit else code


def _audit(e: FundEntry) -> dict:
    return {"entry_date": e.entry_date.isoformat(), "fund_source": e.fund_source, "kind": e.kind,
            "amount": str(e.amount), "counterpart_code": e.counterpart_code or "", "doc_no": e.doc_no,
            "memo": e.memo}


def _plan_text(p: repo.Plan) -> str:
    amount = f"，{p.planned_amount}元" if p.planned_amount is not None else ""
    return f"{p.planned_count}人次{amount}"


def _usage_audit(u: repo.Usage) -> dict:
    return {"amount": str(u.amount), "count": u.count, "note": u.note}

