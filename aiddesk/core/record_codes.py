"""档案编号 and 批次编号: how they are written, one rule for the forms, the services and the import.

What the program numbers itself is ``<单位代码>-<年>-<0001>`` and ``<单位代码>-PC<年>-<001>``; offices bringing in
their old books keep their own numbers, which are often Chinese ("琼工困2015-001", "困字〔2015〕第3号"). So a code
may hold letters, digits, Chinese characters, "-", "_" and brackets, 1 to 40 of them — and nothing that could
act as a path or hide in one: no "/", "\\", ":", ".", spaces, control characters, nor a name Windows keeps for a
device (CON, NUL, COM1 …). (Attachments are no longer filed under these codes — see services/stored_files.py —
but a code is printed, exported and typed on the command line, where such characters only cause harm.)

档案编号 are kept as the office searches for them: full-width forms half-width, ASCII letters upper-case
("hn0100-2026-0001" is HN0100-2026-0001). 批次编号 keep their letters' case, as their lookups always have.
"""

from __future__ import annotations

import re

from .errors import UserError
from .text import ascii_upper, normalise

MAX_LENGTH = 40

# Letters, digits, "-", "_", the brackets of Chinese document numbers, and CJK ideographs (the unified blocks
# with their extensions, the compatibility block, and 〇 as in 二〇一五).
_CJK = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_ALLOWED = re.compile(f"[A-Za-z0-9_\\-()〔〕【】{_CJK}]+")
_ALLOWED_CHAR = re.compile(f"[A-Za-z0-9_\\-()〔〕【】{_CJK}]")
_FAST = re.compile(r"[A-Z0-9_-]{1,40}")  # the common case, already clean: no further questions
# Device names Windows reserves in every folder (CON, CON.txt, …): refused as a whole code.
_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{d}{n}" for d in ("COM", "LPT") for n in "0123456789"}
_ALPHABET_HINT = "只能用字母、数字、汉字、“-”“_”和括号"


def _shown(ch: str) -> str:
    """A refused character as the message shows it: itself if visible, else its code (U+0000)."""
    return ch if ch.isprintable() and not ch.isspace() else f"U+{ord(ch):04X}"


def _check(text: str, label: str, example: str, field: str) -> str:
    if not text:
        raise UserError(f"请填写{label}", field=field)
    if len(text) > MAX_LENGTH:
        raise UserError(f"{label}“{text[:MAX_LENGTH]}…”太长（{len(text)}个字），最多{MAX_LENGTH}个字", field=field)
    if not _ALLOWED.fullmatch(text):
        bad = "".join(dict.fromkeys(_shown(ch) for ch in text if not _ALLOWED_CHAR.fullmatch(ch)))
        raise UserError(f"{label}“{text}”中不能有“{bad}”：{_ALPHABET_HINT}，如 {example}", field=field)
    if ascii_upper(text) in _RESERVED:
        raise UserError(f"{label}“{text}”是 Windows 保留的名称，不能用作编号，请换一个", field=field)
    return text


def normalise_archive_no(text: str | None) -> str:
    """档案编号 as stored and looked up: half-width, without whitespace, ASCII letters upper-case. No checking."""
    return ascii_upper(normalise(text or ""))


def check_archive_no(text: str | None) -> str:
    """The 档案编号 as stored (see :func:`normalise_archive_no`), or a UserError that shows it and says what to do."""
    if text and _FAST.fullmatch(text) and text not in _RESERVED:
        return text
    return _check(normalise_archive_no(text), "档案编号", "HN0100-2026-0001 或 琼工困2015-001", "archive_no")


def check_batch_code(text: str | None) -> str:
    """The 批次编号 as stored (half-width, without whitespace), or a UserError that shows it and says what to do."""
    if text and _FAST.fullmatch(text) and text not in _RESERVED:
        return text
    return _check(normalise(text or ""), "批次编号", "HN0100-PC2026-001", "code")


# The import's columns, by their headers (EXCHANGE.md), read through the same checks.
BY_HEADER = {"档案编号": check_archive_no, "批次编号": check_batch_code}
