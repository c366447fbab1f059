# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The registry of platform packages: the one place on the controller that names them.

Each entry is a package ``plugins/module_utils/_<name>/`` with ``facts.py`` (``FACTS``, a
``_rollout_facts.RolloutFacts``) and ``connection.py`` (argument spec, validation, the provider). The rollout logic
(``_rollout/``) and the engine (``_engine/``) ask this registry and the providers; they name no platform. A third
platform is a package and one line here.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib

PACKAGES = ("huawei", "tencent", "huawei_iotda")
_BASE = "ansible_collections.iotfleet.firmware.plugins.module_utils._%s.%s"


def names():
    """The platforms, in the order plans and reports list them."""
    return PACKAGES


_FACTS = {}


def facts(name):
    """The ``RolloutFacts`` of platform ``name`` (``KeyError`` naming the known ones for another name).

    Asked once per device while planning (identity, chunking): the import is looked up once per platform."""
    if name not in PACKAGES:
        raise KeyError("unknown platform %r (known: %s)" % (name, ", ".join(PACKAGES)))
    if name not in _FACTS:
        _FACTS[name] = importlib.import_module(_BASE % (name, "facts")).FACTS
    return _FACTS[name]


def connection_module(name):
    """``plugins/module_utils/_<name>/connection.py`` (argument_spec, validate, provider_from_params)."""
    facts(name)
    return importlib.import_module(_BASE % (name, "connection"))


def target_args():
    """Every platform's targets as the flat option names (``huawei_file_id``, ...), in registry order."""
    return tuple("%s_%s" % (name, key) for name in PACKAGES for key in facts(name).target_keys)


def task_option_args():
    """Every platform's task options as the flat option names (``huawei_policy``, ``tencent_rate_limit``, ...)."""
    return tuple("%s_%s" % (name, key) for name in PACKAGES for key in facts(name).task_options)


def per_platform(args, suffix):
    """``{platform: args["<platform>_<suffix>"]}`` (connections, chunk sizes, missing settings)."""
    return dict((name, args.get("%s_%s" % (name, suffix))) for name in PACKAGES)


def counts(items=()):
    """``{platform: 0}`` for every platform, plus the counts of ``items`` (platform names)."""
    out = dict((name, 0) for name in PACKAGES)
    for item in items:
        out[item] += 1
    return out


def short_counts(counts_by_platform):
    """``"3 Huawei, 4 Tencent"``: the platforms with devices, in registry order (``"none"`` when none has)."""
    return ", ".join("%d %s" % (counts_by_platform[name], facts(name).short) for name in PACKAGES
                     if counts_by_platform.get(name)) or "none"


def throttle_codes():
    return frozenset(code for name in PACKAGES for code in facts(name).throttle_codes)


def platform_of_call(call):
    """The platform whose errors name their calls like ``call`` (``RolloutFacts.call_prefix``), or ``None``."""
    text = call or ""
    for name in sorted(PACKAGES, key=lambda name: -len(facts(name).call_prefix)):  # "Huawei IoTDA " first
        if facts(name).call_prefix and text.startswith(facts(name).call_prefix):
            return name
    return None
