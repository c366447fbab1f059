"""Fault injection rules (``POST /_emulator/faults``) and the request log."""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any, Optional

KINDS = ("http_500", "http_503", "reset", "delay", "drop_response", "throttle", "expire_token")
PLATFORMS = ("huawei", "tencent")
LOG_LIMIT = 20000


@dataclass
class FaultRule:
    """One rule; it fires on the next ``times`` matching requests (``times`` -1 = on every one).

    ``http_500``/``http_503``: answer that status without doing the work; ``reset``: close the
    connection without an answer and without doing the work; ``delay``: sleep ``delay`` seconds,
    then handle normally; ``drop_response``: do the work, then close the connection without an
    answer; ``throttle``: answer the platform's throttle error; ``expire_token``: invalidate the
    caller's Huawei token, then handle normally (so the call fails with 1010005).
    """

    kind: str
    platform: Optional[str] = None
    method: Optional[str] = None
    path: Optional[str] = None
    action: Optional[str] = None
    times: int = 1
    delay: float = 1.0
    fired: int = 0

    def matches(self, platform: str, method: str, path: str, action: Optional[str]) -> bool:
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
    unknown = set(item) - {"kind", "platform", "method", "path", "action", "times", "delay"}
    if unknown:
        raise ValueError("unknown fault rule keys: %s" % ", ".join(sorted(unknown)))
    kind = item.get("kind")
    if kind not in KINDS:
        raise ValueError("fault kind must be one of %s" % ", ".join(KINDS))
    platform = item.get("platform")
    if platform is not None and platform not in PLATFORMS:
        raise ValueError("fault platform must be one of %s" % ", ".join(PLATFORMS))
    if kind == "expire_token" and platform != "huawei":
        raise ValueError("expire_token applies to platform huawei only")
    times = item.get("times", 1)
    delay = item.get("delay", 1.0)
    if not isinstance(times, int) or isinstance(times, bool) or times == 0 or times < -1:
        raise ValueError("times must be a positive integer, or -1 for every request")
    if not isinstance(delay, (int, float)) or isinstance(delay, bool) or not 0 <= delay <= 600:
        raise ValueError("delay must be a number of seconds between 0 and 600")
    for key in ("method", "path", "action"):
        if item.get(key) is not None and not isinstance(item[key], str):
            raise ValueError("%s must be a string" % key)
    return FaultRule(kind=kind, platform=platform, method=item.get("method"), path=item.get("path"),
                     action=item.get("action"), times=times, delay=float(delay))


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

    def take(self, platform: str, method: str, path: str, action: Optional[str]) -> Optional[FaultRule]:
        """The first matching rule, counted as fired (and dropped once exhausted)."""
        with self._lock:
            for rule in self._rules:
                if rule.matches(platform, method, path, action):
                    rule.fired += 1
                    if rule.exhausted:
                        self._rules.remove(rule)
                    return rule
        return None

    def listing(self) -> list[dict]:
        with self._lock:
            return [asdict(rule) for rule in self._rules]


class RequestLog:
    """What reached the emulator: never bodies, secrets, tokens or Authorization headers."""

    def __init__(self, limit: int = LOG_LIMIT) -> None:
        self._entries: deque = deque(maxlen=limit)
        self._seq = 0
        self._lock = threading.Lock()

    def add(self, platform: str, method: str, path: str, action: Optional[str], status: Optional[int],
            error_code: Optional[str] = None, fault: Optional[str] = None) -> dict:
        with self._lock:
            self._seq += 1
            entry = {"seq": self._seq, "time": round(time.time(), 3), "platform": platform, "method": method,
                     "path": path, "action": action, "status": status, "error_code": error_code, "fault": fault}
            self._entries.append(entry)
            return entry

    def entries(self) -> list[dict]:
        with self._lock:
            return [dict(entry) for entry in self._entries]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
