# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Huawei legacy northbound tasks as the platform reports them: pure logic, no I/O.

* :func:`task_info` turns a task object (type-checked) into the contract's :class:`TaskInfo`; its targets and policy
  in the module's form, compared with the work's (:func:`same_group_targets`, :func:`policy_differences`).
* Comparable views for ``diff`` (:func:`desired_view`, :func:`task_view`).
* Counters (type-checked ``staResult``, or counted from the subtasks), the neutral summary and "is it finished".

The work itself (validation of the module options, the create body) is ``task.py``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.iotfleet.firmware.plugins.module_utils._errors import IoTError
from ansible_collections.iotfleet.firmware.plugins.module_utils._parse import expect_dict, expect_str
from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import TaskInfo
from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import summarize as neutral_summary
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei.task import (
    COUNT_KEYS,
    SUB_STATUS_ALIASES,
    TARGET_KEYS,
    TASK_ACTIVE,
    TASK_FINAL,
    clean_text,
)


# --------------------------------------------------------------------------- reading tasks

def _string_set(call, raw, key, where):
    """A documented list of ids as a frozenset (``None`` when absent); anything but a list of strings is an error."""
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise IoTError("%s: field '%s.%s' is not a list of strings" % (call, where, key), code="InvalidResponse",
                       call=call)
    return frozenset(item.strip() for item in value if item.strip())


def task_file_id(raw):
    """``extendPara.fileId`` when the platform echoes it (undocumented content: a fast path only)."""
    extend = (raw or {}).get("extendPara")
    if isinstance(extend, dict):
        return clean_text(extend.get("fileId"))
    return None


def task_info(call, raw, where="Response"):
    """A task object (``GET operations/{id}`` or a list item) as :class:`TaskInfo`, its documented fields checked."""
    raw = expect_dict(call, raw, where)
    task_id = expect_str(call, raw, "operationId")
    status = (expect_str(call, raw, "status", required=False) or "").lower()
    targets = raw.get("targets")
    devices = groups = None
    if targets is not None:
        targets = expect_dict(call, targets, where + ".targets")
        devices = _string_set(call, targets, "devices", where + ".targets")
        groups = _string_set(call, targets, "deviceGroups", where + ".targets")
    return TaskInfo(task_id=task_id, status=status or None, active=status in TASK_ACTIVE, devices=devices or None,
                    groups=groups or None, created=expect_str(call, raw, "createTime", required=False), raw=raw)


def task_targets(raw):
    """The task's ``targets`` in the module's snake_case form (``None`` if the task shows none)."""
    targets = (raw or {}).get("targets")
    if not isinstance(targets, dict):
        return None
    result = {}
    devices = sorted(set(clean_text(item) for item in targets.get("devices") or [] if clean_text(item)))
    groups = sorted(set(clean_text(item) for item in targets.get("deviceGroups") or [] if clean_text(item)))
    if devices:
        result["devices"] = devices
    if groups:
        result["device_groups"] = groups
    for key, api_key in TARGET_KEYS:
        if clean_text(targets.get(api_key)):
            result[key] = clean_text(targets.get(api_key))
    return result or None


def task_policy(raw):
    """The task's policy in snake_case with the documented defaults (now, retryType false)."""
    policy_raw = (raw or {}).get("policy")
    policy_raw = policy_raw if isinstance(policy_raw, dict) else {}
    policy = {"execute_type": clean_text(policy_raw.get("executeType")) or "now",
              "retry_type": _bool(policy_raw.get("retryType"))}
    if policy["execute_type"] == "custom":
        policy["start_time"] = clean_text(policy_raw.get("startTime"))
        policy["end_time"] = clean_text(policy_raw.get("endTime"))
    if policy["retry_type"]:
        policy["retry_times"] = _int(policy_raw.get("retryTimes"))
    return policy


def _bool(value):
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def normalized_targets(targets):
    """Comparable form: the device set, or the group set plus type/model/manufacturer."""
    targets = targets or {}
    if targets.get("devices"):
        return {"devices": sorted(set(targets["devices"]))}
    return {
        "device_groups": sorted(set(targets.get("device_groups") or [])),
        "device_type": targets.get("device_type"),
        "model": targets.get("model"),
        "manufacturer_name": targets.get("manufacturer_name"),
    }


def same_group_targets(work_targets, raw):
    """The task targets the same set of groups with the same deviceType, model and manufacturerName."""
    actual = task_targets(raw)
    return bool(actual) and not actual.get("devices") and normalized_targets(actual) == normalized_targets(
        work_targets)


def policy_differences(desired_policy, actual_policy):
    """Policy keys whose values differ (start/end only compared for ``custom``)."""
    keys = ["execute_type", "retry_type", "retry_times"]
    if "custom" in (desired_policy.get("execute_type"), actual_policy.get("execute_type")):
        keys += ["start_time", "end_time"]
    return sorted(key for key in keys if desired_policy.get(key) != actual_policy.get(key))


# --------------------------------------------------------------------------- views for diff

def normalize(value):
    """Canonical form for comparing desired and actual state: sorted lists, no empty values."""
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            item = normalize(item)
            if item not in (None, [], {}, ""):
                result[key] = item
        return result
    if isinstance(value, (list, tuple)):
        items = [normalize(item) for item in value]
        try:
            return sorted(items)
        except TypeError:
            return items
    return value


def desired_view(work, devices=None):
    targets = dict(work.get("targets") or {})
    if devices is not None:
        targets["devices"] = list(devices)
    return normalize({"file_id": work.get("file_id"), "targets": normalized_targets(targets),
                      "policy": work.get("policy")})


def task_view(raw, file_id=None):
    """Comparable view of a task: ``file_id`` (echoed, or the one it was matched for), targets, policy."""
    targets = task_targets(raw)
    return normalize({"file_id": task_file_id(raw) or file_id,
                      "targets": normalized_targets(targets) if targets else None,
                      "policy": task_policy(raw)})


# --------------------------------------------------------------------------- counters and summary

def counts_of(call, raw, where="Response"):
    """``staResult`` counters; every documented counter present must be an int (an error naming the call
    otherwise, never "all done"). ``None`` when the task has no ``staResult``."""
    sta = raw.get("staResult")
    if sta is None:
        return None
    sta = expect_dict(call, sta, where + ".staResult")
    counts = {}
    for key in COUNT_KEYS:
        value = sta.get(key)
        if value is None:
            counts[key] = 0
        elif isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            counts[key] = value
        else:
            raise IoTError("%s: field '%s.staResult.%s' is %r, expected a non-negative integer"
                           % (call, where, key, value), code="InvalidResponse", call=call)
    return counts


def counts_of_subtasks(subtasks):
    """Counters computed from subtask rows (one per device); unknown statuses count as ``processing``."""
    counts = dict((key, 0) for key in COUNT_KEYS)
    for sub in subtasks or []:
        status = (clean_text((sub or {}).get("status")) or "wait").lower()
        status = SUB_STATUS_ALIASES.get(status, status)
        counts[status if status in counts and status != "total" else "processing"] += 1
        counts["total"] += 1
    return counts


def summarize(counts):
    """The platform-neutral ``summary`` from Huawei counters: succeeded = success, failed = fail + timeout + stop,
    in progress = the rest of ``total`` (wait, processing)."""
    succeeded = counts.get("success") or 0
    failed = (counts.get("fail") or 0) + (counts.get("timeout") or 0) + (counts.get("stop") or 0)
    listed = succeeded + failed + (counts.get("wait") or 0) + (counts.get("processing") or 0)
    total = max(counts.get("total") or 0, listed)
    return neutral_summary(succeeded, failed, total - succeeded - failed)


def counters_final(counts):
    """Every device of the task has a final subtask status (success, fail, stop, timeout)."""
    total = counts.get("total") or 0
    done = sum(counts.get(key) or 0 for key in ("success", "fail", "stop", "timeout"))
    return total > 0 and done >= total and not (counts.get("wait") or counts.get("processing"))


def task_done(status, counts):
    """Task status is final (success/failed/stop) or all its counters are final."""
    return (status or "") in TASK_FINAL or counters_final(counts)
