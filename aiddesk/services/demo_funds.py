"""The demo office's fund ledger for a year: budget, plan, receipts, allocations, a reversal, sub-units' use.

Amounts follow the demo archive as it stands when the year's plan is made (one 1000元 送温暖 per 在档 低保户,
two rounds of 生活救助 for the 低保边缘户 …) so that the year's batches are covered by the money, as 专款专用
demands, and something is left to carry over. Each entry is written on its working day, before the payments
that need it: the money for the 春节送温暖 is in during the first days of January.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ..core.fund_ledger import FundEntry
from ..db import Database
from ..db.audit import Actor
from ..db.funds import Plan, Usage
from .demo_timeline import SETUP, Agenda, OfficeClock, Workdays
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
UNION = Decimal(600000)
LIVING_ROUNDS = 2  # 生活救助 batches a year paid from 省财政 (第一批 in spring, 第二批 before the year's end)


def _round_up(amount: int, step: int = 100_000) -> Decimal:
    return Decimal(-(-amount // step) * step)


class DemoLedger:
    """Plans a year's ledger on the demo's agenda: each entry on its working day, amounts worked out then."""

    def __init__(self, db: Database, agenda: Agenda, office: OfficeClock, workdays: Workdays, *, unit_code: str):
        self.db = db
        self.agenda = agenda
        self.office = office
        self.wd = workdays
        self.unit_code = unit_code
        self.funds = FundService(db, CLERK)

    def schedule(self, year: int, *, carry_from_demo: bool) -> None:
        """The year's entries; ``carry_from_demo``: last year's ledger is in the demo, so 年终结转 carries it over."""
        wd = self.wd
        first = wd.on_or_after(date(year, 1, 1))
        central, union, direct = wd.after(first, 1), wd.after(first, 2), wd.after(first, 4)
        march, passed = wd.on_or_after(date(year, 3, 20)), wd.on_or_after(date(year, 3, 25))
        may, july = wd.on_or_after(date(year, 5, 10)), wd.on_or_after(date(year, 7, 10))
        amounts: dict[str, Decimal] = {}  # worked out on the first day, from the archive as it then is
        for day, action in (
            (first, lambda: self._open_year(year, amounts, carry_from_demo)),
            (central, lambda: self._entry(central, "中央财政", "到账", amounts["central"], f"财社〔{year}〕3号",
                                          "中央财政帮扶资金（第一期，含送温暖）")),
            (union, lambda: self._union_money(year, union)),
            (direct, lambda: self._direct(year, direct)),
            (march, lambda: self._entry(march, "省财政", "到账", amounts["provincial"], f"琼财社〔{year}〕41号",
                                        "省财政专项帮扶资金")),
            (passed, lambda: self._passed(year, passed)),
            (may, lambda: self._entry(may, "中央财政", "到账", "100000.00", f"财社〔{year}〕57号",
                                      "中央财政帮扶资金（第二期）")),
            (july, lambda: self._usage(year)),  # the sub-units' half-year report
        ):
            self.agenda.add(day, action, SETUP)

    # ---- the entries ------------------------------------------------------------------------

    def _open_year(self, year: int, state: dict[str, Decimal], carry_from_demo: bool) -> None:
        """First working day: last year's balance carried over, the year's budget and plan from the archive."""
        count = dict(self.db.conn.execute(
            "SELECT hardship_category, count(*) FROM households WHERE archive_status = '在档'"
            " GROUP BY hardship_category").fetchall())
        poor, edge = count.get("低保户", 0), count.get("低保边缘户", 0)
        # Families filed during the year are paid too: room for them, 60 000 or a fifteenth (the demo's 1 431
        # households need the 60 000; a centre-sized one of 100 000 needs its share, else the late round is short).
        state["central"] = _round_up(poor * 1000 + max(60_000, poor * 1000 // 15))
        state["provincial"] = _round_up(edge * 1000 * LIVING_ROUNDS + max(60_000, edge * 1000 * LIVING_ROUNDS // 15))
        if carry_from_demo:
            self.funds.carry_over(year - 1)
        else:  # the year before the demo's first: balances as the office brought them in
            self._entry(date(year, 1, 1), "省总工会经费", "上年结转", "38650.00", memo=f"{year - 1}年结余结转")
            self.office.step()
            self._entry(date(year, 1, 1), "中央财政", "上年结转", "12345.67", memo=f"{year - 1}年结余结转")
        self.office.step()
        self.funds.set_budgets(year, {"中央财政": state["central"] + Decimal(100000), "省财政": state["provincial"],
                                      "省总工会经费": UNION + Decimal(100000), "本级工会经费": Decimal(50000)})
        self.office.step()
        # The year's 生活救助 as planned: 送温暖 for the 低保户, each round (and the late one) for the 边缘户, and
        # 临时救助 — so the plan is not yet used up in December, as in a real office's year.
        living = poor + edge * (LIVING_ROUNDS + 1) + 20
        self.funds.set_plans(year, [Plan("生活救助", living, living * Decimal(1000)),
                                    Plan("医疗救助", 20, Decimal(100000)), Plan("助学救助", 30, Decimal(75000))])

    def _union_money(self, year: int, on: date) -> None:
        """省总工会经费 arrives: first typed in wrong and reversed at once, then as the document says."""
        wrong = self._entry(on, "省总工会经费", "到账", "500000.00", f"琼工发〔{year}〕6号", "省总工会经费（帮扶）")
        self.office.step()
        self.funds.reverse_entry(wrong, "金额登错：文件下达60万元，误录为50万元")
        self.office.step()
        self._entry(on, "省总工会经费", "到账", UNION, f"琼工发〔{year}〕6号", "省总工会经费（帮扶）")
        self.office.step()
        # The centre's own reserve for 临时救助, which comes in all year.
        self._entry(on, "本级工会经费", "到账", "50000.00", f"琼工发〔{year}〕8号", "临时救助备用金")

    def _direct(self, year: int, on: date) -> None:
        units = {u.code for u in self.funds.subunits()}
        for code, amount in DIRECT:
            if code in units:
                self.office.step()
                self._entry(on, "省总工会经费", "直拨下级", amount, f"琼工发〔{year}〕7号", "省总直拨送温暖资金",
                            code)

    def _passed(self, year: int, on: date) -> None:
        units = {u.code for u in self.funds.subunits()}
        for code, amount in PASSED:
            if code in units:
                self._entry(on, "省总工会经费", "下拨下级", amount, f"琼工帮〔{year}〕12号", "下拨生活救助资金", code)

    def _usage(self, year: int) -> None:
        units = {u.code for u in self.funds.subunits()}
        for code, rows in USED.items():
            if code in units:
                for source, category, amount, people in rows:
                    self.office.step()
                    self.funds.set_usage(Usage(code, year, source, category, Decimal(amount), people, "下级单位报送"))

    def _entry(self, on: date, source: str, kind: str, amount: Decimal | str, doc_no: str = "",
               memo: str = "", to: str | None = None) -> int:
        return self.funds.add_entry(FundEntry(unit_code=self.unit_code, entry_date=on, fund_source=source, kind=kind,
                                              amount=Decimal(amount), doc_no=doc_no, memo=memo, counterpart_code=to))
