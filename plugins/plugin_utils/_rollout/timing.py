# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Time and pace of the stages, pure logic: durations, times, stage schedules, the exponential ramp and the pace
caps. No I/O, no clock: every function takes the time it is asked about as POSIX epoch seconds. The maintenance
windows are in :mod:`.windows` (their cron starts in :mod:`.cron`).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import math
import re

from .common import RolloutError, utc_text


DEFAULT_MAX_FAILURE_RATE = 10.0
AT_END_CHOICES = ("stop", "cancel")
RAMP_KEYS = ("start", "factor", "max_failure_rate")
TIME_EXAMPLE = "2026-12-06T02:00:00Z or 2026-12-06T03:00:00+01:00"
DURATION_RULE = "seconds (3600) or a number with d, h, m, s (90m, 4h, 1h30m, 2d)"

_UNITS = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))
_DURATION_RE = re.compile(r"^(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*(?:(\d+)\s*s)?$")


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
# JSON text (an INI inventory, an AWX survey): windows, ramps and caps may come as text


def _maybe_json(value, option):
    """Text that holds a JSON dict or list (an INI inventory, an AWX survey) is read as such."""
    if isinstance(value, str) and value.strip()[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError as exc:
            raise RolloutError("%s: %r is not valid JSON (%s)" % (option, value, exc))
    return value


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
                           % (option, utc_text(result["end_at"]), utc_text(result["start_at"])))
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
