"""An old ledger's people and payments as rows of the exchange format, so the same checks and importer take them.

What each becomes (EXCHANGE.md, "What it becomes"):
- one household per 身份证号. One the archive already has (as head, or as a family member) keeps its 档案编号 and
  is not rewritten: the lines are booked to it, and where the book says otherwise than the archive, a warning
  lists it. A new one takes the book's 档案编号 where it has a free one, else the next of the office's numbering
  (<单位代码>-<年>-<序号>); 档案状态 在档 unless a column says otherwise; 建档日期 from a column, else the earliest
  payment to the person in the book, else the year the title or 填报日期 names (1 January), else the year the
  user gives; 困难类别 from a column, else 待核定 (资料不全 until the office sets it);
- its members, from member rows or member columns;
- paid lines grouped into batches (已发放): one per sheet (or per 活动 the book names) × 救助类别 × month paid;
  a line without a 资金来源 is booked to 未注明, so the fund report shows it honestly.

Batch codes and 明细编号 come from the book's name and the rows' content, not from a counter: importing the same
book again writes the same keys (and changes nothing), and a corrected book keeps the keys of the lines it did
not change. ``Translated.origins`` says for each row written which row of the book it came from, so that every
issue the checks find can name the book's sheet, row and header.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from ...core import field_rules as rules
from ...core.idcard import check_digit
from ...core.text import normalise
from .. import format as fmt
from ..validate import CellError, Issue, _blank, _text, parse_date
from .reading import LedgerPerson, Origin, SheetRecords
from .words import activity_of, aid_category_of

PENDING_CATEGORY = "待核定"  # 困难类别 of a household the book does not say: the office sets it (资料不全 till then)
UNNAMED_SOURCE = "未注明"   # 资金来源 of a line the book does not say
BOOK_PREFIX = "TZ"          # 台账: batch codes of old ledgers, <单位代码>-TZ<年月>-<book's mark>
NAME_LENGTH = rules.BATCH_NAME.max_chars
PAID_AT = fmt.BATCHES.headers.index("发放日期")
# Each format sheet's headers, once: Sheet.headers builds its tuple again on every call (a row per line).
HEADERS: dict[str, tuple[str, ...]] = {s.name: s.headers for s in (fmt.HOUSEHOLDS, fmt.MEMBERS, fmt.BATCHES,
                                                                      fmt.AID_RECORDS)}


@dataclass
class Translated:
    sheets: dict[str, list[list[object]]] = field(default_factory=dict)  # format sheet → [headers, rows…]
    origins: dict[str, list[Origin]] = field(default_factory=dict)       # format sheet → each row's origin
    warnings: list[Issue] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    new_households: int = 0
    matched_households: int = 0
    book_mark: str = ""
    book_title: str = ""   # the book's file name without its suffix: batches are named after it
    year: int | None = None

    def add(self, sheet: fmt.Sheet, values: dict[str, object], origin: Origin) -> list[object]:
        """Add a row; the row itself (a batch's 发放日期 is set on it as later lines come)."""
        headers = HEADERS[sheet.name]
        rows = self.sheets.get(sheet.name)
        if rows is None:
            rows = self.sheets[sheet.name] = [list(headers)]
        row = [values.get(h) for h in headers]
        rows.append(row)
        self.origins.setdefault(sheet.name, []).append(origin)
        return row


@dataclass(frozen=True)
class Archive:
    """What the database already knows of an ID number (db/ledger_matches.Match, as this module needs it); for a
    head, the archive as a 困难职工档案 row (``stored``) and when it was last changed (``updated``, ISO)."""

    archive_no: str
    head: bool
    name: str
    status: str
    stored: dict | None = None
    updated: str = ""


def batch_code(unit: str, year: int, month: int, book: str, group: str) -> str:
    """<单位代码>-TZ<年><月>-<the book's mark><the group's>: a book's batches are found again by its mark."""
    return f"{unit}-{BOOK_PREFIX}{year:04d}{month:02d}-{book}{group}"


def book_batches_like(unit: str, book: str) -> str:
    """A LIKE pattern for the batch codes of one book of ``unit`` (:func:`batch_code`)."""
    return f"{unit}-{BOOK_PREFIX}______-{book}%"


def _stem(book_name: str) -> str:
    return re.sub(r"\.(xlsx|xlsm|xls|csv|ods)$", "", book_name.strip(), flags=re.IGNORECASE)


def book_mark(book_name: str) -> str:
    """Six characters naming the book in its batch codes: the same file name gives the same mark."""
    return hashlib.sha1(_stem(book_name).encode("utf-8")).hexdigest()[:6].upper()


# A person's ID is on each of their rows: computed once (typed: the cells 1, 1.0 and True are kept apart).
@lru_cache(maxsize=1 << 14, typed=True)
def _id_key(value: object) -> str:
    """The ID number as a grouping key: the text a clerk wrote, half-width, upper-case, an old 15-digit number as
    the 18-digit one it became (books write the same person both ways); the checks parse it."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = normalise(_text(value)).upper()
    if len(text) == 15 and text.isascii() and text.isdigit():
        first17 = text[:6] + "19" + text[6:]
        return first17 + check_digit(first17)
    return text


@lru_cache(maxsize=1 << 12, typed=True)  # a book pays on a few days a month: each cell parsed once
def _day(value: object) -> date | None:
    if _blank(value):
        return None
    try:
        return date.fromisoformat(parse_date(value))
    except CellError:
        return None


_YEAR_IN_TEXT = re.compile(r"(19[5-9]\d|20\d\d)\s*年")


def year_named(records: list[SheetRecords]) -> int | None:
    """The year a book's titles or 填报 lines name ("2015年困难职工帮扶台账", "填报日期：2016年1月5日" names 2016 as
    the day, but the title's year comes first)."""
    for r in records:
        m = _YEAR_IN_TEXT.search(r.title or "")
        if m:
            return int(m[1])
    for r in records:
        for text in r.filing.values():
            m = _YEAR_IN_TEXT.search(text)
            if m:
                return int(m[1])
    return None


def translate(records: list[SheetRecords], *, book_name: str, unit: str, archives: dict[str, Archive],
              numbers: Callable[[int], str], taken: set[str], given_year: int | None, today: date) -> Translated:
    """The exchange format's rows for a book's records.

    ``archives``: what the database knows of the book's ID numbers (head's or member's household);
    ``numbers(year)``: the first free 档案编号 of the office's numbering for a year; ``taken``: the 档案编号 of
    the book's own column that the database has already (they cannot be a new household's).
    """
    out = Translated(book_mark=book_mark(book_name), book_title=_stem(book_name))
    named_year = year_named(records)
    fallback_year = named_year or given_year
    people: dict[str, list[LedgerPerson]] = {}  # ID key → the rows naming that head
    first_paid: dict[str, date] = {}
    last_paid: dict[str, date] = {}
    for r in records:
        for person in r.people:
            people.setdefault(_id_key(person.values.get("身份证号")), []).append(person)
        for p in r.payments:
            paid = _day(p.values.get("发放日期"))
            key = _id_key(p.household.values.get("身份证号"))
            if paid and (key not in first_paid or paid < first_paid[key]):
                first_paid[key] = paid
            if paid and (key not in last_paid or paid > last_paid[key]):
                last_paid[key] = paid
    book_day = filed_on(records) or (date(named_year, 12, 31) if named_year else None)

    archive_of: dict[str, str] = {}     # ID key → 档案编号 the lines are booked to
    next_seq: dict[int, tuple[str, int]] = {}
    for key, rows in people.items():
        first = rows[0]
        known = archives.get(key)
        if known is not None:
            archive_of[key] = known.archive_no
            out.matched_households += 1
            _update_known(out, rows, known, last_paid.get(key) or book_day)
            continue
        values = _merged(rows)
        created = _day(values.get("建档日期"))
        if created is None:
            created = first_paid.get(key) or (date(fallback_year, 1, 1) if fallback_year else None)
        if created is None:
            out.errors.append(Issue(first.origin.sheet, first.origin.row, first.origin.headers.get("姓名", "姓名"),
                                    _text(values.get("姓名")),
                                    "看不出建档日期：台账没有建档日期列，也没有发放日期，标题中也没有年份。"
                                    "请在向导中填写台账所属的年度（命令行加 --year 年度）后重新导入"))
            created = today
        no = _text(values.get("档案编号"))
        if not no or no.upper() in taken:
            no = _next_number(next_seq, numbers, created.year)
        taken.add(no.upper())
        archive_of[key] = no
        out.new_households += 1
        row = {h: values.get(h) for h in fmt.HOUSEHOLDS.headers}
        row.update({"档案编号": no, "建档日期": created.isoformat(),
                    "困难类别": values.get("困难类别") if not _blank(values.get("困难类别")) else PENDING_CATEGORY,
                    "档案状态": values.get("档案状态") if not _blank(values.get("档案状态")) else "在档",
                    "所属单位代码": unit})
        out.add(fmt.HOUSEHOLDS, row, first.origin)
        seen: set[tuple[str, str]] = set()
        for person in rows:
            for m in person.members:
                who = (_text(m.values.get("姓名")), _id_key(m.values.get("身份证号")))
                if who in seen:
                    continue  # the same member on the head's every row of a payments ledger
                seen.add(who)
                member = {h: m.values.get(h) for h in fmt.MEMBERS.headers}
                member["档案编号"] = no
                out.add(fmt.MEMBERS, member, m.origin)

    _batches_and_lines(out, records, archive_of, unit, fallback_year)
    _history_findings(out)
    out.year = max((int(str(row[fmt.BATCHES.headers.index("年度")])) for row in out.sheets.get(fmt.BATCHES.name, [])[1:]),
                   default=None) or named_year or given_year
    return out


def _next_number(next_seq: dict[int, tuple[str, int]], numbers: Callable[[int], str], year: int) -> str:
    """The office's next 档案编号 for ``year``, counting on from the database's first free one."""
    if year not in next_seq:
        first = numbers(year)
        prefix, _dash, seq = first.rpartition("-")
        next_seq[year] = (prefix, int(seq))
    prefix, seq = next_seq[year]
    next_seq[year] = (prefix, seq + 1)
    return f"{prefix}-{seq:04d}"


def _merged(rows: list[LedgerPerson]) -> dict[str, object]:
    """A head's fields from every row naming them: the first non-blank value of each (a payments ledger repeats
    the person on each payment, sometimes with a column filled on one row only)."""
    out: dict[str, object] = {}
    blank: set[str] = set()  # the fields still blank in ``out``
    for person in rows:
        values = person.values
        if not blank and values.keys() <= out.keys():
            continue  # nothing this row could add (most of a person's rows in a ten-year ledger)
        for k, v in values.items():
            if k not in out or k in blank:
                out[k] = v
                if _blank(v):
                    blank.add(k)
                else:
                    blank.discard(k)
    return out


# What a book never changes in an archive it matched: its identity, its place and its status are the office's.
_KEPT = frozenset({"档案编号", "姓名", "身份证号", "档案状态", "建档日期", "所属单位代码", "退出日期", "退出原因"})


def filed_on(records: list[SheetRecords]) -> date | None:
    """The day a book was filled in, as its 填报日期 (or 制表日期) says."""
    for r in records:
        for label, text in r.filing.items():
            if "日期" in label:
                m = re.search(r"(\d{4})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})", text)
                if m:
                    try:
                        return date(int(m[1]), int(m[2]), int(m[3]))
                    except ValueError:
                        continue
    return None


def _same(a: object, b: object) -> bool:
    """The book's cell and the archive's value say the same (a date in any spelling, an ID in 15 or 18 digits)."""
    return normalise(_text(a)) == normalise(_text(b)) or _id_key(a) == _id_key(b) or (
        _day(a) is not None and _day(a) == _day(b))


def _update_known(out: Translated, rows: list[LedgerPerson], known: Archive, book_day: date | None) -> None:
    """A head the archive has: the archive is changed only where the book is newer than its last change and says
    what the archive lacks (an empty field filled, never one overwritten); where the two differ, a warning says so.
    A member's ID (a child paid 金秋助学) changes nothing of the archive."""
    first = rows[0]
    if not known.head or known.stored is None:
        return
    book = _merged(rows)
    where = (first.origin.sheet, first.origin.row)
    differ = [h for h, v in book.items() if h in known.stored and not _blank(v) and not _blank(known.stored[h])
              and not _same(v, known.stored[h]) and h != "档案编号"]
    if differ:
        said = "；".join(f"{first.origin.headers.get(h, h)}：台账为“{_text(book[h])}”，档案中为“{_text(known.stored[h])}”"
                        for h in differ)
        out.warnings.append(Issue(*where, first.origin.headers.get(differ[0], differ[0]), _text(book[differ[0]]),
                                  f"台账与档案{known.archive_no}（{known.name}）不同，档案未改动：{said}。请核对后在档案中修改"))
    lacking = [h for h, v in book.items() if h in known.stored and h not in _KEPT and not _blank(v)
               and _blank(known.stored[h])]
    if not lacking:
        return
    newer = book_day is not None and book_day.isoformat() > known.updated[:10]
    if not newer:
        out.warnings.append(Issue(*where, first.origin.headers.get(lacking[0], lacking[0]), "",
                                  f"台账中有档案{known.archive_no}没有的{'、'.join(lacking)}，但台账不比档案新"
                                  f"（档案{known.updated[:10]}更新过），未补入；请核对后在档案中补录"))
        return
    row = dict(known.stored)
    row.update({h: book[h] for h in lacking})
    out.add(fmt.HOUSEHOLDS, row, first.origin)
    out.warnings.append(Issue(*where, first.origin.headers.get(lacking[0], lacking[0]), "",
                              f"档案{known.archive_no}（{known.name}）没有{'、'.join(lacking)}，按台账补入"))


def _batches_and_lines(out: Translated, records: list[SheetRecords], archive_of: dict[str, str], unit: str,
                       fallback_year: int | None) -> None:
    batches: dict[str, list[object]] = {}
    seen_keys: dict[str, int] = {}
    marks: dict[tuple[str, str], str] = {}  # (活动 or sheet, 救助类别) → its mark: a few groups, on every line
    for r in records:
        for p in r.payments:
            v = p.values
            category_text, activity_text = _text(v.get("救助类别")), _text(v.get("活动"))
            category = aid_category_of(category_text, activity_text)
            paid = _day(v.get("发放日期"))
            paid_on = paid.isoformat() if paid else None
            year = paid.year if paid else fallback_year
            month = paid.month if paid else 0
            group = activity_text or r.summary.sheet
            said = category or category_text
            mark = marks.get((group, said))
            if mark is None:
                mark = marks[group, said] = hashlib.sha1(f"{group}|{said}".encode()).hexdigest()[:4].upper()
            code = batch_code(unit, year or 0, month, out.book_mark, mark)
            batch = batches.get(code)
            if batch is None:
                tail = f"{group}·{said or '帮扶'}" + (
                    f"·{year}年{month}月" if month else (f"·{year}年" if year else ""))
                room = NAME_LENGTH - len(tail) - 1  # named after the book first (EXCHANGE.md), cut to fit
                title = f"{out.book_title[:room]}·{tail}" if room > 0 and out.book_title else tail
                batch = out.add(fmt.BATCHES, {
                    "批次编号": code, "批次名称": title[:NAME_LENGTH],
                    "活动类型": activity_of(activity_text or category_text, category),
                    "年度": year, "状态": "已发放", "发放日期": None}, p.origin)
                batches[code] = batch
            if paid_on and (batch[PAID_AT] is None or paid_on > batch[PAID_AT]):
                batch[PAID_AT] = paid_on  # the batch was paid when its last line was
            idn = _id_key(v.get("身份证号"))
            digest = hashlib.sha1(f"{code}|{idn}|{paid}|{_text(v.get('金额'))}".encode()).hexdigest()
            base = f"{code}-{digest[:6].upper()}"
            k = seen_keys.get(base, 0)
            seen_keys[base] = k + 1
            record_no = f"{base}{k or ''}"
            line = dict(v)  # Translated.add takes the 帮扶明细 columns of it
            household_key = _id_key(p.household.values.get("身份证号"))
            source, method = v.get("资金来源"), v.get("发放方式")
            line.update({"明细编号": record_no, "批次编号": code, "档案编号": archive_of.get(household_key),
                         "救助类别": category or v.get("救助类别"),
                         "资金来源": source if not _blank(source) else UNNAMED_SOURCE,
                         "发放方式": method if not _blank(method) else (
                             "银行卡" if not _blank(v.get("银行卡号")) else "现金"),
                         "发放日期": paid_on or v.get("发放日期")})
            if line["救助类别"] == "助学救助" and _blank(line.get("学生姓名")) and idn != household_key:
                # Paid to a child of the household (金秋助学): the student is the one the line names.
                line["学生姓名"], line["学生身份证号"] = v.get("姓名"), v.get("身份证号")
            out.add(fmt.AID_RECORDS, line, p.origin)


def _history_findings(out: Translated) -> None:
    """History is history (EXCHANGE.md): what today's checks at payment would have found is said, not refused —
    送温暖 twice in a year to one household, a student aided twice in a year (core/aid_checks.py's rules)."""
    lines = out.sheets.get(fmt.AID_RECORDS.name, [])[1:]
    origins = out.origins.get(fmt.AID_RECORDS.name, [])
    kinds = {row[0]: row[2] for row in out.sheets.get(fmt.BATCHES.name, [])[1:]}  # 批次编号 → 活动类型
    at = {h: fmt.AID_RECORDS.headers.index(h) for h in ("批次编号", "档案编号", "发放日期", "学生身份证号")}
    seen: dict[tuple, Origin] = {}
    for row, origin in zip(lines, origins):
        year = str(row[at["发放日期"]] or "")[:4]
        keys = []
        if kinds.get(row[at["批次编号"]]) == "送温暖":
            keys.append(("送温暖", row[at["档案编号"]], year))
        if row[at["学生身份证号"]]:
            keys.append(("助学", _id_key(row[at["学生身份证号"]]), year))
        for key in keys:
            before = seen.setdefault(key, origin)
            if before is not origin:
                what = "本户这一年已领过送温暖" if key[0] == "送温暖" else "该学生这一年已获助学救助"
                out.warnings.append(Issue(origin.sheet, origin.row, "", "",
                                          f"{what}（{before.sheet}第{before.row}行）；今天发放时须审批人特批，"
                                          "旧台账是已发生的历史，照常导入"))
