"""The bundled evaluation templates (resources/evaluation) and the seed's 2015 manual scores (tests/data)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from aiddesk.core.evaluation import (AUTO, MANUAL, REVERSE, Figure, ManualScore, check_manual_score, evaluate,
                                     load_template_file, template_from_data, template_problems, template_to_data)

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "resources" / "evaluation"
HAINAN = FOLDER / "hainan_2015.json"
NATIONAL = FOLDER / "national_2020.json"
SCORES = ROOT / "tests" / "data" / "seed_2015_manual_scores.json"
# The indicator keys services/evaluation_figures.py computes from the records.
INDICATORS = {"arrival_rate", "plan_achievement", "plan_achievement_生活救助", "plan_achievement_医疗救助",
              "plan_achievement_助学救助", "card_payment_share", "paid_on_time_share", "notice_before_approval_share",
              "archive_completeness", "archives_updated_share", "sms_coverage", "spot_check_discrepancy_rate",
              "satisfaction_rate", "balance_share", "budget_execution"}
REVERSE_INDICATORS = {"spot_check_discrepancy_rate", "balance_share"}


def weights(t, depth: int) -> dict[str, Decimal]:
    return {k: v for k, v in t.groups.items() if k.count(" / ") == depth - 1}


def seed_scores() -> dict:
    return json.loads(SCORES.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", [HAINAN, NATIONAL], ids=["hainan_2015", "national_2020"])
def test_bundled_templates_load_and_their_weights_add_up(path):
    t = load_template_file(path)
    assert template_problems(t) == []
    assert sum(r.weight for r in t.rows) == 100
    assert sum(weights(t, 1).values()) == 100
    # Every 一级 and 二级 indicator has its weight declared, and every row is 一级 / 二级 / 三级.
    assert set(t.groups) == set(t.group_sums())
    assert all(len(r.path) == 3 and all(p == p.strip() and p for p in r.path) for r in t.rows)
    assert all(" / " not in p for r in t.rows for p in r.path)
    # The file is exactly what the program would write back (a copy saved unchanged is the same template).
    data = json.loads(path.read_text(encoding="utf-8"))
    assert template_to_data(t) == data
    assert template_from_data(template_to_data(t)) == t


@pytest.mark.parametrize("path", [HAINAN, NATIONAL], ids=["hainan_2015", "national_2020"])
def test_automatic_rows_use_known_indicators_with_sensible_targets(path):
    t = load_template_file(path)
    autos = [r for r in t.rows if r.rule.kind == AUTO]
    assert autos and all(r.rule.kind in (AUTO, MANUAL) for r in t.rows)
    for r in autos:
        assert r.rule.indicator in INDICATORS, r.key
        assert (r.rule.direction == REVERSE) == (r.rule.indicator in REVERSE_INDICATORS), r.key
        assert Decimal(0) < r.rule.target <= 1, r.key


def test_the_hainan_table_keeps_the_seeds_visible_structure():
    t = load_template_file(HAINAN)
    assert t.name == "海南省职工服务中心2015年帮扶专项资金绩效自评表（据2015年自检报告）"
    assert weights(t, 1) == {"帮扶工作决策": 50, "帮扶工作管理": 43, "帮扶绩效": 7}
    assert weights(t, 2) == {
        "帮扶工作决策 / 项目目标": 10, "帮扶工作决策 / 决策过程": 34, "帮扶工作决策 / 资金分配": 6,
        "帮扶工作管理 / 资金到位": 7, "帮扶工作管理 / 资金管理": 10, "帮扶工作管理 / 组织实施": 26,
        "帮扶绩效 / 帮扶效果": 7}
    # The seed's 三级 indicators (before the "：") with their weights, as the seed shows them.
    third: dict[str, Decimal] = {}
    for r in t.rows:
        name = r.path[2].split("：", 1)[0]
        third[name] = third.get(name, Decimal(0)) + r.weight
    assert {k: third[k] for k in ("决策程序", "分配办法", "分配结果", "到位率", "到位时效", "资金使用", "财务管理",
                                  "组织机构", "管理制度", "帮扶质量", "帮扶对象满意度")} == {
        "决策程序": 15, "分配办法": 2, "分配结果": 4, "到位率": 2, "到位时效": 5, "资金使用": 6, "财务管理": 4,
        "组织机构": 1, "管理制度": 25, "帮扶质量": 2, "帮扶对象满意度": 5}
    row = {r.path[2]: r for r in t.rows}
    archive = row["决策依据：是否建立完善的原始纸质困难职工档案。"]
    assert archive.weight == 4 and archive.standard.endswith("（档案资料不全的不得分）")
    assert row["到位率：实际到位/计划到位X100%"].rule.indicator == "arrival_rate"
    assert row["到位时效：帮扶资金是否通过大海惠工卡发放"].rule.indicator == "card_payment_share"
    assert row["管理制度：是否及时上报省总要求的各类总结和统计表。"].rule.kind == MANUAL


def test_only_the_rows_cut_off_in_the_seed_are_marked_reconstructed():
    t = load_template_file(HAINAN)
    reconstructed = [r for r in t.rows if r.reconstructed]
    assert [r.key for r in reconstructed] == [
        "帮扶工作决策 / 项目目标 / 目标内容：年初是否制定帮扶资金绩效目标（资金规模、帮扶人次）",
        "帮扶工作决策 / 项目目标 / 目标内容：绩效目标是否按生活救助、医疗救助、助学救助细化量化",
        "帮扶工作决策 / 项目目标 / 目标内容：绩效目标是否与在档困难职工户数和资金量相匹配",
        "帮扶工作决策 / 决策过程 / 决策依据：帮扶对象是否符合困难职工建档条件（低保户、低保边缘户、意外致困）",
        "帮扶工作决策 / 决策过程 / 决策依据：建档前是否入户调查，核实家庭收入和困难程度",
        "帮扶工作决策 / 决策过程 / 决策依据：建档是否经本人申请、单位工会审核并公示",
    ]
    assert sum(r.weight for r in reconstructed) == 19
    assert all(r.rule.kind == MANUAL and r.standard for r in reconstructed)
    # Everything below the cut is the seed's own: 81 of the 100 points.
    assert sum(r.weight for r in t.rows if not r.reconstructed) == 81
    assert "补全" in t.note
    assert not any(r.reconstructed for r in load_template_file(NATIONAL).rows)


def test_the_national_table_has_the_2020_structure():
    t = load_template_file(NATIONAL)
    assert weights(t, 1) == {"产出指标": 50, "效益指标": 30, "满意度指标": 10, "预算执行率": 10}
    assert weights(t, 2) == {
        "产出指标 / 数量指标": 16, "产出指标 / 质量指标": 20, "产出指标 / 时效指标": 8, "产出指标 / 成本指标": 6,
        "效益指标 / 社会效益指标": 20, "效益指标 / 可持续影响指标": 10,
        "满意度指标 / 服务对象满意度指标": 10, "预算执行率 / 预算执行": 10}
    assert all(r.standard for r in t.rows)
    used = {r.rule.indicator for r in t.rows if r.rule.kind == AUTO}
    assert used == INDICATORS  # every figure the records give is used somewhere
    by_indicator = {r.rule.indicator: r for r in t.rows if r.rule.kind == AUTO}
    assert by_indicator["budget_execution"].weight == 10
    assert by_indicator["balance_share"].rule.target == Decimal("0.10")
    assert by_indicator["spot_check_discrepancy_rate"].rule.target == Decimal("0.05")


def test_the_seed_scores_cover_every_manual_row_and_only_those():
    t = load_template_file(HAINAN)
    data = seed_scores()
    assert data["template"] == t.name and data["year"] == 2015 and data["not_applicable"] == []
    rows = {r.key: r for r in t.rows}
    assert set(data["scores"]) == {k for k, r in rows.items() if r.rule.kind == MANUAL}
    assert set(data["auto_fallback"]) == {k for k, r in rows.items() if r.rule.kind == AUTO}
    for part in ("scores", "auto_fallback"):
        for key, entry in data[part].items():
            check_manual_score(rows[key], Decimal(entry["score"]))
            assert entry["evidence"].strip(), key
    # The seed's only visible deduction (3 → 2), and the one placed on a completed row.
    short = {k: rows[k].weight - Decimal(e["score"]) for k, e in data["scores"].items()
             if Decimal(e["score"]) != rows[k].weight}
    assert short == {"帮扶工作管理 / 组织实施 / 管理制度：是否及时上报省总要求的各类总结和统计表。": 1,
                     "帮扶工作决策 / 项目目标 / 目标内容：绩效目标是否与在档困难职工户数和资金量相匹配": 1}
    assert all(Decimal(e["score"]) == rows[k].weight for k, e in data["auto_fallback"].items())


def manual_of(entries: dict) -> dict[str, ManualScore]:
    return {k: ManualScore(Decimal(e["score"]), e["evidence"]) for k, e in entries.items()}


def seed_figures() -> dict[str, Figure]:
    """What the seed's 2015 records say (the report's figures): every automatic row at its target or better."""
    return {
        "arrival_rate": Figure(Decimal("1.0000"), "到位447.0716万元 ÷ 预算447.0716万元"),
        "plan_achievement": Figure(Decimal(2443) / Decimal(2044), "实际2443人次 ÷ 计划2044人次"),
        "card_payment_share": Figure(Decimal(1), "2059人次均到卡"),
        "paid_on_time_share": Figure(Decimal(1), "均按期发放"),
        "notice_before_approval_share": Figure(Decimal(1), "均公示期满后审批"),
        "archive_completeness": Figure(Decimal(1), "在档档案证明齐全"),
        "archives_updated_share": Figure(Decimal(1), "在档档案本年均更新"),
        "satisfaction_rate": Figure(Decimal(1), "满意率100%"),
    }


def test_the_seed_scores_with_the_records_at_target_give_98_and_优():
    t = load_template_file(HAINAN)
    data = seed_scores()
    result = evaluate(t, 2015, figures=seed_figures(), manual=manual_of(data["scores"]), not_applicable=set())
    assert result.missing == ()
    assert result.total == Decimal("98.00") and result.grade == "优"
    autos = [i for i in result.items if i.row.rule.kind == AUTO]
    assert len(autos) == 8 and all(i.score == i.row.weight for i in autos)
    assert sum(i.row.weight for i in autos) == 19


def test_without_the_records_the_seeds_own_scores_of_the_automatic_rows_also_give_98():
    t = load_template_file(HAINAN)
    data = seed_scores()
    manual = manual_of(data["scores"]) | manual_of(data["auto_fallback"])
    result = evaluate(t, 2015, figures={}, manual=manual, not_applicable=set())
    assert result.missing == () and result.total == Decimal("98.00") and result.grade == "优"
    assert "已手工评分" in next(i.basis for i in result.items if i.row.rule.kind == AUTO)


def test_the_national_table_scores_the_seeds_figures():
    """Budget execution 408.772945 ÷ 423.0716 and a 3.4% balance (within 10%) on the national table."""
    t = load_template_file(NATIONAL)
    figures = seed_figures() | {
        "budget_execution": Figure(Decimal("4087729.45") / Decimal(4230716), "支出 ÷ 收入"),
        "balance_share": Figure(Decimal("142986.55") / Decimal(4230716), "结余 ÷ 收入"),
    }
    manual = {r.key: ManualScore(r.weight) for r in t.rows if r.rule.kind == MANUAL}
    result = evaluate(t, 2015, figures=figures, manual=manual, not_applicable=set())
    scores = {i.row.path[2]: i.score for i in result.items}
    assert scores["结余资金占比"] == 3
    assert scores["预算执行率"].quantize(Decimal("0.01")) == Decimal("9.66")
    # No SMS, spot-check or per-category figures given: those rows wait for data or a hand score.
    assert set(result.missing) == {r.key for r in t.rows if r.rule.indicator in (
        "sms_coverage", "spot_check_discrepancy_rate", "plan_achievement_生活救助", "plan_achievement_医疗救助",
        "plan_achievement_助学救助")}
