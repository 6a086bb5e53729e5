"""The 绩效自评 page: scoring a manual row moves the total, 不适用 rescales it, the editor checks the weights."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pypdf import PdfReader

from aiddesk.core.evaluation import AUTO, MANUAL
from aiddesk.services.evaluation import EvaluationService
from aiddesk.ui.evaluation.evaluation_page import C_SCORE, EvaluationPage
from aiddesk.ui.evaluation.template_editor import C_STANDARD, C_THIRD, C_WEIGHT

SHOTS = "/tmp/evaluation_shots"


@pytest.fixture
def page(qtbot, db, admin):
    _, actor = admin
    p = EvaluationPage(db=db, actor=actor)
    p.year.setValue(2015)
    qtbot.addWidget(p)
    p.resize(1400, 860)
    p.show()
    return p


def first_manual(page) -> int:
    return next(r for r, i in enumerate(page.result.items) if i.row.rule.kind == MANUAL)


def test_entering_a_manual_score_changes_the_total_and_the_grade(page):
    assert page.template_name() == EvaluationService(page._db, page._actor).default_template_name()
    before = page.result.total
    r = first_manual(page)
    item = page.result.items[r]
    page.select_row(item.row.key)
    assert page.row_title.text().startswith(item.row.key)
    page.score_edit.setText(str(item.row.weight))
    page.evidence_edit.setPlainText("查阅档案20份，资料齐全")
    assert page.save_score()
    after = page.result.total
    assert after > before
    assert page.model.text(r, C_SCORE) == f"{item.row.weight.normalize():f}"
    assert "总分 " in page.total_label.text() and page.result.grade in page.total_label.text()
    assert "查阅档案20份" in page.result.items[r].basis
    # The same row stays selected and shows what was stored.
    assert page.selected_key() == item.row.key and page.evidence_edit.toPlainText() == "查阅档案20份，资料齐全"


def test_a_score_above_the_weight_is_refused_in_place(page):
    r = first_manual(page)
    item = page.result.items[r]
    page.select_row(item.row.key)
    page.score_edit.setText(str(item.row.weight + 1))
    assert not page.save_score()
    assert page.error.isVisible() and "之间" in page.error.text()
    assert page.result.items[r].score is None


def test_marking_every_other_row_not_applicable_rescales_the_total(page):
    rows = [i for i in page.result.items if i.row.rule.kind == MANUAL]
    scored, dropped = rows[0], rows[1]
    page.select_row(scored.row.key)
    page.score_edit.setText(str(scored.row.weight))
    assert page.save_score()
    total_before = page.result.total
    page.select_row(dropped.row.key)
    # Without a reason the mark is refused.
    assert not page.mark_not_applicable("")
    assert page.error.isVisible()
    assert page.mark_not_applicable("本年度未开展此项工作")
    result = page.result
    assert result.applicable_weight == 100 - dropped.row.weight
    assert result.total == (result.raw_total * 100 / result.applicable_weight).quantize(Decimal("0.01"))
    assert result.total > total_before
    r = [i.row.key for i in result.items].index(dropped.row.key)
    assert page.model.text(r, C_SCORE) == "不适用"
    assert "本年度未开展此项工作" in page.model.text(r, 9)
    assert page.na_check.isChecked() and not page.score_edit.isEnabled()
    # Unticking gives the row back.
    page.na_check.setChecked(False)
    assert page.result.applicable_weight == 100


def test_auto_rows_show_their_rule_and_basis(page):
    autos = [(r, i) for r, i in enumerate(page.result.items) if i.row.rule.kind == AUTO]
    assert autos
    r, item = autos[0]
    assert page.model.text(r, 7).startswith("自动")
    page.select_row(item.row.key)
    assert page.basis_label.text() == item.basis and item.basis


def test_group_names_are_shown_once_over_their_rows(page):
    items = page.result.items
    first = items[0].row.path[0]
    n = sum(1 for i in items if i.row.path[0] == first)
    assert page.model.text(0, 0) == first
    assert page.table.rowSpan(0, 0) == n and page.table.rowSpan(0, 1) == n
    assert all(page.model.text(r, 0) == "" for r in range(1, n))


def test_attaching_evidence_lists_the_file(page, tmp_path):
    r = first_manual(page)
    page.select_row(page.result.items[r].row.key)
    proof = tmp_path / "档案抽查记录.pdf"
    proof.write_bytes(b"%PDF-1.4 test")
    assert page.attach(proof)
    assert page.files.count() == 1 and page.files.item(0).text() == "档案抽查记录.pdf"


def test_pdf_and_workbook_from_the_page(page, tmp_path):
    import openpyxl

    r = first_manual(page)
    page.select_row(page.result.items[r].row.key)
    page.score_edit.setText("1")
    assert page.save_score()
    pdf = tmp_path / "自评表.pdf"
    result = page.write_pdf(pdf)
    assert result.total == page.result.total
    reader = PdfReader(pdf)
    assert reader.pages[0].mediabox.width > reader.pages[0].mediabox.height
    text = "".join(p.extract_text() for p in reader.pages).replace("\n", "")
    assert "2015年度绩效自评表" in text and "海南省职工服务中心" in text and "评价等级" in text
    xlsx = tmp_path / "自评表"
    assert page.export_xlsx(xlsx)
    ws = openpyxl.load_workbook(tmp_path / "自评表.xlsx").active
    assert ws["A1"].value == "2015年度绩效自评表"


def test_print_preview_builds_off_the_gui_thread(page, qtbot, monkeypatch):
    shown = []
    monkeypatch.setattr(page, "preview", lambda pdf, title: shown.append((pdf, title)))
    page.print_preview()
    qtbot.waitUntil(lambda: len(shown) == 1, timeout=20000)
    pdf, title = shown[0]
    assert title == "2015年度绩效自评表" and pdf.exists()


def test_a_bundled_template_is_copied_before_editing(page, said):
    assert not page.edit_button.isEnabled()
    assert page.copy_template("我们的自评表")
    assert page.template_name() == "我们的自评表" and page.edit_button.isEnabled()
    assert not page.copy_template("我们的自评表")
    assert said and "已有名为" in said[-1][1]


def test_the_editor_refuses_weights_that_do_not_add_up_and_saves_good_ones(page, qtbot):
    assert page.copy_template("我们的自评表")
    editor = page.editor()
    qtbot.addWidget(editor)
    assert editor.problems_now() == []
    t = editor.template()
    # Take 1 point off the first row: its groups and the 100 no longer add up.
    first = t.rows[0]
    editor.set_cell(0, C_WEIGHT, f"{first.weight - 1:f}")
    assert not editor.try_accept()
    assert not editor.error.isHidden() and "应为100分" in editor.error.text()
    assert not editor.problems.isHidden()
    assert editor.saved_name is None
    # Give the point to a new row under the same groups and change the standard: now it saves.
    editor.rows.setCurrentCell(0, C_THIRD)
    r = editor.add_row()
    assert r == 1
    editor.set_cell(r, C_THIRD, "新增的考核要点")
    editor.set_cell(r, C_WEIGHT, "1")
    editor.set_cell(r, C_STANDARD, "有记录得1分")
    assert editor.problems_now() == []
    editor.name_edit.setText("我们的自评表（修订）")
    assert editor.try_accept()
    saved = EvaluationService(page._db, page._actor).template("我们的自评表（修订）")
    assert len(saved.rows) == len(t.rows) + 1
    assert saved.rows[1].path[:2] == first.path[:2] and saved.rows[1].standard == "有记录得1分"


def test_the_editor_checks_group_weights_and_auto_rules(page, qtbot):
    assert page.copy_template("我们的自评表")
    editor = page.editor()
    qtbot.addWidget(editor)
    t = editor.template()
    key = next(iter(t.groups))
    editor.set_group_weight(key, f"{t.groups[key] + 5:f}")
    assert any(key in p for p in editor.problems_now())
    assert not editor.try_accept()
    editor.set_group_weight(key, f"{t.groups[key]:f}")
    r = next(r for r, row in enumerate(t.rows) if row.rule.kind == MANUAL)
    editor.set_rule(r, AUTO)
    assert any("计算指标" in p for p in editor.problems_now())
    editor.set_rule(r, AUTO, "satisfaction_rate", target="90")
    assert editor.problems_now() == []
    assert editor.try_accept()
    saved = EvaluationService(page._db, page._actor).template("我们的自评表")
    assert saved.rows[r].rule.indicator == "satisfaction_rate" and saved.rows[r].rule.target == Decimal("0.9")


def test_screenshots(page, qtbot, tmp_path):
    import os

    os.makedirs(SHOTS, exist_ok=True)
    r = first_manual(page)
    page.select_row(page.result.items[r].row.key)
    page.grab().save(f"{SHOTS}/page.png")
    assert page.copy_template("我们的自评表")
    editor = page.editor()
    qtbot.addWidget(editor)
    editor.show()
    editor.set_cell(0, C_WEIGHT, "1")
    editor.grab().save(f"{SHOTS}/editor.png")


def test_a_landscape_table_prints_on_landscape_paper_undistorted(page, tmp_path):
    from PySide6.QtCore import QSize, QSizeF
    from PySide6.QtGui import QPageLayout
    from PySide6.QtPdf import QPdfDocument

    from aiddesk.ui.pdf_preview import fitted, page_orientation

    pdf = tmp_path / "自评表.pdf"
    page.write_pdf(pdf)
    document = QPdfDocument()
    document.load(str(pdf))
    assert page_orientation(document) == QPageLayout.Landscape
    size = document.pagePointSize(0)
    # On landscape paper the page fills it; on portrait paper it keeps its shape, centred.
    wide = fitted(size, QSize(2970, 2100))
    assert abs(wide.width() - 2970) <= 1 and abs(wide.height() - 2100) <= 1
    tall = fitted(size, QSize(2100, 2970))
    assert tall.width() == 2100 and abs(tall.width() / tall.height() - size.width() / size.height()) < 0.01
    assert tall.y() > 0
    assert fitted(QSizeF(595, 842), QSize(2100, 2970)).x() == 0
    document.close()


def test_the_page_drafts_the_self_assessment_report_off_the_gui_thread(page, qtbot, said, tmp_path):
    from docx import Document

    out = tmp_path / "2015年度自检报告.docx"
    page.draft_report(out)
    qtbot.waitUntil(lambda: any(kind == "info" for kind, _ in said), timeout=20000)
    assert out.is_file() and out.with_suffix(".pdf").is_file()
    text = "\n".join(p.text for p in Document(out).paragraphs)
    assert "一、项目概况" in text and "七、下步打算" in text
    assert "请在 Word 或 WPS 中补充" in [t for k, t in said if k == "info"][-1]
