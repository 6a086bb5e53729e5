"""The annual fund report laid out once — sections of typed cells and its summary text — for PDF, workbook, screen."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from ..core.fund_report import ZERO, Figure, FundReport, Spending
from ..core.money import format_wan, format_yuan

# This module imports neither reportlab nor openpyxl: the app's page shows the same tables
# and loads with the main window, which must stay quick to open.


# ---- cells ---------------------------------------------------------------------------------

# A figure that does not exist (no plan, no budget): centred, never taken for zero.
NONE = "—"


@dataclass(frozen=True)
class Wan:
    """An amount in 元 to be shown in 万元 (exact, up to six decimals)."""

    value: Decimal


@dataclass(frozen=True)
class Rate:
    """A fraction (four places) shown as a percentage with two decimals; None shows ``empty``."""

    value: Decimal | None
    empty: str = NONE


class _Covered:
    """A cell covered by its neighbour: the one above (``UP``) or on the left (``LEFT``)."""

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


UP, LEFT = _Covered("UP"), _Covered("LEFT")

# A cell: text, an amount in 元 (Decimal), 人次 (int), 万元, a rate, or covered by a neighbour.
Cell = str | int | Decimal | Wan | Rate | _Covered

# Row kinds: data, a 小计 inside a group, or a 合计 at the end.
DATA, SUBTOTAL, TOTAL = "", "subtotal", "total"


@dataclass
class Grid:
    """One table: header rows and body rows of cells, and each column's share of the page width (mm of 180)."""

    header: list[list[Cell]]
    widths: list[float]
    rows: list[list[Cell]] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    caption: str = ""          # a sub-heading above the table, e.g. （一）本级收入
    centred: tuple[int, ...] = ()  # columns whose figures are centred (a 序号), not right-aligned
    empty: str = ""            # said instead of the table when it has no rows

    def add(self, cells: list[Cell], kind: str = DATA) -> None:
        self.rows.append(cells)
        self.kinds.append(kind)


@dataclass
class Section:
    """A numbered section: its title, its tables, and notes printed under them."""

    title: str
    grids: list[Grid]
    notes: list[str] = field(default_factory=list)


def alignment(grid: Grid, col: int, cell: Cell) -> str:
    """``left``, ``center`` or ``right``: figures right (a 序号 and a missing figure centred), text left."""
    if cell_text(cell) == NONE or (col in grid.centred and is_number(cell)):
        return "center"
    return "right" if is_number(cell) else "left"


def is_number(cell: Cell) -> bool:
    """Amounts, counts and rates are right-aligned (bool is not a count)."""
    return isinstance(cell, (Decimal, Wan, Rate)) or (isinstance(cell, int) and not isinstance(cell, bool))


def percent(rate: Decimal) -> str:
    """1.1177 → ``111.77%``: a four-place fraction is exact with two decimals as a percentage."""
    return f"{(rate * 100).quantize(Decimal('0.01'))}%"


def cell_text(cell: Cell) -> str:
    """How a cell reads on paper and on screen (a covered cell reads as nothing)."""
    if isinstance(cell, _Covered):
        return ""
    if isinstance(cell, Decimal):
        return format_yuan(cell)
    if isinstance(cell, Wan):
        return format_wan(cell.value)
    if isinstance(cell, Rate):
        return percent(cell.value) if cell.value is not None else cell.empty
    return str(cell)


def spans(rows: list[list[Cell]]) -> dict[tuple[int, int], tuple[int, int]]:
    """(row, col) of each cell that covers others → (rows, cols) it covers, itself included."""
    out = {}
    for r, cells in enumerate(rows):
        for c, cell in enumerate(cells):
            if isinstance(cell, _Covered):
                continue
            width = 1
            while c + width < len(cells) and cells[c + width] is LEFT:
                width += 1
            height = 1
            while r + height < len(rows) and rows[r + height][c] is UP:
                height += 1
            if (height, width) != (1, 1):
                out[(r, c)] = (height, width)
    return out


# ---- figures the sections share ---------------------------------------------------------------

def ordered(values: dict, order: list[str]) -> list:
    """Keys of ``values`` in display order; any not in ``order`` (an imported source) follow by name."""
    return [k for k in order if k in values] + sorted(k for k in values if k not in order)


def rate(part: Decimal | int, whole: Decimal | int | None) -> Decimal | None:
    """``part ÷ whole`` with four places, as the report's 到位率 is; None when there is nothing to divide by."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def arrived_by_source(report: FundReport) -> dict[str, Decimal]:
    """What arrived in the year per source: 到账 − 调出 + 直拨下级 (the report's ``arrived``, split up)."""
    out = dict(report.income_by_source())
    for source, amount in report.carried_by_source().items():
        out[source] = out.get(source, ZERO) - amount
    for source, amount in report.direct_by_source().items():
        out[source] = out.get(source, ZERO) + amount
    return {s: a for s, a in out.items() if a}


def _total(values: dict[str, Decimal]) -> Decimal:
    return sum(values.values(), ZERO)


# ---- the sections ----------------------------------------------------------------------------

def title(report: FundReport) -> str:
    return f"{report.unit_name}{report.year}年帮扶资金使用情况报告"


def sections(report: FundReport) -> list[Section]:
    """The report's seven sections, in order."""
    return [_budget(report), _income(report), _spending(report), _balance(report), _subunits(report),
            _overall(report), _plan(report)]


def _budget(report: FundReport) -> Section:
    budget, arrived = report.budget_by_source, arrived_by_source(report)
    grid = Grid([["资金来源", "预算（元）", "预算（万元）", "到位（元）", "到位（万元）", "到位率"]],
                [34, 30, 26, 30, 26, 34], empty="本年度没有预算，也没有到位资金。")
    for s in ordered({**budget, **arrived}, report.sources):
        b, a = budget.get(s, ZERO), arrived.get(s, ZERO)
        grid.add([s, b, Wan(b), a, Wan(a), Rate(rate(a, b), "未录入预算")])
    if grid.rows:
        grid.add(["合计", report.budget, Wan(report.budget), report.arrived, Wan(report.arrived),
                  Rate(report.arrival_rate, "未录入预算")], TOTAL)
    notes = ["到位资金 = 本年到账 − 调出 + 直拨下级单位；到位率 = 到位资金 ÷ 预算。"]
    if report.arrival_rate is None:
        notes.append("本年度未录入预算，无法计算到位率。")
    return Section("一、资金预算与到位", [grid], notes)


def _income(report: FundReport) -> Section:
    carried, received = report.carried_by_source(), report.kind_by_source("到账")
    out, income = report.kind_by_source("调出"), report.income_by_source()
    own = Grid([["资金来源", "上年结转（元）", "本年到账（元）", "调出（元）", "收入合计（元）", "收入合计（万元）"]],
               [32, 29, 29, 26, 31, 33], caption="（一）本级收入", empty="本年度没有收入。")
    for s in ordered({**carried, **received, **out, **income}, report.sources):
        own.add([s, carried.get(s, ZERO), received.get(s, ZERO), out.get(s, ZERO), income.get(s, ZERO),
                 Wan(income.get(s, ZERO))])
    if own.rows:
        own.add(["合计", _total(carried), _total(received), _total(out), report.income, Wan(report.income)], TOTAL)
    direct = report.direct_by_source()
    to_sub = Grid([["资金来源", "直拨下级（元）", "直拨下级（万元）"]], [60, 60, 60],
                  caption="（二）直拨下级单位（上级直接拨付下级单位，不计入本级收入）",
                  empty="本年度没有直拨下级单位的资金。")
    for s in ordered(direct, report.sources):
        to_sub.add([s, direct[s], Wan(direct[s])])
    if to_sub.rows:
        to_sub.add(["合计", _total(direct), Wan(_total(direct))], TOTAL)
    return Section("二、资金收入", [own, to_sub], ["收入合计 = 上年结转 + 本年到账 − 调出。"])


def _figure_rows(grid: Grid, label: Cell, figures: dict[str, Figure], order: list[str], *,
                 subtotal: str, kind: str = DATA, tail: list[Cell] = ()) -> None:
    """One group of rows: ``label`` spanning them, a row per 救助类别, then ``subtotal`` if more than one.

    Each row is 救助类别 | 金额（元）| 金额（万元）| 人次, followed by ``tail`` on the group's first row
    (spanning the group) — for columns that belong to the group as a whole.
    """
    categories = [c for c in ordered(figures, order) if figures[c]]
    lines = [(c, figures[c]) for c in categories]
    if len(lines) > 1:
        lines.append((subtotal, _sum(figures.values())))
    elif not lines:
        lines.append((NONE, Figure()))
    for i, (category, f) in enumerate(lines):
        last = len(lines) > 1 and i == len(lines) - 1
        grid.add([label if i == 0 else UP, category, f.amount, Wan(f.amount), f.count,
                  *(tail if i == 0 else [UP] * len(tail))], SUBTOTAL if last else kind)


def _sum(figures) -> Figure:
    out = Figure()
    for f in figures:
        out.add(f.amount, f.count)
    return out


def _spending(report: FundReport) -> Section:
    sp = report.spending
    grid = Grid([["资金来源", "救助类别", "金额（元）", "金额（万元）", "人次"]], [36, 30, 42, 42, 30],
                empty="本年度本级没有发放帮扶资金。")
    for s in ordered(sp.by_source(), report.sources):
        _figure_rows(grid, s, sp.of_source(s), report.categories, subtotal="小计")
    if grid.rows:
        _figure_rows(grid, "合计", sp.by_category(), report.categories, subtotal="总计", kind=TOTAL)
        grid.kinds[-1] = TOTAL
    return Section("三、资金支出（本级）", [grid],
                   ["本级支出为本单位帮扶明细中本年度已发放的金额和人次，按资金来源和救助类别统计。"])


def _balance(report: FundReport) -> Section:
    income, passed, balance = report.income_by_source(), report.passed_by_source(), report.balance_by_source()
    spent = {s: f.amount for s, f in report.spending.by_source().items()}
    grid = Grid([["资金来源", "收入合计（元）", "本级支出（元）", "下拨下级（元）", "结余（元）", "结余（万元）"]],
                [32, 30, 30, 28, 30, 30], empty="本年度没有收入和支出。")
    for s in ordered({**income, **passed, **spent, **balance}, report.sources):
        grid.add([s, income.get(s, ZERO), spent.get(s, ZERO), passed.get(s, ZERO), balance.get(s, ZERO),
                  Wan(balance.get(s, ZERO))])
    if grid.rows:
        grid.add(["合计", report.income, report.spending.total.amount, _total(passed), report.balance,
                  Wan(report.balance)], TOTAL)
    return Section("四、资金结余", [grid], ["结余 = 收入合计 − 本级支出 − 下拨下级。", carry_over_text(report)])


def carry_over_text(report: FundReport) -> str:
    """结转下年: what is left at the year's end and where it goes."""
    if report.balance > 0:
        return (f"结转下年：截止{report.year}年12月31日结余{format_yuan(report.balance)}元"
                f"（{format_wan(report.balance)}万元），结转{report.year + 1}年用于困难职工帮扶救助。")
    if report.balance < 0:
        return (f"结转下年：截止{report.year}年12月31日支出超过收入{format_yuan(-report.balance)}元"
                f"（{format_wan(-report.balance)}万元），无结余可结转，请核对资金台账。")
    if report.income:
        return f"结转下年：截止{report.year}年12月31日资金已全部使用，无结余结转。"
    return f"结转下年：{report.year}年没有收入，无结余结转。"


SOURCE_OWN, SOURCE_REPORTED = "按帮扶明细", "按报送数"


def _subunits(report: FundReport) -> Section:
    grid = Grid([["序号", "下级单位", "拨付资金（元）", "救助类别", "使用金额（元）", "使用（万元）", "人次",
                  "结余（元）", "统计依据"]],
                [10, 36, 23, 16, 23, 19, 11, 24, 18], centred=(0,),
                empty="本年度没有拨付下级单位的资金，也没有下级单位的使用情况。")
    for i, u in enumerate(report.subunits, start=1):
        first = len(grid.rows)
        _figure_rows(grid, u.name, u.spending.by_category(), report.categories, subtotal="小计",
                     tail=[u.balance, SOURCE_OWN if u.from_records else SOURCE_REPORTED])
        _insert_column(grid, first, 0, i)
        _insert_column(grid, first, 2, u.allocated)
    if grid.rows:
        first = len(grid.rows)
        _figure_rows(grid, "合计", report.subunit_spending().by_category(), report.categories, subtotal="合计",
                     kind=TOTAL, tail=[report.subunit_balance, ""])
        _insert_column(grid, first, 0, "")
        grid.rows[first][0], grid.rows[first][1] = "合计", LEFT
        _insert_column(grid, first, 2, report.subunit_allocated)
        grid.kinds[-1] = TOTAL
    notes = ["拨付资金含上级直拨和本级下拨；结余 = 拨付资金 − 使用金额。",
             f"统计依据：“{SOURCE_OWN}”为该单位导入本系统的帮扶明细，“{SOURCE_REPORTED}”为该单位报送的使用情况，二者不重复计算。"]
    return Section("五、下级单位资金使用情况", [grid], notes)


def _insert_column(grid: Grid, first: int, col: int, value: Cell) -> None:
    """Put ``value`` in a new column ``col`` of the group that starts at row ``first``, spanning it."""
    for r in range(first, len(grid.rows)):
        grid.rows[r].insert(col, value if r == first else UP)


def _overall(report: FundReport) -> Section:
    own, sub, overall = (report.spending.by_category(), report.subunit_spending().by_category(),
                         report.overall().by_category())
    grid = Grid([["救助类别", "本级", LEFT, "下级单位", LEFT, "合计", LEFT, LEFT],
                 [UP, "金额（元）", "人次", "金额（元）", "人次", "金额（元）", "金额（万元）", "人次"]],
                [22, 28, 15, 28, 15, 28, 29, 15], empty="本年度没有任何帮扶支出。")
    for c in ordered(overall, report.categories):
        o, s, t = own.get(c, Figure()), sub.get(c, Figure()), overall[c]
        grid.add([c, o.amount, o.count, s.amount, s.count, t.amount, Wan(t.amount), t.count])
    if grid.rows:
        o, s, t = report.spending.total, report.subunit_spending().total, report.overall().total
        grid.add(["合计", o.amount, o.count, s.amount, s.count, t.amount, Wan(t.amount), t.count], TOTAL)
    return Section("六、总体情况（本级和下级单位）", [grid],
                   ["总体情况为帮扶资金最终到达困难职工的金额和人次：本级支出加下级单位使用。"])


def _plan(report: FundReport) -> Section:
    grid = Grid([["救助类别", "人次", LEFT, LEFT, LEFT, "金额（元）", LEFT, LEFT, LEFT],
                 [UP, "计划", "本级实际", "含下级实际", "完成率", "计划", "本级实际", "含下级实际", "完成率"]],
                [20, 14, 17, 21, 17, 25, 24, 25, 17], empty="本年度没有帮扶计划，也没有帮扶支出。")
    for p in report.plan:
        planned = p.planned_amount
        # A category without a plan has a planned count of 0 and no amount: that is “no plan”, not a plan of 0.
        unplanned = not p.planned_count and planned is None
        grid.add([p.category, NONE if unplanned else p.planned_count, p.actual.count, p.overall.count,
                  Rate(rate(p.overall.count, p.planned_count)), planned if planned is not None else NONE,
                  p.actual.amount, p.overall.amount, Rate(rate(p.overall.amount, planned))])
    if grid.rows:
        count = sum(p.planned_count for p in report.plan)
        amounts = [p.planned_amount for p in report.plan if p.planned_amount is not None]
        # A total planned amount is only meaningful when every line has one.
        amount = sum(amounts, ZERO) if amounts and len(amounts) == len(report.plan) else None
        actual, overall = _sum(p.actual for p in report.plan), _sum(p.overall for p in report.plan)
        grid.add(["合计", count or NONE, actual.count, overall.count, Rate(rate(overall.count, count)),
                  amount if amount is not None else NONE, actual.amount, overall.amount,
                  Rate(rate(overall.amount, amount))], TOTAL)
    notes = ["完成率 = 实际（含下级单位）÷ 计划；未录入计划的显示为“—”。"]
    if not any(p.planned_count or p.planned_amount for p in report.plan):
        notes.append("本年度未录入帮扶计划。")
    return Section("七、计划完成情况", [grid], notes)


# ---- the summary paragraphs ----------------------------------------------------------------------

def summary_paragraphs(report: FundReport) -> list[str]:
    """The report in the words of a year-end self-assessment, every figure from ``report``, ready to paste."""
    return [p for p in (_arrival_text(report), _money_text(report), _subunit_text(report),
                        _overall_text(report), _plan_text(report)) if p]


def summary_text(report: FundReport) -> str:
    return "\n".join(summary_paragraphs(report))


def _w(amount: Decimal) -> str:
    return f"{format_wan(amount)}万元"


def _arrival_text(r: FundReport) -> str:
    direct = _total(r.direct_by_source())
    with_direct = f"（含直接划拨给下级单位的{_w(direct)}）" if direct else ""
    if r.arrival_rate is not None:
        return (f"{r.year}年{r.unit_name}帮扶资金预算{_w(r.budget)}，实际到位{_w(r.arrived)}{with_direct}，"
                f"资金到位率{percent(r.arrival_rate)}。")
    if r.arrived:
        return f"{r.year}年{r.unit_name}帮扶资金到位{_w(r.arrived)}{with_direct}（未录入预算，无法计算到位率）。"
    return ""


def _money_text(r: FundReport) -> str:
    income = r.income_by_source()
    carried = _total(r.carried_by_source())
    parts = [f"{r.year}年，{r.unit_name}帮扶专项资金收入合计{_w(r.income)}"
             + (f"（含上年结转{_w(carried)}）" if carried else "")]
    by_source = "；".join(f"{s}{_w(income[s])}" for s in ordered(income, r.sources) if income[s])
    parts.append(f"，其中：{by_source}。" if by_source else "。")
    total = r.spending.total
    parts.append(f"支出合计{_w(total.amount)}，总救助{total.count}人次。")
    spent = r.spending.by_source()
    lines = [_source_line(s, spent[s], r.spending, r.categories) for s in ordered(spent, r.sources)]
    if lines:
        parts.append("其中：" + "".join(lines))
    passed = _total(r.passed_by_source())
    if passed:
        parts.append(f"下拨下级单位{_w(passed)}。")
    if r.balance > 0:
        parts.append(f"截止{r.year}年12月31日{r.unit_name}剩余{_w(r.balance)}，用于{r.year + 1}年困难职工帮扶救助。")
    elif r.balance < 0:
        parts.append(f"截止{r.year}年12月31日支出超过收入{_w(-r.balance)}。")
    elif r.income:
        parts.append(f"截止{r.year}年12月31日帮扶资金已全部使用，无结余。")
    else:
        parts.append(f"截止{r.year}年12月31日无结余。")
    return "".join(parts)


def _source_line(source: str, total: Figure, spending: Spending, categories: list[str]) -> str:
    """``中央财政108.6716万元，救助760人次。其中生活救助58.2016万元，帮扶631人次；…。``"""
    cells = spending.of_source(source)
    used = [c for c in ordered(cells, categories) if cells[c]]
    head = f"{source}{_w(total.amount)}，救助{total.count}人次。"
    if len(used) == 1:
        return f"{source}{_w(total.amount)}，全部用于{used[0]}，帮扶{total.count}人次。"
    return head + "其中" + "；".join(f"{c}{_w(cells[c].amount)}，帮扶{cells[c].count}人次" for c in used) + "。"


def _category_phrases(figures: dict[str, Figure], categories: list[str]) -> list[str]:
    return [f"{c}{_w(figures[c].amount)}，帮扶{figures[c].count}人次"
            for c in ordered(figures, categories) if figures[c]]


def _subunit_text(r: FundReport) -> str:
    if not r.subunits:
        return ""
    direct, passed = _total(r.direct_by_source()), _total(r.passed_by_source())
    how = "、".join(p for p in (f"直接划拨{_w(direct)}" if direct else "", f"下拨{_w(passed)}" if passed else "") if p)
    head = (f"{r.year}年下级单位共获拨付{_w(r.subunit_allocated)}" + (f"（{how}）" if how else "")
            + f"，涉及{len(r.subunits)}个下级单位，具体使用情况为：")
    units = []
    for i, u in enumerate(r.subunits, start=1):
        phrases = _category_phrases(u.spending.by_category(), r.categories)
        text = f"（{i}）{u.name}" + (f"，共{_w(u.allocated)}" if u.allocated else "")
        text += ("，其中" + "，".join(phrases)) if phrases else "，未使用"
        if u.balance:
            text += f"，剩余{_w(u.balance)}"
        units.append(text)
    spent = r.subunit_spending().total
    tail = f"。下级单位合计使用{_w(spent.amount)}，帮扶{spent.count}人次"
    tail += f"，截止{r.year}年12月31日剩余{_w(r.subunit_balance)}。" if r.subunit_balance else "，资金已全部使用。"
    return head + "；".join(units) + tail


def _overall_text(r: FundReport) -> str:
    total = r.overall().total
    if not total:
        return ""
    phrases = _category_phrases(r.overall().by_category(), r.categories)
    return (f"{r.year}年本级和下级单位共使用帮扶资金{_w(total.amount)}，累计帮扶困难职工{total.count}人次"
            + ("，其中" + "；".join(phrases) if phrases else "") + "。")


def _plan_text(r: FundReport) -> str:
    count = sum(p.planned_count for p in r.plan)
    if not count:
        return ""
    done = sum(p.overall.count for p in r.plan)
    return (f"按照年度帮扶工作计划，计划帮扶{count}人次，实际帮扶{done}人次（含下级单位），"
            f"完成计划的{percent(rate(done, count))}。")
