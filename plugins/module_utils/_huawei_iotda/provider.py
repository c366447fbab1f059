# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""HuaweiIotdaProvider: the provider contract (``_provider.Provider``) for Huawei Cloud IoTDA v5 batch tasks (OTA).

"The same work" is decided from documented facts only (reference §10.3-§10.5):

* the OTA package (``ShowOtaPackage``) must exist; its ``version`` (when answered) is the target version;
* the task list filtered by ``task_type`` (all pages): each task's ``targets`` (device ids), ``document.package_ids``
  (``document.package_id`` accepted too: the reference's models disagree) and ``status``. An active task whose
  targets cover the work's devices and whose package ids name this package is the same work; devices in any other
  active task are busy; an active task without ``targets`` (group or file targeting) has its devices read from its
  ``task_details`` rows (``target``).

Devices (:meth:`iter_devices`, :meth:`device_versions`): the reference documents no v5 device query. The listing
``ListDevices`` (``GET /v5/iot/{project_id}/devices``) and its device object (``QueryDeviceSimplify``: ``device_id``,
``node_id``, ``device_name``, ``product_id``, ``status``, ``fw_version``, ``sw_version``, ``app_id``...) are taken from
the official SDK (``huaweicloudsdkiotda``), not from the project's reference. ``fw_version`` and ``sw_version`` are
optional: absent (or empty) means "version unknown", never an error; a page without a ``devices`` list is an error
naming the call. ``find`` still takes up-to-date devices only from versions the caller already knows (the engine's
plan-time refresh): listing the project to decide about a few devices of one module run would cost a page per 50
devices of the product. The v5 API documents no code for "devices already in a task" (``already_in_task`` is never
set).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.iotfleet.firmware.plugins.module_utils._errors import IoTError
from ansible_collections.iotfleet.firmware.plugins.module_utils._parse import (
    expect_dict,
    expect_str,
)
from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import (
    ApiProvider,
    Capabilities,
    Lookup,
    Progress,
    RetryPlan,
    ValidationError,
    newest_first,
)
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei_iotda.facts import FACTS
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei_iotda import api as iapi
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei_iotda import errors
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei_iotda import task as tt

CAPABILITIES = Capabilities(
    platform=FACTS.name,
    label=FACTS.label,
    task_id_key="task_id",
    max_devices_per_task=tt.MAX_TARGETS,
    can_cancel=FACTS.can_cancel,  # StopBatchTask (reference §10.5)
    can_retry=True,  # RetryBatchTask (reference §10.5)
    calls_per_window=iapi.CALLS_PER_WINDOW,  # spec silent: a conservative default, see api.CALLS_PER_WINDOW
    window_seconds=iapi.WINDOW_SECONDS,
    task_page_size=iapi.PAGE_LIMIT,
    progress_page_size=iapi.PAGE_LIMIT,
)
LIST_CALL = errors.call_name("ListBatchTasks")
SHOW_CALL = errors.call_name("ShowBatchTask")
PACKAGE_CALL = errors.call_name("ShowOtaPackage")
CREATE_CALL = errors.call_name("CreateBatchTask")
RETRY_CALL = errors.call_name("RetryBatchTask")
DEVICES_CALL = errors.call_name("ListDevices")
STOPPED = ("Stopping", "Stopped")
# Statuses of a task that may not have its task_progress yet (inferred: it is still being set up).
NOT_STARTED = ("Initializing", "Waitting")
# SDK (QueryDeviceSimplify.status): ONLINE, OFFLINE, ABNORMAL, INACTIVE, FROZEN
ONLINE = "ONLINE"
# The version a task type installs, by the device field reporting it (SDK QueryDeviceSimplify): a firmwareUpgrade
# changes fw_version, a softwareUpgrade sw_version.
VERSION_FIELD = {"firmwareUpgrade": "firmware_version", "softwareUpgrade": "software_version"}


def _optional_text(call, raw, key, where):
    """An optional string field; absent, null or empty is None (unknown), another type an error naming the call."""
    return expect_str(call, raw, key, required=False, where=where) or None


def device_row(call, raw, where):
    """A ``QueryDeviceSimplify`` object (SDK ``ListDevices``) as the neutral device dict of the contract.

    ``device_id`` is required (a device without one cannot be named); every other field is optional, typed when
    present. ``fw_version`` / ``sw_version`` absent or empty: the version is unknown (None), never an error.
    """
    raw = expect_dict(call, raw, where)
    status = _optional_text(call, raw, "status", where)
    return {
        "device_id": expect_str(call, raw, "device_id", where=where),
        "platform": FACTS.name,
        "product_id": _optional_text(call, raw, "product_id", where),
        "firmware_version": _optional_text(call, raw, "fw_version", where),
        "software_version": _optional_text(call, raw, "sw_version", where),
        "name": _optional_text(call, raw, "device_name", where),
        "node_id": _optional_text(call, raw, "node_id", where),
        "gateway_id": _optional_text(call, raw, "gateway_id", where),
        "product_name": _optional_text(call, raw, "product_name", where),
        "app_id": _optional_text(call, raw, "app_id", where),
        "model": None,
        "device_type": None,
        "manufacturer": None,
        "online": None if status is None else status.upper() == ONLINE,
        "status": status,
        "raw": raw,
    }


class HuaweiIotdaProvider(ApiProvider):
    capabilities = CAPABILITIES

    def __init__(self, api, reconcile_timeout=None, work_lock=None):
        self.api = api
        self.reconcile_timeout = reconcile_timeout
        self._work_lock = work_lock  # _pacing.WorkLock of the account, or None
        # (work, devices) of every create sent: a lookup of such a work is reconciling (a new task in any status
        # counts, the devices sought are the posted ones); other works (the next wave's chunks) are looked up plainly
        self._posted = []
        self._detail_devices = {}  # task id -> devices read from its task_details (tasks without targets)

    # ---- identity of the work --------------------------------------------------------------------

    def validate(self, params):
        return tt.validate(params)

    def work_devices(self, work):
        return list(work["devices"]) if work.get("devices") else None

    def prepare(self, work):
        if work.get("task_id"):
            task = self.get(work["task_id"])
            if task is None:
                raise IoTError("IoTDA batch task %s does not exist" % work["task_id"], code="HTTP404",
                               http_status=404, call=SHOW_CALL)
            task.matched_by = "given"
            work["given_task"] = task
            return
        package_id = work["package_id"]
        try:
            raw = self.api.show_ota_package(package_id)
        except IoTError as exc:
            if errors.not_found(exc):
                raise errors.with_context(exc, "OTA package %s does not exist on IoTDA (project %s); upload it "
                                               "first." % (package_id, self.api.project_id))
            raise
        # spec silent: the package answer's fields are not transcribed in the reference; ``version`` is the field
        # the package list filters by. A package without one leaves the target version unknown (no device counts as
        # up to date), it is never guessed.
        work["package"] = raw
        work["target_version"] = expect_str(PACKAGE_CALL, raw, "version", required=False)

    def _listing(self, task_type):
        """``[(TaskInfo, package ids or None)]`` of every task of ``task_type``, newest first."""
        listed = []
        for index, raw in enumerate(self.api.list_batch_tasks(task_type=task_type)):
            where = "%s[%d]" % (iapi.TASKS_KEY, index)
            info = tt.task_info(LIST_CALL, raw, where)
            listed.append((info, tt.package_ids(LIST_CALL, raw, where)))
        order = dict((id(info), rank) for rank, info in enumerate(newest_first([info for info, _ids in listed])))
        return sorted(listed, key=lambda pair: order[id(pair[0])])

    def _devices_of(self, task_id):
        """The devices of a task without ``targets``: the ``target`` of every ``task_details`` row (all pages)."""
        if task_id not in self._detail_devices:
            _task, rows = self.api.show_batch_task_all_details(task_id)
            devices = set()
            for index, row in enumerate(rows):
                name = "task_details[%d]" % index
                devices.add(expect_str(SHOW_CALL, expect_dict(SHOW_CALL, row, name), "target", where=name))
            self._detail_devices[task_id] = frozenset(devices) or None
        return self._detail_devices[task_id]

    def find(self, work, exclude=(), known_versions=None):
        if work.get("given_task") is not None:
            task = work["given_task"]
            return Lookup(same=[task], remaining=[], seen=frozenset([task.task_id]))
        if "package" not in work:
            self.prepare(work)
        return self._find_in(work, self._listing(work["task_type"]), frozenset(exclude), known_versions or {})

    def find_many(self, works, known_versions=None):
        """One task listing per task type for all the works (the engine's chunks of a wave), then each decided."""
        listings = {}
        lookups = []
        for work in works:
            if work.get("given_task") is not None:
                lookups.append(self.find(work))
                continue
            if "package" not in work:
                self.prepare(work)
            if work["task_type"] not in listings:
                listings[work["task_type"]] = self._listing(work["task_type"])
            lookups.append(self._find_in(work, listings[work["task_type"]], frozenset(), known_versions or {}))
        return lookups

    def active_tasks(self, work):
        """Unfinished tasks of the work's type: what the account's quota of 10 counts (reference §10.5)."""
        return len([info for info, _ids in self._listing(work["task_type"]) if info.active])

    def history(self, work):
        """Every task of this package (package ids) with documented targets, active or finished."""
        if "package" not in work:
            self.prepare(work)
        found = []
        for info, ids in self._listing(work["task_type"]):
            if info.devices and ids and work["package_id"] in ids:
                info.matched_by = "targets"
                found.append(info)
        return found

    def _find_in(self, work, listing, exclude, known_versions):
        lookup = Lookup(seen=frozenset(info.task_id for info, _ids in listing))
        devices = list(work["devices"])
        posted = self._posted_devices(work)
        # reconciling: the task sought is the one the lost create was for (maybe a chunk of the work's devices)
        desired = set(posted or devices)
        for info, ids in listing:
            new = posted is not None and info.task_id not in exclude
            if not (info.active or new):
                continue
            if info.devices is None and info.active:
                info.devices = self._devices_of(info.task_id)
            this_package = bool(ids) and work["package_id"] in ids
            covers = bool(info.devices) and info.devices >= desired
            if covers and this_package and info.task_id not in exclude:
                info.matched_by = "targets"
                lookup.same.append(info)
            elif info.active:
                for device in sorted(desired.intersection(info.devices or ())):
                    lookup.busy.setdefault(device, info.task_id)
        if posted is not None:
            return lookup  # reconciling a lost create looks for the task only
        if lookup.same:
            lookup.remaining = []
            return lookup
        rest = [device for device in devices if device not in lookup.busy]
        target = work.get("target_version")
        # no documented device query gives the current firmware: only versions the caller read count
        lookup.up_to_date = [device for device in rest if target is not None and known_versions.get(device) == target]
        lookup.remaining = [device for device in rest if device not in lookup.up_to_date]
        return lookup

    def _posted_devices(self, work):
        """The devices of the last create sent for this very work (``None``: none was sent)."""
        found = None
        for posted_work, devices in self._posted:
            if posted_work is work:
                found = devices
        return found

    def work_lock(self, work):
        """One lock per account and project: a task of any package may hold the devices of another work (busy)."""
        if self._work_lock is None:
            return super(HuaweiIotdaProvider, self).work_lock(work)
        return self._work_lock.held()

    def create(self, work, devices=None):
        """Exactly one ``CreateBatchTask``; an answer without a task id may still have created the task."""
        body = self.create_request(work, devices)
        self._posted.append((work, list(body["targets"])))
        answer = self.api.create_batch_task(body)
        task_id = answer.get("task_id")
        if not isinstance(task_id, str) or not task_id.strip():
            raise self.api.redactor.redact_error(IoTError(
                "%s: the answer has no string task_id, so the task may exist: %s" % (
                    CREATE_CALL, self.api.redactor.snippet(answer, 300)),
                code="InvalidResponse", call=CREATE_CALL, maybe_committed=True))
        return task_id.strip()

    def get(self, task_id):
        """One ``ShowBatchTask`` (one detail row asked for); ``None`` when the platform answers 404."""
        try:
            raw, _details, _page = self.api.show_batch_task(task_id, limit=1)
        except IoTError as exc:
            if errors.not_found(exc):
                return None
            raise
        return tt.task_info(SHOW_CALL, raw)

    def progress(self, tasks, with_failures=False):
        result = {}
        for task in tasks:
            try:
                raw, _details, _page = self.api.show_batch_task(task.task_id, limit=1)
            except IoTError as exc:
                if errors.not_found(exc):
                    raise errors.with_context(exc, "IoTDA batch task %s does not exist." % task.task_id)
                raise
            info = tt.task_info(SHOW_CALL, raw)
            counts = tt.counts_of(SHOW_CALL, raw)
            if counts is None:
                if info.status not in NOT_STARTED:
                    raise IoTError("%s: batchtask.task_progress is missing or null for task %s in status %s"
                                   % (SHOW_CALL, task.task_id, info.status), code="InvalidResponse", call=SHOW_CALL)
                # not started yet: every target still to do
                counts = dict((key, 0) for key in tt.COUNT_KEYS)
                counts["total"] = len(info.devices or task.devices or ())
            failures = []
            if with_failures and counts["fail"]:
                _raw, rows = self.api.show_batch_task_all_details(task.task_id, tt.FAILED_DETAIL)
                failures = tt.failures_of(SHOW_CALL, rows)
            result[task.task_id] = Progress(task_id=task.task_id, counts=counts, summary=tt.summarize(counts),
                                            done=tt.is_final(info.status), status=info.status, failures=failures)
        return result

    def cancel(self, task):
        """``StopBatchTask`` with ``{}`` (every running, waiting and fail-wait-retry subtask). A lost answer or a
        refusal is settled by reading the task, never by a second stop."""
        try:
            expect_dict(errors.call_name("StopBatchTask"), self.api.stop_batch_task(task.task_id), "the answer")
            return True
        except IoTError as exc:
            refused = exc.http_status is not None and 400 <= exc.http_status < 500 and exc.http_status not in (
                401, 403, errors.THROTTLE_STATUS)
            if exc.throttled or not (exc.maybe_committed or refused):
                raise
            current = self.get(task.task_id)
            if current is None:
                raise
            if current.status in STOPPED:
                return bool(exc.maybe_committed)  # the lost stop took effect (or another client stopped it)
            if tt.is_final(current.status):
                return False  # it finished between the read and the stop
            raise errors.with_context(exc, "Stopping task %s: the task is still %s;" % (task.task_id, current.status))

    def retry_plan(self, task, devices=None):
        """``RetryBatchTask`` decided from the task as read (``ShowBatchTask``, reference §10.5): refused in Success,
        Stopped, Stopping, Waitting and Initializing (and in a status the reference does not document, and for a task
        type other than firmwareUpgrade / softwareUpgrade). Without ``devices``: one ``{}`` when ``task_progress``
        counts any fail, fail_wait_retry or stopped device. With ``devices``: the ``task_details`` rows of those three
        statuses (every page, one filtered read per status) say which of them are retriable; the others are skipped,
        the rest sent in bodies of at most 100 ``targets``."""
        raw = task.raw or {}
        plan = RetryPlan()
        task_type = raw.get("task_type")
        if task.status in tt.RETRY_REFUSED:
            plan.refusal = ("Task %s is %s: IoTDA allows no retry of a task that is %s (RetryBatchTask was not sent)."
                            % (task.task_id, task.status, ", ".join(tt.RETRY_REFUSED)))
        elif task.status not in tt.RETRY_ALLOWED:
            plan.refusal = ("Task %s has the status %r, which the IoTDA reference does not document; it is not "
                            "retried (RetryBatchTask was not sent)." % (task.task_id, task.status))
        elif task_type is not None and task_type not in tt.TASK_TYPES:
            plan.refusal = ("Task %s is a %s task: RetryBatchTask takes %s tasks only (not sent)."
                            % (task.task_id, task_type, " and ".join(tt.TASK_TYPES)))
        if plan.refusal:
            return plan
        counts = tt.counts_of(SHOW_CALL, raw) or dict((key, 0) for key in tt.COUNT_KEYS)
        plan.retriable = sum(counts[key] for key in tt.RETRIABLE_KEYS)
        if devices is None:
            plan.requests = [{}] if plan.retriable else []
            return plan
        retriable = set()
        for status in tt.RETRIABLE_DETAILS:
            _raw, rows = self.api.show_batch_task_all_details(task.task_id, status)
            retriable.update(row["device"] for row in tt.failures_of(SHOW_CALL, rows, status))
        plan.devices = [device for device in devices if device in retriable]
        plan.skipped = [device for device in devices if device not in retriable]
        plan.requests = [{"targets": chunk} for chunk in tt.chunks(plan.devices, tt.STOP_MAX_TARGETS)]
        return plan

    def retry(self, task, plan):
        """Each body of ``plan`` once (``POST .../retry``); the answers' ``targets`` rows as
        ``[{"device", "status", "error_code", "error_msg"}]``. An error after which a request may have been executed
        is raised with what was sent before it: the caller runs again (a new plan reads the statuses), never a blind
        repeat."""
        outcomes = []
        for number, body in enumerate(plan.requests, 1):
            try:
                answer = self.api.retry_batch_task(task.task_id, body.get("targets"))
                outcomes.extend(tt.batch_outcomes(RETRY_CALL, answer))
            except IoTError as exc:
                if not (exc.maybe_committed or number > 1):
                    raise
                parts = []
                if number > 1:
                    parts.append("%d of %d retry requests were answered before" % (number - 1, len(plan.requests)))
                if exc.maybe_committed:
                    parts.append("request %d may have been executed" % number)
                raise errors.with_context(exc, "Retrying task %s: %s; run again to retry the devices still failed "
                                               "(the statuses are read first, nothing is sent twice blindly)."
                                          % (task.task_id, ", ".join(parts)))
        return outcomes

    # ---- views -------------------------------------------------------------------------------------

    def create_request(self, work, devices=None):
        return tt.build_body(work, devices)

    def desired_view(self, work, devices=None):
        view = tt.desired_view(work, devices)
        view["request"] = self.create_request(work, devices)
        return view

    def task_view(self, task):
        return tt.task_view(task.raw or {"task_id": task.task_id, "status": task.status})

    # ---- devices -----------------------------------------------------------------------------------

    def iter_devices(self, filters):
        """Every device of ``ListDevices`` (SDK, not the reference) for ``filters`` {``app_id``, ``product_id``} (both
        optional query parameters), all pages, each a neutral dict (:func:`device_row`)."""
        filters = filters or {}
        index = 0
        for items in self.api.list_devices(app_id=filters.get("app_id"), product_id=filters.get("product_id")):
            for raw in items:
                yield device_row(DEVICES_CALL, raw, "%s[%d]" % (iapi.DEVICES_KEY, index))
                index += 1

    def device_versions(self, devices, work=None):
        """Device -> the version the work's task type installs: ``fw_version`` for ``firmwareUpgrade`` (the default
        without a work), ``sw_version`` for ``softwareUpgrade`` (SDK ``QueryDeviceSimplify``).

        One paged ``ListDevices`` (no per-device read is used: the SDK's ``ShowDevice`` answers ``auth_info``, the
        device's secret), narrowed to the package's ``product_id`` when the work's ``ShowOtaPackage`` answer names
        one (a package installs on the devices of its product only; the field is the SDK's
        ``ShowOtaPackageResponse.product_id``), and ended as soon as every device sought was seen. Devices the listing
        does not return, and devices without that version field, are left out (unknown, never an error).
        """
        wanted = set(devices)
        if not wanted:
            return {}
        work = work or {}
        key = VERSION_FIELD.get(work.get("task_type") or tt.TASK_TYPES[0], "firmware_version")
        package = work.get("package") if isinstance(work.get("package"), dict) else {}
        product_id = package.get("product_id") if isinstance(package.get("product_id"), str) else None
        versions = {}
        seen = set()
        for row in self.iter_devices({"product_id": product_id or None}):
            if row["device_id"] in wanted:
                seen.add(row["device_id"])
                if row[key] is not None:
                    versions[row["device_id"]] = row[key]
                if len(seen) == len(wanted):
                    break
        return versions

    # ---- info module -------------------------------------------------------------------------------

    def info_tasks(self, params):
        """Given task ids (``task_id`` / ``task_ids``), or every task of the listing's filters (``task_type``,
        ``status``, ``app_id``; all pages)."""
        ids = []
        for value in ([params.get("task_id")] if params.get("task_id") else []) + list(params.get("task_ids") or []):
            value = ("%s" % value).strip()
            if value and value not in ids:
                ids.append(value)
        problems = []
        status = params.get("status")
        if status is not None and status not in tt.TASK_ACTIVE + tt.TASK_FINAL:
            problems.append("status must be one of %s, got %r" % (", ".join(tt.TASK_ACTIVE + tt.TASK_FINAL), status))
        if ids and any(params.get(name) is not None for name in ("status", "app_id")):
            problems.append("task_id/task_ids cannot be combined with the list filters status and app_id")
        if problems:
            raise ValidationError(problems)
        if ids:
            tasks = []
            for task_id in ids:
                task = self.get(task_id)
                if task is None:
                    raise IoTError("IoTDA batch task %s does not exist" % task_id, code="HTTP404", http_status=404,
                                   call=SHOW_CALL)
                tasks.append(task)
            return tasks, {"total": len(tasks)}
        raws = self.api.list_batch_tasks(task_type=params.get("task_type"), status=status, app_id=params.get("app_id"))
        tasks = [tt.task_info(LIST_CALL, raw, "%s[%d]" % (iapi.TASKS_KEY, index)) for index, raw in enumerate(raws)]
        return tasks, {"total": len(tasks)}
