"""Checks before an aid line joins a batch, the caps file, and approvers' overrides."""

import json
from decimal import Decimal as D

import pytest

from aiddesk.core.aid_checks import (
    AidCaps,
    AidFacts,
    Override,
    Problem,
    YearlyCap,
    aid_caps_from_dict,
    apply_override,
    check_aid,
    default_aid_category,
    ensure_no_problems,
    load_aid_caps,
    yearly_limit,
)
from aiddesk.core.codes import code_list
from aiddesk.core.errors import UserError
from aiddesk.core.income import available_rule_sets
from aiddesk.paths import resource

CAPS = load_aid_caps()


def facts(**kw) -> AidFacts:
    base = dict(archive_status="在档", activity="生活救助", aid_category="生活救助", amount=D("1000"),
                standard=D("1000"), yearly_total_before=D("0"), dibao_line=D("600"), already_in_batch=False,
                song_nuan_this_year=False, student_aided_this_year=False, self_paid=None,
                is_individual_application=True)
    base.update(kw)
    return AidFacts(**base)


def codes(problems):
    return [p.code for p in problems]


def only(problems) -> Problem:
    assert len(problems) == 1, problems
    return problems[0]


# --------------------------------------------------------------------------- caps file


def test_caps_file_as_shipped():
    assert CAPS.yearly == {"生活救助": YearlyCap(per="household", months_of_dibao_line=12)}
    assert dict(CAPS.default_category) == {"送温暖": "生活救助", "金秋助学": "助学救助", "生活救助": "生活救助",
                                           "医疗救助": "医疗救助", "临时救助": "生活救助", "其他": "生活救助"}


def test_every_activity_has_a_default_category():
    for activity in code_list("activity"):
        assert default_aid_category(activity, CAPS) in code_list("aid_category")
    assert default_aid_category("不存在", CAPS) is None


def test_caps_file_is_not_a_category_rule_set():
    data = json.loads(resource("rules", "aid_caps.json").read_text(encoding="utf-8"))
    assert data["kind"] == "aid_caps"
    assert sorted(r.id for r in available_rule_sets()) == ["national_2010", "national_2021"]


def test_caps_fixed_amount_and_comment_keys():
    caps = aid_caps_from_dict({"kind": "aid_caps",
                               "yearly_caps": {"_comment": "说明", "医疗救助": {"per": "household", "amount": "20000"}},
                               "activity_default_category": {"_comment": "说明", "送温暖": "生活救助"}})
    assert caps.yearly == {"医疗救助": YearlyCap(per="household", amount=D("20000"))}
    assert dict(caps.default_category) == {"送温暖": "生活救助"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "category_rules"}, "缺少 \"kind\": \"aid_caps\""),
        ({"kind": "aid_caps", "yearly_caps": {"救济": {"months_of_dibao_line": 12}}}, "救助类别“救济”不在代码表中"),
        ({"kind": "aid_caps", "yearly_caps": {"生活救助": {"per": "person", "months_of_dibao_line": 12}}},
         "per 只能是 household"),
        ({"kind": "aid_caps", "yearly_caps": {"生活救助": {}}}, "填且只填一个"),
        ({"kind": "aid_caps", "yearly_caps": {"生活救助": {"months_of_dibao_line": 12, "amount": "1"}}},
         "填且只填一个"),
        ({"kind": "aid_caps", "yearly_caps": {"生活救助": {"months_of_dibao_line": 0}}}, "应为正整数"),
        ({"kind": "aid_caps", "yearly_caps": {"生活救助": {"months_of_dibao_line": "12"}}}, "应为正整数"),
        ({"kind": "aid_caps", "yearly_caps": {"医疗救助": {"amount": "两万"}}}, "不是金额"),
        ({"kind": "aid_caps", "yearly_caps": {"医疗救助": {"amount": "-5"}}}, "大于 0、最多两位小数"),
        ({"kind": "aid_caps", "yearly_caps": {"医疗救助": {"amount": "1.005"}}}, "大于 0、最多两位小数"),
        ({"kind": "aid_caps", "activity_default_category": {"春节": "生活救助"}}, "活动类型“春节”不在代码表中"),
        ({"kind": "aid_caps", "activity_default_category": {"送温暖": "慰问"}}, "默认救助类别“慰问”不在代码表中"),
    ],
)
def test_bad_caps_file_refused_in_chinese(data, message):
    with pytest.raises(UserError) as err:
        aid_caps_from_dict(data)
    assert str(err.value).startswith("规则文件 aid_caps.json 有误：")
    assert message in str(err.value)


@pytest.mark.parametrize(
    ("cap", "line", "limit"),
    [
        (YearlyCap(months_of_dibao_line=12), D("600"), D("7200")),
        (YearlyCap(months_of_dibao_line=12), D("612.50"), D("7350.00")),
        (YearlyCap(months_of_dibao_line=12), None, None),
        (YearlyCap(months_of_dibao_line=12), D("0"), None),
        (YearlyCap(amount=D("20000")), None, D("20000")),
    ],
)
def test_yearly_limit(cap, line, limit):
    assert yearly_limit(cap, line) == limit


# --------------------------------------------------------------------------- checks


def test_clean_line_has_no_problems():
    assert check_aid(facts(), CAPS) == []


@pytest.mark.parametrize(
    ("changes", "code", "overridable", "fragments"),
    [
        ({"archive_status": "临时"}, "archive_not_active", False, ["档案状态为“临时”，只能参加临时救助", "生活救助"]),
        ({"archive_status": "脱困"}, "archive_not_active", False, ["档案状态为“脱困”，不能发放帮扶"]),
        ({"archive_status": "注销"}, "archive_not_active", False, ["档案状态为“注销”", "恢复为在档"]),
        ({"amount": D("0")}, "amount_not_positive", False, ["金额应大于 0（现为 0.00 元）"]),
        ({"amount": D("-50")}, "amount_not_positive", False, ["现为 -50.00 元"]),
        ({"amount": D("1200")}, "above_standard", True, ["金额 1,200.00 元高于本批次发放标准 1,000.00 元"]),
        ({"already_in_batch": True}, "duplicate_in_batch", False, ["本户已在本批次名单中"]),
        ({"activity": "送温暖", "song_nuan_this_year": True}, "song_nuan_repeat", True,
         ["今年已在其他批次领过送温暖"]),
        ({"activity": "金秋助学", "aid_category": "助学救助", "student_aided_this_year": True},
         "student_repeat", True, ["该学生今年已获助学救助"]),
        ({"activity": "医疗救助", "aid_category": "医疗救助", "amount": D("900"), "self_paid": D("800.50")},
         "above_self_paid", False, ["医疗救助金额 900.00 元超过个人自付医疗费用 800.50 元"]),
        ({"activity": "医疗救助", "aid_category": "医疗救助", "self_paid": None},
         "self_paid_missing", False, ["须填写个人自付医疗费用"]),
        ({"activity": "临时救助", "is_individual_application": False}, "application_missing", False,
         ["临时救助须由职工本人申请"]),
        ({"dibao_line": None}, "dibao_line_missing", False,
         ["未设置当地低保标准，无法核对生活救助的年度上限（低保标准 × 12 个月）", "“管理 → 低保标准”"]),
        ({"dibao_line": D("0")}, "dibao_line_missing", False, ["“管理 → 低保标准”"]),
    ],
)
def test_each_check(changes, code, overridable, fragments):
    problem = only(check_aid(facts(**changes), CAPS))
    assert (problem.code, problem.overridable) == (code, overridable)
    for fragment in fragments:
        assert fragment in problem.message


def test_yearly_cap_message_has_the_figures():
    problem = only(check_aid(facts(yearly_total_before=D("6500"), amount=D("1000"), dibao_line=D("600")), CAPS))
    assert problem.code == "above_yearly_cap" and problem.overridable
    assert problem.message == ("本户今年已获生活救助 6,500.00 元，加上本次 1,000.00 元共 7,500.00 元，"
                               "超过每户年度上限 7,200.00 元（当地低保标准 600.00 元/月 × 12 个月）")


@pytest.mark.parametrize(
    ("before", "amount", "over"),
    [(D("6200"), D("1000"), False), (D("6200.01"), D("1000"), True), (D("0"), D("1000"), False)],
)
def test_yearly_cap_reached_exactly_is_allowed(before, amount, over):
    found = codes(check_aid(facts(yearly_total_before=before, amount=amount), CAPS))
    assert ("above_yearly_cap" in found) is over


def test_fixed_amount_cap_without_dibao_line():
    caps = AidCaps(yearly={"医疗救助": YearlyCap(amount=D("20000"))})
    line = facts(activity="医疗救助", aid_category="医疗救助", amount=D("3000"), standard=None,
                 self_paid=D("5000"), yearly_total_before=D("18000"), dibao_line=None)
    problem = only(check_aid(line, caps))
    assert problem.code == "above_yearly_cap"
    assert problem.message == ("本户今年已获医疗救助 18,000.00 元，加上本次 3,000.00 元共 21,000.00 元，"
                               "超过每户年度上限 20,000.00 元")


def test_uncapped_category_needs_no_dibao_line():
    line = facts(activity="金秋助学", aid_category="助学救助", dibao_line=None, yearly_total_before=D("99999"))
    assert check_aid(line, CAPS) == []


@pytest.mark.parametrize(
    "changes",
    [
        {"activity": "临时救助", "archive_status": "临时"},  # 临时 archives may get 临时救助
        {"standard": None, "amount": D("5000")},  # no batch standard: nothing to exceed
        {"song_nuan_this_year": True},  # only a second 送温暖 counts
        {"student_aided_this_year": True},  # only for 助学救助 lines
        {"activity": "医疗救助", "aid_category": "医疗救助", "self_paid": D("1000")},  # equal to self-paid
        {"activity": "送温暖", "is_individual_application": False},  # campaigns need no application
    ],
)
def test_allowed_cases(changes):
    assert check_aid(facts(**changes), CAPS) == []


def test_several_problems_reported_together():
    found = check_aid(facts(archive_status="脱困", already_in_batch=True, amount=D("1200"),
                            activity="送温暖", song_nuan_this_year=True), CAPS)
    assert codes(found) == ["archive_not_active", "duplicate_in_batch", "above_standard", "song_nuan_repeat"]


def test_non_positive_amount_skips_standard_and_cap():
    assert codes(check_aid(facts(amount=D("0"), dibao_line=None), CAPS)) == ["amount_not_positive"]


@pytest.mark.parametrize("name", ["amount", "standard", "yearly_total_before", "dibao_line", "self_paid"])
def test_money_facts_refuse_float(name):
    with pytest.raises(TypeError):
        facts(**{name: 1000.0})


# --------------------------------------------------------------------------- outcome and overrides

OVER = [Problem("above_standard", "金额 1,200.00 元高于本批次发放标准 1,000.00 元", True),
        Problem("song_nuan_repeat", "本户今年已在其他批次领过送温暖", True)]
APPROVER_NAME = "王五"
HARD = Problem("duplicate_in_batch", "本户已在本批次名单中，同一批次不能重复发放", False)


def test_ensure_no_problems():
    ensure_no_problems([])
    with pytest.raises(UserError) as err:
        ensure_no_problems(OVER)
    assert str(err.value) == ("1. 金额 1,200.00 元高于本批次发放标准 1,000.00 元；2. 本户今年已在其他批次领过送温暖。"
                              "如确需发放，请审批人填写理由特批")
    with pytest.raises(UserError) as err:
        ensure_no_problems([HARD])
    assert str(err.value) == HARD.message


@pytest.mark.parametrize("roles", [("审批人",), ("经办人", "审批人"), None])
def test_approver_overrides_with_reason(roles):
    result = apply_override(OVER, "  家中突发火灾，经主席办公会研究同意  ", roles, actor=APPROVER_NAME, clerk="张三")
    assert result == Override("家中突发火灾，经主席办公会研究同意", ("above_standard", "song_nuan_repeat"),
                              tuple(p.message for p in OVER))



@pytest.mark.parametrize(
    ("problems", "reason", "roles", "actor", "message"),
    [
        (OVER, "家中突发火灾", ("审核人",), APPROVER_NAME, "只有审批人可以特批超标或重复发放"),
        (OVER, "家中突发火灾", ("管理员", "经办人"), APPROVER_NAME, "只有审批人可以特批"),
        ([*OVER, HARD], "家中突发火灾", ("审批人",), APPROVER_NAME,
         "以下问题不能特批，须先改正：本户已在本批次名单中，同一批次不能重复发放"),
        ([HARD], "家中突发火灾", None, APPROVER_NAME, "以下问题不能特批"),
        (OVER, "同意", ("审批人",), APPROVER_NAME, "请填写特批理由（至少4个字）"),
        (OVER, "  同意  ", None, APPROVER_NAME, "至少4个字"),
        (OVER, "", ("审批人",), APPROVER_NAME, "至少4个字"),
        (OVER, "家中突发火灾", ("审批人",), "张三", "特批人不能是本批次的经办人（张三）"),
        (OVER, "家中突发火灾", None, "张三", "特批人不能是本批次的经办人（张三）"),
    ],
)
def test_override_refused(problems, reason, roles, actor, message):
    with pytest.raises(UserError) as err:
        apply_override(problems, reason, roles, actor=actor, clerk="张三")
    assert message in str(err.value)


def test_override_of_real_check_results():
    found = check_aid(facts(amount=D("1500"), yearly_total_before=D("6000")), CAPS)
    assert codes(found) == ["above_standard", "above_yearly_cap"]
    assert apply_override(found, "因病致困情况特殊", ("审批人",)).codes == ("above_standard", "above_yearly_cap")
    blocked = check_aid(facts(amount=D("1500"), dibao_line=None), CAPS)
    with pytest.raises(UserError, match="低保标准"):
        apply_override(blocked, "因病致困情况特殊", ("审批人",))


def test_override_reason_four_characters_is_enough():
    assert apply_override(OVER, "特殊困难", ("审批人",)).reason == "特殊困难"
