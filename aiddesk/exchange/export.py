"""Writing the office's year as an exchange workbook (../shared/EXCHANGE.md, format version 1).

What goes in (one workbook per year, for the unit above):

- 单位: the office's own unit and every unit below it.
- 困难职工档案: the archives of those units that are 在档 or 临时 now, or were created, changed or
  closed in the year, plus every household the year's aid lines or checks name (whatever its unit or
  status: a line must find its household in the same workbook). 家庭成员: the members of those.
- 资金收支: the own unit's ledger entries of the year. A reversed entry and its reversal are left out
  as a pair: the sheet allows no negative amounts and the pair nets to nothing, so every ledger sum
  (and the fund report) is the same without them.
- 预算 / 计划: the own unit's for the year.
- 帮扶批次: the own unit's batches of the year, and its batches of other years that have aid paid in
  the year (送温暖 of December paid in January); 帮扶明细: the valid lines (有效) of those batches.
- 下级单位使用: for each sub-unit, exactly what the fund report counts as its spending: its reported
  totals, or — where its own aid records are in this database — those records summed by source and
  category (the sheet has no room for another unit's batches, and the report must come out the same).
- 核查记录: 电话抽查 calls and 短信 statuses (those with a date, ``sms_at``) of the exported lines;
  满意度调查 answers about the exported batches; 入户走访 visits and general answers dated in the
  year, under the household's latest exported batch (批次编号 is required: a household with no aid
  in the year cannot be written and is counted in ``left_out``). One row per key (批次编号, 档案编号,
  方式, 日期): the day's last record wins.

The file is written by :mod:`.xlsx_stream` (a row at a time, constant memory; openpyxl's write-only mode
was ten times too slow at the issue's size — see that module) into a temporary file that replaces the
target only when complete; ``progress(done, total)`` returning ``False`` cancels (:class:`Cancelled`)
and leaves no file. With an opening password the plain workbook is built in a private folder of this PC's
temporary directory (:func:`..atomic.private_folder`), never beside the target: only its encrypted bytes are. The 校验码 is the SHA-256 of exactly the cell texts written (format.checksum's
definition, computed as the rows stream out). The export is audited.
"""

from __future__ import annotations

import getpass
import hashlib
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..atomic import private_folder, write_atomically
from ..core.codes import code_list
from ..core.errors import UserError
from ..core.money import to_fen
from ..db import Database
from ..db.audit import Actor, record
from ..db.connection import plain_cursor
from ..db.funds import fund_sources
from ..db.ledger_matches import HOUSEHOLD_FORMAT_COLUMNS
from ..db.units import own_unit, subtree_codes
from ..gc_pause import gc_paused
from ..reports.common import Cancelled
from ..services.fund_report import fund_report
from . import format as fmt
from . import xlsx_stream as xs

__all__ = ["Cancelled", "ExportResult", "export_workbook"]

Progress = Callable[[int, int], object]
PROGRESS_EVERY = 2000  # rows between progress calls
SOFTWARE = f"AidDesk {__version__}"
TEXT_FORMAT, MONEY_FORMAT = "@", "0.00"
TEXT_KINDS = (fmt.ID_NUMBER, fmt.CARD, fmt.PHONE)


@dataclass
class ExportResult:
    path: Path
    year: int
    unit_code: str
    rows: dict[str, int]                  # sheet → data rows written, every sheet of format.SHEETS
    checksum: str                         # the 校验码 written in 说明
    exported_at: str
    left_out: dict[str, int] = field(default_factory=dict)  # what the format cannot hold, by reason

    @property
    def total(self) -> int:
        return sum(self.rows.values())


# ---- cells ----------------------------------------------------------------------------------

# How each kind of column is written: ID, card and phone numbers as text kept as text (``@``).
_TYPES = {fmt.MONEY: xs.FEN, fmt.DATE: xs.DATE, fmt.INT: xs.INT, fmt.ID_NUMBER: xs.TEXT_KEPT,
          fmt.CARD: xs.TEXT_KEPT, fmt.PHONE: xs.TEXT_KEPT}


def _types(sheet: fmt.Sheet) -> list[str]:
    return [_TYPES.get(c.kind, xs.TEXT) for c in sheet.columns]


def _yes_no(value: object) -> str | None:
    return None if value is None or value == "" else "是" if value else "否"


# ---- the export -------------------------------------------------------------------------------

def export_workbook(db: Database, path: str | Path, *, year: int, progress: Progress | None = None,
                    actor: Actor | None = None, password: str | None = None) -> ExportResult:
    """Write the office's ``year`` to ``path`` (.xlsx) in the exchange format; audit who exported what.

    Reads one consistent snapshot of the database. ``progress(done, total)`` is called every few
    thousand rows; returning ``False`` raises :class:`Cancelled` and no file is left behind (an
    existing file at ``path`` is kept). ``actor`` defaults to the operating-system user on the
    command line. Runs on any thread that owns ``db`` (the GUI passes a ``connect_for_thread()``).
    """
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise UserError(f"交换表格必须保存为 .xlsx 文件，“{path.name}”不是")
    if not path.parent.is_dir():
        raise UserError(f"文件夹“{path.parent}”不存在，请换一个保存位置")
    conn = db.conn
    unit = own_unit(conn)
    if unit is None:
        raise UserError("还没有设置本单位，无法导出。请先在“单位”中设置本单位")
    actor = actor or _cli_actor()
    exported_at = db.clock.stamp()
    result = ExportResult(path, year, unit.code, {}, "", exported_at)

    def build(tmp_name: str) -> None:
        began = not conn.in_transaction
        if began:
            conn.execute("BEGIN")  # a read snapshot: the sheets agree with each other
        try:
            if password:
                _write_encrypted(db, tmp_name, unit, year, progress, result, password)
            else:
                _write(db, tmp_name, unit, year, progress, result)
        finally:
            _drop_temp(conn)
            if began:
                conn.execute("COMMIT")
        # Audited before the file is moved into place: an export that could not be logged is not made.
        with db.transaction() as c:
            record(c, actor, table="exchange_export", key=str(path), action="export",
                   new={"file": str(path), "year": year, "unit": unit.code, "rows": result.rows,
                        "checksum": result.checksum, "left_out": result.left_out})

    with gc_paused():
        write_atomically(path, build, opened_in="Excel 或 WPS")
    return result


def _write_encrypted(db: Database, tmp_name: str, unit, year: int, progress: Progress | None,
                     result: ExportResult, password: str) -> None:
    """Only the encrypted workbook is written to ``tmp_name`` (beside the target, often on a USB stick).

    The plain workbook is built in a private folder of this PC's temporary directory and encrypted from
    there into memory; the folder is removed at once. A killed export leaves nothing readable beside the
    target: at worst an owner-only folder on the local disk.
    """
    with private_folder("aiddesk-export-") as private:
        plain = private / "交换表.xlsx"
        _write(db, str(plain), unit, year, progress, result)
        data = encrypted_bytes(plain, password)
    with open(tmp_name, "wb") as out:
        out.write(data)


def encrypted_bytes(plain_path: str | Path, password: str) -> bytes:
    """The workbook at ``plain_path`` with an opening password (OOXML agile encryption, as Excel and WPS use)."""
    import io

    from msoffcrypto.format.ooxml import OOXMLFile

    encrypted = io.BytesIO()
    with open(plain_path, "rb") as plain:
        OOXMLFile(plain).encrypt(password, encrypted)
    return encrypted.getvalue()


def encrypt_in_place(name: str, password: str) -> None:
    """Give a workbook an opening password where it lies (tests build encrypted ledgers so)."""
    data = encrypted_bytes(name, password)
    with open(name, "wb") as out:
        out.write(data)


def _cli_actor() -> Actor:
    try:
        user = getpass.getuser()
    except (OSError, KeyError, ImportError):  # no login name (some services)
        user = "unknown"
    return Actor(user, "命令行")


def _drop_temp(conn) -> None:
    conn.execute("DROP TABLE IF EXISTS temp.x_batches")
    conn.execute("DROP TABLE IF EXISTS temp.x_households")
    conn.execute("DROP TABLE IF EXISTS temp.x_checks")


def _write(db: Database, tmp_name: str, unit, year: int, progress: Progress | None, result: ExportResult) -> None:
    _drop_temp(db.conn)
    codes = subtree_codes(db.conn, unit.code)
    sheets = _Selection(db, unit.code, codes, year)
    with xs.StreamingWorkbook(tmp_name, [fmt.MANIFEST, *(s.name for s in fmt.SHEETS)], creator=SOFTWARE,
                              created=db.clock.now()) as book:
        _fill(book, sheets, unit, year, progress, result)
    if progress is not None and progress(result.total, result.total) is False:
        raise Cancelled()


def _fill(book: xs.StreamingWorkbook, sheets: _Selection, unit, year: int, progress: Progress | None,
          result: ExportResult) -> None:
    counts = sheets.counts()
    total = sum(counts.values())
    digest = hashlib.sha256()
    separator = b""  # rows are joined by U+001E: none before the first
    done = 0
    if progress is not None and progress(0, total) is False:
        raise Cancelled()
    for sheet in fmt.SHEETS:
        writer = book.sheet(sheet.name, _types(sheet))  # each column as wide as its header and content
        writer.header(sheet.headers)
        count = 0
        try:
            for values in sheets.rows(sheet):
                digest.update(separator + "\x1f".join(writer.row(values)).encode("utf-8"))
                separator = b"\x1e"
                count += 1
                done += 1
                if progress is not None and done % PROGRESS_EVERY == 0 and progress(done, total) is False:
                    raise Cancelled()
        except xs.CellTooLong as err:
            raise _too_long(err, sheet) from None
        book.close_sheet()
        result.rows[sheet.name] = count
    result.checksum = digest.hexdigest()
    result.left_out = {k: v for k, v in sheets.left_out.items() if v}
    _write_manifest(book, unit, year, result)


def _too_long(err: xs.CellTooLong, sheet: fmt.Sheet) -> UserError:
    """What the clerk is told of a text too long for a cell: where it is, and what to do."""
    key = f"（{sheet.columns[0].header} {err.key[:40]}）" if err.key else ""
    header = sheet.columns[err.index].header
    return UserError(f"无法导出：“{sheet.name}”表第{err.row}行{key}第{err.column}列“{header}”有{err.length}个字，"
                     f"超过 Excel 一个单元格最多能存的{xs.MAX_CELL_CHARS}个字。请在程序中把这一项改短后再导出")


def _write_manifest(book: xs.StreamingWorkbook, unit, year: int, result: ExportResult) -> None:
    # The 值 column holds the 校验码 whole (64 hex digits, wider than the writer's cap for other columns), and the
    # sheet prints on one page with its keys.
    ws = book.sheet(fmt.MANIFEST, [xs.TEXT, xs.TEXT], [0, len(result.checksum) + 2], fit_width=True)
    ws.header(fmt.MANIFEST_HEADERS)
    values = {"格式版本": fmt.FORMAT_VERSION, "单位代码": unit.code, "单位名称": unit.name,
              "上级单位代码": unit.parent_code or None, "年度": year, "导出时间": result.exported_at,
              "导出软件": SOFTWARE, "校验码": result.checksum}
    for key in fmt.MANIFEST_KEYS:
        value = values[key]
        # Numbers stay numbers; a unit code of digits stays text.
        kind = xs.INT if isinstance(value, int) else xs.TEXT_KEPT if key.endswith("单位代码") else xs.TEXT
        ws.row([key, value], [xs.TEXT, kind])
    book.close_sheet()


# ---- which rows -----------------------------------------------------------------------------

def _joined(stored: str | None) -> str:
    """次要致困原因 as stored (``、a、b、``, so a search can match whole words) → ``a、b``."""
    return "、".join(c for c in (stored or "").split("、") if c)


class _Selection:
    """The rows of each sheet, as tuples in the sheet's column order (money in 分, dates ISO text)."""

    def __init__(self, db: Database, own: str, codes: list[str], year: int):
        self.db, self.conn, self.own, self.codes, self.year = db, db.conn, own, codes, year
        conn = self.conn
        self.left_out: dict[str, int] = {"冲销成对的资金收支分录": 0, "没有本年度帮扶批次的核查记录": 0}
        ytext = f"{year:04d}"
        conn.execute("CREATE TEMP TABLE x_batches (id INTEGER PRIMARY KEY)")
        conn.execute(
            "INSERT INTO x_batches SELECT id FROM batches WHERE unit_code = ? AND (year = ? OR id IN ("
            " SELECT batch_id FROM aid_records WHERE state = '有效' AND substr(paid_on, 1, 4) = ?))",
            (own, year, ytext))
        self.verifications = self._verifications()
        marks = ",".join("?" * len(codes))
        conn.execute("CREATE TEMP TABLE x_households (id INTEGER PRIMARY KEY)")
        conn.execute(
            f"INSERT OR IGNORE INTO x_households SELECT id FROM households WHERE unit_code IN ({marks}) AND ("
            " archive_status IN ('在档', '临时') OR substr(created_date, 1, 4) = ? OR substr(updated_at, 1, 4) = ?"
            " OR substr(exit_date, 1, 4) = ?)", (*codes, ytext, ytext, ytext))
        conn.execute("INSERT OR IGNORE INTO x_households SELECT DISTINCT household_id FROM aid_records"
                     " WHERE state = '有效' AND batch_id IN (SELECT id FROM x_batches)")
        self.usage = self._usage()

    def counts(self) -> dict[str, int]:
        c = self.conn

        def one(sql: str, *args) -> int:
            return c.execute(sql, args).fetchone()[0]

        marks = ",".join("?" * len(self.codes))
        reversed_pairs = one("SELECT count(*) FROM fund_entries WHERE unit_code = ? AND year = ?"
                             " AND reverses_id IS NOT NULL", self.own, self.year)
        self.left_out["冲销成对的资金收支分录"] = 2 * reversed_pairs
        return {
            "单位": one(f"SELECT count(*) FROM units WHERE code IN ({marks})", *self.codes),
            "困难职工档案": one("SELECT count(*) FROM x_households"),
            "家庭成员": one("SELECT count(*) FROM members WHERE household_id IN (SELECT id FROM x_households)"),
            "资金收支": one("SELECT count(*) FROM fund_entries WHERE unit_code = ? AND year = ?",
                        self.own, self.year) - 2 * reversed_pairs,
            "预算": one("SELECT count(*) FROM fund_budgets WHERE unit_code = ? AND year = ?", self.own, self.year),
            "计划": one("SELECT count(*) FROM aid_plans WHERE unit_code = ? AND year = ?", self.own, self.year),
            "帮扶批次": one("SELECT count(*) FROM x_batches"),
            "帮扶明细": one("SELECT count(*) FROM aid_records WHERE state = '有效'"
                        " AND batch_id IN (SELECT id FROM x_batches)"),
            "下级单位使用": len(self.usage),
            "核查记录": len(self.verifications),
        }

    def rows(self, sheet: fmt.Sheet) -> Iterable[tuple]:
        return {
            "单位": self._units, "困难职工档案": self._households, "家庭成员": self._members,
            "资金收支": self._fund_entries, "预算": self._budgets, "计划": self._plans, "帮扶批次": self._batches,
            "帮扶明细": self._aid_records, "下级单位使用": lambda: iter(self.usage),
            "核查记录": lambda: iter(self.verifications),
        }[sheet.name]()

    def _units(self) -> Iterator[tuple]:
        marks = ",".join("?" * len(self.codes))
        rows = self.conn.execute(f"SELECT * FROM units WHERE code IN ({marks})"
                                 " ORDER BY code <> ?, code", (*self.codes, self.own))
        for r in rows:
            yield r["code"], r["name"], r["parent_code"], r["level"]

    def _plain(self, sql: str, args: tuple = ()) -> sqlite3.Cursor:
        return plain_cursor(self.conn).execute(sql, args)

    def _households(self) -> Iterator[tuple]:
        rows = self._plain(f"SELECT {HOUSEHOLD_FORMAT_COLUMNS} FROM households"
                           " WHERE id IN (SELECT id FROM x_households) ORDER BY archive_no")
        migrant, secondary = fmt.HOUSEHOLDS.headers.index("是否农民工"), fmt.HOUSEHOLDS.headers.index("次要致困原因")
        for r in rows:
            r = list(r)
            r[migrant] = _yes_no(r[migrant])
            r[secondary] = _joined(r[secondary])
            yield r

    def _members(self) -> Iterator[tuple]:
        return self._plain(
            "SELECT h.archive_no, m.name, m.relation, m.id_number, m.gender, m.birth_date, m.health, m.identity,"
            " m.monthly_income_fen, m.employer_or_school FROM members m JOIN households h ON h.id = m.household_id"
            " WHERE m.household_id IN (SELECT id FROM x_households) ORDER BY h.archive_no, m.seq")

    def _fund_entries(self) -> Iterator[tuple]:
        rows = self.conn.execute(
            "SELECT * FROM fund_entries e WHERE unit_code = ? AND year = ? AND reverses_id IS NULL"
            " AND NOT EXISTS (SELECT 1 FROM fund_entries r WHERE r.reverses_id = e.id)"
            " ORDER BY entry_date, id", (self.own, self.year))
        for r in rows:
            yield (r["entry_no"], r["entry_date"], r["fund_source"], r["kind"], r["amount_fen"],
                   r["counterpart_code"], r["doc_no"], r["memo"])

    def _budgets(self) -> Iterator[tuple]:
        order = {s: i for i, s in enumerate(fund_sources(self.conn))}
        rows = self.conn.execute("SELECT fund_source, amount_fen FROM fund_budgets WHERE unit_code = ? AND year = ?",
                                 (self.own, self.year)).fetchall()
        for source, fen in sorted(rows, key=lambda r: (order.get(r[0], len(order)), r[0])):
            yield self.year, source, fen

    def _plans(self) -> Iterator[tuple]:
        order = {c: i for i, c in enumerate(code_list("aid_category"))}
        rows = self.conn.execute("SELECT aid_category, planned_count, planned_fen FROM aid_plans"
                                 " WHERE unit_code = ? AND year = ?", (self.own, self.year)).fetchall()
        for category, count, fen in sorted(rows, key=lambda r: (order.get(r[0], len(order)), r[0])):
            yield self.year, category, count, fen

    def _batches(self) -> Iterator[tuple]:
        return self._plain(
            "SELECT code, name, activity, year, standard_fen, notice_start, notice_end, approved_on, approval_doc_no,"
            " paid_on, status FROM batches WHERE id IN (SELECT id FROM x_batches) ORDER BY code")

    def _aid_records(self) -> Iterator[tuple]:
        return self._plain(
            "SELECT r.record_no, b.code, h.archive_no, r.recipient_name, r.recipient_id_number, r.aid_category,"
            " r.fund_source, r.amount_fen, r.payment_method, r.paid_on, r.bank_card, r.sms_status, r.phone_check,"
            " r.student_name, r.student_id_number, r.school, r.education_level, r.enrollment_year, r.student_kind,"
            " r.note FROM aid_records r JOIN batches b ON b.id = r.batch_id JOIN households h ON h.id = r.household_id"
            " WHERE r.state = '有效' AND r.batch_id IN (SELECT id FROM x_batches) ORDER BY b.code, r.id")

    def _usage(self) -> list[tuple]:
        """What the fund report counts as each sub-unit's spending, so the report survives the trip."""
        report = fund_report(self.db, self.year, unit_code=self.own)  # reads only, inside our snapshot
        by_records = {s.code: s for s in report.subunits if s.from_records}
        sources = {s: i for i, s in enumerate(fund_sources(self.conn))}
        categories = {c: i for i, c in enumerate(code_list("aid_category"))}
        below = set(self.codes) - {self.own}
        out: list[tuple] = []
        rows = self.conn.execute("SELECT * FROM subunit_usage WHERE year = ?", (self.year,)).fetchall()
        for r in rows:
            if r["unit_code"] in below and r["unit_code"] not in by_records:
                out.append((r["unit_code"], self.year, r["fund_source"], r["aid_category"], r["amount_fen"],
                            r["count"], r["note"]))
        for code, sub in by_records.items():
            for (source, category), figure in sub.spending.cells.items():
                if figure:
                    out.append((code, self.year, source, category, to_fen(figure.amount), figure.count,
                                "由该单位的帮扶明细汇总"))
        out.sort(key=lambda t: (t[0], sources.get(t[2], len(sources)), t[2], categories.get(t[3], 9), t[3]))
        return out

    def _verifications(self) -> list[tuple]:
        """核查记录 rows: 批次编号, 档案编号, 方式, 日期, 结果, 核查人, 备注 — one per key, the day's last.

        Calls and SMS (a row per aid line: the bulk) are gathered in SQL; answers and visits, which go under
        the household's latest exported batch, are added from here. One sort puts each key's latest record
        first (sorting for the sheet and for "the day's last" at once).
        """
        c, ytext = self.conn, f"{self.year:04d}"
        methods = code_list("verification_method")
        rank = {m: i for i, m in enumerate(methods)}
        c.execute("CREATE TEMP TABLE x_checks (code, archive_no, day, rank, method, result, by, note, at, id)")
        c.execute("INSERT INTO x_checks SELECT b.code, h.archive_no, substr(p.called_on, 1, 10), ?, '电话抽查',"
                  " p.result, p.called_by, p.note, p.called_on, p.id FROM phone_calls p JOIN aid_records r"
                  " ON r.id = p.aid_record_id JOIN batches b ON b.id = r.batch_id"
                  " JOIN households h ON h.id = r.household_id"
                  " WHERE r.state = '有效' AND r.batch_id IN (SELECT id FROM x_batches)", (rank.get("电话抽查", 9),))
        c.execute("INSERT INTO x_checks SELECT b.code, h.archive_no, substr(r.sms_at, 1, 10), ?, '短信', r.sms_status,"
                  " NULL, r.sms_error, r.sms_at, r.id FROM aid_records r JOIN batches b ON b.id = r.batch_id"
                  " JOIN households h ON h.id = r.household_id WHERE r.state = '有效'"
                  " AND r.batch_id IN (SELECT id FROM x_batches) AND r.sms_at IS NOT NULL AND r.sms_status <> '未发送'",
                  (rank.get("短信", 9),))
        # The household's latest exported batch, for records that name none.
        latest: dict[int, str] = {}
        for household_id, code in c.execute(
                "SELECT r.household_id, b.code FROM aid_records r JOIN batches b ON b.id = r.batch_id"
                " WHERE r.state = '有效' AND r.batch_id IN (SELECT id FROM x_batches)"
                " ORDER BY coalesce(r.paid_on, b.paid_on, ''), b.code"):
            latest[household_id] = code
        found: list[tuple] = []
        answers = c.execute(
            "SELECT f.household_id, h.archive_no, b.code, f.answered_on, f.answer, f.recorded_by, f.comment, f.id,"
            " f.batch_id IN (SELECT id FROM x_batches) AS exported"
            " FROM feedback f JOIN households h ON h.id = f.household_id LEFT JOIN batches b ON b.id = f.batch_id"
            " WHERE (f.batch_id IS NOT NULL AND f.batch_id IN (SELECT id FROM x_batches))"
            " OR (f.batch_id IS NULL AND substr(f.answered_on, 1, 4) = ?)", (ytext,))
        for household_id, archive_no, code, on, answer, by, comment, _id, exported in answers:
            code = code if exported else latest.get(household_id)
            if code is None:
                self.left_out["没有本年度帮扶批次的核查记录"] += 1
                continue
            found.append((code, archive_no, on[:10], rank.get("满意度调查", 9), "满意度调查", answer, by, comment, on,
                          _id))
        visits = c.execute(
            "SELECT v.household_id, h.archive_no, v.visited_on, v.outcome, v.visitors, v.note, v.id"
            " FROM home_visits v JOIN households h ON h.id = v.household_id WHERE substr(v.visited_on, 1, 4) = ?",
            (ytext,))
        for household_id, archive_no, on, outcome, visitors, note, _id in visits:
            code = latest.get(household_id)
            if code is None:
                self.left_out["没有本年度帮扶批次的核查记录"] += 1
                continue
            found.append((code, archive_no, on[:10], rank.get("入户走访", 9), "入户走访", outcome, visitors, note, on,
                          _id))
        c.executemany("INSERT INTO x_checks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", found)
        out: list[tuple] = []
        last = None
        for code, archive_no, day, _rank, method, result, by, note in self._plain(
                "SELECT code, archive_no, day, rank, method, result, by, note FROM x_checks"
                " ORDER BY code, archive_no, day, rank, method, at DESC, id DESC"):
            key = (code, archive_no, day, method)
            if key != last:  # the first of a key is its latest record
                out.append((code, archive_no, method, day, result, by, note))
                last = key
        return out
