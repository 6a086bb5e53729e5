"""The fonts of AidDesk PDFs: WenQuanYi Micro Hei, fallback fonts for what it lacks, □ where no font has a glyph."""

from __future__ import annotations

import threading

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics

from ..paths import resource
from .glyphs import FallbackTTFont

FONT_NAME = "WQYMicroHei"
FONT_PATH = resource("fonts", "wqy-microhei.ttc")

# Reports may be built from a worker thread while the UI thread prints another.
_lock = threading.Lock()


def register_fonts() -> str:
    """Register WenQuanYi Micro Hei with reportlab (once) and return its font name.

    A character it lacks (CJK Ext. B: 𠮷 𡘙 𪚥 …) is drawn in the first fallback font of
    resources/fonts/fallbacks.json that has it, or as □ when none does (see glyphs.py).
    """
    with _lock:
        if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
            # The .ttc holds Micro Hei (0) and Micro Hei Mono (1); the proportional face reads better.
            pdfmetrics.registerFont(FallbackTTFont(FONT_NAME, str(FONT_PATH), subfontIndex=0))
            # The font has no bold or italic face: map them to the regular one so that
            # <b>/<i> in a Paragraph still renders Chinese instead of failing.
            for bold in (0, 1):
                for italic in (0, 1):
                    addMapping(FONT_NAME, bold, italic, FONT_NAME)
    return FONT_NAME


def runs(text: str) -> list[tuple[str, str]]:
    """``text`` split into (font name, text) runs as the PDF draws it: a fallback font's name where the
    main font lacks a glyph, and □ (in the main font) for a character that no font has."""
    font = pdfmetrics.getFont(register_fonts())
    return [(f.fontName, part) for f, part in font.runs(text)]
