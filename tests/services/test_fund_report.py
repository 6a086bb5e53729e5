"""The seed's 2015 year rebuilt as records gives the seed's fund figures; the report JSON has EXCHANGE.md's shape."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from seed_2015 import (SPENDING, Seed, add_subunits, adjust, approved_batches, build_seed_2015, pay_all,
                       record_ledger, record_usage)

from aiddesk.cli import main
from aiddesk.core.errors import UserError
from aiddesk.core.money import format_wan
from aiddesk.services.archive import ArchiveService
from aiddesk.services.batches import BatchService
from aiddesk.services.fund_report import fund_report
from aiddesk.services.funds import FundService
from aiddesk.services.payments import PaymentService


@pytest.fixture
def people(db, actor, make_household):
    return [ArchiveService(db, actor).save(make_household(i, name=n)).household_id
            for i, n in enumerate(["张三", "李梅", "王海", "陈芳", "吴强", "林静", "黄伟", "符兰"], start=1)]


@pytest.fixture
def seed(db, actor, people):
    return build_seed_2015(db, actor, people)


def wan(amount: str) -> str:
    return format_wan(Decimal(amount))


def test_the_seed_centre_figures(db, seed):
    r = fund_report(db, 2015)
    assert wan(r.income) == "423.0716"
    assert {s: wan(a) for s, a in r.income_by_source().items()} == {
        "中央财政": "108.6716", "省财政": "129.6", "省总工会经费": "184.8"}
    assert wan(r.spending.total.amount) == "408.772945" and r.spending.total.count == 2059
    by_source = {s: (wan(f.amount), f.count) for s, f in r.spending.by_source().items()}
    assert by_source == {"中央财政": ("108.6716", 760), "省财政": ("129.6", 666), "省总工会经费": ("170.501345", 633)}
    cells = {k: (wan(f.amount), f.count) for k, f in r.spending.cells.items()}
    assert cells[("中央财政", "生活救助")] == ("58.2016", 631)
    assert cells[("省总工会经费", "医疗救助")] == ("57.701345", 62)
    assert wan(r.balance) == "14.298655"
    assert {s: wan(a) for s, a in r.balance_by_source().items() if a} == {"省总工会经费": "14.298655"}
    # 447.0716万元 arrived in all, 24万元 of it straight to the five industry unions: 100%.
    assert wan(r.arrived) == "447.0716" and r.arrival_rate == Decimal("1.0000")


def test_the_seed_subunit_and_overall_figures(db, seed):
    r = fund_report(db, 2015)
    assert wan(r.subunit_allocated) == "24"
    assert wan(r.subunit_spending().total.amount) == "22.68" and r.subunit_spending().total.count == 384
    assert wan(r.subunit_balance) == "1.32"
    left = {u.name: wan(u.balance) for u in r.subunits if u.balance}
    assert left == {"省科文卫体工会": "1.32"}
    overall = r.overall()
    assert wan(overall.total.amount) == "431.452945" and overall.total.count == 2443
    assert {c: f.count for c, f in overall.by_category().items()} == {"生活救助": 1799, "医疗救助": 123,
                                                                      "助学救助": 521}


def test_paying_beyond_the_balance_is_refused_until_the_adjustment_is_recorded(db, actor, people):
    """The seed's centre paid 170.501345万元 from 省总工会经费 with 122万元 received, until 62.8万元 was moved in."""
    add_subunits(db, actor)
    record_ledger(db, actor, with_adjustment=False)
    seed = approved_batches(db, people)
    union = [k for k in SPENDING if k[0] == "省总工会经费"]
    pay_all(db, Seed({k: v for k, v in seed.batches.items() if k not in union}))
    pay = PaymentService(db, actor)
    db.clock.set(date(2015, 12, 15))
    pay.mark_paid(seed.batches[union[0]], paid_on=date(2015, 12, 15))
    pay.mark_paid(seed.batches[union[2]], paid_on=date(2015, 12, 15))
    with pytest.raises(UserError) as refused:
        pay.mark_paid(seed.batches[union[1]], paid_on=date(2015, 12, 15))
    assert str(refused.value).startswith("省总工会经费可用余额不足，缺口48.501345万元")
    assert "资金台账" in str(refused.value)
    # Nothing of the refused batch was paid.
    assert all(r.paid_on is None for r in BatchService(db, actor).records(seed.batches[union[1]]))
    adjust(db, actor)
    assert pay.mark_paid(seed.batches[union[1]], paid_on=date(2015, 12, 15)).finished
    record_usage(db, actor)
    assert wan(fund_report(db, 2015).balance) == "14.298655"


def test_the_report_json_is_exactly_the_exchange_shape(db, seed):
    out = fund_report(db, 2015).to_json()
    assert list(out) == ["year", "unit", "budget", "income", "direct_to_subunits", "passed_to_subunits", "spending",
                         "balance", "arrival_rate", "subunits", "overall"]
    assert out["year"] == 2015 and out["unit"] == {"code": "460000", "name": "海南省职工服务中心"}
    assert out["budget"] == {"total": "4470716.00", "by_source": {
        "中央财政": "1086716.00", "省财政": "1296000.00", "省总工会经费": "2088000.00"}}
    assert out["income"]["total"] == "4230716.00"
    assert out["direct_to_subunits"] == {"total": "240000.00", "by_source": {"省总工会经费": "240000.00"}}
    assert out["passed_to_subunits"] == {"total": "0.00", "by_source": {}}
    assert out["spending"]["total"] == {"amount": "4087729.45", "count": 2059}
    assert out["spending"]["by_category"] == {"生活救助": {"amount": "1370016.00", "count": 1419},
                                              "医疗救助": {"amount": "1063713.45", "count": 119},
                                              "助学救助": {"amount": "1654000.00", "count": 521}}
    assert out["spending"]["by_source"]["省财政"] == {
        "total": {"amount": "1296000.00", "count": 666},
        "by_category": {"生活救助": {"amount": "480000.00", "count": 480},
                        "医疗救助": {"amount": "316000.00", "count": 32},
                        "助学救助": {"amount": "500000.00", "count": 154}}}
    # Maps list only non-zero figures.
    assert out["balance"] == {"total": "142986.55", "by_source": {"省总工会经费": "142986.55"}}
    assert out["arrival_rate"] == "1.0000"
    sub = out["subunits"]
    assert sub["allocated"] == "240000.00" and sub["spent"] == {"amount": "226800.00", "count": 384}
    assert sub["balance"] == "13200.00"
    assert sub["by_category"] == {"生活救助": {"amount": "215800.00", "count": 380},
                                  "医疗救助": {"amount": "11000.00", "count": 4}}
    assert sub["by_unit"]["460005"] == {"allocated": "15000.00", "spent": {"amount": "1800.00", "count": 5},
                                        "balance": "13200.00"}
    assert list(sub["by_unit"]) == ["460001", "460002", "460003", "460004", "460005"]
    assert out["overall"] == {"amount": "4314529.45", "count": 2443, "by_category": {
        "生活救助": {"amount": "1585816.00", "count": 1799}, "医疗救助": {"amount": "1074713.45", "count": 123},
        "助学救助": {"amount": "1654000.00", "count": 521}}}


def test_the_command_line_prints_the_same_json(db, seed, capsys):
    expected = fund_report(db, 2015).to_json()
    path = str(db.path)
    db.close()
    assert main(["--db", path, "report", "funds", "--year", "2015", "--json"]) == 0
    printed = capsys.readouterr().out
    assert json.loads(printed) == expected
    assert "408.772945" not in printed and '"4087729.45"' in printed  # 元 strings, exactly two decimals


def test_arrival_rate_is_absent_without_a_budget_and_an_empty_year_is_all_zero(db):
    out = fund_report(db, 2030).to_json()
    assert "arrival_rate" not in out
    assert out["spending"] == {"total": {"amount": "0.00", "count": 0}, "by_category": {}, "by_source": {}}
    assert out["subunits"]["by_unit"] == {} and out["overall"]["count"] == 0


def test_arrival_rate_example_of_exchange(db, actor, people):
    """EXCHANGE.md's example: 447.0716万元 arrived against a 400万元 budget is 1.1177."""
    add_subunits(db, actor)
    record_ledger(db, actor)
    FundService(db, actor).set_budgets(2015, {"中央财政": Decimal("1100000"), "省财政": Decimal("1000000"),
                                              "省总工会经费": Decimal("1900000")})
    assert fund_report(db, 2015).to_json()["arrival_rate"] == "1.1177"


def test_a_subunit_with_its_own_records_is_counted_by_them_never_also_by_its_totals(db, actor, people, receive):
    """A sub-unit whose batches are here counts by its 帮扶明细, not by its 下级单位使用 rows."""
    from aiddesk.core.batch import Batch
    from aiddesk.db.household_list import HouseholdFilter

    add_subunits(db, actor)
    record_ledger(db, actor)
    record_usage(db, actor)
    clerk = BatchService(db, actor)
    batch_id = clerk.save_draft(Batch(name="省旅游工会2015年生活救助", activity="生活救助", year=2015,
                                      unit_code="460002", fund_sources=["省总工会经费"], standard=Decimal("500"),
                                      notice_phone="0898-66123456"))
    db.clock.set(date(2015, 11, 1))
    clerk.add_from_filter(batch_id, HouseholdFilter(statuses=()))
    db.conn.execute("UPDATE batches SET status = '已审批', approved_on = '2015-11-20' WHERE id = ?", (batch_id,))
    db.clock.set(date(2015, 12, 1))
    PaymentService(db, actor).mark_paid(batch_id, paid_on=date(2015, 12, 1))  # within 省旅游工会's 1.5万元
    r = fund_report(db, 2015)
    travel = next(u for u in r.subunits if u.code == "460002")
    assert travel.from_records and travel.spending.total.count == len(people)
    assert travel.spending.total.amount == Decimal(500 * len(people))
    assert r.spending.total.count == 0  # the centre's own spending is untouched


def test_the_command_line_writes_the_pdf_and_the_workbook(db, seed, tmp_path, capsys):
    from openpyxl import load_workbook
    from pypdf import PdfReader

    path = str(db.path)
    db.close()
    pdf, xlsx = tmp_path / "报告.pdf", tmp_path / "报告.xlsx"
    assert main(["--db", path, "report", "funds", "--year", "2015", "--pdf", str(pdf), "--xlsx", str(xlsx)]) == 0
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "423.0716" in text and "408.772945" in text and "2059" in text
    cells = [c.value for ws in load_workbook(xlsx) for row in ws.iter_rows() for c in row]
    assert Decimal("4087729.45") in [Decimal(str(v)) for v in cells if isinstance(v, (int, float))]
    printed = capsys.readouterr()
    assert "支出 408.772945万元（2059人次）" in printed.out and "已生成PDF 报告" in printed.err
