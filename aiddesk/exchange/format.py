"""The exchange workbook, format version 1 (../shared/EXCHANGE.md), as data: sheets, columns, keys, checksum.

Export and import both read this module, so the two can never disagree about a header, a column's
kind or a sheet's key. Changing anything here is a new format version (EXCHANGE.md says so).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..core import field_rules as rules

FORMAT_VERSION = 1
MANIFEST = "说明"
MANIFEST_HEADERS = ("项", "值")
MANIFEST_KEYS = ("格式版本", "单位代码", "单位名称", "上级单位代码", "年度", "导出时间", "导出软件", "校验码")
MANIFEST_REQUIRED = ("格式版本", "单位代码", "单位名称", "年度")

# Column kinds: how a cell is written and read.
TEXT, ID_NUMBER, CARD, PHONE, MONEY, DATE, INT, CODE, YES_NO = (
    "text", "id_number", "card", "phone", "money", "date", "int", "code", "yes_no")


@dataclass(frozen=True)
class Column:
    header: str
    required: bool = False
    kind: str = TEXT
    code_list: str = ""          # CODE columns: the name of the list in resources/codes/code_lists.json
    field: str = ""              # our field it maps to, where one exists
    negative: bool = False       # MONEY columns: negative amounts allowed
    limit: rules.Rule | None = None  # the field's limit, as the forms have it (core/field_rules.py)


@dataclass(frozen=True)
class Sheet:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]         # headers that identify a row (upserts)

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns if c.required)

    def column(self, header: str) -> Column:
        return next(c for c in self.columns if c.header == header)


def _c(header: str, required: bool = False, kind: str = TEXT, code_list: str = "", field: str = "",
       negative: bool = False, limit: rules.Rule | None = None) -> Column:
    if limit is None and kind == TEXT:
        limit = rules.FREE_TEXT  # no text column goes without a limit
    return Column(header, required, kind, code_list, field, negative, limit)


UNITS = Sheet("单位", (
    _c("单位代码", True, field="code", limit=rules.CODE), _c("单位名称", True, field="name", limit=rules.ORGANISATION),
    _c("上级单位代码", field="parent_code", limit=rules.CODE),
    _c("层级", kind=CODE, code_list="unit_level", field="level"),
), key=("单位代码",))

HOUSEHOLDS = Sheet("困难职工档案", (
    _c("档案编号", True, field="archive_no", limit=rules.CODE), _c("姓名", True, field="name", limit=rules.PERSON_NAME),
    _c("身份证号", True, ID_NUMBER, field="id_number"),
    _c("困难类别", True, CODE, "hardship_category", "hardship_category"),
    _c("档案状态", True, CODE, "archive_status", "archive_status"), _c("建档日期", True, DATE, field="created_date"),
    _c("性别", kind=CODE, code_list="gender", field="gender"), _c("民族", kind=CODE, code_list="ethnicity",
                                                                 field="ethnicity"),
    _c("政治面貌", kind=CODE, code_list="political_status", field="political_status"),
    _c("健康状况", kind=CODE, code_list="health", field="health"),
    _c("残疾类别", kind=CODE, code_list="disability", field="disability"),
    _c("工作状态", kind=CODE, code_list="work_status", field="work_status"),
    _c("是否农民工", kind=YES_NO, field="is_migrant_worker"), _c("手机号码", kind=PHONE, field="phone"),
    _c("工作单位", field="employer", limit=rules.ORGANISATION),
    _c("单位性质", kind=CODE, code_list="employer_type", field="employer_type"),
    _c("所属单位代码", field="unit_code", limit=rules.CODE),
    _c("户口类型", kind=CODE, code_list="hukou_type", field="hukou_type"),
    _c("婚姻状况", kind=CODE, code_list="marital_status", field="marital_status"),
    _c("住房类型", kind=CODE, code_list="housing_type", field="housing_type"),
    _c("家庭住址", field="address", limit=rules.ADDRESS),
    _c("户口所在地区划代码", field="hukou_area_code", limit=rules.AREA_CODE),
    _c("本人月收入", kind=MONEY, field="monthly_income"),
    _c("家庭其他年收入", kind=MONEY, field="other_annual_income"),
    _c("家庭年总收入", kind=MONEY, field="annual_income"), _c("家庭人口", kind=INT, field="household_size",
                                                              limit=rules.HOUSEHOLD_SIZE),
    _c("家庭月人均收入", kind=MONEY, field="per_capita_income"), _c("当地低保标准", kind=MONEY, field="dibao_line"),
    _c("主要致困原因", kind=CODE, code_list="hardship_cause", field="main_cause"),
    _c("次要致困原因", field="secondary_causes"),  # up to 3 of hardship_cause, joined by 、
    _c("开户银行", field="bank_name", limit=rules.BANK_NAME), _c("银行卡号", kind=CARD, field="bank_card"),
    _c("退出日期", kind=DATE, field="exit_date"), _c("退出原因", field="exit_reason", limit=rules.REASON),
    _c("建档人", field="created_by", limit=rules.PERSON_NAME),
    _c("审核人", field="reviewed_by", limit=rules.PERSON_NAME),
    _c("备注", field="note", limit=rules.NOTE),
), key=("档案编号",))

MEMBERS = Sheet("家庭成员", (
    _c("档案编号", True, limit=rules.CODE), _c("姓名", True, field="name", limit=rules.PERSON_NAME),
    _c("关系", True, CODE, "relation", "relation"),
    _c("身份证号", kind=ID_NUMBER, field="id_number"), _c("性别", kind=CODE, code_list="gender", field="gender"),
    _c("出生日期", kind=DATE, field="birth_date"), _c("健康状况", kind=CODE, code_list="health", field="health"),
    _c("身份", kind=CODE, code_list="member_identity", field="identity"),
    _c("月收入", kind=MONEY, field="monthly_income"),
    _c("单位或学校", field="employer_or_school", limit=rules.ORGANISATION),
), key=("档案编号",))  # a household's rows here replace its member list

FUND_ENTRIES = Sheet("资金收支", (
    _c("流水号", True, field="entry_no", limit=rules.CODE), _c("日期", True, DATE, field="entry_date"),
    _c("资金来源", True, CODE, "fund_source", "fund_source"), _c("类型", True, CODE, "fund_entry_kind", "kind"),
    _c("金额", True, MONEY, field="amount"), _c("对方单位代码", field="counterpart_code", limit=rules.CODE),
    _c("文号", field="doc_no", limit=rules.DOC_NO), _c("摘要", field="memo", limit=rules.MEMO),
), key=("流水号",))

BUDGETS = Sheet("预算", (
    _c("年度", True, INT, limit=rules.YEAR), _c("资金来源", True, CODE, "fund_source"), _c("预算金额", True, MONEY),
), key=("年度", "资金来源"))

PLANS = Sheet("计划", (
    _c("年度", True, INT, limit=rules.YEAR), _c("救助类别", True, CODE, "aid_category"),
    _c("计划人次", True, INT, limit=rules.PERSON_TIMES),
    _c("计划金额", kind=MONEY),
), key=("年度", "救助类别"))

BATCHES = Sheet("帮扶批次", (
    _c("批次编号", True, field="code", limit=rules.CODE), _c("批次名称", True, field="name", limit=rules.BATCH_NAME),
    _c("活动类型", True, CODE, "activity", "activity"), _c("年度", True, INT, field="year", limit=rules.YEAR),
    _c("发放标准", kind=MONEY, field="standard"), _c("公示开始日期", kind=DATE, field="notice_start"),
    _c("公示结束日期", kind=DATE, field="notice_end"), _c("审批日期", kind=DATE, field="approved_on"),
    _c("审批文号", field="approval_doc_no", limit=rules.DOC_NO), _c("发放日期", kind=DATE, field="paid_on"),
    _c("状态", kind=CODE, code_list="batch_status", field="status"),
), key=("批次编号",))

AID_RECORDS = Sheet("帮扶明细", (
    _c("明细编号", True, field="record_no", limit=rules.CODE), _c("批次编号", True, limit=rules.CODE),
    _c("档案编号", True, limit=rules.CODE), _c("姓名", True, field="recipient_name", limit=rules.PERSON_NAME),
    _c("身份证号", True, ID_NUMBER, field="recipient_id_number"),
    _c("救助类别", True, CODE, "aid_category", "aid_category"),
    _c("资金来源", True, CODE, "fund_source", "fund_source"),
    _c("金额", True, MONEY, field="amount"), _c("发放方式", True, CODE, "payment_method", "payment_method"),
    _c("发放日期", kind=DATE, field="paid_on"), _c("银行卡号", kind=CARD, field="bank_card"),
    _c("短信通知", kind=CODE, code_list="sms_status", field="sms_status"),
    _c("电话核实", kind=CODE, code_list="phone_check", field="phone_check"),
    _c("学生姓名", field="student_name", limit=rules.PERSON_NAME),
    _c("学生身份证号", kind=ID_NUMBER, field="student_id_number"),
    _c("就读学校", field="school", limit=rules.ORGANISATION),
    _c("学历层次", kind=CODE, code_list="education_level", field="education_level"),
    _c("入学年份", kind=INT, field="enrollment_year", limit=rules.YEAR),
    _c("新生或在校生", kind=CODE, code_list="student_kind", field="student_kind"),
    _c("备注", field="note", limit=rules.NOTE),
), key=("明细编号",))
STUDENT_COLUMNS = ("学生姓名", "学生身份证号", "就读学校", "学历层次", "入学年份", "新生或在校生")

SUBUNIT_USAGE = Sheet("下级单位使用", (
    _c("单位代码", True, limit=rules.CODE), _c("年度", True, INT, limit=rules.YEAR),
    _c("资金来源", True, CODE, "fund_source"), _c("救助类别", True, CODE, "aid_category"), _c("金额", True, MONEY),
    _c("人次", True, INT, limit=rules.PERSON_TIMES), _c("备注", limit=rules.MEMO),
), key=("单位代码", "年度", "资金来源", "救助类别"))

VERIFICATIONS = Sheet("核查记录", (
    _c("批次编号", True, limit=rules.CODE), _c("档案编号", True, limit=rules.CODE),
    _c("方式", True, CODE, "verification_method"), _c("日期", True, DATE), _c("结果", True, limit=rules.NOTE),
    _c("核查人", limit=rules.PERSON_NAME), _c("备注", limit=rules.NOTE),
), key=("批次编号", "档案编号", "方式", "日期"))

# In the order they are written (and the 校验码 is computed).
SHEETS: tuple[Sheet, ...] = (UNITS, HOUSEHOLDS, MEMBERS, FUND_ENTRIES, BUDGETS, PLANS, BATCHES, AID_RECORDS,
                             SUBUNIT_USAGE, VERIFICATIONS)
BY_NAME = {s.name: s for s in SHEETS}


def checksum(sheets: Iterable[tuple[str, Sequence[Sequence[str]]]]) -> str:
    """校验码: SHA-256 of the data rows of all sheets but 说明, in sheet order.

    Cells are joined by U+001F and rows by U+001E.

    ``sheets`` gives each sheet's data rows (without the header) as the cell *texts* Excel shows.
    """
    rows = ["\x1f".join(cells) for _name, data in sheets for cells in data]
    return hashlib.sha256("\x1e".join(rows).encode("utf-8")).hexdigest()
