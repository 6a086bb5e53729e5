"""Money helpers: 万元 are exact (never rounded), 元 text parses without float."""

from __future__ import annotations

from decimal import Decimal

import pytest

from aiddesk.core.errors import UserError
from aiddesk.core.money import format_wan, parse_yuan, to_fen


@pytest.mark.parametrize("yuan, wan", [
    ("4087729.45", "408.772945"), ("4230716.00", "423.0716"), ("240000", "24"), ("13200.00", "1.32"),
    ("0.01", "0.000001"), ("0", "0"), ("-485013.45", "-48.501345"), ("123456789012.34", "12345678.901234"),
])
def test_wan_is_exact_up_to_six_decimals(yuan, wan):
    assert format_wan(Decimal(yuan)) == wan


def test_yuan_text_to_fen_exactly():
    assert to_fen(parse_yuan("1,000.50")) == 100050
    assert to_fen(Decimal("0.1") + Decimal("0.2")) == 30  # what float would get wrong


# ---- what a typed or pasted amount may look like (issue 16, item 7) ----------------------------------------

@pytest.mark.parametrize("text, yuan", [
    ("1000", "1000"), ("1000.5", "1000.5"), ("1,000.00", "1000.00"), ("1,234.56", "1234.56"), ("12,345", "12345"),
    ("1,234,567.89", "1234567.89"), ("1，234", "1234"), ("１，２３４．５０", "1234.50"), ("１２３４", "1234"),
    ("¥1,000.00", "1000.00"), ("￥1,000.00", "1000.00"), ("￥ 500", "500"), ("1000元", "1000"), ("1,000.00 元", "1000.00"),
    ("  800  ", "800"), ("\u3000800\u3000", "800"), ("\ufeff800", "800"), ("-50", "-50"), ("-¥50", "-50"),
    ("¥-50", "-50"), ("+50", "50"), ("0.5", "0.5"), (".5", "0.5"), ("0", "0"), ("999,999.99", "999999.99"),
])
def test_amounts_as_people_write_them(text, yuan):
    assert parse_yuan(text) == Decimal(yuan)


@pytest.mark.parametrize("text", ["12,34", "1,00", "1.000,00", "100，50", "1,2345", "1234,567", ",100", "100,",
                                  "1,,000", "0,123", "1,000.000,00", "12,34.5", "1,23,456"])
def test_a_comma_is_only_a_thousands_separator_every_three_digits(text):
    with pytest.raises(UserError) as err:
        parse_yuan(text)
    assert f"金额“{text}”的写法不对：千分位逗号应每三位一个，如 1,234.56" == err.value.message


@pytest.mark.parametrize("text", ["1_000", "1e-2", "1E3", "1e+2", "0x10", "NaN", "Infinity", "inf", "12abc", "abc",
                                  "1 000", "1.2.3", "--5", "+-5", "-¥-5", "¥¥5", "5元元", "元", "¥", "1000 RMB",
                                  "\x00", "1\x00", "٣", "1/2", "1-2", "(100)", "五百"])
def test_underscores_exponents_letters_and_other_shapes_are_not_amounts(text):
    with pytest.raises(UserError) as err:
        parse_yuan(text)
    assert f"“{text}”" in err.value.message  # the message shows what was typed


def test_the_quantity_checks_still_hold():
    with pytest.raises(UserError, match="超过两位小数"):
        parse_yuan("1,000.005")
    with pytest.raises(UserError, match="太大"):
        parse_yuan("10,000,000,000")
    assert to_fen("1,000.50") == 100050
    with pytest.raises(UserError, match="千分位"):
        to_fen("12,34")


def test_a_comma_message_only_when_the_commas_are_what_is_wrong():
    with pytest.raises(UserError, match="不是金额"):
        parse_yuan("1,000abc")
    with pytest.raises(UserError, match="不是金额"):
        parse_yuan("1,000e3")


# ---- the exchange import reads a text amount by the same rule (numbers from Excel cells are not text) --------

@pytest.mark.parametrize("text", ["12,34", "1,00", "1.000,00", "100，50", "1_000", "1e-2", "1E3", "٣"])
def test_the_import_refuses_the_same_text_amounts(text):
    from aiddesk.exchange.validate import CellError, parse_money

    with pytest.raises(CellError) as err:
        parse_money(text)
    with pytest.raises(UserError) as form_err:
        parse_yuan(text)  # and the forms, alike
    if "," in text or "，" in text:  # the import's issue lists the value in a column of its own; this says why
        assert err.value.message == form_err.value.message == f"金额“{text}”的写法不对：千分位逗号应每三位一个，如 1,234.56"
    else:
        assert err.value.message == "不是金额，请填写数字，例如 1000 或 1000.50"


@pytest.mark.parametrize("cell, fen", [("1,234.56", 123456), ("12,345", 1234500), ("1，234", 123400),
                                       ("￥1,000.00", 100000), ("¥1,000.00", 100000), ("1000元", 100000),
                                       ("１，０００．５０", 100050), (1234.5, 123450), (1234, 123400), (1e3, 100000)])
def test_the_import_reads_what_the_forms_read(cell, fen):
    from aiddesk.exchange.validate import parse_money

    assert parse_money(cell) == fen
    if isinstance(cell, str):
        assert to_fen(parse_yuan(cell)) == fen


# ---- the household form, through its real widgets ------------------------------------------------------------

@pytest.mark.parametrize("typed", ["12,34", "100，50", "1_000"])
def test_the_household_form_refuses_a_misplaced_comma_and_shows_it(qtbot, db, actor, make_household, monkeypatch,
                                                                  typed):
    from aiddesk.db.units import all_units
    from aiddesk.services.archive import ArchiveService
    from aiddesk.ui import messages
    from aiddesk.ui.archive.household_form import HouseholdDialog

    monkeypatch.setattr(messages, "info", lambda *a, **k: None)  # a save's warnings would open a box
    form = HouseholdDialog(service=ArchiveService(db, actor), units=all_units(db.conn), household=make_household(1))
    qtbot.addWidget(form)
    form.fields["other_annual_income"].setText(typed)
    assert not form.try_save()
    assert f"“{typed}”" in form.errors["other_annual_income"].text()
    assert db.conn.execute("SELECT count(*) FROM households").fetchone()[0] == 0

    form.fields["other_annual_income"].setText("１，２００．００")  # a Chinese input method's full-width digits
    assert form.try_save(), form.summary.text()
    assert ArchiveService(db, actor).get(form.result_.household_id).other_annual_income == Decimal("1200.00")


@pytest.mark.parametrize("cell, error", [
    ("12,34", "金额“12,34”的写法不对：千分位逗号应每三位一个，如 1,234.56"),
    ("100，50", "金额“100，50”的写法不对：千分位逗号应每三位一个，如 1,234.56"),
    ("1e-2", "不是金额，请填写数字，例如 1000 或 1000.50"),
    ("1_000", "不是金额，请填写数字，例如 1000 或 1000.50"),
    ("12,345.60", None), ("￥1,234", None), (1234.5, None),
])
def test_an_exchange_import_reads_amounts_by_the_same_rule(db, actor, tmp_path, cell, error):
    from datetime import date

    from openpyxl import Workbook

    from aiddesk.core.idcard import make_id
    from aiddesk.services.exchange_import import ExchangeImportService

    wb = Workbook()
    wb.remove(wb.active)
    manifest = wb.create_sheet("说明")
    for row in (("项", "值"), ("格式版本", 1), ("单位代码", "460001"), ("单位名称", "省财贸工会"),
                ("上级单位代码", "460000"), ("年度", 2015)):
        manifest.append(row)
    sheet = wb.create_sheet("困难职工档案")
    sheet.append(["档案编号", "姓名", "身份证号", "困难类别", "档案状态", "建档日期", "家庭年总收入"])
    sheet.append(["CM2015001", "王芳", make_id("460100", date(1975, 3, 2), 31), "深度困难", "在档", date(2015, 3, 2),
                  cell])
    wb.save(tmp_path / "book.xlsx")
    report = ExchangeImportService(db, actor).import_file(tmp_path / "book.xlsx")
    if error is None:
        assert report.written, [e.as_dict() for e in report.errors]
        fen = db.conn.execute("SELECT annual_income_fen FROM households").fetchone()[0]
        assert fen == to_fen(parse_yuan(cell) if isinstance(cell, str) else Decimal(str(cell)))
    else:
        assert not report.written
        assert [e.as_dict() for e in report.errors] == [
            {"sheet": "困难职工档案", "row": 2, "column": "家庭年总收入", "value": cell, "message": error}]
