#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: tencent_iot_batch_firmware_info
short_description: Read Tencent Cloud IoT Explorer firmware upgrade tasks and per-device progress
version_added: 0.1.0
description:
  - Lists the firmware upgrade tasks of a product's target firmware version (C(DescribeFirmwareTasks)), or returns given
    tasks (C(DescribeFirmwareTask)) with their per-device rows (C(DescribeFirmwareTaskDevices), all pages).
  - Always returns an aggregated RV(summary) and per-status RV(counts) over the tasks returned, so a rollout can poll a
    whole wave of tasks with one call.
  - Never changes anything.
author:
  - iotfleet.firmware maintainers (@iotfleet)
extends_documentation_fragment:
  - iotfleet.firmware.tencent_iot
  - iotfleet.firmware._attributes.actiongroup_tencent
  - iotfleet.firmware._attributes.info_module
options:
  product_id:
    description:
      - Product ID (C(ProductID)).
    type: str
    required: true
  firmware_version:
    description:
      - Target firmware version of the tasks (C(FirmwareVersion)); Tencent lists tasks per target version.
    type: str
    required: true
  fw_type:
    description:
      - Firmware module (C(FwType)) to narrow the listing and the device rows.
    type: str
  task_id:
    description:
      - Return this task (and its devices with O(include_devices)) instead of listing all tasks.
    type: int
  task_ids:
    description:
      - Return these tasks; RV(summary) and RV(counts) aggregate over all of them. Combined with O(task_id) if both are set.
    type: list
    elements: int
  include_devices:
    description:
      - Also return the per-device rows of the tasks (RV(devices)). The rows are always read to compute RV(summary).
    type: bool
    default: false
  offset:
    description:
      - When listing tasks, return only the page starting at this offset (C(Offset)) instead of all pages.
    type: int
  limit:
    description:
      - When listing tasks, the page size (C(Limit)) of the single page returned. Default 100 when O(offset) is set.
    type: int
notes:
  - C(DescribeFirmwareTaskDevices) has no task input; its rows cover every task of the version, are read once (pages of
    100; the largest page is not documented) for all tasks returned and are filtered by C(TaskId) by the module.
    Device statuses are counted as described for M(iotfleet.firmware.tencent_iot_batch_firmware).
  - Every answer is type-checked (C(TaskInfos), C(Devices) must be lists, C(Total), C(TaskId) and C(Status)
    integers); anything else fails the module naming the action.
  - Task-level C(Status) values are undocumented except 6 = cancelled; they are returned as they are.
seealso:
  - module: iotfleet.firmware.tencent_iot_batch_firmware
"""

EXAMPLES = r"""
- name: All tasks that target 2.0.0
  iotfleet.firmware.tencent_iot_batch_firmware_info:
    product_id: TCPROD0001
    firmware_version: 2.0.0
  register: tasks

- name: Progress of two wave tasks, with every device row
  iotfleet.firmware.tencent_iot_batch_firmware_info:
    product_id: TCPROD0001
    firmware_version: 2.0.0
    task_ids: [1000696, 1000697]
    include_devices: true
  register: wave

- name: Show the failed devices
  ansible.builtin.debug:
    msg: "{{ wave.devices | selectattr('Status', 'in', [5, 10]) | map(attribute='DeviceName') | list }}"

- name: The second page of 20 tasks, connection from the module_defaults group
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/iotfleet.firmware.tencent_iot:
      region: ap-guangzhou
  tasks:
    - name: Page
      iotfleet.firmware.tencent_iot_batch_firmware_info:
        product_id: TCPROD0001
        firmware_version: 2.0.0
        offset: 20
        limit: 20
"""

RETURN = r"""
tasks:
  description:
    - With O(task_id)/O(task_ids), the C(DescribeFirmwareTask) answers (without C(RequestId)), in the order given.
    - Otherwise the C(FirmwareTaskInfo) entries of C(DescribeFirmwareTasks) (C(TaskId), C(Status), C(Type),
      C(CreateTime), C(FwType), ...), newest first.
  returned: always
  type: list
  elements: dict
  sample: [{TaskId: 1000696, Status: 1, Type: 1, CreateTime: 1767225600, FwType: mcu}]
task_ids:
  description: IDs of RV(tasks).
  returned: always
  type: list
  elements: int
  sample: [1000696]
total:
  description: Number of tasks; when a single page was requested, the C(Total) the platform reports.
  returned: always
  type: int
  sample: 1
devices:
  description:
    - C(DeviceUpdateStatus) rows of the tasks (C(DeviceName), C(Status), C(ErrMsg), C(TaskId), C(Percent),
      C(OriVersion), C(DstVersion), C(LastProcessTime), ...), one per task and device.
  returned: when O(include_devices=true)
  type: list
  elements: dict
  sample: [{DeviceName: tc-sensor-0001, Status: 6, TaskId: 1000696, Percent: 100, ErrMsg: ""}]
summary:
  description: Platform-neutral progress over all devices of all RV(tasks).
  returned: always
  type: dict
  contains:
    total:
      description: Device rows.
      type: int
    succeeded:
      description: Status 6, plus status 5 with "firmware no need update." (already current).
      type: int
    failed:
      description: Status 5 (other messages) or 10.
      type: int
    in_progress:
      description: Every other device.
      type: int
    finished:
      description: Succeeded + failed.
      type: int
    success_percent:
      description: Succeeded in percent of total.
      type: float
    failure_percent:
      description: Failed in percent of total.
      type: float
  sample: {total: 3, succeeded: 3, failed: 0, in_progress: 0, finished: 3, success_percent: 100.0, failure_percent: 0}
counts:
  description: Devices per status name over all RV(tasks), as for M(iotfleet.firmware.tencent_iot_batch_firmware).
  returned: always
  type: dict
  sample: {succeeded: 3, failed: 0, offline: 0, already_current: 0}
per_task:
  description: C(status), RV(summary), RV(counts) and C(done) (every device row final) of each task, keyed by the task
    ID as a string.
  returned: always
  type: dict
  sample: {"1000696": {status: 5, done: true, summary: {total: 3, succeeded: 3}, counts: {succeeded: 3}}}
all_done:
  description: True when at least one task was returned and every one is done.
  returned: always
  type: bool
  sample: true
offset:
  description: The O(offset) of the page returned.
  returned: when O(offset) or O(limit) is set
  type: int
  sample: 20
limit:
  description: The O(limit) of the page returned.
  returned: when O(offset) or O(limit) is set
  type: int
  sample: 20
retries:
  description: Requests that repeated an earlier attempt (after a throttle answer or a transient error).
  returned: always
  type: list
  elements: dict
  sample: []
api_calls:
  description: HTTP requests sent by this run.
  returned: always
  type: int
  sample: 3
throttle_waits:
  description: Requests sent only after waiting (the shared rate limiter, a throttle answer or a backoff).
  returned: always
  type: int
  sample: 0
"""

from ansible_collections.iotfleet.firmware.plugins.module_utils._module._ansible_module import IotModule

from ansible_collections.iotfleet.firmware.plugins.module_utils._module.firmware_task_info import run_firmware_task_info
from ansible_collections.iotfleet.firmware.plugins.module_utils._tencent import connection


def argument_spec():
    spec = connection.argument_spec()
    spec.update(
        product_id=dict(type="str", required=True),
        firmware_version=dict(type="str", required=True),
        fw_type=dict(type="str"),
        task_id=dict(type="int"),
        task_ids=dict(type="list", elements="int"),
        include_devices=dict(type="bool", default=False),
        offset=dict(type="int"),
        limit=dict(type="int"),
    )
    return spec


def main():
    module = IotModule(argument_spec=argument_spec(), supports_check_mode=True)
    run_firmware_task_info(module, connection.provider_factory)


if __name__ == "__main__":
    main()
