"""Pinyin keys of a Chinese name for search: 张三 → ("zs", "zhangsan")."""

from __future__ import annotations

import json
from functools import cache, lru_cache

from ..paths import resource


@cache
def _surname_readings() -> dict[str, str]:
    with open(resource("codes", "surname_readings.json"), encoding="utf-8") as f:
        return {k: v for k, v in json.load(f).items() if not k.startswith("_")}


@lru_cache(maxsize=65536)  # an import of 20 000 archives meets the same names again and again
def pinyin_keys(name: str) -> tuple[str, str]:
    """(initials, full pinyin) as space-separated variants, lower-case ASCII.

    The first character is a surname and may be read several ways (曾 ceng /
    zeng, 单 dan / shan): every reading becomes a variant, so ``zxd`` and
    ``cxd`` both find 曾小单, and the surname reading from
    ``resources/codes/surname_readings.json`` comes first, so sorting is right.
    Non-Chinese characters are kept as they are.
    """
    # Imported here: pypinyin's dictionaries take a quarter of a second to load,
    # which start-up should not pay before anyone saves a household.
    from pypinyin import Style, lazy_pinyin, pinyin

    name = name.strip()
    if not name:
        return "", ""
    rest = [s.lower() for s in lazy_pinyin(name[1:], style=Style.NORMAL) if s.strip()]
    first_readings = [s.lower() for s in pinyin(name[0], style=Style.NORMAL, heteronym=True)[0]][:3]
    # The surname's own reading goes first: the list sorts on the first variant.
    surname = _surname_readings().get(name[0])
    if surname:
        first_readings.insert(0, surname)
    initials, fulls = [], []
    for first in dict.fromkeys(first_readings):
        syllables = [first, *rest]
        initials.append("".join(s[0] for s in syllables if s))
        fulls.append("".join(syllables))
    return " ".join(dict.fromkeys(initials)), " ".join(dict.fromkeys(fulls))
