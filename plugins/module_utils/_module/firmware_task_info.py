# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The generic body of the ``_info`` modules: the tasks the platform query options select, with their progress."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from typing import Any, Dict, List

from ansible_collections.iotfleet.firmware.plugins.module_utils._module._connection import (
    ProviderFactory, run_body)
from ansible_collections.iotfleet.firmware.plugins.module_utils._module._wait import read_progress
from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import (
    Provider, add_counts, add_summaries)


def run_firmware_task_info(module, provider_factory: ProviderFactory) -> None:
    """``provider.info_tasks(params)`` then one ``provider.progress`` for all tasks; exits the module.

    Result: the page keys of ``info_tasks`` (``total``, ``page_no``...), ``tasks`` (raw), ``<task_id_key>s``,
    ``per_task`` {id: {status, counts, summary, done}}, summed ``counts``/``summary`` and ``all_done`` (true only
    when at least one task was returned and every one is done).
    """
    def body(provider: Provider, warnings: List[str]) -> Dict[str, Any]:
        tasks, page = provider.info_tasks(module.params)
        progress = read_progress(provider, tasks)
        per_task = {}
        for task in tasks:
            item = progress[task.task_id]
            per_task["%s" % task.task_id] = {"status": item.status if item.status is not None else task.status,
                                             "counts": item.counts, "summary": item.summary, "done": item.done}
        result = {"total": len(tasks)}  # type: Dict[str, Any]
        result.update(page)
        result.update({
            "changed": False,
            "tasks": [task.raw for task in tasks],
            provider.capabilities.task_id_key + "s": [task.task_id for task in tasks],
            "per_task": per_task,
            "counts": add_counts(item.counts for item in progress.values()),
            "summary": add_summaries(item.summary for item in progress.values()),
            "all_done": bool(tasks) and all(item["done"] for item in per_task.values()),
        })
        return result

    run_body(module, provider_factory, body)
