# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The progress of a wave's tasks, read by pages: one ``provider.progress`` call per scope and round.

Each provider reads its tasks in as few paged reads as its platform allows (for example a task list with per-status
counters for all the wave's tasks, or the device rows of a product's version filtered to the wave's task ids).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _platforms as registry
from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _rollout as rollout
from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import TaskInfo

from . import planner


def wave_tasks(chunks, task_ref=None):
    """``{scope: [TaskInfo, ...]}`` of the chunks with a task (one TaskInfo per distinct task id).

    ``task_ref(chunk, task_id)``: the provider's :meth:`Provider.task_ref` for the chunk's work (what reading the task
    needs, e.g. a product and version); by default a TaskInfo with the id and the chunk's devices.
    """
    out = {}
    for scope, members in planner.scopes(chunks).items():
        tasks = {}
        for chunk in members:
            if chunk.get("task_id") in (None, ""):
                continue
            task = tasks.get(chunk["task_id"])
            devices = frozenset(chunk["devices"])
            if task is None:
                if task_ref:
                    task = task_ref(chunk, chunk["task_id"])
                else:
                    task = TaskInfo(task_id=chunk["task_id"], active=True)
                task.devices = devices
                tasks[chunk["task_id"]] = task
            else:
                task.devices = task.devices | devices
        if tasks:
            out[scope] = list(tasks.values())
    return out


def expected_devices(chunks):
    """Devices per task id: those created, or all the devices of an adopted task (not the chunk as planned)."""
    expected = {}
    for chunk in chunks:
        if chunk.get("task_id") in (None, ""):
            continue
        count = chunk.get("created")
        count = int(len(chunk["devices"]) if count is None else count)
        # chunks share a task only when they adopted one existing task: it is counted once
        expected[chunk["task_id"]] = max(expected.get(chunk["task_id"], 0), count)
    return expected


def read_scope(provider, tasks, with_failures=False):
    """``{task_id: Progress}`` for the tasks of one scope (one provider call, paged inside)."""
    return provider.progress(tasks, with_failures=with_failures)


def platform_summary(progress_by_task, expected):
    """The gate's summary of one platform: counters added up, devices not reported yet count as in progress."""
    summaries = []
    for task_id, count in expected.items():
        progress = progress_by_task.get(task_id)
        summary = progress.summary if progress is not None else {}
        summaries.append(rollout.merge_summaries([summary], expected_total=count))
    return rollout.merge_summaries(summaries)


def failures_of(progress_by_task, platform, product_id=None):
    out = []
    for task_id, progress in progress_by_task.items():
        for failure in progress.failures or []:
            entry = {"platform": platform, "task_id": task_id, "device": failure.get("device"),
                     "detail": failure.get("detail")}
            if product_id:
                entry["product_id"] = product_id
            out.append(entry)
    return out


def in_flight(progress_by_task, expected):
    """Tasks not finished yet, with their devices still in progress."""
    out = []
    for task_id, count in expected.items():
        progress = progress_by_task.get(task_id)
        if progress is not None and progress.done:
            continue
        summary = rollout.merge_summaries([progress.summary if progress else {}], expected_total=count)
        out.append({"task_id": task_id, "status": getattr(progress, "status", None),
                    "in_progress": summary["in_progress"]})
    return out


def chunk_loads(chunks, progress):
    """``({chunk key: devices in progress}, {chunk key: (finished, failed)})`` of the chunks with a task.

    A task not read yet counts all its devices in progress; a task adopted by several chunks is shared by their
    device counts (the platform reports a task as a whole)."""
    expected = expected_devices(chunks)
    members = {}
    for chunk in chunks:
        if chunk.get("task_id") not in (None, ""):
            members.setdefault(chunk["task_id"], []).append(chunk)
    busy, finished = {}, {}
    for task_id, owners in members.items():
        read = progress.get(task_id)
        summary = rollout.merge_summaries([read.summary if read is not None else {}], expected_total=expected[task_id])
        size = sum(len(c["devices"]) for c in owners) or 1
        for chunk in owners:
            share = float(len(chunk["devices"])) / size
            busy[chunk["key"]] = int(round(summary["in_progress"] * share))
            finished[chunk["key"]] = (int(round(summary["finished"] * share)), int(round(summary["failed"] * share)))
    return busy, finished


def platform_summaries(chunks, progress):
    """``{platform: summary}`` of the chunks with a task, from ``{task_id: Progress}``."""
    expected = expected_devices(chunks)
    by_platform = {}
    for chunk in chunks:
        if chunk.get("task_id") not in (None, ""):
            by_platform.setdefault(chunk["platform"], {})[chunk["task_id"]] = expected[chunk["task_id"]]
    return dict((platform, platform_summary(progress, counts)) for platform, counts in by_platform.items())


def read_once(provider_for, chunks, targets):
    """One sequential round over every scope (``rollout_gate``): prepare the scope, then one progress read.

    A scope is prepared when its platform needs it for the progress reads (``RolloutFacts.prepare_needs_target``:
    always, or only when that target is given).
    """
    progress = {}
    for scope, members in planner.scopes(chunks).items():
        provider = provider_for(scope[0], scope[1] or None)
        first = members[0]
        # a task's devices may be unknown here: any name validates (prepare reads the package / firmware only)
        probe = dict(first, devices=first.get("devices") or ["%s" % first["task_id"]])
        work = provider.validate(planner.chunk_params(probe, targets, {}, "gate", "gate"))
        needs = registry.facts(scope[0]).prepare_needs_target
        if not needs or registry.facts(scope[0]).target(targets, needs):
            provider.prepare(work)
        tasks = wave_tasks(members, lambda chunk, task_id: provider.task_ref(work, task_id)).get(scope)
        if tasks:
            progress.update(read_scope(provider, tasks))
    return progress
