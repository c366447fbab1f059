# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Huawei legacy northbound device upgrade: pure logic, no I/O.

* :func:`validate` checks every documented rule of ``CreateUpgradeTaskInDTO`` (targets, policy, time window)
  before any request and returns the work (normalized desired state).
* :func:`build_body` makes the ``POST /iodm/northbound/v1.5.0/operations/firmwareUpgrade`` body.

The tasks as the platform reports them (task objects, counters, summary, views) are ``task_state.py``.

Time values use ``yyyyMMdd'T'HHmmss'Z'`` (UTC); every check that needs the current time takes an injectable ``now``.
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

from ansible_collections.iotfleet.firmware.plugins.module_utils import _option_types
from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import ValidationError

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
TASK_ACTIVE = ("wait", "processing")
COUNT_KEYS = ("total", "wait", "processing", "success", "fail", "stop", "timeout")
FAILED_SUBTASK_STATUSES = ("fail", "timeout")
SUB_STATUS_ALIASES = {"failed": "fail", "stopped": "stop", "waiting": "wait", "succeeded": "success"}
TARGET_KEYS = (("device_type", "deviceType"), ("model", "model"), ("manufacturer_name", "manufacturerName"))


# Kept as a name for callers of the old module: the contract's ValidationError.
TaskValidationError = ValidationError


def task_argument_spec():
    """The module's ``targets`` and ``policy`` options with their suboptions (``huawei_iot_firmware_task``).

    :func:`validate` converts them with it too: the rollout engine passes ``huawei_policy`` as given, not through
    AnsibleModule.
    """
    return dict(
        targets=dict(type="dict", options=dict(
            devices=dict(type="list", elements="str"),
            device_groups=dict(type="list", elements="str"),
            device_type=dict(type="str"),
            model=dict(type="str"),
            manufacturer_name=dict(type="str"),
        )),
        policy=dict(type="dict", options=dict(
            execute_type=dict(type="str", default="now", choices=list(EXECUTE_TYPES)),
            start_time=dict(type="str"),
            end_time=dict(type="str"),
            retry_type=dict(type="bool", default=False),
            retry_times=dict(type="int"),
        )),
    )


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

    The returned dict has ``state``, ``operation_id`` (also as ``task_id``), ``file_id``, ``targets`` (snake_case,
    normalized), ``policy`` (snake_case, defaults applied) and ``deferred_errors`` (the start-in-the-past rule,
    see :func:`check_time_window`). Raises :class:`ValidationError`.
    """
    params, type_errors, wrong_type = _converted(params)
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
    if raw_targets is not None and "targets" not in wrong_type:
        targets = _validate_targets(raw_targets, errors)
    policy, deferred = _validate_policy(raw_policy if "policy" not in wrong_type else None, errors, now)

    if type_errors or errors:
        raise TaskValidationError(type_errors + errors)
    return {
        "state": state,
        "operation_id": operation_id,
        "task_id": operation_id,
        "file_id": file_id,
        "targets": targets,
        "policy": policy,
        "deferred_errors": deferred,
    }


def _converted(params):
    """``params`` with ``targets`` and ``policy`` converted to their types; the errors, each naming its option;
    the options that could not be converted (their rules are not checked further).

    The module's values are converted already (AnsibleModule); the rollout engine's come as the play gave them.
    """
    spec = task_argument_spec()
    errors, wrong = [], set()
    for name in spec:
        params, option_errors = _option_types.convert({name: spec[name]}, params)
        if option_errors:
            errors.extend(option_errors)
            wrong.add(name)
    return params, errors, wrong


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

def clean_text(value):
    if value is None:
        return None
    text = ("%s" % value).strip()
    return text or None


def build_targets(targets, devices=None):
    """``OperateDevices``; ``devices`` (a subset chosen by the caller) replaces ``targets.devices``."""
    body = {}
    if devices is not None or targets.get("devices"):
        body["devices"] = list(devices if devices is not None else targets["devices"])
    elif targets.get("device_groups"):
        body["deviceGroups"] = list(targets["device_groups"])
    for key, api_key in TARGET_KEYS:
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


def build_body(work, devices=None):
    """``CreateUpgradeTaskInDTO`` for the work (for ``devices`` only, when given)."""
    return {"fileId": work["file_id"], "targets": build_targets(work["targets"], devices),
            "policy": build_policy(work["policy"])}


def package_filters(package):
    """Documented task-list filters for the tasks of a package's devices: deviceType, model, manufacturerName."""
    filters = {"operationType": OPERATE_TYPE}
    for _key, api_key in TARGET_KEYS:
        if (package or {}).get(api_key):
            filters[api_key] = package[api_key]
    return filters


def package_mismatches(targets, package):
    """Errors when targets name a device type, model or manufacturer other than the package's (123016)."""
    errors = []
    for key, api_key in TARGET_KEYS:
        want = clean_text((targets or {}).get(key))
        have = clean_text((package or {}).get(api_key))
        if want and have and want != have:
            errors.append("targets.%s is %r but package %s is for %s %r: the deviceType, manufacturerName and model "
                          "of the targets must match the package given by file_id (error 123016 targetversion not "
                          "match with device)" % (key, want, clean_text(package.get("fileId")) or "file_id", api_key, have))
    return errors
