# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The generic body of the firmware task modules (``huawei_iot_firmware_task``, ``tencent_iot_batch_firmware``).

``state=present``: validate -> prepare -> find -> decide (see docs/design/contracts.md, "Firmware task body"):

* devices in an active task that is not provably this work (``busy``) -> fail, nothing is created;
* a task that is this work (``same``) and no device left -> adopt ``same[0]`` (``changed=false``);
* no device left (all up to date) -> ``changed=false``;
* otherwise one create for the remaining devices (the work's own targeting when the provider cannot tell them),
  reconciled by lookup after a lost answer (``_reconcile``); check mode sends no write.

From the lookup through the create and its reconcile the provider's ``work_lock`` is held: a second process of
the controller given the same work at the same moment waits, then finds the task instead of creating another.

``state=absent``: cancel the active tasks that are this work (``capabilities.can_cancel``), or fail naming them.

``state=retried`` (``capabilities.can_retry``): run the failed devices of the given task again (``task_retry``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time
from typing import Any, Dict, List, Optional, Sequence, Tuple

from ansible_collections.iotfleet.firmware.plugins.module_utils._module._connection import (
    ModuleFailure, ProviderFactory, run_body)
from ansible_collections.iotfleet.firmware.plugins.module_utils._module._reconcile import create_task
from ansible_collections.iotfleet.firmware.plugins.module_utils._module.task_retry import run_retry
from ansible_collections.iotfleet.firmware.plugins.module_utils._module._wait import (
    Clock, Sleep, option_errors, read_progress, reconcile_timeout, wait_argument_spec, wait_for_task)
from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import (
    Lookup, Provider, TaskInfo, ValidationError, add_counts, add_summaries, summarize)

__all__ = ["run_firmware_task", "validated_work", "wait_argument_spec"]


def run_firmware_task(module, provider_factory: ProviderFactory, clock: Clock = time.monotonic,
                      sleep: Sleep = time.sleep) -> None:
    """Run the task module; exits the module. ``clock``/``sleep`` pace the reconcile and wait loops (tests)."""
    def body(provider: Provider, warnings: List[str]) -> Dict[str, Any]:
        params = module.params
        work = validated_work(provider, params, option_errors(params))
        provider.prepare(work)
        if params.get("state") == "absent":
            return _absent(provider, work, warnings, module.check_mode)
        if params.get("state") == "retried":
            return run_retry(module, provider, work, warnings,
                             lambda result, task: _finish(provider, module, result, task, clock, sleep))
        return _present(module, provider, work, warnings, clock, sleep)

    run_body(module, provider_factory, body)


def validated_work(provider: Provider, params: Dict[str, Any], errors: Sequence[str] = ()) -> Dict[str, Any]:
    """``provider.validate(params)``; its errors and ``errors`` (the body's own checks) in one ValidationError."""
    try:
        work = provider.validate(params)
    except ValidationError as exc:
        raise ValidationError(_unique(list(errors) + exc.errors))
    if errors:
        raise ValidationError(_unique(errors))
    return work


def _unique(errors: Sequence[str]) -> List[str]:
    return [error for index, error in enumerate(errors) if error not in errors[:index]]


# ---- present -------------------------------------------------------------------------------------------

def _present(module, provider: Provider, work: Dict[str, Any], warnings: List[str], clock: Clock,
             sleep: Sleep) -> Dict[str, Any]:
    # the work lock: another process of the controller given the same work waits here, then finds this task
    with provider.work_lock(work):
        result, task = _find_or_create(module, provider, work, warnings, clock, sleep)
    if task is None:
        return result
    return _finish(provider, module, result, task, clock, sleep)


def _find_or_create(module, provider: Provider, work: Dict[str, Any], warnings: List[str], clock: Clock,
                    sleep: Sleep) -> Tuple[Dict[str, Any], Optional[TaskInfo]]:
    """The result so far and the task to report (``None``: the result is complete)."""
    params = module.params
    key = provider.capabilities.task_id_key
    lookup = provider.find(work)
    warnings.extend(lookup.warnings)
    result = dict(lookup.extra_result)
    result.update({"changed": False, "created": False, "reconciled": False, key: None, "task": {},
                   "task_ids": [task.task_id for task in lookup.same], "matched_by": None,
                   "up_to_date_devices": list(lookup.up_to_date), "busy_devices": dict(lookup.busy)})
    devices = lookup.remaining
    if lookup.same and not devices:
        if lookup.busy:
            warnings.append(_busy_message(provider, lookup, adopted=lookup.same[0]))
        task = lookup.same[0]
        result.update(matched_by=task.matched_by)
        view = provider.task_view(task)
        result["diff"] = _diff(view, view, _header(task), _header(task))
        return result, task
    if lookup.busy:
        raise ModuleFailure(_busy_message(provider, lookup), **result)
    if devices is not None and not devices:  # every device already runs the target version
        result.update(counts={}, summary=summarize(0, 0, 0))
        if params.get("wait"):
            result["wait"] = {"status": None, "elapsed": 0, "timed_out": False, "polls": 0}
        return result, None

    # Devices left although a task is already this work (a former run created it for part of them): one more
    # task for the rest; the existing ones stay in task_ids.
    result["changed"] = True
    result["request"] = provider.create_request(work, devices)
    if module.check_mode:
        result["diff"] = _diff({}, provider.desired_view(work, devices), "no matching task", "new task")
        result.update(counts={}, summary=summarize(0, 0, 0))
        if params.get("wait"):
            result["wait"] = _skipped(None)
        return result, None
    timeout = provider.reconcile_timeout if provider.reconcile_timeout is not None else reconcile_timeout(params)
    created = create_task(provider, work, devices, lookup.seen, timeout, clock, sleep)
    if created.warning:
        warnings.append(created.warning)
    task = created.task
    result.update(changed=created.changed, created=not created.reconciled, reconciled=created.reconciled,
                  matched_by=task.matched_by if created.reconciled else None)
    if task.task_id not in result["task_ids"]:
        result["task_ids"].append(task.task_id)
    result["diff"] = _diff({}, provider.task_view(task), "no matching task", _header(task))
    return result, task


def _busy_message(provider: Provider, lookup: Lookup, adopted: Optional[TaskInfo] = None) -> str:
    by_task = {}  # type: Dict[Any, List[str]]
    for device, task_id in sorted(lookup.busy.items(), key=lambda item: "%s" % item[0]):
        by_task.setdefault(task_id, []).append(device)
    where = "; ".join("%s in active task %s" % (", ".join(devices), task_id) for task_id, devices in by_task.items())
    if adopted is not None:
        return ("Task %s is this work and is returned; device(s) %s that is not provably this work (%s) as well."
                % (adopted.task_id, where, provider.capabilities.label))
    rest = ""
    if lookup.remaining:
        rest = " The other devices (%s) were not upgraded either: remove the busy ones from the targets to " \
               "upgrade the rest now." % ", ".join("%s" % device for device in lookup.remaining)
    return ("Device(s) %s that is not provably this work (%s): wait for it or stop it. No task was created.%s"
            % (where, provider.capabilities.label, rest))


def _finish(provider: Provider, module, result: Dict[str, Any], task: TaskInfo, clock: Clock,
            sleep: Sleep) -> Dict[str, Any]:
    """Task id, task, counts and summary of the result; the wait when asked (never in check mode)."""
    params = module.params
    if params.get("wait") and not module.check_mode:
        progress, wait = wait_for_task(provider, task, params["wait_timeout"], params["wait_sleep"], clock, sleep)
        result.update(wait=wait, elapsed=wait["elapsed"])
        if wait["polls"]:
            task = provider.get(task.task_id) or task
    else:
        progress = read_progress(provider, [task])[task.task_id]
        if params.get("wait"):
            result["wait"] = _skipped(progress.status)
    result.update({provider.capabilities.task_id_key: task.task_id, "task": task.raw, "counts": progress.counts,
                   "summary": progress.summary})
    return result


# ---- absent --------------------------------------------------------------------------------------------

def _absent(provider: Provider, work: Dict[str, Any], warnings: List[str], check_mode: bool) -> Dict[str, Any]:
    caps = provider.capabilities
    lookup = provider.find(work)
    warnings.extend(lookup.warnings)
    tasks = lookup.same
    active = [task for task in tasks if task.active]
    if active and not caps.can_cancel:
        verb, pronoun = ("is", "it") if len(active) == 1 else ("are", "them")
        raise ModuleFailure(
            "state=absent cannot be honoured: task(s) %s %s still active (%s), and %s. Stop %s from the platform "
            "console (or let %s finish), then run again."
            % (", ".join("%s" % task.task_id for task in active), verb,
               "/".join(sorted(set("%s" % task.status for task in active))),
               caps.cancel_hint or "%s offers no call to stop or cancel a task" % caps.label, pronoun, pronoun),
            changed=False, task_ids=[task.task_id for task in tasks], error_code="StopNotSupported")
    if check_mode:
        cancelled = [task.task_id for task in active]
    else:
        cancelled = [task.task_id for task in active if provider.cancel(task)]
        tasks = [(provider.get(task.task_id) or task) if task.task_id in cancelled else task for task in tasks]
    progress = read_progress(provider, tasks)
    views = [provider.task_view(task) for task in tasks]
    after = [view for task, view in zip(tasks, views) if task.task_id not in cancelled]
    result = dict(lookup.extra_result)
    result.update({
        "changed": bool(cancelled),
        caps.task_id_key: tasks[0].task_id if tasks else None,
        "task": tasks[0].raw if tasks else {},
        "tasks": [task.raw for task in tasks],
        "task_ids": [task.task_id for task in tasks],
        "cancelled_task_ids": cancelled,
        "counts": add_counts(item.counts for item in progress.values()),
        "summary": add_summaries(item.summary for item in progress.values()),
        "diff": _diff({"tasks": views}, {"tasks": after}, "tasks of this work", "after cancelling"),
    })
    return result


def _skipped(status: Any) -> Dict[str, Any]:
    """``wait`` in check mode, where the module does not wait."""
    return {"status": status, "elapsed": 0, "timed_out": False, "polls": 0, "skipped": True}


# ---- views -----------------------------------------------------------------------------------------------

def _header(task: TaskInfo) -> str:
    return "task %s (%s)" % (task.task_id, task.status if task.status is not None else "unknown status")


def _diff(before: Dict[str, Any], after: Dict[str, Any], before_header: str, after_header: str) -> Dict[str, Any]:
    return {"before": before, "after": after, "before_header": before_header, "after_header": after_header}
