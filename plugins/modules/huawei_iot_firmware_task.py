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
  - Re-running the same task definition returns the existing task with C(changed=false); no second task is created,
    also not when the answer to a create was lost on the network (see notes).
  - Optionally waits until the task (every device) reached a final state and returns the per-status device counts.
author:
  - iotfleet.firmware maintainers (@iotfleet)
extends_documentation_fragment:
  - iotfleet.firmware.huawei_iot
  - iotfleet.firmware._attributes.actiongroup_huawei
  - iotfleet.firmware.wait
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Only the login and reads are sent; the task is never created in check mode.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
  platform:
    description: Target OS/families that can be operated against.
    support: full
    platforms: all
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
    B(Same task.) Candidates are read with C(GET /iodm/northbound/v1.5.0/operations) filtered by
    C(operationType=firmware_upgrade) and C(deviceId) of one target device (device targets) or C(deviceType), C(model)
    and C(manufacturerName) (group targets), all pages. A candidate is the same task when all of these hold.
    (1) C(operateType) is C(firmware_upgrade).
    (2) Same targets. Device targets need the same set of device IDs (order and duplicates do not matter, type, model
    and manufacturer are not compared), and group targets need the same set of group names with the same
    C(deviceType), C(model) and C(manufacturerName). A list entry without C(targets) is read with
    C(GET operations/{id}); if it still shows none, its device set is taken from its subtasks.
    (3) Same package. When the task shows C(extendPara.fileId), it must equal O(file_id). Otherwise the package
    (C(GET category/{fileId})) is compared with what the task exposes. A C(deviceType), C(model) or
    C(manufacturerName) in the task's targets that differs from the package's means a different package. A target
    version in C(extendPara) or in the C(extendInfo) of its first subtasks (C(targetVersion), C(version) or
    C(fileVersion)) must equal the package's C(version). When there is nothing to compare, the task is B(not)
    adopted and a warning names it.
    (4) Its status is not V(failed) or V(stop). A V(wait), V(processing) or V(success) task counts as existing, and a
    failed or stopped task is replaced by a new one.
  - >-
    The policy is not part of the identity. When the same task exists with another policy, it is returned with
    C(changed=false), RV(policy_differences) lists the keys and a warning is shown. A task cannot be edited, and a
    second task for the same devices is not created. Several same tasks return the newest (C(createTime)).
  - >-
    B(Lost answers.) The create call has no client token. When its answer is lost (read timeout, connection closed,
    HTTP 5xx, an answer without C(operationId)), the module lists the tasks again (three lookups over about four
    seconds). It adopts a task that was not there before the create and is the same task (any status), and reports
    RV(reconciled=true) with a warning. Only when the lookups found nothing is the create sent once more (at most two
    creates in total). A throttled (C(1010009)) or refused create is retried directly, because nothing was created.
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
      and with O(state=absent) when no matching task exists.
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
    - How the task was identified. V(fileId) means its C(extendPara.fileId) and V(version) means the package version
      it exposes (see notes), and V(operation_id) means it was given. V(null) when the task was created by an answered
      create.
  returned: when O(state=present)
  type: str
  sample: fileId
policy_differences:
  description: Policy options in which the existing same task differs from O(policy) (the task was not changed).
  returned: when O(state=present)
  type: list
  elements: str
  sample: [retry_times, retry_type]
request:
  description: The create body sent, or that would be sent (C(CreateUpgradeTaskInDTO)).
  returned: when O(state=present) and O(operation_id) is not set
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
retries:
  description: Requests that were repeated after throttling or a transient error.
  returned: always
  type: list
  elements: dict
  sample: [{method: GET, path: /iodm/northbound/v1.5.0/operations, attempt: 1, error_code: "1010009"}]
errors:
  description: The option errors, when the module failed validation.
  returned: on validation failure
  type: list
  elements: str
  sample: ["policy.retry_times must be between 1 and 5, got 7 (error 123028 retryTimes is null or beyond the limit)"]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.iotfleet.firmware.plugins.module_utils.common import (
    IoTError, check_wait_options, ensure_requests, redact, wait_argument_spec,
)
from ansible_collections.iotfleet.firmware.plugins.module_utils import huawei_iot
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei import task as huawei_task


def argument_spec():
    spec = huawei_iot.connection_argument_spec()
    spec.update(
        state=dict(type="str", default="present", choices=["present", "absent"]),
        operation_id=dict(type="str"),
        file_id=dict(type="str"),
        targets=dict(type="dict", options=dict(
            devices=dict(type="list", elements="str"),
            device_groups=dict(type="list", elements="str"),
            device_type=dict(type="str"),
            model=dict(type="str"),
            manufacturer_name=dict(type="str"),
        )),
        policy=dict(type="dict", options=dict(
            execute_type=dict(type="str", default="now", choices=["now", "device_online", "custom"]),
            start_time=dict(type="str"),
            end_time=dict(type="str"),
            retry_type=dict(type="bool", default=False),
            retry_times=dict(type="int"),
        )),
    )
    spec.update(wait_argument_spec())
    return spec


MUTUALLY_EXCLUSIVE = [["operation_id", "file_id"], ["operation_id", "targets"], ["operation_id", "policy"]]


def main():
    module = AnsibleModule(argument_spec=argument_spec(), mutually_exclusive=MUTUALLY_EXCLUSIVE,
                           supports_check_mode=True)
    ensure_requests(module)
    params = module.params
    secrets = huawei_iot.module_secrets(params)
    check_wait_options(module)
    try:
        desired = huawei_task.validate(params)
    except huawei_task.TaskValidationError as exc:
        module.fail_json(msg=redact("Invalid options: %s" % exc, secrets), errors=exc.errors)
    client = huawei_iot.client_from_module(module)
    runner = huawei_iot.FirmwareTask(client, desired, check_mode=module.check_mode, wait=params["wait"],
                                     wait_timeout=params["wait_timeout"], wait_sleep=params["wait_sleep"])
    try:
        result = runner.run()
    except huawei_task.TaskValidationError as exc:
        for warning in runner.warnings:
            module.warn(warning)
        module.fail_json(msg=redact("Invalid options: %s" % exc, secrets + client.secrets), errors=exc.errors,
                         retries=client.retries)
    except IoTError as exc:
        for warning in runner.warnings:
            module.warn(warning)
        huawei_iot.fail_from_error(module, exc, client, retries=client.retries)
    for warning in runner.warnings:
        module.warn(warning)
    diff = result.pop("diff", None)
    if module._diff and diff is not None:
        result["diff"] = diff
    result["retries"] = client.retries
    module.exit_json(**result)


if __name__ == "__main__":
    main()
