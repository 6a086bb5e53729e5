"""The archive service: saving, 一户一档, validation, status changes, attachments, suggestion, history."""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from aiddesk.core.errors import UserError, ValidationError
from aiddesk.core.idcard import make_id
from aiddesk.db.audit import Actor
from aiddesk.services.archive import ArchiveService

TODAY = date(2026, 11, 26)
TABLES = ("households", "members", "attachments", "audit_log")


@pytest.fixture
def archive(db, actor):
    return ArchiveService(db, actor)


def counts(db) -> dict[str, int]:
    return {t: db.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def row(db, household_id: int) -> sqlite3.Row:
    return db.conn.execute("SELECT * FROM households WHERE id = ?", (household_id,)).fetchone()


def bad_check_digit(number: str) -> str:
    wrong = "0" if number[-1] != "0" else "1"
    return number[:-1] + wrong


# ---- saving a new household ----------------------------------------------------------


def test_save_new_assigns_archive_no_and_computes_per_capita(db, archive, make_household, actor):
    h = make_household(1)
    result = archive.save(h)
    assert result.archive_no == "460001-2026-0001"
    assert result.warnings == ()
    saved = archive.get(result.household_id)
    assert saved.archive_no == "460001-2026-0001"
    # (900 + 300 + 0) × 12 + 1200 = 15600 a year; (1200 + 1200/12) / 3 = 433.33 a month each.
    assert saved.annual_income == Decimal("15600.00")
    assert saved.per_capita_income == Decimal("433.33")
    assert saved.dibao_line == Decimal("700.00")  # 海口 (460100) 2026
    assert saved.rule_set == "national_2010"
    assert saved.household_size == 3
    assert saved.created_by == actor.username
    assert saved.gender == "男" and saved.birth_date == date(1975, 3, 2)  # filled in from the ID number
    assert saved.hukou_area_code == "460100"
    assert [m.name for m in saved.members] == ["李四", "张小明"]
    assert saved.updated_at
    r = row(db, result.household_id)
    assert r["per_capita_income_fen"] == 43333
    assert r["annual_income_fen"] == 1560000
    assert r["name_initials"] == " zs" and r["name_pinyin"] == " zhangsan"  # leading space: one instr per row
    # The caller's object is not changed by saving.
    assert h.id is None and h.archive_no == ""


def test_money_round_trips_exactly_through_fen(db, archive, make_household):
    h = make_household(1, monthly_income=Decimal("1234.56"), other_annual_income=Decimal("0.07"),
                       rigid_expenses=Decimal("99.99"), hardship_costs=Decimal("0.10"))
    h.members[0].monthly_income = Decimal("300.01")
    result = archive.save(h)
    r = row(db, result.household_id)
    assert (r["monthly_income_fen"], r["other_annual_income_fen"], r["rigid_expenses_fen"],
            r["hardship_costs_fen"]) == (123456, 7, 9999, 10)
    assert db.conn.execute("SELECT monthly_income_fen FROM members WHERE household_id = ? AND seq = 1",
                           (result.household_id,)).fetchone()[0] == 30001
    saved = archive.get(result.household_id)
    assert saved.monthly_income == Decimal("1234.56") and str(saved.monthly_income) == "1234.56"
    assert str(saved.other_annual_income) == "0.07"
    assert str(saved.rigid_expenses) == "99.99"
    assert str(saved.hardship_costs) == "0.10"
    assert str(saved.members[0].monthly_income) == "300.01"
    assert str(saved.members[1].monthly_income) == "0.00"
    assert all(isinstance(v, Decimal) for v in (saved.monthly_income, saved.per_capita_income, saved.annual_income))
    # (1234.56 + 300.01) × 12 + 0.07; (1534.57 + 0.01) / 3 = 511.526… → 511.53
    assert saved.annual_income == Decimal("18414.91")
    assert saved.per_capita_income == Decimal("511.53")


def test_amount_with_more_than_two_decimals_is_refused_and_nothing_saved(db, archive, make_household):
    before = counts(db)
    with pytest.raises(UserError, match="两位小数"):
        archive.save(make_household(1, other_annual_income=Decimal("100.005")))
    assert counts(db) == before


def test_unknown_unit_is_refused(db, archive, make_household):
    with pytest.raises(ValidationError) as info:
        archive.save(make_household(1, unit_code="999999"))
    assert "999999" in info.value.problems["unit_code"]
    assert counts(db)["households"] == 0


# ---- updating ------------------------------------------------------------------------


def test_update_logs_only_changed_fields(archive, make_household, actor):
    result = archive.save(make_household(1))
    h = archive.get(result.household_id)
    h.phone = "139 0000 1111"
    h.address = "海口市美兰区海甸岛2号"
    again = archive.save(h)
    assert again.household_id == result.household_id and again.archive_no == result.archive_no
    saved = archive.get(result.household_id)
    assert saved.phone == "13900001111"
    assert saved.address == "海口市美兰区海甸岛2号"
    entry = archive.history(result.household_id)[0]
    assert (entry.action, entry.user, entry.via, entry.table) == ("update", actor.username, actor.via, "households")
    assert entry.key == result.archive_no
    assert entry.old == {"phone": "13812345678", "address": "海口市龙华区金贸路1号"}
    assert entry.new == {"phone": "13900001111", "address": "海口市美兰区海甸岛2号"}


def test_update_of_members_and_income_is_logged(archive, make_household):
    result = archive.save(make_household(1))
    h = archive.get(result.household_id)
    h.members[0].monthly_income = Decimal("600.00")
    archive.save(h)
    saved = archive.get(result.household_id)
    assert saved.per_capita_income == Decimal("533.33")  # (900 + 600 + 100) / 3
    entry = archive.history(result.household_id)[0]
    assert set(entry.new) == {"members", "annual_income", "per_capita_income"}
    assert entry.old["per_capita_income"] == "433.33" and entry.new["per_capita_income"] == "533.33"
    assert "月收入600.00" in entry.new["members"] and "月收入300.00" in entry.old["members"]


def test_saving_unchanged_household_logs_nothing(archive, make_household):
    result = archive.save(make_household(1))
    archive.save(archive.get(result.household_id))
    assert [e.action for e in archive.history(result.household_id)] == ["insert"]


def test_stale_edit_is_refused(db, archive, make_household):
    result = archive.save(make_household(1))
    mine = archive.get(result.household_id)
    theirs = archive.get(result.household_id)
    theirs.address = "别人改的地址"
    archive.save(theirs)
    mine.note = "我的修改"
    with pytest.raises(UserError, match="已被别人修改"):
        archive.save(mine)
    saved = archive.get(result.household_id)
    assert saved.address == "别人改的地址" and saved.note == ""


def test_stale_edit_is_refused_after_an_old_timestamp(db, archive, make_household):
    result = archive.save(make_household(1))
    with db.transaction() as conn:
        conn.execute("UPDATE households SET updated_at = '2026-01-01T08:00:00' WHERE id = ?", (result.household_id,))
    mine = archive.get(result.household_id)
    archive.save(replace(archive.get(result.household_id), address="别人改的地址"))
    mine.note = "我的修改"
    with pytest.raises(UserError, match="已被别人修改"):
        archive.save(mine)
    assert archive.get(result.household_id).note == ""


def test_status_cannot_be_changed_through_the_form(archive, make_household):
    result = archive.save(make_household(1))
    h = archive.get(result.household_id)
    h.archive_status = "脱困"
    with pytest.raises(UserError, match="档案状态"):
        archive.save(h)
    assert archive.get(result.household_id).archive_status == "在档"


# ---- 一户一档 and duplicates ----------------------------------------------------------


def test_head_id_already_in_an_open_archive_is_refused(db, archive, make_household):
    first = archive.save(make_household(1))
    before = counts(db)
    twin = make_household(2, name="张三丰")
    twin.id_number = make_household(1).id_number
    with pytest.raises(ValidationError) as info:
        archive.save(twin)
    message = info.value.problems["id_number"]
    assert "一户一档" in message and first.archive_no in message and "张三" in message
    assert counts(db) == before


def test_member_id_already_in_an_open_archive_is_refused(db, archive, make_household):
    first = archive.save(make_household(1))
    other = make_household(2, name="王五")
    other.members[1].id_number = make_household(1).members[0].id_number  # 李四, 配偶 in the first
    before = counts(db)
    with pytest.raises(ValidationError) as info:
        archive.save(other)
    message = info.value.problems["members.2.id_number"]
    assert first.archive_no in message and "配偶" in message and "家庭成员" in message
    assert counts(db) == before


def test_head_of_one_archive_as_member_of_another_is_refused_on_update(archive, make_household):
    first = archive.save(make_household(1))
    second = archive.save(make_household(2, name="王五"))
    h = archive.get(second.household_id)
    h.members[0].id_number = make_household(1).id_number
    h.members[0].gender, h.members[0].birth_date = "", None  # filled in again from the new number
    with pytest.raises(ValidationError) as info:
        archive.save(h)
    assert first.archive_no in info.value.problems["members.1.id_number"]
    assert archive.get(second.household_id).members[0].id_number == make_household(2).members[0].id_number


def test_archive_no_in_use_is_refused(db, archive, make_household):
    first = archive.save(make_household(1))
    before = counts(db)
    with pytest.raises(ValidationError) as info:
        archive.save(make_household(2, name="王五", archive_no=first.archive_no))
    assert first.archive_no in info.value.problems["archive_no"] and "张三" in info.value.problems["archive_no"]
    assert counts(db) == before
    second = archive.save(make_household(2, name="王五", archive_no="460001-2026-0100"))
    h = archive.get(second.household_id)
    h.archive_no = first.archive_no
    with pytest.raises(ValidationError) as info:
        archive.save(h)
    assert "archive_no" in info.value.problems
    assert archive.get(second.household_id).archive_no == "460001-2026-0100"
    h = archive.get(first.household_id)
    h.note = "保存时保留自己的编号"
    assert archive.save(h).archive_no == first.archive_no


def test_same_id_twice_within_one_household_is_refused(archive, make_household):
    h = make_household(1)
    h.members[1].id_number = h.id_number
    with pytest.raises(ValidationError) as info:
        archive.save(h)
    assert "重复" in info.value.problems["members.2.id_number"]


def test_closed_archive_does_not_block_a_new_one(archive, make_household):
    first = archive.save(make_household(1))
    archive.change_status(first.household_id, "注销", on=date(2026, 6, 1), reason="不符合条件")
    again = archive.save(make_household(1))
    assert again.household_id != first.household_id
    assert again.archive_no == "460001-2026-0002"


def test_shared_bank_card_and_phone_only_warn(db, archive, make_household):
    first = archive.save(make_household(1))
    second = archive.save(make_household(2, name="王五"))  # same card and phone
    assert counts(db)["households"] == 2
    card = [w for w in second.warnings if "银行卡号" in w]
    phone = [w for w in second.warnings if "手机号码" in w]
    assert len(card) == 1 and first.archive_no in card[0] and "张三" in card[0]
    assert len(phone) == 1 and first.archive_no in phone[0]
    third = archive.save(make_household(3, name="赵六", phone="13700000000", bank_card="6222000011112222"))
    assert third.warnings == ()


# ---- validation -------------------------------------------------------------------------


def test_bad_check_digit_is_keyed_to_id_number(db, archive, make_household):
    h = make_household(1)
    h.id_number = bad_check_digit(h.id_number)
    with pytest.raises(ValidationError) as info:
        archive.save(h)
    assert "校验位" in info.value.problems["id_number"]
    assert info.value.field == "id_number"
    assert counts(db)["households"] == 0


def test_fifteen_digit_id_is_upgraded_with_a_warning(archive, make_household):
    h = make_household(1)
    full = h.id_number
    h.id_number = full[:6] + full[8:17]  # 460100 750302 003
    assert len(h.id_number) == 15
    result = archive.save(h)
    assert any("15位" in w and full in w for w in result.warnings)
    assert archive.get(result.household_id).id_number == full


def test_gender_mismatch_is_keyed_to_gender(archive, make_household):
    h = make_household(1, gender="女")  # odd sequence number: the ID says 男
    with pytest.raises(ValidationError) as info:
        archive.save(h)
    assert "性别" in info.value.problems["gender"] and "男" in info.value.problems["gender"]


def test_birth_date_mismatch_is_keyed_to_birth_date(archive, make_household):
    with pytest.raises(ValidationError) as info:
        archive.save(make_household(1, birth_date=date(1975, 3, 3)))
    assert "1975-03-02" in info.value.problems["birth_date"]


def test_member_bad_id_is_keyed_by_member_position(archive, make_household):
    h = make_household(1)
    h.members[0].id_number = bad_check_digit(h.members[0].id_number)
    with pytest.raises(ValidationError) as info:
        archive.save(h)
    message = info.value.problems["members.1.id_number"]
    assert "第1位家庭成员" in message and "李四" in message and "校验位" in message
    assert "members.2.id_number" not in info.value.problems


def test_several_problems_are_reported_together(archive, make_household):
    h = make_household(1, name=" ", phone="12345", hardship_category="", bank_card="62-22")
    h.members[1].relation = "工作单位"  # names no relation (表哥 does now: 表兄弟、表姐妹)
    with pytest.raises(ValidationError) as info:
        archive.save(h)
    assert {"name", "phone", "hardship_category", "bank_card", "members.2.relation"} <= set(info.value.problems)
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in msg) for msg in info.value.problems.values())


def test_new_archive_cannot_start_closed(archive, make_household):
    with pytest.raises(ValidationError) as info:
        archive.save(make_household(1, archive_status="脱困"))
    assert "archive_status" in info.value.problems


# ---- status changes -----------------------------------------------------------------------


def test_status_path_temporary_to_open_to_out_of_hardship(db, archive, make_household, actor):
    result = archive.save(make_household(1, archive_status="临时"))  # filed 1 March
    hid = result.household_id
    archive.change_status(hid, "在档", on=date(2026, 3, 9))
    assert archive.get(hid).archive_status == "在档"
    archive.change_status(hid, "脱困", on=date(2026, 11, 1), reason="脱困", note="再就业")
    h = archive.get(hid)
    assert (h.archive_status, h.exit_date, h.exit_reason, h.exit_note) == ("脱困", date(2026, 11, 1), "脱困", "再就业")
    entry = archive.history(hid)[0]
    assert (entry.action, entry.user, entry.via) == ("status", actor.username, actor.via)
    assert entry.old["archive_status"] == "在档"
    assert entry.new == {"archive_status": "脱困", "exit_date": "2026-11-01", "exit_reason": "脱困",
                         "exit_note": "再就业"}


def test_cancel_needs_a_valid_reason_and_date(archive, make_household):
    hid = archive.save(make_household(1)).household_id
    with pytest.raises(UserError) as info:
        archive.change_status(hid, "注销", on=date(2026, 11, 1), reason="脱困")
    assert info.value.field == "exit_reason" and "退休" in str(info.value) and "死亡" in str(info.value)
    with pytest.raises(UserError) as info:
        archive.change_status(hid, "注销", reason="死亡")
    assert info.value.field == "exit_date"
    with pytest.raises(UserError, match="晚于今天"):
        archive.change_status(hid, "注销", on=date(2026, 11, 27), reason="死亡")
    with pytest.raises(UserError, match="早于建档日期"):
        archive.change_status(hid, "注销", on=date(2026, 2, 1), reason="死亡")
    assert archive.get(hid).archive_status == "在档"
    assert [e.action for e in archive.history(hid)] == ["insert"]
    for reason in ("退休", "死亡", "不符合条件", "其他"):
        other = archive.save(make_household(10 + len(reason), name="王五")).household_id
        archive.change_status(other, "注销", on=date(2026, 11, 1), reason=reason)
        assert archive.get(other).exit_reason == reason
    archive.change_status(hid, "注销", on=date(2026, 11, 1), reason="死亡")
    assert archive.get(hid).archive_status == "注销"


def test_illegal_transition_is_refused_with_reason(db, archive, make_household):
    hid = archive.save(make_household(1, archive_status="临时")).household_id
    before = counts(db)
    with pytest.raises(UserError) as info:
        archive.change_status(hid, "脱困", on=date(2026, 11, 1), reason="脱困")
    assert "不能直接改为" in str(info.value) and "转为在档" in str(info.value)
    with pytest.raises(UserError, match="已经是"):
        archive.change_status(hid, "临时")
    assert archive.get(hid).archive_status == "临时"
    assert counts(db) == before


def test_reopen_clears_exit_fields(archive, make_household):
    hid = archive.save(make_household(1)).household_id
    archive.change_status(hid, "脱困", on=date(2026, 11, 1), reason="脱困", note="n")
    archive.change_status(hid, "在档")
    h = archive.get(hid)
    assert (h.archive_status, h.exit_date, h.exit_reason, h.exit_note) == ("在档", None, "", "")


def test_reopen_refused_while_another_open_archive_holds_the_id(archive, make_household):
    old = archive.save(make_household(1))
    archive.change_status(old.household_id, "注销", on=date(2026, 11, 1), reason="其他")
    new = archive.save(make_household(1))
    with pytest.raises(UserError) as info:
        archive.change_status(old.household_id, "在档")
    assert new.archive_no in str(info.value) and "一户一档" in str(info.value)
    assert archive.get(old.household_id).archive_status == "注销"
    with pytest.raises(UserError, match=new.archive_no):
        archive.change_status(old.household_id, "临时")


def spans(archive, hid) -> list[tuple]:
    return [(p.status, p.valid_from, p.valid_to) for p in archive.status_periods(hid)]


def test_reopening_starts_a_new_period_on_its_own_date_and_keeps_the_exit(archive, make_household, clock):
    hid = archive.save(make_household(1)).household_id  # filed 1 March
    archive.change_status(hid, "脱困", on=date(2026, 6, 30), reason="脱困", note="再就业")
    with pytest.raises(UserError, match="生效日期不能早于档案本次转为“脱困”的日期 2026-06-30"):
        archive.change_status(hid, "在档", on=date(2026, 6, 1))
    with pytest.raises(UserError, match="生效日期不能晚于今天"):
        archive.change_status(hid, "在档", on=date(2026, 11, 27))
    archive.change_status(hid, "在档", on=date(2026, 10, 8), note="配偶重病，重新认定困难")
    assert spans(archive, hid) == [("在档", date(2026, 3, 1), date(2026, 6, 30)),
                                   ("脱困", date(2026, 6, 30), date(2026, 10, 8)), ("在档", date(2026, 10, 8), None)]
    entry = archive.history(hid)[0]
    assert (entry.action, entry.effective, entry.new["reason"]) == ("status", date(2026, 10, 8), "配偶重病，重新认定困难")
    assert entry.at == clock.stamp()  # recorded today, effective in October
    # an exit may not reach back before the reopening it ends
    with pytest.raises(UserError, match="不能早于档案本次转为“在档”的日期 2026-10-08"):
        archive.change_status(hid, "注销", on=date(2026, 9, 1), reason="退休")


def test_undoing_a_mistake_takes_its_period_away_as_if_never_made(db, archive, make_household, actor):
    hid = archive.save(make_household(1)).household_id
    archive.change_status(hid, "注销", on=date(2026, 8, 31), reason="退休", note="已办退休")
    archive.change_status(hid, "在档", on=date(2026, 9, 15))
    with pytest.raises(UserError) as short:
        archive.undo_status_change(hid, " ")
    assert short.value.field == "reason"
    restored = archive.undo_status_change(hid, "重新启用点错了档案")  # the reopening was the mistake
    assert (restored.status, restored.valid_from) == ("注销", date(2026, 8, 31))
    h = archive.get(hid)
    assert (h.archive_status, h.exit_date, h.exit_reason, h.exit_note) == ("注销", date(2026, 8, 31), "退休", "已办退休")
    archive.undo_status_change(hid, "该户并未退休，注销是误操作")
    assert spans(archive, hid) == [("在档", date(2026, 3, 1), None)]
    h = archive.get(hid)
    assert (h.archive_status, h.exit_date, h.exit_reason) == ("在档", None, "")
    with pytest.raises(UserError, match="没有可以撤销的操作"):
        archive.undo_status_change(hid, "再撤销一次")
    undone = [e for e in archive.history(hid) if e.action == "status_undo"]  # newest first
    assert [(e.old["archive_status"], e.new["archive_status"], e.new["reason"], e.user) for e in undone] == [
        ("注销", "在档", "该户并未退休，注销是误操作", actor.username), ("在档", "注销", "重新启用点错了档案", actor.username)]


def test_undo_refused_while_another_open_archive_holds_the_id(archive, make_household):
    old = archive.save(make_household(1))
    archive.change_status(old.household_id, "注销", on=date(2026, 11, 1), reason="其他")
    new = archive.save(make_household(1))
    with pytest.raises(UserError, match=f"不能撤销.*{new.archive_no}.*一户一档"):
        archive.undo_status_change(old.household_id, "注销是误操作")
    assert archive.get(old.household_id).archive_status == "注销"
    assert len(archive.status_periods(old.household_id)) == 2


def test_a_corrected_filing_date_moves_the_first_period_but_not_past_a_change(archive, make_household):
    hid = archive.save(make_household(1, archive_status="临时")).household_id
    archive.change_status(hid, "在档", on=date(2026, 3, 10))
    h = archive.get(hid)
    h.created_date = date(2026, 2, 20)
    archive.save(h)
    assert spans(archive, hid)[0] == ("临时", date(2026, 2, 20), date(2026, 3, 10))
    h = archive.get(hid)
    h.created_date = date(2026, 3, 20)
    with pytest.raises(ValidationError) as info:
        archive.save(h)
    assert info.value.problems == {"created_date": "建档日期不能晚于 2026-03-10：档案在那天已改为“在档”"}
    assert spans(archive, hid)[0] == ("临时", date(2026, 2, 20), date(2026, 3, 10))


# ---- attachments ---------------------------------------------------------------------------


def test_attachment_is_copied_hashed_and_shrinks_missing_docs(db, archive, make_household, tmp_path):
    hid = archive.save(make_household(1)).household_id
    assert archive.get(hid).missing_docs == ["身份证/户口本", "收入证明", "单位工会困难证明", "低保证"]
    source = tmp_path / "scan" / "身份证正面.JPG"
    source.parent.mkdir()
    data = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40
    source.write_bytes(data)
    att_id = archive.add_attachment(hid, "身份证/户口本", source)
    (att,) = archive.attachments(hid)
    assert att.id == att_id and att.kind == "身份证/户口本" and att.original_name == "身份证正面.JPG"
    stored = archive.attachment_path(att)
    assert stored.is_file()
    assert db.attachment_dir in stored.parents
    assert stored.suffix == ".jpg"
    assert stored.read_bytes() == data
    assert att.sha256 == hashlib.sha256(data).hexdigest() == hashlib.sha256(stored.read_bytes()).hexdigest()
    assert att.size == len(data)
    assert source.read_bytes() == data  # the original stays where it was
    assert archive.get(hid).missing_docs == ["收入证明", "单位工会困难证明", "低保证"]
    assert not list(db.attachment_dir.rglob("*.part"))
    entry = archive.history(hid)[0]
    assert (entry.table, entry.action, entry.new["sha256"]) == ("attachments", "insert", att.sha256)

    for kind, name in (("收入证明", "income.pdf"), ("单位工会困难证明", "union.pdf"), ("低保证", "dibao.png")):
        (tmp_path / name).write_bytes(name.encode() * 10)
        archive.add_attachment(hid, kind, tmp_path / name)
    assert archive.get(hid).missing_docs == []
    # A later save keeps the attachments counted.
    h = archive.get(hid)
    h.note = "资料齐全"
    archive.save(h)
    assert archive.get(hid).missing_docs == []


def test_attachment_refusals(db, archive, make_household, tmp_path):
    hid = archive.save(make_household(1)).household_id
    (tmp_path / "a.pdf").write_bytes(b"%PDF-1.4")
    with pytest.raises(UserError, match="附件类型"):
        archive.add_attachment(hid, "照片", tmp_path / "a.pdf")
    with pytest.raises(UserError, match="找不到文件"):
        archive.add_attachment(hid, "收入证明", tmp_path / "missing.pdf")
    with pytest.raises(UserError, match="找不到该档案"):
        archive.add_attachment(hid + 100, "收入证明", tmp_path / "a.pdf")
    assert archive.attachments(hid) == []
    assert not db.attachment_dir.exists() or not list(db.attachment_dir.rglob("*.*"))


# ---- suggestion ----------------------------------------------------------------------------


def test_suggestion_explains_with_figures(archive, make_household):
    h = make_household(1, hardship_category="低保边缘户")
    s = archive.suggest(h)
    assert s.category == "低保户"
    assert s.line == Decimal("700")
    assert s.income.per_capita == Decimal("433.33")
    text = "\n".join(s.explanation)
    assert "433.33" in text and "700.00" in text and "15,600.00" in text
    assert any("433.33 < 低保标准 700.00" in line for line in s.explanation)
    assert h.hardship_category == "低保边缘户"  # only a suggestion


def test_suggestion_uses_the_line_of_the_year(archive, make_household):
    s = archive.suggest(make_household(1, created_date=date(2016, 1, 1)))
    assert s.line == Decimal("460")  # 2015's line is the latest one before 2016
    assert s.category == "低保户"  # 433.33 < 460


def test_suggestion_without_a_line_says_where_to_set_it(archive, make_household):
    h = make_household(1, hukou_area_code="110101")
    with pytest.raises(UserError) as info:
        archive.suggest(h)
    assert info.value.field == "hukou_area_code" and "低保标准" in str(info.value)


# ---- failures leave nothing; history ----------------------------------------------------------


def test_failed_insert_leaves_nothing(db, archive, make_household):
    archive.save(make_household(1))
    before = counts(db)
    db.conn.execute("CREATE TEMP TRIGGER refuse_audit BEFORE INSERT ON audit_log"
                    " BEGIN SELECT RAISE(ABORT, 'audit refused'); END")
    with pytest.raises(sqlite3.DatabaseError, match="audit refused"):
        archive.save(make_household(2, name="王五"))
    assert counts(db) == before
    assert not db.conn.in_transaction
    db.conn.execute("DROP TRIGGER refuse_audit")
    # The number that was not used is handed out next.
    assert archive.save(make_household(2, name="王五")).archive_no == "460001-2026-0002"


def test_failed_update_leaves_the_archive_as_it_was(db, archive, make_household):
    hid = archive.save(make_household(1)).household_id
    original = archive.get(hid)
    before = counts(db)
    db.conn.execute("CREATE TEMP TRIGGER refuse_audit BEFORE INSERT ON audit_log"
                    " BEGIN SELECT RAISE(ABORT, 'audit refused'); END")
    changed = archive.get(hid)
    changed.address = "新地址"
    changed.members = changed.members[:1]
    with pytest.raises(sqlite3.DatabaseError):
        archive.save(changed)
    assert counts(db) == before
    assert archive.get(hid) == original


def test_history_lists_every_change_with_user_and_via(db, make_household, tmp_path):
    clerk = ArchiveService(db, Actor("王经办", "界面"))
    hid = clerk.save(make_household(1)).household_id
    h = clerk.get(hid)
    h.phone = "13900001111"
    clerk.save(h)
    (tmp_path / "a.pdf").write_bytes(b"%PDF-1.4 income")
    clerk.add_attachment(hid, "收入证明", tmp_path / "a.pdf")
    clerk.change_status(hid, "脱困", on=date(2026, 11, 1), reason="脱困")
    history = clerk.history(hid)
    assert [(e.table, e.action) for e in history] == [
        ("households", "status"), ("attachments", "insert"), ("households", "update"), ("households", "insert")]
    assert {(e.user, e.via) for e in history} == {("王经办", "界面")}
    assert history[-1].new["name"] == "张三" and history[-1].old == {}
    assert history[-1].new["id_number"] == make_household(1).id_number
    assert "李四" in history[-1].new["members"]
    assert history[2].new == {"phone": "13900001111"}
    assert all(e.at.startswith("20") for e in history)
    # Another household's history is separate.
    other = clerk.save(make_household(2, name="王五")).household_id
    assert [e.action for e in clerk.history(other)] == ["insert"]
    assert len(clerk.history(hid)) == 4


def test_find_by_archive_no_or_id_number(archive, make_household):
    result = archive.save(make_household(1))
    assert archive.find(result.archive_no).id == result.household_id
    assert archive.find(make_household(1).id_number.lower()).id == result.household_id
    with pytest.raises(UserError, match="找不到"):
        archive.find(make_id("460100", date(1980, 1, 1), 999))


# ---- permissions and saving with files ----------------------------------------------------------


def test_only_editors_may_change_archives(db, make_household, tmp_path):
    clerk = ArchiveService(db, Actor("李经办", "界面", roles=("经办人",)))
    hid = clerk.save(make_household(1)).household_id
    reviewer = ArchiveService(db, Actor("钱审核", "界面", roles=("审核人", "审批人")))
    before = counts(db)
    with pytest.raises(UserError, match="没有此权限"):
        reviewer.save(make_household(2, name="王五"))
    h = reviewer.get(hid)  # reading is allowed
    h.note = "审核人改的"
    with pytest.raises(UserError, match="没有此权限"):
        reviewer.save(h)
    with pytest.raises(UserError, match="没有此权限"):
        reviewer.change_status(hid, "脱困", on=date(2026, 11, 1), reason="脱困")
    (tmp_path / "a.pdf").write_bytes(b"%PDF-1.4")
    with pytest.raises(UserError, match="没有此权限"):
        reviewer.add_attachment(hid, "收入证明", tmp_path / "a.pdf")
    assert counts(db) == before
    assert clerk.get(hid).note == "" and clerk.get(hid).archive_status == "在档"
    admin = ArchiveService(db, Actor("王主任", "界面", roles=("管理员",)))
    admin.change_status(hid, "脱困", on=date(2026, 11, 1), reason="脱困")
    assert clerk.get(hid).archive_status == "脱困"


def test_save_with_attachments_is_one_action(db, archive, make_household, tmp_path):
    (tmp_path / "id.jpg").write_bytes(b"id card scan")
    (tmp_path / "pay.pdf").write_bytes(b"%PDF income")
    result = archive.save_with_attachments(
        make_household(1), [("身份证/户口本", tmp_path / "id.jpg"), ("收入证明", tmp_path / "pay.pdf")])
    assert [a.kind for a in archive.attachments(result.household_id)] == ["身份证/户口本", "收入证明"]
    assert archive.get(result.household_id).missing_docs == ["单位工会困难证明", "低保证"]
    assert [e.action for e in archive.history(result.household_id)] == ["insert", "insert", "insert"]


def test_save_with_attachments_failing_file_saves_nothing(db, archive, make_household, tmp_path):
    (tmp_path / "id.jpg").write_bytes(b"id card scan")
    before = counts(db)
    with pytest.raises(UserError, match="找不到文件"):
        archive.save_with_attachments(
            make_household(1), [("身份证/户口本", tmp_path / "id.jpg"), ("收入证明", tmp_path / "gone.pdf")])
    assert counts(db) == before
    assert not db.conn.in_transaction


def test_save_with_attachments_failing_file_leaves_no_copied_file(db, archive, make_household, tmp_path):
    (tmp_path / "id.jpg").write_bytes(b"id card scan")
    with pytest.raises(UserError):
        archive.save_with_attachments(
            make_household(1), [("身份证/户口本", tmp_path / "id.jpg"), ("收入证明", tmp_path / "gone.pdf")])
    assert not db.attachment_dir.exists() or not [p for p in db.attachment_dir.rglob("*") if p.is_file()]


def test_a_saved_household_is_on_disk_for_another_reader(db, archive, make_household):
    """Read the file with a separate library and connection: what save() returned is committed."""
    import sqlite_utils

    result = archive.save(make_household(1, name="符海燕"))
    other = sqlite_utils.Database(db.path)
    try:
        [household] = other["households"].rows_where("archive_no = ?", [result.archive_no])
        assert household["name"] == "符海燕" and household["monthly_income_fen"] == 90000
        assert other["members"].count_where("household_id = ?", [result.household_id]) == 2
        [entry] = other["audit_log"].rows_where("row_key = ? AND action = 'insert'", [result.archive_no])
        assert entry["user"] == "测试员" and entry["via"] == "命令行"
    finally:
        other.close()


# ---- 档案编号: normalised on the way in, found in any case, no path characters (issue 16, items 11 and 14) ------

def test_a_typed_archive_number_is_stored_normalised_and_found_in_any_case(db, archive, make_household):
    result = archive.save(make_household(1, archive_no=" hn0100-2026-0001 "))
    assert result.archive_no == "HN0100-2026-0001"
    assert row(db, result.household_id)["archive_no"] == "HN0100-2026-0001"
    for key in ("HN0100-2026-0001", "hn0100-2026-0001", "Hn0100-2026-0001", "ＨＮ０１００－２０２６－０００１"):
        assert archive.find(key).id == result.household_id, key
    full_width = archive.save(make_household(2, archive_no="ｃｍ２０１５００２"))
    assert full_width.archive_no == "CM2015002"


def test_an_archive_number_differing_only_in_case_is_taken(db, archive, make_household):
    archive.save(make_household(1, archive_no="CM2015001"))
    with pytest.raises(ValidationError) as err:
        archive.save(make_household(2, archive_no="cm2015001"))
    assert "档案编号 CM2015001 已被" in err.value.problems["archive_no"]


def test_an_archive_number_stored_in_odd_case_by_an_older_version_is_found_and_stays_editable(
        db, archive, make_household):
    hid = archive.save(make_household(1)).household_id
    db.conn.execute("UPDATE households SET archive_no = 'cm2015-0009' WHERE id = ?", (hid,))
    assert archive.find("CM2015-0009").id == archive.find("cm2015-0009").id == hid
    h = archive.get(hid)
    h.note = "改个备注"
    assert archive.save(h).archive_no == "cm2015-0009"  # kept as stored: no silent renumbering
    with pytest.raises(ValidationError, match="已被"):
        archive.save(make_household(2, archive_no="CM2015-0009"))


@pytest.mark.parametrize("hostile", ["../../../../ESCAPED", "//host/share", "a/b", "..", "C:x", "NUL", "x\x00",
                                     "X" * 41])
def test_an_archive_number_with_path_characters_is_refused(db, archive, make_household, hostile):
    with pytest.raises(ValidationError) as err:
        archive.save(make_household(1, archive_no=hostile))
    assert "档案编号" in err.value.problems["archive_no"]
    assert counts(db)["households"] == 0
