"""The annual fund report on screen, with print preview, Excel export and the summary text to copy."""

from __future__ import annotations

import tempfile
from html import escape
from pathlib import Path
from typing import Any, Callable

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QLabel, QPushButton, QSpinBox, QTextBrowser, QVBoxLayout,
                               QWidget)

from ...core.errors import UserError
from ...core.fund_report import FundReport
from ...db import Database
from ...reports import fund_report_sections as fs
from ...services.fund_report import fund_report
from ...services.fund_report_output import export_fund_report, print_fund_report
from .. import messages
from ..worker import describe_error, run_with_progress

# reportlab and openpyxl are loaded by the services when a PDF or workbook is written, never here:
# this page is built with the main window, which must open quickly.


class FundReportPage(QWidget):
    """One year's 帮扶资金使用情况报告 of the office's own unit, as it will print."""

    def __init__(self, *, db: Database, parent: QWidget | None = None):
        super().__init__(parent)
        self._db = db
        self.report: FundReport | None = None
        self._tmp: Path | None = None
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setSuffix(" 年")
        self.year.setValue(self._db.clock.today().year)
        self.year.valueChanged.connect(self.reload)
        self.copy_button = QPushButton("复制文字")
        self.copy_button.setToolTip("复制“情况概述”，粘贴到年终工作报告中")
        self.copy_button.clicked.connect(self.copy_text)
        self.export_button = QPushButton("导出Excel…")
        self.export_button.clicked.connect(self._ask_export)
        self.preview_button = QPushButton("打印预览…")
        self.preview_button.clicked.connect(self.print_preview)
        self.status = QLabel()
        self.view = QTextBrowser()
        self.view.setOpenLinks(False)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("年度"))
        bar.addWidget(self.year)
        bar.addSpacing(12)
        bar.addWidget(self.status, 1)
        for button in (self.copy_button, self.export_button, self.preview_button):
            bar.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        self.reload()

    # ---- showing ----------------------------------------------------------------------

    def show_year(self, year: int) -> None:
        """Show ``year``'s report (reloads even if that year is already shown)."""
        if self.year.value() == year:
            self.reload()
        else:
            self.year.setValue(year)  # reloads through valueChanged

    def reload(self) -> None:
        """Read the report again from the records (after new entries, payments or sub-units' figures)."""
        try:
            self.report = fund_report(self._db, self.year.value())
        except UserError as err:
            self.report = None
            self.view.setHtml(f"<p style='font-size:11pt'>{escape(err.message)}</p>")
        else:
            self.view.setHtml(report_html(self.report))
        for button in (self.copy_button, self.export_button, self.preview_button):
            button.setEnabled(self.report is not None)
        self.status.setText("")

    # ---- actions -----------------------------------------------------------------------

    def copy_text(self) -> None:
        """Put the summary paragraphs on the clipboard, ready to paste into the office's written report."""
        if self.report is None:
            return
        text = fs.summary_text(self.report)
        QGuiApplication.clipboard().setText(text)
        self.status.setText(f"已复制情况概述（{len(text)}字），可粘贴到工作报告中")

    def _ask_export(self) -> None:
        if self.report is None:
            return
        suggested = str(Path.home() / f"{fs.title(self.report)}.xlsx")
        path, _ = QFileDialog.getSaveFileName(self, "导出Excel", suggested, "Excel 工作簿 (*.xlsx)")
        if path:
            self.export_xlsx(Path(path))

    def export_xlsx(self, path: Path) -> bool:
        """Write the shown year's report as a workbook at ``path``; says what happened. True when written."""
        path = Path(path)
        if path.suffix.lower() != ".xlsx":
            path = path.with_name(path.name + ".xlsx")
        try:
            export_fund_report(self._db, self.year.value(), path)
        except (UserError, OSError) as err:
            messages.error(self, describe_error(err))
            return False
        self.status.setText(f"已导出：{path}")
        return True

    def print_preview(self) -> None:
        """Build the PDF off the GUI thread, then show it in the print preview."""
        if self.report is None:
            return
        year = self.year.value()
        out = self.pdf_path(year)
        title = f"{year}年帮扶资金使用情况报告"
        run_with_progress(self, title="打印预览", label=f"正在生成{title} …", job=self.pdf_job(year, out),
                          on_done=lambda report: self.preview(out, title),
                          on_error=lambda err: messages.error(self, describe_error(err)))

    def pdf_path(self, year: int) -> Path:
        """Where the preview's PDF goes: a folder of this page's own, removed by the system's temp cleaning."""
        if self._tmp is None:
            self._tmp = Path(tempfile.mkdtemp(prefix="aiddesk-print-"))
        return self._tmp / f"{year}年帮扶资金使用情况报告.pdf"

    def pdf_job(self, year: int, out: Path) -> Callable[[Callable[[int, int], bool]], Any]:
        """The worker's job: its own connection (SQLite connections stay on their thread), then the PDF."""
        db = self._db

        def job(report: Callable[[int, int], bool]) -> FundReport:
            worker_db = db.connect_for_thread()
            try:
                return print_fund_report(worker_db, year, out)
            finally:
                worker_db.close()

        return job

    def preview(self, pdf: Path, title: str) -> None:
        from ..pdf_preview import PdfPreviewDialog  # QtPdf loads on first preview

        PdfPreviewDialog(pdf_path=pdf, title=title, parent=self).exec()


# ---- the report as HTML ---------------------------------------------------------------------

_CSS = """
body { font-size: 10.5pt; }
h1 { font-size: 16pt; text-align: center; margin-bottom: 2px; }
h2 { font-size: 12.5pt; margin-top: 16px; margin-bottom: 6px; }
h3 { font-size: 10.5pt; margin-top: 8px; margin-bottom: 4px; }
p.meta { text-align: center; color: #444; }
p.prose { text-indent: 28px; line-height: 150%; margin-top: 2px; margin-bottom: 2px; }
p.note { font-size: 9pt; color: #555; margin-top: 2px; margin-bottom: 0px; }
table { border-collapse: collapse; border-color: #888; }
th { background-color: #EFEFEF; font-weight: normal; }
td, th { padding: 3px 6px; border: 1px solid #888; }
tr.total td { background-color: #D9D9D9; }
tr.subtotal td { background-color: #F6F6F6; }
"""


def report_html(report: FundReport) -> str:
    """The whole report as rich text for a QTextBrowser: the same sections and figures as the PDF."""
    parts = [f"<html><head><style>{_CSS}</style></head><body>",
             f"<h1>{escape(fs.title(report))}</h1>",
             f"<p class='meta'>单位：{escape(report.unit_name)}（{escape(report.unit_code)}）　"
             f"年度：{report.year}年　金额单位：元（另列万元）</p>",
             "<h2>情况概述</h2>"]
    parts += [f"<p class='prose'>{escape(p)}</p>" for p in fs.summary_paragraphs(report)]
    for section in fs.sections(report):
        parts.append(_section_html(section))
    parts.append("</body></html>")
    return "".join(parts)


def _section_html(section: fs.Section) -> str:
    out = [f"<h2>{escape(section.title)}</h2>"]
    for grid in section.grids:
        if grid.caption:
            out.append(f"<h3>{escape(grid.caption)}</h3>")
        out.append(_grid_html(grid) if grid.rows else f"<p>{escape(grid.empty)}</p>")
    out += [f"<p class='note'>{escape(n)}</p>" for n in section.notes]
    return "".join(out)


def _grid_html(grid: fs.Grid) -> str:
    cells = grid.header + grid.rows
    kinds = ["head"] * len(grid.header) + grid.kinds
    spans = fs.spans(cells)
    # Narrow tables stay narrow: a three-column table stretched over a wide screen reads badly.
    # 99%: at 100% the table's outer border pushes it 2 px past the page, and a scroll bar appears.
    width = "99%" if len(grid.widths) >= 5 else "60%"
    rows = []
    for r, (row, kind) in enumerate(zip(cells, kinds)):
        tds = []
        for c, cell in enumerate(row):
            if cell is fs.UP or cell is fs.LEFT:
                continue
            h, w = spans.get((r, c), (1, 1))
            align = "center" if kind == "head" else fs.alignment(grid, c, cell)
            tds.append(_cell_html(cell, "th" if kind == "head" else "td", align, h, w))
        css = f" class='{kind}'" if kind in (fs.TOTAL, fs.SUBTOTAL) else ""
        rows.append(f"<tr{css}>{''.join(tds)}</tr>")
    return f"<table width='{width}' cellspacing='0' cellpadding='4' border='1'>{''.join(rows)}</table>"


def _cell_html(cell: fs.Cell, tag: str, align: str, rows: int, cols: int) -> str:
    text = fs.cell_text(cell)
    span = (f" rowspan='{rows}'" if rows > 1 else "") + (f" colspan='{cols}'" if cols > 1 else "")
    return f"<{tag} align='{align}' valign='middle'{span}>{escape(text)}</{tag}>"
