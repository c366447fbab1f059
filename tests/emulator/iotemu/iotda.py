"""Huawei Cloud IoTDA v5 batch tasks (OTA) and OTA packages under ``/v5/iot/{project_id}/``.

Source: the API notes huawei-iot.md §10 only (endpoints, CreateBatchTask body, task object, details, paging,
stop/retry/delete rules, the AK/SK signatures of §10.6, the error envelope of §10.7). This is an independent
implementation of that text: it shares nothing with the collection's client code. One exception: the device listing
``GET /v5/iot/{project_id}/devices`` (``ListDevices``) and the per-device read ``GET
/v5/iot/{project_id}/devices/{device_id}`` (``ShowDevice``), which §10 does not document, follow the official SDK's
models (``huaweicloudsdkiotda`` ``ListDevicesRequest``, ``ListDevicesResponse``, ``QueryDeviceSimplify``, ``Page``,
``ShowDeviceRequest``, ``ShowDeviceResponse``, ``AuthInfoRes``) and answer only fields documented there.
``ShowDevice`` answers ``auth_info`` with a fake device secret (:func:`device_secret`), so that tests can check the
client never lets it out.

Errors are ``{"error_code": "...", "error_msg": "..."}``. Codes the notes document: ``IOTDA.000006`` (invalid
input), ``IOTDA.000008`` (malformed request), ``IOTDA.000009`` (bad time format), ``IOTDA.000017`` (limit out of
range). Every other code below is marked ``not in our spec``: the API gateway codes (``APIGW.*``) are the ones
Huawei's gateway is commonly seen to answer, the ``IOTDA.0149xx`` codes are invented for the emulator.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass, field
from typing import Any, Callable, Optional
from urllib.parse import parse_qsl, quote, unquote

from . import lifecycle as lc
from .throttle import SlidingWindow
from .wire import Reply, Request, huawei_time, is_int, json_reply, parse_huawei_time

PREFIX = "/v5/iot/"
SDK_ALGORITHM = "SDK-HMAC-SHA256"
V11_ALGORITHM = "V11-HMAC-SHA256"
DERIVED_SERVICE = "iotdm"  # the scope's service name of V11 signing (§10.6)
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
DEFAULT_MARKER = "f" * 24
MARKER_RE = re.compile(r"[0-9a-fA-F]{24}")
TASK_NAME_RE = re.compile(r"[A-Za-z0-9_\u4e00-\u9fa5]{1,128}")  # §10.2: letters, digits, _ and Chinese
ID_RE = re.compile(r"[A-Za-z0-9_-]{1,128}")  # §10.2: a target device id
APP_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,36}")
MAX_TARGETS = 30000
MAX_BATCH_TARGETS = 100  # §10.5 says so for stop; retry and confirm take the same BatchTargets body (inferred)
MAX_TASK_EXT_INFO = 512
MAX_SCHEDULE_AHEAD = 7 * 24 * 3600
MAX_UNFINISHED = 10  # §10.5 quota: unfinished tasks of the same type per account

# task_type -> the package_type it upgrades with. The emulator simulates these two; other camelCase types of
# §10.2 (moduleUpgrade, ...) are refused as unsupported by the emulator.
TASK_TYPES = {"firmwareUpgrade": "firmwarePackage", "softwareUpgrade": "softwarePackage"}
PACKAGE_TYPES = ("firmwarePackage", "softwarePackage")

# task status (§10.3, "Waitting" sic)
INITIALIZING, WAITTING, PROCESSING = "Initializing", "Waitting", "Processing"
SUCCESS, FAIL, PARTIAL, STOPPED, STOPPING = "Success", "Fail", "PartialSuccess", "Stopped", "Stopping"
TASK_STATUSES = (INITIALIZING, WAITTING, PROCESSING, SUCCESS, FAIL, PARTIAL, STOPPED, STOPPING)
FINISHED = (SUCCESS, FAIL, PARTIAL, STOPPED)
# sub-task status (§10.4); the filter also accepts Removed (the emulator never removes a sub-task)
FAIL_WAIT_RETRY = "FailWaitRetry"
DETAIL_STATUSES = (WAITTING, PROCESSING, SUCCESS, FAIL, FAIL_WAIT_RETRY, STOPPED, "Removed")

ERRORS: dict[str, tuple[int, str]] = {
    # documented (§10.7)
    "IOTDA.000006": (400, "Invalid input data."),
    "IOTDA.000008": (400, "Malformed request."),
    "IOTDA.000009": (400, "Invalid time format."),
    "IOTDA.000017": (400, "The limit is out of range."),
    # not in our spec: Huawei API gateway codes (authentication, throttle, unknown API)
    "APIGW.0301": (401, "Incorrect IAM authentication information"),
    "APIGW.0308": (429, "The throttling threshold has been reached"),
    "APIGW.0101": (404, "The API does not exist or has not been published in the environment"),
    # not in our spec: invented for the emulator (the batch-task codes were beyond the visible part of V5-0018)
    "IOTDA.014900": (404, "The batch task does not exist."),
    "IOTDA.014901": (404, "The OTA package does not exist."),
    "IOTDA.014902": (400, "The operation is not allowed in the current task status."),
    "IOTDA.014903": (400, "The number of unfinished tasks of this type has reached the upper limit."),
    "IOTDA.014904": (404, "The device does not exist."),  # ShowDevice of an unknown device id
}

# not in our spec: the sub-task errors (TaskDetail.error) are undocumented; invented codes and texts
DETAIL_ERRORS = {
    "not_found": ("IOTDA.014910", "The device does not exist."),
    "no_package": ("IOTDA.014911", "No package of the task matches the device's product."),
    "failed": ("IOTDA.014912", "The device reported that the upgrade failed."),
    "timeout": ("IOTDA.014913", "The device did not finish the upgrade in time (offline)."),
}


class IotdaError(Exception):
    """An error answer; ``detail`` is appended to the standard text (the field it is about, first)."""

    def __init__(self, code: str, detail: Optional[str] = None) -> None:
        status, text = ERRORS[code]
        self.code = code
        self.status = status
        self.msg = ("%s %s" if text.endswith(".") else "%s: %s") % (text, detail) if detail else text
        super().__init__("%s %s" % (code, self.msg))


def invalid(field_name: str, problem: str) -> IotdaError:
    """IOTDA.000006 naming the field first, e.g. ``Invalid input data. task_name: ...``."""
    return IotdaError("IOTDA.000006", "%s %s" % (field_name, problem))


def device_secret(project_id: str, device_id: str) -> str:
    """The fake secret ShowDevice answers in ``auth_info.secret`` (SDK ``AuthInfoRes``: 8-32 letters, digits, ``_``
    or ``-``): fixed per project and device, so that tests can look for it in everything the client wrote."""
    return "emusecret-" + hashlib.sha256(("%s/%s" % (project_id, device_id)).encode("utf-8")).hexdigest()[:22]


def auth_error(reason: str) -> IotdaError:
    # not in our spec: APIGW.0301 is what Huawei's API gateway answers for a bad AK/SK signature or token
    return IotdaError("APIGW.0301", reason)


# --------------------------------------------------------------------------- signing (§10.6)


def _encode(text: str) -> str:
    """Percent-encoding that keeps only the unreserved characters (``A-Za-z0-9-_.~``)."""
    return quote(text, safe="~")


def canonical_uri(path: str) -> str:
    """Each (decoded) path segment percent-encoded, always ending in ``/``."""
    uri = "/".join(_encode(unquote(segment)) for segment in path.split("/"))
    return uri if uri.endswith("/") else uri + "/"


def canonical_query(pairs: list[tuple[str, str]]) -> str:
    """``k=v`` percent-encoded, sorted by key (a repeated key's values sorted too), joined by ``&``."""
    return "&".join("%s=%s" % (_encode(key), _encode(value)) for key, value in sorted(pairs))


def canonical_request(method: str, path: str, pairs: list[tuple[str, str]], headers: dict[str, str],
                      signed: list[str], payload_hash: str) -> str:
    """METHOD, URI, QUERY, one ``name:trimmed-value`` line per signed header, SIGNED_HEADERS, payload hash."""
    lines = "".join("%s:%s\n" % (name, headers[name].strip()) for name in signed)
    return "\n".join([method, canonical_uri(path), canonical_query(pairs), lines, ";".join(signed), payload_hash])


def _sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sdk_signature(secret_key: str, sdk_date: str, canonical: str) -> str:
    """``SDK-HMAC-SHA256``: HEX(HMAC-SHA256(SK, algorithm, date, HEX(SHA256(canonical))))."""
    to_sign = "\n".join([SDK_ALGORITHM, sdk_date, _sha256_hex(canonical)])
    return hmac.new(secret_key.encode("utf-8"), to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def derived_key(access_key: str, secret_key: str, scope: str) -> bytes:
    """HKDF-SHA256 as §10.6 describes it: extract with HMAC key AK over SK, expand one block with info = scope;
    the lower-case hex string of the 32 bytes (as ASCII) is the signing key."""
    prk = hmac.new(access_key.encode("utf-8"), secret_key.encode("utf-8"), hashlib.sha256).digest()
    okm = hmac.new(prk, scope.encode("utf-8") + b"\x01", hashlib.sha256).digest()[:32]
    return okm.hex().encode("ascii")


def v11_signature(access_key: str, secret_key: str, sdk_date: str, scope: str, canonical: str) -> str:
    """``V11-HMAC-SHA256``: the string to sign adds the scope line; the key is the derived key."""
    to_sign = "\n".join([V11_ALGORITHM, sdk_date, scope, _sha256_hex(canonical)])
    return hmac.new(derived_key(access_key, secret_key, scope), to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def parse_authorization(value: str) -> tuple[str, dict[str, str]]:
    """``ALGORITHM k=v, k=v, ...`` -> (algorithm, {k: v}); ValueError when it is not of that form."""
    algorithm, _sep, rest = value.strip().partition(" ")
    fields = {}
    for part in rest.split(","):
        key, sep, item = part.strip().partition("=")
        if not sep or not key:
            raise ValueError("not key=value: %r" % part)
        fields[key] = item.strip()
    return algorithm, fields


def default_host(region: str) -> str:
    """The region's shared ("default") endpoint host (§10.1)."""
    return "iotda.%s.myhuaweicloud.com" % region


# --------------------------------------------------------------------------- tasks


@dataclass
class Subtask:
    """One target of a task: its attempts (one lifecycle row each), or why it failed at once."""

    device: str
    record: str  # 24-hex record id (detail paging)
    package: Optional[dict] = None
    rejected: Optional[str] = None  # a DETAIL_ERRORS key: failed at creation (unknown device, no package)
    attempts: list[lc.Row] = field(default_factory=list)
    stopped_at: Optional[float] = None  # stopped while waiting (not yet started, or waiting to retry)
    tries: int = 0  # attempts planned so far (each has its own deterministic outcome)

    def current(self, now: float) -> Optional[lc.Row]:
        """The latest attempt that started by ``now``."""
        started = None
        for row in self.attempts:
            if row.plan.start <= now:
                started = row
        return started

    def status(self, now: float) -> tuple[str, Optional[str]]:
        """(sub-task status, DETAIL_ERRORS key or None)."""
        if self.rejected:
            return FAIL, self.rejected
        row = self.current(now)
        if row is None:
            return (STOPPED, None) if self.stopped_at is not None else (WAITTING, None)
        phase = row.phase(now)
        if phase.name == lc.CANCELLED:
            return STOPPED, None
        if phase.name in (lc.SUCCESS, lc.NO_UPDATE):
            return SUCCESS, None
        if phase.name in (lc.FAIL, lc.TIMEOUT):
            if any(later.plan.start > now for later in self.attempts):
                return FAIL_WAIT_RETRY, None
            if self.stopped_at is not None:
                return STOPPED, None
            return FAIL, "timeout" if phase.name == lc.TIMEOUT else "failed"
        if phase.name in (lc.PENDING, lc.OFFLINE):
            return WAITTING, None
        return PROCESSING, None


@dataclass
class BatchTask:
    task_id: str
    body: dict  # the validated create body (echoed)
    task_type: str
    app_id: str
    create_time: float
    ready_at: float  # end of Initializing (simulated)
    start: float  # when sub-tasks may start (ready_at, or a later schedule_time)
    retry: tuple[int, int]  # (retry_count, retry_interval minutes)
    subtasks: list[Subtask] = field(default_factory=list)
    by_device: dict[str, Subtask] = field(default_factory=dict)
    stopped: bool = False  # stopped as a whole (body {})
    stopping_until: Optional[float] = None


def _finished_status(counts: dict[str, int], stopped: bool) -> str:
    total = counts["total"]
    if stopped or (total and counts["stopped"] == total):
        return STOPPED
    if counts["success"] == total:
        return SUCCESS
    return PARTIAL if counts["success"] else FAIL


# --------------------------------------------------------------------------- the platform


@dataclass
class Route:
    method: str
    pattern: re.Pattern
    handler: Callable[..., Reply]


class IotdaPlatform:
    """One IoTDA v5 account (project): credentials, OTA packages, devices and batch tasks."""

    def __init__(self, fleet: dict, ctx: Any) -> None:
        self.ctx = ctx
        self.project_id: str = fleet["project_id"]
        self.region: str = fleet["region"]
        self.default_app_id: str = fleet["default_app_id"]
        self.credentials: dict[str, str] = fleet["credentials"]
        self.auth_tokens: list[str] = fleet["auth_tokens"]
        self.packages: dict[str, dict] = fleet["packages"]
        self.devices: dict[str, dict] = fleet["devices"]
        self.package_records = dict((package_id, "%08x%016x" % (0x65000000, number))
                                    for number, package_id in enumerate(self.packages, 1))
        self.tasks: dict[str, BatchTask] = {}
        self.history: dict[str, list[tuple[str, lc.Row]]] = {}  # device -> (task_type, row) for versions
        self.base_time: dict[str, float] = {}
        self.throttle = SlidingWindow(1.0)
        self._records = 0
        project = r"/v5/iot/(?P<project_id>[^/]+)"
        task = project + r"/batchtasks/(?P<task_id>[^/]+)"
        package = project + r"/ota-upgrades/packages"
        # not in our spec (SDK ListDevices): one 24-hex record id per device, ascending in fleet order, so the listing
        # (descending ids) answers the fleet's last device first; the order never changes (devices are never added)
        self.device_records = [("%08x%016x" % (0x64000000, number), device_id)
                               for number, device_id in enumerate(self.devices, 1)]
        self.device_records.reverse()
        self._device_counts: dict[tuple, int] = {}
        self.routes = [
            Route("POST", re.compile(project + r"/batchtasks"), self.create_batch_task),
            Route("GET", re.compile(project + r"/batchtasks"), self.list_batch_tasks),
            Route("GET", re.compile(task), self.show_batch_task),
            Route("DELETE", re.compile(task), self.delete_batch_task),
            Route("POST", re.compile(task + r"/stop"), self.stop_batch_task),
            Route("POST", re.compile(task + r"/retry"), self.retry_batch_task),
            Route("POST", re.compile(task + r"/confirm"), self.confirm_batch_task),
            Route("GET", re.compile(project + r"/devices"), self.list_devices),
            Route("GET", re.compile(project + r"/devices/(?P<device_id>[^/]+)"), self.show_device),
            Route("GET", re.compile(package), self.list_ota_packages),
            Route("GET", re.compile(package + r"/(?P<package_id>[^/]+)"), self.show_ota_package),
            Route("DELETE", re.compile(package + r"/(?P<package_id>[^/]+)"), self.delete_ota_package),
        ]

    # ------------------------------------------------------------------ dispatch

    @property
    def behaviour(self) -> dict:
        return self.ctx.behaviour

    def now(self) -> float:
        return self.ctx.clock.now()

    @staticmethod
    def error_reply(exc: IotdaError) -> Reply:
        return json_reply(exc.status, {"error_code": exc.code, "error_msg": exc.msg}, error_code=exc.code)

    def throttle_reply(self) -> Reply:
        # not in our spec: v5 rate limits are undocumented (§10.5); HTTP 429 with the gateway's throttle code
        return self.error_reply(IotdaError("APIGW.0308", "policy user over ratelimit, limit: %d calls per second"
                                           % self.behaviour["iotda_calls_per_second"]))

    def route_of(self, request: Request) -> tuple[Route, dict]:
        for route in self.routes:
            match = route.pattern.fullmatch(request.path)
            if match and route.method == request.method:
                return route, dict((key, unquote(value)) for key, value in match.groupdict().items())
        raise IotdaError("APIGW.0101")

    def kind_of(self, request: Request) -> str:
        try:
            return self.route_of(request)[0].handler.__name__
        except IotdaError:
            return "unknown"

    def handle(self, request: Request) -> Reply:
        return self.prepare(request)()

    def prepare(self, request: Request) -> Callable[[], Reply]:
        """Route, authenticate and count the call for the throttle now; the returned callable does the work."""
        try:
            route, params = self.route_of(request)
            self.authenticate(request, params.pop("project_id"))
        except IotdaError as exc:
            reply = self.error_reply(exc)
            return lambda: reply

        def run() -> Reply:
            try:
                return route.handler(request, **params)
            except IotdaError as exc:
                return self.error_reply(exc)
        return run

    # ------------------------------------------------------------------ authentication (§10.6)

    def authenticate(self, request: Request, path_project: str) -> None:
        authorization = request.header("Authorization")
        token = request.header("X-Auth-Token")
        if authorization:
            self._verify_signature(request, authorization)
        elif token:
            if not any(secrets.compare_digest(token.encode("utf-8"), known.encode("utf-8")) for known in self.auth_tokens):
                raise auth_error("the X-Auth-Token is not a valid IAM token of this account")
        else:
            raise auth_error("neither an Authorization header (AK/SK signature) nor X-Auth-Token")
        # spec silent: which answer a foreign project id gets; the emulator treats it as an authentication failure
        header_project = request.header("X-Project-Id")
        if header_project is not None and header_project != self.project_id:
            raise auth_error("X-Project-Id %s is not the project of these credentials" % header_project)
        if path_project != self.project_id:
            raise auth_error("project %s in the path is not the project of these credentials" % path_project)
        if not self.throttle.hit(self.project_id, self.behaviour["iotda_calls_per_second"]):
            raise IotdaError("APIGW.0308", "policy user over ratelimit, limit: %d calls per second"
                             % self.behaviour["iotda_calls_per_second"])

    def _verify_signature(self, request: Request, authorization: str) -> None:
        try:
            algorithm, fields = parse_authorization(authorization)
        except ValueError as exc:
            raise auth_error("the Authorization header is malformed") from exc
        if algorithm not in (SDK_ALGORITHM, V11_ALGORITHM):
            raise auth_error("unsupported signing algorithm %s" % algorithm[:40])
        host = request.header("Host") or ""
        on_default = host.lower() in (default_host(self.region), default_host(self.region) + ":443")
        if self.behaviour["iotda_strict_signing"] and on_default != (algorithm == SDK_ALGORITHM):
            raise auth_error("%s is not the signing for host %s (SDK-HMAC-SHA256 on the region's default endpoint "
                             "%s, V11-HMAC-SHA256 elsewhere)" % (algorithm, host, default_host(self.region)))
        sdk_date = request.header("X-Sdk-Date") or ""
        signed_time = parse_huawei_time(sdk_date)
        if signed_time is None:
            raise auth_error("X-Sdk-Date is missing or not YYYYMMDDTHHMMSSZ")
        # not in our spec: what skew the gateway allows; 15 minutes is the common API gateway rule (real clock)
        if abs(signed_time - self.ctx.clock.real_now()) > self.behaviour["iotda_max_date_skew"]:
            raise auth_error("X-Sdk-Date is more than %d s away from the server time" % self.behaviour["iotda_max_date_skew"])
        signed = fields.get("SignedHeaders", "").split(";")
        if not all(signed) or signed != sorted(signed) or "host" not in signed or "x-sdk-date" not in signed:
            # spec silent: the emulator requires host and x-sdk-date to be signed (the SDK always signs both)
            raise auth_error("SignedHeaders must list the lower-case signed headers, sorted, host and x-sdk-date included")
        headers = {}
        for name in signed:
            value = request.header(name)
            if value is None:
                raise auth_error("the signed header %s is missing" % name)
            headers[name] = value
        if algorithm == SDK_ALGORITHM:
            access_key, scope = fields.get("Access", ""), None
        else:
            access_key, _sep, scope = fields.get("Credential", "").partition("/")
            expected_scope = "%s/%s/%s" % (sdk_date[:8], self.region, DERIVED_SERVICE)
            if scope != expected_scope:
                raise auth_error("the credential scope must be %s" % expected_scope)
        secret_key = self.credentials.get(access_key)
        if secret_key is None:
            raise auth_error("unknown access key")
        content_hash = request.header("X-Sdk-Content-Sha256")
        payload_hash = UNSIGNED_PAYLOAD if content_hash == UNSIGNED_PAYLOAD else hashlib.sha256(request.body).hexdigest()
        pairs = parse_qsl(request.raw_query, keep_blank_values=True)
        canonical = canonical_request(request.method, request.path, pairs, headers, signed, payload_hash)
        if scope is None:
            expected = sdk_signature(secret_key, sdk_date, canonical)
        else:
            expected = v11_signature(access_key, secret_key, sdk_date, scope, canonical)
        if not hmac.compare_digest(expected, fields.get("Signature", "")):
            raise auth_error("verify aksk signature fail")

    # ------------------------------------------------------------------ paging (§10.5)

    @staticmethod
    def _paging(query: dict) -> tuple[int, str, int]:
        raw_limit = query.get("limit", "10")
        if not re.fullmatch(r"\d{1,6}", raw_limit) or not 1 <= int(raw_limit) <= 50:
            raise IotdaError("IOTDA.000017", "limit must be an integer from 1 to 50")
        marker = query.get("marker", DEFAULT_MARKER)
        if not MARKER_RE.fullmatch(marker):
            raise invalid("marker", "must be a 24-character hexadecimal record id")
        raw_offset = query.get("offset", "0")
        if not re.fullmatch(r"\d{1,6}", raw_offset) or not 0 <= int(raw_offset) <= 500:
            raise invalid("offset", "must be an integer from 0 to 500")
        return int(raw_limit), marker.lower(), int(raw_offset)

    @classmethod
    def _page(cls, query: dict, records: list[tuple[str, Any]]) -> tuple[list, dict]:
        """Records (id, item) in descending id order after ``marker``, ``offset`` skipped, ``limit`` taken.

        spec silent: ``page.count`` is the number of records matching the query (all pages); ``page.marker`` the id
        of the page's last record (the next call's marker), null on an empty page.
        """
        limit, marker, offset = cls._paging(query)
        ordered = sorted(records, key=lambda item: item[0], reverse=True)
        after = [item for item in ordered if item[0] < marker]
        chosen = after[offset:offset + limit]
        return [item for _record, item in chosen], {"count": len(ordered), "marker": chosen[-1][0] if chosen else None}

    def _record(self) -> str:
        """A new 24-hex id, ascending with creation (ObjectId-like: simulated seconds + a counter)."""
        self._records += 1
        return "%08x%016x" % (int(self.now()) & 0xFFFFFFFF, self._records)

    # ------------------------------------------------------------------ OTA packages

    @staticmethod
    def package_view(package: dict) -> dict:
        # spec silent: the package object; only the names §10.1 uses (path and list query) are answered
        return dict((key, package.get(key)) for key in ("package_id", "app_id", "package_type", "product_id", "version"))

    def list_ota_packages(self, request: Request) -> Reply:
        query = request.query
        if query.get("package_type") and query["package_type"] not in PACKAGE_TYPES:
            raise invalid("package_type", "must be firmwarePackage or softwarePackage")
        records = [(self.package_records[package_id], self.package_view(package))
                   for package_id, package in self.packages.items()
                   if all(not query.get(key) or package.get(key) == query[key]
                          for key in ("app_id", "package_type", "product_id", "version"))]
        items, page = self._page(query, records)
        # spec silent: the list's key; "packages"
        return json_reply(200, {"packages": items, "page": page})

    def _package(self, package_id: str) -> dict:
        package = self.packages.get(package_id)
        if package is None:
            raise IotdaError("IOTDA.014901", "package_id %s" % package_id)
        return package

    def show_ota_package(self, _request: Request, package_id: str) -> Reply:
        return json_reply(200, self.package_view(self._package(package_id)))

    def delete_ota_package(self, _request: Request, package_id: str) -> Reply:
        self._package(package_id)
        del self.packages[package_id]
        return Reply(status=204)  # spec silent: the answer of a delete

    # ------------------------------------------------------------------ devices (not in our spec: the SDK's ListDevices)

    # ListDevicesRequest query parameters that select devices (exact match); SDK: app_id and product_id at most 36
    # [A-Za-z0-9_-], gateway_id and node_id at most 128 / 64 of them, device_name free text.
    DEVICE_QUERY = ("app_id", "product_id", "gateway_id", "node_id", "device_name")

    def device_view(self, device_id: str, now: float) -> dict:
        """A ``QueryDeviceSimplify`` object with the fields the fleet knows. spec silent (SDK): a directly connected
        device is its own gateway (``gateway_id`` = ``device_id``, ``node_type`` GATEWAY); ``node_id`` and
        ``device_name`` are the fleet's or the device id; ``status`` ONLINE / OFFLINE; ``fw_version`` / ``sw_version``
        are left out when the device has none (a fleet may set them to null)."""
        device = self.devices[device_id]
        view = {"app_id": device["app_id"], "device_id": device_id, "node_id": device.get("node_id") or device_id,
                "gateway_id": device_id, "device_name": device.get("device_name") or device_id, "node_type": "GATEWAY",
                "product_id": device["product_id"], "status": "ONLINE" if device["online"] else "OFFLINE"}
        for key, task_type in (("fw_version", "firmwareUpgrade"), ("sw_version", "softwareUpgrade")):
            version = self.version_of(device_id, task_type, now)
            if version is not None:
                view[key] = version
        return view

    def _device_matches(self, device_id: str, wanted: dict) -> bool:
        device = self.devices[device_id]
        values = {"app_id": device["app_id"], "product_id": device["product_id"], "gateway_id": device_id,
                  "node_id": device.get("node_id") or device_id, "device_name": device.get("device_name") or device_id}
        return all(values[key] == value for key, value in wanted.items())

    def list_devices(self, request: Request) -> Reply:
        """``{"devices": [QueryDeviceSimplify], "page": {"count", "marker"}}`` in descending record order (§10.5's
        paging rules; the SDK documents the same limit, marker and offset)."""
        query = request.query
        for key in ("app_id", "product_id"):
            if query.get(key) and not APP_ID_RE.fullmatch(query[key]):
                raise invalid(key, "must be 1-36 letters, digits, _ or -")
        limit, marker, offset = self._paging(query)
        wanted = dict((key, query[key]) for key in self.DEVICE_QUERY if query.get(key))
        key = tuple(sorted(wanted.items()))
        if key not in self._device_counts:  # the attributes filtered on never change: counted once per query
            self._device_counts[key] = sum(1 for _record, device_id in self.device_records
                                           if self._device_matches(device_id, wanted))
        start = self._first_below(marker)
        chosen = []
        skipped = 0
        for record, device_id in self.device_records[start:]:
            if wanted and not self._device_matches(device_id, wanted):
                continue
            if skipped < offset:
                skipped += 1
                continue
            chosen.append((record, device_id))
            if len(chosen) == limit:
                break
        now = self.now()
        return json_reply(200, {"devices": [self.device_view(device_id, now) for _record, device_id in chosen],
                                "page": {"count": self._device_counts[key],
                                         "marker": chosen[-1][0] if chosen else None}})

    def show_device(self, _request: Request, device_id: str) -> Reply:
        """``ShowDeviceResponse`` (SDK, not in our spec): the device's :meth:`device_view` fields and ``auth_info``
        (``AuthInfoRes``: ``auth_type`` SECRET, the fake :func:`device_secret`, ``secure_access``, ``timeout`` 0).
        not in our spec: an unknown device is HTTP 404 ``IOTDA.014904`` (invented, like the other 0149xx codes); an id
        that is not 1-128 ``[A-Za-z0-9_-]`` is ``IOTDA.000006``."""
        if not ID_RE.fullmatch(device_id):
            raise invalid("device_id", "must be 1-128 letters, digits, _ or -")
        if device_id not in self.devices:
            raise IotdaError("IOTDA.014904", "device_id %s" % device_id)
        view = self.device_view(device_id, self.now())
        view["auth_info"] = {"auth_type": "SECRET", "secret": device_secret(self.project_id, device_id),
                             "secure_access": True, "timeout": 0}
        return json_reply(200, view)

    def _first_below(self, marker: str) -> int:
        """Index of the first device record (descending) with an id below ``marker``."""
        low, high = 0, len(self.device_records)
        while low < high:
            middle = (low + high) // 2
            if self.device_records[middle][0] < marker:
                high = middle
            else:
                low = middle + 1
        return low

    # ------------------------------------------------------------------ versions

    def version_since(self, device_id: str, task_type: str, now: float) -> tuple[str, float]:
        device = self.devices[device_id]
        base = device["fw_version"] if task_type == "firmwareUpgrade" else device["sw_version"]
        rows = [row for kind, row in self.history.get(device_id, []) if kind == task_type]
        return lc.version_since(base, self.base_time.get(device_id, float("-inf")), rows, now)

    def version_of(self, device_id: str, task_type: str, now: float) -> str:
        return self.version_since(device_id, task_type, now)[0]

    def patch_device(self, device_id: str, changes: dict) -> None:
        """Control API: ``online``, ``fw_version``, ``sw_version``, ``groups`` (versions take effect from now)."""
        unknown = set(changes) - {"online", "fw_version", "sw_version", "groups"}
        if unknown:
            raise ValueError("huawei_iotda device fields are online, fw_version, sw_version, groups: not %s"
                             % ", ".join(sorted(unknown)))
        device = self.devices[device_id]
        device.update(changes)
        device["online"] = bool(device["online"])
        if "fw_version" in changes or "sw_version" in changes:
            self.base_time[device_id] = self.now()

    # ------------------------------------------------------------------ create (§10.2)

    @staticmethod
    def _body(request: Request, empty_ok: bool = False) -> dict:
        if empty_ok and not request.body.strip():
            return {}
        try:
            data = json.loads(request.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise IotdaError("IOTDA.000008", "the body is not JSON") from exc
        if not isinstance(data, dict):
            raise invalid("body", "must be a JSON object")
        return data

    @staticmethod
    def _id_list(name: str, value: Any, limit: int) -> list[str]:
        if not isinstance(value, list) or not value:
            raise invalid(name, "must be a non-empty list of device ids")
        if len(value) > limit:
            raise invalid(name, "has %d items; at most %d are allowed" % (len(value), limit))
        for item in value:
            if not isinstance(item, str) or not ID_RE.fullmatch(item):
                raise invalid(name, "items must be 1-128 letters, digits, _ or -: %r" % (item,))
        return list(dict.fromkeys(value))  # spec silent: a repeated id counts once

    def _validate_create(self, body: dict) -> dict:
        """The checked fields; IOTDA.000006 (or .000009) naming the first bad field."""
        name = body.get("task_name")
        if not isinstance(name, str) or not TASK_NAME_RE.fullmatch(name):
            raise invalid("task_name", "is required: 1-128 letters, digits, _ or Chinese characters")
        task_type = body.get("task_type")
        if not isinstance(task_type, str) or not task_type:
            raise invalid("task_type", "is required")
        if task_type not in TASK_TYPES:
            raise invalid("task_type", "%r is not supported (firmwareUpgrade or softwareUpgrade, camelCase)" % task_type)
        app_id = body.get("app_id")
        if app_id is not None and (not isinstance(app_id, str) or not APP_ID_RE.fullmatch(app_id)):
            raise invalid("app_id", "must be 1-36 letters, digits, _ or -")
        checked: dict[str, Any] = {"task_name": name, "task_type": task_type, "app_id": app_id or self.default_app_id}
        if body.get("targets") is not None:  # precedence: targets > targets_filter > document_source
            checked["targets"] = self._id_list("targets", body["targets"], MAX_TARGETS)
        elif body.get("targets_filter") is not None:
            checked["group_ids"] = self._group_ids(body["targets_filter"])
        elif body.get("document_source") is not None:
            raise invalid("document_source", "applies to device-management task types only; give targets")
        else:
            raise invalid("targets", "or targets_filter is required")
        checked["packages"] = self._packages_of(body.get("document"), task_type)
        checked["schedule"], checked["retry"] = self._policy(body.get("task_policy"))
        if body.get("task_mode") is not None and body["task_mode"] != "GATEWAY":
            raise invalid("task_mode", "can only be GATEWAY")
        if body.get("need_confirm") is not None and not isinstance(body["need_confirm"], bool):
            raise invalid("need_confirm", "must be true or false")
        ext = body.get("task_ext_info")
        if ext is not None:
            if not isinstance(ext, dict):
                raise invalid("task_ext_info", "must be an object")
            if len(json.dumps(ext, separators=(",", ":"), ensure_ascii=False)) > MAX_TASK_EXT_INFO:
                raise invalid("task_ext_info", "must be at most %d characters" % MAX_TASK_EXT_INFO)
        return checked

    def _group_ids(self, value: Any) -> list[str]:
        if not isinstance(value, dict) or set(value) != {"group_ids"}:
            raise invalid("targets_filter", "must be {\"group_ids\": [...]}")
        groups = value["group_ids"]
        if not isinstance(groups, list) or not groups or not all(isinstance(item, str) and item for item in groups):
            raise invalid("targets_filter.group_ids", "must be a non-empty list of group ids")
        known = set(group for device in self.devices.values() for group in device["groups"])
        for group in groups:
            if group not in known:  # spec silent: an unknown group id
                raise invalid("targets_filter.group_ids", "group %s does not exist" % group)
        return list(groups)

    def _packages_of(self, document: Any, task_type: str) -> list[dict]:
        if not isinstance(document, dict):
            raise invalid("document", "is required for upgrade tasks: {\"package_ids\": [...]}")
        # §10.2: the request says package_ids, the response model's text package_id: both are accepted
        if "package_ids" in document:
            key, ids = "document.package_ids", document["package_ids"]
        elif "package_id" in document:
            key, ids = "document.package_id", document["package_id"]
            ids = [ids] if isinstance(ids, str) else ids
        else:
            raise invalid("document.package_ids", "is required for upgrade tasks")
        if not isinstance(ids, list) or not ids or not all(isinstance(item, str) and item for item in ids):
            raise invalid(key, "must be a non-empty list of package ids")
        packages = []
        for package_id in ids:
            package = self._package(package_id)
            if package["package_type"] != TASK_TYPES[task_type]:
                raise invalid(key, "package %s is a %s, not for %s" % (package_id, package["package_type"], task_type))
            packages.append(package)
        return packages

    def _policy(self, policy: Any) -> tuple[float, tuple[int, int]]:
        """(real seconds until the scheduled start, (retry_count, retry_interval))."""
        if policy is None:
            return 0.0, (0, 0)
        if not isinstance(policy, dict):
            raise invalid("task_policy", "must be an object")
        delay = 0.0
        if policy.get("schedule_time") is not None:
            when = parse_huawei_time(policy["schedule_time"])
            if when is None:
                raise IotdaError("IOTDA.000009", "task_policy.schedule_time must be yyyyMMdd'T'HHmmss'Z'")
            real_now = self.ctx.clock.real_now()
            if when < int(real_now):  # the format has whole seconds: the current second is allowed
                raise invalid("task_policy.schedule_time", "is in the past")
            if when > real_now + MAX_SCHEDULE_AHEAD:
                raise invalid("task_policy.schedule_time", "must be within 7 days")
            delay = when - real_now
        count, interval = policy.get("retry_count"), policy.get("retry_interval")
        if (count is None) != (interval is None):
            missing = "task_policy.retry_interval" if interval is None else "task_policy.retry_count"
            raise invalid(missing, "is required together with the other retry setting")
        # spec silent: the lower bounds (1); the upper ones are §10.2's
        if count is not None and not (is_int(count) and 1 <= count <= 5):
            raise invalid("task_policy.retry_count", "must be an integer from 1 to 5")
        if interval is not None and not (is_int(interval) and 1 <= interval <= 1440):
            raise invalid("task_policy.retry_interval", "must be an integer from 1 to 1440 (minutes)")
        return delay, (count or 0, interval or 0)

    def create_batch_task(self, request: Request) -> Reply:
        body = self._body(request)
        checked = self._validate_create(body)
        now = self.now()
        unfinished = sum(1 for task in self.tasks.values()
                         if task.task_type == checked["task_type"] and self.task_status(task, now) not in FINISHED)
        if unfinished >= MAX_UNFINISHED:
            # not in our spec: the quota's error code (V5-DEVG documents the limit only)
            raise IotdaError("IOTDA.014903", "at most %d unfinished %s tasks" % (MAX_UNFINISHED, checked["task_type"]))
        if "targets" in checked:
            device_ids = checked["targets"]
        else:
            wanted = set(checked["group_ids"])
            device_ids = sorted(device_id for device_id, device in self.devices.items() if wanted & set(device["groups"]))
        ready = now + self.behaviour["iotda_transition_seconds"]
        start = max(ready, self.ctx.clock.sim_after(checked["schedule"]))
        echoed = dict((key, body.get(key)) for key in ("task_name", "task_type", "task_mode", "task_ext_info", "targets",
                                                       "targets_filter", "document", "task_policy"))
        echoed["need_confirm"] = bool(body.get("need_confirm", False))
        echoed["targets"] = checked.get("targets")
        task = BatchTask(self._record(), echoed, checked["task_type"], checked["app_id"], now, ready, start,
                         checked["retry"])
        for device_id in device_ids:
            subtask = Subtask(device_id, self._record())
            device = self.devices.get(device_id)
            if device is None:
                subtask.rejected = "not_found"  # spec silent: an unknown device fails its sub-task, not the create
            else:
                subtask.package = next((package for package in checked["packages"]
                                        if package["product_id"] == device["product_id"]), None)
                if subtask.package is None:
                    subtask.rejected = "no_package"
            task.subtasks.append(subtask)
            task.by_device[device_id] = subtask
            if not subtask.rejected and not echoed["need_confirm"]:
                self._run_attempts(task, subtask, start)
        self.tasks[task.task_id] = task
        # spec silent: the create's status code; 201 Created (clients should accept any 2xx)
        return json_reply(201, self.task_view(task, now))

    def _run_attempts(self, task: BatchTask, subtask: Subtask, start: float) -> None:
        """Plan the sub-task's next attempt from ``start`` and, with task_policy retries, the automatic retries after
        each failure (FailWaitRetry for retry_interval minutes in between); outcomes are deterministic per attempt."""
        behaviour = self.behaviour
        device = self.devices[subtask.device]
        package = subtask.package or {}
        ori = self.version_of(subtask.device, task.task_type, self.now())
        retries, interval = task.retry
        when = start
        while True:
            key = "%s#%d" % (task.task_id, subtask.tries)
            subtask.tries += 1
            online = bool(device["online"])
            plan = lc.DevicePlan(
                start=when,
                duration=lc.upgrade_duration(subtask.device, key, behaviour["upgrade_seconds"], behaviour["jitter"]),
                fails=lc.will_fail(subtask.device, key, behaviour["failure_rates"]),
                stale=lc.keeps_version(subtask.device, behaviour["stale_versions"]),
                online=online,
                # spec silent: a device already on the package's version succeeds at once
                no_update=ori == package["version"],
                # spec silent: an offline device times out after offline_timeout (there is no task end time)
                deadline=None if online else when + behaviour["offline_timeout"])
            row = lc.Row(subtask.device, plan, ori, package["version"], task_id=task.task_id)
            subtask.attempts.append(row)
            self.history.setdefault(subtask.device, []).append((task.task_type, row))
            end = plan.natural_end()
            if plan.no_update or end is None or not (plan.fails or plan.times_out()) or retries <= 0:
                return
            retries -= 1
            when = end + interval * 60

    # ------------------------------------------------------------------ views (§10.3, §10.4)

    def progress(self, task: BatchTask, now: float) -> dict[str, int]:
        counts = {"total": len(task.subtasks), "processing": 0, "success": 0, "fail": 0, "waitting": 0,
                  "fail_wait_retry": 0, "stopped": 0, "removed": 0}
        keys = {WAITTING: "waitting", PROCESSING: "processing", SUCCESS: "success", FAIL: "fail",
                FAIL_WAIT_RETRY: "fail_wait_retry", STOPPED: "stopped"}
        for subtask in task.subtasks:
            counts[keys[subtask.status(now)[0]]] += 1
        return counts

    def _status_of(self, task: BatchTask, counts: dict[str, int], now: float) -> str:
        if now < task.ready_at:
            return INITIALIZING
        if task.stopping_until is not None and now < task.stopping_until:
            return STOPPING
        if not (counts["waitting"] or counts["processing"] or counts["fail_wait_retry"]):
            return _finished_status(counts, task.stopped)
        if counts["processing"] or counts["fail_wait_retry"] or counts["waitting"] < counts["total"]:
            return PROCESSING
        return WAITTING

    def task_status(self, task: BatchTask, now: float) -> str:
        return self._status_of(task, self.progress(task, now), now)

    def task_view(self, task: BatchTask, now: float) -> dict:
        counts = self.progress(task, now)
        status = self._status_of(task, counts, now)
        view = {"task_id": task.task_id}
        view.update((key, task.body[key]) for key in ("task_name", "task_type", "task_mode", "need_confirm",
                                                      "task_ext_info", "targets", "targets_filter", "document",
                                                      "task_policy"))
        # spec silent: status_desc texts
        desc = {STOPPED: "The task was stopped.", FAIL: "All sub-tasks failed.",
                PARTIAL: "Some sub-tasks failed."}.get(status, "")
        if status == WAITTING and task.body["need_confirm"]:
            desc = "The task waits for confirmation."
        view.update({"status": status, "status_desc": desc, "task_progress": counts,
                     "create_time": huawei_time(task.create_time)})
        return view

    def detail_view(self, subtask: Subtask, now: float) -> dict:
        status, error = subtask.status(now)
        row = subtask.current(now)
        output = ""  # spec silent: the output text
        if row is not None and status in (PROCESSING, SUCCESS):
            output = "%s -> %s" % (row.ori_version, row.target_version)
        return {"target": subtask.device, "status": status, "output": output,
                "error": dict(zip(("error_code", "error_msg"), DETAIL_ERRORS[error])) if error else None}

    def _task(self, task_id: str) -> BatchTask:
        task = self.tasks.get(task_id)
        if task is None:
            raise IotdaError("IOTDA.014900", "task_id %s" % task_id)
        return task

    def list_batch_tasks(self, request: Request) -> Reply:
        query = request.query
        if query.get("task_type") and query["task_type"] not in TASK_TYPES:
            raise invalid("task_type", "must be firmwareUpgrade or softwareUpgrade (camelCase)")
        if query.get("status") and query["status"] not in TASK_STATUSES:
            raise invalid("status", "must be one of %s" % ", ".join(TASK_STATUSES))
        if query.get("app_id") and not APP_ID_RE.fullmatch(query["app_id"]):
            raise invalid("app_id", "must be 1-36 letters, digits, _ or -")
        self._paging(query)
        now = self.now()
        records = [(task.task_id, task) for task in self.tasks.values()
                   if (not query.get("task_type") or task.task_type == query["task_type"])
                   and (not query.get("app_id") or task.app_id == query["app_id"])
                   and (not query.get("status") or self.task_status(task, now) == query["status"])]
        tasks, page = self._page(query, records)
        return json_reply(200, {"batchtasks": [self.task_view(task, now) for task in tasks], "page": page})

    def show_batch_task(self, request: Request, task_id: str) -> Reply:
        task = self._task(task_id)
        query = request.query
        wanted = query.get("task_detail_status")
        if wanted and wanted not in DETAIL_STATUSES:
            raise invalid("task_detail_status", "must be one of %s" % ", ".join(DETAIL_STATUSES))
        target = query.get("target")
        if target and not ID_RE.fullmatch(target):
            raise invalid("target", "must be a device id")
        self._paging(query)
        now = self.now()
        records = [(subtask.record, subtask) for subtask in task.subtasks
                   if (not target or subtask.device == target) and (not wanted or subtask.status(now)[0] == wanted)]
        subtasks, page = self._page(query, records)
        return json_reply(200, {"batchtask": self.task_view(task, now),
                                "task_details": [self.detail_view(subtask, now) for subtask in subtasks], "page": page})

    # ------------------------------------------------------------------ stop, retry, confirm, delete (§10.5)

    def _batch_targets(self, request: Request) -> Optional[list[str]]:
        body = self._body(request, empty_ok=True)
        if "targets" not in body:
            return None
        return self._id_list("targets", body["targets"], MAX_BATCH_TARGETS)

    def _refuse(self, task: BatchTask, status: str, what: str) -> None:
        raise IotdaError("IOTDA.014902", "cannot %s task %s in status %s" % (what, task.task_id, status))

    @staticmethod
    def _outcome(target: str, problem: Optional[str]) -> dict:
        # spec silent: the per-target error codes and texts (invented)
        if problem is None:
            return {"target": target, "status": "success", "error_code": None, "error_msg": None}
        return {"target": target, "status": "failure", "error_code": "IOTDA.014902", "error_msg": problem}

    def _per_target(self, task: BatchTask, targets: Optional[list[str]], allowed: tuple, action: Callable,
                    now: float) -> list[dict]:
        """Apply ``action`` to the sub-tasks in an ``allowed`` status: all of them (targets None) or the listed ones.

        ``action`` returns None, or why it could not act (a failure row).
        """
        results = []
        chosen = task.subtasks if targets is None else [task.by_device.get(target) or target for target in targets]
        for subtask in chosen:
            if isinstance(subtask, str):
                results.append(self._outcome(subtask, "the device is not a target of this task"))
                continue
            status = subtask.status(now)[0]
            if status not in allowed:
                if targets is not None:
                    results.append(self._outcome(subtask.device, "the sub-task is %s" % status))
                continue
            results.append(self._outcome(subtask.device, action(subtask)))
        return results

    def stop_batch_task(self, request: Request, task_id: str) -> Reply:
        task = self._task(task_id)
        targets = self._batch_targets(request)
        now = self.now()
        status = self.task_status(task, now)
        if status in FINISHED or status == STOPPING:
            self._refuse(task, status, "stop")

        def stop(subtask: Subtask) -> Optional[str]:
            for row in subtask.attempts:
                row.cancel(now, "stopped")  # the running attempt freezes, later automatic retries never start
            subtask.attempts = [row for row in subtask.attempts if row.plan.start <= now]
            subtask.stopped_at = now
            return None
        results = self._per_target(task, targets, (WAITTING, PROCESSING, FAIL_WAIT_RETRY), stop, now)
        if targets is None:
            task.stopped = True
            task.stopping_until = now + self.behaviour["iotda_transition_seconds"]
        return json_reply(200, {"targets": results})

    def retry_batch_task(self, request: Request, task_id: str) -> Reply:
        task = self._task(task_id)
        targets = self._batch_targets(request)
        now = self.now()
        status = self.task_status(task, now)
        if status in (SUCCESS, STOPPED, STOPPING, WAITTING, INITIALIZING):
            self._refuse(task, status, "retry")

        def retry(subtask: Subtask) -> Optional[str]:
            if subtask.rejected:  # spec silent: a sub-task that failed at creation cannot be re-run
                return DETAIL_ERRORS[subtask.rejected][1]
            for row in subtask.attempts:
                if row.plan.start > now:
                    row.cancel(now, "replaced by a retry")
            subtask.attempts = [row for row in subtask.attempts if row.plan.start <= now]
            subtask.stopped_at = None
            self._run_attempts(task, subtask, now)
            return None
        results = self._per_target(task, targets, (FAIL, FAIL_WAIT_RETRY, STOPPED), retry, now)
        return json_reply(200, {"targets": results})

    def confirm_batch_task(self, request: Request, task_id: str) -> Reply:
        task = self._task(task_id)
        targets = self._batch_targets(request)
        now = self.now()
        status = self.task_status(task, now)
        if not task.body["need_confirm"]:
            self._refuse(task, status, "confirm (need_confirm is false)")
        if status in FINISHED or status == STOPPING:
            self._refuse(task, status, "confirm")

        pending = set(subtask.device for subtask in task.subtasks
                      if not subtask.attempts and not subtask.rejected and subtask.stopped_at is None)

        def confirm(subtask: Subtask) -> Optional[str]:
            if subtask.device not in pending:
                return "the sub-task is already confirmed"
            self._run_attempts(task, subtask, max(now, task.start))
            return None
        results = self._per_target(task, targets, (WAITTING,), confirm, now)
        if targets is None:  # {}: only the sub-tasks it confirmed are reported
            results = [outcome for outcome in results if outcome["status"] == "success"]
        # spec silent: the confirm answer; the stop/retry shape
        return json_reply(200, {"targets": results})

    def delete_batch_task(self, _request: Request, task_id: str) -> Reply:
        task = self._task(task_id)
        status = self.task_status(task, self.now())
        if status not in FINISHED:
            self._refuse(task, status, "delete")
        del self.tasks[task_id]
        return Reply(status=204)  # spec silent: the answer of a delete

    # ------------------------------------------------------------------ control API

    def coverage(self, device_id: str) -> list[dict]:
        if device_id not in self.devices:
            raise KeyError("unknown huawei_iotda device %s" % device_id)
        now = self.now()
        rows = []
        for task in sorted(self.tasks.values(), key=lambda item: item.task_id):
            subtask = task.by_device.get(device_id)
            if subtask is not None:
                row = subtask.current(now)
                rows.append({"task": task.task_id, "task_type": task.task_type,
                             "version": (subtask.package or {}).get("version"), "status": subtask.status(now)[0],
                             "phase": row.phase(now).name if row else lc.PENDING})
        return rows

    def duplicates(self) -> list[dict]:
        """Devices in more than one task of the same type and target version whose sub-task neither failed nor was
        stopped (two unfinished tasks, or a second task after a success)."""
        now = self.now()
        groups: dict[tuple[str, str, str], list[str]] = {}
        for task in sorted(self.tasks.values(), key=lambda item: item.task_id):
            for subtask in task.subtasks:
                if subtask.package is None or subtask.status(now)[0] in (FAIL, STOPPED):
                    continue
                groups.setdefault((subtask.device, task.task_type, subtask.package["version"]), []).append(task.task_id)
        return [{"device_id": device, "task_type": kind, "version": version, "tasks": tasks}
                for (device, kind, version), tasks in sorted(groups.items()) if len(tasks) > 1]

    def state(self) -> dict:
        now = self.now()
        tasks = []
        for task in sorted(self.tasks.values(), key=lambda item: item.task_id):
            view = self.task_view(task, now)
            view["app_id"] = task.app_id
            view["task_details"] = [self.detail_view(subtask, now) for subtask in task.subtasks]
            tasks.append(view)
        devices = []
        for device_id, device in sorted(self.devices.items()):
            entry = dict(device)
            entry["fw_version"] = self.version_of(device_id, "firmwareUpgrade", now)
            entry["sw_version"] = self.version_of(device_id, "softwareUpgrade", now)
            devices.append(entry)
        return {"project_id": self.project_id, "region": self.region, "default_endpoint": default_host(self.region),
                "access_keys": sorted(self.credentials), "packages": [dict(package) for package in self.packages.values()],
                "devices": devices, "tasks": tasks}
