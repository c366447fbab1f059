# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Compute a staged rollout plan on the controller from the inventory (or an explicit device list)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.plugins.action import ActionBase

from ansible_collections.iotfleet.firmware.plugins.module_utils import _rollout_args
from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _rollout as rollout
from ansible_collections.iotfleet.firmware.plugins.plugin_utils import rollout_files
from ansible_collections.iotfleet.firmware.plugins.plugin_utils._engine import planning

# the inventory helpers live in plugin_utils/_engine/planning.py (shared with rollout_run); kept importable here
devices_from_inventory = planning.devices_from_inventory
select_hosts = planning.select_hosts

ARGUMENT_SPEC = dict(_rollout_args.PLAN_ARGUMENT_SPEC, **_rollout_args.REFRESH_ARGUMENT_SPEC)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        dummy, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        problem = planning.scope_problem_of(task_vars)
        if problem or args["scope_only"]:
            result.update(failed=bool(problem), changed=False, msg=problem or "this run covers the whole fleet")
            return result
        try:
            made = planning.make_plan(args, task_vars)
        except (rollout.RolloutError, rollout_files.RolloutFileError) as exc:
            result.update(failed=True, msg=str(exc))
            return result
        plan = made["plan"]
        result.update(
            changed=False,
            plan=plan,
            waves=rollout.plan_brief(plan),
            lines=made["lines"],
            state_path=made["state_path"],
            state_status=(made["state"] or {}).get("status"),
            timing=made["timing"],
            msg="%d devices to upgrade in %d waves" % (plan["totals"]["to_upgrade"], len(plan["waves"])),
        )
        return result
