"""The Huawei unit tests' expected HTTP calls, as request lines for the kit's recorder (tests/kit/calls.py); a module
of its own name: ``from conftest import`` would pick whichever ``conftest`` was imported first, and ansible-test
units imports several. The demo credentials are the kit's (tests/kit/credentials.py)."""

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
