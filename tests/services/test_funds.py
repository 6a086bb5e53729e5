"""The fund ledger: arithmetic by source, reversals instead of edits, carry-over, refusals, sources, sub-units' use."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from aiddesk.core.errors import UserError, ValidationError
from aiddesk.core.fund_ledger import FundEntry
from aiddesk.db.audit import Actor
from aiddesk.db.funds import Plan, Usage
from aiddesk.services.fund_report import fund_report
from aiddesk.services.funds import CarryOverDiffers, FundService

REVIEWER = Actor("shenhe", "界面", ("审核人",))
CLERK = Actor("jingban", "界面", ("经办人",))


def entry(kind: str, amount: str, *, source: str = "省总工会经费", on: date = date(2026, 2, 1), to: str | None = None,
          doc_no: str = "") -> FundEntry:
    return FundEntry(unit_code="", entry_date=on, fund_source=source, kind=kind, amount=Decimal(amount),
                     counterpart_code=to, doc_no=doc_no)


@pytest.fixture
def funds(db, actor) -> FundService:
    return FundService(db, actor)


def balance_of(funds: FundService, year: int, source: str) -> Decimal:
    return {b.fund_source: b.balance for b in funds.balances(year)}.get(source, Decimal("0.00"))


def test_balances_follow_every_kind_of_entry(funds):
    funds.add_entry(entry("上年结转", "10000", on=date(2026, 1, 1)))
    funds.add_entry(entry("到账", "50000", doc_no="琼工发〔2026〕3号"))
    funds.add_entry(entry("下拨下级", "8000", to="460001"))
    funds.add_entry(entry("直拨下级", "15000", to="460002"))  # never passes through our account
    funds.add_entry(entry("调出", "2000"))
    funds.add_entry(entry("到账", "30000", source="中央财政"))
    (union,) = [b for b in funds.balances(2026) if b.fund_source == "省总工会经费"]
    assert (union.income, union.passed, union.spent, union.balance) == (
        Decimal("58000.00"), Decimal("8000.00"), Decimal("0.00"), Decimal("50000.00"))
    assert balance_of(funds, 2026, "中央财政") == Decimal("30000.00")
    assert [b.fund_source for b in funds.balances(2026)] == ["中央财政", "省总工会经费"]  # code-list order
    r = fund_report(funds.db, 2026)
    assert r.direct_by_source() == {"省总工会经费": Decimal("15000.00")}
    assert r.subunit_allocated == Decimal("23000.00")


def test_entries_are_numbered_per_unit_and_year_and_audited(funds, db):
    first = funds.entry(funds.add_entry(entry("到账", "100")))
    second = funds.entry(funds.add_entry(entry("到账", "200")))
    other_year = funds.entry(funds.add_entry(entry("到账", "300", on=date(2027, 3, 1))))
    assert (first.entry_no, second.entry_no, other_year.entry_no) == (
        "460000-ZJ2026-0001", "460000-ZJ2026-0002", "460000-ZJ2027-0001")
    logged = db.conn.execute("SELECT user, action, new_values FROM audit_log WHERE table_name = 'fund_entries'"
                             " ORDER BY id").fetchall()
    assert len(logged) == 3 and logged[0][0] == "测试员" and '"amount": "100.00"' in logged[0][2]


def test_a_mistake_is_reversed_never_edited(funds):
    wrong = funds.add_entry(entry("到账", "500000"))
    reversal = funds.entry(funds.reverse_entry(wrong, "金额登错，应为60万元"))
    assert reversal.amount == Decimal("-500000.00") and reversal.reverses_id == wrong
    assert reversal.reason == "金额登错，应为60万元" and reversal.entry_date == date(2026, 2, 1)
    assert funds.entry(wrong).reversed_by == reversal.entry_no
    assert balance_of(funds, 2026, "省总工会经费") == 0
    funds.add_entry(entry("到账", "600000"))
    assert balance_of(funds, 2026, "省总工会经费") == Decimal("600000.00")
    # Both stay in the ledger, in order.
    assert [e.amount for e in funds.entries(2026)] == [Decimal("500000.00"), Decimal("-500000.00"),
                                                       Decimal("600000.00")]
    with pytest.raises(UserError, match="已被.*冲销"):
        funds.reverse_entry(wrong, "再冲一次")
    with pytest.raises(UserError, match="本身是冲销分录"):
        funds.reverse_entry(reversal.id, "冲销冲销分录")
    with pytest.raises(ValidationError) as no_reason:
        funds.reverse_entry(funds.add_entry(entry("到账", "1")), " ")
    assert "reason" in no_reason.value.problems


def test_the_database_itself_keeps_the_ledger_append_only(funds, db):
    import sqlite3

    funds.add_entry(entry("到账", "100"))
    with pytest.raises(sqlite3.IntegrityError, match="不能修改"):
        db.conn.execute("UPDATE fund_entries SET amount_fen = 20000")
    with pytest.raises(sqlite3.IntegrityError, match="不能删除"):
        db.conn.execute("DELETE FROM fund_entries")
    assert [e.amount for e in funds.entries(2026)] == [Decimal("100.00")]


def test_money_cannot_leave_an_account_it_never_reached(funds):
    funds.add_entry(entry("到账", "10000"))
    with pytest.raises(UserError) as passed:
        funds.add_entry(entry("下拨下级", "12000", to="460001"))
    assert str(passed.value).startswith("省总工会经费可用余额不足，缺口0.2万元")
    with pytest.raises(UserError, match="缺口0.000001万元"):
        funds.add_entry(entry("调出", "10000.01"))
    funds.add_entry(entry("直拨下级", "50000", to="460001"))  # straight from above: no balance needed
    assert len(funds.entries(2026)) == 2


def test_a_receipt_already_spent_cannot_be_reversed(funds, db, receive, make_household, actor):
    from aiddesk.services.archive import ArchiveService

    first = funds.add_entry(entry("到账", "8000"))
    funds.add_entry(entry("下拨下级", "5000", to="460001"))
    with pytest.raises(UserError, match="缺口0.5万元"):
        funds.reverse_entry(first, "重复登记")
    assert ArchiveService  # (reversing after a correct re-entry works: the money is covered again)
    funds.add_entry(entry("到账", "8000"))
    funds.reverse_entry(first, "重复登记")
    assert balance_of(funds, 2026, "省总工会经费") == Decimal("3000.00")


@pytest.mark.parametrize("bad, field", [
    (entry("到账", "0"), "amount"),
    (entry("到账", "-5"), "amount"),
    (entry("到账", "1.005"), "amount"),
    (entry("收入", "5"), "kind"),
    (entry("到账", "5", source="天上掉的"), "fund_source"),
    (entry("下拨下级", "5"), "counterpart_code"),
    (entry("直拨下级", "5", to="460000"), "counterpart_code"),
    (entry("上年结转", "5", on=date(2026, 3, 1)), "entry_date"),
    (entry("到账", "5", doc_no="29号文件"), "doc_no"),
])
def test_bad_entries_are_refused_at_their_field(funds, bad, field):
    with pytest.raises(ValidationError) as err:
        funds.add_entry(bad)
    assert field in err.value.problems
    assert funds.entries(2026) == []


@pytest.mark.parametrize("doc_no", ["琼工发〔2015〕29号", "琼财社[2015]3号", "全总财发（2016）12号"])
def test_document_numbers_as_offices_write_them(funds, doc_no):
    assert funds.entry(funds.add_entry(entry("到账", "5", doc_no=doc_no))).doc_no == doc_no


def test_year_end_carry_over_writes_next_years_brought_forward(funds, db, receive):
    funds.add_entry(entry("到账", "10000"))
    funds.add_entry(entry("到账", "500", source="中央财政"))
    funds.add_entry(entry("下拨下级", "2500", to="460001"))
    ids = funds.carry_over(2026)
    carried = [funds.entry(i) for i in ids]
    assert {(e.fund_source, e.amount, e.kind, e.entry_date) for e in carried} == {
        ("省总工会经费", Decimal("7500.00"), "上年结转", date(2027, 1, 1)),
        ("中央财政", Decimal("500.00"), "上年结转", date(2027, 1, 1))}
    assert balance_of(funds, 2027, "省总工会经费") == Decimal("7500.00")
    with pytest.raises(UserError, match="无需重复结转"):
        funds.carry_over(2026)
    # A late receipt: the carry-over no longer matches; redo reverses the old and writes the new.
    funds.add_entry(entry("到账", "1000", on=date(2026, 12, 30)))
    with pytest.raises(CarryOverDiffers, match="重新结转"):
        funds.carry_over(2026)
    funds.carry_over(2026, redo=True)
    assert balance_of(funds, 2027, "省总工会经费") == Decimal("8500.00")
    assert balance_of(funds, 2027, "中央财政") == Decimal("500.00")
    live = [e for e in funds.entries(2027, kind="上年结转") if not e.is_reversal and not e.reversed_by]
    assert sorted(e.amount for e in live) == [Decimal("500.00"), Decimal("8500.00")]
    assert fund_report(db, 2027).to_json()["income"]["total"] == "9000.00"
    assert "arrival_rate" not in fund_report(db, 2027).to_json()


def test_nothing_to_carry_over(funds):
    with pytest.raises(UserError, match="没有结余"):
        funds.carry_over(2026)


def test_budgets_and_plans_replace_and_remove(funds, db):
    funds.set_budgets(2026, {"中央财政": Decimal("100000"), "省财政": Decimal("5000")})
    funds.set_budgets(2026, {"省财政": None, "省总工会经费": Decimal("20000")})
    assert funds.budgets(2026) == {"中央财政": Decimal("100000.00"), "省总工会经费": Decimal("20000.00")}
    funds.set_plans(2026, [Plan("生活救助", 300, Decimal("300000")), Plan("助学救助", 40)])
    funds.set_plans(2026, [Plan("助学救助", 0)])
    assert funds.plans(2026) == {"生活救助": Plan("生活救助", 300, Decimal("300000.00"))}
    with pytest.raises(ValidationError):
        funds.set_budgets(2026, {"中央财政": Decimal("-1")})
    with pytest.raises(ValidationError):
        funds.set_plans(2026, [Plan("养老救助", 3)])
    assert db.conn.execute("SELECT count(*) FROM audit_log WHERE table_name IN ('fund_budgets', 'aid_plans')"
                           ).fetchone()[0] == 4


def test_budget_and_plan_of_a_year_are_saved_together_or_not_at_all(funds):
    with pytest.raises(ValidationError):
        funds.set_year_plan(2026, {"中央财政": Decimal("100000")}, [Plan("养老救助", 3)])
    assert funds.budgets(2026) == {}
    funds.set_year_plan(2026, {"中央财政": Decimal("100000")}, [Plan("生活救助", 3)])
    assert funds.budgets(2026) == {"中央财政": Decimal("100000.00")} and list(funds.plans(2026)) == ["生活救助"]


def test_subunit_use_is_kept_per_unit_source_and_category(funds):
    funds.set_usage(Usage("460001", 2026, "省总工会经费", "生活救助", Decimal("7400"), 100))
    funds.set_usage(Usage("460001", 2026, "省总工会经费", "生活救助", Decimal("7500"), 101, "更正"))
    assert [(u.amount, u.count, u.note) for u in funds.usage(2026)] == [(Decimal("7500.00"), 101, "更正")]
    for bad, field in ((Usage("460000", 2026, "省总工会经费", "生活救助", Decimal("1"), 1), "unit_code"),
                       (Usage("460001", 2026, "省总工会经费", "生活救助", Decimal("10"), 0), "count"),
                       (Usage("460001", 2026, "省总工会经费", "养老", Decimal("10"), 1), "aid_category")):
        with pytest.raises(ValidationError) as err:
            funds.set_usage(bad)
        assert field in err.value.problems
    funds.delete_usage("460001", 2026, "省总工会经费", "生活救助")
    assert funds.usage(2026) == []


def test_an_office_adds_its_own_fund_sources(funds, db):
    from aiddesk.core.batch import Batch
    from aiddesk.services.batches import BatchService

    funds.add_source("企业捐赠")
    assert funds.sources()[-1] == "企业捐赠"
    with pytest.raises(ValidationError, match="已在列表中"):
        funds.add_source("中央财政")
    funds.add_entry(entry("到账", "100", source="企业捐赠"))
    with pytest.raises(UserError, match="已在台账"):
        funds.remove_source("企业捐赠")
    with pytest.raises(UserError, match="默认资金来源"):
        funds.remove_source("中央财政")
    funds.add_source("慈善总会")
    funds.remove_source("慈善总会")
    assert "慈善总会" not in funds.sources()
    # A batch may draw on an added source.
    batch_id = BatchService(db, funds.actor).save_draft(Batch(
        name="企业捐赠慰问", activity="其他", year=2026, unit_code="460000", fund_sources=["企业捐赠"],
        standard=Decimal("500"), notice_phone="0898-66123456"))
    assert BatchService(db, funds.actor).get(batch_id).fund_sources == ["企业捐赠"]


def test_who_may_keep_the_ledger(db):
    with pytest.raises(UserError, match="没有此权限"):
        FundService(db, REVIEWER).add_entry(entry("到账", "100"))
    with pytest.raises(UserError, match="没有此权限"):
        FundService(db, CLERK).add_source("企业捐赠")
    FundService(db, CLERK).add_entry(entry("到账", "100"))
