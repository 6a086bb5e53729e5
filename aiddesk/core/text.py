"""Clean up typed or pasted identifiers: full-width → half-width, no whitespace."""

from __future__ import annotations

# Full-width ASCII U+FF01–U+FF5E sits exactly 0xFEE0 above its half-width twin;
# U+3000 is the ideographic (full-width) space.  NFKC is not used on purpose: it
# also rewrites ①→1, ²→2, …→..., ℃→°C and CJK compatibility ideographs, which
# would silently change text the user meant.
_HALF_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_HALF_WIDTH[0x3000] = 0x20
# Zero-width characters are invisible but arrive with text pasted from web pages
# and Excel; str.isspace() does not count them, so they are removed explicitly.
_HALF_WIDTH.update({cp: None for cp in (0x200B, 0x2060, 0xFEFF)})


def normalise(text: str) -> str:
    """Full-width ASCII to half-width, then drop every whitespace character.

    Meant for identifiers (ID numbers, phone numbers, codes), not for names or
    free text: spaces inside are removed, not collapsed.
    """
    if text.isascii() and text.isprintable() and " " not in text:
        return text  # already clean: the common case, and an import normalises a few hundred thousand codes
    # str.split() with no argument splits on all Unicode whitespace (tab, NBSP, …).
    return "".join(text.translate(_HALF_WIDTH).split())
