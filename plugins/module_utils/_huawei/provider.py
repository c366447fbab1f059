# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Huawei IoT legacy northbound provider behind the contract of ``_provider``.

"The same work" is decided from documented facts only (reference §4-§7b):

* the package (``GET category/{fileId}``): its ``version`` is the target version, its ``deviceType``, ``model`` and
  ``manufacturerName`` check the targets and filter the task and device listings;
* the task list (``GET operations``, documented filters, all pages): ``targets.devices`` / ``targets.deviceGroups``
  and ``status`` (``wait``/``processing`` = active); the subtasks' ``deviceId`` for active tasks whose targets show
  no devices (group tasks);
* the devices' current firmware (``deviceInfo.fwVersion`` of ``GET /iocm/app/dm/v1.4.0/devices[/{deviceId}]``).

``extendPara.fileId`` (undocumented content) is a fast path when present: a task naming another package is never
"the same", a finished task naming this one proves group work done.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

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
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei.facts import FACTS
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei import api as hapi
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei import errors
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei import task as ht
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei import task_state as hts
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei.devices import HuaweiDevices, cheapest_read
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei.info import HuaweiInfo

CANCEL_HINT = ("the Huawei IoT northbound device upgrade API v1.5.0 offers no call to stop or cancel a task (the "
               "complete API is: list/get/delete packages, create software/firmware task, query task, query "
               "subtasks, list tasks)")
CAPABILITIES = Capabilities(
    platform=FACTS.name,
    label=FACTS.label,
    task_id_key="operation_id",
    max_devices_per_task=ht.MAX_TARGETS,
    can_cancel=FACTS.can_cancel,
    calls_per_window=100,
    window_seconds=60.0,
    task_page_size=hapi.PAGE_SIZE,
    progress_page_size=hapi.PAGE_SIZE,
    cancel_hint=CANCEL_HINT,
)


class HuaweiProvider(HuaweiDevices, HuaweiInfo, ApiProvider):
    """The task side of the contract is here; the devices are in ``devices.py`` (:class:`HuaweiDevices`), the
    info modules' selections in ``info.py`` (:class:`HuaweiInfo`)."""

    capabilities = CAPABILITIES

    def __init__(self, api, reconcile_timeout=None, now=None, work_lock=None):
        self.api = api
        self.reconcile_timeout = reconcile_timeout
        self._now = now  # () -> aware datetime, for the time-window rules
        self._work_lock = work_lock  # _pacing.WorkLock of the app id, or None
        self._file_id = None
        self._package_filters = None
        self._posted_devices = None
        self._posted = False  # a create was sent: lookups are reconciling, a new task in any status counts
        self._fresh = {}  # task id -> task object just read (list, get): the next progress read uses it once

    # ---- identity of the work --------------------------------------------------------------------

    def validate(self, params):
        work = ht.validate(params, now=self._now() if self._now else None)
        self._file_id = work.get("file_id")
        return work

    def work_devices(self, work):
        targets = work.get("targets") or {}
        return list(targets["devices"]) if targets.get("devices") else None

    def prepare(self, work):
        if work.get("operation_id"):
            task = self.get(work["operation_id"])
            if task is None:
                raise IoTError("Task operation_id %s does not exist" % work["operation_id"], code=errors.NOT_FOUND,
                               http_status=404)
            task.matched_by = "operation_id"
            work["given_task"] = task
            return
        file_id = work["file_id"]
        call = hapi.label("GET", "%s/%s" % (hapi.PACKAGE_PATH, file_id))
        try:
            raw = self.api.get_package(file_id)
        except IoTError as exc:
            if errors.not_found(exc):
                exc.message = "Firmware package file_id %s does not exist on the platform; upload it first. %s" % (
                    file_id, exc.message)
                exc.args = (exc.message,)
            raise
        package = {"fileId": file_id, "version": expect_str(call, raw, "version")}
        for _key, api_key in ht.TARGET_KEYS:
            package[api_key] = expect_str(call, raw, api_key, required=False)
        mismatches = ht.package_mismatches(work.get("targets"), package)
        if mismatches:
            raise ValidationError(mismatches)
        work["package"] = package
        work["target_version"] = package["version"]
        self._package_filters = ht.package_filters(package)

    def _tasks(self, filters):
        call = hapi.label("GET", hapi.OPERATIONS_PATH)
        tasks = []
        for items, _pages in self.api.task_pages(filters):
            tasks.extend(hts.task_info(call, raw, "data[%d]" % len(tasks)) for raw in items)
        self._fresh.update((task.task_id, task.raw) for task in tasks)
        return tasks

    def _subtask_devices(self, task_id):
        call = hapi.label("GET", "%s/%s/subOperations" % (hapi.OPERATIONS_PATH, task_id))
        rows = self.api.subtasks(task_id)
        return frozenset(expect_str(call, expect_dict(call, row, "data[%d]" % index), "deviceId")
                         for index, row in enumerate(rows))

    def find(self, work, exclude=(), known_versions=None):
        if work.get("given_task") is not None:
            return Lookup(same=[work["given_task"]], seen=frozenset([work["given_task"].task_id]))
        if "package" not in work:
            self.prepare(work)
        return self._find_in(work, self._listed(work), exclude, known_versions)

    def find_many(self, works, known_versions=None):
        """One task listing per package for all the works (the engine's chunks of a wave), then each decided."""
        listings = {}
        lookups = []
        for work in works:
            if work.get("given_task") is not None:
                lookups.append(self.find(work, known_versions=known_versions))
                continue
            if "package" not in work:
                self.prepare(work)
            key = json.dumps(ht.package_filters(work["package"]), sort_keys=True)
            if key not in listings:
                listings[key] = self._listed(work)
            # the works share the TaskInfos: the devices of a group task are read once (subtasks)
            lookups.append(self._find_in(work, listings[key], (), known_versions))
        return lookups

    def history(self, work):
        if "package" not in work:
            self.prepare(work)
        found = []
        for task in self._listed(work):
            echoed = hts.task_file_id(task.raw)
            if task.devices is None or echoed not in (None, work["file_id"]):
                continue  # a group task, or one proven to be of another package (fast path)
            task.matched_by = "file_id" if echoed else "targets"
            found.append(task)
        return found

    def _listed(self, work):
        return newest_first(self._tasks(ht.package_filters(work["package"])))

    def _find_in(self, work, tasks, exclude, known_versions):
        lookup = Lookup(seen=frozenset(task.task_id for task in tasks))
        exclude = set(exclude)
        devices = self.work_devices(work)
        if devices is None:
            return self._find_groups(work, tasks, exclude, lookup)
        # reconciling: the task sought is the one the lost create was for (maybe a subset of the work's devices)
        desired = set(self._posted_devices) if self._posted_devices else set(devices)
        done_by_marker = []  # finished tasks proven this work by the fast path: after the active ones
        for task in tasks:
            new = self._posted and task.task_id not in exclude
            if not (task.active or new):
                if (task.status == "success" and task.task_id not in exclude and task.devices
                        and task.devices >= desired and hts.task_file_id(task.raw) == work["file_id"]):
                    task.matched_by = "file_id"
                    done_by_marker.append(task)
                continue
            if task.devices is None:
                # a group task (or one without targets): its subtasks name its devices (one per device, §6)
                task.devices = self._subtask_devices(task.task_id) or None
            echoed = hts.task_file_id(task.raw)
            covers = bool(task.devices) and task.devices >= desired
            if covers and task.task_id not in exclude and echoed in (None, work["file_id"]):
                task.matched_by = "file_id" if echoed else "targets"
                lookup.same.append(task)
            elif task.active:
                for device in sorted(desired.intersection(task.devices or ())):
                    lookup.busy.setdefault(device, task.task_id)
        if not lookup.same and not lookup.busy:
            lookup.same = done_by_marker
        if lookup.same or self._posted:
            # reconciling a lost create looks for the task only (the devices were read before the create)
            self._warn_policy(work, lookup)
            return lookup
        rest = [device for device in devices if device not in lookup.busy]
        # by the work's devices (at most 256), never a scan of known_versions: the engine gives a wave's versions
        # (450,000 at a million devices), and scanning them for each of the wave's chunks was quadratic
        known = known_versions or {}
        versions = dict((device, known[device]) for device in rest if device in known)
        unknown = [device for device in rest if device not in versions]
        if unknown:
            versions.update(self.device_versions(unknown, work))
        missing = [device for device in unknown if device not in versions]
        if missing:
            lookup.warnings.append("The device query found no firmware version for %s; they are kept as targets."
                                   % ", ".join(missing))
        lookup.up_to_date = [device for device in rest if versions.get(device) == work["target_version"]]
        lookup.remaining = [device for device in rest if versions.get(device) != work["target_version"]]
        return lookup

    def _find_groups(self, work, tasks, exclude, lookup):
        file_id = work["file_id"]
        for task in tasks:
            if task.task_id in exclude or not hts.same_group_targets(work["targets"], task.raw):
                continue
            echoed = hts.task_file_id(task.raw)
            if (task.active or self._posted) and echoed in (None, file_id):
                task.matched_by = "file_id" if echoed else "targets"
                lookup.same.append(task)
            elif echoed == file_id and task.status == "success":
                task.matched_by = "file_id"
                lookup.same.append(task)
        if lookup.same or self._posted:
            self._warn_policy(work, lookup)
            return lookup
        # The v1.5.0 API documents no group-membership query: the work is done when every device of the package's
        # type, model and manufacturer already runs the target version.
        up_to_date = []
        package = work["package"]
        filters = {"device_type": package.get("deviceType"), "model": package.get("model"),
                   "manufacturer_name": package.get("manufacturerName")}
        for row in self.iter_devices(filters):
            if row["firmware_version"] != work["target_version"]:
                return lookup
            up_to_date.append(row["device_id"])
        if up_to_date:
            lookup.up_to_date = up_to_date
            lookup.remaining = []
        return lookup

    @staticmethod
    def policy_differences(work, task):
        """Policy keys in which ``task`` differs from the work (the policy is not part of the identity)."""
        return hts.policy_differences(work["policy"], hts.task_policy(task.raw))

    def _warn_policy(self, work, lookup):
        if not lookup.same:
            return
        task = lookup.same[0]
        differences = self.policy_differences(work, task)
        if differences:
            lookup.warnings.append(
                "Task %s upgrades the same targets but its policy differs in %s; a task cannot be edited, so it is "
                "returned as is and no second task is created." % (task.task_id, ", ".join(differences)))

    def work_lock(self, work):
        """One lock per app id: a task of any package may hold the devices of another work (busy)."""
        return self._work_lock.held() if self._work_lock is not None else super(HuaweiProvider, self).work_lock(work)

    def create(self, work, devices):
        if work.get("deferred_errors"):
            raise ValidationError(work["deferred_errors"])
        self._posted = True
        self._posted_devices = list(devices) if devices is not None else None
        answer = self.api.create_firmware_task(ht.build_body(work, devices))
        operation_id = answer.get("operationId")
        if not isinstance(operation_id, str) or not operation_id.strip():
            call = hapi.label("POST", hapi.CREATE_PATH)
            raise self.api.redactor.redact_error(IoTError(
                "%s: the answer has no string operationId, so the task may exist: %s"
                % (call, json.dumps(answer)[:300]), code="InvalidResponse", call=call, maybe_committed=True))
        return operation_id.strip()

    def get(self, task_id):
        call = hapi.label("GET", "%s/%s" % (hapi.OPERATIONS_PATH, task_id))
        try:
            task = hts.task_info(call, self.api.get_task(task_id))
        except IoTError as exc:
            if errors.not_found(exc, errors.TASK_NOT_FOUND):
                return None
            raise
        self._fresh[task.task_id] = task.raw
        return task

    def _read_tasks(self, task_ids):
        """``id -> raw task`` by task reads or task-list pages, whichever costs fewer calls."""
        filters = self._package_filters or {"operationType": ht.OPERATE_TYPE}
        list_call = hapi.label("GET", hapi.OPERATIONS_PATH)

        def get_one(task_id):
            found = self.get(task_id)
            return found.raw if found is not None else None

        def id_of(raw):
            return expect_str(list_call, expect_dict(list_call, raw, "data[]"), "operationId")

        return cheapest_read(task_ids, lambda: self.api.task_pages(filters), get_one, id_of)

    def progress(self, tasks, with_failures=False):
        ids = [task.task_id for task in tasks]
        raws = dict((task_id, self._fresh.pop(task_id)) for task_id in ids if task_id in self._fresh)
        raws.update(self._read_tasks([task_id for task_id in ids if task_id not in raws]))
        self._fresh.clear()
        result = {}
        for task_id in ids:
            raw = raws.get(task_id)
            if raw is None:
                raise IoTError("Task operation_id %s does not exist" % task_id, code=errors.NOT_FOUND,
                               http_status=404)
            call = hapi.label("GET", "%s/%s" % (hapi.OPERATIONS_PATH, task_id))
            info = hts.task_info(call, raw)
            counts = hts.counts_of(call, raw)
            if counts is None:
                counts = hts.counts_of_subtasks(self.api.subtasks(task_id))
            failures = []
            if with_failures and (counts["fail"] or counts["timeout"]):
                failures = self.failures(task_id)
            result[task_id] = Progress(task_id=task_id, counts=counts, summary=hts.summarize(counts),
                                       done=hts.task_done(info.status, counts), status=info.status,
                                       failures=failures)
        return result

    def failures(self, task_id):
        """``[{"device", "status", "detail"}]`` of the task's ``fail`` and ``timeout`` subtasks."""
        call = hapi.label("GET", "%s/%s/subOperations" % (hapi.OPERATIONS_PATH, task_id))
        failures = []
        for status in ht.FAILED_SUBTASK_STATUSES:
            for index, row in enumerate(self.api.subtasks(task_id, status)):
                row = expect_dict(call, row, "data[%d]" % index)
                device = expect_str(call, row, "deviceId")
                # a listing asked for one status must answer only that status: a server that ignores the filter
                # would otherwise make every device of the task a failed device
                answered = (expect_str(call, row, "status") or "").lower()
                if answered != status:
                    raise IoTError("%s?subOperationStatus=%s answered a subtask of status %r (device %s, data[%d]); "
                                   "the listing is not read as failures" % (call, status, answered, device, index),
                                   code="InvalidResponse", call=call)
                failures.append({"device": device, "status": status,
                                 "detail": expect_str(call, row, "detailInfo", required=False)})
        return failures

    def cancel(self, task):
        raise IoTError("Task %s cannot be stopped: %s." % (task.task_id, CANCEL_HINT), code="StopNotSupported")

    # ---- views -------------------------------------------------------------------------------------

    def desired_view(self, work, devices=None):
        return hts.desired_view(work, devices)

    def task_view(self, task):
        file_id = self._file_id if task.matched_by in ("file_id", "targets") else None
        return hts.task_view(task.raw, file_id=file_id)

    def create_request(self, work, devices=None):
        return ht.build_body(work, devices)

    # ---- bookkeeping -------------------------------------------------------------------------------

    @property
    def throttle_waits(self):
        return self.api.throttle_waits
