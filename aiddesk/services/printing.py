"""Gathering records into printed forms, for the GUI and the CLI alike."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator

from ..core.household import Household
from ..db import Database
from ..db import attachments as attachment_repo
from ..db import households as household_repo
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


# ---- batch forms ---------------------------------------------------------------------

BATCH_FORMS = {
    "notice": "公示名单", "second-notice": "再公示名单", "approval": "审批表", "summary": "审批汇总表",
    "signature": "实名制签领表", "jinqiu": "金秋助学登记表",
}


def print_batch_form(db: Database, batch_id: int, form: str, out: Path, *,
                     progress: Callable[[int], bool] | None = None) -> int:
    """Write one of a batch's printed forms (see BATCH_FORMS); returns how many rows or pages it holds."""
    from ..core.errors import UserError
    from ..db import batches as batch_repo

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
        return write_notice_list(out, batch=batch, office_name=office_name, rows=rows, notice_phone=batch.notice_phone,
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
