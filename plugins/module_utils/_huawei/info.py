# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The selections of the Huawei IoT legacy info modules behind the provider contract (``_provider.Provider``).

``huawei_iot_firmware_task_info`` (:meth:`HuaweiInfo.info_tasks`: given tasks, or one page / all pages of ``GET
operations`` with the documented filters) and ``huawei_iot_package_info`` (:meth:`HuaweiInfo.info_packages`: given
packages, ``GET category/{fileId}``, or one page / all pages of ``GET category``). Every option rule is checked
before any request. :class:`HuaweiInfo` is a part of ``provider.HuaweiProvider``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.iotfleet.firmware.plugins.module_utils._device_info import at_least
from ansible_collections.iotfleet.firmware.plugins.module_utils._errors import IoTError
from ansible_collections.iotfleet.firmware.plugins.module_utils._parse import (
    expect_dict,
    expect_list,
    expect_str,
)
from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import ValidationError
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei import api as hapi
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei import errors
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei import task_state as hts

INFO_FILTERS = (("operation_type", "operationType"), ("operation_status", "operationStatus"),
                ("device_type", "deviceType"), ("model", "model"), ("manufacturer_name", "manufacturerName"),
                ("device_id", "deviceId"))
INFO_LIST_OPTIONS = tuple(key for key, _api_key in INFO_FILTERS) + ("page_no", "page_size")
PACKAGE_FILTERS = (("file_type", "fileType"), ("device_type", "deviceType"), ("model", "model"),
                   ("manufacturer_name", "manufacturerName"), ("version", "version"))


def info_ids(params):
    ids = []
    for value in ([params.get("operation_id")] if params.get("operation_id") else []) + list(
            params.get("operation_ids") or []):
        value = ("%s" % value).strip()
        if value and value not in ids:
            ids.append(value)
    return ids


def validate_info(params, ids):
    """The info module's option rules (before any request)."""
    problems = []
    if ids:
        combined = [name for name in INFO_LIST_OPTIONS if params.get(name) is not None]
        if params.get("all_pages"):
            combined.append("all_pages")
        if combined:
            problems.append("operation_id/operation_ids cannot be combined with the list options %s"
                            % ", ".join(combined))
    if params.get("sub_operation_status") and not params.get("include_subtasks"):
        problems.append("sub_operation_status needs include_subtasks=true")
    if params.get("page_size") is not None and not 1 <= params["page_size"] <= hapi.PAGE_SIZE:
        problems.append("page_size must be between 1 and 100, got %s" % params["page_size"])
    if params.get("page_no") is not None and params["page_no"] < 0:
        problems.append("page_no must be 0 or more, got %s" % params["page_no"])
    if params.get("all_pages") and (params.get("page_no") is not None or params.get("page_size") is not None):
        problems.append("all_pages cannot be combined with page_no or page_size")
    if problems:
        raise ValidationError(problems)


def _package(call, raw, where):
    package = dict(expect_dict(call, raw, where))
    package["fileId"] = expect_str(call, package, "fileId")
    package["version"] = expect_str(call, package, "version", required=False)
    return package


class HuaweiInfo:
    """The info part of ``HuaweiProvider`` (``self.api`` is its ``api.HuaweiApi``; ``self.get`` and ``self._fresh``
    are the provider's)."""

    def info_tasks(self, params):
        """``huawei_iot_firmware_task_info``: given tasks, or one page / all pages of the task list."""
        ids = info_ids(params)
        validate_info(params, ids)
        if ids:
            found = [(task_id, self.get(task_id)) for task_id in ids]
            missing = [task_id for task_id, task in found if task is None]
            if missing:
                raise IoTError("Task(s) %s do not exist" % ", ".join(missing), code=errors.NOT_FOUND,
                               http_status=404)
            tasks = [task for _task_id, task in found]
            page = {"total": len(tasks)}
        else:
            filters = dict((api_key, params.get(key)) for key, api_key in INFO_FILTERS)
            call = hapi.label("GET", hapi.OPERATIONS_PATH)
            if params.get("all_pages"):
                raws = []
                for items, _pages in self.api.task_pages(filters):
                    raws.extend(items)
                page = {"total": len(raws)}
            else:
                page_no = params.get("page_no") or 0
                page_size = params.get("page_size") or hapi.PAGE_SIZE
                raws, total = self.api.task_page(filters, page_no, page_size)
                page = {"total": total, "page_no": page_no, "page_size": page_size}
            tasks = [hts.task_info(call, raw, "data[%d]" % index) for index, raw in enumerate(raws)]
            self._fresh.update((task.task_id, task.raw) for task in tasks)
        if params.get("include_subtasks"):
            for task in tasks:
                task.raw["subtasks"] = self.api.subtasks(task.task_id, params.get("sub_operation_status"))
        return tasks, page

    def info_packages(self, params):
        """``huawei_iot_package_info``: given packages (``GET .../category/{fileId}``) or the package list (``GET
        .../category`` with the documented filters), one page or all pages."""
        at_least(params, (("page_no", 0), ("page_size", 1)))
        if params.get("page_size") is not None and params["page_size"] > hapi.PAGE_SIZE:
            raise ValidationError(["page_size must be at most %d (documented range 1-100), got %s"
                                   % (hapi.PAGE_SIZE, params["page_size"])])
        if params.get("file_ids"):
            packages, missing = [], []
            call = hapi.label("GET", hapi.PACKAGE_PATH + "/{fileId}")
            for file_id in params["file_ids"]:
                try:
                    packages.append(_package(call, self.api.get_package(file_id), "Response"))
                except IoTError as exc:
                    if not errors.not_found(exc):
                        raise
                    missing.append(file_id)
            return packages, {"missing": missing}
        query = dict((api_key, params.get(key)) for key, api_key in PACKAGE_FILTERS if params.get(key) is not None)
        call = hapi.label("GET", hapi.PACKAGE_PATH)
        if params.get("page_no") is None and params.get("page_size") is None:
            raws = self.api.list_packages(query)
            return [_package(call, raw, "data[%d]" % index) for index, raw in enumerate(raws)], {}
        page_no, page_size = params.get("page_no") or 0, params.get("page_size") or hapi.PAGE_SIZE
        answer = self.api.call("GET", hapi.PACKAGE_PATH, params=dict(query, pageNo=page_no, pageSize=page_size))
        items = expect_list(call, expect_dict(call, answer, "Response"), "data")
        return [_package(call, raw, "data[%d]" % index) for index, raw in enumerate(items)], {
            "total": hapi.page_total(call, answer, ("totalCount",)), "page_no": page_no, "page_size": page_size}
