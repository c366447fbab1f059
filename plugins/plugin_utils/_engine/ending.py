# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""How a wave ends: the failed devices' reasons, the version read-back, the cancels of an abort, the records of a
pass, an abort, a pause, a wait for a window or a failure, and the wave's result (calls, phases, state writes).

:class:`WaveEnding` is the second half of :class:`driver.WaveDriver` (the first half dispatches and polls).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _platforms as registry
from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _rollout as rollout
from ansible_collections.iotfleet.firmware.plugins.plugin_utils._rollout import dispatch

from ansible_collections.iotfleet.firmware.plugins.module_utils._errors import IoTError
from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import ValidationError

from . import planner, poller, verify


def store_stats(store):
    """The journal store's write counters (``StateStore.stats``; empty for a store without them)."""
    stats = getattr(store, "stats", None)
    return stats() if callable(stats) else {}


class WaveFailed(Exception):
    def __init__(self, message, detail=None):
        super(WaveFailed, self).__init__(message)
        self.detail = detail or {}


class WaveEnding:
    """The ending half of a wave driver (its state: ``_chunks``, ``stats``, ``rounds``, ``phase_seconds``...)."""

    def _paused(self, result):
        """``staged_rollout_command=pause``: nothing more is dispatched; the tasks sent run on; the wave stays
        started and a run after ``resume`` goes on with it."""
        extra = {"platforms": result["platforms"], "devices_created": sum(poller.expected_devices(self._chunks).values())}
        out = self._result(rollout.ROLLOUT_PAUSED, result, extra)
        not_sent = [c for c in self._chunks if not dispatch.dispatched(c)]
        out.update(decision="wait", reason="paused by the operator; %d devices not dispatched yet"
                   % sum(len(c["devices"]) for c in not_sent),
                   msg="wave %s: paused by the operator" % self.name)
        return out

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

    def _cancel(self, progress, always=False):
        cancelled, errors = [], []
        if not always and not self.options.get("cancel_on_abort", True):
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
        checked = None
        if self.options.get("verify_versions"):
            checked = self._verify(progress, failures)
            if checked["mismatched"]:
                failures = failures + checked["mismatched"]
                result = self._regate(result, checked["mismatched"])
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
                           "api_calls": self._calls(), "journal": self._journal_writes()}
        if checked is not None:
            extra["verified"] = {"checked": checked["checked"], "mismatched": len(checked["mismatched"]),
                                 "unverified": checked["unverified"], "notes": checked["notes"]}
        if result["decision"] == "pass":
            self._event("wave_passed", {"wave": self.name, "result": result}, extra)
            status = rollout.WAVE_PASSED
            cancelled, cancel_errors = [], []
        else:
            cancelled, cancel_errors = self._cancel(progress, always=getattr(self, "_force_cancel", False))
            self._event("wave_aborted", {"wave": self.name, "result": result, "cancelled": cancelled,
                                         "cancel_errors": cancel_errors}, extra)
            status = rollout.WAVE_ABORTED
        return self._result(status, result, extra, cancelled=cancelled, cancel_errors=cancel_errors)

    def _verify(self, progress, failures):
        """Read back the versions of the devices whose task succeeded (``verify.py``), per platform at once."""
        started = self.monotonic()
        by_platform = self._per_platform(lambda platform: self._verify_platform(platform, progress, failures))
        out = {"checked": 0, "mismatched": [], "unverified": 0, "notes": []}
        for platform in sorted(by_platform):
            found = by_platform[platform]
            for key in ("checked", "unverified"):
                out[key] += found[key]
            out["mismatched"] += found["mismatched"]
            out["notes"] += found["notes"]
        self.phase_seconds["verify"] = round(self.monotonic() - started, 3)
        if out["checked"]:
            self.display("wave %s: versions read back from %d devices, %d not on the target version%s" % (
                self.name, out["checked"], len(out["mismatched"]),
                ", %d without a reported version" % out["unverified"] if out["unverified"] else ""))
        return out

    def _verify_platform(self, platform, progress, failures):
        chunks = [c for c in self._chunks if c["platform"] == platform]
        try:
            return verify.verify(chunks, progress, failures, self.provider_for, self._work_of, self.targets)
        except Exception as exc:
            raise _with_platform(exc, platform)

    def _regate(self, result, mismatched):
        """The gate again, with the devices that did not reach the target version counted as failed."""
        summary = verify.adjusted_summary(result["summary"], mismatched)
        again = rollout.evaluate_gate(summary, result["gate"], result.get("elapsed") or 0.0)
        again["platforms"] = result["platforms"]
        again["reason"] = "after the version read-back (%d devices report another version): %s" % (
            len(mismatched), again["reason"])
        if again["decision"] == "wait":
            again["decision"] = result["decision"]
        return again

    def _wait_window(self, result, progress):
        """The remaining chunks wait past this run: the wave stays started; a later run dispatches them."""
        waiting = result["awaiting_window"]
        extra = {"platforms": result["platforms"], "devices_created": sum(poller.expected_devices(self._chunks).values())}
        out = self._result(rollout.ROLLOUT_AWAITING_WINDOW, result, extra,
                           *getattr(self, "end_cancelled", ((), ())))
        out.update(awaiting_window=waiting, decision="wait", reason=waiting["reason"],
                   msg="wave %s: awaiting its window - %s" % (self.name, waiting["reason"]))
        del progress
        return out

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

    def _journal_writes(self):
        """What this wave wrote to the journal so far: whole writes and appended lines, their bytes and seconds."""
        now = store_stats(self.store)
        return dict((key, round(value - self.journal_before.get(key, 0), 6)) for key, value in now.items())

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
            "journal_writes": self._journal_writes(),
        }
        result["msg"] = "wave %s: %s%s" % (self.name, status, " - %s" % result["reason"] if result["reason"] else "")
        return result


def _with_platform(exc, platform):
    if getattr(exc, "platform", None) is None:
        try:
            exc.platform = platform
        except AttributeError:  # pragma: no cover
            pass
    return exc


def _expected(exc):
    """Errors the wave reports as its outcome (platform errors, bad input); anything else is a bug."""
    return isinstance(exc, (WaveFailed, planner.CreateError, ValidationError, IoTError))
