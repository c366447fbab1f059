#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: huawei_iotda_batch_task_info
short_description: Read Huawei Cloud IoTDA v5 batch tasks and their per-device details
version_added: 0.1.0
description:
  - Returns given batch tasks (C(ShowBatchTask), one call each), or every task of the task list (C(ListBatchTasks),
    all pages of 50) with its documented filters.
  - Optionally adds every task's per-device rows (C(task_details) of C(ShowBatchTask), all pages), filtered by
    O(task_detail_status).
  - Always returns aggregated RV(counts) and RV(summary) over the tasks returned (one C(ShowBatchTask) per task), so
    a rollout can poll a whole wave of tasks with one call.
  - Never changes anything.
author:
  - iotfleet.firmware maintainers (@iotfleet)
extends_documentation_fragment:
  - iotfleet.firmware.huawei_iotda
  - iotfleet.firmware.huawei_iotda.actiongroup
  - iotfleet.firmware._attributes.info_module
options:
  task_id:
    description:
      - Return this task instead of listing tasks. Combined with O(task_ids) if both are set.
      - The module fails when a given task does not exist.
    type: str
  task_ids:
    description:
      - Return these tasks; RV(counts) and RV(summary) aggregate over all of them.
    type: list
    elements: str
  task_type:
    description:
      - List filter C(task_type). Ignored with O(task_id) or O(task_ids).
    type: str
    choices: [firmwareUpgrade, softwareUpgrade]
  status:
    description:
      - List filter C(status) (task status; V(Waitting) is the platform's spelling). Not allowed with O(task_id) or
        O(task_ids).
    type: str
    choices: [Initializing, Waitting, Processing, Stopping, Success, Fail, PartialSuccess, Stopped]
  app_id:
    description:
      - List filter C(app_id) (resource space). Not allowed with O(task_id) or O(task_ids).
    type: str
  include_details:
    description:
      - Add the key C(task_details) (every page of the task's per-device rows, C(target), C(status), C(output),
        C(error)) to every task returned; one C(ShowBatchTask) per page of 50 rows.
    type: bool
    default: false
  task_detail_status:
    description:
      - Only return the per-device rows in this status (C(task_detail_status)). Needs O(include_details=true).
    type: str
    choices: [Waitting, Processing, Success, Fail, FailWaitRetry, Stopped, Removed]
seealso:
  - module: iotfleet.firmware.huawei_iotda_batch_task
"""

EXAMPLES = r"""
- name: Progress of the tasks of a wave, with the devices that failed
  iotfleet.firmware.huawei_iotda_batch_task_info:
    task_ids: "{{ wave_task_ids }}"
    include_details: true
    task_detail_status: Fail
  register: wave

- name: Stop the rollout when more than 5 % of the wave failed
  ansible.builtin.assert:
    that: wave.summary.failure_percent <= 5

- name: Every firmware upgrade task still running
  iotfleet.firmware.huawei_iotda_batch_task_info:
    task_type: firmwareUpgrade
    status: Processing
  register: running
"""

RETURN = r"""
tasks:
  description:
    - The tasks as the API returns them (C(task_id), C(task_name), C(task_type), C(targets), C(document),
      C(task_policy), C(status), C(status_desc), C(task_progress), C(create_time), ...).
    - With O(include_details), each task has a key C(task_details), the list of its per-device rows.
  returned: always
  type: list
  elements: dict
  sample:
    - task_id: 65f0c1d2e3a4b5c6d7e8f901
      task_type: firmwareUpgrade
      status: Success
      targets: [iotda-meter-0001]
      document: {package_ids: [iotda-fw-2.0.0]}
      task_progress: {total: 1, processing: 0, success: 1, fail: 0, waitting: 0, fail_wait_retry: 0, stopped: 0, removed: 0}
      task_details: [{target: iotda-meter-0001, status: Success, output: upgraded, error: null}]
task_ids:
  description: The IDs of RV(tasks), in order.
  returned: always
  type: list
  elements: str
  sample: [65f0c1d2e3a4b5c6d7e8f901]
total:
  description: The number of tasks returned.
  returned: always
  type: int
  sample: 1
per_task:
  description:
    - Per task ID, its C(status), C(counts), C(summary), and C(done), which is true when the task status is final
      (V(Success), V(Fail), V(PartialSuccess), V(Stopped)).
  returned: always
  type: dict
  sample:
    65f0c1d2e3a4b5c6d7e8f901:
      status: Success
      done: true
      counts: {total: 1, processing: 0, success: 1, fail: 0, waitting: 0, fail_wait_retry: 0, stopped: 0, removed: 0}
      summary: {total: 1, succeeded: 1, failed: 0, in_progress: 0, finished: 1, success_percent: 100.0, failure_percent: 0.0}
counts:
  description: The device counters (C(task_progress)) summed over RV(tasks).
  returned: always
  type: dict
  sample: {total: 1, processing: 0, success: 1, fail: 0, waitting: 0, fail_wait_retry: 0, stopped: 0, removed: 0}
summary:
  description:
    - Platform-neutral progress over all RV(tasks), as for M(iotfleet.firmware.huawei_iotda_batch_task).
  returned: always
  type: dict
  sample: {total: 1, succeeded: 1, failed: 0, in_progress: 0, finished: 1, success_percent: 100.0, failure_percent: 0.0}
all_done:
  description: True when at least one task was returned and every one is done.
  returned: always
  type: bool
  sample: true
api_calls:
  description: The number of HTTP requests sent.
  returned: always
  type: int
  sample: 2
throttle_waits:
  description: The number of requests sent only after waiting for the rate limit, a throttle answer or a backoff.
  returned: always
  type: int
  sample: 0
retries:
  description: The requests that repeated an earlier attempt.
  returned: always
  type: list
  elements: dict
  sample: []
"""

from ansible_collections.iotfleet.firmware.plugins.module_utils._module._ansible_module import IotModule

from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei_iotda import connection
from ansible_collections.iotfleet.firmware.plugins.module_utils._module.firmware_task_info import run_firmware_task_info
from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import ValidationError


def argument_spec():
    spec = connection.argument_spec()
    spec["access_key"] = dict(spec["access_key"], no_log=False)  # an access key ID is not a secret (validate-modules)
    spec.update(
        task_id=dict(type="str"),
        task_ids=dict(type="list", elements="str"),
        task_type=dict(type="str", choices=["firmwareUpgrade", "softwareUpgrade"]),
        status=dict(type="str", choices=["Initializing", "Waitting", "Processing", "Stopping", "Success", "Fail",
                                         "PartialSuccess", "Stopped"]),
        app_id=dict(type="str"),
        include_details=dict(type="bool", default=False),
        task_detail_status=dict(type="str", choices=["Waitting", "Processing", "Success", "Fail", "FailWaitRetry",
                                                     "Stopped", "Removed"]),
    )
    return spec


def provider_factory(params, on_secret=None, **injected):
    """The IoTDA provider whose ``info_tasks`` also adds each task's ``task_details`` (all pages) when asked."""
    if params.get("task_detail_status") is not None and not params.get("include_details"):
        raise ValidationError(["task_detail_status needs include_details=true"])
    provider = connection.provider_factory(params, on_secret=on_secret, **injected)
    tasks_of = provider.info_tasks

    def info_tasks(module_params):
        tasks, page = tasks_of(module_params)
        if module_params.get("include_details"):
            for task in tasks:
                _raw, rows = provider.api.show_batch_task_all_details(task.task_id,
                                                                      module_params.get("task_detail_status"))
                task.raw["task_details"] = rows
        return tasks, page

    provider.info_tasks = info_tasks
    return provider


def main():
    module = IotModule(argument_spec=argument_spec(), supports_check_mode=True)
    run_firmware_task_info(module, provider_factory)


if __name__ == "__main__":
    main()
