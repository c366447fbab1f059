"""Fault injection rules (``POST /_emulator/faults``) and the request log."""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any, Optional

KINDS = ("http_500", "http_503", "reset", "delay", "drop_response", "throttle", "expire_token", "slow_commit",
         "garbage", "html_error", "trickle", "empty_body", "mutate")
# rule fields beyond the matchers that only some kinds take ("delay" is accepted by every kind, as before)
KIND_FIELDS = {"commit_after": ("slow_commit",), "body": ("garbage",), "rate": ("trickle",), "set": ("mutate",),
               "execute": ("garbage", "html_error", "empty_body")}
MAX_DELAY = 600.0
PLATFORMS = ("huawei", "tencent", "huawei_iotda")
LOG_LIMIT = 20000


@dataclass
class FaultRule:
    """One rule; it fires on the next ``times`` matching requests (``times`` -1 = on every one).

    ``http_500``/``http_503``: answer that status without doing the work; ``reset``: close the
    connection without an answer and without doing the work; ``delay``: sleep ``delay`` seconds,
    then handle normally; ``drop_response``: do the work, then close the connection without an
    answer; ``throttle``: answer the platform's throttle error; ``expire_token``: invalidate the
    caller's Huawei token, then handle normally (so the call fails with 1010005).

    ``slow_commit`` (creates only): the request is authenticated at once, its work runs
    ``commit_after`` real seconds after receipt, and the answer is held ``delay`` seconds, then the
    connection is closed without one. ``garbage``: HTTP 200 application/json with the literal ``body``;
    ``html_error``: HTTP 502 with an HTML page; ``empty_body``: HTTP 200 without a body (these three do
    the work first only with ``execute``). ``trickle``: the real answer at ``rate`` bytes per second.
    ``mutate``: the real JSON answer with ``set`` = {dotted.path: value} applied.
    """

    kind: str
    platform: Optional[str] = None
    method: Optional[str] = None
    path: Optional[str] = None
    action: Optional[str] = None
    times: int = 1
    delay: float = 1.0
    commit_after: float = 0.0
    body: Optional[str] = None
    rate: float = 1.0
    set: Optional[dict] = None  # pylint: disable=redefined-builtin  # the JSON name of the mutate field
    execute: bool = False
    fired: int = 0

    def matches(self, platform: str, method: str, path: str, action: Optional[str], is_create: bool = False) -> bool:
        if self.kind == "slow_commit" and not is_create:
            return False
        return ((self.platform is None or self.platform == platform)
                and (self.method is None or self.method.upper() == method)
                and (self.path is None or path.startswith(self.path))
                and (self.action is None or self.action == action))

    @property
    def exhausted(self) -> bool:
        return 0 <= self.times <= self.fired


def parse_rule(item: Any) -> FaultRule:
    """A rule from its JSON form; ValueError explains what is wrong."""
    if not isinstance(item, dict):
        raise ValueError("a fault rule is an object")
    unknown = set(item) - {"kind", "platform", "method", "path", "action", "times", "delay"} - set(KIND_FIELDS)
    if unknown:
        raise ValueError("unknown fault rule keys: %s" % ", ".join(sorted(unknown)))
    kind = item.get("kind")
    if kind not in KINDS:
        raise ValueError("fault kind must be one of %s" % ", ".join(KINDS))
    for key, kinds in KIND_FIELDS.items():
        if key in item and kind not in kinds:
            raise ValueError("%s applies to fault kind %s only" % (key, " or ".join(kinds)))
    platform = item.get("platform")
    if platform is not None and platform not in PLATFORMS:
        raise ValueError("fault platform must be one of %s" % ", ".join(PLATFORMS))
    if kind == "expire_token" and platform != "huawei":
        raise ValueError("expire_token applies to platform huawei only")
    times = item.get("times", 1)
    delay = item.get("delay", 1.0)
    if not isinstance(times, int) or isinstance(times, bool) or times == 0 or times < -1:
        raise ValueError("times must be a positive integer, or -1 for every request")
    for key in ("method", "path", "action"):
        if item.get(key) is not None and not isinstance(item[key], str):
            raise ValueError("%s must be a string" % key)
    rule = FaultRule(kind=kind, platform=platform, method=item.get("method"), path=item.get("path"),
                     action=item.get("action"), times=times, delay=_seconds("delay", delay),
                     commit_after=_seconds("commit_after", item.get("commit_after", 0.0), 10 ** 6),
                     execute=item.get("execute", False))
    if not isinstance(rule.execute, bool):
        raise ValueError("execute must be true or false")
    if kind == "garbage":
        rule.body = item.get("body")
        if not isinstance(rule.body, str):
            raise ValueError("garbage needs body, the literal string to answer (e.g. '{}' or 'not json')")
    if kind == "trickle":
        rate = item.get("rate", 1.0)
        if not isinstance(rate, (int, float)) or isinstance(rate, bool) or not 0 < rate <= 10 ** 9:
            raise ValueError("rate must be a positive number of bytes per second")
        rule.rate = float(rate)
    if kind == "mutate":
        rule.set = item.get("set")
        if not isinstance(rule.set, dict) or not rule.set or not all(isinstance(key, str) and key for key in rule.set):
            raise ValueError("mutate needs set, an object of {dotted.path: value}")
    return rule


def _seconds(name: str, value: Any, limit: float = MAX_DELAY) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value <= limit:
        raise ValueError("%s must be a number of seconds between 0 and %d" % (name, limit))
    return float(value)


def apply_mutations(payload: Any, changes: dict) -> Any:
    """``payload`` with each ``dotted.path`` set to its value (list items by index; missing objects are created).

    A path through something that is neither an object nor a list, or past the end of a list, is ignored.
    """
    for dotted, value in changes.items():
        parts = dotted.split(".")
        if parts == [""]:
            continue
        node = payload
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            if isinstance(node, list):
                if not part.isdigit() or int(part) >= len(node):
                    break
                if last:
                    node[int(part)] = value
                else:
                    node = node[int(part)]
            elif isinstance(node, dict):
                if last:
                    node[part] = value
                else:
                    if node.get(part) is None:
                        node[part] = {}
                    node = node[part]
            else:
                break
    return payload


class FaultBook:
    """The active rules, in the order they were added (the first matching rule fires)."""

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()

    def add(self, rules: list[FaultRule]) -> None:
        with self._lock:
            self._rules.extend(rules)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def take(self, platform: str, method: str, path: str, action: Optional[str],
             is_create: bool = False) -> Optional[FaultRule]:
        """The first matching rule, counted as fired (and dropped once exhausted)."""
        with self._lock:
            for rule in self._rules:
                if rule.matches(platform, method, path, action, is_create):
                    rule.fired += 1
                    if rule.exhausted:
                        self._rules.remove(rule)
                    return rule
        return None

    def listing(self) -> list[dict]:
        with self._lock:
            return [asdict(rule) for rule in self._rules]


THROTTLE_CODES = ("1010009", "RequestLimitExceeded", "APIGW.0308")
CREATE_KINDS = ("create_firmware_task", "create_software_task", "BatchUpdateFirmware", "create_batch_task")


def _new_counts() -> dict:
    return {"calls": 0, "answered": 0, "dropped": 0, "throttled": 0, "errors": 0, "creates": 0, "logins": 0,
            "by_kind": {}, "by_error": {}, "faults": {}}


class RequestLog:
    """What reached the emulator: never bodies, secrets, tokens or Authorization headers.

    Besides the last ``limit`` entries it keeps counters per platform (``counts()``) that never roll over.
    """

    def __init__(self, limit: int = LOG_LIMIT) -> None:
        self._entries: deque = deque(maxlen=limit)
        self._seq = 0
        self._counts: dict[str, dict] = {}
        self._lock = threading.Lock()

    def add(self, platform: str, method: str, path: str, action: Optional[str], status: Optional[int],
            error_code: Optional[str] = None, fault: Optional[str] = None, kind: Optional[str] = None) -> dict:
        """Log one request; ``kind`` names the call for the counters (the Tencent action, a Huawei handler name)."""
        with self._lock:
            self._seq += 1
            entry = {"seq": self._seq, "time": round(time.time(), 3), "platform": platform, "method": method,
                     "path": path, "action": action, "status": status, "error_code": error_code, "fault": fault}
            self._entries.append(entry)
            self._count(platform, status, error_code, fault, kind or action or "unknown")
            return entry

    def _count(self, platform: str, status: Optional[int], error_code: Optional[str], fault: Optional[str],
               kind: str) -> None:
        counts = self._counts.setdefault(platform, _new_counts())
        counts["calls"] += 1
        counts["answered" if status is not None else "dropped"] += 1
        counts["by_kind"][kind] = counts["by_kind"].get(kind, 0) + 1
        if kind in CREATE_KINDS:
            counts["creates"] += 1
        if kind == "login":
            counts["logins"] += 1
        if error_code:
            counts["errors"] += 1
            counts["by_error"][error_code] = counts["by_error"].get(error_code, 0) + 1
            if error_code in THROTTLE_CODES:
                counts["throttled"] += 1
        if fault:
            counts["faults"][fault] = counts["faults"].get(fault, 0) + 1

    def counts(self, platform: str) -> dict:
        """The counters of one platform since the last reset or clear (zeros when nothing came)."""
        with self._lock:
            counts = self._counts.get(platform) or _new_counts()
            return dict((key, dict(value) if isinstance(value, dict) else value) for key, value in counts.items())

    def annotate(self, entry: dict, **fields: Any) -> None:
        """Add fields to an entry already logged (the outcome of a deferred commit)."""
        with self._lock:
            entry.update(fields)

    def entries(self) -> list[dict]:
        with self._lock:
            return [dict(entry) for entry in self._entries]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._counts.clear()
