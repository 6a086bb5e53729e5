"""The fund report page: the year's figures on screen, the PDF built off the GUI thread, Excel export, copy text."""

from __future__ import annotations

import subprocess
import sys

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from PySide6.QtGui import QGuiApplication
from seed_2015 import build_seed_2015

from aiddesk.reports import fund_report_sections as fs
from aiddesk.services.archive import ArchiveService
from aiddesk.services.fund_report import fund_report
from aiddesk.ui.funds.report_page import FundReportPage


@pytest.fixture
def seeded(db, actor, make_household):
    people = [ArchiveService(db, actor).save(make_household(i, name=n)).household_id
              for i, n in enumerate(["张三", "李梅", "王海", "陈芳"], start=1)]
    build_seed_2015(db, actor, people)
    return db


@pytest.fixture
def page(qtbot, seeded):
    p = FundReportPage(db=seeded)
    qtbot.addWidget(p)
    p.show_year(2015)
    return p


def test_the_page_shows_the_years_figures(page):
    text = page.view.toPlainText()
    assert "海南省职工服务中心2015年帮扶资金使用情况报告" in text
    for figure in ("423.0716", "408.772945", "14.298655", "2059", "4,087,729.45", "100.00%", "省科文卫体工会",
                   "按报送数", "431.452945"):
        assert figure in text, figure
    assert page.year.value() == 2015 and page.preview_button.isEnabled()

    page.show_year(2031)
    text = page.view.toPlainText()
    assert "423.0716" not in text and "本年度本级没有发放帮扶资金。" in text


def test_reload_picks_up_new_records(page, seeded, actor):
    from decimal import Decimal

    from aiddesk.db.funds import Usage
    from aiddesk.services.funds import FundService

    FundService(seeded, actor).set_usage(Usage("460005", 2015, "省总工会经费", "医疗救助", Decimal("1234.56"), 1))
    assert "1,234.56" not in page.view.toPlainText()
    page.reload()
    assert "1,234.56" in page.view.toPlainText()


def test_copy_text_puts_the_summary_on_the_clipboard(page, seeded):
    page.copy_text()
    copied = QGuiApplication.clipboard().text()
    assert copied == fs.summary_text(fund_report(seeded, 2015))
    assert "收入合计423.0716万元" in copied and "剩余14.298655万元，用于2016年困难职工帮扶救助" in copied
    assert "已复制" in page.status.text()


def test_export_xlsx_writes_the_workbook(page, tmp_path, said):
    assert page.export_xlsx(tmp_path / "2015年资金报告")  # the .xlsx suffix is added
    wb = load_workbook(tmp_path / "2015年资金报告.xlsx")
    assert wb["概述"]["A1"].value == "海南省职工服务中心2015年帮扶资金使用情况报告"
    assert said == [] and "已导出" in page.status.text()


def test_export_into_a_missing_folder_says_why(page, tmp_path, said):
    assert not page.export_xlsx(tmp_path / "没有这个文件夹" / "报告.xlsx")
    assert len(said) == 1 and said[0][0] == "error" and "无法读写文件" in said[0][1]


def test_the_preview_job_writes_the_pdf(page, tmp_path):
    out = tmp_path / "2015.pdf"
    report = page.pdf_job(2015, out)(lambda done, total: True)
    assert report.year == 2015
    text = "".join(p.extract_text() for p in PdfReader(out).pages)
    assert "408.772945" in text and "14.298655" in text


def test_print_preview_builds_off_the_gui_thread_then_previews(page, qtbot, said):
    shown = []
    page.preview = lambda pdf, title: shown.append((pdf, title))
    page.print_preview()
    qtbot.waitUntil(lambda: len(shown) == 1, timeout=15000)
    pdf, title = shown[0]
    assert title == "2015年帮扶资金使用情况报告" and pdf.exists() and said == []
    assert "423.0716" in "".join(p.extract_text() for p in PdfReader(pdf).pages)


def test_the_page_does_not_load_reportlab_or_openpyxl():
    code = ("import sys, aiddesk.ui.funds.report_page; "
            "print(sorted(m for m in ('reportlab', 'openpyxl') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"QT_QPA_PLATFORM": "offscreen", "PATH": ""}).stdout.strip()
    assert out == "[]"
