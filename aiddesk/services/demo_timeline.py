"""The demo's simulated office time: working days, office hours, and an agenda of dated actions run in order.

The demo office is built by replaying its years: every action (an archive filed, a batch approved, a call
logged) is put on the agenda for a working day, and the agenda runs them day by day on the ``FixedClock`` the
build lends the database, moving it to an office-hours moment before each one. So every time the services
record comes out of the clock — no timestamp is written afterwards — and the audit log reads in the order
things happened. Nothing is done on or after ``today``: the office as it stands when its day begins.
"""

from __future__ import annotations

import heapq
import json
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from itertools import count

from ..core.clock import FixedClock
from ..core.workdays import Calendar, load_notice_rules, notice_end
from ..paths import resource

ONE_DAY = timedelta(days=1)

# Order of the actions of one day: the office's own set-up first (低保 lines, ledger), then archives,
# batches and checks — so a year's 低保 line is in before that day's archives, the money before a payment.
SETUP, ARCHIVE, BATCH, CHECK = range(4)
BUSY_DAY = 3  # a day with more actions than this starts at opening, so they all fit in its hours


@cache
def timeline_data() -> dict:
    """``resources/demo/timeline.json``: office hours and where the demo's work falls in its year."""
    with open(resource("demo", "timeline.json"), encoding="utf-8") as f:
        return json.load(f)


def month_day(text: str, year: int) -> date:
    """``"03-20"`` in ``year``."""
    month, day = text.split("-")
    return date(year, int(month), int(day))


def draw(rng: random.Random, span: list[int] | tuple[int, int]) -> int:
    """A whole number from an inclusive ``[low, high]`` range of the timeline data."""
    return rng.randint(span[0], span[1])


# --------------------------------------------------------------------------- working days


class Workdays:
    """Working-day arithmetic over the office calendar, the one the services count a 公示 with."""

    def __init__(self, cal: Calendar):
        self.cal = cal
        self.notice_days = load_notice_rules().notice_working_days
        self._known: dict[date, bool] = {}

    def is_workday(self, d: date) -> bool:
        if d not in self._known:
            self._known[d] = self.cal.is_workday(d)
        return self._known[d]

    def on_or_after(self, d: date) -> date:
        while not self.is_workday(d):
            d += ONE_DAY
        return d

    def on_or_before(self, d: date) -> date:
        while not self.is_workday(d):
            d -= ONE_DAY
        return d

    def after(self, d: date, n: int = 1) -> date:
        """The ``n``-th working day after ``d`` (``n`` = 0: ``d`` itself if it is one, else the next)."""
        if n == 0:
            return self.on_or_after(d)
        for _ in range(n):
            d = self.on_or_after(d + ONE_DAY)
        return d

    def before(self, d: date, n: int = 1) -> date:
        """The ``n``-th working day before ``d``."""
        for _ in range(n):
            d = self.on_or_before(d - ONE_DAY)
        return d

    def between(self, rng: random.Random, first: date, last: date) -> date:
        """A random working day from ``first`` to ``last`` (near them if the span has none)."""
        if last <= first:
            return self.on_or_after(first)
        day = first + timedelta(days=rng.randrange((last - first).days + 1))
        after = self.on_or_after(day)
        return after if after <= last else self.on_or_before(day)

    def notice_end(self, start: date) -> date:
        """The last day of a 公示 from ``start``, as the batch service will compute it."""
        return notice_end(start, self.notice_days, self.cal)

    def spring_festival(self, year: int) -> date:
        """The first day off of the Spring Festival holiday: the longest run of days off from mid-January to
        February's end (the holiday is computed, or known, with the rest of the calendar)."""
        best, best_len = date(year, 2, 1), 0
        d = date(year, 1, 10)
        while d <= date(year, 2, 28):
            if self.is_workday(d):
                d += ONE_DAY
                continue
            end = d
            while not self.is_workday(end + ONE_DAY):
                end += ONE_DAY
            if (end - d).days + 1 > best_len:
                best, best_len = d, (end - d).days + 1
            d = end + ONE_DAY
        return best


# --------------------------------------------------------------------------- office hours


def _seconds(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 3600 + int(minutes) * 60


@dataclass(frozen=True)
class OfficeHours:
    """When the office works (in seconds of the day) and how far apart its actions are."""

    sessions: tuple[tuple[int, int], ...]
    first_action_minutes: tuple[int, int]
    gap_minutes: tuple[int, int]
    step_seconds: tuple[int, int]

    @classmethod
    def load(cls) -> OfficeHours:
        data = timeline_data()["office_hours"]
        return cls(tuple((_seconds(a), _seconds(b)) for a, b in data["sessions"]),
                   tuple(data["first_action_minutes"]), tuple(data["gap_minutes"]), tuple(data["step_seconds"]))


class OfficeClock:
    """Moves the build's clock from one action to the next, always forward and always within office hours."""

    def __init__(self, clock: FixedClock, hours: OfficeHours, rng: random.Random):
        self.clock = clock
        self.hours = hours
        self.rng = rng

    def begin(self, day: date, load: int = 1) -> None:
        """The clock for the next action, on ``day``: some minutes after the last one, or — for the day's first
        of ``load`` actions — some time in the morning or the afternoon (a busy day starts at opening)."""
        now = self.clock.now()
        if day < now.date():
            raise ValueError(f"the demo's clock cannot go back from {now} to {day}")
        if day > now.date():
            # A busy day starts soon after opening (its work must fit in); a quiet one at any time in the first
            # two thirds of the morning or of the afternoon.
            if load > BUSY_DAY:
                start, latest = self.hours.sessions[0][0], self.hours.first_action_minutes[1]
            else:
                start, end = self.rng.choice(self.hours.sessions)
                latest = (end - start) * 2 // 3 // 60
            minutes = self.rng.randint(self.hours.first_action_minutes[0], latest)
            self._set(day, start + minutes * 60 + self.rng.randrange(60), start)
        else:
            self._later(draw(self.rng, self.hours.gap_minutes) * 60 + self.rng.randrange(60))

    def step(self) -> None:
        """A few seconds on: the next part of one action (a file attached, a line added)."""
        self._later(draw(self.rng, self.hours.step_seconds))

    def _later(self, seconds: int) -> None:
        now = self.clock.now()
        current = now.hour * 3600 + now.minute * 60 + now.second
        self._set(now.date(), current + seconds, current)

    def _set(self, day: date, wanted: int, current: int) -> None:
        self.clock.set(datetime.combine(day, _time(self._fit(wanted, current))))

    def _fit(self, wanted: int, current: int) -> int:
        for start, end in self.hours.sessions:
            if wanted < start:  # between sessions: the next one, a few minutes after it begins
                return start + self.rng.randrange(600)
            if wanted <= end:
                return wanted
        # Past closing: a busy day's last actions follow closely instead of running into the evening.
        return min(current + 1, self.hours.sessions[-1][1])


def _time(seconds: int) -> time:
    return time(seconds // 3600, seconds % 3600 // 60, seconds % 60)


# --------------------------------------------------------------------------- the agenda


class Agenda:
    """Dated actions, run in the order of their days (and, within a day, of their kind and of planning)."""

    def __init__(self, office: OfficeClock, workdays: Workdays, until: date):
        self.office = office
        self.workdays = workdays
        self.until = until  # nothing on or after this day (the demo's "today")
        self._queue: list[tuple[date, int, int, Callable[[], object]]] = []
        self._seq = count()
        self._load: Counter[date] = Counter()  # actions still to come on each day
        self._running: date | None = None

    def add(self, day: date, action: Callable[[], object], order: int = ARCHIVE, *, weight: int = 1) -> bool:
        """Plan ``action`` for ``day``; False (and nothing planned) when the day has not come yet.

        ``weight``: how many ordinary actions it is worth (the office's set-up is a morning's work).
        """
        if not self.workdays.is_workday(day):
            raise ValueError(f"the demo planned office work on {day}, which is not a working day")
        if self._running is not None and day < self._running:
            raise ValueError(f"the demo planned work on {day} while already on {self._running}")
        if day >= self.until:
            return False
        heapq.heappush(self._queue, (day, order, next(self._seq), action))
        self._load[day] += weight
        return True

    def run(self) -> None:
        """Run every planned action (and those they plan), each at its moment on the office clock."""
        while self._queue:
            day, _order, _seq, action = heapq.heappop(self._queue)
            load = self._load.pop(day, 1) if day != self._running else 1  # the day's work, told when it begins
            self._running = day
            self.office.begin(day, load)
            action()
