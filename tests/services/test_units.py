"""Units: the office's own unit, the sub-unit tree, cycles and deleting."""

from __future__ import annotations

from datetime import date

import pytest

from aiddesk.core.errors import UserError
from aiddesk.db import open_database
from aiddesk.db import units as repo
from aiddesk.db.units import Unit
from aiddesk.services import units
from aiddesk.services.archive import ArchiveService

TODAY = date(2026, 11, 26)


@pytest.fixture
def empty(tmp_path):
    database = open_database(tmp_path / "empty.sqlite")
    yield database
    database.close()


def codes(db) -> list[str]:
    return [u.code for u in repo.all_units(db.conn)]


def test_first_unit_becomes_own_unit(empty, actor):
    assert repo.own_unit(empty.conn) is None
    units.save_unit(empty, actor, Unit(" 460000 ", " 海南省总工会 ", "省级"), new=True)
    own = repo.own_unit(empty.conn)
    assert own == Unit("460000", "海南省总工会", "省级", None, True)
    units.save_unit(empty, actor, Unit("460001", "省财贸工会", "基层", "460000"), new=True)
    child = repo.get_unit(empty.conn, "460001")
    assert child.is_own is False and child.parent_code == "460000"
    assert repo.own_unit(empty.conn).code == "460000"
    entry = empty.conn.execute("SELECT user, action FROM audit_log WHERE row_key = '460000'").fetchone()
    assert tuple(entry) == (actor.username, "insert")


def test_first_unit_ignores_a_parent_it_cannot_have(empty, actor):
    units.save_unit(empty, actor, Unit("460000", "海南省总工会", "省级", ""), new=True)
    assert repo.own_unit(empty.conn).parent_code is None


def test_sub_units_need_a_parent(db, actor):
    with pytest.raises(UserError) as info:
        units.save_unit(db, actor, Unit("460003", "省教科文卫工会", "基层"), new=True)
    assert info.value.field == "parent_code" and "上级单位" in str(info.value)
    assert repo.get_unit(db.conn, "460003") is None


def test_parent_must_exist(db, actor):
    with pytest.raises(UserError) as info:
        units.save_unit(db, actor, Unit("460003", "省教科文卫工会", "基层", "469999"), new=True)
    assert info.value.field == "parent_code" and "469999" in str(info.value)
    assert repo.get_unit(db.conn, "460003") is None
    with pytest.raises(UserError) as info:
        units.save_unit(db, actor, Unit("460001", "省财贸工会", "基层", "469999"), new=False)
    assert info.value.field == "parent_code"
    assert repo.get_unit(db.conn, "460001").parent_code == "460000"
    units.save_unit(db, actor, Unit("460003", "省教科文卫工会", "基层", " 460000 "), new=True)
    assert repo.get_unit(db.conn, "460003").parent_code == "460000"


def test_edit_cannot_take_a_sub_unit_out_of_the_tree(db, actor):
    for parent in (None, "", " "):
        with pytest.raises(UserError) as info:
            units.save_unit(db, actor, Unit("460001", "省财贸工会", "基层", parent), new=False)
        assert info.value.field == "parent_code"
    assert repo.get_unit(db.conn, "460001").parent_code == "460000"
    units.save_unit(db, actor, Unit("460000", "海南省职工服务中心（更名）", "省级"), new=False)  # own unit: no parent
    assert repo.own_unit(db.conn).name == "海南省职工服务中心（更名）"


def test_duplicate_code_and_bad_fields_are_refused(db, actor):
    with pytest.raises(UserError) as info:
        units.save_unit(db, actor, Unit("460001", "重复的", "基层", "460000"), new=True)
    assert info.value.field == "code" and "省财贸工会" in str(info.value)
    with pytest.raises(UserError) as info:
        units.save_unit(db, actor, Unit("460009", "某工会", "乡镇级", "460000"), new=True)
    assert info.value.field == "level" and "基层" in str(info.value)
    with pytest.raises(UserError) as info:
        units.save_unit(db, actor, Unit(" ", "某工会", "基层", "460000"), new=True)
    assert info.value.field == "code"
    with pytest.raises(UserError) as info:
        units.save_unit(db, actor, Unit("460009", "  ", "基层", "460000"), new=True)
    assert info.value.field == "name"
    assert codes(db) == ["460000", "460001", "460002"]


def test_subtree(db, actor):
    units.save_unit(db, actor, Unit("460011", "某基层工会", "基层", "460001"), new=True)
    assert sorted(repo.subtree_codes(db.conn, "460000")) == ["460000", "460001", "460002", "460011"]
    assert sorted(repo.subtree_codes(db.conn, "460001")) == ["460001", "460011"]
    assert repo.subtree_codes(db.conn, "460002") == ["460002"]


def test_cycles_are_refused(db, actor):
    units.save_unit(db, actor, Unit("460011", "某基层工会", "县级", "460001"), new=True)
    # Own unit under its grandchild.
    with pytest.raises(UserError, match="自己的下级") as info:
        units.save_unit(db, actor, Unit("460000", "海南省职工服务中心", "省级", "460011"), new=False)
    assert info.value.field == "parent_code"
    # A unit under its own child, and under itself.
    with pytest.raises(UserError, match="自己的下级"):
        units.save_unit(db, actor, Unit("460001", "省财贸工会", "基层", "460011"), new=False)
    with pytest.raises(UserError, match="自己的下级"):
        units.save_unit(db, actor, Unit("460001", "省财贸工会", "基层", "460001"), new=False)
    assert repo.get_unit(db.conn, "460000").parent_code is None
    assert repo.get_unit(db.conn, "460001").parent_code == "460000"
    # Moving to a sibling's branch is fine.
    units.save_unit(db, actor, Unit("460011", "某基层工会", "县级", "460002"), new=False)
    assert repo.get_unit(db.conn, "460011").parent_code == "460002"


def test_edit_keeps_own_flag_and_logs_change(db, actor):
    units.save_unit(db, actor, Unit("460001", "海南省财贸轻纺工会", "基层", "460000", is_own=True), new=False)
    edited = repo.get_unit(db.conn, "460001")
    assert edited.name == "海南省财贸轻纺工会" and edited.is_own is False
    assert repo.own_unit(db.conn).code == "460000"
    row = db.conn.execute("SELECT old_values, new_values FROM audit_log WHERE row_key = '460001' AND action = 'update'"
                          ).fetchone()
    assert "省财贸工会" in row["old_values"] and "海南省财贸轻纺工会" in row["new_values"]
    assert "level" not in row["new_values"]  # only what changed
    with pytest.raises(UserError, match="不存在"):
        units.save_unit(db, actor, Unit("469999", "没有的单位", "基层", "460000"), new=False)


def test_delete_refused_when_in_use(db, actor, make_household):
    ArchiveService(db, actor).save(make_household(1, unit_code="460002"))
    units.save_unit(db, actor, Unit("460011", "某基层工会", "基层", "460001"), new=True)
    with pytest.raises(UserError, match="档案或下级单位"):
        units.delete_unit(db, actor, "460002")  # has an archive
    with pytest.raises(UserError, match="档案或下级单位"):
        units.delete_unit(db, actor, "460001")  # has a sub-unit
    with pytest.raises(UserError, match="本单位"):
        units.delete_unit(db, actor, "460000")
    assert codes(db) == ["460000", "460001", "460002", "460011"]
    units.delete_unit(db, actor, "460011")
    units.delete_unit(db, actor, "460001")  # no longer has a sub-unit
    assert codes(db) == ["460000", "460002"]
    deleted = db.conn.execute("SELECT action, old_values FROM audit_log WHERE row_key = '460001' ORDER BY id DESC"
                              ).fetchone()
    assert deleted["action"] == "delete" and "省财贸工会" in deleted["old_values"]
    units.delete_unit(db, actor, "469999")  # unknown: nothing to do
    assert codes(db) == ["460000", "460002"]
