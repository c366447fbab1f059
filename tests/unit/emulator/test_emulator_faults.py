"""Fault injection: lost answers that did (or did not) commit, delays, server errors, throttles, expired tokens."""

import time

import pytest
import requests

from emu_helpers import PRODUCT

BUF = {"ProductID": PRODUCT, "FirmwareVersion": "2.0.0", "DeviceNames": ["tc-sensor-0001"]}
HW_BODY = {"fileId": "fw-wm100-2.0.0", "targets": {"devices": ["hw-meter-0001"]}}


def log_of(emulator, platform):
    return [entry for entry in emulator.requests() if entry["platform"] == platform]


def test_drop_response_commits_then_drops_the_connection_tencent(emulator, tencent):
    emulator.inject(platform="tencent", action="BatchUpdateFirmware", kind="drop_response")
    with pytest.raises(requests.exceptions.ConnectionError):
        tencent.raw("BatchUpdateFirmware", BUF)
    assert len(emulator.state()["tencent"]["tasks"]) == 1  # the work was done
    entry = log_of(emulator, "tencent")[-1]
    assert entry["fault"] == "drop_response" and entry["status"] is None and entry["action"] == "BatchUpdateFirmware"
    tencent.ok("DescribeFirmware", {"ProductID": PRODUCT, "FirmwareVersion": "2.0.0"})  # one time only


def test_drop_response_commits_huawei(emulator, huawei):
    emulator.inject(platform="huawei", method="POST", path="/iodm/northbound/v1.5.0/operations", kind="drop_response")
    with pytest.raises(requests.exceptions.ConnectionError):
        huawei.create(HW_BODY)
    assert len(emulator.state()["huawei"]["tasks"]) == 1


def test_reset_does_not_commit(emulator, tencent, huawei):
    emulator.inject(platform="tencent", action="BatchUpdateFirmware", kind="reset")
    emulator.inject(platform="huawei", path="/iodm/northbound/v1.5.0/operations/firmwareUpgrade", kind="reset")
    with pytest.raises(requests.exceptions.ConnectionError):
        tencent.raw("BatchUpdateFirmware", BUF)
    with pytest.raises(requests.exceptions.ConnectionError):
        huawei.create(HW_BODY)
    state = emulator.state()
    assert state["tencent"]["tasks"] == [] and state["huawei"]["tasks"] == []
    assert [entry["fault"] for entry in emulator.requests() if entry["fault"]] == ["reset", "reset"]
    tencent.create(DeviceNames=["tc-sensor-0001"])  # the next call goes through


def test_delay_then_answer(emulator, tencent):
    emulator.inject(platform="tencent", action="DescribeFirmware", kind="delay", delay=0.5)
    started = time.monotonic()
    tencent.ok("DescribeFirmware", {"ProductID": PRODUCT, "FirmwareVersion": "2.0.0"})
    assert time.monotonic() - started >= 0.5
    assert log_of(emulator, "tencent")[-1]["fault"] == "delay"


@pytest.mark.parametrize("kind,status", [("http_500", 500), ("http_503", 503)])
def test_server_errors_do_not_commit(emulator, tencent, huawei, kind, status):
    emulator.inject(kind=kind, times=2)
    response = tencent.raw("BatchUpdateFirmware", BUF)
    assert response.status_code == status
    assert huawei.create(HW_BODY).status_code == status
    state = emulator.state()
    assert state["tencent"]["tasks"] == [] and state["huawei"]["tasks"] == []
    if kind == "http_503":
        assert response.headers["Retry-After"] == "1"
    tencent.create(DeviceNames=["tc-sensor-0001"])


def test_throttle_fault(emulator, tencent, huawei):
    emulator.inject(platform="tencent", kind="throttle")
    emulator.inject(platform="huawei", kind="throttle")
    assert tencent.error("BatchUpdateFirmware", BUF) == "RequestLimitExceeded"
    response = huawei.create(HW_BODY)
    assert response.status_code == 403 and response.json()["error_code"] == "1010009"
    state = emulator.state()
    assert state["tencent"]["tasks"] == [] and state["huawei"]["tasks"] == []
    faulted = [(entry["platform"], entry["error_code"]) for entry in emulator.requests() if entry["fault"] == "throttle"]
    assert faulted == [("tencent", "RequestLimitExceeded"), ("huawei", "1010009")]


def test_expire_token(emulator, huawei):
    emulator.inject(platform="huawei", kind="expire_token")
    response = huawei.get("/operations")
    assert response.status_code == 403 and response.json()["error_code"] == "1010005"
    huawei.login()
    assert huawei.get("/operations").status_code == 200


def test_times_and_matching(emulator, tencent):
    emulator.inject(platform="tencent", action="DescribeFirmwareTasks", kind="throttle", times=2)
    params = {"ProductID": PRODUCT, "FirmwareVersion": "2.0.0"}
    tencent.ok("DescribeFirmware", params)  # another action: no fault
    listing = dict(params, Offset=0, Limit=10)
    codes = [tencent.call("DescribeFirmwareTasks", listing).get("Error", {}).get("Code") for dummy in range(3)]
    assert codes == ["RequestLimitExceeded", "RequestLimitExceeded", None]
    assert emulator.control("GET", "faults")["faults"] == []


def test_unlimited_rule_and_clear(emulator, tencent):
    emulator.inject(platform="tencent", kind="http_500", times=-1)
    assert [tencent.raw("DescribeFirmware", {}).status_code for dummy in range(3)] == [500, 500, 500]
    emulator.control("DELETE", "faults")
    assert tencent.raw("DescribeFirmware", {}).status_code == 200


@pytest.mark.parametrize("rule", [
    {"kind": "explode"},
    {"kind": "http_500", "platform": "aws"},
    {"kind": "expire_token", "platform": "tencent"},
    {"kind": "delay", "delay": -1},
    {"kind": "http_500", "times": 0},
    {"kind": "http_500", "colour": "red"},
])
def test_bad_rules_are_rejected(emulator, rule):
    emulator.control("POST", "faults", {"faults": [rule]}, expect=400)
    assert emulator.control("GET", "faults")["faults"] == []
