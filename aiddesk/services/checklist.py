"""The batch checklist (核查清单): computed from the records, the manual tick and waivers, and 核查完成."""

from __future__ import annotations

import sqlite3
from datetime import date
from decimal import Decimal
from pathlib import Path

from ..core.batch import AidRecord, Batch
from ..core.checklist import (DONE, NATIONAL_SYSTEM, TITLES, WAIVER, BatchFacts, Checklist, LineFacts, Mark,
                              OpenProblem, evaluate)
from ..core.errors import UserError, ValidationError
from ..core.verification_rules import load_verification_rules
from ..core.workdays import load_notice_rules, notice_end
from ..db import Database
from ..db import batches as repo
from ..db import problems as problem_repo
from ..db import status_history
from ..db.audit import Actor, record
from ..db.settings import office_calendar
from ..db.units import own_unit
from .batches import BatchService
from .dashboard import load_deadline_rules
from .payments import SIGNED_LIST

# Who ticks 已录入全国系统 (and takes the tick back): the staff who also complete the 核查.
STAFF = ("经办人", "审核人", "管理员")
# Only an approver may let a ✗ item through.
APPROVERS = ("审批人",)
SPOT_CHECK_SOURCE = "电话抽查"


class ChecklistService:
    """One batch's checklist; each change is one audited transaction."""

    def __init__(self, db: Database, actor: Actor):
        self.db = db
        self.actor = actor

    # ---- reading ---------------------------------------------------------------------------

    def batch(self, batch_id: int) -> Batch:
        return _batch(self.db.conn, batch_id)

    def checklist(self, batch_id: int) -> Checklist:
        return build_checklist(self.db, batch_id)

    def records(self, batch_id: int, record_ids: list[int] | None = None) -> list[AidRecord]:
        """The batch's lines (removed ones too, as a problem may be about one), or only ``record_ids``, in order."""
        lines = repo.records_of_batch(self.db.conn, batch_id, include_removed=True)
        if record_ids is None:
            return [r for r in lines if r.state == "有效"]
        by_id = {r.id: r for r in lines}
        return [by_id[i] for i in record_ids if i in by_id]

    def may_tick(self) -> bool:
        return self.actor.may(*STAFF)

    def may_waive(self) -> bool:
        return self.actor.may(*APPROVERS)

    def may_complete(self) -> bool:
        return self.actor.may(*STAFF)

    # ---- the national-system tick -----------------------------------------------------------

    def tick_national(self, batch_id: int, on: date | None = None) -> None:
        """已录入全国工会帮扶管理系统: who confirmed it and the day it was entered (``on``, default today)."""
        self.actor.require(*STAFF)
        today = self.db.clock.today()
        on = on or today
        with self.db.transaction() as conn:
            b = _batch(conn, batch_id)
            if b.status not in ("已审批", "已发放"):
                raise UserError(f"批次处于“{b.status}”状态：审批通过后、完成核查前才能确认录入全国系统")
            if on > today:
                raise ValidationError({"marked_on": "录入日期不能晚于今天"})
            if b.approved_on and on < b.approved_on:
                raise ValidationError({"marked_on": f"录入日期不能早于审批日期 {b.approved_on.isoformat()}"})
            old = _marks(conn, batch_id).get((NATIONAL_SYSTEM, DONE))
            if old is not None:
                raise UserError(f"已由{old.by}确认于 {old.on.isoformat()} 录入全国系统")
            conn.execute("INSERT INTO batch_check_marks (batch_id, item, mark, marked_on, marked_by)"
                         " VALUES (?, ?, ?, ?, ?)",
                         (batch_id, NATIONAL_SYSTEM, DONE, on.isoformat(), self.actor.username))
            record(conn, self.actor, table="batch_check_marks", key=f"{b.code}/{NATIONAL_SYSTEM}", action="insert",
                   new={"item": TITLES[NATIONAL_SYSTEM], "mark": DONE, "marked_on": on.isoformat()}, effective=on)

    def untick_national(self, batch_id: int) -> None:
        """Take the tick back (entered by mistake, or the entry has to be redone)."""
        self.actor.require(*STAFF)
        with self.db.transaction() as conn:
            b = _open_batch(conn, batch_id)
            old = _marks(conn, batch_id).get((NATIONAL_SYSTEM, DONE))
            if old is None:
                raise UserError("尚未确认录入全国系统，无需撤销")
            _delete_mark(conn, batch_id, NATIONAL_SYSTEM, DONE)
            record(conn, self.actor, table="batch_check_marks", key=f"{b.code}/{NATIONAL_SYSTEM}", action="delete",
                   old={"item": TITLES[NATIONAL_SYSTEM], "mark": DONE, "marked_on": old.on.isoformat(),
                        "marked_by": old.by})

    # ---- waivers -------------------------------------------------------------------------------

    def waive(self, batch_id: int, item: str, reason: str) -> None:
        """An approver lets a ✗ item through with a written reason; it shows as 豁免 with who, when and why."""
        self.actor.require(*APPROVERS)
        reason = (reason or "").strip()
        if item not in TITLES:
            raise UserError("没有这一核查项目")
        if len(reason) < 4:
            raise ValidationError({"reason": "请写明豁免的理由（至少4个字），"
                                             "例如“该户已搬迁，短信无法送达，已电话通知本人”"})
        with self.db.transaction() as conn:
            b = _batch(conn, batch_id)
            if b.status != "已发放":
                raise UserError(f"批次处于“{b.status}”状态：发放完成、核查完成前才能豁免核查项目")
            found = build_checklist(self.db, batch_id).item(item)
            if found.passed:
                raise UserError(f"“{TITLES[item]}”已符合，无需豁免")
            if found.waiver is not None:
                raise UserError(f"“{TITLES[item]}”已由{found.waiver.by}于 {found.waiver.on.isoformat()} 豁免")
            today = self.db.clock.today()
            conn.execute("INSERT INTO batch_check_marks (batch_id, item, mark, marked_on, marked_by, note)"
                         " VALUES (?, ?, ?, ?, ?, ?)", (batch_id, item, WAIVER, today.isoformat(),
                                                         self.actor.username, reason))
            record(conn, self.actor, table="batch_check_marks", key=f"{b.code}/{item}", action="insert",
                   new={"item": TITLES[item], "mark": WAIVER, "reason": reason, "evidence": found.evidence})

    def unwaive(self, batch_id: int, item: str) -> None:
        """Withdraw a waiver; the item is judged on the records alone again."""
        self.actor.require(*APPROVERS)
        with self.db.transaction() as conn:
            b = _open_batch(conn, batch_id)
            old = _marks(conn, batch_id).get((item, WAIVER))
            if old is None:
                raise UserError(f"“{TITLES.get(item, item)}”没有豁免，无需撤销")
            _delete_mark(conn, batch_id, item, WAIVER)
            record(conn, self.actor, table="batch_check_marks", key=f"{b.code}/{item}", action="delete",
                   old={"item": TITLES.get(item, item), "mark": WAIVER, "reason": old.note, "marked_by": old.by,
                        "marked_on": old.on.isoformat()})

    # ---- 核查完成 ----------------------------------------------------------------------------------

    def complete(self, batch_id: int) -> None:
        """Move the batch to 已核查 today; refused (listing the ✗ items) unless every item is ✓ or waived."""
        BatchService(self.db, self.actor).transition(batch_id, "已核查")

    # ---- printing --------------------------------------------------------------------------------------

    def write_pdf(self, batch_id: int, path: str | Path, *, printed_on: date | None = None) -> Path:
        """Print the checklist (batch header, each item with its evidence, signatures) to ``path``."""
        from ..reports.checklist_pdf import write_checklist_pdf  # reportlab loads when printing

        conn = self.db.conn
        b = _batch(conn, batch_id)
        lines = repo.records_of_batch(conn, batch_id)
        office = own_unit(conn)
        write_checklist_pdf(path, batch=b, checklist=self.checklist(batch_id),
                            office_name=office.name if office else "",
                            people=len(lines), amount=sum((r.amount for r in lines), Decimal("0.00")),
                            printed_on=printed_on or self.db.clock.today())
        return Path(path)


def refuse_unless_complete(db: Database, batch_id: int) -> None:
    """Called by BatchService.transition before 已核查: the checklist must be complete."""
    message = build_checklist(db, batch_id).refusal()
    if message:
        raise UserError(message)


def build_checklist(db: Database, batch_id: int) -> Checklist:
    conn = db.conn
    b = _batch(conn, batch_id)
    return evaluate(batch_id, _facts(conn, b))


# ---- facts from the records ----------------------------------------------------------------------

def _facts(conn: sqlite3.Connection, b: Batch) -> BatchFacts:
    vrules = load_verification_rules()
    required_days = load_notice_rules().notice_working_days
    required_end = None
    if b.notice_start is not None:
        cal = office_calendar(conn)
        # The batch's own period counted again with today's calendar (a holiday entered later lengthens it).
        required_end = notice_end(b.notice_start, b.notice_days or required_days, cal)
    rows = conn.execute(
        "SELECT r.id, r.record_no, r.recipient_name, r.payment_method, r.bank_card, r.paid_on, r.sms_status,"
        " r.sms_error, r.household_id FROM aid_records r"
        " WHERE r.batch_id = ? AND r.state = '有效' ORDER BY r.id", (b.id,)).fetchall()
    signed = {r[0] for r in conn.execute(
        "SELECT DISTINCT aid_record_id FROM aid_attachments WHERE batch_id = ? AND kind = ?", (b.id, SIGNED_LIST))}
    marks = ", ".join("?" * len(vrules.unreachable_results))
    reached = {r[0] for r in conn.execute(
        f"SELECT DISTINCT c.aid_record_id FROM phone_calls c JOIN aid_records r ON r.id = c.aid_record_id"
        f" WHERE r.batch_id = ? AND c.result NOT IN ({marks})", (b.id, *vrules.unreachable_results))}
    # Each archive's status on the approval day, from its status history (effective dates, not typing dates).
    held = status_history.statuses_on(conn, b.approved_on, sorted({r["household_id"] for r in rows})) \
        if b.approved_on else {}
    lines = tuple(LineFacts(
        id=r["id"], record_no=r["record_no"], name=r["recipient_name"], payment_method=r["payment_method"],
        bank_card=r["bank_card"], signed=None in signed or r["id"] in signed, paid_on=_d(r["paid_on"]),
        sms_status=r["sms_status"], sms_error=r["sms_error"],
        archive_status=held.get(r["household_id"]),
        reached=r["id"] in reached) for r in rows)
    steps = repo.transitions(conn, b.id)

    def acted(step: tuple[str, str], recorded: str | None) -> tuple[str, ...]:
        names = [t["user"] for t in steps if (t["from_status"], t["to_status"]) == step]
        return tuple(dict.fromkeys([*([recorded] if recorded else []), *names]))

    problems = tuple(OpenProblem(p.id, p.aid_record_id, p.name, p.kind, p.opened_on)
                     for p in problem_repo.list_problems(conn, open_only=True, batch_id=b.id)
                     if p.source == SPOT_CHECK_SOURCE)
    marks_ = _marks(conn, b.id)
    return BatchFacts(
        activity=b.activity, approved_on=b.approved_on, notice_start=b.notice_start, notice_days=b.notice_days,
        notice_end=b.notice_end, required_end=required_end, required_notice_days=required_days,
        second_notice_end=b.second_notice_end,
        clerks=acted(("草稿", "审核中"), b.clerk), reviewers=acted(("审核中", "公示中"), b.reviewer),
        approvers=acted(("待审批", "已审批"), b.approver),
        payment_due_days=load_deadline_rules().payment_due_days, spot_check_share=vrules.checklist_spot_check_share,
        lines=lines, open_spot_problems=problems, national=marks_.get((NATIONAL_SYSTEM, DONE)),
        waivers={item: m for (item, mark), m in marks_.items() if mark == WAIVER},
        display_names=_display_names(conn))


# ---- helpers ----------------------------------------------------------------------------------------
def _batch(conn: sqlite3.Connection, batch_id: int) -> Batch:
    b = repo.get_batch(conn, batch_id)
    if b is None:
        raise UserError("找不到该帮扶批次，请刷新列表")
    return b


def _open_batch(conn: sqlite3.Connection, batch_id: int) -> Batch:
    b = _batch(conn, batch_id)
    if b.status == "已核查":
        raise UserError("批次已完成核查，核查清单不能再修改")
    return b


def _marks(conn: sqlite3.Connection, batch_id: int) -> dict[tuple[str, str], Mark]:
    return {(r["item"], r["mark"]): Mark(r["marked_by"], date.fromisoformat(r["marked_on"]), r["note"])
            for r in conn.execute("SELECT * FROM batch_check_marks WHERE batch_id = ?", (batch_id,))}


def _delete_mark(conn: sqlite3.Connection, batch_id: int, item: str, mark: str) -> None:
    conn.execute("DELETE FROM batch_check_marks WHERE batch_id = ? AND item = ? AND mark = ?", (batch_id, item, mark))


def _display_names(conn: sqlite3.Connection) -> dict[str, str]:
    return {r[0]: r[1] for r in conn.execute("SELECT username, display_name FROM users")}


def _d(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None
