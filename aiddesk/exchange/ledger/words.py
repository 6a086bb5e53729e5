"""The words old ledgers use for 救助类别 and activities (resources/codes/ledger_aid_words.json)."""

from __future__ import annotations

import json
from functools import cache, lru_cache

from ...core.text import normalise
from ...paths import resource


@cache
def _words() -> dict:
    with open(resource("codes", "ledger_aid_words.json"), encoding="utf-8") as f:
        return json.load(f)


def _find(text: str, table: dict[str, str]) -> str | None:
    """The value of ``text`` as a whole word, else of the first word of the table it contains."""
    text = normalise(text)
    if not text:
        return None
    if text in table:
        return table[text]
    return next((value for word, value in table.items() if word in text), None)


@lru_cache(maxsize=1024)  # a book's few words, on every line of it
def aid_category_of(category: str, activity: str = "") -> str | None:
    """生活救助, 医疗救助 or 助学救助 for a ledger's 救助类别 ("春节送温暖" → 生活救助), from its 活动 where the book
    has no 救助类别; None when neither says (the checks then name the word and the allowed ones)."""
    table = _words()["aid_categories"]
    return _find(category, table) or (None if category.strip() else _find(activity, table))


def activity_of(activity: str, category: str | None) -> str:
    """The 活动类型 of a ledger's batch: what its 活动 names ("2015年金秋助学" → 金秋助学), else its 救助类别's."""
    words = _words()
    return _find(activity, words["activities"]) or words["activity_by_category"].get(category or "", "其他")
