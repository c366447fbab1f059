# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Huawei legacy northbound device upgrade: pure logic, no I/O.

* :func:`validate` checks every documented rule of ``CreateUpgradeTaskInDTO`` (targets, policy,
  time window) before any request and returns the normalized desired state.
* :func:`build_body` makes the ``POST /iodm/northbound/v1.5.0/operations/firmwareUpgrade`` body.
* "Same task" matching: :func:`targets_match`, :func:`package_verdict`, :func:`policy_differences`.
* Counters, summary and "is it finished" for tasks and subtasks.

Time values use ``yyyyMMdd'T'HHmmss'Z'`` (UTC); every check that needs the current time takes
an injectable ``now``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from datetime import datetime, timedelta

try:
    from datetime import timezone
    UTC = timezone.utc
except ImportError:  # pragma: no cover - Python 2 is not supported by the collection
    UTC = None

from ansible_collections.iotfleet.firmware.plugins.module_utils.common import normalize

OPERATE_TYPE = "firmware_upgrade"
MAX_TARGETS = 256
RETRY_TIMES_RANGE = (1, 5)
MIN_WINDOW = timedelta(minutes=5)
EXECUTE_TYPES = ("now", "device_online", "custom")
TIME_FORMAT = "%Y%m%dT%H%M%SZ"
TIME_RE = re.compile(r"^\d{8}T\d{6}Z$")
TIME_HINT = "yyyyMMdd'T'HHmmss'Z' (UTC), for example 20151212T121212Z"

# Task status values (reference §4). Subtasks use ``fail`` where tasks use ``failed`` (§6).
TASK_FINAL = ("success", "failed", "stop")
TASK_NOT_ADOPTABLE = ("failed", "stop")
TASK_ACTIVE = ("wait", "processing")
COUNT_KEYS = ("total", "wait", "processing", "success", "fail", "stop", "timeout")
SUB_STATUS_ALIASES = {"failed": "fail", "stopped": "stop", "waiting": "wait", "succeeded": "success"}
# Where a task (``extendPara``) or a subtask (``extendInfo``) may name the target version. Unverified
# in the reference (both are free JSON objects); used only when ``extendPara.fileId`` is absent.
VERSION_KEYS = ("targetVersion", "version", "fileVersion")


class TaskValidationError(Exception):
    """One or more option errors; ``errors`` lists them, each naming the option and the rule."""

    def __init__(self, errors):
        super(TaskValidationError, self).__init__("; ".join(errors))
        self.errors = list(errors)


# --------------------------------------------------------------------------- time

def utc_now():
    return datetime.now(UTC)


def parse_time(value):
    """``yyyyMMdd'T'HHmmss'Z'`` -> aware UTC datetime, or ``None`` when malformed."""
    if not isinstance(value, str) or not TIME_RE.match(value):
        return None
    try:
        return datetime.strptime(value, TIME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


def format_time(moment):
    return moment.astimezone(UTC).strftime(TIME_FORMAT)


def check_time_window(start_time, end_time, now=None):
    """Errors of a custom window: format, start before end, 5-minute window, start not in the past.

    Returns ``(errors, past_errors)``: the start-in-the-past error is returned separately because
    the runner checks it only when a task would actually be created (a re-run after the start
    time must still find and report the task it created earlier).
    """
    errors = []
    past = []
    start = parse_time(start_time)
    end = parse_time(end_time)
    if start_time is not None and start is None:
        errors.append("policy.start_time must use the format %s, got %r (error 123026 startTime or endTime is "
                      "null or error)" % (TIME_HINT, start_time))
    if end_time is not None and end is None:
        errors.append("policy.end_time must use the format %s, got %r (error 123026 startTime or endTime is "
                      "null or error)" % (TIME_HINT, end_time))
    if start is not None and end is not None:
        if start >= end:
            errors.append("policy.start_time (%s) must be earlier than policy.end_time (%s) (error 123032 startTime "
                          "can not be later than the endTime)" % (start_time, end_time))
        elif end - start < MIN_WINDOW:
            errors.append("policy.end_time (%s) must be at least 5 minutes after policy.start_time (%s) (error "
                          "123034 endtime must be greater than 5 minutes)" % (end_time, start_time))
    if start is not None:
        now = now or utc_now()
        if start < now:
            past.append("policy.start_time (%s) must not be in the past, it is now %s UTC (error 123033 startTime "
                        "can not be earlier than the now)" % (start_time, format_time(now)))
    return errors, past


# --------------------------------------------------------------------------- validation

def _clean_list(values):
    """Strip, drop duplicates (keeping the first), keep order; report empty items."""
    result = []
    empty = False
    for value in values or []:
        text = ("%s" % value).strip() if value is not None else ""
        if not text:
            empty = True
            continue
        if text not in result:
            result.append(text)
    return result, empty


def validate(params, now=None):
    """Check the module options against every documented rule; return the desired state.

    The returned dict has ``state``, ``operation_id``, ``file_id``, ``targets`` (snake_case,
    normalized), ``policy`` (snake_case, defaults applied) and ``deferred_errors`` (the
    start-in-the-past rule, see :func:`check_time_window`). Raises :class:`TaskValidationError`.
    """
    errors = []
    state = params.get("state") or "present"
    operation_id = params.get("operation_id")
    if operation_id is not None:
        operation_id = ("%s" % operation_id).strip()
        if not operation_id:
            errors.append("operation_id must not be empty")
    file_id = params.get("file_id")
    if file_id is not None:
        file_id = file_id.strip()
        if not file_id:
            errors.append("file_id must not be empty")
    raw_targets = params.get("targets")
    raw_policy = params.get("policy")

    if operation_id is None:
        if file_id is None and not errors:
            errors.append("file_id is required (the fileId of the firmware package) unless operation_id is given")
        if raw_targets is None:
            errors.append("targets is required (targets.devices or targets.device_groups) unless operation_id is given")

    targets = None
    if raw_targets is not None:
        targets = _validate_targets(raw_targets, errors)
    policy, deferred = _validate_policy(raw_policy, errors, now)

    if errors:
        raise TaskValidationError(errors)
    return {
        "state": state,
        "operation_id": operation_id,
        "file_id": file_id,
        "targets": targets,
        "policy": policy,
        "deferred_errors": deferred,
    }


def _validate_targets(raw, errors):
    devices, empty_devices = _clean_list(raw.get("devices"))
    groups, empty_groups = _clean_list(raw.get("device_groups"))
    if empty_devices:
        errors.append("targets.devices must not contain empty device IDs")
    if empty_groups:
        errors.append("targets.device_groups must not contain empty group names")
    targets = {}
    for key in ("device_type", "model", "manufacturer_name"):
        value = raw.get(key)
        if value is not None and ("%s" % value).strip():
            targets[key] = ("%s" % value).strip()
    if devices and groups:
        errors.append("targets: give either targets.devices or targets.device_groups, not both (documented: "
                      "either deviceGroups or devices must be specified; error 123023 deviceGroups and devices "
                      "cannot be exist together)")
    elif not devices and not groups:
        errors.append("targets: give exactly one of targets.devices and targets.device_groups, with at least one "
                      "entry (error 123022 deviceGroups and devices cannot be null together)")
    if len(devices) > MAX_TARGETS:
        errors.append("targets.devices lists %d devices; at most %d devices are supported per task (error 123024 "
                      "the number of deviceGroups or devices reached upper limit)" % (len(devices), MAX_TARGETS))
    if len(groups) > MAX_TARGETS:
        errors.append("targets.device_groups lists %d groups; at most %d device groups are supported per task "
                      "(error 123024 the number of deviceGroups or devices reached upper limit)"
                      % (len(groups), MAX_TARGETS))
    if groups:
        missing = [key for key in ("device_type", "model", "manufacturer_name") if key not in targets]
        if missing:
            codes = {"device_type": "123020 deviceType is null", "model": "123021 model is null",
                     "manufacturer_name": "123019 manufacturerName is null"}
            errors.append("targets.device_groups requires %s: deviceType, model and manufacturerName must be "
                          "specified when a device group is specified (%s)"
                          % (", ".join("targets." + key for key in missing),
                             "; ".join("error " + codes[key] for key in missing)))
        targets["device_groups"] = groups
    if devices:
        targets["devices"] = devices
    return targets


def _validate_policy(raw, errors, now):
    raw = raw or {}
    execute_type = raw.get("execute_type") or "now"
    start_time = raw.get("start_time")
    end_time = raw.get("end_time")
    retry_type = raw.get("retry_type")
    retry_type = bool(retry_type) if retry_type is not None else False
    retry_times = raw.get("retry_times")
    deferred = []
    if execute_type not in EXECUTE_TYPES:
        errors.append("policy.execute_type must be one of %s, got %r (error 123025 executeType is error or can not "
                      "to be null)" % (", ".join(EXECUTE_TYPES), execute_type))
    if execute_type == "custom":
        missing = [name for name, value in (("policy.start_time", start_time), ("policy.end_time", end_time))
                   if not value]
        if missing:
            errors.append("policy.execute_type=custom requires %s: startTime and endTime must be specified when "
                          "executeType is custom (error 123026 startTime or endTime is null or error)"
                          % " and ".join(missing))
        window_errors, deferred = check_time_window(start_time or None, end_time or None, now)
        errors.extend(window_errors)
    else:
        given = [name for name, value in (("policy.start_time", start_time), ("policy.end_time", end_time)) if value]
        if given:
            errors.append("%s only apply to policy.execute_type=custom (execute_type is %s)"
                          % (" and ".join(given), execute_type))
    if retry_type:
        if retry_times is None:
            errors.append("policy.retry_times is required when policy.retry_type=true: the value ranges from 1 to 5 "
                          "(error 123028 retryTimes is null or beyond the limit)")
        elif not RETRY_TIMES_RANGE[0] <= retry_times <= RETRY_TIMES_RANGE[1]:
            errors.append("policy.retry_times must be between 1 and 5, got %s (error 123028 retryTimes is null or "
                          "beyond the limit)" % retry_times)
    elif retry_times is not None:
        errors.append("policy.retry_times is only allowed with policy.retry_type=true (the platform retries only "
                      "when retryType is true)")
    policy = {"execute_type": execute_type, "retry_type": retry_type}
    if execute_type == "custom":
        policy["start_time"] = start_time
        policy["end_time"] = end_time
    if retry_type:
        policy["retry_times"] = retry_times
    return policy, deferred


# --------------------------------------------------------------------------- request body

def build_targets(targets):
    body = {}
    if targets.get("devices"):
        body["devices"] = list(targets["devices"])
    if targets.get("device_groups"):
        body["deviceGroups"] = list(targets["device_groups"])
    for key, api_key in (("device_type", "deviceType"), ("model", "model"), ("manufacturer_name", "manufacturerName")):
        if targets.get(key):
            body[api_key] = targets[key]
    return body


def build_policy(policy):
    body = {"executeType": policy["execute_type"], "retryType": bool(policy.get("retry_type"))}
    if policy.get("start_time"):
        body["startTime"] = policy["start_time"]
    if policy.get("end_time"):
        body["endTime"] = policy["end_time"]
    if policy.get("retry_type"):
        body["retryTimes"] = policy["retry_times"]
    return body


def build_body(desired):
    """``CreateUpgradeTaskInDTO`` for the desired state."""
    return {"fileId": desired["file_id"], "targets": build_targets(desired["targets"]),
            "policy": build_policy(desired["policy"])}


def list_filters(desired):
    """Task-list query that returns every candidate "same task" (a superset; matched client side).

    Device targets: ``deviceId`` of one target device (every same task covers all of them).
    Group targets: ``deviceType``/``model``/``manufacturerName``.
    """
    filters = {"operationType": OPERATE_TYPE}
    targets = desired["targets"]
    if targets.get("devices"):
        filters["deviceId"] = sorted(targets["devices"])[0]
    else:
        filters["deviceType"] = targets["device_type"]
        filters["model"] = targets["model"]
        filters["manufacturerName"] = targets["manufacturer_name"]
    return filters


# --------------------------------------------------------------------------- reading tasks

def _text(value):
    if value is None:
        return None
    text = ("%s" % value).strip()
    return text or None


def task_id_of(task):
    return _text((task or {}).get("operationId"))


def task_status(task):
    return (_text((task or {}).get("status")) or "").lower()


def task_file_id(task):
    """``extendPara.fileId`` of a task, if the platform exposes it (reference: unverified)."""
    extend = (task or {}).get("extendPara")
    if isinstance(extend, dict):
        return _text(extend.get("fileId"))
    return None


def task_targets(task):
    """The task's ``targets`` in the module's snake_case form (``None`` if the task shows none)."""
    raw = (task or {}).get("targets")
    if not isinstance(raw, dict):
        return None
    result = {}
    devices = [_text(item) for item in raw.get("devices") or [] if _text(item)]
    groups = [_text(item) for item in raw.get("deviceGroups") or [] if _text(item)]
    if devices:
        result["devices"] = sorted(set(devices))
    if groups:
        result["device_groups"] = sorted(set(groups))
    for api_key, key in (("deviceType", "device_type"), ("model", "model"), ("manufacturerName", "manufacturer_name")):
        if _text(raw.get(api_key)):
            result[key] = _text(raw.get(api_key))
    return result or None


def task_policy(task):
    """The task's policy in snake_case with the documented defaults (now, retryType false)."""
    raw = (task or {}).get("policy")
    raw = raw if isinstance(raw, dict) else {}
    policy = {"execute_type": _text(raw.get("executeType")) or "now", "retry_type": _bool(raw.get("retryType"))}
    if policy["execute_type"] == "custom":
        policy["start_time"] = _text(raw.get("startTime"))
        policy["end_time"] = _text(raw.get("endTime"))
    if policy["retry_type"]:
        policy["retry_times"] = _int(raw.get("retryTimes"))
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


def targets_match(desired_targets, actual_targets):
    """Same devices (as a set), or same groups (as a set) with the same type, model and manufacturer.

    For device targets the optional type/model/manufacturer are not compared: the devices fix them.
    """
    if actual_targets is None:
        return False
    want = normalized_targets(desired_targets)
    if "devices" in want:
        return sorted(set(actual_targets.get("devices") or [])) == want["devices"] and not actual_targets.get(
            "device_groups")
    if actual_targets.get("devices"):
        return False
    return normalized_targets(actual_targets) == want


def is_firmware_task(task):
    operate_type = _text((task or {}).get("operateType")) or _text((task or {}).get("operationType"))
    return operate_type is None or operate_type.lower() == OPERATE_TYPE


def is_adoptable(task):
    """A task in ``wait``, ``processing`` or ``success`` counts as existing; ``failed``/``stop`` do not."""
    return task_status(task) not in TASK_NOT_ADOPTABLE


def is_active(task):
    return task_status(task) not in TASK_FINAL


def versions_exposed(task, subtasks=None):
    """Target versions a task (``extendPara``) or its subtasks (``extendInfo``) mention."""
    found = set()
    sources = [(task or {}).get("extendPara")]
    sources.extend((sub or {}).get("extendInfo") for sub in subtasks or [])
    for source in sources:
        if isinstance(source, dict):
            for key in VERSION_KEYS:
                if _text(source.get(key)):
                    found.add(_text(source.get(key)))
    return found


def package_verdict(file_id, task, package=None, subtasks=None):
    """Is ``task`` an upgrade to package ``file_id``? Returns ``(verdict, how)``.

    ``verdict`` is ``"yes"``, ``"no"`` or ``"unknown"``; ``how`` names the evidence:

    1. ``extendPara.fileId`` present: it decides (``how="fileId"``).
    2. Otherwise the package (``GET category/{fileId}``) is compared with what the task exposes:
       a ``deviceType``/``model``/``manufacturerName`` in the task's targets that differs from the
       package's means ``no``; a target version in ``extendPara`` or the subtasks' ``extendInfo``
       (``targetVersion``/``version``/``fileVersion``) decides (``how="version"``).
    3. Nothing to compare: ``unknown`` (the caller must not adopt the task).
    """
    exposed = task_file_id(task)
    if exposed is not None:
        return ("yes" if exposed == file_id else "no"), "fileId"
    if not package:
        return "unknown", None
    raw_targets = (task or {}).get("targets") or {}
    for api_key in ("deviceType", "model", "manufacturerName"):
        have = _text(raw_targets.get(api_key))
        want = _text(package.get(api_key))
        if have and want and have != want:
            return "no", api_key
    package_version = _text(package.get("version"))
    versions = versions_exposed(task, subtasks)
    if versions and package_version:
        return ("yes" if versions == set([package_version]) else "no"), "version"
    return "unknown", None


def package_mismatches(targets, package):
    """Errors when targets name a device type, model or manufacturer other than the package's (123016)."""
    errors = []
    for key, api_key in (("device_type", "deviceType"), ("model", "model"), ("manufacturer_name", "manufacturerName")):
        want = _text((targets or {}).get(key))
        have = _text((package or {}).get(api_key))
        if want and have and want != have:
            errors.append("targets.%s is %r but package %s is for %s %r: the deviceType, manufacturerName and model "
                          "of the targets must match the package given by file_id (error 123016 targetversion not "
                          "match with device)" % (key, want, _text(package.get("fileId")) or "file_id", api_key, have))
    return errors


def policy_differences(desired_policy, actual_policy):
    """Policy keys whose values differ (start/end only compared for ``custom``)."""
    keys = ["execute_type", "retry_type", "retry_times"]
    if "custom" in (desired_policy.get("execute_type"), actual_policy.get("execute_type")):
        keys += ["start_time", "end_time"]
    return sorted(key for key in keys if desired_policy.get(key) != actual_policy.get(key))


def newest_first(tasks):
    return sorted(tasks, key=lambda task: (_text(task.get("createTime")) or "", task_id_of(task) or ""), reverse=True)


# --------------------------------------------------------------------------- views for diff

def desired_view(desired):
    return normalize({"file_id": desired.get("file_id"), "targets": normalized_targets(desired.get("targets")),
                      "policy": desired.get("policy")})


def task_view(task, file_id=None):
    """Comparable view of a task: ``file_id`` (exposed or resolved by matching), targets, policy."""
    targets = task_targets(task)
    return normalize({"file_id": task_file_id(task) or file_id,
                      "targets": normalized_targets(targets) if targets else None,
                      "policy": task_policy(task)})


# --------------------------------------------------------------------------- counters and summary

def counts_of(task):
    """``staResult`` counters as ints (missing ones are 0)."""
    sta = (task or {}).get("staResult")
    sta = sta if isinstance(sta, dict) else {}
    return dict((key, _int(sta.get(key)) or 0) for key in COUNT_KEYS)


def has_counts(task):
    return isinstance((task or {}).get("staResult"), dict)


def counts_of_subtasks(subtasks):
    """Counters computed from subtask rows (one per device); unknown statuses count as ``processing``."""
    counts = dict((key, 0) for key in COUNT_KEYS)
    for sub in subtasks or []:
        status = (_text((sub or {}).get("status")) or "wait").lower()
        status = SUB_STATUS_ALIASES.get(status, status)
        counts[status if status in counts and status != "total" else "processing"] += 1
        counts["total"] += 1
    return counts


def add_counts(many):
    total = dict((key, 0) for key in COUNT_KEYS)
    for counts in many:
        for key in COUNT_KEYS:
            total[key] += counts.get(key) or 0
    return total


def summarize(counts):
    """The platform-neutral ``summary`` of contracts.md from Huawei counters."""
    total = counts.get("total") or 0
    succeeded = counts.get("success") or 0
    failed = (counts.get("fail") or 0) + (counts.get("timeout") or 0) + (counts.get("stop") or 0)
    listed = succeeded + failed + (counts.get("wait") or 0) + (counts.get("processing") or 0)
    total = max(total, listed)
    in_progress = max(0, total - succeeded - failed)
    return {
        "total": total,
        "succeeded": succeeded,
        "failed": failed,
        "in_progress": in_progress,
        "finished": succeeded + failed,
        "success_percent": round(100.0 * succeeded / total, 2) if total else 0.0,
        "failure_percent": round(100.0 * failed / total, 2) if total else 0.0,
    }


def counters_final(counts):
    """Every device of the task has a final subtask status (success, fail, stop, timeout)."""
    total = counts.get("total") or 0
    done = sum(counts.get(key) or 0 for key in ("success", "fail", "stop", "timeout"))
    return total > 0 and done >= total and not (counts.get("wait") or counts.get("processing"))


def task_done(task, counts=None):
    """Task status is final (success/failed/stop) or all its counters are final."""
    if task_status(task) in TASK_FINAL:
        return True
    return counters_final(counts if counts is not None else counts_of(task))
