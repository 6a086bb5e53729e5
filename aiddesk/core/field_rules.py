"""The limits of the fields people fill in: one set, for the forms and for the imports.

A form checks a field against its rule when it is saved (the household's: services/archive_validation.py);
an import checks the column that fills the same field against the same rule (exchange/format.py names each
column's rule), so nothing a form would refuse comes in through a workbook — a 32 000-character name, a
year 99999, a household of 500 people.

Lengths count characters as a person does (a rare character such as 𠮷 is one), not bytes. The numbers are
the forms' own: 姓名 30 characters (the household form), 摘要 200 (the fund entry form), years 2000–2100 and
家庭人口 1–30 (the forms' spin boxes), 人次 up to 10 000 000 (the budget and usage forms); the rest are set
here, generous for real records (a 200-character name of a rare-character unit still round-trips) and far
below what would stall a printed form or a report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Text:
    """Free text of at most ``max_chars`` characters."""

    max_chars: int

    def problem(self, label: str, text: str) -> str | None:
        if len(text) > self.max_chars:
            return f"{label}不能超过{self.max_chars}个字（现在是{len(text)}个字）"
        return None


@dataclass(frozen=True)
class Digits:
    """Exactly ``count`` digits, such as a 6-digit area code."""

    count: int
    example: str = ""

    def problem(self, label: str, text: str) -> str | None:
        if not re.fullmatch(rf"[0-9]{{{self.count}}}", text):
            example = f"，如 {self.example}" if self.example else ""
            return f"{label}应为{self.count}位数字{example}"
        return None


@dataclass(frozen=True)
class Whole:
    """A whole number from ``low`` to ``high``."""

    low: int
    high: int

    def problem(self, label: str, number: int) -> str | None:
        if not self.low <= number <= self.high:
            return f"{label}应在{self.low}–{self.high}之间，现在是{number}"
        return None


Rule = Text | Digits | Whole

# Texts
PERSON_NAME = Text(30)        # 姓名 of a head, member, recipient or student; 建档人, 审核人, 核查人
ORGANISATION = Text(200)      # 工作单位, 单位或学校, 就读学校, 单位名称
ADDRESS = Text(300)           # 家庭住址
BANK_NAME = Text(40)          # 开户银行
REASON = Text(200)            # 退出原因, 退出说明
MEMO = Text(200)              # 摘要 of a fund entry (core/fund_ledger.py: 摘要最多200字), 下级单位使用的备注
DOC_NO = Text(50)             # 文号, 审批文号
BATCH_NAME = Text(60)         # 批次名称
CODE = Text(40)               # 单位代码, 流水号, 明细编号, and the codes a row points at
NOTE = Text(500)              # 备注, 工会意见, 核查结果 (the spot-check note is 500 too)
FREE_TEXT = NOTE              # any other free text
AREA_CODE = Digits(6, "460100")  # 户口所在地区划代码

# Numbers
# 年度, 入学年份: the forms' spin boxes, services/settings.YEAR_MIN–YEAR_MAX (a test holds the two equal)
YEAR = Whole(2000, 2100)
HOUSEHOLD_SIZE = Whole(1, 30)  # 家庭人口, head included (the household form's spin box)
PERSON_TIMES = Whole(0, 10_000_000)  # 计划人次, 人次 (the budget and usage forms)

# The household form's fields (services/archive_validation.py), by attribute.
HOUSEHOLD: dict[str, Rule] = {
    "name": PERSON_NAME, "employer": ORGANISATION, "address": ADDRESS, "bank_name": BANK_NAME,
    "exit_reason": REASON, "exit_note": REASON, "created_by": PERSON_NAME, "reviewed_by": PERSON_NAME,
    "union_opinion": NOTE, "note": NOTE,
}
MEMBER: dict[str, Rule] = {"name": PERSON_NAME, "employer_or_school": ORGANISATION}
