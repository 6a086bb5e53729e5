"""Where an old ledger sheet's header is, and what each row is: data, or a title, 填报, 合计, 小计 or 表尾 row.

Pure Python over a sheet's raw cell values (sheet_reader's rows). The words that mark each kind of row are
resources/codes/ledger_words.json ("rows"). Every row below the header is classified by its own content in
one pass of cheap string work (a 5 000-row sheet in about 20 ms): a row is never skipped for where it is
alone, so data pasted under the signatures is still read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from functools import cache

from ...core.errors import UserError
from ...core.text import half_width
from ...paths import resource

DATA = "DATA"
BLANK = "BLANK"
TOTAL = "TOTAL"          # the sheet's 合计: what was read above it must add up to it
SUBTOTAL = "SUBTOTAL"    # a 小计, or a 合计 with another one after it (本页合计): the rows since the last check
TITLE = "TITLE"
FILING = "FILING"
FOOTER = "FOOTER"
HEADER = "HEADER"        # the header again further down (a second page's), or the 栏次 row of numbers under it
AGGREGATE = "AGGREGATE"  # a figure about the rows that is not their sum in this sheet: 累计 after a 合计, 其中…

WHY_BLANK = "空行"
WHY_SERIAL_ONLY = "空行（只有序号）"
WHY_TOTAL = "合计行"
WHY_SUBTOTAL = "小计行"
WHY_TITLE = "标题行"
WHY_FILING = "填报单位、日期行"
WHY_SIGNATURES = "表尾签字行（制表人、审核人…）"
WHY_NOTES = "填表说明"
WHY_REPEATED_HEADER = "重复的表头行"
WHY_COLUMN_NUMBERS = "栏次行（表头下的列序号）"
WHY_RUNNING = "累计行（含以前各期，不核对）"
WHY_BREAKDOWN = "合计的分项行（其中…，不核对）"


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """One row of a sheet and what it is."""

    number: int            # the row number as Excel shows it (1-based)
    role: str              # DATA, BLANK, TOTAL, SUBTOTAL, TITLE, FILING, FOOTER, HEADER, AGGREGATE
    values: tuple          # the raw cells
    why: str = ""          # for a row that is not DATA: why it is skipped, in Chinese
    label: str = ""        # the cell that made a row TOTAL/SUBTOTAL/AGGREGATE, without spaces ("本页合计", "合计：")


@dataclass
class SheetLayout:
    """Where a sheet's header is and what every other row of it is."""

    name: str
    header_rows: tuple[int, ...]   # one row number, or two (a group header over its sub-headers)
    headers: list[str]             # per column: "家庭成员情况/姓名", "序号", "" where a column has none
    before: list[LedgerRow]        # the rows above the header (TITLE, FILING, BLANK)
    rows: list[LedgerRow]          # every row below the header, DATA and skipped alike, in order
    title: str                     # "2015年困难职工帮扶资金发放台账", "" if none
    filing: dict[str, str]         # {"填报单位": "…", "填报日期": "…", "金额单位": "元", …}


@dataclass(frozen=True)
class _Words:
    search_rows: int
    starts: frozenset[str]     # the characters any of the words below can start with: most names need no regex
    role: re.Pattern           # 合计/小计/累计/其中 (with a period before) at a cell's start
    signer: re.Pattern         # 制表人： … at a cell's start
    note: re.Pattern           # 注： 填表说明 … at a cell's start
    filing_start: re.Pattern   # a 填报 label (with its colon, or alone) at a cell's start
    filing_label: re.Pattern   # a 填报 label with its colon, anywhere in a cell
    filing_alone: re.Pattern   # a cell that is only a 填报 label (its value in the next cell)
    money_units: frozenset[str]
    stamp: re.Pattern          # "（盖章）" after a 填报 value
    min_cells: int


# Old books space words out to fill a cell ("合　计", "制 表 人"): each word matches with any spaces inside.
_PAREN = r"(?:\s*[(（][^)）]{0,10}[)）])?"  # "单位（盖章）", "负责人(签字)"
_CJK = "\u4e00-\u9fff"


def _alternation(words: Sequence[str]) -> str:
    """The words as one regex alternative, longest first (so 单位负责人 wins over 负责人), spaces allowed inside."""
    spelled = [r"\s*".join(re.escape(c) for c in half_width(w)) for w in words if w.strip()]
    return "|".join(sorted(spelled, key=len, reverse=True)) or "(?!)"


@cache
def _words() -> _Words:
    path = "resources/codes/ledger_words.json"
    try:
        with open(resource("codes", "ledger_words.json"), encoding="utf-8") as f:
            data = json.load(f)["rows"]
        prefix_chars = set(data["period_prefix"])
        prefix_chars |= {chr(ord(c) + 0xFEE0) for c in list(prefix_chars) if "!" <= c <= "~"}  # full-width twins
        prefix = "".join(re.escape(c) for c in sorted(prefix_chars))
        signers = data["signers"]
        ren = [w for w in signers if w.endswith("人")]
        labels = _alternation(data["filing_labels"])
        lists = ("total", "subtotal", "running_total", "breakdown", "signers", "notes", "filing_labels")
        starts = prefix_chars | {half_width(w.strip())[0] for key in lists for w in data[key] if w.strip()}
        starts |= {chr(ord(c) + 0xFEE0) for c in list(starts) if "!" <= c <= "~"}
        return _Words(
            search_rows=int(data["header_search_rows"]),
            starts=frozenset(starts),
            role=re.compile(
                rf"\s*[{prefix}\s]{{0,12}}(?:(?P<breakdown>{_alternation(data['breakdown'])})"
                rf"|(?P<running>{_alternation(data['running_total'])})|(?P<subtotal>{_alternation(data['subtotal'])})"
                rf"|(?P<total>{_alternation(data['total'])}))"),
            # "制表人：" "审核人 张三" "制表" at the cell's end; a word ending in 人 may run straight into the name.
            signer=re.compile(rf"\s*(?:(?:{_alternation(signers)}){_PAREN}(?:\s*[:：]|\s*$|\s+\S)"
                              rf"|(?:{_alternation(ren)})[{_CJK}])"),
            note=re.compile(rf"\s*(?:{_alternation(data['notes'])})\s*[0-9０-９一二三四五六七八九十]*\s*(?:[:：、.．]|$)"),
            filing_start=re.compile(rf"\s*(?:{labels}){_PAREN}\s*(?:[:：]|$)"),
            filing_label=re.compile(rf"(?P<label>{labels}){_PAREN}\s*[:：]"),
            filing_alone=re.compile(rf"\s*(?P<label>{labels}){_PAREN}\s*[:：]?\s*$"),
            money_units=frozenset(data["money_units"]),
            stamp=re.compile(rf"[(（]\s*(?:{_alternation(data['stamps'])})\s*[)）]?"),
            min_cells=int(data["data_after_footer_min_cells"]),
        )
    except FileNotFoundError:
        raise UserError(f"找不到词表文件 {path}（旧台账的行），请重新安装程序") from None
    except (OSError, ValueError, KeyError, TypeError, re.error):
        raise UserError(f"词表文件 {path}（旧台账的行）无法读取，请修正其中的 rows 部分或重新安装程序") from None


def __getattr__(name: str) -> object:
    # HEADER_SEARCH_ROWS comes from the word file, read when first asked for (not when the module is imported).
    if name == "HEADER_SEARCH_ROWS":
        return _words().search_rows
    raise AttributeError(name)


# Full-width letters and digits → half-width (ＩＤ → ID, ２０１５ → 2015); Chinese punctuation such as （元） stays
# as written, so a message names the column as the office sees it. Zero-width characters go.
_ALNUM_HALF = {cp: cp - 0xFEE0 for lo, hi in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
               for cp in range(lo, hi + 1)}
_ALNUM_HALF.update({cp: None for cp in (0x200B, 0x2060, 0xFEFF)})


def header_text(value: object) -> str:
    """A header cell as compared and shown: without any whitespace or line break, full-width letters half-width."""
    if value is None:
        return ""
    return _squeezed(_plain(value))


def _plain(value: object) -> str:
    """A cell as text: 2015.0 → "2015", a date → "2015-01-20"."""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _filled(row: Sequence[object]) -> list[int]:
    """The columns of the cells that hold something (a formula without a saved value counts: it may be data)."""
    return [i for i, v in enumerate(row) if v is not None and (v.__class__ is not str or v.strip())]


def _squeezed(text: str) -> str:
    """Without whitespace (line breaks, full-width spaces), full-width letters and digits half-width."""
    return "".join(text.translate(_ALNUM_HALF).split()) if not text.isascii() else "".join(text.split())


def _serial(value: object) -> bool:
    """A 序号-like number: a whole number from 1 to 99999."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return 0 < value < 100000
    if isinstance(value, float):
        return value.is_integer() and 0 < value < 100000
    if isinstance(value, str):
        text = _squeezed(value)
        return 0 < len(text) <= 5 and text.isdigit()
    return False


def _numberish(value: object) -> bool:
    """A number, a date, or a text with at least four digits (an ID, a phone, an amount, a date as text)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float, date)):
        return True
    return isinstance(value, str) and sum(c.isdigit() for c in value) >= 4


# ---------------------------------------------------------------------------------------------------------
# The 填报 line: "填报单位：海南省总工会  填报日期：2016年1月5日" in one cell, or label and value in two.

_VALUE_EDGES = " \t\r\n\u3000,，;；、)）]】"


def _value(text: str, words: _Words) -> str:
    return " ".join(words.stamp.sub("", text).translate(_ALNUM_HALF).split()).strip(_VALUE_EDGES)


def _label_key(label: str) -> str:
    return "".join(label.split())


def _filing(row: Sequence[object], words: _Words) -> tuple[dict[str, str], list[str]] | None:
    """What a 填报 row says ({label: value}) and the title text left of its first label; None if it has no label."""
    found: dict[str, str] = {}
    title: list[str] = []
    pending = None  # a label alone in its cell, waiting for the value in the next one
    seen = False

    def put(key: str, value: str) -> None:
        if key == "单位" and value in words.money_units:
            key = "金额单位"  # "单位：元" is the unit of the amounts, not the office
        found.setdefault(key, value)

    for i in _filled(row):
        v = row[i]
        if not isinstance(v, str):
            if pending:
                put(pending, _plain(v))
                pending = None
            continue
        m = words.filing_alone.match(v)
        if m:
            pending, seen = _label_key(m.group("label")), True
            continue
        matches = list(words.filing_label.finditer(v))
        if not matches:
            if pending:
                put(pending, _value(v, words))
                pending = None
            elif not seen:
                title.append(v)
            continue
        if not seen:
            head = v[:matches[0].start()].strip(" \t\r\n\u3000(（[【")
            if head:
                title.append(head)  # "2015年帮扶台账（单位：元）"
        seen = True
        pending = None
        for k, m in enumerate(matches):
            end = matches[k + 1].start() if k + 1 < len(matches) else len(v)
            value = _value(v[m.end():end], words)
            if value:
                put(_label_key(m.group("label")), value)
            elif k + 1 == len(matches):
                pending = _label_key(m.group("label"))
    return (found, title) if seen else None


# ---------------------------------------------------------------------------------------------------------
# The header: one row, or a group row over its sub-headers.

def _group_spans(upper: list[str], width: int) -> list[tuple[int, int]]:
    """(first, last) column of each upper text followed by blank cells: a cell merged over the columns below."""
    spans = []
    at = [c for c in range(width) if upper[c]]
    for k, c in enumerate(at):
        last = (at[k + 1] if k + 1 < len(at) else width) - 1
        if last > c:
            spans.append((c, last))
    return spans


def _padded(texts: list[str], width: int) -> list[str]:
    return texts + [""] * (width - len(texts)) if len(texts) < width else texts


def _extent(texts: list[str]) -> int:
    """One past the last column with a text."""
    return next((c + 1 for c in range(len(texts) - 1, -1, -1) if texts[c]), 0)


def _is_group_row(upper_raw: Sequence[object], upper: list[str], lower: list[str],
                  is_header_word: Callable[[str], bool], words: _Words) -> bool:
    """Whether ``upper`` holds groups over ``lower``: at least two header words below its merged cells.

    A one-cell row (a title merged over the width) and a 填报 row (its values are followed by blanks too) are
    not groups. A group text may itself be a header word: "家庭成员" over 姓名/关系/身份证号 is still a group.
    """
    if sum(1 for t in upper if t) < 2:
        return False
    for v, t in zip(upper_raw, upper):
        # "填报单位：…", or "填报单位" | "…" in two cells (a header's own 单位名称 is a header word: not a 填报 line)
        if isinstance(v, str) and (words.filing_label.search(v) or words.filing_alone.match(v) and not is_header_word(t)):
            return False
    width = max(_extent(upper), _extent(lower))
    upper, lower = _padded(upper, width), _padded(lower, width)
    under = 0
    for first, last in _group_spans(upper, width):
        under += sum(1 for c in range(first, last + 1) if lower[c] and is_header_word(lower[c]))
    return under >= 2


def _joined(upper: list[str], lower: list[str]) -> list[str]:
    """Per column "group/sub"; a cell merged down over both rows (upper text, lower blank) keeps its text alone."""
    width = max(_extent(upper), _extent(lower))
    upper, lower = _padded(upper, width), _padded(lower, width)
    owner: list[str] = [""] * width
    for first, last in _group_spans(upper, width):
        for c in range(first, last + 1):
            owner[c] = upper[first]
    out = []
    for c in range(width):
        u, low = upper[c], lower[c]
        if u:
            out.append(f"{u}/{low}" if low else u)
        elif owner[c]:
            out.append(f"{owner[c]}/{low}" if low else "")
        else:
            out.append(low)
    return out


# ---------------------------------------------------------------------------------------------------------

def detect(name: str, rows: list[list[object]], *, is_header_word: Callable[[str], bool],
           header_at: int | None = None) -> SheetLayout | None:
    """The layout of one sheet; None when no row within the first HEADER_SEARCH_ROWS looks like a header (a
    chart, an empty sheet, a 说明 sheet). ``header_at`` (1-based) is the row the user pointed at as the header
    (the wizard lets them correct the detection): it is taken as the (first) header row."""
    words = _words()
    texts: dict[int, list[str]] = {}

    def texts_of(k: int) -> list[str]:
        if k not in texts:
            texts[k] = [header_text(v) for v in rows[k]]
        return texts[k]

    def group_row(upper: int, lower: int) -> bool:
        return 0 <= upper and lower < len(rows) and _is_group_row(rows[upper], texts_of(upper), texts_of(lower),
                                                                 is_header_word, words)

    if header_at is not None:
        if not 1 <= header_at <= len(rows):
            raise UserError(f"工作表“{name}”只有 {len(rows)} 行，没有第 {header_at} 行，请另选表头所在的行")
        first = header_at - 1
        second = first + 1 if group_row(first, first + 1) else None
    else:
        best, best_score = None, 1  # at least two header words
        for k in range(min(words.search_rows, len(rows))):
            score = sum(1 for t in texts_of(k) if t and is_header_word(t))
            if score > best_score:  # ties: the upper row
                best, best_score = k, score
        if best is None:
            return None
        if group_row(best - 1, best):  # the best row is the lower row of a two-row header
            first, second = best - 1, best
        elif group_row(best, best + 1):
            first, second = best, best + 1
        else:
            first, second = best, None
    if second is None:
        header_rows = (first + 1,)
        headers = texts_of(first)[:_extent(texts_of(first))]
    else:
        header_rows = (first + 1, second + 1)
        headers = _joined(texts_of(first), texts_of(second))
    last_header = header_rows[-1] - 1

    title_parts: list[str] = []
    filing: dict[str, str] = {}
    before = [_above(k + 1, rows[k], words, title_parts, filing) for k in range(first)]

    # The header rows' cells as written and the columns holding header words: a row repeating them is the
    # header again (a book printed page by page and pasted together).
    probes = []
    for k in range(first, last_header + 1):
        cols = [c for c, t in enumerate(texts_of(k)) if t and is_header_word(t)]
        if len(cols) >= 2:
            probes.append((rows[k], cols))

    below, widest = _classify(rows, last_header + 1, headers, probes, words, filing)
    if widest > len(headers):
        headers = headers + [""] * (widest - len(headers))  # data in columns without a header: shown, for mapping
    return SheetLayout(name, header_rows, headers, before, below, " ".join(title_parts), filing)


def _above(number: int, row: Sequence[object], words: _Words, title: list[str], filing: dict[str, str]) -> LedgerRow:
    """A row above the header: blank, a 填报 line (its values added to ``filing``) or a title (added to ``title``)."""
    values = tuple(row)
    filled = _filled(row)
    if not filled:
        return LedgerRow(number, BLANK, values, WHY_BLANK)
    said = _filing(row, words)
    if said is not None:
        found, head = said
        for key, value in found.items():
            filing.setdefault(key, value)
        title.extend(t for t in (_squeezed(h) for h in head) if t)
        return LedgerRow(number, FILING, values, WHY_FILING)
    title.extend(t for t in (_squeezed(_plain(row[i])) for i in filled) if t)
    return LedgerRow(number, TITLE, values, WHY_TITLE)


def _classify(rows: list[list[object]], start: int, headers: list[str],
              probes: list[tuple[Sequence[object], list[int]]], words: _Words,
              filing: dict[str, str]) -> tuple[list[LedgerRow], int]:
    """Every row from ``start`` (0-based) on, and one past the rightmost column holding data.

    A row is BLANK (nothing, or only a 序号 in the table's first column), TOTAL/SUBTOTAL (合计/小计 among its
    first three filled cells or as its first text), FOOTER (a signer or a note as its first or second text),
    FILING (a 填报 label first), HEADER (the header again), TITLE (one text alone in the first column, a
    section's name), else DATA. After a FOOTER, a row that is none of these is FOOTER too unless it looks like
    data (data_after_footer_min_cells cells, one of them a number, a date or a text with digits): so the lines
    of 填表说明 and the names under the signature labels are skipped, a payment pasted under them is not.
    """
    role_re, signer_re, note_re, filing_re = words.role, words.signer, words.note, words.filing_start
    starts = words.starts
    left = next((c for c, t in enumerate(headers) if t), 0)
    widest = len(headers)
    out: list[LedgerRow] = []
    totals: list[tuple[int, str]] = []  # (index in out, "total", "subtotal" or "running")
    tail_why = ""       # once a footer is seen: why the rows after it that are not data are skipped
    after_total = False  # the last filled row was a 合计/小计: an "其中" row below it is its breakdown
    for k in range(start, len(rows)):
        row = rows[k]
        number = k + 1
        filled = [i for i, v in enumerate(row) if v is not None and (v.__class__ is not str or v.strip())]  # _filled
        if not filled:
            out.append(LedgerRow(number, BLANK, tuple(row), WHY_BLANK))
            continue
        if len(filled) == 1 and filled[0] <= left and _serial(row[filled[0]]):
            out.append(LedgerRow(number, BLANK, tuple(row), WHY_SERIAL_ONLY))
            continue

        # 合计/小计: among the first three filled cells, or the first text further right. ``first_texts``: the
        # first two texts that may start with one of the words (a name's first character mostly cannot).
        match = None
        first_texts: list[tuple[int, str]] = []  # (1 or 2: the row's first or second text, the text)
        texts = 0
        for n, i in enumerate(filled):
            v = row[i]
            if v.__class__ is str:  # a formula without a saved value is a str subclass, and no words
                texts += 1
                if texts <= 2 and (v[0] in starts or v[0].isspace()):
                    if match is None and (n < 3 or texts == 1):
                        match = role_re.match(v)
                    first_texts.append((texts, v))
            if n >= 2 and texts >= 2:
                break
        if match is not None:
            kind = match.lastgroup
            label = _squeezed(match.string)
            if kind == "breakdown":
                if after_total:
                    out.append(LedgerRow(number, AGGREGATE, tuple(row), WHY_BREAKDOWN, label))
                    continue
            else:
                totals.append((len(out), kind))
                role, why = (SUBTOTAL, WHY_SUBTOTAL) if kind == "subtotal" else (TOTAL, WHY_TOTAL)
                out.append(LedgerRow(number, role, tuple(row), why, label))
                after_total = True
                continue

        # Signatures, notes, a 填报 line: the first or second text of the row.
        why = ""
        for ordinal, text in first_texts:
            if signer_re.match(text):
                why = WHY_SIGNATURES
            elif ordinal == 1 and len(filled) <= 2 and row[filled[0]] is text and note_re.match(text):
                why = WHY_NOTES
            elif ordinal == 1 and filing_re.match(text):
                said = _filing(row, words)
                if said is not None:
                    for key, value in said[0].items():
                        filing.setdefault(key, value)
                out.append(LedgerRow(number, FILING, tuple(row), WHY_FILING))
                tail_why = tail_why or WHY_SIGNATURES
                why = "filed"
            if why:
                break
        if why == "filed":
            continue
        if why:
            out.append(LedgerRow(number, FOOTER, tuple(row), why))
            tail_why = why
            after_total = False
            continue

        if probes and _repeats_header(row, probes):
            out.append(LedgerRow(number, HEADER, tuple(row), WHY_REPEATED_HEADER))
            continue
        if k == start and _column_numbers(row, filled):
            out.append(LedgerRow(number, HEADER, tuple(row), WHY_COLUMN_NUMBERS))
            continue
        if tail_why and not (len(filled) >= words.min_cells and any(_numberish(row[i]) for i in filled)):
            out.append(LedgerRow(number, FOOTER, tuple(row), tail_why))
            continue
        if len(filled) == 1 and filled[0] <= left and isinstance(row[filled[0]], str) and row[filled[0]]:
            out.append(LedgerRow(number, TITLE, tuple(row), WHY_TITLE))  # a section's name: "二月份"
            continue
        out.append(LedgerRow(number, DATA, tuple(row)))
        after_total = False
        if filled[-1] >= widest:
            widest = filled[-1] + 1
    _settle_totals(out, totals)
    return out, widest


def _settle_totals(out: list[LedgerRow], totals: list[tuple[int, str]]) -> None:
    """Of several 合计 rows in a sheet, the last is the sheet's; the earlier ones (本页合计, 一月合计) are checked as
    小计. A 累计 after a 合计 includes earlier periods (本月合计, then 本年累计): skipped, not checked; a 累计 after
    小计 rows only (一月小计 … 十二月小计, 累计) is the sheet's 合计."""
    kept = []
    seen_total = False
    for at, kind in totals:
        if kind == "running" and seen_total:
            out[at] = replace(out[at], role=AGGREGATE, why=WHY_RUNNING)
            continue
        if kind != "subtotal":
            kept.append(at)
            seen_total = True
    for at in kept[:-1]:
        out[at] = replace(out[at], role=SUBTOTAL, why=f"{WHY_SUBTOTAL}（{out[at].label}，后面还有合计）")


def _repeats_header(row: Sequence[object], probes: list[tuple[Sequence[object], list[int]]]) -> bool:
    """Whether the row has, in the header's columns, the header's own texts (at least two of them)."""
    width = len(row)
    for raw, cols in probes:
        # Cheap first: one of its first two header words in place (almost every data row stops here).
        first, second = cols[0], cols[1]
        if not (first < width and row[first] == raw[first] or second < width and row[second] == raw[second]):
            continue
        if sum(1 for c in cols if c < width and row[c] == raw[c]) >= 2:
            return True
    return False


_COLUMN_LETTERS = frozenset("甲乙丙丁戊己庚辛")


def _column_numbers(row: Sequence[object], filled: list[int]) -> bool:
    """A row of column numbers under the header (1, 2, 3 … or 甲, 乙, 1, 2 …) as statistics forms have."""
    numbers = []
    for i in filled:
        v = row[i]
        if isinstance(v, str) and v.strip() in _COLUMN_LETTERS:
            continue
        if not _serial(v):
            return False
        numbers.append(int(float(_squeezed(v) if isinstance(v, str) else v)))
    return len(numbers) >= 3 and numbers == list(range(numbers[0], numbers[0] + len(numbers)))
