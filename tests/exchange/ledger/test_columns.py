"""Old ledgers' columns: which field each header fills, member columns, the user's and the office's choices, the
sheet's kind, what looks like a header, and the date spellings books use (aiddesk/exchange/ledger/columns.py)."""

from __future__ import annotations

import json
import re
import sys
import time
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from openpyxl.utils import column_index_from_string

from aiddesk.core.errors import UserError
from aiddesk.core.relations import relation_of
from aiddesk.exchange import format as fmt
from aiddesk.exchange.ledger import columns as cols
from aiddesk.exchange.ledger import layout
from aiddesk.exchange.ledger.columns import (
    MemberSlot,
    field_of,
    is_header_word,
    map_columns,
)
from aiddesk.exchange.sheet_reader import read_workbook
from aiddesk.exchange.validate import ALIASES, CellError, parse_date
from aiddesk.paths import resource

CHINESE = re.compile(r"[\u4e00-\u9fff]")


# ---- headers → fields ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("header, field", [
    # EXCHANGE.md's own examples
    ("身份证号码", "身份证号"), ("公民身份号码", "身份证号"), ("证件号码", "身份证号"), ("困难类型", "困难类别"),
    ("帮扶类别", "救助类别"), ("救助项目", "救助类别"), ("救助金额（元）", "金额"), ("发放金额", "金额"),
    ("金额（元）", "金额"), ("发放时间", "发放日期"), ("困难原因", "主要致困原因"), ("户主姓名", "姓名"),
    ("与户主关系", "关系"),
    # what real books write
    ("联系电话", "手机号码"), ("电话", "手机号码"), ("手机", "手机号码"), ("家庭地址", "家庭住址"), ("住址", "家庭住址"),
    ("现住址", "家庭住址"), ("所在单位", "工作单位"), ("单位名称", "工作单位"), ("家庭人口数", "家庭人口"),
    ("人口", "家庭人口"), ("月人均收入", "家庭月人均收入"), ("家庭月人均收入", "家庭月人均收入"),
    ("开户行", "开户银行"), ("银行账号", "银行卡号"), ("卡号", "银行卡号"), ("帮扶项目", "救助类别"),
    ("帮扶内容", "救助类别"), ("资金渠道", "资金来源"), ("资金来源渠道", "资金来源"), ("发放形式", "发放方式"),
    ("活动名称", "活动"), ("帮扶活动", "活动"), ("批次", "活动"), ("项目名称", "活动"), ("救助时间", "发放日期"),
    ("日期", "发放日期"), ("救助类型", "救助类别"), ("帮扶金额", "金额"), ("学生姓名", "学生姓名"),
    ("学校", "就读学校"), ("新生/在校生", "新生或在校生"), ("疾病/残疾类别", "残疾类别"), ("月收入", "本人月收入"),
    ("家庭年收入", "家庭年总收入"),
    # the fields' own names
    *[(f, f) for f in cols.FIELDS],
])
def test_a_header_a_ledger_writes_fills_its_field(header, field):
    assert field_of(header) == field


def test_every_alias_of_the_exchange_import_is_known_to_the_ledger_too():
    # 批次编号 is no ledger field: a book's batch number names its batch (活动)
    for header, target in ALIASES.items():
        assert field_of(header) == {"批次编号": "活动"}.get(target, target), header


def test_every_household_column_of_the_format_is_a_field_a_ledger_column_can_fill():
    assert set(fmt.HOUSEHOLDS.headers) <= set(cols.PERSON_FIELDS)
    assert set(fmt.STUDENT_COLUMNS) <= set(cols.PAYMENT_FIELDS)
    assert set(cols.MEMBER_ROW_FIELDS.values()) == set(cols.MEMBER_ATTRIBUTES)


@pytest.mark.parametrize("header, field", [
    ("金额（元）", "金额"), ("金额(元)", "金额"), ("救助金额（单位：元）", "金额"), ("月收入（元/月）", "本人月收入"),
    ("月收入(元/月)", "本人月收入"), ("身份证号码（18位）", "身份证号"), ("备注①", "备注"), ("备注⑵", "备注"),
    ("*姓名", "姓名"), ("姓名＊", "姓名"), ("家庭其他（非薪资）年收入", "家庭其他年收入"), ("关系（是户主的）", "关系"),
    ("金额【元】", "金额"), ("金额（元", "金额"), ("【姓名】", "姓名"), ("身份证号：", "身份证号"),
    ("发 放 金 额", "金额"), ("救助金额\n（元）", "金额"),
])
def test_units_notes_and_marks_in_a_header_are_read_past_by_rule(header, field):
    assert field_of(header) == field


def test_a_header_no_list_knows_fills_nothing():
    assert field_of("低保证号") is None
    assert field_of("") is None
    m = map_columns(["姓名", "身份证号", "低保证号", None, ""])
    assert m.unmapped == [(2, "低保证号")]  # columns without a header are not named in a warning
    assert m.fields == {"姓名": 0, "身份证号": 1}


# ---- two-row headers: group/sub -------------------------------------------------------------------------------

def test_a_person_group_over_its_columns_gives_the_heads_fields():
    m = map_columns(["序号", "户主情况/姓名", "户主情况/身份证号码", "困难职工情况/困难类型", "户主情况/联系电话"])
    assert m.fields == {"姓名": 1, "身份证号": 2, "困难类别": 3, "手机号码": 4}
    assert m.kind == cols.ROSTER_ROWS and m.members == []


def test_an_aid_group_over_its_columns_is_read_by_the_sub_headers_meaning():
    m = map_columns(["姓名", "身份证号", "救助情况/类别", "救助情况/金额（元）", "救助情况/日期", "发放情况/来源",
                     "发放情况/方式", "帮扶情况/人次"])
    assert m.fields == {"姓名": 0, "身份证号": 1, "救助类别": 2, "金额": 3, "发放日期": 4, "资金来源": 5,
                        "发放方式": 6, "人次": 7}
    assert m.kind == cols.PAYMENTS and not m.unmapped


def test_a_student_group_gives_the_student_fields_of_jinqiu_zhuxue():
    m = map_columns(["职工姓名", "身份证号", "学生情况/姓名", "学生情况/身份证号", "学生情况/学校", "学生情况/学历",
                     "助学金额"])
    assert m.fields == {"姓名": 0, "身份证号": 1, "学生姓名": 2, "学生身份证号": 3, "就读学校": 4, "学历层次": 5,
                        "金额": 6}
    assert m.kind == cols.PAYMENTS


def test_one_members_group_beside_the_heads_columns_is_the_member_rows_block():
    m = map_columns(["序号", "户主姓名", "身份证号", "困难类别", "家庭成员情况/姓名", "家庭成员情况/与户主关系",
                     "家庭成员情况/身份证号"])
    assert m.fields == {"姓名": 1, "身份证号": 2, "困难类别": 3}
    assert m.members == [MemberSlot("家庭成员", "", {"姓名": 4, "关系": 5, "身份证号": 6}, rows=True)]
    assert m.kind == cols.ROSTER_ROWS


def test_one_members_group_holding_the_only_names_is_the_person_of_every_row():
    # No head's columns elsewhere: each row is a head or a member, told apart by 关系 (a roster with member rows)
    m = map_columns(["序号", "家庭成员情况/姓名", "家庭成员情况/关系", "家庭成员情况/身份证号", "家庭成员情况/月收入",
                     "困难类别"])
    assert m.fields == {"姓名": 1, "关系": 2, "身份证号": 3, "本人月收入": 4, "困难类别": 5}
    assert m.members == [] and m.kind == cols.ROSTER_ROWS


def test_a_members_group_that_repeats_is_member_columns_one_member_each():
    numbered = map_columns(["姓名", "身份证号", "家庭成员1/姓名", "家庭成员1/关系", "家庭成员2/姓名",
                            "家庭成员2/关系", "家庭成员2/身份证号"])
    assert numbered.members == [MemberSlot("家庭成员1", "", {"姓名": 2, "关系": 3}),
                                MemberSlot("家庭成员2", "", {"姓名": 4, "关系": 5, "身份证号": 6})]
    assert numbered.kind == cols.ROSTER_COLUMNS
    repeated = map_columns(["姓名", "身份证号", "家庭成员情况/姓名", "家庭成员情况/关系", "家庭成员情况/姓名",
                            "家庭成员情况/关系"])
    assert repeated.members == [MemberSlot("家庭成员1", "", {"姓名": 2, "关系": 3}),
                                MemberSlot("家庭成员2", "", {"姓名": 4, "关系": 5})]
    assert repeated.kind == cols.ROSTER_COLUMNS


def test_a_slot_group_names_its_member_and_its_relation():
    m = map_columns(["姓名", "身份证号", "配偶情况/姓名", "配偶情况/身份证号码", "子女一/姓名", "子女一/就读学校",
                     "家庭成员情况/配偶工作单位"])
    assert m.members == [MemberSlot("配偶", "配偶", {"姓名": 2, "身份证号": 3, "单位或学校": 6}),
                         MemberSlot("子女1", "子女", {"姓名": 4, "单位或学校": 5})]


def test_an_unknown_group_is_read_with_its_sub_header_then_by_the_sub_header_alone():
    m = map_columns(["户主/姓名", "公民/身份号码", "联系方式/手机", "二〇一五年/金额"])
    assert m.fields == {"姓名": 0, "身份证号": 1, "手机号码": 2, "金额": 3}


# ---- member columns -----------------------------------------------------------------------------------------

def test_member_columns_across_make_one_slot_per_member_with_the_relation_its_word_names():
    m = map_columns(["序号", "姓名", "身份证号", "配偶姓名", "配偶身份证号", "子女1姓名", "子女1身份证号", "子女2姓名"])
    assert m.members == [MemberSlot("配偶", "配偶", {"姓名": 3, "身份证号": 4}),
                         MemberSlot("子女1", "子女", {"姓名": 5, "身份证号": 6}),
                         MemberSlot("子女2", "子女", {"姓名": 7})]
    assert m.fields == {"姓名": 1, "身份证号": 2} and not m.unmapped and m.kind == cols.ROSTER_COLUMNS


def test_unnumbered_member_columns_that_repeat_are_the_next_member():
    m = map_columns(["姓名", "身份证号", "子女姓名", "子女身份证号", "子女姓名", "子女身份证号", "父亲姓名",
                     "母亲姓名", "家庭成员3姓名", "家庭成员3关系"])
    assert [(s.slot, s.relation, s.columns) for s in m.members] == [
        ("子女1", "子女", {"姓名": 2, "身份证号": 3}), ("子女2", "子女", {"姓名": 4, "身份证号": 5}),
        ("父亲", "父亲", {"姓名": 6}), ("母亲", "母亲", {"姓名": 7}), ("家庭成员3", "", {"姓名": 8, "关系": 9})]


def test_every_relation_a_slot_word_names_is_one_the_relation_table_knows():
    with open(resource("codes", "ledger_words.json"), encoding="utf-8") as f:
        slots = json.load(f)["member_columns"]["slots"]
    for word, relation in slots.items():
        if relation:
            assert relation_of(relation).name, word


# ---- the user's choice, the office's memory, the word lists ---------------------------------------------------

def test_the_users_choice_wins_over_the_offices_memory_which_wins_over_the_word_lists():
    headers = ["姓名", "证件号", "发放数", "补助金额", "卡号"]
    assert map_columns(headers).fields == {"姓名": 0, "金额": 3, "银行卡号": 4}
    remembered = map_columns(headers, remembered={"证件号": "身份证号", "发放数": "金额"})
    assert remembered.fields == {"姓名": 0, "身份证号": 1, "金额": 2, "银行卡号": 4}
    assert remembered.unmapped == [(3, "补助金额")] and not remembered.twins  # passed over, not a twin
    chosen = map_columns(headers, remembered={"证件号": "身份证号", "发放数": "金额"},
                         chosen={"补助金额": "金额", "卡号": "备注"})
    assert chosen.fields == {"姓名": 0, "身份证号": 1, "金额": 3, "备注": 4}
    assert chosen.unmapped == [(2, "发放数")]


def test_a_column_chosen_as_not_imported_stays_out_though_its_name_is_a_field():
    m = map_columns(["姓名", "身份证号", "金额", "备注"], chosen={"备注": "", "金额": ""},
                    remembered={"金额": "金额"})
    assert m.fields == {"姓名": 0, "身份证号": 1}
    assert m.ignored == [(2, "金额"), (3, "备注")] and not m.unmapped
    assert m.kind == cols.ROSTER_ROWS


def test_a_choice_may_name_a_member_column_and_is_matched_as_layout_writes_the_header():
    m = map_columns(["姓名", "身份证号", "老伴", "老伴身份证"], chosen={"老伴": "配偶姓名", "老 伴 身份证": "配偶身份证号"})
    assert m.members == [MemberSlot("配偶", "配偶", {"姓名": 2, "身份证号": 3})]


def test_a_chosen_field_that_does_not_exist_is_refused_in_chinese_and_a_remembered_one_is_passed_over():
    with pytest.raises(UserError) as err:
        map_columns(["姓名", "身份证号", "发放数"], chosen={"发放数": "金 额数"})
    assert "“发放数”一列要导入为“金 额数”，没有这一项" in err.value.message
    m = map_columns(["姓名", "身份证号", "发放金额"], remembered={"发放金额": "旧版本的项目"})
    assert m.fields["金额"] == 2


def test_two_columns_that_would_fill_one_field_are_twins_the_user_must_choose_between():
    m = map_columns(["序号", "姓名", "身份证号", "身份证号码", "金额"])
    assert m.twins == [("身份证号", [2, 3])]
    assert m.fields["身份证号"] == 2  # the first, so the preview can still show something
    chose = map_columns(["序号", "姓名", "身份证号", "身份证号码", "金额"], chosen={"身份证号码": "身份证号"})
    assert not chose.twins and chose.fields["身份证号"] == 3 and chose.unmapped == [(2, "身份证号")]
    both = map_columns(["姓名", "身份证号", "甲", "乙"], chosen={"甲": "金额", "乙": "金额"})
    assert both.twins == [("金额", [2, 3])]


# ---- kinds ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("headers, kind", [
    (["序号", "姓名", "身份证号", "救助类别", "救助金额（元）", "发放日期", "领款人签字"], cols.PAYMENTS),
    (["序号", "姓名", "与户主关系", "身份证号", "性别", "困难类别"], cols.ROSTER_ROWS),
    (["户主姓名", "身份证号", "家庭成员情况/姓名", "家庭成员情况/关系"], cols.ROSTER_ROWS),
    (["户主姓名", "身份证号", "家庭成员姓名", "家庭成员关系"], cols.ROSTER_ROWS),
    (["户主姓名", "身份证号", "家庭成员姓名", "家庭成员关系", "发放金额"], cols.MIXED),
    (["户主姓名", "身份证号", "困难类别", "家庭住址"], cols.ROSTER_ROWS),
    (["姓名", "身份证号", "配偶姓名", "子女姓名"], cols.ROSTER_COLUMNS),
    (["姓名", "身份证号", "配偶姓名", "慰问金额"], cols.MIXED),
    (["姓名", "与户主关系", "身份证号", "发放金额"], cols.MIXED),
    (["序号", "备注"], cols.NONE),
    (["姓名", "金额", "发放日期"], cols.NONE),
    (["单位名称", "单位代码", "层级"], cols.NONE),
    ([], cols.NONE),
])
def test_the_sheets_kind_follows_from_what_its_columns_fill(headers, kind):
    assert map_columns(headers).kind == kind


# ---- what looks like a header ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "姓名", "身份证号码", "救助金额（元）", "金额(元)", "序号", "备注", "与户主关系", "家庭成员情况", "救助情况",
    "户主情况", "学生情况", "配偶姓名", "子女1身份证号", "配偶情况", "子女1", "家庭成员情况/姓名", "救助情况/日期",
    "新生/在校生", "领款人签字", "发放时间", "联系电话",
])
def test_header_texts_are_header_words(text):
    assert is_header_word(text)


@pytest.mark.parametrize("value", [
    "张三", "李秀英", "欧阳明", "1000", "1,000.00", "¥1000", "2015-01-20", "2015年1月20日", "20150120",
    "110105194912310029", "合计", "小计", "总计", "低保户", "生活救助", "送温暖", "配偶", "妻子", "子女", "男", "在档",
    "海口市龙华区滨海大道88号", "2015年困难职工帮扶台账", "填报单位：海南省总工会", "制表人：王五", "",
    1000, 1000.5, 110105194912310029, datetime(2015, 1, 20), date(2015, 1, 20), None, True,
])
def test_data_texts_and_values_are_not_header_words(value):
    assert not is_header_word(value)


def test_header_words_are_cheap_enough_for_thirty_rows_of_forty_cells_in_every_sheet():
    # 10 sheets × 30 rows × 40 cells, all different (the cache does not help): well below the 5 s dry run
    cells = [f"张{s}李{r}王{k}" if k % 3 else f"某某路{s}/{r}/{k}号" for s in range(10) for r in range(30)
             for k in range(40)]
    cols._is_header_text.cache_clear()
    cols._target.cache_clear()
    start = time.perf_counter()
    assert not any(is_header_word(c) for c in cells)
    assert time.perf_counter() - start < 0.5  # about 0.05 s here (a 10-million-step loop: 0.7 s)


# ---- the word file ------------------------------------------------------------------------------------------------

def test_the_word_file_says_in_chinese_what_each_list_is_and_gives_each_spelling_one_meaning():
    with open(resource("codes", "ledger_words.json"), encoding="utf-8") as f:
        data = json.load(f)
    for key in ("fields", "member_columns", "groups", "not_imported"):
        assert CHINESE.search(data[key]["_comment"]), key
    meaning: dict[str, str] = {}
    for name, spellings in data["fields"].items():
        if name == "_comment":
            continue
        assert name in cols.FIELDS
        for s in spellings:
            key = cols._clean(s)
            assert meaning.setdefault(key, name) == name, f"{s} 既是 {meaning[key]} 又是 {name}"
            assert key not in cols.FIELDS or key == name, s
    for attribute in data["member_columns"]["attributes"]:
        assert attribute in cols.MEMBER_ATTRIBUTES
    for kind in ("aid", "student"):
        assert set(data["groups"][kind]["subs"].values()) <= set(cols.FIELDS)


# ---- dates as books write them (validate.parse_date) ----------------------------------------------------------

@pytest.mark.parametrize("value", [
    "2015-01-20", "2015/1/20", "2015.1.20", "2015年1月20日", "20150120", "２０１５０１２０", " 20150120 ",
    20150120, 20150120.0, datetime(2015, 1, 20), date(2015, 1, 20),
])
def test_a_date_in_each_spelling_a_ledger_uses_is_read(value):
    assert parse_date(value) == "2015-01-20"


@pytest.mark.parametrize("value, message", [
    ("20151320", "日期不存在"), (20150230, "日期不存在"), ("12345678", "不是日期"), (18991231, "不是日期"),
    (21010101, "不是日期"), (20150120.5, "不是日期"), ("2015012", "不是日期"), (True, "不是日期"),
    (float("nan"), "不是日期"), (float("inf"), "不是日期"),
])
def test_eight_digits_that_are_no_date_between_1900_and_2100_are_refused(value, message):
    with pytest.raises(CellError) as err:
        parse_date(value)
    assert message in err.value.message
    if message == "不是日期":
        assert "20150302" in err.value.message  # the message names the spelling too


def test_the_date_spellings_read_from_a_real_workbook(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "发放表"
    values = ["2015-01-20", "2015/1/20", "2015.1.20", "2015年1月20日", "20150120", 20150120, 20150120.0,
              datetime(2015, 1, 20)]
    ws.append(["发放日期"])
    for v in values:
        ws.append([v])
    wb.save(tmp_path / "book.xlsx")
    with read_workbook(tmp_path / "book.xlsx") as book:
        (_name, _start, load), = book.sheets
        rows = load()
    assert [parse_date(row[0]) for row in rows[1:]] == ["2015-01-20"] * len(values)


# ---- the test books (tests/exchange/ledger_books.py), read as the import reads them -----------------------------

def _books():
    """tests/exchange/ledger_books.py: the realistic books, with the field each column truly holds."""
    here = str(Path(__file__).resolve().parent.parent)
    if here not in sys.path:
        sys.path.insert(0, here)  # the books' builder sits in tests/exchange, beside the import's tests
    import ledger_books

    return ledger_books


def _mapped(path: Path) -> dict[str, tuple[list[str], cols.ColumnMap] | None]:
    out = {}
    with read_workbook(path) as book:
        for name, _start, load in book.sheets:
            found = layout.detect(name, load(), is_header_word=is_header_word)
            out[name] = None if found is None else (found.headers, map_columns(found.headers))
    return out


@pytest.mark.parametrize("build", ["city", "district", "enterprise", "roster_member_rows", "roster_member_columns",
                                   "mixed_book"])
def test_every_column_of_the_test_books_fills_the_field_it_truly_holds(build, tmp_path):
    books = _books()
    if build in books.PAYMENT_STYLES:
        book = books.payments_ledger(tmp_path / "book.xlsx", style=build, sheets=("1月", "2月"), rows_per_sheet=6)
    else:
        book = getattr(books, build)(tmp_path / "book.xlsx")
    kinds = {books.PAYMENTS: cols.PAYMENTS, books.ROSTER_ROWS: cols.ROSTER_ROWS,
             books.ROSTER_COLUMNS: cols.ROSTER_COLUMNS}
    mapped = _mapped(book.path)
    for truth in book.sheets:
        if truth.kind not in kinds:  # 说明, a chart, an empty sheet: no ledger
            assert mapped.get(truth.name) is None or mapped[truth.name][1].kind == cols.NONE, truth.name
            continue
        headers, m = mapped[truth.name]
        assert m.kind == kinds[truth.kind], truth.name
        assert not m.twins, truth.name
        block = next((s for s in m.members if s.rows), None)
        by_slot = {s.slot: s for s in m.members}
        for c in truth.columns:
            at = column_index_from_string(c.letter) - 1
            assert headers[at] == layout.header_text(c.header), (truth.name, c)
            if c.field in (None, "序号"):  # no data: left out (with or without a warning), never a field
                assert at not in m.fields.values() and at not in [i for s in m.members for i in s.columns.values()]
                continue
            sheet, name = c.field.split(".")
            if sheet == "家庭成员" and c.member:
                assert by_slot[c.member].columns[name] == at, (truth.name, c)
            elif sheet == "家庭成员":
                assert block is not None and block.columns[name] == at, (truth.name, c)
            else:
                assert m.fields[name] == at, (truth.name, c)
