# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Record one step of a staged rollout in its state file on the controller, and write its reports."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.plugins.action import ActionBase

from ansible_collections.iotfleet.firmware.plugins.module_utils import rollout
from ansible_collections.iotfleet.firmware.plugins.plugin_utils import rollout_files

ARGUMENT_SPEC = rollout.STATE_ARGUMENT_SPEC


def _wave_view(record):
    """A wave record without device lists (what the role needs back)."""
    if not record:
        return None
    view = dict((k, v) for k, v in record.items() if k != "chunks")
    view["chunks"] = [dict((k, v) for k, v in chunk.items() if k != "devices") for chunk in record.get("chunks") or []]
    return view


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        dummy, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        check_mode = bool(self._play_context.check_mode)
        written = []
        try:
            rollout_id = rollout.validate_rollout_id(args["rollout_id"])
            path = rollout_files.state_path(args["state_dir"], rollout_id)
            state = rollout_files.read_json(path)
            changed = False
            if args["event"]:
                data = dict(args["data"] or {})
                if args["event"] == "start":
                    data.setdefault("rollout_id", rollout_id)
                if "results" in data:
                    data["task_ids"] = rollout.task_ids_from_results(data.pop("results"))
                if "cancel_results" in data:
                    data["cancelled"], data["cancel_errors"] = rollout.cancel_outcome(data.pop("cancel_results"))
                state, changed = rollout.apply_event(state, args["event"], data, rollout_files.utc_now())
                if changed and not check_mode:
                    rollout_files.write_if_changed(path, rollout_files.dump_json(state))
                    written.append(path)
            if state is None:
                result.update(failed=True, msg="rollout %r has no state file at %s" % (rollout_id, path))
                return result
            report = rollout.build_report(state, args["waves"])
            paths = None
            if args["report_dir"]:
                paths = rollout_files.report_paths(args["report_dir"], rollout_id)
                outputs = ((paths["json"], rollout_files.dump_json(report)),
                           (paths["markdown"], rollout.render_markdown(report)))
                for report_path, text in outputs:
                    if check_mode:
                        continue
                    if rollout_files.write_if_changed(report_path, text, mode=0o644):
                        written.append(report_path)
                        changed = True
                result["report_paths"] = paths
        except (rollout.RolloutError, rollout_files.RolloutFileError) as exc:
            result.update(failed=True, msg=str(exc))
            return result
        wave_name = (args["data"] or {}).get("wave")
        if isinstance(wave_name, dict):
            wave_name = wave_name.get("name")
        result.update(
            changed=changed,
            written=written,
            state_path=path,
            status=state["status"],
            wave=_wave_view((state.get("waves") or {}).get(wave_name)) if wave_name else None,
            result=rollout.result_summary(report),
            lines=rollout.report_lines(report, paths),
            msg="rollout %s: %s" % (rollout_id, state["status"]),
        )
        return result
