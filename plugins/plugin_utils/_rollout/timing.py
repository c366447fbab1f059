# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Time control and pacing, pure logic: maintenance windows (cron start + duration in a timezone), stage schedules,
the exponential ramp and the pace caps. Controller side only (Python 3.10+, ``zoneinfo``); no I/O, no clock: every
function takes the time it is asked about as POSIX epoch seconds.

A window *opens* at every local wall-clock minute its cron expression matches, in the window's timezone, and stays
open for ``duration`` seconds of elapsed time. A start that does not exist that day (the hour skipped when daylight
saving time begins) is skipped; a start that exists twice (the hour repeated when it ends) opens once, at its first
occurrence. An opening that started before the time asked about and lasts past it counts as open.

Cron: five fields ``minute hour day-of-month month day-of-week`` with ``*``, numbers, ranges ``a-b``, lists ``a,b``
and steps ``*/n``, ``a-b/n``, ``a/n``; month and weekday names (``jan``, ``mon``); day of week 0-7 with 0 and 7 =
Sunday; the macros ``@hourly``, ``@daily`` (``@midnight``), ``@weekly``, ``@monthly``, ``@yearly`` (``@annually``).
When both day of month and day of week are restricted, a day matches if either matches (a field is restricted when
it does not cover its whole range).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import bisect
import dataclasses
import datetime
import json
import math
import re
import zoneinfo

from .common import RolloutError


MIN_WINDOW_SECONDS = 60
MAX_WINDOW_SECONDS = 7 * 86400
# how far next_opening looks ahead
HORIZON_DAYS = 366
DEFAULT_MAX_FAILURE_RATE = 10.0
AT_END_CHOICES = ("stop", "cancel")
WINDOW_KEYS = ("start", "duration", "timezone")
RAMP_KEYS = ("start", "factor", "max_failure_rate")
WINDOW_EXAMPLE = "for example {start: '0 2 * * 1-5', duration: 4h, timezone: Europe/Berlin}"
TIME_EXAMPLE = "2026-12-06T02:00:00Z or 2026-12-06T03:00:00+01:00"
DURATION_RULE = "seconds (3600) or a number with d, h, m, s (90m, 4h, 1h30m, 2d)"

_UNITS = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))
_DURATION_RE = re.compile(r"^(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*(?:(\d+)\s*s)?$")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
# name, lowest, highest, names (value of the first name), range text for messages
_FIELDS = (
    ("minute", 0, 59, None, "0-59"),
    ("hour", 0, 23, None, "0-23"),
    ("day of month", 1, 31, None, "1-31"),
    ("month", 1, 12, (_MONTHS, 1), "1-12 or jan-dec"),
    ("day of week", 0, 7, (_WEEKDAYS, 0), "0-7 or sun-sat, 0 and 7 = Sunday"),
)
_MACROS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
# the longest month length per month (February: 29)
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
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


# ---------------------------------------------------------------------------------------------------------------
# durations


def parse_duration(value, option):
    """Seconds (> 0) from ``3600``, ``"3600"``, ``"90m"``, ``"4h"``, ``"1h30m"``, ``"2d"``, ``"45s"``."""
    if isinstance(value, bool) or value is None:
        raise RolloutError("%s: %r is not a duration; use %s" % (option, value, DURATION_RULE))
    if isinstance(value, (int, float)):
        if not math.isfinite(value) or value != int(value):
            raise RolloutError("%s: %r is not a whole number of seconds; use %s" % (option, value, DURATION_RULE))
        seconds = int(value)
    else:
        text = str(value).strip().lower()
        if text.isdigit():
            seconds = int(text)
        else:
            match = _DURATION_RE.match(text) if text else None
            if not match or not any(match.groups()):
                raise RolloutError("%s: %r is not a duration; use %s" % (option, value, DURATION_RULE))
            seconds = sum(int(number) * unit for number, (dummy, unit) in zip(match.groups(), _UNITS) if number)
    if seconds <= 0:
        raise RolloutError("%s: a duration must be more than 0 seconds, got %r" % (option, value))
    return seconds


def format_duration(seconds):
    """``14400`` -> ``"4h"``, ``5400`` -> ``"1h30m"``, ``172800`` -> ``"2d"``."""
    seconds = int(seconds)
    if seconds <= 0:
        return "%ds" % seconds
    parts = []
    for unit, size in _UNITS:
        if seconds >= size:
            parts.append("%d%s" % (seconds // size, unit))
            seconds %= size
    return "".join(parts)


# ---------------------------------------------------------------------------------------------------------------
# cron


def _cron_value(text, field, option, cron):
    name, lowest, highest, names, allowed = field
    token = text.strip().lower()
    if names and token in names[0]:
        return names[0].index(token) + names[1]
    if not token.isdigit():
        raise RolloutError("%s: cron %r: the %s field has %r, which is not a number; allowed: %s"
                           % (option, cron, name, text, allowed))
    number = int(token)
    if number < lowest or number > highest:
        raise RolloutError("%s: cron %r: the %s field has %d, outside its range %s"
                           % (option, cron, name, number, allowed))
    return number


def _cron_field(text, field, option, cron):
    """The set of values a cron field matches."""
    name, lowest, highest, dummy, allowed = field
    if name == "day of week":
        # "*" means every day once; 7 is Sunday again
        highest = 6
    values = set()
    for part in text.split(","):
        if not part:
            raise RolloutError("%s: cron %r: the %s field %r has an empty list entry" % (option, cron, name, text))
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            if not step_text.isdigit() or int(step_text) == 0:
                raise RolloutError("%s: cron %r: the %s field has the step %r; a step is a whole number of at least "
                                   "1 (*/n or a-b/n)" % (option, cron, name, step_text))
            step = int(step_text)
        if part == "*":
            first, last = lowest, highest
        elif "-" in part:
            first_text, last_text = part.split("-", 1)
            first = _cron_value(first_text, field, option, cron)
            last = _cron_value(last_text, field, option, cron)
            if first > last:
                raise RolloutError("%s: cron %r: the %s field has the range %r going downwards; a range goes from "
                                   "low to high (write a list such as 22-23,0-2 instead); allowed: %s"
                                   % (option, cron, name, part, allowed))
        else:
            first = _cron_value(part, field, option, cron)
            # "a/n": from a to the end of the range
            last = max(first, highest) if step > 1 else first
        values.update(range(first, last + 1, step))
    if name == "day of week" and 7 in values:
        values.discard(7)
        values.add(0)
    return frozenset(values)


def _format_field(values, lowest, highest):
    """Canonical text of a field's values: ``*``, ``*/n``, ``a-b/n``, or runs ``a-b`` joined by commas."""
    ordered = sorted(values)
    if ordered == list(range(lowest, highest + 1)):
        return "*"
    if len(ordered) >= 3:
        step = ordered[1] - ordered[0]
        if step > 1 and ordered == list(range(ordered[0], ordered[-1] + 1, step)):
            if ordered[0] == lowest and ordered[-1] + step > highest:
                return "*/%d" % step
            return "%d-%d/%d" % (ordered[0], ordered[-1], step)
    runs = []
    for value in ordered:
        if runs and runs[-1][1] == value - 1:
            runs[-1][1] = value
        else:
            runs.append([value, value])
    return ",".join("%d" % a if a == b else "%d-%d" % (a, b) for a, b in runs)


def parse_cron(text, option):
    """``(normalized text, minutes, hours, days, months, weekdays, days restricted, weekdays restricted)``."""
    if not isinstance(text, str) or not text.strip():
        raise RolloutError("%s: a window needs a start, a cron expression such as '0 2 * * *' (minute hour "
                           "day-of-month month day-of-week), got %r" % (option, text))
    cron = " ".join(text.split())
    expanded = _MACROS.get(cron.lower(), cron)
    if expanded.startswith("@"):
        raise RolloutError("%s: cron %r: unknown macro; use five fields (minute hour day-of-month month "
                           "day-of-week) or one of %s" % (option, cron, ", ".join(sorted(_MACROS))))
    fields = expanded.split(" ")
    if len(fields) != 5:
        raise RolloutError("%s: cron %r has %d fields; a window's start needs 5 (minute hour day-of-month month "
                           "day-of-week), for example '0 2 * * 1-5'" % (option, cron, len(fields)))
    sets = [_cron_field(part, field, option, cron) for part, field in zip(fields, _FIELDS)]
    minutes, hours, days, months, weekdays = sets
    days_restricted = len(days) < 31
    weekdays_restricted = len(weekdays) < 7
    if days_restricted and not weekdays_restricted and \
            not any(day <= _MONTH_DAYS[month - 1] for month in months for day in days):
        raise RolloutError("%s: cron %r never matches: no month of %s has a day %s"
                           % (option, cron, _format_field(months, 1, 12), _format_field(days, 1, 31)))
    normalized = " ".join((_format_field(minutes, 0, 59), _format_field(hours, 0, 23), _format_field(days, 1, 31),
                           _format_field(months, 1, 12), _format_field(weekdays, 0, 6)))
    return normalized, minutes, hours, days, months, weekdays, days_restricted, weekdays_restricted


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


# ---------------------------------------------------------------------------------------------------------------
# windows


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


def _maybe_json(value, option):
    """Text that holds a JSON dict or list (an INI inventory, an AWX survey) is read as such."""
    if isinstance(value, str) and value.strip()[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError as exc:
            raise RolloutError("%s: %r is not valid JSON (%s)" % (option, value, exc))
    return value


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


# ---------------------------------------------------------------------------------------------------------------
# schedules


def parse_time(value, option):
    """Epoch seconds from an ISO 8601 time with ``Z`` or an offset (a timezone-aware ``datetime`` and epoch numbers
    are taken as they are); a time without a timezone is refused."""
    if isinstance(value, bool) or value is None:
        raise RolloutError("%s: %r is not a time; use ISO 8601 with a timezone, %s" % (option, value, TIME_EXAMPLE))
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise RolloutError("%s: %r is not a time; use ISO 8601 with a timezone, %s"
                               % (option, value, TIME_EXAMPLE))
        return float(value)
    if isinstance(value, datetime.datetime):
        moment = value
    elif isinstance(value, datetime.date):
        raise RolloutError("%s: %r needs a time of day and a timezone, %s" % (option, str(value), TIME_EXAMPLE))
    else:
        text = str(value).strip()
        iso = text[:-1] + "+00:00" if text[-1:] in ("Z", "z") else text
        try:
            moment = datetime.datetime.fromisoformat(iso)
        except ValueError:
            raise RolloutError("%s: %r is not an ISO 8601 time; use %s" % (option, value, TIME_EXAMPLE))
        if "T" not in iso.upper() and " " not in iso:
            raise RolloutError("%s: %r needs a time of day and a timezone, %s" % (option, text, TIME_EXAMPLE))
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise RolloutError("%s: %r needs a timezone: end it with Z (UTC) or an offset, %s"
                           % (option, str(value), TIME_EXAMPLE))
    return moment.timestamp()


def format_time(epoch):
    """``2026-12-06T02:00:00Z`` (UTC)."""
    moment = datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_schedule(stage, option):
    """``{"start_at": epoch | None, "end_at": epoch | None, "at_end": "stop" | "cancel"}`` from a stage dict's
    ``start_at``, ``end_at`` and ``at_end``."""
    stage = stage or {}
    if not isinstance(stage, dict):
        raise RolloutError("%s: a stage is a dict, got %r" % (option, stage))
    result = {"start_at": None, "end_at": None, "at_end": "stop"}
    for key in ("start_at", "end_at"):
        value = stage.get(key)
        if value is not None and not (isinstance(value, str) and not value.strip()):
            result[key] = parse_time(value, "%s: %s" % (option, key))
    if result["start_at"] is not None and result["end_at"] is not None and result["end_at"] <= result["start_at"]:
        raise RolloutError("%s: end_at must be after start_at (end_at %s, start_at %s)"
                           % (option, format_time(result["end_at"]), format_time(result["start_at"])))
    at_end = stage.get("at_end")
    if at_end is not None and not (isinstance(at_end, str) and not at_end.strip()):
        text = str(at_end).strip().lower() if isinstance(at_end, str) else None
        if text not in AT_END_CHOICES:
            raise RolloutError("%s: at_end must be stop or cancel, got %r" % (option, at_end))
        if result["end_at"] is None:
            raise RolloutError("%s: at_end needs an end_at, the time when the stage stops dispatching (at_end is "
                               "%s)" % (option, text))
        result["at_end"] = text
    return result


# ---------------------------------------------------------------------------------------------------------------
# pace


def ramp_sizes(total, start, factor, maximum):
    """Chunk sizes ``start, start*factor, start*factor^2, ...`` (whole numbers rounded down, each at least 1 and at
    most ``maximum``) that add up to exactly ``total`` (the last one cut)."""
    total = int(total)
    if total <= 0:
        return []
    maximum = max(1, int(maximum))
    factor = max(1.0, float(factor))
    current = float(max(1, min(int(start), maximum)))
    sizes = []
    left = total
    while left > 0:
        # 100 * 1.15 is 114.99999999999999 as a float: round down only what is really below a whole number
        size = min(maximum, max(1, int(math.floor(current * (1 + 1e-12)))))
        size = min(size, left)
        sizes.append(size)
        left -= size
        if current < maximum:
            current *= factor
    return sizes


def _ramp_number(value, name, option, integer=False):
    if isinstance(value, bool) or value is None:
        raise RolloutError("%s: %s must be a number, got %r" % (option, name, value))
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise RolloutError("%s: %s must be a number, got %r" % (option, name, value))
    if not math.isfinite(number):
        raise RolloutError("%s: %s must be a finite number, got %r" % (option, name, value))
    if integer:
        if number != int(number):
            raise RolloutError("%s: %s must be a whole number, got %r" % (option, name, value))
        return int(number)
    return number


def parse_ramp(value, option, maximum):
    """``{"start": int, "factor": float, "max_failure_rate": float}`` from a ramp dict; None for None or ``{}``."""
    value = _maybe_json(value, option)
    if value is None or value == {} or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, dict):
        raise RolloutError("%s: a ramp is a dict with start (devices in the first chunk), factor (at least 1) and "
                           "max_failure_rate (percent, default %s), got %r"
                           % (option, int(DEFAULT_MAX_FAILURE_RATE), value))
    unknown = sorted(str(key) for key in value if key not in RAMP_KEYS)
    if unknown:
        raise RolloutError("%s: unknown key(s) %s; a ramp has start, factor and max_failure_rate"
                           % (option, ", ".join(unknown)))
    if value.get("start") is None:
        raise RolloutError("%s: a ramp needs a start, the number of devices in its first chunk (at least 1)" % option)
    start = _ramp_number(value["start"], "start", option, integer=True)
    if start < 1:
        raise RolloutError("%s: a ramp start below 1 (%r) sends nothing; start is the number of devices in the "
                           "first chunk, at least 1" % (option, value["start"]))
    if start > maximum:
        raise RolloutError("%s: a ramp start of %d is more than the %d allowed" % (option, start, maximum))
    if value.get("factor") is None:
        raise RolloutError("%s: a ramp needs a factor, how much each chunk grows (at least 1, for example 2)"
                           % option)
    factor = _ramp_number(value["factor"], "factor", option)
    if factor < 1:
        raise RolloutError("%s: a ramp factor below 1 (%r) would shrink the chunks; the factor must be at least 1"
                           % (option, value["factor"]))
    rate = DEFAULT_MAX_FAILURE_RATE
    if value.get("max_failure_rate") is not None:
        rate = _ramp_number(value["max_failure_rate"], "max_failure_rate", option)
        if rate < 0 or rate > 100:
            raise RolloutError("%s: max_failure_rate is a percent from 0 to 100, got %r"
                               % (option, value["max_failure_rate"]))
    return {"start": start, "factor": factor, "max_failure_rate": rate}


def parse_concurrency(value, option):
    """Caps on the devices upgrading at once: ``{"<platform>": 500, "group:site_berlin": 200}`` with whole numbers of at
    least 1; None or ``{}`` -> ``{}``. The keys are checked by the caller (platform names, ``group:`` prefixes)."""
    value = _maybe_json(value, option)
    if value is None or (isinstance(value, str) and not value.strip()):
        return {}
    if not isinstance(value, dict):
        raise RolloutError("%s: caps are a dict of a platform name or group:<inventory group> to the number of "
                           "devices upgrading at once, for example {<platform>: 1000, 'group:site_berlin': 200}; "
                           "got %r" % (option, value))
    caps = {}
    for key, raw in value.items():
        name = str(key).strip() if key is not None else ""
        if not name:
            raise RolloutError("%s: a cap needs a name (a platform or group:<inventory group>), got %r"
                               % (option, key))
        number = None
        if not isinstance(raw, bool):
            try:
                number = float(raw)
            except (TypeError, ValueError):
                number = None
        if number is None or not math.isfinite(number) or number != int(number) or number < 1:
            raise RolloutError("%s: %s must be a whole number of devices, at least 1, got %r" % (option, name, raw))
        if name in caps:
            raise RolloutError("%s: %s is given twice" % (option, name))
        caps[name] = int(number)
    return caps
