"""Fallback fonts for characters WenQuanYi Micro Hei lacks (𠮷 𡘙 𪚥): a real TrueType font built here, real PDFs."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.t2CharStringPen import T2CharStringPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from pypdf import PdfReader
from reportlab.pdfbase.pdfmetrics import getFont, stringWidth

from aiddesk.cli import main
from aiddesk.reports import glyphs
from aiddesk.reports.common import wrap_text
from aiddesk.reports.fonts import register_fonts, runs
from aiddesk.services.archive import ArchiveService

RARE = "𠮷𡘙𪚥"
ADVANCE = 800   # of 1000 units: narrower than Micro Hei's ideographs (1000), so a wrong measure shows
PS_NAME = "AidDeskTestRare"


def _box(pen) -> None:
    pen.moveTo((100, -100))
    pen.lineTo((100, 800))
    pen.lineTo((ADVANCE - 100, 800))
    pen.lineTo((ADVANCE - 100, -100))
    pen.closePath()


def build_rare_font(path: Path, *, cff: bool = False, chars: str = RARE, ps_name: str = PS_NAME) -> Path:
    """A tiny font with a box for each of ``chars`` (TrueType outlines, or CFF ones that reportlab refuses)."""
    names = [".notdef"] + [f"u{ord(c):X}" for c in chars]
    fb = FontBuilder(1000, isTTF=not cff)
    fb.setupGlyphOrder(names)
    fb.setupCharacterMap({ord(c): n for c, n in zip(chars, names[1:])})
    if cff:
        def charstring():
            pen = T2CharStringPen(ADVANCE, None)
            _box(pen)
            return pen.getCharString()
        fb.setupCFF(ps_name, {"FullName": ps_name}, {n: charstring() for n in names}, {})
    else:
        def glyph():
            pen = TTGlyphPen(None)
            _box(pen)
            return pen.glyph()
        fb.setupGlyf({n: glyph() for n in names})
    fb.setupHorizontalMetrics({n: (ADVANCE, 100) for n in names})
    fb.setupHorizontalHeader(ascent=880, descent=-120)
    fb.setupNameTable({"familyName": ps_name, "styleName": "Regular", "psName": ps_name})
    fb.setupOS2(sTypoAscender=880, sTypoDescender=-120, usWinAscent=880, usWinDescent=120, fsType=0)
    fb.setupPost()
    fb.save(str(path))
    return path


@pytest.fixture
def rare_font(tmp_path) -> Path:
    return build_rare_font(tmp_path / "rare.ttf")


@pytest.fixture(autouse=True)
def _fallbacks_restored(monkeypatch):
    """Each test says which fallback fonts exist; the machine's own fonts never decide a result."""
    monkeypatch.delenv(glyphs.ENV_VAR, raising=False)
    glyphs.set_fallback_places([])
    yield
    glyphs.set_fallback_places(None)
    glyphs.set_database_folder(None)


def _print_form(db, actor, make_household, tmp_path) -> Path:
    h = make_household(1, name="王" + RARE, address="海口市𡘙路" + RARE, archive_no="CM2026001")
    db.clock.set(date(2026, 11, 26))
    ArchiveService(db, actor).save(h)
    out = tmp_path / "form.pdf"
    assert main(["--db", str(db.path), "print", "archive", "--household", "CM2026001", "--out", str(out)]) == 0
    return out


def _text(pdf: Path) -> str:
    return "".join(page.extract_text() for page in PdfReader(pdf).pages)


def _embedded_fonts(pdf: Path) -> dict[str, bool]:
    """BaseFont name → whether the font program is in the file."""
    fonts = {}
    for page in PdfReader(pdf).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/FontDescriptor"].get_object()
            fonts[str(font["/BaseFont"])] = "/FontFile2" in descriptor
    return fonts


def test_the_archive_form_prints_rare_characters_in_the_fallback_font(db, actor, make_household, tmp_path,
                                                                       rare_font, monkeypatch):
    glyphs.set_fallback_places(None)   # as installed: the environment variable, then fallbacks.json
    monkeypatch.setenv(glyphs.ENV_VAR, str(rare_font))
    pdf = _print_form(db, actor, make_household, tmp_path)
    text = _text(pdf)
    assert "王" + RARE in text and "海口市𡘙路" + RARE in text
    assert "\x00" not in text and "□" not in text
    fonts = _embedded_fonts(pdf)
    assert any(name.endswith("+" + PS_NAME) for name in fonts), fonts
    assert all(fonts.values()), fonts


def test_without_a_fallback_font_each_missing_character_prints_as_a_hollow_square(db, actor, make_household,
                                                                                   tmp_path):
    pdf = _print_form(db, actor, make_household, tmp_path)
    text = _text(pdf)
    assert "王□□□" in text and "海口市□路□□□" in text
    assert "\x00" not in text
    assert not any(PS_NAME in name for name in _embedded_fonts(pdf))


def test_files_that_are_no_usable_font_are_skipped(db, actor, make_household, tmp_path, rare_font, caplog):
    garbage = tmp_path / "fonts" / "broken.ttf"
    garbage.parent.mkdir()
    garbage.write_bytes(b"\x00\x01\x00\x00 not a font at all" * 50)
    # reportlab refuses CFF outlines: this one has the glyphs but cannot be embedded.
    cff = build_rare_font(tmp_path / "fonts" / "cff.otf", cff=True, ps_name="AidDeskTestCFF")
    glyphs.set_fallback_places([garbage.parent, tmp_path / "missing-folder", rare_font])
    pdf = _print_form(db, actor, make_household, tmp_path)
    assert "王" + RARE in _text(pdf)
    fonts = _embedded_fonts(pdf)
    assert any(name.endswith("+" + PS_NAME) for name in fonts) and not any("CFF" in name for name in fonts)
    assert str(garbage) in caplog.text and str(cff) in caplog.text


def test_a_font_dropped_into_the_fonts_folder_beside_the_database_is_used(tmp_path, monkeypatch):
    # fallbacks.json's own list, with {database}/fonts first.
    glyphs.set_fallback_places(None)
    (tmp_path / "fonts").mkdir()
    build_rare_font(tmp_path / "fonts" / "rare.ttf")
    glyphs.set_database_folder(tmp_path)
    try:
        assert glyphs.candidate_files()[0] == tmp_path / "fonts" / "rare.ttf"
        assert [name.startswith(glyphs.FALLBACK_PREFIX) for name, _ in runs("王𠮷")] == [False, True]
    finally:
        glyphs.set_database_folder(None)


def test_printing_from_the_command_line_uses_the_fonts_folder_beside_its_database(db, actor, make_household,
                                                                                  tmp_path):
    glyphs.set_fallback_places(None)
    (db.path.parent / "fonts").mkdir()
    build_rare_font(db.path.parent / "fonts" / "rare.ttf")
    pdf = _print_form(db, actor, make_household, tmp_path)
    assert "王" + RARE in _text(pdf)
    assert any(name.endswith("+" + PS_NAME) for name in _embedded_fonts(pdf))


def test_the_first_fallback_font_that_has_a_character_draws_it(tmp_path):
    only_one = build_rare_font(tmp_path / "one.ttf", chars="𡘙", ps_name="AidDeskTestOne")
    glyphs.set_fallback_places([only_one, build_rare_font(tmp_path / "rare.ttf")])
    parts = runs("王𠮷𡘙𪚥")
    assert [part for _, part in parts] == ["王", "𠮷", "𡘙", "𪚥"]
    assert getFont(parts[2][0]).face.name == b"AidDeskTestOne"
    assert parts[1][0] == parts[3][0] != parts[2][0]


def test_invisible_characters_no_font_has_are_dropped_not_squared():
    # U+E0101 is an ideographic variation selector: it may follow a rare ideograph in a name.
    assert runs("王\U000E0101五\u2066") == [(register_fonts(), "王五")]


def test_a_line_with_fallback_characters_is_measured_in_the_fallback_fonts_widths(rare_font):
    font = register_fonts()
    glyphs.set_fallback_places([rare_font])
    assert stringWidth("王" + RARE, font, 10) == pytest.approx(10 + 3 * ADVANCE / 100)
    # Breaking lines measures the same way: five boxes (40 pt) fit in 41 pt, six do not.
    assert wrap_text("𠮷" * 11, font, 10, 41) == ["𠮷" * 5, "𠮷" * 5, "𠮷"]
    glyphs.set_fallback_places([])
    square = stringWidth("□", font, 10)
    assert square != 10 and stringWidth("王" + RARE, font, 10) == pytest.approx(10 + 3 * square)
