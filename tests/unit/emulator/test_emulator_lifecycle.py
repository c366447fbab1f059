"""Task and device lifecycle: pure functions, then both platforms driven through simulated time."""

import time

import pytest

from iotemu import lifecycle as lc
from kit.clock import Clock

HW_LAB = {"fileId": "fw-wm100-2.0.0",
          "targets": {"deviceGroups": ["lab"], "deviceType": "WaterMeter", "model": "WM-100", "manufacturerName": "Acme"}}


# --------------------------------------------------------------------------- pure functions


def test_stable_hash_is_deterministic_and_uniform():
    assert lc.stable_hash("dev", "task") == lc.stable_hash("dev", "task")
    values = [lc.stable_hash("dev-%d" % n, "t") for n in range(2000)]
    assert all(0 <= value < 1 for value in values)
    assert 0.45 < sum(values) / len(values) < 0.55


def test_failure_rate_first_match_wins():
    rules = [("hw-meter-000*", 1.0), ("hw-*", 0.5)]
    assert lc.failure_rate(rules, "hw-meter-0001") == 1.0
    assert lc.failure_rate(rules, "hw-meter-0100") == 0.5
    assert lc.failure_rate(rules, "tc-sensor-0001") == 0.0
    assert lc.will_fail("x", "t", [("*", 1.0)]) and not lc.will_fail("x", "t", [("*", 0.0)])


def test_failure_rate_is_roughly_honoured():
    failures = sum(lc.will_fail("dev-%04d" % n, "task-1", [("*", 0.3)]) for n in range(1000))
    assert 250 < failures < 350


def test_phases_of_one_upgrade():
    plan = lc.DevicePlan(start=100.0, duration=100.0)
    names = [(t, lc.phase_at(plan, t).name) for t in (50, 100, 109, 110, 159, 169, 200, 500)]
    assert names == [(50, "pending"), (100, "delivered"), (109, "delivered"), (110, "downloading"), (159, "downloading"),
                     (169, "burning"), (200, "success"), (500, "success")]
    assert lc.phase_at(plan, 135).percent == 50
    assert lc.phase_at(plan, 500).since == 200
    assert lc.phase_at(lc.DevicePlan(start=0.0, duration=10.0, fails=True), 10).name == "fail"


def test_confirmation_delays_the_upgrade():
    plan = lc.DevicePlan(start=0.0, duration=100.0, confirm=60.0)
    assert lc.phase_at(plan, 30).name == "confirm"
    assert lc.phase_at(plan, 65).name == "delivered"
    assert lc.phase_at(plan, 160).name == "success"


def test_offline_device_times_out_at_deadline():
    plan = lc.DevicePlan(start=0.0, duration=100.0, online=False, deadline=300.0)
    assert lc.phase_at(plan, 299).name == "offline"
    phase = lc.phase_at(plan, 301)
    assert phase.name == "timeout" and phase.since == 300
    assert lc.phase_at(lc.DevicePlan(start=0.0, duration=1.0, online=False), 1e9).name == "offline"


def test_deadline_cuts_a_slow_upgrade():
    plan = lc.DevicePlan(start=0.0, duration=400.0, deadline=300.0)
    assert lc.phase_at(plan, 250).name == "burning"
    assert lc.phase_at(plan, 300).name == "timeout"
    assert lc.phase_at(lc.DevicePlan(start=0.0, duration=200.0, deadline=300.0), 300).name == "success"


def test_no_update_and_cancellation():
    assert lc.phase_at(lc.DevicePlan(start=10.0, duration=100.0, no_update=True), 10).name == "no_update"
    plan = lc.DevicePlan(start=0.0, duration=100.0)
    assert lc.phase_at(plan, 500, cancelled_at=50).name == "cancelled"
    assert lc.phase_at(plan, 40, cancelled_at=50).name == "downloading"
    assert lc.phase_at(plan, 500, cancelled_at=150).name == "success"


def test_current_version_follows_successes():
    ok = lc.Row("d", lc.DevicePlan(start=0.0, duration=100.0), "1.0.0", "2.0.0")
    failed = lc.Row("d", lc.DevicePlan(start=0.0, duration=50.0, fails=True), "1.0.0", "3.0.0")
    assert lc.current_version("1.0.0", float("-inf"), [ok, failed], 50) == "1.0.0"
    assert lc.current_version("1.0.0", float("-inf"), [ok, failed], 100) == "2.0.0"
    assert lc.current_version("9.9.9", 200, [ok], 300) == "9.9.9"  # a later manual change wins


def test_sim_clock_scales_and_reanchors():
    now = [1000.0]
    clock = lc.SimClock(10, real=lambda: now[0])
    start = clock.now()
    now[0] += 2
    assert clock.now() == pytest.approx(start + 20)
    clock.set_scale(1)
    now[0] += 2
    assert clock.now() == pytest.approx(start + 22)
    clock.advance(100)
    assert clock.now() == pytest.approx(start + 122)


def test_duration_jitter_is_bounded():
    durations = [lc.upgrade_duration("d%d" % n, "t", 300, 0.25) for n in range(500)]
    assert min(durations) >= 225 and max(durations) <= 375 and len(set(durations)) > 400


# --------------------------------------------------------------------------- Huawei through the API


def test_huawei_task_runs_to_success(emulator, huawei):
    operation_id = huawei.create_ok(HW_LAB)
    emulator.advance(30)
    assert {sub["status"] for sub in huawei.subtasks(operation_id)["data"]} == {"processing"}
    emulator.advance(1000)
    task = huawei.task(operation_id)
    assert task["status"] == "success" and task["staResult"]["success"] == 10 and task["stopTime"]
    versions = dict((d["deviceId"], d["version"]) for d in emulator.state()["huawei"]["devices"])
    assert versions["hw-meter-0001"] == "2.0.0" and versions["hw-meter-0011"] == "1.0.0"


def test_huawei_real_time_scale(make_emulator):
    clock = Clock()  # the real time the emulator scales
    emulator = make_emulator(behaviour={"time_scale": 3000}, clock=clock)
    client = emulator.huawei()
    client.login()
    operation_id = client.create_ok(HW_LAB)
    clock.advance(0.07)  # 210 simulated seconds < 300 s - 25 %
    assert client.task(operation_id)["status"] == "processing"
    clock.advance(0.18)  # 750 simulated seconds > 300 s + 25 %
    assert client.task(operation_id)["status"] == "success"


def test_huawei_failures_follow_failure_rates(make_emulator):
    emulator = make_emulator(behaviour={"failure_rates": {"hw-meter-000[1-3]": 1.0, "*": 0.0}})
    client = emulator.huawei()
    client.login()
    operation_id = client.create_ok(HW_LAB)
    emulator.advance(1000)
    task = client.task(operation_id)
    assert task["status"] == "failed" and task["staResult"]["fail"] == 3 and task["staResult"]["success"] == 7
    failed = [sub["deviceId"] for sub in client.subtasks(operation_id, subOperationStatus="fail")["data"]]
    assert failed == ["hw-meter-0001", "hw-meter-0002", "hw-meter-0003"]
    versions = dict((d["deviceId"], d["version"]) for d in emulator.state()["huawei"]["devices"])
    assert versions["hw-meter-0001"] == "1.0.0" and versions["hw-meter-0004"] == "2.0.0"


def test_huawei_offline_device_times_out(emulator, huawei):
    emulator.control("POST", "devices", {"huawei": {"hw-meter-0002": {"online": False}}})
    operation_id = huawei.create_ok({"fileId": "fw-wm100-2.0.0", "targets": {"devices": ["hw-meter-0001", "hw-meter-0002"]}})
    emulator.advance(500)
    statuses = dict((sub["deviceId"], sub["status"]) for sub in huawei.subtasks(operation_id)["data"])
    assert statuses == {"hw-meter-0001": "success", "hw-meter-0002": "wait"}
    assert huawei.task(operation_id)["status"] == "processing"
    emulator.advance(1000)  # past offline_timeout (900 simulated s)
    task = huawei.task(operation_id)
    assert task["status"] == "failed" and task["staResult"]["timeout"] == 1


def test_huawei_device_already_on_target(emulator, huawei):
    emulator.control("POST", "devices", {"huawei": {"hw-meter-0001": {"version": "2.0.0"}}})
    operation_id = huawei.create_ok({"fileId": "fw-wm100-2.0.0", "targets": {"devices": ["hw-meter-0001"]}})
    assert huawei.task(operation_id)["status"] == "success"


# --------------------------------------------------------------------------- Tencent through the API


def statuses(tencent, task_id):
    return dict((row["DeviceName"], row["Status"]) for row in tencent.rows(task_id))


def test_tencent_device_codes_over_time(emulator, tencent):
    task_id = tencent.create(DeviceNames=["tc-sensor-0001"])
    seen = []
    for dummy in range(12):
        row = tencent.rows(task_id)[0]
        seen.append(row["Status"])
        emulator.advance(30)
    assert seen[0] == 2 and seen[-1] == 6
    assert [code for code in (2, 3, 4, 6) if code in seen] == [2, 3, 4, 6]
    assert tencent.task(task_id)["Status"] == 5
    devices = dict((d["DeviceName"], d["versions"]["mcu"]) for d in emulator.state()["tencent"]["devices"])
    assert devices["tc-sensor-0001"] == "2.0.0"


def test_tencent_failure_offline_timeout_and_no_update(emulator, tencent):
    emulator.control("POST", "behaviour", {"failure_rates": {"tc-sensor-0001": 1.0}})
    emulator.control("POST", "devices", {"tencent": {"TCPROD0001/tc-sensor-0002": {"online": False},
                                                     "TCPROD0001/tc-sensor-0003": {"versions": {"mcu": "2.0.0"}}}})
    task_id = tencent.create(DeviceNames=["tc-sensor-0001", "tc-sensor-0002", "tc-sensor-0003"], TimeoutInterval=600)
    first = dict((row["DeviceName"], row) for row in tencent.rows(task_id))
    assert first["tc-sensor-0002"]["Status"] == 0
    assert (first["tc-sensor-0003"]["Status"], first["tc-sensor-0003"]["ErrMsg"]) == (5, "firmware no need update.")
    emulator.advance(500)
    assert statuses(tencent, task_id) == {"tc-sensor-0001": 5, "tc-sensor-0002": 0, "tc-sensor-0003": 5}
    assert tencent.task(task_id)["Status"] == 1
    emulator.advance(200)
    assert statuses(tencent, task_id) == {"tc-sensor-0001": 5, "tc-sensor-0002": 10, "tc-sensor-0003": 5}
    assert tencent.task(task_id)["Status"] == 5


def test_tencent_delay_rate_limit_and_confirmation(emulator, tencent):
    delayed = tencent.create(DeviceNames=["tc-sensor-0001"], DelayTime=120)
    assert statuses(tencent, delayed) == {"tc-sensor-0001": 1}
    limited = tencent.create(DeviceNames=["tc-sensor-0002", "tc-sensor-0003"], RateLimit=1)
    assert statuses(tencent, limited) == {"tc-sensor-0002": 2, "tc-sensor-0003": 1}
    confirm = tencent.create(DeviceNames=["tc-sensor-0004"], UpgradeMethod=1)
    assert statuses(tencent, confirm) == {"tc-sensor-0004": 8}
    emulator.advance(130)
    assert statuses(tencent, delayed)["tc-sensor-0001"] in (2, 3)
    assert statuses(tencent, limited)["tc-sensor-0003"] != 1
    assert statuses(tencent, confirm)["tc-sensor-0004"] != 8


def test_tencent_outcomes_are_deterministic(make_emulator):
    outcomes = []
    for dummy in range(2):
        emulator = make_emulator(behaviour={"failure_rates": {"*": 0.5}})
        client = emulator.tencent()
        task_id = client.create(FirmwareOriVersion="1.0.0")
        emulator.advance(1000)
        outcomes.append(statuses(client, task_id))
    assert outcomes[0] == outcomes[1]
    assert set(outcomes[0].values()) == {5, 6}


def test_tencent_end_time_times_out_unfinished_devices(emulator, tencent):
    task_id = tencent.create(DeviceNames=["tc-sensor-0001"], EndTime=int(time.time()) + 60)
    emulator.advance(61)
    row = tencent.rows(task_id)[0]
    assert row["Status"] == 10 and row["Retcode"] == -1
