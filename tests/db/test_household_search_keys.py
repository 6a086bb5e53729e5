"""Search keys at the centre's size: whole numbers and tails by index, a family member's ID finds the household."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from aiddesk.cli import main
from aiddesk.core.clock import FixedClock
from aiddesk.core.pinyin import pinyin_keys
from aiddesk.db import household_list as listing
from aiddesk.db import households as repo
from aiddesk.db import open_database
from aiddesk.db.household_list import HouseholdFilter
from aiddesk.db.search_keys import READINGS, prefix_range, readings_from, tail_key
from aiddesk.paths import SCHEMA_FILE, resource
from aiddesk.services.archive import ArchiveService
from aiddesk.services.exchange_import import ExchangeImportService

TODAY = date(2026, 11, 26)
WANG = "46010019750302004X"     # 王芳: an ID ending in X
CHILD = "460100200203040019"    # 王芳's child, whom a 金秋助学 line names
V7_FILE = Path(__file__).parents[1] / "data" / "v7_office.sqlite"
SEARCH_INDEXES = ("households_name", "households_given_name", "households_initials", "households_initials_2",
                  "households_initials_3", "households_pinyin_2", "households_pinyin_3", "households_id_tail",
                  "households_phone_tail", "households_archive_no", "members_id_tail")


@pytest.fixture
def archive(db, actor):
    return ArchiveService(db, actor)


@pytest.fixture
def office(archive, make_household):
    """Three households: 张三 (two members), 王芳 (an ID ending in X, a child), 李梅 closed (注销)."""
    zhang = archive.save(make_household(1, name="张三", phone="13912340031")).household_id
    wang = make_household(2, name="王芳", phone="13698765432", members=3)
    wang.id_number = WANG
    wang.members[2].id_number = CHILD
    wang_id = archive.save(wang).household_id
    li = archive.save(make_household(4, name="李梅", phone="13800001111")).household_id
    archive.change_status(li, "注销", on=date(2026, 10, 1), reason="退休")
    return {"张三": archive.get(zhang), "王芳": archive.get(wang_id), "李梅": archive.get(li)}


def found(db, text: str, **filter_args) -> set[str]:
    """Names the list shows for ``text`` (every status), the fast way and the plain way alike."""
    flt = HouseholdFilter(statuses=(), text=text, today=TODAY, **filter_args)
    result = listing.find_households(db.conn, flt)
    names = {r["name"] for r in listing.list_households(db.conn, flt, found=result)}
    assert names == {r["name"] for r in listing.list_households(db.conn, flt)}
    assert result.total == listing.count_households(db.conn, flt) == len(names)
    return names


def statements(db, text: str) -> list[str]:
    """The SELECTs the list runs for ``text``: finding, counting, a page by ids and a page of many."""
    flt = HouseholdFilter(statuses=(), text=text, today=TODAY)
    seen: list[str] = []
    db.conn.set_trace_callback(seen.append)
    try:
        result = listing.find_households(db.conn, flt)
        listing.list_households(db.conn, flt, found=result)
        listing.list_households(db.conn, flt, found=listing.Found(result.by_status, result.total, None))
    finally:
        db.conn.set_trace_callback(None)
    return [s for s in seen if s.lstrip().upper().startswith("SELECT")]


def full_scans(db, sql: str) -> list[str]:
    """The steps of the plan of ``sql`` that read a whole table or index — but a page of many matches walking its
    sort column's index, which stops after the page's rows."""
    steps = [r[3] for r in db.conn.execute("EXPLAIN QUERY PLAN " + sql)]
    return [s for s in steps if re.match(r"SCAN (households|members|u\b)", s) or s == "SCAN h"]


# ---- what the search box finds ---------------------------------------------------------------------------------


def test_a_whole_id_number_finds_its_household(db, office):
    zhang = office["张三"]
    assert found(db, zhang.id_number) == {"张三"}
    assert found(db, office["李梅"].id_number) == {"李梅"}  # closed archives are found too (every status)


def test_the_last_digits_of_an_id_number_find_the_household(db, office):
    zhang = office["张三"]
    for n in (4, 6, 10):
        assert found(db, zhang.id_number[-n:]) == {"张三"}, n
    assert found(db, "9" + zhang.id_number[-6:]) == set()  # a tail is the number's end, not any six digits


def test_a_family_members_id_number_or_its_tail_finds_the_household(db, office):
    child = office["王芳"].members[2]
    assert child.id_number == CHILD
    assert found(db, child.id_number) == {"王芳"}   # the row shown is the household
    assert found(db, child.id_number[-6:]) == {"王芳"}
    spouse = office["张三"].members[0]
    assert found(db, spouse.id_number[-4:]) == {"张三"}


def test_an_x_check_digit_is_found_as_x_or_lower_case_even_where_an_older_version_kept_it_so(db, office):
    assert found(db, WANG) == found(db, WANG.lower()) == {"王芳"}
    assert found(db, "004x") == found(db, "004X") == {"王芳"}
    with db.transaction() as conn:  # as an older version stored it, typed
        conn.execute("UPDATE households SET id_number = lower(id_number) WHERE name = '王芳'")
    assert found(db, "004X") == found(db, WANG) == {"王芳"}
    assert repo.find_household_id(db.conn, WANG) == office["王芳"].id


def test_a_phone_number_is_found_whole_by_its_start_or_by_its_end(db, office):
    assert found(db, "13912340031") == {"张三"}
    assert found(db, "5432") == {"王芳"}       # the last digits, as a clerk reads them off a call list
    assert found(db, "1369876") == {"王芳"}    # the start, from 7 digits on
    assert found(db, "9876") == set()          # the middle is neither


def test_an_old_15_digit_id_number_finds_the_18_digit_archive(db, office):
    number = office["张三"].id_number
    old = number[:6] + number[8:17]   # 19 of the year and the check digit were added in 1999
    assert found(db, old) == {"张三"}
    assert repo.find_household_id(db.conn, old) == office["张三"].id


def test_names_and_pinyin_are_found_by_the_start_of_the_name_the_given_name_or_any_reading(db, archive,
                                                                                          make_household):
    for seq, name in enumerate(("单雄信", "尉迟恭", "王小单"), start=1):
        archive.save(make_household(seq, name=name))
    assert found(db, "单") == {"单雄信"}            # a name's start …
    assert found(db, "小单") == {"王小单"}          # … or its given name's
    assert found(db, "sxx") == found(db, "dxx") == found(db, "cxx") == {"单雄信"}  # each of its readings
    assert found(db, "yunchi") == found(db, "weichigong") == found(db, "ycg") == {"尉迟恭"}


def test_a_surname_has_no_more_readings_than_the_search_indexes_hold():
    """Each reading of a name has an index (households_initials_2, _3 …): a surname read more ways needs one more."""
    with open(resource("codes", "surname_readings.json"), encoding="utf-8") as f:
        surnames = json.load(f)
    for name in [*surnames["single"], *surnames["compound"]]:
        initials, full = pinyin_keys(name + "明")
        assert max(len(initials.split()), len(full.split())) <= READINGS, name


def test_every_search_reads_ranges_of_indexes_and_never_a_whole_table(db, office):
    zhang = office["张三"]
    texts = ["王", "小单", "HN0100", "460001-2026", "zs", "zhang", "cxd", zhang.id_number, zhang.id_number[-4:],
             WANG.lower(), "13912340031", "0031", zhang.id_number[:6] + zhang.id_number[8:17]]
    for text in texts:
        for sql in statements(db, text):
            assert full_scans(db, sql) == [], (text, sql)


def test_a_whole_id_number_is_one_lookup_on_the_id_tail_indexes(db, office):
    sql = statements(db, office["张三"].id_number)[0]
    plan = " ".join(r[3] for r in db.conn.execute("EXPLAIN QUERY PLAN " + sql))
    assert "households_id_tail" in plan and "members_id_tail" in plan


def test_list_counts_read_the_narrowest_index_and_agree_with_the_rows(db, archive, make_household):
    for seq in range(1, 6):
        archive.save(make_household(seq, name=f"李{'一二三四五'[seq - 1]}", hardship_category="低保边缘户"
                                    if seq % 2 else "低保户"))
    captured: list[str] = []
    db.conn.set_trace_callback(captured.append)
    try:
        by_status = listing.count_by_status(db.conn, HouseholdFilter(today=TODAY))
        by_category = listing.count_by_status(db.conn, HouseholdFilter(today=TODAY, category="低保户"))
    finally:
        db.conn.set_trace_callback(None)
    assert by_status == {"在档": 5} and by_category == {"在档": 2}
    plans = [" ".join(r[3] for r in db.conn.execute("EXPLAIN QUERY PLAN " + sql)) for sql in captured]
    assert "COVERING INDEX households_status" in plans[0] and "COVERING INDEX households_search" in plans[1]
    # households_search is the filters' alone: the search texts have their own indexes, and width is time.
    columns = [r[2] for r in db.conn.execute("PRAGMA index_info(households_search)")]
    assert columns == ["archive_status", "unit_code", "hardship_category", "main_cause", "is_migrant_worker",
                       "updated_at", "secondary_causes", "missing_docs"]


def test_counts_of_a_text_search_come_from_the_indexes_and_agree_with_the_rows(db, archive, make_household):
    for seq in range(1, 8):
        archive.save(make_household(seq, name=f"王{'一二三四五六七'[seq - 1]}"))
    archive.change_status(archive.find(make_household(3).id_number).id, "脱困", on=date(2026, 10, 1), reason="脱困")
    flt = HouseholdFilter(text="王", today=TODAY)
    result = listing.find_households(db.conn, flt)
    assert result.by_status == {"在档": 6, "脱困": 1} and result.total == 6
    assert listing.count_by_status(db.conn, flt) == result.by_status
    # With another filter the matches are read by id: the same counts.
    assert listing.count_by_status(db.conn, HouseholdFilter(text="王", category="低保户", today=TODAY)) == {
        "在档": 6, "脱困": 1}


def test_the_archive_number_lookups_of_every_save_read_an_index_not_the_archive(db, office):
    """Saving asks whether the 档案编号 is taken (in any letter case) and which is next: at a centre's 100 000
    archives a pass over the table each time made every save slow (and the demo build quadratic)."""
    seen: list[str] = []
    db.conn.set_trace_callback(seen.append)
    try:
        assert repo.archive_no_holder(db.conn, office["张三"].archive_no.lower(), exclude_id=None).name == "张三"
        assert repo.next_archive_no(db.conn, "460001", 2026) == "460001-2026-0004"
        assert repo.find_household_id(db.conn, office["李梅"].archive_no.lower()) == office["李梅"].id
    finally:
        db.conn.set_trace_callback(None)
    selects = [s for s in seen if s.lstrip().upper().startswith("SELECT")]
    assert selects and all(full_scans(db, sql) == [] for sql in selects), selects


# ---- kept up to date by every writer -----------------------------------------------------------------------


def test_the_keys_follow_an_edit_saved_through_the_repository(db, archive, office):
    wang = office["王芳"]
    old_child, old_phone = wang.members[2].id_number, wang.phone
    wang.members[2].id_number = "46010020020304049X"
    wang.phone = "13511112222"
    archive.save(wang)
    assert found(db, old_child[-6:]) == found(db, old_phone[-4:]) == set()
    assert found(db, "04049x") == found(db, "2222") == {"王芳"}
    assert repo.find_household_id(db.conn, "46010020020304049x") == wang.id


def test_the_keys_follow_an_exchange_import_and_its_newer_book(db, actor, export_sub_unit, tmp_path):
    book = export_sub_unit(people=("张三", "李梅"))
    service = ExchangeImportService(db, actor)
    assert service.import_file(book).errors == []
    head, member = db.conn.execute("SELECT h.id_number, m.id_number FROM households h JOIN members m"
                                   " ON m.household_id = h.id WHERE h.name = '李梅' ORDER BY m.seq").fetchone()
    assert found(db, head[-4:]) == found(db, member) == found(db, member[-6:]) == {"李梅"}
    # A newer book of the unit with the member's number corrected.
    wb = load_workbook(book)
    sheet = wb["家庭成员"]
    headers = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[headers.index("身份证号")].value == member:
            row[headers.index("身份证号")].value = "460100200304050072"
    newer = tmp_path / "newer.xlsx"
    wb.save(newer)
    report = service.import_file(newer)
    assert report.errors == [] and report.written
    assert found(db, member[-6:]) == set()
    assert found(db, "050072") == found(db, "460100200304050072") == {"李梅"}


def test_a_row_written_by_a_plain_sqlite3_connection_is_found_and_the_file_checks_whole(db, office):
    """The keys are SQLite's own expressions: an IT person's sqlite3 shell reads the file and keeps them too."""
    db.close()
    plain = sqlite3.connect(db.path)  # no function of ours registered
    try:
        plain.execute("INSERT INTO members (household_id, seq, name, relation, id_number) VALUES (?, 9, '张小华', '女',"
                      " '460100200807080214')", (office["张三"].id,))
        plain.commit()
        assert plain.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        key = tail_key("id_number", check_digit=True)
        low, high = prefix_range("4120")
        assert plain.execute(f"SELECT household_id FROM members WHERE {key} >= ? AND {key} < ?",
                             (low, high)).fetchall() == [(office["张三"].id,)]
    finally:
        plain.close()
    again = open_database(db.path, clock=FixedClock(TODAY))
    try:
        assert found(again, "080214") == {"张三"}
    finally:
        again.close()


# ---- the upgrade -------------------------------------------------------------------------------------------------


def _index_sql(conn, name: str) -> str:
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", (name,)).fetchone()
    assert sql is not None, name
    return " ".join(sql[0].split())


def test_an_upgraded_older_file_has_the_keys_and_finds_by_tails_in_any_case(tmp_path):
    path = tmp_path / "v7.sqlite"
    shutil.copyfile(V7_FILE, path)
    raw = sqlite3.connect(path)  # an x kept as typed by an older version
    raw.execute("UPDATE members SET id_number = '46010019720502013x' WHERE name = '赵六之妻'")
    raw.commit()
    raw.close()
    upgraded = open_database(path, clock=FixedClock(date(2026, 12, 7)))
    fresh = open_database(tmp_path / "new.sqlite")
    try:
        for name in SEARCH_INDEXES:
            assert _index_sql(upgraded.conn, name) == _index_sql(fresh.conn, name)
        assert upgraded.conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'households_text'").fetchone() is None
        assert found(upgraded, "013X") == found(upgraded, "46010019720502013x") == {"赵六"}
        assert found(upgraded, "0186") == found(upgraded, "13812340006") == {"周八"}
        assert found(upgraded, "020064") == {"李梅"}
        assert upgraded.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        upgraded.close()
        fresh.close()


def test_the_schema_writes_each_key_as_the_search_does():
    """A query finds an expression index only when it writes the expression exactly so: db_schema.sql against
    aiddesk/db/search_keys.py (whitespace aside)."""
    schema = " ".join(SCHEMA_FILE.read_text(encoding="utf-8").split())
    assert f"households_id_tail ON households( {tail_key('id_number', check_digit=True)}, archive_status)" in schema
    assert f"households_phone_tail ON households( {tail_key('phone')}, archive_status)" in schema
    assert f"members_id_tail ON members( {tail_key('id_number', check_digit=True)}, household_id)" in schema
    for column, short in (("name_initials", "initials"), ("name_pinyin", "pinyin")):
        for k in range(2, READINGS + 1):
            assert f"households_{short}_{k} ON households( {readings_from(column, k)}, archive_status)" in schema


# ---- printing and finding by a family member's ID ----------------------------------------------------------------


def test_print_archive_by_a_family_members_id_number(db, office, tmp_path, capsys):
    out = tmp_path / "登记表.pdf"
    code = main(["--db", str(db.path), "print", "archive", "--household", CHILD, "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    text = "".join(p.extract_text() for p in PdfReader(out).pages)
    assert text.count("困难职工档案登记表") == 1 and "王芳" in text


def test_an_id_number_finds_the_open_archive_it_heads_or_belongs_to_before_a_closed_one(db, archive, office,
                                                                                       make_household):
    child = CHILD
    assert repo.find_household_id(db.conn, child) == office["王芳"].id   # a member of an open archive
    # 王芳's archive is closed, and the child, grown up, heads one of its own: that one now.
    archive.change_status(office["王芳"].id, "注销", on=date(2026, 10, 2), reason="其他")
    own = make_household(9, name="王小红", members=0)
    own.id_number = child
    own_id = archive.save(own).household_id
    assert repo.find_household_id(db.conn, child) == own_id
    # Closed too: the head before the member.
    archive.change_status(own_id, "注销", on=date(2026, 10, 3), reason="其他")
    assert repo.find_household_id(db.conn, child) == own_id
