# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Operator verbs on a rollout, given as a run input (``staged_rollout_command``, e.g. from an AWX job template on
the same rollout id): ``pause``, ``resume``, ``advance``, ``stop``; ``run`` is the plain run.

A standing verb (pause, stop) is kept in a small file beside the journal, ``<state_dir>/<id>.command.json``, written
atomically without the run lock: a live run of the same rollout that shares the state directory (the same
controller, or a persistent volume) reads it at every poll round and before every wave. ``stop`` also acts on the
platforms itself when no live run holds the lock here, so it works without a shared disk too: it cancels the
running wave's tasks, and any run that polls them sees the wave abort.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import time

from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _rollout as rollout

from . import state_file

COMMANDS = ("run", "pause", "resume", "advance", "stop")
STANDING = ("pause", "stop")


def command_path(state_path):
    base = state_path[:-len(".json")] if state_path.endswith(".json") else state_path
    return base + ".command.json"


def read_command(path):
    """The standing verb ``{"command", "at", "by"}`` or ``None``; an unreadable file is an error naming it."""
    try:
        with open(path) as handle:
            data = json.load(handle)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise rollout.RolloutError("cannot read the operator command file %s: %s; delete it or run with "
                                   "staged_rollout_command=resume" % (path, exc))
    if not isinstance(data, dict) or data.get("command") not in STANDING:
        raise rollout.RolloutError("the operator command file %s holds %r, not one of %s; delete it or run with "
                                   "staged_rollout_command=resume" % (path, data, ", ".join(STANDING)))
    return data


def write_command(path, command, by, now=None):
    data = {"command": command, "at": rollout.utc_text(now or time.time()),
            "by": by}
    directory = os.path.dirname(path)
    if directory and not os.path.isdir(directory):
        os.makedirs(directory, mode=0o700)
    state_file.atomic_write(path, json.dumps(data, sort_keys=True) + "\n")
    return data


def clear_command(path):
    try:
        os.unlink(path)
        return True
    except FileNotFoundError:
        return False


class CommandWatch:
    """The standing verb of a live run, read again only when the file changed (one ``stat`` per poll round)."""

    def __init__(self, path):
        self.path = path
        self._seen = None
        self._command = None

    def current(self):
        try:
            stamp = os.stat(self.path)
            stamp = (stamp.st_mtime_ns, stamp.st_size, stamp.st_ino)
        except FileNotFoundError:
            self._seen, self._command = None, None
            return None
        if stamp != self._seen:
            found = read_command(self.path)
            self._seen, self._command = stamp, found["command"] if found else None
        return self._command


def check_command(command, context):
    """The verb, checked before anything is read; ``advance`` is refused in a workflow (its approval nodes
    approve there)."""
    command = str(command or "run").strip().lower()
    if command not in COMMANDS:
        raise rollout.RolloutError("staged_rollout_command must be one of %s, got %r" % (", ".join(COMMANDS), command))
    if command == "advance" and context.get("workflow_job_id") is not None:
        raise rollout.RolloutError("staged_rollout_command=advance is not accepted in an AWX workflow: the workflow's "
                                   "approval nodes approve its waves")
    return command
