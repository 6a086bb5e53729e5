"""Printing from the window: forms built off the GUI thread, then previewed."""

from __future__ import annotations

from pypdf import PdfReader
from PySide6.QtCore import QItemSelectionModel

from aiddesk.ui.pdf_preview import PdfPreviewDialog


def test_print_selected_households_into_one_previewed_pdf(window, qtbot, make_household):
    for seq, name in enumerate(["张三", "李梅", "王五"], start=1):
        window.archive.save(make_household(seq, name=name, members=1))
    window.list_view.refresh()
    table = window.list_view.table
    for row in (0, 2):
        table.selectionModel().select(window.list_view.model.index(row, 0),
                                      QItemSelectionModel.Select | QItemSelectionModel.Rows)
    shown = []
    window.open_preview = lambda pdf, title: shown.append((pdf, title))
    window.print_selected()
    qtbot.waitUntil(lambda: len(shown) == 1, timeout=10000)
    pdf, title = shown[0]
    assert "2户" in title
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert text.count("困难职工档案登记表") == 2
    assert "张三" in text and "王五" in text and "李梅" not in text

    preview = PdfPreviewDialog(pdf_path=pdf, title=title, parent=window)
    assert preview.page_count() == 2


def test_cancel_leaves_no_file(window, qtbot, make_household, tmp_path):
    from aiddesk.services.printing import print_archive_forms
    from aiddesk.ui.worker import describe_error, run_with_progress

    ids = [window.archive.save(make_household(seq, name="张三", members=3)).household_id for seq in range(1, 41)]
    out = tmp_path / "登记表.pdf"
    outcome = []

    def job(report):
        worker_db = window.db.connect_for_thread()
        try:
            return print_archive_forms(worker_db, ids, out, progress=lambda i: report(i, len(ids)))
        finally:
            worker_db.close()

    dialog = run_with_progress(window, title="打印", label="正在生成", job=job,
                               on_done=lambda r: outcome.append(("done", r)),
                               on_error=lambda e: outcome.append(("error", e)))
    from PySide6.QtWidgets import QPushButton

    cancel = dialog.findChild(QPushButton)
    assert cancel.text() == "取消"
    cancel.click()
    qtbot.waitUntil(lambda: len(outcome) == 1, timeout=20000)
    kind, err = outcome[0]
    assert kind == "error" and describe_error(err) == "已取消，未生成任何文件。"
    assert not out.exists()
    assert not list(tmp_path.glob("*.pdf*"))
