"""A phone session through the 电话抽查 panel: draw, log calls with Enter moving on, follow a problem up to its end."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from PySide6.QtCore import QDate, Qt

from aiddesk.core.batch import Batch
from aiddesk.db.audit import Actor
from aiddesk.db.household_list import HouseholdFilter
from aiddesk.services.archive import ArchiveService
from aiddesk.services.batches import BatchService
from aiddesk.services.payments import PaymentService
from aiddesk.services.problems import ProblemService
from aiddesk.services.spot_checks import SpotCheckService
from aiddesk.ui.verification.problems_view import ProblemsView, ResolveDialog
from aiddesk.ui.verification.spot_check_panel import SpotCheckPanel
from workflow_steps import approve_batch

CLERK = Actor("jingban", "界面", ("经办人",))
REVIEWER = Actor("shenhe", "界面", ("审核人",))
APPROVER = Actor("shenpi", "界面", ("审批人",))
PEOPLE = [("张三", "460001"), ("李梅", "460001"), ("王五", "460001"), ("赵六", "460001"),
          ("陈七", "460002"), ("刘八", "460002")]


@pytest.fixture
def paid(db, actor, make_household, receive) -> int:
    """A 生活救助 batch of six households (four of 省财贸工会, two of 省旅游工会), paid on 22 October 2026."""
    receive(db, 2026, "省总工会经费")
    archive = ArchiveService(db, actor)
    for i, (name, unit) in enumerate(PEOPLE, start=1):
        archive.save(make_household(i, name=name, unit_code=unit, phone=f"1390898{i:04d}"))
    clerk = BatchService(db, CLERK)
    batch_id = clerk.save_draft(Batch(notice_phone="0898-66123456", name="2026年国庆生活救助", activity="生活救助",
                                      year=2026, unit_code="460000", fund_sources=["省总工会经费"],
                                      standard=Decimal("800.00")))
    clerk.add_from_filter(batch_id, HouseholdFilter(statuses=()))
    approve_batch(db, batch_id, clerk=clerk.actor, reviewer=REVIEWER, approver=APPROVER,
                  noticed=date(2026, 10, 12), ended=date(2026, 10, 19), approved=date(2026, 10, 20))
    db.clock.set(date(2026, 10, 22))
    PaymentService(db, CLERK).mark_paid(batch_id, paid_on=date(2026, 10, 22))
    db.clock.set(date(2026, 11, 26))  # the calls and their follow-up are done in the weeks after
    return batch_id


def make_panel(qtbot, db, batch_id, who=CLERK) -> SpotCheckPanel:
    panel = SpotCheckPanel(service=SpotCheckService(db, who), problems=ProblemService(db, who), batch_id=batch_id)
    qtbot.addWidget(panel)
    panel.resize(1180, 720)
    panel.show()
    return panel


def test_a_phone_session(qtbot, db, paid, said, tmp_path):
    panel = make_panel(qtbot, db, paid)
    changes = []
    panel.changed.connect(lambda: changes.append(1))
    assert panel.draw_rows() == [] and panel.item_rows() == []
    assert "已发放 6 人；已抽查 0 人" in panel.coverage.text()

    panel.by_count.setChecked(True)
    panel.count.setValue(3)
    qtbot.mouseClick(panel.draw_button, Qt.LeftButton)
    [round_one] = panel.draw_rows()
    seed = round_one[3]
    assert round_one[0] == "第 1 轮" and round_one[2] == "jingban" and round_one[4] == "按人数 3 人"
    assert round_one[5] == "3/6" and round_one[6] == "省财贸工会 2/4、省旅游工会 1/2"
    assert seed in panel.draw_facts.text()
    rows = panel.item_rows()
    assert len(rows) == 3 and all(r[7] == "未抽查" for r in rows)
    phones = {name: f"1390898{i:04d}" for i, (name, _unit) in enumerate(PEOPLE, start=1)}
    assert all(r[3] == phones[r[2]] for r in rows)        # full numbers: the caller dials them
    assert [r[4] for r in rows] == ["800.00"] * 3 and rows[0][5] == "2026-10-22"
    # the first line is ready to be called, with the cursor on the result
    assert panel.current_item().name == rows[0][2]
    assert panel.focusWidget() is panel.result

    called = QDate(2026, 10, 26)
    panel.called_on.setDate(called)
    for result, note in (("核实一致", ""), ("未接通", "无人接听"), ("金额不符", "称只收到500元")):
        panel.result.setCurrentText(result)
        panel.note.setText(note)
        qtbot.keyClick(panel.note if note else panel.result, Qt.Key_Return)
    rows = panel.item_rows()
    assert [r[7] for r in rows] == ["核实一致", "未接通", "金额不符"]
    assert [r[8] for r in rows] == ["1", "1", "1"]
    assert rows[1][9] == "2026-10-26 未接通（jingban）无人接听"
    assert panel.note.text() == "" and panel.result.currentText() == "核实一致"   # ready for the next call
    assert "已列入下方" in panel.call_log.text()
    assert len(changes) == 4

    # the discrepancy is now a problem of the batch, shown below the calls
    assert [(r[1], r[3], r[4], r[5], r[6]) for r in panel.problems.rows()] == [
        ("电话抽查", rows[2][2], "金额不符", "称只收到500元", "未处理")]
    assert "已抽查 3 人（50.0%），接通核实 2 人，发现不一致 1 人" in panel.coverage.text()

    # the call sheet, printed and exported
    assert panel.write_call_sheet(tmp_path / "抽查.pdf") == 3
    text = "".join(p.extract_text() for p in PdfReader(tmp_path / "抽查.pdf").pages)
    assert seed in text and all(phones[r[2]] in text for r in rows)
    assert panel.export_xlsx(tmp_path / "抽查") is True
    ws = load_workbook(tmp_path / "抽查.xlsx").active
    assert seed in ws.cell(3, 1).value
    assert said[-1] == ("info", f"已导出 3 人的电话抽查记录表：{tmp_path / '抽查.xlsx'}")

    # resolving it: a reason is required, then it is closed
    view = panel.problems
    assert view.select_problem(view._problems[0].id)
    opened = []

    def fill(dialog: ResolveDialog) -> bool:
        opened.append(dialog)
        dialog.resolved_on.setDate(QDate(2026, 11, 2))
        dialog.resolution.setPlainText("好")
        assert dialog.try_accept() is False
        assert "处理结果" in dialog.error.text()
        dialog.resolution.setPlainText("经查银行扣除年费300元，已协调退回，本人确认收到800元")
        return dialog.try_accept()

    view.run_dialog = fill
    qtbot.mouseClick(view.resolve_button, Qt.LeftButton)
    assert len(opened) == 1
    assert view.rows() == []                                   # nothing open any more
    assert view.summary.text() == "没有未处理的问题"
    view.show_all()
    [done] = view.rows()
    assert done[6] == "已处理：经查银行扣除年费300元，已协调退回，本人确认收到800元（jingban，2026-11-02）"
    assert len(changes) == 5
    assert ProblemService(db, CLERK).problems(open_only=True) == []


def test_the_seed_repeats_a_round(qtbot, db, paid, said):
    panel = make_panel(qtbot, db, paid)
    panel.share.setValue(50)
    assert panel.draw_sample()
    first = [r[2] for r in panel.item_rows()]
    seed = panel.draw_rows()[0][3]
    assert len(first) == 5      # 50% of 6 is 3, but at least 5 are called
    panel.draw_sample()         # another round, another seed
    panel.seed.setText(seed.lower())
    qtbot.keyClick(panel.seed, Qt.Key_Return)
    assert [r[0] for r in panel.draw_rows()] == ["第 1 轮", "第 2 轮", "第 3 轮"]
    assert panel.draw_rows()[2][3] == seed and panel.selected_draw().round_no == 3
    assert [r[2] for r in panel.item_rows()] == first
    assert said[-1] == ("info", f"用随机种子 {seed} 重新抽取了 5 人，与第 1 轮抽到的人员完全一致。")
    # choosing an earlier round shows its lines
    panel.select_draw(panel._draws[0].id)
    assert [r[2] for r in panel.item_rows()] == first and panel.current_item().name == first[0]


def test_an_unpaid_batch_and_a_reader(qtbot, db, paid, said):
    clerk = BatchService(db, CLERK)
    draft = clerk.save_draft(Batch(name="2026年第二批生活救助", activity="生活救助", year=2026, unit_code="460000",
                                   fund_sources=["省总工会经费"], standard=Decimal("800.00")))
    panel = make_panel(qtbot, db, draft)
    assert not panel.draw_button.isEnabled()
    assert "“草稿”状态" in panel.coverage.text()

    SpotCheckService(db, CLERK).draw(paid, count=2)
    reader = make_panel(qtbot, db, paid, who=APPROVER)
    assert len(reader.item_rows()) == 2                     # the approver sees the draw …
    assert not reader.draw_button.isEnabled() and not reader.record_button.isEnabled()
    assert "只能查看" in reader.draw_button.toolTip()
    assert reader.record_current() is False and "没有此权限" in reader.record_error.text()
    assert db.conn.execute("SELECT count(*) FROM phone_calls").fetchone()[0] == 0


def test_problems_view_of_all_batches_opens_the_archive_or_the_batch(qtbot, db, paid):
    service = SpotCheckService(db, CLERK)
    drawn = service.draw(paid, count=2)
    service.record_call(drawn.record_ids[0], result="本人未收到", called_on=date(2026, 10, 26))
    view = ProblemsView(ProblemService(db, CLERK))
    qtbot.addWidget(view)
    assert [r[2] for r in view.rows()] == ["2026年国庆生活救助"]
    assert [view.year_filter.itemText(i) for i in range(view.year_filter.count())] == ["全部年度", "2026年"]
    households, batches = [], []
    view.household_requested.connect(households.append)
    view.batch_requested.connect(batches.append)
    view._double_clicked(0, 3)
    view._double_clicked(0, 2)
    line = BatchService(db, CLERK).records(paid)
    assert households == [next(r.household_id for r in line if r.id == drawn.record_ids[0])]
    assert batches == [paid]
    reader = ProblemsView(ProblemService(db, APPROVER))
    qtbot.addWidget(reader)
    reader.select_problem(reader._problems[0].id)
    assert not reader.resolve_button.isEnabled() and "只能查看" in reader.resolve_button.toolTip()


def test_printing_builds_the_sheet_off_the_gui_thread(qtbot, db, paid):
    drawn = SpotCheckService(db, CLERK).draw(paid, count=4, seed="B00C5EED")
    panel = make_panel(qtbot, db, paid)
    shown = []
    panel.preview = lambda pdf, title: shown.append((pdf, title))
    panel.print_call_sheet()
    qtbot.waitUntil(lambda: len(shown) == 1, timeout=30_000)
    pdf, title = shown[0]
    assert title == "电话抽查记录表（第1轮）"
    text = "".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert "B00C5EED" in text and all(i.name in text for i in SpotCheckService(db, CLERK).items(drawn.draw.id))
