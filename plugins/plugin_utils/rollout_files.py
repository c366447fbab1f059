# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Controller-side files of the staged rollout: the state file and the reports.

Every write goes to a temporary file in the same directory that is then renamed over the target,
so a process killed mid-write leaves either the old or the new file, never half of one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import time

from ansible_collections.iotfleet.firmware.plugins.plugin_utils._engine import state_file
from ansible_collections.iotfleet.firmware.plugins.plugin_utils._rollout.common import parse_utc, utc_text


class RolloutFileError(Exception):
    pass


def utc_now():
    return utc_text(time.time())


def seconds_since(text, now=None):
    """Seconds from the UTC text ``text`` to ``now`` (epoch seconds, default: now), at least 0."""
    now = time.time() if now is None else now
    return max(0.0, now - parse_utc(text))


def expand(path):
    return os.path.abspath(os.path.expanduser(os.path.expandvars(str(path))))


def state_path(state_dir, rollout_id):
    return os.path.join(expand(state_dir), "%s.json" % rollout_id)


def report_paths(report_dir, rollout_id):
    # "-report" keeps them apart from the state file "<id>.json" when both directories are the same
    base = os.path.join(expand(report_dir), rollout_id + "-report")
    return {"json": base + ".json", "markdown": base + ".md", "failed_csv": base + "-failed.csv",
            "events": os.path.join(expand(report_dir), rollout_id + "-events.jsonl")}


def read_json(path):
    """The parsed file, or ``None`` when it does not exist."""
    try:
        with open(path, "r") as handle:
            return json.load(handle)
    except FileNotFoundError:
        return None
    except ValueError as exc:
        raise RolloutFileError("the rollout state file %s is not valid JSON (%s); fix or remove it" % (path, exc))
    except OSError as exc:
        raise RolloutFileError("cannot read %s: %s" % (path, exc))


def read_state(path):
    """The rollout state stored at ``path`` (``None`` when there is none); null, [], {}, a wrong shape or an
    unreadable file raise :class:`RolloutFileError` naming the file (never read as a new rollout)."""
    try:
        return state_file.load_state(path)
    except state_file.StateFileError as exc:
        raise RolloutFileError(str(exc))


def dump_json(data):
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def write_if_changed(path, text, mode=0o600):
    """Atomically replace ``path`` with ``text`` unless it already holds exactly that; return whether it wrote."""
    try:
        with open(path, "r") as handle:
            if handle.read() == text:
                return False
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise RolloutFileError("cannot read %s: %s" % (path, exc))
    try:
        state_file.atomic_write(path, text, mode=mode)
    except state_file.StateFileError as exc:
        raise RolloutFileError(str(exc))
    return True
