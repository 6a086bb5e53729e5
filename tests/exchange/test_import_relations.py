"""家庭成员 as books write them (EXCHANGE.md, 家庭成员): 关系 in ledger words, kept beside the standard name; ID numbers
of 港澳台居民居住证 and 外国人永久居留身份证 taken as the ID numbers they are."""

from __future__ import annotations

import pytest
from test_import_validation import BASE, CHILD, HEAD, SPOUSE, book, sheets

from aiddesk.exchange.export import export_workbook
from aiddesk.services.exchange_import import ExchangeImportService

TAIWAN = "830000199201300022"     # a 台湾居民居住证 number (the published specimen)
FOREIGNER = "932682198501010017"  # a 外国人永久居留身份证 number (国家移民管理局's sample)
MEMBER_HEADER = ["档案编号", "姓名", "关系", "身份证号", "性别", "身份", "月收入"]


@pytest.fixture
def service(db, actor):
    return ExchangeImportService(db, actor)


def members(db) -> list[tuple]:
    return [tuple(r) for r in db.conn.execute(
        "SELECT m.name, m.relation, m.relation_as_written FROM members m JOIN households h ON h.id = m.household_id"
        " WHERE h.archive_no = 'CM2015001' ORDER BY m.seq")]


def with_members(*rows: list) -> dict:
    return sheets(家庭成员=[MEMBER_HEADER, *rows])


def test_ledger_words_are_stored_as_standard_names_with_the_word_kept(db, service, tmp_path):
    path = book(tmp_path / "台账词.xlsx", with_members(
        ["CM2015001", "李军", "丈夫", SPOUSE, None, "在岗", 1500],
        ["CM2015001", "李小明", "子女", CHILD, None, "学生", 0],           # the ID number says 男
        ["CM2015001", "李小红", "子女", None, "女", "学生", 0],            # the 性别 column says 女
        ["CM2015001", "李奶奶", " 奶 奶 ", None, None, None, 0],
        ["CM2015001", "李叔", "叔父", None, None, None, 0]))
    report = service.import_file(path)
    assert report.ok, [e.as_dict() for e in report.errors]
    assert members(db) == [("李军", "夫", "丈夫"), ("李小明", "子", "子女"), ("李小红", "女", "子女"),
                           ("李奶奶", "祖母", "奶奶"), ("李叔", "叔父", None)]
    assert report.checked.sheets["家庭成员"][0]["关系"] == "夫"  # what the other checks see: the standard name
    assert service.import_file(path).ok and members(db)[0] == ("李军", "夫", "丈夫")  # the same book again: no change


def test_the_export_writes_the_standard_name_and_importing_it_keeps_the_word_written_before(db, service, actor,
                                                                                          tmp_path):
    assert service.import_file(book(tmp_path / "台账词.xlsx", with_members(
        ["CM2015001", "李军", "老公", SPOUSE, None, "在岗", 1500]))).ok
    out = tmp_path / "导出.xlsx"
    export_workbook(db, out, year=2015, actor=actor)
    from openpyxl import load_workbook

    exported = [row for row in load_workbook(out, read_only=True)["家庭成员"].iter_rows(values_only=True)]
    assert exported[1][:3] == ("CM2015001", "李军", "夫")
    assert service.import_file(out).ok
    assert members(db) == [("李军", "夫", "老公")]


@pytest.mark.parametrize(("word", "message"), [
    ("工作单位", "“工作单位”不是家庭关系，请填写与户主的关系，如 配偶、子、女"),
    ("户主", "“户主”是户主本人：家庭成员只填户主以外的人"),
])
def test_a_word_that_names_no_relation_is_an_error_with_sheet_row_column(db, service, tmp_path, word, message):
    report = service.import_file(book(tmp_path / "错.xlsx", with_members(
        ["CM2015001", "李军", "配偶", SPOUSE, None, "在岗", 1500],
        ["CM2015001", "某人", word, None, None, None, 0])))
    assert not report.ok
    error = report.errors[0].as_dict()
    assert (error["sheet"], error["row"], error["column"], error["value"]) == ("家庭成员", 3, "关系", word)
    assert error["message"].startswith(message)
    assert db.conn.execute("SELECT count(*) FROM members").fetchone()[0] == 0  # all or nothing


def test_an_old_ledgers_与户主关系_column_takes_the_same_words(db, service, tmp_path):
    data = {"困难职工档案": BASE["困难职工档案"],
            "家庭成员": [["档案编号", "姓名", "与户主关系", "身份证号"], ["CM2015001", "李军", "妻子", SPOUSE]]}
    report = service.import_file(book(tmp_path / "旧台账.xlsx", data, manifest=False))
    assert report.ok, [e.as_dict() for e in report.errors]
    assert members(db)[0][1:] == ("妻", "妻子")


def test_residence_permit_and_permanent_residence_numbers_are_imported_as_ID_numbers(db, service, tmp_path):
    data = sheets(家庭成员=[MEMBER_HEADER, ["CM2015001", "陈美玲", "妻子", TAIWAN, None, "在岗", 0],
                            ["CM2015001", "Omar", "女婿", FOREIGNER, None, "在岗", 0]])
    data["困难职工档案"][1][2] = "810000199408230021"  # the head holds a 港澳居民居住证
    data["帮扶明细"] = [data["帮扶明细"][0]] + [
        [r[0], r[1], r[2], r[3], "810000199408230021" if r[4] == HEAD else r[4], *r[5:]] for r in data["帮扶明细"][1:]]
    report = service.import_file(book(tmp_path / "证件.xlsx", data))
    assert report.ok, [e.as_dict() for e in report.errors]
    stored = dict(db.conn.execute("SELECT name, id_number FROM members"))
    assert stored == {"陈美玲": TAIWAN, "Omar": FOREIGNER}
    head = db.conn.execute("SELECT id_number, birth_date, gender FROM households WHERE archive_no = 'CM2015001'"
                           ).fetchone()
    assert tuple(head) == ("810000199408230021", "1994-08-23", "女")
