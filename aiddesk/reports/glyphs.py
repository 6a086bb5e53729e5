"""Which font draws each character of a PDF's text: the main font, else the first fallback font that has it, else □."""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont

from ..paths import default_database, resource

log = logging.getLogger(__name__)

FALLBACKS_FILE = resource("fonts", "fallbacks.json")
# Font files or folders (separated as in PATH) tried before those of fallbacks.json.
ENV_VAR = "AIDDESK_FALLBACK_FONTS"
FALLBACK_PREFIX = "AidDeskFallback"

_lock = threading.RLock()
_settings: dict | None = None
_override: tuple[Path, ...] | None = None
_database_folder: Path | None = None
_key: tuple | None = None                   # what the candidates and the coverage below were found for
_candidates: list[Path] | None = None       # font files in the order they are tried
_coverage: dict[int, TTFont | None] = {}    # code point → the fallback font that draws it (None: no font has it)
_loaded: dict[str, TTFont | None] = {}      # font file → its font (None: reportlab could not load it)
_by_name: dict[str, TTFont] = {}            # our own map: pdfmetrics hands out the first font of a face name


# ---- where fallback fonts are ----------------------------------------------------------

def _config() -> dict:
    global _settings
    if _settings is None:
        _settings = json.loads(FALLBACKS_FILE.read_text(encoding="utf-8"))
    return _settings


def missing_glyph() -> str:
    """What is drawn, in the main font, for a character that no font has."""
    return _config()["missing_glyph"]


def set_database_folder(folder: str | os.PathLike | None) -> None:
    """Where the open database is: fonts dropped into a ``fonts`` folder beside it are used (``{database}``)."""
    global _database_folder
    with _lock:
        _database_folder = Path(folder) if folder is not None else None


def set_fallback_places(places: Iterable[str | os.PathLike] | None) -> None:
    """Use these font files and folders instead of the environment variable and fallbacks.json (None: back to them)."""
    global _override
    with _lock:
        _override = tuple(Path(p) for p in places) if places is not None else None


def _expand(entry: str) -> Path | None:
    """A place of fallbacks.json as a path; None when what it names does not exist here."""
    if "{database}" in entry:
        if _database_folder is None:
            return None
        entry = entry.replace("{database}", str(_database_folder))
    entry = entry.replace("{data}", str(default_database().parent))
    unset = []

    def variable(match: re.Match) -> str:
        value = os.environ.get(match.group(1))
        if not value:
            unset.append(match.group(1))
        return value or ""

    # %NAME% as Windows writes it, on every system: os.path.expandvars knows it only on Windows.
    entry = re.sub(r"%([A-Za-z_][A-Za-z0-9_]*)%", variable, entry)
    return None if unset else Path(entry).expanduser()


def _places() -> list[Path]:
    if _override is not None:
        return list(_override)
    env = [Path(p).expanduser() for p in os.environ.get(ENV_VAR, "").split(os.pathsep) if p.strip()]
    return env + [p for p in map(_expand, _config()["places"]) if p is not None]


def candidate_files() -> list[Path]:
    """The font files that may draw a character the main font lacks, in the order they are tried."""
    suffixes = {s.lower() for s in _config()["font_suffixes"]}
    files: list[Path] = []
    for place in _places():
        try:
            if place.is_dir():
                files += sorted(p for p in place.iterdir() if p.suffix.lower() in suffixes and p.is_file())
            elif place.is_file():
                files.append(place)
        except OSError as err:   # an unreachable share or a folder we may not read: try the others
            log.warning("cannot look for fonts in %s: %s", place, err)
    return list(dict.fromkeys(files))   # a folder may be listed twice ({database} is {data} for the default database)


def _load(path: Path) -> TTFont | None:
    """The font in ``path`` (cached), or None if reportlab cannot use it."""
    key = str(path)
    if key in _loaded:
        return _loaded[key]
    font = None
    try:
        font = TTFont(f"{FALLBACK_PREFIX}{len(_loaded) + 1}", key, shapable=False)
    # A fallback font is whatever the user dropped in a folder: a CFF-based .otf or .ttc (refused by
    # reportlab), a font that forbids embedding, a truncated download or no font at all must be skipped,
    # never stop a form from printing.
    except Exception as err:  # noqa: BLE001
        log.warning("fallback font %s skipped: %s", path, err)
    else:
        pdfmetrics.registerFont(font)
        _by_name[font.fontName] = font
    _loaded[key] = font
    return font


def fallback_for(code: int) -> TTFont | None:
    """The first fallback font that has a glyph for ``code``; fonts are loaded only when a text needs one."""
    global _key, _candidates
    with _lock:
        key = (_override, _database_folder, os.environ.get(ENV_VAR, ""))
        if key != _key:
            _key, _candidates = key, None
            _coverage.clear()
        if code in _coverage:
            return _coverage[code]
        if _candidates is None:
            _candidates = candidate_files()
        found = None
        for path in _candidates:
            font = _load(path)
            if font is not None and code in font.face.charToGlyph:
                found = font
                break
        _coverage[code] = found
        return found


# ---- the main font ---------------------------------------------------------------------

def _ignorable(ch: str) -> bool:
    """Invisible characters (zero-width space, joiners, variation selectors …): no font needed, nothing to draw."""
    code = ord(ch)
    return unicodedata.category(ch) == "Cf" or 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF


def _uncovered_pattern(codes: Iterable[int]) -> re.Pattern:
    """A regex finding the first character the font lacks, so a text it fully covers costs one C-speed scan."""
    # Control characters stay with the main font (its blank .notdef, as before): a tab or line feed
    # that reaches the canvas is not a missing glyph; reportlab itself draws U+00A0 as a space.
    covered = sorted({*codes, *range(0x20), *range(0x7F, 0xA1)})
    ranges: list[list[int]] = []
    for code in covered:
        if ranges and code == ranges[-1][1] + 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return re.compile("[^" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges) + "]")


class FallbackTTFont(TTFont):
    """A TrueType font that hands each character it lacks to a fallback font, or draws □ for it.

    reportlab measures text with ``stringWidth`` and writes it with ``splitString`` and
    ``getSubsetInternalName``: every Paragraph, table cell and canvas string in this font goes
    through them, so the fallback needs no change in the forms.
    """

    def __init__(self, name: str, filename: str, **kwargs):
        # Shaping (uharfbuzz) writes glyphs of one font only and would bypass the fallback.
        super().__init__(name, filename, shapable=False, **kwargs)
        self._uncovered = _uncovered_pattern(self.face.charToGlyph)

    def runs(self, text: str) -> list[tuple[TTFont, str]]:
        """``text`` as runs of (font, text); a character no font has becomes □ in this font, an invisible one goes."""
        if not self._uncovered.search(text):
            return [(self, text)] if text else []
        out: list[list] = []
        for ch in text:
            if not self._uncovered.match(ch):  # the one definition of what stays with this font
                font = self
            elif _ignorable(ch):
                continue   # decided before looking: no font file is read for an invisible character
            else:
                font = fallback_for(ord(ch))
                if font is None:
                    font, ch = self, missing_glyph()
            if out and out[-1][0] is font:
                out[-1][1] += ch
            else:
                out.append([font, ch])
        return [(font, part) for font, part in out]

    def stringWidth(self, text, size, encoding="utf8"):  # noqa: N802 - reportlab's name
        if isinstance(text, bytes):
            text = text.decode(encoding)
        if not self._uncovered.search(text):
            return super().stringWidth(text, size, encoding)
        return sum(TTFont.stringWidth(font, part, size) for font, part in self.runs(text))

    def splitString(self, text, doc, encoding="utf-8"):  # noqa: N802 - reportlab's name
        if isinstance(text, bytes):
            text = text.decode(encoding)
        if not self._uncovered.search(text):
            return super().splitString(text, doc, encoding)
        out = []
        for font, part in self.runs(text):
            if font is self:
                out += super().splitString(part, doc, encoding)
            else:
                # A fallback font's subset is told apart from ours by its font's name.
                out += [((font.fontName, subset), chunk) for subset, chunk in font.splitString(part, doc, encoding)]
        return out

    def getSubsetInternalName(self, subset, doc):  # noqa: N802 - reportlab's name
        if isinstance(subset, tuple):
            # The fallback font's own subset: it names it, and embeds itself when the document is saved.
            return _by_name[subset[0]].getSubsetInternalName(subset[1], doc)
        return super().getSubsetInternalName(subset, doc)


# ---- text extraction of characters beyond the BMP ----------------------------------------

_to_unicode_cmap = ttfonts.makeToUnicodeCMap


def _to_unicode_cmap_utf16(fontname: str, subset: Sequence[int]) -> str:
    """reportlab's ToUnicode CMap, with characters beyond U+FFFF written as UTF-16 surrogate pairs.

    reportlab writes ``<01> <20BB7>``, which is no UTF-16: a PDF reader then copies or finds
    nothing for 𠮷. Characters of the BMP are written exactly as before.
    """
    fixed = {}
    for i, code in enumerate(subset):
        if code > 0xFFFF:
            high, low = divmod(code - 0x10000, 0x400)
            fixed[f"<{i:02X}> <{code:04X}>"] = f"<{i:02X}> <{0xD800 + high:04X}{0xDC00 + low:04X}>"
    cmap = _to_unicode_cmap(fontname, subset)
    if not fixed:
        return cmap
    return "\n".join(fixed.get(line, line) for line in cmap.split("\n"))


ttfonts.makeToUnicodeCMap = _to_unicode_cmap_utf16
