"""Cross-unit duplicates at the centre (issues 7, 17): one ID number open in two units' archives (在档重复), one ID
number aided in the same 救助类别 and year by two units (重复救助) — listed, and worked to a conclusion.

Within one unit the archive refuses both (一户一档, the batch checks); across units they appear once sub-units'
workbooks are imported, and this is the centre's check of them. The GUI's 汇总 → 跨单位重复 and the command line's
``report duplicates`` both read :func:`duplicates`; a conclusion is recorded through :class:`DuplicateService`.

A conclusion is keyed by what identifies its case across re-imports — kind, 身份证号, the set of units, and for
重复救助 the 救助类别 and year — never by row ids, which a replacement import changes. A conclusion whose case is
gone (an archive closed, a line removed, a third unit come in) is kept but shown with no case; it applies again
when the same case comes back.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

from ..core.duplicate_conclusions import SIDE, UNIT, checked, conclusion_kind, describe
from ..core.errors import UserError
from ..core.money import from_fen
from ..db import Database
from ..db import duplicate_conclusions as conclusion_repo
from ..db import duplicates as repo
from ..db.audit import Actor, record

IN_ARCHIVES, AIDED_TWICE = "在档重复", "重复救助"
KINDS = (IN_ARCHIVES, AIDED_TWICE)
# Who works the duplicates to a conclusion: those who follow up what a check found.
STAFF = ("经办人", "审核人", "管理员")


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
    created_on: str = ""             # 在档重复: the archive's 建档日期

    @property
    def day(self) -> str:
        """The side's date: 发放日期 of an aid line, 建档日期 of an archive."""
        return self.paid_on or self.created_on

    def to_json(self, kind: str) -> dict:
        if kind == IN_ARCHIVES:
            return {"unit": self.unit, "单位名称": self.unit_name, "档案编号": self.archive_no, "姓名": self.name,
                    "关系": self.relation, "档案状态": self.archive_status, "困难类别": self.category}
        return {"unit": self.unit, "单位名称": self.unit_name, "明细编号": self.record_no, "批次编号": self.batch_code,
                "档案编号": self.archive_no, "姓名": self.name, "救助类别": self.category,
                "资金来源": self.fund_source, "金额": f"{self.amount:.2f}", "发放日期": self.paid_on}


@dataclass(frozen=True)
class Conclusion:
    """What the centre concluded about a duplicate, by whom and when (the session's user and clock)."""

    kind: str
    unit: str = ""     # 同一人，保留某单位档案: the unit whose archive is kept
    side: str = ""     # 不同人，身份证号录入有误: the unit whose entry is wrong
    note: str = ""
    by: str = ""
    at: str = ""

    def text(self, names: dict[str, str] | None = None) -> str:
        """How it reads: 同一人，保留省财贸工会（460001）的档案."""
        return describe(self.kind, unit=self.unit, side=self.side, note=self.note, names=names)

    def to_json(self) -> dict:
        """{"kind", "unit" (where the kind asks for it), "side" (likewise), "note", "by", "at"}."""
        asks = conclusion_kind(self.kind)
        out: dict[str, str] = {"kind": self.kind}
        if (asks and asks.choose == UNIT) or self.unit:
            out["unit"] = self.unit
        if (asks and asks.choose == SIDE) or self.side:
            out["side"] = self.side
        out.update(note=self.note, by=self.by, at=self.at)
        return out


@dataclass(frozen=True)
class Duplicate:
    id_number: str
    kind: str                        # 在档重复 / 重复救助
    entries: list[DuplicateEntry] = field(default_factory=list)
    year: int = 0                    # 重复救助: the year paid (在档重复 stand in any year)
    conclusion: Conclusion | None = None

    @property
    def units(self) -> list[str]:
        return sorted({e.unit for e in self.entries})

    @property
    def unit_names(self) -> dict[str, str]:
        return {e.unit: e.unit_name for e in self.entries}

    @property
    def category(self) -> str:
        """重复救助: the 救助类别 the person was aided in twice."""
        return self.entries[0].category if self.kind == AIDED_TWICE and self.entries else ""

    @property
    def key(self) -> conclusion_repo.Key:
        """What identifies the case across re-imports (its conclusion's key)."""
        return (self.kind, self.id_number, tuple(self.units), self.category, self.year if self.kind == AIDED_TWICE
                else 0)

    @property
    def label(self) -> str:
        """The case in words, for the audit log and messages: 重复救助·2015年生活救助·身份证号·460001、460002."""
        what = f"{self.kind}·{self.year}年{self.category}" if self.kind == AIDED_TWICE else self.kind
        return f"{what}·{self.id_number}·{'、'.join(self.units)}"

    def conclusion_text(self) -> str:
        return self.conclusion.text(self.unit_names) if self.conclusion else ""

    def to_json(self) -> dict:
        return {"id_number": self.id_number, "kind": self.kind, "entries": [e.to_json(self.kind) for e in self.entries],
                "conclusion": self.conclusion.to_json() if self.conclusion else None}


def duplicates(db: Database, year: int) -> list[Duplicate]:
    """The year's cross-unit duplicates with their conclusions: 在档重复 first, then 重复救助; each by ID number.

    在档重复 reads the archives as they stand (a household's status has no history by year); 重复救助
    reads the valid aid paid in ``year`` (a 帮扶明细 counts in the year of its 发放日期, as in the
    fund report), grouped by the recipient's ID number and 救助类别, and reports a group only when
    the batches belong to two or more units. Reads only.
    """
    found = open_in_several_units(db) + aided_by_several_units(db, year)
    concluded = conclusion_repo.for_year(db.conn, year)
    return [replace(d, conclusion=_conclusion(concluded[d.key])) if d.key in concluded else d for d in found]


def open_in_several_units(db: Database) -> list[Duplicate]:
    conn = db.conn
    by_number: dict[str, set[DuplicateEntry]] = {}
    for r in repo.open_holders(conn, repo.repeated_id_numbers(conn)):
        by_number.setdefault(r["id_number"], set()).add(DuplicateEntry(
            unit=r["unit_code"], unit_name=r["unit_name"], name=r["person"], archive_no=r["archive_no"],
            household_id=r["household_id"], relation=r["relation"], archive_status=r["archive_status"],
            category=r["hardship_category"], created_on=r["created_date"] or ""))
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
        out.append(Duplicate(number, AIDED_TWICE, entries, year=year))
    return out


def duplicates_json(items: list[Duplicate]) -> list[dict]:
    return [d.to_json() for d in items]


def _conclusion(stored: conclusion_repo.StoredConclusion | None) -> Conclusion | None:
    if stored is None:
        return None
    return Conclusion(stored.kind, stored.unit, stored.side, stored.note, stored.by, stored.at)


# ---- working a duplicate to its conclusion -------------------------------------------------------------------

class DuplicateService:
    """The centre's conclusions on its cross-unit duplicates: record, change, withdraw — one audited transaction
    each."""

    def __init__(self, db: Database, actor: Actor):
        self.db = db
        self.actor = actor

    def cases(self, year: int) -> list[Duplicate]:
        return duplicates(self.db, year)

    def conclude(self, case: Duplicate, kind: str, *, unit: str = "", side: str = "", note: str = "") -> Conclusion:
        """Record ``case``'s conclusion, or change the one it has; ``case`` is the duplicate as the user saw it.

        ``unit`` (the archive kept) and ``side`` (the wrong entry) are unit codes of the case, where the kind asks
        for them (resources/codes/duplicate_conclusions.json); ``note`` is required for 其他. Refused when someone
        else concluded, changed or withdrew the case's conclusion since it was read."""
        self.actor.require(*STAFF)
        kind, unit, side, note = checked(case.kind, tuple(case.units), kind, unit=unit, side=side, note=note)
        with self.db.transaction() as conn:
            stored = conclusion_repo.get(conn, case.key)
            _refuse_stale(case, stored)
            made = Conclusion(kind, unit, side, note, by=self.actor.username, at=self.db.clock.stamp())
            conclusion_repo.save(conn, case.key, kind=kind, unit=unit, side=side, note=note, by=made.by, at=made.at)
            record(conn, self.actor, table="duplicate_conclusions", key=case.label,
                   action="insert" if stored is None else "update",
                   old=_audit_values(_conclusion(stored), case), new=_audit_values(made, case))
        return made

    def withdraw(self, case: Duplicate) -> None:
        """Take ``case``'s conclusion back: the case is 未处理 again (the audit log keeps what it was)."""
        self.actor.require(*STAFF)
        with self.db.transaction() as conn:
            stored = conclusion_repo.get(conn, case.key)
            if stored is None and case.conclusion is None:
                raise UserError("这一重复还没有处理结论，无需撤销")
            _refuse_stale(case, stored)
            conclusion_repo.delete(conn, case.key)
            record(conn, self.actor, table="duplicate_conclusions", key=case.label, action="delete",
                   old=_audit_values(_conclusion(stored), case))


def _refuse_stale(case: Duplicate, stored: conclusion_repo.StoredConclusion | None) -> None:
    """The conclusion stored now must be the one the user saw: another PC may have worked the same case."""
    now = _conclusion(stored)
    if now == case.conclusion:
        return
    if now is None:
        raise UserError("这一重复的处理结论已被别人撤销。请刷新后再处理")
    raise UserError(f"这一重复已由{now.by}于{now.at.replace('T', ' ')}处理为“{now.text(case.unit_names)}”。"
                    "请刷新后再处理")


def _audit_values(c: Conclusion | None, case: Duplicate) -> dict | None:
    if c is None:
        return None
    return {"conclusion": c.text(case.unit_names), "kind": c.kind, "unit": c.unit, "side": c.side, "note": c.note}
