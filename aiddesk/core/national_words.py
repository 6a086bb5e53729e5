"""The national 困难职工档案表's words (resources/codes/national_form_words.json): the newest revision's, the older
ones mapped to them, and what this program stored before mapped — or flagged where no one word is meant."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

from ..paths import resource
from .text import normalise


@dataclass(frozen=True)
class FormWord:
    """A word as the newest form says it (``word``), from what was written; ``word`` None when it cannot be told
    which of the form's words is meant (the office chooses; ``why`` says what to choose between)."""

    word: str | None
    written: str
    why: str = ""

    @property
    def ambiguous(self) -> bool:
        return self.word is None


@cache
def _lists() -> dict[str, dict]:
    with open(resource("codes", "national_form_words.json"), encoding="utf-8") as f:
        return json.load(f)["lists"]


def names() -> tuple[str, ...]:
    """The code lists the form prescribes (health, hukou_type, …)."""
    return tuple(_lists())


def words(list_name: str) -> tuple[str, ...]:
    """The newest revision's words, in the form's order."""
    return tuple(_lists()[list_name]["words"])


def label(list_name: str) -> str:
    return _lists()[list_name]["label"]


def _key(text: str) -> str:
    # Half-width brackets and no spaces: "下(待)岗" and "下（待）岗 " are one word.
    return normalise(text).replace("(", "（").replace(")", "）")


@cache
def _index(list_name: str) -> dict[str, FormWord | str]:
    table = _lists()[list_name]
    out: dict[str, FormWord | str] = {}
    for word in table["words"]:
        out[_key(word)] = word
    for written, word in table.get("older", {}).items():
        out.setdefault(_key(written), word)
    for written, why in table.get("ambiguous_older", {}).items():
        out.setdefault(_key(written), FormWord(None, written, why))
    return out


def to_form(list_name: str, written: str) -> FormWord | None:
    """The form's word for what a book or the national system wrote, in any revision's words; None when it is no
    word of the list at all (the import then names the allowed ones)."""
    found = _index(list_name).get(_key(written))
    if found is None:
        return None
    if isinstance(found, FormWord):
        return found
    return FormWord(found, written)


def from_ours(list_name: str, stored: str) -> FormWord | None:
    """The form's word for what an earlier version of this program stored (the upgrade's mapping); ``word`` None
    where that word meant several of the form's (以前的“慢性病”: which disease?) — never guessed. None when the
    stored word is neither ours nor the form's."""
    table = _lists()[list_name]
    mapped = table.get("from_ours", {})
    if stored in mapped:
        word = mapped[stored]
        if word is None:
            return FormWord(None, stored, f"以前的“{stored}”对应《困难职工档案表》{table['label']}中的哪一项无法确定，"
                                          f"请从“{'、'.join(table['words'])}”中选择")
        return FormWord(word, stored)
    return to_form(list_name, stored)
