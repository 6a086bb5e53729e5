"""Reading a workbook's sheets for the import check: python-calamine parses the next sheets on a worker thread.

calamine parses a sheet's XML in Rust with Python's lock released, so while one sheet is being checked
(pure Python) the next ones are parsed on the second core: on the 20 000-household workbook that hides
most of the ~3.7 s of parsing. Only the parsed sheets' compact Rust form waits; a sheet becomes Python
objects (``to_python``) when it is checked, so one sheet at a time sits in memory as Python objects, and
the worker stops reading ahead while the sheets it holds reach ``AHEAD_CELLS``.

Before calamine sees a byte, the file is looked at for what reading it would cost (``check_file``): a
hostile or damaged file can say in a few KB that it has a cell on row 1 048 576 (calamine then builds
every row above it), that it unpacks to gigabytes, or that it holds four billion texts (calamine reserves
room for them first). The limits are resources/rules/workbook_limits.json; a file over any of them is
refused with :class:`TooLarge`, a Chinese message saying what is too big and what to do. The format is
taken from the content, not the name: an old .xls renamed .xlsx is read as the .xls it is.
"""

from __future__ import annotations

import io
import re
import struct
import threading
import zipfile
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import BinaryIO

from ..core.errors import UserError
from ..core.rule_files import read_rules

# About 60 MB of parsed cells: enough to have the big 帮扶明细 ready while the archive and members are checked.
AHEAD_CELLS = 300000

# name, Excel row number of the first row, and a function that reads the rows (each sheet is read only when
# it is checked: a big workbook never sits in memory as Python objects all at once).
RawSheet = tuple[str, int, Callable[[], list[list[object]]]]


class Unreadable(UserError):
    """The file cannot be read as a workbook at all (exit code 2)."""


class PasswordRequired(Unreadable):
    """The workbook has an opening password and none was given: the wizard asks for it, the CLI names the option."""


class WrongPassword(PasswordRequired):
    """The password given does not open the workbook: asked for again, with this message."""


class TooLarge(Unreadable):
    """The file is (or says it is) bigger than workbook_limits.json allows: refused before it is read."""


class FormulaWithoutValue(str):
    """A formula cell whose file keeps no computed result (written by a program that does not calculate).

    It reads as an empty cell everywhere (it *is* an empty ``str``) so code that does not know it treats it
    as before, but it is not equal to ``""`` nor to another such cell, so sets and dicts of cell values keep it
    apart, and ``isinstance(value, FormulaWithoutValue)`` tells it. ``formula`` is the formula's text without
    the "=" ("" for a cell of a shared formula whose text is on another cell); ``MESSAGE`` is what to tell
    the user.
    """

    MESSAGE = "该单元格是公式，但文件中没有保存计算结果，请在 Excel/WPS 中打开后保存，或复制后“粘贴为数值”"

    def __new__(cls, formula: str = ""):
        self = super().__new__(cls, "")
        self.formula = formula
        return self

    def __eq__(self, other: object) -> bool:
        return self is other

    def __ne__(self, other: object) -> bool:
        return self is not other

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        return f"FormulaWithoutValue({self.formula!r})"

    def __reduce__(self):
        return (FormulaWithoutValue, (self.formula,))


# ---- what reading a file may cost ------------------------------------------------------------------------

LIMITS_FILE = "workbook_limits.json"
_MB = 1 << 20


@dataclass(frozen=True)
class Limits:
    """resources/rules/workbook_limits.json (its _comment says what each is and why it is that big)."""

    max_file_mb: int
    max_text_mb: int
    max_unpacked_mb: int
    max_part_mb: int
    max_shared_strings_mb: int
    max_shared_strings: int
    max_ratio: int
    max_entries: int
    max_sheets: int
    max_rows: int
    max_columns: int
    max_cells_per_sheet: int
    max_cells: int
    max_formulas_without_value: int


def read_limits() -> Limits:
    """The limits, with a Chinese message when the file is missing or a value is not a positive whole number."""
    data = read_rules(LIMITS_FILE, "表格读取上限")
    values = {}
    for f in fields(Limits):
        value = data.get(f.name)
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise UserError(f"规则文件 {LIMITS_FILE}（表格读取上限）中的“{f.name}”应为正整数，"
                            "请修正 resources/rules 中的该文件或重新安装程序")
        values[f.name] = value
    return Limits(**values)


_ADVICE = "请在 Excel/WPS 中打开它，删除多余的行、列和工作表，另存为 .xlsx 后再导入"
_BROKEN = "可能已损坏或不是正常的表格"


def too_large(name: str, what: str, advice: str = _ADVICE) -> TooLarge:
    return TooLarge(f"无法导入“{name}”：{what}，{_BROKEN}。{advice}")


def unreadable(path: Path) -> Unreadable:
    return Unreadable(f"无法打开“{path.name}”：文件已损坏或不是 Excel 工作簿。"
                      "请重新导出，或在 Excel/WPS 中另存为 .xlsx 后再导入")


def _damaged(name: str, what: str = "") -> Unreadable:
    return Unreadable(f"无法打开“{name}”：文件已损坏{('（' + what + '）') if what else ''}或不是 Excel 工作簿。"
                      "请重新导出，或在 Excel/WPS 中另存为 .xlsx 后再导入")


def _column_name(n: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        letters = chr(65 + r) + letters
    return letters


def _column_number(letters: bytes | str) -> int:
    n = 0
    for ch in letters.upper() if isinstance(letters, str) else letters.decode("ascii").upper():
        n = n * 26 + ord(ch) - 64
    return n


@dataclass
class _Extent:
    """One sheet's used range as calamine will build it (an upper bound): the last row and column with a cell."""

    index: int | None   # 1-based position among the workbook's sheets, when known
    name: str           # the sheet's name, or the part's when no sheet is known to use it
    rows: int
    columns: int


def _check_extents(extents: list[_Extent], file_name: str, lim: Limits) -> None:
    total = 0
    for e in extents:
        which = f"第{e.index}张工作表“{e.name}”" if e.index is not None else f"工作表“{e.name}”"
        if e.rows > lim.max_rows:
            raise too_large(file_name, f"{which}超过{lim.max_rows}行（有内容的最后一行是第{e.rows}行）")
        if e.columns > lim.max_columns:
            raise too_large(file_name, f"{which}超过{lim.max_columns}列"
                                       f"（有内容的最后一列是第{e.columns}列，即{_column_name(e.columns)}列）")
        cells = e.rows * e.columns
        if cells > lim.max_cells_per_sheet:
            raise too_large(file_name, f"{which}的内容区域有{e.rows}行×{e.columns}列，"
                                       f"超过{lim.max_cells_per_sheet}个单元格")
        total += cells
    if total > lim.max_cells:
        raise too_large(file_name, f"各工作表合计超过{lim.max_cells}个单元格")


@dataclass
class _Checked:
    """What :func:`check_file` found: the format by content, and cells to mark."""

    kind: str                                    # "xlsx", "xls", "ods" or "csv"
    plain: io.BytesIO | None = None              # the decrypted workbook, for one with an opening password
    formulas: dict[str, list[tuple[int, int, str]]] = field(default_factory=dict)  # sheet → (row, col, text), 0-based


OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


def sniff(head: bytes) -> str:
    """The container a file's first bytes show: "ole" (.xls, or any password-protected Office file), "zip"
    (.xlsx, .ods …), "text" or "other"."""
    if head.startswith(OLE_MAGIC):
        return "ole"
    if head.startswith(_ZIP_MAGIC):
        return "zip"
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 text has its mark
        return "other"
    return "text"


def file_kind(path: Path) -> str:
    """"zip", "ole", "text" or "other", from the file's first bytes (whatever its name says)."""
    with open(path, "rb") as f:
        return sniff(f.read(4096))


def check_file(path: Path, *, password: str | None = None, lim: Limits | None = None) -> _Checked:
    """Look at the file for what reading it would cost, before calamine reads a byte of it.

    Raises :class:`TooLarge` over a limit, :class:`Unreadable` for a damaged file or one that is no workbook,
    :class:`PasswordRequired`/:class:`WrongPassword` for an encrypted workbook opened without/with a wrong
    password. A .csv/.txt of plain text comes back as kind "csv" (its limits are checked as it is read).
    """
    lim = lim or read_limits()
    name = path.name
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError as err:
        raise Unreadable(f"无法读取“{name}”：{err.strerror or err}") from None
    kind = sniff(head)
    if kind == "text":
        if path.suffix.lower() in (".csv", ".txt"):
            if size > lim.max_text_mb * _MB:
                raise too_large(name, f"文件有{size / _MB:.1f}MB，超过{lim.max_text_mb}MB",
                                "请把数据分成几个文件，或在 Excel/WPS 中另存为 .xlsx 后再导入")
            return _Checked("csv")
        if head.lstrip().lower().startswith((b"<html", b"<!doctype", b"<table", b"<?xml")):
            raise Unreadable(f"无法打开“{name}”：文件是网页（HTML/XML）格式，不是 Excel 工作簿。"
                             "请在 Excel/WPS 中打开它，另存为 .xlsx 后再导入")
        raise unreadable(path)
    if kind == "other":
        raise unreadable(path)
    if size > lim.max_file_mb * _MB:
        raise too_large(name, f"文件有{size / _MB:.1f}MB，超过{lim.max_file_mb}MB")
    try:
        return _check_container(path, kind, password, lim)
    except OSError as err:
        raise Unreadable(f"无法读取“{name}”：{err.strerror or err}") from None


def password_elsewhere(name: str, what: str, suite: str = "Excel 或 WPS") -> Unreadable:
    """A workbook with an opening password of a kind this program cannot open: what to do instead (not 已损坏)."""
    return Unreadable(f"无法打开“{name}”：这个{what}设置了打开密码，本程序不能读取这种加密文件（文件并没有损坏）。"
                      f"请在 {suite} 中打开它（输入密码），用“另存为”保存为不设密码的 .xlsx 文件后再导入")


def _check_container(path: Path, kind: str, password: str | None, lim: Limits) -> _Checked:
    name = path.name
    if kind == "ole":
        with open(path, "rb") as f:
            data = f.read()
        cfb = _Cfb(data, name)
        if cfb.has("EncryptionInfo") and path.suffix.lower() == ".xlsb":
            # Its password would open a workbook this program does not read (.xlsb, below): say so before asking.
            raise password_elsewhere(name, "二进制格式的 Excel 工作簿（.xlsb）")
        if cfb.has("EncryptionInfo"):
            from .decrypt import decrypt_workbook

            plain = decrypt_workbook(path, password)  # in memory: no plain copy of the personal data on disk
            try:
                if sniff(plain.getvalue()[:8]) != "zip":
                    raise unreadable(path)
                checked = _check_zip(plain, name, lim)
            except BaseException:
                plain.close()
                raise
            checked.plain = plain
            return checked
        if _xls_has_password(cfb, name):
            from .decrypt import decrypt_xls

            plain = decrypt_xls(path, password)  # BIFF8 RC4 or XOR, in memory as the .xlsx above
            try:
                _check_xls(_Cfb(plain.getvalue(), name), name, lim)
            except BaseException:
                plain.close()
                raise
            return _Checked("xls", plain=plain)
        _check_xls(cfb, name, lim)
        return _Checked("xls")
    with open(path, "rb") as f:
        return _check_zip(f, name, lim)


# ---- .xlsx and .ods: the zip ------------------------------------------------------------------------------

_CHUNK = 1 << 20
_EOCD = b"PK\x05\x06"


def _zip_directory(f: BinaryIO, name: str, lim: Limits) -> None:
    """The central directory's size and entry count as the end record says, checked before zipfile reads it
    (zipfile builds an object per entry: a hostile directory of millions of entries costs gigabytes)."""
    f.seek(0, io.SEEK_END)
    size = f.tell()
    tail_len = min(size, 65557)
    f.seek(size - tail_len)
    tail = f.read(tail_len)
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) - at < 22:
        raise _damaged(name)
    entries, cd_size, cd_offset = struct.unpack_from("<HLL", tail, at + 10)
    if entries == 0xFFFF or cd_size == 0xFFFFFFFF or cd_offset == 0xFFFFFFFF:  # zip64
        loc = at - 20
        if loc < 0 or tail[loc:loc + 4] != b"PK\x06\x07":
            raise _damaged(name)
        (z64_offset,) = struct.unpack_from("<Q", tail, loc + 8)
        f.seek(z64_offset)
        rec = f.read(56)
        if len(rec) < 56 or rec[:4] != b"PK\x06\x06":
            raise _damaged(name)
        entries, cd_size = struct.unpack_from("<QQ", rec, 32)
    if entries > lim.max_entries or cd_size > 65536 + lim.max_entries * 1024:
        raise too_large(name, f"压缩包中的部件超过{lim.max_entries}个")


def _check_zip(f: BinaryIO, name: str, lim: Limits) -> _Checked:
    _zip_directory(f, name, lim)
    f.seek(0)
    try:
        infos = zipfile.ZipFile(f).infolist()
    except Exception:  # noqa: BLE001 - zipfile raises several kinds for a damaged directory
        raise _damaged(name) from None
    if len(infos) > lim.max_entries:
        raise too_large(name, f"压缩包中的部件超过{lim.max_entries}个")
    names = {i.filename.replace("\\", "/").lower(): i for i in infos}
    total = 0
    for info in infos:
        part = info.filename
        if info.flag_bits & 0x1:
            raise _damaged(name, f"部件“{part}”被单独加密")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _damaged(name, f"部件“{part}”使用了不常见的压缩方式")
        size = info.file_size
        total += size
        sst = part.lower().endswith("sharedstrings.xml")
        cap = lim.max_shared_strings_mb if sst else lim.max_part_mb
        if size > cap * _MB:
            what = f"其中的文字部分解压后超过{cap}MB" if sst else f"其中的部件“{part}”解压后超过{cap}MB"
            raise too_large(name, what)
        if size > _MB and size > lim.max_ratio * max(info.compress_size, 1):
            raise too_large(name, f"其中的部件“{part}”压缩比异常（解压后是压缩数据的"
                                  f"{size // max(info.compress_size, 1)}倍）")
        if info.compress_type == zipfile.ZIP_STORED and info.compress_size != size:
            raise _damaged(name)
    if total > lim.max_unpacked_mb * _MB:
        raise too_large(name, f"文件解压后超过{lim.max_unpacked_mb}MB")

    if "content.xml" in names and "xl/workbook.xml" not in names:
        kind = "ods"
        manifest = names.get("meta-inf/manifest.xml")
        # An .ods with an opening password keeps its parts encrypted, each with an <encryption-data> in the manifest
        # (calamine looks for the same); its content.xml is no XML, which would read as "damaged".
        if manifest is not None and _ENCRYPTED_PART.search(b"".join(_inflate(f, manifest, name))):
            raise password_elsewhere(name, "电子表格（.ods）", "WPS 或 LibreOffice")
    elif any(n.endswith("workbook.bin") for n in names) and not any(n.endswith("workbook.xml") for n in names):
        raise Unreadable(f"无法打开“{name}”：这是 Excel 二进制工作簿（.xlsb），本程序不能直接读取。"
                         "请在 Excel/WPS 中打开它，另存为 .xlsx 后再导入")
    elif "_rels/.rels" in names:
        kind = "xlsx"
    else:
        raise unreadable(Path(name))

    scans: dict[int, object] = {}  # by entry: two entries may share a name, and each is checked
    kept: dict[str, bytes] = {}
    for k, info in sorted(enumerate(infos), key=lambda e: e[1].header_offset):
        low = info.filename.replace("\\", "/").lower()
        if kind == "ods":
            scan = _OdsScan(name, lim) if low == "content.xml" else None
        else:
            scan = _SstScan(name, lim) if low.endswith("sharedstrings.xml") else _PartScan(name, lim)
        keep = (kind == "xlsx" and (low == "_rels/.rels" or low.endswith(("/_rels/workbook.xml.rels", "workbook.xml")))
                and info.file_size + sum(map(len, kept.values())) <= 8 * _MB)
        pieces = []
        for data in _inflate(f, info, name):
            if scan is not None:
                scan.feed(data)
            if keep:
                pieces.append(data)
        if scan is not None:
            scan.close()
            scans[k] = scan
        if keep:
            kept[low] = b"".join(pieces)

    if kind == "ods":
        ods = next((scan for scan in scans.values() if isinstance(scan, _OdsScan)), None)
        if ods is None:
            raise unreadable(Path(name))
        if len(ods.extents) > lim.max_sheets:
            raise too_large(name, f"工作表超过{lim.max_sheets}张")
        _check_extents(ods.extents, name, lim)
        return _Checked("ods")

    sheets = _xlsx_sheets(kept)  # [(sheet name, lower-cased part path)] as calamine will find them
    if sheets is not None and len(sheets) > lim.max_sheets:
        raise too_large(name, f"工作表超过{lim.max_sheets}张")
    by_part = {}
    for k, (sheet, part) in enumerate(sheets or [], start=1):
        by_part.setdefault(part, (k, sheet))
    found: list[tuple[zipfile.ZipInfo, _Extent, object]] = []
    for k, info in enumerate(infos):
        scan = scans.get(k)
        if not isinstance(scan, _PartScan) or not scan.sheet:
            continue
        index, sheet = by_part.get(info.filename.replace("\\", "/").lower(), (None, info.filename))
        over = (scan.rows > lim.max_rows or scan.columns > lim.max_columns
                or scan.rows * scan.columns > lim.max_cells_per_sheet)
        if not scan.exact or over:  # look again, exactly (slower): an upper bound too high is no reason to refuse
            scan = _exact_sheet(f, info, name, lim)
        found.append((info, _Extent(index, sheet, scan.rows, scan.columns), scan))
    if sum(e.rows * e.columns for _i, e, _s in found) > lim.max_cells:  # the quick bounds added up: exactly
        for n, (info, extent, scan) in enumerate(found):
            if isinstance(scan, _PartScan):
                scan = _exact_sheet(f, info, name, lim)
                found[n] = (info, _Extent(extent.index, extent.name, scan.rows, scan.columns), scan)
    _check_extents([e for _i, e, _s in found], name, lim)
    marks = {e.name: scan.formulas for _i, e, scan in found if scan.formulas and e.index is not None}
    return _Checked("xlsx", formulas=marks)


def _inflate(f: BinaryIO, info: zipfile.ZipInfo, name: str) -> Iterator[bytes]:
    """A part's unpacked bytes, read from the file itself and counted as they come: never more than the
    directory says (a header that understates the size is refused when the data goes past it)."""
    f.seek(info.header_offset)
    head = f.read(30)
    if len(head) < 30 or head[:4] != b"PK\x03\x04":
        raise _damaged(name)
    n, e = struct.unpack_from("<HH", head, 26)
    f.seek(info.header_offset + 30 + n + e)
    left = info.compress_size
    if info.compress_type == zipfile.ZIP_STORED:
        while left:
            data = f.read(min(_CHUNK, left))
            if not data:
                raise _damaged(name)
            left -= len(data)
            yield data
        return
    d = zlib.decompressobj(-15)
    done = 0
    pending = b""
    while True:
        if not pending:
            if left == 0:
                break
            pending = f.read(min(_CHUNK, left))
            if not pending:
                raise _damaged(name)
            left -= len(pending)
        try:
            data = d.decompress(pending, _CHUNK)
        except zlib.error:
            raise _damaged(name) from None
        pending = d.unconsumed_tail
        done += len(data)
        if done > info.file_size:
            raise too_large(name, f"其中的部件“{info.filename}”解压后比压缩包目录中记载的大小"
                                  f"（{info.file_size}字节）还大，文件被改动过",
                            "请向发送单位重新要一份，或在 Excel/WPS 中打开后另存为 .xlsx 再导入")
        if data:
            yield data
        if d.eof:
            break
    if not d.eof or done != info.file_size:
        raise _damaged(name)


# A cell tag in the form every spreadsheet program writes: r first, then s/t/cm/vm/ph, double quotes.
_REF = re.compile(rb'<c r="([A-Z]{1,3})([1-9][0-9]{0,6})"')
_TAG = re.compile(rb'<c r="([A-Z]{1,3})([1-9][0-9]{0,6})"(?: (?:s|t|cm|vm|ph)="[^"<>]*")*/?>')
_PREFIXED = re.compile(rb':c[\s>/]')
_F_TAG = re.compile(rb'<f[\s>/]')
_FORMULA_CELL = re.compile(
    rb'<c r="([A-Z]{1,3})([1-9][0-9]{0,6})"((?: (?:s|t|cm|vm|ph)="[^"<>]*")*)>'
    rb'<f(?:\s[^<>]*)?(?:/>|>([^<]*)</f>)(?:(<v>([^<]*)</v>|<v/>))?')
_MAX_BUMPS = 64
_MAX_CARRY = 4 * _MB


def _not_above(limit: str, alphabet: str) -> str:
    """A regex for the strings over ``alphabet`` (first letter not its first for digits) that are at most
    ``limit``: shorter ones, or as long and not greater letter by letter."""
    digits = alphabet == "0123456789"
    first = "1" if digits else alphabet[0]
    last = alphabet[-1]
    k = len(limit)
    alts = []
    if k > 1:
        alts.append(f"[{first}-{last}][{alphabet[0]}-{last}]{{0,{k - 2}}}")
    for i, ch in enumerate(limit):
        low = first if i == 0 else alphabet[0]
        if ch > low:
            top = chr(ord(ch) - 1)
            rest = f"[{alphabet[0]}-{last}]{{{k - i - 1}}}" if k - i - 1 else ""
            alts.append(f"{limit[:i]}[{low}-{top}]{rest}")
    alts.append(limit)
    return "(?:" + "|".join(alts) + ")"


def _round_up(n: int) -> int:
    """The next number of one significant digit (1786 → 2000, 100001 → 200000): a box that changes seldom."""
    scale = 10 ** (len(str(max(n, 1))) - 1)
    return -(-max(n, 1) // scale) * scale


def _outside(rows: int, columns: int) -> re.Pattern:
    """A cell tag that is not a plain one inside rows × columns (or not a plain one at all)."""
    inside = (_not_above(_column_name(max(columns, 1)), "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
              + _not_above(str(max(rows, 1)), "0123456789"))
    # Possessive repeats (*+): an attribute's value ends at its quote and the attributes at "/" or ">", so taking
    # back a character or an attribute never makes a match, and not keeping the way back is a tenth quicker.
    return re.compile(rb'<c(?=[\s>/])(?! r="' + inside.encode() + rb'"(?: (?:s|t|cm|vm|ph)="[^"<>]*+")*+/?>)')


class _PartScan:
    """A quick look at one unpacked part of an .xlsx, for its sheet data: the last row and column that have a
    cell tag (an upper bound of calamine's used range) and the formula cells without a stored result.

    Only byte counts and regular-expression searches run over the data (no Python object per cell): the
    cells are checked against a rows × columns box taken from the cells themselves (the first MB, then the
    last cell of each MB, as rows come in order), and anything outside the box or not in the plain form that
    spreadsheet programs write is looked at one by one (``_MAX_BUMPS`` of them) or leaves the part to the
    exact, slower parse (``exact = False``).
    """

    def __init__(self, name: str = "", lim: Limits | None = None):
        self.sheet = False
        self.exact = True
        self.rows = 0
        self.columns = 0
        self.formulas = _Formulas(name, lim)
        self._carry = b""
        self._started = False
        self._bumps = 0
        self._box: tuple[int, int] | None = None
        self._pattern: re.Pattern | None = None

    def feed(self, data: bytes) -> None:
        if not self.exact:
            return
        buf = self._carry + data if self._carry else data
        cut = buf.rfind(b"<c ", max(0, len(buf) - 65536))  # keep a cell and its formula in one piece
        if cut <= 0:
            cut = buf.rfind(b"<")
        if cut > 0:
            self._carry = buf[cut:]
            self._scan(buf, cut)
        elif len(buf) <= _MAX_CARRY:
            self._carry = buf
        else:  # a single tag or text of megabytes: not for the quick look
            self._carry = b""
            self.exact = False

    def close(self) -> None:
        if self._carry and self.exact:
            self._scan(self._carry, len(self._carry))
        self._carry = b""

    def _scan(self, buf: bytes, end: int) -> None:
        """Look at buf[:end] (searched in place: no copy of the megabyte)."""
        if not self.sheet:
            if buf.find(b"sheetData", 0, end) < 0:
                return
            self.sheet = True
        if not self._started:
            self._started = True
            found = _REF.findall(buf, 0, end)
            if found:  # (tens of thousands of cells: taken apart and compared in C, no Python step per cell)
                columns, rows = zip(*found)
                self.columns = max(self.columns, max(map(_column_number, set(columns))))
                self.rows = max(self.rows, _round_up(max(map(int, rows))))
        last = buf.rfind(b'<c r="', 0, end)
        if last >= 0:
            m = _REF.match(buf, last, end)
            if m and int(m[2]) > self.rows:
                self.rows = _round_up(int(m[2]))  # rows come in order: the box grows by steps, rarely
        pos = 0
        while True:
            if self._box != (self.rows, self.columns):
                self._box = (self.rows, self.columns)
                self._pattern = _outside(self.rows, self.columns)
            m = self._pattern.search(buf, pos, end)
            if m is None:
                break
            tag = _TAG.match(buf, m.start(), end)
            if tag is None or self._bumps >= _MAX_BUMPS:
                self.exact = False
                return
            self._bumps += 1
            self.columns = max(self.columns, _column_number(tag[1]))
            if int(tag[2]) > self.rows:
                self.rows = _round_up(int(tag[2]))
            pos = m.start() + 1
        if _PREFIXED.search(buf, 0, end):
            self.exact = False
            return
        if _F_TAG.search(buf, 0, end):  # (a regular expression finds none quicker than bytes.find finds no "<f")
            n = len(_F_TAG.findall(buf, 0, end))
            if n:
                cells = _FORMULA_CELL.findall(buf, 0, end)
                if len(cells) != n:
                    self.exact = False
                    return
                for col, row, attrs, text, v_element, v_text in cells:
                    if _without_value(attrs, v_element, v_text):
                        self.formulas.add(int(row) - 1, _column_number(col) - 1, _xml_text(text))


class _Formulas(list):
    """The formula cells of a sheet that keep no result: (row, column, formula text), 0-based. As many as
    workbook_limits.json's max_formulas_without_value: a file with more was never calculated at all."""

    def __init__(self, name: str, lim: Limits | None):
        super().__init__()
        self._name = name
        self._limit = lim.max_formulas_without_value if lim is not None else 1 << 62

    def add(self, row: int, col: int, text: str) -> None:
        if len(self) >= self._limit:
            raise too_large(self._name, f"有超过{self._limit}个公式单元格没有保存计算结果",
                            "请在 Excel/WPS 中打开它并保存（让公式算出结果），或复制后“粘贴为数值”，再导入")
        self.append((row, col, text[:256]))


def _without_value(attrs: bytes, v_element: bytes, v_text: bytes) -> bool:
    """No result kept: no <v>, or an empty one that is not an empty text result (t="str", as Excel writes it)."""
    if v_text.strip():
        return False
    return not (v_element and b't="str"' in attrs)


def _xml_text(raw: bytes) -> str:
    import html

    return html.unescape(raw.decode("utf-8", "replace"))


class _SstScan:
    """The shared-strings part: how many texts it holds, and the count it announces (calamine reserves room
    for that many before reading one)."""

    _SI = re.compile(rb'<(?:[A-Za-z_][\w.\-]*:)?si[\s>/]')
    _UNIQUE = re.compile(rb'uniqueCount\s*=\s*["\'](\d+)["\']')

    def __init__(self, name: str, lim: Limits):
        self._name = name
        self._lim = lim
        self._carry = b""
        self.count = 0
        self.sheet = False

    def feed(self, data: bytes) -> None:
        buf = self._carry + data if self._carry else data
        cut = buf.rfind(b"<")
        if cut > 0:
            self._carry = buf[cut:]
            self._scan(buf[:cut])
        elif len(buf) > _MAX_CARRY:
            self._carry = buf[-64:]
            self._scan(buf[:-64])
        else:
            self._carry = buf

    def close(self) -> None:
        self._scan(self._carry)
        self._carry = b""

    def _scan(self, seg: bytes) -> None:
        self.count += len(self._SI.findall(seg))
        announced = max((int(n) for n in self._UNIQUE.findall(seg)), default=0)
        limit = self._lim.max_shared_strings
        if self.count > limit or announced > limit:
            raise too_large(self._name, f"其中的文字超过{limit}条")


class _ExactSheet:
    """One sheet part parsed as calamine parses it (expat here, quick-xml there), for a part the quick look
    could not vouch for: cells without "r", rows counted by their end tags, prefixed names and so on."""

    def __init__(self, name: str = "", lim: Limits | None = None):
        self.sheet = True
        self.exact = True
        self.rows = 0
        self.columns = 0
        self.formulas = _Formulas(name, lim)
        self._in_data = False
        self._row = 0      # calamine's row_index and col_index (0-based)
        self._col = 0
        self._cell: list | None = None   # [row, col, t, has value, formula text or None, v text or None]
        self._text: list[str] | None = None
        self._text_of = ""

    def start(self, tag: str, attrs: dict) -> None:
        local = tag.rpartition(":")[2]
        if not self._in_data:
            self._in_data = local == "sheetData"
            return
        if local == "row":
            r = attrs.get("r")
            if r is not None:
                self._row = _ref(r, row_only=True)[0]
        elif local == "c" and self._cell is None:
            r = attrs.get("r")
            if r is not None:
                row, col = _ref(r)
                self._col = col
            else:
                row, col = self._row, self._col
            self._cell = [row, col, attrs.get("t", ""), False, None, None]
        elif self._cell is not None and local in ("v", "is", "f"):
            if local == "is":
                self._cell[3] = True
            self._text, self._text_of = [], local

    def end(self, tag: str) -> None:
        local = tag.rpartition(":")[2]
        if not self._in_data:
            return
        if self._text is not None and local == self._text_of:
            text = "".join(self._text)
            if local == "v":
                self._cell[5] = text
                self._cell[3] = self._cell[3] or bool(text.strip())
            elif local == "f":
                self._cell[4] = text[:256]
            self._text = None
        elif local == "c" and self._cell is not None:
            row, col, t, has_value, formula, v = self._cell
            if has_value:
                self.rows = max(self.rows, row + 1)
                self.columns = max(self.columns, col + 1)
            elif formula is not None and not (v is not None and t == "str"):
                self.formulas.add(row, col, formula)
            self._col += 1
            self._cell = None
        elif local == "row":
            self._row += 1
            self._col = 0
        elif local == "sheetData":
            raise _Stop

    def text(self, data: str) -> None:
        if self._text is not None and len(self._text) < 64:  # enough to tell a result from none, and a formula
            self._text.append(data[:4096])


class _Stop(Exception):
    pass


def _ref(ref: str, *, row_only: bool = False) -> tuple[int, int]:
    """calamine's reading of a cell reference ("B7" → (6, 1)); what it would refuse, refused here."""
    m = re.fullmatch(r"([A-Za-z]*)([0-9]+)", ref)
    if m is None or (not row_only and not m[1]) or int(m[2]) == 0:
        raise ValueError(ref)
    row = int(m[2]) - 1
    col = _column_number(m[1]) - 1 if m[1] else 0
    if row > 1 << 31 or col > 1 << 31:
        raise ValueError(ref)
    return row, col


def _expat(on_start, on_end, on_text):
    import xml.parsers.expat

    p = xml.parsers.expat.ParserCreate()
    p.buffer_text = True

    def no_dtd(*_args):
        raise ValueError("DTD")  # Excel never writes one; entity tricks are refused, not expanded

    p.StartDoctypeDeclHandler = no_dtd
    p.EntityDeclHandler = no_dtd
    p.StartElementHandler = on_start
    p.EndElementHandler = on_end
    p.CharacterDataHandler = on_text
    return p


def _exact_sheet(f: BinaryIO, info: zipfile.ZipInfo, name: str, lim: Limits) -> _ExactSheet:
    sheet = _ExactSheet(name, lim)
    p = _expat(sheet.start, sheet.end, sheet.text)
    try:
        for data in _inflate(f, info, name):
            p.Parse(data, False)
        p.Parse(b"", True)
    except _Stop:
        pass
    except UserError:
        raise
    except Exception:  # noqa: BLE001 - expat's ExpatError, a reference calamine would refuse (ValueError)
        raise _damaged(name) from None
    return sheet


def _xlsx_sheets(kept: dict[str, bytes]) -> list[tuple[str, str]] | None:
    """The workbook's sheets as calamine finds them: (name, the part's lower-cased path); None if unknown."""
    import xml.etree.ElementTree as ET

    def parse(data: bytes):
        if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
            return None
        try:
            return ET.fromstring(data)
        except Exception:  # noqa: BLE001 - ParseError, an unknown encoding …: which sheet is which stays unknown
            return None

    def local(tag: str) -> str:
        return tag.rpartition("}")[2]

    package = parse(kept.get("_rels/.rels", b""))
    if package is None:
        return None
    xl = "xl/"
    for rel in package:
        if local(rel.tag) == "Relationship" and rel.get("Type", "").endswith("/relationships/officeDocument"):
            target = rel.get("Target", "")
            xl = target[:target.rfind("/") + 1].lstrip("/") if "/" in target else ""
            break
    rels = parse(kept.get(f"{xl}_rels/workbook.xml.rels".lower(), b""))
    book = parse(kept.get(f"{xl}workbook.xml".lower(), b""))
    if rels is None or book is None:
        return None
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels if local(rel.tag) == "Relationship"}
    sheets = []
    for el in book.iter():
        if local(el.tag) != "sheet":
            continue
        rid = next((v for k, v in el.attrib.items() if local(k) == "id" or k.endswith(":id")), None)
        target = targets.get(rid, "")
        part = target[1:] if target.startswith("/") else xl + target
        sheets.append((el.get("name", ""), part.replace("\\", "/").lower()))
    return sheets


class _OdsScan:
    """content.xml of an .ods, parsed as calamine reads it: each table's rows (with their repeats, up to the
    last row with a value) × the widest row (cells with their column repeats, up to the last with a value)."""

    def __init__(self, name: str, lim: Limits):
        self._name = name
        self._lim = lim
        self.extents: list[_Extent] = []
        self._p = _expat(self._start, self._end, None)
        self._table: str | None = None
        self._rows = 0          # rows so far, repeats included
        self._last_row = 0      # rows up to the last one with a value
        self._width = 0
        self._sparse = 0        # cells calamine keeps before trimming
        self._row_repeat = 0
        self._col = 0
        self._row_width = 0
        self._cell_repeat = 0
        self._cell_filled = False
        self._depth = 0         # elements open inside the current cell

    def feed(self, data: bytes) -> None:
        try:
            self._p.Parse(data, False)
        except UserError:
            raise
        except Exception:  # noqa: BLE001 - expat's kinds, and a repeat count that is no number
            raise _damaged(self._name) from None

    def close(self) -> None:
        self.feed(b"")
        try:
            self._p.Parse(b"", True)
        except UserError:
            raise
        except Exception:  # noqa: BLE001 - as above
            raise _damaged(self._name) from None

    def _start(self, tag: str, attrs: dict) -> None:
        if self._depth:
            self._depth += 1
            self._cell_filled = True
            return
        if tag == "table:table":
            self._table = attrs.get("table:name", "")
            self._rows = self._last_row = self._width = 0
        elif tag == "table:table-row":
            repeat = int(attrs.get("table:number-rows-repeated", "1"))
            self._row_repeat = max(0, min(repeat, 1048576 - self._rows))
            self._col = self._row_width = 0
        elif tag in ("table:table-cell", "table:covered-table-cell"):
            repeat = int(attrs.get("table:number-columns-repeated", "1"))
            self._cell_repeat = max(0, min(repeat, 16384 - self._col))
            self._cell_filled = any(k not in ("table:number-columns-repeated", "table:style-name",
                                              "table:content-validation-name") for k in attrs)
            self._depth = 1

    def _end(self, tag: str) -> None:
        if self._depth > 1:
            self._depth -= 1
            return
        if self._depth == 1 and tag in ("table:table-cell", "table:covered-table-cell"):
            self._depth = 0
            self._col += self._cell_repeat
            if self._cell_filled:
                self._row_width = self._col
        elif tag == "table:table-row":
            self._rows += self._row_repeat
            self._sparse += self._row_width
            if self._row_width:
                self._last_row = self._rows
                self._width = max(self._width, self._row_width)
            if self._sparse > self._lim.max_cells:
                raise too_large(self._name, f"各工作表合计超过{self._lim.max_cells}个单元格")
        elif tag == "table:table":
            self.extents.append(_Extent(len(self.extents) + 1, self._table or "", self._last_row, self._width))
            if len(self.extents) > self._lim.max_sheets:
                raise too_large(self._name, f"工作表超过{self._lim.max_sheets}张")
            self._table = None


# ---- .xls: the compound file and the BIFF records ----------------------------------------------------------

_ENDOFCHAIN = 0xFFFFFFFE
_DIFSECT = 0xFFFFFFFC
_RESERVED = 0xFFFFFFFA


class _Cfb:
    """Just enough of the compound-file structure (the .xls container, and that of a password-protected
    .xlsx) to know that what calamine and msoffcrypto will follow ends, and where: every chain of sectors
    must end within the file, without loops, and the sizes the header gives must fit in the file."""

    def __init__(self, data: bytes, name: str):
        self._data = data
        self._name = name
        if len(data) < 512 or data[:8] != OLE_MAGIC:
            raise _damaged(name)
        version, _order, shift, mini_shift = struct.unpack_from("<4H", data, 26)
        if shift not in (9, 12) or mini_shift != 6:
            raise _damaged(name)
        ss = self._ss = 1 << shift
        self._v4 = shift == 12
        self._maxid = len(data) // ss                      # as calamine counts sectors
        sectors = max(1, (len(data) - ss) // ss + 1)
        fat_len, dir_start = struct.unpack_from("<2L", data, 44)
        mini_fat_start, mini_fat_len, difat_start, difat_len = struct.unpack_from("<4L", data, 60)
        (oddly_read,) = struct.unpack_from("<L", data, 62)  # calamine sizes a table by these bytes
        if fat_len > sectors or difat_len > sectors or mini_fat_len > sectors or oddly_read > 1 << 26:
            raise _damaged(name)
        difat = list(struct.unpack_from("<109L", data, 76))
        sid, steps = difat_start, 0
        while sid < _RESERVED:
            steps += 1
            if steps > sectors // 16000 + 2:
                raise _damaged(name)
            difat.extend(self._u32s(self._sector(sid)))
            sid = difat.pop()
        fat: list[int] = []
        for sid in difat:
            if sid < _DIFSECT:
                fat.extend(self._u32s(self._sector(sid)))
        self._fat = fat
        directory = self._chain(dir_start, None)
        self._entries = []
        for k in range(0, len(directory) - 127, 128):
            entry = directory[k:k + 128]
            entry_name = entry[:64].decode("utf-16-le", "replace").split("\x00", 1)[0]
            start = struct.unpack_from("<L", entry, 116)[0]
            size = struct.unpack_from("<Q" if self._v4 else "<L", entry, 120)[0]
            self._entries.append((entry_name, start, size))
        if not self._entries:
            raise _damaged(name)
        self._mini = b""
        self._mini_fat: list[int] = []
        if mini_fat_len > 0:
            _root, root_start, root_size = self._entries[0]
            self._mini = self._chain(root_start, root_size)
            self._mini_fat = self._u32s(self._chain(mini_fat_start, mini_fat_len * ss))

    @staticmethod
    def _u32s(data: bytes) -> list[int]:
        return list(struct.unpack(f"<{len(data) // 4}L", data[:len(data) // 4 * 4]))

    def _sector(self, sid: int) -> bytes:
        if sid > self._maxid:
            raise _damaged(self._name)
        at = (sid + 1) * self._ss
        return self._data[at:at + self._ss]

    def _chain(self, sid: int, size: int | None) -> bytes:
        pieces, got, seen = [], 0, 0
        limit = len(self._data) // self._ss + 2
        while sid != _ENDOFCHAIN:
            seen += 1
            if seen > limit or sid >= len(self._fat):
                raise _damaged(self._name)      # a loop, or a chain that leaves the table (calamine panics)
            piece = self._sector(sid)
            if size is not None:
                piece = piece[:size - got]
            pieces.append(piece)
            got += len(piece)
            if size is not None and got >= size:
                break
            sid = self._fat[sid]
        return b"".join(pieces)

    def has(self, entry_name: str) -> bool:
        return any(n == entry_name for n, _s, _z in self._entries)

    def stream(self, names: tuple[str, ...]) -> bytes | None:
        for wanted in names:
            for entry_name, start, size in self._entries:
                if entry_name == wanted:
                    if size < 4096:
                        return self._mini_chain(start, size)
                    return self._chain(start, size)
        return None

    def _mini_chain(self, sid: int, size: int) -> bytes:
        pieces, got, seen = [], 0, 0
        while sid != _ENDOFCHAIN and got < size:
            seen += 1
            if seen > len(self._mini_fat) + 1 or sid >= len(self._mini_fat):
                raise _damaged(self._name)
            pieces.append(self._mini[sid * 64:sid * 64 + 64][:size - got])
            got += len(pieces[-1])
            sid = self._mini_fat[sid]
        return b"".join(pieces)


_ENCRYPTED_PART = re.compile(rb"<(?:[\w.-]+:)?encryption-data[\s/>]")


def _xls_has_password(cfb: _Cfb, name: str) -> bool:
    """Whether an .xls has an opening password: a FilePass record in its workbook globals (MS-XLS 2.4.117: "if this
    record exists, the workbook MUST be encrypted" — RC4, RC4 CryptoAPI, or XOR obfuscation, whose type is 0)."""
    stream = cfb.stream(("Workbook", "Book", "WORKBOOK", "BOOK"))
    if stream is None:
        return False  # no workbook at all: _check_xls says so
    for typ, _data in _records(stream, 0, name):
        if typ == 0x002F:
            return True
        if typ == 0x000A:  # the end of the globals: FilePass comes before
            return False
    return False


# Cell records, each starting (row, column): Number, Label, RString, BoolErr, RK, LabelSst, Formula.
_XLS_CELLS = frozenset((0x0203, 0x0204, 0x00D6, 0x0205, 0x027E, 0x00FD, 0x0006))


def _check_xls(cfb: _Cfb, name: str, lim: Limits) -> None:
    """The workbook stream's records as calamine walks them: each sheet's cells (every sheet is built when
    the file is opened) and the size each sheet announces (calamine reserves room for it first)."""
    stream = cfb.stream(("Workbook", "Book", "WORKBOOK", "BOOK"))
    if stream is None:
        raise unreadable(Path(name))
    sheets: list[tuple[int, str]] = []
    for typ, data in _records(stream, 0, name):
        if typ == 0x002F:  # decrypted before this check (_check_container): one still here is beyond us
            raise password_elsewhere(name, "旧版 Excel 文件（.xls）")
        if typ == 0x0085 and len(data) >= 8:
            sheets.append((struct.unpack_from("<L", data)[0], _biff_name(data[6:])))
        elif typ == 0x000A:
            break
    if len(sheets) > lim.max_sheets:
        raise too_large(name, f"工作表超过{lim.max_sheets}张")
    extents, announced = [], []
    for k, (pos, sheet) in enumerate(sheets, start=1):
        if pos > len(stream):
            raise _damaged(name)
        rows = columns = 0
        for typ, data in _records(stream, pos, name):
            if typ in _XLS_CELLS and len(data) >= 4:
                row, col = struct.unpack_from("<2H", data)
                rows, columns = max(rows, row + 1), max(columns, col + 1)
            elif typ == 0x00BD and len(data) >= 6:
                row, _first = struct.unpack_from("<2H", data)
                (last,) = struct.unpack_from("<H", data, len(data) - 2)
                rows, columns = max(rows, row + 1), max(columns, last + 1)
            elif typ == 0x0200 and len(data) in (10, 14):
                announced.append((k, sheet, _dimensions(data)))
            elif typ == 0x000A:
                break
        extents.append(_Extent(k, sheet, rows, columns))
    _check_extents(extents, name, lim)
    for k, sheet, cells in announced:  # what the cells did not show, the size a sheet announces may still claim
        if cells > lim.max_cells_per_sheet:
            raise too_large(name, f"第{k}张工作表“{sheet}”声称有{cells}个单元格，超过{lim.max_cells_per_sheet}个")


def _records(stream: bytes, pos: int, name: str) -> Iterator[tuple[int, bytes]]:
    end = len(stream)
    while pos + 4 <= end:
        typ, size = struct.unpack_from("<2H", stream, pos)
        if pos + 4 + size > end:
            raise _damaged(name)
        yield typ, stream[pos + 4:pos + 4 + size]
        pos += 4 + size


def _dimensions(data: bytes) -> int:
    """Cells calamine reserves for a Dimensions record (its arithmetic, wrapping as u32 does)."""
    if len(data) == 10:
        first_row, last_row, first_col, last_col = struct.unpack_from("<4H", data)
    else:
        first_row, last_row, first_col, last_col = struct.unpack_from("<2L2H", data)
    if first_col > 0xFF or last_col < first_col:
        first_col = 0
    if last_row >= 1 and last_col >= 1:
        end_row, end_col = last_row - 1, last_col - 1
    else:
        end_row, end_col = first_row, first_col
    rows = (end_row - first_row + 1) % (1 << 32)
    cols = (end_col - first_col + 1) % (1 << 32)
    return rows * cols


def _biff_name(data: bytes) -> str:
    if len(data) < 2:
        return ""
    n, flags = data[0], data[1]
    if flags & 1:
        return data[2:2 + 2 * n].decode("utf-16-le", "replace")
    return data[2:2 + n].decode("latin-1")


# ---- reading ----------------------------------------------------------------------------------------------

class Workbook:
    """A workbook's sheets, read in the order given to :meth:`plan`; ``close`` stops the reading ahead."""

    def __init__(self, sheets: list[RawSheet], ahead: _ReadAhead | None = None, names: dict[str, str] | None = None):
        self.sheets = sheets
        self._ahead = ahead
        self._names = names or {}  # a sheet's name as in ``sheets`` (trimmed) → as in the file

    def plan(self, names: Iterable[str]) -> None:
        """The sheets (names as in ``sheets``) about to be loaded, in order: they are parsed ahead of their turn."""
        if self._ahead is not None:
            self._ahead.plan([self._names.get(n, n) for n in names])

    def close(self) -> None:
        if self._ahead is not None:
            self._ahead.close()

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


_CALAMINE_SUFFIXES = {"xlsx": (".xlsx", ".xlsm", ".xltx", ".xltm"), "xls": (".xls", ".xla"), "ods": (".ods",)}


def read_workbook(path: Path, *, password: str | None = None) -> Workbook:
    """Every sheet's raw cell values (numbers stay numbers, dates dates), each loaded when asked for.

    ``password`` opens a workbook that has an opening password (ignored for one that has none); without it
    such a workbook raises :class:`PasswordRequired`, with a wrong one :class:`WrongPassword`. A file over
    workbook_limits.json raises :class:`TooLarge` before it is read. A formula cell whose file keeps no
    result reads as a :class:`FormulaWithoutValue`.
    """
    path = Path(path)
    if not path.exists():
        raise Unreadable(f"找不到文件“{path}”")
    try:
        lim = read_limits()
    except UserError as err:
        raise Unreadable(err.message) from None
    checked = check_file(path, password=password, lim=lim)
    if checked.kind == "csv":
        from .table_files import read_sheets

        try:
            sheets = [[list(r) for r in sheet] for sheet in read_sheets(path, lim=lim)]
        except Unreadable:
            raise
        except UserError as err:
            raise Unreadable(err.message) from None
        return Workbook([(path.stem, 1, lambda rows=rows: rows) for rows in sheets])
    plain = checked.plain
    try:
        from python_calamine import CalamineWorkbook

        # from_filelike copies the bytes into calamine, so the decrypted copy here can go at once; it also
        # tells the format by content (from_path goes by the name's suffix).
        if plain is not None:
            plain.seek(0)
            wb = CalamineWorkbook.from_filelike(plain)
        elif path.suffix.lower() in _CALAMINE_SUFFIXES[checked.kind]:
            wb = CalamineWorkbook.from_path(str(path))
        else:
            with open(path, "rb") as f:
                wb = CalamineWorkbook.from_filelike(f)
        names = list(wb.sheet_names)
    except BaseException as err:  # calamine raises its own kinds, one per file format (a Rust panic is no Exception)
        if isinstance(err, (KeyboardInterrupt, SystemExit)):
            raise
        from python_calamine import PasswordError

        if isinstance(err, PasswordError):  # encrypted in a way the checks above did not see: still no damage
            raise password_elsewhere(path.name, "工作簿") from None
        raise unreadable(path) from None
    finally:
        if plain is not None:
            plain.close()
    if len(names) > lim.max_sheets:
        wb.close()
        raise too_large(path.name, f"工作表超过{lim.max_sheets}张")
    ahead = _ReadAhead(wb, path, lim=lim, marks=checked.formulas)
    return Workbook([(name.strip(), 1, lambda name=name: ahead.load(name)) for name in names], ahead,
                    {name.strip(): name for name in names})


def is_encrypted_ooxml(path: Path) -> bool:
    """An Excel workbook with an opening password: an OLE container ("D0 CF 11 E0") holding an EncryptionInfo stream."""
    try:
        with open(path, "rb") as f:
            if f.read(8) != OLE_MAGIC:
                return False
        import olefile

        with olefile.OleFileIO(str(path)) as ole:
            return ole.exists("EncryptionInfo")
    except Exception:  # noqa: BLE001 - a damaged file is simply not a recognisably encrypted one
        return False


def _mark(rows: list[list[object]], marks: list[tuple[int, int, str]]) -> list[list[object]]:
    """Put a FormulaWithoutValue where a formula keeps no result (calamine reads such a cell as nothing)."""
    width = max((len(r) for r in rows), default=0)
    for row, col, text in marks:
        width = max(width, col + 1)
        while len(rows) <= row:
            rows.append([""] * width)
        line = rows[row]
        if len(line) <= col:
            line.extend([""] * (col + 1 - len(line)))
        if line[col] in ("", None):
            line[col] = FormulaWithoutValue(text)
    return rows


class _ReadAhead:
    """One worker thread parsing the planned sheets in order, at most ``AHEAD_CELLS`` cells ahead.

    A sheet asked for out of turn goes to the front of the queue, whatever the worker holds, so no order
    of loads can wait forever. Only the worker touches the calamine workbook.
    """

    def __init__(self, wb, path: Path, ahead_cells: int = AHEAD_CELLS, *, lim: Limits | None = None,
                 marks: dict[str, list[tuple[int, int, str]]] | None = None):
        self._wb = wb
        self._path = path
        self._limit = ahead_cells
        self._lim = lim
        self._marks = marks or {}
        self._cond = threading.Condition()
        self._queue: deque[str] = deque()
        self._ready: dict[str, object] = {}   # name → parsed CalamineSheet, not yet loaded
        self._held = 0                         # cells in _ready
        self._busy: str | None = None          # the sheet being parsed
        self._wanted: str | None = None        # the sheet the checker waits for
        self._failed = False
        self._closed = False
        self._thread: threading.Thread | None = None

    def plan(self, names: list[str]) -> None:
        with self._cond:
            self._queue = deque(n for n in names if n not in self._ready and n != self._busy)
            self._start()
            self._cond.notify_all()

    def load(self, name: str) -> list[list[object]]:
        with self._cond:
            while name not in self._ready:
                if self._failed or self._closed:
                    raise unreadable(self._path)
                if name != self._busy and self._wanted != name:
                    if name in self._queue:
                        self._queue.remove(name)
                    self._queue.appendleft(name)
                    self._wanted = name
                    self._start()
                    self._cond.notify_all()
                self._cond.wait()
            sheet = self._ready.pop(name)
            self._held -= _cells(sheet)
            self._wanted = None
            self._cond.notify_all()
        if self._lim is not None:  # checked before reading; this only makes sure of it before Python objects
            end = sheet.end
            if end is not None and (end[0] + 1) * (end[1] + 1) > self._lim.max_cells_per_sheet:
                raise too_large(self._path.name, f"工作表“{name.strip()}”的内容区域有{end[0] + 1}行×{end[1] + 1}列，"
                                                 f"超过{self._lim.max_cells_per_sheet}个单元格")
        try:
            rows = sheet.to_python(skip_empty_area=False)
        except BaseException as err:  # as in read_workbook
            if isinstance(err, (KeyboardInterrupt, SystemExit)):
                raise
            raise unreadable(self._path) from None
        marks = self._marks.get(name)
        return _mark(rows, marks) if marks else rows

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._ready.clear()
            self._cond.notify_all()
            if self._thread is None:
                self._release()
            # else the worker releases the file when it stops (it may be in the middle of a sheet)

    def _release(self) -> None:
        """Let go of the file (Windows keeps an open file from being moved or deleted)."""
        try:
            self._wb.close()
        except Exception:  # noqa: BLE001 - closing twice, or a file already gone: nothing to keep
            pass

    def _start(self) -> None:
        if self._thread is None and not self._closed:
            # A daemon: a parse still running when the check is cancelled must not keep the program open.
            self._thread = threading.Thread(target=self._work, name="calamine-read-ahead", daemon=True)
            self._thread.start()

    def _work(self) -> None:
        try:
            self._read_planned()
        finally:
            self._release()

    def _read_planned(self) -> None:
        while True:
            with self._cond:
                while not self._closed and (not self._queue or (self._held >= self._limit and self._wanted is None)):
                    self._cond.wait()
                if self._closed:
                    return
                name = self._queue.popleft()
                self._busy = name
            try:
                sheet = self._wb.get_sheet_by_name(name)  # Rust, with Python's lock released
            except BaseException:  # noqa: BLE001 - as in read_workbook; the checker raises Unreadable
                with self._cond:
                    self._failed = True
                    self._busy = None
                    self._cond.notify_all()
                return
            with self._cond:
                self._busy = None
                if not self._closed:
                    self._ready[name] = sheet
                    self._held += _cells(sheet)
                self._cond.notify_all()
            del sheet  # held by _ready alone: the checker's load frees it


def _cells(sheet) -> int:
    return sheet.height * sheet.width
