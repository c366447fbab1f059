# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""A device source without one inventory host per device: ``staged_rollout_devices_file``.

A CSV file (a header row naming the columns ``platform``, ``id``, ``product_id``, ``version`` and optionally
``host``, ``maintenance_window`` as JSON text, ``timezone``) or a JSON-lines file (one JSON object per line with the
keys of a ``staged_rollout_devices`` entry). The file is read line by line, each line normalized as it is read
(nothing but the normalized devices is kept: a million lines are never a list of raw rows, nor one JSON document),
and every error names the file and the line.

The format: ``.csv`` is CSV; ``.jsonl``, ``.ndjson`` and ``.json`` are JSON lines; any other name is JSON lines when
its first non-blank character is ``{``, else CSV.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import csv
import io
import json
import os

from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _rollout as rollout
from ansible_collections.iotfleet.firmware.plugins.plugin_utils._rollout import devices as device_rules

OPTION = "staged_rollout_devices_file"
CSV_COLUMNS = ("platform", "id", "product_id", "version")
CSV_OPTIONAL = ("host", "maintenance_window", "timezone")
# the keys of a staged_rollout_devices entry (rollout.normalize_device)
JSON_KEYS = ("platform", "id", "device_id", "name", "product_id", "version", "host", "maintenance_window", "timezone")
JSON_SUFFIXES = (".jsonl", ".ndjson", ".json")
# errors kept word for word (the rest are counted): a wrong file can have a million bad lines
MAX_ERRORS = 100
NO_VALUES = {}  # the window cells of a CSV file without such columns (read, never written)


class FileSource(object):
    """The outcome of reading one devices file: ``devices`` (normalized, first occurrence of a uid wins),
    ``errors`` (the first :data:`MAX_ERRORS` messages), ``error_count``, ``duplicates`` (uids listed again),
    ``lines`` (device lines read)."""

    def __init__(self, path):
        self.path = path
        self.devices = []
        self.errors = []
        self.error_count = 0
        self.duplicates = []
        self.lines = 0

    def error(self, message):
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(message)


def file_format(path):
    """``"csv"`` or ``"jsonl"`` (see the module's doc)."""
    suffix = os.path.splitext(path)[1].lower()
    if suffix == ".csv":
        return "csv"
    if suffix in JSON_SUFFIXES:
        return "jsonl"
    with _open(path) as handle:
        for line in handle:
            if line.strip():
                return "jsonl" if line.lstrip().startswith("{") else "csv"
    return "csv"


def _open(path):
    try:
        # utf-8-sig: a spreadsheet's CSV export starts with a byte order mark; newline="": csv reads quoted newlines
        return io.open(path, "r", encoding="utf-8-sig", newline="")
    except (IOError, OSError) as exc:
        raise rollout.RolloutError("%s: cannot read %s: %s" % (OPTION, path, exc.strerror or exc))


def file_path(path):
    """The file's path as the run reads it: ``~`` and environment variables expanded, relative to the current
    directory of ``ansible-playbook`` (like ``staged_rollout_state_dir``); :class:`RolloutError` when it is no file."""
    path = os.path.abspath(os.path.expanduser(os.path.expandvars(str(path).strip())))
    if not os.path.isfile(path):
        raise rollout.RolloutError("%s: %s is not a file" % (OPTION, path))
    return path


def raw_rows(path):
    """``(line number, raw device dict or ValueError)`` of each device line of the file, streamed (a
    ``ValueError`` for a line that is not a device description at all: not JSON, a wrong number of cells, an unknown
    key); :class:`RolloutError` naming the file and the line when the file cannot be read as a whole (its header)."""
    path = file_path(path)
    if file_format(path) == "csv":
        return _csv_rows(path)
    return _json_rows(path)


def _where(path, number):
    return "%s line %d" % (path, number)


def _csv_header(path, reader):
    """``(line number of the header, column names)``."""
    for row in reader:
        if any(cell.strip() for cell in row):
            names = [cell.strip().lower() for cell in row]
            where = _where(path, reader.line_num)
            unknown = [name for name in names if name not in CSV_COLUMNS + CSV_OPTIONAL]
            if unknown:
                raise rollout.RolloutError("%s: unknown column %s; the columns are %s, optionally %s" % (
                    where, ", ".join(repr(n) for n in unknown), ", ".join(CSV_COLUMNS), ", ".join(CSV_OPTIONAL)))
            missing = [name for name in CSV_COLUMNS if name not in names]
            if missing:
                raise rollout.RolloutError("%s: the header row has no column %s; the columns are %s, optionally %s"
                                           % (where, ", ".join(missing), ", ".join(CSV_COLUMNS),
                                              ", ".join(CSV_OPTIONAL)))
            twice = sorted(set(name for name in names if names.count(name) > 1))
            if twice:
                raise rollout.RolloutError("%s: column %s named twice" % (where, ", ".join(twice)))
            return names
    raise rollout.RolloutError("%s: %s is empty (a CSV file needs a header row: %s)"
                               % (OPTION, path, ",".join(CSV_COLUMNS)))


def _csv_lines(path):
    """The header row's column names first, then ``(line number, cells or ValueError)`` of each device line (a
    ``ValueError`` for a wrong number of cells; blank lines left out)."""
    with _open(path) as handle:
        reader = csv.reader(handle)
        try:
            names = _csv_header(path, reader)
            yield names
            width = len(names)
            last = reader.line_num
            for row in reader:
                number, last = last + 1, reader.line_num
                if len(row) != width:
                    if not any(cell.strip() for cell in row):
                        continue  # a blank line
                    yield number, ValueError("%d cells, the header row names %d columns" % (len(row), width))
                    continue
                yield number, row
        except csv.Error as exc:
            raise rollout.RolloutError("%s: not valid CSV: %s" % (_where(path, reader.line_num), exc))


def _csv_rows(path):
    lines = _csv_lines(path)
    pairs = tuple(enumerate(next(lines, ())))  # the names (an empty file raises instead)
    for number, row in lines:
        # an empty cell is no value (a device unique without its product has no product_id; a version may be unknown)
        yield number, row if isinstance(row, ValueError) else dict((name, row[index]) for index, name in pairs
                                                                   if row[index])


def _json_rows(path):
    with _open(path) as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
            except ValueError as exc:
                yield number, ValueError("not a JSON object (%s)" % exc)
                continue
            if not isinstance(raw, dict):
                yield number, ValueError("expected a JSON object with the keys of a staged_rollout_devices entry, "
                                         "got %s" % type(raw).__name__)
                continue
            unknown = [key for key in raw if key not in JSON_KEYS]
            if unknown:
                yield number, ValueError("unknown key %s; the keys are %s" % (
                    ", ".join(repr(k) for k in sorted(unknown)), ", ".join(JSON_KEYS)))
                continue
            yield number, raw


def _csv_device(names, default_window, default_timezone):
    """``device(cells, where) -> (device, problem)`` for the device lines of a CSV file with the columns ``names``:
    the cells go to ``rollout.normalize_device``'s rules as they are (no dict per line; an empty cell is no value)."""
    column = dict((name, index) for index, name in enumerate(names))
    platform, device_id, product_id, version = (column[name] for name in CSV_COLUMNS)
    host = column.get("host")
    rest = tuple((name, column[name]) for name in ("maintenance_window", "timezone") if name in column)

    def device(cells, where):
        return device_rules.device_of_values(
            cells[platform] or None, cells[device_id], cells[product_id], cells[version],
            cells[host] if host is not None else None,
            dict((name, cells[index]) for name, index in rest) if rest else NO_VALUES, where, default_window,
            default_timezone)

    return device


def _raw_device(default_window, default_timezone):
    """``device(raw, where) -> (device, problem)`` for the dicts of a JSON-lines file."""

    def device(raw, where):
        return device_rules._device_of(raw, where, default_window, default_timezone)  # pylint: disable=protected-access

    return device


def read_devices_file(path, default_window=None, default_timezone="UTC"):
    """The devices of ``path`` as a :class:`FileSource`, normalized like ``staged_rollout_devices`` entries
    (``rollout.normalize_devices``), each error as ``<path> line <n>: <problem>``.

    Raises :class:`RolloutError` when the file cannot be read or its header row is wrong."""
    path = file_path(path)
    found = FileSource(path)
    if file_format(path) == "csv":
        lines = _csv_lines(path)
        device_of = _csv_device(next(lines), default_window, default_timezone)
    else:
        lines, device_of = _json_rows(path), _raw_device(default_window, default_timezone)
    seen = set()
    number = 0

    def where():  # the line being read (asked only when it has a window to parse)
        return _where(path, number)

    add, keep = seen.add, found.devices.append
    with device_rules.gc_paused():
        for number, raw in lines:
            if isinstance(raw, ValueError):
                found.error("%s: %s" % (where(), raw))
                continue
            device, problem = device_of(raw, where)
            if problem:
                found.error(problem if problem.startswith(where() + ":") else "%s: %s" % (where(), problem))
                continue
            if device.uid in seen:
                found.duplicates.append(device.uid)
                continue
            add(device.uid)
            keep(device)
    found.lines = len(found.devices) + len(found.duplicates) + found.error_count
    return found
