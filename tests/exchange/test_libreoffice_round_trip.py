"""Through a real office suite: our exchange workbook opened in LibreOffice and saved back as .xlsx, .xls or .ods
imports with the same fund report, and printed from LibreOffice it shows every code whole.

LibreOffice is not a dependency: on a PC without it (CI among them) these tests are skipped, saying so. Each run
gives LibreOffice a profile of its own, so two test runs (or a clerk's open LibreOffice) do not collide.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from python_calamine import CalamineWorkbook

from aiddesk.core.clock import FixedClock
from aiddesk.db import open_database
from aiddesk.db.audit import Actor
from aiddesk.exchange import format as fmt
from aiddesk.exchange import xlsx_stream as xs
from aiddesk.exchange.export import export_workbook
from aiddesk.exchange.validate import parse_date
from aiddesk.services.demo import build_demo
from aiddesk.services.exchange_import import ExchangeImportService
from aiddesk.services.fund_report import fund_report

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(SOFFICE is None, reason="没有安装 LibreOffice（soffice）：无法在真实的办公软件中打开、另存交换表")
FORMATS = ["xlsx", "xls", "ods"]


@pytest.fixture(scope="module")
def libreoffice(tmp_path_factory):
    """``convert(workbook, format) → path``: the workbook opened in LibreOffice and saved (headless) as ``format``."""
    profile = tmp_path_factory.mktemp("lo-profile")

    def convert(source: Path, to: str) -> Path:
        out = source.parent / f"{source.stem}-{to}"
        out.mkdir(exist_ok=True)
        result = subprocess.run([SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                                 "--convert-to", to, "--outdir", str(out), str(source)],
                                capture_output=True, text=True, timeout=300)
        converted = out / f"{source.stem}.{to}"
        assert result.returncode == 0 and converted.exists(), result.stdout + result.stderr
        return converted

    return convert


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    """A demo office's year exported: (its database file, the workbook, the year, its fund report as JSON)."""
    folder = tmp_path_factory.mktemp("office")
    db = open_database(folder / "office.sqlite", clock=FixedClock(date(2026, 12, 7)))
    try:
        build_demo(db, households=120, seed=11, attachments=False)
        year = db.conn.execute("SELECT MAX(year) FROM batches").fetchone()[0]
        result = export_workbook(db, folder / "year.xlsx", year=year, actor=Actor("测试员", "命令行"))
        return result, fund_report(db, year).to_json()
    finally:
        db.close()


@pytest.mark.parametrize("to", FORMATS)
def test_saved_back_by_libreoffice_the_workbook_imports_with_the_same_fund_report(to, office, libreoffice, tmp_path):
    exported, report = office
    saved = libreoffice(exported.path, to)
    centre = open_database(tmp_path / "centre.sqlite", clock=FixedClock(date(2026, 12, 8)))
    try:
        imported = ExchangeImportService(centre, Actor("测试员", "命令行")).import_file(saved)
        assert [i.as_dict() for i in imported.errors] == []
        assert [i.as_dict() for i in imported.warnings] == []  # the 校验码 too: LibreOffice changed no cell's text
        assert imported.imported == exported.rows  # every row of every sheet
        assert fund_report(centre, exported.year).to_json() == report
    finally:
        centre.close()


def test_printed_from_libreoffice_every_code_shows_whole(office, libreoffice):
    """LibreOffice prints a text wider than its column cut at the next cell: a code cut off in a 10.8-wide column
    is missing from the PDF's text. Every 档案编号, 明细编号, 批次编号, 流水号 and the 校验码 is there whole.
    (What the pages look like was checked by eye: pdftoppm -png -r 50.)"""
    exported, _report = office
    pages = [page.extract_text() for page in PdfReader(libreoffice(exported.path, "pdf")).pages]
    assert "校验码" in pages[0] and exported.checksum in pages[0]  # 说明 prints on one page, keys beside values
    words = set(" ".join(pages).split())
    book = CalamineWorkbook.from_path(str(exported.path))
    codes = {exported.checksum}
    for sheet, header in [(fmt.HOUSEHOLDS, "档案编号"), (fmt.AID_RECORDS, "明细编号"), (fmt.AID_RECORDS, "批次编号"),
                          (fmt.BATCHES, "批次编号"), (fmt.FUND_ENTRIES, "流水号"), (fmt.VERIFICATIONS, "档案编号")]:
        rows = book.get_sheet_by_name(sheet.name).to_python()
        at = rows[0].index(header)
        codes |= {row[at] for row in rows[1:] if row[at]}
    assert len(codes) > 300
    assert sorted(codes - words) == []


def test_days_before_march_1900_come_back_from_libreoffice_as_the_same_days(libreoffice, tmp_path):
    """LibreOffice has no 1900-02-29: an Excel serial below 61 is another day there (serial 1, Excel's
    1900-01-01, is its 1899-12-31). Written as text, such a day comes back the same in every format."""
    days = ["1899-12-31", "1900-01-01", "1900-02-28", "1900-03-01", "2026-11-26"]
    path = tmp_path / "days.xlsx"
    with xs.StreamingWorkbook(str(path), ["数据"]) as book:
        sheet = book.sheet("数据", [xs.DATE])
        sheet.header(["出生日期"])
        for day in days:
            sheet.row([day])
        book.close_sheet()
    for to in FORMATS:
        rows = CalamineWorkbook.from_path(str(libreoffice(path, to))).get_sheet_by_name("数据").to_python()
        assert [parse_date(row[0]) for row in rows[1:]] == days, to
