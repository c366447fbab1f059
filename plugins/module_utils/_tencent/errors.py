# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Tencent Cloud API 3.0 error codes: classification for the retry policy and hints for the operator.

Classification (reference §1.7, §1.8, §2.4):

* ``RequestLimitExceeded*``: refused for rate before execution -> ``throttled`` (the retry policy waits for the
  window; safe for writes too).
* ``InternalError*``, ``ServiceUnavailable``, HTTP 5xx: transient -> ``retryable``; for a write the request may
  have been executed -> ``maybe_committed`` (the caller reconciles by reading, never posts again).
* ``FailedOperation.DeviceIsUpdating`` / ``OtherUpdateTaskExist`` / ``UnsupportedOperation.DeviceOtaTaskInProgress``
  on a create -> ``already_in_task``: the devices are in a task already (look it up, never report success blindly).
* Everything else fails at once.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.iotfleet.firmware.plugins.module_utils._errors import IoTError

ALREADY_IN_TASK = ("FailedOperation.DeviceIsUpdating", "FailedOperation.OtherUpdateTaskExist",
                   "UnsupportedOperation.DeviceOtaTaskInProgress")
TASK_NOT_FOUND = ("ResourceNotFound.FirmwareTaskNotExist", "InvalidParameterValue.ErrorTaskNotExist")
FIRMWARE_NOT_FOUND = "ResourceNotFound.FirmwareNotExist"
PRODUCT_NOT_FOUND = ("ResourceNotFound.StudioProductNotExist", "ResourceNotFound.ProductNotExist")
DEVICE_NOT_FOUND = ("ResourceNotFound.DeviceNotExist", "InvalidParameterValue.DeviceNotExist")
SIGNATURE_EXPIRE = "AuthFailure.SignatureExpire"
# A cancel of a task that finished (or was cancelled) meanwhile; spec silent on the exact code.
CANCEL_REFUSED = "FailedOperation"

WRITE_ACTIONS = ("BatchUpdateFirmware", "UpdateOtaTaskStatus")

HINTS = {
    SIGNATURE_EXPIRE: "The request timestamp was rejected: the clock of the host running the module differs from "
                      "Tencent Cloud's by more than 5 minutes (TC3 signatures are valid for 5 minutes). "
                      "Synchronise its clock (NTP).",
    "AuthFailure.SignatureFailure": "The signature did not match: check that secret_key belongs to secret_id (no "
                                    "stray spaces) and that no proxy rewrites the Host or Content-Type header or "
                                    "the body.",
    "AuthFailure.SecretIdNotFound": "Check secret_id: it does not exist, is disabled or has stray spaces.",
    "AuthFailure.InvalidSecretId": "Check secret_id: it is not a cloud API key.",
    "AuthFailure.TokenFailure": "The session_token (temporary credentials) is invalid or expired; get new STS "
                                "credentials.",
    "AuthFailure.UnauthorizedOperation": "The key is not allowed to do this (CAM policy).",
    "UnauthorizedOperation.NoPermissionToStudioProduct": "The key has no permission on this product.",
    "UnknownParameter": "The endpoint does not know a parameter; start_time/end_time are new and older endpoints "
                        "reject them.",
    "ResourceNotFound.StudioProductNotExist": "Check product_id and region.",
}


def is_write(action):
    return action in WRITE_ACTIONS


def call_name(action):
    return "Tencent Cloud %s" % action


def hint(code):
    return HINTS.get(code, "")


def api_error(action, code, message, request_id=None, http_status=None, skew=None):
    """The :class:`IoTError` for a ``Response.Error`` of ``action``."""
    code = code if isinstance(code, str) and code else "UnknownError"
    transient = code.startswith("InternalError") or code == "ServiceUnavailable"
    text = "%s failed: %s: %s" % (call_name(action), code, message or "(no message)")
    if hint(code):
        text += ". " + hint(code)
    if code == SIGNATURE_EXPIRE and skew is not None:
        text += " Estimated offset from the server's Date header: %+d s." % skew
    if request_id:
        text += " (RequestId %s)" % request_id
    return IoTError(text, code=code, http_status=http_status, request_id=request_id, call=call_name(action),
                    retryable=transient, maybe_committed=transient and is_write(action),
                    throttled=code.startswith("RequestLimitExceeded"),
                    already_in_task=code in ALREADY_IN_TASK and action == "BatchUpdateFirmware")


def http_error(action, status, snippet, retry_after=None):
    """A non-200 answer without an API 3.0 error envelope (gateway page, proxy error)."""
    server_error = status >= 500
    return IoTError("%s failed: HTTP %s: %s" % (call_name(action), status, snippet or "(empty body)"),
                    code="HTTP%s" % status, http_status=status, call=call_name(action),
                    retryable=server_error, maybe_committed=server_error and is_write(action),
                    throttled=status == 429, retry_after=retry_after)


def with_context(exc, prefix):
    """``exc`` with ``prefix`` put before its message (the error object is kept: code and flags stay)."""
    exc.message = "%s %s" % (prefix, exc.message)
    exc.args = (exc.message,)
    return exc
