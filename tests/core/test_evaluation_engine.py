"""aiddesk/core/evaluation.py: template checks and their Chinese messages, scoring rules, rescaling, grades."""

from __future__ import annotations

from decimal import Decimal

import pytest

from aiddesk.core.errors import UserError
from aiddesk.core.evaluation import (AUTO, MANUAL, REVERSE, Figure, ManualScore, Row, Rule, Template, auto_score,
                                     check_manual_score, check_template, evaluate, grade_of, template_from_data,
                                     template_problems)

D = Decimal


def rows(*spec: tuple[str, str, Rule]) -> tuple[Row, ...]:
    """Rows from ("一级/二级/三级", weight, rule)."""
    return tuple(Row(path=tuple(p.split("/")), weight=D(w), standard="", rule=rule)
                 for p, w, rule in spec)


def small(**kwargs) -> Template:
    """甲 60 (一 40: a, b; 二 20: c), 乙 40 (三 40: d auto, e)."""
    spec = (("甲/一/a", "20", Rule()), ("甲/一/b", "20", Rule()), ("甲/二/c", "20", Rule()),
            ("乙/三/d", "30", Rule(AUTO, "arrival_rate", target=D(1))), ("乙/三/e", "10", Rule()))
    groups = {"甲": D(60), "甲 / 一": D(40), "甲 / 二": D(20), "乙": D(40), "乙 / 三": D(40)}
    return Template(name=kwargs.get("name", "小表"), rows=kwargs.get("rows", rows(*spec)),
                    groups=kwargs.get("groups", groups))


# ---- template checks -------------------------------------------------------------------

def test_a_template_whose_weights_add_up_has_no_problems():
    assert template_problems(small()) == []
    check_template(small())


def test_rows_not_adding_up_to_100_or_to_their_group_are_named():
    t = small()
    changed = Template(t.name, (Row(t.rows[0].path, D(25), ""),) + t.rows[1:], t.groups)
    assert template_problems(changed) == [
        "各行分值合计为105分，应为100分",
        "“甲”的分值为60分，但其下各行合计65分",
        "“甲 / 一”的分值为40分，但其下各行合计45分",
    ]
    with pytest.raises(UserError) as refused:
        check_template(changed)
    assert str(refused.value).startswith("模板不能保存：各行分值合计为105分，应为100分；“甲”的分值为60分")


def test_a_declared_group_without_rows_is_refused():
    t = small(groups={**small().groups, "丙": D(10)})
    assert template_problems(t) == ["“丙”的分值为10分，但其下各行合计0分"]


def test_fractional_weights_are_shown_without_trailing_zeros():
    spec = (("甲/一/a", "49.5", Rule()), ("甲/一/b", "50", Rule()))
    problems = template_problems(Template("表", rows(*spec), {"甲": D(100), "甲 / 一": D("99.50")}))
    assert problems == ["各行分值合计为99.5分，应为100分", "“甲”的分值为100分，但其下各行合计99.5分"]


def test_names_duplicates_weights_and_rules_are_checked():
    spec = (("甲/一/a", "50", Rule()), ("甲/一/a", "50", Rule()), ("甲/一/ ", "0", Rule()),
            ("甲/一/x", "0", Rule(AUTO)), ("甲/一/y", "0", Rule("公式")),
            ("甲/一/z", "0", Rule(AUTO, "arrival_rate", direction="sideways", target=D(0))))
    problems = template_problems(Template(" ", rows(*spec), {}))
    assert problems == [
        "请填写模板名称",
        "指标“甲 / 一 / a”重复",
        "“甲 / 一 /  ”的指标名称不能为空",
        "“甲 / 一 /  ”的分值应大于0",
        "“甲 / 一 / x”的分值应大于0",
        "“甲 / 一 / x”是自动评分，请选择计算指标",
        "“甲 / 一 / x”是自动评分，请填写大于0的目标值",
        "“甲 / 一 / y”的分值应大于0",
        "“甲 / 一 / y”的评分方式应为手工或自动",
        "“甲 / 一 / z”的分值应大于0",
        "“甲 / 一 / z”是自动评分，请填写大于0的目标值",
        "“甲 / 一 / z”的指标方向应为正向或反向",
    ]


def test_an_empty_template_is_refused():
    assert template_problems(Template("空表", (), {})) == ["模板中没有任何评分行", "各行分值合计为0分，应为100分"]


def test_a_malformed_template_file_says_so_in_chinese():
    with pytest.raises(UserError, match="^评价模板格式有误（.*），请检查模板文件$"):
        template_from_data({"name": "缺行"})
    with pytest.raises(UserError, match="评价模板格式有误"):
        template_from_data({"name": "坏分值", "rows": [{"path": ["甲", "一", "a"], "weight": "十"}]})


def test_the_json_form_reads_rules_and_defaults_to_manual():
    t = template_from_data({"name": "表", "groups": {"甲": 100}, "rows": [
        {"path": ["甲", "一", "a"], "weight": 60, "standard": "有则得分"},
        {"path": ["甲", "一", "b"], "weight": "40", "reconstructed": True,
         "rule": {"kind": "auto", "indicator": "balance_share", "direction": "reverse", "target": "0.10"}}]})
    a, b = t.rows
    assert a.rule == Rule(MANUAL) and a.weight == 60 and not a.reconstructed and a.standard == "有则得分"
    assert b.rule == Rule(AUTO, "balance_share", REVERSE, D("0.10")) and b.reconstructed
    assert t.groups == {"甲": D(100)}


# ---- scoring one automatic row ---------------------------------------------------------

def test_positive_indicators_score_in_proportion():
    score, basis = auto_score(Rule(AUTO, "x", target=D("1.00")), D(4), Figure(D("0.75"), "实际75人 ÷ 计划100人"))
    assert score == D(3)
    assert basis == "实际75人 ÷ 计划100人；得分 = 实际75.00% ÷ 目标100.00% × 4分"


def test_positive_indicators_are_capped_at_the_weight():
    score, basis = auto_score(Rule(AUTO, "x", target=D("0.90")), D(3), Figure(D("1"), "满意率100%"))
    assert score == D(3)
    assert basis.endswith("得分 = 实际100.00% ÷ 目标90.00% × 3分，以满分为限")
    score, _ = auto_score(Rule(AUTO, "x", target=D("0.90")), D(3), Figure(D("0.60"), ""))
    assert score == D(2)


def test_reverse_indicators_score_target_over_actual():
    rule = Rule(AUTO, "spot_check_discrepancy_rate", REVERSE, D("0.05"))
    score, basis = auto_score(rule, D(4), Figure(D("0.20"), "抽查20人，4人不符"))
    assert score == D(1)
    assert basis == "抽查20人，4人不符；得分 = 目标5.00% ÷ 实际20.00% × 4分（反向指标）"
    # At or below the target, and at zero, the weight in full.
    assert auto_score(rule, D(4), Figure(D("0.05"), ""))[0] == D(4)
    score, basis = auto_score(rule, D(4), Figure(D("0.01"), ""))
    assert score == D(4) and basis.endswith("（反向指标），以满分为限")
    assert auto_score(rule, D(4), Figure(D(0), "没有问题"))[0] == D(4)


def test_without_data_an_automatic_row_is_not_scored():
    rule = Rule(AUTO, "x", target=D(1))
    assert auto_score(rule, D(2), None) == (None, "没有可用的记录；无法自动计分，请手工评分或标记不适用")
    score, basis = auto_score(rule, D(2), Figure(None, "没有录入年度计划"))
    assert score is None and basis == "没有录入年度计划；无法自动计分，请手工评分或标记不适用"


# ---- the whole table -------------------------------------------------------------------

def manual(**scores: str) -> dict[str, ManualScore]:
    keys = {"a": "甲 / 一 / a", "b": "甲 / 一 / b", "c": "甲 / 二 / c", "d": "乙 / 三 / d", "e": "乙 / 三 / e"}
    return {keys[k]: ManualScore(D(v), f"{k}的依据") for k, v in scores.items()}


def test_a_table_scored_in_full():
    result = evaluate(small(), 2024, figures={"arrival_rate": Figure(D("0.9"), "到位90%")},
                      manual=manual(a="20", b="18", c="20", e="10"), not_applicable=set())
    assert [i.score for i in result.items] == [D(20), D(18), D(20), D(27), D(10)]
    assert result.raw_total == D(95) and result.applicable_weight == D(100)
    assert result.total == D("95.00") and result.grade == "优" and result.missing == ()
    assert result.items[1].basis == "b的依据"
    assert result.template == "小表" and result.year == 2024


def test_rows_not_scored_yet_are_listed_and_count_zero():
    result = evaluate(small(), 2024, figures={}, manual=manual(a="20"), not_applicable=set())
    assert result.missing == ("甲 / 一 / b", "甲 / 二 / c", "乙 / 三 / d", "乙 / 三 / e")
    assert result.total == D("20.00") and result.grade == "差"
    assert result.items[1].basis == "尚未评分"


def test_an_automatic_row_without_data_takes_the_hand_score():
    result = evaluate(small(), 2024, figures={}, manual=manual(a="20", b="20", c="20", d="24", e="10"),
                      not_applicable=set())
    d = result.items[3]
    assert d.score == D(24) and "已手工评分：d的依据" in d.basis
    assert result.total == D("94.00")
    # With data, the records decide and the hand score is ignored.
    result = evaluate(small(), 2024, figures={"arrival_rate": Figure(D(1), "到位100%")},
                      manual=manual(a="20", b="20", c="20", d="24", e="10"), not_applicable=set())
    assert result.items[3].score == D(30) and result.total == D("100.00")


def test_a_row_not_applicable_is_dropped_and_the_total_rescaled_to_100():
    result = evaluate(small(), 2024, figures={"arrival_rate": Figure(D(1), "")},
                      manual=manual(a="20", b="10", e="10"), not_applicable={"甲 / 二 / c"})
    c = result.items[2]
    assert not c.applicable and c.score is None and "不适用" in c.basis and "折算为100分" in c.basis
    assert result.applicable_weight == D(80) and result.raw_total == D(70)
    assert result.total == D("87.50") and result.grade == "良"  # 70 ÷ 80 × 100
    assert result.missing == ()


def test_rescaling_is_rounded_to_cents_half_up():
    # a, b, e applicable (50 points): 50 → 100, 49 → 98; a, b, c, e (70 points) scored 50 → 71.428… → 71.43
    result = evaluate(small(), 2024, figures={}, manual=manual(a="20", b="20", e="10"),
                      not_applicable={"甲 / 二 / c", "乙 / 三 / d"})
    assert result.applicable_weight == D(50) and result.total == D("100.00")
    result = evaluate(small(), 2024, figures={}, manual=manual(a="20", b="20", e="9"),
                      not_applicable={"甲 / 二 / c", "乙 / 三 / d"})
    assert result.total == D("98.00")
    result = evaluate(small(), 2024, figures={}, manual=manual(a="20", b="20", c="10"),
                      not_applicable={"乙 / 三 / d"})
    assert result.applicable_weight == D(70) and result.total == D("71.43")  # 50 ÷ 70 = 71.428…


def test_every_row_not_applicable_totals_zero():
    t = small()
    result = evaluate(t, 2024, figures={}, manual={}, not_applicable={r.key for r in t.rows})
    assert result.applicable_weight == 0 and result.total == D("0.00") and result.grade == "差"


@pytest.mark.parametrize("total, grade", [
    ("100", "优"), ("90", "优"), ("90.00", "优"), ("89.99", "良"), ("80", "良"), ("79.99", "中"),
    ("60", "中"), ("59.99", "差"), ("0", "差")])
def test_grades(total, grade):
    assert grade_of(D(total)) == grade


def test_a_manual_score_must_lie_between_0_and_the_weight():
    row = Row(("甲", "一", "a"), D("2.5"), "")
    check_manual_score(row, D(0))
    check_manual_score(row, D("2.5"))
    for bad in ("-0.5", "2.51"):
        with pytest.raises(UserError) as refused:
            check_manual_score(row, D(bad))
        assert str(refused.value) == "“甲 / 一 / a”的得分应在0到2.5分之间"
        assert refused.value.field == "score"
