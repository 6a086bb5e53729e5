"""Fund ledger entries (资金收支): what an entry is, and what makes one valid before it is saved."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .fund_report import CARRIED, DIRECT, OUT, PASSED, RECEIVED

KINDS = (CARRIED, RECEIVED, PASSED, DIRECT, OUT)
# Kinds that name the sub-unit the money went to.
TO_SUBUNIT = (PASSED, DIRECT)
# Kinds that take money out of this unit's own account, so they may not exceed its balance.
OUTGOING = (PASSED, OUT)

# 文号 as offices write them: 琼工发〔2015〕29号, also with [ ] or （ ） around the year.
_DOC_NO = re.compile(r"^\S+[〔\[(（【]\d{4}[〕\])）】]\d+号$")


@dataclass(frozen=True)
class FundEntry:
    """One ledger entry; a reversal carries the negated amount and points at the entry it reverses."""

    unit_code: str
    entry_date: date
    fund_source: str
    kind: str
    amount: Decimal
    counterpart_code: str | None = None
    doc_no: str = ""
    memo: str = ""
    entry_no: str = ""
    reverses_id: int | None = None
    reason: str = ""
    created_by: str = ""
    created_at: str = ""
    id: int | None = None
    reversed_by: str = ""  # 流水号 of the entry that reversed this one, if any

    @property
    def year(self) -> int:
        return self.entry_date.year

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None


def entry_problems(e: FundEntry, *, sources: list[str]) -> dict[str, str]:
    """Field → Chinese message for everything wrong with a new entry (empty when it may be saved)."""
    problems: dict[str, str] = {}
    if e.kind not in KINDS:
        problems["kind"] = f"类型“{e.kind}”不在代码表中，可选：{'、'.join(KINDS)}"
    if e.fund_source not in sources:
        problems["fund_source"] = (f"资金来源“{e.fund_source}”不在资金来源列表中，可选：{'、'.join(sources)}。"
                                   "其他来源请由管理员在“资金来源”中添加" if e.fund_source else "请选择资金来源")
    if e.amount <= 0:
        problems["amount"] = "金额应大于0；登记错了的分录请用“冲销”更正"
    elif e.amount != e.amount.quantize(Decimal("0.01")):
        problems["amount"] = "金额最多两位小数（精确到分）"
    if e.kind in TO_SUBUNIT and not e.counterpart_code:
        problems["counterpart_code"] = f"{e.kind}须选择对方单位（收到这笔资金的下级单位）"
    if e.kind == CARRIED and (e.entry_date.month, e.entry_date.day) != (1, 1):
        problems["entry_date"] = f"上年结转应记在1月1日（{e.entry_date.year}-01-01）"
    doc_no = e.doc_no.strip()
    if doc_no and not _DOC_NO.match(doc_no):
        problems["doc_no"] = f"文号“{doc_no}”格式不对，应如“琼工发〔2015〕29号”：发文机关代字、〔年份〕、序号和“号”"
    if len(e.memo) > 200:
        problems["memo"] = "摘要最多200字"
    return problems
