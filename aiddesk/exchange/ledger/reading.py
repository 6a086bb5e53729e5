"""An old ledger's data rows as people and payments, each remembering its sheet, row and headers; 合计 rows checked.

A sheet's layout (layout.py) says which rows are data and which are skipped; its column map (columns.py) says which
column fills which field. Here each data row becomes what it records:

- a payments ledger: the row's person (the household head) and one payment to them;
- a roster with member rows: a head's row starts a household, the rows below with 关系 (or with the head's columns
  left blank and the member block filled) add its members;
- a roster with member columns: each row a head with the members across;
- a mixed sheet: both at once (a payment on a member's row is paid to that member).

Cells stay as the book has them (numbers, dates, texts): the exchange checks read them (validate.py), and a wrong
cell is reported there at this row. Only what the reading itself needs is parsed here — the amounts of the 合计
check, the 关系 that tells a head from a member.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from ..validate import CellError, Issue, _blank, _text, parse_money
from . import columns as cols
from . import layout as lay

_PEOPLE = re.compile(r"(\d+)\s*(?:人次|人)")  # "共25人", "25人次" in a 合计 row
# A 关系 that is the head's own row, not a member's.
HEAD_WORDS = frozenset({"户主", "本人", "户主本人", "申请人", "职工本人", "职工"})


# One of each per data row of a 50 000-row book: slots, not a __dict__ each (7 MB less at that size).
@dataclass(frozen=True, slots=True)
class Origin:
    """Where a record comes from: the book's sheet and row, and the book's header of each field it read."""

    sheet: str
    row: int
    headers: dict[str, str]  # field → the header as the book writes it ("身份证号" → "公民身份号码")


@dataclass(slots=True)
class LedgerMember:
    origin: Origin
    values: dict[str, object]    # 家庭成员 fields: 姓名, 关系, 身份证号, 性别, 出生日期, 身份, 月收入, 单位或学校 …


@dataclass(slots=True)
class LedgerPerson:
    """A household head as one row of the book shows them (the same person may be on many rows)."""

    origin: Origin
    values: dict[str, object]    # 困难职工档案 fields as the book names them: 姓名, 身份证号, 困难类别 …
    members: list[LedgerMember] = field(default_factory=list)


@dataclass(slots=True)
class LedgerPayment:
    origin: Origin
    household: LedgerPerson      # whose household the money went to
    values: dict[str, object]    # 帮扶明细 fields: 救助类别, 金额, 发放日期, 资金来源, 发放方式, 活动 …, and the
                                 # recipient's 姓名 and 身份证号 (the head's, or a member's on a member's row)


@dataclass
class SheetSummary:
    """What a sheet gave (the ``ledger`` part of ``import --json`` and the wizard's preview)."""

    sheet: str
    kind: str
    header_rows: list[int]
    read: int = 0                                    # data rows read
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (row, why)
    total_row: int | None = None                     # the last 合计 row
    total: Decimal | None = None                     # what that row says
    imported_total: Decimal = Decimal("0.00")        # the sum of the amounts read

    def as_dict(self) -> dict:
        return {"sheet": self.sheet, "kind": self.kind, "header_rows": self.header_rows, "read": self.read,
                "skipped": [{"row": r, "why": why} for r, why in self.skipped], "total_row": self.total_row,
                "total": None if self.total is None else f"{self.total:.2f}",
                "imported_total": f"{self.imported_total:.2f}"}


@dataclass
class SheetRecords:
    summary: SheetSummary
    people: list[LedgerPerson] = field(default_factory=list)
    payments: list[LedgerPayment] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    title: str = ""
    filing: dict[str, str] = field(default_factory=dict)


PAYMENT_FIELDS = frozenset(cols.PAYMENT_FIELDS)


def read_sheet(layout: lay.SheetLayout, colmap: cols.ColumnMap) -> SheetRecords:
    """The people and payments of one sheet, and its 合计 rows checked against the amounts read."""
    summary = SheetSummary(layout.name, colmap.kind, list(layout.header_rows))
    out = SheetRecords(summary, title=layout.title, filing=dict(layout.filing))
    headers = layout.headers
    person_at = {f: i for f, i in colmap.fields.items() if f not in PAYMENT_FIELDS and f != "关系"}
    payment_at = {f: i for f, i in colmap.fields.items() if f in PAYMENT_FIELDS}
    relation_at = colmap.fields.get("关系")
    shown = {f: headers[i] for f, i in colmap.fields.items()}
    paying = "金额" in payment_at
    current: LedgerPerson | None = None
    scope_sum, sheet_sum = Decimal(0), Decimal(0)
    scope_rows, sheet_rows = 0, 0
    bad_amounts = False  # an amount the checks will refuse anyway: no 合计 comparison on top of it

    def cell(values: tuple, i: int) -> object:
        return values[i] if i < len(values) else None

    # A data row padded to the widest column read is indexed directly (this loop runs for each of a 50 000-row
    # book's rows); only a row shorter than that is copied.
    width = max([len(headers), *(i + 1 for i in colmap.fields.values()),
                 *(i + 1 for slot in colmap.members for i in slot.columns.values())])
    for row in layout.rows:
        if row.role != lay.DATA:
            summary.skipped.append((row.number, row.why))
            if row.role in (lay.TOTAL, lay.SUBTOTAL) and paying:
                within = sheet_sum if row.role == lay.TOTAL else scope_sum
                count = sheet_rows if row.role == lay.TOTAL else scope_rows
                _check_total(out, row, colmap, headers, within, count, bad_amounts)
                if row.role == lay.TOTAL:
                    summary.total_row = row.number
                    summary.total = _amount_of(cell(row.values, payment_at["金额"]))
                scope_sum, scope_rows = Decimal(0), 0
            continue
        values = row.values
        if len(values) < width:
            values = values + (None,) * (width - len(values))
        summary.read += 1
        origin = Origin(layout.name, row.number, shown)
        person_values = {f: values[i] for f, i in person_at.items()}
        relation = values[relation_at] if relation_at is not None else None
        relation_text = _text(relation)
        has_person = not _blank(person_values.get("姓名")) or not _blank(person_values.get("身份证号"))
        recipient: dict[str, object] | None = None
        if relation_at is not None and not colmap.members and has_person and relation_text \
                and relation_text not in HEAD_WORDS and current is not None:
            # A member's row in a roster with member rows: 姓名, 身份证号 … are the member's (as 家庭成员 names them).
            as_member = cols.MEMBER_ROW_FIELDS
            member = {as_member[f]: v for f, v in person_values.items() if f in as_member}
            member["关系"] = relation
            at = Origin(layout.name, row.number, {as_member[f]: h for f, h in shown.items() if f in as_member})
            current.members.append(LedgerMember(at, member))
            recipient = {"姓名": member.get("姓名"), "身份证号": member.get("身份证号")}
        elif has_person:
            current = LedgerPerson(origin, person_values)
            out.people.append(current)
        for slot in colmap.members:
            member = {a: values[i] for a, i in slot.columns.items()}
            if all(_blank(v) for v in member.values()):
                continue
            if current is None:
                out.errors.append(Issue(layout.name, row.number, headers[next(iter(slot.columns.values()))], "",
                                        "这一行有家庭成员，但上面没有户主的行；请核对"))
                continue
            if _text(member.get("关系")) in HEAD_WORDS:
                continue  # the head's own row of a member block (关系 户主): the head, not a member
            if _blank(member.get("关系")):
                member["关系"] = slot.relation or None
            at = Origin(layout.name, row.number, {a: headers[i] for a, i in slot.columns.items()})
            current.members.append(LedgerMember(at, member))
            if not has_person and recipient is None:
                recipient = {"姓名": member.get("姓名"), "身份证号": member.get("身份证号")}
        if not paying:
            continue
        amount_cell = values[payment_at["金额"]]
        if _blank(amount_cell):
            continue  # a roster row of a mixed sheet, or a person without money this time
        if current is None:
            out.errors.append(Issue(layout.name, row.number, headers[payment_at["金额"]], _text(amount_cell),
                                    "这一行有金额，但看不出是发给谁的（没有姓名和身份证号）；请补上后重新导入"))
            continue
        payment = {f: values[i] for f, i in payment_at.items()}
        who = recipient if recipient is not None else {"姓名": current.values.get("姓名"),
                                                       "身份证号": current.values.get("身份证号")}
        payment.update(who)
        if "银行卡号" in person_values:
            payment["银行卡号"] = person_values["银行卡号"]
        out.payments.append(LedgerPayment(origin, current, payment))
        amount = _amount_of(amount_cell)
        if amount is None:
            bad_amounts = True
        else:
            scope_sum += amount
            sheet_sum += amount
            summary.imported_total += amount
        scope_rows += 1
        sheet_rows += 1
    return out


def _amount_of(value: object) -> Decimal | None:
    if _blank(value):
        return None
    try:
        return Decimal(parse_money(value, negative=True)) / 100
    except CellError:
        return None


def _check_total(out: SheetRecords, row: lay.LedgerRow, colmap: cols.ColumnMap, headers: list[str],
                 within: Decimal, count: int, bad_amounts: bool) -> None:
    """A 合计/小计 row is a check: what it says must equal the amounts (and the 人次, where it gives them) read."""
    at = colmap.fields["金额"]
    said = row.values[at] if at < len(row.values) else None
    what = "合计" if row.role == lay.TOTAL else "小计"
    if _blank(said):
        out.warnings.append(Issue(out.summary.sheet, row.number, headers[at], "",
                                  f"{what}行的金额是空的，无法核对；导入的金额共{within:,.2f}元"))
        return
    total = _amount_of(said)
    if total is None:
        out.errors.append(Issue(out.summary.sheet, row.number, headers[at], _text(said),
                                f"{what}行的金额不是数字，无法核对；请改正后重新导入"))
        return
    if bad_amounts:
        return  # the rows' own errors come first; the sums are compared once they read
    if total != within:
        out.errors.append(Issue(out.summary.sheet, row.number, headers[at], _text(said),
                                f"台账{what}{total:,.2f}元，而上面各行的金额加起来是{within:,.2f}元，相差"
                                f"{total - within:,.2f}元。台账对不上账的不能导入：请核对各行金额和{what}后重新导入"))
    people = _count_in(row, colmap)
    if people is not None and people != count:
        out.errors.append(Issue(out.summary.sheet, row.number, "人次", str(people),
                                f"台账{what}为{people}人次，而上面有{count}行发放记录；请核对后重新导入"))


def _count_in(row: lay.LedgerRow, colmap: cols.ColumnMap) -> int | None:
    """The 人次 a 合计 row gives: in the 人次 column, or written as "25人" / "共25人次" in one of its cells."""
    at = colmap.fields.get("人次")
    if at is not None and at < len(row.values) and not _blank(row.values[at]):
        value = row.values[at]
        if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer():
            return int(value)
    for value in row.values:
        if isinstance(value, str):
            m = _PEOPLE.search(value)
            if m:
                return int(m[1])
    return None
