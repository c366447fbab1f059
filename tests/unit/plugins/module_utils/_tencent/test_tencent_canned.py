"""TencentProvider against canned platform answers written here from the API notes (tencent-iot-explorer.md), no
emulator: every request is checked (action, region and version headers, the exact JSON parameters) and answered in
the documented shapes, so a misreading the emulator shares with the provider cannot pass (community.dns style,
tests/kit/calls.py)."""
import pytest

from tencent_calls import DEVICES, PRODUCT, action, device_info, error, ok, row

from ansible_collections.iotfleet.firmware.plugins.module_utils._errors import IoTError
from ansible_collections.iotfleet.firmware.plugins.module_utils._tencent import connection

from kit.calls import ANY, Calls
from kit.clock import Clock
from kit.credentials import TENCENT_REGION, TENCENT_SECRET_ID, TENCENT_SECRET_KEY

D1, D2, D3 = DEVICES
SCOPE = {"ProductID": PRODUCT, "FirmwareVersion": "2.0.0", "FwType": "mcu"}  # §3.1, §3.5: ProductID upper-case ID
TASK = {"product_id": PRODUCT, "firmware_version": "2.0.0", "fw_type": "mcu", "device_names": DEVICES,
        "state": "present"}


@pytest.fixture
def calls():
    return Calls()


@pytest.fixture
def provider(calls, tmp_path):
    clock = Clock()
    params = {"secret_id": TENCENT_SECRET_ID, "secret_key": TENCENT_SECRET_KEY, "region": TENCENT_REGION,
              "endpoint": None, "pacing_dir": str(tmp_path / "pacing"), "timeout": 10}
    made = connection.provider_factory(params, session=calls, sleep=clock.sleep, clock=clock.time,
                                       monotonic=clock.monotonic)
    yield made
    made.close()


def firmware():
    """DescribeFirmware's answer (§3.1): ``ProductId`` and ``Createtime`` in the answer's own casing."""
    return ok(Version="2.0.0", ProductId=PRODUCT, Name="fw-2.0.0", Description="", Md5sum="0" * 32,
              Createtime=1767225600, ProductName="SmartSensor", FwType="mcu", UserDefined="")


def task_rows(rows, total=None, offset=0):
    return action("DescribeFirmwareTaskDevices", dict(SCOPE, Offset=offset, Limit=100),
                  ok(Total=len(rows) if total is None else total, Devices=rows))


def test_create_after_find_reads_rows_then_versions_then_posts_once(calls, provider):
    # an older task 101 upgraded D1 (row Status 6: complete) and failed on D2 (5): no active task of the version
    calls.expect(
        action("DescribeFirmware", SCOPE, firmware()),
        task_rows([row(101, D1, 6, percent=100), row(101, D2, 5, retcode=-5, err_msg="firmware update failed")]),
        # the devices already on the target: GetDeviceList filtered by FirmwareVersion (addendum; ProductId casing)
        action("GetDeviceList", {"ProductId": PRODUCT, "FirmwareVersion": "2.0.0", "FwType": "mcu", "Offset": 0,
                                 "Limit": 100}, ok(Total=1, Devices=[device_info(D1, "2.0.0")])),
        action("BatchUpdateFirmware", dict(SCOPE, DeviceNames=[D2, D3], TaskUserDefine=ANY),
               ok(TaskId=1000696)))
    work = provider.validate(dict(TASK))
    provider.prepare(work)
    lookup = provider.find(work)
    assert lookup.same == [] and lookup.busy == {} and lookup.up_to_date == [D1] and lookup.remaining == [D2, D3]
    assert provider.create(work, lookup.remaining) == 1000696
    calls.assert_done()
    marker = calls.requests[-1].body["TaskUserDefine"]
    assert isinstance(marker, str) and work["marker"] in marker  # §2.1: TaskUserDefine is a String


def test_an_active_covering_task_is_the_same_work_described_once(calls, provider):
    # task 205 has a row in progress for every device (3: downloading, 1: pending, 2: delivered, §3.14)
    rows = [row(205, D1, 3, percent=40), row(205, D2, 1), row(205, D3, 2)]
    calls.expect(
        task_rows(rows),
        action("DescribeFirmwareTask", {"ProductID": PRODUCT, "FirmwareVersion": "2.0.0", "TaskId": 205},
               ok(TaskId=205, Status=3, CreateTime=1767225000, Type=1, ProductName="SmartSensor",
                  UpgradeMode="devicenames", ProductId=PRODUCT, CreateUserId=100000000001, CreatorNickName="demo",
                  DelayTime=0, TimeoutInterval=300, UpgradeMethod=0, MaxRetryNum=0, FwType="mcu", RetryInterval=0,
                  OverrideMode=0, TaskUserDefine="", RateLimit=0)))
    work = provider.validate(dict(TASK))
    lookup = provider.find(work)
    calls.assert_done()
    assert [task.task_id for task in lookup.same] == [205] and lookup.remaining == []
    assert lookup.same[0].devices == frozenset(DEVICES) and lookup.same[0].active is True
    assert lookup.same[0].matched_by == "rows"  # the documented rows decide; TaskUserDefine carries no marker


def test_a_device_in_another_active_task_is_busy_and_nothing_is_created(calls, provider):
    calls.expect(
        task_rows([row(301, D2, 4, percent=100)]),  # 4: burning
        action("GetDeviceList", {"ProductId": PRODUCT, "FirmwareVersion": "2.0.0", "FwType": "mcu", "Offset": 0,
                                 "Limit": 100}, ok(Total=0, Devices=[])))
    lookup = provider.find(provider.validate(dict(TASK)))
    calls.assert_done()
    assert lookup.busy == {D2: 301} and lookup.remaining == [D1, D3] and lookup.same == []


def test_progress_reads_every_page_of_rows_once_and_counts_per_task(calls, provider):
    # 150 rows of the version: two pages (Offset/Limit, §3.5); the rows of other tasks are left out client-side
    first = [row(7, "tc-sensor-%04d" % number, 6) for number in range(1, 98)]
    first += [row(7, "tc-sensor-0098", 5, retcode=-5, err_msg="firmware update failed"),
              row(7, "tc-sensor-0099", 10), row(8, "tc-sensor-0100", 3)]
    second = [row(9, "tc-sensor-%04d" % number, 6) for number in range(101, 151)]
    calls.expect(task_rows(first, total=150), task_rows(second, total=150, offset=100))
    work = provider.validate(dict(TASK))
    tasks = [provider.task_ref(work, 7), provider.task_ref(work, 8), provider.task_ref(work, 9)]
    progress = provider.progress(tasks, with_failures=True)
    calls.assert_done()
    assert progress[7].summary["total"] == 99 and progress[7].summary["succeeded"] == 97
    assert progress[7].summary["failed"] == 2 and progress[7].done  # 5 failed and 10 timed out are final (§3.14)
    assert progress[7].failures == [
        {"device": "tc-sensor-0098", "detail": "firmware update failed (Retcode -5)"},
        {"device": "tc-sensor-0099", "detail": "failed (Retcode 0)"}]
    assert progress[8].summary["in_progress"] == 1 and not progress[8].done
    assert progress[9].summary["succeeded"] == 50 and progress[9].done


def test_device_is_updating_on_create_is_an_error_naming_the_code(calls, provider):
    calls.expect(action("BatchUpdateFirmware", dict(SCOPE, DeviceNames=[D1], TaskUserDefine=ANY),
                        error("FailedOperation.DeviceIsUpdating", "device is updating")))
    work = provider.validate(dict(TASK, device_names=[D1]))
    provider.scope = provider._scope_of(work)
    with pytest.raises(IoTError) as caught:
        provider.create(work, [D1])
    calls.assert_done()
    assert caught.value.code == "FailedOperation.DeviceIsUpdating" and caught.value.already_in_task
    assert "already in an upgrade task" in caught.value.message


def test_cancel_is_update_ota_task_status_6_with_product_id_lower_case_d(calls, provider):
    calls.expect(action("UpdateOtaTaskStatus", {"ProductId": PRODUCT, "TaskId": 205, "Status": 6}, ok()))
    work = provider.validate(dict(TASK))
    assert provider.cancel(provider.task_ref(work, 205)) is True
    calls.assert_done()


def test_an_unexpected_request_fails_at_once(calls, provider):
    calls.expect(action("DescribeFirmware", dict(SCOPE, FwType="module"), firmware()))
    with pytest.raises(pytest.fail.Exception, match="body .*expected"):
        provider.prepare(provider.validate(dict(TASK)))
    with pytest.raises(AssertionError, match="unexpected request #1"):
        calls.assert_done()
