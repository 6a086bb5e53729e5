"""入户走访 and 满意度 through their views: draw, record a visit, go to the archive, record feedback, see the rate."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QDate, Qt

from aiddesk.core.batch import Batch
from aiddesk.db.audit import Actor
from aiddesk.db.household_list import HouseholdFilter
from aiddesk.services.archive import ArchiveService
from aiddesk.services.batches import BatchService
from aiddesk.services.feedback import FeedbackService
from aiddesk.services.home_visits import HomeVisitService
from aiddesk.services.payments import PaymentService
from aiddesk.ui import messages
from aiddesk.ui.verification.feedback_view import FeedbackDialog, FeedbackView
from aiddesk.ui.verification.visits_view import VisitDialog, VisitsView
from workflow_steps import approve_batch

YEAR = 2026
CLERK = Actor("jingban", "界面", ("经办人",))
REVIEWER = Actor("shenhe", "界面", ("审核人",))
APPROVER = Actor("shenpi", "界面", ("审批人",))


def answer_dialogs(monkeypatch, view, fill) -> list:
    """The view's next dialogs are filled by ``fill(dialog)`` instead of being shown; returns those opened."""
    opened = []

    def run(dialog):
        opened.append(dialog)
        return fill(dialog)

    monkeypatch.setattr(view, "run_dialog", run)
    return opened


@pytest.fixture
def households(db, actor, make_household) -> list[int]:
    """12 在档 households in 省财贸工会 and 6 in 省旅游工会, and one 临时 that is never drawn."""
    service = ArchiveService(db, actor)
    ids = [service.save(make_household(i, name=f"职工{i:02d}", members=1,
                                       unit_code="460001" if i <= 12 else "460002")).household_id
           for i in range(1, 19)]
    service.save(make_household(30, name="临时户", archive_status="临时"))
    return ids


@pytest.fixture
def visits(qtbot, db, actor, households) -> VisitsView:
    view = VisitsView(service=HomeVisitService(db, actor))
    qtbot.addWidget(view)
    view.year.setValue(YEAR)
    return view


def draw(qtbot, view, percent: int, seed: str) -> None:
    view.set_share(percent)
    view.seed.setText(seed)
    qtbot.mouseClick(view.draw_button, Qt.LeftButton)


def visit(visitors: str, outcome: str, note: str = "", on: QDate = QDate(2026, 11, 20)):
    def fill(d: VisitDialog) -> bool:
        d.visited_on.setDate(on)
        d.visitors.setText(visitors)
        d.outcome.setCurrentText(outcome)
        d.note.setPlainText(note)
        return d.try_accept()

    return fill


# ---- 入户走访 ------------------------------------------------------------------------------------

def test_a_draw_is_listed_with_its_strata_and_repeats_from_its_seed(qtbot, visits, said):
    assert visits.draw_rows() == []
    assert visits.amount.value() == 10  # the default share from resources/rules/verification.json
    draw(qtbot, visits, 20, "7c3a91d0")
    assert visits.error.isHidden()
    (row,) = visits.draw_rows()
    # 20 % of 18 在档 is 4 (3.6 rounded up): 3 of 省财贸工会's 12 and 1 of 省旅游工会's 6.
    assert row[1:7] == ("比例 20%", "7C3A91D0", "18", "4", "0", "省财贸工会 3/12、省旅游工会 1/6")
    first = visits.household_rows()
    assert len(first) == 4 and [r[0] for r in first] == ["1", "2", "3", "4"]
    assert all(r[2].startswith("职工") for r in first)
    assert [r[3] for r in first].count("省旅游工会") == 1
    assert first[0][4:9] == ("海口市龙华区金贸路1号", "13812345678", "低保户", "2", "650.00")
    assert visits.coverage.text() == "2026年已走访 0 户 / 在档 18 户，覆盖率 0.0%"

    draw(qtbot, visits, 20, "7C3A91D0")
    assert len(visits.draw_rows()) == 2
    assert visits.household_rows() == first  # the new draw is selected and picked the same households


def test_a_draw_by_count_and_a_draw_refused_beside_the_controls(qtbot, db, actor, visits):
    visits.set_count(5)
    assert visits.draw()
    assert len(visits.household_rows()) == 5
    assert visits.draw_rows()[0][1] == "人数 5 户" and len(visits.draw_rows()[0][2]) == 8  # a fresh seed
    for household_id in db.conn.execute("SELECT id FROM households WHERE archive_status = '在档'"):
        ArchiveService(db, actor).change_status(household_id[0], "注销", on=date(2026, 11, 1), reason="退休")
    assert not visits.draw()
    assert not visits.error.isHidden() and "没有“在档”的档案" in visits.error.text()
    assert len(visits.draw_rows()) == 1


def test_a_visit_is_recorded_and_shown_with_the_coverage(qtbot, visits, monkeypatch, said):
    draw(qtbot, visits, 20, "A1")
    visits.households.selectRow(0)
    name = visits.household_rows()[0][2]
    opened = answer_dialogs(monkeypatch, visits, visit("王芳、李强", "情况属实"))
    qtbot.mouseClick(visits.record_button, Qt.LeftButton)
    assert len(opened) == 1 and opened[0].visit_id
    row = visits.household_rows()[0]
    assert (row[2], row[10], row[11]) == (name, "2026-11-20", "情况属实")
    assert visits.draw_rows()[0][5] == "1"
    assert visits.coverage.text().startswith("2026年已走访 1 户 / 在档 18 户")
    assert said == []  # 情况属实: nothing to do in the archive


def test_a_changed_situation_needs_a_note_then_offers_the_archive(qtbot, visits, monkeypatch, said):
    draw(qtbot, visits, 20, "B2")
    visits.households.selectRow(1)
    target = visits.selected_household_ids()[0]
    requested = []
    visits.household_requested.connect(requested.append)

    def fill(d: VisitDialog) -> bool:
        d.visited_on.setDate(QDate(2026, 11, 21))
        d.visitors.setText("王芳")
        d.outcome.setCurrentText("建议脱困")
        assert d.form.labelForField(d.note).text() == "情况说明 *"
        assert not d.try_accept()  # no note yet
        assert not d.error.isHidden() and "写明家庭情况有何变化" in d.error.text()
        d.note.setPlainText("户主已再就业，月收入4500元，家庭月人均收入超过低保标准")
        return d.try_accept()

    answer_dialogs(monkeypatch, visits, fill)
    assert visits.record_selected()
    assert said and said[-1][0] == "ask" and "建议脱困" in said[-1][1] and "办理脱困" in said[-1][1]
    assert requested == [target]
    assert visits.household_rows()[1][11] == "建议脱困"


def test_declining_the_archive_keeps_the_user_here(qtbot, visits, monkeypatch):
    draw(qtbot, visits, 20, "C3")
    visits.households.selectRow(0)
    requested = []
    visits.household_requested.connect(requested.append)
    monkeypatch.setattr(messages, "ask", lambda parent, text, **kw: False)
    answer_dialogs(monkeypatch, visits, visit("王芳", "情况变化", "配偶住院治疗，医疗支出增加"))
    assert visits.record_selected()
    assert requested == []
    # Double-clicking a household (or 打开档案) still asks for its archive.
    visits.households.selectRow(0)
    qtbot.mouseClick(visits.archive_button, Qt.LeftButton)
    assert requested == visits.selected_household_ids()


def test_the_forms_of_the_drawn_households_are_printed(qtbot, visits, tmp_path, monkeypatch):
    draw(qtbot, visits, 20, "D4")
    names = [r[2] for r in visits.household_rows()]
    out = tmp_path / "走访.pdf"
    drawn = [p.household_id for p in visits.service.planned(visits.selected_draw_id())]
    assert visits.write_forms(out, drawn) == 4
    texts = [page.extract_text() for page in PdfReader(out).pages]
    assert [n for n, t in zip(names, texts) if n in t] == names

    shown = []
    monkeypatch.setattr(visits, "open_preview", lambda pdf, title: shown.append((pdf, title)))
    visits.households.selectRow(2)
    visits.print_selected()
    qtbot.waitUntil(lambda: bool(shown), timeout=10_000)
    pdf, title = shown[0]
    assert title == "入户走访登记表（1户）"
    (page,) = PdfReader(pdf).pages
    assert names[2] in page.extract_text()


def test_an_approver_sees_the_visits_but_cannot_draw(qtbot, db, households):
    view = VisitsView(service=HomeVisitService(db, APPROVER))
    qtbot.addWidget(view)
    assert not view.draw_button.isEnabled() and "只能查看" in view.draw_button.toolTip()
    assert not view.record_button.isEnabled()


# ---- 满意度 ------------------------------------------------------------------------------------

@pytest.fixture
def paid(db, receive, households) -> int:
    """A 送温暖 batch of the 18 在档 households, paid on 12 November 2026."""
    receive(db, YEAR, "省总工会经费")
    clerk = BatchService(db, CLERK)
    batch_id = clerk.save_draft(Batch(
        notice_phone="0898-66123456", name="2026年两节送温暖", activity="送温暖", year=YEAR, unit_code="460000",
        fund_sources=["省总工会经费"], standard=Decimal("1000.00"), plan_text="两节前对在档困难职工每户慰问1000元",
        plan_approval_kind="主席办公会", plan_approved_by="主席办公会（2026年第12次）",
        plan_approved_on=date(2026, 10, 20)))
    clerk.add_from_filter(batch_id, HouseholdFilter(statuses=()))
    approve_batch(db, batch_id, clerk=clerk.actor, reviewer=REVIEWER, approver=APPROVER,
                  noticed=date(2026, 10, 26), ended=date(2026, 11, 10), approved=date(2026, 11, 11))
    db.clock.set(date(2026, 11, 12))
    PaymentService(db, CLERK).mark_paid(batch_id, paid_on=date(2026, 11, 12))
    db.clock.set(date(2026, 11, 26))  # the answers come in two weeks later
    return batch_id


@pytest.fixture
def feedback(qtbot, db, actor, paid) -> FeedbackView:
    view = FeedbackView(service=FeedbackService(db, actor))
    qtbot.addWidget(view)
    view.year.setValue(YEAR)
    return view


def answer(index: int, satisfaction: str, comment: str = ""):
    def fill(d: FeedbackDialog) -> bool:
        d.recipient.setCurrentIndex(index)
        d.answered_on.setDate(QDate(2026, 11, 20))
        d.answer.setCurrentText(satisfaction)
        d.comment.setPlainText(comment)
        return d.try_accept()

    return fill


def test_feedback_about_a_batch_is_recorded_and_the_rates_follow(qtbot, feedback, paid, monkeypatch):
    assert feedback.rates.text() == "2026年满意率：—（满意及基本满意 0 份 / 答复 0 份）"
    assert not feedback.filled_button.isEnabled()
    feedback.choose_batch(paid)
    assert feedback.filled_button.isEnabled()
    opened = answer_dialogs(monkeypatch, feedback, answer(0, "满意", "慰问金到账及时"))
    qtbot.mouseClick(feedback.record_button, Qt.LeftButton)
    assert opened[0].recipient.count() == 18  # the batch's recipients to choose from
    answer_dialogs(monkeypatch, feedback, answer(1, "不满意", "希望提高慰问标准"))
    assert feedback.record()
    assert "本批次满意率：50.0%（1 / 2）" in feedback.rates.text()
    assert feedback.rates.text().startswith("2026年满意率：50.0%（满意及基本满意 1 份 / 答复 2 份）")
    rows = feedback.answer_rows()
    assert {(r[2], r[4], r[5], r[6]) for r in rows} == {
        ("职工01", "2026年两节送温暖", "满意", "慰问金到账及时"),
        ("职工02", "2026年两节送温暖", "不满意", "希望提高慰问标准")}
    # The same household cannot answer twice about the batch: the dialog says so and stays open.
    again = answer_dialogs(monkeypatch, feedback, answer(0, "基本满意"))
    assert not feedback.record()
    assert again[0].recipient.itemText(0).endswith("，已反馈）") and "已经登记过" in again[0].error.text()
    # Text typed into the recipient box that names no one is refused, not read as the previous choice.

    def typed(d: FeedbackDialog) -> bool:
        d.recipient.setCurrentIndex(2)
        d.recipient.setEditText("职工")
        assert not d.try_accept()
        assert "请从列表中选择反馈人" in d.error.text()
        return False

    answer_dialogs(monkeypatch, feedback, typed)
    assert not feedback.record()
    assert feedback.batch.currentText().endswith("满意率 50.0%，2 份")


def test_feedback_without_a_batch_is_found_by_archive_number(qtbot, db, actor, feedback, paid, households,
                                                              monkeypatch):
    archive_no = ArchiveService(db, actor).get(households[4]).archive_no

    def fill(d: FeedbackDialog) -> bool:
        assert d.batch is None and d.recipient.count() == 0
        d.archive_no.setText("NO-SUCH")
        assert not d.try_accept()
        assert "找不到档案编号或身份证号为“NO-SUCH”" in d.error.text()
        d.archive_no.setText(archive_no)
        d.look_up()
        assert d.who.text().startswith("职工05（")
        d.answered_on.setDate(QDate(2026, 11, 22))
        d.answer.setCurrentText("基本满意")
        return d.try_accept()

    answer_dialogs(monkeypatch, feedback, fill)
    assert feedback.record()
    assert feedback.rates.text().startswith("2026年满意率：100.0%（满意及基本满意 1 份 / 答复 1 份）")
    assert feedback.answer_rows()[0][2:6] == ("职工05", "省财贸工会", "（未指明）", "基本满意")


def test_blank_and_pre_filled_feedback_forms_print(qtbot, feedback, paid, tmp_path, monkeypatch):
    blank = tmp_path / "空白.pdf"
    assert feedback.write_forms(blank, None, copies=2) == 2
    assert "对帮扶工作是否满意" in PdfReader(blank).pages[0].extract_text()
    shown = []
    monkeypatch.setattr(feedback, "open_preview", lambda pdf, title: shown.append((pdf, title)))
    feedback.choose_batch(paid)
    feedback.print_filled()
    qtbot.waitUntil(lambda: bool(shown), timeout=30_000)
    pdf, title = shown[0]
    assert title == "意见反馈表（2026年两节送温暖，18户）"
    pages = PdfReader(pdf).pages
    assert len(pages) == 18 and "职工01" in pages[0].extract_text() and "1,000.00" in pages[0].extract_text()
