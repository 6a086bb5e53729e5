"""Realistic old ledgers (tests/exchange/ledger_books.py) imported whole: what the database holds is what the books
truly say, every 合计 agrees, and a book that does not add up — or has an ID Excel stored as a number — is refused at
its row."""

from __future__ import annotations

from decimal import Decimal

import pytest
from ledger_books import mixed_book, payments_ledger, roster_member_columns, roster_member_rows

from aiddesk.services.exchange_import import ExchangeImportService


@pytest.fixture
def service(db, actor):
    return ExchangeImportService(db, actor)


def yuan(fen: int) -> Decimal:
    return Decimal(fen) / 100


def stored_lines(db) -> dict[str, tuple[int, Decimal]]:
    """ID number → (lines, amount) of every stored 帮扶明细."""
    out: dict[str, tuple[int, Decimal]] = {}
    for idn, fen in db.conn.execute("SELECT recipient_id_number, amount_fen FROM aid_records"):
        n, total = out.get(idn, (0, Decimal(0)))
        out[idn] = (n + 1, total + yuan(fen))
    return out


def true_lines(book) -> dict[str, tuple[int, Decimal]]:
    out: dict[str, tuple[int, Decimal]] = {}
    for p in book.payments:
        n, total = out.get(p.person.id_number, (0, Decimal(0)))
        out[p.person.id_number] = (n + 1, total + p.amount)
    return out


@pytest.mark.parametrize("style", ["city", "district", "enterprise"])
def test_a_payments_ledger_of_each_office_style_imports_what_it_truly_says(db, service, tmp_path, style):
    book = payments_ledger(tmp_path / f"{style}.xlsx", style=style, sheets=("1月", "7月"), rows_per_sheet=8)
    report = service.import_file(book.path)
    assert report.errors == [], [e.as_dict() for e in report.errors][:5]
    assert {r[0] for r in db.conn.execute("SELECT id_number FROM households")} == set(book.households)
    assert stored_lines(db) == true_lines(book)
    categories = sorted(r[0] for r in db.conn.execute("SELECT aid_category FROM aid_records"))
    assert categories == sorted(p.aid_category for p in book.payments)
    for summary in report.checked.ledger:
        sheet = book.sheet(summary.sheet)
        assert summary.read == len(sheet.payments)
        assert summary.imported_total == sheet.amount_sum == sheet.total
        assert summary.total_row == sheet.total_row
        skipped = dict(summary.skipped)
        assert set(skipped) >= {s.row for s in sheet.skipped if s.kind in ("TOTAL", "SUBTOTAL")}
    unnamed = sum(1 for p in book.payments if not p.fund_source)
    assert db.conn.execute("SELECT count(*) FROM aid_records WHERE fund_source = '未注明'").fetchone()[0] == unnamed


def test_a_roster_with_member_rows_gives_each_household_its_members(db, service, tmp_path):
    book = roster_member_rows(tmp_path / "花名册.xlsx", households=12)
    report = service.import_file(book.path)
    assert report.errors == [], [e.as_dict() for e in report.errors][:5]
    stored = {}
    for idn, name in db.conn.execute("SELECT h.id_number, m.name FROM members m JOIN households h"
                                     " ON h.id = m.household_id"):
        stored.setdefault(idn, set()).add(name)
    truth = {idn: {m.name for m in h.members} for idn, h in book.households.items() if h.members}
    assert stored == truth


def test_a_roster_with_member_columns_gives_each_household_its_members(db, service, tmp_path):
    book = roster_member_columns(tmp_path / "花名册.xlsx", households=12)
    report = service.import_file(book.path)
    assert report.errors == [], [e.as_dict() for e in report.errors][:5]
    count = db.conn.execute("SELECT count(*) FROM members").fetchone()[0]
    listed = sum(1 for h in book.households.values() for m in h.members if m.row)  # those the columns hold
    assert count == listed and db.conn.execute("SELECT count(*) FROM households").fetchone()[0] == 12


def test_a_mixed_book_takes_its_roster_and_months_and_leaves_out_the_others_with_a_warning(db, service, tmp_path):
    book = mixed_book(tmp_path / "综合台账.xlsx")
    report = service.import_file(book.path)
    assert report.errors == [], [e.as_dict() for e in report.errors][:5]
    assert {r[0] for r in db.conn.execute("SELECT id_number FROM households")} == set(book.households)
    assert stored_lines(db) == true_lines(book)
    left_out = {w.sheet for w in report.warnings if "未导入" in w.message}
    assert {"说明"} <= left_out


@pytest.mark.parametrize(("fault", "words"), [
    ("wrong_total", ("台账合计", "相差")),
    ("numeric_id", ("存成了数字",)),
    ("bad_amount", ("千分位",)),
])
def test_a_faulty_book_is_refused_at_its_row_and_nothing_is_written(db, service, tmp_path, fault, words):
    book = payments_ledger(tmp_path / "错.xlsx", sheets=("1月",), rows_per_sheet=8, **{fault: True})
    report = service.import_file(book.path)
    assert not report.written
    (where,) = book.faults
    found = [e for e in report.errors if (e.sheet, e.row) == (where.sheet, where.row)]
    assert found and all(w in found[0].message for w in words), [e.as_dict() for e in report.errors]
    assert found[0].column == where.column
    assert db.conn.execute("SELECT count(*) FROM households").fetchone()[0] == 0


def test_a_corrected_book_replaces_what_its_earlier_import_brought(db, service, tmp_path):
    first = payments_ledger(tmp_path / "2015年帮扶台账.xlsx", sheets=("1月",), rows_per_sheet=6, seed=7)
    assert service.import_file(first.path).written
    before = stored_lines(db)
    # The same book, corrected: written again with another seed's amounts under the same file name.
    corrected = payments_ledger(tmp_path / "2015年帮扶台账.xlsx", sheets=("1月",), rows_per_sheet=5, seed=7)
    check = service.check(corrected.path)
    assert check.errors == []
    report = service.import_file(corrected.path)
    assert report.written
    assert stored_lines(db) == true_lines(corrected)
    # The earlier lines the corrected book no longer has went, and the check listed them before.
    assert check.checked.removal.keys.get("帮扶明细") and report.checked.removal.keys["帮扶明细"]
    assert sum(n for n, _ in before.values()) == 6 and sum(n for n, _ in stored_lines(db).values()) == 5
