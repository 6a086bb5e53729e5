"""Which proofs (证明材料) an archive needs, and which are missing (资料不全)."""

from __future__ import annotations

import json
from functools import cache

from ..paths import resource


@cache
def _rules() -> dict:
    with open(resource("rules", "required_proofs.json"), encoding="utf-8") as f:
        return json.load(f)


def required_proofs(category: str, causes: tuple[str, ...]) -> list[str]:
    """The attachment kinds a household of this category and these causes must have."""
    rules = _rules()
    needed = list(rules["always"]) + list(rules["by_category"].get(category, []))
    for cause in causes:
        needed += rules["by_cause"].get(cause, [])
    return list(dict.fromkeys(needed))  # keep order, drop repeats


def missing_proofs(category: str, causes: tuple[str, ...], attached_kinds: set[str]) -> list[str]:
    """Required kinds with no attachment yet."""
    return [k for k in required_proofs(category, causes) if k not in attached_kinds]
