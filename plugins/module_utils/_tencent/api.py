# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Tencent Cloud IoT Explorer API 3.0 calls: signed POSTs through the transport tier, parsed and type-checked.

Every call is paced by the shared :class:`RateLimiter` (documented default 20 calls/s, key = endpoint +
SecretId) and run by the :class:`RetryPolicy`: reads are repeated on transient errors, writes
(``BatchUpdateFirmware``, ``UpdateOtaTaskStatus``) only when nothing can have been executed; throttle answers
(``RequestLimitExceeded*``) wait for the window. Every field the provider relies on is type-checked here: a
missing or null list, a non-integer ``Total``/``TaskId``/``Status`` is an ``InvalidResponse`` naming the action.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time
from email.utils import parsedate_to_datetime
from urllib.parse import urlparse

from ansible_collections.iotfleet.firmware.plugins.module_utils._errors import IoTError
from ansible_collections.iotfleet.firmware.plugins.module_utils._http import HttpSession
from ansible_collections.iotfleet.firmware.plugins.module_utils._parse import (
    expect_dict,
    expect_int,
    expect_list,
    expect_str,
    parse_json,
)
from ansible_collections.iotfleet.firmware.plugins.module_utils._redact import Redactor
from ansible_collections.iotfleet.firmware.plugins.module_utils._pacing import RateLimiter
from ansible_collections.iotfleet.firmware.plugins.module_utils._retry import RetryPolicy
from ansible_collections.iotfleet.firmware.plugins.module_utils._tencent import errors, limits
from ansible_collections.iotfleet.firmware.plugins.module_utils._tencent.signing import (
    DEFAULT_ENDPOINT,
    LANGUAGE,
    encode_body,
    signed_headers,
)

# The largest page of DescribeFirmwareTasks / DescribeFirmwareTaskDevices / GetDeviceList / ListFirmwares is not
# documented (spec silent); 100 is what the emulator accepts and what the SDK examples stay within.
PAGE_LIMIT = 100
# The limiter counts a call when it leaves, the platform when it arrives; with forks competing for the CPU the
# arrivals of one second can spread over a slightly longer one. 10 % of margin keeps them inside the limit.
WINDOW_SECONDS = 1.1
DEVICE_SECRETS = ("DevicePsk", "DeviceCert", "AppKey", "AppSKey", "NwkSKey")


def parse_endpoint(endpoint):
    """``(host, url)`` of an endpoint; ValueError naming the rule when it is not ``scheme://host[:port]``."""
    parsed = urlparse(endpoint or DEFAULT_ENDPOINT)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValueError("endpoint must be an http(s) URL such as %s, got %r" % (DEFAULT_ENDPOINT, endpoint))
    if parsed.path not in ("", "/") or parsed.query or parsed.params or parsed.fragment:
        raise ValueError("endpoint must not have a path or query (API 3.0 posts to /), got %r" % endpoint)
    return parsed.netloc, "%s://%s/" % (parsed.scheme, parsed.netloc)


def limiter_key(url, secret_id):
    return "tencent|%s|%s" % (url, secret_id)


def without_secrets(device):
    """A ``DeviceInfo`` without the device secrets (never logged or returned)."""
    return dict((key, value) for key, value in device.items() if key not in DEVICE_SECRETS)


def _skew(response, sent_timestamp):
    try:
        return int(sent_timestamp - parsedate_to_datetime(response.header("Date")).timestamp())
    except (TypeError, ValueError, IndexError, OverflowError, AttributeError):
        return None


def _retry_after(response):
    try:
        return max(0.0, float(response.header("Retry-After")))
    except (TypeError, ValueError):
        return None


class TencentApi:
    """One method per iotexplorer action used; ``call_log`` has one entry per HTTP request sent."""

    def __init__(self, secret_id, secret_key, region, endpoint=DEFAULT_ENDPOINT, session_token=None, timeout=30,
                 validate_certs=True, ca_path=None, calls_per_second=None, pacing_dir=None,
                 session=None, limiter=None, retry=None, clock=time.time, sleep=time.sleep,
                 monotonic=time.monotonic, language=LANGUAGE):
        self.host, self.url = parse_endpoint(endpoint)
        self.secret_id = secret_id
        self.secret_key = secret_key
        self.session_token = session_token
        self.region = region
        self.language = language
        self.clock = clock
        self.redactor = Redactor([secret_key, session_token])
        self.session = session or HttpSession(timeout=timeout, validate_certs=validate_certs, ca_path=ca_path,
                                              monotonic=monotonic, redactor=self.redactor)
        # one limiter per action (each action has its own documented limit); an injected limiter paces them all
        self.limiter = limiter
        self._limiters = {}
        self._limiter_args = dict(cap=calls_per_second, state_dir=pacing_dir, clock=clock, sleep=sleep)
        self.retry = retry or RetryPolicy(limiter, sleep=sleep)
        self.call_log = []
        self._waited_seen = {}
        self._backoff = 0.0  # backoff sleep of the retry policy before the next attempt

    @property
    def secrets(self):
        return [secret for secret in (self.secret_key, self.session_token) if secret]

    def close(self):
        self.session.close()

    # ---- transport

    def limiter_for(self, action):
        """The rate limiter of ``action``: its documented limit (``limits.py``), shared by every process of the
        controller that calls it with this endpoint and SecretId."""
        if self.limiter is not None:
            return self.limiter
        found = self._limiters.get(action)
        if found is None:
            args = self._limiter_args
            found = self._limiters[action] = RateLimiter(
                "%s|%s" % (limiter_key(self.url, self.secret_id), action), limits.calls_per_second(action, args["cap"]),
                WINDOW_SECONDS, state_dir=args["state_dir"], clock=args["clock"], sleep=args["sleep"])
        return found

    def call(self, action, params):
        """``Response`` of ``action`` (a dict, ``Error`` handled), paced and retried per the policy."""
        body = encode_body(params)
        attempts = []

        def once():
            attempts.append(None)
            return self._send(action, body, len(attempts))

        def on_retry(exc, _attempt, delay):
            if not exc.throttled:  # a throttle wait shows up in the limiter's waited_total
                self._backoff += delay

        return self.retry.run(once, idempotent=not errors.is_write(action), on_retry=on_retry,
                              limiter=self.limiter_for(action))

    def _send(self, action, body, attempt):
        limiter = self.limiter_for(action)
        waited = limiter.waited_total - self._waited_seen.get(id(limiter), 0.0)
        self._waited_seen[id(limiter)] = limiter.waited_total
        waited, self._backoff = waited + self._backoff, 0.0
        entry = {"call": action, "status": None, "code": None, "attempt": attempt, "waited": round(waited, 3),
                 "throttled": False}
        self.call_log.append(entry)
        timestamp = int(self.clock())
        headers = signed_headers(self.secret_id, self.secret_key, action, body, timestamp, self.host,
                                 region=self.region, session_token=self.session_token, language=self.language)
        try:
            response = self.session.request("POST", self.url, errors.call_name(action), headers=headers, data=body)
            entry["status"] = response.status
            return self._parse(action, response, timestamp)
        except IoTError as exc:
            entry["code"] = exc.code
            entry["throttled"] = bool(exc.throttled)
            if exc.call is None:
                exc.call = errors.call_name(action)
            raise self.redactor.redact_error(exc)

    def _parse(self, action, response, timestamp):
        call = errors.call_name(action)
        write = errors.is_write(action)
        try:
            data = parse_json(call, response, maybe_committed=write, redactor=self.redactor)
        except IoTError:
            if response.status != 200:
                raise errors.http_error(action, response.status, self.redactor.snippet(response.text),
                                        _retry_after(response))
            raise
        envelope = data.get("Response") if isinstance(data, dict) else None
        error = envelope.get("Error") if isinstance(envelope, dict) else None
        if isinstance(error, dict):
            raise errors.api_error(action, error.get("Code"), self.redactor.redact(error.get("Message") or ""),
                                   request_id=envelope.get("RequestId"), http_status=response.status,
                                   skew=_skew(response, timestamp))
        if response.status != 200:
            raise errors.http_error(action, response.status, self.redactor.snippet(response.text),
                                    _retry_after(response))
        try:
            return expect_dict(call, envelope, "Response")
        except IoTError as exc:
            exc.maybe_committed = write
            raise

    # ---- typed reads

    def _page(self, action, params, list_key, checker, offset=0, limit=PAGE_LIMIT):
        """One Offset/Limit page: ``(items, total)``, each item type-checked by ``checker(call, item, name)``."""
        call = errors.call_name(action)
        answer = self.call(action, dict(params, Offset=offset, Limit=limit))
        items = expect_list(call, answer, list_key)
        total = expect_int(call, answer, "Total", minimum=0)
        return [checker(call, item, "%s[%d]" % (list_key, offset + index)) for index, item in enumerate(items)], total

    def _pages(self, action, params, list_key, checker, first=None):
        """Every item of an Offset/Limit listing (``first``: the first page, already read)."""
        items, total = first or self._page(action, params, list_key, checker)
        offset = 0
        while True:
            yield from items
            offset += len(items)
            if not items or offset >= total:
                return
            items, total = self._page(action, params, list_key, checker, offset)

    @staticmethod
    def _task_info(call, item, name):
        info = dict(expect_dict(call, item, name))
        info["TaskId"] = expect_int(call, info, "TaskId", minimum=0)
        info["Status"] = expect_int(call, info, "Status", required=False)
        return info

    @staticmethod
    def _row(call, item, name):
        row = dict(expect_dict(call, item, name))
        row["TaskId"] = expect_int(call, row, "TaskId", minimum=0)
        row["DeviceName"] = expect_str(call, row, "DeviceName")
        row["Status"] = expect_int(call, row, "Status")
        return row

    @staticmethod
    def _device(call, item, name):
        device = without_secrets(expect_dict(call, item, name))
        device["DeviceName"] = expect_str(call, device, "DeviceName")
        device["Version"] = expect_str(call, device, "Version", required=False)
        return device

    # ---- actions (casing of ProductID/ProductId follows the reference per action)

    def describe_firmware(self, product_id, version, fw_type=None):
        return self.call("DescribeFirmware", {"ProductID": product_id, "FirmwareVersion": version, "FwType": fw_type})

    def list_firmwares(self, product_id):
        """Every ``FirmwareInfo`` of a product (PageNum/PageSize paging, ``TotalCount``)."""
        call = errors.call_name("ListFirmwares")
        page, seen = 1, 0
        while True:
            answer = self.call("ListFirmwares", {"ProductID": product_id, "PageNum": page, "PageSize": PAGE_LIMIT})
            items = expect_list(call, answer, "Firmwares")
            total = expect_int(call, answer, "TotalCount", minimum=0)
            for index, item in enumerate(items):
                yield dict(expect_dict(call, item, "Firmwares[%d]" % (seen + index)))
            seen += len(items)
            page += 1
            if not items or seen >= total:
                return

    def describe_firmware_tasks(self, product_id, version, fw_type=None):
        """Every ``FirmwareTaskInfo`` of a product's target version (all pages)."""
        return self._pages("DescribeFirmwareTasks", {"ProductID": product_id, "FirmwareVersion": version,
                                                     "FwType": fw_type}, "TaskInfos", self._task_info)

    def describe_firmware_tasks_page(self, product_id, version, fw_type=None, offset=0, limit=PAGE_LIMIT):
        """One page: ``(infos, total)``."""
        return self._page("DescribeFirmwareTasks", {"ProductID": product_id, "FirmwareVersion": version,
                                                    "FwType": fw_type}, "TaskInfos", self._task_info, offset, limit)

    def describe_firmware_task(self, product_id, version, task_id):
        call = errors.call_name("DescribeFirmwareTask")
        task = dict(self.call("DescribeFirmwareTask", {"ProductID": product_id, "FirmwareVersion": version,
                                                       "TaskId": int(task_id)}))
        task.pop("RequestId", None)
        task["TaskId"] = expect_int(call, task, "TaskId", required=False)
        if task["TaskId"] is None:
            task["TaskId"] = int(task_id)
        task["Status"] = expect_int(call, task, "Status", required=False)
        return task

    def describe_firmware_task_devices(self, product_id, version, fw_type=None):
        """Every ``DeviceUpdateStatus`` row of every task of the version (the action has no TaskId input)."""
        return self._pages("DescribeFirmwareTaskDevices", {"ProductID": product_id, "FirmwareVersion": version,
                                                           "FwType": fw_type}, "Devices", self._row)

    def device_list_page(self, product_id, firmware_version=None, fw_type=None, offset=0, limit=PAGE_LIMIT):
        """One page of GetDeviceList: ``(devices, total)``, without device secrets."""
        return self._page("GetDeviceList", {"ProductId": product_id, "FirmwareVersion": firmware_version,
                                            "FwType": fw_type}, "Devices", self._device, offset, limit)

    def get_device_list(self, product_id, firmware_version=None, fw_type=None, first=None):
        """Every ``DeviceInfo`` of a product (optionally only those on ``firmware_version``), without secrets."""
        return self._pages("GetDeviceList", {"ProductId": product_id, "FirmwareVersion": firmware_version,
                                             "FwType": fw_type}, "Devices", self._device, first)

    def describe_device(self, product_id, device_name):
        call = errors.call_name("DescribeDevice")
        answer = self.call("DescribeDevice", {"ProductId": product_id, "DeviceName": device_name})
        return self._device(call, answer.get("Device"), "Device")

    def describe_device_firmwares(self, product_id, device_name):
        call = errors.call_name("DescribeDeviceFirmwares")
        answer = self.call("DescribeDeviceFirmwares", {"ProductId": product_id, "DeviceName": device_name})
        result = []
        for index, item in enumerate(expect_list(call, answer, "Firmwares")):
            item = dict(expect_dict(call, item, "Firmwares[%d]" % index))
            item["FwType"] = expect_str(call, item, "FwType", required=False)
            item["Version"] = expect_str(call, item, "Version", required=False)
            result.append(item)
        return result

    def batch_update_firmware(self, request):
        """Create the task; returns its ``TaskId`` (an answer without an integer TaskId may still have created it)."""
        answer = self.call("BatchUpdateFirmware", request)
        try:
            return expect_int(errors.call_name("BatchUpdateFirmware"), answer, "TaskId", minimum=0)
        except IoTError as exc:
            exc.maybe_committed = True
            raise

    def update_ota_task_status(self, product_id, task_id, status):
        return self.call("UpdateOtaTaskStatus", {"ProductId": product_id, "TaskId": int(task_id), "Status": int(status)})
