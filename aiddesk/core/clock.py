"""The one source of "today" and "now": the PC's clock in the program, a set or shifted clock in tests and the demo.

Nothing else in the program asks the operating system for the date (``tests/test_clock_use.py`` enforces it):
every business date and every recorded time comes from the clock the database was opened with
(``Database.clock``), so the program gives the same answer whichever day it runs and whatever a PC's clock
says. Timeouts and heartbeats measure elapsed time with ``time.monotonic()``, which is not a date and is fine.

Times are local wall-clock times without a zone, to the second, as an office writes them on a form; the
database stores them as ISO text (``2026-12-07T09:30:00``), which sorts as it reads.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta


class Clock:
    """Tells the date and time; subclasses say from where."""

    def now(self) -> datetime:
        raise NotImplementedError

    def today(self) -> date:
        return self.now().date()

    def stamp(self) -> str:
        """Now as the database stores a time: ``2026-12-07T09:30:00``."""
        return self.now().isoformat(timespec="seconds")


class SystemClock(Clock):
    """The PC's own clock — right on most PCs, and the one place the program reads it."""

    def now(self) -> datetime:
        return datetime.now().replace(microsecond=0)


class ShiftedClock(Clock):
    """The PC's clock moved by a fixed offset: a PC whose clock is wrong, once the user has confirmed the date."""

    def __init__(self, offset: timedelta, base: Clock | None = None):
        self.offset = offset
        self.base = base or SystemClock()

    def now(self) -> datetime:
        return self.base.now() + self.offset


class FixedClock(Clock):
    """A clock that stands where it is set until it is moved: tests, and the demo's simulated office year."""

    def __init__(self, at: datetime | date):
        self._at = _moment(at)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime | date) -> None:
        """Move to ``at``; a bare date keeps the time of day the clock shows."""
        self._at = _moment(at, self._at.time())

    def advance(self, delta: timedelta) -> None:
        self._at = (self._at + delta).replace(microsecond=0)


OFFICE_OPENS = time(9, 0)


def _moment(at: datetime | date, time_of_day: time = OFFICE_OPENS) -> datetime:
    if isinstance(at, datetime):
        return at.replace(microsecond=0, tzinfo=None)
    return datetime.combine(at, time_of_day)
