# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Devices: identity (``uid``), the stable rank by rollout id, normalization of inventory hosts and device lists."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json

from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _platforms as registry

from .common import RolloutError, _text
from .windows import parse_windows


def device_uid(platform, device_id, product_id=None):
    """The identity of a device: its id, or ``<product_id>/<id>`` where ids are unique per product only."""
    if registry.facts(platform).product_scoped:
        return "%s/%s" % (product_id, device_id)
    return device_id


def rank_key(rollout_id, uid):
    """The stable position of a device in a rollout: sha256 of ``<rollout_id>:<uid>``."""
    return hashlib.sha256(("%s:%s" % (rollout_id, uid)).encode("utf-8")).hexdigest()


def normalize_device(raw, where="device", default_window=None, default_timezone="UTC"):
    """Validate one device description and return ``(device, error)``.

    Accepted keys: ``platform``, ``id`` (or ``device_id`` / ``name``), ``product_id``, ``version``
    (current firmware version, optional), ``host`` (inventory host name, informational), ``maintenance_window``
    and ``timezone`` (when the device may be upgraded; default ``default_window`` in ``default_timezone``).
    """
    device, problem = _device_of(raw, lambda: where, default_window, default_timezone)
    return device, ("%s: %s" % (where, problem) if problem else None)


def _fast_text(value):
    """:func:`_text` for the common case of a plain string (a million devices are normalized per run)."""
    if type(value) is str:  # pylint: disable=unidiomatic-typecheck  # exact type: subclasses take the slow path
        return value.strip() or None
    return _text(value)


def _device_of(raw, where, default_window, default_timezone):
    """``(device, problem)``; ``where()`` names the device in a window's error (called only then)."""
    if not isinstance(raw, dict):
        return None, "expected a dict, got %s" % type(raw).__name__
    platform = _fast_text(raw.get("platform"))
    platform = platform.lower() if platform else None
    device_id = _fast_text(raw.get("id") or raw.get("device_id") or raw.get("name"))
    product_id = _fast_text(raw.get("product_id"))
    if platform not in registry.names():
        return None, "platform must be one of %s, got %r" % ("/".join(registry.names()), raw.get("platform"))
    if not device_id:
        return None, "no device id"
    facts = registry.facts(platform)
    if facts.product_scoped and not product_id:
        return None, "a %s device needs a product_id" % facts.short
    device = {
        "uid": "%s/%s" % (product_id, device_id) if facts.product_scoped else device_id,
        "platform": platform,
        "id": device_id,
        "product_id": product_id,
        "version": _fast_text(raw.get("version")),
        "host": _fast_text(raw.get("host")) or device_id,
    }
    if raw.get("version_read_at"):
        device["version_read_at"] = raw["version_read_at"]  # when an inventory source read the version (UTC text)
    try:
        device["window"] = device_window(raw, where, default_window, default_timezone)
    except RolloutError as exc:
        return None, str(exc)
    return device, None


_WINDOWS = {}


def device_window(raw, where, default_window=None, default_timezone="UTC"):
    """The journal form of a device's maintenance windows (``None``: always open); parsed once per distinct text.

    ``where``: the device's name in an error, or a callable that gives it (asked only when a window is parsed)."""
    window = raw.get("maintenance_window")
    if window in (None, "", [], {}) and default_window in (None, "", [], {}):
        return None
    timezone = _text(raw.get("timezone")) or default_timezone or "UTC"
    if window in (None, "", [], {}):
        window, own = default_window, False
    else:
        own = True
    if window in (None, "", [], {}):
        return None
    key = (json.dumps(window, sort_keys=True, default=str), timezone)
    if key not in _WINDOWS:
        option = ("%s: maintenance_window" % (where() if callable(where) else where) if own
                  else "staged_rollout_maintenance_window")
        _WINDOWS[key] = [w.record() for w in parse_windows(window, option, default_timezone=timezone)] or None
    return _WINDOWS[key]


def device_from_hostvars(host, hostvars):
    """Map the documented host variables of one inventory host to a device description."""
    return {
        "platform": hostvars.get("iot_platform"),
        "id": hostvars.get("iot_device_id") or host,
        "product_id": hostvars.get("iot_product_id"),
        "version": hostvars.get("iot_firmware_version"),
        "host": host,
        "maintenance_window": hostvars.get("iot_maintenance_window"),
        "timezone": hostvars.get("iot_timezone"),
        "version_read_at": hostvars.get("iot_version_read_at"),
    }


def normalize_devices(raws, label="device", default_window=None, default_timezone="UTC"):
    """Validate and de-duplicate a list of raw device descriptions.

    Returns ``(devices, errors, duplicates)``; the first occurrence of a uid wins.
    """
    devices = []
    errors = []
    duplicates = []
    seen = set()
    for index, raw in enumerate(raws):
        def where(raw=raw, index=index):
            return "%s %s" % (label, raw.get("host") if isinstance(raw, dict) and raw.get("host") else "#%d" % index)
        device, problem = _device_of(raw, where, default_window, default_timezone)
        if problem:
            errors.append(problem if problem.startswith(where() + ":") else "%s: %s" % (where(), problem))
            continue
        if device["uid"] in seen:
            duplicates.append(device["uid"])
            continue
        seen.add(device["uid"])
        devices.append(device)
    return devices, errors, duplicates
