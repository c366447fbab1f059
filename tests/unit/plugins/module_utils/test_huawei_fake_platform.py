"""An in-memory Huawei IoT northbound platform used as the transport of the unit tests (plus self-tests).

``FakeHuawei`` stands in for ``common.HttpSession``: the client under test sends real requests to
``FakeHuawei.request``, which checks the headers (``app_key``, ``Authorization: Bearer``), records
``(method, path)`` in ``calls`` (with params/body in ``log``) and answers from a small state machine
(packages, devices, groups, tasks, subtasks). ``fault(method, path, *kinds)`` scripts failures.
"""
import json
from urllib.parse import urlparse

import pytest

from ansible_collections.iotfleet.firmware.plugins.module_utils.common import Backoff, IoTError
from ansible_collections.iotfleet.firmware.plugins.module_utils.huawei_iot import HuaweiIoTClient

ENDPOINT = "https://127.0.0.1:8743"
APP_ID = "unit-app"
SECRET = "unit-secret-0000"
LOGIN = "/iocm/app/sec/v1.1.0/login"
OPS = "/iodm/northbound/v1.5.0/operations"
CREATE = OPS + "/firmwareUpgrade"
CATEGORY = "/iodm/northbound/v1.5.0/category"

DEVICES = dict(("hw-meter-%04d" % n, {"deviceType": "WaterMeter", "model": "WM-100", "manufacturerName": "Acme"})
               for n in range(1, 31))
GROUPS = {"north": ["hw-meter-%04d" % n for n in range(1, 11)],
          "south": ["hw-meter-%04d" % n for n in range(11, 21)],
          "lab": ["hw-meter-%04d" % n for n in range(21, 31)]}
PACKAGES = {
    "fw-wm100-1.0.0": {"fileId": "fw-wm100-1.0.0", "name": "wm100", "version": "1.0.0", "fileType": "firmwarePackage",
                       "deviceType": "WaterMeter", "model": "WM-100", "manufacturerName": "Acme"},
    "fw-wm100-2.0.0": {"fileId": "fw-wm100-2.0.0", "name": "wm100", "version": "2.0.0", "fileType": "firmwarePackage",
                       "deviceType": "WaterMeter", "model": "WM-100", "manufacturerName": "Acme"},
}


class FakeResponse:
    def __init__(self, status_code, payload=None, text=None):
        self.status_code = status_code
        self.text = text if text is not None else ("" if payload is None else json.dumps(payload))
        self.headers = {"Content-Type": "application/json"}


class FakeHuawei:
    """In-memory platform. ``echo_file_id``: tasks show ``extendPara.fileId``; ``expose_version``: subtasks
    show ``extendInfo.targetVersion``; ``list_targets``: list entries carry ``targets``."""

    def __init__(self, echo_file_id=True, expose_version=False, list_targets=True, total_key="totalCount"):
        self.echo_file_id = echo_file_id
        self.expose_version = expose_version
        self.list_targets = list_targets
        self.total_key = total_key
        self.tasks = {}
        self.order = []
        self.subtasks = {}
        self.next_id = 1
        self.token_no = 0
        self.token = None
        self.tokens_issued = []
        self.calls = []
        self.log = []
        self.faults = []
        self.progress = {}
        self.clock = 0

    # ---- test helpers

    def fault(self, method, path, *kinds):
        """Script the next requests matching method and path (exact) to fail with ``kinds`` in order."""
        for kind in kinds:
            self.faults.append((method, path, kind))

    def add_task(self, file_id, devices=None, groups=None, status="processing", policy=None, **target_extra):
        """Create a task directly, as another run would have."""
        targets = {}
        if devices:
            targets["devices"] = list(devices)
        if groups:
            targets["deviceGroups"] = list(groups)
            targets.update(target_extra)
        op_id = self._create(file_id, targets, policy or {"executeType": "now", "retryType": False})
        self.set_status(op_id, status)
        return op_id

    def set_status(self, op_id, status, sub_status=None):
        task = self.tasks[op_id]
        task["status"] = status
        sub_status = sub_status or {"success": "success", "failed": "fail", "stop": "stop", "wait": "wait",
                                    "processing": "processing"}[status]
        for sub in self.subtasks[op_id]:
            sub["status"] = sub_status
        self._recount(op_id)

    def script_progress(self, op_id, statuses):
        """Each later GET of the task moves it to the next status in ``statuses``."""
        self.progress[op_id] = list(statuses)

    def paths(self):
        return ["%s %s" % call for call in self.calls]

    def count(self, method, path):
        return sum(1 for call in self.calls if call == (method, path))

    # ---- state

    def _devices_of(self, targets):
        if targets.get("devices"):
            return list(targets["devices"])
        devices = []
        for group in targets.get("deviceGroups") or []:
            devices.extend(GROUPS.get(group, []))
        return devices

    def _create(self, file_id, targets, policy):
        op_id = "op-%04d" % self.next_id
        self.next_id += 1
        self.clock += 1
        task = {"operationId": op_id, "createTime": "20260101T%06dZ" % self.clock, "operateType": "firmware_upgrade",
                "targets": targets, "policy": policy, "status": "wait", "staResult": {}}
        if self.echo_file_id:
            task["extendPara"] = {"fileId": file_id}
        self.tasks[op_id] = task
        self.order.append(op_id)
        version = PACKAGES.get(file_id, {}).get("version")
        self.subtasks[op_id] = [
            {"subOperationId": "%s-%d" % (op_id, n), "deviceId": device, "status": "wait", "operateType":
             "firmware_upgrade", "extendInfo": {"targetVersion": version} if self.expose_version else {}}
            for n, device in enumerate(self._devices_of(targets))]
        self._recount(op_id)
        return op_id

    def _recount(self, op_id):
        counts = dict((key, 0) for key in ("wait", "processing", "success", "fail", "stop", "timeout"))
        for sub in self.subtasks[op_id]:
            counts[sub["status"]] += 1
        counts["total"] = len(self.subtasks[op_id])
        self.tasks[op_id]["staResult"] = counts

    # ---- transport

    def request(self, method, url, params=None, data=None, headers=None, **kwargs):
        parsed = urlparse(url)
        assert url.startswith(ENDPOINT + "/"), url
        path = parsed.path
        params = dict((k, "%s" % v) for k, v in (params or {}).items())
        body = None
        if headers.get("Content-Type") == "application/x-www-form-urlencoded":
            body = dict(data)
        elif data is not None:
            assert headers.get("Content-Type") == "application/json"
            body = json.loads(data)
        self.calls.append((method, path))
        self.log.append({"method": method, "path": path, "params": params, "body": body, "headers": dict(headers)})
        for index, (f_method, f_path, kind) in enumerate(self.faults):
            if f_method == method and f_path == path:
                del self.faults[index]
                return self._fault(kind, method, path, params, body, headers)
        return self._route(method, path, params, body, headers)

    def _fault(self, kind, method, path, params, body, headers):
        if kind == "throttle":
            return FakeResponse(403, {"error_code": "1010009", "error_desc": "app throttle exceed."})
        if kind == "http_500":
            return FakeResponse(500, text="<html>Internal Server Error</html>")
        if kind == "http_503":
            return FakeResponse(503, text="Service Unavailable")
        if kind == "expire":
            self.token = None
            return self._route(method, path, params, body, headers)
        if kind == "refused":
            raise IoTError("Connection refused", code="ConnectionError", retryable=True, maybe_committed=False)
        if kind == "timeout":  # lost before the platform acted, the client cannot know
            raise IoTError("No answer", code="ReadTimeout", retryable=True, maybe_committed=True)
        if kind == "drop":  # the platform acted, the answer is lost
            self._route(method, path, params, body, headers)
            raise IoTError("Connection aborted", code="ConnectionError", retryable=True, maybe_committed=True)
        if kind == "error200":
            return FakeResponse(200, {"error_code": 100217, "error_desc": "The application has not been authorized."})
        if isinstance(kind, tuple) and kind[0] == "error":
            return FakeResponse(kind[1], {"error_code": kind[2], "error_desc": kind[3]})
        raise AssertionError("unknown fault %r" % (kind,))

    def _route(self, method, path, params, body, headers):
        if method == "POST" and path == LOGIN:
            assert "Authorization" not in headers and "app_key" not in headers
            if body.get("appId") != APP_ID or body.get("secret") != SECRET:
                return FakeResponse(401, {"error_code": "100208", "error_desc": "AppId or secret is not right."})
            self.token_no += 1
            self.token = "unit-token-%04d-abcdef" % self.token_no
            self.tokens_issued.append(self.token)
            return FakeResponse(200, {"scope": "default", "tokenType": "bearer", "expiresIn": 3600,
                                      "accessToken": self.token, "refreshToken": "unit-refresh-%04d" % self.token_no})
        if headers.get("app_key") != APP_ID or headers.get("Authorization") != "Bearer %s" % self.token:
            return FakeResponse(403, {"error_code": "1010005", "error_desc": "App_key or access_token is invalid."})
        if method == "POST" and path == CREATE:
            if body["fileId"] not in PACKAGES:
                return FakeResponse(404, {"error_code": "123002", "error_desc": "Device or package file not found."})
            op_id = self._create(body["fileId"], body["targets"], body.get("policy") or {"executeType": "now"})
            return FakeResponse(200, {"operationId": op_id})
        if method == "GET" and path.startswith(CATEGORY + "/"):
            package = PACKAGES.get(path.rsplit("/", 1)[1])
            if package is None:
                return FakeResponse(404, {"error_code": "123002", "error_desc": "Device or package file not found."})
            return FakeResponse(200, package)
        if method == "GET" and path == OPS:
            return self._list(params)
        if method == "GET" and path.startswith(OPS + "/"):
            rest = path[len(OPS) + 1:].split("/")
            op_id = rest[0]
            if op_id not in self.tasks:
                return FakeResponse(404, {"error_code": "123002", "error_desc": "Task not found."})
            if len(rest) == 2 and rest[1] == "subOperations":
                subs = [sub for sub in self.subtasks[op_id]
                        if not params.get("subOperationStatus") or sub["status"] == params["subOperationStatus"]]
                return FakeResponse(200, self._page(subs, params, "totalCount"))
            if self.progress.get(op_id):
                self.set_status(op_id, self.progress[op_id].pop(0))
            return FakeResponse(200, self.tasks[op_id])
        return FakeResponse(404, {"error_code": "120015", "error_desc": "Bad request error."})

    def _list(self, params):
        tasks = [self.tasks[op_id] for op_id in self.order]
        if params.get("operationType"):
            tasks = [t for t in tasks if t["operateType"] == params["operationType"]]
        if params.get("operationStatus"):
            tasks = [t for t in tasks if t["status"] == params["operationStatus"]]
        if params.get("deviceId"):
            tasks = [t for t in tasks if params["deviceId"] in self._devices_of(t["targets"])]
        for key in ("deviceType", "model", "manufacturerName"):
            if params.get(key):
                tasks = [t for t in tasks if any(DEVICES.get(d, {}).get(key) == params[key]
                                                 for d in self._devices_of(t["targets"]))]
        if not self.list_targets:
            tasks = [dict((k, v) for k, v in t.items() if k not in ("targets", "extendPara")) for t in tasks]
        return FakeResponse(200, self._page(tasks, params, self.total_key))

    @staticmethod
    def _page(items, params, total_key):
        page_no = int(params.get("pageNo", 0))
        page_size = int(params.get("pageSize", 10))
        start = page_no * page_size
        return {"data": items[start:start + page_size], "pageNo": page_no, "pageSize": page_size,
                total_key: len(items)}


class NoSleep:
    def __init__(self):
        self.slept = []

    def __call__(self, seconds):
        self.slept.append(seconds)


def make_client(fake, access_token=None, sleep=None, **kwargs):
    sleep = sleep or NoSleep()
    tokens = []
    client = HuaweiIoTClient(ENDPOINT, APP_ID, secret=None if access_token else SECRET, access_token=access_token,
                             session=fake, sleep=sleep, backoff=Backoff(attempts=6, base_delay=0.5, max_delay=10,
                                                                        sleep=sleep),
                             on_token=tokens.append, **kwargs)
    client.tokens_seen = tokens
    return client


# --------------------------------------------------------------------------- self-tests of the fake

def test_fake_login_only_newest_token_valid():
    fake = FakeHuawei()
    client = make_client(fake)
    client.login()
    old = client.token
    client.login()
    assert old != client.token and fake.token == client.token
    assert client.tokens_seen[0] == old


def test_fake_paging_and_filters():
    fake = FakeHuawei()
    for n in range(1, 26):
        fake.add_task("fw-wm100-2.0.0", devices=["hw-meter-%04d" % n])
    client = make_client(fake)
    assert len(client.list_all_tasks({"operationType": "firmware_upgrade"})) == 25
    assert [call for call in fake.calls if call[1] == OPS] == [("GET", OPS)]  # one page of 100
    assert len(client.list_all_tasks({"deviceId": "hw-meter-0003"})) == 1


def test_fake_rejects_stale_token():
    fake = FakeHuawei()
    client = make_client(fake, access_token="made-up-token")
    with pytest.raises(IoTError) as err:
        client.get_task("op-0001")
    assert err.value.code == "1010005" and "fresh access_token" in err.value.message
