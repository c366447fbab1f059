# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Maintenance windows, pure logic: a cron start (:mod:`.cron`) + a duration in a timezone. Controller side only
(Python 3.10+, ``zoneinfo``); no I/O, no clock: every function takes the time it is asked about as POSIX epoch
seconds.

A window *opens* at every local wall-clock minute its cron expression matches, in the window's timezone, and stays
open for ``duration`` seconds of elapsed time. A start that does not exist that day (the hour skipped when daylight
saving time begins) is skipped; a start that exists twice (the hour repeated when it ends) opens once, at its first
occurrence. An opening that started before the time asked about and lasts past it counts as open.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import bisect
import dataclasses
import datetime
import math
import zoneinfo

from .common import RolloutError
from .cron import parse_cron
from .timing import DURATION_RULE, _maybe_json, format_duration, parse_duration


MIN_WINDOW_SECONDS = 60
MAX_WINDOW_SECONDS = 7 * 86400
# how far next_opening looks ahead
HORIZON_DAYS = 366
WINDOW_KEYS = ("start", "duration", "timezone")
WINDOW_EXAMPLE = "for example {start: '0 2 * * 1-5', duration: 4h, timezone: Europe/Berlin}"

_UNIX_ORDINAL = datetime.date(1970, 1, 1).toordinal()
# a window keeps the openings of a contiguous run of local days: grown by _COVER_STEP days while searching ahead,
# started afresh for a time more than _COVER_GAP days away, its oldest days dropped beyond _COVER_DAYS days or
# _COVER_STARTS openings
_COVER_STEP = 31
_COVER_GAP = 40
_COVER_DAYS = 450
_COVER_STARTS = 200000


def _empty_cover():
    return {"starts": [], "first": 0, "last": -1, "low": math.inf, "high": -math.inf}


def load_timezone(name, option):
    """The ``ZoneInfo`` of an IANA name."""
    text = name.strip() if isinstance(name, str) else ""
    if not text:
        raise RolloutError("%s: a timezone is an IANA name such as Europe/Berlin or UTC, got %r" % (option, name))
    try:
        return zoneinfo.ZoneInfo(text)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise RolloutError("%s: unknown timezone %r; use an IANA name such as Europe/Berlin, Asia/Shanghai or UTC"
                           % (option, name))


@dataclasses.dataclass(frozen=True)
class Window:
    """A recurring maintenance window: opens at every minute ``cron`` matches in ``timezone``, for ``duration``
    seconds. Immutable; equal windows compare and hash equal. Build it with :func:`parse_window` (the constructor
    wants the normalized cron text and whole seconds).

    The openings are computed per local day and kept as one sorted list of epochs over a contiguous run of days
    around the times asked about, so a question costs a binary search once its days are known."""

    cron: str
    duration: int
    timezone: str
    _rule: tuple = dataclasses.field(default=None, init=False, repr=False, compare=False)
    _zone: object = dataclasses.field(default=None, init=False, repr=False, compare=False)
    _cover: dict = dataclasses.field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self):
        option = "window %r" % (self.cron,)
        if isinstance(self.duration, bool) or not isinstance(self.duration, int):
            raise RolloutError("%s: the duration must be whole seconds, got %r" % (option, self.duration))
        check_window_duration(self.duration, option)
        rule = parse_cron(self.cron, option)
        if rule[0] != self.cron:
            raise RolloutError("%s: not a normalized cron text (%r); build windows with parse_window"
                               % (option, rule[0]))
        minutes_of_day = tuple(sorted(hour * 60 + minute for hour in rule[2] for minute in rule[1]))
        object.__setattr__(self, "_rule", rule[1:] + (minutes_of_day,))
        object.__setattr__(self, "_zone", load_timezone(self.timezone, option))
        object.__setattr__(self, "_cover", _empty_cover())

    def __getstate__(self):
        return {"cron": self.cron, "duration": self.duration, "timezone": self.timezone}

    def __setstate__(self, state):
        for key in ("cron", "duration", "timezone"):
            object.__setattr__(self, key, state[key])
        self.__post_init__()

    def __deepcopy__(self, memo):
        return self

    def __copy__(self):
        return self

    # -- the openings of local days

    def _day_matches(self, day):
        dummy, dummy, days, months, weekdays, days_restricted, weekdays_restricted, dummy = self._rule
        if day.month not in months:
            return False
        day_ok = day.day in days
        weekday_ok = (day.weekday() + 1) % 7 in weekdays
        if days_restricted and weekdays_restricted:
            return day_ok or weekday_ok
        return day_ok and weekday_ok

    def _midnight(self, ordinal):
        day = datetime.date.fromordinal(ordinal)
        return datetime.datetime(day.year, day.month, day.day, tzinfo=self._zone).timestamp()

    def _day_starts(self, ordinal):
        """The epochs of the openings on a local date, sorted; wall-clock times that do not exist are skipped and
        times that exist twice count once (the first)."""
        day = datetime.date.fromordinal(ordinal)
        if not self._day_matches(day):
            return []
        zone = self._zone
        minutes_of_day = self._rule[-1]
        midnight = datetime.datetime(day.year, day.month, day.day, tzinfo=zone)
        following = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), tzinfo=zone)
        offset = midnight.utcoffset()
        if offset == following.utcoffset() and offset == midnight.replace(fold=1).utcoffset() \
                and offset == midnight.replace(hour=12).utcoffset():
            # one UTC offset all day: plain arithmetic
            base = (ordinal - _UNIX_ORDINAL) * 86400.0 - offset.total_seconds()
            return [base + 60.0 * minute for minute in minutes_of_day]
        starts = []
        for minute in minutes_of_day:
            local = midnight.replace(hour=minute // 60, minute=minute % 60)
            epoch = local.timestamp()
            back = datetime.datetime.fromtimestamp(epoch, zone)
            if (back.day, back.hour, back.minute) == (day.day, local.hour, local.minute):
                starts.append(epoch)  # else in the gap when the clocks go forward
        return sorted(starts)

    def _ordinal(self, epoch):
        return datetime.datetime.fromtimestamp(epoch, self._zone).toordinal()

    def _cover_days(self, first, last):
        """Make the cover hold every opening of the local days ``first`` to ``last`` (contiguous with what it
        holds, else started afresh; the oldest days are dropped beyond :data:`_COVER_DAYS`)."""
        cover = self._cover
        if cover["last"] < cover["first"] or first > cover["last"] + _COVER_GAP or last < cover["first"] - _COVER_GAP:
            starts = []
            for ordinal in range(first, last + 1):
                starts.extend(self._day_starts(ordinal))
            cover.update(starts=starts, first=first, last=last)
        else:
            if first < cover["first"]:
                head = []
                for ordinal in range(first, cover["first"]):
                    head.extend(self._day_starts(ordinal))
                cover["starts"] = head + cover["starts"]
                cover["first"] = first
            if last > cover["last"]:
                for ordinal in range(cover["last"] + 1, last + 1):
                    cover["starts"].extend(self._day_starts(ordinal))
                cover["last"] = last
            if cover["last"] - cover["first"] > _COVER_DAYS or len(cover["starts"]) > _COVER_STARTS:
                keep = max(cover["first"], min(first, cover["last"] - _COVER_DAYS))
                if keep > cover["first"]:
                    cut = bisect.bisect_left(cover["starts"], self._midnight(keep))
                    cover["starts"] = cover["starts"][cut:]
                    cover["first"] = keep
        cover["low"] = self._midnight(cover["first"])
        cover["high"] = self._midnight(cover["last"] + 1)

    def _around(self, epoch):
        """``(the latest opening <= epoch that may still be open or None, the index of the first opening > epoch in
        the cover)``."""
        cover = self._cover
        earliest = epoch - self.duration
        if not cover["low"] <= earliest or not epoch < cover["high"]:
            self._cover_days(self._ordinal(earliest), self._ordinal(epoch))
        starts = cover["starts"]
        index = bisect.bisect_right(starts, epoch)
        previous = starts[index - 1] if index and starts[index - 1] > earliest else None
        return previous, index

    def _next_start(self, epoch, index):
        """The first opening > epoch within :data:`HORIZON_DAYS`, else None."""
        cover = self._cover
        limit = epoch + HORIZON_DAYS * 86400.0
        while True:
            starts = cover["starts"]
            if index < len(starts):
                return starts[index] if starts[index] <= limit else None
            if cover["high"] > limit:
                return None
            self._cover_days(cover["first"], cover["last"] + _COVER_STEP)
            index = bisect.bisect_right(cover["starts"], epoch)

    # -- the API

    def is_open(self, epoch):
        """Whether an opening covers ``epoch`` (started at or before it and lasts past it)."""
        previous = self._around(epoch)[0]
        return previous is not None and epoch < previous + self.duration

    def next_opening(self, epoch):
        """``epoch`` when open now, else the first opening after it; None when none within 366 days."""
        previous, index = self._around(epoch)
        if previous is not None and epoch < previous + self.duration:
            return epoch
        return self._next_start(epoch, index)

    def closes_at(self, epoch):
        """When the window, open at ``epoch``, closes: the end of the opening that contains it, or later where
        further openings overlap or touch it (at most 366 days ahead); None when closed at ``epoch``."""
        previous = self._around(epoch)[0]
        if previous is None or not epoch < previous + self.duration:
            return None
        duration = self.duration
        end = previous + duration
        ordinal = self._ordinal(previous)
        last = self._ordinal(epoch) + HORIZON_DAYS
        while ordinal <= last:
            starts = self._day_starts(ordinal)
            for start in starts[bisect.bisect_right(starts, previous):]:
                if start > end:
                    return end
                if start + duration > end:
                    end = start + duration
            ordinal += 1
        return end

    def describe(self):
        """``"0 2 * * 1-5 for 4h (Europe/Berlin)"``."""
        return "%s for %s (%s)" % (self.cron, format_duration(self.duration), self.timezone)

    def record(self):
        """The window as a plain dict that :func:`parse_window` reads back to an equal window."""
        return {"start": self.cron, "duration": self.duration, "timezone": self.timezone}


def check_window_duration(seconds, option):
    if seconds < MIN_WINDOW_SECONDS:
        raise RolloutError("%s: a window's duration must be at least 1 minute (60 seconds), got %s"
                           % (option, format_duration(seconds)))
    if seconds > MAX_WINDOW_SECONDS:
        raise RolloutError("%s: a window's duration must be at most 7 days (604800 seconds), got %s"
                           % (option, format_duration(seconds)))


def parse_window(value, option, default_timezone="UTC"):
    """A :class:`Window` from ``{"start": "<cron>", "duration": "4h", "timezone": "Europe/Berlin"}`` (timezone
    optional: ``default_timezone``); None for None, ``""`` or ``{}`` (always open)."""
    value = _maybe_json(value, option)
    if value is None or value == {} or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        raise RolloutError("%s: a window needs a duration: a window is a dict with start (a cron expression) and "
                           "duration, %s; got the text %r" % (option, WINDOW_EXAMPLE, value))
    if not isinstance(value, dict):
        raise RolloutError("%s: a window is a dict with start (a cron expression) and duration, %s; got %r"
                           % (option, WINDOW_EXAMPLE, value))
    unknown = sorted(str(key) for key in value if key not in WINDOW_KEYS)
    if unknown:
        raise RolloutError("%s: unknown key(s) %s; a window has start, duration and timezone"
                           % (option, ", ".join(unknown)))
    start = value.get("start")
    if start is None or (isinstance(start, str) and not start.strip()):
        raise RolloutError("%s: a window needs a start, a cron expression such as '0 2 * * *' (minute hour "
                           "day-of-month month day-of-week)" % option)
    duration = value.get("duration")
    if duration is None or (isinstance(duration, str) and not duration.strip()):
        raise RolloutError("%s: a window needs a duration (%s), %s" % (option, DURATION_RULE, WINDOW_EXAMPLE))
    cron = parse_cron(start, option)[0]
    seconds = parse_duration(duration, "%s: duration" % option)
    check_window_duration(seconds, option)
    timezone = value.get("timezone")
    if timezone is None or (isinstance(timezone, str) and not timezone.strip()):
        timezone = default_timezone or "UTC"
    load_timezone(timezone, option)
    return Window(cron, seconds, timezone.strip())


def parse_windows(value, option, default_timezone="UTC"):
    """One window dict or a list of them as a tuple of distinct windows, in a canonical order (equal sets of
    windows give equal tuples); ``()`` means always open."""
    value = _maybe_json(value, option)
    if value is None or value == [] or value == {} or (isinstance(value, str) and not value.strip()):
        return ()
    if isinstance(value, (list, tuple)):
        found = []
        for index, item in enumerate(value):
            where = "%s[%d]" % (option, index)
            window = parse_window(item, where, default_timezone)
            if window is None:
                raise RolloutError("%s: an empty window in the list; a window is a dict with start and duration, %s"
                                   % (where, WINDOW_EXAMPLE))
            found.append(window)
    else:
        window = parse_window(value, option, default_timezone)
        found = [window] if window is not None else []
    return tuple(sorted(set(found), key=lambda w: (w.timezone, w.cron, w.duration)))


def windows_open(windows, epoch):
    """Whether any of the windows is open (no windows: always open)."""
    if not windows:
        return True
    return any(window.is_open(epoch) for window in windows)


def next_opening(windows, epoch):
    """``epoch`` when any window is open (or there are none), else the earliest next opening; None when no window
    opens within 366 days."""
    if not windows:
        return epoch
    found = None
    for window in windows:
        opening = window.next_opening(epoch)
        if opening is not None and (found is None or opening < found):
            found = opening
    return found
