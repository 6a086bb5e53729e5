"""Chinese labels of household fields, for forms, error lists and the change history."""

FIELD_LABELS = {
    "name": "姓名", "id_number": "身份证号", "gender": "性别", "birth_date": "出生日期", "ethnicity": "民族",
    "political_status": "政治面貌", "health": "健康状况", "disability": "残疾类别", "work_status": "工作状态",
    "is_migrant_worker": "是否农民工", "phone": "手机号码", "employer": "工作单位", "employer_type": "单位性质",
    "unit_code": "所属单位", "hukou_type": "户口类型", "marital_status": "婚姻状况", "housing_type": "住房类型",
    "address": "家庭住址", "hukou_area_code": "户口所在地区划代码", "monthly_income": "本人月收入",
    "other_annual_income": "家庭其他年收入", "rigid_expenses": "刚性支出（年）", "hardship_costs": "当年致困支出",
    "household_size": "家庭人口", "annual_income": "家庭年总收入", "per_capita_income": "家庭月人均收入",
    "dibao_line": "当地低保标准", "rule_set": "类别规则", "hardship_category": "困难类别",
    "main_cause": "主要致困原因", "secondary_causes": "次要致困原因", "bank_name": "开户银行",
    "bank_card": "银行卡号", "archive_no": "档案编号", "archive_status": "档案状态", "created_date": "建档日期",
    "exit_date": "退出日期", "exit_reason": "退出原因", "exit_note": "退出说明", "created_by": "建档人",
    "reviewed_by": "审核人", "union_opinion": "工会意见", "note": "备注", "missing_docs": "缺少材料",
    "members": "家庭成员", "kind": "附件类型", "file": "文件", "sha256": "SHA-256",
    "display_name": "姓名", "roles": "角色", "active": "启用", "password": "密码",
    "code": "单位代码", "level": "层级", "parent_code": "上级单位", "is_own": "本单位",
    "since": "起始日期", "reason": "原因", "recorded_at": "录入时间", "recorded_by": "录入人",
}

ACTION_LABELS = {"insert": "新建", "update": "修改", "status": "状态变更", "status_undo": "撤销误操作", "delete": "删除",
                 "export": "导出"}
TABLE_LABELS = {"households": "档案", "attachments": "附件", "members": "家庭成员", "users": "用户",
                "units": "单位", "dibao_lines": "低保标准", "batches": "帮扶批次", "aid_records": "帮扶明细",
                "calendar_days": "节假日", "settings": "设置", "fund_entries": "资金收支", "fund_budgets": "预算",
                "aid_plans": "计划", "subunit_usage": "下级单位使用", "fund_sources": "资金来源",
                "sms_templates": "短信模板", "draws": "抽查抽样", "phone_calls": "电话核实", "home_visits": "入户走访",
                "feedback": "满意度", "problems": "核查问题", "batch_check_marks": "核查清单"}


def label(field: str) -> str:
    """The Chinese label of a field; ``members.2.name`` → 第2位家庭成员·姓名."""
    if field.startswith("members."):
        parts = field.split(".")
        if len(parts) == 3:
            return f"第{parts[1]}位家庭成员·{FIELD_LABELS.get(parts[2], parts[2])}"
    return FIELD_LABELS.get(field, field)
