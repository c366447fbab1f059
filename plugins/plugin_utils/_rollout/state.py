# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The journal: every transition of a rollout as :func:`apply_event` records it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.iotfleet.firmware.plugins.module_utils._rollout_args import EVENTS

from .common import (
    ROLLOUT_ABORTED, ROLLOUT_AWAITING_APPROVAL, ROLLOUT_AWAITING_WINDOW, ROLLOUT_AWAITING_HEALTH, ROLLOUT_PAUSED,
    ROLLOUT_COMPLETED, ROLLOUT_FAILED,
    ROLLOUT_INCOMPLETE, ROLLOUT_RUNNING, RolloutError, STATE_FORMAT, WAVE_ABORTED, WAVE_PASSED, WAVE_STARTED
)
from .plan import targets_fingerprint


def new_state(rollout_id, targets, now):
    return {
        "format": STATE_FORMAT,
        "rollout_id": rollout_id,
        "targets": dict(targets),
        "fingerprint": targets_fingerprint(targets),
        "status": ROLLOUT_RUNNING,
        "created_at": now,
        "updated_at": now,
        "waves": {},
        "order": [],
        "abort": None,
        "error": None,
        "awaiting_approval": None,
        "awaiting_window": None,
        "awaiting_health": None,
        "accepted_aborts": [],
        "history": [],
    }


def _stripped(state):
    data = copy.deepcopy(state)
    data.pop("updated_at", None)
    return data


def apply_event(state, event, data, now):
    """Return ``(new_state, changed)`` for one rollout step.

    ``state`` may be ``None`` (first step of a new rollout; ``data`` then needs ``rollout_id`` and
    ``targets``). ``now`` is an ISO time stamp supplied by the caller. A step that changes nothing
    (re-recording what is already recorded) leaves the state byte-identical, so re-running a finished
    rollout writes nothing.

    Events and their ``data``:

    * ``start`` ``{rollout_id, targets, resume_mode}`` - a run begins; an aborted rollout resumed with
      ``resume_mode=resume_aborted`` records the aborted wave as accepted and is running again.
    * ``wave_started`` ``{wave: {name, index, gate, chunks}}`` - before any task of the wave is created;
      a wave already recorded keeps its chunks (re-entry) and counts ``entries``.
    * ``tasks_created`` ``{wave, task_ids: {chunk_key: id}}``.
    * ``wave_passed`` / ``wave_aborted`` ``{wave, result: <gate result>, cancelled: [...], cancel_errors: [...]}``.
    * ``awaiting_approval`` ``{wave}``; ``completed`` ``{}``; ``failed`` ``{wave, message}``.
    * ``awaiting_window`` ``{wave, next_at, reason, not_dispatched}``: the wave's remaining chunks wait for their
      schedule or maintenance window (the wave stays started).
    """
    if event not in EVENTS:
        raise RolloutError("unknown rollout event %r" % event)
    data = data or {}
    if state is None:
        if event != "start":
            raise RolloutError("the first event of a rollout must be 'start', got %r" % event)
        state = new_state(data["rollout_id"], data["targets"], now)
        before = None
    else:
        before = _stripped(state)
        state = copy.deepcopy(state)
    waves = state.setdefault("waves", {})
    order = state.setdefault("order", [])

    def history(entry):
        entry = dict(entry, at=now, event=event)
        state.setdefault("history", []).append(entry)

    if event == "start":
        mode = data.get("resume_mode") or "new"
        if data.get("coverage") is not None:
            state["coverage"] = data["coverage"]
        if state["status"] == ROLLOUT_ABORTED and mode == "resume_aborted":
            abort = state.get("abort") or {}
            state.setdefault("accepted_aborts", []).append({"wave": abort.get("wave"), "reason": abort.get("reason"),
                                                            "accepted_at": now})
            if abort.get("wave") in waves:
                waves[abort["wave"]]["accepted"] = True
            state["abort"] = None
            state["status"] = ROLLOUT_RUNNING
            history({"wave": abort.get("wave"), "note": "aborted wave accepted, rollout resumed"})
        elif state["status"] in (ROLLOUT_FAILED, ROLLOUT_AWAITING_APPROVAL, ROLLOUT_AWAITING_WINDOW,
                                 ROLLOUT_AWAITING_HEALTH, ROLLOUT_PAUSED):
            state["status"] = ROLLOUT_RUNNING
            state["error"] = None
            history({"note": "rollout resumed"})
        elif before is None:
            history({"note": "rollout started"})
    elif event == "wave_recovered":
        # a wave that has tasks on the platforms but no record here (the journal was lost): started, to be resumed
        spec = data["wave"]
        if spec["name"] not in waves:
            waves[spec["name"]] = {
                "index": spec.get("index"), "status": WAVE_STARTED, "started_at": None, "entered_at": now,
                "finished_at": None, "entries": 0, "gate": spec.get("gate"), "skipped": spec.get("skipped"),
                "chunks": [dict(chunk) for chunk in spec.get("chunks") or []], "summary": None, "result": None,
                "cancelled": [], "cancel_errors": [], "recovered_at": now}
            order.append(spec["name"])
            history({"wave": spec["name"], "note": "read back from the platforms",
                     "tasks": len([c for c in spec.get("chunks") or [] if c.get("task_id") not in (None, "")])})
    elif event == "wave_approved":
        state.setdefault("approvals", []).append(dict(data, at=now))
        history(dict(data))
    elif event == "abort_accepted":
        # staged_rollout_resume_aborted: a wave found aborted when this run began is accepted as it ended
        record = _wave(state, data["wave"])
        record["accepted"] = True
        state.setdefault("accepted_aborts", []).append({"wave": data["wave"], "reason": data.get("reason"),
                                                        "accepted_at": now})
        if (state.get("abort") or {}).get("wave") == data["wave"]:
            state["abort"] = None
        state["status"] = ROLLOUT_RUNNING
        history({"wave": data["wave"], "note": "aborted wave accepted, rollout resumed"})
    elif event == "wave_started":
        spec = data["wave"]
        name = spec["name"]
        if state["status"] in (ROLLOUT_AWAITING_APPROVAL, ROLLOUT_AWAITING_WINDOW):
            state["status"] = ROLLOUT_RUNNING
        state["awaiting_approval"] = None
        state["awaiting_window"] = None
        record = waves.get(name)
        if record is None:
            waves[name] = {
                "index": spec.get("index"),
                "status": WAVE_STARTED,
                "started_at": now,
                "entered_at": now,
                "finished_at": None,
                "entries": 1,
                "gate": spec.get("gate"),
                "skipped": spec.get("skipped"),
                "chunks": [dict(chunk, task_id=chunk.get("task_id")) for chunk in spec.get("chunks") or []],
                "summary": None,
                "result": None,
                "cancelled": [],
                "cancel_errors": [],
            }
            order.append(name)
            history({"wave": name, "devices": sum(len(c["devices"]) for c in spec.get("chunks") or [])})
        elif record["status"] == WAVE_STARTED:
            record["entries"] = int(record.get("entries") or 1) + 1
            record["entered_at"] = now
            history({"wave": name, "note": "re-entered"})
        state["status"] = ROLLOUT_RUNNING
    elif event == "tasks_created":
        record = _wave(state, data["wave"])
        ids = data.get("task_ids") or {}
        for chunk in record["chunks"]:
            if ids.get(chunk["key"]) not in (None, ""):
                chunk["task_id"] = ids[chunk["key"]]
        missing = [c["key"] for c in record["chunks"] if c.get("task_id") in (None, "")]
        if missing:
            raise RolloutError("no task id for %s" % ", ".join(missing))
    elif event in ("wave_passed", "wave_aborted"):
        name = data["wave"]
        record = _wave(state, name)
        result = data.get("result") or {}
        if record["status"] == WAVE_STARTED:
            record["status"] = WAVE_PASSED if event == "wave_passed" else WAVE_ABORTED
            record["finished_at"] = now
            record["summary"] = result.get("summary")
            record["result"] = dict((k, result.get(k)) for k in ("decision", "reason", "trigger", "elapsed",
                                                                 "timed_out", "failure_percent_of_finished"))
            record["cancelled"] = list(data.get("cancelled") or [])
            record["cancel_errors"] = list(data.get("cancel_errors") or [])
            history({"wave": name, "reason": result.get("reason")})
        if event == "wave_aborted" and record["status"] == WAVE_ABORTED and not record.get("accepted"):
            state["status"] = ROLLOUT_ABORTED
            state["abort"] = {"wave": name, "reason": (record.get("result") or {}).get("reason"),
                              "at": record.get("finished_at")}
    elif event == "awaiting_approval":
        state["status"] = ROLLOUT_AWAITING_APPROVAL
        state["awaiting_approval"] = data["wave"]
        if before is None or before.get("awaiting_approval") != data["wave"] or before.get("status") != ROLLOUT_AWAITING_APPROVAL:
            history({"wave": data["wave"]})
    elif event == "awaiting_window":
        # the wave stays started: a later run dispatches its remaining chunks when their time comes
        state["status"] = ROLLOUT_AWAITING_WINDOW
        waiting = {"wave": data["wave"], "next_at": data.get("next_at"), "reason": data.get("reason"),
                   "not_dispatched": data.get("not_dispatched")}
        if state.get("awaiting_window") != waiting:
            history(dict(waiting))
        state["awaiting_window"] = waiting
    elif event == "paused":
        if state["status"] != ROLLOUT_PAUSED:
            history({"wave": data.get("wave"), "by": data.get("by")})
        state["status"] = ROLLOUT_PAUSED
    elif event == "stopped":
        # staged_rollout_command=stop between waves: the rollout ends aborted, no wave was running
        state["status"] = ROLLOUT_ABORTED
        state["abort"] = {"wave": data.get("wave"), "reason": data.get("reason"), "at": now}
        history({"wave": data.get("wave"), "reason": data.get("reason")})
    elif event == "awaiting_health":
        state["status"] = ROLLOUT_AWAITING_HEALTH
        if (state.get("awaiting_health") or {}).get("wave") != data["wave"]:
            state["awaiting_health"] = {"wave": data["wave"], "since": now, "checks": 0}
            history({"wave": data["wave"]})
    elif event == "health_checked":
        # the health-check tasks' verdict on a wave that passed its gate: pass, abort (the wave and the rollout
        # abort), or wait (asked again later)
        name = data["wave"]
        pending = state.get("awaiting_health") or {}
        record = _wave(state, name)
        checks = int(pending.get("checks") or 0) + 1
        record["health"] = {"decision": data["decision"], "reason": data.get("reason"), "at": now, "checks": checks}
        history({"wave": name, "decision": data["decision"], "reason": data.get("reason")})
        if data["decision"] == "wait":
            state["awaiting_health"] = dict(pending, wave=name, checks=checks)
        else:
            state["awaiting_health"] = None
            state["status"] = ROLLOUT_RUNNING
        if data["decision"] == "abort":
            record["status"] = WAVE_ABORTED
            record["result"] = dict(record.get("result") or {}, decision="abort", trigger="health_check",
                                    reason="health check: %s" % (data.get("reason") or "abort"))
            state["status"] = ROLLOUT_ABORTED
            state["abort"] = {"wave": name, "reason": record["result"]["reason"], "at": now}
    elif event == "completed":
        if state["status"] not in (ROLLOUT_COMPLETED, ROLLOUT_INCOMPLETE):
            unfinished = [n for n, w in waves.items() if w["status"] == WAVE_STARTED]
            if unfinished:
                raise RolloutError("cannot complete rollout: waves %s are still started" % ", ".join(unfinished))
            uncovered = int(data.get("uncovered") or 0)
            state["status"] = ROLLOUT_INCOMPLETE if uncovered else ROLLOUT_COMPLETED
            state["completed_at"] = now
            history({"uncovered": uncovered} if uncovered else {})
    elif event == "failed":
        state["status"] = ROLLOUT_FAILED
        state["error"] = {"wave": data.get("wave"), "message": data.get("message"), "at": now}
        history({"wave": data.get("wave"), "message": data.get("message")})

    changed = before is None or _stripped(state) != before
    if changed:
        state["updated_at"] = now
    else:
        state = copy.deepcopy(state)
        state["updated_at"] = (before or {}).get("updated_at", state.get("updated_at"))
    return state, changed


def _wave(state, name):
    record = (state.get("waves") or {}).get(name)
    if record is None:
        raise RolloutError("wave %r has not been started in rollout %r" % (name, state.get("rollout_id")))
    return record
