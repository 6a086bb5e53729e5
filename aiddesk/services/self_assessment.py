"""The year-end self-assessment report (自检报告) drafted from the records, as a .docx to edit and as a PDF.

Reads only: the fund report, the verification figures, the archive and the paid aid of the office's
own unit, and the year's 绩效自评表 total and grade (services/evaluation.py) unless they are passed in.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from ..core.errors import UserError
from ..core.evaluation import EvaluationResult
from ..db import Database
from ..db import status_history
from ..db.audit import Actor
from ..db.units import own_unit
from ..reports.self_assessment_sections import Draft, Facts, draft
from .evaluation import EvaluationService
from .fund_report import fund_report
from .verification_figures import verification_figures


def draft_report(db: Database, year: int, out_docx: str | Path | None = None, out_pdf: str | Path | None = None,
                 *, evaluation_total: Decimal | None = None, evaluation_grade: str | None = None,
                 template: str | None = None) -> Draft:
    """Draft ``year``'s 自检报告 of the office's own unit; write it to ``out_docx`` / ``out_pdf`` when given.

    The 绩效自评表 total and grade are those passed in; without them, the year is scored with
    ``template`` (default: the office's template) as the evaluation page scores it. Returns the
    draft (its blocks), whether or not anything was written.
    """
    facts = report_facts(db, year, evaluation_total=evaluation_total, evaluation_grade=evaluation_grade,
                         template=template)
    result = draft(facts)
    # python-docx and reportlab load when writing, not with the window.
    if out_docx is not None:
        from ..reports.self_assessment_docx import write_self_assessment_docx
        write_self_assessment_docx(result, Path(out_docx))
    if out_pdf is not None:
        from ..reports.self_assessment_pdf import write_self_assessment_pdf
        write_self_assessment_pdf(result, Path(out_pdf))
    return result


def report_facts(db: Database, year: int, *, evaluation_total: Decimal | None = None,
                 evaluation_grade: str | None = None, template: str | None = None) -> Facts:
    """Every figure the report states, read from the records."""
    office = own_unit(db.conn)
    if office is None:
        raise UserError("还没有设置本单位，请先在“单位”中设置本单位")
    funds = fund_report(db, year)
    verification = verification_figures(db, year)
    day = min(date(year, 12, 31), db.clock.today())
    households, people = status_history.on_file(db.conn, day)
    helped, batches, card = _paid_aid(db, year, office.code)
    unscored, template_name = 0, ""
    if evaluation_total is None:
        result = _evaluation(db, year, template)
        if result is not None:
            evaluation_total, evaluation_grade = result.total, result.grade
            unscored, template_name = len(result.missing), result.template
    return Facts(year=year, unit_name=office.name, funds=funds, verification=verification,
                 households=households, people=people, households_helped=helped, batches=batches,
                 card_lines=card, evaluation_total=evaluation_total, evaluation_grade=evaluation_grade,
                 evaluation_template=template_name, evaluation_unscored=unscored)


def _evaluation(db: Database, year: int, template: str | None) -> EvaluationResult | None:
    """The year scored under ``template`` (default: the office's); None when nothing of it is scored yet.

    Scoring only reads: no role is needed to quote the total.
    """
    result = EvaluationService(db, Actor("自检报告", "界面", ())).evaluate(year, template)
    if not any(i.score is not None for i in result.items if i.applicable):
        return None
    return result


def _paid_aid(db: Database, year: int, unit_code: str) -> tuple[int, int, int]:
    """Households reached, batches paid, and lines paid by 会员服务卡: the office's valid aid paid in ``year``."""
    row = db.conn.execute(
        "SELECT count(DISTINCT r.household_id), count(DISTINCT r.batch_id),"
        " coalesce(sum(r.payment_method = '会员服务卡'), 0)"
        " FROM aid_records r JOIN batches b ON b.id = r.batch_id"
        " WHERE r.state = '有效' AND r.paid_on IS NOT NULL AND substr(r.paid_on, 1, 4) = ? AND b.unit_code = ?",
        (f"{year:04d}", unit_code)).fetchone()
    return row[0], row[1], row[2]
