"""A shared drive whose file server's clock is two months ahead or ten years behind, and a holder PC whose clock
is as wrong, while this PC's clock is right: the lock, its take-over guard and the backups are judged only by
what this PC sees change over its own elapsed time, and by the names backups were given — never by those times.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from aiddesk.core.clock import FixedClock
from aiddesk.db import app_lock
from aiddesk.db.backup import backup_time
from aiddesk.services import backups

NOW = datetime(2026, 11, 26, 9, 0)  # this PC's clock, right
SKEWS = [timedelta(days=61), -timedelta(days=3653)]
SKEW_IDS = ["server-2-months-ahead", "server-10-years-behind"]


class Ticks:
    """This PC's elapsed time (``time.monotonic``) as the test moves it."""

    def __init__(self):
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


def _skew_file(path: Path, skew: timedelta) -> None:
    """Give ``path`` the modification time the file server would: its clock, not ours."""
    moment = (NOW + skew).timestamp()
    os.utime(path, (moment, moment))


@pytest.fixture
def stale_seconds() -> float:
    return app_lock.lock_rules().stale_seconds  # the real rule (3 minutes), played out in simulated seconds


@pytest.mark.parametrize("skew", SKEWS, ids=SKEW_IDS)
def test_a_live_holder_is_never_taken_over_and_a_dead_one_is_after_the_stale_time(db, skew, stale_seconds):
    lock_file = app_lock.lock_path_for(db.path)
    other_clock = FixedClock(NOW + skew)  # the holder PC's clock is as wrong as its file server
    other = app_lock.acquire(db.path, "zhangsan", clock=other_clock, host="PC-办公室2").lock
    _skew_file(lock_file, skew)
    ticks = Ticks()
    claim = app_lock.LockClaim(db.path, "lisi", clock=FixedClock(NOW), monotonic=ticks)
    heartbeat = app_lock.lock_rules().heartbeat_seconds
    for _ in range(int(4 * stale_seconds / heartbeat)):  # four stale times of a live holder, a look each beat
        assert not claim.try_take().acquired
        other_clock.advance(timedelta(seconds=heartbeat))
        assert other.refresh()
        _skew_file(lock_file, skew)
        ticks.now += heartbeat
    stored = json.loads(lock_file.read_text(encoding="utf-8"))
    assert stored["heartbeat"].startswith(f"{(NOW + skew).year}-")  # its clock's times, shown, never compared
    # It dies (no release): held until it has stayed unchanged for the stale time while we watched.
    watched = 0.0
    result = claim.try_take()
    while not result.acquired:
        assert watched < stale_seconds
        ticks.now += heartbeat
        watched += heartbeat
        _skew_file(lock_file, skew)  # the server may touch its times as it likes: no change of content
        result = claim.try_take()
    assert watched == stale_seconds
    assert result.taken_over_from.host == "PC-办公室2" and not result.process_gone
    assert not other.refresh() and other.lost_to.username == "lisi"
    result.lock.release()


@pytest.mark.parametrize("skew", SKEWS, ids=SKEW_IDS)
def test_a_lock_written_and_dated_by_wrong_clocks_is_not_judged_at_first_sight(db, skew):
    """Years old by its own times and the file's: still watched first. Months ahead: still taken when silent."""
    lock_file = app_lock.lock_path_for(db.path)
    moment = (NOW + skew).isoformat()
    lock_file.write_text(json.dumps({"username": "wangwu", "display_name": "王五", "host": "PC-03", "pid": 4242,
                                     "started": moment, "heartbeat": moment}, ensure_ascii=False), encoding="utf-8")
    _skew_file(lock_file, skew)
    ticks = Ticks()
    claim = app_lock.LockClaim(db.path, "lisi", clock=FixedClock(NOW), stale_seconds=180, monotonic=ticks)
    assert not claim.try_take().acquired
    assert app_lock.live_holder(db.path).host == "PC-03"  # the command line, which cannot watch, sees it held
    ticks.now += 90
    assert not claim.try_take().acquired
    ticks.now += 90
    result = claim.try_take()
    assert result.acquired and result.taken_over_from.who == "王五"
    result.lock.release()


@pytest.mark.parametrize("skew", SKEWS, ids=SKEW_IDS)
def test_a_take_over_guard_is_judged_by_watching_not_by_its_file_time(db, skew):
    lock_file = app_lock.lock_path_for(db.path)
    lock_file.write_text(json.dumps({"username": "old", "display_name": "", "host": "PC-dead", "pid": 1,
                                     "started": "2026-11-26T08:00:00", "heartbeat": "2026-11-26T08:00:00"}),
                         encoding="utf-8")
    guard = lock_file.with_name(lock_file.name + app_lock.TAKEOVER_SUFFIX)
    ticks = Ticks()
    claim = app_lock.LockClaim(db.path, "lisi", clock=FixedClock(NOW), stale_seconds=180, monotonic=ticks)
    claim.try_take()
    ticks.now += 90
    claim.try_take()
    ticks.now += 90
    guard.write_text("PC-04 77 a1b2", encoding="utf-8")  # PC-04 is taking the stale lock over this instant
    _skew_file(guard, skew)  # ten years old or two months ahead by the server: neither says anything
    result = claim.try_take()
    assert not result.acquired and guard.exists()
    ticks.now += 90
    assert not claim.try_take().acquired and guard.exists()
    ticks.now += 90  # PC-04 died half-way: its guard stayed the same for the stale time
    assert not claim.try_take().acquired and not guard.exists()
    result = claim.try_take()
    assert result.acquired and result.taken_over_from.host == "PC-dead"
    result.lock.release()


@pytest.mark.parametrize("skew", SKEWS, ids=SKEW_IDS)
def test_backups_are_rotated_and_found_due_by_their_names_whatever_the_file_times(db, skew):
    """A month of backups with the server's times, and two named by PCs with wrong clocks; rotation after
    today's backup gives what the names alone give."""
    folder = backups.default_folder(db)
    folder.mkdir()
    names = []
    for day in range(1, 31):
        t = (NOW - timedelta(days=day)).replace(hour=17)
        names.append(f"office-备份-{t:%Y%m%d-%H%M%S}-退出.zip")
    names.append("office-备份-20261126-080000-导入前.zip")
    names.append(f"office-备份-{NOW + timedelta(days=61):%Y%m%d-%H%M%S}-每日.zip")  # a PC two months ahead
    names.append(f"office-备份-{NOW + timedelta(days=3653):%Y%m%d-%H%M%S}-每日.zip")  # a PC ten years ahead
    for name in names:
        (folder / name).write_bytes(b"x")
        _skew_file(folder / name, skew)
    assert not backups.backup_due(db)  # this morning's 导入前 is today's, whatever its file time
    result = backups.backup_now(db, None, "手动")
    found = {backup_time(p) for p in folder.glob("*.zip")}
    expected = backups.to_keep([backup_time(folder / n) for n in names] + [backup_time(result.archive)], now=NOW,
                               **backups.keep_counts(db.conn))
    assert found == expected
    assert datetime(2026, 11, 26, 8, 0) in found and NOW in found
    assert NOW + timedelta(days=61) in found and NOW + timedelta(days=3653) in found
    assert {t.date() for t in found if t < NOW.replace(hour=0)} >= {(NOW - timedelta(days=d)).date()
                                                                     for d in range(1, 7)}
