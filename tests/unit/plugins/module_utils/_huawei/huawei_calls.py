"""The Huawei unit tests' expected HTTP calls, as request lines for the kit's recorder (tests/kit/calls.py); a module
of its own name: ``from conftest import`` would pick whichever ``conftest`` was imported first, and ansible-test
units imports several. The demo credentials are the kit's (tests/kit/credentials.py).

Below them, the canned answers of the tests without an emulator: requests and answers written from the API notes
(huawei-iot.md), for the kit's recorder."""
from kit.calls import Call

FILE = "fw-wm100-2.0.0"
API = "/iodm/northbound/v1.5.0"
LOGIN = "POST /iocm/app/sec/v1.1.0/login"
PKG = "GET %s/category/%s" % (API, FILE)
LIST = ("GET %s/operations?deviceType=WaterMeter&manufacturerName=Acme&model=WM-100&operationType=firmware_upgrade"
        "&pageNo=0&pageSize=100" % API)
POST = "POST %s/operations/firmwareUpgrade" % API
TASK = "GET %s/operations/*" % API
DEVICES = "GET /iocm/app/dm/v1.4.0/devices"


def device(device_id):
    return "%s/%s" % (DEVICES, device_id)


def task(operation_id="*"):
    return "GET %s/operations/%s" % (API, operation_id)


def subtasks(operation_id="*", status=None):
    query = "pageNo=0&pageSize=100" + ("&subOperationStatus=%s" % status if status else "")
    return "GET %s/operations/%s/subOperations?%s" % (API, operation_id, query)


# ---- canned platform answers (tests/kit/calls.py), as huawei-iot.md documents them ---------------------------------

ENDPOINT = "https://iot.example.com:8743"
TOKEN = "4a3c0b7e9d8f1a2b3c4d5e6f7a8b9c0d"


def login(app_id, secret, token=TOKEN, expires_in=3600):
    """``POST login`` (§2.1): form-urlencoded ``appId`` and ``secret``, no ``app_key``/``Authorization``."""
    return Call("POST", ENDPOINT + "/iocm/app/sec/v1.1.0/login", body={"appId": app_id, "secret": secret},
                headers={"Content-Type": "application/x-www-form-urlencoded", "app_key": None, "Authorization": None},
                answer={"scope": "default", "tokenType": "bearer", "expiresIn": expires_in, "accessToken": token,
                        "refreshToken": "refresh-" + token})


def authorized(app_id, token=TOKEN):
    """The headers of every other call (§1.2)."""
    return {"app_key": app_id, "Authorization": "Bearer %s" % token}


def get(app_id, path, answer, query=None, status=200):
    """An authorized ``GET`` of ``path`` with exactly ``query``, then ``answer``."""
    return Call("GET", ENDPOINT + path, query=query, headers=authorized(app_id), answer=answer, status=status)


def post(app_id, path, body, answer, status=200):
    """An authorized ``POST`` of the JSON ``body`` (§1.2: ``Content-Type: application/json``), then ``answer``."""
    headers = dict(authorized(app_id), **{"Content-Type": "application/json"})
    return Call("POST", ENDPOINT + path, body=body, headers=headers, answer=answer, status=status)


def package(file_id=FILE, version="2.0.0"):
    """``GET category/{fileId}`` (§7.2)."""
    return {"fileId": file_id, "name": "WM-100 firmware", "version": version, "fileType": "firmwarePackage",
            "deviceType": "WaterMeter", "model": "WM-100", "manufacturerName": "Acme", "protocolType": "CoAP",
            "description": "", "date": "20260101T000000Z", "uploadTime": "20260101T000000Z"}


def task_object(operation_id, devices, status="processing", counts=None, file_id=None):
    """A task of ``GET operations/{id}`` and of the task list (§4): ``staResult`` counters, no ``extendPara`` echo
    unless ``file_id``."""
    counts = dict(dict((key, 0) for key in ("total", "wait", "processing", "success", "fail", "stop", "timeout")),
                  **(counts or {}))
    raw = {"operationId": operation_id, "createTime": "20261201T100000Z", "startTime": "20261201T100000Z",
           "operateType": "firmware_upgrade",
           "targets": {"devices": list(devices), "deviceType": "WaterMeter", "model": "WM-100",
                       "manufacturerName": "Acme"},
           "policy": {"executeType": "now", "retryType": False}, "status": status, "staResult": counts}
    if status not in ("wait", "processing"):
        raw["stopTime"] = "20261201T103000Z"
    if file_id:
        raw["extendPara"] = {"fileId": file_id}
    return raw


def task_page(tasks, page_no=0, total=None, total_key="totalSize"):
    """A page of the task list (§5; the total is ``totalSize`` in the Java DTO, ``totalCount`` in the Python one)."""
    return {"pageNo": page_no, "pageSize": 100, total_key: len(tasks) if total is None else total, "data": list(tasks)}


def list_query(page_no=0):
    """The task list of the package's devices (§5: the documented filters of its type, model and manufacturer)."""
    return {"operationType": "firmware_upgrade", "deviceType": "WaterMeter", "model": "WM-100",
            "manufacturerName": "Acme", "pageNo": page_no, "pageSize": 100}


def device_object(device_id, fw_version, status="ONLINE"):
    """``GET /iocm/app/dm/v1.4.0/devices/{deviceId}`` (§7b)."""
    return {"deviceId": device_id, "gatewayId": device_id, "nodeType": "ENDPOINT", "createTime": "20260101T000000Z",
            "lastModifiedTime": "20260101T000000Z", "services": [],
            "deviceInfo": {"nodeId": device_id, "name": device_id, "manufacturerName": "Acme", "deviceType": "WaterMeter",
                           "model": "WM-100", "swVersion": "1.0.0", "fwVersion": fw_version, "protocolType": "CoAP",
                           "status": status}}


def subtask(operation_id, device_id, status, detail=""):
    """A ``SubOperationInfo`` (§6)."""
    return {"subOperationId": "%s-%s" % (operation_id, device_id), "createTime": "20261201T100000Z",
            "startTime": "20261201T100000Z", "stopTime": "20261201T101000Z", "operateType": "firmware_upgrade",
            "deviceId": device_id, "status": status, "detailInfo": detail, "extendInfo": {}}
