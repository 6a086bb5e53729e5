"""Cross-unit duplicates at the centre (issue 7): one ID number open in two units' archives (在档重复),
and one ID number aided in the same 救助类别 and year by two units (重复救助).

Within one unit the archive already refuses both (一户一档, the batch checks); across units they
appear once sub-units' workbooks are imported, and this is the centre's check of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ..core.money import from_fen
from ..db import Database
from ..db import duplicates as repo

IN_ARCHIVES, AIDED_TWICE = "在档重复", "重复救助"
KINDS = (IN_ARCHIVES, AIDED_TWICE)


@dataclass(frozen=True)
class DuplicateEntry:
    """One unit's side of a duplicate: an open household (在档重复) or one paid aid line (重复救助)."""

    unit: str
    unit_name: str
    name: str                        # the person's name as that unit has it
    archive_no: str
    household_id: int
    relation: str = ""               # 在档重复: 户主 or the member's relation
    archive_status: str = ""         # 在档重复: 在档 / 临时
    record_no: str = ""              # 重复救助: 明细编号
    batch_id: int | None = None
    batch_code: str = ""
    batch_name: str = ""
    category: str = ""               # 重复救助: 救助类别; 在档重复: 困难类别
    fund_source: str = ""
    amount: Decimal | None = None
    paid_on: str = ""

    def to_json(self, kind: str) -> dict:
        if kind == IN_ARCHIVES:
            return {"unit": self.unit, "单位名称": self.unit_name, "档案编号": self.archive_no, "姓名": self.name,
                    "关系": self.relation, "档案状态": self.archive_status, "困难类别": self.category}
        return {"unit": self.unit, "单位名称": self.unit_name, "明细编号": self.record_no, "批次编号": self.batch_code,
                "档案编号": self.archive_no, "姓名": self.name, "救助类别": self.category,
                "资金来源": self.fund_source, "金额": f"{self.amount:.2f}", "发放日期": self.paid_on}


@dataclass(frozen=True)
class Duplicate:
    id_number: str
    kind: str                        # 在档重复 / 重复救助
    entries: list[DuplicateEntry] = field(default_factory=list)

    @property
    def units(self) -> list[str]:
        return sorted({e.unit for e in self.entries})

    @property
    def category(self) -> str:
        """重复救助: the 救助类别 the person was aided in twice."""
        return self.entries[0].category if self.kind == AIDED_TWICE and self.entries else ""

    def to_json(self) -> dict:
        return {"id_number": self.id_number, "kind": self.kind, "entries": [e.to_json(self.kind) for e in self.entries]}


def duplicates(db: Database, year: int) -> list[Duplicate]:
    """The year's cross-unit duplicates: 在档重复 first, then 重复救助; each by ID number.

    在档重复 reads the archives as they stand (a household's status has no history by year); 重复救助
    reads the valid aid paid in ``year`` (a 帮扶明细 counts in the year of its 发放日期, as in the
    fund report), grouped by the recipient's ID number and 救助类别, and reports a group only when
    the batches belong to two or more units. Reads only.
    """
    return open_in_several_units(db) + aided_by_several_units(db, year)


def open_in_several_units(db: Database) -> list[Duplicate]:
    conn = db.conn
    by_number: dict[str, set[DuplicateEntry]] = {}
    for r in repo.open_holders(conn, repo.repeated_id_numbers(conn)):
        by_number.setdefault(r["id_number"], set()).add(DuplicateEntry(
            unit=r["unit_code"], unit_name=r["unit_name"], name=r["person"], archive_no=r["archive_no"],
            household_id=r["household_id"], relation=r["relation"], archive_status=r["archive_status"],
            category=r["hardship_category"]))
    return [Duplicate(n, IN_ARCHIVES, sorted(entries, key=lambda e: (e.unit, e.archive_no, e.relation)))
            for n, entries in sorted(by_number.items()) if len({e.unit for e in entries}) > 1]


def aided_by_several_units(db: Database, year: int) -> list[Duplicate]:
    conn = db.conn
    wanted = repo.aided_by_several_units(conn, year)
    if not wanted:
        return []
    lines = {r["record_id"]: r for r in repo.aid_lines(conn, (i for _n, _c, ids in wanted for i in ids))}
    order = {c: i for i, c in enumerate(("生活救助", "医疗救助", "助学救助"))}
    out = []
    for number, _category, ids in sorted(wanted, key=lambda w: (w[0], order.get(w[1], 9), w[1])):
        entries = []
        for record_id in ids:
            r = lines[record_id]
            entries.append(DuplicateEntry(
                unit=r["unit_code"], unit_name=r["unit_name"], name=r["recipient_name"], archive_no=r["archive_no"],
                household_id=r["household_id"], record_no=r["record_no"], batch_id=r["batch_id"],
                batch_code=r["batch_code"], batch_name=r["batch_name"], category=r["aid_category"],
                fund_source=r["fund_source"], amount=from_fen(r["amount_fen"]), paid_on=r["paid_on"] or ""))
        entries.sort(key=lambda e: (e.unit, e.paid_on, e.record_no))
        out.append(Duplicate(number, AIDED_TWICE, entries))
    return out


def duplicates_json(items: list[Duplicate]) -> list[dict]:
    return [d.to_json() for d in items]


# ---- the workbook the centre hands on --------------------------------------------------------------------

HEADERS = ("身份证号", "类型", "单位代码", "单位名称", "档案编号", "姓名", "关系", "档案状态", "明细编号", "批次编号",
           "救助类别", "资金来源", "金额", "发放日期")


def table_rows(items: list[Duplicate]) -> list[tuple]:
    """One row per entry, in HEADERS' order; amounts as Decimal (None where not an aid line)."""
    rows = []
    for d in items:
        for e in d.entries:
            rows.append((d.id_number, d.kind, e.unit, e.unit_name, e.archive_no, e.name, e.relation, e.archive_status,
                         e.record_no, e.batch_code, e.category if d.kind == AIDED_TWICE else "", e.fund_source,
                         e.amount, e.paid_on))
    return rows


def write_duplicates_xlsx(items: list[Duplicate], out: str | Path, *, year: int) -> int:
    """Write the duplicates as a workbook (one row per entry, ID numbers as text); returns the rows written."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from ..atomic import write_atomically

    rows = table_rows(items)

    def build(tmp: str) -> None:
        wb = Workbook()
        ws = wb.active
        ws.title = f"{year}年跨单位重复"
        ws.append(list(HEADERS))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append(list(row))
            ws.cell(ws.max_row, 1).number_format = "@"
            amount = ws.cell(ws.max_row, 13)
            if amount.value is not None:
                amount.number_format = "0.00"
        ws.freeze_panes = "A2"
        widths = (21, 10, 10, 20, 18, 10, 8, 9, 22, 18, 10, 14, 12, 12)
        for i, width in enumerate(widths, start=1):
            ws.column_dimensions[ws.cell(1, i).column_letter].width = width
        wb.save(tmp)

    write_atomically(out, build, opened_in="Excel")
    return len(rows)
