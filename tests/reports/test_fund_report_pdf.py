"""The printed 帮扶资金使用情况报告: each section's figures in 元 and 万元, the summary, sub-units, the font."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader
from seed_2015 import build_seed_2015

from aiddesk.core.batch import Batch
from aiddesk.core.fund_ledger import FundEntry
from aiddesk.core.fund_report import FundReport, Spending, SubunitFigures
from aiddesk.db.audit import Actor
from aiddesk.db.funds import Plan, Usage
from aiddesk.db.household_list import HouseholdFilter
from aiddesk.reports import fund_report_sections as fs
from aiddesk.reports.fund_report_pdf import write_fund_report_pdf
from aiddesk.services.archive import ArchiveService
from aiddesk.services.batches import BatchService
from aiddesk.services.fund_report import fund_report
from aiddesk.services.fund_report_output import print_fund_report
from aiddesk.services.funds import FundService
from aiddesk.services.payments import PaymentService
from workflow_steps import approve_batch

CLERK = Actor("jingban", "界面", ("经办人",))
REVIEWER = Actor("shenhe", "界面", ("审核人",))
APPROVER = Actor("shenpi", "界面", ("审批人",))
SECTIONS = ("一、资金预算与到位", "二、资金收入", "三、资金支出（本级）", "四、资金结余", "五、下级单位资金使用情况",
            "六、总体情况（本级和下级单位）", "七、计划完成情况")


def pages(path) -> list[str]:
    # Text extraction splits wrapped cells over lines; compare without whitespace.
    return [re.sub(r"\s+", "", page.extract_text()) for page in PdfReader(path).pages]


def pay_song_nuan(db, unit_code: str, households_of: str, source: str) -> None:
    """A 1000元 送温暖 batch of ``unit_code`` for the households of ``households_of``, approved and paid."""
    clerk = BatchService(db, CLERK)
    batch_id = clerk.save_draft(Batch(
        notice_phone="0898-66123456", name=f"2026年{unit_code}送温暖", activity="送温暖", year=2026,
        unit_code=unit_code, fund_sources=[source], standard=Decimal("1000.00"), plan_text="每户慰问1000元",
        plan_approval_kind="主席办公会", plan_approved_by="主席办公会", plan_approved_on=date(2026, 11, 20)))
    clerk.add_from_filter(batch_id, HouseholdFilter(statuses=(), unit_codes=(households_of,)))
    approve_batch(db, batch_id, clerk=clerk.actor, reviewer=REVIEWER, approver=APPROVER,
                  noticed=date(2026, 11, 26), ended=date(2026, 12, 3), approved=date(2026, 12, 4))
    db.clock.set(date(2026, 12, 8))
    PaymentService(db, CLERK).mark_paid(batch_id, paid_on=date(2026, 12, 8))


@pytest.fixture
def year_2026(db, actor, receive, make_household):
    """A year with every kind of figure: carry-over, receipts, a transfer out, direct and passed allocations,
    the centre's paid aid, one sub-unit counted from its own records and one from its reported totals, plans."""
    funds = FundService(db, actor)

    def entry(on: date, source: str, kind: str, amount: str, to: str | None = None) -> None:
        funds.add_entry(FundEntry(unit_code="460000", entry_date=on, fund_source=source, kind=kind,
                                  amount=Decimal(amount), counterpart_code=to))

    entry(date(2026, 1, 1), "省总工会经费", "上年结转", "12345.67")
    receive(db, 2026, "省总工会经费", "1000000.00")
    entry(date(2026, 2, 1), "中央财政", "到账", "150000.50")
    entry(date(2026, 2, 2), "中央财政", "调出", "10000.00")
    entry(date(2026, 2, 3), "省总工会经费", "直拨下级", "30000.00", "460001")
    entry(date(2026, 2, 4), "省总工会经费", "下拨下级", "20000.00", "460002")
    funds.set_budgets(2026, {"省总工会经费": Decimal("1000000"), "中央财政": Decimal("200000")})
    funds.set_plans(2026, [Plan("生活救助", 10, Decimal("20000")), Plan("医疗救助", 4, None)])
    archive = ArchiveService(db, actor)
    for seq, (name, unit) in enumerate([("张三", "460000"), ("李梅", "460000"), ("王五", "460000"),
                                        ("陈芳", "460001"), ("吴强", "460001")], start=1):
        archive.save(make_household(seq, name=name, unit_code=unit))
    pay_song_nuan(db, "460000", "460000", "省总工会经费")
    pay_song_nuan(db, "460001", "460001", "省总工会经费")
    funds.set_usage(Usage("460002", 2026, "省总工会经费", "生活救助", Decimal("8000"), 8))
    funds.set_usage(Usage("460002", 2026, "省总工会经费", "医疗救助", Decimal("5000"), 2))
    # 460001's own records are here: what it reported is not counted on top of them.
    funds.set_usage(Usage("460001", 2026, "省总工会经费", "生活救助", Decimal("9999"), 99))
    return fund_report(db, 2026)


def test_every_section_with_its_figures_in_yuan_and_wan(year_2026, tmp_path):
    out = tmp_path / "资金报告.pdf"
    write_fund_report_pdf(year_2026, out, today=date(2027, 1, 15))
    text = "".join(pages(out))
    assert text.startswith("海南省职工服务中心2026年帮扶资金使用情况报告")
    assert "编制日期：2027年1月15日" in text
    positions = [text.index(title) for title in ("情况概述", *SECTIONS)]
    assert positions == sorted(positions)
    # 一: budget 1,200,000; arrived 1,000,000 + 150,000.50 − 10,000 + 30,000 direct = 1,170,000.50 → 97.50%
    assert "中央财政200,000.0020140,000.5014.0000570.00%" in text
    assert "省总工会经费1,000,000.001001,030,000.00103103.00%" in text
    assert "合计1,200,000.001201,170,000.50117.0000597.50%" in text
    # 二: income = 12,345.67 + 1,000,000 + 150,000.50 − 10,000
    assert "合计12,345.671,150,000.5010,000.001,152,346.17115.234617" in text
    assert "省总工会经费30,000.003" in text  # 直拨下级
    # 三: the centre paid 3 × 1000 from 省总工会经费
    assert "省总工会经费生活救助3,000.000.33" in text
    # 四: 结余 by source and 结转下年
    assert "省总工会经费1,012,345.673,000.0020,000.00989,345.6798.934567" in text
    assert "合计1,152,346.173,000.0020,000.001,129,346.17112.934617" in text
    assert "结转下年：截止2026年12月31日结余1,129,346.17元（112.934617万元），结转2027年" in text
    # 五: 省财贸工会 by its own records (2 × 1000, not the 9,999 it reported), 省旅游工会 by its report
    assert "1省财贸工会30,000.00生活救助2,000.000.2228,000.00按帮扶明细" in text
    assert "2省旅游工会20,000.00生活救助8,000.000.88" in text and "7,000.00按报送数" in text
    assert "9,999" not in text
    assert "合计50,000.00生活救助10,000.00110" in text and "合计15,000.001.512" in text
    # 六: overall = own + sub-units
    assert "生活救助3,000.00310,000.00101" in text and "合计3,000.00315,000.001218,000.001.815" in text
    # 七: 生活救助 planned 10 / 20,000, reached 13 / 13,000; 医疗救助 planned 4 without an amount
    assert "生活救助10313130.00%20,000.003,000.0013,000.0065.00%" in text
    assert "医疗救助40250.00%—0.005,000.00—" in text


def test_the_summary_paragraph_states_the_reports_figures(year_2026, tmp_path):
    paragraphs = fs.summary_paragraphs(year_2026)
    assert paragraphs[0] == ("2026年海南省职工服务中心帮扶资金预算120万元，实际到位117.00005万元"
                             "（含直接划拨给下级单位的3万元），资金到位率97.50%。")
    assert paragraphs[1] == (
        "2026年，海南省职工服务中心帮扶专项资金收入合计115.234617万元（含上年结转1.234567万元），"
        "其中：中央财政14.00005万元；省总工会经费101.234567万元。支出合计0.3万元，总救助3人次。"
        "其中：省总工会经费0.3万元，全部用于生活救助，帮扶3人次。下拨下级单位2万元。"
        "截止2026年12月31日海南省职工服务中心剩余112.934617万元，用于2027年困难职工帮扶救助。")
    assert paragraphs[2].startswith("2026年下级单位共获拨付5万元（直接划拨3万元、下拨2万元），涉及2个下级单位")
    assert "（1）省财贸工会，共3万元，其中生活救助0.2万元，帮扶2人次，剩余2.8万元" in paragraphs[2]
    assert paragraphs[2].endswith("下级单位合计使用1.5万元，帮扶12人次，截止2026年12月31日剩余3.5万元。")
    assert paragraphs[3] == ("2026年本级和下级单位共使用帮扶资金1.8万元，累计帮扶困难职工15人次，"
                             "其中生活救助1.3万元，帮扶13人次；医疗救助0.5万元，帮扶2人次。")
    assert paragraphs[4] == "按照年度帮扶工作计划，计划帮扶14人次，实际帮扶15人次（含下级单位），完成计划的107.14%。"
    out = tmp_path / "r.pdf"
    write_fund_report_pdf(year_2026, out, today=date(2027, 1, 15))
    text = "".join(pages(out))
    for p in paragraphs:
        assert p in text


def test_the_seed_year_prints_the_seeds_figures(db, actor, make_household, tmp_path):
    people = [ArchiveService(db, actor).save(make_household(i, name=n)).household_id
              for i, n in enumerate(["张三", "李梅", "王海", "陈芳"], start=1)]
    build_seed_2015(db, actor, people)
    out = tmp_path / "2015.pdf"
    report = print_fund_report(db, 2015, out)
    assert report.year == 2015
    text = "".join(pages(out))
    paragraph = fs.summary_paragraphs(report)[1]
    assert paragraph.startswith("2015年，海南省职工服务中心帮扶专项资金收入合计423.0716万元，其中："
                                "中央财政108.6716万元；省财政129.6万元；省总工会经费184.8万元。"
                                "支出合计408.772945万元，总救助2059人次。")
    assert "中央财政108.6716万元，救助760人次。其中生活救助58.2016万元，帮扶631人次；" in paragraph
    assert paragraph.endswith("剩余14.298655万元，用于2016年困难职工帮扶救助。")
    for figure in ("423.0716", "408.772945", "14.298655", "2059", "4,087,729.45", "142,986.55", "447.0716",
                   "100.00%", "170.501345", "57.701345", "431.452945", "2443"):
        assert figure in text, figure
    for name in ("省财贸工会", "省旅游工会", "省工交医药工会", "省驻琼工会", "省科文卫体工会"):
        assert name in text
    assert "5省科文卫体工会15,000.00生活救助1,800.000.18513,200.00按报送数" in text


def test_the_chinese_font_is_embedded_and_no_other(year_2026, tmp_path):
    out = tmp_path / "r.pdf"
    write_fund_report_pdf(year_2026, out, today=date(2027, 1, 15))
    fonts = set()
    for page in PdfReader(out).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            descriptor = (descendants[0].get_object() if descendants else font).get("/FontDescriptor")
            assert descriptor is not None and "/FontFile2" in descriptor.get_object(), font["/BaseFont"]
            fonts.add(str(font["/BaseFont"]))
    assert fonts and all(re.fullmatch(r"/[A-Z]{6}\+WenQuanYiMicroHei-\d+", f) for f in fonts), fonts
    assert PdfReader(out).metadata.title == "海南省职工服务中心2026年帮扶资金使用情况报告"


def _many_subunits(n: int, *, amount: Decimal = Decimal("1234.56")) -> FundReport:
    subunits = []
    for i in range(n):
        spent = Spending()
        spent.add("省总工会经费", "生活救助", amount, 3)
        if i % 2:
            spent.add("省总工会经费", "医疗救助", Decimal("500.00"), 1)
        subunits.append(SubunitFigures(f"46{i:04d}", f"海南某某集团有限公司第{i + 1}分公司工会委员会",
                                       {"省总工会经费": Decimal("9000.00")}, spent, from_records=i % 3 == 0))
    return FundReport(year=2026, unit_code="460000", unit_name="海南省职工服务中心", sources=["省总工会经费"],
                      categories=["生活救助", "医疗救助", "助学救助"], budget_by_source={},
                      ledger={("直拨下级", "省总工会经费"): Decimal("9000.00") * n}, spending=Spending(),
                      subunits=subunits)


def test_a_long_list_of_subunits_runs_over_pages_with_its_header_on_each(tmp_path):
    report = _many_subunits(60)
    out = tmp_path / "long.pdf"
    write_fund_report_pdf(report, out, today=date(2027, 1, 15))
    texts = pages(out)
    with_units = [t for t in texts if re.search(r"\d+海南某某集团有限公司第\d+分公司工会委员会9,000.00", t)]
    assert len(with_units) >= 3
    header = "序号下级单位拨付资金（元）救助类别使用金额（元）使用（万元）人次结余（元）统计依据"
    assert all(header in t for t in with_units)
    joined = "".join(texts)
    for i in range(60):
        assert f"第{i + 1}分公司工会委员会" in joined
    # A unit's rows never split between pages: each page starts a unit with its number and name.
    for t in with_units:
        first = t.index(header) + len(header)
        assert re.match(r"\d+海南某某集团", t[first:]), t[first:first + 30]
    assert "未录入预算" in joined  # no budget: no arrival rate


def test_a_very_large_amount_shrinks_its_table_rather_than_breaking_the_figure(tmp_path):
    report = _many_subunits(2, amount=Decimal("9876543210.98"))
    report.spending.add("省总工会经费", "助学救助", Decimal("98765432109.87"), 12345)
    out = tmp_path / "big.pdf"
    write_fund_report_pdf(report, out, today=date(2027, 1, 15))
    text = "".join(pages(out))
    assert "98,765,432,109.87" in text and "9,876,543,210.98" in text and "9876543.210987" in text


def test_an_empty_year_still_prints_every_section_and_says_what_is_missing(db, tmp_path):
    out = tmp_path / "empty.pdf"
    print_fund_report(db, 2031, out)
    text = "".join(pages(out))
    for title in SECTIONS:
        assert title in text
    assert "本年度没有预算，也没有到位资金。" in text and "本年度本级没有发放帮扶资金。" in text
    assert "本年度未录入预算，无法计算到位率。" in text


def test_an_old_file_survives_a_failed_write(year_2026, tmp_path, monkeypatch):
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "r.pdf"
    out.write_bytes(b"old")
    from aiddesk.reports import fund_report_pdf

    def boom(*args, **kwargs):
        raise RuntimeError("disk gone")

    monkeypatch.setattr(fund_report_pdf, "draw_footer", boom)  # fails while the document is being written
    with pytest.raises(RuntimeError):
        write_fund_report_pdf(year_2026, out, today=date(2027, 1, 15))
    assert out.read_bytes() == b"old" and [p.name for p in folder.iterdir()] == ["r.pdf"]
