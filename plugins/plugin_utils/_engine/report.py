# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the operator reads: the progress line of each round, and the engine's parts of the reports.

The report of :func:`rollout.build_report` is extended with, per wave: the devices actually created (not the
chunks planned), the failed devices with the platform's reason (as its provider reads it), the tasks still in
flight, busy devices, the error's platform / code / request id / call, and why a wave is empty (the stage rounding, or every device already current).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _platforms as registry
from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _rollout as rollout

MAX_LISTED = 200  # failed devices listed per wave in the Markdown report (the JSON report has all)


def _counts(summary):
    return "%d/%d finished, %d succeeded, %d failed, %d in progress" % (
        summary["finished"], summary["total"], summary["succeeded"], summary["failed"], summary["in_progress"])


def progress_line(wave_name, result, platforms):
    """``[rollout] wave <name>: <totals>, <elapsed> - <decision> | <platform> ... | <platform> ...``"""
    line = "    [rollout] " + rollout.progress_line(wave_name, result)
    for platform in sorted(platforms):
        line += " | %s %s" % (platform, _counts(platforms[platform]))
    return line


def _created(chunk):
    return int(chunk["created"]) if chunk.get("created") is not None else len(chunk["devices"])


def build_report(state, waves_brief=None):
    """:func:`rollout.build_report` plus the engine's facts per wave (see the module docstring)."""
    base = rollout.build_report(state, waves_brief)
    records = state.get("waves") or {}
    planned = dict((w["name"], w) for w in waves_brief or [])
    for wave in base["waves"]:
        record = records.get(wave["name"]) or {}
        chunks = record.get("chunks") or []
        if record:
            by_platform = registry.counts()
            for chunk in chunks:
                if chunk.get("task_id") not in (None, ""):
                    by_platform[chunk["platform"]] += _created(chunk)
            wave.update(by_platform, devices=sum(by_platform.values()))
            wave["planned_devices"] = sum(len(c["devices"]) for c in chunks)
            for task, chunk in zip(wave["tasks"], chunks):
                task["devices"] = _created(chunk) if chunk.get("task_id") not in (None, "") else 0
        wave["failed_devices"] = list(record.get("failures") or [])
        wave["in_flight"] = list(record.get("in_flight") or [])
        wave["busy_devices"] = dict(record.get("busy") or {})
        wave["platforms"] = dict(record.get("platforms") or {})
        wave["error"] = record.get("error_detail")
        if record.get("empty"):
            wave["empty"] = record["empty"]
        elif not record and wave["name"] in planned and not planned[wave["name"]].get("chunks"):
            wave["empty"] = rollout.empty_wave_reason(planned[wave["name"]])
    base["totals"]["devices"] = sum(w["devices"] for w in base["waves"] if w["status"] != "not started")
    error = base.get("error")
    if error:
        detail = (records.get(error.get("wave")) or {}).get("error_detail")
        if detail:
            base["error"] = dict(error, detail=detail)
    return base


def render_markdown(report):
    """:func:`rollout.render_markdown` plus failed devices, what is in flight, empty waves and error causes."""
    out = [rollout.render_markdown(report).rstrip("\n"), ""]
    error = (report.get("error") or {}).get("detail")
    if error:
        out += ["## Error", "", "| Platform | Error code | Request id | Call |", "|---|---|---|---|",
                "| %s | %s | %s | %s |" % tuple(error.get(k) or "-" for k in ("platform", "code", "request_id", "call")),
                ""]
    empty = [w for w in report["waves"] if w.get("empty")]
    if empty:
        out += ["## Empty waves", ""] + ["* **%s** - %s" % (w["name"], w["empty"]) for w in empty] + [""]
    flight = [(w, entry) for w in report["waves"] for entry in w.get("in_flight") or []]
    if flight:
        out += ["## Still in flight", "", "| Wave | Platform | Product | Task | Status | Devices in progress |",
                "|---|---|---|---|---|---|"]
        out += ["| %s | %s | %s | %s | %s | %s |" % (w["name"], e.get("platform"), e.get("product_id") or "-",
                                                     e.get("task_id"), e.get("status") or "-", e.get("in_progress"))
                for w, e in flight]
        out.append("")
    failed = [w for w in report["waves"] if w.get("failed_devices")]
    if failed:
        out += ["## Failed devices", ""]
        for wave in failed:
            devices = wave["failed_devices"]
            out += ["### %s (%d)" % (wave["name"], len(devices)), "", "| Platform | Product | Device | Task | Reason |",
                    "|---|---|---|---|---|"]
            out += ["| %s | %s | %s | %s | %s |" % (
                f.get("platform"), f.get("product_id") or "-", f.get("device"), f.get("task_id"), _cell(f.get("detail")))
                for f in devices[:MAX_LISTED]]
            if len(devices) > MAX_LISTED:
                out.append("")
                out.append("... and %d more (all of them are in the JSON report)." % (len(devices) - MAX_LISTED))
            out.append("")
    busy = [w for w in report["waves"] if w.get("busy_devices")]
    if busy:
        out += ["## Devices left out (already in another active task)", ""]
        out += ["* **%s** - %d devices: %s" % (w["name"], len(w["busy_devices"]), ", ".join(
            "%s (task %s)" % item for item in sorted(w["busy_devices"].items())[:20])) for w in busy]
        out.append("")
    return "\n".join(out)


def _cell(value):
    text = "-" if value in (None, "") else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def write_reports(built, report_dir, rollout_id):
    """``(paths, written)``: the JSON and Markdown reports of ``built`` (:func:`build_report`), each written only
    when its content changed."""
    from ansible_collections.iotfleet.firmware.plugins.plugin_utils import rollout_files

    paths = rollout_files.report_paths(report_dir, rollout_id)
    written = []
    for path, text in ((paths["json"], rollout_files.dump_json(built)), (paths["markdown"], render_markdown(built)),
                       (paths["failed_csv"], failed_csv(built))):
        if rollout_files.write_if_changed(path, text, mode=0o644):
            written.append(path)
    return paths, written


FAILED_CSV_COLUMNS = ("wave", "platform", "product_id", "task_id", "device", "detail")


def failed_csv(built):
    """The failed devices of every wave as CSV (header line always), beside the JSON and Markdown reports."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FAILED_CSV_COLUMNS)
    for wave in built.get("waves") or []:
        for failure in wave.get("failed_devices") or []:
            writer.writerow([wave["name"], failure.get("platform"), failure.get("product_id") or "",
                             failure.get("task_id"), failure.get("device"), failure.get("detail") or ""])
    return out.getvalue()
