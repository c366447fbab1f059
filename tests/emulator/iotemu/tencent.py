"""Tencent Cloud IoT Explorer API 3.0 (``iotexplorer`` 2019-04-23): TC3 signatures and the OTA actions.

Source: the API notes tencent-iot-explorer.md (§1 protocol, §2 BatchUpdateFirmware, §3 companions)
and the BatchUpdateFirmware seed page. Every answer is HTTP 200 with ``{"Response": {...}}``; errors
are ``{"Response": {"Error": {"Code", "Message"}, "RequestId"}}``. Field casing follows the reference
per action (``ProductID`` for most, ``ProductId`` for DescribeFirmwareUpdateStatus and UpdateOtaTaskStatus).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Optional

from . import lifecycle as lc
from .fleet import DEFAULT_FW_TYPE, DEMO_CREATE_TIME
from .throttle import SlidingWindow
from .wire import Reply, Request, is_int, json_reply

SERVICE = "iotexplorer"
VERSION = "2019-04-23"
ALGORITHM = "TC3-HMAC-SHA256"
AUTH_RE = re.compile(
    r"TC3-HMAC-SHA256 Credential=(?P<secret_id>[^/\s,]+)/(?P<date>\d{4}-\d{2}-\d{2})/(?P<service>[^/\s,]+)/tc3_request, "
    r"SignedHeaders=(?P<signed>[a-z0-9._;-]+), Signature=(?P<signature>[0-9a-f]{64})")
FIRST_TASK_ID = 1000001
MAX_LIMIT = 100  # spec silent: the page size cap of the Describe/List actions

# Task-level Status values are undocumented (reference §3.14): the emulator reports 1 while the task
# runs, 5 once every device row is final and 6 after UpdateOtaTaskStatus(Status=6) cancelled it.
TASK_RUNNING = 1
TASK_FINISHED = 5
TASK_CANCELLED = 6
NO_UPDATE_MESSAGE = "firmware no need update."

# lifecycle phase -> (device Status §3.14, ErrMsg, Retcode); spec silent on ErrMsg/Retcode except
# "firmware no need update." (CLI example) and the result codes of DOC-APPREPORT (-1 timeout, -5 failed).
ROW_VIEW = {
    lc.PENDING: (1, "", 0),
    lc.OFFLINE: (0, "", 0),
    lc.CONFIRM: (8, "", 0),
    lc.DELIVERED: (2, "", 0),
    lc.DOWNLOADING: (3, "", 0),
    lc.BURNING: (4, "", 0),
    lc.SUCCESS: (6, "", 0),
    lc.FAIL: (5, "firmware update failed", -5),
    lc.TIMEOUT: (10, "firmware update timeout", -1),
    lc.NO_UPDATE: (5, NO_UPDATE_MESSAGE, 0),
    # spec silent: the device table has no "cancelled" code; a cancelled row is reported as failed (5)
    lc.CANCELLED: (5, "task cancelled", 0),
}

STR, INT, STRS, FILTERS = "String", "Integer", "Array of String", "Array of SearchKeyword"

# action -> (parameter types, required parameters); anything else in the body is UnknownParameter.
SCHEMAS: dict[str, tuple[dict[str, str], tuple[str, ...]]] = {
    "BatchUpdateFirmware": ({
        "ProductID": STR, "FirmwareVersion": STR, "FirmwareOriVersion": STR, "UpgradeMethod": INT, "FileName": STR,
        "FileMd5": STR, "FileSize": INT, "DeviceNames": STRS, "TimeoutInterval": INT, "Type": INT, "DelayTime": INT,
        "OverrideMode": INT, "MaxRetryNum": INT, "RetryInterval": INT, "FwType": STR, "TaskUserDefine": STR,
        "RateLimit": INT, "StartTime": INT, "EndTime": INT}, ("ProductID", "FirmwareVersion")),
    "DescribeFirmware": ({"ProductID": STR, "FirmwareVersion": STR, "FwType": STR}, ("ProductID", "FirmwareVersion")),
    "ListFirmwares": ({"PageNum": INT, "PageSize": INT, "ProductID": STR, "Filters": FILTERS}, ("PageNum", "PageSize")),
    "DescribeFirmwareTask": ({"ProductID": STR, "FirmwareVersion": STR, "TaskId": INT},
                             ("ProductID", "FirmwareVersion", "TaskId")),
    "DescribeFirmwareTasks": ({"ProductID": STR, "FirmwareVersion": STR, "Offset": INT, "Limit": INT, "Filters": FILTERS,
                               "FwType": STR}, ("ProductID", "FirmwareVersion", "Offset", "Limit")),
    "DescribeFirmwareTaskDevices": ({"ProductID": STR, "FirmwareVersion": STR, "Filters": FILTERS, "Offset": INT,
                                     "Limit": INT, "FwType": STR}, ("ProductID", "FirmwareVersion")),
    "DescribeFirmwareUpdateStatus": ({"ProductId": STR, "DeviceName": STR}, ("ProductId", "DeviceName")),
    "UpdateOtaTaskStatus": ({"ProductId": STR, "TaskId": INT, "Status": INT}, ("ProductId", "TaskId", "Status")),
    # addendum 2026-12-01; spec silent: required flags beyond ProductId (DescribeDevice: DeviceName required,
    # DeviceId accepted and ignored)
    "GetDeviceList": ({"ProductId": STR, "Offset": INT, "Limit": INT, "FirmwareVersion": STR, "DeviceName": STR,
                       "ProjectId": STR, "Filters": FILTERS, "FwType": STR}, ("ProductId",)),
    "DescribeDevice": ({"ProductId": STR, "DeviceName": STR, "DeviceId": STR}, ("ProductId", "DeviceName")),
    "DescribeDeviceFirmwares": ({"ProductId": STR, "DeviceName": STR}, ("ProductId", "DeviceName")),
}
# spec silent: DeviceInfo.Status codes (0 offline, 1 online), DeviceType 0 (a directly connected device),
# EnableState 1 (enabled)
DEVICE_OFFLINE = 0
DEVICE_ONLINE = 1


class TencentError(Exception):
    """An API error: the dispatcher turns it into the error envelope (HTTP 200)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__("%s: %s" % (code, message))
        self.code = code
        self.message = message


# --------------------------------------------------------------------------- TC3-HMAC-SHA256


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


def canonical_request(method: str, path: str, query: str, signed: list[tuple[str, str]], body: bytes) -> str:
    """Reference §1.3 step 2: method, URI, query, ``name:value\\n`` per signed header, the list, payload hash."""
    headers = "".join("%s:%s\n" % (name, value) for name, value in signed)
    names = ";".join(name for name, _value in signed)
    return "\n".join([method, path, query, headers, names, hashlib.sha256(body).hexdigest()])


def tc3_signature(secret_key: str, date: str, timestamp: str, canonical: str, service: str = SERVICE) -> str:
    """Reference §1.3 steps 3-8."""
    scope = "%s/%s/tc3_request" % (date, service)
    to_sign = "\n".join([ALGORITHM, timestamp, scope, hashlib.sha256(canonical.encode("utf-8")).hexdigest()])
    key = _hmac(_hmac(_hmac(("TC3" + secret_key).encode("utf-8"), date), service), "tc3_request")
    return hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def utc_date(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%d")


# --------------------------------------------------------------------------- model


@dataclass
class TcTask:
    task_id: int
    product: dict
    firmware: dict
    mode: str
    original_version: Optional[str]
    params: dict
    create_time: float
    start: float
    creator: dict
    rows: list[lc.Row] = field(default_factory=list)
    cancelled_at: Optional[float] = None
    _index: Optional[lc.RowIndex] = None
    _by_device: Optional[dict] = None

    @property
    def index(self) -> lc.RowIndex:
        """Row status counts in O(log n); ``invalidate()`` after cancelling rows."""
        if self._index is None or self._index.total != len(self.rows):
            self._index = lc.RowIndex(self.rows)
        return self._index

    def invalidate(self) -> None:
        self._index = None

    def rows_named(self, names: Iterable[str]) -> list[lc.Row]:
        """The rows of these devices, in task order (an index by device name, built once)."""
        if self._by_device is None:
            self._by_device = {}
            for position, row in enumerate(self.rows):
                self._by_device.setdefault(row.device, (position, row))
        found = [self._by_device[name] for name in set(names) if name in self._by_device]
        return [row for _position, row in sorted(found, key=lambda item: item[0])]


def _param_ok(kind: str, value: Any) -> bool:
    if kind == STR:
        return isinstance(value, str)
    if kind == INT:
        return is_int(value)
    if kind == STRS:
        return isinstance(value, list) and all(isinstance(item, str) for item in value)
    return isinstance(value, list) and all(
        isinstance(item, dict) and set(item) <= {"Key", "Value"} and isinstance(item.get("Key"), str)
        and isinstance(item.get("Value"), str) for item in value)


def check_params(action: str, params: dict) -> dict:
    """UnknownParameter, InvalidParameter (type) and MissingParameter; null values count as absent."""
    types, required = SCHEMAS[action]
    for name in params:
        if name not in types:
            raise TencentError("UnknownParameter", "The parameter `%s` is not recognized." % name)
    present = dict((name, value) for name, value in params.items() if value is not None)
    for name, value in present.items():
        if not _param_ok(types[name], value):
            raise TencentError("InvalidParameter", "The parameter `%s` must be of type %s." % (name, types[name]))
    for name in required:
        if present.get(name) in (None, ""):
            raise TencentError("MissingParameter", "The request is missing a required parameter `%s`." % name)
    return present


def _filters(params: dict, allowed: tuple[str, ...]) -> dict[str, set]:
    """``{Key: {Values}}``; filter keys are undocumented, the emulator accepts ``allowed`` only."""
    result: dict[str, set] = {}
    for item in params.get("Filters") or []:
        if item["Key"] not in allowed:
            raise TencentError("InvalidParameterValue", "Unsupported filter key `%s` (emulator supports %s)."
                               % (item["Key"], ", ".join(allowed)))
        result.setdefault(item["Key"], set()).add(item.get("Value", ""))
    return result


def _invalid(name: str, detail: str) -> TencentError:
    return TencentError("InvalidParameterValue", "The value of the parameter `%s` is invalid: %s." % (name, detail))


def _page(params: dict, default_limit: int) -> tuple[int, int]:
    offset = params.get("Offset", 0)
    limit = params.get("Limit", default_limit)
    if offset < 0:
        raise _invalid("Offset", "must be >= 0")
    if not 1 <= limit <= MAX_LIMIT:
        raise _invalid("Limit", "must be between 1 and %d" % MAX_LIMIT)
    return offset, limit


class TencentPlatform:
    """Credentials, products, firmware, devices and firmware tasks of one emulated IoT Explorer."""

    def __init__(self, fleet: dict, ctx: Any) -> None:
        self.ctx = ctx
        self.credentials: dict[str, dict] = fleet["credentials"]
        self.products: dict[str, dict] = fleet["products"]
        self.firmwares: list[dict] = fleet["firmwares"]
        self.devices: dict[tuple[str, str], dict] = fleet["devices"]
        self.files: dict[str, dict] = fleet["device_list_files"]
        self.base_time: dict[tuple[str, str, str], float] = {}
        self.history: dict[tuple[str, str, str], list[lc.Row]] = {}
        self.rows_by_device: dict[tuple[str, str], list[lc.Row]] = {}  # every module, oldest task first
        # (ProductId, FwType or None = each device's main module) -> devices per version (GetDeviceList filter)
        self.version_indexes: dict[tuple[str, Optional[str]], lc.VersionIndex] = {}
        self.tasks: dict[int, TcTask] = {}
        self.next_task_id = FIRST_TASK_ID
        self.throttle = SlidingWindow(1.0)
        self.actions: dict[str, Callable[[dict, dict], dict]] = {
            "BatchUpdateFirmware": self.batch_update_firmware,
            "DescribeFirmware": self.describe_firmware,
            "ListFirmwares": self.list_firmwares,
            "DescribeFirmwareTask": self.describe_firmware_task,
            "DescribeFirmwareTasks": self.describe_firmware_tasks,
            "DescribeFirmwareTaskDevices": self.describe_firmware_task_devices,
            "DescribeFirmwareUpdateStatus": self.describe_firmware_update_status,
            "UpdateOtaTaskStatus": self.update_ota_task_status,
            "GetDeviceList": self.get_device_list,
            "DescribeDevice": self.describe_device,
            "DescribeDeviceFirmwares": self.describe_device_firmwares,
        }
        self.names_by_product: dict[str, list[str]] = {}  # devices are never added or removed at run time
        for product_id, name in sorted(self.devices):
            self.names_by_product.setdefault(product_id, []).append(name)

    @property
    def behaviour(self) -> dict:
        return self.ctx.behaviour

    def now(self) -> float:
        return self.ctx.clock.now()

    # ------------------------------------------------------------------ dispatch

    @staticmethod
    def error_reply(code: str, message: str) -> Reply:
        payload = {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": str(uuid.uuid4())}}
        return json_reply(200, payload, error_code=code)

    def throttle_reply(self) -> Reply:
        return self.error_reply("RequestLimitExceeded", "Your request frequency has exceeded the limit.")

    def handle(self, request: Request) -> Reply:
        return self.prepare(request)()

    def prepare(self, request: Request) -> Callable[[], Reply]:
        """Authenticate, throttle and check the parameters now; the returned callable does the work.

        Fault ``slow_commit`` runs the callable later, at its commit time.
        """
        try:
            action, params, credential = self._accept(request)
        except TencentError as exc:
            reply = self.error_reply(exc.code, exc.message)
            return lambda: reply

        def run() -> Reply:
            try:
                data = self.actions[action](params, credential)
            except TencentError as exc:
                return self.error_reply(exc.code, exc.message)
            data["RequestId"] = str(uuid.uuid4())
            return json_reply(200, {"Response": data})
        return run

    def calls_per_second(self, action: str) -> int:
        """The action's limit (IoT Explorer limits each action on its own); 0 = unlimited."""
        default = self.behaviour["tencent_calls_per_second"]
        if default <= 0:
            return 0
        return self.behaviour["tencent_action_calls_per_second"].get(action, default)

    def _accept(self, request: Request) -> tuple[str, dict, dict]:
        """Action, checked parameters and credential of an authenticated, not throttled request."""
        if request.method != "POST":
            raise TencentError("UnsupportedProtocol", "The emulator accepts POST with a JSON body only.")
        credential = self.authenticate(request)
        action = self.check_common(request)
        if not self.throttle.hit("%s|%s" % (credential["secret_id"], action), self.calls_per_second(action)):
            raise TencentError("RequestLimitExceeded", "Your request frequency has exceeded the limit.")
        try:
            params = json.loads(request.body.decode("utf-8")) if request.body.strip() else {}
        except (ValueError, UnicodeDecodeError) as exc:
            raise TencentError("InvalidParameter", "The request body is not valid JSON.") from exc
        if not isinstance(params, dict):
            raise TencentError("InvalidParameter", "The request body must be a JSON object.")
        return action, check_params(action, params), credential

    # ------------------------------------------------------------------ authentication and common parameters

    def authenticate(self, request: Request) -> dict:
        """Verify TC3-HMAC-SHA256 against the Host and Content-Type received and the raw body bytes."""
        match = AUTH_RE.fullmatch((request.header("Authorization") or "").strip())
        if match is None:
            raise TencentError("AuthFailure.InvalidAuthorization", "The Authorization header is malformed.")
        signed_names = match.group("signed").split(";")
        if "content-type" not in signed_names or "host" not in signed_names or signed_names != sorted(signed_names):
            raise TencentError("AuthFailure.InvalidAuthorization", "SignedHeaders must list content-type and host, sorted.")
        timestamp = self._timestamp(request)
        credential = self.credentials.get(match.group("secret_id"))
        if credential is None:
            raise TencentError("AuthFailure.SecretIdNotFound", "The SecretId is not found, please ensure that your SecretId is correct.")
        if match.group("date") != utc_date(int(timestamp)):
            raise TencentError("AuthFailure.SignatureFailure", "The credential date must be the UTC date of X-TC-Timestamp.")
        if match.group("service") != SERVICE:
            raise TencentError("AuthFailure.SignatureFailure", "The credential scope must name the service %s." % SERVICE)
        if not self._signature_matches(request, credential["secret_key"], match, timestamp):
            raise TencentError("AuthFailure.SignatureFailure",
                               "The provided credentials could not be validated. Please check your signature is correct.")
        token = credential.get("session_token")
        if token and not hmac.compare_digest((request.header("X-TC-Token") or "").encode("utf-8"), token.encode("utf-8")):
            raise TencentError("AuthFailure.TokenFailure", "The temporary credential token is invalid.")
        return credential

    def _timestamp(self, request: Request) -> str:
        timestamp = (request.header("X-TC-Timestamp") or "").strip()
        if not timestamp:
            raise TencentError("MissingParameter", "The request is missing a required parameter `X-TC-Timestamp`.")
        if not timestamp.isdigit():
            raise TencentError("InvalidParameter", "X-TC-Timestamp must be a Unix time in seconds.")
        skew = abs(self.ctx.clock.real_now() - int(timestamp))
        if self.behaviour["tencent_skew_check"] and skew > self.behaviour["tencent_max_skew"]:
            raise TencentError("AuthFailure.SignatureExpire",
                               "Signature expired. Timestamp differs from the server time by %d s." % int(skew))
        return timestamp

    @staticmethod
    def _signature_matches(request: Request, secret_key: str, match: re.Match, timestamp: str) -> bool:
        names = match.group("signed").split(";")
        values = [(request.header(name) or "").strip() for name in names]
        # The SDK signs header values as sent; the documentation says values are lower-cased: accept both.
        for variant in (values, [value.lower() for value in values]):
            canonical = canonical_request(request.method, request.path, request.raw_query, list(zip(names, variant)),
                                          request.body)
            expected = tc3_signature(secret_key, match.group("date"), timestamp, canonical)
            if hmac.compare_digest(expected, match.group("signature")):
                return True
        return False

    def check_common(self, request: Request) -> str:
        action = request.header("X-TC-Action") or ""
        if not action:
            raise TencentError("MissingParameter", "The request is missing a required parameter `X-TC-Action`.")
        if request.header("X-TC-Version") != VERSION:
            raise TencentError("NoSuchVersion", "The API version `%s` does not exist (use %s)."
                               % (request.header("X-TC-Version") or "", VERSION))
        if action not in self.actions:
            raise TencentError("InvalidAction", "The action `%s` does not exist." % action)
        region = request.header("X-TC-Region") or ""
        if not region:
            raise TencentError("MissingParameter", "The request is missing a required parameter `X-TC-Region`.")
        regions = self.behaviour["tencent_regions"]
        if regions is not None and region not in regions:
            raise TencentError("UnsupportedRegion", "The action does not support the region `%s`." % region)
        return action

    # ------------------------------------------------------------------ lookups

    def _product(self, product_id: str) -> dict:
        product = self.products.get(product_id)
        if product is None:
            raise TencentError("ResourceNotFound.StudioProductNotExist", "The product `%s` does not exist." % product_id)
        return product

    def _firmware(self, product_id: str, version: str, fw_type: Optional[str]) -> dict:
        for firmware in self.firmwares:
            if firmware["ProductId"] == product_id and firmware["Version"] == version and fw_type in (None, firmware["FwType"]):
                return firmware
        raise TencentError("ResourceNotFound.FirmwareNotExist", "The firmware `%s` does not exist." % version)

    def _task(self, product_id: str, task_id: int) -> TcTask:
        task = self.tasks.get(task_id)
        if task is None or task.product["ProductId"] != product_id:
            raise TencentError("ResourceNotFound.FirmwareTaskNotExist", "The firmware task `%s` does not exist." % task_id)
        return task

    def version_of(self, product_id: str, name: str, fw_type: str, now: float) -> str:
        return self.version_since(product_id, name, fw_type, now)[0]

    def version_since(self, product_id: str, name: str, fw_type: str, now: float) -> tuple[str, float]:
        key = (product_id, name, fw_type)
        base = self.devices[(product_id, name)]["versions"].get(fw_type, "")
        return lc.version_since(base, self.base_time.get(key, float("-inf")), self.history.get(key, []), now)

    def _track(self, product_id: str, row: lc.Row, fw_type: str) -> None:
        for (pid, module), index in self.version_indexes.items():
            if pid == product_id and (module or self._main_fw_type(self.devices[(pid, row.device)])) == fw_type:
                index.add(row)

    def names_on_version(self, product_id: str, fw_type: Optional[str], version: str, now: float) -> list[str]:
        """The product's devices whose ``fw_type`` module (None: main module) runs ``version`` now, in name order."""
        key = (product_id, fw_type)
        index = self.version_indexes.get(key)
        names = index.names_on(version, now) if index is not None else None
        if names is not None:
            return names
        if index is not None and now < index.time:  # a commit on a clock pinned in the past: answer directly
            return [name for name in self.names_by_product.get(product_id, [])
                    if self.version_of(product_id, name, self._module(product_id, name, fw_type), now) == version]

        def module_rows(name: str) -> list[lc.Row]:
            return self.history.get((product_id, name, self._module(product_id, name, fw_type)), [])
        index = lc.VersionIndex(self.names_by_product.get(product_id, []),
                                lambda name: self.version_of(product_id, name, self._module(product_id, name, fw_type), now),
                                module_rows, now)
        self.version_indexes[key] = index
        return index.names_on(version, now) or []

    def _module(self, product_id: str, name: str, fw_type: Optional[str]) -> str:
        return fw_type or self._main_fw_type(self.devices[(product_id, name)])

    def patch_device(self, product_id: str, name: str, changes: dict) -> None:
        """Control API: change ``online`` and/or ``versions`` (versions take effect from now)."""
        device = self.devices[(product_id, name)]
        if changes.get("versions"):
            self.version_indexes.clear()
        if "online" in changes:
            device["online"] = bool(changes["online"])
        for fw_type, version in (changes.get("versions") or {}).items():
            device["versions"][fw_type] = version
            self.base_time[(product_id, name, fw_type)] = self.now()

    # ------------------------------------------------------------------ BatchUpdateFirmware

    def batch_update_firmware(self, params: dict, credential: dict) -> dict:
        product = self._product(params["ProductID"])
        self._check_ranges(params)
        firmware = self._firmware(product["ProductId"], params["FirmwareVersion"], params.get("FwType"))
        mode, names = self._select(params, product["ProductId"], firmware)
        now = self.now()
        self._claim(product["ProductId"], names, params.get("OverrideMode", 0), now)
        task = self._new_task(params, product, firmware, mode, names, credential, now)
        return {"TaskId": task.task_id}

    @staticmethod
    def _check_ranges(params: dict) -> None:
        if "TimeoutInterval" in params and not 120 <= params["TimeoutInterval"] <= 900:
            raise _invalid("TimeoutInterval", "must be between 120 and 900 seconds")
        for name, allowed in (("UpgradeMethod", (0, 1)), ("Type", (1, 7)), ("OverrideMode", (0, 1))):
            if name in params and params[name] not in allowed:
                raise _invalid(name, "must be one of %s" % ", ".join(str(item) for item in allowed))
        # spec silent: the other integers cannot be negative
        for name in ("FileSize", "DelayTime", "MaxRetryNum", "RetryInterval", "RateLimit", "StartTime", "EndTime"):
            if params.get(name, 0) < 0:
                raise _invalid(name, "must not be negative")
        if params.get("StartTime", 0) and params.get("EndTime", 0) and params["EndTime"] <= params["StartTime"]:
            raise _invalid("EndTime", "must be later than StartTime")  # spec silent

    def _select(self, params: dict, product_id: str, firmware: dict) -> tuple[str, list[str]]:
        """Upgrade mode and device names: FileName, else DeviceNames, else FirmwareOriVersion (§2.2, inferred)."""
        if params.get("FileName"):
            names = self._list_file(params, product_id)
            mode = "filename"
        elif params.get("DeviceNames"):
            names = list(dict.fromkeys(params["DeviceNames"]))
            mode = "devicenames"
        elif params.get("FirmwareOriVersion"):
            return "originalVersion", list(self.names_on_version(product_id, firmware["FwType"],
                                                                 params["FirmwareOriVersion"], self.now()))
        else:
            raise TencentError("InvalidParameterValue",
                               "One of FirmwareOriVersion, DeviceNames or FileName selects the devices to upgrade.")
        for name in names:
            if (product_id, name) not in self.devices:
                raise TencentError("ResourceNotFound.DeviceNotExist", "The device `%s` does not exist." % name)
        return mode, names

    def _list_file(self, params: dict, product_id: str) -> list[str]:
        """The device-list file (it cannot be uploaded through the API: the fleet defines it)."""
        spec = self.files.get(params["FileName"])
        if spec is None or spec.get("ProductId") not in (None, product_id):
            raise _invalid("FileName", "no such device list file")
        if params.get("FileMd5") and params["FileMd5"].lower() != spec["md5"].lower():
            raise _invalid("FileMd5", "does not match the device list file")
        if params.get("FileSize") and params["FileSize"] != spec["size"]:
            raise _invalid("FileSize", "does not match the device list file")
        return list(spec["devices"])

    def _claim(self, product_id: str, names: list[str], override: int, now: float) -> None:
        """Devices still upgrading in another task of the product: DeviceIsUpdating, or cancel there (OverrideMode 1)."""
        busy = [row for name in dict.fromkeys(names) for row in self.rows_by_device.get((product_id, name), [])
                if not row.phase(now).final]
        if busy and not override:
            raise TencentError("FailedOperation.DeviceIsUpdating", "The device `%s` is updating." % busy[0].device)
        for row in busy:
            # spec silent: what overriding does to the older task; its rows for these devices are cancelled
            row.cancel(now, "overridden by a newer task")
            self.tasks[int(row.task_id)].invalidate()

    def _new_task(self, params: dict, product: dict, firmware: dict, mode: str, names: list[str], credential: dict,
                  now: float) -> TcTask:
        clock = self.ctx.clock
        real_now = clock.real_now()
        if params.get("StartTime"):
            start = clock.sim_after(params["StartTime"] - real_now)  # StartTime wins over DelayTime
        else:
            start = now + params.get("DelayTime", 0)  # spec silent: DelayTime taken as seconds
        end = clock.sim_after(params["EndTime"] - real_now) if params.get("EndTime") else None
        task = TcTask(self.next_task_id, product, firmware, mode,
                      params["FirmwareOriVersion"] if mode == "originalVersion" else None, params, now, start,
                      {"uin": credential["uin"], "nickname": credential["nickname"]})
        self.next_task_id += 1
        for index, name in enumerate(names):
            ori = self.version_of(product["ProductId"], name, firmware["FwType"], now)
            row = lc.Row(name, self._plan(task, index, name, ori, end), ori, firmware["Version"], task_id=str(task.task_id))
            task.rows.append(row)
            self.history.setdefault((product["ProductId"], name, firmware["FwType"]), []).append(row)
            self.rows_by_device.setdefault((product["ProductId"], name), []).append(row)
            self._track(product["ProductId"], row, firmware["FwType"])
        self.tasks[task.task_id] = task
        return task

    def _plan(self, task: TcTask, index: int, name: str, ori: str, end: Optional[float]) -> lc.DevicePlan:
        behaviour = self.behaviour
        params = task.params
        rate = params.get("RateLimit", 0)
        start = task.start + (60.0 * (index // rate) if rate else 0.0)  # RateLimit: devices dispatched per minute
        online = self.devices[(task.product["ProductId"], name)]["online"]
        deadline = end
        if not online:
            timeout = start + params.get("TimeoutInterval", behaviour["offline_timeout"])
            deadline = timeout if end is None else min(timeout, end)
        task_key = str(task.task_id)
        return lc.DevicePlan(
            start=start,
            duration=lc.upgrade_duration(name, task_key, behaviour["upgrade_seconds"], behaviour["jitter"]),
            fails=lc.will_fail(name, task_key, behaviour["failure_rates"]),
            stale=lc.keeps_version(name, behaviour["stale_versions"]),
            online=online,
            no_update=ori == task.firmware["Version"],
            confirm=behaviour["confirm_seconds"] if params.get("UpgradeMethod") == 1 else 0.0,
            deadline=deadline,
        )

    # ------------------------------------------------------------------ views

    @staticmethod
    def task_status(task: TcTask, now: float) -> int:
        if task.cancelled_at is not None:
            return TASK_CANCELLED
        return TASK_FINISHED if task.index.all_final(now) else TASK_RUNNING

    def task_view(self, task: TcTask, now: float) -> dict:
        params = task.params
        view = {
            "TaskId": task.task_id,
            "Status": self.task_status(task, now),
            "CreateTime": int(task.create_time),
            "Type": params.get("Type", 1),
            "ProductName": task.product["ProductName"],
            "UpgradeMode": task.mode,
            "ProductId": task.product["ProductId"],
            "CreateUserId": task.creator["uin"],
            "CreatorNickName": task.creator["nickname"],
            "DelayTime": params.get("DelayTime", 0),
            "TimeoutInterval": params.get("TimeoutInterval", 0),
            "UpgradeMethod": params.get("UpgradeMethod", 0),
            "MaxRetryNum": params.get("MaxRetryNum", 0),
            "FwType": task.firmware["FwType"],
            "RetryInterval": params.get("RetryInterval", 0),
            "OverrideMode": params.get("OverrideMode", 0),
            "TaskUserDefine": params.get("TaskUserDefine", ""),
            "RateLimit": params.get("RateLimit", 0),
            "StartTime": params.get("StartTime", 0),
            "EndTime": params.get("EndTime", 0),
        }
        if not self.ctx.echo_markers:
            # documented as returned, but a client must not depend on the echo: behaviour echo_markers false drops it
            del view["TaskUserDefine"]
        if task.mode == "originalVersion":
            view["OriginalVersion"] = task.original_version
        return view

    def row_view(self, task: TcTask, row: lc.Row, now: float) -> dict:
        phase = row.phase(now)
        status, message, retcode = ROW_VIEW[phase.name]
        if phase.name == lc.CANCELLED and row.cancel_reason:
            message = row.cancel_reason
        return {
            "DeviceName": row.device,
            "LastProcessTime": int(phase.since if phase.name != lc.PENDING else task.create_time),
            "Status": status,
            "ErrMsg": message,
            "Retcode": retcode,
            "DstVersion": row.target_version,
            "Percent": phase.percent,
            "OriVersion": row.ori_version,
            "TaskId": task.task_id,
            "FwType": task.firmware["FwType"],
            "RetryNum": 0,
        }

    def _tasks_of(self, product_id: str, version: str, fw_type: Optional[str]) -> list[TcTask]:
        """Tasks of a product's target version, newest first."""
        return [task for task in sorted(self.tasks.values(), key=lambda item: item.task_id, reverse=True)
                if task.product["ProductId"] == product_id and task.firmware["Version"] == version
                and fw_type in (None, task.firmware["FwType"])]

    # ------------------------------------------------------------------ read actions

    def describe_firmware(self, params: dict, _credential: dict) -> dict:
        product = self._product(params["ProductID"])
        firmware = self._firmware(product["ProductId"], params["FirmwareVersion"], params.get("FwType"))
        return {"Version": firmware["Version"], "ProductId": firmware["ProductId"], "Name": firmware["Name"],
                "Description": firmware["Description"], "Md5sum": firmware["Md5sum"], "Createtime": firmware["CreateTime"],
                "ProductName": product["ProductName"], "FwType": firmware["FwType"], "UserDefined": firmware["UserDefined"]}

    def list_firmwares(self, params: dict, credential: dict) -> dict:
        if params.get("ProductID"):
            self._product(params["ProductID"])
        if params["PageNum"] < 1:
            raise _invalid("PageNum", "pages are numbered from 1")
        if not 1 <= params["PageSize"] <= MAX_LIMIT:
            raise _invalid("PageSize", "must be between 1 and %d" % MAX_LIMIT)
        filters = _filters(params, ("FwType", "FirmwareVersion"))  # spec silent: filter keys undocumented
        selected = [firmware for firmware in self.firmwares
                    if params.get("ProductID") in (None, firmware["ProductId"])
                    and firmware["FwType"] in filters.get("FwType", {firmware["FwType"]})
                    and firmware["Version"] in filters.get("FirmwareVersion", {firmware["Version"]})]
        first = (params["PageNum"] - 1) * params["PageSize"]
        page = selected[first:first + params["PageSize"]]
        return {"TotalCount": len(selected), "Firmwares": [{
            "Version": item["Version"], "Md5sum": item["Md5sum"], "CreateTime": item["CreateTime"],
            "ProductName": self.products[item["ProductId"]]["ProductName"], "Name": item["Name"],
            "Description": item["Description"], "ProductId": item["ProductId"], "FwType": item["FwType"],
            "CreateUserId": credential["uin"], "CreatorNickName": credential["nickname"],
            "UserDefined": item["UserDefined"]} for item in page]}

    def describe_firmware_task(self, params: dict, _credential: dict) -> dict:
        self._product(params["ProductID"])
        task = self._task(params["ProductID"], params["TaskId"])
        if task.firmware["Version"] != params["FirmwareVersion"]:
            raise TencentError("ResourceNotFound.FirmwareTaskNotExist",
                               "The firmware task `%s` does not exist for version %s." % (task.task_id, params["FirmwareVersion"]))
        return self.task_view(task, self.now())

    def describe_firmware_tasks(self, params: dict, _credential: dict) -> dict:
        self._product(params["ProductID"])
        offset, limit = _page(params, MAX_LIMIT)
        filters = _filters(params, ("TaskId", "Status"))  # spec silent: filter keys undocumented
        now = self.now()
        infos = []
        for task in self._tasks_of(params["ProductID"], params["FirmwareVersion"], params.get("FwType")):
            status = self.task_status(task, now)
            if "TaskId" in filters and str(task.task_id) not in filters["TaskId"]:
                continue
            if "Status" in filters and str(status) not in filters["Status"]:
                continue
            infos.append({"TaskId": task.task_id, "Status": status, "Type": task.params.get("Type", 1),
                          "CreateTime": int(task.create_time), "CreatorNickName": task.creator["nickname"],
                          "CreateUserId": task.creator["uin"], "CronTime": int(task.start), "FwType": task.firmware["FwType"]})
        return {"TaskInfos": infos[offset:offset + limit], "Total": len(infos)}

    def describe_firmware_task_devices(self, params: dict, _credential: dict) -> dict:
        """Every device row of every task of the version (the API has no TaskId input).

        Emulator convenience: ``Filters`` with Key ``TaskId`` and/or ``DeviceName`` (the real keys are undocumented).
        """
        self._product(params["ProductID"])
        offset, limit = _page(params, 50)  # spec silent: defaults as documented for the iotvideo sibling
        filters = _filters(params, ("TaskId", "DeviceName"))
        now = self.now()
        total, page = 0, []
        for task in self._tasks_of(params["ProductID"], params["FirmwareVersion"], params.get("FwType")):
            if "TaskId" in filters and str(task.task_id) not in filters["TaskId"]:
                continue
            rows = task.rows_named(filters["DeviceName"]) if "DeviceName" in filters else task.rows
            # only the rows of the page are rendered: O(page + tasks), not O(all rows)
            first, last = max(0, offset - total), max(0, offset + limit - total)
            page.extend(self.row_view(task, row, now) for row in rows[first:last])
            total += len(rows)
        return {"Total": total, "Devices": page}

    def describe_firmware_update_status(self, params: dict, _credential: dict) -> dict:
        product_id, name = params["ProductId"], params["DeviceName"]
        self._product(product_id)
        if (product_id, name) not in self.devices:
            raise TencentError("ResourceNotFound.DeviceNotExist", "The device `%s` does not exist." % name)
        rows = self.rows_by_device.get((product_id, name))
        if not rows:
            # spec silent: a device that never had an upgrade task
            raise TencentError("ResourceNotFound.FirmwareTaskNotExist", "The device `%s` has no firmware task." % name)
        latest = max(rows, key=lambda row: int(row.task_id))
        view = self.row_view(self.tasks[int(latest.task_id)], latest, self.now())
        return {"OriVersion": view["OriVersion"], "DstVersion": view["DstVersion"], "Status": view["Status"],
                "Percent": view["Percent"]}

    # ------------------------------------------------------------------ device queries (addendum 2026-12-01)

    def _device(self, product_id: str, name: str) -> dict:
        self._product(product_id)
        device = self.devices.get((product_id, name))
        if device is None:
            raise TencentError("ResourceNotFound.DeviceNotExist", "The device `%s` does not exist." % name)
        return device

    @staticmethod
    def _main_fw_type(device: dict) -> str:
        """spec silent: which module DeviceInfo.Version reports without FwType (mcu, else the first module)."""
        return DEFAULT_FW_TYPE if DEFAULT_FW_TYPE in device["versions"] else next(iter(device["versions"]), DEFAULT_FW_TYPE)

    def device_info(self, product_id: str, name: str, fw_type: Optional[str], now: float) -> dict:
        """``DeviceInfo`` without the device secrets (DevicePsk, DeviceCert, AppKey, AppSKey, NwkSKey are never sent)."""
        device = self.devices[(product_id, name)]
        created = int(device.get("CreateTime", DEMO_CREATE_TIME))
        return {
            "DeviceName": name,
            "Status": DEVICE_ONLINE if device["online"] else DEVICE_OFFLINE,
            "FirstOnlineTime": created,
            "LoginTime": created,  # spec silent: the emulator has no device logins
            "CreateTime": created,
            "Version": self.version_of(product_id, name, fw_type or self._main_fw_type(device), now),
            "LogLevel": 0,
            "CreateUserId": 0,
            "CreatorNickName": "",
            "EnableState": 1,
            "ProductId": product_id,
            "ProductName": self.products[product_id]["ProductName"],
            "DeviceType": 0,
            "IsLora": False,
        }

    def get_device_list(self, params: dict, _credential: dict) -> dict:
        """Devices of a product in name order.

        spec silent: the largest Limit (100 here; 10 by default), DeviceName matching (a substring, like the
        console's search), FirmwareVersion compared with the version of FwType (default: mcu); Filters and ProjectId
        are accepted (filter keys are undocumented: any key is InvalidParameterValue).
        """
        product_id = params["ProductId"]
        self._product(product_id)
        offset, limit = _page(params, 10)
        _filters(params, ())
        names = self.names_by_product.get(product_id, [])
        if params.get("DeviceName"):
            names = [name for name in names if params["DeviceName"] in name]
        now = self.now()
        fw_type = params.get("FwType")
        if params.get("FirmwareVersion"):
            on_version = self.names_on_version(product_id, fw_type, params["FirmwareVersion"], now)
            if params.get("DeviceName"):
                wanted = set(names)
                names = [name for name in on_version if name in wanted]
            else:
                names = on_version
        return {"Devices": [self.device_info(product_id, name, fw_type, now) for name in names[offset:offset + limit]],
                "Total": len(names)}

    def describe_device(self, params: dict, _credential: dict) -> dict:
        self._device(params["ProductId"], params["DeviceName"])
        return {"Device": self.device_info(params["ProductId"], params["DeviceName"], None, self.now())}

    def describe_device_firmwares(self, params: dict, _credential: dict) -> dict:
        """One entry per module; UpdateTime (spec silent) is when the version took effect, else the device's CreateTime."""
        product_id, name = params["ProductId"], params["DeviceName"]
        device = self._device(product_id, name)
        now = self.now()
        firmwares = []
        for fw_type in sorted(device["versions"]):
            version, since = self.version_since(product_id, name, fw_type, now)
            updated = since if since != float("-inf") else device.get("CreateTime", DEMO_CREATE_TIME)
            firmwares.append({"FwType": fw_type, "Version": version, "UpdateTime": int(updated)})
        return {"Firmwares": firmwares}

    # ------------------------------------------------------------------ UpdateOtaTaskStatus

    def update_ota_task_status(self, params: dict, _credential: dict) -> dict:
        self._product(params["ProductId"])
        task = self._task(params["ProductId"], params["TaskId"])
        if params["Status"] != TASK_CANCELLED:
            # spec silent: "other permitted states" are undocumented; only 6 (cancel) is emulated
            raise _invalid("Status", "only 6 (cancel) is supported")
        now = self.now()
        if task.cancelled_at is not None or task.index.all_final(now):
            # spec silent: cancelling a finished or cancelled task
            raise TencentError("FailedOperation", "The task `%s` has already finished or been cancelled." % task.task_id)
        for row in task.rows:
            row.cancel(now, "task cancelled")
        task.cancelled_at = now
        task.invalidate()
        return {}

    # ------------------------------------------------------------------ coverage and duplicates (control API)

    def coverage(self, product_id: str, name: str) -> list[dict]:
        """Every task row of a device (all modules), oldest first."""
        if (product_id, name) not in self.devices:
            raise KeyError("unknown tencent device %s/%s (use PRODUCT/NAME)" % (product_id, name))
        now = self.now()
        rows = [(fw_type, row) for (pid, device, fw_type), rows in self.history.items() if (pid, device) == (product_id, name)
                for row in rows]
        return [{"task": int(row.task_id), "FwType": fw_type, "version": row.target_version, "phase": row.phase(now).name,
                 "Status": ROW_VIEW[row.phase(now).name][0]} for fw_type, row in sorted(rows, key=lambda item: int(item[1].task_id))]

    def duplicates(self) -> list[dict]:
        """Devices in more than one task for the same module and target version whose row did not fail or get cancelled."""
        now = self.now()
        found = []
        for (product_id, name, fw_type), rows in sorted(self.history.items()):
            groups: dict[str, list[int]] = {}
            for row in lc.active_rows(rows, now):
                groups.setdefault(row.target_version, []).append(int(row.task_id))
            found.extend({"ProductId": product_id, "DeviceName": name, "FwType": fw_type, "version": version, "tasks": tasks}
                         for version, tasks in sorted(groups.items()) if len(tasks) > 1)
        return found

    # ------------------------------------------------------------------ state (control API)

    def state(self) -> dict:
        now = self.now()
        tasks = []
        for task in sorted(self.tasks.values(), key=lambda item: item.task_id):
            view = self.task_view(task, now)
            view["FirmwareVersion"] = task.firmware["Version"]
            view["TaskUserDefine"] = task.params.get("TaskUserDefine", "")  # the state shows it whatever echo_markers says
            view["Devices"] = [self.row_view(task, row, now) for row in task.rows]
            tasks.append(view)
        devices = [{"ProductId": pid, "DeviceName": name, "online": device["online"],
                    "versions": dict((fw_type, self.version_of(pid, name, fw_type, now)) for fw_type in device["versions"])}
                   for (pid, name), device in sorted(self.devices.items())]
        return {"secret_ids": sorted(self.credentials), "products": list(self.products.values()),
                "firmwares": [dict(item) for item in self.firmwares], "devices": devices,
                "device_list_files": dict((name, dict(spec)) for name, spec in self.files.items()), "tasks": tasks}
