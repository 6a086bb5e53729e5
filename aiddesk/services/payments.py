"""Paying a batch: proofs on its lines, how each line is paid, the bank's file, objections during the notice."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from ..atomic import write_atomically
from ..core.batch import AidRecord, Batch
from ..core.batch_workflow import PAID, VOID
from ..core.codes import check_code
from ..core.errors import UserError
from ..core.money import format_yuan
from ..core.text import normalise
from ..db import Database
from ..db import batches as repo
from ..db.audit import Actor, record
from .batches import BatchService, refuse_open_objections
from .funds import check_affordable
from .stored_files import BATCH_FOLDER, record_folder, store_file, stored_path

# Who pays, attaches proofs and answers objections; the same people who keep the list.
CLERKS = ("经办人", "管理员")
# Anyone on the staff may write down an objection that came in.
STAFF = ("经办人", "审核人", "管理员")

CASH = "现金"
SIGNED_LIST = "实名制签领表"
REMOVE = "异议成立，移出名单"
# The statuses in which the list is final and may be handed to the bank.
FINAL = ("已审批", *PAID)

_CARD = re.compile(r"^\d{12,19}$")
BANK_SHEET = "代发明细"
BANK_HEADERS = ("序号", "姓名", "身份证号", "卡号", "金额")


@dataclass(frozen=True)
class AidAttachment:
    """A file kept with a batch: on one line (aid_record_id) or for the whole batch (None)."""

    id: int
    aid_record_id: int | None
    batch_id: int
    kind: str
    original_name: str
    stored_name: str  # relative to the attachment folder beside the database
    sha256: str
    size: int
    added_at: str
    added_by: str


@dataclass(frozen=True)
class Objection:
    """异议: received during a 公示 or 再公示, and what came of it (outcome empty: not yet handled)."""

    id: int
    batch_id: int
    aid_record_id: int | None
    notice: str
    received_on: date
    content: str
    outcome: str
    outcome_note: str
    recorded_by: str
    recorded_at: str


@dataclass(frozen=True)
class PaidResult:
    marked: int      # lines marked paid by this call
    remaining: int   # valid lines of the batch still unpaid
    finished: bool   # the batch moved to 已发放


class PaymentService:
    """Everything between an approved list and money in people's hands; one audited transaction each."""

    def __init__(self, db: Database, actor: Actor):
        self.db = db
        self.actor = actor

    # ---- reading -----------------------------------------------------------------

    def attachments(self, batch_id: int, *, record_id: int | None = None) -> list[AidAttachment]:
        """The batch's files (all of them), or those of one line."""
        if record_id is None:
            rows = self.db.conn.execute("SELECT * FROM aid_attachments WHERE batch_id = ? ORDER BY id", (batch_id,))
        else:
            rows = self.db.conn.execute("SELECT * FROM aid_attachments WHERE batch_id = ? AND aid_record_id = ?"
                                        " ORDER BY id", (batch_id, record_id))
        return [AidAttachment(**dict(r)) for r in rows]

    def attachment_path(self, att: AidAttachment) -> Path:
        """Where the file is; a UserError for a stored name that would lead outside the attachments folder."""
        return stored_path(self.db.attachment_dir, att.stored_name)

    def objections(self, batch_id: int) -> list[Objection]:
        return [_objection(r) for r in self.db.conn.execute(
            "SELECT * FROM objections WHERE batch_id = ? ORDER BY id", (batch_id,))]

    # ---- attachments -----------------------------------------------------------------

    def attach_to_line(self, record_id: int, kind: str, source_path: str | Path) -> int:
        """Copy a bill, certificate, admission notice or signed list in and register it on one line."""
        return self._attach(kind, source_path, record_id=record_id)

    def attach_to_batch(self, batch_id: int, kind: str, source_path: str | Path) -> int:
        """Register a file for the whole batch, above all the signed 实名制签领表 of its cash lines."""
        return self._attach(kind, source_path, batch_id=batch_id)

    def _attach(self, kind: str, source: str | Path, *, record_id: int | None = None,
                batch_id: int | None = None) -> int:
        self.actor.require(*CLERKS)
        check_code("aid_attachment_kind", kind, "附件类型")
        source = Path(source)
        if not source.is_file():
            raise UserError(f"找不到文件“{source}”")
        created: list[Path] = []
        try:
            with self.db.transaction() as conn:
                line = None
                if record_id is not None:
                    line = _valid_line(conn, record_id)
                    batch_id = line.batch_id
                b = _batch(conn, batch_id)
                if b.status == VOID:
                    raise UserError("批次已作废，不能再添加附件")
                # Under the 批次编号 only when it is a safe folder name, else the batch's id (issue 16).
                folder = f"{BATCH_FOLDER}/{record_folder(b.code, str(b.id))}"
                f = store_file(self.db.attachment_dir, folder, source, created)
                att_id = conn.execute(
                    "INSERT INTO aid_attachments (aid_record_id, batch_id, kind, original_name, stored_name, sha256,"
                    " size, added_at, added_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (record_id, b.id, kind, f.original_name, f.stored_name, f.sha256, f.size, self.db.clock.stamp(),
                     self.actor.username)).lastrowid
                record(conn, self.actor, table="aid_attachments", key=f"{b.code}/{att_id}", action="insert",
                       new={"kind": kind, "file": f.original_name, "sha256": f.sha256,
                            "aid_record": line.record_no if line else "（整个批次）"},
                       household_id=line.household_id if line else None)
        except BaseException:
            _remove(created)  # the row rolled back; the copied file goes too
            raise
        return att_id

    # ---- paying ------------------------------------------------------------------------

    def set_payment_method(self, record_id: int, method: str, bank_card: str = "") -> None:
        """会员服务卡, 银行卡 or 现金 for one line; an empty ``bank_card`` keeps the card on record."""
        self.actor.require(*CLERKS)
        check_code("payment_method", method, "发放方式")
        card = normalise(bank_card or "")
        if card and not _CARD.match(card):
            raise UserError("银行卡号应为12–19位数字，请核对", field="bank_card")
        with self.db.transaction() as conn:
            line = _valid_line(conn, record_id)
            b = _batch(conn, line.batch_id)
            if b.status in PAID or b.status == VOID:
                raise UserError(f"批次已{b.status}，不能再修改发放方式")
            if line.paid_on is not None:
                raise UserError(f"{line.recipient_name}已于{line.paid_on.isoformat()}登记发放，不能再修改发放方式")
            card = card or line.bank_card
            if method != CASH and not card:
                raise UserError(f"按{method}发放须填写卡号", field="bank_card")
            conn.execute("UPDATE aid_records SET payment_method = ?, bank_card = ? WHERE id = ?",
                         (method, card, record_id))
            record(conn, self.actor, table="aid_records", key=line.record_no, action="update",
                   old={"payment_method": line.payment_method, "bank_card": line.bank_card},
                   new={"payment_method": method, "bank_card": card}, household_id=line.household_id)

    def mark_paid(self, batch_id: int, *, paid_on: date, record_ids: list[int] | None = None) -> PaidResult:
        """Record lines of an approved batch as paid (all unpaid ones when ``record_ids`` is None).

        A cash line counts as paid only with a signed 实名制签领表 attached to it or to the batch.
        When the last valid line is paid the batch moves to 已发放, dated ``paid_on``, in the
        same transaction.
        """
        self.actor.require(*CLERKS)
        with self.db.transaction() as conn:
            b = _batch(conn, batch_id)
            if b.status in PAID:
                raise UserError(f"批次已于{_iso(b.paid_on)}全部发放，无需再登记")
            if b.status != "已审批":
                raise UserError(f"批次处于“{b.status}”状态，审批通过后才能登记发放")
            if paid_on > self.db.clock.today():
                raise UserError(f"发放日期 {paid_on.isoformat()} 晚于今天，请核对", field="paid_on")
            if b.approved_on and paid_on < b.approved_on:
                raise UserError(f"发放日期 {paid_on.isoformat()} 早于审批日期 {b.approved_on.isoformat()}，请核对",
                                field="paid_on")
            if b.second_notice_end is not None and paid_on <= b.second_notice_end:
                raise UserError(f"再公示到 {b.second_notice_end.isoformat()} 才结束，结束后才能发放", field="paid_on")
            if b.second_notice_start is not None:
                refuse_open_objections(conn, b.id, "再公示")
            lines = repo.records_of_batch(conn, b.id)
            if not lines:
                raise UserError("名单中没有有效的帮扶明细，无法登记发放")
            if record_ids is None:
                chosen = [r for r in lines if r.paid_on is None]
            else:
                by_id = {r.id: r for r in lines}
                if not record_ids:
                    raise UserError("请选择要登记发放的人员")
                if any(i not in by_id for i in record_ids):
                    raise UserError("所选明细不在本批次的有效名单中，请刷新后重试")
                chosen = [by_id[i] for i in dict.fromkeys(record_ids)]
                done = [r for r in chosen if r.paid_on is not None]
                if done:
                    raise UserError(f"以下人员已登记发放：{_names(done)}，请勿重复登记")
            if not chosen:
                raise UserError("名单中的人员都已登记发放")
            signed = _signed_lines(conn, b.id)
            unsigned = [r for r in chosen if r.payment_method == CASH and None not in signed and r.id not in signed]
            if unsigned:
                raise UserError(f"以下人员为现金发放，但还没有登记已签字的实名制签领表：{_names(unsigned)}。"
                                "现金发放须由本人在实名制签领表上签字，请将签领表扫描后作为附件"
                                "添加到该人员的明细或整个批次，再登记发放")
            no_card = [r for r in chosen if r.payment_method != CASH and not r.bank_card]
            if no_card:
                raise UserError(f"以下人员没有卡号，无法确认已发放到卡：{_names(no_card)}。请先补录卡号或改为现金发放")
            needs: dict[str, Decimal] = {}
            for r in chosen:
                needs[r.fund_source] = needs.get(r.fund_source, Decimal("0.00")) + r.amount
            check_affordable(conn, b.unit_code, paid_on.year, needs, what="发放")  # 专款专用: never beyond the money
            conn.executemany("UPDATE aid_records SET paid_on = ? WHERE id = ?",
                             [(paid_on.isoformat(), r.id) for r in chosen])
            for r in chosen:
                record(conn, self.actor, table="aid_records", key=r.record_no, action="update",
                       old={"paid_on": ""}, new={"paid_on": paid_on.isoformat()}, household_id=r.household_id,
                       effective=paid_on)
            remaining = sum(1 for r in lines if r.paid_on is None) - len(chosen)
            if remaining == 0:
                BatchService(self.db, self.actor).transition(b.id, "已发放", on=paid_on)
        return PaidResult(len(chosen), remaining, remaining == 0)

    def bank_file(self, batch_id: int, out: str | Path) -> int:
        """Write the bank's 代发明细 workbook of the non-cash lines; returns how many lines.

        Only a final list (from 已审批 on) goes to the bank. 身份证号 and 卡号 are text cells:
        Excel keeps only 15 significant digits of a number, which would ruin both.
        """
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Font

        from ..reports.xlsx_layout import fit_columns, print_setup

        self.actor.require(*CLERKS)
        out = Path(out)
        b = _batch(self.db.conn, batch_id)
        if b.status not in FINAL:
            raise UserError(f"批次处于“{b.status}”状态，名单还可能变化；审批通过后才能导出银行代发文件"
                            if b.status != VOID else "批次已作废，不能导出银行代发文件")
        lines = [r for r in repo.records_of_batch(self.db.conn, b.id) if r.payment_method != CASH]
        if not lines:
            raise UserError("本批次没有需要银行代发的明细（全部为现金发放）")
        no_card = [r for r in lines if not r.bank_card]
        if no_card:
            raise UserError(f"以下人员没有卡号：{_names(no_card)}。请先补录卡号或改为现金发放，再导出")

        wb = Workbook()
        ws = wb.active
        ws.title = BANK_SHEET
        wb.properties.title = f"{b.code} {b.name} 代发明细"
        wb.properties.creator = "AidDesk"
        ws.append(list(BANK_HEADERS))
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center")
        total = Decimal("0.00")
        for i, r in enumerate(lines, start=1):
            row = i + 1
            ws.cell(row, 1, i)
            ws.cell(row, 2, r.recipient_name)
            for col, text in ((3, r.recipient_id_number), (4, r.bank_card)):
                cell = ws.cell(row, col, str(text))
                cell.data_type = "s"
                cell.number_format = "@"
            ws.cell(row, 5, r.amount).number_format = "#,##0.00"
            total += r.amount
        last = len(lines) + 2
        ws.cell(last, 1, "合计").font = Font(bold=True)
        count = ws.cell(last, 2, len(lines))
        count.number_format = '0"人"'
        count.font = Font(bold=True)
        amount = ws.cell(last, 5, total)
        amount.number_format = "#,##0.00"
        amount.font = Font(bold=True)
        # The bank's system reads the cells as they are: only widths and print setup are ours to choose.
        fit_columns(ws)
        print_setup(ws, title_rows=(1, 1))

        write_atomically(out, wb.save, opened_in=" Excel ")
        # The file carries full ID and card numbers: who exported it, and where, is on record.
        with self.db.transaction() as conn:
            record(conn, self.actor, table="batches", key=b.code, action="export",
                   new={"file": str(out), "lines": len(lines), "total": str(total)})
        return len(lines)

    # ---- objections -------------------------------------------------------------------------

    def record_objection(self, batch_id: int, *, received_on: date, content: str, record_id: int | None = None,
                         notice: str = "公示") -> int:
        """Write down an objection received during the batch's 公示 (or 再公示); returns its id."""
        self.actor.require(*STAFF)
        content = (content or "").strip()
        if len(content) < 2:
            raise UserError("请填写异议内容（反映人反映的情况）", field="content")
        if notice not in ("公示", "再公示"):
            raise UserError("异议应登记在“公示”或“再公示”期间", field="notice")
        with self.db.transaction() as conn:
            b = _batch(conn, batch_id)
            _check_notice_open(b, notice)
            start = b.notice_start if notice == "公示" else b.second_notice_start
            if start and received_on < start:
                raise UserError(f"收到日期 {received_on.isoformat()} 早于{notice}开始日期 {start.isoformat()}，请核对",
                                field="received_on")
            line = None
            if record_id is not None:
                line = _valid_line(conn, record_id)
                if line.batch_id != b.id:
                    raise UserError("异议针对的人员不在本批次名单中")
            objection_id = conn.execute(
                "INSERT INTO objections (batch_id, aid_record_id, notice, received_on, content, recorded_by,"
                " recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (b.id, record_id, notice, received_on.isoformat(), content, self.actor.username,
                 self.db.clock.stamp())).lastrowid
            record(conn, self.actor, table="objections", key=f"{b.code}/{objection_id}", action="insert",
                   new={"notice": notice, "received_on": received_on.isoformat(), "content": content,
                        "aid_record": line.record_no if line else "", "recipient": line.recipient_name if line else ""},
                   household_id=line.household_id if line else None, effective=received_on)
        return objection_id

    def resolve_objection(self, objection_id: int, outcome: str, note: str) -> None:
        """Record what came of an objection; 异议成立，移出名单 takes the line out, keeping why."""
        self.actor.require(*CLERKS)
        check_code("objection_outcome", outcome, "处理结果")
        note = (note or "").strip()
        if len(note) < 2:
            raise UserError("请写明核实情况和处理意见", field="note")
        with self.db.transaction() as conn:
            row = conn.execute("SELECT * FROM objections WHERE id = ?", (objection_id,)).fetchone()
            if row is None:
                raise UserError("找不到该异议记录，请刷新后重试")
            o = _objection(row)
            if o.outcome:
                raise UserError(f"该异议已处理（{o.outcome}），不能重复处理")
            b = _batch(conn, o.batch_id)
            _check_notice_open(b, o.notice)
            line = repo.get_record(conn, o.aid_record_id) if o.aid_record_id is not None else None
            if outcome == REMOVE:
                if line is None:
                    raise UserError("该异议没有指明针对名单中的哪一位，不能移出名单。"
                                    "请另行登记针对具体人员的异议")
                if b.status != "公示中":
                    raise UserError(f"批次已{b.status}，名单已锁定，再公示期间不能直接移出名单。"
                                    "异议成立的，请由审批人作废本批次后重新办理")
                BatchService(self.db, self.actor).remove_record(
                    line.id, f"{o.notice}期间异议成立（{o.received_on.isoformat()}收到：{o.content}）：{note}")
            conn.execute("UPDATE objections SET outcome = ?, outcome_note = ? WHERE id = ?",
                         (outcome, note, objection_id))
            record(conn, self.actor, table="objections", key=f"{b.code}/{objection_id}", action="update",
                   old={"outcome": "", "outcome_note": ""}, new={"outcome": outcome, "outcome_note": note},
                   household_id=line.household_id if line else None)


# ---- helpers -------------------------------------------------------------------------------

def _batch(conn: sqlite3.Connection, batch_id: int | None) -> Batch:
    b = repo.get_batch(conn, batch_id) if batch_id is not None else None
    if b is None:
        raise UserError("找不到该帮扶批次，请刷新列表")
    return b


def _valid_line(conn: sqlite3.Connection, record_id: int) -> AidRecord:
    line = repo.get_record(conn, record_id)
    if line is None:
        raise UserError("找不到该帮扶明细，请刷新列表")
    if line.state != "有效":
        raise UserError(f"{line.recipient_name}已移出名单（{line.removed_reason}）")
    return line


def _check_notice_open(b: Batch, notice: str) -> None:
    """Objections belong to a notice under way: 公示 while 公示中, 再公示 once approved and re-noticed."""
    in_second = b.status == "已审批" and b.second_notice_start is not None
    if notice == "公示" and b.status == "公示中":
        return
    if notice == "再公示" and in_second:
        return
    if in_second:
        raise UserError("本批次正在再公示，请按“再公示”登记和处理异议")
    raise UserError(f"批次处于“{b.status}”状态：只有在公示期间（公示中）或再公示期间才能登记和处理异议")


def _signed_lines(conn: sqlite3.Connection, batch_id: int) -> set[int | None]:
    """Line ids with a signed 实名制签领表; None in the set: one covers the whole batch."""
    return {r[0] for r in conn.execute(
        "SELECT DISTINCT aid_record_id FROM aid_attachments WHERE batch_id = ? AND kind = ?", (batch_id, SIGNED_LIST))}


def _objection(row: sqlite3.Row) -> Objection:
    values = dict(row)
    values["received_on"] = date.fromisoformat(values["received_on"])
    return Objection(**values)


def _names(lines: list[AidRecord], limit: int = 20) -> str:
    names = [f"{r.recipient_name}（{format_yuan(r.amount)}元）" for r in lines[:limit]]
    more = f"等{len(lines)}人" if len(lines) > limit else ""
    return "、".join(names) + more


def _iso(d: date | None) -> str:
    return d.isoformat() if d else ""


def _remove(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
