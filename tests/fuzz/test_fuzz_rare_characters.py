"""Characters outside the BMP (𠮷 𡘙 𪚥) in names, addresses and notes: they survive database → exchange workbook →
import into a fresh database, and printing the archive form (drawn in a fallback font, or as □ when there is none).

Example counts are small so tests/fuzz/ runs in well under a minute; ``AIDDESK_FUZZ_EXAMPLES=50`` (a multiplier)
runs fifty times as many.
"""

from __future__ import annotations

import os
import shutil
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen
from pypdf import PdfReader

from aiddesk.cli import main
from aiddesk.db import open_database
from aiddesk.exchange.export import export_workbook
from aiddesk.reports import glyphs
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
    office = open_database(tmp_path / "office.sqlite")
    fresh = open_database(tmp_path / "fresh.sqlite")
    try:
        service = ArchiveService(office, actor)
        for k, text in enumerate(texts, start=1):
            h = make_household(k, name=("王" + text)[:30], address="海口市" + text, note=text, employer=text,
                               archive_no=f"CM2026{k:03d}", created_date=date(2026, 3, 1))
            h.members[0].name = ("李" + text)[:30]
            service.save(h, today=date(2026, 11, 26))
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


def _rare_font(path) -> str:
    """A tiny TrueType font with a box for each of 𠮷 𡘙 𪚥 (the office's own would be SimSun-ExtB or HanaMinB)."""
    names = [".notdef"] + [f"u{ord(c):X}" for c in RARE]
    fb = FontBuilder(1000, isTTF=True)
    fb.setupGlyphOrder(names)
    fb.setupCharacterMap({ord(c): n for c, n in zip(RARE, names[1:])})
    outlines = {}
    for n in names:
        pen = TTGlyphPen(None)
        pen.moveTo((100, -100))
        pen.lineTo((100, 800))
        pen.lineTo((900, 800))
        pen.lineTo((900, -100))
        pen.closePath()
        outlines[n] = pen.glyph()
    fb.setupGlyf(outlines)
    fb.setupHorizontalMetrics({n: (1000, 100) for n in names})
    fb.setupHorizontalHeader(ascent=880, descent=-120)
    fb.setupNameTable({"familyName": "AidDeskFuzzRare", "styleName": "Regular", "psName": "AidDeskFuzzRare"})
    fb.setupOS2(fsType=0)
    fb.setupPost()
    fb.save(str(path))
    return str(path)


@pytest.fixture
def fallback_fonts():
    """Sets the fallback fonts a test prints with (none: the machine's own fonts never decide a result)."""
    glyphs.set_fallback_places([])
    yield glyphs.set_fallback_places
    glyphs.set_fallback_places(None)


def _print_form(db, actor, make_household, tmp_path) -> str:
    h = make_household(1, name="王" + RARE, address="海口市𡘙路" + RARE, archive_no="CM2026001")
    ArchiveService(db, actor).save(h, today=date(2026, 11, 26))
    out = tmp_path / "form.pdf"
    assert main(["--db", str(db.path), "print", "archive", "--household", "CM2026001", "--out", str(out)]) == 0
    return "".join(page.extract_text() for page in PdfReader(out).pages)


def test_without_a_font_for_them_rare_characters_print_as_hollow_squares(db, actor, make_household, tmp_path,
                                                                        fallback_fonts):
    """The bundled WenQuanYi Micro Hei has no glyph for them and no fallback font is found: each prints as □,
    so the clerk sees a character is missing, and the rest of the form prints and reads as it should."""
    text = _print_form(db, actor, make_household, tmp_path)
    assert "困难职工档案登记表" in text and "王□□□" in text and "海口市□路□□□" in text
    assert "\x00" not in text


def test_rare_characters_are_in_the_printed_forms_text(db, actor, make_household, tmp_path, fallback_fonts):
    fallback_fonts([_rare_font(tmp_path / "rare.ttf")])
    text = _print_form(db, actor, make_household, tmp_path)
    assert "王" + RARE in text and "海口市𡘙路" + RARE in text


def test_a_literal_ooxml_escape_in_a_note_survives_the_round_trip(office_file, tmp_path, actor, make_household):
    """OOXML reads "_x0041_" as "A": the writer escapes the literal as "_x005F_x0041_"."""
    mine, theirs = _round_trip(office_file, tmp_path, actor, make_household, ["见_x0041_号", "_x005F_", "_x12"])
    assert mine == theirs
    assert mine[0][0][2] == "见_x0041_号"
