#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: rollout_wave
short_description: Run one wave of a staged firmware rollout on the controller
version_added: 0.1.0
description:
  - Runs a whole wave of the R(iotfleet.firmware.staged_rollout,ansible_collections.iotfleet.firmware.staged_rollout_role)
    role in one call, inside the controller process, with Huawei and Tencent in parallel (one thread and one provider,
    that is one session and one token, per platform).
  - "Steps: record the wave's start in the state file; per platform scope (Huawei; Tencent per product) read the
    package once, find what already exists with one shared task listing, create only the missing chunks and write each
    task id to the state file as soon as its create returns (temporary file, fsync, rename); a create whose answer is
    lost is looked up, never posted again; then poll by pages once per round (Huawei task list pages with
    C(staResult), Tencent the device rows of the version) with one progress line per round, until the gate decides;
    on abort cancel the Tencent tasks still running; record the outcome, the failed devices with the platform's reason
    and what is still in flight."
  - Every call is paced by the collection's shared rate limiter (Huawei 100 calls per minute per application, Tencent
    20 per second, by default); throttle answers are waited out.
  - The state file is locked for the run (see M(iotfleet.firmware.rollout_state)); a state file that is not a rollout
    state stops the wave with a message naming it.
author:
  - iotfleet.firmware maintainers (@iotfleet)
extends_documentation_fragment:
  - iotfleet.firmware._attributes
  - iotfleet.firmware._attributes.action
  - iotfleet.firmware._attributes.platform
attributes:
  check_mode:
    support: full
    details: In check mode nothing is read, created or written.
  diff_mode:
    support: none
options:
  rollout_id:
    description:
      - The rollout.
    type: str
    required: true
  state_dir:
    description:
      - Directory of the state file C(<rollout_id>.json); the run must have been started by
        M(iotfleet.firmware.rollout_state) with C(event=start).
    type: str
    required: true
  wave:
    description:
      - "The wave as M(iotfleet.firmware.rollout_plan) planned it (an element of RV(iotfleet.firmware.rollout_plan#module:plan.waves)):
        C(name), C(index), C(gate), C(skipped), C(assigned), C(poll_seconds) and C(chunks) (each C(key), C(platform),
        C(product_id), C(devices), C(task_id)). A wave the state already records keeps its recorded chunks."
    type: dict
    required: true
  targets:
    description:
      - The rollout's targets, RV(iotfleet.firmware.rollout_plan#module:plan.targets) (C(huawei_file_id),
        C(huawei_target_version), C(tencent_firmware_version), C(tencent_fw_type)).
    type: dict
    required: true
  huawei_connection:
    description:
      - Huawei connection settings, the C(connection) result of M(iotfleet.firmware.huawei_iot_connection).
        Required when the wave has Huawei devices.
    type: dict
  tencent_connection:
    description:
      - Tencent connection settings, the C(connection) result of M(iotfleet.firmware.tencent_iot_connection).
        Required when the wave has Tencent devices.
    type: dict
  huawei_iotda_connection:
    description:
    - Huawei Cloud IoTDA v5 connection settings, the C(connection) result of the C(iotfleet.firmware.huawei_iotda_connection)
      action. Needed when the fleet has IoTDA devices.
    type: dict
  huawei_policy:
    description:
      - The C(policy) of the Huawei tasks, as the M(iotfleet.firmware.huawei_iot_firmware_task) option.
    type: dict
  tencent_timeout_interval:
    description:
      - C(TimeoutInterval) of the Tencent tasks (120..900 s).
    type: int
  tencent_rate_limit:
    description:
      - C(RateLimit) of the Tencent tasks (devices dispatched per minute).
    type: int
  tencent_max_retry_num:
    description:
      - C(MaxRetryNum) of the Tencent tasks.
    type: int
  tencent_retry_interval:
    description:
      - C(RetryInterval) of the Tencent tasks (minutes).
    type: int
  huawei_iotda_policy:
    description:
    - C(task_policy) of the IoTDA batch tasks (C(schedule_time), C(retry_count), C(retry_interval)).
    type: dict
  cancel_on_abort:
    description:
      - Cancel the Tencent tasks of an aborted wave that are still running (Huawei has no cancel call).
    type: bool
    default: true
  poll_seconds:
    description:
      - Seconds between two poll rounds (the role's C(staged_rollout_poll_seconds)); without it the wave's
        C(poll_seconds) from the plan.
      - Raised only when one round's Huawei task-list pages (100 tasks each) would exceed 80 calls per minute at
        that pace, which takes more than 1,300 Huawei tasks (333,000 devices) at 10 s.
    type: int
  show_progress:
    description:
      - Print one progress line per round (devices finished, succeeded, failed, in progress, per platform).
    type: bool
    default: true
seealso:
  - module: iotfleet.firmware.rollout_plan
  - module: iotfleet.firmware.rollout_state
  - module: iotfleet.firmware.huawei_iot_connection
  - module: iotfleet.firmware.tencent_iot_connection
"""

EXAMPLES = r"""
- name: Run the wave
  iotfleet.firmware.rollout_wave:
    rollout_id: "{{ staged_rollout_id }}"
    state_dir: "{{ staged_rollout_state_dir }}"
    wave: "{{ plan.plan.waves[0] }}"
    targets: "{{ plan.plan.targets }}"
    huawei_connection: "{{ huawei.connection }}"
    tencent_connection: "{{ tencent.connection }}"
  register: wave
"""

RETURN = r"""
status:
  description: V(passed), V(aborted) or V(failed) (then the task fails, and the state file records the error).
  returned: always
  type: str
decision:
  description: The gate's decision, V(pass) or V(abort).
  returned: when the gate decided
  type: str
reason:
  description: Why the gate decided so; for an empty wave why it is empty (the stage rounding, or every device current).
  returned: when the gate decided
  type: str
summary:
  description: Devices of the wave, C(total), C(succeeded), C(failed), C(in_progress), C(finished), percentages.
  returned: when the gate decided
  type: dict
platforms:
  description: The summary per platform.
  returned: when the gate decided
  type: dict
devices_created:
  description: Devices in the wave's tasks (created or adopted), not the chunks planned.
  returned: always
  type: int
failures:
  description: Failed devices, each C(platform), C(task_id), C(device), C(detail) (Huawei C(detailInfo), Tencent C(ErrMsg)/C(Retcode)).
  returned: always
  type: list
  elements: dict
in_flight:
  description: Tasks not finished when the gate decided, each C(platform), C(task_id), C(in_progress).
  returned: always
  type: list
  elements: dict
cancelled:
  description: Tencent tasks cancelled after an abort.
  returned: always
  type: list
  elements: raw
error:
  description: The cause of a failure, C(platform), C(code), C(request_id), C(call), C(message).
  returned: failure
  type: dict
api_calls:
  description: Requests sent per platform, C(total), C(by_call), C(throttled).
  returned: always
  type: dict
recorded:
  description: Whether the state file records how the wave ended (also its error).
  returned: always
  type: bool
"""

from ansible_collections.iotfleet.firmware.plugins.module_utils._module._ansible_module import IotModule

from ansible_collections.iotfleet.firmware.plugins.module_utils._rollout_args import WAVE_ARGUMENT_SPEC


def main():
    module = IotModule(argument_spec=WAVE_ARGUMENT_SPEC, supports_check_mode=True)
    module.fail_json(msg="iotfleet.firmware.rollout_wave runs on the controller as an action plugin; "
                         "it cannot be executed as a module")


if __name__ == "__main__":
    main()
