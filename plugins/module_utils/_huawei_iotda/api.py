# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Huawei Cloud IoTDA v5 calls (reference §10): signed requests through the transport tier, parsed and type-checked.

* Every request carries ``Content-Type: application/json``, ``X-Project-Id``, ``Instance-Id`` (when given),
  ``X-Security-Token`` (temporary credentials), ``X-Sdk-Date``, ``Host`` and the AK/SK ``Authorization``
  (``SDK-HMAC-SHA256`` on the region's default endpoint, ``V11-HMAC-SHA256`` elsewhere, see :mod:`.signing`);
  a fresh date and signature per attempt. The path and query sent are exactly the ones signed.
* Every HTTP request is paced by the shared :class:`RateLimiter` and run by the :class:`RetryPolicy`: reads are
  repeated on transient errors; writes (create, stop, retry, confirm) only when nothing can have been executed;
  throttle answers wait for the window.
* Listings read every page (``limit`` <= 50, ``marker`` paging, reference §10.5); a missing or null list, a list of
  the wrong type or a non-JSON body is an ``InvalidResponse`` naming the call.
* The device listing (``ListDevices``) and the per-device read (``ShowDevice``) are not in the reference (§10
  documents no v5 device query): their paths, queries and answers are taken from the official SDK
  (``huaweicloudsdkiotda`` 3.1.219, ``ListDevicesRequest``, ``ListDevicesResponse``, ``QueryDeviceSimplify``,
  ``Page``; ``ShowDeviceRequest``, ``ShowDeviceResponse``, ``AuthInfoRes``), see :meth:`IotdaApi.list_devices` and
  :meth:`IotdaApi.show_device`.
* A device's ``auth_info`` (``ShowDeviceResponse.auth_info``: the device secret) is dropped from every answer the
  moment it is parsed, its secret values added to the redactor first (:func:`drop_auth_info`); no answer body is
  kept or logged.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import time
from urllib.parse import quote, urlparse

from ansible_collections.iotfleet.firmware.plugins.module_utils._errors import (
    IoTError,
    invalid_response,
)
from ansible_collections.iotfleet.firmware.plugins.module_utils._parse import (
    expect_dict,
    expect_dict_list,
    expect_int,
    expect_str,
    parse_json,
)
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei_iotda import errors
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei_iotda import signing

API_BASE = "/v5/iot/%s"
BATCHTASKS = "/batchtasks"
PACKAGES = "/ota-upgrades/packages"
# Not in the reference: the SDK's ListDevices (``GET /v5/iot/{project_id}/devices``) and ShowDevice
# (``GET /v5/iot/{project_id}/devices/{device_id}``), ``iotda_client.py``.
DEVICES = "/devices"
# ShowDeviceResponse.auth_info (SDK ``AuthInfoRes``: auth_type, secret, secondary_secret, fingerprint,
# secondary_fingerprint, secure_access, timeout): the device's credentials, never kept.
AUTH_INFO_KEY = "auth_info"
PAGE_LIMIT = 50  # documented largest ``limit`` (1-50, reference §10.5)
MAX_OFFSET = 500  # documented largest ``offset``
MAX_PAGES = 10000
# Spec silent: no per-API TPS limit of IoTDA v5 is documented (reference §10.5). 5 calls per second per access key
# is a conservative default far below what API gateways usually allow per tenant; a rollout needs few calls (one
# listing per wave, one create per chunk of up to 30,000 devices, one read per task and poll).
CALLS_PER_WINDOW = 5
WINDOW_SECONDS = 1.0
# spec silent: the list answers' keys are not transcribed in the reference; these are the SDK's response models'
# (ListBatchTasksResponse.batchtasks, ListOtaPackageInfoResponse.packages).
TASKS_KEY = "batchtasks"
PACKAGES_KEY = "packages"
DEVICES_KEY = "devices"  # ListDevicesResponse.devices (SDK; not in the reference)
# The ListDevices query parameters the client sends (SDK ListDevicesRequest; all optional). gateway_id, node_id,
# device_name, start_time and end_time are documented there too and not used.
DEVICE_FILTERS = ("app_id", "product_id")

OPERATIONS = {
    "CreateBatchTask": "POST",
    "ListBatchTasks": "GET",
    "ShowBatchTask": "GET",
    "StopBatchTask": "POST",
    "RetryBatchTask": "POST",
    "ConfirmBatchTask": "POST",
    "ShowOtaPackage": "GET",
    "ListOtaPackageInfo": "GET",
    "ListDevices": "GET",  # SDK only (not in the reference)
    "ShowDevice": "GET",  # SDK only (not in the reference)
}
WRITES = ("CreateBatchTask", "StopBatchTask", "RetryBatchTask", "ConfirmBatchTask")
# Answers that may carry a device secret (ShowDeviceResponse.auth_info): a body that is not JSON (so its auth_info
# cannot be found and dropped) is never quoted in an error.
SECRET_BEARING = ("ShowDevice",)
HIDDEN_TEXT = "its text is not shown (this answer may carry a device secret)"


def parse_endpoint(endpoint, region):
    """``(scheme, host)`` of ``endpoint`` (default ``https://iotda.<region>.myhuaweicloud.com``); ValueError naming
    the rule when it is not ``scheme://host[:port]``."""
    if not endpoint:
        return "https", signing.default_host(region)
    parsed = urlparse(endpoint)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValueError("endpoint must be an http(s) URL such as https://%s, got %r" % (
            signing.default_host(region or "cn-north-4"), endpoint))
    if parsed.path not in ("", "/") or parsed.query or parsed.params or parsed.fragment:
        raise ValueError("endpoint must not have a path or query (the API paths start with /v5/iot), got %r"
                         % endpoint)
    if "@" in parsed.netloc:
        raise ValueError("endpoint must not carry credentials (user@host)")
    return parsed.scheme, parsed.netloc


def limiter_key(scheme, host, access_key):
    return "huawei-iotda|%s://%s|%s" % (scheme, host, access_key)


def segment(value):
    """One path parameter, percent-encoded as the signer encodes it."""
    return quote("%s" % value, safe="~")


def _secret_values(value, secret_key=False):
    """Every string under a key naming a secret (``secret``, ``secondary_secret``), at any depth (``auth_type``,
    the certificate ``fingerprint`` and the like are not secrets)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _secret_values(item, secret_key or "secret" in ("%s" % key).lower())
    elif isinstance(value, list):
        for item in value:
            yield from _secret_values(item, secret_key)
    elif isinstance(value, str) and secret_key:
        yield value


def drop_auth_info(data, redactor):
    """``data`` without its ``auth_info`` (SDK ``ShowDeviceResponse.auth_info``, the device's secret), whose secret
    values are added to ``redactor`` first: defence in depth, should the secret also appear anywhere else (an error
    text, another field). Only a JSON object's top-level ``auth_info`` is the SDK's; everything else is returned as
    it is."""
    if isinstance(data, dict) and AUTH_INFO_KEY in data:
        auth_info = data.pop(AUTH_INFO_KEY)
        for secret in [auth_info] if isinstance(auth_info, str) else _secret_values(auth_info):
            redactor.add(secret)
    return data


def _retry_after(response):
    try:
        return max(0.0, float(response.header("Retry-After")))
    except (TypeError, ValueError):
        return None


class IotdaApi:
    """One method per IoTDA v5 operation used; ``call_log`` has one entry per HTTP request sent."""

    def __init__(self, access_key, secret_key, project_id, region, session, limiter, retry, redactor, endpoint=None,
                 instance_id=None, security_token=None, clock=time.time):
        self.scheme, self.host = parse_endpoint(endpoint, region)
        self.access_key = access_key
        self.secret_key = secret_key
        self.security_token = security_token
        self.project_id = project_id
        self.region = region
        self.instance_id = instance_id
        self.derived = signing.uses_derived_signing(self.host, region)
        self.session = session
        self.limiter = limiter
        self.retry = retry
        self.redactor = redactor
        self.clock = clock
        self.call_log = []
        self._waited_mark = getattr(limiter, "waited_total", 0.0) or 0.0
        self._backoff = 0.0
        for value in (secret_key, security_token):
            if value:
                redactor.add(value)

    @property
    def secrets(self):
        return [value for value in (self.secret_key, self.security_token) if value]

    @property
    def base_path(self):
        return API_BASE % segment(self.project_id)

    def close(self):
        self.session.close()

    # ---- transport

    def call(self, operation, path, query=None, body=None):
        """The JSON object answered by ``operation`` (a 2xx answer), paced and retried per the policy."""
        method = OPERATIONS[operation]
        write = operation in WRITES
        data = None if body is None else json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        attempts = []

        def once():
            attempts.append(None)
            return self._send(operation, method, self.base_path + path, query, data, len(attempts))

        def on_retry(exc, _attempt, delay):
            if not exc.throttled:  # a throttle wait shows up in the limiter's waited_total
                self._backoff += delay

        return self.retry.run(once, idempotent=not write, on_retry=on_retry)

    def _headers(self):
        headers = {"Content-Type": "application/json", "X-Project-Id": self.project_id}
        if self.instance_id:
            headers["Instance-Id"] = self.instance_id
        if self.security_token:
            headers["X-Security-Token"] = self.security_token
        return headers

    def _send(self, operation, method, path, query, data, attempt):
        call = errors.call_name(operation)
        waited_total = getattr(self.limiter, "waited_total", 0.0) or 0.0
        waited, self._waited_mark = waited_total - self._waited_mark + self._backoff, waited_total
        self._backoff = 0.0
        entry = {"call": call, "status": None, "code": None, "attempt": attempt, "waited": round(waited, 3),
                 "throttled": False}
        self.call_log.append(entry)
        signed = signing.sign(self.access_key, self.secret_key, method, self.host, path, query=query,
                              headers=self._headers(), body=data or b"", timestamp=self.clock(), region=self.region,
                              derived=self.derived)
        url = "%s://%s%s" % (self.scheme, self.host, signed["target"])
        try:
            response = self.session.request(method, url, call, headers=signed["headers"], data=data)
            entry["status"] = response.status
            return self._parse(call, operation in WRITES, response, operation in SECRET_BEARING)
        except IoTError as exc:
            entry["code"] = exc.code
            entry["throttled"] = bool(exc.throttled)
            if exc.call is None:
                exc.call = call
            raise self.redactor.redact_error(exc)

    def _parse(self, call, write, response, secret_bearing=False):
        status = response.status
        request_id = response.header(errors.REQUEST_ID_HEADER)
        data = None
        parsed = False
        if response.body.strip():
            try:
                data = json.loads(response.text.lstrip("\ufeff"))
                parsed = True
            except ValueError:
                data = None
        # before anything else reads the answer (the envelope, a snippet of the text, the caller)
        data = drop_auth_info(data, self.redactor)
        hidden = secret_bearing and not parsed and bool(response.body.strip())
        code, message = errors.envelope(data)
        if code is not None:  # the error envelope, whatever the status (spec silent on envelopes with 2xx)
            raise errors.api_error(call, status, code, self.redactor.redact(message), request_id, write,
                                   _retry_after(response))
        if 200 <= status < 300:
            try:
                if hidden:
                    raise invalid_response(call, "answer is not JSON (HTTP %s); %s" % (status, HIDDEN_TEXT), status)
                # the parsed (auth_info-free) answer; parse_json only raises, naming an empty or non-JSON body
                return expect_dict(call, data if parsed else parse_json(call, response, maybe_committed=write,
                                                                        redactor=self.redactor), "the answer")
            except IoTError as exc:
                exc.maybe_committed = write
                exc.request_id = request_id
                raise
        try:
            if hidden:
                raise invalid_response(call, "not JSON; " + HIDDEN_TEXT, status)
            parse_json(call, response, redactor=self.redactor)
            desc = self.redactor.snippet(response.text)
        except IoTError as exc:  # an empty body or an HTML page: its (masked) text
            desc = exc.message.split(": ", 1)[-1]
        raise errors.api_error(call, status, None, desc, request_id, write, _retry_after(response))

    # ---- paging

    def _page_of(self, call, answer):
        """``(count, marker)`` of a ``page`` object (both optional; typed when present)."""
        page = answer.get("page")
        if page is None:
            return None, None
        expect_dict(call, page, "page")
        return (expect_int(call, page, "count", required=False, minimum=0, where="page"),
                expect_str(call, page, "marker", required=False, where="page"))

    def pages(self, operation, path, query, list_key, limit=PAGE_LIMIT):
        """Yield ``(answer, items)`` per page: every page of a ``limit``/``marker`` listing, newest first.

        Paging ends on a page shorter than ``limit``, an empty page or when ``page.count`` items were read. A full
        page without a new ``page.marker`` cannot be continued safely: an ``InvalidResponse`` naming the call.
        """
        call = errors.call_name(operation)
        marker = None
        seen = 0
        for _number in range(MAX_PAGES):
            params = dict(query or {})
            params.update(limit=limit, marker=marker)
            answer = self.call(operation, path, params)
            items = expect_dict_list(call, answer, list_key)
            count, next_marker = self._page_of(call, answer)
            seen += len(items)
            yield answer, items
            if len(items) < limit or (count is not None and seen >= count):
                return
            if not next_marker or next_marker == marker:
                raise invalid_response(call, "a full page of %d items without a new page.marker (sent %r); the "
                                             "listing cannot be continued" % (len(items), marker))
            marker = next_marker
        raise invalid_response(call, "more than %d pages" % MAX_PAGES)

    # ---- batch tasks

    def create_batch_task(self, body):
        """``POST batchtasks`` (not repeated after an error that may have created the task)."""
        return self.call("CreateBatchTask", BATCHTASKS, body=body)

    def list_batch_tasks(self, task_type=None, status=None, app_id=None):
        """Every task object of the listing (all pages), each checked to be an object."""
        tasks = []
        for _answer, items in self.pages("ListBatchTasks", BATCHTASKS,
                                         {"task_type": task_type, "status": status, "app_id": app_id}, TASKS_KEY):
            tasks.extend(items)
        return tasks

    def list_batch_tasks_page(self, task_type=None, status=None, app_id=None, limit=PAGE_LIMIT, marker=None,
                              offset=None):
        """One page: ``(tasks, page)`` where ``page`` = {count, marker} as answered (either may be None)."""
        call = errors.call_name("ListBatchTasks")
        answer = self.call("ListBatchTasks", BATCHTASKS, {"task_type": task_type, "status": status, "app_id": app_id,
                                                          "limit": limit, "marker": marker, "offset": offset})
        count, next_marker = self._page_of(call, answer)
        return expect_dict_list(call, answer, TASKS_KEY), {"count": count, "marker": next_marker}

    def _task_path(self, task_id, action=""):
        return "%s/%s%s" % (BATCHTASKS, segment(task_id), action)

    def show_batch_task(self, task_id, task_detail_status=None, target=None, limit=PAGE_LIMIT, marker=None):
        """One ``ShowBatchTask`` answer: ``(batchtask, task_details, page)``, types checked."""
        call = errors.call_name("ShowBatchTask")
        answer = self.call("ShowBatchTask", self._task_path(task_id),
                           {"task_detail_status": task_detail_status, "target": target, "limit": limit,
                            "marker": marker})
        task = expect_dict(call, answer.get("batchtask"), "batchtask")
        details = expect_dict_list(call, answer, "task_details")
        return task, details, self._page_of(call, answer)

    def show_batch_task_all_details(self, task_id, task_detail_status=None):
        """``(batchtask, every task_details row)``: the task and every page of its per-device rows."""
        call = errors.call_name("ShowBatchTask")
        task = None
        rows = []
        for answer, items in self.pages("ShowBatchTask", self._task_path(task_id),
                                        {"task_detail_status": task_detail_status}, "task_details"):
            if task is None:
                task = expect_dict(call, answer.get("batchtask"), "batchtask")
            rows.extend(items)
        return task, rows

    def stop_batch_task(self, task_id, targets=None):
        """``POST .../stop``: ``{}`` stops every running, waiting and fail-wait-retry subtask; ``targets`` <= 100."""
        return self.call("StopBatchTask", self._task_path(task_id, "/stop"),
                         body={"targets": list(targets)} if targets else {})

    def retry_batch_task(self, task_id, targets=None):
        return self.call("RetryBatchTask", self._task_path(task_id, "/retry"),
                         body={"targets": list(targets)} if targets else {})

    def confirm_batch_task(self, task_id, targets=None):
        return self.call("ConfirmBatchTask", self._task_path(task_id, "/confirm"),
                         body={"targets": list(targets)} if targets else {})

    # ---- OTA packages

    def show_ota_package(self, package_id):
        return self.call("ShowOtaPackage", "%s/%s" % (PACKAGES, segment(package_id)))

    def list_ota_packages(self, app_id=None, package_type=None, product_id=None, version=None):
        packages = []
        for _answer, items in self.pages("ListOtaPackageInfo", PACKAGES,
                                         {"app_id": app_id, "package_type": package_type, "product_id": product_id,
                                          "version": version}, PACKAGES_KEY):
            packages.extend(items)
        return packages

    # ---- devices (not in the reference: the official SDK's ListDevices)

    def list_devices(self, app_id=None, product_id=None):
        """Yield every page's device objects of ``GET /v5/iot/{project_id}/devices`` (``ListDevices``).

        Not in the reference (§10 documents no v5 device query); taken from the official SDK (``huaweicloudsdkiotda``
        ``ListDevicesRequest``: query ``app_id``, ``product_id``, ``limit`` 1-50, ``marker``, ``offset``;
        ``ListDevicesResponse``: ``devices`` (``QueryDeviceSimplify``) and ``page`` {``count``, ``marker``}), paged
        like the other listings. A page without a ``devices`` list is an ``InvalidResponse`` naming the call. A
        caller that needs only some devices stops reading (closes the generator) when it has them.
        """
        for items, _count in self.device_pages(app_id=app_id, product_id=product_id):
            yield items

    def device_pages(self, app_id=None, product_id=None):
        """Yield ``(devices, count)`` per page of :meth:`list_devices`: ``count`` is the page's ``page.count`` (SDK
        ``Page``: every device the query matches, all pages), None when not answered."""
        call = errors.call_name("ListDevices")
        for answer, items in self.pages("ListDevices", DEVICES, {"app_id": app_id, "product_id": product_id},
                                        DEVICES_KEY):
            yield items, self._page_of(call, answer)[0]

    def show_device(self, device_id):
        """One ``ShowDevice`` answer (``GET /v5/iot/{project_id}/devices/{device_id}``), without ``auth_info``.

        Not in the reference (§10 documents no v5 device query); taken from the official SDK (``huaweicloudsdkiotda``
        3.1.219 ``iotda_client.py`` ``_show_device_http_info``: path parameter ``device_id``, header ``Instance-Id``,
        no query; ``ShowDeviceResponse``: ``device_id``, ``product_id``, ``app_id``, ``fw_version``, ``sw_version``,
        ``status``, ... and ``auth_info``, the device's ``secret`` / ``secondary_secret``). ``auth_info`` is dropped
        in :meth:`_parse`, its secrets added to the redactor, before the caller or an error text sees the answer.
        """
        return self.call("ShowDevice", "%s/%s" % (DEVICES, segment(device_id)))

    def list_devices_page(self, app_id=None, product_id=None, limit=PAGE_LIMIT, marker=None, offset=None):
        """One ``ListDevices`` page: ``(devices, page)`` where ``page`` = {count, marker} as answered (SDK)."""
        call = errors.call_name("ListDevices")
        answer = self.call("ListDevices", DEVICES, {"app_id": app_id, "product_id": product_id, "limit": limit,
                                                    "marker": marker, "offset": offset})
        count, next_marker = self._page_of(call, answer)
        return expect_dict_list(call, answer, DEVICES_KEY), {"count": count, "marker": next_marker}
