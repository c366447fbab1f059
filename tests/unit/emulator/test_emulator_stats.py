"""Throttle realism (exact sliding windows, exact answers), request statistics, duplicates and coverage."""

import pytest
import requests

from emu_helpers import API, PRODUCT
from kit.clock import Clock

HW_BODY = {"fileId": "fw-wm100-2.0.0", "targets": {"devices": ["hw-meter-0001", "hw-meter-0002"]}}
DONE = 400


@pytest.fixture
def fake_windows(make_emulator):
    """An emulator on a clock the test moves (its throttle windows read it on every call): ``(emulator, clock)``."""
    clock = Clock()  # the real time now, in whole seconds: TC3 timestamps are checked against it
    return make_emulator(clock=clock), clock


def test_huawei_window_is_a_sliding_minute_per_app(fake_windows):
    emulator, clock = fake_windows
    huawei = emulator.huawei()
    huawei.login()
    start = clock.now
    statuses = []
    for second in range(100):  # one call every 0.5 s: 100 calls within 50 s
        clock.now = start + second * 0.5
        statuses.append(huawei.get("/category").status_code)
    assert statuses == [200] * 100
    clock.now = start + 59.99  # the first call (at the start) is still inside the window
    rejected = huawei.get("/category")
    assert rejected.status_code == 403
    assert rejected.json() == {"error_code": "1010009", "error_desc": "app throttle exceed."}
    clock.now = start + 60.0  # the first call leaves the window: exactly one slot frees up
    assert huawei.get("/category").status_code == 200
    assert huawei.get("/category").status_code == 403
    clock.now = start + 60.5
    assert huawei.get("/category").status_code == 200
    stats = emulator.control("GET", "stats")["huawei"]
    assert stats["throttled"] == 2 and stats["by_error"] == {"1010009": 2} and stats["logins"] == 1


def test_huawei_throttle_is_per_app_and_skips_logins(make_emulator):
    fleet = {"huawei": {"apps": [{"appId": "a1", "secret": "s1"}, {"appId": "a2", "secret": "s2"}]}}
    emulator = make_emulator(fleet=fleet, behaviour={"huawei_calls_per_minute": 2})
    first, second = emulator.huawei("a1", "s1"), emulator.huawei("a2", "s2")
    for client in (first, second, first, second):
        client.login()
    assert [first.get("/category").status_code for dummy in range(3)] == [200, 200, 403]
    assert second.get("/category").status_code == 200


def test_tencent_window_is_20_per_second_in_an_http_200_envelope(fake_windows):
    emulator, clock = fake_windows
    tencent = emulator.tencent()
    params = {"ProductID": PRODUCT, "FirmwareVersion": "2.0.0"}
    start = clock.now
    codes = []
    for call in range(20):
        clock.now = start + call * 0.04
        codes.append(tencent.call("DescribeFirmware", params).get("Error", {}).get("Code"))
    assert codes == [None] * 20
    clock.now = start + 0.99
    response = tencent.raw("DescribeFirmware", params)
    assert response.status_code == 200
    error = response.json()["Response"]["Error"]
    assert error["Code"] == "RequestLimitExceeded" and error["Message"]
    assert "RequestId" in response.json()["Response"]
    clock.now = start + 1.0
    assert "Error" not in tencent.call("DescribeFirmware", params)
    stats = emulator.control("GET", "stats")["tencent"]
    assert stats["throttled"] == 1 and stats["calls"] == 22 and stats["by_kind"] == {"DescribeFirmware": 22}


def test_stats_count_calls_creates_faults_and_clear(emulator, huawei, tencent):
    huawei.create_ok(HW_BODY)
    huawei.create(dict(HW_BODY, fileId="nope"))
    huawei.get("/operations")
    tencent.create(DeviceNames=["tc-sensor-0001"])
    emulator.inject(platform="tencent", kind="drop_response")
    with pytest.raises(requests.exceptions.ConnectionError):
        tencent.raw("BatchUpdateFirmware", {"ProductID": PRODUCT, "FirmwareVersion": "2.0.0",
                                            "DeviceNames": ["tc-sensor-0002"]})
    emulator.inject(platform="huawei", kind="throttle")
    huawei.get("/operations")
    stats = emulator.control("GET", "stats")
    hw, tc = stats["huawei"], stats["tencent"]
    assert (hw["calls"], hw["logins"], hw["creates"], hw["tasks"], hw["throttled"]) == (5, 1, 2, 1, 1)
    assert hw["by_kind"] == {"login": 1, "create_firmware_task": 2, "list_tasks": 2}
    assert hw["by_error"] == {"123002": 1, "1010009": 1} and hw["faults"] == {"throttle": 1} and hw["errors"] == 2
    assert (tc["calls"], tc["creates"], tc["tasks"], tc["dropped"], tc["answered"]) == (2, 2, 2, 1, 1)
    assert tc["faults"] == {"drop_response": 1} and tc["duplicates"] == [] and hw["duplicates"] == []
    emulator.control("DELETE", "requests")
    cleared = emulator.control("GET", "stats")
    assert cleared["huawei"]["calls"] == 0 and cleared["huawei"]["tasks"] == 1 and cleared["tencent"]["by_kind"] == {}


def test_stats_survive_the_log_limit(emulator, huawei):
    log = emulator.server.core.log
    for dummy in range(5):
        log.add("huawei", "GET", API + "/operations", None, 200, kind="list_tasks")
    assert emulator.control("GET", "stats")["huawei"]["by_kind"]["list_tasks"] == 5


def test_slow_commit_counts_once(emulator, tencent):
    emulator.inject(platform="tencent", kind="slow_commit", delay=0.1, commit_after=3)
    with pytest.raises(requests.exceptions.ConnectionError):
        tencent.raw("BatchUpdateFirmware", {"ProductID": PRODUCT, "FirmwareVersion": "2.0.0",
                                            "DeviceNames": ["tc-sensor-0001"]})
    stats = emulator.control("GET", "stats")["tencent"]
    assert (stats["creates"], stats["tasks"], stats["pending_commits"]) == (1, 0, 1)
    emulator.advance(3)
    stats = emulator.control("GET", "stats")["tencent"]
    assert (stats["creates"], stats["tasks"], stats["pending_commits"]) == (1, 1, 0)


def test_huawei_duplicates_and_coverage(emulator, huawei):
    first = huawei.create_ok(HW_BODY)
    second = huawei.create_ok({"fileId": "fw-wm100-2.0.0", "targets": {"devices": ["hw-meter-0002"]}})
    huawei.create_ok({"fileId": "fw-wm100-1.0.0", "targets": {"devices": ["hw-meter-0002"]}})  # another version
    duplicates = emulator.control("GET", "stats")["huawei"]["duplicates"]
    assert duplicates == [{"deviceId": "hw-meter-0002", "operateType": "firmware_upgrade", "version": "2.0.0",
                           "tasks": [first, second]}]
    coverage = emulator.control("GET", "coverage?platform=huawei&device=hw-meter-0002")
    assert coverage["count"] == 3 and coverage["active"] == 3
    assert [(row["task"], row["version"], row["status"]) for row in coverage["tasks"]][:2] == [
        (first, "2.0.0", "processing"), (second, "2.0.0", "processing")]
    assert emulator.control("GET", "coverage?platform=huawei&device=hw-meter-0009")["count"] == 0
    emulator.control("GET", "coverage?platform=huawei&device=nope", expect=400)
    emulator.control("GET", "coverage?platform=aws&device=x", expect=400)
    emulator.control("GET", "coverage", expect=400)


def test_failed_rows_are_not_duplicates(make_emulator):
    emulator = make_emulator(behaviour={"failure_rates": {"tc-sensor-0001": 1.0}})
    tencent = emulator.tencent()
    first = tencent.create(DeviceNames=["tc-sensor-0001", "tc-sensor-0002"])
    emulator.advance(DONE)
    retry = tencent.create(DeviceNames=["tc-sensor-0001"])  # a retry of the failed device: fine
    assert emulator.control("GET", "stats")["tencent"]["duplicates"] == []
    again = tencent.create(DeviceNames=["tc-sensor-0002"])  # the device already succeeded: a duplicate
    [duplicate] = emulator.control("GET", "stats")["tencent"]["duplicates"]
    assert duplicate == {"ProductId": PRODUCT, "DeviceName": "tc-sensor-0002", "FwType": "mcu", "version": "2.0.0",
                         "tasks": [first, again]}
    coverage = emulator.control("GET", "coverage?platform=tencent&device=%s/tc-sensor-0001" % PRODUCT)
    assert [(row["task"], row["phase"]) for row in coverage["tasks"]] == [(first, "fail"), (retry, "delivered")]
    assert coverage["count"] == 2 and coverage["active"] == 1
    emulator.control("GET", "coverage?platform=tencent&device=tc-sensor-0001", expect=400)
