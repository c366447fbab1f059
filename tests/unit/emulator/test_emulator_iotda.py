"""Huawei IoTDA v5 batch tasks of the emulator (huawei-iot.md §10), driven over real HTTP on 127.0.0.1.

Requests are signed by a small signer written here from §10.6 (independently of ``iotemu.iotda``); the official
``huaweicloudsdkcore`` signer is used as a further reference when it is installed. Time moves with
``/_emulator/advance`` (no sleeps).
"""

import hashlib
import hmac
import json
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import pytest
import requests

from iotemu import fleet as fleet_module
from iotemu import iotda

from kit.credentials import IOTDA_ACCESS_KEY as AK, IOTDA_PROJECT_ID as PROJECT, IOTDA_REGION as REGION
from kit.credentials import IOTDA_SECRET_KEY as SK
DEFAULT_HOST = "iotda.cn-north-4.myhuaweicloud.com"
BASE = "/v5/iot/%s" % PROJECT
FW = "iotda-fw-2.0.0"
TIMEOUT = 10
FAST = {"iotda_calls_per_second": 0}  # most tests make many calls at once: no throttle

# §10.6 test vectors
V_AK, V_SK = "AKEXAMPLE0000000000", "SKEXAMPLE0000000000000000000000000000000"
V_BODY = b'{"task_type":"firmwareUpgrade","targets":["d1"],"document":{"package_id":"p1"}}'
V_DATE = "20240101T000000Z"


# --------------------------------------------------------------------------- an independent signer (§10.6)


def _pct(text):
    return quote(text, safe="-_.~")


def sign_headers(method, host, path, query, headers, body, ak, sk, derived=False, region=REGION):
    """The headers to send (Host, X-Sdk-Date added when absent, Authorization) for one request."""
    out = dict(headers)
    out.setdefault("X-Sdk-Date", datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ"))
    out["Host"] = host
    lowered = dict((name.lower(), str(value).strip()) for name, value in out.items() if "_" not in name)
    names = sorted(lowered)
    segments = [_pct(segment) for segment in path.split("/")]
    uri = "/".join(segments) + ("" if path.endswith("/") else "/")
    query_text = "&".join(_pct(k) + "=" + _pct(v) for k, v in sorted(query))
    if "x-sdk-content-sha256" in lowered:
        payload = lowered["x-sdk-content-sha256"]
    else:
        payload = hashlib.sha256(body).hexdigest()
    canonical = "%s\n%s\n%s\n%s\n%s\n%s" % (method, uri, query_text,
                                            "".join("%s:%s\n" % (name, lowered[name]) for name in names),
                                            ";".join(names), payload)
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    date = out["X-Sdk-Date"]
    if derived:
        scope = "%s/%s/iotdm" % (date[:8], region)
        prk = hmac.new(ak.encode(), sk.encode(), hashlib.sha256).digest()
        key = hmac.new(prk, scope.encode() + bytes([1]), hashlib.sha256).hexdigest().encode()
        signature = hmac.new(key, ("V11-HMAC-SHA256\n%s\n%s\n%s" % (date, scope, digest)).encode(),
                             hashlib.sha256).hexdigest()
        out["Authorization"] = "V11-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s" % (
            ak, scope, ";".join(names), signature)
    else:
        signature = hmac.new(sk.encode(), ("SDK-HMAC-SHA256\n%s\n%s" % (date, digest)).encode(),
                             hashlib.sha256).hexdigest()
        out["Authorization"] = "SDK-HMAC-SHA256 Access=%s, SignedHeaders=%s, Signature=%s" % (
            ak, ";".join(names), signature)
    return out


def signature_of(headers):
    return headers["Authorization"].rsplit("Signature=", 1)[1]


class V5:
    """A v5 client: V11 signing on the emulator's own host (what the SDK does off the default endpoint), or
    SDK-HMAC-SHA256 with ``Host`` set to the region's default endpoint."""

    def __init__(self, emulator, default_endpoint=False, ak=AK, sk=SK):
        self.url = emulator.url
        self.own_host = self.url.split("://", 1)[1]
        self.default_endpoint = default_endpoint
        self.ak, self.sk = ak, sk

    def raw(self, method, path, params=None, body=None, headers=None, sign=True, derived=None, sk=None, drop=(),
            host=None, base=BASE):
        query = sorted((key, str(value)) for key, value in (params or {}).items())
        data = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        sent = {"Content-Type": "application/json", "X-Project-Id": PROJECT}
        sent.update(headers or {})
        host = host or (DEFAULT_HOST if self.default_endpoint else self.own_host)
        if derived is None:
            derived = not self.default_endpoint
        if sign:
            sent = sign_headers(method, host, base + path, query, sent, data, self.ak, sk or self.sk, derived)
        sent["Host"] = host
        for name in drop:
            sent.pop(name, None)
        url = self.url + quote(base + path) + ("?" + "&".join("%s=%s" % (quote(k), quote(v)) for k, v in query)
                                               if query else "")
        return requests.request(method, url, data=data, headers=sent, timeout=TIMEOUT)

    def ok(self, method, path, status=200, **kwargs):
        response = self.raw(method, path, **kwargs)
        assert response.status_code == status, response.text
        return response.json() if response.content else None

    def error(self, method, path, status, code, **kwargs):
        response = self.raw(method, path, **kwargs)
        assert response.status_code == status, response.text
        data = response.json()
        assert set(data) == {"error_code", "error_msg"} and data["error_code"] == code, data
        return data["error_msg"]

    def create(self, targets=None, package=FW, task_type="firmwareUpgrade", **extra):
        body = {"task_name": "rollout_1", "task_type": task_type, "targets": targets or ["iotda-meter-0001"],
                "document": {"package_ids": [package]}}
        body.update(extra)
        return self.ok("POST", "/batchtasks", status=201, body=body)

    def show(self, task_id, **params):
        return self.ok("GET", "/batchtasks/" + task_id, params=params)


@pytest.fixture
def emu(make_emulator):
    return make_emulator(behaviour=dict(FAST))


@pytest.fixture
def v5(emu):
    return V5(emu)


# --------------------------------------------------------------------------- signatures


def test_signature_vectors_of_the_spec():
    host = "https://" + DEFAULT_HOST
    post = sign_headers("POST", DEFAULT_HOST, "/v5/iot/proj123/batchtasks", [],
                        {"Content-Type": "application/json", "X-Project-Id": "proj123", "X-Sdk-Date": V_DATE},
                        V_BODY, V_AK, V_SK)
    assert "SignedHeaders=content-type;host;x-project-id;x-sdk-date," in post["Authorization"]
    assert signature_of(post) == "834086f8fba0681f1d688cfd7b72e965ec1dd13c82fb17d4eac3bfbc95a26c5f"
    get = sign_headers("GET", DEFAULT_HOST, "/v5/iot/proj123/batchtasks", [("task_type", "firmwareUpgrade"), ("limit", "10")],
                       {"Content-Type": "application/json", "X-Sdk-Date": V_DATE}, b"", V_AK, V_SK)
    assert signature_of(get) == "ad96784343889852bb0f939d61fdf9a47ed99e456ded2078992210045b2baf4f"
    derived = sign_headers("GET", "abc." + DEFAULT_HOST, "/v5/iot/proj123/batchtasks", [],
                           {"Content-Type": "application/json", "X-Sdk-Date": V_DATE}, b"", V_AK, V_SK, derived=True)
    assert derived["Authorization"].startswith("V11-HMAC-SHA256 Credential=AKEXAMPLE0000000000/20240101/cn-north-4/iotdm, "
                                               "SignedHeaders=content-type;host;x-sdk-date, Signature=")
    assert signature_of(derived) == "087716472d86acd5e30048884a1e40fdfe42ba0a679b02fb078a25ed925d8d8e"
    # the emulator's verifier computes the same three signatures
    canonical = iotda.canonical_request("POST", "/v5/iot/proj123/batchtasks", [],
                                        {"content-type": "application/json", "host": DEFAULT_HOST,
                                         "x-project-id": "proj123", "x-sdk-date": V_DATE},
                                        ["content-type", "host", "x-project-id", "x-sdk-date"],
                                        hashlib.sha256(V_BODY).hexdigest())
    assert iotda.sdk_signature(V_SK, V_DATE, canonical) == signature_of(post)
    canonical = iotda.canonical_request("GET", "/v5/iot/proj123/batchtasks", [("task_type", "firmwareUpgrade"), ("limit", "10")],
                                        {"content-type": "application/json", "host": DEFAULT_HOST, "x-sdk-date": V_DATE},
                                        ["content-type", "host", "x-sdk-date"], iotda.EMPTY_SHA256)
    assert iotda.sdk_signature(V_SK, V_DATE, canonical) == signature_of(get)
    canonical = iotda.canonical_request("GET", "/v5/iot/proj123/batchtasks", [],
                                        {"content-type": "application/json", "host": "abc." + DEFAULT_HOST,
                                         "x-sdk-date": V_DATE}, ["content-type", "host", "x-sdk-date"], iotda.EMPTY_SHA256)
    assert iotda.v11_signature(V_AK, V_SK, V_DATE, "20240101/cn-north-4/iotdm", canonical) == signature_of(derived)
    assert host  # the vectors' endpoint


def test_both_signings_and_a_token_are_accepted(make_emulator):
    fleet = fleet_module.demo_fleet(2)
    fleet["huawei_iotda"] = fleet_module.iotda_demo()
    fleet["huawei_iotda"]["auth_tokens"] = ["MIIdemo-iam-token"]
    emulator = make_emulator(fleet=fleet, behaviour=dict(FAST))
    for count, client in enumerate((V5(emulator), V5(emulator, default_endpoint=True))):
        listed = client.ok("GET", "/batchtasks", params={"task_type": "firmwareUpgrade", "limit": 10})
        assert len(listed["batchtasks"]) == count
        created = client.create(targets=["iotda-meter-0003", "iotda-meter-0004"])
        assert created["status"] == "Initializing"
    token = requests.get(emulator.url + BASE + "/batchtasks", headers={"X-Auth-Token": "MIIdemo-iam-token"}, timeout=TIMEOUT)
    assert token.status_code == 200 and token.json()["page"]["count"] == 2
    wrong = requests.get(emulator.url + BASE + "/batchtasks", headers={"X-Auth-Token": "forged"}, timeout=TIMEOUT)
    assert wrong.status_code == 401 and wrong.json()["error_code"] == "APIGW.0301"


def test_no_token_configured_refuses_tokens(emu):
    response = requests.get(emu.url + BASE + "/batchtasks", headers={"X-Auth-Token": "anything"}, timeout=TIMEOUT)
    assert response.status_code == 401 and response.json()["error_code"] == "APIGW.0301"


def _stale():
    return (datetime.now(timezone.utc) - timedelta(minutes=20)).strftime("%Y%m%dT%H%M%SZ")


@pytest.mark.parametrize("case", ["wrong_sk", "stale", "future", "no_date", "no_auth", "tampered", "sdk_off_default",
                                  "v11_on_default", "foreign_project_header", "foreign_project_path", "unknown_ak"])
def test_refused_signatures(emu, case):
    client = V5(emu, default_endpoint=case == "v11_on_default")
    kwargs = {}
    if case == "wrong_sk":
        kwargs["sk"] = SK[:-1] + "1"
    elif case in ("stale", "future"):
        when = _stale() if case == "stale" else (datetime.now(timezone.utc) + timedelta(minutes=16)).strftime("%Y%m%dT%H%M%SZ")
        kwargs["headers"] = {"X-Sdk-Date": when}
    elif case == "no_date":
        kwargs["drop"] = ("X-Sdk-Date",)
    elif case == "no_auth":
        kwargs["drop"] = ("Authorization",)
    elif case == "sdk_off_default":
        kwargs["derived"] = False
    elif case == "v11_on_default":
        kwargs["derived"] = True
    elif case == "foreign_project_header":
        kwargs["headers"] = {"X-Project-Id": "someone-else"}
    elif case == "foreign_project_path":
        kwargs["base"] = "/v5/iot/someone-else"
    elif case == "unknown_ak":
        client.ak = "IOTDAUNKNOWNAK"
    if case == "tampered":
        body = {"task_name": "t", "task_type": "firmwareUpgrade", "targets": ["iotda-meter-0001"],
                "document": {"package_ids": [FW]}}
        headers = sign_headers("POST", client.own_host, BASE + "/batchtasks", [],
                               {"Content-Type": "application/json"}, json.dumps(body).encode(), AK, SK, derived=True)
        body["targets"] = ["iotda-meter-0002"]
        response = requests.post(emu.url + BASE + "/batchtasks", data=json.dumps(body), headers=headers, timeout=TIMEOUT)
    else:
        response = client.raw("GET", "/batchtasks", **kwargs)
    assert response.status_code == 401, response.text
    data = response.json()
    assert data["error_code"] == "APIGW.0301" and data["error_msg"].startswith("Incorrect IAM authentication information")
    assert emu.state()["huawei_iotda"]["tasks"] == []


def test_lenient_signing_accepts_either_algorithm(make_emulator):
    emulator = make_emulator(behaviour=dict(FAST, iotda_strict_signing=False))
    assert V5(emulator).raw("GET", "/batchtasks", derived=False).status_code == 200
    assert V5(emulator, default_endpoint=True).raw("GET", "/batchtasks", derived=True).status_code == 200


def test_the_official_sdk_signer_is_accepted(emu):
    signer_module = pytest.importorskip("huaweicloudsdkcore.signer.signer")
    from huaweicloudsdkcore.auth.credentials import BasicCredentials  # pylint: disable=import-outside-toplevel
    from huaweicloudsdkcore.sdk_request import SdkRequest  # pylint: disable=import-outside-toplevel

    credentials = BasicCredentials(AK, SK, PROJECT)
    for host, derived in ((DEFAULT_HOST, False), (emu.url.split("://", 1)[1], True)):
        body = json.dumps({"task_name": "sdk_signed", "task_type": "firmwareUpgrade", "targets": ["iotda-meter-0009"],
                           "document": {"package_ids": [FW]}})
        request = SdkRequest(method="POST", schema="http", host=host, resource_path=BASE + "/batchtasks",
                             query_params=[], header_params={"Content-Type": "application/json",
                                                             "X-Project-Id": PROJECT}, body=body)
        if derived:
            signer_module.DerivationAKSKSigner(credentials).sign(request, "iotdm", REGION)
        else:
            signer_module.Signer(credentials).sign(request)
        response = requests.post(emu.url + request.uri, data=request.body, headers=request.header_params, timeout=TIMEOUT)
        assert response.status_code == 201, response.text


# --------------------------------------------------------------------------- lifecycle


def test_create_list_show_progress_to_success(emu, v5):
    targets = ["iotda-meter-%04d" % number for number in range(1, 6)]
    task = v5.create(targets=targets, task_policy={"retry_count": 1, "retry_interval": 5})
    assert set(task) == {"task_id", "task_name", "task_type", "task_mode", "need_confirm", "task_ext_info", "targets",
                         "targets_filter", "document", "task_policy", "status", "status_desc", "task_progress",
                         "create_time"}
    assert len(task["task_id"]) == 24 and task["status"] == "Initializing" and task["targets"] == targets
    assert task["task_progress"] == {"total": 5, "processing": 0, "success": 0, "fail": 0, "waitting": 5,
                                     "fail_wait_retry": 0, "stopped": 0, "removed": 0}
    listed = v5.ok("GET", "/batchtasks", params={"task_type": "firmwareUpgrade"})
    assert [item["task_id"] for item in listed["batchtasks"]] == [task["task_id"]] and listed["page"]["count"] == 1
    emu.advance(100)
    shown = v5.show(task["task_id"])
    assert shown["batchtask"]["status"] == "Processing" and shown["batchtask"]["task_progress"]["processing"] == 5
    assert set(shown) == {"batchtask", "task_details", "page"}
    assert set(shown["task_details"][0]) == {"target", "status", "output", "error"}
    emu.advance(400)
    shown = v5.show(task["task_id"])
    assert shown["batchtask"]["status"] == "Success" and shown["batchtask"]["task_progress"]["success"] == 5
    assert all(row["status"] == "Success" and row["error"] is None for row in shown["task_details"])
    versions = dict((d["device_id"], d["fw_version"]) for d in emu.state()["huawei_iotda"]["devices"])
    assert versions["iotda-meter-0001"] == "2.0.0" and versions["iotda-meter-0006"] == "1.0.0"
    assert v5.ok("GET", "/batchtasks", params={"status": "Success"})["page"]["count"] == 1
    assert v5.ok("DELETE", "/batchtasks/" + task["task_id"], status=204) is None
    v5.error("GET", "/batchtasks/" + task["task_id"], 404, "IOTDA.014900")


def test_failing_device_partial_success_and_detail_filter(make_emulator):
    emulator = make_emulator(behaviour=dict(FAST, failure_rates={"iotda-meter-0002": 1.0}))
    client = V5(emulator)
    task = client.create(targets=["iotda-meter-0001", "iotda-meter-0002", "iotda-meter-0003", "nosuch-device"])
    emulator.advance(500)
    shown = client.show(task["task_id"])
    assert shown["batchtask"]["status"] == "PartialSuccess"
    assert shown["batchtask"]["task_progress"]["fail"] == 2 and shown["batchtask"]["task_progress"]["success"] == 2
    failed = client.show(task["task_id"], task_detail_status="Fail")
    assert sorted(row["target"] for row in failed["task_details"]) == ["iotda-meter-0002", "nosuch-device"]
    assert failed["page"]["count"] == 2
    for row in failed["task_details"]:
        assert row["status"] == "Fail" and row["error"]["error_code"].startswith("IOTDA.") and row["error"]["error_msg"]
    succeeded = client.show(task["task_id"], task_detail_status="Success")
    assert [row["status"] for row in succeeded["task_details"]] == ["Success", "Success"]
    assert client.show(task["task_id"], task_detail_status="Processing")["task_details"] == []
    one = client.show(task["task_id"], target="iotda-meter-0002")
    assert [row["target"] for row in one["task_details"]] == ["iotda-meter-0002"]
    client.error("GET", "/batchtasks/" + task["task_id"], 400, "IOTDA.000006", params={"task_detail_status": "fail"})
    versions = dict((d["device_id"], d["fw_version"]) for d in emulator.state()["huawei_iotda"]["devices"])
    assert versions["iotda-meter-0002"] == "1.0.0" and versions["iotda-meter-0003"] == "2.0.0"
    # retry is allowed on PartialSuccess: with the failure gone the device succeeds
    emulator.control("POST", "behaviour", {"failure_rates": {}})
    retried = {"targets": ["iotda-meter-0002", "iotda-meter-0001"]}
    result = client.ok("POST", "/batchtasks/%s/retry" % task["task_id"], body=retried)
    assert result["targets"][0] == {"target": "iotda-meter-0002", "status": "success", "error_code": None,
                                    "error_msg": None}
    assert result["targets"][1]["status"] == "failure" and result["targets"][1]["error_code"]
    assert client.show(task["task_id"])["batchtask"]["status"] == "Processing"
    emulator.advance(500)
    assert client.show(task["task_id"], target="iotda-meter-0002")["task_details"][0]["status"] == "Success"
    assert client.show(task["task_id"])["batchtask"]["status"] == "PartialSuccess"  # nosuch-device stays failed


def test_automatic_retries_wait_then_fail(make_emulator):
    emulator = make_emulator(behaviour=dict(FAST, failure_rates={"iotda-meter-0007": 1.0}, jitter=0.0))
    client = V5(emulator)
    task = client.create(targets=["iotda-meter-0007"], task_policy={"retry_count": 1, "retry_interval": 10})
    emulator.advance(310)
    assert client.show(task["task_id"])["task_details"][0]["status"] == "FailWaitRetry"
    assert client.show(task["task_id"])["batchtask"]["status"] == "Processing"
    emulator.advance(600)
    assert client.show(task["task_id"])["task_details"][0]["status"] == "Processing"
    emulator.advance(300)
    shown = client.show(task["task_id"])
    assert shown["batchtask"]["status"] == "Fail" and shown["task_details"][0]["error"]["error_code"]


def test_stop_rules(emu, v5):
    task = v5.create(targets=["iotda-meter-%04d" % number for number in range(10, 14)])
    task_id = task["task_id"]
    emu.advance(60)
    v5.error("POST", "/batchtasks/%s/stop" % task_id, 400, "IOTDA.000006",
             body={"targets": ["iotda-meter-%04d" % number for number in range(1, 102)]})
    v5.error("DELETE", "/batchtasks/" + task_id, 400, "IOTDA.014902")  # not finished
    one = v5.ok("POST", "/batchtasks/%s/stop" % task_id, body={"targets": ["iotda-meter-0010", "iotda-meter-0099"]})
    assert [row["status"] for row in one["targets"]] == ["success", "failure"]
    assert v5.show(task_id, target="iotda-meter-0010")["task_details"][0]["status"] == "Stopped"
    everything = v5.ok("POST", "/batchtasks/%s/stop" % task_id, body={})
    assert sorted(row["target"] for row in everything["targets"]) == ["iotda-meter-0011", "iotda-meter-0012",
                                                                      "iotda-meter-0013"]
    assert v5.show(task_id)["batchtask"]["status"] == "Stopping"
    v5.error("POST", "/batchtasks/%s/stop" % task_id, 400, "IOTDA.014902", body={})  # Stopping
    v5.error("POST", "/batchtasks/%s/retry" % task_id, 400, "IOTDA.014902", body={})  # Stopping
    emu.advance(10)
    shown = v5.show(task_id)
    assert shown["batchtask"]["status"] == "Stopped" and shown["batchtask"]["task_progress"]["stopped"] == 4
    v5.error("POST", "/batchtasks/%s/stop" % task_id, 400, "IOTDA.014902", body={})  # finished
    v5.error("POST", "/batchtasks/%s/retry" % task_id, 400, "IOTDA.014902", body={})  # Stopped
    emu.advance(1000)
    versions = dict((d["device_id"], d["fw_version"]) for d in emu.state()["huawei_iotda"]["devices"])
    assert versions["iotda-meter-0011"] == "1.0.0"  # stopped mid-way: no new version
    v5.ok("DELETE", "/batchtasks/" + task_id, status=204)


def test_retry_is_refused_while_waiting_or_after_success(emu, v5):
    task_id = v5.create()["task_id"]
    v5.error("POST", "/batchtasks/%s/retry" % task_id, 400, "IOTDA.014902", body={})  # Initializing
    later = v5.create(targets=["iotda-meter-0002"], task_policy={"schedule_time": (
        datetime.now(timezone.utc) + timedelta(hours=1)).strftime("%Y%m%dT%H%M%SZ")})["task_id"]
    emu.advance(30)
    assert v5.show(later)["batchtask"]["status"] == "Waitting"
    v5.error("POST", "/batchtasks/%s/retry" % later, 400, "IOTDA.014902", body={})
    emu.advance(500)
    assert v5.show(task_id)["batchtask"]["status"] == "Success"
    v5.error("POST", "/batchtasks/%s/retry" % task_id, 400, "IOTDA.014902")
    emu.advance(3600)
    assert v5.show(later)["batchtask"]["status"] == "Success"


def test_need_confirm_starts_only_after_confirm(emu, v5):
    task_id = v5.create(targets=["iotda-meter-0020", "iotda-meter-0021"], need_confirm=True)["task_id"]
    emu.advance(1000)
    shown = v5.show(task_id)
    assert shown["batchtask"]["status"] == "Waitting" and shown["batchtask"]["need_confirm"] is True
    first = v5.ok("POST", "/batchtasks/%s/confirm" % task_id, body={"targets": ["iotda-meter-0020"]})
    assert first["targets"] == [{"target": "iotda-meter-0020", "status": "success", "error_code": None, "error_msg": None}]
    emu.advance(500)
    assert v5.show(task_id)["batchtask"]["task_progress"]["success"] == 1
    rest = v5.ok("POST", "/batchtasks/%s/confirm" % task_id, body={})
    assert [row["target"] for row in rest["targets"]] == ["iotda-meter-0021"]
    emu.advance(500)
    assert v5.show(task_id)["batchtask"]["status"] == "Success"
    plain = v5.create(targets=["iotda-meter-0022"])["task_id"]
    v5.error("POST", "/batchtasks/%s/confirm" % plain, 400, "IOTDA.014902", body={})


def test_quota_of_ten_unfinished_tasks_per_type(emu, v5):
    for number in range(1, 11):
        v5.create(targets=["iotda-meter-%04d" % (30 + number)], task_name="wave_%d" % number)
    message = v5.error("POST", "/batchtasks", 400, "IOTDA.014903",
                       body={"task_name": "eleven", "task_type": "firmwareUpgrade", "targets": ["iotda-meter-0050"],
                             "document": {"package_ids": [FW]}})
    assert "10" in message
    v5.create(targets=["iotda-meter-0050"], package="iotda-sw-2.0.0", task_type="softwareUpgrade")  # other type
    emu.advance(500)
    v5.create(targets=["iotda-meter-0050"], task_name="after")  # the ten finished


def test_paging_order_and_limits(emu, v5):
    ids = [v5.create(targets=["iotda-meter-%04d" % (60 + number)], task_name="page_%d" % number)["task_id"]
           for number in range(5)]
    assert ids == sorted(ids)
    first = v5.ok("GET", "/batchtasks", params={"limit": 2})
    assert [task["task_id"] for task in first["batchtasks"]] == ids[::-1][:2]
    assert first["page"] == {"count": 5, "marker": ids[3]}
    second = v5.ok("GET", "/batchtasks", params={"limit": 2, "marker": first["page"]["marker"]})
    assert [task["task_id"] for task in second["batchtasks"]] == [ids[2], ids[1]]
    skipped = v5.ok("GET", "/batchtasks", params={"limit": 50, "offset": 3})
    assert [task["task_id"] for task in skipped["batchtasks"]] == [ids[1], ids[0]]
    assert v5.ok("GET", "/batchtasks", params={"marker": ids[0]})["batchtasks"] == []
    for limit in (0, 51, "x"):
        v5.error("GET", "/batchtasks", 400, "IOTDA.000017", params={"limit": limit})
    assert "offset" in v5.error("GET", "/batchtasks", 400, "IOTDA.000006", params={"offset": 501})
    assert "marker" in v5.error("GET", "/batchtasks", 400, "IOTDA.000006", params={"marker": "123"})
    assert "task_type" in v5.error("GET", "/batchtasks", 400, "IOTDA.000006", params={"task_type": "firmware_upgrade"})
    big = v5.create(targets=["iotda-meter-%04d" % number for number in range(100, 160)], task_name="big")["task_id"]
    pages, marker = [], None
    while True:
        params = {"limit": 50} if marker is None else {"limit": 50, "marker": marker}
        shown = v5.show(big, **params)
        pages.append([row["target"] for row in shown["task_details"]])
        marker = shown["page"]["marker"]
        if len(shown["task_details"]) < 50:
            break
    assert [len(page) for page in pages] == [50, 10] and len(set(sum(pages, []))) == 60


BASE_BODY = {"task_name": "ok_name", "task_type": "firmwareUpgrade", "targets": ["iotda-meter-0001"],
             "document": {"package_ids": [FW]}}


@pytest.mark.parametrize("changes, field, code", [
    ({"task_name": None}, "task_name", "IOTDA.000006"),
    ({"task_name": "has-dash"}, "task_name", "IOTDA.000006"),
    ({"task_name": "x" * 129}, "task_name", "IOTDA.000006"),
    ({"task_type": "firmware_upgrade"}, "task_type", "IOTDA.000006"),
    ({"task_type": None}, "task_type", "IOTDA.000006"),
    ({"app_id": "bad app"}, "app_id", "IOTDA.000006"),
    ({"targets": []}, "targets", "IOTDA.000006"),
    ({"targets": ["bad id!"]}, "targets", "IOTDA.000006"),
    ({"targets": ["d%d" % number for number in range(30001)]}, "targets", "IOTDA.000006"),
    ({"targets": None}, "targets", "IOTDA.000006"),
    ({"targets": None, "targets_filter": {"group_ids": ["nope"]}}, "targets_filter.group_ids", "IOTDA.000006"),
    ({"document": None}, "document", "IOTDA.000006"),
    ({"document": {"package_ids": []}}, "document.package_ids", "IOTDA.000006"),
    ({"document": {"package_ids": ["iotda-sw-2.0.0"]}}, "document.package_ids", "IOTDA.000006"),
    ({"task_policy": {"retry_count": 6, "retry_interval": 5}}, "task_policy.retry_count", "IOTDA.000006"),
    ({"task_policy": {"retry_count": 2}}, "task_policy.retry_interval", "IOTDA.000006"),
    ({"task_policy": {"retry_count": 2, "retry_interval": 1441}}, "task_policy.retry_interval", "IOTDA.000006"),
    ({"task_policy": {"schedule_time": "2030-01-01 00:00"}}, "task_policy.schedule_time", "IOTDA.000009"),
    ({"task_policy": {"schedule_time": "20200101T000000Z"}}, "task_policy.schedule_time", "IOTDA.000006"),
    ({"task_mode": "DIRECT"}, "task_mode", "IOTDA.000006"),
    ({"need_confirm": "yes"}, "need_confirm", "IOTDA.000006"),
    ({"task_ext_info": {"k": "v" * 600}}, "task_ext_info", "IOTDA.000006"),
    ({"task_ext_info": {"k": "v" * 505}}, "task_ext_info", "IOTDA.000006"),  # 513 characters as compact JSON
    ({"task_ext_info": "a string"}, "task_ext_info", "IOTDA.000006"),  # an object (§10.2), not a string
])
def test_validation_errors_name_the_field(v5, changes, field, code):
    body = dict(BASE_BODY)
    body.update(changes)
    body = dict((key, value) for key, value in body.items() if value is not None)
    message = v5.error("POST", "/batchtasks", 400, code, body=body)
    assert field in message


def test_accepted_variants(emu, v5):
    by_group = v5.ok("POST", "/batchtasks", status=201, body=dict(
        BASE_BODY, targets=None, targets_filter={"group_ids": ["iotda-lab"]}, task_ext_info={"wave": 1},
        task_mode="GATEWAY", document={"package_id": FW}))
    assert by_group["task_progress"]["total"] == 10 and by_group["document"] == {"package_id": FW}
    longest = v5.ok("POST", "/batchtasks", status=201, body=dict(BASE_BODY, targets=["iotda-meter-0019"],
                                                                 task_ext_info={"k": "v" * 504}))
    assert longest["task_ext_info"] == {"k": "v" * 504}  # 512 characters as compact JSON: accepted, echoed
    v5.error("POST", "/batchtasks", 400, "IOTDA.000008", body=b"{not json")
    v5.error("GET", "/batchtasks/0123456789abcdef01234567", 404, "IOTDA.014900")


def test_ota_packages(v5):
    listed = v5.ok("GET", "/ota-upgrades/packages")
    assert sorted(package["package_id"] for package in listed["packages"]) == ["iotda-fw-2.0.0", "iotda-sw-2.0.0"]
    firmware = v5.ok("GET", "/ota-upgrades/packages", params={"package_type": "firmwarePackage", "product_id": "iotda-meter",
                                                              "version": "2.0.0"})
    assert [package["package_id"] for package in firmware["packages"]] == [FW] and firmware["page"]["count"] == 1
    assert v5.ok("GET", "/ota-upgrades/packages/" + FW) == {
        "package_id": FW, "app_id": "iotda-demo-app", "package_type": "firmwarePackage", "product_id": "iotda-meter",
        "version": "2.0.0"}
    v5.error("GET", "/ota-upgrades/packages/nope", 404, "IOTDA.014901")
    v5.error("GET", "/ota-upgrades/packages", 400, "IOTDA.000017", params={"limit": 51})
    v5.error("GET", "/ota-upgrades/devices", 404, "APIGW.0101")  # no v5 device query is served


# --------------------------------------------------------------------------- throttle, faults, control


def test_throttle_answers_429(make_emulator):
    emulator = make_emulator(behaviour={"iotda_calls_per_second": 3})
    client = V5(emulator)
    statuses = [client.raw("GET", "/batchtasks").status_code for dummy in range(4)]
    assert statuses[:3] == [200, 200, 200] and statuses[3] == 429
    response = client.raw("GET", "/batchtasks")
    assert response.status_code == 429 and response.json()["error_code"] == "APIGW.0308"
    assert emulator.control("GET", "stats")["huawei_iotda"]["throttled"] >= 2


def test_faults_apply_to_v5_routes(emu, v5):
    emu.inject(platform="huawei_iotda", kind="drop_response", method="POST", path=BASE + "/batchtasks")
    with pytest.raises(requests.exceptions.ConnectionError):
        v5.raw("POST", "/batchtasks", body=BASE_BODY)
    assert len(emu.state()["huawei_iotda"]["tasks"]) == 1  # the work was done
    emu.inject(kind="http_503", path="/v5/")
    assert v5.raw("GET", "/batchtasks").status_code == 503
    emu.inject(platform="huawei_iotda", kind="throttle")
    assert v5.raw("GET", "/batchtasks").status_code == 429
    emu.inject(platform="huawei_iotda", kind="slow_commit", delay=0.2, commit_after=30)
    with pytest.raises(requests.exceptions.RequestException):
        v5.raw("POST", "/batchtasks", body=dict(BASE_BODY, targets=["iotda-meter-0002"]))
    assert len(emu.state()["huawei_iotda"]["tasks"]) == 1 and emu.state()["pending_commits"][0]["platform"] == "huawei_iotda"
    emu.advance(30)
    assert len(emu.state()["huawei_iotda"]["tasks"]) == 2
    emu.inject(platform="huawei_iotda", kind="mutate", set={"page.count": "many"})
    assert v5.ok("GET", "/batchtasks")["page"]["count"] == "many"
    log = emu.requests("huawei_iotda")
    assert [entry["fault"] for entry in log] == ["drop_response", "http_503", "throttle", "slow_commit", "mutate"]


def test_stats_state_and_duplicates(emu, v5):
    v5.create(targets=["iotda-meter-0001", "iotda-meter-0002"])
    v5.create(targets=["iotda-meter-0002"])
    v5.raw("GET", "/batchtasks")
    v5.raw("GET", "/batchtasks", sk="wrong")
    stats = emu.control("GET", "stats")
    iot = stats["huawei_iotda"]
    assert (iot["calls"], iot["creates"], iot["tasks"], iot["errors"]) == (4, 2, 2, 1)
    assert iot["by_kind"] == {"create_batch_task": 2, "list_batch_tasks": 2} and iot["by_error"] == {"APIGW.0301": 1}
    [duplicate] = iot["duplicates"]
    assert duplicate["device_id"] == "iotda-meter-0002" and len(duplicate["tasks"]) == 2
    assert stats["huawei"]["calls"] == 0 and stats["tencent"]["calls"] == 0
    state = emu.state()
    assert len(state["huawei_iotda"]["devices"]) == 300 and len(state["huawei"]["devices"]) == 20
    assert state["huawei_iotda"]["tasks"][0]["task_details"][0]["target"] == "iotda-meter-0001"
    coverage = emu.control("GET", "coverage?platform=huawei_iotda&device=iotda-meter-0002")
    assert coverage["count"] == 2
    emu.control("POST", "devices", {"huawei_iotda": {"iotda-meter-0100": {"fw_version": "2.0.0"}}})
    versions = dict((d["device_id"], d["fw_version"]) for d in emu.state()["huawei_iotda"]["devices"])
    assert versions["iotda-meter-0100"] == "2.0.0"
