"""Documented-only mode: no marker echoes (echo_markers false) and only documented fields (documented_only)."""

import pytest

from emu_helpers import PRODUCT
from kit.credentials import HUAWEI_APP_ID, HUAWEI_SECRET

HW_BODY = {"fileId": "fw-wm100-2.0.0", "targets": {"devices": ["hw-meter-0001"]}}
TASK_FIELDS = {"operationId", "createTime", "startTime", "stopTime", "operateType", "targets", "policy", "status",
               "staResult"}
PACKAGE_FIELDS = {"fileId", "name", "version", "fileType", "deviceType", "model", "manufacturerName", "protocolType",
                  "description", "date", "uploadTime"}


def hw_task_objects(huawei):
    operation_id = huawei.create_ok(HW_BODY)
    listed = huawei.get("/operations").json()["data"]
    return [huawei.task(operation_id)] + listed


def tc_task(tencent):
    task_id = tencent.create(DeviceNames=["tc-sensor-0001"], TaskUserDefine='{"iotfleet":"m1"}')
    return tencent.task(task_id)


def test_default_echoes_markers(huawei, tencent):
    assert all(task["extendPara"]["fileId"] == "fw-wm100-2.0.0" for task in hw_task_objects(huawei))
    assert tc_task(tencent)["TaskUserDefine"] == '{"iotfleet":"m1"}'


@pytest.mark.parametrize("behaviour", [{"echo_markers": False}, {"documented_only": True},
                                       {"echo_markers": True, "documented_only": True}])
def test_no_markers(make_emulator, behaviour):
    emulator = make_emulator(behaviour=behaviour)
    huawei = emulator.huawei()
    huawei.login()
    for task in hw_task_objects(huawei):
        assert "extendPara" not in task and set(task) == TASK_FIELDS
    task = tc_task(emulator.tencent())
    assert "TaskUserDefine" not in task and task["UpgradeMode"] == "devicenames"
    # the control state still shows the truth
    state = emulator.state()
    assert state["tencent"]["tasks"][0]["TaskUserDefine"] == '{"iotfleet":"m1"}'
    assert state["huawei"]["tasks"][0]["fileId"] == "fw-wm100-2.0.0"


def test_echo_markers_can_be_switched_at_run_time(emulator, huawei):
    operation_id = huawei.create_ok(HW_BODY)
    emulator.control("POST", "behaviour", {"echo_markers": False})
    assert "extendPara" not in huawei.task(operation_id)
    emulator.control("POST", "behaviour", {"echo_markers": True})
    assert "extendPara" in huawei.task(operation_id)


def test_echo_markers_false_keeps_emulator_extras(make_emulator):
    emulator = make_emulator(behaviour={"echo_markers": False})
    huawei = emulator.huawei()
    huawei.login()
    operation_id = huawei.create_ok(HW_BODY)
    assert huawei.subtasks(operation_id)["data"][0]["extendInfo"]["targetVersion"] == "2.0.0"


def test_documented_only_drops_extras(make_emulator):
    fleet = {"huawei": {"apps": [{"appId": HUAWEI_APP_ID, "secret": HUAWEI_SECRET}],
                        "packages": [{"fileId": "p2", "version": "2.0.0", "deviceType": "WaterMeter", "model": "WM-100",
                                      "manufacturerName": "Acme", "internalNote": "not an API field"}],
                        "devices": [{"deviceId": "d1", "deviceType": "WaterMeter", "model": "WM-100",
                                     "manufacturerName": "Acme"}]}}
    emulator = make_emulator(fleet=fleet, behaviour={"documented_only": True})
    huawei = emulator.huawei()
    huawei.login()
    operation_id = huawei.create_ok({"fileId": "p2", "targets": {"devices": ["d1"]}})
    sub = huawei.subtasks(operation_id)["data"][0]
    assert sub["extendInfo"] == {} and sub["deviceId"] == "d1"
    assert set(huawei.get("/category/p2").json()) == PACKAGE_FIELDS
    assert [set(item) for item in huawei.get("/category").json()["data"]] == [PACKAGE_FIELDS]
    emulator.control("POST", "behaviour", {"documented_only": False})
    assert huawei.get("/category/p2").json()["internalNote"] == "not an API field"


def test_documented_only_tencent_answers(make_emulator):
    emulator = make_emulator(behaviour={"documented_only": True})
    tencent = emulator.tencent()
    task_id = tencent.create(DeviceNames=["tc-sensor-0001"], TaskUserDefine="x")
    rows = tencent.rows(task_id)
    assert set(rows[0]) == {"DeviceName", "LastProcessTime", "Status", "ErrMsg", "Retcode", "DstVersion", "Percent",
                            "OriVersion", "TaskId", "FwType", "RetryNum"}
    listing = tencent.ok("DescribeFirmwareTasks", {"ProductID": PRODUCT, "FirmwareVersion": "2.0.0", "Offset": 0,
                                                   "Limit": 10})
    assert set(listing["TaskInfos"][0]) == {"TaskId", "Status", "Type", "CreateTime", "CreatorNickName",
                                            "CreateUserId", "CronTime", "FwType"}


def test_behaviour_flags_are_validated(emulator):
    emulator.control("POST", "behaviour", {"echo_markers": "no"}, expect=400)
    emulator.control("POST", "behaviour", {"documented_only": 1}, expect=400)
    assert emulator.control("GET", "behaviour")["echo_markers"] is True


def test_command_line_flags():
    from iotemu.__main__ import behaviour_from_args, build_parser  # pylint: disable=import-outside-toplevel

    assert behaviour_from_args(build_parser().parse_args([])) == {}
    assert behaviour_from_args(build_parser().parse_args(["--no-echo"])) == {"echo_markers": False}
    assert behaviour_from_args(build_parser().parse_args(["--documented-only"])) == {"documented_only": True}
