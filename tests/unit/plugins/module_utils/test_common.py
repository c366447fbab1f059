"""Tests of the shared layer: retry policy, wait loop, comparison and transport error classes."""
import random
import socket
import threading
import time

import pytest

from ansible_collections.iotfleet.firmware.plugins.module_utils import common
from ansible_collections.iotfleet.firmware.plugins.module_utils.common import Backoff, IoTError, HttpSession


class Flaky:
    """Raises the given errors in order, then returns ``"ok"``."""

    def __init__(self, *errors):
        self.errors = list(errors)
        self.calls = 0

    def __call__(self):
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def quiet_backoff(attempts=4):
    sleeps = []
    return Backoff(attempts=attempts, base_delay=1, max_delay=8, sleep=sleeps.append, rng=random.Random(7)), sleeps


def test_backoff_retries_retryable_errors_until_success():
    backoff, sleeps = quiet_backoff()
    func = Flaky(IoTError("throttled", retryable=True), IoTError("503", retryable=True))
    assert backoff.call(func) == "ok"
    assert func.calls == 3
    assert len(sleeps) == 2
    assert 0 <= sleeps[0] <= 1 and 0 <= sleeps[1] <= 2


def test_backoff_is_bounded():
    backoff, sleeps = quiet_backoff(attempts=3)
    func = Flaky(*[IoTError("throttled", code="1010009", retryable=True) for attempt in range(5)])
    with pytest.raises(IoTError) as info:
        backoff.call(func)
    assert info.value.code == "1010009"
    assert func.calls == 3
    assert len(sleeps) == 2


def test_backoff_does_not_retry_permanent_errors():
    backoff, sleeps = quiet_backoff()
    func = Flaky(IoTError("bad request", code="120015", retryable=False))
    with pytest.raises(IoTError):
        backoff.call(func)
    assert func.calls == 1 and sleeps == []


def test_non_idempotent_call_is_never_repeated_when_it_may_have_been_committed():
    backoff = quiet_backoff()[0]
    func = Flaky(IoTError("read timeout", retryable=True, maybe_committed=True))
    with pytest.raises(IoTError) as info:
        backoff.call(func, idempotent=False)
    assert info.value.maybe_committed
    assert func.calls == 1


def test_non_idempotent_call_is_repeated_when_nothing_was_committed():
    backoff = quiet_backoff()[0]
    func = Flaky(IoTError("throttled", retryable=True, maybe_committed=False))
    assert backoff.call(func, idempotent=False) == "ok"
    assert func.calls == 2


def test_backoff_delay_grows_and_is_capped():
    backoff = Backoff(base_delay=1, max_delay=5, rng=random.Random(1))
    for retry in range(10):
        assert 0 <= backoff.delay(retry) <= min(5, 2 ** retry)


def test_wait_for_returns_when_done():
    values = iter([1, 2, 3, 4])
    clock = iter(range(100)).__next__
    result = common.wait_for(lambda: next(values), lambda v: v >= 3, timeout=60, sleep_seconds=1, clock=clock, sleep=lambda seconds: None)
    assert result.value == 3 and not result.timed_out and result.polls == 3


def test_wait_for_reports_timeout_with_last_value():
    ticks = iter(range(0, 1000, 10)).__next__
    result = common.wait_for(lambda: "running", lambda v: False, timeout=25, sleep_seconds=10, clock=ticks, sleep=lambda seconds: None)
    assert result.timed_out and result.value == "running"
    assert result.elapsed <= 25


def test_normalize_ignores_order_and_empty_values():
    assert common.normalize({"a": [3, 1, 2], "b": None, "c": [], "d": {"x": ""}}) == {"a": [1, 2, 3]}


def test_changed_keys_skips_unset_desired_values():
    desired = {"devices": ["b", "a"], "policy": None, "retry": 3}
    actual = {"devices": ["a", "b"], "policy": {"x": 1}, "retry": 2}
    assert common.changed_keys(desired, actual) == ["retry"]


def test_redact_masks_secrets():
    assert common.redact("token abcd1234 leaked", ["abcd1234"]) == "token ******** leaked"
    assert common.redact(None, ["x"]) is None


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_refused_connection_is_retryable_and_not_committed():
    session = HttpSession(timeout=2)
    with pytest.raises(IoTError) as info:
        session.request("GET", "http://127.0.0.1:%d/" % _free_port())
    assert info.value.retryable
    assert not info.value.maybe_committed


def _serve_once(handler):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)

    def accept():
        conn = server.accept()[0]
        try:
            handler(conn)
        finally:
            conn.close()
            server.close()

    threading.Thread(target=accept, daemon=True).start()
    return "http://127.0.0.1:%d/" % server.getsockname()[1]


def test_connection_closed_after_request_may_have_been_committed():
    url = _serve_once(lambda conn: conn.recv(65536))
    with pytest.raises(IoTError) as info:
        HttpSession(timeout=5).request("POST", url, data=b"{}")
    assert info.value.maybe_committed and info.value.retryable


def test_read_timeout_may_have_been_committed():
    url = _serve_once(lambda conn: (conn.recv(65536), time.sleep(1.5)))
    with pytest.raises(IoTError) as info:
        HttpSession(timeout=0.5).request("POST", url, data=b"{}")
    assert info.value.code == "ReadTimeout"
    assert info.value.maybe_committed
