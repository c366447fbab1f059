# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Read the progress of one rollout wave from both platforms and evaluate its gate."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.iotfleet.firmware.plugins.module_utils import rollout
from ansible_collections.iotfleet.firmware.plugins.plugin_utils import rollout_files

display = Display()

ARGUMENT_SPEC = rollout.GATE_ARGUMENT_SPEC


def _apply_module_defaults(action_plugin, fqcn, args):
    """Apply the play's ``module_defaults`` (incl. ``group/...``) for a module this plugin runs itself."""
    try:
        from ansible.executor.module_common import _apply_action_arg_defaults  # ansible-core >= 2.19
    except ImportError:
        _apply_action_arg_defaults = None
    if _apply_action_arg_defaults is not None:
        return _apply_action_arg_defaults(fqcn, action_plugin._task, args, action_plugin._templar)
    from ansible.executor.module_common import get_action_args_with_defaults  # ansible-core 2.16 - 2.18

    return get_action_args_with_defaults(fqcn, args, action_plugin._task.module_defaults, action_plugin._templar,
                                         action_groups=action_plugin._task._parent._play._action_groups)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        dummy, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        try:
            calls = rollout.poll_requests(args["chunks"], args["tencent_firmware_version"], args["tencent_fw_type"])
            if args["elapsed"] is not None:
                elapsed = args["elapsed"]
            elif args["started_at"]:
                elapsed = rollout_files.seconds_since(args["started_at"])
            else:
                elapsed = 0.0
        except (rollout.RolloutError, ValueError) as exc:
            result.update(failed=True, msg=str(exc))
            return result
        summaries = []
        platforms = {}
        try:
            for call in calls:
                module_args = _apply_module_defaults(self, call["module"], dict(call["args"]))
                answer = self._execute_module(module_name=call["module"], module_args=module_args, task_vars=task_vars)
                if answer.get("failed"):
                    result.update(failed=True, msg="%s failed while polling wave %s: %s"
                                  % (call["module"], args["wave"], answer.get("msg")),
                                  error_code=answer.get("error_code"))
                    return result
                summary = rollout.merge_summaries([answer.get("summary") or {}], expected_total=call["expected"])
                summaries.append(summary)
                label = call["platform"] if call["platform"] == "huawei" else "tencent/%s" % call["product_id"]
                platforms[label] = summary
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        total = rollout.merge_summaries(summaries)
        gate = rollout.evaluate_gate(total, args["gate"], elapsed)
        line = rollout.progress_line(args["wave"], gate)
        if args["show_progress"]:
            display.display("    [rollout] %s" % line)
        result.update(changed=False, decision=gate["decision"], reason=gate["reason"], summary=gate["summary"],
                      failure_percent_of_finished=gate["failure_percent_of_finished"], elapsed=gate["elapsed"],
                      timed_out=gate["timed_out"], trigger=gate.get("trigger"), gate=gate["gate"],
                      platforms=platforms, msg=line)
        return result
