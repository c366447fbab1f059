"""Huawei legacy northbound API of the emulator: auth, throttle, every documented create error, queries."""


import pytest
import requests

from emu_helpers import API, SEC, TIMEOUT, huawei_time
from kit.clock import Clock
from kit.credentials import HUAWEI_APP_ID, HUAWEI_SECRET

GROUP_TARGETS = {"deviceGroups": ["lab"], "deviceType": "WaterMeter", "model": "WM-100", "manufacturerName": "Acme"}


def body(targets=None, policy=None, file_id="fw-wm100-2.0.0"):
    result = {"fileId": file_id, "targets": targets or dict(GROUP_TARGETS)}
    if policy is not None:
        result["policy"] = policy
    return result


def custom(start=600, end=1800):
    return {"executeType": "custom", "startTime": huawei_time(start), "endTime": huawei_time(end)}


# --------------------------------------------------------------------------- authentication


def test_login_form_and_json(emulator):
    form = requests.post(emulator.url + SEC + "/login", data={"appId": HUAWEI_APP_ID, "secret": HUAWEI_SECRET}, timeout=TIMEOUT)
    assert form.status_code == 200
    data = form.json()
    assert data["scope"] == "default" and data["tokenType"] == "bearer" and data["expiresIn"] == 3600
    assert data["accessToken"] and data["refreshToken"]
    as_json = requests.post(emulator.url + SEC + "/login", json={"appId": HUAWEI_APP_ID, "secret": HUAWEI_SECRET}, timeout=TIMEOUT)
    assert as_json.status_code == 200 and as_json.json()["accessToken"] != data["accessToken"]


@pytest.mark.parametrize("secret", ["wrong", ""])
def test_login_bad_credentials(emulator, secret):
    response = requests.post(emulator.url + SEC + "/login", data={"appId": HUAWEI_APP_ID, "secret": secret or "x"}, timeout=TIMEOUT)
    assert response.status_code == 401
    assert response.json() == {"error_code": "100208", "error_desc": "AppId or secret is not right."}


def test_only_the_newest_token_is_valid(emulator):
    client = emulator.huawei()
    first = client.login()["accessToken"]
    second = client.login()["accessToken"]
    old = client.get("/operations", token=first)
    assert old.status_code == 403 and old.json()["error_code"] == "1010005"
    assert old.json()["error_desc"] == "App_key or access_token is invalid."
    assert client.get("/operations", token=second).status_code == 200


def test_token_expires(make_emulator):
    clock = Clock()
    emulator = make_emulator(behaviour={"huawei_token_ttl": 1}, clock=clock)
    client = emulator.huawei()
    assert client.login()["expiresIn"] == 1
    clock.advance(0.99)
    assert client.get("/operations").status_code == 200
    clock.advance(0.01)
    response = client.get("/operations")
    assert response.status_code == 403 and response.json()["error_code"] == "1010005"


@pytest.mark.parametrize("headers", [
    {"app_key": "other-app"},
    {"Authorization": "Bearer not-a-token"},
    {"Authorization": None},
    {"app_key": None},
])
def test_bad_app_key_or_token(huawei, headers):
    sent = huawei.headers()
    sent.update(headers)
    sent = dict((key, value) for key, value in sent.items() if value is not None)
    response = requests.get(huawei.url + API + "/operations", headers=sent, timeout=TIMEOUT)
    assert response.status_code == 403 and response.json()["error_code"] == "1010005"


def test_refresh_token_and_logout(huawei):
    old_refresh = huawei.login()["refreshToken"]
    old_access = huawei.token
    response = requests.post(huawei.url + SEC + "/refreshToken", timeout=TIMEOUT,
                             json={"appId": HUAWEI_APP_ID, "secret": HUAWEI_SECRET, "refreshToken": old_refresh})
    assert response.status_code == 200
    new_access = response.json()["accessToken"]
    assert huawei.get("/operations", token=old_access).status_code == 403
    assert huawei.get("/operations", token=new_access).status_code == 200
    again = requests.post(huawei.url + SEC + "/refreshToken", timeout=TIMEOUT,
                          json={"appId": HUAWEI_APP_ID, "secret": HUAWEI_SECRET, "refreshToken": old_refresh})
    assert again.status_code == 401 and again.json()["error_code"] == "100006"
    logout = requests.post(huawei.url + SEC + "/logout", json={"accessToken": new_access}, timeout=TIMEOUT)
    assert logout.status_code == 204
    assert huawei.get("/operations", token=new_access).status_code == 403


def test_throttle_per_rolling_minute(make_emulator):
    emulator = make_emulator(behaviour={"huawei_calls_per_minute": 5})
    client = emulator.huawei()
    client.login()
    assert [client.get("/operations").status_code for dummy in range(5)] == [200] * 5
    response = client.get("/operations")
    assert response.status_code == 403
    assert response.json() == {"error_code": "1010009", "error_desc": "app throttle exceed."}


def test_default_throttle_is_100_per_minute(huawei):
    statuses = [huawei.get("/category").status_code for dummy in range(101)]
    assert statuses[:100] == [200] * 100 and statuses[100] == 403


# --------------------------------------------------------------------------- create: every documented error


CREATE_ERRORS = [
    ("malformed-json", None, 400, "120015"),
    ("missing-fileId", {"targets": GROUP_TARGETS}, 400, "120015"),
    ("missing-targets", {"fileId": "fw-wm100-2.0.0"}, 400, "120015"),
    ("devices-not-a-list", body({"devices": "hw-meter-0001"}), 400, "120015"),
    ("retryType-not-boolean", body(policy={"executeType": "now", "retryType": "yes"}), 400, "120015"),
    ("targets-do-not-match-package", body(dict(GROUP_TARGETS, deviceType="GasMeter")), 400, "123016"),
    ("manufacturerName-missing", body(dict(GROUP_TARGETS, manufacturerName=None)), 400, "123019"),
    ("deviceType-missing", body(dict(GROUP_TARGETS, deviceType=None)), 400, "123020"),
    ("model-missing", body(dict(GROUP_TARGETS, model=None)), 400, "123021"),
    ("no-groups-no-devices", body({"deviceType": "WaterMeter"}), 400, "123022"),
    ("groups-and-devices", body(dict(GROUP_TARGETS, devices=["hw-meter-0001"])), 400, "123023"),
    ("257-devices", body({"devices": ["hw-meter-%04d" % n for n in range(1, 258)]}), 400, "123024"),
    ("257-groups", body(dict(GROUP_TARGETS, deviceGroups=["g%d" % n for n in range(257)])), 400, "123024"),
    ("executeType-missing", body(policy={"retryType": False}), 400, "123025"),
    ("executeType-bad", body(policy={"executeType": "later"}), 400, "123025"),
    ("custom-without-endTime", body(policy={"executeType": "custom", "startTime": huawei_time(600)}), 400, "123026"),
    ("custom-bad-time-format", body(policy={"executeType": "custom", "startTime": "2030-01-01 00:00:00",
                                            "endTime": huawei_time(3600)}), 400, "123026"),
    ("retryTimes-missing", body(policy={"executeType": "now", "retryType": True}), 400, "123028"),
    ("retryTimes-6", body(policy={"executeType": "now", "retryType": True, "retryTimes": 6}), 400, "123028"),
    ("retryTimes-0", body(policy={"executeType": "now", "retryType": True, "retryTimes": 0}), 400, "123028"),
    ("start-after-end", body(policy=custom(3600, 1800)), 400, "123032"),
    ("start-in-the-past", body(policy=custom(-3600, 1800)), 400, "123033"),
    ("window-under-5-minutes", body(policy=custom(600, 840)), 400, "123034"),
    ("unknown-package", body(file_id="fw-unknown"), 404, "123002"),
    ("unknown-device", body({"devices": ["hw-meter-9999"]}), 404, "123002"),
]

ERROR_DESCS = {
    "120015": "Bad request error.",
    "123016": "The parameter is error, targetversion not match with device.",
    "123019": "manufacturerName is null.",
    "123020": "deviceType is null",
    "123021": "model is null.",
    "123022": "deviceGroups and devices cannot be null together",
    "123023": "deviceGroups and devices cannot be exist together",
    "123024": "The number of deviceGroups or devices reached upper limit",
    "123025": "executeType is error or can not to be null.",
    "123026": "startTime or endTime is null or error.",
    "123028": "retryTimes is null or beyond the limit.",
    "123032": "startTime can not be later than the endTime.",
    "123033": "startTime can not be earlier than the now.",
    "123034": "endtime must be greater than 5 minutes.",
    "123002": "Device or package file not found.",
}


@pytest.mark.parametrize("name,payload,status,code", CREATE_ERRORS, ids=[item[0] for item in CREATE_ERRORS])
def test_create_errors(emulator, huawei, name, payload, status, code):
    if payload is None:
        response = huawei.post("/operations/firmwareUpgrade", data=b"{not json")
    else:
        response = huawei.create(payload)
    assert response.status_code == status, response.text
    error = response.json()
    assert error["error_code"] == code
    if name not in ("missing-fileId", "missing-targets", "malformed-json", "devices-not-a-list", "retryType-not-boolean"):
        assert error["error_desc"] == ERROR_DESCS[code]
    assert emulator.state()["huawei"]["tasks"] == []


def test_create_error_throttle(make_emulator):
    emulator = make_emulator(behaviour={"huawei_calls_per_minute": 1})
    client = emulator.huawei()
    client.login()
    assert client.get("/operations").status_code == 200
    response = client.create(body())
    assert response.status_code == 403 and response.json()["error_code"] == "1010009"
    assert emulator.state()["huawei"]["tasks"] == []


def test_create_error_invalid_token(emulator, huawei):
    response = huawei.post("/operations/firmwareUpgrade", body(), token="stale-token")
    assert response.status_code == 403 and response.json()["error_code"] == "1010005"
    assert emulator.state()["huawei"]["tasks"] == []


def test_device_of_another_model_does_not_match_package(make_emulator):
    fleet = {"huawei": {"apps": [{"appId": HUAWEI_APP_ID, "secret": HUAWEI_SECRET}],
                        "packages": [{"fileId": "p2", "version": "2.0.0", "deviceType": "WaterMeter", "model": "WM-100",
                                      "manufacturerName": "Acme"}],
                        "devices": [{"deviceId": "d1", "deviceType": "WaterMeter", "model": "WM-200",
                                     "manufacturerName": "Acme"}]}}
    emulator = make_emulator(fleet=fleet)
    client = emulator.huawei()
    client.login()
    response = client.create({"fileId": "p2", "targets": {"devices": ["d1"]}})
    assert response.status_code == 400 and response.json()["error_code"] == "123016"


def test_errors_with_http_200(make_emulator):
    emulator = make_emulator(behaviour={"huawei_errors_with_http_200": True})
    client = emulator.huawei()
    client.login()
    response = client.create(body({"deviceType": "WaterMeter"}))
    assert response.status_code == 200 and response.json()["error_code"] == "123022"


# --------------------------------------------------------------------------- create and query


def test_create_and_query_task(huawei):
    operation_id = huawei.create_ok(body())
    assert len(operation_id) == 24 and int(operation_id, 16) >= 0
    task = huawei.task(operation_id)
    assert task["operationId"] == operation_id
    assert task["operateType"] == "firmware_upgrade"
    assert task["targets"]["deviceGroups"] == ["lab"]
    assert task["policy"] == {"executeType": "now", "retryType": False}
    assert task["status"] == "processing"
    assert task["staResult"] == {"total": 10, "wait": 0, "processing": 10, "success": 0, "fail": 0, "stop": 0, "timeout": 0}
    assert task["extendPara"] == {"fileId": "fw-wm100-2.0.0", "fileVersion": "2.0.0"}
    assert len(task["createTime"]) == 16 and task["createTime"].endswith("Z") and task["stopTime"] is None


def test_software_upgrade_and_policy_echo(huawei):
    policy = {"executeType": "now", "retryType": True, "retryTimes": 3}
    operation_id = huawei.create_ok(body(policy=policy), kind="softwareUpgrade")
    task = huawei.task(operation_id)
    assert task["operateType"] == "software_upgrade" and task["policy"] == policy


def test_unknown_task_is_404(huawei):
    response = huawei.get("/operations/000000000000000000000000")
    assert response.status_code == 404 and response.json()["error_code"] == "123009"


def test_custom_schedule_waits_for_start_time(emulator, huawei):
    operation_id = huawei.create_ok(body(policy=custom(600, 1800)))
    assert huawei.task(operation_id)["status"] == "wait"
    assert {sub["status"] for sub in huawei.subtasks(operation_id)["data"]} == {"wait"}
    emulator.advance(700)
    assert huawei.task(operation_id)["status"] == "processing"


def test_list_tasks_paging_newest_first(huawei):
    ids = [huawei.create_ok(body()) for dummy in range(3)]
    first = huawei.get("/operations", {"pageNo": 0, "pageSize": 2}).json()
    assert first["pageNo"] == 0 and first["pageSize"] == 2
    assert first["totalCount"] == 3 and first["totalSize"] == 3
    assert [task["operationId"] for task in first["data"]] == [ids[2], ids[1]]
    second = huawei.get("/operations", {"pageNo": 1, "pageSize": 2}).json()
    assert [task["operationId"] for task in second["data"]] == [ids[0]]
    default = huawei.get("/operations").json()
    assert default["pageNo"] == 0 and default["pageSize"] == 10 and len(default["data"]) == 3


@pytest.mark.parametrize("params", [{"pageSize": 0}, {"pageSize": 101}, {"pageNo": -1}, {"pageNo": "x"}])
def test_list_tasks_bad_paging(huawei, params):
    response = huawei.get("/operations", params)
    assert response.status_code == 400 and response.json()["error_code"] == "120015"


def test_list_tasks_filters(emulator, huawei):
    lab = huawei.create_ok(body())
    device = huawei.create_ok(body({"devices": ["hw-meter-0015"]}), kind="softwareUpgrade")
    by_device = huawei.get("/operations", {"deviceId": "hw-meter-0015"}).json()
    assert [task["operationId"] for task in by_device["data"]] == [device]
    by_type = huawei.get("/operations", {"operationType": "firmware_upgrade"}).json()
    assert [task["operationId"] for task in by_type["data"]] == [lab]
    assert huawei.get("/operations", {"operationStatus": "success"}).json()["totalCount"] == 0
    emulator.advance(10000)
    assert huawei.get("/operations", {"operationStatus": "success"}).json()["totalCount"] == 2
    assert huawei.get("/operations", {"model": "WM-100", "manufacturerName": "Acme"}).json()["totalCount"] == 2
    assert huawei.get("/operations", {"deviceType": "GasMeter"}).json()["totalCount"] == 0


def test_subtasks_of_group_targets(huawei):
    operation_id = huawei.create_ok(body(dict(GROUP_TARGETS, deviceGroups=["north"])))
    page = huawei.subtasks(operation_id, pageNo=0, pageSize=4)
    assert page["totalCount"] == 10 and page["pageSize"] == 4 and len(page["data"]) == 4
    sub = page["data"][0]
    assert set(sub) == {"subOperationId", "createTime", "startTime", "stopTime", "operateType", "deviceId", "status",
                        "detailInfo", "extendInfo"}
    assert sub["operateType"] == "firmware_upgrade" and sub["status"] == "processing"
    devices = [item["deviceId"] for item in huawei.subtasks(operation_id)["data"]]
    assert devices == ["hw-meter-%04d" % n for n in range(1, 21, 2)]  # the odd devices are in "north"
    assert huawei.subtasks(operation_id, subOperationStatus="success")["totalCount"] == 0
    bad = huawei.get("/operations/%s/subOperations" % operation_id, {"subOperationStatus": "failed"})
    assert bad.status_code == 400 and bad.json()["error_code"] == "120015"


def test_group_targets_match_device_attributes(make_emulator):
    fleet = {"huawei": {"apps": [{"appId": HUAWEI_APP_ID, "secret": HUAWEI_SECRET}],
                        "packages": [{"fileId": "p2", "version": "2.0.0", "deviceType": "WaterMeter", "model": "WM-100",
                                      "manufacturerName": "Acme"}],
                        "devices": [{"deviceId": "d1", "deviceType": "WaterMeter", "model": "WM-100",
                                     "manufacturerName": "Acme", "groups": ["g"]},
                                    {"deviceId": "d2", "deviceType": "WaterMeter", "model": "WM-200",
                                     "manufacturerName": "Acme", "groups": ["g"]}]}}
    emulator = make_emulator(fleet=fleet)
    client = emulator.huawei()
    client.login()
    operation_id = client.create_ok({"fileId": "p2", "targets": dict(GROUP_TARGETS, deviceGroups=["g"])})
    assert [sub["deviceId"] for sub in client.subtasks(operation_id)["data"]] == ["d1"]


def test_packages(huawei):
    listing = huawei.get("/category").json()
    assert listing["totalCount"] == 2 and listing["pageNo"] == 0 and listing["pageSize"] == 10
    assert {item["fileId"] for item in listing["data"]} == {"fw-wm100-1.0.0", "fw-wm100-2.0.0"}
    assert huawei.get("/category", {"version": "2.0.0"}).json()["totalCount"] == 1
    assert huawei.get("/category", {"fileType": "softwarePackage"}).json()["totalCount"] == 0
    package = huawei.get("/category/fw-wm100-2.0.0").json()
    assert set(package) == {"fileId", "name", "version", "fileType", "deviceType", "model", "manufacturerName",
                            "protocolType", "description", "date", "uploadTime"}
    assert package["version"] == "2.0.0" and package["fileType"] == "firmwarePackage"
    missing = huawei.get("/category/fw-nope")
    assert missing.status_code == 404 and missing.json()["error_code"] == "123002"
