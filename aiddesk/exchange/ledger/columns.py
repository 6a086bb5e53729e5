"""Which field each column of an old ledger's sheet fills, and what kind of book the sheet is (EXCHANGE.md, 旧台账).

A header is read by rules, then by the word lists of resources/codes/ledger_words.json ("fields", "member_columns",
"groups", "not_imported"):

- Units and notes in a header say nothing about the field: brackets with their content ("金额（元）", "身份证号码
  （18位）", "月收入(元/月)"), circled digits ("备注①") and asterisks (required marks) are dropped first.
- A header is a field's name, or one of its spellings ("fields"), or a member column ("配偶姓名", "子女1身份证号",
  "家庭成员2关系": a slot word of "member_columns", an optional index, an attribute), or a column that carries
  nothing to import (序号, 年龄, 签字 …: "not_imported", left out without a warning).
- A two-row header arrives as "group/sub" and is first read whole ("新生/在校生" is one header), then by what the
  group means ("groups"):
  * a person group (户主情况, 困难职工情况) over 姓名/身份证号 …: the head's fields;
  * an aid group (救助情况, 发放情况) over 金额/日期/类别 …: by the group's sub-words (日期 → 发放日期), else as fields;
  * a student group (学生情况) over 姓名/身份证号/学校: the 学生… fields of 金秋助学;
  * a member group: 配偶情况, 子女1 (a slot word: that member), or 家庭成员情况 (members as such). Decided for the
    whole sheet: one 家庭成员 group whose sub-headers do not repeat is the member-ROWS block (one member per row,
    the head's columns blank on it) when the sheet has the head's 姓名 or 身份证号 elsewhere, and else the person
    of every row itself (姓名, 关系, 身份证号 as fields: a roster with member rows); a group that repeats
    (家庭成员1, 家庭成员2, or the same sub-header twice) is member COLUMNS, one member per group;
  * any other group: the group and sub read as one header ("救助/金额" = "救助金额"), else the sub alone.

What the user chose (the wizard's mapping step, or --mapping) wins over everything, what the office chose before
for the same header comes next, then the word lists. Two columns that would fill one field at the same level are
"twins": the user must choose. A column left out by a stronger choice is unmapped (a warning, as any other).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache, lru_cache

from ...core.errors import UserError
from ...core.text import normalise
from ...paths import resource
from .. import format as fmt

# The kinds of sheet (EXCHANGE.md "Kinds of book").
PAYMENTS = "payments"              # 帮扶台账, 发放表: one row per payment, with the person's details
ROSTER_ROWS = "roster_rows"        # 花名册: one row per household, members (if any) on the rows below
ROSTER_COLUMNS = "roster_columns"  # 花名册: one row per household, members across (配偶姓名, 子女姓名 …)
MIXED = "mixed"                    # payments, and members on rows or across
NONE = "none"                      # no 姓名 with 身份证号: no ledger (说明, a chart, a list of units)
KIND_LABELS = {PAYMENTS: "发放台账", ROSTER_ROWS: "花名册（家庭成员分行）", ROSTER_COLUMNS: "花名册（家庭成员分列）",
               MIXED: "发放台账（含家庭成员）", NONE: "不是台账"}

# The fields a column can fill: the exchange format's headers (so build.py writes them as they are), plus 出生日期,
# 关系 (a member's row in a roster), 活动 (names the batch) and 人次.
PERSON_FIELDS: tuple[str, ...] = (*fmt.HOUSEHOLDS.headers, "出生日期")  # the row's person: the head, or a member
RELATION = "关系"
PAYMENT_FIELDS: tuple[str, ...] = ("救助类别", "活动", "金额", "发放日期", "资金来源", "发放方式", "人次", "短信通知",
                                   "电话核实", *fmt.STUDENT_COLUMNS)
FIELDS: tuple[str, ...] = (*PERSON_FIELDS, RELATION, *PAYMENT_FIELDS)
# A member's attributes (member columns): the 家庭成员 sheet's headers.
MEMBER_ATTRIBUTES: tuple[str, ...] = tuple(h for h in fmt.MEMBERS.headers if h != "档案编号")
# On a member's row of a roster the person fields are the member's: the 家庭成员 header each one fills.
MEMBER_ROW_FIELDS: dict[str, str] = {"姓名": "姓名", "关系": "关系", "身份证号": "身份证号", "性别": "性别",
                                     "出生日期": "出生日期", "健康状况": "健康状况", "工作状态": "身份",
                                     "本人月收入": "月收入", "工作单位": "单位或学校"}
MEMBERS_SLOT = "家庭成员"  # the slot of a 家庭成员情况 group (members as such, the relation in a 关系 column)

_WORDS_FILE = ("codes", "ledger_words.json")
# Brackets with what is inside (an unclosed one to the end), circled and superscript digits, required marks.
_NOTES = re.compile(r"[(\[【〔《<［][^)\]】〕》>］]*(?:[)\]】〕》>］]|$)|[\u2460-\u249b\u2776-\u2793¹²³⁰-⁹*※]")
_BRACKETS = re.compile(r"[()\[\]【】〔〕《》<>［］]")
_INDEX = r"(?P<index>\d{1,2}|[一二三四五六七八九十])?"
_CHINESE_DIGITS = {c: str(n) for n, c in enumerate("一二三四五六七八九十", start=1)}


@dataclass(frozen=True)
class MemberSlot:
    slot: str                       # "配偶", "子女1", "家庭成员2"
    relation: str                   # the relation word the slot names ("" when it needs a 关系 column)
    columns: dict[str, int]         # attribute (姓名, 身份证号, 关系, 性别, 出生日期, 身份, 月收入 …) → column index
    rows: bool = False              # the member-rows block: one member per row (the head's row and the rows below)


@dataclass
class ColumnMap:
    fields: dict[str, int]          # field → column index (the first column that fills it)
    members: list[MemberSlot]       # member columns, in the sheet's order
    unmapped: list[tuple[int, str]]  # columns left out (index, header): each becomes a warning "未导入"
    twins: list[tuple[str, list[int]]]  # a field two columns would fill (the user must choose): error
    kind: str                       # PAYMENTS, ROSTER_ROWS, ROSTER_COLUMNS, MIXED, or NONE
    ignored: list[tuple[int, str]] = field(default_factory=list)  # 序号, 签字 …, or chosen 不导入: no warning


@dataclass(frozen=True)
class _Member:
    """A header that is a member's attribute: 子女1身份证号 → word 子女, index 1, relation 子女, 身份证号."""

    word: str
    index: str
    relation: str
    attribute: str


class _Ignored:
    def __repr__(self) -> str:
        return "IGNORED"


IGNORED = _Ignored()  # a column that carries nothing to import
_Target = str | _Member | _Ignored | None


@dataclass(frozen=True)
class _Words:
    spellings: dict[str, str]       # cleaned header → field
    ignored: frozenset[str]
    slots: dict[str, str]           # slot word → relation
    attributes: dict[str, str]      # cleaned header → member attribute
    person_groups: frozenset[str]
    member_groups: frozenset[str]
    aid_groups: frozenset[str]
    aid_subs: dict[str, str]
    student_groups: frozenset[str]
    student_subs: dict[str, str]
    member_column: re.Pattern       # slot word, index, attribute: 子女1姓名
    member_group: re.Pattern        # slot word, index, 情况/信息: 子女1, 配偶情况


def _clean(text: str) -> str:
    """A header as it is compared: half-width, no whitespace, without units, notes and marks."""
    text = normalise(text)
    # "【姓名】": a header all in brackets is the bracket's content
    return (_NOTES.sub("", text) or _BRACKETS.sub("", text)).strip(":：")


def _alternatives(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@cache
def _words() -> _Words:
    with open(resource(*_WORDS_FILE), encoding="utf-8") as f:
        data = json.load(f)
    spellings: dict[str, str] = {}
    for name, written in data["fields"].items():
        if name == "_comment":
            continue
        if name not in FIELDS:
            raise UserError(f"resources/codes/ledger_words.json 的 fields 中“{name}”不是可导入的项目；"
                            f"可用的项目：{'、'.join(FIELDS)}。请改正该文件后重启程序")
        for w in written:
            spellings.setdefault(_clean(w), name)
    spellings.update({_clean(f): f for f in FIELDS})  # a field's own name never means another field
    members = data["member_columns"]
    attributes = {_clean(w): a for a, written in members["attributes"].items() for w in written}
    attributes.update({a: a for a in MEMBER_ATTRIBUTES})
    slots = {_clean(w): r for w, r in members["slots"].items()}
    groups = data["groups"]
    slot_words, attribute_words = _alternatives(slots), _alternatives(attributes)
    return _Words(
        spellings=spellings, ignored=frozenset(_clean(w) for w in data["not_imported"]["words"]),
        slots=slots, attributes=attributes,
        person_groups=frozenset(_clean(w) for w in groups["person"]),
        member_groups=frozenset(_clean(w) for w in groups["members"]),
        aid_groups=frozenset(_clean(w) for w in groups["aid"]["words"]),
        aid_subs={_clean(k): v for k, v in groups["aid"]["subs"].items()},
        student_groups=frozenset(_clean(w) for w in groups["student"]["words"]),
        student_subs={_clean(k): v for k, v in groups["student"]["subs"].items()},
        member_column=re.compile(f"(?P<word>{slot_words}){_INDEX}(?:情况|信息)?[-_·.]?的?(?P<attr>{attribute_words})"),
        member_group=re.compile(f"(?P<word>{slot_words}){_INDEX}(?P<suffix>情况|信息|基本情况)?"))


def _member(w: _Words, m: re.Match, attribute: str) -> _Member:
    index = m["index"] or ""
    return _Member(m["word"], _CHINESE_DIGITS.get(index, index), w.slots[m["word"]], attribute)


def _single(w: _Words, key: str) -> _Target:
    """What one cleaned header (no group) fills."""
    found = w.spellings.get(key)
    if found is not None:
        return found
    if key in w.ignored:
        return IGNORED
    m = w.member_column.fullmatch(key)
    if m:
        return _member(w, m, w.attributes[m["attr"]])
    return None


def _grouped(w: _Words, group: str, sub: str) -> _Target:
    """What a two-row header's column fills: ``sub`` read by what ``group`` means."""
    if not sub or sub == group:
        return _single(w, group)
    if not group:
        return _single(w, sub)
    if group in w.person_groups:
        return _single(w, sub)
    if group in w.aid_groups:
        return w.aid_subs.get(sub) or _single(w, sub)
    if group in w.student_groups:
        return w.student_subs.get(sub) or _single(w, sub)
    if group in w.member_groups:
        inner = _single(w, sub)
        if isinstance(inner, _Member):  # 家庭成员情况/配偶姓名: that member
            return inner
        attribute = w.attributes.get(sub)
        return _Member(MEMBERS_SLOT, "", "", attribute) if attribute else None
    m = w.member_group.fullmatch(group)
    if m:  # 配偶情况/姓名, 子女1/身份证号
        attribute = w.attributes.get(sub)
        return _member(w, m, attribute) if attribute else None
    return _single(w, group + sub) or _single(w, sub)


@lru_cache(maxsize=4096)
def _target(header: str) -> _Target:
    key = _clean(header)
    if not key:
        return None
    w = _words()
    found = _single(w, key)
    if found is None and "/" in key:
        group, _slash, sub = key.partition("/")
        found = _grouped(w, group, sub)
    return found


def field_of(header: str) -> str | None:
    """The person or payment field a header fills on its own ("救助金额（元）" → "金额", "户主情况/姓名" → "姓名"); None
    for a member column ("配偶姓名", "家庭成员情况/姓名": which it is depends on the sheet, see map_columns), for a
    column with nothing to import (序号) and for a header no word list knows."""
    found = _target(header) if isinstance(header, str) else None
    return found if isinstance(found, str) else None


def is_header_word(text: object) -> bool:
    """Whether a cell's text is a header: of a field, a member column, a group (家庭成员情况, 救助情况), or a known
    column with nothing to import (序号). Names, numbers, dates, 合计 and the like are not."""
    return isinstance(text, str) and _is_header_text(text)


@lru_cache(maxsize=8192)
def _is_header_text(text: str) -> bool:
    if len(text) > 40:  # headers are short; titles, notes and addresses are long
        return False
    key = _clean(text)
    if not key or key[0].isdigit():  # numbers, dates, ID numbers, "1月"
        return False
    if _target(key) is not None:
        return True
    w = _words()
    if key in w.person_groups or key in w.member_groups or key in w.aid_groups or key in w.student_groups:
        return True
    m = w.member_group.fullmatch(key)  # 配偶情况, 子女1 over their columns; a bare 配偶 or 子女 is a 关系 cell's value
    return bool(m and (m["index"] or m["suffix"]))


def _choice(value: str) -> _Target:
    """A field as the user (or the office before) chose it: a field, a member column ("子女1姓名"), or "" (不导入)."""
    if not value.strip():
        return IGNORED
    return value if value in FIELDS else _target(value)  # None: no such field


def _bad_choice(header: str, value: str) -> UserError:
    return UserError(f"列对应中“{header}”一列要导入为“{value}”，没有这一项。可以选的项目有：{'、'.join(FIELDS)}；"
                     "家庭成员分列的写作“配偶姓名”“子女1身份证号”这样；不导入的一列留空")


def map_columns(headers: list[str], *, chosen: dict[str, str] | None = None,
                remembered: dict[str, str] | None = None) -> ColumnMap:
    """Which field each column fills, the member columns, and the sheet's kind.

    ``headers``: the sheet's headers as layout gives them (two-row headers as "group/sub"); ``chosen``: {header:
    field, or "" for 不导入} as the user chose for this book; ``remembered``: {header: field} as the office chose
    before. A chosen field that does not exist is refused (:class:`UserError`); a remembered one is passed over.
    """
    chosen_at = {normalise(h): v for h, v in (chosen or {}).items()}
    for h, v in (chosen or {}).items():
        if _choice(v) is None:
            raise _bad_choice(h, v)
    remembered_at = {normalise(h): v for h, v in (remembered or {}).items()}

    # Each column's target, with its level: 0 chosen, 1 remembered, 2 word lists.
    targets: list[tuple[int, str, _Target, int]] = []
    for i, header in enumerate(headers):
        text = header if isinstance(header, str) else "" if header is None else str(header)
        if not text.strip():
            continue  # a column without a header: nothing to map (and nothing to warn about by name)
        key = normalise(text)
        if key in chosen_at:
            targets.append((i, text, _choice(chosen_at[key]), 0))
            continue
        again = _choice(remembered_at[key]) if key in remembered_at else None
        if again is not None:
            targets.append((i, text, again, 1))
        else:
            targets.append((i, text, _target(text), 2))

    unmapped = [(i, h) for i, h, t, _level in targets if t is None]
    ignored = [(i, h) for i, h, t, _level in targets if t is IGNORED]
    slots, as_fields = _slots(targets)
    candidates: dict[str, list[tuple[int, int]]] = {}  # field → [(level, column)]
    for i, _h, t, level in [*targets, *as_fields]:
        if isinstance(t, str):
            candidates.setdefault(t, []).append((level, i))
    fields: dict[str, int] = {}
    twins: list[tuple[str, list[int]]] = []
    names = {i: h for i, h, _t, _level in targets}
    for name, found in candidates.items():
        best = min(level for level, _i in found)
        columns = sorted(i for level, i in found if level == best)
        fields[name] = columns[0]
        if len(columns) > 1:
            twins.append((name, columns))
        unmapped += [(i, names[i]) for level, i in found if level != best]  # left out by a stronger choice
    fields = dict(sorted(fields.items(), key=lambda item: item[1]))
    twins.sort(key=lambda t: t[1][0])
    return ColumnMap(fields, slots, sorted(unmapped), twins, _kind(fields, slots), ignored)


def _slots(targets: list[tuple[int, str, _Target, int]]) -> tuple[list[MemberSlot], list[tuple[int, str, str, int]]]:
    """The member slots of a sheet, in its order, and the member-rows block columns that are the row's person.

    A slot is the columns of one word and index (子女1 …); the same attribute again starts the next member (two
    groups of 子女姓名, 子女身份证号). A 家庭成员 slot without an index that does not repeat is the member-rows block
    when the head's 姓名 or 身份证号 is elsewhere, and else the person of each row (fields, returned second).
    """
    built: list[tuple[str, _Member, dict[str, int], int]] = []  # (key, first target, columns, level)
    open_slot: dict[str, int] = {}  # key → position in built of the member being filled
    for i, _h, t, level in targets:
        if not isinstance(t, _Member):
            continue
        key = t.word + t.index
        at = open_slot.get(key)
        if at is None or t.attribute in built[at][2]:
            open_slot[key] = len(built)
            built.append((key, t, {}, level))
        built[open_slot[key]][2][t.attribute] = i
    per_key: dict[str, int] = {}
    for key, *_rest in built:
        per_key[key] = per_key.get(key, 0) + 1
    head_elsewhere = any(t in ("姓名", "身份证号") for _i, _h, t, _level in targets)
    slots: list[MemberSlot] = []
    as_fields: list[tuple[int, str, str, int]] = []
    seen: dict[str, int] = {}
    taken = {key for key, *_rest in built}
    for key, first, columns, level in built:
        if not first.relation and not first.index and per_key[key] == 1:
            if head_elsewhere:
                slots.append(MemberSlot(key, "", dict(columns), rows=True))
            else:
                person = {a: f for f, a in MEMBER_ROW_FIELDS.items()}
                as_fields += [(i, "", person[a], level) for a, i in columns.items() if a in person]
            continue
        n = seen[key] = seen.get(key, 0) + 1
        name = key
        if per_key[key] > 1:  # 子女姓名 twice: 子女1, 子女2; 子女1姓名 twice, or 子女2 there too: 子女1, 子女1(2)
            numbered = f"{key}{n}"
            name = numbered if not first.index and numbered not in taken else key if n == 1 else f"{key}({n})"
        slots.append(MemberSlot(name, first.relation, dict(columns)))
    return slots, as_fields


def _kind(fields: dict[str, int], slots: list[MemberSlot]) -> str:
    if "姓名" not in fields or "身份证号" not in fields:
        return NONE
    member_rows = RELATION in fields or any(s.rows for s in slots)
    member_columns = any(not s.rows for s in slots)
    if "金额" in fields:
        return MIXED if member_rows or member_columns else PAYMENTS
    if member_columns and not member_rows:
        return ROSTER_COLUMNS
    return ROSTER_ROWS  # members on the rows below, or none at all: one household per row either way
