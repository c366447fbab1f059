# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Devices: identity (``uid``), the stable rank by rollout id, normalization of inventory hosts and device lists."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import gc
import hashlib
import json
import operator

from ansible_collections.iotfleet.firmware.plugins.plugin_utils import _platforms as registry

from .common import RolloutError, _text
from .windows import parse_windows

# the keys of a normalized device; OPTIONAL_KEYS are there only when set (not None)
DEVICE_KEYS = ("uid", "platform", "id", "product_id", "version", "host", "window")
OPTIONAL_KEYS = ("version_read_at", "groups")
_KEYS = frozenset(DEVICE_KEYS)
_OPTIONAL = frozenset(OPTIONAL_KEYS)


class Device(object):
    """A normalized device (:func:`normalize_device`), read and written like the dict it replaces
    (``device["uid"]``, ``device.get("window")``, ``device["version"] = "2.0.0"``, ``dict(device)``) or by attribute
    (``device.uid``). Fixed slots: about 100 bytes where the dict took 272, for a million devices per run.

    ``version_read_at`` (when an inventory source read the version, UTC text) and ``groups`` (the capped inventory
    groups of the device) are keys only when set."""

    __slots__ = DEVICE_KEYS + OPTIONAL_KEYS

    def __init__(self, uid, platform, device_id, product_id=None, version=None, host=None, window=None,
                 version_read_at=None, groups=None):
        self.uid = uid
        self.platform = platform
        self.id = device_id
        self.product_id = product_id
        self.version = version
        self.host = host
        self.window = window
        self.version_read_at = version_read_at
        self.groups = groups

    @classmethod
    def of(cls, device):
        """``device`` as a :class:`Device` (a mapping with the keys of one is converted)."""
        if isinstance(device, cls):
            return device
        return cls(device["uid"], device["platform"], device["id"], device.get("product_id"), device.get("version"),
                   device.get("host"), device.get("window"), device.get("version_read_at"), device.get("groups"))

    def __getitem__(self, key):
        if key in _KEYS or (key in _OPTIONAL and getattr(self, key) is not None):
            return getattr(self, key)
        raise KeyError(key)

    def __setitem__(self, key, value):
        if key not in _KEYS and key not in _OPTIONAL:
            raise KeyError("a device has no key %r (its keys: %s)" % (key, ", ".join(DEVICE_KEYS + OPTIONAL_KEYS)))
        setattr(self, key, value)

    def get(self, key, default=None):
        if key in _KEYS:
            return getattr(self, key)
        value = getattr(self, key) if key in _OPTIONAL else None
        return default if value is None else value

    def __contains__(self, key):
        return key in _KEYS or (key in _OPTIONAL and getattr(self, key) is not None)

    def keys(self):
        return [key for key in DEVICE_KEYS + OPTIONAL_KEYS if key in self]

    def __iter__(self):
        return iter(self.keys())

    def __len__(self):
        return len(self.keys())

    def items(self):
        return [(key, getattr(self, key)) for key in self.keys()]

    def as_dict(self):
        return dict(self.items())

    def __eq__(self, other):
        if isinstance(other, Device):
            return self.items() == other.items()
        if isinstance(other, dict):
            return self.as_dict() == other
        return NotImplemented

    __hash__ = None  # mutable, like the dict

    def __repr__(self):
        return "Device(%r)" % self.as_dict()


@contextlib.contextmanager
def gc_paused():
    """The cyclic garbage collector paused, then restored (reference counting frees as always). A fleet is a million
    :class:`Device` objects that form no cycle: while they are created, the collector would scan the growing heap
    again and again (0.7 s of CPU of a 2.7 s read at a million devices); after, it scans them once."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def device_uid(platform, device_id, product_id=None):
    """The identity of a device: its id, or ``<product_id>/<id>`` where ids are unique per product only."""
    if registry.facts(platform).product_scoped:
        return "%s/%s" % (product_id, device_id)
    return device_id


def rank_key(rollout_id, uid):
    """The stable position of a device in a rollout: sha256 of ``<rollout_id>:<uid>``."""
    return hashlib.sha256(("%s:%s" % (rollout_id, uid)).encode("utf-8")).hexdigest()


def ranked(rollout_id, devices):
    """``devices`` (:class:`Device`) sorted by :func:`rank_key`: the same order, from the raw digests (half the
    bytes of the hex text per device while sorting) of a hash that has ``<rollout_id>:`` already."""
    prefix = hashlib.sha256(("%s:" % rollout_id).encode("utf-8"))

    def digest(device):
        found = prefix.copy()
        found.update(device.uid.encode("utf-8"))
        return found.digest()

    return sorted(devices, key=digest)


def devices_of(devices):
    """``devices`` as a list of :class:`Device` (dicts with their keys are converted; the list is returned as is
    when it holds devices only)."""
    if all(type(device) is Device for device in devices):  # pylint: disable=unidiomatic-typecheck
        return devices if isinstance(devices, list) else list(devices)
    return [Device.of(device) for device in devices]


def platforms_of(devices):
    """The platforms of :class:`Device` objects, as a set."""
    return set(map(_platform, devices))


_platform = operator.attrgetter("platform")


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


_SHARED = {}  # a text as given -> the one string object of its value (or None)
MAX_SHARED = 4096
_MISSING = object()


def _shared_text(value):
    """:func:`_fast_text`, one string object per distinct text: versions and product ids repeat across a fleet
    (the first :data:`MAX_SHARED` distinct texts are shared)."""
    if type(value) is not str:  # pylint: disable=unidiomatic-typecheck  # exact type: as _fast_text
        return _fast_text(value)
    shared = _SHARED.get(value, _MISSING)
    if shared is _MISSING:
        shared = value.strip() or None
        if len(_SHARED) < MAX_SHARED:
            _SHARED[value] = shared
    return shared


_PLATFORMS = {}  # the texts that name a platform as given (any case, spaces around) -> (name, product scoped)


def _platform_of(value):
    """``(platform name, its ids unique per product only)``, or ``(None, None)`` for no platform of the registry."""
    known = _PLATFORMS.get(value) if isinstance(value, str) else None
    if known is not None:
        return known
    platform = _fast_text(value)
    platform = platform.lower() if platform else None
    if platform not in registry.names():
        return None, None
    name = registry.names()[registry.names().index(platform)]  # the registry's string object
    known = _PLATFORMS[value] = (name, registry.facts(name).product_scoped)
    return known


def _device_of(raw, where, default_window, default_timezone):
    """``(device, problem)`` of a dict description; ``where()`` names the device in a window's error (called only
    then)."""
    if not isinstance(raw, dict):
        return None, "expected a dict, got %s" % type(raw).__name__
    get = raw.get
    return device_of_values(get("platform"), get("id") or get("device_id") or get("name"), get("product_id"),
                            get("version"), get("host"), raw, where, default_window, default_timezone)


def device_of_values(platform, device_id, product_id, version, host, rest, where, default_window, default_timezone):
    """``(device, problem)`` from the values of a description (a CSV line's cells need no dict); ``rest``: its
    ``maintenance_window``, ``timezone`` and ``version_read_at`` (a dict, read only once the rest is valid)."""
    name, scoped = _platform_of(platform)
    if name is None:
        return None, "platform must be one of %s, got %r" % ("/".join(registry.names()), platform)
    device_id = _fast_text(device_id)
    if not device_id:
        return None, "no device id"
    product_id = _shared_text(product_id)
    if scoped and not product_id:
        return None, "a %s device needs a product_id" % registry.facts(name).short
    try:
        window = device_window(rest, where, default_window, default_timezone)
    except RolloutError as exc:
        return None, str(exc)
    # version_read_at: when an inventory source read the version (UTC text)
    return Device("%s/%s" % (product_id, device_id) if scoped else device_id, name, device_id, product_id,
                  _shared_text(version), (_fast_text(host) if host is not None else None) or device_id, window, rest.get("version_read_at") or None), None


_WINDOWS = {}


def device_window(raw, where, default_window=None, default_timezone="UTC"):
    """The journal form of a device's maintenance windows (``None``: always open); parsed once per distinct text.

    ``where``: the device's name in an error, or a callable that gives it (asked only when a window is parsed)."""
    window = raw.get("maintenance_window")
    if window is None and default_window is None:
        return None  # the common case first: no window at all
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
    index, raw = 0, None

    def where():  # the description being read (asked only for an error or a window to parse)
        return "%s %s" % (label, raw.get("host") if isinstance(raw, dict) and raw.get("host") else "#%d" % index)

    with gc_paused():
        for index, raw in enumerate(raws):
            device, problem = _device_of(raw, where, default_window, default_timezone)
            if problem:
                errors.append(problem if problem.startswith(where() + ":") else "%s: %s" % (where(), problem))
                continue
            if device.uid in seen:
                duplicates.append(device.uid)
                continue
            seen.add(device.uid)
            devices.append(device)
    return devices, errors, duplicates
