"""一户一档 per EXCHANGE.md: within one unit's archive an error naming both archives; across units a warning per
person, the workbook imported, and the person listed in 跨单位重复."""

from __future__ import annotations

import json
from datetime import date

import pytest
from test_import_validation import CHILD, HEAD, OTHER, SPOUSE, book, sheets

from aiddesk.cli import main
from aiddesk.db import open_database
from aiddesk.services.archive import ArchiveService
from aiddesk.services.exchange_import import ExchangeImportService

CROSS = "跨单位重复"


def on_books_of(db, actor, make_household, unit: str, id_number: str, *, seq: int = 40, members: int = 0,
                **changes) -> str:
    """File a household headed by ``id_number`` at ``unit`` through the archive service; its 档案编号."""
    h = make_household(seq, name="赵强", unit_code=unit, id_number=id_number, members=members, **changes)
    return ArchiveService(db, actor).save(h).archive_no


def cross_unit(report_or_issues) -> list[dict]:
    issues = getattr(report_or_issues, "warnings", report_or_issues)
    return [i if isinstance(i, dict) else i.as_dict() for i in issues
            if CROSS in (i["message"] if isinstance(i, dict) else i.message)]


def counts(path) -> dict[str, int]:
    db = open_database(path)
    try:
        return {t: db.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("households", "members", "aid_records", "exchange_imports")}
    finally:
        db.close()


def run_json(capsys, *argv) -> tuple[int, dict | list]:
    code = main(list(argv))
    return code, json.loads(capsys.readouterr().out)


def test_a_person_on_the_centres_own_books_and_in_a_sub_units_workbook_is_a_warning_and_imported(
        db, actor, make_household, tmp_path, capsys):
    centre_no = on_books_of(db, actor, make_household, "460000", OTHER)
    path = str(db.path)
    db.close()
    workbook = str(book(tmp_path / "460001.xlsx"))

    code, dry = run_json(capsys, "--db", path, "import", workbook, "--dry-run", "--json")
    assert code == 0 and dry["errors"] == []
    assert counts(path)["households"] == 1                                    # the dry run wrote nothing
    code, out = run_json(capsys, "--db", path, "import", workbook, "--json")
    assert code == 0 and out["errors"] == [] and out["imported"]["困难职工档案"] == 2
    [warning] = cross_unit(out["warnings"])
    assert cross_unit(dry["warnings"]) == [warning]                          # the dry run said the same
    assert (warning["sheet"], warning["row"], warning["column"], warning["value"]) == (
        "困难职工档案", 3, "身份证号", OTHER)
    assert "单位460001（省财贸工会）的档案CM2015002" in warning["message"]
    assert f"单位460000（海南省职工服务中心）的档案{centre_no}（本数据库中）" in warning["message"]
    assert "照常导入" in warning["message"] and "汇总 → 跨单位重复" in warning["message"]
    assert counts(path)["households"] == 3

    code, listed = run_json(capsys, "--db", path, "report", "duplicates", "--year", "2015", "--json")
    assert code == 0
    [case] = [d for d in listed if d["id_number"] == OTHER]
    assert case["kind"] == "在档重复" and case["conclusion"] is None
    assert [(e["unit"], e["档案编号"]) for e in case["entries"]] == [("460000", centre_no), ("460001", "CM2015002")]


def test_a_person_in_two_households_of_the_same_unit_is_an_error_and_nothing_is_written(
        db, actor, make_household, tmp_path, capsys):
    stored_no = on_books_of(db, actor, make_household, "460001", OTHER)
    path = str(db.path)
    db.close()
    before = counts(path)
    code, out = run_json(capsys, "--db", path, "import", str(book(tmp_path / "460001.xlsx")), "--json")
    assert code == 1 and out["imported"] == {}
    [error] = out["errors"]
    assert (error["sheet"], error["row"], error["column"], error["value"]) == ("困难职工档案", 3, "身份证号", OTHER)
    assert stored_no in error["message"] and "CM2015002" in error["message"] and "460001" in error["message"]
    assert cross_unit(out["warnings"]) == []
    assert counts(path) == before


def test_two_households_of_one_unit_in_the_workbook_itself_are_an_error_naming_both(service, tmp_path):
    data = sheets()
    data["家庭成员"].append(["CM2015002", "王芳", "其他", HEAD, "在岗", 0])   # 王芳 heads CM2015001 as well
    report = service.check(book(tmp_path / "b.xlsx", data))
    [error] = [e.as_dict() for e in report.errors]
    assert (error["sheet"], error["row"], error["value"]) == ("家庭成员", 4, HEAD)
    assert "CM2015001" in error["message"] and "CM2015002" in error["message"]
    assert cross_unit(report) == []


def test_a_member_of_one_units_household_who_heads_another_units_is_a_warning(
        db, actor, make_household, service, tmp_path):
    """李军 (SPOUSE) is a member of 王芳's household in 460001's workbook and heads a household at 460002."""
    other_no = on_books_of(db, actor, make_household, "460002", SPOUSE, archive_no="460002-2026-0007")
    report = service.import_file(book(tmp_path / "460001.xlsx"))
    assert report.errors == [] and report.written
    [warning] = cross_unit(report)
    assert (warning["sheet"], warning["row"], warning["value"]) == ("家庭成员", 2, SPOUSE)
    assert "单位460001（省财贸工会）的档案CM2015001" in warning["message"]
    assert f"单位460002（省旅游工会）的档案{other_no}（本数据库中）" in warning["message"]


def test_a_head_in_the_workbook_who_is_a_member_at_another_unit_is_a_warning(
        db, actor, make_household, service, tmp_path):
    """The other way round: 赵强 (OTHER) heads CM2015002 in the workbook and is a member of a household at 460002."""
    h = make_household(41, name="孙丽", unit_code="460002", members=1)
    h.members[0].name, h.members[0].id_number, h.members[0].relation = "赵强", OTHER, "配偶"
    h.members[0].gender, h.members[0].birth_date = "", None
    ArchiveService(db, actor).save(h)
    report = service.import_file(book(tmp_path / "460001.xlsx"))
    assert report.errors == [] and report.written
    [warning] = cross_unit(report)
    assert (warning["sheet"], warning["row"], warning["value"]) == ("困难职工档案", 3, OTHER)


def test_two_units_within_one_workbook_are_a_warning_not_an_error(service, tmp_path):
    """460001's workbook also brings its sub-unit 46000101: 王芳 heading a household there too is cross-unit."""
    data = sheets()
    data["单位"].append(["46000101", "省财贸工会海口分会", "460001", "基层"])
    row = list(data["困难职工档案"][1])
    row[0], row[6] = "CM2015009", "46000101"
    data["困难职工档案"].append(row)
    report = service.import_file(book(tmp_path / "b.xlsx", data))
    assert report.errors == [] and report.written
    [warning] = cross_unit(report)
    assert (warning["sheet"], warning["row"], warning["value"]) == ("困难职工档案", 2, HEAD)
    assert "单位460001（省财贸工会）的档案CM2015001" in warning["message"]
    assert "单位46000101（省财贸工会海口分会）的档案CM2015009" in warning["message"]
    assert "本数据库中" not in warning["message"]


def test_one_warning_per_person_however_many_units_hold_them(db, actor, make_household, service, tmp_path):
    at_centre = on_books_of(db, actor, make_household, "460000", OTHER, seq=40)
    at_tourism = on_books_of(db, actor, make_household, "460002", OTHER, seq=41)
    report = service.check(book(tmp_path / "460001.xlsx"))
    assert report.errors == []
    [warning] = cross_unit(report)
    assert all(no in warning["message"] for no in (at_centre, at_tourism, "CM2015002"))


def test_importing_the_same_workbook_again_warns_once_and_does_not_count_its_own_archive(
        db, actor, make_household, service, tmp_path):
    on_books_of(db, actor, make_household, "460000", OTHER)
    workbook = book(tmp_path / "460001.xlsx")
    assert len(cross_unit(service.import_file(workbook))) == 1
    again = service.import_file(workbook)
    assert again.errors == [] and len(cross_unit(again)) == 1
    assert "CM2015002（本数据库中）" not in cross_unit(again)[0]["message"]   # the workbook's own archive, not a second


def test_a_closed_archive_at_another_unit_is_no_duplicate(db, actor, make_household, service, tmp_path):
    hid = ArchiveService(db, actor).save(make_household(40, unit_code="460000", id_number=OTHER, members=0)
                                         ).household_id
    ArchiveService(db, actor).change_status(hid, "脱困", on=date(2026, 11, 1), reason="脱困")
    report = service.check(book(tmp_path / "460001.xlsx"))
    assert report.errors == [] and cross_unit(report) == []


def test_members_the_workbook_takes_off_a_household_no_longer_count_against_it(service, tmp_path):
    """李军 leaves 王芳's household (CM2015001's member list no longer has him) and heads his own in the same unit."""
    assert service.import_file(book(tmp_path / "first.xlsx")).written
    data = sheets()
    data["家庭成员"] = [data["家庭成员"][0], ["CM2015001", "李小明", "子", CHILD, "学生", 0]]
    row = list(data["困难职工档案"][2])
    row[0:3] = ["CM2015003", "李军", SPOUSE]
    data["困难职工档案"].append(row)
    report = service.import_file(book(tmp_path / "second.xlsx", data))
    assert report.errors == [] and report.written


def test_a_stored_member_the_workbook_leaves_in_place_still_counts(service, tmp_path):
    """Without CM2015001 in the newer workbook, 李军 stays its member: heading another household there is an error."""
    assert service.import_file(book(tmp_path / "first.xlsx")).written
    data = sheets(家庭成员=None, 帮扶明细=None, 核查记录=None)
    row = list(data["困难职工档案"][2])
    row[0:3] = ["CM2015003", "李军", SPOUSE]
    data["困难职工档案"] = [data["困难职工档案"][0], data["困难职工档案"][2], row]
    report = service.check(book(tmp_path / "second.xlsx", data))
    [error] = [e.as_dict() for e in report.errors]
    assert (error["sheet"], error["row"], error["value"]) == ("困难职工档案", 3, SPOUSE)
    assert "已在数据库的在档档案CM2015001中（同属单位460001）" in error["message"]


@pytest.fixture
def service(db, actor):
    return ExchangeImportService(db, actor)
