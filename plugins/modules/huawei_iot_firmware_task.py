#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: huawei_iot_firmware_task
short_description: Create a Huawei IoT (legacy northbound) firmware upgrade task, idempotently
version_added: 0.1.0
description:
  - Ensures a firmware upgrade task (C(POST /iodm/northbound/v1.5.0/operations/firmwareUpgrade)) exists for a set of
    devices or device groups of the Huawei IoT Device Management (OceanConnect) legacy northbound API.
  - Every documented rule of the create API is checked before any request (targets, limits, policy, time window);
    the error names the option and the documented rule.
  - Re-running the same task definition returns the existing task with C(changed=false), and devices that already
    run the package's version are reported as up to date; no second task is created, also not when the answer to a
    create was lost on the network or the platform executed it late (see notes).
  - Optionally waits until the task (every device) reached a final state and returns the per-status device counts.
author:
  - iotfleet.firmware maintainers (@iotfleet)
extends_documentation_fragment:
  - iotfleet.firmware.huawei_iot
  - iotfleet.firmware._attributes.actiongroup_huawei
  - iotfleet.firmware.wait
  - iotfleet.firmware._attributes
  - iotfleet.firmware._attributes.platform
attributes:
  check_mode:
    support: full
    details: Only the login and reads are sent; the task is never created in check mode.
  diff_mode:
    support: full
options:
  state:
    description:
      - V(present) ensures the same task exists (see notes), creating it when there is none.
      - V(absent) succeeds without change when no matching task is still waiting or running, and B(fails) when one is,
        because the v1.5.0 API has no call to stop or cancel a task (see notes).
    type: str
    choices: [present, absent]
    default: present
  operation_id:
    description:
      - Work on this existing task (C(operationId)) instead of looking for one by its definition.
      - With O(state=present) the task must exist; it is returned (and waited for with O(wait)), nothing is created.
      - With O(state=absent) the module fails if the task is still V(wait) or V(processing).
      - Mutually exclusive with O(file_id), O(targets) and O(policy).
    type: str
  file_id:
    description:
      - ID of the firmware package (C(fileId)) to install. The package must already be uploaded; it is read with
        C(GET /iodm/northbound/v1.5.0/category/{fileId}) before anything is created.
      - Required unless O(operation_id) is given.
    type: str
  targets:
    description:
      - The devices to upgrade (C(OperateDevices)). Give exactly one of O(targets.devices) and O(targets.device_groups).
      - Required unless O(operation_id) is given.
    type: dict
    suboptions:
      devices:
        description:
          - Device IDs (C(devices)), at most 256. Duplicates are removed; the order does not matter.
        type: list
        elements: str
      device_groups:
        description:
          - Device group names (C(deviceGroups)), at most 256. Requires O(targets.device_type), O(targets.model) and
            O(targets.manufacturer_name).
        type: list
        elements: str
      device_type:
        description:
          - Device type (C(deviceType)). Required with O(targets.device_groups); must match the package.
        type: str
      model:
        description:
          - Device model (C(model)). Required with O(targets.device_groups); must match the package.
        type: str
      manufacturer_name:
        description:
          - Manufacturer name (C(manufacturerName)). Required with O(targets.device_groups); must match the package.
        type: str
  policy:
    description:
      - Execution policy (C(OperatePolicy)). Always sent, with C(executeType) and C(retryType).
    type: dict
    suboptions:
      execute_type:
        description:
          - V(now) runs the task at once, V(device_online) when each device comes online, V(custom) in the window
            O(policy.start_time) to O(policy.end_time).
        type: str
        choices: [now, device_online, custom]
        default: now
      start_time:
        description:
          - Start of the V(custom) window in UTC, format C(yyyyMMdd'T'HHmmss'Z'), for example V(20260301T020000Z).
          - Required with, and only allowed with, O(policy.execute_type=custom). Must be earlier than
            O(policy.end_time) and not in the past when the task is created.
        type: str
      end_time:
        description:
          - End of the V(custom) window in UTC, same format; at least 5 minutes after O(policy.start_time).
          - Required with, and only allowed with, O(policy.execute_type=custom).
        type: str
      retry_type:
        description:
          - Whether the platform retries a failed device (C(retryType)).
        type: bool
        default: false
      retry_times:
        description:
          - Number of retries, 1 to 5 (C(retryTimes)). Required with, and only allowed with, O(policy.retry_type=true).
        type: int
notes:
  - >-
    B(Same work.) The work is I(these target devices, this package's version). It is decided from what the API
    documents as returned, never from an echo. prepare: C(GET /iodm/northbound/v1.5.0/category/{fileId}) gives the
    target version (the package C(version)) and the package's C(deviceType), C(model) and C(manufacturerName), which
    check O(targets) and filter the listings below.
  - >-
    B(Explicit devices.) The firmware tasks are listed with C(GET /iodm/northbound/v1.5.0/operations) filtered by
    C(operationType=firmware_upgrade), C(deviceType), C(model) and C(manufacturerName), all pages of 100. A task is
    active when its C(status) is V(wait) or V(processing); its devices are its documented C(targets.devices) (for a
    group task, the C(deviceId) of its subtasks). An active task whose device set equals the desired set, or covers
    all of it, is the same task and is returned (C(changed=false)), unless it shows C(extendPara.fileId) (an
    undocumented echo used as a fast path) naming another package: then its devices are busy. Devices in other
    active tasks are busy: the module fails naming them (RV(busy_devices)) and creates nothing, a device is never
    put in a second task. For the other devices the current firmware is read from the device query API
    (C(deviceInfo.fwVersion) of C(GET /iocm/app/dm/v1.4.0/devices/{deviceId}), or of the paged listing
    C(GET /iocm/app/dm/v1.4.0/devices) when that costs fewer calls, its first page's C(totalCount) tells); a device
    whose C(fwVersion) equals the package C(version) is up to date (RV(up_to_date_devices)). One task is created for
    the remaining devices. A re-run after the task finished therefore reports every device up to date with
    C(changed=false), without relying on any echo.
  - >-
    B(Device groups.) An active task with the same C(deviceGroups) (as a set) and the same C(deviceType), C(model)
    and C(manufacturerName) is the same task. A finished one counts only through the fast path (C(extendPara.fileId)
    equal to O(file_id) and status V(success)), or when the device listing for the package's C(deviceType), C(model)
    and C(manufacturerName) shows every such device already on the target version (then there is nothing to do).
    The v1.5.0 API documents no query of a group's members, so the module cannot tell which devices of a group are
    busy or up to date otherwise.
  - >-
    The policy is not part of the identity. When the same task exists with another policy, it is returned with
    C(changed=false) and a warning names the differing keys; a task cannot be edited, and a second task for the same
    devices is not created. Several same tasks return the newest (C(createTime)); RV(task_ids) lists them all.
  - >-
    B(Lost answers.) The create call has no client token. When its answer is lost (read timeout, connection closed,
    HTTP 5xx, an answer without a string C(operationId)), nothing is posted again: the module looks the task up (the
    task list, as above; any new task covering the devices, in any status) until O(reconcile_timeout) seconds have
    passed (default twice O(timeout)), because the platform may execute a create late. A task found is adopted
    (RV(reconciled=true), C(changed=true), with a warning). Otherwise the module fails saying the task may still
    appear and that a re-run will reconcile it. A throttled create (C(1010009), refused before execution) waits for
    the rate-limit window and is sent again.
  - >-
    B(Pacing and tokens.) Every call waits for a slot of O(api_calls_per_minute) (100 per minute and app id by
    default, the documented flow control), shared through lock files in O(pacing_dir) by every process of the
    controller that uses the same endpoint and app id, so C(forks) and parallel plays stay under the limit. The
    access token is shared the same way (one per endpoint, app id and secret): the module logs in only when there is
    no valid cached token, or when the cached one was refused (C(1010005)); a token refused right after a login is an
    error. The login is made under a lock, so parallel processes do not replace each other's tokens.
  - >-
    B(No stop.) The northbound device upgrade API v1.5.0 has no call to stop or cancel a task; the complete surface
    is list, get and delete packages, create software and firmware tasks, query a task, query subtasks and list tasks.
    O(state=absent) therefore only verifies that no matching task is waiting or running, and fails with that
    explanation otherwise. Stop such a task from the platform console.
  - >-
    The rule that O(policy.start_time) must not be in the past is only enforced when a task would be created. A re-run
    after the start time still finds and returns the task created earlier.
  - O(wait) is not performed in check mode. The wait ends when the task status is V(success), V(failed) or V(stop),
    or when every device counter is final (success, fail, stop, timeout).
seealso:
  - module: iotfleet.firmware.huawei_iot_firmware_task_info
  - name: Creating a Firmware Upgrade Task
    description: Huawei IoT northbound API reference.
    link: https://support.huaweicloud.com/intl/en-us/api-IoT/iot_06_0079.html
"""

EXAMPLES = r"""
- name: Upgrade three water meters to package fw-wm100-2.0.0 (connection from HUAWEI_IOT_* environment variables)
  iotfleet.firmware.huawei_iot_firmware_task:
    file_id: fw-wm100-2.0.0
    targets:
      devices:
        - hw-meter-0001
        - hw-meter-0002
        - hw-meter-0003
  register: canary

- name: Upgrade two device groups when the devices come online, retrying failures twice, and wait for the result
  iotfleet.firmware.huawei_iot_firmware_task:
    endpoint: https://iot.example.com:8743
    app_id: "{{ vault_huawei_app_id }}"
    secret: "{{ vault_huawei_secret }}"
    client_cert: /etc/iotfleet/na-client.crt
    client_key: /etc/iotfleet/na-client.key
    ca_path: /etc/iotfleet/huawei-ca.pem
    file_id: fw-wm100-2.0.0
    targets:
      device_groups: [north, south]
      device_type: WaterMeter
      model: WM-100
      manufacturer_name: Acme
    policy:
      execute_type: device_online
      retry_type: true
      retry_times: 2
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
    group/iotfleet.firmware.huawei_iot:
      endpoint: https://iot.example.com:8743
      app_id: "{{ vault_huawei_app_id }}"
      secret: "{{ vault_huawei_secret }}"
      ca_path: /etc/iotfleet/huawei-ca.pem
  tasks:
    - name: Upgrade the lab group in tonight's maintenance window
      iotfleet.firmware.huawei_iot_firmware_task:
        file_id: fw-wm100-2.0.0
        targets:
          device_groups: [lab]
          device_type: WaterMeter
          model: WM-100
          manufacturer_name: Acme
        policy:
          execute_type: custom
          start_time: "20260301T010000Z"
          end_time: "20260301T050000Z"

    - name: Wait for a task created earlier
      iotfleet.firmware.huawei_iot_firmware_task:
        operation_id: "{{ canary.operation_id }}"
        wait: true

    - name: Make sure no upgrade of these devices is running (fails if one is, v1.5.0 cannot stop tasks)
      iotfleet.firmware.huawei_iot_firmware_task:
        state: absent
        file_id: fw-wm100-2.0.0
        targets:
          devices: [hw-meter-0001, hw-meter-0002, hw-meter-0003]
"""

RETURN = r"""
operation_id:
  description:
    - ID (C(operationId)) of the task found, created or given. V(null) in check mode when the task would be created,
      when every target device already runs the package's version, and with O(state=absent) when no matching task
      exists.
  returned: always
  type: str
  sample: 5d3f1c2b9a8e7f6d5c4b3a29
task:
  description:
    - The task as C(GET /iodm/northbound/v1.5.0/operations/{operationId}) returns it (after the wait with O(wait));
      empty when there is none yet.
  returned: always
  type: dict
  sample:
    operationId: 5d3f1c2b9a8e7f6d5c4b3a29
    createTime: 20260301T010203Z
    startTime: 20260301T010203Z
    operateType: firmware_upgrade
    status: processing
    targets: {devices: [hw-meter-0001, hw-meter-0002]}
    policy: {executeType: now, retryType: false}
    staResult: {total: 2, wait: 0, processing: 1, success: 1, fail: 0, stop: 0, timeout: 0}
    extendPara: {fileId: fw-wm100-2.0.0}
tasks:
  description: The matching tasks, all finished.
  returned: when O(state=absent)
  type: list
  elements: dict
cancelled_task_ids:
  description: Always empty on this platform (v1.5.0 cannot stop tasks).
  returned: when O(state=absent)
  type: list
  elements: str
  sample: []
created:
  description: Whether this run created the task with a create call that was answered.
  returned: when O(state=present)
  type: bool
  sample: true
reconciled:
  description:
    - Whether the answer to the create was lost and the task it created was found by looking it up (C(changed=true)).
  returned: when O(state=present)
  type: bool
  sample: false
matched_by:
  description:
    - How the task was identified. V(targets) means an active task covering the target devices (or the same device
      groups), V(file_id) means its C(extendPara.fileId) echo (fast path), and V(operation_id) means it was given
      (see notes). V(null) when the task was created by an answered create or nothing was to be done.
  returned: when O(state=present)
  type: str
  sample: targets
task_ids:
  description: Every task that is this work (the adopted or created one and any other active one covering it).
  returned: always
  type: list
  elements: str
  sample: [5d3f1c2b9a8e7f6d5c4b3a29]
up_to_date_devices:
  description:
    - Target devices whose current firmware (C(deviceInfo.fwVersion) of the device query API) already is the
      package's version; no task is created for them.
  returned: when O(state=present)
  type: list
  elements: str
  sample: [hw-meter-0003]
busy_devices:
  description:
    - Target devices that are in another active task which is not provably this work (device ID to C(operationId)).
      The module fails when there are any, and creates nothing.
  returned: when O(state=present)
  type: dict
  sample: {hw-meter-0004: 6a1f0c2b9a8e7f6d5c4b3a30}
request:
  description: The create body sent, or that would be sent (C(CreateUpgradeTaskInDTO)).
  returned: when a task is created, or would be created in check mode
  type: dict
  sample:
    fileId: fw-wm100-2.0.0
    targets: {devices: [hw-meter-0001, hw-meter-0002]}
    policy: {executeType: now, retryType: false}
counts:
  description:
    - The task's device counters (C(staResult)) V(total), V(wait), V(processing), V(success), V(fail), V(stop) and
      V(timeout). When the task has no C(staResult), they are counted from its subtasks.
    - With O(state=absent), summed over the matching tasks.
  returned: always
  type: dict
  sample: {total: 2, wait: 0, processing: 0, success: 1, fail: 1, stop: 0, timeout: 0}
summary:
  description:
    - Platform-neutral progress computed from RV(counts). With O(state=absent), over all matching tasks.
  returned: always
  type: dict
  contains:
    total:
      description: Devices of the task.
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
  sample: {total: 2, succeeded: 1, failed: 1, in_progress: 0, finished: 2, success_percent: 50.0, failure_percent: 50.0}
wait:
  description: Outcome of O(wait).
  returned: when O(wait=true)
  type: dict
  contains:
    status:
      description: The task status at the end of the wait (V(success), V(failed), V(stop), or the last one seen).
      type: str
    elapsed:
      description: Seconds spent waiting.
      type: float
    timed_out:
      description: Whether O(wait_timeout) passed before the task was final.
      type: bool
    polls:
      description: Task reads made while waiting (0 when the task was already final).
      type: int
    skipped:
      description: Present and true in check mode, where the module does not wait.
      type: bool
      returned: in check mode
  sample: {status: success, elapsed: 42.3, timed_out: false, polls: 5}
elapsed:
  description: Seconds spent waiting (same as RV(wait.elapsed)).
  returned: when O(wait=true) and the module waited
  type: float
  sample: 42.3
api_calls:
  description: The number of HTTP requests the module sent (login included).
  returned: always
  type: int
  sample: 4
throttle_waits:
  description:
    - Requests sent only after waiting, for the shared rate limit (O(api_calls_per_minute)), a throttle answer
      (C(1010009)) or a backoff.
  returned: always
  type: int
  sample: 0
retries:
  description: Requests that repeated an earlier attempt after throttling or a transient error.
  returned: always
  type: list
  elements: dict
  sample:
    - {call: "Huawei IoT GET /iodm/northbound/v1.5.0/operations", status: 200, code: null, attempt: 2, waited: 60.0}
errors:
  description: The option errors, when the module failed validation.
  returned: on validation failure
  type: list
  elements: str
  sample: ["policy.retry_times must be between 1 and 5, got 7 (error 123028 retryTimes is null or beyond the limit)"]
"""

from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei import connection
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei.task import task_argument_spec
from ansible_collections.iotfleet.firmware.plugins.module_utils._module._ansible_module import IotModule
from ansible_collections.iotfleet.firmware.plugins.module_utils._module.firmware_task import (
    run_firmware_task, wait_argument_spec)


def argument_spec():
    spec = connection.argument_spec()
    spec.update(
        state=dict(type="str", default="present", choices=["present", "absent"]),
        operation_id=dict(type="str"),
        file_id=dict(type="str"),
    )
    spec.update(task_argument_spec())  # targets, policy
    spec.update(wait_argument_spec())
    return spec


MUTUALLY_EXCLUSIVE = [["operation_id", "file_id"], ["operation_id", "targets"], ["operation_id", "policy"]]


def main():
    module = IotModule(argument_spec=argument_spec(), mutually_exclusive=MUTUALLY_EXCLUSIVE,
                       supports_check_mode=True)
    run_firmware_task(module, connection.provider_from_params)


if __name__ == "__main__":
    main()
