"""Clean up typed or pasted text: identifiers full-width → half-width without whitespace; free text storable."""

from __future__ import annotations

import re

# Full-width ASCII U+FF01–U+FF5E sits exactly 0xFEE0 above its half-width twin;
# U+3000 is the ideographic (full-width) space.  NFKC is not used on purpose: it
# also rewrites ①→1, ²→2, …→..., ℃→°C and CJK compatibility ideographs, which
# would silently change text the user meant.
_HALF_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_HALF_WIDTH[0x3000] = 0x20
# Zero-width characters are invisible but arrive with text pasted from web pages
# and Excel; str.isspace() does not count them, so they are removed explicitly.
_HALF_WIDTH.update({cp: None for cp in (0x200B, 0x2060, 0xFEFF)})


def half_width(text: str) -> str:
    """Full-width ASCII to half-width (U+3000 to a space) and zero-width characters removed; nothing else."""
    return text if text.isascii() else text.translate(_HALF_WIDTH)


def normalise(text: str) -> str:
    """Full-width ASCII to half-width, then drop every whitespace character.

    Meant for identifiers (ID numbers, phone numbers, codes), not for names or
    free text: spaces inside are removed, not collapsed.
    """
    if text.isascii() and text.isprintable() and " " not in text:
        return text  # already clean: the common case, and an import normalises a few hundred thousand codes
    # str.split() with no argument splits on all Unicode whitespace (tab, NBSP, …).
    return "".join(text.translate(_HALF_WIDTH).split())


_ASCII_UPPER = {cp: cp - 32 for cp in range(ord("a"), ord("z") + 1)}


def ascii_upper(text: str) -> str:
    """Upper-case the ASCII letters a–z only, as SQLite's upper() does (str.upper() would also turn ß into SS)."""
    return text.translate(_ASCII_UPPER)


# Control characters (all but tab, line feed and carriage return) and lone surrogate halves: pasted in by
# accident, invisible, refused by SQLite's UTF-8 (the surrogates) or dropped by any .xlsx (the controls), so
# a record holding them would not read back the same after an export and import.
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def search_text(text: str | None) -> str:
    """A search box's text as a key: without control characters, half-width, without any whitespace.

    A text of nothing but control characters and spaces comes out empty: it searches nothing, as an empty box.
    """
    return normalise(_UNSTORABLE.sub("", text or ""))


def clean_text(text: str | None) -> str:
    """Free text (names, addresses, notes) as stored: trimmed, without control characters or lone surrogates."""
    text = (text or "").strip()
    return _UNSTORABLE.sub("", text).strip() if not text.isprintable() else text
