"""A centre takes in its 44 units' years: every import with full checks, then the fund report and the duplicates.

Usage::

    .venv/bin/python benchmarks/bench_consolidation.py [--no-overlap] [--repeat N] [--households 100000]
                                                        [--skip-raw] [--raw-only]

Issue 17 ("Scale"): 44 units' workbooks holding together 100 000 households, 350 000 members and 400 000
帮扶明细. They are built once and cached in benchmarks/.cache/consolidation-<households>-<overlap|no-overlap>/:
one office database holds the 44 units (each with 3–5 基层 units below it), filled the way bench_exchange.py
fills its office (full archives, members, ledgers, budgets, plans, paid batches, calls, visits, answers) and
sized unevenly (from 350 to 7 810 households); each unit's year is then exported with export_workbook, that unit
being the office's own for the export — the book it would send up.

By default the books overlap as real ones do: 300 people head an archive in two units, 100 more head one in one
unit and are a member in another's, and 200 of the first are aided by both units in the same 救助类别 (more such
pairs arise by chance), so the imports warn and the duplicates report has work. ``--no-overlap`` builds the same
books without them (cached apart): the imports with no cross-unit finding at all.

The centre is its own database (cached while db_schema.sql stays the same: its unit, the 44 units below it, a
ledger that receives money and passes it on to each). A fresh copy of it is used, in a fresh process (its own
peak memory), for:

1. every import: ImportRun.import_file on each book, as 导入多个交换表 and ``aiddesk import`` with every book do
   (full checks, the checks against the database inside each book's one transaction, one 导入前 backup before the
   first; ``--backup-each``: a backup before each book, as importing them one at a time does); the backups are
   also counted apart;
2. the consolidated fund report: fund_report() of the centre, with its sub-units (the figure it prints), and
   consolidated_report() (the 汇总 view's table of every unit);
3. the duplicates report: services.duplicates.duplicates() of the year.

Each phase's time, the total (target < 2 minutes) and the peak memory (< 500 MB) are printed beside
calibration(), the machine's speed at the moment. Then an import with full checks into a new centre is set
against python-calamine's raw read of the same file (bench_exchange.raw_read: open it, every sheet to Python
lists) on the largest unit's book, in all and for its reading and checking alone (the issue's goal: within about
twice the raw read).
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_exchange import (  # noqa: E402
    CACHE,
    YEAR,
    _name,
    _person,
    calibration,
    fresh_copy,
    in_child,
    peak_mb,
    raw_read,
)

from aiddesk.core.clock import FixedClock  # noqa: E402
from aiddesk.core.codes import code_list  # noqa: E402
from aiddesk.core.idcard import make_id  # noqa: E402
from aiddesk.db import open_database  # noqa: E402
from aiddesk.db.audit import Actor  # noqa: E402

UNITS = 44
CENTRE = "BC0000"
ACTOR = Actor("bench", "命令行")
EXPORTED_AT = datetime(YEAR + 1, 1, 5, 10, 0)   # the units export their year in January
CENTRE_AT = datetime(YEAR + 1, 2, 10, 9, 0)     # the centre takes them in in February
# At 100 000 households: heads on two units' books, members who head another unit's archive, and heads aided
# by both units in the same 救助类别 (scaled down with --households).
SHARED_HEADS, SHARED_MEMBERS, AIDED_TWICE = 300, 100, 200
ACTIVITIES = (("送温暖", "生活救助"), ("金秋助学", "助学救助"), ("生活救助", "生活救助"), ("医疗救助", "医疗救助"),
              ("临时救助", "生活救助"))
RELATIONS = ("配偶", "子", "女", "父亲", "母亲")


# ---- what the units hold ------------------------------------------------------------------------------------

@dataclass
class UnitPlan:
    code: str
    name: str
    subunits: list[str]
    households: int
    members: int
    lines: int


def _apportion(total: int, weights: list[float]) -> list[int]:
    """``total`` split in proportion to ``weights`` into whole numbers that add up to it (largest remainder)."""
    s = sum(weights)
    exact = [total * w / s for w in weights]
    out = [int(x) for x in exact]
    for k in sorted(range(len(weights)), key=lambda k: out[k] - exact[k])[:total - sum(out)]:
        out[k] += 1
    return out


def plan_units(households: int) -> list[UnitPlan]:
    """The 44 units, of uneven sizes, whose households, members (3.5 each) and lines (4 each) add up exactly."""
    rng = random.Random(17)
    weights = [rng.lognormvariate(0, 0.6) for _ in range(UNITS)]
    sizes = _apportion(households, weights)
    # Some units keep more members or pay more often than others.
    members = _apportion(households * 7 // 2, [n * rng.uniform(0.8, 1.2) for n in sizes])
    lines = _apportion(households * 4, [n * rng.uniform(0.6, 1.4) for n in sizes])
    out = []
    for i in range(1, UNITS + 1):
        code = f"BC{i:02d}00"
        subs = [f"BC{i:02d}{j:02d}" for j in range(1, 2 + rng.randrange(2, 5))]
        out.append(UnitPlan(code, f"基准市总工会{i:02d}", subs, sizes[i - 1], members[i - 1], lines[i - 1]))
    return out


def folder(households: int, overlap: bool) -> Path:
    return CACHE / f"consolidation-{households}-{'overlap' if overlap else 'no-overlap'}"


def workbook_paths(households: int, overlap: bool) -> list[Path]:
    return [folder(households, overlap) / f"{u.code}.xlsx" for u in plan_units(households)]


def centre_path(households: int) -> Path:
    """The centre's cached database, made again whenever the schema changes (named by db_schema.sql's digest)."""
    import hashlib

    schema = hashlib.sha256((ROOT / "db_schema.sql").read_bytes()).hexdigest()[:10]
    return CACHE / f"consolidation-{households}-centre-{schema}.sqlite"


@dataclass
class _Head:
    archive_no: str
    unit: int            # index into the plan
    unit_code: str       # the unit or one of its 基层 units
    name: str
    id_number: str
    born: date
    card: str
    status: str
    lines: list = field(default_factory=list)


def build_source(path: Path, plan: list[UnitPlan], overlap: bool) -> dict[str, int]:
    """One office database holding every unit's year (direct SQL, as bench_exchange.build); what overlaps."""
    rng = random.Random(7)
    db = open_database(path, clock=FixedClock(EXPORTED_AT))
    conn = db.conn
    sources = code_list("fund_source")[:6]
    causes = code_list("hardship_cause")
    used: set[str] = set()
    heads: list[_Head] = []
    first_of: list[int] = []  # each unit's first household (index into heads)
    for u, unit in enumerate(plan):
        first_of.append(len(heads))
        for _ in range(unit.households):
            n = len(heads)
            born, id_number = _person(rng, used, date(1960, 1, 1), 35, n)
            status = "在档" if n % 10 else rng.choice(("脱困", "注销", "临时"))
            heads.append(_Head(f"{unit.code}-{2015 + n % 10}-{n:06d}", u, rng.choice([unit.code] * 3 + unit.subunits),
                               _name(rng), id_number, born, f"622202{rng.randrange(10 ** 12, 10 ** 13)}", status))
    members = []  # [household index, name, relation, id, gender, born]
    for u, unit in enumerate(plan):
        for k in range(unit.members):
            n = len(members)
            born, id_number = _person(rng, used, date(1990, 1, 1), 30, n)
            members.append([first_of[u] + k * unit.households // unit.members, _name(rng), RELATIONS[n % 5],
                            id_number, "男" if n % 2 else "女", born])

    # The overlap: a head (or member) of one unit's open archive who is also on another unit's books.
    found = {"shared_heads": 0, "shared_members": 0, "aided_twice": 0}
    forced: list[list[tuple[int, str]]] = [[] for _ in plan]  # per unit: (household, 救助类别) that must get a line
    if overlap:
        scale = sum(u.households for u in plan) / 100_000
        taken: set[int] = set()

        def open_household(u: int) -> int:
            while True:
                n = first_of[u] + rng.randrange(plan[u].households)
                if heads[n].status == "在档" and n not in taken:
                    taken.add(n)
                    return n

        for k in range(max(3, round(SHARED_HEADS * scale))):
            a, b = rng.sample(range(len(plan)), 2)
            na, nb = open_household(a), open_household(b)
            heads[nb].name, heads[nb].id_number, heads[nb].born = heads[na].name, heads[na].id_number, heads[na].born
            found["shared_heads"] += 1
            if k < round(AIDED_TWICE * scale) or k < 2:
                category = ("生活救助", "医疗救助", "助学救助")[k % 3]
                forced[a].append((na, category))
                forced[b].append((nb, category))
                found["aided_twice"] += 1
        member_of: dict[int, list[int]] = {}
        for m, row in enumerate(members):
            member_of.setdefault(row[0], []).append(m)
        for _ in range(max(2, round(SHARED_MEMBERS * scale))):
            a, b = rng.sample(range(len(plan)), 2)
            na = open_household(a)
            while not member_of.get(nb := open_household(b)):
                pass
            row = members[member_of[nb][0]]
            row[1], row[3], row[5] = heads[na].name, heads[na].id_number, heads[na].born
            row[4] = "男" if int(heads[na].id_number[16]) % 2 else "女"
            found["shared_members"] += 1

    with db.transaction():
        conn.execute("INSERT INTO units (code, name, level, is_own) VALUES (?, '基准测试省中心', '省级', 1)", (CENTRE,))
        conn.executemany("INSERT INTO units (code, name, parent_code, level) VALUES (?, ?, ?, '地市级')",
                         [(u.code, u.name, CENTRE) for u in plan])
        conn.executemany("INSERT INTO units (code, name, parent_code, level) VALUES (?, ?, ?, '基层')",
                         [(s, f"{u.name}基层工会{s[-2:]}", u.code) for u in plan for s in u.subunits])
        rows = []
        for n, h in enumerate(heads):
            exit_date = f"{YEAR}-{rng.randrange(1, 13):02d}-15" if h.status in ("脱困", "注销") else None
            monthly = rng.randrange(50_000, 250_000)
            size = rng.randrange(1, 6)
            rows.append((h.archive_no, h.unit_code, h.name, "zs", "zhangsan", h.id_number, "男" if n % 2 else "女",
                         h.born.isoformat(), "汉族", "群众", "一般", "无", "在岗", n % 3 == 0, f"138{n:08d}",
                         f"海口市第{n % 500}号企业", "私营企业", "城镇", "已婚", "租住公房",
                         f"海口市龙华区金贸路{n % 300}号{n % 20}栋{n % 9}01房", "460106", monthly, 120_000,
                         monthly * 12 + 120_000, size, (monthly * 12 + 120_000) // (12 * size), 61_000,
                         rng.choice(("低保户", "低保边缘户", "深度困难", "相对困难")), rng.choice(causes),
                         f"、{rng.choice(causes)}、" if n % 4 == 0 else "", "中国工商银行", h.card, h.status,
                         f"{2015 + n % 10}-03-01", exit_date, "脱困" if exit_date else None, "jingban", "shenhe",
                         "两个子女同时上学" if n % 7 == 0 else None, f"{YEAR}-01-01T00:00:00"))
        conn.executemany(
            "INSERT INTO households (archive_no, unit_code, name, name_initials, name_pinyin, id_number, gender,"
            " birth_date, ethnicity, political_status, health, disability, work_status, is_migrant_worker, phone,"
            " employer, employer_type, hukou_type, marital_status, housing_type, address, hukou_area_code,"
            " monthly_income_fen, other_annual_income_fen, annual_income_fen, household_size, per_capita_income_fen,"
            " dibao_line_fen, hardship_category, main_cause, secondary_causes, bank_name, bank_card, archive_status,"
            " created_date, exit_date, exit_reason, created_by, reviewed_by, note, updated_at)"
            f" VALUES ({', '.join('?' * 41)})", rows)
        del rows
        conn.executemany("INSERT INTO members (household_id, seq, name, relation, id_number, gender, birth_date,"
                         " health, identity, monthly_income_fen, employer_or_school)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, '健康', ?, ?, ?)",
                         [(hid + 1, m, name, relation, idn, gender, born.isoformat(), "学生" if m % 3 else "在岗",
                           0 if m % 3 else 150_000, "海南大学" if m % 3 else "海口市某公司")
                          for m, (hid, name, relation, idn, gender, born) in enumerate(members)])
        del members
        _units_years(conn, rng, plan, heads, first_of, forced, sources)
    conn.execute("ANALYZE")
    db.close()
    return found


def _units_years(conn, rng: random.Random, plan: list[UnitPlan], heads: list[_Head], first_of: list[int],
                 forced: list[list[tuple[int, str]]], sources: list[str]) -> None:
    """Each unit's batches and lines, calls, visits and answers, ledger, budgets, plans and its 基层 units' use."""
    record = 0
    for u, unit in enumerate(plan):
        count = max(len(ACTIVITIES), unit.lines // 400)
        batches = []
        for b in range(1, count + 1):
            activity, _category = ACTIVITIES[b % len(ACTIVITIES)]
            month = (b * 5) % 12 + 1
            batches.append((f"{unit.code}-PC{YEAR}-{b:03d}", f"{YEAR}年{activity}第{b}批", activity, YEAR, unit.code,
                            "已发放", "jingban", f"{YEAR}-{month:02d}-01", f"{YEAR}-{month:02d}-08",
                            f"{YEAR}-{month:02d}-12", f"工发〔{YEAR}〕{u}{b:03d}号", f"{YEAR}-{month:02d}-20", "x", "x"))
        first_batch = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM batches").fetchone()[0]
        conn.executemany("INSERT INTO batches (code, name, activity, year, unit_code, status, clerk, notice_start,"
                         " notice_end, approved_on, approval_doc_no, paid_on, created_at, updated_at)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", batches)
        by_category: dict[str, list[int]] = {}
        for b in range(count):
            by_category.setdefault(ACTIVITIES[(b + 1) % len(ACTIVITIES)][1], []).append(b)
        wanted = list(forced[u])
        wanted += [(first_of[u] + rng.randrange(unit.households), None) for _ in range(unit.lines - len(wanted))]
        lines = []
        for n, category in wanted:
            b = rng.choice(by_category[category]) if category else rng.randrange(count)
            category = ACTIVITIES[(b + 1) % len(ACTIVITIES)][1]
            h = heads[n]
            student = category == "助学救助"
            record += 1
            lines.append((f"{batches[b][0]}-{record:06d}", first_batch + b, n + 1, h.name, h.id_number, category,
                          sources[record % len(sources)], rng.randrange(50_000, 500_000), "银行卡", h.card,
                          batches[b][11], "已发送", "未抽查", _name(rng) if student else "",
                          make_id("460100", date(2005, 1, 1), record % 999 + 1) if student else "",
                          "海南大学" if student else "", "本科" if student else "", YEAR if student else None,
                          "新生" if student else "", "jingban", "x", f"{YEAR}-12-01T08:00:00"))
        first_line = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM aid_records").fetchone()[0]
        conn.executemany(
            "INSERT INTO aid_records (record_no, batch_id, household_id, recipient_name, recipient_id_number,"
            " aid_category, fund_source, amount_fen, payment_method, bank_card, paid_on, sms_status, phone_check,"
            " student_name, student_id_number, school, education_level, enrollment_year, student_kind, created_by,"
            " created_at, sms_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", lines)
        conn.executemany("INSERT INTO phone_calls (aid_record_id, called_on, result, called_by, recorded_at)"
                         " VALUES (?, ?, '核实一致', 'jingban', 'x')",
                         [(first_line + k, f"{YEAR + 1}-01-{k % 28 + 1:02d}") for k in range(0, len(lines), 20)])
        own = range(first_of[u] + 1, first_of[u] + unit.households + 1)
        conn.executemany("INSERT INTO home_visits (household_id, visited_on, visitors, outcome, recorded_by,"
                         " recorded_at) VALUES (?, ?, '陈建国、吴小燕', '情况属实', 'jingban', 'x')",
                         [(h, f"{YEAR}-09-{h % 28 + 1:02d}") for h in own[::20]])
        conn.executemany("INSERT INTO feedback (household_id, batch_id, answered_on, answer, recorded_by, recorded_at)"
                         " VALUES (?, ?, ?, '满意', 'shenhe', 'x')",
                         [(h, first_batch + h % count, f"{YEAR}-12-{h % 28 + 1:02d}") for h in own[::10]])
        spent = sum(line[7] for line in lines)
        entries = [(f"{unit.code}-ZJ{YEAR}-{i:04d}", f"{YEAR}-01-{10 + i:02d}", s, "到账",
                    spent // len(sources) + 2_000_000 * len(unit.subunits), None) for i, s in enumerate(sources)]
        entries += [(f"{unit.code}-ZJ{YEAR}-{100 + j:04d}", f"{YEAR}-03-01", sources[j % 2], "下拨下级", 1_000_000, s)
                    for j, s in enumerate(unit.subunits)]
        conn.executemany("INSERT INTO fund_entries (entry_no, unit_code, year, entry_date, fund_source, kind,"
                         " amount_fen, counterpart_code, created_by, created_at)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'bench', 'x')",
                         [(no, unit.code, YEAR, day, s, kind, fen, to) for no, day, s, kind, fen, to in entries])
        conn.executemany("INSERT INTO fund_budgets VALUES (?, ?, ?, ?)",
                         [(unit.code, YEAR, s, spent // len(sources) + 3_000_000) for s in sources])
        conn.executemany("INSERT INTO aid_plans VALUES (?, ?, ?, ?, ?)",
                         [(unit.code, YEAR, c, unit.lines // 3, unit.lines * 10_000)
                          for c in ("生活救助", "医疗救助", "助学救助")])
        conn.executemany("INSERT INTO subunit_usage (unit_code, year, fund_source, aid_category, amount_fen, count)"
                         " VALUES (?, ?, ?, ?, ?, ?)",
                         [(s, YEAR, source, c, 300_000, 3) for s in unit.subunits for source in sources[:2]
                          for c in ("生活救助", "医疗救助")])


def export_units(source: Path, plan: list[UnitPlan], out: Path) -> dict[str, int]:
    """Each unit's year as the book it sends up (it is the office's own unit while it exports); rows in all."""
    from aiddesk.exchange.export import export_workbook

    db = open_database(source, clock=FixedClock(EXPORTED_AT))
    totals: dict[str, int] = {}
    for unit in plan:
        with db.transaction() as conn:
            conn.execute("UPDATE units SET is_own = 0 WHERE is_own = 1")
            conn.execute("UPDATE units SET is_own = 1 WHERE code = ?", (unit.code,))
        result = export_workbook(db, out / f"{unit.code}.xlsx", year=YEAR, actor=ACTOR)
        for sheet, n in result.rows.items():
            totals[sheet] = totals.get(sheet, 0) + n
    db.close()
    return totals


def build_centre(path: Path, plan: list[UnitPlan]) -> None:
    """The centre as an office sets it up (services): its unit, the 44 below it, a ledger passing money to each."""
    from decimal import Decimal

    from aiddesk.core.fund_ledger import FundEntry
    from aiddesk.db.units import Unit
    from aiddesk.services import units
    from aiddesk.services.funds import FundService

    path.unlink(missing_ok=True)
    db = open_database(path, clock=FixedClock(datetime(YEAR, 12, 31, 9, 0)))
    units.save_unit(db, ACTOR, Unit(CENTRE, "基准测试省中心", "省级"), new=True)
    for unit in plan:
        units.save_unit(db, ACTOR, Unit(unit.code, unit.name, "地市级", CENTRE), new=True)
    funds = FundService(db, ACTOR)
    sources = code_list("fund_source")[:3]
    per_unit = {unit.code: Decimal(unit.households * 400) for unit in plan}  # 元
    for k, source in enumerate(sources):
        funds.add_entry(FundEntry(CENTRE, date(YEAR, 1, 5 + k), source, "到账", sum(per_unit.values()) + 1_000_000,
                                  doc_no=f"财社〔{YEAR}〕{k + 1}号"))
    for k, unit in enumerate(plan):
        funds.add_entry(FundEntry(CENTRE, date(YEAR, 2, 1 + k % 28), sources[k % 3], "下拨下级", per_unit[unit.code],
                                  counterpart_code=unit.code, memo=f"下拨{unit.name}帮扶资金"))
    funds.set_budgets(YEAR, {s: sum(per_unit.values()) + 2_000_000 for s in sources})
    db.close()


def prepare(households: int, overlap: bool) -> list[Path]:
    """The cached books and centre, built first where missing; the books in import order."""
    plan = plan_units(households)
    books = workbook_paths(households, overlap)
    out = folder(households, overlap)
    if not all(p.exists() for p in books):
        out.mkdir(parents=True, exist_ok=True)
        source = out / "source.sqlite"
        for p in out.glob("source.sqlite*"):
            p.unlink()
        start = time.perf_counter()
        found = build_source(source, plan, overlap)
        built = time.perf_counter()
        rows = export_units(source, plan, out)
        print(f"built the units' office in {built - start:.0f} s and exported the 44 books in "
              f"{time.perf_counter() - built:.0f} s → {out.relative_to(ROOT)}")
        print("  rows in all: " + ", ".join(f"{sheet} {n:,}" for sheet, n in rows.items() if n))
        if overlap:
            print(f"  overlap: {found['shared_heads']} heads on two units' books, {found['shared_members']} members"
                  f" heading another unit's archive, {found['aided_twice']} heads aided by both in one 救助类别")
        shutil.rmtree(out / "source_备份", ignore_errors=True)
        for p in out.glob("source.sqlite*"):
            p.unlink()
    centre = centre_path(households)
    if not centre.exists():
        for p in CACHE.glob(f"consolidation-{households}-centre-*.sqlite*"):
            p.unlink()
        build_centre(centre, plan)
    return books


# ---- the consolidation, in a fresh process ------------------------------------------------------------------

def _consolidate_child(template: str, books: list[str], work: str, backup_each: bool, queue) -> None:
    import aiddesk.services.backups as backups
    from aiddesk.services.duplicates import duplicates
    from aiddesk.services.exchange_import import ExchangeImportService, ImportRun
    from aiddesk.services.fund_report import consolidated_report, fund_report

    fresh_copy(Path(template), Path(work))
    db = open_database(work, clock=FixedClock(CENTRE_AT))
    service = ExchangeImportService(db, ACTOR)
    run = ImportRun(service)  # as the centre imports its units' books: one backup for the run
    # Measuring only: the same calls, timed (the service looks these up when it runs them).
    spent = {"backup": 0.0, "check": 0.0, "apply": 0.0}

    def timed(name, fn):
        def run(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - start
        return run

    backups.before_import = timed("backup", backups.before_import)
    service.check = timed("check", service.check)
    service.apply = timed("apply", service.apply)
    base = peak_mb()
    imports, refused, warned = [], [], 0
    start = time.perf_counter()
    for book in books:
        at, backed_up = time.perf_counter(), spent["backup"]
        report = service.import_file(book) if backup_each else run.import_file(book)
        imports.append((Path(book).stem, time.perf_counter() - at, spent["backup"] - backed_up,
                        sum(report.checked.counts().values())))
        warned += len(report.warnings)
        if report.errors:
            refused.append((Path(book).stem, len(report.errors), report.errors[0].as_dict()))
    imported = time.perf_counter()
    report = fund_report(db, YEAR)
    reported = time.perf_counter()
    consolidated = consolidated_report(db, YEAR)
    tabled = time.perf_counter()
    found = duplicates(db, YEAR)
    done = time.perf_counter()
    counts = {table: db.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
              for table in ("households", "members", "aid_records")}
    kinds: dict[str, int] = {}
    for d in found:
        kinds[d.kind] = kinds.get(d.kind, 0) + 1
    overall = report.overall().total
    db.close()
    queue.put({"imports": imports, "refused": refused, "warnings": warned, "spent": spent,
               "phases": (imported - start, reported - imported, tabled - reported, done - tabled), "peak": peak_mb(),
               "base": base,
               "maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "counts": counts,
               "duplicates": kinds, "subunits": len(report.subunits), "units": len(consolidated.units),
               "overall": (str(overall.amount), overall.count),
               "size": Path(work).stat().st_size})


def bench_consolidation(households: int, overlap: bool, backup_each: bool = False) -> tuple[float, float]:
    """The whole consolidation in a fresh process; its time in all, and without the backups before the imports."""
    books = prepare(households, overlap)
    work = CACHE / f"consolidation-{households}-work.sqlite"
    got = in_child(_consolidate_child, str(centre_path(households)), [str(b) for b in books], str(work),
                    backup_each)
    print("imports one by one, a backup before each (the single-file wizard)" if backup_each else
          "imports as one run (ImportRun: 导入多个交换表, `aiddesk import` with every book): one backup before the first")
    imports, spent = got["imports"], got["spent"]
    importing, fund, table, finding = got["phases"]
    total = importing + fund + table + finding
    backups = spent["backup"]
    times = [t - b for _u, t, b, _rows in imports]
    print(f"consolidation of {len(books)} books: {total:.1f} s in all (target < 120 s), of which {backups:.1f} s the"
          f" backups before the imports ({total - backups:.1f} s without them); peak RSS {got['peak']:.0f} MB (VmHWM;"
          f" getrusage ru_maxrss {got['maxrss']:.0f} MB; {got['base']:.0f} MB before the imports; target < 500 MB)")
    print(f"  1. imports: {importing:.1f} s — checking the books {spent['check']:.1f} s, the 导入前 backups"
          f" {backups:.1f} s, the checks against the database and writing {spent['apply'] - backups:.1f} s;"
          f" per book without its backup {min(times):.2f}–{max(times):.2f} s (median {statistics.median(times):.2f} s)")
    first, last = imports[:4], imports[-4:]
    rate = [sum(t - b for _u, t, b, _r in part) / sum(r for _u, _t, _b, r in part) * 1e5 for part in (first, last)]
    print(f"     without the backups, seconds per 100 000 rows: first four books {rate[0]:.1f} s, last four"
          f" {rate[1]:.1f} s; the backup of the last book {imports[-1][2]:.1f} s, database {got['size'] / 1e6:.0f} MB")
    print(f"  2. fund report of the centre with its {got['subunits']} sub-units {fund:.2f} s, the consolidated table"
          f" of {got['units']} units {table:.2f} s (all units: {got['overall'][0]} 元, {got['overall'][1]:,} 人次)")
    print(f"  3. duplicates report: {finding:.2f} s — " +
          (", ".join(f"{kind} {n}" for kind, n in got["duplicates"].items()) or "none"))
    print("  the centre holds " + ", ".join(f"{t} {n:,}" for t, n in got["counts"].items())
          + f"; the imports gave {got['warnings']:,} warnings")
    for unit, n, first_error in got["refused"]:
        print(f"  REFUSED {unit}: {n} errors, first: {first_error}")
    return total, total - backups


# ---- import against calamine's raw read of the same file --------------------------------------------------------

def _import_child(template: str, book: str, work: str, queue) -> None:
    from aiddesk.services.exchange_import import ExchangeImportService

    fresh_copy(Path(template), Path(work))
    db = open_database(work, clock=FixedClock(CENTRE_AT))
    service = ExchangeImportService(db, ACTOR)
    checking = service.check
    read = []

    def check(*args, **kwargs):  # measuring only: the reading and checking of the book, nothing written yet
        start = time.perf_counter()
        try:
            return checking(*args, **kwargs)
        finally:
            read.append(time.perf_counter() - start)

    service.check = check
    start = time.perf_counter()
    report = service.import_file(book)
    seconds = time.perf_counter() - start
    db.close()
    queue.put((seconds, read[0], [e.as_dict() for e in report.errors[:3]]))


def compare_with_raw(book: Path, template: Path, repeat: int) -> tuple[float, float]:
    """Best-of-``repeat`` import (full checks, into a fresh centre) and raw read of ``book``; prints the ratios."""
    work = CACHE / "consolidation-raw-work.sqlite"
    raws, imports, checks = [], [], []
    for _ in range(repeat):  # alternated: a drift in the machine's speed falls on both alike
        raws.append(raw_read(book))
        seconds, checked, errors = in_child(_import_child, str(template), str(book), str(work))
        if errors:
            print(f"  import of {book.name} refused: {errors}")
            return float("inf"), min(raws)
        imports.append(seconds)
        checks.append(checked)
    raw = min(raws)
    print(f"{book.name} ({book.stat().st_size / 1e6:.1f} MB): calamine raw read {raw:.2f} s; import with full checks"
          f" {min(imports):.2f} s, import/raw = {min(imports) / raw:.2f}× — of it reading and checking the book"
          f" {min(checks):.2f} s, check/raw = {min(checks) / raw:.2f}× (best of {repeat}; medians"
          f" {statistics.median(raws):.2f}, {statistics.median(imports):.2f} and {statistics.median(checks):.2f} s)")
    return min(imports), raw


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--households", type=int, default=100_000, help="in all 44 books (members 3.5×, lines 4×)")
    p.add_argument("--no-overlap", action="store_true", help="books with nobody on two units' books")
    p.add_argument("--repeat", type=int, default=1, help="run N times and report the best and the median")
    p.add_argument("--skip-raw", action="store_true", help="leave out the comparison with calamine's raw read")
    p.add_argument("--raw-only", action="store_true", help="only the comparison with calamine's raw read")
    p.add_argument("--backup-each", action="store_true",
                   help="a backup before each book, as importing them one at a time with the wizard does")
    args = p.parse_args()
    overlap = not args.no_overlap
    CACHE.mkdir(parents=True, exist_ok=True)
    books = prepare(args.households, overlap)
    print(f"machine now: a 10-million-step Python loop takes {calibration():.2f} s (compare runs by this: a shared"
          " or throttled machine's speed moves from minute to minute)")
    totals, without = [], []
    if not args.raw_only:
        for _ in range(args.repeat):
            total, bare = bench_consolidation(args.households, overlap, args.backup_each)
            totals.append(total)
            without.append(bare)
        if args.repeat > 1:
            print(f"best of {args.repeat}: {min(totals):.1f} s (median {statistics.median(totals):.1f} s); without the"
                  f" backups {min(without):.1f} s (median {statistics.median(without):.1f} s)")
    if not args.skip_raw:
        largest = max(books, key=lambda b: b.stat().st_size)
        compare_with_raw(largest, centre_path(args.households), max(3, args.repeat))
    print(f"machine after: {calibration():.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
