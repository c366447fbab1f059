# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Stages and gates as the operator gives them (lists, JSON, the survey text form), validated; boundaries and coverage."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib
import json
import math
import re

from . import timing
from .common import GATE_DEFAULTS, GATE_KEYS, RolloutError, STAGE_KEYS, _bool, _fmt, _number, _text


def normalize_gate(values, where="gate", base=None):
    """Resolve a gate: ``values`` override ``base`` (which defaults to :data:`GATE_DEFAULTS`); ``None`` = inherit."""
    gate = dict(base or GATE_DEFAULTS)
    for key in GATE_KEYS:
        value = (values or {}).get(key)
        if value is None:
            continue
        if key in ("success_percent", "error_percent"):
            gate[key] = _number(value, key, where, minimum=0, maximum=100)
        elif key in ("min_finished", "pause_seconds"):
            gate[key] = _number(value, key, where, integer=True, minimum=0)
        elif key == "timeout":
            gate[key] = _number(value, key, where, integer=True, minimum=1)
        else:
            gate[key] = _bool(value, key, where)
    return gate


# keys of a stage dict that set when and how fast its wave is dispatched (``dispatch.py``); not in the text form
DISPATCH_KEYS = ("start_at", "end_at", "at_end", "ramp")
# a ramp's first step is capped later at the platform's chunk size
RAMP_LIMIT = 10 ** 9
STAGES_TEXT_FORM = "name:count or name:percent%, comma-separated, e.g. canary:10,wave1:10%,rest:100%"
STAGE_SIZE_RULE = ("a stage is name:count (count a whole number >= 0) or name:percent% (percent 0 < p <= 100), "
                   "e.g. canary:10,wave1:10%,rest:100%")
STAGE_GATE_RULE = "gate overrides follow as :key=value with key one of %s (e.g. wave1:10%%:approval=true)" % ", ".join(
    GATE_KEYS)
STAGE_COUNT_RE = re.compile(r"^[0-9]+$")
STAGE_PERCENT_RE = re.compile(r"^([0-9]+(?:\.[0-9]+)?|\.[0-9]+)\s*%$")


def parse_stage_text(text, where):
    """One stage of the survey form: ``name:count`` or ``name:percent%``, then optional ``:key=value`` gate overrides.

    Every rule of the text form is checked here, and an error names ``staged_rollout_stages``, the item as written
    and the rule it breaks.
    """
    def refuse(problem, rule=STAGE_SIZE_RULE):
        raise RolloutError("staged_rollout_stages: %s %r: %s; %s" % (where, text.strip(), problem, rule))

    if not text.strip():
        refuse("empty item (two commas in a row, or a comma at the start or end)")
    parts = [part.strip() for part in text.split(":")]
    if len(parts) < 2:
        refuse("no ':' between the stage name and its size")
    name, size = parts[0], parts[1]
    if not name:
        refuse("no stage name before the ':'")
    stage = {"name": name}
    if STAGE_COUNT_RE.match(size):
        stage["count"] = int(size)
    elif STAGE_PERCENT_RE.match(size):
        percent = float(STAGE_PERCENT_RE.match(size).group(1))
        if not 0 < percent <= 100:
            refuse("percent %s is not in 0 < p <= 100" % size)
        stage["percent"] = percent
    elif not size:
        refuse("no size after the ':'")
    elif size.startswith("-"):
        refuse("size %r is negative" % size)
    elif re.match(r"^[0-9]*\.[0-9]+$|^[0-9]+\.[0-9]*$", size):
        refuse("count %r is not a whole number (or add %% for a percent)" % size)
    elif size.endswith("%"):
        refuse("percent %r is not a number followed by one %%" % size)
    else:
        refuse("size %r is neither a count nor a percent" % size)
    for part in parts[2:]:
        key, sep, value = [item.strip() for item in part.partition("=")]
        if not part:
            refuse("empty gate override after a ':'", STAGE_GATE_RULE)
        if not sep:
            refuse("gate override %r has no '='" % part, STAGE_GATE_RULE)
        if key not in GATE_KEYS:
            close = difflib.get_close_matches(key, GATE_KEYS, 1)
            refuse("unknown gate key %r%s" % (key, " (did you mean %s?)" % close[0] if close else ""), STAGE_GATE_RULE)
        if key in stage:
            refuse("gate key %r given twice" % key, STAGE_GATE_RULE)
        if not value:
            refuse("gate override %r has no value" % part, STAGE_GATE_RULE)
        try:
            normalize_gate({key: value}, "gate override %r" % part)
        except RolloutError as exc:
            refuse(str(exc), STAGE_GATE_RULE)
        stage[key] = value
    return stage


def parse_stages(stages):
    """Stages as the operator may give them: a list of dicts, a JSON list, or the survey form.

    AWX surveys and ``-e key=value`` pass text, so ``"canary:10,wave1:10%,rest:100%"`` and a JSON
    document are accepted as well as a list of dicts; list items may also be single stages in text form.
    Spaces around items are ignored; an empty item (``canary:10,,rest:100%``) is refused.
    """
    if isinstance(stages, str):
        text = stages.strip()
        if text.startswith("["):
            try:
                stages = json.loads(text)
            except ValueError as exc:
                raise RolloutError("staged_rollout_stages: not a valid JSON list (%s)" % exc)
        elif not text:
            stages = []
        else:
            stages = text.split(",")
    if not isinstance(stages, (list, tuple)):
        return stages
    return [parse_stage_text(stage, "stage #%d" % index) if isinstance(stage, str) else stage
            for index, stage in enumerate(stages, 1)]


def normalize_stages(stages, gate_defaults=None, ramp_default=None):
    """Validate the stage list; return stages with their resolved gate.

    Each stage needs a unique ``name`` and exactly one of ``count`` (devices, >= 0) or ``percent``
    (0 < p <= 100, cumulative share of the whole fleet); gate keys override the rollout's defaults.
    ``stages`` may be in any form :func:`parse_stages` accepts.
    """
    stages = parse_stages(stages)
    if not isinstance(stages, (list, tuple)) or not stages:
        raise RolloutError("staged_rollout_stages must be a non-empty list of stages (or the text form %s)"
                           % STAGES_TEXT_FORM)
    base = normalize_gate(gate_defaults, "gate defaults")
    result = []
    names = set()
    for index, stage in enumerate(stages):
        where = "staged_rollout_stages: stage #%d" % (index + 1)
        if not isinstance(stage, dict):
            raise RolloutError("%s: expected a dict with name and count or percent, got %r" % (where, stage))
        name = _text(stage.get("name"))
        if not name:
            raise RolloutError("%s: a stage needs a name" % where)
        where = "staged_rollout_stages: stage %r" % name
        if name in names:
            raise RolloutError("%s: stage names must be unique" % where)
        names.add(name)
        allowed = STAGE_KEYS + DISPATCH_KEYS
        unknown = sorted(set(stage) - set(allowed))
        if unknown:
            raise RolloutError("%s: unknown keys %s (allowed: %s)" % (where, ", ".join(unknown), ", ".join(allowed)))
        has_count = stage.get("count") is not None
        has_percent = stage.get("percent") is not None
        if has_count == has_percent:
            raise RolloutError("%s: give exactly one of count or percent; %s" % (where, STAGE_SIZE_RULE))
        key = "count" if has_count else "percent"
        try:
            finite = not (math.isnan(float(stage[key])) or math.isinf(float(stage[key])))
        except (TypeError, ValueError):
            finite = True  # not a number at all: _number says so
        if not finite:
            raise RolloutError("%s: %s must be a finite number, got %r; %s" % (where, key, stage[key], STAGE_SIZE_RULE))
        entry = {"name": name, "count": None, "percent": None}
        if has_count:
            entry["count"] = _number(stage["count"], "count", where, integer=True, minimum=0)
        else:
            entry["percent"] = _number(stage["percent"], "percent", where, minimum=0, maximum=100)
            if entry["percent"] <= 0:
                raise RolloutError("%s: percent must be greater than 0" % where)
        entry["gate"] = normalize_gate(stage, where, base)
        entry["schedule"] = timing.parse_schedule(stage, where)
        ramp = stage.get("ramp") if stage.get("ramp") is not None else ramp_default
        entry["ramp"] = timing.parse_ramp(ramp, "%s: ramp" % where if stage.get("ramp") is not None
                                          else "staged_rollout_ramp", RAMP_LIMIT)
        result.append(entry)
    return result


def stage_boundaries(stages, fleet_size):
    """Cumulative end position of every stage in the ranked fleet.

    ``count`` takes that many more devices; ``percent`` extends the covered share of the whole fleet
    to ``ceil(percent * fleet_size / 100)`` devices (``percent: 100`` = everything left). A percent
    that is already covered yields an empty stage.
    """
    ends = []
    position = 0
    for stage in stages:
        if stage["count"] is not None:
            position = min(fleet_size, position + stage["count"])
        else:
            target = int(math.ceil(round(stage["percent"] * fleet_size / 100.0, 9)))
            position = max(position, min(fleet_size, target))
        ends.append(position)
    return ends


def coverage(stages, fleet_size):
    """How much of the selected fleet the (normalized) ``stages`` reach.

    Returns ``{"fleet", "covered", "uncovered", "last_stage", "problem"}``: ``last_stage`` is the last stage's
    ``{"name", "count", "percent"}`` (``None`` without stages), ``problem`` the operator's text when selected devices
    are in no stage (``None`` when every device is covered). A last stage given as a count is the likely typo
    (``rest:100`` for ``rest:100%``).
    """
    fleet_size = int(fleet_size)
    ends = stage_boundaries(stages, fleet_size)
    covered = ends[-1] if ends else 0
    uncovered = fleet_size - covered
    last = stages[-1] if stages else None
    result = {"fleet": fleet_size, "covered": covered, "uncovered": uncovered,
              "last_stage": dict((key, last.get(key)) for key in ("name", "count", "percent")) if last else None,
              "problem": None}
    if uncovered <= 0:
        return result
    way_out = "set staged_rollout_allow_uncovered=true to leave them out on purpose"
    if last is None:
        hint = "no stage; add one such as rest:100%, or " + way_out
    elif last.get("count") is not None:
        hint = ("the last stage %r is a count of %d device%s, not a percent; write %s:100%% to cover the rest of the "
                "fleet, or %s" % (last["name"], last["count"], "" if last["count"] == 1 else "s", last["name"], way_out))
    else:
        names = set(stage["name"] for stage in stages)
        extra = "rest" if "rest" not in names else next(
            "rest%d" % number for number in range(2, len(names) + 3) if "rest%d" % number not in names)
        hint = ("the last stage %r ends at %s%% of the fleet; end the stages with one of 100%%, e.g. add %s:100%%, to "
                "cover the rest of the fleet, or %s" % (last["name"], _fmt(last["percent"]), extra, way_out))
    result["problem"] = ("staged_rollout_stages cover %d of %d selected devices: %d %s in no stage (%s)"
                         % (covered, fleet_size, uncovered, "is" if uncovered == 1 else "are", hint))
    return result
