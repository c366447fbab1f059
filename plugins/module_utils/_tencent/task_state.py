# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Tencent Cloud IoT Explorer firmware tasks as the platform reports them: pure logic, no I/O.

"Is this the same task" matching (marker or echoed fields), the grouping of ``DescribeFirmwareTaskDevices`` rows
per task, the per-device summary and the views for ``diff`` and results. The work itself (validation of the module
options, upgrade-mode detection, the ``BatchUpdateFirmware`` request, the marker) is ``task.py``; the two code spaces
sharing the number 6 are described there.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import summarize as neutral_summary
from ansible_collections.iotfleet.firmware.plugins.module_utils._tencent.task import (
    ALREADY_CURRENT,
    DEVICE_FAILED,
    DEVICE_STATUS_NAMES,
    DEVICE_SUCCEEDED,
    MODE_DEVICENAMES,
    MODE_ORIGINAL_VERSION,
    NO_NEED_UPDATE,
    SHAPING_DEFAULTS,
    SHAPING_FIELDS,
    TASK_STATUS_CANCELLED,
    as_int,
    build_create_request,
    task_marker,
)


# --------------------------------------------------------------------------- matching

def task_id_of(task):
    return as_int((task or {}).get("TaskId"))


def is_cancelled(task):
    """Cancelled tasks (task-level Status 6) are the only ones a new run may replace."""
    return as_int((task or {}).get("Status")) == TASK_STATUS_CANCELLED


def sort_newest_first(task_infos):
    return sorted(task_infos or [], key=lambda info: (as_int(info.get("CreateTime")) or 0, task_id_of(info) or 0),
                  reverse=True)


def candidate_infos(desired, task_infos):
    """``DescribeFirmwareTasks`` entries worth describing: not cancelled, same module, newest first."""
    fw_type = desired.get("fw_type")
    result = []
    for info in sort_newest_first(task_infos):
        if task_id_of(info) is None or is_cancelled(info):
            continue
        if fw_type and info.get("FwType") and info.get("FwType") != fw_type:
            continue
        result.append(info)
    return result


def needs_device_rows(desired):
    """Without a marker, a device-names task can only be recognised by its device rows."""
    return desired.get("marker") is None and desired.get("mode") == MODE_DEVICENAMES


def marker_matches(desired, task):
    return desired.get("marker") is not None and task_marker(task) == desired.get("marker")


def echoed_fields_match(desired, task):
    """Matching without a marker: everything ``DescribeFirmwareTask`` echoes must agree.

    Product, module (``FwType``), ``UpgradeMode``, ``OriginalVersion`` in original-version mode,
    ``TaskUserDefine`` verbatim, and each shaping option the user set (an omitted
    ``upgrade_method``/``type`` equals the documented default 0/1).
    """
    if task.get("ProductId") not in (None, "") and task.get("ProductId") != desired.get("product_id"):
        return False
    if (task.get("FwType") or "") != (desired.get("fw_type") or "") and desired.get("fw_type"):
        return False
    if task.get("UpgradeMode") != desired.get("mode"):
        return False
    if desired.get("mode") == MODE_ORIGINAL_VERSION and task.get("OriginalVersion") != desired.get("firmware_ori_version"):
        return False
    if (task.get("TaskUserDefine") or "") != (desired.get("task_user_define_sent") or ""):
        return False
    for key, field in SHAPING_FIELDS:
        wanted = desired.get(key)
        default = SHAPING_DEFAULTS.get(key)
        if wanted is None and default is None:
            continue
        if wanted is None:
            wanted = default
        actual = as_int(task.get(field))
        if actual is None:
            actual = default
        if actual != wanted:
            return False
    return True


def device_set_matches(desired, device_names):
    return device_names is not None and set(device_names) == set(desired.get("device_names") or [])


def match_task(desired, task, device_names=None):
    """Is ``task`` (a ``DescribeFirmwareTask`` answer) the task ``desired`` describes?

    With a marker: the marker in ``TaskUserDefine`` decides. Without one: the echoed fields,
    and in device-names mode the set of device names of the task's rows (``device_names``).
    Cancelled tasks never match.
    """
    if is_cancelled(task):
        return False
    if desired.get("marker") is not None:
        return marker_matches(desired, task)
    if not echoed_fields_match(desired, task):
        return False
    if desired.get("mode") == MODE_DEVICENAMES:
        return device_set_matches(desired, device_names)
    return True


# --------------------------------------------------------------------------- device rows and summary

def rows_for_tasks(rows, task_ids):
    """Rows of the given tasks only (DescribeFirmwareTaskDevices covers every task of a version).

    One row per (task, device): when a device appears twice the row with the latest
    ``LastProcessTime`` wins.
    """
    wanted = set(as_int(task_id) for task_id in task_ids)
    latest = {}
    order = []
    for row in rows or []:
        task_id = as_int(row.get("TaskId"))
        if task_id not in wanted:
            continue
        key = (task_id, row.get("DeviceName"))
        if key not in latest:
            order.append(key)
            latest[key] = row
        elif (as_int(row.get("LastProcessTime")) or 0) >= (as_int(latest[key].get("LastProcessTime")) or 0):
            latest[key] = row
    return [latest[key] for key in order]


PROGRESS_ROW_KEYS = ("TaskId", "DeviceName", "Status", "LastProcessTime", "ErrMsg", "Retcode")


def rows_by_task(rows, task_ids):
    """``{task id: rows}``: :func:`rows_for_tasks` of ``task_ids`` (``rows`` may be a stream, read once), each row
    cut to :data:`PROGRESS_ROW_KEYS` (what the progress, its summary and its failures read), grouped by task."""
    slim = (dict((key, row.get(key)) for key in PROGRESS_ROW_KEYS) for row in rows or [])
    grouped = {}
    for row in rows_for_tasks(slim, task_ids):
        grouped.setdefault(as_int(row.get("TaskId")), []).append(row)
    return grouped


def group_rows(rows):
    """``{task_id: {"devices": set, "active": bool, "rows": [...]}}`` of type-checked rows.

    ``active``: the task still has a row that is not final (documented device statuses, reference §3.14).
    """
    groups = {}
    for row in rows_for_tasks(rows, set(as_int(row.get("TaskId")) for row in rows or [])):
        group = groups.setdefault(as_int(row.get("TaskId")), {"devices": set(), "active": False, "rows": []})
        group["devices"].add(row.get("DeviceName"))
        group["rows"].append(row)
        if classify_row(row)[0] == "in_progress":
            group["active"] = True
    return groups


def group_device_names(rows):
    """``{task_id: set(device names)}`` of the rows."""
    groups = {}
    for row in rows or []:
        task_id = as_int(row.get("TaskId"))
        if task_id is not None and row.get("DeviceName"):
            groups.setdefault(task_id, set()).add(row.get("DeviceName"))
    return groups


def is_already_current(row):
    message = (row.get("ErrMsg") or "").strip().rstrip(".").strip().lower()
    return as_int(row.get("Status")) == 5 and message == NO_NEED_UPDATE


def classify_row(row):
    """``(outcome, count name)``; outcome is ``succeeded``, ``failed`` or ``in_progress``."""
    status = as_int(row.get("Status"))
    if is_already_current(row):
        return "succeeded", ALREADY_CURRENT
    name = DEVICE_STATUS_NAMES.get(status, "status_%s" % status)
    if status == DEVICE_SUCCEEDED:
        return "succeeded", name
    if status in DEVICE_FAILED:
        return "failed", name
    return "in_progress", name


def empty_counts():
    counts = dict((name, 0) for name in DEVICE_STATUS_NAMES.values())
    counts[ALREADY_CURRENT] = 0
    return counts


def summarize(rows):
    """``(summary, counts)`` for the per-device rows (already filtered to the tasks of interest).

    ``summary`` is the platform-neutral dict of the collection contract; ``counts`` has one
    entry per device status name (``already_current`` = failed with "firmware no need update.").
    """
    counts = empty_counts()
    totals = {"succeeded": 0, "failed": 0, "in_progress": 0}
    for row in rows or []:
        outcome, name = classify_row(row)
        totals[outcome] += 1
        counts[name] = counts.get(name, 0) + 1
    return neutral_summary(**totals), counts


def all_final(rows):
    """Done waiting: the task has device rows and none of them is still moving."""
    summary, _counts = summarize(rows)
    return summary["total"] > 0 and summary["in_progress"] == 0


def needs_cancel(rows):
    """A task is worth cancelling while any device row is not final, or before it has rows at all."""
    if not rows:
        return True
    return any(classify_row(row)[0] == "in_progress" for row in rows)


# --------------------------------------------------------------------------- views for diff and results

def clean_response(response):
    """An API answer without the per-request noise."""
    return dict((key, value) for key, value in (response or {}).items() if key not in ("RequestId",))


def desired_view(desired):
    """The task as the module would create it, for ``diff`` (no secrets involved)."""
    view = {"state": "present", "request": build_create_request(desired), "upgrade_mode": desired.get("mode")}
    if desired.get("marker"):
        view["marker"] = desired["marker"]
    return view


def task_view(task, state="present"):
    view = {"state": state, "task_id": task_id_of(task), "status": as_int(task.get("Status")),
            "upgrade_mode": task.get("UpgradeMode")}
    marker = task_marker(task)
    if marker:
        view["marker"] = marker
    return view
