# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The rollout report (JSON-friendly), its Markdown rendering, the end-of-run lines and the compact result."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _platforms as registry

from .common import WAVE_ABORTED, _fmt
from .plan import chunk_counts


def build_report(state, waves_brief=None):
    """A JSON-friendly report of the rollout from its state (deterministic: no clock reads).

    ``waves_brief`` (:func:`plan_brief`) adds the waves that have not started yet. ``uncovered`` is the number of
    selected devices in no stage, as the state records it (``coverage``; 0 when it does not).
    """
    planned_by_name = dict((w["name"], w) for w in waves_brief or [])
    names = [w["name"] for w in waves_brief or []]
    for name in state.get("order") or []:
        if name not in names:
            names.append(name)
    waves = []
    for name in names:
        record = (state.get("waves") or {}).get(name) or {}
        planned = planned_by_name.get(name) or {}
        chunks = record.get("chunks") or []
        if record:
            counts = chunk_counts(chunks)
            skipped = record.get("skipped")
        else:
            counts = dict((name, planned.get(name) or 0) for name in registry.names())
            skipped = planned.get("skipped")
        summary = record.get("summary") or {}
        result = record.get("result") or {}
        waves.append({
            "name": name,
            "index": record.get("index") or planned.get("index"),
            "status": record.get("status") or "not started",
            "accepted": bool(record.get("accepted")),
            "devices": sum(counts.values()),
            "skipped": skipped,
            "tasks": [{"key": c["key"], "platform": c["platform"], "product_id": c.get("product_id"),
                       "task_id": c.get("task_id"), "devices": len(c["devices"])} for c in chunks],
            "succeeded": summary.get("succeeded"),
            "failed": summary.get("failed"),
            "in_progress": summary.get("in_progress"),
            "success_percent": summary.get("success_percent"),
            "failure_percent_of_finished": result.get("failure_percent_of_finished"),
            "reason": result.get("reason"),
            "started_at": record.get("started_at"),
            "finished_at": record.get("finished_at"),
            "cancelled": record.get("cancelled") or [],
            "cancel_errors": record.get("cancel_errors") or [],
            "not_cancellable": [c["task_id"] for c in chunks
                                if not registry.facts(c["platform"]).can_cancel and c.get("task_id")]
            if record.get("status") == WAVE_ABORTED else [],
        })
        waves[-1].update(counts)  # devices per platform
    totals = {"devices": 0, "succeeded": 0, "failed": 0, "in_progress": 0}
    for wave in waves:
        totals["devices"] += wave["devices"] if wave["status"] != "not started" else 0
        for key in ("succeeded", "failed", "in_progress"):
            totals[key] += wave[key] or 0
    return {
        "rollout_id": state.get("rollout_id"),
        "status": state.get("status"),
        "targets": state.get("targets"),
        "created_at": state.get("created_at"),
        "updated_at": state.get("updated_at"),
        "completed_at": state.get("completed_at"),
        "abort": state.get("abort"),
        "error": state.get("error"),
        "awaiting_approval": state.get("awaiting_approval"),
        "accepted_aborts": state.get("accepted_aborts") or [],
        "waves": waves,
        "totals": totals,
        "uncovered": int((state.get("coverage") or {}).get("uncovered") or 0),
    }


def render_markdown(report):
    """Readable Markdown summary of :func:`build_report`."""
    targets = report.get("targets") or {}
    out = ["# Firmware rollout `%s`" % report["rollout_id"], ""]
    out.append("**Status: %s**" % str(report["status"]).upper().replace("_", " "))
    out.append("")
    rows = [(registry.facts(name).target_labels.get(key, key), registry.facts(name).target(targets, key))
            for name in registry.names() for key in registry.facts(name).target_keys]
    rows += [("Started", report.get("created_at")),
             ("Last update", report.get("updated_at")),
             ("Completed", report.get("completed_at"))]
    out += ["| | |", "|---|---|"] + ["| %s | %s |" % (k, v) for k, v in rows if v not in (None, "")]
    out.append("")
    in_rollout = set(task["platform"] for wave in report["waves"] for task in wave.get("tasks") or [])
    if report.get("abort"):
        out.append("> **Aborted in wave `%s`:** %s" % (report["abort"].get("wave"), report["abort"].get("reason")))
        out.append(">")
        out.append("> No new wave was started. Tasks of that wave still in progress were cancelled where the platform "
                   "has a cancel operation (%s); the others run to their end. Re-running with "
                   "`staged_rollout_resume_aborted=true` accepts the wave as it ended and continues with the next one."
                   % ", ".join("%s: %s" % (registry.facts(name).short,
                                           "cancelled" if registry.facts(name).can_cancel else "no cancel API")
                               for name in registry.names() if name in in_rollout))
        out.append("")
    if report.get("error"):
        out.append("> **Failed in wave `%s`:** %s  (re-run the same rollout to continue)"
                   % (report["error"].get("wave"), report["error"].get("message")))
        out.append("")
    if report.get("awaiting_approval"):
        out.append("> **Waiting for approval** of wave `%s`. Re-run with `staged_rollout_approved_waves=['%s']` "
                   "(or answer the prompt) to continue." % (report["awaiting_approval"], report["awaiting_approval"]))
        out.append("")
    if report.get("uncovered"):
        out.append("> **%d selected devices are in no stage and were not upgraded** (the stages do not reach them; "
                   "`staged_rollout_allow_uncovered=true`)." % report["uncovered"])
        out.append("")
    out.append("## Waves")
    out.append("")
    columns = ["#", "Wave", "Status", "Devices"] + [registry.facts(name).short for name in registry.names()] + [
        "Skipped", "Succeeded", "Failed", "In progress", "Success %", "Failure % of finished", "Tasks"]
    out.append("| %s |" % " | ".join(columns))
    out.append("|%s|" % "|".join("---" for dummy in columns))
    for wave in report["waves"]:
        status = wave["status"] + (" (accepted)" if wave.get("accepted") else "")
        cells = [wave.get("index") or "", wave["name"], status, wave["devices"]]
        cells += [wave.get(name, 0) for name in registry.names()]
        cells += [_cell(wave.get("skipped")), _cell(wave.get("succeeded")), _cell(wave.get("failed")),
                  _cell(wave.get("in_progress")), _cell(wave.get("success_percent")),
                  _cell(wave.get("failure_percent_of_finished")), len(wave["tasks"])]
        out.append("| %s |" % " | ".join(str(cell) for cell in cells))
    out.append("")
    notes = [w for w in report["waves"] if w.get("reason") or w.get("cancelled") or w.get("cancel_errors")
             or w.get("not_cancellable")]
    if notes:
        out.append("## Gate decisions")
        out.append("")
        for wave in notes:
            line = "* **%s** - %s" % (wave["name"], wave.get("reason") or wave["status"])
            if wave.get("cancelled"):
                line += "; cancelled tasks: %s" % ", ".join(str(t) for t in wave["cancelled"])
            if wave.get("not_cancellable"):
                line += "; tasks not cancellable (%s: no cancel API), left running: %s" % (
                    ", ".join(registry.facts(name).short for name in registry.names()
                              if not registry.facts(name).can_cancel),
                    ", ".join(str(t) for t in wave["not_cancellable"]))
            if wave.get("cancel_errors"):
                line += "; cancel errors: %s" % "; ".join(str(e) for e in wave["cancel_errors"])
            out.append(line)
        out.append("")
    totals = report.get("totals") or {}
    out.append("Totals over started waves: %s devices, %s succeeded, %s failed, %s in progress."
               % (totals.get("devices"), totals.get("succeeded"), totals.get("failed"), totals.get("in_progress")))
    out.append("")
    return "\n".join(out)


def report_lines(report, paths=None):
    """A few lines for the end of the run: status, one line per wave, where the report is."""
    lines = ["Rollout %s: %s" % (report["rollout_id"], str(report["status"]).upper().replace("_", " "))]
    for wave in report["waves"]:
        line = "  %s: %s" % (wave["name"], wave["status"] + (" (accepted)" if wave.get("accepted") else ""))
        line += ", %d devices (%s)" % (wave["devices"], registry.short_counts(wave))
        if wave.get("succeeded") is not None:
            line += ", %s succeeded, %s failed, %s in progress" % (wave["succeeded"], wave["failed"], wave["in_progress"])
        if wave.get("reason"):
            line += " - %s" % wave["reason"]
        lines.append(line)
    if report.get("abort"):
        lines.append("ABORTED in wave %s: %s" % (report["abort"].get("wave"), report["abort"].get("reason")))
    if report.get("awaiting_approval"):
        lines.append("Waiting for approval of wave %s" % report["awaiting_approval"])
    if report.get("uncovered"):
        lines.append("%d selected devices are in no stage and were not upgraded (staged_rollout_allow_uncovered)"
                     % report["uncovered"])
    if paths:
        lines.append("Report: %s (JSON: %s)" % (paths.get("markdown"), paths.get("json")))
    return lines


def _cell(value):
    if value is None:
        return "-"
    if isinstance(value, float):
        return _fmt(value)
    return str(value)


def result_summary(report):
    """The compact dict published as ``staged_rollout_result`` (fact and ``set_stats``) from a report."""
    return {
        "rollout_id": report["rollout_id"],
        "status": report["status"],
        "abort": report["abort"],
        "error": report["error"],
        "awaiting_approval": report["awaiting_approval"],
        "waves": [dict((k, w[k]) for k in ("name", "status", "devices", "succeeded", "failed", "in_progress", "reason"))
                  for w in report["waves"]],
        "totals": report["totals"],
        "uncovered": int(report.get("uncovered") or 0),
    }
