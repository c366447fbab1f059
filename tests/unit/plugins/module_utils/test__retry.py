"""Retry policy: throttle answers waited out, transient backoff, creates never repeated (_retry)."""
import random

import pytest

from ansible_collections.iotfleet.firmware.plugins.module_utils._errors import IoTError
from ansible_collections.iotfleet.firmware.plugins.module_utils._pacing import RateLimiter
from ansible_collections.iotfleet.firmware.plugins.module_utils._retry import RetryPolicy

from kit.clock import Clock


class Script:
    """Raises the given errors in order, then returns "ok"; records the clock at every call."""

    def __init__(self, clock, *errors):
        self.clock = clock
        self.errors = list(errors)
        self.times = []

    def __call__(self):
        self.times.append(self.clock.now)
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def throttled(retry_after=None):
    return IoTError("403 1010009 rate limit", code="1010009", http_status=403, throttled=True, retry_after=retry_after)


def transient(committed=False):
    return IoTError("503", code="ServerError", http_status=503, retryable=True, maybe_committed=committed)


@pytest.fixture
def clock():
    return Clock(start=5000.0)


@pytest.fixture
def limiter(tmp_path, clock):
    return RateLimiter("key", 100, 60, state_dir=str(tmp_path), clock=clock, sleep=clock.sleep)


def policy(limiter, clock, **kwargs):
    kwargs.setdefault("rng", random.Random(3))
    return RetryPolicy(limiter, sleep=clock.sleep, **kwargs)


def test_success_takes_one_slot(limiter, clock):
    retry = policy(limiter, clock)
    assert retry.run(Script(clock), idempotent=True) == "ok"
    assert limiter.acquired == 1 and retry.api_calls == 1 and clock.sleeps == []


def test_transient_errors_back_off_with_jitter_until_success(limiter, clock):
    retry = policy(limiter, clock, base_delay=1, max_delay=8)
    func = Script(clock, transient(), transient(), transient())
    seen = []
    assert retry.run(func, idempotent=True, on_retry=lambda exc, attempt, delay: seen.append((attempt, delay))) == "ok"
    assert len(func.times) == 4 and limiter.acquired == 4  # the limiter is asked before every attempt
    assert [attempt for attempt, delay in seen] == [1, 2, 3]
    assert clock.sleeps == pytest.approx([delay for attempt, delay in seen])
    assert seen[0][1] == 1 and 1 <= seen[1][1] <= 2 and 1 <= seen[2][1] <= 4
    assert retry.retries == 3 and retry.api_calls == 4


def test_transient_errors_are_bounded_by_attempts(limiter, clock):
    retry = policy(limiter, clock, attempts=3)
    func = Script(clock, *[transient() for index in range(5)])
    with pytest.raises(IoTError) as info:
        retry.run(func, idempotent=True)
    assert info.value.code == "ServerError"
    assert len(func.times) == 3 and len(clock.sleeps) == 2


def test_permanent_errors_are_raised_at_once(limiter, clock):
    func = Script(clock, IoTError("bad request", code="120015"))
    with pytest.raises(IoTError):
        policy(limiter, clock).run(func, idempotent=True)
    assert len(func.times) == 1 and clock.sleeps == []


def test_non_idempotent_call_is_never_repeated_after_a_maybe_committed_error(limiter, clock):
    for error in (transient(committed=True), IoTError("read timeout", code="ReadTimeout", retryable=True,
                                                      maybe_committed=True)):
        func = Script(clock, error)
        with pytest.raises(IoTError) as info:
            policy(limiter, clock).run(func, idempotent=False)
        assert info.value is error and len(func.times) == 1


def test_non_idempotent_call_is_repeated_when_nothing_was_committed(limiter, clock):
    func = Script(clock, IoTError("refused", code="ConnectionError", retryable=True, maybe_committed=False))
    assert policy(limiter, clock).run(func, idempotent=False) == "ok"
    assert len(func.times) == 2


def test_idempotent_call_is_repeated_after_a_maybe_committed_error(limiter, clock):
    func = Script(clock, transient(committed=True))
    assert policy(limiter, clock).run(func, idempotent=True) == "ok"


def test_throttle_answers_wait_for_the_window_and_do_not_spend_attempts(limiter, clock):
    retry = policy(limiter, clock, attempts=1)
    func = Script(clock, throttled(), throttled(), throttled())
    seen = []
    assert retry.run(func, idempotent=False, on_retry=lambda *args: seen.append(args[1:])) == "ok"
    # each throttle answer holds every process of the key back for the window (60 s), not a backoff
    assert [later - earlier for earlier, later in zip(func.times, func.times[1:])] == [60, 60, 60]
    assert seen == [(1, 60.0), (2, 60.0), (3, 60.0)]
    assert retry.throttle_waits == 3 and retry.throttle_waited == 180 and retry.api_calls == 4
    assert limiter.penalties == 3 and limiter.acquired == 4


def test_retry_after_sets_the_wait(limiter, clock):
    func = Script(clock, throttled(retry_after=2.5))
    assert policy(limiter, clock).run(func, idempotent=True) == "ok"
    assert func.times[1] - func.times[0] == pytest.approx(2.5)


def test_throttle_budget_bounds_the_waiting(limiter, clock):
    retry = policy(limiter, clock, throttle_budget=100)
    func = Script(clock, throttled(), throttled(), throttled())
    with pytest.raises(IoTError) as info:
        retry.run(func, idempotent=True)
    assert len(func.times) == 2
    assert info.value.code == "1010009"
    assert "still throttled after waiting 60 s, the throttle budget is 100 s" in info.value.message
    assert str(info.value) == info.value.message


def test_default_throttle_budget_is_ten_windows(limiter, clock):
    retry = policy(limiter, clock)
    assert retry.throttle_budget == 600
    func = Script(clock, *[throttled() for index in range(20)])
    with pytest.raises(IoTError):
        retry.run(func, idempotent=True)
    assert len(func.times) == 11 and retry.throttle_waited == 600


def test_throttle_that_may_have_committed_a_create_is_not_repeated(limiter, clock):
    error = IoTError("throttled?", throttled=True, retryable=True, maybe_committed=True)
    func = Script(clock, error)
    with pytest.raises(IoTError):
        policy(limiter, clock).run(func, idempotent=False)
    assert len(func.times) == 1


def test_throttle_and_transient_errors_mixed(limiter, clock):
    retry = policy(limiter, clock, attempts=2)
    func = Script(clock, throttled(), transient(), throttled())
    assert retry.run(func, idempotent=True) == "ok"
    assert retry.throttle_waits == 2 and retry.retries == 1 and len(func.times) == 4


def test_without_a_limiter_throttle_waits_use_sleep(clock):
    retry = RetryPolicy(None, sleep=clock.sleep, rng=random.Random(1))
    assert retry.throttle_budget == 600
    assert retry.run(Script(clock, throttled(retry_after=3)), idempotent=True) == "ok"
    assert clock.sleeps == [3]


def test_delay_grows_and_is_capped():
    retry = RetryPolicy(None, base_delay=0.5, max_delay=4, rng=random.Random(9))
    for number in range(12):
        assert 0.5 <= retry.delay(number) <= min(4, 0.5 * 2 ** number)
    assert len(set(retry.delay(5) for index in range(20))) > 1  # jittered


class StricterPlatform:
    """A stand-in that allows fewer calls than the limiter is configured for: 90 per 60 s."""

    def __init__(self, clock):
        self.clock = clock
        self.accepted = []
        self.refused = 0

    def __call__(self):
        now = self.clock.now
        if len([value for value in self.accepted if value > now - 60]) >= 90:
            self.refused += 1
            raise throttled()
        self.accepted.append(now)
        return "ok"


def test_a_loop_of_calls_never_sees_a_throttle_error(limiter, clock):
    platform = StricterPlatform(clock)
    retry = policy(limiter, clock, attempts=1)
    results = [retry.run(platform, idempotent=False) for call in range(300)]
    assert results == ["ok"] * 300
    assert platform.refused >= 1 and retry.throttle_waits == platform.refused
    assert len(platform.accepted) == 300
