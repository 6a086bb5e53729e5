"""A family member's relation to the household head (关系): the words books write, as GB/T 4761-2008 names them."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache, lru_cache

from ..paths import resource
from .errors import UserError
from .text import half_width

FIELD = "relation"
UNKNOWN_GENDER = "不详"

# What a clerk adds around the word that changes nothing: "户主的妻子", "孙子/孙女", "继父或养父", "兄、弟".
_PREFIX = re.compile(r"^(?:户主的|户主之|与户主)")
_NOISE = re.compile(r"[\s、,，/／;；·.。或]")


@dataclass(frozen=True)
class Relation:
    """A relation as it is kept: the standard name, and the word as written where that differs."""

    name: str
    as_written: str | None = None


@dataclass(frozen=True)
class _Table:
    codes: dict[str, str]                   # standard name → its two-digit code
    head: frozenset[str]                    # the names that mean the head himself (本人, 户主)
    by_key: dict[str, str | dict[str, str]]  # a word's key → standard name, or by gender


@cache
def _table() -> _Table:
    with open(resource("codes", "relations.json"), encoding="utf-8") as f:
        data = json.load(f)
    codes = {name: code for code, name in data["standard"].items()}
    by_key: dict[str, str | dict[str, str]] = {}
    for word, target in data["words"].items():
        by_key[_key(word)] = target
    # Standard names last: a word may never stand for another relation than the standard name it spells.
    for name in codes:
        by_key[_key(name)] = name
    by_key[_key("兄、弟、姐、妹")] = "兄弟姐妹"  # code 70 as the standard prints it
    return _Table(codes, frozenset(data["standard"][c] for c in data["head"]), by_key)


def _key(word: str) -> str:
    return _NOISE.sub("", _PREFIX.sub("", word))


def standard_names() -> list[str]:
    """The names a member's relation may have, in the standard's order (the form's drop-down)."""
    table = _table()
    return [name for name in table.codes if name not in table.head]


def code_of(name: str) -> str:
    """The GB/T 4761-2008 two-digit code of a standard name ("" for any other word)."""
    return _table().codes.get(name, "")


def is_child(name: str) -> bool:
    """Whether a standard name is a son or daughter of the head (codes 20–39: 子, 长子, 独生女, 养女或继女 …; not 28
    女婿 and 38 儿媳, the in-laws the standard files with them) — the members 金秋助学 is for."""
    code = code_of(name)
    return code[:1] in ("2", "3") and code not in ("28", "38")


def clean(word: str | None) -> str:
    """The word as it is kept when it differs from the standard name: full-width letters half-width, no spaces."""
    return "".join(half_width(word or "").split())


@lru_cache(maxsize=4096)  # an import meets the same few words on every member row
def relation_of(word: str | None, *, gender: str = "") -> Relation:
    """The relation ``word`` names, for a member of ``gender`` (男/女; "" when unknown).

    A standard name is kept as it is; any other word it knows becomes its standard name, the word kept beside it.
    Words that name one of two relations by sex (子女 → 子 or 女) take the member's; without one, the name given
    for an unknown sex. Raises ``UserError`` (field ``relation``) for an empty word, for the head himself (本人,
    户主: a member is someone else), and for a word that names no relation it knows.
    """
    written = clean(word)
    if not written:
        raise UserError("请填写与户主的关系", field=FIELD)
    table = _table()
    target = table.by_key.get(_key(written))
    if target is None:
        raise UserError(f"“{written}”不是家庭关系，请填写与户主的关系，如 配偶、子、女、父亲、母亲、儿媳、孙子、"
                        f"兄弟姐妹、其他亲属（国家标准 GB/T 4761-2008《家庭关系代码》的名称或常用说法）", field=FIELD)
    if isinstance(target, dict):
        target = target.get(gender) or target[UNKNOWN_GENDER]
    if target in table.head:
        raise UserError(f"“{written}”是户主本人：家庭成员只填户主以外的人，户主的信息填在档案中", field=FIELD)
    return Relation(target, None if written == target else written)


def kept(name: str, as_written: str | None, *, gender: str = "") -> Relation:
    """A relation given by its standard ``name`` with the word a book wrote for it before (``as_written``): that word
    is kept while it still names the same relation, and dropped once the name was changed to another."""
    current = relation_of(name, gender=gender)
    if current.as_written is None and as_written:
        try:
            earlier = relation_of(as_written, gender=gender)
        except UserError:
            return current
        if earlier.name == current.name and earlier.as_written:
            return earlier
    return current
