"""How ``tests/data/v7_office.sqlite`` was made: a small office as AidDesk at data version 7 left it.

Run once, on 2026-12-07, at commit f978cbe (the last program whose databases were at version 7, before
the archive status history of version 8). Kept for the record: later programs write version 8 and cannot
make this file again. Every write goes through that program's own services, so the file holds what a real
office's file holds — among it the audit log that version 8 reads the status history from. The log's times
are then moved to the days the story says the clerk did each thing (an office that has used the program
for three years) and the chain sealed again, as the demo of that program did.

The households and what happened to them (the ``at`` is when the clerk recorded it):

====  ====================================================================================================
张三   filed 在档 2024-03-01; 脱困, 退出日期 2025-06-30, recorded 2025-07-03; reopened 在档, recorded 2026-02-10
李梅   filed 临时 2025-01-05; 转为在档, recorded 2025-01-12
王五   filed 在档 2023-05-01; 注销（死亡）, 退出日期 2026-03-15, recorded 2026-03-20
赵六   filed 在档 2020-05-01; never changed status (its address changed, recorded 2025-09-09)
孙七   filed 临时 2026-11-01; 注销（不符合条件）, 退出日期 2026-11-20, recorded 2026-11-21
周八   filed 在档 2022-04-01; 脱困 2025-12-31, recorded 2026-01-05; 重新建档（临时）, recorded 2026-06-01;
       转为在档, recorded 2026-06-10
====  ====================================================================================================
"""

from __future__ import annotations

import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

from aiddesk.core.household import Household, Member
from aiddesk.core.idcard import make_id
from aiddesk.db import open_database
from aiddesk.db.audit import Actor, seal_chain
from aiddesk.db.settings import set_dibao_line
from aiddesk.db.units import Unit
from aiddesk.services import units
from aiddesk.services.archive import ArchiveService

TODAY = date(2026, 12, 7)


def household(seq: int, name: str, created: date, status: str) -> Household:
    h = Household(
        name=name, id_number=make_id("460100", date(1970 + seq, 3, 2), seq * 3), unit_code="460001",
        monthly_income=Decimal("900.00"), other_annual_income=Decimal("1200.00"), hardship_category="低保户",
        main_cause="下岗失业", phone=f"1381234{seq:04d}", address=f"海口市龙华区金贸路{seq}号",
        bank_name="中国工商银行", bank_card=f"62220202001122{seq:05d}", created_date=created, archive_status=status)
    h.members.append(Member(name=f"{name}之妻", relation="配偶", id_number=make_id("460100", date(1972, 5, 2), seq * 3 + 1),
                            monthly_income=Decimal("300.00"), identity="在岗"))
    h.household_size = 2
    return h


def main(path: Path) -> None:
    db = open_database(path)
    admin = Actor("admin", "界面")
    clerk = Actor("jingban", "界面")
    units.save_unit(db, admin, Unit("460000", "海南省职工服务中心", "省级"), new=True)
    units.save_unit(db, admin, Unit("460001", "省财贸工会", "基层", "460000"), new=True)
    with db.transaction() as conn:
        for year in range(2020, 2027):
            set_dibao_line(conn, "460100", year, Decimal("700"))
    service = ArchiveService(db, clerk)
    times: list[str] = []  # the time each new audit entry is to carry, in log order

    def did(at: str) -> None:
        """The entries written since the last call were recorded at ``at``."""
        count = db.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
        times.extend([at] * (count - len(times)))

    did("2020-05-01T09:00:00")  # units and lines
    ids = {}
    for seq, (name, created, status) in enumerate([
            ("张三", date(2024, 3, 1), "在档"), ("李梅", date(2025, 1, 5), "临时"), ("王五", date(2023, 5, 1), "在档"),
            ("赵六", date(2020, 5, 1), "在档"), ("孙七", date(2026, 11, 1), "临时"), ("周八", date(2022, 4, 1), "在档")],
            start=1):
        ids[name] = service.save(household(seq, name, created, status), today=TODAY).household_id
        did(f"{created.isoformat()}T10:{seq:02d}:00")
    service.change_status(ids["李梅"], "在档", today=TODAY)
    did("2025-01-12T15:20:00")
    service.change_status(ids["张三"], "脱困", exit_date=date(2025, 6, 30), reason="脱困", note="再就业", today=TODAY)
    did("2025-07-03T09:40:00")
    zhao = service.get(ids["赵六"])
    zhao.address = "海口市美兰区海甸岛五路8号"
    service.save(zhao, today=TODAY)
    did("2025-09-09T11:05:00")
    service.change_status(ids["周八"], "脱困", exit_date=date(2025, 12, 31), reason="脱困", note="子女就业",
                          today=TODAY)
    did("2026-01-05T10:30:00")
    service.change_status(ids["张三"], "在档", today=TODAY)
    did("2026-02-10T14:00:00")
    service.change_status(ids["王五"], "注销", exit_date=date(2026, 3, 15), reason="死亡", note="病故", today=TODAY)
    did("2026-03-20T16:10:00")
    service.change_status(ids["周八"], "临时", today=TODAY)
    did("2026-06-01T09:15:00")
    service.change_status(ids["周八"], "在档", today=TODAY)
    did("2026-06-10T09:45:00")
    service.change_status(ids["孙七"], "注销", exit_date=date(2026, 11, 20), reason="不符合条件", note="收入超标",
                          today=TODAY)
    did("2026-11-21T10:00:00")
    with db.transaction() as conn:
        conn.executemany("UPDATE audit_log SET at = ? WHERE id = ?", [(at, i) for i, at in enumerate(times, start=1)])
        seal_chain(conn)
    db.conn.execute("VACUUM")
    db.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
