# -*- coding: utf-8 -*-
# Copyright: (c) 2026, iotfleet.firmware maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Platform-neutral device filters and the edge of the info bodies; knows no platform.

* The device filters of the inventory plugins and of the device info modules (plural list options), mapped to the
  provider's listings: ``Provider.device_listings`` says which listings (``Provider.iter_devices`` filter dicts)
  cover the filters, one per value of a filter the platform API accepts as a query parameter; every filter is
  checked again here, on the controller (:func:`list_devices`, :func:`matches`).
* Option checks the platforms' info selections share (:func:`at_least`, :func:`one_page_only`).
* :func:`run`: an info body ``body(provider, params) -> result`` behind the generic module edge
  (``_module._connection.run_body``: validation before any request, redaction, ``api_calls``, exactly one exit).
  The generic info bodies are in ``_module/device_info.py``; the platforms' selections are behind the provider
  contract (``Provider.info_devices``, ``Provider.info_packages``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from typing import Any, Dict, Iterable, Iterator, List, Sequence, Tuple

from ansible_collections.iotfleet.firmware.plugins.module_utils._provider import ValidationError

# Filter option -> neutral device key, checked on the controller (exact whatever the platform did with it).
CLIENT_SIDE_FILTERS = (
    ("device_types", "device_type"),
    ("models", "model"),
    ("manufacturers", "manufacturer"),
    ("gateway_ids", "gateway_id"),
    ("firmware_versions", "firmware_version"),
    ("software_versions", "software_version"),
    ("product_ids", "product_id"),
)


def matches(device: Dict[str, Any], filters: Dict[str, List[str]]) -> bool:
    """True when ``device`` passes every non-empty filter list."""
    return all(not filters.get(option) or device.get(key) in filters[option] for option, key in CLIENT_SIDE_FILTERS)


def list_devices(provider, listings: Iterable[Dict[str, Any]], filters: Dict[str, List[str]]) -> Iterator[Dict]:
    """Every device of the listings that passes ``filters``, each once (paged and paced by the provider)."""
    seen = set()
    for listing in listings:
        for device in provider.iter_devices(listing):
            key = (device.get("product_id"), device.get("device_id"))
            if key in seen or not matches(device, filters):
                continue
            seen.add(key)
            yield device


def list_filters(params: Dict[str, Any], names: Iterable[str]) -> Dict[str, List[str]]:
    return dict((name, list(params[name])) for name in names if params.get(name))


def one_page_only(params: Dict[str, Any], page_keys: Sequence[str], names: Iterable[str]) -> None:
    """One page of a listing is one request: it cannot be combined with several values of a query filter."""
    if all(params.get(key) is None for key in page_keys):
        return
    several = [name for name in names if len(params.get(name) or []) > 1]
    if several:
        raise ValidationError(["%s: one page (%s) is one listing, so at most one value may be given (got %d)"
                               % (name, " / ".join(page_keys), len(params[name])) for name in several])


def at_least(params: Dict[str, Any], rules: Iterable[Tuple[str, int]]) -> None:
    """Each ``(option, low)`` of ``rules`` that is given must be at least ``low``."""
    problems = ["%s must be at least %d, got %s" % (name, low, params[name])
                for name, low in rules if params.get(name) is not None and params[name] < low]
    if problems:
        raise ValidationError(problems)


def run(module, provider_factory, body) -> None:
    """Run ``body(provider, params)`` behind the generic module edge; the result never reports a change."""
    from ansible_collections.iotfleet.firmware.plugins.module_utils._module._connection import run_body

    def edge_body(provider, _warnings):
        return dict(body(provider, module.params), changed=False)

    run_body(module, provider_factory, edge_body)
