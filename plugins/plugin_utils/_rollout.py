# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Staged rollout, pure logic on the controller: wave planning, gate evaluation, resume state, reports.

Nothing in here does I/O or knows about Ansible; the action plugins ``rollout_plan``, ``rollout_wave``,
``rollout_gate`` and ``rollout_state`` and the engine (``_engine/``) feed it data and persist what it returns.
Controller-only: the argument specs the modules' documentation stubs need are in ``module_utils/_rollout_args``.

Vocabulary
----------
device   ``{"uid", "platform", "id", "product_id", "version", "host"}``; ``uid`` is the identity used
         for hashing and de-duplication: the Huawei device ID, or ``<product_id>/<device name>`` for
         Tencent (device names are only unique within a product).
stage    what the operator asks for: ``{"name", "count" | "percent", gate overrides...}``.
wave     a stage resolved against the fleet: its devices, split into platform chunks (one platform
         task each), plus its gate.
gate     ``{"success_percent", "error_percent", "min_finished", "timeout", "pause_seconds", "approval"}``.
state    the JSON document persisted after every step (see :func:`apply_event`).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import difflib
import hashlib
import json
import math
import re

# the argument specs of the controller plugins (their documentation stubs in plugins/modules read them) and the
# constants they share with the planning
from ansible_collections.iotfleet.firmware.plugins.module_utils._rollout_args import (
    EVENTS, HUAWEI_MAX_CHUNK, TENCENT_DEFAULT_CHUNK)

PLATFORMS = ("huawei", "tencent")
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
# every wave ended, but the stages leave selected devices in no wave (staged_rollout_allow_uncovered)
ROLLOUT_INCOMPLETE = "incomplete"

# What the engine sends (plan lines)
HUAWEI_CREATE_CALL = "/iodm/northbound/v1.5.0/operations/firmwareUpgrade"
HUAWEI_LIST_CALL = "/iodm/northbound/v1.5.0/operations"
TENCENT_CREATE_CALL = "BatchUpdateFirmware"
TENCENT_POLL_CALL = "DescribeFirmwareTaskDevices"


ROLLOUT_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class RolloutError(Exception):
    """Invalid input or a state that does not allow the requested run; the message is for the operator."""


# A poll round's Huawei reads stay under this share of the documented 100 calls per minute (creates of the next
# wave, other runs and the token refresh get the rest).
HUAWEI_POLL_CALLS_PER_MINUTE = 80
HUAWEI_TASK_PAGE = 100  # tasks per page of the Huawei task list (GET /operations with staResult)


def poll_interval(poll_seconds, huawei_tasks):
    """Seconds between two progress rounds of a wave: the configured value, raised only when one round's Huawei
    task-list pages (:data:`HUAWEI_TASK_PAGE` tasks each) would exceed :data:`HUAWEI_POLL_CALLS_PER_MINUTE` at that
    pace (Tencent reads 20 per second: never the bound)."""
    pages = -(-int(huawei_tasks) // HUAWEI_TASK_PAGE)
    return max(1, int(poll_seconds), -(-pages * 60 // HUAWEI_POLL_CALLS_PER_MINUTE))


def validate_rollout_id(rollout_id):
    """The rollout id names the state and report files and tags Tencent tasks: keep it file-name safe."""
    rollout_id = _text(rollout_id)
    if not rollout_id:
        raise RolloutError("staged_rollout_id is required")
    if not ROLLOUT_ID_RE.match(rollout_id):
        raise RolloutError("staged_rollout_id %r must start with a letter or digit and contain only letters, digits, "
                           "'.', '_' and '-' (at most 128 characters)" % rollout_id)
    return rollout_id


# --------------------------------------------------------------------------- devices

def device_uid(platform, device_id, product_id=None):
    if platform == "tencent":
        return "%s/%s" % (product_id, device_id)
    return device_id


def rank_key(rollout_id, uid):
    """The stable position of a device in a rollout: sha256 of ``<rollout_id>:<uid>``."""
    return hashlib.sha256(("%s:%s" % (rollout_id, uid)).encode("utf-8")).hexdigest()


def _text(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return None
    value = str(value).strip()
    return value or None


def normalize_device(raw, where="device"):
    """Validate one device description and return ``(device, error)``.

    Accepted keys: ``platform``, ``id`` (or ``device_id`` / ``name``), ``product_id``, ``version``
    (current firmware version, optional), ``host`` (inventory host name, informational).
    """
    if not isinstance(raw, dict):
        return None, "%s: expected a dict, got %s" % (where, type(raw).__name__)
    platform = _text(raw.get("platform"))
    platform = platform.lower() if platform else None
    device_id = _text(raw.get("id") or raw.get("device_id") or raw.get("name"))
    product_id = _text(raw.get("product_id"))
    if platform not in PLATFORMS:
        return None, "%s: platform must be one of %s, got %r" % (where, "/".join(PLATFORMS), raw.get("platform"))
    if not device_id:
        return None, "%s: no device id" % where
    if platform == "tencent" and not product_id:
        return None, "%s: a Tencent device needs a product_id" % where
    device = {
        "uid": device_uid(platform, device_id, product_id),
        "platform": platform,
        "id": device_id,
        "product_id": product_id,
        "version": _text(raw.get("version")),
        "host": _text(raw.get("host")) or device_id,
    }
    return device, None


def device_from_hostvars(host, hostvars):
    """Map the documented host variables of one inventory host to a device description."""
    return {
        "platform": hostvars.get("iot_platform"),
        "id": hostvars.get("iot_device_id") or host,
        "product_id": hostvars.get("iot_product_id"),
        "version": hostvars.get("iot_firmware_version"),
        "host": host,
    }


def normalize_devices(raws, label="device"):
    """Validate and de-duplicate a list of raw device descriptions.

    Returns ``(devices, errors, duplicates)``; the first occurrence of a uid wins.
    """
    devices = []
    errors = []
    duplicates = []
    seen = set()
    for index, raw in enumerate(raws):
        where = "%s %s" % (label, raw.get("host") if isinstance(raw, dict) and raw.get("host") else "#%d" % index)
        device, error = normalize_device(raw, where)
        if error:
            errors.append(error)
            continue
        if device["uid"] in seen:
            duplicates.append(device["uid"])
            continue
        seen.add(device["uid"])
        devices.append(device)
    return devices, errors, duplicates


# --------------------------------------------------------------------------- stages and gates

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


def normalize_stages(stages, gate_defaults=None):
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
        unknown = sorted(set(stage) - set(STAGE_KEYS))
        if unknown:
            raise RolloutError("%s: unknown keys %s (allowed: %s)" % (where, ", ".join(unknown), ", ".join(STAGE_KEYS)))
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


def chunked(items, size):
    size = max(1, int(size))
    return [items[start:start + size] for start in range(0, len(items), size)]


# --------------------------------------------------------------------------- plan

def targets_fingerprint(targets):
    """Identity of what is rolled out; a state file written for other targets is refused."""
    keys = ("huawei_file_id", "huawei_target_version", "tencent_firmware_version", "tencent_fw_type")
    data = dict((key, targets.get(key)) for key in keys)
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode("utf-8")).hexdigest()[:16]


def target_version(device, targets):
    if device["platform"] == "huawei":
        return targets.get("huawei_target_version")
    return targets.get("tencent_firmware_version")


def is_current(device, targets):
    wanted = target_version(device, targets)
    return bool(wanted) and device.get("version") is not None and str(device["version"]) == str(wanted)


def validate_targets(targets, platforms):
    errors = []
    if "huawei" in platforms and not targets.get("huawei_file_id"):
        errors.append("the fleet has Huawei devices: staged_rollout_huawei_file_id is required")
    if "tencent" in platforms and not targets.get("tencent_firmware_version"):
        errors.append("the fleet has Tencent devices: staged_rollout_tencent_firmware_version is required")
    return errors


def build_chunks(wave_name, devices, chunk_sizes):
    """Split a wave's devices into platform tasks: Huawei by 256 (or less), Tencent per product."""
    huawei_size = min(HUAWEI_MAX_CHUNK, int((chunk_sizes or {}).get("huawei") or HUAWEI_MAX_CHUNK))
    tencent_size = int((chunk_sizes or {}).get("tencent") or TENCENT_DEFAULT_CHUNK)
    chunks = []
    huawei_ids = sorted(d["id"] for d in devices if d["platform"] == "huawei")
    for number, ids in enumerate(chunked(huawei_ids, huawei_size), 1):
        chunks.append({"key": "%s/huawei/%d" % (wave_name, number), "platform": "huawei", "product_id": None,
                       "size": len(ids), "devices": ids, "task_id": None})
    by_product = {}
    for device in devices:
        if device["platform"] == "tencent":
            by_product.setdefault(device["product_id"], []).append(device["id"])
    for product_id in sorted(by_product):
        for number, names in enumerate(chunked(sorted(by_product[product_id]), tencent_size), 1):
            chunks.append({"key": "%s/tencent/%s/%d" % (wave_name, product_id, number), "platform": "tencent",
                           "product_id": product_id, "size": len(names), "devices": names, "task_id": None})
    return chunks


def chunk_counts(chunks):
    counts = {"huawei": 0, "tencent": 0}
    for chunk in chunks:
        counts[chunk["platform"]] += len(chunk["devices"])
    return counts


def plan_rollout(rollout_id, devices, stages, targets, gate_defaults=None, chunk_sizes=None, state=None,
                 resume_aborted=False, poll_seconds=30, allow_uncovered=False):
    """Compute the rollout plan.

    ``devices`` are normalized devices (see :func:`normalize_devices`), ``stages`` raw stage dicts,
    ``targets`` ``{huawei_file_id, huawei_target_version, tencent_firmware_version, tencent_fw_type}``,
    ``state`` the persisted state of an earlier run of the same rollout (or ``None``).

    Membership: devices are ranked by :func:`rank_key` over the *whole* selected fleet and cut at the
    stage boundaries, so a re-run puts every device in the same wave; devices already on their
    platform's target version are then dropped from their wave (``skipped``). Waves recorded in the
    state keep their recorded chunks (so re-entering a started wave sends identical requests), and
    their devices are never planned again in another wave.

    Stages that leave selected devices in no wave (:func:`coverage`) are refused unless ``allow_uncovered``;
    the plan carries its ``coverage`` either way.
    """
    rollout_id = validate_rollout_id(rollout_id)
    stages = normalize_stages(stages, gate_defaults)
    covers = coverage(stages, len(devices))
    if covers["problem"] and not allow_uncovered:
        raise RolloutError(covers["problem"])
    platforms = set(d["platform"] for d in devices)
    errors = validate_targets(targets, platforms)
    if errors:
        raise RolloutError("; ".join(errors))
    resume = check_resume(rollout_id, targets, state, resume_aborted)
    recorded = (state or {}).get("waves") or {}
    unknown = sorted(set(recorded) - set(s["name"] for s in stages))
    if unknown:
        raise RolloutError("the state of rollout %r records waves %s that are not in staged_rollout_stages; "
                           "keep the stage names of a rollout, or start a new staged_rollout_id"
                           % (rollout_id, ", ".join(unknown)))
    recorded_uids = {}
    for name, wave in recorded.items():
        for chunk in wave.get("chunks") or []:
            for device_id in chunk["devices"]:
                recorded_uids[device_uid(chunk["platform"], device_id, chunk.get("product_id"))] = name

    ranked = sorted(devices, key=lambda d: rank_key(rollout_id, d["uid"]))
    ends = stage_boundaries(stages, len(ranked))
    waves = []
    start = 0
    totals = {"fleet": len(ranked), "skipped": 0, "to_upgrade": 0, "huawei": 0, "tencent": 0, "chunks": 0,
              "uncovered": covers["uncovered"], "done_elsewhere": 0}
    for index, (stage, end) in enumerate(zip(stages, ends), 1):
        members = ranked[start:end]
        start = end
        record = recorded.get(stage["name"])
        wave = {
            "index": index,
            "name": stage["name"],
            "count": stage["count"],
            "percent": stage["percent"],
            "gate": stage["gate"],
            "assigned": len(members),
        }
        if record:
            chunks = copy.deepcopy(record.get("chunks") or [])
            status = record.get("status", WAVE_STARTED)
            wave.update(status=status, recorded=True, chunks=chunks, skipped=None,
                        outside=len([d for d in members if recorded_uids.get(d["uid"]) != stage["name"]]))
            if status == WAVE_STARTED:
                wave["action"] = "resume"
            elif status == WAVE_ABORTED and resume["mode"] == "resume_aborted":
                wave["action"] = "skip"
                wave["accepted"] = True
            else:
                wave["action"] = "skip"
        else:
            fresh = [d for d in members if d["uid"] not in recorded_uids]
            todo = [d for d in fresh if not is_current(d, targets)]
            totals["done_elsewhere"] += len(members) - len(fresh)
            wave.update(status=WAVE_PENDING, recorded=False, action="run", skipped=len(fresh) - len(todo),
                        outside=len(members) - len(fresh), chunks=build_chunks(stage["name"], todo, chunk_sizes))
            totals["skipped"] += wave["skipped"]
        counts = chunk_counts(wave["chunks"])
        wave["poll_seconds"] = poll_interval(poll_seconds, len([c for c in wave["chunks"] if c["platform"] == "huawei"]))
        wave["poll_retries"] = int(math.ceil(float(wave["gate"]["timeout"]) / wave["poll_seconds"])) + 1
        wave["huawei"] = counts["huawei"]
        wave["tencent"] = counts["tencent"]
        wave["devices"] = counts["huawei"] + counts["tencent"]
        totals["to_upgrade"] += wave["devices"]
        totals["huawei"] += counts["huawei"]
        totals["tencent"] += counts["tencent"]
        totals["chunks"] += len(wave["chunks"])
        waves.append(wave)
    return {
        "rollout_id": rollout_id,
        "targets": dict(targets),
        "fingerprint": targets_fingerprint(targets),
        "resume": resume,
        "waves": waves,
        "totals": totals,
        "coverage": covers,
        "pending_waves": [w["name"] for w in waves if w["action"] != "skip"],
    }


# --------------------------------------------------------------------------- scope of a run

# Limits that select only the controller, where the role runs anyway.
CONTROLLER_PATTERNS = ("localhost", "127.0.0.1")


def scope_problem(limit=None, job_template_name=None, workflow_job_name=None):
    """Why this run would act on a part of the fleet only, or ``None``.

    The rollout selects its devices from the whole inventory (``staged_rollout_hosts``) and runs once on the
    controller: a ``--limit`` either skips its play (the controller is not in the limit, rc 0, nothing done)
    or is ignored for the devices. AWX job slicing runs one job per slice, each over a part of the inventory,
    under the same rollout id. AWX passes no slice number to the playbook; what it does tell is that a slice
    runs inside a workflow job named after the job template (``awx_workflow_job_name``).
    """
    patterns = [part.strip() for part in re.split(r"[,:]", str(limit or "")) if part.strip()]
    if patterns and not all(pattern in CONTROLLER_PATTERNS for pattern in patterns):
        devices = ",".join(pattern for pattern in patterns if pattern not in CONTROLLER_PATTERNS)
        return ("--limit %r is not supported: the staged rollout selects its devices from the whole inventory with "
                "staged_rollout_hosts and runs once on the controller, so a limit would skip it or be ignored. Remove "
                "the limit (in AWX: the job template's Limit) and select the devices instead, for example "
                "-e staged_rollout_hosts='%s'" % (limit, devices))
    if workflow_job_name and job_template_name and workflow_job_name == job_template_name:
        return ("this looks like a sliced AWX job (it runs in a workflow job named like its job template %r): job "
                "slicing would run one rollout per slice, each over a part of the fleet, under the same id. Set the "
                "job template's Job Slicing to 1 (job_slice_count: 1); a workflow that merely has the job "
                "template's name must be renamed" % job_template_name)
    return None


def check_resume(rollout_id, targets, state, resume_aborted=False):
    """Decide how a run continues an earlier one; raise :class:`RolloutError` when it must not."""
    if not state:
        return {"mode": "new", "previous_status": None}
    if state.get("format") != STATE_FORMAT:
        raise RolloutError("the state file of rollout %r has format %r, expected %r"
                           % (rollout_id, state.get("format"), STATE_FORMAT))
    if state.get("rollout_id") != rollout_id:
        raise RolloutError("the state file belongs to rollout %r, not %r" % (state.get("rollout_id"), rollout_id))
    if state.get("fingerprint") != targets_fingerprint(targets):
        raise RolloutError("rollout %r was started with other firmware targets (%s); use a new staged_rollout_id "
                           "for different firmware" % (rollout_id, json.dumps(state.get("targets"), sort_keys=True)))
    status = state.get("status")
    if status == ROLLOUT_ABORTED:
        if not resume_aborted:
            abort = state.get("abort") or {}
            raise RolloutError("rollout %r was aborted in wave %r: %s. It does not continue on its own: set "
                               "staged_rollout_resume_aborted=true to accept that wave as it ended and go on "
                               "with the next wave, or start a new staged_rollout_id"
                               % (rollout_id, abort.get("wave"), abort.get("reason")))
        return {"mode": "resume_aborted", "previous_status": status}
    if status == ROLLOUT_COMPLETED:
        return {"mode": "completed", "previous_status": status}
    return {"mode": "resume", "previous_status": status}


def plan_lines(plan):
    """A readable multi-line description of the plan, including the platform calls each wave makes."""
    targets = plan["targets"]
    totals = plan["totals"]
    lines = ["Rollout %s: %d devices in the fleet, %d to upgrade (%d Huawei, %d Tencent) in %d waves, "
             "%d platform tasks; %d already on the target version."
             % (plan["rollout_id"], totals["fleet"], totals["to_upgrade"], totals["huawei"], totals["tencent"],
                len(plan["waves"]), totals["chunks"], totals["skipped"])]
    covers = plan.get("coverage") or {"covered": totals["fleet"] - totals["uncovered"], "uncovered": totals["uncovered"]}
    if covers["uncovered"]:
        lines.append("NOTE: the stages cover %d of %d devices; %d selected devices are in no stage and will not be "
                     "upgraded (staged_rollout_allow_uncovered). The rollout ends with status %s."
                     % (covers["covered"], totals["fleet"], covers["uncovered"], ROLLOUT_INCOMPLETE))
    mode = plan["resume"]["mode"]
    if mode != "new":
        lines.append("Continuing an earlier run (state: %s, mode: %s)." % (plan["resume"]["previous_status"], mode))
    for wave in plan["waves"]:
        gate = wave["gate"]
        size = "count %s" % wave["count"] if wave["count"] is not None else "percent %s" % _fmt(wave["percent"])
        head = "Wave %d %s (%s): %d devices (%d Huawei, %d Tencent)" % (
            wave["index"], wave["name"], size, wave["devices"], wave["huawei"], wave["tencent"])
        if wave.get("skipped"):
            head += ", %d skipped (already current)" % wave["skipped"]
        if wave["action"] == "skip":
            head += " - %s, nothing to do%s" % (wave["status"], " (aborted wave accepted)" if wave.get("accepted") else "")
        elif wave["action"] == "resume":
            head += (" - started earlier, re-entered (same device lists; recorded or existing tasks are not created "
                     "again)")
        lines.append(head)
        lines.append("  gate: pass when all devices finished and >= %s %% succeeded; abort when >= %d devices "
                     "finished and > %s %% of them failed; timeout %d s%s%s"
                     % (_fmt(gate["success_percent"]), gate["min_finished"], _fmt(gate["error_percent"]),
                        gate["timeout"], ", then pause %d s" % gate["pause_seconds"] if gate["pause_seconds"] else "",
                        ", manual approval first" if gate["approval"] else ""))
        if wave["action"] == "skip":
            continue
        for chunk in wave["chunks"]:
            lines.append("  call: " + chunk_call(chunk, targets))
        if wave["chunks"]:
            lines.append("  poll: %s every %d s" % (", ".join(poll_calls(wave)), wave["poll_seconds"]))
        else:
            lines.append("  no platform call: " + empty_wave_reason(wave))
    return lines


def empty_wave_reason(wave):
    """Why a planned wave has no device to upgrade: the stage sizes left it none, or all of its devices are current."""
    if not wave.get("assigned"):
        size = "count %s" % wave.get("count") if wave.get("count") is not None else "percent %s" % _fmt(wave.get("percent"))
        return "empty wave: the stage boundaries (%s, rounded up on the whole fleet) leave no device for it" % size
    parts = []
    if wave.get("skipped"):
        parts.append("%d already on the target version" % wave["skipped"])
    if wave.get("outside"):
        parts.append("%d handled in an earlier wave" % wave["outside"])
    return "no device of this wave needs the upgrade (%s)" % (", ".join(parts) or "none left")


def chunk_call(chunk, targets):
    """The create the engine sends for a chunk, unless the lookup of its scope finds the task (one per scope)."""
    sample = ", ".join(chunk["devices"][:3]) + (", ..." if len(chunk["devices"]) > 3 else "")
    if chunk["platform"] == "huawei":
        return "Huawei POST %s fileId=%s devices=[%d: %s]" % (
            HUAWEI_CREATE_CALL, targets.get("huawei_file_id"), len(chunk["devices"]), sample)
    return "Tencent %s ProductId=%s FirmwareVersion=%s%s DeviceNames=[%d: %s]" % (
        TENCENT_CREATE_CALL, chunk["product_id"], targets.get("tencent_firmware_version"),
        " FwType=%s" % targets["tencent_fw_type"] if targets.get("tencent_fw_type") else "", len(chunk["devices"]),
        sample)


def poll_calls(wave):
    """The reads of one progress round of a wave: by pages, one listing per scope for all its tasks."""
    calls = []
    if wave["huawei"]:
        calls.append("Huawei GET %s pages (staResult of all the wave's tasks)" % HUAWEI_LIST_CALL)
    for product in sorted(set(c["product_id"] for c in wave["chunks"] if c["platform"] == "tencent")):
        calls.append("Tencent %s pages (product %s)" % (TENCENT_POLL_CALL, product))
    return calls


def _fmt(number):
    if number is None:
        return "-"
    if float(number) == int(number):
        return str(int(number))
    return ("%.2f" % number).rstrip("0").rstrip(".")


# --------------------------------------------------------------------------- summaries and gates

def _percent(part, whole):
    return round(100.0 * part / whole, 2) if whole else 0.0


def make_summary(total, succeeded, failed, in_progress):
    total = int(total)
    succeeded = int(succeeded)
    failed = int(failed)
    in_progress = int(in_progress)
    return {
        "total": total,
        "succeeded": succeeded,
        "failed": failed,
        "in_progress": in_progress,
        "finished": succeeded + failed,
        "success_percent": _percent(succeeded, total),
        "failure_percent": _percent(failed, total),
    }


def merge_summaries(summaries, expected_total=None):
    """Add up module ``summary`` dicts; devices the platforms do not report yet count as in progress.

    ``expected_total`` is the number of devices the wave sent to the platforms: a platform that has not
    created all per-device rows yet must not make the wave look finished.
    """
    total = succeeded = failed = in_progress = 0
    for summary in summaries:
        summary = summary or {}
        succeeded += int(summary.get("succeeded") or 0)
        failed += int(summary.get("failed") or 0)
        reported = int(summary.get("total") or 0)
        total += reported
        in_progress += max(0, reported - int(summary.get("succeeded") or 0) - int(summary.get("failed") or 0))
    if expected_total is not None and expected_total > total:
        in_progress += expected_total - total
        total = expected_total
    return make_summary(total, succeeded, failed, in_progress)


def evaluate_gate(summary, gate, elapsed=0.0):
    """Decide what a wave does next: ``wait``, ``pass`` or ``abort``.

    Definitions (all devices are those of the wave):

    * error threshold: abort as soon as ``finished >= min_finished`` and the failure rate of the
      *finished* devices, ``failed / finished * 100``, is greater than ``error_percent``
      (like AWS IoT Jobs' abort criteria with ``minNumberOfExecutedThings``);
    * success condition: once no device is in progress, pass when ``succeeded / total * 100 >=
      success_percent``, otherwise abort;
    * timeout: after ``timeout`` seconds with devices still in progress, pass if the success condition
      already holds (the stragglers are reported), otherwise abort;
    * a wave without devices passes.
    """
    gate = normalize_gate(gate)
    summary = make_summary(summary.get("total", 0), summary.get("succeeded", 0), summary.get("failed", 0),
                           summary.get("in_progress", 0))
    finished = summary["finished"]
    error_rate = _percent(summary["failed"], finished)
    success = summary["success_percent"]
    result = {
        "summary": summary,
        "failure_percent_of_finished": error_rate,
        "elapsed": round(float(elapsed), 1),
        "timed_out": False,
        "gate": gate,
    }
    exact_error = 100.0 * summary["failed"] / finished if finished else 0.0
    exact_success = 100.0 * summary["succeeded"] / summary["total"] if summary["total"] else 100.0

    def decide(decision, reason, **extra):
        result.update(decision=decision, reason=reason, **extra)
        return result

    if summary["total"] == 0:
        return decide("pass", "no device to upgrade in this wave")
    if finished >= gate["min_finished"] and finished and exact_error > gate["error_percent"]:
        return decide("abort", "error threshold tripped: %d of %d finished devices failed (%s %% > %s %%)"
                      % (summary["failed"], finished, _fmt(error_rate), _fmt(gate["error_percent"])),
                      trigger="error_threshold")
    if summary["in_progress"] == 0:
        if exact_success >= gate["success_percent"]:
            return decide("pass", "%d of %d devices succeeded (%s %% >= %s %%)"
                          % (summary["succeeded"], summary["total"], _fmt(success), _fmt(gate["success_percent"])),
                          trigger="success")
        return decide("abort", "success condition not met: %d of %d devices succeeded (%s %% < %s %%)"
                      % (summary["succeeded"], summary["total"], _fmt(success), _fmt(gate["success_percent"])),
                      trigger="success_condition")
    if float(elapsed) >= gate["timeout"]:
        result["timed_out"] = True
        if exact_success >= gate["success_percent"]:
            return decide("pass", "wave timeout (%d s) with %d devices still in progress, but %s %% >= %s %% "
                          "succeeded" % (gate["timeout"], summary["in_progress"], _fmt(success),
                                         _fmt(gate["success_percent"])), trigger="timeout")
        return decide("abort", "wave timeout after %d s: %d devices still in progress, %s %% succeeded (< %s %%)"
                      % (gate["timeout"], summary["in_progress"], _fmt(success), _fmt(gate["success_percent"])),
                      trigger="timeout")
    return decide("wait", "%d of %d devices finished (%d succeeded, %d failed), %d in progress"
                  % (finished, summary["total"], summary["succeeded"], summary["failed"], summary["in_progress"]))


def progress_line(wave_name, result):
    summary = result["summary"]
    return ("wave %s: %d/%d finished, %d succeeded, %d failed (%s %% of finished), %d in progress, %ss - %s"
            % (wave_name, summary["finished"], summary["total"], summary["succeeded"], summary["failed"],
               _fmt(result["failure_percent_of_finished"]), summary["in_progress"], _fmt(result["elapsed"]),
               result["decision"]))


# --------------------------------------------------------------------------- state

def new_state(rollout_id, targets, now):
    return {
        "format": STATE_FORMAT,
        "rollout_id": rollout_id,
        "targets": dict(targets),
        "fingerprint": targets_fingerprint(targets),
        "status": ROLLOUT_RUNNING,
        "created_at": now,
        "updated_at": now,
        "waves": {},
        "order": [],
        "abort": None,
        "error": None,
        "awaiting_approval": None,
        "accepted_aborts": [],
        "history": [],
    }


def _stripped(state):
    data = copy.deepcopy(state)
    data.pop("updated_at", None)
    return data


def apply_event(state, event, data, now):
    """Return ``(new_state, changed)`` for one rollout step.

    ``state`` may be ``None`` (first step of a new rollout; ``data`` then needs ``rollout_id`` and
    ``targets``). ``now`` is an ISO time stamp supplied by the caller. A step that changes nothing
    (re-recording what is already recorded) leaves the state byte-identical, so re-running a finished
    rollout writes nothing.

    Events and their ``data``:

    * ``start`` ``{rollout_id, targets, resume_mode}`` - a run begins; an aborted rollout resumed with
      ``resume_mode=resume_aborted`` records the aborted wave as accepted and is running again.
    * ``wave_started`` ``{wave: {name, index, gate, chunks}}`` - before any task of the wave is created;
      a wave already recorded keeps its chunks (re-entry) and counts ``entries``.
    * ``tasks_created`` ``{wave, task_ids: {chunk_key: id}}``.
    * ``wave_passed`` / ``wave_aborted`` ``{wave, result: <gate result>, cancelled: [...], cancel_errors: [...]}``.
    * ``awaiting_approval`` ``{wave}``; ``completed`` ``{}``; ``failed`` ``{wave, message}``.
    """
    if event not in EVENTS:
        raise RolloutError("unknown rollout event %r" % event)
    data = data or {}
    if state is None:
        if event != "start":
            raise RolloutError("the first event of a rollout must be 'start', got %r" % event)
        state = new_state(data["rollout_id"], data["targets"], now)
        before = None
    else:
        before = _stripped(state)
        state = copy.deepcopy(state)
    waves = state.setdefault("waves", {})
    order = state.setdefault("order", [])

    def history(entry):
        entry = dict(entry, at=now, event=event)
        state.setdefault("history", []).append(entry)

    if event == "start":
        mode = data.get("resume_mode") or "new"
        if data.get("coverage") is not None:
            state["coverage"] = data["coverage"]
        if state["status"] == ROLLOUT_ABORTED and mode == "resume_aborted":
            abort = state.get("abort") or {}
            state.setdefault("accepted_aborts", []).append({"wave": abort.get("wave"), "reason": abort.get("reason"),
                                                            "accepted_at": now})
            if abort.get("wave") in waves:
                waves[abort["wave"]]["accepted"] = True
            state["abort"] = None
            state["status"] = ROLLOUT_RUNNING
            history({"wave": abort.get("wave"), "note": "aborted wave accepted, rollout resumed"})
        elif state["status"] in (ROLLOUT_FAILED, ROLLOUT_AWAITING_APPROVAL):
            state["status"] = ROLLOUT_RUNNING
            state["error"] = None
            history({"note": "rollout resumed"})
        elif before is None:
            history({"note": "rollout started"})
    elif event == "wave_recovered":
        # a wave that has tasks on the platforms but no record here (the journal was lost): started, to be resumed
        spec = data["wave"]
        if spec["name"] not in waves:
            waves[spec["name"]] = {
                "index": spec.get("index"), "status": WAVE_STARTED, "started_at": None, "entered_at": now,
                "finished_at": None, "entries": 0, "gate": spec.get("gate"), "skipped": spec.get("skipped"),
                "chunks": [dict(chunk) for chunk in spec.get("chunks") or []], "summary": None, "result": None,
                "cancelled": [], "cancel_errors": [], "recovered_at": now}
            order.append(spec["name"])
            history({"wave": spec["name"], "note": "read back from the platforms",
                     "tasks": len([c for c in spec.get("chunks") or [] if c.get("task_id") not in (None, "")])})
    elif event == "wave_approved":
        state.setdefault("approvals", []).append(dict(data, at=now))
        history(dict(data))
    elif event == "abort_accepted":
        # staged_rollout_resume_aborted: a wave found aborted when this run began is accepted as it ended
        record = _wave(state, data["wave"])
        record["accepted"] = True
        state.setdefault("accepted_aborts", []).append({"wave": data["wave"], "reason": data.get("reason"),
                                                        "accepted_at": now})
        if (state.get("abort") or {}).get("wave") == data["wave"]:
            state["abort"] = None
        state["status"] = ROLLOUT_RUNNING
        history({"wave": data["wave"], "note": "aborted wave accepted, rollout resumed"})
    elif event == "wave_started":
        spec = data["wave"]
        name = spec["name"]
        if state["status"] in (ROLLOUT_AWAITING_APPROVAL,):
            state["status"] = ROLLOUT_RUNNING
        state["awaiting_approval"] = None
        record = waves.get(name)
        if record is None:
            waves[name] = {
                "index": spec.get("index"),
                "status": WAVE_STARTED,
                "started_at": now,
                "entered_at": now,
                "finished_at": None,
                "entries": 1,
                "gate": spec.get("gate"),
                "skipped": spec.get("skipped"),
                "chunks": [dict(chunk, task_id=chunk.get("task_id")) for chunk in spec.get("chunks") or []],
                "summary": None,
                "result": None,
                "cancelled": [],
                "cancel_errors": [],
            }
            order.append(name)
            history({"wave": name, "devices": sum(len(c["devices"]) for c in spec.get("chunks") or [])})
        elif record["status"] == WAVE_STARTED:
            record["entries"] = int(record.get("entries") or 1) + 1
            record["entered_at"] = now
            history({"wave": name, "note": "re-entered"})
        state["status"] = ROLLOUT_RUNNING
    elif event == "tasks_created":
        record = _wave(state, data["wave"])
        ids = data.get("task_ids") or {}
        for chunk in record["chunks"]:
            if ids.get(chunk["key"]) not in (None, ""):
                chunk["task_id"] = ids[chunk["key"]]
        missing = [c["key"] for c in record["chunks"] if c.get("task_id") in (None, "")]
        if missing:
            raise RolloutError("no task id for %s" % ", ".join(missing))
    elif event in ("wave_passed", "wave_aborted"):
        name = data["wave"]
        record = _wave(state, name)
        result = data.get("result") or {}
        if record["status"] == WAVE_STARTED:
            record["status"] = WAVE_PASSED if event == "wave_passed" else WAVE_ABORTED
            record["finished_at"] = now
            record["summary"] = result.get("summary")
            record["result"] = dict((k, result.get(k)) for k in ("decision", "reason", "trigger", "elapsed",
                                                                 "timed_out", "failure_percent_of_finished"))
            record["cancelled"] = list(data.get("cancelled") or [])
            record["cancel_errors"] = list(data.get("cancel_errors") or [])
            history({"wave": name, "reason": result.get("reason")})
        if event == "wave_aborted" and record["status"] == WAVE_ABORTED and not record.get("accepted"):
            state["status"] = ROLLOUT_ABORTED
            state["abort"] = {"wave": name, "reason": (record.get("result") or {}).get("reason"),
                              "at": record.get("finished_at")}
    elif event == "awaiting_approval":
        state["status"] = ROLLOUT_AWAITING_APPROVAL
        state["awaiting_approval"] = data["wave"]
        if before is None or before.get("awaiting_approval") != data["wave"] or before.get("status") != ROLLOUT_AWAITING_APPROVAL:
            history({"wave": data["wave"]})
    elif event == "completed":
        if state["status"] not in (ROLLOUT_COMPLETED, ROLLOUT_INCOMPLETE):
            unfinished = [n for n, w in waves.items() if w["status"] == WAVE_STARTED]
            if unfinished:
                raise RolloutError("cannot complete rollout: waves %s are still started" % ", ".join(unfinished))
            uncovered = int(data.get("uncovered") or 0)
            state["status"] = ROLLOUT_INCOMPLETE if uncovered else ROLLOUT_COMPLETED
            state["completed_at"] = now
            history({"uncovered": uncovered} if uncovered else {})
    elif event == "failed":
        state["status"] = ROLLOUT_FAILED
        state["error"] = {"wave": data.get("wave"), "message": data.get("message"), "at": now}
        history({"wave": data.get("wave"), "message": data.get("message")})

    changed = before is None or _stripped(state) != before
    if changed:
        state["updated_at"] = now
    else:
        state = copy.deepcopy(state)
        state["updated_at"] = (before or {}).get("updated_at", state.get("updated_at"))
    return state, changed


def _wave(state, name):
    record = (state.get("waves") or {}).get(name)
    if record is None:
        raise RolloutError("wave %r has not been started in rollout %r" % (name, state.get("rollout_id")))
    return record


# --------------------------------------------------------------------------- report

def plan_brief(plan):
    """The plan's waves without device lists (what reports and the role's loop need)."""
    keys = ("index", "name", "status", "action", "assigned", "devices", "huawei", "tencent", "skipped", "gate",
            "accepted", "poll_seconds", "poll_retries")
    return [dict(((k, wave.get(k)) for k in keys), chunks=len(wave["chunks"])) for wave in plan["waves"]]


def build_report(state, waves_brief=None):
    """A JSON-friendly report of the rollout from its state (deterministic: no clock reads).

    ``waves_brief`` (:func:`plan_brief`) adds the waves that have not started yet. ``uncovered`` is the number of
    selected devices in no stage, as the state records it (``coverage``; 0 when it does not).
    """
    planned_by_name = dict((w["name"], w) for w in waves_brief or [])
    names = [w["name"] for w in waves_brief or []]
    for name in state.get("order") or []:
        if name not in names:
            names.append(name)
    waves = []
    for name in names:
        record = (state.get("waves") or {}).get(name) or {}
        planned = planned_by_name.get(name) or {}
        chunks = record.get("chunks") or []
        if record:
            counts = chunk_counts(chunks)
            skipped = record.get("skipped")
        else:
            counts = {"huawei": planned.get("huawei") or 0, "tencent": planned.get("tencent") or 0}
            skipped = planned.get("skipped")
        summary = record.get("summary") or {}
        result = record.get("result") or {}
        waves.append({
            "name": name,
            "index": record.get("index") or planned.get("index"),
            "status": record.get("status") or "not started",
            "accepted": bool(record.get("accepted")),
            "devices": counts["huawei"] + counts["tencent"],
            "huawei": counts["huawei"],
            "tencent": counts["tencent"],
            "skipped": skipped,
            "tasks": [{"key": c["key"], "platform": c["platform"], "product_id": c.get("product_id"),
                       "task_id": c.get("task_id"), "devices": len(c["devices"])} for c in chunks],
            "succeeded": summary.get("succeeded"),
            "failed": summary.get("failed"),
            "in_progress": summary.get("in_progress"),
            "success_percent": summary.get("success_percent"),
            "failure_percent_of_finished": result.get("failure_percent_of_finished"),
            "reason": result.get("reason"),
            "started_at": record.get("started_at"),
            "finished_at": record.get("finished_at"),
            "cancelled": record.get("cancelled") or [],
            "cancel_errors": record.get("cancel_errors") or [],
            "not_cancellable": [c["task_id"] for c in chunks if c["platform"] == "huawei" and c.get("task_id")]
            if record.get("status") == WAVE_ABORTED else [],
        })
    totals = {"devices": 0, "succeeded": 0, "failed": 0, "in_progress": 0}
    for wave in waves:
        totals["devices"] += wave["devices"] if wave["status"] != "not started" else 0
        for key in ("succeeded", "failed", "in_progress"):
            totals[key] += wave[key] or 0
    return {
        "rollout_id": state.get("rollout_id"),
        "status": state.get("status"),
        "targets": state.get("targets"),
        "created_at": state.get("created_at"),
        "updated_at": state.get("updated_at"),
        "completed_at": state.get("completed_at"),
        "abort": state.get("abort"),
        "error": state.get("error"),
        "awaiting_approval": state.get("awaiting_approval"),
        "accepted_aborts": state.get("accepted_aborts") or [],
        "waves": waves,
        "totals": totals,
        "uncovered": int((state.get("coverage") or {}).get("uncovered") or 0),
    }


def render_markdown(report):
    """Readable Markdown summary of :func:`build_report`."""
    targets = report.get("targets") or {}
    out = ["# Firmware rollout `%s`" % report["rollout_id"], ""]
    out.append("**Status: %s**" % str(report["status"]).upper().replace("_", " "))
    out.append("")
    rows = [("Huawei package (file_id)", targets.get("huawei_file_id")),
            ("Huawei target version", targets.get("huawei_target_version")),
            ("Tencent firmware version", targets.get("tencent_firmware_version")),
            ("Tencent fw_type", targets.get("tencent_fw_type")),
            ("Started", report.get("created_at")),
            ("Last update", report.get("updated_at")),
            ("Completed", report.get("completed_at"))]
    out += ["| | |", "|---|---|"] + ["| %s | %s |" % (k, v) for k, v in rows if v not in (None, "")]
    out.append("")
    if report.get("abort"):
        out.append("> **Aborted in wave `%s`:** %s" % (report["abort"].get("wave"), report["abort"].get("reason")))
        out.append(">")
        out.append("> No new wave was started. Tencent tasks of that wave still in progress were cancelled; Huawei's "
                   "northbound API has no cancel operation, so its tasks run to their end. Re-running with "
                   "`staged_rollout_resume_aborted=true` accepts the wave as it ended and continues with the next one.")
        out.append("")
    if report.get("error"):
        out.append("> **Failed in wave `%s`:** %s  (re-run the same rollout to continue)"
                   % (report["error"].get("wave"), report["error"].get("message")))
        out.append("")
    if report.get("awaiting_approval"):
        out.append("> **Waiting for approval** of wave `%s`. Re-run with `staged_rollout_approved_waves=['%s']` "
                   "(or answer the prompt) to continue." % (report["awaiting_approval"], report["awaiting_approval"]))
        out.append("")
    if report.get("uncovered"):
        out.append("> **%d selected devices are in no stage and were not upgraded** (the stages do not reach them; "
                   "`staged_rollout_allow_uncovered=true`)." % report["uncovered"])
        out.append("")
    out.append("## Waves")
    out.append("")
    out.append("| # | Wave | Status | Devices | Huawei | Tencent | Skipped | Succeeded | Failed | In progress "
               "| Success % | Failure % of finished | Tasks |")
    out.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for wave in report["waves"]:
        status = wave["status"] + (" (accepted)" if wave.get("accepted") else "")
        out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            wave.get("index") or "", wave["name"], status, wave["devices"], wave["huawei"], wave["tencent"],
            _cell(wave.get("skipped")), _cell(wave.get("succeeded")), _cell(wave.get("failed")),
            _cell(wave.get("in_progress")), _cell(wave.get("success_percent")),
            _cell(wave.get("failure_percent_of_finished")), len(wave["tasks"])))
    out.append("")
    notes = [w for w in report["waves"] if w.get("reason") or w.get("cancelled") or w.get("cancel_errors")
             or w.get("not_cancellable")]
    if notes:
        out.append("## Gate decisions")
        out.append("")
        for wave in notes:
            line = "* **%s** - %s" % (wave["name"], wave.get("reason") or wave["status"])
            if wave.get("cancelled"):
                line += "; cancelled Tencent tasks: %s" % ", ".join(str(t) for t in wave["cancelled"])
            if wave.get("not_cancellable"):
                line += "; Huawei tasks not cancellable (no API), left running: %s" % ", ".join(
                    str(t) for t in wave["not_cancellable"])
            if wave.get("cancel_errors"):
                line += "; cancel errors: %s" % "; ".join(str(e) for e in wave["cancel_errors"])
            out.append(line)
        out.append("")
    totals = report.get("totals") or {}
    out.append("Totals over started waves: %s devices, %s succeeded, %s failed, %s in progress."
               % (totals.get("devices"), totals.get("succeeded"), totals.get("failed"), totals.get("in_progress")))
    out.append("")
    return "\n".join(out)


def report_lines(report, paths=None):
    """A few lines for the end of the run: status, one line per wave, where the report is."""
    lines = ["Rollout %s: %s" % (report["rollout_id"], str(report["status"]).upper().replace("_", " "))]
    for wave in report["waves"]:
        line = "  %s: %s" % (wave["name"], wave["status"] + (" (accepted)" if wave.get("accepted") else ""))
        line += ", %d devices (%d Huawei, %d Tencent)" % (wave["devices"], wave["huawei"], wave["tencent"])
        if wave.get("succeeded") is not None:
            line += ", %s succeeded, %s failed, %s in progress" % (wave["succeeded"], wave["failed"], wave["in_progress"])
        if wave.get("reason"):
            line += " - %s" % wave["reason"]
        lines.append(line)
    if report.get("abort"):
        lines.append("ABORTED in wave %s: %s" % (report["abort"].get("wave"), report["abort"].get("reason")))
    if report.get("awaiting_approval"):
        lines.append("Waiting for approval of wave %s" % report["awaiting_approval"])
    if report.get("uncovered"):
        lines.append("%d selected devices are in no stage and were not upgraded (staged_rollout_allow_uncovered)"
                     % report["uncovered"])
    if paths:
        lines.append("Report: %s (JSON: %s)" % (paths.get("markdown"), paths.get("json")))
    return lines


def _cell(value):
    if value is None:
        return "-"
    if isinstance(value, float):
        return _fmt(value)
    return str(value)


def result_summary(report):
    """The compact dict published as ``staged_rollout_result`` (fact and ``set_stats``) from a report."""
    return {
        "rollout_id": report["rollout_id"],
        "status": report["status"],
        "abort": report["abort"],
        "error": report["error"],
        "awaiting_approval": report["awaiting_approval"],
        "waves": [dict((k, w[k]) for k in ("name", "status", "devices", "succeeded", "failed", "in_progress", "reason"))
                  for w in report["waves"]],
        "totals": report["totals"],
        "uncovered": int(report.get("uncovered") or 0),
    }
