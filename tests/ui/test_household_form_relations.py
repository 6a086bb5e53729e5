"""The household form: 与户主关系 offers GB/T 4761-2008's names and takes a family's own word, keeping a book's word;
the 身份证号 says what document it is (居民身份证, 港澳台居民居住证, 外国人永久居留身份证)."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from PySide6.QtWidgets import QComboBox

from aiddesk.core.household import Member
from aiddesk.core.idcard import make_id
from aiddesk.core.relations import standard_names
from aiddesk.db.units import all_units
from aiddesk.ui.archive.household_form import HouseholdDialog

HEAD_ID = make_id("460100", date(1972, 8, 15), 37)
TAIWAN = "830000199201300022"
FOREIGNER = "932682198501010017"


def _form(window, household=None) -> HouseholdDialog:
    form = HouseholdDialog(service=window.archive, units=all_units(window.db.conn), household=household, parent=window)
    form.fields["unit_code"].setCurrentIndex(form.fields["unit_code"].findData("460001"))
    return form


def _relation_box(form: HouseholdDialog, row: int) -> QComboBox:
    return form.members_table.cellWidget(row, 1)


def _fill(form: HouseholdDialog, qtbot, id_number: str) -> None:
    f = form.fields
    f["name"].setText("陈美玲")
    qtbot.keyClicks(f["id_number"], id_number)
    f["id_number"].editingFinished.emit()
    f["hardship_category"].setCurrentText("低保户")
    f["main_cause"].setCurrentText("下岗失业")


def test_the_relation_drop_down_offers_the_standard_names_and_takes_a_familys_word(window, qtbot):
    form = _form(window)
    qtbot.addWidget(form)
    _fill(form, qtbot, HEAD_ID)
    row = form.add_member_row(Member())
    box = _relation_box(form, row)
    assert box.isEditable()
    assert [box.itemText(i) for i in range(box.count())] == ["", *standard_names()]
    form.set_member_cell(row, "name", "吴建国")
    box.setEditText("老公")  # typed as the family says it
    assert form.try_save(), form.summary.text()
    saved = window.archive.get(form.result_.household_id)
    assert [(m.relation, m.relation_as_written) for m in saved.members] == [("夫", "老公")]


def test_a_books_word_shows_beside_the_standard_name_and_stays_until_the_relation_changes(window, qtbot, make_household):
    h = make_household(1)
    h.members[1].relation, h.members[1].relation_as_written = "子", "儿子"
    saved = window.archive.get(window.archive.save(h).household_id)
    form = _form(window, saved)
    qtbot.addWidget(form)
    box = _relation_box(form, 1)
    assert box.currentText() == "子" and box.toolTip() == "台账原写法：儿子"
    assert form.try_save(), form.summary.text()  # saved unchanged: the book's word stays
    again = window.archive.get(saved.id)
    assert [(m.relation, m.relation_as_written) for m in again.members][1] == ("子", "儿子")
    form = _form(window, again)
    qtbot.addWidget(form)
    _relation_box(form, 1).setCurrentText("女")  # corrected: the old word no longer says what the relation is
    assert form.try_save(), form.summary.text()
    assert [(m.relation, m.relation_as_written) for m in window.archive.get(saved.id).members][1] == ("女", "")


def test_a_word_that_names_no_relation_is_shown_next_to_the_members(window, qtbot):
    form = _form(window)
    qtbot.addWidget(form)
    _fill(form, qtbot, HEAD_ID)
    row = form.add_member_row(Member())
    form.set_member_cell(row, "name", "吴建国")
    _relation_box(form, row).setEditText("工作单位")
    assert not form.try_save()
    assert "第1位家庭成员：“工作单位”不是家庭关系" in form.errors["members"].text()


def test_the_id_number_says_which_document_it_is_and_a_permit_is_saved(window, qtbot, tmp_path):
    form = _form(window)
    qtbot.addWidget(form)
    form.show()
    _fill(form, qtbot, TAIWAN)
    assert form.id_kind_label.text() == "台湾居民居住证"
    assert form.fields["gender"].currentText() == "女" and form.birth_label.text() == "1992-01-30"
    row = form.add_member_row(Member())
    form.set_member_cell(row, "name", "Omar")
    form.set_member_cell(row, "relation", "配偶")
    form.set_member_cell(row, "id_number", FOREIGNER)
    assert form.members_table.item(row, 2).toolTip() == "外国人永久居留身份证"
    shot = Path(os.environ.get("AIDDESK_SCREENSHOTS", tmp_path)) / "household_form_permit.png"
    form.tabs.setCurrentIndex(0)
    qtbot.wait(50)  # the layout takes the label's new text
    assert form.id_kind_label.width() >= form.id_kind_label.sizeHint().width()  # not cut off
    form.grab().save(str(shot))
    assert form.try_save(), form.summary.text()
    saved = window.archive.get(form.result_.household_id)
    assert (saved.id_number, saved.members[0].id_number) == (TAIWAN, FOREIGNER)
    form = _form(window, saved)
    qtbot.addWidget(form)
    assert form.id_kind_label.text() == "台湾居民居住证"  # shown again when the archive is opened
    form.fields["id_number"].setText("830000199201300023")
    form.fields["id_number"].editingFinished.emit()
    assert form.id_kind_label.text() == "" and "台湾居民居住证号码校验位错误" in form.errors["id_number"].text()
