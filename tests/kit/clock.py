"""One fake clock for every test: ``time`` / ``monotonic`` / ``sleep`` that move only when slept.

Hand ``clock.time`` (or the clock itself: calling it is ``time``), ``clock.monotonic`` and ``clock.sleep`` to the
code under test (rate limiters, retry policies, module bodies, the rollout engine, the emulator's throttles); a test
moves time with ``clock.sleep(seconds)`` (recorded) or ``clock.advance(seconds)`` (not recorded), or sets
``clock.now`` when it needs an absolute moment. Threads may sleep on one clock together (each move is whole).

:class:`ProcessClock` is the same fake wall clock shared by forked processes (a rate limiter's window across
processes).
"""
import multiprocessing
import threading
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
        self._lock = threading.RLock()

    def time(self):
        return self.now

    def __call__(self):
        return self.now

    def monotonic(self):
        return self.mono

    def sleep(self, seconds):
        if seconds < 0:
            raise ValueError("sleep length must be non-negative (got %r)" % (seconds,))  # as time.sleep
        with self._lock:
            self.sleeps.append(seconds)
            self.advance(seconds)

    def advance(self, seconds):
        """Move both clocks ``seconds`` forward without recording a sleep."""
        with self._lock:
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


class ProcessClock:
    """A fake wall clock shared by the processes forked after it is made: ``clock()`` reads it, ``sleep(seconds)``
    moves it to the sleeper's wake-up time (the time it last read plus ``seconds``), never back."""

    def __init__(self, start=1000.0, context=None):
        self.value = (context or multiprocessing.get_context("fork")).Value("d", float(start))
        self.seen = float(start)

    def __call__(self):
        with self.value.get_lock():
            self.seen = self.value.value
        return self.seen

    def sleep(self, seconds):
        with self.value.get_lock():
            self.value.value = max(self.value.value, self.seen + seconds)
