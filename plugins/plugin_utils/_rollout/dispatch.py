# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Which chunks of a started wave go to the platforms now: the stage's schedule, the devices' maintenance windows,
the ramp and the pace (devices upgrading at once per platform and per inventory group).

Pure functions: the wave driver gives the chunks, the time and what is still in progress, and gets back the chunks to
create now, why the others wait and when the next one can go. A chunk is *dispatched* once it has a task (or was
settled without one); a dispatched chunk is never dispatched again.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import math

from .common import RolloutError, _fmt, utc_text
from . import timing
from .windows import next_opening, parse_windows, windows_open


def dispatched(chunk):
    return chunk.get("task_id") not in (None, "") or bool(chunk.get("settled"))


def chunk_scope(chunk):
    return (chunk["platform"], chunk.get("product_id") or "")


_WINDOW_CACHE = {}


def windows_of(chunk):
    """The chunk's maintenance windows (``()``: always open), rebuilt from the plain dicts the journal keeps."""
    raw = chunk.get("window")
    if not raw:
        return ()
    key = json.dumps(raw, sort_keys=True)
    found = _WINDOW_CACHE.get(key)
    if found is None:
        found = _WINDOW_CACHE[key] = parse_windows(raw, "chunk %s window" % chunk.get("key"))
    return found


def parse_caps(value, platforms, option="staged_rollout_max_in_progress"):
    """``{platform: n, "group:<name>": n}``: checked against the known platform names."""
    caps = timing.parse_concurrency(value, option)
    for key in caps:
        if not key.startswith("group:") and key not in platforms:
            raise RolloutError("%s: unknown key %r; use a platform name (%s) or group:<inventory group>"
                               % (option, key, ", ".join(platforms)))
        if key.startswith("group:") and not key[len("group:"):].strip():
            raise RolloutError("%s: %r names no inventory group" % (option, key))
    return caps


def group_caps(caps):
    return dict((key[len("group:"):], value) for key, value in (caps or {}).items() if key.startswith("group:"))


def _share(count, in_progress, size):
    """Devices of ``count`` (a chunk's devices in one group) still in progress, when ``in_progress`` of the chunk's
    ``size`` devices are: the platform reports a task as a whole, so the group's share is estimated, rounded up."""
    if not size or not in_progress:
        return 0
    return int(math.ceil(float(count) * in_progress / size))


def load(chunks, in_progress, caps):
    """Devices upgrading now per cap key (platform, ``group:<name>``), from the dispatched chunks."""
    current = dict((key, 0) for key in caps or {})
    for chunk in chunks:
        if not dispatched(chunk):
            continue
        busy = int(in_progress.get(chunk["key"], 0))
        if chunk["platform"] in current:
            current[chunk["platform"]] += busy
        for group, count in (chunk.get("groups") or {}).items():
            if "group:%s" % group in current:
                current["group:%s" % group] += _share(count, busy, len(chunk["devices"]))
    return current


def _demand(chunk, caps):
    out = {}
    if chunk["platform"] in caps:
        out[chunk["platform"]] = len(chunk["devices"])
    for group, count in (chunk.get("groups") or {}).items():
        if "group:%s" % group in caps:
            out["group:%s" % group] = int(count)
    return out


def _ramp_block(chunk, chunks, in_progress, finished, ramp):
    """Why a ramp step waits (``(reason, abort)``): the steps before it must have finished, with a failure rate
    at most ``max_failure_rate`` of their finished devices."""
    step = int(chunk.get("ramp_step") or 0)
    if not ramp or step == 0:
        return None, False
    earlier = [c for c in chunks if chunk_scope(c) == chunk_scope(chunk) and int(c.get("ramp_step") or 0) < step]
    if any(not dispatched(c) or in_progress.get(c["key"], 0) for c in earlier):
        return "ramp: waits for the previous step to finish", False
    done = failed = 0
    for c in earlier:
        ended, bad = finished.get(c["key"], (0, 0))
        done += ended
        failed += bad
    if done and 100.0 * failed / done > ramp["max_failure_rate"]:
        return ("ramp: %d of %d finished devices failed (%s %% > max_failure_rate %s %%); the next, larger step is "
                "not dispatched" % (failed, done, _fmt(round(100.0 * failed / done, 2)),
                                    _fmt(ramp["max_failure_rate"]))), True
    return None, False


def choose(chunks, now, control, in_progress=None, finished=None):
    """Decide the dispatch of a wave's chunks at ``now``.

    ``control``: ``{"schedule": {start_at, end_at, at_end}, "caps": {...}, "ramp": {...} | None}``;
    ``in_progress``: ``{chunk key: devices still in progress}`` of the dispatched chunks;
    ``finished``: ``{chunk key: (finished devices, failed devices)}``.

    Returns ``{"dispatch": [keys], "waiting": {key: reason}, "next_at": epoch | None, "ended": bool,
    "abort": reason | None}``. ``next_at`` is the earliest time a waiting chunk's schedule or window opens (pace and
    ramp waits end with progress, not at a time); ``ended``: the schedule's end passed with chunks not dispatched.
    """
    in_progress = in_progress or {}
    finished = finished or {}
    schedule = control.get("schedule") or {}
    caps = control.get("caps") or {}
    ramp = control.get("ramp")
    out = {"dispatch": [], "waiting": {}, "next_at": None, "ended": False, "abort": None}
    current = load(chunks, in_progress, caps)

    def later(at):
        if at is not None and (out["next_at"] is None or at < out["next_at"]):
            out["next_at"] = at

    for chunk in chunks:
        if dispatched(chunk):
            continue
        key = chunk["key"]
        if schedule.get("end_at") is not None and now >= schedule["end_at"]:
            out["ended"] = True
            out["waiting"][key] = "the stage's end_at (%s) has passed" % utc_text(schedule["end_at"])
            continue
        if schedule.get("start_at") is not None and now < schedule["start_at"]:
            out["waiting"][key] = "the stage starts at %s" % utc_text(schedule["start_at"])
            later(schedule["start_at"])
            continue
        windows = windows_of(chunk)
        if windows and not windows_open(windows, now):
            opening = next_opening(windows, now)
            out["waiting"][key] = "maintenance window closed (%s); opens %s" % (
                "; ".join(w.describe() for w in windows), utc_text(opening) if opening else "never within a year")
            later(opening)
            continue
        reason, abort = _ramp_block(chunk, chunks, in_progress, finished, ramp)
        if abort:
            out["abort"] = reason
            return out
        if reason:
            out["waiting"][key] = reason
            continue
        demand = _demand(chunk, caps)
        full = [name for name, add in demand.items() if current[name] and current[name] + add > caps[name]]
        if full:
            out["waiting"][key] = "pace: %s" % ", ".join(
                "%s has %d devices upgrading (at most %d)" % (name, current[name], caps[name]) for name in full)
            continue
        for name, add in demand.items():
            current[name] += add
        out["dispatch"].append(key)
    return out


def control_of(wave, options):
    """The dispatch control of a planned wave: its stage's schedule and ramp, the rollout's caps."""
    return {"schedule": wave.get("schedule") or {}, "ramp": wave.get("ramp"),
            "caps": options.get("max_in_progress") or {}}


def paced(control, chunks):
    """Whether a wave dispatches over time (anything beyond create-everything-now)."""
    return bool((control.get("schedule") or {}).get("start_at") or (control.get("schedule") or {}).get("end_at")
                or control.get("ramp") or control.get("caps") or any(c.get("window") for c in chunks))


def plan_lines(wave, caps):
    """What the dispatch of a wave will do, for the plan (``--check``)."""
    lines = []
    schedule = wave.get("schedule") or {}
    if schedule.get("start_at") is not None:
        lines.append("  schedule: starts at %s" % utc_text(schedule["start_at"]))
    if schedule.get("end_at") is not None:
        lines.append("  schedule: stops dispatching at %s%s" % (
            utc_text(schedule["end_at"]),
            ", then cancels the tasks still running" if schedule.get("at_end") == "cancel" else ""))
    windows = {}
    for chunk in wave.get("chunks") or []:
        if chunk.get("window"):
            text = "; ".join(w.describe() for w in windows_of(chunk))
            windows[text] = windows.get(text, 0) + len(chunk["devices"])
    for text in sorted(windows):
        lines.append("  window: %d devices only inside %s" % (windows[text], text))
    ramp = wave.get("ramp")
    if ramp:
        steps = sorted(set(len(c["devices"]) for c in wave.get("chunks") or [] if c.get("ramp_step") is not None),
                       key=int)
        lines.append("  ramp: steps of %s devices (start %d, factor %s); each after the one before finished with "
                     "<= %s %% failed" % (", ".join(str(s) for s in steps[:8]) + (", ..." if len(steps) > 8 else ""),
                                          ramp["start"], _fmt(ramp["factor"]), _fmt(ramp["max_failure_rate"])))
    for key in sorted(caps or {}):
        lines.append("  pace: at most %d devices of %s upgrading at once" % (caps[key], key))
    return lines
