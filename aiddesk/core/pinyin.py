"""Pinyin keys of a Chinese name for search: 张三 → ("zs", "zhangsan")."""

from __future__ import annotations

from pypinyin import Style, lazy_pinyin, pinyin


def pinyin_keys(name: str) -> tuple[str, str]:
    """(initials, full pinyin) as space-separated variants, lower-case ASCII.

    The first character is a surname and may be read several ways (曾 ceng /
    zeng, 单 dan / shan): every reading becomes a variant, so ``zxd`` and
    ``cxd`` both find 曾小单. Non-Chinese characters are kept as they are.
    """
    name = name.strip()
    if not name:
        return "", ""
    rest = [s.lower() for s in lazy_pinyin(name[1:], style=Style.NORMAL) if s.strip()]
    first_readings = [s.lower() for s in pinyin(name[0], style=Style.NORMAL, heteronym=True)[0]][:3]
    initials, fulls = [], []
    for first in dict.fromkeys(first_readings):
        syllables = [first, *rest]
        initials.append("".join(s[0] for s in syllables if s))
        fulls.append("".join(syllables))
    return " ".join(dict.fromkeys(initials)), " ".join(dict.fromkeys(fulls))
