# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The rollout state file (the journal) on disk: strict reading, atomic writes.

* A state file that exists is a rollout: ``null``, ``[]``, ``{}``, any other shape, bad JSON or an unreadable
  file stop the run with a message naming the file; none is ever read as "no rollout yet".
* Writes go to a temporary file in the same directory, flushed and fsync'ed, then ``os.replace``'d over the
  state file and the directory fsync'ed: a kill leaves the old or the new file, never half of one.

The store that reads and writes it under the run lock is :class:`state.StateStore`; the lock is :mod:`.lock`.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import tempfile

STATE_KEYS = {"format": int, "rollout_id": str, "targets": dict, "fingerprint": str, "status": str, "waves": dict,
              "order": list}
CHUNK_KEYS = {"key": str, "platform": str, "devices": list}


class StateFileError(Exception):
    """The state file cannot be used; the message names the file and what to do."""


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
