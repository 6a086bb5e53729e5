"""The Chinese font every AidDesk PDF uses, shipped in resources/fonts and embedded as a subset."""

from __future__ import annotations

import threading

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from ..paths import resource

FONT_NAME = "WQYMicroHei"
FONT_PATH = resource("fonts", "wqy-microhei.ttc")

# Reports may be built from a worker thread while the UI thread prints another.
_lock = threading.Lock()


def register_fonts() -> str:
    """Register WenQuanYi Micro Hei with reportlab (once) and return its font name."""
    with _lock:
        if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
            # The .ttc holds Micro Hei (0) and Micro Hei Mono (1); the proportional face reads better.
            pdfmetrics.registerFont(TTFont(FONT_NAME, str(FONT_PATH), subfontIndex=0))
            # The font has no bold or italic face: map them to the regular one so that
            # <b>/<i> in a Paragraph still renders Chinese instead of failing.
            for bold in (0, 1):
                for italic in (0, 1):
                    addMapping(FONT_NAME, bold, italic, FONT_NAME)
    return FONT_NAME
