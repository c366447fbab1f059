"""Huawei IoTDA v5 calls for the kit's recorder (:mod:`kit.calls`): the expected requests and the canned answers,
written from the API notes (huawei-iot.md §10; the device calls, which §10 does not document, from the official SDK
``huaweicloudsdkiotda`` 3.1.219), not from the emulator.

``Calls(*expected, check=signed())`` answers a provider built with the kit's credentials; :func:`get` and
:func:`post` expect one request with the headers every signed IoTDA request carries (§10.6: ``Content-Type``,
``X-Project-Id``, ``X-Sdk-Date``, ``Authorization``; no ``Instance-Id`` nor ``X-Security-Token`` unless given), and
:func:`signed` checks every request's signature against what was sent. Below them, the answer shapes: tasks
(§10.3), listings and paging (§10.5), per-device details (§10.4), the error envelope (§10.7) and devices (SDK
``QueryDeviceSimplify``).
"""
from urllib.parse import parse_qsl

from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei_iotda import signing

from kit.calls import ANY, Call
from kit.credentials import IOTDA_ACCESS_KEY, IOTDA_PROJECT_ID, IOTDA_REGION, IOTDA_SECRET_KEY

HOST = signing.DEFAULT_HOST % IOTDA_REGION  # the region's default endpoint: SDK-HMAC-SHA256 (§10.1, §10.6)
ENDPOINT = "https://" + HOST
BASE = "/v5/iot/%s" % IOTDA_PROJECT_ID
TASKS = BASE + "/batchtasks"
PACKAGES = BASE + "/ota-upgrades/packages"
DEVICES = BASE + "/devices"
PACKAGE = "pkg-fw-2"
OTHER_PACKAGE = "pkg-other-9"
TOKEN = "sts-security-token-EXAMPLE-111111"  # a temporary credential's X-Security-Token
REQUEST_ID = "5f1c9e2a-7b3d-4c8e-9a01-23456789abcd"


def task_path(task_id, action=""):
    """``/v5/iot/{project_id}/batchtasks/{task_id}`` and its ``/stop``, ``/retry``, ``/confirm`` (§10.1)."""
    return "%s/%s%s" % (TASKS, task_id, action)


def package_path(package_id=PACKAGE):
    return "%s/%s" % (PACKAGES, package_id)


def device_path(device_id):
    return "%s/%s" % (DEVICES, device_id)


# ---- the requests ------------------------------------------------------------------------------------------------

def signed(access_key=IOTDA_ACCESS_KEY, secret_key=IOTDA_SECRET_KEY, region=IOTDA_REGION, clock=None):
    """The ``check`` of a recorder: every request is signed with this key pair (signing the request as sent gives
    its ``Authorization``, §10.6), its ``Host`` header is the URL's, its query and body were sent as signed (in the
    URL and the data, not as ``params``/``json_body`` the transport would add), and, given ``clock``, its
    ``X-Sdk-Date`` is the clock's time."""

    def check(sent):
        if sent.params is not None or sent.json_body is not None:
            return "the query and the body must be sent as signed (in the URL and the data)"
        authorization = sent.headers.get("Authorization") or ""
        host = sent.origin.split("://", 1)[1]
        if sent.headers.get("Host") != host:
            return "Host header %r differs from the URL's %r" % (sent.headers.get("Host"), host)
        unsigned = dict((name, value) for name, value in sent.headers.items() if name != "Authorization")
        query = parse_qsl(sent.url.partition("?")[2], keep_blank_values=True)
        again = signing.sign(access_key, secret_key, sent.method, host, sent.path, query=query, headers=unsigned,
                             body=sent.data or b"", region=region,
                             derived=authorization.startswith(signing.V11_ALGORITHM))
        if again["headers"]["Authorization"] != authorization:
            return "the Authorization %r does not sign the request sent" % authorization
        if clock is not None and sent.headers.get(signing.HEADER_DATE) != signing.sdk_date(clock()):
            return "X-Sdk-Date %r, expected the time of sending %s" % (
                sent.headers.get(signing.HEADER_DATE), signing.sdk_date(clock()))
        return None

    return check


def headers(project=IOTDA_PROJECT_ID, token=None, instance=None, **more):
    """The headers of every request (§10.6), ``more`` on top (a value ``None``: must be absent)."""
    result = {"Content-Type": "application/json", "X-Project-Id": project, "X-Sdk-Date": ANY, "Authorization": ANY,
              "X-Security-Token": token, "Instance-Id": instance}
    result.update(more)
    return result


def get(path, query=None, *, answer, status=200, answer_headers=None, **header_options):
    """A signed ``GET`` of ``path`` with exactly ``query``, then ``answer`` (JSON, text, or an exception to raise)
    with ``status``. ``header_options``: those of :func:`headers`."""
    return Call("GET", path, query=query, body=None, headers=headers(**header_options), answer=answer, status=status,
                answer_headers=answer_headers)


def post(path, body, *, answer, status=200, answer_headers=None, **header_options):
    """A signed ``POST`` of the JSON ``body`` to ``path`` (no query), then ``answer`` with ``status``."""
    return Call("POST", path, query=None, body=body, headers=headers(**header_options), answer=answer,
                status=status, answer_headers=answer_headers)


# ---- the answers -------------------------------------------------------------------------------------------------

def error(code, message):
    """The error envelope (§10.7)."""
    return {"error_code": code, "error_msg": message}


def package(package_id=PACKAGE, version="2.0.0", **fields):
    """``GET …/ota-upgrades/packages/{package_id}`` (§10.1)."""
    return dict({"package_id": package_id, "version": version, "package_type": "firmwarePackage"}, **fields)


def task(task_id, devices=None, package=PACKAGE, status="Processing", created="20261201T100000Z",
         task_type="firmwareUpgrade", progress=None, package_key="package_ids"):
    """A task object (§10.3): ``devices`` None for a group task (no ``targets``); ``package`` None: no
    ``document``; ``package_key`` ``package_id`` for the response model's spelling (§10.2)."""
    raw = {"task_id": task_id, "task_name": "t_%s" % task_id, "task_type": task_type, "status": status,
           "create_time": created}
    if devices is not None:
        raw["targets"] = list(devices)
    if package is not None:
        raw["document"] = {package_key: [package] if package_key == "package_ids" else package}
    if progress is not None:
        raw["task_progress"] = progress
    return raw


def progress(total=0, success=0, fail=0, processing=0, waitting=0, stopped=0, fail_wait_retry=0, removed=0):
    """``task_progress`` (§10.3), ``waitting`` as spelled there."""
    return {"total": total, "success": success, "fail": fail, "processing": processing, "waitting": waitting,
            "stopped": stopped, "fail_wait_retry": fail_wait_retry, "removed": removed}


def page(count, marker=None):
    """A listing's ``page`` (§10.5)."""
    return {"count": count, "marker": marker}


def listing(tasks, marker=None, count=None):
    """``ListBatchTasks``'s answer: ``batchtasks`` and ``page`` (§10.5)."""
    return {"batchtasks": list(tasks), "page": page(len(tasks) if count is None else count, marker)}


def list_query(task_type="firmwareUpgrade", marker=None, **extra):
    """The task listing's query as the provider sends it: the task type, ``limit`` 50 (the most, §10.5)."""
    query = {"task_type": task_type, "limit": 50}
    if marker:
        query["marker"] = marker
    query.update(extra)
    return query


def show(raw, details=(), marker=None, count=None):
    """``ShowBatchTask``'s answer: ``batchtask``, ``task_details`` (§10.4) and ``page``."""
    return {"batchtask": raw, "task_details": list(details),
            "page": page(len(details) if count is None else count, marker)}


def detail(target, status, error_code=None, error_msg=None, output=None):
    """One ``TaskDetail`` (§10.4)."""
    row = {"target": target, "status": status}
    if output is not None:
        row["output"] = output
    if error_code is not None:
        row["error"] = {"error_code": error_code, "error_msg": error_msg}
    return row


def outcomes(*devices, status="success", error_code=None, error_msg=None):
    """A stop or retry answer (§10.5): one ``{target, status, error_code, error_msg}`` per device."""
    return {"targets": [{"target": device, "status": status, "error_code": error_code, "error_msg": error_msg}
                        for device in devices]}


def device(number, fw="1.0.0", sw="1.0.0", product="prod-meter", **extra):
    """A ``QueryDeviceSimplify`` (SDK) of device ``dev-{number:03d}``; ``fw``/``sw`` None leave the field out."""
    raw = {"device_id": "dev-%03d" % number, "node_id": "node-%03d" % number, "device_name": "meter %d" % number,
           "product_id": product, "app_id": "app-1", "status": "ONLINE", "gateway_id": "dev-%03d" % number,
           "node_type": "GATEWAY"}
    if fw is not None:
        raw["fw_version"] = fw
    if sw is not None:
        raw["sw_version"] = sw
    raw.update(extra)
    return raw


def devices_page(devices, count, marker=None):
    """``ListDevices``'s answer (SDK ``ListDevicesResponse``): ``devices`` and ``page``."""
    return {"devices": list(devices), "page": page(count, marker)}


def devices_query(marker=None, **extra):
    """The device listing's query as the provider sends it: ``limit`` 50, the filters, the ``marker``."""
    result = {"limit": 50}
    if marker:
        result["marker"] = marker
    result.update(extra)
    return result
