#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: tencent_iot_batch_firmware
short_description: Create or cancel a Tencent Cloud IoT Explorer batch firmware upgrade task, idempotently
version_added: 0.1.0
description:
  - Ensures a batch firmware upgrade task (C(BatchUpdateFirmware)) exists for devices of a Tencent Cloud IoT Explorer
    product (O(state=present)), or that no matching task is still running (O(state=absent), C(UpdateOtaTaskStatus)).
  - Before any write the options are validated and the target firmware must exist (C(DescribeFirmware)).
  - Re-running the same work (devices and firmware version) returns the existing task with C(changed=false), also when
    the platform does not echo C(TaskUserDefine); it never creates a second task, also not when the answer to a create
    was lost on the network (see notes). Devices already on the target version are not upgraded again.
  - Optionally waits until every device of the task reached a final state and returns per-status device counts.
author:
  - iotfleet.firmware maintainers (@iotfleet)
extends_documentation_fragment:
  - iotfleet.firmware.tencent_iot
  - iotfleet.firmware._attributes.actiongroup_tencent
  - iotfleet.firmware.wait
  - iotfleet.firmware._attributes
  - iotfleet.firmware._attributes.platform
attributes:
  check_mode:
    support: full
    details: Only reads are sent (C(DescribeFirmware), C(DescribeFirmwareTaskDevices), ...); the task is not created or
      cancelled.
  diff_mode:
    support: full
options:
  state:
    description:
      - V(present) ensures a matching task exists, creating it when there is none.
      - V(absent) cancels every matching task that still has devices in progress (or no device rows yet).
        Finished tasks stay in the history and are left alone.
    type: str
    choices: [present, absent]
    default: present
  task_id:
    description:
      - Work on this existing task instead of looking for one by its definition.
      - With O(state=present) the task must exist; it is returned (and waited for with O(wait)), nothing is created.
      - With O(state=absent) it is cancelled if it still has devices in progress.
      - The upgrade-mode options are not needed then; O(product_id) and O(firmware_version) are.
    type: int
  product_id:
    description:
      - Product ID (C(ProductID)).
    type: str
    required: true
  firmware_version:
    description:
      - Target firmware version (C(FirmwareVersion)). It must already be uploaded (C(DescribeFirmware) is checked).
    type: str
    required: true
  firmware_ori_version:
    description:
      - Upgrade by original version (C(FirmwareOriVersion)), all devices of the product reporting this version.
      - Exactly one of O(firmware_ori_version), O(file_name) and O(device_names) is required (unless O(task_id)).
    type: str
  file_name:
    description:
      - Upgrade by device-list file (C(FileName)), a file uploaded beforehand (the console; iotexplorer has no upload API).
      - Requires O(file_md5) and O(file_size).
    type: str
  file_md5:
    description:
      - MD5 (32 hex characters) of the device-list file (C(FileMd5)). Only with O(file_name).
    type: str
  file_size:
    description:
      - Size in bytes of the device-list file (C(FileSize)). Only with O(file_name).
    type: int
  device_names:
    description:
      - Upgrade by device names (C(DeviceNames)). Duplicates are removed; the order does not matter for idempotency.
    type: list
    elements: str
  upgrade_method:
    description:
      - C(UpgradeMethod) V(0) silent upgrade, V(1) upgrade after user confirmation. The platform default is V(0).
    type: int
    choices: [0, 1]
  timeout_interval:
    description:
      - Task timeout in seconds (C(TimeoutInterval)), 120 to 900.
    type: int
  type:
    description:
      - C(Type) V(1) static upgrade (platform default), V(7) dynamic upgrade.
    type: int
    choices: [1, 7]
  delay_time:
    description:
      - Task delay (C(DelayTime)); the unit is not documented by Tencent. At least 0.
    type: int
  override_mode:
    description:
      - C(OverrideMode) V(1) overrides existing tasks of the devices, V(0) does not.
    type: int
    choices: [0, 1]
  max_retry_num:
    description:
      - Retries after a device failed (C(MaxRetryNum)). At least 0.
    type: int
  retry_interval:
    description:
      - Minutes between retries (C(RetryInterval)). At least 1.
    type: int
  fw_type:
    description:
      - Firmware module (C(FwType)), for example V(mcu) or V(module). Also narrows the task search.
    type: str
  task_user_define:
    description:
      - Free-form user data of the task (C(TaskUserDefine)).
      - A dict, a string holding a JSON object, or nothing, is sent as compact JSON with the sorted keys plus the
        key C(iotfleet) holding the idempotency marker (so the key C(iotfleet) is reserved).
      - Any other string is sent verbatim; the task is then recognised by its echoed fields instead (see notes).
    type: raw
  rate_limit:
    description:
      - Devices dispatched per minute (C(RateLimit)). At least 1.
    type: int
  start_time:
    description:
      - Unix time in seconds at which the task starts (C(StartTime)); V(0) starts at once. Wins over O(delay_time).
      - New in the API (Python SDK 3.1.194 only); older endpoints may reject it with C(UnknownParameter).
        Only sent when set.
    type: int
  end_time:
    description:
      - Unix time in seconds after which the task stops (C(EndTime)); V(0) means no deadline. Must be later than
        O(start_time).
      - New in the API like O(start_time); only sent when set.
    type: int
notes:
  - >-
    B(Same work.) The work is these target devices and this firmware version of O(product_id) (and O(fw_type)). It is
    decided from what the API documents as returned; the C(iotfleet) marker in C(TaskUserDefine) is only a fast
    path (C(DescribeFirmwareTask) does not have to echo it).
  - >-
    B(Before anything else) C(DescribeFirmware) must succeed for O(product_id), O(firmware_version) and O(fw_type);
    otherwise the module fails naming the product and the version.
  - >-
    B(By device names) (O(device_names)): the paged C(DescribeFirmwareTaskDevices) rows of this product and
    firmware version (documented fields C(TaskId), C(DeviceName), C(Status), C(DstVersion)) give, per task, its
    device set and whether it still has non-final rows (active). An active task whose rows cover the desired devices
    is the same task (C(changed=false)); only that task is read with C(DescribeFirmwareTask), for the task returned
    and the marker fast path (RV(matched_by) V(marker) when the marker is echoed, V(rows) otherwise). Devices in
    other active tasks of the version are busy: the module fails naming them and their tasks, nothing is created.
    Devices that already run the target version (C(GetDeviceList) with C(FirmwareVersion), paged, or per-device
    reads when fewer) are up to date (RV(up_to_date_devices)) and are not upgraded again; a task is created for the
    remaining ones only. A re-run after the task completed reports every device up to date (C(changed=false)).
  - >-
    B(By original version) (O(firmware_ori_version)): the same task is an active task (non-final rows, or no rows
    yet) of the version listed by C(DescribeFirmwareTasks) whose C(DescribeFirmwareTask) says C(UpgradeMode)
    V(originalVersion) and the same C(OriginalVersion); only such tasks are described. When C(GetDeviceList) with
    C(FirmwareVersion) = O(firmware_ori_version) has C(Total) 0, there is nothing to upgrade (C(changed=false)).
  - >-
    B(By device-list file) (O(file_name)): the file is not echoed by any documented answer, so only the marker (or,
    for a non-JSON O(task_user_define), every field C(DescribeFirmwareTask) echoes) identifies the task; a finished
    task still counts as the done work, a cancelled one (task C(Status) 6) is replaced. Without the marker echo a
    file task cannot be recognised and a re-run creates another task (documented gap).
  - >-
    The shaping options (O(timeout_interval), O(rate_limit), ...) and O(task_user_define) are part of the marker but
    not of the identity: an active task of the same devices and version is the same work whatever its settings.
  - >-
    B(Lost answers.) C(BatchUpdateFirmware) has no client token. After an error after which the task may exist (read
    timeout, connection closed, HTTP 5xx, C(InternalError), an answer without an integer C(TaskId)) the task is
    looked up with the rules above, tasks seen before excluded, for O(reconcile_timeout) seconds (default twice
    O(timeout)); found, it is returned (RV(reconciled)); not found, the module fails saying it may still appear and a
    re-run will reconcile it. The create is never posted a second time. C(FailedOperation.DeviceIsUpdating),
    C(FailedOperation.OtherUpdateTaskExist) and C(UnsupportedOperation.DeviceOtaTaskInProgress) mean the devices
    are already in a task: it is looked up the same way and adopted when it is this work, otherwise the module fails.
  - >-
    B(Cancel.) O(state=absent) sends C(UpdateOtaTaskStatus) with task-level C(Status=6), the documented "cancelled"
    value, to the active tasks that are this work. Do not confuse it with the device-level status 6 of
    C(DescribeFirmwareTaskDevices) rows, which means "upgrade complete". A lost answer is checked by reading the task
    and its rows, never by sending the cancel again.
  - >-
    B(Progress.) Task-level status values are not documented by Tencent (only 6 = cancelled); they are returned as they
    are. Completion is decided from the per-device rows of the task (C(DescribeFirmwareTaskDevices) rows filtered by
    C(TaskId), pages of 100: the largest page is not documented): 6 succeeded, 5 and 10 failed (5 with C(ErrMsg)
    "firmware no need update." counts as succeeded, the device already runs the version), everything else (0 offline,
    8 awaiting confirmation, 1-4, 7, 20) is in progress. A non-integer C(Status) fails the module.
  - O(wait) is not performed in check mode.
seealso:
  - module: iotfleet.firmware.tencent_iot_batch_firmware_info
  - name: BatchUpdateFirmware API reference
    description: Tencent Cloud IoT Explorer API 3.0.
    link: https://cloud.tencent.com/document/api/1081/123152
"""

EXAMPLES = r"""
- name: Upgrade three devices to 2.0.0 (credentials from TENCENTCLOUD_* environment variables)
  iotfleet.firmware.tencent_iot_batch_firmware:
    product_id: TCPROD0001
    firmware_version: 2.0.0
    fw_type: mcu
    device_names:
      - tc-sensor-0001
      - tc-sensor-0002
      - tc-sensor-0003
    timeout_interval: 300
    task_user_define:
      rollout: spring-2026
      wave: canary
  register: canary

- name: Upgrade every device still on 1.0.0 and wait for the result
  iotfleet.firmware.tencent_iot_batch_firmware:
    product_id: TCPROD0001
    firmware_version: 2.0.0
    firmware_ori_version: 1.0.0
    fw_type: mcu
    rate_limit: 200
    wait: true
    wait_timeout: 3600
    wait_sleep: 30
  register: fleet

- name: Fail when more than 2 % of the devices failed
  ansible.builtin.assert:
    that: fleet.summary.failure_percent <= 2

- name: Connection options once for the whole play through the module_defaults group
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/iotfleet.firmware.tencent_iot:
      secret_id: "{{ vault_tencent_secret_id }}"
      secret_key: "{{ vault_tencent_secret_key }}"
      region: ap-guangzhou
  tasks:
    - name: Upgrade from a device-list file uploaded in the console
      iotfleet.firmware.tencent_iot_batch_firmware:
        product_id: TCPROD0001
        firmware_version: 2.0.0
        file_name: wave-2.csv
        file_md5: 608afe29a06b19d3033c5f8787ec75fa
        file_size: 120
        upgrade_method: 1

    - name: Cancel the canary task again (only if devices are still in progress)
      iotfleet.firmware.tencent_iot_batch_firmware:
        state: absent
        product_id: TCPROD0001
        firmware_version: 2.0.0
        fw_type: mcu
        device_names: [tc-sensor-0001, tc-sensor-0002, tc-sensor-0003]
        timeout_interval: 300
        task_user_define: {rollout: spring-2026, wave: canary}

    - name: Cancel a task by id
      iotfleet.firmware.tencent_iot_batch_firmware:
        state: absent
        product_id: TCPROD0001
        firmware_version: 2.0.0
        task_id: 1000696
"""

RETURN = r"""
task_id:
  description:
    - ID of the task found, created or given. V(null) in check mode when the task would be created, when every
      device is already up to date, and with O(state=absent) when no task was found (else the first one).
  returned: always
  type: int
  sample: 1000696
task:
  description:
    - The task as C(DescribeFirmwareTask) returns it (without C(RequestId)); empty when there is none yet.
    - C(Status) is the undocumented task-level status, except 6 = cancelled.
  returned: always
  type: dict
  sample:
    TaskId: 1000696
    Status: 1
    Type: 1
    UpgradeMode: devicenames
    ProductId: TCPROD0001
    FwType: mcu
    TimeoutInterval: 300
    UpgradeMethod: 0
    TaskUserDefine: '{"iotfleet":"3f0c9d1e2a4b5c6d7e8f","rollout":"spring-2026","wave":"canary"}'
created:
  description: Whether this run created the task (false when it already existed or was found after a lost answer).
  returned: when O(state=present)
  type: bool
  sample: true
reconciled:
  description: Whether the create answer was lost (or refused because the devices are in a task) and the task was
    found by looking it up instead.
  returned: when O(state=present)
  type: bool
  sample: false
matched_by:
  description:
    - How an existing task was recognised, V(rows) (its device rows), V(marker) (the echoed marker), V(fields) (echoed
      task fields), V(given) (O(task_id)); V(null) when none matched.
  returned: when O(state=present)
  type: str
  sample: rows
marker:
  description: The idempotency marker stored under C(iotfleet) in C(TaskUserDefine) (a fast path only); V(null)
    without one.
  returned: always
  type: str
  sample: 3f0c9d1e2a4b5c6d7e8f
task_ids:
  description: Every task that covers the work (the adopted or created one and the other active tasks of it).
  returned: always
  type: list
  elements: int
  sample: [1000696]
up_to_date_devices:
  description: Devices that already run O(firmware_version); they are not part of a new task.
  returned: when O(state=present)
  type: list
  elements: str
  sample: [tc-sensor-0004]
busy_devices:
  description: Devices in another active task of the version, with that task's ID; the module fails when there are any.
  returned: when O(state=present)
  type: dict
  sample: {tc-sensor-0005: 1000695}
request:
  description: The C(BatchUpdateFirmware) parameters sent or that would be sent (no credentials).
  returned: when O(state=present) and O(task_id) is not set
  type: dict
  sample:
    ProductID: TCPROD0001
    FirmwareVersion: 2.0.0
    FwType: mcu
    DeviceNames: [tc-sensor-0001]
    TaskUserDefine: '{"iotfleet":"3f0c9d1e2a4b5c6d7e8f"}'
cancelled_task_ids:
  description: Tasks cancelled (or that would be cancelled in check mode).
  returned: when O(state=absent)
  type: list
  elements: int
  sample: [1000696]
tasks:
  description: The matching tasks (C(DescribeFirmwareTask) answers), after cancellation.
  returned: when O(state=absent)
  type: list
  elements: dict
summary:
  description:
    - Platform-neutral progress of the task's devices, from its C(DescribeFirmwareTaskDevices) rows.
    - With O(state=absent), over all matching tasks.
  returned: always
  type: dict
  contains:
    total:
      description: Device rows of the task.
      type: int
    succeeded:
      description: Devices with status 6, plus status 5 with "firmware no need update." (already current).
      type: int
    failed:
      description: Devices with status 5 (other messages) or 10 (timed out).
      type: int
    in_progress:
      description: Every other device (offline, awaiting confirmation, pending, downloading, ...).
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
  sample: {total: 3, succeeded: 2, failed: 1, in_progress: 0, finished: 3, success_percent: 66.67, failure_percent: 33.33}
counts:
  description:
    - Devices per device status name, V(offline) (0), V(pending) (1), V(delivered) (2), V(downloading) (3),
      V(burning) (4), V(failed) (5), V(succeeded) (6), V(processing) (7), V(awaiting_confirmation) (8),
      V(timed_out) (10), V(downloaded) (20), V(already_current) (5 with "firmware no need update."), and
      C(status_N) for undocumented codes.
  returned: always
  type: dict
  sample: {offline: 0, pending: 0, delivered: 0, downloading: 0, burning: 0, failed: 1, succeeded: 2, processing: 0,
           awaiting_confirmation: 0, timed_out: 0, downloaded: 0, already_current: 0}
wait:
  description: Outcome of O(wait).
  returned: when O(wait=true)
  type: dict
  contains:
    status:
      description: The raw task-level status at the end of the wait.
      type: int
    timed_out:
      description: Whether O(wait_timeout) passed before every device was final.
      type: bool
    elapsed:
      description: Seconds spent waiting.
      type: float
    polls:
      description: Status reads made after the first one (0 when the task was already done).
      type: int
    skipped:
      description: Present and true in check mode, where the module does not wait.
      type: bool
      returned: in check mode
  sample: {status: 5, timed_out: false, elapsed: 42.3, polls: 5}
retries:
  description: Requests that repeated an earlier attempt (after a throttle answer or a transient error).
  returned: always
  type: list
  elements: dict
  sample: [{call: DescribeFirmwareTaskDevices, status: 200, code: null, attempt: 2, waited: 1.0}]
api_calls:
  description: HTTP requests sent by this run.
  returned: always
  type: int
  sample: 4
throttle_waits:
  description: Requests sent only after waiting (the shared rate limiter, a throttle answer or a backoff).
  returned: always
  type: int
  sample: 0
elapsed:
  description: Seconds spent waiting (same as RV(wait.elapsed)).
  returned: when O(wait=true) and the module waited
  type: float
  sample: 42.3
"""

from ansible_collections.iotfleet.firmware.plugins.module_utils._module._ansible_module import IotModule

from ansible_collections.iotfleet.firmware.plugins.module_utils._module.firmware_task import (
    run_firmware_task,
    wait_argument_spec,
)
from ansible_collections.iotfleet.firmware.plugins.module_utils._tencent import connection


def argument_spec():
    spec = connection.argument_spec()
    spec.update(
        state=dict(type="str", default="present", choices=["present", "absent"]),
        task_id=dict(type="int"),
        product_id=dict(type="str", required=True),
        firmware_version=dict(type="str", required=True),
        firmware_ori_version=dict(type="str"),
        file_name=dict(type="str"),
        file_md5=dict(type="str"),
        file_size=dict(type="int"),
        device_names=dict(type="list", elements="str"),
        upgrade_method=dict(type="int", choices=[0, 1]),
        timeout_interval=dict(type="int"),
        type=dict(type="int", choices=[1, 7]),
        delay_time=dict(type="int"),
        override_mode=dict(type="int", choices=[0, 1]),
        max_retry_num=dict(type="int"),
        retry_interval=dict(type="int"),
        fw_type=dict(type="str"),
        task_user_define=dict(type="raw"),
        rate_limit=dict(type="int"),
        start_time=dict(type="int"),
        end_time=dict(type="int"),
    )
    spec.update(wait_argument_spec())
    return spec


def main():
    module = IotModule(argument_spec=argument_spec(), supports_check_mode=True)
    run_firmware_task(module, connection.provider_factory)


if __name__ == "__main__":
    main()
