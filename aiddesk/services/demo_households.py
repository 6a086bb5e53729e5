"""The demo's households: drawn from ``resources/demo`` with one ``random.Random``, each as it was when filed.

Modelled on the Hainan provincial centre's 2015 report (``shared/seed``): about 3.7 people a household,
the seed's mix of categories, causes and exits. The plan fixes each household's fate first (when it was
filed, whether it went through 临时 first, when it left the archive — never while a batch is drawing up its
list —, whether it was reviewed in the last year or left untouched); the details of a household are drawn
when it is filed, as of that day (no child born after the filing date), from the archive's own random
numbers, so attaching proof files or not leaves the archive the same.
"""

from __future__ import annotations

import csv
import json
import random
import struct
import zlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cache

from ..core.errors import UserError
from ..core.household import Household, Member
from ..core.idcard import make_id
from ..paths import resource
from .demo_timeline import Workdays, timeline_data

REVIEWER = "shenhe"
FIRST_YEAR = timeline_data()["first_year"]  # the demo archive starts in 2012, like the seed's office


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
NATURAL_EXITS = ("退休", "死亡")  # exit dates that are facts of life (any day); the others are decisions
EXIT_MARGIN_DAYS = 14    # latest exit date before today's last working day: room to record it afterwards


# --------------------------------------------------------------------------- data files


@dataclass(frozen=True)
class DemoData:
    units: dict
    names: dict
    places: dict
    texts: dict
    dibao_lines: tuple[tuple[str, int, Decimal], ...]


def _json(name: str) -> dict:
    with open(resource("demo", name), encoding="utf-8") as f:
        return json.load(f)


@cache
def demo_data() -> DemoData:
    with open(resource("demo", "dibao_lines.csv"), encoding="utf-8", newline="") as f:
        lines = tuple((r["area_code"], int(r["year"]), Decimal(r["line"])) for r in csv.DictReader(f))
    return DemoData(_json("units.json"), _json("names.json"), _json("places.json"), _json("texts.json"), lines)


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


def scan_png(serial: int) -> bytes:
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


def _yuan(value: float, step: int = 10) -> Decimal:
    """A whole amount in 元 from a generated figure, rounded to ``step`` (incomes are declared in round figures)."""
    return Decimal(max(0, round(value / step) * step))


def _years_between(a: date, b: date) -> float:
    return (b - a).days / 365.25


# --------------------------------------------------------------------------- the generator


@dataclass
class Slot:
    """One household's fate, planned before its details are drawn."""

    status: str                      # 在档 / 临时 / 脱困 / 注销 — as it stands today
    reason: str                      # exit reason for 注销 (and 脱困)
    category: str                    # target category
    created: date                    # 建档日期, a working day: the archive is filed that day
    exit_date: date | None = None    # 退出日期 of a closed archive …
    closed_on: date | None = None    # … recorded a few working days later
    approved_on: date | None = None  # filed 临时 first and approved into 在档 that day
    reviewed_on: date | None = None  # its yearly review (复核), which keeps it off the 一年未更新 list
    stale: bool = False              # filed long ago and not touched since
    household_id: int | None = None  # once filed
    texts: dict[str, str] = field(default_factory=dict)  # drawn at filing for its later changes


class HouseholdGenerator:
    """Draws households from the demo data with one ``random.Random``."""

    def __init__(self, rng: random.Random, data: DemoData, today: date, lines: dict[tuple[str, int], Decimal],
                 files_rng: random.Random, workdays: Workdays, first_day: date):
        self.rng = rng
        self.wd = workdays
        self.first_day = first_day  # the office's first day with the program: nothing is filed before it
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
        """A working day to file a household that today has ``status``."""
        today = self.today
        if status == "临时":  # waiting for approval: filed in the last months
            return self.filing_day(today - timedelta(days=self.rng.randint(3, 150)), self.wd.before(today))
        last = today - timedelta(days=400) if status in ("脱困", "注销") else self.wd.before(today)
        years = list(range(FIRST_YEAR, last.year + 1))
        # open archives lean to recent years (older ones have mostly left the archive)
        weights = [1 + (0.15 * (y - FIRST_YEAR) if status == "在档" else 0) for y in years]
        year = self.rng.choices(years, weights)[0]
        return self.filing_day(self.day_between(date(year, 1, 1), min(date(year, 12, 31), last)), last)

    def filing_day(self, day: date, last: date) -> date:
        """The working day on or next after ``day`` (on or before it, where that would pass ``last``)."""
        day = max(day, self.first_day)
        filed = self.wd.on_or_after(day)
        return filed if filed <= last else self.wd.on_or_before(day)

    def plan(self, n: int, busy: list[tuple[date, date]] = ()) -> list[Slot]:
        """Every household's fate, in filing order (so archive numbers run with the dates).

        ``busy``: the periods in which a batch drew up and approved its list; no exit date falls in one, so
        every archive in a batch is still 在档 on its approval day, as the 核查清单 demands.
        """
        statuses = _quota(self.rng, n, STATUS_SHARES)
        categories = _quota(self.rng, n, CATEGORY_SHARES)
        slots = []
        for label, category in zip(statuses, categories):
            status, _, reason = label.partition(":")
            slot = Slot(status, reason or ("脱困" if status == "脱困" else ""), category, self.created_date(status))
            if status in ("脱困", "注销"):
                self.plan_exit(slot, busy)
            elif status == "在档" and self.chance(VIA_PENDING):
                approved = self.wd.on_or_after(slot.created + timedelta(days=self.rng.randint(5, 9)))
                slot.approved_on = approved if approved < self.today else None
            slots.append(slot)
        self.plan_reviews(slots, n)
        slots.sort(key=lambda s: s.created)
        return slots

    def plan_exit(self, slot: Slot, busy: list[tuple[date, date]]) -> None:
        # Far enough before today that the closure is recorded before it, even across the Spring Festival.
        last = self.wd.before(self.today) - timedelta(days=EXIT_MARGIN_DAYS)
        earliest = slot.created + timedelta(days=365)
        first = earliest if earliest < last else slot.created + timedelta(days=30)
        day = self.day_between(first, last)
        for _ in range(len(busy) + 1):
            if slot.reason not in NATURAL_EXITS:  # the office's decision, taken on a working day
                day = max(self.wd.on_or_before(day), slot.created)
            window = next((w for w in busy if w[0] <= day <= w[1]), None)
            if window is None or window[0] - timedelta(days=31) < slot.created:
                break
            day = window[0] - timedelta(days=1 + self.rng.randrange(30))
        slot.exit_date = day
        slot.closed_on = self.wd.after(day, self.rng.randint(1, 3))

    def plan_reviews(self, slots: list[Slot], n: int) -> None:
        """一年未更新: a few open archives were filed long ago and not touched since; the others that old were
        reviewed (复核) within the last year, as an office does every year."""
        old = [s for s in slots if s.status == "在档" and s.created <= self.today - timedelta(days=400)]
        for s in self.rng.sample(old, min(len(old), round(n * STALE_SHARE))):
            s.stale = True
        since, last = self.today - timedelta(days=330), self.wd.before(self.today)
        for s in slots:
            touched = s.approved_on or s.created
            if s.status == "在档" and not s.stale and touched < self.today - timedelta(days=300):
                s.reviewed_on = self.wd.between(self.rng, max(since, touched + timedelta(days=30)), last)

    def later_texts(self, slot: Slot) -> None:
        """The texts of the household's later changes, drawn when it is filed (the archive's own draws)."""
        texts = self.data.texts
        if slot.closed_on:
            slot.texts["exit_note"] = self.rng.choice(texts["exit_notes"][slot.reason])
        if slot.approved_on:
            slot.texts["union_opinion"] = self.rng.choice(texts["union_opinion"])
        if slot.reviewed_on:
            slot.texts["review"] = self.rng.choice(texts["review_notes"]).format(year=slot.reviewed_on.year)

    def archive_no(self, unit_code: str, year: int) -> str:
        """档案编号 as the repository numbers them: <单位代码>-<年>-<4-digit sequence>."""
        key = (unit_code, year)
        self.seq[key] = self.seq.get(key, 0) + 1
        return f"{unit_code}-{year}-{self.seq[key]:04d}"

    # ---- one household --------------------------------------------------------

    def household(self, slot: Slot) -> Household:
        """The household as the clerk files it on ``slot.created``."""
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
        age_filed = _years_between(born, slot.created)

        category = slot.category
        main = self.pick(MAIN_CAUSES[category])
        pool = [c for c in MAIN_CAUSES["低保户"] if c != main]
        secondary = rng.sample(pool, rng.choices([0, 1, 2], [50, 35, 15])[0])

        h = Household(
            name=self.person_name(self.surname(li), male, born), gender=gender, birth_date=born,
            id_number=self.id_number(area, born, male), hukou_area_code=area,
            ethnicity="黎族" if li else ("苗族" if area in ("469029", "469030") and self.chance(0.1) else "汉族"),
            unit_code=unit["code"], is_migrant_worker=migrant,
            created_date=slot.created, archive_status="临时" if slot.status == "临时" or slot.approved_on else "在档",
            main_cause=main, secondary_causes=secondary,
        )
        h.political_status = ("共青团员" if age_filed < 28 and self.chance(0.5)
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

    def head_birth(self, slot: Slot, gender: str) -> date:
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
        """The family as it was on the filing date: nobody born after it, ages and schooling as of then."""
        rng, filed = self.rng, h.created_date
        head_male = h.gender == "男"
        head_surname = h.name[0]
        slots = size - 1
        head_age = _years_between(h.birth_date, filed)
        if slots == 0:
            h.marital_status = self.pick({"未婚": 30, "离异": 40, "丧偶": 30})
            return
        if head_age < 30 and slots <= 2 and self.chance(0.5):
            h.marital_status = "未婚"
        else:
            h.marital_status = self.pick({"已婚": 82, "离异": 10, "丧偶": 8})

        spouse_surname = self.surname(li)
        if h.marital_status == "已婚":
            born = self.birth(filed, max(20.0, head_age + rng.uniform(-5, 5)))
            area = h.hukou_area_code if self.chance(0.8) else rng.choices(self.area_codes, self.area_weights)[0]
            spouse = self.member(h, "配偶", male=not head_male, born=born, surname=spouse_surname, area=area)
            self.adult_role(spouse, filed, partner=True)
            h.members.append(spouse)
            slots -= 1

        # Children: born when the head was 21–42, before the filing date.
        first, last = h.birth_date + timedelta(days=int(21 * 365.25)), h.birth_date + timedelta(days=int(42 * 365.25))
        last = min(last, filed - timedelta(days=30))
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
                self.child_role(child, filed)
                h.members.append(child)
                slots -= 1

        # Parents, then siblings (or grandchildren for older heads), for the rest.
        parents = ["父亲", "母亲"] if slots >= 2 else [self.pick({"母亲": 60, "父亲": 40})]
        for relation in parents:
            if slots == 0:
                break
            born = h.birth_date - timedelta(days=int(rng.uniform(20, 34) * 365.25))
            if _years_between(born, filed) > 92:
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
            grandchild = head_age >= 50 and self.chance(0.6)
            male = self.chance(0.5)
            surname = head_surname
            if grandchild:  # the son's child, with the head's surname: GB/T 4761's 孙子 or 孙女
                relation = "孙子" if male else "孙女"
                born = self.day_between(max(h.birth_date + timedelta(days=int(42 * 365.25)),
                                            filed - timedelta(days=int(15 * 365.25))), filed - timedelta(days=60))
            else:
                born = h.birth_date + timedelta(days=int(rng.uniform(-8, 3) * 365.25))
                older = born < h.birth_date
                relation = ("兄" if older else "弟") if male else ("姐姐" if older else "妹妹")
            born = min(born, filed - timedelta(days=60))
            other = self.member(h, relation, male=male, born=born, surname=surname)
            if grandchild:
                self.child_role(other, filed)
            else:
                self.adult_role(other, filed, partner=False)
                other.health = self.pick({"残疾": 40, "大病": 20, "慢性病": 40})  # why they live with the head
            h.members.append(other)
            slots -= 1

    def adult_role(self, m: Member, filed: date, *, partner: bool) -> None:
        age = _years_between(m.birth_date, filed)
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

    def child_role(self, m: Member, filed: date) -> None:
        rng = self.rng
        age = _years_between(m.birth_date, filed)
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

    def incomes(self, h: Household, slot: Slot) -> None:
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
