"""Shared fixtures: real database files in a temporary folder, a unit tree, a household factory."""

from __future__ import annotations

import os
import shutil
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from aiddesk.core import workdays  # noqa: E402
from aiddesk.core.clock import FixedClock  # noqa: E402
from aiddesk.core.household import Household, Member  # noqa: E402
from aiddesk.core.idcard import make_id  # noqa: E402
from aiddesk.db import open_database  # noqa: E402
from aiddesk.db.audit import Actor  # noqa: E402
from aiddesk.db.settings import set_dibao_line  # noqa: E402
from aiddesk.db.units import Unit  # noqa: E402
from aiddesk.services import units  # noqa: E402

TODAY = date(2026, 11, 26)  # the day every test database's clock starts on (09:00), whatever the PC's date


# The years of holiday data the tests are written against: chinese-calendar 1.11's, to 2026. A newer release
# that knows 2027 must not turn the tests of an unknown year into tests of a known one.
TESTED_HOLIDAY_YEARS = range(2004, 2027)


@pytest.fixture(autouse=True)
def holiday_data_to_2026(monkeypatch):
    """chinese-calendar's data as the tests know it: 2004–2026, whichever version is installed."""
    monkeypatch.setattr(workdays, "KNOWN_YEARS", TESTED_HOLIDAY_YEARS)
    dialog = sys.modules.get("aiddesk.ui.admin.calendar_dialog")
    if dialog is not None:
        monkeypatch.setattr(dialog, "KNOWN_YEARS", TESTED_HOLIDAY_YEARS)


@pytest.fixture
def clock() -> FixedClock:
    """The test's clock: 2026-11-26 09:00 until the test moves it (``clock.set(day)``)."""
    return FixedClock(TODAY)


@pytest.fixture
def actor() -> Actor:
    return Actor("测试员", "命令行")


@pytest.fixture(scope="session")
def office_file(tmp_path_factory) -> Path:
    """The office's starting database, built once through the real services; each test gets a copy.

    (Creating the schema takes a tenth of a second; a thousand tests need not each pay it.)
    """
    path = tmp_path_factory.mktemp("template") / "office.sqlite"
    database = open_database(path, clock=FixedClock(TODAY))
    setup = Actor("测试员", "命令行")
    units.save_unit(database, setup, Unit("460000", "海南省职工服务中心", "省级"), new=True)
    units.save_unit(database, setup, Unit("460001", "省财贸工会", "基层", "460000"), new=True)
    units.save_unit(database, setup, Unit("460002", "省旅游工会", "基层", "460000"), new=True)
    with database.transaction() as conn:
        set_dibao_line(conn, "460100", 2015, Decimal("460"))
        set_dibao_line(conn, "460100", 2026, Decimal("700"))
        set_dibao_line(conn, "460000", 2026, Decimal("650"))
    database.close()  # checkpoints the WAL: the one file holds everything
    return path


@pytest.fixture
def db(tmp_path, office_file, clock):
    """A database file with the office's unit, two sub-units and 低保 lines for 海口, on the test's clock."""
    shutil.copyfile(office_file, tmp_path / "office.sqlite")
    database = open_database(tmp_path / "office.sqlite", clock=clock)
    yield database
    database.close()


@pytest.fixture
def make_household():
    """Build a valid household; ``seq`` varies the ID numbers so several can coexist."""

    def build(seq: int = 1, *, name: str = "张三", members: int = 2, **overrides) -> Household:
        h = Household(
            name=name, id_number=make_id("460100", date(1975, 3, 2), seq * 3), unit_code="460001",
            monthly_income=Decimal("900.00"), other_annual_income=Decimal("1200.00"),
            hardship_category="低保户", main_cause="下岗失业", phone="13812345678",
            address="海口市龙华区金贸路1号", bank_name="中国工商银行", bank_card="6222020200112233445",
            created_date=date(2026, 3, 1), archive_status="在档",
        )
        for i in range(members):
            h.members.append(Member(
                name=["李四", "张小明", "张小红"][i % 3], relation=["配偶", "子", "女"][i % 3],
                id_number=make_id("460100", date(1976 + 25 * (i > 0), 5, 2 + i), seq * 3 + i + 1),
                monthly_income=Decimal("300.00") if i == 0 else Decimal("0.00"),
                identity="在岗" if i == 0 else "学生"))
        h.household_size = 1 + members
        for key, value in overrides.items():
            setattr(h, key, value)
        return h

    return build


@pytest.fixture
def receive(actor):
    """Record money arriving in the office's ledger (paying beyond a source's balance is refused)."""
    from aiddesk.core.fund_ledger import FundEntry
    from aiddesk.services.funds import FundService

    def record(database, year: int = 2026, source: str = "省总工会经费", amount: str = "1000000.00",
               on: date | None = None) -> int:
        return FundService(database, actor).add_entry(FundEntry(
            unit_code="", entry_date=on or date(year, 1, 10), fund_source=source, kind="到账", amount=Decimal(amount)))

    return record


@pytest.fixture
def export_sub_unit(tmp_path, actor, make_household):
    """Export the 2026 exchange workbook of 省财贸工会 (460001, a sub-unit of the test office) from its own database.

    ``export(name, people=…, password=…)`` builds a fresh sub-unit database each call and returns the workbook's path.
    """
    from aiddesk.exchange.export import export_workbook
    from aiddesk.services.archive import ArchiveService

    made = []

    def export(name: str = "省财贸工会2026年帮扶数据交换表.xlsx", *, people: tuple[str, ...] = ("张三", "李梅"),
               password: str | None = None) -> Path:
        folder = tmp_path / f"sub-unit-{len(made) + 1}"
        folder.mkdir()
        sub = open_database(folder / "sub.sqlite", clock=FixedClock(TODAY))
        try:
            units.save_unit(sub, actor, Unit("460001", "省财贸工会", "基层"), new=True)
            with sub.transaction() as conn:
                set_dibao_line(conn, "460100", 2026, Decimal("700"))
            service = ArchiveService(sub, actor)
            for seq, person in enumerate(people, start=1):
                service.save(make_household(seq, name=person, archive_no=f"CM2026{seq:03d}"))
            out = tmp_path / name
            export_workbook(sub, out, year=2026, actor=actor, password=password)
        finally:
            sub.close()
        made.append(out)
        return out

    return export
