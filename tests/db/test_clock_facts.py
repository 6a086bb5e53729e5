"""The newest record's time, which the clock check at login judges this PC's date against."""

from __future__ import annotations

from datetime import datetime

from aiddesk.core.clock import FixedClock
from aiddesk.db import open_database
from aiddesk.db.audit import Actor, record
from aiddesk.db.clock_facts import newest_record_time


def test_the_newest_record_is_the_one_written_last(tmp_path):
    db = open_database(tmp_path / "new.sqlite", clock=FixedClock(datetime(2026, 11, 26, 9, 30)))
    try:
        assert newest_record_time(db.conn) is None  # a new database tells nothing
        with db.transaction() as conn:
            record(conn, Actor("王管理"), table="units", key="460000", action="insert")
        assert newest_record_time(db.conn) == datetime(2026, 11, 26, 9, 30)
        # A PC ten years ahead wrote one entry; a PC with the right date wrote after it. The later one counts,
        # so that one wrong entry does not make every later session look wrong.
        db.clock = FixedClock(datetime(2036, 11, 26, 10, 0))
        with db.transaction() as conn:
            record(conn, Actor("李四"), table="units", key="460001", action="insert")
        assert newest_record_time(db.conn) == datetime(2036, 11, 26, 10, 0)
        db.clock = FixedClock(datetime(2026, 11, 27, 8, 15))
        with db.transaction() as conn:
            record(conn, Actor("王管理"), table="units", key="460002", action="insert")
        assert newest_record_time(db.conn) == datetime(2026, 11, 27, 8, 15)
    finally:
        db.close()
