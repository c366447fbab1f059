# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Cron expressions, the start of a maintenance window (:mod:`.windows`): parsed, checked and normalized. Pure logic,
no clock.

Five fields ``minute hour day-of-month month day-of-week`` with ``*``, numbers, ranges ``a-b``, lists ``a,b``
and steps ``*/n``, ``a-b/n``, ``a/n``; month and weekday names (``jan``, ``mon``); day of week 0-7 with 0 and 7 =
Sunday; the macros ``@hourly``, ``@daily`` (``@midnight``), ``@weekly``, ``@monthly``, ``@yearly`` (``@annually``).
When both day of month and day of week are restricted, a day matches if either matches (a field is restricted when
it does not cover its whole range).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from .common import RolloutError


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
