# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pacing shared by the processes of one controller: a sliding-window rate limiter and a bearer-token cache.

Ansible runs a module per host in its own process (``forks``), so the documented rate limit of a platform and
the single valid token of a Huawei app id are shared through files in a private state directory, guarded by
``fcntl`` locks. File names are hashes of the key (never a secret); a ``.rate`` file holds only timestamps.
Without ``fcntl`` (not a target platform) or with ``shared=False`` the state is shared within the process only.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import hashlib
import json
import os
import stat
import tempfile
import threading
import time
from typing import Any, Callable, Dict, Iterator, List, Optional

try:
    import fcntl
    HAS_FCNTL = True
except ImportError:  # pragma: no cover - Windows; the controller is POSIX
    fcntl = None
    HAS_FCNTL = False

from ._errors import IoTError

STATE_DIR_ENV = "IOTFLEET_PACING_DIR"
TOKEN_MARGIN = 60.0  # a token that expires within this many seconds is not handed out
_EPSILON = 1e-6  # a slot frees strictly after the window, so no closed window holds calls + 1


def default_state_dir() -> str:
    """``$IOTFLEET_PACING_DIR`` or ``<tempfile.gettempdir()>/iotfleet-firmware-<uid>``, created with mode 0700."""
    path = os.environ.get(STATE_DIR_ENV) or os.path.join(tempfile.gettempdir(), "iotfleet-firmware-%s" % _uid())
    return ensure_state_dir(path)


def _uid() -> Optional[int]:
    if hasattr(os, "getuid"):  # POSIX only
        return os.getuid()
    return None


def _foreign_owner(info: os.stat_result) -> bool:
    uid = _uid()
    return uid is not None and info.st_uid != uid


def ensure_state_dir(path: str) -> str:
    """Create ``path`` (0700) or check it: a real directory owned by this user, closed to others (tightened
    to 0700 when group or others have access). A directory in a shared temp dir that someone else made first
    is refused, it could feed us their timestamps or read our tokens."""
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
        info = os.lstat(path)
        if not stat.S_ISDIR(info.st_mode):
            raise _state_error("%s is not a directory" % path)
        if _foreign_owner(info):
            raise _state_error("%s belongs to another user (uid %d)" % (path, info.st_uid))
        if stat.S_IMODE(info.st_mode) & 0o077:
            os.chmod(path, 0o700)
    except OSError as exc:
        raise _state_error("cannot use %s: %s" % (path, exc))
    return path


def _state_error(detail: str) -> IoTError:
    return IoTError("Pacing state directory (pacing_dir / %s): %s" % (STATE_DIR_ENV, detail),
                    code="PacingStateError")


def key_digest(key: str) -> str:
    """The file-name part for ``key``: never the key itself (it may be derived from a secret)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


# ------------------------------------------------------------------------------------------ locked state

_REGISTRY_LOCK = threading.Lock()
_THREAD_LOCKS = {}  # type: Dict[str, threading.RLock]
_MEMORY = {}  # type: Dict[str, Any]  # state of unshared files, by path


def _thread_lock(path: str) -> threading.RLock:
    with _REGISTRY_LOCK:
        return _THREAD_LOCKS.setdefault(path, threading.RLock())


class _Handle:
    """The content of a state file while its lock is held."""

    def __init__(self, path: str, fd: Optional[int]):
        self.path = path
        self.fd = fd

    def load(self) -> Any:
        if self.fd is None:
            return _MEMORY.get(self.path)
        os.lseek(self.fd, 0, os.SEEK_SET)
        chunks = []
        while True:
            chunk = os.read(self.fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
        try:
            return json.loads(b"".join(chunks).decode("utf-8")) if chunks else None
        except ValueError:  # torn or foreign content: start afresh (at worst one burst of `calls`)
            return None

    def store(self, value: Any) -> None:
        if self.fd is None:
            _MEMORY[self.path] = value
            return
        data = json.dumps(value, separators=(",", ":")).encode("utf-8")
        os.ftruncate(self.fd, 0)
        os.lseek(self.fd, 0, os.SEEK_SET)
        while data:
            data = data[os.write(self.fd, data):]


class StateFile:
    """A small JSON file in the state dir, read and written under an exclusive or shared lock: ``fcntl.flock``
    across processes (``shared``) and a thread lock within the process. Mode 0600, owner checked."""

    def __init__(self, path: str, shared: bool = True):
        self.path = path
        self.shared = shared and HAS_FCNTL

    @contextlib.contextmanager
    def locked(self, exclusive: bool = True) -> Iterator[_Handle]:
        with _thread_lock(self.path):
            if not self.shared:
                yield _Handle(self.path, None)
                return
            fd = self._open()
            try:
                fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
                yield _Handle(self.path, fd)
            finally:
                os.close(fd)  # releases the flock

    def _open(self) -> int:
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(self.path, flags, 0o600)
        except OSError as exc:
            raise _state_error("cannot open %s: %s" % (self.path, exc))
        info = os.fstat(fd)
        if _foreign_owner(info):
            os.close(fd)
            raise _state_error("%s belongs to another user (uid %d)" % (self.path, info.st_uid))
        if stat.S_IMODE(info.st_mode) != 0o600:
            os.fchmod(fd, 0o600)
        return fd


def _state_file(state_dir: Optional[str], key: str, suffix: str, shared: bool) -> StateFile:
    """The state file of ``key``; an unshared one lives in this process's memory and touches no directory."""
    name = key_digest(key) + suffix
    if not (shared and HAS_FCNTL):
        return StateFile(os.path.join("memory:%s" % (state_dir or ""), name), shared=False)
    directory = ensure_state_dir(state_dir) if state_dir else default_state_dir()
    return StateFile(os.path.join(directory, name), shared=True)


class _FileBacked:
    """Shared by the limiter and the token cache: where the state lives and whether other processes see it."""

    _file = None  # type: StateFile

    @property
    def shared(self) -> bool:
        return self._file.shared

    @property
    def path(self) -> str:
        return self._file.path


# ------------------------------------------------------------------------------------------ rate limiter

class RateLimiter(_FileBacked):
    """Sliding-window limiter shared by every process of the controller that uses the same key (``flock`` on
    ``<state_dir>/<sha256(key)[:32]>.rate``, which holds ``{"calls": [times], "not_before": time}``).

    :meth:`acquire` blocks (injectable ``sleep``) until fewer than ``calls`` calls were recorded in the last
    ``per_seconds``, then records this call. ``clock`` is wall time because it is compared across processes.
    """

    def __init__(self, key: str, calls: int, per_seconds: float, state_dir: Optional[str] = None,
                 clock: Callable[[], float] = time.time, sleep: Callable[[float], Any] = time.sleep,
                 shared: bool = True):
        if not isinstance(calls, int) or isinstance(calls, bool) or calls < 1:
            raise ValueError("calls must be a positive integer")
        if not per_seconds > 0:
            raise ValueError("per_seconds must be positive")
        self.calls = calls
        self.per_seconds = float(per_seconds)
        self.clock = clock
        self.sleep = sleep
        self._file = _state_file(state_dir, key, ".rate", shared)
        self.waited_total = 0.0
        self.acquired = 0
        self.penalties = 0
        self.last_call_at = None  # type: Optional[float]  # the time recorded for the last acquired call

    def acquire(self) -> float:
        """Wait for a free slot and take it; returns the seconds waited."""
        waited = 0.0
        while True:
            delay = self._try_take()
            if delay is None:
                break
            self.sleep(delay)
            waited += delay
        self.waited_total += waited
        self.acquired += 1
        return waited

    def _try_take(self) -> Optional[float]:
        """Record a call now and return None, or return how long to wait (nothing recorded)."""
        with self._file.locked() as handle:
            now = self.clock()
            calls, not_before = self._load(handle, now)
            if not_before > now:
                return not_before - now
            if len(calls) >= self.calls:
                return calls[-self.calls] + self.per_seconds - now + _EPSILON
            calls.append(now)
            handle.store({"calls": calls, "not_before": not_before})
            self.last_call_at = now
            return None

    def penalize(self, seconds: float) -> None:
        """The platform said "throttled": no process of this key calls before now + ``seconds``."""
        with self._file.locked() as handle:
            now = self.clock()
            calls, not_before = self._load(handle, now)
            handle.store({"calls": calls, "not_before": max(not_before, now + max(seconds, 0.0))})
        self.penalties += 1

    def _load(self, handle: _Handle, now: float):
        """Recent call times (sorted, inside the window) and the penalty end. Times in the future beyond one
        window (clock stepped back, foreign content) are dropped rather than blocking forever."""
        state = handle.load()
        state = state if isinstance(state, dict) else {}
        raw = state.get("calls")
        times = sorted(value for value in (raw if isinstance(raw, list) else [])
                       if _is_number(value) and now - self.per_seconds < value <= now + self.per_seconds)
        not_before = state.get("not_before")
        not_before = not_before if _is_number(not_before) and not_before <= now + 24 * 3600 else 0.0
        return times[-self.calls:], not_before


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# ------------------------------------------------------------------------------------------ token cache

class TokenCache(_FileBacked):
    """One bearer token per key (e.g. endpoint + app id + sha256(secret)) shared by the controller's processes:
    ``<state_dir>/<sha256(key)[:32]>.token``, mode 0600, JSON ``{token, expires_at, issued_at, refresh_token?}``.

    Login protocol for callers::

        cached = cache.get()
        if cached is None:
            with cache.login_lock():
                cached = cache.get()          # another process may have logged in meanwhile
                if cached is None:
                    ... log in ...; cache.put(token, expires_in)
        ... on "token invalid": cache.invalidate(the_token_that_was_refused) and start over
    """

    def __init__(self, key: str, state_dir: Optional[str] = None, clock: Callable[[], float] = time.time,
                 shared: bool = True, margin: float = TOKEN_MARGIN):
        self.clock = clock
        self.margin = margin
        self._file = _state_file(state_dir, key, ".token", shared)
        self._login = _state_file(state_dir, key, ".login", shared)

    def get(self) -> Optional[Dict[str, Any]]:
        """``{"token", "expires_at", ...}`` if a token is cached and still valid for more than the margin:
        ``margin`` seconds, but at most a tenth of the token's lifetime (a platform configured with short-lived
        tokens must not see every process log in again at once)."""
        with self._file.locked(exclusive=False) as handle:
            entry = handle.load()
        if not isinstance(entry, dict) or not isinstance(entry.get("token"), str) or not entry["token"]:
            return None
        expires_at = entry.get("expires_at")
        if not _is_number(expires_at):
            return None
        issued_at = entry.get("issued_at")
        lifetime = expires_at - issued_at if _is_number(issued_at) else float("inf")
        if expires_at - min(self.margin, lifetime / 10.0) <= self.clock():
            return None
        return dict(entry)

    def put(self, token: str, expires_in: float, refresh_token: Optional[str] = None) -> None:
        now = self.clock()
        entry = {"token": token, "expires_at": now + float(expires_in), "issued_at": now}  # type: Dict[str, Any]
        if refresh_token:
            entry["refresh_token"] = refresh_token
        with self._file.locked() as handle:
            handle.store(entry)

    def invalidate(self, token: str) -> None:
        """Forget the cached token only if it is ``token``: a newer one another process obtained stays."""
        with self._file.locked() as handle:
            entry = handle.load()
            if isinstance(entry, dict) and entry.get("token") == token:
                handle.store({})

    @contextlib.contextmanager
    def login_lock(self) -> Iterator[None]:
        """Exclusive across processes (and threads) so that only one logs in; re-check :meth:`get` inside."""
        with self._login.locked():
            yield


# ------------------------------------------------------------------------------------------ work lock

class WorkLock(_FileBacked):
    """Serialises "look up, then create" of one platform scope across the controller's processes (and threads).

    Two module runs given the same devices at the same moment would both find nothing and both create: the
    platform serialises nothing (Huawei creates a second task for the same devices). Whoever holds the lock
    of a key looks up, creates and reconciles; the next one then finds that task. ``flock`` on
    ``<state_dir>/<sha256(key)[:32]>.work`` (the file holds nothing); key like the limiter's (endpoint + account),
    plus the platform's scope where tasks of different scopes cannot share devices (Tencent: the product).
    """

    def __init__(self, key: str, state_dir: Optional[str] = None, shared: bool = True):
        self._file = _state_file(state_dir, key, ".work", shared)

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """Exclusive while the block runs; blocks until the other holder is done (not re-entrant across
        processes: never nest two ``held()`` of the same key)."""
        with self._file.locked():
            yield


def shared_state_files(state_dir: str) -> List[str]:
    """The state files in ``state_dir`` (for diagnostics and tests)."""
    return sorted(name for name in os.listdir(state_dir) if name.endswith((".rate", ".token", ".login", ".work")))
