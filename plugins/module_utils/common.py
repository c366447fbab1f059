# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What both platform clients share: HTTP session, errors, retry with backoff, wait loop, diffing.

Nothing in here knows about Huawei or Tencent. Platform clients decide *which* errors are
retryable; this module decides *how* to retry (bounded, jittered exponential backoff) and
never retries a call the caller marked as non-idempotent.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import random
import time
import traceback

from ansible.module_utils.basic import missing_required_lib

REQUESTS_IMPORT_ERROR = None
try:
    import requests
    from requests import exceptions as requests_exceptions
except ImportError:  # pragma: no cover - exercised only where requests is absent
    requests = None
    requests_exceptions = None
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

USER_AGENT = "iotfleet.firmware/0.1.0"


class IoTError(Exception):
    """An error from a platform API or the transport, safe to show to the operator.

    ``code`` is the platform's error code (``1010009``, ``AuthFailure.SignatureFailure``, ...)
    or a client-side one (``ConnectionError``). ``retryable`` says whether repeating the same
    call is known to be harmless *and* useful. ``maybe_committed`` is true when the request may
    have reached the server and been acted on although no answer came back (a read timeout, a
    connection closed after sending): the caller must reconcile before sending it again.
    """

    def __init__(self, message, code=None, http_status=None, request_id=None, retryable=False, maybe_committed=False):
        super(IoTError, self).__init__(message)
        self.message = message
        self.code = code
        self.http_status = http_status
        self.request_id = request_id
        self.retryable = retryable
        self.maybe_committed = maybe_committed

    def to_result(self):
        """The fields a module puts next to ``msg`` in ``fail_json``."""
        result = {"error_code": self.code, "http_status": self.http_status}
        if self.request_id:
            result["request_id"] = self.request_id
        return result


# How long to keep looking for a task whose create answer was lost before concluding it was not created:
# right away, then after 1 s and after 3 s more (both platforms list new tasks within that time).
RECONCILE_DELAYS = (0, 1, 3)


def fail_from_error(module, exc, secrets, **extra):
    """``fail_json`` for an :class:`IoTError`: its code/status fields, no secret in the message."""
    result = exc.to_result()
    result.update(extra)
    module.fail_json(msg=redact(exc.message, secrets), **result)


def wait_argument_spec():
    """The options of the ``iotfleet.firmware.wait`` doc fragment."""
    return dict(
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=1800),
        wait_sleep=dict(type="int", default=10),
    )


def check_wait_options(module):
    """Fail before any request when the wait options are out of range."""
    if module.params["wait_timeout"] < 0 or module.params["wait_sleep"] < 1:
        module.fail_json(msg="wait_timeout must be at least 0 and wait_sleep at least 1")


class TaskRunner:
    """Base of the per-platform task runners: check mode, wait settings, injectable clock for tests."""

    def __init__(self, client, desired, check_mode=False, wait=False, wait_timeout=1800, wait_sleep=10,
                 sleep=time.sleep, monotonic=time.monotonic, reconcile_delays=RECONCILE_DELAYS):
        self.client = client
        self.desired = desired
        self.check_mode = check_mode
        self.wait = wait
        self.wait_timeout = wait_timeout
        self.wait_sleep = wait_sleep
        self.sleep = sleep
        self.monotonic = monotonic
        self.reconcile_delays = reconcile_delays
        self.warnings = []


def ensure_requests(module):
    """Fail the module with the standard message when ``requests`` is not importable."""
    if REQUESTS_IMPORT_ERROR:
        module.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)


class HttpSession:
    """A ``requests`` session with TLS settings, timeouts and error classification.

    Every transport failure becomes an :class:`IoTError`; ``maybe_committed`` is set when the
    request bytes may have reached the server (anything but a failure to connect).
    """

    def __init__(self, timeout=30, validate_certs=True, ca_path=None, client_cert=None, client_key=None):
        self.timeout = timeout
        self._session = requests.Session()
        self._session.headers["User-Agent"] = USER_AGENT
        # Passed with every request: requests lets REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE override a
        # session-level ``verify`` (psf/requests#3829), which would silently ignore ca_path.
        self.verify = False if not validate_certs else (ca_path or True)
        self._session.verify = self.verify
        if client_cert:
            self._session.cert = (client_cert, client_key) if client_key else client_cert

    def request(self, method, url, **kwargs):
        kwargs.setdefault("timeout", self.timeout)
        kwargs.setdefault("verify", self.verify)
        try:
            return self._session.request(method, url, **kwargs)
        except requests_exceptions.SSLError as exc:
            raise IoTError("TLS error talking to %s: %s" % (url, exc), code="TLSError")
        except requests_exceptions.ConnectTimeout as exc:
            raise IoTError("Timed out connecting to %s: %s" % (url, exc), code="ConnectTimeout", retryable=True)
        except requests_exceptions.ReadTimeout as exc:
            raise IoTError("No answer from %s within %s s: %s" % (url, self.timeout, exc), code="ReadTimeout",
                           retryable=True, maybe_committed=True)
        except requests_exceptions.ConnectionError as exc:
            raise IoTError("Connection to %s failed: %s" % (url, exc), code="ConnectionError",
                           retryable=True, maybe_committed=_may_have_been_sent(exc))
        except requests_exceptions.RequestException as exc:
            raise IoTError("HTTP request to %s failed: %s" % (url, exc), code="RequestError",
                           retryable=True, maybe_committed=True)

    def close(self):
        self._session.close()


def _may_have_been_sent(exc):
    """A refused or unresolvable connection never carried the request; anything else might have."""
    text = repr(exc)
    never_sent = ("NewConnectionError", "Connection refused", "Name or service not known", "NameResolutionError")
    return not any(marker in text for marker in never_sent)


class Backoff:
    """Bounded exponential backoff with full jitter (delay drawn from 0..min(cap, base * 2**n))."""

    def __init__(self, attempts=5, base_delay=1.0, max_delay=20.0, sleep=time.sleep, rng=None):
        self.attempts = max(1, attempts)
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.sleep = sleep
        self.rng = rng or random.Random()

    def delay(self, retry_number):
        ceiling = min(self.max_delay, self.base_delay * (2 ** retry_number))
        return self.rng.uniform(0, ceiling)

    def call(self, func, idempotent=True, on_retry=None):
        """Call ``func()``; repeat it on retryable :class:`IoTError` while attempts remain.

        A non-idempotent call is repeated only when the error proves the server did not act
        (``maybe_committed`` is false): a throttle answer or a refused connection.
        """
        for attempt in range(self.attempts):
            try:
                return func()
            except IoTError as exc:
                last_attempt = attempt + 1 >= self.attempts
                unsafe = not idempotent and exc.maybe_committed
                if not exc.retryable or unsafe or last_attempt:
                    raise
                if on_retry:
                    on_retry(exc, attempt + 1)
                self.sleep(self.delay(attempt))
        raise AssertionError("unreachable")  # pragma: no cover


class WaitResult:
    def __init__(self, value, elapsed, timed_out, polls):
        self.value = value
        self.elapsed = elapsed
        self.timed_out = timed_out
        self.polls = polls


def wait_for(poll, is_done, timeout, sleep_seconds, clock=time.monotonic, sleep=time.sleep):
    """Call ``poll()`` until ``is_done(value)`` or ``timeout`` seconds passed.

    Returns a :class:`WaitResult` with the last value polled; never raises on timeout so the
    caller can report the last known state.
    """
    started = clock()
    polls = 0
    while True:
        value = poll()
        polls += 1
        elapsed = clock() - started
        if is_done(value):
            return WaitResult(value, round(elapsed, 3), False, polls)
        if elapsed + sleep_seconds > timeout:
            return WaitResult(value, round(elapsed, 3), True, polls)
        sleep(sleep_seconds)


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


def changed_keys(desired, actual):
    """Keys of ``desired`` whose normalized value differs from ``actual``'s (``None`` = don't care)."""
    differing = []
    for key, wanted in desired.items():
        if wanted is None:
            continue
        if normalize(wanted) != normalize(actual.get(key)):
            differing.append(key)
    return sorted(differing)


def make_diff(before, after, header_before="", header_after=""):
    """An Ansible ``diff`` entry; ``before``/``after`` are dicts (``{}`` for absent)."""
    return {"before": before or {}, "after": after or {}, "before_header": header_before, "after_header": header_after}


def redact(text, secrets):
    """Replace every secret value that occurs in ``text`` with a fixed mask."""
    if not text:
        return text
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "********")
    return text
