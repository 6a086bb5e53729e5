"""入户走访: a reproducible draw of 在档 households stratified by unit, visits and their outcomes, coverage."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from aiddesk.core.errors import UserError, ValidationError
from aiddesk.db.audit import Actor
from aiddesk.services.archive import ArchiveService
from aiddesk.services.home_visits import HomeVisitService, needs_archive

TODAY = date(2026, 11, 26)


@pytest.fixture
def archive(db, actor, make_household) -> dict[str, list[int]]:
    """20 在档 households in 省财贸工会, 10 in 省旅游工会; 3 临时 and 2 脱困 ones that are never drawn."""
    service = ArchiveService(db, actor)
    made: dict[str, list[int]] = {"460001": [], "460002": [], "临时": [], "脱困": []}
    seq = 0

    def add(group: str, **overrides) -> int:
        nonlocal seq
        seq += 1
        household_id = service.save(make_household(seq, name=f"职工{seq:02d}", members=1, **overrides)).household_id
        made[group].append(household_id)
        return household_id

    for _ in range(20):
        add("460001")
    for _ in range(10):
        add("460002", unit_code="460002")
    for _ in range(3):
        add("临时", archive_status="临时")
    for _ in range(2):
        household_id = add("脱困")
        service.change_status(household_id, "脱困", on=date(2026, 6, 30), reason="脱困")
    return made


def in_archive(archive) -> set[int]:
    return set(archive["460001"]) | set(archive["460002"])


def picked(service, draw_id) -> list[int]:
    return [p.household_id for p in service.planned(draw_id)]


# ---- drawing -----------------------------------------------------------------------------------

def test_the_same_seed_draws_the_same_households_again_stratified_by_unit(db, actor, archive):
    service = HomeVisitService(db, actor)
    first = service.draw(2026, share=Decimal("0.20"), seed="7c3a91d0")
    # 20 % of 30 在档 is 6: 4 of 省财贸工会's 20 and 2 of 省旅游工会's 10.
    assert (first.seed, first.method, first.amount, first.population, first.size) == ("7C3A91D0", "比例", "0.20", 30, 6)
    assert first.strata == {"460001": (20, 4), "460002": (10, 2)}
    assert sum(n for n, _ in first.strata.values()) == first.population
    assert sum(k for _, k in first.strata.values()) == first.size == len(picked(service, first.id))
    again = service.draw(2026, share=Decimal("0.20"), seed="7C3A91D0")
    assert again.id != first.id
    assert picked(service, again.id) == picked(service, first.id)
    by_unit = [p.unit_code for p in service.planned(first.id)]
    assert by_unit.count("460001") == 4 and by_unit.count("460002") == 2
    assert [d.id for d in service.draws(2026)] == [again.id, first.id]  # both kept, newest first
    assert service.draws(2025) == []
    stored = db.conn.execute("SELECT kind, batch_id, strata FROM draws WHERE id = ?", (first.id,)).fetchone()
    assert (stored["kind"], stored["batch_id"], json.loads(stored["strata"])) == (
        "入户走访", None, {"460001": [20, 4], "460002": [10, 2]})
    assert db.conn.execute("SELECT count(*) FROM draw_items WHERE draw_id = ? AND aid_record_id IS NULL",
                           (first.id,)).fetchone()[0] == 6


def test_only_households_in_archive_today_are_drawn(db, actor, archive):
    service = HomeVisitService(db, actor)
    everyone = service.draw(2026, count=100)
    assert everyone.size == everyone.population == 30
    assert set(picked(service, everyone.id)) == in_archive(archive)
    some = service.draw(2026, count=7, seed="B")
    assert (some.method, some.amount, some.size) == ("人数", "7", 7)
    assert set(picked(service, some.id)) <= in_archive(archive)


def test_the_default_share_comes_from_the_rules_and_the_seed_is_recorded(db, actor, archive):
    service = HomeVisitService(db, actor)
    d = service.draw(2026)
    assert (d.method, Decimal(d.amount), d.size) == ("比例", Decimal("0.10"), 3)
    assert d.seed and d.drawn_by == "测试员"
    assert service.describe(d) == f"按10%抽取 3/30 户，种子 {d.seed}"
    assert service.strata_text(d) == "省财贸工会 2/20、省旅游工会 1/10"
    audit = db.conn.execute("SELECT action, new_values FROM audit_log WHERE table_name = 'draws'").fetchone()
    assert audit["action"] == "insert" and d.seed in audit["new_values"]


def test_a_draw_needs_households_and_a_sensible_share(db, actor, archive):
    service = HomeVisitService(db, actor)
    with pytest.raises(UserError, match="二选一"):
        service.draw(2026, share=Decimal("0.1"), count=3)
    with pytest.raises(UserError, match="大于0%"):
        service.draw(2026, share=Decimal("0"))
    with pytest.raises(UserError, match="抽取人数"):
        service.draw(2026, count=0)
    with pytest.raises(UserError, match="2027 年及以前"):
        service.draw(2030)
    assert service.draws(2026) == []


def test_nothing_to_draw_without_households_in_archive(db, actor):
    with pytest.raises(UserError, match="没有“在档”的档案"):
        HomeVisitService(db, actor).draw(2026)


def test_an_approver_does_not_draw(db, archive):
    with pytest.raises(UserError, match="没有此权限"):
        HomeVisitService(db, Actor("shenpi", "界面", ("审批人",))).draw(2026)


# ---- the planned list and visits -------------------------------------------------------------------

def test_the_planned_list_shows_what_the_visitors_need_and_then_the_visit(db, actor, archive):
    service = HomeVisitService(db, actor)
    d = service.draw(2026, count=2, seed="PLAN")
    first, second = service.planned(d.id)
    assert (first.position, second.position) == (1, 2)
    assert first.name.startswith("职工") and first.archive_no
    assert first.unit_name in ("省财贸工会", "省旅游工会")
    assert (first.address, first.phone, first.category, first.household_size) == (
        "海口市龙华区金贸路1号", "13812345678", "低保户", 2)
    assert first.per_capita_income == Decimal("650.00")  # (900 + 300) + 1200 / 12 over 2 people
    assert (first.visit, first.last_visit, first.archive_status) == (None, None, "在档")

    # An earlier visit outside this draw shows as the last visit, the draw's own as its visit.
    service.record_visit(first.household_id, visited_on=date(2026, 4, 2), visitors="王芳", outcome="情况属实")
    visit_id = service.record_visit(first.household_id, visited_on=date(2026, 11, 20), visitors="王芳、李强",
                                    outcome="情况属实", draw_id=d.id)
    now = service.planned(d.id)[0]
    assert now.visit.id == visit_id
    assert (now.visit.visitors, now.visit.outcome, now.visit.recorded_by) == ("王芳、李强", "情况属实", "测试员")
    assert now.last_visit == date(2026, 4, 2)
    assert service.planned(d.id)[1].visit is None
    assert service.draws(2026)[0].visited == 1


def test_a_changed_situation_needs_a_note_saying_what_changed(db, actor, archive):
    service = HomeVisitService(db, actor)
    household = archive["460001"][0]
    for outcome in ("情况变化", "建议脱困", "建议注销"):
        assert needs_archive(outcome)
        with pytest.raises(ValidationError) as err:
            service.record_visit(household, visited_on=date(2026, 11, 20), visitors="王芳", outcome=outcome,
                                 note="见表")
        assert "note" in err.value.problems and outcome in err.value.problems["note"]
    assert not needs_archive("情况属实")
    visit_id = service.record_visit(household, visited_on=date(2026, 11, 20), visitors="王芳", outcome="建议脱困",
                                    note="配偶已再就业，月收入约3000元")
    v = service.get_visit(visit_id)
    assert (v.outcome, v.note, v.draw_id) == ("建议脱困", "配偶已再就业，月收入约3000元", None)
    # The service records the visit; the archive changes only by its own status change.
    assert ArchiveService(db, actor).get(household).archive_status == "在档"
    audit = db.conn.execute("SELECT household_id, new_values FROM audit_log"
                            " WHERE table_name = 'home_visits'").fetchone()
    assert audit["household_id"] == household and "建议脱困" in audit["new_values"]


def test_a_visit_needs_a_date_visitors_and_an_outcome_from_the_code_list(db, actor, archive):
    service = HomeVisitService(db, actor)
    household = archive["460001"][0]
    with pytest.raises(ValidationError) as err:
        service.record_visit(household, visited_on=date(2026, 12, 1), visitors=" ", outcome="还行")
    assert set(err.value.problems) == {"visited_on", "visitors", "outcome"}
    assert "情况属实、情况变化、建议脱困、建议注销" in err.value.problems["outcome"]
    with pytest.raises(UserError, match="早于建档日期"):
        service.record_visit(household, visited_on=date(2026, 1, 5), visitors="王芳", outcome="情况属实")
    service.record_visit(household, visited_on=date(2026, 11, 20), visitors="王芳", outcome="情况属实")
    with pytest.raises(UserError, match="已经登记过"):
        service.record_visit(household, visited_on=date(2026, 11, 20), visitors="李强", outcome="情况属实")


def test_a_visit_for_a_draw_must_be_to_a_household_it_drew(db, actor, archive):
    service = HomeVisitService(db, actor)
    d = service.draw(2026, count=1, seed="ONE")
    (only,) = picked(service, d.id)
    other = next(h for h in in_archive(archive) if h != only)
    with pytest.raises(UserError, match="不在2026年这次抽取的走访名单中"):
        service.record_visit(other, visited_on=date(2026, 11, 20), visitors="王芳", outcome="情况属实", draw_id=d.id)
    reviewer = HomeVisitService(db, Actor("shenhe", "界面", ("审核人",)))
    reviewer.record_visit(only, visited_on=date(2026, 11, 20), visitors="王芳", outcome="情况属实", draw_id=d.id)
    with pytest.raises(UserError, match="没有此权限"):
        HomeVisitService(db, Actor("shenpi", "界面", ("审批人",))).record_visit(
            only, visited_on=date(2026, 11, 21), visitors="王芳", outcome="情况属实")


# ---- coverage ------------------------------------------------------------------------------------

def test_coverage_is_households_visited_over_households_in_archive(db, actor, archive, make_household):
    service = HomeVisitService(db, actor)
    assert service.coverage(2026) == (0, 30)
    a, b = archive["460001"][:2]
    service.record_visit(a, visited_on=date(2026, 5, 10), visitors="王芳", outcome="情况属实")
    service.record_visit(a, visited_on=date(2026, 11, 10), visitors="王芳", outcome="情况属实")
    service.record_visit(b, visited_on=date(2026, 11, 11), visitors="王芳", outcome="情况变化",
                         note="户主已做手术，医疗支出增加")
    assert service.coverage(2026) == (2, 30)  # a household visited twice counts once
    names = {household_id: ArchiveService(db, actor).get(household_id).name for household_id in (a, b)}
    assert [(v.name, v.visited_on) for v in service.visits(2026)] == [
        (names[b], date(2026, 11, 11)), (names[a], date(2026, 11, 10)), (names[a], date(2026, 5, 10))]
    assert service.visits(2025) == []


def test_a_past_year_counts_the_households_in_archive_at_its_end(db, actor, make_household):
    archive = ArchiveService(db, actor)
    archive.save(make_household(1, name="老档案", created_date=date(2025, 2, 1)))
    left_2026 = archive.save(make_household(2, name="今年脱困", created_date=date(2025, 3, 1))).household_id
    archive.change_status(left_2026, "脱困", on=date(2026, 5, 1), reason="脱困")
    left_2025 = archive.save(make_household(3, name="去年注销", created_date=date(2025, 3, 1))).household_id
    archive.change_status(left_2025, "注销", on=date(2025, 10, 1), reason="退休")
    archive.save(make_household(4, name="今年建档"))
    service = HomeVisitService(db, actor)
    service.record_visit(left_2026, visited_on=date(2025, 9, 1), visitors="王芳", outcome="建议脱困",
                         note="子女已工作，家庭收入超过低保标准")
    # At the end of 2025: 老档案 and 今年脱困 were 在档; 去年注销 had left, 今年建档 was not filed yet.
    assert service.coverage(2025) == (1, 2)
    assert service.coverage(2026) == (0, 2)  # today: 老档案 and 今年建档
