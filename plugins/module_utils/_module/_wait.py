# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The ``iotfleet.firmware.wait`` options and the one wait loop (injectable clock and sleep)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from typing import Any, Callable, Dict, List, Tuple

from ansible_collections.iotfleet.firmware.plugins.module_utils._errors import IoTError
from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import Progress, Provider, TaskInfo

Clock = Callable[[], float]
Sleep = Callable[[float], Any]


def wait_argument_spec() -> Dict[str, Dict[str, Any]]:
    """The options of the ``iotfleet.firmware.wait`` doc fragment."""
    return dict(
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=1800),
        wait_sleep=dict(type="int", default=10),
    )


def option_errors(params: Dict[str, Any]) -> List[str]:
    """Range errors of the wait options and of ``reconcile_timeout`` (checked before any request)."""
    errors = []
    if params.get("wait_timeout") is not None and params["wait_timeout"] < 0:
        errors.append("wait_timeout must be at least 0 seconds, got %s" % params["wait_timeout"])
    if params.get("wait_sleep") is not None and params["wait_sleep"] < 1:
        errors.append("wait_sleep must be at least 1 second, got %s" % params["wait_sleep"])
    if params.get("reconcile_timeout") is not None and params["reconcile_timeout"] < 0:
        errors.append("reconcile_timeout must be at least 0 seconds, got %s" % params["reconcile_timeout"])
    return errors


def reconcile_timeout(params: Dict[str, Any]) -> float:
    """Seconds a lost create is looked up: ``reconcile_timeout``, by default twice the request ``timeout``."""
    if params.get("reconcile_timeout") is not None:
        return float(params["reconcile_timeout"])
    return 2.0 * float(params.get("timeout") or 30)


def read_progress(provider: Provider, tasks: List[TaskInfo]) -> Dict[Any, Progress]:
    """``provider.progress(tasks)`` with an entry for every task (a missing one is a platform/provider error)."""
    if not tasks:
        return {}
    progress = provider.progress(tasks)
    missing = [task.task_id for task in tasks if task.task_id not in progress]
    if missing:
        raise IoTError("%s: no progress could be read for task(s) %s"
                       % (provider.capabilities.label, ", ".join("%s" % task_id for task_id in missing)),
                       code="InvalidResponse")
    return progress


def wait_for_task(provider: Provider, task: TaskInfo, timeout: float, interval: float, clock: Clock,
                  sleep: Sleep) -> Tuple[Progress, Dict[str, Any]]:
    """Read the task's progress until it is done or ``timeout`` seconds passed; never fails on the timeout.

    Returns the last progress and ``wait`` = {status, elapsed, timed_out, polls} (``polls``: reads after the first,
    0 when the task was already done).
    """
    started = clock()
    progress = read_progress(provider, [task])[task.task_id]
    polls = 0
    timed_out = False
    while not progress.done:
        if clock() - started + interval > timeout:
            timed_out = True
            break
        sleep(interval)
        progress = read_progress(provider, [task])[task.task_id]
        polls += 1
    elapsed = round(clock() - started, 3)
    return progress, {"status": progress.status, "elapsed": elapsed, "timed_out": timed_out, "polls": polls}
