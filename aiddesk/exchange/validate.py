"""Reading and checking an exchange workbook (../shared/EXCHANGE.md) before anything is written.

Every sheet is parsed into typed rows (amounts in 分, dates as ISO text, ID numbers normalised to 18
characters) and every problem is reported with sheet, row (as Excel shows it), column, value and a
Chinese message saying what to fix. Nothing here writes to the database, except nothing: the import
itself is :mod:`aiddesk.exchange.importer`.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from itertools import islice
from operator import itemgetter
from pathlib import Path

from ..core import field_rules, record_codes
from ..core.codes import code_list
from ..core.errors import UserError
from ..core.idcard import is_valid, parse_id
from ..core.money import MAX_YUAN, BadGrouping, yuan_from_text
from ..core.phone import check_phone
from ..core.relations import relation_of, standard_names
from ..core.text import clean_text, normalise
from ..db import column_mappings, import_checks
from ..db.funds import fund_sources
from ..db.units import subtree_codes
from ..gc_pause import gc_paused
from ..reports.common import Cancelled
from . import format as fmt
from .sheet_reader import FormulaWithoutValue, RawSheet, read_workbook

LEGACY_KIND = "旧台账:"  # column_mappings kind prefix, followed by the format's sheet name
CHANGED_WARNING = "表格在导出后被修改过"
LAYOUT_SAMPLE = 5  # data rows kept per sheet for the column-mapping step
_REQUIRED = "“{}”必须填写"
STEPS_PER_SHEET = 20  # progress steps a sheet counts for (its columns share them)

# Headers old ledgers use for the format's columns (file header → format header), per sheet or for all.
ALIASES: dict[str, str] = {
    "身份证号码": "身份证号", "公民身份号码": "身份证号", "证件号码": "身份证号", "身份证": "身份证号",
    "困难类型": "困难类别", "困难职工类别": "困难类别", "档案号": "档案编号", "建档编号": "档案编号",
    "户主姓名": "姓名", "职工姓名": "姓名", "联系电话": "手机号码", "手机号": "手机号码", "电话": "手机号码",
    "致困原因": "主要致困原因", "银行账号": "银行卡号", "卡号": "银行卡号", "档案状况": "档案状态",
    "建档时间": "建档日期", "帮扶类别": "救助类别", "救助类型": "救助类别", "发放金额": "金额",
    "帮扶金额": "金额", "救助金额": "金额", "与户主关系": "关系", "批次号": "批次编号",
}

# What only an old ledger's history may say (ledger/build.py): a line whose 资金来源 the book does not give is
# booked to 未注明, so the fund report shows it honestly; a household whose 困难类别 it does not give is 待核定,
# listed under 资料不全 until the office sets it.
HISTORY_WORDS = {"fund_source": ["未注明"], "hardship_category": ["待核定"]}
_ACTIVE = ("在档", "临时")
_DATE_TEXT = (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"), re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})"),
              re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日"), re.compile(r"(\d{4})\.(\d{1,2})\.(\d{1,2})"))
# 20150120, as text or as a number cell: old ledgers write dates so. Eight digits can be anything else too, so
# only a year between these is read as a date (anything outside says 不是日期).
_DATE_DIGITS = re.compile(r"(\d{4})(\d{2})(\d{2})")
_DATE_DIGITS_YEARS = range(1900, 2101)
_CENT = Decimal("0.01")
_STR = {str}  # the cell kinds of a column of text cells only
_MAX_INT = 10 ** 18  # below SQLite's largest integer (2**63 - 1)


@dataclass(frozen=True)
class Issue:
    sheet: str
    row: int | None
    column: str
    value: str
    message: str

    def as_dict(self) -> dict:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "value": self.value,
                "message": self.message}


class Row:
    """One data row: its number as Excel shows it and its typed values (None when empty), by format header.

    The values are a list beside an index shared by the sheet's rows, not a dict per row: a workbook of
    300 000 rows is a few hundred MB less that way.
    """

    __slots__ = ("number", "values", "index")

    def __init__(self, number: int, values: list[object], index: dict[str, int]):
        self.number = number
        self.values = values
        self.index = index

    @classmethod
    def of(cls, number: int, values: dict[str, object]) -> Row:
        return cls(number, list(values.values()), {h: i for i, h in enumerate(values)})

    def __getitem__(self, header: str) -> object:
        i = self.index.get(header)
        return None if i is None else self.values[i]

    def as_dict(self) -> dict[str, object]:
        """Every format column → value: for loops that read many of a row's columns (one C call here)."""
        return dict(zip(self.index, self.values))

    def __setitem__(self, header: str, value: object) -> None:
        self.values[self.index[header]] = value

    def __repr__(self) -> str:
        return f"Row({self.number}, {dict(zip(self.index, self.values))})"


@dataclass
class SheetLayout:
    """How one sheet of the file was read: which of its columns hold which of the format's (for the mapping step)."""

    file_sheet: str               # the sheet's name in the file
    sheet: str                    # the format's sheet it was read as
    headers: list[str]            # the file's header row, as text
    columns: dict[str, str]       # format header → file header, for the columns found
    sample: list[list[str]]       # the first few data rows, as text
    missing: list[str]            # required format headers with no column


@dataclass
class Removal:
    """What importing a workbook takes away: the rows of a unit's year that a newer export no longer has, and the
    members no longer on a household's list. ``keys``: sheet → the keys of its rows that go (as the sheet writes
    them, 年度·资金来源 for a key of two columns); ``with_them``: what goes along (an aid line's calls, …) → count."""

    keys: dict[str, list[str]] = field(default_factory=dict)
    with_them: dict[str, int] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.keys or self.with_them)

    def as_dict(self) -> dict[str, dict]:
        return {sheet: {"count": len(keys), "keys": list(keys)} for sheet, keys in self.keys.items()}


class Refused(UserError):
    """An import refused for what the check found (again, inside its writing transaction): ``issues`` say where."""

    def __init__(self, issues: list[Issue]):
        first = issues[0]
        where = "".join(p for p in (first.sheet, f"第{first.row}行" if first.row else "",
                                    f"“{first.column}”" if first.column else ""))
        more = f"等{len(issues)}处错误" if len(issues) > 1 else ""
        super().__init__(f"{where}：{first.message}{more}，没有导入任何内容" if where else
                         f"{first.message}{more}，没有导入任何内容")
        self.issues = issues


@dataclass
class Checked:
    """A parsed and checked workbook: what the importer writes when ``errors`` is empty."""

    path: Path
    legacy: bool = False
    format_version: int | None = None
    unit_code: str = ""
    unit_name: str = ""
    parent_code: str = ""
    year: int | None = None
    exported_at: str = ""
    checksum: str = ""           # as written in 说明
    computed_checksum: str = ""
    own_unit: str = ""           # the database's own unit ('' when it has none yet: the workbook's becomes it)
    sheets: dict[str, list[Row]] = field(default_factory=dict)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    layouts: list[SheetLayout] = field(default_factory=list)
    removal: Removal = field(default_factory=Removal)  # what the import would remove (found with the check)
    ledger: list = field(default_factory=list)    # an old ledger read as books are kept: per sheet, its SheetSummary
    origins: dict = field(default_factory=dict)   # format sheet → the book's row each of its rows came from
    book_batches: str = ""                       # an old ledger: LIKE pattern of the batch codes of this book
    ledger_sheets: list = field(default_factory=list)  # old ledger: (SheetLayout, ColumnMap) per sheet
    ledger_counts: dict = field(default_factory=dict)  # an old ledger: {"new": households new, "matched": already in}
    new_own_unit: tuple[str, str] | None = None  # an old ledger into a database with no own unit: (代码, 名称) given

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, rows in self.sheets.items() if rows}


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: object) -> str:
    """The text a cell shows (for messages and plain text columns)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


# ---- typed cells ---------------------------------------------------------------------------------------------

class CellError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class RelationWord(str):
    """A 关系 cell that is no standard name (妻子, 子女 …): the standard name the word alone gives, with the word as
    written, which the importer reads again with the member's sex (子女 → 子 or 女) and keeps (relation_as_written)."""

    def __new__(cls, name: str, written: str):
        word = super().__new__(cls, name)
        word.written = written
        return word

    def __reduce__(self):
        return RelationWord, (str(self), self.written)


def parse_money(value: object, *, negative: bool = False) -> int:
    """元 in a cell (number or text such as "1,000.00") → integer 分, never through float arithmetic."""
    if isinstance(value, bool):
        raise CellError("不是金额，请填写数字，例如 1000 或 1000.50")
    if isinstance(value, (int, float)):
        amount = Decimal(str(value))   # the shortest text that is this float: 1000.1 → "1000.1"
    else:
        try:  # the forms' rule (core/money.py): commas only every three digits, no exponents or underscores
            amount = yuan_from_text(str(value))
        except BadGrouping as err:
            raise CellError(err.message) from None
        except UserError:
            raise CellError("不是金额，请填写数字，例如 1000 或 1000.50") from None
    if not amount.is_finite():
        raise CellError("不是金额，请填写数字，例如 1000 或 1000.50")
    if amount.copy_abs() >= MAX_YUAN:  # copy_abs, not abs(): no rounding, no Overflow; before quantize()
        raise CellError("金额太大（不能超过100亿元），请核对")
    if amount != amount.quantize(_CENT):
        raise CellError("金额超过两位小数，请精确到分")
    if amount < 0 and not negative:
        raise CellError("金额不能为负数")
    return int(amount * 100)


def _fen_of_number(value: int | float) -> int | None:
    """A number cell's exact 分 from its shortest decimal text (no float arithmetic), or None when it is not a
    plain amount of at most two decimals (parse_money then says what is wrong)."""
    text = repr(value)
    if "e" in text or "n" in text or text == "-0.0":  # 1e+20, nan, inf: the general way
        return None
    sign = -1 if text.startswith("-") else 1
    whole, _dot, cents = text.lstrip("-").partition(".")
    if len(cents) > 2 or len(whole) > 10:  # 100亿元 and up: parse_money refuses it
        return None
    return sign * (int(whole) * 100 + int((cents + "00")[:2]))


def parse_date(value: object) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 19000000 <= value < 21010000 \
            and value == int(value):
        value = str(int(value))  # a number cell 20150120 (NaN and infinity fail the comparisons above)
    if isinstance(value, str):
        text = normalise(value)
        m = _DATE_DIGITS.fullmatch(text)
        if m and int(m[1]) in _DATE_DIGITS_YEARS:
            try:
                return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
            except ValueError:
                raise CellError("日期不存在，请核对年月日") from None
        for pattern in _DATE_TEXT:
            m = pattern.fullmatch(text)
            if m:
                try:
                    return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
                except ValueError:
                    raise CellError("日期不存在，请核对年月日") from None
        # An Excel date cell read as text by another program: "2015-03-02 00:00:00".
        m = re.fullmatch(r"(\d{4}-\d{2}-\d{2})(?:T|)00:00(?::00)?", text)
        if m:
            return parse_date(m[1])
    raise CellError("不是日期，请填写为 2015-03-02、2015/3/2、2015.3.2、2015年3月2日 或 20150302，或设为日期格式")


def parse_int(value: object) -> int:
    if isinstance(value, bool):
        raise CellError("不是整数")
    if isinstance(value, float):
        if not value.is_integer():
            raise CellError("应为整数")
        value = int(value)
    if isinstance(value, int):
        # Years, counts, people: far below this; beyond it SQLite could not store the number at all.
        if abs(value) >= _MAX_INT:
            raise CellError("数字太大，请核对")
        return value
    text = normalise(str(value)).replace(",", "")
    if re.fullmatch(r"-?\d{1,18}", text):  # int() of thousands of digits refuses them: such a cell is no number
        return int(text)
    raise CellError("数字太大，请核对" if re.fullmatch(r"-?\d+", text) else "应为整数")


def _long_number(value: object, label: str) -> str:
    """A numeric cell in a column that must be text: digits intact only up to 15 significant digits."""
    assert isinstance(value, (int, float))
    if isinstance(value, float) and not value.is_integer():
        raise CellError(f"{label}应为文本，不能是带小数的数字")
    number = int(value)
    # Compared before str(): str() of an int of thousands of digits raises ValueError.
    if abs(number) >= 10 ** 15:
        raise CellError(f"{label}被 Excel 存成了数字，超过15位的部分已经丢失（末几位变成了0），无法恢复。"
                        f"请把“{label}”一列设为“文本”格式后重新录入号码")
    return str(number)


def parse_id_number(value: object, label: str = "身份证号", *, today: date) -> str:
    text = _long_number(value, label) if isinstance(value, (int, float)) and not isinstance(value, bool) \
        else normalise(str(value)).upper()
    try:
        return parse_id(text, today=today).number
    except UserError as err:
        raise CellError(err.message) from None


def parse_card(value: object) -> str:
    text = _long_number(value, "银行卡号") if isinstance(value, (int, float)) and not isinstance(value, bool) \
        else normalise(str(value)).replace("-", "")
    if not text.isascii() or not text.isdigit() or not 12 <= len(text) <= 19:
        raise CellError("银行卡号应为12–19位数字")
    return text


# ---- the workbook --------------------------------------------------------------------------------------------

def check(conn: sqlite3.Connection, path: Path, *, mapping: dict[str, dict[str, str]] | None = None,
          progress: Callable[[int, int], object] | None = None, password: str | None = None,
          database: bool = True, year: int | None = None, header_rows: dict[str, int] | None = None,
          unit: tuple[str, str] | None = None) -> Checked:
    """Read and check the workbook at ``path`` (opened with ``password`` if it has one) against ``conn``'s database.

    ``mapping`` (legacy ledgers): format sheet name → {format header: file header}, as chosen in the
    column-mapping step; without it, remembered mappings and known aliases are used.
    ``progress(done, total)`` is called as sheets and their columns are checked (a big workbook takes a
    while); its ``False`` stops the check with :class:`Cancelled`.
    ``database=False`` leaves out the checks against the database, for a caller that runs them next inside its
    writing transaction (:func:`recheck`) anyway.
    ``year`` and ``header_rows`` (old ledgers): the year the book is of, where nothing in it says; the header's row
    of a sheet, where the user pointed at another than the one found; ``unit`` (代码, 名称): the office's own unit,
    made by the import, where the database has none yet.
    Raises :class:`Unreadable` when the file cannot be read at all (its kinds PasswordRequired, WrongPassword).
    """
    with read_workbook(Path(path), password=password) as workbook, gc_paused():
        v = Validator(conn, Path(path), workbook.sheets, mapping or {}, progress, plan=workbook.plan)
        v.given_year, v.header_rows = year, header_rows or {}
        if unit is not None and not v.result.own_unit:
            v.result.new_own_unit = unit
        return v.run(database=database)


def recheck(conn: sqlite3.Connection, checked: Checked) -> list[Issue]:
    """The checks that depend on the database, run again on a checked workbook — inside the import's writing
    transaction, so that what they found still holds when the rows are written (another import, or a user
    at another PC, may have written in between). Updates ``checked.own_unit`` and ``checked.removal`` to the
    database as it is now; returns the errors found (none: the import may write)."""
    v = Validator(conn, checked.path, [], {})
    # The workbook as read, against the database as it is now: its own unit too (a first import into a new
    # database may have made another workbook's unit the own one meanwhile).
    v.result = replace(checked, errors=[], warnings=[], removal=Removal(), own_unit=v.result.own_unit)
    with gc_paused():
        v._database_checks()
    checked.own_unit, checked.removal = v.result.own_unit, v.result.removal
    # Warnings the database checks give (现金 without a signed sheet …) belong in the report whether or not
    # the check before ran them (an import at once leaves them to this run).
    found = [_in_book(w, checked) for w in v.result.warnings]
    known = set(checked.warnings)
    checked.warnings.extend(w for w in found if w not in known)
    return [_in_book(e, checked) for e in v.result.errors]


def _in_book(issue: Issue, checked: Checked) -> Issue:
    """An issue of an old ledger's translated rows, said of the book's sheet, row and header."""
    if not checked.origins:
        return issue
    from .ledger.book import remap

    return remap(issue, checked.origins)


class Validator:
    def __init__(self, conn: sqlite3.Connection, path: Path, raw: list[RawSheet], mapping: dict,
                 progress: Callable[[int, int], object] | None = None,
                 plan: Callable[[list[str]], None] | None = None):
        self.conn = conn
        self.today = conn.clock.today()  # an ID number's birth date must not be after it
        self._plan = plan or (lambda names: None)  # tells the reader the order sheets will be loaded in
        self._progress = progress
        self._done, self._total = 0, 1
        self.raw = raw
        self.mapping = mapping
        self.result = Checked(path)
        own = conn.execute("SELECT code FROM units WHERE is_own = 1").fetchone()
        self.result.own_unit = own[0] if own else ""
        self.sources = fund_sources(conn)
        self.db_units = {r[0]: r[1] for r in conn.execute("SELECT code, parent_code FROM units")}
        self.code_lists: dict[str, list[str]] = {}
        self.bad_rows: set[tuple[str, int]] = set()  # rows with a cell that could not be read
        self.given_year: int | None = None           # old ledgers: the year the user says the book is of
        self.header_rows: dict[str, int] = {}         # old ledgers: header rows the user pointed at
        self._ids: dict[tuple[str, str], object] = {}

    # -- issues
    def error(self, sheet: str, row: int | None, column: str, value: object, message: str) -> None:
        self.result.errors.append(Issue(sheet, row, column, _text(value), message))

    def warn(self, sheet: str, row: int | None, column: str, value: object, message: str) -> None:
        self.result.warnings.append(Issue(sheet, row, column, _text(value), message))

    def allowed(self, list_name: str) -> list[str]:
        history = HISTORY_WORDS.get(list_name, []) if self.result.origins else []
        if list_name == "fund_source":
            return self.sources + history
        if list_name not in self.code_lists:
            self.code_lists[list_name] = code_list(list_name) + history
        return self.code_lists[list_name]

    def tick(self, done: int) -> None:
        """Report progress; the caller's ``False`` cancels."""
        self._done = done
        if self._progress is not None and self._progress(done, self._total) is False:
            raise Cancelled()

    # -- driver
    def run(self, *, database: bool = True) -> Checked:
        by_name = self._sheet_names()
        read_as = {_format_name(name): name for name in by_name}  # format sheet (or the file's name) → file's name
        r = self.result
        manifest_name = read_as.get(fmt.MANIFEST)
        manifest = by_name[manifest_name][1]() if manifest_name else None  # read once, whichever way it goes
        if manifest is not None and _is_manifest(manifest):
            self._plan([manifest_name] + [read_as[s.name] for s in fmt.SHEETS if s.name in read_as])
            self._manifest(by_name[manifest_name][0], manifest)
            assignments = [(fmt.BY_NAME[_format_name(n)], n, start, load) for n, (start, load) in by_name.items()
                           if _format_name(n) in fmt.BY_NAME]
            for name in by_name:
                if _format_name(name) != fmt.MANIFEST and _format_name(name) not in fmt.BY_NAME:
                    self.warn(name, None, "", "", f"工作表“{name}”不是交换格式中的表，未导入")
        else:
            r.legacy = True  # old ledgers are small, and recognising their sheets needs all their rows
            self._plan(list(by_name))
            loaded = {n: (start, manifest if n == manifest_name else load()) for n, (start, load) in by_name.items()}
            if self._shaped_like_ours(loaded):
                assignments = self._legacy_sheets(loaded)
            else:
                assignments = self._ledger({n: rows for n, (_start, rows) in loaded.items()})
        hasher = _Checksum()
        order = {s.name: i for i, s in enumerate(fmt.SHEETS)}
        self._total = STEPS_PER_SHEET * len(assignments) + 1  # and one for the checks across sheets
        for k, (sheet, name, start, rows) in enumerate(sorted(assignments, key=lambda a: order[a[0].name])):
            self.tick(STEPS_PER_SHEET * k)
            r.sheets[sheet.name] = self._sheet(sheet, name, start, rows() if callable(rows) else rows, hasher)
        self.tick(self._total - 1)
        r.computed_checksum = hasher.hexdigest()
        if not r.legacy and r.checksum and r.checksum.lower() != r.computed_checksum:
            self.warn(fmt.MANIFEST, None, "校验码", r.checksum, CHANGED_WARNING)
        if r.legacy:
            r.unit_code = r.own_unit or (r.new_own_unit[0] if r.new_own_unit else "")
            r.year = self._legacy_year()
        self._repeated_keys()
        self._year_agreement()
        if database:
            self._database_checks()
        if r.origins:  # an old ledger's issues, said of its own sheets, rows and headers
            r.errors[:] = [_in_book(e, r) for e in r.errors]
            r.warnings[:] = [_in_book(w, r) for w in r.warnings]
        if r.legacy and not r.errors and not r.counts() and any(summary.read for summary in r.ledger):
            self.warn("", None, "", r.path.name, "台账中的人都已在档案中，也没有新的帮扶明细：这次导入不会改变什么")
        elif r.legacy and not r.errors and not r.counts():
            # An empty file, or one whose sheets were none of ours: "imported" would record an import of nothing.
            self.error("", None, "", r.path.name, "文件里没有找到可导入的台账数据（没有认出的表或表中没有数据行）；"
                       "请核对是否选错了文件")
        self.tick(self._total)
        return r

    def _sheet_names(self) -> dict[str, tuple[int, Callable[[], list[list[object]]]]]:
        """The file's sheets by name (start row, loader). Names are matched after normalising (spaces, full-width
        letters): two sheets whose names normalise alike are an error naming both, and only the first is read."""
        out: dict[str, tuple[int, Callable]] = {}
        first: dict[str, tuple[int, str]] = {}  # normalised name → (position in the file, name)
        for position, (name, start, load) in enumerate(self.raw, start=1):
            key = normalise(name)
            if key in first:
                at, other = first[key]
                self.error(_format_name(other), None, "", name,
                           f"第{at}张工作表“{other}”和第{position}张工作表“{name}”的名称只差空格或全角、半角字符，"
                           "无法确定导入哪一张；请删除多余的一张或把它改名后重新导入")
                continue
            first[key] = (position, name)
            out[name] = (start, load)
        return out

    # -- 说明
    def _manifest(self, start: int, rows: list[list[object]]) -> None:
        r = self.result
        values: dict[str, tuple[int, object]] = {}
        for n, row in enumerate(rows, start=start):
            if not row or _blank(row[0]) or _text(row[0]) == fmt.MANIFEST_HEADERS[0]:
                continue
            values[_text(row[0])] = (n, row[1] if len(row) > 1 else None)
        for key in fmt.MANIFEST_REQUIRED:
            if key not in values or _blank(values[key][1]):
                self.error(fmt.MANIFEST, values.get(key, (None,))[0], key, "", f"说明表缺少“{key}”")
        if "格式版本" in values and not _blank(values["格式版本"][1]):
            n, v = values["格式版本"]
            try:
                r.format_version = parse_int(v)
            except CellError:
                r.format_version = None
            if r.format_version != fmt.FORMAT_VERSION:
                self.error(fmt.MANIFEST, n, "格式版本", v,
                           f"格式版本应为{fmt.FORMAT_VERSION}；本程序读不了这个版本的交换表，请用相同版本的程序导出")
        r.unit_code = normalise(_text(values.get("单位代码", (0, ""))[1]))
        r.unit_name = _text(values.get("单位名称", (0, ""))[1])
        r.parent_code = normalise(_text(values.get("上级单位代码", (0, ""))[1]))
        r.exported_at = _text(values.get("导出时间", (0, ""))[1])
        r.checksum = _text(values.get("校验码", (0, ""))[1])
        if "年度" in values and not _blank(values["年度"][1]):
            n, v = values["年度"]
            try:
                year = parse_int(v)
            except CellError as err:
                self.error(fmt.MANIFEST, n, "年度", v, err.message)
            else:
                problem = field_rules.YEAR.problem("年度", year)
                if problem:  # 0, -1, 99999: no year this program keeps (and no year to replace)
                    self.error(fmt.MANIFEST, n, "年度", v, f"{problem}；请填写这份交换表所属的年度，如 2026")
                else:
                    r.year = year

    # -- old ledgers as offices keep them (ledger/): translated into the format's sheets, then checked as they are
    def _shaped_like_ours(self, loaded: dict) -> bool:
        """A book already laid out as the format's sheets (named so), read the older way below; any other book is
        read as offices keep them (ledger/)."""
        with_data = [n for n, (_s, rows) in loaded.items() if any(not _blank(v) for row in rows for v in row)]
        return bool(with_data) and all(_format_name(n) in fmt.BY_NAME for n in with_data)

    def _ledger(self, sheets: dict[str, list[list[object]]]) -> list:
        from .ledger.book import read_book
        from .ledger.build import book_batches_like

        r = self.result
        unit = r.own_unit or (r.new_own_unit[0] if r.new_own_unit else "")
        book = read_book(self.conn, sheets, book_name=r.path.name, unit=unit, mapping=self.mapping,
                         header_rows=self.header_rows, given_year=self.given_year, today=self.today)
        r.ledger = book.summaries
        r.origins = book.translated.origins
        r.ledger_sheets = book.layouts
        r.ledger_counts = {"new": book.translated.new_households, "matched": book.translated.matched_households}
        for layout, colmap in book.layouts:  # what the wizard's column step shows (read as 困难职工档案 for now)
            data = [row for row in layout.rows if row.role == "DATA"][:LAYOUT_SAMPLE]
            r.layouts.append(SheetLayout(
                layout.name, fmt.HOUSEHOLDS.name, list(layout.headers),
                {f: layout.headers[i] for f, i in colmap.fields.items() if f in fmt.HOUSEHOLDS.headers},
                [[_text(v) for v in row.values] for row in data],
                [f for f in ("姓名", "身份证号") if f not in colmap.fields]))
        if unit:
            r.book_batches = book_batches_like(unit, book.translated.book_mark)
        r.errors.extend(book.errors)
        r.warnings.extend(book.warnings)
        return [(fmt.BY_NAME[name], name, 1, rows) for name, rows in book.translated.sheets.items()]

    # -- legacy ledgers: sheets recognised by name or by their headers, columns through mappings
    def _legacy_sheets(self, by_name: dict) -> list:
        out = []
        used = set()
        last_with_data = next((n for n, (_s, rows) in reversed(by_name.items())
                               if any(not _blank(v) for row in rows for v in row)), None)
        for name, (start, rows) in by_name.items():
            sheet = fmt.BY_NAME.get(_format_name(name))
            if sheet is None:
                header = self._header_row(rows)
                best, score = None, 0
                for candidate in fmt.SHEETS:
                    if candidate.name in used:
                        continue
                    resolved = self._resolve(candidate, [_text(v) for v in header])
                    s = sum(1 for h in candidate.required if h in resolved)
                    if s > score and s >= min(2, len(candidate.required)):
                        best, score = candidate, s
                sheet = best
            if sheet is None and not out and name == last_with_data and fmt.HOUSEHOLDS.name not in used:
                sheet = fmt.HOUSEHOLDS  # nothing recognised: most old ledgers are archives; its columns need mapping
            if sheet is None or sheet.name in used:
                self.warn(name, None, "", "", f"工作表“{name}”认不出是哪一种台账，未导入")
                continue
            used.add(sheet.name)
            out.append((sheet, name, start, rows))
        return out

    @staticmethod
    def _header_row(rows: list[list[object]]) -> list[object]:
        return next((row for row in rows if any(not _blank(v) for v in row)), [])

    def _resolve(self, sheet: fmt.Sheet, headers: list[str]) -> dict[str, int]:
        """format header → column index in the file."""
        index = {h: i for i, h in reversed(list(enumerate(headers))) if h}
        if self.result.origins:  # an old ledger translated (ledger/): its sheets have the format's headers
            return {h: index[h] for h in sheet.headers if h in index}
        if self.result.legacy and sheet.name in self.mapping:
            # What the user chose in the mapping step, exactly: a column they set to 不导入 stays out even
            # where a header of the same name or a known alias would fill it.
            return {target: index[header] for target, header in self.mapping[sheet.name].items()
                    if header in index and target in sheet.headers}
        out: dict[str, int] = {}
        for h in sheet.headers:
            if h in index:
                out[h] = index[h]
        if not self.result.legacy:
            return out
        chosen = column_mappings.mapping_for(self.conn, LEGACY_KIND + sheet.name, headers)
        for target, header in chosen.items():
            if header in index and target in sheet.headers:
                out.setdefault(target, index[header])
        for header, i in index.items():
            target = ALIASES.get(header)
            if target in sheet.headers and target not in out:
                out[target] = i
        return out

    def _twins(self, sheet: fmt.Sheet, headers: list[str], columns: dict[str, int]) -> list[tuple[str, list[int]]]:
        """The format columns that more than one column of the file would fill — the same header twice, or (in an
        old ledger, where the user has not chosen) a header and its alias: (format header, the file's columns)."""
        chosen = self.result.legacy and sheet.name in self.mapping
        out = []
        for target, i in columns.items():
            rivals = [j for j, h in enumerate(headers) if j != i and h and (
                h == headers[i] or not chosen and (h == target or self.result.legacy and ALIASES.get(h) == target))]
            if rivals:
                out.append((target, sorted([i, *rivals])))
        return out

    # -- one sheet
    def _sheet(self, sheet: fmt.Sheet, name: str, start: int, rows: list[list[object]], hasher) -> list[Row]:
        header_at = next((i for i, cells in enumerate(rows) if any(not _blank(v) for v in cells)), None)
        if header_at is None:
            return []
        headers = [_text(v) for v in rows[header_at]]
        columns = self._resolve(sheet, headers)
        twins = self._twins(sheet, headers, columns)
        mapped = set(columns.values()) | {j for _target, at in twins for j in at}
        for i, h in enumerate(headers):
            if h and i not in mapped:
                self.warn(sheet.name, start + header_at, h, h, f"“{h}”不是“{sheet.name}”表的列，未导入")
        for target, at in twins:
            if len({headers[j] for j in at}) == 1:
                which = f"{_and([f'{_column_letter(j)}列' for j in at])}都是“{headers[at[0]]}”"
            else:
                which = f"{_and([f'{_column_letter(j)}列“{headers[j]}”' for j in at])}都是“{target}”"
            self.error(sheet.name, start + header_at, target, headers[columns[target]],
                       f"{which}，无法确定导入哪一列；请删除或改名多余的一列后重新导入")
        missing = [h for h in sheet.required if h not in columns]
        shown = {h: headers[i] for h, i in columns.items()}
        for target, _at in twins:
            del columns[target]  # neither column is read: which one is meant, only the file can say
        head = rows[header_at + 1:header_at + 1 + LAYOUT_SAMPLE]
        self.result.layouts.append(SheetLayout(name, sheet.name, headers, shown,
                                               [[_text(v) for v in row] for row in head], missing))
        for h in missing:
            self.error(sheet.name, start + header_at, h, "", f"缺少必填列“{h}”")
        if missing:
            return []
        data = rows[header_at + 1:]
        rows.clear()  # the sheet's cells now live in ``data`` alone, which _rows empties once it has the columns
        read = self._rows(sheet, data, start + header_at + 1, headers, columns, hasher)
        if twins:  # a column left unread: its rows are not to be judged by it (who they are, what they name)
            self.bad_rows.update((sheet.name, row.number) for row in read)
        return read

    def _rows(self, sheet: fmt.Sheet, data: list[list[object]], first: int, headers: list[str],
              columns: dict[str, int], hasher) -> list[Row]:
        """The typed data rows; every cell's text goes to the 校验码.

        The hot path of an import (millions of cells), so it works a column at a time: each distinct value of
        a column (a code, a date, an amount, an ID number on its tenth line) is read once, and the column is
        then mapped through those readings in C loops. Problems are reported row by row all the same.
        """
        width = len(headers)
        if not data:
            return []
        if min(map(len, data)) != width or max(map(len, data)) != width:  # calamine's are; a CSV's may not be
            data = [cells if len(cells) == width else (list(cells) + [None] * width)[:width] for cells in data]
        raw_columns = list(zip(*data))
        data.clear()  # the row lists go (the sheet's biggest moment: a hundred thousand of them)
        count = len(raw_columns[0])
        index = {h: k for k, h in enumerate(sheet.headers)}  # every format column has its place, read or not
        typed: list[list[object] | None] = [None] * len(index)
        texts: list[list[str] | None] = [None] * width  # by file column, as the 校验码 takes them
        problems: list[tuple[int, int, Issue]] = []  # (row, column, issue): sorted into row order below
        base = self._done
        for n, (h, i) in enumerate(columns.items()):
            self.tick(base + STEPS_PER_SHEET * n // (len(columns) + 1))  # a cancel is heard between columns
            col = sheet.column(h)
            check_kind = sheet.column(headers[i]).kind if headers[i] in sheet.headers else fmt.TEXT
            text_i, typed_i = self._column(sheet, col, check_kind, raw_columns[i], first, i, problems)
            typed[index[h]] = typed_i
            if texts[i] is None:  # a file column read as two format columns: its text counts once
                texts[i] = text_i
        for i in range(width):
            if texts[i] is None:
                texts[i] = self._column(sheet, None, fmt.TEXT, raw_columns[i], first, i, problems)[0]
        blank = hasher.add_columns(texts)  # the row numbers (from 0) of rows of blanks: no rows at all
        if blank and problems:  # a row of formulas whose results the file does not hold is no blank row
            blank -= {k for k, _i, issue in problems if issue.message is FormulaWithoutValue.MESSAGE}
        if problems:
            problems.sort(key=lambda p: (p[0], p[1]))
            for k, _i, issue in problems:
                if k not in blank:
                    self.result.errors.append(issue)
                    if issue.message != _REQUIRED.format(issue.column):
                        self.bad_rows.add((sheet.name, first + k))
        empty = [None] * count
        rows = zip(*(t if t is not None else empty for t in typed))
        if blank:
            rows = (values for k, values in enumerate(rows) if k not in blank)
        numbers = (first + k for k in range(count) if k not in blank) if blank else range(first, first + count)
        return [Row(number, list(values), index) for number, values in zip(numbers, rows)]

    def _column(self, sheet: fmt.Sheet, col: fmt.Column | None, check_kind: str, raw: tuple, first: int, i: int,
                problems: list) -> tuple[list[str], list[object]]:
        """One column's cell texts (校验码) and typed values; its problems go to ``problems``.

        The hot loop of an import: each way below does per cell only what that column needs, in C where it can
        (a column of plain text cells is stripped by ``map``, not a Python call per cell)."""
        free_text = check_kind == fmt.TEXT and (col is None or (col.kind == fmt.TEXT and not _normalised(col)))
        table = None
        if free_text:
            kinds = set(map(type, raw))
            texts = list(map(str.strip, raw)) if kinds == _STR else [
                v.strip() if v.__class__ is str else _text(v) for v in raw]
            if col is None:
                typed = texts
            elif all(map(str.isprintable, texts)):  # nothing for clean_text to take out: the common case
                typed = [t or None for t in texts]
            else:
                # Stored as the forms store free text: a literal "_x0001_" in a cell reads as a control character.
                typed = [clean_text(t) or None for t in texts]
        else:
            distinct = set(raw)
            kinds = set(map(type, distinct))
            if len(distinct) * 2 > len(raw) or bool in kinds:
                # Mostly different values (明细编号, 银行卡号): cell by cell is quicker than a table of readings;
                # and True == 1 could not be keyed apart in one anyway.
                texts = self._plain_codes(col, raw) if kinds == _STR else None
                if texts is not None:
                    typed = [t or None for t in texts]
                else:
                    read = self._reader(check_kind, col)
                    texts, typed, messages = map(list, zip(*map(read, raw)))
                    if messages.count(None) != len(messages):
                        for k, message in enumerate(messages):
                            if message is not None:
                                problems.append((k, i, Issue(sheet.name, first + k, col.header, _text(raw[k]),
                                                             message)))
            else:
                read = self._reader(check_kind, col)
                table = {v: read(v) for v in distinct}
                texts = list(map({v: g[0] for v, g in table.items()}.__getitem__, raw))
                if all(g[0] is g[1] for g in table.values()):  # codes read as themselves (the common case)
                    typed = texts[:]
                else:
                    typed = list(map({v: g[1] for v, g in table.items()}.__getitem__, raw))
                bad = {v: g[2] for v, g in table.items() if g[2] is not None}
                if bad:
                    for k, v in enumerate(raw):
                        if v in bad:
                            problems.append((k, i, Issue(sheet.name, first + k, col.header, _text(v), bad[v])))
        if col is not None and col.limit is not None:
            self._limit(sheet, col, raw, typed, first, i, problems)
        # The kinds of the distinct values are those of the cells: a FormulaWithoutValue equals no other value.
        if col is not None and FormulaWithoutValue in kinds:
            # A formula whose result the file does not hold reads as nothing: say so, not "必须填写" (or nothing).
            failed = {k for k, j, _issue in problems if j == i}
            for k, v in enumerate(raw):
                if v.__class__ is FormulaWithoutValue and typed[k] is None and k not in failed:
                    formula = f"={v.formula}" if v.formula else ""
                    problems.append((k, i, Issue(sheet.name, first + k, col.header, formula,
                                                 FormulaWithoutValue.MESSAGE)))
        if col is not None and col.required and (
                any(g[1] is None for g in table.values()) if table is not None else None in typed):
            failed = {k for k, j, _issue in problems if j == i}
            for k, value in enumerate(typed):
                if value is None and k not in failed:
                    problems.append((k, i, Issue(sheet.name, first + k, col.header, "", _REQUIRED.format(col.header))))
        return texts, typed

    @staticmethod
    def _plain_codes(col: fmt.Column | None, raw: tuple) -> list[str] | None:
        """A column of codes (明细编号, 流水号 …) whose text cells are all clean already — ASCII, printable, without
        spaces, so that normalise() leaves each as it is — stripped, in one pass in C; None when the column is not
        such a column or any cell is not so clean (then each cell is read on its own, and explained)."""
        if col is None or col.kind != fmt.TEXT or not _normalised(col) or col.header in record_codes.BY_HEADER:
            return None
        texts = list(map(str.strip, raw))
        joined = "".join(texts)
        return texts if joined.isascii() and joined.isprintable() and " " not in joined else None

    @staticmethod
    def _limit(sheet: fmt.Sheet, col: fmt.Column, raw: tuple, typed: list, first: int, i: int, problems: list) -> None:
        """The column's limit as the forms have it (core/field_rules.py): too long a text, a year out of range …"""
        rule = col.limit
        if isinstance(rule, field_rules.Text):
            # Most columns hold nothing near the limit: one pass in C to know, a loop only for the few that do.
            if max(map(len, filter(None, typed)), default=0) <= rule.max_chars:
                return
        elif isinstance(rule, field_rules.Digits):
            typed[:] = [normalise(v) if v.__class__ is str else v for v in typed]  # "４６０１００" as the form takes it
        failed = {k for k, j, _issue in problems if j == i}
        for k, value in enumerate(typed):
            if value is None or k in failed:
                continue
            problem = rule.problem(col.header, value)
            if problem:
                problems.append((k, i, Issue(sheet.name, first + k, col.header, _text(raw[k]), problem)))

    def _reader(self, check_kind: str, col: fmt.Column | None) -> Callable[[object], tuple[str, object, str | None]]:
        """A cell → (its text for the 校验码, its typed value or None, the error message or None)."""
        general = self._general_reader(check_kind, col)
        # Shortcuts for the text cells that make up most of a workbook; anything unusual takes the general way.
        if col is not None and col.kind == fmt.TEXT and _normalised(col) and col.header not in record_codes.BY_HEADER:
            def read(v: object) -> tuple[str, object, str | None]:
                if v.__class__ is str:
                    text = v.strip()
                    return text, (normalise(text) if text else None), None
                return general(v)

            return read
        if col is not None and col.kind == fmt.MONEY and check_kind == fmt.MONEY:
            negative = col.negative

            def read(v: object) -> tuple[str, object, str | None]:
                if v.__class__ is float or v.__class__ is int:
                    fen = _fen_of_number(v)
                    if fen is not None and (negative or fen >= 0):
                        whole, cents = divmod(abs(fen), 100)
                        return f"{'-' if fen < 0 else ''}{whole}.{cents:02d}", fen, None
                return general(v)

            return read
        if col is not None and col.kind == fmt.ID_NUMBER and check_kind == fmt.ID_NUMBER:
            today = self.today.strftime("%Y%m%d")

            def read(v: object) -> tuple[str, object, str | None]:
                if v.__class__ is str:
                    text = v.strip()
                    if is_valid(text, today):  # as typed, already right: no need to normalise or explain
                        return text, text, None
                return general(v)

            return read
        if col is not None and col.kind == fmt.CODE and col.code_list == "relation":
            standard = set(standard_names())  # as written, most books' words: the rest go the general way

            def read(v: object) -> tuple[str, object, str | None]:
                if v.__class__ is str:
                    text = v.strip()
                    if text in standard:
                        return text, text, None
                return general(v)

            return read
        if col is not None and col.kind == fmt.CODE:
            allowed = set(self.allowed(col.code_list))

            def read(v: object) -> tuple[str, object, str | None]:
                if v.__class__ is str:
                    text = v.strip()
                    if text in allowed:
                        return text, text, None
                return general(v)

            return read
        return general

    def _general_reader(self, check_kind: str, col: fmt.Column | None
                        ) -> Callable[[object], tuple[str, object, str | None]]:
        def read(v: object) -> tuple[str, object, str | None]:
            # A text cell's text is itself, whatever the column's kind (only numbers and dates are formatted).
            text = v.strip() if v.__class__ is str else _checksum_text(v, check_kind)
            if col is None:
                return text, None, None
            if not text:
                return text, None, None
            try:
                return text, self._typed(col, v), None
            except CellError as err:
                return text, None, err.message

        return read

    def _typed(self, col: fmt.Column, v: object) -> object:
        kind = col.kind
        if kind == fmt.MONEY:
            return parse_money(v, negative=col.negative)
        if kind == fmt.DATE:
            return parse_date(v)
        if kind == fmt.INT:
            number = parse_int(v)
            if number < 0:  # years, 人次, 家庭人口: never negative (the database's CHECKs refuse it at writing)
                raise CellError(f"{col.header}不能为负数")
            return number  # its range (a year, 家庭人口 …) is the column's limit, checked with the column
        if kind == fmt.ID_NUMBER:
            if isinstance(v, str):   # the same people recur on many rows (帮扶明细): check each number once
                key = (v, col.header)
                if key not in self._ids:
                    try:
                        self._ids[key] = parse_id_number(v, col.header, today=self.today)
                    except CellError as err:
                        self._ids[key] = err
                got = self._ids[key]
                if isinstance(got, CellError):
                    raise CellError(got.message)
                return got
            return parse_id_number(v, col.header, today=self.today)
        if kind == fmt.CARD:
            return parse_card(v)
        if kind == fmt.PHONE:
            try:
                return check_phone(_text(v))
            except UserError as err:
                raise CellError(err.message) from None
        if kind == fmt.YES_NO:
            text = _text(v)
            if text not in ("是", "否"):
                raise CellError("应填“是”或“否”")
            return text == "是"
        text = _text(v)
        if kind == fmt.CODE and col.code_list == "relation":  # GB/T 4761-2008 names and the words books write
            try:
                relation = relation_of(text)
            except UserError as err:
                raise CellError(err.message) from None
            return relation.name if relation.as_written is None else RelationWord(relation.name, relation.as_written)
        if kind == fmt.CODE:
            allowed = self.allowed(col.code_list)
            if text not in allowed:
                raise CellError(f"“{text}”不是可选的{col.header}，可选：{'、'.join(allowed)}")
            return text
        if col.header in record_codes.BY_HEADER:  # 档案编号, 批次编号: the forms' alphabet, no path characters
            try:
                return record_codes.BY_HEADER[col.header](text)
            except UserError as err:
                raise CellError(err.message) from None
        if _normalised(col):
            return normalise(text)
        return text

    # -- what the database has a say in
    def _database_checks(self) -> None:
        """Everything the database has a say in: run by the check, and again by the import under its write lock
        (:func:`recheck`). Rules within the workbook alone are checked once, before."""
        self._units()
        self._cross_checks()
        self._clashes()
        if not self.result.errors:
            self._removals()

    # -- units: the workbook's unit must be the own unit or below it; a new database takes it as its own
    def _units(self) -> None:
        """The workbook's unit must be the own unit or below it (a new database takes it as its own); and the
        workbook writes only into that unit and the units below it (``self.scope``; None: not to be judged)."""
        r = self.result
        self.scope: set[str] | None = None
        if r.legacy:
            if not r.own_unit and r.new_own_unit:
                r.own_unit = r.new_own_unit[0]  # made by the import, in its transaction
                self.scope = {r.own_unit}
                return
            if not r.own_unit:
                self.error("", None, "", r.path.name, "数据库还没有本单位：旧台账只能导入已设置本单位的数据库。"
                           "请先在“单位设置”中填写本单位（命令行：加 --unit 单位代码 --unit-name 单位名称）")
                return
            self.scope = set(subtree_codes(self.conn, r.own_unit))
            return
        if not r.unit_code:
            return
        sheet_units = {row["单位代码"]: row for row in r.sheets.get(fmt.UNITS.name, []) if row["单位代码"]}
        parents = dict(self.db_units)
        for code, row in sheet_units.items():
            parents.setdefault(code, row["上级单位代码"] or None)
        if r.unit_code not in parents:
            parents[r.unit_code] = r.parent_code or None
        if not r.own_unit:
            self.scope = set(sheet_units) | {r.unit_code}  # a new database takes the workbook's whole tree
            return
        # Walk up from the workbook's unit: the database's own tree first, the workbook's word after.
        code, seen = r.unit_code, set()
        while code and code not in seen:
            if code == r.own_unit:
                self.scope = self._scope(sheet_units)
                return
            seen.add(code)
            code = parents.get(code)
        self.error(fmt.MANIFEST, None, "单位代码", r.unit_code,
                   f"单位“{r.unit_code} {r.unit_name}”不是本单位（{r.own_unit}）的下级单位，不能导入；"
                   "请先在“单位设置”中把它加到本单位之下，或核对是否发错了文件")

    def _scope(self, sheet_units: dict[str, Row]) -> set[str]:
        """The units a sub-unit's workbook may write into: its unit and those below it in this database, and the
        new units its 单位 sheet adds below them. A unit this database has elsewhere (a sibling, the centre's own)
        is not moved under the workbook's unit by its 单位 sheet: an error on that row."""
        r = self.result
        unit = r.unit_code
        scope = set(subtree_codes(self.conn, unit)) if unit in self.db_units else {unit}
        children: dict[str, list[str]] = {}
        for code, row in sheet_units.items():
            children.setdefault(row["上级单位代码"] or "", []).append(code)
        stack, seen = [unit], {unit}
        while stack:
            for code in children.get(stack.pop(), []):
                if code in seen:
                    continue
                seen.add(code)
                if code in self.db_units and code not in scope:
                    row = sheet_units[code]
                    self.error(fmt.UNITS.name, row.number, "上级单位代码", row["上级单位代码"],
                               f"单位{code}在本数据库中的上级单位是{self.db_units[code] or '（无）'}，不在{unit}之下；"
                               f"{unit}的交换表不能把它改到自己之下。请核对单位表，或先在“单位设置”中调整")
                    continue
                scope.add(code)
                stack.append(code)
        return scope

    def _outside(self, unit: str | None) -> bool:
        """Whether ``unit`` lies outside what this workbook may write into."""
        return bool(unit) and self.scope is not None and unit not in self.scope

    def _outside_message(self, what: str) -> str:
        unit = self.result.unit_code
        return (f"{what}不是这份交换表的单位{unit}或它的下级单位：{unit}的交换表只能导入{unit}和它下级单位的数据；"
                "请核对，或让该单位自己报送")

    def _legacy_year(self) -> int:
        years = [int(str(row["年度"])) for row in self.result.sheets.get(fmt.BATCHES.name, []) if row["年度"]]
        years += [int(str(row["日期"])[:4]) for row in self.result.sheets.get(fmt.FUND_ENTRIES.name, [])
                  if row["日期"]]
        years += [int(str(row["发放日期"])[:4]) for row in self.result.sheets.get(fmt.AID_RECORDS.name, [])
                  if row["发放日期"]]
        years += [int(str(row["建档日期"])[:4]) for row in self.result.sheets.get(fmt.HOUSEHOLDS.name, [])
                  if row["建档日期"]]
        return max(years) if years else self.today.year

    # -- rules across columns, rows and sheets
    def _cross_checks(self) -> None:
        r = self.result
        known_units = set(self.db_units) | {row["单位代码"] for row in r.sheets.get(fmt.UNITS.name, [])}
        known_units.add(r.unit_code)
        self._duplicates()
        # 困难职工档案
        households = {}
        fields = _fields(fmt.HOUSEHOLDS, "档案编号", "档案状态", "所属单位代码", "次要致困原因")
        for row in r.sheets.get(fmt.HOUSEHOLDS.name, []):
            no, status, unit, secondary = fields(row.values)
            households[no] = row
            if status in ("脱困", "注销"):
                for h in ("退出日期", "退出原因"):
                    if not row[h]:
                        self.error(fmt.HOUSEHOLDS.name, row.number, h, "", f"档案状态为{status}时必须填写{h}")
            if unit and unit not in known_units:
                self.error(fmt.HOUSEHOLDS.name, row.number, "所属单位代码", unit,
                           "所属单位代码不在单位表中，请先在“单位”表或单位设置中添加该单位")
            elif self._outside(unit):
                self.error(fmt.HOUSEHOLDS.name, row.number, "所属单位代码", unit, self._outside_message(f"单位{unit}"))
            if isinstance(secondary, list):
                pass  # read already (the check again, inside the import's transaction)
            elif secondary:
                causes = [c for c in re.split(r"[、,，;；]", str(secondary)) if c.strip()]
                allowed = self.allowed("hardship_cause")
                bad = [c for c in causes if c.strip() not in allowed]
                if bad:
                    self.error(fmt.HOUSEHOLDS.name, row.number, "次要致困原因", row["次要致困原因"],
                               f"“{bad[0]}”不是可选的致困原因，可选：{'、'.join(allowed)}")
                elif len(causes) > 3:
                    self.error(fmt.HOUSEHOLDS.name, row.number, "次要致困原因", row["次要致困原因"],
                               "次要致困原因最多3项，用“、”分隔")
                row["次要致困原因"] = [c.strip() for c in causes]
            else:
                row["次要致困原因"] = []
        # The archives the other sheets name that the workbook does not have: stored ones, of units it may write to.
        named = set()
        for sheet in (fmt.MEMBERS, fmt.AID_RECORDS, fmt.VERIFICATIONS):
            rows = r.sheets.get(sheet.name, [])
            named.update(map(itemgetter(sheet.headers.index("档案编号")), (row.values for row in rows)))
        stored = import_checks.archives(self.conn, named - households.keys() - {None}) if named else {}
        db_archives = {no: a.id for no, a in stored.items()}

        def archive_found(sheet: str, row: Row, no: str | None) -> bool:
            if not no:
                return False
            if no not in households and no not in db_archives:
                self.error(sheet, row.number, "档案编号", no, "档案编号在困难职工档案中找不到")
                return False
            if no not in households and self._outside(stored[no].unit_code):
                self.error(sheet, row.number, "档案编号", no, self._outside_message(
                    f"档案{no}已在本数据库中，属于单位{stored[no].unit_code}，"))
                return False
            return True

        # The archives a row may name, asked by every row of the big sheets: archive_found says what is wrong
        # with any other.
        fine = {no for no in households if no} | {no for no, a in stored.items() if not self._outside(a.unit_code)}
        # 家庭成员
        members: dict[str, list[Row]] = {}
        archive_of = _fields(fmt.MEMBERS, "档案编号")
        for row in r.sheets.get(fmt.MEMBERS.name, []):
            no, = archive_of(row.values)
            if no not in fine:
                archive_found(fmt.MEMBERS.name, row, no)
            members.setdefault(no, []).append(row)
        # 资金收支
        for row in r.sheets.get(fmt.FUND_ENTRIES.name, []):
            if row["金额"] == 0:
                self.error(fmt.FUND_ENTRIES.name, row.number, "金额", "0", "金额不能为0")
            if row["类型"] in ("下拨下级", "直拨下级"):
                if not row["对方单位代码"]:
                    self.error(fmt.FUND_ENTRIES.name, row.number, "对方单位代码", "",
                               f"类型为{row['类型']}时必须填写对方单位代码")
                elif row["对方单位代码"] not in known_units:
                    self.error(fmt.FUND_ENTRIES.name, row.number, "对方单位代码", row["对方单位代码"],
                               "对方单位代码不在单位表中")
                elif self._outside(row["对方单位代码"]) or row["对方单位代码"] == r.unit_code:
                    self.error(fmt.FUND_ENTRIES.name, row.number, "对方单位代码", row["对方单位代码"],
                               self._outside_message(f"{row['类型']}的对方单位{row['对方单位代码']}").replace(
                                   "或它的下级单位", "的下级单位"))
            elif row["对方单位代码"] and row["对方单位代码"] not in known_units:
                row["对方单位代码"] = None  # a payer outside the tree: kept in 摘要 only
        for row in r.sheets.get(fmt.SUBUNIT_USAGE.name, []):
            if row["单位代码"] and row["单位代码"] not in known_units:
                self.error(fmt.SUBUNIT_USAGE.name, row.number, "单位代码", row["单位代码"], "单位代码不在单位表中")
            elif self._outside(row["单位代码"]) or row["单位代码"] == r.unit_code:
                self.error(fmt.SUBUNIT_USAGE.name, row.number, "单位代码", row["单位代码"],
                           self._outside_message(f"单位{row['单位代码']}").replace("或它的下级单位", "的下级单位"))
        # 帮扶明细
        batches = {row["批次编号"] for row in r.sheets.get(fmt.BATCHES.name, [])}
        named = set()
        for sheet in (fmt.AID_RECORDS, fmt.VERIFICATIONS):
            rows = r.sheets.get(sheet.name, [])
            named.update(map(itemgetter(sheet.headers.index("批次编号")), (row.values for row in rows)))
        stored_batches = import_checks.batch_units(self.conn, named - batches - {None}) if named else {}
        # A line or check may name a stored batch of the workbook's own unit only (batches are a unit's, not a tree's).
        foreign = {code: unit for code, unit in stored_batches.items() if unit != r.unit_code}
        batches |= stored_batches.keys() - foreign.keys()
        people = self._people(households, members, db_archives)
        fields = _fields(fmt.AID_RECORDS, "批次编号", "档案编号", "姓名", "身份证号", "金额", "救助类别", "发放方式")
        student = _fields(fmt.AID_RECORDS, *fmt.STUDENT_COLUMNS)
        for row in r.sheets.get(fmt.AID_RECORDS.name, []):
            sheet = fmt.AID_RECORDS.name
            batch, no, name, id_number, amount, category, method = fields(row.values)
            if batch in foreign:
                self.error(sheet, row.number, "批次编号", batch, self._foreign_batch(batch, foreign[batch]))
            elif batch and batch not in batches:
                self.error(sheet, row.number, "批次编号", batch, "批次编号在帮扶批次中找不到")
            if (no in fine or archive_found(sheet, row, no)) and name and id_number:
                known = people.get(no)
                if known is not None and (str(name), id_number) not in known:
                    self.error(sheet, row.number, "身份证号", id_number,
                               f"姓名“{name}”和身份证号与档案{no}的户主或家庭成员都对不上")
            if amount == 0:
                self.error(sheet, row.number, "金额", "0", "金额不能为0")
            if method == "现金":
                self.warn(sheet, row.number, "发放方式", "现金", "现金发放须有本人签字的实名制签领表，请核对是否已存档")
            if category == "助学救助" and (None in (given := student(row.values)) or "" in given):
                lacking = [h for h, value in zip(fmt.STUDENT_COLUMNS, given) if value in (None, "")]
                if r.origins:  # an old ledger's history: what its book did not record cannot be asked of it now
                    self.warn(sheet, row.number, lacking[0], "", f"助学救助的明细没有{'、'.join(lacking)}，"
                              "旧台账中没有记载，照常导入；需要时可在批次中补录")
                else:
                    for h in lacking:
                        self.error(sheet, row.number, h, "", f"救助类别为助学救助时必须填写{h}")
        fields = _fields(fmt.VERIFICATIONS, "批次编号", "档案编号")
        for row in r.sheets.get(fmt.VERIFICATIONS.name, []):
            batch, no = fields(row.values)
            if batch in foreign:
                self.error(fmt.VERIFICATIONS.name, row.number, "批次编号", batch,
                           self._foreign_batch(batch, foreign[batch]))
            elif batch and batch not in batches:
                self.error(fmt.VERIFICATIONS.name, row.number, "批次编号", batch, "批次编号在帮扶批次中找不到")
            if no not in fine:
                archive_found(fmt.VERIFICATIONS.name, row, no)

    def _foreign_batch(self, code: str, unit: str) -> str:
        return (f"批次{code}不在这份交换表中，本数据库中的{code}是单位{unit}的批次，不是{self.result.unit_code}的；"
                "请核对批次编号")

    def _repeated_keys(self) -> None:
        """A key (档案编号, 明细编号, 年度+资金来源 …) given twice in one sheet: the second row is an error."""
        seen_keys: dict[tuple, int] = {}
        for sheet in fmt.SHEETS:
            if sheet.name == fmt.MEMBERS.name:
                continue
            # By position, not by name: this runs over every row of the workbook.
            key_of = _fields(sheet, *sheet.key)
            for row in self.result.sheets.get(sheet.name, []):
                key = key_of(row.values)
                if None in key:
                    continue
                if key in seen_keys:
                    self.error(sheet.name, row.number, sheet.key[0], "·".join(map(str, key)),
                               f"与第{seen_keys[key]}行重复（{'+'.join(sheet.key)}相同）")
                else:
                    seen_keys[key] = row.number
            seen_keys.clear()

    def _year_agreement(self) -> None:
        """An exchange workbook holds one year (说明's 年度): its ledger, budgets, plans and reported use are of that
        year, and its batches too — or, as the export writes them, of another year with lines paid in this one
        (送温暖 of December paid in January). A workbook whose rows are of another year than it says would replace
        that other year's rows; each row that disagrees is an error."""
        r = self.result
        if r.legacy or r.year is None:
            return
        year = r.year
        told = f"说明表的“年度”是{year}年"
        date_of = _fields(fmt.FUND_ENTRIES, "日期")
        for row in r.sheets.get(fmt.FUND_ENTRIES.name, []):
            day, = date_of(row.values)
            if day and int(day[:4]) != year:
                self.error(fmt.FUND_ENTRIES.name, row.number, "日期", day,
                           f"日期不在{year}年：{told}，一份交换表只含这一年的资金收支；请核对说明表的年度或这一行的日期")
        for sheet in (fmt.BUDGETS, fmt.PLANS, fmt.SUBUNIT_USAGE):
            year_of = _fields(sheet, "年度")
            for row in r.sheets.get(sheet.name, []):
                given, = year_of(row.values)
                if given is not None and given != year:
                    self.error(sheet.name, row.number, "年度", given,
                               f"年度{given}与说明表的年度{year}不一致；请核对说明表的年度或这一行")
        lines = r.sheets.get(fmt.AID_RECORDS.name, [])
        line = _fields(fmt.AID_RECORDS, "批次编号", "发放日期")
        paid_in_year = {batch for batch, paid in map(line, (row.values for row in lines))
                        if paid and int(paid[:4]) == year}
        batch_year: dict[str, int] = {}
        fields = _fields(fmt.BATCHES, "批次编号", "年度")
        for row in r.sheets.get(fmt.BATCHES.name, []):
            code, given = fields(row.values)
            if given is None:
                continue
            batch_year[code] = given
            if given != year and code not in paid_in_year:
                self.error(fmt.BATCHES.name, row.number, "年度", given,
                           f"批次的年度{given}与说明表的年度{year}不一致，这一批次也没有在{year}年发放的明细；"
                           "请核对说明表的年度或这一行")
        for row in lines:
            batch, paid = line(row.values)
            given = batch_year.get(batch)
            if paid and given is not None and int(paid[:4]) != year and abs(int(paid[:4]) - given) > 1:
                self.error(fmt.AID_RECORDS.name, row.number, "发放日期", paid,
                           f"发放日期既不在说明表的年度{year}年，也不在批次{batch}的年度{given}年前后；请核对")

    def _clashes(self) -> None:
        """Keys the workbook shares with rows already stored that it may not change: an archive of a unit outside
        its own, another unit's batch or aid line, a ledger entry that is saved (the own unit's) or another
        unit's. The import would refuse them while writing; the check finds them first, each on its row."""
        r, conn = self.result, self.conn
        if self.scope is None:
            return
        unit = r.unit_code
        rows = r.sheets.get(fmt.HOUSEHOLDS.name, [])
        if rows:
            stored = import_checks.archives(conn, (row["档案编号"] for row in rows))
            for row in rows:
                old = stored.get(row["档案编号"])
                if old is not None and old.unit_code not in self.scope:
                    self.error(fmt.HOUSEHOLDS.name, row.number, "档案编号", row["档案编号"],
                               f"档案编号{row['档案编号']}已是单位{old.unit_code}的档案，不在{unit}及其下级单位中，"
                               f"不能由{unit}的交换表改写；请核对档案编号")
        for sheet, header, lookup, what in (
                (fmt.BATCHES, "批次编号", import_checks.batch_units, "批次"),
                (fmt.AID_RECORDS, "明细编号", import_checks.aid_record_units, "帮扶明细")):
            rows = r.sheets.get(sheet.name, [])
            if not rows:
                continue
            key_of = _fields(sheet, header)
            stored = lookup(conn, (key_of(row.values)[0] for row in rows))
            for row in rows:
                key, = key_of(row.values)
                if key in stored and stored[key] != unit:
                    self.error(sheet.name, row.number, header, key,
                               f"{header}{key}已是单位{stored[key]}的{what}，不能由{unit}的交换表改写；请核对{header}")
        rows = r.sheets.get(fmt.FUND_ENTRIES.name, [])
        if rows:
            own = r.own_unit or unit
            stored = import_checks.fund_entries(conn, (row["流水号"] for row in rows))
            for row in rows:
                old = stored.get(row["流水号"])
                if old is None or not row["日期"]:  # a row without its date has its own error
                    continue
                if old != fund_entry_values(unit, row) and (old[0] == own or old[0] != unit):
                    self.error(fmt.FUND_ENTRIES.name, row.number, "流水号", row["流水号"],
                               f"流水号{row['流水号']}已登记为另一笔分录（单位{old[0]}），保存后的分录不能修改；"
                               "请核对流水号")

    def _removals(self) -> None:
        """What the import would take away (``result.removal``), as the importer does it: the members no longer on
        a household's list, and — for a sub-unit's workbook, which replaces that unit's year — the year's rows the
        newer workbook no longer has, with what hangs on them."""
        r, conn = self.result, self.conn
        gone: dict[str, list[str]] = {}
        rows = r.sheets.get(fmt.MEMBERS.name, [])
        if rows:
            new: dict[str, set[tuple[str, str]]] = {}
            person = _fields(fmt.MEMBERS, "档案编号", "姓名", "身份证号")
            for no, name, idn in map(person, (row.values for row in rows)):
                new.setdefault(no, set()).add((name, idn or ""))
            gone[fmt.MEMBERS.name] = [f"{no}·{name}" for no, old in import_checks.members_of(conn, new).items()
                                      for name, idn in old if (name, idn) not in new[no]]
        with_them: dict[str, int] = {}
        if not r.legacy and r.own_unit and r.unit_code != r.own_unit and r.year is not None:
            unit = r.unit_code
            stored = import_checks.year_rows(conn, unit, r.year, set(subtree_codes(conn, unit)) - {unit})

            def keys(sheet: fmt.Sheet) -> set:
                key_of = _fields(sheet, *sheet.key)
                return {key_of(row.values) for row in r.sheets.get(sheet.name, [])}

            def single(sheet: fmt.Sheet) -> set:
                return {k[0] for k in keys(sheet)}

            entries, batches, records = single(fmt.FUND_ENTRIES), single(fmt.BATCHES), single(fmt.AID_RECORDS)
            gone[fmt.FUND_ENTRIES.name] = [no for no in stored.entries if no not in entries]
            for sheet, held in ((fmt.BUDGETS, stored.budgets), (fmt.PLANS, stored.plans)):
                kept = keys(sheet)
                gone[sheet.name] = [f"{y}·{what}" for y, what in held if (y, what) not in kept]
            gone[fmt.BATCHES.name] = [code for code in stored.batches if code not in batches]
            gone[fmt.AID_RECORDS.name] = [no for no in stored.records if no not in records]
            kept = keys(fmt.SUBUNIT_USAGE)
            gone[fmt.SUBUNIT_USAGE.name] = ["·".join(map(str, k)) for k in stored.usage if k not in kept]
            with_them = import_checks.dependents(
                conn, [stored.records[no][0] for no in gone[fmt.AID_RECORDS.name]],
                [stored.batches[code] for code in gone[fmt.BATCHES.name]])
        if r.book_batches:
            # A corrected old ledger replaces what its earlier import brought: that book's batches and lines.
            stored = import_checks.book_rows(conn, r.book_batches)
            batches = {row["批次编号"] for row in r.sheets.get(fmt.BATCHES.name, [])}
            records = {row["明细编号"] for row in r.sheets.get(fmt.AID_RECORDS.name, [])}
            gone[fmt.BATCHES.name] = [code for code in stored.batches if code not in batches]
            gone[fmt.AID_RECORDS.name] = [no for no in stored.records if no not in records]
            with_them = import_checks.dependents(
                conn, [stored.records[no][0] for no in gone[fmt.AID_RECORDS.name]],
                [stored.batches[code] for code in gone[fmt.BATCHES.name]])
        r.removal = Removal({sheet: found for sheet, found in gone.items() if found}, with_them)

    def _people(self, households: dict, members: dict, db_archives: dict) -> dict[str, set | None]:
        """archive no → {(name, id)} of head and members, from the workbook where it has them, else the database
        (None where one of them could not be read: its own error says so)."""
        out: dict[str, set] = {}
        archive_of = _fields(fmt.AID_RECORDS, "档案编号")
        needed = {archive_of(row.values)[0] for row in self.result.sheets.get(fmt.AID_RECORDS.name, [])} - {None}
        head = _fields(fmt.HOUSEHOLDS, "姓名", "身份证号")
        member = _fields(fmt.MEMBERS, "姓名", "身份证号")
        # An archive the workbook lists without any 家庭成员 rows keeps the members stored (the import replaces a
        # member list only with rows of its own): a line for one of them (a child's 金秋助学) is theirs too.
        kept = {no: set(people) for no, people in import_checks.members_of(
            self.conn, [no for no in needed if no in households and no not in members]).items()}
        for no in needed:
            people = set()
            if no in households:
                people.add(head(households[no].values))
            elif no in db_archives:
                people |= {(a, b) for a, b in self.conn.execute(
                    "SELECT name, id_number FROM households WHERE id = ?", (db_archives[no],))}
            if no in households and (fmt.HOUSEHOLDS.name, households[no].number) in self.bad_rows or any(
                    (fmt.MEMBERS.name, m.number) in self.bad_rows for m in members.get(no, [])):
                out[no] = None
                continue
            if no in members:
                people.update(member(m.values) for m in members[no])
            elif no in db_archives:
                people |= {(a, b) for a, b in self.conn.execute(
                    "SELECT name, id_number FROM members WHERE household_id = ?", (db_archives[no],))}
            else:
                people |= kept.get(no, set())
            out[no] = people
        return out

    def _duplicates(self) -> None:
        """一户一档 (EXCHANGE.md, 困难职工档案). Within one unit's archive — the workbook's rows together with that
        unit's rows stored — one ID may not head or belong to two 在档/临时 households: an error naming both. Across
        units it may: a finding for the centre (跨单位重复), one warning per person naming each unit and archive."""
        r = self.result
        own_unit = r.unit_code or r.own_unit
        head = _fields(fmt.HOUSEHOLDS, "档案编号", "身份证号", "档案状态", "所属单位代码")
        member = _fields(fmt.MEMBERS, "档案编号", "身份证号")
        book: dict[str, tuple[str, str]] = {}    # the workbook's archives: no → (status, unit)
        people: list[tuple[Row, str, str, str]] = []   # (row, sheet, archive no, ID) in the workbook's order
        for row in r.sheets.get(fmt.HOUSEHOLDS.name, []):
            no, idn, status, unit = head(row.values)
            if no:
                book.setdefault(no, (status, unit or own_unit))
            people.append((row, fmt.HOUSEHOLDS.name, no, idn))
        replaced = set()                          # archives whose member list the workbook replaces
        for row in r.sheets.get(fmt.MEMBERS.name, []):
            no, idn = member(row.values)
            replaced.add(no)
            people.append((row, fmt.MEMBERS.name, no, idn))
        people = [p for p in people if p[2] and p[3]]
        if not people:
            return
        # The stored side: the archives the workbook's members belong to without the workbook having them, and
        # every stored archive its people head or belong to (one indexed lookup each, however big the database).
        named = {no for _row, _sheet, no, _idn in people if no not in book}
        stored_archives = import_checks.archives(self.conn, named) if named else {}
        facts = {no: (a.status, a.unit_code) for no, a in stored_archives.items()} | book
        # ID → archive no → (unit, the workbook's row or None where only the database has it), in order found.
        held: dict[str, dict[str, tuple[str, Row | None, str]]] = {}
        for row, sheet, no, idn in people:
            status, unit = facts.get(no, (None, own_unit))
            if status in _ACTIVE:
                held.setdefault(idn, {}).setdefault(no, (unit, row, sheet))
        names = {row["单位代码"]: row["单位名称"] for row in r.sheets.get(fmt.UNITS.name, []) if row["单位代码"]}
        if r.unit_code and r.unit_name:
            names.setdefault(r.unit_code, r.unit_name)
        for h in import_checks.holdings(self.conn, held):
            if (h.archive_no in book and h.is_head) or (h.archive_no in replaced and not h.is_head):
                continue  # the workbook's rows say who heads it and who belongs to it now
            status, unit = book.get(h.archive_no, (h.status, h.unit_code))
            if status in _ACTIVE:
                held[h.id_number].setdefault(h.archive_no, (unit, None, ""))
        crossing = [archives for archives in held.values()
                    if len({unit for unit, _r, _s in archives.values()}) > 1]
        missing = {unit for archives in crossing for unit, _r, _s in archives.values()} - names.keys()
        if missing:
            names.update(import_checks.unit_names(self.conn, missing))
        for idn, archives in held.items():
            if len(archives) < 2:
                continue
            entries = list(archives.items())   # the workbook's first, in its order; then the stored ones
            for k, (no, (unit, row, sheet)) in enumerate(entries):
                if row is None:
                    continue
                same = [(j, other, other_row) for j, (other, (other_unit, other_row, _s)) in enumerate(entries)
                        if other_unit == unit and j != k]
                before = next((other for j, other, other_row in same if j < k and other_row is not None), None)
                stored = next((other for _j, other, other_row in same if other_row is None), None)
                if before:
                    self.error(sheet, row.number, "身份证号", idn,
                               f"身份证号{idn}同时在档案{before}和{no}中，一人不能属于两户在档或临时档案"
                               f"（同属单位{unit}）")
                elif stored:
                    self.error(sheet, row.number, "身份证号", idn,
                               f"身份证号{idn}已在数据库的在档档案{stored}中（同属单位{unit}），不能再属于档案{no}")
            units = dict.fromkeys(unit for unit, _r, _s in archives.values())
            if len(units) > 1:
                row, sheet = next((row, sheet) for _u, row, sheet in archives.values() if row is not None)
                where = "、".join(
                    f"{_unit_words(unit, names)}的档案{no}{'（本数据库中）' if row_of is None else ''}"
                    for no, (unit, row_of, _s) in archives.items())
                self.warn(sheet, row.number, "身份证号", idn,
                          f"跨单位重复：身份证号{idn}同时在{where}中，都是在档或临时。不同单位之间不算错误，照常导入；"
                          "请在“汇总 → 跨单位重复”中核实处理")


def _unit_words(code: str, names: dict[str, str]) -> str:
    """单位460001（省财贸工会）, or 单位460001 where its name is not known."""
    return f"单位{code}（{names[code]}）" if names.get(code) else f"单位{code}"


_FORMAT_NAMES = {normalise(name): name for name in (fmt.MANIFEST, *fmt.BY_NAME)}


def _is_manifest(rows: list[list[object]]) -> bool:
    """Whether a 说明 sheet is an exchange workbook's manifest (项/值 rows naming 格式版本 or 单位代码), not an
    office's notes on its own book (an old ledger may well have a sheet of that name)."""
    keys = {_text(row[0]) for row in rows[:40] if row}
    return bool(keys & {"格式版本", "单位代码", fmt.MANIFEST_HEADERS[0]})


def _format_name(name: str) -> str:
    """The format's sheet a file's sheet name means, spaces and full-width letters aside; else the name itself."""
    return _FORMAT_NAMES.get(normalise(name), name)


def _and(parts: list[str]) -> str:
    """A、B和C."""
    return parts[0] if len(parts) == 1 else "、".join(parts[:-1]) + "和" + parts[-1]


def _column_letter(i: int) -> str:
    """0 → A, 25 → Z, 26 → AA: the column as Excel labels it."""
    letters = ""
    i += 1
    while i:
        i, rest = divmod(i - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def fund_entry_values(unit: str, row: Row) -> tuple:
    """A 资金收支 row as the ledger stores it (db.import_checks.ENTRY_COLUMNS), for the unit whose ledger it is."""
    return (unit, int(row["日期"][:4]), row["日期"], row["资金来源"], row["类型"], row["金额"], row["对方单位代码"],
            _s(row["文号"]), _s(row["摘要"]))


def _s(value: object) -> str:
    return "" if value is None else str(value)


def _fields(sheet: fmt.Sheet, *headers: str) -> Callable[[list[object]], tuple]:
    """Row.values → the values of ``headers``, as a tuple (even of one)."""
    positions = [sheet.headers.index(h) for h in headers]
    if len(positions) == 1:
        only = positions[0]
        return lambda values: (values[only],)
    return itemgetter(*positions)


def _normalised(col: fmt.Column) -> bool:
    """Codes and numbers people type with full-width digits or stray spaces: read through normalise()."""
    return col.header.endswith("单位代码") or col.header in ("档案编号", "批次编号", "明细编号", "流水号")


def _checksum_text(value: object, kind: str) -> str:
    """The text the exporter writes for a cell (校验码): money with two decimals, dates YYYY-MM-DD."""
    if _blank(value):
        return ""
    if kind == fmt.MONEY and isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{Decimal(str(value)):.2f}"
    if kind == fmt.DATE and isinstance(value, (date, datetime)):
        return (value.date() if isinstance(value, datetime) else value).isoformat()
    return _text(value)


class _Checksum:
    """format.checksum computed as rows arrive (rows joined with U+001E, cells with U+001F)."""

    def __init__(self) -> None:
        self._h = hashlib.sha256()
        self._first = True

    def add_columns(self, texts: list[list[str]]) -> set[int]:
        """A sheet's cell texts, by column, a thousand rows to an update (the same bytes as row by row); returns
        the positions of rows whose cells are all empty, which are left out (they are no rows)."""
        empty_row = "\x1f" * (len(texts) - 1)
        blank: set[int] = set()
        rows = zip(*texts)
        start = 0
        while chunk := list(map("\x1f".join, islice(rows, 1000))):
            if empty_row in chunk:
                blank.update(start + k for k, text in enumerate(chunk) if text == empty_row)
                chunk = [text for text in chunk if text != empty_row]
            if chunk:
                text = "\x1e".join(chunk)
                self._h.update((text if self._first else "\x1e" + text).encode("utf-8"))
                self._first = False
            start += 1000
        return blank

    def hexdigest(self) -> str:
        return self._h.hexdigest()


def iter_issues(checked: Checked) -> Iterator[tuple[str, Issue]]:
    for issue in checked.errors:
        yield "错误", issue
    for issue in checked.warnings:
        yield "提醒", issue
