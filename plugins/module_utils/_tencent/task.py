# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Tencent Cloud IoT Explorer firmware tasks: pure logic, no I/O.

Validation of the module options, upgrade-mode detection, the ``BatchUpdateFirmware`` request and
the idempotency marker kept in ``TaskUserDefine``; "is this the same task" matching, the grouping of
``DescribeFirmwareTaskDevices`` rows per task and the per-device summary are ``task_state.py``. Everything
here is deterministic and unit-tested directly; ``api.py`` does the talking and ``provider.py`` the deciding.

Two code spaces share the number 6 and must not be mixed up:

* task level: ``UpdateOtaTaskStatus(Status=6)`` *cancels* a task, and ``DescribeFirmwareTask`` /
  ``DescribeFirmwareTasks`` then report ``Status: 6`` for it (the only task status with a
  documented meaning; every other task-level value is undocumented and only recorded);
* device level: a ``DescribeFirmwareTaskDevices`` row with ``Status: 6`` means the upgrade
  *completed successfully*.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import re

from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import ValidationError

# --------------------------------------------------------------------------- constants

MODE_ORIGINAL_VERSION = "originalVersion"
MODE_FILENAME = "filename"
MODE_DEVICENAMES = "devicenames"
MODES = (MODE_ORIGINAL_VERSION, MODE_FILENAME, MODE_DEVICENAMES)

# Which option selects which mode (exactly one must be given).
MODE_OPTIONS = {
    MODE_ORIGINAL_VERSION: "firmware_ori_version",
    MODE_FILENAME: "file_name",
    MODE_DEVICENAMES: "device_names",
}

# Task level: the Status value UpdateOtaTaskStatus is sent to cancel a task, and the value a
# cancelled task then reports (reference §3.10). NOT the device-level 6 (= upgrade complete).
TASK_STATUS_CANCELLED = 6

# Device level (DescribeFirmwareTaskDevices rows, reference §3.14).
DEVICE_STATUS_NAMES = {
    0: "offline",
    1: "pending",
    2: "delivered",
    3: "downloading",
    4: "burning",
    5: "failed",
    6: "succeeded",
    7: "processing",
    8: "awaiting_confirmation",
    10: "timed_out",
    20: "downloaded",
}
DEVICE_SUCCEEDED = 6
DEVICE_FAILED = (5, 10)
DEVICE_FINAL = (5, 6, 10)
# A failed row with this ErrMsg means the device already runs the target version: counted as succeeded.
NO_NEED_UPDATE = "firmware no need update"
ALREADY_CURRENT = "already_current"

MARKER_KEY = "iotfleet"
MARKER_LENGTH = 20
MARKER_SPEC_VERSION = 1

# Option -> BatchUpdateFirmware request field (ProductID with upper-case ID, as the reference says).
REQUEST_FIELDS = (
    ("product_id", "ProductID"),
    ("firmware_version", "FirmwareVersion"),
    ("firmware_ori_version", "FirmwareOriVersion"),
    ("upgrade_method", "UpgradeMethod"),
    ("file_name", "FileName"),
    ("file_md5", "FileMd5"),
    ("file_size", "FileSize"),
    ("device_names", "DeviceNames"),
    ("timeout_interval", "TimeoutInterval"),
    ("type", "Type"),
    ("delay_time", "DelayTime"),
    ("override_mode", "OverrideMode"),
    ("max_retry_num", "MaxRetryNum"),
    ("retry_interval", "RetryInterval"),
    ("fw_type", "FwType"),
    ("task_user_define", "TaskUserDefine"),
    ("rate_limit", "RateLimit"),
    ("start_time", "StartTime"),
    ("end_time", "EndTime"),
)

# Options that shape the task and that DescribeFirmwareTask echoes back (option -> echoed field).
SHAPING_FIELDS = (
    ("upgrade_method", "UpgradeMethod"),
    ("timeout_interval", "TimeoutInterval"),
    ("type", "Type"),
    ("delay_time", "DelayTime"),
    ("override_mode", "OverrideMode"),
    ("max_retry_num", "MaxRetryNum"),
    ("retry_interval", "RetryInterval"),
    ("rate_limit", "RateLimit"),
    ("start_time", "StartTime"),
    ("end_time", "EndTime"),
)
# Documented server defaults: an omitted value and this value are the same task.
SHAPING_DEFAULTS = {"upgrade_method": 0, "type": 1}

INT_CHOICES = {"upgrade_method": (0, 1), "type": (1, 7), "override_mode": (0, 1)}
INT_RANGES = {
    # option: (minimum, maximum or None)
    "timeout_interval": (120, 900),
    "delay_time": (0, None),
    "max_retry_num": (0, None),
    "retry_interval": (1, None),
    "rate_limit": (1, None),
    "file_size": (1, None),
    "start_time": (0, None),
    "end_time": (0, None),
    "task_id": (1, None),
}
MD5_RE = re.compile(r"^[0-9a-fA-F]{32}$")


# The options are inconsistent; ``errors`` lists every problem found (the contract's exception).
TaskValidationError = ValidationError


# --------------------------------------------------------------------------- helpers

def _empty(value):
    return value is None or value == "" or value == [] or value == {}


def as_int(value):
    """``int`` for numbers and numeric strings (the API's nullable fields), else ``None``."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def canonical_json(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def parse_json_object(text):
    """The dict a string encodes, or ``None`` when it is not a JSON object."""
    if not isinstance(text, str):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def detect_mode(params):
    """The upgrade mode the options select, ``None`` when none, ``"ambiguous"`` for several."""
    given = [mode for mode in MODES if not _empty(params.get(MODE_OPTIONS[mode]))]
    if not given:
        return None
    if len(given) > 1:
        return "ambiguous"
    return given[0]


def _dedupe(names):
    seen = set()
    result = []
    for name in names:
        if name not in seen:
            seen.add(name)
            result.append(name)
    return result


# --------------------------------------------------------------------------- validation

def validate(params):
    """Check the module options before any request; return the normalized desired state.

    Raises :class:`TaskValidationError` listing every problem. The returned dict carries the
    options (device names de-duplicated), ``mode``, ``marker`` (``None`` when the user gave a
    ``task_user_define`` string that is not a JSON object), ``task_user_define_sent`` (the exact
    ``TaskUserDefine`` string that is sent) and ``user_define_kind`` (``none``/``json``/``text``).
    """
    errors = []
    desired = dict((key, params.get(key)) for key, _field in REQUEST_FIELDS)
    state = params.get("state") or "present"
    desired["state"] = state
    desired["task_id"] = params.get("task_id")

    for key in ("product_id", "firmware_version"):
        value = params.get(key)
        if not isinstance(value, str) or not value.strip():
            errors.append("%s is required" % key)
        elif value != value.strip():
            errors.append("%s must not have leading or trailing spaces" % key)

    for key, choices in INT_CHOICES.items():
        value = params.get(key)
        if value is not None and value not in choices:
            errors.append("%s must be one of %s, got %r" % (key, ", ".join(str(c) for c in choices), value))
    for key, (low, high) in sorted(INT_RANGES.items()):
        value = params.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            errors.append("%s must be an integer, got %r" % (key, value))
        elif value < low or (high is not None and value > high):
            bounds = ("between %d and %d" % (low, high)) if high is not None else ("at least %d" % low)
            errors.append("%s must be %s, got %d" % (key, bounds, value))

    start_time, end_time = params.get("start_time"), params.get("end_time")
    if isinstance(start_time, int) and isinstance(end_time, int) and start_time and end_time and end_time <= start_time:
        errors.append("end_time (%d) must be later than start_time (%d)" % (end_time, start_time))

    mode = detect_mode(params)
    needs_mode = desired["task_id"] is None
    if mode == "ambiguous":
        given = [MODE_OPTIONS[m] for m in MODES if not _empty(params.get(MODE_OPTIONS[m]))]
        errors.append("give exactly one upgrade mode, got %s: firmware_ori_version (by original version), "
                      "file_name (by device-list file) or device_names (by device names)" % " and ".join(given))
        mode = None
    elif mode is None and needs_mode:
        errors.append("an upgrade mode is required (or task_id): firmware_ori_version (by original version), "
                      "file_name (by device-list file) or device_names (by device names)")
    desired["mode"] = mode

    if mode != MODE_FILENAME:
        for key in ("file_md5", "file_size"):
            if params.get(key) is not None:
                errors.append("%s is only used with file_name (upgrade by device-list file)" % key)
    if mode == MODE_FILENAME:
        if _empty(params.get("file_md5")):
            errors.append("file_md5 is required with file_name (the MD5 of the device-list file)")
        elif not MD5_RE.match(str(params.get("file_md5"))):
            errors.append("file_md5 must be 32 hexadecimal characters")
        if params.get("file_size") is None:
            errors.append("file_size is required with file_name (the size of the device-list file in bytes)")
        desired["file_md5"] = (params.get("file_md5") or "").lower() or None
    if mode == MODE_ORIGINAL_VERSION and params.get("firmware_ori_version") == params.get("firmware_version"):
        errors.append("firmware_ori_version must differ from firmware_version (%s)" % params.get("firmware_version"))
    device_names = params.get("device_names")
    if device_names is not None:
        if not isinstance(device_names, (list, tuple)):
            errors.append("device_names must be a list")
        else:
            bad = [name for name in device_names if not isinstance(name, str) or not name.strip()]
            if bad:
                errors.append("device_names must be non-empty strings, got %r" % (bad[:5],))
            desired["device_names"] = _dedupe(device_names) or None

    fw_type = params.get("fw_type")
    if fw_type is not None and (not isinstance(fw_type, str) or not fw_type.strip()):
        errors.append("fw_type must be a non-empty string when given")

    user_define = params.get("task_user_define")
    user_dict = None
    kind = "none"
    if isinstance(user_define, dict):
        user_dict, kind = dict(user_define), "json"
    elif isinstance(user_define, str) and user_define != "":
        user_dict = parse_json_object(user_define)
        kind = "json" if user_dict is not None else "text"
    elif user_define not in (None, ""):
        errors.append("task_user_define must be a string or a dict, got %s" % type(user_define).__name__)
    if user_dict is not None and MARKER_KEY in user_dict:
        errors.append("task_user_define must not contain the key %r: the module keeps its idempotency marker there"
                      % MARKER_KEY)

    if errors:
        raise TaskValidationError(errors)

    desired["user_define_kind"] = kind
    desired["user_define"] = user_dict if kind != "text" else user_define
    if kind == "text":
        desired["marker"] = None
        desired["task_user_define_sent"] = user_define
    elif mode is None:
        desired["marker"] = None
        desired["task_user_define_sent"] = None
    else:
        marker = compute_marker(desired)
        desired["marker"] = marker
        payload = dict(user_dict or {})
        payload[MARKER_KEY] = marker
        desired["task_user_define_sent"] = canonical_json(payload)
    return desired


# --------------------------------------------------------------------------- marker and request

def marker_spec(desired):
    """What identifies a task: product, version, module, mode, its selector and the shaping fields."""
    mode = desired.get("mode")
    if mode == MODE_DEVICENAMES:
        selector = sorted(set(desired.get("device_names") or []))
    elif mode == MODE_FILENAME:
        selector = {"file_name": desired.get("file_name"), "file_md5": (desired.get("file_md5") or "").lower(),
                    "file_size": desired.get("file_size")}
    else:
        selector = desired.get("firmware_ori_version")
    shape = {}
    for key, _field in SHAPING_FIELDS:
        value = desired.get(key)
        if value is None:
            value = SHAPING_DEFAULTS.get(key)
        if value is not None:
            shape[key] = value
    user = desired.get("user_define") if desired.get("user_define_kind") == "json" else None
    return {
        "v": MARKER_SPEC_VERSION,
        "product_id": desired.get("product_id"),
        "firmware_version": desired.get("firmware_version"),
        "fw_type": desired.get("fw_type") or "",
        "mode": mode,
        "selector": selector,
        "shape": shape,
        "user": user or {},
    }


def compute_marker(desired):
    digest = hashlib.sha256(canonical_json(marker_spec(desired)).encode("utf-8")).hexdigest()
    return digest[:MARKER_LENGTH]


def build_create_request(desired):
    """The ``BatchUpdateFirmware`` parameters (``None`` values left out, as the SDK does)."""
    request = {}
    for key, field in REQUEST_FIELDS:
        if key == "task_user_define":
            value = desired.get("task_user_define_sent")
        else:
            value = desired.get(key)
        if key in ("firmware_ori_version",) and desired.get("mode") != MODE_ORIGINAL_VERSION:
            value = None
        if key in ("file_name", "file_md5", "file_size") and desired.get("mode") != MODE_FILENAME:
            value = None
        if key == "device_names" and desired.get("mode") != MODE_DEVICENAMES:
            value = None
        if value is not None:
            request[field] = list(value) if isinstance(value, (list, tuple)) else value
    return request


def task_marker(task):
    """The marker stored in a task's ``TaskUserDefine``, or ``None``."""
    data = parse_json_object((task or {}).get("TaskUserDefine"))
    if data is None:
        return None
    marker = data.get(MARKER_KEY)
    return marker if isinstance(marker, str) else None
