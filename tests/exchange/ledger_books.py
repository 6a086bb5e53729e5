"""Old ledgers (旧台账) as offices keep them, written as real .xlsx files, each with the truth the builder knows.

The import of old books (EXCHANGE.md, "Old ledgers (旧台账)") is tested against these books: payments ledgers
(帮扶台账, 发放表) in three offices' styles, rosters (花名册) with members on the rows below or across in columns,
a mixed book with a 说明 sheet, an empty sheet and a chart sheet, and the issue's benchmark sizes. Every builder
returns a :class:`Book`: what each sheet holds (households, members, payments, its 合计 and 小计 figures, the
header rows, the columns with the field each fills, the rows to be skipped and why, the merged ranges) and the
faults written on purpose, so a test asserts against truths known before any code of ours reads the file.

Cells are written the way offices write them (EXCHANGE.md, "Cells"): dates as Excel dates and as text in five
spellings, amounts as numbers and text (¥, thousands separators, 元, full-width digits), ID numbers as text, as
old 15-digit numbers (as text or as a number: 15 digits survive in Excel), with stray spaces and a lowercase x,
phones as numbers. Which spelling a cell gets goes round a fixed cycle per book, so every spelling appears in
any book of a dozen rows; which person, amount and day is drawn from ``random.Random(seed)``: the same seed
gives the same book.

A 合计 or 小计 written as a formula (the "district" style) is stored as Excel stores it, the formula with its
result: openpyxl writes formulas without results, so the results are put into the saved file afterwards
(:func:`_keep_formula_results`). The other styles type the figure as a number, as many clerks do.

Field names in :class:`Column` are the exchange format's sheet and column ("困难职工档案.姓名", "家庭成员.关系",
"帮扶明细.金额"); "序号" is the ledger's own line number, which is no data; ``None`` is a column no field takes.
"""

from __future__ import annotations

import random
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.series import SeriesLabel
from openpyxl.drawing.spreadsheet_drawing import AbsoluteAnchor
from openpyxl.drawing.xdr import XDRPoint2D, XDRPositiveSize2D
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from aiddesk.core.idcard import make_id
from aiddesk.services.demo_households import demo_data

# ---- what a book holds ---------------------------------------------------------------------------------------

# Why a row is not data (EXCHANGE.md, "Rows"): the same words as the roles of aiddesk/exchange/ledger/layout.py,
# so a test compares the two directly. The header rows are listed in Sheet.header_rows, not here.
TITLE, FILING, BLANK, SUBTOTAL, TOTAL, FOOTER = "TITLE", "FILING", "BLANK", "SUBTOTAL", "TOTAL", "FOOTER"
# What a sheet is. The last three are no ledger: the import leaves them out with a warning.
PAYMENTS, ROSTER_ROWS, ROSTER_COLUMNS, TEXT, EMPTY, CHART = (
    "payments", "roster_member_rows", "roster_member_columns", "text", "empty", "chart")
# Faults written on purpose: each must make the import refuse the book at that row.
WRONG_TOTAL, NUMERIC_ID, BAD_AMOUNT = "wrong_total", "numeric_id", "bad_amount"

MONTHS = tuple(f"{m}月" for m in range(1, 13))
ARCHIVE, MEMBERS, AID = "困难职工档案", "家庭成员", "帮扶明细"


@dataclass(slots=True)
class Member:
    """A household member as the ledger lists them."""

    name: str
    relation: str      # as written (妻子, 儿子, 子女, 配偶 …)
    id_number: str     # the true 18-digit number; "" where the ledger gives none
    gender: str
    birth: date
    health: str = "健康"
    row: int = 0       # Excel row: the member's own row, or the household's row when members go across


@dataclass(slots=True)
class Household:
    """A household head (one per ID number) and the members the ledger lists."""

    name: str
    id_number: str     # the true 18-digit number, whatever spelling the cells use
    gender: str
    birth: date
    unit: str          # 工作单位
    hardship: str      # 困难类别 as written
    cause: str         # 主要致困原因
    phone: int
    address: str
    legacy: bool = False  # also written with the old 15-digit number on some rows
    members: list[Member] = field(default_factory=list)
    size: int = 1      # 家庭人口 (members a roster with member columns has no room for count too)
    row: int = 0       # Excel row of the head on a roster sheet

    @property
    def id15(self) -> str:
        """The old 15-digit number (issued to people born in the 1900s): 6 area digits, YYMMDD, 3 sequence."""
        return self.id_number[:6] + self.id_number[8:17]


@dataclass(slots=True)
class Payment:
    """One paid line (one 人次) of a payments sheet."""

    sheet: str
    row: int
    person: Household
    category: str      # 救助类别 as written (送温暖, 大病救助, 金秋助学 … in the "enterprise" style)
    aid_category: str  # the 救助类别 it is: 生活救助, 医疗救助 or 助学救助
    amount: Decimal    # what the line pays (for a BAD_AMOUNT line: what the clerk meant)
    paid_on: date
    fund_source: str   # "" where the cell is blank or the sheet has no such column (→ 未注明)
    method: str        # 发放方式; "" where the sheet has no such column
    id_cell: object    # the 身份证号 cell as written
    amount_cell: object
    date_cell: object
    fault: str = ""


@dataclass(slots=True)
class Column:
    """A column as the sheet heads it; ``header`` joins a two-row header's group and sub-header with "/"."""

    letter: str
    header: str
    field: str | None
    member: str = ""   # on a roster with member columns: whose column it is (配偶, 子女1 …)


@dataclass(slots=True)
class Skip:
    row: int
    kind: str          # TITLE, FILING, BLANK, SUBTOTAL, TOTAL, FOOTER
    text: str          # the row's first text ("" for a blank row)


@dataclass(slots=True)
class Fault:
    sheet: str
    row: int
    column: str        # the header of the column at fault, as written
    kind: str          # WRONG_TOTAL, NUMERIC_ID, BAD_AMOUNT
    value: object      # the cell as written


@dataclass
class Sheet:
    """What one sheet holds."""

    name: str
    kind: str
    header_rows: tuple[int, ...] = ()
    columns: list[Column] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    households: list[Household] = field(default_factory=list)   # roster sheets: the households in order
    total: Decimal | None = None        # the 合计 figure as the sheet states it
    total_row: int | None = None
    total_count: int | None = None      # the 人次 the 合计 row states, where it gives one
    subtotals: list[tuple[int, Decimal, int]] = field(default_factory=list)  # (row, figure, 人次 stated)
    skipped: list[Skip] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)               # a 说明 sheet's lines

    @property
    def amount_sum(self) -> Decimal:
        """The sum of the amounts the sheet's lines pay (equals ``total`` unless the 合计 is wrong)."""
        return sum((p.amount for p in self.payments), Decimal(0))

    def column(self, field_name: str, member: str = "") -> Column:
        return next(c for c in self.columns if c.field == field_name and c.member == member)

    def skipped_kinds(self) -> dict[int, str]:
        return {s.row: s.kind for s in self.skipped}


@dataclass
class Book:
    """A written book and what it holds."""

    path: Path
    sheets: list[Sheet]
    faults: list[Fault] = field(default_factory=list)
    style: str = ""    # a payments ledger's PAYMENT_STYLES key

    def sheet(self, name: str) -> Sheet:
        return next(s for s in self.sheets if s.name == name)

    @property
    def payments(self) -> list[Payment]:
        return [p for s in self.sheets for p in s.payments]

    @property
    def households(self) -> dict[str, Household]:
        """Every household the book names, by true ID number: roster heads and the people paid."""
        found: dict[str, Household] = {}
        for s in self.sheets:
            for h in s.households:
                found.setdefault(h.id_number, h)
            for p in s.payments:
                found.setdefault(p.person.id_number, p.person)
        return found

    @property
    def members(self) -> int:
        return sum(len(h.members) for h in self.households.values())

    def payments_per_sheet(self) -> dict[str, int]:
        return {s.name: len(s.payments) for s in self.sheets if s.kind == PAYMENTS}

    def totals(self) -> dict[str, Decimal | None]:
        return {s.name: s.total for s in self.sheets if s.kind == PAYMENTS}


# ---- people ---------------------------------------------------------------------------------------------------

# Rarer surnames a ledger must keep as written: compound ones and those read differently as surnames.
RARE_SURNAMES = ("欧阳", "尉", "司马", "上官", "诸葛", "覃", "冼", "单", "仇", "区", "解", "查")
_CHILD_RELATIONS = {"男": ("儿子", "子女", "子"), "女": ("女儿", "子女", "女")}


@cache
def _names() -> tuple[list[str], list[int], dict[str, str]]:
    data = demo_data().names
    surnames = list(data["surnames"])
    return surnames, [data["surnames"][s] for s in surnames], {
        "男": data["male"], "女": data["female"], "young男": data["young_male"], "young女": data["young_female"]}


@cache
def _places() -> tuple[list[tuple[str, str, list[str]]], list[str], list[str]]:
    """(area code, area name, streets), employers, mobile prefixes — from the demo's real place names."""
    places = demo_data().places
    areas = [(a["code"], a["name"], a["streets"]) for a in places["areas"]]
    employers = sorted({e[0] for u in demo_data().units["units"] for e in u.get("employers", [])})
    return areas, employers, places["mobile_prefixes"]


class People:
    """Draws people with valid, unique ID numbers whose digits agree with their birth date and sex."""

    def __init__(self, rng: random.Random, year: int):
        self.rng = rng
        self.year = year
        self._used: set[str] = set()
        self._rare = list(RARE_SURNAMES)  # every 7th head takes the next of these, so every book has some
        self._heads = 0

    def name(self, gender: str, born: date, surname: str | None = None) -> str:
        rng = self.rng
        surnames, weights, chars = _names()
        if surname is None:
            surname = rng.choices(surnames, weights)[0] if rng.random() > 0.06 else rng.choice(RARE_SURNAMES)
        pool = chars[("young" if born.year >= 1995 else "") + gender]
        return surname + "".join(rng.choice(pool) for _ in range(1 if rng.random() < 0.2 else 2))

    def id_number(self, area: str, born: date, gender: str) -> str:
        while True:
            seq = self.rng.randrange(0, 499) * 2 + (1 if gender == "男" else 0)  # odd 男, even 女
            number = make_id(area, born, seq)
            if number not in self._used:
                self._used.add(number)
                return number

    def born(self, first: int, last: int) -> date:
        return date(first, 1, 1) + timedelta(days=self.rng.randrange((date(last, 12, 31) - date(first, 1, 1)).days))

    def phone(self) -> int:
        _areas, _employers, prefixes = _places()
        return int(self.rng.choice(prefixes) + f"{self.rng.randrange(10 ** 8):08d}")

    def head(self, *, ages: tuple[int, int] = (28, 58)) -> Household:
        """A household head aged ``ages`` in the ledger's year, with no members yet."""
        rng = self.rng
        areas, employers, _prefixes = _places()
        area, area_name, streets = rng.choice(areas)
        gender = rng.choice("男女")
        born = self.born(self.year - ages[1], self.year - ages[0])
        hardship = ("低保户", "低保边缘户", "意外致困户")
        self._heads += 1
        surname = self._rare.pop(0) if self._rare and self._heads % 7 == 2 else None
        category = rng.choices(hardship, (35, 52, 13)[:len(hardship)])[0]
        cause = {"意外致困户": ("遭受意外事故", "遭受自然灾害"), "意外致困": ("遭受意外事故", "遭受自然灾害")}.get(
            category, ("下岗失业", "患重特大疾病", "子女上学", "无劳动能力", "社会保险待遇落实不到位"))
        return Household(
            name=self.name(gender, born, surname), id_number=self.id_number(area, born, gender), gender=gender,
            birth=born, unit=rng.choice(employers), hardship=category, cause=rng.choice(cause), phone=self.phone(),
            address=f"{area_name}{rng.choice(streets)}{rng.randrange(1, 300)}号", legacy=rng.random() < 0.3)

    def member(self, head: Household, relation: str, gender: str, born: date, *, surname: str | None = None,
               with_id: bool = True) -> Member:
        area = head.id_number[:6]
        if born > date(self.year, 10, 31):  # nobody born after the ledger was kept
            born = date(self.year, 10, 31) - timedelta(days=self.rng.randrange(1500))
        old = self.year - born.year >= 60
        health = self.rng.choices(("健康", "一般", "慢性病", "大病", "残疾"), (40, 20, 30, 5, 5) if old else (85, 6, 4, 3, 2))[0]
        return Member(self.name(gender, born, surname), relation, self.id_number(area, born, gender) if with_id else "",
                      gender, born, health)

    # The family shapes, in the order the first households take them (so a small roster has every relation
    # word the brief names); after those, drawn by weight.
    FAMILIES = ("couple_children", "single_parent", "with_parents", "three_generations", "grandchild_daughter",
                "couple", "alone", "couple_children")
    _GRANDPARENTS = ("three_generations", "grandchild_daughter")

    def household(self, n: int) -> Household:
        """The ``n``-th household (from 0) of a roster: a head and a family of the n-th shape of FAMILIES, then
        of shapes drawn by weight; a head with grandchildren is aged 58 to 68."""
        rng = self.rng
        if n < len(self.FAMILIES):
            shape = self.FAMILIES[n]
        else:
            shape = rng.choices(("couple_children", "couple", "single_parent", "with_parents", "three_generations",
                                 "alone"), (55, 10, 12, 12, 6, 5))[0]
        return self.family(self.head(ages=(58, 68) if shape in self._GRANDPARENTS else (28, 58)), shape)

    def family(self, head: Household, shape: str) -> Household:
        """Fill ``head.members`` with a family of ``shape``; relation words as ledgers write them."""
        rng = self.rng
        other = "女" if head.gender == "男" else "男"
        spouse_born = head.birth + timedelta(days=rng.randrange(-5 * 365, 5 * 365))
        # Children take the father's surname; a single mother's, hers.
        father_surname = head.name if head.gender == "男" or shape == "single_parent" else None
        members: list[Member] = []
        spouse = None
        if shape in ("couple_children", "couple", "with_parents", "three_generations", "grandchild_daughter"):
            word = rng.choice({"女": ("妻子", "妻子", "妻", "配偶"), "男": ("丈夫", "丈夫", "夫", "配偶")}[other])
            spouse = self.member(head, word, other, spouse_born)
            members.append(spouse)
            if head.gender == "女":
                father_surname = spouse.name
        surname = _surname_of(father_surname) if father_surname else None
        mother_born = head.birth if head.gender == "女" else spouse_born
        if shape in ("couple_children", "single_parent", "with_parents", "three_generations", "grandchild_daughter"):
            born = mother_born + timedelta(days=rng.randrange(22 * 365, 30 * 365))
            for _k in range(1 if shape in self._GRANDPARENTS else rng.choice((1, 1, 2, 2, 3))):
                gender = "男" if shape == "three_generations" else "女" if shape == "grandchild_daughter" else \
                    rng.choice("男女")
                word = rng.choice(_CHILD_RELATIONS[gender])
                members.append(self.member(head, word, gender, born, surname=surname,
                                           with_id=born.year < self.year - 1 or rng.random() < 0.5))
                born += timedelta(days=rng.randrange(550, 5 * 365))  # the next child, a year and a half or more on
        if shape == "with_parents":
            older = head.birth - timedelta(days=rng.randrange(22 * 365, 30 * 365))
            if rng.random() < 0.5:
                members.append(self.member(head, "父母", "女", older, with_id=rng.random() < 0.7))
            else:
                members.append(self.member(head, "母亲", "女", older))
                members.append(self.member(head, "父亲", "男", older - timedelta(days=800)))
        if shape == "three_generations":
            son = members[-1]
            members.append(self.member(head, "儿媳", "女", son.birth + timedelta(days=rng.randrange(-700, 700))))
            members.append(self.member(head, "孙子", "男", son.birth + timedelta(days=rng.randrange(24 * 365, 30 * 365)),
                                       surname=_surname_of(son.name)))
        if shape == "grandchild_daughter":
            daughter = members[-1]
            members.append(self.member(head, "外孙女", "女",
                                       daughter.birth + timedelta(days=rng.randrange(23 * 365, 29 * 365))))
        head.members = members
        head.size = 1 + len(members)
        return head


def _surname_of(name: str) -> str:
    return next((s for s in RARE_SURNAMES if len(s) == 2 and name.startswith(s)), name[0])


# ---- cells as offices write them --------------------------------------------------------------------------------

EXCEL_DATE, ISO, SLASH, DOT, CHINESE, DIGITS = "excel", "iso", "slash", "dot", "chinese", "digits"
DATE_SPELLINGS = (EXCEL_DATE, ISO, SLASH, DOT, CHINESE, DIGITS)
NUMBER, GROUPED, YUAN_SIGN, YUAN_SUFFIX, FULL_WIDTH = "number", "grouped", "yuan_sign", "yuan_suffix", "full_width"
AMOUNT_SPELLINGS = (NUMBER, GROUPED, YUAN_SIGN, YUAN_SUFFIX, FULL_WIDTH)
_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def date_cell(day: date, spelling: str) -> object:
    return {
        EXCEL_DATE: lambda: day,
        ISO: lambda: f"{day:%Y-%m-%d}",
        SLASH: lambda: f"{day.year}/{day.month}/{day.day}",
        DOT: lambda: f"{day.year}.{day.month}.{day.day}",
        CHINESE: lambda: f"{day.year}年{day.month}月{day.day}日",
        DIGITS: lambda: f"{day:%Y%m%d}",
    }[spelling]()


def number(amount: Decimal) -> int | float:
    """An amount as the number Excel keeps (a whole number of 元 is an int; 8613.45 is the float Excel holds)."""
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def amount_cell(amount: Decimal, spelling: str) -> object:
    whole = amount == amount.to_integral_value()
    plain = f"{amount:.0f}" if whole else f"{amount:.2f}"
    if spelling == NUMBER or (spelling == FULL_WIDTH and not whole):  # full-width only for whole 元
        return number(amount)
    return {GROUPED: f"{amount:,.2f}", YUAN_SIGN: f"¥{amount:,.2f}", YUAN_SUFFIX: f"{plain}元",
            FULL_WIDTH: plain.translate(_FULL_WIDTH)}[spelling]


def numeric_id(id_number: str) -> int:
    """An 18-digit ID typed into a General cell: Excel keeps 15 significant digits and shows the last three as 0."""
    return int(id_number[:15] + "000")


# ---- writing sheets ---------------------------------------------------------------------------------------------

_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_FONT = "宋体"
_TITLE_FONT = Font(name=_FONT, size=16, bold=True)
_HEAD_FONT = Font(name=_FONT, size=11, bold=True)
_CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="center")


class _Writer:
    """Writes one sheet row by row, keeping the row number and the truth of what each non-data row is."""

    def __init__(self, ws, truth: Sheet, width: int, *, boxed: bool = True):
        self.ws = ws
        self.truth = truth
        self.width = width
        self.boxed = boxed  # thin borders round the table's cells (left out at benchmark size: time)
        self.row = 0

    def merge(self, row: int, first: int, last: int, *, down: int = 0) -> None:
        ref = f"{get_column_letter(first)}{row}:{get_column_letter(last)}{row + down}"
        self.ws.merge_cells(ref)
        self.truth.merged.append(ref)

    def put(self, values: list[object], skip: str | None = None) -> int:
        self.ws.append(values)
        self.row += 1
        if skip is not None:
            text = next((str(v) for v in values if isinstance(v, str) and v.strip()), "")
            self.truth.skipped.append(Skip(self.row, skip, text))
        return self.row

    def title(self, text: str) -> None:
        """The title, merged over the table's width."""
        row = self.put([text], TITLE)
        cell = self.ws.cell(row, 1)
        cell.font = _TITLE_FONT
        cell.alignment = Alignment(horizontal="center", vertical="center")
        self.ws.row_dimensions[row].height = 30
        self.merge(row, 1, self.width)

    def blank(self) -> None:
        self.put([], BLANK)

    def line(self, text: str, kind: str, *, merged: bool = True) -> None:
        """A 填报 or footer line in one cell, merged over the table's width when ``merged``."""
        row = self.put([text], kind)
        self.ws.cell(row, 1).alignment = _LEFT
        if merged:
            self.merge(row, 1, self.width)

    def header(self, titles: list[str]) -> int:
        row = self.put(titles)
        for col in range(1, self.width + 1):
            cell = self.ws.cell(row, col)
            cell.font = _HEAD_FONT
            cell.alignment = _CENTRE
            cell.border = _BOX
        self.ws.row_dimensions[row].height = 30
        return row

    def box(self, row: int) -> None:
        if self.boxed:
            for col in range(1, self.width + 1):
                self.ws.cell(row, col).border = _BOX

    def widths(self, widths: list[float], *, header_rows: str) -> None:
        for k, w in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(k)].width = w
        setup = self.ws.page_setup
        setup.orientation = "landscape"
        setup.paperSize = self.ws.PAPERSIZE_A4
        setup.fitToWidth, setup.fitToHeight = 1, 0
        self.ws.sheet_properties.pageSetUpPr.fitToPage = True
        self.ws.print_title_rows = header_rows
        self.ws.page_margins.left = self.ws.page_margins.right = 0.4


def _footer_people(people: People) -> tuple[str, str, str]:
    born = date(1980, 1, 1)
    return tuple(people.name(g, born) for g in ("女", "男", "男"))  # 制表人, 审核人, 单位负责人


# ---- payments ledgers -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PaymentStyle:
    """How one office lays out its payments ledger."""

    headers: tuple[tuple[str, str | None], ...]  # (header as written, field) in column order
    widths: tuple[float, ...]
    filing: str | None       # "merged": 填报单位/填报日期 in one merged cell; "cells": labels and values apart
    blank_after_title: bool
    subtotals: bool          # a 小计 row after each 救助类别's lines
    total_word: str          # 合计 or 总计
    formulas: bool           # 小计/合计 as SUM formulas (with their results) rather than typed figures
    count_in_total: bool     # the 合计 row also states the 人次
    footer: str              # "merged", "cells" or "line" (one long unmerged cell)
    notes: bool              # a 填表说明 line under the footer
    title: str               # "{office}{year}年{period}…", formatted per sheet
    dates: tuple[str, ...]   # the date spellings, in the cycle the rows take them
    amounts: tuple[str, ...]
    ids: tuple[str, ...]     # "text", "spaced", "lower_x", "legacy", "legacy_number"
    aid_words: dict[str, tuple[str, ...]] | None = None  # 救助类别 → the words the office writes for it, in turn
    amount_format: str = "#,##0.00"
    date_format: str = "yyyy-mm-dd"


_F = {  # the fields a payments ledger fills
    "序号": "序号", "姓名": f"{ARCHIVE}.姓名", "身份证号": f"{ARCHIVE}.身份证号", "性别": f"{ARCHIVE}.性别",
    "工作单位": f"{ARCHIVE}.工作单位", "困难类别": f"{ARCHIVE}.困难类别", "主要致困原因": f"{ARCHIVE}.主要致困原因",
    "手机号码": f"{ARCHIVE}.手机号码", "救助类别": f"{AID}.救助类别", "金额": f"{AID}.金额", "发放日期": f"{AID}.发放日期",
    "资金来源": f"{AID}.资金来源", "发放方式": f"{AID}.发放方式", "备注": f"{AID}.备注",
}

# Each cycle: the office's habit most of the time, every other spelling once in a while.
_ALL_DATES = (EXCEL_DATE, ISO, EXCEL_DATE, SLASH, EXCEL_DATE, DOT, EXCEL_DATE, CHINESE, EXCEL_DATE, DIGITS)
_ALL_AMOUNTS = (NUMBER, GROUPED, NUMBER, YUAN_SIGN, NUMBER, YUAN_SUFFIX, NUMBER, FULL_WIDTH)

PAYMENT_STYLES: dict[str, PaymentStyle] = {
    # A city federation (市总工会): merged title and 填报 line, header on row 3, a typed 合计, a merged
    # signature footer and a 填表说明 line; every spelling of dates and amounts somewhere.
    "city": PaymentStyle(
        headers=(("序号", _F["序号"]), ("姓名", _F["姓名"]), ("身份证号码", _F["身份证号"]), ("性别", _F["性别"]),
                 ("工作单位", _F["工作单位"]), ("困难类型", _F["困难类别"]), ("帮扶类别", _F["救助类别"]),
                 ("救助金额（元）", _F["金额"]), ("发放时间", _F["发放日期"]), ("资金来源", _F["资金来源"]),
                 ("发放方式", _F["发放方式"]), ("备注", _F["备注"])),
        widths=(6, 10, 21, 6, 24, 11, 11, 13, 13, 13, 12, 16),
        filing="merged", blank_after_title=False, subtotals=False, total_word="合计", formulas=False,
        count_in_total=False, footer="merged", notes=True, title="{year}年{period}困难职工帮扶资金发放台账",
        dates=_ALL_DATES, amounts=_ALL_AMOUNTS,
        ids=("text", "legacy", "text", "spaced", "text", "legacy_number", "text", "lower_x")),
    # A district or industry union: a blank row under the title, 填报单位 and 填报日期 as labels with their
    # values in cells of their own, lines grouped by 救助项目 with 小计 rows, 合计 as formulas stating the
    # 人次, a phone column of numbers, a signature column nobody maps, footer names in separate cells.
    # Amounts stay numbers: Excel's SUM leaves text out, so a sheet whose 合计 is a formula has numbers.
    "district": PaymentStyle(
        headers=(("编号", _F["序号"]), ("姓名", _F["姓名"]), ("公民身份号码", _F["身份证号"]), ("性别", _F["性别"]),
                 ("联系电话", _F["手机号码"]), ("工作单位", _F["工作单位"]), ("困难类别", _F["困难类别"]),
                 ("救助项目", _F["救助类别"]), ("发放金额\n（元）", _F["金额"]), ("发放日期", _F["发放日期"]),
                 ("资金来源", _F["资金来源"]), ("发放方式", _F["发放方式"]), ("领款人签字", None),
                 ("备注", _F["备注"])),
        widths=(6, 10, 21, 6, 13, 24, 11, 11, 12, 13, 13, 12, 12, 14),
        filing="cells", blank_after_title=True, subtotals=True, total_word="合计", formulas=True,
        count_in_total=True, footer="cells", notes=False, title="{office}{year}年{period}困难职工救助金发放表",
        dates=(DOT, DOT, EXCEL_DATE, DOT, SLASH, DOT, CHINESE, DOT, ISO, DOT, DIGITS), amounts=(NUMBER,),
        ids=("text", "text", "legacy", "text", "spaced")),
    # An enterprise union: the title on row 1 and the header on row 2, no 填报 line, no 资金来源 nor 发放方式
    # column (the lines are booked to 未注明), amounts typed as text, the activity's name as the 救助类别
    # (送温暖, 大病救助, 金秋助学 …), a 总计 row, a one-cell footer.
    "enterprise": PaymentStyle(
        headers=(("序号", _F["序号"]), ("姓名", _F["姓名"]), ("身份证号", _F["身份证号"]), ("性别", _F["性别"]),
                 ("困难原因", _F["主要致困原因"]), ("救助类别", _F["救助类别"]), ("金额（元）", _F["金额"]),
                 ("发放日期", _F["发放日期"]), ("备注", _F["备注"])),
        widths=(6, 10, 21, 6, 18, 11, 13, 15, 20),
        filing=None, blank_after_title=False, subtotals=False, total_word="总计", formulas=False,
        count_in_total=False, footer="line", notes=False, title="{office}{year}年{period}困难职工慰问金发放表",
        dates=(CHINESE, EXCEL_DATE, CHINESE, ISO, CHINESE, SLASH), amounts=(GROUPED, YUAN_SUFFIX, GROUPED, NUMBER),
        ids=("text", "legacy", "text"),
        aid_words={"生活救助": ("送温暖", "生活救助", "困难补助"), "医疗救助": ("大病救助", "医疗救助"),
                   "助学救助": ("金秋助学", "助学金")}),
}

OFFICES = {"city": "海口市总工会", "district": "三亚市吉阳区总工会", "enterprise": "海南省商业总公司工会"}
_NOTES = {"生活救助": ("", "", "", "春节送温暖", "两节慰问", "代领：配偶"),
          "医疗救助": ("住院治疗", "大病救助", "", "术后康复"),
          "助学救助": ("金秋助学", "子女考入大学", "", "在校生")}
_SOURCES = ("中央财政", "省财政", "省总工会经费", "市县财政", "本级工会经费", "")


def _period(sheet: str) -> tuple[str, list[int]]:
    """The period a sheet's name says (for the title) and the months its lines are paid in."""
    m = re.fullmatch(r"(\d{1,2})月", sheet)
    if m:
        return sheet, [int(m.group(1))]
    q = "一二三四".find(sheet[:1]) if sheet.endswith("季度") else -1
    if q >= 0:
        return f"第{sheet}", [3 * q + 1, 3 * q + 2, 3 * q + 3]
    return "", list(range(1, 13))


def _excel_sum(lines: list[Payment]) -> Decimal:
    """What Excel's SUM gives over these lines' amount cells: text cells (a "1,00") are left out."""
    return sum((p.amount for p in lines if not isinstance(p.amount_cell, str)), Decimal(0))


def _category_for(rng: random.Random, month: int) -> str:
    """送温暖 around the Spring Festival, 金秋助学 in late summer, medical aid all year (the seed's mix)."""
    if month in (1, 2, 12):
        weights = (80, 15, 5)
    elif month in (7, 8, 9):
        weights = (15, 10, 75)
    else:
        weights = (55, 40, 5)
    return rng.choices(("生活救助", "医疗救助", "助学救助"), weights)[0]


def _amount_for(rng: random.Random, category: str) -> Decimal:
    if category == "生活救助":
        return Decimal(rng.choice((500, 600, 800, 1000, 1000, 1000, 1500, 2000)))
    if category == "助学救助":
        return Decimal(rng.choice((2000, 3000, 3000, 4000, 5000)))
    if rng.random() < 0.3:  # medical aid often reimburses a share of a bill: 分 and 角 appear
        return Decimal(rng.randrange(100_000, 1_000_000)) / 100
    return Decimal(rng.choice((2000, 3000, 5000, 8000, 10000)))


class _Cycle:
    """Goes round a tuple: the n-th call gets its n-th item (modulo its length)."""

    def __init__(self, items: tuple[str, ...]):
        self.items, self.n = items, 0

    def __call__(self) -> str:
        item = self.items[self.n % len(self.items)]
        self.n += 1
        return item


@dataclass
class _Plan:
    """One line to write: who, what, how much, when."""

    person: Household
    category: str
    amount: Decimal
    paid_on: date
    source: str
    method: str
    note: str
    fault: str = ""


class _PaymentsBook:
    """Writes payments sheets of one style into a workbook, sharing the cycles of spellings across sheets."""

    def __init__(self, wb: Workbook, style: PaymentStyle, people: People, office: str, pool: list[Household], *,
                 rename: dict[str, str] | None = None, boxed: bool = True):
        self.wb, self.style, self.people, self.office, self.boxed = wb, style, people, office, boxed
        self.rng = people.rng
        self.pool = pool
        self.unpaid = list(pool)  # everyone is paid once, in the pool's order, before anyone is drawn again
        self.headers = [(rename or {}).get(h, h) for h, _f in style.headers]
        self.fields = [f for _h, f in style.headers]
        self.dates, self.amounts, self.ids = _Cycle(style.dates), _Cycle(style.amounts), _Cycle(style.ids)
        self.id_waiting: str | None = None
        self.formulas: dict[str, dict[str, Decimal]] = {}
        self.faults: list[Fault] = []

    def person(self) -> Household:
        return self.unpaid.pop(0) if self.unpaid else self.rng.choice(self.pool)

    def plan(self, year: int, months: list[int], rows: int, *, again: Household | None = None) -> list[_Plan]:
        """``rows`` lines paid in ``months`` of ``year`` on two pay days a month. The last line (of four or more)
        pays the first line's person again under another 救助类别 (two lines of one person in one sheet);
        ``again``, someone paid in an earlier sheet, is paid on the second line."""
        rng = self.rng
        pay_days = sorted({date(year, m, d) for m in months for d in rng.sample(range(5, 29), 2)})
        plans: list[_Plan] = []
        for k in range(rows):
            day = pay_days[k * len(pay_days) // rows]
            category = _category_for(rng, day.month)
            if k == rows - 1 and rows >= 4:
                person = plans[0].person
                category = "医疗救助" if plans[0].category != "医疗救助" else "生活救助"
            else:
                person = again if k == 1 and again is not None else self.person()
            source = rng.choice(_SOURCES) if rng.random() < 0.1 else rng.choice(_SOURCES[:-1])
            method = rng.choices(("会员服务卡", "银行卡", "现金"), (80, 15, 5))[0]
            plans.append(_Plan(person, category, _amount_for(rng, category), day, source, method,
                               rng.choice(_NOTES[category])))
        return plans

    def sheet(self, name: str, year: int, plans: list[_Plan], *, wrong_total: bool = False) -> Sheet:
        style = self.style
        ws = self.wb.create_sheet(name)
        truth = Sheet(name, PAYMENTS)
        width = len(style.headers)
        w = _Writer(ws, truth, width, boxed=self.boxed)
        period, _months = _period(name)
        w.title(style.title.format(office=self.office, year=year, period=period))
        if style.blank_after_title:
            w.blank()
        last_day = max((p.paid_on for p in plans), default=date(year, 12, 31))
        filed = date(last_day.year + last_day.month // 12, last_day.month % 12 + 1, 5)
        if style.filing == "merged":
            w.line(f"填报单位：{self.office}（盖章）　　　　　　　　填报日期：{filed.year}年{filed.month}月{filed.day}日",
                   FILING)
        elif style.filing == "cells":
            row = w.put(["填报单位：", None, self.office] + [None] * (width - 7) + ["填报日期：", filed], FILING)
            ws.cell(row, width - 2).number_format = "yyyy年m月d日"
            ws.cell(row, width - 2).alignment = _LEFT
            w.merge(row, 1, 2)
            w.merge(row, 3, 6)
            w.merge(row, width - 2, width)
        header = w.header(self.headers)
        truth.header_rows = (header,)
        truth.columns = [Column(get_column_letter(k), h, f)
                         for k, (h, f) in enumerate(zip(self.headers, self.fields), start=1)]
        amount_col = self.fields.index(_F["金额"]) + 1
        amount_letter = get_column_letter(amount_col)
        formulas = self.formulas.setdefault(name, {})
        if style.subtotals:  # grouped by 救助类别, in the order the categories first appear
            order = list(dict.fromkeys(p.category for p in plans))
            groups = [[p for p in plans if p.category == c] for c in order]
        else:
            groups = [plans]
        serial = 0
        for group in groups:
            first_row = w.row + 1
            lines = []
            for plan in group:
                serial += 1
                lines.append(self._line(w, serial, plan, name))
            truth.payments += lines
            if style.subtotals:
                row = w.put(["小计", f"{len(group)}人次"] + [None] * (width - 2), SUBTOTAL)
                ref = f"{amount_letter}{row}"
                ws[ref] = f"=SUM({amount_letter}{first_row}:{amount_letter}{row - 1})"
                formulas[ref] = figure = _excel_sum(lines)
                ws[ref].number_format = style.amount_format
                w.box(row)
                truth.subtotals.append((row, figure, len(group)))
        cells: list[object] = [style.total_word] + [None] * (width - 1)
        if style.count_in_total:
            cells[1] = f"{len(plans)}人次"
            truth.total_count = len(plans)
        row = w.put(cells, TOTAL)
        ref = f"{amount_letter}{row}"
        if wrong_total:  # typed over by hand: a formula would have added up
            total = truth.amount_sum + 100
            ws[ref] = number(total)
        elif style.formulas and truth.subtotals:
            ws[ref] = "=" + "+".join(f"{amount_letter}{r}" for r, _f, _n in truth.subtotals)
            formulas[ref] = total = sum((f for _r, f, _n in truth.subtotals), Decimal(0))
        elif style.formulas:
            ws[ref] = f"=SUM({amount_letter}{header + 1}:{amount_letter}{row - 1})"
            formulas[ref] = total = _excel_sum(truth.payments)
        else:
            total = truth.amount_sum
            ws[ref] = number(total)
        ws[ref].number_format = style.amount_format
        ws.cell(row, 1).font = _HEAD_FONT
        if not style.count_in_total:
            w.merge(row, 1, amount_col - 1)
            ws.cell(row, 1).alignment = Alignment(horizontal="center")
        w.box(row)
        truth.total, truth.total_row = total, row
        if wrong_total:
            self.faults.append(Fault(name, row, self.headers[amount_col - 1], WRONG_TOTAL, ws[ref].value))
        self._footer(w)
        w.widths(list(style.widths), header_rows=f"{header}:{header}")
        ws.freeze_panes = ws.cell(header + 1, 1)
        return truth

    def _line(self, w: _Writer, serial: int, plan: _Plan, sheet: str) -> Payment:
        style, person = self.style, plan.person
        id_cell = numeric_id(person.id_number) if plan.fault == NUMERIC_ID else self._id_cell(person)
        amount = plan.amount
        words = (style.aid_words or {}).get(plan.category, (plan.category,))
        written = words[serial % len(words)]
        a_cell = "1,00" if plan.fault == BAD_AMOUNT else amount_cell(amount, self.amounts())
        d_cell = date_cell(plan.paid_on, self.dates())
        values = {
            "序号": serial, _F["姓名"]: person.name, _F["身份证号"]: id_cell, _F["性别"]: person.gender,
            _F["工作单位"]: person.unit, _F["困难类别"]: person.hardship, _F["主要致困原因"]: person.cause,
            _F["手机号码"]: person.phone, _F["救助类别"]: written,
            _F["金额"]: a_cell, _F["发放日期"]: d_cell, _F["资金来源"]: plan.source or None,
            _F["发放方式"]: plan.method, _F["备注"]: plan.note or None,
        }
        row = w.put([values.get(f) for f in self.fields])
        ws = w.ws
        for k, f in enumerate(self.fields, start=1):
            cell = ws.cell(row, k)
            if f == _F["身份证号"] and isinstance(id_cell, str):
                cell.number_format = "@"
            elif f == _F["金额"] and not isinstance(a_cell, str):
                cell.number_format = style.amount_format
            elif f == _F["发放日期"] and not isinstance(d_cell, str):
                cell.number_format = style.date_format
        w.box(row)
        has = set(self.fields)
        payment = Payment(sheet, row, person, written, plan.category, amount, plan.paid_on,
                          plan.source if _F["资金来源"] in has else "", plan.method if _F["发放方式"] in has else "",
                          id_cell, a_cell, d_cell, plan.fault)
        if plan.fault:
            column = self.headers[self.fields.index(_F["身份证号"] if plan.fault == NUMERIC_ID else _F["金额"])]
            self.faults.append(Fault(sheet, row, column, plan.fault, id_cell if plan.fault == NUMERIC_ID else a_cell))
        return payment

    def _id_cell(self, person: Household) -> object:
        """The person's ID number in the next spelling of the cycle. A spelling this person's number cannot take
        (an old 15-digit one for a number never issued so, a lowercase x for a number without X) waits for the
        next person who can: every spelling of the cycle appears in any book long enough."""
        spelling = self.id_waiting or self.ids()
        self.id_waiting = None
        if spelling in ("legacy", "legacy_number") and not person.legacy or \
                spelling == "lower_x" and not person.id_number.endswith("X"):
            self.id_waiting = spelling
            return person.id_number
        return {
            "text": person.id_number,
            "spaced": person.id_number + " ",                  # a stray space typed after it
            "lower_x": person.id_number.lower(),
            "legacy": person.id15,
            "legacy_number": int(person.id15),                 # 15 digits survive in a General cell
        }[spelling]

    def _footer(self, w: _Writer) -> None:
        maker, checker, head = _footer_people(self.people)
        style = self.style
        if style.footer == "cells":
            w.blank()
            cells: list[object] = [None] * w.width
            cells[0], cells[4], cells[9] = f"制表人：{maker}", f"审核人：{checker}", f"单位负责人：{head}"
            w.put(cells, FOOTER)
        else:
            w.line(f"制表人：{maker}　　　　　　审核人：{checker}　　　　　　单位负责人：{head}", FOOTER,
                   merged=style.footer == "merged")
        if style.notes:
            w.line("填表说明：1.身份证号码须填写18位；2.发放方式填写会员服务卡、银行卡或现金；"
                   "3.现金发放的须附实名制签领表。", FOOTER)


def payments_ledger(path: Path, *, year: int = 2015, sheets: tuple[str, ...] = MONTHS, rows_per_sheet: int = 12,
                    seed: int = 1, style: str = "city", office: str | None = None, wrong_total: bool = False,
                    numeric_id: bool = False, bad_amount: bool = False, rename: dict[str, str] | None = None) -> Book:
    """A payments ledger (帮扶台账/发放表): one sheet per month (or quarter, or the year), one line per payment.

    ``style`` is one of :data:`PAYMENT_STYLES` ("city", "district", "enterprise"); ``rename`` changes header
    texts (e.g. ``{"救助金额（元）": "慰问金"}``: a column the aliases miss, for the mapping step). The faults,
    each on the first sheet: ``wrong_total`` its 合计 100 元 over the lines' sum; ``numeric_id`` an 18-digit ID
    stored as a number on its third line; ``bad_amount`` "1,00" as the amount of its second line.
    """
    rng = random.Random(seed)
    people = People(rng, year)
    chosen = PAYMENT_STYLES[style]
    pool = [people.head() for _ in range(max(3, rows_per_sheet * len(sheets) * 2 // 3))]
    wb = Workbook()
    wb.remove(wb.active)
    book = _PaymentsBook(wb, chosen, people, office or OFFICES[style], pool, rename=rename)
    truths: list[Sheet] = []
    for k, name in enumerate(sheets):
        plans = book.plan(year, _period(name)[1], rows_per_sheet, again=_paid_in_january(name, truths))
        if k == 0:
            _faults(plans, numeric_id=numeric_id, bad_amount=bad_amount)
        truths.append(book.sheet(name, year, plans, wrong_total=wrong_total and k == 0))
    written = _save(wb, path, truths, book.faults, book.formulas)
    written.style = style
    return written


def _paid_in_january(name: str, earlier: list[Sheet]) -> Household | None:
    """For the 7月 sheet: the person on the 1月 sheet's first line (paid in January and again in July)."""
    january = next((s for s in earlier if s.name == "1月" and s.payments), None)
    return january.payments[0].person if name == "7月" and january else None


def _faults(plans: list[_Plan], *, numeric_id: bool, bad_amount: bool) -> None:
    if bad_amount and len(plans) > 1:
        plans[1].fault = BAD_AMOUNT
        plans[1].amount = Decimal(100)  # what the clerk meant: the 合计 counts it
    if numeric_id and len(plans) > 2:
        # A number cannot hold the check character X: an ID ending in X would have stayed text (and one
        # ending in 000 would have lost nothing).
        def typed_as_number(person: Household) -> bool:
            return not person.id_number.endswith(("X", "000"))

        if not typed_as_number(plans[2].person):
            plans[2].person = next(p.person for p in plans if typed_as_number(p.person))
        plans[2].fault = NUMERIC_ID


# ---- rosters ----------------------------------------------------------------------------------------------------

_HEAD_COLUMNS = (("姓名", f"{ARCHIVE}.姓名"), ("性别", f"{ARCHIVE}.性别"), ("身份证号", f"{ARCHIVE}.身份证号"),
                 ("工作单位", f"{ARCHIVE}.工作单位"), ("困难类别", f"{ARCHIVE}.困难类别"),
                 ("致困原因", f"{ARCHIVE}.主要致困原因"), ("联系电话", f"{ARCHIVE}.手机号码"),
                 ("家庭住址", f"{ARCHIVE}.家庭住址"))
_MEMBER_COLUMNS = (("姓名", f"{MEMBERS}.姓名"), ("与户主关系", f"{MEMBERS}.关系"), ("身份证号", f"{MEMBERS}.身份证号"),
                   ("健康状况", f"{MEMBERS}.健康状况"), ("身份", f"{MEMBERS}.身份"),
                   ("工作单位或学校", f"{MEMBERS}.单位或学校"))


def _identity(member: Member, year: int) -> tuple[str, str]:
    """身份 and 单位或学校 for a member: a child's school by age, an adult's work or none."""
    age = year - member.birth.year
    if age < 6:
        return "学龄前", ""
    if age < 23:
        return "学生", ("海口市第二十五小学" if age < 12 else "海南华侨中学" if age < 18 else "海南大学")
    if age >= 60:
        return "退休", ""
    employers = _places()[1]
    return ("在岗", employers[member.birth.toordinal() % len(employers)]) if member.birth.day % 3 else ("无业", "")


def roster_member_rows(path: Path, *, households: int = 30, year: int = 2015, seed: int = 2,
                       office: str = "海口市总工会", first_member_on_head_row: bool = True,
                       sheet: str = "花名册", boxed: bool = True) -> Book:
    """A 花名册 with a two-row merged header (户主情况 and 家庭成员情况 over their sub-headers, 序号 and 家庭人口
    merged down both rows), each household's head on one row and its members on the rows below with the head's
    columns blank; ``first_member_on_head_row`` puts the first member on the head's row (the other common way).
    """
    rng = random.Random(seed)
    people = People(rng, year)
    wb = Workbook()
    wb.remove(wb.active)
    truth = _roster_rows_sheet(wb, sheet, people, households, year, office, first_member_on_head_row, boxed)
    return _save(wb, path, [truth], [], {})


def _roster_rows_sheet(wb: Workbook, name: str, people: People, households: int | list[Household], year: int,
                       office: str, first_member_on_head_row: bool, boxed: bool = True) -> Sheet:
    ws = wb.create_sheet(name)
    truth = Sheet(name, ROSTER_ROWS)
    heads = len(_HEAD_COLUMNS)
    width = 1 + heads + len(_MEMBER_COLUMNS) + 2
    w = _Writer(ws, truth, width, boxed=boxed)
    w.title(f"{office}困难职工家庭情况花名册（{year}年）")
    w.line(f"填报单位：{office}（盖章）　　　　　　　　　　统计截止日期：{year}年12月31日", FILING)
    group = w.header(["序号", "户主情况"] + [None] * (heads - 1) + ["家庭成员情况"] + [None] * (len(_MEMBER_COLUMNS) - 1)
                     + ["家庭人口", "备注"])
    sub = w.header([None] + [h for h, _f in _HEAD_COLUMNS] + [h for h, _f in _MEMBER_COLUMNS] + [None, None])
    w.merge(group, 1, 1, down=1)
    w.merge(group, 2, 1 + heads)
    w.merge(group, 2 + heads, 1 + heads + len(_MEMBER_COLUMNS))
    w.merge(group, width - 1, width - 1, down=1)
    w.merge(group, width, width, down=1)
    truth.header_rows = (group, sub)
    truth.columns = ([Column("A", "序号", "序号")]
                     + [Column(get_column_letter(2 + k), f"户主情况/{h}", f) for k, (h, f) in enumerate(_HEAD_COLUMNS)]
                     + [Column(get_column_letter(2 + heads + k), f"家庭成员情况/{h}", f)
                        for k, (h, f) in enumerate(_MEMBER_COLUMNS)]
                     + [Column(get_column_letter(width - 1), "家庭人口", f"{ARCHIVE}.家庭人口"),
                        Column(get_column_letter(width), "备注", f"{ARCHIVE}.备注")])
    if isinstance(households, int):
        households = [people.household(k) for k in range(households)]
    rng = people.rng
    for n, h in enumerate(households, start=1):
        head_cells = [n, h.name, h.gender, h.id_number, h.unit, h.hardship, h.cause, h.phone, h.address]
        members = list(h.members)
        first = members.pop(0) if first_member_on_head_row and members else None
        note = rng.choice(("", "", "", "单亲家庭", "本人患病", "子女上学"))
        h.row = w.put(head_cells + _member_cells(first, year) + [h.size, note or None])
        _text_format(ws, h.row, (4, 1 + heads + 3) if first else (4,))
        w.box(h.row)
        if first:
            first.row = h.row
        for m in members:
            m.row = w.put([None] * (1 + heads) + _member_cells(m, year) + [None, None])
            _text_format(ws, m.row, (1 + heads + 3,))
            w.box(m.row)
        truth.households.append(h)
    maker, checker, head = _footer_people(people)
    w.blank()
    w.line(f"制表人：{maker}　　　　　　审核人：{checker}　　　　　　单位负责人：{head}", FOOTER)
    w.widths([5, 9, 5, 20, 24, 11, 22, 13, 36, 9, 10, 20, 9, 8, 24, 8, 12], header_rows=f"{group}:{sub}")
    ws.freeze_panes = ws.cell(sub + 1, 2)
    return truth


def _member_cells(m: Member | None, year: int) -> list[object]:
    if m is None:
        return [None] * len(_MEMBER_COLUMNS)
    identity, place = _identity(m, year)
    return [m.name, m.relation, m.id_number or None, m.health, identity, place or None]


def _text_format(ws, row: int, cols: tuple[int, ...]) -> None:
    """ID numbers are typed into cells formatted as text (文本), as an office that knows Excel does."""
    for col in cols:
        ws.cell(row, col).number_format = "@"


def roster_member_columns(path: Path, *, households: int = 30, year: int = 2015, seed: int = 4,
                          office: str = "文昌市总工会", children: int = 2) -> Book:
    """A 花名册 with one row per household and its members across: 配偶姓名, 配偶身份证号, 子女1姓名,
    子女1身份证号 … (``children`` pairs). Members the columns have no room for (parents, a third child) are
    not in the book; 家庭人口 still counts them."""
    rng = random.Random(seed)
    people = People(rng, year)
    wb = Workbook()
    ws = wb.active
    ws.title = "困难职工花名册"
    truth = Sheet(ws.title, ROSTER_COLUMNS)
    slots = [("配偶", "配偶")] + [(f"子女{k}", "子女") for k in range(1, children + 1)]
    cols: list[tuple[str, str | None, str]] = [
        ("序号", "序号", ""), ("户主姓名", f"{ARCHIVE}.姓名", ""), ("性别", f"{ARCHIVE}.性别", ""),
        ("身份证号码", f"{ARCHIVE}.身份证号", ""), ("工作单位", f"{ARCHIVE}.工作单位", ""),
        ("困难类别", f"{ARCHIVE}.困难类别", ""), ("家庭人口", f"{ARCHIVE}.家庭人口", "")]
    for slot, _word in slots:
        cols += [(f"{slot}姓名", f"{MEMBERS}.姓名", slot), (f"{slot}身份证号", f"{MEMBERS}.身份证号", slot)]
    cols += [("家庭住址", f"{ARCHIVE}.家庭住址", ""), ("联系电话", f"{ARCHIVE}.手机号码", ""), ("备注", f"{ARCHIVE}.备注", "")]
    width = len(cols)
    w = _Writer(ws, truth, width)
    w.title(f"{office}{year}年困难职工档案花名册")
    w.line(f"填报单位：{office}　　　　　　　　填报日期：{year}年12月20日", FILING)
    header = w.header([c[0] for c in cols])
    truth.header_rows = (header,)
    truth.columns = [Column(get_column_letter(k), h, f, s) for k, (h, f, s) in enumerate(cols, start=1)]
    for n in range(1, households + 1):
        h = people.household(n - 1)
        spouse = [m for m in h.members if m.relation in ("妻子", "丈夫", "妻", "夫", "配偶")]
        kids = [m for m in h.members if m.relation in ("儿子", "女儿", "子女", "子", "女")][:children]
        cells: list[object] = [n, h.name, h.gender, h.id_number, h.unit, h.hardship, h.size]
        listed: list[Member] = []
        for k, (slot, word) in enumerate(slots):
            m = (spouse[:1] if k == 0 else kids[k - 1:k])
            if m:
                m[0].relation = word
                listed.append(m[0])
                cells += [m[0].name, m[0].id_number or None]
            else:
                cells += [None, None]
        cells += [h.address, h.phone, None]
        h.members = listed
        h.row = w.put(cells)
        for m in listed:
            m.row = h.row
        for k, (_h, f, _s) in enumerate(cols, start=1):
            if f and f.endswith("身份证号"):
                ws.cell(h.row, k).number_format = "@"
        w.box(h.row)
        truth.households.append(h)
    maker, checker, head = _footer_people(people)
    w.blank()
    w.put([f"制表人：{maker}", None, None, None, f"审核人：{checker}", None, None, None, None, None,
           f"单位负责人：{head}"], FOOTER)
    w.widths([5, 9, 5, 20, 22, 11, 8] + [9, 20] * len(slots) + [26, 13, 10], header_rows=f"{header}:{header}")
    ws.freeze_panes = ws.cell(header + 1, 3)
    return _save(wb, path, [truth], [], {})


# ---- a mixed book -----------------------------------------------------------------------------------------------

_EXPLANATION = (
    "说明",
    "一、本台账由海口市总工会职工服务中心建立，记录在档困难职工家庭情况及帮扶资金发放情况。",
    "二、“花名册”表按户登记，户主在前，家庭成员依次列于其下。",
    "三、各月发放表按实际发放日期填写，金额单位为元。",
    "四、帮扶资金全部通过工会会员服务卡发放，特殊情况发放现金的附实名制签领表。",
    "五、本台账每月更新一次，年底装订成册存档。",
)


def mixed_book(path: Path, *, year: int = 2015, households: int = 12, months: tuple[str, ...] = ("1月", "7月"),
               rows_per_sheet: int = 10, seed: int = 3, office: str = "海口市总工会") -> Book:
    """A roster and monthly payment sheets in one book, with a 说明 sheet of plain text, an empty sheet
    (Sheet3, as Excel leaves it) and a chart sheet (统计图, a bar chart of the first month's amounts).

    Most people paid are the roster's heads; two are on no roster (new households from the payments)."""
    rng = random.Random(seed)
    people = People(rng, year)
    wb = Workbook()
    explanation = wb.active
    explanation.title = "说明"
    text = Sheet("说明", TEXT, text=list(_EXPLANATION))
    for line in _EXPLANATION:
        explanation.append([line])
    explanation["A1"].font = _TITLE_FONT
    explanation.column_dimensions["A"].width = 90
    roster = [people.household(k) for k in range(households)]
    roster_truth = _roster_rows_sheet(wb, "花名册", people, roster, year, office, True)
    pool = [people.head() for _ in range(2)] + roster  # the first two, paid first, are on no roster
    book = _PaymentsBook(wb, PAYMENT_STYLES["city"], people, office, pool)
    truths: list[Sheet] = [text, roster_truth]
    for name in months:
        plans = book.plan(year, _period(name)[1], rows_per_sheet, again=_paid_in_january(name, truths))
        truths.append(book.sheet(name, year, plans))
    _chart_of_totals(wb, truths[2:], year)
    wb.create_sheet("Sheet3")
    truths += [Sheet("统计图", CHART), Sheet("Sheet3", EMPTY)]
    order = ["说明", "花名册", *months, "统计图", "Sheet3"]
    truths.sort(key=lambda s: order.index(s.name))
    return _save(wb, path, truths, book.faults, book.formulas)


def _chart_of_totals(wb: Workbook, months: list[Sheet], year: int) -> None:
    """A chart sheet 统计图: one bar per month, each the 合计 cell of its sheet (a series of one cell)."""
    bars = BarChart()
    bars.title = f"{year}年各月帮扶资金发放情况"
    bars.y_axis.title = "金额（元）"
    for month in months:
        column = month.column(_F["金额"]).letter
        cell = Reference(wb[month.name], range_string=f"'{month.name}'!${column}${month.total_row}")
        bars.add_data(cell, titles_from_data=False)
        bars.series[-1].tx = SeriesLabel(v=month.name)
    sheet = wb.create_chartsheet("统计图")
    sheet.add_chart(bars)
    # openpyxl leaves the chart 0×0 (Excel stretches it to the sheet, LibreOffice draws nothing): A4 landscape.
    bars.anchor = AbsoluteAnchor(pos=XDRPoint2D(0, 0), ext=XDRPositiveSize2D(9_000_000, 6_000_000))


# ---- the sizes ------------------------------------------------------------------------------------------

def benchmark_ledger(path: Path, *, sheets: int = 10, rows_per_sheet: int = 5000, first_year: int = 2015,
                     seed: int = 10, households: int = 3000) -> Book:
    """A ten-year payments ledger: one sheet a year ("2015年" …), each with its title, 填报 line, header,
    ``rows_per_sheet`` lines paid to ``households`` people, a 合计 row and a signature footer (the "city"
    style, cells in every spelling). Written in openpyxl's normal mode, which merged titles need: about 7 s
    and 220 MB at the full size (write-only mode would save about a quarter), without cell borders."""
    rng = random.Random(seed)
    people = People(rng, first_year)
    pool = [people.head() for _ in range(households)]
    wb = Workbook()
    wb.remove(wb.active)
    book = _PaymentsBook(wb, PAYMENT_STYLES["city"], people, OFFICES["city"], pool, boxed=False)
    truths = []
    for k in range(sheets):
        year = first_year + k
        plans = book.plan(year, list(range(1, 13)), rows_per_sheet)
        truths.append(book.sheet(f"{year}年", year, plans))
    return _save(wb, path, truths, book.faults, book.formulas)


def benchmark_roster(path: Path, *, households: int = 3000, year: int = 2015, seed: int = 11) -> Book:
    """A 3 000-household roster with member rows (some 11 000 rows), as :func:`roster_member_rows` lays it out."""
    return roster_member_rows(path, households=households, year=year, seed=seed, boxed=False)


# ---- saving -----------------------------------------------------------------------------------------------------

def _save(wb: Workbook, path: Path, truths: list[Sheet], faults: list[Fault],
          formulas: dict[str, dict[str, Decimal]]) -> Book:
    path = Path(path)
    wb.save(path)
    if any(formulas.values()):
        _keep_formula_results(path, formulas)
    return Book(path, truths, faults)


_SHEET_ENTRY = re.compile(r'<sheet [^>]*?name="([^"]+)"[^>]*?r:id="([^"]+)"')
_RELATION = re.compile(r'<Relationship [^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"|'
                       r'<Relationship [^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"')


def _keep_formula_results(path: Path, formulas: dict[str, dict[str, Decimal]]) -> None:
    """Put each formula's result into the saved file, as Excel stores it (``<f>…</f><v>result</v>``).

    openpyxl writes a formula with an empty result; a program reading values then sees nothing (and ours reads
    it as FormulaWithoutValue). The results are the figures the builder computed from the lines it wrote.
    """
    with zipfile.ZipFile(path) as z:
        parts = {info.filename: z.read(info.filename) for info in z.infolist()}
    workbook = parts["xl/workbook.xml"].decode("utf-8")
    rels = parts["xl/_rels/workbook.xml.rels"].decode("utf-8")
    targets = {}
    for m in _RELATION.finditer(rels):
        rid, target = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        targets[rid] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    names = {_unescape(name): targets[rid] for name, rid in _SHEET_ENTRY.findall(workbook)}
    for sheet, cells in formulas.items():
        if not cells:
            continue
        part = names[sheet]
        xml = parts[part].decode("utf-8")
        for ref, value in cells.items():
            xml, n = re.subn(rf'(<c r="{ref}"[^>]*>)<f>([^<]*)</f><v\s*/>|(<c r="{ref}"[^>]*>)<f>([^<]*)</f><v></v>',
                             lambda m, v=value: f"{m.group(1) or m.group(3)}<f>{m.group(2) or m.group(4)}</f>"
                                                f"<v>{_plain(v)}</v>", xml)
            if n != 1:
                raise AssertionError(f"formula cell {sheet}!{ref} not found in {part}")
        parts[part] = xml.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def _plain(value: Decimal) -> str:
    return f"{value:f}".rstrip("0").rstrip(".") if "." in f"{value:f}" else f"{value:f}"


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'") \
        .replace("&amp;", "&")
