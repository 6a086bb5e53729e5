"""Administrator dialogs driven as a user would: units, user accounts and 低保 lines."""

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt

from aiddesk.core.errors import UserError
from aiddesk.db import open_database
from aiddesk.db.settings import get_dibao_line
from aiddesk.db.units import all_units, get_unit
from aiddesk.db.users import find_user
from aiddesk.services import accounts
from aiddesk.ui.admin.dibao_dialog import DibaoDialog
from aiddesk.ui.admin.units_dialog import UnitEditDialog, UnitsDialog
from aiddesk.ui.admin.users_dialog import PasswordDialog, UserEditDialog, UsersDialog


def tree_codes(dialog):
    """Every code shown in the tree with its parent's code, depth-first."""
    found = []

    def walk(item, parent_code):
        found.append((item.text(0), parent_code))
        for i in range(item.childCount()):
            walk(item.child(i), item.text(0))

    for i in range(dialog.tree.topLevelItemCount()):
        walk(dialog.tree.topLevelItem(i), None)
    return found


def audit_count(db, table):
    return db.conn.execute("SELECT count(*) FROM audit_log WHERE table_name = ?", (table,)).fetchone()[0]


# -- units -------------------------------------------------------------------

def test_units_tree_shows_the_own_unit_at_the_root_expanded(qtbot, db, actor):
    dialog = UnitsDialog(db=db, actor=actor)
    qtbot.addWidget(dialog)
    assert dialog.tree.topLevelItemCount() == 1
    root = dialog.tree.topLevelItem(0)
    assert [root.text(c) for c in range(3)] == ["460000", "海南省职工服务中心（本单位）", "省级"]
    assert root.isExpanded()
    assert tree_codes(dialog) == [("460000", None), ("460001", "460000"), ("460002", "460000")]
    assert [dialog.tree.headerItem().text(c) for c in range(3)] == ["代码", "名称", "层级"]


def test_add_a_sub_unit_through_the_dialog(qtbot, db, actor, monkeypatch):
    dialog = UnitsDialog(db=db, actor=actor)
    qtbot.addWidget(dialog)
    dialog.tree.setCurrentItem(dialog.tree.topLevelItem(0).child(0))  # 省财贸工会

    def fill_and_accept(editor):
        assert isinstance(editor, UnitEditDialog)
        assert editor.parent_unit.currentData() == "460001"
        assert not editor.code.isReadOnly()
        editor.code.setText(" 460011 ")
        editor.name.setText("省财贸工会第一分会")
        editor.level.setCurrentText("基层")
        return editor.try_accept()

    monkeypatch.setattr(dialog, "run_dialog", fill_and_accept)
    qtbot.mouseClick(dialog.add_button, Qt.LeftButton)

    unit = get_unit(db.conn, "460011")
    assert (unit.name, unit.level, unit.parent_code, unit.is_own) == ("省财贸工会第一分会", "基层", "460001", False)
    assert ("460011", "460001") in tree_codes(dialog)
    assert dialog.selected_code() == "460011"


def test_an_empty_name_shows_the_message_and_writes_nothing(qtbot, db, actor):
    before = all_units(db.conn)
    audits = audit_count(db, "units")
    editor = UnitEditDialog(db=db, actor=actor, parent_code="460000")
    qtbot.addWidget(editor)
    editor.code.setText("460099")
    editor.name.setText("   ")
    assert editor.try_accept() is False
    assert editor.error.text() == "请填写单位名称"
    assert not editor.error.isHidden()
    assert editor.result() != editor.DialogCode.Accepted
    assert all_units(db.conn) == before
    assert audit_count(db, "units") == audits


def test_a_duplicate_code_is_refused_with_the_owner_named(qtbot, db, actor):
    editor = UnitEditDialog(db=db, actor=actor, parent_code="460000")
    qtbot.addWidget(editor)
    editor.code.setText("460001")
    editor.name.setText("重复的单位")
    assert editor.try_accept() is False
    assert "已被“省财贸工会”使用" in editor.error.text()
    assert get_unit(db.conn, "460001").name == "省财贸工会"


def test_editing_keeps_the_code_and_offers_no_parent_inside_its_own_subtree(qtbot, db, actor):
    editor = UnitEditDialog(db=db, actor=actor, unit=get_unit(db.conn, "460001"))
    qtbot.addWidget(editor)
    assert editor.code.isReadOnly()
    assert [editor.parent_unit.itemData(i) for i in range(editor.parent_unit.count())] == ["460000", "460002"]
    editor.name.setText("省财贸轻工工会")
    assert editor.try_accept()
    assert get_unit(db.conn, "460001").name == "省财贸轻工工会"


def test_the_first_unit_of_an_empty_database_becomes_the_own_unit(qtbot, tmp_path, actor, monkeypatch):
    empty = open_database(tmp_path / "empty.sqlite")
    try:
        dialog = UnitsDialog(db=empty, actor=actor)
        qtbot.addWidget(dialog)
        assert dialog.add_button.text() == "新增本单位"
        assert dialog.tree.topLevelItemCount() == 0

        def fill_and_accept(editor):
            assert not editor.parent_unit.isEnabled()
            editor.code.setText("469000")
            editor.name.setText("某县总工会")
            editor.level.setCurrentText("县级")
            return editor.try_accept()

        monkeypatch.setattr(dialog, "run_dialog", fill_and_accept)
        qtbot.mouseClick(dialog.add_button, Qt.LeftButton)
        assert get_unit(empty.conn, "469000").is_own
        assert tree_codes(dialog) == [("469000", None)]
        assert dialog.add_button.text() == "新增下级单位"
    finally:
        empty.close()


def test_delete_asks_first_and_shows_refusals_in_the_dialog(qtbot, db, actor, monkeypatch):
    dialog = UnitsDialog(db=db, actor=actor)
    qtbot.addWidget(dialog)
    asked = []
    answer = {"value": False}
    monkeypatch.setattr(dialog, "confirm", lambda text: asked.append(text) or answer["value"])
    dialog.tree.setCurrentItem(dialog.tree.topLevelItem(0).child(1))  # 省旅游工会

    qtbot.mouseClick(dialog.delete_button, Qt.LeftButton)
    assert "省旅游工会" in asked[0]
    assert get_unit(db.conn, "460002") is not None  # 取消: nothing deleted

    answer["value"] = True
    qtbot.mouseClick(dialog.delete_button, Qt.LeftButton)
    assert get_unit(db.conn, "460002") is None
    assert ("460002", "460000") not in tree_codes(dialog)

    dialog.tree.setCurrentItem(dialog.tree.topLevelItem(0))
    assert not dialog.delete_button.isEnabled()  # 本单位 cannot be deleted
    dialog.delete_unit()
    assert dialog.error.text() == "本单位不能删除"
    assert get_unit(db.conn, "460000") is not None


# -- users -------------------------------------------------------------------

def fill_new_user(editor, *, username="wangfang", name="王芳", password="gh2026!x", repeat=None,
                  roles=("经办人", "审核人")):
    editor.username.setText(username)
    editor.display_name.setText(name)
    editor.password.setText(password)
    editor.repeat.setText(password if repeat is None else repeat)
    editor.set_roles(roles)


def test_add_a_user_with_two_roles_who_can_then_log_in(qtbot, db, actor, monkeypatch):
    dialog = UsersDialog(db=db, actor=actor)
    qtbot.addWidget(dialog)

    def fill_and_accept(editor):
        fill_new_user(editor)
        return editor.try_accept()

    monkeypatch.setattr(dialog, "run_dialog", fill_and_accept)
    qtbot.mouseClick(dialog.add_button, Qt.LeftButton)

    user = accounts.login(db, "wangfang", "gh2026!x")
    assert (user.display_name, user.roles, user.active) == ("王芳", ("经办人", "审核人"), True)
    assert [dialog.table.item(0, c).text() for c in range(4)] == ["wangfang", "王芳", "经办人、审核人", "启用"]
    assert [dialog.table.horizontalHeaderItem(c).text() for c in range(4)] == ["用户名", "姓名", "角色", "状态"]
    assert "wangfang" in dialog.message.text()


def test_mismatched_passwords_are_refused_before_anything_is_saved(qtbot, db, actor):
    editor = UserEditDialog(db=db, actor=actor)
    qtbot.addWidget(editor)
    fill_new_user(editor, repeat="gh2026?x")
    assert editor.try_accept() is False
    assert editor.error.text() == "两次输入的密码不一致，请重新输入"
    assert find_user(db.conn, "wangfang") is None
    assert editor.password.text() == "" and editor.repeat.text() == ""


def test_a_user_without_a_role_is_refused(qtbot, db, actor):
    editor = UserEditDialog(db=db, actor=actor)
    qtbot.addWidget(editor)
    fill_new_user(editor, roles=())
    assert editor.try_accept() is False
    assert "请至少选择一个角色" in editor.error.text()
    assert find_user(db.conn, "wangfang") is None


def test_edit_a_user_and_stop_the_account(qtbot, db, actor):
    accounts.add_user(db, actor, username="admin", display_name="管理员甲", password="admin123", roles=("管理员",))
    accounts.add_user(db, actor, username="lisi", display_name="李四", password="lisi1234", roles=("经办人",))
    dialog = UsersDialog(db=db, actor=actor)
    qtbot.addWidget(dialog)
    dialog.table.selectRow(1)
    editor = UserEditDialog(db=db, actor=actor, user=find_user(db.conn, "lisi"))
    qtbot.addWidget(editor)
    assert editor.username.isReadOnly() and editor.password is None
    editor.display_name.setText("李四（调岗）")
    editor.set_roles(["审批人"])
    editor.active.setChecked(False)
    assert editor.try_accept()
    dialog.reload()
    assert [dialog.table.item(1, c).text() for c in range(4)] == ["lisi", "李四（调岗）", "审批人", "停用"]
    with pytest.raises(UserError, match="已停用"):
        accounts.login(db, "lisi", "lisi1234")


def test_the_last_administrator_cannot_be_stopped(qtbot, db, actor):
    accounts.add_user(db, actor, username="admin", display_name="管理员甲", password="admin123", roles=("管理员",))
    editor = UserEditDialog(db=db, actor=actor, user=find_user(db.conn, "admin"))
    qtbot.addWidget(editor)
    editor.active.setChecked(False)
    assert editor.try_accept() is False
    assert editor.error.text() == "至少要保留一个启用的管理员账号"
    assert find_user(db.conn, "admin").active


def test_reset_a_password(qtbot, db, actor, monkeypatch):
    accounts.add_user(db, actor, username="lisi", display_name="李四", password="lisi1234", roles=("经办人",))
    dialog = UsersDialog(db=db, actor=actor)
    qtbot.addWidget(dialog)
    dialog.table.selectRow(0)
    assert dialog.password_button.isEnabled()
    attempts = []

    def fill_and_accept(editor):
        assert isinstance(editor, PasswordDialog)
        editor.password.setText("123")
        editor.repeat.setText("123")
        attempts.append(editor.try_accept())
        attempts.append(editor.error.text())
        editor.password.setText("newpass99")
        editor.repeat.setText("newpass99")
        return editor.try_accept()

    monkeypatch.setattr(dialog, "run_dialog", fill_and_accept)
    qtbot.mouseClick(dialog.password_button, Qt.LeftButton)
    assert attempts == [False, "密码至少8位（现在是3位），请设置更长的密码"]
    assert accounts.login(db, "lisi", "newpass99").username == "lisi"
    assert "已重设" in dialog.message.text()


# -- 低保 lines ---------------------------------------------------------------

def test_the_dibao_table_lists_lines_with_amounts_in_yuan(qtbot, db, actor):
    dialog = DibaoDialog(db=db, actor=actor)
    qtbot.addWidget(dialog)
    assert dialog.rows() == [("460000", "2026", "650.00"), ("460100", "2026", "700.00"),
                             ("460100", "2015", "460.00")]
    assert [dialog.table.horizontalHeaderItem(c).text() for c in range(3)] == ["地区代码", "年度", "标准（元/月）"]


def test_add_a_dibao_line_and_see_it_in_the_table(qtbot, db, actor):
    dialog = DibaoDialog(db=db, actor=actor)
    qtbot.addWidget(dialog)
    dialog.area_code.setText("460200")
    dialog.year.setValue(2026)
    dialog.line.setText("1,080.5")
    qtbot.mouseClick(dialog.save_button, Qt.LeftButton)
    assert dialog.error.text() == ""
    assert get_dibao_line(db.conn, "460200", 2026) == Decimal("1080.50")
    assert ("460200", "2026", "1,080.50") in dialog.rows()
    assert dialog.selected_key() == ("460200", 2026)
    assert audit_count(db, "dibao_lines") == 1


def test_choosing_a_row_fills_the_fields_and_saving_replaces_it(qtbot, db, actor):
    dialog = DibaoDialog(db=db, actor=actor)
    qtbot.addWidget(dialog)
    dialog.table.selectRow(1)
    assert (dialog.area_code.text(), dialog.year.value(), dialog.line.text()) == ("460100", 2026, "700.00")
    dialog.line.setText("720")
    assert dialog.save_line()
    assert get_dibao_line(db.conn, "460100", 2026) == Decimal("720.00")
    assert len(dialog.rows()) == 3
    assert ("460100", "2026", "720.00") in dialog.rows()


@pytest.mark.parametrize("area, line, message", [
    ("4601", "700", "地区代码应为6位数字"),
    ("460100", "", "请填写低保标准"),
    ("460100", "七百", "不是金额"),
    ("460100", "700.125", "超过两位小数"),
    ("460100", "0", "低保标准应大于0"),
])
def test_bad_dibao_input_shows_the_message_and_writes_nothing(qtbot, db, actor, area, line, message):
    dialog = DibaoDialog(db=db, actor=actor)
    qtbot.addWidget(dialog)
    dialog.area_code.setText(area)
    dialog.year.setValue(2027)
    dialog.line.setText(line)
    assert dialog.save_line() is False
    assert message in dialog.error.text()
    assert len(dialog.rows()) == 3
    assert audit_count(db, "dibao_lines") == 0


def test_delete_a_dibao_line_after_confirming(qtbot, db, actor, monkeypatch):
    dialog = DibaoDialog(db=db, actor=actor)
    qtbot.addWidget(dialog)
    assert not dialog.delete_button.isEnabled()
    dialog.table.selectRow(2)  # 460100 / 2015
    monkeypatch.setattr(dialog, "confirm", lambda text: False)
    qtbot.mouseClick(dialog.delete_button, Qt.LeftButton)
    assert get_dibao_line(db.conn, "460100", 2015) == Decimal("460.00")
    monkeypatch.setattr(dialog, "confirm", lambda text: "2015年" in text)
    qtbot.mouseClick(dialog.delete_button, Qt.LeftButton)
    assert get_dibao_line(db.conn, "460100", 2015) is None
    assert ("460100", "2015", "460.00") not in dialog.rows()


def test_enter_a_2027_holiday_through_the_dialog(qtbot, db, actor):
    from aiddesk.ui.admin.calendar_dialog import CalendarDialog

    dialog = CalendarDialog(db=db, actor=actor)
    qtbot.addWidget(dialog)
    dialog.day.setText("2027-02-0x")
    assert not dialog.save_day() and "格式" in dialog.error.text()
    dialog.day.setText("2027-02-10")
    dialog.kind.setCurrentText("休息日")
    dialog.note.setText("春节")
    assert dialog.save_day()
    assert dialog.table.rowCount() == 1 and dialog.table.item(0, 2).text() == "春节"
    assert dialog.delete_day() and dialog.table.rowCount() == 0
