# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Tencent Cloud IoT Explorer (API 3.0, ``iotexplorer`` 2019-04-23) client and module runners.

* TC3-HMAC-SHA256 signing of the exact body bytes sent (own code, stdlib only).
* Envelope parsing (``{"Response": {...}}``) and error mapping to :class:`IoTError` with clear
  hints for clock skew and signature problems.
* Retries through :class:`common.Backoff`: reads (``Describe*``/``List*``/``Check*``/``Get*``)
  are repeated on throttling, ``InternalError*``, HTTP 5xx and connection errors; writes
  (``BatchUpdateFirmware``, ``UpdateOtaTaskStatus``) only when the error proves nothing was
  executed (``RequestLimitExceeded*``, a refused connection). A write whose answer was lost is
  reconciled by reading, never blindly repeated.
* The runners behind ``tencent_iot_batch_firmware`` and ``tencent_iot_batch_firmware_info``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import hmac
import json
import time
from datetime import datetime

try:
    from datetime import timezone
    UTC = timezone.utc
except ImportError:  # pragma: no cover - Python 2 is not supported by the collection
    UTC = None

try:
    from urllib.parse import urlparse
except ImportError:  # pragma: no cover
    from urlparse import urlparse  # type: ignore

from ansible.module_utils.basic import env_fallback

from ansible_collections.iotfleet.firmware.plugins.module_utils.common import (
    Backoff,
    HttpSession,
    IoTError,
    make_diff,
    redact,
    wait_for,
)
from ansible_collections.iotfleet.firmware.plugins.module_utils import common
from ansible_collections.iotfleet.firmware.plugins.module_utils._tencent import task as tt

SERVICE = "iotexplorer"
API_VERSION = "2019-04-23"
DEFAULT_ENDPOINT = "https://iotexplorer.tencentcloudapi.com"
CONTENT_TYPE = "application/json"
LANGUAGE = "en-US"
REQUEST_CLIENT = "ANSIBLE_IOTFLEET_FIRMWARE_0.1.0"
ALGORITHM = "TC3-HMAC-SHA256"
SIGNED_HEADERS = "content-type;host"

PAGE_LIMIT = 100
READ_PREFIXES = ("Describe", "List", "Check", "Get")
# Seconds to wait between reconciliation reads after a write whose answer was lost.
RECONCILE_DELAYS = common.RECONCILE_DELAYS
MAX_CREATE_POSTS = 2


# --------------------------------------------------------------------------- signing

def _sha256_hex(data):
    if not isinstance(data, bytes):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def _hmac(key, msg):
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def utc_date(timestamp):
    """The UTC calendar date of a Unix timestamp (never local time: see reference §1.3 step 4)."""
    return datetime.fromtimestamp(int(timestamp), UTC).strftime("%Y-%m-%d")


def tc3_signature(secret_key, host, body, timestamp, service=SERVICE, content_type=CONTENT_TYPE):
    """Every intermediate value of TC3-HMAC-SHA256 for a ``POST /`` with ``body`` (bytes).

    Returns a dict with ``payload_hash``, ``canonical_request``, ``hashed_canonical_request``,
    ``date``, ``credential_scope``, ``string_to_sign``, ``k_date``/``k_service``/``k_signing``
    (hex) and ``signature``.
    """
    if not isinstance(body, bytes):
        body = body.encode("utf-8")
    payload_hash = _sha256_hex(body)
    canonical_headers = "content-type:%s\nhost:%s\n" % (content_type, host)
    canonical_request = "\n".join(["POST", "/", "", canonical_headers, SIGNED_HEADERS, payload_hash])
    hashed_canonical_request = _sha256_hex(canonical_request)
    date = utc_date(timestamp)
    credential_scope = "%s/%s/tc3_request" % (date, service)
    string_to_sign = "\n".join([ALGORITHM, str(int(timestamp)), credential_scope, hashed_canonical_request])
    k_date = _hmac(("TC3" + secret_key).encode("utf-8"), date)
    k_service = _hmac(k_date, service)
    k_signing = _hmac(k_service, "tc3_request")
    signature = hmac.new(k_signing, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    return {
        "payload_hash": payload_hash,
        "canonical_request": canonical_request,
        "hashed_canonical_request": hashed_canonical_request,
        "date": date,
        "credential_scope": credential_scope,
        "string_to_sign": string_to_sign,
        "k_date": _hex(k_date),
        "k_service": _hex(k_service),
        "k_signing": _hex(k_signing),
        "signature": signature,
    }


def _hex(raw):
    return "".join("%02x" % byte for byte in bytearray(raw))


def authorization_header(secret_id, secret_key, host, body, timestamp, service=SERVICE, content_type=CONTENT_TYPE):
    parts = tc3_signature(secret_key, host, body, timestamp, service=service, content_type=content_type)
    return "%s Credential=%s/%s, SignedHeaders=%s, Signature=%s" % (
        ALGORITHM, secret_id, parts["credential_scope"], SIGNED_HEADERS, parts["signature"])


def signed_headers(secret_id, secret_key, action, body, timestamp, host, region=None, session_token=None,
                   language=LANGUAGE, version=API_VERSION, request_client=REQUEST_CLIENT, service=SERVICE):
    """The full header set of one API 3.0 request. Only ``content-type`` and ``host`` are signed."""
    headers = {
        "Authorization": authorization_header(secret_id, secret_key, host, body, timestamp, service=service),
        "Content-Type": CONTENT_TYPE,
        "Host": host,
        "X-TC-Action": action,
        "X-TC-Timestamp": str(int(timestamp)),
        "X-TC-Version": version,
    }
    if region:
        headers["X-TC-Region"] = region
    if session_token:
        headers["X-TC-Token"] = session_token
    if language:
        headers["X-TC-Language"] = language
    if request_client:
        headers["X-TC-RequestClient"] = request_client
    return headers


def encode_body(params):
    """The JSON body bytes (``None`` parameters left out); these exact bytes are signed and sent."""
    clean = dict((key, value) for key, value in (params or {}).items() if value is not None)
    return json.dumps(clean, separators=(",", ":"), sort_keys=True).encode("utf-8")


# --------------------------------------------------------------------------- errors

def is_read_action(action):
    return action.startswith(READ_PREFIXES)


def _hint(code):
    if code == "AuthFailure.SignatureExpire":
        return ("The request timestamp was rejected: the clock of the host running the module differs from Tencent "
                "Cloud's by more than 5 minutes (TC3 signatures are valid for 5 minutes). Synchronise its clock (NTP).")
    if code == "AuthFailure.SignatureFailure":
        return ("The signature did not match: check that secret_key belongs to secret_id (no stray spaces), and that "
                "no proxy rewrites the Host or Content-Type header or the body of the request.")
    if code in ("AuthFailure.SecretIdNotFound", "AuthFailure.InvalidSecretId"):
        return "Check secret_id: it does not exist, is disabled, is not an API key, or has stray spaces."
    if code == "AuthFailure.TokenFailure":
        return "The session_token (temporary credentials) is invalid or expired; get new STS credentials."
    if code in ("AuthFailure.UnauthorizedOperation", "UnauthorizedOperation.NoPermissionToStudioProduct"):
        return "The key is not allowed to do this (CAM policy / product ACL)."
    if code == "UnknownParameter":
        return "The endpoint does not know a parameter; start_time/end_time are new and older endpoints reject them."
    if code == "ResourceNotFound.StudioProductNotExist":
        return "Check product_id and region."
    return ""


def api_error(action, code, message, request_id=None, http_status=None, skew=None):
    """An :class:`IoTError` for a ``Response.Error`` with the retry classification of §1.8."""
    code = code or "UnknownError"
    retryable = False
    maybe_committed = False
    if code.startswith("RequestLimitExceeded"):
        retryable = True  # throttled before execution: safe for writes too
    elif code.startswith("InternalError") or code == "ServiceUnavailable":
        retryable = True
        maybe_committed = not is_read_action(action)
    text = "Tencent Cloud %s failed: %s: %s" % (action, code, message or "(no message)")
    hint = _hint(code)
    if hint:
        text += ". " + hint
    if code == "AuthFailure.SignatureExpire" and skew is not None:
        text += " Estimated offset from the server's Date header: %+d s." % skew
    if request_id:
        text += " (RequestId %s)" % request_id
    return IoTError(text, code=code, http_status=http_status, request_id=request_id,
                    retryable=retryable, maybe_committed=maybe_committed)


def _server_skew(response, sent_timestamp):
    date = (getattr(response, "headers", None) or {}).get("Date")
    if not date:
        return None
    try:
        from email.utils import parsedate_to_datetime
        server = parsedate_to_datetime(date)
        return int(sent_timestamp - server.timestamp())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


# --------------------------------------------------------------------------- client

class TencentIoTClient:
    """Signs, sends and parses iotexplorer API calls; one method per action used."""

    def __init__(self, secret_id, secret_key, region, endpoint=DEFAULT_ENDPOINT, session_token=None, timeout=30,
                 validate_certs=True, ca_path=None, session=None, backoff=None, clock=time.time,
                 sleep=time.sleep, language=LANGUAGE):
        parsed = urlparse(endpoint or DEFAULT_ENDPOINT)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise IoTError("endpoint must be an http(s) URL such as %s, got %r" % (DEFAULT_ENDPOINT, endpoint),
                           code="InvalidEndpoint")
        if parsed.path not in ("", "/") or parsed.query or parsed.params:
            raise IoTError("endpoint must not have a path or query (API 3.0 posts to /), got %r" % endpoint,
                           code="InvalidEndpoint")
        self.host = parsed.netloc
        self.url = "%s://%s/" % (parsed.scheme, parsed.netloc)
        self.secret_id = secret_id
        self.secret_key = secret_key
        self.session_token = session_token
        self.region = region
        self.language = language
        self.clock = clock
        self.sleep = sleep
        self.session = session or HttpSession(timeout=timeout, validate_certs=validate_certs, ca_path=ca_path)
        self.backoff = backoff or Backoff(attempts=5, base_delay=1.0, max_delay=16.0, sleep=sleep)
        self.retries = []
        self.task_filter_supported = True

    @property
    def secrets(self):
        return [self.secret_key, self.session_token]

    # ---- transport

    def request_once(self, action, params):
        """One signed POST (fresh timestamp); returns ``Response`` without ``Error`` or raises IoTError."""
        body = encode_body(params)
        timestamp = int(self.clock())
        headers = signed_headers(self.secret_id, self.secret_key, action, body, timestamp, self.host,
                                 region=self.region, session_token=self.session_token, language=self.language)
        try:
            response = self.session.request("POST", self.url, data=body, headers=headers)
        except IoTError as exc:
            exc.message = redact("Tencent Cloud %s: %s" % (action, exc.message), self.secrets)
            exc.args = (exc.message,)
            raise
        return self._parse(action, response, timestamp)

    def _parse(self, action, response, timestamp):
        status = getattr(response, "status_code", None)
        text = getattr(response, "text", "") or ""
        try:
            data = json.loads(text) if text else None
        except ValueError:
            data = None
        envelope = data.get("Response") if isinstance(data, dict) else None
        if isinstance(envelope, dict) and isinstance(envelope.get("Error"), dict):
            error = envelope["Error"]
            exc = api_error(action, error.get("Code"), redact(error.get("Message") or "", self.secrets),
                            request_id=envelope.get("RequestId"), http_status=status,
                            skew=_server_skew(response, timestamp))
            raise exc
        if status != 200:
            snippet = redact(text[:300], self.secrets)
            server_error = status is not None and status >= 500
            raise IoTError("Tencent Cloud %s failed: HTTP %s from %s: %s" % (action, status, self.url, snippet),
                           code="HTTP%s" % status, http_status=status,
                           retryable=server_error or status == 429,
                           maybe_committed=server_error and not is_read_action(action))
        if not isinstance(envelope, dict):
            raise IoTError("Tencent Cloud %s: the answer is not an API 3.0 envelope: %s"
                           % (action, redact(text[:300], self.secrets)), code="InvalidResponse", http_status=status,
                           maybe_committed=not is_read_action(action))
        return envelope

    def call(self, action, params, idempotent=None):
        """Call ``action`` with bounded jittered retries (reads retry more than writes)."""
        if idempotent is None:
            idempotent = is_read_action(action)
        return self.backoff.call(lambda: self.request_once(action, params), idempotent=idempotent,
                                 on_retry=lambda exc, attempt: self.retries.append(
                                     {"action": action, "attempt": attempt, "error_code": exc.code}))

    # ---- actions (casing of ProductID/ProductId follows the reference per action)

    def describe_firmware(self, product_id, firmware_version, fw_type=None):
        return self.call("DescribeFirmware", {"ProductID": product_id, "FirmwareVersion": firmware_version,
                                              "FwType": fw_type})

    def describe_firmware_tasks(self, product_id, firmware_version, fw_type=None, offset=0, limit=PAGE_LIMIT):
        return self.call("DescribeFirmwareTasks", {"ProductID": product_id, "FirmwareVersion": firmware_version,
                                                   "FwType": fw_type, "Offset": offset, "Limit": limit})

    def list_firmware_tasks(self, product_id, firmware_version, fw_type=None):
        """Every ``FirmwareTaskInfo`` of a product's target version (all pages)."""
        infos = []
        offset = 0
        while True:
            page = self.describe_firmware_tasks(product_id, firmware_version, fw_type, offset, PAGE_LIMIT)
            batch = page.get("TaskInfos") or []
            infos.extend(batch)
            offset += len(batch)
            total = page.get("Total")
            if not batch or (total is not None and offset >= int(total)):
                return infos

    def describe_firmware_task(self, product_id, firmware_version, task_id):
        return self.call("DescribeFirmwareTask", {"ProductID": product_id, "FirmwareVersion": firmware_version,
                                                  "TaskId": int(task_id)})

    def describe_firmware_task_devices(self, product_id, firmware_version, fw_type=None, offset=0, limit=PAGE_LIMIT,
                                       filters=None):
        return self.call("DescribeFirmwareTaskDevices", {
            "ProductID": product_id, "FirmwareVersion": firmware_version, "FwType": fw_type,
            "Offset": offset, "Limit": limit, "Filters": filters})

    def list_task_devices(self, product_id, firmware_version, fw_type=None, task_id=None):
        """Every device row of the version, or of one task (filtered client-side in any case).

        DescribeFirmwareTaskDevices has no TaskId input; a ``TaskId`` filter is sent as a hint
        (the keys are undocumented) and dropped for good if the endpoint rejects it.
        """
        filters = None
        if task_id is not None and self.task_filter_supported:
            filters = [{"Key": "TaskId", "Value": str(int(task_id))}]
        rows = []
        offset = 0
        while True:
            try:
                page = self.describe_firmware_task_devices(product_id, firmware_version, fw_type, offset, PAGE_LIMIT,
                                                           filters)
            except IoTError as exc:
                rejected = (exc.code or "").startswith(("InvalidParameter", "UnknownParameter", "InvalidFilter"))
                if filters and rejected:
                    self.task_filter_supported = False
                    filters = None
                    rows, offset = [], 0
                    continue
                raise
            batch = page.get("Devices") or []
            rows.extend(batch)
            offset += len(batch)
            total = page.get("Total")
            if not batch or (total is not None and offset >= int(total)):
                break
        if task_id is not None:
            rows = [row for row in rows if _int(row.get("TaskId")) == int(task_id)]
        return rows

    def batch_update_firmware(self, request):
        """Create the task (not idempotent: the caller reconciles a lost answer)."""
        return self.call("BatchUpdateFirmware", request, idempotent=False)

    def update_ota_task_status(self, product_id, task_id, status):
        return self.call("UpdateOtaTaskStatus", {"ProductId": product_id, "TaskId": int(task_id),
                                                 "Status": int(status)}, idempotent=False)

    def cancel_task(self, product_id, task_id):
        """Cancel with task-level Status 6 (device-level 6 means "upgrade complete": different code space)."""
        return self.update_ota_task_status(product_id, task_id, tt.TASK_STATUS_CANCELLED)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --------------------------------------------------------------------------- module glue

def connection_argument_spec():
    """Options of the ``iotfleet.firmware.tencent_iot`` doc fragment."""
    return dict(
        secret_id=dict(type="str", required=True, fallback=(env_fallback, ["TENCENTCLOUD_SECRET_ID"])),
        secret_key=dict(type="str", required=True, no_log=True, fallback=(env_fallback, ["TENCENTCLOUD_SECRET_KEY"])),
        session_token=dict(type="str", no_log=True, fallback=(env_fallback, ["TENCENTCLOUD_SESSION_TOKEN"])),
        region=dict(type="str", required=True, fallback=(env_fallback, ["TENCENTCLOUD_REGION"])),
        endpoint=dict(type="str", default=DEFAULT_ENDPOINT, fallback=(env_fallback, ["IOTFLEET_TENCENT_ENDPOINT"])),
        ca_path=dict(type="path"),
        validate_certs=dict(type="bool", default=True),
        timeout=dict(type="int", default=30),
    )


def client_from_module(module, **kwargs):
    params = module.params
    for name in ("secret_id", "secret_key", "region"):
        value = params.get(name)
        if value is not None and value != value.strip():
            module.fail_json(msg="%s has leading or trailing spaces" % name)
    if params.get("timeout") is not None and params["timeout"] < 1:
        module.fail_json(msg="timeout must be at least 1 second")
    try:
        return TencentIoTClient(
            secret_id=params["secret_id"], secret_key=params["secret_key"], region=params["region"],
            endpoint=params.get("endpoint"), session_token=params.get("session_token"),
            timeout=params.get("timeout") or 30, validate_certs=params.get("validate_certs", True),
            ca_path=params.get("ca_path"), **kwargs)
    except IoTError as exc:
        module.fail_json(msg=redact(exc.message, [params.get("secret_key"), params.get("session_token")]),
                         **exc.to_result())


fail_from_error = common.fail_from_error


# --------------------------------------------------------------------------- batch firmware runner

class BatchFirmware(common.TaskRunner):
    """``tencent_iot_batch_firmware``: ensure a task exists (present) or is cancelled (absent)."""

    def __init__(self, client, desired, **kwargs):
        super(BatchFirmware, self).__init__(client, desired, **kwargs)
        self.product_id = desired["product_id"]
        self.version = desired["firmware_version"]
        self.fw_type = desired.get("fw_type")

    def run(self):
        if self.desired["state"] == "absent":
            return self.absent()
        return self.present()

    # ---- reading

    def describe(self, task_id):
        return tt.clean_response(self.client.describe_firmware_task(self.product_id, self.version, task_id))

    def task_rows(self, task_id):
        return tt.rows_for_tasks(self.client.list_task_devices(self.product_id, self.version, self.fw_type, task_id),
                                 [task_id])

    def find_matches(self, first_only=True, exclude=()):
        """Tasks that are "the same task" as desired, newest first (see tencent_task.match_task)."""
        infos = self.client.list_firmware_tasks(self.product_id, self.version, self.fw_type)
        groups = None
        matches = []
        for info in tt.candidate_infos(self.desired, infos):
            if tt.task_id_of(info) in exclude:
                continue
            task = self.describe(tt.task_id_of(info))
            if tt.is_cancelled(task):
                continue
            if tt.needs_device_rows(self.desired):
                if not tt.echoed_fields_match(self.desired, task):
                    continue
                if groups is None:
                    groups = tt.group_device_names(
                        self.client.list_task_devices(self.product_id, self.version, self.fw_type))
                matched = tt.match_task(self.desired, task, groups.get(tt.task_id_of(task), set()))
            else:
                matched = tt.match_task(self.desired, task)
            if matched:
                matches.append(task)
                if first_only:
                    break
        return matches

    def check_firmware(self):
        try:
            return self.client.describe_firmware(self.product_id, self.version, self.fw_type)
        except IoTError as exc:
            if exc.code == "ResourceNotFound.FirmwareNotExist":
                exc.message = ("Firmware version %s%s of product %s does not exist on Tencent Cloud IoT Explorer; "
                               "upload it first (console or UploadFirmware). %s"
                               % (self.version, " (fw_type %s)" % self.fw_type if self.fw_type else "",
                                  self.product_id, exc.message))
                exc.args = (exc.message,)
            elif exc.code in ("ResourceNotFound.StudioProductNotExist", "ResourceNotFound.ProductNotExist"):
                exc.message = "Product %s does not exist in region %s. %s" % (
                    self.product_id, self.client.region, exc.message)
                exc.args = (exc.message,)
            raise

    # ---- present

    def present(self):
        desired = self.desired
        result = {"changed": False, "created": False, "reconciled": False, "task_id": None, "task": {},
                  "marker": desired.get("marker"), "matched_by": None}
        if desired.get("task_id") is not None:
            task = self._describe_required(desired["task_id"])
            result.update(task_id=tt.task_id_of(task), task=task, matched_by="task_id")
            result["diff"] = make_diff(tt.task_view(task), tt.task_view(task), "task %s" % result["task_id"],
                                       "task %s" % result["task_id"])
            return self._finish(result)

        self.check_firmware()
        request = tt.build_create_request(desired)
        result["request"] = request
        matches = self.find_matches(first_only=True)
        if matches:
            task = matches[0]
            result.update(task_id=tt.task_id_of(task), task=task,
                          matched_by="marker" if desired.get("marker") else "fields")
            view = tt.task_view(task)
            result["diff"] = make_diff(view, view, "task %s" % result["task_id"], "task %s" % result["task_id"])
            return self._finish(result)

        result["changed"] = True
        result["diff"] = make_diff({}, tt.desired_view(desired), "no matching task", "new task")
        if self.check_mode:
            result["summary"], result["counts"] = tt.summarize([])
            if self.wait:
                result["wait"] = {"timed_out": False, "elapsed": 0, "polls": 0, "skipped": True}
            return result
        task_id, reconciled = self.create(request)
        task = self.describe(task_id)
        result.update(task_id=task_id, task=task, created=not reconciled, reconciled=reconciled)
        return self._finish(result)

    def _describe_required(self, task_id):
        try:
            return self.describe(task_id)
        except IoTError as exc:
            if exc.code in ("ResourceNotFound.FirmwareTaskNotExist", "InvalidParameterValue.ErrorTaskNotExist"):
                exc.message = "Task %s of product %s, firmware %s does not exist. %s" % (
                    task_id, self.product_id, self.version, exc.message)
                exc.args = (exc.message,)
            raise

    def create(self, request):
        """Post BatchUpdateFirmware; after a lost answer look for the task before posting again.

        Returns ``(task_id, reconciled)``. At most :data:`MAX_CREATE_POSTS` posts; a post is only
        repeated when reconciliation proved the previous one created nothing.
        """
        last_error = None
        for _post in range(MAX_CREATE_POSTS):
            try:
                answer = self.client.batch_update_firmware(request)
            except IoTError as exc:
                if not exc.maybe_committed:
                    raise
                last_error = exc
                found = self.reconcile()
                if found is not None:
                    return found, True
                continue
            task_id = _int(answer.get("TaskId"))
            if task_id is None:
                raise IoTError("BatchUpdateFirmware answered without a TaskId (RequestId %s)"
                               % answer.get("RequestId"), code="InvalidResponse")
            return task_id, False
        last_error.message = ("BatchUpdateFirmware did not answer %d times and no new task could be found; "
                              "nothing more was sent to avoid a duplicate. Last error: %s"
                              % (MAX_CREATE_POSTS, last_error.message))
        last_error.args = (last_error.message,)
        raise last_error

    def reconcile(self):
        """The task a lost BatchUpdateFirmware created, or ``None`` (read a few times: it may be late)."""
        for delay in self.reconcile_delays:
            if delay:
                self.sleep(delay)
            matches = self.find_matches(first_only=True)
            if matches:
                return tt.task_id_of(matches[0])
        return None

    def _finish(self, result):
        task_id = result.get("task_id")
        rows = self.task_rows(task_id) if task_id is not None else []
        if self.wait and task_id is not None and not self.check_mode:
            outcome = wait_for(lambda: self.task_rows(task_id), tt.all_final, self.wait_timeout, self.wait_sleep,
                               clock=self.monotonic, sleep=self.sleep)
            rows = outcome.value
            result["wait"] = {"timed_out": outcome.timed_out, "elapsed": outcome.elapsed, "polls": outcome.polls}
            result["elapsed"] = outcome.elapsed
        elif self.wait:
            result["wait"] = {"timed_out": False, "elapsed": 0, "polls": 0, "skipped": True}
        result["summary"], result["counts"] = tt.summarize(rows)
        return result

    # ---- absent

    def absent(self):
        desired = self.desired
        result = {"changed": False, "cancelled_task_ids": [], "tasks": [], "task_id": None, "task": {},
                  "marker": desired.get("marker")}
        if desired.get("task_id") is not None:
            try:
                tasks = [self.describe(desired["task_id"])]
            except IoTError as exc:
                if exc.code not in ("ResourceNotFound.FirmwareTaskNotExist", "InvalidParameterValue.ErrorTaskNotExist"):
                    raise
                tasks = []
        else:
            tasks = self.find_matches(first_only=False)

        to_cancel = []
        for task in tasks:
            if tt.is_cancelled(task):
                continue
            if tt.needs_cancel(self.task_rows(tt.task_id_of(task))):
                to_cancel.append(task)

        before = {"tasks": [tt.task_view(task) for task in tasks]}
        after_views = []
        cancel_ids = [tt.task_id_of(task) for task in to_cancel]
        for task in tasks:
            view = tt.task_view(task)
            if tt.task_id_of(task) in cancel_ids:
                view["state"] = "cancelled"
                view["status"] = tt.TASK_STATUS_CANCELLED
            after_views.append(view)
        result["diff"] = make_diff(before, {"tasks": after_views}, "active tasks", "after cancel")
        result["changed"] = bool(to_cancel)
        result["cancelled_task_ids"] = cancel_ids
        if not self.check_mode:
            done = [task_id for task_id in cancel_ids if self.cancel(task_id)]
            if done != cancel_ids:
                cancel_ids = done
                result["cancelled_task_ids"] = done
                result["changed"] = bool(done)
                for view in after_views:
                    if view["task_id"] not in done:
                        view.update(state="present", status=tt.task_view(
                            next(t for t in tasks if tt.task_id_of(t) == view["task_id"]))["status"])
            tasks = [self.describe(tt.task_id_of(task)) if tt.task_id_of(task) in cancel_ids else task
                     for task in tasks]
        result["tasks"] = tasks
        if len(tasks) == 1:
            result["task_id"] = tt.task_id_of(tasks[0])
            result["task"] = tasks[0]
        rows = []
        for task in tasks:
            rows.extend(self.task_rows(tt.task_id_of(task)))
        result["summary"], result["counts"] = tt.summarize(rows)
        return result

    def cancel(self, task_id):
        """UpdateOtaTaskStatus(Status=6); True if this run cancelled the task.

        A lost answer is checked by reading the task status. ``FailedOperation`` (the task
        finished between our read and the cancel) is accepted when the rows prove it: False.
        """
        last_error = None
        for _attempt in range(MAX_CREATE_POSTS):
            try:
                self.client.cancel_task(self.product_id, task_id)
                return True
            except IoTError as exc:
                if exc.code == "FailedOperation" and not exc.maybe_committed:
                    if tt.is_cancelled(self.describe(task_id)):
                        return True
                    if not tt.needs_cancel(self.task_rows(task_id)):
                        return False
                    raise
                if not exc.maybe_committed:
                    raise
                last_error = exc
                if tt.is_cancelled(self.describe(task_id)):
                    return True
        raise last_error


# --------------------------------------------------------------------------- info runner

def run_info(client, params):
    """``tencent_iot_batch_firmware_info``: tasks of a version, or given tasks with device rows."""
    product_id = params["product_id"]
    version = params["firmware_version"]
    fw_type = params.get("fw_type")
    task_ids = list(params.get("task_ids") or [])
    if params.get("task_id") is not None:
        task_ids.insert(0, params["task_id"])
    task_ids = [task_id for index, task_id in enumerate(task_ids) if task_id not in task_ids[:index]]
    result = {"changed": False}
    if task_ids:
        tasks = [tt.clean_response(client.describe_firmware_task(product_id, version, task_id)) for task_id in task_ids]
        if len(task_ids) == 1:
            rows = client.list_task_devices(product_id, version, fw_type, task_ids[0])
        else:
            rows = client.list_task_devices(product_id, version, fw_type)
        rows = tt.rows_for_tasks(rows, task_ids)
        result["total"] = len(tasks)
    else:
        if params.get("offset") is not None or params.get("limit") is not None:
            page = client.describe_firmware_tasks(product_id, version, fw_type, params.get("offset") or 0,
                                                  params.get("limit") or PAGE_LIMIT)
            infos = page.get("TaskInfos") or []
            result["total"] = _int(page.get("Total"))
        else:
            infos = client.list_firmware_tasks(product_id, version, fw_type)
            result["total"] = len(infos)
        tasks = tt.sort_newest_first(infos)
        task_ids = [tt.task_id_of(info) for info in tasks]
        rows = tt.rows_for_tasks(client.list_task_devices(product_id, version, fw_type), task_ids) if tasks else []
    result["tasks"] = tasks
    result["task_ids"] = [tt.task_id_of(task) for task in tasks]
    result["summary"], result["counts"] = tt.summarize(rows)
    per_task = {}
    for task_id in result["task_ids"]:
        summary, counts = tt.summarize(tt.rows_for_tasks(rows, [task_id]))
        per_task[str(task_id)] = {"summary": summary, "counts": counts}
    result["per_task"] = per_task
    if params.get("include_devices"):
        result["devices"] = rows
    return result
