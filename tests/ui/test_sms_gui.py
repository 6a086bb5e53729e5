"""短信通知 through its widgets: the template with a live count, exporting the list, importing a delivery report."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt

from aiddesk.core.batch import Batch
from aiddesk.db.audit import Actor
from aiddesk.db.household_list import HouseholdFilter
from aiddesk.services.archive import ArchiveService
from aiddesk.services.batches import BatchService
from aiddesk.services.payments import PaymentService
from aiddesk.services.sms import LIST_SHEET, SmsService
from aiddesk.ui.verification.column_mapping_dialog import ColumnMappingDialog
from aiddesk.ui.verification.sms_panel import FAILED_BACKGROUND, SmsPanel
from aiddesk.ui.verification.template_dialog import TemplateDialog
from workflow_steps import approve_batch

CLERK = Actor("jingban", "界面", ("经办人",))
REVIEWER = Actor("shenhe", "界面", ("审核人",))
APPROVER = Actor("shenpi", "界面", ("审批人",))
OFFICE = "海南省职工服务中心"
PEOPLE = {"张三": "13812345678", "李梅": "13912345678", "王五": "0898-66123456", "钱八": "13712345678"}


def make_batch(db, *, pay: bool = True) -> int:
    clerk = BatchService(db, CLERK)
    batch_id = clerk.save_draft(Batch(
        name="2026年两节送温暖", activity="送温暖", year=2026, unit_code="460000", fund_sources=["省总工会经费"],
        standard=Decimal("1000.00"), plan_text="方案", plan_approval_kind="主席办公会", plan_approved_by="主席办公会",
        plan_approved_on=date(2026, 11, 20), notice_phone="0898-66120000"))
    clerk.add_from_filter(batch_id, HouseholdFilter(statuses=()))
    approve_batch(db, batch_id, clerk=clerk.actor, reviewer=REVIEWER, approver=APPROVER,
                  noticed=date(2026, 11, 26), ended=date(2026, 12, 3), approved=date(2026, 12, 4))
    if pay:
        db.clock.set(date(2026, 12, 8))
        PaymentService(db, CLERK).mark_paid(batch_id, paid_on=date(2026, 12, 8))
    return batch_id


@pytest.fixture
def households(db, actor, make_household, receive):
    receive(db, 2026, "省总工会经费")
    service = ArchiveService(db, actor)
    for i, (name, phone) in enumerate(PEOPLE.items(), 1):
        service.save(make_household(i, name=name, phone=phone))


@pytest.fixture
def panel(qtbot, db, households) -> SmsPanel:
    p = SmsPanel(service=SmsService(db, CLERK), batch_id=make_batch(db))
    qtbot.addWidget(p)
    return p


def answer_dialogs(monkeypatch, panel, fill) -> list:
    """The panel's next dialogs are filled by ``fill(dialog)`` instead of being shown; returns those opened."""
    opened = []

    def run(dialog):
        opened.append(dialog)
        return fill(dialog)

    monkeypatch.setattr(panel, "run_dialog", run)
    return opened


def test_the_panel_shows_the_template_counts_and_every_line(panel):
    assert panel.template_box.title() == "短信模板（送温暖，默认）"
    assert panel.template_label.text().startswith("【{单位}】{姓名}：")
    assert panel.example_label.text().startswith(f"示例：【{OFFICE}】张三：")
    assert panel.counts_label.text() == "有效手机号 3 人，无手机号 1 人；已发送 0，发送失败 0，未发送 4"
    rows = panel.table_rows()
    assert [r[1] for r in rows] == ["张三", "李梅", "王五", "钱八"]
    assert rows[2][3] == "0898-66123456" and "无有效手机号" in rows[2][6]
    assert panel.export_button.isEnabled() and panel.import_button.isEnabled()
    assert not panel.retry_button.isEnabled()  # nothing failed yet


def test_an_unpaid_batch_shows_the_template_but_offers_no_sending(qtbot, db, households):
    p = SmsPanel(service=SmsService(db, CLERK), batch_id=make_batch(db, pay=False))
    qtbot.addWidget(p)
    assert not p.export_button.isEnabled() and not p.import_button.isEnabled()
    assert p.edit_button.isEnabled() and "已发放" in p.note_label.text()


def test_an_approver_reads_the_panel_with_the_buttons_greyed_out(qtbot, db, households):
    p = SmsPanel(service=SmsService(db, APPROVER), batch_id=make_batch(db))
    qtbot.addWidget(p)
    assert not any(b.isEnabled() for b in (p.edit_button, p.export_button, p.import_button))
    assert "只能查看" in p.export_button.toolTip()


def test_editing_the_template_counts_as_you_type_and_saves(qtbot, panel, monkeypatch):
    changed = []
    panel.changed.connect(lambda: changed.append(True))
    seen = {}

    def fill(d: TemplateDialog) -> bool:
        d.editor.setPlainText("{姓名}")
        seen["short"] = (d.preview_label.text(), d.count_label.text())
        d.insert_placeholder("金额")
        d.editor.insertPlainText("元" + "请" * 60)
        seen["70"] = d.count_label.text()
        d.editor.insertPlainText("查")
        seen["71"] = d.count_label.text()
        d.editor.setPlainText("{姓名}您好{编号}")
        seen["unknown"] = (d.error.isVisibleTo(d), d.error.text(), d.try_accept())
        d.restore_default()
        seen["default"] = d.text()
        d.editor.setPlainText("【{单位}】{姓名}：慰问金{金额}元已于{发放日期}到账。")
        return d.try_accept()

    opened = answer_dialogs(monkeypatch, panel, fill)
    qtbot.mouseClick(panel.edit_button, Qt.LeftButton)
    assert isinstance(opened[0], TemplateDialog)
    assert seen["short"] == ("张三", "共 2 字，1 条短信")
    assert seen["70"] == "共 70 字，1 条短信"  # 张三 + 1000.00 + 元 + 60
    assert seen["71"] == "共 71 字，超过一条短信，按 2 条计费"
    visible, error, accepted = seen["unknown"]
    assert visible and "{编号}" in error and not accepted
    assert seen["default"].startswith("【{单位}】{姓名}：")
    assert panel.template_box.title() == "短信模板（送温暖，本单位修改过）"
    assert panel.example_label.text() == f"示例：【{OFFICE}】张三：慰问金1000.00元已于2026年12月8日到账。（40字，1条短信）"
    assert changed == [True]


def test_placeholder_buttons_insert_at_the_cursor(qtbot, panel):
    d = TemplateDialog(service=panel.service, activity="送温暖", batch_id=panel.batch_id)
    qtbot.addWidget(d)
    d.editor.setPlainText("您好")
    d.editor.moveCursor(d.editor.textCursor().MoveOperation.Start)
    qtbot.mouseClick(d.placeholder_buttons["姓名"], Qt.LeftButton)
    assert d.text() == "{姓名}您好" and d.preview_label.text() == "张三您好"


def test_export_writes_the_list_and_says_where(panel, tmp_path, said):
    out = tmp_path / "短信名单.xlsx"
    assert panel.export_to(out)
    ws = load_workbook(out)[LIST_SHEET]
    assert [ws.cell(r, 2).value for r in range(2, 5)] == ["张三", "李梅", "钱八"]
    kind, text = said[-1]
    assert kind == "info" and "3 人" in text and "另有 1 人没有有效手机号码" in text and "导出不等于已发送" in text
    assert panel.counts_label.text().endswith("未发送 4")  # exporting marks nothing sent


def test_export_refused_is_said(panel, tmp_path, said):
    assert not panel.export_to(tmp_path / "名单.doc")
    assert said[-1][0] == "error" and ".xlsx" in said[-1][1]


def test_import_a_report_through_the_mapping_dialog(qtbot, panel, tmp_path, monkeypatch, said):
    path = tmp_path / "回执.csv"
    path.write_bytes("客户手机,投递结果,说明\r\n13812345678,DELIVRD,\r\n13912345678,UNDELIV,用户停机\r\n"
                     "13600000000,DELIVRD,\r\n".encode("gbk"))
    changed = []
    panel.changed.connect(lambda: changed.append(True))

    def fill(d: ColumnMappingDialog) -> bool:
        assert d.mapping() == {"status": "投递结果"}  # 客户手机 is no usual name: the user picks it
        assert not d.try_accept() and "手机号码" in d.error.text()
        d.choose("phone", "客户手机")
        d.choose("reason", "投递结果")
        assert not d.try_accept() and "每列只能对应一项" in d.error.text()
        d.choose("reason", "说明")
        assert d.sample.rowCount() == 3 and d.sample.item(1, 2).text() == "用户停机"
        return d.try_accept()

    opened = answer_dialogs(monkeypatch, panel, fill)
    result = panel.import_report(path)
    assert len(opened) == 1 and result is not None
    assert (result.sent, result.failed, result.changed) == (1, 1, 2)
    kind, text = said[-1]
    assert kind == "info" and "已送达 1 人，发送失败 1 人" in text and "第4行" in text and "13600000000" in text
    assert panel.counts_label.text() == "有效手机号 3 人，无手机号 1 人；已发送 1，发送失败 1，未发送 2"
    rows = {r[1]: r for r in panel.table_rows()}
    assert rows["李梅"][4:7:2] == ("发送失败", "用户停机") and rows["张三"][4] == "已发送"
    li_mei = [r[1] for r in panel.table_rows()].index("李梅")
    assert panel.table.item(li_mei, 0).background().color() == FAILED_BACKGROUND
    assert panel.retry_button.isEnabled() and changed == [True]

    # the next report of that platform needs no questions: the mapping was remembered
    def remembered(d: ColumnMappingDialog) -> bool:
        assert d.mapping() == {"phone": "客户手机", "status": "投递结果", "reason": "说明"}
        return d.try_accept()

    answer_dialogs(monkeypatch, panel, remembered)
    path.write_bytes("客户手机,投递结果,说明\r\n13912345678,DELIVRD,\r\n".encode("gbk"))
    assert panel.import_report(path).changed == 1
    assert panel.counts_label.text().endswith("已发送 2，发送失败 0，未发送 2")


def test_import_cancelled_or_refused_changes_nothing(panel, tmp_path, monkeypatch, said):
    path = tmp_path / "回执.csv"
    path.write_text("手机号码,状态\n13812345678,成功\n", encoding="utf-8")
    answer_dialogs(monkeypatch, panel, lambda d: False)
    assert panel.import_report(path) is None and said == []
    assert panel.import_report(path, {"phone": "手机号码", "status": "回执"}) is None
    assert said[-1][0] == "error" and "回执" in said[-1][1]
    assert panel.counts_label.text().endswith("未发送 4")


def test_panel_and_dialogs_render(qtbot, panel, tmp_path):
    """The panel and its dialogs draw something real; with AIDDESK_SHOTS=DIR the pictures are kept there for a
    person to look at (Chinese rendered, nothing cut off)."""
    import os

    shots = Path(os.environ.get("AIDDESK_SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "回执.csv"
    path.write_text("接收号码,回执状态,失败原因\n13812345678,DELIVRD,\n13912345678,失败,空号\n", encoding="utf-8")
    panel.import_report(path, {"phone": "接收号码", "status": "回执状态", "reason": "失败原因"})
    panel.resize(1100, 620)
    d = TemplateDialog(service=panel.service, activity="送温暖", batch_id=panel.batch_id)
    report = panel.service.read_report(path)
    m = ColumnMappingDialog(headers=report.headers, fields=panel.service.report_fields(),
                            mapping=panel.service.guess_mapping(report.headers),
                            sample_rows=[r.values for r in report.rows], title="导入发送回执 — 选择对应的列")
    for widget, name in ((panel, "sms_panel"), (d, "sms_template_dialog"), (m, "sms_mapping_dialog")):
        if widget is not panel:
            qtbot.addWidget(widget)
        widget.show()
        qtbot.waitExposed(widget)
        image = widget.grab().toImage()
        assert image.width() >= 300 and image.height() >= 150, name
        # Something is drawn: more than a handful of colours (an empty window is one or two).
        colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
        assert len(colours) > 8, name
        assert image.save(str(shots / f"{name}.png")), name
