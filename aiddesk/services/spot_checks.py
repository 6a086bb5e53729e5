"""电话抽查: draw a reproducible sample of a paid batch's lines, log the calls, open a problem for each discrepancy."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

from ..core import sampling
from ..core.batch import Batch
from ..core.batch_workflow import PAID, STAFF_ROLES
from ..core.codes import code_list
from ..core.errors import UserError
from ..core.money import format_yuan
from ..core.text import normalise
from ..core.verification_rules import load_verification_rules
from ..db import Database
from ..db import batches as batch_repo
from ..db import draws as draw_repo
from ..db import phone_calls as call_repo
from ..db import problems as problem_repo
from ..db.audit import Actor, record
from ..db.draws import DrawItem, StoredDraw
from ..db.phone_calls import PhoneCall
from ..db.units import all_units, own_unit

# Who draws and calls: the staff who also close the batch (核查完成) and follow problems up. The 审批人
# does not: the approver decided the payment and later waives checklist items; checking it is others' work.
CALLERS = STAFF_ROLES
SOURCE = "电话抽查"
NOT_CHECKED = "未抽查"
NOTE_MAX = 500


class Coverage(NamedTuple):
    called: int     # paid valid lines called at least once
    reached: int    # … of which someone answered at least once (not 未接通 / 号码错误)
    lines: int      # paid valid lines

    @property
    def share(self) -> Decimal:
        """Share of the lines called (0 with no lines)."""
        return Decimal(self.called) / self.lines if self.lines else Decimal(0)


@dataclass(frozen=True)
class DrawResult:
    draw: StoredDraw
    record_ids: tuple[int, ...]          # the lines picked, in drawing order
    repeats: StoredDraw | None           # an earlier draw of the batch with the same seed, if any
    identical: bool | None               # … and whether it picked exactly the same lines


@dataclass(frozen=True)
class SpotCheckItem:
    """One drawn line, ready for calling: the full phone number and what the recipient should confirm."""

    draw_id: int
    position: int
    record_id: int
    record_no: str
    household_id: int
    name: str
    unit_code: str
    unit_name: str
    phone: str
    amount: Decimal
    paid_on: date | None
    payment_method: str
    result: str                          # the line's 电话核实 status (未抽查 until called)
    calls: int                           # calls made about the line so far (in any round)
    last_call: PhoneCall | None
    line_state: str                      # 有效, or 已移除 when the line was corrected since

    @property
    def callable(self) -> bool:
        return self.line_state == "有效"


@dataclass(frozen=True)
class RecordedCall:
    call_id: int
    phone_check: str                     # the line's status after the call
    problem_id: int | None               # the open problem about this result (new or already open)
    problem_opened: bool                 # whether this call opened it


def results() -> list[str]:
    """The results a call may have: the 电话核实 code list without 未抽查."""
    return [r for r in code_list("phone_check") if r != NOT_CHECKED]


def strata_text(strata: dict[str, tuple[int, int]], unit_names: dict[str, str]) -> str:
    """``省财贸工会 3/30、省旅游工会 2/20``: drawn / lines of each unit."""
    return "、".join(f"{unit_names.get(code, code)} {drawn}/{population}"
                    for code, (population, drawn) in sorted(strata.items()))


def method_text(d: StoredDraw) -> str:
    """``按比例 10%`` or ``按人数 30 人``."""
    if d.method == "比例":
        percent = (Decimal(d.amount) * 100).normalize()
        return f"按比例 {percent:f}%"
    return f"按人数 {d.amount} 人"


class SpotCheckService:
    """Phone spot checks of paid batches; each write is one audited transaction."""

    def __init__(self, db: Database, actor: Actor):
        self.db = db
        self.actor = actor

    @property
    def may_check(self) -> bool:
        """Whether this user may draw and record calls (for greying out buttons)."""
        return self.actor.may(*CALLERS)

    # ---- reading -----------------------------------------------------------------------

    def batch(self, batch_id: int) -> Batch:
        b = batch_repo.get_batch(self.db.conn, batch_id)
        if b is None:
            raise UserError("找不到该帮扶批次，请刷新列表")
        return b

    def unit_names(self) -> dict[str, str]:
        return {u.code: u.name for u in all_units(self.db.conn)}

    def draws(self, batch_id: int) -> list[StoredDraw]:
        """The batch's draws, first round first."""
        return draw_repo.list_draws(self.db.conn, kind=draw_repo.PHONE, batch_id=batch_id)

    def get_draw(self, draw_id: int) -> StoredDraw:
        d = draw_repo.get_draw(self.db.conn, draw_id)
        if d is None or d.kind != draw_repo.PHONE:
            raise UserError("找不到该次电话抽查，请刷新")
        return d

    def items(self, draw_id: int) -> list[SpotCheckItem]:
        """The lines a draw picked, in drawing order, each with its latest call."""
        self.get_draw(draw_id)
        picked = [i for i in draw_repo.draw_items(self.db.conn, draw_id) if i.aid_record_id is not None]
        ids = [i.aid_record_id for i in picked]
        last = call_repo.last_calls(self.db.conn, ids)
        counts = self._call_counts(ids)
        return [_item(i, last.get(i.aid_record_id), counts.get(i.aid_record_id, 0)) for i in picked]

    def _call_counts(self, ids: list[int]) -> dict[int, int]:
        counts: dict[int, int] = {}
        for start in range(0, len(ids), 900):
            chunk = ids[start:start + 900]
            counts.update({r[0]: r[1] for r in self.db.conn.execute(
                f"SELECT aid_record_id, count(*) FROM phone_calls WHERE aid_record_id IN ({', '.join('?' * len(chunk))})"
                " GROUP BY aid_record_id", chunk)})
        return counts

    def calls(self, record_id: int) -> list[PhoneCall]:
        """Every call about a line, first call first."""
        return call_repo.calls_of_record(self.db.conn, record_id)

    def coverage(self, batch_id: int) -> Coverage:
        """(lines called, lines reached, paid valid lines) of a batch."""
        rules = load_verification_rules()
        return Coverage(*call_repo.coverage(self.db.conn, unreachable=rules.unreachable_results, batch_id=batch_id))

    def coverage_of_year(self, year: int) -> Coverage:
        """The same over the lines paid in ``year`` (as the fund report and the year's figures count them)."""
        rules = load_verification_rules()
        return Coverage(*call_repo.coverage(self.db.conn, unreachable=rules.unreachable_results, year=year))

    def discrepancies(self, batch_id: int) -> int:
        """Lines where a call found 金额不符 or 本人未收到 (rules.problem_results), even if put right since."""
        rules = load_verification_rules()
        return len(call_repo.lines_with_result(self.db.conn, rules.problem_results, batch_id=batch_id))

    def discrepancies_of_year(self, year: int) -> int:
        """Lines paid in ``year`` where a call found a discrepancy."""
        rules = load_verification_rules()
        return len(call_repo.lines_with_result(self.db.conn, rules.problem_results, year=year))

    # ---- drawing ---------------------------------------------------------------------------

    def draw(self, batch_id: int, *, share: Decimal | None = None, count: int | None = None,
             seed: str | None = None) -> DrawResult:
        """Draw lines of a paid batch to call, stratified by the household's unit, and keep the draw.

        ``share`` (0.10 = 10%, at least rules.spot_check_minimum lines) or ``count`` (exactly that
        many); neither: the share in the rules. ``seed`` repeats a draw: the same seed, size and
        lines give the same people; with a seed and neither share nor count, the size of the
        batch's earlier draw with that seed is used, so an inspector needs only the seed.
        """
        self.actor.require(*CALLERS)
        if share is not None and count is not None:
            raise UserError("请选择按比例或按人数抽取，二者只能选一种")
        rules = load_verification_rules()
        seed = normalise(seed or "").upper()
        if len(seed) > 40:
            raise UserError("种子太长了，请核对（一般为8位字母和数字）", field="seed")
        with self.db.transaction() as conn:
            b = self.batch(batch_id)
            if b.status not in PAID:
                raise UserError(f"批次处于“{b.status}”状态：电话抽查核实的是已发放的款项，"
                                "请在批次全部发放（已发放）后再抽查")
            earlier = [d for d in draw_repo.list_draws(conn, kind=draw_repo.PHONE, batch_id=b.id)
                       if seed and d.seed == seed]
            repeats = earlier[0] if earlier else None
            lines = draw_repo.paid_lines(conn, b.id)
            if not lines:
                raise UserError("本批次没有已发放的有效明细，无法抽查")
            if share is None and count is None and repeats is not None:
                # Only the seed given: repeat that draw as it was made, whatever the rules say today.
                method, amount, size = repeats.method, repeats.amount, min(repeats.size, len(lines))
            elif count is None:
                share = rules.spot_check_share if share is None else Decimal(str(share))
                size = sampling.size_for(len(lines), share=share, minimum=rules.spot_check_minimum)
                method, amount = "比例", str(share)
            else:
                size = sampling.size_for(len(lines), count=int(count))
                method, amount = "人数", str(int(count))
            seed = seed or sampling.new_seed()
            members = [sampling.Member(key=no, stratum=unit, ref=(record_id, household_id))
                       for record_id, no, household_id, unit in lines]
            picked = sampling.draw(members, size, seed)
            drawn_at = self.db.clock.stamp()
            draw_id = draw_repo.insert_draw(
                conn, kind=draw_repo.PHONE, batch_id=b.id, year=b.year, seed=seed, method=method, amount=amount,
                population=picked.population, strata=picked.strata, drawn_by=self.actor.username, drawn_at=drawn_at,
                items=[(m.ref[1], m.ref[0], m.stratum) for m in picked.picked])
            stored = draw_repo.get_draw(conn, draw_id)
            record(conn, self.actor, table="draws", key=f"{b.code}/{SOURCE}{stored.round_no}", action="insert",
                   new={"seed": seed, "method": method, "amount": amount, "population": picked.population,
                        "size": picked.size, "strata": {k: list(v) for k, v in picked.strata.items()},
                        **({"repeats_seed_of": f"第{repeats.round_no}轮"} if repeats else {})})
            record_ids = tuple(m.ref[0] for m in picked.picked)
            identical = None
            if repeats is not None:
                before = tuple(i.aid_record_id for i in draw_repo.draw_items(conn, repeats.id))
                identical = before == record_ids
        return DrawResult(stored, record_ids, repeats, identical)

    # ---- calling -------------------------------------------------------------------------------

    def record_call(self, record_id: int, *, result: str, note: str = "", called_on: date | None = None,
                    draw_id: int | None = None) -> RecordedCall:
        """Log one call about a paid line and set its 电话核实 status.

        A result in rules.problem_results (金额不符, 本人未收到) opens a problem to follow up,
        unless one of that kind is already open for the line. An unanswered call (未接通,
        号码错误) does not overwrite an earlier answered result: the log keeps every call.
        """
        self.actor.require(*CALLERS)
        allowed = results()
        if result not in allowed:
            raise UserError(f"核实结果“{result}”不可用，请选择：{'、'.join(allowed)}", field="result")
        note = (note or "").strip()
        if len(note) > NOTE_MAX:
            raise UserError(f"备注最多{NOTE_MAX}字，请精简", field="note")
        called_on = called_on or self.db.clock.today()
        if called_on > self.db.clock.today():
            raise UserError(f"通话日期 {called_on.isoformat()} 晚于今天，请核对", field="called_on")
        rules = load_verification_rules()
        with self.db.transaction() as conn:
            line = batch_repo.get_record(conn, record_id)
            if line is None:
                raise UserError("找不到该帮扶明细，请刷新")
            if line.state != "有效":
                raise UserError(f"{line.recipient_name}的这笔明细已移出名单（{line.removed_reason}），"
                                "请核实更正后的明细")
            b = self.batch(line.batch_id)
            if b.status not in PAID or line.paid_on is None:
                raise UserError(f"{line.recipient_name}的款项尚未发放，发放后才能电话核实")
            if called_on < line.paid_on:
                raise UserError(f"通话日期 {called_on.isoformat()} 早于发放日期 {line.paid_on.isoformat()}，请核对",
                                field="called_on")
            if draw_id is not None:
                d = draw_repo.get_draw(conn, draw_id)
                if d is None or d.batch_id != b.id or not draw_repo.draw_picked_record(conn, draw_id, record_id):
                    raise UserError("该明细不在所选的抽查名单中，请刷新后重试")
            call_id = call_repo.insert_call(conn, aid_record_id=record_id, draw_id=draw_id, called_on=called_on,
                                            result=result, note=note, called_by=self.actor.username,
                                            recorded_at=self.db.clock.stamp())
            record(conn, self.actor, table="phone_calls", key=f"{line.record_no}/{call_id}", action="insert",
                   new={"called_on": called_on.isoformat(), "result": result, "note": note,
                        "recipient": line.recipient_name}, household_id=line.household_id, effective=called_on)
            answered_before = line.phone_check not in (NOT_CHECKED, *rules.unreachable_results)
            status = line.phone_check if result in rules.unreachable_results and answered_before else result
            if status != line.phone_check:
                conn.execute("UPDATE aid_records SET phone_check = ? WHERE id = ?", (status, record_id))
                record(conn, self.actor, table="aid_records", key=line.record_no, action="update",
                       old={"phone_check": line.phone_check}, new={"phone_check": status},
                       household_id=line.household_id)
            problem_id, opened = None, False
            if result in rules.problem_results:
                already = [p for p in problem_repo.list_problems(conn, open_only=True, aid_record_id=record_id)
                           if p.kind == result]
                if already:
                    problem_id = already[0].id
                else:
                    description = note or (f"电话抽查时{line.recipient_name}反映{result}：本批次{b.name}"
                                           f"应发{format_yuan(line.amount)}元，{line.paid_on.isoformat()}"
                                           f"经{line.payment_method}发放")
                    problem_id = problem_repo.insert_problem(
                        conn, source=SOURCE, kind=result, description=description, opened_on=called_on,
                        opened_by=self.actor.username, batch_id=b.id, aid_record_id=record_id,
                        household_id=line.household_id)
                    opened = True
                    record(conn, self.actor, table="problems", key=str(problem_id), action="insert",
                           new={"source": SOURCE, "kind": result, "description": description,
                                "aid_record": line.record_no, "opened_on": called_on.isoformat()},
                           household_id=line.household_id)
        return RecordedCall(call_id, status, problem_id, opened)

    # ---- the call sheet ------------------------------------------------------------------------

    def call_sheet(self, draw_id: int):
        """The 电话抽查记录表 of a draw as data (a :class:`~aiddesk.reports.call_sheet.CallSheet`)."""
        from ..reports.call_sheet import CallSheet, CallSheetRow

        d = self.get_draw(draw_id)
        b = self.batch(d.batch_id)
        office = own_unit(self.db.conn)
        names = self.unit_names()
        rows = tuple(CallSheetRow(unit_name=i.unit_name, name=i.name, phone=i.phone, amount=i.amount,
                                  paid_on=i.paid_on, payment_method=i.payment_method)
                     for i in self.items(draw_id))
        return CallSheet(office_name=office.name if office else "", batch_code=b.code, batch_name=b.name,
                         round_no=d.round_no, seed=d.seed, drawn_on=d.drawn_on, drawn_by=d.drawn_by,
                         method=method_text(d), population=d.population,
                         strata=strata_text(d.strata, names), results=tuple(results()), rows=rows,
                         printed_on=self.db.clock.today())

    def write_call_sheet(self, draw_id: int, out: str | Path, *,
                         progress: Callable[[int], bool] | None = None) -> int:
        """Write the 电话抽查记录表 of a draw as a PDF; returns the number of lines on it."""
        from ..reports.call_sheet import write_call_sheet

        return write_call_sheet(out, self.call_sheet(draw_id), progress=progress)

    def export_call_sheet(self, draw_id: int, out: str | Path) -> int:
        """Write the 电话抽查记录表 of a draw as an .xlsx; returns the number of lines. The export is audited."""
        from ..reports.call_sheet_xlsx import write_call_sheet_xlsx

        sheet = self.call_sheet(draw_id)
        write_call_sheet_xlsx(out, sheet)
        # The workbook carries full phone numbers: who exported it, and where, is on record.
        with self.db.transaction() as conn:
            record(conn, self.actor, table="draws", key=f"{sheet.batch_code}/{SOURCE}{sheet.round_no}",
                   action="export", new={"file": str(out), "lines": len(sheet.rows)})
        return len(sheet.rows)


def _item(i: DrawItem, last: PhoneCall | None, calls: int) -> SpotCheckItem:
    return SpotCheckItem(draw_id=i.draw_id, position=i.position, record_id=i.aid_record_id, record_no=i.record_no or "",
                         household_id=i.household_id, name=i.name, unit_code=i.unit_code, unit_name=i.unit_name,
                         phone=i.phone, amount=i.amount, paid_on=i.paid_on, payment_method=i.payment_method or "",
                         result=i.phone_check or NOT_CHECKED, calls=calls, last_call=last,
                         line_state=i.line_state or "")
