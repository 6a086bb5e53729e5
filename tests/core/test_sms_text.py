"""SMS templates, the carriers' count, and reading delivery-report words (aiddesk.core.sms)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from aiddesk.core.errors import UserError
from aiddesk.core.sms import (FAILED, PLACEHOLDERS, SENT, amount_text, check_template, date_text,
                              load_delivery_words, measure, render, sms_chars, sms_segments)

VALUES = {"姓名": "张三", "金额": "1000.00", "发放日期": "2026年12月8日", "发放方式": "会员服务卡",
          "单位": "海南省职工服务中心", "咨询电话": "0898-66123456"}


def test_every_placeholder_is_filled_in():
    text = render("【{单位}】{姓名}您好：{金额}元已于{发放日期}发放到您的{发放方式}，咨询{咨询电话}。", VALUES)
    assert text == ("【海南省职工服务中心】张三您好：1000.00元已于2026年12月8日发放到您的会员服务卡，"
                    "咨询0898-66123456。")
    assert set(PLACEHOLDERS) == set(VALUES)


def test_unknown_placeholders_are_refused_naming_each_once():
    with pytest.raises(UserError) as info:
        check_template("{姓名}您好，{名字}的{金额}元于{日期}到账，{名字}")
    message = str(info.value)
    assert "{名字}" in message and "{日期}" in message and message.count("{名字}") == 1
    assert "{咨询电话}" in message  # says which ones may be used
    assert info.value.field == "template"


@pytest.mark.parametrize("text", ["", "   \n ", None])
def test_an_empty_template_is_refused(text):
    with pytest.raises(UserError, match="不能为空"):
        check_template(text)


@pytest.mark.parametrize("text", ["{姓名您好", "姓名}您好", "{{姓名}}"])
def test_stray_braces_are_refused(text):
    with pytest.raises(UserError, match="不成对的花括号"):
        check_template(text)


def test_full_width_braces_and_windows_line_ends_are_made_plain():
    assert check_template("  ｛姓名｝您好\r\n请查收 ") == "{姓名}您好\n请查收"
    assert render("｛姓名｝您好", VALUES) == "张三您好"


@pytest.mark.parametrize(("chars", "segments"), [
    (0, 0), (1, 1), (70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4),
])
def test_segments_one_up_to_70_then_parts_of_67(chars, segments):
    assert sms_segments(chars) == segments


def test_chinese_ascii_and_line_breaks_count_one_each_an_emoji_two():
    assert sms_chars("张三ab1，。\n") == 8
    assert sms_chars("🙂") == 2  # outside the basic plane: two UCS-2 units, as the carriers bill it
    m = measure("帮" * 70)
    assert (m.chars, m.segments) == (70, 1)
    m = measure("帮" * 35 + "a" * 36)
    assert (m.chars, m.segments) == (71, 2)


def test_amount_and_date_as_a_text_message_writes_them():
    assert amount_text(Decimal("1000")) == "1000.00"
    assert amount_text(Decimal("1234567.5")) == "1234567.50"
    assert date_text(date(2026, 12, 8)) == "2026年12月8日"


@pytest.mark.parametrize(("status", "outcome", "known"), [
    ("成功", SENT, True), ("DELIVRD", SENT, True), ("delivrd", SENT, True), (" 0 ", SENT, True),
    ("已送达", SENT, True), ("发送成功", SENT, True),
    ("失败", FAILED, True), ("UNDELIV", FAILED, True), ("MK:0001", FAILED, True), ("空号", FAILED, True),
    ("失败：停机", FAILED, True),
    ("提交成功", None, True), ("", None, True),  # no receipt yet: nothing to say
    ("9", FAILED, False), ("网关异常XYZ", FAILED, False),  # unknown: failure, and the caller reports it
])
def test_delivery_words_classify_a_status(status, outcome, known):
    assert load_delivery_words().classify(status) == (outcome, known)


def test_headers_are_guessed_exact_names_first_each_used_once():
    words = load_delivery_words()
    assert words.guess(["序号", "接收号码", "回执状态", "失败原因", "发送时间"]) == {
        "phone": "接收号码", "status": "回执状态", "reason": "失败原因"}
    assert words.guess(["Mobile", "STATUS"]) == {"phone": "Mobile", "status": "STATUS"}
    # 状态 is exact for status; 状态说明 is then left for the reason
    assert words.guess(["手机号码(必填)", "状态说明", "状态"]) == {
        "phone": "手机号码(必填)", "status": "状态", "reason": "状态说明"}
    # a field already known from the remembered mapping keeps its column
    assert words.guess(["号码", "结果", "备注"], {"status": "备注"}) == {"status": "备注", "phone": "号码"}
