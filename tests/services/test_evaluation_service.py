"""EvaluationService: bundled and copied templates, manual scores, 不适用, evidence files, the seed's 98 优."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from seed_2015 import add_subunits, approved_batches, pay_all, record_ledger, record_usage

from aiddesk.core.errors import UserError, ValidationError
from aiddesk.core.evaluation import AUTO, REVERSE, Row, Rule, Template
from aiddesk.core.workdays import Calendar, notice_end
from aiddesk.db.audit import Actor
from aiddesk.db.funds import Plan
from aiddesk.services.archive import ArchiveService
from aiddesk.services.evaluation import EvaluationService, result_to_json
from aiddesk.services.feedback import FeedbackService
from aiddesk.services.funds import FundService

HAINAN = "海南省职工服务中心2015年帮扶专项资金绩效自评表（据2015年自检报告）"
NATIONAL = "项目支出绩效自评表（财预〔2020〕10号格式）"
SCORES_FILE = Path(__file__).resolve().parent.parent / "data" / "seed_2015_manual_scores.json"
END_2026 = date(2026, 12, 31)


def small(name: str = "本单位简表") -> Template:
    """三 rows: two manual (60 = 40 + 20) and one automatic (40, balance kept within 10%)."""
    rows = (Row(("管理", "制度", "制度健全"), Decimal(40), "制度健全得40分"),
            Row(("管理", "制度", "金秋助学登记表齐全"), Decimal(20), "不全不得分"),
            Row(("效益", "资金", "结余率"), Decimal(40), "结余不超过10%",
                Rule(AUTO, "balance_share", REVERSE, Decimal("0.10"))))
    return Template(name, rows, {"管理": Decimal(60), "管理 / 制度": Decimal(60), "效益": Decimal(40),
                                 "效益 / 资金": Decimal(40)})


@pytest.fixture
def service(db, actor):
    return EvaluationService(db, actor)


@pytest.fixture
def copy(service):
    service.save_template(small())
    return "本单位简表"


def audit(db, table: str) -> list[tuple[str, str, str | None]]:
    return [(r[0], r[1], r[2]) for r in db.conn.execute(
        "SELECT action, row_key, new_values FROM audit_log WHERE table_name = ? ORDER BY id", (table,))]


# ---- templates ---------------------------------------------------------------------------------

def test_the_bundled_templates_come_first_then_the_offices_copies(service, copy):
    names = [t.name for t in service.templates()]
    assert names[:2] == [HAINAN, NATIONAL] and names[2:] == [copy]
    assert len(set(names)) == len(names)
    infos = {i.name: i for i in service.template_infos()}
    assert infos[HAINAN].bundled and infos[HAINAN].file_stem == "hainan_2015"
    assert not infos[copy].bundled and infos[copy].updated_by == "测试员"
    assert service.template("national_2020").name == NATIONAL   # a bundled one by its file name too
    with pytest.raises(UserError, match="找不到评价模板“无此模板”"):
        service.template("无此模板")


def test_the_default_is_the_hainan_table_until_the_office_chooses(db, service, copy):
    assert service.default_template_name() == HAINAN
    service.set_default_template(copy)
    assert service.default_template_name() == copy
    service.db.clock.set(END_2026)
    assert service.evaluate(2026).template == copy
    service.set_default_template("national_2020")
    assert service.default_template_name() == NATIONAL
    assert audit(db, "settings")[-1][0] == "update"


def test_copying_a_template_keeps_where_it_came_from(db, service):
    t = service.copy_template(HAINAN, " 本中心2016年自评表 ")
    assert t.name == "本中心2016年自评表" and len(t.rows) == len(service.template(HAINAN).rows)
    info = service.template_info("本中心2016年自评表")
    assert info.based_on == HAINAN and not info.bundled
    with pytest.raises(ValidationError) as taken:
        service.copy_template(NATIONAL, "本中心2016年自评表")
    assert taken.value.problems == {"name": "已有名为“本中心2016年自评表”的模板，请换一个名称"}
    with pytest.raises(ValidationError):
        service.copy_template(NATIONAL, HAINAN)
    with pytest.raises(ValidationError):
        service.copy_template(NATIONAL, "  ")
    assert audit(db, "evaluation_templates")[0][:2] == ("insert", "本中心2016年自评表")


def test_a_template_whose_weights_do_not_add_up_is_refused(service, copy):
    t = service.template(copy)
    heavier = replace(t, rows=(replace(t.rows[0], weight=Decimal(45)), *t.rows[1:]))
    with pytest.raises(UserError) as refused:
        service.save_template(heavier)
    message = str(refused.value)
    assert message.startswith("模板不能保存：各行分值合计为105分，应为100分")
    assert "“管理”的分值为60分，但其下各行合计65分" in message
    assert service.template(copy).rows[0].weight == Decimal(40)    # unchanged
    # Moving the 5 points within the group keeps every sum: saved.
    moved = replace(t, rows=(replace(t.rows[0], weight=Decimal(45)), replace(t.rows[1], weight=Decimal(15)),
                             t.rows[2]))
    service.save_template(moved)
    assert [r.weight for r in service.template(copy).rows] == [Decimal(45), Decimal(15), Decimal(40)]


def test_bundled_templates_are_read_only(service):
    hainan = service.template(HAINAN)
    with pytest.raises(UserError, match="程序自带的模板，不能修改；请先复制一份再编辑"):
        service.save_template(hainan)
    with pytest.raises(UserError, match="程序自带的模板，不能删除"):
        service.delete_template(HAINAN)


def test_renaming_a_copy_takes_its_years_scores_along(db, service, copy):
    service.set_score(2026, copy, "管理 / 制度 / 制度健全", "38", "制度汇编")
    service.set_default_template(copy)
    service.save_template(small("本单位简表（修订）"), replaces=copy)
    assert [t.name for t in service.templates()][2:] == ["本单位简表（修订）"]
    assert service.scores(2026, "本单位简表（修订）")["管理 / 制度 / 制度健全"].score == Decimal(38)
    assert service.default_template_name() == "本单位简表（修订）"


def test_only_unused_copies_can_be_deleted(db, service, copy):
    service.save_template(small("另一份"))
    service.delete_template("另一份")
    assert "另一份" not in [t.name for t in service.templates()]
    service.set_score(2025, copy, "管理 / 制度 / 制度健全", "40", "")
    with pytest.raises(UserError, match="模板“本单位简表”已用于2025年的自评"):
        service.delete_template(copy)
    assert audit(db, "evaluation_templates")[-1][:2] == ("delete", "另一份")


def test_who_may_edit_templates_and_who_may_score(db, copy):
    reviewer = EvaluationService(db, Actor("shenhe", "界面", ("审核人",)))
    approver = EvaluationService(db, Actor("shenpi", "界面", ("审批人",)))
    with pytest.raises(UserError, match="没有此权限"):
        reviewer.copy_template(HAINAN, "审核人的副本")
    reviewer.set_score(2026, copy, "管理 / 制度 / 制度健全", "40", "制度汇编")   # a reviewer scores
    with pytest.raises(UserError, match="没有此权限"):
        approver.set_score(2026, copy, "管理 / 制度 / 制度健全", "40", "")
    db.clock.set(END_2026)
    assert approver.evaluate(2026, copy).items[0].score == Decimal(40)   # anyone reads
    assert not approver.may_score() and reviewer.may_score() and not reviewer.may_edit_templates()


# ---- scores, 不适用, evidence ------------------------------------------------------------------------

def test_manual_scores_are_checked_against_the_weight(service, copy):
    with pytest.raises(UserError, match="得分应在0到20分之间"):
        service.set_score(2026, copy, "管理 / 制度 / 金秋助学登记表齐全", "21", "")
    with pytest.raises(ValidationError) as bad:
        service.set_score(2026, copy, "管理 / 制度 / 金秋助学登记表齐全", "十分", "")
    assert bad.value.problems == {"score": "得分“十分”不是数字"}
    with pytest.raises(UserError, match="没有指标“管理 / 无此行”"):
        service.set_score(2026, copy, "管理 / 无此行", "1", "")


def test_scores_make_the_total_and_say_where_they_came_from(db, service, copy, receive):
    receive(db, 2026, amount="100000.00")          # nothing spent: all kept, balance share 100% (limit 10%)
    service.set_score(2026, copy, "管理 / 制度 / 制度健全", "36.5", "制度汇编第3页缺审批")
    service.db.clock.set(END_2026)
    result = service.evaluate(2026, copy)
    assert result.missing == ("管理 / 制度 / 金秋助学登记表齐全",)
    auto = result.items[2]
    assert auto.score == Decimal(4)                # 10% ÷ 100% × 40
    assert auto.basis.startswith("年末结余10万元 ÷ 年度收入10万元 = 100.00%；得分 = 目标10.00% ÷ 实际100.00%")
    service.set_score(2026, copy, "管理 / 制度 / 金秋助学登记表齐全", Decimal(20), "登记表齐全")
    result = service.evaluate(2026, copy)
    assert result.total == Decimal("60.50") and result.grade == "中" and not result.missing
    assert result.items[0].basis == "制度汇编第3页缺审批"
    # Clearing a score leaves the row to be scored again.
    service.set_score(2026, copy, "管理 / 制度 / 金秋助学登记表齐全", None)
    assert service.evaluate(2026, copy).missing == ("管理 / 制度 / 金秋助学登记表齐全",)
    assert [a for a, _, _ in audit(db, "evaluation_scores")] == ["insert", "insert", "update"]


def test_a_row_not_applicable_is_dropped_and_the_total_rescaled_to_100(db, service, copy, receive):
    receive(db, 2026, amount="100000.00")
    service.set_score(2026, copy, "管理 / 制度 / 制度健全", "36", "制度汇编")
    service.set_score(2026, copy, "管理 / 制度 / 金秋助学登记表齐全", "20", "齐全")
    with pytest.raises(ValidationError) as no_reason:
        service.set_not_applicable(2026, copy, "效益 / 资金 / 结余率", True, "")
    assert "请写明不适用的理由" in no_reason.value.problems["reason"]
    service.set_not_applicable(2026, copy, "效益 / 资金 / 结余率", True, "本年度资金由上级统一核算")
    service.db.clock.set(END_2026)
    result = service.evaluate(2026, copy)
    assert result.applicable_weight == Decimal(60) and result.raw_total == Decimal(56)
    assert result.total == Decimal("93.33") and result.grade == "优"      # 56 ÷ 60 × 100
    item = result.items[2]
    assert item.score is None and not item.applicable
    assert item.basis == "不适用（本年度资金由上级统一核算）：不计分，总分按其余分值折算为100分"
    # A 不适用 row takes no score until it is unmarked.
    with pytest.raises(UserError, match="已标记为不适用"):
        service.set_score(2026, copy, "效益 / 资金 / 结余率", "40", "")
    service.set_not_applicable(2026, copy, "效益 / 资金 / 结余率", False)
    assert service.evaluate(2026, copy).total == Decimal("60.00")   # 36 + 20 + 4


def test_evidence_files_are_copied_in_and_named_in_the_basis(db, service, copy, tmp_path):
    source = tmp_path / "制度汇编.pdf"
    source.write_bytes(b"%PDF-1.4 rules")
    service.set_score(2026, copy, "管理 / 制度 / 制度健全", "40", "制度汇编")
    att_id = service.attach_evidence(2026, copy, "管理 / 制度 / 制度健全", source)
    [att] = service.attachments(2026, copy, "管理 / 制度 / 制度健全")
    assert att.id == att_id and att.original_name == "制度汇编.pdf"
    assert att.sha256 == hashlib.sha256(b"%PDF-1.4 rules").hexdigest() and att.size == 14
    stored = service.attachment_path(att)
    assert stored.read_bytes() == b"%PDF-1.4 rules" and stored.is_relative_to(db.attachment_dir)
    service.db.clock.set(END_2026)
    basis = service.evaluate(2026, copy).items[0].basis
    assert basis == "制度汇编；证明材料：制度汇编.pdf"
    with pytest.raises(UserError, match="找不到文件"):
        service.attach_evidence(2026, copy, "管理 / 制度 / 制度健全", tmp_path / "没有.pdf")
    service.remove_attachment(att_id)
    assert service.attachments(2026, copy) == [] and not stored.exists()
    assert [a for a, _, _ in audit(db, "evaluation_attachments")] == ["insert", "delete"]


def test_the_json_form_has_decimal_strings(service, copy):
    service.set_score(2026, copy, "管理 / 制度 / 制度健全", "36.5", "制度汇编")
    service.db.clock.set(END_2026)
    data = result_to_json(service.evaluate(2026, copy))
    assert (data["year"], data["template"], data["total"], data["grade"]) == (2026, copy, "36.50", "差")
    assert data["items"][0] == {"path": ["管理", "制度", "制度健全"], "weight": "40.00", "score": "36.50",
                                "rule": "manual", "basis": "制度汇编"}
    assert data["items"][1]["score"] is None and data["items"][1]["basis"] == "尚未评分"
    assert data["items"][2]["rule"] == "auto" and data["items"][2]["score"] is None


# ---- the seed's year --------------------------------------------------------------------------------

@pytest.fixture
def seed_year(db, actor, make_household, tmp_path):
    """The seed's 2015 records, with what its report says of them: 公示 before approval, paid in time, plans,
    complete archives, and the surveyed households satisfied."""
    archive = ArchiveService(db, actor)
    db.clock.set(date(2015, 3, 2))  # the archive was filed, and its proofs gathered, early in 2015
    people = [archive.save(make_household(i, name=n, created_date=date(2015, 3, 2))).household_id
              for i, n in enumerate(["张三", "李梅", "王海", "陈芳", "吴强", "林静", "黄伟", "符兰"], start=1)]
    proof = tmp_path / "证明.pdf"
    proof.write_bytes(b"%PDF-1.4 proof")
    for hid in people:
        for kind in archive.get(hid).missing_docs:
            archive.add_attachment(hid, kind, proof)
    db.clock.set(date(2026, 11, 26))  # the rest is entered now, from the 2015 books
    add_subunits(db, actor)
    record_ledger(db, actor)
    seed = approved_batches(db, people)
    start = date(2015, 11, 2)
    with db.transaction() as conn:   # the seed's 公示 (5 working days), then approval 9 days after it ended
        conn.execute("UPDATE batches SET notice_start = ?, notice_days = 5, notice_end = ?, approved_on = ?",
                     (start.isoformat(), notice_end(start, 5, Calendar()).isoformat(), "2015-11-20"))
    pay_all(db, seed, on=date(2015, 12, 15))
    record_usage(db, actor)
    FundService(db, actor).set_plans(2015, [Plan("生活救助", 1385), Plan("医疗救助", 129), Plan("助学救助", 530)])
    feedback = FeedbackService(db, actor)
    for hid in people:
        db.clock.set(END_2026)
        feedback.record(hid, answered_on=date(2015, 12, 20), answer="满意")
    return people


def test_the_seed_year_with_the_seeds_manual_scores_gives_98_and_优(db, service, seed_year):
    if not SCORES_FILE.is_file():
        pytest.skip("tests/data/seed_2015_manual_scores.json (the seed's self-scores) is not there yet")
    data = json.loads(SCORES_FILE.read_text(encoding="utf-8"))
    assert data["template"] == HAINAN and data["year"] == 2015
    for key, entry in data["scores"].items():
        service.set_score(2015, HAINAN, key, entry["score"], entry["evidence"])
    for key in data.get("not_applicable", []):
        service.set_not_applicable(2015, HAINAN, key, True, "原表不适用")
    service.db.clock.set(END_2026)
    result = service.evaluate(2015, HAINAN)
    assert not result.missing
    auto = [i for i in result.items if i.row.rule.kind == AUTO]
    assert auto and all(i.score == i.row.weight for i in auto), [(i.row.key, i.basis) for i in auto
                                                                  if i.score != i.row.weight]
    by_indicator = {i.row.rule.indicator: i.basis for i in auto}
    assert by_indicator["arrival_rate"].startswith("到位资金447.0716万元 ÷ 预算447.0716万元 = 100.00%")
    assert by_indicator["plan_achievement"].startswith("实际救助2443人次 ÷ 计划2044人次")
    assert (result.total, result.grade) == (Decimal("98.00"), "优")
    assert service.evaluate(2015).total == Decimal("98.00")   # the default template
