"""One fake clock for every test: ``time`` / ``monotonic`` / ``sleep`` that move only when slept.

Hand ``clock.time`` (or the clock itself: calling it is ``time``), ``clock.monotonic`` and ``clock.sleep`` to the
code under test (rate limiters, retry policies, module bodies, the rollout engine, the emulator's throttles); a test
moves time with ``clock.sleep(seconds)`` (recorded) or ``clock.advance(seconds)`` (not recorded), or sets
``clock.now`` when it needs an absolute moment.
"""
import time as _time


class Clock:
    """Wall clock, monotonic clock and sleep in one.

    ``start``: the wall clock's first reading (epoch seconds); by default the real time, in whole seconds: requests
    signed with a timestamp (Tencent TC3, IoTDA SDK-HMAC) must stay near the real time unless the emulator runs on
    this clock too. ``monotonic``: the monotonic clock's first reading.

    ``sleeps`` lists every sleep in order; ``hooks`` are called with the seconds of every sleep or advance, before
    the clocks move (e.g. ``clock.hooks.append(emulator.advance)`` keeps the emulator's simulated time in step).
    """

    def __init__(self, start=None, monotonic=1000.0):
        self.now = float(int(_time.time())) if start is None else float(start)
        self.mono = float(monotonic)
        self.sleeps = []
        self.hooks = []

    def time(self):
        return self.now

    def __call__(self):
        return self.now

    def monotonic(self):
        return self.mono

    def sleep(self, seconds):
        if seconds < 0:
            raise ValueError("sleep length must be non-negative (got %r)" % (seconds,))  # as time.sleep
        self.sleeps.append(seconds)
        self.advance(seconds)

    def advance(self, seconds):
        """Move both clocks ``seconds`` forward without recording a sleep."""
        for hook in list(self.hooks):
            hook(seconds)
        self.now += seconds
        self.mono += seconds

    @property
    def slept(self):
        """The seconds slept in all."""
        return sum(self.sleeps)

    def __repr__(self):
        return "Clock(now=%r, monotonic=%r, %d sleeps)" % (self.now, self.mono, len(self.sleeps))
