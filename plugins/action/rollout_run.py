# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Run a staged rollout in the controller: plan, read back from the platforms, waves, approvals, reports.

The decisions are those of ``plugin_utils/_engine/machine.py``; this plugin gathers the inputs (task variables,
the controller's environment), validates them before any call, and shapes the result.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.iotfleet.firmware.plugins.module_utils import _rollout_args
from ansible_collections.iotfleet.firmware.plugins.module_utils._redact import Redactor
from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import ValidationError
from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _platforms as registry
from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _rollout as rollout
from ansible_collections.iotfleet.firmware.plugins.plugin_utils import rollout_files
from ansible_collections.iotfleet.firmware.plugins.plugin_utils._engine import (
    commands, connect, driver, lock, machine, planning, recover, report, state, state_file)
from ansible_collections.iotfleet.firmware.plugins.plugin_utils._engine import events as events_log
from ansible_collections.iotfleet.firmware.plugins.plugin_utils._engine import derive

display = Display()

ARGUMENT_SPEC = _rollout_args.RUN_ARGUMENT_SPEC

# Tests replace this with a factory of scripted providers: (platform, params, on_secret) -> Provider.
PROVIDER_FACTORY = None


def engine_options(args, uncovered):
    options = planning.wave_options(args)
    options.update(resume_aborted=args["resume_aborted"], uncovered=uncovered, chunk_sizes=planning.chunk_sizes(args),
                   settle_seconds=args["settle_seconds"])
    return options


def run_result(store, rollout_id, status, wave, context, interactive_why, args, plan, check_mode=False):
    """The result of the run: the report, the compact ``staged_rollout_result`` and the lines to show."""
    current = store.load()
    brief = rollout.plan_brief(plan)
    built = report.build_report(current, brief) if current else None
    paths, written = (None, [])
    if built is not None and args["report_dir"] and not check_mode:
        paths, written = report.write_reports(built, args["report_dir"], rollout_id)
    summary = rollout.result_summary(built) if built else {"rollout_id": rollout_id, "waves": []}
    done = [w["name"] for w in (built or {"waves": []})["waves"]
            if w["status"] == rollout.WAVE_PASSED or (w["status"] == rollout.WAVE_ABORTED and w.get("accepted"))]
    summary.update(
        status=status,
        awaiting_approval=wave if status == rollout.ROLLOUT_AWAITING_APPROVAL else None,
        approval_request=({"rollout_id": rollout_id, "wave": wave, "workflow_job_id": context["workflow_job_id"]}
                          if status == rollout.ROLLOUT_AWAITING_APPROVAL else None),
        awaiting_health=wave if status == rollout.ROLLOUT_AWAITING_HEALTH else None,
        awaiting_window=(current or {}).get("awaiting_window") if status == rollout.ROLLOUT_AWAITING_WINDOW else None,
        waves_done=done,
        next_step=machine.next_step(status, wave, context, interactive_why),
        uncovered=plan["totals"].get("uncovered", 0),
        report_paths=paths,
        state_path=store.path,
    )
    lines = rollout.report_lines(built, paths) if built else []
    return summary, lines, written


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        dummy, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        check_mode = bool(self._play_context.check_mode)
        context = machine.run_context(task_vars, os.environ)
        ask, why_not = machine.interactive(args["interactive"], context)
        problem = planning.scope_problem_of(task_vars)
        if problem:
            result.update(failed=True, changed=False, msg=problem)
            return result
        providers = connect.ProviderSets(registry.per_platform(args, "connection"), factory=PROVIDER_FACTORY)
        try:
            try:
                return self._run(result, args, task_vars, context, ask, why_not, providers, check_mode)
            except (rollout.RolloutError, rollout_files.RolloutFileError, state_file.StateFileError,
                    recover.RecoveryError, driver.WaveFailed) as exc:
                result.update(failed=True, changed=False, msg=str(exc))
            except ValidationError as exc:
                result.update(failed=True, changed=False, msg="invalid connection settings: %s" % exc)
        finally:
            secrets = providers.all_secrets()
            providers.close()
        return Redactor(secrets).redact_data(result)

    def _run(self, result, args, task_vars, context, ask, why_not, providers, check_mode):
        # a retry or rollback runs as a rollout of its own (derive.py): its id, devices, stages and targets from here on
        args, derived, derived_lines = derive.load(args, task_vars)
        result["derived_from"] = derived["derived_from"] if derived else None
        approvals, notes = machine.grants(args["rollout_id"], context, args["approved_waves"], args["workflow_wave"],
                                          args["previous_result"], args["prompt_approved"])
        rollout_id = rollout.validate_rollout_id(args["rollout_id"])
        events = (events_log.EventLog(rollout_files.report_paths(args["report_dir"], rollout_id)["events"])
                  if args["report_dir"] and not check_mode else None)
        store = state.StateStore(rollout_files.state_path(args["state_dir"], rollout_id), rollout_id,
                                 lock_ttl=args["lock_ttl"], on_write=events)
        verb = commands.check_command(args["command"], context)
        verb_path = commands.command_path(store.path)
        if not check_mode:
            early = self._standing_verb(result, verb, verb_path, store, rollout_id)
            if early is not None:
                return early
            # a second live run of this rollout fails here, before it reads anything from the platforms
            with store.lock.held(rollout_id, take=True):
                pass
        try:
            made = planning.make_plan(dict(args, refresh_versions=args["refresh_versions"]), task_vars,
                                      check_connections_of_fleet=True,
                                      refresh_scope="all" if check_mode else "first_wave")
            derived_lines = derived_lines + derive.after_plan(args, made, derived)
        except Exception:
            if not check_mode:
                store.lock.release()
            raise
        plan = made["plan"]
        uncovered = plan["totals"].get("uncovered", 0)
        options = engine_options(args, uncovered)
        options.update(watch=commands.CommandWatch(verb_path).current, advance=verb == "advance")
        run = machine.RolloutRun(store, made, providers, approvals, options, display=display.display)
        lines = derived_lines + list(made["lines"]) + notes + operation_lines(args, verb)
        if check_mode:
            records, more, tasks = recover.recover(plan, made["devices"], made["targets"], providers.new(),
                                                   planning.chunk_sizes(args))
            lines += more + (["Read back from the platforms: waves %s have tasks (%d) and would be resumed."
                              % (", ".join(r["name"] for r in records), tasks)] if records else [])
            result.update(changed=False, status="planned", check_mode=True, plan=plan, lines=lines, prompt=False,
                          waves=rollout.plan_brief(plan),
                          result={"rollout_id": rollout_id, "status": "planned", "check_mode": True,
                                  "previous_status": (made["state"] or {}).get("status"),
                                  "totals": plan["totals"], "waves": rollout.plan_brief(plan),
                                  "uncovered": uncovered, "derived_from": result["derived_from"]},
                          msg="%d devices to upgrade in %d waves" % (plan["totals"]["to_upgrade"], len(plan["waves"])))
            return result
        for line in lines:
            display.display(line)
        try:
            status, wave = run.run()
        except (rollout.RolloutError, recover.RecoveryError) as exc:
            run.event("failed", {"message": str(exc)})
            status, wave = rollout.ROLLOUT_FAILED, None
            result["msg"] = str(exc)
        finally:
            store.lock.release()
        if status == rollout.ROLLOUT_ABORTED and (verb == "stop" or options["watch"]() == "stop"):
            # carried out, by this run's verb or by this live run at a poll round: the rollout is aborted, its tasks
            # cancelled; a stop left standing would stop the next run (staged_rollout_resume_aborted) again
            commands.clear_command(verb_path)
        summary, report_lines, written = run_result(store, rollout_id, status, wave, context, why_not, args,
                                                    run.plan)
        summary["derived_from"] = result["derived_from"]
        result.update(
            changed=bool(run.waves_run) or bool(written),
            status=status,
            result=summary,
            prompt=bool(ask and status == rollout.ROLLOUT_AWAITING_APPROVAL),
            interactive=ask,
            not_interactive_because=why_not,
            lines=run.notes + report_lines + ["Next: %s" % summary["next_step"]],
            waves_run=run.waves_run,
            written=written,
            awaiting=awaiting_view(run.plan, wave) if status == rollout.ROLLOUT_AWAITING_APPROVAL else None,
        )
        result.setdefault("msg", "rollout %s: %s" % (rollout_id, status))
        return result

    @staticmethod
    def _standing_verb(result, verb, path, store, rollout_id):
        """``pause`` and ``stop`` are kept beside the journal for a live run to see; ``resume`` and ``advance`` clear
        a pause. Returns the result when this run ends here (a pause; a stop that a live run carries out)."""
        if verb in ("resume", "advance"):
            commands.clear_command(path)
            return None
        if verb not in commands.STANDING:
            return None
        written = commands.write_command(path, verb, "staged_rollout_command=%s" % verb)
        if verb == "pause":
            message = ("rollout %s: paused; a live run stops dispatching at its next poll round, and no run goes on "
                       "until staged_rollout_command=resume" % rollout_id)
            result.update(changed=True, status=rollout.ROLLOUT_PAUSED, msg=message, lines=[message], prompt=False,
                          result={"rollout_id": rollout_id, "status": rollout.ROLLOUT_PAUSED, "command": written,
                                  "next_step": "run with staged_rollout_command=resume"})
            return result
        try:
            with store.lock.held(rollout_id, take=True):
                pass
        except lock.RolloutLocked as exc:
            message = ("rollout %s: stop requested; the live run (%s) cancels its wave's tasks and aborts at its next "
                       "poll round" % (rollout_id, exc))
            result.update(changed=True, status="stop_requested", msg=message, lines=[message], prompt=False,
                          result={"rollout_id": rollout_id, "status": "stop_requested", "command": written,
                                  "next_step": "watch the live run end aborted"})
            return result
        store.lock.release()
        return None


def operation_lines(args, verb):
    """What the run does after each wave and with the operator's verb (the plan lines cover the dispatch)."""
    lines = []
    if args.get("verify_versions"):
        lines.append("After each wave the versions of its devices whose task succeeded are read back; a device on "
                     "another version counts as failed (staged_rollout_verify_versions).")
    if args.get("health_check"):
        lines.append("After each wave passes its gate, the health-check tasks decide pass, abort or wait before the "
                     "next wave (staged_rollout_health_tasks; wait up to %d s)." % int(args.get("health_timeout") or 0))
    if verb not in ("run", None):
        lines.append("Operator verb: %s." % verb)
    return lines


def awaiting_view(plan, name):
    """The wave waiting for its approval, as the prompt shows it."""
    for wave in plan["waves"]:
        if wave["name"] == name:
            return {"name": name, "devices": wave["devices"],
                    "summary": registry.short_counts(wave)}
    return {"name": name, "devices": 0, "summary": "-"}
