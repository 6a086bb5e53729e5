"""An old ledger sheet's layout: its header found (one row or a merged group over two), each row below told apart."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from openpyxl import Workbook
from openpyxl.styles import Alignment

from aiddesk.core.errors import UserError
from aiddesk.core.idcard import make_id
from aiddesk.exchange.ledger import layout
from aiddesk.exchange.ledger.layout import (AGGREGATE, BLANK, DATA, FILING, FOOTER, HEADER, SUBTOTAL, TITLE, TOTAL,
                                            detect)
from aiddesk.exchange.sheet_reader import read_workbook

# The caller (columns.py) says which texts are header words; here a plain set stands for it.
HEADER_WORDS = {"序号", "姓名", "户主姓名", "性别", "身份证号", "身份证号码", "关系", "与户主关系", "金额", "救助金额（元）",
                "发放日期", "救助类别", "困难类别", "联系电话", "备注", "工作单位", "家庭人口"}


def is_header_word(text: str) -> bool:
    return text in HEADER_WORDS


def ids(n: int) -> list[str]:
    return [make_id("460100", date(1970, 1, 1), k) for k in range(n)]


def roles(lay: layout.SheetLayout) -> dict[int, str]:
    return {r.number: r.role for r in lay.before + lay.rows}


def read_back(path, name: str) -> list[list[object]]:
    with read_workbook(path) as book:
        return next(load for sheet, _start, load in book.sheets if sheet == name)()


def test_a_titled_ledger_has_its_title_filing_line_header_data_total_and_signatures_told_apart(tmp_path):
    """A real .xlsx as an office keeps it, read back through the project's reader (merged title, 填报 line …)."""
    people = ids(3)
    wb = Workbook()
    ws = wb.active
    ws.title = "2015年"
    ws.append(["2015年困难职工帮扶资金发放台账"])
    ws.merge_cells("A1:F1")
    ws.append(["填报单位：海南省总工会（盖章）    填报日期：2016年1月5日", None, None, None, None, "单位：元"])
    ws.merge_cells("A2:D2")
    ws.append(["序号", "姓名", "身份证号码", "救助类别", "救助金额（元）", "发放日期"])
    for k, person in enumerate(people, start=1):
        ws.append([k, f"职工{k}", person, "生活救助", 1000 * k, datetime(2015, 1, 20)])
    ws.append(["合　计", None, None, None, 6000, None])
    ws.merge_cells("A7:D7")
    ws.append([])
    ws.append(["单位负责人：", None, "审核人：李四", None, "制表人：王五", None])
    path = tmp_path / "帮扶台账.xlsx"
    wb.save(path)

    lay = detect("2015年", read_back(path, "2015年"), is_header_word=is_header_word)

    assert lay.header_rows == (3,)
    assert lay.headers == ["序号", "姓名", "身份证号码", "救助类别", "救助金额（元）", "发放日期"]
    assert lay.title == "2015年困难职工帮扶资金发放台账"
    assert lay.filing == {"填报单位": "海南省总工会", "填报日期": "2016年1月5日", "金额单位": "元"}
    assert [(r.number, r.role, r.why) for r in lay.before] == [(1, TITLE, "标题行"), (2, FILING, "填报单位、日期行")]
    assert [(r.number, r.role, r.why) for r in lay.rows] == [
        (4, DATA, ""), (5, DATA, ""), (6, DATA, ""), (7, TOTAL, "合计行"), (8, BLANK, "空行"),
        (9, FOOTER, "表尾签字行（制表人、审核人…）")]
    assert lay.rows[0].values[:3] == (1, "职工1", people[0])
    assert lay.rows[3].label == "合计"


def test_a_group_header_merged_over_sub_headers_joins_group_and_sub(tmp_path):
    """家庭成员情况 merged over 姓名/关系/身份证号; 序号, 户主姓名 and 金额 merged down over both header rows."""
    wb = Workbook()
    ws = wb.active
    ws.title = "花名册"
    ws.append(["2016年困难职工花名册"])
    ws.merge_cells("A1:G1")
    ws.append(["序号", "户主姓名", "身份证号", "家庭成员情况", None, None, "金额"])
    ws.append([None, None, None, "姓名", "关系", "身份证号", None])
    for col in "ABCG":
        ws.merge_cells(f"{col}2:{col}3")
    ws.merge_cells("D2:F2")
    ws["D2"].alignment = Alignment(horizontal="center")
    head, wife = ids(2)
    ws.append([1, "张三", head, "李梅", "妻", wife, 800])
    path = tmp_path / "花名册.xlsx"
    wb.save(path)

    lay = detect("花名册", read_back(path, "花名册"), is_header_word=is_header_word)

    assert lay.header_rows == (2, 3)
    assert lay.headers == ["序号", "户主姓名", "身份证号", "家庭成员情况/姓名", "家庭成员情况/关系",
                           "家庭成员情况/身份证号", "金额"]
    assert [(r.number, r.role) for r in lay.rows] == [(4, DATA)]
    assert [(r.number, r.role) for r in lay.before] == [(1, TITLE)]


def test_the_lower_row_of_a_two_row_header_found_first_still_takes_its_group_row():
    """The sub-header row has the most header words; the group row above it (with fewer) is the header's top."""
    rows = [
        ["序号", "基本情况", None, None, None, "救助情况", None, None],
        [None, "姓名", "性别", "身份证号", "联系电话", "救助类别", "金额", "发放日期"],
        [1, "张三", "男", ids(1)[0], "13800000000", "生活救助", 500, "2015-01-20"],
    ]
    lay = detect("s", rows, is_header_word=is_header_word)
    assert lay.header_rows == (1, 2)
    assert lay.headers == ["序号", "基本情况/姓名", "基本情况/性别", "基本情况/身份证号", "基本情况/联系电话",
                           "救助情况/救助类别", "救助情况/金额", "救助情况/发放日期"]
    assert [r.role for r in lay.rows] == [DATA]


@pytest.mark.parametrize("above", [
    ["2015年帮扶台账", None, None, None, None, None],                        # one text over the width
    ["填报单位：某工会", None, None, "填报日期：2016.1.5", None, None],       # two texts followed by blanks
    ["填报单位", "某工会", None, "填报日期", date(2016, 1, 5), None],         # labels and values in their own cells
])
def test_a_title_or_a_filing_line_above_the_header_is_not_taken_for_a_group_row(above):
    rows = [above, ["序号", "姓名", "身份证号", "性别", "金额", "发放日期"], [1, "张三", ids(1)[0], "男", 500, None]]
    lay = detect("s", rows, is_header_word=is_header_word)
    assert lay.header_rows == (2,)
    assert lay.headers == ["序号", "姓名", "身份证号", "性别", "金额", "发放日期"]


def test_a_header_on_row_3_is_picked_out_under_a_title_and_a_blank_row():
    rows = [
        ["帮扶资金发放表", None, None],
        [None, None, None],
        ["姓名", "身份证号", "金额"],
        ["张三", ids(1)[0], 100],
    ]
    lay = detect("s", rows, is_header_word=is_header_word)
    assert lay.header_rows == (3,)
    assert roles(lay) == {1: TITLE, 2: BLANK, 4: DATA}
    assert lay.title == "帮扶资金发放表"


def test_the_header_is_the_row_with_most_header_words_and_of_equals_the_upper():
    rows = [
        ["姓名", "备注说明", None],            # one header word: not enough on its own
        ["姓名", "身份证号", "其他"],          # two
        ["姓名", "身份证号", "金额"],          # three: the header
        ["姓名", "身份证号", "金额"],          # as many, lower
    ]
    assert detect("s", rows, is_header_word=is_header_word).header_rows == (3,)
    assert detect("s", rows[:2], is_header_word=is_header_word).header_rows == (2,)
    assert detect("s", rows[:1], is_header_word=is_header_word) is None


def test_the_header_is_looked_for_only_in_the_first_rows_the_word_file_gives():
    search = layout.HEADER_SEARCH_ROWS
    assert search == 30
    header = ["姓名", "身份证号", "金额"]
    notes = [[f"说明第{k}条"] for k in range(1, search + 1)]
    assert detect("s", notes[:search - 1] + [header], is_header_word=is_header_word).header_rows == (search,)
    assert detect("s", notes[:search] + [header], is_header_word=is_header_word) is None


def test_the_row_the_user_points_at_is_taken_as_the_header():
    rows = [
        ["姓名", "身份证号", None],            # detection's choice: two header words
        ["张三", ids(1)[0], None],
        ["职工", "号码", "钱数"],              # the real header, in words no alias knows
        ["李四", ids(2)[1], 300],
    ]
    assert detect("s", rows, is_header_word=is_header_word).header_rows == (1,)
    lay = detect("s", rows, is_header_word=is_header_word, header_at=3)
    assert lay.header_rows == (3,)
    assert lay.headers == ["职工", "号码", "钱数"]
    assert [(r.number, r.role) for r in lay.before] == [(1, TITLE), (2, TITLE)]
    assert [(r.number, r.role) for r in lay.rows] == [(4, DATA)]


def test_a_user_pointing_at_a_group_row_gets_the_two_row_header():
    rows = [
        ["说明：本表由基层工会填写"],
        ["序号", "家庭成员", None, "金额"],
        [None, "姓名", "关系", None],
        [1, "李梅", "妻", 100],
    ]
    lay = detect("s", rows, is_header_word=is_header_word, header_at=2)
    assert lay.header_rows == (2, 3)
    assert lay.headers == ["序号", "家庭成员/姓名", "家庭成员/关系", "金额"]


def test_a_header_row_the_sheet_does_not_have_is_refused_with_a_message():
    with pytest.raises(UserError, match="只有 2 行，没有第 5 行"):
        detect("s", [["姓名", "金额"], ["张三", 1]], is_header_word=is_header_word, header_at=5)


def test_header_texts_lose_line_breaks_and_spaces_and_take_half_width_letters():
    rows = [
        ["序　号", "姓 名", "身份证\n号码", "救助金额\r\n（元）", "联系电话", "ＩＤ　Ｎｏ２", 2015, None, None],
        [1, "张三", ids(1)[0], 100, "13800000000", "x", "y", None, "多出的一列"],
    ]
    lay = detect("s", rows, is_header_word=is_header_word)
    assert lay.headers == ["序号", "姓名", "身份证号码", "救助金额（元）", "联系电话", "IDNo2", "2015", "", ""]
    assert layout.header_text("身份证\n号码") == "身份证号码"
    assert layout.header_text(2015.0) == "2015"


def test_spaced_totals_and_subtotals_with_their_periods_are_told_apart():
    head = ["序号", "姓名", "身份证号", "金额"]
    people = ids(4)
    rows = [head,
            [1, "张三", people[0], 100],
            ["一月小计", None, None, 100],
            [2, "李四", people[1], 200],
            [None, "本月小计：", None, 200],
            [3, "王五", people[2], 300],
            [None, " 小  计 ", None, 300],
            [4, "赵六", people[3], 400],
            [None, None, "小计", 400],
            ["合　计：", None, None, 1000]]
    lay = detect("s", rows, is_header_word=is_header_word)
    assert [(r.number, r.role) for r in lay.rows] == [
        (2, DATA), (3, SUBTOTAL), (4, DATA), (5, SUBTOTAL), (6, DATA), (7, SUBTOTAL), (8, DATA), (9, SUBTOTAL),
        (10, TOTAL)]
    assert [r.why for r in lay.rows if r.role != DATA] == ["小计行"] * 4 + ["合计行"]
    assert [r.label for r in lay.rows if r.role != DATA] == ["一月小计", "本月小计：", "小计", "小计", "合计："]


@pytest.mark.parametrize("text", ["合计", "总计", "共计", "累计", "本页合计", "全年合计", "合 计", "2015年合计",
                                  "合计：25人", "总　计", "合计金额"])
def test_every_spelling_of_a_total_is_a_total(text):
    rows = [["姓名", "身份证号", "金额"], ["张三", ids(1)[0], 100], [text, None, 100]]
    row = detect("s", rows, is_header_word=is_header_word).rows[-1]
    assert (row.role, row.why) == (TOTAL, "合计行")


@pytest.mark.parametrize("name", ["合欢", "小林", "计明", "本杰明", "全红", "于小计划"])
def test_names_near_the_total_words_are_data(name):
    rows = [["姓名", "身份证号", "金额"], [name, ids(1)[0], 100]]
    assert detect("s", rows, is_header_word=is_header_word).rows[0].role == DATA


def test_page_totals_before_the_sheets_total_are_checked_as_subtotals():
    people = ids(2)
    rows = [["姓名", "身份证号", "金额"],
            ["张三", people[0], 100], ["本页合计", None, 100],
            ["李四", people[1], 200], ["本页合计", None, 200],
            ["总计", None, 300]]
    lay = detect("s", rows, is_header_word=is_header_word)
    assert [(r.number, r.role, r.why) for r in lay.rows if r.role != DATA] == [
        (3, SUBTOTAL, "小计行（本页合计，后面还有合计）"), (5, SUBTOTAL, "小计行（本页合计，后面还有合计）"),
        (6, TOTAL, "合计行")]


def test_a_running_total_after_the_months_total_is_not_a_check_but_after_subtotals_it_is_the_total():
    head = ["姓名", "身份证号", "金额"]
    person = ids(1)[0]
    month = detect("s", [head, ["张三", person, 100], ["本月合计", None, 100], ["本年累计", None, 1200]],
                   is_header_word=is_header_word)
    assert [(r.role, r.why) for r in month.rows[1:]] == [(TOTAL, "合计行"), (AGGREGATE, "累计行（含以前各期，不核对）")]
    year = detect("s", [head, ["张三", person, 100], ["一月小计", None, 100], ["累计", None, 100]],
                  is_header_word=is_header_word)
    assert [r.role for r in year.rows[1:]] == [SUBTOTAL, TOTAL]


def test_a_breakdown_under_a_total_is_skipped_and_elsewhere_is_data():
    head = ["姓名", "身份证号", "金额"]
    rows = [head, ["张三", ids(1)[0], 100], ["合计", None, 100], ["其中：低保户", None, 100], ["其中：中央财政", None, 100]]
    lay = detect("s", rows, is_header_word=is_header_word)
    assert [(r.role, r.why) for r in lay.rows[2:]] == [(AGGREGATE, "合计的分项行（其中…，不核对）")] * 2
    alone = detect("s", [head, ["其中：某某", None, 100]], is_header_word=is_header_word)
    assert alone.rows[0].role == DATA


def test_blank_rows_and_rows_with_only_a_serial_number_are_blank_and_a_lone_amount_is_data():
    rows = [["序号", "姓名", "身份证号", "金额"],
            [1, "张三", ids(1)[0], 100],
            [2, None, None, None],        # a numbered line of a printed form left empty
            ["3", "  ", "\u3000", None],
            [None, None, None, None],
            [None, None, None, 500]]      # an amount with nobody: the checks must say so, not skip it
    lay = detect("s", rows, is_header_word=is_header_word)
    assert [(r.role, r.why) for r in lay.rows] == [
        (DATA, ""), (BLANK, "空行（只有序号）"), (BLANK, "空行（只有序号）"), (BLANK, "空行"), (DATA, "")]


def test_data_rows_after_a_note_line_are_still_data_and_the_notes_lines_are_not(tmp_path):
    """Real file: 注： and its numbered lines, names under signature labels, then payments pasted underneath."""
    people = ids(3)
    wb = Workbook()
    ws = wb.active
    ws.title = "发放表"
    ws.append(["姓名", "身份证号", "救助类别", "金额", "发放日期"])
    ws.append(["张三", people[0], "医疗救助", 2000, "2015-03-01"])
    ws.append(["注：1.本表由基层工会填写"])
    ws.append(["2.金额单位为元，保留两位小数"])
    ws.append(["制表人", None, "审核人", None, None])
    ws.append(["王五", None, "赵六", None, None])
    ws.append(["李四", people[1], "医疗救助", "1,500.00", "2015/3/2"])
    ws.append(["孙七", people[2], "医疗救助", 800, datetime(2015, 3, 3)])
    ws.append(["以上两人为补报"])
    path = tmp_path / "发放表.xlsx"
    wb.save(path)

    lay = detect("发放表", read_back(path, "发放表"), is_header_word=is_header_word)
    assert [(r.number, r.role, r.why) for r in lay.rows] == [
        (2, DATA, ""), (3, FOOTER, "填表说明"), (4, FOOTER, "填表说明"),
        (5, FOOTER, "表尾签字行（制表人、审核人…）"), (6, FOOTER, "表尾签字行（制表人、审核人…）"),
        (7, DATA, ""), (8, DATA, ""), (9, FOOTER, "表尾签字行（制表人、审核人…）")]


@pytest.mark.parametrize("text", ["制表人：王五", "制 表 人：", "审核人 李四", "单位负责人（签字）：", "制表人王五",
                                  "复核：", "经办人", "联系电话：0898-66668888", "分管领导："])
def test_every_spelling_of_a_signature_starts_the_footer(text):
    rows = [["姓名", "身份证号", "金额"], ["张三", ids(1)[0], 100], [None, text, None, None]]
    assert detect("s", rows, is_header_word=is_header_word).rows[-1].role == FOOTER


def test_a_filing_line_below_the_table_is_read_and_what_follows_is_footer():
    rows = [["姓名", "身份证号", "金额"], ["张三", ids(1)[0], 100],
            ["填报日期", date(2016, 1, 5), None], ["（盖章）", None, None]]
    lay = detect("s", rows, is_header_word=is_header_word)
    assert [r.role for r in lay.rows] == [DATA, FILING, FOOTER]
    assert lay.filing == {"填报日期": "2016-01-05"}


def test_filing_labels_and_values_in_separate_cells_are_read():
    rows = [["填报单位", "某市总工会", None, "填报日期：", "2016年1月5日", "（单位：元）"],
            ["姓名", "身份证号", "金额"]]
    lay = detect("s", rows, is_header_word=is_header_word)
    assert lay.filing == {"填报单位": "某市总工会", "填报日期": "2016年1月5日", "金额单位": "元"}
    assert lay.before[0].role == FILING


def test_a_title_sharing_its_row_with_the_amount_unit_is_kept():
    rows = [["海南省总工会2015年度帮扶台账（单位：元）", None, None], ["姓名", "身份证号", "金额"]]
    lay = detect("s", rows, is_header_word=is_header_word)
    assert lay.title == "海南省总工会2015年度帮扶台账"
    assert lay.filing == {"金额单位": "元"}


def test_a_repeated_header_a_column_number_row_and_a_section_title_are_skipped():
    head = ["序号", "姓名", "身份证号", "金额"]
    people = ids(2)
    rows = [head,
            [1, 2, 3, 4],                       # 栏次 row under the header
            ["一月份", None, None, None],       # a section's name over its rows
            [1, "张三", people[0], 100],
            list(head),                         # the next printed page's header
            [2, "李四", people[1], 200]]
    lay = detect("s", rows, is_header_word=is_header_word)
    assert [(r.role, r.why) for r in lay.rows] == [
        (HEADER, "栏次行（表头下的列序号）"), (TITLE, "标题行"), (DATA, ""), (HEADER, "重复的表头行"), (DATA, "")]


@pytest.mark.parametrize("rows", [
    [],                                                              # an empty sheet
    [[None, None], [None, None]],
    [[1, 2, 3], [4, 5, 6], [7.5, 8.25, 9]],                          # a chart's data, numbers only
    [["说明"], ["本工作簿是海南省总工会2015年帮扶台账，姓名、身份证号请如实填写。"], ["金额单位：元"]],
])
def test_a_sheet_without_a_header_has_no_layout(rows):
    assert detect("图表", rows, is_header_word=is_header_word) is None


def test_a_five_thousand_row_sheet_is_read_whole():
    people = ids(1000)
    rows = [["2015年帮扶台账"], ["填报单位：某工会"], ["序号", "姓名", "身份证号", "救助类别", "金额", "发放日期", "备注"]]
    for k in range(5000):
        rows.append([k + 1, f"职工{k}", people[k % 1000], "生活救助", 500, datetime(2015, 1 + k % 12, 20), None])
        if k % 500 == 499:
            rows.append(["小计", None, None, None, 250000, None, None])
    rows += [["合计", None, None, None, 2500000, None, None], [], ["制表人：王五", None, "审核人：李四"]]
    lay = detect("s", rows, is_header_word=is_header_word)
    counted = {}
    for r in lay.rows:
        counted[r.role] = counted.get(r.role, 0) + 1
    assert counted == {DATA: 5000, SUBTOTAL: 10, TOTAL: 1, BLANK: 1, FOOTER: 1}
    assert lay.rows[-1].number == len(rows)
