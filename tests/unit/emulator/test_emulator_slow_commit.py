"""Fault slow_commit: the answer is lost, the create takes effect commit_after seconds after receipt."""

import time

import pytest
import requests

from emu_helpers import PRODUCT

BUF = {"ProductID": PRODUCT, "FirmwareVersion": "2.0.0", "DeviceNames": ["tc-sensor-0001"]}
HW_BODY = {"fileId": "fw-wm100-2.0.0", "targets": {"devices": ["hw-meter-0001"]}}
HOLD = 0.2


def creates(emulator):
    return [entry for entry in emulator.requests()
            if entry["action"] == "BatchUpdateFirmware" or entry["path"].endswith("Upgrade")]


def test_tencent_create_commits_after_the_answer_was_lost(emulator, tencent):
    emulator.inject(platform="tencent", kind="slow_commit", delay=HOLD, commit_after=9)
    received = time.time()
    with pytest.raises(requests.exceptions.ConnectionError):
        tencent.raw("BatchUpdateFirmware", BUF)
    assert emulator.state()["tencent"]["tasks"] == []
    listing = {"ProductID": PRODUCT, "FirmwareVersion": "2.0.0", "Offset": 0, "Limit": 10}
    assert tencent.ok("DescribeFirmwareTasks", listing)["Total"] == 0
    assert tencent.rows() == []
    [entry] = creates(emulator)
    assert entry["fault"] == "slow_commit" and entry["status"] is None and entry["commit"]["state"] == "pending"
    assert emulator.state()["pending_commits"][0]["platform"] == "tencent"

    emulator.advance(9)  # simulated time and the pending commit move together
    [info] = tencent.ok("DescribeFirmwareTasks", listing)["TaskInfos"]
    assert -1 <= info["CreateTime"] - (received + 9) <= 1  # executed 9 s after receipt
    assert [row["DeviceName"] for row in tencent.rows(info["TaskId"])] == ["tc-sensor-0001"]
    [entry] = creates(emulator)  # still logged once
    commit = entry["commit"]
    assert commit["state"] == "committed" and commit["status"] == 200
    assert commit["answer"]["Response"]["TaskId"] == info["TaskId"]
    assert emulator.state()["pending_commits"] == []


def test_huawei_commit_after_zero_is_visible_at_once(emulator, huawei):
    emulator.inject(platform="huawei", kind="slow_commit", delay=HOLD, commit_after=0)
    with pytest.raises(requests.exceptions.ConnectionError):
        huawei.create(HW_BODY)
    tasks = huawei.get("/operations", params={"deviceId": "hw-meter-0001"}).json()
    assert tasks["totalCount"] == 1
    [entry] = creates(emulator)
    assert entry["fault"] == "slow_commit" and entry["commit"]["answer"] == {"operationId": tasks["data"][0]["operationId"]}


def test_commit_during_the_hold_is_visible_when_the_connection_closes(emulator, huawei):
    emulator.inject(platform="huawei", path="/iodm/northbound/v1.5.0/operations/softwareUpgrade", kind="slow_commit",
                    delay=0.5, commit_after=0.1)
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ConnectionError):
        huawei.create(HW_BODY, kind="softwareUpgrade")
    assert time.monotonic() - started >= 0.5
    assert [task["operateType"] for task in emulator.state()["huawei"]["tasks"]] == ["software_upgrade"]


def test_not_due_yet_stays_invisible_in_device_rows(emulator, huawei):
    emulator.inject(platform="huawei", kind="slow_commit", delay=HOLD, commit_after=600)
    with pytest.raises(requests.exceptions.ConnectionError):
        huawei.create(HW_BODY)
    assert huawei.get("/operations").json()["totalCount"] == 0
    emulator.advance(599)
    assert huawei.get("/operations").json()["totalCount"] == 0
    emulator.advance(1)
    assert huawei.get("/operations").json()["totalCount"] == 1


def test_slow_commit_applies_to_creates_only(emulator, tencent):
    emulator.inject(platform="tencent", kind="slow_commit", delay=HOLD)
    tencent.ok("DescribeFirmware", {"ProductID": PRODUCT, "FirmwareVersion": "2.0.0"})
    assert [rule["kind"] for rule in emulator.control("GET", "faults")["faults"]] == ["slow_commit"]
    with pytest.raises(requests.exceptions.ConnectionError):
        tencent.raw("BatchUpdateFirmware", BUF)
    assert emulator.control("GET", "faults")["faults"] == []


def test_commit_is_validated_when_it_takes_effect(emulator, tencent):
    emulator.inject(platform="tencent", kind="slow_commit", delay=HOLD, commit_after=30)
    with pytest.raises(requests.exceptions.ConnectionError):
        tencent.raw("BatchUpdateFirmware", BUF)
    task_id = tencent.create(DeviceNames=["tc-sensor-0001"])  # a client that wrongly posted again
    emulator.advance(30)
    assert [task["TaskId"] for task in emulator.state()["tencent"]["tasks"]] == [task_id]
    commit = creates(emulator)[0]["commit"]
    assert commit["state"] == "failed" and commit["error_code"] == "FailedOperation.DeviceIsUpdating"


def test_authentication_happens_at_receipt(emulator, huawei):
    emulator.inject(platform="huawei", kind="slow_commit", delay=HOLD, commit_after=5)
    with pytest.raises(requests.exceptions.ConnectionError):
        huawei.post("/operations/firmwareUpgrade", HW_BODY, token="stale")
    emulator.advance(5)
    assert emulator.state()["huawei"]["tasks"] == []
    assert creates(emulator)[0]["commit"]["state"] == "failed" and creates(emulator)[0]["commit"]["error_code"] == "1010005"


def test_reset_drops_pending_commits(emulator, tencent):
    emulator.inject(platform="tencent", kind="slow_commit", delay=HOLD, commit_after=5)
    with pytest.raises(requests.exceptions.ConnectionError):
        tencent.raw("BatchUpdateFirmware", BUF)
    emulator.control("POST", "reset")
    emulator.advance(5)
    assert emulator.state()["tencent"]["tasks"] == [] and emulator.state()["pending_commits"] == []


@pytest.mark.parametrize("rule", [
    {"kind": "slow_commit", "commit_after": -1},
    {"kind": "slow_commit", "commit_after": "soon"},
    {"kind": "delay", "commit_after": 3},
    {"kind": "slow_commit", "delay": 601},
])
def test_bad_slow_commit_rules(emulator, rule):
    emulator.control("POST", "faults", {"faults": [rule]}, expect=400)
