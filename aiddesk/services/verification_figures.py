"""Verification figures per year and per batch: SMS and spot-check coverage, discrepancies, visits, satisfaction.

Each figure is a :class:`Ratio` (numerator, denominator, rate) so the evaluation table can show how it was
reached. The lines counted are the valid lines paid in the year by the office's own batches (as the fund
report counts spending); per batch, its valid paid lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from ..core.errors import UserError
from ..core.verification_rules import load_verification_rules
from ..db import Database
from ..db import status_history
from ..db import verification_figures as repo
from ..db.units import own_unit

_PLACES = Decimal("0.0001")


class Ratio(NamedTuple):
    """``numerator`` of ``denominator``; ``rate`` their quotient to 4 places, None when there is nothing to divide."""

    numerator: int
    denominator: int
    rate: Decimal | None

    @classmethod
    def of(cls, numerator: int, denominator: int) -> Ratio:
        rate = (Decimal(numerator) / denominator).quantize(_PLACES, ROUND_HALF_UP) if denominator else None
        return cls(numerator, denominator, rate)

    def percent(self) -> str:
        """``95.5%`` (one decimal place), or ``—`` when there is nothing to divide."""
        if self.rate is None:
            return "—"
        return f"{(self.rate * 100).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"

    def text(self) -> str:
        """``95.5%（191/200）``."""
        return "—" if self.rate is None else f"{self.percent()}（{self.numerator}/{self.denominator}）"


@dataclass(frozen=True)
class YearFigures:
    year: int
    paid_lines: int          # valid lines (人次) paid in the year by the office's batches
    sms: Ratio               # 短信通知 已发送 / paid lines
    spot_check: Ratio        # lines called at least once / paid lines
    reached: int             # lines where a call got through (未接通、号码错误 not counted)
    discrepancy: Ratio       # lines a call found 金额不符 or 本人未收到 / lines reached
    home_visits: Ratio       # households visited in the year / households 在档 at the year's end (today, this year)
    satisfaction: Ratio      # 满意 + 基本满意 / 意见反馈表 answered in the year
    problems: int            # problems found in the year
    open_problems: int       # … still open


@dataclass(frozen=True)
class BatchFigures:
    batch_id: int
    code: str
    name: str
    activity: str
    status: str
    year: int
    paid_lines: int
    sms: Ratio
    spot_check: Ratio
    reached: int
    discrepancy: Ratio
    home_visits: Ratio       # the batch's households visited in its year / its households
    satisfaction: Ratio      # answers about this batch
    problems: int
    open_problems: int


def verification_figures(db: Database, year: int) -> YearFigures:
    """The office's verification figures of ``year``."""
    rules = load_verification_rules()
    conn = db.conn
    office = own_unit(conn)
    lines = repo.year_line_counts(conn, year=year, unit_code=office.code if office else None,
                                  unreachable=rules.unreachable_results, problem=rules.problem_results)
    answered, satisfied = repo.feedback_counts(conn, year, rules.satisfied_answers)
    found, still_open = repo.problem_counts(conn, year)
    day = min(date(year, 12, 31), db.clock.today())
    return YearFigures(
        year=year, paid_lines=lines.paid, sms=Ratio.of(lines.sms_sent, lines.paid),
        spot_check=Ratio.of(lines.called, lines.paid), reached=lines.reached,
        discrepancy=Ratio.of(lines.discrepant, lines.reached),
        home_visits=Ratio.of(repo.visited_households(conn, year), archives_on_file(db, day)),
        satisfaction=Ratio.of(satisfied, answered), problems=found, open_problems=still_open)


def batch_figures(db: Database, batch_id: int) -> BatchFigures:
    """The same figures for one batch."""
    rows = _batches(db, batch_id=batch_id)
    if not rows:
        raise UserError("找不到该帮扶批次，请刷新列表")
    return rows[0]


def year_batch_figures(db: Database, year: int) -> list[BatchFigures]:
    """The figures of each of the office's batches of ``year`` that has paid lines, oldest first."""
    office = own_unit(db.conn)
    return _batches(db, year=year, unit_code=office.code if office else None)


def archives_on_file(db: Database, day: date) -> int:
    """Households whose archive was 在档 on ``day``, from the archives' status history."""
    return status_history.on_file(db.conn, day)[0]


def _batches(db: Database, **where) -> list[BatchFigures]:
    rules = load_verification_rules()
    out = []
    for c in repo.batch_counts(db.conn, unreachable=rules.unreachable_results, problem=rules.problem_results,
                               satisfied=rules.satisfied_answers, **where):
        n = c.lines
        out.append(BatchFigures(
            batch_id=c.id, code=c.code, name=c.name, activity=c.activity, status=c.status, year=c.year,
            paid_lines=n.paid, sms=Ratio.of(n.sms_sent, n.paid), spot_check=Ratio.of(n.called, n.paid),
            reached=n.reached, discrepancy=Ratio.of(n.discrepant, n.reached),
            home_visits=Ratio.of(c.visited, c.households), satisfaction=Ratio.of(c.satisfied, c.answered),
            problems=c.problems, open_problems=c.open_problems))
    return out
