#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: huawei_iot_firmware_task_info
short_description: Read Huawei IoT (legacy northbound) upgrade tasks and their per-device subtasks
version_added: 0.1.0
description:
  - Returns given tasks (C(GET /iodm/northbound/v1.5.0/operations/{operationId})), or one page or all pages of the
    task list (C(GET /iodm/northbound/v1.5.0/operations)) with the documented filters.
  - Optionally adds every task's per-device subtasks (C(GET .../operations/{operationId}/subOperations), all pages).
  - Always returns aggregated RV(counts) and RV(summary) over the tasks returned, so a rollout can poll a whole wave
    of tasks with one call.
  - Never changes anything.
author:
  - iotfleet.firmware maintainers (@iotfleet)
extends_documentation_fragment:
  - iotfleet.firmware.huawei_iot
  - iotfleet.firmware._attributes.actiongroup_huawei
  - iotfleet.firmware._attributes.info_module
options:
  operation_id:
    description:
      - Return this task instead of listing tasks. Combined with O(operation_ids) if both are set.
      - The module fails when a given task does not exist.
    type: str
  operation_ids:
    description:
      - Return these tasks; RV(counts) and RV(summary) aggregate over all of them.
    type: list
    elements: str
  include_subtasks:
    description:
      - Add the key C(subtasks) (all pages of the task's subtasks, one per device) to every task returned.
    type: bool
    default: false
  sub_operation_status:
    description:
      - Only return subtasks in this status (C(subOperationStatus)). Needs O(include_subtasks=true).
    type: str
    choices: [wait, processing, success, fail, stop, timeout]
  operation_type:
    description:
      - List filter C(operationType).
    type: str
    choices: [firmware_upgrade, software_upgrade]
  operation_status:
    description:
      - List filter C(operationStatus) (task status).
    type: str
    choices: [wait, processing, success, failed, stop]
  device_type:
    description:
      - List filter C(deviceType).
    type: str
  model:
    description:
      - List filter C(model).
    type: str
  manufacturer_name:
    description:
      - List filter C(manufacturerName).
    type: str
  device_id:
    description:
      - List filter C(deviceId), tasks that cover this device.
    type: str
  page_no:
    description:
      - Page of the list to return, from 0 (C(pageNo)). Defaults to 0 when O(all_pages) is not set.
    type: int
  page_size:
    description:
      - Tasks per page, 1 to 100 (C(pageSize)). Defaults to 100.
    type: int
  all_pages:
    description:
      - Return every page of the list instead of one. Mutually exclusive with O(page_no) and O(page_size).
    type: bool
    default: false
seealso:
  - module: iotfleet.firmware.huawei_iot_firmware_task
"""

EXAMPLES = r"""
- name: Progress of two tasks of a wave, with the devices that failed
  iotfleet.firmware.huawei_iot_firmware_task_info:
    operation_ids: "{{ wave_operation_ids }}"
    include_subtasks: true
    sub_operation_status: fail
  register: wave

- name: Stop the rollout when more than 5 % of the wave failed
  ansible.builtin.assert:
    that: wave.summary.failure_percent <= 5

- name: Every firmware upgrade task still running, all pages
  iotfleet.firmware.huawei_iot_firmware_task_info:
    endpoint: https://iot.example.com:8743
    app_id: "{{ vault_huawei_app_id }}"
    secret: "{{ vault_huawei_secret }}"
    operation_type: firmware_upgrade
    operation_status: processing
    all_pages: true
  register: running

- name: Second page of 20 tasks that cover one device
  iotfleet.firmware.huawei_iot_firmware_task_info:
    device_id: hw-meter-0001
    page_no: 1
    page_size: 20
"""

RETURN = r"""
tasks:
  description:
    - The tasks as the API returns them (C(operationId), C(createTime), C(startTime), C(stopTime), C(operateType),
      C(targets), C(policy), C(status), C(staResult), C(extendPara)).
    - With O(include_subtasks), each task has a key C(subtasks), the list of its subtasks (C(subOperationId),
      C(deviceId), C(status), C(detailInfo), C(extendInfo), times).
  returned: always
  type: list
  elements: dict
  sample:
    - operationId: 5d3f1c2b9a8e7f6d5c4b3a29
      operateType: firmware_upgrade
      status: success
      targets: {devices: [hw-meter-0001]}
      staResult: {total: 1, wait: 0, processing: 0, success: 1, fail: 0, stop: 0, timeout: 0}
operation_ids:
  description: The IDs of RV(tasks), in order.
  returned: always
  type: list
  elements: str
  sample: [5d3f1c2b9a8e7f6d5c4b3a29]
total:
  description:
    - The number of tasks the list reports (C(totalCount)/C(totalSize)) for one page, else the number returned.
  returned: always
  type: int
  sample: 1
page_no:
  description: The page returned.
  returned: when one page of the list was read
  type: int
  sample: 0
page_size:
  description: The page size used.
  returned: when one page of the list was read
  type: int
  sample: 100
per_task:
  description:
    - Per task ID, its C(status), C(counts), C(summary), and C(done), which is true when the task status or every
      device counter is final.
  returned: always
  type: dict
  sample:
    5d3f1c2b9a8e7f6d5c4b3a29:
      status: success
      done: true
      counts: {total: 1, wait: 0, processing: 0, success: 1, fail: 0, stop: 0, timeout: 0}
      summary: {total: 1, succeeded: 1, failed: 0, in_progress: 0, finished: 1, success_percent: 100.0,
                failure_percent: 0.0}
all_done:
  description: True when at least one task was returned and every one of them is done.
  returned: always
  type: bool
  sample: true
counts:
  description:
    - Device counters summed over RV(tasks) (C(staResult) V(total), V(wait), V(processing), V(success), V(fail),
      V(stop), V(timeout); counted from the subtasks for a task without C(staResult)).
  returned: always
  type: dict
  sample: {total: 1, wait: 0, processing: 0, success: 1, fail: 0, stop: 0, timeout: 0}
summary:
  description: Platform-neutral progress over all RV(tasks), computed from RV(counts).
  returned: always
  type: dict
  contains:
    total:
      description: Devices of all tasks.
      type: int
    succeeded:
      description: Devices counted C(success).
      type: int
    failed:
      description: Devices counted C(fail), C(timeout) or C(stop).
      type: int
    in_progress:
      description: Every other device (C(wait), C(processing)).
      type: int
    finished:
      description: Succeeded + failed.
      type: int
    success_percent:
      description: Succeeded devices in percent of total (0 when total is 0).
      type: float
    failure_percent:
      description: Failed devices in percent of total (0 when total is 0).
      type: float
  sample: {total: 1, succeeded: 1, failed: 0, in_progress: 0, finished: 1, success_percent: 100.0, failure_percent: 0.0}
api_calls:
  description: The number of HTTP requests the module sent (login included).
  returned: always
  type: int
  sample: 3
throttle_waits:
  description: Requests sent only after waiting for the shared rate limit, a throttle answer or a backoff.
  returned: always
  type: int
  sample: 0
retries:
  description: Requests that repeated an earlier attempt after throttling or a transient error.
  returned: always
  type: list
  elements: dict
  sample: []
"""

from ansible_collections.iotfleet.firmware.plugins.module_utils._module._ansible_module import IotModule

from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei import connection
from ansible_collections.iotfleet.firmware.plugins.module_utils._module.firmware_task_info import (
    run_firmware_task_info)


def argument_spec():
    spec = connection.argument_spec()
    spec.update(
        operation_id=dict(type="str"),
        operation_ids=dict(type="list", elements="str"),
        include_subtasks=dict(type="bool", default=False),
        sub_operation_status=dict(type="str", choices=["wait", "processing", "success", "fail", "stop", "timeout"]),
        operation_type=dict(type="str", choices=["firmware_upgrade", "software_upgrade"]),
        operation_status=dict(type="str", choices=["wait", "processing", "success", "failed", "stop"]),
        device_type=dict(type="str"),
        model=dict(type="str"),
        manufacturer_name=dict(type="str"),
        device_id=dict(type="str"),
        page_no=dict(type="int"),
        page_size=dict(type="int"),
        all_pages=dict(type="bool", default=False),
    )
    return spec


def main():
    module = IotModule(argument_spec=argument_spec(), supports_check_mode=True,
                       mutually_exclusive=[["all_pages", "page_no"], ["all_pages", "page_size"]])
    run_firmware_task_info(module, connection.provider_from_params)


if __name__ == "__main__":
    main()
