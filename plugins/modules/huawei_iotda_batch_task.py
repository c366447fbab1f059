#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: huawei_iotda_batch_task
short_description: Create or stop a Huawei Cloud IoTDA v5 firmware or software upgrade batch task, idempotently
version_added: 0.1.0
description:
  - Ensures an OTA upgrade batch task (C(CreateBatchTask), C(POST /v5/iot/{project_id}/batchtasks)) of task type
    V(firmwareUpgrade) or V(softwareUpgrade) exists for a list of devices of a Huawei Cloud IoTDA instance.
  - Every documented rule of the create API is checked before any request (device ids, task name, policy, extension
    information); the error names the option and the rule.
  - Re-running the same definition while the task is still unfinished returns the existing task with
    C(changed=false); no second task is created, also not when the answer to a create was lost on the network (see
    notes).
  - V(state=absent) stops the unfinished tasks of the definition (C(StopBatchTask)), which the legacy northbound API
    of M(iotfleet.firmware.huawei_iot_firmware_task) cannot do.
  - V(state=retried) runs the failed devices of a task again (C(RetryBatchTask)), all of them or O(retry_targets).
  - Optionally waits until the task reached a final status and returns the per-status device counters.
author:
  - iotfleet.firmware maintainers (@iotfleet)
extends_documentation_fragment:
  - iotfleet.firmware.huawei_iotda
  - iotfleet.firmware.huawei_iotda.actiongroup
  - iotfleet.firmware.wait
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Only reads are sent; the task is never created, stopped or retried in check mode.
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
      - V(present) ensures an unfinished task of this definition exists, creating it when there is none.
      - V(absent) stops every unfinished task of this definition (C(StopBatchTask) with an empty body, which stops all
        its waiting, running and fail-wait-retry devices); C(changed=false) when there is none.
      - V(retried) runs the failed devices of the task O(task_id) again (C(RetryBatchTask)). The task is read first;
        its status decides, as IoTDA allows no retry of a task that is V(Success), V(Stopped), V(Stopping), V(Waitting)
        or V(Initializing), so the module fails naming the status and sends nothing (a status the reference does not
        document is refused too). Without O(retry_targets) one request with an empty body re-runs every V(Fail),
        V(FailWaitRetry) and V(Stopped) device, and only when the task's counters count any (else
        C(changed=false)). Requires O(task_id); nothing is ever created.
    type: str
    choices: [present, absent, retried]
    default: present
  task_id:
    description:
      - Work on this existing task instead of looking for one by its definition.
      - With O(state=present) the task must exist; it is returned (and waited for with O(wait)), nothing is created.
      - With O(state=absent) the task is stopped when it is not finished.
      - With O(state=retried) (required) its failed devices run again.
      - Mutually exclusive with O(package_id) and O(targets).
    type: str
  package_id:
    description:
      - ID of the OTA package to install (C(document.package_ids)). It must already be uploaded; it is read with
        C(ShowOtaPackage) before anything else, and its C(version) is the target version.
      - Required unless O(task_id) is given.
    type: str
  task_type:
    description:
      - V(firmwareUpgrade) for a firmware package, V(softwareUpgrade) for a software package (IoTDA's camelCase
        spelling). The package must be of the matching type.
    type: str
    choices: [firmwareUpgrade, softwareUpgrade]
    default: firmwareUpgrade
  targets:
    description:
      - The device IDs to upgrade (C(targets)), each 1 to 128 letters, digits, C(_) or C(-). Duplicates are removed;
        the order does not matter.
      - One task takes at most 30,000 devices.
      - Required unless O(task_id) is given.
    type: list
    elements: str
  task_name:
    description:
      - Name of the task (C(task_name)), at most 128 letters (Chinese included), digits and C(_).
      - The API requires one; when not given, a deterministic C(iotfleet_<task_type>_<digest>) is sent. The name is
        not part of the identity of the task (see notes).
    type: str
  app_id:
    description:
      - Resource space (C(app_id)) of the task, 1 to 36 letters, digits, C(_) or C(-). The platform's default resource
        space when not given.
    type: str
  policy:
    description:
      - Execution policy (C(task_policy)). Not part of the identity of the task.
    type: dict
    suboptions:
      schedule_time:
        description:
          - When the task starts, in UTC, format C(yyyyMMdd'T'HHmmss'Z'), for example V(20261205T020000Z); at once
            when not given. The platform allows at most 7 days ahead; only the format is checked before the request.
        type: str
      retry_count:
        description:
          - How often the platform retries a failed device, 1 to 5. Requires O(policy.retry_interval).
        type: int
      retry_interval:
        description:
          - Minutes between two retries, 1 to 1440. Requires O(policy.retry_count).
        type: int
  need_confirm:
    description:
      - Whether each device's upgrade waits for a confirmation (C(ConfirmBatchTask)) before it runs.
    type: bool
    default: false
  task_ext_info:
    description:
      - Extension information forwarded to the devices in their upgrade notification (C(task_ext_info)), a
        dictionary sent as a JSON object; a string holding a JSON object is accepted too.
      - At most 512 characters as compact JSON (C({"k":"v"})); a longer one fails naming the option before any
        request.
    type: dict
  retry_targets:
    description:
      - With O(state=retried), only these devices of the task (C(targets) of the retry body), each 1 to 128 letters,
        digits, C(_) or C(-).
      - The task's per-device rows of the statuses V(Fail), V(FailWaitRetry) and V(Stopped) are read (every page);
        devices in none of them are not sent and are returned in RV(skipped_devices) with a warning. The rest is
        sent in requests of at most 100 devices each (the API's limit), one after the other.
    type: list
    elements: str
notes:
  - >-
    B(Same work.) The work is I(these devices, this OTA package, this task type). The task list
    (C(ListBatchTasks) filtered by O(task_type), every page of 50) is read; a task is unfinished when its status is
    V(Initializing), V(Waitting), V(Processing), V(Stopping) or a status the module does not know. An unfinished task
    whose C(targets) cover the devices and whose C(document.package_ids) name O(package_id) is the same work and is
    returned (C(changed=false), RV(matched_by=targets)). Devices in another unfinished task are busy: the module fails
    naming them (RV(busy_devices)) and creates nothing. Otherwise one task is created for the devices.
  - >-
    B(Finished tasks.) IoTDA v5 documents no device query that returns the devices' firmware or software version, so
    the module cannot tell that a device is already up to date. A re-run after the task finished therefore creates a
    new task; devices already on the package's version succeed in it at once. Use O(task_id) to return a finished
    task.
  - >-
    B(Lost answers.) The create call has no client token. When its answer is lost (timeout, connection closed, HTTP
    5xx, an answer without a string C(task_id)), nothing is posted again: the task list is read until a new task of the
    work appears or O(reconcile_timeout) seconds have passed. A task found is adopted (RV(reconciled=true), with a
    warning); otherwise the module fails saying the task may still appear and that a re-run will reconcile it.
  - >-
    B(Stop.) A stop whose answer was lost, or that the platform refused, is settled by reading the task: a task that
    is V(Stopping) or V(Stopped), or that finished meanwhile, is not an error.
  - >-
    B(Retry.) O(state=retried) sends C(RetryBatchTask) for the task O(task_id) after reading it. Each request is sent
    once: when its answer is lost, the module fails saying so and a re-run reads the statuses again (a device that is
    running again is no longer retriable, so it is not sent twice). The per-device outcome of the answer is returned
    (RV(retried_devices), RV(retry_failures)); a device the platform did not retry is a warning, not a failure.
  - The policy, the task name, O(app_id), O(need_confirm) and O(task_ext_info) are not part of the identity.
  - O(wait) is not performed in check mode. The wait ends when the task status is V(Success), V(Fail),
    V(PartialSuccess) or V(Stopped).
  - The account may have at most 10 unfinished tasks per task type; the platform refuses more.
seealso:
  - module: iotfleet.firmware.huawei_iotda_batch_task_info
  - module: iotfleet.firmware.huawei_iotda_package_info
"""

EXAMPLES = r"""
- name: Upgrade three meters to OTA package iotda-fw-2.0.0 (connection from the HUAWEICLOUD_SDK_* environment)
  iotfleet.firmware.huawei_iotda_batch_task:
    package_id: iotda-fw-2.0.0
    targets:
      - iotda-meter-0001
      - iotda-meter-0002
      - iotda-meter-0003
  register: canary

- name: Software upgrade tonight, retried twice every 30 minutes, then wait for the result
  iotfleet.firmware.huawei_iotda_batch_task:
    access_key: "{{ vault_iotda_ak }}"
    secret_key: "{{ vault_iotda_sk }}"
    project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789
    region: cn-north-4
    task_type: softwareUpgrade
    package_id: iotda-sw-2.0.0
    targets: "{{ groups['meters'] }}"
    task_name: meters_sw_2_0_0
    task_ext_info:
      release_notes: https://example.com/meters/2.0.0
      reboot: false
    policy:
      schedule_time: "20261206T010000Z"
      retry_count: 2
      retry_interval: 30
    wait: true
    wait_timeout: 7200
    wait_sleep: 60
  register: fleet

- name: Fail when more than 2 % of the devices failed
  ansible.builtin.assert:
    that: fleet.summary.failure_percent <= 2

- name: Connection options once for the whole play through the module_defaults group
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/iotfleet.firmware.huawei_iotda:
      access_key: "{{ vault_iotda_ak }}"
      secret_key: "{{ vault_iotda_sk }}"
      project_id: 0a1b2c3d4e5f67890a1b2c3d4e5f6789
      region: cn-north-4
      endpoint: https://a1b2c3d4e5.st1.iotda-app.cn-north-4.myhuaweicloud.com
  tasks:
    - name: Wait for a task created earlier
      iotfleet.firmware.huawei_iotda_batch_task:
        task_id: "{{ canary.task_id }}"
        wait: true

    - name: Stop the upgrade of these meters
      iotfleet.firmware.huawei_iotda_batch_task:
        state: absent
        package_id: iotda-fw-2.0.0
        targets: [iotda-meter-0001, iotda-meter-0002, iotda-meter-0003]

    - name: Run every failed device of the canary task again, and wait for the result
      iotfleet.firmware.huawei_iotda_batch_task:
        state: retried
        task_id: "{{ canary.task_id }}"
        wait: true

    - name: Retry only two meters of it
      iotfleet.firmware.huawei_iotda_batch_task:
        state: retried
        task_id: "{{ canary.task_id }}"
        retry_targets: [iotda-meter-0002, iotda-meter-0003]
"""

RETURN = r"""
task_id:
  description:
    - ID (C(task_id)) of the task found, created or given. V(null) in check mode when the task would be created, and
      with O(state=absent) when no unfinished task of the definition exists (else the first one).
  returned: always
  type: str
  sample: 65f0c1d2e3a4b5c6d7e8f901
task:
  description:
    - The task as C(ShowBatchTask) returns it (C(batchtask)), after the wait with O(wait); empty when there is none
      yet.
  returned: always
  type: dict
  sample:
    task_id: 65f0c1d2e3a4b5c6d7e8f901
    task_name: iotfleet_firmwareUpgrade_3f0c9d1e2a4b5c6d
    task_type: firmwareUpgrade
    targets: [iotda-meter-0001, iotda-meter-0002]
    document: {package_ids: [iotda-fw-2.0.0]}
    task_policy: null
    status: Processing
    task_progress: {total: 2, processing: 1, success: 1, fail: 0, waitting: 0, fail_wait_retry: 0, stopped: 0, removed: 0}
    create_time: 20261205T120000Z
tasks:
  description: The unfinished tasks of the definition, after stopping them.
  returned: when O(state=absent)
  type: list
  elements: dict
cancelled_task_ids:
  description: The tasks this run stopped (or would stop in check mode).
  returned: when O(state=absent)
  type: list
  elements: str
  sample: [65f0c1d2e3a4b5c6d7e8f901]
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
    - How the task was identified, V(targets) (an unfinished task covering the devices with this package) or
      V(given) (O(task_id)). V(null) when the task was created by an answered create.
  returned: when O(state=present)
  type: str
  sample: targets
task_ids:
  description: Every task that is this work (the adopted or created one and any other unfinished one covering it).
  returned: always
  type: list
  elements: str
  sample: [65f0c1d2e3a4b5c6d7e8f901]
up_to_date_devices:
  description:
    - Always empty on IoTDA v5, which documents no query of a device's current version (see notes).
  returned: when O(state=present)
  type: list
  elements: str
  sample: []
status_before:
  description: With O(state=retried), the task status read before the retry.
  returned: when O(state=retried)
  type: str
  sample: PartialSuccess
retriable:
  description:
    - With O(state=retried), the task's devices counted C(fail), C(fail_wait_retry) or C(stopped) before the retry.
  returned: when O(state=retried)
  type: int
  sample: 2
retry_requests:
  description:
    - With O(state=retried), the C(RetryBatchTask) bodies sent (or that would be sent in check mode), in order;
      empty when there was nothing to retry.
  returned: when O(state=retried)
  type: list
  elements: dict
  sample: [{targets: [iotda-meter-0002, iotda-meter-0003]}]
retried_devices:
  description: With O(state=retried), the devices the platform answered C(success) for (empty in check mode).
  returned: when O(state=retried)
  type: list
  elements: str
  sample: [iotda-meter-0002, iotda-meter-0003]
retry_failures:
  description:
    - With O(state=retried), the devices the platform answered C(failure) for (C(device), C(status), C(error_code),
      C(error_msg)).
  returned: when O(state=retried)
  type: list
  elements: dict
  sample: []
skipped_devices:
  description: With O(state=retried), the O(retry_targets) in no retriable state, which were not sent.
  returned: when O(state=retried)
  type: list
  elements: str
  sample: [iotda-meter-0001]
busy_devices:
  description:
    - Target devices in another unfinished task that is not this work (device ID to C(task_id)). The module fails
      when there are any, and creates nothing.
  returned: when O(state=present)
  type: dict
  sample: {iotda-meter-0004: 65f0c1d2e3a4b5c6d7e8f900}
request:
  description: The C(CreateBatchTask) body sent, or that would be sent (no credentials).
  returned: when a task is created, or would be created in check mode
  type: dict
  sample:
    task_name: iotfleet_firmwareUpgrade_3f0c9d1e2a4b5c6d
    task_type: firmwareUpgrade
    targets: [iotda-meter-0001, iotda-meter-0002]
    document: {package_ids: [iotda-fw-2.0.0]}
counts:
  description:
    - The task's device counters (C(task_progress)) V(total), V(processing), V(success), V(fail), V(waitting),
      V(fail_wait_retry), V(stopped) and V(removed). Before the task has counters, every target counts as in progress.
    - With O(state=absent), summed over the tasks.
  returned: always
  type: dict
  sample: {total: 2, processing: 0, success: 1, fail: 1, waitting: 0, fail_wait_retry: 0, stopped: 0, removed: 0}
summary:
  description:
    - Platform-neutral progress computed from RV(counts). With O(state=absent), over all tasks.
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
      description: Devices counted C(fail), C(stopped) or C(removed).
      type: int
    in_progress:
      description: Every other device (C(processing), C(waitting), C(fail_wait_retry), not counted yet).
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
      description: The task status at the end of the wait (V(Success), V(Fail), V(PartialSuccess), V(Stopped), or the
        last one seen).
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
  sample: {status: Success, elapsed: 42.3, timed_out: false, polls: 5}
elapsed:
  description: Seconds spent waiting (same as RV(wait.elapsed)).
  returned: when O(wait=true) and the module waited
  type: float
  sample: 42.3
api_calls:
  description: The number of HTTP requests the module sent.
  returned: always
  type: int
  sample: 4
throttle_waits:
  description:
    - Requests sent only after waiting, for the shared rate limit (O(api_calls_per_window)), a throttle answer (HTTP
      429 or C(APIGW.0308)) or a backoff.
  returned: always
  type: int
  sample: 0
retries:
  description: Requests that repeated an earlier attempt after throttling or a transient error.
  returned: always
  type: list
  elements: dict
  sample: []
errors:
  description: The option errors, when the module failed validation.
  returned: on validation failure
  type: list
  elements: str
  sample: ["policy.retry_count and policy.retry_interval must be given together (reference: retry_count is required with retry_interval)"]
"""

from ansible_collections.iotfleet.firmware.plugins.module_utils._module._ansible_module import IotModule

from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei_iotda import connection
from ansible_collections.iotfleet.firmware.plugins.module_utils._module.firmware_task import (
    run_firmware_task, wait_argument_spec)


def argument_spec():
    spec = connection.argument_spec()
    spec["access_key"] = dict(spec["access_key"], no_log=False)  # an access key ID is not a secret (validate-modules)
    spec.update(
        state=dict(type="str", default="present", choices=["present", "absent", "retried"]),
        task_id=dict(type="str"),
        package_id=dict(type="str"),
        task_type=dict(type="str", default="firmwareUpgrade", choices=["firmwareUpgrade", "softwareUpgrade"]),
        targets=dict(type="list", elements="str"),
        task_name=dict(type="str"),
        app_id=dict(type="str"),
        policy=dict(type="dict", options=dict(
            schedule_time=dict(type="str"),
            retry_count=dict(type="int"),
            retry_interval=dict(type="int"),
        )),
        need_confirm=dict(type="bool", default=False),
        task_ext_info=dict(type="dict"),
        retry_targets=dict(type="list", elements="str"),
    )
    spec.update(wait_argument_spec())
    return spec


MUTUALLY_EXCLUSIVE = [["task_id", "package_id"], ["task_id", "targets"]]


def main():
    module = IotModule(argument_spec=argument_spec(), mutually_exclusive=MUTUALLY_EXCLUSIVE,
                       supports_check_mode=True)
    run_firmware_task(module, connection.provider_factory)


if __name__ == "__main__":
    main()
