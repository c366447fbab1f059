# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The rollout state file (the journal) on disk: strict reading, atomic writes, appended lines.

* The file is the rollout's document (one JSON object, the whole state) followed by zero or more appended lines,
  one JSON object each: ``{"op": "chunks", "wave": <name>, "chunks": {<chunk key>: {<field>: <value>}}}`` sets
  fields of chunks of a wave (a created task's id, the mark of a create on its way, busy devices...). Reading
  applies the lines to the document in order. A file without appended lines is the document alone, as every
  earlier release wrote it.
* A state file that exists is a rollout: ``null``, ``[]``, ``{}``, any other shape, bad JSON or an unreadable
  file stop the run with a message naming the file; none is ever read as "no rollout yet".
* **The torn tail rule.** A line counts once its closing newline is on disk; the text after the last newline is a
  write that was cut (a kill or a crash during the append) and is ignored: the writer goes on only after the append
  has returned (and been fsync'ed), so nothing was done after it. Every complete line must be a valid update of a
  chunk of the document; one that is not stops the run naming the file and the line, as a bad document does.
* Writing the whole document (a compaction: every appended line folded in) goes to a temporary file in the same
  directory, flushed and fsync'ed, then ``os.replace``'d over the state file and the directory fsync'ed: a kill
  leaves the old or the new file, never half of one. Appending opens the file in append mode, writes the line in
  one call and fsync's it (:func:`append_line`).

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


class Journal:
    """A state file as read: ``state`` (the document with every complete appended line applied), ``document_bytes``
    (the size of the document), ``lines`` and ``line_bytes`` (the complete appended lines), ``torn_bytes`` (the
    size of the torn tail that was ignored, 0 when none), ``appendable`` (the document ends with a line break, so a
    line may follow it; a document written by hand or by another tool may not)."""

    def __init__(self, state, document_bytes, lines=0, line_bytes=0, torn_bytes=0, appendable=True):
        self.state = state
        self.document_bytes = document_bytes
        self.lines = lines
        self.line_bytes = line_bytes
        self.torn_bytes = torn_bytes
        self.appendable = appendable


def _read_text(path):
    try:
        with open(path, "r") as handle:
            return handle.read()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise StateFileError("cannot read the rollout state file %s: %s" % (path, exc))


def _not_json(path, exc):
    return StateFileError("the rollout state file %s is not valid JSON (%s); it is not read as a new rollout: "
                          "restore it or remove it" % (path, exc))


def _refused(path, problem):
    return StateFileError(
        "the rollout state file %s %s; it is not read as a new rollout. Restore it from a backup, or remove it to "
        "start the rollout over (tasks that are still running on the platforms are found and adopted, none is "
        "created twice)" % (path, problem))


def _document(text, path):
    """``(document, end)``: the JSON value at the start of ``text`` and where it ends."""
    start = len(text) - len(text.lstrip())
    try:
        return json.JSONDecoder().raw_decode(text, start)
    except ValueError as exc:
        raise _not_json(path, exc)


def chunk_index(state, wave):
    """``{chunk key: chunk}`` of ``wave`` in ``state`` (``None`` when the state has no such wave)."""
    record = state["waves"].get(wave) if isinstance(wave, str) else None
    return dict((chunk["key"], chunk) for chunk in record["chunks"]) if record is not None else None


def line_problem(line, chunks):
    """Why the parsed appended line ``line`` is no valid update of the wave whose ``{key: chunk}`` is ``chunks``
    (``None``: the rollout has no such wave), or ``None`` when it is valid."""
    if not isinstance(line, dict) or line.get("op") != "chunks":
        return "is not a chunk update (op 'chunks')"
    if chunks is None:
        return "names no wave of the rollout (%r)" % (line.get("wave"),)
    updates = line.get("chunks")
    if not isinstance(updates, dict) or any(not isinstance(fields, dict) for fields in updates.values()):
        return "has no valid 'chunks' object"
    unknown = sorted(key for key in updates if key not in chunks)
    if unknown:
        return "names chunks that wave %r does not have: %s" % (line["wave"], ", ".join(unknown[:5]))
    return None


def apply_chunk_fields(chunks, updates):
    """Set ``{chunk key: {field: value}}`` on ``chunks`` (``{key: chunk}``, :func:`chunk_index`) in place."""
    for key, fields in updates.items():
        chunks[key].update(fields)


def _replay(state, rest, path):
    """Apply the appended lines of ``rest`` (the text after the document) to ``state``: ``(lines, size, torn size)``.

    The document ends with a line break; a line is complete with its own; the text after the last line break is a
    torn append and is ignored (the torn tail rule of the module docstring)."""
    head, newline, after = rest.partition("\n")
    if head.strip() or not newline:
        raise _not_json(path, "extra data after the document")
    complete, dummy, torn = after.rpartition("\n")
    indexes = {}
    count = 0
    for number, text in enumerate(complete.split("\n") if complete else [], 1):
        if not text.strip():
            continue
        try:
            line = json.loads(text)
        except ValueError as exc:
            raise _refused(path, "has an appended line %d that is not valid JSON (%s)" % (number, exc))
        wave = line.get("wave") if isinstance(line, dict) and isinstance(line.get("wave"), str) else None
        if wave is not None and wave not in indexes:
            indexes[wave] = chunk_index(state, wave)
        problem = line_problem(line, indexes.get(wave))
        if problem:
            raise _refused(path, "has an appended line %d that %s" % (number, problem))
        apply_chunk_fields(indexes[wave], line["chunks"])
        count += 1
    return count, len(complete) + (1 if complete else 0), len(torn)


def read_journal(path):
    """The :class:`Journal` stored at ``path``, or ``None`` when there is no such file."""
    text = _read_text(path)
    if text is None:
        return None
    data, end = _document(text, path)
    problem = _shape_problem(data)
    if problem:
        raise _refused(path, problem)
    rest = text[end:]
    del text
    if not rest.strip():
        return Journal(data, end + len(rest), appendable=rest.endswith("\n"))
    lines, line_bytes, torn = _replay(data, rest, path)
    return Journal(data, end + 1, lines, line_bytes, torn)


def load_state(path):
    """The state of the rollout stored at ``path`` (its appended lines applied), or ``None`` when there is no such
    file."""
    journal = read_journal(path)
    return journal.state if journal is not None else None


# --------------------------------------------------------------------------- writing

def dump_state(state):
    """Compact JSON (the C encoder; a state with 100,000 device ids is written in milliseconds)."""
    return json.dumps(state, sort_keys=True, separators=(",", ":")) + "\n"


def dump_line(wave, updates):
    """One appended line: set ``{chunk key: {field: value}}`` on the chunks of ``wave`` (no raw newline inside)."""
    return json.dumps({"op": "chunks", "wave": wave, "chunks": updates}, sort_keys=True, separators=(",", ":")) + "\n"


def append_line(path, text):
    """Append ``text`` (one line, ending with a newline) to the existing ``path`` in one write, then fsync it."""
    data = text.encode("utf-8")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    except OSError as exc:
        raise StateFileError("cannot append to %s: %s" % (path, exc))
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        getattr(os, "fdatasync", os.fsync)(fd)
    except OSError as exc:
        raise StateFileError("cannot append to %s: %s" % (path, exc))
    finally:
        os.close(fd)


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
