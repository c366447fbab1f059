# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""One wave of a staged rollout, driven in the controller: create what is missing, poll, gate, abort.

The wave's platforms work at the same time, one thread each, each with its one provider (one session, one token)
for the whole wave; the providers pace every call through the transport tier's shared limiter. The state
file is the single record of the wave: every step the YAML used to record (wave started, each task id as
its create returns, passed / aborted / failed) is written here.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import calendar
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _platforms as registry
from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _rollout as rollout
from ansible_collections.iotfleet.firmware.plugins.module_utils._http import IoTError
from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import ValidationError

from . import planner, poller, report


def utc_text(epoch):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def parse_utc(text):
    return float(calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ")))


def poll_interval(poll_seconds, tasks_by_scope):
    """Seconds between two rounds (:func:`_rollout.poll_interval` for the wave's tasks per platform)."""
    counts = {}
    for scope, tasks in tasks_by_scope.items():
        counts[scope[0]] = counts.get(scope[0], 0) + len(tasks)
    return rollout.poll_interval(poll_seconds, counts)


class WaveFailed(Exception):
    def __init__(self, message, detail=None):
        super(WaveFailed, self).__init__(message)
        self.detail = detail or {}


class WaveDriver:
    """Runs one wave.

    ``providers``: ``{platform: Provider}``, or a :class:`connect.Providers` (one provider per platform; the
    tasks carry what their progress reads need, ``Provider.task_ref``).
    """

    def __init__(self, store, rollout_id, wave, targets, providers, options=None, display=None,
                 sleep=time.sleep, clock=time.time, monotonic=time.monotonic):
        self.store = store
        self.rollout_id = rollout_id
        self.wave = wave
        self.name = wave["name"]
        self.targets = targets
        self.providers = providers
        if isinstance(providers, dict):
            self.provider_for = lambda platform, product_id=None: providers.get(platform)
            self.instances = lambda: list(providers.values())
        else:
            self.provider_for = providers.get
            self.instances = providers.instances
        self.options = dict(options or {})
        self.display = display or (lambda line: None)
        self.sleep = sleep
        self.clock = clock
        self.monotonic = monotonic
        self._lock = threading.Lock()
        self.stats = {}
        self.rounds = 0
        self.phase_seconds = {"create": 0.0, "poll": 0.0, "failures": 0.0}

    # ---- state ---------------------------------------------------------------------------------

    def _now(self):
        return utc_text(self.clock())

    def _event(self, event, data, extra=None):
        def change(state):
            if state is None:
                raise WaveFailed("rollout %r has no state file at %s: the run was not started"
                                 % (self.rollout_id, self.store.path))
            new, changed = rollout.apply_event(state, event, data, self._now())
            if extra:
                new["waves"][self.name].update(extra)
                changed = True
            return new, changed
        with self._lock:
            return self.store.update(change)

    def _record_chunks(self, updates):
        """Persist ``{chunk_key: fields}`` at once: a task id the moment its create (or lookup) returns."""
        def change(state):
            chunks = dict((chunk["key"], chunk) for chunk in state["waves"][self.name]["chunks"])
            unknown = sorted(set(updates) - set(chunks))
            if unknown:
                raise WaveFailed("wave %r of the state file %s has no chunk %s"
                                 % (self.name, self.store.path, ", ".join(unknown)))
            for key, fields in updates.items():
                chunks[key].update(fields)
            return state, True
        with self._lock:
            state = self.store.update(change)
        self._chunks = state["waves"][self.name]["chunks"]

    # ---- the wave ------------------------------------------------------------------------------

    def run(self):
        spec = dict((k, self.wave.get(k)) for k in ("name", "index", "gate", "skipped", "chunks"))
        state = self._event("wave_started", {"wave": spec})
        record = state["waves"][self.name]
        self._chunks = record["chunks"]
        gate = record.get("gate") or self.wave.get("gate") or {}
        entered = parse_utc(record["entered_at"])
        if not self._chunks:
            return self._finish_empty(gate)
        try:
            works = self._work_of = self._works()
            started = self.monotonic()
            self._per_platform(lambda platform: self._create(platform, works))
            self.phase_seconds["create"] = round(self.monotonic() - started, 3)
            result, progress = self._poll(gate, entered)
            return self._finish(result, progress)
        except Exception as exc:
            if not _expected(exc):
                raise
            return self._fail(exc)

    def _works(self):
        works = {}
        for chunk in self._chunks:
            provider = self.provider_for(chunk["platform"], chunk.get("product_id"))
            if provider is None:
                raise WaveFailed("wave %r has %s devices but no %s connection was given"
                                 % (self.name, chunk["platform"], chunk["platform"]))
            params = planner.chunk_params(chunk, self.targets, self.options, self.rollout_id, self.name)
            try:
                works[chunk["key"]] = provider.validate(params)
            except ValidationError as exc:
                raise WaveFailed("the task of %s is invalid: %s" % (chunk["key"], exc), {"platform": chunk["platform"]})
        return works

    def _task_ref(self, chunk, task_id):
        provider = self.provider_for(chunk["platform"], chunk.get("product_id"))
        return provider.task_ref(self._work_of[chunk["key"]], task_id)

    def _per_platform(self, job, only=None):
        platforms = [p for p in registry.names() if any(c["platform"] == p for c in self._chunks)
                     and (only is None or p in only)]
        if len(platforms) == 1:
            return {platforms[0]: job(platforms[0])}
        with ThreadPoolExecutor(max_workers=len(platforms), thread_name_prefix="rollout") as pool:
            futures = dict((p, pool.submit(job, p)) for p in platforms)
            results, errors = {}, []
            for platform, future in futures.items():
                try:
                    results[platform] = future.result()
                except Exception as exc:  # both threads finish (their creates are recorded), then the first error
                    errors.append(exc)
            if errors:
                raise errors[0]
            return results

    def _create(self, platform, works):
        stats = {}
        for (scope_platform, product_id), chunks in planner.scopes(self._chunks).items():
            if scope_platform != platform:
                continue
            creator = planner.ScopeCreator(self.provider_for(platform, product_id or None), self._record_chunks,
                                           sleep=self.sleep, monotonic=self.monotonic, clock=self.clock,
                                           reconcile_seconds=float(self.options.get("reconcile_seconds") or 60),
                                           quota_poll_seconds=float(self.options.get("poll_seconds") or 30),
                                           heartbeat=getattr(self.store, "heartbeat", None), display=self.display)
            # the plan dropped devices already on the target version: the lookup need not read them again
            known = dict((device, "") for chunk in chunks for device in chunk["devices"])
            try:
                creator.run(chunks, [works[c["key"]] for c in chunks], known_versions=known)
            except Exception as exc:
                raise _with_platform(exc, platform)
            for key, value in creator.stats.items():
                stats[key] = stats.get(key, 0) + value
        self.stats[platform] = stats

    def _read(self, platform, tasks_by_scope, with_failures=False):
        out = {}
        for scope, tasks in tasks_by_scope.items():
            if scope[0] != platform:
                continue
            try:
                out[scope] = poller.read_scope(self.provider_for(platform, scope[1] or None), tasks,
                                               with_failures=with_failures)
            except Exception as exc:
                raise _with_platform(exc, platform)
        return out

    def _poll(self, gate, entered):
        started = self.monotonic()
        tasks = poller.wave_tasks(self._chunks, self._task_ref)
        poll_seconds = poll_interval(self.options.get("poll_seconds") or self.wave.get("poll_seconds") or 30,
                                     tasks)
        progress = {}
        while True:
            self.rounds += 1
            self.store.heartbeat()
            # a finished task stays finished: later rounds read only the scopes that still have running tasks
            pending = dict((scope, members) for scope, members in tasks.items()
                           if not all(progress.get(t.task_id) is not None and progress[t.task_id].done
                                      for t in members))
            if pending:
                platforms = set(scope[0] for scope in pending)
                by_platform = self._per_platform(lambda platform: self._read(platform, pending), platforms)
                for scopes in by_platform.values():
                    for values in scopes.values():
                        progress.update(values)
            platforms = poller.platform_summaries(self._chunks, progress)
            total = rollout.merge_summaries(list(platforms.values()))
            result = rollout.evaluate_gate(total, gate, max(0.0, self.clock() - entered))
            result["platforms"] = platforms
            if self.options.get("show_progress", True):
                self.display(report.progress_line(self.name, result, platforms))
            if result["decision"] != "wait":
                self.phase_seconds["poll"] = round(self.monotonic() - started, 3)
                return result, progress
            self.sleep(poll_seconds)

    def _failures(self, progress):
        """Failed devices with the platform's reason: one more read of the tasks that have failures."""
        started = self.monotonic()
        failing = {}
        for scope, tasks in poller.wave_tasks(self._chunks, self._task_ref).items():
            mine = [t for t in tasks if (progress.get(t.task_id) and progress[t.task_id].summary.get("failed"))]
            if mine:
                failing[scope] = mine
        failures = []
        if failing:
            detailed = self._per_platform(lambda platform: self._read(platform, failing, with_failures=True))
            for platform, scopes in detailed.items():
                for scope, values in scopes.items():
                    failures += poller.failures_of(values, platform, scope[1] or None)
        self.phase_seconds["failures"] = round(self.monotonic() - started, 3)
        return failures

    def _cancel(self, progress):
        cancelled, errors = [], []
        if not self.options.get("cancel_on_abort", True):
            return cancelled, errors
        for scope, tasks in poller.wave_tasks(self._chunks, self._task_ref).items():
            provider = self.provider_for(scope[0], scope[1] or None)
            for task in tasks:
                state = progress.get(task.task_id)
                if state is not None and state.done:
                    continue
                if not provider.capabilities.can_cancel:
                    continue  # no cancel call on this platform; the report lists its tasks as not cancellable
                try:
                    if provider.cancel(task):
                        cancelled.append(task.task_id)
                except Exception as exc:
                    if not _expected(exc):
                        raise
                    errors.append("task %s: %s" % (task.task_id, planner.describe_error(scope[0], exc)))
        return cancelled, errors

    def _finish(self, result, progress):
        failures = self._failures(progress) if result["summary"]["failed"] else []
        expected = poller.expected_devices(self._chunks)
        flight = []
        for chunk in self._chunks:
            if chunk.get("task_id") in expected:
                for entry in poller.in_flight(progress, {chunk["task_id"]: expected.pop(chunk["task_id"])}):
                    flight.append(dict(entry, platform=chunk["platform"], product_id=chunk.get("product_id")))
        extra = {"failures": failures, "in_flight": [f for f in flight if f["in_progress"]],
                 "platforms": result["platforms"], "rounds": self.rounds,
                 "devices_created": sum(poller.expected_devices(self._chunks).values()),
                 "busy": dict((d, t) for c in self._chunks for d, t in (c.get("busy") or {}).items()),
                 "up_to_date": sorted(d for c in self._chunks for d in (c.get("up_to_date") or []))}
        extra["engine"] = {"phase_seconds": self.phase_seconds, "rounds": self.rounds, "create_stats": self.stats,
                           "api_calls": self._calls()}
        if result["decision"] == "pass":
            self._event("wave_passed", {"wave": self.name, "result": result}, extra)
            status = rollout.WAVE_PASSED
            cancelled, cancel_errors = [], []
        else:
            cancelled, cancel_errors = self._cancel(progress)
            self._event("wave_aborted", {"wave": self.name, "result": result, "cancelled": cancelled,
                                         "cancel_errors": cancel_errors}, extra)
            status = rollout.WAVE_ABORTED
        return self._result(status, result, extra, cancelled=cancelled, cancel_errors=cancel_errors)

    def _finish_empty(self, gate):
        reason = rollout.empty_wave_reason(self.wave)
        result = rollout.evaluate_gate({"total": 0}, gate, 0.0)
        result["reason"] = reason
        extra = {"failures": [], "in_flight": [], "platforms": {}, "rounds": 0, "devices_created": 0, "empty": reason}
        self._event("wave_passed", {"wave": self.name, "result": result}, extra)
        return self._result(rollout.WAVE_PASSED, result, extra)

    def _fail(self, exc):
        platform = getattr(exc, "platform", None) or (getattr(exc, "detail", None) or {}).get("platform")
        cause = getattr(exc, "error", None) or exc
        message = planner.describe_error(platform, cause) if platform and not isinstance(exc, WaveFailed) else str(exc)
        if isinstance(exc, planner.CreateError):
            message = planner.describe_error(platform, cause, text=str(exc))  # it names the call and the error
        detail = planner.error_fields(platform, cause) if platform else {}
        detail["message"] = message
        self._event("failed", {"wave": self.name, "message": message}, {"error_detail": detail})
        return dict(self._result(rollout.ROLLOUT_FAILED, None, {}), failed=True, msg=message, error=detail)

    def _calls(self):
        """API calls of this wave per platform: total, per call, throttle answers (from the providers' logs)."""
        calls = {}
        for provider in self.instances():
            platform = provider.capabilities.platform
            mine = calls.setdefault(platform, {"total": 0, "by_call": {}, "throttled": 0})
            for entry in list(getattr(provider, "call_log", None) or []):
                mine["total"] += 1
                mine["by_call"][entry.get("call")] = mine["by_call"].get(entry.get("call"), 0) + 1
                mine["throttled"] += entry.get("code") in registry.throttle_codes()
        return calls

    def _result(self, status, gate_result, extra, cancelled=(), cancel_errors=()):
        calls = self._calls()
        result = {
            "changed": True,
            "status": status,
            "wave": self.name,
            "decision": gate_result["decision"] if gate_result else None,
            "reason": gate_result["reason"] if gate_result else None,
            "summary": gate_result["summary"] if gate_result else None,
            "platforms": extra.get("platforms") or {},
            "devices_created": extra.get("devices_created", 0),
            "failures": extra.get("failures") or [],
            "in_flight": extra.get("in_flight") or [],
            "cancelled": list(cancelled),
            "cancel_errors": list(cancel_errors),
            "rounds": self.rounds,
            "create_stats": self.stats,
            "api_calls": calls,
            "phase_seconds": self.phase_seconds,
            "state_writes": self.store.writes,
        }
        result["msg"] = "wave %s: %s%s" % (self.name, status, " - %s" % result["reason"] if result["reason"] else "")
        return result


def _expected(exc):
    """Errors the wave reports as its outcome (platform errors, bad input); anything else is a bug."""
    return isinstance(exc, (WaveFailed, planner.CreateError, ValidationError, IoTError))


def _with_platform(exc, platform):
    if getattr(exc, "platform", None) is None:
        try:
            exc.platform = platform
        except AttributeError:  # pragma: no cover
            pass
    return exc
