"""Device queries with current firmware versions: Huawei /iocm/app/dm/v1.4.0/devices, Tencent GetDeviceList & co."""

import json

import pytest
import requests

from emu_helpers import PRODUCT, TIMEOUT
from kit.credentials import HUAWEI_APP_ID, TENCENT_SECRET_KEY

DM = "/iocm/app/dm/v1.4.0"
DONE = 400  # simulated seconds after which every default upgrade (300 s +- 25 %) has finished


def hw_get(huawei, path, params=None, token=None):
    return requests.get(huawei.url + DM + path, params=params, headers=huawei.headers(token), timeout=TIMEOUT)


def hw_devices(huawei, **params):
    response = hw_get(huawei, "/devices", params)
    assert response.status_code == 200, response.text
    return response.json()


# --------------------------------------------------------------------------- Huawei


def test_huawei_device_list_defaults_and_shape(huawei):
    page = hw_devices(huawei)
    assert (page["totalCount"], page["pageNo"], page["pageSize"]) == (20, 0, 10)
    assert [device["deviceId"] for device in page["devices"]] == ["hw-meter-%04d" % n for n in range(1, 11)]
    device = page["devices"][0]
    assert set(device) == {"deviceId", "gatewayId", "nodeType", "createTime", "lastModifiedTime", "deviceInfo", "services"}
    info = device["deviceInfo"]
    assert (info["manufacturerName"], info["deviceType"], info["model"]) == ("Acme", "WaterMeter", "WM-100")
    assert (info["fwVersion"], info["swVersion"], info["status"], info["protocolType"]) == ("1.0.0", "1.0.0", "ONLINE", "CoAP")
    assert device["services"] == [] and device["gatewayId"] == "hw-meter-0001" and len(device["createTime"]) == 16


def test_huawei_device_list_paging_and_limits(huawei):
    page = hw_devices(huawei, pageNo=1, pageSize=15)
    assert [d["deviceId"] for d in page["devices"]] == ["hw-meter-%04d" % n for n in range(16, 21)]
    assert hw_devices(huawei, pageNo=5, pageSize=100)["devices"] == []
    assert len(hw_devices(huawei, pageSize=100)["devices"]) == 20
    for bad in ({"pageSize": 101}, {"pageSize": 0}, {"pageNo": -1}, {"pageSize": "x"}):
        response = hw_get(huawei, "/devices", bad)
        assert response.status_code == 400 and response.json()["error_code"] == "120015", bad
    ignored = {"startTime": "20260101T000000Z", "endTime": "20270101T000000Z", "sort": "ASC", "select": "imsi",
               "appId": HUAWEI_APP_ID}
    assert hw_devices(huawei, **ignored)["totalCount"] == 20


def test_huawei_device_filters(emulator, huawei):
    emulator.control("POST", "devices", {"huawei": {"hw-meter-0003": {"online": False}}})
    offline = hw_devices(huawei, status="OFFLINE")
    assert offline["totalCount"] == 1 and offline["devices"][0]["deviceInfo"]["status"] == "OFFLINE"
    assert hw_devices(huawei, status="ONLINE")["totalCount"] == 19
    assert hw_devices(huawei, deviceType="WaterMeter", nodeType="GATEWAY")["totalCount"] == 20
    assert hw_devices(huawei, deviceType="GasMeter")["totalCount"] == 0
    assert [d["deviceId"] for d in hw_devices(huawei, gatewayId="hw-meter-0007")["devices"]] == ["hw-meter-0007"]


def test_huawei_versions_follow_completed_upgrades(emulator, huawei):
    huawei.create_ok({"fileId": "fw-wm100-2.0.0", "targets": {"devices": ["hw-meter-0001"]}})
    before = hw_get(huawei, "/devices/hw-meter-0001").json()
    assert before["deviceInfo"]["fwVersion"] == "1.0.0"
    emulator.advance(DONE)
    after = hw_get(huawei, "/devices/hw-meter-0001").json()
    assert after["deviceInfo"]["fwVersion"] == "2.0.0" and after["deviceInfo"]["swVersion"] == "1.0.0"
    assert after["lastModifiedTime"] > before["lastModifiedTime"]
    assert hw_devices(huawei)["devices"][0]["deviceInfo"]["fwVersion"] == "2.0.0"
    assert hw_devices(huawei)["devices"][1]["deviceInfo"]["fwVersion"] == "1.0.0"


def test_huawei_unknown_device_auth_and_throttle(make_emulator):
    emulator = make_emulator(behaviour={"huawei_calls_per_minute": 2})
    huawei = emulator.huawei()
    huawei.login()
    missing = hw_get(huawei, "/devices/hw-meter-9999")
    assert missing.status_code == 404 and missing.json()["error_code"] == "100403"
    bad_token = hw_get(huawei, "/devices", token="nope")
    assert bad_token.status_code == 403 and bad_token.json()["error_code"] == "1010005"
    assert hw_get(huawei, "/devices").status_code == 200
    throttled = hw_get(huawei, "/devices")
    assert throttled.status_code == 403 and throttled.json() == {"error_code": "1010009", "error_desc": "app throttle exceed."}


# --------------------------------------------------------------------------- Tencent


def test_tencent_device_list(tencent):
    answer = tencent.ok("GetDeviceList", {"ProductId": PRODUCT})
    assert answer["Total"] == 20 and len(answer["Devices"]) == 10
    device = answer["Devices"][0]
    assert device["DeviceName"] == "tc-sensor-0001" and device["Status"] == 1 and device["Version"] == "1.0.0"
    assert device["ProductId"] == PRODUCT and device["ProductName"] == "SmartSensor" and device["EnableState"] == 1
    for field in ("CreateTime", "LoginTime", "DeviceType"):
        assert isinstance(device[field], int)
    for secret in ("DevicePsk", "DeviceCert", "AppKey", "AppSKey", "NwkSKey"):
        assert secret not in device
    assert TENCENT_SECRET_KEY not in json.dumps(answer)
    page = tencent.ok("GetDeviceList", {"ProductId": PRODUCT, "Offset": 15, "Limit": 100})
    assert [d["DeviceName"] for d in page["Devices"]] == ["tc-sensor-%04d" % n for n in range(16, 21)]


@pytest.mark.parametrize("params,code", [
    ({}, "MissingParameter"),
    ({"ProductId": PRODUCT, "Limit": 101}, "InvalidParameterValue"),
    ({"ProductId": PRODUCT, "Limit": 0}, "InvalidParameterValue"),
    ({"ProductId": PRODUCT, "Offset": -1}, "InvalidParameterValue"),
    ({"ProductId": "NOPE"}, "ResourceNotFound.StudioProductNotExist"),
    ({"ProductID": PRODUCT}, "UnknownParameter"),
])
def test_tencent_device_list_errors(tencent, params, code):
    assert tencent.error("GetDeviceList", params) == code


def test_tencent_device_list_filters_and_versions(emulator, tencent):
    task_id = tencent.create(DeviceNames=["tc-sensor-0002", "tc-sensor-0003"])
    on_two = {"ProductId": PRODUCT, "FirmwareVersion": "2.0.0"}
    assert tencent.ok("GetDeviceList", on_two)["Total"] == 0
    emulator.advance(DONE)
    assert [row["Status"] for row in tencent.rows(task_id)] == [6, 6]
    assert [d["DeviceName"] for d in tencent.ok("GetDeviceList", on_two)["Devices"]] == ["tc-sensor-0002", "tc-sensor-0003"]
    assert tencent.ok("GetDeviceList", dict(on_two, FwType="mcu"))["Total"] == 2
    assert tencent.ok("GetDeviceList", dict(on_two, FwType="module"))["Total"] == 0
    assert tencent.ok("GetDeviceList", {"ProductId": PRODUCT, "FirmwareVersion": "1.0.0"})["Total"] == 18
    named = tencent.ok("GetDeviceList", {"ProductId": PRODUCT, "DeviceName": "tc-sensor-001"})  # a substring
    assert [d["DeviceName"] for d in named["Devices"]] == ["tc-sensor-%04d" % n for n in range(10, 20)]
    emulator.control("POST", "devices", {"tencent": {PRODUCT + "/tc-sensor-0001": {"online": False}}})
    assert tencent.ok("GetDeviceList", {"ProductId": PRODUCT, "Limit": 1})["Devices"][0]["Status"] == 0


def test_tencent_describe_device_and_firmwares(emulator, tencent):
    device = tencent.ok("DescribeDevice", {"ProductId": PRODUCT, "DeviceName": "tc-sensor-0004"})["Device"]
    assert device["DeviceName"] == "tc-sensor-0004" and device["Version"] == "1.0.0"
    firmwares = tencent.ok("DescribeDeviceFirmwares", {"ProductId": PRODUCT, "DeviceName": "tc-sensor-0004"})["Firmwares"]
    assert [(fw["FwType"], fw["Version"]) for fw in firmwares] == [("mcu", "1.0.0")]
    created = firmwares[0]["UpdateTime"]
    tencent.create(DeviceNames=["tc-sensor-0004"])
    emulator.advance(DONE)
    firmwares = tencent.ok("DescribeDeviceFirmwares", {"ProductId": PRODUCT, "DeviceName": "tc-sensor-0004"})["Firmwares"]
    assert firmwares[0]["Version"] == "2.0.0" and firmwares[0]["UpdateTime"] > created
    assert tencent.ok("DescribeDevice", {"ProductId": PRODUCT, "DeviceName": "tc-sensor-0004"})["Device"]["Version"] == "2.0.0"
    for action in ("DescribeDevice", "DescribeDeviceFirmwares"):
        assert tencent.error(action, {"ProductId": PRODUCT, "DeviceName": "nope"}) == "ResourceNotFound.DeviceNotExist"
        assert tencent.error(action, {"ProductId": PRODUCT}) == "MissingParameter"


def test_tencent_device_queries_are_throttled(make_emulator):
    emulator = make_emulator(behaviour={"tencent_action_calls_per_second": {"GetDeviceList": 1}})
    tencent = emulator.tencent()
    tencent.ok("GetDeviceList", {"ProductId": PRODUCT})
    assert tencent.error("GetDeviceList", {"ProductId": PRODUCT}) == "RequestLimitExceeded"
    tencent.ok("DescribeDevice", {"ProductId": PRODUCT, "DeviceName": "tc-sensor-0001"})  # each action has its own


def test_tencent_multi_module_device(make_emulator):
    fleet = {"tencent": {"credentials": [{"secret_id": "AKIDx", "secret_key": "k"}], "products": [{"ProductId": "P1"}],
                         "devices": [{"ProductId": "P1", "DeviceName": "d", "versions": {"module": "m1", "mcu": "2.1"},
                                      "CreateTime": 1700000000}]}}
    emulator = make_emulator(fleet=fleet)
    tencent = emulator.tencent(secret_id="AKIDx", secret_key="k")
    firmwares = tencent.ok("DescribeDeviceFirmwares", {"ProductId": "P1", "DeviceName": "d"})["Firmwares"]
    assert firmwares == [{"FwType": "mcu", "Version": "2.1", "UpdateTime": 1700000000},
                         {"FwType": "module", "Version": "m1", "UpdateTime": 1700000000}]
    assert tencent.ok("GetDeviceList", {"ProductId": "P1", "FwType": "module"})["Devices"][0]["Version"] == "m1"
    assert tencent.ok("GetDeviceList", {"ProductId": "P1"})["Devices"][0]["Version"] == "2.1"


# --------------------------------------------------------------------------- packages and firmware lists


def test_package_and_firmware_lists_exist(huawei, tencent):
    packages = huawei.get("/category", params={"fileType": "firmwarePackage"}).json()
    assert packages["totalCount"] == 2 and {p["version"] for p in packages["data"]} == {"1.0.0", "2.0.0"}
    assert huawei.get("/category/fw-wm100-2.0.0").json()["version"] == "2.0.0"
    firmwares = tencent.ok("ListFirmwares", {"PageNum": 1, "PageSize": 10, "ProductID": PRODUCT})
    assert firmwares["TotalCount"] == 2 and {f["Version"] for f in firmwares["Firmwares"]} == {"1.0.0", "2.0.0"}


# --------------------------------------------------------------------------- behaviour stale_versions


def test_stale_devices_report_success_but_keep_their_version(emulator, huawei, tencent):
    """Behaviour ``stale_versions``: the task says success, the device queries still show the old version."""
    emulator.control("POST", "behaviour", {"stale_versions": ["hw-meter-0001", "tc-sensor-000[2]"]})
    operation = huawei.create_ok({"fileId": "fw-wm100-2.0.0",
                                  "targets": {"devices": ["hw-meter-0001", "hw-meter-0002"]}})
    task_id = tencent.create(DeviceNames=["tc-sensor-0002", "tc-sensor-0003"])
    emulator.advance(DONE)
    subtasks = huawei.subtasks(operation)["data"]
    assert sorted(s["status"] for s in subtasks) == ["success", "success"]
    assert [row["Status"] for row in tencent.rows(task_id)] == [6, 6]
    assert hw_get(huawei, "/devices/hw-meter-0001").json()["deviceInfo"]["fwVersion"] == "1.0.0"
    assert hw_get(huawei, "/devices/hw-meter-0002").json()["deviceInfo"]["fwVersion"] == "2.0.0"
    on_two = tencent.ok("GetDeviceList", {"ProductId": PRODUCT, "FirmwareVersion": "2.0.0"})
    assert [d["DeviceName"] for d in on_two["Devices"]] == ["tc-sensor-0003"]
    stale = tencent.ok("DescribeDevice", {"ProductId": PRODUCT, "DeviceName": "tc-sensor-0002"})["Device"]
    assert stale["Version"] == "1.0.0"
    versions = dict((d["DeviceName"], d["versions"]["mcu"]) for d in emulator.state()["tencent"]["devices"])
    assert (versions["tc-sensor-0002"], versions["tc-sensor-0003"]) == ("1.0.0", "2.0.0")
    emulator.control("POST", "behaviour", {"stale_versions": "tc-*"}, expect=400)
