# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""``RetryBatchTask`` (reference §10.5) behind the provider contract (``Provider.retry_plan`` / ``Provider.retry``).

The task's documented status, as read, decides: no retry of a task that is Success, Stopped, Stopping, Waitting or
Initializing (nor of an undocumented status, nor of another task type than firmwareUpgrade / softwareUpgrade).
``{}`` re-runs every Fail, FailWaitRetry and Stopped sub-task; named devices are narrowed to those rows and sent at
most 100 per request. Each request is sent once. :class:`IotdaRetry` is a part of ``provider.HuaweiIotdaProvider``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.iotfleet.firmware.plugins.module_utils._errors import IoTError
from ansible_collections.iotfleet.firmware.plugins.module_utils._parse import expect_dict, expect_list, expect_str
from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import RetryPlan
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei_iotda import errors
from ansible_collections.iotfleet.firmware.plugins.module_utils._huawei_iotda import task as tt

RETRY_CALL = errors.call_name("RetryBatchTask")
SHOW_CALL = errors.call_name("ShowBatchTask")


BATCH_OUTCOMES = ("success", "failure")


def batch_outcomes(call, answer, where="targets"):
    """The ``targets`` rows of a stop / retry answer (reference §10.5: ``target``, ``status`` success|failure,
    ``error_code``, ``error_msg``) as ``[{"device", "status", "error_code", "error_msg"}]``. The answer of a write
    that was executed: a missing list or a bad row is an error naming the call that may have committed."""
    try:
        rows = expect_list(call, expect_dict(call, answer, "the answer"), where)
        outcomes = []
        for index, row in enumerate(rows):
            name = "%s[%d]" % (where, index)
            row = expect_dict(call, row, name)
            status = expect_str(call, row, "status", where=name)
            if status not in BATCH_OUTCOMES:
                raise IoTError("%s: field '%s.status' is %r, expected success or failure" % (call, name, status),
                               code="InvalidResponse", call=call)
            outcomes.append({"device": expect_str(call, row, "target", where=name), "status": status,
                             "error_code": expect_str(call, row, "error_code", required=False, where=name),
                             "error_msg": expect_str(call, row, "error_msg", required=False, where=name)})
        return outcomes
    except IoTError as exc:
        exc.maybe_committed = True
        raise


class IotdaRetry:
    """The retry part of ``HuaweiIotdaProvider`` (``self.api`` is its ``api.IotdaApi``)."""

    def retry_plan(self, task, devices=None):
        """``RetryBatchTask`` decided from the task as read (``ShowBatchTask``, reference §10.5): refused in Success,
        Stopped, Stopping, Waitting and Initializing (and in a status the reference does not document, and for a task
        type other than firmwareUpgrade / softwareUpgrade). Without ``devices``: one ``{}`` when ``task_progress``
        counts any fail, fail_wait_retry or stopped device. With ``devices``: the ``task_details`` rows of those three
        statuses (every page, one filtered read per status) say which of them are retriable; the others are skipped,
        the rest sent in bodies of at most 100 ``targets``."""
        raw = task.raw or {}
        plan = RetryPlan()
        task_type = raw.get("task_type")
        if task.status in tt.RETRY_REFUSED:
            plan.refusal = ("Task %s is %s: IoTDA allows no retry of a task that is %s (RetryBatchTask was not sent)."
                            % (task.task_id, task.status, ", ".join(tt.RETRY_REFUSED)))
        elif task.status not in tt.RETRY_ALLOWED:
            plan.refusal = ("Task %s has the status %r, which the IoTDA reference does not document; it is not "
                            "retried (RetryBatchTask was not sent)." % (task.task_id, task.status))
        elif task_type is not None and task_type not in tt.TASK_TYPES:
            plan.refusal = ("Task %s is a %s task: RetryBatchTask takes %s tasks only (not sent)."
                            % (task.task_id, task_type, " and ".join(tt.TASK_TYPES)))
        if plan.refusal:
            return plan
        counts = tt.counts_of(SHOW_CALL, raw) or dict((key, 0) for key in tt.COUNT_KEYS)
        plan.retriable = sum(counts[key] for key in tt.RETRIABLE_KEYS)
        if devices is None:
            plan.requests = [{}] if plan.retriable else []
            return plan
        retriable = set()
        for status in tt.RETRIABLE_DETAILS:
            _raw, rows = self.api.show_batch_task_all_details(task.task_id, status)
            retriable.update(row["device"] for row in tt.failures_of(SHOW_CALL, rows, status))
        plan.devices = [device for device in devices if device in retriable]
        plan.skipped = [device for device in devices if device not in retriable]
        plan.requests = [{"targets": chunk} for chunk in tt.chunks(plan.devices, tt.STOP_MAX_TARGETS)]
        return plan

    def retry(self, task, plan):
        """Each body of ``plan`` once (``POST .../retry``); the answers' ``targets`` rows as
        ``[{"device", "status", "error_code", "error_msg"}]``. An error after which a request may have been executed
        is raised with what was sent before it: the caller runs again (a new plan reads the statuses), never a blind
        repeat."""
        outcomes = []
        for number, body in enumerate(plan.requests, 1):
            try:
                answer = self.api.retry_batch_task(task.task_id, body.get("targets"))
                outcomes.extend(batch_outcomes(RETRY_CALL, answer))
            except IoTError as exc:
                if not (exc.maybe_committed or number > 1):
                    raise
                parts = []
                if number > 1:
                    parts.append("%d of %d retry requests were answered before" % (number - 1, len(plan.requests)))
                if exc.maybe_committed:
                    parts.append("request %d may have been executed" % number)
                raise errors.with_context(exc, "Retrying task %s: %s; run again to retry the devices still failed "
                                               "(the statuses are read first, nothing is sent twice blindly)."
                                          % (task.task_id, ", ".join(parts)))
        return outcomes
