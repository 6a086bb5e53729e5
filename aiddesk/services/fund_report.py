"""Builds the annual fund report of a unit from its ledger, its paid aid and its sub-units' figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ..core.codes import code_list
from ..core.errors import UserError
from ..core.fund_report import (CARRIED, OUT, PASSED, RECEIVED, ZERO, Figure, FundReport, PlanLine, Spending,
                                SubunitFigures)
from ..db import Database
from ..db import funds as repo
from ..db.units import all_units, get_unit, own_unit, subtree_codes


def fund_report(db: Database, year: int, *, unit_code: str | None = None) -> FundReport:
    """The report of ``unit_code`` (default: the office's own unit) for ``year``; reads only.

    A sub-unit whose own records for the year are here — its workbook for the year was imported
    (``exchange_imports``), or it has batches of the year or aid paid in it here — is counted by its
    帮扶明细; otherwise by the totals it reported (下级单位使用) — never both (EXCHANGE.md).
    """
    conn = db.conn
    unit = get_unit(conn, unit_code) if unit_code else own_unit(conn)
    if unit is None:
        raise UserError(f"找不到单位“{unit_code}”" if unit_code else "还没有设置本单位，请先在“单位”中设置本单位")
    paid = repo.paid_sums(conn, year)
    own_spending = Spending()
    by_unit: dict[str, Spending] = {}
    for (code, source, category), (amount, count) in paid.items():
        target = own_spending if code == unit.code else by_unit.setdefault(code, Spending())
        target.add(source, category, amount, count)

    below = [c for c in subtree_codes(conn, unit.code) if c != unit.code]
    allocations = repo.allocations_to(conn, year, ledger_unit=unit.code)
    usage: dict[str, Spending] = {}
    for u in repo.usage(conn, year):
        usage.setdefault(u.unit_code, Spending()).add(u.fund_source, u.aid_category, u.amount, u.count)
    keeps_records = units_with_records(conn, year)
    subunits = []
    for code in sorted(below):
        allocated = {s: a for (c, s), a in allocations.items() if c == code}
        from_records = code in by_unit or code in keeps_records
        spending = (by_unit.get(code) or Spending()) if from_records else (usage.get(code) or Spending())
        if allocated or spending.cells:
            sub = get_unit(conn, code)
            subunits.append(SubunitFigures(code, sub.name if sub else code, allocated, spending, from_records))

    categories = code_list("aid_category")
    report = FundReport(year=year, unit_code=unit.code, unit_name=unit.name, sources=repo.fund_sources(conn),
                        categories=categories, budget_by_source=repo.budgets(conn, unit.code, year),
                        ledger=repo.ledger_sums(conn, unit.code, year), spending=own_spending, subunits=subunits)
    plans = repo.plans(conn, unit.code, year)
    own_by_category = own_spending.by_category()
    overall_by_category = report.overall().by_category()
    for category in categories:
        plan = plans.get(category)
        if plan is None and category not in overall_by_category:
            continue
        report.plan.append(PlanLine(category, plan.planned_count if plan else 0,
                                    plan.planned_amount if plan else None,
                                    own_by_category.get(category, Figure()),
                                    overall_by_category.get(category, Figure())))
    return report


def units_with_records(conn, year: int) -> set[str]:
    """Units whose own 帮扶明细 of ``year`` are kept here: an imported workbook of the year, or batches of it."""
    rows = conn.execute("SELECT unit_code FROM exchange_imports WHERE year = ?"
                        " UNION SELECT unit_code FROM batches WHERE year = ? AND status <> '已作废'", (year, year))
    return {r[0] for r in rows}


# ---- the consolidated view: the centre and every unit below it, each by its own figures ----------------

OWN, IMPORTED, RECORDS, REPORTED, NONE = "本单位", "导入数据", "本地明细", "上报汇总", "无数据"


@dataclass
class UnitFigures:
    """One unit's own year: what was allocated to it, its ledger, what it spent, what is left.

    ``basis`` says where its spending comes from: 本单位 (the office's own records), 导入数据 (its
    imported workbook), 本地明细 (its batches kept here), 上报汇总 (its 下级单位使用 rows) or 无数据.
    ``income`` and ``passed`` are None for a unit whose ledger is not here; its balance is then
    allocated − spent, else income − spent − passed (as the fund report computes either).
    """

    code: str
    name: str
    level: str
    parent_code: str | None
    depth: int                                   # 0 for the centre, 1 for its sub-units, …
    basis: str
    allocated: Decimal = ZERO                    # 下拨下级 + 直拨下级 to it, from any ledger here
    income: Decimal | None = None                # 上年结转 + 到账 − 调出 of its own ledger
    passed: Decimal | None = None                # 下拨下级 from its own ledger
    spending: Spending = field(default_factory=Spending)

    @property
    def spent(self) -> Figure:
        return self.spending.total

    @property
    def balance(self) -> Decimal:
        if self.income is None:
            return self.allocated - self.spent.amount
        return self.income - self.spent.amount - (self.passed or ZERO)

    def to_json(self) -> dict:
        money = _money
        return {"unit": self.code, "单位名称": self.name, "层级": self.level, "上级单位代码": self.parent_code or "",
                "数据来源": self.basis, "allocated": money(self.allocated),
                "income": None if self.income is None else money(self.income),
                "passed": None if self.passed is None else money(self.passed),
                "spent": {"amount": money(self.spent.amount), "count": self.spent.count},
                "balance": money(self.balance)}


@dataclass
class ConsolidatedReport:
    """The office's unit and its whole tree for one year, parents before children (for a table)."""

    year: int
    units: list[UnitFigures]

    @property
    def spent(self) -> Figure:
        """Everything the money reached in the tree, every unit counted once by its own figures."""
        out = Figure()
        for u in self.units:
            out.add(u.spent.amount, u.spent.count)
        return out

    def by_category(self) -> dict[str, Figure]:
        out = Spending()
        for u in self.units:
            out.merge(u.spending)
        return out.by_category()

    def to_json(self) -> dict:
        total = self.spent
        return {"year": self.year, "units": [u.to_json() for u in self.units],
                "spent": {"amount": _money(total.amount), "count": total.count}}


def consolidated_report(db: Database, year: int) -> ConsolidatedReport:
    """The centre's consolidated year: its own figures and every descendant's, by the report's rule."""
    conn = db.conn
    centre = own_unit(conn)
    if centre is None:
        raise UserError("还没有设置本单位，请先在“单位”中设置本单位")
    paid: dict[str, Spending] = {}
    for (code, source, category), (amount, count) in repo.paid_sums(conn, year).items():
        paid.setdefault(code, Spending()).add(source, category, amount, count)
    usage: dict[str, Spending] = {}
    for u in repo.usage(conn, year):
        usage.setdefault(u.unit_code, Spending()).add(u.fund_source, u.aid_category, u.amount, u.count)
    allocated: dict[str, Decimal] = {}
    for (code, _source), amount in repo.allocations_to(conn, year).items():
        allocated[code] = allocated.get(code, ZERO) + amount
    imported = {r[0] for r in conn.execute("SELECT unit_code FROM exchange_imports WHERE year = ?", (year,))}
    keeps_records = units_with_records(conn, year)
    children: dict[str | None, list] = {}
    for unit in all_units(conn):
        children.setdefault(unit.parent_code, []).append(unit)
    rows: list[UnitFigures] = []

    def visit(unit, depth: int) -> None:
        ledger = repo.ledger_sums(conn, unit.code, year)
        if unit.code == centre.code:
            basis, spending = OWN, paid.get(unit.code, Spending())
        elif unit.code in paid or unit.code in keeps_records:
            basis = IMPORTED if unit.code in imported else RECORDS
            spending = paid.get(unit.code, Spending())
        elif unit.code in usage:
            basis, spending = REPORTED, usage[unit.code]
        else:
            basis, spending = NONE, Spending()
        income = passed = None
        if ledger or unit.code == centre.code or basis == IMPORTED:
            income = sum((a for (k, _s), a in ledger.items() if k in (CARRIED, RECEIVED)), ZERO) \
                - sum((a for (k, _s), a in ledger.items() if k == OUT), ZERO)
            passed = sum((a for (k, _s), a in ledger.items() if k == PASSED), ZERO)
        rows.append(UnitFigures(unit.code, unit.name, unit.level, unit.parent_code, depth, basis,
                                allocated.get(unit.code, ZERO), income, passed, spending))
        for child in sorted(children.get(unit.code, []), key=lambda u: u.code):
            visit(child, depth + 1)

    visit(centre, 0)
    return ConsolidatedReport(year, rows)


def _money(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal('0.01')):.2f}"
