# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Huawei IoT legacy northbound client (device upgrade v1.5.0) and module runners.

* Login (``/iocm/app/sec/v1.1.0/login``) once per run; the token is handed to ``on_token`` so the
  module can put it in ``no_log_values``. On ``1010005`` (token invalid) the client logs in again
  once and repeats that request; a token given by the user is never replaced (clear failure).
* Any body with ``error_code`` is an error, whatever the HTTP status (reference §1.3); the code may
  be a string or a number. Documented codes get their documented meaning and a hint.
* Retries through :class:`common.Backoff`: reads on ``1010009`` (throttle), HTTP 5xx and transport
  errors; the create only when nothing can have been committed (throttle, refused connection).
  A create whose answer was lost is reconciled by looking the task up (:class:`FirmwareTask`).
* The runners behind ``huawei_iot_firmware_task`` and ``huawei_iot_firmware_task_info``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import time

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
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei import task as ht

LOGIN_PATH = "/iocm/app/sec/v1.1.0/login"
UPGRADE_BASE = "/iodm/northbound/v1.5.0"
OPERATIONS_PATH = UPGRADE_BASE + "/operations"
CREATE_PATH = OPERATIONS_PATH + "/firmwareUpgrade"
PACKAGE_PATH = UPGRADE_BASE + "/category"

PAGE_SIZE = 100
MAX_PAGES = 1000
MAX_RELOGINS = 3
MAX_CREATE_POSTS = 2
# Seconds between reconciliation lookups after a create whose answer was lost.
RECONCILE_DELAYS = common.RECONCILE_DELAYS

THROTTLED = "1010009"
TOKEN_INVALID = "1010005"
NOT_FOUND = "123002"
# No code is documented for an unknown operationId; 123002 (not found) and the emulator's 123009 are accepted.
TASK_NOT_FOUND = (NOT_FOUND, "123009")
LOGIN_FAILED = ("100208", "100203", "100217")

# Documented meanings (seed page of the create API, reference §1.4) and what to do about them.
ERROR_HINTS = {
    "120015": "Bad request error: a request parameter is malformed; check the options (for packages: the fileId).",
    "123016": "The target version does not match the device: check that the deviceType, manufacturerName and model "
              "of the targets agree with the package given by file_id.",
    "123019": "manufacturerName is null: targets.manufacturer_name is required with device groups.",
    "123020": "deviceType is null: targets.device_type is required with device groups.",
    "123021": "model is null: targets.model is required with device groups.",
    "123022": "deviceGroups and devices cannot be null together: give targets.devices or targets.device_groups.",
    "123023": "deviceGroups and devices cannot exist together: give only one of them.",
    "123024": "The number of deviceGroups or devices reached the upper limit of 256.",
    "123025": "executeType is wrong or missing: use now, device_online or custom.",
    "123026": "startTime or endTime is missing or malformed (yyyyMMdd'T'HHmmss'Z').",
    "123028": "retryTimes is missing or beyond the limit (1..5).",
    "123032": "startTime can not be later than endTime.",
    "123033": "startTime can not be earlier than now.",
    "123034": "endTime must be more than 5 minutes after startTime.",
    "123002": "Device or package file not found: check file_id (and the device IDs).",
    "1010009": "App throttle exceeded (100 calls per minute by default): slow down or ask the platform operators "
               "to raise the flow-control threshold.",
    "1010005": "app_key or access token is invalid.",
    "100208": "AppId or secret is not right: check app_id and secret.",
    "100203": "The application does not exist: check app_id.",
    "100217": "The application has not been authorized: check app_id.",
}


def _code(value):
    """``error_code`` may be a JSON string or number (reference §1.3): always a string here."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return ("%s" % value).strip() or None


def api_error(method, path, status, code, desc):
    """An :class:`IoTError` for an answer carrying ``error_code`` (or a bare HTTP error)."""
    is_read = method == "GET"
    retryable = False
    maybe_committed = False
    if code == THROTTLED:
        retryable = True  # refused by flow control before execution: safe for the create as well
    elif status is not None and status >= 500:
        retryable = True
        maybe_committed = not is_read
    label = "error_code %s" % code if code else "HTTP %s" % status
    text = "Huawei IoT %s %s failed: HTTP %s, %s: %s" % (method, path, status, label, desc or "(no description)")
    hint = ERROR_HINTS.get(code or "")
    if hint:
        text += ". " + hint
    return IoTError(text, code=code or ("HTTP%s" % status), http_status=status, retryable=retryable,
                    maybe_committed=maybe_committed)


class HuaweiIoTClient:
    """Logs in, sends and parses northbound calls; one method per API used."""

    def __init__(self, endpoint, app_id, secret=None, access_token=None, timeout=30, validate_certs=True,
                 ca_path=None, client_cert=None, client_key=None, session=None, backoff=None, sleep=time.sleep,
                 on_token=None):
        parsed = urlparse(endpoint or "")
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise IoTError("endpoint must be a full URL with scheme, host and port such as https://host:8743, got %r"
                           % (endpoint,), code="InvalidEndpoint")
        if parsed.query or parsed.params or parsed.fragment:
            raise IoTError("endpoint must not have a query or fragment, got %r" % (endpoint,), code="InvalidEndpoint")
        self.base_url = "%s://%s%s" % (parsed.scheme, parsed.netloc, parsed.path.rstrip("/"))
        self.app_id = app_id
        self.secret = secret
        self.given_token = access_token
        self.token = access_token
        self.on_token = on_token
        self.sleep = sleep
        self.session = session or HttpSession(timeout=timeout, validate_certs=validate_certs, ca_path=ca_path,
                                              client_cert=client_cert, client_key=client_key)
        self.backoff = backoff or Backoff(attempts=7, base_delay=0.5, max_delay=16.0, sleep=sleep)
        self.retries = []
        self.logins = 0
        self.relogins = 0

    @property
    def secrets(self):
        return [self.secret, self.given_token, self.token]

    def _redact(self, exc):
        exc.message = redact(exc.message, self.secrets)
        exc.args = (exc.message,)
        return exc

    # ---- transport

    def _send(self, method, path, params=None, body=None, form=None, auth=True):
        headers = {"Accept": "application/json"}
        kwargs = {"headers": headers}
        if auth:
            headers["app_key"] = self.app_id
            headers["Authorization"] = "Bearer %s" % self.token
        if params:
            kwargs["params"] = dict((key, value) for key, value in params.items() if value is not None)
        if body is not None:
            headers["Content-Type"] = "application/json"
            kwargs["data"] = json.dumps(body, separators=(",", ":"))
        if form is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            kwargs["data"] = form
        try:
            response = self.session.request(method, self.base_url + path, **kwargs)
        except IoTError as exc:
            exc.message = "Huawei IoT %s %s: %s" % (method, path, exc.message)
            raise self._redact(exc)
        return self._parse(method, path, response)

    def _parse(self, method, path, response):
        status = getattr(response, "status_code", None)
        text = getattr(response, "text", "") or ""
        data = None
        if text.strip():
            try:
                data = json.loads(text)
            except ValueError:
                data = None
        if isinstance(data, dict) and data.get("error_code") not in (None, ""):
            desc = data.get("error_desc") or data.get("error_msg") or data.get("message")
            raise self._redact(api_error(method, path, status, _code(data.get("error_code")), desc))
        if status is None or status < 200 or status >= 300:
            raise self._redact(api_error(method, path, status, None, text[:300].strip()))
        if status == 204 or not text.strip():
            return {}
        if not isinstance(data, dict):
            raise self._redact(IoTError("Huawei IoT %s %s: the answer is not a JSON object: %s"
                                        % (method, path, text[:300]), code="InvalidResponse", http_status=status,
                                        maybe_committed=method != "GET"))
        return data

    def _note_retry(self, method, path):
        def note(exc, attempt):
            self.retries.append({"method": method, "path": path, "attempt": attempt, "error_code": exc.code})
        return note

    # ---- authentication

    def login(self):
        """Get an access token with app_id/secret (form-encoded like the vendor SDK)."""
        if self.given_token:
            raise IoTError("Not logging in: access_token was given", code="TokenGiven")

        def attempt():
            return self._send("POST", LOGIN_PATH, form={"appId": self.app_id, "secret": self.secret}, auth=False)

        try:
            answer = self.backoff.call(attempt, idempotent=True, on_retry=self._note_retry("POST", LOGIN_PATH))
        except IoTError as exc:
            if exc.code in LOGIN_FAILED or exc.http_status in (401,):
                exc.message = "Login to %s as app_id %s failed: %s" % (self.base_url, self.app_id, exc.message)
                exc.args = (exc.message,)
            raise self._redact(exc)
        token = answer.get("accessToken")
        if not token:
            raise IoTError("Login answer has no accessToken (keys: %s)" % ", ".join(sorted(answer)),
                           code="InvalidResponse")
        self.token = token
        self.logins += 1
        if self.on_token:
            self.on_token(token)
        for key in ("refreshToken",):
            if answer.get(key) and self.on_token:
                self.on_token(answer[key])
        return token

    def _login_once_more(self):
        """Log in from inside a call: login has its own retries, so its failure is final for the call."""
        try:
            self.login()
        except IoTError as exc:
            exc.retryable = False
            raise

    def call(self, method, path, params=None, body=None, idempotent=None):
        """One API call with token handling and bounded jittered retries."""
        if idempotent is None:
            idempotent = method == "GET"

        def attempt():
            if not self.token:
                self._login_once_more()
            try:
                return self._send(method, path, params=params, body=body)
            except IoTError as exc:
                if exc.code != TOKEN_INVALID:
                    raise
                if self.given_token:
                    exc.message = ("The access_token given to the module was rejected (error_code 1010005, app_key "
                                   "or access_token is invalid): it expired or another login replaced it (only the "
                                   "newest token of an application is valid). Give a fresh access_token, or app_id "
                                   "and secret instead so the module logs in itself. %s" % exc.message)
                    exc.args = (exc.message,)
                    raise self._redact(exc)
                if self.relogins >= MAX_RELOGINS:
                    raise
                self.relogins += 1
                self.token = None
                self._login_once_more()
                return self._send(method, path, params=params, body=body)

        return self.backoff.call(attempt, idempotent=idempotent, on_retry=self._note_retry(method, path))

    # ---- API

    def get_task(self, operation_id):
        return self.call("GET", "%s/%s" % (OPERATIONS_PATH, operation_id))

    def find_task(self, operation_id):
        """The task, or ``None`` when the platform says it does not exist."""
        try:
            return self.get_task(operation_id)
        except IoTError as exc:
            if exc.http_status == 404 or exc.code in TASK_NOT_FOUND:
                return None
            raise

    def list_tasks(self, filters=None, page_no=0, page_size=PAGE_SIZE):
        params = dict(filters or {})
        params.update(pageNo=page_no, pageSize=page_size)
        return self.call("GET", OPERATIONS_PATH, params=params)

    def list_all_tasks(self, filters=None):
        return self._all_pages(lambda page_no: self.list_tasks(filters, page_no, PAGE_SIZE))

    def list_subtasks(self, operation_id, status=None, page_no=0, page_size=PAGE_SIZE):
        params = {"subOperationStatus": status, "pageNo": page_no, "pageSize": page_size}
        return self.call("GET", "%s/%s/subOperations" % (OPERATIONS_PATH, operation_id), params=params)

    def list_all_subtasks(self, operation_id, status=None):
        return self._all_pages(lambda page_no: self.list_subtasks(operation_id, status, page_no, PAGE_SIZE))

    def get_package(self, file_id):
        return self.call("GET", "%s/%s" % (PACKAGE_PATH, file_id))

    def create_firmware_task(self, body):
        """Create the task (not idempotent: the caller reconciles a lost answer)."""
        return self.call("POST", CREATE_PATH, body=body, idempotent=False)

    @staticmethod
    def _all_pages(fetch):
        items = []
        for page_no in range(MAX_PAGES):
            page = fetch(page_no)
            batch = page.get("data") or []
            items.extend(batch)
            total = page_total(page)
            if not batch or (total is not None and len(items) >= total) or (total is None and len(batch) < PAGE_SIZE):
                break
        return items


def page_total(page):
    """The list total: ``totalCount`` (Python SDK, sibling APIs) or ``totalSize`` (Java/PHP SDK)."""
    for key in ("totalCount", "totalSize", "total"):
        value = page.get(key)
        if value is not None:
            try:
                return int(value)
            except (TypeError, ValueError):
                return None
    return None


# --------------------------------------------------------------------------- module glue

def connection_argument_spec():
    """Options of the ``iotfleet.firmware.huawei_iot`` doc fragment."""
    return dict(
        endpoint=dict(type="str", required=True, fallback=(env_fallback, ["HUAWEI_IOT_ENDPOINT"])),
        app_id=dict(type="str", required=True, fallback=(env_fallback, ["HUAWEI_IOT_APP_ID"])),
        secret=dict(type="str", no_log=True, fallback=(env_fallback, ["HUAWEI_IOT_SECRET"])),
        access_token=dict(type="str", no_log=True),
        client_cert=dict(type="path"),
        client_key=dict(type="path"),
        ca_path=dict(type="path"),
        validate_certs=dict(type="bool", default=True),
        timeout=dict(type="int", default=30),
    )


def module_secrets(params):
    return [params.get("secret"), params.get("access_token")]


def client_from_module(module, **kwargs):
    params = module.params
    secrets = module_secrets(params)
    if not params.get("access_token") and not params.get("secret"):
        module.fail_json(msg="secret (or the HUAWEI_IOT_SECRET environment variable) is required unless "
                             "access_token is given")
    if params.get("client_key") and not params.get("client_cert"):
        module.fail_json(msg="client_key requires client_cert (mutual TLS needs the certificate and its key)")
    if params.get("timeout") is not None and params["timeout"] < 1:
        module.fail_json(msg="timeout must be at least 1 second")

    def on_token(token):
        module.no_log_values.add(token)

    try:
        return HuaweiIoTClient(
            endpoint=params["endpoint"], app_id=params["app_id"], secret=params.get("secret"),
            access_token=params.get("access_token"), timeout=params.get("timeout") or 30,
            validate_certs=params.get("validate_certs", True), ca_path=params.get("ca_path"),
            client_cert=params.get("client_cert"), client_key=params.get("client_key"), on_token=on_token, **kwargs)
    except IoTError as exc:
        module.fail_json(msg=redact(exc.message, secrets), **exc.to_result())


def fail_from_error(module, exc, client=None, **extra):
    common.fail_from_error(module, exc, module_secrets(module.params) + (client.secrets if client else []), **extra)


# --------------------------------------------------------------------------- firmware task runner

class FirmwareTask(common.TaskRunner):
    """``huawei_iot_firmware_task``: ensure the task exists (present) or report that it cannot be stopped."""

    def __init__(self, client, desired, **kwargs):
        super(FirmwareTask, self).__init__(client, desired, **kwargs)
        self._package = None
        self._package_loaded = False
        self.seen = set()

    def run(self):
        if self.desired["state"] == "absent":
            return self.absent()
        return self.present()

    # ---- lookup

    def package(self):
        """``GET category/{fileId}`` once per run; a missing package is a clear error."""
        if not self._package_loaded:
            try:
                self._package = self.client.get_package(self.desired["file_id"])
            except IoTError as exc:
                if exc.http_status == 404 or exc.code == NOT_FOUND:
                    exc.message = ("Firmware package file_id %s does not exist on the platform; upload it first. %s"
                                   % (self.desired["file_id"], exc.message))
                    exc.args = (exc.message,)
                raise
            self._package_loaded = True
        return self._package

    def _details(self, task):
        """The task with ``targets`` (a list entry without them is read with ``GET operations/{id}``)."""
        if isinstance(task.get("targets"), dict) and task.get("targets"):
            return task
        full = self.client.find_task(ht.task_id_of(task))
        return full or task

    def _targets_of(self, task):
        """The task's targets; without ``targets`` the device set is read from its subtasks."""
        targets = ht.task_targets(task)
        if targets is None and self.desired["targets"].get("devices"):
            subtasks = self.client.list_all_subtasks(ht.task_id_of(task))
            devices = sorted(set(sub.get("deviceId") for sub in subtasks if sub.get("deviceId")))
            targets = {"devices": devices} if devices else None
        return targets

    def evaluate(self, task):
        """``(verdict, how, task)``: is this candidate the same task (targets and package)?

        The returned task is the detailed one when the list entry had to be completed.
        """
        if not ht.is_firmware_task(task):
            return "no", "operateType", task
        task = self._details(task)
        if not ht.is_firmware_task(task) or not ht.targets_match(self.desired["targets"], self._targets_of(task)):
            return "no", "targets", task
        file_id = self.desired["file_id"]
        if ht.task_file_id(task) is not None:
            verdict, how = ht.package_verdict(file_id, task)
            return verdict, how, task
        package = self.package()
        verdict, how = ht.package_verdict(file_id, task, package)
        if verdict == "unknown":
            first_page = self.client.list_subtasks(ht.task_id_of(task), page_no=0, page_size=10).get("data") or []
            verdict, how = ht.package_verdict(file_id, task, package, first_page)
        return verdict, how, task

    def find(self, include_unadoptable=False, exclude=()):
        """Same tasks, newest first, as ``[(task, how)]``, plus the ids of undecidable ones.

        Remembers every candidate id in ``self.seen`` (the reconciliation after a lost create only
        considers tasks that were not there before).
        """
        candidates = self.client.list_all_tasks(ht.list_filters(self.desired))
        self.seen = set(ht.task_id_of(task) for task in candidates) | set(exclude)
        matches = []
        undecided = []
        for task in ht.newest_first(candidates):
            task_id = ht.task_id_of(task)
            if task_id is None or task_id in exclude:
                continue
            if not include_unadoptable and not ht.is_adoptable(task):
                continue
            verdict, how, task = self.evaluate(task)
            if not include_unadoptable and not ht.is_adoptable(task):
                continue
            if verdict == "yes":
                matches.append((task, how))
            elif verdict == "unknown":
                undecided.append(task_id)
        return matches, undecided

    # ---- present

    def present(self):
        desired = self.desired
        result = {"changed": False, "created": False, "reconciled": False, "operation_id": None, "task": {},
                  "matched_by": None, "policy_differences": []}
        if desired.get("operation_id"):
            task = self.client.find_task(desired["operation_id"])
            if task is None:
                raise IoTError("Task operation_id %s does not exist" % desired["operation_id"], code=NOT_FOUND,
                               http_status=404)
            result.update(operation_id=ht.task_id_of(task) or desired["operation_id"], task=task,
                          matched_by="operation_id")
            view = ht.task_view(task)
            result["diff"] = make_diff(view, view, self._header(task), self._header(task))
            return self._finish(result, task)

        mismatches = ht.package_mismatches(desired["targets"], self.package())
        if mismatches:
            raise ht.TaskValidationError(mismatches)
        body = ht.build_body(desired)
        result["request"] = body
        matches, undecided = self.find()
        self._warn_undecided(undecided)
        if matches:
            task, how = matches[0]
            return self._adopt(result, task, how)

        if desired.get("deferred_errors"):
            raise ht.TaskValidationError(desired["deferred_errors"])
        result["changed"] = True
        result["diff"] = make_diff({}, ht.desired_view(desired), "no matching task", "new firmware upgrade task")
        if self.check_mode:
            result["counts"] = ht.counts_of({})
            result["summary"] = ht.summarize(result["counts"])
            if self.wait:
                result["wait"] = {"status": None, "elapsed": 0, "timed_out": False, "polls": 0, "skipped": True}
            return result
        operation_id, adopted = self.create(body)
        if adopted is not None:
            result.update(reconciled=True, changed=True)
            task, how = adopted
            result.update(operation_id=ht.task_id_of(task), matched_by=how)
            return self._finish(result, task)
        task = self.client.get_task(operation_id)
        result.update(operation_id=operation_id, created=True)
        return self._finish(result, task)

    def _adopt(self, result, task, how):
        differences = ht.policy_differences(self.desired["policy"], ht.task_policy(task))
        result.update(operation_id=ht.task_id_of(task), matched_by=how, policy_differences=differences)
        if differences:
            self.warnings.append(
                "Task %s upgrades the same targets to the same package but its policy differs in %s; a task cannot "
                "be edited, so it is returned as is and no second task is created."
                % (ht.task_id_of(task), ", ".join(differences)))
        before = ht.task_view(task, file_id=self.desired["file_id"])
        after = dict(before)
        after["policy"] = ht.desired_view(self.desired).get("policy")
        result["diff"] = make_diff(before, after, self._header(task), self._header(task))
        return self._finish(result, task)

    @staticmethod
    def _header(task):
        return "task %s (%s)" % (ht.task_id_of(task), ht.task_status(task) or "unknown status")

    def _warn_undecided(self, undecided):
        if undecided:
            self.warnings.append(
                "Task(s) %s target the same devices but do not show which package they install (no extendPara.fileId "
                "and no target version to compare with package %s); they were not counted as the same task."
                % (", ".join(undecided), self.desired["file_id"]))

    def create(self, body):
        """POST the create; after a lost answer look the task up before posting again.

        Returns ``(operation_id, None)`` after a successful POST or ``(None, (task, how))`` when a
        lookup found the task a lost POST created. At most :data:`MAX_CREATE_POSTS` POSTs; the second
        only when the lookup proved that the first created nothing.
        """
        known = set(self.seen)
        last_error = None
        for _post in range(MAX_CREATE_POSTS):
            try:
                answer = self.client.create_firmware_task(body)
                operation_id = answer.get("operationId")
                if not operation_id:
                    raise IoTError("The create answer has no operationId: %s" % json.dumps(answer)[:300],
                                   code="InvalidResponse", maybe_committed=True)
                return "%s" % operation_id, None
            except IoTError as exc:
                if not exc.maybe_committed:
                    raise
                last_error = exc
            try:
                found, undecided = self.reconcile(known)
            except IoTError as exc:
                exc.message = ("The answer to the create request was lost (%s) and looking the task up failed too, "
                               "so it is unknown whether the task was created; nothing more was sent. Run again "
                               "(the module finds the task if it exists). Lookup error: %s"
                               % (last_error.code, exc.message))
                exc.args = (exc.message,)
                raise
            if found is not None:
                self.warnings.append(
                    "The answer to the create request was lost (%s); the task it created, %s, was found by looking "
                    "it up and is returned instead of creating another one."
                    % (last_error.code, ht.task_id_of(found[0])))
                return None, found
            if undecided:
                raise IoTError("The answer to the create request was lost (%s) and new task(s) %s appeared whose "
                               "package cannot be verified; nothing more was sent to avoid a duplicate. Check them "
                               "with huawei_iot_firmware_task_info. Last error: %s"
                               % (last_error.code, ", ".join(undecided), last_error.message),
                               code=last_error.code, http_status=last_error.http_status)
        last_error.message = ("The create request got no answer %d times and a lookup found no new task after "
                              "either; nothing more was sent to avoid a duplicate. Last error: %s"
                              % (MAX_CREATE_POSTS, last_error.message))
        last_error.args = (last_error.message,)
        raise last_error

    def reconcile(self, known):
        """A task created by the lost POST: new since the pre-create lookup, same targets and package, any status."""
        undecided = []
        for delay in self.reconcile_delays:
            if delay:
                self.sleep(delay)
            matches, undecided = self.find(include_unadoptable=True, exclude=known)
            if matches:
                return matches[0], []
        return None, undecided

    # ---- wait and result

    def counts(self, task):
        if ht.has_counts(task):
            return ht.counts_of(task)
        return ht.counts_of_subtasks(self.client.list_all_subtasks(ht.task_id_of(task)))

    def _finish(self, result, task):
        counts = self.counts(task)
        operation_id = result["operation_id"]
        if self.wait and not self.check_mode:
            def poll():
                fresh = self.client.get_task(operation_id)
                return fresh, self.counts(fresh)

            if ht.task_done(task, counts):
                elapsed, timed_out, polls = 0.0, False, 0
            else:
                outcome = wait_for(poll, lambda value: ht.task_done(value[0], value[1]), self.wait_timeout,
                                   self.wait_sleep, clock=self.monotonic, sleep=self.sleep)
                (task, counts), elapsed, timed_out, polls = outcome.value, outcome.elapsed, outcome.timed_out, \
                    outcome.polls
            result["wait"] = {"status": ht.task_status(task) or None, "elapsed": elapsed, "timed_out": timed_out,
                              "polls": polls}
            result["elapsed"] = elapsed
        elif self.wait:
            result["wait"] = {"status": ht.task_status(task) or None, "elapsed": 0, "timed_out": False, "polls": 0,
                              "skipped": True}
        result["task"] = task
        result["counts"] = counts
        result["summary"] = ht.summarize(counts)
        return result

    # ---- absent

    def absent(self):
        """Nothing to do when no matching task is active; otherwise fail: v1.5.0 has no stop call."""
        desired = self.desired
        result = {"changed": False, "operation_id": None, "task": {}, "tasks": []}
        if desired.get("operation_id"):
            task = self.client.find_task(desired["operation_id"])
            tasks = [task] if task is not None else []
        else:
            matches, undecided = self.find(include_unadoptable=True)
            self._warn_undecided(undecided)
            tasks = [task for task, _how in matches]
        active = [task for task in tasks if ht.is_active(task)]
        if active:
            ids = ", ".join(ht.task_id_of(task) for task in active)
            raise IoTError(
                "state=absent cannot be honoured: task(s) %s are still %s, and the Huawei IoT northbound device "
                "upgrade API v1.5.0 offers no call to stop or cancel a task (the complete API is: list/get/delete "
                "packages, create software/firmware task, query task, query subtasks, list tasks). Stop the task "
                "from the platform console (or let it finish), then run again."
                % (ids, "/".join(sorted(set(ht.task_status(task) or "unknown" for task in active)))),
                code="StopNotSupported")
        result["tasks"] = tasks
        if tasks:
            result["operation_id"] = ht.task_id_of(tasks[0])
            result["task"] = tasks[0]
        counts = ht.add_counts(ht.counts_of(task) for task in tasks)
        result["counts"] = counts
        result["summary"] = ht.summarize(counts)
        before = {"tasks": [dict(ht.task_view(task), operation_id=ht.task_id_of(task), status=ht.task_status(task))
                            for task in tasks]}
        result["diff"] = make_diff(before, before, "finished tasks", "finished tasks")
        return result


# --------------------------------------------------------------------------- info runner

def run_info(client, params):
    """``huawei_iot_firmware_task_info``: given tasks, or one page / all pages of the task list."""
    ids = []
    for value in ([params.get("operation_id")] if params.get("operation_id") else []) + list(
            params.get("operation_ids") or []):
        value = ("%s" % value).strip()
        if value and value not in ids:
            ids.append(value)
    result = {"changed": False}
    if ids:
        tasks = []
        missing = []
        for operation_id in ids:
            task = client.find_task(operation_id)
            if task is None:
                missing.append(operation_id)
            else:
                tasks.append(task)
        if missing:
            raise IoTError("Task(s) %s do not exist" % ", ".join(missing), code=NOT_FOUND, http_status=404)
        result["total"] = len(tasks)
    else:
        filters = {"operationType": params.get("operation_type"), "operationStatus": params.get("operation_status"),
                   "deviceType": params.get("device_type"), "model": params.get("model"),
                   "manufacturerName": params.get("manufacturer_name"), "deviceId": params.get("device_id")}
        filters = dict((key, value) for key, value in filters.items() if value is not None)
        if params.get("all_pages"):
            tasks = client.list_all_tasks(filters)
            result["total"] = len(tasks)
        else:
            page_no = params.get("page_no") or 0
            page_size = params.get("page_size") or PAGE_SIZE
            page = client.list_tasks(filters, page_no, page_size)
            tasks = page.get("data") or []
            result.update(total=page_total(page), page_no=page_no, page_size=page_size)
    per_task = {}
    all_counts = []
    for task in tasks:
        if params.get("include_subtasks"):
            task["subtasks"] = client.list_all_subtasks(ht.task_id_of(task), params.get("sub_operation_status"))
        if ht.has_counts(task):
            counts = ht.counts_of(task)
        elif params.get("include_subtasks") and not params.get("sub_operation_status"):
            counts = ht.counts_of_subtasks(task["subtasks"])
        else:
            counts = ht.counts_of_subtasks(client.list_all_subtasks(ht.task_id_of(task)))
        all_counts.append(counts)
        per_task[ht.task_id_of(task)] = {"status": ht.task_status(task) or None, "counts": counts,
                                         "summary": ht.summarize(counts), "done": ht.task_done(task, counts)}
    result["tasks"] = tasks
    result["operation_ids"] = [ht.task_id_of(task) for task in tasks]
    result["per_task"] = per_task
    result["counts"] = ht.add_counts(all_counts)
    result["summary"] = ht.summarize(result["counts"])
    result["all_done"] = bool(tasks) and all(item["done"] for item in per_task.values())
    return result
