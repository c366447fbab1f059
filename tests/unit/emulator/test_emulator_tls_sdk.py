"""HTTPS and mutual TLS, and conformance against the official Tencent Cloud Python SDK."""

import json
import os

import pytest
import requests

from emu_helpers import API, PRODUCT, SEC, TIMEOUT
from kit.credentials import HUAWEI_APP_ID, HUAWEI_SECRET, TENCENT_REGION, TENCENT_SECRET_ID, TENCENT_SECRET_KEY


def test_server_tls(make_emulator, tmp_path):
    emulator = make_emulator(tls="server")
    assert emulator.url.startswith("https://127.0.0.1:")
    ca_path = emulator.server.ca_path
    assert os.path.isfile(ca_path) and emulator.server.client_cert is None
    assert requests.get(emulator.url + "/_emulator/health", verify=ca_path, timeout=TIMEOUT).json() == {"ok": True}
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(emulator.url + "/_emulator/health", timeout=TIMEOUT)  # not signed by a public CA
    assert sorted(os.listdir(os.path.dirname(ca_path))) == ["ca.pem", "server.key", "server.pem"]


def test_mutual_tls(make_emulator):
    emulator = make_emulator(tls="mutual")
    server = emulator.server
    assert os.path.isfile(server.client_cert) and os.path.isfile(server.client_key)
    login = requests.post(emulator.url + SEC + "/login", data={"appId": HUAWEI_APP_ID, "secret": HUAWEI_SECRET}, verify=server.ca_path,
                          cert=(server.client_cert, server.client_key), timeout=TIMEOUT)
    assert login.status_code == 200
    headers = {"app_key": HUAWEI_APP_ID, "Authorization": "Bearer " + login.json()["accessToken"]}
    listing = requests.get(emulator.url + API + "/operations", headers=headers, verify=server.ca_path,
                           cert=(server.client_cert, server.client_key), timeout=TIMEOUT)
    assert listing.status_code == 200
    with pytest.raises((requests.exceptions.SSLError, requests.exceptions.ConnectionError)):
        requests.post(emulator.url + SEC + "/login", data={"appId": HUAWEI_APP_ID, "secret": HUAWEI_SECRET}, verify=server.ca_path,
                      timeout=TIMEOUT)
    # the server survives the rejected handshake
    assert requests.get(emulator.url + "/_emulator/health", verify=server.ca_path,
                        cert=(server.client_cert, server.client_key), timeout=TIMEOUT).status_code == 200


# --------------------------------------------------------------------------- Tencent SDK


def sdk_client(emulator, secret_key=TENCENT_SECRET_KEY):
    credential = pytest.importorskip("tencentcloud.common.credential")
    client_profile = pytest.importorskip("tencentcloud.common.profile.client_profile")
    http_profile = pytest.importorskip("tencentcloud.common.profile.http_profile")
    iotexplorer_client = pytest.importorskip("tencentcloud.iotexplorer.v20190423.iotexplorer_client")
    server = emulator.server
    protocol = "https" if emulator.url.startswith("https") else "http"
    profile = http_profile.HttpProfile(endpoint="127.0.0.1:%d" % server.port, protocol=protocol,
                                       certification=server.ca_path if protocol == "https" else None)
    return iotexplorer_client.IotexplorerClient(credential.Credential(TENCENT_SECRET_ID, secret_key), TENCENT_REGION,
                                                client_profile.ClientProfile(httpProfile=profile))


def request(name, **fields):
    models = pytest.importorskip("tencentcloud.iotexplorer.v20190423.models")
    item = getattr(models, name + "Request")()
    item.from_json_string(json.dumps(fields))
    return item


@pytest.mark.parametrize("tls", [None, "server"])
def test_tencent_sdk_conformance(make_emulator, tls):
    emulator = make_emulator(tls=tls, behaviour={"time_scale": 1})
    client = sdk_client(emulator)
    created = client.BatchUpdateFirmware(request(
        "BatchUpdateFirmware", ProductID=PRODUCT, FirmwareVersion="2.0.0", FwType="mcu", TimeoutInterval=300,
        DeviceNames=["tc-sensor-0001", "tc-sensor-0002"], TaskUserDefine='{"iotfleet":"sdk"}'))
    assert isinstance(created.TaskId, int) and created.RequestId

    task = client.DescribeFirmwareTask(request("DescribeFirmwareTask", ProductID=PRODUCT, FirmwareVersion="2.0.0",
                                               TaskId=created.TaskId))
    assert task.TaskId == created.TaskId and task.UpgradeMode == "devicenames" and task.Status == 1
    assert task.TaskUserDefine == '{"iotfleet":"sdk"}' and task.TimeoutInterval == 300 and task.ProductId == PRODUCT

    tasks = client.DescribeFirmwareTasks(request("DescribeFirmwareTasks", ProductID=PRODUCT, FirmwareVersion="2.0.0",
                                                 Offset=0, Limit=10))
    assert tasks.Total == 1 and tasks.TaskInfos[0].TaskId == created.TaskId

    devices = client.DescribeFirmwareTaskDevices(request("DescribeFirmwareTaskDevices", ProductID=PRODUCT,
                                                         FirmwareVersion="2.0.0", Offset=0, Limit=10))
    assert devices.Total == 2
    assert sorted(row.DeviceName for row in devices.Devices) == ["tc-sensor-0001", "tc-sensor-0002"]
    assert all(row.TaskId == created.TaskId and row.DstVersion == "2.0.0" for row in devices.Devices)

    status = client.DescribeFirmwareUpdateStatus(request("DescribeFirmwareUpdateStatus", ProductId=PRODUCT,
                                                         DeviceName="tc-sensor-0001"))
    assert status.DstVersion == "2.0.0"

    cancelled = client.UpdateOtaTaskStatus(request("UpdateOtaTaskStatus", ProductId=PRODUCT, TaskId=created.TaskId, Status=6))
    assert cancelled.RequestId
    after = client.DescribeFirmwareTask(request("DescribeFirmwareTask", ProductID=PRODUCT, FirmwareVersion="2.0.0",
                                                TaskId=created.TaskId))
    assert after.Status == 6


def test_tencent_sdk_wrong_key(emulator):
    exception_module = pytest.importorskip("tencentcloud.common.exception.tencent_cloud_sdk_exception")
    client = sdk_client(emulator, secret_key="wrong-secret-key")
    with pytest.raises(exception_module.TencentCloudSDKException) as caught:
        client.DescribeFirmware(request("DescribeFirmware", ProductID=PRODUCT, FirmwareVersion="2.0.0"))
    assert caught.value.get_code() == "AuthFailure.SignatureFailure"
    assert caught.value.get_request_id()


def test_tencent_sdk_business_error(emulator):
    exception_module = pytest.importorskip("tencentcloud.common.exception.tencent_cloud_sdk_exception")
    client = sdk_client(emulator)
    with pytest.raises(exception_module.TencentCloudSDKException) as caught:
        client.BatchUpdateFirmware(request("BatchUpdateFirmware", ProductID=PRODUCT, FirmwareVersion="9.9.9",
                                           DeviceNames=["tc-sensor-0001"]))
    assert caught.value.get_code() == "ResourceNotFound.FirmwareNotExist"
