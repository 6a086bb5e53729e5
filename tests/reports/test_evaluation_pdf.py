"""The printed 绩效自评表: landscape A4, the indicators with their weights and scores, total and grade,
merged group cells that never run across a page break."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal as D

from pypdf import PdfReader

from aiddesk.core.evaluation import AUTO, REVERSE, Figure, ManualScore, Row, Rule, Template, evaluate
from aiddesk.reports import evaluation_pdf as ep
from aiddesk.reports.evaluation_pdf import write_evaluation_pdf

UNIT = "海南省职工服务中心"


def small_template() -> Template:
    rows = (
        Row(("基础工作", "档案管理", "是否建立完善的原始纸质困难职工档案"), D(4), "档案资料不全的不得分"),
        Row(("基础工作", "档案管理", "是否建立完善的困难职工电子档案"), D(4), "录入系统2分，帮扶活动录入2分",
            reconstructed=True),
        Row(("基础工作", "资金到位", "帮扶资金到位率"), D(7), "到位率100%得满分",
            Rule(AUTO, "arrival_rate", target=D(1))),
        Row(("决策程序", "申请审批", "临时生活救助是否本人申请"), D(15), "没有则不得分"),
        Row(("资金管理", "发放", "抽查差错率"), D(50), "差错率不超过2%",
            Rule(AUTO, "discrepancy", REVERSE, D("0.02"))),
        Row(("满意度", "满意度", "受助职工满意度"), D(20), "满意度90%以上得满分"),
    )
    groups = {"基础工作": D(15), "基础工作 / 档案管理": D(8), "基础工作 / 资金到位": D(7), "决策程序": D(15),
              "资金管理": D(50), "满意度": D(20)}
    return Template("测试自评表", rows, groups)


def scored(t: Template, not_applicable=frozenset()):
    keys = [r.key for r in t.rows]
    figures = {"arrival_rate": Figure(D(1), "实际到位447.0716万元 ÷ 预算447.0716万元 = 100.00%"),
               "discrepancy": Figure(D("0.02"), "不符2人 ÷ 抽查100人 = 2.00%")}
    manual = {keys[0]: ManualScore(D(4), "抽查档案20份，齐全"), keys[1]: ManualScore(D("3.5"), "1户未录附件"),
              keys[3]: ManualScore(D(15), "均有申请"), keys[5]: ManualScore(D(18), "满意度问卷")}
    return evaluate(t, 2015, figures=figures, manual=manual, not_applicable=set(not_applicable))


def texts(path) -> list[str]:
    return [re.sub(r"\s+", "", page.extract_text()) for page in PdfReader(path).pages]


def test_the_table_prints_landscape_with_indicators_weights_scores_total_and_grade(tmp_path):
    t = small_template()
    result = scored(t)
    out = tmp_path / "自评表.pdf"
    write_evaluation_pdf(result, t, out, unit_name=UNIT, printed_on=date(2016, 1, 15))
    reader = PdfReader(out)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert box.width > box.height
    text = texts(out)[0]
    assert "2015年度绩效自评表" in text and UNIT in text and "2016年1月15日" in text
    for heading in ep.HEADER:
        assert heading in text
    for name in ("基础工作", "档案管理", "资金到位", "决策程序", "是否建立完善的原始纸质困难职工档案",
                 "档案资料不全的不得分", "抽查档案20份，齐全"):
        assert name in text
    assert result.total == D("97.50") and result.grade == "优"
    assert "97.5" in text and "优" in text
    # Auto rows show their formula and figures; reconstructed rows are marked and explained.
    assert "自动计分：实际到位447.0716万元" in text
    assert "电子档案※" in text and "按表格结构补齐" in text
    assert "单位负责人" in text and "第1页共1页" in text


def test_a_not_applicable_row_prints_and_the_total_is_rescaled(tmp_path):
    t = small_template()
    result = scored(t, not_applicable={t.rows[3].key})
    out = tmp_path / "自评表.pdf"
    write_evaluation_pdf(result, t, out, unit_name=UNIT, printed_on=date(2016, 1, 15))
    text = texts(out)[0]
    assert "不适用" in text
    assert result.total == D("97.06")
    assert "97.06" in text and "适用分值85分" in text


def test_group_cells_show_each_group_once_with_its_weight():
    t = small_template()
    lines = ep._lines(scored(t), t)
    flowable = ep._table(lines, ep._styles(ep.register_fonts()), [])
    spans = [cmd for cmd in flowable._spanCmds if cmd[0] == "SPAN"]
    # 基础工作 over its three rows (name and weight), 档案管理 over its two.
    assert ("SPAN", (0, 1), (0, 3)) in spans and ("SPAN", (1, 1), (1, 3)) in spans
    assert ("SPAN", (2, 1), (2, 2)) in spans and ("SPAN", (3, 1), (3, 2)) in spans
    assert [line.first_weight for line in lines[:3]] == ["15"] * 3
    assert [line.second_weight for line in lines[:3]] == ["8", "8", "7"]


def long_template() -> Template:
    rows = []
    for a in range(3):
        for b in range(2):
            for c in range(25):
                rows.append(Row((f"一级{a}", f"二级{a}{b}", f"三级指标{a}{b}{c:02d}"), D(100) / D(150),
                                "评分标准的说明文字，" * (1 + c % 4)))
    return Template("长表", tuple(rows), {})


def test_a_long_table_breaks_between_pages_with_the_header_repeated_and_no_span_across_a_break(tmp_path):
    t = long_template()
    result = evaluate(t, 2015, figures={}, manual={r.key: ManualScore(D("0.5"), "依据") for r in t.rows},
                      not_applicable=set())
    st = ep._styles(ep.register_fonts())
    pages = ep._paginate(ep._lines(result, t), st, first_room=ep.FRAME_H - 60, tail=ep._tail_rows(result, t, st),
                         after=ep._after(result, st))
    assert len(pages) > 2
    # Every page holds whole table rows: each page's part is its own table, so merged cells end with the page.
    assert sum(len(p) for p in pages) == len(t.rows)
    for page in pages:
        height = ep._table_height(page, st, [])
        assert height <= ep.FRAME_H
    # A group running on to the next page is named again there, marked 续.
    continued = [p[0] for p in pages[1:] if p[0].cont[1]]
    assert continued

    out = tmp_path / "长表.pdf"
    write_evaluation_pdf(result, t, out, unit_name=UNIT, printed_on=date(2016, 1, 15))
    pdf = texts(out)
    assert len(pdf) == len(pages)
    for n, (text, page) in enumerate(zip(pdf, pages), start=1):
        assert text.count("一级指标") == 1 and "计分依据" in text          # the header on every page
        assert f"第{n}页共{len(pages)}页" in text
        for line in page:
            assert line.third in text
        if page[0].cont[0]:
            assert f"{page[0].first}（续）" in text
    assert "合计" in pdf[-1] and "评价等级" in pdf[-1] and "单位负责人" in pdf[-1]
    assert "合计" not in "".join(pdf[:-1])


def test_a_group_that_fits_a_page_is_not_split():
    t = long_template()
    result = evaluate(t, 2015, figures={}, manual={}, not_applicable=set())
    st = ep._styles(ep.register_fonts())
    lines = ep._lines(result, t)
    one_group = [line for line in lines if line.unit == lines[0].unit][:8]
    before = [line for line in lines if line.unit != lines[0].unit][:20]
    assert ep._table_height(before, st, []) < ep.FRAME_H < ep._table_height(before + one_group, st, [])
    pages = ep._paginate(before + one_group, st, first_room=ep.FRAME_H, tail=[], after=[])
    # The 8-row group does not fit under the 20 rows: it moves to the next page whole.
    assert [[x.third for x in p] for p in pages] == [[x.third for x in before], [x.third for x in one_group]]
    assert pages[1][0].cont == (True, False)  # 一级0 runs on (续); 二级00 starts here


def test_a_group_fills_a_mostly_empty_page_and_runs_on_rather_than_leaving_it_blank():
    t = long_template()
    result = evaluate(t, 2015, figures={}, manual={}, not_applicable=set())
    st = ep._styles(ep.register_fonts())
    lines = ep._lines(result, t)
    small = [line for line in lines if line.unit == lines[0].unit][:3]
    big = [line for line in lines if line.unit != lines[0].unit and line.first == lines[0].first]
    assert ep._table_height(small + big, st, []) > ep.FRAME_H
    pages = ep._paginate(small + big, st, first_room=ep.FRAME_H, tail=[], after=[])
    assert len(pages) == 2 and len(pages[0]) > len(small)
    assert pages[1][0].cont == (True, True)   # 一级 and 二级 both named again, marked 续
