"""The annual fund report (资金使用情况): its figures from ledger sums and paid aid, and its JSON (EXCHANGE.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0.00")
# The ledger's entry kinds (资金收支 类型), in EXCHANGE.md's words.
CARRIED, RECEIVED, PASSED, DIRECT, OUT = "上年结转", "到账", "下拨下级", "直拨下级", "调出"


@dataclass
class Figure:
    """An amount in 元 and the 人次 it reached."""

    amount: Decimal = ZERO
    count: int = 0

    def add(self, amount: Decimal, count: int) -> None:
        self.amount += amount
        self.count += count

    def __bool__(self) -> bool:
        return bool(self.amount) or bool(self.count)


@dataclass
class Spending:
    """Paid aid by fund source and 救助类别."""

    cells: dict[tuple[str, str], Figure] = field(default_factory=dict)  # (source, category) → figure

    def add(self, source: str, category: str, amount: Decimal, count: int) -> None:
        self.cells.setdefault((source, category), Figure()).add(amount, count)

    def merge(self, other: Spending) -> None:
        for (source, category), f in other.cells.items():
            self.add(source, category, f.amount, f.count)

    @property
    def total(self) -> Figure:
        return _sum(self.cells.values())

    def by_source(self) -> dict[str, Figure]:
        return _group(self.cells, 0)

    def by_category(self) -> dict[str, Figure]:
        return _group(self.cells, 1)

    def of_source(self, source: str) -> dict[str, Figure]:
        return {c: f for (s, c), f in self.cells.items() if s == source}


@dataclass
class SubunitFigures:
    """One sub-unit: what was allocated to it and what it spent (from its records or its 下级单位使用 rows)."""

    code: str
    name: str
    allocated_by_source: dict[str, Decimal] = field(default_factory=dict)
    spending: Spending = field(default_factory=Spending)
    from_records: bool = False  # spent counted from its own 帮扶明细 rather than its reported totals

    @property
    def allocated(self) -> Decimal:
        return sum(self.allocated_by_source.values(), ZERO)

    @property
    def balance(self) -> Decimal:
        return self.allocated - self.spending.total.amount


@dataclass
class PlanLine:
    """计划 against what was done, for one 救助类别."""

    category: str
    planned_count: int
    planned_amount: Decimal | None
    actual: Figure          # this unit's own spending
    overall: Figure         # this unit's and its sub-units'


@dataclass
class FundReport:
    """Everything the fund report says about one unit's year."""

    year: int
    unit_code: str
    unit_name: str
    sources: list[str]                              # display order of fund sources
    categories: list[str]                           # display order of 救助类别
    budget_by_source: dict[str, Decimal]
    ledger: dict[tuple[str, str], Decimal]          # (kind, source) → sum of entries
    spending: Spending
    subunits: list[SubunitFigures]
    plan: list[PlanLine] = field(default_factory=list)

    # ---- the ledger --------------------------------------------------------------

    def kind_by_source(self, kind: str) -> dict[str, Decimal]:
        return {s: a for (k, s), a in self.ledger.items() if k == kind}

    @property
    def budget(self) -> Decimal:
        return sum(self.budget_by_source.values(), ZERO)

    def carried_by_source(self) -> dict[str, Decimal]:
        return self.kind_by_source(CARRIED)

    def income_by_source(self) -> dict[str, Decimal]:
        """上年结转 + 到账 − 调出, per source."""
        out: dict[str, Decimal] = {}
        for (kind, source), amount in self.ledger.items():
            sign = {CARRIED: 1, RECEIVED: 1, OUT: -1}.get(kind)
            if sign:
                out[source] = out.get(source, ZERO) + sign * amount
        return out

    @property
    def income(self) -> Decimal:
        return sum(self.income_by_source().values(), ZERO)

    def direct_by_source(self) -> dict[str, Decimal]:
        return self.kind_by_source(DIRECT)

    def passed_by_source(self) -> dict[str, Decimal]:
        return self.kind_by_source(PASSED)

    def balance_by_source(self) -> dict[str, Decimal]:
        """income − spending − passed to sub-units, per source."""
        out = dict(self.income_by_source())
        for source, f in self.spending.by_source().items():
            out[source] = out.get(source, ZERO) - f.amount
        for source, amount in self.passed_by_source().items():
            out[source] = out.get(source, ZERO) - amount
        return out

    @property
    def balance(self) -> Decimal:
        return sum(self.balance_by_source().values(), ZERO)

    @property
    def arrived(self) -> Decimal:
        """Funds that arrived in the year: income without what was carried in, plus direct allocations."""
        return (self.income - sum(self.carried_by_source().values(), ZERO)
                + sum(self.direct_by_source().values(), ZERO))

    @property
    def arrival_rate(self) -> Decimal | None:
        """到位率 as a fraction with four places; None without a budget."""
        if not self.budget:
            return None
        return (self.arrived / self.budget).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)

    # ---- sub-units and overall --------------------------------------------------------

    @property
    def subunit_allocated(self) -> Decimal:
        return sum((u.allocated for u in self.subunits), ZERO)

    def subunit_spending(self) -> Spending:
        out = Spending()
        for u in self.subunits:
            out.merge(u.spending)
        return out

    @property
    def subunit_balance(self) -> Decimal:
        return self.subunit_allocated - self.subunit_spending().total.amount

    def overall(self) -> Spending:
        """Everything the money reached: this unit's spending and its sub-units'."""
        out = Spending()
        out.merge(self.spending)
        out.merge(self.subunit_spending())
        return out

    # ---- JSON (EXCHANGE.md, "Annual fund report") ------------------------------------------

    def to_json(self) -> dict:
        """The report as EXCHANGE.md fixes it: amounts as 2-decimal strings, maps without zero figures."""
        sources, categories = self.sources, self.categories
        spending_by_source = {}
        for source, total in _ordered(self.spending.by_source(), sources).items():
            spending_by_source[source] = {
                "total": _figure(total),
                "by_category": _figures(self.spending.of_source(source), categories)}
        sub_spent = self.subunit_spending()
        overall = self.overall()
        out = {
            "year": self.year,
            "unit": {"code": self.unit_code, "name": self.unit_name},
            "budget": _money_map(self.budget, self.budget_by_source, sources),
            "income": _money_map(self.income, self.income_by_source(), sources),
            "direct_to_subunits": _money_map(sum(self.direct_by_source().values(), ZERO),
                                             self.direct_by_source(), sources),
            "passed_to_subunits": _money_map(sum(self.passed_by_source().values(), ZERO),
                                             self.passed_by_source(), sources),
            "spending": {
                "total": _figure(self.spending.total),
                "by_category": _figures(self.spending.by_category(), categories),
                "by_source": spending_by_source,
            },
            "balance": _money_map(self.balance, self.balance_by_source(), sources),
        }
        rate = self.arrival_rate
        if rate is not None:
            out["arrival_rate"] = f"{rate:.4f}"
        out["subunits"] = {
            "allocated": _money(self.subunit_allocated),
            "spent": _figure(sub_spent.total),
            "by_category": _figures(sub_spent.by_category(), categories),
            "balance": _money(self.subunit_balance),
            "by_unit": {u.code: {"allocated": _money(u.allocated), "spent": _figure(u.spending.total),
                                 "balance": _money(u.balance)}
                        for u in self.subunits if u.allocated or u.spending.total or u.balance},
        }
        out["overall"] = {**_figure(overall.total), "by_category": _figures(overall.by_category(), categories)}
        return out


# ---- helpers ----------------------------------------------------------------------------

def _sum(figures) -> Figure:
    out = Figure()
    for f in figures:
        out.add(f.amount, f.count)
    return out


def _group(cells: dict[tuple[str, str], Figure], index: int) -> dict[str, Figure]:
    out: dict[str, Figure] = {}
    for key, f in cells.items():
        out.setdefault(key[index], Figure()).add(f.amount, f.count)
    return out


def _ordered(values: dict, order: list[str]) -> dict:
    """The map in display order; keys not in ``order`` (an imported source) follow in name order."""
    keys = [k for k in order if k in values] + sorted(k for k in values if k not in order)
    return {k: values[k] for k in keys}


def _money(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal('0.01')):.2f}"


def _figure(f: Figure) -> dict:
    return {"amount": _money(f.amount), "count": f.count}


def _figures(values: dict[str, Figure], order: list[str]) -> dict:
    return {k: _figure(f) for k, f in _ordered(values, order).items() if f}


def _money_map(total: Decimal, by_source: dict[str, Decimal], order: list[str]) -> dict:
    return {"total": _money(total),
            "by_source": {k: _money(v) for k, v in _ordered(by_source, order).items() if v}}
