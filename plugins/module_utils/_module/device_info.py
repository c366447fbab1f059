# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The generic bodies of the device and package info modules: the devices or packages the platform's query options
select (``Provider.info_devices``, ``Provider.info_packages``), returned as they are; never a change."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from typing import Any, Dict, List

from ansible_collections.iotfleet.firmware.plugins.module_utils import _device_info
from ansible_collections.iotfleet.firmware.plugins.module_utils._module._connection import ProviderFactory
from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import Provider


def selection_result(key: str, items: List[Dict[str, Any]], page: Dict[str, Any]) -> Dict[str, Any]:
    """``{key: items, "missing": [], "total": len(items)}`` updated with the selection's ``page`` keys (``missing``
    when ids were given, ``total`` and ``page_no`` / ``offset``... when one page was read)."""
    result = {key: items, "missing": [], "total": len(items)}  # type: Dict[str, Any]
    result.update(page)
    return result


def run_device_info(module, provider_factory: ProviderFactory) -> None:
    """``provider.info_devices(params)``; exits the module with ``devices`` (neutral device dicts, see
    ``Provider.iter_devices``), ``missing``, ``total`` and the page keys."""
    def body(provider: Provider, params: Dict[str, Any]) -> Dict[str, Any]:
        devices, page = provider.info_devices(params)
        return selection_result("devices", devices, page)

    _device_info.run(module, provider_factory, body)


def run_package_info(module, provider_factory: ProviderFactory) -> None:
    """``provider.info_packages(params)``; exits the module with the packages under the platform's key
    (``capabilities.packages_key``: Huawei ``packages``, Tencent ``firmwares``), ``missing``, ``total`` and the page
    keys."""
    def body(provider: Provider, params: Dict[str, Any]) -> Dict[str, Any]:
        packages, page = provider.info_packages(params)
        return selection_result(provider.capabilities.packages_key, packages, page)

    _device_info.run(module, provider_factory, body)
