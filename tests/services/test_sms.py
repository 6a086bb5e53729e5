"""SMS notices of a paid batch: templates, the platform list (xlsx/csv), senders, delivery reports, figures."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from aiddesk.core.batch import Batch
from aiddesk.core.errors import UserError
from aiddesk.db.audit import Actor
from aiddesk.db.household_list import HouseholdFilter
from aiddesk.services.archive import ArchiveService
from aiddesk.services.batches import BatchService
from aiddesk.services.payments import PaymentService
from aiddesk.services.sms import (LIST_HEADERS, LIST_SHEET, NO_MOBILE_SHEET, REPORT_KIND, FileExportSender,
                                  SendResult, SmsService, no_mobile_path)
from workflow_steps import approve_batch

CLERK = Actor("jingban", "界面", ("经办人",))
REVIEWER = Actor("shenhe", "界面", ("审核人",))
APPROVER = Actor("shenpi", "界面", ("审批人",))
ALL = HouseholdFilter(statuses=())
PAID_ON = date(2026, 12, 8)
OFFICE = "海南省职工服务中心"

# name → phone on the archive; 赵六 has none, 王五 a landline, 孙七 an old record's broken number.
PEOPLE = {"张三": "13812345678", "李梅": "139 1234 5678", "王五": "0898-66123456", "赵六": "", "钱八": "13712345678",
          "孙七": "1381234"}


def song_nuan(activity: str = "送温暖") -> Batch:
    return Batch(notice_phone="0898-66120000", name="2026年两节送温暖", activity=activity, year=2026,
                 unit_code="460000", fund_sources=["省总工会经费"], standard=Decimal("1000.00"),
                 plan_text="两节前对在档困难职工每户慰问1000元", plan_approval_kind="主席办公会",
                 plan_approved_by="主席办公会（2026年第12次）", plan_approved_on=date(2026, 11, 20))


@pytest.fixture
def households(db, actor, make_household):
    service = ArchiveService(db, actor)
    ids = {}
    for i, (name, phone) in enumerate(PEOPLE.items(), 1):
        ids[name] = service.save(make_household(i, name=name, phone="" if phone == "1381234" else phone)).household_id
    # An archive imported from an old ledger keeps the number as it was typed there.
    with db.transaction() as conn:
        conn.execute("UPDATE households SET phone = '1381234' WHERE id = ?", (ids["孙七"],))
    return ids


def approved_batch(db) -> int:
    clerk = BatchService(db, CLERK)
    batch_id = clerk.save_draft(song_nuan())
    clerk.add_from_filter(batch_id, ALL)
    approve_batch(db, batch_id, clerk=clerk.actor, reviewer=REVIEWER, approver=APPROVER,
                  noticed=date(2026, 11, 26), ended=date(2026, 12, 3), approved=date(2026, 12, 4))
    return batch_id


@pytest.fixture
def approved(db, households, receive) -> int:
    receive(db, 2026, "省总工会经费")
    return approved_batch(db)


@pytest.fixture
def paid(db, approved) -> int:
    db.clock.set(PAID_ON)
    PaymentService(db, CLERK).mark_paid(approved, paid_on=PAID_ON)
    return approved


@pytest.fixture
def sms(db) -> SmsService:
    return SmsService(db, CLERK)


def statuses(db, batch_id) -> dict[str, tuple[str, str]]:
    return {r["recipient_name"]: (r["sms_status"], r["sms_error"]) for r in db.conn.execute(
        "SELECT recipient_name, sms_status, sms_error FROM aid_records WHERE batch_id = ?", (batch_id,))}


def audit(db, action: str) -> list[dict]:
    return [json.loads(r[0]) for r in db.conn.execute(
        "SELECT new_values FROM audit_log WHERE action = ? ORDER BY id", (action,))]


def write_xlsx(path, rows: list[list]) -> None:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    wb.save(path)


# ---- templates ---------------------------------------------------------------------------------

def test_the_default_template_until_the_office_saves_its_own_and_back_on_reset(db, sms):
    default = sms.template("送温暖")
    assert default.startswith("【{单位}】{姓名}：送温暖") and not sms.is_custom("送温暖")
    sms.save_template("送温暖", "【{单位}】{姓名}：慰问金{金额}元已到账。")
    assert sms.template("送温暖") == "【{单位}】{姓名}：慰问金{金额}元已到账。" and sms.is_custom("送温暖")
    assert sms.template("金秋助学").startswith("【{单位}】{姓名}：金秋助学金")  # other activities untouched
    sms.reset_template("送温暖")
    assert sms.template("送温暖") == default and not sms.is_custom("送温暖")
    actions = [r[0] for r in db.conn.execute(
        "SELECT action FROM audit_log WHERE table_name = 'sms_templates' ORDER BY id")]
    assert actions == ["insert", "delete"]


def test_saving_the_default_text_keeps_no_copy_of_it(sms):
    sms.save_template("送温暖", "  " + sms.default_template("送温暖") + "\n")
    assert not sms.is_custom("送温暖")


def test_a_template_with_an_unknown_placeholder_is_not_saved(db, sms):
    with pytest.raises(UserError, match=r"\{身份证号\}"):
        sms.save_template("送温暖", "{姓名}（{身份证号}）您好")
    with pytest.raises(UserError, match="不能为空"):
        sms.save_template("送温暖", "  ")
    with pytest.raises(UserError, match="活动类型"):
        sms.save_template("春节慰问", "{姓名}您好")
    assert not sms.is_custom("送温暖")


def test_an_approver_may_read_templates_but_not_change_them(db):
    sms = SmsService(db, APPROVER)
    assert not sms.may_write and sms.template("送温暖")
    with pytest.raises(UserError, match="权限"):
        sms.save_template("送温暖", "{姓名}您好")


def test_preview_uses_the_first_recipient_of_a_batch(sms, paid):
    text, chars, segments = sms.preview(paid, "【{单位}】{姓名}，{金额}元于{发放日期}发到{发放方式}，询{咨询电话}")
    assert text == f"【{OFFICE}】张三，1000.00元于2026年12月8日发到会员服务卡，询0898-66120000"
    assert (chars, segments) == (len(text), 1)
    long = sms.preview(paid, "{姓名}" + "请" * 69)
    assert (long.chars, long.segments) == (71, 2)


def test_preview_of_an_activity_uses_a_sample_person(sms):
    p = sms.preview("金秋助学", "{单位}{姓名}{金额}{发放方式}")
    assert p.message == f"{OFFICE}王晓梅1000.00会员服务卡"
    with pytest.raises(UserError, match=r"\{学校\}"):
        sms.preview("金秋助学", "{学校}")


# ---- the list --------------------------------------------------------------------------------

def test_only_a_paid_batch_has_an_sms_list(sms, approved):
    with pytest.raises(UserError, match="已发放"):
        sms.messages(approved)


def test_messages_go_to_valid_mobiles_the_others_are_listed_apart(sms, paid):
    sms_list = sms.messages(paid)
    assert [(m.name, m.phone) for m in sms_list.rows] == [("张三", "13812345678"), ("李梅", "13912345678"),
                                                           ("钱八", "13712345678")]
    first = sms_list.rows[0]
    assert first.text == f"【{OFFICE}】张三：送温暖慰问金1000.00元已于2026年12月8日发放，请查收。咨询0898-66120000"
    # The default templates fit one SMS for an office name of this length: each person costs one.
    assert (first.chars, first.segments) == (len(first.text), 1)
    assert sms_list.segments == 3
    others = {p.name: (p.on_file, p.why) for p in sms_list.no_mobile}
    assert set(others) == {"王五", "赵六", "孙七"}
    assert others["王五"][0] == "0898-66123456" and "座机" in others["王五"][1]
    assert others["赵六"] == ("", others["赵六"][1]) and "没有登记" in others["赵六"][1]
    assert others["孙七"][0] == "1381234" and "不是有效的手机号码" in others["孙七"][1]


def test_the_office_template_is_what_goes_out(sms, paid):
    sms.save_template("送温暖", "{姓名}：{金额}元已发放。{单位}")
    assert sms.messages(paid).rows[1].text == f"李梅：1000.00元已发放。{OFFICE}"


def test_export_xlsx_phone_as_text_and_a_sheet_of_those_without_a_mobile(db, sms, paid, tmp_path):
    out = tmp_path / "短信名单.xlsx"
    result = sms.export(paid, out)
    assert (result.rows, result.no_mobile, result.files) == (3, 3, (out,))
    wb = load_workbook(out)
    assert wb.sheetnames == [LIST_SHEET, NO_MOBILE_SHEET]
    ws = wb[LIST_SHEET]
    assert tuple(c.value for c in ws[1]) == LIST_HEADERS
    rows = [tuple(c.value for c in row) for row in ws.iter_rows(min_row=2)]
    assert [r[:3] for r in rows] == [(1, "张三", "13812345678"), (2, "李梅", "13912345678"), (3, "钱八", "13712345678")]
    assert all(ws.cell(r, 3).data_type == "s" for r in range(2, 5))
    assert rows[0][3].startswith(f"【{OFFICE}】张三：") and rows[0][4:] == (len(rows[0][3]), 1)
    others = [tuple(c.value for c in row) for row in wb[NO_MOBILE_SHEET].iter_rows(min_row=2)]
    assert [(r[1], r[3]) for r in others] == [("王五", "0898-66123456"), ("赵六", None), ("孙七", "1381234")]
    # exporting is not sending, and who took the phone numbers out is on record
    assert {s for s, _ in statuses(db, paid).values()} == {"未发送"}
    exported = audit(db, "export")[-1]
    assert exported["kind"] == "短信名单" and exported["messages"] == 3 and exported["files"] == [str(out)]


def test_export_csv_is_utf8_with_bom_and_the_others_go_to_a_file_beside_it(sms, paid, tmp_path):
    out = tmp_path / "短信名单.csv"
    result = sms.export(paid, out)
    other = no_mobile_path(out)
    assert result.files == (out, other) and other.name == "短信名单-无有效手机号.csv"
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == list(LIST_HEADERS)
    assert [r[1:3] for r in rows[1:]] == [["张三", "13812345678"], ["李梅", "13912345678"], ["钱八", "13712345678"]]
    assert rows[1][3].startswith(f"【{OFFICE}】张三") and rows[1][4:] == [str(len(rows[1][3])), "1"]
    assert other.read_bytes().startswith(b"\xef\xbb\xbf")
    assert [r[1] for r in csv.reader(io.StringIO(other.read_text(encoding="utf-8-sig")))][1:] == ["王五", "赵六", "孙七"]


def test_export_refuses_another_format_and_a_user_without_the_right(db, paid, tmp_path):
    with pytest.raises(UserError, match=r"\.xlsx"):
        SmsService(db, CLERK).export(paid, tmp_path / "名单.txt")
    with pytest.raises(UserError, match="权限"):
        SmsService(db, APPROVER).export(paid, tmp_path / "名单.xlsx")
    assert sorted(p.suffix for p in tmp_path.iterdir() if not p.name.startswith("office")) == []


# ---- delivery reports -----------------------------------------------------------------------------

def gbk_report(tmp_path, rows: list[list[str]], name: str = "回执.csv"):
    path = tmp_path / name
    text = "\r\n".join(",".join(r) for r in [["序号", "接收号码", "回执状态", "失败原因", "发送时间"], *rows])
    path.write_bytes(text.encode("gbk"))
    return path


def test_a_gbk_csv_report_sets_statuses_and_reports_a_stranger_by_row(db, sms, paid, tmp_path):
    path = gbk_report(tmp_path, [
        ["1", "13812345678", "DELIVRD", "", "2026-12-09 10:00"],
        ["2", "+86 139-1234-5678", "失败", "空号", "2026-12-09 10:00"],
        ["3", "13600000000", "成功", "", "2026-12-09 10:00"],
        ["4", "13712345678", "提交成功", "", "2026-12-09 10:00"],
    ])
    report = sms.read_report(path)
    assert report.headers == ("序号", "接收号码", "回执状态", "失败原因", "发送时间")
    mapping = sms.guess_mapping(report.headers)
    assert mapping == {"phone": "接收号码", "status": "回执状态", "reason": "失败原因"}
    result = sms.apply_report(paid, report, mapping)
    assert (result.rows, result.matched, result.sent, result.failed, result.pending, result.changed) == (4, 3, 1, 1, 1, 2)
    assert result.unmatched == ((4, "13600000000"),)
    assert any(w.startswith("第4行") and "13600000000" in w for w in result.warnings)
    assert any("第5行" in w and "提交成功" in w for w in result.warnings)
    st = statuses(db, paid)
    assert st["张三"] == ("已发送", "") and st["李梅"] == ("发送失败", "空号") and st["钱八"] == ("未发送", "")
    assert [(f.name, f.phone, f.error) for f in sms.failures(batch_id=paid)] == [("李梅", "13912345678", "空号")]
    assert [f.name for f in sms.failures(year=2026)] == ["李梅"] and sms.failures(year=2025) == []
    assert sms.coverage(paid) == (1, 6)
    assert "对应本批次 3 人" in result.summary()
    imported = audit(db, "import")[-1]
    assert imported["file"] == "回执.csv" and imported["changed"] == 2


def test_a_second_report_with_unusual_headers_under_a_title_uses_the_remembered_mapping(db, sms, paid, tmp_path):
    title = ["短信投递明细", None, None, None, None]
    headers = ["客户手机", "投递结果", "说明文字", "通道", "计费条数"]
    first = tmp_path / "投递明细1.xlsx"
    write_xlsx(first, [title, ["导出时间：2026-12-09"], headers,
                       [13812345678, "投递成功", None, "移动", 2], [None, None, None, None, None],
                       ["13912345678", "UNDELIV", "用户停机", "联通", 2]])
    report = sms.read_report(first)
    # nothing known yet: the header row is the first with two filled cells
    assert (report.header_row, report.headers) == (3, tuple(headers))
    assert [r.number for r in report.rows] == [4, 6]
    assert sms.guess_mapping(report.headers) == {"status": "投递结果"}  # holds 结果; 客户手机 is no usual name
    mapping = {"phone": "客户手机", "status": "投递结果", "reason": "说明文字"}
    result = sms.apply_report(paid, report, mapping)
    assert result.unknown_words == ("投递成功",)  # not in the word list: a failure, and said so
    assert any("投递成功" in w and "发送失败" in w for w in result.warnings)
    assert dict(db.conn.execute("SELECT header, field FROM column_mappings WHERE kind = ?", (REPORT_KIND,)).fetchall()) \
        == {"客户手机": "phone", "投递结果": "status", "说明文字": "reason"}

    second = tmp_path / "投递明细2.xlsx"
    write_xlsx(second, [["说明：重发", "共1条"], headers, ["13812345678", "DELIVRD", "", "移动", 2],
                        ["13912345678", "DELIVRD", "", "联通", 2]])
    report = sms.read_report(second)
    assert report.header_row == 2  # a remembered header finds the row under a two-cell note
    assert sms.guess_mapping(report.headers) == mapping
    result = sms.apply_report(paid, report, sms.guess_mapping(report.headers))
    st = statuses(db, paid)
    assert st["张三"] == ("已发送", "") and st["李梅"] == ("已发送", "")
    assert result.changed == 2 and sms.failures(batch_id=paid) == []


def test_a_missing_mapped_column_changes_nothing(db, sms, paid, tmp_path):
    report = sms.read_report(gbk_report(tmp_path, [["1", "13812345678", "DELIVRD", "", ""]]))
    with pytest.raises(UserError, match="回执状态X"):
        sms.apply_report(paid, report, {"phone": "接收号码", "status": "回执状态X"})
    with pytest.raises(UserError, match="发送状态"):
        sms.apply_report(paid, report, {"phone": "接收号码"})
    with pytest.raises(UserError, match="两个字段"):
        sms.apply_report(paid, report, {"phone": "接收号码", "status": "接收号码"})
    assert {s for s, _ in statuses(db, paid).values()} == {"未发送"}
    assert db.conn.execute("SELECT count(*) FROM column_mappings").fetchone()[0] == 0
    assert audit(db, "import") == []


def test_a_report_of_another_batch_is_refused_whole(db, sms, paid, tmp_path):
    report = sms.read_report(gbk_report(tmp_path, [["1", "13600000000", "DELIVRD", "", ""],
                                                    ["2", "13600000001", "失败", "", ""]]))
    with pytest.raises(UserError, match="一个也对不上"):
        sms.apply_report(paid, report, sms.guess_mapping(report.headers))
    assert db.conn.execute("SELECT count(*) FROM column_mappings").fetchone()[0] == 0


def test_a_delivered_line_stays_delivered_and_a_resend_that_got_through_wins(db, sms, paid, tmp_path):
    report = sms.read_report(gbk_report(tmp_path, [["1", "13812345678", "DELIVRD", "", ""],
                                                    ["2", "13912345678", "失败", "关机", ""],
                                                    ["3", "13912345678", "成功", "", ""]]))
    sms.apply_report(paid, report, sms.guess_mapping(report.headers))
    assert statuses(db, paid)["李梅"] == ("已发送", "")
    late = sms.read_report(gbk_report(tmp_path, [["1", "13812345678", "失败", "超时", ""]], name="旧回执.csv"))
    result = sms.apply_report(paid, late, sms.guess_mapping(late.headers))
    assert statuses(db, paid)["张三"] == ("已发送", "") and result.changed == 0
    assert any("张三" in w and "仍记为已发送" in w for w in result.warnings)


def test_importing_the_same_report_again_changes_nothing(db, sms, paid, tmp_path):
    path = gbk_report(tmp_path, [["1", "13812345678", "DELIVRD", "", ""], ["2", "13912345678", "失败", "空号", ""]])
    report = sms.read_report(path)
    assert sms.apply_report(paid, report, sms.guess_mapping(report.headers)).changed == 2
    at = db.conn.execute("SELECT sms_at FROM aid_records WHERE recipient_name = '李梅'").fetchone()[0]
    again = sms.apply_report(paid, sms.read_report(path), sms.guess_mapping(report.headers))
    assert (again.changed, again.sent, again.failed) == (0, 1, 1)
    assert db.conn.execute("SELECT sms_at FROM aid_records WHERE recipient_name = '李梅'").fetchone()[0] == at


def test_reading_utf8_and_tab_separated_reports(sms, tmp_path):
    path = tmp_path / "report.txt"
    path.write_text("手机号\t状态\n13812345678\t成功\n", encoding="utf-8-sig")
    report = sms.read_report(path)
    assert report.headers == ("手机号", "状态") and report.rows[0].values == ("13812345678", "成功")


def test_unreadable_reports_are_refused_with_what_to_do(sms, tmp_path):
    old = tmp_path / "回执.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0 not really")
    with pytest.raises(UserError, match="另存为"):
        sms.read_report(old)
    broken = tmp_path / "回执.xlsx"
    broken.write_bytes(b"PK not a workbook")
    with pytest.raises(UserError, match="已损坏"):
        sms.read_report(broken)
    empty = tmp_path / "空.csv"
    empty.write_text("手机号码,状态\n\n", encoding="utf-8")
    with pytest.raises(UserError, match="没有数据行"):
        sms.read_report(empty)
    with pytest.raises(UserError, match="找不到文件"):
        sms.read_report(tmp_path / "nothing.csv")


# ---- senders ----------------------------------------------------------------------------------

class Gateway:
    """A gateway as one day plugged in: it answers for each message it was given."""

    def __init__(self, failing: dict[str, str], extra: list[SendResult] = ()):
        self.failing, self.extra, self.given = failing, list(extra), []

    def send(self, messages):
        self.given = list(messages)
        return [SendResult(m.record_id, m.phone not in self.failing, self.failing.get(m.phone, ""))
                for m in messages] + self.extra


def test_a_gateway_that_reports_results_has_them_recorded(db, sms, paid):
    gateway = Gateway({"13712345678": "号码已停机"})
    outcome = sms.send(paid, gateway)
    assert (outcome.messages, outcome.sent, outcome.failed) == (3, 2, 1)
    assert gateway.given[0].text.startswith(f"【{OFFICE}】张三")
    st = statuses(db, paid)
    assert st["张三"][0] == st["李梅"][0] == "已发送" and st["钱八"] == ("发送失败", "号码已停机")
    # the resend list holds just the failure, to the number now on file
    retry = sms.messages(paid, failed_only=True)
    assert [m.name for m in retry.rows] == ["钱八"] and retry.no_mobile == ()
    assert audit(db, "send")[-1]["sent"] == 2


def test_results_about_lines_not_sent_are_refused_whole(db, sms, paid):
    with pytest.raises(UserError, match="不属于本次名单"):
        sms.send(paid, Gateway({}, extra=[SendResult(999999, True)]))
    assert {s for s, _ in statuses(db, paid).values()} == {"未发送"}


def test_the_file_sender_writes_the_list_and_reports_no_delivery(db, sms, paid, tmp_path):
    out = tmp_path / "平台.xlsx"
    outcome = sms.send(paid, FileExportSender(out))
    assert (outcome.messages, outcome.sent, outcome.failed, outcome.files) == (3, 0, 0, (out,))
    assert load_workbook(out)[LIST_SHEET].max_row == 4
    assert {s for s, _ in statuses(db, paid).values()} == {"未发送"}


def test_a_resend_list_needs_a_failure(sms, paid, tmp_path):
    with pytest.raises(UserError, match="没有发送失败"):
        sms.export(paid, tmp_path / "重发.xlsx", failed_only=True)


def test_lines_and_summary_for_the_panel(db, sms, paid):
    sms.send(paid, Gateway({"13712345678": "关机"}))
    summary = sms.summary(paid)
    assert (summary.total, summary.with_mobile, summary.no_mobile) == (6, 3, 3)
    assert (summary.sent, summary.failed, summary.unsent) == (2, 1, 3)
    lines = {x.name: x for x in sms.lines(paid)}
    assert lines["李梅"].mobile == "13912345678" and lines["李梅"].on_file == "13912345678"
    assert lines["王五"].mobile == "" and lines["钱八"].error == "关机" and lines["钱八"].at
