"""Cross-unit duplicates worked to a conclusion: recorded with who and when, audited, changed, withdrawn, kept across
re-imports by the case's key, in the command line's JSON, and in one workbook per unit."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from openpyxl import load_workbook
import test_duplicates
from test_duplicates import copy_into, paid_batch

from aiddesk.cli import main
from aiddesk.core.duplicate_conclusions import conclusion_kinds
from aiddesk.core.errors import UserError, ValidationError
from aiddesk.db.audit import Actor
from aiddesk.services.archive import ArchiveService
from aiddesk.services.duplicate_workbooks import HEADERS, unit_workbook_name, write_unit_workbooks
from aiddesk.services.duplicates import AIDED_TWICE, IN_ARCHIVES, DuplicateService, duplicates
from aiddesk.services.exchange_import import ExchangeImportService

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "exchange"))
from test_import_validation import OTHER, book, sheets  # noqa: E402  (the import tests' workbook builder)

centre = test_duplicates.centre   # the fixture: 张三 open at 460001 and 460002, 李梅 aided by both, 王海
REVIEWER = Actor("zhoushen", "界面", ("审核人",))
CLERK = Actor("jingban", "界面", ("经办人",))
APPROVER = Actor("shenpi", "界面", ("审批人",))


def case_of(db, id_number: str, kind: str = IN_ARCHIVES, year: int = 2015):
    return next(d for d in duplicates(db, year) if d.id_number == id_number and d.kind == kind)


def audit(db) -> list[tuple]:
    return [(r[0], r[1], r[2], json.loads(r[3] or "null"), json.loads(r[4] or "null")) for r in db.conn.execute(
        "SELECT user, row_key, action, old_values, new_values FROM audit_log WHERE table_name = 'duplicate_conclusions'"
        " ORDER BY id")]


def test_the_conclusion_kinds_come_from_the_code_list_in_resources():
    kinds = [k.kind for k in conclusion_kinds()]
    assert kinds == ["同一人，保留某单位档案", "已转档", "不同人，身份证号录入有误", "重复救助已追回", "其他"]
    assert "重复救助已追回" not in [k.kind for k in conclusion_kinds(IN_ARCHIVES)]
    assert [k.kind for k in conclusion_kinds() if k.note_required] == ["其他"]


def test_a_conclusion_is_recorded_with_who_and_when_and_the_case_leaves_the_to_do_list(db, centre, clock):
    zhang = centre["zhang"]
    case = case_of(db, zhang.id_number)
    made = DuplicateService(db, REVIEWER).conclude(case, "同一人，保留某单位档案", unit="460001",
                                                   note="  经与两单位核实，系同一人  ")
    assert (made.by, made.at, made.note) == ("zhoushen", clock.stamp(), "经与两单位核实，系同一人")
    again = case_of(db, zhang.id_number)
    assert again.conclusion == made
    assert again.conclusion_text() == "同一人，保留省财贸工会（460001）的档案"
    still_open = [d for d in duplicates(db, 2015) if d.conclusion is None]
    assert again.key not in [d.key for d in still_open] and len(still_open) == 3   # his wife, his son, 李梅
    [entry] = audit(db)
    assert entry[:3] == ("zhoushen", f"在档重复·{zhang.id_number}·460001、460002", "insert")
    assert entry[4]["conclusion"] == "同一人，保留省财贸工会（460001）的档案" and entry[4]["unit"] == "460001"


def test_each_kind_asks_for_what_it_needs(db, centre):
    service = DuplicateService(db, CLERK)
    case = case_of(db, centre["zhang"].id_number)
    aid = case_of(db, centre["li"].id_number, AIDED_TWICE)

    def problems(c, kind, **given) -> dict:
        with pytest.raises(ValidationError) as info:
            service.conclude(c, kind, **given)
        return info.value.problems

    assert "请选择处理结论" in problems(case, "")["kind"]
    assert "不是在档重复可选的处理结论" in problems(case, "重复救助已追回")["kind"]
    assert "请选择保留哪个单位的档案" in problems(case, "同一人，保留某单位档案")["unit"]
    assert "不在这一重复涉及的单位" in problems(case, "同一人，保留某单位档案", unit="460000")["unit"]
    assert "哪一方录入有误" in problems(aid, "不同人，身份证号录入有误", unit="460001")["side"]
    assert "请写明说明" in problems(case, "其他", note="   ")["note"]
    assert "说明不能超过500个字" in problems(case, "已转档", note="很" * 501)["note"]
    assert audit(db) == [] and all(d.conclusion is None for d in duplicates(db, 2015))
    # A choice the kind does not ask for is not kept.
    assert service.conclude(aid, "重复救助已追回", unit="460001", side="460002").to_json() == {
        "kind": "重复救助已追回", "note": "", "by": "jingban", "at": "2026-11-26T09:00:00"}


def test_only_staff_who_follow_findings_up_may_conclude(db, centre):
    case = case_of(db, centre["zhang"].id_number)
    with pytest.raises(UserError, match="没有此权限"):
        DuplicateService(db, APPROVER).conclude(case, "已转档")
    assert case_of(db, centre["zhang"].id_number).conclusion is None


def test_a_conclusion_can_be_changed_and_withdrawn_each_audited(db, centre):
    service = DuplicateService(db, REVIEWER)
    number = centre["li"].id_number
    service.conclude(case_of(db, number, AIDED_TWICE), "不同人，身份证号录入有误", side="460002")
    service.conclude(case_of(db, number, AIDED_TWICE), "其他", note="两单位各自救助，经批准保留")
    assert case_of(db, number, AIDED_TWICE).conclusion_text() == "其他：两单位各自救助，经批准保留"
    service.withdraw(case_of(db, number, AIDED_TWICE))
    assert case_of(db, number, AIDED_TWICE).conclusion is None
    assert [(action, (old or {}).get("kind"), (new or {}).get("kind")) for _u, _k, action, old, new in audit(db)] == [
        ("insert", None, "不同人，身份证号录入有误"), ("update", "不同人，身份证号录入有误", "其他"),
        ("delete", "其他", None)]
    assert audit(db)[0][1] == f"重复救助·2015年生活救助·{number}·460001、460002"
    assert audit(db)[0][4]["conclusion"] == "不同人，省旅游工会（460002）的身份证号录入有误"
    with pytest.raises(UserError, match="还没有处理结论"):
        service.withdraw(case_of(db, number, AIDED_TWICE))


def test_a_case_worked_meanwhile_at_another_pc_is_refused_until_refreshed(db, centre):
    seen = case_of(db, centre["zhang"].id_number)                     # both read the list
    DuplicateService(db, CLERK).conclude(seen, "已转档")                # one concludes
    with pytest.raises(UserError, match="已由jingban于2026-11-26 09:00:00处理为“已转档”"):
        DuplicateService(db, REVIEWER).conclude(seen, "其他", note="另一结论")
    with pytest.raises(UserError, match="请刷新"):
        DuplicateService(db, REVIEWER).withdraw(replace_conclusion(seen))
    fresh = case_of(db, centre["zhang"].id_number)
    DuplicateService(db, REVIEWER).withdraw(fresh)
    with pytest.raises(UserError, match="已被别人撤销"):
        DuplicateService(db, CLERK).conclude(fresh, "已转档")
    assert [a for _u, _k, a, _o, _n in audit(db)] == ["insert", "delete"]


def replace_conclusion(case):
    """The case as a list read before anyone concluded it would hold it (no conclusion), though it has one now."""
    return replace(case, conclusion=None)


def test_the_command_line_json_keeps_its_shape_and_adds_each_items_conclusion(db, centre, capsys):
    zhang, li = centre["zhang"], centre["li"]
    service = DuplicateService(db, REVIEWER)
    service.conclude(case_of(db, zhang.id_number), "同一人，保留某单位档案", unit="460002", note="已核实")
    wife = zhang.members[0].id_number
    service.conclude(case_of(db, wife), "不同人，身份证号录入有误", side="460001")
    service.conclude(case_of(db, li.id_number, AIDED_TWICE), "重复救助已追回", note="已追回500元")
    path = str(db.path)
    db.close()
    assert main(["--db", path, "report", "duplicates", "--year", "2015", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert [list(item) for item in printed] == [["id_number", "kind", "entries", "conclusion"]] * 4
    by_number = {(d["id_number"], d["kind"]): d["conclusion"] for d in printed}
    assert by_number[(zhang.id_number, "在档重复")] == {"kind": "同一人，保留某单位档案", "unit": "460002",
                                                      "note": "已核实", "by": "zhoushen", "at": "2026-11-26T09:00:00"}
    assert by_number[(wife, "在档重复")] == {"kind": "不同人，身份证号录入有误", "side": "460001", "note": "",
                                           "by": "zhoushen", "at": "2026-11-26T09:00:00"}
    assert by_number[(li.id_number, "重复救助")] == {"kind": "重复救助已追回", "note": "已追回500元",
                                                  "by": "zhoushen", "at": "2026-11-26T09:00:00"}
    assert by_number[(zhang.members[1].id_number, "在档重复")] is None
    assert main(["--db", path, "report", "duplicates", "--year", "2015"]) == 0
    text = capsys.readouterr().out
    assert "在档重复 3 人（未处理 1），重复救助 1 项（未处理 0）" in text
    assert "处理结论：同一人，保留省旅游工会（460002）的档案（zhoushen，2026-11-26 09:00:00）" in text


# ---- re-imports keep the conclusions that still apply ---------------------------------------------------------

def sub_unit_book(tmp_path, name: str, *, status: str = "在档", record_no: str = "M2015-0002"):
    """460001's workbook (tests/exchange's builder) with 赵强 (OTHER) as given, his 2015 生活救助 line numbered
    ``record_no``."""
    data = sheets()
    households = data["困难职工档案"]
    households[2][4] = status
    if status != "在档":
        households[2][12:14] = ["2015-12-01", "脱困"]
    data["帮扶明细"][2][0] = record_no
    return book(tmp_path / name, data)


def import_book(db, actor, path):
    report = ExchangeImportService(db, actor).import_file(path)
    assert report.errors == [] and report.written, [e.as_dict() for e in report.errors]
    return report


@pytest.fixture
def consolidated(db, actor, make_household):
    """The centre (460000) has 赵强 on its own books and aided him 生活救助 in 2015; 460001's workbook has him too."""
    h = make_household(40, name="赵强", unit_code="460000", id_number=OTHER, members=0)
    hid = ArchiveService(db, actor).save(h).household_id
    paid_batch(db, "460000", "460000-2015-SH01", [(hid, "赵强", OTHER, "生活救助", "600.00", "2015-06-01")])
    return OTHER


def test_a_reimport_of_a_unit_keeps_the_conclusions_that_still_apply(db, actor, consolidated, tmp_path):
    number = consolidated
    import_book(db, actor, sub_unit_book(tmp_path, "first.xlsx"))
    service = DuplicateService(db, REVIEWER)
    service.conclude(case_of(db, number), "同一人，保留某单位档案", unit="460000")
    service.conclude(case_of(db, number, AIDED_TWICE), "重复救助已追回", note="460001已追回")
    old_ids = {r[0] for r in db.conn.execute("SELECT id FROM aid_records")}

    # A newer export of the same year whose line for him has another 明细编号: new rows, the same cases.
    import_book(db, actor, sub_unit_book(tmp_path, "newer.xlsx", record_no="M2015-0002B"))
    assert {r[0] for r in db.conn.execute("SELECT id FROM aid_records")} != old_ids
    assert case_of(db, number).conclusion_text() == "同一人，保留海南省职工服务中心（460000）的档案"
    assert case_of(db, number, AIDED_TWICE).conclusion.note == "460001已追回"
    assert [e.record_no for e in case_of(db, number, AIDED_TWICE).entries] == ["460000-2015-SH01-0001",
                                                                               "M2015-0002B"]


def test_a_conclusion_whose_case_is_gone_is_kept_and_comes_back_with_the_case(db, actor, consolidated, tmp_path):
    number = consolidated
    import_book(db, actor, sub_unit_book(tmp_path, "first.xlsx"))
    DuplicateService(db, REVIEWER).conclude(case_of(db, number), "已转档", note="2015年调入中心")
    import_book(db, actor, sub_unit_book(tmp_path, "closed.xlsx", status="脱困"))     # 460001 closes its archive
    assert number not in {d.id_number for d in duplicates(db, 2015) if d.kind == IN_ARCHIVES}
    assert db.conn.execute("SELECT count(*) FROM duplicate_conclusions").fetchone()[0] == 1
    import_book(db, actor, sub_unit_book(tmp_path, "reopened.xlsx"))                 # and opens it again
    assert case_of(db, number).conclusion_text() == "已转档"


def test_a_case_with_another_set_of_units_is_a_new_case_to_work(db, actor, make_household, consolidated, tmp_path):
    number = consolidated
    import_book(db, actor, sub_unit_book(tmp_path, "first.xlsx"))
    DuplicateService(db, REVIEWER).conclude(case_of(db, number), "已转档")
    ArchiveService(db, actor).save(make_household(41, name="赵强", unit_code="460002", id_number=number, members=0))
    widened = case_of(db, number)
    assert widened.units == ["460000", "460001", "460002"] and widened.conclusion is None


# ---- one workbook per unit ------------------------------------------------------------------------------------

def test_each_unit_gets_a_workbook_of_its_own_cases_with_every_side_and_the_conclusion(db, centre, tmp_path):
    zhang = centre["zhang"]
    # 王海 (460002) is open at the centre too: a case 460000–460002, none of 460001's business.
    copy_into(db, centre["wang"], "460000", "460000-2015-0009")
    DuplicateService(db, REVIEWER).conclude(case_of(db, zhang.id_number), "同一人，保留某单位档案", unit="460001")
    found = duplicates(db, 2015)
    written = write_unit_workbooks(found, tmp_path, year=2015)
    assert [(unit, path.name, cases) for unit, path, cases in written] == [
        ("460000", "460000_海南省职工服务中心_跨单位重复_2015.xlsx", 1),
        ("460001", "460001_省财贸工会_跨单位重复_2015.xlsx", 4),
        ("460002", "460002_省旅游工会_跨单位重复_2015.xlsx", 5)]
    ws = load_workbook(tmp_path / "460001_省财贸工会_跨单位重复_2015.xlsx").active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == HEADERS
    assert centre["wang"].id_number not in {r[0] for r in rows}
    his = [r for r in rows[1:] if r[0] == zhang.id_number]
    assert [(r[2], r[4]) for r in his] == [("460001", zhang.archive_no), ("460002", "460002-2015-0001")]
    assert all(r[15] == "同一人，保留省财贸工会（460001）的档案" and r[16] == "zhoushen" for r in his)
    assert his[0][14] == "2026-03-01"                                    # 建档日期 of each side
    aid = [r for r in rows[1:] if r[1] == "重复救助"]
    assert [(r[2], r[8], r[12], r[13]) for r in aid] == [("460001", "460001-2015-SH01-0001", 800, "2015-12-10"),
                                                         ("460002", "460002-2015-SH01-0001", 500, "2015-12-20")]
    assert ws.cell(2, 1).data_type == "s" and ws.cell(2, 3).data_type == "s"   # ID numbers and codes stay text
    assert ws.print_title_rows == "$1:$1" and ws.page_setup.orientation == "landscape"
    assert ws.column_dimensions["I"].width >= len("460001-2015-SH01-0001")     # 明细编号 not cut off


def test_unit_names_that_no_file_name_may_hold_are_replaced():
    assert unit_workbook_name("46/01", '财贸:工会*"分会"', 2015) == "46_01_财贸_工会__分会__跨单位重复_2015.xlsx"


def test_the_command_line_writes_a_workbook_per_unit(db, centre, tmp_path, capsys):
    path = str(db.path)
    db.close()
    out = tmp_path / "各单位"
    assert main(["--db", path, "report", "duplicates", "--year", "2015", "--per-unit", str(out)]) == 1
    assert "找不到文件夹" in capsys.readouterr().err
    out.mkdir()
    assert main(["--db", path, "report", "duplicates", "--year", "2015", "--json", "--per-unit", str(out)]) == 0
    captured = capsys.readouterr()
    assert len(json.loads(captured.out)) == 4
    assert sorted(p.name for p in out.iterdir()) == ["460001_省财贸工会_跨单位重复_2015.xlsx",
                                                     "460002_省旅游工会_跨单位重复_2015.xlsx"]
    assert "460001_省财贸工会_跨单位重复_2015.xlsx（4 项）" in captured.err
