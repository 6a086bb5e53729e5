"""aiddesk evaluate: the year's self-evaluation table as JSON (decimal strings) or as a short Chinese summary."""

from __future__ import annotations

import json
import re

import pytest
from seed_2015 import build_seed_2015

from aiddesk.cli import main
from aiddesk.services.archive import ArchiveService
from aiddesk.services.evaluation import EvaluationService

HAINAN = "海南省职工服务中心2015年帮扶专项资金绩效自评表（据2015年自检报告）"
NATIONAL = "项目支出绩效自评表（财预〔2020〕10号格式）"
DECIMAL = re.compile(r"^\d+\.\d{2}$")
ARRIVAL = "帮扶工作管理 / 资金到位 / 到位率：实际到位/计划到位X100%"
SCORED = "帮扶工作管理 / 组织实施 / 组织机构：帮扶工作分工是否明确。"
SKIPPED = "帮扶工作决策 / 决策过程 / 决策程序：金秋助学往届大学生回访救助是否填写了《金秋助学回访登记表》。"


@pytest.fixture
def seed(db, actor, make_household):
    people = [ArchiveService(db, actor).save(make_household(i, name=n)).household_id
              for i, n in enumerate(["张三", "李梅", "王海", "陈芳"], start=1)]
    build_seed_2015(db, actor, people)
    return str(db.path)


def run_json(capsys, *args: str) -> dict:
    assert main(list(args)) == 0
    return json.loads(capsys.readouterr().out)


def test_the_json_has_the_fixed_shape_with_decimal_strings(seed, capsys):
    data = run_json(capsys, "--db", seed, "evaluate", "--year", "2015", "--json")
    assert list(data) == ["year", "template", "total", "grade", "items"]
    assert (data["year"], data["template"]) == (2015, HAINAN)          # the default: the bundled 海南 table
    assert DECIMAL.match(data["total"]) and data["grade"] in ("优", "良", "中", "差")
    for item in data["items"]:
        assert list(item) == ["path", "weight", "score", "rule", "basis"]
        assert len(item["path"]) == 3 and all(isinstance(p, str) and p for p in item["path"])
        assert DECIMAL.match(item["weight"]) and item["rule"] in ("auto", "manual") and item["basis"]
        assert item["score"] is None or DECIMAL.match(item["score"])
    assert sum(float(i["weight"]) for i in data["items"]) == 100
    by_key = {" / ".join(i["path"]): i for i in data["items"]}
    arrival = by_key[ARRIVAL]
    assert (arrival["weight"], arrival["score"], arrival["rule"]) == ("2.00", "2.00", "auto")
    assert arrival["basis"].startswith("到位资金447.0716万元 ÷ 预算447.0716万元 = 100.00%；得分 = ")
    # Nothing entered by hand yet: manual rows say so; automatic rows without records say that.
    assert by_key[SCORED]["score"] is None and by_key[SCORED]["basis"] == "尚未评分"
    plan = next(i for i in data["items"] if i["path"][2].startswith("帮扶质量"))
    assert plan["score"] is None and plan["basis"].startswith("没有录入2015年计划人次")
    scored = [i for i in data["items"] if i["score"] is not None]
    assert data["total"] == f"{sum(float(i['score']) for i in scored):.2f}"


def test_manual_scores_and_not_applicable_rows_show_in_the_json(db, seed, capsys):
    service = EvaluationService(db, service_actor())
    service.set_score(2015, HAINAN, SCORED, "1", "中心设主任1名、专职人员3名，分工明确")
    service.set_not_applicable(2015, HAINAN, SKIPPED, True, "本年度无往届生回访")
    by_key = {" / ".join(i["path"]): i for i in
              run_json(capsys, "--db", seed, "evaluate", "--year", "2015", "--json")["items"]}
    assert (by_key[SCORED]["score"], by_key[SCORED]["rule"]) == ("1.00", "manual")
    assert by_key[SCORED]["basis"] == "中心设主任1名、专职人员3名，分工明确"
    assert by_key[SKIPPED]["score"] is None
    assert by_key[SKIPPED]["basis"] == "不适用（本年度无往届生回访）：不计分，总分按其余分值折算为100分"


def test_another_template_by_name_or_file(seed, capsys):
    assert run_json(capsys, "--db", seed, "evaluate", "--year", "2015", "--template", NATIONAL,
                    "--json")["template"] == NATIONAL
    data = run_json(capsys, "--db", seed, "evaluate", "--year", "2015", "--template", "national_2020", "--json")
    assert data["template"] == NATIONAL
    budget = next(i for i in data["items"] if i["path"][0] == "预算执行率")
    assert budget["basis"].startswith("支出408.772945万元 ÷ 年度收入423.0716万元 = 96.62%")


def test_the_text_summary_is_short_and_in_chinese(db, seed, capsys):
    service = EvaluationService(db, service_actor())
    service.set_not_applicable(2015, HAINAN, SKIPPED, True, "本年度无往届生回访")
    result = service.evaluate(2015)
    rows, missing = len(result.items), len(result.missing)
    auto = sum(1 for i in result.items if i.row.rule.kind == "auto" and i.score is not None)
    assert main(["--db", seed, "evaluate", "--year", "2015"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == f"2015年绩效自评（{HAINAN}）"
    assert re.match(r"^  自评总分 \d+\.\d{2}分，等级：[优良中差]（尚有\d+项未评分，不是最终结果）$", lines[1])
    assert lines[2] == f"  共{rows}项：按记录自动计分{auto}项，手工评分0项，不适用1项，尚未评分{missing}项"
    assert lines[3] == "  不适用2分，总分按其余分值折算为100分"
    assert lines[4].startswith("  尚未评分：帮扶工作决策 / 项目目标 / 目标内容：") and len(lines) == 10
    assert lines[-1] == f"  ……另有{missing - 5}项未评分，加 --json 可查看每一项及其依据"


def test_an_unknown_template_is_refused_in_chinese(seed, capsys):
    assert main(["--db", seed, "evaluate", "--year", "2015", "--template", "无此模板", "--json"]) == 1
    captured = capsys.readouterr()
    assert captured.err == "错误：找不到评价模板“无此模板”\n" and captured.out == ""


def service_actor():
    from aiddesk.db.audit import Actor

    return Actor("jingban", "界面", ("经办人",))
