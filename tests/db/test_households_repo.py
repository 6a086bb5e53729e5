"""The archive list: filters, search (ID, phone, pinyin), sorting, paging, counts and archive numbers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from aiddesk.db import household_list as listing
from aiddesk.db import households as repo
from aiddesk.db.household_list import HouseholdFilter
from aiddesk.services.archive import ArchiveService

TODAY = date(2026, 11, 26)


@pytest.fixture
def archive(db, actor):
    return ArchiveService(db, actor)


@pytest.fixture
def office(db, archive, make_household):
    """Six households in all four statuses; returns name → saved Household."""
    specs = [
        dict(seq=1, name="张三", unit_code="460001", phone="13912345671"),
        dict(seq=2, name="曾小单", unit_code="460002", phone="13912345672", is_migrant_worker=True,
             hardship_category="低保边缘户", main_cause="患重特大疾病", monthly_income=Decimal("2000.00")),
        dict(seq=3, name="王五", unit_code="460001", phone="13912345673", hardship_category="意外致困户",
             main_cause="遭受意外事故", secondary_causes=["患重特大疾病"], monthly_income=Decimal("1500.00")),
        dict(seq=4, name="阿明", unit_code="460002", phone="13912345674", members=0, archive_status="临时",
             secondary_causes=["子女上学"]),
        dict(seq=5, name="张伟", unit_code="460001", phone="13912345675"),
        dict(seq=6, name="赵六", unit_code="460002", phone="13912345676"),
    ]
    saved = {}
    for spec in specs:
        spec = dict(spec)
        h = make_household(spec.pop("seq"), name=spec.pop("name"), members=spec.pop("members", 2), **spec)
        result = archive.save(h)
        saved[h.name] = archive.get(result.household_id)
    archive.change_status(saved["张伟"].id, "注销", on=date(2026, 10, 1), reason="退休")
    archive.change_status(saved["赵六"].id, "脱困", on=date(2026, 10, 2), reason="脱困")
    return {name: archive.get(h.id) for name, h in saved.items()}


def names(db, flt=None, **kwargs) -> list[str]:
    return [r["name"] for r in listing.list_households(db.conn, flt or HouseholdFilter(today=TODAY), **kwargs)]


def found(db, **filter_args) -> set[str]:
    flt = HouseholdFilter(today=TODAY, **filter_args)
    rows = listing.list_households(db.conn, flt)
    assert listing.count_households(db.conn, flt) == len(rows)
    return {r["name"] for r in rows}


# ---- filters ----------------------------------------------------------------


def test_default_filter_shows_open_archives_only(db, office):
    assert found(db) == {"张三", "曾小单", "王五", "阿明"}


def test_status_filter(db, office):
    assert found(db, statuses=("注销",)) == {"张伟"}
    assert found(db, statuses=("脱困",)) == {"赵六"}
    assert found(db, statuses=("临时",)) == {"阿明"}
    assert found(db, statuses=("脱困", "注销")) == {"张伟", "赵六"}
    assert found(db, statuses=()) == set(office)


def test_unit_filter(db, office):
    assert found(db, unit_codes=("460002",)) == {"曾小单", "阿明"}
    assert found(db, unit_codes=("460001",), statuses=()) == {"张三", "王五", "张伟"}
    assert found(db, unit_codes=("460001", "460002")) == {"张三", "曾小单", "王五", "阿明"}
    assert found(db, unit_codes=("460000",)) == set()


def test_category_filter(db, office):
    assert found(db, category="低保户") == {"张三", "阿明"}
    assert found(db, category="低保边缘户") == {"曾小单"}
    assert found(db, category="意外致困户") == {"王五"}


def test_cause_filter_includes_secondary_causes(db, office):
    assert found(db, cause="患重特大疾病") == {"曾小单", "王五"}  # main, secondary
    assert found(db, cause="子女上学") == {"阿明"}  # secondary only
    assert found(db, cause="遭受意外事故") == {"王五"}
    assert found(db, cause="下岗失业") == {"张三", "阿明"}
    assert found(db, cause="患重特大") == set()  # whole causes only, not fragments


def test_migrant_filter(db, office):
    assert found(db, migrant=True) == {"曾小单"}
    assert found(db, migrant=False) == {"张三", "王五", "阿明"}


def test_stale_filter(db, office):
    assert found(db, stale=True) == set()
    with db.transaction() as conn:
        conn.execute("UPDATE households SET updated_at = '2025-06-30T09:00:00' WHERE id = ?", (office["王五"].id,))
        conn.execute("UPDATE households SET updated_at = '2025-12-01T09:00:00' WHERE id = ?", (office["张三"].id,))
    assert found(db, stale=True) == {"王五"}  # 张三 changed less than a year before TODAY


def test_incomplete_filter(db, office):
    assert all(h.missing_docs for h in office.values())
    assert found(db, incomplete=True) == {"张三", "曾小单", "王五", "阿明"}
    with db.transaction() as conn:
        repo.set_missing_docs(conn, office["张三"].id, [])
    assert found(db, incomplete=True) == {"曾小单", "王五", "阿明"}
    assert found(db) == {"张三", "曾小单", "王五", "阿明"}


def test_filters_combine(db, office):
    assert found(db, unit_codes=("460001",), cause="患重特大疾病") == {"王五"}
    assert found(db, unit_codes=("460002",), category="低保户") == {"阿明"}
    assert found(db, text="张", statuses=()) == {"张三", "张伟"}
    assert found(db, text="张", migrant=True) == set()


# ---- search -------------------------------------------------------------------


def test_search_by_name_fragment(db, office):
    assert found(db, text="小单") == {"曾小单"}
    assert found(db, text="张") == {"张三"}  # 张伟 is closed
    assert found(db, text=" 王 五 ") == {"王五"}  # spaces pasted in are ignored
    assert found(db, text="钱") == set()


def test_search_by_whole_id_number(db, office):
    wang = office["王五"]
    assert found(db, text=wang.id_number) == {"王五"}
    assert found(db, text=wang.id_number.lower()) == {"王五"}


def test_search_by_member_id_number(db, office):
    member = office["曾小单"].members[1]
    assert found(db, text=member.id_number) == {"曾小单"}


def test_search_by_last_four_digits_of_id(db, office):
    for name in ("张三", "王五", "曾小单"):
        assert found(db, text=office[name].id_number[-4:]) == {name}


def test_search_by_phone(db, office):
    assert found(db, text="13912345673") == {"王五"}
    assert found(db, text="1391234567") == {"张三", "曾小单", "王五", "阿明"}


def test_search_by_archive_number(db, office):
    assert found(db, text=office["阿明"].archive_no) == {"阿明"}
    assert found(db, text="460002-2026") == {"曾小单", "阿明"}


def test_search_text_is_not_a_wildcard_pattern(db, office):
    assert found(db, text="%") == set()
    assert found(db, text="_") == set()
    assert found(db, text="460002-____") == set()
    assert found(db, text="460002-2026-%") == set()


def test_search_by_pinyin_initials(db, office):
    assert found(db, text="zs") == {"张三"}
    assert found(db, text="ZS") == {"张三"}
    assert found(db, text="wW") == {"王五"}
    assert found(db, text="zs", statuses=()) == {"张三"}  # 张伟 is zw
    assert found(db, text="zw", statuses=()) == {"张伟"}


def test_search_pinyin_of_surname_with_two_readings(db, office):
    # 曾 reads ceng or zeng: both initials find 曾小单.
    assert found(db, text="zxd") == {"曾小单"}
    assert found(db, text="cxd") == {"曾小单"}
    assert found(db, text="zengxiao") == {"曾小单"}


def test_search_by_full_pinyin_prefix(db, office):
    assert found(db, text="zhang") == {"张三"}
    assert found(db, text="zhang", statuses=()) == {"张三", "张伟"}
    assert found(db, text="zhangsan") == {"张三"}
    assert found(db, text="wangwu") == {"王五"}
    assert found(db, text="angsan") == set()  # a prefix, not any substring
    assert found(db, text="sx") == set()


# ---- sorting and paging ---------------------------------------------------------


def test_sort_by_name_follows_pinyin(db, office):
    flt = HouseholdFilter(statuses=(), today=TODAY)
    order = [n for n in names(db, flt, sort="name") if n != "曾小单"]
    assert order == ["阿明", "王五", "张三", "张伟", "赵六"]
    back = [n for n in names(db, flt, sort="name", descending=True) if n != "曾小单"]
    assert back == ["赵六", "张伟", "张三", "王五", "阿明"]


def test_sort_by_name_uses_surname_reading(db, office):
    assert names(db, sort="name") == ["阿明", "王五", "曾小单", "张三"]


def test_sort_by_per_capita_income(db, office):
    rows = listing.list_households(db.conn, HouseholdFilter(today=TODAY), sort="per_capita")
    assert [(r["name"], r["per_capita_income_fen"]) for r in rows] == [
        ("张三", 43333),    # (900 + 300 + 1200/12) / 3
        ("王五", 63333),    # (1500 + 300 + 100) / 3
        ("曾小单", 80000),  # (2000 + 300 + 100) / 3
        ("阿明", 100000),   # (900 + 100) / 1
    ]
    assert names(db, sort="per_capita", descending=True) == ["阿明", "曾小单", "王五", "张三"]


def test_unknown_sort_key_falls_back_to_archive_number(db, office):
    rows = listing.list_households(db.conn, HouseholdFilter(today=TODAY), sort="name; DROP TABLE households")
    assert [r["archive_no"] for r in rows] == sorted(r["archive_no"] for r in rows)
    assert db.conn.execute("SELECT count(*) FROM households").fetchone()[0] == 6


def test_paging(db, office):
    flt = HouseholdFilter(statuses=(), today=TODAY)
    whole = names(db, flt, sort="per_capita")
    assert len(whole) == 6
    pages, after = [], None
    for _ in range(4):
        rows = listing.list_households(db.conn, flt, sort="per_capita", after=after, limit=2)
        pages.append([r["name"] for r in rows])
        after = listing.page_key(rows[-1]) if rows else after
    assert [len(p) for p in pages] == [2, 2, 2, 0]
    assert pages[0] + pages[1] + pages[2] == whole
    assert listing.count_households(db.conn, flt) == 6


def test_list_rows_carry_unit_name(db, office):
    rows = listing.list_households(db.conn, HouseholdFilter(text="张三", today=TODAY))
    assert [(r["unit_code"], r["unit_name"]) for r in rows] == [("460001", "省财贸工会")]


# ---- counts and numbers -----------------------------------------------------------


def test_count_by_status_ignores_the_status_filter(db, office):
    assert listing.count_by_status(db.conn, HouseholdFilter(today=TODAY)) == {"在档": 3, "临时": 1, "脱困": 1, "注销": 1}
    assert listing.count_by_status(db.conn, HouseholdFilter(statuses=("注销",), unit_codes=("460001",), today=TODAY)) \
        == {"在档": 2, "注销": 1}
    assert listing.count_by_status(db.conn, HouseholdFilter(text="zhang", today=TODAY)) == {"在档": 1, "注销": 1}
    assert listing.count_by_status(db.conn, HouseholdFilter(text="nobody", today=TODAY)) == {}


def test_next_archive_no_sequence(db, archive, make_household):
    conn = db.conn
    assert repo.next_archive_no(conn, "460001", 2026) == "460001-2026-0001"
    numbers = [archive.save(make_household(seq)).archive_no for seq in (1, 2, 3)]
    assert numbers == ["460001-2026-0001", "460001-2026-0002", "460001-2026-0003"]
    assert repo.next_archive_no(conn, "460001", 2026) == "460001-2026-0004"
    # Each unit and each year counts on its own.
    assert repo.next_archive_no(conn, "460002", 2026) == "460002-2026-0001"
    assert repo.next_archive_no(conn, "460001", 2025) == "460001-2025-0001"
    other_year = archive.save(make_household(4, created_date=date(2025, 5, 1)))
    assert other_year.archive_no == "460001-2025-0001"
    # After a gap (a hand-numbered archive), numbering continues after the highest.
    gap = archive.save(make_household(5, archive_no="460001-2026-0041"))
    assert gap.archive_no == "460001-2026-0041"
    assert repo.next_archive_no(conn, "460001", 2026) == "460001-2026-0042"
    assert repo.next_archive_no(conn, "46000", 2026) == "46000-2026-0001"
    assert repo.next_archive_no(conn, "46000_", 2026) == "46000_-2026-0001"  # no wildcard matching


@pytest.mark.parametrize("sort", ["archive_no", "name", "category", "per_capita", "phone"])
@pytest.mark.parametrize("descending", [False, True])
def test_keyset_pages_walk_the_whole_list_in_order(db, actor, make_household, sort, descending):
    from aiddesk.services.archive import ArchiveService

    service = ArchiveService(db, actor)
    names = ["张三", "李四", "王五", "赵六", "钱七", "孙八", "周九", "吴十", "郑一", "冯二", "陈三"]
    for seq, name in enumerate(names, start=1):
        service.save(make_household(seq, name=name, members=0, hardship_category=["低保户", "低保边缘户"][seq % 2],
                                    monthly_income=Decimal(300 + 50 * (seq % 4)), phone=""))
    flt = HouseholdFilter(today=TODAY)
    whole = [r["id"] for r in listing.list_households(db.conn, flt, sort=sort, descending=descending, limit=100)]
    paged, after = [], None
    while True:
        page = listing.list_households(db.conn, flt, sort=sort, descending=descending, after=after, limit=3)
        if not page:
            break
        paged += [r["id"] for r in page]
        after = listing.page_key(page[-1])
    assert paged == whole and len(whole) == len(names)


@pytest.mark.parametrize("flt", [
    HouseholdFilter(today=TODAY), HouseholdFilter(statuses=(), today=TODAY),
    HouseholdFilter(text="zs", today=TODAY), HouseholdFilter(statuses=("注销",), today=TODAY),
])
@pytest.mark.parametrize("few", [0, 10_000])
def test_find_then_page_agrees_with_plain_queries(db, office, monkeypatch, flt, few):
    """Both ways of reading a page (by ids when few, by walking the index when many) give the same rows."""
    monkeypatch.setattr(listing, "FEW", few)
    found = listing.find_households(db.conn, flt)
    assert found.total == listing.count_households(db.conn, flt)
    assert found.by_status == listing.count_by_status(db.conn, flt)
    assert (found.ids is None) == (found.total > few)
    for sort in ("archive_no", "name", "per_capita"):
        fast = [r["id"] for r in listing.list_households(db.conn, flt, found=found, sort=sort)]
        plain = [r["id"] for r in listing.list_households(db.conn, flt, sort=sort)]
        assert fast == plain


def test_find_counts_past_the_scan_limit(db, office, monkeypatch):
    monkeypatch.setattr(listing, "SCAN_LIMIT", 2)
    flt = HouseholdFilter(statuses=(), today=TODAY)
    found = listing.find_households(db.conn, flt)
    assert found.total == listing.count_households(db.conn, flt) > 2


@pytest.mark.parametrize("text", ["%", "_", "张%", "\\"])
def test_wildcards_typed_in_the_search_box_match_literally(db, office, text):
    assert names(db, HouseholdFilter(statuses=(), text=text, today=TODAY)) == []


def test_planner_statistics_are_refreshed_when_the_archive_grows(db):
    rows = [(f"460001-2020-{i:04d}", "460001", f"户主{i}", " hz", " huzhu", f"46010019800101{i:04d}", "低保户", "在档",
             "2020-01-01", "2020-01-01T00:00:00") for i in range(1200)]
    with db.transaction() as conn:
        conn.executemany(
            "INSERT INTO households (archive_no, unit_code, name, name_initials, name_pinyin, id_number,"
            " hardship_category, archive_status, created_date, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows)
    assert repo.analyze_if_needed(db.conn) is True
    assert db.conn.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'households'").fetchone()[0] > 0
    assert repo.analyze_if_needed(db.conn) is False  # up to date: nothing to do


# ---- full-width, odd case and control characters in the search box (issue 16, items 11 and 12) ---------------

@pytest.fixture
def hn(db, archive, make_household):
    """A household numbered HN0100-2026-0267 whose phone ends in 0267 too (a phone is searched by its start and
    end: issue 17)."""
    return archive.get(archive.save(make_household(7, name="符海燕", archive_no="HN0100-2026-0267",
                                                   phone="13912340267")).household_id)


def test_full_width_search_text_finds_what_half_width_finds(db, office, hn):
    assert found(db, text="０２６７") == found(db, text="0267") == {"符海燕"}
    assert found(db, text="ＨＮ0100") == found(db, text="HN0100") == {"符海燕"}
    assert found(db, text="４６０００２－２０２６") == found(db, text="460002-2026") == {"曾小单", "阿明"}
    assert found(db, text="ｚｓ") == {"张三"}


def test_archive_numbers_are_searched_in_any_letter_case(db, office, hn):
    assert found(db, text="hn0100") == found(db, text="Hn0100-2026-0267") == {"符海燕"}
    # An archive number stored in odd case by an older version is found all the same.
    db.conn.execute("UPDATE households SET archive_no = 'cm2015-0009' WHERE id = ?", (office["王五"].id,))
    assert found(db, text="CM2015") == found(db, text="cm2015") == {"王五"}


@pytest.mark.parametrize("text", ["\x00", "\x00\x01", " \x00\t", "\x7f"])
def test_a_search_text_of_control_characters_is_an_empty_box(db, office, text):
    """Nothing left after the control characters go: the list as with an empty box (never "all" by a NUL)."""
    flt = HouseholdFilter(text=text, today=TODAY)
    assert found(db, text=text) == found(db)
    assert listing.count_by_status(db.conn, flt) == listing.count_by_status(db.conn, HouseholdFilter(today=TODAY))
    assert listing.find_households(db.conn, flt) == listing.find_households(db.conn, HouseholdFilter(today=TODAY))


@pytest.mark.parametrize("text", ["\x00zzz", "zzz\x00", "\x00无此人", "无\x00此人", "\x009999"])
def test_a_nul_in_the_search_text_does_not_match_everything(db, office, text):
    assert found(db, text=text) == set()
    assert listing.find_households(db.conn, HouseholdFilter(text=text, today=TODAY)).total == 0


def test_find_household_id_takes_the_key_in_any_case_and_width(db, office, hn):
    assert repo.find_household_id(db.conn, "hn0100-2026-0267") == hn.id
    assert repo.find_household_id(db.conn, "ＨＮ０１００－２０２６－０２６７") == hn.id
    assert repo.find_household_id(db.conn, f" {hn.id_number.lower()} ") == hn.id
    db.conn.execute("UPDATE households SET archive_no = 'cm2015-0009' WHERE id = ?", (office["王五"].id,))
    assert repo.find_household_id(db.conn, "CM2015-0009") == repo.find_household_id(db.conn, "cm2015-0009") \
        == office["王五"].id
    assert repo.archive_no_holder(db.conn, "CM2015-0009", exclude_id=None).household_id == office["王五"].id


def test_next_archive_no_counts_numbers_stored_in_another_case(db, archive, make_household):
    from aiddesk.db.audit import Actor
    from aiddesk.db.units import Unit
    from aiddesk.services import units

    units.save_unit(db, Actor("测试员", "命令行"), Unit("hn0100", "海口市总工会", "基层", "460000"), new=True)
    first = archive.save(make_household(1, unit_code="hn0100"))
    assert first.archive_no == "HN0100-2026-0001"
    db.conn.execute("UPDATE households SET archive_no = 'hn0100-2026-0007' WHERE id = ?", (first.household_id,))
    assert repo.next_archive_no(db.conn, "hn0100", 2026) == "HN0100-2026-0008"
    assert archive.save(make_household(2, unit_code="hn0100")).archive_no == "HN0100-2026-0008"
