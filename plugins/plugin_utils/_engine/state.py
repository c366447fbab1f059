# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The journal store: one rollout's state file (:mod:`.state_file`: strict reading, atomic writes, appended lines),
read and written under its run lock (:mod:`.lock`: the lease of the run that runs the rollout, its heartbeat, stale
locks taken over).

Two kinds of write:

* **a transition** (:meth:`StateStore.update`, what :func:`_rollout.apply_event` returns: a run starts, a wave starts,
  passes, aborts...) writes the whole document atomically; the lines appended since are folded in (a compaction);
* **per-chunk progress** (:meth:`StateStore.record_chunks`: a created task's id, the mark of the next create on its
  way, busy or current devices, a moved window) appends one line and fsync's it; its cost does not grow with the
  fleet. The lines are folded into the document at the next transition (every wave starts and ends with one), when
  a run starts (``take``) or once they outgrow the document (:data:`COMPACT_MIN_BYTES`).

The guarantees are those of the whole-document writes: :meth:`record_chunks` returns only once its line is on disk,
so a create is posted only after the mark that it is on its way is recorded; a kill during an append leaves a torn
last line, which reading ignores (nothing was done after it) and the next write of the store folds away.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import time

from .lock import DEFAULT_LOCK_TTL, RunLock
from .state_file import (
    Journal, StateFileError, append_line, apply_chunk_fields, atomic_write, chunk_index, dump_line, dump_state,
    line_problem, read_journal)

# appended lines are folded into the document once they are larger than this and than the document itself
COMPACT_MIN_BYTES = 1 << 20
STAT_KEYS = ("writes", "appends", "written_bytes", "appended_bytes", "append_seconds", "write_seconds")


def takeover_note(took_over):
    """One line for the run's notes about :attr:`StateStore.took_over` (the holder of the stale run lock it took)."""
    return "took over the run lock of ansible-playbook process %s on %s (holding it since %s): %s" % (
        took_over.get("pid"), took_over.get("host") or "this host", took_over.get("since") or "an unknown time",
        took_over.get("why"))


class StateStore:
    """One rollout's state file, read and written under its run lock.

    The parsed state is kept between updates while the file is unchanged (same size, mtime and inode; this store's
    own appends and writes keep it), so recording one task id costs one appended line, not a parse or a dump of the
    whole file.

    ``lock_ttl`` is the run lock's lease in seconds (see :class:`RunLock`): it must exceed the longest gap between
    two state writes or heartbeats of a live run (e.g. the poll interval); ``clock`` gives epoch seconds.
    ``write(path, text)`` replaces the whole file, ``append(path, line)`` appends one line (both durable on return).
    :meth:`stats` counts both (writes, appends, bytes, seconds).
    """

    def __init__(self, path, rollout_id, owner=None, write=atomic_write, lock_ttl=DEFAULT_LOCK_TTL, clock=time.time,
                 on_write=None, append=append_line, monotonic=time.monotonic):
        self.path = path
        self.rollout_id = rollout_id
        self.lock = RunLock(path, owner, ttl=lock_ttl, clock=clock)
        self._write = write
        self._append = append
        self._monotonic = monotonic
        self._cache = None  # (stat key, Journal)
        self.counts = dict((key, 0) for key in STAT_KEYS)
        # called with the new state after each whole write, under the lock (the events file, ``events.EventLog``)
        self.on_write = on_write

    @property
    def writes(self):
        """Whole-document writes of this store (transitions and compactions)."""
        return self.counts["writes"]

    @property
    def took_over(self):
        """The previous holder of a stale run lock this store took over (:attr:`RunLock.took_over`), or ``None``."""
        return self.lock.took_over

    def heartbeat(self):
        """Refresh the run lock's heartbeat (:meth:`RunLock.heartbeat`): call it while waiting without writing."""
        return self.lock.heartbeat()

    def stats(self):
        """A copy of the write counters: ``writes``, ``appends``, ``written_bytes``, ``appended_bytes``,
        ``write_seconds``, ``append_seconds``."""
        return dict(self.counts)

    def _stat(self):
        try:
            info = os.stat(self.path)
        except OSError:
            return None
        return (info.st_size, info.st_mtime_ns, info.st_ino)

    def journal(self):
        """The :class:`state_file.Journal` on disk (cached while the file is unchanged), or ``None``."""
        key = self._stat()
        if self._cache is not None and key is not None and self._cache[0] == key:
            return self._cache[1]
        journal = read_journal(self.path)
        self._cache = (key, journal) if journal is not None else None
        return journal

    def load(self):
        journal = self.journal()
        return journal.state if journal is not None else None

    def update(self, change, take=False):
        """``change(state) -> (new state, changed)`` under the lock; the whole document is written atomically when
        changed, and at a run's start (``take``) when the file has appended lines or a torn tail (a compaction)."""
        with self.lock.held(self.rollout_id, take=take):
            journal = self.journal()
            new, changed = change(journal.state if journal is not None else None)
            fold = take and journal is not None and bool(journal.lines or journal.torn_bytes)
            if new is not None and (changed or fold):
                self._write_document(new)
                if self.on_write is not None:
                    try:
                        self.on_write(new)
                    except (OSError, ValueError) as exc:
                        raise StateFileError("cannot append to the events of rollout %r: %s" % (self.rollout_id, exc))
            return new

    def _write_document(self, state):
        text = dump_state(state)
        started = self._monotonic()
        try:
            self._write(self.path, text)
        except BaseException:
            self._cache = None
            raise
        self._count("write", len(text), started)
        self._cache = (self._stat(), Journal(state, len(text)))

    def _count(self, kind, size, started):
        self.counts[kind + "s"] += 1
        self.counts["%s_bytes" % ("written" if kind == "write" else "appended")] += size
        self.counts[kind + "_seconds"] = round(self.counts[kind + "_seconds"] + self._monotonic() - started, 6)

    @staticmethod
    def _compact_instead(journal, size):
        """Whether a line of ``size`` is folded in by a whole write instead of appended: a torn tail to drop, a
        document that does not end with a line break, or lines that would outgrow the document."""
        return bool(journal.torn_bytes or not journal.appendable
                    or journal.line_bytes + size > max(COMPACT_MIN_BYTES, journal.document_bytes))

    def record_chunks(self, wave, updates):
        """Set ``{chunk key: {field: value}}`` on chunks of ``wave`` and return the state: one appended line, durable
        when this returns (the whole document instead when a torn tail is to be folded away or the lines have
        outgrown it). A key the wave does not have raises :class:`StateFileError` and records nothing."""
        with self.lock.held(self.rollout_id):
            journal = self.journal()
            if journal is None:
                raise StateFileError("rollout %r has no state file at %s: the run was not started"
                                     % (self.rollout_id, self.path))
            chunks = chunk_index(journal.state, wave)
            problem = line_problem({"op": "chunks", "wave": wave, "chunks": updates}, chunks)
            if problem:
                raise StateFileError("cannot record chunk progress in %s: the update %s" % (self.path, problem))
            apply_chunk_fields(chunks, updates)
            line = dump_line(wave, updates)
            if self._compact_instead(journal, len(line)):
                self._write_document(journal.state)
                return journal.state
            started = self._monotonic()
            try:
                self._append(self.path, line)
            except BaseException:
                self._cache = None  # the file is read again: what it holds is what counts
                raise
            self._count("append", len(line), started)
            journal.lines += 1
            journal.line_bytes += len(line)
            self._cache = (self._stat(), journal)
            return journal.state
