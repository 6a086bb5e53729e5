"""The books of 导入旧台账: what the user chose for each, its check, the figures shown, and the jobs that check and
import them off the GUI thread (no widgets here)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ....core.errors import UserError
from ....core.money import format_yuan
from ....db.household_list import HouseholdFilter
from ....exchange import format as fmt
from ....exchange.ledger import columns as cols
from ....exchange.ledger import layout as lay
from ....exchange.ledger.book import ALL_SHEETS
from ....exchange.ledger.build import year_named
from ....exchange.validate import Issue, Refused
from ....reports.common import Cancelled
from ....services.exchange_import import ExchangeImportService, ImportReport, PasswordRequired
from ...worker import describe_error
from ..import_wizard import removal_counts

EXCHANGE_WIZARD = "文件 → 导入交换表或旧台账…"
NOT_A_LEDGER = f"这是交换表（有“说明”表），不是旧台账；请用“{EXCHANGE_WIZARD}”导入"
SHAPED_LIKE_OURS = f"这份文件的工作表按交换表的表名命名（困难职工档案、帮扶明细…），请用“{EXCHANGE_WIZARD}”导入"
# What the build says when it cannot tell a household's 建档日期 without the book's year (ledger/build.py).
_YEAR_WORDS = ("建档日期", "年度")
PAYING_KINDS = (cols.PAYMENTS, cols.MIXED)

# The outcomes of a book's import.
IMPORTED, REFUSED, CANCELLED, SKIPPED, FAILED = "imported", "refused", "cancelled", "skipped", "failed"


@dataclass(frozen=True)
class CheckSpec:
    """What one check of a book is given: handed to the worker thread, which must not read the GUI's objects."""

    path: Path
    mapping: dict[str, dict[str, str]] | None
    header_rows: dict[str, int] | None
    year: int | None
    password: str | None = field(default=None, repr=False)

    def check(self, service: ExchangeImportService, progress, *, database: bool = True) -> ImportReport:
        return service.check(self.path, mapping=self.mapping, header_rows=self.header_rows, year=self.year,
                             password=self.password, progress=progress, database=database)


@dataclass(frozen=True)
class BatchFigures:
    """One batch a book becomes, as the preview and the result list it."""

    code: str
    name: str
    category: str      # the 救助类别 of its lines
    month: str         # 2015年1月
    year: int
    lines: int
    amount: Decimal


@dataclass
class Outcome:
    """What importing one book came to (the result page); the checked rows are not kept."""

    state: str
    new_archives: list[str] = field(default_factory=list)
    matched: int = 0
    members: int = 0
    batches: list[BatchFigures] = field(default_factory=list)
    removed: str = ""
    errors: list[Issue] = field(default_factory=list)
    reason: str = ""
    late: bool = False   # a cancel heard after the book was written: it stays written

    @property
    def lines(self) -> int:
        return sum(b.lines for b in self.batches)

    @property
    def amount(self) -> Decimal:
        return sum((b.amount for b in self.batches), Decimal(0))


@dataclass(eq=False)
class LedgerFile:
    """A book chosen in step 1, with what the user chose for it in step 2 and its latest check."""

    path: Path
    mapping: dict[str, str] = field(default_factory=dict)      # book header → field ("" 不导入), every sheet
    header_rows: dict[str, int] = field(default_factory=dict)  # sheet → the header row the user pointed at
    year: int | None = None                                    # 台账所属年度, where the book does not say
    password: str | None = field(default=None, repr=False)     # only in memory, dropped after the import
    report: ImportReport | None = None
    problem: str = ""      # why it cannot be taken here: unreadable, a password declined, no old ledger
    locked: bool = False   # the check needs its opening password
    outcome: Outcome | None = None

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def readable(self) -> bool:
        return self.report is not None and not self.problem

    def spec(self, *, mapping: dict[str, str] | None = None, header_rows: dict[str, int] | None = None,
             year: int | None | bool = False) -> CheckSpec:
        """The check of this book as chosen, or with one choice changed (kept only once the check has read)."""
        chosen = dict(self.mapping if mapping is None else mapping)
        rows = dict(self.header_rows if header_rows is None else header_rows)
        return CheckSpec(self.path, {ALL_SHEETS: chosen} if chosen else None, rows or None,
                         self.year if year is False else year, self.password)

    def take(self, report: ImportReport) -> None:
        """A check's report; a file that is no old ledger says so instead."""
        checked = report.checked
        self.report, self.locked = report, False
        if not checked.legacy:
            self.problem = NOT_A_LEDGER
        elif not checked.ledger_sheets and checked.layouts:
            self.problem = SHAPED_LIKE_OURS
        elif not checked.ledger_sheets:
            self.problem = report.errors[0].message if report.errors else "文件里没有找到台账"
        else:
            self.problem = ""

    def failed(self, err: BaseException) -> None:
        """A check that could not read the file."""
        self.report = None
        self.locked = isinstance(err, PasswordRequired)
        self.problem = describe_error(err)

    def state_text(self) -> str:
        """The 状态 cell of step 1."""
        if self.outcome is not None and self.outcome.state == IMPORTED:
            return "已导入"
        if self.locked:
            return "需要打开密码"
        if self.problem:
            return self.problem
        if self.report is None:
            return "未检查"
        errors = len(self.report.errors)
        sheets = len(self.report.checked.ledger_sheets)
        year = "（请在下一步填写台账所属年度）" if self.lacks_year() else ""
        return f"{sheets} 张表，" + (f"有 {errors} 处错误{year}" if errors else "没有错误")

    def names_its_year(self) -> bool:
        """Whether a title or 填报 line of the book names its year (else the user may give it)."""
        if self.report is None:
            return False
        # year_named reads .title and .filing, which a sheet's layout has as its records do.
        return year_named([layout for layout, _colmap in self.report.checked.ledger_sheets]) is not None

    def lacks_year(self) -> bool:
        """Whether the check could not tell a household's 建档日期 without the book's year."""
        return self.report is not None and any(all(w in e.message for w in _YEAR_WORDS)
                                               for e in self.report.errors)


# ---- figures --------------------------------------------------------------------------------------------------

def yuan(value: Decimal | None) -> str:
    return format_yuan(value) if value is not None else ""


def skipped_rows(layout) -> list[tuple[int, str]]:
    """(row, why) of every row of a sheet that is no data: above the header (title, 填报, blank) and below it."""
    return [(r.number, r.why) for r in (*layout.before, *layout.rows) if r.role != lay.DATA]


def batches_of(report: ImportReport) -> list[BatchFigures]:
    """The batches a book becomes, with their lines' 救助类别, count and amount (from the rows the check made)."""
    sheets = report.checked.sheets
    per: dict[str, tuple[int, int, list[str]]] = {}
    for row in sheets.get(fmt.AID_RECORDS.name, []):
        n, fen, categories = per.get(row["批次编号"], (0, 0, []))
        category = row["救助类别"]
        if category and category not in categories:
            categories = [*categories, category]
        per[row["批次编号"]] = (n + 1, fen + (row["金额"] or 0), categories)
    out = []
    for row in sheets.get(fmt.BATCHES.name, []):
        n, fen, categories = per.get(row["批次编号"], (0, 0, []))
        paid = str(row["发放日期"] or "")
        month = f"{paid[:4]}年{int(paid[5:7])}月" if len(paid) >= 7 else ""
        out.append(BatchFigures(row["批次编号"], row["批次名称"] or "", "、".join(categories), month,
                                int(row["年度"] or 0), n, Decimal(fen) / 100))
    return out


def new_archives(report: ImportReport) -> list[str]:
    """The 档案编号 of the households a book makes (a household the archive has is booked to, not written)."""
    return [str(row["档案编号"]) for row in report.checked.sheets.get(fmt.HOUSEHOLDS.name, [])]


def differing(report: ImportReport) -> int:
    """Households the archive has whose book says otherwise (listed as warnings; the archive is not changed)."""
    counts = report.checked.ledger_counts
    if "changed" in counts:
        return counts["changed"]
    # Until the check counts them itself: one warning per such household (ledger/build.py _update_known).
    return sum(1 for w in report.warnings if w.message.startswith("台账与档案"))


def reconciliation(summary) -> tuple[str, bool | None]:
    """A sheet's "台账合计 X 元 = 导入 X 元", and whether it agrees (None: nothing to compare)."""
    if summary.kind not in PAYING_KINDS:
        return "花名册，没有金额", None
    imported = yuan(summary.imported_total)
    if summary.total is None:
        return f"没有合计行，导入 {imported} 元", None
    if summary.total == summary.imported_total:
        return f"台账合计 {yuan(summary.total)} 元 = 导入 {imported} 元", True
    return (f"台账合计 {yuan(summary.total)} 元 ≠ 导入 {imported} 元，相差 "
            f"{yuan(summary.total - summary.imported_total)} 元（第{summary.total_row}行）"), False


def outcome_of(report: ImportReport) -> Outcome:
    checked = report.checked
    return Outcome(IMPORTED, new_archives(report), checked.ledger_counts.get("matched", 0),
                   checked.counts().get(fmt.MEMBERS.name, 0), batches_of(report),
                   removal_counts(checked.removal) if checked.removal else "")


def archive_filter(numbers: list[str]) -> HouseholdFilter:
    """The archive list showing the households a book made: every status, their 档案编号's common start.

    The list can only be searched by a start, so numbers of two years show the office's others of those years too.
    """
    start = os.path.commonprefix(numbers) if numbers else ""
    return HouseholdFilter(statuses=(), text=start)  # no statuses: 全部档案


# ---- jobs (on a worker thread, each with its own connection) ------------------------------------------------

def check_books(db, actor, specs: list[tuple[int, CheckSpec]], progress) -> bool:
    """Check each book; each result — a report or the error that stopped it — is stepped to the GUI as
    ``(index, result)``. A cancel stops at once (False): the book being read and those after it stay unchecked."""
    worker_db = db.connect_for_thread()
    try:
        service = ExchangeImportService(worker_db, actor)
        for k, (index, spec) in enumerate(specs):
            if progress.cancelled:
                return False
            if len(specs) > 1:
                progress.say(f"正在读取并检查第 {k + 1}/{len(specs)} 本：“{spec.path.name}” …")
            try:
                result: object = spec.check(service, progress)
            except Cancelled:
                return False
            except UserError as err:   # no workbook, a password, a mapping that cannot be …
                result = err
            except OSError as err:     # the file went away or another program holds it
                result = UserError(describe_error(err))
            progress.step((index, result))
        return True
    finally:
        worker_db.close()


def import_books(db, actor, books: list[tuple[int, CheckSpec, ImportReport]], progress) -> None:
    """Import each book, all or nothing, one after another; one 导入前 backup before the first write.

    The first book is written as previewed. A book after one that was written is checked again first: the
    households the earlier one made are this one's archives now (matched by ID, not numbered twice).
    Each ``(index, Outcome)`` is stepped to the GUI once known; a cancel stops within the book being written
    (nothing of it stays) or, heard after it was written, before the next.
    """
    worker_db = db.connect_for_thread()
    try:
        service = ExchangeImportService(worker_db, actor)
        backed_up = written = False
        for k, (index, spec, report) in enumerate(books):
            if not progress(0, 1):
                progress.step((index, Outcome(SKIPPED)))
                continue
            progress.say(f"正在导入第 {k + 1}/{len(books)} 本：“{spec.path.name}” …" if len(books) > 1
                         else f"正在导入“{spec.path.name}” …")
            try:
                if written:
                    report = spec.check(service, progress, database=False)
                if not report.ok:
                    outcome = Outcome(REFUSED, errors=list(report.errors))
                else:
                    service.apply(report, backup=not backed_up,
                                  progress=lambda _sheet, done, total: progress(done, total))
                    backed_up = written = True
                    outcome = outcome_of(report)
                    outcome.late = progress.cancelled
            except Cancelled:
                outcome = Outcome(CANCELLED)
            except Refused:  # the database changed since the check: its issues are the report's errors now
                outcome = Outcome(REFUSED, errors=list(report.errors))
            except UserError as err:
                outcome = Outcome(FAILED, reason=err.message)
            except OSError as err:
                outcome = Outcome(FAILED, reason=describe_error(err))
            progress.step((index, outcome))
    finally:
        worker_db.close()
