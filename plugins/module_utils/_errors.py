# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Transport tier: the one error of the platform APIs and the transport (:class:`IoTError`), and the error of an
answer that is not what the documentation promises (:func:`invalid_response`).

Knows no platform and no HTTP library: the rate limiter, the retry policy and the platform packages raise and
classify it; the module edge turns it into ``fail_json`` fields (:meth:`IoTError.to_result`).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from typing import Any, Dict, Optional


class IoTError(Exception):
    """An error from a platform API or the transport, safe to show once redacted.

    ``code``: the platform's error code (``1010009``, ``RequestLimitExceeded``) or a client-side one
    (``ConnectTimeout``, ``DeadlineExceeded``, ``InvalidResponse``...). ``retryable``: repeating the same call is
    harmless *and* useful. ``maybe_committed``: the request may have reached the server and been acted on
    although no (complete) answer came back; a create must be reconciled, never sent again. ``throttled``: the
    platform refused for rate before executing anything; ``retry_after`` says how long to wait when known.
    ``already_in_task``: the platform says the devices are already in a task (look it up).
    """

    def __init__(self, message: str, code: Optional[str] = None, http_status: Optional[int] = None,
                 request_id: Optional[str] = None, call: Optional[str] = None, retryable: bool = False,
                 maybe_committed: bool = False, throttled: bool = False, retry_after: Optional[float] = None,
                 already_in_task: bool = False):
        super(IoTError, self).__init__(message)
        self.message = message
        self.code = code
        self.http_status = http_status
        self.request_id = request_id
        self.call = call
        self.retryable = retryable
        self.maybe_committed = maybe_committed
        self.throttled = throttled
        self.retry_after = retry_after
        self.already_in_task = already_in_task

    def __str__(self) -> str:
        return self.message

    def to_result(self) -> Dict[str, Any]:
        """The fields a module puts next to ``msg`` in ``fail_json``."""
        result = {"error_code": self.code, "http_status": self.http_status}  # type: Dict[str, Any]
        if self.request_id:
            result["request_id"] = self.request_id
        if self.call:
            result["call"] = self.call
        return result


def invalid_response(call: str, message: str, http_status: Optional[int] = None,
                     maybe_committed: bool = False) -> IoTError:
    """The error for an answer that is not what the documentation promises: ``"<call>: <message>"``."""
    return IoTError("%s: %s" % (call, message), code="InvalidResponse", http_status=http_status, call=call,
                    maybe_committed=maybe_committed)
