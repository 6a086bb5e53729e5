"""汇总 → 跨单位重复 worked in the real widgets: select a case, see both sides, record a conclusion in the dialog; the
case leaves 未处理, shows its conclusion under 已处理, and can be changed or withdrawn."""

from __future__ import annotations

import os

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
import test_duplicates_gui

from aiddesk.db.audit import Actor
from aiddesk.ui.exchange.conclusion_dialog import ConclusionDialog
from aiddesk.ui.exchange.duplicates_view import CONCLUSION_COLUMN, DuplicatesView

centre = test_duplicates_gui.centre   # the fixture: 张三 open at two units, 李梅 aided by both
REVIEWER = Actor("zhoushen", "界面", ("审核人",))
SHOTS = os.environ.get("AIDDESK_SHOTS")   # a folder to keep screenshots in, for looking at them


@pytest.fixture
def view(qtbot, db, centre):
    v = DuplicatesView(db=db, actor=REVIEWER)
    qtbot.addWidget(v)
    v.year.setValue(2015)
    v.resize(1366, 420)
    return v


def tops(view) -> list[tuple[str, str, str]]:
    """(身份证号, 类型, 处理结论) of each case shown."""
    tree = view.tree
    return [(tree.topLevelItem(i).text(0), tree.topLevelItem(i).text(1), tree.topLevelItem(i).text(CONCLUSION_COLUMN))
            for i in range(tree.topLevelItemCount())]


def choose(view, qtbot, row: int, *, entry: int | None = None) -> None:
    """Click the case's row (or one of its sides) with the mouse."""
    view.show()
    qtbot.waitExposed(view)
    item = view.tree.topLevelItem(row)
    if entry is not None:
        item = item.child(entry)
    view.tree.scrollToItem(item)
    qtbot.mouseClick(view.tree.viewport(), Qt.MouseButton.LeftButton, pos=view.tree.visualItemRect(item).center())


def working(view, qtbot, fill) -> list[ConclusionDialog]:
    """Make 处理… open the real dialog shown on screen, filled by ``fill``; the dialogs opened."""
    opened = []

    def run(dialog: QDialog) -> bool:
        opened.append(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        fill(dialog)
        return dialog.result() == QDialog.DialogCode.Accepted

    view.run_dialog = run
    return opened


def pick(dialog: ConclusionDialog, kind: str) -> None:
    dialog.kind.setCurrentIndex(dialog.kind.findData(kind))


def test_a_case_selected_shows_both_sides_and_its_conclusion_moves_it_out_of_the_to_do_list(
        view, qtbot, centre):
    zhang, li = centre["zhang"], centre["li"]
    assert view.state.currentText() == "未处理"
    assert tops(view) == [(zhang.id_number, "在档重复", "未处理"), (li.id_number, "重复救助", "未处理")]
    assert not view.conclude_button.isEnabled()
    choose(view, qtbot, 0, entry=1)                  # a side's row selects its case too
    assert view.selected_case().id_number == zhang.id_number and view.conclude_button.isEnabled()

    def fill(dialog: ConclusionDialog) -> None:
        sides = [[dialog.sides.item(r, c).text() for c in range(4)] + [dialog.sides.item(r, 6).text()]
                 for r in range(dialog.sides.rowCount())]
        assert sides == [["省财贸工会（460001）", zhang.archive_no, "", "张三", "2026-03-01"],
                         ["省旅游工会（460002）", "460002-2015-0001", "", "张三", "2026-03-01"]]
        assert [dialog.kind.itemText(i) for i in range(dialog.kind.count())] == [
            "（请选择）", "同一人，保留某单位档案", "已转档", "不同人，身份证号录入有误", "其他"]
        assert dialog.unit.isHidden()
        pick(dialog, "同一人，保留某单位档案")
        assert not dialog.unit.isHidden() and dialog.unit_label.text() == "保留哪个单位的档案"
        dialog.unit.setCurrentIndex(dialog.unit.findData("460002"))
        dialog.note.setPlainText("经核实系同一人，2015年调入省旅游工会")
        if SHOTS:
            dialog.grab().save(os.path.join(SHOTS, "conclusion_dialog.png"))
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    opened = working(view, qtbot, fill)
    qtbot.mouseClick(view.conclude_button, Qt.MouseButton.LeftButton)
    assert len(opened) == 1 and opened[0].result() == QDialog.DialogCode.Accepted
    assert tops(view) == [(li.id_number, "重复救助", "未处理")]
    assert view.status.text() == "2015年：在档重复 1 人（未处理 0），重复救助 1 项（未处理 1）"
    view.state.setCurrentText("已处理")
    assert tops(view) == [(zhang.id_number, "在档重复", "同一人，保留省旅游工会（460002）的档案")]
    assert "zhoushen，2026-11-26 09:00:00" in view.tree.topLevelItem(0).toolTip(CONCLUSION_COLUMN)
    view.state.setCurrentText("全部")
    assert [t[0] for t in tops(view)] == [zhang.id_number, li.id_number]
    choose(view, qtbot, 0)
    assert view.detail.text() == (f"在档重复 {zhang.id_number}：同一人，保留省旅游工会（460002）的档案"
                                  "（zhoushen，2026-11-26 09:00:00）；说明：经核实系同一人，2015年调入省旅游工会")
    if SHOTS:
        view.grab().save(os.path.join(SHOTS, "duplicates_view.png"))


def test_the_dialog_says_what_is_missing_and_keeps_the_case_open(view, qtbot, centre):
    choose(view, qtbot, 1)

    def fill(dialog: ConclusionDialog) -> None:
        assert [dialog.kind.itemText(i) for i in range(1, dialog.kind.count())] == [
            "同一人，保留某单位档案", "已转档", "不同人，身份证号录入有误", "重复救助已追回", "其他"]
        assert dialog.sides.item(0, 5).text() == "800.00" and dialog.sides.item(1, 5).text() == "500.00"
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
        assert "请选择处理结论" in dialog.error.text()
        pick(dialog, "其他")
        assert dialog.note_label.text() == "说明（必填）"
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
        assert "请写明说明" in dialog.error.text() and dialog.result() != QDialog.DialogCode.Accepted
        dialog.reject()

    working(view, qtbot, fill)
    assert view.conclude_selected() is False
    assert [t[2] for t in tops(view)] == ["未处理", "未处理"]


def test_a_conclusion_is_changed_then_withdrawn_from_the_dialog(view, qtbot, centre, said):
    li = centre["li"]
    choose(view, qtbot, 1)
    working(view, qtbot, lambda d: (pick(d, "重复救助已追回"), d.note.setPlainText("已追回500元"),
                                    qtbot.mouseClick(d.save_button, Qt.MouseButton.LeftButton)))
    assert view.conclude_selected()
    view.state.setCurrentText("已处理")
    choose(view, qtbot, 0)

    def change(dialog: ConclusionDialog) -> None:
        assert dialog.kind.currentText() == "重复救助已追回" and dialog.note.toPlainText() == "已追回500元"
        assert dialog.withdraw_button.isVisible()
        pick(dialog, "不同人，身份证号录入有误")
        assert dialog.unit_label.text() == "哪一方录入有误"
        dialog.unit.setCurrentIndex(dialog.unit.findData("460002"))
        if SHOTS:
            dialog.grab().save(os.path.join(SHOTS, "conclusion_dialog_change.png"))
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    working(view, qtbot, change)
    assert view.conclude_selected()
    assert tops(view) == [(li.id_number, "重复救助", "不同人，省旅游工会（460002）的身份证号录入有误")]
    choose(view, qtbot, 0)
    working(view, qtbot, lambda d: qtbot.mouseClick(d.withdraw_button, Qt.MouseButton.LeftButton))
    assert view.conclude_selected()
    assert said[-1][0] == "ask" and "撤销这一重复的处理结论" in said[-1][1]
    assert tops(view) == []
    view.state.setCurrentText("未处理")
    assert [t[0] for t in tops(view)] == [centre["zhang"].id_number, li.id_number]


def test_a_user_who_may_only_look_cannot_conclude(qtbot, db, centre):
    v = DuplicatesView(db=db, actor=Actor("shenpi", "界面", ("审批人",)))
    qtbot.addWidget(v)
    v.year.setValue(2015)
    choose(v, qtbot, 0)
    assert v.selected_case() is not None
    assert not v.conclude_button.isEnabled() and "只能查看" in v.conclude_button.toolTip()


def test_the_export_per_unit_writes_one_workbook_per_unit_of_the_cases_shown(view, tmp_path, centre):
    written = view.export_per_unit(tmp_path)
    assert [(unit, path.name, cases) for unit, path, cases in written] == [
        ("460001", "460001_省财贸工会_跨单位重复_2015.xlsx", 2), ("460002", "460002_省旅游工会_跨单位重复_2015.xlsx", 2)]
    view.kind.setCurrentText("重复救助")
    assert [cases for _u, _p, cases in view.export_per_unit(tmp_path / ".")] == [1, 1]


def test_the_centre_area_of_the_main_window_works_duplicates_as_the_logged_in_user(window, centre):
    from aiddesk.ui.main_window import CENTRE

    area = window.area(CENTRE)
    assert area.duplicates.service.actor.username == "admin" and area.duplicates.may_conclude


def test_the_household_form_saves_a_person_open_at_another_unit_and_tells_the_clerk(window, qtbot, make_household,
                                                                                     said):
    """At a unit, the archive form: 一户一档 refuses within the unit; a person open at another unit is saved, and the
    clerk is shown the warning naming that unit's archive; the centre then finds the person in 跨单位重复."""
    from aiddesk.db.units import all_units
    from aiddesk.ui.archive.household_form import HouseholdDialog
    from aiddesk.ui.main_window import CENTRE

    first = window.archive.save(make_household(1, name="张三", members=0))            # at 460001
    form = HouseholdDialog(service=window.archive, units=all_units(window.db.conn), parent=window)
    form.fields["unit_code"].setCurrentIndex(form.fields["unit_code"].findData("460002"))
    f = form.fields
    f["name"].setText("张三")
    qtbot.keyClicks(f["id_number"], make_household(1).id_number)
    f["id_number"].editingFinished.emit()
    qtbot.keyClicks(f["monthly_income"], "900")
    f["hardship_category"].setCurrentText("低保户")
    f["main_cause"].setCurrentText("下岗失业")
    assert form.try_save(), form.summary.text()
    [(kind, text)] = [s for s in said if s[0] == "info"]
    assert text.startswith("已保存。请注意：") and "跨单位重复" in text
    assert f"省财贸工会（460001）的在档档案 {first.archive_no}" in text
    view = window.area(CENTRE).duplicates
    view.reload()
    assert [(d.kind, d.units) for d in view.shown()] == [("在档重复", ["460001", "460002"])]
