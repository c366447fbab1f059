# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The run lock of a rollout: a lease on its state file, held by the run that runs it.

The run lock (``<id>.lock`` next to the state file) is a lease held by the ``ansible-playbook`` process that runs
the rollout. Action plugins run in worker processes forked by it, so the owner is the worker's parent. The owner
record names it (pid, process start time, host, ``since``) with a ``heartbeat`` (epoch seconds) written when the
lock is taken, at every state update and every poll round (``StateStore.heartbeat``, at most one write per 10 s). A
second run finds a live owner with a fresh heartbeat and fails at once, naming when the lock expires. The lock is
stale, and the next run takes it over (``RunLock.took_over`` says whose and why), when its process on this host has
ended or its pid was reused, when its heartbeat is older than the lease ``lock_ttl`` (default 900 s, at least 60;
any host, e.g. an AWX pod that was deleted with its job), or when a lock of an older release without heartbeat was
taken longer than ``lock_ttl`` ago. No lock file ever needs deleting by hand. The ttl must exceed the longest gap
between two state writes or heartbeats of a live run (the poll interval). Every read-modify-write of the state
holds an ``fcntl`` lock on the lock file as well (:meth:`RunLock.held`, used by :class:`state.StateStore`).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import json
import math
import os
import socket
import time

try:
    import fcntl
except ImportError:  # pragma: no cover - the controller is POSIX
    fcntl = None

from ansible_collections.iotfleet.firmware.plugins.plugin_utils._rollout.common import parse_utc, utc_text

from .state_file import StateFileError


class RolloutLocked(StateFileError):
    """Another live run holds the rollout."""


DEFAULT_LOCK_TTL = 900  # seconds a run lock lives without a heartbeat (``lock_ttl``)
MIN_LOCK_TTL = 60  # the poll loop refreshes the heartbeat every round, and rounds are minutes apart at most
HEARTBEAT_EVERY = 10  # seconds between two heartbeat writes of RunLock.heartbeat (called every poll round)


class LockTtlError(StateFileError, ValueError):
    """``lock_ttl`` is not a number of seconds of at least :data:`MIN_LOCK_TTL`."""


def check_ttl(ttl):
    """``ttl`` as a float; a value that is no number or below :data:`MIN_LOCK_TTL` raises :class:`LockTtlError`."""
    if isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or math.isnan(ttl) or ttl < MIN_LOCK_TTL:
        raise LockTtlError(
            "lock_ttl must be a number of seconds of at least %d (got %r): the run lock expires when its holder "
            "wrote no heartbeat for that long, and a live run writes one at every state write and poll round, "
            "which can be minutes apart" % (MIN_LOCK_TTL, ttl))
    return float(ttl)


def _epoch(text):
    """Epoch seconds of a ``since`` written by :func:`utc_text`, or ``None``."""
    try:
        return parse_utc(text)
    except (TypeError, ValueError):
        return None


def _number(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        return None
    return float(value)


def _process_start(pid):
    """Start time of ``pid`` in clock ticks (Linux ``/proc``), to tell a live owner from a reused pid."""
    try:
        with open("/proc/%d/stat" % pid, "r") as handle:
            return int(handle.read().rsplit(")", 1)[1].split()[19])
    except (OSError, ValueError, IndexError):
        return None


def _process_gone(owner):
    """Why the process named by ``owner`` is provably not running (this host only), or ``None``.

    A process on another host cannot be checked from here: its lock ends through the lease (the heartbeat).
    """
    try:
        pid = int(owner.get("pid"))
    except (TypeError, ValueError):
        return "the lock names no valid process (pid %r)" % (owner.get("pid"),)
    if owner.get("host") not in (None, socket.gethostname()):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return "process %d on this host has ended" % pid
    except PermissionError:
        return None
    started = owner.get("started")
    if started is None or _process_start(pid) in (None, started):
        return None
    return "process %d on this host has ended (its pid now belongs to another process)" % pid


def _alive(owner):
    """Whether the process named by ``owner`` may still run (any process of another host may)."""
    return _process_gone(owner) is None


def stale_because(holder, now, ttl):
    """Why the lock ``holder`` may be taken over at ``now`` (epoch seconds) with a lease of ``ttl``, or ``None``.

    Stale is: (a) a process of this host that has ended or whose pid was reused, (b) a heartbeat older than
    ``ttl`` (any host), (c) no heartbeat (a lock of an older release) and a ``since`` older than ``ttl``.
    """
    gone = _process_gone(holder)
    if gone:
        return gone
    beat = _number(holder.get("heartbeat"))
    if beat is not None:
        if now - beat > ttl:
            return "its heartbeat is %d s old (lock ttl %d s)" % (now - beat, ttl)
        return None
    since = _epoch(holder.get("since"))
    if since is None:
        return "it has no heartbeat and no valid time (lock ttl %d s)" % ttl
    if now - since > ttl:
        return "it has no heartbeat (a lock of an older release) and was taken %d s ago (lock ttl %d s)" % (
            now - since, ttl)
    return None


def run_owner(pid=None):
    """The identity of this run: the ``ansible-playbook`` process (parent of the action plugin's worker)."""
    pid = os.getppid() if pid is None else pid
    return {"pid": pid, "started": _process_start(pid), "host": socket.gethostname()}


class RunLock:
    """``<state file minus .json>.lock``: who runs the rollout (a lease), plus an fcntl lock around every update.

    The owner record is ``{"pid", "started", "host", "since", "heartbeat"}``. ``heartbeat`` (epoch seconds) is
    written when the lock is taken, at every :meth:`held` of the holder (every state update) and by
    :meth:`heartbeat`. ``ttl`` (seconds, at least :data:`MIN_LOCK_TTL`, default :data:`DEFAULT_LOCK_TTL`) is the
    lease: a holder whose heartbeat is older than ``ttl`` is stale and the next run takes the lock over, whatever
    host it ran on. The ttl must therefore exceed the longest gap between two state writes or heartbeats of a live
    run, e.g. the poll interval of a wave (the poll loop beats once per round) and the longest platform call;
    a live holder with a fresh heartbeat is never taken over, so two live runs never create tasks at once.
    ``clock`` (epoch seconds) is injectable for tests.

    After :meth:`held` took over a stale lock, :attr:`took_over` is the previous holder: ``{"pid", "host",
    "since", "heartbeat", "why"}`` (see :func:`state.takeover_note`); it is ``None`` otherwise.
    """

    def __init__(self, state_path, owner=None, ttl=DEFAULT_LOCK_TTL, clock=time.time):
        base = state_path[:-5] if state_path.endswith(".json") else state_path
        self.path = base + ".lock"
        self.owner = owner or run_owner()
        self.ttl = check_ttl(ttl)
        self.clock = clock
        self.took_over = None
        self._beat = None  # clock time of this run's last write of its owner record; None: not held
        self._inside = False

    @contextlib.contextmanager
    def _exclusive(self):
        directory = os.path.dirname(self.path)
        try:
            if not os.path.isdir(directory):
                os.makedirs(directory, mode=0o700)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise StateFileError("cannot open the rollout lock file %s: %s" % (self.path, exc))
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            yield fd
        finally:
            os.close(fd)  # closing releases the flock

    @staticmethod
    def _read_owner(fd):
        os.lseek(fd, 0, os.SEEK_SET)
        raw = os.read(fd, 65536)
        try:
            owner = json.loads(raw.decode("utf-8")) if raw.strip() else None
        except ValueError:
            return None
        return owner if isinstance(owner, dict) else None

    @staticmethod
    def _write_owner(fd, owner, sync=True):
        os.lseek(fd, 0, os.SEEK_SET)
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps(owner, sort_keys=True).encode("utf-8"))
        if sync:
            os.fsync(fd)

    def _same(self, other):
        return other is not None and all(other.get(k) == self.owner.get(k) for k in ("pid", "started", "host"))

    def _refuse(self, holder, rollout_id, now):
        beat = _number(holder.get("heartbeat"))
        if beat is not None:
            last, expires = "last heartbeat %d s ago" % max(0, now - beat), beat + self.ttl
        else:
            last, expires = "no heartbeat (a lock of an older release)", (_epoch(holder.get("since")) or now) + self.ttl
        raise RolloutLocked(
            "rollout %r is already running: ansible-playbook process %s on %s holds it since %s, %s (lock file %s, "
            "lock ttl %d s). Wait for that run to end; if that job is gone the lock expires at %s UTC; no file needs "
            "deleting" % (rollout_id, holder.get("pid"), holder.get("host") or "this host",
                          holder.get("since") or "an unknown time", last, self.path, self.ttl, utc_text(expires)))

    @contextlib.contextmanager
    def held(self, rollout_id, take=False):
        """Run the block as the rollout's owner; ``take`` claims a free or stale lock, else it must be ours.

        Entering refreshes this run's heartbeat. A live holder with a fresh heartbeat raises
        :class:`RolloutLocked`; a stale one is taken over (``take``) and recorded in :attr:`took_over`.
        """
        with self._exclusive() as fd:
            holder = self._read_owner(fd)
            now = self.clock()
            if self._same(holder):
                self._write_owner(fd, dict(holder, heartbeat=now), sync=False)
            else:
                why = None
                if holder is not None:
                    why = stale_because(holder, now, self.ttl)
                    if why is None:
                        self._refuse(holder, rollout_id, now)
                    if not take:
                        raise RolloutLocked("rollout %r: the run lock %s was taken over by another run"
                                            % (rollout_id, self.path))
                self._write_owner(fd, dict(self.owner, since=utc_text(now), heartbeat=now))
                if why is not None:
                    self.took_over = {"pid": holder.get("pid"), "host": holder.get("host"),
                                      "since": holder.get("since"), "heartbeat": holder.get("heartbeat"), "why": why}
            self._beat = now
            self._inside = True
            try:
                yield
            finally:
                self._inside = False

    def heartbeat(self):
        """Refresh this run's heartbeat; ``True`` when written.

        Cheap: nothing is read or written within :data:`HEARTBEAT_EVERY` seconds of the last write, when this run
        does not hold the lock (then it is a no-op: the next state update finds out), or inside :meth:`held`
        (which refreshes it itself).
        """
        now = self.clock()
        if self._inside or self._beat is None or now - self._beat < HEARTBEAT_EVERY:
            return False
        with self._exclusive() as fd:
            holder = self._read_owner(fd)
            if not self._same(holder):
                self._beat = None
                return False
            self._write_owner(fd, dict(holder, heartbeat=now), sync=False)
        self._beat = now
        return True

    def release(self):
        """Drop the lock when this run holds it (the end of a run)."""
        with self._exclusive() as fd:
            if self._same(self._read_owner(fd)):
                os.ftruncate(fd, 0)
        self._beat = None
