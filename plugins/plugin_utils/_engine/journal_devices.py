# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a rollout's journal says about its devices, for the rollouts derived from it (:mod:`.derive`): the devices
that failed in a wave (its retry), the devices the rollout upgraded (its rollback), the tasks it recorded. Pure: a
journal in, plain data out.

* **Failed** (:func:`retry_devices`): the devices a wave record lists as failed, de-duplicated, only devices of the
  wave, only once the wave has ended.
* **Upgraded** (:func:`upgraded_devices`, :func:`rollback_devices`): the devices of the chunks of ended waves that
  have a task, less those busy, up to date, in flight or failed (:func:`left_out_text` says how many and why), plus
  those the rollout's retries upgraded.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _platforms as registry
from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _rollout as rollout

ENDED = (rollout.WAVE_PASSED, rollout.WAVE_ABORTED)


def _uid(platform, device, product_id=None):
    return rollout.device_uid(platform, device, product_id)


def _entry(platform, device, product_id=None):
    return {"platform": platform, "id": device, "product_id": product_id or None}


def wave_names(state):
    """The waves of a journal in the order they started."""
    waves = state.get("waves") or {}
    order = [name for name in state.get("order") or [] if name in waves]
    return order + sorted((n for n in waves if n not in order), key=lambda n: (waves[n].get("index") or 0, n))


def _has_task(chunk):
    return chunk.get("task_id") not in (None, "")


def _failed_uids(record):
    """The uids of the devices a wave record lists as failed (product from the failure, else from its task's chunk)."""
    products = dict(((c.get("platform"), str(c.get("task_id"))), c.get("product_id"))
                    for c in record.get("chunks") or [] if _has_task(c))
    out = []
    for failure in record.get("failures") or []:
        platform, device = failure.get("platform"), rollout._text(failure.get("device"))
        if platform not in registry.names() or not device:
            out.append(None)
            continue
        product = failure.get("product_id") or products.get((platform, str(failure.get("task_id"))))
        out.append(_uid(platform, device, product))
    return out


def retry_devices(state, wave, rollout_id=None):
    """``(devices, info)``: the devices listed as failed in ``wave`` of the journal ``state``, once each.

    A failure entry naming no device of the wave (a platform listing rows of other tasks) is left out and counted
    (``info["outside"]``). Refused: a wave the journal does not have, a wave still started (``"wave X is still
    running"``), a wave without failed devices (``"nothing to retry"``).
    """
    rollout_id = rollout_id or state.get("rollout_id")
    waves = state.get("waves") or {}
    record = waves.get(wave)
    if record is None:
        raise rollout.RolloutError("nothing to retry: rollout %s has no wave %r in its journal (waves: %s)"
                                   % (rollout_id, wave, ", ".join(wave_names(state)) or "none"))
    if record.get("status") not in ENDED:
        raise rollout.RolloutError(
            "wave %s is still running (rollout %s, wave status %s): run rollout %s until the wave has ended, then "
            "retry its failed devices" % (wave, rollout_id, record.get("status"), rollout_id))
    members = {}
    for chunk in record.get("chunks") or []:
        for device in chunk.get("devices") or []:
            members.setdefault(_uid(chunk["platform"], device, chunk.get("product_id")),
                               _entry(chunk["platform"], device, chunk.get("product_id")))
    failures = _failed_uids(record)
    devices, seen, outside = [], set(), 0
    for uid in failures:
        if uid is None or uid not in members:
            outside += 1
        elif uid not in seen:
            seen.add(uid)
            devices.append(members[uid])
    info = {"wave_devices": len(members), "failure_entries": len(failures), "outside": outside,
            "duplicates": len(failures) - outside - len(devices), "wave_status": record.get("status")}
    if not devices:
        raise rollout.RolloutError("nothing to retry: wave %s of rollout %s (%s) has no failed device%s"
                                   % (wave, rollout_id, record.get("status"),
                                      " (%d failure entries name no device of the wave)" % outside if outside else ""))
    return devices, info


def upgraded_devices(state):
    """``(devices, info)``: the devices the journal ``state`` says its rollout upgraded.

    The devices of the chunks of passed and aborted waves that have a task, less those the chunk lists as busy (in
    another task) or up to date (never in this task), less those of tasks still in flight when their wave ended
    (their outcome is not recorded), less those listed as failed. ``info`` counts each left-out device once, under
    the first of these reasons, and names the waves still started (not considered).
    """
    failed = set()
    flying = set()
    for record in (state.get("waves") or {}).values():
        failed.update(uid for uid in _failed_uids(record) if uid)
        flying.update((entry.get("platform"), str(entry.get("task_id"))) for entry in record.get("in_flight") or [])
    counts = {"in_waves": 0, "no_task": 0, "busy": 0, "up_to_date": 0, "in_flight": 0, "failed": 0}
    devices, seen = [], set()
    started = []
    for name in wave_names(state):
        record = state["waves"][name]
        if record.get("status") not in ENDED:
            started.append(name)
            continue
        for chunk in record.get("chunks") or []:
            platform, product = chunk["platform"], chunk.get("product_id")
            busy = set(chunk.get("busy") or {})
            current = set(chunk.get("up_to_date") or [])
            for device in chunk.get("devices") or []:
                uid = _uid(platform, device, product)
                if uid in seen:
                    continue
                seen.add(uid)
                counts["in_waves"] += 1
                if not _has_task(chunk):
                    counts["no_task"] += 1
                elif device in busy:
                    counts["busy"] += 1
                elif device in current:
                    counts["up_to_date"] += 1
                elif (platform, str(chunk["task_id"])) in flying:
                    counts["in_flight"] += 1
                elif uid in failed:
                    counts["failed"] += 1
                else:
                    devices.append(_entry(platform, device, product))
    return devices, dict(counts, started_waves=started)


def rollback_devices(state, retries=()):
    """``(devices, info)``: :func:`upgraded_devices` of the rollout, plus those its retries (the journals of
    ``<id>.retry-<wave>``, ``retries``) upgraded. Refused when there is none (``"nothing to roll back"``)."""
    devices, info = upgraded_devices(state)
    seen = set(_uid(d["platform"], d["id"], d["product_id"]) for d in devices)
    added = 0
    for retry in retries or ():
        for device in upgraded_devices(retry)[0]:
            uid = _uid(device["platform"], device["id"], device["product_id"])
            if uid not in seen:
                seen.add(uid)
                devices.append(device)
                added += 1
    info = dict(info, from_retries=added, retries=[r.get("rollout_id") for r in retries or ()])
    if not devices:
        raise rollout.RolloutError("nothing to roll back: rollout %s upgraded no device according to its journal (%s)"
                                   % (state.get("rollout_id"), left_out_text(info) or "it has no ended wave"))
    return devices, info


def left_out_text(info):
    """Why devices of the journal are not in the rollback, as a phrase (``""`` when none is left out)."""
    parts = []
    for key, text in (("failed", "listed as failed"), ("in_flight", "in tasks still in flight when their wave ended"),
                      ("busy", "busy in another task"), ("up_to_date", "already on the target version"),
                      ("no_task", "in chunks without a task")):
        if info.get(key):
            parts.append("%d %s" % (info[key], text))
    if info.get("started_waves"):
        parts.append("waves still started, not considered: %s" % ", ".join(info["started_waves"]))
    return "; ".join(parts)


def recorded_tasks(states):
    """``[[platform, task id as text], ...]``: the tasks the journals ``states`` record (their chunks' task ids)."""
    found = set()
    for state in states:
        for record in (state.get("waves") or {}).values():
            for chunk in record.get("chunks") or []:
                if _has_task(chunk):
                    found.add((chunk["platform"], str(chunk["task_id"])))
    return [list(item) for item in sorted(found)]
