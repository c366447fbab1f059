# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The journal store: one rollout's state file (:mod:`.state_file`: strict reading, atomic writes), read and written
under its run lock (:mod:`.lock`: the lease of the run that runs the rollout, its heartbeat, stale locks taken over).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import time

from .lock import DEFAULT_LOCK_TTL, RunLock
from .state_file import StateFileError, atomic_write, dump_state, load_state


def takeover_note(took_over):
    """One line for the run's notes about :attr:`StateStore.took_over` (the holder of the stale run lock it took)."""
    return "took over the run lock of ansible-playbook process %s on %s (holding it since %s): %s" % (
        took_over.get("pid"), took_over.get("host") or "this host", took_over.get("since") or "an unknown time",
        took_over.get("why"))


class StateStore:
    """One rollout's state file, read and written under its run lock.

    The parsed state is kept between updates while the file is unchanged (same size and mtime), so recording
    one task id costs one compact dump and one atomic write, not a parse of the whole file as well.

    ``lock_ttl`` is the run lock's lease in seconds (see :class:`RunLock`): it must exceed the longest gap between
    two state writes or heartbeats of a live run (e.g. the poll interval); ``clock`` gives epoch seconds.
    """

    def __init__(self, path, rollout_id, owner=None, write=atomic_write, lock_ttl=DEFAULT_LOCK_TTL, clock=time.time,
                 on_write=None):
        self.path = path
        self.rollout_id = rollout_id
        self.lock = RunLock(path, owner, ttl=lock_ttl, clock=clock)
        self._write = write
        self._cache = None  # (stat key, state)
        self.writes = 0
        # called with the new state after each write, under the lock (the events file, ``events.EventLog``)
        self.on_write = on_write

    @property
    def took_over(self):
        """The previous holder of a stale run lock this store took over (:attr:`RunLock.took_over`), or ``None``."""
        return self.lock.took_over

    def heartbeat(self):
        """Refresh the run lock's heartbeat (:meth:`RunLock.heartbeat`): call it while waiting without writing."""
        return self.lock.heartbeat()

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
                if self.on_write is not None:
                    try:
                        self.on_write(new)
                    except (OSError, ValueError) as exc:
                        raise StateFileError("cannot append to the events of rollout %r: %s" % (self.rollout_id, exc))
            return new
