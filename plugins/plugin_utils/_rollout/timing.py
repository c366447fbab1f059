# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Time control of a rollout, pure: recurring maintenance windows (a cron start, a duration, a timezone), stage
schedules, the ramp's chunk sizes and the pace caps. Times are POSIX epoch seconds; every error names its option.

A window's starts are evaluated in its own timezone (``zoneinfo``), daylight saving time included: a start that does
not exist on a day (the hour skipped in spring) is skipped; an opening that began before a moment and lasts past it
is open at that moment.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import re

from .common import RolloutError, _fmt

try:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
except ImportError:  # pragma: no cover - the controller runs Python 3.10+
    ZoneInfo = None
    ZoneInfoNotFoundError = KeyError

DAY = 86400
MIN_DURATION = 60
MAX_DURATION = 7 * DAY
SEARCH_DAYS = 366
WINDOW_KEYS = ("start", "duration", "timezone")
RAMP_KEYS = ("start", "factor", "max_failure_rate")
MONTHS = dict((name, n) for n, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1))
DAYS = dict((name, n) for n, name in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat")))
FIELDS = (("minute", 0, 59, {}), ("hour", 0, 23, {}), ("day of month", 1, 31, {}), ("month", 1, 12, MONTHS),
          ("day of week", 0, 7, DAYS))
DURATION_RE = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
CRON_RULE = "a cron start is five fields: minute hour day-of-month month day-of-week (e.g. '0 2 * * 1-5')"


def _zone(name, option):
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise RolloutError("%s: unknown timezone %r (an IANA name such as Europe/Berlin or UTC)" % (option, name))


def _field_values(text, name, low, high, names, option):
    values = set()
    for part in text.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            if not step_text.isdigit() or int(step_text) < 1:
                raise RolloutError("%s: cron %s field: bad step %r; %s" % (option, name, step_text, CRON_RULE))
            step = int(step_text)
        if part == "*":
            first, last = low, high
        else:
            ends = part.split("-", 1)
            try:
                numbers = [int(names[e.lower()]) if e.lower() in names else int(e) for e in ends]
            except ValueError:
                raise RolloutError("%s: cron %s field: %r is not a number %d-%d; %s"
                                   % (option, name, part, low, high, CRON_RULE))
            first, last = numbers[0], numbers[-1]
            if len(numbers) == 1 and step > 1:
                last = high
        if not (low <= first <= high and low <= last <= high) or first > last:
            raise RolloutError("%s: cron %s field: %r is outside %d-%d; %s" % (option, name, part, low, high, CRON_RULE))
        values.update(range(first, last + 1, step))
    return frozenset(values)


def parse_cron(text, option):
    """``(minutes, hours, days of month, months, days of week, dom restricted, dow restricted)``."""
    fields = str(text or "").split()
    if len(fields) != 5:
        raise RolloutError("%s: start %r has %d fields; %s" % (option, text, len(fields), CRON_RULE))
    values = [_field_values(field, name, low, high, names, option)
              for field, (name, low, high, names) in zip(fields, FIELDS)]
    dows = frozenset(d % 7 for d in values[4])
    return values[0], values[1], values[2], values[3], dows, fields[2] != "*", fields[4] != "*"


class Window:
    """A recurring opening: starts at each ``cron`` match in ``timezone`` and lasts ``duration`` seconds."""

    __slots__ = ("cron", "duration", "timezone", "_spec", "_zone", "_starts", "_cache")

    def __init__(self, cron, duration, timezone, option="maintenance_window"):
        self.cron = " ".join(str(cron).split())
        self.duration = int(duration)
        self.timezone = str(timezone)
        self._spec = parse_cron(self.cron, option)
        self._zone = _zone(self.timezone, option)
        self._starts = sorted(h * 60 + m for h in self._spec[1] for m in self._spec[0])  # minutes of the day
        self._cache = {}

    def __eq__(self, other):
        return isinstance(other, Window) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def __repr__(self):
        return "Window(%r, %d, %r)" % (self.cron, self.duration, self.timezone)

    def _key(self):
        return (self.cron, self.duration, self.timezone)

    def _day_matches(self, day):
        dummy, dummy, doms, months, dows, dom_set, dow_set = self._spec
        if day.month not in months:
            return False
        dom_ok = day.day in doms
        dow_ok = (day.weekday() + 1) % 7 in dows
        if dom_set and dow_set:
            return dom_ok or dow_ok
        return dom_ok and dow_ok

    def _starts_on(self, day):
        """The epoch starts of one local day, skipping wall times that do not exist there."""
        found = self._cache.get(day)
        if found is None:
            found = []
            if self._day_matches(day):
                for minute in self._starts:
                    naive = datetime.datetime(day.year, day.month, day.day, minute // 60, minute % 60)
                    epoch = naive.replace(tzinfo=self._zone).timestamp()
                    back = datetime.datetime.fromtimestamp(epoch, self._zone).replace(tzinfo=None)
                    if back == naive:
                        found.append(epoch)
            if len(self._cache) > 4096:
                self._cache.clear()
            self._cache[day] = found
        return found

    def _local_day(self, epoch):
        return datetime.datetime.fromtimestamp(epoch, self._zone).date()

    def closes_at(self, epoch):
        """When the opening that contains ``epoch`` ends (the latest end if openings overlap); ``None`` if closed."""
        day = self._local_day(epoch - self.duration)
        last = self._local_day(epoch)
        end = None
        while day <= last:
            for start in self._starts_on(day):
                if start <= epoch < start + self.duration:
                    end = max(end or 0, start + self.duration)
            day += datetime.timedelta(days=1)
        return end

    def is_open(self, epoch):
        return self.closes_at(epoch) is not None

    def next_opening(self, epoch):
        if self.is_open(epoch):
            return float(epoch)
        day = self._local_day(epoch)
        for dummy in range(SEARCH_DAYS + 1):
            for start in self._starts_on(day):
                if start >= epoch:
                    return float(start)
            day += datetime.timedelta(days=1)
        return None

    def describe(self):
        return "%s for %s (%s)" % (self.cron, duration_text(self.duration), self.timezone)


def duration_text(seconds):
    parts = []
    for unit, size in (("d", DAY), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append("%d%s" % (seconds // size, unit))
            seconds %= size
    return "".join(parts) or "0s"


def parse_duration(value, option):
    """Seconds from 3600, "3600", "90m", "4h", "1h30m", "2d", "45s"."""
    if isinstance(value, bool) or value is None:
        raise RolloutError("%s: a duration is required, e.g. 4h, 90m or 3600 (seconds)" % option)
    if isinstance(value, (int, float)):
        seconds = int(value)
    else:
        text = str(value).strip().lower()
        match = DURATION_RE.match(text) if text else None
        if text.isdigit():
            seconds = int(text)
        elif match and any(match.groups()):
            days, hours, minutes, secs = (int(g or 0) for g in match.groups())
            seconds = days * DAY + hours * 3600 + minutes * 60 + secs
        else:
            raise RolloutError("%s: duration %r is not like 4h, 90m, 1h30m, 2d or 3600 (seconds)" % (option, value))
    if seconds <= 0:
        raise RolloutError("%s: duration must be greater than 0, got %r" % (option, value))
    return seconds


def parse_window(value, option, default_timezone="UTC"):
    """One window from ``{"start": "<cron>", "duration": "4h", "timezone": "Europe/Berlin"}``; empty = ``None``."""
    if value in (None, "", {}):
        return None
    if not isinstance(value, dict):
        raise RolloutError("%s: a window is a dictionary with start (cron), duration and optionally timezone, got %r"
                           % (option, value))
    unknown = sorted(set(value) - set(WINDOW_KEYS))
    if unknown:
        raise RolloutError("%s: unknown keys %s (allowed: %s)" % (option, ", ".join(unknown), ", ".join(WINDOW_KEYS)))
    if not str(value.get("start") or "").strip():
        raise RolloutError("%s: a window needs a start (cron: minute hour day-of-month month day-of-week)" % option)
    if value.get("duration") in (None, ""):
        raise RolloutError("%s: a window needs a duration (e.g. 4h), from %d s to 7 days" % (option, MIN_DURATION))
    duration = parse_duration(value["duration"], option)
    if not MIN_DURATION <= duration <= MAX_DURATION:
        raise RolloutError("%s: a window's duration must be from 1 minute to 7 days, got %r"
                           % (option, value["duration"]))
    return Window(value["start"], duration, value.get("timezone") or default_timezone or "UTC", option)


def parse_windows(value, option, default_timezone="UTC"):
    """A window or a list of windows (any of them open means open); ``()``: always open."""
    if isinstance(value, str) and value.strip().startswith(("{", "[")):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise RolloutError("%s: not valid JSON (%s)" % (option, exc))
    if value in (None, "", [], {}):
        return ()
    if isinstance(value, dict):
        return (parse_window(value, option, default_timezone),)
    if not isinstance(value, (list, tuple)):
        raise RolloutError("%s: expected a window dictionary or a list of them, got %r" % (option, value))
    windows = [parse_window(item, "%s[%d]" % (option, index), default_timezone) for index, item in enumerate(value)]
    return tuple(w for w in windows if w is not None)


def windows_open(windows, epoch):
    return not windows or any(w.is_open(epoch) for w in windows)


def next_opening(windows, epoch):
    if not windows:
        return float(epoch)
    found = [at for at in (w.next_opening(epoch) for w in windows) if at is not None]
    return min(found) if found else None


def parse_time(value, option):
    """Epoch seconds from an ISO 8601 time with a timezone ("2026-12-06T02:00:00Z", "...+01:00")."""
    if isinstance(value, datetime.datetime):
        moment = value
    elif isinstance(value, datetime.date):
        raise RolloutError("%s: %s is a date; give a time with a timezone, e.g. %sT02:00:00Z" % (option, value, value))
    else:
        text = str(value or "").strip()
        try:
            moment = datetime.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
        except ValueError:
            raise RolloutError("%s: %r is not an ISO 8601 time such as 2026-12-06T02:00:00Z" % (option, value))
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise RolloutError("%s: %r needs a timezone (Z or an offset such as +01:00)" % (option, str(value)))
    return moment.timestamp()


def parse_schedule(stage, option):
    """``{"start_at", "end_at", "at_end"}`` of a stage dict (times as epochs, ``None`` when not set)."""
    start = stage.get("start_at")
    end = stage.get("end_at")
    at_end = stage.get("at_end")
    out = {"start_at": parse_time(start, "%s: start_at" % option) if start not in (None, "") else None,
           "end_at": parse_time(end, "%s: end_at" % option) if end not in (None, "") else None,
           "at_end": str(at_end).strip().lower() if at_end not in (None, "") else "stop"}
    if out["at_end"] not in ("stop", "cancel"):
        raise RolloutError("%s: at_end must be stop or cancel, got %r" % (option, at_end))
    if at_end not in (None, "") and out["end_at"] is None:
        raise RolloutError("%s: at_end needs an end_at" % option)
    if out["start_at"] is not None and out["end_at"] is not None and out["end_at"] <= out["start_at"]:
        raise RolloutError("%s: end_at must be after start_at" % option)
    return out


def ramp_sizes(total, start, factor, maximum):
    """Chunk sizes start, start*factor, ... (each at least 1, at most ``maximum``) that add up to ``total``."""
    sizes, placed, size = [], 0, float(max(1, start))
    while placed < total:
        step = max(1, min(int(size), int(maximum), total - placed))
        sizes.append(step)
        placed += step
        size *= factor
    return sizes


def _ramp_number(value, key, option, minimum, maximum=None, integer=False):
    if isinstance(value, bool):
        raise RolloutError("%s: %s must be a number, got %r" % (option, key, value))
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise RolloutError("%s: %s must be a number, got %r" % (option, key, value))
    if integer and number != int(number):
        raise RolloutError("%s: %s must be a whole number, got %r" % (option, key, value))
    if number < minimum or (maximum is not None and number > maximum):
        rule = "from %s to %s" % (_fmt(minimum), _fmt(maximum)) if maximum is not None else "at least %s" % _fmt(minimum)
        if key == "factor":
            rule += " (a ramp factor below 1 would shrink the chunks)"
        raise RolloutError("%s: %s must be %s, got %r" % (option, key, rule, value))
    return int(number) if integer else number


def parse_ramp(value, option, maximum):
    """``{"start", "factor", "max_failure_rate"}`` or ``None`` (no ramp)."""
    if isinstance(value, str) and value.strip().startswith("{"):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise RolloutError("%s: not valid JSON (%s)" % (option, exc))
    if value in (None, "", {}):
        return None
    if not isinstance(value, dict):
        raise RolloutError("%s: a ramp is a dictionary with start, factor and max_failure_rate, got %r" % (option, value))
    unknown = sorted(set(value) - set(RAMP_KEYS))
    if unknown:
        raise RolloutError("%s: unknown keys %s (allowed: %s)" % (option, ", ".join(unknown), ", ".join(RAMP_KEYS)))
    if value.get("start") is None or value.get("factor") is None:
        raise RolloutError("%s: a ramp needs start (devices in the first chunk) and factor (at least 1)" % option)
    return {"start": _ramp_number(value["start"], "start", option, 1, maximum, integer=True),
            "factor": _ramp_number(value["factor"], "factor", option, 1),
            "max_failure_rate": _ramp_number(value.get("max_failure_rate", 10), "max_failure_rate", option, 0, 100)}


def parse_concurrency(value, option):
    """Caps ``{key: devices}`` (whole numbers >= 1); ``{}`` when unset."""
    if isinstance(value, str) and value.strip().startswith("{"):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise RolloutError("%s: not valid JSON (%s)" % (option, exc))
    if value in (None, "", {}):
        return {}
    if not isinstance(value, dict):
        raise RolloutError("%s: expected a dictionary of caps such as {<platform>: 1000, \"group:<inventory group>\": "
                           "200}, got %r" % (option, value))
    caps = {}
    for key, cap in value.items():
        caps[str(key)] = _ramp_number(cap, "the cap of %s" % key, option, 1, integer=True)
    return caps
