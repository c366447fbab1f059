"""Huawei IoT legacy northbound API: authentication and device upgrade (``/iodm/northbound/v1.5.0``).

Sources: the API notes huawei-iot.md and the vendor page of "Creating a Firmware Upgrade Task"
(fields, limits and the complete error table of the create call). Errors are
``{"error_code": "...", "error_desc": "..."}``; with behaviour ``huawei_errors_with_http_200`` they
come with HTTP 200, as the real platform does for some calls.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Optional
from urllib.parse import parse_qs, unquote

from . import lifecycle as lc
from .throttle import SlidingWindow
from .fleet import DEMO_CREATE_TIME, PACKAGE_FIELDS
from .wire import Reply, Request, huawei_time, is_int, json_reply, parse_huawei_time, parse_json_object

SEC = "/iocm/app/sec/v1.1.0"
API = "/iodm/northbound/v1.5.0"
DM = "/iocm/app/dm/v1.4.0"
NODE_TYPES = ("ENDPOINT", "GATEWAY", "UNKNOWN")  # spec silent: the values of nodeType
MAX_TARGETS = 256
REFRESH_TOKEN_TTL = 30 * 24 * 3600  # "valid for 1 month"
EXECUTE_TYPES = ("now", "device_online", "custom")
OPERATE_TYPES = ("firmware_upgrade", "software_upgrade")
TASK_STATUSES = ("wait", "processing", "failed", "success", "stop")
SUBTASK_STATUSES = ("wait", "processing", "success", "fail", "stop", "timeout")
MIN_WINDOW = 300  # endTime at least 5 minutes after startTime

ERRORS: dict[str, tuple[int, str]] = {
    # create-task error table of the seed page (HTTP status, error_desc as documented)
    "120015": (400, "Bad request error."),
    "123016": (400, "The parameter is error, targetversion not match with device."),
    "123019": (400, "manufacturerName is null."),
    "123020": (400, "deviceType is null"),
    "123021": (400, "model is null."),
    "123022": (400, "deviceGroups and devices cannot be null together"),
    "123023": (400, "deviceGroups and devices cannot be exist together"),
    "123024": (400, "The number of deviceGroups or devices reached upper limit"),
    "123025": (400, "executeType is error or can not to be null."),
    "123026": (400, "startTime or endTime is null or error."),
    "123028": (400, "retryTimes is null or beyond the limit."),
    "123032": (400, "startTime can not be later than the endTime."),
    "123033": (400, "startTime can not be earlier than the now."),
    "123034": (400, "endtime must be greater than 5 minutes."),
    "1010009": (403, "app throttle exceed."),
    "1010005": (403, "App_key or access_token is invalid."),
    "123002": (404, "Device or package file not found."),
    # login / refresh (secondary sources: third-party mocks and a C client comment)
    "100208": (401, "AppId or secret is not right."),
    "100006": (401, "Refresh access token failed."),
    # spec silent: no documented code for an unknown task id; invented for the emulator
    "123009": (404, "Operation task not found."),
    # spec silent: no documented code for an unknown device id (device query API); 100403 "The device is not
    # existed." is what third-party clients report from the real platform, unverified
    "100403": (404, "The device is not existed."),
    # spec silent: unknown path
    "404": (404, "Not Found"),
}

# lifecycle phase -> (subtask status, detailInfo); spec silent on detailInfo texts
SUBTASK_VIEW = {
    lc.PENDING: ("wait", ""),
    lc.OFFLINE: ("wait", "device offline"),
    lc.CONFIRM: ("processing", "waiting"),
    lc.DELIVERED: ("processing", "delivered"),
    lc.DOWNLOADING: ("processing", "downloading"),
    lc.BURNING: ("processing", "upgrading"),
    lc.SUCCESS: ("success", ""),
    lc.NO_UPDATE: ("success", "the device already runs the target version"),
    lc.FAIL: ("fail", "upgrade failed"),
    lc.TIMEOUT: ("timeout", "upgrade timed out"),
    lc.CANCELLED: ("stop", "stopped"),
}


class HuaweiError(Exception):
    """An API error with a documented code; converted to the JSON error body by the dispatcher."""

    def __init__(self, code: str, desc: Optional[str] = None) -> None:
        status, default_desc = ERRORS[code]
        super().__init__("%s %s" % (code, desc or default_desc))
        self.code = code
        self.status = status
        self.desc = desc or default_desc


@dataclass
class Token:
    access: str
    refresh: str
    issued: float
    ttl: int


@dataclass
class HwTask:
    seq: int
    operation_id: str
    operate_type: str
    package: dict
    targets: dict
    policy: dict
    create_time: float
    start: float
    rows: list[lc.Row] = field(default_factory=list)
    _index: Optional[lc.RowIndex] = None

    @property
    def index(self) -> lc.RowIndex:
        """Status counts in O(log n) (legacy rows are never cancelled, so it never goes stale once the task exists)."""
        if self._index is None or self._index.total != len(self.rows):
            self._index = lc.RowIndex(self.rows)
        return self._index


@dataclass
class Route:
    method: str
    pattern: re.Pattern
    handler: Callable[..., Reply]
    auth: bool = True


def _fail(code: str, desc: Optional[str] = None) -> None:
    raise HuaweiError(code, desc)


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison that also copes with non-ASCII input."""
    return secrets.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _string_list(value: Any) -> Optional[list]:
    """None, or a list of non-empty strings (120015 otherwise)."""
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        _fail("120015", "Bad request error: expected a list of strings.")
    return value


def _optional_string(value: Any) -> Optional[str]:
    if value is not None and not isinstance(value, str):
        _fail("120015", "Bad request error: expected a string.")
    return value


def _page(query: dict) -> tuple[int, int]:
    """pageNo (default 0, >= 0) and pageSize (default 10, 1..100); 120015 when out of range."""
    values = []
    for key, default, low, high in (("pageNo", 0, 0, 10 ** 9), ("pageSize", 10, 1, 100)):
        raw = query.get(key)
        if raw in (None, ""):
            values.append(default)
            continue
        if not re.fullmatch(r"\d+", raw) or not low <= int(raw) <= high:
            _fail("120015", "Bad request error: %s must be an integer in %d..%d." % (key, low, high))
        values.append(int(raw))
    return values[0], values[1]


def _paged(items: list, page_no: int, page_size: int) -> list:
    return items[page_no * page_size:(page_no + 1) * page_size]


class HuaweiPlatform:
    """Apps, tokens, packages, devices and upgrade tasks of one emulated Huawei platform."""

    def __init__(self, fleet: dict, ctx: Any) -> None:
        self.ctx = ctx
        self.apps: dict[str, str] = fleet["apps"]
        self.packages: dict[str, dict] = fleet["packages"]
        self.devices: dict[str, dict] = fleet["devices"]
        self.base_time: dict[str, float] = {}
        self.history: dict[str, list[tuple[str, lc.Row]]] = {}
        self.tokens: dict[str, Token] = {}
        self.tasks: dict[str, HwTask] = {}
        self.throttle = SlidingWindow(60.0)
        self.routes = [
            Route("POST", re.compile(SEC + "/login"), self.login, auth=False),
            Route("POST", re.compile(SEC + "/refreshToken"), self.refresh, auth=False),
            Route("POST", re.compile(SEC + "/logout"), self.logout, auth=False),
            Route("POST", re.compile(API + "/operations/firmwareUpgrade"), self.create_firmware_task),
            Route("POST", re.compile(API + "/operations/softwareUpgrade"), self.create_software_task),
            Route("GET", re.compile(API + "/operations"), self.list_tasks),
            Route("GET", re.compile(API + "/operations/(?P<operation_id>[^/]+)"), self.get_task),
            Route("GET", re.compile(API + "/operations/(?P<operation_id>[^/]+)/subOperations"), self.list_subtasks),
            Route("GET", re.compile(API + "/category"), self.list_packages),
            Route("GET", re.compile(API + "/category/(?P<file_id>[^/]+)"), self.get_package),
            Route("DELETE", re.compile(API + "/category/(?P<file_id>[^/]+)"), self.delete_package),
            Route("GET", re.compile(DM + "/devices"), self.list_devices),
            Route("GET", re.compile(DM + "/devices/(?P<device_id>[^/]+)"), self.get_device),
        ]
        self.device_order = sorted(self.devices)  # devices are never added or removed at run time
        self._device_filters: dict[tuple, list[str]] = {}

    # ------------------------------------------------------------------ dispatch

    @property
    def behaviour(self) -> dict:
        return self.ctx.behaviour

    def now(self) -> float:
        return self.ctx.clock.now()

    def error_reply(self, exc: HuaweiError) -> Reply:
        status = 200 if self.behaviour["huawei_errors_with_http_200"] else exc.status
        return json_reply(status, {"error_code": exc.code, "error_desc": exc.desc}, error_code=exc.code)

    def throttle_reply(self) -> Reply:
        return self.error_reply(HuaweiError("1010009"))

    def handle(self, request: Request) -> Reply:
        return self.prepare(request)()

    def route_of(self, request: Request) -> tuple[Route, dict]:
        for route in self.routes:
            match = route.pattern.fullmatch(request.path)
            if match and route.method == request.method:
                return route, dict((key, unquote(value)) for key, value in match.groupdict().items())
        raise HuaweiError("404")

    def kind_of(self, request: Request) -> str:
        """The name of the call (request log statistics), ``unknown`` for a path no route serves."""
        try:
            return self.route_of(request)[0].handler.__name__
        except HuaweiError:
            return "unknown"

    def prepare(self, request: Request) -> Callable[[], Reply]:
        """Authenticate (and count the call for the throttle) now; the returned callable does the work.

        Fault ``slow_commit`` runs the callable later, at its commit time.
        """
        try:
            route, params = self.route_of(request)
            if route.auth:
                self.authenticate(request)
        except HuaweiError as exc:
            reply = self.error_reply(exc)
            return lambda: reply

        def run() -> Reply:
            try:
                return route.handler(request, **params)
            except HuaweiError as exc:
                return self.error_reply(exc)
        return run

    # ------------------------------------------------------------------ authentication

    def authenticate(self, request: Request) -> str:
        """The app id of a valid ``app_key`` + ``Authorization: Bearer`` pair, counted by the throttle."""
        app_id = request.header("app_key") or ""
        authorization = request.header("Authorization") or ""
        scheme, _sep, token = authorization.partition(" ")
        current = self.tokens.get(app_id)
        real_now = self.ctx.clock.real_now()
        if (scheme.lower() != "bearer" or current is None or not same_secret(token.strip(), current.access)
                or real_now >= current.issued + current.ttl):
            raise HuaweiError("1010005")
        if not self.throttle.hit(app_id, self.behaviour["huawei_calls_per_minute"]):
            raise HuaweiError("1010009")
        return app_id

    def expire_tokens(self, app_id: Optional[str] = None) -> None:
        """Invalidate the current token of ``app_id`` (of every app when None or unknown)."""
        for key, token in self.tokens.items():
            if app_id in (None, key) or app_id not in self.tokens:
                token.issued = float("-inf")

    def _credentials(self, request: Request) -> dict:
        content_type = (request.header("Content-Type") or "").lower()
        if "json" in content_type or request.body.lstrip().startswith(b"{"):
            data = parse_json_object(request.body)
            if data is None:
                raise HuaweiError("120015")
            return data
        try:
            form = parse_qs(request.body.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError as exc:
            raise HuaweiError("120015") from exc
        return dict((key, values[0]) for key, values in form.items())

    def _issue(self, app_id: str) -> dict:
        ttl = int(self.behaviour["huawei_token_ttl"])
        token = Token(secrets.token_hex(16), secrets.token_hex(16), self.ctx.clock.real_now(), ttl)
        self.tokens[app_id] = token  # only the newest token of an app is valid
        return {"scope": "default", "tokenType": "bearer", "expiresIn": ttl, "accessToken": token.access,
                "refreshToken": token.refresh}

    def _check_secret(self, data: dict) -> str:
        app_id, secret = data.get("appId"), data.get("secret")
        if not isinstance(app_id, str) or not isinstance(secret, str) or not app_id or not secret:
            raise HuaweiError("120015")
        if app_id not in self.apps or not same_secret(secret, self.apps[app_id]):
            raise HuaweiError("100208")
        return app_id

    def login(self, request: Request) -> Reply:
        """``POST /iocm/app/sec/v1.1.0/login`` with appId/secret as a form or as JSON."""
        app_id = self._check_secret(self._credentials(request))
        return json_reply(200, self._issue(app_id))

    def refresh(self, request: Request) -> Reply:
        """``POST .../refreshToken`` with JSON appId, secret, refreshToken."""
        data = parse_json_object(request.body)
        if data is None:
            raise HuaweiError("120015")
        app_id = self._check_secret(data)
        current = self.tokens.get(app_id)
        given = data.get("refreshToken")
        if (current is None or not isinstance(given, str) or not same_secret(given, current.refresh)
                or self.ctx.clock.real_now() >= current.issued + REFRESH_TOKEN_TTL):
            raise HuaweiError("100006")
        return json_reply(200, self._issue(app_id))

    def logout(self, request: Request) -> Reply:
        """``POST .../logout`` with JSON ``accessToken`` (deprecated in the Java SDK); 204."""
        data = parse_json_object(request.body) or {}
        given = data.get("accessToken")
        for app_id, token in list(self.tokens.items()):
            if isinstance(given, str) and same_secret(given, token.access):
                del self.tokens[app_id]
        return Reply(status=204)  # spec silent: the SDK method returns nothing

    # ------------------------------------------------------------------ device versions

    def version_of(self, device_id: str, operate_type: str, now: float) -> str:
        return self.version_since(device_id, operate_type, now)[0]

    def version_since(self, device_id: str, operate_type: str, now: float) -> tuple[str, float]:
        device = self.devices[device_id]
        base = device["version"] if operate_type == "firmware_upgrade" else device["softwareVersion"]
        rows = [row for kind, row in self.history.get(device_id, []) if kind == operate_type]
        return lc.version_since(base, self.base_time.get(device_id, float("-inf")), rows, now)

    def patch_device(self, device_id: str, changes: dict) -> None:
        """Control API: change ``online``/``version``/``softwareVersion`` (versions take effect from now)."""
        device = self.devices[device_id]
        self._device_filters.clear()
        for key in ("online", "version", "softwareVersion", "groups"):
            if key in changes:
                device[key] = changes[key]
        if "version" in changes or "softwareVersion" in changes:
            self.base_time[device_id] = self.now()

    # ------------------------------------------------------------------ create

    def create_firmware_task(self, request: Request) -> Reply:
        return self._create(request, "firmware_upgrade")

    def create_software_task(self, request: Request) -> Reply:
        return self._create(request, "software_upgrade")

    def _create(self, request: Request, operate_type: str) -> Reply:
        body = parse_json_object(request.body)
        if body is None:
            raise HuaweiError("120015", "Bad request error: the body is not a JSON object.")
        file_id = body.get("fileId")
        if not isinstance(file_id, str) or not file_id:
            raise HuaweiError("120015", "Bad request error: fileId is mandatory.")
        if not isinstance(body.get("targets"), dict):
            raise HuaweiError("120015", "Bad request error: targets is mandatory.")
        targets = self._validate_targets(body["targets"])
        policy, schedule = self._validate_policy(body.get("policy"))
        package = self.packages.get(file_id)
        if package is None:
            raise HuaweiError("123002")
        for key in ("deviceType", "model", "manufacturerName"):
            if targets.get(key) not in (None, package[key]):
                raise HuaweiError("123016")
        device_ids = self._resolve_devices(targets, package)
        task = self._new_task(operate_type, package, targets, policy, schedule, device_ids)
        return json_reply(200, {"operationId": task.operation_id})

    @staticmethod
    def _validate_targets(raw: dict) -> dict:
        groups = _string_list(raw.get("deviceGroups"))
        devices = _string_list(raw.get("devices"))
        targets: dict[str, Any] = {}
        for key in ("deviceType", "model", "manufacturerName"):
            value = _optional_string(raw.get(key))
            if value:
                targets[key] = value
        if not groups and not devices:
            raise HuaweiError("123022")
        if groups and devices:
            raise HuaweiError("123023")
        if len(groups or devices or []) > MAX_TARGETS:
            raise HuaweiError("123024")
        if groups:
            for key, code in (("manufacturerName", "123019"), ("deviceType", "123020"), ("model", "123021")):
                if not targets.get(key):
                    raise HuaweiError(code)
            targets["deviceGroups"] = list(groups)
        else:
            targets["devices"] = list(devices or [])
        return targets

    def _validate_policy(self, raw: Any) -> tuple[dict, dict]:
        """The policy to echo and the schedule: ``{"start": real delay s, "end": real delay s or None}``."""
        if raw is None:
            return {"executeType": "now", "retryType": False}, {"start": 0.0, "end": None}
        if not isinstance(raw, dict):
            raise HuaweiError("120015", "Bad request error: policy must be an object.")
        execute_type = raw.get("executeType")
        if execute_type not in EXECUTE_TYPES:
            raise HuaweiError("123025")
        start, end = self._policy_times(raw, execute_type)
        retry_type = raw.get("retryType", False)
        if not isinstance(retry_type, bool):
            raise HuaweiError("120015", "Bad request error: retryType must be a boolean.")
        retry_times = raw.get("retryTimes")
        if (retry_type or retry_times is not None) and not (is_int(retry_times) and 1 <= retry_times <= 5):
            raise HuaweiError("123028")
        policy: dict[str, Any] = {"executeType": execute_type, "retryType": retry_type}
        for key in ("startTime", "endTime", "retryTimes"):
            if raw.get(key) is not None:
                policy[key] = raw[key]
        real_now = self.ctx.clock.real_now()
        schedule = {"start": (start - real_now) if execute_type == "custom" and start is not None else 0.0,
                    "end": (end - real_now) if end is not None else None}
        return policy, schedule

    def _policy_times(self, raw: dict, execute_type: str) -> tuple[Optional[float], Optional[float]]:
        """Parsed startTime/endTime (UTC) with 123026/123032/123033/123034 checks.

        spec silent: the times are validated whenever they are given; startTime only schedules ``custom``
        tasks, endTime is the deadline of any task.
        """
        start = end = None
        for key in ("startTime", "endTime"):
            text = raw.get(key)
            if text is None:
                if execute_type == "custom":
                    raise HuaweiError("123026")
                continue
            parsed = parse_huawei_time(text)
            if parsed is None:
                raise HuaweiError("123026")
            if key == "startTime":
                start = parsed
            else:
                end = parsed
        if start is not None and end is not None and start > end:
            raise HuaweiError("123032")
        # the format has whole seconds: allow the current second (real wall clock)
        if start is not None and start < int(self.ctx.clock.real_now()):
            raise HuaweiError("123033")
        if start is not None and end is not None and end - start < MIN_WINDOW:
            raise HuaweiError("123034")
        return start, end

    def _resolve_devices(self, targets: dict, package: dict) -> list[str]:
        keys = ("deviceType", "model", "manufacturerName")
        if "devices" in targets:
            ids = list(dict.fromkeys(targets["devices"]))
            for device_id in ids:
                device = self.devices.get(device_id)
                if device is None:
                    raise HuaweiError("123002")
                if any(device[key] != package[key] for key in keys):
                    raise HuaweiError("123016")
            return ids
        known_groups = set(group for device in self.devices.values() for group in device["groups"])
        if any(group not in known_groups for group in targets["deviceGroups"]):
            raise HuaweiError("123002")  # spec silent: an unknown group name is reported as not found
        wanted = set(targets["deviceGroups"])
        return sorted(device_id for device_id, device in self.devices.items()
                      if wanted.intersection(device["groups"]) and all(device[key] == targets[key] for key in keys))

    def _new_task(self, operate_type: str, package: dict, targets: dict, policy: dict, schedule: dict,
                  device_ids: list[str]) -> HwTask:
        clock = self.ctx.clock
        now = clock.now()
        operation_id = uuid.uuid4().hex[:24]
        start = clock.sim_after(schedule["start"])
        end = clock.sim_after(schedule["end"]) if schedule["end"] is not None else None
        task = HwTask(len(self.tasks) + 1, operation_id, operate_type, package, targets, policy, now, start)
        for device_id in device_ids:
            ori = self.version_of(device_id, operate_type, now)
            task.rows.append(lc.Row(device_id, self._plan(device_id, task, start, end, ori), ori, package["version"],
                                    task_id=operation_id))
            self.history.setdefault(device_id, []).append((operate_type, task.rows[-1]))
        self.tasks[operation_id] = task
        return task

    def _plan(self, device_id: str, task: HwTask, start: float, end: Optional[float], ori: str) -> lc.DevicePlan:
        behaviour = self.behaviour
        online = bool(self.devices[device_id]["online"])
        deadline = end
        if not online and deadline is None and task.policy["executeType"] != "device_online":
            deadline = start + behaviour["offline_timeout"]  # spec silent: offline devices time out eventually
        return lc.DevicePlan(
            start=start,
            duration=lc.upgrade_duration(device_id, task.operation_id, behaviour["upgrade_seconds"], behaviour["jitter"]),
            fails=lc.will_fail(device_id, task.operation_id, behaviour["failure_rates"]),
            stale=lc.keeps_version(device_id, behaviour["stale_versions"]),
            online=online,
            # spec silent: a device already on the target version is marked success at once
            no_update=ori == task.package["version"],
            deadline=deadline,
        )

    # ------------------------------------------------------------------ views

    def _subtask(self, task: HwTask, row: lc.Row, now: float) -> dict:
        phase = row.phase(now)
        status, detail = SUBTASK_VIEW[phase.name]
        started = phase.name not in (lc.PENDING,)
        digest = hashlib.sha256(("%s/%s" % (task.operation_id, row.device)).encode("utf-8")).hexdigest()[:24]
        return {
            "subOperationId": digest,
            "createTime": huawei_time(task.create_time),
            "startTime": huawei_time(row.plan.start) if started else None,
            "stopTime": huawei_time(phase.since) if phase.final else None,
            "operateType": task.operate_type,
            "deviceId": row.device,
            "status": status,
            "detailInfo": detail,
            # spec silent: extendInfo contents; names borrowed from NotifyFwUpgradeResultDTO (empty when documented_only)
            "extendInfo": {} if self.ctx.documented_only else {
                "sourceVersion": row.ori_version, "targetVersion": row.target_version, "percent": phase.percent},
        }

    @staticmethod
    def _counts(task: HwTask, now: float) -> dict[str, int]:
        """``staResult`` without building the subtasks (the same numbers as counting their statuses)."""
        counts = dict((name, 0) for name in SUBTASK_STATUSES)
        index = task.index
        for phase, count in index.finals(now).items():
            counts[SUBTASK_VIEW[phase][0]] += count
        counts["processing"] = index.moving(now)
        counts["wait"] = index.total - sum(counts.values())
        return counts

    @staticmethod
    def _task_status(task: HwTask, counts: dict[str, int], now: float) -> str:
        if now < task.start:
            return "wait"
        total = sum(counts.values())
        if counts["wait"] or counts["processing"]:
            return "processing"
        if counts["success"] == total:
            return "success"
        return "stop" if counts["stop"] == total else "failed"

    def task_status(self, task: HwTask, now: float) -> str:
        return self._task_status(task, self._counts(task, now), now)

    def task_view(self, task: HwTask, now: float) -> dict:
        counts = self._counts(task, now)
        status = self._task_status(task, counts, now)
        stop_time = None
        if status in ("success", "failed", "stop"):
            stop_time = task.index.finished_at(now) if task.rows else task.start
        view = {
            "operationId": task.operation_id,
            "createTime": huawei_time(task.create_time),
            "startTime": huawei_time(task.start),
            "stopTime": huawei_time(stop_time),
            "operateType": task.operate_type,
            "targets": task.targets,
            "policy": task.policy,
            "status": status,
            "staResult": dict(total=task.index.total, **counts),
        }
        if self.ctx.echo_markers:
            # The task object has no documented field for the package: extendPara carrying fileId and
            # fileVersion is unverified in the reference (huawei-iot.md §11); the emulator fills it
            # unless behaviour echo_markers is false (or documented_only is true).
            view["extendPara"] = {"fileId": task.package["fileId"], "fileVersion": task.package["version"]}
        return view

    def _task(self, operation_id: str) -> HwTask:
        task = self.tasks.get(operation_id)
        if task is None:
            raise HuaweiError("123009")
        return task

    def get_task(self, _request: Request, operation_id: str) -> Reply:
        return json_reply(200, self.task_view(self._task(operation_id), self.now()))

    def list_tasks(self, request: Request) -> Reply:
        query = request.query
        page_no, page_size = _page(query)
        for key, allowed in (("operationType", OPERATE_TYPES), ("operationStatus", TASK_STATUSES)):
            if query.get(key) and query[key] not in allowed:
                raise HuaweiError("120015", "Bad request error: %s must be one of %s." % (key, ", ".join(allowed)))
        now = self.now()
        covering = None
        if query.get("deviceId"):
            covering = set(row.task_id for _kind, row in self.history.get(query["deviceId"], []))
        selected = []
        for task in sorted(self.tasks.values(), key=lambda item: item.seq, reverse=True):
            if query.get("operationType") and task.operate_type != query["operationType"]:
                continue
            if any(query.get(key) and task.package[key] != query[key] for key in ("deviceType", "model", "manufacturerName")):
                continue
            if covering is not None and task.operation_id not in covering:
                continue
            if query.get("operationStatus") and self.task_status(task, now) != query["operationStatus"]:
                continue
            selected.append(task)
        data = [self.task_view(task, now) for task in _paged(selected, page_no, page_size)]
        # The SDKs disagree on the name of the total (Java/PHP totalSize, Python totalCount): send both.
        return json_reply(200, {"pageNo": page_no, "pageSize": page_size, "totalCount": len(selected),
                                "totalSize": len(selected), "data": data})

    def list_subtasks(self, request: Request, operation_id: str) -> Reply:
        task = self._task(operation_id)
        page_no, page_size = _page(request.query)
        wanted = request.query.get("subOperationStatus")
        if wanted and wanted not in SUBTASK_STATUSES:
            raise HuaweiError("120015", "Bad request error: subOperationStatus must be one of %s." % ", ".join(SUBTASK_STATUSES))
        now = self.now()
        rows = task.rows
        if wanted:
            rows = [row for row in rows if SUBTASK_VIEW[row.phase(now).name][0] == wanted]
        data = [self._subtask(task, row, now) for row in _paged(rows, page_no, page_size)]
        return json_reply(200, {"data": data, "pageNo": page_no, "pageSize": page_size, "totalCount": len(rows)})

    # ------------------------------------------------------------------ packages

    def package_view(self, package: dict) -> dict:
        """The package as stored (a fleet file may add fields), only the documented ones when documented_only."""
        if self.ctx.documented_only:
            return dict((key, package.get(key, "")) for key in PACKAGE_FIELDS)
        return dict(package)

    def list_packages(self, request: Request) -> Reply:
        page_no, page_size = _page(request.query)
        keys = ("fileType", "deviceType", "model", "manufacturerName", "version")
        selected = [self.package_view(package) for package in self.packages.values()
                    if all(not request.query.get(key) or package.get(key) == request.query[key] for key in keys)]
        return json_reply(200, {"data": _paged(selected, page_no, page_size), "pageNo": page_no, "pageSize": page_size,
                                "totalCount": len(selected)})

    def get_package(self, _request: Request, file_id: str) -> Reply:
        package = self.packages.get(file_id)
        if package is None:
            raise HuaweiError("123002")
        return json_reply(200, self.package_view(package))

    def delete_package(self, _request: Request, file_id: str) -> Reply:
        if self.packages.pop(file_id, None) is None:
            raise HuaweiError("123002")
        return Reply(status=204)  # spec silent: the SDK method returns nothing

    # ------------------------------------------------------------------ devices (/iocm/app/dm/v1.4.0)

    def device_view(self, device_id: str, now: float) -> dict:
        """The single-device object of huawei-iot.md §7b; versions reflect completed upgrades.

        spec silent: a directly connected device is its own gateway (gatewayId = deviceId, nodeType GATEWAY);
        createTime defaults to the demo upload time; lastModifiedTime is the latest version change.
        """
        device = self.devices[device_id]
        fw_version, fw_since = self.version_since(device_id, "firmware_upgrade", now)
        sw_version, sw_since = self.version_since(device_id, "software_upgrade", now)
        created = float(device.get("createTime", DEMO_CREATE_TIME))
        return {
            "deviceId": device_id,
            "gatewayId": device.get("gatewayId", device_id),
            "nodeType": device.get("nodeType", "GATEWAY"),
            "createTime": huawei_time(created),
            "lastModifiedTime": huawei_time(max(created, fw_since, sw_since)),
            "deviceInfo": {
                "nodeId": device.get("nodeId", device_id), "name": device.get("name", device_id),
                "description": device.get("description"), "manufacturerId": device.get("manufacturerId"),
                "manufacturerName": device["manufacturerName"], "mac": None, "location": device.get("location"),
                "deviceType": device["deviceType"], "model": device["model"],
                "swVersion": sw_version, "fwVersion": fw_version, "hwVersion": device.get("hwVersion"),
                "protocolType": device.get("protocolType", "CoAP"), "bridgeId": None,
                "status": "ONLINE" if device["online"] else "OFFLINE", "statusDetail": "NONE", "mute": "FALSE",
                "supportedSecurity": None, "isSecurity": None, "signalStrength": None, "sigVersion": None,
                "serialNumber": None, "batteryLevel": None,
            },
            "services": [],
        }

    def _device_matches(self, device_id: str, query: dict) -> bool:
        device = self.devices[device_id]
        if query.get("status") and ("ONLINE" if device["online"] else "OFFLINE") != query["status"]:
            return False
        if query.get("gatewayId") and device.get("gatewayId", device_id) != query["gatewayId"]:
            return False
        if query.get("nodeType") and device.get("nodeType", "GATEWAY") != query["nodeType"]:
            return False
        return not query.get("deviceType") or device["deviceType"] == query["deviceType"]

    def list_devices(self, request: Request) -> Reply:
        """``GET /iocm/app/dm/v1.4.0/devices`` (huawei-iot.md §7b).

        spec silent: the largest pageSize is undocumented; 100 (used in the wild) is the emulator's limit, a larger
        one is 400 120015. appId, startTime, endTime, sort and select are accepted and ignored; devices come in
        deviceId order; a filter value matches exactly.
        """
        query = request.query
        page_no, page_size = _page(query)
        key = tuple(query.get(name) or "" for name in ("gatewayId", "status", "nodeType", "deviceType"))
        selected = self.device_order if not any(key) else self._device_filters.get(key)
        if selected is None:  # the filters read only attributes a control-API patch can change: cache until then
            selected = [device_id for device_id in self.device_order if self._device_matches(device_id, query)]
            self._device_filters[key] = selected
        now = self.now()
        page = [self.device_view(device_id, now) for device_id in _paged(selected, page_no, page_size)]
        return json_reply(200, {"totalCount": len(selected), "pageNo": page_no, "pageSize": page_size, "devices": page})

    def get_device(self, _request: Request, device_id: str) -> Reply:
        """``GET /iocm/app/dm/v1.4.0/devices/{deviceId}``; appId and select are accepted and ignored."""
        if device_id not in self.devices:
            raise HuaweiError("100403")
        return json_reply(200, self.device_view(device_id, self.now()))

    # ------------------------------------------------------------------ coverage and duplicates (control API)

    def coverage(self, device_id: str) -> list[dict]:
        """Every task row of a device, oldest first."""
        if device_id not in self.devices:
            raise KeyError("unknown huawei device %s" % device_id)
        now = self.now()
        return [{"task": row.task_id, "operateType": kind, "version": row.target_version, "phase": row.phase(now).name,
                 "status": SUBTASK_VIEW[row.phase(now).name][0]} for kind, row in self.history.get(device_id, [])]

    def duplicates(self) -> list[dict]:
        """Devices in more than one task for the same operate type and target version whose row did not fail.

        A row that failed, timed out or was stopped does not count (a retry after it is no duplicate).
        """
        now = self.now()
        found = []
        for device_id in sorted(self.history):
            groups: dict[tuple[str, str], list[str]] = {}
            for kind, row in self.history[device_id]:
                if row.phase(now).name not in lc.NOT_DONE:
                    groups.setdefault((kind, row.target_version), []).append(row.task_id)
            found.extend({"deviceId": device_id, "operateType": kind, "version": version, "tasks": tasks}
                         for (kind, version), tasks in sorted(groups.items()) if len(tasks) > 1)
        return found

    # ------------------------------------------------------------------ state (control API)

    def state(self) -> dict:
        now = self.now()
        tasks = []
        for task in sorted(self.tasks.values(), key=lambda item: item.seq):
            view = self.task_view(task, now)
            view["fileId"] = task.package["fileId"]
            view["subtasks"] = [self._subtask(task, row, now) for row in task.rows]
            tasks.append(view)
        devices = []
        for device_id, device in sorted(self.devices.items()):
            entry = dict(device)
            entry["version"] = self.version_of(device_id, "firmware_upgrade", now)
            entry["softwareVersion"] = self.version_of(device_id, "software_upgrade", now)
            devices.append(entry)
        return {"apps": sorted(self.apps), "packages": [dict(package) for package in self.packages.values()],
                "devices": devices, "tasks": tasks}
