#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: rollout_gate
short_description: Poll the firmware tasks of one rollout wave on both platforms and evaluate its gate
version_added: 0.1.0
description:
  - Reads the progress of a wave's platform tasks once, by pages (Huawei task list pages with C(staResult), Tencent
    the device rows of the firmware version filtered to the wave's task ids), adds the devices up and decides what
    the wave does next, RV(decision) V(wait), V(pass) or V(abort). It prints one progress line.
  - The R(iotfleet.firmware.staged_rollout,ansible_collections.iotfleet.firmware.staged_rollout_role) role does not
    use it any more, M(iotfleet.firmware.rollout_wave) runs a whole wave, its poll loop included. This action stays
    for playbooks that drive their own waves.
  - "The connection settings are O(huawei_connection) and O(tencent_connection), the C(connection) results of
    M(iotfleet.firmware.huawei_iot_connection) and M(iotfleet.firmware.tencent_iot_connection) (which take the
    play's C(module_defaults) for the action groups and the environment variables). Register those with
    C(no_log: true)."
  - "Gate: abort as soon as at least C(min_finished) devices finished and more than C(error_percent) of the
    B(finished) devices failed; once no device is in progress, pass when at least C(success_percent) of B(all)
    devices of the wave succeeded, else abort; after C(timeout) seconds pass if the success condition already holds,
    else abort."
  - Devices a platform does not report yet count as in progress.
author:
  - iotfleet.firmware maintainers (@iotfleet)
extends_documentation_fragment:
  - iotfleet.firmware._attributes
  - iotfleet.firmware._attributes.action
  - iotfleet.firmware._attributes.platform
attributes:
  check_mode:
    support: full
    details: Only reads.
  diff_mode:
    support: none
options:
  wave:
    description:
      - Name of the wave, for messages.
    type: str
    required: true
  chunks:
    description:
      - The platform tasks of the wave, each with C(platform), C(product_id) (Tencent), C(task_id) (Huawei
        C(operationId) or Tencent C(TaskId)) and C(size) (devices in the task).
    type: list
    elements: dict
    required: true
  gate:
    description:
      - The gate, keys C(success_percent), C(error_percent), C(min_finished) and C(timeout); missing keys take the
        defaults V(95), V(10), V(5) and V(3600).
    type: dict
    default: {}
  started_at:
    description:
      - UTC time (C(YYYY-MM-DDTHH:MM:SSZ)) the wait for this wave began; the timeout counts from it.
    type: str
  elapsed:
    description:
      - Seconds already waited; wins over O(started_at).
    type: float
  tencent_firmware_version:
    description:
      - Target firmware version of the Tencent tasks. Required when the wave has Tencent tasks.
    type: str
  tencent_fw_type:
    description:
      - Firmware module of the Tencent tasks.
    type: str
  huawei_file_id:
    description:
      - The Huawei package of the tasks; when given, the task list reads are narrowed to its device type, model and
        manufacturer.
    type: str
  huawei_connection:
    description:
      - Huawei connection settings, the C(connection) result of M(iotfleet.firmware.huawei_iot_connection).
        Required when the wave has Huawei tasks.
    type: dict
  tencent_connection:
    description:
      - Tencent connection settings, the C(connection) result of M(iotfleet.firmware.tencent_iot_connection).
        Required when the wave has Tencent tasks.
    type: dict
  huawei_iotda_connection:
    description:
    - Huawei Cloud IoTDA v5 connection settings, the C(connection) result of the C(iotfleet.firmware.huawei_iotda_connection)
      action. Needed when the fleet has IoTDA devices.
    type: dict
  show_progress:
    description:
      - Print the progress line.
    type: bool
    default: true
seealso:
  - module: iotfleet.firmware.rollout_plan
  - module: iotfleet.firmware.rollout_wave
  - module: iotfleet.firmware.huawei_iot_connection
  - module: iotfleet.firmware.tencent_iot_connection
"""

EXAMPLES = r"""
- name: Read the connection settings (module_defaults and environment)
  iotfleet.firmware.huawei_iot_connection:
  register: huawei
  no_log: true

- name: Read the connection settings (module_defaults and environment)
  iotfleet.firmware.tencent_iot_connection:
  register: tencent
  no_log: true

- name: Wait for the canary wave
  iotfleet.firmware.rollout_gate:
    huawei_connection: "{{ huawei.connection }}"
    tencent_connection: "{{ tencent.connection }}"
    wave: canary
    chunks:
      - {platform: huawei, task_id: 5c9a1b2e3f4d5a6b7c8d9e0f, size: 5}
      - {platform: tencent, product_id: TCPROD0001, task_id: 1000696, size: 5}
    gate: {success_percent: 100, error_percent: 0, min_finished: 1, timeout: 900}
    started_at: "2026-11-02T08:00:00Z"
    tencent_firmware_version: 2.0.0
    tencent_fw_type: mcu
  register: canary
  until: canary.decision != 'wait'
  retries: 60
  delay: 15
"""

RETURN = r"""
decision:
  description: V(wait), V(pass) or V(abort).
  returned: success
  type: str
  sample: wait
reason:
  description: Why, in words.
  returned: success
  type: str
  sample: "error threshold tripped: 3 of 7 finished devices failed (42.86 % > 10 %)"
trigger:
  description: What decided, V(success), V(success_condition), V(error_threshold) or V(timeout); V(null) while waiting.
  returned: success
  type: str
summary:
  description: Aggregated platform-neutral summary of the wave (see the platform modules).
  returned: success
  type: dict
  sample: {total: 10, succeeded: 4, failed: 3, in_progress: 3, finished: 7, success_percent: 40.0, failure_percent: 30.0}
failure_percent_of_finished:
  description: Failed devices in percent of finished devices, the value the error threshold is compared with.
  returned: success
  type: float
platforms:
  description: The summary per platform (C(huawei), C(tencent)).
  returned: success
  type: dict
elapsed:
  description: Seconds since O(started_at).
  returned: success
  type: float
timed_out:
  description: Whether the wave timeout passed.
  returned: success
  type: bool
gate:
  description: The gate applied.
  returned: success
  type: dict
"""

from ansible_collections.iotfleet.firmware.plugins.module_utils._module._ansible_module import IotModule

from ansible_collections.iotfleet.firmware.plugins.module_utils._rollout_args import GATE_ENGINE_ARGUMENT_SPEC


def main():
    module = IotModule(argument_spec=GATE_ENGINE_ARGUMENT_SPEC, supports_check_mode=True)
    module.fail_json(msg="iotfleet.firmware.rollout_gate runs on the controller as an action plugin; "
                         "it cannot be executed as a module")


if __name__ == "__main__":
    main()
