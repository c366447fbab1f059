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
import operator

from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _platforms as registry

from .common import (
    ROLLOUT_ABORTED, ROLLOUT_COMPLETED, ROLLOUT_INCOMPLETE, RolloutError, STATE_FORMAT, WAVE_ABORTED,
    WAVE_PENDING, WAVE_STARTED, _fmt, validate_rollout_id
)
from . import dispatch, timing
from .devices import device_uid, devices_of, gc_paused, platforms_of, ranked as ranked_devices
from .stages import coverage, normalize_stages, stage_boundaries


def poll_interval(poll_seconds, tasks_by_platform):
    """Seconds between two progress rounds of a wave: the configured value, raised only when one round's progress
    pages of a platform (``progress_page`` tasks each) would exceed its ``progress_calls_per_minute`` at that pace.

    ``tasks_by_platform``: ``{platform: number of tasks in the wave}``."""
    interval = max(1, int(poll_seconds))
    for name, tasks in (tasks_by_platform or {}).items():
        found = registry.facts(name)
        if found.progress_page and found.progress_calls_per_minute:
            pages = -(-int(tasks) // found.progress_page)
            interval = max(interval, -(-pages * 60 // found.progress_calls_per_minute))
    return interval


def tasks_by_platform(chunks):
    out = {}
    for chunk in chunks:
        out[chunk["platform"]] = out.get(chunk["platform"], 0) + 1
    return out


def given_targets(targets):
    """The targets that are set (``None`` and ``""`` are not): what identifies the firmware rolled out."""
    return dict((key, value) for key, value in (targets or {}).items() if value not in (None, ""))


def targets_fingerprint(targets):
    """Identity of what is rolled out (recorded in the journal; :func:`same_targets` decides)."""
    return hashlib.sha256(json.dumps(given_targets(targets), sort_keys=True).encode("utf-8")).hexdigest()[:16]


def same_targets(recorded, targets):
    """A journal written for ``recorded`` targets continues only with the same firmware (the set targets)."""
    return given_targets(recorded) == given_targets(targets)


def target_version(device, targets):
    found = registry.facts(device["platform"])
    return found.target(targets, found.version_key)


def is_current(device, targets):
    wanted = target_version(device, targets)
    return bool(wanted) and device.get("version") is not None and str(device["version"]) == str(wanted)


def validate_targets(targets, fleet_platforms):
    errors = []
    for name in registry.names():
        found = registry.facts(name)
        for key in found.required_targets if name in fleet_platforms else ():
            if not found.target(targets, key):
                errors.append("the fleet has %s devices: staged_rollout_%s_%s is required" % (found.short, name, key))
    return errors


def chunk_size(name, chunk_sizes):
    """Devices per task of platform ``name``: the configured size, at most the platform's documented maximum."""
    found = registry.facts(name)
    size = int((chunk_sizes or {}).get(name) or found.default_chunk)
    return min(size, found.max_chunk) if found.max_chunk else size


def build_chunks(wave_name, devices, chunk_sizes, ramp=None, caps=None):
    """Split a wave's devices into platform tasks of at most :func:`chunk_size` devices, per product where device
    ids are unique per product only. Keys: ``<wave>/<platform>[/<product>]/<n>``.

    Devices with maintenance windows are chunked per distinct window set (a chunk carries its ``window``); a ramp
    makes the chunks of each window set grow (``ramp_step``: 0, 1, ...; :func:`timing.ramp_sizes`); a pace cap of
    the platform bounds the chunk size; capped inventory groups are counted per chunk (``groups``).
    """
    return _chunks(wave_name, devices_of(devices), chunk_sizes, ramp, caps)


def _grouped(devices):
    """``{(platform, product or None, window set): [device, ...]}`` in one pass over :class:`Device` objects; the
    window set is the window's JSON text (``""``: none), made once per window object (devices share them)."""
    scoped = dict((name, registry.facts(name).product_scoped) for name in registry.names())
    texts = {}  # id(window) -> its JSON text; the windows stay alive in the devices
    grouped = {}
    for device in devices:
        window = device.window
        if window:
            text = texts.get(id(window))
            if text is None:
                text = texts[id(window)] = json.dumps(window, sort_keys=True)
        else:
            text = ""
        name = device.platform
        key = (name, device.product_id if scoped[name] else None, text)
        members = grouped.get(key)
        if members is None:
            members = grouped[key] = []
        members.append(device)
    return grouped


def _even_sizes(count, size):
    """The sizes of ``count`` devices cut in chunks of ``size``: full chunks, then the rest."""
    return [size] * (count // size) + ([count % size] if count % size else [])


def _chunks(wave_name, devices, chunk_sizes, ramp, caps):
    """:func:`build_chunks` of :class:`Device` objects."""
    caps = caps or {}
    capped_groups = set(key[len("group:"):] for key in caps if key.startswith("group:"))
    grouped = _grouped(devices)
    order = dict((name, index) for index, name in enumerate(registry.names()))
    numbers = {}  # (platform, product) -> chunks so far
    chunks = []
    for name, product_id, window in sorted(grouped, key=lambda key: (order[key[0]], key[1] or "", key[2])):
        size = chunk_size(name, chunk_sizes)
        if caps.get(name):
            size = min(size, int(caps[name]))
        prefix = "%s/%s/%s" % (wave_name, name, product_id) if registry.facts(name).product_scoped \
            else "%s/%s" % (wave_name, name)
        members = sorted(grouped[name, product_id, window], key=_device_id)
        ids = [device.id for device in members]
        if ramp:
            sizes = timing.ramp_sizes(len(members), min(ramp["start"], size), ramp["factor"], size)
        else:
            sizes = _even_sizes(len(members), size)
        start = 0
        for step, count in enumerate(sizes):
            numbers[name, product_id] = number = numbers.get((name, product_id), 0) + 1
            chunk = {"key": "%s/%d" % (prefix, number), "platform": name, "product_id": product_id,
                     "size": count, "devices": ids[start:start + count], "task_id": None}
            if window:
                chunk["window"] = members[start].window
            if ramp:
                chunk["ramp_step"] = step
            if capped_groups:
                groups = _group_counts(members[start:start + count], capped_groups)
                if groups:
                    chunk["groups"] = groups
            start += count
            chunks.append(chunk)
    return chunks


def _group_counts(devices, capped_groups):
    """``{group: devices}`` of the capped inventory groups among ``devices``."""
    groups = {}
    for device in devices:
        for group in device.groups or ():
            if group in capped_groups:
                groups[group] = groups.get(group, 0) + 1
    return groups


_device_id = operator.attrgetter("id")


def chunk_counts(chunks):
    """``{platform: devices}`` for every platform of the registry."""
    counts = registry.counts()
    for chunk in chunks:
        counts[chunk["platform"]] += len(chunk["devices"])
    return counts


@gc_paused()  # a million devices ranked, filtered and chunked: no cycle forms, see gc_paused
def plan_rollout(rollout_id, devices, stages, targets, gate_defaults=None, chunk_sizes=None, state=None,
                 resume_aborted=False, poll_seconds=30, allow_uncovered=False, ramp=None, caps=None):
    """Compute the rollout plan.

    ``devices`` are normalized devices (see :func:`normalize_devices`), ``stages`` raw stage dicts,
    ``targets`` the flat ``<platform>_<target>`` options (``_platforms.target_args``),
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
    devices = devices_of(devices)
    stages = normalize_stages(stages, gate_defaults, ramp)
    covers = coverage(stages, len(devices))
    if covers["problem"] and not allow_uncovered:
        raise RolloutError(covers["problem"])
    platforms = platforms_of(devices)
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

    ranked = ranked_devices(rollout_id, devices)
    ends = stage_boundaries(stages, len(ranked))
    waves = []
    start = 0
    totals = dict(registry.counts(), fleet=len(ranked), skipped=0, to_upgrade=0, chunks=0,
                  uncovered=covers["uncovered"], done_elsewhere=0)
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
            "schedule": stage["schedule"],
            "ramp": stage["ramp"],
            "assigned": len(members),
        }
        if record:
            chunks = copy.deepcopy(record.get("chunks") or [])
            status = record.get("status", WAVE_STARTED)
            wave.update(status=status, recorded=True, chunks=chunks, skipped=None,
                        outside=len([d for d in members if recorded_uids.get(d.uid) != stage["name"]]))
            if status == WAVE_STARTED:
                wave["action"] = "resume"
            elif status == WAVE_ABORTED and resume["mode"] == "resume_aborted":
                wave["action"] = "skip"
                wave["accepted"] = True
            else:
                wave["action"] = "skip"
        else:
            fresh = [d for d in members if d.uid not in recorded_uids] if recorded_uids else members
            wanted = dict((name, str(target_version({"platform": name}, targets) or "")) for name in registry.names())
            todo = [d for d in fresh if not (wanted[d.platform] and d.version is not None
                                             and str(d.version) == wanted[d.platform])]
            totals["done_elsewhere"] += len(members) - len(fresh)
            wave.update(status=WAVE_PENDING, recorded=False, action="run", skipped=len(fresh) - len(todo),
                        outside=len(members) - len(fresh),
                        chunks=_chunks(stage["name"], todo, chunk_sizes, stage["ramp"], caps))
            totals["skipped"] += wave["skipped"]
        counts = chunk_counts(wave["chunks"])
        wave["poll_seconds"] = poll_interval(poll_seconds, tasks_by_platform(wave["chunks"]))
        wave["poll_retries"] = int(math.ceil(float(wave["gate"]["timeout"]) / wave["poll_seconds"])) + 1
        wave.update(counts)  # devices per platform, one key per platform of the registry
        wave["devices"] = sum(counts.values())
        totals["to_upgrade"] += wave["devices"]
        for name, count in counts.items():
            totals[name] += count
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
        "caps": dict(caps or {}),
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
    if not same_targets(state.get("targets"), targets):
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
    lines = ["Rollout %s: %d devices in the fleet, %d to upgrade (%s) in %d waves, "
             "%d platform tasks; %d already on the target version."
             % (plan["rollout_id"], totals["fleet"], totals["to_upgrade"], registry.short_counts(totals),
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
        head = "Wave %d %s (%s): %d devices (%s)" % (
            wave["index"], wave["name"], size, wave["devices"], registry.short_counts(wave))
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
        lines += dispatch.plan_lines(wave, plan.get("caps"))
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
    return registry.facts(chunk["platform"]).describe_create(chunk, targets, sample)


def poll_calls(wave):
    """The reads of one progress round of a wave: by pages, one listing per scope for all its tasks."""
    calls = []
    for name in registry.names():
        found = registry.facts(name)
        mine = [c for c in wave["chunks"] if c["platform"] == name]
        if not mine:
            continue
        if found.progress_per_product:
            for product in sorted(set(c["product_id"] for c in mine)):
                calls.append("%s %s (product %s)" % (found.short, found.progress_call, product))
        else:
            calls.append("%s %s" % (found.short, found.progress_call))
    return calls


def plan_brief(plan):
    """The plan's waves without device lists (what reports and the role's loop need)."""
    keys = ("index", "name", "status", "action", "assigned", "devices", "skipped", "gate",
            "accepted", "poll_seconds", "poll_retries") + registry.names()  # devices per platform
    return [dict(((k, wave.get(k)) for k in keys), chunks=len(wave["chunks"])) for wave in plan["waves"]]
