# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Record one step of a staged rollout in its state file on the controller, and write its reports."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.plugins.action import ActionBase

from ansible_collections.iotfleet.firmware.plugins.module_utils import _rollout_args
from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _rollout as rollout
from ansible_collections.iotfleet.firmware.plugins.plugin_utils import rollout_files
from ansible_collections.iotfleet.firmware.plugins.plugin_utils._engine import report as engine_report
from ansible_collections.iotfleet.firmware.plugins.plugin_utils._engine import state as engine_state
from ansible_collections.iotfleet.firmware.plugins.plugin_utils._engine import state_file

ARGUMENT_SPEC = _rollout_args.STATE_ARGUMENT_SPEC


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

    @staticmethod
    def _apply(state, rollout_id, args):
        data = dict(args["data"] or {})
        if args["event"] == "start":
            data.setdefault("rollout_id", rollout_id)
        return rollout.apply_event(state, args["event"], data, rollout_files.utc_now())

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        dummy, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        check_mode = bool(self._play_context.check_mode)
        written = []
        try:
            rollout_id = rollout.validate_rollout_id(args["rollout_id"])
            path = rollout_files.state_path(args["state_dir"], rollout_id)
            store = engine_state.StateStore(path, rollout_id)
            changed = False
            if args["event"] and check_mode:
                state, changed = self._apply(store.load(), rollout_id, args)
            elif args["event"]:
                # "start" claims the run lock: a second live run of this rollout id fails here, at once
                outcome = {}

                def change(current):
                    new, outcome["changed"] = self._apply(current, rollout_id, args)
                    return new, outcome["changed"]

                state = store.update(change, take=args["event"] == "start")
                changed = outcome["changed"]
                if changed:
                    written.append(path)
            else:
                state = store.load()
            if state is None:
                result.update(failed=True, msg="rollout %r has no state file at %s" % (rollout_id, path))
                return result
            report = engine_report.build_report(state, args["waves"])
            paths = None
            if args["report_dir"]:
                if check_mode:
                    paths = rollout_files.report_paths(args["report_dir"], rollout_id)
                else:
                    paths, reports = engine_report.write_reports(report, args["report_dir"], rollout_id)
                    written += reports
                    changed = changed or bool(reports)
                    store.lock.release()  # the end-of-run call: the rollout is free for the next run
                result["report_paths"] = paths
        except (rollout.RolloutError, rollout_files.RolloutFileError, state_file.StateFileError) as exc:
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
