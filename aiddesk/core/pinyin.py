"""Pinyin keys of a Chinese name for search: 张三 → ("zs", "zhangsan")."""

from __future__ import annotations

import json
from functools import cache, lru_cache

from ..paths import resource


@cache
def _surname_readings() -> dict[str, str]:
    with open(resource("codes", "surname_readings.json"), encoding="utf-8") as f:
        return {k: v for k, v in json.load(f).items() if not k.startswith("_")}


# Cached by part: surnames are few and given names recur far more often than whole names (pypinyin takes
# some 60 µs a name, a second for an import of 20 000 archives).
@lru_cache(maxsize=65536)
def _given_name(text: str) -> tuple[str, ...]:
    # Imported here: pypinyin's dictionaries take a quarter of a second to load,
    # which start-up should not pay before anyone saves a household.
    from pypinyin import Style, lazy_pinyin

    return tuple(s.lower() for s in lazy_pinyin(text, style=Style.NORMAL) if s.strip())


@lru_cache(maxsize=4096)
def _first_readings(char: str) -> tuple[str, ...]:
    from pypinyin import Style, pinyin

    readings = [s.lower() for s in pinyin(char, style=Style.NORMAL, heteronym=True)[0]][:3]
    # The surname's own reading goes first: the list sorts on the first variant.
    surname = _surname_readings().get(char)
    if surname:
        readings.insert(0, surname)
    return tuple(readings)


@lru_cache(maxsize=65536)  # an import of 20 000 archives meets the same names again and again
def pinyin_keys(name: str) -> tuple[str, str]:
    """(initials, full pinyin) as space-separated variants, lower-case ASCII.

    The first character is a surname and may be read several ways (曾 ceng /
    zeng, 单 dan / shan): every reading becomes a variant, so ``zxd`` and
    ``cxd`` both find 曾小单, and the surname reading from
    ``resources/codes/surname_readings.json`` comes first, so sorting is right.
    Non-Chinese characters are kept as they are.
    """
    name = name.strip()
    if not name:
        return "", ""
    rest = _given_name(name[1:])
    initials, fulls = [], []
    for first in dict.fromkeys(_first_readings(name[0])):
        syllables = [first, *rest]
        initials.append("".join(s[0] for s in syllables if s))
        fulls.append("".join(syllables))
    return " ".join(dict.fromkeys(initials)), " ".join(dict.fromkeys(fulls))
