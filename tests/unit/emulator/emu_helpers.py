"""Clients for the emulator tests: a Huawei northbound client, a TC3 signer written from the reference, a handle.

The TC3 signer follows the Tencent API notes (tencent-iot-explorer.md §1.5) and is deliberately independent
of ``iotemu.tencent`` so that the emulator's verifier is checked against a second implementation. The handle is the
kit's control client (tests/kit/control.py) plus the two platform clients; the credentials are the kit's.
"""

import hashlib
import hmac
import json
import time
from datetime import datetime, timedelta, timezone

import requests

from kit.control import EmulatorControl
from kit.credentials import HUAWEI_APP_ID, HUAWEI_SECRET, TENCENT_REGION, TENCENT_SECRET_ID, TENCENT_SECRET_KEY

PRODUCT = "TCPROD0001"
API = "/iodm/northbound/v1.5.0"
SEC = "/iocm/app/sec/v1.1.0"
TIMEOUT = 10


def tc3_headers(secret_id, secret_key, action, body, timestamp, host, region=TENCENT_REGION, token=None, version="2019-04-23",
                content_type="application/json", service="iotexplorer"):
    """Reference §1.5, verbatim in spirit: the headers of one signed POST."""
    date = datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%d")
    canonical = "\n".join(["POST", "/", "", "content-type:%s\nhost:%s\n" % (content_type, host), "content-type;host",
                           hashlib.sha256(body).hexdigest()])
    scope = "%s/%s/tc3_request" % (date, service)
    to_sign = "\n".join(["TC3-HMAC-SHA256", str(timestamp), scope, hashlib.sha256(canonical.encode("utf-8")).hexdigest()])

    def mac(key, msg):
        return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()

    key = mac(mac(mac(("TC3" + secret_key).encode("utf-8"), date), service), "tc3_request")
    signature = hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    headers = {"Authorization": "TC3-HMAC-SHA256 Credential=%s/%s, SignedHeaders=content-type;host, Signature=%s"
                                % (secret_id, scope, signature),
               "Content-Type": content_type, "Host": host, "X-TC-Action": action, "X-TC-Timestamp": str(timestamp)}
    if version is not None:
        headers["X-TC-Version"] = version
    if region is not None:
        headers["X-TC-Region"] = region
    if token is not None:
        headers["X-TC-Token"] = token
    return headers


def huawei_time(offset_seconds):
    """``yyyyMMdd'T'HHmmss'Z'`` of now + offset (real wall clock)."""
    return (datetime.now(timezone.utc) + timedelta(seconds=offset_seconds)).strftime("%Y%m%dT%H%M%SZ")


class Handle(EmulatorControl):
    """A started ``EmulatorServer``: the kit's control client plus the Huawei and Tencent clients below."""

    def huawei(self, app_id=HUAWEI_APP_ID, secret=HUAWEI_SECRET):
        return HuaweiClient(self.url, app_id, secret)

    def tencent(self, secret_id=TENCENT_SECRET_ID, secret_key=TENCENT_SECRET_KEY, **kwargs):
        return TencentClient(self.url, secret_id, secret_key, **kwargs)


class HuaweiClient:
    def __init__(self, url, app_id, secret):
        self.url = url
        self.app_id = app_id
        self.secret = secret
        self.token = None
        self.session = requests.Session()

    def login(self):
        response = self.session.post(self.url + SEC + "/login", data={"appId": self.app_id, "secret": self.secret},
                                     timeout=TIMEOUT)
        assert response.status_code == 200, response.text
        self.token = response.json()["accessToken"]
        return response.json()

    def headers(self, token=None):
        return {"app_key": self.app_id, "Authorization": "Bearer %s" % (token or self.token)}

    def get(self, path, params=None, token=None):
        return self.session.get(self.url + API + path, params=params, headers=self.headers(token), timeout=TIMEOUT)

    def post(self, path, body=None, data=None, token=None):
        headers = self.headers(token)
        if data is not None:
            headers["Content-Type"] = "application/json"
        return self.session.post(self.url + API + path, json=body, data=data, headers=headers, timeout=TIMEOUT)

    def create(self, body, kind="firmwareUpgrade"):
        return self.post("/operations/" + kind, body)

    def create_ok(self, body, kind="firmwareUpgrade"):
        response = self.create(body, kind)
        assert response.status_code == 200, response.text
        return response.json()["operationId"]

    def task(self, operation_id):
        response = self.get("/operations/" + operation_id)
        assert response.status_code == 200, response.text
        return response.json()

    def subtasks(self, operation_id, **params):
        params.setdefault("pageSize", 100)
        response = self.get("/operations/%s/subOperations" % operation_id, params=params)
        assert response.status_code == 200, response.text
        return response.json()


class TencentClient:
    def __init__(self, url, secret_id, secret_key, region=TENCENT_REGION, token=None):
        self.url = url
        self.host = url.split("://", 1)[1]
        self.secret_id = secret_id
        self.secret_key = secret_key
        self.region = region
        self.token = token

    def raw(self, action, params=None, body=None, timestamp=None, sign_host=None, headers=None, sign_body=None):
        """One POST; ``body`` bytes override the JSON of ``params``; returns the requests response."""
        if body is None:
            body = json.dumps(params or {}).encode("utf-8")
        timestamp = int(time.time()) if timestamp is None else timestamp
        signed = tc3_headers(self.secret_id, self.secret_key, action, body if sign_body is None else sign_body, timestamp,
                             sign_host or self.host, region=self.region, token=self.token)
        signed["Host"] = self.host
        signed.update(headers or {})
        signed = dict((key, value) for key, value in signed.items() if value is not None)
        return requests.post(self.url + "/", data=body, headers=signed, timeout=TIMEOUT)

    def call(self, action, params=None, **kwargs):
        """The ``Response`` object (with ``Error`` on failure)."""
        response = self.raw(action, params, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()["Response"]

    def error(self, action, params=None, **kwargs):
        response = self.call(action, params, **kwargs)
        assert "Error" in response, response
        return response["Error"]["Code"]

    def ok(self, action, params=None, **kwargs):
        response = self.call(action, params, **kwargs)
        assert "Error" not in response, response
        return response

    def create(self, **params):
        params.setdefault("ProductID", PRODUCT)
        params.setdefault("FirmwareVersion", "2.0.0")
        return self.ok("BatchUpdateFirmware", params)["TaskId"]

    def rows(self, task_id=None, version="2.0.0", product=PRODUCT):
        params = {"ProductID": product, "FirmwareVersion": version, "Offset": 0, "Limit": 100}
        if task_id is not None:
            params["Filters"] = [{"Key": "TaskId", "Value": str(task_id)}]
        return self.ok("DescribeFirmwareTaskDevices", params)["Devices"]

    def task(self, task_id, version="2.0.0", product=PRODUCT):
        return self.ok("DescribeFirmwareTask", {"ProductID": product, "FirmwareVersion": version, "TaskId": task_id})
