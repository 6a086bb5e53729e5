"""Characters outside the BMP (𠮷 𡘙 𪚥) in names, addresses and notes: they survive database → exchange workbook →
import into a fresh database. Printing them (a fallback font, or □ when there is none) is tested in
tests/reports/test_font_fallback.py.

Example counts are small so tests/fuzz/ runs in well under a minute; ``AIDDESK_FUZZ_EXAMPLES=50`` (a multiplier)
runs fifty times as many.
"""

from __future__ import annotations

import os
import shutil
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiddesk.core.clock import FixedClock
from aiddesk.db import open_database
from aiddesk.exchange.export import export_workbook
from aiddesk.services.archive import ArchiveService
from aiddesk.services.exchange_import import ExchangeImportService

SCALE = max(1, int(os.environ.get("AIDDESK_FUZZ_EXAMPLES", "1")))
RARE = "𠮷𡘙𪚥"
FIELDS = ("SELECT name, address, note, employer FROM households ORDER BY archive_no",
          "SELECT m.name, m.employer_or_school FROM members m JOIN households h ON h.id = m.household_id"
          " ORDER BY h.archive_no, m.id_number")


def _rows(database) -> list[list[tuple]]:
    return [[tuple(r) for r in database.conn.execute(q)] for q in FIELDS]


def _round_trip(template, tmp_path, actor, make_household, texts: list[str]):
    """Save one household per text (in name, address, note, employer, a member's name), export, import fresh."""
    shutil.copyfile(template, tmp_path / "office.sqlite")
    shutil.copyfile(template, tmp_path / "fresh.sqlite")
    office = open_database(tmp_path / "office.sqlite", clock=FixedClock(date(2026, 11, 26)))
    fresh = open_database(tmp_path / "fresh.sqlite", clock=FixedClock(date(2026, 11, 26)))
    try:
        service = ArchiveService(office, actor)
        for k, text in enumerate(texts, start=1):
            h = make_household(k, name=("王" + text)[:30], address="海口市" + text, note=text, employer=text,
                               archive_no=f"CM2026{k:03d}", created_date=date(2026, 3, 1))
            h.members[0].name = ("李" + text)[:30]
            service.save(h)
        export_workbook(office, tmp_path / "year.xlsx", year=2026, actor=actor)
        report = ExchangeImportService(fresh, actor).import_file(tmp_path / "year.xlsx")
        assert report.errors == [], [e.as_dict() for e in report.errors]
        return _rows(office), _rows(fresh)
    finally:
        office.close()
        fresh.close()


def test_rare_characters_survive_export_and_import(office_file, tmp_path, actor, make_household):
    texts = [RARE, "𠮷" * 200, "甲\x01乙\ud800丙\t丁\u3000"]
    mine, theirs = _round_trip(office_file, tmp_path, actor, make_household, texts)
    assert mine == theirs
    assert mine[0][0][0] == "王" + RARE and RARE in mine[0][0][1]


# Free text as people type it: CJK, rare ideographs, emoji, full-width forms, combining marks, some ASCII.
_TEXT = st.text(st.one_of(st.sampled_from(list(RARE + "王芳海口金贸路号ＡＢ１２（）·—…　é́😀\x01\x1f\t\n")),
                          st.characters(min_codepoint=0x20000, max_codepoint=0x2A6DF)), min_size=1, max_size=20)


@settings(max_examples=20 * SCALE, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(texts=st.lists(_TEXT, min_size=1, max_size=3))
def test_random_rare_text_survives_the_round_trip(office_file, tmp_path_factory, actor, make_household, texts):
    mine, theirs = _round_trip(office_file, tmp_path_factory.mktemp("trip"), actor, make_household, texts)
    assert len(mine[0]) == len(texts) and mine == theirs


def test_a_literal_ooxml_escape_in_a_note_survives_the_round_trip(office_file, tmp_path, actor, make_household):
    """OOXML reads "_x0041_" as "A": the writer escapes the literal as "_x005F_x0041_"."""
    mine, theirs = _round_trip(office_file, tmp_path, actor, make_household, ["见_x0041_号", "_x005F_", "_x12"])
    assert mine == theirs
    assert mine[0][0][2] == "见_x0041_号"
