"""The drafted 自检报告: the seed's 2015 records give the seed's figures in the .docx and the PDF, in its structure."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from docx import Document
from docx.enum.text import WD_COLOR_INDEX
from docx.oxml.ns import qn
from pypdf import PdfReader
from seed_2015 import build_seed_2015

from aiddesk.core.errors import UserError
from aiddesk.db.audit import Actor
from aiddesk.reports import self_assessment_sections as ss
from aiddesk.reports.self_assessment_pdf import markup
from aiddesk.services.archive import ArchiveService
from aiddesk.services.evaluation import EvaluationService
from aiddesk.services.self_assessment import draft_report

SEED_FIGURES = ("423.0716万元", "408.772945万元", "2059人次", "14.298655万元")
SEED_SCORES = Path(__file__).resolve().parents[1] / "data" / "seed_2015_manual_scores.json"


@pytest.fixture
def people(db, actor, make_household):
    return [ArchiveService(db, actor).save(make_household(i, name=n)).household_id
            for i, n in enumerate(["张三", "李梅", "王海", "陈芳", "吴强", "林静", "黄伟", "符兰"], start=1)]


@pytest.fixture
def seed(db, actor, people):
    return build_seed_2015(db, actor, people)


def docx_text(path) -> str:
    return "\n".join(p.text for p in Document(str(path)).paragraphs)


def pdf_text(path) -> str:
    # Wrapped lines split figures; compare without whitespace.
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(str(path)).pages))


def test_the_seed_year_drafts_the_seed_figures(db, seed, tmp_path):
    out_docx, out_pdf = tmp_path / "自检报告.docx", tmp_path / "自检报告.pdf"
    d = draft_report(db, 2015, out_docx, out_pdf, evaluation_total=Decimal("98.00"), evaluation_grade="优")
    for text in (d.text(), docx_text(out_docx), pdf_text(out_pdf)):
        assert "海南省职工服务中心2015年度帮扶资金绩效" in text
        assert "自评和管理使用情况的自检报告" in text
        for figure in SEED_FIGURES:
            assert figure in text, figure
        positions = [text.index(h) for h in ss.HEADINGS]
        assert positions == sorted(positions)
        assert "【请填写：" in text
        assert "自评98分，项目总体评价优" in text
    text = d.text()
    # 二（二）: the centre's own money, sentence for sentence the seed's.
    assert ("2015年，海南省职工服务中心帮扶专项资金收入合计423.0716万元，其中：中央财政108.6716万元；省财政129.6万元；"
            "省总工会经费184.8万元。支出合计408.772945万元，总救助2059人次。") in text
    assert "中央财政108.6716万元，救助760人次。其中生活救助58.2016万元，帮扶631人次" in text
    assert "截止2015年12月31日海南省职工服务中心剩余14.298655万元，用于2016年困难职工帮扶救助。" in text
    # 一（二）: what arrived (447.0716万元 with the 24万元 straight to the five unions) and the 人次 it reached.
    assert "到位帮扶资金共447.0716万元（含直接划拨给下级单位的24万元），其中中央财政108.6716万元，省财政129.6万元，省总工会经费208.8万元" in text
    assert "共救助帮扶困难职工2443人次，其中生活救助1799人次，医疗救助123人次，助学救助521人次" in text
    # 二（一）: 到位率; the sub-units and what was left with them.
    assert "资金到位率100.00%" in text
    assert "省科文卫体工会，共1.5万元" in text and "剩余1.32万元" in text
    # 四: the records' paid lines, all by card, none with a text message or call yet.
    assert "共发放帮扶资金2059人次，其中通过工会会员服务卡转账2059人次，占100.00%" in text
    assert "短信告知0人次" in text
    assert "本级帮扶覆盖困难职工8户" in text


def test_the_docx_has_word_styles_chinese_fonts_a4_and_page_numbers(db, seed, tmp_path):
    out = tmp_path / "r.docx"
    draft_report(db, 2015, out)
    doc = Document(str(out))
    by_style: dict[str, list[str]] = {}
    for p in doc.paragraphs:
        by_style.setdefault(p.style.name, []).append(p.text)
    assert by_style["Heading 1"] == list(ss.HEADINGS)
    assert "（一）项目单位基本情况" in by_style["Heading 2"]
    assert "（三）项目资金管理情况分析" in by_style["Heading 2"]
    assert by_style["报告标题"] == ["海南省职工服务中心2015年度帮扶资金绩效\n自评和管理使用情况的自检报告"]

    def east_asia(style_name):
        return doc.styles[style_name].element.rPr.rFonts.get(qn("w:eastAsia"))

    assert (east_asia("Normal"), east_asia("Heading 1"), east_asia("Heading 2")) == ("仿宋", "黑体", "楷体")
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    footer_xml = section.footer.paragraphs[0]._p.xml
    assert "PAGE" in footer_xml and "fldChar" in footer_xml
    # Placeholders are highlighted runs; figures are plain text.
    highlighted = [r.text for p in doc.paragraphs for r in p.runs if r.font.highlight_color == WD_COLOR_INDEX.YELLOW]
    assert highlighted and all(t.startswith("【请填写：") and t.endswith("】") for t in highlighted)
    assert any("下一年度" in t or "2016年度帮扶工作" in t for t in highlighted)
    assert doc.core_properties.title == "海南省职工服务中心2015年度帮扶资金绩效自评和管理使用情况的自检报告"


def test_an_empty_year_drafts_and_says_the_figures_are_missing(db, tmp_path):
    out_docx, out_pdf = tmp_path / "e.docx", tmp_path / "e.pdf"
    d = draft_report(db, 2030, out_docx, out_pdf)
    for text in (d.text(), docx_text(out_docx), pdf_text(out_pdf)):
        assert "【缺少数据：2030年度没有资金收支和帮扶发放记录" in text
        assert "【缺少数据：尚未对2030年度绩效自评表评分" in text
        assert "万元" not in text.replace("××万元", "")
        assert "未发现问题" not in text  # nothing was checked
        positions = [text.index(h) for h in ss.HEADINGS]
        assert positions == sorted(positions)
    missing = [p for p in d.placeholders() if p.startswith("【缺少数据：")]
    assert len(missing) >= 6
    doc = Document(str(out_docx))
    pink = [r.text for p in doc.paragraphs for r in p.runs if r.font.highlight_color == WD_COLOR_INDEX.PINK]
    assert pink == missing


def test_without_an_own_unit_nothing_is_drafted(tmp_path, actor):
    from aiddesk.db import open_database
    database = open_database(tmp_path / "new.sqlite")
    try:
        with pytest.raises(UserError, match="还没有设置本单位"):
            draft_report(database, 2015, tmp_path / "x.docx")
        assert not (tmp_path / "x.docx").exists()
    finally:
        database.close()


def test_placeholders_are_cut_out_for_highlighting_and_escaped_in_the_pdf():
    text = "按照" + ss.fill("通知") + "的要求<&>" + ss.missing("预算")
    assert ss.runs(text) == [("按照", ""), ("【请填写：通知】", ss.FILL), ("的要求<&>", ""), ("【缺少数据：预算】", ss.MISSING)]
    assert markup(text) == ('按照<span backColor="#FFF2A8">【请填写：通知】</span>的要求&lt;&amp;&gt;'
                            '<span backColor="#F8C8D8">【缺少数据：预算】</span>')
    assert ss.score_text(Decimal("98.00")) == "98" and ss.score_text(Decimal("97.456")) == "97.46"


def test_by_default_the_report_quotes_the_year_scored_with_the_offices_template(db, actor, seed, tmp_path):
    """The seed's own self-scores entered by hand (and the automatic rows' where the records lack data)."""
    data = json.loads(SEED_SCORES.read_text(encoding="utf-8"))
    service = EvaluationService(db, actor)
    template = service.default_template_name()
    for key, entry in {**data["auto_fallback"], **data["scores"]}.items():
        service.set_score(2015, template, key, entry["score"], entry["evidence"])
    result = service.evaluate(2015)
    assert not result.missing
    out = tmp_path / "r.docx"
    d = draft_report(db, 2015, out)
    sentence = (f"帮扶专项资金使用绩效实施自评{ss.score_text(result.total)}分，项目总体评价{result.grade}。"
                f"详见后附《{template}》。")
    assert sentence in d.text() and sentence in docx_text(out)
    assert "绩效自评表尚有" not in d.text()
    # Passed in, the total and grade are the ones given.
    assert "自评98分，项目总体评价优。" in draft_report(db, 2015, evaluation_total=Decimal(98),
                                                     evaluation_grade="优").text()


def test_a_partly_scored_table_is_quoted_as_not_final(db, seed):
    """Without manual scores only the automatic rows score: the total is said to be provisional."""
    result = EvaluationService(db, Actor("测试员", "命令行")).evaluate(2015)
    assert result.missing
    text = draft_report(db, 2015).text()
    assert f"自评{ss.score_text(result.total)}分" in text
    assert f"【缺少数据：绩效自评表尚有{len(result.missing)}项未评分" in text


def test_the_command_line_drafts_the_report(db, tmp_path, capsys):
    from docx import Document

    from aiddesk.cli import main

    path = str(db.path)
    db.close()
    docx_out, pdf_out = tmp_path / "自检报告.docx", tmp_path / "自检报告.pdf"
    assert main(["--db", path, "report", "self-assessment", "--year", "2030", "--docx", str(docx_out),
                 "--pdf", str(pdf_out)]) == 0
    text = "\n".join(p.text for p in Document(docx_out).paragraphs)
    assert "七、下步打算" in text and pdf_out.stat().st_size > 0
    assert "请在 Word/WPS 中补充" in capsys.readouterr().out
