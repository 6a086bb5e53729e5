"""电话抽查: reproducible stratified draws of a paid batch, the call log, problems opened and closed, roles."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from aiddesk.core.batch import Batch
from aiddesk.core.errors import UserError, ValidationError
from aiddesk.core.verification_rules import load_verification_rules
from aiddesk.db.audit import Actor
from aiddesk.db.household_list import HouseholdFilter
from aiddesk.services.archive import ArchiveService
from aiddesk.services.batches import BatchService
from aiddesk.services.payments import PaymentService
from aiddesk.services.problems import ProblemService
from aiddesk.services.spot_checks import SpotCheckService, method_text, results, strata_text
from workflow_steps import approve_batch

CLERK = Actor("jingban", "界面", ("经办人",))
REVIEWER = Actor("shenhe", "界面", ("审核人",))
APPROVER = Actor("shenpi", "界面", ("审批人",))
ADMIN = Actor("admin", "界面", ("管理员",))
ALL = HouseholdFilter(statuses=())
PAID_ON = date(2026, 10, 22)
CALLED_ON = date(2026, 10, 26)
# 20 households of 省财贸工会, 10 of 省旅游工会
UNITS = ["460001"] * 20 + ["460002"] * 10


@pytest.fixture(autouse=True)
def money(db, receive):
    receive(db, 2026, "省总工会经费")


def make_batch(db, name: str = "2026年国庆生活救助") -> int:
    clerk = BatchService(db, CLERK)
    return clerk.save_draft(Batch(notice_phone="0898-66123456", name=name, activity="生活救助", year=2026,
                                  unit_code="460000", fund_sources=["省总工会经费"], standard=Decimal("800.00")))


def take_to_approved(db, batch_id: int) -> None:
    """公示 12–16 October 2026, approved on the 20th."""
    approve_batch(db, batch_id, clerk=CLERK, reviewer=REVIEWER, approver=APPROVER,
                  noticed=date(2026, 10, 12), ended=date(2026, 10, 19), approved=date(2026, 10, 20))


@pytest.fixture
def households(db, actor, make_household) -> list[int]:
    archive = ArchiveService(db, actor)
    return [archive.save(make_household(i, name=f"职工{i:02d}", unit_code=unit, phone=f"1390898{i:04d}")).household_id
            for i, unit in enumerate(UNITS, start=1)]


@pytest.fixture
def paid(db, households) -> int:
    batch_id = make_batch(db)
    BatchService(db, CLERK).add_from_filter(batch_id, ALL)
    take_to_approved(db, batch_id)
    db.clock.set(PAID_ON)
    PaymentService(db, CLERK).mark_paid(batch_id, paid_on=PAID_ON)
    return batch_id


def names(service: SpotCheckService, draw_id: int) -> list[str]:
    return [i.name for i in service.items(draw_id)]


# ---- drawing -----------------------------------------------------------------------------


def test_a_draw_is_stratified_by_unit_and_kept(db, paid):
    service = SpotCheckService(db, CLERK)
    db.clock.set(date(2026, 10, 25))
    result = service.draw(paid, count=6, seed="5EED0001")

    d = result.draw
    assert (d.seed, d.method, d.amount, d.population, d.size, d.round_no) == ("5EED0001", "人数", "6", 30, 6, 1)
    # 20 and 10 lines: 6 split 4 and 2, adding up to the size
    assert d.strata == {"460001": (20, 4), "460002": (10, 2)}
    assert sum(drawn for _pop, drawn in d.strata.values()) == d.size
    assert (d.drawn_by, d.drawn_on) == ("jingban", date(2026, 10, 25))
    items = service.items(d.id)
    assert [i.unit_code for i in items] == ["460001"] * 4 + ["460002"] * 2
    assert [i.unit_name for i in items] == ["省财贸工会"] * 4 + ["省旅游工会"] * 2
    assert [i.record_id for i in items] == list(result.record_ids)
    assert len(set(result.record_ids)) == 6
    # each item carries what the caller needs: the full phone, the amount, when and how it was paid
    first = items[0]
    number = int(first.name[2:])
    assert first.phone == f"1390898{number:04d}"
    assert (first.amount, first.paid_on, first.payment_method, first.result, first.calls) == (
        Decimal("800.00"), PAID_ON, "会员服务卡", "未抽查", 0)
    # a household's unit decides its stratum
    by_unit = dict(zip(range(1, 31), UNITS))
    assert all(by_unit[int(i.name[2:])] == i.unit_code for i in items)
    stored = db.conn.execute("SELECT strata, drawn_by FROM draws WHERE id = ?", (d.id,)).fetchone()
    assert json.loads(stored["strata"]) == {"460001": [20, 4], "460002": [10, 2]}
    audit = db.conn.execute("SELECT user, new_values FROM audit_log WHERE table_name = 'draws'").fetchall()
    assert [(a["user"], json.loads(a["new_values"])["seed"]) for a in audit] == [("jingban", "5EED0001")]
    assert strata_text(d.strata, service.unit_names()) == "省财贸工会 4/20、省旅游工会 2/10"
    assert method_text(d) == "按人数 6 人"


def test_the_seed_repeats_the_draw_exactly(db, paid):
    service = SpotCheckService(db, CLERK)
    first = service.draw(paid, share=Decimal("0.20"), seed="A1B2C3D4")
    other = service.draw(paid, share=Decimal("0.20"), seed="FFFF0000")
    assert other.record_ids != first.record_ids          # another seed, other people
    assert (first.repeats, first.identical) == (None, None)

    # an inspector types the seed alone, in lower case and with a stray space: the same people come out
    again = service.draw(paid, seed=" a1b2c3d4")
    assert again.record_ids == first.record_ids
    assert names(service, again.draw.id) == names(service, first.draw.id)
    assert (again.draw.method, again.draw.amount, again.draw.size) == ("比例", "0.20", 6)
    assert again.repeats.id == first.draw.id and again.identical is True
    # all draws are kept, in rounds
    assert [(d.round_no, d.seed) for d in service.draws(paid)] == [(1, "A1B2C3D4"), (2, "FFFF0000"), (3, "A1B2C3D4")]


def test_a_fresh_seed_is_made_and_recorded_when_none_is_given(db, paid):
    service = SpotCheckService(db, CLERK)
    a, b = service.draw(paid, count=5), service.draw(paid, count=5)
    assert a.draw.seed and b.draw.seed and a.draw.seed != b.draw.seed
    assert service.draw(paid, count=5, seed=a.draw.seed).record_ids == a.record_ids


def test_share_count_and_the_minimum(db, paid):
    service = SpotCheckService(db, CLERK)
    rules = load_verification_rules()
    assert (rules.spot_check_share, rules.spot_check_minimum) == (Decimal("0.10"), 5)
    # the default share of 30 lines is 3, but at least 5 are called
    default = service.draw(paid).draw
    assert (default.method, default.amount, default.size) == ("比例", "0.10", 5)
    assert service.draw(paid, share=Decimal("0.5")).draw.size == 15
    assert service.draw(paid, share=Decimal("0.01")).draw.size == 5     # the minimum again
    # a count is taken as asked, even under the minimum, and never more than there are
    assert service.draw(paid, count=2).draw.size == 2
    assert service.draw(paid, count=99).draw.size == 30
    with pytest.raises(UserError, match="不超过100%"):
        service.draw(paid, share=Decimal("1.5"))
    with pytest.raises(UserError, match="大于0"):
        service.draw(paid, count=0)
    with pytest.raises(UserError, match="只能选一种"):
        service.draw(paid, share=Decimal("0.1"), count=3)
    assert method_text(default) == "按比例 10%"


def test_only_a_paid_batch_is_drawn(db, households):
    batch_id = make_batch(db)
    BatchService(db, CLERK).add_from_filter(batch_id, ALL)
    service = SpotCheckService(db, CLERK)
    with pytest.raises(UserError, match="“草稿”状态"):
        service.draw(batch_id, count=3)
    take_to_approved(db, batch_id)
    with pytest.raises(UserError, match="“已审批”状态.*已发放"):
        service.draw(batch_id, count=3)
    assert service.draws(batch_id) == []
    assert db.conn.execute("SELECT count(*) FROM draws").fetchone()[0] == 0


def test_a_checked_batch_may_still_be_drawn_again(db, paid):
    # Reaching 已核查 takes the whole checklist (another part's work): set the status as it would end up.
    with db.transaction() as conn:
        conn.execute("UPDATE batches SET status = '已核查' WHERE id = ?", (paid,))
    assert SpotCheckService(db, CLERK).draw(paid, count=3).draw.size == 3


# ---- calling -------------------------------------------------------------------------------


@pytest.fixture
def drawn(db, paid):
    result = SpotCheckService(db, CLERK).draw(paid, count=4, seed="CA11CA11")
    db.clock.set(date(2026, 11, 26))  # the calls are logged over the weeks that follow
    return result


def test_a_call_is_logged_and_sets_the_lines_status(db, paid, drawn):
    service = SpotCheckService(db, CLERK)
    first, second = drawn.record_ids[:2]
    done = service.record_call(first, result="核实一致", called_on=CALLED_ON, draw_id=drawn.draw.id)
    assert (done.phone_check, done.problem_id, done.problem_opened) == ("核实一致", None, False)
    service.record_call(second, result="未接通", note="无人接听", called_on=CALLED_ON, draw_id=drawn.draw.id)

    status = dict(db.conn.execute("SELECT id, phone_check FROM aid_records WHERE id IN (?, ?)", (first, second)))
    assert status == {first: "核实一致", second: "未接通"}
    log = service.calls(second)
    assert [(c.result, c.note, c.called_by, c.called_on, c.draw_id) for c in log] == [
        ("未接通", "无人接听", "jingban", CALLED_ON, drawn.draw.id)]
    items = {i.record_id: i for i in service.items(drawn.draw.id)}
    assert (items[second].result, items[second].calls, items[second].last_call.note) == ("未接通", 1, "无人接听")

    # called again the next day and reached: the log keeps both calls
    service.record_call(second, result="核实一致", called_on=date(2026, 10, 27), draw_id=drawn.draw.id)
    assert [c.result for c in service.calls(second)] == ["未接通", "核实一致"]
    # a later unanswered call does not undo what was already confirmed
    later = service.record_call(second, result="未接通", called_on=date(2026, 11, 3))
    assert later.phone_check == "核实一致"
    assert [c.result for c in service.calls(second)] == ["未接通", "核实一致", "未接通"]

    assert tuple(service.coverage(paid)) == (2, 2, 30)
    calls = db.conn.execute("SELECT count(*) FROM audit_log WHERE table_name = 'phone_calls'").fetchone()[0]
    statuses = [json.loads(r[0])["phone_check"] for r in db.conn.execute(
        "SELECT new_values FROM audit_log WHERE table_name = 'aid_records' AND new_values LIKE '%phone_check%'"
        " ORDER BY id")]
    assert calls == 4
    assert statuses == ["核实一致", "未接通", "核实一致"]   # a status left unchanged is not logged again


def test_coverage_counts_lines_called_and_reached(db, paid, drawn):
    service = SpotCheckService(db, CLERK)
    a, b, c, _d = drawn.record_ids
    assert tuple(service.coverage(paid)) == (0, 0, 30)
    service.record_call(a, result="核实一致", called_on=CALLED_ON)
    service.record_call(b, result="号码错误", called_on=CALLED_ON)
    service.record_call(c, result="未接通", called_on=CALLED_ON)
    cov = service.coverage(paid)
    assert (cov.called, cov.reached, cov.lines) == (3, 1, 30)
    assert cov.share == Decimal(3) / 30
    assert service.coverage_of_year(2026) == cov
    assert tuple(service.coverage_of_year(2025)) == (0, 0, 0)


def test_a_wrong_amount_opens_one_problem_until_resolved(db, paid, drawn):
    service = SpotCheckService(db, CLERK)
    problems = ProblemService(db, CLERK)
    line = drawn.record_ids[0]
    name = service.items(drawn.draw.id)[0].name

    first = service.record_call(line, result="金额不符", called_on=CALLED_ON, draw_id=drawn.draw.id)
    assert first.problem_opened and first.phone_check == "金额不符"
    [p] = problems.problems(open_only=True, batch_id=paid)
    assert (p.id, p.source, p.kind, p.aid_record_id, p.opened_on, p.opened_by, p.name) == (
        first.problem_id, "电话抽查", "金额不符", line, CALLED_ON, "jingban", name)
    assert "800.00元" in p.description and "会员服务卡" in p.description    # the default text says what was paid

    # calling again and hearing the same does not open a second problem
    again = service.record_call(line, result="金额不符", note="仍称只收到500元", called_on=date(2026, 10, 27))
    assert (again.problem_id, again.problem_opened) == (first.problem_id, False)
    assert len(problems.problems(batch_id=paid)) == 1
    # … but another kind of finding is another problem, with the caller's note as its text
    other = service.record_call(line, result="本人未收到", note="称卡已挂失", called_on=date(2026, 10, 28))
    assert other.problem_opened and problems.get(other.problem_id).description == "称卡已挂失"
    assert service.discrepancies(paid) == 1        # lines, not calls or problems
    assert service.discrepancies_of_year(2026) == 1

    problems.db.clock.set(date(2026, 11, 2))
    with pytest.raises(ValidationError, match="处理结果"):
        problems.resolve(first.problem_id, "已处理", on=date(2026, 11, 2))
    assert problems.get(first.problem_id).is_open
    problems.resolve(first.problem_id, "经查银行扣除年费300元，已协调退回，本人确认收到800元", on=date(2026, 11, 2))
    closed = problems.get(first.problem_id)
    assert (closed.is_open, closed.resolved_on, closed.resolved_by) == (False, date(2026, 11, 2), "jingban")
    assert [p.kind for p in problems.problems(open_only=True, batch_id=paid)] == ["本人未收到"]

    # once resolved, the same finding again is a new problem to follow up
    db.clock.set(date(2026, 11, 9))
    fresh = service.record_call(line, result="金额不符", called_on=date(2026, 11, 5))
    assert fresh.problem_opened and fresh.problem_id != first.problem_id
    # a discrepancy put right stays found
    service.record_call(line, result="核实一致", called_on=date(2026, 11, 9))
    assert service.discrepancies(paid) == 1


def test_what_a_call_may_record(db, paid, drawn, households):
    service = SpotCheckService(db, CLERK)
    line = drawn.record_ids[0]
    assert results() == ["核实一致", "金额不符", "本人未收到", "未接通", "号码错误"]
    with pytest.raises(UserError, match="不可用.*核实一致"):
        service.record_call(line, result="未抽查", called_on=CALLED_ON)
    with pytest.raises(UserError, match="早于发放日期"):
        service.record_call(line, result="核实一致", called_on=date(2026, 10, 21))
    with pytest.raises(UserError, match="备注最多"):
        service.record_call(line, result="核实一致", note="很" * 501, called_on=CALLED_ON)
    not_drawn = next(r.id for r in BatchService(db, CLERK).records(paid) if r.id not in drawn.record_ids)
    with pytest.raises(UserError, match="不在所选的抽查名单中"):
        service.record_call(not_drawn, result="核实一致", called_on=CALLED_ON, draw_id=drawn.draw.id)
    with pytest.raises(UserError, match="晚于今天"):
        service.record_call(not_drawn, result="核实一致", called_on=date(2026, 11, 27))
    # a line may still be called outside a draw (a follow-up call)
    service.record_call(not_drawn, result="核实一致", called_on=CALLED_ON)

    unpaid = make_batch(db, "2026年第二批生活救助")
    BatchService(db, CLERK).add_from_filter(unpaid, ALL)
    take_to_approved(db, unpaid)
    db.clock.set(date(2026, 11, 26))
    with pytest.raises(UserError, match="尚未发放"):
        service.record_call(BatchService(db, CLERK).records(unpaid)[0].id, result="核实一致", called_on=CALLED_ON)
    assert db.conn.execute("SELECT count(*) FROM phone_calls").fetchone()[0] == 1


# ---- roles -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", [CLERK, REVIEWER, ADMIN])
def test_staff_draw_and_call(db, paid, who):
    service = SpotCheckService(db, who)
    assert service.may_check
    d = service.draw(paid, count=3)
    db.clock.set(CALLED_ON)
    service.record_call(d.record_ids[0], result="核实一致", called_on=CALLED_ON, draw_id=d.draw.id)
    assert service.calls(d.record_ids[0])[0].called_by == who.username


def test_the_approver_reads_but_does_not_draw_or_call(db, paid, drawn):
    service = SpotCheckService(db, APPROVER)
    assert not service.may_check
    with pytest.raises(UserError, match="没有此权限"):
        service.draw(paid, count=3)
    with pytest.raises(UserError, match="没有此权限"):
        service.record_call(drawn.record_ids[0], result="核实一致", called_on=CALLED_ON)
    # reading is open to all: the approver sees the draws and the lines before signing the checklist off
    assert [d.id for d in service.draws(paid)] == [drawn.draw.id]
    assert len(service.items(drawn.draw.id)) == 4
    assert db.conn.execute("SELECT count(*) FROM phone_calls").fetchone()[0] == 0
    with pytest.raises(UserError, match="没有此权限"):
        ProblemService(db, APPROVER).resolve(1, "已核实无误，系误报情况")


# ---- the call sheet ------------------------------------------------------------------------------


def test_the_call_sheet_data_and_export_is_audited(db, paid, drawn, tmp_path):
    service = SpotCheckService(db, CLERK)
    db.clock.set(date(2026, 10, 25))
    sheet = service.call_sheet(drawn.draw.id)
    assert (sheet.office_name, sheet.seed, sheet.round_no, sheet.population, sheet.method) == (
        "海南省职工服务中心", "CA11CA11", 1, 30, "按人数 4 人")
    assert [r.name for r in sheet.rows] == names(service, drawn.draw.id)
    assert service.export_call_sheet(drawn.draw.id, tmp_path / "抽查.xlsx") == 4
    row = db.conn.execute("SELECT user, action, new_values FROM audit_log WHERE table_name = 'draws'"
                          " AND action = 'export'").fetchone()
    assert (row["user"], json.loads(row["new_values"])["lines"]) == ("jingban", 4)
    assert service.write_call_sheet(drawn.draw.id, tmp_path / "抽查.pdf") == 4
