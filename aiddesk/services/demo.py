"""A demo office — units, 低保 lines, accounts and a realistic hardship archive — built into an empty database.

Modelled on the Hainan provincial centre's 2015 report (``shared/seed``): 44
industry/system unions and directly affiliated grassroots unions, 1431
households, about 3.7 people each.  All names, numbers and lists come from
``resources/demo`` (data, not code); everything is drawn from
``random.Random(seed)``, so the same seed and the same ``today`` give the same
office.  Dates are placed relative to ``today`` so the office always looks
like it is in the middle of its year.

Everything goes through the services (units, accounts, ArchiveService), so the
demo has the same validation, computed incomes, archive numbers and audit
trail as real work; the whole build is one outer transaction (the services
join it through savepoints), which makes it fast and all-or-nothing.

Demo accounts (username / password / roles), also returned in the summary::

    admin   / admin123   管理员、经办人
    jingban / jingban123 经办人        (the clerk who files the demo archives)
    shenhe  / shenhe123  审核人
    shenpi  / shenpi123  审批人
"""

from __future__ import annotations

import csv
import json
import random
import shutil
import struct
import tempfile
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Callable

from ..core.errors import UserError
from ..core.household import Household, Member
from ..core.idcard import make_id
from ..core.proofs import required_proofs
from ..db import Database
from ..db.audit import Actor, seal_chain
from ..db.settings import set_setting
from ..db.units import Unit
from ..paths import resource
from . import accounts
from .archive import DEFAULT_RULE_SET, ArchiveService
from .demo_batches import build_demo_batches
from .demo_funds import build_demo_ledger
from .demo_verification import build_demo_verification
from .settings import save_dibao_line
from .units import save_unit

# username, password, roles, display name
DEMO_ACCOUNTS: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("admin", "admin123", ("管理员", "经办人"), "系统管理员"),
    ("jingban", "jingban123", ("经办人",), "符晓梅"),
    ("shenhe", "shenhe123", ("审核人",), "陈建国"),
    ("shenpi", "shenpi123", ("审批人",), "王海平"),
)
CLERK = "jingban"
REVIEWER = "shenhe"

FIRST_YEAR = 2012  # the demo archive starts in 2012, like the seed's office

# Shares of the generated households; fixed quotas (not independent draws) so
# even a small demo shows every status, exit reason and category.
STATUS_SHARES = {
    "在档": 0.745, "临时": 0.07, "脱困": 0.10,
    "注销:退休": 0.035, "注销:死亡": 0.015, "注销:不符合条件": 0.025, "注销:其他": 0.01,
}
CATEGORY_SHARES = {"低保户": 0.35, "低保边缘户": 0.52, "意外致困户": 0.13}
# Per-capita income drawn as a multiple of the local 低保 line, per target category.
CATEGORY_INCOME = {"低保户": (0.35, 0.95), "低保边缘户": (1.04, 1.45), "意外致困户": (1.56, 2.2)}
MAIN_CAUSES = {
    "低保户": {"下岗失业": 25, "患重特大疾病": 25, "无劳动能力": 15, "子女上学": 12, "有劳动能力而未就业": 8,
              "未参加社会保险": 5, "社会保险待遇落实不到位": 5, "其他": 5},
    "低保边缘户": {"患重特大疾病": 30, "子女上学": 30, "下岗失业": 15, "社会保险待遇落实不到位": 8,
                "未参加社会保险": 7, "其他": 10},
    "意外致困户": {"遭受意外事故": 55, "遭受自然灾害": 45},
}
HOUSEHOLD_SIZES = {1: 5, 2: 10, 3: 25, 4: 35, 5: 18, 6: 7}  # mean ≈ 3.7, as in the seed
AS_SUGGESTED = 0.94      # share of households filed in the suggested category
VIA_PENDING = 0.3        # share of 在档 archives filed 临时 first, then approved
MISSING_DOCS = {"临时": 0.35, "other": 0.08}   # share left with a required proof missing (资料不全)
STALE_SHARE = 0.08       # share of households last updated over a year ago
RETIRE_AGE = {"男": 60, "女": 50}


@dataclass
class DemoSummary:
    """What ``build_demo`` made; ``accounts`` are (username, password, roles)."""

    units: int
    households: int
    people: int
    accounts: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)
    attachments: int = 0


# --------------------------------------------------------------------------- data files


@dataclass(frozen=True)
class _Data:
    units: dict
    names: dict
    places: dict
    texts: dict
    dibao_lines: tuple[tuple[str, int, Decimal], ...]


def _json(name: str) -> dict:
    with open(resource("demo", name), encoding="utf-8") as f:
        return json.load(f)


@cache
def _data() -> _Data:
    with open(resource("demo", "dibao_lines.csv"), encoding="utf-8", newline="") as f:
        lines = tuple((r["area_code"], int(r["year"]), Decimal(r["line"])) for r in csv.DictReader(f))
    return _Data(_json("units.json"), _json("names.json"), _json("places.json"), _json("texts.json"), lines)


# --------------------------------------------------------------------------- helpers


def _quota(rng: random.Random, n: int, shares: dict[str, float]) -> list[str]:
    """``n`` labels in the given shares (largest remainder; each at least once if n allows), shuffled."""
    keys = list(shares)
    exact = {k: n * shares[k] / sum(shares.values()) for k in keys}
    counts = {k: int(exact[k]) for k in keys}
    if n >= len(keys):
        for k in keys:
            counts[k] = max(counts[k], 1)
    order = sorted(keys, key=lambda k: exact[k] - int(exact[k]), reverse=True)
    i = 0
    while sum(counts.values()) < n:
        counts[order[i % len(order)]] += 1
        i += 1
    while sum(counts.values()) > n:  # the minimum of one pushed us over: take from the largest
        counts[max(keys, key=lambda k: counts[k])] -= 1
    labels = [k for k in keys for _ in range(counts[k])]
    rng.shuffle(labels)
    return labels


def _png(serial: int) -> bytes:
    """A tiny 8×8 grey PNG whose pixels spell ``serial``, so every file has its own SHA-256."""
    payload = serial.to_bytes(8, "big")
    raw = b"".join(b"\x00" + bytes((payload[y] ^ (x * 37)) & 0xFF for x in range(8)) for y in range(8))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def _luhn(digits: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)


def _yuan(value: int | float, step: int = 10) -> Decimal:
    """A whole amount in 元 from a generated figure, rounded to ``step`` (incomes are declared in round figures)."""
    return Decimal(max(0, int(round(value / step)) * step))


def _years_between(a: date, b: date) -> float:
    return (b - a).days / 365.25


# --------------------------------------------------------------------------- the generator


@dataclass
class _Slot:
    """The plan for one household before its details are drawn."""

    status: str          # 在档 / 临时 / 脱困 / 注销
    reason: str          # exit reason for 注销 (and 脱困)
    category: str        # target category
    created: date
    exit_date: date | None = None


class _Generator:
    """Draws households from the demo data with one ``random.Random``."""

    def __init__(self, rng: random.Random, data: _Data, today: date, lines: dict[tuple[str, int], Decimal],
                 files_rng: random.Random):
        self.rng = rng
        self.files_rng = files_rng  # attachments draw apart, so the archive is the same with or without them
        self.data = data
        self.today = today
        self.lines = lines
        self.used_ids: set[str] = set()
        self.used_phones: set[str] = set()
        self.used_cards: set[str] = set()
        names = data.names
        self.surnames = list(names["surnames"]), list(names["surnames"].values())
        self.li_surnames = list(names["li_surnames"]), list(names["li_surnames"].values())
        self.single_char = float(names["single_char_share"])
        areas = data.places["areas"]
        self.areas = {a["code"]: a for a in areas}
        self.area_codes, self.area_weights = [a["code"] for a in areas], [a["weight"] for a in areas]
        banks = data.places["banks"]
        self.banks, self.bank_weights = banks, [b["weight"] for b in banks]
        units = [u for u in data.units["units"] if u.get("weight", 0) > 0]
        self.units, self.unit_weights = units, [u["weight"] for u in units]
        self.seq: dict[tuple[str, int], int] = {}
        self.serial = 0  # numbers the generated proof files

    # ---- small draws ----------------------------------------------------------

    def pick(self, weighted: dict[str, float]) -> str:
        return self.rng.choices(list(weighted), list(weighted.values()))[0]

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def day_between(self, first: date, last: date) -> date:
        if last <= first:
            return first
        return first + timedelta(days=self.rng.randrange((last - first).days + 1))

    def birth(self, ref: date, age: float) -> date:
        """A birth date making someone ``age`` (fractional years) old on ``ref``."""
        born = ref - timedelta(days=int(age * 365.25) + self.rng.randrange(365))
        return min(born, self.today)

    def person_name(self, surname: str, male: bool, born: date) -> str:
        names = self.data.names
        young = born.year >= 1995 and self.chance(0.7)
        chars = names[("young_" if young else "") + ("male" if male else "female")]
        length = 1 if self.chance(self.single_char) else 2
        return surname + "".join(self.rng.choice(chars) for _ in range(length))

    def surname(self, li: bool = False) -> str:
        keys, weights = self.li_surnames if li else self.surnames
        return self.rng.choices(keys, weights)[0]

    def id_number(self, area: str, born: date, male: bool) -> str:
        while True:
            number = make_id(area, born, self.rng.randrange(500) * 2 + (1 if male else 0))
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def phone(self) -> str:
        while True:
            number = self.rng.choice(self.data.places["mobile_prefixes"]) + f"{self.rng.randrange(10 ** 8):08d}"
            if number not in self.used_phones:
                self.used_phones.add(number)
                return number

    def bank(self) -> tuple[str, str]:
        bank = self.rng.choices(self.banks, self.bank_weights)[0]
        while True:
            body = bank["bin"] + f"{self.rng.randrange(10 ** 12):012d}"
            card = body + _luhn(body)
            if card not in self.used_cards:
                self.used_cards.add(card)
                return bank["name"], card

    def line(self, area: str, year: int) -> Decimal:
        """The 低保 line the service will find: county, then city, then province; latest year ≤ ``year``."""
        for code in (area, area[:4] + "00", area[:2] + "0000"):
            years = [y for (c, y) in self.lines if c == code and y <= year]
            if years:
                return self.lines[(code, max(years))]
        raise UserError(f"演示数据缺少地区 {area} 的低保标准，请检查 resources/demo/dibao_lines.csv")

    # ---- the plan -------------------------------------------------------------

    def created_date(self, status: str) -> date:
        today = self.today
        if status == "临时":  # waiting for approval: filed in the last months
            return today - timedelta(days=self.rng.randint(3, 150))
        last = today - timedelta(days=400 if status in ("脱困", "注销") else 1)
        years = list(range(FIRST_YEAR, last.year + 1))
        # open archives lean to recent years (older ones have mostly left the archive)
        weights = [1 + (0.15 * (y - FIRST_YEAR) if status == "在档" else 0) for y in years]
        year = self.rng.choices(years, weights)[0]
        return self.day_between(date(year, 1, 1), min(date(year, 12, 31), last))

    def plan(self, n: int) -> list[_Slot]:
        statuses = _quota(self.rng, n, STATUS_SHARES)
        categories = _quota(self.rng, n, CATEGORY_SHARES)
        slots = []
        for label, category in zip(statuses, categories):
            status, _, reason = label.partition(":")
            created = self.created_date(status)
            exit_date = None
            if status in ("脱困", "注销"):
                reason = reason or "脱困"
                last = self.today - timedelta(days=7)
                earliest = created + timedelta(days=365)
                exit_date = self.day_between(earliest if earliest < last else created + timedelta(days=30), last)
            slots.append(_Slot(status, reason, category, created, exit_date))
        # File them in date order, so archive numbers run with the dates.
        slots.sort(key=lambda s: s.created)
        return slots

    def archive_no(self, unit_code: str, year: int) -> str:
        """档案编号 as the repository numbers them: <单位代码>-<年>-<4-digit sequence>."""
        key = (unit_code, year)
        self.seq[key] = self.seq.get(key, 0) + 1
        return f"{unit_code}-{year}-{self.seq[key]:04d}"

    # ---- one household --------------------------------------------------------

    def household(self, slot: _Slot) -> Household:
        rng = self.rng
        unit = rng.choices(self.units, self.unit_weights)[0]
        area = (rng.choice(unit["areas"]) if unit.get("areas") and self.chance(0.6)
                else rng.choices(self.area_codes, self.area_weights)[0])
        place = self.areas[area]
        li = self.chance(float(place["li_share"]))
        migrant = self.chance(float(unit.get("migrant_share", "0.1")))
        male = self.chance(0.55)
        gender = "男" if male else "女"
        born = self.head_birth(slot, gender)
        age_now = _years_between(born, self.today)

        category = slot.category
        main = self.pick(MAIN_CAUSES[category])
        pool = [c for c in MAIN_CAUSES["低保户"] if c != main]
        secondary = rng.sample(pool, rng.choices([0, 1, 2], [50, 35, 15])[0])

        h = Household(
            name=self.person_name(self.surname(li), male, born), gender=gender, birth_date=born,
            id_number=self.id_number(area, born, male), hukou_area_code=area,
            ethnicity="黎族" if li else ("苗族" if area in ("469029", "469030") and self.chance(0.1) else "汉族"),
            unit_code=unit["code"], is_migrant_worker=migrant,
            created_date=slot.created, archive_status="临时" if slot.status == "临时" else "在档",
            main_cause=main, secondary_causes=secondary,
        )
        h.political_status = ("共青团员" if age_now < 28 and self.chance(0.5)
                              else self.pick({"群众": 75, "中共党员": 20, "民主党派": 1}))
        h.employer, h.employer_type = rng.choice(unit["employers"])
        h.hukou_type = "农村" if migrant or self.chance(0.2) else "城镇"
        h.housing_type = self.pick({"自有住房": 45, "租住公房": 15, "租住私房": 20, "借住": 8, "单位宿舍": 10,
                                    "其他": 2})
        h.address = (f"{place['name']}{rng.choice(place['streets'])}{rng.randint(1, 300)}号"
                     + (f"{rng.randint(1, 12)}栋{rng.randint(1, 7)}0{rng.randint(1, 4)}房" if self.chance(0.6) else ""))
        h.phone = self.phone()
        h.bank_name, h.bank_card = self.bank()
        self.head_health_and_work(h, migrant)

        size = int(self.pick({str(k): v for k, v in HOUSEHOLD_SIZES.items()}))
        self.members(h, size, li)
        h.household_size = 1 + len(h.members)
        if main == "患重特大疾病" and h.health != "大病":
            adults = [m for m in h.members if m.relation in ("配偶", "父亲", "母亲")]
            if adults:
                rng.choice(adults).health = "大病"
            else:
                h.health = "大病"
        self.incomes(h, slot)

        notes = self.data.texts["notes_by_cause"].get(main)
        h.note = rng.choice(notes) if notes and self.chance(0.6) else ""
        if h.archive_status == "在档":
            h.reviewed_by = REVIEWER
            h.union_opinion = rng.choice(self.data.texts["union_opinion"])
        h.archive_no = self.archive_no(h.unit_code, slot.created.year)
        return h

    def head_birth(self, slot: _Slot, gender: str) -> date:
        retire = RETIRE_AGE[gender]
        if slot.reason == "退休":  # left the archive on reaching retirement age
            return slot.exit_date - timedelta(days=int(retire * 365.25) + self.rng.randrange(180))
        since = _years_between(slot.created, self.today)
        if slot.status in ("在档", "临时"):  # still working today, at least 21 when filed
            low = max(25.0, 21 + since)
            high = retire - 1.2
            return self.birth(self.today, self.rng.triangular(low, high, min(max(46, low), high)))
        return self.birth(slot.created, self.rng.triangular(22, retire - 2, min(44, retire - 2)))

    def head_health_and_work(self, h: Household, migrant: bool) -> None:
        main = h.main_cause
        if main == "无劳动能力":
            h.health = self.pick({"残疾": 60, "大病": 40})
            h.work_status = self.pick({"内退": 50, "停薪留职": 20, "其他": 30})
        else:
            h.health = self.pick({"健康": 50, "一般": 30, "慢性病": 20})
            if main == "患重特大疾病" and self.chance(0.5):
                h.health = "大病"
            if main == "下岗失业":
                h.work_status = self.pick({"下岗": 50, "失业": 50})
            elif main == "有劳动能力而未就业":
                h.work_status = "失业"
            elif migrant:
                h.work_status = self.pick({"在岗": 70, "灵活就业": 30})
            else:
                h.work_status = self.pick({"在岗": 85, "灵活就业": 10, "内退": 5})
        h.disability = (self.pick({"肢体残疾": 50, "视力残疾": 15, "听力残疾": 15, "精神残疾": 10, "多重残疾": 10})
                        if h.health == "残疾" else "无")

    # ---- family -----------------------------------------------------------------

    def member(self, h: Household, relation: str, *, male: bool, born: date, surname: str,
               area: str | None = None) -> Member:
        return Member(name=self.person_name(surname, male, born), relation=relation,
                      id_number=self.id_number(area or h.hukou_area_code, born, male),
                      gender="男" if male else "女", birth_date=born)

    def members(self, h: Household, size: int, li: bool) -> None:
        rng, today = self.rng, self.today
        head_male = h.gender == "男"
        head_surname = h.name[0]
        slots = size - 1
        head_age = _years_between(h.birth_date, today)
        if slots == 0:
            h.marital_status = self.pick({"未婚": 30, "离异": 40, "丧偶": 30})
            return
        if head_age < 30 and slots <= 2 and self.chance(0.5):
            h.marital_status = "未婚"
        else:
            h.marital_status = self.pick({"已婚": 82, "离异": 10, "丧偶": 8})

        spouse_surname = self.surname(li)
        if h.marital_status == "已婚":
            born = self.birth(today, max(20.0, head_age + rng.uniform(-5, 5)))
            area = h.hukou_area_code if self.chance(0.8) else rng.choices(self.area_codes, self.area_weights)[0]
            spouse = self.member(h, "配偶", male=not head_male, born=born, surname=spouse_surname, area=area)
            self.adult_role(spouse, partner=True)
            h.members.append(spouse)
            slots -= 1

        # Children: born when the head was 21–42, up to today.
        first, last = h.birth_date + timedelta(days=int(21 * 365.25)), h.birth_date + timedelta(days=int(42 * 365.25))
        last = min(last, today - timedelta(days=30))
        if h.marital_status != "未婚" and first < last:
            child_surname = head_surname if head_male else (spouse_surname if h.marital_status == "已婚"
                                                             else self.surname(li))
            wanted = min(slots, rng.choices([1, 2, 3], [50, 38, 12])[0])
            if slots > 2 and self.chance(0.4):  # big households are often three generations
                wanted = min(wanted, slots - 2)
            births = sorted(self.day_between(first, last) for _ in range(wanted))
            for born in births:
                son = self.chance(0.52)
                child = self.member(h, "子" if son else "女", male=son, born=born, surname=child_surname)
                self.child_role(child)
                h.members.append(child)
                slots -= 1

        # Parents, then siblings (or grandchildren for older heads), for the rest.
        parents = ["父亲", "母亲"] if slots >= 2 else [self.pick({"母亲": 60, "父亲": 40})]
        for relation in parents:
            if slots == 0:
                break
            born = h.birth_date - timedelta(days=int(rng.uniform(20, 34) * 365.25))
            if _years_between(born, today) > 92:
                continue
            parent = self.member(h, relation, male=relation == "父亲", born=born,
                                 surname=head_surname if relation == "父亲" else self.surname(li))
            parent.identity = self.pick({"退休": 45, "无业": 55})
            parent.health = self.pick({"慢性病": 40, "一般": 30, "健康": 20, "大病": 7, "残疾": 3})
            if parent.identity == "退休":
                parent.monthly_income = _yuan(rng.uniform(900, 2600))
            h.members.append(parent)
            slots -= 1
        while slots > 0:
            if head_age >= 50 and self.chance(0.6):
                relation, male = "孙子女", self.chance(0.5)
                born = self.day_between(max(h.birth_date + timedelta(days=int(42 * 365.25)),
                                            today - timedelta(days=int(15 * 365.25))), today - timedelta(days=60))
                surname = head_surname
            else:
                male = self.chance(0.5)
                relation = "兄弟" if male else "姐妹"
                born = h.birth_date + timedelta(days=int(rng.uniform(-8, 3) * 365.25))
                surname = head_surname
            born = min(born, today - timedelta(days=60))
            other = self.member(h, relation, male=male, born=born, surname=surname)
            if relation == "孙子女":
                self.child_role(other)
            else:
                self.adult_role(other, partner=False)
                other.health = self.pick({"残疾": 40, "大病": 20, "慢性病": 40})  # why they live with the head
            h.members.append(other)
            slots -= 1

    def adult_role(self, m: Member, *, partner: bool) -> None:
        age = _years_between(m.birth_date, self.today)
        if age >= RETIRE_AGE[m.gender]:
            m.identity = "退休"
            m.monthly_income = _yuan(self.rng.uniform(1200, 2800))
        else:
            m.identity = self.pick({"在岗": 35, "失业": 20, "无业": 35, "其他": 10})
            if m.identity in ("在岗", "其他"):
                m.monthly_income = _yuan(self.rng.uniform(900, 2500))
                m.employer_or_school = "个体经营" if m.identity == "其他" else self.rng.choice(
                    self.rng.choice(self.units)["employers"])[0]
        m.health = self.pick({"健康": 60, "一般": 20, "慢性病": 15, "残疾": 5}) if partner else m.health

    def child_role(self, m: Member) -> None:
        rng = self.rng
        age = _years_between(m.birth_date, self.today)
        schools = self.data.places["schools"]
        m.health = self.pick({"健康": 88, "一般": 7, "残疾": 3, "大病": 2})
        if age < 6:
            m.identity = "学龄前"
        elif age < 12:
            m.identity, m.employer_or_school = "学生", rng.choice(schools["primary"])
        elif age < 18:
            m.identity, m.employer_or_school = "学生", rng.choice(schools["middle"])
        elif age < 22.5 and self.chance(0.8):
            m.identity, m.employer_or_school = "学生", rng.choice(schools["college"])
        else:
            m.identity = self.pick({"无业": 55, "在岗": 35, "其他": 10})
            if m.identity == "在岗":
                m.monthly_income = _yuan(rng.uniform(1200, 3000))
                m.employer_or_school = rng.choice(rng.choice(self.units)["employers"])[0]

    # ---- money --------------------------------------------------------------------

    def incomes(self, h: Household, slot: _Slot) -> None:
        """Incomes that put the per-capita figure in the target category's band around the local line.

        Amounts are whole 元 (int) throughout; only the random ratios are floats.
        """
        rng = self.rng
        line = int(self.line(h.hukou_area_code, slot.created.year))
        low, high = CATEGORY_INCOME[slot.category]
        total = round(rng.uniform(low, high) * line * h.household_size)   # target 家庭月收入, 元
        other_annual = 0 if self.chance(0.4) else min(round(rng.uniform(300, 3000)), total * 12 * 15 // 100)
        h.other_annual_income = _yuan(other_annual, 100)
        room = total * 3 // 4
        earners = [m for m in h.members if m.monthly_income > 0]
        rng.shuffle(earners)
        for m in earners:  # members' declared incomes fit under the household target
            if int(m.monthly_income) <= room:
                room -= int(m.monthly_income)
            elif room >= 300:
                m.monthly_income = _yuan(room * rng.uniform(0.6, 1.0))
                room -= int(m.monthly_income)
            else:
                m.monthly_income = Decimal(0)
                m.identity = {"退休": "无业", "在岗": "无业"}.get(m.identity, m.identity)
                m.employer_or_school = "" if m.identity == "无业" else m.employer_or_school
        rest = total - sum(int(m.monthly_income) for m in h.members) - int(h.other_annual_income) // 12
        h.monthly_income = _yuan(rest)
        annual = int(h.monthly_income + sum((m.monthly_income for m in h.members), Decimal(0))) * 12 \
            + int(h.other_annual_income)
        if h.main_cause == "患重特大疾病" or "患重特大疾病" in h.secondary_causes:
            h.rigid_expenses = _yuan(rng.uniform(5000, 40000), 100)
        elif h.main_cause == "子女上学" or "子女上学" in h.secondary_causes:
            h.rigid_expenses = _yuan(rng.uniform(3000, 15000), 100)
        if slot.category == "意外致困户":
            h.hardship_costs = _yuan(annual * rng.uniform(0.9, 2.5), 100)
        elif h.main_cause == "患重特大疾病":
            h.hardship_costs = _yuan(rng.uniform(10000, 60000), 100)

    def category(self, suggested: str | None, target: str) -> str:
        """The clerk files most households in the suggested category, a few by judgement."""
        if suggested and self.chance(AS_SUGGESTED):
            return suggested
        return {"低保户": "低保边缘户", "低保边缘户": "低保户", "意外致困户": "低保边缘户"}.get(
            suggested or "", target if target != "意外致困户" else "低保边缘户")

    def exit_note(self, reason: str) -> str:
        return self.rng.choice(self.data.texts["exit_notes"][reason])

    def stale_stamp(self, created: date) -> str:
        """An office-hours timestamp between one and four years ago (never before the archive was filed)."""
        first = max(created, self.today - timedelta(days=4 * 365))
        day = self.day_between(first, self.today - timedelta(days=370))
        at = time(8 + self.rng.randrange(10), self.rng.randrange(60), self.rng.randrange(60))
        return datetime.combine(day, at).isoformat(timespec="seconds")


# --------------------------------------------------------------------------- the build


def _refuse_if_not_empty(db: Database) -> None:
    conn = db.conn
    counts = [conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("units", "households", "users")]
    if any(counts):
        raise UserError("这个数据库里已经有单位、档案或账号，不能再生成演示数据（会和真实数据混在一起）。"
                        "请新建一个空的数据库文件，再生成演示数据。")


def build_demo(db: Database, *, households: int = 1431, seed: int = 2015, today: date | None = None,
               progress: Callable[[int, int], None] | None = None, attachments: bool = True,
               batches: bool = True) -> DemoSummary:
    """Build the demo office into an empty database; refused (``UserError``) if it has any data.

    ``progress(done, total)`` is called after each household. With
    ``attachments=False`` no proof files are attached (faster for benchmarks),
    so every archive lists its proofs as missing.
    """
    if households < 0:
        raise UserError("演示档案户数不能为负数")
    _refuse_if_not_empty(db)
    today = today or date.today()
    rng = random.Random(seed)
    data = _data()
    admin = Actor(DEMO_ACCOUNTS[0][0], "界面")
    attachment_dir_existed = db.attachment_dir.exists()
    people = attached = 0
    try:
        with tempfile.TemporaryDirectory(prefix="aiddesk-demo-") as tmp, db.transaction() as conn:
            # Accounts first: the admin is the one who sets up units and settings.
            username, password, _roles, display = DEMO_ACCOUNTS[0]
            accounts.create_first_admin(db, username=username, display_name=display, password=password)
            for username, password, roles, display in DEMO_ACCOUNTS[1:]:
                accounts.add_user(db, admin, username=username, display_name=display, password=password, roles=roles)

            own = data.units["own"]
            save_unit(db, admin, Unit(own["code"], own["name"], own["level"]), new=True)
            for u in data.units["units"]:
                save_unit(db, admin, Unit(u["code"], u["name"], u["level"], u["parent"]), new=True)

            set_setting(conn, "rule_set", DEFAULT_RULE_SET)
            for area, year, line in data.dibao_lines:
                save_dibao_line(db, admin, area, year, line)

            gen = _Generator(rng, data, today, {(a, y): v for a, y, v in data.dibao_lines},
                             files_rng=random.Random(f"{seed}/attachments"))
            service = ArchiveService(db, Actor(CLERK, "界面"))
            plan = gen.plan(households)
            stale_candidates: list[tuple[int, date]] = []
            approved_later: list[tuple[int, date]] = []
            for done, slot in enumerate(plan, start=1):
                h = gen.household(slot)
                pending_first = slot.status == "在档" and gen.chance(VIA_PENDING)
                if pending_first:
                    h.archive_status, h.reviewed_by, h.union_opinion = "临时", "", ""
                h.hardship_category = gen.category(service.suggest(h, today=today).category, slot.category)
                household_id = service.save(h, today=today).household_id
                people += h.household_size
                if attachments:
                    attached += _attach(service, gen, household_id, h, slot, Path(tmp))
                if pending_first:
                    service.change_status(household_id, "在档", today=today)
                    approved_later.append((household_id, slot.created))
                if slot.status in ("脱困", "注销"):
                    service.change_status(household_id, slot.status, exit_date=slot.exit_date,
                                          reason=slot.reason, note=gen.exit_note(slot.reason), today=today)
                if slot.status == "在档" and slot.created <= today - timedelta(days=400):
                    stale_candidates.append((household_id, slot.created))
                if progress:
                    progress(done, households)

            # Demo data simulates past years, but save() stamps updated_at with the wall
            # clock; backdate a sample so "一年未更新" shows what an office would see.
            stale = rng.sample(stale_candidates, min(len(stale_candidates), round(households * STALE_SHARE)))
            # Likewise a 临时 archive was approved into 在档 about a week after filing, not today:
            # the batch checklist reads the archive's status on a batch's approval day from the log.
            with db.transaction():
                conn.executemany("UPDATE households SET updated_at = ? WHERE id = ?",
                                 [(gen.stale_stamp(created), hid) for hid, created in stale])
                conn.executemany(
                    "UPDATE audit_log SET at = ? WHERE household_id = ? AND table_name = 'households'"
                    " AND action = 'status' AND new_values LIKE '%\"archive_status\": \"在档\"%'",
                    [(f"{min(created + timedelta(days=7), today).isoformat()}T09:30:00", hid)
                     for hid, created in approved_later])
            if batches:
                build_demo_ledger(db, unit_code=own["code"], year=today.year)
                build_demo_batches(db, unit_code=own["code"], today=today, rng=random.Random(f"{seed}/batches"),
                                   proofs=attachments)
                build_demo_verification(db, today=today, rng=random.Random(f"{seed}/verification"))
            # The backdated log entries above no longer match the hashes written when they were made: chain
            # the log as it now reads, so every demo database passes ``aiddesk check`` (GUI, CLI or test).
            seal_chain(conn)
    except BaseException:
        if not attachment_dir_existed:
            shutil.rmtree(db.attachment_dir, ignore_errors=True)
        raise
    return DemoSummary(
        units=1 + len(data.units["units"]), households=households, people=people,
        accounts=[(u, p, r) for u, p, r, _ in DEMO_ACCOUNTS], attachments=attached,
    )


def _attach(service: ArchiveService, gen: _Generator, household_id: int, h: Household, slot: _Slot,
            folder: Path) -> int:
    """Scan-like files for the required proofs; some households are left 资料不全."""
    rng = gen.files_rng
    kinds = required_proofs(h.hardship_category, h.causes())
    if rng.random() < MISSING_DOCS["临时" if slot.status == "临时" else "other"]:
        drop = rng.sample(kinds, min(len(kinds), rng.choice([1, 1, 2])))
        kinds = [k for k in kinds if k not in drop]
    if rng.random() < (0.5 if h.hardship_category == "意外致困户" else 0.15):
        kinds.append("其他")
    for kind in kinds:
        gen.serial += 1
        path = folder / f"{kind.replace('/', '')}.png"
        path.write_bytes(_png(gen.serial))
        service.add_attachment(household_id, kind, path)
    return len(kinds)
