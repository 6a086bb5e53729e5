"""Cross-unit duplicates at the centre: one person 在档 in two units' archives, one person aided by two units."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from aiddesk.cli import main
from aiddesk.core.pinyin import pinyin_keys
from aiddesk.db import households as household_repo
from aiddesk.services.archive import ArchiveService
from aiddesk.services.duplicate_workbooks import table_rows, write_duplicates_xlsx
from aiddesk.services.duplicates import AIDED_TWICE, IN_ARCHIVES, duplicates

STAMP = "2015-12-31 10:00:00"


def copy_into(db, h, unit: str, archive_no: str, **changes) -> int:
    """Store a household under another unit as an imported workbook would (the archive's own checks bypassed)."""
    h = replace(h, id=None, unit_code=unit, archive_no=archive_no, members=list(h.members), **changes)
    initials, full = pinyin_keys(h.name)
    with db.transaction() as conn:
        return household_repo.insert_household(conn, h, initials=initials, pinyin=full, updated_at=STAMP)


def paid_batch(db, unit: str, code: str, lines: list[tuple], *, year: int = 2015, status: str = "已发放") -> int:
    """A batch of ``unit`` with its paid lines (household id, name, ID number, 救助类别, amount, 发放日期, state)."""
    with db.transaction() as conn:
        batch_id = conn.execute(
            "INSERT INTO batches (code, name, activity, year, unit_code, fund_sources, status, clerk, paid_on,"
            " created_at, updated_at) VALUES (?, ?, '生活救助', ?, ?, '省总工会经费', ?, '经办人', ?, ?, ?)",
            (code, f"{code}批次", year, unit, status, f"{year}-12-01", STAMP, STAMP)).lastrowid
        for i, (household_id, name, number, category, amount, paid_on, *state) in enumerate(lines, start=1):
            conn.execute(
                "INSERT INTO aid_records (record_no, batch_id, household_id, recipient_name, recipient_id_number,"
                " aid_category, fund_source, amount_fen, paid_on, state, created_by, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, '省总工会经费', ?, ?, ?, '经办人', ?)",
                (f"{code}-{i:04d}", batch_id, household_id, name, number, category, int(Decimal(amount) * 100),
                 paid_on, state[0] if state else "有效", STAMP))
    return batch_id


@pytest.fixture
def centre(db, actor, make_household):
    """460001 and 460002 each keep 张三 (same ID) open; 李梅 is aided 生活救助 in 2015 by both units."""
    archive = ArchiveService(db, actor)
    zhang = make_household(1, name="张三", unit_code="460001")
    zhang_id = archive.save(zhang).household_id
    zhang = archive.get(zhang_id)
    zhang_copy = copy_into(db, zhang, "460002", "460002-2015-0001", archive_status="临时")
    li = archive.get(archive.save(make_household(5, name="李梅", unit_code="460001", members=0)).household_id)
    li_copy = copy_into(db, li, "460002", "460002-2015-0002", archive_status="脱困", exit_date=date(2015, 6, 1),
                        exit_reason="脱困")
    wang = archive.get(archive.save(make_household(9, name="王海", unit_code="460002", members=0)).household_id)
    a = paid_batch(db, "460001", "460001-2015-SH01", [
        (li.id, "李梅", li.id_number, "生活救助", "800.00", "2015-12-10"),
        (wang.id, "王海", wang.id_number, "生活救助", "800.00", "2015-12-10")])
    b = paid_batch(db, "460002", "460002-2015-SH01", [
        (li_copy, "李梅", li.id_number, "生活救助", "500.00", "2015-12-20"),
        (wang.id, "王海", wang.id_number, "医疗救助", "3000.00", "2015-12-20")])
    return {"zhang": zhang, "zhang_copy": zhang_copy, "li": li, "li_copy": li_copy, "wang": wang, "batches": (a, b)}


def test_one_person_open_in_two_units_and_one_aided_by_both(db, centre):
    zhang, li = centre["zhang"], centre["li"]
    found = duplicates(db, 2015)
    people = sorted([zhang.id_number, *(m.id_number for m in zhang.members)])
    assert [(d.kind, d.id_number) for d in found] == [(IN_ARCHIVES, n) for n in people] + [(AIDED_TWICE, li.id_number)]
    open_dup, aid_dup = next(d for d in found if d.id_number == zhang.id_number), found[-1]
    assert [(e.unit, e.archive_no, e.name, e.relation, e.archive_status) for e in open_dup.entries] == [
        ("460001", zhang.archive_no, "张三", "户主", "在档"),
        ("460002", "460002-2015-0001", "张三", "户主", "临时")]
    assert open_dup.entries[1].household_id == centre["zhang_copy"]
    assert [(e.unit, e.record_no, e.category, e.amount, e.paid_on) for e in aid_dup.entries] == [
        ("460001", "460001-2015-SH01-0001", "生活救助", Decimal("800.00"), "2015-12-10"),
        ("460002", "460002-2015-SH01-0001", "生活救助", Decimal("500.00"), "2015-12-20")]
    assert [e.batch_id for e in aid_dup.entries] == list(centre["batches"])
    assert aid_dup.units == ["460001", "460002"] and aid_dup.category == "生活救助"


def test_members_count_as_well_as_heads(db, centre):
    """张三's wife 李四 is a member in both units' copies; a member of one and head in another counts too."""
    zhang = centre["zhang"]
    wife = zhang.members[0]
    found = {d.id_number: d for d in duplicates(db, 2015) if d.kind == IN_ARCHIVES}
    assert wife.id_number in found
    assert [(e.unit, e.name, e.relation) for e in found[wife.id_number].entries] == [
        ("460001", "李四", "配偶"), ("460002", "李四", "配偶")]
    assert set(found) == {zhang.id_number, *(m.id_number for m in zhang.members)}


def test_a_closed_archive_or_one_unit_only_is_no_duplicate(db, centre):
    """李梅's copy in 460002 is 脱困: not open, so 李梅 is not 在档重复 (she is only 重复救助)."""
    li = centre["li"]
    assert li.id_number not in {d.id_number for d in duplicates(db, 2015) if d.kind == IN_ARCHIVES}
    db.conn.execute("UPDATE households SET archive_status = '注销' WHERE id = ?", (centre["zhang_copy"],))
    assert [d for d in duplicates(db, 2015) if d.kind == IN_ARCHIVES] == []


def test_aid_is_not_counted_across_years_or_categories_or_when_removed(db, centre):
    wang, li = centre["wang"], centre["li"]
    # 王海 had 生活救助 from 460001 and 医疗救助 from 460002: two categories, no duplicate.
    assert wang.id_number not in {d.id_number for d in duplicates(db, 2015)}
    # 460002 aiding 李梅 again in 2016 is not a 2015 duplicate, nor a 2016 one (only one unit in 2016).
    paid_batch(db, "460002", "460002-2016-SH01", [(li.id, "李梅", li.id_number, "生活救助", "500.00", "2016-01-05")],
               year=2016)
    assert [d for d in duplicates(db, 2016) if d.kind == AIDED_TWICE] == []
    # Two units in 2016 make one; a removed line (已移除) or an unpaid one does not.
    paid_batch(db, "460001", "460001-2016-SH01", [(li.id, "李梅", li.id_number, "生活救助", "300.00", "2016-02-05")],
               year=2016)
    assert [(d.kind, len(d.entries)) for d in duplicates(db, 2016) if d.kind == AIDED_TWICE] == [(AIDED_TWICE, 2)]
    db.conn.execute("UPDATE aid_records SET state = '已移除' WHERE record_no = '460001-2016-SH01-0001'")
    assert [d for d in duplicates(db, 2016) if d.kind == AIDED_TWICE] == []
    paid_batch(db, "460001", "460001-2016-SH02", [(li.id, "李梅", li.id_number, "生活救助", "300.00", None)],
               year=2016, status="已审批")
    assert [d for d in duplicates(db, 2016) if d.kind == AIDED_TWICE] == []


def test_the_same_unit_twice_is_no_cross_unit_duplicate(db, centre):
    wang = centre["wang"]
    paid_batch(db, "460002", "460002-2015-YL02", [(wang.id, "王海", wang.id_number, "医疗救助", "100.00", "2015-12-28")])
    assert wang.id_number not in {d.id_number for d in duplicates(db, 2015)}


def test_json_shape(db, centre):
    li = centre["li"]
    out = [d.to_json() for d in duplicates(db, 2015)]
    assert [list(d) for d in out] == [["id_number", "kind", "entries", "conclusion"]] * 4
    assert out[-1] == {"id_number": li.id_number, "kind": "重复救助", "conclusion": None, "entries": [
        {"unit": "460001", "单位名称": "省财贸工会", "明细编号": "460001-2015-SH01-0001", "批次编号": "460001-2015-SH01",
         "档案编号": li.archive_no, "姓名": "李梅", "救助类别": "生活救助", "资金来源": "省总工会经费", "金额": "800.00",
         "发放日期": "2015-12-10"},
        {"unit": "460002", "单位名称": "省旅游工会", "明细编号": "460002-2015-SH01-0001", "批次编号": "460002-2015-SH01",
         "档案编号": "460002-2015-0002", "姓名": "李梅", "救助类别": "生活救助", "资金来源": "省总工会经费", "金额": "500.00",
         "发放日期": "2015-12-20"}]}
    first = next(d for d in out if d["id_number"] == centre["zhang"].id_number)["entries"][0]
    assert first == {"unit": "460001", "单位名称": "省财贸工会", "档案编号": centre["zhang"].archive_no, "姓名": "张三",
                     "关系": "户主", "档案状态": "在档", "困难类别": "低保户"}


def test_command_line_prints_the_list(db, centre, capsys):
    expected = [d.to_json() for d in duplicates(db, 2015)]
    path = str(db.path)
    db.close()
    assert main(["--db", path, "report", "duplicates", "--year", "2015", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == expected and len(printed) == 4  # 张三 and his two members, 李梅
    assert main(["--db", path, "report", "duplicates", "--year", "2030", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == [
        d for d in expected if d["kind"] == "在档重复"]  # the archives' duplicates stand in any year


def test_command_line_summary_without_json(db, centre, capsys):
    path = str(db.path)
    db.close()
    assert main(["--db", path, "report", "duplicates", "--year", "2015"]) == 0
    out = capsys.readouterr().out
    assert "在档重复 3 人" in out and "重复救助 1 项" in out and centre["li"].id_number in out


def test_workbook(db, centre, tmp_path):
    found = duplicates(db, 2015)
    out = tmp_path / "重复.xlsx"
    assert write_duplicates_xlsx(found, out, year=2015) == len(table_rows(found)) == 8
    ws = load_workbook(out).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:6] == ("身份证号", "类型", "单位代码", "单位名称", "档案编号", "姓名")
    aid = [r for r in rows[1:] if r[1] == "重复救助"]
    assert [(r[0], r[2], r[8], r[10], Decimal(str(r[12]))) for r in aid] == [
        (centre["li"].id_number, "460001", "460001-2015-SH01-0001", "生活救助", Decimal("800")),
        (centre["li"].id_number, "460002", "460002-2015-SH01-0001", "生活救助", Decimal("500"))]
    assert ws.cell(2, 1).data_type == "s"  # ID numbers stay text
