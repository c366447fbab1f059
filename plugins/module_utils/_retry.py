# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""How a call is repeated: paced, throttle answers waited out, transient errors backed off, creates never
repeated after an error that may have committed them. Retries are opt-in per call (after amazon.aws)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import random
import time
from typing import Any, Callable, Optional

from ._errors import IoTError
from ._pacing import RateLimiter


class RetryPolicy:
    """How a call is repeated.

    - Throttle answers (``IoTError.throttled``): ``limiter.penalize(retry_after or the limiter window)`` and try
      again once the window allows; these do not count against ``attempts``, only against ``throttle_budget``
      seconds of total penalty (default 10 x window); safe for creates (refused before execution).
    - Transient errors (``IoTError.retryable``): jittered exponential backoff (``base_delay`` .. ``max_delay``),
      up to ``attempts`` calls; a non-idempotent call is repeated only when ``exc.maybe_committed`` is False.
    - Everything else: raised at once.

    Counters for results: ``api_calls`` (attempts sent), ``throttle_waits`` (throttle answers waited out),
    ``throttle_waited`` (seconds of penalty), ``retries`` (transient repeats).
    """

    def __init__(self, limiter: Optional[RateLimiter], attempts: int = 5, base_delay: float = 0.5,
                 max_delay: float = 16.0, throttle_budget: Optional[float] = None,
                 sleep: Callable[[float], Any] = time.sleep, rng: Optional[random.Random] = None):
        self.limiter = limiter
        self.attempts = max(1, attempts)
        self.base_delay = base_delay
        self.max_delay = max_delay
        window = limiter.per_seconds if limiter is not None else 60.0
        self.throttle_budget = 10 * window if throttle_budget is None else throttle_budget
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.api_calls = 0
        self.throttle_waits = 0
        self.throttle_waited = 0.0
        self.retries = 0

    def delay(self, retry_number: int) -> float:
        """Backoff before repeat ``retry_number`` (0-based): uniform in [base, ceiling], ceiling doubling up to
        ``max_delay`` (jitter keeps the forks of one play from retrying in step)."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** retry_number))
        return self.rng.uniform(min(self.base_delay, ceiling), ceiling)

    def run(self, call_once: Callable[[], Any], idempotent: bool,
            on_retry: Optional[Callable[[IoTError, int, float], Any]] = None,
            limiter: Optional[RateLimiter] = None) -> Any:
        """``call_once()`` -> value. ``limiter.acquire()`` before EVERY attempt.
        ``on_retry(exc, attempt, delay)``: ``attempt`` is the 1-based number of the call that failed.
        ``limiter``: this call's limiter (a platform that limits each action on its own), else the policy's."""
        limiter = limiter or self.limiter
        failures = 0  # transient failures so far (throttle answers are not counted)
        throttled_for = 0.0
        attempt = 0
        while True:
            attempt += 1
            if limiter is not None:
                limiter.acquire()
            self.api_calls += 1
            try:
                return call_once()
            except IoTError as exc:
                if exc.throttled and (idempotent or not exc.maybe_committed):
                    throttled_for += self._wait_throttle(exc, attempt, throttled_for, on_retry, limiter)
                    continue
                failures += 1
                if not self._may_repeat(exc, idempotent, failures):
                    raise
                wait = self.delay(failures - 1)
                self.retries += 1
                if on_retry:
                    on_retry(exc, attempt, wait)
                self.sleep(wait)

    def _may_repeat(self, exc: IoTError, idempotent: bool, failures: int) -> bool:
        if not exc.retryable or failures >= self.attempts:
            return False
        return idempotent or not exc.maybe_committed

    def _wait_throttle(self, exc: IoTError, attempt: int, throttled_for: float, on_retry,
                       limiter: Optional[RateLimiter] = None) -> float:
        """Penalize the shared window (so that every process of these credentials holds back); returns the
        penalty. Raises ``exc`` once the budget would be exceeded."""
        limiter = limiter or self.limiter
        wait = exc.retry_after if exc.retry_after and exc.retry_after > 0 else (
            limiter.per_seconds if limiter is not None else 1.0)
        if throttled_for + wait > self.throttle_budget:
            exc.message = "%s (still throttled after waiting %s s, the throttle budget is %s s)" % (
                exc.message, _round(throttled_for), _round(self.throttle_budget))
            exc.args = (exc.message,)
            raise exc
        self.throttle_waits += 1
        self.throttle_waited += wait
        if on_retry:
            on_retry(exc, attempt, wait)
        if limiter is not None:
            limiter.penalize(wait)  # the next acquire() waits it out
        else:
            self.sleep(wait)
        return wait

    def _window(self) -> float:
        return self.limiter.per_seconds if self.limiter is not None else 1.0


def _round(seconds: float) -> str:
    return "%g" % round(seconds, 1)
