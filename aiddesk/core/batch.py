"""Aid batches (帮扶批次) and aid records (帮扶明细), as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass
class Batch:
    """One aid activity: who gets how much, reviewed, publicly noticed, approved and paid together."""

    code: str = ""
    name: str = ""
    activity: str = ""                      # 活动类型
    year: int = 0
    unit_code: str = ""
    fund_sources: list[str] = field(default_factory=list)
    standard: Decimal | None = None         # 发放标准 per household
    # 金秋助学: (学历层次, 新生/在校生) → amount
    student_standards: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    plan_text: str = ""                     # 活动方案 of collective aid (送温暖)
    plan_approval_kind: str = ""            # 主席办公会 / 领导审批
    plan_approved_by: str = ""
    plan_approved_on: date | None = None
    status: str = "草稿"
    clerk: str = ""
    reviewer: str | None = None
    approver: str | None = None
    notice_start: date | None = None
    notice_days: int | None = None
    notice_end: date | None = None
    notice_phone: str = ""
    second_notice_start: date | None = None
    second_notice_days: int | None = None
    second_notice_end: date | None = None
    approved_on: date | None = None
    approval_doc_no: str = ""
    paid_on: date | None = None
    void_reason: str = ""
    note: str = ""
    id: int | None = None
    updated_at: str = ""


@dataclass
class AidRecord:
    """帮扶明细: one payment to one person (人次)."""

    batch_id: int = 0
    household_id: int = 0
    recipient_name: str = ""
    recipient_id_number: str = ""
    aid_category: str = ""
    fund_source: str = ""
    amount: Decimal = Decimal("0.00")
    payment_method: str = "会员服务卡"
    bank_card: str = ""
    application_date: date | None = None
    paid_on: date | None = None
    sms_status: str = "未发送"
    phone_check: str = "未抽查"
    student_name: str = ""
    student_id_number: str = ""
    school: str = ""
    major: str = ""
    education_level: str = ""
    enrollment_year: int | None = None
    student_kind: str = ""
    hospital: str = ""
    diagnosis: str = ""
    total_cost: Decimal | None = None
    reimbursed: Decimal | None = None
    self_paid: Decimal | None = None
    override_problems: str = ""
    override_reason: str = ""
    override_by: str = ""
    state: str = "有效"
    removed_reason: str = ""
    corrects_id: int | None = None
    correction_reason: str = ""
    note: str = ""
    record_no: str = ""
    created_by: str = ""
    created_at: str = ""
    id: int | None = None
