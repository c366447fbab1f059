# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""``state=retried`` of the generic task body: run the failed devices of one known task again.

The task (``task_id``) was read by ``provider.prepare``; ``provider.retry_plan`` decides from its documented status
whether it may be retried (a refusal fails the module before any write, naming the status) and which requests a
retry sends (only reads); check mode reports them and sends nothing; otherwise ``provider.retry`` sends each request
once. No task is ever created.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from typing import Any, Callable, Dict, List

from ansible_collections.iotfleet.firmware.plugins.module_utils._module._connection import ModuleFailure
from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import Provider, TaskInfo

Finish = Callable[[Dict[str, Any], TaskInfo], Dict[str, Any]]


def run_retry(module, provider: Provider, work: Dict[str, Any], warnings: List[str], finish: Finish) -> Dict[str, Any]:
    """The result of ``state=retried``; ``finish(result, task)`` adds the task, its counters and the wait."""
    caps = provider.capabilities
    task = work.get("given_task")
    if not caps.can_retry or task is None:
        raise ModuleFailure("state=retried is not supported by %s%s" % (
            caps.label, "" if caps.can_retry else ": it offers no call to run a task's failed devices again"),
            changed=False, error_code="RetryNotSupported")
    plan = provider.retry_plan(task, work.get("retry_devices"))
    result = {"changed": False, caps.task_id_key: task.task_id, "task_ids": [task.task_id],
              "status_before": task.status, "retriable": plan.retriable, "retry_requests": list(plan.requests),
              "skipped_devices": list(plan.skipped), "retried_devices": [], "retry_failures": []}
    if plan.refusal:
        raise ModuleFailure(plan.refusal, error_code="RetryNotAllowed", task=task.raw, **result)
    if plan.skipped:
        warnings.append("Not retried (not in a retriable state in task %s): %s."
                        % (task.task_id, ", ".join("%s" % device for device in plan.skipped)))
    if not plan.requests:
        return finish(result, task)
    result["changed"] = True
    result["diff"] = {"before": {"task_id": task.task_id, "status": task.status, "retriable": plan.retriable},
                      "after": {"task_id": task.task_id, "retry": plan.devices if plan.devices is not None else
                                "every retriable device"},
                      "before_header": "task %s" % task.task_id, "after_header": "after the retry"}
    if module.check_mode:
        return finish(result, task)
    outcomes = provider.retry(task, plan)
    result["retried_devices"] = [item["device"] for item in outcomes if item["status"] == "success"]
    result["retry_failures"] = [item for item in outcomes if item["status"] != "success"]
    if result["retry_failures"]:
        warnings.append("%s did not retry %d device(s) of task %s: %s" % (
            caps.label, len(result["retry_failures"]), task.task_id,
            "; ".join("%s (%s)" % (item["device"], item.get("error_msg") or item.get("error_code") or item["status"])
                      for item in result["retry_failures"][:10])))
    return finish(result, provider.get(task.task_id) or task)
