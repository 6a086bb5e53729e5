"""Pinyin keys of a Chinese name for search: 张三 → ("zs", "zhangsan"), 尉迟恭 → ("ycg …", "yuchigong …")."""

from __future__ import annotations

import json
from functools import cache, lru_cache

from ..paths import resource


@cache
def _surnames() -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    """(single-character surname → its reading, compound surname → its syllables), from the resource file."""
    with open(resource("codes", "surname_readings.json"), encoding="utf-8") as f:
        data = json.load(f)
    return dict(data["single"]), {k: tuple(v.split()) for k, v in data["compound"].items()}


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
    surname = _surnames()[0].get(char)
    if surname:
        readings.insert(0, surname)
    return tuple(readings)


@lru_cache(maxsize=65536)  # an import of 20 000 archives meets the same names again and again
def pinyin_keys(name: str) -> tuple[str, str]:
    """(initials, full pinyin) as space-separated variants, lower-case ASCII.

    The surname comes first and is read as a surname: a compound one (欧阳, 尉迟, 万俟) as one surname with its
    own reading (尉迟恭 yuchigong, 万俟卨 moqixie), a single one with its surname reading (尉红 weihong, 单雄信
    shanxiongxin, 都丽 duli) — both from ``resources/codes/surname_readings.json``. That reading is the first
    variant, so sorting is right; the character's other readings follow as variants, so ``zxd`` and ``cxd`` both
    find 曾小单 and whoever reads 尉迟 character by character still finds 尉迟恭. Non-Chinese characters are kept
    as they are.
    """
    name = name.strip()
    if not name:
        return "", ""
    readings: list[tuple[str, ...]] = []
    compound = _surnames()[1].get(name[:2]) if len(name) > 2 else None  # 欧阳 alone is 欧 with the given name 阳
    if compound:
        readings.append((*compound, *_given_name(name[2:])))
    rest = _given_name(name[1:])
    readings.extend((first, *rest) for first in _first_readings(name[0]))
    initials = (("".join(s[0] for s in syllables if s)) for syllables in readings)
    fulls = ("".join(syllables) for syllables in readings)
    return " ".join(dict.fromkeys(initials)), " ".join(dict.fromkeys(fulls))
