"""Index keys the archive search reads: an ID or phone number's tail reversed, a name's later pinyin readings, and
the range a typed start covers.

A clerk types the last 4–6 digits of an ID or phone number. Read backwards, a tail is a start, and a start is a
range on an index. The reversed tail is an index on an expression of SQLite's own ``substr`` (SQLite has no
``reverse()``), not a column: SQLite keeps it right for every writer — the repositories, the importer, the demo
builder, and an IT person's ``sqlite3`` shell alike — and any SQLite since 3.9 reads the file (a registered
Python function in the index would make the file unreadable to the shell; a generated column would need 3.31).
``PRAGMA integrity_check`` (完整性检查) compares every index entry with its row, so a key cannot go stale unseen.
A name's second and third pinyin readings are indexed the same way.

A query finds these indexes only when it writes the expression exactly as the index does: always take it from
here (tests/db/test_household_search_keys.py checks db_schema.sql and the query plans against it).
"""

from __future__ import annotations

from ..core import idcard

_ASCII_LOWER = {cp: cp + 32 for cp in range(ord("A"), ord("Z") + 1)}  # as NOCASE folds: ASCII letters only
TAIL = 8  # characters reversed: a typed tail of up to 8 is one range; a longer one is that range, then compared


def tail_key(column: str, *, check_digit: bool = False) -> str:
    """The SQL of ``column``'s last ``TAIL`` characters, last first: ``'…0031'`` → ``'1300…'``.

    ``check_digit``: an ID number's last character may be an x an older version kept as typed: keyed as X.
    ``substr(v, -k, 1)`` is empty once k passes the start, so a shorter text gives a shorter key.
    """
    parts = [f"substr({column}, -{k}, 1)" for k in range(1, TAIL + 1)]
    if check_digit:
        parts[0] = f"upper({parts[0]})"
    return " || ".join(parts)


READINGS = 3  # readings of a name the search finds by index: the surname's own, and two others at most


def readings_from(column: str, k: int) -> str:
    """The SQL of a pinyin key from its ``k``-th reading on (``k`` ≥ 2): ``' zxd cxd'`` → ``'cxd'`` for 2.

    ``name_initials`` and ``name_pinyin`` hold a name's readings after a space each (core/pinyin.py): the
    first is a range on the column itself, the ``k``-th a range on this — only for keys that have one
    (:func:`has_reading`, the index's WHERE): without, the text would start with an earlier reading.
    """
    rest = f"substr({column}, 2)"  # from the first reading on
    for _ in range(k - 1):
        rest = f"substr({rest}, instr({rest}, ' ') + 1)"
    return rest


def has_reading(column: str, k: int) -> str:
    """The SQL condition that a pinyin key has a ``k``-th reading (a partial index's WHERE, and the query's)."""
    return f"instr({readings_from(column, k - 1)}, ' ') > 0"


def id_number_forms(number: str) -> list[str]:
    """An ID number as typed (upper case) and, for an old 15-digit one, also the 18-digit number it became (as every
    import and form stores it: core/idcard.parse_id)."""
    number = number.upper()
    if len(number) == 15 and number.isascii() and number.isdigit():
        first17 = number[:6] + "19" + number[6:]
        return [number, first17 + idcard.check_digit(first17)]
    return [number]


def reverse_tail(text: str) -> str:
    """What :func:`tail_key` makes of ``text`` (for a typed tail: the start of the keys it matches)."""
    return text[::-1][:TAIL]


def prefix_range(start: str, *, nocase: bool = False) -> tuple[str, str]:
    """``(low, high)`` such that ``low <= v < high`` holds exactly for the texts ``v`` that begin with ``start``.

    SQLite compares texts byte by byte in UTF-8, which orders them by code point: the bound is ``start`` with its
    last character one code point on (a surrogate is no character; it is skipped). ``nocase``: for a comparison
    ``COLLATE NOCASE``, which compares ASCII letters (only they) as lower case: so is ``start`` here, and a bound
    that would be an upper-case letter (after "@") is the first character after them instead.
    """
    if not start:
        raise ValueError("an empty start matches everything: no range")
    if nocase:
        start = start.translate(_ASCII_LOWER)
    last = ord(start[-1]) + 1
    if 0xD800 <= last <= 0xDFFF:
        last = 0xE000
    if nocase and ord("A") <= last <= ord("Z"):
        last = ord("Z") + 1
    if last > 0x10FFFF:  # the very last character: nothing sorts after it but longer texts from it
        return start, start[:-1] + chr(0x10FFFF) * 2
    return start, start[:-1] + chr(last)
