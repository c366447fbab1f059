# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The plan: waves from the ranked fleet and the stages, chunks per platform task, resume from the journal, plan lines."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import hashlib
import json
import math

from ansible_collections.iotfleet.firmware.plugins.module_utils._rollout_args import (
    HUAWEI_MAX_CHUNK, TENCENT_DEFAULT_CHUNK
)

from .common import (
    ROLLOUT_ABORTED, ROLLOUT_COMPLETED, ROLLOUT_INCOMPLETE, RolloutError, STATE_FORMAT, WAVE_ABORTED,
    WAVE_PENDING, WAVE_STARTED, _fmt, chunked, validate_rollout_id
)
from .devices import device_uid, rank_key
from .stages import coverage, normalize_stages, stage_boundaries


# What the engine sends (plan lines)
HUAWEI_CREATE_CALL = "/iodm/northbound/v1.5.0/operations/firmwareUpgrade"
HUAWEI_LIST_CALL = "/iodm/northbound/v1.5.0/operations"
TENCENT_CREATE_CALL = "BatchUpdateFirmware"
TENCENT_POLL_CALL = "DescribeFirmwareTaskDevices"
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


def plan_brief(plan):
    """The plan's waves without device lists (what reports and the role's loop need)."""
    keys = ("index", "name", "status", "action", "assigned", "devices", "huawei", "tencent", "skipped", "gate",
            "accepted", "poll_seconds", "poll_retries")
    return [dict(((k, wave.get(k)) for k in keys), chunks=len(wave["chunks"])) for wave in plan["waves"]]
