"""The archive service: save, suggest, close, reopen and attach — one audited transaction each."""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from ..core.errors import UserError, ValidationError
from ..core.household import Household, snapshot
from ..core.income import IncomeInput, Suggestion, compute_income, load_rule_set, suggest_category
from ..core.lifecycle import check_transition
from ..core.pinyin import pinyin_keys
from ..core.proofs import missing_proofs
from ..db import Database
from ..db import attachments as attachment_repo
from ..db import households as repo
from ..db.audit import Actor, AuditEntry, household_history, now_text, record
from ..db.settings import find_dibao_line, get_setting
from ..db.units import get_unit
from .archive_validation import validate_household

DEFAULT_RULE_SET = "national_2010"
# Roles that may create and change archives.
EDITORS = ("经办人", "管理员")


@dataclass(frozen=True)
class SaveResult:
    household_id: int
    archive_no: str
    warnings: tuple[str, ...]


def _next_stamp(previous: str) -> str:
    """``updated_at`` for a change to a row last stamped ``previous``: now, but always later.

    ``updated_at`` is what tells a stale form from a fresh one, so every change
    must move it on, even two saves within the same second (or a clock behind
    the one that wrote ``previous``).
    """
    stamp = now_text()
    if previous and stamp <= previous:
        try:
            stamp = (datetime.fromisoformat(previous) + timedelta(seconds=1)).isoformat(timespec="seconds")
        except ValueError:
            pass
    return stamp


def _members_text(h: Household) -> str:
    return "；".join(f"{m.name}（{m.relation}，{m.id_number or '无身份证号'}，月收入{m.monthly_income}）"
                    for m in h.members)


def _audit_values(h: Household) -> dict:
    values = snapshot(h)
    values["members"] = _members_text(h)
    return values


class ArchiveService:
    """Everything an office does to its hardship archive."""

    def __init__(self, db: Database, actor: Actor):
        self.db = db
        self.actor = actor

    # ---- reading ---------------------------------------------------------

    def get(self, household_id: int) -> Household:
        h = repo.get_household(self.db.conn, household_id)
        if h is None:
            raise UserError("找不到该档案，可能已被其他人修改，请刷新列表")
        return h

    def find(self, key: str) -> Household:
        """A household by 档案编号 or 身份证号."""
        from ..core.text import normalise

        household_id = repo.find_household_id(self.db.conn, normalise(key).upper())
        if household_id is None:
            raise UserError(f"找不到档案编号或身份证号为“{key}”的档案")
        return self.get(household_id)

    def history(self, household_id: int) -> list[AuditEntry]:
        return household_history(self.db.conn, household_id)

    def attachments(self, household_id: int) -> list[attachment_repo.Attachment]:
        return attachment_repo.for_household(self.db.conn, household_id)

    def attachment_path(self, att: attachment_repo.Attachment) -> Path:
        return self.db.attachment_dir / att.stored_name

    # ---- income and category ------------------------------------------------

    def rule_set_id(self) -> str:
        return get_setting(self.db.conn, "rule_set", DEFAULT_RULE_SET)

    def dibao_line(self, h: Household, *, today: date | None = None) -> Decimal | None:
        area = h.hukou_area_code or (h.id_number[:6] if len(h.id_number) >= 6 else "")
        year = (h.created_date or today or date.today()).year
        return find_dibao_line(self.db.conn, area, year)

    def suggest(self, h: Household, *, today: date | None = None) -> Suggestion:
        """The suggested category with its arithmetic; never written into the household."""
        line = self.dibao_line(h, today=today)
        if line is None:
            raise UserError(
                f"没有找到户口所在地“{h.hukou_area_code or '（未填）'}”的低保标准。"
                "请填写户口所在地区划代码，或在“设置 → 低保标准”中录入该地区的标准", field="hukou_area_code")
        return suggest_category(_income_input(h), line=line, rules=load_rule_set(self.rule_set_id()))

    # ---- writing -----------------------------------------------------------

    def save(self, h: Household, *, today: date | None = None) -> SaveResult:
        """Insert a new household or update an existing one (members included)."""
        self.actor.require(*EDITORS)
        today = today or date.today()
        h, warnings = validate_household(h, today=today)
        conn = self.db.conn
        if get_unit(conn, h.unit_code) is None:
            raise ValidationError({"unit_code": f"单位代码“{h.unit_code}”不存在，请先在“单位管理”中添加"})
        rules = load_rule_set(self.rule_set_id())
        income = compute_income(_income_input(h), rules)
        h.annual_income, h.per_capita_income = income.annual_total, income.per_capita
        h.dibao_line, h.rule_set = self.dibao_line(h, today=today), rules.id

        with self.db.transaction():
            holders = repo.open_archives_holding(conn, h.id_numbers(), exclude_id=h.id) \
                if h.archive_status in ("在档", "临时") else {}
            if holders:
                raise ValidationError(_one_household_problems(h, holders))
            taken = repo.archive_no_holder(conn, h.archive_no, exclude_id=h.id) if h.archive_no else None
            if taken:
                raise ValidationError({"archive_no": f"档案编号 {h.archive_no} 已被 {taken.name} 的档案使用，"
                                                     "请换一个编号，或留空由系统自动编号"})
            for column, label in (("bank_card", "银行卡号"), ("phone", "手机号码")):
                for other in repo.open_archives_with(conn, column, getattr(h, column), exclude_id=h.id):
                    warnings.append(f"{label}与档案 {other.archive_no}（{other.name}）相同，请核实")
            stamp = now_text()
            initials, full = pinyin_keys(h.name)
            if h.id is None:
                h.archive_no = h.archive_no or repo.next_archive_no(conn, h.unit_code, h.created_date.year)
                h.created_by = h.created_by or self.actor.username
                h.missing_docs = missing_proofs(h.hardship_category, h.causes(), set())
                h.id = repo.insert_household(conn, h, initials=initials, pinyin=full, updated_at=stamp)
                record(conn, self.actor, table="households", key=h.archive_no, action="insert",
                       new=_audit_values(h), household_id=h.id)
            else:
                old = repo.get_household(conn, h.id)
                if old is None:
                    raise UserError("该档案已不存在，无法保存")
                if old.archive_status != h.archive_status:
                    raise UserError("档案状态请用“脱困/注销/转为在档”等操作修改，不能在表单中直接改")
                if old.updated_at != h.updated_at and h.updated_at:
                    raise UserError("该档案在您打开后已被别人修改，为避免覆盖，请关闭后重新打开再修改")
                kinds = {a.kind for a in attachment_repo.for_household(conn, h.id)}
                h.missing_docs = missing_proofs(h.hardship_category, h.causes(), kinds)
                repo.update_household(conn, h, initials=initials, pinyin=full,
                                      updated_at=_next_stamp(old.updated_at))
                record(conn, self.actor, table="households", key=h.archive_no, action="update",
                       old=_audit_values(old), new=_audit_values(h), household_id=h.id)
        return SaveResult(h.id, h.archive_no, tuple(warnings))

    def save_with_attachments(self, h: Household, pending: list[tuple[str, Path]], *,
                              today: date | None = None) -> SaveResult:
        """Save a household and the files chosen in its form, as one user action (one transaction)."""
        created: list[Path] = []
        try:
            with self.db.transaction():
                result = self.save(h, today=today)
                for kind, path in pending:
                    self._attach(result.household_id, kind, path, created)
        except BaseException:
            _remove(created)  # the rows rolled back; the copied files go too
            raise
        return result

    def change_status(self, household_id: int, target: str, *, exit_date: date | None = None,
                      reason: str = "", note: str = "", today: date | None = None) -> None:
        """脱困, 注销, 转为在档 or reopen — the history stays."""
        self.actor.require(*EDITORS)
        today = today or date.today()
        conn = self.db.conn
        with self.db.transaction():
            h = self.get(household_id)
            check_transition(h.archive_status, target, exit_date=exit_date, reason=reason,
                             created_date=h.created_date, today=today)
            if target in ("在档", "临时"):
                holders = repo.open_archives_holding(conn, h.id_numbers(), exclude_id=h.id)
                if holders:
                    number, holder = next(iter(holders.items()))
                    raise UserError(f"不能重新启用：身份证号 {number} 已在档案 {holder.archive_no}"
                                    f"（{holder.name}）中。一户一档，请先处理那份档案")
                exit_date, reason, note = None, "", ""
            old = {"archive_status": h.archive_status, "exit_date": str(h.exit_date or ""),
                   "exit_reason": h.exit_reason, "exit_note": h.exit_note}
            repo.set_status(conn, household_id, status=target, exit_date=exit_date, exit_reason=reason,
                            exit_note=note, updated_at=_next_stamp(h.updated_at))
            new = {"archive_status": target, "exit_date": str(exit_date or ""), "exit_reason": reason,
                   "exit_note": note}
            record(conn, self.actor, table="households", key=h.archive_no, action="status",
                   old=old, new=new, household_id=household_id)

    def add_attachment(self, household_id: int, kind: str, source: str | Path) -> int:
        """Copy a scan or photo into the managed folder and register it (with its SHA-256)."""
        created: list[Path] = []
        try:
            return self._attach(household_id, kind, source, created)
        except BaseException:
            _remove(created)
            raise

    def _attach(self, household_id: int, kind: str, source: str | Path, created: list[Path]) -> int:
        """Copy the file in (noting a new copy in ``created``) and register it inside a transaction."""
        from ..core.codes import check_code

        self.actor.require(*EDITORS)
        check_code("attachment_kind", kind, "附件类型")
        source = Path(source)
        if not source.is_file():
            raise UserError(f"找不到文件“{source}”")
        data = source.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        h = self.get(household_id)
        stored_name = f"{h.archive_no}/{digest[:16]}{source.suffix.lower()}"
        target = self.db.attachment_dir / stored_name
        existed = target.exists()
        target.parent.mkdir(parents=True, exist_ok=True)
        if not existed:
            tmp = target.with_name(target.name + ".part")
            shutil.copyfile(source, tmp)
            tmp.replace(target)
            created.append(target)
        with self.db.transaction() as conn:
            att_id = attachment_repo.insert(conn, household_id=household_id, kind=kind,
                                            original_name=source.name, stored_name=stored_name,
                                            sha256=digest, size=len(data), added_at=now_text(),
                                            added_by=self.actor.username)
            kinds = {a.kind for a in attachment_repo.for_household(conn, household_id)}
            repo.set_missing_docs(conn, household_id, missing_proofs(h.hardship_category, h.causes(), kinds))
            record(conn, self.actor, table="attachments", key=f"{h.archive_no}/{att_id}", action="insert",
                   new={"kind": kind, "file": source.name, "sha256": digest}, household_id=household_id)
        return att_id


def _one_household_problems(h: Household, holders: dict[str, repo.Holder]) -> dict[str, str]:
    """一户一档 refusals, each keyed to the field holding the ID number and naming the other archive."""
    problems = {}
    keys = {h.id_number: ("id_number", "户主")}
    for i, m in enumerate(h.members, start=1):
        keys.setdefault(m.id_number, (f"members.{i}.id_number", f"家庭成员（{m.name}）"))
    for number, holder in holders.items():
        key, who = keys[number]
        problems[key] = (f"一户一档：身份证号 {number} 已在档案 {holder.archive_no}（{holder.name}，{holder.role}）中，"
                         f"不能再作为本档案的{who}。请先核实或注销那份档案")
    return problems


def _remove(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def _income_input(h: Household) -> IncomeInput:
    return IncomeInput(
        head_monthly=h.monthly_income, members_monthly=tuple(m.monthly_income for m in h.members),
        other_annual=h.other_annual_income, rigid_expenses_annual=h.rigid_expenses,
        hardship_costs_annual=h.hardship_costs, household_size=h.household_size, causes=h.causes(),
    )
