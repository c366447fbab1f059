# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Per-device summaries and the gate decision of a wave (wait / pass / abort)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from .common import _fmt, _percent
from .stages import normalize_gate


def make_summary(total, succeeded, failed, in_progress):
    total = int(total)
    succeeded = int(succeeded)
    failed = int(failed)
    in_progress = int(in_progress)
    return {
        "total": total,
        "succeeded": succeeded,
        "failed": failed,
        "in_progress": in_progress,
        "finished": succeeded + failed,
        "success_percent": _percent(succeeded, total),
        "failure_percent": _percent(failed, total),
    }


def merge_summaries(summaries, expected_total=None):
    """Add up module ``summary`` dicts; devices the platforms do not report yet count as in progress.

    ``expected_total`` is the number of devices the wave sent to the platforms: a platform that has not
    created all per-device rows yet must not make the wave look finished.
    """
    total = succeeded = failed = in_progress = 0
    for summary in summaries:
        summary = summary or {}
        succeeded += int(summary.get("succeeded") or 0)
        failed += int(summary.get("failed") or 0)
        reported = int(summary.get("total") or 0)
        total += reported
        in_progress += max(0, reported - int(summary.get("succeeded") or 0) - int(summary.get("failed") or 0))
    if expected_total is not None and expected_total > total:
        in_progress += expected_total - total
        total = expected_total
    return make_summary(total, succeeded, failed, in_progress)


def evaluate_gate(summary, gate, elapsed=0.0):
    """Decide what a wave does next: ``wait``, ``pass`` or ``abort``.

    Definitions (all devices are those of the wave):

    * error threshold: abort as soon as ``finished >= min_finished`` and the failure rate of the
      *finished* devices, ``failed / finished * 100``, is greater than ``error_percent``
      (like AWS IoT Jobs' abort criteria with ``minNumberOfExecutedThings``);
    * success condition: once no device is in progress, pass when ``succeeded / total * 100 >=
      success_percent``, otherwise abort;
    * timeout: after ``timeout`` seconds with devices still in progress, pass if the success condition
      already holds (the stragglers are reported), otherwise abort;
    * a wave without devices passes.
    """
    gate = normalize_gate(gate)
    summary = make_summary(summary.get("total", 0), summary.get("succeeded", 0), summary.get("failed", 0),
                           summary.get("in_progress", 0))
    finished = summary["finished"]
    error_rate = _percent(summary["failed"], finished)
    success = summary["success_percent"]
    result = {
        "summary": summary,
        "failure_percent_of_finished": error_rate,
        "elapsed": round(float(elapsed), 1),
        "timed_out": False,
        "gate": gate,
    }
    exact_error = 100.0 * summary["failed"] / finished if finished else 0.0
    exact_success = 100.0 * summary["succeeded"] / summary["total"] if summary["total"] else 100.0

    def decide(decision, reason, **extra):
        result.update(decision=decision, reason=reason, **extra)
        return result

    if summary["total"] == 0:
        return decide("pass", "no device to upgrade in this wave")
    if finished >= gate["min_finished"] and finished and exact_error > gate["error_percent"]:
        return decide("abort", "error threshold tripped: %d of %d finished devices failed (%s %% > %s %%)"
                      % (summary["failed"], finished, _fmt(error_rate), _fmt(gate["error_percent"])),
                      trigger="error_threshold")
    if summary["in_progress"] == 0:
        if exact_success >= gate["success_percent"]:
            return decide("pass", "%d of %d devices succeeded (%s %% >= %s %%)"
                          % (summary["succeeded"], summary["total"], _fmt(success), _fmt(gate["success_percent"])),
                          trigger="success")
        return decide("abort", "success condition not met: %d of %d devices succeeded (%s %% < %s %%)"
                      % (summary["succeeded"], summary["total"], _fmt(success), _fmt(gate["success_percent"])),
                      trigger="success_condition")
    if float(elapsed) >= gate["timeout"]:
        result["timed_out"] = True
        if exact_success >= gate["success_percent"]:
            return decide("pass", "wave timeout (%d s) with %d devices still in progress, but %s %% >= %s %% "
                          "succeeded" % (gate["timeout"], summary["in_progress"], _fmt(success),
                                         _fmt(gate["success_percent"])), trigger="timeout")
        return decide("abort", "wave timeout after %d s: %d devices still in progress, %s %% succeeded (< %s %%)"
                      % (gate["timeout"], summary["in_progress"], _fmt(success), _fmt(gate["success_percent"])),
                      trigger="timeout")
    return decide("wait", "%d of %d devices finished (%d succeeded, %d failed), %d in progress"
                  % (finished, summary["total"], summary["succeeded"], summary["failed"], summary["in_progress"]))


def progress_line(wave_name, result):
    summary = result["summary"]
    return ("wave %s: %d/%d finished, %d succeeded, %d failed (%s %% of finished), %d in progress, %ss - %s"
            % (wave_name, summary["finished"], summary["total"], summary["succeeded"], summary["failed"],
               _fmt(result["failure_percent_of_finished"]), summary["in_progress"], _fmt(result["elapsed"]),
               result["decision"]))
