# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the two inventory plugins (``huawei_iot``, ``tencent_iot``) share, written once.

A plugin subclass only names its platform, its file suffixes, its connection package and its filter options.
Everything else lives here: the connection parameters (the modules' own argument spec, so names, defaults and
validation are identical), one paged and paced listing through the platform's provider (``iter_devices``), the
inventory cache, the host variables the staged rollout reads, the default groups and ansible-core's
``compose`` / ``groups`` / ``keyed_groups``.

Only the public inventory plugin API of ansible-core is used (``BaseInventoryPlugin``, ``Constructable``,
``Cacheable`` and their documented helper methods).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib
import re
import time

from ansible.errors import AnsibleParserError
from ansible.module_utils.common.text.converters import to_native
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.release import __version__ as ansible_version
from ansible.utils.display import Display
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.iotfleet.firmware.plugins.module_utils import _device_info
from ansible_collections.iotfleet.firmware.plugins.plugin_utils._rollout.common import utc_text

display = Display()

# Neutral device key (the provider contract, ``Provider.iter_devices``) -> host variable.
HOST_VARS = (
    ("platform", "iot_platform"),
    ("device_id", "iot_device_id"),
    ("product_id", "iot_product_id"),
    ("firmware_version", "iot_firmware_version"),
    ("software_version", "iot_software_version"),
    ("name", "iot_device_name"),
    ("model", "iot_model"),
    ("device_type", "iot_device_type"),
    ("manufacturer", "iot_manufacturer"),
    ("product_name", "iot_product_name"),
    ("online", "iot_online"),
    ("status", "iot_status"),
    ("gateway_id", "iot_gateway_id"),
    # when the platform was read (UTC): the rollout's version refresh does not read these versions again while fresh
    ("version_read_at", "iot_version_read_at"),
)

# Options of the modules' argument spec that mean nothing to a listing (nothing is ever created).
NOT_INVENTORY_OPTIONS = frozenset(["reconcile_timeout"])

# Before ansible-core 2.19 a host variable is templated unless marked unsafe; from 2.19 on, data that did not come
# from a trusted source (such as the platform's JSON) is never templated, and wrapping 100,000 hosts costs seconds.
_NEEDS_UNSAFE = tuple(int(part) for part in re.findall(r"\d+", ansible_version)[:2]) < (2, 19)

ALL_DEVICES_GROUP = "iot_devices"  # the staged_rollout role's default staged_rollout_hosts
_UNSAFE_GROUP_CHARS = re.compile(r"[^A-Za-z0-9_]")


def safe_group_part(value):
    """A group-name fragment from a platform value: every character outside ``[A-Za-z0-9_]`` becomes ``_``.

    Done here rather than by ansible-core's TRANSFORM_INVALID_GROUP_CHARS setting so the default group names do
    not depend on the controller's configuration (``1.0.0`` -> ``1_0_0``).
    """
    text = "%s" % value if value not in (None, "") else "unknown"
    return _UNSAFE_GROUP_CHARS.sub("_", text)


def default_groups(device):
    """``[iot_<platform>, iot_<platform>_fw_<version>]`` for one neutral device."""
    platform_group = "iot_%s" % safe_group_part(device.get("platform"))
    return [platform_group, "%s_fw_%s" % (platform_group, safe_group_part(device.get("firmware_version")))]


def host_vars(device, raw_vars=False):
    """The host variables of one neutral device; ``None`` values are left out (the platform did not say)."""
    result = {}
    for key, var in HOST_VARS:
        if device.get(key) is not None:
            result[var] = device[key]
    if raw_vars and device.get("raw") is not None:
        result["iot_raw"] = device["raw"]
    return result


def cacheable_device(device, raw_vars=False):
    """What is kept in the inventory cache: the neutral fields (and ``raw`` only when it is used)."""
    keep = [key for key, _var in HOST_VARS] + (["raw"] if raw_vars else [])
    return dict((key, device.get(key)) for key in keep if device.get(key) is not None)


class IotInventoryPlugin(BaseInventoryPlugin, Constructable, Cacheable):
    """Base of ``iotfleet.firmware.huawei_iot`` and ``iotfleet.firmware.tencent_iot``."""

    NAME = None  # type: str
    PLATFORM = None  # "huawei" | "tencent"
    SUFFIXES = ()  # e.g. (".huawei_iot.yml", ".huawei_iot.yaml")
    FILTER_OPTIONS = ()  # the plugin's filter option names (lists)
    LISTING_OPTIONS = ()  # the plugin's scalar options the listings take as they are (Tencent: fw_type)

    # Keyword arguments given to ``provider_from_params`` (tests inject ``session``, ``sleep``, ``clock``...).
    provider_kwargs = {}  # type: dict
    _provider = None  # the provider of the listing running (``listings``)

    # ---- hooks of the platform plugins ---------------------------------------------------------------------

    def connection(self):
        """The platform's ``connection`` module (argument_spec, validate, provider_from_params), imported only
        when a source is parsed (``ansible-doc`` and ``verify_file`` never need the platform layer)."""
        return importlib.import_module("ansible_collections.iotfleet.firmware.plugins.module_utils._%s.connection"
                                       % self.PLATFORM)

    def listings(self, filters):
        """The provider filter dicts of the listings that together cover ``filters`` and the plugin's
        ``LISTING_OPTIONS``: ``Provider.device_listings`` of the provider that lists them."""
        scoped = dict(filters)
        for option in self.LISTING_OPTIONS:
            scoped[option] = self.get_option(option)
        return self._provider.device_listings(scoped)

    def status_of(self, device):
        """The platform's own status value of a device (``iot_status``), as it sent it."""
        return None

    def host_name(self, device):
        return "%s%s" % (self.get_option("hostname_prefix") or "", device["device_id"])

    # ---- ansible-core entry points -------------------------------------------------------------------------

    def verify_file(self, path):
        return super(IotInventoryPlugin, self).verify_file(path) and path.endswith(tuple(self.SUFFIXES))

    def parse(self, inventory, loader, path, cache=True):
        super(IotInventoryPlugin, self).parse(inventory, loader, path, cache)
        self._read_config_data(path)
        self._group_pairs = set()
        devices = self._devices(path, cache)
        if self.get_option("default_groups"):  # present even when nothing matches, so patterns using them resolve
            self._add_group_pair(ALL_DEVICES_GROUP, "iot_%s" % safe_group_part(self.PLATFORM))
        for device in devices:
            self._add_device(device)

    # ---- listing and cache ---------------------------------------------------------------------------------

    def _devices(self, path, cache):
        """The devices from the cache when it may be used and holds them, else from the platform."""
        use_cache = bool(self.get_option("cache"))
        key = self.get_cache_key(path)
        if use_cache and cache:
            try:
                devices = self._cache[key]
            except KeyError:
                pass
            else:
                display.vvv("%s: %d devices from the inventory cache (no API call)" % (self.NAME, len(devices)))
                return devices
        devices = self._list_devices()
        if use_cache:
            self._cache[key] = devices
        return devices

    def filters(self):
        """The filter options as given (empty lists left out)."""
        result = {}
        for option in self.FILTER_OPTIONS:
            value = self.get_option(option)
            if value:
                result[option] = [to_native(item) for item in value]
        return result

    def connection_params(self, connection):
        """The modules' connection parameters from this plugin's options (same names, defaults and env vars)."""
        params = {}
        for name, spec in connection.argument_spec().items():
            if name in NOT_INVENTORY_OPTIONS or not self.has_option(name):
                params[name] = spec.get("default")
                continue
            value = self.get_option(name)
            if isinstance(value, str):
                value = to_native(self.templar.template(value))
            params[name] = value
        return params

    def _list_devices(self):
        connection = self.connection()
        params = self.connection_params(connection)
        secrets = set()
        for name in ("secret", "access_token", "secret_key", "session_token", "security_token"):
            if params.get(name):
                secrets.add(params[name])
        filters = self.filters()
        provider = None
        try:
            connection.validate(params)
            provider = connection.provider_from_params(params, on_secret=secrets.add, **self.provider_kwargs)
            self._provider = provider
            raw_vars = bool(self.get_option("raw_vars"))
            devices = []
            read_at = utc_text(time.time())
            for device in _device_info.list_devices(provider, self.listings(filters), filters):
                device["status"] = self.status_of(device)
                device["version_read_at"] = read_at
                devices.append(cacheable_device(device, raw_vars))
            self._report_cost(provider, len(devices))
            return devices
        except Exception as exc:  # every failure becomes one clear, redacted parser error, never a traceback
            if provider is not None:
                secrets.update(provider.secrets or ())
            raise AnsibleParserError(self._error_text(exc, secrets))
        finally:
            self._provider = None
            if provider is not None:
                provider.close()

    def _report_cost(self, provider, count):
        log = provider.call_log or []
        waited = sum(float(entry.get("waited") or 0) for entry in log)
        display.vv("%s: %d devices listed in %d API calls (%.1f s waited for the rate limit)"
                   % (self.NAME, count, len(log), waited))

    def _error_text(self, exc, secrets):
        errors = getattr(exc, "errors", None)  # _provider.ValidationError
        if errors:
            text = "; ".join(errors)
        else:
            text = to_native(exc) or exc.__class__.__name__
            call = getattr(exc, "call", None)
            if call and call not in text:
                text = "%s: %s" % (call, text)
            code = getattr(exc, "code", None)
            if code and ("%s" % code) not in text:
                text = "%s (%s)" % (text, code)
        return "%s: %s" % (self.NAME, redact(text, secrets))

    # ---- hosts and groups ----------------------------------------------------------------------------------

    def _add_device(self, device):
        name = self.host_name(device)
        self._check_unique(name, device)
        host = self.inventory.add_host(name)
        # platform data is never templated (a device name such as "{{ lookup('pipe', ...) }}" stays text)
        variables = host_vars(device, bool(self.get_option("raw_vars")))
        if _NEEDS_UNSAFE:
            variables = wrap_var(variables)
        for key, value in variables.items():
            self.inventory.set_variable(host, key, value)
        if self.get_option("default_groups"):
            self._add_default_groups(host, device)
        strict = self.get_option("strict")
        self._set_composite_vars(self.get_option("compose"), variables, host, strict=strict)
        self._add_host_to_composed_groups(self.get_option("groups"), variables, host, strict=strict)
        self._add_host_to_keyed_groups(self.get_option("keyed_groups"), variables, host, strict=strict)

    def _add_default_groups(self, host, device):
        platform_group, version_group = default_groups(device)
        self._add_group_pair(ALL_DEVICES_GROUP, platform_group)
        self._add_group_pair(platform_group, version_group)
        self.inventory.add_child(version_group, host)

    def _add_group_pair(self, parent, child):
        if (parent, child) in self._group_pairs:
            return
        self._group_pairs.add((parent, child))
        self.inventory.add_group(parent)
        self.inventory.add_group(child)
        self.inventory.add_child(parent, child)

    def _check_unique(self, name, device):
        """Two devices must never share a host name (the second would silently overwrite the first's variables)."""
        existing = self.inventory.get_host(name)
        if existing is None:
            return
        known = existing.get_vars()
        if "iot_platform" not in known:
            return  # a host of another source (static inventory) that this listing completes
        same = (known.get("iot_platform") == device.get("platform")
                and known.get("iot_device_id") == device.get("device_id")
                and known.get("iot_product_id") == device.get("product_id"))
        if not same:
            raise AnsibleParserError(
                "%s: host name %r would be used for two devices (%s and %s); set the option 'hostname_prefix'%s so "
                "that every device gets its own host name"
                % (self.NAME, name, describe(known.get("iot_platform"), known.get("iot_product_id"),
                                             known.get("iot_device_id")),
                   describe(device.get("platform"), device.get("product_id"), device.get("device_id")),
                   self.unique_name_hint()))

    def unique_name_hint(self):
        return ""


def describe(platform, product_id, device_id):
    return "%s device %s" % (platform, "%s/%s" % (product_id, device_id) if product_id else device_id)


def redact(text, secrets):
    """``text`` with every secret masked, in each encoding the transport tier knows (raw included)."""
    secrets = [secret for secret in secrets if secret]
    if not secrets:
        return text
    try:
        from ansible_collections.iotfleet.firmware.plugins.module_utils._redact import Redactor
    except ImportError:  # transport tier not importable: mask the raw values at least
        for secret in secrets:
            text = text.replace(secret, "********")
        return text
    return Redactor(secrets).redact(text)
