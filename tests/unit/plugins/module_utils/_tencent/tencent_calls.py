"""The Tencent unit tests' product, devices and short action names (a module of its own name: ``from conftest
import`` would pick whichever ``conftest`` was imported first, and ansible-test units imports several). The demo
credentials are the kit's (tests/kit/credentials.py).

Below them, the canned answers of the tests without an emulator: requests and answers written from the API notes
(tencent-iot-explorer.md), for the kit's recorder (tests/kit/calls.py)."""
from kit.calls import Call

PRODUCT = "TCPROD0001"
DEVICES = ["tc-sensor-0001", "tc-sensor-0002", "tc-sensor-0003"]

# Short names for the expected action lists.
DF = "DescribeFirmware"
DFT = "DescribeFirmwareTask"
DFTS = "DescribeFirmwareTasks"
ROWS = "DescribeFirmwareTaskDevices"
GDL = "GetDeviceList"
BUF = "BatchUpdateFirmware"
CANCEL = "UpdateOtaTaskStatus"


# ---- canned platform answers (tests/kit/calls.py), as tencent-iot-explorer.md documents them --------------------

REQUEST_ID = "6b4a3f0e-2c1d-4e8f-9a7b-0123456789ab"


def action(name, body, answer, region="ap-guangzhou"):
    """The expected request of one action (API 3.0, §1.1-§1.2: ``POST /`` with the action, version and region in
    headers, the parameters as the JSON body), then ``answer``: the ``Response`` object of §1.6."""
    return Call("POST", "https://iotexplorer.tencentcloudapi.com/", body=body,
                headers={"X-TC-Action": name, "X-TC-Version": "2019-04-23", "X-TC-Region": region,
                         "Content-Type": "application/json", "Host": "iotexplorer.tencentcloudapi.com"},
                answer={"Response": answer})


def ok(**fields):
    """A success ``Response`` (§1.6): the action's fields and a ``RequestId``."""
    return dict(fields, RequestId=REQUEST_ID)


def error(code, message):
    """An error ``Response`` (§1.6): HTTP 200 with ``Error``."""
    return {"Error": {"Code": code, "Message": message}, "RequestId": REQUEST_ID}


def row(task_id, device, status, version="2.0.0", ori="1.0.0", retcode=0, err_msg="", percent=0):
    """One ``DeviceUpdateStatus`` of DescribeFirmwareTaskDevices (§3.5; ``Status`` per the device table of §3.14)."""
    return {"DeviceName": device, "LastProcessTime": 1767226000, "Status": status, "ErrMsg": err_msg,
            "Retcode": retcode, "DstVersion": version, "Percent": percent, "OriVersion": ori, "TaskId": task_id,
            "FwType": "mcu", "RetryNum": 0}


def device_info(name, version, product=PRODUCT):
    """One ``DeviceInfo`` of GetDeviceList (addendum), device secrets included as the platform returns them."""
    return {"DeviceName": name, "Status": 1, "DevicePsk": "psk-%s" % name, "FirstOnlineTime": 1767225600,
            "LoginTime": 1767226000, "CreateTime": 1767225000, "Version": version, "DeviceCert": "", "LogLevel": 0,
            "DevAddr": "", "AppKey": "", "DevEUI": "", "AppSKey": "", "NwkSKey": "", "CreateUserId": 100000000001,
            "CreatorNickName": "demo", "EnableState": 1, "ProductId": product, "ProductName": "SmartSensor",
            "DeviceType": "device", "IsLora": False}
