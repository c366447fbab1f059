# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""TencentProvider: the provider contract (``_provider.Provider``) for Tencent Cloud IoT Explorer.

"The same work" is decided from documented facts (reference §3.3-§3.5, addendum), the ``TaskUserDefine`` marker
is a fast path only:

* devicenames mode: the ``DescribeFirmwareTaskDevices`` rows of the product + version (documented: ``TaskId``,
  ``DeviceName``, ``Status``, ``DstVersion``) give per task its device set and whether it still has non-final rows
  (active). Active tasks whose rows cover every desired device that is not already on the target version are the
  same work; devices in other active tasks of the version are busy; devices on the target version (GetDeviceList
  with ``FirmwareVersion``, or ``known_versions``) are up to date; the rest remains.
* originalVersion mode: an active task with ``UpgradeMode`` originalVersion and the same ``OriginalVersion``;
  nothing to do when no device of the product reports the source version.
* filename mode: the device file is not echoed, only the marker / echoed fields identify a task (documented gap).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.iotfleet.firmware.plugins.module_utils._errors import IoTError
from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import (
    ApiProvider,
    Capabilities,
    Lookup,
    Progress,
    TaskInfo,
)
from ansible_collections.iotfleet.firmware.plugins.module_utils._tencent.facts import FACTS
from ansible_collections.iotfleet.firmware.plugins.module_utils._tencent import errors
from ansible_collections.iotfleet.firmware.plugins.module_utils._tencent import task as tt
from ansible_collections.iotfleet.firmware.plugins.module_utils._tencent import task_state as tts
from ansible_collections.iotfleet.firmware.plugins.module_utils._tencent.api import PAGE_LIMIT
from ansible_collections.iotfleet.firmware.plugins.module_utils._tencent.devices import TencentDevices
from ansible_collections.iotfleet.firmware.plugins.module_utils._tencent.info import TencentInfo

CAPABILITIES = Capabilities(
    platform=FACTS.name,
    label=FACTS.label,
    task_id_key="task_id",
    # spec silent: no maximum count of DeviceNames is documented; the rollout engine's default chunk size.
    max_devices_per_task=FACTS.default_chunk,
    can_cancel=FACTS.can_cancel,
    calls_per_window=20,
    window_seconds=1.0,
    task_page_size=PAGE_LIMIT,  # spec silent on the largest page; see api.PAGE_LIMIT
    progress_page_size=PAGE_LIMIT,
    packages_key="firmwares",  # tencent_iot_firmware_info
)


class TencentProvider(TencentDevices, TencentInfo, ApiProvider):
    """The task side of the contract is here; the devices are in ``devices.py`` (:class:`TencentDevices`), the
    info modules' selections in ``info.py`` (:class:`TencentInfo`)."""

    capabilities = CAPABILITIES

    def __init__(self, api, reconcile_timeout=None, work_locks=None):
        self.api = api
        self.reconcile_timeout = reconcile_timeout
        self._work_locks = work_locks  # product id -> _pacing.WorkLock, or None
        self.scope = None  # (product_id, firmware_version, fw_type) of the last work seen
        self._scopes = {}  # task id -> scope, for progress() of tasks found or created here

    # ---- identity of the work

    def validate(self, params):
        return tt.validate(params)

    def work_devices(self, work):
        return list(work["device_names"]) if work.get("mode") == tt.MODE_DEVICENAMES else None

    def _scope_for(self, task_id, task=None):
        """(product, version, fw_type) of a task: the one it carries (``task_ref``), where it was found or created,
        else the last work prepared."""
        scope = (task.scope if task is not None else None) or self._scopes.get(task_id, self.scope)
        if scope is None:
            raise ValueError("TencentProvider: prepare() or find() the work before reading task %s (the device rows "
                             "are read per product and firmware version)" % task_id)
        return scope

    @staticmethod
    def _scope_of(work):
        return work["product_id"], work["firmware_version"], work.get("fw_type")

    def prepare(self, work):
        product_id, version, fw_type = self.scope = self._scope_of(work)
        try:
            work["firmware"] = self.api.describe_firmware(product_id, version, fw_type)
        except IoTError as exc:
            if exc.code == errors.FIRMWARE_NOT_FOUND:
                raise errors.with_context(exc, "Firmware version %s%s of product %s does not exist on Tencent Cloud IoT "
                                               "Explorer; upload it first (console or UploadFirmware)."
                                          % (version, " (fw_type %s)" % fw_type if fw_type else "", product_id))
            if exc.code in errors.PRODUCT_NOT_FOUND:
                raise errors.with_context(exc, "Product %s does not exist in region %s." % (product_id, self.api.region))
            raise
        work["target_version"] = version

    def find(self, work, exclude=(), known_versions=None):
        scope = self._scope_of(work)
        return self._find_with(work, tts.group_rows(list(self.api.describe_firmware_task_devices(*scope))),
                               frozenset(exclude), known_versions)

    def find_many(self, works, known_versions=None):
        """The device rows of each product and version read once for all the works (the engine's chunks)."""
        rows = {}
        lookups = []
        for work in works:
            scope = self._scope_of(work)
            if scope not in rows:
                rows[scope] = tts.group_rows(list(self.api.describe_firmware_task_devices(*scope)))
            lookups.append(self._find_with(work, rows[scope], frozenset(), known_versions))
        return lookups

    def history(self, work):
        scope = self.scope = self._scope_of(work)
        groups = tts.group_rows(list(self.api.describe_firmware_task_devices(*scope)))
        return [TaskInfo(task_id=task_id, active=group["active"], devices=frozenset(group["devices"]),
                         matched_by="rows", scope=scope)
                for task_id, group in sorted(groups.items()) if group["devices"]]

    def task_ref(self, work, task_id):
        task = super(TencentProvider, self).task_ref(work, task_id)
        task.scope = self._scope_of(work)
        return task

    def _find_with(self, work, groups, exclude, known_versions):
        self.scope = self._scope_of(work)
        if work.get("task_id") is not None:
            lookup = self._find_given(work, groups)
        elif work["mode"] == tt.MODE_DEVICENAMES:
            lookup = self._find_devicenames(work, groups, exclude, known_versions or {})
        else:
            lookup = self._find_by_task_fields(work, groups, exclude)
        lookup.extra_result = {"marker": work.get("marker")}
        return lookup

    def _find_given(self, work, groups):
        task = self.get(work["task_id"])
        if task is not None:
            task = self._info(task.raw, groups.get(task.task_id))
        if task is None:
            if work.get("state") == "absent":
                return Lookup(seen=frozenset([work["task_id"]]))
            raise IoTError("Task %s of product %s, firmware %s does not exist." % (
                work["task_id"], work["product_id"], work["firmware_version"]),
                code=errors.TASK_NOT_FOUND[0], call=errors.call_name("DescribeFirmwareTask"))
        task.matched_by = "given"
        return Lookup(same=[task], remaining=[], seen=frozenset([task.task_id]))

    def _find_devicenames(self, work, groups, exclude, known_versions):
        active = dict((task_id, group) for task_id, group in groups.items() if group["active"])
        covered = {}  # device -> newest active task of this version that has a row for it
        for task_id in sorted(active, reverse=True):  # inferred: task ids grow with creation
            for device in active[task_id]["devices"]:
                covered.setdefault(device, task_id)
        desired = work["device_names"]
        up_to_date = []
        if work.get("state") != "absent":  # cancelling needs no device versions
            up_to_date = self._on_version(work, [d for d in desired if d not in covered], work["firmware_version"],
                                          known_versions)
        need = [device for device in desired if device not in up_to_date]
        seen = frozenset(groups)
        if need and all(device in covered for device in need):
            covering = sorted(set(covered[device] for device in need), reverse=True)
            same = self._confirm(work, [task_id for task_id in covering if task_id not in exclude], groups)
            if same:
                return Lookup(same=same, up_to_date=up_to_date, remaining=[], seen=seen)
        busy = dict((device, covered[device]) for device in need if device in covered)
        remaining = [device for device in need if device not in covered]
        return Lookup(busy=busy, up_to_date=up_to_date, remaining=remaining, seen=seen)

    def _confirm(self, work, task_ids, groups):
        """TaskInfos of the covering tasks; only the newest is described (raw task, marker fast path)."""
        same = []
        for task_id in task_ids:
            if same:
                same.append(self._info({"TaskId": task_id}, groups.get(task_id), "rows"))
                continue
            raw = self.api.describe_firmware_task(work["product_id"], work["firmware_version"], task_id)
            if tts.is_cancelled(raw):
                continue
            matched_by = "marker" if tts.marker_matches(work, raw) else "rows"
            same.append(self._info(raw, groups.get(task_id), matched_by))
        return same

    def _find_by_task_fields(self, work, groups, exclude):
        """originalVersion and filename modes: the task list, then DescribeFirmwareTask for the candidates."""
        product_id, version, fw_type = self.scope
        infos = list(self.api.describe_firmware_tasks(product_id, version, fw_type))
        seen = frozenset(groups) | frozenset(info["TaskId"] for info in infos)
        by_file = work["mode"] == tt.MODE_FILENAME
        same = []
        for info in tts.candidate_infos(work, infos):
            task_id = info["TaskId"]
            group = groups.get(task_id)
            # A task without rows may not have materialised them yet (inferred): it is a candidate too.
            if task_id in exclude or (not by_file and group is not None and not group["active"]):
                continue
            raw = self.api.describe_firmware_task(product_id, version, task_id)
            if by_file:
                matched = tts.match_task(work, raw)  # today's rule: the marker, else every echoed field
                matched_by = "marker" if work.get("marker") else "fields"
            else:
                matched = (not tts.is_cancelled(raw) and raw.get("UpgradeMode") == tt.MODE_ORIGINAL_VERSION
                           and raw.get("OriginalVersion") == work["firmware_ori_version"])
                matched_by = "fields"
            if matched:
                same.append(self._info(raw, group, matched_by))
                if work.get("state") != "absent":
                    break
        if same:
            return Lookup(same=same, seen=seen)
        if not by_file:
            _devices, total = self.api.device_list_page(product_id, work["firmware_ori_version"], fw_type, limit=1)
            if total == 0:
                return Lookup(remaining=[], seen=seen, warnings=[
                    "No device of product %s reports firmware %s: nothing to upgrade."
                    % (product_id, work["firmware_ori_version"])])
        return Lookup(seen=seen)

    def _info(self, raw, group, matched_by=None, scope=None):
        task_id = raw["TaskId"]
        cancelled = tts.is_cancelled(raw)
        scope = scope or self.scope
        self._scopes[task_id] = scope
        return TaskInfo(
            task_id=task_id,
            status=raw.get("Status"),
            active=not cancelled and (group is None or group["active"]),
            devices=frozenset(group["devices"]) if group else None,
            scope=scope,
            created=str(raw["CreateTime"]) if raw.get("CreateTime") is not None else None,
            matched_by=matched_by,
            raw=raw,
        )

    def work_lock(self, work):
        """One lock per product: tasks of different products never share a device."""
        if self._work_locks is None:
            return super(TencentProvider, self).work_lock(work)
        return self._work_locks(work["product_id"]).held()

    def create(self, work, devices=None):
        try:
            task_id = self.api.batch_update_firmware(self.create_request(work, devices))
        except IoTError as exc:
            if exc.already_in_task:
                errors.with_context(exc, "Devices of product %s are already in an upgrade task (%s)."
                                    % (work["product_id"], exc.code))
            raise
        self._scopes[task_id] = self._scope_of(work)
        return task_id

    def get(self, task_id):
        """One DescribeFirmwareTask (its rows are read by :meth:`progress`); ``None`` when it does not exist."""
        scope = self._scope_for(task_id)
        try:
            raw = self.api.describe_firmware_task(scope[0], scope[1], task_id)
        except IoTError as exc:
            if exc.code in errors.TASK_NOT_FOUND:
                return None
            raise
        return self._info(raw, None, scope=scope)

    def progress(self, tasks, with_failures=False):
        result = {}
        by_scope = {}
        for task in tasks:
            by_scope.setdefault(self._scope_for(task.task_id, task), []).append(task)
        for scope, mine in by_scope.items():
            # every row read once per round, streamed: only the rows of these tasks are kept, with the fields the
            # progress needs (a wave of a million devices has hundreds of thousands of rows per product)
            by_task = tts.rows_by_task(self.api.describe_firmware_task_devices(*scope),
                                       [task.task_id for task in mine])
            for task in mine:
                task_rows = by_task.get(tt.as_int(task.task_id)) or []
                summary, counts = tts.summarize(task_rows)
                done = tts.all_final(task_rows) or (not task_rows and tts.is_cancelled({"Status": task.status}))
                failures = []
                if with_failures:
                    failures = [{"device": row["DeviceName"], "detail": "%s (Retcode %s)" % (
                        row.get("ErrMsg") or "failed", row.get("Retcode"))}
                        for row in task_rows if tts.classify_row(row)[0] == "failed"]
                result[task.task_id] = Progress(task_id=task.task_id, counts=counts, summary=summary, done=done,
                                                status=task.status, failures=failures)
        return result

    def cancel(self, task):
        product_id, version, fw_type = self._scope_for(task.task_id, task)
        try:
            self.api.update_ota_task_status(product_id, task.task_id, tt.TASK_STATUS_CANCELLED)
            return True
        except IoTError as exc:
            if not (exc.maybe_committed or exc.code == errors.CANCEL_REFUSED):
                raise
            # A lost answer or a refusal: read what happened, never repeat the cancel blindly.
            raw = self.api.describe_firmware_task(product_id, version, task.task_id)
            if tts.is_cancelled(raw):
                return exc.maybe_committed
            rows = tts.rows_for_tasks(list(self.api.describe_firmware_task_devices(product_id, version, fw_type)),
                                      [task.task_id])
            if not exc.maybe_committed and not tts.needs_cancel(rows):
                return False  # it finished between the read and the cancel
            raise errors.with_context(exc, "Cancelling task %s: the task is still running;" % task.task_id)

    # ---- views

    def create_request(self, work, devices=None):
        request = tt.build_create_request(work)
        if devices is not None and work.get("mode") == tt.MODE_DEVICENAMES:
            request["DeviceNames"] = list(devices)
        return request

    def desired_view(self, work, devices=None):
        view = tts.desired_view(work)
        view["request"] = self.create_request(work, devices)
        return view

    def task_view(self, task):
        return tts.task_view(task.raw or {"TaskId": task.task_id, "Status": task.status})
