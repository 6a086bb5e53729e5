"""家庭月人均收入 and the suggested 困难类别 under the rule sets in resources/rules."""

from dataclasses import fields
from decimal import Decimal as D

import pytest

from aiddesk.core.codes import code_list
from aiddesk.core.errors import UserError
from aiddesk.core.income import (
    IncomeInput,
    IncomeResult,
    RuleSet,
    Suggestion,
    available_rule_sets,
    compute_income,
    load_rule_set,
    rule_set_from_dict,
    suggest_category,
)

OLD = load_rule_set("national_2010")
NEW = load_rule_set("national_2021")
RULES = {"old": OLD, "new": NEW}


def household(head="0", members=(), other="0", rigid="0", costs="0", size=1, causes=()):
    return IncomeInput(
        head_monthly=D(head),
        members_monthly=tuple(D(m) for m in members),
        other_annual=D(other),
        rigid_expenses_annual=D(rigid),
        hardship_costs_annual=D(costs),
        household_size=size,
        causes=tuple(causes),
    )


def suggest(rules, line="500", **kw):
    return suggest_category(household(**kw), line=D(line), rules=RULES[rules])


# --------------------------------------------------------------------------- rule files


def test_available_rule_sets_have_id_and_chinese_title():
    found = {r.id: r.title for r in available_rule_sets()}
    assert found.items() >= {
        "national_2010": "全国总工会困难职工档案（旧标准）",
        "national_2021": "新标准（深度困难/相对困难/意外致困）",
    }.items()


def test_rule_files_use_code_list_values_and_decimal_ratios():
    categories, causes = code_list("hardship_category"), code_list("hardship_cause")
    for rules in available_rule_sets():
        for t in rules.tests:
            assert t.category in categories
            assert all(c in causes for c in t.causes)
            assert t.ratio is None or isinstance(t.ratio, D)


@pytest.mark.parametrize(
    "rules, deduct, order",
    [
        (OLD, False, ["低保户", "低保边缘户", "意外致困户"]),
        (NEW, True, ["深度困难", "相对困难", "意外致困"]),
    ],
)
def test_rule_set_contents(rules, deduct, order):
    assert rules.deduct_rigid_expenses is deduct
    assert [t.category for t in rules.tests] == order


@pytest.mark.parametrize("rule_id", ["provincial_1999", "required_proofs", "../codes/code_lists"])
def test_unknown_rule_set_lists_the_choices(rule_id):
    with pytest.raises(UserError, match="national_2010、national_2021"):
        load_rule_set(rule_id)


@pytest.mark.parametrize(
    "data, message",
    [
        ({"id": "x", "title": "t", "deduct_rigid_expenses": False}, "缺少"),
        (
            {"id": "x", "title": "t", "deduct_rigid_expenses": False,
             "tests": [{"category": "低保户", "test": "income_above", "ratio": "1"}]},
            "未知的检验",
        ),
        (
            {"id": "x", "title": "t", "deduct_rigid_expenses": False,
             "tests": [{"category": "低保户", "test": "income_below_line", "ratio": "一倍"}]},
            "不是数字",
        ),
        (
            {"id": "x", "title": "t", "deduct_rigid_expenses": False,
             "tests": [{"category": "意外致困户", "test": "cause_in", "causes": ["遭受意外事故"]}]},
            "income_below_line",
        ),
        (
            {"id": "x", "title": "t", "deduct_rigid_expenses": "false",
             "tests": [{"category": "低保户", "test": "income_below_line", "ratio": "1"}]},
            "true 或 false",
        ),
    ],
)
def test_broken_rule_file_gives_a_user_message(data, message):
    with pytest.raises(UserError, match=message):
        rule_set_from_dict(data)


# --------------------------------------------------------------------------- income arithmetic


@pytest.mark.parametrize(
    "kw, rules, annual, monthly, per_capita",
    [
        # the worked example: 2,200.00 a month, 500.00 rigid a month, 3 people
        (dict(head="1200", members=("800", "0"), other="2400", rigid="6000", size=3), NEW,
         "26400", "2200.00", "566.67"),
        (dict(head="1200", members=("800", "0"), other="2400", rigid="6000", size=3), OLD,
         "26400", "2200.00", "733.33"),
        (dict(head="100", size=3), OLD, "1200", "100.00", "33.33"),
        (dict(head="200", size=3), OLD, "2400", "200.00", "66.67"),
        # HALF_UP, not banker's rounding: 1,000.01 ÷ 2 = 500.005 → 500.01
        (dict(head="1000.01", size=2), OLD, "12000.12", "1000.01", "500.01"),
        (dict(head="1000.03", size=2), OLD, "12000.36", "1000.03", "500.02"),  # 500.015 → 500.02
        # 其他年收入 100 ÷ 12 = 8.333… → 8.33
        (dict(other="100"), OLD, "100", "8.33", "8.33"),
        # 刚性支出 100 ÷ 12 = 8.33 deducted
        (dict(head="1000", rigid="100"), NEW, "12000", "1000.00", "991.67"),
        # rigid expenses above income: never below 0
        (dict(head="500", rigid="12000", size=2), NEW, "6000", "500.00", "0.00"),
        (dict(head="500", rigid="12000", size=2), OLD, "6000", "500.00", "250.00"),
        (dict(), NEW, "0", "0.00", "0.00"),
    ],
)
def test_per_capita(kw, rules, annual, monthly, per_capita):
    result = compute_income(household(**kw), rules)
    assert result.annual_total == D(annual)
    assert result.monthly_total == D(monthly)
    assert result.per_capita == D(per_capita)
    assert str(result.per_capita) == per_capita  # exactly two decimals


@pytest.mark.parametrize(
    "rules, expected_steps",
    [
        (NEW, [
            "家庭年总收入 = 户主及成员月收入 2,000.00 × 12 + 其他年收入 2,400.00 = 26,400.00 元",
            "家庭月收入 = 户主 1,200.00 + 成员 800.00 + 0.00 + 其他年收入 2,400.00 ÷ 12 = 2,200.00 元",
            "扣除刚性支出 6,000.00 ÷ 12 = 500.00 元",
            "扣除后家庭月收入 = 2,200.00 − 500.00 = 1,700.00 元",
            "家庭月人均收入 = 1,700.00 ÷ 3 人 = 566.67 元",
        ]),
        (OLD, [
            "家庭年总收入 = 户主及成员月收入 2,000.00 × 12 + 其他年收入 2,400.00 = 26,400.00 元",
            "家庭月收入 = 户主 1,200.00 + 成员 800.00 + 0.00 + 其他年收入 2,400.00 ÷ 12 = 2,200.00 元",
            "本规则不扣除刚性支出（已填 6,000.00 元/年，不计入）",
            "家庭月人均收入 = 2,200.00 ÷ 3 人 = 733.33 元",
        ]),
    ],
)
def test_steps_show_the_actual_numbers(rules, expected_steps):
    inp = household(head="1200", members=("800", "0"), other="2400", rigid="6000", size=3)
    assert list(compute_income(inp, rules).steps) == expected_steps


def test_negative_net_income_is_explained():
    steps = compute_income(household(head="500", rigid="12000", size=2), NEW).steps
    assert "扣除后家庭月收入 = 500.00 − 1,000.00 = -500.00 元，低于 0，按 0.00 元计" in steps
    assert steps[-1] == "家庭月人均收入 = 0.00 ÷ 2 人 = 0.00 元"


# --------------------------------------------------------------------------- category boundaries


@pytest.mark.parametrize(
    "rules, head, category",
    [
        # 旧标准: < 500 低保户, < 750 低保边缘户 (being exactly on a line is not below it)
        ("old", "0", "低保户"),
        ("old", "499.99", "低保户"),
        ("old", "500.00", "低保边缘户"),
        ("old", "500.01", "低保边缘户"),
        ("old", "749.99", "低保边缘户"),
        ("old", "750.00", None),
        ("old", "750.01", None),
        # 新标准: < 500 深度困难, < 1,000 相对困难
        ("new", "0", "深度困难"),
        ("new", "499.99", "深度困难"),
        ("new", "500.00", "相对困难"),
        ("new", "500.01", "相对困难"),
        ("new", "999.99", "相对困难"),
        ("new", "1000.00", None),
        ("new", "1000.01", None),
    ],
)
def test_income_boundaries(rules, head, category):
    assert suggest(rules, head=head).category == category


@pytest.mark.parametrize(
    "rules, line, head, size, category",
    [
        # 333.33 × 1.5 = 499.995 → edge line 500.00
        ("old", "333.33", "499.99", 1, "低保边缘户"),
        ("old", "333.33", "500.00", 1, None),
        # per-capita is compared, not the household total: 1,499.97 ÷ 3 = 499.99
        ("new", "500", "1499.97", 3, "深度困难"),
        ("new", "500", "1500.00", 3, "相对困难"),
        # 1,499.99 ÷ 3 = 499.996… → 500.00, which is not below the line
        ("new", "500", "1499.99", 3, "相对困难"),
    ],
)
def test_boundaries_with_rounding(rules, line, head, size, category):
    assert suggest(rules, line=line, head=head, size=size).category == category


@pytest.mark.parametrize(
    "rules, kw, category",
    [
        # 旧标准: an accident or disaster cause, main or secondary, when income tests fail
        ("old", dict(head="3000", causes=("遭受意外事故",)), "意外致困户"),
        ("old", dict(head="3000", causes=("遭受自然灾害",)), "意外致困户"),
        ("old", dict(head="3000", causes=("下岗失业", "遭受自然灾害")), "意外致困户"),
        ("old", dict(head="3000", causes=("患重特大疾病", "下岗失业")), None),
        ("old", dict(head="3000"), None),
        ("old", dict(head="400", causes=("遭受意外事故",)), "低保户"),  # income tests come first
        ("old", dict(head="600", causes=("遭受意外事故",)), "低保边缘户"),
        ("old", dict(head="3000", costs="999999"), None),  # costs are not a test in 旧标准
        # 新标准: 当年致困支出 > 家庭年总收入 × 0.8 (36,000 × 0.8 = 28,800)
        ("new", dict(head="3000", costs="28799.99"), None),
        ("new", dict(head="3000", costs="28800.00"), None),
        ("new", dict(head="3000", costs="28800.01"), "意外致困"),
        ("new", dict(head="3000", costs="50000"), "意外致困"),
        ("new", dict(head="3000", causes=("遭受意外事故",)), None),  # causes are not a test in 新标准
        ("new", dict(head="400", costs="50000"), "深度困难"),
        # the costs test uses the gross annual income, rigid expenses are not taken off it
        ("new", dict(head="3000", rigid="30000", costs="28800.00"), "相对困难"),
        ("new", dict(head="3000", rigid="12000", costs="28800.01"), "意外致困"),
    ],
)
def test_accident_rules(rules, kw, category):
    assert suggest(rules, **kw).category == category


@pytest.mark.parametrize(
    "kw, old, new",
    [
        # 1,200 a month, 12,000 rigid a year (1,000 a month) → 1,200 vs 200 per person
        (dict(head="1200", rigid="12000"), None, "深度困难"),
        (dict(head="700", rigid="3000"), "低保边缘户", "深度困难"),  # 700 vs 450
        (dict(head="1050", rigid="1200"), None, "相对困难"),  # 1,050 vs 950
        (dict(head="1200"), None, None),  # nothing to deduct
    ],
)
def test_rigid_expenses_only_deducted_under_new_rules(kw, old, new):
    assert suggest("old", **kw).category == old
    assert suggest("new", **kw).category == new


# --------------------------------------------------------------------------- explanation


def test_explanation_old_rules():
    s = suggest("old", head="1200", members=("800", "0"), other="2400", rigid="6000", size=4)
    assert s.category == "低保边缘户"
    assert s.line == D("500")
    assert s.explanation[: len(s.income.steps)] == s.income.steps  # the income steps come first
    assert "家庭月人均收入 = 2,200.00 ÷ 4 人 = 550.00 元" in s.explanation
    assert "当地低保标准 500.00 元/月；低保边缘线 = 500.00 × 1.5 = 750.00 元" in s.explanation
    assert "550.00 ≥ 低保标准 500.00，不属于低保户" in s.explanation
    assert s.explanation[-1] == "550.00 < 低保边缘线 750.00，建议类别：低保边缘户"
    assert any("等于该线不算低于" in line for line in s.explanation)


def test_explanation_new_rules_accident():
    s = suggest("new", line="600", head="3000", costs="30000")
    assert s.category == "意外致困"
    assert "当地低保标准 600.00 元/月；相对困难线 = 600.00 × 2 = 1,200.00 元" in s.explanation
    assert s.explanation[-1] == (
        "当年致困支出 30,000.00 > 家庭年总收入 36,000.00 × 0.8 = 28,800.00，建议类别：意外致困"
    )


@pytest.mark.parametrize(
    "rules, last",
    [
        ("old", "3,000.00 不低于低保边缘线 750.00 元，且无意外致困情形："
                "按收入不符合建档条件（可由经办人根据实际情况决定）"),
        ("new", "3,000.00 不低于相对困难线 1,000.00 元，且无意外致困情形："
                "按收入不符合建档条件（可由经办人根据实际情况决定）"),
    ],
)
def test_explanation_when_no_category(rules, last):
    s = suggest(rules, head="3000", causes=("下岗失业",))
    assert s.category is None
    assert s.explanation[-1] == last
    assert any("不属于意外致困" in line for line in s.explanation)


def test_explanation_names_the_causes_checked():
    s = suggest("old", head="3000", causes=("下岗失业",))
    assert "致困原因（下岗失业）不含遭受自然灾害、遭受意外事故，不属于意外致困户" in s.explanation
    s = suggest("old", head="3000")
    assert "致困原因（未填写）不含遭受自然灾害、遭受意外事故，不属于意外致困户" in s.explanation
    s = suggest("old", head="3000", causes=("下岗失业", "遭受自然灾害"))
    assert s.explanation[-1] == "致困原因含“遭受自然灾害”，建议类别：意外致困户"


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize("size", [0, -1])
def test_household_size_at_least_one(size):
    with pytest.raises(UserError, match="家庭人口至少为1人") as err:
        suggest("new", head="100", size=size)
    assert err.value.field == "household_size"
    with pytest.raises(UserError, match="家庭人口至少为1人"):
        compute_income(household(size=size), OLD)


@pytest.mark.parametrize("line", [D("0"), D("-1"), 0, None])
def test_line_must_be_set(line):
    with pytest.raises(UserError, match="未设置当地低保标准，请在“设置 → 低保标准”中录入该地区该年度的标准"):
        suggest_category(household(head="100"), line=line, rules=OLD)


@pytest.mark.parametrize(
    "kw, message",
    [
        (dict(head="-1"), "户主月收入不能为负数"),
        (dict(members=("100", "-5")), "家庭成员月收入不能为负数"),
        (dict(other="-100"), "家庭其他年收入不能为负数"),
        (dict(rigid="-100"), "刚性支出不能为负数"),
        (dict(costs="-100"), "当年致困支出不能为负数"),
    ],
)
def test_negative_amounts_refused(kw, message):
    with pytest.raises(UserError, match=message):
        suggest("new", **kw)


# --------------------------------------------------------------------------- no float anywhere


def _decimal_fields(obj):
    return [getattr(obj, f.name) for f in fields(obj) if f.type in ("Decimal", "Decimal | None")]


@pytest.mark.parametrize("rules", ["old", "new"])
def test_results_are_decimal_never_float(rules):
    s = suggest(rules, head="1234.56", members=("0.01",), other="100", rigid="99.99", size=7)
    assert isinstance(s, Suggestion) and isinstance(s.income, IncomeResult)
    values = _decimal_fields(s) + _decimal_fields(s.income)
    assert len(values) == 4
    assert all(type(v) is D for v in values)
    for rule_set in available_rule_sets():
        assert isinstance(rule_set, RuleSet)
        assert all(type(t.ratio) is D for t in rule_set.tests if t.ratio is not None)


def test_float_input_is_refused():
    inp = household(head="100")
    bad = IncomeInput(1000.5, (), D(0), D(0), D(0), 1)
    with pytest.raises(TypeError):
        compute_income(bad, NEW)
    with pytest.raises(TypeError):
        suggest_category(inp, line=500.0, rules=NEW)


def test_numeric_ratio_is_read_as_decimal():
    rules = rule_set_from_dict(
        {"id": "x", "title": "t", "deduct_rigid_expenses": False,
         "tests": [{"category": "低保户", "test": "income_below_line", "ratio": 1.1}]}
    )
    assert rules.tests[0].ratio == D("1.1")
