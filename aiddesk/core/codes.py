"""Code lists (困难类别, 致困原因, …) read from ``resources/codes``, not written in code."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from ..paths import resource


@cache
def _load(path: Path) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def code_list(name: str) -> list[str]:
    """The allowed Chinese values of one code list, in display order."""
    value = _load(resource("codes", "code_lists.json"))[name]
    if isinstance(value, dict):  # grouped lists (exit_kind) flatten to all values
        return [v for group in value.values() for v in group]
    return list(value)


def code_groups(name: str) -> dict[str, list[str]]:
    """A grouped code list, e.g. ``exit_kind``: archive status → reasons."""
    return dict(_load(resource("codes", "code_lists.json"))[name])


def check_code(name: str, value: str, label: str) -> str:
    """Return ``value`` if it is in the list, else raise a message listing the allowed values."""
    from .errors import UserError

    allowed = code_list(name)
    if value not in allowed:
        raise UserError(f"{label}“{value}”不在代码表中，可选：{'、'.join(allowed)}", field=name)
    return value
