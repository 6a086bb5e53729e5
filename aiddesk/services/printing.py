"""Gathering records into printed forms, for the GUI and the CLI alike."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator

from ..core.batch import Batch
from ..core.batch_workflow import CLERK_ROLES, locked
from ..core.errors import UserError
from ..core.household import Household
from ..db import Database
from ..db import attachments as attachment_repo
from ..db import batches as batch_repo
from ..db import households as household_repo
from ..db.audit import Actor, record
from ..db.units import get_unit, own_unit


def households_with_units(conn, household_ids: list[int]) -> Iterator[tuple[Household, str]]:
    """The households to print, one at a time (a thousand forms never sit in memory), with their unit's name."""
    unit_names: dict[str, str] = {}
    for household_id in household_ids:
        h = household_repo.get_household(conn, household_id)
        if h is None:
            continue  # removed since the list was shown: nothing to print
        if h.unit_code not in unit_names:
            unit = get_unit(conn, h.unit_code)
            unit_names[h.unit_code] = unit.name if unit else h.unit_code
        yield h, unit_names[h.unit_code]


def print_archive_forms(db: Database, household_ids: list[int], out: Path, *,
                        progress: Callable[[int], bool] | None = None) -> int:
    """Write the 困难职工档案登记表 of the given households into one PDF; returns the count."""
    # reportlab is imported when printing, not when the window opens (a fifth of a second).
    from ..reports.archive_form import ArchiveFormItem, write_archive_forms

    conn = db.conn
    office = own_unit(conn)

    def items():
        for h, unit_name in households_with_units(conn, household_ids):
            yield ArchiveFormItem(h, unit_name, tuple(attachment_repo.for_household(conn, h.id)))

    return write_archive_forms(out, items(), office_name=office.name if office else "",
                               printed_on=db.clock.today(), progress=progress)


# ---- the notice's 异议联系电话 -----------------------------------------------------------

NOTICE_FORMS = ("notice", "second-notice")
_PHONE_MAX = 30  # a landline with extension, or two numbers: more is not a phone number


def asks_notice_phone(batch: Batch, form: str) -> bool:
    """Whether printing ``form`` first asks for the 异议联系电话: a notice, its period begun, of a batch that has
    none (a unit's batch taken in from its exchange workbook has none: the format does not carry it)."""
    if form not in NOTICE_FORMS or batch.notice_phone.strip():
        return False
    # Before its period the notice is refused anyway (print_batch_form says why): nothing to ask first.
    return (batch.second_notice_start if form == "second-notice" else batch.notice_start) is not None


def keeps_notice_phone(actor: Actor, batch: Batch) -> bool:
    """Whether a number typed for a notice is saved on the batch (True) or used for that one print (False).

    Saved when the user may edit batches (经办人, 管理员) and the batch is not yet approved: until then its notice
    is part of the office's working record. From 已审批 on — and a unit's imported batch is nearly always 已发放 —
    the batch is evidence, kept as it was recorded or reported; the number is printed, not written into it.
    """
    return actor.may(*CLERK_ROLES) and not locked(batch.status)


def clean_notice_phone(text: str) -> str:
    """The number as printed: trimmed, one space between parts; refused if it cannot be a phone number."""
    phone = " ".join((text or "").split())
    if len(phone) > _PHONE_MAX:
        raise UserError(f"异议联系电话太长（{len(phone)}个字），最多{_PHONE_MAX}个字，如 0898-66123456",
                        field="notice_phone")
    if phone and not any(ch.isdigit() for ch in phone):
        raise UserError(f"异议联系电话“{phone}”中没有数字，请填写号码，如 0898-66123456；"
                        "不知道号码可以留空，打印后手写", field="notice_phone")
    return phone


def save_notice_phone(db: Database, actor: Actor, batch_id: int, phone: str) -> bool:
    """Fill in the batch's missing 异议联系电话 where :func:`keeps_notice_phone` allows; returns whether it was saved.

    One audited transaction, the rule checked inside it. A number the batch already has is never replaced here.
    """
    phone = clean_notice_phone(phone)
    if not phone:
        return False
    with db.transaction() as conn:
        b = batch_repo.get_batch(conn, batch_id)
        if b is None:
            raise UserError("找不到该帮扶批次，请刷新列表")
        if b.notice_phone.strip() or not keeps_notice_phone(actor, b):
            return False
        b.notice_phone = phone
        batch_repo.update_batch(conn, b, now=db.clock.stamp())
        record(conn, actor, table="batches", key=b.code, action="update", old={"notice_phone": ""},
               new={"notice_phone": phone})
    return True


# ---- batch forms ---------------------------------------------------------------------

BATCH_FORMS = {
    "notice": "公示名单", "second-notice": "再公示名单", "approval": "审批表", "summary": "审批汇总表",
    "signature": "实名制签领表", "jinqiu": "金秋助学登记表",
}


def print_batch_form(db: Database, batch_id: int, form: str, out: Path, *,
                     progress: Callable[[int], bool] | None = None, notice_phone: str = "") -> int:
    """Write one of a batch's printed forms (see BATCH_FORMS); returns how many rows or pages it holds.

    ``notice_phone``: the 异议联系电话 a notice prints when the batch has none (this print only; see
    :func:`save_notice_phone`). With neither, the notice leaves a line to write the number in.
    """
    conn = db.conn
    batch = batch_repo.get_batch(conn, batch_id)
    if batch is None:
        raise UserError("找不到该帮扶批次")
    office = own_unit(conn)
    office_name = office.name if office else ""
    lines = batch_repo.records_of_batch(conn, batch_id)
    if not lines:
        raise UserError("名单中还没有任何人，无法打印")
    unit_names: dict[str, str] = {}
    households: dict[int, object] = {}

    def household(household_id: int):
        if household_id not in households:
            households[household_id] = household_repo.get_household(conn, household_id)
        return households[household_id]

    def unit_name(code: str) -> str:
        if code not in unit_names:
            unit = get_unit(conn, code)
            unit_names[code] = unit.name if unit else code
        return unit_names[code]

    steps = [(r["from_status"], r["to_status"], r["user"], r["at"]) for r in batch_repo.transitions(conn, batch_id)]
    if form in ("notice", "second-notice"):
        from ..reports.notice_list import NoticeRow, write_notice_list

        second = form == "second-notice"
        start, end = ((batch.second_notice_start, batch.second_notice_end) if second
                      else (batch.notice_start, batch.notice_end))
        if start is None:
            raise UserError("再公示尚未开始，请先在审批通过后开始再公示" if second
                            else "批次审核通过、确定公示期后才能打印公示名单")
        rows = [NoticeRow(name=r.recipient_name, unit_name=unit_name(household(r.household_id).unit_code),
                          category=household(r.household_id).hardship_category, amount=r.amount,
                          id_number=r.recipient_id_number, phone=household(r.household_id).phone) for r in lines]
        return write_notice_list(out, batch=batch, office_name=office_name, rows=rows,
                                 notice_phone=batch.notice_phone.strip() or clean_notice_phone(notice_phone),
                                 period=(start, end), second_notice=second, progress=progress)
    if form == "approval":
        from ..reports.approval_form import ApprovalItem, write_approval_forms

        items = [ApprovalItem(r, household(r.household_id), unit_name(household(r.household_id).unit_code))
                 for r in lines]
        return write_approval_forms(out, batch=batch, office_name=office_name, items=items, transitions=steps,
                                    progress=progress)
    if form == "summary":
        from ..reports.approval_form import write_batch_summary

        records = [(r, unit_name(household(r.household_id).unit_code), household(r.household_id).hardship_category)
                   for r in lines]
        return write_batch_summary(out, batch=batch, office_name=office_name, records=records, transitions=steps,
                                   progress=progress)
    if form == "signature":
        from ..reports.signature_list import write_signature_list

        cash = [(r, unit_name(household(r.household_id).unit_code)) for r in lines if r.payment_method == "现金"]
        if not cash:
            raise UserError("本批次没有现金发放的明细，不需要实名制签领表")
        return write_signature_list(out, batch=batch, office_name=office_name, rows=cash, progress=progress)
    if form == "jinqiu":
        from ..reports.jinqiu_forms import JinqiuItem, write_jinqiu_forms

        students = [r for r in lines if r.student_kind]
        if not students:
            raise UserError("本批次没有助学明细，不需要金秋助学登记表")
        kinds = {r.id: tuple(a["kind"] for a in conn.execute(
            "SELECT kind FROM aid_attachments WHERE aid_record_id = ? ORDER BY id", (r.id,))) for r in students}
        items = [JinqiuItem(r, household(r.household_id), kinds[r.id]) for r in students]
        return write_jinqiu_forms(out, batch=batch, office_name=office_name, items=items, progress=progress,
                                  printed_on=db.clock.today())
    raise UserError(f"没有“{form}”这种表格，可选：{'、'.join(f'{k}（{v}）' for k, v in BATCH_FORMS.items())}")
