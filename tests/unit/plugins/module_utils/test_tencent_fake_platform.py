"""An in-memory Tencent IoT Explorer used as the transport of the unit tests (plus self-tests).

``FakeTencent`` stands in for ``common.HttpSession``: the client under test signs and sends
real request bytes to ``FakeTencent.request``, which verifies the TC3 signature independently,
records ``(action, params)`` in ``calls`` and answers with API 3.0 envelopes from a small state
machine (firmwares, tasks, device rows). ``faults`` scripts failures per action.
"""
import hashlib
import hmac
import json
from datetime import datetime, timezone

import pytest

from ansible_collections.iotfleet.firmware.plugins.module_utils.common import Backoff, IoTError
from ansible_collections.iotfleet.firmware.plugins.module_utils.tencent_iot import TencentIoTClient

SECRET_ID = "AKIDunit0000000000000000000000000000"
SECRET_KEY = "unit-secret-key-0000000000000000000"
SESSION_TOKEN = "unit-session-token-000000000000"
REGION = "ap-guangzhou"
ENDPOINT = "http://127.0.0.1:9999"
PRODUCT = "TCPROD0001"
NOW = 1767225600  # 2026-01-01T00:00:00Z


def independent_signature(secret_key, host, content_type, body, timestamp):
    """TC3 as in the reference §1.5, written separately from the module code."""
    date = datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%d")
    canonical = "\n".join(["POST", "/", "", "content-type:%s\nhost:%s\n" % (content_type, host),
                           "content-type;host", hashlib.sha256(body).hexdigest()])
    scope = "%s/iotexplorer/tc3_request" % date
    to_sign = "\n".join(["TC3-HMAC-SHA256", str(timestamp), scope, hashlib.sha256(canonical.encode()).hexdigest()])

    def mac(key, msg):
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    key = mac(mac(mac(("TC3" + secret_key).encode(), date), "iotexplorer"), "tc3_request")
    return scope, hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


class FakeResponse:
    def __init__(self, status_code, payload=None, text=None, headers=None):
        self.status_code = status_code
        self.text = text if text is not None else json.dumps(payload)
        self.headers = headers or {"Content-Type": "application/json"}


class FakeTencent:
    FINAL = (5, 6, 10)

    def __init__(self, devices=None, firmwares=None, files=None, reject_filters=False, page_cap=None):
        # devices: name -> current version
        self.devices = devices if devices is not None else dict(("tc-sensor-%04d" % n, "1.0.0") for n in range(1, 11))
        self.firmwares = firmwares if firmwares is not None else {(PRODUCT, "1.0.0", "mcu"), (PRODUCT, "2.0.0", "mcu")}
        self.files = files or {}
        self.tasks = {}
        self.rows = []
        self.next_task_id = 1001
        self.clock = NOW
        self.calls = []
        self.headers = []
        self.faults = {}
        self.reject_filters = reject_filters
        self.page_cap = page_cap

    # ---- test helpers

    def actions(self):
        return [action for action, _params in self.calls]

    def params(self, action):
        return [params for name, params in self.calls if name == action]

    def fault(self, action, *kinds):
        self.faults.setdefault(action, []).extend(kinds)

    def set_rows(self, task_id, status, err_msg="", names=None):
        for row in self.rows:
            if row["TaskId"] == task_id and (names is None or row["DeviceName"] in names):
                row["Status"] = status
                row["ErrMsg"] = err_msg

    def add_task(self, params, status=1, create_time=None):
        """Create a task directly, as if another run had made it."""
        return self._create(params, status=status, create_time=create_time)

    # ---- transport

    def request(self, method, url, data=None, headers=None, **kwargs):
        assert method == "POST" and url == ENDPOINT + "/"
        assert isinstance(data, bytes), "the body must be sent as the signed bytes"
        assert headers["Content-Type"] == "application/json"
        assert headers["Host"] == "127.0.0.1:9999"
        assert headers["X-TC-Version"] == "2019-04-23"
        assert headers["X-TC-Region"] == REGION
        assert headers["X-TC-Language"] == "en-US"
        assert headers["X-TC-RequestClient"]
        timestamp = int(headers["X-TC-Timestamp"])
        scope, signature = independent_signature(SECRET_KEY, headers["Host"], headers["Content-Type"], data, timestamp)
        expected = "TC3-HMAC-SHA256 Credential=%s/%s, SignedHeaders=content-type;host, Signature=%s" % (
            SECRET_ID, scope, signature)
        assert headers["Authorization"] == expected
        action = headers["X-TC-Action"]
        params = json.loads(data.decode("utf-8"))
        self.calls.append((action, params))
        self.headers.append(headers)
        kinds = self.faults.get(action) or []
        kind = kinds.pop(0) if kinds else None
        if kind == "throttle":
            return self._error("RequestLimitExceeded", "too many requests")
        if kind == "internal":
            return self._error("InternalError", "backend hiccup")
        if kind == "refused":
            raise IoTError("Connection refused", code="ConnectionError", retryable=True, maybe_committed=False)
        if kind == "timeout":  # lost before execution but the client cannot know
            raise IoTError("No answer", code="ReadTimeout", retryable=True, maybe_committed=True)
        if kind == "http_503":
            return FakeResponse(503, text="<html>503 Service Unavailable</html>", headers={"Content-Type": "text/html"})
        if kind == "expire":
            return self._error("AuthFailure.SignatureExpire", "signature expired",
                               headers={"Date": "Thu, 01 Jan 2026 00:10:00 GMT"})
        if kind == "sigfail":
            return self._error("AuthFailure.SignatureFailure", "signature mismatch")
        if isinstance(kind, tuple):  # ("error", code, message)
            return self._error(kind[1], kind[2])
        try:
            answer = getattr(self, "do_" + action)(params)
        except KeyError as exc:
            return self._error("MissingParameter", "missing %s" % exc)
        if isinstance(answer, FakeResponse):
            return answer
        if kind == "drop":  # executed, answer lost
            raise IoTError("No answer", code="ReadTimeout", retryable=True, maybe_committed=True)
        answer["RequestId"] = "req-%d" % len(self.calls)
        return FakeResponse(200, {"Response": answer})

    def _error(self, code, message, headers=None):
        return FakeResponse(200, {"Response": {"Error": {"Code": code, "Message": message},
                                               "RequestId": "req-%d" % len(self.calls)}}, headers=headers)

    # ---- actions

    def do_DescribeFirmware(self, p):
        key = (p["ProductID"], p["FirmwareVersion"], p.get("FwType", "mcu"))
        if p["ProductID"] != PRODUCT:
            return self._error("ResourceNotFound.StudioProductNotExist", "product not found")
        if key not in self.firmwares:
            return self._error("ResourceNotFound.FirmwareNotExist", "firmware not found")
        return {"Version": p["FirmwareVersion"], "ProductId": p["ProductID"], "FwType": key[2], "Md5sum": "0" * 32}

    def _tasks_of(self, p):
        return [t for t in sorted(self.tasks.values(), key=lambda t: t["TaskId"])
                if t["ProductId"] == p["ProductID"] and t["FirmwareVersion"] == p["FirmwareVersion"]
                and (not p.get("FwType") or t["FwType"] == p["FwType"])]

    def _page(self, items, p):
        offset, limit = p["Offset"], p["Limit"]
        if self.page_cap:
            limit = min(limit, self.page_cap)
        return items[offset:offset + limit]

    def do_DescribeFirmwareTasks(self, p):
        tasks = self._tasks_of(p)
        infos = [{"TaskId": t["TaskId"], "Status": t["Status"], "Type": t["Type"], "CreateTime": t["CreateTime"],
                  "FwType": t["FwType"], "CreatorNickName": "unit", "CreateUserId": 1, "CronTime": 0}
                 for t in tasks]
        return {"TaskInfos": self._page(infos, p), "Total": len(infos)}

    def do_DescribeFirmwareTask(self, p):
        task = self.tasks.get(p["TaskId"])
        if not task or task["ProductId"] != p["ProductID"] or task["FirmwareVersion"] != p["FirmwareVersion"]:
            return self._error("ResourceNotFound.FirmwareTaskNotExist", "task not found")
        return dict((k, v) for k, v in task.items() if k not in ("FirmwareVersion", "_devices"))

    def do_DescribeFirmwareTaskDevices(self, p):
        if p.get("Filters") and self.reject_filters:
            return self._error("InvalidParameterValue", "unknown filter key")
        rows = [r for r in self.rows if r["_product"] == p["ProductID"] and r["DstVersion"] == p["FirmwareVersion"]]
        for flt in p.get("Filters") or []:
            if flt["Key"] == "TaskId":
                rows = [r for r in rows if str(r["TaskId"]) == flt["Value"]]
        rows = [dict((k, v) for k, v in r.items() if not k.startswith("_")) for r in rows]
        return {"Devices": self._page(rows, dict(p, Offset=p.get("Offset", 0), Limit=p.get("Limit", 50))),
                "Total": len(rows)}

    def do_BatchUpdateFirmware(self, p):
        if (p["ProductID"], p["FirmwareVersion"], p.get("FwType", "mcu")) not in self.firmwares:
            return self._error("ResourceNotFound.FirmwareNotExist", "firmware not found")
        return {"TaskId": self._create(p)}

    def _create(self, p, status=1, create_time=None):
        task_id = self.next_task_id
        self.next_task_id += 1
        self.clock += 1
        if p.get("FileName"):
            mode, names = "filename", list(self.files.get(p["FileName"], []))
        elif p.get("DeviceNames"):
            mode, names = "devicenames", list(p["DeviceNames"])
        else:
            mode = "originalVersion"
            names = sorted(n for n, v in self.devices.items() if v == p.get("FirmwareOriVersion"))
        task = {"TaskId": task_id, "Status": status, "CreateTime": create_time or self.clock,
                "Type": p.get("Type", 1), "ProductName": "unit product", "UpgradeMode": mode,
                "ProductId": p["ProductID"], "FirmwareVersion": p["FirmwareVersion"],
                "CreateUserId": 1, "CreatorNickName": "unit", "DelayTime": p.get("DelayTime", 0),
                "TimeoutInterval": p.get("TimeoutInterval", 0), "UpgradeMethod": p.get("UpgradeMethod", 0),
                "MaxRetryNum": p.get("MaxRetryNum", 0), "FwType": p.get("FwType", "mcu"),
                "RetryInterval": p.get("RetryInterval", 0), "OverrideMode": p.get("OverrideMode", 0),
                "TaskUserDefine": p.get("TaskUserDefine", ""), "RateLimit": p.get("RateLimit", 0)}
        if mode == "originalVersion":
            task["OriginalVersion"] = p.get("FirmwareOriVersion")
        self.tasks[task_id] = task
        for name in names:
            self.rows.append({"DeviceName": name, "LastProcessTime": self.clock, "Status": 1, "ErrMsg": "",
                              "Retcode": 0, "DstVersion": p["FirmwareVersion"], "Percent": 0,
                              "OriVersion": self.devices.get(name, ""), "TaskId": task_id,
                              "FwType": task["FwType"], "RetryNum": 0, "_product": p["ProductID"]})
        return task_id

    def do_UpdateOtaTaskStatus(self, p):
        task = self.tasks.get(p["TaskId"])
        if not task or task["ProductId"] != p["ProductId"]:
            return self._error("ResourceNotFound.FirmwareTaskNotExist", "task not found")
        assert p["Status"] == 6
        task["Status"] = 6
        return {}


def make_client(fake, attempts=4, session_token=None, **kwargs):
    sleeps = []
    backoff = Backoff(attempts=attempts, base_delay=1, max_delay=8, sleep=sleeps.append)
    client = TencentIoTClient(SECRET_ID, SECRET_KEY, REGION, endpoint=ENDPOINT, session=fake, backoff=backoff,
                              clock=lambda: fake.clock, sleep=sleeps.append, session_token=session_token, **kwargs)
    client.sleeps = sleeps
    return client


# --------------------------------------------------------------------------- self-tests of the fake

def test_fake_rejects_a_wrong_signature():
    fake = FakeTencent()
    client = TencentIoTClient(SECRET_ID, "wrong-key", REGION, endpoint=ENDPOINT, session=fake)
    with pytest.raises(AssertionError):
        client.describe_firmware(PRODUCT, "2.0.0", "mcu")


def test_fake_creates_rows_per_mode():
    fake = FakeTencent(files={"list.csv": ["tc-sensor-0001", "tc-sensor-0002"]})
    by_names = fake.add_task({"ProductID": PRODUCT, "FirmwareVersion": "2.0.0", "DeviceNames": ["tc-sensor-0003"]})
    by_file = fake.add_task({"ProductID": PRODUCT, "FirmwareVersion": "2.0.0", "FileName": "list.csv"})
    by_version = fake.add_task({"ProductID": PRODUCT, "FirmwareVersion": "2.0.0", "FirmwareOriVersion": "1.0.0"})
    counts = dict((task_id, sum(1 for r in fake.rows if r["TaskId"] == task_id)) for task_id in (by_names, by_file, by_version))
    assert counts == {by_names: 1, by_file: 2, by_version: 10}
    assert fake.tasks[by_version]["UpgradeMode"] == "originalVersion"
