# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""One JSON line per transition of a rollout, appended to ``<report_dir>/<id>-events.jsonl`` as it is recorded.

The journal's ``history`` holds every transition (start, wave read back, approved, started, passed, aborted,
abort accepted, awaiting approval, awaiting a window, awaiting and given a health verdict, paused, stopped,
completed, incomplete, failed) with its time. After each journal write the
entries not yet in the file are appended, each with ``rollout_id``, ``journal`` (the journal's creation time: a
journal read back anew on an empty disk starts a new sequence) and ``seq`` (its index in that journal's history),
so a consumer can tell a line it has seen. Lines carry no credentials (the journal has none).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os


def event_lines(state, last=None):
    """Pure: the JSON lines of ``state``'s history entries after ``last`` = ``(journal, seq)`` of the file's last
    line (``None``: none written yet)."""
    journal = state.get("created_at")
    start = last[1] + 1 if last is not None and last[0] == journal else 0
    lines = []
    for seq, entry in enumerate((state.get("history") or [])[start:], start):
        line = dict(entry, rollout_id=state.get("rollout_id"), journal=journal, seq=seq)
        lines.append(json.dumps(line, sort_keys=True, separators=(",", ":")))
    return lines


def last_written(path):
    """``(journal, seq)`` of the last line of the events file, or ``None``."""
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 65536))
            tail = handle.read().decode("utf-8", "replace").strip().splitlines()
    except FileNotFoundError:
        return None
    for text in reversed(tail):
        try:
            line = json.loads(text)
        except ValueError:
            continue
        if isinstance(line, dict) and isinstance(line.get("seq"), int):
            return line.get("journal"), line["seq"]
    return None


class EventLog:
    """The ``on_write`` hook of the journal (``state.StateStore``): appends the new transitions."""

    def __init__(self, path):
        self.path = path
        self.last = None
        self.loaded = False

    def __call__(self, state):
        if not self.loaded:
            self.last = last_written(self.path)
            self.loaded = True
        lines = event_lines(state, self.last)
        if not lines:
            return
        directory = os.path.dirname(self.path)
        if not os.path.isdir(directory):
            os.makedirs(directory, mode=0o755)
        with open(self.path, "a") as handle:
            handle.write("\n".join(lines) + "\n")
            handle.flush()
        self.last = (state.get("created_at"), len(state.get("history") or []) - 1)
