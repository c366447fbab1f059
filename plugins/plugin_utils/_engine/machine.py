# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The rollout's state machine: every transition of a run is decided and recorded here, and only here.

A run (``rollout_run``) goes: start (claims the run lock) -> read back from the platforms the waves the journal
does not know (``recover``) -> for each wave in order: skip it (passed or accepted), resume it (started: it was
approved when it started), ask for its approval, or start it -> the wave ends passed, aborted or failed ->
completed (every selected device in a wave that passed or was accepted) or incomplete (some are in no stage).

The pure functions decide (who may approve, whether a person can be asked, what is next, what the result says);
:class:`RolloutRun` applies their decisions through :func:`_rollout.apply_event` to the journal.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _rollout as rollout

from . import driver, recover, state

# ansible-runner (AWX, Automation Controller, ansible-navigator) sets this in every job's environment
RUNNER_ENV = "AWX_ISOLATED_DATA_DIR"
FALSE_TEXTS = ("", "0", "false", "no", "off")


def _first(variables, *names):
    for name in names:
        value = variables.get(name)
        if value not in (None, ""):
            return value
    return None


def run_context(task_vars, environ):
    """Where this run happens: an AWX job (and workflow), ansible-runner, CI."""
    return {
        "awx_job_id": _first(task_vars, "awx_job_id", "tower_job_id"),
        "workflow_job_id": _first(task_vars, "awx_workflow_job_id", "tower_workflow_job_id"),
        "runner": bool(environ.get(RUNNER_ENV)),
        "ci": str(environ.get("CI", "")).strip().lower() not in FALSE_TEXTS,
    }


def interactive(setting, context):
    """``(ask a person?, why not)``. Never where no person can answer, whatever the setting says."""
    setting = str(setting).strip().lower()
    if setting in FALSE_TEXTS:
        return False, "staged_rollout_interactive is false"
    reasons = []
    if context["awx_job_id"] is not None:
        reasons.append("this is an AWX / Automation Controller job")
    elif context["runner"]:
        reasons.append("ansible-runner runs this job (%s is set)" % RUNNER_ENV)
    if context["ci"]:
        reasons.append("CI is set")
    if reasons:
        return False, "; ".join(reasons)
    return True, None


def grants(rollout_id, context, approved_waves=(), node_wave=None, previous=None, prompt_approved=None):
    """``({wave: how it was approved}, [notes])``: the approvals this run holds.

    * ``staged_rollout_approved_waves``: a command-line approval; refused in an AWX job, where only the workflow's
      approval nodes approve.
    * ``node_wave`` (``staged_rollout_workflow_wave``, the workflow node's extra data) with ``previous`` (the
      ``staged_rollout_result`` artifact AWX passes from the node before the approval node): an approval when the
      artifact's ``approval_request`` names this rollout, this wave and this workflow job.
    * ``prompt_approved``: the wave a person approved at the prompt of this run.

    An approval lets a wave start only when that wave is the next gated wave of the rollout (:class:`RolloutRun`).
    """
    out, notes = {}, []
    approved_waves = [str(w) for w in (approved_waves or []) if str(w)]
    if approved_waves:
        if context["awx_job_id"] is not None:
            raise rollout.RolloutError(
                "staged_rollout_approved_waves (%s) is not accepted in an AWX job: a wave's approval comes from the "
                "workflow's approval node, passed on by the controller; remove the variable"
                % ", ".join(approved_waves))
        for wave in approved_waves:
            out[wave] = "staged_rollout_approved_waves"
    if node_wave:
        request = (previous or {}).get("approval_request") if isinstance(previous, dict) else None
        why = workflow_mismatch(rollout_id, context, node_wave, request)
        if why:
            notes.append("The approval before this job is not taken for wave %s: %s." % (node_wave, why))
        else:
            out[node_wave] = "AWX workflow approval (workflow job %s)" % context["workflow_job_id"]
    if prompt_approved and context["awx_job_id"] is None:
        out[str(prompt_approved)] = "prompt"
    return out, notes


def workflow_mismatch(rollout_id, context, node_wave, request):
    """Why the artifact before this workflow node is not an approval of ``node_wave``, or ``None``."""
    if context["workflow_job_id"] is None:
        return "this job is not part of an AWX workflow"
    if not isinstance(request, dict):
        return "the previous node published no approval request"
    if request.get("rollout_id") != rollout_id:
        return "the request is for rollout %r" % request.get("rollout_id")
    if str(request.get("workflow_job_id")) != str(context["workflow_job_id"]):
        return "the request was made in workflow job %s, this is workflow job %s" % (
            request.get("workflow_job_id"), context["workflow_job_id"])
    if request.get("wave") != node_wave:
        return "the previous node asked for the approval of wave %s" % request.get("wave")
    return None


def check_health_result(given):
    """``(decision, reason)`` of the health-check tasks, or :class:`RolloutError` naming the variable."""
    decision = str(given.get("decision") or "").strip().lower()
    if decision not in rollout.HEALTH_DECISIONS:
        raise rollout.RolloutError(
            "staged_rollout_health must be one of %s after the health-check tasks of wave %s, got %r: set it with "
            "ansible.builtin.set_fact in staged_rollout_health_tasks" % (
                ", ".join(rollout.HEALTH_DECISIONS), given.get("wave"), given.get("decision")))
    reason = given.get("reason")
    return decision, (str(reason) if reason not in (None, "") else None)


def needs_approval(wave):
    """A wave that has not started and would create tasks needs its approval (when its gate asks for one)."""
    return bool(wave["gate"].get("approval")) and wave["action"] == "run" and bool(wave["chunks"])


def next_step(status, wave, context, interactive_why):
    """The operator's next step after a run that ended in ``status``."""
    if status == rollout.ROLLOUT_COMPLETED:
        return "none: every selected device is in a wave that passed or was accepted"
    if status == rollout.ROLLOUT_INCOMPLETE:
        return ("add stages for the devices that no stage covers and run the same rollout id again, or leave them "
                "out on purpose")
    if status == rollout.ROLLOUT_AWAITING_APPROVAL:
        if context["workflow_job_id"] is not None:
            return ("approve the workflow's approval node for wave %s (a denial ends the workflow; launching it again "
                    "continues the rollout and asks again)" % wave)
        if context["awx_job_id"] is not None:
            return ("run the rollout from the approval workflow: wave %s needs the approval of its approval node"
                    % wave)
        return ("approve wave %s: run again at a terminal and answer the prompt, or run again with "
                "-e '{\"staged_rollout_approved_waves\": [\"%s\"]}' (%s)" % (wave, wave, interactive_why or "no prompt"))
    if status == rollout.ROLLOUT_PAUSED:
        return ("run the same rollout id with staged_rollout_command=resume to go on (advance also approves the next "
                "wave that needs an approval)")
    if status == rollout.ROLLOUT_AWAITING_HEALTH:
        return ("run the role (with staged_rollout_health_tasks) for the same rollout id: the health-check tasks of "
                "wave %s decide pass, abort or wait" % wave)
    if status == rollout.ROLLOUT_AWAITING_WINDOW:
        return ("run the same rollout id again at or after the next opening (an AWX schedule does this); the wave's "
                "remaining devices are dispatched then, those already dispatched are not sent again")
    if status == rollout.ROLLOUT_ABORTED:
        return ("check the devices of wave %s (report); then run again with staged_rollout_resume_aborted=true to "
                "accept the wave as it ended and go on, or start a new rollout id" % wave)
    if status == rollout.ROLLOUT_FAILED:
        return "fix the error and run the same rollout id again: waves are read back, no task is created twice"
    return "-"


class RolloutRun:
    """One run of a rollout against the journal ``store`` and the platforms ``providers``.

    ``made``: the output of ``planning.make_plan``; ``providers``: a ``connect.ProviderSets`` (fresh providers for
    each wave); ``approvals``: :func:`grants`; ``options``: the wave options of
    the engine (``rollout_wave.wave_options``) plus ``resume_aborted``, ``uncovered``.
    """

    def __init__(self, store, made, providers, approvals, options, display=None, sleep=time.sleep, clock=time.time):
        self.store = store
        self.made = made
        self.rollout_id = made["plan"]["rollout_id"]
        self.targets = made["targets"]
        self.providers = providers
        self.approvals = dict(approvals or {})
        self.options = dict(options or {})
        self.display = display or (lambda line: None)
        self.sleep = sleep
        self.clock = clock
        self.notes = []
        self.plan = made["plan"]
        self.waves_run = []
        self.deferred = list(made.get("deferred") or [])
        self.prefetch = None

    def _now(self):
        return rollout.utc_text(self.clock())

    def event(self, event, data, take=False):
        def change(state):
            return rollout.apply_event(state, event, data, self._now())
        return self.store.update(change, take=take)

    # ---- the run -------------------------------------------------------------------------------

    def start(self):
        self.event("start", {"rollout_id": self.rollout_id, "targets": self.targets,
                             "resume_mode": self.plan["resume"]["mode"],
                             "coverage": {"uncovered": self.options.get("uncovered", 0)}}, take=True)
        if self.store.took_over:
            self.notes.append(state.takeover_note(self.store.took_over))
            self.display(self.notes[-1])

    def read_back(self):
        """Waves the journal does not know but the platforms do: recorded as started, then planned again."""
        records, notes, tasks = recover.recover(self.plan, self.made["devices"], self.targets, self.providers.new(),
                                                self.options.get("chunk_sizes"),
                                                settle_seconds=float(self.options.get("settle_seconds", 0)),
                                                sleep=self.sleep, new_providers=self.providers.new)
        self.notes += notes
        for record in records:
            self.event("wave_recovered", {"wave": record})
        if records:
            self.notes.append("Read back from the platforms: %d tasks; waves %s had started before this run."
                              % (tasks, ", ".join(r["name"] for r in records)))
            state = self.store.load()
            self.plan = self.replan(state)
        return records

    def replan(self, state):
        from . import planning
        plan = planning.plan_from(self.made["args"], self.made["devices"], self.targets, state)
        plan["source"] = self.plan.get("source")
        plan["duplicates"] = self.plan.get("duplicates")
        return plan

    def run(self):
        """Run waves until the rollout ends or needs an approval; returns ``(status, wave)``."""
        self.start()
        self.read_back()
        self.start_prefetch()
        pending = (self.store.load() or {}).get("awaiting_health")
        if pending:
            stop = self.health(pending["wave"])
            if stop:
                return stop
        names = [w["name"] for w in self.plan["waves"]]
        for position, name in enumerate(names):
            wave = self.refreshed(self.wave_named(name))
            if wave["action"] == "skip":
                continue
            verb = self.verb()
            if verb == "pause":
                self.event("paused", {"wave": wave["name"], "by": "staged_rollout_command=pause"})
                return rollout.ROLLOUT_PAUSED, wave["name"]
            if verb == "stop" and wave["action"] != "resume":
                self.event("stopped", {"wave": wave["name"], "reason": "stopped by the operator "
                                                                       "(staged_rollout_command=stop) before wave %s"
                                                                       % wave["name"]})
                return rollout.ROLLOUT_ABORTED, wave["name"]
            if needs_approval(wave):
                how = self.approvals.get(wave["name"])
                if not how and self.options.get("advance"):
                    how, self.options["advance"] = "staged_rollout_command=advance", False
                if not how:
                    self.event("awaiting_approval", {"wave": wave["name"]})
                    return rollout.ROLLOUT_AWAITING_APPROVAL, wave["name"]
                self.event("wave_approved", {"wave": wave["name"], "by": how})
                # an approval is spent on the wave it approved: the next gated wave asks again
                self.approvals = dict((name, by) for name, by in self.approvals.items()
                                      if by == "staged_rollout_approved_waves")
            outcome = self.run_wave(wave)
            self.waves_run.append(wave["name"])
            if outcome["status"] == rollout.ROLLOUT_FAILED:
                return rollout.ROLLOUT_FAILED, wave["name"]
            if outcome["status"] == rollout.ROLLOUT_PAUSED:
                self.event("paused", {"wave": wave["name"], "by": "staged_rollout_command=pause"})
                return rollout.ROLLOUT_PAUSED, wave["name"]
            if outcome["status"] == rollout.ROLLOUT_AWAITING_WINDOW:
                self.event("awaiting_window", dict(outcome["awaiting_window"], wave=wave["name"]))
                return rollout.ROLLOUT_AWAITING_WINDOW, wave["name"]
            if outcome["status"] == rollout.WAVE_ABORTED:
                if not self.accept_abort(wave, outcome):
                    return rollout.ROLLOUT_ABORTED, wave["name"]
            elif self.options.get("health_check"):
                self.event("awaiting_health", {"wave": wave["name"]})
                stop = self.health(wave["name"])
                if stop:
                    return stop
            pause = int(wave["gate"].get("pause_seconds") or 0)
            if pause and position < len(names) - 1:
                self.display("pausing %d s after wave %s" % (pause, wave["name"]))
                self.sleep(pause)
        self.event("completed", {"uncovered": self.options.get("uncovered", 0)})
        return self.store.load()["status"], None

    def run_wave(self, wave):
        options = dict(self.options, device_windows=self.device_windows(wave))
        runner = driver.WaveDriver(self.store, self.rollout_id, wave, self.targets, self.providers.new(),
                                   options=options, display=self.display, sleep=self.sleep, clock=self.clock)
        return runner.run()

    def device_windows(self, wave):
        """``{uid: window record}`` of the devices as the inventory describes them now (a started wave's chunks not
        dispatched yet follow a moved window); ``None`` when no device has a window and no chunk of ``wave`` had one
        (nothing to follow: a million devices need no map of a million ``None``)."""
        devices = self.made.get("devices") or []
        if not any(chunk.get("window") for chunk in wave.get("chunks") or []) and not any(
                device.get("window") for device in devices):
            return None
        return dict((device["uid"], device.get("window")) for device in devices)

    def wave_named(self, name):
        """The wave of the current plan (planned again after a read-back or a version refresh)."""
        return dict((w["name"], w) for w in self.plan["waves"])[name]

    def start_prefetch(self):
        """The later waves' versions are read in a thread while the first wave runs (``planning.make_plan`` read
        the first wave's only)."""
        waves = dict((w["name"], w) for w in self.plan["waves"])
        self.deferred = [name for name in self.deferred if waves.get(name, {}).get("action") == "run"]
        if not self.deferred:
            return
        from . import refresh
        members = recover.wave_members(self.rollout_id, self.made["devices"], self.plan["waves"])
        devices = [device for name in self.deferred for device in members[name]]
        devices, fresh = refresh.fresh_versions(devices, int(self.options.get("version_max_age") or 0), self.clock())
        if fresh:
            self.notes.append(refresh.fresh_line(fresh, int(self.options.get("version_max_age") or 0)))
        self.prefetch = refresh.Prefetch(devices, self.targets, self.providers.new).start()

    def refreshed(self, wave):
        """``wave`` planned again with its devices' current versions, once the prefetch has them."""
        if wave["name"] not in self.deferred or self.prefetch is None:
            return wave
        from . import refresh
        started = self.clock()
        stats = self.prefetch.wait()
        self.prefetch, self.deferred = None, []
        for line in refresh.refresh_lines(stats):
            self.notes.append(line.replace(" read from the platform", " read while the earlier waves ran"))
            self.display(self.notes[-1])
        if self.clock() - started >= 1:
            self.display("waited %d s for the versions of the later waves" % (self.clock() - started))
        self.plan = self.replan(self.store.load())
        return dict((w["name"], w) for w in self.plan["waves"])[wave["name"]]

    def verb(self):
        watch = self.options.get("watch")
        return watch() if watch else None

    def health(self, name):
        """The health-check tasks' verdict on wave ``name`` (passed its gate): ``None`` to go on, else the
        ``(status, wave)`` the run stops with. Without a verdict for this wave the run stops with status
        ``awaiting_health`` and the role runs the tasks, then calls again with their verdict."""
        given = self.options.get("health_result") or {}
        if not self.options.get("health_check") and given.get("wave") != name:
            given = {"wave": name, "decision": "pass", "reason": "no staged_rollout_health_tasks in this run"}
        if given.get("wave") != name:
            return rollout.ROLLOUT_AWAITING_HEALTH, name
        self.options["health_result"] = None  # a verdict is spent on the check it answered
        decision, reason = check_health_result(given)
        pending = (self.store.load() or {}).get("awaiting_health") or {}
        waited = self.clock() - rollout.parse_utc(pending["since"]) if pending.get("since") else 0.0
        if decision == "wait" and waited >= float(self.options.get("health_timeout") or 0):
            decision, reason = "abort", "no pass within staged_rollout_health_timeout (%d s); last: wait (%s)" % (
                int(self.options.get("health_timeout") or 0), reason or "-")
        self.event("health_checked", {"wave": name, "decision": decision, "reason": reason})
        if decision == "pass":
            return None
        if decision == "abort":
            return rollout.ROLLOUT_ABORTED, name
        self.display("health check of wave %s: wait (%s); asking again in %d s"
                     % (name, reason or "-", int(self.options.get("health_wait_seconds") or 60)))
        self.sleep(float(self.options.get("health_wait_seconds") or 60))
        self.event("awaiting_health", {"wave": name})
        return rollout.ROLLOUT_AWAITING_HEALTH, name

    def accept_abort(self, wave, outcome):
        """``staged_rollout_resume_aborted`` accepts a wave that had ended aborted before this run (read back or
        resumed with nothing created), never one that this run has just seen abort."""
        created_now = sum(int(stats.get("created", 0)) + int(stats.get("reconciled", 0))
                          for stats in (outcome.get("create_stats") or {}).values())
        before_this_run = wave["action"] == "resume" and not created_now and int(outcome.get("rounds") or 0) <= 1
        if not (self.options.get("resume_aborted") and before_this_run):
            return False
        self.event("abort_accepted", {"wave": wave["name"], "reason": outcome.get("reason")})
        return True
