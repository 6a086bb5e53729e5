"""The seed's 2015 year (../shared/seed, section 二) rebuilt as records: ledger, budget, paid aid, sub-units' use.

Aid records are generated so that, per fund source and 救助类别, their amounts and 人次 sum to
the seed's; they are paid through PaymentService, so the balance check runs on every batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from aiddesk.core.batch import AidRecord, Batch
from aiddesk.core.fund_ledger import FundEntry
from aiddesk.db import Database
from aiddesk.db import batches as batch_repo
from aiddesk.db.audit import Actor
from aiddesk.db.funds import Usage
from aiddesk.db.units import Unit
from aiddesk.services import units
from aiddesk.services.funds import FundService
from aiddesk.services.payments import PaymentService

CENTRE = "460000"
YEAR = 2015
# The five industry (system) unions the 省总 allocated 24万元 to directly (二.(二) 2).
SUBUNITS = {"460001": "省财贸工会", "460002": "省旅游工会", "460003": "省工交医药工会", "460004": "省驻琼工会",
            "460005": "省科文卫体工会"}
DIRECT = {"460001": "80000", "460002": "15000", "460003": "50000", "460004": "80000", "460005": "15000"}
# (source, category) → (元, 人次) the centre paid itself.
SPENDING = {
    ("中央财政", "生活救助"): ("582016.00", 631), ("中央财政", "医疗救助"): ("170700.00", 25),
    ("中央财政", "助学救助"): ("334000.00", 104),
    ("省财政", "生活救助"): ("480000.00", 480), ("省财政", "医疗救助"): ("316000.00", 32),
    ("省财政", "助学救助"): ("500000.00", 154),
    ("省总工会经费", "生活救助"): ("308000.00", 308), ("省总工会经费", "医疗救助"): ("577013.45", 62),
    ("省总工会经费", "助学救助"): ("820000.00", 263),
}
# What each sub-unit reported it spent (all from 省总工会经费): unit → [(category, 元, 人次)].
USED = {
    "460001": [("生活救助", "74000", 100), ("医疗救助", "6000", 3)],
    "460002": [("生活救助", "10000", 31), ("医疗救助", "5000", 1)],
    "460003": [("生活救助", "50000", 84)],
    "460004": [("生活救助", "80000", 160)],
    "460005": [("生活救助", "1800", 5)],
}
ACTIVITY = {"生活救助": "生活救助", "医疗救助": "医疗救助", "助学救助": "金秋助学"}
ADJUSTMENT = Decimal("628000.00")  # 省总工作经费调整为帮扶资金 (62.8万元)


@dataclass
class Seed:
    batches: dict[tuple[str, str], int]  # (source, category) → batch id


def add_subunits(db: Database, actor: Actor) -> None:
    existing = {r[0] for r in db.conn.execute("SELECT code FROM units")}
    for code, name in SUBUNITS.items():
        if code not in existing:
            units.save_unit(db, actor, Unit(code, name, "基层", CENTRE), new=True)


def record_ledger(db: Database, actor: Actor, *, with_adjustment: bool = True) -> None:
    """The centre's 2015 ledger as the seed lists it, and a budget the money met in full (到位率100%)."""
    funds = FundService(db, actor)

    def entry(on: date, source: str, kind: str, amount: str | Decimal, doc_no: str = "", memo: str = "",
              to: str | None = None) -> None:
        funds.add_entry(FundEntry(unit_code=CENTRE, entry_date=on, fund_source=source, kind=kind,
                                  amount=Decimal(amount), doc_no=doc_no, memo=memo, counterpart_code=to))

    entry(date(2015, 1, 12), "中央财政", "到账", "250000", "财社〔2015〕2号", "中央财政送温暖资金")
    entry(date(2015, 1, 15), "省总工会经费", "到账", "400000", "琼工发〔2015〕3号", "省总工会送温暖资金")
    entry(date(2015, 3, 10), "省财政", "到账", "1296000", "琼财社〔2015〕21号", "省财政帮扶资金")
    entry(date(2015, 4, 20), "中央财政", "到账", "700000", "财社〔2015〕40号", "第二期中央资金")
    entry(date(2015, 6, 5), "中央财政", "到账", "36716", "财社〔2015〕61号", "女职工关爱行动")
    entry(date(2015, 7, 1), "省总工会经费", "到账", "820000", "琼工发〔2015〕29号", "金秋助学资金")
    entry(date(2015, 9, 18), "中央财政", "到账", "100000", "财社〔2015〕88号", "第三期中央资金")
    for code, amount in DIRECT.items():
        entry(date(2015, 1, 15), "省总工会经费", "直拨下级", amount, "琼工发〔2015〕3号", "省总直拨送温暖资金", code)
    if with_adjustment:
        adjust(db, actor)
    funds.set_budgets(YEAR, {"中央财政": Decimal("1086716"), "省财政": Decimal("1296000"),
                             "省总工会经费": Decimal("2088000")})


def adjust(db: Database, actor: Actor) -> None:
    FundService(db, actor).add_entry(FundEntry(
        unit_code=CENTRE, entry_date=date(2015, 12, 10), fund_source="省总工会经费", kind="到账", amount=ADJUSTMENT,
        doc_no="琼工发〔2015〕102号", memo="中心62.8万元省总工作经费调整为帮扶资金"))


def record_usage(db: Database, actor: Actor) -> None:
    funds = FundService(db, actor)
    for code, rows in USED.items():
        for category, amount, count in rows:
            funds.set_usage(Usage(code, YEAR, "省总工会经费", category, Decimal(amount), count))


def approved_batches(db: Database, households: list[int]) -> Seed:
    """One approved batch per source and category, its lines summing exactly to the seed's figures."""
    seed = Seed({})
    people = [(r["id"], r["name"], r["id_number"], r["bank_card"]) for r in db.conn.execute(
        f"SELECT id, name, id_number, bank_card FROM households WHERE id IN ({','.join('?' * len(households))})",
        households)]
    with db.transaction() as conn:
        for n, ((source, category), (total, count)) in enumerate(SPENDING.items(), start=1):
            b = Batch(name=f"2015年{source}{category}", activity=ACTIVITY[category], year=YEAR, unit_code=CENTRE,
                      fund_sources=[source], status="已审批", clerk="jingban", reviewer="shenhe", approver="shenpi",
                      notice_start=date(2015, 11, 9), notice_days=5, notice_end=date(2015, 11, 13),
                      approved_on=date(2015, 11, 20), notice_phone="0898-66123456")
            b.code = f"{CENTRE}-PC2015-{n:03d}"
            batch_id = batch_repo.insert_batch(conn, b, now="2015-11-01T09:00:00")
            seed.batches[(source, category)] = batch_id
            numbers = batch_repo.next_record_numbers(conn, b.code, count)
            lines = []
            for i, amount in enumerate(split(Decimal(total), count)):
                hid, name, id_number, card = people[i % len(people)]
                lines.append(AidRecord(batch_id=batch_id, household_id=hid, recipient_name=name,
                                       recipient_id_number=id_number, aid_category=category, fund_source=source,
                                       amount=amount, bank_card=card, record_no=numbers[i], created_by="jingban",
                                       created_at="2015-10-20T09:00:00"))
            batch_repo.insert_records(conn, lines)
    return seed


def split(total: Decimal, count: int) -> list[Decimal]:
    """``count`` amounts in whole 分 that add up to exactly ``total``."""
    fen = int(total * 100)
    base, extra = divmod(fen, count)
    return [Decimal(base + (1 if i < extra else 0)) / 100 for i in range(count)]


def pay_all(db: Database, seed: Seed, *, on: date = date(2015, 12, 15)) -> None:
    payments = PaymentService(db, Actor("jingban", "界面", ("经办人",)))
    for batch_id in seed.batches.values():
        payments.mark_paid(batch_id, paid_on=on)


def build_seed_2015(db: Database, actor: Actor, households: list[int]) -> Seed:
    """The whole year: sub-units, ledger with the 62.8万元 adjustment, paid batches, sub-units' use."""
    add_subunits(db, actor)
    record_ledger(db, actor)
    seed = approved_batches(db, households)
    pay_all(db, seed)
    record_usage(db, actor)
    return seed
