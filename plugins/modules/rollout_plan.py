#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: rollout_plan
short_description: Plan a staged firmware rollout over an inventory of IoT devices
version_added: 0.1.0
description:
  - Computes, on the controller, the waves of a staged firmware rollout from the inventory (hosts carrying
    C(iot_platform), C(iot_device_id), C(iot_product_id), C(iot_firmware_version)) or from an explicit device list.
  - Devices are ranked by C(sha256("<rollout_id>:<uid>")) over the whole selected fleet and cut at the stage
    boundaries, so every re-run puts a device in the same wave. The uid is the Huawei device ID, or
    C(<product_id>/<device name>) for Tencent.
  - Devices whose C(iot_firmware_version) already equals their platform's target version are skipped.
  - Each wave is split into platform tasks, Huawei by at most 256 device IDs, Tencent per product into lists of
    O(tencent_chunk_size) device names.
  - When O(state_dir) holds the state of an earlier run of the same O(rollout_id), passed waves are marked done,
    a started wave is re-entered with exactly the recorded device lists, and an aborted rollout is refused unless
    O(resume_aborted=true).
  - With O(refresh_versions=true) the current firmware version of every device still to plan is read from its
    platform first (paced, reads only), so that "already on the target version" is what the platform says.
  - This is an action plugin; it reads the inventory, the state file and (with O(refresh_versions)) the platforms,
    and writes nothing.
    It is the planning step of the R(iotfleet.firmware.staged_rollout,ansible_collections.iotfleet.firmware.staged_rollout_role)
    role.
author:
  - iotfleet.firmware maintainers (@iotfleet)
extends_documentation_fragment:
  - iotfleet.firmware.rollout_dispatch
  - iotfleet.firmware._attributes
  - iotfleet.firmware._attributes.action
  - iotfleet.firmware._attributes.platform
attributes:
  check_mode:
    support: full
    details: The plan is computed the same way, the version refresh reads the platforms too; nothing is ever written.
  diff_mode:
    support: none
options:
  rollout_id:
    description:
      - Identifier of the rollout; letters, digits, C(.), C(_) and C(-), at most 128 characters.
      - Seeds the wave membership hash and names the state file.
    type: str
    required: true
  hosts:
    description:
      - Inventory group or host pattern selecting the devices (C(:), C(:&), C(:!), wildcards), resolved against the
        whole inventory.
      - A run with C(--limit) (other than the controller alone) fails before anything is read, and so does an AWX
        sliced job, because either would act on a part of the fleet; see O(scope_only).
      - Ignored when O(devices) is a non-empty list or O(devices_file) is set.
    type: str
  inventory_vars:
    description:
      - How the host variables of O(hosts) are read.
      - V(full) reads them like C(hostvars[host]), with Ansible's complete variable precedence (C(group_vars/) and
        C(host_vars/) files, vars plugins). Ansible computes every variable of every host for this, about 0.4 ms per
        host (about 40 s for 100,000 hosts).
      - V(inventory) is accepted for compatibility and reads like V(full). It used to read only what the inventory
        sources define, through an attribute of ansible-core that is not public API.
    type: str
    choices: [full, inventory]
    default: full
  devices:
    description:
      - Explicit device list instead of inventory hosts. Each item has C(platform) (V(huawei) or V(tencent)), C(id)
        (Huawei device ID or Tencent device name), C(product_id) (required for Tencent) and optionally C(version)
        (current firmware version).
    type: list
    elements: dict
  devices_file:
    description:
      - A file of devices instead of inventory hosts, read line by line (a fleet of a million devices needs no
        inventory host per device). Cannot be combined with a non-empty O(devices).
      - A CSV file (C(.csv)) with a header row naming the columns C(platform), C(id), C(product_id), C(version) and
        optionally C(host), C(maintenance_window) (JSON text) and C(timezone); an empty cell gives no value.
      - Or a JSON-lines file (C(.jsonl), C(.ndjson), C(.json)) with one device dict per line, with the keys of an item
        of O(devices) (and C(maintenance_window), C(timezone)). Another name is read as JSON lines when its first
        character is C({), else as CSV.
      - An error names the file and the line. A relative path is relative to the current directory of
        C(ansible-playbook).
    type: str
  stages:
    description:
      - The stages, in order. Each is a dict with a unique C(name) and exactly one of C(count) (number of devices)
        or C(percent) (cumulative share of the whole fleet, V(100) = everything left).
      - Optional per-stage gate overrides C(success_percent), C(error_percent), C(min_finished), C(timeout),
        C(pause_seconds), C(approval).
      - Text is accepted too, for AWX surveys and C(-e key=value), either a JSON list or the short form
        V(canary:10,wave1:10%,rest:100%) (C(name:count) or C(name:percent%), comma-separated, each optionally
        followed by C(:key=value) gate overrides such as V(wave1:10%:approval=true)).
    type: raw
    required: true
  huawei_file_id:
    description:
      - Huawei firmware package (C(fileId)). Required when the fleet has Huawei devices.
    type: str
  huawei_target_version:
    description:
      - Version Huawei devices run after the upgrade; devices already on it are skipped.
    type: str
  tencent_firmware_version:
    description:
      - Tencent target firmware version. Required when the fleet has Tencent devices; devices already on it are skipped.
    type: str
  tencent_fw_type:
    description:
      - Tencent firmware module (C(FwType)).
    type: str
  huawei_iotda_package_id:
    description:
    - Huawei Cloud IoTDA v5 OTA package id (C(document.package_ids) of the batch tasks). Required when the fleet has devices
      with C(iot_platform=huawei_iotda).
    type: str
  huawei_iotda_target_version:
    description:
    - Version IoTDA devices report after the upgrade; devices whose version equals it are skipped.
    - IoTDA v5 documents no device version query, so it is compared with the inventory (C(iot_firmware_version)) or the
      C(version) of O(devices).
    type: str
  huawei_iotda_task_type:
    description:
    - C(task_type) of the IoTDA batch tasks (V(firmwareUpgrade) when not set).
    type: str
    choices:
    - firmwareUpgrade
    - softwareUpgrade
  huawei_iotda_chunk_size:
    description:
    - Device ids per IoTDA batch task, 1 to 30,000 (the documented maximum of one create).
    type: int
    default: 30000
  success_percent:
    description:
      - Default gate, minimum percentage of a wave's devices that must succeed. Default V(95).
    type: float
  error_percent:
    description:
      - Default gate, the wave aborts when more than this percentage of its finished devices failed. Default V(10).
    type: float
  min_finished:
    description:
      - Default gate, finished devices needed before the error threshold can trip. Default V(5).
    type: int
  wave_timeout:
    description:
      - Default gate, seconds a wave may take. Default V(3600).
    type: int
  pause_seconds:
    description:
      - Default gate, seconds to pause after a wave passed. Default V(0).
    type: int
  approval:
    description:
      - Default gate, ask for manual approval before each wave. Default V(false).
    type: bool
  poll_seconds:
    description:
      - Seconds between two progress polls of a wave. Raised per wave so that reading its Huawei tasks stays under
        80 calls per minute.
    type: int
    default: 30
  huawei_chunk_size:
    description:
      - Device IDs per Huawei task, 1 to 256.
    type: int
    default: 256
  tencent_chunk_size:
    description:
      - Device names per Tencent task. Tencent documents no maximum.
    type: int
    default: 500
  state_dir:
    description:
      - Directory of the rollout state files on the controller; C(<state_dir>/<rollout_id>.json) is read if it exists.
    type: str
  resume_aborted:
    description:
      - Continue a rollout whose state says it was aborted; the aborted wave is accepted as it ended.
    type: bool
    default: false
  huawei_iotda_connection:
    description:
    - Huawei Cloud IoTDA v5 connection settings, the C(connection) result of the C(iotfleet.firmware.huawei_iotda_connection)
      action. Needed when the fleet has IoTDA devices.
    type: dict
  refresh_versions:
    description:
      - Read the current firmware version of the devices to plan from their platforms before planning, and use it
        instead of C(iot_firmware_version) (or the C(version) of O(devices)).
      - Per platform scope (Huawei; Tencent per product) the package or firmware is read once, then the versions by
        device reads or by the paged device listing, whichever needs fewer calls; every call is paced at the
        documented rate limits (Huawei 100 calls per minute per application, Tencent 20 per second).
      - Devices recorded in a wave of the state file are not read again (a finished rollout re-run reads nothing).
      - A device the platform does not know keeps no version and is planned; its create reports the platform's answer.
    type: bool
    default: false
  huawei_connection:
    description:
      - The Huawei connection settings for O(refresh_versions), as returned by
        M(iotfleet.firmware.huawei_iot_connection) (RV(iotfleet.firmware.huawei_iot_connection#module:connection)).
        Needed when the fleet has Huawei devices.
    type: dict
  tencent_connection:
    description:
      - The Tencent connection settings for O(refresh_versions), as returned by
        M(iotfleet.firmware.tencent_iot_connection) (RV(iotfleet.firmware.tencent_iot_connection#module:connection)).
        Needed when the fleet has Tencent devices.
    type: dict
  allow_uncovered:
    description:
      - Accept stages that leave selected devices in no wave (the plan says how many); without it such stages are
        refused, naming the numbers and the likely typo (C(rest:100) where C(rest:100%) was meant).
    type: bool
    default: false
  scope_only:
    description:
      - Only check that this run covers the whole fleet and return; nothing else is read or planned.
      - The check fails when C(ansible_limit) is set to anything but V(localhost) or V(127.0.0.1), or when the run
        is an AWX job slice (AWX runs slices in a workflow job named like the job template, C(awx_workflow_job_name)
        equal to C(awx_job_template_name)). Every plan call makes this check first.
    type: bool
    default: false
seealso:
  - module: iotfleet.firmware.rollout_gate
  - module: iotfleet.firmware.rollout_state
"""

EXAMPLES = r"""
- name: Plan a rollout over the iot_devices group
  iotfleet.firmware.rollout_plan:
    rollout_id: fw-2.0.0-2026-11
    hosts: iot_devices
    stages:
      - {name: canary, count: 10}
      - {name: wave1, percent: 10}
      - {name: rest, percent: 100}
    huawei_file_id: fw-wm100-2.0.0
    huawei_target_version: 2.0.0
    tencent_firmware_version: 2.0.0
    tencent_fw_type: mcu
  register: plan

- name: Show it
  ansible.builtin.debug:
    msg: "{{ plan.lines }}"
"""

RETURN = r"""
plan:
  description: The full plan.
  returned: success
  type: dict
  contains:
    rollout_id:
      description: The rollout id.
      type: str
    waves:
      description:
        - The waves in order, each with C(name), C(index), C(action) (V(run), V(resume) or V(skip)), C(status),
          C(gate), C(devices), C(huawei), C(tencent), C(skipped), C(poll_seconds), C(poll_retries) and C(chunks)
          (C(key), C(platform), C(product_id), C(size), C(devices), C(task_id)).
      type: list
      elements: dict
    targets:
      description:
        - What is rolled out, C(huawei_file_id), C(huawei_target_version), C(tencent_firmware_version) and
          C(tencent_fw_type) (from the options).
        - M(iotfleet.firmware.rollout_wave) takes it as O(iotfleet.firmware.rollout_wave#module:targets).
      type: dict
    totals:
      description: Fleet size, devices to upgrade per platform, skipped, uncovered and chunk counts.
      type: dict
    resume:
      description: How this run continues an earlier one, C(mode) is V(new), V(resume), V(resume_aborted) or V(completed).
      type: dict
waves:
  description: The waves without device lists.
  returned: success
  type: list
  elements: dict
lines:
  description:
    - A readable description of the plan, including the platform calls of every wave (the create of each chunk the
      lookup does not find, the paged progress reads) and, with O(refresh_versions), what the version refresh read.
  returned: success
  type: list
  elements: str
state_path:
  description: The state file consulted.
  returned: success
  type: str
state_status:
  description: The status recorded in the state file, V(null) for a new rollout.
  returned: success
  type: str
timing:
  description: Seconds spent reading the inventory and computing the plan.
  returned: success
  type: dict
"""

from ansible_collections.iotfleet.firmware.plugins.module_utils._module._ansible_module import IotModule

from ansible_collections.iotfleet.firmware.plugins.module_utils._rollout_args import (
    PLAN_ARGUMENT_SPEC, REFRESH_ARGUMENT_SPEC)


def main():
    module = IotModule(argument_spec=dict(PLAN_ARGUMENT_SPEC, **REFRESH_ARGUMENT_SPEC), supports_check_mode=True)
    module.fail_json(msg="iotfleet.firmware.rollout_plan runs on the controller as an action plugin; "
                         "it cannot be executed as a module")


if __name__ == "__main__":
    main()
