"""The household (困难职工档案) and its members, as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal

ZERO = Decimal("0.00")


@dataclass
class Member:
    """A family member (家庭成员) of a household."""

    name: str = ""
    relation: str = ""                  # the standard name (GB/T 4761-2008, core/relations.py)
    id_number: str = ""
    gender: str = ""
    birth_date: date | None = None
    health: str = ""
    identity: str = ""                  # 身份: 在岗 / 学生 / 退休 …
    monthly_income: Decimal = ZERO
    employer_or_school: str = ""
    id: int | None = None
    relation_as_written: str = ""       # 关系 as the book or clerk wrote it, where that differs from ``relation``


@dataclass
class Household:
    """One hardship household (一户一档), headed by a worker."""

    # 户主信息
    name: str = ""
    id_number: str = ""
    gender: str = ""
    birth_date: date | None = None
    ethnicity: str = "汉族"
    political_status: str = ""
    health: str = ""
    disability: str = ""
    work_status: str = ""
    is_migrant_worker: bool = False
    phone: str = ""
    employer: str = ""
    employer_type: str = ""
    unit_code: str = ""
    hukou_type: str = ""
    marital_status: str = ""
    housing_type: str = ""
    address: str = ""
    hukou_area_code: str = ""
    # 家庭收入
    monthly_income: Decimal = ZERO
    other_annual_income: Decimal = ZERO
    rigid_expenses: Decimal = ZERO       # declared rigid expenses per year
    hardship_costs: Decimal = ZERO       # this year's hardship costs
    household_size: int = 1
    # computed on save, shown on forms
    annual_income: Decimal = ZERO
    per_capita_income: Decimal = ZERO
    dibao_line: Decimal | None = None
    rule_set: str = ""
    # 致困原因 / 类别
    hardship_category: str = ""
    main_cause: str = ""
    secondary_causes: list[str] = field(default_factory=list)
    # 银行卡
    bank_name: str = ""
    bank_card: str = ""
    # 审核 / 状态
    archive_no: str = ""
    archive_status: str = "临时"
    created_date: date | None = None
    exit_date: date | None = None
    exit_reason: str = ""
    exit_note: str = ""
    created_by: str = ""
    reviewed_by: str = ""
    union_opinion: str = ""
    note: str = ""
    missing_docs: list[str] = field(default_factory=list)
    members: list[Member] = field(default_factory=list)
    id: int | None = None
    updated_at: str = ""

    def causes(self) -> tuple[str, ...]:
        """Main cause first, then the secondary ones."""
        return tuple(c for c in [self.main_cause, *self.secondary_causes] if c)

    def id_numbers(self) -> list[str]:
        """Every ID number in the household: the head's and the members'."""
        return [n for n in [self.id_number, *(m.id_number for m in self.members)] if n]


def snapshot(obj: Household | Member) -> dict:
    """Plain JSON-able values of a household or member, for the audit log."""
    out = {}
    for f in fields(obj):
        if f.name in ("members", "id", "updated_at"):
            continue
        value = getattr(obj, f.name)
        if isinstance(value, (Decimal, date)):
            value = str(value)
        elif isinstance(value, list):
            value = "、".join(value)
        out[f.name] = value
    return out
