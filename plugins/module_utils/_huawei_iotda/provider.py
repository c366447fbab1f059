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

Devices (``iter_devices``, ``device_versions``, the device info selection) are in :mod:`.devices` (``ListDevices``,
taken from the official SDK: the reference documents no v5 device query), the retry (``RetryBatchTask``) in
:mod:`.retry`. ``find`` takes up-to-date devices only from versions the caller already knows (the engine's plan-time
refresh): listing the project to decide about a few devices of one module run would cost a page per 50 devices of
the product. The v5 API documents no code for "devices already in a task" (``already_in_task`` is never set).
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
    ValidationError,
    newest_first,
)
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei_iotda.facts import FACTS
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei_iotda import api as iapi
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei_iotda import errors
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei_iotda import task as tt
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei_iotda.devices import IotdaDevices
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei_iotda.retry import IotdaRetry

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
STOPPED = ("Stopping", "Stopped")
# Statuses of a task that may not have its task_progress yet (inferred: it is still being set up).
NOT_STARTED = ("Initializing", "Waitting")


class HuaweiIotdaProvider(IotdaDevices, IotdaRetry, ApiProvider):
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

    # ---- views -------------------------------------------------------------------------------------

    def create_request(self, work, devices=None):
        return tt.build_body(work, devices)

    def desired_view(self, work, devices=None):
        view = tt.desired_view(work, devices)
        view["request"] = self.create_request(work, devices)
        return view

    def task_view(self, task):
        return tt.task_view(task.raw or {"task_id": task.task_id, "status": task.status})

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
