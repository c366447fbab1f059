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

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _platforms as registry
from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _rollout as rollout
from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import ValidationError

from ansible_collections.iotfleet.firmware.plugins.plugin_utils._rollout import dispatch

from . import ending, planner, poller, report
from .ending import WaveFailed, _expected, _with_platform  # noqa: F401  (WaveFailed: the error the actions catch)


def poll_interval(poll_seconds, tasks_by_scope):
    """Seconds between two rounds (:func:`_rollout.poll_interval` for the wave's tasks per platform)."""
    counts = {}
    for scope, tasks in tasks_by_scope.items():
        counts[scope[0]] = counts.get(scope[0], 0) + len(tasks)
    return rollout.poll_interval(poll_seconds, counts)


class WaveDriver(ending.WaveEnding):
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
        self.journal_before = ending.store_stats(store)

    # ---- state ---------------------------------------------------------------------------------

    def _now(self):
        return rollout.utc_text(self.clock())

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
        """Persist ``{chunk_key: fields}`` at once: a task id the moment its create (or lookup) returns. One line
        appended to the journal (``StateStore.record_chunks``), not the whole state written again."""
        unknown = sorted(set(updates) - set(chunk["key"] for chunk in self._chunks))
        if unknown:
            raise WaveFailed("wave %r of the state file %s has no chunk %s"
                             % (self.name, self.store.path, ", ".join(unknown)))
        with self._lock:
            state = self.store.record_chunks(self.name, updates)
        self._chunks = state["waves"][self.name]["chunks"]

    # ---- the wave ------------------------------------------------------------------------------

    def run(self):
        spec = dict((k, self.wave.get(k)) for k in ("name", "index", "gate", "skipped", "chunks"))
        state = self._event("wave_started", {"wave": spec})
        record = state["waves"][self.name]
        self._chunks = record["chunks"]
        gate = record.get("gate") or self.wave.get("gate") or {}
        entered = rollout.parse_utc(record["entered_at"])
        if not self._chunks:
            return self._finish_empty(gate)
        self._follow_windows()
        try:
            self._work_of = self._works()
            result, progress = self._drive(gate, entered, dispatch.control_of(self.wave, self.options))
            if result.get("awaiting_window"):
                return self._wait_window(result, progress)
            if result.get("paused"):
                return self._paused(result)
            return self._finish(result, progress)
        except Exception as exc:
            if not _expected(exc):
                raise
            return self._fail(exc)

    def _follow_windows(self):
        """Chunks not dispatched yet take their devices' current maintenance window (the operator may have moved
        it since the wave started), when the devices agree on one; a chunk whose create may be on its way
        (``posting_at``) keeps its record."""
        current = self.options.get("device_windows")
        if not current:
            return
        updates = {}
        for chunk in self._chunks:
            if dispatch.dispatched(chunk) or chunk.get("posting_at"):
                continue
            uids = [rollout.device_uid(chunk["platform"], d, chunk.get("product_id")) for d in chunk["devices"]]
            if any(uid not in current for uid in uids):
                continue
            found = set(json.dumps(current[uid], sort_keys=True) for uid in uids)
            if len(found) != 1:
                self.display("wave %s: the devices of chunk %s now have different maintenance windows; it keeps the "
                             "window it was planned with" % (self.name, chunk["key"]))
                continue
            window = current[uids[0]] or None
            if window != (chunk.get("window") or None):
                updates[chunk["key"]] = {"window": window}
        if updates:
            self._record_chunks(updates)

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

    def _dispatch(self, keys):
        """Create the tasks of the chunks ``keys`` (the platforms at the same time, one thread each)."""
        keys = set(keys)
        if not keys:
            return
        started = self.monotonic()
        platforms = set(c["platform"] for c in self._chunks if c["key"] in keys)
        self._per_platform(lambda platform: self._create(platform, self._work_of, keys), platforms)
        self.phase_seconds["create"] = round(self.phase_seconds["create"] + self.monotonic() - started, 3)

    def _create(self, platform, works, keys):
        stats = self.stats.setdefault(platform, {})
        for (scope_platform, product_id), chunks in planner.scopes(self._chunks).items():
            chunks = [c for c in chunks if c["key"] in keys]
            if scope_platform != platform or not chunks:
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

    def _drive(self, gate, entered, control):
        """Dispatch the chunks whose time has come, read the progress of the dispatched ones, decide; until the
        gate passes with every chunk dispatched, or aborts, or the rest must wait longer than the run may."""
        started = self.monotonic()
        progress = {}
        last_dispatch = entered
        end_handled = False
        while True:
            self.rounds += 1
            self.store.heartbeat()
            verb = self._verb()
            if verb == "pause":
                return dict(self._gate(gate, progress, 0.0), paused=True), progress
            if verb == "stop":
                self._force_cancel = True
                return self._gate_abort(gate, progress, "stopped by the operator (staged_rollout_command=stop)",
                                        "operator"), progress
            choice = self._choose(control, progress)
            if choice["abort"]:
                return self._gate_abort(gate, progress, choice["abort"], "ramp"), progress
            if self.rounds == 1:
                # the scopes of tasks recorded by an earlier run are prepared too (the package must still exist, and
                # it sets the provider's scope for the progress reads); nothing recorded is created again
                recorded = [c["key"] for c in self._chunks if dispatch.dispatched(c)]
                self._dispatch(choice["dispatch"] + recorded)
                if choice["dispatch"]:
                    last_dispatch = self.clock()
            elif choice["dispatch"]:
                self._dispatch(choice["dispatch"])
                last_dispatch = self.clock()
            if not end_handled and self._end_passed(control):
                end_handled = True
                if (control.get("schedule") or {}).get("at_end") == "cancel":
                    self._end_cancel(progress)
            tasks = poller.wave_tasks(self._chunks, self._task_ref)
            poll_seconds = poll_interval(self.options.get("poll_seconds") or self.wave.get("poll_seconds") or 30,
                                         tasks)
            self._read_pending(tasks, progress)
            result = self._gate(gate, progress, max(0.0, self.clock() - last_dispatch))
            waiting = [c for c in self._chunks if not dispatch.dispatched(c)]
            if waiting and result["decision"] == "pass":
                # the dispatched devices are done: the remaining chunks go when their time comes
                choice = self._choose(control, progress)
                if choice["dispatch"] or choice["abort"]:
                    continue
                pause = self._window_pause(choice, waiting)
                if pause is None:
                    self.phase_seconds["poll"] = round(self.monotonic() - started, 3)
                    return dict(result, awaiting_window=self._window_wait(choice, waiting)), progress
                self.sleep(pause)
                continue
            if result["decision"] != "wait":
                self.phase_seconds["poll"] = round(self.monotonic() - started, 3)
                return result, progress
            self.sleep(poll_seconds)

    def _verb(self):
        """The operator's standing verb (``commands.CommandWatch``): ``pause``, ``stop`` or ``None``."""
        watch = self.options.get("watch")
        return watch() if watch else None

    def _choose(self, control, progress):
        if all(dispatch.dispatched(c) for c in self._chunks):
            return {"dispatch": [], "waiting": {}, "next_at": None, "ended": False, "abort": None}
        busy, finished = poller.chunk_loads(self._chunks, progress)
        return dispatch.choose(self._chunks, self.clock(), control, busy, finished)

    def _end_passed(self, control):
        end_at = (control.get("schedule") or {}).get("end_at")
        return end_at is not None and self.clock() >= end_at

    def _read_pending(self, tasks, progress):
        # a finished task stays finished: later rounds read only the scopes that still have running tasks
        pending = dict((scope, members) for scope, members in tasks.items()
                       if not all(progress.get(t.task_id) is not None and progress[t.task_id].done for t in members))
        if pending:
            platforms = set(scope[0] for scope in pending)
            by_platform = self._per_platform(lambda platform: self._read(platform, pending), platforms)
            for scopes in by_platform.values():
                for values in scopes.values():
                    progress.update(values)

    def _gate(self, gate, progress, elapsed):
        platforms = poller.platform_summaries(self._chunks, progress)
        total = rollout.merge_summaries(list(platforms.values()))
        result = rollout.evaluate_gate(total, gate, elapsed)
        result["platforms"] = platforms
        if self.options.get("show_progress", True):
            self.display(report.progress_line(self.name, result, platforms))
        return result

    def _gate_abort(self, gate, progress, reason, trigger):
        result = self._gate(gate, progress, 0.0)
        result.update(decision="abort", reason=reason, trigger=trigger)
        return result

    def _window_pause(self, choice, waiting):
        """Seconds to wait in this run for the next chunk's time, or ``None`` when the run stops instead."""
        if choice["ended"] or choice["next_at"] is None:
            if not choice["ended"] and any("pace" in r or "ramp" in r for r in choice["waiting"].values()):
                return float(self.options.get("poll_seconds") or 30)  # progress frees the pace: read again
            return None
        wait = max(1.0, choice["next_at"] - self.clock())
        if wait > float(self.options.get("window_max_wait", 3600) or 0):
            return None
        self.display("wave %s: %d chunks (%d devices) wait: %s; waiting %d s" % (
            self.name, len(waiting), sum(len(c["devices"]) for c in waiting),
            sorted(set(choice["waiting"].values()))[0], wait))
        return wait

    def _window_wait(self, choice, waiting):
        devices = sum(len(c["devices"]) for c in waiting)
        reasons = sorted(set(choice["waiting"].values()))
        if choice["ended"]:
            why = ("the stage's end_at has passed with %d devices not dispatched: set a later end_at (or remove it) "
                   "and run the same rollout id again" % devices)
        else:
            why = "%d devices wait (%s)" % (devices, "; ".join(reasons[:3]))
        return {"next_at": rollout.utc_text(choice["next_at"]) if choice["next_at"] is not None else None,
                "reason": why, "not_dispatched": devices, "chunks": len(waiting)}

    def _end_cancel(self, progress):
        """``at_end: cancel``: the stage's end has come; what has not finished is cancelled on the platforms."""
        cancelled, errors = self._cancel(progress, always=True)
        self.display("wave %s: end_at reached, %d tasks cancelled%s" % (
            self.name, len(cancelled), " (errors: %s)" % "; ".join(errors) if errors else ""))
        self.end_cancelled = (cancelled, errors)
