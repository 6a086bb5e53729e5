"""Builds the annual fund report of a unit from its ledger, its paid aid and its sub-units' figures."""

from __future__ import annotations

from ..core.codes import code_list
from ..core.errors import UserError
from ..core.fund_report import Figure, FundReport, PlanLine, Spending, SubunitFigures
from ..db import Database
from ..db import funds as repo
from ..db.units import get_unit, own_unit, subtree_codes


def fund_report(db: Database, year: int, *, unit_code: str | None = None) -> FundReport:
    """The report of ``unit_code`` (default: the office's own unit) for ``year``; reads only.

    A sub-unit whose own aid records are here (its batches) is counted by them; otherwise by the
    totals it reported (下级单位使用) — never both.
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
    subunits = []
    for code in sorted(below):
        allocated = {s: a for (c, s), a in allocations.items() if c == code}
        from_records = code in by_unit
        spending = by_unit.get(code) or usage.get(code) or Spending()
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
