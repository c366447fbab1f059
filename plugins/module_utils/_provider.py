# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The provider contract: what a platform package offers the generic module bodies and the rollout engine.

Tiers (after community.dns):

* ``_errors``, ``_redact``, ``_http``, ``_parse``, ``_pacing``, ``_retry``: transport (the error, redaction,
  session with its overall deadline, parsing and typed field access, rate limiter shared by the processes of one
  controller, token cache, retry policy). Knows no platform.
* ``_provider`` (this file): the contract and the platform-neutral data it speaks in; ``_rollout_facts``: what a
  platform package declares for the rollout engine; ``_device_info``: the neutral device filters.
* ``_huawei/``, ``_tencent/``, ``_huawei_iotda/``: one package per platform (API calls, auth and signing, error
  codes, pure task logic, the :class:`Provider` implementation, the connection argument spec, the facts).
* ``_module/``: the generic module bodies (create -> lookup -> reconcile, check/diff, wait, task, device and
  package info).
* ``plugins/modules/*``: argument spec, documentation and a short ``main()``.

"The same work" is *these target devices, this package / version*. A provider decides it from what the
platform documents as returned (task targets and status, per-device rows, the devices' current firmware);
echoed markers (Huawei ``extendPara.fileId``, Tencent ``TaskUserDefine``) are a fast path when present and
never a requirement.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
from dataclasses import dataclass, field
from typing import Any, ContextManager, Dict, FrozenSet, Iterable, Iterator, List, Optional, Sequence, Tuple


class ValidationError(Exception):
    """Bad module input; raised before any request. ``errors`` are full sentences naming the option and rule."""

    def __init__(self, errors: Sequence[str]):
        self.errors = list(errors)
        super(ValidationError, self).__init__("; ".join(self.errors))


def blank_as_unset(params: Dict[str, Any], names: Iterable[str]) -> Dict[str, Any]:
    """A copy of the connection ``params`` where each optional option of ``names`` given as ``""`` is ``None``.

    AWX injects its credential type's optional fields as empty environment variables when they are left blank
    (``env_fallback`` then gives ``""``): an empty CA path, client certificate or token means "not set".
    """
    names = frozenset(names)
    return dict((key, None if key in names and value == "" else value) for key, value in params.items())


@dataclass(frozen=True)
class Capabilities:
    """What the generic bodies and the engine must know about a platform."""

    platform: str  # "huawei" | "tencent"
    label: str  # "Huawei IoT" | "Tencent Cloud IoT Explorer"
    task_id_key: str  # key of the task id in module results: "operation_id" | "task_id"
    max_devices_per_task: int  # Huawei 256 (seed page); Tencent: undocumented, the provider says what it uses
    can_cancel: bool  # Huawei v1.5.0 has no stop call; Tencent UpdateOtaTaskStatus(Status=6)
    calls_per_window: int  # documented default rate limit: Huawei 100 per 60 s, Tencent 20 per 1 s
    window_seconds: float
    task_page_size: int  # largest documented page of the task listing (Huawei 100)
    progress_page_size: int  # page size used for per-device progress rows
    # Why state=absent cannot stop a task, when can_cancel is false (the body names the tasks and adds this).
    cancel_hint: Optional[str] = None
    # The failed devices of a task can be run again (state=retried: retry_plan / retry); IoTDA v5 RetryBatchTask
    can_retry: bool = False
    # key of the packages in the package info module's result: Huawei "packages", Tencent "firmwares"
    packages_key: str = "packages"


@dataclass
class TaskInfo:
    """A platform task as the contract sees it.

    ``devices`` is the set of device ids the task covers when the platform documents it (Huawei
    ``targets.devices``, Tencent ``DeviceName`` of the rows with this ``TaskId``), else ``None`` (group or
    version-filter targeting). ``version_known`` says whether the target version/package of the task is
    established by a documented fact or by a fast-path echo (``matched_by`` tells which).
    """

    task_id: Any  # native type of the platform: Huawei str, Tencent int
    status: Any = None  # raw platform status, for the operator
    active: bool = False  # not finished: new work must not be created for its devices
    devices: Optional[FrozenSet[str]] = None
    groups: Optional[FrozenSet[str]] = None
    created: Optional[str] = None  # creation time as the platform gives it, for ordering and display
    matched_by: Optional[str] = None  # "marker" | "file_id" | "targets" | "rows" | "given" | ...
    raw: Dict[str, Any] = field(default_factory=dict)  # the platform object (no secrets), returned as ``task``
    # what reading the task again needs besides its id, as the provider set it (Tencent: product id, firmware
    # version, fw_type); None where the id is enough (Huawei) or the provider remembers it
    scope: Optional[Tuple[Any, ...]] = None


@dataclass
class Lookup:
    """What already exists for a piece of work (``Provider.find``).

    * ``same``: tasks that are this work (active, covering the target devices with this package, or proven
      so by a marker), newest first. The module adopts ``same[0]``.
    * ``busy``: device -> task id, devices that are in an *active* task that is not provably this work
      (a different package, or unknown). Never created again; the module fails or reports them.
    * ``up_to_date``: devices whose current firmware already is the target version (documented device query).
    * ``remaining``: devices that still need a task (explicit device targeting), ``None`` when the
      targeting is by group / source version and the decision rests on ``same`` alone.
    * ``seen``: every task id looked at (a reconcile after a lost create considers only tasks not seen before).
    * ``warnings``: shown to the operator; ``extra_result``: platform keys of the module result.
    """

    same: List[TaskInfo] = field(default_factory=list)
    busy: Dict[str, Any] = field(default_factory=dict)
    up_to_date: List[str] = field(default_factory=list)
    remaining: Optional[List[str]] = None
    seen: FrozenSet[Any] = frozenset()
    warnings: List[str] = field(default_factory=list)
    # platform result keys the module documents (Huawei ``policy_differences``, Tencent ``marker``); merged into
    # the module result under the generic keys (a generic key always wins)
    extra_result: Dict[str, Any] = field(default_factory=dict)

    @property
    def nothing_to_do(self) -> bool:
        return bool(self.same) or (self.remaining is not None and not self.remaining and not self.busy)


@dataclass
class RetryPlan:
    """What a retry of one task would send (:meth:`Provider.retry_plan`), decided from what was read, before any write.

    * ``refusal``: why the task's documented status (or type) allows no retry; nothing is sent.
    * ``requests``: the request bodies, in order (each within the platform's largest target list).
    * ``devices``: the devices the requests name (``None``: the whole task's retriable devices, by the platform).
    * ``retriable``: how many devices of the task can run again (the platform's counters).
    * ``skipped``: devices asked for that are in no retriable state (never sent).
    """

    requests: List[Dict[str, Any]] = field(default_factory=list)
    devices: Optional[List[str]] = None
    retriable: int = 0
    skipped: List[str] = field(default_factory=list)
    refusal: Optional[str] = None


@dataclass
class Progress:
    """Per-device progress of one task: platform counters plus the neutral summary of docs/design/contracts.md.

    ``summary`` = {total, succeeded, failed, in_progress, finished, success_percent, failure_percent}.
    ``failures`` = [{"device": id, "detail": platform text (Huawei detailInfo, Tencent ErrMsg/Retcode)}],
    filled when the provider read per-device rows.
    """

    task_id: Any
    counts: Dict[str, int]
    summary: Dict[str, Any]
    done: bool
    status: Any = None
    failures: List[Dict[str, Any]] = field(default_factory=list)


class Provider:
    """One platform behind the contract. Subclasses implement every method; none posts twice.

    Construction takes the module's (or the engine's) connection parameters; every call goes through the
    transport tier: paced by the shared rate limiter, retried by the retry policy, parsed and type-checked.
    """

    capabilities = None  # type: Capabilities
    # seconds a lost create is looked up (connection option ``reconcile_timeout``, default 2 x ``timeout``);
    # None: the generic body computes the same default from the module params
    reconcile_timeout = None  # type: Optional[float]

    # ---- identity of the work ------------------------------------------------------------------

    def validate(self, params: Dict[str, Any]) -> Dict[str, Any]:
        """Module params -> ``work`` (a plain dict the provider understands); pure, no request.

        Raises :class:`ValidationError` naming the option and the documented rule.
        """
        raise NotImplementedError

    def work_devices(self, work: Dict[str, Any]) -> Optional[List[str]]:
        """The explicit target device ids of ``work``, or ``None`` for group / version targeting."""
        raise NotImplementedError

    def prepare(self, work: Dict[str, Any]) -> None:
        """Read what the work needs before any decision (the package / firmware must exist).

        Stores the target version in ``work["target_version"]``. Raises IoTError with a clear message.
        """
        raise NotImplementedError

    def find(self, work: Dict[str, Any], exclude: Iterable[Any] = (),
             known_versions: Optional[Dict[str, str]] = None) -> Lookup:
        """What already exists for ``work`` (see :class:`Lookup`), from documented facts, in paged reads.

        ``exclude``: task ids to ignore as ``same`` (reconcile considers only new tasks).
        ``known_versions``: device -> current firmware version already read by the caller (the engine's
        plan-time refresh), so the provider does not read them again.
        """
        raise NotImplementedError

    def find_many(self, works: Sequence[Dict[str, Any]],
                  known_versions: Optional[Dict[str, str]] = None) -> List[Lookup]:
        """:meth:`find` for each of ``works`` (the chunks of one rollout wave and scope), in their order, before any
        create: a provider reads the listing they share once (Huawei: the task list of the package; Tencent: the
        device rows of the product and version). This default calls :meth:`find` per work."""
        return [self.find(work, known_versions=known_versions) for work in works]

    def history(self, work: Dict[str, Any]) -> List[TaskInfo]:
        """Every task on the platform that may be this work's package / version, active or finished, with the
        devices it covers (documented facts only: Huawei the task list of the package's device type with
        ``targets.devices`` and ``status``, a task whose echoed ``extendPara.fileId`` names another package left
        out; Tencent the device rows of the product and version). Tasks that name no devices (group tasks) are
        left out. What a rollout reads back when its journal is lost (``plugin_utils/_engine/recover.py``)."""
        raise NotImplementedError

    def task_ref(self, work: Dict[str, Any], task_id: Any) -> TaskInfo:
        """A task of ``work`` known by its id only (recorded by an earlier run), without a request: what
        :meth:`progress` and :meth:`cancel` need to read it (``scope``). Active, with the work's devices."""
        devices = self.work_devices(work)
        return TaskInfo(task_id=task_id, active=True, devices=frozenset(devices) if devices else None)

    def active_tasks(self, work: Dict[str, Any]) -> Optional[int]:
        """The account's unfinished tasks that count against the platform's quota of unfinished tasks
        (``_rollout_facts.RolloutFacts.max_active_tasks``), one listing; ``None`` where no quota is documented (this default)."""
        del work
        return None

    def work_lock(self, work: Dict[str, Any]) -> ContextManager[Any]:
        """A context manager held from the lookup (:meth:`find` / :meth:`find_many`) through :meth:`create` and its
        reconcile, so that two processes of the controller given the same work at the same moment do not both
        create. The platform packages lock per account and scope (``_pacing.WorkLock``); this default is a no-op."""
        del work
        return contextlib.nullcontext()

    def create(self, work: Dict[str, Any], devices: Optional[Sequence[str]]) -> Any:
        """Exactly one create request for ``devices`` (``None``: the work's own targeting); returns the task id.

        Throttle answers (refused before execution) are waited out by the retry policy; any error after which
        the task may exist is raised with ``maybe_committed=True`` and the caller reconciles with :meth:`find`.
        A platform answer that says the devices are already in a task (Tencent ``FailedOperation.DeviceIsUpdating``)
        is raised with ``code`` = that code and ``already_in_task=True``: the caller looks it up, never reports
        success blindly.
        """
        raise NotImplementedError

    def get(self, task_id: Any) -> Optional[TaskInfo]:
        """One task by id, ``None`` when the platform says it does not exist."""
        raise NotImplementedError

    def progress(self, tasks: Sequence[TaskInfo], with_failures: bool = False) -> Dict[Any, Progress]:
        """Progress of ``tasks`` (same platform scope: Tencent one product + version), in as few paged reads
        as the platform allows: Huawei the task list pages / task details (``staResult``), Tencent the device
        rows of the version filtered by task id. Type-checks every counter."""
        raise NotImplementedError

    def cancel(self, task: TaskInfo) -> bool:
        """Cancel an active task (only when ``capabilities.can_cancel``); True if this call cancelled it.
        A lost answer is reconciled by reading the task, never by a blind repeat."""
        raise NotImplementedError

    def retry_plan(self, task: TaskInfo, devices: Optional[Sequence[str]] = None) -> RetryPlan:
        """What running the failed devices of ``task`` again would send (only when ``capabilities.can_retry``): the
        documented status of ``task`` (as read) decides whether it may be retried; ``devices`` (``None``: all) are
        narrowed to the ones in a retriable state, with only reads."""
        raise NotImplementedError

    def retry(self, task: TaskInfo, plan: RetryPlan) -> List[Dict[str, Any]]:
        """Send ``plan.requests`` in order, each once; the platform's per-device outcomes
        ([{"device", "status", "error_code", "error_msg"}]). An error after which a request may have been executed
        is raised (``maybe_committed``) naming what was sent: never repeated blindly (a re-run plans again)."""
        raise NotImplementedError

    # ---- views for results and diff ------------------------------------------------------------

    def desired_view(self, work: Dict[str, Any], devices: Optional[Sequence[str]] = None) -> Dict[str, Any]:
        """The task as it would be created (for ``diff`` and check mode); no secrets."""
        raise NotImplementedError

    def task_view(self, task: TaskInfo) -> Dict[str, Any]:
        """A task as shown in ``diff``."""
        raise NotImplementedError

    def create_request(self, work: Dict[str, Any], devices: Optional[Sequence[str]] = None) -> Dict[str, Any]:
        """The body the create would send (returned as ``request``)."""
        raise NotImplementedError

    # ---- devices (inventory, device info, plan-time refresh) -----------------------------------

    def iter_devices(self, filters: Dict[str, Any]) -> Iterator[Dict[str, Any]]:
        """Every device matching ``filters``, paged and paced, each as a neutral dict:
        {"device_id", "platform", "product_id" (Tencent), "firmware_version", "software_version" (Huawei),
        "name", "model", "device_type", "manufacturer", "product_name", "online" (bool or None), "raw"}.
        Device secrets (Tencent DevicePsk, DeviceCert, AppKey, AppSKey, NwkSKey) are never included."""
        raise NotImplementedError

    def device_versions(self, devices: Sequence[str], work: Optional[Dict[str, Any]] = None) -> Dict[str, str]:
        """Current firmware version of each device (missing devices are left out), choosing the cheaper of
        per-device reads and a paged listing."""
        raise NotImplementedError

    def device_listings(self, filters: Dict[str, Any]) -> List[Dict[str, Any]]:
        """The :meth:`iter_devices` filter dicts of the listings that together cover the device filter options
        ``filters`` (the plural lists of the inventory plugin and the device info module, e.g. ``device_types``,
        ``product_ids``, ``firmware_versions``, plus scalar listing options such as Tencent ``fw_type``): one listing
        per value of a filter the platform's device listing takes as a query parameter. No request; every filter is
        checked again on the controller (``_device_info.list_devices``). Raises :class:`ValidationError` when the
        listing needs a filter that is missing (Tencent: a product)."""
        raise NotImplementedError

    # ---- info modules --------------------------------------------------------------------------

    def info_tasks(self, params: Dict[str, Any]) -> Tuple[List[TaskInfo], Dict[str, Any]]:
        """The tasks the ``_info`` module's options select (ids given, or the platform's listing and filters), in
        the order to return them, and the page keys of the result (``total``, ``page_no``, ``page_size``,
        ``offset``, ``limit``... merged into it as they are). Raises :class:`ValidationError` before any request."""
        raise NotImplementedError

    def info_devices(self, params: Dict[str, Any]) -> Tuple[List[Dict[str, Any]], Dict[str, Any]]:
        """The devices the device info module's options select (ids given, every page of the filtered listing, or
        one page), as neutral dicts (see :meth:`iter_devices`), and the other keys of the result: ``missing`` (ids
        given that do not exist), ``total`` and the page keys when one page was read (default ``missing: []``,
        ``total``: the devices returned). Raises :class:`ValidationError` before any request."""
        raise NotImplementedError

    def info_packages(self, params: Dict[str, Any]) -> Tuple[List[Dict[str, Any]], Dict[str, Any]]:
        """The packages (firmware versions) the package info module's options select, as the platform returns them
        (type-checked), returned under ``capabilities.packages_key``, and the other keys of the result as for
        :meth:`info_devices`. Raises :class:`ValidationError` before any request."""
        raise NotImplementedError

    # ---- bookkeeping ---------------------------------------------------------------------------

    @property
    def secrets(self) -> List[str]:
        """Every secret the provider holds (given and obtained), for redaction and ``no_log_values``."""
        raise NotImplementedError

    @property
    def call_log(self) -> List[Dict[str, Any]]:
        """One entry per HTTP request sent: {"call", "status", "code", "attempt", "waited"}; returned as
        ``api_calls`` / used by the engine's statistics. No secrets."""
        raise NotImplementedError

    @property
    def throttle_waits(self) -> int:
        """Throttle answers that were waited out (returned as ``throttle_waits``); by default the ``call_log``
        entries flagged ``"throttled": True``."""
        return sum(1 for entry in self.call_log if entry.get("throttled"))

    def close(self) -> None:
        raise NotImplementedError


class ApiProvider(Provider):
    """A provider over one platform API object (``self.api``) that keeps the bookkeeping: the secrets it holds,
    its call log, closing its session."""

    api = None  # type: Any

    @property
    def secrets(self) -> List[str]:
        return self.api.secrets

    @property
    def call_log(self) -> List[Dict[str, Any]]:
        return self.api.call_log

    def close(self) -> None:
        self.api.close()


def newest_first(tasks: Sequence[TaskInfo]) -> List[TaskInfo]:
    """Newest first by creation time (platform time strings sort lexically), then by id."""
    return sorted(tasks, key=lambda task: ("%s" % (task.created or ""), "%s" % task.task_id), reverse=True)


def split_covered(devices: Sequence[str], tasks: Sequence[TaskInfo]) -> Tuple[Dict[str, Any], List[str]]:
    """``(covered, rest)``: device -> id of the active task (with documented devices) covering it, and the rest."""
    covered = {}  # type: Dict[str, Any]
    for task in newest_first([task for task in tasks if task.active and task.devices]):
        for device in task.devices or ():
            covered.setdefault(device, task.task_id)
    return covered, [device for device in devices if device not in covered]


SUMMARY_KEYS = ("total", "succeeded", "failed", "in_progress", "finished", "success_percent", "failure_percent")


def summarize(succeeded: int, failed: int, in_progress: int) -> Dict[str, Any]:
    """The neutral ``summary`` of docs/design/contracts.md; percentages of ``total`` (0.0 when it is 0)."""
    total = succeeded + failed + in_progress

    def percent(part):
        return round(100.0 * part / total, 2) if total else 0.0

    return {"total": total, "succeeded": succeeded, "failed": failed, "in_progress": in_progress,
            "finished": succeeded + failed, "success_percent": percent(succeeded), "failure_percent": percent(failed)}


def add_summaries(summaries: Iterable[Dict[str, Any]]) -> Dict[str, Any]:
    """One summary over several tasks (percentages recomputed, not averaged)."""
    totals = {"succeeded": 0, "failed": 0, "in_progress": 0}
    for summary in summaries:
        for key in totals:
            totals[key] += summary.get(key) or 0
    return summarize(**totals)


def add_counts(counts: Iterable[Dict[str, int]]) -> Dict[str, int]:
    """Platform counters summed key by key over several tasks (``{}`` for none)."""
    total = {}  # type: Dict[str, int]
    for one in counts:
        for key, value in one.items():
            total[key] = total.get(key, 0) + value
    return total
