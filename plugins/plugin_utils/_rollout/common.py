# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The rollout's vocabulary: statuses, gate keys, the rollout id rule, small checks shared by the modules."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import calendar
import re
import time

# How the rollout writes every time (journal, events, reports, plan lines, host variables): UTC, to the second.
UTC_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

STATE_FORMAT = 1
GATE_DEFAULTS = {
    "success_percent": 95.0,
    "error_percent": 10.0,
    "min_finished": 5,
    "timeout": 3600,
    "pause_seconds": 0,
    "approval": False,
}
GATE_KEYS = tuple(sorted(GATE_DEFAULTS))
STAGE_KEYS = ("name", "count", "percent") + GATE_KEYS
SUMMARY_KEYS = ("total", "succeeded", "failed", "in_progress", "finished", "success_percent", "failure_percent")
WAVE_PENDING = "pending"
WAVE_STARTED = "started"
WAVE_PASSED = "passed"
WAVE_ABORTED = "aborted"
ROLLOUT_RUNNING = "running"
ROLLOUT_COMPLETED = "completed"
ROLLOUT_ABORTED = "aborted"
ROLLOUT_FAILED = "failed"
ROLLOUT_AWAITING_APPROVAL = "awaiting_approval"
# a started wave's remaining chunks wait for their stage's schedule or their devices' maintenance windows
ROLLOUT_AWAITING_WINDOW = "awaiting_window"
# a wave passed its gate; the health-check tasks (any Ansible modules) decide pass / abort / wait before the next wave
ROLLOUT_AWAITING_HEALTH = "awaiting_health"
HEALTH_DECISIONS = ("pass", "abort", "wait")
# staged_rollout_command=pause: nothing more is dispatched until a run with staged_rollout_command=resume
ROLLOUT_PAUSED = "paused"
# every wave ended, but the stages leave selected devices in no wave (staged_rollout_allow_uncovered)
ROLLOUT_INCOMPLETE = "incomplete"
ROLLOUT_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class RolloutError(Exception):
    """Invalid input or a state that does not allow the requested run; the message is for the operator."""


def validate_rollout_id(rollout_id):
    """The rollout id names the state and report files and tags the platforms' tasks: keep it file-name safe."""
    rollout_id = _text(rollout_id)
    if not rollout_id:
        raise RolloutError("staged_rollout_id is required")
    if not ROLLOUT_ID_RE.match(rollout_id):
        raise RolloutError("staged_rollout_id %r must start with a letter or digit and contain only letters, digits, "
                           "'.', '_' and '-' (at most 128 characters)" % rollout_id)
    return rollout_id


def _text(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return None
    value = str(value).strip()
    return value or None


def _number(value, name, where, integer=False, minimum=None, maximum=None):
    if isinstance(value, bool) or value is None:
        raise RolloutError("%s: %s must be a number, got %r" % (where, name, value))
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise RolloutError("%s: %s must be a number, got %r" % (where, name, value))
    if integer:
        if number != int(number):
            raise RolloutError("%s: %s must be a whole number, got %r" % (where, name, value))
        number = int(number)
    if minimum is not None and number < minimum:
        raise RolloutError("%s: %s must be at least %s, got %r" % (where, name, minimum, value))
    if maximum is not None and number > maximum:
        raise RolloutError("%s: %s must be at most %s, got %r" % (where, name, maximum, value))
    return number


def _bool(value, name, where):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("yes", "true", "on", "1", "no", "false", "off", "0"):
        return value.strip().lower() in ("yes", "true", "on", "1")
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise RolloutError("%s: %s must be a boolean, got %r" % (where, name, value))


def chunked(items, size):
    size = max(1, int(size))
    return [items[start:start + size] for start in range(0, len(items), size)]


def _fmt(number):
    if number is None:
        return "-"
    if float(number) == int(number):
        return str(int(number))
    return ("%.2f" % number).rstrip("0").rstrip(".")


def _percent(part, whole):
    return round(100.0 * part / whole, 2) if whole else 0.0


def utc_text(epoch):
    """``2026-12-06T02:00:00Z``: ``epoch`` seconds as the rollout writes times (:data:`UTC_FORMAT`)."""
    return time.strftime(UTC_FORMAT, time.gmtime(epoch))


def parse_utc(text):
    """Epoch seconds of a time written by :func:`utc_text`; ValueError for any other text."""
    return float(calendar.timegm(time.strptime(text, UTC_FORMAT)))
