# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Huawei IoT northbound error codes: documented meanings, hints, and the :class:`IoTError` of an answer.

Any body with ``error_code`` is an error whatever the HTTP status (the platform sends some with HTTP 200); the code
may be a JSON string or number (reference §1.3).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from typing import Optional

from ansible_collections.iotfleet.firmware.plugins.module_utils._errors import IoTError

THROTTLED = "1010009"
TOKEN_INVALID = "1010005"
NOT_FOUND = "123002"
# spec silent: no code is documented for an unknown operationId; 123002 (not found) and the emulator's 123009.
TASK_NOT_FOUND = (NOT_FOUND, "123009")
# spec silent: the device query's not-found code (the emulator and third-party clients use 100403).
DEVICE_NOT_FOUND = ("100403",)
LOGIN_FAILED = ("100208", "100203", "100217")

# Documented meanings (seed page of the create API, reference §1.4) and what to do about them; full sentences.
ERROR_HINTS = {
    "120015": "A request parameter is malformed: check the options (for packages: the file_id).",
    "123016": "The target version does not match the device: the deviceType, manufacturerName and model of the "
              "targets must agree with the package given by file_id.",
    "123019": "manufacturerName is missing: targets.manufacturer_name is required with device groups.",
    "123020": "deviceType is missing: targets.device_type is required with device groups.",
    "123021": "model is missing: targets.model is required with device groups.",
    "123022": "deviceGroups and devices cannot both be empty: give targets.devices or targets.device_groups.",
    "123023": "deviceGroups and devices cannot be given together: give only one of them.",
    "123024": "The number of deviceGroups or devices reached the upper limit of 256.",
    "123025": "executeType is wrong or missing: use now, device_online or custom.",
    "123026": "startTime or endTime is missing or malformed (yyyyMMdd'T'HHmmss'Z').",
    "123028": "retryTimes is missing or beyond the limit (1 to 5).",
    "123032": "startTime cannot be later than endTime.",
    "123033": "startTime cannot be earlier than now.",
    "123034": "endTime must be more than 5 minutes after startTime.",
    "123002": "Device or package file not found: check file_id and the device IDs.",
    "1010009": "App throttle exceeded (100 calls per minute by default): lower api_calls_per_minute or ask the "
               "platform operators to raise the flow-control threshold.",
    "1010005": "The app_key or the access token is invalid.",
    "100208": "The AppId or the secret is not right: check app_id and secret.",
    "100203": "The application does not exist: check app_id.",
    "100217": "The application has not been authorized: check app_id.",
}


def code_of(value) -> Optional[str]:
    """``error_code`` as a string (``None`` when absent or empty)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return ("%s" % value).strip() or None


def sentence(text) -> str:
    """``text`` without trailing periods and blanks, so joining sentences never doubles a period."""
    return ("%s" % (text or "")).strip().rstrip(". ").strip()


def api_error(call: str, method: str, status: Optional[int], code: Optional[str], desc) -> IoTError:
    """The :class:`IoTError` of an answer with ``error_code`` (or of a bare HTTP error without one)."""
    server_error = status is not None and status >= 500
    label = "error_code %s" % code if code else "HTTP %s" % status
    text = "%s failed: HTTP %s, %s: %s." % (call, status, label, sentence(desc) or "(no description)")
    hint = ERROR_HINTS.get(code or "")
    if hint:
        text += " " + hint
    return IoTError(text, code=code or ("HTTP%s" % status), http_status=status, call=call,
                    retryable=server_error, maybe_committed=server_error and method != "GET",
                    throttled=code == THROTTLED)


def not_found(exc: IoTError, codes=(NOT_FOUND,)) -> bool:
    """Whether the platform said "does not exist" (HTTP 404 or one of ``codes``)."""
    return exc.http_status == 404 or exc.code in codes
