"""Task and device lifecycle, driven by a scaled clock and computed lazily from timestamps.

Nothing here runs in the background: a device's state at time ``t`` is a pure function of
its :class:`DevicePlan` (fixed when the task is created) and, if the task was cancelled, of
the cancellation time. Device versions are derived the same way from the upgrade history.

Simulated time starts at the real wall clock when the emulator starts (or is reset) and runs
``time_scale`` times faster. Every time the platforms report (create/start/stop times) is
simulated time; validations against "now" that the APIs define on the wall clock use real time.

One device upgrade, once dispatched at ``start`` (all times simulated)::

    [start, start+confirm)                   awaiting user confirmation (Tencent UpgradeMethod 1)
    then for duration D:  10 % delivered, 50 % downloading (percent 0..100), 40 % burning
    at the end            success or fail (deterministic, see ``failure_rate``)

An offline device stays offline until its deadline and then times out; a device that already
runs the target version finishes at ``start`` with the ``no_update`` outcome; any device still
moving at its deadline times out at the deadline. A *stale* device (behaviour ``stale_versions``)
reports success but keeps its version.
"""

from __future__ import annotations

import bisect
import fnmatch
import hashlib
import heapq
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Optional, Sequence

PENDING = "pending"
OFFLINE = "offline"
CONFIRM = "confirm"
DELIVERED = "delivered"
DOWNLOADING = "downloading"
BURNING = "burning"
SUCCESS = "success"
FAIL = "fail"
TIMEOUT = "timeout"
NO_UPDATE = "no_update"
CANCELLED = "cancelled"

FINAL = frozenset((SUCCESS, FAIL, TIMEOUT, NO_UPDATE, CANCELLED))
DELIVERED_SHARE = 0.1
DOWNLOAD_SHARE = 0.5


def stable_hash(*parts: object) -> float:
    """A deterministic number in [0, 1) for the given parts (same input, same number, every run)."""
    digest = hashlib.sha256("\x1f".join(str(part) for part in parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / float(1 << 64)


def failure_rate(rules: Sequence[tuple[str, float]], name: str) -> float:
    """The rate of the first fnmatch pattern that matches ``name`` (0 when none does)."""
    for pattern, rate in rules:
        if fnmatch.fnmatchcase(name, pattern):
            return rate
    return 0.0


def will_fail(device: str, task: str, rules: Sequence[tuple[str, float]]) -> bool:
    """Deterministic outcome: fail when ``stable_hash(device, task) < rate``."""
    return stable_hash(device, task) < failure_rate(rules, device)


def keeps_version(device: str, patterns: Sequence[str]) -> bool:
    """Behaviour ``stale_versions``: the device's upgrades succeed but leave it on the version it had."""
    return any(fnmatch.fnmatchcase(device, pattern) for pattern in patterns)


def upgrade_duration(device: str, task: str, upgrade_seconds: float, jitter: float) -> float:
    """``upgrade_seconds`` spread by +-``jitter`` (a fraction), deterministic per device and task."""
    spread = (2.0 * stable_hash(device, task, "duration") - 1.0) * jitter
    return max(1.0, upgrade_seconds * (1.0 + spread))


class SimClock:
    """Simulated time = anchor + real elapsed * time_scale; thread safe; re-anchored on changes."""

    def __init__(self, time_scale: float = 1.0, real: Callable[[], float] = time.time) -> None:
        self._real = real
        self._lock = threading.Lock()
        self._real_anchor = real()
        self._sim_anchor = self._real_anchor
        self._scale = float(time_scale)
        self._pinned: Optional[float] = None

    @property
    def time_scale(self) -> float:
        return self._scale

    def real_now(self) -> float:
        pinned = self._pinned
        return self._real() if pinned is None else pinned

    def now(self) -> float:
        with self._lock:
            return self._sim_anchor + (self.real_now() - self._real_anchor) * self._scale

    @contextmanager
    def pinned(self, real_time: float) -> Iterator[None]:
        """Within the block, "now" (real and simulated) is ``real_time`` (a deferred commit runs at its due time).

        Callers hold the emulator lock, so no other handler sees the pinned clock.
        """
        self._pinned = real_time
        try:
            yield
        finally:
            self._pinned = None

    def set_scale(self, time_scale: float) -> None:
        with self._lock:
            real = self._real()
            self._sim_anchor += (real - self._real_anchor) * self._scale
            self._real_anchor = real
            self._scale = float(time_scale)

    def advance(self, seconds: float) -> None:
        """Jump simulated time forward (tests)."""
        with self._lock:
            self._sim_anchor += float(seconds)

    def sim_after(self, real_seconds: float) -> float:
        """The simulated time ``real_seconds`` of wall-clock distance from now, on the simulated axis.

        Absolute times in requests (a scheduled start, a deadline) are wall-clock times; their distance
        from the real "now" becomes the same distance in simulated seconds from the simulated "now".
        """
        return self.now() + max(0.0, real_seconds)


@dataclass(frozen=True)
class DevicePlan:
    """Everything that decides one device's course within one task (fixed at creation)."""

    start: float
    duration: float
    fails: bool = False
    online: bool = True
    no_update: bool = False
    confirm: float = 0.0
    deadline: Optional[float] = None
    stale: bool = False  # a success leaves the device's version unchanged (behaviour stale_versions)

    def natural_end(self) -> Optional[float]:
        """When the device reaches a final state if nothing cancels it (None = never)."""
        if self.no_update:
            return self.start
        end = self.start + self.confirm + self.duration if self.online else None
        if self.deadline is not None and (end is None or self.deadline < end):
            return max(self.deadline, self.start)
        return end

    def times_out(self) -> bool:
        """The deadline comes before the device could finish (offline devices never finish)."""
        if self.no_update or self.deadline is None:
            return False
        return not self.online or self.deadline < self.start + self.confirm + self.duration


@dataclass(frozen=True)
class Phase:
    """A device's state at one instant."""

    name: str
    since: float
    percent: int = 0

    @property
    def final(self) -> bool:
        return self.name in FINAL


def _natural_phase(plan: DevicePlan, now: float) -> Phase:
    if now < plan.start:
        return Phase(PENDING, plan.start)
    if plan.no_update:
        return Phase(NO_UPDATE, plan.start, 100)
    end = plan.natural_end()
    if plan.times_out() and end is not None and now >= end:
        return Phase(TIMEOUT, end)
    if not plan.online:
        return Phase(OFFLINE, plan.start)
    return _running_phase(plan, now)


def _running_phase(plan: DevicePlan, now: float) -> Phase:
    base = plan.start + plan.confirm
    if now < base:
        return Phase(CONFIRM, plan.start)
    elapsed = now - base
    delivered_end = plan.duration * DELIVERED_SHARE
    download_end = plan.duration * (DELIVERED_SHARE + DOWNLOAD_SHARE)
    if elapsed < delivered_end:
        return Phase(DELIVERED, base)
    if elapsed < download_end:
        percent = int(100 * (elapsed - delivered_end) / (download_end - delivered_end))
        return Phase(DOWNLOADING, base + delivered_end, percent)
    if now < base + plan.duration:  # not elapsed < duration: the same float expression as natural_end
        return Phase(BURNING, base + download_end, 100)
    return Phase(FAIL if plan.fails else SUCCESS, base + plan.duration, 100)


def phase_at(plan: DevicePlan, now: float, cancelled_at: Optional[float] = None) -> Phase:
    """The device's phase at ``now``; a cancellation freezes every non-final device as cancelled."""
    if cancelled_at is None or now < cancelled_at:
        return _natural_phase(plan, now)
    frozen = _natural_phase(plan, cancelled_at)
    if frozen.final:
        return frozen
    return Phase(CANCELLED, cancelled_at, frozen.percent)


@dataclass
class Row:
    """One device of one task (a Huawei subtask, a Tencent device row)."""

    device: str
    plan: DevicePlan
    ori_version: str
    target_version: str
    cancelled_at: Optional[float] = None
    cancel_reason: str = ""
    task_id: str = ""  # the task the row belongs to (statistics and coverage of the control API)

    def phase(self, now: float) -> Phase:
        return phase_at(self.plan, now, self.cancelled_at)

    def succeeded_at(self, now: float) -> Optional[float]:
        """When the device switched to the target version, if it did by ``now`` (a stale success never switches)."""
        phase = self.phase(now)
        return phase.since if phase.name == SUCCESS and not self.plan.stale else None

    def cancel(self, now: float, reason: str) -> bool:
        """Cancel the row if it is not final at ``now``; True when it was cancelled."""
        if self.cancelled_at is not None or self.phase(now).final:
            return False
        self.cancelled_at = now
        self.cancel_reason = reason
        return True


def row_timeline(row: Row) -> tuple[Optional[float], Optional[float], Optional[str]]:
    """``(active_from, final_at, final_phase)`` of a row, equivalent to ``row.phase`` at every instant.

    ``active_from`` is when an online device starts moving (None: offline, it only ever waits), ``final_at`` when
    the row becomes final (None: never) and ``final_phase`` the final phase then.
    """
    plan = row.plan
    end = plan.natural_end()
    final_at, final_phase = (end, None) if end is not None else (None, None)
    if plan.no_update:
        final_at, final_phase = plan.start, NO_UPDATE
    elif end is not None:
        final_phase = TIMEOUT if plan.times_out() else (FAIL if plan.fails else SUCCESS)
    if row.cancelled_at is not None and (final_at is None or row.cancelled_at < final_at):
        final_at, final_phase = row.cancelled_at, CANCELLED
    active_from = plan.start if plan.online or plan.no_update else None
    if active_from is not None and final_at is not None and final_at < active_from:
        active_from = final_at  # cancelled before it started: it never moves
    return active_from, final_at, final_phase


class RowIndex:
    """How many rows of a task are waiting, moving or final (per final phase) at any instant, in O(log n).

    Built from the rows' timelines; rebuild it after a row is cancelled.
    """

    def __init__(self, rows: Sequence[Row]) -> None:
        self.total = len(rows)
        active: list[float] = []
        active_final: list[float] = []
        finals: dict[str, list[float]] = {}
        self.never_final = 0
        latest = None
        for row in rows:
            active_from, final_at, final_phase = row_timeline(row)
            if final_at is None or final_phase is None:
                self.never_final += 1
            else:
                finals.setdefault(final_phase, []).append(final_at)
                latest = final_at if latest is None else max(latest, final_at)
            if active_from is not None:
                active.append(active_from)
                if final_at is not None:
                    active_final.append(final_at)
        self._active = sorted(active)
        self._active_final = sorted(active_final)
        self._finals = dict((phase, sorted(times)) for phase, times in finals.items())
        self.latest_final = latest

    def finals(self, now: float) -> dict[str, int]:
        """Rows final by ``now`` per final phase (phases without rows are left out)."""
        return dict((phase, bisect.bisect_right(times, now)) for phase, times in self._finals.items())

    def moving(self, now: float) -> int:
        """Rows of online devices that started and are not final yet."""
        return bisect.bisect_right(self._active, now) - bisect.bisect_right(self._active_final, now)

    def finished_at(self, now: float) -> Optional[float]:
        """When the last row became final, None while any row is still not final (as ``finished_at``)."""
        if self.never_final or self.latest_final is None or self.latest_final > now:
            return None
        return self.latest_final

    def all_final(self, now: float) -> bool:
        return self.total == 0 or self.finished_at(now) is not None


def success_time(row: Row) -> Optional[float]:
    """When the row will succeed (or did), None if it never does (as far as is known now)."""
    _active, final_at, final_phase = row_timeline(row)
    return final_at if final_phase == SUCCESS and not row.plan.stale else None


class VersionIndex:
    """Which devices run which version of one module, kept current incrementally.

    A success's time is fixed when its task is created, so the index is built once (O(devices)) and then moved
    forward by applying the successes that happened since (O(changes)). ``names`` must be sorted; the per-version
    lists stay sorted. Rebuild it when a device's base version changes (a control-API patch).
    """

    def __init__(self, names: Sequence[str], current: Callable[[str], str], rows_of: Callable[[str], Iterable[Row]],
                 now: float) -> None:
        self.time = now
        self.versions: dict[str, str] = {}
        self.by_version: dict[str, list[str]] = {}
        self._events: list[tuple[float, int, str, Row]] = []
        self._seq = 0
        self.stale = False
        for name in names:
            version = current(name)
            self.versions[name] = version
            self.by_version.setdefault(version, []).append(name)
            for row in rows_of(name):
                self.add(row, known=True)

    def add(self, row: Row, known: bool = False) -> None:
        """Track a row (in history order); a new one that succeeded by the index's time makes it stale.

        ``known``: the row is already reflected in the versions the index was built from.
        """
        when = success_time(row)
        if when is None:
            return
        if when <= self.time:
            self.stale = self.stale or not known
            return
        self._seq += 1
        heapq.heappush(self._events, (when, self._seq, row.device, row))

    def names_on(self, version: str, now: float) -> Optional[list[str]]:
        """The devices on ``version`` at ``now`` (sorted), None when the index cannot answer for ``now``."""
        if self.stale or now < self.time:
            return None
        while self._events and self._events[0][0] <= now:
            when, _seq, name, row = heapq.heappop(self._events)
            if row.succeeded_at(now) != when:
                continue  # cancelled before it could succeed
            self._move(name, row.target_version)
        self.time = now
        return self.by_version.get(version, [])

    def _move(self, name: str, version: str) -> None:
        old = self.versions[name]
        if old == version:
            return
        names = self.by_version[old]
        del names[bisect.bisect_left(names, name)]
        bisect.insort(self.by_version.setdefault(version, []), name)
        self.versions[name] = version


def current_version(base_version: str, base_time: float, history: Iterable[Row], now: float) -> str:
    """The version after the latest upgrade that succeeded after ``base_time`` and by ``now``."""
    return version_since(base_version, base_time, history, now)[0]


def version_since(base_version: str, base_time: float, history: Iterable[Row], now: float) -> tuple[str, float]:
    """``current_version`` and since when the device runs it (``base_time``, -inf for the fleet's version)."""
    best_time = base_time
    version = base_version
    for row in history:
        when = row.succeeded_at(now)
        if when is not None and when >= best_time:
            best_time = when
            version = row.target_version
    return version, best_time


NOT_DONE = frozenset((FAIL, TIMEOUT, CANCELLED))  # outcomes after which a new task for the device is no duplicate


def active_rows(rows: Iterable[Row], now: float) -> list[Row]:
    """The rows that are running or succeeded (not failed, timed out or cancelled) at ``now``."""
    return [row for row in rows if row.phase(now).name not in NOT_DONE]


def all_final(rows: Iterable[Row], now: float) -> bool:
    return all(row.phase(now).final for row in rows)


def finished_at(rows: Sequence[Row], now: float) -> Optional[float]:
    """When the last row became final, None while any row is still moving."""
    latest: Optional[float] = None
    for row in rows:
        phase = row.phase(now)
        if not phase.final:
            return None
        latest = phase.since if latest is None else max(latest, phase.since)
    return latest
