"""The national form's words: the newest revision's kept as the form lists them, every older revision's word mapped to
one of them, and what this program stored before either mapped or flagged — never guessed."""

from __future__ import annotations

import json

import pytest

from aiddesk.core import national_words as nw
from aiddesk.paths import resource


def test_the_form_words_the_national_form_md_prescribes_are_the_newest_lists():
    assert nw.words("health")[:5] == ("良好", "恶性肿瘤", "心血管病", "脑血管病", "终末期肾病")
    assert nw.words("health")[-1] == "残疾" and len(nw.words("health")) == 20
    assert nw.words("hukou_type") == ("非农业", "农业", "农转居")
    assert nw.words("political_status") == ("中共党员", "共青团员", "群众", "民主党派", "其他")
    assert nw.words("marital_status") == ("已婚", "未婚", "离异", "丧偶")
    assert nw.words("contract_term")[0] == "半年内（6个月及以下）" and len(nw.words("contract_term")) == 7
    assert len(nw.words("industry")) == 23 and nw.words("industry")[0] == "农、林、牧、渔业"
    assert nw.words("key_group")[3] == "城市困难农民工"


@pytest.mark.parametrize(("list_name", "written", "word"), [
    ("health", "癌症", "恶性肿瘤"), ("health", "尿毒症", "终末期肾病"), ("health", "良好", "良好"),
    ("hukou_type", "城镇", "非农业"), ("hukou_type", "农业户口", "农业"), ("hukou_type", "农转居", "农转居"),
    ("work_status", "下岗", "下（待）岗"), ("work_status", "下(待)岗", "下（待）岗"), ("work_status", " 失（无）业", "失（无）业"),
    ("hardship_category", "享受低保", "低保户"), ("hardship_category", "低保线以上", "低保边缘户"),
    ("hardship_category", "深度困难", "深度困难"), ("model_worker", "全国劳动模范", "全国劳模"),
    ("contract_term", "三年", "三年（31至42个月）"),
])
def test_a_word_of_any_revision_is_taken_as_the_newest_forms(list_name, written, word):
    found = nw.to_form(list_name, written)
    assert found is not None and found.word == word and found.written == written


def test_an_older_word_that_could_mean_two_categories_is_flagged_not_guessed():
    found = nw.to_form("hardship_category", "未享受低保")
    assert found.ambiguous and "低保边缘户" in found.why and "意外致困户" in found.why


def test_a_word_of_no_revision_is_no_word_of_the_list():
    assert nw.to_form("health", "很好") is None and nw.to_form("hukou_type", "外籍") is None


@pytest.mark.parametrize(("list_name", "stored", "word"), [
    ("health", "健康", "良好"), ("health", "残疾", "残疾"), ("hukou_type", "城镇", "非农业"),
    ("hukou_type", "农村", "农业"), ("work_status", "失业", "失（无）业"), ("housing_type", "租住公房", "承租单位公房"),
    ("political_status", "中共预备党员", "中共党员"),
])
def test_what_earlier_versions_stored_maps_to_the_form(list_name, stored, word):
    assert nw.from_ours(list_name, stored).word == word


@pytest.mark.parametrize(("list_name", "stored"), [
    ("health", "一般"), ("health", "慢性病"), ("health", "大病"), ("work_status", "灵活就业"),
    ("housing_type", "自有住房"),
])
def test_a_stored_word_that_meant_several_of_the_forms_is_flagged_with_the_choices(list_name, stored):
    found = nw.from_ours(list_name, stored)
    assert found.ambiguous and found.written == stored
    assert "无法确定" in found.why and nw.words(list_name)[0] in found.why


def test_every_mapping_leads_to_a_word_of_the_newest_form_and_the_file_explains_itself_in_chinese():
    with open(resource("codes", "national_form_words.json"), encoding="utf-8") as f:
        data = json.load(f)
    assert "困难职工档案表" in data["_comment"] and "不猜" in data["_comment"]
    for name, table in data["lists"].items():
        allowed = set(table["words"])
        assert len(allowed) == len(table["words"]), name
        assert set(table["older"].values()) <= allowed, name
        assert {w for w in table["from_ours"].values() if w is not None} <= allowed, name
        assert not set(table["older"]) & allowed, name  # an older word that is a newest word would shadow nothing
