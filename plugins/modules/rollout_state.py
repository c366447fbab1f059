#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: rollout_state
short_description: Record a step of a staged firmware rollout and write its reports
version_added: 0.1.0
description:
  - Applies one event to the state file C(<state_dir>/<rollout_id>.json) on the controller and optionally writes the
    reports C(<report_dir>/<rollout_id>-report.json) and C(<report_dir>/<rollout_id>-report.md) (so O(report_dir)
    may be O(state_dir)).
  - Files are replaced atomically (temporary file and rename) and only when their content changes, so recording a
    step that is already recorded reports C(changed=false).
  - Used by the R(iotfleet.firmware.staged_rollout,ansible_collections.iotfleet.firmware.staged_rollout_role) role
    at the start and the end of a run and for the steps outside the waves (approval), so a run killed at any point
    can be resumed; M(iotfleet.firmware.rollout_wave) records the steps of a wave itself.
  - "Run lock: V(start) claims C(<state_dir>/<rollout_id>.lock) for the running C(ansible-playbook) process; a second
    live run of the same rollout fails at once naming that process, a lock left by a killed run is taken over. The
    end-of-run call (with O(report_dir)) releases it."
  - A state file that is not a rollout state (C(null), C([]), C({}), another shape, not JSON, unreadable) fails the
    task naming the file; it is never read as a new rollout.
author:
  - iotfleet.firmware maintainers (@iotfleet)
extends_documentation_fragment:
  - iotfleet.firmware._attributes
  - iotfleet.firmware._attributes.action
  - iotfleet.firmware._attributes.platform
attributes:
  check_mode:
    support: full
    details: Nothing is written in check mode.
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
      - Directory of the state files; created (mode 0700) if needed.
    type: str
    required: true
  event:
    description:
      - The step to record. Without it the state is only read (and the reports written).
      - V(start) a run begins (C(data.targets), C(data.resume_mode)); V(wave_started) before a wave's tasks are
        created (C(data.wave) with C(name), C(index), C(gate), C(skipped), C(chunks)); V(tasks_created)
        (C(data.wave), C(data.task_ids) mapping chunk keys to task ids); V(wave_passed) and V(wave_aborted)
        (C(data.wave), C(data.result) the RV(iotfleet.firmware.rollout_gate#module:decision) result, C(data.cancelled),
        C(data.cancel_errors)); V(awaiting_approval) (C(data.wave)); V(completed) (C(data.uncovered), devices in no
        stage, which makes the status C(incomplete)); V(failed) (C(data.wave), C(data.message)).
      - V(wave_recovered) a wave read back from the platforms (C(data.wave) as for V(wave_started), its chunks
        carrying the task ids found); V(wave_approved) (C(data.wave), C(data.by)); V(abort_accepted) (C(data.wave),
        C(data.reason)).
      - V(awaiting_window) (C(data.wave), C(data.next_at), C(data.reason), C(data.not_dispatched)); V(awaiting_health)
        (C(data.wave)); V(health_checked) (C(data.wave), C(data.decision) V(pass), V(abort) or V(wait),
        C(data.reason)); V(paused) (C(data.wave), C(data.by)); V(stopped) (C(data.wave), C(data.reason)).
    type: str
    choices: [start, wave_recovered, wave_approved, wave_started, tasks_created, wave_passed, wave_aborted, abort_accepted,
              awaiting_approval, awaiting_window, awaiting_health, health_checked, paused, stopped, completed, failed]
  data:
    description:
      - Event data, see O(event).
    type: dict
    default: {}
  report_dir:
    description:
      - Also write the JSON and Markdown reports into this directory.
    type: str
  waves:
    description:
      - The planned waves (RV(iotfleet.firmware.rollout_plan#module:waves)), so the report lists waves not started yet.
    type: list
    elements: dict
seealso:
  - module: iotfleet.firmware.rollout_plan
"""

EXAMPLES = r"""
- name: Record that the canary passed
  iotfleet.firmware.rollout_state:
    rollout_id: fw-2.0.0-2026-11
    state_dir: /var/lib/iotfleet/rollouts
    event: wave_passed
    data:
      wave: canary
      result: "{{ canary_gate }}"

- name: Write the reports
  iotfleet.firmware.rollout_state:
    rollout_id: fw-2.0.0-2026-11
    state_dir: /var/lib/iotfleet/rollouts
    report_dir: /var/lib/iotfleet/reports
"""

RETURN = r"""
status:
  description:
    - Rollout status after the event, V(running), V(completed), V(incomplete), V(aborted), V(failed),
      V(awaiting_approval), V(awaiting_window), V(awaiting_health) or V(paused).
  returned: success
  type: str
wave:
  description: The record of the wave named in the event data (without device lists).
  returned: when the event names a wave
  type: dict
result:
  description: Compact result of the rollout (status, abort, per-wave counts, totals), as published by the role.
  returned: success
  type: dict
state_path:
  description: The state file.
  returned: success
  type: str
report_paths:
  description: The report files, C(json) and C(markdown).
  returned: when O(report_dir) is set
  type: dict
written:
  description: Files written by this call.
  returned: success
  type: list
  elements: str
"""

from ansible_collections.iotfleet.firmware.plugins.module_utils._module._ansible_module import IotModule

from ansible_collections.iotfleet.firmware.plugins.module_utils._rollout_args import STATE_ARGUMENT_SPEC


def main():
    module = IotModule(argument_spec=STATE_ARGUMENT_SPEC, supports_check_mode=True)
    module.fail_json(msg="iotfleet.firmware.rollout_state runs on the controller as an action plugin; "
                         "it cannot be executed as a module")


if __name__ == "__main__":
    main()
