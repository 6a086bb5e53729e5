"""An aid line under a family member's ID belongs to the household the member is in, even where the book lists the
household without its members (issue 17: a family member's ID finds the household in the import's person matching)."""

from __future__ import annotations

from test_import_validation import CHILD, SPOUSE, book, only_error, sheets

from aiddesk.services.exchange_import import ExchangeImportService

# A 金秋助学 line under the child's own name and ID (as ledgers write a student's line), paid in 2015.
CHILD_LINE = ["M2015-0004", "P2015-02", "CM2015001", "李小明", CHILD, "助学救助", "省总工会经费", 2000, "会员服务卡",
              None, "李小明", CHILD, "海南大学", "本科", 2015, "新生"]


def test_a_line_for_a_member_stored_before_is_taken_where_the_book_lists_the_household_without_members(
        db, actor, tmp_path):
    service = ExchangeImportService(db, actor)
    assert service.import_file(book(tmp_path / "roster.xlsx")).errors == []   # the household with its members
    payments = sheets(家庭成员=None)   # a later book: the households and their payments, no member rows
    payments["帮扶明细"].append(CHILD_LINE)
    report = service.import_file(book(tmp_path / "payments.xlsx", payments))
    assert report.errors == [] and report.written
    row = db.conn.execute("SELECT h.archive_no, a.recipient_name FROM aid_records a JOIN households h"
                          " ON h.id = a.household_id WHERE a.record_no = 'M2015-0004'").fetchone()
    assert tuple(row) == ("CM2015001", "李小明")
    # The members stayed (the book had no rows to replace them with).
    assert [r[0] for r in db.conn.execute("SELECT m.id_number FROM members m JOIN households h ON h.id = m.household_id"
                                          " WHERE h.archive_no = 'CM2015001' ORDER BY m.seq")] == [SPOUSE, CHILD]


def test_a_line_for_a_member_the_books_own_member_rows_drop_is_still_an_error(db, actor, tmp_path):
    service = ExchangeImportService(db, actor)
    assert service.import_file(book(tmp_path / "roster.xlsx")).errors == []
    data = sheets()
    data["家庭成员"] = data["家庭成员"][:2]   # the book's list for CM2015001: the spouse alone (the child moved out)
    data["帮扶明细"].append(CHILD_LINE)
    err = only_error(service.check(book(tmp_path / "newer.xlsx", data)))
    assert (err["sheet"], err["row"], err["column"], err["value"]) == ("帮扶明细", 5, "身份证号", CHILD)
    assert err["message"] == "姓名“李小明”和身份证号与档案CM2015001的户主或家庭成员都对不上"


def test_a_line_for_someone_in_no_household_of_the_book_or_the_database_is_an_error(db, actor, tmp_path):
    payments = sheets(家庭成员=None)
    payments["帮扶明细"].append(CHILD_LINE)
    err = only_error(ExchangeImportService(db, actor).check(book(tmp_path / "payments.xlsx", payments)))
    assert (err["sheet"], err["row"], err["column"]) == ("帮扶明细", 5, "身份证号")
