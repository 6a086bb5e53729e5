"""The demo office's fund ledger for its year: budget, plan, receipts, allocations, a reversal, sub-units' use.

Amounts follow the demo archive (one 1000元 送温暖 per 在档 低保户 …) so that the demo's batches are
covered by the money, as 专款专用 demands, and something is left to carry over.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ..core.fund_ledger import FundEntry
from ..db import Database
from ..db.audit import Actor
from ..db.funds import Plan, Usage
from .funds import FundService

CLERK = Actor("jingban", "界面", ("经办人",))
# Industry unions the centre's money goes to directly (直拨) or through its account (下拨), as in the seed.
DIRECT = (("HN0100", "80000"), ("HN0200", "15000"), ("HN0500", "15000"))
PASSED = (("HN0300", "50000"),)
USED = {  # unit → (source, category, amount, 人次)
    "HN0100": [("省总工会经费", "生活救助", "74000", 100), ("省总工会经费", "医疗救助", "6000", 3)],
    "HN0200": [("省总工会经费", "生活救助", "10000", 31), ("省总工会经费", "医疗救助", "5000", 1)],
    "HN0300": [("省总工会经费", "生活救助", "50000", 84)],
    "HN0500": [("省总工会经费", "生活救助", "1800", 5)],
}


def _round_up(amount: int, step: int = 100_000) -> Decimal:
    return Decimal(-(-amount // step) * step)


def build_demo_ledger(db: Database, *, unit_code: str, year: int) -> int:
    """Write the year's ledger before its batches are paid; returns the number of entries."""
    funds = FundService(db, CLERK)
    count = dict(db.conn.execute("SELECT hardship_category, count(*) FROM households WHERE archive_status = '在档'"
                                 " GROUP BY hardship_category").fetchall())
    poor, edge = count.get("低保户", 0), count.get("低保边缘户", 0)
    central = _round_up(poor * 1000 + 60_000)
    provincial = _round_up(edge * 1000 + 20_000)
    union = Decimal("600000")
    units = {u.code for u in funds.subunits()}

    funds.set_budgets(year, {"中央财政": central + Decimal("100000"), "省财政": provincial,
                             "省总工会经费": union + Decimal("100000"), "本级工会经费": Decimal("50000")})
    funds.set_plans(year, [Plan("生活救助", poor + edge + 250, (poor + edge) * Decimal(1000)),
                           Plan("医疗救助", 20, Decimal("100000")), Plan("助学救助", 30, Decimal("75000"))])

    def entry(on: date, source: str, kind: str, amount: Decimal | str, doc_no: str = "", memo: str = "",
              to: str | None = None) -> int:
        return funds.add_entry(FundEntry(unit_code=unit_code, entry_date=on, fund_source=source, kind=kind,
                                         amount=Decimal(amount), doc_no=doc_no, memo=memo, counterpart_code=to))

    entry(date(year, 1, 1), "省总工会经费", "上年结转", "38650.00", memo=f"{year - 1}年结余结转")
    entry(date(year, 1, 1), "中央财政", "上年结转", "12345.67", memo=f"{year - 1}年结余结转")
    entry(date(year, 1, 3), "中央财政", "到账", central, f"财社〔{year}〕3号", "中央财政帮扶资金（第一期，含送温暖）")
    wrong = entry(date(year, 1, 6), "省总工会经费", "到账", "500000.00", f"琼工发〔{year}〕6号", "省总工会经费（帮扶）")
    funds.reverse_entry(wrong, "金额登错：文件下达60万元，误录为50万元")
    entry(date(year, 1, 6), "省总工会经费", "到账", union, f"琼工发〔{year}〕6号", "省总工会经费（帮扶）")
    for code, amount in DIRECT:
        if code in units:
            entry(date(year, 1, 8), "省总工会经费", "直拨下级", amount, f"琼工发〔{year}〕7号", "省总直拨送温暖资金",
                  code)
    entry(date(year, 3, 20), "省财政", "到账", provincial, f"琼财社〔{year}〕41号", "省财政专项帮扶资金")
    for code, amount in PASSED:
        if code in units:
            entry(date(year, 3, 25), "省总工会经费", "下拨下级", amount, f"琼工帮〔{year}〕12号", "下拨生活救助资金",
                  code)
    entry(date(year, 5, 10), "中央财政", "到账", "100000.00", f"财社〔{year}〕57号", "中央财政帮扶资金（第二期）")
    entry(date(year, 6, 1), "本级工会经费", "到账", "50000.00", f"琼工发〔{year}〕33号", "临时救助备用金")
    for code, rows in USED.items():
        if code in units:
            for source, category, amount, people in rows:
                funds.set_usage(Usage(code, year, source, category, Decimal(amount), people, "下级单位报送"))
    return len(funds.entries(year))
