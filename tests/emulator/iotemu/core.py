"""The emulator's state: fleet, behaviour, clock, the platforms (legacy Huawei, Tencent, Huawei IoTDA v5), faults and the
request log."""

from __future__ import annotations

import copy
import json
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Optional, Union

from .faults import FaultBook, RequestLog
from .fleet import load_fleet
from .huawei import HuaweiPlatform
from .iotda import IotdaPlatform
from .lifecycle import NOT_DONE, SimClock
from .tencent import TencentPlatform
from .wire import Reply, Request

DEFAULT_BEHAVIOUR: dict[str, Any] = {
    # simulated seconds per real second (the lifecycle clock; token TTLs and throttles use real time)
    "time_scale": 1.0,
    # simulated seconds one device upgrade takes (spread by +-jitter, deterministic per device and task)
    "upgrade_seconds": 300.0,
    "jitter": 0.25,
    # fnmatch pattern of a device id / name -> failure rate 0..1; the first matching pattern wins
    "failure_rates": {},
    # fnmatch patterns of device ids / names whose upgrades report success but leave the device on its version (a
    # device that reverts or lies): a client that reads the versions back must count them as failed
    "stale_versions": [],
    # spec silent: how long a Tencent UpgradeMethod 1 device waits for the user's confirmation (simulated s)
    "confirm_seconds": 60.0,
    # spec silent: when an offline device times out when the task gives no deadline (simulated s)
    "offline_timeout": 900.0,
    "huawei_token_ttl": 3600,
    "huawei_calls_per_minute": 100,
    "huawei_errors_with_http_200": False,
    "tencent_calls_per_second": 20,
    # IoT Explorer limits each action on its own (per SecretId): these actions' documented limits; any other action
    # gets tencent_calls_per_second. tencent_calls_per_second 0 turns every limit off.
    "tencent_action_calls_per_second": {"GetDeviceList": 10, "DescribeDevice": 50},
    "tencent_skew_check": True,
    "tencent_max_skew": 300,
    # None = any region accepted; otherwise X-TC-Region must be one of these (UnsupportedRegion)
    "tencent_regions": None,
    # false: the platforms do not echo what a client could use as a marker (Huawei extendPara.fileId,
    # Tencent TaskUserDefine in DescribeFirmwareTask), so clients must reconcile from documented facts
    "echo_markers": True,
    # true: every answer carries only fields the API notes document as returned (implies echo_markers false)
    "documented_only": False,
    # Huawei IoTDA v5 (iotda.py). spec silent: per-API limits are undocumented (§10.5); calls per project per second
    "iotda_calls_per_second": 20,
    # spec silent: the X-Sdk-Date skew the gateway allows (15 min is the common gateway rule), real seconds
    "iotda_max_date_skew": 900,
    # true: SDK-HMAC-SHA256 only on the region's default endpoint host, V11-HMAC-SHA256 on any other host (as the SDK
    # chooses); false: either algorithm on any host
    "iotda_strict_signing": True,
    # spec silent: simulated seconds a new task stays Initializing and a stopped one Stopping
    "iotda_transition_seconds": 5.0,
}

_FLOATS = {"time_scale": (1e-6, 1e9), "upgrade_seconds": (0.001, 1e9), "jitter": (0.0, 0.9),
           "confirm_seconds": (0.0, 1e9), "offline_timeout": (0.0, 1e12), "iotda_transition_seconds": (0.0, 1e9)}
_INTS = {"huawei_token_ttl": (1, 10 ** 9), "huawei_calls_per_minute": (0, 10 ** 9),
         "tencent_calls_per_second": (0, 10 ** 9), "tencent_max_skew": (0, 10 ** 9),
         "iotda_calls_per_second": (0, 10 ** 9), "iotda_max_date_skew": (0, 10 ** 9)}
_BOOLS = ("huawei_errors_with_http_200", "tencent_skew_check", "echo_markers", "documented_only", "iotda_strict_signing")
PLATFORM_NAMES = ("huawei", "tencent", "huawei_iotda")


def _number(key: str, value: Any, bounds: tuple, kind: type) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("behaviour %s must be a number" % key)
    if kind is int and int(value) != value:
        raise ValueError("behaviour %s must be an integer" % key)
    if not bounds[0] <= value <= bounds[1]:
        raise ValueError("behaviour %s must be between %s and %s" % (key, bounds[0], bounds[1]))
    return kind(value)


def _failure_rates(value: Any) -> list:
    items = list(value.items()) if isinstance(value, dict) else value
    if not isinstance(items, list):
        raise ValueError("failure_rates maps fnmatch patterns to rates (an object or a list of [pattern, rate])")
    rules = []
    for item in items:
        if not isinstance(item, (list, tuple)) or len(item) != 2 or not isinstance(item[0], str):
            raise ValueError("failure_rates entries are [pattern, rate]")
        rules.append([item[0], _number("failure_rates[%s]" % item[0], item[1], (0.0, 1.0), float)])
    return rules


def validate_behaviour(changes: Any) -> dict:
    """A checked copy of a (partial) behaviour dict; ValueError names the offending key."""
    if not isinstance(changes, dict):
        raise ValueError("behaviour must be an object")
    unknown = set(changes) - set(DEFAULT_BEHAVIOUR)
    if unknown:
        raise ValueError("unknown behaviour keys: %s" % ", ".join(sorted(unknown)))
    checked: dict[str, Any] = {}
    for key, value in changes.items():
        if key in _FLOATS:
            checked[key] = _number(key, value, _FLOATS[key], float)
        elif key in _INTS:
            checked[key] = _number(key, value, _INTS[key], int)
        elif key in _BOOLS:
            if not isinstance(value, bool):
                raise ValueError("behaviour %s must be true or false" % key)
            checked[key] = value
        elif key == "failure_rates":
            checked[key] = _failure_rates(value)
        elif key == "stale_versions":
            if not (isinstance(value, list) and all(isinstance(item, str) for item in value)):
                raise ValueError("stale_versions must be a list of fnmatch patterns")
            checked[key] = list(value)
        elif key == "tencent_action_calls_per_second":
            if not (isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
                                                    and v >= 0 for k, v in value.items())):
                raise ValueError("tencent_action_calls_per_second must map action names to calls per second (>= 0)")
            checked[key] = dict(value)
        elif key == "tencent_regions":
            if value is not None and not (isinstance(value, list) and all(isinstance(item, str) for item in value)):
                raise ValueError("tencent_regions must be null or a list of region names")
            checked[key] = value
    return checked


def public_behaviour(behaviour: dict) -> dict:
    """The behaviour as JSON (failure_rates as an ordered object)."""
    result = copy.deepcopy(behaviour)
    result["failure_rates"] = dict((pattern, rate) for pattern, rate in behaviour["failure_rates"])
    return result


@dataclass
class PendingCommit:
    """A create held by fault ``slow_commit``: ``run`` does its work at real time ``due``."""

    platform: str
    received: float
    due: float
    run: Callable[[], Reply]
    entry: dict


def _answer_of(reply: Reply) -> Any:
    """The JSON of an answer nobody received (for the request log), None when it is not JSON."""
    try:
        return json.loads(reply.body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None


class EmulatorCore:
    """All mutable state behind one re-entrant lock (handlers run under it; faults sleep outside)."""

    def __init__(self, fleet: Union[None, str, dict] = "demo", behaviour: Optional[dict] = None,
                 clock: Optional[Callable[[], float]] = None) -> None:
        # clock: the real time to read instead of time.time (the lifecycle, tokens, deadlines, slow commits) and
        # time.monotonic (the throttles' windows): a test's fake clock, which moves only when the test says
        self._real = clock or time.time
        self._window_clock = clock or time.monotonic
        self.lock = threading.RLock()
        self.faults = FaultBook()
        self.log = RequestLog()
        self._seed_fleet = load_fleet(fleet)
        self._seed_behaviour = self._merged(behaviour)
        self.behaviour: dict = {}
        self.clock = SimClock(real=self._real)
        self.huawei: HuaweiPlatform
        self.tencent: TencentPlatform
        self.huawei_iotda: IotdaPlatform
        self.pending: list[PendingCommit] = []
        self.reset()

    @staticmethod
    def _merged(behaviour: Optional[dict]) -> dict:
        merged = copy.deepcopy(DEFAULT_BEHAVIOUR)
        merged["failure_rates"] = []
        merged.update(validate_behaviour(behaviour or {}))
        return merged

    def reset(self, fleet: Union[None, str, dict] = None, behaviour: Optional[dict] = None) -> None:
        """Back to the seed (or to a new fleet/behaviour): tasks, tokens, faults, throttles and log cleared."""
        with self.lock:
            if fleet is not None:
                self._seed_fleet = load_fleet(fleet)
            if behaviour is not None:
                self._seed_behaviour = self._merged(behaviour)
            self.behaviour = copy.deepcopy(self._seed_behaviour)
            self.clock = SimClock(self.behaviour["time_scale"], real=self._real)
            fleet_copy = copy.deepcopy(self._seed_fleet)
            self.huawei = HuaweiPlatform(fleet_copy["huawei"], self)
            self.tencent = TencentPlatform(fleet_copy["tencent"], self)
            self.huawei_iotda = IotdaPlatform(fleet_copy["huawei_iotda"], self)
            for platform in (self.huawei, self.tencent, self.huawei_iotda):
                platform.throttle.clock = self._window_clock
            self.faults.clear()
            self.log.clear()
            self.pending = []

    def platform(self, name: str) -> Union[HuaweiPlatform, TencentPlatform, IotdaPlatform]:
        if name == "huawei_iotda":
            return self.huawei_iotda
        return self.huawei if name == "huawei" else self.tencent

    def handle(self, platform: str, request: Request) -> Reply:
        """One platform request (pending commits that are due first)."""
        with self.lock:
            self.commit_due()
            return self.platform(platform).handle(request)

    # ------------------------------------------------------------------ slow commits

    def defer(self, platform: str, request: Request, commit_after: float, entry: dict) -> float:
        """Accept a create now (authentication, throttle) and run its work ``commit_after`` real s from now.

        Returns the real time it is due. Its log ``entry`` gets ``commit`` = pending, then committed or failed
        (with the answer the client never received).
        """
        with self.lock:
            self.commit_due()
            received = self.clock.real_now()
            run = self.platform(platform).prepare(request)
            self.pending.append(PendingCommit(platform, received, received + commit_after, run, entry))
            self.log.annotate(entry, commit={"state": "pending", "due": round(received + commit_after, 3)})
            self.commit_due()
            return received + commit_after

    def commit_due(self) -> None:
        """Run the pending commits that are due, each on a clock pinned to its due time (oldest first)."""
        if not self.pending:
            return
        with self.lock:
            real_now = self.clock.real_now()
            due = sorted((item for item in self.pending if item.due <= real_now), key=lambda item: item.due)
            for item in due:
                self.pending.remove(item)
                at = max(item.due, item.received)
                with self.clock.pinned(at):
                    reply = item.run()
                state = "failed" if reply.error_code else "committed"  # failed: the late work was refused
                self.log.annotate(item.entry, commit={"state": state, "at": round(at, 3), "status": reply.status,
                                                      "error_code": reply.error_code, "answer": _answer_of(reply)})

    def advance(self, seconds: float) -> float:
        """Move simulated time forward; pending commits come ``seconds`` (as real seconds) closer too."""
        with self.lock:
            self.clock.advance(seconds)
            for item in self.pending:
                item.due -= seconds
            self.commit_due()
            return self.clock.now()

    @property
    def documented_only(self) -> bool:
        return bool(self.behaviour["documented_only"])

    @property
    def echo_markers(self) -> bool:
        return bool(self.behaviour["echo_markers"]) and not self.behaviour["documented_only"]

    def update_behaviour(self, changes: Any) -> dict:
        checked = validate_behaviour(changes)
        with self.lock:
            self.behaviour.update(checked)
            if "time_scale" in checked:
                self.clock.set_scale(checked["time_scale"])
            return public_behaviour(self.behaviour)

    def stats(self) -> dict:
        """Request counters per platform plus the tasks and duplicate coverage the platforms hold now."""
        with self.lock:
            self.commit_due()
            result = {}
            for name in PLATFORM_NAMES:
                counts = self.log.counts(name)
                counts["tasks"] = len(self.platform(name).tasks)
                counts["duplicates"] = self.platform(name).duplicates()
                counts["pending_commits"] = sum(1 for item in self.pending if item.platform == name)
                result[name] = counts
            return result

    def coverage(self, platform: str, device: str) -> dict:
        """The task rows of one device (Tencent: ``PRODUCT/NAME``) and how many of them are not failed."""
        with self.lock:
            self.commit_due()
            if platform == "huawei":
                rows = self.huawei.coverage(device)
            elif platform == "tencent":
                product_id, _sep, name = device.partition("/")
                rows = self.tencent.coverage(product_id, name)
            elif platform == "huawei_iotda":
                rows = self.huawei_iotda.coverage(device)
            else:
                raise ValueError("platform must be huawei, tencent or huawei_iotda")
            return {"platform": platform, "device": device, "tasks": rows, "count": len(rows),
                    "active": sum(1 for row in rows if row["phase"] not in NOT_DONE)}

    def state(self) -> dict:
        with self.lock:
            self.commit_due()
            real_now = self.clock.real_now()
            return {
                "pending_commits": [{"platform": item.platform, "seq": item.entry.get("seq"),
                                     "due_in": round(item.due - real_now, 3)} for item in self.pending],
                "time": {"simulated": self.clock.now(), "real": self.clock.real_now(), "time_scale": self.clock.time_scale},
                "behaviour": public_behaviour(self.behaviour),
                "huawei": self.huawei.state(),
                "tencent": self.tencent.state(),
                "huawei_iotda": self.huawei_iotda.state(),
            }
