"""The archive service: save, suggest, close, reopen and attach — one audited transaction each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from ..core.errors import UserError, ValidationError
from ..core.household import Household, snapshot
from ..core.income import IncomeInput, Suggestion, compute_income, load_rule_set, suggest_category
from ..core.lifecycle import CLOSED, check_transition
from ..core.pinyin import pinyin_keys
from ..core.proofs import missing_proofs
from ..core.record_codes import check_archive_no
from ..db import Database
from ..db import attachments as attachment_repo
from ..db import duplicates as duplicate_repo
from ..db import households as repo
from ..db import status_history
from ..db.audit import Actor, AuditEntry, household_history, record
from ..db.settings import find_dibao_line, get_setting
from ..db.units import get_unit
from .archive_validation import validate_household
from .stored_files import HOUSEHOLD_FOLDER, record_folder, store_file, stored_path

DEFAULT_RULE_SET = "national_2010"
# Roles that may create and change archives.
EDITORS = ("经办人", "管理员")


@dataclass(frozen=True)
class SaveResult:
    household_id: int
    archive_no: str
    warnings: tuple[str, ...]


def _next_stamp(stamp: str, previous: str) -> str:
    """``updated_at`` for a change made at ``stamp`` to a row last stamped ``previous``: ``stamp``, but always later.

    ``updated_at`` is what tells a stale form from a fresh one, so every change
    must move it on, even two saves within the same second (or a clock behind
    the one that wrote ``previous``).
    """
    if previous and stamp <= previous:
        try:
            stamp = (datetime.fromisoformat(previous) + timedelta(seconds=1)).isoformat(timespec="seconds")
        except ValueError:
            pass
    return stamp


def _members_text(h: Household) -> str:
    # The book's word for a relation is part of the record (and of its digest): a change of it alone is logged too.
    return "；".join(f"{m.name}（{m.relation}，{f'台账写作“{m.relation_as_written}”，' if m.relation_as_written else ''}"
                    f"{m.id_number or '无身份证号'}，月收入{m.monthly_income}）" for m in h.members)


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
        """A household by 档案编号 or 身份证号, typed in any width and letter case."""
        household_id = repo.find_household_id(self.db.conn, key)
        if household_id is None:
            raise UserError(f"找不到档案编号或身份证号为“{key}”的档案")
        return self.get(household_id)

    def history(self, household_id: int) -> list[AuditEntry]:
        return household_history(self.db.conn, household_id)

    def status_periods(self, household_id: int) -> list[status_history.Period]:
        """The archive's statuses one after another, oldest first, each from the day it took effect."""
        return status_history.periods_of(self.db.conn, household_id)

    def attachments(self, household_id: int) -> list[attachment_repo.Attachment]:
        return attachment_repo.for_household(self.db.conn, household_id)

    def attachment_path(self, att: attachment_repo.Attachment) -> Path:
        """Where the file is; a UserError for a stored name that would lead outside the attachments folder."""
        return stored_path(self.db.attachment_dir, att.stored_name)

    # ---- income and category ------------------------------------------------

    def rule_set_id(self) -> str:
        return get_setting(self.db.conn, "rule_set", DEFAULT_RULE_SET)

    def dibao_line(self, h: Household) -> Decimal | None:
        area = h.hukou_area_code or (h.id_number[:6] if len(h.id_number) >= 6 else "")
        year = (h.created_date or self.db.clock.today()).year
        return find_dibao_line(self.db.conn, area, year)

    def suggest(self, h: Household) -> Suggestion:
        """The suggested category with its arithmetic; never written into the household."""
        line = self.dibao_line(h)
        if line is None:
            raise UserError(
                f"没有找到户口所在地“{h.hukou_area_code or '（未填）'}”的低保标准。"
                "请填写户口所在地区划代码，或在“设置 → 低保标准”中录入该地区的标准", field="hukou_area_code")
        return suggest_category(_income_input(h), line=line, rules=load_rule_set(self.rule_set_id()))

    # ---- writing -----------------------------------------------------------

    def save(self, h: Household) -> SaveResult:
        """Insert a new household or update an existing one (members included)."""
        self.actor.require(*EDITORS)
        h, warnings = validate_household(h, today=self.db.clock.today())
        conn = self.db.conn
        if get_unit(conn, h.unit_code) is None:
            raise ValidationError({"unit_code": f"单位代码“{h.unit_code}”不存在，请先在“单位管理”中添加"})
        rules = load_rule_set(self.rule_set_id())
        income = compute_income(_income_input(h), rules)
        h.annual_income, h.per_capita_income = income.annual_total, income.per_capita
        h.dibao_line, h.rule_set = self.dibao_line(h), rules.id

        with self.db.transaction():
            h.archive_no = _checked_archive_no(conn, h)
            if h.archive_status in ("在档", "临时"):
                same_unit, elsewhere = _open_holders(conn, h)
                if same_unit:
                    raise ValidationError(_one_household_problems(h, same_unit))
                warnings.extend(_other_units_warnings(h, elsewhere))
            taken = repo.archive_no_holder(conn, h.archive_no, exclude_id=h.id) if h.archive_no else None
            if taken:
                raise ValidationError({"archive_no": f"档案编号 {h.archive_no} 已被 {taken.name} 的档案使用，"
                                                     "请换一个编号，或留空由系统自动编号"})
            for column, label in (("bank_card", "银行卡号"), ("phone", "手机号码")):
                for other in repo.open_archives_with(conn, column, getattr(h, column), exclude_id=h.id):
                    warnings.append(f"{label}与档案 {other.archive_no}（{other.name}）相同，请核实")
            stamp = self.db.clock.stamp()
            initials, full = pinyin_keys(h.name)
            if h.id is None:
                h.archive_no = h.archive_no or _checked(repo.next_archive_no(conn, h.unit_code, h.created_date.year))
                h.created_by = h.created_by or self.actor.username
                h.missing_docs = missing_proofs(h.hardship_category, h.causes(), set())
                h.id = repo.insert_household(conn, h, initials=initials, pinyin=full, updated_at=stamp)
                status_history.start(conn, h.id, h.archive_status, h.created_date, recorded_at=stamp,
                                     recorded_by=self.actor.username)
                record(conn, self.actor, table="households", key=h.archive_no, action="insert",
                       new=_audit_values(h), household_id=h.id, effective=h.created_date)
            else:
                old = repo.get_household(conn, h.id)
                if old is None:
                    raise UserError("该档案已不存在，无法保存")
                if old.archive_status != h.archive_status:
                    raise UserError("档案状态请用“脱困/注销/转为在档”等操作修改，不能在表单中直接改")
                if old.updated_at != h.updated_at and h.updated_at:
                    raise UserError("该档案在您打开后已被别人修改，为避免覆盖，请关闭后重新打开再修改")
                if h.created_date != old.created_date:
                    _move_created_date(conn, h)
                kinds = {a.kind for a in attachment_repo.for_household(conn, h.id)}
                h.missing_docs = missing_proofs(h.hardship_category, h.causes(), kinds)
                repo.update_household(conn, h, initials=initials, pinyin=full,
                                      updated_at=_next_stamp(stamp, old.updated_at))
                record(conn, self.actor, table="households", key=h.archive_no, action="update",
                       old=_audit_values(old), new=_audit_values(h), household_id=h.id)
        return SaveResult(h.id, h.archive_no, tuple(warnings))

    def save_with_attachments(self, h: Household, pending: list[tuple[str, Path]]) -> SaveResult:
        """Save a household and the files chosen in its form, as one user action (one transaction)."""
        created: list[Path] = []
        try:
            with self.db.transaction():
                result = self.save(h)
                for kind, path in pending:
                    self._attach(result.household_id, kind, path, created)
        except BaseException:
            _remove(created)  # the rows rolled back; the copied files go too
            raise
        return result

    def change_status(self, household_id: int, target: str, *, on: date | None = None, reason: str = "",
                      note: str = "") -> list[str]:
        """脱困, 注销, 转为在档 or reopening, taking effect ``on`` (退出日期, or the day it counts from; default
        today): a new period in the archive's status history, which keeps the earlier ones.

        Returns warnings to show: an archive opened again whose people are open at another unit too (跨单位重复,
        not a refusal across units; within its own unit 一户一档 refuses it)."""
        self.actor.require(*EDITORS)
        today = self.db.clock.today()
        on = on or (None if target in CLOSED else today)
        conn = self.db.conn
        with self.db.transaction():
            h = self.get(household_id)
            present = status_history.current_period(conn, household_id)
            check_transition(h.archive_status, target, on=on, reason=reason,
                             since=present.valid_from if present else h.created_date,
                             first=present is None or present.valid_from == h.created_date, today=today)
            warnings: list[str] = []
            if target in ("在档", "临时"):
                holders, elsewhere = _open_holders(conn, h)
                _refuse_second_open_archive(holders, "不能重新启用")
                if h.archive_status in CLOSED:  # reopened: the other units' archives are news now
                    warnings = _other_units_warnings(h, elsewhere)
                exit_date, exit_reason, exit_note = None, "", ""
            else:
                exit_date, exit_reason, exit_note = on, reason, note
            old = {"archive_status": h.archive_status, "exit_date": str(h.exit_date or ""),
                   "exit_reason": h.exit_reason, "exit_note": h.exit_note}
            stamp = self.db.clock.stamp()
            repo.set_status(conn, household_id, status=target, exit_date=exit_date, exit_reason=exit_reason,
                            exit_note=exit_note, updated_at=_next_stamp(stamp, h.updated_at))
            status_history.change(conn, household_id, target, on, recorded_at=stamp, recorded_by=self.actor.username,
                                  reason=reason.strip(), note=note.strip())
            new = {"archive_status": target, "exit_date": str(exit_date or ""), "exit_reason": exit_reason,
                   "exit_note": exit_note}
            if target not in CLOSED and (reason or note):
                new["reason"] = "；".join(t.strip() for t in (reason, note) if t.strip())
            record(conn, self.actor, table="households", key=h.archive_no, action="status",
                   old=old, new=new, household_id=household_id, effective=on)
        return warnings

    def undo_status_change(self, household_id: int, reason: str) -> status_history.Period:
        """撤销误操作: the last status change was a mistake — its period leaves the history as if never made.

        Unlike reopening (a new period from its own date), the archive's status is again the one before, from
        the day that one began. The undoing is audited with its reason; the period before is returned.
        """
        self.actor.require(*EDITORS)
        reason = reason.strip()
        if len(reason) < 2:
            raise UserError("请写明撤销的原因，例如“误点了脱困，该户仍然困难”", field="reason")
        conn = self.db.conn
        with self.db.transaction():
            h = self.get(household_id)
            undone = status_history.undo_last(conn, household_id)
            if undone is None:
                raise UserError("这份档案自建档以来没有改过状态，没有可以撤销的操作")
            removed, restored = undone
            if restored.status in ("在档", "临时"):
                _refuse_second_open_archive(_open_holders(conn, h)[0], "不能撤销")
            closed = restored.status in CLOSED
            exit_date = restored.valid_from if closed else None
            exit_reason, exit_note = (restored.reason, restored.note) if closed else ("", "")
            repo.set_status(conn, household_id, status=restored.status, exit_date=exit_date,
                            exit_reason=exit_reason, exit_note=exit_note,
                            updated_at=_next_stamp(self.db.clock.stamp(), h.updated_at))
            record(conn, self.actor, table="households", key=h.archive_no, action="status_undo",
                   old={"archive_status": removed.status, "since": removed.valid_from.isoformat(),
                        "recorded_at": removed.recorded_at or "", "recorded_by": removed.recorded_by},
                   new={"archive_status": restored.status, "since": restored.valid_from.isoformat(),
                        "reason": reason},
                   household_id=household_id)
        return restored

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
        h = self.get(household_id)
        # Filed under the 档案编号 only when it is a safe folder name, else under the household's id: a number an
        # older version imported unchecked ("../../x", "//host/share") must not lead outside the folder.
        folder = record_folder(h.archive_no, f"{HOUSEHOLD_FOLDER}/{h.id}")
        f = store_file(self.db.attachment_dir, folder, source, created)
        digest = f.sha256
        with self.db.transaction() as conn:
            att_id = attachment_repo.insert(conn, household_id=household_id, kind=kind,
                                            original_name=f.original_name, stored_name=f.stored_name,
                                            sha256=digest, size=f.size, added_at=self.db.clock.stamp(),
                                            added_by=self.actor.username)
            kinds = {a.kind for a in attachment_repo.for_household(conn, household_id)}
            repo.set_missing_docs(conn, household_id, missing_proofs(h.hardship_category, h.causes(), kinds))
            record(conn, self.actor, table="attachments", key=f"{h.archive_no}/{att_id}", action="insert",
                   new={"kind": kind, "file": source.name, "sha256": digest}, household_id=household_id)
        return att_id


def _checked(archive_no: str) -> str:
    try:
        return check_archive_no(archive_no)
    except UserError as err:
        raise ValidationError({"archive_no": err.message}) from None


def _checked_archive_no(conn, h: Household) -> str:
    """A new or changed 档案编号, checked and normalised (record_codes); one already stored is kept as it is."""
    if not h.archive_no:
        return h.archive_no
    if h.id is not None and repo.archive_no_of(conn, h.id) == h.archive_no:
        return h.archive_no  # as stored, perhaps by an earlier version: the archive stays editable, lookups ignore case
    return _checked(h.archive_no)


def _open_holders(conn, h: Household) -> tuple[dict[str, repo.Holder], list]:
    """The other open archives holding one of ``h``'s ID numbers: of its own unit (一户一档: ID number → the first
    holder), and of other units (rows of db.duplicates.open_holders)."""
    same_unit: dict[str, repo.Holder] = {}
    elsewhere = []
    for r in duplicate_repo.open_holders(conn, h.id_numbers()):
        if r["household_id"] == h.id:
            continue
        if r["unit_code"] == h.unit_code:
            same_unit.setdefault(r["id_number"], repo.Holder(r["household_id"], r["archive_no"], r["head"],
                                                             r["relation"]))
        else:
            elsewhere.append(r)
    return same_unit, elsewhere


def _other_units_warnings(h: Household, elsewhere: list) -> list[str]:
    """跨单位重复 (EXCHANGE.md: across units not an error): a person open at another unit too is saved, with a
    warning per archive naming that unit — the centre works it in 汇总 → 跨单位重复."""
    who = {m.id_number: f"家庭成员{m.name}" for m in h.members if m.id_number}
    who[h.id_number] = "户主"
    return [f"跨单位重复：身份证号 {r['id_number']}（{who.get(r['id_number'], '')}）同时在{r['unit_name']}（{r['unit_code']}）"
            f"的{r['archive_status']}档案 {r['archive_no']}（{r['head']}，{r['relation']}）中。不同单位之间不算错误，"
            "请与该单位核实；中心可在“汇总 → 跨单位重复”中处理" for r in elsewhere]


def _refuse_second_open_archive(holders: dict[str, repo.Holder], action: str) -> None:
    """一户一档: an archive opened again must not hold an ID number another open archive of its unit holds
    (``holders``, from :func:`_open_holders`; one open at another unit is a cross-unit duplicate for the centre,
    not a refusal)."""
    if holders:
        number, holder = next(iter(holders.items()))
        raise UserError(f"{action}：身份证号 {number} 已在档案 {holder.archive_no}（{holder.name}）中。"
                        "一户一档，请先处理那份档案")


def _move_created_date(conn, h: Household) -> None:
    """A corrected 建档日期 moves the start of the archive's first status period, never past its end."""
    periods = status_history.periods_of(conn, h.id)
    if periods and periods[0].valid_to is not None and h.created_date > periods[0].valid_to:
        raise ValidationError({"created_date": f"建档日期不能晚于 {periods[0].valid_to.isoformat()}："
                                               f"档案在那天已改为“{periods[1].status}”"})
    status_history.move_start(conn, h.id, h.created_date)


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
