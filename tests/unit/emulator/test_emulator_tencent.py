"""Tencent IoT Explorer API of the emulator: TC3 verification, envelopes, validation, modes, cancel, throttling."""

import json
import re
import time

import pytest
import requests

from emu_helpers import PRODUCT, TIMEOUT, tc3_headers
from kit.clock import Clock
from kit.credentials import TENCENT_REGION, TENCENT_SECRET_ID, TENCENT_SECRET_KEY
from iotemu import tencent as tc

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

VECTOR_ID = "AKIDEXAMPLEonlyForTestVector00000001"
VECTOR_KEY = "ExampleOnlySecretKeyForTestVector01"
VECTOR_BODY = (b'{"ProductID": "ABCDE12345", "FirmwareVersion": "2.0.0", "FirmwareOriVersion": "1.0.0", '
               b'"UpgradeMethod": 0, "TimeoutInterval": 300}')
VECTOR_AUTH = ("TC3-HMAC-SHA256 Credential=AKIDEXAMPLEonlyForTestVector00000001/2023-11-14/iotexplorer/tc3_request, "
               "SignedHeaders=content-type;host, Signature=4113635a94309e909963cdffaab1580008b469793249d947f2cd3af63a71ff70")
VECTOR_FLEET = {"tencent": {
    "credentials": [{"secret_id": VECTOR_ID, "secret_key": VECTOR_KEY}],
    "products": [{"ProductId": "ABCDE12345", "ProductName": "Vector"}],
    "firmwares": [{"ProductId": "ABCDE12345", "Version": "1.0.0"}, {"ProductId": "ABCDE12345", "Version": "2.0.0"}],
    "devices": [{"ProductId": "ABCDE12345", "DeviceName": "dev001", "versions": {"mcu": "1.0.0"}}],
}}


def vector_a_headers():
    return {"Authorization": VECTOR_AUTH, "Content-Type": "application/json", "Host": "iotexplorer.tencentcloudapi.com",
            "X-TC-Action": "BatchUpdateFirmware", "X-TC-RequestClient": "SDK_PYTHON_3.1.194", "X-TC-Timestamp": "1700000000",
            "X-TC-Version": "2019-04-23", "X-TC-Region": "ap-guangzhou", "X-TC-Language": "zh-CN"}


# --------------------------------------------------------------------------- signature


def test_signature_functions_reproduce_vector_a():
    canonical = tc.canonical_request("POST", "/", "", [("content-type", "application/json"),
                                                       ("host", "iotexplorer.tencentcloudapi.com")], VECTOR_BODY)
    assert canonical == ("POST\n/\n\ncontent-type:application/json\nhost:iotexplorer.tencentcloudapi.com\n\n"
                         "content-type;host\n4d7800af9a734d0d3c9ae25e46028385d240c43fc8d0a3a7c91af690ec9b8aa7")
    signature = tc.tc3_signature(VECTOR_KEY, "2023-11-14", "1700000000", canonical)
    assert signature == "4113635a94309e909963cdffaab1580008b469793249d947f2cd3af63a71ff70"


def test_vector_a_accepted_without_clock_check(make_emulator):
    emulator = make_emulator(fleet=VECTOR_FLEET, behaviour={"tencent_skew_check": False})
    response = requests.post(emulator.url + "/", data=VECTOR_BODY, headers=vector_a_headers(), timeout=TIMEOUT)
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/json"
    answer = response.json()["Response"]
    assert "Error" not in answer and isinstance(answer["TaskId"], int) and UUID_RE.match(answer["RequestId"])
    task = emulator.state()["tencent"]["tasks"][0]
    assert task["UpgradeMode"] == "originalVersion" and task["OriginalVersion"] == "1.0.0"
    assert [row["DeviceName"] for row in task["Devices"]] == ["dev001"]


def test_vector_a_expired_with_clock_check(make_emulator):
    emulator = make_emulator(fleet=VECTOR_FLEET)
    response = requests.post(emulator.url + "/", data=VECTOR_BODY, headers=vector_a_headers(), timeout=TIMEOUT)
    assert response.json()["Response"]["Error"]["Code"] == "AuthFailure.SignatureExpire"


def test_success_envelope(tencent):
    response = tencent.raw("DescribeFirmware", {"ProductID": PRODUCT, "FirmwareVersion": "2.0.0"})
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/json"
    answer = response.json()["Response"]
    assert UUID_RE.match(answer["RequestId"])
    assert answer["Version"] == "2.0.0" and answer["ProductId"] == PRODUCT and answer["FwType"] == "mcu"
    assert set(answer) == {"Version", "ProductId", "Name", "Description", "Md5sum", "Createtime", "ProductName", "FwType",
                           "UserDefined", "RequestId"}


def test_error_envelope(tencent):
    response = tencent.raw("DescribeFirmware", {"ProductID": "NOPE", "FirmwareVersion": "2.0.0"})
    assert response.status_code == 200
    answer = response.json()["Response"]
    assert set(answer) == {"Error", "RequestId"} and UUID_RE.match(answer["RequestId"])
    assert answer["Error"]["Code"] == "ResourceNotFound.StudioProductNotExist" and answer["Error"]["Message"]


PARAMS = {"ProductID": PRODUCT, "FirmwareVersion": "2.0.0"}


def test_bad_secret_key(emulator):
    assert emulator.tencent(secret_key="wrong").error("DescribeFirmware", PARAMS) == "AuthFailure.SignatureFailure"


def test_tampered_body(tencent):
    body = json.dumps(PARAMS).encode()
    tampered = body.replace(b"2.0.0", b"1.0.0")
    assert tencent.error("DescribeFirmware", body=tampered, sign_body=body) == "AuthFailure.SignatureFailure"


def test_wrong_host(tencent):
    code = tencent.error("DescribeFirmware", PARAMS, sign_host="iotexplorer.tencentcloudapi.com")
    assert code == "AuthFailure.SignatureFailure"


def test_content_type_is_signed(tencent):
    code = tencent.error("DescribeFirmware", PARAMS, headers={"Content-Type": "application/json; charset=utf-8"})
    assert code == "AuthFailure.SignatureFailure"


@pytest.mark.parametrize("skew", [-301, 301])
def test_expired_timestamp(tencent, skew):
    code = tencent.error("DescribeFirmware", PARAMS, timestamp=int(time.time()) + skew)
    assert code == "AuthFailure.SignatureExpire"


def test_timestamp_within_five_minutes(tencent):
    tencent.ok("DescribeFirmware", PARAMS, timestamp=int(time.time()) - 250)


def test_unknown_secret_id(emulator):
    code = emulator.tencent(secret_id="AKIDunknown00000000000000000000000000").error("DescribeFirmware", PARAMS)
    assert code == "AuthFailure.SecretIdNotFound"


@pytest.mark.parametrize("authorization", [
    None, "", "Bearer abc", "TC3-HMAC-SHA256 Credential=x",
    "TC3-HMAC-SHA256 Credential=%s/2024-01-01/iotexplorer/tc3_request, SignedHeaders=host, Signature=%s" % (TENCENT_SECRET_ID, "0" * 64),
])
def test_malformed_authorization(tencent, authorization):
    assert tencent.error("DescribeFirmware", PARAMS, headers={"Authorization": authorization}) == \
        "AuthFailure.InvalidAuthorization"


def test_credential_date_must_be_the_utc_date_of_the_timestamp(emulator, tencent):
    body = json.dumps(PARAMS).encode()
    now = int(time.time())
    headers = tc3_headers(TENCENT_SECRET_ID, TENCENT_SECRET_KEY, "DescribeFirmware", body, now, emulator.host)
    wrong_date = time.strftime("%Y-%m-%d", time.gmtime(now - 86400))
    headers["Authorization"] = re.sub(r"/\d{4}-\d{2}-\d{2}/", "/%s/" % wrong_date, headers["Authorization"])
    answer = requests.post(emulator.url + "/", data=body, headers=headers, timeout=TIMEOUT).json()["Response"]
    assert answer["Error"]["Code"] == "AuthFailure.SignatureFailure"


def test_session_token(make_emulator):
    fleet = {"tencent": {"credentials": [{"secret_id": "AKIDtemp", "secret_key": "temp-key", "session_token": "tok-1"}],
                         "products": [{"ProductId": PRODUCT}], "firmwares": [{"ProductId": PRODUCT, "Version": "2.0.0"}]}}
    emulator = make_emulator(fleet=fleet)
    emulator.tencent("AKIDtemp", "temp-key", token="tok-1").ok("DescribeFirmware", PARAMS)
    assert emulator.tencent("AKIDtemp", "temp-key", token="tok-2").error("DescribeFirmware", PARAMS) == "AuthFailure.TokenFailure"
    assert emulator.tencent("AKIDtemp", "temp-key").error("DescribeFirmware", PARAMS) == "AuthFailure.TokenFailure"


def test_token_ignored_for_permanent_keys(emulator):
    emulator.tencent(token="any-token").ok("DescribeFirmware", PARAMS)


@pytest.mark.parametrize("headers,code", [
    ({"X-TC-Version": None}, "NoSuchVersion"),
    ({"X-TC-Version": "2021-04-08"}, "NoSuchVersion"),
    ({"X-TC-Action": "DescribeEverything"}, "InvalidAction"),
    ({"X-TC-Region": None}, "MissingParameter"),
])
def test_common_parameters(tencent, headers, code):
    # the action header is not signed, so changing it keeps the signature valid
    assert tencent.error("DescribeFirmware", PARAMS, headers=headers) == code


def test_unsupported_region(make_emulator):
    emulator = make_emulator(behaviour={"tencent_regions": ["ap-guangzhou"]})
    emulator.tencent().ok("DescribeFirmware", PARAMS)
    assert emulator.tencent(region="ap-beijing").error("DescribeFirmware", PARAMS) == "UnsupportedRegion"


def test_request_limit_exceeded(make_emulator):
    clock = Clock()  # the emulator's time: its throttle window moves only when the test moves it
    emulator = make_emulator(behaviour={"tencent_calls_per_second": 3}, clock=clock)
    client = emulator.tencent()
    codes = [client.call("DescribeFirmware", PARAMS).get("Error", {}).get("Code") for dummy in range(4)]
    assert codes == [None, None, None, "RequestLimitExceeded"]
    clock.advance(0.99)  # the first call is still inside the 1 s window
    assert client.error("DescribeFirmware", PARAMS) == "RequestLimitExceeded"
    clock.advance(0.01)  # now it is not: one slot frees up
    client.ok("DescribeFirmware", PARAMS)


def test_default_limit_is_20_per_second(make_emulator):
    clock = Clock()
    client = make_emulator(clock=clock).tencent()
    codes = [client.call("DescribeFirmware", PARAMS).get("Error", {}).get("Code") for dummy in range(21)]
    assert codes == [None] * 20 + ["RequestLimitExceeded"]  # 21 calls within one (frozen) second
    clock.advance(1.0)
    assert [client.call("DescribeFirmware", PARAMS).get("Error") for dummy in range(20)] == [None] * 20


# --------------------------------------------------------------------------- BatchUpdateFirmware validation

BUF_ERRORS = [
    ("missing-ProductID", {"ProductID": None}, "MissingParameter"),
    ("missing-FirmwareVersion", {"FirmwareVersion": None}, "MissingParameter"),
    ("unknown-product", {"ProductID": "NOPRODUCT"}, "ResourceNotFound.StudioProductNotExist"),
    ("unknown-firmware", {"FirmwareVersion": "9.9.9"}, "ResourceNotFound.FirmwareNotExist"),
    ("unknown-fw-type", {"FwType": "module"}, "ResourceNotFound.FirmwareNotExist"),
    ("timeout-119", {"TimeoutInterval": 119}, "InvalidParameterValue"),
    ("timeout-901", {"TimeoutInterval": 901}, "InvalidParameterValue"),
    ("upgrade-method-2", {"UpgradeMethod": 2}, "InvalidParameterValue"),
    ("type-3", {"Type": 3}, "InvalidParameterValue"),
    ("override-mode-2", {"OverrideMode": 2}, "InvalidParameterValue"),
    ("no-mode", {"DeviceNames": None}, "InvalidParameterValue"),
    ("empty-device-names", {"DeviceNames": []}, "InvalidParameterValue"),
    ("unknown-device", {"DeviceNames": ["tc-sensor-9999"]}, "ResourceNotFound.DeviceNotExist"),
    ("unknown-field", {"DeviceName": "tc-sensor-0001"}, "UnknownParameter"),
    ("productId-casing", {"ProductId": PRODUCT}, "UnknownParameter"),
    ("wrong-type", {"TimeoutInterval": "300"}, "InvalidParameter"),
    ("unknown-file", {"DeviceNames": None, "FileName": "nope.txt"}, "InvalidParameterValue"),
    ("file-md5-mismatch", {"DeviceNames": None, "FileName": "canary-devices.txt", "FileMd5": "0" * 32},
     "InvalidParameterValue"),
    ("file-size-mismatch", {"DeviceNames": None, "FileName": "canary-devices.txt", "FileSize": 1}, "InvalidParameterValue"),
]


@pytest.mark.parametrize("name,changes,code", BUF_ERRORS, ids=[item[0] for item in BUF_ERRORS])
def test_batch_update_firmware_validation(emulator, tencent, name, changes, code):
    params = {"ProductID": PRODUCT, "FirmwareVersion": "2.0.0", "DeviceNames": ["tc-sensor-0001"], "FwType": "mcu"}
    params.update(changes)
    params = dict((key, value) for key, value in params.items() if value is not None)
    assert tencent.error("BatchUpdateFirmware", params) == code, name
    assert emulator.state()["tencent"]["tasks"] == []


def test_device_is_updating(emulator, tencent):
    tencent.create(DeviceNames=["tc-sensor-0001", "tc-sensor-0002"])
    code = tencent.error("BatchUpdateFirmware", dict(PARAMS, DeviceNames=["tc-sensor-0002", "tc-sensor-0003"]))
    assert code == "FailedOperation.DeviceIsUpdating"
    assert len(emulator.state()["tencent"]["tasks"]) == 1
    emulator.advance(10000)  # the first task is over: the devices are free again
    tencent.create(DeviceNames=["tc-sensor-0002", "tc-sensor-0003"], FirmwareOriVersion="1.0.0")


def test_override_mode_cancels_rows_of_the_older_task(tencent):
    first = tencent.create(DeviceNames=["tc-sensor-0001", "tc-sensor-0002"])
    second = tencent.create(DeviceNames=["tc-sensor-0002"], OverrideMode=1)
    rows = dict((row["DeviceName"], row) for row in tencent.rows(first))
    assert rows["tc-sensor-0002"]["Status"] == 5 and rows["tc-sensor-0001"]["Status"] in (1, 2, 3, 4)
    assert [row["Status"] for row in tencent.rows(second)] == [2]


# --------------------------------------------------------------------------- the three modes


def test_mode_device_names(tencent):
    task_id = tencent.create(DeviceNames=["tc-sensor-0003", "tc-sensor-0001", "tc-sensor-0003"], TimeoutInterval=300,
                             TaskUserDefine='{"iotfleet":"abc"}', FwType="mcu")
    task = tencent.task(task_id)
    assert task["UpgradeMode"] == "devicenames" and "OriginalVersion" not in task
    assert task["TaskUserDefine"] == '{"iotfleet":"abc"}' and task["TimeoutInterval"] == 300 and task["FwType"] == "mcu"
    assert task["ProductId"] == PRODUCT and task["ProductName"] == "SmartSensor" and task["Status"] == 1
    assert [row["DeviceName"] for row in tencent.rows(task_id)] == ["tc-sensor-0003", "tc-sensor-0001"]


def test_mode_original_version(emulator, tencent):
    emulator.control("POST", "devices", {"tencent": {"TCPROD0001/tc-sensor-0005": {"versions": {"mcu": "2.0.0"}}}})
    task_id = tencent.create(FirmwareOriVersion="1.0.0")
    task = tencent.task(task_id)
    assert task["UpgradeMode"] == "originalVersion" and task["OriginalVersion"] == "1.0.0"
    names = [row["DeviceName"] for row in tencent.rows(task_id)]
    assert len(names) == 19 and "tc-sensor-0005" not in names


def test_mode_file_name(emulator, tencent):
    files = emulator.state()["tencent"]["device_list_files"]
    spec = files["canary-devices.txt"]
    assert spec["devices"] == ["tc-sensor-%04d" % n for n in range(1, 6)]
    task_id = tencent.create(FileName="canary-devices.txt", FileMd5=spec["md5"], FileSize=spec["size"])
    task = tencent.task(task_id)
    assert task["UpgradeMode"] == "filename" and "OriginalVersion" not in task
    assert [row["DeviceName"] for row in tencent.rows(task_id)] == spec["devices"]


def test_all_fields_echoed(tencent):
    fields = {"UpgradeMethod": 1, "TimeoutInterval": 600, "Type": 7, "DelayTime": 30, "OverrideMode": 1, "MaxRetryNum": 2,
              "RetryInterval": 5, "FwType": "mcu", "TaskUserDefine": "{}", "RateLimit": 100}
    task_id = tencent.create(DeviceNames=["tc-sensor-0001"], **fields)
    task = tencent.task(task_id)
    for key, value in fields.items():
        assert task[key] == value, key
    assert task["StartTime"] == 0 and task["EndTime"] == 0
    assert isinstance(task["CreateTime"], int) and task["CreateUserId"] and task["CreatorNickName"] == "demo"


# --------------------------------------------------------------------------- queries


def test_describe_firmware_task_unknown(tencent):
    code = tencent.error("DescribeFirmwareTask", {"ProductID": PRODUCT, "FirmwareVersion": "2.0.0", "TaskId": 42})
    assert code == "ResourceNotFound.FirmwareTaskNotExist"


def test_describe_firmware_tasks(tencent):
    ids = [tencent.create(DeviceNames=["tc-sensor-%04d" % n]) for n in range(1, 4)]
    missing = tencent.error("DescribeFirmwareTasks", {"ProductID": PRODUCT, "FirmwareVersion": "2.0.0"})
    assert missing == "MissingParameter"
    page = tencent.ok("DescribeFirmwareTasks", {"ProductID": PRODUCT, "FirmwareVersion": "2.0.0", "Offset": 0, "Limit": 2})
    assert page["Total"] == 3 and [info["TaskId"] for info in page["TaskInfos"]] == [ids[2], ids[1]]
    info = page["TaskInfos"][0]
    assert set(info) == {"TaskId", "Status", "Type", "CreateTime", "CreatorNickName", "CreateUserId", "CronTime", "FwType"}
    rest = tencent.ok("DescribeFirmwareTasks", {"ProductID": PRODUCT, "FirmwareVersion": "2.0.0", "Offset": 2, "Limit": 2})
    assert [info["TaskId"] for info in rest["TaskInfos"]] == [ids[0]]
    other = tencent.ok("DescribeFirmwareTasks", {"ProductID": PRODUCT, "FirmwareVersion": "1.0.0", "Offset": 0, "Limit": 10})
    assert other["Total"] == 0 and other["TaskInfos"] == []


def test_describe_firmware_task_devices_and_filters(tencent):
    first = tencent.create(DeviceNames=["tc-sensor-0001", "tc-sensor-0002"])
    second = tencent.create(DeviceNames=["tc-sensor-0003"])
    rows = tencent.rows()
    assert [(row["TaskId"], row["DeviceName"]) for row in rows] == [
        (second, "tc-sensor-0003"), (first, "tc-sensor-0001"), (first, "tc-sensor-0002")]
    assert set(rows[0]) == {"DeviceName", "LastProcessTime", "Status", "ErrMsg", "Retcode", "DstVersion", "Percent",
                            "OriVersion", "TaskId", "FwType", "RetryNum"}
    assert [row["DeviceName"] for row in tencent.rows(first)] == ["tc-sensor-0001", "tc-sensor-0002"]
    by_name = tencent.ok("DescribeFirmwareTaskDevices", {"ProductID": PRODUCT, "FirmwareVersion": "2.0.0",
                                                         "Filters": [{"Key": "DeviceName", "Value": "tc-sensor-0002"}]})
    assert by_name["Total"] == 1 and by_name["Devices"][0]["TaskId"] == first
    page = tencent.ok("DescribeFirmwareTaskDevices", {"ProductID": PRODUCT, "FirmwareVersion": "2.0.0", "Offset": 1,
                                                      "Limit": 1})
    assert page["Total"] == 3 and [row["DeviceName"] for row in page["Devices"]] == ["tc-sensor-0001"]
    bad = tencent.error("DescribeFirmwareTaskDevices", {"ProductID": PRODUCT, "FirmwareVersion": "2.0.0",
                                                        "Filters": [{"Key": "Colour", "Value": "red"}]})
    assert bad == "InvalidParameterValue"


def test_describe_firmware_update_status(emulator, tencent):
    params = {"ProductId": PRODUCT, "DeviceName": "tc-sensor-0001"}
    assert tencent.error("DescribeFirmwareUpdateStatus", params) == "ResourceNotFound.FirmwareTaskNotExist"
    assert tencent.error("DescribeFirmwareUpdateStatus", {"ProductID": PRODUCT, "DeviceName": "x"}) == "UnknownParameter"
    tencent.create(DeviceNames=["tc-sensor-0001"])
    emulator.advance(10000)
    status = tencent.ok("DescribeFirmwareUpdateStatus", params)
    assert (status["OriVersion"], status["DstVersion"], status["Status"], status["Percent"]) == ("1.0.0", "2.0.0", 6, 100)


def test_list_firmwares(tencent):
    page = tencent.ok("ListFirmwares", {"PageNum": 1, "PageSize": 10, "ProductID": PRODUCT})
    assert page["TotalCount"] == 2 and {item["Version"] for item in page["Firmwares"]} == {"1.0.0", "2.0.0"}
    assert set(page["Firmwares"][0]) == {"Version", "Md5sum", "CreateTime", "ProductName", "Name", "Description",
                                         "ProductId", "FwType", "CreateUserId", "CreatorNickName", "UserDefined"}
    assert tencent.error("ListFirmwares", {"PageNum": 1}) == "MissingParameter"


# --------------------------------------------------------------------------- cancel


def test_cancel_with_update_ota_task_status(emulator, tencent):
    task_id = tencent.create(DeviceNames=["tc-sensor-0001", "tc-sensor-0002"])
    tencent.ok("UpdateOtaTaskStatus", {"ProductId": PRODUCT, "TaskId": task_id, "Status": 6})
    assert tencent.task(task_id)["Status"] == 6
    rows = tencent.rows(task_id)
    assert [(row["Status"], row["ErrMsg"]) for row in rows] == [(5, "task cancelled")] * 2
    emulator.advance(10000)
    assert [row["Status"] for row in tencent.rows(task_id)] == [5, 5]
    versions = dict((d["DeviceName"], d["versions"]["mcu"]) for d in emulator.state()["tencent"]["devices"])
    assert versions["tc-sensor-0001"] == "1.0.0"
    again = tencent.error("UpdateOtaTaskStatus", {"ProductId": PRODUCT, "TaskId": task_id, "Status": 6})
    assert again == "FailedOperation"
    tencent.create(DeviceNames=["tc-sensor-0001"])  # the devices are free after the cancel


def test_cancel_errors(emulator, tencent):
    task_id = tencent.create(DeviceNames=["tc-sensor-0001"])
    assert tencent.error("UpdateOtaTaskStatus", {"ProductId": PRODUCT, "TaskId": 4242, "Status": 6}) == \
        "ResourceNotFound.FirmwareTaskNotExist"
    assert tencent.error("UpdateOtaTaskStatus", {"ProductID": PRODUCT, "TaskId": task_id, "Status": 6}) == "UnknownParameter"
    assert tencent.error("UpdateOtaTaskStatus", {"ProductId": PRODUCT, "TaskId": task_id, "Status": 3}) == \
        "InvalidParameterValue"
    emulator.advance(10000)
    assert tencent.task(task_id)["Status"] == 5
    assert tencent.error("UpdateOtaTaskStatus", {"ProductId": PRODUCT, "TaskId": task_id, "Status": 6}) == "FailedOperation"


def test_region_header_value_is_free_by_default(emulator):
    assert TENCENT_REGION == "ap-guangzhou"
    emulator.tencent(region="na-ashburn").ok("DescribeFirmware", PARAMS)
