"""Sliding-window call counters for the platforms' API rate limits."""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Callable


class SlidingWindow:
    """At most ``limit`` accepted calls per key within any ``window`` seconds (real time).

    Rejected calls are not counted, so a client that backs off gets through again once the
    oldest accepted call leaves the window.
    """

    def __init__(self, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.window = window
        self.clock = clock
        self._calls: dict[str, deque] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, limit: int) -> bool:
        """Record a call for ``key``; False (and nothing recorded) when the limit is reached.

        A limit of 0 or less means unlimited.
        """
        if limit <= 0:
            return True
        now = self.clock()
        with self._lock:
            calls = self._calls.setdefault(key, deque())
            while calls and calls[0] <= now - self.window:
                calls.popleft()
            if len(calls) >= limit:
                return False
            calls.append(now)
            return True

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()
