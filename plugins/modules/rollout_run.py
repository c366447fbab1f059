#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: rollout_run
short_description: Run a staged firmware rollout on the controller until it ends or needs an approval
version_added: 0.1.0
description:
- 'The state machine of the R(iotfleet.firmware.staged_rollout,ansible_collections.iotfleet.firmware.staged_rollout_role)
  role: plans the waves (as M(iotfleet.firmware.rollout_plan)), reads back from the platforms the waves its journal does
  not know, then runs each wave in order (as M(iotfleet.firmware.rollout_wave)) and records every transition (start,
  wave read back, approved, started, task recorded, passed, aborted, accepted, awaiting approval, completed, incomplete,
  failed) in the journal under O(state_dir).'
- A wave that has tasks on the platforms has started and is resumed without a new approval. A wave that needs an approval
  starts only with one that this run holds (O(workflow_wave) with O(previous_result), O(approved_waves), O(prompt_approved));
  otherwise the run stops with status C(awaiting_approval) and RV(result.approval_request).
- 'Every input that can be checked without a call is checked before the first call: stages and their coverage of the
  fleet, options, the targets and the connection settings of the platforms the fleet uses.'
- This is an action plugin; it runs in the controller.
author:
- iotfleet.firmware maintainers (@iotfleet)
attributes:
  check_mode:
    support: full
    details: Plans and reads the platforms (versions, tasks to read back); creates, cancels and writes nothing.
  diff_mode:
    support: none
options:
  allow_uncovered:
    description:
    - Accept stages that leave selected devices in no wave; the rollout then ends with status C(incomplete). Without
      it such stages are refused before any call.
    type: bool
    default: false
  approval:
    description:
    - Default gate, ask for manual approval before each wave. Default V(false).
    type: bool
  approved_waves:
    description:
    - Waves approved in advance from a command line. Refused in an AWX job.
    type: list
    elements: str
    default: []
  cancel_on_abort:
    description:
    - Cancel the Tencent tasks of an aborted wave that are still running (Huawei has no cancel call).
    type: bool
    default: true
  command:
    description:
    - The operator verb. V(run) runs. V(pause) writes the standing verb beside the journal (C(<id>.command.json)); a live
      run that shares the directory stops dispatching at its next round, and runs end with status C(paused) until
      V(resume). V(advance) lifts a pause and approves the next wave that needs an approval. V(stop) cancels the running
      wave's tasks and ends the rollout aborted; with a live run holding the lock it is left to that run (status
      C(stop_requested)).
    type: str
    choices: [run, pause, resume, advance, stop]
    default: run
  devices:
    description:
    - Explicit device list instead of inventory hosts. Each item has C(platform) (V(huawei) or V(tencent)), C(id) (Huawei
      device ID or Tencent device name), C(product_id) (required for Tencent) and optionally C(version) (current firmware
      version).
    type: list
    elements: dict
  devices_file:
    description:
    - A file of devices instead of inventory hosts, read line by line (a fleet of a million devices needs no inventory
      host per device). Cannot be combined with a non-empty O(devices).
    - A CSV file (C(.csv)) with a header row naming the columns C(platform), C(id), C(product_id), C(version) and
      optionally C(host), C(maintenance_window) (JSON text) and C(timezone); an empty cell gives no value.
    - Or a JSON-lines file (C(.jsonl), C(.ndjson), C(.json)) with one device dict per line, with the keys of an item of
      O(devices) (and C(maintenance_window), C(timezone)). Another name is read as JSON lines when its first character
      is C({), else as CSV.
    - An error names the file and the line. A relative path is relative to the current directory of
      C(ansible-playbook).
    type: str
  error_percent:
    description:
    - Default gate, the wave aborts when more than this percentage of its finished devices failed. Default V(10).
    type: float
  hosts:
    description:
    - Inventory group or host pattern selecting the devices (C(:), C(:&), C(:!), wildcards), resolved against the whole
      inventory.
    - A run with C(--limit) (other than the controller alone) fails before anything is read, and so does an AWX sliced
      job, because either would act on a part of the fleet; see O(scope_only).
    - Ignored when O(devices) is a non-empty list or O(devices_file) is set.
    type: str
  huawei_chunk_size:
    description:
    - Device IDs per Huawei task, 1 to 256.
    type: int
    default: 256
  huawei_connection:
    description:
    - Huawei connection settings, RV(iotfleet.firmware.huawei_iot_connection#module:connection). Required when the fleet
      has Huawei devices.
    type: dict
  huawei_file_id:
    description:
    - Huawei firmware package (C(fileId)). Required when the fleet has Huawei devices.
    type: str
  huawei_iotda_chunk_size:
    description:
    - Device ids per IoTDA batch task, 1 to 30,000 (the documented maximum of one create).
    type: int
    default: 30000
  huawei_iotda_connection:
    description:
    - Huawei Cloud IoTDA v5 connection settings, the C(connection) result of the C(iotfleet.firmware.huawei_iotda_connection)
      action. Needed when the fleet has IoTDA devices.
    type: dict
  huawei_iotda_missing:
    description:
    - The required IoTDA connection options that are not set, named in the error when the fleet has IoTDA devices.
    type: list
    elements: str
    default: []
  huawei_iotda_package_id:
    description:
    - Huawei Cloud IoTDA v5 OTA package id (C(document.package_ids) of the batch tasks). Required when the fleet has
      devices with C(iot_platform=huawei_iotda).
    type: str
  huawei_iotda_policy:
    description:
    - C(task_policy) of the IoTDA batch tasks (C(schedule_time), C(retry_count), C(retry_interval)).
    type: dict
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
  huawei_missing:
    description:
    - The required Huawei connection options that are not set (RV(iotfleet.firmware.huawei_iot_connection#module:missing)),
      named in the error when the fleet has Huawei devices.
    type: list
    elements: str
    default: []
  huawei_policy:
    description:
    - The C(policy) of the Huawei tasks, as the M(iotfleet.firmware.huawei_iot_firmware_task) option.
    type: dict
  huawei_target_version:
    description:
    - Version Huawei devices run after the upgrade; devices already on it are skipped.
    type: str
  interactive:
    description:
    - 'V(auto) and V(true) return RV(prompt=true) when a wave waits for an approval that a person at a terminal can give:
      never in an AWX job (C(awx_job_id)), under ansible-runner (C(AWX_ISOLATED_DATA_DIR)) or in CI (C(CI)). V(false)
      never.'
    type: str
    choices:
    - auto
    - 'true'
    - 'false'
    default: auto
  inventory_vars:
    description:
    - How the host variables of O(hosts) are read.
    - V(full) reads them like C(hostvars[host]), with Ansible's complete variable precedence (C(group_vars/) and C(host_vars/)
      files, vars plugins). Ansible computes every variable of every host for this, about 0.4 ms per host (about 40 s
      for 100,000 hosts).
    - V(inventory) is accepted for compatibility and reads like V(full). It used to read only what the inventory sources
      define, through an attribute of ansible-core that is not public API.
    type: str
    choices:
    - full
    - inventory
    default: full
  lock_ttl:
    description:
    - Seconds after which the run lock of a run that stopped renewing it expires (at least 60).
    type: int
    default: 900
  min_finished:
    description:
    - Default gate, finished devices needed before the error threshold can trip. Default V(5).
    type: int
  pause_seconds:
    description:
    - Default gate, seconds to pause after a wave passed. Default V(0).
    type: int
  poll_seconds:
    description:
    - Seconds between two progress polls of a wave. Raised per wave so that reading its Huawei tasks stays under 80 calls
      per minute.
    type: int
    default: 30
  previous_result:
    description:
    - The C(staged_rollout_result) artifact of the previous workflow node (AWX passes it on as an extra variable).
    type: raw
  prompt_approved:
    description:
    - The wave a person approved at the prompt of this run (ignored in an AWX job).
    type: str
  refresh_versions:
    description:
    - Read the current firmware version of the devices to plan from their platforms before planning, and use it instead
      of C(iot_firmware_version) (or the C(version) of O(devices)).
    - Per platform scope (Huawei; Tencent per product) the package or firmware is read once, then the versions by device
      reads or by the paged device listing, whichever needs fewer calls; every call is paced at the documented rate limits
      (Huawei 100 calls per minute per application, Tencent 20 per second).
    - Devices recorded in a wave of the journal are not read again.
    - A device the platform does not know keeps no version and is planned; its create reports the platform's answer.
    type: bool
    default: false
  report_dir:
    description:
    - Directory of the reports C(<rollout_id>.json) and C(<rollout_id>.md) written at the end of the run.
    type: str
  resume_aborted:
    description:
    - Continue a rollout whose state says it was aborted; the aborted wave is accepted as it ended.
    type: bool
    default: false
  retry_wave:
    description:
    - Run the retry of the devices that failed in this wave of O(rollout_id) instead of the rollout itself; a derived
      rollout with the id C(<rollout_id>.retry-<wave>) and a journal of its own.
    - Its devices are exactly those the journal of O(rollout_id) lists as failed in the wave (each once, only devices
      of the wave), in one stage C(retry-<wave>) of 100 % with the wave's recorded gate, to the targets of the
      journal (targets given here must be the same). The version refresh drops devices already on the target version.
    - Refused before any platform call when there is no journal, the wave is still started, has no failed device, or
      the derived id breaks the rollout id rule.
    - IoTDA v5's C(RetryBatchTask) is not used; new tasks keep one mechanism for every platform, tracked like any wave.
    type: str
    default: ""
  rollback:
    description:
    - Run the rollback of O(rollout_id) instead of the rollout itself; a derived rollout with the id
      C(<rollout_id>.rollback), the stages and gates of O(stages), to O(rollback_targets).
    - Its devices are those the journal of O(rollout_id) (and the journals of its retries) says were upgraded; the
      devices of the chunks of passed and aborted waves that have a task, less those listed as failed, busy or up to
      date, less those of tasks still in flight when their wave ended.
    - Refused before any platform call when there is no journal, no upgraded device, or a rollback target is missing for
      a platform the devices use.
    type: bool
    default: false
  rollback_on_abort:
    description:
    - The role runs the rollback after a run that ended C(aborted). Here the rollback targets are checked against the
      platforms of the fleet with the plan, before any task is created, and the plan says what the rollback would do.
    type: bool
    default: false
  rollback_targets:
    description:
    - The previous version for O(rollback), keys as the target options (V(huawei_file_id), V(huawei_target_version),
      V(tencent_firmware_version), V(tencent_fw_type), V(huawei_iotda_package_id), V(huawei_iotda_target_version),
      V(huawei_iotda_task_type)). C(tencent_fw_type) and C(huawei_iotda_task_type) default to the rollout's.
    type: dict
    default: {}
  rollout_id:
    description:
    - Identifier of the rollout; letters, digits, C(.), C(_) and C(-), at most 128 characters.
    - Seeds the wave membership hash and names the state file.
    type: str
    required: true
  scope_only:
    description:
    - Only check that this run covers the whole fleet and return; nothing else is read or planned.
    - The check fails when C(ansible_limit) is set to anything but V(localhost) or V(127.0.0.1), or when the run is an
      AWX job slice (AWX runs slices in a workflow job named like the job template, C(awx_workflow_job_name) equal to
      C(awx_job_template_name)). Every plan call makes this check first.
    type: bool
    default: false
  settle_seconds:
    description:
    - The in-flight check. When a wave read back from the platforms is only partly created (devices of the wave that
      no task covers yet), its tasks are read again after this many seconds, before anything is created. Tasks that appeared
      meanwhile mean that another run is creating them (an AWX job on another pod shares no disk and so no lock), and
      this run then fails and creates nothing. V(0) turns the check off.
    type: int
    default: 15
  show_progress:
    description:
    - Print one progress line per round (devices finished, succeeded, failed, in progress, per platform).
    type: bool
    default: true
  stages:
    description:
    - The stages, in order. Each is a dict with a unique C(name) and exactly one of C(count) (number of devices) or C(percent)
      (cumulative share of the whole fleet, V(100) = everything left).
    - Optional per-stage gate overrides C(success_percent), C(error_percent), C(min_finished), C(timeout), C(pause_seconds),
      C(approval).
    - Text is accepted too, for AWX surveys and C(-e key=value), either a JSON list or the short form V(canary:10,wave1:10%,rest:100%)
      (C(name:count) or C(name:percent%), comma-separated, each optionally followed by C(:key=value) gate overrides such
      as V(wave1:10%:approval=true)).
    type: raw
    required: true
  state_dir:
    description:
    - 'Directory of the rollout journals on the controller: C(<state_dir>/<rollout_id>.json) and its run lock.'
    - 'A journal and a cache only: a run that finds no journal (an AWX job without a persistent volume) reads the started
      waves back from the platforms.'
    type: str
    required: true
  success_percent:
    description:
    - Default gate, minimum percentage of a wave's devices that must succeed. Default V(95).
    type: float
  tencent_chunk_size:
    description:
    - Device names per Tencent task. Tencent documents no maximum.
    type: int
    default: 500
  tencent_connection:
    description:
    - Tencent connection settings, RV(iotfleet.firmware.tencent_iot_connection#module:connection). Required when the
      fleet has Tencent devices.
    type: dict
  tencent_firmware_version:
    description:
    - Tencent target firmware version. Required when the fleet has Tencent devices; devices already on it are skipped.
    type: str
  tencent_fw_type:
    description:
    - Tencent firmware module (C(FwType)).
    type: str
  tencent_max_retry_num:
    description:
    - C(MaxRetryNum) of the Tencent tasks.
    type: int
  tencent_missing:
    description:
    - The required Tencent connection options that are not set, named in the error when the fleet has Tencent devices.
    type: list
    elements: str
    default: []
  tencent_rate_limit:
    description:
    - C(RateLimit) of the Tencent tasks (devices dispatched per minute).
    type: int
  tencent_retry_interval:
    description:
    - C(RetryInterval) of the Tencent tasks (minutes).
    type: int
  tencent_timeout_interval:
    description:
    - C(TimeoutInterval) of the Tencent tasks (120..900 s).
    type: int
  wave_timeout:
    description:
    - Default gate, seconds a wave may take. Default V(3600).
    type: int
  health_check:
    description:
    - Each wave that passes its gate waits for a health verdict (O(health_result)) before the next wave; without one for
      that wave the run stops with status C(awaiting_health) and RV(result.awaiting_health) (the role then runs its
      C(staged_rollout_health_tasks) and calls again).
    type: bool
    default: false
  health_result:
    description:
    - The verdict of the health-check tasks, a dictionary with C(wave), C(decision) (V(pass), V(abort) or V(wait)) and
      optionally C(reason). Taken only for the wave the rollout is waiting on.
    type: dict
  health_timeout:
    description:
    - A wave whose health verdict is still V(wait) this many seconds after it passed its gate aborts.
    type: int
    default: 1800
  health_wait_seconds:
    description:
    - After a V(wait) verdict, the run waits this many seconds before it asks again (stops with C(awaiting_health)).
    type: int
    default: 60
  verify_versions:
    description:
    - After each wave, read back the versions of the devices whose task succeeded; a device that reports another
      version than the target counts as failed and the gate decides again. A device without a reported version is
      counted as unverified.
    type: bool
    default: true
  window_max_wait:
    description:
    - When the next chunks of a wave wait for a maintenance window or their stage's C(start_at), the run waits up to
      this many seconds; a longer wait ends the run with status C(awaiting_window) and RV(result.awaiting_window). The
      wave stays started; the next run of the same rollout id dispatches the rest.
    type: int
    default: 3600
  workflow_wave:
    description:
    - In an AWX workflow, the wave the job node runs after its approval node. Taken as approved only when O(previous_result)
      names this rollout, this wave and this workflow job in C(approval_request), and only when it is the next wave that
      needs an approval.
    type: str
extends_documentation_fragment:
- iotfleet.firmware.rollout_dispatch
- iotfleet.firmware._attributes
- iotfleet.firmware._attributes.action
- iotfleet.firmware._attributes.platform
seealso:
- module: iotfleet.firmware.rollout_plan
- module: iotfleet.firmware.rollout_wave
- module: iotfleet.firmware.huawei_iot_connection
- module: iotfleet.firmware.tencent_iot_connection
"""

EXAMPLES = r"""
- name: Run a rollout of the inventory group iot_devices
  iotfleet.firmware.rollout_run:
    rollout_id: fw-2.0.0
    hosts: iot_devices
    stages: canary:10,wave1:10%,rest:100%
    huawei_file_id: fw-wm100-2.0.0
    huawei_target_version: 2.0.0
    state_dir: ~/.ansible/iotfleet/rollouts
    huawei_connection: "{{ huawei.connection }}"
  register: run
"""

RETURN = r"""
status:
  description:
  - 'How the run ended: V(completed), V(incomplete), V(awaiting_approval), V(awaiting_window), V(awaiting_health),
    V(paused), V(stop_requested), V(aborted), V(failed), or V(planned) in check mode.'
  returned: always
  type: str
result:
  description:
  - The compact result the role publishes as C(staged_rollout_result) (also with C(set_stats)).
  returned: always
  type: dict
  contains:
    status:
      description: As RV(status).
      type: str
      returned: always
    awaiting_approval:
      description: The wave waiting for its approval, else V(null).
      type: str
      returned: always
    awaiting_health:
      description: The wave whose health check is due (status V(awaiting_health)), else V(null).
      type: str
      returned: always
    awaiting_window:
      description:
      - With status V(awaiting_window), the wave whose remaining chunks wait, when the next one can go (C(next_at), UTC,
        V(null) after the stage's C(end_at)), why (C(reason)) and the devices not dispatched yet (C(not_dispatched));
        else V(null).
      type: dict
      returned: always
    approval_request:
      description: C(rollout_id), C(wave), C(workflow_job_id) of the approval asked for, else V(null).
      type: dict
      returned: always
    waves_done:
      description: The waves that ended passed or were accepted.
      type: list
      elements: str
      returned: success
    next_step:
      description: The operator's next step.
      type: str
      returned: success
    uncovered:
      description: Selected devices in no stage.
      type: int
      returned: always
    derived_from:
      description: As RV(derived_from); the result is then the derived rollout's (its C(rollout_id), waves, reports).
      type: dict
      returned: success
derived_from:
  description:
  - For a retry or a rollback (a derived rollout), the rollout it was derived from (C(rollout_id)), V(retry) or
    V(rollback) (C(mode)) and the retried wave (C(wave)); else V(null). RV(result.derived_from) says the same.
  returned: success
  type: dict
  sample: {"rollout_id": "fw-2.0.0", "mode": "retry", "wave": "wave1"}
prompt:
  description:
  - Whether a person at this terminal can be asked for the approval the run waits for.
  returned: success
  type: bool
awaiting:
  description:
  - The wave waiting for its approval (C(name), C(devices), C(summary)), else V(null).
  returned: success
  type: dict
lines:
  description:
  - 'Lines to show: notes, the outcome per wave, the next step.'
  returned: always
  type: list
  elements: str
waves_run:
  description:
  - The waves this run started or resumed.
  returned: success
  type: list
  elements: str
plan:
  description:
  - The plan (check mode).
  returned: check mode
  type: dict
"""

from ansible_collections.iotfleet.firmware.plugins.module_utils._module._ansible_module import IotModule

from ansible_collections.iotfleet.firmware.plugins.module_utils._rollout_args import RUN_ARGUMENT_SPEC


def main():
    module = IotModule(argument_spec=RUN_ARGUMENT_SPEC, supports_check_mode=True)
    module.fail_json(msg="iotfleet.firmware.rollout_run runs on the controller as an action plugin; "
                         "it cannot be executed as a module")


if __name__ == "__main__":
    main()
