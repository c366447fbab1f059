# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Huawei IoT legacy northbound calls: login and the shared token, paced and retried calls, typed pages.

* Login (``POST /iocm/app/sec/v1.1.0/login``, form-encoded like the vendor SDK) under the token cache's login lock,
  re-checking the cache after acquiring it: the processes of one controller share one token per endpoint, app id
  and secret (only the newest token of an app is valid, reference §2.1).
* A refused token (``1010005``) is forgotten only if it still is the cached one, then the call is repeated once with
  the token the cache (or a new login) gives. A token refused right after this process logged in is an error, never
  a loop. An ``access_token`` given by the user is used as is and never replaced.
* Every HTTP request is paced by the shared rate limiter (100 calls per 60 s per app id by default) and run by the
  retry policy (throttle answers ``1010009`` wait for the window; reads are retried on transient errors; a create only
  when nothing can have been committed).
* Any body with ``error_code`` is an error whatever the HTTP status; every field relied on is type-checked.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import math

try:
    from urllib.parse import quote, urlencode, urlparse
except ImportError:  # pragma: no cover
    from urllib import quote, urlencode  # type: ignore
    from urlparse import urlparse  # type: ignore

from ansible_collections.iotfleet.firmware.plugins.module_utils._errors import IoTError
from ansible_collections.iotfleet.firmware.plugins.module_utils._parse import (
    expect_dict,
    expect_int,
    expect_list,
    expect_str,
    parse_json,
)
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei import errors

LOGIN_PATH = "/iocm/app/sec/v1.1.0/login"
UPGRADE_BASE = "/iodm/northbound/v1.5.0"
OPERATIONS_PATH = UPGRADE_BASE + "/operations"
CREATE_PATH = OPERATIONS_PATH + "/firmwareUpgrade"
PACKAGE_PATH = UPGRADE_BASE + "/category"
DEVICES_PATH = "/iocm/app/dm/v1.4.0/devices"

PAGE_SIZE = 100  # largest documented pageSize of the task, subtask and package lists
DEVICE_PAGE_SIZE = 100  # spec silent on the device query's largest page; 100 is what clients use
MAX_PAGES = 100000
DEFAULT_TOKEN_TTL = 3600  # the SDK's fallback when expiresIn is missing or not positive (reference §2.1)


def base_url(endpoint):
    """``scheme://host:port[/prefix]`` of the endpoint, or an IoTError naming the rule."""
    parsed = urlparse(endpoint or "")
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise IoTError("endpoint must be a full URL with scheme, host and port such as https://host:8743, got %r"
                       % (endpoint,), code="InvalidEndpoint")
    if parsed.query or parsed.params or parsed.fragment:
        raise IoTError("endpoint must not have a query or fragment, got %r" % (endpoint,), code="InvalidEndpoint")
    return "%s://%s%s" % (parsed.scheme, parsed.netloc, parsed.path.rstrip("/"))


def token_cache_key(base, app_id, secret):
    """The token cache key: endpoint, app id and a digest of the secret (never the secret)."""
    digest = hashlib.sha256((secret or "").encode("utf-8")).hexdigest()
    return "huawei-token|%s|%s|%s" % (base, app_id, digest)


def limiter_key(base, app_id):
    return "huawei-rate|%s|%s" % (base, app_id)


def numbered(func):
    """``func(attempt)`` as the argument-less callable the retry policy runs, counting attempts from 1."""
    state = {"attempt": 0}

    def once():
        state["attempt"] += 1
        return func(state["attempt"])
    return once


def label(method, path):
    return "Huawei IoT %s %s" % (method, path)


class HuaweiApi:
    """One method per API call used; ``call_log`` lists every HTTP request sent."""

    def __init__(self, endpoint, app_id, session, limiter, retry, redactor, secret=None, access_token=None,
                 token_cache=None, on_secret=None):
        self.base_url = base_url(endpoint)
        self.app_id = app_id
        self.secret = secret
        self.given_token = access_token
        self.session = session
        self.limiter = limiter
        self.retry = retry
        self.redactor = redactor
        self.token_cache = token_cache
        self.on_secret = on_secret
        self.token = access_token
        self.refresh_token = None
        self.logins = 0
        self.throttle_waits = 0
        self.call_log = []
        self._waited_mark = getattr(limiter, "waited_total", 0.0) or 0.0
        for value in (secret, access_token):
            if value:
                redactor.add(value)

    @property
    def secrets(self):
        return [value for value in (self.secret, self.given_token, self.token, self.refresh_token) if value]

    # ---- transport

    def _note(self, call, status, code, attempt):
        """One ``call_log`` entry; ``waited`` = seconds the limiter made this request wait."""
        waited_total = getattr(self.limiter, "waited_total", 0.0) or 0.0
        waited, self._waited_mark = waited_total - self._waited_mark, waited_total
        self.call_log.append({"call": call, "status": status, "code": code, "attempt": attempt,
                              "waited": round(waited, 3)})

    def _send(self, method, path, params=None, body=None, form=None, token=None, attempt=1):
        call = label(method, path)
        headers = {"Accept": "application/json"}
        data = None
        if token is not None:
            headers["app_key"] = self.app_id
            headers["Authorization"] = "Bearer %s" % token
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body, separators=(",", ":"))
        if form is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            data = urlencode(form)
        query = dict((key, value) for key, value in (params or {}).items() if value is not None) or None
        try:
            response = self.session.request(method, self.base_url + path, call, headers=headers, params=query,
                                            data=data)
        except IoTError as exc:
            self._note(call, None, exc.code, attempt)
            raise self.redactor.redact_error(exc)
        try:
            answer = self._parse(call, method, response)
        except IoTError as exc:
            self._note(call, response.status, exc.code, attempt)
            raise self.redactor.redact_error(exc)
        self._note(call, response.status, None, attempt)
        return answer

    @staticmethod
    def _parse(call, method, response):
        """The JSON object of a 2xx answer; an ``error_code`` body or another status is an error."""
        status = response.status
        data = None
        if response.body.strip():
            try:
                data = json.loads(response.text)
            except ValueError:
                data = None
        if isinstance(data, dict) and errors.code_of(data.get("error_code")):
            desc = data.get("error_desc") or data.get("error_msg") or data.get("message")
            raise errors.api_error(call, method, status, errors.code_of(data.get("error_code")), desc)
        if 200 <= status < 300:
            return expect_dict(call, parse_json(call, response, maybe_committed=method != "GET"), "Response")
        try:
            parse_json(call, response)
            desc = response.redactor.snippet(response.text) if response.redactor else ""
        except IoTError as exc:  # an empty or HTML error page: its (masked) text
            desc = exc.message.split(": ", 1)[-1]
        raise errors.api_error(call, method, status, None, desc)

    # ---- authentication

    def _login(self):
        """``POST login`` (own retries); its failure is final for the call that needed it."""
        def once(attempt):
            return self._send("POST", LOGIN_PATH, form={"appId": self.app_id, "secret": self.secret},
                              attempt=attempt)

        try:
            answer = self.retry.run(numbered(once), idempotent=True, on_retry=self._on_retry)
            call = label("POST", LOGIN_PATH)
            token = expect_str(call, answer, "accessToken")
            expires_in = expect_int(call, answer, "expiresIn", required=False)
            refresh = expect_str(call, answer, "refreshToken", required=False)
        except IoTError as exc:
            if exc.code in errors.LOGIN_FAILED or exc.http_status == 401:
                exc.message = "Login to %s as app_id %s failed: %s" % (self.base_url, self.app_id, exc.message)
                exc.args = (exc.message,)
            exc.retryable = False
            raise self.redactor.redact_error(exc)
        self._remember(token, refresh)
        self.logins += 1
        if self.token_cache is not None:
            self.token_cache.put(token, expires_in if expires_in and expires_in > 0 else DEFAULT_TOKEN_TTL,
                                 refresh_token=refresh)
        return token

    def _remember(self, token, refresh=None):
        for value in (token, refresh):
            if value:
                self.redactor.add(value)
                if self.on_secret:
                    self.on_secret(value)
        self.token = token
        if refresh:
            self.refresh_token = refresh

    def _current_token(self):
        """``(token, fresh)``: the given token, the shared cached one, or a new login (``fresh``)."""
        if self.given_token:
            return self.given_token, False
        if self.token_cache is None:
            if self.token:
                return self.token, False
            return self._login(), True
        entry = self.token_cache.get()
        if entry:
            self._remember(entry["token"])
            return entry["token"], False
        with self.token_cache.login_lock():
            entry = self.token_cache.get()  # another process may have logged in meanwhile
            if entry:
                self._remember(entry["token"])
                return entry["token"], False
            return self._login(), True

    def _refused(self, token, fresh, exc):
        """Handle a ``1010005``: raise when nothing better can be tried, else forget the token."""
        if self.given_token:
            exc.message = ("The access_token given to the module was rejected (error_code 1010005, the app_key or "
                           "the access token is invalid): it expired or another login replaced it (only the newest "
                           "token of an application is valid). Give a fresh access_token, or app_id and secret "
                           "instead so the module logs in itself. %s" % exc.message)
        elif fresh:
            exc.message = ("The access token obtained by a login just now was rejected (error_code 1010005); another "
                           "client using app_id %s outside this controller may be logging in concurrently. %s"
                           % (self.app_id, exc.message))
        else:
            if self.token_cache is not None:
                self.token_cache.invalidate(token)
            if self.token == token:
                self.token = None
            return
        exc.args = (exc.message,)
        exc.retryable = False
        raise self.redactor.redact_error(exc)

    # ---- calls

    def _on_retry(self, exc, _attempt, _delay):
        if exc.throttled:
            self.throttle_waits += 1

    def call(self, method, path, params=None, body=None, idempotent=None):
        """One authenticated API call: paced, retried, with the token handling described above."""
        if idempotent is None:
            idempotent = method == "GET"

        def once(attempt):
            token, fresh = self._current_token()
            try:
                return self._send(method, path, params=params, body=body, token=token, attempt=attempt)
            except IoTError as exc:
                if exc.code != errors.TOKEN_INVALID:
                    raise
                self._refused(token, fresh, exc)
            # the platform refused the token before executing anything: safe for the create as well
            token, fresh = self._current_token()
            self.limiter.acquire()
            try:
                return self._send(method, path, params=params, body=body, token=token, attempt=attempt)
            except IoTError as exc:
                if exc.code != errors.TOKEN_INVALID:
                    raise
                self._refused(token, True, exc)  # refused twice in a row: an error, never a loop
                raise  # pragma: no cover - _refused raised

        return self.retry.run(numbered(once), idempotent=idempotent, on_retry=self._on_retry)

    def pages(self, path, params, list_key, page_size=PAGE_SIZE, total_keys=("totalCount",)):
        """Yield ``(items, pages)`` per page: the list ``list_key`` (missing/null is an error) and the number of
        pages the first page's total announces."""
        call = label("GET", path)
        seen = 0
        for page_no in range(MAX_PAGES):
            query = dict(params or {})
            query.update(pageNo=page_no, pageSize=page_size)
            page = self.call("GET", path, params=query)
            items = expect_list(call, page, list_key)
            total = page_total(call, page, total_keys)
            seen += len(items)
            yield items, max(1, int(math.ceil(float(total) / page_size)))
            if not items or seen >= total or len(items) < page_size:
                return
        raise IoTError("%s: more than %d pages" % (call, MAX_PAGES), code="InvalidResponse", call=call)

    def all_items(self, path, params, list_key, page_size=PAGE_SIZE, total_keys=("totalCount",)):
        items = []
        for batch, _pages in self.pages(path, params, list_key, page_size, total_keys):
            items.extend(batch)
        return items

    # ---- API

    def get_package(self, file_id):
        return self.call("GET", "%s/%s" % (PACKAGE_PATH, quote(file_id, safe="")))

    def list_packages(self, filters):
        return self.all_items(PACKAGE_PATH, filters, "data")

    def get_task(self, operation_id):
        return self.call("GET", "%s/%s" % (OPERATIONS_PATH, quote(operation_id, safe="")))

    def task_pages(self, filters, page_size=PAGE_SIZE):
        # The SDKs disagree on the total's name (Java/PHP totalSize, Python totalCount): either, as an int.
        return self.pages(OPERATIONS_PATH, filters, "data", page_size, total_keys=("totalCount", "totalSize"))

    def task_page(self, filters, page_no, page_size):
        """One page of the task list: ``(items, total)``."""
        call = label("GET", OPERATIONS_PATH)
        query = dict(filters or {})
        query.update(pageNo=page_no, pageSize=page_size)
        page = self.call("GET", OPERATIONS_PATH, params=query)
        return expect_list(call, page, "data"), page_total(call, page, ("totalCount", "totalSize"))

    def subtasks(self, operation_id, status=None):
        path = "%s/%s/subOperations" % (OPERATIONS_PATH, quote(operation_id, safe=""))
        return self.all_items(path, {"subOperationStatus": status}, "data")

    def create_firmware_task(self, body):
        """The create (not idempotent: a lost answer is reconciled by the caller, never repeated)."""
        return self.call("POST", CREATE_PATH, body=body, idempotent=False)

    def get_device(self, device_id):
        return self.call("GET", "%s/%s" % (DEVICES_PATH, quote(device_id, safe="")))

    def device_pages(self, filters):
        return self.pages(DEVICES_PATH, filters, "devices", DEVICE_PAGE_SIZE)

    def close(self):
        self.session.close()


def page_total(call, page, keys):
    """The list total under one of ``keys``; it must be an int (an error naming the call otherwise)."""
    for key in keys:
        if page.get(key) is not None:
            return expect_int(call, page, key, minimum=0)
    raise IoTError("%s: the answer has no %s, expected an integer total" % (call, " or ".join(keys)),
                   code="InvalidResponse", call=call)
