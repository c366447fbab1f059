# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The rollout state file on the controller: strict reading, the run lock, atomic writes.

* A state file that exists is a rollout: ``null``, ``[]``, ``{}``, any other shape, bad JSON or an unreadable
  file stop the run with a message naming the file; none is ever read as "no rollout yet".
* The run lock (``<id>.lock`` next to the state file) names the ``ansible-playbook`` process that runs the
  rollout. Action plugins run in worker processes forked by it, so the owner is the worker's parent; a second
  run finds a live owner and fails at once, a run after a killed one finds a dead owner and takes over.
  Every read-modify-write of the state holds an ``fcntl`` lock on the lock file as well.
* Writes go to a temporary file in the same directory, flushed and fsync'ed, then ``os.replace``'d over the
  state file and the directory fsync'ed: a kill leaves the old or the new file, never half of one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import json
import os
import socket
import tempfile
import time

try:
    import fcntl
except ImportError:  # pragma: no cover - the controller is POSIX
    fcntl = None

STATE_KEYS = {"format": int, "rollout_id": str, "targets": dict, "fingerprint": str, "status": str, "waves": dict,
              "order": list}
CHUNK_KEYS = {"key": str, "platform": str, "devices": list}


class StateFileError(Exception):
    """The state file cannot be used; the message names the file and what to do."""


class RolloutLocked(StateFileError):
    """Another live run holds the rollout."""


# --------------------------------------------------------------------------- reading

def _shape_problem(data):
    if not isinstance(data, dict):
        return "holds %s instead of a rollout state object" % ("null" if data is None else type(data).__name__)
    if not data:
        return "holds an empty object instead of a rollout state"
    for key, kind in STATE_KEYS.items():
        if not isinstance(data.get(key), kind) or isinstance(data.get(key), bool):
            return "has no valid %r (expected %s)" % (key, kind.__name__)
    for name, wave in data["waves"].items():
        if not isinstance(wave, dict) or not isinstance(wave.get("chunks"), list):
            return "has a wave %r without a chunk list" % name
        for chunk in wave["chunks"]:
            if not isinstance(chunk, dict) or any(not isinstance(chunk.get(k), t) for k, t in CHUNK_KEYS.items()):
                return "has a malformed chunk in wave %r" % name
    return None


def load_state(path):
    """The state of the rollout stored at ``path``, or ``None`` when there is no such file."""
    try:
        with open(path, "r") as handle:
            text = handle.read()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise StateFileError("cannot read the rollout state file %s: %s" % (path, exc))
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise StateFileError("the rollout state file %s is not valid JSON (%s); it is not read as a new rollout: "
                             "restore it or remove it" % (path, exc))
    problem = _shape_problem(data)
    if problem:
        raise StateFileError(
            "the rollout state file %s %s; it is not read as a new rollout. Restore it from a backup, or remove it to "
            "start the rollout over (tasks that are still running on the platforms are found and adopted, none is "
            "created twice)" % (path, problem))
    return data


# --------------------------------------------------------------------------- writing

def dump_state(state):
    """Compact JSON (the C encoder; a state with 100,000 device ids is written in milliseconds)."""
    return json.dumps(state, sort_keys=True, separators=(",", ":")) + "\n"


def atomic_write(path, text, mode=0o600):
    """Replace ``path`` with ``text``: tmp file in the same directory + fsync + ``os.replace`` + directory fsync."""
    directory = os.path.dirname(path)
    try:
        if not os.path.isdir(directory):
            os.makedirs(directory, mode=0o700)
        handle, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), dir=directory)
        try:
            with os.fdopen(handle, "w") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(tmp, mode)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        _fsync_dir(directory)
    except OSError as exc:
        raise StateFileError("cannot write %s: %s" % (path, exc))


def _fsync_dir(directory):
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- the run lock

def _process_start(pid):
    """Start time of ``pid`` in clock ticks (Linux ``/proc``), to tell a live owner from a reused pid."""
    try:
        with open("/proc/%d/stat" % pid, "r") as handle:
            return int(handle.read().rsplit(")", 1)[1].split()[19])
    except (OSError, ValueError, IndexError):
        return None


def _alive(owner):
    try:
        pid = int(owner.get("pid"))
    except (TypeError, ValueError):
        return False
    if owner.get("host") not in (None, socket.gethostname()):
        return True  # another controller shares the directory: never steal its lock
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    started = owner.get("started")
    return started is None or _process_start(pid) in (None, started)


def run_owner(pid=None):
    """The identity of this run: the ``ansible-playbook`` process (parent of the action plugin's worker)."""
    pid = os.getppid() if pid is None else pid
    return {"pid": pid, "started": _process_start(pid), "host": socket.gethostname()}


class RunLock:
    """``<state file minus .json>.lock``: who runs the rollout, plus an fcntl lock around every update."""

    def __init__(self, state_path, owner=None):
        base = state_path[:-5] if state_path.endswith(".json") else state_path
        self.path = base + ".lock"
        self.owner = owner or run_owner()

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
    def _write_owner(fd, owner):
        os.lseek(fd, 0, os.SEEK_SET)
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps(owner, sort_keys=True).encode("utf-8"))
        os.fsync(fd)

    def _same(self, other):
        return other is not None and all(other.get(k) == self.owner.get(k) for k in ("pid", "started", "host"))

    def _refuse(self, holder, rollout_id):
        since = holder.get("since")
        raise RolloutLocked(
            "rollout %r is already running: ansible-playbook process %s on %s holds it since %s (lock file %s). Wait "
            "for that run to end; if that process is gone, remove the lock file"
            % (rollout_id, holder.get("pid"), holder.get("host"), since or "an unknown time", self.path))

    @contextlib.contextmanager
    def held(self, rollout_id, take=False):
        """Run the block as the rollout's owner; ``take`` claims a free or stale lock, else it must be ours."""
        with self._exclusive() as fd:
            holder = self._read_owner(fd)
            if not self._same(holder):
                if holder is not None and _alive(holder):
                    self._refuse(holder, rollout_id)
                if not take and holder is not None:
                    raise RolloutLocked("rollout %r: the run lock %s was taken over by another run"
                                        % (rollout_id, self.path))
                self._write_owner(fd, dict(self.owner, since=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())))
            yield

    def release(self):
        """Drop the lock when this run holds it (the end of a run)."""
        with self._exclusive() as fd:
            if self._same(self._read_owner(fd)):
                os.ftruncate(fd, 0)


class StateStore:
    """One rollout's state file, read and written under its run lock.

    The parsed state is kept between updates while the file is unchanged (same size and mtime), so recording
    one task id costs one compact dump and one atomic write, not a parse of the whole file as well.
    """

    def __init__(self, path, rollout_id, owner=None, write=atomic_write):
        self.path = path
        self.rollout_id = rollout_id
        self.lock = RunLock(path, owner)
        self._write = write
        self._cache = None  # (stat key, state)
        self.writes = 0

    def _stat(self):
        try:
            info = os.stat(self.path)
        except OSError:
            return None
        return (info.st_size, info.st_mtime_ns, info.st_ino)

    def load(self):
        key = self._stat()
        if self._cache is not None and key is not None and self._cache[0] == key:
            return self._cache[1]
        state = load_state(self.path)
        self._cache = (key, state) if state is not None else None
        return state

    def update(self, change, take=False):
        """``change(state) -> (new state, changed)`` under the lock; written atomically when changed."""
        with self.lock.held(self.rollout_id, take=take):
            new, changed = change(self.load())
            if changed and new is not None:
                self._write(self.path, dump_state(new))
                self.writes += 1
                self._cache = (self._stat(), new)
            return new
