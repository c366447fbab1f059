"""Client and runners against the in-memory platform: exact ordered calls per scenario."""
import json

import pytest

from ansible_collections.iotfleet.firmware.plugins.module_utils import tencent_iot
from ansible_collections.iotfleet.firmware.plugins.module_utils._tencent import task as tt
from ansible_collections.iotfleet.firmware.plugins.module_utils.common import IoTError

from test_tencent_fake_platform import (  # same directory (pytest rootdir-relative import)
    ENDPOINT,
    PRODUCT,
    SECRET_KEY,
    SESSION_TOKEN,
    FakeTencent,
    FakeResponse,
    make_client,
)

DF, DFTS, DFT, DEV = "DescribeFirmware", "DescribeFirmwareTasks", "DescribeFirmwareTask", "DescribeFirmwareTaskDevices"
BUF, CANCEL = "BatchUpdateFirmware", "UpdateOtaTaskStatus"


def desired_of(**overrides):
    params = dict((key, None) for key, _field in tt.REQUEST_FIELDS)
    params.update(state="present", task_id=None, product_id=PRODUCT, firmware_version="2.0.0", fw_type="mcu")
    params.update(overrides)
    return tt.validate(params)


class Clock:
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def runner(fake, check_mode=False, wait=False, wait_timeout=60, wait_sleep=5, on_sleep=None, **desired):
    client = make_client(fake)
    clock = Clock()

    def sleep(seconds):
        clock.sleep(seconds)
        if on_sleep:
            on_sleep(fake, clock)

    run = tencent_iot.BatchFirmware(client, desired_of(**desired), check_mode=check_mode, wait=wait,
                                    wait_timeout=wait_timeout, wait_sleep=wait_sleep, sleep=sleep,
                                    monotonic=clock.monotonic)
    run.clock = clock
    return run


DEVICES = ["tc-sensor-0001", "tc-sensor-0002", "tc-sensor-0003"]


# --------------------------------------------------------------------------- present

def test_create_by_device_names_exact_calls():
    fake = FakeTencent()
    result = runner(fake, device_names=DEVICES, timeout_interval=300).run()
    assert fake.actions() == [DF, DFTS, BUF, DFT, DEV]
    assert result["changed"] is True and result["created"] is True and result["reconciled"] is False
    assert result["task_id"] == 1001 and result["task"]["TaskId"] == 1001
    create = fake.params(BUF)[0]
    assert create["ProductID"] == PRODUCT and create["DeviceNames"] == DEVICES and create["FwType"] == "mcu"
    assert json.loads(create["TaskUserDefine"]) == {"iotfleet": result["marker"]}
    assert fake.params(DF)[0] == {"ProductID": PRODUCT, "FirmwareVersion": "2.0.0", "FwType": "mcu"}
    assert fake.params(DFTS)[0] == {"ProductID": PRODUCT, "FirmwareVersion": "2.0.0", "FwType": "mcu", "Offset": 0,
                                    "Limit": 100}
    assert fake.params(DFT)[0] == {"ProductID": PRODUCT, "FirmwareVersion": "2.0.0", "TaskId": 1001}
    assert fake.params(DEV)[0]["Filters"] == [{"Key": "TaskId", "Value": "1001"}]
    assert result["summary"]["total"] == 3 and result["summary"]["in_progress"] == 3
    assert result["counts"]["pending"] == 3
    assert result["diff"]["before"] == {} and result["diff"]["after"]["request"] == create


def test_rerun_is_unchanged_exact_calls():
    fake = FakeTencent()
    first = runner(fake, device_names=DEVICES).run()
    fake.calls[:] = []
    second = runner(fake, device_names=list(reversed(DEVICES))).run()
    assert fake.actions() == [DF, DFTS, DFT, DEV]
    assert second["changed"] is False and second["task_id"] == first["task_id"] and second["matched_by"] == "marker"
    assert len(fake.tasks) == 1
    assert second["diff"]["before"] == second["diff"]["after"]


def test_create_by_original_version_and_by_file():
    fake = FakeTencent(files={"wave.csv": DEVICES[:2]})
    by_version = runner(fake, firmware_ori_version="1.0.0").run()
    assert fake.params(BUF)[0]["FirmwareOriVersion"] == "1.0.0"
    assert by_version["summary"]["total"] == 10
    by_file = runner(fake, file_name="wave.csv", file_md5="0" * 32, file_size=30).run()
    assert (fake.params(BUF)[1]["FileName"], fake.params(BUF)[1]["FileSize"]) == ("wave.csv", 30)
    assert by_file["summary"]["total"] == 2 and by_file["task_id"] != by_version["task_id"]


def test_check_mode_reads_only():
    fake = FakeTencent()
    result = runner(fake, check_mode=True, wait=True, device_names=DEVICES).run()
    assert fake.actions() == [DF, DFTS]
    assert result["changed"] is True and result["task_id"] is None and not fake.tasks
    assert result["wait"]["skipped"] is True
    assert result["request"]["DeviceNames"] == DEVICES


def test_check_mode_with_existing_task_is_unchanged():
    fake = FakeTencent()
    runner(fake, device_names=DEVICES).run()
    fake.calls[:] = []
    result = runner(fake, check_mode=True, device_names=DEVICES).run()
    assert fake.actions() == [DF, DFTS, DFT, DEV] and result["changed"] is False


def test_missing_firmware_fails_before_any_write():
    fake = FakeTencent()
    with pytest.raises(IoTError) as info:
        runner(fake, firmware_version="9.9.9", device_names=DEVICES).run()
    assert fake.actions() == [DF]
    assert info.value.code == "ResourceNotFound.FirmwareNotExist"
    assert "Firmware version 9.9.9 (fw_type mcu) of product TCPROD0001 does not exist" in info.value.message
    assert "upload it first" in info.value.message


def test_missing_product_explained():
    fake = FakeTencent()
    with pytest.raises(IoTError) as info:
        runner(fake, product_id="NOPE", device_names=DEVICES).run()
    assert "Product NOPE does not exist in region ap-guangzhou" in info.value.message


def test_finished_task_still_counts_and_cancelled_task_is_replaced():
    fake = FakeTencent()
    first = runner(fake, device_names=DEVICES).run()
    fake.set_rows(first["task_id"], 6)
    fake.tasks[first["task_id"]]["Status"] = 5  # undocumented "finished"-like value
    again = runner(fake, device_names=DEVICES).run()
    assert again["changed"] is False and again["summary"]["succeeded"] == 3
    fake.tasks[first["task_id"]]["Status"] = 6  # cancelled
    fake.calls[:] = []
    replaced = runner(fake, device_names=DEVICES).run()
    assert fake.actions() == [DF, DFTS, BUF, DFT, DEV]  # cancelled candidate skipped without DescribeFirmwareTask
    assert replaced["changed"] is True and replaced["task_id"] != first["task_id"]


def test_newest_first_and_stop_early():
    fake = FakeTencent()
    mine = desired_of(device_names=DEVICES)
    fake.add_task(tt.build_create_request(mine), create_time=100)
    for n in range(3):
        fake.add_task({"ProductID": PRODUCT, "FirmwareVersion": "2.0.0", "FwType": "mcu",
                       "DeviceNames": ["tc-sensor-%04d" % (5 + n)]}, create_time=200 + n)
    newest_match = fake.add_task(tt.build_create_request(mine), create_time=300)
    result = runner(fake, device_names=DEVICES).run()
    assert result["task_id"] == newest_match
    assert fake.actions() == [DF, DFTS, DFT, DEV]


def test_text_user_define_matches_on_fields_and_device_rows():
    fake = FakeTencent()
    first = runner(fake, device_names=DEVICES, task_user_define="spring wave").run()
    assert fake.params(BUF)[0]["TaskUserDefine"] == "spring wave"
    fake.calls[:] = []
    second = runner(fake, device_names=DEVICES, task_user_define="spring wave").run()
    assert fake.actions() == [DF, DFTS, DFT, DEV, DEV]
    assert "Filters" not in fake.params(DEV)[0]  # all rows of the version, grouped by TaskId
    assert second["changed"] is False and second["task_id"] == first["task_id"] and second["matched_by"] == "fields"
    fake.calls[:] = []
    third = runner(fake, device_names=DEVICES[:2], task_user_define="spring wave").run()
    assert third["changed"] is True and BUF in fake.actions()


def test_present_with_task_id():
    fake = FakeTencent()
    created = runner(fake, device_names=DEVICES).run()
    fake.calls[:] = []
    result = runner(fake, task_id=created["task_id"]).run()
    assert fake.actions() == [DFT, DEV]
    assert result["changed"] is False and result["matched_by"] == "task_id"
    with pytest.raises(IoTError) as info:
        runner(fake, task_id=4242).run()
    assert "Task 4242 of product TCPROD0001, firmware 2.0.0 does not exist" in info.value.message


# --------------------------------------------------------------------------- lost answers and retries

def test_lost_create_answer_is_reconciled_without_duplicate():
    fake = FakeTencent()
    fake.fault(BUF, "drop")
    result = runner(fake, device_names=DEVICES).run()
    assert fake.actions() == [DF, DFTS, BUF, DFTS, DFT, DFT, DEV]
    assert len(fake.tasks) == 1
    assert result["changed"] is True and result["reconciled"] is True and result["created"] is False
    assert result["task_id"] == 1001


def test_create_lost_before_execution_is_posted_once_more_after_reconciliation():
    fake = FakeTencent()
    fake.fault(BUF, "timeout")
    run = runner(fake, device_names=DEVICES)
    result = run.run()
    assert fake.actions() == [DF, DFTS, BUF, DFTS, DFTS, DFTS, BUF, DFT, DEV]
    assert run.clock.sleeps == [1, 3]
    assert len(fake.tasks) == 1 and result["created"] is True


def test_create_never_posted_more_than_twice():
    fake = FakeTencent()
    fake.fault(BUF, "timeout", "timeout", "timeout")
    with pytest.raises(IoTError) as info:
        runner(fake, device_names=DEVICES).run()
    assert fake.actions().count(BUF) == 2
    assert "nothing more was sent to avoid a duplicate" in info.value.message


def test_internal_error_and_http_5xx_on_create_reconcile_instead_of_retry():
    for kind in ("internal", "http_503"):
        fake = FakeTencent()
        fake.fault(BUF, kind)
        result = runner(fake, device_names=DEVICES).run()
        assert fake.actions() == [DF, DFTS, BUF, DFTS, DFTS, DFTS, BUF, DFT, DEV], kind
        assert len(fake.tasks) == 1 and result["created"] is True


def test_throttled_or_refused_create_is_retried_directly():
    fake = FakeTencent()
    fake.fault(BUF, "throttle", "refused")
    run = runner(fake, device_names=DEVICES)
    result = run.run()
    assert fake.actions() == [DF, DFTS, BUF, BUF, BUF, DFT, DEV]
    assert len(fake.tasks) == 1 and result["created"] is True
    assert [r["error_code"] for r in run.client.retries] == ["RequestLimitExceeded", "ConnectionError"]


def test_reads_retry_throttle_internal_error_5xx_and_timeouts():
    fake = FakeTencent()
    fake.fault(DF, "throttle", "internal")
    fake.fault(DFTS, "http_503", "timeout")
    fake.fault(DEV, ("error", "RequestLimitExceeded.UinLimitExceeded", "slow down"))
    run = runner(fake, device_names=DEVICES)
    result = run.run()
    assert fake.actions() == [DF, DF, DF, DFTS, DFTS, DFTS, BUF, DFT, DEV, DEV]
    assert result["changed"] is True
    assert len(run.client.sleeps) == 5


def test_read_retries_are_bounded():
    fake = FakeTencent()
    fake.fault(DF, *["throttle"] * 10)
    with pytest.raises(IoTError) as info:
        runner(fake, device_names=DEVICES).run()
    assert fake.actions() == [DF] * 4
    assert info.value.code == "RequestLimitExceeded"


def test_non_retryable_errors_fail_at_once():
    fake = FakeTencent()
    fake.fault(DF, ("error", "UnauthorizedOperation.NoPermissionToStudioProduct", "no ACL"))
    with pytest.raises(IoTError) as info:
        runner(fake, device_names=DEVICES).run()
    assert fake.actions() == [DF]
    assert "CAM policy" in info.value.message


# --------------------------------------------------------------------------- errors explained

def test_signature_expire_explains_clock_skew():
    fake = FakeTencent()
    fake.fault(DF, "expire")
    with pytest.raises(IoTError) as info:
        make_client(fake).describe_firmware(PRODUCT, "2.0.0")
    message = info.value.message
    assert info.value.code == "AuthFailure.SignatureExpire" and not info.value.retryable
    assert "clock" in message and "more than 5 minutes" in message and "NTP" in message
    assert "-600 s" in message  # client 00:00:00 vs server Date 00:10:00
    assert "RequestId req-1" in message


def test_signature_failure_explains_secret_and_proxies():
    fake = FakeTencent()
    fake.fault(DF, "sigfail")
    with pytest.raises(IoTError) as info:
        make_client(fake).describe_firmware(PRODUCT, "2.0.0")
    assert "secret_key" in info.value.message and "proxy" in info.value.message


def test_unknown_parameter_mentions_start_and_end_time():
    error = tencent_iot.api_error(BUF, "UnknownParameter", "StartTime")
    assert "start_time/end_time" in error.message and not error.retryable


def test_secrets_are_redacted_from_errors():
    fake = FakeTencent()
    fake.fault(DF, ("error", "InvalidParameter", "bad value %s and %s" % (SECRET_KEY, SESSION_TOKEN)))
    client = make_client(fake, session_token=SESSION_TOKEN)
    with pytest.raises(IoTError) as info:
        client.describe_firmware(PRODUCT, "2.0.0")
    assert SECRET_KEY not in info.value.message and SESSION_TOKEN not in info.value.message
    assert "********" in info.value.message
    assert fake.headers[0]["X-TC-Token"] == SESSION_TOKEN


def test_invalid_envelope():
    class Garbage:
        def request(self, *args, **kwargs):
            return FakeResponse(200, text="<html>proxy login</html>")

    client = tencent_iot.TencentIoTClient("AKIDx", "key-xxxx", "ap-guangzhou", endpoint=ENDPOINT, session=Garbage())
    with pytest.raises(IoTError) as info:
        client.describe_firmware(PRODUCT, "2.0.0")
    assert info.value.code == "InvalidResponse" and not info.value.retryable


@pytest.mark.parametrize("endpoint", ["ftp://x", "iotexplorer.tencentcloudapi.com", "https://h/path", "https://h/?a=1"])
def test_bad_endpoints(endpoint):
    with pytest.raises(IoTError):
        tencent_iot.TencentIoTClient("AKIDx", "key", "ap-guangzhou", endpoint=endpoint, session=object())


def test_endpoint_host_and_url():
    client = tencent_iot.TencentIoTClient("AKIDx", "key", "r", endpoint="https://iotexplorer.tencentcloudapi.com/",
                                          session=object())
    assert (client.host, client.url) == ("iotexplorer.tencentcloudapi.com", "https://iotexplorer.tencentcloudapi.com/")


# --------------------------------------------------------------------------- paging and filters

def test_device_paging_and_task_filter_fallback():
    fake = FakeTencent(reject_filters=True, page_cap=4)
    fake.add_task({"ProductID": PRODUCT, "FirmwareVersion": "2.0.0", "FirmwareOriVersion": "1.0.0"})
    other = fake.add_task({"ProductID": PRODUCT, "FirmwareVersion": "2.0.0", "DeviceNames": DEVICES})
    client = make_client(fake)
    rows = client.list_task_devices(PRODUCT, "2.0.0", task_id=other)
    assert sorted(r["DeviceName"] for r in rows) == DEVICES
    # 1 rejected filtered call, then 13 rows in pages of 4
    assert fake.actions() == [DEV] * 5
    assert [p.get("Offset") for p in fake.params(DEV)] == [0, 0, 4, 8, 12]
    assert client.task_filter_supported is False
    fake.calls[:] = []
    client.list_task_devices(PRODUCT, "2.0.0", task_id=other)
    assert all("Filters" not in p for p in fake.params(DEV))


def test_task_listing_pages():
    fake = FakeTencent(page_cap=2)
    for n in range(5):
        fake.add_task({"ProductID": PRODUCT, "FirmwareVersion": "2.0.0", "DeviceNames": ["d%d" % n]})
    infos = make_client(fake).list_firmware_tasks(PRODUCT, "2.0.0")
    assert len(infos) == 5 and [p["Offset"] for p in fake.params(DFTS)] == [0, 2, 4]


# --------------------------------------------------------------------------- wait

def test_wait_until_all_devices_final_with_counts():
    def progress(fake, clock):
        if len(clock.sleeps) == 1:
            fake.set_rows(1001, 3)
        if len(clock.sleeps) == 2:
            fake.set_rows(1001, 6)
            fake.set_rows(1001, 10, names=["tc-sensor-0003"])

    fake = FakeTencent()
    result = runner(fake, wait=True, wait_sleep=5, on_sleep=progress, device_names=DEVICES).run()
    assert fake.actions() == [DF, DFTS, BUF, DFT, DEV, DEV, DEV, DEV]
    assert result["wait"] == {"timed_out": False, "elapsed": 10.0, "polls": 3}
    assert result["elapsed"] == 10.0
    assert result["summary"] == {"total": 3, "succeeded": 2, "failed": 1, "in_progress": 0, "finished": 3,
                                 "success_percent": 66.67, "failure_percent": 33.33}
    assert result["counts"]["succeeded"] == 2 and result["counts"]["timed_out"] == 1


def test_wait_times_out_without_failing():
    fake = FakeTencent()
    result = runner(fake, wait=True, wait_timeout=12, wait_sleep=5, device_names=DEVICES).run()
    assert result["wait"]["timed_out"] is True and result["wait"]["polls"] == 3
    assert result["summary"]["in_progress"] == 3


def test_wait_survives_throttling():
    fake = FakeTencent()
    fake.faults[DEV] = [None, None, "throttle", "throttle"]  # the first wait polls are throttled
    result = runner(fake, wait=True, wait_timeout=6, wait_sleep=5,
                    on_sleep=lambda f, c: f.set_rows(1001, 6), device_names=DEVICES).run()
    assert result["wait"]["timed_out"] is False and result["summary"]["succeeded"] == 3


# --------------------------------------------------------------------------- absent

def test_absent_cancels_active_matching_task():
    fake = FakeTencent()
    created = runner(fake, device_names=DEVICES).run()
    fake.calls[:] = []
    result = runner(fake, state="absent", device_names=DEVICES).run()
    assert fake.actions() == [DFTS, DFT, DEV, CANCEL, DFT, DEV]
    assert fake.params(CANCEL) == [{"ProductId": PRODUCT, "TaskId": created["task_id"], "Status": 6}]
    assert result["changed"] is True and result["cancelled_task_ids"] == [created["task_id"]]
    assert result["task"]["Status"] == 6
    assert result["diff"]["after"]["tasks"][0]["state"] == "cancelled"
    fake.calls[:] = []
    again = runner(fake, state="absent", device_names=DEVICES).run()
    assert fake.actions() == [DFTS]  # cancelled tasks are not even described
    assert again["changed"] is False and again["cancelled_task_ids"] == []


def test_absent_leaves_finished_tasks_alone():
    fake = FakeTencent()
    created = runner(fake, device_names=DEVICES).run()
    fake.set_rows(created["task_id"], 6)  # device-level 6 = done, NOT cancelled
    fake.calls[:] = []
    result = runner(fake, state="absent", device_names=DEVICES).run()
    assert CANCEL not in fake.actions() and result["changed"] is False
    assert result["summary"]["succeeded"] == 3


def test_absent_check_mode_sends_no_cancel():
    fake = FakeTencent()
    runner(fake, device_names=DEVICES).run()
    fake.calls[:] = []
    result = runner(fake, state="absent", check_mode=True, device_names=DEVICES).run()
    assert fake.actions() == [DFTS, DFT, DEV, DEV]
    assert result["changed"] is True and fake.tasks[1001]["Status"] == 1


def test_absent_by_task_id_and_missing_task():
    fake = FakeTencent()
    created = runner(fake, device_names=DEVICES).run()
    fake.calls[:] = []
    result = runner(fake, state="absent", task_id=created["task_id"]).run()
    assert fake.actions() == [DFT, DEV, CANCEL, DFT, DEV] and result["changed"] is True
    fake.calls[:] = []
    missing = runner(fake, state="absent", task_id=777).run()
    assert fake.actions() == [DFT] and missing["changed"] is False and missing["tasks"] == []


def test_absent_with_nothing_matching():
    fake = FakeTencent()
    result = runner(fake, state="absent", device_names=DEVICES).run()
    assert fake.actions() == [DFTS] and result["changed"] is False


def test_lost_cancel_answer_checked_by_reading():
    fake = FakeTencent()
    runner(fake, device_names=DEVICES).run()
    fake.fault(CANCEL, "drop")
    fake.calls[:] = []
    result = runner(fake, state="absent", device_names=DEVICES).run()
    assert fake.actions() == [DFTS, DFT, DEV, CANCEL, DFT, DFT, DEV]
    assert result["changed"] is True


def test_absent_cancels_every_matching_task():
    fake = FakeTencent()
    mine = tt.build_create_request(desired_of(device_names=DEVICES))
    first, second = fake.add_task(mine), fake.add_task(mine)
    result = runner(fake, state="absent", device_names=DEVICES).run()
    assert sorted(result["cancelled_task_ids"]) == [first, second]
    assert result["task_id"] is None and len(result["tasks"]) == 2


# --------------------------------------------------------------------------- info

def test_info_listing_and_by_ids():
    fake = FakeTencent()
    one = fake.add_task({"ProductID": PRODUCT, "FirmwareVersion": "2.0.0", "FwType": "mcu", "DeviceNames": DEVICES})
    two = fake.add_task({"ProductID": PRODUCT, "FirmwareVersion": "2.0.0", "FwType": "mcu",
                         "DeviceNames": ["tc-sensor-0009"]})
    fake.set_rows(one, 6)
    fake.set_rows(two, 5, "firmware no need update.")
    client = make_client(fake)
    listing = tencent_iot.run_info(client, {"product_id": PRODUCT, "firmware_version": "2.0.0"})
    assert fake.actions() == [DFTS, DEV]
    assert listing["task_ids"] == [two, one] and listing["total"] == 2 and listing["changed"] is False
    assert listing["summary"]["succeeded"] == 4 and "devices" not in listing
    assert listing["per_task"][str(two)]["counts"]["already_current"] == 1

    fake.calls[:] = []
    by_ids = tencent_iot.run_info(client, {"product_id": PRODUCT, "firmware_version": "2.0.0", "task_ids": [one, two, one],
                                           "include_devices": True})
    assert fake.actions() == [DFT, DFT, DEV]
    assert [t["TaskId"] for t in by_ids["tasks"]] == [one, two] and len(by_ids["devices"]) == 4

    fake.calls[:] = []
    single = tencent_iot.run_info(client, {"product_id": PRODUCT, "firmware_version": "2.0.0", "task_id": one,
                                           "include_devices": True})
    assert fake.actions() == [DFT, DEV] and fake.params(DEV)[0]["Filters"][0]["Value"] == str(one)
    assert single["summary"]["total"] == 3 and all(r["TaskId"] == one for r in single["devices"])


def test_info_single_page():
    fake = FakeTencent()
    for n in range(3):
        fake.add_task({"ProductID": PRODUCT, "FirmwareVersion": "2.0.0", "DeviceNames": ["d%d" % n]})
    page = tencent_iot.run_info(make_client(fake), {"product_id": PRODUCT, "firmware_version": "2.0.0", "offset": 1,
                                                    "limit": 1})
    assert fake.params(DFTS) == [{"ProductID": PRODUCT, "FirmwareVersion": "2.0.0", "Offset": 1, "Limit": 1}]
    assert page["total"] == 3 and len(page["tasks"]) == 1


def test_cancel_race_with_a_task_that_just_finished():
    fake = FakeTencent()
    created = runner(fake, device_names=DEVICES).run()
    original = fake.do_UpdateOtaTaskStatus

    def finish_first(params):
        fake.set_rows(created["task_id"], 6)  # the devices finished between the read and the cancel
        fake.do_UpdateOtaTaskStatus = original
        return fake._error("FailedOperation", "The task has already finished")

    fake.do_UpdateOtaTaskStatus = finish_first
    fake.calls[:] = []
    result = runner(fake, state="absent", device_names=DEVICES).run()
    assert fake.actions() == [DFTS, DFT, DEV, CANCEL, DFT, DEV, DEV]
    assert result["changed"] is False and result["cancelled_task_ids"] == []
    assert result["diff"]["after"] == result["diff"]["before"]
