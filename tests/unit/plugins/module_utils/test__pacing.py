"""Pacing shared across processes: rate limiter and token cache (_pacing)."""
import json
import multiprocessing
import os
import stat
import subprocess
import sys
import threading
import time

import pytest

from ansible_collections.iotfleet.firmware.plugins.module_utils import _pacing
from ansible_collections.iotfleet.firmware.plugins.module_utils._errors import IoTError
from ansible_collections.iotfleet.firmware.plugins.module_utils._pacing import (
    RateLimiter, TokenCache, default_state_dir, ensure_state_dir, key_digest)

from kit.clock import Clock, ProcessClock

SECRET = 'p@ss w+rd/"\u00e9\\'
KEY = "https://iot.example:8743|app-1|" + SECRET  # a key made from a secret must never reach a file name
FORK = multiprocessing.get_context("fork")  # the controller is POSIX; children inherit the test's imports


def _positive(seconds):
    assert seconds > 0, "slept %r s: a limiter sleeps only when it must wait" % (seconds,)


def fake_clock():
    """The kit's clock at 1000.0 s; every sleep must be a real wait."""
    clock = Clock(start=1000.0)
    clock.hooks.append(_positive)
    return clock


def most_in_window(times, window):
    """The largest number of ``times`` inside one closed window [t, t + window]."""
    times = sorted(times)
    best = 0
    for start, first in enumerate(times):
        inside = [value for value in times[start:] if value <= first + window]
        best = max(best, len(inside))
    return best


def test_most_in_window_counts_closed_windows():
    assert most_in_window([0, 1, 2, 2.5], 2) == 3
    assert most_in_window([0, 2.0000001, 4.1], 2) == 1
    assert most_in_window([], 2) == 0


# ---------------------------------------------------------------------------------------- state dir

def test_default_state_dir_from_environment(tmp_path, monkeypatch):
    wanted = str(tmp_path / "pacing")
    monkeypatch.setenv("IOTFLEET_PACING_DIR", wanted)
    assert default_state_dir() == wanted
    assert stat.S_IMODE(os.stat(wanted).st_mode) == 0o700


def test_default_state_dir_in_temp_dir_per_user(tmp_path, monkeypatch):
    monkeypatch.delenv("IOTFLEET_PACING_DIR", raising=False)
    monkeypatch.setattr(_pacing.tempfile, "gettempdir", lambda: str(tmp_path))
    path = default_state_dir()
    assert path == str(tmp_path / ("iotfleet-firmware-%d" % os.getuid()))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o700


def test_state_dir_is_tightened_and_checked(tmp_path, monkeypatch):
    loose = tmp_path / "loose"
    loose.mkdir(mode=0o755)
    os.chmod(str(loose), 0o755)
    ensure_state_dir(str(loose))
    assert stat.S_IMODE(os.stat(str(loose)).st_mode) == 0o700
    (tmp_path / "file").write_text("x")
    with pytest.raises(IoTError) as info:
        ensure_state_dir(str(tmp_path / "file"))
    assert info.value.code == "PacingStateError"
    os.symlink(str(loose), str(tmp_path / "link"))
    with pytest.raises(IoTError, match="not a directory"):
        ensure_state_dir(str(tmp_path / "link"))
    monkeypatch.setattr(_pacing, "_uid", lambda: os.getuid() + 1)
    with pytest.raises(IoTError, match="belongs to another user"):
        ensure_state_dir(str(loose))


def test_file_names_are_hashes_and_rate_file_holds_only_timestamps(tmp_path):
    clock = fake_clock()
    limiter = RateLimiter(KEY, 3, 1, state_dir=str(tmp_path), clock=clock, sleep=clock.sleep)
    limiter.acquire()
    limiter.penalize(2)
    assert os.listdir(str(tmp_path)) == [key_digest(KEY) + ".rate"]
    assert SECRET not in key_digest(KEY) and len(key_digest(KEY)) == 32
    content = json.loads((tmp_path / (key_digest(KEY) + ".rate")).read_text())
    assert content == {"calls": [1000.0], "not_before": 1002.0}
    assert stat.S_IMODE(os.stat(limiter.path).st_mode) == 0o600


# ---------------------------------------------------------------------------------------- rate limiter

def test_limiter_keeps_every_window_under_the_limit(tmp_path):
    clock = fake_clock()
    limiter = RateLimiter(KEY, 10, 2, state_dir=str(tmp_path), clock=clock, sleep=clock.sleep)
    times = []
    for call in range(30):
        limiter.acquire()
        times.append(limiter.last_call_at)
    assert most_in_window(times, 2) == 10
    assert times[10] - times[0] == pytest.approx(2, abs=1e-3)  # paced, not slower than needed
    assert times[-1] - times[0] == pytest.approx(4, abs=1e-3)
    assert limiter.acquired == 30 and limiter.waited_total == pytest.approx(sum(clock.sleeps))


def test_acquire_returns_the_wait(tmp_path):
    clock = fake_clock()
    limiter = RateLimiter(KEY, 2, 10, state_dir=str(tmp_path), clock=clock, sleep=clock.sleep)
    assert limiter.acquire() == 0 and limiter.acquire() == 0
    clock.now += 4
    assert limiter.acquire() == pytest.approx(6, abs=1e-3)


def test_penalty_is_seen_by_every_limiter_of_the_key(tmp_path):
    clock = fake_clock()
    first = RateLimiter(KEY, 100, 60, state_dir=str(tmp_path), clock=clock, sleep=clock.sleep)
    second = RateLimiter(KEY, 100, 60, state_dir=str(tmp_path), clock=clock, sleep=clock.sleep)
    other = RateLimiter("another key", 100, 60, state_dir=str(tmp_path), clock=clock, sleep=clock.sleep)
    first.penalize(30)
    first.penalize(5)  # a shorter penalty never shortens a longer one
    assert other.acquire() == 0
    assert second.acquire() == pytest.approx(30)
    assert clock.now == pytest.approx(1030)
    assert first.penalties == 2


def test_corrupt_state_and_a_clock_stepped_back_do_not_block(tmp_path):
    clock = fake_clock()
    limiter = RateLimiter(KEY, 2, 10, state_dir=str(tmp_path), clock=clock, sleep=clock.sleep)
    with open(limiter.path, "w") as handle:
        handle.write("{not json")
    assert limiter.acquire() == 0
    with open(limiter.path, "w") as handle:
        json.dump({"calls": [5000.0, 5000.0, "x", True], "not_before": 10 ** 12}, handle)
    assert limiter.acquire() == 0


def test_limiter_rejects_bad_limits(tmp_path):
    for calls, per in ((0, 1), (True, 1), (1.5, 1), (1, 0)):
        with pytest.raises(ValueError):
            RateLimiter(KEY, calls, per, state_dir=str(tmp_path))


def test_unshared_limiter_uses_no_files_and_is_shared_in_process(tmp_path):
    clock = fake_clock()
    first = RateLimiter(KEY, 1, 5, state_dir=str(tmp_path / "none"), clock=clock, sleep=clock.sleep, shared=False)
    second = RateLimiter(KEY, 1, 5, state_dir=str(tmp_path / "none"), clock=clock, sleep=clock.sleep, shared=False)
    assert not first.shared
    first.acquire()
    assert second.acquire() == pytest.approx(5, abs=1e-3)
    assert not (tmp_path / "none").exists()


def test_without_fcntl_the_limiter_falls_back_to_in_process(tmp_path, monkeypatch):
    monkeypatch.setattr(_pacing, "HAS_FCNTL", False)
    limiter = RateLimiter(KEY + "nofcntl", 1, 5, state_dir=str(tmp_path), shared=True)
    assert not limiter.shared
    assert limiter.acquire() == 0
    assert os.listdir(str(tmp_path)) == []


def test_a_failing_fcntl_import_means_unshared(tmp_path):
    code = ("import sys; sys.modules['fcntl'] = None\n"  # makes `import fcntl` raise ImportError
            "from ansible_collections.iotfleet.firmware.plugins.module_utils import _pacing\n"
            "limiter = _pacing.RateLimiter('k', 1, 5, state_dir=sys.argv[1])\n"
            "cache = _pacing.TokenCache('k', state_dir=sys.argv[1])\n"
            "cache.put('tok', 100)\n"
            "print(_pacing.HAS_FCNTL, limiter.shared, limiter.acquire(), cache.get()['token'])\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(path for path in sys.path if path))
    output = subprocess.run([sys.executable, "-c", code, str(tmp_path)], env=env, capture_output=True, text=True,
                            timeout=60, check=True).stdout
    assert output.split() == ["False", "False", "0.0", "tok"]
    assert os.listdir(str(tmp_path)) == []


def test_threads_of_one_process_share_the_window(tmp_path):
    lock = threading.Lock()
    clock = fake_clock()
    limiter = RateLimiter(KEY, 5, 1, state_dir=str(tmp_path), clock=clock, sleep=clock.sleep)
    times = []

    def worker():
        for call in range(10):
            limiter.acquire()
            with lock:
                times.append(limiter.last_call_at)

    threads = [threading.Thread(target=worker) for index in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(times) == 30
    assert most_in_window(times, 1) <= 5


# ---------------------------------------------------------------------------------------- two processes

LIMIT, WINDOW = 10, 2  # the two-process tests' limiter: 10 calls per 2 s


def _make_calls(state_dir, count, clock, sleep, start, results):
    limiter = RateLimiter(KEY, LIMIT, WINDOW, state_dir=state_dir, clock=clock, sleep=sleep)
    start.wait(10)
    times = []
    for call in range(count):
        limiter.acquire()
        times.append(limiter.last_call_at)  # the time the limiter recorded, read under the shared file's lock
    results.put((os.getpid(), times))


def run_processes(count, target, *args):
    """Start ``count`` processes of ``target(*args, start, results)`` together; their results (bounded wait)."""
    start = FORK.Barrier(count)
    results = FORK.Queue()
    workers = [FORK.Process(target=target, args=args + (start, results)) for index in range(count)]
    for worker in workers:
        worker.start()
    try:
        return [results.get(timeout=20) for worker in workers]
    finally:
        for worker in workers:
            worker.join(5)
            if worker.is_alive():
                worker.terminate()


def _run_two_processes(state_dir, per_process, clock, sleep):
    """The call times both processes recorded (``per_process`` calls each, from two distinct processes)."""
    answers = run_processes(2, _make_calls, state_dir, per_process, clock, sleep)
    assert len(set(pid for pid, times in answers)) == 2
    assert [len(times) for pid, times in answers] == [per_process, per_process]
    return sorted(value for pid, times in answers for value in times)


def assert_paced(times):
    """What the shared limiter guarantees, however slow the machine: of the calls of both processes, any
    ``LIMIT + 1`` in a row span at least ``WINDOW`` (a lower bound on their spacing; nothing bounds how late
    they come)."""
    spans = [times[index + LIMIT] - times[index] for index in range(len(times) - LIMIT)]
    assert spans and min(spans) >= WINDOW, spans
    assert most_in_window(times, WINDOW) <= LIMIT


def test_assert_paced_fails_on_calls_paced_per_process():
    per_process = [1000.0 + 0.01 * call for call in range(6)]
    with pytest.raises(AssertionError):
        assert_paced(sorted(per_process * 2))  # two unshared limiters: 12 calls inside one window
    assert_paced([1000.0 + 0.01 * call for call in range(10)] + [1002.1, 1002.2])


def test_two_processes_share_one_limiter_fake_clock(tmp_path):
    clock = ProcessClock(context=FORK)
    times = _run_two_processes(str(tmp_path), 15, clock, clock.sleep)
    assert_paced(times)
    assert times[-1] - times[0] >= 2 * WINDOW  # 30 calls at 10 per 2 s need two full windows


def test_two_processes_share_one_limiter_real_time(tmp_path):
    # the real clock and real sleeps, kept short: 6 calls each, 10 per 2 s -> the 11th and 12th wait for the window.
    # Only lower bounds on the calls' spacing: a loaded machine makes them later, never earlier.
    assert_paced(_run_two_processes(str(tmp_path), 6, time.time, time.sleep))


# ---------------------------------------------------------------------------------------- token cache

def test_token_cache_roundtrip_expiry_and_file_mode(tmp_path):
    clock = fake_clock()
    cache = TokenCache(KEY, state_dir=str(tmp_path), clock=clock)
    assert cache.get() is None
    cache.put("tok-1", 3600, refresh_token="ref-1")
    assert cache.get() == {"token": "tok-1", "expires_at": 4600.0, "issued_at": 1000.0, "refresh_token": "ref-1"}
    assert stat.S_IMODE(os.stat(cache.path).st_mode) == 0o600
    assert os.path.basename(cache.path) == key_digest(KEY) + ".token"
    clock.now += 3600 - 61
    assert cache.get()["token"] == "tok-1"
    clock.now += 1  # within the 60 s margin: not handed out any more
    assert cache.get() is None


def test_short_lived_tokens_get_a_proportional_margin(tmp_path):
    clock = fake_clock()
    cache = TokenCache(KEY, state_dir=str(tmp_path), clock=clock)
    cache.put("short", 5)  # a 60 s margin would never hand this token out
    assert cache.get()["token"] == "short"
    clock.now += 4.4
    assert cache.get()["token"] == "short"
    clock.now += 0.1  # within a tenth of its lifetime of the end
    assert cache.get() is None


def test_invalidate_drops_only_the_refused_token(tmp_path):
    clock = fake_clock()
    mine = TokenCache(KEY, state_dir=str(tmp_path), clock=clock)
    theirs = TokenCache(KEY, state_dir=str(tmp_path), clock=clock)
    mine.put("old", 3600)
    theirs.put("new", 3600)  # another process logged in again meanwhile
    mine.invalidate("old")
    assert mine.get()["token"] == "new"
    mine.invalidate("new")
    assert mine.get() is None and theirs.get() is None


def test_corrupt_token_file_reads_as_no_token(tmp_path):
    cache = TokenCache(KEY, state_dir=str(tmp_path))
    with open(cache.path, "w") as handle:
        handle.write('{"token": 5')
    assert cache.get() is None
    with open(cache.path, "w") as handle:
        json.dump({"token": "x", "expires_at": "soon"}, handle)
    assert cache.get() is None


def test_unshared_token_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(_pacing, "HAS_FCNTL", False)
    first = TokenCache(KEY + "mem", state_dir=str(tmp_path))
    first.put("tok", 3600)
    assert TokenCache(KEY + "mem", state_dir=str(tmp_path)).get()["token"] == "tok"
    with first.login_lock():
        pass
    assert os.listdir(str(tmp_path)) == []


def _login_once(state_dir, logins, start, results):
    cache = TokenCache(KEY, state_dir=state_dir)
    start.wait(10)
    cached = cache.get()
    if cached is None:
        with cache.login_lock():
            cached = cache.get()
            if cached is None:
                with logins.get_lock():
                    logins.value += 1
                time.sleep(0.2)  # the login request
                cache.put("token-%d" % os.getpid(), 3600)
                cached = cache.get()
    results.put(cached["token"])


def test_login_lock_lets_one_process_log_in(tmp_path):
    logins = FORK.Value("i", 0)
    tokens = run_processes(3, _login_once, str(tmp_path), logins)
    assert logins.value == 1
    assert len(set(tokens)) == 1


def test_login_lock_is_exclusive_between_threads(tmp_path):
    cache = TokenCache(KEY, state_dir=str(tmp_path))
    inside = []
    overlaps = []

    def worker():
        with cache.login_lock():
            if inside:
                overlaps.append(1)
            inside.append(1)
            time.sleep(0.02)
            inside.pop()

    threads = [threading.Thread(target=worker) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert overlaps == []
