# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Huawei Cloud IoTDA v5 errors: the envelope ``{"error_code": "IOTDA.000006", "error_msg": "..."}`` (reference §10.7)
as an :class:`IoTError` with the code, the message, the HTTP status, the request id (header ``X-Request-Id``) and
the call named.

Classification (the reference documents only a few 400 codes; everything else here is the client's choice):

* HTTP 429, or the API gateway's throttle code ``APIGW.0308``: refused for rate before execution -> ``throttled``
  (the retry policy waits for the window; safe for creates). Spec silent: no IoTDA throttle code or TPS limit is
  documented; 429 / APIGW.0308 is how Huawei Cloud's API gateway refuses for rate (inferred).
* HTTP 5xx: transient -> ``retryable``; for a write the request may have been executed -> ``maybe_committed`` (the
  caller reconciles by reading, never posts again).
* Every other answer fails at once (4xx: the request was refused, nothing was executed).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.iotfleet.firmware.plugins.module_utils._errors import IoTError

REQUEST_ID_HEADER = "X-Request-Id"
PLATFORM = "Huawei IoTDA"
THROTTLE_STATUS = 429
# spec silent: the API gateway's "request throttled" codes (inferred, Huawei Cloud API gateway error codes).
THROTTLE_CODES = ("APIGW.0308",)
# spec silent: no not-found code of the batch-task or package APIs is documented; HTTP 404 is read as "does not exist".
NOT_FOUND_STATUS = 404
IOTDA_CODE_PREFIX = "IOTDA."  # the platform's own error codes (reference §10.7), not the API gateway's (APIGW.*)

# Documented codes (reference §10.7, V5-0018) and what to do about them; full sentences.
HINTS = {
    "IOTDA.000006": "The platform found the input invalid: check the options (task_type, package_id, targets, "
                    "policy).",
    "IOTDA.000008": "The platform could not parse the request.",
    "IOTDA.000009": "A time value is malformed: use yyyyMMdd'T'HHmmss'Z' (UTC).",
    "IOTDA.000010": "A start time is later than the end time.",
    "IOTDA.000017": "limit is out of range (1 to 50).",
    "APIGW.0308": "The API gateway throttled the request: lower api_calls_per_window.",
}
STATUS_HINTS = {
    401: "Authentication failed: check access_key and secret_key (and security_token for temporary credentials), "
         "and that the host's clock is right (X-Sdk-Date).",
    403: "Access denied: check the IAM permissions of the key for IoTDA, project_id and instance_id.",
}


def call_name(operation):
    """``Huawei IoTDA <Operation>`` (the SDK's operation names: CreateBatchTask, ShowBatchTask...)."""
    return "%s %s" % (PLATFORM, operation)


def sentence(text):
    return ("%s" % (text or "")).strip().rstrip(". ").strip()


def api_error(call, status, code, message, request_id=None, write=False, retry_after=None):
    """The :class:`IoTError` of an error answer (``code`` None: no envelope, e.g. a gateway's HTML page)."""
    server_error = status is not None and status >= 500
    throttled = status == THROTTLE_STATUS or code in THROTTLE_CODES
    label = "error_code %s" % code if code else "no error envelope"
    text = "%s failed: HTTP %s, %s: %s." % (call, status, label, sentence(message) or "(no message)")
    hint = HINTS.get(code or "") or STATUS_HINTS.get(status or 0)
    if hint:
        text += " " + hint
    if request_id:
        text += " (X-Request-Id %s)" % request_id
    return IoTError(text, code=code or ("HTTP%s" % status), http_status=status, request_id=request_id, call=call,
                    retryable=server_error, maybe_committed=server_error and write, throttled=throttled,
                    retry_after=retry_after)


def envelope(data):
    """``(error_code, error_msg)`` of a body that is the error envelope, else ``(None, None)``."""
    if not isinstance(data, dict):
        return None, None
    code = data.get("error_code")
    if isinstance(code, (int, float)) and not isinstance(code, bool):
        code = "%s" % code
    if not isinstance(code, str) or not code.strip():
        return None, None
    message = data.get("error_msg")
    return code.strip(), message if isinstance(message, str) else None


def not_found(exc):
    return exc.http_status == NOT_FOUND_STATUS


def device_not_found(exc):
    """``ShowDevice`` (official SDK, not in the reference) answered "no such device". spec silent: no code for it is
    documented, so an HTTP 404 with an IoTDA error envelope (``IOTDA.*``) is read so. A 404 without the envelope (a
    proxy's page) or the API gateway's ``APIGW.0101`` ("the API does not exist") is not: it stays an error naming the
    call, never every device's version silently unknown."""
    return exc.http_status == NOT_FOUND_STATUS and ("%s" % (exc.code or "")).startswith(IOTDA_CODE_PREFIX)


def with_context(exc, prefix):
    """``exc`` with ``prefix`` before its message (code and flags kept)."""
    exc.message = "%s %s" % (prefix, exc.message)
    exc.args = (exc.message,)
    return exc
