# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The selections of the Tencent Cloud IoT Explorer info modules behind the provider contract
(``_provider.Provider``).

``tencent_iot_batch_firmware_info`` (:meth:`TencentInfo.info_tasks`: given tasks, one page or every task of the
product and version) and ``tencent_iot_firmware_info`` (:meth:`TencentInfo.info_packages`: given versions,
``DescribeFirmware``, or ``ListFirmwares``, one page or all). Every option rule is checked before any request.
:class:`TencentInfo` is a part of ``provider.TencentProvider``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.iotfleet.firmware.plugins.module_utils._device_info import at_least
from ansible_collections.iotfleet.firmware.plugins.module_utils._errors import IoTError
from ansible_collections.iotfleet.firmware.plugins.module_utils._parse import (
    expect_dict,
    expect_int,
    expect_list,
    expect_str,
)
from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import ValidationError
from ansible_collections.iotfleet.firmware.plugins.module_utils._tencent import errors
from ansible_collections.iotfleet.firmware.plugins.module_utils._tencent import task_state as tts
from ansible_collections.iotfleet.firmware.plugins.module_utils._tencent.api import PAGE_LIMIT


def validate_info(params):
    """The info module's options, checked before any request."""
    problems = []
    for name in ("product_id", "firmware_version"):
        value = params.get(name)
        if not isinstance(value, str) or not value.strip() or value != value.strip():
            problems.append("%s must be a non-empty string without surrounding spaces" % name)
    for name, low in (("offset", 0), ("limit", 1)):
        if params.get(name) is not None and params[name] < low:
            problems.append("%s must be at least %d" % (name, low))
    ids = ([params["task_id"]] if params.get("task_id") is not None else []) + list(params.get("task_ids") or [])
    if any(task_id < 1 for task_id in ids):
        problems.append("task ids must be positive")
    if ids and (params.get("offset") is not None or params.get("limit") is not None):
        problems.append("offset and limit page the task listing; they cannot be combined with task_id/task_ids")
    if problems:
        raise ValidationError(problems)
    return {"product_id": params["product_id"], "firmware_version": params["firmware_version"],
            "fw_type": params.get("fw_type"), "task_ids": list(dict.fromkeys(ids)),
            "offset": params.get("offset"), "limit": params.get("limit"),
            "include_devices": bool(params.get("include_devices"))}


def _firmware(call, raw, where):
    firmware = dict(expect_dict(call, raw, where))
    firmware.pop("RequestId", None)
    firmware["Version"] = expect_str(call, firmware, "Version")
    return firmware


class TencentInfo:
    """The info part of ``TencentProvider`` (``self.api`` is its ``api.TencentApi``; ``self.scope``,
    ``self._scope_of`` and ``self._info`` are the provider's)."""

    def info_tasks(self, params):
        """``tencent_iot_batch_firmware_info``: given tasks, one page, or every task of the version."""
        work = validate_info(params)
        product_id, version, fw_type = self.scope = self._scope_of(work)
        if work["task_ids"]:
            groups = tts.group_rows(list(self.api.describe_firmware_task_devices(product_id, version, fw_type)))
            tasks = []
            for task_id in work["task_ids"]:
                raw = self.api.describe_firmware_task(product_id, version, task_id)
                tasks.append(self._info(raw, groups.get(raw["TaskId"])))
            page = {"total": len(tasks)}
            if work["include_devices"]:
                page["devices"] = [row for group in (groups.get(task.task_id) for task in tasks) if group
                                   for row in group["rows"]]
            return tasks, page
        if work["offset"] is not None or work["limit"] is not None:
            infos, total = self.api.describe_firmware_tasks_page(product_id, version, fw_type, work["offset"] or 0,
                                                                 work["limit"] or PAGE_LIMIT)
            page = {"total": total, "offset": work["offset"] or 0, "limit": work["limit"] or PAGE_LIMIT}
        else:
            infos = list(self.api.describe_firmware_tasks(product_id, version, fw_type))
            page = {"total": len(infos)}
        tasks = [self._info(info, None) for info in tts.sort_newest_first(infos)]
        if work["include_devices"]:
            ids = [task.task_id for task in tasks]
            rows = list(self.api.describe_firmware_task_devices(product_id, version, fw_type))
            page["devices"] = tts.rows_for_tasks(rows, ids)
        return tasks, page

    def info_packages(self, params):
        """``tencent_iot_firmware_info``: given versions (``DescribeFirmware``) or ``ListFirmwares`` (one page or
        all)."""
        at_least(params, (("page_num", 1), ("page_size", 1)))
        if params.get("page_size") is not None and params["page_size"] > PAGE_LIMIT:
            raise ValidationError(["page_size must be at most %d, got %s" % (PAGE_LIMIT, params["page_size"])])
        product_id, fw_type = params.get("product_id"), params.get("fw_type")
        if params.get("versions"):
            if not product_id:
                raise ValidationError(["versions requires product_id (DescribeFirmware takes ProductID)"])
            firmwares, missing = [], []
            call = "Tencent Cloud DescribeFirmware"
            for version in params["versions"]:
                try:
                    firmwares.append(_firmware(call, self.api.describe_firmware(product_id, version, fw_type),
                                               "Response"))
                except IoTError as exc:
                    if exc.code != errors.FIRMWARE_NOT_FOUND:
                        raise
                    missing.append(version)
            return firmwares, {"missing": missing}
        # spec silent: the accepted Filters keys of ListFirmwares; fw_type is applied here instead of in Filters
        call = errors.call_name("ListFirmwares")
        if params.get("page_num") is None and params.get("page_size") is None:
            raws = list(self.api.list_firmwares(product_id))
            page = {}
        else:
            page_num, page_size = params.get("page_num") or 1, params.get("page_size") or PAGE_LIMIT
            answer = self.api.call("ListFirmwares", {"ProductID": product_id, "PageNum": page_num,
                                                     "PageSize": page_size})
            raws = expect_list(call, answer, "Firmwares")
            page = {"total": expect_int(call, answer, "TotalCount", minimum=0), "page_num": page_num,
                    "page_size": page_size}
        firmwares = [_firmware(call, raw, "Firmwares[%d]" % index) for index, raw in enumerate(raws)]
        return [item for item in firmwares if not fw_type or item.get("FwType") == fw_type], page
