"""Aid batches: drafting, choosing recipients under the checks, and the approval workflow."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from ..core.aid_checks import (AidFacts, Problem, apply_override, check_aid, default_aid_category, load_aid_caps,
                               required_line_proofs)
from ..core.batch import AidRecord, Batch
from ..core.batch_workflow import check_transition, locked
from ..core.codes import check_code, code_list
from ..core.errors import UserError, ValidationError
from ..core.money import to_fen
from ..core.record_codes import check_batch_code
from ..core.workdays import Calendar, load_notice_rules, notice_end, notice_warnings
from ..db import Database
from ..db import batches as repo
from ..db import households as household_repo
from ..db.audit import Actor, record
from ..db.funds import fund_sources
from ..db.household_list import HouseholdFilter, _where
from ..db.settings import find_dibao_line, office_calendar
from ..db.units import get_unit

# Who opens a batch and chooses its recipients.
CLERKS = ("经办人", "管理员")


@dataclass(frozen=True)
class Refusal:
    """A household the checks kept out of a batch, and why."""

    household_id: int
    archive_no: str
    name: str
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class AddResult:
    added: int
    refused: tuple[Refusal, ...]


class BatchService:
    """Everything done to a batch; each method is one audited transaction."""

    def __init__(self, db: Database, actor: Actor):
        self.db = db
        self.actor = actor

    # ---- reading ---------------------------------------------------------------

    def get(self, batch_id: int) -> Batch:
        b = repo.get_batch(self.db.conn, batch_id)
        if b is None:
            raise UserError("找不到该帮扶批次，请刷新列表")
        return b

    def find(self, code: str) -> Batch:
        batch_id = repo.find_batch_id(self.db.conn, code.strip())
        if batch_id is None:
            raise UserError(f"找不到批次编号为“{code}”的帮扶批次")
        return self.get(batch_id)

    def records(self, batch_id: int, *, include_removed: bool = False) -> list[AidRecord]:
        return repo.records_of_batch(self.db.conn, batch_id, include_removed=include_removed)

    def fund_sources(self) -> list[str]:
        """The 资金来源 a batch may draw on: the defaults and those the office added."""
        return fund_sources(self.db.conn)

    def calendar(self) -> Calendar:
        return office_calendar(self.db.conn)

    # ---- the batch itself ---------------------------------------------------------

    def save_draft(self, b: Batch) -> int:
        """Create a batch, or change one still in 草稿; returns its id."""
        self.actor.require(*CLERKS)
        b = replace(b, fund_sources=list(b.fund_sources), student_standards=dict(b.student_standards))
        _validate_batch(b, sources=fund_sources(self.db.conn))
        with self.db.transaction() as conn:
            if get_unit(conn, b.unit_code) is None:
                raise ValidationError({"unit_code": f"单位代码“{b.unit_code}”不存在"})
            now = self.db.clock.stamp()
            if b.id is None:
                try:  # a fixed alphabet: no path characters (issue 16), whether typed or made from the unit code
                    b.code = check_batch_code(b.code or repo.next_batch_code(conn, b.unit_code, b.year))
                except UserError as err:
                    raise ValidationError({"code": err.message}) from None
                if repo.find_batch_id(conn, b.code) is not None:
                    raise ValidationError({"code": f"批次编号“{b.code}”已被使用"})
                b.status, b.clerk = "草稿", self.actor.username
                b.id = repo.insert_batch(conn, b, now=now)
                record(conn, self.actor, table="batches", key=b.code, action="insert", new=_batch_audit(b))
                return b.id
            old = repo.get_batch(conn, b.id)
            if old is None:
                raise UserError("该帮扶批次已不存在")
            if old.status != "草稿":
                raise UserError(f"批次已是“{old.status}”状态，只有草稿可以修改；如需修改请先退回")
            b.status, b.clerk, b.code = old.status, old.clerk, old.code
            repo.update_batch(conn, b, now=now)
            record(conn, self.actor, table="batches", key=b.code, action="update",
                   old=_batch_audit(old), new=_batch_audit(b))
            return b.id

    # ---- recipients ------------------------------------------------------------------

    def add_from_filter(self, batch_id: int, flt: HouseholdFilter, *, amount: Decimal | None = None,
                        fund_source: str | None = None) -> AddResult:
        """Add every 在档 household the filter finds that passes the checks.

        One transaction; the refused ones are returned with their reasons.
        """
        self.actor.require(*CLERKS)
        conn = self.db.conn
        with self.db.transaction():
            b = self._editable(batch_id)
            if b.activity in ("临时救助", "医疗救助"):
                raise UserError(f"{b.activity}须由职工本人申请，请逐户录入申请（含申请日期），不能按条件批量添加")
            amount = amount if amount is not None else b.standard
            if amount is None:
                raise UserError("该批次没有统一发放标准，请填写每户金额", field="amount")
            source = self._fund_source(b, fund_source)
            # Only 在档 archives: 临时救助 (which also reaches 临时 archives) is refused above.
            where, args = _where(replace(flt, statuses=("在档",)))
            rows = conn.execute(
                f"SELECT h.id, h.archive_no, h.name, h.id_number, h.archive_status, h.bank_card, h.hukou_area_code"
                f" FROM households h{where} ORDER BY h.archive_no", args).fetchall()
            ids = [r["id"] for r in rows]
            category = default_aid_category(b.activity, load_aid_caps()) or "生活救助"
            totals = repo.yearly_totals(conn, ids, aid_category=category, year=b.year, exclude_batch=b.id)
            repeat = (repo.households_with_activity(conn, ids, activity="送温暖", year=b.year, exclude_batch=b.id)
                      if b.activity == "送温暖" else set())
            present = repo.households_in_batch(conn, b.id)
            caps = load_aid_caps()
            lines_by_area: dict[str, Decimal | None] = {}  # a few areas serve thousands of households
            lines, refused = [], []
            stamp = self.db.clock.stamp()
            for r in rows:
                facts = AidFacts(
                    archive_status=r["archive_status"], activity=b.activity, aid_category=category, amount=amount,
                    standard=b.standard, yearly_total_before=Decimal(totals.get(r["id"], 0)) / 100,
                    dibao_line=_cached(lines_by_area, r["hukou_area_code"] or r["id_number"][:6],
                                       lambda area: self._line(area, b.year, category)),
                    already_in_batch=r["id"] in present, song_nuan_this_year=r["id"] in repeat,
                    student_aided_this_year=False, self_paid=None,
                    is_individual_application=b.activity != "临时救助")
                problems = check_aid(facts, caps)
                if problems:
                    refused.append(Refusal(r["id"], r["archive_no"], r["name"], tuple(problems)))
                    continue
                lines.append(AidRecord(batch_id=b.id, household_id=r["id"], recipient_name=r["name"],
                                       recipient_id_number=r["id_number"], aid_category=category,
                                       fund_source=source, amount=amount, bank_card=r["bank_card"] or "",
                                       created_by=self.actor.username, created_at=stamp))
            for line, number in zip(lines, repo.next_record_numbers(conn, b.code, len(lines))):
                line.record_no = number
            repo.insert_records(conn, lines)
            if lines:
                record(conn, self.actor, table="aid_records", key=b.code, action="insert",
                       new={"added": len(lines), "amount": str(amount), "fund_source": source,
                            "filter": _filter_text(flt)})
        return AddResult(len(lines), tuple(refused))

    def add_line(self, batch_id: int, line: AidRecord, *, override_reason: str = "") -> int:
        """Add one individual line (an application, a student, a patient) under the checks.

        Overridable problems (above the standard or the yearly cap, a repeat) let the line
        in only with an approver's written ``override_reason``, kept on the line and printed
        on the approval form.
        """
        self.actor.require(*CLERKS, "审批人")
        conn = self.db.conn
        with self.db.transaction():
            b = self._editable(batch_id)
            h = household_repo.get_household(conn, line.household_id)
            if h is None:
                raise UserError("找不到该档案")
            line = replace(line, batch_id=b.id, fund_source=self._fund_source(b, line.fund_source or None))
            line.aid_category = line.aid_category or default_aid_category(b.activity, load_aid_caps()) or "生活救助"
            check_code("aid_category", line.aid_category, "救助类别")
            check_code("payment_method", line.payment_method, "发放方式")
            if line.aid_category == "医疗救助" and not (line.hospital.strip() and line.diagnosis.strip()):
                raise UserError("医疗救助请填写就诊的县级以上医疗机构名称和诊断", field="hospital")
            people = {h.id_number: h.name, **{m.id_number: m.name for m in h.members if m.id_number}}
            line.recipient_id_number = line.recipient_id_number or h.id_number
            if line.recipient_id_number not in people:
                raise UserError("领取人必须是该户的户主或家庭成员", field="recipient_id_number")
            line.recipient_name = people[line.recipient_id_number]
            line.bank_card = line.bank_card or h.bank_card
            facts = AidFacts(
                archive_status=h.archive_status, activity=b.activity, aid_category=line.aid_category,
                amount=line.amount, standard=self._standard(b, line),
                yearly_total_before=Decimal(repo.yearly_totals(
                    conn, [h.id], aid_category=line.aid_category, year=b.year, exclude_batch=b.id).get(h.id, 0)) / 100,
                dibao_line=self._line(h.hukou_area_code or h.id_number[:6], b.year, line.aid_category),
                already_in_batch=h.id in repo.households_in_batch(conn, b.id),
                song_nuan_this_year=b.activity == "送温暖" and h.id in repo.households_with_activity(
                    conn, [h.id], activity="送温暖", year=b.year, exclude_batch=b.id),
                student_aided_this_year=bool(line.student_id_number) and repo.student_aided_in_year(
                    conn, line.student_id_number, year=b.year, exclude_batch=b.id),
                self_paid=line.self_paid,
                is_individual_application=line.application_date is not None or b.activity != "临时救助")
            problems = check_aid(facts, load_aid_caps())
            if problems and not override_reason.strip():
                raise UserError("不能加入名单：" + "；".join(p.message for p in problems)
                                + ("。如确需发放，请审批人填写理由特批" if all(p.overridable for p in problems) else ""))
            if problems:
                granted = apply_override(problems, override_reason, self.actor.roles, actor=self.actor.username,
                                         clerk=b.clerk)
                line.override_problems = "；".join(granted.messages)
                line.override_reason, line.override_by = granted.reason, self.actor.username
            line.record_no = repo.next_record_numbers(conn, b.code, 1)[0]
            line.created_by, line.created_at = self.actor.username, self.db.clock.stamp()
            repo.insert_records(conn, [line])
            line_id = conn.execute("SELECT id FROM aid_records WHERE record_no = ?", (line.record_no,)).fetchone()[0]
            record(conn, self.actor, table="aid_records", key=line.record_no, action="insert",
                   new={"batch": b.code, "recipient": line.recipient_name, "amount": str(line.amount),
                        "aid_category": line.aid_category, "override_reason": line.override_reason},
                   household_id=h.id)
        return line_id

    def remove_record(self, record_id: int, reason: str) -> None:
        """Take a line out of a batch not yet approved (e.g. after an objection); it stays on record with why."""
        self.actor.require(*CLERKS)
        if len(reason.strip()) < 2:
            raise UserError("请写明移出名单的原因", field="reason")
        with self.db.transaction() as conn:
            line = repo.get_record(conn, record_id)
            if line is None or line.state != "有效":
                raise UserError("该明细已不在名单中")
            self._editable(line.batch_id)
            repo.set_record_state(conn, record_id, state="已移除", removed_reason=reason.strip())
            record(conn, self.actor, table="aid_records", key=line.record_no, action="status",
                   old={"state": "有效"}, new={"state": "已移除", "removed_reason": reason.strip()},
                   household_id=line.household_id)

    def correct_line(self, record_id: int, *, amount: Decimal, reason: str) -> int:
        """After approval a line is never edited: a correcting line replaces it, and the old one is kept.

        The old line leaves the list (state 已移除, with why); the new one points back to it
        (``corrects_id``) and carries the reason. Only an approver may correct an approved list.
        """
        self.actor.require("审批人")
        reason = reason.strip()
        if len(reason) < 4:
            raise UserError("请写明更正的理由（至少4个字）", field="reason")
        if amount is None or amount <= 0:
            raise UserError("更正后的金额应大于0", field="amount")
        with self.db.transaction() as conn:
            old = repo.get_record(conn, record_id)
            if old is None or old.state != "有效":
                raise UserError("该明细已不在名单中，不能更正")
            b = self.get(old.batch_id)
            if not locked(b.status) or b.status == "已作废":
                raise UserError("审批通过前请直接移出或重新添加，审批后才用更正明细")
            if old.paid_on is not None:
                raise UserError(f"该笔已于{old.paid_on.isoformat()}发放，不能更正；如需追回或补发请另建批次")
            new = replace(old, id=None, amount=amount, corrects_id=old.id, correction_reason=reason,
                          record_no=repo.next_record_numbers(conn, b.code, 1)[0], created_by=self.actor.username,
                          created_at=self.db.clock.stamp())
            repo.set_record_state(conn, old.id, state="已移除", removed_reason=f"被 {new.record_no} 更正：{reason}")
            repo.insert_records(conn, [new])
            new_id = conn.execute("SELECT id FROM aid_records WHERE record_no = ?", (new.record_no,)).fetchone()[0]
            record(conn, self.actor, table="aid_records", key=new.record_no, action="insert",
                   old={"record_no": old.record_no, "amount": str(old.amount)},
                   new={"record_no": new.record_no, "amount": str(amount), "correction_reason": reason},
                   household_id=old.household_id)
        return new_id

    # ---- the workflow ---------------------------------------------------------------------

    def transition(self, batch_id: int, target: str, *, reason: str = "", on: date | None = None,
                   notice_start: date | None = None) -> list[str]:
        """Move a batch one step (提交审核, 审核通过并公示, …); returns warnings (e.g. unknown holiday years).

        ``on`` is the step's business date (default today; never later): the 公示 starts then (unless
        ``notice_start`` is given), the approval or the payment is dated so.
        """
        today = self.db.clock.today()
        on = on or today
        if on > today:
            raise UserError(f"办理日期 {on.isoformat()} 晚于今天（{today.isoformat()}），请核对")
        warnings: list[str] = []
        with self.db.transaction() as conn:
            b = self.get(batch_id)
            cal = self.calendar()
            over = b.notice_end is not None and on > b.notice_end
            check_transition(b.status, target, actor=self.actor.username, actor_roles=self.actor.roles,
                             clerk=b.clerk, reviewer=b.reviewer, approver=b.approver, notice_over=over,
                             reason=reason)
            old = _batch_audit(b)
            if target == "审核中" and b.status == "草稿":
                lines = repo.records_of_batch(conn, b.id)
                if not lines:
                    raise UserError("名单中还没有任何人，请先添加帮扶对象")
                _check_line_proofs(lines, repo.line_attachment_kinds(conn, b.id))
                if b.activity == "送温暖" and not (b.plan_text and b.plan_approved_by and b.plan_approved_on):
                    raise UserError("送温暖等集中帮扶须先录入活动方案及审批情况（主席办公会或领导审批）",
                                    field="plan_text")
            if b.status == "公示中" and target == "待审批":
                refuse_open_objections(conn, b.id, "公示")
            if target == "公示中":
                if not b.notice_phone.strip():
                    raise UserError("公示名单须写明受理异议的联系电话，请经办人在批次信息中填写后再审核",
                                    field="notice_phone")
                b.reviewer = self.actor.username
                b.notice_start = notice_start or on
                b.notice_days = b.notice_days or load_notice_rules().notice_working_days
                b.notice_end = notice_end(b.notice_start, b.notice_days, cal)
                warnings = notice_warnings(b.notice_start, b.notice_end, cal)
            if target == "已审批":
                b.approver, b.approved_on = self.actor.username, on
            if target == "已发放":
                unpaid = [r.recipient_name for r in repo.records_of_batch(conn, b.id) if r.paid_on is None]
                if unpaid:
                    raise UserError(f"还有 {len(unpaid)} 人未登记发放（{'、'.join(unpaid[:5])}{'等' if len(unpaid) > 5 else ''}），"
                                    "请先登记发放（现金须有签字的实名制签领表）")
                if b.second_notice_end is not None and on <= b.second_notice_end:
                    raise UserError(f"再公示到 {b.second_notice_end.isoformat()} 才结束，结束后才能确认发放",
                                    field="second_notice_end")
                b.paid_on = on
            if target == "已核查":
                from .checklist import refuse_unless_complete  # imported here: the checklist builds on this module

                refuse_unless_complete(self.db, b.id)
            if target == "已作废":
                b.void_reason = reason.strip()
            b.status = target
            stamp = self.db.clock.stamp()
            repo.update_batch(conn, b, now=stamp)
            repo.record_transition(conn, b.id, from_status=old["status"], to_status=target,
                                   user=self.actor.username, via=self.actor.via, at=stamp, reason=reason.strip())
            effective = {"公示中": b.notice_start, "已审批": b.approved_on, "已发放": b.paid_on}.get(target, on)
            record(conn, self.actor, table="batches", key=b.code, action="status", old=old, new=_batch_audit(b),
                   effective=effective)
        return warnings

    def start_second_notice(self, batch_id: int, *, start: date | None = None, days: int | None = None) -> list[str]:
        """再公示: post the approved list again before paying (from ``start``, default today); payment waits until
        it is over."""
        self.actor.require(*CLERKS, "审核人")
        start = start or self.db.clock.today()
        with self.db.transaction() as conn:
            b = self.get(batch_id)
            if b.status != "已审批":
                raise UserError(f"再公示在审批通过后、发放前进行；本批次现在是“{b.status}”")
            cal = self.calendar()
            old = _batch_audit(b)
            b.second_notice_start = start
            b.second_notice_days = days or load_notice_rules().notice_working_days
            b.second_notice_end = notice_end(start, b.second_notice_days, cal)
            repo.update_batch(conn, b, now=self.db.clock.stamp())
            record(conn, self.actor, table="batches", key=b.code, action="update", old=old,
                   new={**_batch_audit(b), "second_notice": f"{start.isoformat()}—{b.second_notice_end.isoformat()}"},
                   effective=start)
        return notice_warnings(b.second_notice_start, b.second_notice_end, cal)

    # ---- helpers --------------------------------------------------------------------------

    def _editable(self, batch_id: int) -> Batch:
        b = self.get(batch_id)
        if locked(b.status):
            raise UserError(f"批次已{b.status}，名单和金额已锁定；如需更正请新增更正明细并写明理由")
        if b.status not in ("草稿", "公示中"):
            raise UserError(f"批次处于“{b.status}”状态，不能修改名单；请先退回修改")
        return b

    def _standard(self, b: Batch, line: AidRecord) -> Decimal | None:
        """The batch standard that applies to a line: per student for 金秋助学, else per household."""
        if line.education_level and line.student_kind:
            return b.student_standards.get((line.education_level, line.student_kind), b.standard)
        return b.standard

    def _fund_source(self, b: Batch, chosen: str | None) -> str:
        source = chosen or (b.fund_sources[0] if b.fund_sources else "")
        if not source:
            raise UserError("请先为批次选择资金来源", field="fund_sources")
        if b.fund_sources and source not in b.fund_sources:
            raise UserError(f"资金来源“{source}”不是本批次的资金来源（{'、'.join(b.fund_sources)}）")
        return source

    def _line(self, area: str, year: int, category: str) -> Decimal | None:
        return find_dibao_line(self.db.conn, area, year) if category in load_aid_caps().yearly else None


def _check_line_proofs(lines: list[AidRecord], attached: dict[int, set[str]]) -> None:
    """Medical bills and certificates, admission notices: required before a batch goes to review."""
    missing = []
    for r in lines:
        lacking = [k for k in required_line_proofs(r.aid_category, r.student_kind) if k not in attached.get(r.id, set())]
        if lacking:
            missing.append(f"{r.student_name or r.recipient_name}缺{'、'.join(lacking)}")
    if missing:
        shown = "；".join(missing[:8]) + (f"；等 {len(missing)} 人" if len(missing) > 8 else "")
        raise UserError(f"以下明细缺少必备附件，请选中后用“添加附件”补齐再提交：{shown}")


def _cached(cache: dict, key, compute):
    if key not in cache:
        cache[key] = compute(key)
    return cache[key]


def refuse_open_objections(conn, batch_id: int, notice: str) -> None:
    """An objection must be answered while its notice is still open: afterwards it could never be closed."""
    rows = conn.execute("SELECT received_on, content FROM objections WHERE batch_id = ? AND notice = ? AND outcome = ''"
                        " ORDER BY id", (batch_id, notice)).fetchall()
    if rows:
        first = rows[0]
        raise UserError(f"{notice}期间收到的异议还有 {len(rows)} 条未处理（如 {first[0]} 收到：{first[1][:30]}），"
                        "请先核实并登记处理结果")


def _amount_problem(amount: Decimal) -> str | None:
    """Why ``amount`` cannot be a standard, or None; to_fen first, because NaN cannot be compared with 0."""
    try:
        to_fen(amount)
    except UserError as err:
        return err.message
    return None if amount > 0 else "应大于0"


def _validate_batch(b: Batch, *, sources: list[str]) -> None:
    problems: dict[str, str] = {}
    b.name = b.name.strip()
    if not b.name:
        problems["name"] = "请填写批次名称，如“2026年两节送温暖”"
    try:
        check_code("activity", b.activity, "活动类型")
    except UserError as err:
        problems["activity"] = err.message
    if not 2000 <= (b.year or 0) <= 2100:
        problems["year"] = "请填写年度"
    unknown = [s for s in b.fund_sources if s not in sources]
    if unknown:
        problems["fund_sources"] = f"资金来源“{unknown[0]}”不在资金来源列表中，可选：{'、'.join(sources)}"
    if not b.fund_sources:
        problems["fund_sources"] = "请至少选择一个资金来源"
    if b.standard is not None:
        problem = _amount_problem(b.standard)
        if problem:
            problems["standard"] = f"发放标准：{problem}"
    for (level, kind), amount in b.student_standards.items():
        if level not in code_list("education_level") or kind not in code_list("student_kind"):
            problems["student_standards"] = "助学标准须按学历层次和新生/在校生填写大于0的金额"
        elif _amount_problem(amount):
            problems["student_standards"] = f"{level}{kind}的助学标准：{_amount_problem(amount)}"
    if b.activity == "金秋助学" and not b.student_standards and b.standard is None:
        problems["student_standards"] = "金秋助学请按学历层次和新生/在校生填写助学标准"
    if b.plan_approval_kind and b.plan_approval_kind not in code_list("plan_approval_kind"):
        problems["plan_approval_kind"] = f"方案审批方式可选：{'、'.join(code_list('plan_approval_kind'))}"
    if problems:
        raise ValidationError(problems)


def _batch_audit(b: Batch) -> dict:
    return {"code": b.code, "name": b.name, "activity": b.activity, "year": b.year, "status": b.status,
            "standard": str(b.standard) if b.standard is not None else "", "fund_sources": "、".join(b.fund_sources),
            "reviewer": b.reviewer or "", "approver": b.approver or "",
            "notice_start": str(b.notice_start or ""), "notice_end": str(b.notice_end or ""),
            "plan_approved_by": b.plan_approved_by, "void_reason": b.void_reason}


def _filter_text(flt: HouseholdFilter) -> str:
    parts = [f"单位{len(flt.unit_codes)}个" if flt.unit_codes else "", flt.category, flt.cause,
             {True: "农民工", False: "非农民工"}.get(flt.migrant, ""), flt.text]
    return "、".join(p for p in parts if p) or "全部在档"
