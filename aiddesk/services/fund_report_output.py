"""The annual fund report written out — a PDF to print, a workbook to hand on — for the GUI and the CLI alike."""

from __future__ import annotations

from pathlib import Path

from ..core.fund_report import FundReport
from ..db import Database
from ..db.audit import head_text
from .fund_report import fund_report


def print_fund_report(db: Database, year: int, out: Path, unit_code: str | None = None) -> FundReport:
    """Write ``year``'s 帮扶资金使用情况报告 of ``unit_code`` (default: the office's own unit) as a PDF; returns it."""
    # reportlab loads when printing, not with the window.
    from ..reports.fund_report_pdf import write_fund_report_pdf

    report = fund_report(db, year, unit_code=unit_code)
    # The log's head on paper anchors the records outside the file (what 完整性检查 compares with).
    write_fund_report_pdf(report, Path(out), today=db.clock.today(), log_head=head_text(db.conn))
    return report


def export_fund_report(db: Database, year: int, out: Path, unit_code: str | None = None) -> FundReport:
    """Write the same report as an Excel workbook (.xlsx); returns the report."""
    from ..reports.fund_report_xlsx import write_fund_report_xlsx

    report = fund_report(db, year, unit_code=unit_code)
    write_fund_report_xlsx(report, Path(out), today=db.clock.today())
    return report
