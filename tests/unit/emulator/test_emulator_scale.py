"""Scale: indexes that keep list pages O(page) answer exactly what the brute-force computation answers."""

import random

import pytest

from emu_helpers import PRODUCT
from kit.control import EmulatorProcess
from iotemu import fleet as fleet_module
from iotemu import huawei as hw
from iotemu import lifecycle as lc
from iotemu import tencent as tc
from iotemu.__main__ import build_parser, fleet_of


def random_rows(seed, count=60):
    rnd = random.Random(seed)
    rows = []
    for number in range(count):
        start = rnd.choice([0.0, 10.0, 50.0])
        plan = lc.DevicePlan(start=start, duration=rnd.uniform(20, 120), fails=rnd.random() < 0.3,
                             online=rnd.random() < 0.8, no_update=rnd.random() < 0.1,
                             confirm=rnd.choice([0.0, 15.0]),
                             deadline=rnd.choice([None, None, 5.0, 60.0, 150.0]))
        row = lc.Row("d%03d" % number, plan, "1.0.0", "2.0.0", task_id="t")
        if rnd.random() < 0.2:
            row.cancel(rnd.uniform(0, 200), "cancelled")
        rows.append(row)
    return rows


@pytest.mark.parametrize("seed", range(8))
def test_row_index_matches_every_phase(seed):
    rows = random_rows(seed)
    index = lc.RowIndex(rows)
    instants = sorted({0.0, 5.0, 10.0, 50.0, 60.0, 150.0, 400.0} | {t for row in rows for t in lc.row_timeline(row)[:2]
                                                                    if t is not None})
    for now in instants + [t + 0.001 for t in instants] + [t - 0.001 for t in instants]:
        phases = [row.phase(now) for row in rows]
        finals = {}
        for phase in phases:
            if phase.final:
                finals[phase.name] = finals.get(phase.name, 0) + 1
        assert {name: count for name, count in index.finals(now).items() if count} == finals, now
        moving = sum(1 for phase in phases if not phase.final and phase.name not in (lc.PENDING, lc.OFFLINE))
        assert index.moving(now) == moving, now
        assert index.all_final(now) == lc.all_final(rows, now)
        assert index.finished_at(now) == lc.finished_at(rows, now)


def test_version_index_follows_successes_and_cancellations():
    rows = random_rows(3)
    names = sorted(row.device for row in rows)
    by_name = dict((row.device, [row]) for row in rows)

    def brute(now):
        return sorted(name for name in names if lc.current_version("1.0.0", float("-inf"), by_name[name], now) == "2.0.0")

    index = lc.VersionIndex(names, lambda name: lc.current_version("1.0.0", float("-inf"), by_name[name], 0.0),
                            lambda name: by_name[name], 0.0)
    for now in (0.0, 30.0, 60.0, 61.0, 90.0, 120.0, 200.0, 500.0):
        assert index.names_on("2.0.0", now) == brute(now)
        assert sorted(index.names_on("1.0.0", now)) == sorted(set(names) - set(brute(now)))
    assert index.names_on("2.0.0", 100.0) is None  # it does not go back in time


def test_huawei_lists_render_only_the_page(make_emulator, monkeypatch):
    emulator = make_emulator(fleet="demo:600+1", behaviour={"huawei_calls_per_minute": 0, "time_scale": 1e-6})  # time stands
    huawei = emulator.huawei()
    huawei.login()
    ids = ["hw-meter-%04d" % n for n in range(1, 601)]
    operations = [huawei.create_ok({"fileId": "fw-wm100-2.0.0", "targets": {"devices": ids[first:first + 200]}})
                  for first in range(0, 600, 200)]
    emulator.advance(330)
    rendered = []
    original = hw.HuaweiPlatform._subtask
    monkeypatch.setattr(hw.HuaweiPlatform, "_subtask", lambda self, *args: rendered.append(1) or original(self, *args))
    page = huawei.subtasks(operations[1], pageNo=1, pageSize=50)
    assert len(page["data"]) == 50 and page["totalCount"] == 200 and len(rendered) == 50
    del rendered[:]
    tasks = huawei.get("/operations", params={"pageSize": 2}).json()
    assert [task["operationId"] for task in tasks["data"]] == operations[:0:-1] and rendered == []
    # the counts agree with the subtasks they summarise
    for task in tasks["data"]:
        statuses = [sub["status"] for sub in huawei.subtasks(task["operationId"], pageSize=100, pageNo=0)["data"]]
        statuses += [sub["status"] for sub in huawei.subtasks(task["operationId"], pageSize=100, pageNo=1)["data"]]
        counts = dict((name, statuses.count(name)) for name in hw.SUBTASK_STATUSES)
        assert task["staResult"] == dict(total=200, **counts)
        for status, count in counts.items():
            assert huawei.subtasks(task["operationId"], subOperationStatus=status)["totalCount"] == count
    processing = huawei.get("/operations", params={"operationStatus": "processing"}).json()
    assert processing["totalCount"] == sum(1 for task in emulator.state()["huawei"]["tasks"] if task["status"] == "processing")


def test_tencent_task_devices_pages_across_tasks(make_emulator, monkeypatch):
    emulator = make_emulator(fleet="demo:1+40")
    tencent = emulator.tencent()
    names = ["tc-sensor-%04d" % n for n in range(1, 41)]
    first = tencent.create(DeviceNames=names[:15])
    emulator.advance(400)
    second = tencent.create(DeviceNames=names[:10], UpgradeMethod=1)
    third = tencent.create(DeviceNames=names[10:40], OverrideMode=1)  # the first task's rows are final: nothing cancelled
    full = [(row["TaskId"], row["DeviceName"]) for row in emulator.state()["tencent"]["tasks"][2]["Devices"]]
    full += [(row["TaskId"], row["DeviceName"]) for row in emulator.state()["tencent"]["tasks"][1]["Devices"]]
    full += [(row["TaskId"], row["DeviceName"]) for row in emulator.state()["tencent"]["tasks"][0]["Devices"]]
    assert [task for task, _name in full[:1]] == [third]
    rendered = []
    original = tc.TencentPlatform.row_view
    monkeypatch.setattr(tc.TencentPlatform, "row_view", lambda self, *args: rendered.append(1) or original(self, *args))
    paged = []
    for offset in range(0, len(full) + 7, 7):
        answer = tencent.ok("DescribeFirmwareTaskDevices", {"ProductID": PRODUCT, "FirmwareVersion": "2.0.0",
                                                            "Offset": offset, "Limit": 7})
        assert answer["Total"] == len(full)
        paged += [(row["TaskId"], row["DeviceName"]) for row in answer["Devices"]]
    assert paged == full and len(rendered) == len(full)
    named = tencent.ok("DescribeFirmwareTaskDevices", {"ProductID": PRODUCT, "FirmwareVersion": "2.0.0", "Filters": [
        {"Key": "DeviceName", "Value": "tc-sensor-0012"}, {"Key": "DeviceName", "Value": "tc-sensor-0003"}]})
    assert [(row["TaskId"], row["DeviceName"]) for row in named["Devices"]] == [
        (third, "tc-sensor-0012"), (second, "tc-sensor-0003"), (first, "tc-sensor-0003"), (first, "tc-sensor-0012")]
    status = tencent.ok("DescribeFirmwareUpdateStatus", {"ProductId": PRODUCT, "DeviceName": "tc-sensor-0003"})
    assert status["Status"] == 5 and status["OriVersion"] == "2.0.0"  # the latest task: already on the target
    status = tencent.ok("DescribeFirmwareUpdateStatus", {"ProductId": PRODUCT, "DeviceName": "tc-sensor-0020"})
    assert status["Status"] == 2 and status["OriVersion"] == "1.0.0"  # only in the third task: delivered


def test_tencent_version_filter_stays_exact(make_emulator):
    emulator = make_emulator(fleet="demo:1+30", behaviour={"failure_rates": {"tc-sensor-000[1-3]": 1.0},
                                                           "tencent_calls_per_second": 0})
    tencent = emulator.tencent()

    def on(version, **params):
        params.update(ProductId=PRODUCT, FirmwareVersion=version, Limit=100)
        return [device["DeviceName"] for device in tencent.ok("GetDeviceList", params)["Devices"]]

    def brute(version):
        return [device["DeviceName"] for device in emulator.state()["tencent"]["devices"]
                if device["versions"]["mcu"] == version]

    assert on("2.0.0") == [] and len(on("1.0.0")) == 30  # builds the index
    task = tencent.create(DeviceNames=["tc-sensor-%04d" % n for n in range(1, 21)])
    for step in (100, 150, 100, 100):
        emulator.advance(step)
        assert on("2.0.0") == brute("2.0.0") and on("1.0.0") == brute("1.0.0")
    assert len(on("2.0.0")) == 17 and tencent.rows(task)[0]["Status"] == 5
    late = tencent.create(DeviceNames=["tc-sensor-0025", "tc-sensor-0026"])
    tencent.ok("UpdateOtaTaskStatus", {"ProductId": PRODUCT, "TaskId": late, "Status": 6})
    emulator.control("POST", "devices", {"tencent": {PRODUCT + "/tc-sensor-0030": {"versions": {"mcu": "2.0.0"}}}})
    emulator.advance(400)
    assert on("2.0.0") == brute("2.0.0") and "tc-sensor-0030" in on("2.0.0") and "tc-sensor-0025" not in on("2.0.0")
    assert on("2.0.0", DeviceName="0003") == [] and on("1.0.0", DeviceName="0003") == ["tc-sensor-0003"]


def test_mixed_fleets_from_the_control_api_and_the_command_line(emulator):
    emulator.control("POST", "reset", {"fleet": "demo:3+5"})
    state = emulator.state()
    assert len(state["huawei"]["devices"]) == 3 and len(state["tencent"]["devices"]) == 5
    emulator.control("POST", "reset", {"fleet": "demo:0+2"})
    assert len(emulator.state()["huawei"]["devices"]) == 0
    for bad in ("demo:0+0", "demo:-1+3", "demo:a+1", "demo:0"):
        emulator.control("POST", "reset", {"fleet": bad}, expect=400)
    assert fleet_of(100000) == "demo:50000+50000" and fleet_of(7) == "demo:4+3"
    assert build_parser().parse_args(["--devices", "100000"]).devices == 100000
    big = fleet_module.load_fleet("demo:50000+50000")
    assert len(big["huawei"]["devices"]) == 50000 and len(big["tencent"]["devices"]) == 50000


def test_command_line_devices_and_documented_only(tmp_path):
    with EmulatorProcess(["--devices", "5", "--documented-only"], str(tmp_path), start_timeout=20) as emulator:
        state = emulator.control.state()
        assert len(state["huawei"]["devices"]) == 3 and len(state["tencent"]["devices"]) == 2
        assert state["behaviour"]["documented_only"] is True
    assert emulator.process.returncode == 0  # SIGTERM: a clean exit
