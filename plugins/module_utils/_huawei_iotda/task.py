# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Huawei Cloud IoTDA v5 batch tasks (OTA): pure logic, no I/O.

* :func:`validate` checks the documented rules of ``CreateBatchTask`` (reference §10.2) before any request and
  returns the work; :func:`build_body` makes the create body for one chunk of at most 30,000 devices
  (:func:`chunks` splits more: a longer device list is the caller's to split, never refused).
* :func:`task_info` turns a task object (type-checked: ``task_id``, ``status``, ``targets``, ``document``) into
  the contract's :class:`TaskInfo`; statuses -> active / final.
* :func:`counts_of` type-checks ``task_progress``; :func:`summarize` gives the neutral summary;
  :func:`failures_of` the per-device failures of ``task_details`` rows.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import re
from datetime import datetime, timezone

from ansible_collections.iotfleet.firmware.plugins.module_utils._errors import IoTError
from ansible_collections.iotfleet.firmware.plugins.module_utils._parse import (
    expect_dict,
    expect_int,
    expect_list,
    expect_str,
)
from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import TaskInfo, ValidationError
from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import summarize as neutral_summary

TASK_TYPES = ("firmwareUpgrade", "softwareUpgrade")  # the upgrade types stop/retry accept (reference §10.5)
MAX_TARGETS = 30000  # device ids per create (reference §10.2)
MAX_ID = 128
ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,128}$")  # device id rule (reference §10.2)
APP_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,36}$")
MAX_TASK_NAME = 128
MAX_RETRY_COUNT = 5
MAX_RETRY_INTERVAL = 1440  # minutes
MAX_EXT_INFO = 512  # task_ext_info: an object of at most 512 characters serialized (reference §10.2)
TIME_FORMAT = "%Y%m%dT%H%M%SZ"
TIME_RE = re.compile(r"^\d{8}T\d{6}Z$")
STOP_MAX_TARGETS = 100  # a stop / retry / confirm body names at most 100 devices
STATES = ("present", "absent", "retried")

# Task statuses (reference §10.3; "Waitting" is the platform's spelling).
TASK_FINAL = ("Success", "Fail", "PartialSuccess", "Stopped")
TASK_ACTIVE = ("Initializing", "Waitting", "Processing", "Stopping")
# Sub-task statuses (reference §10.4); the show filter also accepts "Removed".
DETAIL_STATUSES = ("Waitting", "Processing", "Success", "Fail", "FailWaitRetry", "Stopped", "Removed")
# RetryBatchTask (reference §10.5): not allowed when the task is Success, Stopped, Stopping, Waitting or Initializing,
# so allowed in the other documented statuses; an undocumented status is not retried (never guessed). ``{}`` re-runs
# every Fail, FailWaitRetry and Stopped sub-task: those are the retriable ones (named devices too, inferred).
RETRY_REFUSED = ("Success", "Stopped", "Stopping", "Waitting", "Initializing")
RETRY_ALLOWED = ("Processing", "Fail", "PartialSuccess")
RETRIABLE_DETAILS = ("Fail", "FailWaitRetry", "Stopped")
RETRIABLE_KEYS = ("fail", "fail_wait_retry", "stopped")  # their task_progress counters
FAILED_DETAIL = "Fail"
COUNT_KEYS = ("total", "processing", "success", "fail", "waitting", "fail_wait_retry", "stopped", "removed")
SUCCEEDED_KEYS = ("success",)
# A stopped or removed sub-task is final and did not upgrade the device: counted as failed (like the legacy API's
# "stop"); spec silent on what "removed" means beyond being a final state (inferred: the device left the task).
FAILED_KEYS = ("fail", "stopped", "removed")
IN_PROGRESS_KEYS = ("processing", "waitting", "fail_wait_retry")


# --------------------------------------------------------------------------- statuses

def is_active(status):
    """Not finished: new work must not be created for its devices. An unknown status counts as active (spec silent;
    never create over a task the client cannot read)."""
    return status not in TASK_FINAL


def is_final(status):
    return status in TASK_FINAL


# --------------------------------------------------------------------------- validation

def _clean_ids(values, option, errors):
    """Stripped, de-duplicated ids in order; every rule broken named once."""
    result = []
    seen = set()
    bad = []
    for value in values or []:
        text = ("%s" % value).strip() if value is not None else ""
        if not ID_RE.match(text):
            bad.append(text)
            continue
        if text not in seen:
            seen.add(text)
            result.append(text)
    if bad:
        shown = ", ".join(repr(item) for item in bad[:5]) + (" ..." if len(bad) > 5 else "")
        errors.append("%s: each device id must be 1 to %d characters of letters, digits, _ and -; got %s"
                      % (option, MAX_ID, shown))
    return result


def task_name_problem(name):
    """The task_name rule (<= 128 characters; letters (Chinese included), digits and ``_``), or None."""
    if not name:
        return "task_name must not be empty"
    if len(name) > MAX_TASK_NAME:
        return "task_name must be at most %d characters, got %d" % (MAX_TASK_NAME, len(name))
    if not all(char == "_" or char.isalnum() for char in name):
        return "task_name may contain only letters (Chinese included), digits and _, got %r" % name
    return None


def default_task_name(task_type, package_id, devices):
    """A deterministic name when none is given (the API requires one): ``iotfleet_<type>_<digest>``. Not used to
    identify the work (the reference does not promise names are unique or echoed unchanged)."""
    digest = hashlib.sha256("|".join([task_type, package_id] + sorted(devices)).encode("utf-8")).hexdigest()[:16]
    return "iotfleet_%s_%s" % (task_type, digest)


def check_time(value, option, errors):
    if value is None:
        return None
    if not isinstance(value, str) or not TIME_RE.match(value):
        errors.append("%s must use the format yyyyMMdd'T'HHmmss'Z' (UTC), for example 20261205T120000Z, got %r"
                      % (option, value))
        return None
    try:
        datetime.strptime(value, TIME_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError:
        errors.append("%s is not a valid date and time: %r" % (option, value))
        return None
    return value


def _int_option(raw, key, option, low, high, errors):
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int("%s" % value)
        except ValueError:
            errors.append("%s must be an integer, got %r" % (option, value))
            return None
    if not low <= value <= high:
        errors.append("%s must be between %d and %d, got %d" % (option, low, high, value))
        return None
    return value


def _validate_policy(raw, errors):
    """``policy``: ``schedule_time`` (absent = now), ``retry_count`` (1-5) with ``retry_interval`` (1-1440 minutes);
    the reference says the two retry values go together. Returns the snake_case ``task_policy`` (None values out)."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        errors.append("policy must be a dictionary")
        return {}
    unknown = sorted(set(raw) - set(("schedule_time", "retry_count", "retry_interval")))
    if unknown:
        errors.append("policy has unknown keys %s (known: schedule_time, retry_count, retry_interval)"
                      % ", ".join(unknown))
    policy = {
        # spec: within 7 days of now; only the format is checked here (the platform knows its clock)
        "schedule_time": check_time(raw.get("schedule_time"), "policy.schedule_time", errors),
        # spec silent on the lower bounds; 0 retries or a 0-minute interval mean nothing, so 1 is the floor
        "retry_count": _int_option(raw, "retry_count", "policy.retry_count", 1, MAX_RETRY_COUNT, errors),
        "retry_interval": _int_option(raw, "retry_interval", "policy.retry_interval", 1, MAX_RETRY_INTERVAL, errors),
    }
    if (raw.get("retry_count") is None) != (raw.get("retry_interval") is None):
        errors.append("policy.retry_count and policy.retry_interval must be given together (reference: retry_count "
                      "is required with retry_interval)")
    return dict((key, value) for key, value in policy.items() if value is not None)


def ext_info_json(value):
    """``task_ext_info`` as the request carries it: compact JSON (the transport's ``separators=(",", ":")``,
    ``ensure_ascii=False``), whose length in characters the reference bounds (<= 512)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def ext_info_object(raw, errors):
    """``task_ext_info``: an object (reference §10.2: object, <= 512 characters serialized), forwarded to the devices
    in their upgrade notification. A dict, or a string holding a JSON object (what a template or an environment
    gives); anything else, or more than 512 characters as compact JSON, is an error naming the option."""
    if raw is None:
        return None
    value = raw
    if isinstance(raw, str):
        try:
            value = json.loads(raw)
        except ValueError:
            value = None
    if not isinstance(value, dict):
        errors.append("task_ext_info must be a dictionary (a JSON object, sent as the object task_ext_info), got %s"
                      % ("a string that is not a JSON object" if isinstance(raw, str) else type(raw).__name__))
        return None
    try:
        length = len(ext_info_json(value))
    except (TypeError, ValueError) as exc:
        errors.append("task_ext_info must hold JSON values only: %s" % exc)
        return None
    if length > MAX_EXT_INFO:
        errors.append("task_ext_info must be at most %d characters as compact JSON, got %d" % (MAX_EXT_INFO, length))
        return None
    return value


def _targets_of(raw, errors):
    """``targets`` as a list of device ids, or a dict ``{"devices": [...]}`` (the legacy module's shape)."""
    if raw is None:
        return None
    if isinstance(raw, dict):
        unknown = sorted(set(raw) - set(("devices",)))
        if unknown:
            errors.append("targets has unknown keys %s: IoTDA batch tasks are created for device ids "
                          "(targets.devices or a list)" % ", ".join(unknown))
        raw = raw.get("devices") or []
    if isinstance(raw, str) or not isinstance(raw, (list, tuple)):
        errors.append("targets must be a list of device ids")
        return []
    return raw


def validate(params):
    """The module options -> the work. Raises :class:`ValidationError` naming each option and rule.

    Options: ``state`` (present/absent), ``task_type`` (firmwareUpgrade/softwareUpgrade, default firmwareUpgrade),
    ``package_id``, ``targets`` (device ids; any number: :func:`chunks` splits them by 30,000), ``task_name``,
    ``app_id``, ``policy`` {schedule_time, retry_count, retry_interval}, ``need_confirm``, ``task_ext_info``,
    ``task_id`` (a known task: only it is looked at), ``retry_targets`` (state=retried: the devices to run again).
    """
    errors = []
    state = params.get("state") or "present"
    if state not in STATES:
        errors.append("state must be one of %s, got %r" % (", ".join(STATES), state))
    task_type = params.get("task_type") or TASK_TYPES[0]
    if task_type not in TASK_TYPES:
        errors.append("task_type must be one of %s, got %r (IoTDA v5 spelling, camelCase)"
                      % (", ".join(TASK_TYPES), task_type))
    task_id = params.get("task_id")
    task_id = ("%s" % task_id).strip() if task_id is not None else None
    if task_id is not None and not task_id:
        errors.append("task_id must not be empty")
    package_id = params.get("package_id")
    package_id = ("%s" % package_id).strip() if package_id is not None else None
    if package_id is not None and not package_id:
        errors.append("package_id must not be empty")
    elif package_id is None and task_id is None:
        errors.append("package_id is required (the OTA package to install) unless task_id is given")
    raw_targets = _targets_of(params.get("targets"), errors)
    devices = _clean_ids(raw_targets, "targets", errors) if raw_targets is not None else []
    if raw_targets is None and task_id is None:
        errors.append("targets is required (the device ids to upgrade) unless task_id is given")
    elif raw_targets is not None and not devices and not errors:
        errors.append("targets must name at least one device id")
    app_id = params.get("app_id")
    if app_id is not None and not APP_ID_RE.match("%s" % app_id):
        errors.append("app_id must be 1 to 36 characters of letters, digits, _ and -, got %r" % app_id)
    task_name = params.get("task_name")
    if task_name is not None:
        problem = task_name_problem(task_name)
        if problem:
            errors.append(problem)
    ext_info = ext_info_object(params.get("task_ext_info"), errors)
    policy = _validate_policy(params.get("policy"), errors)
    retry_devices = _retry_devices(params, state, task_id, errors)
    if errors:
        raise ValidationError(errors)
    return {
        "state": state,
        "task_type": task_type,
        "task_id": task_id,
        "package_id": package_id,
        "devices": devices,
        "task_name": task_name,
        "app_id": app_id,
        "policy": policy,
        "need_confirm": bool(params.get("need_confirm")),
        "task_ext_info": ext_info,
        "retry_devices": retry_devices,
    }


def _retry_devices(params, state, task_id, errors):
    """``retry_targets`` (state=retried only, with ``task_id``): the device ids, or None for every retriable one."""
    raw = params.get("retry_targets")
    if state == "retried" and task_id is None:
        errors.append("state=retried needs task_id (the task whose failed devices run again)")
    if raw is None:
        return None
    if state != "retried":
        errors.append("retry_targets is only used with state=retried")
        return None
    if isinstance(raw, str) or not isinstance(raw, (list, tuple)):
        errors.append("retry_targets must be a list of device ids")
        return None
    devices = _clean_ids(raw, "retry_targets", errors)
    if not devices and not errors:
        errors.append("retry_targets must name at least one device id (leave it out to retry every failed device)")
    return devices


def chunks(devices, size=MAX_TARGETS):
    """``devices`` in lists of at most ``size`` (the caller creates one task per list)."""
    devices = list(devices)
    return [devices[index:index + size] for index in range(0, len(devices), size)]


# --------------------------------------------------------------------------- create body and views

def build_body(work, devices=None):
    """The ``CreateBatchTask`` body for ``devices`` (default: the work's devices), at most 30,000."""
    devices = list(work["devices"] if devices is None else devices)
    if len(devices) > MAX_TARGETS:
        raise ValidationError(["targets: one IoTDA batch task takes at most %d devices, got %d; the caller splits "
                               "the devices into several tasks" % (MAX_TARGETS, len(devices))])
    body = {
        "task_name": work.get("task_name") or default_task_name(work["task_type"], work["package_id"], devices),
        "task_type": work["task_type"],
        "targets": devices,
        "document": {"package_ids": [work["package_id"]]},
    }
    if work.get("app_id"):
        body["app_id"] = work["app_id"]
    if work.get("policy"):
        body["task_policy"] = dict(work["policy"])
    if work.get("need_confirm"):
        body["need_confirm"] = True
    if work.get("task_ext_info") is not None:
        body["task_ext_info"] = dict(work["task_ext_info"])  # an object (reference §10.2)
    return body


def desired_view(work, devices=None):
    devices = list(work["devices"] if devices is None else devices)
    return {"task_type": work["task_type"], "package_id": work["package_id"], "targets": sorted(devices),
            "task_policy": dict(work.get("policy") or {}), "target_version": work.get("target_version")}


def task_view(raw):
    """A task as shown in ``diff``: the documented identity fields."""
    return {"task_id": raw.get("task_id"), "task_type": raw.get("task_type"), "status": raw.get("status"),
            "package_ids": package_ids_loose(raw), "targets": sorted(raw.get("targets") or []),
            "task_policy": raw.get("task_policy") or {}}


def package_ids_loose(raw):
    """The package ids of an already checked task object (for views)."""
    document = raw.get("document") if isinstance(raw, dict) else None
    if not isinstance(document, dict):
        return []
    if isinstance(document.get("package_ids"), list):
        return list(document["package_ids"])
    return [document["package_id"]] if isinstance(document.get("package_id"), str) else []


# --------------------------------------------------------------------------- task objects

def _string_list(call, raw, key, where):
    values = expect_list(call, raw, key, required=False, where=where)
    result = []
    for index, value in enumerate(values):
        if not isinstance(value, str) or not value:
            raise IoTError("%s: field '%s.%s[%d]' is not a non-empty string" % (call, where, key, index),
                           code="InvalidResponse", call=call)
        result.append(value)
    return result


def package_ids(call, raw, where="batchtask"):
    """The package ids of a task's ``document``: ``package_ids`` (list) or ``package_id`` (string) — the reference's
    request and response models disagree, both are accepted. ``None`` when the task has no document (unknown)."""
    document = raw.get("document")
    if document is None:
        return None
    document = expect_dict(call, document, where + ".document")
    found = set(_string_list(call, document, "package_ids", where + ".document"))
    single = expect_str(call, document, "package_id", required=False, where=where + ".document")
    if single:
        found.add(single)
    return frozenset(found) if found else None


def task_info(call, raw, where="batchtask"):
    """A task object as :class:`TaskInfo`: ``task_id`` and ``status`` are required strings; ``targets`` a list of
    strings when present (None: the task targets groups or a file); ``document`` checked; ``create_time`` kept."""
    raw = expect_dict(call, raw, where)
    task_id = expect_str(call, raw, "task_id", where=where)
    status = expect_str(call, raw, "status", where=where)
    targets = raw.get("targets")
    devices = frozenset(_string_list(call, raw, "targets", where)) if targets is not None else None
    package_ids(call, raw, where)  # type-checked here, read by the provider
    return TaskInfo(task_id=task_id, status=status, active=is_active(status), devices=devices or None,
                    created=expect_str(call, raw, "create_time", required=False, where=where), raw=dict(raw))


def counts_of(call, raw, where="batchtask"):
    """``task_progress`` as ``{key: int}`` for every documented counter (absent ones 0). ``None`` when the task has no
    ``task_progress`` yet; any counter of the wrong type is an error naming the call."""
    progress = raw.get("task_progress")
    if progress is None:
        return None
    progress = expect_dict(call, progress, where + ".task_progress")
    counts = {}
    for key in COUNT_KEYS:
        counts[key] = expect_int(call, progress, key, required=False, minimum=0, where=where + ".task_progress") or 0
    return counts


def summarize(counts):
    """The neutral summary: succeeded = success; failed = fail + stopped + removed; in progress = processing +
    waitting + fail_wait_retry, plus whatever part of ``total`` no documented counter accounts for (not final)."""
    succeeded = sum(counts.get(key, 0) for key in SUCCEEDED_KEYS)
    failed = sum(counts.get(key, 0) for key in FAILED_KEYS)
    in_progress = sum(counts.get(key, 0) for key in IN_PROGRESS_KEYS)
    unaccounted = counts.get("total", 0) - succeeded - failed - in_progress
    return neutral_summary(succeeded, failed, in_progress + max(0, unaccounted))


def failures_of(call, rows, status=FAILED_DETAIL, where="task_details"):
    """``[{"device", "status", "error_code", "error_msg", "detail"}]`` of ``task_details`` rows read with the filter
    ``task_detail_status=status``. A row of another status is an error naming the call: a server that ignored the
    filter must not turn every device of the task into a failed one."""
    failures = []
    for index, row in enumerate(rows):
        name = "%s[%d]" % (where, index)
        row = expect_dict(call, row, name)
        device = expect_str(call, row, "target", where=name)
        answered = expect_str(call, row, "status", where=name)
        if answered != status:
            raise IoTError("%s with task_detail_status=%s answered a row of status %r (device %s, %s); the rows are "
                           "not read as failures" % (call, status, answered, device, name),
                           code="InvalidResponse", call=call)
        error = row.get("error")
        error = expect_dict(call, error, name + ".error") if error is not None else {}
        code = expect_str(call, error, "error_code", required=False, where=name + ".error")
        message = expect_str(call, error, "error_msg", required=False, where=name + ".error")
        output = expect_str(call, row, "output", required=False, where=name)
        detail = ": ".join(part for part in (code, message) if part) or output or "failed"
        failures.append({"device": device, "status": answered, "error_code": code, "error_msg": message,
                         "detail": detail})
    return failures
