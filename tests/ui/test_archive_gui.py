"""The archive through the real widgets: enter, refuse a duplicate, close, find by pinyin, history."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QLabel

from aiddesk.core.household import Member
from aiddesk.core.idcard import make_id
from aiddesk.db.units import all_units
from aiddesk.ui.archive.history_dialog import HistoryDialog
from aiddesk.ui.archive.household_form import HouseholdDialog
from aiddesk.ui.archive.status_dialog import StatusDialog

HEAD_ID = make_id("460100", date(1972, 8, 15), 37)
SPOUSE_ID = make_id("460100", date(1974, 2, 1), 48)
CHILD_ID = make_id("460100", date(2004, 9, 9), 53)


def _fill_head(form: HouseholdDialog, qtbot, *, name: str, id_number: str) -> None:
    f = form.fields
    f["name"].setText(name)  # QTest can type ASCII only; Chinese goes in as an input method would
    qtbot.keyClicks(f["id_number"], id_number)
    f["id_number"].editingFinished.emit()
    qtbot.keyClicks(f["phone"], "13907551234")
    qtbot.keyClicks(f["monthly_income"], "1200")
    qtbot.keyClicks(f["other_annual_income"], "2,400.00")
    f["hardship_category"].setCurrentText("低保边缘户")
    f["main_cause"].setCurrentText("患重特大疾病")


def _new_form(window) -> HouseholdDialog:
    form = HouseholdDialog(service=window.archive, units=all_units(window.db.conn), parent=window)
    form.fields["unit_code"].setCurrentIndex(form.fields["unit_code"].findData("460001"))
    return form


def test_enter_household_with_two_members_and_an_attachment(window, qtbot, tmp_path):
    form = _new_form(window)
    _fill_head(form, qtbot, name="符海燕", id_number=HEAD_ID.lower())
    assert form.fields["gender"].currentText() == ("女" if int(HEAD_ID[16]) % 2 == 0 else "男")
    assert form.birth_label.text() == "1972-08-15"
    row = form.add_member_row(Member())
    form.set_member_cell(row, "name", "吴建国")
    form.set_member_cell(row, "relation", "配偶")
    form.set_member_cell(row, "id_number", SPOUSE_ID)
    form.set_member_cell(row, "monthly_income", "600")
    row = form.add_member_row(Member())
    form.set_member_cell(row, "name", "吴小燕")
    form.set_member_cell(row, "relation", "女")
    form.set_member_cell(row, "id_number", CHILD_ID)
    form.set_member_cell(row, "identity", "学生")
    assert form.fields["household_size"].value() == 3

    scan = tmp_path / "身份证.png"
    scan.write_bytes(b"\x89PNG\r\n\x1a\nfake scan of an ID card")
    form.queue_attachment("身份证/户口本", scan)

    form.show_suggestion()
    text = form.suggestion_view.toPlainText()
    # (1200 + 600 + 0) + 2400/12 = 2000 per month, / 3 people = 666.67 < 700 (海口 2026 line)
    assert "666.67" in text and "700.00" in text and "建议类别：低保户" in text
    assert form.fields["hardship_category"].currentText() == "低保边缘户"  # never overwritten silently
    form.adopt_button.click()
    assert form.fields["hardship_category"].currentText() == "低保户"

    assert form.try_save(), form.summary.text()
    saved = window.archive.get(form.result_.household_id)
    assert [m.name for m in saved.members] == ["吴建国", "吴小燕"]
    assert saved.per_capita_income == Decimal("666.67")
    attachments = window.archive.attachments(saved.id)
    assert [a.kind for a in attachments] == ["身份证/户口本"]
    assert (window.db.attachment_dir / attachments[0].stored_name).read_bytes() == scan.read_bytes()
    assert "身份证/户口本" not in saved.missing_docs and "疾病证明" in saved.missing_docs


def test_duplicate_id_is_refused_next_to_the_field(window, qtbot, make_household):
    first = window.archive.save(make_household(1, name="张三"))
    form = _new_form(window)
    _fill_head(form, qtbot, name="张三丰", id_number=make_household(1).id_number)
    assert not form.try_save()
    message = form.errors["id_number"].text()
    assert "一户一档" in message and first.archive_no in message
    assert first.archive_no in form.summary.text()
    window.list_view.refresh()
    assert window.list_view.model.total == 1  # nothing half-saved


def test_bad_check_digit_is_explained(window, qtbot):
    form = _new_form(window)
    wrong = HEAD_ID[:17] + ("0" if HEAD_ID[17] != "0" else "1")
    qtbot.keyClicks(form.fields["id_number"], wrong)
    form.fields["id_number"].editingFinished.emit()
    assert f"应为{HEAD_ID[17]}" in form.errors["id_number"].text()


def test_close_an_archive_as_tuokun(window, qtbot, make_household):
    saved = window.archive.save(make_household(2, name="王建华"))
    window.list_view.refresh(saved.household_id)
    dialog = StatusDialog(service=window.archive, household=window.archive.get(saved.household_id),
                          target="脱困", parent=window)
    dialog.note.setText("家庭收入已稳定超过低保边缘线")
    assert dialog.try_accept(), dialog.error_label.text()
    window.list_view.refresh()
    assert window.list_view.model.total == 0  # gone from the working archive …
    window.list_view.view_box.setCurrentText("脱困库")
    assert window.list_view.model.total == 1  # … kept in 脱困库
    h = window.archive.get(saved.household_id)
    assert h.archive_status == "脱困" and h.exit_reason == "脱困" and h.exit_date is not None
    assert "脱困 1" in window.count_label.text()


def test_reopening_an_archive_whose_family_is_open_at_another_unit_says_so(window, make_household, said):
    closed = window.archive.save(make_household(2, name="王建华", members=0))
    window.archive.change_status(closed.household_id, "注销", on=date(2026, 11, 1), reason="其他")
    other = window.archive.save(make_household(2, name="王建华", members=0, unit_code="460002"))
    dialog = StatusDialog(service=window.archive, household=window.archive.get(closed.household_id),
                          target="在档", parent=window)
    assert dialog.try_accept(), dialog.error_label.text()
    assert window.archive.get(closed.household_id).archive_status == "在档"
    (kind, text), = said
    assert kind == "info" and text.startswith("已改为在档。请注意") and other.archive_no in text
    assert "跨单位重复" in text and "省旅游工会（460002）" in text


def test_find_a_household_by_pinyin_initials(window, qtbot, make_household):
    for seq, name in enumerate(["张三", "李四", "王五", "曾小单"], start=1):
        window.archive.save(make_household(seq, name=name, members=0))
    window.list_view.refresh()
    assert window.list_view.model.total == 4
    qtbot.keyClicks(window.list_view.search, "zs")
    qtbot.waitUntil(lambda: window.list_view.model.total == 1, timeout=2000)
    model = window.list_view.model
    assert model.data(model.index(0, 1), Qt.DisplayRole) == "张三"
    window.list_view.search.clear()
    qtbot.keyClicks(window.list_view.search, "zxd")
    qtbot.waitUntil(lambda: model.total == 1 and model.data(model.index(0, 1)) == "曾小单", timeout=2000)


def test_history_dialog_shows_changes(window, qtbot, make_household):
    saved = window.archive.save(make_household(3, name="林志强"))
    h = window.archive.get(saved.household_id)
    h.phone = "13900000000"
    window.archive.save(h)
    dialog = HistoryDialog(title="林志强", entries=window.archive.history(saved.household_id), parent=window)
    texts = [dialog.table.item(r, 4).text() for r in range(dialog.table.rowCount())]
    assert any("手机号码：13812345678 → 13900000000" in t for t in texts)
    assert dialog.table.item(0, 1).text() == "admin"


def test_missing_proofs_follow_category_and_causes(window):
    form = _new_form(window)
    form.fields["hardship_category"].setCurrentText("低保边缘户")
    assert "低保证" not in form.missing_label.text() and "身份证/户口本" in form.missing_label.text()
    form.fields["hardship_category"].setCurrentText("低保户")
    assert "低保证" in form.missing_label.text()
    next(c for c in form.secondary_checks if c.text() == "患重特大疾病").setChecked(True)
    assert "疾病证明" in form.missing_label.text()


def test_changing_the_id_number_updates_sex_and_birth_date(window, qtbot, make_household):
    saved = window.archive.save(make_household(4, name="陈美玲"))
    form = HouseholdDialog(service=window.archive, units=all_units(window.db.conn),
                           household=window.archive.get(saved.household_id), parent=window)
    new_id = make_id("460100", date(1980, 1, 5), 2)  # an even sequence digit: 女
    form.fields["id_number"].setText(new_id)
    form.fields["id_number"].editingFinished.emit()
    assert form.fields["gender"].currentText() == "女" and form.birth_label.text() == "1980-01-05"
    assert form.try_save(), form.summary.text()
    h = window.archive.get(saved.household_id)
    assert h.id_number == new_id and h.birth_date == date(1980, 1, 5) and h.gender == "女"


def test_the_status_dialog_shows_the_history_and_tells_undo_from_reopening(window, qtbot, make_household, tmp_path):
    archive = window.archive
    hid = archive.save(make_household(4, name="周海燕")).household_id
    archive.change_status(hid, "脱困", on=date(2026, 9, 30), reason="脱困", note="子女就业")
    dialog = StatusDialog(service=archive, household=archive.get(hid), parent=window)
    qtbot.addWidget(dialog)
    cells = [[dialog.history.item(r, c).text() for c in range(3)] for r in range(dialog.history.rowCount())]
    assert cells == [["在档", "2026-03-01", "2026-09-30"], ["脱困", "2026-09-30", "至今"]]
    assert dialog.target.itemText(0) == "重新启用（恢复在档）"
    assert "撤销后它从状态记录中删除" in dialog.undo_box.findChildren(QLabel)[0].text()
    dialog.resize(640, dialog.sizeHint().height())
    dialog.grab().save(str(tmp_path / "status_dialog.png"))
    # reopening: a new period from its own date, the exit kept
    dialog.target.setCurrentIndex(dialog.target.findData("在档"))
    assert dialog.on_label.text() == "生效日期"
    dialog.on.setDate(QDate(2026, 11, 2))
    assert dialog.try_accept(), dialog.error_label.text()
    assert [p.status for p in archive.status_periods(hid)] == ["在档", "脱困", "在档"]
    # undoing: the reopening was a mistake after all — it goes, and the archive is 脱困 again since 30 September
    again = StatusDialog(service=archive, household=archive.get(hid), parent=window)
    qtbot.addWidget(again)
    assert not again.undo()
    assert "撤销的原因" in again.error_label.text()
    again.undo_reason.setText("重新启用办错了户")
    assert again.undo()
    h = archive.get(hid)
    assert (h.archive_status, h.exit_date) == ("脱困", date(2026, 9, 30))
    assert [p.status for p in archive.status_periods(hid)] == ["在档", "脱困"]


def test_an_archive_never_changed_has_nothing_to_undo(window, qtbot, make_household):
    hid = window.archive.save(make_household(5, name="吴刚")).household_id
    dialog = StatusDialog(service=window.archive, household=window.archive.get(hid), parent=window)
    qtbot.addWidget(dialog)
    assert not dialog.undo_button.isEnabled()
    assert "没有可以撤销的操作" in dialog.undo_box.findChildren(QLabel)[0].text()
